//! Pass 5 for `panos`, Ir -> [`PanosConfig`]. Planning decided every rule; this module only
//! writes PAN-OS's configuration for them:
//!
//! - per interface, a layer-3 ethernet interface with the firewall's own addresses there, the
//!   zone's name as its comment, and, where device-level flows reach the firewall at those
//!   addresses, an interface management profile (`FL-MGMT-<zone>`) with their services and
//!   sources (`permitted-ip`);
//! - per zone, `zone NAME network layer3 [ IFACES ]` (the zone's name, cut with a hash to
//!   PAN-OS's 31 characters where longer);
//! - address objects (`N-<prefix>`) and static address groups (`G-<hash>`) for sets of several
//!   prefixes, TCP and UDP service objects (`S-tcp-<ports>`);
//! - one security rule (`FL-<n>`) per flow's rule between two zones, in planning's order, with
//!   `application any` and the service ports (never `application-default`, whose ports App-ID
//!   decides); ICMP echo as `application ping`, every ICMP type as `icmp`/`ipv6-icmp`, with
//!   `service any`; consecutive TCP (or UDP) rules of one flow between the same ends become one
//!   rule with several services; device-level flows to the firewall as rules `to any` whose
//!   destination is the firewall's own addresses;
//! - last, `FL-deny-all`: `from any to any ... action deny log-end yes`, so that neither
//!   `intrazone-default` (which allows) nor `interzone-default` decides, and a drop is logged.
//!
//! What PAN-OS cannot express is refused (E0073 at the device); `one-way` services are a
//! warning (OUT-010: PAN-OS passes the replies of every session it allows).

use super::ast::*;
use crate::diagnostic::{codes, Diagnostic, Subject};
use crate::dialect::ha;
use crate::dialect::sanitize::{self, Sink};
use crate::dialect::EmitContext;
use crate::error::{Error, Result};
use crate::model::{AddrSet, FlowRef, PortRange, ServiceItem};
use crate::plan::{DeviceIr, RuleIr};
use ipnet::IpNet;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

// Policy text was cut or changed on its way into the configuration (warning).
use crate::lint::rules::out_007_text_sanitised::RULE as TEXT_CHANGED;
// A feature the target can only approximate (warning).
use crate::lint::rules::out_010_target_degraded::RULE as DEGRADED;

/// PAN-OS descriptions and comments: 1023 characters; `"` and `\` would end or escape the
/// quoted value, and `'`, `;` and `` ` `` are kept out of the CLI's way.
pub const PANOS_DESCRIPTION: Sink = Sink {
    name: "PAN-OS description",
    forbidden: "\"\\'`;",
    max_bytes: Text::MAX,
};

/// PAN-OS zone names: 31 characters.
pub const MAX_ZONE: usize = 31;

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
            "internal: `{}` is not a name PAN-OS takes",
            s.escape_default()
        ))
    })
}

/// The zone name of a policy zone: its name in the characters PAN-OS takes, cut with a hash of
/// the whole name where it is too long or was changed.
pub fn zone_name(zone: &str) -> String {
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
    if slug.len() <= MAX_ZONE && slug == zone {
        slug
    } else {
        let head: String = slug.chars().take(MAX_ZONE - 9).collect();
        format!("{head}-{}", sha8(&[zone]))
    }
}

#[derive(Default)]
struct Objects {
    addresses: BTreeMap<String, Address>,
    groups: BTreeMap<String, AddressGroup>,
    services: BTreeMap<String, Service>,
}

impl Objects {
    fn address(&mut self, n: &IpNet) -> Result<Name> {
        let s = format!(
            "N-{}_{}",
            n.network().to_string().replace(':', "-"),
            n.prefix_len()
        );
        if !self.addresses.contains_key(&s) {
            self.addresses.insert(
                s.clone(),
                Address {
                    name: name(&s)?,
                    description: None,
                    value: Some(AddrValue::Netmask(n.network(), n.prefix_len())),
                },
            );
        }
        name(&s)
    }

