//! The PAN-OS dialect (`panos`): its laws and its semantics.
//!
//! - `parse(print(c)) == c` for the configurations lowered from random policies and for random
//!   configurations (a strategy over the typed configuration), and `print ∘ parse` is the
//!   identity on printed text;
//! - the test plant (tests/panos/plant.fence) builds as snapshotted and verifies equal; every
//!   example plant, its firewalls compiled for `panos`, verifies equal or is refused at the
//!   device where PAN-OS cannot express it (E0073); random policies compiled for it verify
//!   equal too;
//! - a live `show config running` in set format (one attribute a line, a `vsys` prefix,
//!   unrelated sections, predefined services, `rule-type`, `negate-destination`, disabled rules,
//!   nested groups, a management profile) is read and decides packets as PAN-OS does, and its
//!   XML form reads as the same configuration; truncated input is refused, never a panic; what the
//!   reader cannot decide exactly (a NAT rule, `application-default`, an App-ID application) is
//!   refused, with its line where it has one;
//! - `link-state down` (island mode) closes an interface and nothing else.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::dialect::config::{decide, Item, Term};
use fenceline::dialect::panos::ast::*;
use fenceline::dialect::panos::parse::parse;
use fenceline::dialect::panos::Panos;
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

/// A policy's firewalls with `panos` as their only target.
fn as_panos(text: &str) -> String {
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("target ") && (t.contains("nftables") || t.contains("iptables")) {
                let indent = &l[..l.len() - t.len()];
                format!("{indent}target panos")
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

/// Verifies every `panos` device of a built policy: `(device, equal, differences)`.
fn verify_panos(model: &Model, files: &BTreeMap<String, String>) -> Vec<(String, bool, String)> {
    let sides = PolicySides::for_targets(model, &[Target::Panos]);
    let read = |p: &str| files.get(p).cloned();
    let mut out = Vec::new();
    for (di, dev) in model.devices.iter().enumerate() {
        if !dev.targets.contains(&Target::Panos) {
            continue;
        }
        for node in dev.node_names() {
            let loaded = Panos
                .load(node, &read)
                .unwrap_or_else(|e| panic!("{e}"))
                .expect("a panos.txt");
            let r = compare_loaded(model, &sides, DeviceId(di), Target::Panos, &loaded)
                .unwrap_or_else(|e| panic!("{e}"));
            let path = format!("{node}/panos.txt");
            let text = &files[&path];
            assert_eq!(&parse(text).unwrap().to_string(), text, "{path}");
            out.push((node.to_string(), r.equal, format!("{:?}", r.differences)));
        }
    }
    out
}

#[test]
fn the_test_plant_builds_as_snapshotted_and_verifies_equal() {
    let text = std::fs::read_to_string("tests/panos/plant.fence").unwrap();
    let checked = check("tests/panos/plant.fence", text);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let files = files_of(&checked);
    insta::assert_snapshot!("panos_plant", files["fw-pa/panos.txt"]);
    let model = checked.model.as_ref().unwrap();
    let results = verify_panos(model, &files);
    assert_eq!(results.len(), 1);
    for (dev, equal, diff) in results {
        assert!(equal, "{dev}: {diff}");
    }
}

/// Every example plant's firewalls as PAN-OS firewalls: equal to the policy, or refused (E0073, E0076)
/// exactly where PAN-OS cannot say what the policy says.
#[test]
fn every_example_firewall_compiled_for_panos_verifies_equal_or_is_refused() {
    let mut verified = 0;
    for example in [
        "examples/fleet.fence",
        "examples/bottling.fence",
        "examples/substation.fence",
        "examples/water-treatment.fence",
        "examples/manufacturing.fence",
        "examples/north-pipeline.fence",
    ] {
        let text = as_panos(&std::fs::read_to_string(example).unwrap());
        let checked = check(example, text);
        let codes: Vec<&str> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.as_str())
            .collect();
        match example {
            // Two translated skids on one inside network.
            "examples/bottling.fence" => {
                assert!(
                    !codes.is_empty() && codes.iter().all(|c| *c == "E0076"),
                    "{example}: {codes:?}"
                );
                continue;
            }
            // The IDMZ pair's node addresses on its data interfaces and SNMP traps to the
            // firewall (its `sync` link alone would be its HA1 link).
            "examples/substation.fence" => {
                assert!(
                    !codes.is_empty() && codes.iter().all(|c| *c == "E0073"),
                    "{example}: {codes:?}"
                );
                continue;
            }
            _ => assert!(codes.is_empty(), "{example}: {codes:?}"),
        }
        let files = files_of(&checked);
        for (dev, equal, diff) in verify_panos(checked.model.as_ref().unwrap(), &files) {
            assert!(equal, "{example}: {dev}: {diff}");
            verified += 1;
        }
    }
    assert!(verified >= 9, "only {verified} firewalls verified");
}

#[test]
fn what_panos_cannot_express_is_refused_at_the_device() {
    let text = std::fs::read_to_string("tests/panos/plant.fence").unwrap();
    // An ICMP type no App-ID application names, and a service to the firewall that no
    // management profile offers.
    let text = text
        .replace(
            "service ping icmp/8",
            "service ping icmp/8\nservice timestamp icmp/13",
        )
        .replace(
            "allow dmz.jump-host -> control-center.ews rdp, ping",
            "allow dmz.jump-host -> control-center.ews rdp, ping, timestamp",
        )
        .replace(
            "allow control-center.ews -> self ssh, https",
            "allow control-center.ews -> self ssh, https, modbus",
        );
    let checked = check("p.fence", text);
    let msgs: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "E0073")
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(msgs.len(), 2, "{:?}", checked.diagnostics);
    assert!(msgs.iter().any(|m| m.contains("ICMP type 13")), "{msgs:?}");
    assert!(
        msgs.iter()
            .any(|m| m.contains("tcp/502 to the firewall itself")),
        "{msgs:?}"
    );
}

