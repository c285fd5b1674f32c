//! Every finding passes one filter, whichever pass raised it: severity configuration from
//! `fenceline.toml` and the policy's `exception` statements apply to the resolver's FR5-001 and
//! the targets' OUT-005, OUT-006 and OUT-007 as to lint rules, in `check`, `build` and `report`
//! alike, and EXC-002 counts an exception that silences a target's finding as used.

use std::path::Path;
use std::process::Command;

fn fenceline(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("FENCELINE_FORMAT")
        .output()
        .expect("run fenceline");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ZONES: &str = r#"
zone control { description "SCADA"  owner "ops"  level 2  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
zone field { description "PLCs"  owner "ops"  level 1  sl-target 2  network 10.40.0.0/24  asset plc 10.40.0.5 }
"#;

const ROUTER: &str = r#"
router rtr {
  target cisco-ios
  interface GigabitEthernet0/0 control
  interface GigabitEthernet0/1 field
}
"#;

/// A conduit enforced by a Cisco router (OUT-005), `extra` inside the conduit block.
fn widening_policy(extra: &str) -> String {
    format!(
        "{ZONES}conduit control-field {{\n  connects control, field\n  sl-target 2\n  allow control.scada -> field.plc modbus\n{extra}}}\n{ROUTER}"
    )
}

fn setup(policy: &str, toml: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("p.fence"), policy).expect("write policy");
    if let Some(t) = toml {
        std::fs::write(dir.path().join("fenceline.toml"), t).expect("write config");
    }
    dir
}

/// (code, suppressed) of every finding `check --format json` reports.
fn check_json(dir: &Path) -> Vec<(String, bool)> {
    let (_, out, err) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--format",
            "json",
            "p.fence",
        ],
        dir,
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    v["files"][0]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                !d["suppressed"].is_null() && d["suppressed"] != false,
            )
        })
        .collect()
}

fn build(dir: &Path) -> (i32, String) {
    let (code, _, err) = fenceline(
        &["build", "--today", "2026-06-01", "p.fence", "-o", "out"],
        dir,
    );
    (code, err)
}

#[test]
fn an_exception_on_the_conduit_silences_the_targets_widening_everywhere() {
    let dir = setup(
        &widening_policy(
            "  exception OUT-005 \"replies pass the router; the PLC network is monitored\"\n",
        ),
        None,
    );
    let (code, err) = build(dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("OUT-005") && err.contains("suppressed by the exception"),
        "{err}"
    );
    assert!(!err.contains("EXC-002"), "{err}");
    let found = check_json(dir.path());
    assert!(found.contains(&("OUT-005".into(), true)), "{found:?}");
    assert!(!found.iter().any(|(c, _)| c == "EXC-002"), "{found:?}");
    // The report written by `build` lists the widening as accepted, with its exception.
    let rep = std::fs::read_to_string(dir.path().join("out/report.json")).expect("report.json");
    let v: serde_json::Value = serde_json::from_str(&rep).expect("json");
    let w = v["widenings"].as_array().expect("widenings");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["suppressed"], true);
    assert_eq!(v["summary"]["widenings"], 1);
}

#[test]
fn exceptions_on_every_widened_flow_silence_the_grouped_warning_one_does_not() {
    let flows =
        "  allow control.scada -> field.plc udp/2222 {\n    exception OUT-005 \"accepted\"\n  }\n";
    let dir = setup(&widening_policy(flows), None);
    let found = check_json(dir.path());
    // The modbus flow is not excepted: the warning stays, the flow's exception silenced nothing.
    assert!(found.contains(&("OUT-005".into(), false)), "{found:?}");
    assert!(found.contains(&("EXC-002".into(), false)), "{found:?}");
    let both = widening_policy(flows).replace(
        "allow control.scada -> field.plc modbus\n",
        "allow control.scada -> field.plc modbus {\n    exception OUT-005 \"accepted\"\n  }\n",
    );
    let dir = setup(&both, None);
    let found = check_json(dir.path());
    assert!(found.contains(&("OUT-005".into(), true)), "{found:?}");
    assert!(!found.iter().any(|(c, _)| c == "EXC-002"), "{found:?}");
}

#[test]
fn rules_turned_off_in_the_configuration_are_off_in_build_and_check() {
    let dir = setup(&widening_policy(""), None);
    let (code, err) = build(dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("OUT-005"), "{err}");
    let dir = setup(
        &widening_policy(""),
        Some("[rules]\n\"OUT-005\" = \"off\"\n"),
    );
    let (code, err) = build(dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("OUT-005"), "{err}");
    assert!(!check_json(dir.path()).iter().any(|(c, _)| c == "OUT-005"));
    // Raised to an error, it fails the build.
    let dir = setup(
        &widening_policy(""),
        Some("[rules]\n\"OUT-005\" = \"error\"\n"),
    );
    let (code, err) = build(dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("OUT-005") && err.contains("build failed"),
        "{err}"
    );
}

