//! Lowering of a router's (or a layer-3 switch's SVIs') filters: one inbound extended ACL per
//! interface and family, the object-groups they use, the interface bindings, and the comments
//! that say how to retire the previous versions.
//!
//! Each ACL permits the flows that enter by its interface and the replies of the flows that
//! leave by it: planning's reply entries ([`crate::plan::ReplyIr`]), which this module only turns
//! into ACEs (`established` for TCP, the responder's source port for UDP, the ICMP reply type,
//! the protocol reversed). Every decision (addresses, ports, order, names) is taken here as a
//! typed entry; the printer lays the lines out.

use super::ast::*;
use super::lower::{inside_view, sha8, word, Changed, Translation};
use super::print::{AceText, Form, GroupAddr, ServiceText};
use crate::dialect::sanitize::{self, Sink};
use crate::dialect::EmitContext;
use crate::error::Result;
use crate::model::{AddrSet, FlowRef, Nat, PortRange, ServiceItem};
use crate::packet::reply::Reply;
use crate::packet::Family;
use crate::plan::{DeviceIr, ReplyIr, RuleIr};
use ipnet::{Ipv4Net, Ipv6Net};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// IOS rejects remarks over 100 characters. Longer labels are wrapped over several remark lines
/// rather than cut, so the sanitiser's limit here is the total over all lines.
const REMARK_LINE: usize = 100;
const REMARK_TEXT: Sink = Sink {
    name: "Cisco remark",
    forbidden: sanitize::IOS_REMARK.forbidden,
    max_bytes: 300,
};

/// Longest interface slug inside an ACL name; the content hash keeps names unique.
const MAX_SLUG: usize = 32;

/// The IOS wildcard mask of a prefix length: the inverted netmask (`/24` -> `0.0.0.255`).
pub fn wildcard(prefix_len: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::MAX.checked_shr(u32::from(prefix_len)).unwrap_or(0))
}

/// The netmask of a prefix length (`/24` -> `255.255.255.0`): object-groups take this, ACEs never.
pub fn netmask(prefix_len: u8) -> Ipv4Addr {
    Ipv4Addr::from(!u32::from(wildcard(prefix_len)))
}

/// An IPv4 prefix as an address match: `any`, `host A`, or `A WILDCARD`.
pub fn v4_match(net: Ipv4Net) -> AddrMatch {
    match net.prefix_len() {
        0 => AddrMatch::Any,
        l => AddrMatch::V4 {
            addr: net.network().into(),
            wildcard: wildcard(l).into(),
        },
    }
}

/// An IPv6 prefix as an address match: `any`, `host A`, or `A/LEN`.
pub fn v6_match(net: Ipv6Net) -> AddrMatch {
    match net.prefix_len() {
        0 => AddrMatch::Any,
        len => AddrMatch::V6 {
            addr: net.network().into(),
            len,
        },
    }
}

/// A port range as an ACE operator: `eq P`, `range LO HI`, or none for every port.
pub fn port_op(p: PortRange) -> Option<PortOp> {
    if p == PortRange::ALL {
        None
    } else if p.lo == p.hi {
        Some(PortOp::Eq(p.lo))
    } else {
        Some(PortOp::Range(p.lo, p.hi))
    }
}

