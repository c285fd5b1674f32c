//! Static 1:1 NAT in the language (`network INSIDE nat OUTSIDE`): what the resolver makes of it
//! and how `query` speaks about translated zones. The targets' translation is proven in
//! tests/linux_targets.rs (kernel) and tests/verify.rs.

use fenceline::driver::{check_path, check_text, CheckOptions};
use fenceline::model::{AddrSet, Model};
use std::path::Path;
use std::process::Command;

const SKIDS: &str = "tests/nat/skids.fence";

fn model(path: &str) -> Model {
    let checked = check_path(Path::new(path), &CheckOptions::default()).unwrap();
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    checked.model.expect("model")
}

fn set(s: &str) -> AddrSet {
    AddrSet::from_net(s.parse().unwrap())
}

#[test]
fn identical_inside_networks_are_two_zones_seen_at_their_outside_networks() {
    let m = model(SKIDS);
    let filling = m.zone(m.zone_id("filling").unwrap());
    let packaging = m.zone(m.zone_id("packaging").unwrap());
    assert_eq!(filling.networks, vec!["10.50.1.0/24".parse().unwrap()]);
    assert_eq!(filling.addrs, set("10.50.1.0/24"));
    assert_eq!(packaging.addrs, set("10.50.2.0/24"));
    assert_eq!(filling.inside_addrs(), set("192.168.1.0/24"));
    assert_eq!(packaging.inside_addrs(), set("192.168.1.0/24"));
    // The asset is written as the skid sees itself; the plant reaches it outside.
    let plc = &filling.assets[filling.asset("plc").unwrap()];
    assert_eq!(plc.written, vec!["192.168.1.10"]);
    assert_eq!(plc.addrs, set("10.50.1.10/32"));
    assert_eq!(filling.to_inside(&plc.addrs), set("192.168.1.10/32"));
    // The router's inside address is the same on both skids' interfaces (no E0030).
    let rtr = m.device(m.device_id("rtr-cells").unwrap());
    assert_eq!(
        rtr.interfaces[1].addresses, rtr.interfaces[2].addresses,
        "{:?}",
        rtr.interfaces
    );
}

fn errors_of(text: &str) -> Vec<String> {
    let checked = check_text(
        "t.fence",
        Path::new("t.fence"),
        text.to_string(),
        &CheckOptions::default(),
    );
    checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

fn with_zones(zones: &str) -> String {
    format!(
        "{zones}\nzone ops {{ level 3 sl-target 2 network 10.30.0.0/24 }}\n\
         firewall fw {{ target nftables interface eth0 ops interface eth1 a interface eth2 b }}\n"
    )
}

#[test]
fn overlapping_outside_networks_are_refused_as_any_shared_address() {
    let errs = errors_of(&with_zones(
        "zone a { level 2 sl-target 2 network 192.168.1.0/24 nat 10.50.1.0/24 }\n\
         zone b { level 2 sl-target 2 network 192.168.1.0/24 nat 10.50.1.0/24 }",
    ));
    assert!(
        errs.iter()
            .any(|e| e.starts_with("E0006: zones `a` and `b`")),
        "{errs:?}"
    );
}

#[test]
fn an_inside_network_shared_with_an_untranslated_zone_is_refused() {
    // Without `nat` on both, the two zones claim the same addresses.
    let errs = errors_of(&with_zones(
        "zone a { level 2 sl-target 2 network 192.168.1.0/24 nat 10.50.1.0/24 }\n\
         zone b { level 2 sl-target 2 network 192.168.1.0/24 }",
    ));
    assert!(errs.is_empty(), "{errs:?}");
    let errs = errors_of(&with_zones(
        "zone a { level 2 sl-target 2 network 192.168.1.0/24 }\n\
         zone b { level 2 sl-target 2 network 192.168.1.0/24 }",
    ));
    assert!(errs.iter().any(|e| e.starts_with("E0006")), "{errs:?}");
}

#[test]
fn an_asset_written_at_its_outside_address_is_refused_with_the_inside_view_as_help() {
    let checked = check_text(
        "t.fence",
        Path::new("t.fence"),
        with_zones(
            "zone a { level 2 sl-target 2 network 192.168.1.0/24 nat 10.50.1.0/24 asset plc 10.50.1.10 }\n\
             zone b { level 2 sl-target 2 network 10.40.0.0/24 }",
        ),
        &CheckOptions::default(),
    );
    let d = checked
        .diagnostics
        .iter()
        .find(|d| d.code == "E0005")
        .expect("asset outside its zone");
    let help = d.help.as_deref().unwrap_or_default();
    assert!(help.contains("as its own hosts see them"), "{help}");
    assert!(help.contains("192.168.1.0/24"), "{help}");
}

#[test]
fn a_device_address_on_a_translated_interface_is_an_inside_address() {
    let errs = errors_of(
        "zone ops { level 3 sl-target 2 network 10.30.0.0/24 }\n\
         zone a { level 2 sl-target 2 network 192.168.1.0/24 nat 10.50.1.0/24 }\n\
         firewall fw { target nftables interface eth0 ops address 10.30.0.1\n\
           interface eth1 a address 10.50.1.1 }\n",
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("E0029: address `10.50.1.1` is outside zone `a`")),
        "{errs:?}"
    );
}