#[test]
fn vlan_one_and_sanitised_text_follow_the_configuration_and_exceptions() {
    let switch = r#"
zone control { description "SCADA"  owner "ops"  level 2  sl-target 2  network 10.30.0.0/24  vlan 130 }
zone field {
  description "PLCs"  owner "ops"  level 1  sl-target 2  network 10.40.0.0/24  vlan 1
  exception OUT-006 "the field switch is replaced next quarter"
}
switch sw {
  target cisco-ios
  ports GigabitEthernet1/0/1-8 access field
  port GigabitEthernet1/0/24 trunk field, control
}
"#;
    let dir = setup(switch, None);
    let (code, err) = build(dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("suppressed by the exception") && !err.contains("EXC-002"),
        "{err}"
    );
    assert!(check_json(dir.path()).contains(&("OUT-006".into(), true)));

    let text = format!(
        "{ZONES}conduit control-field {{\n  connects control, field\n  allow control.scada -> field.plc modbus {{\n    description \"Polling \u{2013} approved\"\n    exception OUT-007 \"the dash may go\"\n  }}\n}}\nfirewall fw {{\n  target nftables\n  interface eth0 control\n  interface eth1 field\n}}\n"
    );
    let dir = setup(&text, None);
    let found = check_json(dir.path());
    assert!(found.contains(&("OUT-007".into(), true)), "{found:?}");
    assert!(!found.iter().any(|(c, _)| c == "EXC-002"), "{found:?}");
    let dir = setup(&text, Some("[rules]\n\"OUT-007\" = \"off\"\n"));
    let (code, err) = build(dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("OUT-007"), "{err}");
}

#[test]
fn the_resolvers_flow_outside_conduit_follows_exceptions_and_configuration() {
    let policy = format!(
        "{ZONES}zone dmz {{ description \"DMZ\"  owner \"it\"  level 3.5  sl-target 2  network 10.50.0.0/24 }}\nconduit control-field {{\n  connects control, field\n  allow control.scada -> field.plc modbus\n  allow dmz -> field.plc modbus\n  EXC\n}}\nfirewall fw {{\n  target nftables\n  interface eth0 control\n  interface eth1 field\n  interface eth2 dmz\n}}\n"
    );
    let plain = setup(&policy.replace("  EXC\n", ""), None);
    let (code, err) = build(plain.path());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("FR5-001"), "{err}");
    let excepted = setup(
        &policy.replace(
            "  EXC\n",
            "  exception FR5-001 \"the DMZ flow is dropped until its conduit is approved\"\n",
        ),
        None,
    );
    let (code, err) = build(excepted.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("suppressed by the exception") && !err.contains("EXC-002"),
        "{err}"
    );
    let off = setup(
        &policy.replace("  EXC\n", ""),
        Some("[rules]\n\"FR5-001\" = \"off\"\n"),
    );
    let (code, err) = build(off.path());
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("FR5-001"), "{err}");
}

#[test]
fn sarif_github_and_report_outputs_see_the_filtered_findings() {
    let excepted = setup(
        &widening_policy(
            "  exception OUT-005 \"replies pass the router; the PLC network is monitored\"\n",
        ),
        None,
    );
    let (code, out, err) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--format",
            "sarif",
            "p.fence",
        ],
        excepted.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("sarif");
    let results = v["runs"][0]["results"].as_array().expect("results");
    let widening: Vec<_> = results
        .iter()
        .filter(|r| r["ruleId"] == "OUT-005")
        .collect();
    assert_eq!(widening.len(), 1, "{out}");
    assert!(widening[0]["suppressions"].is_array(), "{out}");
    assert!(!results.iter().any(|r| r["ruleId"] == "EXC-002"), "{out}");
    let (_, out, _) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--format",
            "github",
            "p.fence",
        ],
        excepted.path(),
    );
    assert!(
        !out.contains("OUT-005") && !out.contains("EXC-002"),
        "{out}"
    );
    let (code, out, err) = fenceline(&["report", "--format", "json", "p.fence"], excepted.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("report");
    assert_eq!(v["widenings"][0]["suppressed"], true, "{out}");
    assert!(!v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "EXC-002"));

    let off = setup(
        &widening_policy(""),
        Some("[rules]\n\"OUT-005\" = \"off\"\n"),
    );
    let (_, out, _) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--format",
            "github",
            "p.fence",
        ],
        off.path(),
    );
    assert!(!out.contains("OUT-005"), "{out}");
    let (_, out, _) = fenceline(&["report", "--format", "json", "p.fence"], off.path());
    let v: serde_json::Value = serde_json::from_str(&out).expect("report");
    assert_eq!(v["widenings"].as_array().map(Vec::len), Some(0), "{out}");
    assert_eq!(v["summary"]["widenings"], 0);
    let on = setup(&widening_policy(""), None);
    let (_, out, _) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--format",
            "github",
            "p.fence",
        ],
        on.path(),
    );
    assert!(out.contains("OUT-005"), "{out}");
}

