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
