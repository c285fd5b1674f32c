//! The zone-based policy firewall of a Cisco IOS router with `inspect`: its device IR as
//! security zones, class-maps, policy-maps and zone-pairs, beside the ACLs [`super::router`]
//! writes (which then keep only the anti-spoofing entries).
//!
//! One `zone security` per policy zone the router attaches (a device attaches a zone by one
//! interface, E0003), each interface its zone's member. Per direction between
//! two zones that carries flows, a zone-pair whose inspect policy-map holds, per conduit and
//! service, one class of the flows' TCP, UDP and ICMP items of that service (`inspect`:
//! stateful, replies pass) and one of its other protocols' items and of their replies that cross
//! in this direction (`pass`: stateless, the replies of the other direction's `pass` rules by
//! rules of their own, planning's reply entries), then `class class-default` `drop log`; each
//! class has ACLs of its own, so the router counts each service of each conduit apart. The
//! router itself is the `self` zone: both self zone-pairs of every zone are always written
//! (without them IOS passes everything to and from the router), with the device-level flows
//! (one class per service likewise), their replies where not inspected, and IPv6 neighbour
//! discovery (a `pass` class of its own: ZBF inspects TCP, UDP and ICMP only, so OSPF, VRRP or GRE
//! to the router is passed). A class matches the packets of its ACLs, named by content like
//! every other ACL, as are class-maps and policy-maps (IOS adds to a
//! map given again, so a changed map is a new one and the zone-pair is re-pointed in one
//! command).
//!
//! On a router that translates (`nat`), a class's ACLs name a translated zone by its inside
//! addresses, in both directions: from outside, IOS translates the destination before routing
//! and so before the zone-based firewall inspects; from inside, the firewall inspects before
//! the source is translated on the way out (docs/targets/cisco-ios.md, "Zone-based firewall
//! and NAT").

use super::ast::*;
use super::lower::{word, Changed};
use super::print::{AceText, Form};
use super::router::{
    ace, comment, forward_rules, iface_slug, reply_rules, viewed, AclBody, Groups, ZbfSection,
};
use crate::error::Result;
use crate::model::{ConduitId, ServiceId};
use crate::packet::Family;
use crate::plan::{DeviceIr, ReplyIr, RuleIr};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// One side of a zone-pair: an interface's zone (by interface index) or the router (`self`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Iface(usize),
    Router,
}

/// What one class of a zone-pair matches: forward rules and reply entries (a rule and its
/// reply), and whether it is IPv6 neighbour discovery.
#[derive(Default)]
struct Class {
    rules: Vec<RuleIr>,
    replies: Vec<(RuleIr, ReplyIr)>,
    nd: bool,
}

/// Classes of one zone-pair by (device-level flows, conduit, pass, service): the conduits'
/// classes in conduit order, then the device-level flows' (`None`); per conduit the inspect
/// classes before the pass classes, each in a fixed order of services (by service id),
/// IPv6 neighbour discovery (service `None`) the first pass class of the device-level flows.
type PairClasses = BTreeMap<(bool, Option<ConduitId>, bool, Option<ServiceId>), Class>;

fn inspected(r: &RuleIr) -> bool {
    r.item.inspectable() && !r.one_way
}

/// Every class of every zone-pair of the device.
fn classes(device: &DeviceIr) -> BTreeMap<(Side, Side), PairClasses> {
    let mut out: BTreeMap<(Side, Side), PairClasses> = BTreeMap::new();
    let key = |r: &RuleIr, pass: bool| (r.conduit.is_none(), r.conduit, pass, Some(r.service));
    // The translations of a side: a translated zone's addresses as the firewall sees them.
    let nat = |s: Side| match s {
        Side::Iface(i) => device.interfaces.get(i).map_or(&[][..], |x| &x.nat[..]),
        Side::Router => &[][..],
    };
    let mut add = |from: Side, to: Side, rules: &[RuleIr], replies: &[ReplyIr]| {
        let rules = viewed(rules, nat(from), true);
        let rules = viewed(&rules, nat(to), false);
        let pair = out.entry((from, to)).or_default();
        for r in rules.iter() {
            let pass = !inspected(r);
            pair.entry(key(r, pass)).or_default().rules.push(r.clone());
        }
        // Replies of the rules in `from -> to` cross `to -> from`.
        for rep in replies {
            if let Some(r) = rules.get(rep.rule) {
                let back = out.entry((to, from)).or_default();
                back.entry(key(r, true))
                    .or_default()
                    .replies
                    .push((r.clone(), ReplyIr { rule: 0, ..*rep }));
            }
        }
    };
    for p in &device.pairs {
        add(
            Side::Iface(p.ingress),
            Side::Iface(p.egress),
            &p.rules,
            &p.replies,
        );
    }
    for l in &device.local {
        let (from, to) = if l.to_device {
            (Side::Iface(l.interface), Side::Router)
        } else {
            (Side::Router, Side::Iface(l.interface))
        };
        add(from, to, &l.rules, &l.replies);
    }
    for i in 0..device.interfaces.len() {
        for (from, to) in [
            (Side::Iface(i), Side::Router),
            (Side::Router, Side::Iface(i)),
        ] {
            out.entry((from, to))
                .or_default()
                .entry((true, None, true, None))
                .or_default()
                .nd = true;
        }
    }
    out
}