#[test]
fn one_way_services_are_warned_as_degraded() {
    let text = std::fs::read_to_string("tests/panos/plant.fence").unwrap();
    let text = text
        .replace(
            "service ping icmp/8",
            "service ping icmp/8\nservice logs udp/514 { one-way }",
        )
        .replace(
            "allow enterprise.patch-server -> dmz.jump-host https",
            "allow enterprise.patch-server -> dmz.jump-host https\n  allow dmz.jump-host -> enterprise.patch-server logs",
        );
    let checked = check("p.fence", text);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    assert!(
        checked
            .diagnostics
            .iter()
            .any(|d| d.code == "OUT-010" && d.message.contains("(panos)")),
        "{:?}",
        checked.diagnostics
    );
}

/// Lowers every `panos` device of a model; checks the round trip of each.
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
        .filter(|d| d.targets.contains(&Target::Panos))
    {
        let mut diags = Vec::new();
        let config = Panos.lower(&cx, dev, &mut diags).unwrap();
        let text = &Panos.print(&config)[0].1;
        let back = parse(text).unwrap_or_else(|e| panic!("{}: {e:?}\n{text}", dev.name));
        assert_eq!(back, config, "{}", dev.name);
        assert_eq!(&back.to_string(), text, "{}", dev.name);
        n += 1;
    }
    n
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Random policies with PAN-OS firewalls: the lowered configuration reads back as itself,
    /// and what it accepts is what the policy allows.
    #[test]
    fn random_policies_read_back_and_verify_equal(
        size in (4usize..9, 1usize..4, 0usize..30, 2usize..4, any::<u64>()).prop_map(
            |(zones, assets, flows, per, seed)| Size { zones, assets_per_zone: assets, flows, zones_per_device: per, seed }),
    ) {
        let checked = check("p.fence", as_panos(&policy(&size)));
        prop_assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let model = checked.model.as_ref().unwrap();
        let n = round_trip_lowered(model);
        let files = files_of(&checked);
        let results = verify_panos(model, &files);
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

fn nm(prefix: &'static str) -> impl Strategy<Value = Name> {
    "[A-Za-z0-9_.-]{0,12}( [a-z]{1,3})?"
        .prop_map(move |s| Name::new(&format!("{prefix}{s}")).unwrap())
}

fn txt() -> impl Strategy<Value = Text> {
    "[ -~]{0,40}".prop_map(|s| {
        let s: String = s.chars().filter(|c| *c != '"' && *c != '\\').collect();
        Text::new(s.trim()).unwrap()
    })
}

fn ip() -> BoxedStrategy<IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|x| IpAddr::V4(Ipv4Addr::from(x))),
        any::<u128>().prop_map(|x| IpAddr::V6(Ipv6Addr::from(x))),
    ]
    .boxed()
}

fn net() -> impl Strategy<Value = (IpAddr, u8)> {
    (ip(), any::<u8>()).prop_map(|(a, l)| {
        let l = if a.is_ipv4() { l % 33 } else { l % 129 };
        (a, l)
    })
}

fn ports() -> impl Strategy<Value = Vec<(u16, u16)>> {
    proptest::collection::vec(
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| (a.min(b), a.max(b))),
        1..4,
    )
}

fn names(prefix: &'static str, n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Name>> {
    proptest::collection::vec(prop_oneof![Just(Name::any()), nm(prefix)], n)
}

