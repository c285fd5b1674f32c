//! Pass 5, Ir -> text for `cisco-ios`: router (and layer-3 switch) inbound extended ACLs with
//! their interface bindings, and a switch's VLAN and port configuration, in `<device>/cisco-ios.txt`.
//!
//! IOS ACLs are stateless, so the replies of an allowed connection need their own permits on the
//! interface they come back by. They are the narrowest the syntax allows (`established` for TCP,
//! the responder's source port for UDP, `echo-reply` for ping), and every one of them admits more
//! than connection tracking would: each is a [`Widening`], reported as an `OUT-005` warning and
//! listed by [`widenings`] for the conformance report.
//!
//! Rust decides every ACE (addresses, wildcards, ports, order, names); the templates in
//! `targets/cisco-ios/` only lay the lines out.

use crate::diagnostic::Diagnostic;
use crate::dialect::sanitize::{self, Sink};
use crate::dialect::{environment, render, EmitContext};
use crate::error::{Error, Result};
use crate::model::{AddrSet, ConduitId, FlowId, Model, PortRange, Scope, ServiceItem, Target};
use crate::packet::service::icmp_reply_type;
use crate::packet::Family;
use crate::plan::{DeviceIr, Ir, RuleIr, SwitchIr};
use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::Ipv4Addr;

// Return traffic admitted by a stateless rule (warning).
use crate::lint::rules::out_005_stateless_return_widening::RULE as WIDENING;
// A zone's VLAN is VLAN 1, which never carries user traffic (error).
use crate::lint::rules::out_006_vlan_1_user_traffic::RULE as VLAN_ONE;
// Policy text was cut or changed on its way into the configuration (warning).
use crate::lint::rules::out_007_text_sanitised::RULE as TEXT_CHANGED;

/// The file every `cisco-ios` device gets.
pub const FILE_NAME: &str = "cisco-ios.txt";

const HEADER: &str = include_str!("../../../targets/cisco-ios/header.j2");
const ACLS: &str = include_str!("../../../targets/cisco-ios/acls.j2");
const SWITCH: &str = include_str!("../../../targets/cisco-ios/switch.j2");

/// IOS rejects remarks over 100 characters. Longer labels are wrapped over several remark lines
/// rather than cut, so the sanitiser's limit here is the total over all lines.
const REMARK_LINE: usize = 100;
const REMARK_TEXT: Sink = Sink {
    name: "Cisco remark",
    forbidden: sanitize::IOS_REMARK.forbidden,
    max_bytes: 300,
};

/// Name of the parking VLAN (unused ports, trunk native VLAN).
const PARKING_NAME: &str = "FL-PARKING";

/// Longest interface slug inside an ACL name; the content hash keeps names unique.
const MAX_SLUG: usize = 32;

pub struct CiscoIos;

/// How the reply rule of a flow admits more than connection tracking would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WideningKind {
    /// `established`: any TCP segment with ACK or RST from the responder's port passes, also one
    /// that belongs to no connection (a crafted ACK scan).
    TcpEstablished,
    /// Any UDP datagram from the responder's port passes, whether or not a request preceded it.
    UdpSourcePort,
    /// ICMP echo-replies (or timestamp-replies) pass without a preceding request.
    IcmpReply,
    /// A protocol without ports or state in ACLs (GRE, ESP, every IP protocol): the reverse
    /// direction is open for that protocol, new traffic included.
    ReverseProtocol,
}

impl WideningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WideningKind::TcpEstablished => "tcp-established",
            WideningKind::UdpSourcePort => "udp-source-port",
            WideningKind::IcmpReply => "icmp-reply",
            WideningKind::ReverseProtocol => "reverse-protocol",
        }
    }
    /// What passes beyond the policy, for reports and diagnostics.
    pub fn explanation(self) -> &'static str {
        match self {
            WideningKind::TcpEstablished => {
                "`established` is stateless: any TCP segment with ACK or RST from the responder's port passes, not only replies"
            }
            WideningKind::UdpSourcePort => {
                "any UDP datagram from the responder's port passes, not only replies to a request"
            }
            WideningKind::IcmpReply => "ICMP replies pass without a preceding request",
            WideningKind::ReverseProtocol => {
                "the protocol has no ports or state an ACL can test: it is open from responder to initiator, new traffic included"
            }
        }
    }
}

/// One stateless return rule: on `device`, the inbound ACL of `interface` lets the replies of
/// `flow` in, and with them what [`WideningKind`] says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Widening {
    pub device: String,
    pub interface: String,
    pub flow: FlowId,
    pub conduit: ConduitId,
    pub kind: WideningKind,
    /// `conduit: src -> dst service`, raw (not sanitised).
    pub label: String,
    /// The service item whose replies are admitted (`tcp/502`).
    pub item: String,
}

