//! Configurations -> packets per zone pair: what each device's configuration accepts (its
//! dialect's semantics, [`crate::dialect::Filters`]), less what the skeleton already allows,
//! split by the zones of its addresses, and intersected along every path between two zones.
//! What cannot become a flow (addresses of no zone, a pair no path between the zones takes, a
//! device allowing more than another on the same path) becomes an import finding with a packet.

use super::Finding;
use crate::dialect::config::{ReadError, Tag};
use crate::model::graph::{Hop, ZoneGraph};
use crate::model::{AddrSet, DeviceId, Model, Target, ZoneId};
use crate::packet::space::{Cube, Family, Ivs, Space};
use crate::verify::equiv;
use std::collections::BTreeMap;

/// One (device, target) crossing: its accepted space on one interface pair.
pub type Key = (DeviceId, Target, usize, usize);

/// What the configurations allow between two zones, end to end.
pub struct PairPackets {
    /// The packets every crossing of every path between the zones accepts.
    pub packets: Space<()>,
    /// Each crossing's accepted packets between the zones, tagged with its lines (for comments).
    pub crossings: Vec<Space<Tag>>,
    /// Addresses of the devices themselves: a flow's ends may hold them or not.
    pub free_src: AddrSet,
    /// For each crossing whose reader models it, what the crossing passes back in the reply
    /// direction (the reply direction of established connections on a stateful device, the
    /// reverse ACL on a stateless one): a flow whose replies one of them drops whole is
    /// `one-way`.
    pub reply_crossings: Vec<Space<()>>,
}

/// Everything read from the configurations.
pub struct Derived {
    pub pairs: BTreeMap<(ZoneId, ZoneId), PairPackets>,
    pub files: Vec<String>,
}

/// Reads every device of the skeleton through `read` and derives the packets per zone pair.
pub fn derive(
    model: &Model,
    read: &dyn Fn(&str) -> Option<String>,
    findings: &mut Vec<Finding>,
) -> Result<Derived, ReadError> {
    let graph = ZoneGraph::build(model);
    let stateful_known = equiv::policy_pairs(model);
    let stateless_known = equiv::stateless_pairs(model);
    let mut accepted: BTreeMap<Key, Space<Tag>> = BTreeMap::new();
    let mut replies: BTreeMap<Key, Space<()>> = BTreeMap::new();
    let mut files = Vec::new();
    for (di, dev) in model.devices.iter().enumerate() {
        let d = DeviceId(di);
        if dev.interfaces.len() < 2 {
            continue;
        }
        for &t in &dev.targets {
            let Some(cfg) = equiv::load_device(dev, t, read)? else {
                return Err(ReadError {
                    file: dev.name.clone(),
                    line: 0,
                    message: format!("no {} configuration for `{}`", t.name(), dev.name),
                });
            };
            files.extend(cfg.files.iter().cloned());
            let stateless = !dev.stateful();
            let to_device = dst_space(&dev.own_addrs());
            // A stateless router with no IPv6 network behind it routes no IPv6 (as verify).
            let v4_only = stateless
                && !dev.interfaces.iter().any(|i| {
                    graph
                        .zones_behind(d, i.zone)
                        .iter()
                        .any(|z| !model.zone(*z).addrs.v6.is_empty())
                });
            for (i, a) in dev.interfaces.iter().enumerate() {
                for (e, b) in dev.interfaces.iter().enumerate() {
                    if i == e {
                        continue;
                    }
                    // The reply direction of the pair: a zone-based firewall passes the
                    // replies of what it inspects by state no filter shows, so it gives none.
                    let back = if stateless {
                        cfg.config.filters(&b.name, &a.name).ok()
                    } else if dev.inspect {
                        None
                    } else {
                        // A reader that does not model it (translated connections) gives none.
                        cfg.config.replies(&b.name, &a.name).ok()
                    };
                    if let Some(back) = back {
                        replies.insert((d, t, i, e), equiv::config_accepts(&back).untagged());
                    }
                    let mut have = equiv::config_accepts(&cfg.config.filters(&a.name, &b.name)?);
                    if stateless {
                        // Packets to the router itself are its own traffic, not forwarded.
                        have = openings(have).subtract(&to_device);
                        if v4_only {
                            have.cubes.retain(|(c, _)| c.family == Family::V4);
                        }
                        if let Some(k) = stateless_known.get(&(d, i, e)) {
                            have = have.subtract(k);
                        }
                    } else if let Some(k) = stateful_known.get(&(d, i, e)) {
                        have = have.subtract(k);
                    }
                    if !have.is_empty() {
                        accepted.insert((d, t, i, e), have);
                    }
                }
            }
        }
    }
    let pairs = by_zone_pair(model, &graph, &accepted, &replies, findings);
    Ok(Derived { pairs, files })
}