/// An ICMP type to match: by name where fenceline writes one (`echo`, `echo-reply`,
/// `echo-request`, `timestamp-reply`), by number otherwise.
fn icmp_match(v6: bool, ty: u8) -> IcmpMatch {
    IcmpMatch {
        ty,
        code: None,
        named: matches!((v6, ty), (false, 0 | 8 | 14) | (true, 128 | 129)),
    }
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

/// Object-groups of one device, named by their content so that a changed group is a new group
/// and never alters an ACL already bound.
#[derive(Default)]
pub(super) struct Groups {
    enabled: bool,
    /// Network object-groups for the flow being lowered, chosen because they make the ACL
    /// shorter ([`Groups::pays`]); `enabled` uses them wherever a set has several prefixes.
    now: bool,
    nets: BTreeMap<Vec<(u32, u32)>, Word>,
    net_groups: Vec<NetGroup>,
    svcs: BTreeMap<Vec<ServiceMatch>, Word>,
    svc_groups: Vec<SvcGroup>,
}

impl Groups {
    /// IPv4 addresses of a set as ACE addresses: one per prefix, or one object-group for a set
    /// of several prefixes when object-groups are on.
    fn v4(&mut self, set: &AddrSet) -> Result<Vec<AddrMatch>> {
        let nets = set.v4_nets();
        if !(self.enabled || self.now) || nets.len() < 2 {
            return Ok(nets.into_iter().map(v4_match).collect());
        }
        if let Some(name) = self.nets.get(&set.v4) {
            return Ok(vec![AddrMatch::Group(name.clone())]);
        }
        let entries: Vec<AddrMatch> = nets
            .into_iter()
            .map(|n| AddrMatch::V4 {
                addr: n.network().into(),
                wildcard: wildcard(n.prefix_len()).into(),
            })
            .collect();
        let texts: Vec<String> = entries.iter().map(|e| GroupAddr(e).to_string()).collect();
        let name = word(&format!(
            "FL-NET-{}",
            sha8(&texts.iter().map(String::as_str).collect::<Vec<_>>())
        ))?;
        self.nets.insert(set.v4.clone(), name.clone());
        self.net_groups.push(NetGroup {
            name: name.clone(),
            entries,
        });
        Ok(vec![AddrMatch::Group(name)])
    }

    fn service(&mut self, entries: Vec<ServiceMatch>) -> Result<Word> {
        if let Some(name) = self.svcs.get(&entries) {
            return Ok(name.clone());
        }
        let texts: Vec<String> = entries.iter().map(|e| ServiceText(e).to_string()).collect();
        let name = word(&format!(
            "FL-SVC-{}",
            sha8(&texts.iter().map(String::as_str).collect::<Vec<_>>())
        ))?;
        self.svcs.insert(entries.clone(), name.clone());
        self.svc_groups.push(SvcGroup {
            name: name.clone(),
            entries,
        });
        Ok(name)
    }

    /// Without `--cisco-object-groups`, network object-groups are chosen for a flow (issue 18)
    /// where they make the configuration shorter: its IPv4 ACEs with them (one per item) plus
    /// the entries of the groups it would add (a group already defined costs nothing) are fewer
    /// than its ACEs without them (one per source prefix, destination prefix and item). A flow
    /// between two zones of three networks each, one item: 1 + 3 + 3 lines instead of 9.
    fn pays(&self, src: &AddrSet, dst: &AddrSet, items: usize) -> bool {
        let (n, m) = (src.v4_nets().len(), dst.v4_nets().len());
        let added = |set: &AddrSet, k: usize| {
            if k < 2 || self.nets.contains_key(&set.v4) {
                0
            } else {
                k
            }
        };
        items + added(src, n) + added(dst, m) < n * m * items
    }

    fn addrs(&mut self, set: &AddrSet, fam: Family) -> Result<Vec<AddrMatch>> {
        match fam {
            Family::V4 => self.v4(set),
            Family::V6 => Ok(set.v6_nets().into_iter().map(v6_match).collect()),
        }
    }
}

/// An ACE with the fields every fenceline entry shares filled in.
pub(super) fn ace(action: Action, proto: ProtoMatch, src: AddrMatch, dst: AddrMatch) -> Ace {
    Ace {
        seq: None,
        action,
        proto,
        src,
        sport: None,
        dst,
        dport: None,
        icmp: None,
        established: false,
        log: None,
        at: At::default(),
    }
}

/// Protocol, destination-port operator and ICMP type of an item in a family; `None` when the
/// item does not apply to the family.
fn item_fields(
    item: &ServiceItem,
    fam: Family,
) -> Option<(ProtoMatch, Option<PortOp>, Option<IcmpMatch>)> {
    let v6 = fam == Family::V6;
    Some(match item {
        ServiceItem::Tcp { ports } => (ProtoMatch::Name(6), port_op(*ports), None),
        ServiceItem::Udp { ports } => (ProtoMatch::Name(17), port_op(*ports), None),
        ServiceItem::Icmp { icmp_type } if !v6 => (
            ProtoMatch::Name(1),
            None,
            icmp_type.map(|t| icmp_match(false, t)),
        ),
        ServiceItem::Icmpv6 { icmp_type } if v6 => (
            ProtoMatch::Name(58),
            None,
            icmp_type.map(|t| icmp_match(true, t)),
        ),
        ServiceItem::Ip { number } => (ProtoMatch::Number(*number), None, None),
        ServiceItem::AnyIp => (ProtoMatch::Any, None, None),
        _ => return None,
    })
}

/// One entry of `object-group service`, or `None` for items that stay inline.
fn service_entry(item: &ServiceItem) -> Option<ServiceMatch> {
    let m = |proto, dport, icmp| ServiceMatch {
        proto: Some(proto),
        sport: None,
        dport,
        icmp,
    };
    match item {
        ServiceItem::Tcp { ports } => Some(m(6, port_op(*ports), None)),
        ServiceItem::Udp { ports } => Some(m(17, port_op(*ports), None)),
        ServiceItem::Icmp { icmp_type } => {
            Some(m(1, None, icmp_type.map(|t| icmp_match(false, t))))
        }
        _ => None,
    }
}

/// Entries of one ACL before numbering; ACEs are deduplicated (a reply rule shared by several
/// flows appears once) and a remark is kept only when its group adds an ACE.
#[derive(Default)]
pub(super) struct AclBody {
    pub(super) lines: Vec<AclLine>,
    // Looked up, never iterated.
    seen: foldhash::HashSet<Ace>,
}

impl AclBody {
    pub(super) fn group(&mut self, remarks: Vec<Remark>, aces: Vec<Ace>) {
        let fresh: Vec<Ace> = aces
            .into_iter()
            .filter(|a| self.seen.insert(a.clone()))
            .collect();
        if fresh.is_empty() {
            return;
        }
        self.lines.extend(remarks.into_iter().map(AclLine::Remark));
        self.lines.extend(fresh.into_iter().map(AclLine::Ace));
    }
}

/// Remark lines of a label: sanitised, wrapped at word boundaries within 100 characters.
pub(super) fn remark_lines(text: &str, changed: &mut Changed) -> Vec<Remark> {
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
    // Already clean: taken as they are.
    lines.into_iter().map(Remark::or_tame).collect()
}

/// Rules as the ACL of an interface with these translations sees them: their sources
/// (`src`) or destinations mapped to the inside addresses (IOS filters inbound before it
/// translates). The rules themselves where the interface translates nothing.
pub(super) fn viewed<'a>(rules: &'a [RuleIr], nat: &[Nat], src: bool) -> Cow<'a, [RuleIr]> {
    if nat.is_empty() {
        return Cow::Borrowed(rules);
    }
    Cow::Owned(
        rules
            .iter()
            .map(|r| {
                let mut r = r.clone();
                if src {
                    r.src = inside_view(nat, &r.src);
                } else {
                    r.dst = inside_view(nat, &r.dst);
                }
                r
            })
            .collect(),
    )
}

