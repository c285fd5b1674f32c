//! The Cisco IOS dialects' laws: `parse(print(c)) == c` for every configuration `lower` builds
//! (the examples, with and without object-groups, and random policies) and for random
//! configurations (a strategy over the typed configuration, restricted to what IOS text can
//! say); and the printed text of a lowered configuration is what `build` writes. The packet
//! semantics of those configurations are proved in tests/cisco_ios.rs, tests/verify.rs and
//! tests/properties.rs.

use fenceline::dialect::cisco_ios::ast::icmp_name_of;
use fenceline::dialect::cisco_ios::ast::*;
use fenceline::dialect::cisco_ios::parse::parse;
use fenceline::dialect::cisco_ios::{CiscoIosRouter, CiscoIosSwitch, IosConfig};
use fenceline::dialect::{Dialect, EmitContext, EmitOptions, Stamp};
use fenceline::driver::{check_path, check_text, CheckOptions};
use fenceline::model::{DeviceKind, Model, Target};
use fenceline::synth::{policy, Size};
use proptest::prelude::*;
use std::path::Path;

fn opts() -> CheckOptions {
    CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    }
}

/// Every `cisco-ios` device's lowered configuration; checks the round trip of each and returns
/// how many were checked.
fn round_trip_lowered(model: &Model, object_groups: bool) -> usize {
    let (ir, _) = fenceline::plan::model_to_ir(model);
    let stamp = Stamp {
        policy: "p".into(),
        hash: "0".repeat(64),
        version: "0.0.0",
    };
    let options = EmitOptions {
        cisco_object_groups: object_groups,
        max_rules: None,
        ..Default::default()
    };
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
        .filter(|d| d.targets.contains(&Target::CiscoIos))
    {
        let mut diags = Vec::new();
        let (config, files) = match dev.kind {
            DeviceKind::Switch => {
                let c = CiscoIosSwitch.lower(&cx, dev, &mut diags).unwrap();
                let f = CiscoIosSwitch.print(&c);
                (c, f)
            }
            _ => {
                let c = CiscoIosRouter.lower(&cx, dev, &mut diags).unwrap();
                let f = CiscoIosRouter.print(&c);
                (c, f)
            }
        };
        assert_eq!(files.len(), 1);
        let text = &files[0].1;
        let back = parse(text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", dev.name));
        assert_eq!(back, config, "{}", dev.name);
        // The text read back prints as the same bytes.
        assert_eq!(&back.to_string(), text, "{}", dev.name);
        n += 1;
    }
    n
}

#[test]
fn lowered_examples_read_back_as_themselves() {
    let mut n = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "fence") {
            continue;
        }
        let checked = check_path(&path, &opts()).unwrap();
        let model = checked.model.as_ref().unwrap();
        for groups in [false, true] {
            n += round_trip_lowered(model, groups);
        }
    }
    assert!(n >= 10, "{n} configurations");
}

/// A router with island mode: its island ACLs and EEM applets read back as themselves.
#[test]
fn lowered_island_router_reads_back_as_itself() {
    let checked = check_path(Path::new("tests/ios/island.fence"), &opts()).unwrap();
    let model = checked.model.as_ref().unwrap();
    assert!(model.devices.iter().any(|d| d.island));
    for groups in [false, true] {
        assert_eq!(round_trip_lowered(model, groups), 1);
    }
}

/// Translating routers, with VRFs (two identical skids) and without, with and without `inspect`:
/// their VRFs, NAT roles, interface addresses, static translations, VRF routes and zone-based
/// firewall read back as themselves.
#[test]
fn lowered_translating_routers_read_back_as_themselves() {
    for (policy, vrf) in [
        ("tests/nat/skids.fence", true),
        ("tests/nat/ios-one-skid.fence", false),
        ("tests/nat/skids-inspect.fence", true),
        ("tests/nat/ios-one-skid-inspect.fence", false),
    ] {
        let checked = check_path(Path::new(policy), &opts()).unwrap();
        let model = checked.model.as_ref().unwrap();
        for groups in [false, true] {
            assert_eq!(round_trip_lowered(model, groups), 1, "{policy}");
        }
        let text = fenceline::build::build_checked(&checked, &Default::default())
            .unwrap()
            .expect("builds")
            .outputs
            .iter()
            .find(|o| o.path.ends_with("cisco-ios.txt"))
            .map(|o| String::from_utf8_lossy(&o.bytes).into_owned())
            .unwrap();
        let cfg = parse(&text).unwrap();
        let has = |f: fn(&Top) -> bool| cfg.items.iter().any(f);
        assert!(has(|t| matches!(t, Top::NatStatic(_))), "{policy}");
        assert_eq!(has(|t| matches!(t, Top::Vrf(_))), vrf, "{policy}");
        assert_eq!(has(|t| matches!(t, Top::VrfRoute(_))), vrf, "{policy}");
        let inspect = policy.ends_with("-inspect.fence");
        assert_eq!(has(|t| matches!(t, Top::ZonePair(_))), inspect, "{policy}");
    }
}

