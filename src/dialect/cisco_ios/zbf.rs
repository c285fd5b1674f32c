//! The packet semantics of the Cisco IOS zone-based policy firewall (ZBF), above
//! [`super::semantics`]: what the zone-pair between two interfaces' security zones lets through
//! as the first packet of a connection (`inspect` keeps its state, so its replies pass; `pass`
//! lets one direction through, so a reply needs a `pass` of its own the other way).
//!
//! IOS's rules, as the reader applies them: traffic between two interfaces of one zone passes;
//! between a zone member and an interface in no zone it is dropped; between two zones it passes
//! only through the zone-pair from the source zone to the destination zone, whose inspect
//! policy-map decides by its first matching class (`inspect` and `pass` accept, `drop` and a
//! class without an action drop, and the implicit `class-default` drops). Traffic to and from the
//! router itself belongs to the `self` zone: it passes unless a zone-pair with `self` exists for
//! that direction. A class-map matches the packets its ACLs permit (`match access-group name`,
//! the ACL's entries in order, its implicit end included) or every packet of a protocol
//! (`match protocol tcp|udp|icmp`); `match-any` is their union, `match-all` their intersection.
//! Interface ACLs are applied before the zone-based firewall.
//!
//! With static NAT ([`super::nat`]) the firewall sees a translated zone's hosts at their inside
//! addresses, in both directions: IOS translates an outside-to-inside packet's destination
//! before routing, so before the firewall inspects, and an inside-to-outside packet's source
//! after it. The decisions are given in the plant's view like the ACLs': the sources of packets
//! from a translated zone's interface are exchanged as its inbound ACL's are, and a destination
//! is what NAT makes of it before the firewall: from an `ip nat outside` interface an outside
//! address becomes the inside one, while an inside address sent to directly stays one (and
//! reaches a VRF's interface only by a translation), so a class naming an inside address passes
//! it from the same routing table: the inbound ACLs deny it ([`super::router`]).

use super::ast::*;
use crate::dialect::config::{accepted, intersect, universe, Item, ReadError, Tag, Term};
use crate::model::ios_ifname;
use crate::packet::space::{Cube, Family, Ivs, Space};
use std::sync::Arc;

pub use super::semantics::SELF_ZONE;

fn all_of(tag: &Tag, term: Term) -> Vec<Item> {
    vec![Item {
        space: universe(&[Family::V4, Family::V6], tag),
        term,
        tag: tag.clone(),
    }]
}

fn retag(s: Space<Tag>, tag: &Tag) -> Space<Tag> {
    let mut out = Space::new();
    for (c, _) in s.cubes {
        out.push(c, tag.clone());
    }
    out
}

impl Resolved {
    /// The security zone of an interface, named in full or abbreviated.
    pub fn zone_of(&self, interface: &str) -> Option<&String> {
        match ios_ifname::canonical(interface) {
            Ok(full) => self.zbf.members.get(&full),
            Err(_) => self.zbf.members.get(interface),
        }
    }