/// Consecutive rules of one flow with the same addresses (one remark group each).
fn flow_chunks(rules: &[RuleIr]) -> impl Iterator<Item = &[RuleIr]> {
    rules.chunk_by(|a, b| a.flow == b.flow && a.src == b.src && a.dst == b.dst)
}

/// Appends the permits of the rules of one pair that enter by this interface, in the given
/// family. Consecutive rules of one flow with the same addresses form one remark group (and one
/// service object-group when object-groups are on).
pub(super) fn forward_rules(
    body: &mut AclBody,
    groups: &mut Groups,
    rules: &[RuleIr],
    fam: Family,
    changed: &mut Changed,
) -> Result<()> {
    for chunk in flow_chunks(rules) {
        let r = &chunk[0];
        // A conduit's flow (between zones); a device-level flow's end is the device itself.
        groups.now = fam == Family::V4
            && matches!(r.flow, FlowRef::Flow(_))
            && groups.pays(&r.src, &r.dst, chunk.len());
        let srcs = groups.addrs(&r.src, fam)?;
        let dsts = groups.addrs(&r.dst, fam)?;
        groups.now = false;
        if srcs.is_empty() || dsts.is_empty() {
            continue;
        }
        let log = r.log.then_some(Log::Log);
        let mut aces = Vec::new();
        let grouped: Option<Vec<ServiceMatch>> =
            if groups.enabled && fam == Family::V4 && chunk.len() > 1 {
                chunk.iter().map(|x| service_entry(&x.item)).collect()
            } else {
                None
            };
        if let Some(entries) = grouped {
            let name = groups.service(entries)?;
            for s in &srcs {
                for d in &dsts {
                    let mut a = ace(
                        Action::Permit,
                        ProtoMatch::Group(name.clone()),
                        s.clone(),
                        d.clone(),
                    );
                    a.log = log;
                    aces.push(a);
                }
            }
        } else {
            for x in chunk {
                let Some((proto, dport, icmp)) = item_fields(&x.item, fam) else {
                    continue;
                };
                for s in &srcs {
                    for d in &dsts {
                        let mut a = ace(Action::Permit, proto.clone(), s.clone(), d.clone());
                        a.dport = dport;
                        a.icmp = icmp;
                        a.log = log;
                        aces.push(a);
                    }
                }
            }
        }
        body.group(remark_lines(&r.label, changed), aces);
    }
    Ok(())
}

/// The reply permit of one reply entry in a family, from `src` (a responder) to `dst`.
fn reply_ace(reply: Reply, fam: Family, src: &AddrMatch, dst: &AddrMatch) -> Option<Ace> {
    if !reply.in_family(fam) {
        return None;
    }
    let v6 = fam == Family::V6;
    let (proto, sport, icmp, established) = match reply {
        Reply::Tcp { sports } => (ProtoMatch::Name(6), port_op(sports), None, true),
        Reply::Udp { sports } => (ProtoMatch::Name(17), port_op(sports), None, false),
        Reply::Icmp { icmp_type } => (
            ProtoMatch::Name(1),
            None,
            Some(icmp_match(false, icmp_type)),
            false,
        ),
        Reply::Icmpv6 { icmp_type } => (
            ProtoMatch::Name(58),
            None,
            Some(icmp_match(v6, icmp_type)),
            false,
        ),
        Reply::Ip { number } => (ProtoMatch::Number(number), None, None, false),
        Reply::AnyIp => (ProtoMatch::Any, None, None, false),
    };
    let mut a = ace(Action::Permit, proto, src.clone(), dst.clone());
    a.sport = sport;
    a.icmp = icmp;
    a.established = established;
    Some(a)
}

/// Appends the reply permits of rules that leave by this interface (a pair's, or the router's
/// own traffic): planning's reply entries, whose replies enter here.
pub(super) fn reply_rules(
    body: &mut AclBody,
    groups: &mut Groups,
    (rules, replies): (&[RuleIr], &[ReplyIr]),
    fam: Family,
    changed: &mut Changed,
) -> Result<()> {
    let entries: Vec<(&RuleIr, Reply)> = replies
        .iter()
        .filter_map(|r| rules.get(r.rule).map(|rule| (rule, r.reply)))
        .collect();
    for chunk in
        entries.chunk_by(|(a, _), (b, _)| a.flow == b.flow && a.src == b.src && a.dst == b.dst)
    {
        let r = chunk[0].0;
        // Replies travel from the responder (dst) to the initiator (src).
        groups.now = fam == Family::V4
            && matches!(r.flow, FlowRef::Flow(_))
            && groups.pays(&r.dst, &r.src, chunk.len());
        let srcs = groups.addrs(&r.dst, fam)?;
        let dsts = groups.addrs(&r.src, fam)?;
        groups.now = false;
        if srcs.is_empty() || dsts.is_empty() {
            continue;
        }
        let mut aces = Vec::new();
        for (_, reply) in chunk {
            for s in &srcs {
                for d in &dsts {
                    aces.extend(reply_ace(*reply, fam, s, d));
                }
            }
        }
        body.group(remark_lines(&format!("reply {}", r.label), changed), aces);
    }
    Ok(())
}

