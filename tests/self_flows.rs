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

fn plan(m: &Model) -> fenceline::plan::Ir {
    let (ir, diags) = fenceline::plan::model_to_ir(m);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    ir
}

fn device<'a>(ir: &'a fenceline::plan::Ir, name: &str) -> &'a fenceline::plan::DeviceIr {
    ir.devices.iter().find(|d| d.name == name).unwrap()
}

fn set(list: &[&str]) -> fenceline::model::AddrSet {
    let mut s = fenceline::model::AddrSet::new();
    for a in ips(list) {
        s.add_range(a, a);
    }
    s
}

#[test]
fn a_self_flow_through_another_device_is_forwarded_there_and_local_at_its_device() {
    let m = model(PLANT);
    let ir = plan(&m);
    // `allow enterprise.ws -> self ssh` of rtr-sub crosses fw-idmz (eth0 -> eth2).
    let id = m
        .self_flow_ids()
        .find(|id| m.self_flow_label(*id) == "enterprise.ws -> self ssh")
        .unwrap();
    let rtr_own = set(&["10.30.0.2", "10.101.0.1"]);
    let fw = device(&ir, "fw-idmz");
    let pair = fw
        .pairs
        .iter()
        .find(|p| p.ingress == 0 && p.egress == 2)
        .unwrap();
    let fwd: Vec<_> = pair.rules.iter().filter(|r| r.flow == id.into()).collect();
    assert_eq!(fwd.len(), 1);
    assert_eq!(fwd[0].conduit, None);
    assert_eq!(fwd[0].label, "rtr-sub: enterprise.ws -> self ssh");
    assert_eq!(fwd[0].src, set(&["10.10.0.50"]));
    assert_eq!(fwd[0].dst, rtr_own);
    // No other pair of the firewall carries it.
    let elsewhere = fw
        .pairs
        .iter()
        .flat_map(|p| &p.rules)
        .filter(|r| r.flow == id.into())
        .count();
    assert_eq!(elsewhere, 1);
    // At rtr-sub it is a local rule on the interface facing the enterprise (via control-center).
    let rtr = device(&ir, "rtr-sub");
    assert_eq!(rtr.own, rtr_own);
    let local: Vec<_> = rtr
        .local
        .iter()
        .filter(|l| l.rules.iter().any(|r| r.flow == id.into()))
        .collect();
    assert_eq!(local.len(), 1);
    assert_eq!(local[0].interface, 0);
    assert!(local[0].to_device);
    let r = local[0].rules.iter().find(|r| r.flow == id.into()).unwrap();
    assert_eq!(
        (r.src.clone(), r.dst.clone()),
        (set(&["10.10.0.50"]), rtr_own)
    );
    // IOS is stateless: the local rules carry their replies.
    assert_eq!(local[0].replies.len(), local[0].rules.len());
    assert!(!rtr
        .pairs
        .iter()
        .flat_map(|p| &p.rules)
        .any(|r| r.flow == id.into()));
}

#[test]
fn traffic_from_the_device_leaves_by_the_interface_facing_its_peer() {
    let m = model(PLANT);
    let ir = plan(&m);
    let fw = device(&ir, "fw-idmz");
    let out: Vec<_> = fw.local.iter().filter(|l| !l.to_device).collect();
    assert_eq!(out.len(), 1);
    assert_eq!(fw.interfaces[out[0].interface].name, "eth2");
    let r = &out[0].rules[0];
    assert_eq!(r.label, "fw-idmz: self -> control-center.syslog syslog");
    // Every own IPv4 address (the syslog server has no IPv6 one).
    let own_v4 = set(&[
        "10.10.0.1",
        "10.10.0.2",
        "10.10.0.3",
        "10.20.0.1",
        "10.30.0.1",
        "10.99.0.1",
    ]);
    assert_eq!(r.src, own_v4);
    assert_eq!(r.dst, set(&["10.30.0.20"]));
    assert!(r.log);
    // nftables is stateful: no reply entries.
    assert!(out[0].replies.is_empty());
    assert_eq!(fw.nodes, ["fw-idmz-a", "fw-idmz-b"]);
    let sync = fw.sync.as_ref().unwrap();
    assert_eq!(fw.interfaces[sync.interface].name, "eth3");
    // eth3 lists no `nodes`: the nodes' own addresses there are unknown, so the sync link
    // trusts its whole network (the nodes' VRRP and conntrackd come from their own addresses,
    // never from the shared one alone).
    let mut link = fenceline::model::AddrSet::new();
    link.add_net("10.99.0.0/24".parse().unwrap());
    assert_eq!(sync.peers, link);
    assert_eq!(device(&ir, "rtr-sub").nodes, ["rtr-sub"]);
}