    /// Prefixes as a rule's source or destination: `any`, one address object, or a group.
    fn operand(&mut self, nets: &[IpNet]) -> Result<Vec<Name>> {
        let all4 = nets
            .iter()
            .any(|n| n.addr().is_ipv4() && n.prefix_len() == 0);
        let all6 = nets
            .iter()
            .any(|n| n.addr().is_ipv6() && n.prefix_len() == 0);
        if all4 && all6 {
            return Ok(vec![Name::any()]);
        }
        if let [one] = nets {
            return Ok(vec![self.address(one)?]);
        }
        let members = nets
            .iter()
            .map(|n| self.address(n))
            .collect::<Result<Vec<_>>>()?;
        let key: Vec<String> = nets.iter().map(|n| n.to_string()).collect();
        let key: Vec<&str> = key.iter().map(String::as_str).collect();
        let g = format!("G-{}", sha8(&key));
        if !self.groups.contains_key(&g) {
            self.groups.insert(
                g.clone(),
                AddressGroup {
                    name: name(&g)?,
                    description: None,
                    members,
                },
            );
        }
        Ok(vec![name(&g)?])
    }

    fn service(&mut self, p: SvcProto, r: PortRange) -> Result<Name> {
        let s = if r.lo == r.hi {
            format!("S-{}-{}", p.keyword(), r.lo)
        } else {
            format!("S-{}-{}-{}", p.keyword(), r.lo, r.hi)
        };
        if !self.services.contains_key(&s) {
            self.services.insert(
                s.clone(),
                Service {
                    name: name(&s)?,
                    description: None,
                    proto: Some(p),
                    ports: vec![(r.lo, r.hi)],
                    source_ports: Vec::new(),
                },
            );
        }
        name(&s)
    }
}

fn tcp_udp(item: &ServiceItem) -> Option<(SvcProto, PortRange)> {
    match item {
        ServiceItem::Tcp { ports } => Some((SvcProto::Tcp, *ports)),
        ServiceItem::Udp { ports } => Some((SvcProto::Udp, *ports)),
        _ => None,
    }
}

/// An item as (applications, families it is limited to), or why PAN-OS cannot say it.
fn app_of(item: &ServiceItem) -> std::result::Result<Option<(&'static str, Option<bool>)>, String> {
    Ok(match item {
        ServiceItem::Tcp { .. } | ServiceItem::Udp { .. } | ServiceItem::AnyIp => {
            Some(("any", None))
        }
        ServiceItem::Icmp { icmp_type: Some(8) } => Some(("ping", Some(false))),
        ServiceItem::Icmpv6 {
            icmp_type: Some(128),
        } => Some(("ping", Some(true))),
        ServiceItem::Icmp { icmp_type: None } => Some(("icmp", Some(false))),
        ServiceItem::Icmpv6 { icmp_type: None } => Some(("ipv6-icmp", Some(true))),
        ServiceItem::Icmp { icmp_type: Some(t) } => {
            return Err(format!(
                "ICMP type {t}, which no App-ID application names exactly"
            ))
        }
        ServiceItem::Icmpv6 { icmp_type: Some(t) } => {
            return Err(format!(
                "ICMPv6 type {t}, which no App-ID application names exactly"
            ))
        }
        ServiceItem::Ip { number } => {
            return Err(format!(
                "IP protocol {number}, which PAN-OS service objects (TCP, UDP) cannot name"
            ))
        }
        ServiceItem::Ether { .. } => None,
    })
}

/// The management service of a device-level flow's item, if a profile offers it.
fn mgmt_of(item: &ServiceItem) -> Option<MgmtService> {
    let p = |r: &PortRange, x: u16| r.lo == x && r.hi == x;
    match item {
        ServiceItem::Tcp { ports } if p(ports, 22) => Some(MgmtService::Ssh),
        ServiceItem::Tcp { ports } if p(ports, 23) => Some(MgmtService::Telnet),
        ServiceItem::Tcp { ports } if p(ports, 80) => Some(MgmtService::Http),
        ServiceItem::Tcp { ports } if p(ports, 443) => Some(MgmtService::Https),
        ServiceItem::Udp { ports } if p(ports, 161) => Some(MgmtService::Snmp),
        ServiceItem::Icmp { icmp_type: Some(8) }
        | ServiceItem::Icmpv6 {
            icmp_type: Some(128),
        } => Some(MgmtService::Ping),
        _ => None,
    }
}

fn nets_of(set: &AddrSet, v6: Option<bool>) -> Vec<IpNet> {
    set.nets()
        .into_iter()
        .filter(|n| v6.is_none_or(|v6| n.addr().is_ipv6() == v6))
        .collect()
}

