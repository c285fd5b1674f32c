//! Pass 5 for `cisco-asa`, Ir -> [`AsaConfig`]. Planning decided every rule; this module only
//! builds the ASA's commands for them:
//!
//! - per interface, `nameif` (the zone's name) and `security-level` (25 per level of the zone's
//!   highest SL-T: 25, 50, 75, 100). Every interface gets an inbound access list, so the
//!   levels decide nothing on their own; `same-security-traffic permit inter-interface` is
//!   written so that two zones of one SL-T are decided by their access lists too, and
//!   `intra-interface` is not (no flow enters and leaves by one interface);
//! - per interface, `FL-IN-<nameif>`: the flows that enter by it (all its pairs), then an
//!   explicit `deny ip any any log` (the ASA's implicit deny, made visible and logged), bound
//!   with `access-group ... in interface`;
//! - per interface, `FL-CP-<nameif>`: the device-level flows to the device that enter by it
//!   and IPv6 neighbour discovery, then the same deny, bound as the interface's control-plane
//!   access list;
//! - network object-groups (`FL-NET-<hash>`) for address sets of more than one prefix, and
//!   port-object groups (`FL-SVC-<hash>`) where one flow allows several TCP or UDP port
//!   ranges between the same ends;
//! - `inspect icmp` in the global policy, so the replies of allowed ICMP pass by state.
//!
//! Translated zones get static object NAT and access lists in their real addresses
//! ([`super::nat`], E0074 where that cannot be exact). What the ASA cannot express is refused
//! (E0066 at the device, E0047 for a `sync` link that cannot be a failover link: see
//! [`super::ha`], which writes failover, the interfaces' addresses and management access) or,
//! where it is documented and bounded, a warning (OUT-010: the replies of `one-way` services
//! pass by state).

use super::ast::*;
use crate::diagnostic::{Diagnostic, Subject};
use crate::dialect::sanitize::{self, Sink};
use crate::dialect::EmitContext;
use crate::error::{Error, Result};
use crate::model::{AddrSet, FlowRef, PortRange, ServiceItem};
use crate::plan::{DeviceIr, RuleIr};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

// Policy text was cut or changed on its way into the configuration (warning).
use crate::lint::rules::out_007_text_sanitised::RULE as TEXT_CHANGED;
// A feature the target can only approximate (warning).
use crate::lint::rules::out_010_target_degraded::RULE as DEGRADED;

/// ASA `access-list ... remark`: 100 characters a line; `?` calls the CLI's help when pasted
/// and `!` starts a comment. Longer labels are wrapped over remark lines, up to three.
pub const ASA_REMARK: Sink = Sink {
    name: "Cisco ASA remark",
    forbidden: "!?\"\\",
    max_bytes: 300,
};
/// One remark line.
pub const REMARK_LINE: usize = 100;

/// ASA `nameif`: 48 characters of letters, digits, `-`, `_` and `.`.
const MAX_NAMEIF: usize = 48;
/// Generated object-group and access-list names stay within 64 characters.
pub const MAX_NAME: usize = 64;

/// The first 8 hex digits of the sha256 of `parts`, each ended by a NUL byte.
fn sha8(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())[..8].to_string()
}

fn name(s: &str) -> Result<Name> {
    Name::new(s).ok_or_else(|| {
        Error::Other(format!(
            "internal: `{}` is not a name the ASA takes",
            s.escape_default()
        ))
    })
}

fn tame(s: &str) -> Text {
    Text::new(&sanitize::clean(s, sanitize::HEADER_COMMENT).text).unwrap_or_default()
}

/// The `nameif` of an interface in `zone`: the zone's name in the characters a nameif takes,
/// cut with a hash of the whole name where it is too long.
pub fn nameif(zone: &str) -> String {
    let slug: String = zone
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if slug.len() <= MAX_NAMEIF && slug == zone {
        slug
    } else {
        let head: String = slug.chars().take(MAX_NAMEIF - 9).collect();
        format!("{head}-{}", sha8(&[zone]))
    }
}