/// Entities of one kind with distinct names (the reader merges lines by name).
fn distinct<T: std::fmt::Debug + Clone>(xs: Vec<T>, key: impl Fn(&T) -> Name) -> Vec<T> {
    let mut seen = std::collections::BTreeSet::new();
    xs.into_iter().filter(|x| seen.insert(key(x))).collect()
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        nm("r"),
        proptest::option::of(txt()),
        (
            names("z", 0..3),
            names("z", 0..3),
            names("a", 0..3),
            names("a", 0..3),
        ),
        (names("app", 0..2), names("s", 0..3)),
        proptest::option::of(proptest::sample::select(Action::ALL.to_vec())),
        proptest::sample::select(vec![
            RuleType::Universal,
            RuleType::Intrazone,
            RuleType::Interzone,
        ]),
        proptest::array::uniform5(any::<bool>()),
    )
        .prop_map(
            |(
                name,
                description,
                (from, to, source, destination),
                (application, service),
                action,
                rule_type,
                b,
            )| Rule {
                name,
                description,
                from,
                to,
                source,
                destination,
                application,
                service,
                action,
                rule_type,
                log_start: b[0],
                log_end: b[1],
                disabled: b[2],
                negate_source: b[3],
                negate_destination: b[4],
            },
        )
}

fn config() -> impl Strategy<Value = PanosConfig> {
    let profiles = proptest::collection::vec(
        (
            nm("p"),
            proptest::sample::subsequence(MgmtService::ALL.to_vec(), 0..6),
            proptest::collection::vec(net(), 0..3),
        )
            .prop_map(|(name, services, permitted)| MgmtProfile {
                name,
                services,
                permitted,
            }),
        0..3,
    );
    let interfaces = proptest::collection::vec(
        (
            nm("ethernet1/"),
            proptest::option::of(txt()),
            proptest::collection::vec(net(), 0..3),
            proptest::option::of(nm("p")),
            (any::<bool>(), any::<bool>()),
        )
            .prop_map(|(name, comment, ips, profile, (link_down, ha))| Interface {
                name,
                comment,
                ips,
                profile,
                link_down,
                ha,
            }),
        0..4,
    );
    let zones = proptest::collection::vec(
        (
            nm("z"),
            proptest::collection::btree_set(nm("ethernet1/"), 0..3),
        )
            .prop_map(|(name, ifs)| Zone {
                name,
                interfaces: ifs.into_iter().collect(),
            }),
        0..3,
    );
    let addresses = proptest::collection::vec(
        (
            nm("a"),
            proptest::option::of(txt()),
            prop_oneof![
                net().prop_map(|(a, l)| AddrValue::Netmask(a, l)),
                (any::<u32>(), any::<u32>()).prop_map(|(a, b)| AddrValue::Range(
                    IpAddr::V4(Ipv4Addr::from(a.min(b))),
                    IpAddr::V4(Ipv4Addr::from(a.max(b)))
                )),
            ],
        )
            .prop_map(|(name, description, v)| Address {
                name,
                description,
                value: Some(v),
            }),
        0..4,
    );
    let groups = proptest::collection::vec(
        (
            nm("g"),
            proptest::option::of(txt()),
            proptest::collection::vec(nm("a"), 0..3),
        )
            .prop_map(|(name, description, members)| AddressGroup {
                name,
                description,
                members,
            }),
        0..3,
    );
    let services = proptest::collection::vec(
        (
            nm("s"),
            proptest::option::of(txt()),
            any::<bool>(),
            ports(),
            proptest::option::of(ports()),
        )
            .prop_map(|(name, description, tcp, ports, sp)| Service {
                name,
                description,
                proto: Some(if tcp { SvcProto::Tcp } else { SvcProto::Udp }),
                ports,
                source_ports: sp.unwrap_or_default(),
            }),
        0..3,
    );
    let sgroups = proptest::collection::vec(
        (nm("sg"), proptest::collection::vec(nm("s"), 0..3))
            .prop_map(|(name, members)| ServiceGroup { name, members }),
        0..2,
    );
    let tags = proptest::option::of((nm("t"), proptest::option::of(txt()))).prop_map(|t| {
        t.map(|(name, comments)| Tag { name, comments })
            .into_iter()
            .collect::<Vec<_>>()
    });
    let applications = proptest::collection::vec(
        (
            nm("app"),
            proptest::option::of((any::<bool>(), any::<u8>())),
        )
            .prop_map(|(name, icmp_type)| Application { name, icmp_type }),
        0..2,
    );
    (
        tags,
        profiles,
        interfaces,
        zones,
        addresses,
        groups,
        services,
        sgroups,
        applications,
        proptest::collection::vec(rule(), 0..5),
        proptest::option::of(ha()),
    )
        .prop_map(
            |(
                tags,
                profiles,
                interfaces,
                zones,
                addresses,
                address_groups,
                services,
                service_groups,
                applications,
                rules,
                ha,
            )| PanosConfig {
                tags,
                profiles: distinct(profiles, |p| p.name.clone()),
                interfaces: distinct(interfaces, |i| i.name.clone()),
                zones: distinct(zones, |z| z.name.clone()),
                addresses: distinct(addresses, |a| a.name.clone()),
                address_groups: distinct(address_groups, |g| g.name.clone()),
                services: distinct(services, |s| s.name.clone()),
                service_groups: distinct(service_groups, |g| g.name.clone()),
                applications: distinct(applications, |a| a.name.clone()),
                rules: distinct(rules, |r| r.name.clone()),
                nat_rules: Vec::new(),
                ha,
                file: Origin::default(),
            },
        )
}

