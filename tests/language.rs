//! The language front end end to end: the DESIGN.md example means what it says, the formatter
//! keeps meaning and is idempotent on every fixture and example, includes resolve, and the CLI
//! returns the documented exit codes.

use fenceline::driver::{check_path, CheckOptions};
use fenceline::model::{Fr, Level, ServiceItem, Target};
use std::path::{Path, PathBuf};
use std::process::Command;

fn opts() -> CheckOptions {
    CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    }
}

fn policy_files() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in [
        "examples",
        "tests/diagnostics",
        "tests/include",
        "tests/include/zones",
        "tests/lint",
    ] {
        if let Ok(rd) = std::fs::read_dir(dir) {
            v.extend(
                rd.map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "fence")),
            );
        }
    }
    v.sort();
    v
}

#[test]
fn asset_kinds_are_the_vocabulary_or_a_sites_own() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("kinds.fence");
    std::fs::write(
        &p,
        "zone plant { level 2  sl-target 2  network 10.1.0.0/24\n  asset p 10.1.0.1 { kind plc }\n  asset b 10.1.0.2 { kind x-badge-reader }\n  asset s 10.1.0.3 { kind server }\n}\n",
    )
    .unwrap();
    let checked = check_path(&p, &opts()).unwrap();
    let m = checked.model.expect("model");
    let kinds: Vec<String> = m.zones[0]
        .assets
        .iter()
        .map(|a| format!("{} {:?}", a.name, a.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            "b Some(Site(\"x-badge-reader\"))",
            "p Some(Plc)",
            "s Some(Server)"
        ]
    );
    // `x-` alone names nothing: E0027.
    std::fs::write(
        &p,
        "zone plant { level 2  sl-target 2  network 10.1.0.0/24  asset b 10.1.0.2 { kind x- } }\n",
    )
    .unwrap();
    let checked = check_path(&p, &opts()).unwrap();
    assert!(checked.diagnostics.iter().any(|d| d.code == "E0027"));
}

#[test]
fn design_example_means_what_it_says() {
    let checked = check_path(Path::new("examples/north-pipeline.fence"), &opts()).unwrap();
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let m = checked.model.expect("model");
    assert_eq!(m.policy.name, "north-pipeline");
    let names: Vec<&str> = m.zones.iter().map(|z| z.name.as_str()).collect();
    assert_eq!(names, ["control-center", "dmz", "enterprise", "field"]);

    let dmz = &m.zones[m.zone_id("dmz").unwrap().0];
    assert_eq!(dmz.level, Level(35));
    assert!(dmz.level.is_dmz());
    let jump = &dmz.assets[dmz.asset("jump-host").unwrap()];
    assert_eq!(jump.kind, Some(fenceline::model::AssetKind::JumpHost));

    let cc = &m.zones[m.zone_id("control-center").unwrap().0];
    assert_eq!(cc.sl.get(Fr::Iac), 3);
    assert_eq!(cc.sl.get(Fr::Dc), 2);
    assert_eq!(cc.sl.get(Fr::Rdf), 3);
    assert_eq!(cc.sl.get(Fr::Tre), 2);
    assert_eq!(cc.networks.len(), 2, "IPv4 and IPv6 networks");
    assert!(!cc.addrs.v6.is_empty());
    let hmi = &cc.assets[cc.asset("hmi").unwrap()];
    assert!(hmi.addrs.contains("10.30.0.21".parse().unwrap()));
    assert!(hmi.addrs.contains("10.30.0.22".parse().unwrap()));
    assert!(!hmi.addrs.contains("10.30.0.23".parse().unwrap()));

    let field = &m.zones[m.zone_id("field").unwrap().0];
    assert_eq!(field.sl.get(Fr::Rdf), 3);
    assert_eq!(field.vlan, Some(140));

    let sync = &m.services[m.service_id("historian-sync").unwrap().0];
    assert_eq!(sync.items, [ServiceItem::parse("tcp/5450").unwrap()]);
    let both = &m.services[m.service_id("dnp3-both").unwrap().0];
    assert_eq!(both.items.len(), 2);

    assert_eq!(m.conduits.len(), 3);
    assert_eq!(m.flows.len(), 7);
    let logged: Vec<String> = m
        .flow_ids()
        .filter(|f| m.flow(*f).log)
        .map(|f| m.flow_label(f))
        .collect();
    assert_eq!(logged, ["dmz.jump-host -> control-center.hmi rdp"]);
    let exc = &m.exceptions[0];
    assert_eq!(exc.rule, "FR3-001");
    assert_eq!(exc.until.as_deref(), Some("2027-06-30"));

    let fw = &m.devices[m.device_id("fw-it-ot").unwrap().0];
    assert_eq!(fw.targets, [Target::Nftables, Target::Iptables]);
    assert_eq!(fw.interfaces.len(), 3);
    let sw = &m.devices[m.device_id("sw-field").unwrap().0];
    assert_eq!(
        sw.ports[0].range,
        Some(("GigabitEthernet1/0/".to_string(), 1, 24))
    );
    assert!(sw.unused_ports_shutdown);
    assert_eq!(m.expects.len(), 3);
    assert_eq!(m.expects.iter().filter(|e| e.allow).count(), 1);
}