struct Cx {
    objects: Objects,
    rules: Vec<Rule>,
    changed: BTreeSet<String>,
    refused: BTreeSet<(FlowRef, String)>,
}

impl Cx {
    fn description(&mut self, label: &str) -> Option<Text> {
        let c = sanitize::clean(label, PANOS_DESCRIPTION);
        if c.changed() {
            self.changed.insert(label.to_string());
        }
        Text::new(c.text.trim()).filter(|t| !t.as_str().is_empty())
    }

    /// Security rules for `rules`, from zone `from` to `to`; a destination cut to `dst_within`.
    fn rules(&mut self, rules: &[&RuleIr], from: &Name, to: &Name) -> Result<()> {
        let mut k = 0;
        while k < rules.len() {
            let r = rules[k];
            let mut end = k + 1;
            if let Some((pp, _)) = tcp_udp(&r.item) {
                while end < rules.len() {
                    let o = rules[end];
                    if !(o.label == r.label
                        && o.src == r.src
                        && o.dst == r.dst
                        && o.log == r.log
                        && tcp_udp(&o.item).is_some_and(|(p, _)| p == pp))
                    {
                        break;
                    }
                    end += 1;
                }
            }
            let run = &rules[k..end];
            k = end;
            let (app, fam) = match app_of(&r.item) {
                Ok(Some(x)) => x,
                Ok(None) => continue,
                Err(why) => {
                    self.refused.insert((r.flow, why));
                    continue;
                }
            };
            let src = nets_of(&r.src, fam);
            let dst = nets_of(&r.dst, fam);
            if src.is_empty() || dst.is_empty() {
                continue;
            }
            let mut service = Vec::new();
            if app == "any" {
                let mut ports: Vec<(SvcProto, PortRange)> =
                    run.iter().filter_map(|o| tcp_udp(&o.item)).collect();
                ports.sort_by_key(|(p, r)| (*p as u8, *r));
                ports.dedup();
                if ports.iter().any(|(_, r)| *r == PortRange::ALL) {
                    // Every port of one protocol: a service object of 0-65535.
                    ports.retain(|(_, r)| *r == PortRange::ALL);
                }
                for (p, range) in ports {
                    service.push(self.objects.service(p, range)?);
                }
            }
            if service.is_empty() {
                service.push(Name::any());
            }
            let mut rule = Rule::new(name(&format!("FL-{}", self.rules.len() + 1))?);
            rule.description = self.description(&r.label);
            rule.from = vec![from.clone()];
            rule.to = vec![to.clone()];
            rule.source = self.objects.operand(&src)?;
            rule.destination = self.objects.operand(&dst)?;
            rule.application = vec![name(app)?];
            rule.service = service;
            rule.action = Some(Action::Allow);
            rule.log_end = r.log;
            self.rules.push(rule);
        }
        Ok(())
    }
}

fn diag_at(cx: &EmitContext, device: &DeviceIr, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(codes::PANOS_CANNOT, message)
        .at(cx.model.spans.device(device.device), "panos device")
        .about(Subject::Device(device.device))
        .help(help)
}

const HA_NEEDS: ha::Needs = ha::Needs {
    target: "panos",
    link: "HA1 link",
    node_addresses: true,
};

/// The device priority of node `k` of a pair: the first node's lower, so that it is the
/// active firewall while both run (PAN-OS prefers the lower value).
fn device_priority(k: usize) -> u8 {
    if k == 0 {
        100
    } else {
        200
    }
}