/// `deviceconfig high-availability`, each setting present or not.
fn ha() -> impl Strategy<Value = Ha> {
    let port = (
        nm("ethernet1/"),
        proptest::option::of(ip()),
        proptest::option::of(any::<u32>().prop_map(Ipv4Addr::from)),
    )
        .prop_map(|(port, ip, netmask)| HaPort { port, ip, netmask });
    (
        any::<bool>(),
        proptest::option::of(any::<u8>()),
        proptest::option::of(ip()),
        proptest::option::of(nm("active-")),
        proptest::option::of(any::<u8>()),
        proptest::option::of(port),
    )
        .prop_map(
            |(enabled, group_id, peer_ip, mode, device_priority, ha1)| Ha {
                enabled,
                group_id,
                peer_ip,
                mode,
                device_priority,
                ha1,
            },
        )
}

// ---------------------------------------------------------------------------------------------
// A live configuration.

/// `show config running` in set format, as a firewall with one virtual system prints it (one
/// attribute a line), with sections that decide no filtering.
const LIVE: &str = r#"
set deviceconfig system hostname pa-idmz
set deviceconfig system ip-address 192.0.2.10
set mgt-config users admin permissions role-based superuser yes
set network interface ethernet ethernet1/1 layer3 ip 198.51.100.1/24
set network interface ethernet ethernet1/1 comment "to the enterprise"
set network interface ethernet ethernet1/2 layer3 ip 10.30.0.1/24
set network interface ethernet ethernet1/2 layer3 interface-management-profile allow-ssh
set network interface ethernet ethernet1/3 layer3 ip 10.40.0.1/24
set network profiles interface-management-profile allow-ssh ssh yes
set network profiles interface-management-profile allow-ssh ping yes
set network profiles interface-management-profile allow-ssh permitted-ip 10.30.0.40/32
set network virtual-router default interface [ ethernet1/1 ethernet1/2 ethernet1/3 ]
set vsys vsys1 zone untrust network layer3 ethernet1/1
set vsys vsys1 zone control network layer3 ethernet1/2
set vsys vsys1 zone cell network layer3 ethernet1/3
set vsys vsys1 address historian ip-netmask 10.30.0.12
set vsys vsys1 address vendor ip-range 198.51.100.7-198.51.100.9
set vsys vsys1 address cells ip-netmask 10.40.0.0/16
set vsys vsys1 address-group remote static [ vendor ]
set vsys vsys1 address-group all-remote static [ remote 203.0.113.0/24 ]
set vsys vsys1 service opc-ua protocol tcp port 4840-4843
set vsys vsys1 service-group ot-services members [ opc-ua service-https ]
set vsys vsys1 rulebase security rules "Vendor to historian" from untrust
set vsys vsys1 rulebase security rules "Vendor to historian" to control
set vsys vsys1 rulebase security rules "Vendor to historian" source all-remote
set vsys vsys1 rulebase security rules "Vendor to historian" destination historian
set vsys vsys1 rulebase security rules "Vendor to historian" source-user any
set vsys vsys1 rulebase security rules "Vendor to historian" category any
set vsys vsys1 rulebase security rules "Vendor to historian" application any
set vsys vsys1 rulebase security rules "Vendor to historian" service ot-services
set vsys vsys1 rulebase security rules "Vendor to historian" hip-profiles any
set vsys vsys1 rulebase security rules "Vendor to historian" action allow
set vsys vsys1 rulebase security rules "Vendor to historian" profile-setting group default
set vsys vsys1 rulebase security rules old-rule from any to any source any destination any application any service any action allow disabled yes
set vsys vsys1 rulebase security rules not-cells from control to any source any destination cells negate-destination yes application ping service any action allow
set vsys vsys1 rulebase security rules block-cells from any to any source any destination any application any service any action drop rule-type interzone
"#;

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

fn passes(filters: &[Vec<Item>], p: &Packet) -> bool {
    filters
        .iter()
        .all(|f| matches!(decide(f, p), Some((Term::Accept, _))))
}