#[test]
fn ast_snapshot_of_the_design_example() {
    let text = std::fs::read_to_string("examples/north-pipeline.fence").unwrap();
    let ast = fenceline::syntax::parse_file(fenceline::source::FileId(0), &text).unwrap();
    insta::assert_json_snapshot!("north_pipeline_ast", ast);
}

#[test]
fn fmt_keeps_meaning_and_is_idempotent_everywhere() {
    let files = policy_files();
    assert!(files.len() > 20);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.to_string_lossy();
        match fenceline::cli::format::format_text(&name, &text) {
            Ok(once) => {
                let twice = fenceline::cli::format::format_text(&name, &once)
                    .unwrap_or_else(|_| panic!("{name}"));
                assert_eq!(once, twice, "{name}: fmt is not idempotent");
                // Comments survive.
                let count = |s: &str| fenceline::syntax::comments(s).len();
                assert_eq!(count(&text), count(&once), "{name}: a comment was lost");
            }
            Err((_, d)) => assert_eq!(d.code, "E0001", "{name}: only unparsable files may refuse"),
        }
    }
}

#[test]
fn formatted_design_example_is_stable() {
    let text = std::fs::read_to_string("examples/north-pipeline.fence").unwrap();
    let once = fenceline::cli::format::format_text("north-pipeline.fence", &text).unwrap();
    insta::assert_snapshot!("north_pipeline_formatted", once);
}

#[test]
fn includes_resolve_relative_and_once() {
    let checked = check_path(Path::new("tests/include/plant.fence"), &opts()).unwrap();
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    let m = checked.model.unwrap();
    assert_eq!(m.zones.len(), 2);
    assert_eq!(
        checked.sources.files.len(),
        3,
        "it.fence is included twice but read once"
    );
    let names: Vec<&str> = checked
        .sources
        .files
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "tests/include/plant.fence",
            "tests/include/zones/it.fence",
            "tests/include/zones/ot.fence"
        ]
    );
}

#[test]
fn all_findings_of_a_pass_are_reported_in_one_run() {
    let checked = check_path(
        Path::new("tests/diagnostics/e0002_unknown_name.fence"),
        &opts(),
    )
    .unwrap();
    let n = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "E0002")
        .count();
    assert_eq!(n, 3);
    // Sorted by position.
    let offsets: Vec<u32> = checked
        .diagnostics
        .iter()
        .filter_map(|d| d.span.map(|s| s.start))
        .collect();
    let mut sorted = offsets.clone();
    sorted.sort();
    assert_eq!(offsets, sorted);
}

fn fenceline(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_exit_codes() {
    let (code, _, err) = fenceline(&[
        "check",
        "--today",
        "2026-01-01",
        "tests/include/plant.fence",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = fenceline(&["check", "tests/diagnostics/e0004_host_bits.fence"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("E0004") && err.contains("10.30.0.0/24"),
        "{err}"
    );
    let (code, _, err) = fenceline(&["check", "no/such/file.fence"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = fenceline(&["check", "--format", "nope", "x.fence"]);
    assert_eq!(code, 2, "usage error");
    let (code, _, _) = fenceline(&["no-such-command"]);
    assert_eq!(code, 2);
    // fmt --check: 1 when a file would change, 0 when formatted, 2 when it cannot parse.
    let (code, _, _) = fenceline(&["fmt", "--check", "examples/north-pipeline.fence"]);
    assert_eq!(code, 1);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p.fence");
    std::fs::copy("examples/north-pipeline.fence", &p).unwrap();
    let (code, _, err) = fenceline(&["fmt", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = fenceline(&["fmt", "--check", p.to_str().unwrap()]);
    assert_eq!(code, 0);
    let (code, _, _) = fenceline(&["fmt", "--check", "tests/diagnostics/e0001_syntax.fence"]);
    assert_eq!(code, 2);
}

#[test]
fn check_json_is_a_versioned_envelope() {
    let (code, out, _) = fenceline(&[
        "check",
        "--format",
        "json",
        "tests/diagnostics/e0006_zone_overlap.fence",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    let d = &v["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "E0006");
    assert_eq!(d["location"]["line"], 3);
    assert!(v["summary"]["errors"].as_u64().unwrap() >= 1);
}

#[test]
fn debug_dumps_ast_and_model() {
    let (code, out, _) = fenceline(&["debug", "model", "tests/include/plant.fence"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["zones"][0]["name"], "control");
    let (code, out, _) = fenceline(&["debug", "ast", "tests/include/plant.fence"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"include\""));
}

/// What fenceline writes itself and what examples/README.md calls canonical is in the canonical
/// layout: the `init` starter (which the `fenceline-fmt` hook would otherwise rewrite on its
/// first commit) and every example but the design contract, kept verbatim with its alignment.
#[test]
fn starter_and_examples_are_in_the_canonical_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    let (code, _, err) = fenceline(&["init", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let starter = dir.join("policy.fence");
    let (code, out, err) = fenceline(&["fmt", "--diff", starter.to_str().unwrap()]);
    assert_eq!(code, 0, "the init starter is not canonical:\n{out}{err}");
    let mut examples: Vec<String> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().to_string())
        .filter(|p| p.ends_with(".fence") && !p.ends_with("north-pipeline.fence"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 2);
    for ex in examples {
        let (code, out, err) = fenceline(&["fmt", "--diff", &ex]);
        assert_eq!(code, 0, "{ex} is not canonical:\n{out}{err}");
    }
}
