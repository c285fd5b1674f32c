//! Packets per zone pair -> flows: address ranges onto the skeleton's zones and assets (the
//! whole zone where they cover it, `zone.asset` where they match an asset, a new asset named
//! after its addresses otherwise), protocol and port ranges onto catalogue services where they
//! match exactly (inline items otherwise), one flow per pair of ends.

use super::derive::PairPackets;
use super::Finding;
use crate::dialect::config::Tag;
use crate::model::services::CATALOGUE;
use crate::model::{AddrSet, Model, ServiceItem, ZoneId};
use crate::packet::service::PortRange;
use crate::packet::space::{Cube, Family, Ivs, Space};
use std::collections::{BTreeMap, BTreeSet};

/// One end of an imported flow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum End {
    Zone(ZoneId),
    /// An asset of the skeleton, or a new one ([`NewAssets`]), by name.
    Asset(ZoneId, String),
}

/// Assets the import adds, per zone: addresses -> name; and the `one-way` services it declares
/// (name -> item) for items no declared `one-way` service of the skeleton holds.
#[derive(Default)]
pub struct NewAssets {
    pub by_zone: BTreeMap<ZoneId, BTreeMap<AddrSet, String>>,
    pub one_way: BTreeMap<String, String>,
}

/// One imported flow.
pub struct Flow {
    pub src: End,
    pub dst: End,
    /// Service names and inline items, in the order written.
    pub services: Vec<String>,
    /// The configuration lines that accept it (`fw/nftables.nft:12`).
    pub lines: BTreeSet<String>,
    /// A comment of its own instead of the lines (`traffic learn`: counts, first and last seen).
    pub note: Option<String>,
}

/// `zone` or `zone.asset`.
pub fn end_text(model: &Model, e: &End) -> String {
    match e {
        End::Zone(z) => model.zone(*z).name.clone(),
        End::Asset(z, a) => format!("{}.{a}", model.zone(*z).name),
    }
}

fn end_addrs(model: &Model, new: &NewAssets, e: &End) -> AddrSet {
    match e {
        End::Zone(z) => model.zone(*z).addrs.clone(),
        End::Asset(z, a) => {
            let zone = model.zone(*z);
            if let Some(i) = zone.asset(a) {
                return zone.assets[i].addrs.clone();
            }
            new.by_zone
                .get(z)
                .and_then(|m| m.iter().find(|(_, n)| *n == a).map(|(s, _)| s.clone()))
                .unwrap_or_default()
        }
    }
}

fn set_of(fam: Family, ivs: &Ivs) -> AddrSet {
    let mut s = AddrSet::new();
    for &(lo, hi) in ivs.0.iter() {
        match fam {
            Family::V4 => s.add_v4(lo as u32, hi as u32),
            Family::V6 => s.add_v6(lo, hi),
        }
    }
    s
}

/// The name of the new asset holding exactly `set` in `zone` (registered on first use).
pub fn new_asset(model: &Model, zone: ZoneId, set: AddrSet, new: &mut NewAssets) -> String {
    let z = model.zone(zone);
    let taken: BTreeSet<String> = z.assets.iter().map(|a| a.name.clone()).collect();
    let reg = new.by_zone.entry(zone).or_default();
    if let Some(n) = reg.get(&set) {
        return n.clone();
    }
    let base = asset_name(&set);
    let mut name = base.clone();
    let mut k = 2;
    while taken.contains(&name) || reg.values().any(|n| *n == name) {
        name = format!("{base}-{k}");
        k += 1;
    }
    reg.insert(set, name.clone());
    name
}

/// A name for new addresses: `h-10-30-0-10` for a host, `n-10-40-2-0-24` for a network.
fn asset_name(set: &AddrSet) -> String {
    let nets = set.nets();
    let Some(first) = nets.first() else {
        return "none".into();
    };
    let host = first.prefix_len() == first.max_prefix_len();
    let addr = first
        .addr()
        .to_string()
        .replace([':', '.'], "-")
        .to_lowercase();
    let mut name = if host {
        format!("h-{addr}")
    } else {
        format!("n-{addr}-{}", first.prefix_len())
    };
    if nets.len() > 1 {
        name.push_str(&format!("-and-{}", nets.len() - 1));
    }
    name.replace("--", "-0-")
}