#[test]
fn diff_sees_the_targets_findings_through_the_configuration() {
    let new = widening_policy("");
    let old = new.replace(
        "allow control.scada -> field.plc modbus\n",
        "allow control.scada -> field.plc modbus\n  allow control.scada -> field.plc https\n",
    );
    let dir = setup(&new, None);
    std::fs::write(dir.path().join("old.fence"), &old).expect("write old");
    let (_, out, err) = fenceline(
        &[
            "diff",
            "--today",
            "2026-06-01",
            "--format",
            "json",
            "old.fence",
            "p.fence",
        ],
        dir.path(),
    );
    assert!(out.contains("OUT-005"), "{out}{err}");
    std::fs::write(
        dir.path().join("fenceline.toml"),
        "[rules]\n\"OUT-005\" = \"off\"\n",
    )
    .expect("write config");
    let (_, out, err) = fenceline(
        &[
            "diff",
            "--today",
            "2026-06-01",
            "--format",
            "json",
            "old.fence",
            "p.fence",
        ],
        dir.path(),
    );
    assert!(!out.contains("OUT-005") && !out.is_empty(), "{out}{err}");
}

/// An exception accepts its rule's findings at the statement that holds it and nowhere else: a
/// flow's its flow, a conduit's the conduit and its flows, a zone's the zone (never a flow into
/// or out of it), a device-level flow's that flow (never through its peer's zone); a finding
/// about a zone is never accepted by a conduit's exception. A misplaced exception accepts
/// nothing and is reported unused (EXC-002).
#[test]
fn exceptions_accept_findings_at_their_own_place_only() {
    let policy = r#"
zone control { level 2  sl-target 3  network 10.30.0.0/24  asset scada 10.30.0.10  asset ews 10.30.0.30 }
zone field {
  level 1
  sl-target 3
  network 10.40.0.0/24
  asset plc 10.40.0.5
  exception FR3-001 "zone: accepts no flow into the zone"
  exception FR5-010 "zone: accepts no finding about a conduit"
  exception FR7-002 "zone: accepts no device-level flow from the zone"
}
zone sis {
  level 1
  safety
  sl-target 2
  network 10.15.0.0/24
}
zone cell {
  level 1
  sl-target 3
  network 10.41.0.0/24
  asset plc 10.41.0.5
}
conduit control-field {
  connects control, field
  sl-target 2
  allow control.scada -> field.plc modbus
}
conduit control-cell {
  connects control, cell
  allow control.scada -> cell.plc modbus {
    exception FR3-001 "flow: accepts this flow"
  }
  allow control.ews -> cell.plc dnp3
}
conduit control-sis {
  connects control, sis
  exception FR5-019 "conduit: accepts no finding about a zone"
}
firewall fw {
  target nftables
  interface eth0 control address 10.30.0.1
  interface eth1 field address 10.40.0.1
  allow field.plc -> self telnet
}
"#;
    let opts = fenceline::driver::CheckOptions {
        today: Some("2026-06-01".into()),
        ..Default::default()
    };
    let checked =
        fenceline::driver::check_text("p.fence", Path::new("p.fence"), policy.to_string(), &opts);
    let find = |code: &str, needle: &str| -> Vec<bool> {
        checked
            .diagnostics
            .iter()
            .filter(|d| d.code == code && d.message.contains(needle))
            .map(|d| d.suppressed.is_some())
            .collect()
    };
    // A zone's exception accepts no flow into the zone, no conduit joining it and no
    // device-level flow from it.
    assert_eq!(find("FR3-001", "into zone `field`"), vec![false]);
    assert_eq!(find("FR5-010", "than zone `field`"), vec![false]);
    assert_eq!(find("FR7-002", "telnet"), vec![false]);
    // A flow's exception accepts that flow only, not its neighbour in the same conduit.
    let mut cell = find("FR3-001", "into zone `cell`");
    cell.sort();
    assert_eq!(cell, vec![false, true]);
    // A conduit's exception accepts no finding about a zone it connects.
    assert_eq!(find("FR5-019", "`sis`"), vec![false]);
    let unused: Vec<&str> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "EXC-002")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(unused.len(), 4, "{unused:#?}");
}
