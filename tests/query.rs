//! `fenceline query` through the real binary: verdicts, the flow and its line, the devices and
//! interfaces that enforce it, JSON output, and usage errors.

use std::process::Command;

fn query(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .arg("query")
        .arg("examples/north-pipeline.fence")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = query(&a);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn allowed_names_conduit_flow_line_and_devices() {
    let (code, out, _) = query(&["control-center.scada-server", "field.plcs", "modbus"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("ALLOWED: control-center.scada-server -> field.plcs modbus"),
        "{out}"
    );
    assert!(out.contains("conduit `control-field`"), "{out}");
    assert!(out.contains("examples/north-pipeline.fence:106"), "{out}");
    assert!(
        out.contains("enforced on `rtr-field`: in GigabitEthernet0/0 -> out GigabitEthernet0/1"),
        "{out}"
    );
}

#[test]
fn denied_between_unconnected_zones() {
    let v = json(&["enterprise", "field.plcs", "modbus"]);
    assert_eq!(v["verdict"], "denied");
    assert_eq!(v["flows"].as_array().unwrap().len(), 0);
    assert_eq!(v["path"][0]["device"], "fw-it-ot");
    assert!(v["notes"][0]
        .as_str()
        .unwrap()
        .contains("no conduit connects"));
}

#[test]
fn addresses_and_port_items() {
    let v = json(&["10.30.0.21", "10.40.2.5", "tcp/502"]);
    assert_eq!(v["verdict"], "allowed");
    assert_eq!(v["src"]["name"], "10.30.0.21 (in `control-center.hmi`)");
    assert_eq!(
        v["flows"][0]["flow"],
        "control-center.hmi -> field.plcs modbus"
    );
    let v = json(&["10.30.0.21", "10.40.2.5", "tcp/503"]);
    assert_eq!(v["verdict"], "denied");
    assert_eq!(v["denied_example"], "tcp 10.30.0.21:40000 -> 10.40.2.5:503");
}

#[test]
fn partly_allowed_zone_query() {
    let v = json(&["control-center", "field", "modbus"]);
    assert_eq!(v["verdict"], "partly-allowed");
    assert_eq!(v["flows"].as_array().unwrap().len(), 2);
    assert!(v["denied_example"]
        .as_str()
        .unwrap()
        .starts_with("tcp 10.30.0.0:40000"));
}

#[test]
fn unknown_names_are_usage_errors() {
    let (code, _, err) = query(&["control-centre", "field", "modbus"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `control-center`"), "{err}");
    let (code, _, err) = query(&["field", "control-center", "modbuz"]);
    assert_eq!(code, 2);
    assert!(err.contains("modbus"), "{err}");
}

fn query_file(file: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .arg("query")
        .arg(file)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A source that spans zones is split by zone and each part answered: 10.0.0.0/23 is zone `a`
/// (denied to tcp/80) and zone `b` (allowed), so the answer is partly allowed, not denied from
/// the zone of its first address; `0.0.0.0/0` adds a part outside every zone, and only that
/// part carries the note.
#[test]
fn a_query_spanning_zones_is_answered_per_zone() {
    const F: &str = "tests/query/spans.fence";
    let (code, out, err) = query_file(F, &["10.0.0.0/23", "c.web", "tcp/80", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "partly-allowed", "{v:#}");
    let parts: Vec<(String, String)> = v["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["src"]["zone"].as_str().unwrap_or("-").to_string(),
                p["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            ("a".into(), "denied".into()),
            ("b".into(), "allowed".into())
        ]
    );
    assert_eq!(v["flows"][0]["flow"], "b -> c.web tcp/80");

    let (code, out, _) = query_file(F, &["0.0.0.0/0", "c.web", "tcp/80", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "partly-allowed");
    let outside: Vec<&serde_json::Value> = v["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["src"]["zone"].is_null())
        .collect();
    assert_eq!(outside.len(), 1, "{v:#}");
    assert!(outside[0]["notes"][0]
        .as_str()
        .unwrap()
        .contains("outside every zone"));
    assert!(v["notes"].as_array().unwrap().is_empty(), "{v:#}");

    // --exit-code: 1 when any part is denied, 0 when all is allowed.
    assert_eq!(
        query_file(F, &["--exit-code", "10.0.0.0/23", "c.web", "tcp/80"]).0,
        1
    );
    assert_eq!(query_file(F, &["--exit-code", "b", "c.web", "tcp/80"]).0, 0);
    assert_eq!(
        query_file(F, &["--exit-code", "10.0.1.0/24", "c.web", "tcp/80"]).0,
        0
    );
    assert_eq!(query_file(F, &["--exit-code", "a", "c.web", "tcp/80"]).0, 1);
}

/// ICMP as conntrack classifies it: a whole-protocol flow allows even unsolicited replies; a
/// flow of echo requests allows the requests only, its replies pass as established.
#[test]
fn icmp_answer_types_follow_connection_tracking() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
            .args(["query", "tests/icmp/plant.fence"])
            .args(args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let v = run(&["a", "b", "icmp/8"]);
    assert_eq!(v["verdict"], "allowed");
    let v = run(&["a", "b", "icmp/0"]);
    assert_eq!(v["verdict"], "denied");
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .contains("answers a connection"),
        "{v}"
    );
    let v = run(&["b", "a", "icmp/0"]);
    assert_eq!(v["verdict"], "allowed");
    let v = run(&["b", "a", "icmpv6/135"]);
    assert_eq!(v["verdict"], "allowed");
    let v = run(&["a", "b", "icmpv6"]);
    assert_eq!(v["verdict"], "partly-allowed");
}

/// A one-way service's flow is allowed, with a note that no reply comes back; another service
/// of the same flow gets none.
#[test]
fn one_way_service_is_noted() {
    let fx = std::path::Path::new("tests/oneway/one-way.fence");
    let checked =
        fenceline::driver::check_path(fx, &fenceline::driver::CheckOptions::default()).unwrap();
    let model = checked.model.unwrap();
    let a = fenceline::cli::query::answer(&model, "field.rtus", "control.collector", "syslog-udp")
        .unwrap();
    assert_eq!(a.verdict, "allowed");
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("`syslog-udp` is one-way")),
        "{:?}",
        a.notes
    );
    let a =
        fenceline::cli::query::answer(&model, "field.rtus", "control.collector", "ntp").unwrap();
    assert_eq!(a.verdict, "allowed");
    assert!(
        a.notes.iter().all(|n| !n.contains("one-way")),
        "{:?}",
        a.notes
    );
}