#[test]
fn a_live_set_format_config_is_read_and_decides_as_pan_os() {
    let c = parse(LIVE).unwrap_or_else(|e| panic!("{e:?}"));
    let through = |i: &str, o: &str, p: &Packet| passes(&c.filters(i, o).unwrap(), p);
    let (u, ctl, cell) = ("ethernet1/1", "ethernet1/2", "ethernet1/3");
    // The range and the nested group's literal prefix, with the service group's ports and the
    // predefined `service-https`.
    assert!(through(u, ctl, &pkt("198.51.100.8", "10.30.0.12", 6, 4841)));
    assert!(through(u, ctl, &pkt("203.0.113.9", "10.30.0.12", 6, 443)));
    assert!(!through(
        u,
        ctl,
        &pkt("198.51.100.10", "10.30.0.12", 6, 443)
    ));
    assert!(!through(u, ctl, &pkt("198.51.100.8", "10.30.0.12", 6, 80)));
    assert!(!through(u, ctl, &pkt("198.51.100.8", "10.30.0.13", 6, 443)));
    // The disabled rule allows nothing; `ping` outside the negated destination only.
    assert!(!through(u, cell, &pkt("198.51.100.8", "10.40.1.1", 6, 22)));
    assert!(through(ctl, u, &pkt("10.30.0.5", "198.51.100.50", 1, 8)));
    assert!(!through(ctl, cell, &pkt("10.30.0.5", "10.40.1.1", 1, 8)));
    assert!(!through(ctl, u, &pkt("10.30.0.5", "198.51.100.50", 1, 0)));
    // Nothing to the firewall's own address is forwarded.
    assert!(!through(ctl, u, &pkt("10.30.0.5", "198.51.100.1", 1, 8)));
    // To the firewall: ssh and ping from the EWS to the interface with the profile; the
    // intrazone default lets it reach the address in its own zone, the interzone `drop` not
    // another zone's.
    let to = |i: &str, p: &Packet| passes(&c.local(i, true).unwrap(), p);
    assert!(to(ctl, &pkt("10.30.0.40", "10.30.0.1", 6, 22)));
    assert!(to(ctl, &pkt("10.30.0.40", "10.30.0.1", 1, 8)));
    assert!(!to(ctl, &pkt("10.30.0.41", "10.30.0.1", 6, 22)));
    assert!(!to(ctl, &pkt("10.30.0.40", "10.30.0.1", 6, 443)));
    assert!(!to(u, &pkt("198.51.100.8", "198.51.100.1", 6, 22)));
    assert!(!to(cell, &pkt("10.40.0.40", "10.30.0.1", 6, 22)));
}

#[test]
fn what_the_reader_cannot_decide_is_refused() {
    let nat =
        "set rulebase nat rules out from trust to untrust source any destination any service any source-translation dynamic-ip-and-port interface-address interface ethernet1/1\n";
    let e = parse(&format!("{LIVE}{nat}")).unwrap_err();
    assert!(e.message.contains("NAT"), "{e:?}");
    assert_eq!(e.line, LIVE.lines().count() + 1);
    let fqdn = "set address web fqdn www.example.com\n";
    assert!(parse(fqdn).unwrap_err().message.contains("fqdn"));
    let schedule = "set rulebase security rules r schedule night\n";
    assert!(parse(schedule).is_err());
    let other_vsys = format!("{LIVE}set vsys vsys2 zone x network layer3 ethernet1/4\n");
    assert!(parse(&other_vsys).unwrap_err().message.contains("vsys2"));
    for (what, extra) in [
        ("application-default", "set rulebase security rules first from any to any source any destination any application any service application-default action allow\n"),
        ("App-ID", "set rulebase security rules first from any to any source any destination any application modbus service any action allow\n"),
    ] {
        // A rule printed first comes first in the rulebase.
        let c = parse(&format!("{extra}{LIVE}")).unwrap();
        let e = c.filters("ethernet1/1", "ethernet1/2").unwrap_err();
        assert!(e.message.contains(what), "{what}: {e:?}");
    }
}

#[test]
fn link_state_down_closes_one_interface_and_nothing_else() {
    let text = std::fs::read_to_string("tests/panos/plant.fence").unwrap();
    let checked = check("tests/panos/plant.fence", text);
    let files = files_of(&checked);
    let open = parse(&files["fw-pa/panos.txt"]).unwrap();
    let down = parse(&format!(
        "{}set network interface ethernet ethernet1/2 link-state down\n",
        files["fw-pa/panos.txt"]
    ))
    .unwrap();
    let rdp = pkt("10.10.40.5", "10.20.0.20", 6, 3389);
    let ews = pkt("10.30.0.40", "10.30.0.1", 6, 22);
    assert!(passes(
        &open.filters("ethernet1/1", "ethernet1/2").unwrap(),
        &rdp
    ));
    assert!(!passes(
        &down.filters("ethernet1/1", "ethernet1/2").unwrap(),
        &rdp
    ));
    assert!(!passes(
        &down.filters("ethernet1/2", "ethernet1/3").unwrap(),
        &pkt("10.20.0.20", "10.30.0.40", 6, 3389)
    ));
    // The other interfaces, and the firewall's management from the control centre, still pass.
    assert!(passes(&down.local("ethernet1/3", true).unwrap(), &ews));
    assert!(
        passes(
            &down.filters("ethernet1/3", "ethernet1/1").unwrap(),
            &pkt("10.30.0.12", "10.10.40.5", 6, 1),
        ) == passes(
            &open.filters("ethernet1/3", "ethernet1/1").unwrap(),
            &pkt("10.30.0.12", "10.10.40.5", 6, 1)
        )
    );
}