/// The ends that cover `s` (one family's addresses inside `zone`), `free` addresses optional.
fn cover(
    model: &Model,
    zone: ZoneId,
    fam: Family,
    s: &Ivs,
    free: &AddrSet,
    new: &mut NewAssets,
) -> Vec<End> {
    let z = model.zone(zone);
    let zf = fam.addrs(&z.addrs);
    let fr = fam.addrs(free).intersect(&zf);
    let with_free = s.union(&fr);
    if zf.is_subset(&with_free) {
        return vec![End::Zone(zone)];
    }
    let mut assets: Vec<(u128, &crate::model::Asset)> = z
        .assets
        .iter()
        .map(|a| (fam.addrs(&a.addrs).count(), a))
        .filter(|(n, _)| *n > 0)
        .collect();
    assets.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
    let mut out = Vec::new();
    let mut covered = Ivs::empty();
    for (_, a) in assets {
        let af = fam.addrs(&a.addrs);
        if af.is_subset(&with_free) && !af.is_subset(&covered) && !af.is_subset(&fr) {
            covered = covered.union(&af);
            out.push(End::Asset(zone, a.name.clone()));
        }
    }
    let rest = s.subtract(&covered).subtract(&fr);
    if !rest.is_empty() {
        let name = new_asset(model, zone, set_of(fam, &rest), new);
        out.push(End::Asset(zone, name));
    }
    out
}

/// The service items of one cube (its protocol and port dimensions), or why none expresses it.
fn items_of(c: &Cube) -> Result<Vec<ServiceItem>, String> {
    let mut out = Vec::new();
    let full_sport = c.sport.is_range(0, 65535);
    for &(lo, hi) in c.proto.0.iter() {
        for p in lo..=hi {
            match p {
                6 | 17 => {
                    if !full_sport || (p == 6 && !c.ack.is_range(0, 1)) {
                        return Err("a match on the source port or TCP flags".into());
                    }
                    for &(a, b) in c.port.0.iter() {
                        let ports = PortRange {
                            lo: a as u16,
                            hi: b as u16,
                        };
                        out.push(if p == 6 {
                            ServiceItem::Tcp { ports }
                        } else {
                            ServiceItem::Udp { ports }
                        });
                    }
                }
                1 | 58 => {
                    let own = (p == 1) == (c.family == Family::V4);
                    if c.port.is_range(0, 255) {
                        out.push(match (own, p) {
                            (true, 1) => ServiceItem::Icmp { icmp_type: None },
                            (true, _) => ServiceItem::Icmpv6 { icmp_type: None },
                            _ => ServiceItem::Ip { number: p as u8 },
                        });
                        continue;
                    }
                    if !own {
                        return Err(format!(
                            "some types of IP protocol {p} in {}",
                            if c.family == Family::V4 {
                                "IPv4"
                            } else {
                                "IPv6"
                            }
                        ));
                    }
                    for &(a, b) in c.port.0.iter() {
                        for t in a..=b {
                            let t = t as u8;
                            let item = if p == 1 {
                                ServiceItem::Icmp { icmp_type: Some(t) }
                            } else {
                                ServiceItem::Icmpv6 { icmp_type: Some(t) }
                            };
                            if item.answer().is_some() {
                                return Err(format!("{item}, a type that only answers"));
                            }
                            out.push(item);
                        }
                    }
                }
                n => out.push(ServiceItem::Ip { number: n as u8 }),
            }
        }
    }
    Ok(out)
}