/// The reader refuses what would change what is translated and it cannot model: dynamic NAT,
/// options after a static translation, NAT virtual interfaces.
#[test]
fn nat_the_reader_cannot_model_is_refused() {
    for text in [
        "ip nat inside source list 1 interface GigabitEthernet0/0 overload\n",
        "ip nat inside source static network 192.168.1.0 10.50.1.0 /24 vrf A match-in-vrf\n",
        "ip nat inside source static tcp 192.168.1.10 502 10.50.1.10 502\n",
        "ip nat outside source static 10.0.0.1 192.168.9.1\n",
        "interface GigabitEthernet0/1\n ip nat enable\n",
        "ip nat inside source static network 192.168.1.0 10.50.1.0 /24\nip nat inside source static network 192.168.1.0 10.50.2.0 /24\n",
    ] {
        let e = parse(text).expect_err(text);
        assert!(e.line >= 1, "{text}: {e}");
    }
    // A host translation and a netmask read as the network form.
    let cfg = parse(
        "ip nat inside source static 192.168.1.10 10.50.1.10 vrf A extendable\nip nat inside source static network 192.168.2.0 10.50.2.0 255.255.255.0\nip nat translation timeout 3600\n",
    )
    .unwrap();
    assert_eq!(
        cfg.to_string(),
        "ip nat inside source static network 192.168.1.10 10.50.1.10 /32 vrf A\nip nat inside source static network 192.168.2.0 10.50.2.0 /24\nip nat translation timeout 3600\n"
    );
}

/// A switch's file is configured by the switch dialect, a router's by the router dialect.
#[test]
fn each_device_kind_has_its_dialect() {
    let of = |k| fenceline::dialect::of(Target::CiscoIos, k).map(|d| d.kinds());
    assert_eq!(of(DeviceKind::Router), Some(&[DeviceKind::Router][..]));
    assert_eq!(of(DeviceKind::Switch), Some(&[DeviceKind::Switch][..]));
    assert!(of(DeviceKind::Firewall).is_none());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// The same for random policies (every third device a router, switches among them).
    #[test]
    fn lowered_random_policies_read_back_as_themselves(
        size in (6usize..12, 1usize..6, 0usize..40, 2usize..4, any::<u64>()).prop_map(
            |(zones, assets, flows, per, seed)| Size { zones, assets_per_zone: assets, flows, zones_per_device: per, seed }),
        groups in any::<bool>(),
    ) {
        let checked = check_text("p.fence", Path::new("p.fence"), policy(&size), &opts());
        prop_assert!(!checked.has_errors());
        round_trip_lowered(checked.model.as_ref().unwrap(), groups);
    }
}

// ---------------------------------------------------------------------------------------------
// Random configurations.

fn text(max: usize, extra: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            8 => proptest::char::range('a', 'z'),
            2 => proptest::char::range('0', '9'),
            2 => Just(' '),
            1 => proptest::sample::select(extra.chars().collect::<Vec<_>>()),
        ],
        1..max,
    )
    .prop_map(|cs| cs.into_iter().collect::<String>().trim_end().to_string())
}

fn word() -> impl Strategy<Value = Word> {
    "[A-Za-z][A-Za-z0-9_.-]{0,12}".prop_map(|s| Word::new(s).unwrap())
}

fn comment() -> impl Strategy<Value = Comment> {
    prop_oneof![
        Just(Comment::new("").unwrap()),
        text(60, ":;-_()'`|/=+").prop_map(|t| Comment::new(t).unwrap()),
    ]
}

