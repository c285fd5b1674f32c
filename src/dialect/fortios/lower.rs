//! Pass 5 for `fortios`, Ir -> [`FortiConfig`]. Planning decided every rule; this module only
//! builds FortiOS's objects and policies for them:
//!
//! - `config system interface`: per interface, `alias` (the zone's name, cut to FortiOS's 25
//!   characters) and `description`, and `allowaccess` with the management services the policy
//!   lets reach the device there (`ssh`, `https`, `http`, `telnet`, `snmp`, `ping`); the
//!   interface's addressing, VLANs and mode are left to the device;
//! - `config firewall address` / `address6`: one address per prefix (`FL-<prefix>`), and
//!   `addrgrp` / `addrgrp6` (`FL-NET-<hash>`, `FL-NET6-<hash>`) for a set of several;
//! - `config firewall service custom`: one service per protocol and port range or ICMP type
//!   (`FL-TCP-502`, `FL-ICMP-8`), FortiOS's predefined `ALL` for every protocol;
//! - `config firewall policy`: per interface pair, in rule order, one `accept` policy per flow
//!   and pair of ends (its services together), `logtraffic all` where the flow logs, the flow
//!   in `comments`; then one last policy, `any` to `any`, `deny` with `logtraffic all`: the
//!   implicit deny made explicit and logged;
//! - `config firewall local-in-policy` / `local-in-policy6`: per interface, the device-level
//!   flows to the device that enter by it, IPv6 neighbour discovery, then a `deny` of
//!   everything else to the device on that interface, so that `allowaccess` alone opens
//!   nothing.
//!
//! - `config system ha` for a cluster with `sync`: an FGCP active-passive cluster whose
//!   heartbeat interface is the sync link, sessions picked up, the first node's priority
//!   highest (one file per node, differing in `set priority` only).
//!
//! What FortiOS cannot be given from the policy is refused (E0070 at the device: a cluster of
//! more than four members with `sync`; E0047: a `sync` link flows cross) or, where it is
//! documented and bounded, a warning (OUT-010: the replies of `one-way` services pass by
//! state).

use super::ast::*;
use crate::diagnostic::{codes, Diagnostic, Subject};
use crate::dialect::ha;
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

/// FortiOS policy `comments`: 1023 characters, between double quotes (so no `"` or `\`); `?`
/// calls the CLI's help when pasted.
pub const FORTI_COMMENT: Sink = Sink {
    name: "FortiOS comment",
    forbidden: "\"\\?",
    max_bytes: 1023,
};
/// FortiOS interface `alias`: 25 characters.
pub const FORTI_ALIAS: Sink = Sink {
    name: "FortiOS interface alias",
    forbidden: "\"\\?",
    max_bytes: 25,
};
/// FortiOS HA `group-name`: 32 characters.
pub const FORTI_HA_GROUP: Sink = Sink {
    name: "FortiOS HA group name",
    forbidden: "\"\\?",
    max_bytes: 32,
};
/// FortiOS interface `description`: 255 characters.
pub const FORTI_DESCRIPTION: Sink = Sink {
    name: "FortiOS interface description",
    forbidden: "\"\\?",
    max_bytes: 255,
};

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
            "internal: `{}` is not a name FortiOS takes",
            s.escape_default()
        ))
    })
}

/// `text` through `sink`, noting in `changed` that it was altered.
fn clean(text: &str, sink: Sink, changed: &mut BTreeSet<String>) -> Text {
    let c = sanitize::clean(text, sink);
    if c.changed() {
        changed.insert(text.to_string());
    }
    Text::new(c.text.trim()).unwrap_or_default()
}

/// The objects a device's policies use, by name (printed sorted).
#[derive(Default)]
struct Objects {
    addresses: [BTreeMap<String, Address>; 2],
    groups: [BTreeMap<String, Group>; 2],
    services: BTreeMap<String, Service>,
}