/// A class's ACL of one family, numbered and named by its content; `None` when empty.
fn class_acl(body: AclBody, fam: Family) -> Result<Option<Acl>> {
    let mut lines = body.lines;
    if !lines.iter().any(|l| matches!(l, AclLine::Ace(_))) {
        return Ok(None);
    }
    let form = if fam == Family::V4 {
        Form::Extended
    } else {
        // IPv6 ACLs hold implicit neighbour-discovery permits that an explicit deny removes: a
        // class matches only what its entries permit.
        let mut deny = ace(
            Action::Deny,
            ProtoMatch::Any,
            AddrMatch::Any,
            AddrMatch::Any,
        );
        deny.log = None;
        lines.push(AclLine::Ace(deny));
        Form::Ipv6
    };
    let mut h = Sha256::new();
    h.update(if fam == Family::V4 { b"zbf4" } else { b"zbf6" });
    let mut seq = 0u32;
    for l in &mut lines {
        match l {
            AclLine::Remark(r) => h.update(r.as_str().as_bytes()),
            AclLine::Ace(a) => {
                seq = seq.saturating_add(10);
                a.seq = Some(seq);
                h.update(AceText(a, form).to_string().as_bytes());
            }
        }
        h.update(b"\n");
    }
    let digest = &hex::encode(h.finalize())[..8];
    let (kind, prefix) = match fam {
        Family::V4 => (AclKind::Extended, "FL-ZBF"),
        Family::V6 => (AclKind::Ipv6, "FL-ZBF6"),
    };
    Ok(Some(Acl {
        kind,
        name: word(&format!("{prefix}-{digest}"))?,
        lines,
        at: At::default(),
    }))
}

/// The two ACLs of a class, by family.
fn class_acls(class: &Class, groups: &mut Groups, changed: &mut Changed) -> Result<Vec<Acl>> {
    let mut out = Vec::new();
    for fam in [Family::V4, Family::V6] {
        let mut body = AclBody::default();
        forward_rules(&mut body, groups, &class.rules, fam, changed)?;
        for (rule, reply) in &class.replies {
            reply_rules(
                &mut body,
                groups,
                (std::slice::from_ref(rule), std::slice::from_ref(reply)),
                fam,
                changed,
            )?;
        }
        if class.nd && fam == Family::V6 {
            let nd = |ty| {
                let mut a = ace(
                    Action::Permit,
                    ProtoMatch::Name(58),
                    AddrMatch::Any,
                    AddrMatch::Any,
                );
                a.icmp = Some(IcmpMatch {
                    ty,
                    code: None,
                    named: true,
                });
                a
            };
            body.group(
                vec![Remark::tame(
                    "IPv6 neighbour discovery on the router's links",
                )],
                vec![nd(136), nd(135)],
            );
        }
        out.extend(class_acl(body, fam)?);
    }
    Ok(out)
}

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(b"\0");
    }
    hex::encode(h.finalize())[..8].to_string()
}