/// Rectangles (source, destination) of one family, merged into one rectangle per distinct
/// source set: the destination line is cut at every rectangle's bounds, each piece gets the
/// union of the sources that reach it, and pieces with the same sources are joined. Flows
/// written over zones and assets come back as they were, however the readers cut them.
fn merge_rects(rects: Vec<(Ivs, Ivs)>) -> Vec<(Ivs, Ivs)> {
    let mut cuts: BTreeSet<u128> = BTreeSet::new();
    for (_, d) in &rects {
        for &(lo, hi) in d.0.iter() {
            cuts.insert(lo);
            if let Some(h) = hi.checked_add(1) {
                cuts.insert(h);
            }
        }
    }
    let cuts: Vec<u128> = cuts.into_iter().collect();
    let mut by_src: BTreeMap<Ivs, Vec<(u128, u128)>> = BTreeMap::new();
    for (k, &lo) in cuts.iter().enumerate() {
        let hi = cuts.get(k + 1).map_or(u128::MAX, |n| n - 1);
        let piece = Ivs::range(lo, hi);
        let mut src = Ivs::empty();
        for (s, d) in &rects {
            if d.overlaps(&piece) {
                src = src.union(s);
            }
        }
        if !src.is_empty() {
            by_src.entry(src).or_default().push((lo, hi));
        }
    }
    by_src
        .into_iter()
        .map(|(s, d)| (s, Ivs::from_intervals(d)))
        .collect()
}

/// Services as protocol coverage: (protocol key, ports or types).
type Coverage = BTreeMap<(u8, u8), Ivs>;

/// Key: (kind, number): 0 tcp, 1 udp, 2 icmp, 3 icmpv6, 4 ip/N.
fn coverage(items: &[ServiceItem]) -> Option<Coverage> {
    let mut c: Coverage = BTreeMap::new();
    for it in items {
        let (k, iv) = match *it {
            ServiceItem::Tcp { ports } => ((0, 0), Ivs::range(ports.lo as u128, ports.hi as u128)),
            ServiceItem::Udp { ports } => ((1, 0), Ivs::range(ports.lo as u128, ports.hi as u128)),
            ServiceItem::Icmp { icmp_type } => (
                (2, 0),
                icmp_type.map_or(Ivs::range(0, 255), |t| Ivs::point(t as u128)),
            ),
            ServiceItem::Icmpv6 { icmp_type } => (
                (3, 0),
                icmp_type.map_or(Ivs::range(0, 255), |t| Ivs::point(t as u128)),
            ),
            ServiceItem::Ip { number } => ((4, number), Ivs::point(0)),
            ServiceItem::AnyIp | ServiceItem::Ether { .. } => return None,
        };
        let e = c.entry(k).or_default();
        *e = e.union(&iv);
    }
    Some(c)
}

fn fits(inner: &Coverage, outer: &Coverage) -> bool {
    inner
        .iter()
        .all(|(k, iv)| outer.get(k).is_some_and(|o| iv.is_subset(o)))
}

/// The services a coverage is written with: the skeleton's declared services and the
/// catalogue's entries whose items it holds whole (most items first), then inline items.
fn services_for(model: &Model, items: &[ServiceItem], fams: (bool, bool)) -> Vec<String> {
    services_of(model, items, fams, false)
}