impl Objects {
    /// The names standing for one family's part of an address set: none for an empty part,
    /// `all`, one address, or a group.
    fn operand(&mut self, set: &AddrSet, v6: bool) -> Result<Vec<Name>> {
        let nets: Vec<ipnet::IpNet> = if v6 {
            set.v6_nets().into_iter().map(ipnet::IpNet::V6).collect()
        } else {
            set.v4_nets().into_iter().map(ipnet::IpNet::V4).collect()
        };
        let k = v6 as usize;
        if nets.is_empty() {
            return Ok(Vec::new());
        }
        if let [one] = nets.as_slice() {
            if one.prefix_len() == 0 {
                return Ok(vec![name("all")?]);
            }
        }
        let mut members = Vec::with_capacity(nets.len());
        for n in &nets {
            let an = format!("FL-{}_{}", n.network(), n.prefix_len());
            if !self.addresses[k].contains_key(&an) {
                self.addresses[k].insert(
                    an.clone(),
                    Address {
                        name: name(&an)?,
                        value: AddrValue::Subnet(n.network(), n.prefix_len()),
                        comment: None,
                    },
                );
            }
            members.push(name(&an)?);
        }
        if members.len() == 1 {
            return Ok(members);
        }
        let key: Vec<String> = nets.iter().map(|n| n.to_string()).collect();
        let key: Vec<&str> = key.iter().map(String::as_str).collect();
        let gn = format!("FL-NET{}-{}", if v6 { "6" } else { "" }, sha8(&key));
        if !self.groups[k].contains_key(&gn) {
            self.groups[k].insert(
                gn.clone(),
                Group {
                    name: name(&gn)?,
                    members,
                    comment: None,
                },
            );
        }
        Ok(vec![name(&gn)?])
    }

    /// The service of one item (`None`: not routable).
    fn service(&mut self, item: &ServiceItem) -> Result<Option<Name>> {
        let range = |p: PortRange| {
            if p.lo == p.hi {
                p.lo.to_string()
            } else {
                format!("{}-{}", p.lo, p.hi)
            }
        };
        let spec = |p: PortRange| {
            vec![PortSpec {
                dst: (p.lo, p.hi),
                src: None,
            }]
        };
        let (n, proto) = match *item {
            ServiceItem::AnyIp => return Ok(Some(name("ALL")?)),
            ServiceItem::Ether { .. } => return Ok(None),
            ServiceItem::Tcp { ports } => (
                format!("FL-TCP-{}", range(ports)),
                SvcProto::Ports {
                    tcp: spec(ports),
                    udp: Vec::new(),
                    sctp: Vec::new(),
                },
            ),
            ServiceItem::Udp { ports } => (
                format!("FL-UDP-{}", range(ports)),
                SvcProto::Ports {
                    tcp: Vec::new(),
                    udp: spec(ports),
                    sctp: Vec::new(),
                },
            ),
            ServiceItem::Icmp { icmp_type } => (
                format!(
                    "FL-ICMP-{}",
                    icmp_type.map_or("ANY".to_string(), |t| t.to_string())
                ),
                SvcProto::Icmp {
                    v6: false,
                    icmptype: icmp_type,
                    icmpcode: None,
                },
            ),
            ServiceItem::Icmpv6 { icmp_type } => (
                format!(
                    "FL-ICMP6-{}",
                    icmp_type.map_or("ANY".to_string(), |t| t.to_string())
                ),
                SvcProto::Icmp {
                    v6: true,
                    icmptype: icmp_type,
                    icmpcode: None,
                },
            ),
            // FortiOS reads protocol number 0 as every protocol: HOPOPT has no form.
            ServiceItem::Ip { number: 0 } => {
                return Err(Error::Other(
                    "IP protocol 0 (HOPOPT) has no FortiOS service: `protocol-number 0` means every protocol".into(),
                ))
            }
            ServiceItem::Ip { number } => (format!("FL-IP-{number}"), SvcProto::Ip(number)),
        };
        if !self.services.contains_key(&n) {
            self.services.insert(
                n.clone(),
                Service {
                    name: name(&n)?,
                    proto,
                    comment: None,
                },
            );
        }
        Ok(Some(name(&n)?))
    }
}