/// A stateless filter (Cisco IOS ACL) lets in the replies of the connections it lets out; what
/// can open a connection is the part that holds every source port and both TCP flag values,
/// and no ICMP answer or neighbour discovery type.
fn openings(s: Space<Tag>) -> Space<Tag> {
    use crate::packet::service::{icmp_kind, IcmpKind};
    let mut out = Space::new();
    for (mut c, t) in s.cubes {
        let p = c.proto.first().unwrap_or(0);
        match p {
            6 | 17 => {
                let full_ack = p != 6 || c.ack.is_range(0, 1);
                if !(c.sport.is_range(0, 65535) && full_ack) {
                    continue;
                }
            }
            1 | 58 if c.proto.0.len() == 1 && c.proto.0[0].0 == c.proto.0[0].1 => {
                let v6 = p == 58;
                let types: Vec<(u128, u128)> = (0u8..=255)
                    .filter(|&ty| c.port.contains(ty as u128))
                    .filter(|&ty| matches!(icmp_kind(v6, ty), IcmpKind::Request))
                    .map(|ty| (ty as u128, ty as u128))
                    .collect();
                // A whole protocol stays whole: the policy's `icmp` allows every type.
                if !c.port.is_range(0, 255) {
                    c.port = Ivs::from_intervals(types);
                }
            }
            _ => {}
        }
        if !c.is_empty() {
            out.cubes.push((c, t));
        }
    }
    out
}

/// The zones of a family's addresses, each with its part of `ivs`; the rest is in no zone.
fn split_by_zone(model: &Model, fam: Family, ivs: &Ivs) -> (Vec<(ZoneId, Ivs)>, Ivs) {
    let mut parts = Vec::new();
    let mut rest = ivs.clone();
    for (zi, z) in model.zones.iter().enumerate() {
        let zs = fam.addrs(&z.addrs);
        let part = ivs.intersect(&zs);
        if !part.is_empty() {
            rest = rest.subtract(&part);
            parts.push((ZoneId(zi), part));
        }
    }
    (parts, rest)
}

fn tag_line(t: &Tag) -> String {
    t.to_string()
}

fn finding(code: &'static str, message: String, c: &Cube, t: &Tag) -> Finding {
    Finding {
        code,
        message,
        packet: c.witness().map(|p| p.to_string()).unwrap_or_default(),
        line: tag_line(t),
    }
}