/// Sources no packet from outside may carry: the router's own addresses (a cluster's shared
/// addresses; each node's own address is its partner's legitimate source, and both nodes get
/// the same ACLs).
fn spoofed_sources(cx: &EmitContext, device: &DeviceIr) -> AddrSet {
    let mut set = AddrSet::new();
    for i in &cx.model.device(device.device).interfaces {
        for a in &i.addresses {
            set.add_range(*a, *a);
        }
    }
    set
}

/// The anti-spoofing entries every ACL starts with: a packet that enters with one of the
/// router's own addresses as its source was forged (the router's own packets never come back
/// in), and must not reach the permits, the router's own included.
pub(super) fn spoof_rules(body: &mut AclBody, spoofed: &AddrSet, fam: Family) {
    let srcs: Vec<AddrMatch> = match fam {
        Family::V4 => spoofed.v4_nets().into_iter().map(v4_match).collect(),
        Family::V6 => spoofed.v6_nets().into_iter().map(v6_match).collect(),
    };
    let aces = srcs
        .into_iter()
        .map(|s| {
            let mut a = ace(Action::Deny, ProtoMatch::Any, s, AddrMatch::Any);
            a.log = Some(Log::Log);
            a
        })
        .collect();
    body.group(
        vec![Remark::tame(
            "anti-spoofing: the router's own addresses never arrive from outside",
        )],
        aces,
    );
}

/// With the zone-based firewall on a router that translates without VRFs, the inbound ACL of an
/// untranslated interface denies the translated zones' inside networks as destinations: the
/// firewall sees a packet sent to the outside address after NAT made it the inside one, so a
/// class cannot tell it from one sent to the inside address directly, which the global table
/// routes to the zone (in a VRF, no route leads there). The router's own addresses there stay
/// open to the self zone-pairs.
fn inside_rules(body: &mut AclBody, device: &DeviceIr, nat: Option<&Translation>, own: &AddrSet) {
    if nat.is_none_or(|t| !t.vrfs.is_empty()) {
        return;
    }
    let mut nets: Vec<Ipv4Net> = device
        .interfaces
        .iter()
        .flat_map(|i| &i.nat)
        .filter_map(|n| match n.inside {
            ipnet::IpNet::V4(v) => Some(v),
            ipnet::IpNet::V6(_) => None,
        })
        .collect();
    nets.sort();
    nets.dedup();
    if nets.is_empty() {
        return;
    }
    let mut aces = Vec::new();
    for n in &nets {
        for o in own.v4_nets() {
            if n.contains(&o) {
                aces.push(ace(
                    Action::Permit,
                    ProtoMatch::Any,
                    AddrMatch::Any,
                    v4_match(o),
                ));
            }
        }
    }
    for n in nets {
        let mut a = ace(Action::Deny, ProtoMatch::Any, AddrMatch::Any, v4_match(n));
        a.log = Some(Log::Log);
        aces.push(a);
    }
    body.group(
        vec![Remark::tame(
            "a translated zone's inside addresses are reached at its outside ones only",
        )],
        aces,
    );
}

/// VRRP, the IP protocol a cluster's nodes share their addresses by.
pub const VRRP_PROTOCOL: u8 = 112;
/// The group VRRP advertisements are sent to over IPv4.
pub const VRRP_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The group VRRP advertisements are sent to over IPv6.
pub const VRRP_GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// A cluster's sync link (`sync IFACE`): the VRRP advertisements of the nodes to their group,
/// on that interface only. IOS keeps no connection state, so there is no connection-tracking
/// sync to permit.
fn sync_rules(body: &mut AclBody, peers: &AddrSet, fam: Family) {
    let (srcs, group): (Vec<AddrMatch>, AddrMatch) = match fam {
        Family::V4 => (
            peers.v4_nets().into_iter().map(v4_match).collect(),
            v4_match(Ipv4Net::from(VRRP_GROUP_V4)),
        ),
        Family::V6 => (
            peers.v6_nets().into_iter().map(v6_match).collect(),
            v6_match(Ipv6Net::from(VRRP_GROUP_V6)),
        ),
    };
    let aces = srcs
        .into_iter()
        .map(|s| {
            ace(
                Action::Permit,
                ProtoMatch::Number(VRRP_PROTOCOL),
                s,
                group.clone(),
            )
        })
        .collect();
    body.group(
        vec![Remark::tame("cluster sync: VRRP between the nodes")],
        aces,
    );
}

/// Does an item admit TCP to this port?
fn admits_tcp(item: &ServiceItem, port: u16) -> bool {
    match item {
        ServiceItem::Tcp { ports } => ports.contains(port),
        ServiceItem::Ip { number } => *number == 6,
        ServiceItem::AnyIp => true,
        _ => false,
    }
}