/// [`LIVE`] in XML, as `show config running` prints it in XML (attributes and elements that
/// decide no filtering included).
const LIVE_XML: &str = r#"<?xml version="1.0"?>
<config version="10.2.0" urldb="paloaltonetworks">
  <mgt-config>
    <users><entry name="admin"><permissions><role-based><superuser>yes</superuser></role-based></permissions></entry></users>
  </mgt-config>
  <shared>
    <address>
      <entry name="cells"><ip-netmask>10.40.0.0/16</ip-netmask></entry>
    </address>
  </shared>
  <devices>
    <entry name="localhost.localdomain">
      <deviceconfig><system><hostname>pa-idmz</hostname><ip-address>192.0.2.10</ip-address></system></deviceconfig>
      <network>
        <interface>
          <ethernet>
            <entry name="ethernet1/1">
              <layer3><ip><entry name="198.51.100.1/24"/></ip></layer3>
              <comment>to the enterprise</comment>
            </entry>
            <entry name="ethernet1/2">
              <layer3>
                <ip><entry name="10.30.0.1/24"/></ip>
                <interface-management-profile>allow-ssh</interface-management-profile>
              </layer3>
            </entry>
            <entry name="ethernet1/3"><layer3><ip><entry name="10.40.0.1/24"/></ip></layer3></entry>
          </ethernet>
        </interface>
        <profiles>
          <interface-management-profile>
            <entry name="allow-ssh">
              <ssh>yes</ssh>
              <ping>yes</ping>
              <permitted-ip><entry name="10.30.0.40/32"/></permitted-ip>
            </entry>
          </interface-management-profile>
        </profiles>
        <virtual-router><entry name="default"><interface><member>ethernet1/1</member><member>ethernet1/2</member></interface></entry></virtual-router>
      </network>
      <vsys>
        <entry name="vsys1">
          <zone>
            <entry name="untrust"><network><layer3><member>ethernet1/1</member></layer3></network></entry>
            <entry name="control"><network><layer3><member>ethernet1/2</member></layer3></network></entry>
            <entry name="cell"><network><layer3><member>ethernet1/3</member></layer3></network></entry>
          </zone>
          <address>
            <entry name="historian"><ip-netmask>10.30.0.12</ip-netmask></entry>
            <entry name="vendor"><ip-range>198.51.100.7-198.51.100.9</ip-range></entry>
          </address>
          <address-group>
            <entry name="remote"><static><member>vendor</member></static></entry>
            <entry name="all-remote"><static><member>remote</member><member>203.0.113.0/24</member></static></entry>
          </address-group>
          <service>
            <entry name="opc-ua"><protocol><tcp><port>4840-4843</port></tcp></protocol></entry>
          </service>
          <service-group>
            <entry name="ot-services"><members><member>opc-ua</member><member>service-https</member></members></entry>
          </service-group>
          <rulebase>
            <security>
              <rules>
                <entry name="Vendor to historian" uuid="0b6e2c1a-0000-4000-8000-000000000001">
                  <from><member>untrust</member></from>
                  <to><member>control</member></to>
                  <source><member>all-remote</member></source>
                  <destination><member>historian</member></destination>
                  <source-user><member>any</member></source-user>
                  <category><member>any</member></category>
                  <application><member>any</member></application>
                  <service><member>ot-services</member></service>
                  <hip-profiles><member>any</member></hip-profiles>
                  <action>allow</action>
                  <profile-setting><group><member>default</member></group></profile-setting>
                </entry>
                <entry name="old-rule">
                  <from><member>any</member></from><to><member>any</member></to>
                  <source><member>any</member></source><destination><member>any</member></destination>
                  <application><member>any</member></application><service><member>any</member></service>
                  <action>allow</action><disabled>yes</disabled>
                </entry>
                <entry name="not-cells">
                  <from><member>control</member></from><to><member>any</member></to>
                  <source><member>any</member></source><destination><member>cells</member></destination>
                  <negate-destination>yes</negate-destination>
                  <application><member>ping</member></application><service><member>any</member></service>
                  <action>allow</action>
                </entry>
                <entry name="block-cells">
                  <from><member>any</member></from><to><member>any</member></to>
                  <source><member>any</member></source><destination><member>any</member></destination>
                  <application><member>any</member></application><service><member>any</member></service>
                  <action>drop</action><rule-type>interzone</rule-type>
                </entry>
              </rules>
            </security>
            <nat/>
          </rulebase>
        </entry>
      </vsys>
    </entry>
  </devices>
</config>
"#;