    /// The zone-based firewall's decisions for the first packet of a connection from
    /// interface `from` to interface `to` (`None`: the router itself, the `self` zone). Empty
    /// when no interface is a zone member.
    pub fn zbf_items(
        &self,
        file: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<Item>, ReadError> {
        if !self.zbf.active() {
            return Ok(Vec::new());
        }
        let zone = |i: Option<&str>| match i {
            None => Some(SELF_ZONE.to_string()),
            Some(i) => self.zone_of(i).cloned(),
        };
        let (src, dst) = (zone(from), zone(to));
        let tag = |s: String| -> Tag { Arc::from(format!("{file}: {s}")) };
        let (src, dst) = match (src, dst) {
            (None, None) => return Ok(Vec::new()),
            (Some(z), None) | (None, Some(z)) if z != SELF_ZONE => {
                let t = tag(format!(
                    "zone-based firewall: zone {z} and an interface in no zone (dropped)"
                ));
                return Ok(all_of(&t, Term::Drop));
            }
            (Some(_), None) | (None, Some(_)) => return Ok(Vec::new()),
            (Some(a), Some(b)) => (a, b),
        };
        // Since IOS 15.0(1)M a zone-pair may join a zone to itself; without one, traffic within
        // a zone passes.
        if src == dst && !self.zbf.pairs.contains_key(&(src.clone(), dst.clone())) {
            return Ok(all_of(
                &tag(format!("zone-based firewall: within zone {src} (passes)")),
                Term::Accept,
            ));
        }
        let Some((pair, policy)) = self.zbf.pairs.get(&(src.clone(), dst.clone())) else {
            if src == SELF_ZONE || dst == SELF_ZONE {
                let t = tag(format!(
                    "zone-based firewall: no zone-pair from {src} to {dst}: the self zone passes everything"
                ));
                return Ok(all_of(&t, Term::Accept));
            }
            let t = tag(format!(
                "zone-based firewall: no zone-pair from {src} to {dst} (dropped)"
            ));
            return Ok(all_of(&t, Term::Drop));
        };
        let Some(pm) = policy.as_ref().and_then(|p| self.zbf.policy_maps.get(p)) else {
            let t = tag(format!(
                "zone-pair {pair}: no inspect policy-map {} (dropped)",
                policy.as_deref().unwrap_or("bound")
            ));
            return Ok(all_of(&t, Term::Drop));
        };
        let mut items = Vec::new();
        for c in &pm.classes {
            let (verb, log) = c
                .action
                .map_or(("drop (no action)", false), |a| match a.verb {
                    ZbfVerb::Inspect => ("inspect", a.log),
                    ZbfVerb::Pass => ("pass", a.log),
                    ZbfVerb::Drop => ("drop", a.log),
                });
            let name = c.class.as_ref().map_or("class-default", |n| n.as_str());
            let t = tag(format!(
                "zone-pair {pair}: policy-map {} class {name} {verb}{}",
                pm.name,
                if log { " log" } else { "" }
            ));
            let space = match &c.class {
                None => universe(&[Family::V4, Family::V6], &t),
                Some(n) => retag(self.class_space(file, n.as_str())?, &t),
            };
            let term = match c.action.map(|a| a.verb) {
                Some(ZbfVerb::Inspect | ZbfVerb::Pass) => Term::Accept,
                _ => Term::Drop,
            };
            items.push(Item {
                space,
                term,
                tag: t,
            });
        }
        let t = tag(format!(
            "zone-pair {pair}: policy-map {} (implicit) class class-default drop",
            pm.name
        ));
        items.extend(all_of(&t, Term::Drop));
        // In the plant's view: the sources of what enters by a translated zone's interface as
        // its inbound ACL sees them, the destinations of what leaves by one as translated (or
        // not) before the firewall.
        if let Some(i) = from {
            items = self.view(i, true, items);
        }
        if let Some(i) = to {
            items = self.zbf_view(from, i, items);
        }
        Ok(items)
    }

    /// The packets an inspect class-map matches.
    fn class_space(&self, file: &str, name: &str) -> Result<Space<Tag>, ReadError> {
        let missing = |what: String| ReadError {
            file: file.to_string(),
            line: 0,
            message: what,
        };
        let cm = self
            .zbf
            .class_maps
            .get(name)
            .ok_or_else(|| missing(format!("inspect class-map {name} does not exist")))?;
        let tag: Tag = Arc::from(format!("{file}: class-map {name}"));
        let mut acc: Option<Space<Tag>> = None;
        for m in &cm.matches {
            let s = match m {
                ClassMatch::AccessGroup(acl) => {
                    let fam = match self.acls.get(acl.as_str()) {
                        Some(a) if a.v6 => Family::V6,
                        Some(_) => Family::V4,
                        None => {
                            return Err(missing(format!(
                                "ACL {acl} of class-map {name} does not exist"
                            )))
                        }
                    };
                    let items = self.acl_items(file, acl.as_str(), fam)?.unwrap_or_default();
                    accepted(&items)
                }
                ClassMatch::Protocol(p) => protocol_space(*p, &tag),
            };
            acc = Some(match acc {
                None => s,
                Some(a) if cm.all => intersect(&a, &s, false),
                Some(mut a) => {
                    a.cubes.extend(s.cubes);
                    a
                }
            });
        }
        // A class-map without a match line matches nothing.
        Ok(acc.unwrap_or_default())
    }
}

impl Resolved {
    /// The zone-based firewall's decision for one packet opening a connection from interface
    /// `from` to interface `to` (`None`: the router itself), packet by packet: the independent
    /// evaluation the tests hold [`Resolved::zbf_items`] to. `pkt` is the packet as it enters
    /// by `from`, on the wire (a translated zone's host at its inside address); NAT translates
    /// its destination before the firewall sees it. `permit` when no interface is a zone
    /// member.
    pub fn evaluate_zbf(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        pkt: &crate::packet::Packet,
    ) -> super::semantics::Decision {
        let decision = |permit: bool, text: String| super::semantics::Decision {
            permit,
            acl: None,
            seq: None,
            text,
        };
        if !self.zbf.active() {
            return decision(true, "no zone-based firewall".into());
        }
        let zone = |i: Option<&str>| match i {
            None => Some(SELF_ZONE.to_string()),
            Some(i) => self.zone_of(i).cloned(),
        };
        let (src, dst) = match (zone(from), zone(to)) {
            (Some(a), Some(b)) => (a, b),
            (None, None) => return decision(true, "no zone on either interface".into()),
            (Some(z), None) | (None, Some(z)) => {
                return decision(z == SELF_ZONE, format!("zone {z} and no zone"))
            }
        };
        if src == dst && !self.zbf.pairs.contains_key(&(src.clone(), dst.clone())) {
            return decision(true, format!("within zone {src}"));
        }
        let Some((pair, policy)) = self.zbf.pairs.get(&(src.clone(), dst.clone())) else {
            let to_self = src == SELF_ZONE || dst == SELF_ZONE;
            return decision(to_self, format!("no zone-pair from {src} to {dst}"));
        };
        let Some(pm) = policy.as_ref().and_then(|p| self.zbf.policy_maps.get(p)) else {
            return decision(false, format!("zone-pair {pair} without a policy-map"));
        };
        // The packet as the firewall sees it: its destination translated when it comes from an
        // `ip nat outside` interface to an inside one; a packet that no translation moves into
        // another routing table does not get there.
        let mut seen = pkt.clone();
        if let Some(i) = to {
            match self.zbf_destination(from, i, seen.dst) {
                Some(d) => seen.dst = d,
                None => {
                    return decision(false, format!("not routed from {src} into the VRF of {i}"))
                }
            }
        }
        let pkt = &seen;
        for c in &pm.classes {
            let matched = match &c.class {
                None => true,
                Some(n) => self.zbf.class_maps.get(n.as_str()).is_some_and(|cm| {
                    let hit = |m: &ClassMatch| match m {
                        ClassMatch::AccessGroup(acl) => {
                            self.acls.contains_key(acl.as_str())
                                && self.evaluate_acl(acl.as_str(), pkt, pkt.ack).permit
                        }
                        ClassMatch::Protocol(p) => {
                            pkt.proto == *p || (*p == 1 && pkt.proto == 58 && pkt.src.is_ipv6())
                        }
                    };
                    if cm.all {
                        !cm.matches.is_empty() && cm.matches.iter().all(hit)
                    } else {
                        cm.matches.iter().any(hit)
                    }
                }),
            };
            if matched {
                let permit = matches!(
                    c.action.map(|a| a.verb),
                    Some(ZbfVerb::Inspect | ZbfVerb::Pass)
                );
                let name = c.class.as_ref().map_or("class-default", |n| n.as_str());
                return decision(permit, format!("zone-pair {pair} class {name}"));
            }
        }
        decision(false, format!("zone-pair {pair} (implicit) class-default"))
    }
}

/// Every packet of protocol `p` (`icmp`: ICMP in IPv4, ICMPv6 in IPv6).
fn protocol_space(p: u8, tag: &Tag) -> Space<Tag> {
    let mut s = Space::new();
    for fam in [Family::V4, Family::V6] {
        let p = if p == 1 && fam == Family::V6 { 58 } else { p };
        for c in Cube::universe(fam) {
            let proto = c.proto.intersect(&Ivs::point(u128::from(p)));
            if !proto.is_empty() {
                s.push(Cube { proto, ..c }, tag.clone());
            }
        }
    }
    s
}
