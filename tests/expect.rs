//! `expect allow|deny` through `fenceline check`: a failing expectation is E0020 at the
//! expectation, with a counterexample packet and the contradicting flow as a related label;
//! holding expectations are silent.

use std::process::Command;

const POLICY: &str = r#"policy "expect-test" {}
zone ops { level 3  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
zone field { level 2  sl-target 2  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
conduit ops-field {
  connects ops, field
  allow ops.scada -> field.plcs modbus
}
"#;

fn check(extra: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.fence");
    std::fs::write(&p, format!("{POLICY}{extra}")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(["check", "--format", "json", "--today", "2026-01-01"])
        .arg(&p)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

fn e0020(json: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "E0020")
        .cloned()
        .collect()
}

#[test]
fn holding_expectations_pass() {
    let (code, out) = check("expect allow ops.scada -> field.plcs modbus\nexpect deny ops -> field ssh\nexpect deny field -> ops modbus\n");
    assert!(e0020(&out).is_empty(), "{out}");
    assert_ne!(code, 2);
}

#[test]
fn failing_deny_points_at_the_flow() {
    let (code, out) = check("expect deny ops -> field.plcs tcp/502\n");
    assert_eq!(code, 1, "{out}");
    let d = e0020(&out);
    assert_eq!(d.len(), 1, "{out}");
    let s = d[0].to_string();
    assert!(
        s.contains("tcp 10.30.0.10:40000 -> 10.40.2.0:502 is allowed"),
        "{s}"
    );
    assert!(s.contains("this flow allows it"), "{s}");
    assert!(
        s.contains("\"line\":8") || s.contains("\"line\": 8"),
        "expectation on line 8: {s}"
    );
}

#[test]
fn failing_allow_gives_a_denied_packet() {
    let (code, out) = check("expect allow ops -> field.plcs modbus\n");
    assert_eq!(code, 1, "{out}");
    let s = e0020(&out)[0].to_string();
    assert!(
        s.contains("tcp 10.30.0.0:40000 -> 10.40.2.0:502 is denied"),
        "{s}"
    );
    assert!(s.contains("allows only part of it"), "{s}");
}