/// [`services_for`] over the skeleton's services whose `one-way` flag is `one_way`; the
/// catalogue (whose entries are all two-way) only for two-way items.
fn services_of(
    model: &Model,
    items: &[ServiceItem],
    fams: (bool, bool),
    one_way: bool,
) -> Vec<String> {
    let Some(mut left) = coverage(items) else {
        return items.iter().map(|i| i.to_string()).collect();
    };
    // ICMP of a family neither end has allows no packet: a service may hold it or not.
    let relevant = |c: Coverage| -> Coverage {
        c.into_iter()
            .filter(|((k, _), _)| (*k != 2 || fams.0) && (*k != 3 || fams.1))
            .collect()
    };
    let mut candidates: Vec<(usize, bool, String, Coverage)> = Vec::new();
    for s in model
        .services
        .iter()
        .filter(|s| !s.builtin && s.flags.one_way == one_way)
    {
        if let Some(c) = coverage(&s.items) {
            candidates.push((s.items.len(), false, s.name.clone(), relevant(c)));
        }
    }
    for b in CATALOGUE.iter().filter(|b| b.name != "any" && !one_way) {
        if model
            .services
            .iter()
            .any(|s| s.name == b.name && !s.builtin)
        {
            continue;
        }
        if let Some(c) = coverage(&b.parsed_items()) {
            candidates.push((
                b.parsed_items().len(),
                true,
                b.name.to_string(),
                relevant(c),
            ));
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut out = Vec::new();
    for (_, _, name, c) in &candidates {
        if !c.is_empty() && fits(c, &left) {
            for (k, iv) in c {
                if let Some(o) = left.get_mut(k) {
                    *o = o.subtract(iv);
                }
            }
            left.retain(|_, v| !v.is_empty());
            out.push(name.clone());
        }
    }
    for ((kind, n), iv) in left {
        for &(lo, hi) in iv.0.iter() {
            let range = |p: &str| {
                if lo == 0 && hi == 65535 {
                    p.to_string()
                } else if lo == hi {
                    format!("{p}/{lo}")
                } else {
                    format!("{p}/{lo}-{hi}")
                }
            };
            match kind {
                0 => out.push(range("tcp")),
                1 => out.push(range("udp")),
                2 | 3 => {
                    let p = if kind == 2 { "icmp" } else { "icmpv6" };
                    if lo == 0 && hi == 255 {
                        out.push(p.to_string());
                    } else {
                        out.extend((lo..=hi).map(|t| format!("{p}/{t}")));
                    }
                }
                _ => out.push(format!("ip/{n}")),
            }
        }
    }
    out
}

/// `ip` where the items are every protocol: the flow's packets are every packet between them.
fn whole_ip(items: &BTreeSet<ServiceItem>) -> bool {
    let all = PortRange { lo: 0, hi: 65535 };
    let has = |i: ServiceItem| items.contains(&i);
    has(ServiceItem::Tcp { ports: all })
        && has(ServiceItem::Udp { ports: all })
        && (0..=255u8)
            .filter(|p| ![1, 6, 17, 58].contains(p))
            .all(|n| has(ServiceItem::Ip { number: n }))
}

/// The flows of one zone pair.
pub fn flows_of_pair(
    model: &Model,
    pair: &PairPackets,
    new: &mut NewAssets,
    findings: &mut Vec<Finding>,
    zones: (ZoneId, ZoneId),
) -> Vec<Flow> {
    let line_of = |c: &Cube| -> String {
        c.witness()
            .and_then(|p| {
                pair.crossings
                    .iter()
                    .find_map(|s| s.contains(&p).map(|t| t.to_string()))
            })
            .unwrap_or_default()
    };
    let mut by_item: BTreeMap<ServiceItem, BTreeMap<Family, Vec<(Ivs, Ivs)>>> = BTreeMap::new();
    for (c, ()) in &pair.packets.cubes {
        match items_of(c) {
            Ok(items) => {
                for it in items {
                    by_item
                        .entry(it)
                        .or_default()
                        .entry(c.family)
                        .or_default()
                        .push((c.src.clone(), c.dst.clone()));
                }
            }
            Err(why) => findings.push(Finding {
                code: super::codes::INEXPRESSIBLE,
                message: format!(
                    "no flow from `{}` to `{}` can say {why}",
                    model.zone(zones.0).name,
                    model.zone(zones.1).name
                ),
                packet: c.witness().map(|p| p.to_string()).unwrap_or_default(),
                line: line_of(c),
            }),
        }
    }
    let mut allowed = pair.packets.clone();
    let free = super::derive::free_space(&pair.free_src);
    allowed.cubes.extend(free.cubes);
    let mut triples: BTreeMap<(End, End), BTreeSet<ServiceItem>> = BTreeMap::new();
    for (item, fams) in by_item {
        for (fam, rects) in fams {
            for (s, d) in merge_rects(rects) {
                let srcs = cover(model, zones.0, fam, &s, &pair.free_src, new);
                let dsts = cover(model, zones.1, fam, &d, &pair.free_src, new);
                for a in &srcs {
                    for b in &dsts {
                        triples
                            .entry((a.clone(), b.clone()))
                            .or_default()
                            .insert(item);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for ((a, b), items) in triples {
        let (sa, sb) = (end_addrs(model, new, &a), end_addrs(model, new, &b));
        // A flow allows its items in every family both ends have: never more than was read.
        let mut kept: Vec<ServiceItem> = Vec::new();
        for it in &items {
            let mut cubes = Space::new();
            cubes.extend(Cube::of_item_all(&sa, &sb, it), ());
            match cubes.subtract(&allowed).cubes.first() {
                None => kept.push(*it),
                Some((c, ())) => findings.push(Finding {
                    code: super::codes::INEXPRESSIBLE,
                    message: format!(
                        "a flow `{} -> {} {it}` would allow more than the configurations: they allow it in one address family only",
                        end_text(model, &a),
                        end_text(model, &b)
                    ),
                    packet: c.witness().map(|p| p.to_string()).unwrap_or_default(),
                    line: String::new(),
                }),
            }
        }
        if kept.is_empty() {
            continue;
        }
        let fams = (
            !sa.v4.is_empty() && !sb.v4.is_empty(),
            !sa.v6.is_empty() && !sb.v6.is_empty(),
        );
        // Items whose replies a device on the way drops whole are `one-way`.
        let (one_way, two_way): (Vec<ServiceItem>, Vec<ServiceItem>) = kept
            .iter()
            .partition(|it| replies_dropped(pair, &sa, &sb, it));
        let kept_set: BTreeSet<ServiceItem> = two_way.iter().copied().collect();
        let mut services = if two_way.is_empty() {
            Vec::new()
        } else if whole_ip(&kept_set) {
            vec!["ip".to_string()]
        } else {
            services_for(model, &two_way, fams)
        };
        if !one_way.is_empty() {
            for s in services_of(model, &one_way, fams, true) {
                if model.services.iter().any(|d| d.name == s && !d.builtin) {
                    services.push(s);
                } else {
                    services.push(new_one_way(model, &s, new));
                }
            }
        }
        let mut cubes = Space::new();
        for it in &kept {
            cubes.extend(Cube::of_item_all(&sa, &sb, it), ());
        }
        let mut lines = BTreeSet::new();
        for s in &pair.crossings {
            for (_, t, ()) in s.intersect(&cubes) {
                lines.insert(short_line(&t));
            }
        }
        out.push(Flow {
            src: a,
            dst: b,
            services,
            lines,
            note: None,
        });
    }
    out
}

/// Does a crossing on the way drop every reply of `item` from `sb` to `sa` (so the flow is
/// `one-way`)? Only items a `one-way` service may hold: not TCP (E0035), not every protocol.
fn replies_dropped(pair: &PairPackets, sa: &AddrSet, sb: &AddrSet, item: &ServiceItem) -> bool {
    if matches!(item, ServiceItem::Tcp { .. } | ServiceItem::AnyIp) {
        return false;
    }
    let mut replies = Space::new();
    for fam in [Family::V4, Family::V6] {
        replies.extend(crate::packet::reply::reply_cubes(fam, sa, sb, item), ());
    }
    !replies.is_empty()
        && pair
            .reply_crossings
            .iter()
            .any(|back| replies.intersect(back).is_empty())
}

/// The name of the `one-way` service declared for an inline item (`udp/514` ->
/// `udp-514-one-way`), unique among the skeleton's services.
fn new_one_way(model: &Model, item: &str, new: &mut NewAssets) -> String {
    if let Some((n, _)) = new.one_way.iter().find(|(_, i)| *i == item) {
        return n.clone();
    }
    let base = format!("{}-one-way", crate::inventory::ident(item, "svc"));
    let mut name = base.clone();
    let mut k = 2;
    while model.services.iter().any(|s| s.name == name) || new.one_way.contains_key(&name) {
        name = format!("{base}-{k}");
        k += 1;
    }
    new.one_way.insert(name.clone(), item.to_string());
    name
}

/// `fw/nftables.nft:12: ip saddr ... accept` -> `fw/nftables.nft:12`.
fn short_line(t: &Tag) -> String {
    let s: &str = t;
    match s.find(": ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}