/// The security level of a zone of this SL-T (its highest component).
pub fn security_level(sl_max: u8) -> u8 {
    (sl_max.min(4)) * 25
}

/// The commands a device's rules need beside its access lists.
#[derive(Default)]
struct Objects {
    net_groups: BTreeMap<String, NetGroup>,
    svc_groups: BTreeMap<String, SvcGroup>,
}

impl Objects {
    /// An address set as an operand: `any`, `any4`, `any6`, one host or network, or a group.
    fn operand(&mut self, set: &AddrSet) -> Result<Addr> {
        let v4 = set.v4_nets();
        let v6 = set.v6_nets();
        let all4 = v4.len() == 1 && v4[0].prefix_len() == 0;
        let all6 = v6.len() == 1 && v6[0].prefix_len() == 0;
        match (all4, all6, v4.is_empty(), v6.is_empty()) {
            (true, true, _, _) => return Ok(Addr::Any),
            (true, _, _, true) => return Ok(Addr::Any4),
            (_, true, true, _) => return Ok(Addr::Any6),
            _ => {}
        }
        let entries: Vec<NetEntry> = set
            .nets()
            .into_iter()
            .map(|n| {
                if n.prefix_len() == n.max_prefix_len() {
                    NetEntry::Host(n.addr())
                } else {
                    NetEntry::Net(n.network(), n.prefix_len())
                }
            })
            .collect();
        if let [one] = entries.as_slice() {
            return Ok(match one {
                NetEntry::Host(a) => Addr::Host(*a),
                NetEntry::Net(a, l) => Addr::Net(*a, *l),
                _ => return Err(Error::Other("internal: a group entry".into())),
            });
        }
        let key: Vec<String> = set.nets().iter().map(|n| n.to_string()).collect();
        let key: Vec<&str> = key.iter().map(String::as_str).collect();
        let n = format!("FL-NET-{}", sha8(&key));
        if !self.net_groups.contains_key(&n) {
            self.net_groups.insert(
                n.clone(),
                NetGroup {
                    name: name(&n)?,
                    description: None,
                    entries,
                },
            );
        }
        Ok(Addr::Group(name(&n)?))
    }

    /// Several port ranges of one protocol as a port-object group.
    fn ports(&mut self, pp: PortProto, ranges: &[PortRange]) -> Result<PortMatch> {
        let key: Vec<String> = std::iter::once(pp.to_string())
            .chain(ranges.iter().map(|r| format!("{}-{}", r.lo, r.hi)))
            .collect();
        let key: Vec<&str> = key.iter().map(String::as_str).collect();
        let n = format!("FL-SVC-{}", sha8(&key));
        if !self.svc_groups.contains_key(&n) {
            self.svc_groups.insert(
                n.clone(),
                SvcGroup {
                    name: name(&n)?,
                    proto: Some(pp),
                    description: None,
                    entries: ranges
                        .iter()
                        .filter_map(|r| port_op(*r))
                        .map(SvcEntry::Port)
                        .collect(),
                },
            );
        }
        Ok(PortMatch::Group(name(&n)?))
    }
}

/// A port range as an operator; `None` for every port.
pub fn port_op(p: PortRange) -> Option<PortOp> {
    if p == PortRange::ALL {
        None
    } else if p.lo == p.hi {
        Some(PortOp::Eq(p.lo))
    } else {
        Some(PortOp::Range(p.lo, p.hi))
    }
}

/// The TCP or UDP ports of an item, for merging.
fn tcp_udp(item: &ServiceItem) -> Option<(PortProto, PortRange)> {
    match item {
        ServiceItem::Tcp { ports } => Some((PortProto::Tcp, *ports)),
        ServiceItem::Udp { ports } => Some((PortProto::Udp, *ports)),
        _ => None,
    }
}

