//! The `cisco-ios` target, proved on its own output: every example in `examples/` is built, each
//! device's `cisco-ios.txt` is read back by `verify::ios`, and packets are decided by the parsed
//! ACLs and by the policy (`policy_decision`, the reference semantics):
//! - every allowed flow passes the inbound ACL of every IOS device on its path, and its replies
//!   pass the inbound ACL of the interface they come back by;
//! - sampled denied packets (wrong port, wrong source, spoofed source, reverse TCP without ACK,
//!   zones no flow connects) are dropped by every IOS device on their path, unless a reported
//!   widening (`OUT-005`) explains them.
//!
//! Snapshots of every output live in `tests/snapshots/cisco_ios__*.snap`; after adding an example,
//! run `cargo insta review` (or `INSTA_UPDATE=always cargo test --test cisco_ios`) and review them.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::dialect::cisco_ios::ast::AddrMatch;
use fenceline::dialect::cisco_ios::ast::Resolved as IosConfig;
use fenceline::dialect::cisco_ios::parse as ios;
use fenceline::dialect::EmitOptions;
use fenceline::driver::{check_path, check_text, CheckOptions, Checked};
use fenceline::model::graph::ZoneGraph;
use fenceline::model::policy_decision;
use fenceline::model::{AddrSet, DeviceId, Model, SelfDirection, ServiceItem, Target, ZoneId};
use fenceline::packet::Packet;
use fenceline::plan::replies::{Widening, WideningKind};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fence"))
        .collect();
    v.sort();
    v
}

fn opts() -> CheckOptions {
    CheckOptions {
        today: Some("2026-11-25".into()),
        ..Default::default()
    }
}

/// A built policy with its IOS configurations parsed back.
struct Case {
    name: String,
    model: Model,
    texts: BTreeMap<String, String>,
    configs: BTreeMap<String, IosConfig>,
    widenings: Vec<Widening>,
    diag_codes: Vec<String>,
}

fn build(name: &str, checked: &Checked, object_groups: bool) -> Case {
    assert!(
        !checked.has_errors(),
        "{name}: {:#?}",
        checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect::<Vec<_>>()
    );
    let model = checked.model.clone().unwrap();
    let bo = BuildOptions {
        check: opts(),
        targets: Some(vec![Target::CiscoIos]),
        emit: EmitOptions {
            cisco_object_groups: object_groups,
            ..Default::default()
        },
    };
    let built = build_checked(checked, &bo).unwrap().unwrap();
    let mut texts = BTreeMap::new();
    let mut configs = BTreeMap::new();
    for o in &built.outputs {
        if let Some(dev) = o.path.strip_suffix("/cisco-ios.txt") {
            let text = String::from_utf8(o.bytes.clone()).unwrap();
            let cfg = ios::parse(&text)
                .and_then(|c| c.resolve())
                .unwrap_or_else(|e| panic!("{name}/{dev}: {e}"));
            configs.insert(dev.to_string(), cfg);
            texts.insert(dev.to_string(), text);
        }
    }
    let widenings = fenceline::plan::replies::widenings(&built.ir);
    let diag_codes = built.diagnostics.iter().map(|d| d.code.clone()).collect();
    Case {
        name: name.to_string(),
        model,
        texts,
        configs,
        widenings,
        diag_codes,
    }
}