/// A run of rules that one policy carries: consecutive rules of one flow label between the
/// same ends with the same logging.
fn runs<'r>(rules: &[&'r RuleIr]) -> Vec<Vec<&'r RuleIr>> {
    let mut out: Vec<Vec<&RuleIr>> = Vec::new();
    for r in rules {
        match out.last_mut() {
            Some(run)
                if run[0].label == r.label
                    && run[0].src == r.src
                    && run[0].dst == r.dst
                    && run[0].log == r.log =>
            {
                run.push(r)
            }
            _ => out.push(vec![r]),
        }
    }
    out
}

/// A run's addresses per family and its services (`None`: nothing routable in it).
type Match = ([Vec<Name>; 2], [Vec<Name>; 2], Vec<Name>);

fn run_match(run: &[&RuleIr], objects: &mut Objects) -> Result<Option<Match>> {
    run_match_via(run, objects, None)
}

/// [`run_match`] for a pair whose egress translates: destinations a VIP holds are named by
/// their VIPs ([`super::nat::Vips::split`]).
fn run_match_via(
    run: &[&RuleIr],
    objects: &mut Objects,
    vips: Option<(&super::nat::Vips, usize)>,
) -> Result<Option<Match>> {
    let r = run[0];
    let mut services = Vec::new();
    for o in run {
        if let Some(s) = objects.service(&o.item)? {
            if !services.contains(&s) {
                services.push(s);
            }
        }
    }
    if services.is_empty() || r.src.is_empty() || r.dst.is_empty() {
        return Ok(None);
    }
    let mut src = [Vec::new(), Vec::new()];
    let mut dst = [Vec::new(), Vec::new()];
    let (rest, via) = match vips {
        Some((v, egress)) => v.split(egress, &r.dst),
        None => (r.dst.clone(), Vec::new()),
    };
    for v6 in [false, true] {
        let s = objects.operand(&r.src, v6)?;
        let mut d = objects.operand(&rest, v6)?;
        if !v6 {
            d.extend(via.iter().cloned());
        }
        // A family with addresses on one side only matches nothing: leave it out.
        if !s.is_empty() && !d.is_empty() {
            src[v6 as usize] = s;
            dst[v6 as usize] = d;
        }
    }
    if src.iter().all(Vec::is_empty) {
        return Ok(None);
    }
    Ok(Some((src, dst, services)))
}

/// The management services of `allowaccess` that a to-device rule's item needs.
fn access_of(item: &ServiceItem) -> Option<Access> {
    match *item {
        ServiceItem::Icmp { icmp_type: Some(8) }
        | ServiceItem::Icmpv6 {
            icmp_type: Some(128),
        } => Some(Access::Ping),
        ServiceItem::Tcp { ports } | ServiceItem::Udp { ports } if ports.lo == ports.hi => {
            let tcp = matches!(item, ServiceItem::Tcp { .. });
            let proto = if tcp { 6 } else { 17 };
            ACCESS
                .iter()
                .find(|(_, a, p, port)| *p == proto && *port == ports.lo && *a != Access::Ping)
                .map(|e| e.1)
        }
        _ => None,
    }
}

/// The FGCP settings every member of a cluster with `sync` shares; the priority is the first
/// node's ([`for_node`] sets each node's).
const HA_NEEDS: ha::Needs = ha::Needs {
    target: "fortios",
    link: "heartbeat interface",
    node_addresses: false,
};

/// An FGCP cluster has at most four members (Fortinet's HA guide).
const MAX_MEMBERS: usize = 4;