fn remark() -> impl Strategy<Value = Remark> {
    text(100, ":;->_()").prop_filter_map("empty", Remark::new)
}

fn port_op() -> impl Strategy<Value = PortOp> {
    prop_oneof![
        any::<u16>().prop_map(PortOp::Eq),
        any::<u16>().prop_map(PortOp::Neq),
        any::<u16>().prop_map(PortOp::Lt),
        any::<u16>().prop_map(PortOp::Gt),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| PortOp::Range(a, b)),
    ]
}

fn v4() -> impl Strategy<Value = AddrMatch> {
    (
        any::<u32>(),
        prop_oneof![
            Just(0u32),
            any::<u32>(),
            (0u32..=32).prop_map(|l| u32::MAX.checked_shr(l).unwrap_or(0))
        ],
    )
        .prop_map(|(a, w)| AddrMatch::V4 {
            addr: a & !w,
            wildcard: w,
        })
}

/// `range A B` of an object-group: any two addresses, the lower first.
fn v4_range() -> impl Strategy<Value = AddrMatch> {
    (any::<u32>(), any::<u32>()).prop_map(|(a, b)| AddrMatch::Range {
        lo: a.min(b),
        hi: a.max(b),
    })
}

fn addr(v6: bool) -> BoxedStrategy<AddrMatch> {
    let base = if v6 {
        (any::<u128>(), 0u8..=128)
            .prop_map(|(a, len)| {
                let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                AddrMatch::V6 {
                    addr: a & mask,
                    len,
                }
            })
            .boxed()
    } else {
        v4().boxed()
    };
    prop_oneof![
        1 => Just(AddrMatch::Any),
        4 => base,
        1 => word().prop_map(AddrMatch::Group),
    ]
    .boxed()
}

fn icmp(v6: bool) -> impl Strategy<Value = IcmpMatch> {
    (
        any::<u8>(),
        proptest::option::of(any::<u8>()),
        any::<bool>(),
    )
        .prop_map(move |(ty, code, named)| {
            // A name only where IOS has one for this type and code.
            let named = named && icmp_name_of(ty, code, v6).is_some();
            IcmpMatch { ty, code, named }
        })
}

fn ace(form: u8) -> BoxedStrategy<Ace> {
    // 0 extended, 1 standard, 2 IPv6
    let v6 = form == 2;
    let log = proptest::option::of(prop_oneof![Just(Log::Log), Just(Log::LogInput)]);
    let action = prop_oneof![Just(Action::Permit), Just(Action::Deny)];
    if form == 1 {
        return (
            action,
            prop_oneof![Just(AddrMatch::Any), v4()],
            any::<bool>(),
        )
            .prop_map(|(action, src, log)| Ace {
                seq: None,
                action,
                proto: ProtoMatch::Any,
                src,
                sport: None,
                dst: AddrMatch::Any,
                dport: None,
                icmp: None,
                established: false,
                log: log.then_some(Log::Log),
                at: At::default(),
            })
            .boxed();
    }
    let icmp_proto = if v6 { 58 } else { 1 };
    let proto = prop_oneof![
        Just(ProtoMatch::Any),
        proptest::sample::select(vec![6u8, 17, icmp_proto, 47, 50, 89]).prop_map(ProtoMatch::Name),
        any::<u8>().prop_map(ProtoMatch::Number),
        word().prop_map(ProtoMatch::Group),
    ];
    (
        action,
        proto,
        addr(v6),
        addr(v6),
        proptest::option::of(port_op()),
        proptest::option::of(port_op()),
        proptest::option::of(icmp(v6)),
        any::<bool>(),
        log,
    )
        .prop_map(
            move |(action, proto, src, dst, sport, dport, icmp, est, log)| {
                let n = proto.number();
                let ports = matches!(n, Some(6 | 17));
                Ace {
                    seq: None,
                    action,
                    proto,
                    src,
                    sport: sport.filter(|_| ports),
                    dst,
                    dport: dport.filter(|_| ports),
                    icmp: icmp.filter(|_| n == Some(icmp_proto)),
                    established: est && n == Some(6),
                    log,
                    at: At::default(),
                }
            },
        )
        .boxed()
}

