//! The FortiOS dialect (`fortios`): its laws and its semantics.
//!
//! - `parse(print(c)) == c` for the configurations lowered from random policies and for random
//!   configurations (a strategy over the typed configuration), and `print ∘ parse` is the
//!   identity on printed text;
//! - tests/fortios/plant.fence (tests/asa/plant.fence's design on a FortiGate) builds as
//!   snapshotted and verifies equal; every example plant, its firewalls compiled for `fortios`,
//!   reads back equal to the policy (verify), or is refused at the device where fenceline does
//!   not generate FortiOS's form (E0075: skids on one inside network), or warned where FortiOS can
//!   only approximate it (OUT-010: `one-way`); random policies compiled for it verify equal too;
//! - a live `show full-configuration` (tests/fortios/live.conf, in the forms of Fortinet's CLI
//!   reference: unrelated sections and `set` lines skipped, predefined and proxy services, a
//!   range address, nested groups, policies out of id order, a disabled policy, local-in
//!   policies, `allowaccess`) is read and decides packets as FortiOS does; a `set` line the
//!   reader cannot model inside a section it must understand is refused with its line;
//! - `set status down` (island mode) closes an interface and nothing else.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::dialect::config::{decide, Item, Term};
use fenceline::dialect::fortios::ast::*;
use fenceline::dialect::fortios::parse::parse;
use fenceline::dialect::fortios::{FortiConfig, Fortios};
use fenceline::dialect::{Dialect, DynDialect, EmitContext, EmitOptions, Filters, Stamp};
use fenceline::driver::{check_text, CheckOptions, Checked};
use fenceline::model::{DeviceId, Model, Target};
use fenceline::packet::Packet;
use fenceline::synth::{policy, Size};
use fenceline::verify::equiv::{compare_loaded, PolicySides};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

fn opts() -> CheckOptions {
    CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    }
}