/// The protocol, destination port and ICMP type of an item (`None`: not routable).
fn item_parts(item: &ServiceItem) -> Option<(Proto, Option<PortOp>, Option<u8>)> {
    Some(match item {
        ServiceItem::Tcp { ports } => (Proto::Tcp, port_op(*ports), None),
        ServiceItem::Udp { ports } => (Proto::Udp, port_op(*ports), None),
        ServiceItem::Icmp { icmp_type } => (Proto::Icmp, None, *icmp_type),
        ServiceItem::Icmpv6 { icmp_type } => (Proto::Icmp6, None, *icmp_type),
        ServiceItem::Ip { number } => (Proto::Number(*number), None, None),
        ServiceItem::AnyIp => (Proto::Ip, None, None),
        ServiceItem::Ether { .. } => return None,
    })
}

/// The entries of one access list from rules, in rule order: a remark where the flow changes,
/// then its entries; consecutive TCP (or UDP) rules of one flow between the same ends become
/// one entry with a port group.
fn entries(
    acl: &Name,
    rules: &[&RuleIr],
    objects: &mut Objects,
    changed: &mut BTreeSet<String>,
    out: &mut Vec<Top>,
) -> Result<()> {
    let mut last_label: Option<&str> = None;
    let mut k = 0;
    while k < rules.len() {
        let r = rules[k];
        if last_label != Some(r.label.as_str()) {
            let c = sanitize::clean(&r.label, ASA_REMARK);
            if c.changed() {
                changed.insert(r.label.clone());
            }
            // Only ASCII remains, so any byte index is a character boundary.
            for chunk in c.text.as_bytes().chunks(REMARK_LINE) {
                let line = String::from_utf8_lossy(chunk);
                if let Some(text) = Text::new(line.trim()).filter(|t| !t.as_str().is_empty()) {
                    out.push(Top::Remark {
                        acl: acl.clone(),
                        text,
                    });
                }
            }
            last_label = Some(r.label.as_str());
        }
        // The run of rules this entry covers.
        let mut end = k + 1;
        if let Some((pp, _)) = tcp_udp(&r.item) {
            while end < rules.len() {
                let o = rules[end];
                let same = o.label == r.label
                    && o.src == r.src
                    && o.dst == r.dst
                    && o.log == r.log
                    && tcp_udp(&o.item).is_some_and(|(p, _)| p == pp);
                if !same {
                    break;
                }
                end += 1;
            }
        }
        let run = &rules[k..end];
        k = end;
        let Some((proto, dport, icmp_type)) = item_parts(&r.item) else {
            continue;
        };
        if r.src.is_empty() || r.dst.is_empty() {
            continue;
        }
        let dport = if run.len() > 1 {
            let mut ranges: Vec<PortRange> = run
                .iter()
                .filter_map(|o| tcp_udp(&o.item).map(|(_, p)| p))
                .collect();
            ranges.sort();
            ranges.dedup();
            if ranges.contains(&PortRange::ALL) {
                None
            } else if let [one] = ranges.as_slice() {
                port_op(*one).map(PortMatch::Op)
            } else {
                let pp = tcp_udp(&r.item).map(|(p, _)| p).unwrap_or(PortProto::Tcp);
                Some(objects.ports(pp, &ranges)?)
            }
        } else {
            dport.map(PortMatch::Op)
        };
        out.push(Top::Ace(Ace {
            acl: acl.clone(),
            action: Action::Permit,
            proto,
            src: objects.operand(&r.src)?,
            sport: None,
            dst: objects.operand(&r.dst)?,
            dport,
            icmp_type,
            log: r.log,
        }));
    }
    Ok(())
}

/// The explicit end of every access list: the ASA's implicit deny, logged.
fn deny_all(acl: &Name) -> Top {
    Top::Ace(Ace {
        acl: acl.clone(),
        action: Action::Deny,
        proto: Proto::Ip,
        src: Addr::Any,
        sport: None,
        dst: Addr::Any,
        dport: None,
        icmp_type: None,
        log: true,
    })
}

/// IPv6 neighbour discovery to the device (solicitations and advertisements), which every
/// IPv6 interface needs.
fn neighbour_discovery(acl: &Name) -> Vec<Top> {
    [135u8, 136]
        .into_iter()
        .map(|t| {
            Top::Ace(Ace {
                acl: acl.clone(),
                action: Action::Permit,
                proto: Proto::Icmp6,
                src: Addr::Any6,
                sport: None,
                dst: Addr::Any6,
                dport: None,
                icmp_type: Some(t),
                log: false,
            })
        })
        .collect()
}