/// An ACL's lines; sequence numbers either all absent or strictly increasing.
fn acl_lines(form: u8) -> impl Strategy<Value = Vec<AclLine>> {
    (
        proptest::collection::vec(
            prop_oneof![1 => remark().prop_map(AclLine::Remark), 3 => ace(form).prop_map(AclLine::Ace)],
            0..6,
        ),
        any::<bool>(),
    )
        .prop_map(|(mut lines, numbered)| {
            if numbered {
                let mut seq = 0;
                for l in &mut lines {
                    if let AclLine::Ace(a) = l {
                        seq += 7;
                        a.seq = Some(seq);
                    }
                }
            }
            lines
        })
}

fn service() -> impl Strategy<Value = ServiceMatch> {
    (
        proptest::option::of(proptest::sample::select(vec![6u8, 17, 1, 47, 132])),
        proptest::option::of(port_op()),
        proptest::option::of(port_op()),
        proptest::option::of(icmp(false)),
    )
        .prop_map(|(proto, sport, dport, icmp)| {
            let ports = matches!(proto, Some(6 | 17));
            ServiceMatch {
                proto,
                sport: sport.filter(|_| ports),
                dport: dport.filter(|_| ports),
                icmp: icmp.filter(|_| proto == Some(1)),
            }
        })
}

fn if_line() -> impl Strategy<Value = IfLine> {
    prop_oneof![
        text(80, ":,-_()")
            .prop_filter_map("empty", |t| Description::new(t).map(IfLine::Description)),
        Just(IfLine::SwitchportMode(SwitchportMode::Access)),
        Just(IfLine::SwitchportMode(SwitchportMode::Trunk)),
        any::<u16>().prop_map(IfLine::AccessVlan),
        Just(IfLine::Nonegotiate),
        Just(IfLine::Portfast),
        Just(IfLine::BpduGuard),
        any::<u16>().prop_map(IfLine::NativeVlan),
        Just(IfLine::Allowed(AllowedVlans::None)),
        proptest::collection::vec((1u16..4000, 0u16..50), 1..5).prop_map(|v| IfLine::Allowed(
            AllowedVlans::List(v.into_iter().map(|(lo, d)| (lo, lo + d)).collect())
        )),
        any::<bool>().prop_map(IfLine::Shutdown),
        (any::<bool>(), word(), any::<bool>()).prop_map(|(v6, acl, inbound)| IfLine::AccessGroup {
            v6,
            acl,
            inbound
        }),
        (any::<bool>(), proptest::option::of(word())).prop_map(|(v6, w)| IfLine::NoAccessGroup {
            v6,
            rest: w.map(|w| RawLine::new(w.as_str()).unwrap()),
        }),
        proptest::sample::select(vec![
            "ip address 10.0.0.1 255.255.255.0 secondary",
            "speed 100",
            "ipv6 enable"
        ])
        .prop_map(|s| IfLine::Other(RawLine::new(s).unwrap())),
        (0usize..12).prop_map(|k| IfLine::ZoneMember(Word::new(format!("Z-{k}")).unwrap())),
        word().prop_map(IfLine::VrfForwarding),
        (any::<u32>(), 0u8..=32).prop_map(|(addr, len)| IfLine::IpAddress { addr, len }),
        proptest::sample::select(vec![NatRole::Inside, NatRole::Outside]).prop_map(IfLine::Nat),
    ]
}

/// The zones [`config`] defines first, so that zone-members and zone-pairs name defined zones.
const ZONES: usize = 12;

fn zbf_action() -> impl Strategy<Value = Option<ZbfAction>> {
    proptest::option::of(
        (
            proptest::sample::select(vec![ZbfVerb::Inspect, ZbfVerb::Pass, ZbfVerb::Drop]),
            any::<bool>(),
        )
            .prop_map(|(verb, log)| ZbfAction { verb, log }),
    )
}