#[test]
fn every_interface_on_a_loop_free_path_faces_the_peer() {
    // A ring: `office` reaches `core`'s two zones through `fw-a` and through `fw-b`.
    let text = "
zone office { level 4 sl-target 1 network 10.10.0.0/24 asset ws 10.10.0.5 }
zone left { level 3 sl-target 2 network 10.1.0.0/24 }
zone right { level 3 sl-target 2 network 10.2.0.0/24 }
firewall fw-a { target nftables interface eth0 office interface eth1 left }
firewall fw-b { target nftables interface eth0 office interface eth1 right }
firewall core {
  target nftables
  interface eth0 left address 10.1.0.1
  interface eth1 right address 10.2.0.1
  allow office.ws -> self ssh
}
";
    let opts = CheckOptions::default();
    let checked =
        fenceline::driver::check_text("ring.fence", Path::new("ring.fence"), text.into(), &opts);
    let m = checked.model.expect("the ring policy resolves");
    let ir = plan(&m);
    let core = device(&ir, "core");
    let faces: Vec<usize> = core.local.iter().map(|l| l.interface).collect();
    assert_eq!(faces, [0, 1]);
    for name in ["fw-a", "fw-b"] {
        let d = device(&ir, name);
        let p = d
            .pairs
            .iter()
            .find(|p| p.ingress == 0 && p.egress == 1)
            .unwrap_or_else(|| panic!("{name} forwards it"));
        assert_eq!(p.rules[0].dst, set(&["10.1.0.1", "10.2.0.1"]));
    }
}

#[test]
fn query_answers_for_traffic_to_and_from_a_device() {
    let m = model(PLANT);
    let q =
        |src: &str, dst: &str, svc: &str| fenceline::cli::query::answer(&m, src, dst, svc).unwrap();
    // To the device's own addresses, through another device.
    let a = q("enterprise.ws", "rtr-sub", "ssh");
    assert_eq!(a.verdict, "allowed");
    assert_eq!(a.flows.len(), 1);
    assert_eq!(a.flows[0].device.as_deref(), Some("rtr-sub"));
    assert_eq!(a.flows[0].flow, "enterprise.ws -> self ssh");
    let on: Vec<(&str, &str, &str)> = a.flows[0]
        .enforced_on
        .iter()
        .map(|h| (h.device.as_str(), h.ingress.as_str(), h.egress.as_str()))
        .collect();
    assert_eq!(
        on,
        [
            ("fw-idmz", "eth0", "eth2"),
            ("rtr-sub", "GigabitEthernet0/0/0", "self")
        ]
    );
    // Not allowed from another asset, nor to another device.
    assert_eq!(q("enterprise.ws", "fw-idmz", "ssh").verdict, "denied");
    assert_eq!(
        q("control-center", "rtr-sub", "ssh").verdict,
        "partly-allowed"
    );
    // From the device.
    let a = q("fw-idmz", "control-center.syslog", "syslog");
    assert_eq!(a.verdict, "allowed");
    assert_eq!(a.flows[0].enforced_on[0].ingress, "self");
    assert_eq!(
        q("fw-idmz", "control-center.syslog", "ssh").verdict,
        "denied"
    );
    // A cluster node stands for its own and the shared addresses.
    assert_eq!(
        q("control-center.ews", "fw-idmz-b", "ssh").verdict,
        "allowed"
    );
    // A zone query is answered by conduits, as before.
    assert_eq!(
        q("control-center.ews", "station.rtu", "dnp3").verdict,
        "allowed"
    );
}

/// A device-level flow whose service is an inline item that no conduit flow names
/// (`allow a -> self tcp/2222`) keeps it: it used to be dropped from the Model without a word,
/// and the firewall then dropped what the policy allows while `verify` called it equal.
#[test]
fn an_inline_service_only_a_device_level_flow_names_is_kept() {
    let text = r#"policy "s"
zone a { level 2 sl-target 2 network 10.1.0.0/24 }
zone b { level 3 sl-target 2 network 10.2.0.0/24 }
conduit ab { connects a, b  sl-target 2  allow a -> b https }
firewall fw {
  target nftables, iptables
  interface eth0 a address 10.1.0.1
  interface eth1 b address 10.2.0.1
  allow a -> self tcp/2222, udp
  allow self -> b icmp/8
}
"#;
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let checked =
        fenceline::driver::check_text("s.fence", Path::new("s.fence"), text.into(), &opts);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let m = checked.model.as_ref().unwrap();
    assert_eq!(m.self_flows.len(), 2, "{:?}", m.self_flows);
    let names = |f: &fenceline::model::SelfFlow| -> Vec<String> {
        f.services
            .iter()
            .map(|s| m.service(*s).name.clone())
            .collect()
    };
    let inbound = m
        .self_flows
        .iter()
        .find(|f| f.direction == SelfDirection::ToDevice)
        .unwrap();
    assert_eq!(names(inbound), ["tcp/2222", "udp"]);
    let outbound = m
        .self_flows
        .iter()
        .find(|f| f.direction == SelfDirection::FromDevice)
        .unwrap();
    assert_eq!(names(outbound), ["icmp/8"]);
    let built = fenceline::build::build_checked(&checked, &Default::default())
        .unwrap()
        .unwrap();
    let file = |p: &str| {
        built
            .outputs
            .iter()
            .find(|o| o.path == p)
            .map(|o| String::from_utf8_lossy(&o.bytes).into_owned())
            .unwrap()
    };
    assert!(file("fw/nftables.nft").contains("2222"));
    assert!(file("fw/iptables.rules").contains("--dport 2222"));
}