/// OUT-010: the `one-way` flows of a device, whose replies the ASA passes by state.
fn one_way(cx: &EmitContext, device: &DeviceIr) -> Vec<Diagnostic> {
    let mut flows: BTreeSet<FlowRef> = BTreeSet::new();
    let rules = device
        .pairs
        .iter()
        .flat_map(|p| &p.rules)
        .chain(device.local.iter().flat_map(|l| &l.rules));
    for r in rules.filter(|r| r.one_way) {
        flows.insert(r.flow);
    }
    flows
        .into_iter()
        .map(|f| {
            let (span, subject) = match f {
                FlowRef::Flow(id) => (cx.model.spans.flow(id), Subject::Flow(id)),
                FlowRef::SelfFlow { id } => (cx.model.spans.self_flow(id), Subject::SelfFlow(id)),
            };
            DEGRADED
                .diag(format!(
                    "`{}` (cisco-asa) passes the replies of this flow's `one-way` services: the ASA keeps state for every connection it admits",
                    device.name
                ))
                .at(span, "one-way flow through a cisco-asa device")
                .about(subject)
                .scoped(vec![f.scope()])
                .help("the ASA has no rule that drops the reply direction of a connection; carry one-way traffic on an nftables or iptables firewall, or accept the replies (docs/targets/cisco-asa.md)")
        })
        .collect()
}

/// The header comments of a device's file.
fn header(cx: &EmitContext, device: &DeviceIr) -> Vec<Top> {
    let s = cx.stamp;
    [
        format!(
            "fenceline {}: Cisco ASA configuration of firewall {}",
            s.version, device.name
        ),
        format!("policy: {}", s.policy),
        format!("policy sha256: {}", s.hash),
        "Generated from the policy; edit the policy, not this file.".to_string(),
    ]
    .iter()
    .map(|t| Top::Comment(tame(t)))
    .collect()
}

