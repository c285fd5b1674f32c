//! Pass 5 helper shared by the Linux backends: which ends of a device's rules are written as a
//! named set of their zone (an nftables `set z_<zone>_v4`, an `ipset`) instead of their
//! addresses, and the rules that use them, one per flow, family and service shape.
//!
//! Without sets, a flow between two zones of N and M networks is N x M elements (nftables) or
//! rules (iptables) per service item, each with its comment; a one-firewall plant of 100 zones
//! of three networks turns 100,000 flows into a million elements. With them it is one rule per
//! flow whose services are one anonymous set, and the zone's networks are written once.
//!
//! The rule ([`MIN_INTERVALS`]): an end is written as its zone's set when the flow names the
//! whole zone (its addresses in the rule are exactly the zone's, as the device's set holds them)
//! and the zone has at least two address intervals in that family; an end that is an asset of
//! at least two intervals (a group of networks or hosts) gets a set of its own the same way. A
//! rule with such an end leaves the pair's concatenated set (or its inline rules) for a rule of
//! its own; a zone or asset of one network stays inline, where it costs one element per service
//! item as a set would.

use crate::dialect::linux::{self, service_key, Shape};
use crate::dialect::nat;
use crate::model::{FlowRef, Model, ZoneId};
use crate::packet::Family;
use crate::plan::{DeviceIr, RuleIr};
use std::collections::BTreeMap;

/// Fewest address intervals of one family for which a zone end is written as the zone's set.
pub const MIN_INTERVALS: usize = 2;

/// The addresses of each zone the device has a set of, per family, as the set holds them (a
/// zone the device translates: its inside addresses).
pub type ZoneAddrs = BTreeMap<(ZoneId, Family), Vec<(u128, u128)>>;

/// The addresses of every zone behind one of the device's interfaces, per family (none where
/// the zone has none of that family): what a zone's set holds. A zone the device translates is
/// on its interface's wire at its inside addresses.
pub fn zone_addrs(model: &Model, dev: &DeviceIr) -> ZoneAddrs {
    let mut zones: Vec<ZoneId> = dev
        .interfaces
        .iter()
        .flat_map(|i| i.behind_zones.iter().copied())
        .collect();
    zones.sort();
    zones.dedup();
    let mut out = ZoneAddrs::new();
    for z in zones {
        let zone = model.zone(z);
        let addrs = match dev
            .interfaces
            .iter()
            .find(|i| i.zone == z && !i.nat.is_empty())
        {
            Some(i) => nat::to_inside(&i.nat, &zone.addrs),
            None => zone.addrs.clone(),
        };
        for fam in Family::BOTH {
            let ivs = linux::family_ivs(&addrs, fam);
            if !ivs.is_empty() {
                out.insert((z, fam), ivs);
            }
        }
    }
    out
}

/// One end of a [`SetRule`]: a zone's set, an asset's set (a group of several networks, with
/// its addresses: the device defines its set where a rule first names it), or addresses written
/// inline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum End {
    Zone(ZoneId),
    /// Zone, index of the asset in the zone's `assets`, its addresses in the family.
    Asset(ZoneId, usize, Vec<(u128, u128)>),
    Inline(Vec<(u128, u128)>),
}

/// One rule of a flow with a zone set at one end at least: every service item of the flow of one
/// shape, for one family.
#[derive(Debug, Clone)]
pub struct SetRule {
    pub family: Family,
    pub shape: Shape,
    pub log: bool,
    pub src: End,
    pub dst: End,
    /// `(protocol, low, high)`, sorted; port ranges of one protocol merged, so no two overlap.
    pub items: Vec<(u8, u16, u16)>,
    /// Index (in the slot's rules) of the first rule it comes from, for the comment.
    pub rule: usize,
}

impl SetRule {
    /// The ICMP protocols of its items that conntrack never calls new (see
    /// [`linux::untracked_protos`]): the rule is also matched before the invalid drop.
    pub fn untracked(&self) -> bool {
        self.items.iter().any(|&(proto, lo, hi)| {
            let e = linux::Element {
                src: (0, 0),
                dst: (0, 0),
                proto,
                lo,
                hi,
                rule: 0,
                merged: 0,
            };
            !linux::untracked_protos(self.shape, self.family, &e).is_empty()
        })
    }
}

/// Which of `rules` (per family) are written through zone sets, and the rules that replace them.
pub struct Split {
    pub rules: Vec<SetRule>,
    /// Per rule of the slot, per family (`[v4, v6]`): taken out of the inline form.
    taken: Vec<[bool; 2]>,
}

impl Split {
    /// Is rule `i` of the slot written through a set in family `fam`?
    pub fn taken(&self, i: usize, fam: Family) -> bool {
        self.taken.get(i).is_some_and(|t| t[index(fam)])
    }
}