/// The zone-based firewall of a device with `inspect`.
pub(super) fn section(
    device: &DeviceIr,
    groups: &mut Groups,
    changed: &mut Changed,
) -> Result<ZbfSection> {
    let zone = |s: Side| -> Result<Word> {
        match s {
            Side::Router => word("self"),
            Side::Iface(i) => word(
                device
                    .interfaces
                    .get(i)
                    .map_or("self", |x| x.zone_name.as_str()),
            ),
        }
    };
    let mut members = Vec::new();
    let mut zones: Vec<Word> = Vec::new();
    for i in &device.interfaces {
        let z = word(&i.zone_name)?;
        if !zones.contains(&z) {
            zones.push(z.clone());
        }
        members.push(z);
    }
    zones.sort();
    let mut tops = vec![
        comment(""),
        comment("Zone-based policy firewall: one security zone per policy zone, each interface its zone's"),
        comment("member; a zone-pair per direction that carries flows, inspecting TCP, UDP and ICMP (replies"),
        comment("pass by connection state) and passing other protocols, their replies by rules of their own."),
        comment("What no class matches is dropped and logged. The router itself is the self zone: its own"),
        comment("traffic passes only through the self zone-pairs. Apply this file from the console, or over"),
        comment("a flow it allows: sessions opened before the zones exist are not inspected and are dropped."),
        comment(""),
    ];
    tops.extend(zones.iter().map(|z| Top::ZoneSecurity(z.clone())));
    let mut acls = Vec::new();
    let mut maps = Vec::new();
    let mut pairs = Vec::new();
    // Named by content: a class (and its ACLs) that two zone-pairs share is written once.
    let mut written = std::collections::BTreeSet::new();
    for ((from, to), classes) in classes(device) {
        let (src, dst) = (zone(from)?, zone(to)?);
        let mut policy = Vec::new();
        let mut pm_key = vec![src.to_string(), dst.to_string()];
        for ((_, _, pass, _), class) in &classes {
            let class_acls = class_acls(class, groups, changed)?;
            if class_acls.is_empty() {
                continue;
            }
            let names: Vec<&str> = class_acls.iter().map(|a| a.name.as_str()).collect();
            let mut parts = vec![if *pass { "pass" } else { "inspect" }];
            parts.extend(&names);
            let cname = word(&format!(
                "FL-{}-{}",
                if *pass { "CP" } else { "CI" },
                digest(&parts)
            ))?;
            // Two services of one flow with the same items make the same class: once in the
            // policy-map (a second copy would never match).
            if pm_key.contains(&cname.to_string()) {
                continue;
            }
            if written.insert(cname.to_string()) {
                maps.push(Top::ClassMap(ClassMap {
                    all: false,
                    name: cname.clone(),
                    matches: class_acls
                        .iter()
                        .map(|a| ClassMatch::AccessGroup(a.name.clone()))
                        .collect(),
                }));
            }
            pm_key.push(cname.to_string());
            policy.push(PolicyClass {
                class: Some(cname),
                action: Some(ZbfAction {
                    verb: if *pass {
                        ZbfVerb::Pass
                    } else {
                        ZbfVerb::Inspect
                    },
                    log: false,
                }),
            });
            for a in class_acls {
                if written.insert(a.name.to_string()) {
                    acls.push(Top::Acl(a));
                }
            }
        }
        // Between two zones a pair without flows is not written: without a zone-pair IOS drops
        // their traffic anyway. The self zone-pairs always are.
        if policy.is_empty() && from != Side::Router && to != Side::Router {
            continue;
        }
        policy.push(PolicyClass {
            class: None,
            action: Some(ZbfAction {
                verb: ZbfVerb::Drop,
                log: true,
            }),
        });
        let keys: Vec<&str> = pm_key.iter().map(String::as_str).collect();
        let pm = word(&format!("FL-PM-{}", digest(&keys)))?;
        maps.push(Top::PolicyMap(PolicyMap {
            name: pm.clone(),
            classes: policy,
        }));
        let slug = |s: Side| match s {
            Side::Router => "SELF".to_string(),
            Side::Iface(i) => device
                .interfaces
                .get(i)
                .map_or_else(String::new, |x| iface_slug(&x.zone_name)),
        };
        pairs.push(Top::ZonePair(ZonePair {
            name: word(&format!("FL-{}-{}", slug(from), slug(to)))?,
            source: src,
            destination: dst,
            policy: Some(pm),
        }));
    }
    for a in acls {
        tops.push(comment(""));
        tops.push(a);
    }
    for m in maps.into_iter().chain(pairs) {
        tops.push(comment(""));
        tops.push(m);
    }
    let removals = vec![
        "  show policy-map type inspect | include FL-PM-".to_string(),
        "  show class-map type inspect | include FL-C".to_string(),
        "  show ip access-lists | include FL-ZBF-".to_string(),
        "  show ipv6 access-list | include FL-ZBF6-".to_string(),
        "  then `no policy-map type inspect NAME`, `no class-map type inspect NAME` and the ACLs for".to_string(),
        "  every listed name that this file does not define, policy-maps first".to_string(),
    ];
    Ok(ZbfSection {
        tops,
        members,
        removals,
    })
}