/// Every widening of every `cisco-ios` device, sorted by device, interface, flow and kind. The
/// conformance report lists these; `build` reports each as an `OUT-005` warning.
pub fn widenings(model: &Model, ir: &Ir) -> Vec<Widening> {
    let _ = model;
    let mut out: Vec<Widening> = ir
        .devices
        .iter()
        .filter(|d| d.targets.contains(&Target::CiscoIos))
        .flat_map(device_widenings)
        .collect();
    out.sort();
    out
}

/// The widenings of one device, one per (interface, flow, kind, item).
pub fn device_widenings(device: &DeviceIr) -> Vec<Widening> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for pair in &device.pairs {
        let Some(iface) = device.interfaces.get(pair.egress) else {
            continue;
        };
        for rule in &pair.rules {
            if let Some(kind) = reply_kind(&rule.item) {
                let item = rule.item.to_string();
                if seen.insert((pair.egress, rule.flow, kind, item.clone())) {
                    out.push(Widening {
                        device: device.name.clone(),
                        interface: iface.name.clone(),
                        flow: rule.flow,
                        conduit: rule.conduit,
                        kind,
                        label: rule.label.clone(),
                        item,
                    });
                }
            }
        }
    }
    out.sort();
    out
}

/// The kind of reply rule an item gets, `None` when its traffic has no replies.
fn reply_kind(item: &ServiceItem) -> Option<WideningKind> {
    match item {
        ServiceItem::Tcp { .. } => Some(WideningKind::TcpEstablished),
        ServiceItem::Udp { .. } => Some(WideningKind::UdpSourcePort),
        ServiceItem::Icmp { icmp_type } | ServiceItem::Icmpv6 { icmp_type } => {
            icmp_reply_type(item, *icmp_type).map(|_| WideningKind::IcmpReply)
        }
        ServiceItem::Ip { .. } | ServiceItem::AnyIp => Some(WideningKind::ReverseProtocol),
        ServiceItem::Ether { .. } => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Address and port formatting (the `wildcard` and `netmask` filters of STYLE.md practice 7).

/// The IOS wildcard mask of a prefix length: the inverted netmask (`/24` -> `0.0.0.255`).
pub fn wildcard(prefix_len: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::MAX.checked_shr(u32::from(prefix_len)).unwrap_or(0))
}

/// The netmask of a prefix length (`/24` -> `255.255.255.0`): object-groups take this, ACEs never.
pub fn netmask(prefix_len: u8) -> Ipv4Addr {
    Ipv4Addr::from(!u32::from(wildcard(prefix_len)))
}

/// An IPv4 prefix as an ACE address: `any`, `host A`, or `A WILDCARD`.
pub fn ace_v4(net: Ipv4Net) -> String {
    match net.prefix_len() {
        0 => "any".to_string(),
        32 => format!("host {}", net.network()),
        l => format!("{} {}", net.network(), wildcard(l)),
    }
}

/// An IPv4 prefix inside `object-group network`: `host A` or `A NETMASK` (subnet-mask syntax).
pub fn group_v4(net: Ipv4Net) -> String {
    match net.prefix_len() {
        32 => format!("host {}", net.network()),
        l => format!("{} {}", net.network(), netmask(l)),
    }
}

/// An IPv6 prefix as an ACE address: `any`, `host A`, or `A/LEN`.
pub fn ace_v6(net: Ipv6Net) -> String {
    match net.prefix_len() {
        0 => "any".to_string(),
        128 => format!("host {}", net.network()),
        l => format!("{}/{l}", net.network()),
    }
}

/// A port range as an ACE operator: `eq P`, `range LO HI`, or nothing for every port.
pub fn port_op(p: PortRange) -> Option<String> {
    if p == PortRange::ALL {
        None
    } else if p.lo == p.hi {
        Some(format!("eq {}", p.lo))
    } else {
        Some(format!("range {} {}", p.lo, p.hi))
    }
}

fn icmp_name(v6: bool, t: u8) -> String {
    match (v6, t) {
        (false, 0) | (true, 129) => "echo-reply".into(),
        (false, 8) => "echo".into(),
        (true, 128) => "echo-request".into(),
        (false, 14) => "timestamp-reply".into(),
        _ => t.to_string(),
    }
}

fn sha8(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())[..8].to_string()
}