/// Terminal sessions to the router: `line vty 0 15` with the transports the policy allows to
/// the router (`ssh` for tcp/22, `telnet` for tcp/23, `none` when it allows neither) and, when
/// it allows one, an `access-class` of the sources it allows them from (one standard ACL, and
/// one IPv6 ACL where the router routes IPv6). The interface ACLs are the exact filter; the
/// access-class is a second gate that also holds on interfaces outside the policy.
/// `None` when the policy declares no address of the device (it says nothing about the
/// router's own traffic).
fn vty_section(device: &DeviceIr, has_v6: bool) -> Result<Option<(Vec<Acl>, Line)>> {
    if device.own.is_empty() {
        return Ok(None);
    }
    let mut sources = AddrSet::new();
    let (mut ssh, mut telnet) = (false, false);
    for l in device.local.iter().filter(|l| l.to_device) {
        let nat = &device.interfaces[l.interface].nat;
        for r in viewed(&l.rules, nat, true).iter() {
            let (s, t) = (admits_tcp(&r.item, 22), admits_tcp(&r.item, 23));
            if s || t {
                sources = sources.union(&r.src);
            }
            ssh |= s;
            telnet |= t;
        }
    }
    let words: Vec<&str> = match (ssh, telnet) {
        (false, false) => vec!["none"],
        (true, false) => vec!["ssh"],
        (false, true) => vec!["telnet"],
        (true, true) => vec!["ssh", "telnet"],
    };
    let mut lines = Vec::new();
    let mut acls = Vec::new();
    if ssh || telnet {
        for fam in [Family::V4, Family::V6] {
            if fam == Family::V6 && !has_v6 {
                continue;
            }
            let acl = vty_acl(&sources, fam)?;
            lines.push(LineLine::AccessClass {
                v6: fam == Family::V6,
                acl: acl.name.clone(),
                inbound: true,
                vrf_also: false,
            });
            acls.push(acl);
        }
    }
    lines.push(LineLine::TransportInput(
        words.into_iter().map(word).collect::<Result<_>>()?,
    ));
    Ok(Some((
        acls,
        Line {
            kind: word("vty")?,
            first: 0,
            last: Some(VTY_LAST),
            lines,
        },
    )))
}

/// The last virtual terminal line configured: IOS and IOS-XE create lines 0 to 15 on
/// `line vty 0 15` (most platforms have 0 to 4 or 0 to 15 by default).
const VTY_LAST: u32 = 15;

/// The access-class of the terminal lines in a family: a standard ACL (IPv4) or an IPv6 ACL
/// permitting the allowed sources, then `deny ... log`.
fn vty_acl(sources: &AddrSet, fam: Family) -> Result<Acl> {
    let (kind, form, suffix) = match fam {
        Family::V4 => (AclKind::Standard, Form::Standard, "VTY"),
        Family::V6 => (AclKind::Ipv6, Form::Ipv6, "VTY6"),
    };
    let srcs: Vec<AddrMatch> = match fam {
        Family::V4 => sources.v4_nets().into_iter().map(v4_match).collect(),
        Family::V6 => sources.v6_nets().into_iter().map(v6_match).collect(),
    };
    let mut lines: Vec<AclLine> = srcs
        .into_iter()
        .map(|s| AclLine::Ace(ace(Action::Permit, ProtoMatch::Any, s, AddrMatch::Any)))
        .collect();
    let mut deny = ace(
        Action::Deny,
        ProtoMatch::Any,
        AddrMatch::Any,
        AddrMatch::Any,
    );
    deny.log = Some(Log::Log);
    lines.push(AclLine::Ace(deny));
    let mut h = Sha256::new();
    h.update(suffix.as_bytes());
    h.update(b"\0");
    let mut seq = 0u32;
    for l in &mut lines {
        if let AclLine::Ace(a) = l {
            seq = seq.saturating_add(10);
            a.seq = Some(seq);
            h.update(AceText(a, form).to_string().as_bytes());
            h.update(b"\n");
        }
    }
    let digest = &hex::encode(h.finalize())[..8];
    Ok(Acl {
        kind,
        name: word(&format!("FL-{suffix}-{digest}"))?,
        lines,
        at: At::default(),
    })
}

/// Numbers the entries of a finished ACL and names it by its content.
fn finish(iface: &str, fam: Family, body: AclBody, tail: Vec<Ace>) -> Result<Acl> {
    let form = if fam == Family::V4 {
        Form::Extended
    } else {
        Form::Ipv6
    };
    let mut lines = body.lines;
    lines.extend(tail.into_iter().map(AclLine::Ace));
    let mut h = Sha256::new();
    h.update(iface.as_bytes());
    h.update(if fam == Family::V4 {
        b"\0ipv4\0"
    } else {
        b"\0ipv6\0"
    });
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
    let (kind, suffix) = match fam {
        Family::V4 => (AclKind::Extended, "IN"),
        Family::V6 => (AclKind::Ipv6, "IN6"),
    };
    Ok(Acl {
        kind,
        name: word(&format!("FL-{}-{suffix}-{digest}", iface_slug(iface)))?,
        lines,
        at: At::default(),
    })
}

fn acl_prefix(iface: &str, fam: Family) -> String {
    format!(
        "FL-{}-{}-",
        iface_slug(iface),
        if fam == Family::V4 { "IN" } else { "IN6" }
    )
}

/// The final entries of an ACL of a family.
fn tail(fam: Family) -> Vec<Ace> {
    let deny = |any| {
        let mut a = ace(Action::Deny, any, AddrMatch::Any, AddrMatch::Any);
        a.log = Some(Log::Log);
        a
    };
    match fam {
        Family::V4 => vec![deny(ProtoMatch::Any)],
        // IPv6 ACLs hold implicit neighbour-discovery permits before their implicit deny; an
        // explicit final deny removes them, so they are restated first.
        Family::V6 => {
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
            vec![nd(136), nd(135), deny(ProtoMatch::Any)]
        }
    }
}