fn query(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .arg("query")
        .arg(SKIDS)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn query_speaks_outside_addresses_and_refuses_inside_ones_with_e0041() {
    let (code, out, err) = query(&["site-ops.scada", "10.50.1.10", "modbus"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ALLOWED"), "{out}");
    assert!(out.contains("filling.plc"), "{out}");
    let (code, _, err) = query(&["site-ops.scada", "192.168.1.10", "modbus"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("E0041"), "{err}");
    assert!(err.contains("10.50.1.10"), "{err}");
    assert!(err.contains("10.50.2.10"), "{err}");
}

fn report(format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args([
            "report",
            SKIDS,
            "-q",
            "--today",
            "2026-12-01",
            "--format",
            format,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_report_shows_both_views_of_a_translated_zone() {
    let v: serde_json::Value = serde_json::from_str(&report("json")).unwrap();
    let filling = v["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["name"] == "filling")
        .unwrap();
    assert_eq!(filling["networks"][0], "10.50.1.0/24");
    assert_eq!(filling["nat"][0]["inside"], "192.168.1.0/24");
    assert_eq!(filling["nat"][0]["outside"], "10.50.1.0/24");
    assert_eq!(filling["assets"][0]["addresses"][0], "192.168.1.10");
    assert_eq!(filling["assets"][0]["outside"][0], "10.50.1.10");
    let ops = v["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["name"] == "site-ops")
        .unwrap();
    assert!(ops.get("nat").is_none(), "{ops}");
    let md = report("md");
    assert!(
        md.contains("| c. Address translation (static 1:1) | inside 192.168.1.0/24 seen outside as 10.50.2.0/24"),
        "{md}"
    );
    assert!(md.contains("| plc | 192.168.1.10 | 10.50.1.10 |"), "{md}");
    let html = report("html");
    assert!(
        html.contains("<td>192.168.1.10</td><td>10.50.2.10</td>"),
        "{html}"
    );
}

#[test]
fn a_devices_inside_address_is_self_only_from_its_translated_zone() {
    use fenceline::model::SelfDirection;
    let m = model("examples/bottling.fence");
    for device in ["rtr-line1", "fw-line2", "fw-line3"] {
        let id = m
            .self_flow_ids()
            .find(|&i| {
                let f = m.self_flow(i);
                m.device(f.device).name == device && f.direction == SelfDirection::ToDevice
            })
            .expect("ssh to the device");
        let own = m.self_addrs(id);
        let inside: std::net::IpAddr = "192.168.1.1".parse().unwrap();
        assert!(!own.contains(inside), "{device}: {own}");
        assert!(!own.is_empty(), "{device}");
        // Every own address of the device's operations interface stays `self`.
        let dev = m.device(m.self_flow(id).device);
        assert!(
            own.contains_set(&dev.interfaces[0].own_addrs()),
            "{device}: {own}"
        );
    }
}

/// The bad inputs the NAT contract names, through the command line: each an error at its line
/// (a span in the rendered output) and exit code 1, never a panic.
#[test]
fn bad_translations_are_errors_at_their_line_with_exit_code_1() {
    let zones = "zone ops { level 3 sl-target 2 network 10.30.0.0/24 }\n";
    let fw =
        "firewall fw { target nftables interface eth0 ops interface eth1 a interface eth2 b }\n";
    let cases: &[(&str, String, &str, &str)] = &[
        (
            "overlapping outside networks",
            format!(
                "{zones}zone a {{ level 2 sl-target 2 network 192.168.1.0/24 nat 10.50.1.0/24 }}\n\
                 zone b {{ level 2 sl-target 2 network 192.168.1.0/25 nat 10.50.1.128/25 }}\n{fw}"
            ),
            "E0006",
            "t.fence:3:",
        ),
        (
            "an outside network over another zone's network",
            format!(
                "{zones}zone a {{ level 2 sl-target 2 network 192.168.1.0/25 nat 10.30.0.128/25 }}\n\
                 zone b {{ level 2 sl-target 2 network 10.40.0.0/24 }}\n{fw}"
            ),
            "E0006",
            "t.fence:",
        ),
        (
            "prefix lengths that differ",
            format!(
                "{zones}zone a {{ level 2 sl-target 2 network 192.168.1.0/24 nat 10.50.1.0/25 }}\n\
                 zone b {{ level 2 sl-target 2 network 10.40.0.0/24 }}\n{fw}"
            ),
            "E0039",
            "t.fence:2:",
        ),
        (
            "a translated zone with no device attaching it",
            format!(
                "{zones}zone a {{ level 2 sl-target 2 network 192.168.1.0/24 nat 10.50.1.0/24 }}\n\
                 firewall fw {{ target nftables interface eth0 ops }}\n"
            ),
            "E0040",
            "t.fence:2:",
        ),
        (
            "`inspect` on a switch",
            format!(
                "{zones}switch sw {{\n  target cisco-ios\n  inspect\n  port Gi1/0/1 access ops\n}}\n"
            ),
            "E0038",
            "t.fence:4:3",
        ),
    ];
    let dir = std::env::temp_dir().join(format!("fenceline-nat-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (what, text, code, at) in cases {
        std::fs::write(dir.join("t.fence"), text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
            .args(["check", "t.fence", "--color", "never"])
            .current_dir(&dir)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "{what}: {all}");
        let at_code = all.split(code).nth(1).unwrap_or_default();
        assert!(all.contains(code), "{what}: no {code} in {all}");
        assert!(
            at_code.contains(&format!("[{at}")),
            "{what}: {code} not at {at}: {all}"
        );
        assert!(!all.contains("panicked"), "{what}: {all}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Expectations speak the plant's addresses: a failing one about a translated zone gives its
/// counterexample at the outside address, against the policy and against the generated files.
#[test]
fn a_failing_expectation_about_a_translated_zone_shows_the_outside_address() {
    let dir = std::env::temp_dir().join(format!("fenceline-nat-expect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = std::fs::read_to_string("tests/nat/linux.fence").unwrap();
    text.push_str("expect allow site-ops.historian -> filling.plc modbus\n");
    std::fs::write(dir.join("t.fence"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(["build", "t.fence", "-o", "out", "--color", "never"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("counterexample: tcp 10.30.0.20:40000 -> 10.50.1.10:502 is denied"),
        "{err}"
    );
    assert!(
        err.contains("10.50.1.10:502 is dropped by `fw-cells` (nftables)"),
        "{err}"
    );
    assert!(!err.contains("192.168.1.10"), "{err}");
}

/// In a list each network takes its own translation: `network NET [nat NET], NET [nat NET]`.
#[test]
fn each_network_of_a_list_takes_its_own_translation() {
    let checked = check_text(
        "t.fence",
        Path::new("t.fence"),
        with_zones(
            "zone a { level 2 sl-target 2\n\
               network 192.168.1.0/24 nat 10.50.1.0/24, 10.9.9.0/24, 192.168.2.0/25 nat 10.50.3.0/25\n\
               asset plc 192.168.1.10\n asset hmi 192.168.2.20\n asset eng 10.9.9.5 }\n\
             zone b { level 2 sl-target 2 network 10.40.0.0/24 }",
        ),
        &CheckOptions::default(),
    );
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let m = checked.model.expect("model");
    let a = m.zone(m.zone_id("a").unwrap());
    let nat: Vec<(String, String)> = a
        .nat
        .iter()
        .map(|n| (n.inside.to_string(), n.outside.to_string()))
        .collect();
    assert_eq!(
        nat,
        [
            ("192.168.1.0/24".into(), "10.50.1.0/24".into()),
            ("192.168.2.0/25".into(), "10.50.3.0/25".into())
        ]
    );
    let mut outside = set("10.50.1.0/24");
    outside.add_net("10.9.9.0/24".parse().unwrap());
    outside.add_net("10.50.3.0/25".parse().unwrap());
    assert_eq!(a.addrs, outside);
    let mut inside = set("192.168.1.0/24");
    inside.add_net("10.9.9.0/24".parse().unwrap());
    inside.add_net("192.168.2.0/25".parse().unwrap());
    assert_eq!(a.inside_addrs(), inside);
    let at = |name: &str| a.assets[a.asset(name).unwrap()].addrs.clone();
    assert_eq!(at("plc"), set("10.50.1.10/32"));
    assert_eq!(at("hmi"), set("10.50.3.20/32"));
    // The untranslated network of the list keeps its addresses.
    assert_eq!(at("eng"), set("10.9.9.5/32"));
}