/// `GigabitEthernet0/0/1` -> `GI0-0-1`: short, upper case, only letters, digits and `-`.
pub fn iface_slug(name: &str) -> String {
    const ABBREV: &[(&str, &str)] = &[
        ("HundredGigE", "HU"),
        ("FortyGigabitEthernet", "FO"),
        ("TwentyFiveGigE", "TWE"),
        ("TenGigabitEthernet", "TE"),
        ("GigabitEthernet", "GI"),
        ("FastEthernet", "FA"),
        ("Ethernet", "ET"),
        ("Port-channel", "PO"),
        ("Vlan", "VL"),
        ("Tunnel", "TU"),
        ("Loopback", "LO"),
    ];
    let (head, rest) = ABBREV
        .iter()
        .find_map(|(long, short)| name.strip_prefix(long).map(|r| (*short, r)))
        .unwrap_or(("", name));
    let mut slug: String = head.to_string();
    slug.extend(rest.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '-'
        }
    }));
    slug.truncate(MAX_SLUG);
    slug
}

// ---------------------------------------------------------------------------------------------
// ACL building.

#[derive(Debug, Clone, Serialize)]
struct EntryView {
    /// A remark line, or (seq, text) of an ACE.
    remark: Option<String>,
    seq: u32,
    text: String,
}

#[derive(Debug, Clone, Serialize)]
struct AclView {
    header: &'static str,
    seq_keyword: &'static str,
    name: String,
    comment: String,
    entries: Vec<EntryView>,
}

#[derive(Debug, Clone, Serialize)]
struct GroupView {
    name: String,
    entries: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
struct BindingView {
    interface: String,
    acl4: String,
    acl6: Option<String>,
    prefix4: String,
    prefix6: String,
}

#[derive(Debug, Serialize)]
struct AclsView {
    net_groups: Vec<GroupView>,
    svc_groups: Vec<GroupView>,
    acls: Vec<AclView>,
    bindings: Vec<BindingView>,
}

/// Object-groups of one device, named by their content so that a changed group is a new group
/// and never alters an ACL already bound.
#[derive(Default)]
struct Groups {
    enabled: bool,
    nets: BTreeMap<Vec<(u32, u32)>, String>,
    net_views: Vec<GroupView>,
    svcs: BTreeMap<Vec<String>, String>,
    svc_views: Vec<GroupView>,
}

impl Groups {
    /// IPv4 addresses of a set as ACE address texts: one per prefix, or one object-group for a
    /// set of several prefixes when object-groups are on.
    fn v4(&mut self, set: &AddrSet) -> Vec<String> {
        let nets = set.v4_nets();
        if !self.enabled || nets.len() < 2 {
            return nets.into_iter().map(ace_v4).collect();
        }
        if let Some(name) = self.nets.get(&set.v4) {
            return vec![format!("object-group {name}")];
        }
        let entries: Vec<String> = nets.into_iter().map(group_v4).collect();
        let name = format!(
            "FL-NET-{}",
            sha8(&entries.iter().map(String::as_str).collect::<Vec<_>>())
        );
        self.nets.insert(set.v4.clone(), name.clone());
        self.net_views.push(GroupView {
            name: name.clone(),
            entries,
        });
        vec![format!("object-group {name}")]
    }

    fn service(&mut self, entries: Vec<String>) -> String {
        if let Some(name) = self.svcs.get(&entries) {
            return name.clone();
        }
        let name = format!(
            "FL-SVC-{}",
            sha8(&entries.iter().map(String::as_str).collect::<Vec<_>>())
        );
        self.svcs.insert(entries.clone(), name.clone());
        self.svc_views.push(GroupView {
            name: name.clone(),
            entries,
        });
        name
    }
}

fn addrs(groups: &mut Groups, set: &AddrSet, fam: Family) -> Vec<String> {
    match fam {
        Family::V4 => groups.v4(set),
        Family::V6 => set.v6_nets().into_iter().map(ace_v6).collect(),
    }
}

/// Protocol, destination-port operator and trailing match (ICMP type) of an item in a family;
/// `None` when the item does not apply to the family.
fn item_fields(
    item: &ServiceItem,
    fam: Family,
) -> Option<(String, Option<String>, Option<String>)> {
    let v6 = fam == Family::V6;
    Some(match item {
        ServiceItem::Tcp { ports } => ("tcp".into(), port_op(*ports), None),
        ServiceItem::Udp { ports } => ("udp".into(), port_op(*ports), None),
        ServiceItem::Icmp { icmp_type } if !v6 => {
            ("icmp".into(), None, icmp_type.map(|t| icmp_name(false, t)))
        }
        ServiceItem::Icmpv6 { icmp_type } if v6 => {
            ("icmp".into(), None, icmp_type.map(|t| icmp_name(true, t)))
        }
        ServiceItem::Ip { number } => (number.to_string(), None, None),
        ServiceItem::AnyIp => ((if v6 { "ipv6" } else { "ip" }).into(), None, None),
        _ => return None,
    })
}

/// One entry of `object-group service`, or `None` for items that stay inline.
fn service_entry(item: &ServiceItem) -> Option<String> {
    match item {
        ServiceItem::Tcp { ports } => {
            Some(port_op(*ports).map_or("tcp".into(), |p| format!("tcp {p}")))
        }
        ServiceItem::Udp { ports } => {
            Some(port_op(*ports).map_or("udp".into(), |p| format!("udp {p}")))
        }
        ServiceItem::Icmp { icmp_type } => {
            Some(icmp_type.map_or("icmp".into(), |t| format!("icmp {}", icmp_name(false, t))))
        }
        _ => None,
    }
}

fn join(parts: &[Option<&str>]) -> String {
    let mut s = String::new();
    for p in parts.iter().flatten() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(p);
    }
    s
}

