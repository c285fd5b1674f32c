//! The reader and evaluator on a hand-written configuration: first match, implicit rules,
//! numbered and standard ACLs, interface names, and packet spaces that decide like the evaluator.

use super::*;

fn parse(text: &str) -> Result<Resolved, ParseError> {
    super::super::parse::parse(text)?.resolve()
}

const TEXT: &str = "\
! comment
object-group network OG-A
 host 10.0.0.5
 10.1.0.0 255.255.255.0
 range 10.2.0.3 10.2.0.9
object-group service OG-S
 tcp eq 502
 udp range 2222 2223
 icmp echo
ip access-list extended A1
 remark x
 10 permit tcp 10.20.0.0 0.0.0.255 host 10.10.1.5 eq 502
 20 permit udp host 10.20.0.9 10.10.1.0 0.0.0.255 eq 2222 log
 30 permit tcp 10.10.0.0 0.0.255.255 eq www 10.20.0.0 0.0.0.255 established
 permit object-group OG-S object-group OG-A any
 50 permit icmp any any echo-reply
 60 permit tcp any 10.0.0.0 0.255.0.255 gt 1023
 70 deny ip any any log
ipv6 access-list A6
 sequence 10 permit tcp fd00::/64 host fd00:1::1 eq 22
 sequence 20 deny ipv6 any any log
interface GigabitEthernet0/1
 ip access-group A1 in
 ipv6 traffic-filter A6 in
interface GigabitEthernet0/2
 ip access-group MISSING in
access-list 101 remark numbered, extended
access-list 101 permit tcp 10.20.0.0 0.0.0.255 any eq 22
access-list 101 deny udp any any range 2222 2223
access-list 101 permit ip host 10.10.1.5 any
ip access-list standard S1
 10 permit host 10.20.0.9
 20 deny 10.20.0.0 0.0.0.255 log
 30 permit any
access-list 7 permit 10.77.0.0 0.0.255.255
interface GigabitEthernet0/3
 ip access-group 101 in
 ip access-group S1 out
interface GigabitEthernet0/4
 ip access-group 7 in
";

fn pkt(s: &str, d: &str, proto: u8, sport: u16, dport: u16) -> Packet {
    Packet {
        src: s.parse().unwrap(),
        dst: d.parse().unwrap(),
        proto,
        sport,
        dport,
        ack: false,
    }
}

#[test]
fn reads_and_evaluates_first_match() {
    let c = parse(TEXT).unwrap();
    let a = &c.acls["A1"];
    assert_eq!(
        a.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [10, 20, 30, 40, 50, 60, 70]
    );
    let i = "GigabitEthernet0/1";
    assert_eq!(
        c.evaluate_in(i, &pkt("10.20.0.7", "10.10.1.5", 6, 40000, 502), false)
            .seq,
        Some(10)
    );
    assert!(
        !c.evaluate_in(i, &pkt("10.20.0.7", "10.10.1.6", 6, 40000, 502), false)
            .permit
    );
    assert!(
        c.evaluate_in(i, &pkt("10.20.0.9", "10.10.1.77", 17, 5, 2222), false)
            .permit
    );
    // established needs ACK/RST.
    assert!(
        c.evaluate_in(i, &pkt("10.10.3.3", "10.20.0.1", 6, 80, 1000), true)
            .permit
    );
    assert_eq!(
        c.evaluate_in(i, &pkt("10.10.3.3", "10.20.0.1", 6, 80, 1000), false)
            .seq,
        Some(70)
    );
    // object-groups: subnet mask syntax.
    assert_eq!(
        c.evaluate_in(i, &pkt("10.1.0.200", "8.8.8.8", 17, 1, 2223), false)
            .seq,
        Some(40)
    );
    assert_eq!(
        c.evaluate_in(i, &pkt("10.1.1.200", "8.8.8.8", 17, 1, 2223), false)
            .seq,
        Some(70)
    );
    assert_eq!(
        c.evaluate_in(i, &pkt("10.0.0.5", "8.8.8.8", 1, 0, 8), false)
            .seq,
        Some(40)
    );
    // object-groups: `range A B`, both ends included.
    for (a, seq) in [
        ("10.2.0.2", 70),
        ("10.2.0.3", 40),
        ("10.2.0.9", 40),
        ("10.2.0.10", 70),
    ] {
        assert_eq!(
            c.evaluate_in(i, &pkt(a, "8.8.8.8", 6, 1, 502), false).seq,
            Some(seq),
            "{a}"
        );
    }
    // Discontiguous wildcard: 10.x.0.y.
    assert_eq!(
        c.evaluate_in(i, &pkt("1.1.1.1", "10.77.0.9", 6, 1, 2000), false)
            .seq,
        Some(60)
    );
    assert_eq!(
        c.evaluate_in(i, &pkt("1.1.1.1", "10.77.1.9", 6, 1, 2000), false)
            .seq,
        Some(70)
    );
    // IPv6.
    assert!(
        c.evaluate_in(i, &pkt("fd00::9", "fd00:1::1", 6, 1, 22), false)
            .permit
    );
    assert!(
        !c.evaluate_in(i, &pkt("fd00::9", "fd00:1::1", 6, 1, 23), false)
            .permit
    );
    // Missing ACL and unbound interfaces pass everything, as on IOS.
    assert!(
        c.evaluate_in(
            "GigabitEthernet0/2",
            &pkt("1.1.1.1", "2.2.2.2", 6, 1, 1),
            false
        )
        .permit
    );
    assert!(
        c.evaluate_in("Gi9", &pkt("1.1.1.1", "2.2.2.2", 6, 1, 1), false)
            .permit
    );
}