/// The priority of node `k` of a cluster: the first node highest, so that it is the primary
/// while every member runs.
fn priority(k: usize) -> u8 {
    200u8.saturating_sub(u8::try_from(k.min(4)).unwrap_or(4) * 50)
}

/// What this target refuses on `device`: a `sync` link no heartbeat interface can be (E0047),
/// a cluster of more members than FGCP takes (E0070, at the device).
fn refusals(cx: &EmitContext, device: &DeviceIr) -> Vec<Diagnostic> {
    let at = cx.model.spans.device(device.device);
    let mut out = ha::link(cx, device, HA_NEEDS).err().unwrap_or_default();
    let members = cx.model.device(device.device).cluster.len();
    if device.sync.is_some() && members > MAX_MEMBERS {
        out.push(
            Diagnostic::error(
                codes::FORTIOS_CANNOT,
                format!(
                    "cluster `{}` has {members} nodes, and a FortiGate HA cluster (FGCP) has at most {MAX_MEMBERS} members",
                    device.name
                ),
            )
            .at(at, "fortios cluster")
            .about(Subject::Device(device.device))
            .help("split the cluster, or remove `sync` and load the same file on each unit (docs/targets/fortios.md)"),
        );
    }
    out
}

/// `config system ha` of a cluster whose `sync` is its heartbeat interface: active-passive,
/// sessions picked up, no override, the first node's priority.
fn ha_config(
    device: &DeviceIr,
    link: &ha::HaLink,
    changed: &mut BTreeSet<String>,
) -> Result<Option<Ha>> {
    let Some(port) = device.interfaces.get(link.interface) else {
        return Ok(None);
    };
    let group = clean(&device.name, FORTI_HA_GROUP, changed);
    Ok(Some(Ha {
        group_name: Some(name(group.as_str())?),
        mode: Some(HaMode::ActivePassive),
        hbdev: vec![(name(&port.name)?, 50)],
        session_pickup: Some(true),
        priority: Some(priority(0)),
        override_: Some(false),
    }))
}

/// Node `node`'s file: its own HA priority.
pub fn for_node(config: &mut FortiConfig, device: &DeviceIr, node: &str) {
    let k = device.nodes.iter().position(|n| n == node).unwrap_or(0);
    if let Some(ha) = &mut config.ha {
        ha.priority = Some(priority(k));
    }
}

/// OUT-010: the `one-way` flows of a device, whose replies FortiOS passes by state.
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
                    "`{}` (fortios) passes the replies of this flow's `one-way` services: FortiOS keeps a session for every connection it accepts",
                    device.name
                ))
                .at(span, "one-way flow through a fortios device")
                .about(subject)
                .scoped(vec![f.scope()])
                .help("a FortiOS policy accepts a session, replies included; carry one-way traffic on an nftables or iptables firewall, or accept the replies (docs/targets/fortios.md)")
        })
        .collect()
}

/// The header comments of a device's file.
fn header(cx: &EmitContext, device: &DeviceIr) -> Vec<Text> {
    let s = cx.stamp;
    let mut unused = BTreeSet::new();
    [
        format!(
            "fenceline {}: FortiOS configuration of firewall {}",
            s.version, device.name
        ),
        format!("policy: {}", s.policy),
        format!("policy sha256: {}", s.hash),
        "Generated from the policy; edit the policy, not this file.".to_string(),
    ]
    .iter()
    .map(|t| clean(t, sanitize::HEADER_COMMENT, &mut unused))
    .collect()
}

fn deny_all(id: u32, intf: Vec<Name>, log: bool) -> Result<Policy> {
    let all = vec![name("all")?];
    Ok(Policy {
        id,
        name: None,
        srcintf: intf.clone(),
        dstintf: intf,
        srcaddr: all.clone(),
        dstaddr: all.clone(),
        srcaddr6: all.clone(),
        dstaddr6: all,
        action: Action::Deny,
        schedule: name("always")?,
        service: vec![name("ALL")?],
        logtraffic: log.then_some(LogTraffic::All),
        disabled: false,
        nat: false,
        comments: Some(
            Text::new("the implicit deny, made explicit and logged").unwrap_or_default(),
        ),
    })
}