/// What this target refuses on `device` as a whole: a `sync` link no HA1 link can be (E0047),
/// and each an error (E0073) at the device: a pair of other than two firewalls, an IPv6 HA1
/// link, node addresses on a data interface.
fn refusals(cx: &EmitContext, device: &DeviceIr) -> Vec<Diagnostic> {
    let mut out = ha::link(cx, device, HA_NEEDS).err().unwrap_or_default();
    let dev = cx.model.device(device.device);
    let sync = device.sync.as_ref().map(|s| s.interface);
    if sync.is_some() && dev.cluster.len() != 2 {
        out.push(diag_at(
            cx,
            device,
            format!(
                "cluster `{}` has {} nodes, and a PAN-OS active/passive pair is two firewalls",
                device.name,
                dev.cluster.len()
            ),
            "name two nodes in `cluster`, or remove `sync` and load the same configuration on each firewall (docs/targets/panos.md)",
        ));
    }
    if let Some(i) = sync.and_then(|k| dev.interfaces.get(k)) {
        if i.nodes.iter().any(|a| a.is_ipv6()) {
            out.push(diag_at(
                cx,
                device,
                format!(
                    "the nodes of cluster `{}` have IPv6 addresses on the sync interface `{}`, and fenceline writes an IPv4 HA1 link (address and netmask)",
                    device.name, i.name
                ),
                "give the nodes IPv4 addresses on the sync interface (docs/targets/panos.md)",
            ));
        }
    }
    let data = dev
        .interfaces
        .iter()
        .enumerate()
        .find(|(k, i)| !i.nodes.is_empty() && Some(*k) != sync);
    if let Some((_, i)) = data {
        out.push(diag_at(
            cx,
            device,
            format!(
                "cluster `{}` gives each node an address on `{}`, and the nodes of a PAN-OS active/passive pair share their interface addresses",
                device.name, i.name
            ),
            "remove `nodes` from the interface: the pair's data interfaces carry the cluster's addresses only (docs/targets/panos.md)",
        ));
    }
    out
}

/// `deviceconfig high-availability` of a pair whose `sync` is its HA1 link: enabled,
/// active/passive, the peer's and the first node's HA1 addresses, its priority ([`for_node`]
/// sets the second node's).
fn ha_config(device: &DeviceIr, link: &ha::HaLink) -> Result<Option<Ha>> {
    let (Some(port), [(a, len), (b, _)]) = (
        device.interfaces.get(link.interface),
        link.addresses.as_slice(),
    ) else {
        return Ok(None);
    };
    let netmask = match a {
        IpAddr::V4(_) => ipnet::Ipv4Net::new(std::net::Ipv4Addr::UNSPECIFIED, *len)
            .ok()
            .map(|n| n.netmask()),
        IpAddr::V6(_) => return Ok(None),
    };
    Ok(Some(Ha {
        enabled: true,
        group_id: Some(1),
        peer_ip: Some(*b),
        mode: Some(name("active-passive")?),
        device_priority: Some(device_priority(0)),
        ha1: Some(HaPort {
            port: name(&port.name)?,
            ip: Some(*a),
            netmask,
        }),
    }))
}

/// Node `node`'s configuration: the second node's HA1 address and the first's as its peer,
/// and its own priority.
pub fn for_node(config: &mut PanosConfig, device: &DeviceIr, node: &str) {
    let k = device.nodes.iter().position(|n| n == node).unwrap_or(0);
    let Some(ha) = &mut config.ha else { return };
    ha.device_priority = Some(device_priority(k));
    if k == 1 {
        if let Some(h) = &mut ha.ha1 {
            std::mem::swap(&mut h.ip, &mut ha.peer_ip);
        }
    }
}

/// OUT-010: the `one-way` flows of a device, whose replies PAN-OS passes by state.
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
            let (span, subject) = flow_at(cx, f);
            DEGRADED
                .diag(format!(
                    "`{}` (panos) passes the replies of this flow's `one-way` services: PAN-OS keeps a session for everything it allows",
                    device.name
                ))
                .at(span, "one-way flow through a panos device")
                .about(subject)
                .scoped(vec![f.scope()])
                .help("a security rule cannot drop the reply direction of a session; carry one-way traffic on an nftables or iptables firewall, or accept the replies (docs/targets/panos.md)")
        })
        .collect()
}

fn flow_at(cx: &EmitContext, f: FlowRef) -> (crate::source::Span, Subject) {
    match f {
        FlowRef::Flow(id) => (cx.model.spans.flow(id), Subject::Flow(id)),
        FlowRef::SelfFlow { id } => (cx.model.spans.self_flow(id), Subject::SelfFlow(id)),
    }
}

/// The prefix length of an interface address: the zone network holding it, else a host.
fn if_len(zone: &crate::model::Zone, a: IpAddr) -> u8 {
    // A translated zone's interface lies in its inside network.
    zone.networks
        .iter()
        .chain(zone.nat.iter().map(|n| &n.inside))
        .filter(|n| n.contains(&a))
        .map(|n| n.prefix_len())
        .max()
        .unwrap_or(if a.is_ipv4() { 32 } else { 128 })
}