/// Entries of one ACL before numbering; ACEs are deduplicated (a reply rule shared by several
/// flows appears once) and a remark is kept only when its group adds an ACE.
#[derive(Default)]
struct AclBody {
    entries: Vec<(bool, String)>,
    seen: HashSet<String>,
}

impl AclBody {
    fn group(&mut self, remarks: &[String], aces: Vec<String>) {
        let fresh: Vec<String> = aces
            .into_iter()
            .filter(|a| self.seen.insert(a.clone()))
            .collect();
        if fresh.is_empty() {
            return;
        }
        self.entries
            .extend(remarks.iter().map(|r| (true, r.clone())));
        self.entries.extend(fresh.into_iter().map(|a| (false, a)));
    }
}

/// Remark lines of a label: sanitised, wrapped at word boundaries within 100 characters.
fn remark_lines(text: &str, changed: &mut Vec<String>) -> Vec<String> {
    let c = sanitize::clean(text, REMARK_TEXT);
    if c.changed() {
        changed.push(text.to_string());
    }
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in c.text.split_whitespace() {
        let mut w = word;
        while w.len() > REMARK_LINE {
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            let (a, b) = w.split_at(REMARK_LINE);
            lines.push(a.to_string());
            w = b;
        }
        if !cur.is_empty() && cur.len() + 1 + w.len() > REMARK_LINE {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Consecutive rules of one flow with the same addresses (one remark group each).
fn flow_chunks(rules: &[RuleIr]) -> impl Iterator<Item = &[RuleIr]> {
    rules.chunk_by(|a, b| a.flow == b.flow && a.src == b.src && a.dst == b.dst)
}

/// Appends the permits of the rules of one pair that enter by this interface, in the given
/// family. Consecutive rules of one flow with the same addresses form one remark group (and one
/// service object-group when object-groups are on).
fn forward_rules(
    body: &mut AclBody,
    groups: &mut Groups,
    rules: &[RuleIr],
    fam: Family,
    changed: &mut Vec<String>,
) {
    for chunk in flow_chunks(rules) {
        let r = &chunk[0];
        let srcs = addrs(groups, &r.src, fam);
        let dsts = addrs(groups, &r.dst, fam);
        if srcs.is_empty() || dsts.is_empty() {
            continue;
        }
        let log = r.log.then_some("log");
        let mut aces = Vec::new();
        let grouped: Option<Vec<String>> = if groups.enabled && fam == Family::V4 && chunk.len() > 1
        {
            chunk.iter().map(|x| service_entry(&x.item)).collect()
        } else {
            None
        };
        if let Some(entries) = grouped {
            let name = groups.service(entries);
            let proto = format!("object-group {name}");
            for s in &srcs {
                for d in &dsts {
                    aces.push(join(&[Some("permit"), Some(&proto), Some(s), Some(d), log]));
                }
            }
        } else {
            for x in chunk {
                let Some((proto, dport, extra)) = item_fields(&x.item, fam) else {
                    continue;
                };
                for s in &srcs {
                    for d in &dsts {
                        aces.push(join(&[
                            Some("permit"),
                            Some(&proto),
                            Some(s),
                            Some(d),
                            dport.as_deref(),
                            extra.as_deref(),
                            log,
                        ]));
                    }
                }
            }
        }
        let remarks = remark_lines(&r.label, changed);
        body.group(&remarks, aces);
    }
}

/// Appends the reply permits of rules that leave by this interface: their replies enter here.
fn reply_rules(
    body: &mut AclBody,
    groups: &mut Groups,
    rules: &[RuleIr],
    fam: Family,
    changed: &mut Vec<String>,
) {
    for chunk in flow_chunks(rules) {
        let r = &chunk[0];
        // Replies travel from the responder (dst) to the initiator (src).
        let srcs = addrs(groups, &r.dst, fam);
        let dsts = addrs(groups, &r.src, fam);
        if srcs.is_empty() || dsts.is_empty() {
            continue;
        }
        let mut aces = Vec::new();
        for x in chunk {
            let v6 = fam == Family::V6;
            let (proto, sport, extra): (String, Option<String>, Option<String>) = match x.item {
                ServiceItem::Tcp { ports } => {
                    ("tcp".into(), port_op(ports), Some("established".into()))
                }
                ServiceItem::Udp { ports } => ("udp".into(), port_op(ports), None),
                ServiceItem::Icmp { icmp_type } if !v6 => match icmp_reply_type(&x.item, icmp_type)
                {
                    Some(t) => ("icmp".into(), None, Some(icmp_name(false, t))),
                    None => continue,
                },
                ServiceItem::Icmpv6 { icmp_type } if v6 => {
                    match icmp_reply_type(&x.item, icmp_type) {
                        Some(t) => ("icmp".into(), None, Some(icmp_name(true, t))),
                        None => continue,
                    }
                }
                ServiceItem::Ip { number } => (number.to_string(), None, None),
                ServiceItem::AnyIp => ((if v6 { "ipv6" } else { "ip" }).into(), None, None),
                _ => continue,
            };
            for s in &srcs {
                for d in &dsts {
                    aces.push(join(&[
                        Some("permit"),
                        Some(&proto),
                        Some(s),
                        sport.as_deref(),
                        Some(d),
                        extra.as_deref(),
                    ]));
                }
            }
        }
        let remarks = remark_lines(&format!("reply {}", r.label), changed);
        body.group(&remarks, aces);
    }
}

/// Numbers the entries of a finished ACL and names it by its content.
fn finish(iface: &str, fam: Family, body: AclBody, tail: &[&str]) -> AclView {
    let mut entries = Vec::with_capacity(body.entries.len() + tail.len());
    let mut seq = 0u32;
    for (is_remark, text) in body
        .entries
        .into_iter()
        .chain(tail.iter().map(|t| (false, t.to_string())))
    {
        if is_remark {
            entries.push(EntryView {
                remark: Some(text),
                seq: 0,
                text: String::new(),
            });
        } else {
            seq = seq.saturating_add(10);
            entries.push(EntryView {
                remark: None,
                seq,
                text,
            });
        }
    }
    let mut h = Sha256::new();
    h.update(iface.as_bytes());
    h.update(if fam == Family::V4 {
        b"\0ipv4\0"
    } else {
        b"\0ipv6\0"
    });
    for e in &entries {
        h.update(e.remark.as_deref().unwrap_or(&e.text).as_bytes());
        h.update(b"\n");
    }
    let digest = &hex::encode(h.finalize())[..8];
    let (header, seq_keyword, suffix, what) = match fam {
        Family::V4 => ("ip access-list extended", "", "IN", "IPv4"),
        Family::V6 => ("ipv6 access-list", "sequence ", "IN6", "IPv6"),
    };
    AclView {
        header,
        seq_keyword,
        name: format!("FL-{}-{suffix}-{digest}", iface_slug(iface)),
        comment: format!("{what} traffic entering {iface}"),
        entries,
    }
}

fn acl_prefix(iface: &str, fam: Family) -> String {
    format!(
        "FL-{}-{}-",
        iface_slug(iface),
        if fam == Family::V4 { "IN" } else { "IN6" }
    )
}

/// The ACL section of a router or layer-3 switch.
fn acls_view(cx: &EmitContext, device: &DeviceIr, changed: &mut Vec<String>) -> AclsView {
    let mut groups = Groups {
        enabled: cx.options.cisco_object_groups,
        ..Default::default()
    };
    // Once a device routes IPv6 anywhere, every interface gets an IPv6 filter: an interface
    // without one would pass every IPv6 packet.
    let has_v6 = device.interfaces.iter().any(|i| !i.behind.v6.is_empty());
    let mut acls = Vec::new();
    let mut bindings = Vec::new();
    for (idx, iface) in device.interfaces.iter().enumerate() {
        let mut names = Vec::new();
        for fam in [Family::V4, Family::V6] {
            if fam == Family::V6 && !has_v6 {
                continue;
            }
            let mut body = AclBody::default();
            for pair in device.pairs.iter().filter(|p| p.ingress == idx) {
                forward_rules(&mut body, &mut groups, &pair.rules, fam, changed);
            }
            for pair in device.pairs.iter().filter(|p| p.egress == idx) {
                reply_rules(&mut body, &mut groups, &pair.rules, fam, changed);
            }
            let acl = match fam {
                Family::V4 => finish(&iface.name, fam, body, &["deny ip any any log"]),
                // IPv6 ACLs hold implicit neighbour-discovery permits before their implicit
                // deny; an explicit final deny removes them, so they are restated first.
                Family::V6 => finish(
                    &iface.name,
                    fam,
                    body,
                    &[
                        "permit icmp any any nd-na",
                        "permit icmp any any nd-ns",
                        "deny ipv6 any any log",
                    ],
                ),
            };
            names.push(acl.name.clone());
            acls.push(acl);
        }
        bindings.push(BindingView {
            interface: iface.name.clone(),
            acl4: names.first().cloned().unwrap_or_default(),
            acl6: names.get(1).cloned(),
            prefix4: acl_prefix(&iface.name, Family::V4),
            prefix6: acl_prefix(&iface.name, Family::V6),
        });
    }
    AclsView {
        net_groups: groups.net_views,
        svc_groups: groups.svc_views,
        acls,
        bindings,
    }
}

// ---------------------------------------------------------------------------------------------
// Switches.

#[derive(Debug, Serialize)]
struct VlanView {
    id: u16,
    name: String,
}

#[derive(Debug, Serialize)]
struct PortView {
    header: String,
    description: String,
    access_vlan: Option<u16>,
    allowed: String,
    shutdown: bool,
}

#[derive(Debug, Serialize)]
struct SwitchView {
    parking: VlanView,
    vlans: Vec<VlanView>,
    ports: Vec<PortView>,
    unused: Vec<String>,
    unused_description: &'static str,
    notes: Vec<String>,
}

fn port_header(prefix: &str, lo: u32, hi: u32) -> String {
    if lo == hi {
        format!("interface {prefix}{lo}")
    } else {
        format!("interface range {prefix}{lo} - {hi}")
    }
}

/// A VLAN name within 32 characters; a longer one keeps its start and gets a hash, so two long
/// zone names never end up with the same VLAN name.
fn vlan_name(zone: &str, changed: &mut Vec<String>) -> String {
    let c = sanitize::clean(zone, sanitize::IOS_VLAN_NAME);
    if !c.changed() {
        return c.text;
    }
    changed.push(zone.to_string());
    let whole = sanitize::clean(
        zone,
        Sink {
            max_bytes: 1000,
            ..sanitize::IOS_VLAN_NAME
        },
    )
    .text;
    let mut head: String = whole.chars().take(23).collect();
    head.push('-');
    head.push_str(&sha8(&[zone]));
    head
}

fn switch_view(
    cx: &EmitContext,
    device: &DeviceIr,
    sw: &SwitchIr,
    changed: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> SwitchView {
    let dev = cx.model.device(device.device);
    let parking = sw.parking_vlan;
    // VLAN 1 carries the switch's own control protocols (CDP, VTP, DTP): refuse it for a zone.
    for v in sw.vlans.iter().filter(|v| v.id == 1) {
        diags.push(
            VLAN_ONE
                .diag(format!(
                    "zone `{}` uses VLAN 1, which switch `{}` keeps free of user traffic",
                    v.name, device.name
                ))
                .at(cx.model.zone(v.zone).span, "VLAN 1")
                .scoped(vec![Scope::Zone(v.zone)])
                .help("give the zone another VLAN with `vlan N`"),
        );
    }
    let usable = |v: u16| v != 1 && v != parking;
    let vlans = sw
        .vlans
        .iter()
        .filter(|v| usable(v.id))
        .map(|v| VlanView {
            id: v.id,
            name: vlan_name(&v.name, changed),
        })
        .collect();
    let mut ports = Vec::new();
    // Numbers taken per prefix, to find the unused ports between them.
    let mut taken: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    for p in &sw.ports {
        let header = match &p.range {
            Some((prefix, lo, hi)) => {
                taken.entry(prefix.clone()).or_default().push((*lo, *hi));
                port_header(prefix, *lo, *hi)
            }
            None => {
                if let Some((prefix, n)) = crate::model::ios_ifname::split_port_number(&p.name) {
                    taken.entry(prefix.to_string()).or_default().push((n, n));
                }
                format!("interface {}", p.name)
            }
        };
        let zones = p.zones.join(", ");
        // The resolver gives every access port a VLAN; a trunk has none of its own.
        let (access_vlan, allowed, shutdown, what) = match p.access_vlan {
            Some(v) if usable(v) => (
                Some(v),
                String::new(),
                false,
                format!("fenceline: access, zone {zones}"),
            ),
            Some(_) => (
                Some(parking),
                String::new(),
                true,
                format!("fenceline: zone {zones} has no usable VLAN, parked"),
            ),
            None => {
                let ids: Vec<String> = p
                    .trunk_vlans
                    .iter()
                    .filter(|v| usable(**v))
                    .map(u16::to_string)
                    .collect();
                let allowed = if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.join(",")
                };
                (
                    None,
                    allowed,
                    false,
                    format!("fenceline: trunk, zones {zones}"),
                )
            }
        };
        let d = sanitize::clean(&what, sanitize::IOS_DESCRIPTION);
        if d.changed() {
            changed.push(what.clone());
        }
        ports.push(PortView {
            header,
            description: d.text,
            access_vlan,
            allowed,
            shutdown,
        });
    }
    let mut unused = Vec::new();
    let mut notes = Vec::new();
    if sw.shutdown_unused {
        for (prefix, mut ranges) in taken {
            ranges.sort();
            let mut next: Option<u32> = None;
            for (lo, hi) in ranges {
                if let Some(n) = next {
                    if lo > n {
                        unused.push(port_header(&prefix, n, lo - 1));
                    }
                }
                next = Some(next.map_or(hi + 1, |n| n.max(hi + 1)));
            }
        }
        // The policy lists the ports in use, not the switch's hardware: only ports numbered
        // between two declared ports of one module are known to exist.
        notes.push(format!(
            "unused-ports shutdown: the policy names the ports {} uses, not all its ports.",
            dev.name
        ));
        notes.push(if unused.is_empty() {
            "No port is numbered between declared ones, so none is shut here.".to_string()
        } else {
            "Ports numbered between declared ones are parked and shut above.".to_string()
        });
        notes.push("Park and shut every other port (beyond the last declared number, other modules) the same way.".to_string());
    }
    SwitchView {
        parking: VlanView {
            id: parking,
            name: PARKING_NAME.to_string(),
        },
        vlans,
        ports,
        unused,
        unused_description: "fenceline: unused, parked",
        notes,
    }
}

/// The whole `cisco-ios.txt` of a device.
pub(super) fn device_text(
    cx: &EmitContext,
    device: &DeviceIr,
    diags: &mut Vec<Diagnostic>,
) -> Result<String> {
    let mut env = environment();
    for (name, src) in [
        ("header.j2", HEADER),
        ("acls.j2", ACLS),
        ("switch.j2", SWITCH),
    ] {
        env.add_template(name, src)
            .map_err(|e| Error::Other(format!("template cisco-ios/{name}: {e}")))?;
    }
    let mut changed = Vec::new();
    let device_name = sanitize::clean(&device.name, sanitize::HEADER_COMMENT).text;
    let mut text = render(
        &env,
        "header.j2",
        serde_json::json!({
            "version": cx.stamp.version,
            "kind": device.kind.keyword(),
            "device": device_name,
            "policy": cx.stamp.policy,
            "hash": cx.stamp.hash,
        }),
    )?;
    if let Some(sw) = &device.switch {
        text.push_str(&render(
            &env,
            "switch.j2",
            switch_view(cx, device, sw, &mut changed, diags),
        )?);
    }
    if !device.interfaces.is_empty() {
        text.push_str(&render(
            &env,
            "acls.j2",
            acls_view(cx, device, &mut changed),
        )?);
        let span = cx.model.device(device.device).span;
        // One warning per interface and conduit, not per flow: a large plant would otherwise
        // get tens of thousands. The structured list (`widenings`) keeps every one.
        let mut groups: BTreeMap<(String, ConduitId), Vec<Widening>> = BTreeMap::new();
        for w in device_widenings(device) {
            groups
                .entry((w.interface.clone(), w.conduit))
                .or_default()
                .push(w);
        }
        for ((iface, cid), ws) in groups {
            let conduit = cx.model.conduit(cid);
            let mut kinds: Vec<&str> = ws.iter().map(|w| w.kind.as_str()).collect();
            kinds.sort();
            kinds.dedup();
            let mut labels: Vec<String> = ws
                .iter()
                .map(|w| format!("`{}` ({})", w.label, w.item))
                .collect();
            labels.dedup();
            let shown = labels.len().min(5);
            let more = if labels.len() > shown {
                format!(" and {} more", labels.len() - shown)
            } else {
                String::new()
            };
            let first = cx.model.flow(ws[0].flow).span;
            let flows: BTreeSet<FlowId> = ws.iter().map(|w| w.flow).collect();
            diags.push(
                WIDENING
                    .diag(format!(
                        "`{}` admits replies of {} flow item(s) of conduit `{}` on `{iface}` by stateless rules ({})",
                        device.name,
                        ws.len(),
                        conduit.name,
                        kinds.join(", ")
                    ))
                .at(conduit.span, format!("stateless return rules on `{iface}`"))
                // An exception on the conduit silences it, or exceptions on every flow whose
                // replies it admits.
                .scoped(vec![Scope::Conduit(cid)])
                .scoped_all(flows.into_iter().map(Scope::Flow).collect())
                .related(first, ws[0].kind.explanation())
                .related(span, "stateless ACLs on this device")
                .help(format!(
                    "replies of {}{more}; IOS extended ACLs keep no connection state: where the conduit's SL-T needs stateful return traffic, enforce it on a stateful firewall (nftables, iptables); the report lists the widenings per conduit",
                    labels[..shown].join(", ")
                )),
            );
        }
    }
    changed.sort();
    changed.dedup();
    for t in changed {
        diags.push(
            TEXT_CHANGED.diag(
                format!("text `{}` was shortened or had characters replaced in `{}`'s Cisco configuration", t.escape_default(), device.name),
            )
            .at(cx.model.device(device.device).span, "device")
            .help("IOS remarks hold 100 characters of printable ASCII without `!` and `?`; VLAN names 32 without spaces"),
        );
    }
    text.push_str("end\n");
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_inverted_netmasks() {
        assert_eq!(wildcard(24), Ipv4Addr::new(0, 0, 0, 255));
        assert_eq!(wildcard(32), Ipv4Addr::new(0, 0, 0, 0));
        assert_eq!(wildcard(0), Ipv4Addr::new(255, 255, 255, 255));
        assert_eq!(wildcard(22), Ipv4Addr::new(0, 0, 3, 255));
        assert_eq!(netmask(22), Ipv4Addr::new(255, 255, 252, 0));
        assert_eq!(netmask(0), Ipv4Addr::new(0, 0, 0, 0));
        for l in 0..=32u8 {
            assert_eq!(u32::from(wildcard(l)) ^ u32::from(netmask(l)), u32::MAX);
        }
    }

    #[test]
    fn ace_addresses_never_use_netmasks() {
        let n: Ipv4Net = "10.40.0.0/22".parse().unwrap();
        assert_eq!(ace_v4(n), "10.40.0.0 0.0.3.255");
        assert_eq!(group_v4(n), "10.40.0.0 255.255.252.0");
        assert_eq!(ace_v4("10.30.0.10/32".parse().unwrap()), "host 10.30.0.10");
        assert_eq!(ace_v4("0.0.0.0/0".parse().unwrap()), "any");
        assert_eq!(ace_v6("fd00:30::/64".parse().unwrap()), "fd00:30::/64");
        assert_eq!(ace_v6("fd00:30::1/128".parse().unwrap()), "host fd00:30::1");
    }

    #[test]
    fn ports_use_eq_and_range() {
        assert_eq!(port_op(PortRange::one(502)).as_deref(), Some("eq 502"));
        assert_eq!(
            port_op(PortRange { lo: 67, hi: 68 }).as_deref(),
            Some("range 67 68")
        );
        assert_eq!(port_op(PortRange::ALL), None);
    }

    #[test]
    fn remarks_cannot_inject_and_stay_within_100_characters() {
        let mut changed = Vec::new();
        let hostile = "c: a -> b x\n 10 permit ip any any\n! comment? \u{2028}end";
        let lines = remark_lines(hostile, &mut changed);
        assert_eq!(changed.len(), 1);
        for l in &lines {
            assert!(l.len() <= 100 && l.is_ascii());
            assert!(!l.contains(['\n', '\r', '!', '?']));
        }
        let long = "word ".repeat(60) + &"x".repeat(150);
        let lines = remark_lines(&long, &mut changed);
        assert!(lines.len() >= 3 && lines.iter().all(|l| !l.is_empty() && l.len() <= 100));
    }

    #[test]
    fn slugs_and_vlan_names() {
        assert_eq!(iface_slug("GigabitEthernet0/0/1"), "GI0-0-1");
        assert_eq!(iface_slug("Vlan130"), "VL130");
        assert_eq!(iface_slug("weird.if:1"), "WEIRD-IF-1");
        let mut changed = Vec::new();
        assert_eq!(vlan_name("field", &mut changed), "field");
        let long = vlan_name(&"z".repeat(40), &mut changed);
        assert_eq!(long.len(), 32);
        assert_eq!(changed.len(), 1);
    }
}