#[test]
fn the_xml_form_reads_as_the_set_form() {
    let set = parse(LIVE).unwrap_or_else(|e| panic!("{e:?}"));
    let xml = parse(LIVE_XML).unwrap_or_else(|e| panic!("{e:?}"));
    // The same entities, the shared address read with the virtual system's.
    assert_eq!(xml.rules, set.rules);
    assert_eq!(xml.zones, set.zones);
    assert_eq!(xml.interfaces, set.interfaces);
    assert_eq!(xml.profiles, set.profiles);
    assert_eq!(xml.address_groups, set.address_groups);
    assert_eq!(xml.services, set.services);
    assert_eq!(xml.service_groups, set.service_groups);
    let mut a = xml.addresses.clone();
    let mut b = set.addresses.clone();
    a.sort_by(|x, y| x.name.cmp(&y.name));
    b.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(a, b);
    // A NAT rule other than static IP in XML is refused with its line; broken XML with its
    // line too.
    let nat = LIVE_XML.replace(
        "<nat/>",
        "<nat>\n<rules><entry name=\"out\"><from><member>control</member></from><source-translation><dynamic-ip-and-port><interface-address><interface>ethernet1/1</interface></interface-address></dynamic-ip-and-port></source-translation></entry></rules></nat>",
    );
    let e = parse(&nat).unwrap_err();
    assert!(e.message.contains("NAT"), "{e:?}");
    assert_eq!(
        e.line,
        LIVE_XML.lines().position(|l| l.contains("<nat/>")).unwrap() + 2
    );
    let broken = LIVE_XML.replace("</zone>", "</zones>");
    assert!(parse(&broken)
        .unwrap_err()
        .message
        .contains("closes <zone>"));
}

#[test]
fn truncated_or_mangled_input_is_refused_never_a_panic() {
    for text in [LIVE, LIVE_XML] {
        for cut in (0..text.len())
            .step_by(5)
            .filter(|i| text.is_char_boundary(*i))
        {
            let _ = parse(&text[..cut]);
            let _ = parse(&format!("{}\"[<&{}", &text[..cut], &text[cut..]));
        }
    }
}

#[test]
fn nat_rules_are_read_and_what_is_not_static_1_1_is_refused() {
    let objects =
        "set address R ip-netmask 192.168.1.0/24\nset address M ip-netmask 10.50.1.0/24\n";
    let line = "set rulebase nat rules n1 from filling to any source R destination any service any source-translation static-ip translated-address M bi-directional yes\n";
    let c = parse(&format!("{objects}{line}")).unwrap();
    assert_eq!(c.to_string(), format!("{objects}{line}"));
    assert!(c.nat_rules[0].bidirectional);
    for (bad, what) in [
        (
            "source-translation dynamic-ip-and-port interface-address interface ethernet1/1",
            "static-ip",
        ),
        (
            "destination-translation translated-address M",
            "destinations of its own",
        ),
    ] {
        let text = format!("{objects}set rulebase nat rules n2 from filling to any {bad}\n");
        let e = parse(&text).unwrap_err();
        assert_eq!(e.line, 3, "{bad}");
        assert!(e.message.contains(what), "{bad}: {}", e.message);
    }
}

/// The plant's firewall as an active/passive pair (`tests/panos/cluster.fence`): the sync
/// interface is an HA interface carrying HA1 with each node's address, each node's
/// configuration names the other as its peer and has its own priority (the first node's
/// lower: preferred). Each node's file verifies equal; one with HA disabled, or its HA1 on a
/// data interface, does not.
#[test]
fn a_cluster_with_sync_is_an_ha_pair_one_file_per_node() {
    let text = std::fs::read_to_string("tests/panos/cluster.fence").unwrap();
    let checked = check("tests/panos/cluster.fence", text);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let files = files_of(&checked);
    let a = &files["fw-pa-a/panos.txt"];
    let b = &files["fw-pa-b/panos.txt"];
    let ha: Vec<&str> = a
        .lines()
        .filter(|l| l.contains("high-availability") || l.ends_with(" ha"))
        .collect();
    assert_eq!(
        ha,
        [
            "set network interface ethernet ethernet1/3 ha",
            "set deviceconfig high-availability enabled yes",
            "set deviceconfig high-availability group group-id 1",
            "set deviceconfig high-availability group peer-ip 10.99.0.3",
            "set deviceconfig high-availability group mode active-passive",
            "set deviceconfig high-availability group election-option device-priority 100",
            "set deviceconfig high-availability interface ha1 port ethernet1/3",
            "set deviceconfig high-availability interface ha1 ip-address 10.99.0.2",
            "set deviceconfig high-availability interface ha1 netmask 255.255.255.248",
        ]
    );
    let differing: Vec<(&str, &str)> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).collect();
    assert_eq!(
        differing,
        [
            (
                "set deviceconfig high-availability group peer-ip 10.99.0.3",
                "set deviceconfig high-availability group peer-ip 10.99.0.2"
            ),
            (
                "set deviceconfig high-availability group election-option device-priority 100",
                "set deviceconfig high-availability group election-option device-priority 200"
            ),
            (
                "set deviceconfig high-availability interface ha1 ip-address 10.99.0.2",
                "set deviceconfig high-availability interface ha1 ip-address 10.99.0.3"
            ),
        ]
    );
    // The HA interface is in no zone.
    assert!(!a.contains("ha-link network layer3"));
    let model = checked.model.as_ref().unwrap();
    for (dev, equal, diff) in verify_panos(model, &files) {
        assert!(equal, "{dev}: {diff}");
    }
    let sides = PolicySides::for_targets(model, &[Target::Panos]);
    let mutated = |from: &str, to: &str| {
        let mut f = files.clone();
        f.insert("fw-pa-b/panos.txt".into(), b.replacen(from, to, 1));
        let read = |p: &str| f.get(p).cloned();
        let loaded = Panos.load("fw-pa-b", &read).unwrap().unwrap();
        compare_loaded(model, &sides, DeviceId(0), Target::Panos, &loaded).unwrap()
    };
    for (from, to) in [
        (
            "interface ha1 port ethernet1/3\n",
            "interface ha1 port ethernet1/1\n",
        ),
        (
            "high-availability enabled yes\n",
            "high-availability enabled no\n",
        ),
    ] {
        let r = mutated(from, to);
        assert!(!r.equal, "{to}");
        assert!(
            r.notes.iter().any(|n| n.contains("HA link differs")),
            "{to}: {:?}",
            r.notes
        );
    }
    // A data interface made an HA interface passes nothing: an under-permit.
    let r = mutated(
        "set network interface ethernet ethernet1/1 layer3\n",
        "set network interface ethernet ethernet1/1 ha\n",
    );
    assert!(r.differences.iter().any(|d| d.under_permit.is_some()));
}

