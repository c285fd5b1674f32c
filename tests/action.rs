//! The composite GitHub Action (`action.yml`), run step by step as a runner runs it: each shell
//! step with `bash --noprofile --norc -eo pipefail`, its `env` with the inputs and earlier
//! steps' outputs substituted, `GITHUB_OUTPUT`, `GITHUB_PATH` and `GITHUB_STEP_SUMMARY` files,
//! `if:` conditions evaluated; `uses:` steps (the SARIF upload) are recorded and skipped. The
//! install step installs the wheel that `.ci/run` builds with maturin into a fresh virtual
//! environment, so the later steps run the binary of the wheel.
//!
//! Proves: a finding lets build --check and verify still run and fails the job at the end; a
//! clean policy passes; drift of a committed configuration fails the job.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn wheel_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("FENCELINE_WHEEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist"));
    let has_wheel = std::fs::read_dir(&dir).ok()?.flatten().any(|e| {
        let n = e.file_name().to_string_lossy().to_string();
        n.starts_with("fenceline-") && n.ends_with(".whl")
    });
    has_wheel.then_some(dir)
}

#[derive(Debug, Default)]
struct Run {
    /// step id (or name) -> exit code, for the steps that ran.
    codes: BTreeMap<String, i32>,
    /// step id -> outputs.
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    skipped: Vec<String>,
    log: String,
    failed: bool,
}

/// `${{ inputs.NAME }}` and `${{ steps.ID.outputs.KEY }}` in a value.
fn substitute(v: &str, inputs: &BTreeMap<String, String>, run: &Run) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find("${{") {
        out.push_str(&rest[..i]);
        let j = rest[i..].find("}}").expect("closed expression") + i;
        let expr = rest[i + 3..j].trim();
        let value = if let Some(name) = expr.strip_prefix("inputs.") {
            inputs.get(name).cloned().unwrap_or_default()
        } else if let Some(p) = expr.strip_prefix("steps.") {
            let (id, key) = p.split_once(".outputs.").expect("steps.ID.outputs.KEY");
            run.outputs
                .get(id)
                .and_then(|o| o.get(key))
                .cloned()
                .unwrap_or_default()
        } else {
            panic!("expression the test runner does not evaluate: {expr}");
        };
        out.push_str(&value);
        rest = &rest[j + 2..];
    }
    out.push_str(rest);
    out
}

/// The `if:` conditions the action uses: `always()`, `success()`, `inputs.X == 'v'`,
/// `inputs.X != 'v'`, joined by `&&`.
fn condition(cond: Option<&str>, inputs: &BTreeMap<String, String>, failed: bool) -> bool {
    let Some(cond) = cond else {
        return !failed;
    };
    let mut always = false;
    let mut value = true;
    for term in cond.split("&&").map(str::trim) {
        match term {
            "always()" => always = true,
            "success()" => value &= !failed,
            t => {
                let (lhs, op, rhs) = if let Some((l, r)) = t.split_once("!=") {
                    (l, false, r)
                } else if let Some((l, r)) = t.split_once("==") {
                    (l, true, r)
                } else {
                    panic!("condition the test runner does not evaluate: {t}");
                };
                let name = lhs.trim().strip_prefix("inputs.").expect("inputs.NAME");
                let want = rhs.trim().trim_matches('\'');
                let have = inputs.get(name).map(String::as_str).unwrap_or("");
                value &= (have == want) == op;
            }
        }
    }
    value && (always || !failed)
}