fn index(fam: Family) -> usize {
    match fam {
        Family::V4 => 0,
        Family::V6 => 1,
    }
}

/// The set that stands for one end (`src` or the destination) of `r` in `fam`: its zone's, or
/// its asset's where the end is an asset of several networks (a group) whose addresses the rule
/// holds unchanged (an asset the device translates stays inline).
fn set_end(
    model: &Model,
    r: &RuleIr,
    fam: Family,
    src: bool,
    ivs: &[(u128, u128)],
    zones: &ZoneAddrs,
) -> Option<End> {
    // A device-level flow's other end is the device itself: written inline.
    let FlowRef::Flow(id) = r.flow else {
        return None;
    };
    let f = model.flow(id);
    let end = if src { f.src } else { f.dst };
    if ivs.len() < MIN_INTERVALS {
        return None;
    }
    match end.asset {
        None => {
            let held = zones.get(&(end.zone, fam))?;
            (held.as_slice() == ivs).then_some(End::Zone(end.zone))
        }
        Some(a) => {
            let asset = model.zone(end.zone).assets.get(a)?;
            (linux::family_ivs(&asset.addrs, fam) == ivs)
                .then(|| End::Asset(end.zone, a, ivs.to_vec()))
        }
    }
}

type Key = (Family, bool, Shape, FlowRef, End, End);

/// Splits a slot's rules: those with a whole multi-network zone at one end become [`SetRule`]s
/// (in order of first appearance, so output stays deterministic), the rest stay inline.
pub fn split(model: &Model, rules: &[RuleIr], zones: &ZoneAddrs) -> Split {
    let mut out: Vec<SetRule> = Vec::new();
    let mut at: BTreeMap<Key, usize> = BTreeMap::new();
    let mut taken = vec![[false; 2]; rules.len()];
    for (i, r) in rules.iter().enumerate() {
        let Some((shape, proto, lo, hi)) = service_key(&r.item) else {
            continue;
        };
        for fam in Family::BOTH {
            let (s, d) = (
                linux::family_ivs(&r.src, fam),
                linux::family_ivs(&r.dst, fam),
            );
            if s.is_empty() || d.is_empty() {
                continue;
            }
            let se = set_end(model, r, fam, true, &s, zones);
            let de = set_end(model, r, fam, false, &d, zones);
            if se.is_none() && de.is_none() {
                continue;
            }
            taken[i][index(fam)] = true;
            let src = se.unwrap_or(End::Inline(s));
            let dst = de.unwrap_or(End::Inline(d));
            let key = (fam, r.log, shape, r.flow, src.clone(), dst.clone());
            let k = *at.entry(key).or_insert_with(|| {
                out.push(SetRule {
                    family: fam,
                    shape,
                    log: r.log,
                    src,
                    dst,
                    items: Vec::new(),
                    rule: i,
                });
                out.len() - 1
            });
            if let Some(sr) = out.get_mut(k) {
                sr.items.push((proto, lo, hi));
            }
        }
    }
    for r in &mut out {
        r.items = merged(r.shape, std::mem::take(&mut r.items));
    }
    Split { rules: out, taken }
}

/// Sorted items without duplicates; of [`Shape::Ports`], port ranges of one protocol that
/// overlap or touch merged into one (an anonymous interval set refuses overlapping elements).
fn merged(shape: Shape, mut items: Vec<(u8, u16, u16)>) -> Vec<(u8, u16, u16)> {
    items.sort_unstable();
    items.dedup();
    if shape != Shape::Ports {
        return items;
    }
    let mut out: Vec<(u8, u16, u16)> = Vec::with_capacity(items.len());
    for (p, lo, hi) in items {
        match out.last_mut() {
            Some(last) if last.0 == p && u32::from(lo) <= u32::from(last.2) + 1 => {
                last.2 = last.2.max(hi);
            }
            _ => out.push((p, lo, hi)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_of_one_protocol_merge_when_they_overlap_or_touch() {
        assert_eq!(
            merged(
                Shape::Ports,
                vec![
                    (6, 502, 502),
                    (17, 53, 53),
                    (6, 500, 501),
                    (6, 600, 610),
                    (6, 502, 502)
                ]
            ),
            vec![(6, 500, 502), (6, 600, 610), (17, 53, 53)]
        );
        assert_eq!(
            merged(Shape::Ports, vec![(6, 1, 65535), (6, 65535, 65535)]),
            vec![(6, 1, 65535)]
        );
        // ICMP types 8 and 9 stay two items.
        assert_eq!(
            merged(Shape::IcmpType, vec![(1, 9, 9), (1, 8, 8), (1, 8, 8)]),
            vec![(1, 8, 8), (1, 9, 9)]
        );
    }
}