/// What a PAN-OS pair cannot be: three firewalls, node addresses on a data interface (E0073),
/// a `sync` link a flow crosses (E0047).
#[test]
fn pairs_panos_cannot_form_are_refused() {
    let base = std::fs::read_to_string("tests/panos/cluster.fence").unwrap();
    let three = base
        .replace(
            "cluster fw-pa-a, fw-pa-b",
            "cluster fw-pa-a, fw-pa-b, fw-pa-c",
        )
        .replace("10.99.0.2, 10.99.0.3", "10.99.0.2, 10.99.0.3, 10.99.0.4");
    let nodes = base.replace(
        "enterprise address 10.10.0.1\n",
        "enterprise address 10.10.0.1 nodes 10.10.0.2, 10.10.0.3\n",
    );
    let crossing = base.replace(
        "conduit dmz-control {",
        "conduit ha-dmz {\n  connects ha-link, dmz\n  allow ha-link -> dmz.jump-host ping\n}\n\nconduit dmz-control {",
    );
    for (text, code, says) in [
        (three, "E0073", "is two firewalls"),
        (nodes, "E0073", "share their interface addresses"),
        (crossing, "E0047", "carries no data traffic"),
    ] {
        let checked = check("tests/panos/cluster.fence", text);
        let errors: Vec<(&str, &str)> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| (d.code.as_str(), d.message.as_str()))
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, code);
        assert!(errors[0].1.contains(says), "{errors:?}");
    }
}

/// The HA section in PAN-OS's XML form (`show config running` in XML, under `<deviceconfig>`,
/// `<mode><active-passive/></mode>`, the HA interface `<ha/>`) reads as the set form.
#[test]
fn the_ha_section_reads_alike_in_xml() {
    let xml = r#"<config version="10.2.0">
  <devices>
    <entry name="localhost.localdomain">
      <deviceconfig>
        <high-availability>
          <enabled>yes</enabled>
          <group>
            <group-id>1</group-id>
            <peer-ip>10.99.0.3</peer-ip>
            <mode><active-passive/></mode>
            <election-option>
              <device-priority>100</device-priority>
              <timers><recommended/></timers>
            </election-option>
          </group>
          <interface>
            <ha1>
              <port>ethernet1/3</port>
              <ip-address>10.99.0.2</ip-address>
              <netmask>255.255.255.248</netmask>
            </ha1>
            <ha2><port>ethernet1/4</port></ha2>
          </interface>
        </high-availability>
      </deviceconfig>
      <network>
        <interface>
          <ethernet>
            <entry name="ethernet1/3"><ha/></entry>
            <entry name="ethernet1/4"><ha/></entry>
          </ethernet>
        </interface>
      </network>
    </entry>
  </devices>
</config>
"#;
    let set = "set deviceconfig high-availability enabled yes
set deviceconfig high-availability group group-id 1
set deviceconfig high-availability group peer-ip 10.99.0.3
set deviceconfig high-availability group mode active-passive
set deviceconfig high-availability group election-option device-priority 100
set deviceconfig high-availability group election-option timers recommended
set deviceconfig high-availability interface ha1 port ethernet1/3
set deviceconfig high-availability interface ha1 ip-address 10.99.0.2
set deviceconfig high-availability interface ha1 netmask 255.255.255.248
set deviceconfig high-availability interface ha2 port ethernet1/4
set network interface ethernet ethernet1/3 ha
set network interface ethernet ethernet1/4 ha
";
    let a = parse(xml).unwrap_or_else(|e| panic!("{e:?}"));
    let b = parse(set).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(a.ha, b.ha);
    assert_eq!(a.interfaces, b.interfaces);
    assert_eq!(a.ha1_link().map(|n| n.as_str()), Some("ethernet1/3"));
    assert!(a.interfaces.iter().all(|i| i.ha));
}