/// The device's IR as an ASA configuration.
pub fn lower(
    cx: &EmitContext,
    device: &DeviceIr,
    diags: &mut Vec<Diagnostic>,
) -> Result<AsaConfig> {
    diags.extend(super::ha::refusals(cx, device));
    diags.extend(super::nat::refusals(cx, device));
    diags.extend(one_way(cx, device));
    // The failover link is no data interface: no nameif, level, address or access list, and
    // the device's addresses on it are the units' failover addresses.
    let link = super::ha::link(cx, device);
    let view = crate::dialect::ha::data_view(cx, device, link.as_ref());
    let device: &DeviceIr = &view;
    // The access lists match real addresses: the inside ones of translated zones.
    let wire = crate::dialect::nat::wire_view(device);
    let mut items = header(cx, device);
    let mut changed = BTreeSet::new();
    // Interfaces, each with the nameif of its zone and the level of the zone's SL-T.
    let mut nameifs = Vec::with_capacity(device.interfaces.len());
    for (k, i) in device.interfaces.iter().enumerate() {
        let iface = Name::new(&i.name).ok_or_else(|| {
            Error::Other(format!(
                "interface name `{}` is not one the ASA takes",
                i.name.escape_default()
            ))
        })?;
        let description = Some(tame(&format!("zone {}", i.zone_name)));
        if link.as_ref().is_some_and(|l| l.interface == k) {
            items.push(Top::Interface(Interface {
                name: iface,
                description,
                nameif: None,
                security_level: None,
                addresses: Vec::new(),
                shutdown: false,
            }));
            nameifs.push(None);
            continue;
        }
        let n = name(&nameif(&i.zone_name))?;
        let zone = cx.model.zone(i.zone);
        items.push(Top::Interface(Interface {
            name: iface,
            description,
            nameif: Some(n.clone()),
            security_level: Some(security_level(crate::model::Sl::max(&zone.sl))),
            addresses: super::ha::addresses(cx, device, k)?,
            shutdown: false,
        }));
        nameifs.push(Some(n));
    }
    if let Some(link) = &link {
        items.extend(super::ha::failover(device, link)?);
    }
    items.push(Top::Comment(Text::default()));
    items.push(Top::SameSecurity(SameSecurity::InterInterface));
    items.push(Top::PolicyMap(PolicyMap {
        name: name("global_policy")?,
        classes: vec![(
            name("inspection_default")?,
            vec![tame("icmp"), tame("icmp error")],
        )],
    }));
    items.push(Top::GlobalPolicy(name("global_policy")?));
    items.push(Top::Comment(Text::default()));
    // The access lists, written first to collect the groups they use.
    let mut objects = Objects::default();
    let mut acls = Vec::new();
    for (k, n) in nameifs.iter().enumerate() {
        let Some(n) = n else { continue };
        let acl = name(&format!("FL-IN-{n}"))?;
        let rules: Vec<&RuleIr> = wire
            .pairs
            .iter()
            .filter(|p| p.ingress == k)
            .flat_map(|p| &p.rules)
            .collect();
        entries(&acl, &rules, &mut objects, &mut changed, &mut acls)?;
        acls.push(deny_all(&acl));
        acls.push(Top::AccessGroup(AccessGroup {
            acl,
            binding: Binding::Interface {
                direction: Direction::In,
                nameif: n.clone(),
                control_plane: false,
            },
        }));
    }
    for (k, n) in nameifs.iter().enumerate() {
        let Some(n) = n else { continue };
        let acl = name(&format!("FL-CP-{n}"))?;
        acls.extend(neighbour_discovery(&acl));
        // Sources from a translated zone reach the device at their real addresses.
        let nat = &device.interfaces[k].nat;
        let local: Vec<RuleIr> = device
            .local
            .iter()
            .filter(|l| l.interface == k && l.to_device)
            .flat_map(|l| &l.rules)
            .map(|r| RuleIr {
                src: crate::dialect::nat::to_inside(nat, &r.src),
                ..r.clone()
            })
            .collect();
        let rules: Vec<&RuleIr> = local.iter().collect();
        entries(&acl, &rules, &mut objects, &mut changed, &mut acls)?;
        acls.push(deny_all(&acl));
        acls.push(Top::AccessGroup(AccessGroup {
            acl,
            binding: Binding::Interface {
                direction: Direction::In,
                nameif: n.clone(),
                control_plane: true,
            },
        }));
    }
    let (nat_objects, nat_lines) = super::nat::objects(device, &nameifs).ok_or_else(|| {
        Error::Other(format!(
            "internal: an object NAT name of `{}` is not one the ASA takes",
            device.name
        ))
    })?;
    items.extend(nat_objects);
    items.extend(objects.net_groups.into_values().map(Top::NetGroup));
    items.extend(objects.svc_groups.into_values().map(Top::SvcGroup));
    items.push(Top::Comment(Text::default()));
    items.extend(acls);
    let management = super::ha::management(device, &nameifs);
    if !management.is_empty() {
        items.push(Top::Comment(Text::default()));
        items.extend(management);
    }
    if !nat_lines.is_empty() {
        items.push(Top::Comment(Text::default()));
        items.extend(nat_lines);
    }
    for t in changed {
        diags.push(
            TEXT_CHANGED
                .diag(format!(
                    "text `{}` was shortened or had characters replaced in `{}`'s Cisco ASA configuration",
                    t.escape_default(),
                    device.name
                ))
                .at(cx.model.spans.device(device.device), "device")
                .about(Subject::Device(device.device))
                .help("ASA remarks hold 100 characters of printable ASCII without `!` and `?`"),
        );
    }
    Ok(AsaConfig {
        items,
        file: Origin::default(),
    })
}

/// Entries and group entries, for `--max-rules`.
pub fn size(config: &AsaConfig) -> usize {
    config
        .items
        .iter()
        .map(|t| match t {
            Top::Ace(_) => 1,
            Top::NetGroup(g) => g.entries.len(),
            Top::SvcGroup(g) => g.entries.len(),
            _ => 0,
        })
        .sum()
}
