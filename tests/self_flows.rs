//! Devices as they stand in a plant: own addresses (`address`, `nodes`), HA clusters
//! (`cluster`, `sync`) and device-level flows (`allow X -> self`, `allow self -> X`), from the
//! source to the Model, back through the formatter, and into the plan.

use fenceline::driver::{check_path, CheckOptions};
use fenceline::model::{Model, Scope, SelfDirection, SelfFlowId};
use std::net::IpAddr;
use std::path::Path;

const PLANT: &str = "tests/self/plant.fence";

fn model(path: &str) -> Model {
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let checked = check_path(Path::new(path), &opts).unwrap();
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    checked.model.unwrap()
}

fn ips(list: &[&str]) -> Vec<IpAddr> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

#[test]
fn addresses_nodes_cluster_and_sync_enter_the_model() {
    let m = model(PLANT);
    let fw = m.device(m.device_id("fw-idmz").unwrap());
    assert_eq!(fw.cluster, ["fw-idmz-a", "fw-idmz-b"]);
    assert_eq!(fw.node_names(), ["fw-idmz-a", "fw-idmz-b"]);
    assert_eq!(fw.sync, Some(3));
    assert_eq!(fw.interfaces[3].name, "eth3");
    assert_eq!(fw.interfaces[0].addresses, ips(&["10.10.0.1"]));
    assert_eq!(fw.interfaces[0].nodes, ips(&["10.10.0.2", "10.10.0.3"]));
    assert_eq!(
        fw.interfaces[1].addresses,
        ips(&["10.20.0.1", "fd00:20::1"])
    );
    assert!(fw.interfaces[1].nodes.is_empty());
    let own = fw.own_addrs();
    for a in ["10.10.0.1", "10.10.0.3", "fd00:20::1", "10.99.0.1"] {
        assert!(own.contains(a.parse().unwrap()), "{a}");
    }
    assert!(!own.contains("10.10.0.4".parse().unwrap()));
    let rtr = m.device(m.device_id("rtr-sub").unwrap());
    assert!(rtr.cluster.is_empty());
    assert_eq!(rtr.node_names(), ["rtr-sub"]);
    assert_eq!(rtr.sync, None);
    // IOS names are canonical.
    assert_eq!(rtr.interfaces[0].name, "GigabitEthernet0/0/0");
}

#[test]
fn self_flows_are_sorted_located_and_scoped() {
    let m = model(PLANT);
    let labels: Vec<(String, String)> = m
        .self_flow_ids()
        .map(|id| {
            let f = m.self_flow(id);
            (m.device(f.device).name.clone(), m.self_flow_label(id))
        })
        .collect();
    let want = [
        ("fw-idmz", "control-center.ews -> self ssh"),
        ("fw-idmz", "self -> control-center.syslog syslog"),
        ("rtr-sub", "control-center.ews -> self ssh"),
        ("rtr-sub", "enterprise.ws -> self ssh"),
        ("rtr-sub", "station.rtu -> self ntp"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(labels, want);
    let syslog = m.self_flow(SelfFlowId(1));
    assert_eq!(syslog.direction, SelfDirection::FromDevice);
    assert!(syslog.log);
    assert_eq!(syslog.description.as_deref(), Some("the firewall's log"));
    assert_eq!(
        m.self_flow(SelfFlowId(0)).direction,
        SelfDirection::ToDevice
    );
    // The span map points at each statement and its services.
    let text = std::fs::read_to_string(PLANT).unwrap();
    let at = |s: fenceline::source::Span| &text[s.start as usize..s.end as usize];
    assert!(at(m.spans.self_flow(SelfFlowId(3))).starts_with("allow enterprise.ws -> self ssh {"));
    assert_eq!(at(m.spans.self_flow_service(SelfFlowId(4), 0)), "ntp");
    // The exception written in a self flow's block is scoped to it.
    let e = m.exceptions.iter().find(|e| e.rule == "FR7-002").unwrap();
    assert_eq!(e.scope, Scope::SelfFlow(SelfFlowId(3)));
    // Services of self flows are used.
    let ntp = m.service_id("ntp").unwrap();
    assert!(m.used_services.contains(&ntp));
}

#[test]
fn fmt_round_trips_the_new_statements() {
    let text = std::fs::read_to_string(PLANT).unwrap();
    let once = fenceline::cli::format::format_text(PLANT, &text).unwrap();
    assert_eq!(once, text, "the fixture is written in the canonical layout");
    let src = "firewall fw {\n  target nftables\n  cluster a,b\n  sync   eth1\n  interface eth0 z address 10.0.0.1,10.0.0.2 nodes 10.0.0.3 , 10.0.0.4\n  interface eth1 y\n  allow z.h->self ssh,ntp{log}\n  allow self->z ntp\n}\n";
    let out = fenceline::cli::format::format_text("t.fence", src).unwrap();
    assert_eq!(
        out,
        "firewall fw {\n  target nftables\n  cluster a, b\n  sync eth1\n  interface eth0 z address 10.0.0.1, 10.0.0.2 nodes 10.0.0.3, 10.0.0.4\n  interface eth1 y\n  allow z.h -> self ssh, ntp {\n    log\n  }\n  allow self -> z ntp\n}\n"
    );
    let a = fenceline::syntax::parse_file(fenceline::source::FileId(0), src).unwrap();
    let b = fenceline::syntax::parse_file(fenceline::source::FileId(0), &out).unwrap();
    assert!(fenceline::fmt::same_meaning(&a, &b));
}

#[test]
fn nodes_need_an_address_first() {
    // `nodes` follows `address`: alone it is a syntax error, not a silent empty list.
    let src = "firewall fw {\n  interface eth0 z nodes 10.0.0.3\n}\n";
    let e = fenceline::syntax::parse_file(fenceline::source::FileId(0), src).unwrap_err();
    assert_eq!(e.code, "E0001");
}