/// Splits every crossing's packets by zone pair, keeps the pairs whose paths take the crossing,
/// and intersects the crossings of each path.
fn by_zone_pair(
    model: &Model,
    graph: &ZoneGraph,
    accepted: &BTreeMap<Key, Space<Tag>>,
    replies: &BTreeMap<Key, Space<()>>,
    findings: &mut Vec<Finding>,
) -> BTreeMap<(ZoneId, ZoneId), PairPackets> {
    let mut hops_of: BTreeMap<(ZoneId, ZoneId), Option<Vec<Hop>>> = BTreeMap::new();
    let mut per_pair: BTreeMap<(ZoneId, ZoneId), BTreeMap<Key, Space<Tag>>> = BTreeMap::new();
    for (&key, space) in accepted {
        let (d, t, i, e) = key;
        let dev = model.device(d);
        for (c, tag) in &space.cubes {
            let (srcs, src_rest) = split_by_zone(model, c.family, &c.src);
            let (dsts, dst_rest) = split_by_zone(model, c.family, &c.dst);
            for (rest, is_src) in [(&src_rest, true), (&dst_rest, false)] {
                if rest.is_empty() {
                    continue;
                }
                let mut x = c.clone();
                if is_src {
                    x.src = rest.clone();
                } else {
                    x.dst = rest.clone();
                }
                findings.push(finding(
                    super::codes::NO_ZONE,
                    format!(
                        "`{}` ({}) accepts traffic from {} to {} with addresses of no zone",
                        dev.name,
                        t.name(),
                        dev.interfaces[i].name,
                        dev.interfaces[e].name
                    ),
                    &x,
                    tag,
                ));
            }
            for (zs, s) in &srcs {
                for (zd, dd) in &dsts {
                    let mut x = c.clone();
                    x.src = s.clone();
                    x.dst = dd.clone();
                    let hops = hops_of
                        .entry((*zs, *zd))
                        .or_insert_with(|| graph.hops(*zs, *zd));
                    let on_path = hops.as_ref().is_some_and(|h| {
                        h.iter()
                            .any(|h| h.device == d && h.ingress == i && h.egress == e)
                    });
                    if !on_path || zs == zd {
                        findings.push(finding(
                            super::codes::OFF_PATH,
                            format!(
                                "`{}` ({}) accepts traffic from `{}` to `{}` from {} to {}, a way no path between the zones crosses it",
                                dev.name,
                                t.name(),
                                model.zone(*zs).name,
                                model.zone(*zd).name,
                                dev.interfaces[i].name,
                                dev.interfaces[e].name
                            ),
                            &x,
                            tag,
                        ));
                        continue;
                    }
                    per_pair
                        .entry((*zs, *zd))
                        .or_default()
                        .entry(key)
                        .or_default()
                        .push(x, tag.clone());
                }
            }
        }
    }
    // The devices' own addresses: a stateless device drops them as forged sources and keeps
    // packets to them for itself, and the skeleton's device-level flows already allow some of
    // their traffic. A flow may hold them or not; verify decides what it holds.
    let own = AddrSet::union_all(
        model
            .devices
            .iter()
            .map(|d| d.own_addrs())
            .collect::<Vec<_>>()
            .iter(),
    );
    let mut out = BTreeMap::new();
    for ((zs, zd), by_key) in per_pair {
        let Some(Some(hops)) = hops_of.get(&(zs, zd)) else {
            continue;
        };
        let mut required: Vec<Key> = Vec::new();
        for h in hops {
            for &t in &model.device(h.device).targets {
                required.push((h.device, t, h.ingress, h.egress));
            }
        }
        let free_src = own.clone();
        let empty = Space::new();
        let free = free_space(&free_src);
        // Every crossing must accept a packet for a flow to allow it; a device's forged-source
        // drops take nothing from the others.
        let mut common: Option<Space<()>> = None;
        let mut any = Space::new();
        for k in &required {
            let s = by_key.get(k).unwrap_or(&empty).untagged();
            any.cubes.extend(s.cubes.iter().cloned());
            let mut with_free = s;
            with_free.cubes.extend(free.cubes.iter().cloned());
            common = Some(match common {
                None => with_free,
                Some(c) => meet(&c, &with_free),
            });
        }
        let common = common.map(|c| meet(&c, &any));
        let common = common.unwrap_or_default();
        let mut crossings = Vec::new();
        for k in &required {
            let Some(s) = by_key.get(k) else { continue };
            let more = s.subtract(&common).subtract(&free);
            if let Some((c, t)) = more.cubes.first() {
                let dev = model.device(k.0);
                findings.push(finding(
                    super::codes::MORE_THAN_PATH,
                    format!(
                        "`{}` ({}) allows more from `{}` to `{}` than the other devices on the way",
                        dev.name,
                        k.1.name(),
                        model.zone(zs).name,
                        model.zone(zd).name
                    ),
                    c,
                    t,
                ));
            }
            crossings.push(s.clone());
        }
        if !common.is_empty() {
            let reply_crossings = required
                .iter()
                .filter_map(|k| replies.get(k).cloned())
                .collect();
            out.insert(
                (zs, zd),
                PairPackets {
                    packets: common,
                    crossings,
                    free_src,
                    reply_crossings,
                },
            );
        }
    }
    out
}

/// Every packet whose destination is in `set`.
fn dst_space(set: &AddrSet) -> Space<()> {
    let mut s = Space::new();
    for fam in [Family::V4, Family::V6] {
        let dst = fam.addrs(set);
        if !dst.is_empty() {
            s.extend(
                Cube::new(
                    fam,
                    fam.all_addrs(),
                    dst,
                    Ivs::range(0, 255),
                    Ivs::range(0, 65535),
                ),
                (),
            );
        }
    }
    s
}

/// `a ∩ b`, untagged.
fn meet(a: &Space<()>, b: &Space<()>) -> Space<()> {
    let mut out = Space::new();
    for (c, (), ()) in a.intersect(b) {
        out.push(c, ());
    }
    out
}

/// Every packet from or to an address of `set`.
pub fn free_space(set: &AddrSet) -> Space<()> {
    let mut s = Space::new();
    for fam in [Family::V4, Family::V6] {
        let a = fam.addrs(set);
        if a.is_empty() {
            continue;
        }
        let all = || (Ivs::range(0, 255), Ivs::range(0, 65535));
        let (p, q) = all();
        s.extend(Cube::new(fam, a.clone(), fam.all_addrs(), p, q), ());
        let (p, q) = all();
        s.extend(Cube::new(fam, fam.all_addrs(), a, p, q), ());
    }
    s
}