/// The text with the policy hash and the compiler version replaced, so snapshots change only when
/// the configuration does.
fn redacted(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with("! policy sha256: ") {
                "! policy sha256: [hash]".to_string()
            } else if let Some(rest) = l.strip_prefix("! fenceline ") {
                format!(
                    "! fenceline [version]:{}",
                    rest.split_once(':').map_or("", |(_, r)| r)
                )
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn build_example(path: &Path, object_groups: bool) -> Case {
    let checked = check_path(path, &opts()).unwrap();
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    build(&name, &checked, object_groups)
}

/// Lowest, highest and a middle address of each interval of one family (at most 6).
fn samples(set: &AddrSet, v6: bool) -> Vec<IpAddr> {
    let mut out = Vec::new();
    if v6 {
        for &(lo, hi) in set.v6.iter().take(2) {
            for a in [lo, hi, lo + (hi - lo) / 2] {
                out.push(IpAddr::V6(Ipv6Addr::from(a)));
            }
        }
    } else {
        for &(lo, hi) in set.v4.iter().take(2) {
            for a in [lo, hi, lo + (hi - lo) / 2] {
                out.push(IpAddr::V4(Ipv4Addr::from(a)));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The first packets a service item allows (lowest and highest port).
fn item_packets(item: &ServiceItem, src: IpAddr, dst: IpAddr) -> Vec<Packet> {
    let p = |proto, dport| Packet {
        ack: false,
        src,
        dst,
        proto,
        sport: 40000,
        dport,
    };
    match *item {
        ServiceItem::Tcp { ports } => vec![p(6, ports.lo), p(6, ports.hi)],
        ServiceItem::Udp { ports } => vec![p(17, ports.lo), p(17, ports.hi)],
        ServiceItem::Icmp { icmp_type } if src.is_ipv4() => {
            vec![p(1, icmp_type.unwrap_or(8) as u16)]
        }
        ServiceItem::Icmpv6 { icmp_type } if src.is_ipv6() => {
            vec![p(58, icmp_type.unwrap_or(128) as u16)]
        }
        ServiceItem::Ip { number } => vec![Packet {
            src,
            dst,
            proto: number,
            sport: 0,
            dport: 0,
            ack: false,
        }],
        ServiceItem::AnyIp => vec![p(6, 443), p(17, 53)],
        _ => Vec::new(),
    }
}

/// The reply to a first packet, with its ACK flag; `None` when nothing answers it.
fn reply(pkt: &Packet) -> Option<(Packet, bool)> {
    let (sport, dport) = match pkt.proto {
        6 | 17 => (pkt.dport, pkt.sport),
        1 => (
            0,
            match pkt.dport {
                8 => 0,
                13 => 14,
                _ => return None,
            },
        ),
        58 => (0, if pkt.dport == 128 { 129 } else { return None }),
        _ => (0, 0),
    };
    Some((
        Packet {
            src: pkt.dst,
            dst: pkt.src,
            proto: pkt.proto,
            sport,
            dport,
            ack: pkt.proto == 6,
        },
        pkt.proto == 6,
    ))
}

/// A packet (in the plant's addresses) as it is on the wire of a device's interface, where its
/// inbound ACL sees it: on an interface that attaches a translated zone, its source at the
/// zone's inside address (IOS filters inbound before translating).
fn wire(case: &Case, device: &str, iface: &str, pkt: &Packet) -> Packet {
    let model = &case.model;
    let zone = model
        .device_id(device)
        .and_then(|d| model.device(d).interfaces.iter().find(|i| i.name == iface))
        .map(|i| model.zone(i.zone));
    let Some(zone) = zone.filter(|z| z.is_translated()) else {
        return pkt.clone();
    };
    let mut src = AddrSet::new();
    src.add_range(pkt.src, pkt.src);
    let inside = zone.to_inside(&src);
    let src = match (pkt.src, inside.v4.first()) {
        (IpAddr::V4(_), Some(&(lo, _))) => IpAddr::V4(Ipv4Addr::from(lo)),
        _ => pkt.src,
    };
    Packet { src, ..pkt.clone() }
}

/// The IOS devices a packet from one zone to another crosses: (device, ingress, egress).
fn ios_hops(
    case: &Case,
    graph: &ZoneGraph,
    from: ZoneId,
    to: ZoneId,
) -> Vec<(String, String, String)> {
    let Some(hops) = graph.hops(from, to) else {
        return Vec::new();
    };
    hops.iter()
        .filter_map(|h| {
            let d = case.model.device(h.device);
            (d.targets.contains(&Target::CiscoIos) && case.configs.contains_key(&d.name)).then(
                || {
                    (
                        d.name.clone(),
                        d.interfaces[h.ingress].name.clone(),
                        d.interfaces[h.egress].name.clone(),
                    )
                },
            )
        })
        .collect()
}

/// What a packet opening a connection from `ingress` to `egress` meets on an IOS device: the
/// inbound ACL of `ingress`, then the zone-based firewall of a router with `inspect`.
fn crossing(
    cfg: &IosConfig,
    ingress: &str,
    egress: &str,
    pkt: &Packet,
    ack: bool,
) -> fenceline::dialect::cisco_ios::semantics::Decision {
    let d = cfg.evaluate_in(ingress, pkt, ack);
    if !d.permit || !cfg.zbf.active() {
        return d;
    }
    cfg.evaluate_zbf(Some(ingress), Some(egress), pkt)
}

/// What a packet to the device itself entering by `iface` meets: the inbound ACL, then the
/// zone-based firewall's zone-pair to `self`.
fn to_device(
    cfg: &IosConfig,
    iface: &str,
    pkt: &Packet,
    ack: bool,
) -> fenceline::dialect::cisco_ios::semantics::Decision {
    let d = cfg.evaluate_in(iface, pkt, ack);
    if !d.permit || !cfg.zbf.active() {
        return d;
    }
    cfg.evaluate_zbf(Some(iface), None, pkt)
}

/// Whether a reported widening on this device and interface explains a permitted packet.
fn widened(case: &Case, device: &str, iface: &str, pkt: &Packet, ack: bool) -> bool {
    case.widenings.iter().any(|w| {
        if w.device != device || w.interface != iface {
            return false;
        }
        // Device-level flows (none in these cases) explain nothing here.
        let Some(flow) = w.flow.flow() else {
            return false;
        };
        let f = case.model.flow(flow);
        let (src, dst) = (
            case.model.endpoint_addrs(f.src),
            case.model.endpoint_addrs(f.dst),
        );
        if !dst.contains(pkt.src) || !src.contains(pkt.dst) {
            return false;
        }
        let item = ServiceItem::parse(&w.item).unwrap();
        match (w.kind, item) {
            (WideningKind::TcpEstablished, ServiceItem::Tcp { ports }) => {
                pkt.proto == 6 && ack && ports.contains(pkt.sport)
            }
            (WideningKind::UdpSourcePort, ServiceItem::Udp { ports }) => {
                pkt.proto == 17 && ports.contains(pkt.sport)
            }
            (WideningKind::IcmpReply, _) => {
                matches!((pkt.proto, pkt.dport), (1, 0) | (1, 14) | (58, 129))
            }
            (WideningKind::ReverseProtocol, ServiceItem::Ip { number }) => pkt.proto == number,
            (WideningKind::ReverseProtocol, ServiceItem::AnyIp) => true,
            _ => false,
        }
    })
}

#[derive(Default)]
struct Tally {
    allowed: usize,
    replies: usize,
    denied: usize,
    widened: usize,
}

/// Checks a denied packet at every IOS device on its path; returns whether any device decided it.
fn expect_denied(case: &Case, graph: &ZoneGraph, pkt: &Packet, ack: bool, tally: &mut Tally) {
    if policy_decision(&case.model, pkt).is_some() {
        return;
    }
    let (Some(zs), Some(zd)) = (case.model.zone_of(pkt.src), case.model.zone_of(pkt.dst)) else {
        return;
    };
    if zs == zd {
        return;
    }
    let hops = ios_hops(case, graph, zs, zd);
    if hops.is_empty() {
        return;
    }
    for (dev, ingress, egress) in &hops {
        let w = wire(case, dev, ingress, pkt);
        let d = crossing(&case.configs[dev], ingress, egress, &w, ack);
        if d.permit {
            assert!(
                widened(case, dev, ingress, pkt, ack),
                "{}: {dev} {ingress} permits {pkt} (ack {ack}) by `{}`, which the policy denies and no widening explains",
                case.name,
                d.text
            );
            tally.widened += 1;
        } else {
            tally.denied += 1;
        }
    }
}

/// The whole proof for one built case.
fn prove(case: &Case) -> Tally {
    let model = &case.model;
    let graph = ZoneGraph::build(model);
    let mut t = Tally::default();
    for fid in model.flow_ids() {
        let f = model.flow(fid);
        let hops = ios_hops(case, &graph, f.src.zone, f.dst.zone);
        let (src, dst) = (model.endpoint_addrs(f.src), model.endpoint_addrs(f.dst));
        for v6 in [false, true] {
            for s in samples(src, v6) {
                for d in samples(dst, v6) {
                    for sid in &f.services {
                        let one_way = model.service(*sid).flags.one_way;
                        for item in &model.service(*sid).items {
                            for pkt in item_packets(item, s, d) {
                                assert!(
                                    policy_decision(model, &pkt).is_some(),
                                    "{}: reference denies {pkt}",
                                    case.name
                                );
                                for (dev, ingress, egress) in &hops {
                                    let dec = crossing(
                                        &case.configs[dev],
                                        ingress,
                                        egress,
                                        &wire(case, dev, ingress, &pkt),
                                        false,
                                    );
                                    // A router with `inspect` keeps state for TCP, UDP and ICMP
                                    // (not for one-way services, which it passes): their replies
                                    // meet the inbound ACL only.
                                    let tracked = case.configs[dev].zbf.active()
                                        && item.inspectable()
                                        && !one_way;
                                    // A source the router owns is forged, whatever zone holds it.
                                    let forged = model.device_id(dev).is_some_and(|d| {
                                        model.device(d).own_addrs().contains(pkt.src)
                                    });
                                    if forged {
                                        assert!(
                                            !dec.permit,
                                            "{}: {dev} {ingress} lets forged {pkt} in",
                                            case.name
                                        );
                                        t.denied += 1;
                                        continue;
                                    }
                                    assert!(
                                        dec.permit,
                                        "{}: {dev} {ingress} drops allowed {pkt} ({})",
                                        case.name, dec.text
                                    );
                                    t.allowed += 1;
                                    if let Some((r, ack)) = reply(&pkt) {
                                        let w = wire(case, dev, egress, &r);
                                        let dec = if tracked {
                                            case.configs[dev].evaluate_in(egress, &w, ack)
                                        } else {
                                            crossing(&case.configs[dev], egress, ingress, &w, ack)
                                        };
                                        if one_way {
                                            // A one-way service's reply never comes back, unless
                                            // another flow's reported widening admits it.
                                            assert!(
                                                !dec.permit || widened(case, dev, egress, &r, ack),
                                                "{}: {dev} {egress} lets reply {r} of a one-way flow in ({})",
                                                case.name, dec.text
                                            );
                                            t.denied += 1;
                                            continue;
                                        }
                                        assert!(
                                            dec.permit,
                                            "{}: {dev} {egress} drops reply {r} ({})",
                                            case.name, dec.text
                                        );
                                        t.replies += 1;
                                    }
                                }
                                // Denied: wrong port, reverse direction without ACK.
                                if matches!(pkt.proto, 6 | 17) {
                                    for port in [pkt.dport.checked_sub(1), pkt.dport.checked_add(1)]
                                        .into_iter()
                                        .flatten()
                                    {
                                        expect_denied(
                                            case,
                                            &graph,
                                            &Packet {
                                                dport: port,
                                                ..pkt.clone()
                                            },
                                            false,
                                            &mut t,
                                        );
                                    }
                                }
                                if pkt.proto == 6 {
                                    let back = Packet {
                                        src: pkt.dst,
                                        dst: pkt.src,
                                        proto: 6,
                                        sport: pkt.dport,
                                        ack: false,
                                        dport: 40000,
                                    };
                                    expect_denied(case, &graph, &back, false, &mut t);
                                    let new = Packet {
                                        src: pkt.dst,
                                        dst: pkt.src,
                                        proto: 6,
                                        sport: 40000,
                                        dport: pkt.dport,
                                        ack: false,
                                    };
                                    expect_denied(case, &graph, &new, false, &mut t);
                                }
                            }
                        }
                    }
                }
            }
            // Denied: wrong source, an address of the source zone outside the flow's source.
            let zone = &model.zone(f.src.zone).addrs;
            let wrong: Vec<IpAddr> = samples(zone, v6)
                .into_iter()
                .filter(|a| !src.contains(*a))
                .collect();
            for s in wrong {
                for d in samples(dst, v6).into_iter().take(1) {
                    for sid in &f.services {
                        for item in &model.service(*sid).items {
                            for pkt in item_packets(item, s, d) {
                                expect_denied(case, &graph, &pkt, false, &mut t);
                            }
                        }
                    }
                }
            }
        }
    }
    // Denied: spoofed sources. A flow's packet arriving on an interface its source is not behind.
    for dev in model
        .devices
        .iter()
        .filter(|d| case.configs.contains_key(&d.name))
    {
        let cfg = &case.configs[&dev.name];
        for fid in model.flow_ids() {
            let f = model.flow(fid);
            let (src, dst) = (model.endpoint_addrs(f.src), model.endpoint_addrs(f.dst));
            for iface in &dev.interfaces {
                let behind = AddrSet::union_all(
                    graph
                        .zones_behind(model.device_id(&dev.name).unwrap(), iface.zone)
                        .iter()
                        .map(|z| &model.zone(*z).addrs),
                );
                for v6 in [false, true] {
                    let (Some(s), Some(d)) = (
                        samples(src, v6).first().copied(),
                        samples(dst, v6).first().copied(),
                    ) else {
                        continue;
                    };
                    if behind.contains(s) {
                        continue;
                    }
                    for sid in &f.services {
                        for item in &model.service(*sid).items {
                            for pkt in item_packets(item, s, d) {
                                // Through a zone-based firewall, towards every other interface.
                                let w = wire(case, &dev.name, &iface.name, &pkt);
                                let all: Vec<_> = dev
                                    .interfaces
                                    .iter()
                                    .filter(|e| e.name != iface.name && cfg.zbf.active())
                                    .map(|e| crossing(cfg, &iface.name, &e.name, &w, false))
                                    .collect();
                                let dec = match all.iter().find(|d| d.permit).or(all.first()) {
                                    Some(d) => d.clone(),
                                    None => cfg.evaluate_in(&iface.name, &w, false),
                                };
                                assert!(
                                    !dec.permit,
                                    "{}: {} {} lets spoofed {pkt} in ({})",
                                    case.name, dev.name, iface.name, dec.text
                                );
                                t.denied += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    prove_own(case, &mut t);
    // Denied: common services between every two zones, where the policy has no flow.
    let probes: [(u8, u16); 8] = [
        (6, 22),
        (6, 23),
        (6, 443),
        (6, 502),
        (6, 3389),
        (17, 161),
        (17, 53),
        (1, 8),
    ];
    for (zi, za) in model.zones.iter().enumerate() {
        for (zj, zb) in model.zones.iter().enumerate() {
            if zi == zj {
                continue;
            }
            for v6 in [false, true] {
                let (Some(s), Some(d)) = (
                    samples(&za.addrs, v6).first().copied(),
                    samples(&zb.addrs, v6).last().copied(),
                ) else {
                    continue;
                };
                for (proto, dport) in probes {
                    let proto = if proto == 1 && v6 { 58 } else { proto };
                    let dport = if proto == 58 { 128 } else { dport };
                    let pkt = Packet {
                        src: s,
                        dst: d,
                        proto,
                        sport: 40000,
                        dport,
                        ack: false,
                    };
                    expect_denied(case, &graph, &pkt, false, &mut t);
                }
            }
        }
    }
    t
}

/// Does the policy let this packet reach `device` itself: a device-level flow to it, or a flow
/// between zones whose destination holds the address?
fn reaches_device(model: &Model, device: DeviceId, pkt: &Packet) -> bool {
    policy_decision(model, pkt).is_some()
        || model.self_flow_ids().any(|id| {
            let f = model.self_flow(id);
            f.device == device
                && f.direction == SelfDirection::ToDevice
                && model.endpoint_addrs(f.peer).contains(pkt.src)
                && f.services.iter().any(|s| {
                    let svc = model.service(*s);
                    svc.items.iter().any(|i| pkt.matches(i))
                })
        })
}

/// The router's own traffic, decided by its generated ACLs: every `X -> self` packet (sampled
/// sources, each of its addresses) passes the inbound ACL of each interface the peer lies
/// behind, and the replies of every `self -> X` packet do; a packet with one of its addresses
/// as source is dropped on every interface; the same services from sources the policy does not
/// name are dropped.
fn prove_own(case: &Case, t: &mut Tally) {
    let model = &case.model;
    for id in model.self_flow_ids() {
        let f = model.self_flow(id);
        let dev = model.device(f.device);
        let Some(cfg) = case.configs.get(&dev.name) else {
            continue;
        };
        // The interfaces facing the peer: joined to its zone without crossing the device.
        let without = ZoneGraph::from_interfaces(
            model.zones.len(),
            model.devices.iter().map(|d| {
                if d.name == dev.name {
                    Vec::new()
                } else {
                    d.interfaces.iter().map(|i| i.zone).collect()
                }
            }),
        );
        // What `self` stands for to this peer (a skid's gateway address is not its).
        let own = model.self_addrs(id);
        let peer = model.endpoint_addrs(f.peer);
        for iface in &dev.interfaces {
            if without.hops(f.peer.zone, iface.zone).is_none() {
                continue;
            }
            for v6 in [false, true] {
                for p in samples(peer, v6) {
                    for o in samples(&own, v6) {
                        for sid in &f.services {
                            let one_way = model.service(*sid).flags.one_way;
                            for item in &model.service(*sid).items {
                                let (s, d) = match f.direction {
                                    SelfDirection::ToDevice => (p, o),
                                    SelfDirection::FromDevice => (o, p),
                                };
                                for pkt in item_packets(item, s, d) {
                                    let tracked =
                                        cfg.zbf.active() && item.inspectable() && !one_way;
                                    if f.direction == SelfDirection::ToDevice {
                                        let dec = to_device(
                                            cfg,
                                            &iface.name,
                                            &wire(case, &dev.name, &iface.name, &pkt),
                                            false,
                                        );
                                        assert!(
                                            dec.permit,
                                            "{}: {} {} drops {pkt} to the device ({})",
                                            case.name, dev.name, iface.name, dec.text
                                        );
                                        t.allowed += 1;
                                    } else if let Some((r, ack)) = reply(&pkt).filter(|_| !one_way)
                                    {
                                        let w = wire(case, &dev.name, &iface.name, &r);
                                        let dec = if tracked {
                                            cfg.evaluate_in(&iface.name, &w, ack)
                                        } else {
                                            to_device(cfg, &iface.name, &w, ack)
                                        };
                                        assert!(
                                            dec.permit,
                                            "{}: {} {} drops the reply {r} to the device ({})",
                                            case.name, dev.name, iface.name, dec.text
                                        );
                                        t.replies += 1;
                                    }
                                    // Forged: the device's own address as source.
                                    for spoof in samples(&own, v6) {
                                        let forged = Packet {
                                            src: spoof,
                                            ..pkt.clone()
                                        };
                                        for i in &dev.interfaces {
                                            let dec = cfg.evaluate_in(
                                                &i.name,
                                                &wire(case, &dev.name, &i.name, &forged),
                                                false,
                                            );
                                            assert!(
                                                !dec.permit,
                                                "{}: {} {} lets forged {forged} in ({})",
                                                case.name, dev.name, i.name, dec.text
                                            );
                                            t.denied += 1;
                                        }
                                    }
                                    // The same service to the device from sources it does not
                                    // allow: the interface's zone outside every allowed peer.
                                    if f.direction != SelfDirection::ToDevice {
                                        continue;
                                    }
                                    let zone = &model.zone(iface.zone).addrs;
                                    for s in samples(zone, v6) {
                                        let probe = Packet {
                                            src: s,
                                            ..pkt.clone()
                                        };
                                        let answers = model.self_flows.iter().any(|g| {
                                            g.device == f.device
                                                && g.direction == SelfDirection::FromDevice
                                                && model.endpoint_addrs(g.peer).contains(s)
                                        });
                                        if own.contains(s)
                                            || answers
                                            || reaches_device(model, f.device, &probe)
                                        {
                                            continue;
                                        }
                                        let dec = to_device(
                                            cfg,
                                            &iface.name,
                                            &wire(case, &dev.name, &iface.name, &probe),
                                            false,
                                        );
                                        assert!(
                                            !dec.permit,
                                            "{}: {} {} lets {probe} reach the device ({})",
                                            case.name, dev.name, iface.name, dec.text
                                        );
                                        t.denied += 1;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn every_example_is_enforced_exactly_by_its_acls() {
    let mut proved = 0;
    for path in examples() {
        if path.file_stem().is_some_and(|s| s == "fleet") {
            // Forty copies of one station router, packet by packet, take minutes in a debug
            // build; `verify.rs` proves every one of them equal to the policy.
            continue;
        }
        for object_groups in [false, true] {
            let case = build_example(&path, object_groups);
            let routed = case
                .model
                .devices
                .iter()
                .any(|d| d.targets.contains(&Target::CiscoIos) && !d.interfaces.is_empty());
            let t = prove(&case);
            if routed {
                assert!(
                    t.allowed > 0 && t.replies > 0,
                    "{}: nothing was checked",
                    case.name
                );
                assert!(
                    t.denied >= 100,
                    "{}: only {} denied packets sampled",
                    case.name,
                    t.denied
                );
                proved += 1;
            }
            eprintln!(
                "{} (object-groups {object_groups}): {} allowed, {} replies, {} denied, {} widened",
                case.name, t.allowed, t.replies, t.denied, t.widened
            );
        }
    }
    assert!(proved > 0, "no example has an IOS router");
}

/// The router's own traffic (`tests/ios/rtr-sub.fence`: SSH from the EWS, BGP and BFD with its
/// peer both ways, OSPF on the WAN, one-way syslog out, a conduit from the whole WAN), with and
/// without object-groups: every packet to the router and every reply of its own traffic passes
/// where it enters, forged sources and other sources of its services do not, and everything
/// forwarded still holds.
#[test]
fn the_routers_own_traffic_is_enforced_exactly_by_its_acls() {
    for object_groups in [false, true] {
        let case = build_example(Path::new("tests/ios/rtr-sub.fence"), object_groups);
        let mut own = Tally::default();
        prove_own(&case, &mut own);
        assert!(
            own.allowed >= 20 && own.replies >= 4 && own.denied >= 50,
            "{}: {} allowed, {} replies, {} denied",
            case.name,
            own.allowed,
            own.replies,
            own.denied
        );
        let t = prove(&case);
        assert!(t.allowed > own.allowed && t.denied > own.denied);
        // No reply of the one-way syslog enters the core router.
        let core = &case.configs["rtr-core"];
        let reply = Packet {
            src: "10.30.0.20".parse().unwrap(),
            dst: "10.90.0.2".parse().unwrap(),
            proto: 17,
            sport: 514,
            dport: 40000,
            ack: false,
        };
        assert!(!core.evaluate_in("GigabitEthernet0/0", &reply, false).permit);
    }
}

/// Static 1:1 NAT (`tests/nat/`): every allowed flow of a translated skid, its replies and the
/// router's own traffic pass the ACLs as IOS sees the packets on each interface's wire (inside
/// sources on a skid's interface), sampled denied packets are dropped, a skid's inside address
/// reached from outside is denied, and a packet from a skid claiming an outside source too.
#[test]
fn translated_skids_are_enforced_on_the_wire() {
    for path in [
        "tests/nat/skids.fence",
        "tests/nat/ios-one-skid.fence",
        "tests/nat/skids-inspect.fence",
        "tests/nat/ios-one-skid-inspect.fence",
    ] {
        for object_groups in [false, true] {
            let case = build_example(Path::new(path), object_groups);
            let mut t = prove(&case);
            prove_own(&case, &mut t);
            assert!(
                t.allowed >= 2 && t.replies >= 2 && t.denied >= 10,
                "{path}: {} allowed, {} replies, {} denied",
                t.allowed,
                t.replies,
                t.denied
            );
        }
    }
    let case = build_example(Path::new("tests/nat/skids.fence"), false);
    insta::assert_snapshot!("nat__rtr-cells", redacted(&case.texts["rtr-cells"]));
    let cfg = &case.configs["rtr-cells"];
    let pkt = |src: &str, sport, dst: &str, dport, ack| Packet {
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        proto: 6,
        sport,
        dport,
        ack,
    };
    let permits = |iface: &str, p: &Packet| cfg.evaluate_in(iface, p, p.ack).permit;
    for plc in ["10.50.1.10", "10.50.2.10"] {
        assert!(permits(
            "GigabitEthernet0/0",
            &pkt("10.30.0.10", 40000, plc, 502, false)
        ));
    }
    // The PLCs' inside address from outside: denied.
    assert!(!permits(
        "GigabitEthernet0/0",
        &pkt("10.30.0.10", 40000, "192.168.1.10", 502, false)
    ));
    for skid in ["GigabitEthernet0/1", "GigabitEthernet0/2"] {
        // The reply leaves the skid from its inside address, and only from it.
        assert!(permits(
            skid,
            &pkt("192.168.1.10", 502, "10.30.0.10", 40000, true)
        ));
        for outside in ["10.50.1.10", "10.50.2.10"] {
            assert!(!permits(
                skid,
                &pkt(outside, 502, "10.30.0.10", 40000, true)
            ));
        }
    }
}

/// With `inspect`, the zone-based firewall decides after NAT translated an outside destination:
/// each PLC at its outside address passes, at its inside address it does not (in a VRF no route
/// leads there; without one the outside interface's inbound ACL denies it), and a skid's reply
/// passes from its inside address only.
#[test]
fn translated_skids_behind_a_zone_based_firewall_are_enforced_on_the_wire() {
    let pkt = |src: &str, sport, dst: &str, dport, ack| Packet {
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        proto: 6,
        sport,
        dport,
        ack,
    };
    for (path, dev, skids) in [
        (
            "tests/nat/skids-inspect.fence",
            "rtr-cells",
            &[
                ("GigabitEthernet0/1", "10.50.1.10"),
                ("GigabitEthernet0/2", "10.50.2.10"),
            ][..],
        ),
        (
            "tests/nat/ios-one-skid-inspect.fence",
            "rtr-skid",
            &[("GigabitEthernet0/1", "10.50.1.10")][..],
        ),
    ] {
        let case = build_example(Path::new(path), false);
        let cfg = &case.configs[dev];
        assert!(cfg.zbf.active(), "{path}");
        let out = "GigabitEthernet0/0";
        for (skid, plc) in skids {
            let open = pkt("10.30.0.10", 40000, plc, 502, false);
            assert!(
                crossing(cfg, out, skid, &open, false).permit,
                "{path}: {open}"
            );
            let inside = pkt("10.30.0.10", 40000, "192.168.1.10", 502, false);
            assert!(
                !crossing(cfg, out, skid, &inside, false).permit,
                "{path}: {inside}"
            );
            // The skid's own connection attempt back is not inspected as allowed.
            let back = pkt("192.168.1.10", 502, "10.30.0.10", 40000, false);
            assert!(
                !crossing(cfg, skid, out, &back, false).permit,
                "{path}: {back}"
            );
        }
    }
}

#[test]
fn every_example_matches_its_snapshots() {
    for path in examples() {
        let case = build_example(&path, false);
        // The fleet's forty stations differ only by their numbers: the first stands for them.
        let shown = |dev: &str| case.name != "fleet" || dev.starts_with("sub-01-");
        for (dev, text) in &case.texts {
            if shown(dev) {
                insta::assert_snapshot!(format!("{}__{dev}", case.name), redacted(text));
            }
        }
        let groups = build_example(&path, true);
        for (dev, text) in &groups.texts {
            if shown(dev) && text != &case.texts[dev] {
                insta::assert_snapshot!(
                    format!("{}__{dev}__object_groups", case.name),
                    redacted(text)
                );
            }
        }
    }
}

#[test]
fn output_follows_ios_rules() {
    for path in examples() {
        for object_groups in [false, true] {
            let case = build_example(&path, object_groups);
            for (dev, text) in &case.texts {
                let where_ = format!("{}/{dev}", case.name);
                assert!(
                    text.lines().take(3).all(|l| l.starts_with("! ")),
                    "{where_}: header"
                );
                assert!(text.contains("policy sha256: "), "{where_}: stamp");
                for l in text.lines() {
                    assert!(l.is_ascii() && !l.contains('\t'), "{where_}: {l:?}");
                    if let Some(r) = l.strip_prefix(" remark ") {
                        assert!(r.len() <= 100 && !r.contains(['!', '?']), "{where_}: {l:?}");
                    }
                    if let Some(n) = l.strip_prefix(" name ") {
                        assert!(n.len() <= 32 && !n.contains(' '), "{where_}: {l:?}");
                    }
                    assert!(
                        !l.contains("allowed vlan 1,") && !l.ends_with("allowed vlan 1"),
                        "{where_}: {l:?}"
                    );
                    assert!(
                        !l.contains("access vlan 1\n") && l != " switchport access vlan 1",
                        "{where_}: {l:?}"
                    );
                }
                // ACEs take wildcards, never netmasks: every wildcard is a contiguous host mask.
                for acl in case.configs[dev].acls.values() {
                    assert!(
                        acl.name.starts_with("FL-") && acl.name.len() <= 64,
                        "{where_}: {}",
                        acl.name
                    );
                    let last = acl.entries.last().unwrap();
                    let zbf = case.configs[dev].zbf.active();
                    if zbf && acl.name.starts_with("FL-ZBF") {
                        // A class's ACL: what it permits is what the class matches; an IPv6
                        // one ends in an explicit deny, which removes the implicit ND permits.
                        assert!(!acl.v6 || last.text == "deny ipv6 any any", "{where_}");
                        continue;
                    }
                    // Island ACLs deny everything, beside a zone-based firewall too.
                    if zbf
                        && !acl.standard
                        && !acl.name.starts_with("FL-VTY")
                        && !acl.name.starts_with("FL-ISLAND")
                    {
                        // An interface ACL beside a zone-based firewall: anti-spoofing, then
                        // the firewall decides.
                        let any = if acl.v6 {
                            "permit ipv6 any any"
                        } else {
                            "permit ip any any"
                        };
                        assert_eq!(last.text, any, "{where_}");
                        continue;
                    }
                    assert_eq!(
                        last.text,
                        if acl.v6 {
                            "deny ipv6 any any log"
                        } else if acl.standard {
                            // The terminal lines' access-class: a standard ACL of sources.
                            "deny any log"
                        } else {
                            "deny ip any any log"
                        },
                        "{where_}"
                    );
                    for e in &acl.entries {
                        for a in [&e.ace.src, &e.ace.dst] {
                            if let AddrMatch::V4 { wildcard, .. } = a {
                                assert!(
                                    wildcard.checked_add(1).is_none_or(|w| w.is_power_of_two()),
                                    "{where_}: {}",
                                    e.text
                                );
                            }
                        }
                    }
                }
                // Every interface of an IOS layer-3 device is bound to ACLs that exist.
                let device = case.model.devices.iter().find(|d| &d.name == dev).unwrap();
                for iface in &device.interfaces {
                    let b = &case.configs[dev].interfaces[&iface.name];
                    let acl = b.v4_in.as_ref().unwrap();
                    assert!(case.configs[dev].acls.contains_key(acl), "{where_}: {acl}");
                    if let Some(acl6) = &b.v6_in {
                        assert!(
                            case.configs[dev].acls.contains_key(acl6),
                            "{where_}: {acl6}"
                        );
                    }
                }
            }
            // Widenings are reported as OUT-005 warnings, one per device, interface and conduit.
            let n = case
                .diag_codes
                .iter()
                .filter(|c| {
                    *c == fenceline::lint::rules::out_005_stateless_return_widening::RULE.id
                })
                .count();
            let groups: std::collections::BTreeSet<(&str, &str, _)> = case
                .widenings
                .iter()
                .map(|w| (w.device.as_str(), w.interface.as_str(), w.conduit))
                .collect();
            assert_eq!(n, groups.len(), "{}", case.name);
        }
    }
}

#[test]
fn output_is_deterministic_and_content_named() {
    for path in examples() {
        let a = build_example(&path, false);
        let b = build_example(&path, false);
        assert_eq!(a.texts, b.texts);
    }
    // A changed flow renames the ACLs it touches and only those.
    let base = std::fs::read_to_string("examples/north-pipeline.fence").unwrap();
    let changed = base.replace(
        "allow control-center.scada-server -> field.rtus  dnp3",
        "allow control-center.scada-server -> field.rtus  dnp3-both",
    );
    assert_ne!(base, changed);
    let names = |text: String| {
        let checked = check_text("p.fence", Path::new("examples/p.fence"), text, &opts());
        let case = build("p", &checked, false);
        case.configs["rtr-field"]
            .acls
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    let (n1, n2) = (names(base), names(changed));
    assert_eq!(n1.len(), n2.len());
    let common = n1.iter().filter(|n| n2.contains(n)).count();
    assert!(common >= 2 && common < n1.len(), "{n1:?} {n2:?}");
}

const L3_SWITCH: &str = r#"
policy "l3" {}
zone office { level 3.5 sl-target 2 network 10.1.0.0/24 vlan 10 }
zone ops { level 3 sl-target 2 network 10.3.0.0/24, fd00:3::/64 vlan 30 asset hist 10.3.0.5 }
zone cell { level 1 sl-target 2 network 10.5.0.0/24, fd00:5::/64 vlan 50 asset plc 10.5.0.9 }
service gre ip/47
service dns-both udp/53, tcp/53
conduit office-ops {
  connects office, ops
  allow office -> ops.hist https
}
conduit ops-cell {
  connects ops, cell
  allow ops.hist -> cell.plc modbus { log }
  allow ops -> cell icmp-echo
  allow cell.plc -> ops.hist dns-both
  allow ops.hist -> cell.plc gre
}
switch core {
  target cisco-ios
  interface Vlan10 office
  interface Vlan30 ops
  interface Vlan50 cell
  ports GigabitEthernet1/0/1-8 access ops
  port GigabitEthernet1/0/12 access cell
  port GigabitEthernet1/0/24 trunk office, ops, cell
  unused-ports shutdown
}
"#;

#[test]
fn layer3_switch_gets_router_acls_on_its_svis() {
    let checked = check_text(
        "l3.fence",
        Path::new("l3.fence"),
        L3_SWITCH.to_string(),
        &opts(),
    );
    for object_groups in [false, true] {
        let case = build("l3", &checked, object_groups);
        let text = &case.texts["core"];
        for needle in [
            "vlan dot1q tag native",
            "interface range GigabitEthernet1/0/1 - 8",
            "interface range GigabitEthernet1/0/9 - 11",
            "interface range GigabitEthernet1/0/13 - 23",
            " switchport trunk allowed vlan 10,30,50",
            " switchport trunk native vlan 999",
            "interface Vlan30\n ip access-group FL-VL30-IN-",
            " ipv6 traffic-filter FL-VL50-IN6-",
            "permit 47 host 10.5.0.9 host 10.3.0.5",
            "permit tcp host 10.3.0.5 host 10.5.0.9 eq 502 log",
            "echo-reply",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        let t = prove(&case);
        assert!(
            t.allowed > 0 && t.replies > 0 && t.denied >= 100,
            "{} {} {}",
            t.allowed,
            t.replies,
            t.denied
        );
        let kinds: Vec<WideningKind> = case.widenings.iter().map(|w| w.kind).collect();
        for k in [
            WideningKind::TcpEstablished,
            WideningKind::UdpSourcePort,
            WideningKind::IcmpReply,
            WideningKind::ReverseProtocol,
        ] {
            assert!(kinds.contains(&k), "{k:?} missing from {kinds:?}");
        }
        insta::assert_snapshot!(
            format!("l3_switch__core__object_groups_{object_groups}"),
            redacted(text)
        );
    }
}

/// Interfaces written with IOS abbreviations are configured by their full names, as IOS writes
/// them in `show running-config`, so the file and the running configuration name them alike.
#[test]
fn abbreviated_interface_names_are_configured_by_their_full_names() {
    let policy = r#"
zone ops { level 3  sl-target 2  network 10.3.0.0/24  vlan 30 }
zone cell { level 1  sl-target 2  network 10.5.0.0/24  vlan 50 }
conduit c { connects ops, cell  sl-target 2  allow ops -> cell modbus }
router r { target cisco-ios  interface gi0/0 ops  interface Te0/1/00 cell }
switch s {
  target cisco-ios
  ports gig1/0/1-8 access cell
  port TE1/1/1 trunk ops, cell
  interface vl30 ops
}
"#;
    let checked = check_text(
        "abbr.fence",
        Path::new("abbr.fence"),
        policy.into(),
        &opts(),
    );
    let case = build("abbr", &checked, false);
    let (r, s) = (&case.texts["r"], &case.texts["s"]);
    for (text, needle) in [
        (
            r,
            "interface GigabitEthernet0/0\n ip access-group FL-GI0-0-IN-",
        ),
        (
            r,
            "interface TenGigabitEthernet0/1/0\n ip access-group FL-TE0-1-0-IN-",
        ),
        (s, "interface range GigabitEthernet1/0/1 - 8\n"),
        (s, "interface TenGigabitEthernet1/1/1\n"),
        (s, "interface Vlan30\n ip access-group FL-VL30-IN-"),
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    for text in [r, s] {
        for abbreviation in ["interface gi", "interface Te0", "range gig", "TE1", "vl30"] {
            assert!(!text.contains(abbreviation), "{abbreviation:?} in\n{text}");
        }
    }
    assert!(prove(&case).allowed > 0);
}

#[test]
fn hostile_text_cannot_reach_the_configuration() {
    // Names are identifiers, so the only free text is the policy name; it lands in `!` comments.
    let text = L3_SWITCH.replace("policy \"l3\" {}", "policy \"x? y! \\u{7}z\" {}");
    let checked = check_text("h.fence", Path::new("h.fence"), text, &opts());
    if checked.has_errors() {
        return;
    }
    let case = build("h", &checked, false);
    for l in case.texts["core"].lines() {
        assert!(l.is_ascii() && !l.chars().any(|c| c.is_control()), "{l:?}");
    }
}

/// Runs the EEM applet `name` of a configuration as IOS would: its `interface` command selects the
/// interface, then each `ip access-group` / `ipv6 traffic-filter` binds an ACL in its slot (a new
/// binding replaces the slot's old one) and each `no ...` form unbinds it.
fn run_applet(cfg: &mut fenceline::dialect::cisco_ios::ast::IosConfig, name: &str) {
    use fenceline::dialect::cisco_ios::ast::{AppletLine, IfHead, IfLine, Top, Word};
    let commands: Vec<String> = cfg
        .items
        .iter()
        .find_map(|t| match t {
            Top::Applet(a) if a.name.as_str() == name => Some(
                a.lines
                    .iter()
                    .filter_map(|l| match l {
                        AppletLine::Cli { command, .. } => Some(command.as_str().to_string()),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no applet {name}"));
    assert!(cfg
        .items
        .iter()
        .any(|t| matches!(t, Top::Applet(a) if a.name.as_str() == name
            && a.lines.first() == Some(&AppletLine::EventNone))));
    let mut iface = None;
    for c in commands {
        let toks: Vec<&str> = c.split_whitespace().collect();
        let (no, toks) = match toks.split_first() {
            Some((&"no", rest)) => (true, rest.to_vec()),
            _ => (false, toks),
        };
        let (v6, acl, dir) = match toks.as_slice() {
            ["interface", n] => {
                iface = Some(n.to_string());
                continue;
            }
            ["enable"] | ["configure", "terminal"] | ["end"] => continue,
            ["ip", "access-group", acl, dir] => (false, *acl, *dir),
            ["ipv6", "traffic-filter", acl, dir] => (true, *acl, *dir),
            other => panic!("{name}: unexpected command {other:?}"),
        };
        let inbound = dir == "in";
        let target = iface.as_deref().expect("an interface first");
        let block = cfg
            .items
            .iter_mut()
            .find_map(|t| match t {
                Top::Interface(i) if matches!(&i.head, IfHead::One(n) if n.as_str() == target) => {
                    Some(i)
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{name}: no interface {target}"));
        block.lines.retain(|l| {
            !matches!(l, IfLine::AccessGroup { v6: v, inbound: i, acl: a }
                if *v == v6 && *i == inbound && (!no || a.as_str() == acl))
        });
        if !no {
            block.lines.push(IfLine::AccessGroup {
                v6,
                acl: Word::new(acl).unwrap(),
                inbound,
            });
        }
    }
}

/// A router with `inspect` (`tests/ios/inspect.fence`), with and without object-groups, decided
/// packet by packet by the IOS reader's evaluation of its inbound ACLs and zone-based firewall:
/// every allowed packet of a flow and of the router's own traffic passes; the replies of
/// inspected connections meet the ACL only, those of passed protocols (GRE, OSPF) a `pass` of
/// their own and those of the one-way syslog nothing; wrong ports, wrong sources, reverse
/// connections, forged and spoofed sources do not pass.
#[test]
fn a_zone_based_firewall_is_enforced_exactly() {
    for object_groups in [false, true] {
        let case = build_example(Path::new("tests/ios/inspect.fence"), object_groups);
        assert!(case.configs["rtr-sub"].zbf.active());
        let mut own = Tally::default();
        prove_own(&case, &mut own);
        let t = prove(&case);
        assert!(
            own.allowed >= 20 && own.replies >= 4 && own.denied >= 50,
            "{}: {} allowed, {} replies, {} denied",
            case.name,
            own.allowed,
            own.replies,
            own.denied
        );
        assert!(
            t.allowed >= 10 && t.replies >= 5 && t.denied >= 20,
            "{} {} {}",
            t.allowed,
            t.replies,
            t.denied
        );
    }
}

/// Issue 16: the zone-based firewall has one class per conduit and service, each with ACLs of
/// its own (so that the router counts each service apart): between the two zones of
/// `tests/ios/inspect.fence`, whose services have one item each, every class's permits are of
/// one service item, no two classes share an ACL, and modbus, ntp and icmp/8 are three inspect
/// classes, GRE's forward packets a pass class, and GRE's replies and the one-way syslog two
/// pass classes the other way.
#[test]
fn a_zone_based_firewall_has_one_class_per_conduit_and_service() {
    use fenceline::dialect::cisco_ios::ast::{Action, ClassMatch, ZbfVerb};
    for object_groups in [false, true] {
        let case = build_example(Path::new("tests/ios/inspect.fence"), object_groups);
        let cfg = &case.configs["rtr-sub"];
        let classes = |src: &str, dst: &str| {
            let (_, pm) = &cfg.zbf.pairs[&(src.to_string(), dst.to_string())];
            let pm = &cfg.zbf.policy_maps[pm.as_deref().unwrap()];
            let mut seen_acls = std::collections::BTreeSet::new();
            let mut out = Vec::new();
            for c in &pm.classes {
                let Some(name) = &c.class else { continue };
                let verb = c.action.unwrap().verb;
                let mut items = std::collections::BTreeSet::new();
                for m in &cfg.zbf.class_maps[name.as_str()].matches {
                    let ClassMatch::AccessGroup(acl) = m else {
                        panic!("{name}: {m:?}")
                    };
                    assert!(seen_acls.insert(acl.to_string()), "{acl} in two classes");
                    for e in &cfg.acls[acl.as_str()].entries {
                        if e.ace.action == Action::Permit {
                            let a = &e.ace;
                            items.insert(format!(
                                "{:?} {:?} {:?} {:?}",
                                a.proto, a.sport, a.dport, a.icmp
                            ));
                        }
                    }
                }
                assert_eq!(
                    items.len(),
                    1,
                    "{}: class {name} holds {items:?}",
                    case.name
                );
                out.push(verb);
            }
            out
        };
        let verbs = classes("wan", "station");
        assert_eq!(
            verbs,
            [
                ZbfVerb::Inspect,
                ZbfVerb::Inspect,
                ZbfVerb::Inspect,
                ZbfVerb::Pass
            ],
            "object-groups {object_groups}"
        );
        let verbs = classes("station", "wan");
        assert_eq!(
            verbs,
            [ZbfVerb::Pass, ZbfVerb::Pass],
            "object-groups {object_groups}"
        );
    }
}

/// Island mode (`tests/ios/island.fence`): the applet `FL-ISLAND-<interface>` binds the island
/// ACLs in and out, after which every packet entering or leaving by that interface is denied,
/// replies of established sessions included, while the other interface decides every packet as
/// before; the revert applet restores the policy's decisions on both.
#[test]
fn island_applet_denies_every_packet_of_its_interface_and_no_other() {
    let case = build_example(Path::new("tests/ios/island.fence"), false);
    let text = &case.texts["rtr-field"];
    let normal = &case.configs["rtr-field"];
    let pkt = |src: &str, dst: &str, proto: u8, sport: u16, dport: u16, ack: bool| Packet {
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        proto,
        sport,
        dport,
        ack,
    };
    let mut packets = vec![
        // The modbus flow, its reply (an established session), SSH to the router and its reply.
        pkt("10.30.0.5", "10.40.0.10", 6, 40000, 502, false),
        pkt("10.40.0.10", "10.30.0.5", 6, 502, 40000, true),
        pkt("fd00:30::5", "fd00:40::10", 6, 40000, 502, true),
        pkt("fd00:40::10", "fd00:30::5", 6, 502, 40000, true),
        pkt("10.30.0.5", "10.30.0.1", 6, 40000, 22, false),
        pkt("10.30.0.5", "10.40.0.1", 6, 40000, 22, true),
        pkt("10.30.0.1", "10.30.0.5", 6, 22, 40000, true),
    ];
    for (src, dst) in [
        ("10.30.0.9", "10.40.0.10"),
        ("10.40.0.10", "10.30.0.9"),
        ("fd00:30::9", "fd00:40::10"),
        ("fd00:40::10", "fd00:30::9"),
        ("192.0.2.1", "198.51.100.1"),
    ] {
        for (proto, sport, dport) in [
            (6, 40000, 502),
            (17, 40000, 53),
            (1, 8, 0),
            (58, 135, 0),
            (47, 0, 0),
        ] {
            for ack in [false, true] {
                packets.push(pkt(src, dst, proto, sport, dport, ack));
            }
        }
    }
    let decide = |cfg: &IosConfig, iface: &str, p: &Packet| {
        (
            cfg.evaluate_in(iface, p, p.ack).permit,
            cfg.evaluate_out(iface, p, p.ack).permit,
        )
    };
    // Without the island the modbus flow and its reply pass: the island is what denies them.
    assert!(
        normal
            .evaluate_in("GigabitEthernet0/0", &packets[0], false)
            .permit
    );
    assert!(
        normal
            .evaluate_in("GigabitEthernet0/1", &packets[1], true)
            .permit
    );
    for (iface, slug, other) in [
        ("GigabitEthernet0/1", "GI0-1", "GigabitEthernet0/0"),
        ("GigabitEthernet0/0", "GI0-0", "GigabitEthernet0/1"),
    ] {
        let mut cfg = ios::parse(text).unwrap();
        run_applet(&mut cfg, &format!("FL-ISLAND-{slug}"));
        let island = cfg.resolve().unwrap();
        for p in &packets {
            assert_eq!(decide(&island, iface, p), (false, false), "{iface}: {p:?}");
            assert_eq!(
                decide(&island, other, p),
                decide(normal, other, p),
                "{other} while {iface} is an island: {p:?}"
            );
        }
        run_applet(&mut cfg, &format!("FL-ISLAND-{slug}-REVERT"));
        let reverted = cfg.resolve().unwrap();
        for p in &packets {
            for i in [iface, other] {
                assert_eq!(
                    decide(&reverted, i, p),
                    decide(normal, i, p),
                    "{i} reverted: {p:?}"
                );
            }
        }
    }
    insta::assert_snapshot!("island__rtr-field", redacted(text));
}

/// What a Cisco IOS router cannot translate correctly is refused at the device (E0039, exit 1),
/// saying what and why; `check` and `build` alike.
#[test]
fn translations_ios_cannot_generate_are_refused_at_the_device() {
    let skids = std::fs::read_to_string("tests/nat/skids.fence").unwrap();
    let one = std::fs::read_to_string("tests/nat/ios-one-skid.fence").unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "flows between two translated zones",
            skids.replace(
                "  allow site-ops.scada -> packaging.plc modbus\n",
                "  allow site-ops.scada -> packaging.plc modbus\n  allow filling.plc -> packaging.plc modbus\n",
            ),
            "carries flows between translated zones `filling` and `packaging`",
        ),
        (
            "device-level flows with VRFs",
            skids.replace(
                "  interface GigabitEthernet0/2 packaging address 192.168.1.1\n",
                "  interface GigabitEthernet0/2 packaging address 192.168.1.1\n  allow filling.plc -> self ntp\n",
            ),
            "has device-level flows on a translated zone's interface and puts translated zones in VRFs",
        ),
        (
            "flows beyond the router's other interface, with VRFs",
            format!(
                "{}\nzone far {{ level 3 sl-target 2 network 10.31.0.0/24 }}\n\
                 conduit far-cells {{ connects far, filling\n allow far -> filling.plc modbus }}\n\
                 firewall fw-far {{ target nftables\n interface eth0 site-ops\n interface eth1 far }}\n",
                skids
            ),
            "routes a translated zone's VRF to zones beyond `GigabitEthernet0/0` (`site-ops`)",
        ),
        (
            "a VRF interface without an address",
            skids.replace(
                "interface GigabitEthernet0/2 packaging address 192.168.1.1",
                "interface GigabitEthernet0/2 packaging",
            ),
            "puts translated zone `packaging` in a VRF, and `GigabitEthernet0/2` has no single IPv4 `address`",
        ),
        (
            "flows to a zone that uses the skid's inside network",
            one.replace("network 10.30.0.0/24", "network 10.30.0.0/24, 192.168.1.0/24")
                .replace(
                    "  allow filling -> site-ops.ntp ntp\n",
                    "  allow filling -> site-ops.ntp ntp\n  allow filling.plc -> site-ops syslog\n",
                ),
            "carries flows between translated zone `filling` and zones beyond `GigabitEthernet0/0` that use its inside addresses",
        ),
        (
            "IPv6 in a translated zone",
            one.replace(
                "network 192.168.1.0/24 nat 10.50.1.0/24",
                "network 192.168.1.0/24 nat 10.50.1.0/24, fd00:50::/64",
            ),
            "translates zone `filling`, which has IPv6 networks",
        ),
        (
            "connections from the router into the skid",
            one.replace(
                "  allow filling.plc -> self ntp\n",
                "  allow filling.plc -> self ntp\n  allow self -> filling.plc modbus\n",
            ),
            "opens connections into translated zone `filling`",
        ),
    ];
    for (what, text, message) in cases {
        let checked = check_text("t.fence", Path::new("t.fence"), text.clone(), &opts());
        let d = checked
            .diagnostics
            .iter()
            .find(|d| d.code == "E0039" && d.message.contains(message))
            .unwrap_or_else(|| panic!("{what}: not refused: {:#?}", checked.diagnostics));
        assert!(d.is_error(), "{what}");
        assert!(
            d.message
                .contains("target cisco-ios cannot generate this translation"),
            "{what}: {}",
            d.message
        );
        assert!(d.help.is_some(), "{what}");
        let span = d.span.expect("a span");
        let at = &text[span.range()];
        assert!(at.starts_with("rtr-"), "{what}: points at `{at}`");
        // `build` refuses it with exit 1 and writes nothing.
        let dir = tempfile::tempdir().unwrap();
        let policy = dir.path().join("p.fence");
        std::fs::write(&policy, &text).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fenceline"))
            .args(["build", "-q"])
            .arg(&policy)
            .arg("-o")
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("E0039"),
            "{what}"
        );
        assert!(!dir.path().join("out").exists(), "{what}");
    }
}

/// Issue 18: without `--cisco-object-groups`, a flow between two zones of several networks gets
/// network object-groups because they make the ACL shorter (one ACE per item instead of one per
/// source network, destination network and item; `tests/ios/zone_sets.fence`), while a flow
/// where they would not pay (an asset to a zone of one network) stays inline.
#[test]
fn object_groups_are_chosen_where_they_shorten_the_acl() {
    let checked = check_path(Path::new("tests/ios/zone_sets.fence"), &opts()).unwrap();
    let case = build("zone_sets", &checked, false);
    let text = &case.texts["rtr"];
    let groups: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("object-group network "))
        .collect();
    // `ops`, `cells` and the asset `ops.ews` (two hosts: 1 ACE and 2 entries, the group of
    // `cells` already defined, instead of 2 x 3 ACEs).
    assert_eq!(groups.len(), 3, "{text}");
    assert!(
        text.contains("\n host 10.2.0.40\n host 10.2.9.5\n"),
        "{text}"
    );
    for entry in ["\n 10.2.9.0 255.255.255.240\n", "\n host 10.1.20.5\n"] {
        assert_eq!(text.matches(entry).count(), 1, "{entry:?}:\n{text}");
    }
    let modbus = text
        .lines()
        .filter(|l| l.contains(" permit tcp object-group ") && l.ends_with(" eq 502"))
        .count();
    assert_eq!(modbus, 1, "{text}");
    // IPv6 stays inline; so does an asset's flow to a zone of one network.
    assert!(
        text.contains("permit tcp fd00:2::/64 fd00:1::/64 eq 502"),
        "{text}"
    );
    assert!(
        text.contains("permit tcp object-group ") && text.contains(" 10.3.0.0 0.0.0.255 eq 443"),
        "{text}"
    );
}