fn run_action(workspace: &Path, given: &[(&str, &str)]) -> Run {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let action: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut inputs = BTreeMap::new();
    for (k, v) in action["inputs"].as_mapping().unwrap() {
        let default = v["default"].as_str().unwrap_or("").to_string();
        inputs.insert(k.as_str().unwrap().to_string(), default);
    }
    for (k, v) in given {
        assert!(inputs.contains_key(*k), "the action has no input `{k}`");
        inputs.insert(k.to_string(), v.to_string());
    }
    assert_eq!(action["runs"]["using"], "composite");
    let temp = workspace.join(".runner");
    std::fs::create_dir_all(&temp).unwrap();
    let path_file = temp.join("path");
    let summary = temp.join("summary");
    std::fs::write(&path_file, "").unwrap();
    let mut run = Run::default();
    for (n, step) in action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .enumerate()
    {
        let id = step["id"]
            .as_str()
            .or(step["name"].as_str())
            .unwrap()
            .to_string();
        if !condition(step["if"].as_str(), &inputs, run.failed) {
            run.skipped.push(id);
            continue;
        }
        if step["uses"].is_string() {
            run.skipped.push(format!("{id} (uses)"));
            continue;
        }
        assert_eq!(step["shell"], "bash", "{id}: shell steps are bash");
        let script = step["run"].as_str().unwrap();
        assert!(
            !script.contains("${{"),
            "{id}: inputs reach scripts through env, never `${{{{ }}}}` in the script"
        );
        let output_file = temp.join(format!("output-{n}"));
        std::fs::write(&output_file, "").unwrap();
        let script_file = temp.join(format!("step-{n}.sh"));
        std::fs::write(&script_file, script).unwrap();
        // PATH as GITHUB_PATH left it: added directories first.
        let added: Vec<String> = std::fs::read_to_string(&path_file)
            .unwrap()
            .lines()
            .rev()
            .map(String::from)
            .collect();
        let mut path = added.join(":");
        if let Ok(p) = std::env::var("PATH") {
            path = if path.is_empty() {
                p
            } else {
                format!("{path}:{p}")
            };
        }
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(workspace)
            .env("PATH", path)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_ACTION_PATH", root)
            .env("GITHUB_WORKSPACE", workspace)
            .env("RUNNER_TEMP", &temp)
            .env("NO_COLOR", "1")
            .env_remove("FENCELINE_FORMAT");
        if let Some(env) = step["env"].as_mapping() {
            for (k, v) in env {
                let v = v.as_str().map(String::from).unwrap_or_default();
                cmd.env(k.as_str().unwrap(), substitute(&v, &inputs, &run));
            }
        }
        let out = cmd.output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        run.log.push_str(&format!(
            "== {id}: exit {code}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        let outputs = std::fs::read_to_string(&output_file)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        run.outputs.insert(id.clone(), outputs);
        run.codes.insert(id, code);
        if code != 0 {
            run.failed = true;
        }
    }
    run
}

/// The wheel's `fenceline`, installed into a virtual environment of its own: the repository's
/// committed configurations are built by the same binary the action installs, so a wheel built
/// from other sources than the test binary's cannot make the comparison drift.
fn wheel_binary(wheels: &str, dir: &Path) -> PathBuf {
    let venv = dir.join("venv");
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap()
        .success();
    assert!(ok, "python3 -m venv");
    let out = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-index",
            "--find-links",
            wheels,
            "fenceline",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    venv.join("bin/fenceline")
}

/// An example repository: the design's example policy and its committed build output.
fn repository(fenceline: &Path) -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    std::fs::copy(
        "examples/north-pipeline.fence",
        ws.path().join("policy.fence"),
    )
    .unwrap();
    let out = Command::new(fenceline)
        .args(["build", "-q", "policy.fence", "-o", "configs"])
        .current_dir(ws.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ws
}

#[test]
fn the_action_runs_every_step_and_fails_the_job_at_the_end() {
    let Some(wheels) = wheel_dir() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no fenceline wheel in dist/ (or FENCELINE_WHEEL_DIR): .ci/run builds it with maturin"
        );
        eprintln!(
            "skipped: no fenceline wheel in dist/; build it with `maturin build --release -o dist`"
        );
        return;
    };
    let wheels = wheels.to_string_lossy().to_string();
    let go = |ws: &Path| {
        run_action(
            ws,
            &[
                ("policy", "policy.fence"),
                ("output-dir", "configs"),
                ("install-from", wheels.as_str()),
            ],
        )
    };

    // Clean: every step runs and passes, with the wheel's binary.
    let tools = tempfile::tempdir().unwrap();
    let ws = repository(&wheel_binary(&wheels, tools.path()));
    let run = go(ws.path());
    assert!(!run.failed, "{}", run.log);
    assert!(run.log.contains("fenceline 0.1.0"), "{}", run.log);
    assert_eq!(run.codes.get("check"), Some(&0), "{}", run.log);
    assert_eq!(run.codes.get("build-check"), Some(&0), "{}", run.log);
    assert_eq!(run.outputs["verify"]["code"], "0", "{}", run.log);
    assert!(run.skipped.iter().any(|s| s.starts_with("Upload SARIF")));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join("fenceline.sarif")).unwrap())
            .unwrap();
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );

    // A finding (warnings fail under this configuration): build --check and verify still run,
    // and the last step fails the job.
    std::fs::write(
        ws.path().join("fenceline.toml"),
        "fail-level = \"warning\"\n",
    )
    .unwrap();
    let run = go(ws.path());
    assert_eq!(run.outputs["check"]["code"], "1", "{}", run.log);
    assert!(
        run.outputs["build-check"].contains_key("code"),
        "{}",
        run.log
    );
    assert!(run.outputs["verify"].contains_key("code"), "{}", run.log);
    assert_eq!(run.codes.get("Result"), Some(&1), "{}", run.log);
    assert!(run.failed);
    std::fs::remove_file(ws.path().join("fenceline.toml")).unwrap();

    // Drift of a committed configuration: build --check and verify both say so.
    let nft = ws.path().join("configs/fw-it-ot/nftables.nft");
    let text = std::fs::read_to_string(&nft).unwrap();
    std::fs::write(&nft, text.replacen("counter drop", "counter accept", 1)).unwrap();
    let run = go(ws.path());
    assert_eq!(run.outputs["check"]["code"], "0", "{}", run.log);
    assert_eq!(run.outputs["build-check"]["code"], "1", "{}", run.log);
    assert_eq!(run.outputs["verify"]["code"], "1", "{}", run.log);
    assert_eq!(run.codes.get("Result"), Some(&1), "{}", run.log);
}

#[test]
fn the_runner_evaluates_conditions() {
    let inputs: BTreeMap<String, String> = [("output-dir".to_string(), String::new())].into();
    assert!(condition(Some("always()"), &inputs, true));
    assert!(!condition(
        Some("always() && inputs.output-dir != ''"),
        &inputs,
        false
    ));
    assert!(!condition(None, &inputs, true));
    assert!(condition(None, &inputs, false));
}