/// The device's IR as a FortiOS configuration.
pub fn lower(
    cx: &EmitContext,
    device: &DeviceIr,
    diags: &mut Vec<Diagnostic>,
) -> Result<FortiConfig> {
    diags.extend(refusals(cx, device));
    diags.extend(super::nat::refusals(cx, device));
    diags.extend(one_way(cx, device));
    let mut changed = BTreeSet::new();
    // The heartbeat interface's addresses carry FGCP only.
    let link = ha::link(cx, device, HA_NEEDS).ok().flatten();
    let view = ha::data_view(cx, device, link.as_ref());
    let device: &DeviceIr = &view;
    let vips = super::nat::Vips::of(device)?;
    let mut cfg = FortiConfig {
        comments: header(cx, device),
        vips: vips.all(device),
        ha: match &link {
            Some(l) => ha_config(device, l, &mut changed)?,
            None => None,
        },
        ..Default::default()
    };
    let mut ifnames = Vec::with_capacity(device.interfaces.len());
    for (k, i) in device.interfaces.iter().enumerate() {
        let n = Name::new(&i.name).ok_or_else(|| {
            Error::Other(format!(
                "interface name `{}` is not one FortiOS takes",
                i.name.escape_default()
            ))
        })?;
        let mut access = [BTreeSet::new(), BTreeSet::new()];
        for l in device
            .local
            .iter()
            .filter(|l| l.interface == k && l.to_device)
        {
            for r in &l.rules {
                if let Some(a) = access_of(&r.item) {
                    if !r.dst.v4_nets().is_empty() {
                        access[0].insert(a);
                    }
                    if !r.dst.v6_nets().is_empty() {
                        access[1].insert(a);
                    }
                }
            }
        }
        let [a4, a6] = access;
        cfg.interfaces.push(Interface {
            name: n.clone(),
            alias: Some(clean(&i.zone_name, FORTI_ALIAS, &mut changed)),
            description: Some(clean(
                &format!("zone {}", i.zone_name),
                FORTI_DESCRIPTION,
                &mut changed,
            )),
            ip: None,
            allowaccess: a4.into_iter().collect(),
            ip6: None,
            allowaccess6: a6.into_iter().collect(),
            down: false,
        });
        ifnames.push(n);
    }
    let mut objects = Objects::default();
    let always = name("always")?;
    // Forwarded traffic, per pair in the IR's order.
    let mut id = 0u32;
    for p in &device.pairs {
        // Out of a translated zone: the inside sources, translated by the VIPs' mapping.
        let from = &device.interfaces[p.ingress].nat;
        let inside: Vec<RuleIr> = p
            .rules
            .iter()
            .map(|r| RuleIr {
                src: crate::dialect::nat::to_inside(from, &r.src),
                ..r.clone()
            })
            .collect();
        let rules: Vec<&RuleIr> = inside.iter().collect();
        let via = (!device.interfaces[p.egress].nat.is_empty()).then_some((&vips, p.egress));
        for run in runs(&rules) {
            let Some(([s4, s6], [d4, d6], service)) = run_match_via(&run, &mut objects, via)?
            else {
                continue;
            };
            id += 1;
            cfg.policies.push(Policy {
                id,
                name: None,
                srcintf: vec![ifnames[p.ingress].clone()],
                dstintf: vec![ifnames[p.egress].clone()],
                srcaddr: s4,
                dstaddr: d4,
                srcaddr6: s6,
                dstaddr6: d6,
                action: Action::Accept,
                schedule: always.clone(),
                service,
                logtraffic: Some(if run[0].log {
                    LogTraffic::All
                } else {
                    LogTraffic::Disable
                }),
                disabled: false,
                nat: !from.is_empty(),
                comments: Some(clean(&run[0].label, FORTI_COMMENT, &mut changed)),
            });
        }
    }
    cfg.policies
        .push(deny_all(id + 1, vec![name("any")?], true)?);
    // Traffic to the device, per interface.
    let (mut id4, mut id6) = (0u32, 0u32);
    let all = vec![name("all")?];
    let every = vec![name("ALL")?];
    for (k, n) in ifnames.iter().enumerate() {
        let rules: Vec<&RuleIr> = device
            .local
            .iter()
            .filter(|l| l.interface == k && l.to_device)
            .flat_map(|l| &l.rules)
            .collect();
        let mut v6_nd = Vec::new();
        for t in [135u8, 136] {
            if let Some(s) = objects.service(&ServiceItem::Icmpv6 { icmp_type: Some(t) })? {
                v6_nd.push(s);
            }
        }
        id6 += 1;
        cfg.local_in6.push(LocalIn {
            id: id6,
            intf: vec![n.clone()],
            srcaddr: all.clone(),
            dstaddr: all.clone(),
            action: Action::Accept,
            service: v6_nd,
            schedule: always.clone(),
            disabled: false,
            comments: Some(Text::new("IPv6 neighbour discovery").unwrap_or_default()),
        });
        for run in runs(&rules) {
            let Some(([s4, s6], [d4, d6], service)) = run_match(&run, &mut objects)? else {
                continue;
            };
            let comments = Some(clean(&run[0].label, FORTI_COMMENT, &mut changed));
            if !s4.is_empty() {
                id4 += 1;
                cfg.local_in.push(LocalIn {
                    id: id4,
                    intf: vec![n.clone()],
                    srcaddr: s4,
                    dstaddr: d4,
                    action: Action::Accept,
                    service: service.clone(),
                    schedule: always.clone(),
                    disabled: false,
                    comments: comments.clone(),
                });
            }
            if !s6.is_empty() {
                id6 += 1;
                cfg.local_in6.push(LocalIn {
                    id: id6,
                    intf: vec![n.clone()],
                    srcaddr: s6,
                    dstaddr: d6,
                    action: Action::Accept,
                    service,
                    schedule: always.clone(),
                    disabled: false,
                    comments,
                });
            }
        }
        let deny = |id| LocalIn {
            id,
            intf: vec![n.clone()],
            srcaddr: all.clone(),
            dstaddr: all.clone(),
            action: Action::Deny,
            service: every.clone(),
            schedule: always.clone(),
            disabled: false,
            comments: Some(Text::new("nothing else reaches the device here").unwrap_or_default()),
        };
        id4 += 1;
        cfg.local_in.push(deny(id4));
        id6 += 1;
        cfg.local_in6.push(deny(id6));
    }
    let [a4, a6] = objects.addresses;
    cfg.addresses = a4.into_values().collect();
    cfg.addresses6 = a6.into_values().collect();
    let [g4, g6] = objects.groups;
    cfg.addrgrps = g4.into_values().collect();
    cfg.addrgrps6 = g6.into_values().collect();
    cfg.services = objects.services.into_values().collect();
    for t in changed {
        diags.push(
            TEXT_CHANGED
                .diag(format!(
                    "text `{}` was shortened or had characters replaced in `{}`'s FortiOS configuration",
                    t.escape_default(),
                    device.name
                ))
                .at(cx.model.spans.device(device.device), "device")
                .about(Subject::Device(device.device))
                .help("FortiOS strings are printable ASCII without `\"`, `\\` and `?`: comments hold 1023 characters, an interface alias 25, a description 255"),
        );
    }
    Ok(cfg)
}

/// Policies and group members, for `--max-rules`.
pub fn size(config: &FortiConfig) -> usize {
    config.policies.len()
        + config.local_in.len()
        + config.local_in6.len()
        + config
            .addrgrps
            .iter()
            .chain(&config.addrgrps6)
            .map(|g| g.members.len())
            .sum::<usize>()
}
