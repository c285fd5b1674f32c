//! The JSON Schemas of fenceline's machine output (`schemas/*.schema.json`): generated from the
//! serialised types (stale files fail; `UPDATE_SCHEMAS=1 cargo test --test schemas` rewrites
//! them), each with one required `version`, and every example's output valid against them:
//! `check --format json`, `report --format json` and the `report.json` and `manifest.json` a
//! build writes, `diff --format json`, `query --format json`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn schemas() -> Vec<(&'static str, Value)> {
    fenceline::schema::all()
}

fn schema(name: &str) -> Value {
    let path = format!("schemas/{name}.schema.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn run(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{args:?}: exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn assert_valid(name: &str, what: &str, doc: &Value) {
    let s = schema(name);
    let v = jsonschema::validator_for(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what} against {name}: {errors:#?}");
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fence"))
        .collect();
    v.sort();
    v
}

#[test]
fn committed_schemas_are_current_and_versioned() {
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    for (name, s) in schemas() {
        let text = serde_json::to_string_pretty(&s).unwrap() + "\n";
        let path = Path::new("schemas").join(format!("{name}.schema.json"));
        if update {
            std::fs::create_dir_all("schemas").unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "{} is stale: run `UPDATE_SCHEMAS=1 cargo test --test schemas`",
            path.display()
        );
        assert_eq!(
            s["properties"]["version"]["type"], "integer",
            "{name}: a `version` key"
        );
        let required: Vec<&str> = s["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            required.contains(&"version"),
            "{name}: `version` is required"
        );
    }
}

#[test]
fn every_example_output_matches_its_schema() {
    let tmp = tempfile::tempdir().unwrap();
    for ex in examples() {
        let p = ex.to_str().unwrap();
        let doc = run(&["check", "--today", "2026-06-01", "--format", "json", p]);
        assert_valid("check", p, &doc);
        let doc = run(&["report", "--today", "2026-06-01", "--format", "json", p]);
        assert_valid("report", p, &doc);
        let out = tmp.path().join(ex.file_stem().unwrap());
        let st = Command::new(env!("CARGO_BIN_EXE_fenceline"))
            .args(["build", "-q", "--today", "2026-06-01", p, "-o"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(st.success(), "{p}");
        for (name, file) in [("manifest", "manifest.json"), ("report", "report.json")] {
            let doc: Value =
                serde_json::from_str(&std::fs::read_to_string(out.join(file)).unwrap()).unwrap();
            assert_valid(name, &format!("{p}: {file}"), &doc);
        }
        let doc = run(&["diff", "--format", "json", p, p]);
        assert_valid("diff", p, &doc);
    }
    // A failed check still writes a valid document (with its errors).
    let doc = run(&[
        "check",
        "--format",
        "json",
        "tests/diagnostics/e0006_zone_overlap.fence",
    ]);
    assert_valid("check", "e0006", &doc);
    let doc = run(&[
        "diff",
        "--format",
        "json",
        "tests/diff/base.fence",
        "tests/diff/changed.fence",
    ]);
    assert_valid("diff", "base -> changed", &doc);
    for q in [
        &[
            "examples/north-pipeline.fence",
            "control-center.scada-server",
            "field.plcs",
            "modbus",
        ][..],
        &[
            "examples/north-pipeline.fence",
            "enterprise",
            "field",
            "ssh",
        ][..],
        &["tests/query/spans.fence", "0.0.0.0/0", "c.web", "tcp/80"][..],
    ] {
        let mut args = vec!["query", "--format", "json"];
        args.extend_from_slice(q);
        let doc = run(&args);
        assert_valid("query", &q.join(" "), &doc);
    }
}