/// The device's IR as a PAN-OS configuration.
pub fn lower(
    cx: &EmitContext,
    device: &DeviceIr,
    diags: &mut Vec<Diagnostic>,
) -> Result<PanosConfig> {
    diags.extend(refusals(cx, device));
    diags.extend(super::nat::refusals(cx, device));
    diags.extend(one_way(cx, device));
    let s = cx.stamp;
    let stamp = sanitize::clean(
        &format!(
            "fenceline {}: PAN-OS configuration of firewall {}, policy {}, policy sha256 {}. Generated from the policy: edit the policy, not this configuration",
            s.version, device.name, s.policy, s.hash
        ),
        PANOS_DESCRIPTION,
    );
    let mut c = Cx {
        objects: Objects::default(),
        rules: Vec::new(),
        changed: BTreeSet::new(),
        refused: BTreeSet::new(),
    };
    let dev = cx.model.device(device.device);
    let zones: Vec<Name> = device
        .interfaces
        .iter()
        .map(|i| name(&zone_name(&i.zone_name)))
        .collect::<Result<_>>()?;
    // The HA1 link is an HA interface: no zone, address or profile, and the device's
    // addresses on it carry the HA protocol only.
    let link = ha::link(cx, device, HA_NEEDS).ok().flatten();
    let view = ha::data_view(cx, device, link.as_ref());
    let device: &DeviceIr = &view;
    let ha_port = link.as_ref().map(|l| l.interface);
    // Interfaces and their own addresses.
    let mut interfaces = Vec::new();
    for (k, i) in device.interfaces.iter().enumerate() {
        if ha_port == Some(k) {
            interfaces.push(Interface {
                name: name(&i.name)?,
                comment: Text::new(&format!("zone {}: HA1 link", zone_name(&i.zone_name))),
                ips: Vec::new(),
                profile: None,
                link_down: false,
                ha: true,
            });
            continue;
        }
        let zone = cx.model.zone(i.zone);
        let ips = dev
            .interfaces
            .iter()
            .find(|m| m.name == i.name)
            .map(|m| {
                m.addresses
                    .iter()
                    .map(|a| (*a, if_len(zone, *a)))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        interfaces.push(Interface {
            name: Name::new(&i.name).ok_or_else(|| {
                Error::Other(format!(
                    "interface name `{}` is not one PAN-OS takes",
                    i.name.escape_default()
                ))
            })?,
            comment: Text::new(&format!("zone {}", zone_name(&i.zone_name))),
            ips,
            profile: None,
            link_down: false,
            ha: false,
        });
    }
    // Flows through the firewall, pair by pair in planning's order.
    for p in &device.pairs {
        // Security rules match sources before translation: a translated zone's inside ones.
        let nat = &device.interfaces[p.ingress].nat;
        let inside: Vec<RuleIr> = p
            .rules
            .iter()
            .map(|r| RuleIr {
                src: crate::dialect::nat::to_inside(nat, &r.src),
                ..r.clone()
            })
            .collect();
        let rules: Vec<&RuleIr> = inside.iter().collect();
        c.rules(&rules, &zones[p.ingress], &zones[p.egress])?;
    }
    // Static NAT, both ways, per translated network.
    let mut nat_rules = Vec::new();
    for (i, z) in device.interfaces.iter().zip(&zones) {
        for (k, n) in i.nat.iter().enumerate() {
            let mut r = NatRule::new(name(&format!("FL-NAT-{z}-{}", k + 1))?);
            r.description = Text::new(&format!(
                "zone {}: static 1:1 translation",
                zone_name(&i.zone_name)
            ));
            r.from = vec![z.clone()];
            r.to = vec![Name::any()];
            r.source = vec![c.objects.address(&n.inside)?];
            r.destination = vec![Name::any()];
            r.service = Some(Name::any());
            r.translated = Some(c.objects.address(&n.outside)?);
            r.bidirectional = true;
            nat_rules.push(r);
        }
    }
    // Device-level flows to the firewall: a rule `to any` to its own addresses, and the
    // management profile of each interface that owns one of them.
    let mut profiles: BTreeMap<usize, (BTreeSet<MgmtService>, BTreeSet<IpNet>)> = BTreeMap::new();
    for l in device.local.iter().filter(|l| l.to_device) {
        let mut ok = Vec::new();
        for r in &l.rules {
            let Some(m) = mgmt_of(&r.item) else {
                if !matches!(r.item, ServiceItem::Ether { .. }) {
                    c.refused.insert((
                        r.flow,
                        format!(
                            "{} to the firewall itself, which no interface management profile offers",
                            r.item
                        ),
                    ));
                }
                continue;
            };
            for (j, iface) in interfaces.iter().enumerate() {
                let owns = iface.ips.iter().any(|(a, _)| r.dst.contains(*a));
                if owns {
                    let e = profiles.entry(j).or_default();
                    e.0.insert(m);
                    e.1.extend(r.src.nets());
                }
            }
            ok.push(r);
        }
        c.rules(&ok, &zones[l.interface], &Name::any())?;
    }
    let mut mgmt: Vec<MgmtProfile> = Vec::new();
    for (j, (services, permitted)) in profiles {
        let mut n = format!("FL-MGMT-{}", zones[j]);
        if mgmt.iter().any(|p| p.name.as_str() == n) {
            n = format!("{n}-{}", j + 1);
        }
        let n = name(&n)?;
        interfaces[j].profile = Some(n.clone());
        // Sources from anywhere in both families: no `permitted-ip` (any source).
        let anywhere = permitted.iter().filter(|p| p.prefix_len() == 0).count() == 2;
        mgmt.push(MgmtProfile {
            name: n,
            services: services.into_iter().collect(),
            permitted: if anywhere {
                Vec::new()
            } else {
                permitted
                    .into_iter()
                    .map(|p| (p.network(), p.prefix_len()))
                    .collect()
            },
        });
    }
    let mut deny = Rule::new(name("FL-deny-all")?);
    deny.description = Text::new("the implicit deny, made explicit and logged (fenceline)");
    deny.from = vec![Name::any()];
    deny.to = vec![Name::any()];
    deny.source = vec![Name::any()];
    deny.destination = vec![Name::any()];
    deny.application = vec![Name::any()];
    deny.service = vec![Name::any()];
    deny.action = Some(Action::Deny);
    deny.log_end = true;
    c.rules.push(deny);
    // Zones, each with its interfaces.
    let mut zone_list: Vec<Zone> = Vec::new();
    for (k, z) in zones.iter().enumerate() {
        if ha_port == Some(k) {
            continue;
        }
        match zone_list.iter_mut().find(|x| &x.name == z) {
            Some(x) => x.interfaces.push(interfaces[k].name.clone()),
            None => zone_list.push(Zone {
                name: z.clone(),
                interfaces: vec![interfaces[k].name.clone()],
            }),
        }
    }
    for (flow, why) in std::mem::take(&mut c.refused) {
        let (span, subject) = flow_at(cx, flow);
        diags.push(
            Diagnostic::error(
                codes::PANOS_CANNOT,
                format!("`{}` (panos) cannot express {why}", device.name),
            )
            .at(span, "flow on a panos device")
            .about(subject)
            .help("PAN-OS rules name TCP and UDP ports, ICMP echo (`ping`) or every ICMP type, and management profiles offer ping, ssh, telnet, http, https and snmp; carry this flow on another target or change its service (docs/targets/panos.md)"),
        );
    }
    for t in std::mem::take(&mut c.changed) {
        diags.push(
            TEXT_CHANGED
                .diag(format!(
                    "text `{}` was shortened or had characters replaced in `{}`'s PAN-OS configuration",
                    t.escape_default(),
                    device.name
                ))
                .at(cx.model.spans.device(device.device), "device")
                .about(Subject::Device(device.device))
                .help("PAN-OS descriptions hold 1023 characters of printable ASCII without quotes, `\\`, `;` and backquotes"),
        );
    }
    Ok(PanosConfig {
        tags: vec![Tag {
            name: name("fenceline")?,
            comments: Text::new(stamp.text.trim()),
        }],
        profiles: mgmt,
        interfaces,
        zones: zone_list,
        addresses: c.objects.addresses.into_values().collect(),
        address_groups: c.objects.groups.into_values().collect(),
        services: c.objects.services.into_values().collect(),
        service_groups: Vec::new(),
        applications: Vec::new(),
        rules: c.rules,
        nat_rules,
        ha: match &link {
            Some(l) => ha_config(device, l)?,
            None => None,
        },
        file: Origin::default(),
    })
}

/// Rules and objects, for `--max-rules`.
pub fn size(config: &PanosConfig) -> usize {
    config.rules.len()
        + config.addresses.len()
        + config
            .address_groups
            .iter()
            .map(|g| g.members.len())
            .sum::<usize>()
        + config.services.len()
}