#[test]
fn implicit_nd_permits_only_without_explicit_deny() {
    let c = parse("ipv6 access-list X\n sequence 10 permit tcp any any eq 22\n").unwrap();
    assert!(
        c.evaluate_acl("X", &pkt("fe80::1", "fe80::2", 58, 0, 135), false)
            .permit
    );
    assert!(
        !c.evaluate_acl("X", &pkt("fe80::1", "fe80::2", 58, 0, 128), false)
            .permit
    );
    let c = parse("ipv6 access-list X\n sequence 10 deny ipv6 any any\n").unwrap();
    assert!(
        !c.evaluate_acl("X", &pkt("fe80::1", "fe80::2", 58, 0, 135), false)
            .permit
    );
}

#[test]
fn rejects_what_it_does_not_understand() {
    assert!(parse("ip access-list extended X\n 10 permit tcp 10.0.0.0/24 any\n").is_err());
    assert!(parse("ip access-list extended X\n 10 allow ip any any\n").is_err());
    assert!(parse("ip access-list extended X\n 10 permit ip any any fragments\n").is_err());
    assert!(
        parse("ip access-list extended X\n 10 permit ip any any\n 10 deny ip any any\n").is_err()
    );
    let e = parse("ip access-list extended X\n 10 permit tcp any any eq nosuchport\n").unwrap_err();
    assert_eq!(e.line, 2);
    // A range that ends below its start, or a range in an ACE (IOS takes it in groups only).
    let e = parse("object-group network G\n range 10.0.0.9 10.0.0.1\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("ends below its start"), "{}", e.message);
    assert!(parse("object-group network G\n range 10.0.0.1\n").is_err());
    assert!(
        parse("ip access-list extended X\n 10 permit ip range 10.0.0.1 10.0.0.2 any\n").is_err()
    );
}
/// The packet spaces of the ACLs decide exactly like the evaluator, on every combination of
/// boundary values of the example configuration.
#[test]
fn spaces_decide_like_the_evaluator() {
    use crate::dialect::config::{accepted, intersect};
    let c = parse(TEXT).unwrap();
    let addrs4 = [
        "10.20.0.0",
        "10.20.0.9",
        "10.20.0.255",
        "10.20.1.0",
        "10.10.1.5",
        "10.10.1.6",
        "10.10.3.3",
        "10.0.0.5",
        "10.1.0.200",
        "10.1.1.200",
        "10.2.0.2",
        "10.2.0.3",
        "10.2.0.9",
        "10.2.0.10",
        "10.77.0.9",
        "10.77.1.9",
        "8.8.8.8",
    ];
    let addrs6 = ["fd00::9", "fd00:0:0:1::9", "fd00:1::1", "fd00:1::2", "::"];
    let protos = [1u8, 6, 17, 47, 58];
    let sports = [0u16, 1, 80, 443, 40000];
    let dports = [
        0u16, 8, 22, 23, 135, 136, 502, 1023, 1024, 2222, 2223, 2224, 65535,
    ];
    let mut n = 0;
    for iface in [
        "GigabitEthernet0/1",
        "GigabitEthernet0/2",
        "GigabitEthernet0/3",
        "GigabitEthernet0/4",
        "Gi9",
    ] {
        let inb = accepted(&c.filter_items("t.txt", iface, true).unwrap());
        let out = accepted(&c.filter_items("t.txt", iface, false).unwrap());
        let both = intersect(&inb, &out, false);
        for (fam, addrs) in [(4, &addrs4[..]), (6, &addrs6[..])] {
            for s in addrs {
                for d in addrs {
                    for &proto in &protos {
                        if (proto == 1 && fam == 6) || (proto == 58 && fam == 4) {
                            continue;
                        }
                        for &sport in &sports {
                            for &dport in &dports {
                                let (sport, dport) = match proto {
                                    6 | 17 => (sport, dport),
                                    1 | 58 if dport < 256 => (0, dport),
                                    1 | 58 => continue,
                                    _ => (0, 0),
                                };
                                for ack in [false, true] {
                                    if ack && proto != 6 {
                                        continue;
                                    }
                                    let mut p = pkt(s, d, proto, sport, dport);
                                    p.ack = ack;
                                    let want = c.evaluate_in(iface, &p, ack).permit;
                                    assert_eq!(inb.contains(&p).is_some(), want, "{iface}: {p}");
                                    let out_ok = c.evaluate_out(iface, &p, ack).permit;
                                    assert_eq!(
                                        both.contains(&p).is_some(),
                                        want && out_ok,
                                        "{iface} in and out: {p}"
                                    );
                                    n += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(n > 10_000, "{n}");
}

/// A zone-based firewall: zones, a member in no zone, zone-pairs one way only, self pairs in
/// one direction, match-any and match-all class-maps of ACLs (IPv4 and IPv6) and protocols,
/// every action, and a policy-map given in two blocks.
const ZBF: &str = "\
ip access-list extended C4
 10 permit tcp 10.20.0.0 0.0.0.255 host 10.10.1.5 eq 502
 20 deny tcp any any eq 503
 30 permit udp any any range 2222 2223
ipv6 access-list C6
 sequence 10 permit tcp fd00::/64 host fd00:1::1 eq 22
ip access-list extended P4
 10 permit 47 host 10.20.0.9 any
 20 permit icmp any any echo
zone security z1
zone security z2
class-map type inspect match-any CA
 description read, not kept
 match access-group name C4
 match access-group name C6
class-map type inspect match-all CB
 match access-group name P4
 match protocol icmp
class-map type inspect match-any CP
 match protocol udp
class-map type inspect match-any CG
 match access-group name P4
policy-map type inspect PM1
 class type inspect CA
  inspect
 class type inspect CB
  pass log
policy-map type inspect PM1
 class type inspect CG
  pass
 class class-default
  drop log
policy-map type inspect PM2
 class type inspect CP
  drop
 class type inspect CA
 class class-default
  pass
zone-pair security Z12 source z1 destination z2
 service-policy type inspect PM1
zone-pair security Z2S source z2 destination self
 service-policy type inspect PM2
zone-pair security S1 source self destination z1
interface GigabitEthernet0/1
 zone-member security z1
interface GigabitEthernet0/2
 zone-member security z2
interface GigabitEthernet0/3
";

#[test]
fn zone_based_firewall_spaces_decide_like_the_evaluator() {
    use crate::dialect::config::accepted;
    let c = parse(ZBF).unwrap();
    assert!(c.zbf.active());
    let addrs4 = [
        "10.20.0.0",
        "10.20.0.9",
        "10.20.1.0",
        "10.10.1.5",
        "10.10.1.6",
    ];
    let addrs6 = ["fd00::9", "fd00:1::1", "fd00:1::2"];
    let sides = [
        Some("GigabitEthernet0/1"),
        Some("Gi0/2"),
        Some("GigabitEthernet0/3"),
        None,
    ];
    let mut n = 0;
    let mut passed = 0;
    for from in sides {
        for to in sides {
            if from == to {
                continue;
            }
            let items = c.zbf_items("z.txt", from, to).unwrap();
            let space = accepted(&items);
            for (fam, addrs) in [(4, &addrs4[..]), (6, &addrs6[..])] {
                for s in addrs {
                    for d in addrs {
                        for proto in [1u8, 6, 17, 47, 58] {
                            if (proto == 1 && fam == 6) || (proto == 58 && fam == 4) {
                                continue;
                            }
                            for dport in [0u16, 8, 22, 502, 503, 2222, 2224] {
                                let dport = match proto {
                                    6 | 17 => dport,
                                    1 | 58 if dport < 256 => dport,
                                    _ => 0,
                                };
                                let p = pkt(
                                    s,
                                    d,
                                    proto,
                                    40000 * u16::from(matches!(proto, 6 | 17)),
                                    dport,
                                );
                                let want = c.evaluate_zbf(from, to, &p).permit;
                                let got = items.is_empty() || space.contains(&p).is_some();
                                assert_eq!(got, want, "{from:?} -> {to:?}: {p}");
                                n += 1;
                                passed += usize::from(want);
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(n > 1_000 && passed > 100 && passed < n, "{n} {passed}");
    // IOS's rules, by example: z1 -> z2 inspects the class ACL's TCP, z2 -> z1 has no
    // zone-pair, a zone member and an interface in no zone never talk, z1 -> self passes
    // everything (no zone-pair), self -> z1 drops everything (a zone-pair without a policy).
    let tcp = pkt("10.20.0.9", "10.10.1.5", 6, 40000, 502);
    let (g1, g2, g3) = (
        Some("GigabitEthernet0/1"),
        Some("GigabitEthernet0/2"),
        Some("GigabitEthernet0/3"),
    );
    assert!(c.evaluate_zbf(g1, g2, &tcp).permit);
    assert!(!c.evaluate_zbf(g2, g1, &tcp).permit);
    assert!(!c.evaluate_zbf(g1, g3, &tcp).permit);
    assert!(c.evaluate_zbf(g1, None, &tcp).permit);
    assert!(!c.evaluate_zbf(None, g1, &tcp).permit);
    assert!(c.evaluate_zbf(g3, None, &tcp).permit);
}

#[test]
fn zone_based_firewall_refuses_what_ios_refuses() {
    let undefined = "interface GigabitEthernet0/1\n zone-member security z9\n";
    assert!(parse(undefined).is_err());
    let twice = "zone security a\nzone security b\nzone-pair security P1 source a destination b\nzone-pair security P2 source a destination b\n";
    assert!(parse(twice).is_err());
    let kinds = "class-map type inspect match-any C\nclass-map type inspect match-all C\n";
    assert!(parse(kinds).is_err());
    for bad in [
        "class-map type inspect match-any C\n match protocol http\n",
        "policy-map type inspect P\n class type inspect C\n  inspect\n  pass\n",
        "policy-map type inspect P\n class type inspect C\n  police rate 1000\n",
        "zone security a\nzone-pair security P source a destination self\n service-policy type qos X\n",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn wildcards_and_port_operators_as_intervals() {
    // 10.x.0.y: 256 intervals of 256 addresses.
    let w = wildcard_ivs(0x0A00_0000, 0x00FF_00FF).unwrap();
    assert_eq!(w.0.len(), 256);
    assert_eq!(w.count(), 65536);
    assert!(w.contains(0x0A4D_0009) && !w.contains(0x0A4D_0109));
    assert_eq!(
        wildcard_ivs(0, u32::MAX).unwrap(),
        Ivs::range(0, u32::MAX as u128)
    );
    assert_eq!(
        wildcard_ivs(0x0A00_0005, 0).unwrap(),
        Ivs::point(0x0A00_0005)
    );
    assert!(
        wildcard_ivs(0, 0xEAAA_AAAA).is_err(),
        "17 discontiguous bits"
    );
    assert_eq!(port_ivs(Some(PortOp::Lt(0))), Ivs::empty());
    assert_eq!(port_ivs(Some(PortOp::Gt(65535))), Ivs::empty());
    assert_eq!(port_ivs(Some(PortOp::Neq(0))), Ivs::range(1, 65535));
    assert_eq!(port_ivs(Some(PortOp::Range(5, 7))), Ivs::range(5, 7));
    assert!(
        icmp_ivs(Some(IcmpMatch {
            ty: 3,
            code: Some(1),
            named: false
        }))
        .is_err(),
        "ICMP codes are refused"
    );
}
#[test]
fn numbered_and_standard_acls() {
    let c = parse(TEXT).unwrap();
    assert!(c.acls["7"].standard && !c.acls["101"].standard && c.acls["S1"].standard);
    assert_eq!(c.acls["101"].entries.len(), 3, "the remark is no entry");
    let p = |s, d, proto, dport| pkt(s, d, proto, 40000, dport);
    let (g3, g4) = ("GigabitEthernet0/3", "GigabitEthernet0/4");
    assert!(
        c.evaluate_in(g3, &p("10.20.0.5", "1.1.1.1", 6, 22), false)
            .permit
    );
    assert!(
        !c.evaluate_in(g3, &p("10.20.0.5", "1.1.1.1", 6, 23), false)
            .permit
    );
    assert_eq!(
        c.evaluate_in(g3, &p("10.10.1.5", "1.1.1.1", 17, 2222), false)
            .seq,
        Some(20),
        "the deny comes first"
    );
    assert!(
        c.evaluate_in(g3, &p("10.10.1.5", "1.1.1.1", 17, 53), false)
            .permit
    );
    assert!(
        c.evaluate_out(g3, &p("10.20.0.9", "1.1.1.1", 6, 1), false)
            .permit
    );
    assert!(
        !c.evaluate_out(g3, &p("10.20.0.7", "1.1.1.1", 6, 1), false)
            .permit
    );
    assert!(
        c.evaluate_out(g3, &p("10.30.0.7", "1.1.1.1", 6, 1), false)
            .permit
    );
    assert!(
        c.evaluate_in(g4, &p("10.77.5.5", "1.1.1.1", 47, 0), false)
            .permit
    );
    assert!(
        !c.evaluate_in(g4, &p("10.78.0.1", "1.1.1.1", 6, 1), false)
            .permit
    );
    assert!(parse("access-list 300 permit any\n").is_err());
    assert!(parse("access-list 5 permit tcp any any\n").is_err());
}

#[test]
fn interface_lines_name_interfaces_as_ios_does() {
    let cfg = parse(
        "interface GigabitEthernet0/1\n ip access-group A in\n\
         interface gi 0/01\n ip access-group B in\n\
         interface Serial0/1/0:0 point-to-point\n ip access-group C in\n\
         interface Po 10\n ipv6 traffic-filter D out\n\
         interface range Gi1/0/1 - 4\n ip access-group E in\n\
         interface outside\n ip access-group F in\n",
    )
    .unwrap();
    let names: Vec<&str> = cfg.interfaces.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "GigabitEthernet0/1",
            "Port-channel10",
            "Serial0/1/0:0",
            "outside"
        ]
    );
    // The later binding under another spelling replaced the first, as on IOS.
    for name in ["GigabitEthernet0/1", "Gi0/1", "gigabitethernet0/1"] {
        let b = cfg.binding(name).unwrap();
        assert_eq!(b.v4_in.as_deref(), Some("B"), "{name}");
    }
    assert_eq!(
        cfg.binding("Se0/1/0:0").unwrap().v4_in.as_deref(),
        Some("C")
    );
    assert_eq!(
        cfg.binding("Port-channel10").unwrap().v6_out.as_deref(),
        Some("D")
    );
    assert_eq!(cfg.binding("outside").unwrap().v4_in.as_deref(), Some("F"));
}

/// A configuration written as a device prints it (names for ports and protocols, unnumbered
/// and numbered entries, ranges) reads back from fenceline's printing as the same configuration,
/// deciding alike.
#[test]
fn live_text_prints_and_reads_back_as_itself() {
    let c = super::super::parse::parse(TEXT).unwrap();
    let printed = c.to_string();
    let again = super::super::parse::parse(&printed).unwrap();
    assert_eq!(again, c, "{printed}");
    let (a, b) = (c.resolve().unwrap(), again.resolve().unwrap());
    for (name, acl) in &a.acls {
        let seqs = |r: &Resolved| {
            r.acls[name]
                .entries
                .iter()
                .map(|e| e.seq)
                .collect::<Vec<_>>()
        };
        assert_eq!(seqs(&a), seqs(&b), "{name}");
        assert_eq!(acl.v6, b.acls[name].v6);
    }
    assert_eq!(a.interfaces, b.interfaces);
    let p = pkt("10.10.3.3", "10.20.0.1", 6, 80, 1000);
    for ack in [false, true] {
        let (x, y) = (
            a.evaluate_in("GigabitEthernet0/1", &p, ack),
            b.evaluate_in("GigabitEthernet0/1", &p, ack),
        );
        assert_eq!((x.permit, x.seq), (y.permit, y.seq));
    }
}

// ---------------------------------------------------------------------------------------------
// The router's own traffic, lowered from a plan with `DeviceIr::local` and read back: the
// generated text decides, through the reader and evaluator.

mod own_traffic {
    use super::pkt;
    use crate::dialect::cisco_ios::{ast::*, parse::parse, CiscoIosRouter};
    use crate::dialect::{Dialect, EmitContext, EmitOptions, Filters, Stamp};
    use crate::model::{resolve::resolve, FlowRef, Model};
    use crate::plan::replies;
    use crate::syntax::loader::load_from_text;
    use std::path::Path;

    const WAN: &str = "GigabitEthernet0/0/0";
    const STATION: &str = "GigabitEthernet0/0/1";

    /// The substation router, with its WAN peer, OSPF on the WAN, SSH from the control
    /// centre's EWS (crossing `rtr-core`) when `ssh`, and a conduit from the whole WAN.
    fn policy(ssh: bool) -> String {
        format!(
            "
zone wan {{ level 2 sl-target 2 network 10.90.0.0/24 asset rtr-cc 10.90.0.1 }}
zone station {{ level 1 sl-target 2 network 10.101.0.0/24 asset rtu 10.101.0.10 }}
zone control-center {{ level 3 sl-target 3 network 10.30.0.0/24 asset ews 10.30.0.5 }}
conduit wan-station {{
  connects wan, station
  sl-target 2
  allow wan -> station.rtu modbus
}}
router rtr-core {{
  target cisco-ios
  interface GigabitEthernet0/0 control-center
  interface GigabitEthernet0/1 wan
}}
router rtr-sub {{
  target cisco-ios
  interface GigabitEthernet0/0/0 wan address 10.90.0.2
  interface GigabitEthernet0/0/1 station address 10.101.0.1
  allow wan.rtr-cc -> self bgp, bfd
  allow self -> wan.rtr-cc bgp, bfd
  allow wan -> self ospf
  {}
}}
",
            if ssh {
                {
                    "allow control-center.ews -> self ssh"
                }
            } else {
                {
                    ""
                }
            }
        )
    }

    /// The model and plan of [`policy`], and rtr-sub's index in the plan.
    fn fixture(ssh: bool) -> (Model, crate::plan::Ir, usize) {
        let r = resolve(&load_from_text(
            "p.fence",
            Path::new("p.fence"),
            policy(ssh),
        ));
        assert!(
            !r.diagnostics.iter().any(|d| d.is_error()),
            "{:#?}",
            r.diagnostics
        );
        let model = r.model.unwrap();
        let (ir, _) = crate::plan::model_to_ir(&model);
        let di = ir.devices.iter().position(|x| x.name == "rtr-sub").unwrap();
        (model, ir, di)
    }

    fn lowered(ssh: bool) -> (String, IosConfig) {
        let (model, ir, di) = fixture(ssh);
        let stamp = Stamp {
            policy: "p".into(),
            hash: "0".repeat(64),
            version: "0",
        };
        let options = EmitOptions::default();
        let cx = EmitContext {
            model: &model,
            ir: &ir,
            stamp: &stamp,
            options: &options,
        };
        let mut diags = Vec::new();
        let config = CiscoIosRouter
            .lower(&cx, &ir.devices[di], &mut diags)
            .unwrap();
        let text = config.to_string();
        let back = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, config, "{text}");
        assert_eq!(back.to_string(), text);
        (text, back)
    }

    fn ack(mut p: crate::packet::Packet) -> crate::packet::Packet {
        p.ack = true;
        p
    }

    #[test]
    fn the_router_admits_exactly_its_declared_traffic() {
        let (text, cfg) = lowered(true);
        let r = cfg.resolved().as_ref().unwrap();
        let permit = |iface: &str, p: &crate::packet::Packet| r.evaluate_in(iface, p, p.ack).permit;
        // SSH from the EWS to either of the router's addresses, by the WAN interface only.
        let ssh = pkt("10.30.0.5", "10.90.0.2", 6, 40000, 22);
        assert!(permit(WAN, &ssh), "{text}");
        assert!(permit(WAN, &pkt("10.30.0.5", "10.101.0.1", 6, 40000, 22)));
        assert!(!permit(STATION, &ssh));
        assert!(!permit(WAN, &pkt("10.30.0.6", "10.90.0.2", 6, 40000, 22)));
        assert!(!permit(WAN, &pkt("10.30.0.5", "10.90.0.2", 6, 40000, 23)));
        // BGP and BFD from the peer; OSPF hellos from the WAN to 224.0.0.5.
        assert!(permit(WAN, &pkt("10.90.0.1", "10.90.0.2", 6, 40000, 179)));
        assert!(permit(WAN, &pkt("10.90.0.1", "10.90.0.2", 17, 49152, 3784)));
        assert!(!permit(WAN, &pkt("10.90.0.9", "10.90.0.2", 6, 40000, 179)));
        assert!(permit(WAN, &pkt("10.90.0.7", "224.0.0.5", 89, 0, 0)));
        assert!(permit(WAN, &pkt("10.90.0.7", "224.0.0.6", 89, 0, 0)));
        assert!(!permit(WAN, &pkt("10.90.0.7", "224.0.0.9", 89, 0, 0)));
        // The groups are link-local: OSPF hellos reach the router from the WAN's link only.
        assert!(!permit(STATION, &pkt("10.101.0.7", "224.0.0.5", 89, 0, 0)));
        // Replies of the router's own BGP session (it connected out): ACK from port 179 only.
        let back = pkt("10.90.0.1", "10.90.0.2", 6, 179, 40000);
        assert!(permit(WAN, &ack(back.clone())));
        assert!(!permit(WAN, &back));
        assert!(permit(WAN, &pkt("10.90.0.1", "10.90.0.2", 17, 3785, 49152)));
        // Anti-spoofing: the router's own addresses as sources are denied before any permit,
        // the wide OSPF permit and the forward flow from the whole WAN included.
        for own in ["10.90.0.2", "10.101.0.1"] {
            assert!(!permit(WAN, &pkt(own, "224.0.0.5", 89, 0, 0)), "{own}");
            assert!(
                !permit(WAN, &pkt(own, "10.101.0.10", 6, 40000, 502)),
                "{own}"
            );
        }
        assert!(permit(WAN, &pkt("10.90.0.3", "10.101.0.10", 6, 40000, 502)));
    }

    #[test]
    fn traffic_the_router_originates_meets_no_acl() {
        let (_, cfg) = lowered(true);
        for iface in [WAN, STATION] {
            assert!(cfg.local(iface, false).unwrap().is_empty());
            let to = cfg.local(iface, true).unwrap();
            let inbound = cfg.interface(iface, true).unwrap().unwrap();
            assert_eq!(to.len(), 1);
            let tags = |v: &[crate::dialect::config::Item]| {
                v.iter().map(|i| i.tag.to_string()).collect::<Vec<_>>()
            };
            assert_eq!(tags(&to[0]), tags(&inbound));
        }
    }

    #[test]
    fn terminal_lines_follow_the_ssh_flows() {
        let (text, cfg) = lowered(true);
        assert!(
            text.contains("line vty 0 15\n access-class FL-VTY-"),
            "{text}"
        );
        assert!(text.contains("\n transport input ssh\n"), "{text}");
        let r = cfg.resolved().as_ref().unwrap();
        let ssh = pkt("10.30.0.5", "10.90.0.2", 6, 40000, 22);
        for line in [0, 4, 15] {
            assert!(r.evaluate_vty(line, &ssh, "ssh").permit);
            assert!(!r.evaluate_vty(line, &ssh, "telnet").permit);
            assert!(
                !r.evaluate_vty(line, &pkt("10.90.0.1", "10.90.0.2", 6, 40000, 22), "ssh")
                    .permit
            );
        }
        // No SSH to the router: no terminal session at all.
        let (text, cfg) = lowered(false);
        assert!(
            text.contains("line vty 0 15\n transport input none\n"),
            "{text}"
        );
        assert!(!text.contains("FL-VTY-"), "{text}");
        let r = cfg.resolved().as_ref().unwrap();
        assert!(!r.evaluate_vty(0, &ssh, "ssh").permit);
    }

    /// The replies of what the router originates widen the policy like any stateless reply:
    /// planning lists them (and raises OUT-005 for them) on the interface they enter by.
    #[test]
    fn replies_of_the_routers_own_traffic_are_widenings() {
        let (_, ir, di) = fixture(true);
        let ws = replies::device_widenings(&ir.devices[di]);
        let own: Vec<(&str, &str, &str)> = ws
            .iter()
            .filter(|w| matches!(w.flow, FlowRef::SelfFlow { .. }))
            .map(|w| (w.interface.as_str(), w.kind.as_str(), w.item.as_str()))
            .collect();
        assert_eq!(
            own,
            [
                (WAN, "tcp-established", "tcp/179"),
                (WAN, "udp-source-port", "udp/3784"),
                (WAN, "udp-source-port", "udp/3785"),
                (WAN, "udp-source-port", "udp/4784")
            ],
            "{ws:?}"
        );
    }

    /// A `show running-config` of the terminal lines reads into the same settings.
    #[test]
    fn running_config_terminal_lines() {
        let text = "\
access-list 23 permit host 10.30.0.5
access-list 23 deny any log
line con 0
 exec-timeout 5 0
line vty 0 4
 access-class 23 in vrf-also
 transport input ssh telnet
line vty 5 15
 transport input none
";
        let cfg = parse(text).unwrap();
        assert_eq!(cfg.to_string(), text);
        let r = cfg.resolved().as_ref().unwrap();
        let ssh = pkt("10.30.0.5", "10.90.0.2", 6, 40000, 22);
        assert!(r.evaluate_vty(0, &ssh, "telnet").permit);
        assert!(
            !r.evaluate_vty(4, &pkt("10.30.0.6", "10.90.0.2", 6, 1, 22), "ssh")
                .permit
        );
        assert!(!r.evaluate_vty(5, &ssh, "ssh").permit);
        assert!(r.evaluate_vty(16, &ssh, "ssh").permit);
        assert_eq!(r.vty[&0].v4_class.as_deref(), Some("23"));
    }
}

// ---------------------------------------------------------------------------------------------
// A cluster of routers: VRRP between the nodes on the sync interface, and verify's view of it.

mod cluster_sync {
    use super::pkt;
    use crate::dialect::cisco_ios::{parse::parse, CiscoIosRouter};
    use crate::dialect::{Dialect, EmitContext, EmitOptions, Stamp};
    use crate::model::resolve::resolve;
    use crate::syntax::loader::load_from_text;
    use std::path::Path;

    const POLICY: &str = "
zone wan { level 2 sl-target 2 network 10.90.0.0/24 }
zone ha { level 2 sl-target 2 network 10.99.0.0/29 }
router rtr {
  target cisco-ios
  cluster rtr-a, rtr-b
  sync GigabitEthernet0/1
  interface GigabitEthernet0/0 wan address 10.90.0.1 nodes 10.90.0.2, 10.90.0.3
  interface GigabitEthernet0/1 ha address 10.99.0.1 nodes 10.99.0.2, 10.99.0.3
}
";

    /// The cluster's router's configuration text.
    fn built() -> String {
        let r = resolve(&load_from_text(
            "p.fence",
            Path::new("p.fence"),
            POLICY.to_string(),
        ));
        assert!(
            !r.diagnostics.iter().any(|d| d.is_error()),
            "{:#?}",
            r.diagnostics
        );
        let model = r.model.unwrap();
        let (ir, _) = crate::plan::model_to_ir(&model);
        assert!(ir.devices[0].sync.is_some());
        let stamp = Stamp {
            policy: "p".into(),
            hash: "0".repeat(64),
            version: "0",
        };
        let options = EmitOptions::default();
        let cx = EmitContext {
            model: &model,
            ir: &ir,
            stamp: &stamp,
            options: &options,
        };
        let config = CiscoIosRouter
            .lower(&cx, &ir.devices[0], &mut Vec::new())
            .unwrap();
        config.to_string()
    }

    #[test]
    fn vrrp_between_the_nodes_on_the_sync_interface_only() {
        let text = built();
        let r = parse(&text).unwrap();
        let r = r.resolved().as_ref().unwrap();
        let vrrp = |s: &str, d: &str| pkt(s, d, 112, 0, 0);
        let (ha, wan) = ("GigabitEthernet0/1", "GigabitEthernet0/0");
        assert!(
            r.evaluate_in(ha, &vrrp("10.99.0.3", "224.0.0.18"), false)
                .permit,
            "{text}"
        );
        assert!(
            r.evaluate_in(ha, &vrrp("10.99.0.2", "224.0.0.18"), false)
                .permit
        );
        // The shared address is never a source from outside; other hosts and links get nothing.
        assert!(
            !r.evaluate_in(ha, &vrrp("10.99.0.1", "224.0.0.18"), false)
                .permit
        );
        assert!(
            !r.evaluate_in(ha, &vrrp("10.99.0.4", "224.0.0.18"), false)
                .permit
        );
        assert!(
            !r.evaluate_in(wan, &vrrp("10.90.0.3", "224.0.0.18"), false)
                .permit
        );
        // Each node's own address is its partner's source: not denied as forged.
        assert!(!text.contains("deny ip host 10.99.0.2"), "{text}");
        assert!(text.contains("deny ip host 10.99.0.1 any log"), "{text}");
    }
}

/// Two identical skids translated in a VRF each, behind a zone-based firewall: its class ACLs
/// name the skids' inside addresses, the addresses it sees.
const ZBF_NAT: &str = "\
vrf definition V1
 address-family ipv4
 exit-address-family
vrf definition V2
 address-family ipv4
 exit-address-family
zone security ops
zone security s1
zone security s2
ip access-list extended TO-PLC
 10 permit tcp host 10.30.0.10 host 192.168.1.10 eq 502
ip access-list extended FROM-PLC
 10 permit udp host 192.168.1.10 host 10.30.0.20 eq 123
class-map type inspect match-any TO-PLC
 match access-group name TO-PLC
class-map type inspect match-any FROM-PLC
 match access-group name FROM-PLC
policy-map type inspect TO-PLC
 class type inspect TO-PLC
  inspect
 class class-default
  drop log
policy-map type inspect FROM-PLC
 class type inspect FROM-PLC
  inspect
 class class-default
  drop log
zone-pair security OPS-S1 source ops destination s1
 service-policy type inspect TO-PLC
zone-pair security S2-OPS source s2 destination ops
 service-policy type inspect FROM-PLC
interface GigabitEthernet0/0
 ip nat outside
 zone-member security ops
interface GigabitEthernet0/1
 vrf forwarding V1
 ip nat inside
 zone-member security s1
interface GigabitEthernet0/2
 vrf forwarding V2
 ip nat inside
 zone-member security s2
ip nat inside source static network 192.168.1.0 10.50.1.0 /24 vrf V1
ip nat inside source static network 192.168.1.0 10.50.2.0 /24 vrf V2
";

#[test]
fn zone_based_firewall_with_nat_decides_in_the_plant_view_like_the_evaluator() {
    use crate::dialect::config::accepted;
    let c = parse(ZBF_NAT).unwrap();
    let addrs = [
        "10.30.0.10",
        "10.30.0.20",
        "192.168.1.10",
        "10.50.1.10",
        "10.50.2.10",
        "10.50.1.11",
    ];
    let sides = [
        Some("GigabitEthernet0/0"),
        Some("GigabitEthernet0/1"),
        Some("GigabitEthernet0/2"),
        None,
    ];
    let mut n = 0;
    let mut passed = 0;
    for from in sides {
        for to in sides {
            if from == to {
                continue;
            }
            let space = accepted(&c.zbf_items("z.txt", from, to).unwrap());
            for s in addrs {
                for d in addrs {
                    for (proto, dport) in [(6u8, 502u16), (6, 503), (17, 123)] {
                        // The plant's packet, and as it enters on the wire (a skid's host
                        // at its inside address).
                        let p = pkt(s, d, proto, 40000, dport);
                        let mut wire = p.clone();
                        if let Some(f) = from {
                            wire.src = c.seen(f, p.src);
                        }
                        let want = c.evaluate_zbf(from, to, &wire).permit;
                        assert_eq!(
                            space.contains(&p).is_some(),
                            want,
                            "{from:?} -> {to:?}: {p}"
                        );
                        n += 1;
                        passed += usize::from(want);
                    }
                }
            }
        }
    }
    assert!(passed > 0 && passed < n, "{n} {passed}");
    // The plant reaches each PLC at its outside address; the firewall sees the inside one.
    let (g0, g1, g2) = (
        Some("GigabitEthernet0/0"),
        Some("GigabitEthernet0/1"),
        Some("GigabitEthernet0/2"),
    );
    // Packets as they enter on the wire.
    assert!(
        c.evaluate_zbf(g0, g1, &pkt("10.30.0.10", "10.50.1.10", 6, 40000, 502))
            .permit
    );
    // An inside address from the global table never reaches the VRF.
    assert!(
        !c.evaluate_zbf(g0, g1, &pkt("10.30.0.10", "192.168.1.10", 6, 40000, 502))
            .permit
    );
    assert!(
        !c.evaluate_zbf(g0, g2, &pkt("10.30.0.10", "10.50.2.10", 6, 40000, 502))
            .permit
    );
    assert!(
        c.evaluate_zbf(g2, g0, &pkt("192.168.1.10", "10.30.0.20", 17, 40000, 123))
            .permit
    );
    assert!(
        !c.evaluate_zbf(g2, g0, &pkt("10.50.2.10", "10.30.0.20", 17, 40000, 123))
            .permit
    );
    assert!(
        !c.evaluate_zbf(g1, g0, &pkt("192.168.1.10", "10.30.0.20", 17, 40000, 123))
            .permit
    );
    // Without VRFs the global table routes the inside network: a class naming an inside
    // address passes it sent there directly (the inbound ACL has to deny it).
    let flat = parse(
        &ZBF_NAT
            .replace(" vrf forwarding V1\n", "")
            .replace(" vrf V1\n", "\n")
            .replace(
                "ip nat inside source static network 192.168.1.0 10.50.2.0 /24 vrf V2\n",
                "",
            ),
    )
    .unwrap();
    assert!(
        flat.evaluate_zbf(g0, g1, &pkt("10.30.0.10", "192.168.1.10", 6, 40000, 502))
            .permit
    );
    assert!(
        flat.evaluate_zbf(g0, g1, &pkt("10.30.0.10", "10.50.1.10", 6, 40000, 502))
            .permit
    );
    let space = accepted(&flat.zbf_items("z.txt", g0, g1).unwrap());
    assert!(space
        .contains(&pkt("10.30.0.10", "192.168.1.10", 6, 40000, 502))
        .is_some());
    assert!(space
        .contains(&pkt("10.30.0.10", "10.50.1.10", 6, 40000, 502))
        .is_some());
}