/// A zone-based firewall command; names come from `i` so that no two maps or zone-pairs clash.
fn zbf_top(i: usize) -> BoxedStrategy<Top> {
    let class_match = prop_oneof![
        word().prop_map(ClassMatch::AccessGroup),
        proptest::sample::select(vec![1u8, 6, 17]).prop_map(ClassMatch::Protocol),
    ];
    prop_oneof![
        (any::<bool>(), proptest::collection::vec(class_match, 0..4)).prop_map(
            move |(all, matches)| {
                Top::ClassMap(ClassMap {
                    all,
                    name: Word::new(format!("CM-{i}")).unwrap(),
                    matches,
                })
            }
        ),
        proptest::collection::vec((proptest::option::of(word()), zbf_action()), 0..4).prop_map(
            move |classes| Top::PolicyMap(PolicyMap {
                name: Word::new(format!("PM-{i}")).unwrap(),
                classes: classes
                    .into_iter()
                    .map(|(class, action)| PolicyClass { class, action })
                    .collect(),
            })
        ),
        (any::<bool>(), proptest::option::of(word())).prop_map(move |(from_self, policy)| {
            let zone = Word::new(format!("Z-{}", i % ZONES)).unwrap();
            let me = Word::new("self").unwrap();
            let (source, destination) = if from_self { (me, zone) } else { (zone, me) };
            Top::ZonePair(ZonePair {
                name: Word::new(format!("ZP-{i}-{from_self}")).unwrap(),
                source,
                destination,
                policy,
            })
        }),
    ]
    .boxed()
}

fn vrf_line() -> impl Strategy<Value = VrfLine> {
    prop_oneof![
        any::<bool>().prop_map(VrfLine::AddressFamily),
        Just(VrfLine::ExitAddressFamily),
        proptest::sample::select(vec!["rd 65000:1", "route-target export 65000:1"])
            .prop_map(|s| VrfLine::Other(RawLine::new(s).unwrap())),
    ]
}

/// A network of prefix length `len` (24-32) at `offset`, inside `base`'s /24: the top-level
/// items of one configuration never overlap (IOS refuses overlapping static translations).
fn net_in(base: u32, len: u8, offset: u32) -> u32 {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    (base | (offset & 0xff)) & mask
}

fn line_line() -> impl Strategy<Value = LineLine> {
    prop_oneof![
        (any::<bool>(), word(), any::<bool>(), any::<bool>()).prop_map(
            |(v6, acl, inbound, vrf_also)| LineLine::AccessClass {
                v6,
                acl,
                inbound,
                // `vrf-also` is IPv4 only.
                vrf_also: vrf_also && !v6,
            }
        ),
        proptest::collection::vec(
            proptest::sample::select(vec!["ssh", "telnet", "none", "all"]),
            1..3
        )
        .prop_map(|w| LineLine::TransportInput(
            w.into_iter().map(|w| Word::new(w).unwrap()).collect()
        )),
        proptest::sample::select(vec![
            "exec-timeout 5 0",
            "login local",
            "logging synchronous"
        ])
        .prop_map(|s| LineLine::Other(RawLine::new(s).unwrap())),
    ]
}

fn applet_line() -> impl Strategy<Value = AppletLine> {
    let quoted = || text(60, ":;-_()'`|/=+!").prop_filter_map("not empty", Quoted::new);
    prop_oneof![
        Just(AppletLine::EventNone),
        (word(), quoted()).prop_map(|(label, command)| AppletLine::Cli { label, command }),
        (word(), quoted()).prop_map(|(label, msg)| AppletLine::Syslog { label, msg }),
        proptest::sample::select(vec![
            "event syslog pattern LINK-3-UPDOWN",
            "action 1.0 wait 5",
            "description cut the cell off"
        ])
        .prop_map(|s| AppletLine::Other(RawLine::new(s).unwrap())),
    ]
}

fn if_head() -> impl Strategy<Value = IfHead> {
    prop_oneof![
        proptest::sample::select(vec![
            "GigabitEthernet0/0",
            "GigabitEthernet0/1",
            "Vlan130",
            "Port-channel10",
            "TenGigabitEthernet1/1/1",
        ])
        .prop_map(|n| IfHead::One(Word::new(n).unwrap())),
        (1u32..40, 1u32..10).prop_map(|(lo, d)| IfHead::Range {
            prefix: Word::new("GigabitEthernet1/0/").unwrap(),
            lo,
            hi: lo + d,
        }),
    ]
}