/// The island ACL of an interface for a family: one entry, deny and log every packet.
fn island_acl(iface: &str, fam: Family) -> Result<Acl> {
    let (kind, prefix) = match fam {
        Family::V4 => (AclKind::Extended, "FL-ISLAND"),
        Family::V6 => (AclKind::Ipv6, "FL-ISLAND6"),
    };
    let mut deny = ace(
        Action::Deny,
        ProtoMatch::Any,
        AddrMatch::Any,
        AddrMatch::Any,
    );
    deny.log = Some(Log::Log);
    deny.seq = Some(10);
    Ok(Acl {
        kind,
        name: word(&format!("{prefix}-{}", iface_slug(iface)))?,
        lines: vec![AclLine::Ace(deny)],
        at: At::default(),
    })
}

/// An EEM applet that runs `commands` in configuration mode on `iface`, then logs `msg`.
fn island_applet(name: &str, iface: &str, commands: &[String], msg: &str) -> Result<Applet> {
    let mut cli = vec![
        "enable".to_string(),
        "configure terminal".to_string(),
        format!("interface {iface}"),
    ];
    cli.extend(commands.iter().cloned());
    cli.push("end".to_string());
    let quoted = |s: &str| {
        Quoted::new(s).ok_or_else(|| {
            crate::error::Error::Other(format!("internal: EEM applet text `{s}` cannot be written"))
        })
    };
    let mut lines = vec![AppletLine::EventNone];
    for (i, c) in cli.iter().enumerate() {
        lines.push(AppletLine::Cli {
            label: word(&format!("{:03}", (i + 1) * 10))?,
            command: quoted(c)?,
        });
    }
    lines.push(AppletLine::Syslog {
        label: word(&format!("{:03}", (cli.len() + 1) * 10))?,
        msg: quoted(msg)?,
    });
    Ok(Applet {
        name: word(name)?,
        lines,
    })
}

/// Island mode (`island`): per interface an IPv4 and an IPv6 deny-all ACL that nothing binds,
/// an EEM applet that binds both in and out, and one that re-binds the policy's ACLs.
fn island_section(bindings: &[(&String, Vec<Word>)]) -> Result<Vec<Top>> {
    let mut out = vec![
        comment(""),
        comment("Island mode (SR 5.2 RE2): per interface a deny-all ACL pair (FL-ISLAND- for IPv4,"),
        comment("FL-ISLAND6- for IPv6) that nothing binds, and two EEM applets. The first binds the pair in"),
        comment("and out: from then on every packet entering or leaving by the interface is denied and logged,"),
        comment("packets of established sessions included (IOS ACLs keep no state). The second re-binds the"),
        comment("policy's ACLs and lifts the island. The other interfaces are unchanged; terminal sessions"),
        comment("through the islanded interface are cut too (run the applets from the console or from a zone"),
        comment("on another interface). Run the revert before loading a new version of this file."),
    ];
    for (iface, names) in bindings {
        let slug = iface_slug(iface);
        let (v4, v6) = (
            island_acl(iface, Family::V4)?,
            island_acl(iface, Family::V6)?,
        );
        let on = format!("FL-ISLAND-{slug}");
        let off = format!("FL-ISLAND-{slug}-REVERT");
        out.push(comment(""));
        out.push(comment(&format!("Island mode of {iface}:")));
        out.push(comment(&format!("  island:  event manager run {on}")));
        out.push(comment(&format!("  revert:  event manager run {off}")));
        out.push(Top::Acl(v4.clone()));
        out.push(Top::Acl(v6.clone()));
        let bind = |v6: bool, acl: &Word, inbound: bool| {
            IfLine::AccessGroup {
                v6,
                acl: acl.clone(),
                inbound,
            }
            .to_string()
        };
        let apply = vec![
            bind(false, &v4.name, true),
            bind(false, &v4.name, false),
            bind(true, &v6.name, true),
            bind(true, &v6.name, false),
        ];
        let mut revert = vec![
            format!("no {}", bind(false, &v4.name, false)),
            format!("no {}", bind(true, &v6.name, false)),
        ];
        revert.push(match names.first() {
            Some(acl) => bind(false, acl, true),
            None => format!("no {}", bind(false, &v4.name, true)),
        });
        revert.push(match names.get(1) {
            Some(acl) => bind(true, acl, true),
            None => format!("no {}", bind(true, &v6.name, true)),
        });
        out.push(comment(""));
        out.push(Top::Applet(island_applet(
            &on,
            iface,
            &apply,
            &format!("fenceline island mode on {iface}: every packet in and out is denied"),
        )?));
        out.push(comment(""));
        out.push(Top::Applet(island_applet(
            &off,
            iface,
            &revert,
            &format!("fenceline island mode off on {iface}: policy ACLs bound again"),
        )?));
    }
    Ok(out)
}

pub(super) fn comment(text: &str) -> Top {
    Top::Comment(Comment::tame(text))
}

/// The zone-based firewall of a router with `inspect` ([`super::inspect`]): its commands,
/// printed after the ACLs, the security zone of each interface (by index) and the names of the
/// previous versions to remove.
pub(super) struct ZbfSection {
    pub tops: Vec<Top>,
    pub members: Vec<Word>,
    pub removals: Vec<String>,
}

/// Builds a device's [`ZbfSection`] with the device's object-groups.
pub(super) type ZbfFn = fn(&DeviceIr, &mut Groups, &mut Changed) -> Result<ZbfSection>;