/// A policy's firewalls with `fortios` as their only target.
fn as_fortios(text: &str) -> String {
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("target ") && (t.contains("nftables") || t.contains("iptables")) {
                let indent = &l[..l.len() - t.len()];
                format!("{indent}target fortios")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(name: &str, text: String) -> Checked {
    check_text(name, Path::new(name), text, &opts())
}

/// Builds a checked policy in memory: its files by path.
fn files_of(checked: &Checked) -> BTreeMap<String, String> {
    let built = build_checked(
        checked,
        &BuildOptions {
            check: opts(),
            ..Default::default()
        },
    )
    .unwrap()
    .expect("builds");
    assert!(!built.outputs.is_empty(), "{:?}", built.diagnostics);
    built
        .outputs
        .iter()
        .map(|o| (o.path.clone(), String::from_utf8(o.bytes.clone()).unwrap()))
        .collect()
}

/// Verifies every `fortios` device of a built policy: `(device, equal, differences)`.
fn verify_fortios(model: &Model, files: &BTreeMap<String, String>) -> Vec<(String, bool, String)> {
    let sides = PolicySides::for_targets(model, &[Target::Fortios]);
    let read = |p: &str| files.get(p).cloned();
    let mut out = Vec::new();
    for (di, dev) in model.devices.iter().enumerate() {
        if !dev.targets.contains(&Target::Fortios) {
            continue;
        }
        for node in dev.node_names() {
            let loaded = Fortios
                .load(node, &read)
                .unwrap_or_else(|e| panic!("{e}"))
                .expect("a fortios.txt");
            let r = compare_loaded(model, &sides, DeviceId(di), Target::Fortios, &loaded)
                .unwrap_or_else(|e| panic!("{e}"));
            // The text read back prints as the same bytes.
            let path = format!("{node}/fortios.txt");
            let text = &files[&path];
            assert_eq!(&parse(text).unwrap().to_string(), text, "{path}");
            out.push((node.to_string(), r.equal, format!("{:?}", r.differences)));
        }
    }
    out
}

#[test]
fn the_test_plant_builds_as_snapshotted_and_verifies_equal() {
    let text = std::fs::read_to_string("tests/fortios/plant.fence").unwrap();
    let checked = check("tests/fortios/plant.fence", text);
    assert!(!checked.has_errors());
    let files = files_of(&checked);
    insta::assert_snapshot!("fortios_plant", files["fw-forti/fortios.txt"]);
    let model = checked.model.as_ref().unwrap();
    let results = verify_fortios(model, &files);
    assert_eq!(results.len(), 1);
    for (dev, equal, diff) in results {
        assert!(equal, "{dev}: {diff}");
    }
}

/// Every example plant's firewalls as FortiGates: equal to the policy, or refused (E0075) or
/// warned (OUT-010) exactly where FortiOS is not given what the policy says.
#[test]
fn every_example_firewall_compiled_for_fortios_verifies_equal_or_is_refused() {
    let mut verified = 0;
    for example in [
        "examples/fleet.fence",
        "examples/bottling.fence",
        "examples/substation.fence",
        "examples/water-treatment.fence",
        "examples/manufacturing.fence",
        "examples/north-pipeline.fence",
    ] {
        let text = as_fortios(&std::fs::read_to_string(example).unwrap());
        let checked = check(example, text.clone());
        let codes: Vec<&str> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.as_str())
            .collect();
        match example {
            // Two translated skids on one inside network.
            "examples/bottling.fence" => {
                assert!(codes.contains(&"E0075"), "{example}: {codes:?}");
                continue;
            }
            // The IDMZ pair's `sync` link is its heartbeat interface; its one-way syslog is
            // OUT-010.
            "examples/substation.fence" => {
                assert!(codes.is_empty(), "{example}: {codes:?}");
                let files = files_of(&checked);
                assert!(
                    files["fw-idmz-b/fortios.txt"].contains("    set hbdev \"eth3\" 50\n"),
                    "no heartbeat interface"
                );
                let warned = checked
                    .diagnostics
                    .iter()
                    .filter(|d| d.code == "OUT-010")
                    .count();
                assert!(warned > 0, "{example}: one-way syslog not warned");
                for (dev, equal, diff) in verify_fortios(checked.model.as_ref().unwrap(), &files) {
                    // The devices the one-way syslog crosses differ in its replies, and only there.
                    if dev.starts_with("fw-wan") {
                        assert!(!equal, "{dev}: the degradation must show");
                    } else {
                        assert!(equal, "{dev}: {diff}");
                    }
                    verified += 1;
                }
                continue;
            }
            _ => assert!(codes.is_empty(), "{example}: {codes:?}"),
        }
        let files = files_of(&checked);
        for (dev, equal, diff) in verify_fortios(checked.model.as_ref().unwrap(), &files) {
            assert!(equal, "{example}: {dev}: {diff}");
            verified += 1;
        }
    }
    assert!(verified >= 10, "only {verified} firewalls verified");
}

/// Lowers every `fortios` device of a model; checks the round trip of each.
fn round_trip_lowered(model: &Model) -> usize {
    let (ir, _) = fenceline::plan::model_to_ir(model);
    let stamp = Stamp {
        policy: "p".into(),
        hash: "0".repeat(64),
        version: "0.0.0",
    };
    let options = EmitOptions::default();
    let cx = EmitContext {
        model,
        ir: &ir,
        stamp: &stamp,
        options: &options,
    };
    let mut n = 0;
    for dev in ir
        .devices
        .iter()
        .filter(|d| d.targets.contains(&Target::Fortios))
    {
        let mut diags = Vec::new();
        let config = Fortios.lower(&cx, dev, &mut diags).unwrap();
        let text = &Fortios.print(&config)[0].1;
        let back = parse(text).unwrap_or_else(|e| panic!("{}: {e:?}\n{text}", dev.name));
        assert_eq!(back, config, "{}", dev.name);
        assert_eq!(&back.to_string(), text, "{}", dev.name);
        n += 1;
    }
    n
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    /// Random policies with FortiGate firewalls: the lowered configuration reads back as
    /// itself, and what it accepts is what the policy allows.
    #[test]
    fn random_policies_read_back_and_verify_equal(
        size in (4usize..9, 1usize..4, 0usize..30, 2usize..4, any::<u64>()).prop_map(
            |(zones, assets, flows, per, seed)| Size { zones, assets_per_zone: assets, flows, zones_per_device: per, seed }),
    ) {
        let checked = check("p.fence", as_fortios(&policy(&size)));
        prop_assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let model = checked.model.as_ref().unwrap();
        let n = round_trip_lowered(model);
        let files = files_of(&checked);
        let results = verify_fortios(model, &files);
        prop_assert_eq!(results.len(), n);
        for (dev, equal, diff) in results {
            prop_assert!(equal, "{}: {}", dev, diff);
        }
    }

    /// Random configurations print and read back as themselves.
    #[test]
    fn random_configurations_read_back(c in config()) {
        let text = c.to_string();
        let back = parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        prop_assert_eq!(&back, &c, "{}", text);
        prop_assert_eq!(back.to_string(), text);
    }
}

// ---------------------------------------------------------------------------------------------
// Random configurations.

fn nm() -> impl Strategy<Value = Name> {
    "[A-Za-z0-9_.:/ -]{0,12}".prop_map(|s| Name::new(&format!("n{}", s.trim())).unwrap())
}

fn fixed(s: &str) -> Name {
    Name::new(s).unwrap()
}

fn txt() -> impl Strategy<Value = Text> {
    "[ -~]{0,40}".prop_map(|s| {
        let s: String = s.chars().filter(|c| !"\"\\?".contains(*c)).collect();
        Text::new(s.trim()).unwrap()
    })
}

fn names() -> impl Strategy<Value = Vec<Name>> {
    proptest::collection::vec(
        prop_oneof![nm(), Just(fixed("all")), Just(fixed("ALL"))],
        0..4,
    )
}

fn net() -> impl Strategy<Value = AddrValue> {
    prop_oneof![
        (any::<u32>(), 0u8..=32)
            .prop_map(|(a, l)| AddrValue::Subnet(IpAddr::V4(Ipv4Addr::from(a)), l)),
        (any::<u32>(), any::<u32>()).prop_map(|(a, b)| AddrValue::Range(
            IpAddr::V4(Ipv4Addr::from(a.min(b))),
            IpAddr::V4(Ipv4Addr::from(a.max(b)))
        )),
        Just(AddrValue::Other("fqdn".into())),
    ]
}

fn net6() -> impl Strategy<Value = AddrValue> {
    prop_oneof![
        (any::<u128>(), 0u8..=128)
            .prop_map(|(a, l)| AddrValue::Subnet(IpAddr::V6(Ipv6Addr::from(a)), l)),
        (any::<u128>(), any::<u128>()).prop_map(|(a, b)| AddrValue::Range(
            IpAddr::V6(Ipv6Addr::from(a.min(b))),
            IpAddr::V6(Ipv6Addr::from(a.max(b)))
        )),
    ]
}

fn address(v6: bool) -> BoxedStrategy<Address> {
    let value = if v6 { net6().boxed() } else { net().boxed() };
    (nm(), value, proptest::option::of(txt()))
        .prop_map(|(name, value, comment)| Address {
            name,
            value,
            comment,
        })
        .boxed()
}

fn group() -> impl Strategy<Value = Group> {
    (nm(), names(), proptest::option::of(txt())).prop_map(|(name, members, comment)| Group {
        name,
        members,
        comment,
    })
}

fn port_spec() -> impl Strategy<Value = PortSpec> {
    (
        any::<u16>(),
        any::<u16>(),
        proptest::option::of((any::<u16>(), any::<u16>())),
    )
        .prop_map(|(a, b, s)| PortSpec {
            dst: (a.min(b), a.max(b)),
            src: s.map(|(c, d)| (c.min(d), c.max(d))),
        })
}

fn service() -> impl Strategy<Value = Service> {
    let specs = || proptest::collection::vec(port_spec(), 0..3);
    let proto = prop_oneof![
        (specs(), specs(), specs()).prop_map(|(tcp, udp, sctp)| SvcProto::Ports { tcp, udp, sctp }),
        (
            any::<bool>(),
            proptest::option::of(any::<u8>()),
            proptest::option::of(any::<u8>())
        )
            .prop_map(|(v6, icmptype, icmpcode)| SvcProto::Icmp {
                v6,
                icmptype,
                icmpcode
            }),
        any::<u8>().prop_map(SvcProto::Ip),
    ];
    (nm(), proto, proptest::option::of(txt())).prop_map(|(name, proto, comment)| Service {
        name,
        proto,
        comment,
    })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![Just(Action::Accept), Just(Action::Deny)]
}

fn policy_entry() -> impl Strategy<Value = Policy> {
    (
        (any::<u32>(), proptest::option::of(nm()), names(), names()),
        (names(), names(), names(), names()),
        (
            action(),
            names(),
            any::<bool>(),
            proptest::option::of(txt()),
        ),
        proptest::option::of(prop_oneof![
            Just(LogTraffic::All),
            Just(LogTraffic::Utm),
            Just(LogTraffic::Disable)
        ]),
    )
        .prop_map(
            |(
                (id, name, srcintf, dstintf),
                (srcaddr, dstaddr, srcaddr6, dstaddr6),
                (action, service, disabled, comments),
                logtraffic,
            )| Policy {
                id,
                name,
                srcintf,
                dstintf,
                srcaddr,
                dstaddr,
                srcaddr6,
                dstaddr6,
                action,
                schedule: fixed("always"),
                service,
                logtraffic,
                disabled,
                nat: id % 2 == 0,
                comments,
            },
        )
}

fn local_in() -> impl Strategy<Value = LocalIn> {
    (
        (any::<u32>(), names(), names(), names()),
        (
            action(),
            names(),
            any::<bool>(),
            proptest::option::of(txt()),
        ),
    )
        .prop_map(
            |((id, intf, srcaddr, dstaddr), (action, service, disabled, comments))| LocalIn {
                id,
                intf,
                srcaddr,
                dstaddr,
                action,
                service,
                schedule: fixed("always"),
                disabled,
                comments,
            },
        )
}

fn access() -> impl Strategy<Value = Vec<Access>> {
    proptest::collection::vec(
        proptest::sample::select(ACCESS.iter().map(|e| e.1).collect::<Vec<_>>()),
        0..4,
    )
}

fn interface() -> impl Strategy<Value = Interface> {
    (
        (
            nm(),
            proptest::option::of(txt()),
            proptest::option::of(txt()),
        ),
        (
            proptest::option::of((any::<u32>().prop_filter("set", |a| *a != 0), 0u8..=32)),
            access(),
        ),
        (
            proptest::option::of((any::<u128>().prop_filter("set", |a| *a != 0), 0u8..=128)),
            access(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((name, alias, description), (ip, allowaccess), (ip6, allowaccess6, down))| {
                Interface {
                    name,
                    alias,
                    description,
                    ip: ip.map(|(a, l)| (Ipv4Addr::from(a), l)),
                    allowaccess,
                    ip6: ip6.map(|(a, l)| (Ipv6Addr::from(a), l)),
                    allowaccess6,
                    down,
                }
            },
        )
}

fn vec<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Vec<T>> {
    proptest::collection::vec(s, 0..4)
}

/// `config system ha`, each setting present or not.
fn ha() -> impl Strategy<Value = Ha> {
    let mode = proptest::option::of(prop_oneof![
        Just(HaMode::Standalone),
        Just(HaMode::ActivePassive),
        Just(HaMode::ActiveActive),
    ]);
    let opt = || proptest::option::of(any::<bool>());
    (
        proptest::option::of(nm()),
        mode,
        vec((nm(), 0u32..=512)),
        (opt(), proptest::option::of(any::<u8>()), opt()),
    )
        .prop_map(
            |(group_name, mode, hbdev, (session_pickup, priority, override_))| Ha {
                group_name,
                mode,
                hbdev,
                session_pickup,
                priority,
                override_,
            },
        )
}

fn config() -> impl Strategy<Value = FortiConfig> {
    (
        (
            vec(txt()),
            vec(interface()),
            vec(address(false)),
            vec(address(true)),
        ),
        (vec(group()), vec(group()), vec(service()), vec(group())),
        (
            vec(policy_entry()),
            vec(local_in()),
            vec(local_in()),
            proptest::option::of(ha()),
        ),
    )
        .prop_map(
            |(
                (comments, interfaces, addresses, addresses6),
                (addrgrps, addrgrps6, services, service_groups),
                (policies, local_in, local_in6, ha),
            )| FortiConfig {
                comments,
                interfaces,
                addresses,
                addresses6,
                addrgrps,
                addrgrps6,
                services,
                service_groups,
                vips: Vec::new(),
                policies,
                local_in,
                local_in6,
                ha,
                file: Origin::default(),
            },
        )
}

// ---------------------------------------------------------------------------------------------
// A live configuration.

fn pkt(src: &str, dst: &str, proto: u8, dport: u16) -> Packet {
    Packet {
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        proto,
        sport: 40000,
        dport,
        ack: false,
    }
}

/// The decision of a list of filters: accepted when every filter accepts.
fn passes(filters: &[Vec<Item>], p: &Packet) -> bool {
    filters
        .iter()
        .all(|f| matches!(decide(f, p), Some((Term::Accept, _))))
}

fn live() -> FortiConfig {
    let text = std::fs::read_to_string("tests/fortios/live.conf").unwrap();
    parse(&text).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn a_live_full_configuration_is_read_and_decides_as_fortios() {
    let c = live();
    // Only the kept sections: `system global`, `service category`, `router static` skipped;
    // the explicit-proxy service is not kept.
    assert_eq!(c.interfaces.len(), 3);
    assert!(c.services.iter().all(|s| s.name.as_str() != "webproxy"));
    let through = |p: &Packet| passes(&c.filters("wan1", "internal1").unwrap(), p);
    // Policy 7 comes first in the list: the vendor reaches the group (historian and the SCADA
    // range) with HTTPS, MODBUS from a high source port, and PING, before policy 3's deny.
    assert!(through(&pkt("198.51.100.7", "10.30.0.12", 6, 443)));
    assert!(through(&pkt("198.51.100.7", "10.30.0.10", 6, 443)));
    assert!(through(&pkt("198.51.100.7", "10.30.0.11", 6, 502)));
    assert!(through(&pkt("198.51.100.7", "10.30.0.12", 1, 8)));
    let mut low = pkt("198.51.100.7", "10.30.0.12", 6, 502);
    low.sport = 1000;
    assert!(!through(&low), "MODBUS's source ports are 1024-65535");
    // Outside the group, or from elsewhere: not policy 7; the SCADA range is denied by 3.
    assert!(!through(&pkt("198.51.100.7", "10.30.0.13", 6, 443)));
    assert!(!through(&pkt("203.0.113.9", "10.30.0.10", 6, 443)));
    // IPv6 from anywhere to historian6 only.
    assert!(through(&pkt("2001:db8::9", "fd00:30::12", 6, 443)));
    assert!(!through(&pkt("2001:db8::9", "fd00:30::13", 6, 443)));
    // The disabled policy 4 (any to any, accept) matches nothing.
    assert!(!through(&pkt("198.51.100.7", "10.30.0.12", 17, 53)));
    // The reverse direction: DNS only.
    let out = |p: &Packet| passes(&c.filters("internal1", "wan1").unwrap(), p);
    assert!(out(&pkt("10.30.0.12", "8.8.8.8", 17, 53)));
    assert!(out(&pkt("10.30.0.12", "8.8.8.8", 6, 53)));
    assert!(!out(&pkt("10.30.0.12", "8.8.8.8", 6, 443)));
    // The interface that is down passes nothing, either way.
    assert!(!passes(
        &c.filters("internal2", "wan1").unwrap(),
        &pkt("10.40.0.5", "8.8.8.8", 17, 53)
    ));
    // To the device: on wan1 the local-in policies decide (ping from the vendor only, the
    // rest denied, `allowaccess ping fgfm` never reached); on internal1 `allowaccess` opens
    // ping, https and ssh on its own address, from anywhere, and nothing else.
    let to = |iface: &str, p: &Packet| passes(&c.local(iface, true).unwrap(), p);
    assert!(to("wan1", &pkt("198.51.100.7", "198.51.100.2", 1, 8)));
    assert!(!to("wan1", &pkt("203.0.113.9", "198.51.100.2", 1, 8)));
    assert!(!to("wan1", &pkt("198.51.100.7", "198.51.100.2", 6, 541)));
    assert!(to("internal1", &pkt("10.30.0.40", "10.30.0.1", 6, 22)));
    assert!(to("internal1", &pkt("10.30.0.40", "10.30.0.1", 6, 443)));
    assert!(to("internal1", &pkt("fd00:30::40", "fd00:30::1", 58, 128)));
    assert!(!to("internal1", &pkt("fd00:30::40", "fd00:30::1", 6, 22)));
    assert!(!to("internal1", &pkt("10.30.0.40", "10.30.0.1", 6, 23)));
    assert!(!to("internal1", &pkt("10.30.0.40", "10.30.0.2", 6, 22)));
    // Replies of accepted sessions pass by state.
    assert!(c.replies("internal1", "wan1").unwrap().is_empty());
}

/// A `set` line (or a section) the reader must understand and cannot is refused, at its line.
#[test]
fn a_line_not_understood_in_a_kept_section_is_refused_with_its_line() {
    let base = std::fs::read_to_string("tests/fortios/live.conf").unwrap();
    let at = |needle: &str| base.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let policy7 = at("set srcaddr-negate disable");
    for (from, to, message) in [
        (
            "set srcaddr-negate disable",
            "set srcaddr-negate enable",
            "negated",
        ),
        (
            "set srcaddr-negate disable",
            "set nat46 enable",
            "address translation",
        ),
        (
            "set srcaddr-negate disable",
            "set users \"alice\"",
            "authenticated users",
        ),
        (
            "set srcaddr-negate disable",
            "set internet-service enable",
            "internet-service",
        ),
        (
            "set srcaddr-negate disable",
            "set action ipsec",
            "`accept` and `deny`",
        ),
        (
            "set srcaddr-negate disable",
            "set schedule \"weekdays\"",
            "always",
        ),
        (
            "set srcaddr-negate disable",
            "append srcaddr \"historian\"",
            "`append`",
        ),
    ] {
        let text = base.replacen(from, to, 1);
        let e = parse(&text).expect_err(to);
        assert_eq!(e.line, policy7, "{to}: {e:?}");
        assert!(e.message.contains(message), "{to}: {}", e.message);
    }
    let e = parse(&base.replacen("set icmptype 8", "set protocol HTTP", 1)).unwrap_err();
    assert!(e.message.contains("`HTTP`"), "{e:?}");
    let e = parse(&base.replacen(
        "set allowaccess ping fgfm",
        "set allowaccess ping spaceship",
        1,
    ))
    .unwrap_err();
    assert!(e.message.contains("spaceship"), "{e:?}");
    // Structure: an `edit` never closed, a section never ended.
    let e = parse(&base.replacen(
        "    next\nend\nconfig firewall address6",
        "end\nconfig firewall address6",
        1,
    ))
    .unwrap_err();
    assert!(e.message.contains("no `next`"), "{e:?}");
    let e = parse("config firewall policy\n    edit 1\n    next\n").unwrap_err();
    assert!(e.message.contains("no `end`"), "{e:?}");
    // The pre-6.4 IPv6 policy table is refused rather than ignored.
    let e =
        parse("config firewall policy6\n    edit 1\n        set action accept\n    next\nend\n")
            .unwrap_err();
    assert!(e.message.contains("policy6"), "{e:?}");
    // What the reader keeps but the semantics cannot decide: refused when asked.
    let c = parse(&base.replacen(
        "set dstaddr \"control-servers\"",
        "set dstaddr \"login.microsoft.com\"",
        1,
    ))
    .unwrap();
    let e = c.filters("wan1", "internal1").unwrap_err();
    assert!(e.message.contains("fqdn"), "{e}");
    let c = parse(&base.replacen(
        "\"historian-access\" \"PING\"",
        "\"historian-access\" \"NOPE\"",
        1,
    ))
    .unwrap();
    let e = c.filters("wan1", "internal1").unwrap_err();
    assert!(e.message.contains("`NOPE` is not defined"), "{e}");
}

/// Island mode on a FortiGate is `set status down` of the interface: every packet in and out
/// of it is dropped, its replies and traffic to the device included; other interfaces are
/// untouched.
#[test]
fn status_down_closes_one_interface_and_nothing_else() {
    let text = std::fs::read_to_string("tests/fortios/plant.fence").unwrap();
    let checked = check("tests/fortios/plant.fence", text);
    let files = files_of(&checked);
    let open = parse(&files["fw-forti/fortios.txt"]).unwrap();
    let mut island = open.clone();
    for i in &mut island.interfaces {
        if i.name.as_str() == "port2" {
            i.down = true;
        }
    }
    let (ent, dmz, cc) = ("port1", "port2", "port3");
    let rdp = pkt("10.10.40.5", "10.20.0.20", 6, 3389);
    assert!(passes(&open.filters(ent, dmz).unwrap(), &rdp));
    assert!(!passes(&island.filters(ent, dmz).unwrap(), &rdp));
    let sync = pkt("10.30.0.12", "10.20.0.10", 6, 5450);
    assert!(!passes(&island.filters(cc, dmz).unwrap(), &sync));
    assert!(!island.replies(dmz, ent).unwrap().is_empty());
    // Traffic to the device on the other interfaces, and forwarding between them, unchanged.
    let ssh = pkt("10.30.0.40", "10.30.0.1", 6, 22);
    assert!(passes(&island.local(cc, true).unwrap(), &ssh));
    for p in [rdp.clone(), sync.clone(), ssh.clone()] {
        assert_eq!(
            passes(&open.filters(cc, ent).unwrap(), &p),
            passes(&island.filters(cc, ent).unwrap(), &p)
        );
    }
    assert_eq!(parse(&island.to_string()).unwrap(), island);
}

#[test]
fn virtual_ips_are_read_with_their_ranges_and_what_is_not_static_1_1_is_refused() {
    let vip = |body: &str| format!("config firewall vip\n    edit \"v\"\n{body}    next\nend\n");
    // A single external address with a mapped range stands for a range of the same size.
    let c = parse(&vip("        set extip 10.50.1.0\n        set mappedip \"192.168.1.0-192.168.1.7\"\n        set extintf \"any\"\n")).unwrap();
    assert_eq!(
        c.vips[0].extip.1,
        "10.50.1.7".parse::<std::net::Ipv4Addr>().unwrap()
    );
    assert!(!c.vips[0].nat_source_vip);
    for (body, what) in [
        ("        set extip 10.50.1.0-10.50.1.3\n        set mappedip \"192.168.1.0-192.168.1.7\"\n", "differ in size"),
        ("        set type load-balance\n        set extip 10.50.1.1\n        set mappedip \"192.168.1.1\"\n", "load-balance"),
        ("        set extip 10.50.1.1\n        set mappedip \"192.168.1.1\"\n        set portforward enable\n", "portforward"),
        ("        set extip 10.50.1.1\n", "without `extip` and `mappedip`"),
    ] {
        let e = parse(&vip(body)).unwrap_err();
        assert!(e.message.contains(what), "{body}: {}", e.message);
    }
    // Source translation other than a VIP's mapping is refused by line.
    let e = parse("config firewall policy\n    edit 1\n        set nat enable\n        set ippool enable\n        set poolname \"p\"\n    next\nend\n").unwrap_err();
    assert!(
        e.message.contains("ippool") || e.message.contains("poolname"),
        "{}",
        e.message
    );
    // `set nat enable` on sources no VIP maps (to the interface's address) is refused when asked.
    let c = parse("config system interface\n    edit \"a\"\n    next\n    edit \"b\"\n    next\nend\nconfig firewall policy\n    edit 1\n        set srcintf \"a\"\n        set dstintf \"b\"\n        set srcaddr \"all\"\n        set dstaddr \"all\"\n        set action accept\n        set schedule \"always\"\n        set service \"ALL\"\n        set nat enable\n    next\nend\n").unwrap();
    let e = c.filters("a", "b").unwrap_err();
    assert!(e.message.contains("no virtual IP maps"), "{}", e.message);
}

/// The plant's firewall as an FGCP pair (`tests/fortios/cluster.fence`): `config system ha` in
/// each node's file, differing only in its priority (the first node's highest); the sync
/// interface is the heartbeat interface. Each node's file verifies equal; a node whose HA
/// section is gone, or whose heartbeat interface is a data interface, does not.
#[test]
fn a_cluster_with_sync_is_an_fgcp_cluster_one_file_per_node() {
    let text = std::fs::read_to_string("tests/fortios/cluster.fence").unwrap();
    let checked = check("tests/fortios/cluster.fence", text);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let files = files_of(&checked);
    let a = &files["fw-fgt-a/fortios.txt"];
    let b = &files["fw-fgt-b/fortios.txt"];
    let ha: String = a
        .lines()
        .skip_while(|l| *l != "config system ha")
        .take_while(|l| *l != "end")
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        ha,
        "config system ha\n    set group-name \"fw-fgt\"\n    set mode a-p\n    set hbdev \"port3\" 50\n    set session-pickup enable\n    set override disable\n    set priority 200\n"
    );
    let differing: Vec<(&str, &str)> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).collect();
    assert_eq!(
        differing,
        [("    set priority 200", "    set priority 150")]
    );
    // No secret: the HA password is the operator's to set.
    assert!(!a.contains("password"));
    let model = checked.model.as_ref().unwrap();
    for (dev, equal, diff) in verify_fortios(model, &files) {
        assert!(equal, "{dev}: {diff}");
    }
    let sides = PolicySides::for_targets(model, &[Target::Fortios]);
    let mutated = |from: &str, to: &str| {
        let mut f = files.clone();
        f.insert("fw-fgt-b/fortios.txt".into(), b.replacen(from, to, 1));
        let read = |p: &str| f.get(p).cloned();
        let loaded = Fortios.load("fw-fgt-b", &read).unwrap().unwrap();
        compare_loaded(model, &sides, DeviceId(0), Target::Fortios, &loaded).unwrap()
    };
    for (from, to) in [
        (
            "    set hbdev \"port3\" 50\n",
            "    set hbdev \"port1\" 50\n",
        ),
        ("    set mode a-p\n", "    set mode standalone\n"),
    ] {
        let r = mutated(from, to);
        assert!(!r.equal, "{to}");
        assert!(
            r.notes.iter().any(|n| n.contains("HA link differs")),
            "{to}: {:?}",
            r.notes
        );
    }
}

/// FGCP has at most four members: a larger cluster with `sync` is refused (E0070); a `sync`
/// link that a flow crosses cannot be a heartbeat interface (E0047).
#[test]
fn clusters_fgcp_cannot_form_are_refused() {
    let base = std::fs::read_to_string("tests/fortios/cluster.fence").unwrap();
    let mut five = base.replace(
        "cluster fw-fgt-a, fw-fgt-b",
        "cluster fw-fgt-a, fw-fgt-b, fw-fgt-c, fw-fgt-d, fw-fgt-e",
    );
    for net in ["10.10", "10.20", "10.30", "10.99"] {
        five = five.replace(
            &format!("{net}.0.2, {net}.0.3"),
            &format!("{net}.0.2, {net}.0.3, {net}.0.4, {net}.0.5, {net}.0.6"),
        );
    }
    let crossing = base.replace(
        "conduit dmz-control {",
        "conduit ha-dmz {\n  connects ha-link, dmz\n  allow ha-link -> dmz.jump-host ping\n}\n\nconduit dmz-control {",
    );
    for (text, code) in [(five, "E0070"), (crossing, "E0047")] {
        let checked = check("tests/fortios/cluster.fence", text);
        let codes: Vec<&str> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.as_str())
            .collect();
        assert_eq!(codes, [code]);
    }
}