/// A top-level item; ACL names come from `i` so that no two ACL blocks share a name.
fn top(i: usize) -> BoxedStrategy<Top> {
    let acl = (0u8..3).prop_flat_map(move |form| {
        acl_lines(form).prop_map(move |lines| {
            Top::Acl(Acl {
                kind: [AclKind::Extended, AclKind::Standard, AclKind::Ipv6][form as usize],
                name: Word::new(format!("ACL-{i}")).unwrap(),
                lines,
                at: At::default(),
            })
        })
    });
    let numbered = prop_oneof![
        Just(1u16),
        Just(99),
        Just(100),
        Just(199),
        Just(1300),
        Just(2000)
    ]
    .prop_flat_map(|number| {
        let form = if number < 100 || (1300..2000).contains(&number) {
            1
        } else {
            0
        };
        prop_oneof![
            remark().prop_map(AclLine::Remark),
            ace(form).prop_map(AclLine::Ace),
        ]
        .prop_map(move |line| Top::Numbered(Numbered { number, line }))
    });
    prop_oneof![
        2 => comment().prop_map(Top::Comment),
        3 => acl,
        2 => numbered,
        1 => (proptest::option::of(proptest::sample::select(vec![AclKind::Extended, AclKind::Standard, AclKind::Ipv6])), word())
            .prop_map(|(k, w)| Top::NoAcl(k, w)),
        1 => (word(), proptest::collection::vec(prop_oneof![Just(AddrMatch::Any), v4(), v4_range()], 0..4))
            .prop_map(|(name, entries)| Top::NetGroup(NetGroup { name, entries })),
        1 => (word(), proptest::collection::vec(service(), 0..4))
            .prop_map(|(name, entries)| Top::SvcGroup(SvcGroup { name, entries })),
        2 => (if_head(), proptest::collection::vec(if_line(), 0..6))
            .prop_map(|(head, lines)| Top::Interface(Interface { head, lines })),
        1 => Just(Top::VlanTagNative),
        1 => (any::<u16>(), proptest::option::of("[a-z][a-z0-9-]{0,20}"), any::<bool>()).prop_map(|(id, name, state)| {
            Top::Vlan(Vlan {
                id,
                name: name.and_then(VlanName::new),
                other: if state { vec![RawLine::new("state active").unwrap()] } else { Vec::new() },
            })
        }),
        1 => Just(Top::End),
        1 => proptest::sample::select(vec!["hostname r1", "ip routing", "line 2 3"]).prop_map(|l| Top::Other {
            line: RawLine::new(l).unwrap(),
            sub: if l.starts_with("line") { vec![RawLine::new("transport input ssh").unwrap()] } else { Vec::new() },
        }),
        1 => (word(), proptest::collection::vec(applet_line(), 0..6))
            .prop_map(|(name, lines)| Top::Applet(Applet { name, lines })),
        1 => (word(), proptest::collection::vec(vrf_line(), 0..4))
            .prop_map(|(name, lines)| Top::Vrf(VrfDef { name, lines })),
        1 => (24u8..=32, any::<u32>(), proptest::option::of(word())).prop_map(move |(len, offset, vrf)| {
            let n = i as u32;
            Top::NatStatic(NatStatic {
                inside: net_in(0xc0a8_0000 | (n << 8), len, offset),
                outside: net_in(0x0a32_0000 | (n << 8), len, offset),
                len,
                vrf,
                at: At::default(),
            })
        }),
        1 => (word(), 0u8..=32, any::<u32>(), proptest::sample::select(vec!["GigabitEthernet0/0", "GigabitEthernet0/1"]))
            .prop_map(|(vrf, len, addr, iface)| Top::VrfRoute(VrfRoute {
                vrf,
                addr: addr & u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0),
                len,
                interface: Word::new(iface).unwrap(),
            })),
        1 => (
            proptest::sample::select(vec!["vty", "con", "aux"]),
            0u32..20,
            proptest::option::of(0u32..20),
            proptest::collection::vec(line_line(), 0..4),
        )
            .prop_map(|(kind, first, last, lines)| Top::Line(Line {
                kind: Word::new(kind).unwrap(),
                first,
                last,
                lines,
            })),
        2 => zbf_top(i),
    ]
    .boxed()
}