/// The ACL section of a router or layer-3 switch: object-groups, ACLs, bindings, and how to
/// remove the previous versions.
///
/// On a translating router (`nat`), each ACL is written in the addresses it sees: an inside
/// interface's sources are the zone's inside addresses (its flows' sources, its replies'
/// sources); the VRFs come before the interface blocks that use them, and the static
/// translations after the interfaces have their ACLs.
///
/// With `zbf` (a router with `inspect`), the inbound ACLs keep only the anti-spoofing entries
/// and pass the rest to the zone-based firewall, which `zbf` builds (in the addresses the
/// firewall sees where the router translates: [`super::inspect`]).
pub(super) fn acls(
    cx: &EmitContext,
    device: &DeviceIr,
    changed: &mut Changed,
    nat: Option<&Translation>,
    zbf: Option<ZbfFn>,
) -> Result<Vec<Top>> {
    let mut groups = Groups {
        enabled: cx.options.cisco_object_groups,
        ..Default::default()
    };
    // Once a device routes IPv6 anywhere, every interface gets an IPv6 filter: an interface
    // without one would pass every IPv6 packet.
    let has_v6 = device.interfaces.iter().any(|i| !i.behind.v6.is_empty());
    let spoofed = spoofed_sources(cx, device);
    let mut acls = Vec::new();
    let mut bindings = Vec::new();
    for (idx, iface) in device.interfaces.iter().enumerate() {
        let mut names = Vec::new();
        for fam in [Family::V4, Family::V6] {
            if fam == Family::V6 && !has_v6 {
                continue;
            }
            let mut body = AclBody::default();
            spoof_rules(&mut body, &spoofed, fam);
            if zbf.is_some() && fam == Family::V4 && iface.nat.is_empty() {
                inside_rules(&mut body, device, nat, &spoofed);
            }
            if zbf.is_some() {
                // `permit ip any any` (`permit ipv6 any any` in an IPv6 ACL).
                let any = ProtoMatch::Any;
                body.group(
                    vec![Remark::tame(
                        "the zone-based firewall decides the rest (zone-pairs below)",
                    )],
                    vec![ace(Action::Permit, any, AddrMatch::Any, AddrMatch::Any)],
                );
                let acl = finish(&iface.name, fam, body, Vec::new())?;
                names.push(acl.name.clone());
                let what = if fam == Family::V4 { "IPv4" } else { "IPv6" };
                acls.push((format!("{what} traffic entering {}", iface.name), acl));
                continue;
            }
            let nat = &iface.nat;
            for pair in device.pairs.iter().filter(|p| p.ingress == idx) {
                let rules = viewed(&pair.rules, nat, true);
                forward_rules(&mut body, &mut groups, &rules, fam, changed)?;
            }
            let local = |to_device| {
                device
                    .local
                    .iter()
                    .filter(move |l| l.interface == idx && l.to_device == to_device)
            };
            for l in local(true) {
                let rules = viewed(&l.rules, nat, true);
                forward_rules(&mut body, &mut groups, &rules, fam, changed)?;
            }
            if let Some(sync) = device.sync.as_ref().filter(|s| s.interface == idx) {
                sync_rules(&mut body, &sync.peers, fam);
            }
            for pair in device.pairs.iter().filter(|p| p.egress == idx) {
                // Replies come from the rules' destinations.
                let rules = viewed(&pair.rules, nat, false);
                reply_rules(
                    &mut body,
                    &mut groups,
                    (&rules, &pair.replies),
                    fam,
                    changed,
                )?;
            }
            // Replies to what the router originates: its outbound traffic meets no ACL, but
            // the answers enter here like any other packet.
            for l in local(false) {
                let rules = viewed(&l.rules, nat, false);
                reply_rules(&mut body, &mut groups, (&rules, &l.replies), fam, changed)?;
            }
            let acl = finish(&iface.name, fam, body, tail(fam))?;
            names.push(acl.name.clone());
            let what = if fam == Family::V4 { "IPv4" } else { "IPv6" };
            acls.push((format!("{what} traffic entering {}", iface.name), acl));
        }
        bindings.push((&iface.name, names));
    }
    let section = match zbf {
        Some(f) => Some(f(device, &mut groups, changed)?),
        None => None,
    };
    let mut out = if section.is_some() {
        vec![
            comment(""),
            comment("Inbound ACLs: each interface denies and logs packets that carry one of the router's own"),
            comment("addresses as their source and passes the rest to the zone-based firewall below. ACL names"),
            comment("carry a hash of their content, so applying this file defines new ACLs beside the ones in use"),
            comment("and re-points each interface in one command."),
        ]
    } else {
        vec![
            comment(""),
            comment("Inbound ACLs: each interface permits exactly the flows that enter by it and the replies of"),
            comment("flows that leave by it; everything else is denied and logged. ACL names carry a hash of their"),
            comment("content, so applying this file defines new ACLs beside the ones in use and re-points each"),
            comment("interface in one command: no interface is ever left with a missing or empty ACL."),
        ]
    };
    for g in groups.net_groups {
        out.push(comment(""));
        out.push(Top::NetGroup(g));
    }
    for g in groups.svc_groups {
        out.push(comment(""));
        out.push(Top::SvcGroup(g));
    }
    for (what, acl) in acls {
        out.push(comment(""));
        out.push(comment(&what));
        out.push(Top::Acl(acl));
    }
    let vty = vty_section(device, has_v6)?;
    let mut removals = Vec::new();
    if let Some(sec) = &section {
        out.extend(sec.tops.iter().cloned());
    }
    if let Some((vty_acls, _)) = &vty {
        for acl in vty_acls {
            out.push(comment(""));
            out.push(comment(if acl.kind == AclKind::Ipv6 {
                "IPv6 sources that may open a terminal session on the router"
            } else {
                "IPv4 sources that may open a terminal session on the router"
            }));
            out.push(Top::Acl(acl.clone()));
        }
    }
    if let Some(t) = nat.filter(|t| !t.vrfs.is_empty()) {
        out.push(comment(""));
        out.push(comment(
            "Address translation: one VRF per translated zone, whose inside network repeats on this router.",
        ));
        for v in &t.vrfs {
            out.push(Top::Vrf(v.clone()));
        }
    }
    for (k, (iface, names)) in bindings.iter().enumerate() {
        out.push(comment(""));
        let mut lines = nat
            .and_then(|t| t.iface_lines.get(k))
            .cloned()
            .unwrap_or_default();
        for (i, acl) in names.iter().enumerate() {
            lines.push(IfLine::AccessGroup {
                v6: i == 1,
                acl: acl.clone(),
                inbound: true,
            });
        }
        if let Some(zone) = section.as_ref().and_then(|s| s.members.get(k)) {
            lines.push(IfLine::ZoneMember(zone.clone()));
        }
        out.push(Top::Interface(Interface {
            head: IfHead::One(word(iface)?),
            lines,
        }));
    }
    if let Some(t) = nat {
        out.push(comment(""));
        out.push(comment(
            "Static 1:1 translations, once every interface filters: the rest of the plant reaches each",
        ));
        out.push(comment(
            "translated zone at its outside network (the plant routes it to this router).",
        ));
        out.extend(t.statics.iter().cloned().map(Top::NatStatic));
        if !t.routes.is_empty() {
            out.push(comment(""));
            out.push(comment(
                "Routes of each VRF to the networks of the global table its flows reach.",
            ));
            out.extend(t.routes.iter().cloned().map(Top::VrfRoute));
        }
    }
    if let Some((vty_acls, line)) = vty {
        out.push(comment(""));
        out.push(comment(
            "Terminal sessions: only the transports and sources the policy allows to the router.",
        ));
        out.push(Top::Line(line));
        for acl in &vty_acls {
            let (show, prefix) = if acl.kind == AclKind::Ipv6 {
                ("show ipv6 access-list", "FL-VTY6-")
            } else {
                ("show ip access-lists", "FL-VTY-")
            };
            removals.push(format!("  {show} | include {prefix}"));
        }
    }
    if cx.model.device(device.device).island {
        out.extend(island_section(&bindings)?);
    }
    out.push(comment(""));
    out.push(comment(
        "After applying, remove the previous versions (never an ACL that is still bound):",
    ));
    for (iface, names) in &bindings {
        out.push(comment(&format!(
            "  show ip access-lists | include {}",
            acl_prefix(iface, Family::V4)
        )));
        if names.len() > 1 {
            out.push(comment(&format!(
                "  show ipv6 access-list | include {}",
                acl_prefix(iface, Family::V6)
            )));
        }
    }
    for r in section.iter().flat_map(|s| &s.removals) {
        out.push(comment(r));
    }
    for r in &removals {
        out.push(comment(r));
    }
    out.push(comment(
        "  then `no ip access-list extended NAME` / `no ipv6 access-list NAME` for every listed name",
    ));
    out.push(comment("  that this file does not define."));
    if !removals.is_empty() {
        out.push(comment(
            "  (`no ip access-list standard NAME` for the FL-VTY- names, after `line vty` is re-pointed)",
        ));
    }
    Ok(out)
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
        use super::super::print::AceAddr;
        let n: Ipv4Net = "10.40.0.0/22".parse().unwrap();
        assert_eq!(AceAddr(&v4_match(n)).to_string(), "10.40.0.0 0.0.3.255");
        assert_eq!(
            GroupAddr(&v4_match(n)).to_string(),
            "10.40.0.0 255.255.252.0"
        );
        let s = |m: AddrMatch| AceAddr(&m).to_string();
        assert_eq!(
            s(v4_match("10.30.0.10/32".parse().unwrap())),
            "host 10.30.0.10"
        );
        assert_eq!(s(v4_match("0.0.0.0/0".parse().unwrap())), "any");
        assert_eq!(s(v6_match("fd00:30::/64".parse().unwrap())), "fd00:30::/64");
        assert_eq!(
            s(v6_match("fd00:30::1/128".parse().unwrap())),
            "host fd00:30::1"
        );
    }

    #[test]
    fn ports_use_eq_and_range() {
        assert_eq!(port_op(PortRange::one(502)), Some(PortOp::Eq(502)));
        assert_eq!(
            port_op(PortRange { lo: 67, hi: 68 }),
            Some(PortOp::Range(67, 68))
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
            let l = l.as_str();
            assert!(l.len() <= 100 && l.is_ascii());
            assert!(!l.contains(['\n', '\r', '!', '?']));
        }
        let long = "word ".repeat(60) + &"x".repeat(150);
        let lines = remark_lines(&long, &mut changed);
        assert!(
            lines.len() >= 3
                && lines
                    .iter()
                    .all(|l| !l.as_str().is_empty() && l.as_str().len() <= 100)
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(iface_slug("GigabitEthernet0/0/1"), "GI0-0-1");
        assert_eq!(iface_slug("Vlan130"), "VL130");
        assert_eq!(iface_slug("weird.if:1"), "WEIRD-IF-1");
    }
}