fn config() -> impl Strategy<Value = IosConfig> {
    (0usize..12).prop_flat_map(|n| {
        (0..n).map(top).collect::<Vec<_>>().prop_map(|items| {
            let zones = (0..ZONES).map(|k| Top::ZoneSecurity(Word::new(format!("Z-{k}")).unwrap()));
            IosConfig {
                items: zones.chain(items).collect(),
                ..Default::default()
            }
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// Every configuration IOS text can say reads back from its printed text as itself.
    #[test]
    fn random_configurations_read_back_as_themselves(c in config()) {
        let text = c.to_string();
        let back = parse(&text);
        prop_assert!(back.is_ok(), "{:?}\n{}", back, text);
        prop_assert_eq!(back.unwrap(), c, "{}", text);
    }
}

/// Free text that would inject a line or a metacharacter is refused by the types that hold it.
#[test]
fn text_types_refuse_injection() {
    assert!(Remark::new("a\n 10 permit ip any any").is_none());
    assert!(Remark::new("why?").is_none());
    assert!(Remark::new("x".repeat(101)).is_none());
    assert!(Comment::new("a\rb").is_none());
    assert!(Description::new("a!b").is_none());
    assert!(VlanName::new("a b").is_none());
    assert!(Word::new("a b").is_none() && Word::new("").is_none());
    assert!(RawLine::new("a\u{1b}b").is_none());
    assert_eq!(Remark::tame("a\nb?").as_str(), "a_b_");
}

/// `verify` reads a switch's file in the switch dialect and a router's in the router dialect;
/// a switch without layer-3 interfaces is equal with a note that there is no ACL to compare.
#[test]
fn verify_reads_each_device_in_its_dialect() {
    use fenceline::build::{build_checked, BuildOptions};
    use fenceline::verify::equiv::{compare_loaded, load_device, PolicySides};
    let checked = check_path(Path::new("examples/north-pipeline.fence"), &opts()).unwrap();
    let model = checked.model.as_ref().unwrap();
    let bo = BuildOptions {
        check: opts(),
        ..Default::default()
    };
    let built = build_checked(&checked, &bo).unwrap().unwrap();
    let files: std::collections::BTreeMap<String, String> = built
        .outputs
        .iter()
        .map(|o| {
            (
                o.path.clone(),
                String::from_utf8_lossy(&o.bytes).into_owned(),
            )
        })
        .collect();
    let read = |p: &str| files.get(p).cloned();
    let sides = PolicySides::for_targets(model, &[Target::CiscoIos]);
    let mut kinds = Vec::new();
    for (i, dev) in model.devices.iter().enumerate() {
        if !dev.targets.contains(&Target::CiscoIos) {
            continue;
        }
        let loaded = load_device(dev, Target::CiscoIos, &read).unwrap().unwrap();
        let r = compare_loaded(
            model,
            &sides,
            fenceline::model::DeviceId(i),
            Target::CiscoIos,
            &loaded,
        )
        .unwrap();
        assert!(r.equal, "{}: {:?}", dev.name, r.differences);
        let note = r
            .notes
            .iter()
            .any(|n| n.starts_with("no layer-3 interface"));
        assert_eq!(
            note,
            dev.kind == DeviceKind::Switch && dev.interfaces.is_empty(),
            "{}",
            dev.name
        );
        kinds.push(dev.kind);
    }
    assert!(kinds.contains(&DeviceKind::Switch) && kinds.contains(&DeviceKind::Router));
}

/// OUT-005 is planning's finding: one per device, interface and conduit of the plan's
/// widenings; lowering a configuration raises none.
#[test]
fn planning_raises_the_widenings_and_lowering_none() {
    let out_005 = fenceline::lint::rules::out_005_stateless_return_widening::RULE.id;
    let mut seen = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "fence") {
            continue;
        }
        let checked = check_path(&path, &opts()).unwrap();
        let model = checked.model.as_ref().unwrap();
        let (ir, diags) = fenceline::plan::model_to_ir(model);
        let groups: std::collections::BTreeSet<_> = fenceline::plan::replies::widenings(&ir)
            .into_iter()
            .map(|w| (w.device, w.interface, w.conduit))
            .collect();
        let raised = diags.iter().filter(|d| d.code == out_005).count();
        assert_eq!(raised, groups.len(), "{}", path.display());
        seen += raised;
        let stamp = Stamp {
            policy: "p".into(),
            hash: String::new(),
            version: "0",
        };
        let options = EmitOptions::default();
        let cx = EmitContext {
            model,
            ir: &ir,
            stamp: &stamp,
            options: &options,
        };
        let mut emitted = Vec::new();
        fenceline::dialect::emit_all(&cx, Some(&[Target::CiscoIos]), &mut emitted).unwrap();
        assert!(emitted.iter().all(|d| d.code != out_005));
    }
    assert!(seen > 0);
}
