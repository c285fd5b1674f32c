//! The packet semantics of the Cisco IOS dialect: what a configuration accepts, with IOS's
//! rules. A configuration is first resolved as IOS loads it, line after line ([`Resolved`]:
//! ACLs extended by later blocks of the same name or removed by `no`, unnumbered entries
//! numbered after the last one in steps of 10, bindings replaced by later ones); then first
//! match wins, with an implicit deny at the end (after the implicit ND permits of IPv6 ACLs),
//! and an interface without an ACL, or bound to an ACL that does not exist, passes everything.
//! Tests compare this with [`crate::model::policy_decision`], so the generated text itself, not
//! the generator's intent, is what gets proved.

use super::ast::*;
use super::print::{AceText, Form};
use crate::dialect::config::{universe, Item, ReadError, Tag, Term};
use crate::model::ios_ifname;
use crate::packet::space::{Cube, Family, Ivs, Space};
use crate::packet::Packet;
use std::net::IpAddr;
use std::sync::Arc;

/// How a packet was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub permit: bool,
    /// The ACL that decided, `None` when no ACL applies (everything passes).
    pub acl: Option<String>,
    /// The deciding entry; `None` for the implicit rules at the end.
    pub seq: Option<u32>,
    pub text: String,
}

impl Decision {
    fn implicit(acl: &str, permit: bool, text: &str) -> Decision {
        Decision {
            permit,
            acl: Some(acl.to_string()),
            seq: None,
            text: text.to_string(),
        }
    }
}

impl IosConfig {
    /// [`Self::resolve`], computed once per configuration (filters ask for it per interface).
    /// Changing `items` afterwards is not seen: resolve a configuration once it is complete.
    pub fn resolved(&self) -> &Result<Resolved, ParseError> {
        self.loaded.0.get_or_init(|| self.resolve())
    }

    /// The configuration as IOS loads it, line after line. Refuses what IOS refuses: two
    /// entries with one sequence number, an ACL name used for a standard and an extended ACL.
    pub fn resolve(&self) -> Result<Resolved, ParseError> {
        let mut r = Resolved::default();
        for item in &self.items {
            match item {
                Top::Acl(acl) => {
                    let (v6, standard) = match acl.kind {
                        AclKind::Extended => (false, false),
                        AclKind::Standard => (false, true),
                        AclKind::Ipv6 => (true, false),
                    };
                    let name = acl.name.as_str();
                    let target = r.acls.entry(name.to_string()).or_insert(ResolvedAcl {
                        name: name.to_string(),
                        v6,
                        standard,
                        entries: Vec::new(),
                    });
                    if target.standard != standard || target.v6 != v6 {
                        return Err(ParseError {
                            line: acl.at.line,
                            message: format!("ACL {name} is defined with two kinds"),
                        });
                    }
                    let form = form(acl.kind);
                    for l in &acl.lines {
                        if let AclLine::Ace(ace) = l {
                            add_entry(target, ace, form, true)?;
                        }
                    }
                }
                Top::Numbered(n) => {
                    let AclLine::Ace(ace) = &n.line else { continue };
                    let standard = Numbered::standard(n.number) == Some(true);
                    let name = n.number.to_string();
                    let target = r.acls.entry(name.clone()).or_insert(ResolvedAcl {
                        name,
                        v6: false,
                        standard,
                        entries: Vec::new(),
                    });
                    let form = if standard {
                        Form::Standard
                    } else {
                        Form::Extended
                    };
                    // Numbered entries are appended in steps of 10, as IOS numbers them.
                    add_entry(target, ace, form, false)?;
                }
                Top::NoAcl(_, name) => {
                    r.acls.remove(name.as_str());
                }
                Top::NetGroup(g) => r
                    .net_groups
                    .entry(g.name.to_string())
                    .or_default()
                    .extend(g.entries.iter().cloned()),
                Top::SvcGroup(g) => r
                    .svc_groups
                    .entry(g.name.to_string())
                    .or_default()
                    .extend(g.entries.iter().cloned()),
                Top::Interface(Interface {
                    head: IfHead::One(name),
                    lines,
                }) => {
                    let b = r.interfaces.entry(name.to_string()).or_default();
                    for l in lines {
                        match l {
                            IfLine::AccessGroup { v6, acl, inbound } => {
                                let slot = match (v6, inbound) {
                                    (false, true) => &mut b.v4_in,
                                    (false, false) => &mut b.v4_out,
                                    (true, true) => &mut b.v6_in,
                                    (true, false) => &mut b.v6_out,
                                };
                                *slot = Some(acl.to_string());
                            }
                            IfLine::NoAccessGroup { v6: false, .. } => b.v4_in = None,
                            IfLine::NoAccessGroup { v6: true, .. } => b.v6_in = None,
                            IfLine::ZoneMember(z) => {
                                if !r.zbf.zones.contains(z.as_str()) {
                                    return Err(ParseError {
                                        line: 0,
                                        message: format!("interface {name}: zone {z} is not defined (`zone security {z}` comes first)"),
                                    });
                                }
                                r.zbf.members.insert(name.to_string(), z.to_string());
                            }
                            IfLine::VrfForwarding(v) => b.vrf = Some(v.to_string()),
                            IfLine::Nat(role) => b.nat = Some(*role),
                            _ => {}
                        }
                    }
                }
                Top::ZoneSecurity(_) | Top::ClassMap(_) | Top::PolicyMap(_) | Top::ZonePair(_) => {
                    load_zbf(&mut r.zbf, item)?
                }
                Top::NatStatic(n) => r.nat.push(n.clone()),
                Top::Line(l) if l.kind.as_str() == "vty" => {
                    // IOS numbers virtual terminal lines from 0 up to a platform limit (1869 on
                    // IOS-XE); a wider range is refused there.
                    let last = l.last.unwrap_or(l.first).min(MAX_VTY);
                    for n in l.first..=last {
                        let vty = r.vty.entry(n).or_default();
                        for x in &l.lines {
                            match x {
                                LineLine::AccessClass {
                                    v6,
                                    acl,
                                    inbound: true,
                                    ..
                                } => {
                                    let slot = if *v6 {
                                        &mut vty.v6_class
                                    } else {
                                        &mut vty.v4_class
                                    };
                                    *slot = Some(acl.to_string());
                                }
                                LineLine::TransportInput(words) => {
                                    vty.transport =
                                        Some(words.iter().map(|w| w.to_string()).collect());
                                }
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        r.check_nat()?;
        Ok(r)
    }
}

/// The zone IOS calls the router itself in a zone-pair.
pub const SELF_ZONE: &str = "self";

/// Loads one ZBF command into `zbf`, as IOS applies it: a class-map or policy-map given again
/// adds its lines (a class given again replaces its action), a second zone-pair for the same
/// source and destination is refused.
fn load_zbf(zbf: &mut Zbf, item: &Top) -> Result<(), ParseError> {
    let err = |message: String| ParseError { line: 0, message };
    match item {
        Top::ZoneSecurity(z) => {
            if z.as_str() == SELF_ZONE {
                return Err(err("`zone security self`: the self zone is built in".into()));
            }
            zbf.zones.insert(z.to_string());
        }
        Top::ClassMap(c) => {
            let e = zbf
                .class_maps
                .entry(c.name.to_string())
                .or_insert_with(|| ClassMap {
                    all: c.all,
                    name: c.name.clone(),
                    matches: Vec::new(),
                });
            if e.all != c.all {
                return Err(err(format!(
                    "class-map {} is defined as match-any and match-all",
                    c.name
                )));
            }
            e.matches.extend(c.matches.iter().cloned());
        }
        Top::PolicyMap(p) => {
            let e = zbf
                .policy_maps
                .entry(p.name.to_string())
                .or_insert_with(|| PolicyMap {
                    name: p.name.clone(),
                    classes: Vec::new(),
                });
            for c in &p.classes {
                match e.classes.iter_mut().find(|x| x.class == c.class) {
                    Some(x) => x.action = c.action.or(x.action),
                    None => e.classes.push(c.clone()),
                }
            }
            // `class-default` is always the last class.
            e.classes.sort_by_key(|c| c.class.is_none());
        }
        Top::ZonePair(z) => {
            for zone in [&z.source, &z.destination] {
                if zone.as_str() != SELF_ZONE && !zbf.zones.contains(zone.as_str()) {
                    return Err(err(format!(
                        "zone-pair {}: zone {zone} is not defined",
                        z.name
                    )));
                }
            }
            let key = (z.source.to_string(), z.destination.to_string());
            match zbf.pairs.get_mut(&key) {
                Some((name, policy)) if *name == z.name.as_str() => {
                    if z.policy.is_some() {
                        *policy = z.policy.as_ref().map(|p| p.to_string());
                    }
                }
                Some((name, _)) => {
                    return Err(err(format!(
                        "zone-pair {}: zones {} and {} already have zone-pair {name}",
                        z.name, z.source, z.destination
                    )))
                }
                None => {
                    zbf.pairs.insert(
                        key,
                        (z.name.to_string(), z.policy.as_ref().map(|p| p.to_string())),
                    );
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The highest virtual terminal line number IOS-XE accepts.
const MAX_VTY: u32 = 1869;

fn form(kind: AclKind) -> Form {
    match kind {
        AclKind::Extended => Form::Extended,
        AclKind::Standard => Form::Standard,
        AclKind::Ipv6 => Form::Ipv6,
    }
}

/// Adds an entry at its sequence number (unnumbered: after the last one, in steps of 10).
fn add_entry(acl: &mut ResolvedAcl, ace: &Ace, form: Form, named: bool) -> Result<(), ParseError> {
    let last = acl.entries.last().map_or(0, |e| e.seq);
    let seq = ace.seq.unwrap_or(last.saturating_add(10));
    let text = ace
        .at
        .written
        .clone()
        .unwrap_or_else(|| AceText(ace, form).to_string());
    let entry = Entry {
        seq,
        ace: ace.clone(),
        text,
        line: ace.at.line,
    };
    if !named {
        acl.entries.push(entry);
        return Ok(());
    }
    if acl.entries.iter().any(|e| e.seq == seq) {
        return Err(ParseError {
            line: ace.at.line,
            message: format!("duplicate sequence number {seq}"),
        });
    }
    let pos = acl.entries.partition_point(|e| e.seq < seq);
    acl.entries.insert(pos, entry);
    Ok(())
}

fn addr_matches(cfg: &Resolved, m: &AddrMatch, ip: IpAddr, depth: u8) -> bool {
    match (m, ip) {
        (AddrMatch::Any, _) => true,
        (AddrMatch::V4 { addr, wildcard }, IpAddr::V4(a)) => {
            (u32::from(a) & !wildcard) == (addr & !wildcard)
        }
        (AddrMatch::Range { lo, hi }, IpAddr::V4(a)) => (*lo..=*hi).contains(&u32::from(a)),
        (AddrMatch::V6 { addr, len }, IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(*len)).unwrap_or(0);
            (u128::from(a) & mask) == (addr & mask)
        }
        // A group that does not exist matches nothing (IOS refuses to reference one).
        (AddrMatch::Group(g), _) if depth < 8 => cfg
            .net_groups
            .get(g.as_str())
            .is_some_and(|es| es.iter().any(|e| addr_matches(cfg, e, ip, depth + 1))),
        _ => false,
    }
}

fn ports_match(op: Option<PortOp>, p: u16) -> bool {
    op.is_none_or(|o| o.matches(p))
}

fn icmp_matches(m: Option<IcmpMatch>, pkt: &Packet) -> bool {
    // A Packet carries the ICMP type in `dport` and no code: a match on a code is treated as a
    // match on the type (the evaluator errs towards permitting, so tests catch over-permissive
    // text rather than missing it).
    m.is_none_or(|m| u16::from(m.ty) == pkt.dport)
}

fn ace_matches(cfg: &Resolved, ace: &Ace, pkt: &Packet, ack: bool) -> bool {
    let proto_ok = match &ace.proto {
        ProtoMatch::Any => true,
        ProtoMatch::Name(n) | ProtoMatch::Number(n) => {
            *n == pkt.proto
                && ports_match(ace.sport, pkt.sport)
                && ports_match(ace.dport, pkt.dport)
                && (!matches!(n, 1 | 58) || icmp_matches(ace.icmp, pkt))
        }
        ProtoMatch::Group(g) => cfg.svc_groups.get(g.as_str()).is_some_and(|es| {
            es.iter().any(|e| {
                e.proto.is_none_or(|p| p == pkt.proto)
                    && (!matches!(e.proto, Some(6) | Some(17))
                        || (ports_match(e.sport, pkt.sport) && ports_match(e.dport, pkt.dport)))
                    && (e.proto != Some(1) || icmp_matches(e.icmp, pkt))
            })
        }),
    };
    proto_ok
        && (!ace.established || (pkt.proto == 6 && ack))
        && addr_matches(cfg, &ace.src, pkt.src, 0)
        && addr_matches(cfg, &ace.dst, pkt.dst, 0)
}

impl Resolved {
    /// Evaluates a packet against one ACL. `ack` says the TCP segment has ACK or RST set (what
    /// `established` tests); the packet's family must be the ACL's.
    pub fn evaluate_acl(&self, name: &str, pkt: &Packet, ack: bool) -> Decision {
        let Some(acl) = self.acls.get(name) else {
            // IOS: an interface bound to an ACL that does not exist passes everything.
            return Decision {
                permit: true,
                acl: None,
                seq: None,
                text: format!("ACL {name} does not exist"),
            };
        };
        if acl.v6 != pkt.src.is_ipv6() {
            return Decision::implicit(name, false, "packet of the other address family");
        }
        for e in &acl.entries {
            if ace_matches(self, &e.ace, pkt, ack) {
                return Decision {
                    permit: e.ace.action == Action::Permit,
                    acl: Some(name.to_string()),
                    seq: Some(e.seq),
                    text: e.text.clone(),
                };
            }
        }
        if acl.v6 && pkt.proto == 58 && (pkt.dport == 135 || pkt.dport == 136) {
            return Decision::implicit(name, true, "implicit permit icmp any any nd-na / nd-ns");
        }
        Decision::implicit(
            name,
            false,
            if acl.v6 {
                "implicit deny ipv6 any any"
            } else {
                "implicit deny ip any any"
            },
        )
    }

    /// May `pkt` (addressed to the device) open a session on virtual terminal line `line` with
    /// `transport` (`ssh`, `telnet`)? The line's `transport input` must name the protocol (or
    /// `all`) and its `access-class` of the packet's family, if any, must permit the packet. A
    /// line without settings keeps the platform's defaults, which this cannot know: permitted.
    pub fn evaluate_vty(&self, line: u32, pkt: &Packet, transport: &str) -> Decision {
        let Some(vty) = self.vty.get(&line) else {
            return Decision {
                permit: true,
                acl: None,
                seq: None,
                text: format!("line vty {line} is not configured"),
            };
        };
        if let Some(t) = &vty.transport {
            if !t.iter().any(|w| w == transport || w == "all") {
                return Decision {
                    permit: false,
                    acl: None,
                    seq: None,
                    text: format!("transport input {}", t.join(" ")),
                };
            }
        }
        let class = if pkt.src.is_ipv6() {
            &vty.v6_class
        } else {
            &vty.v4_class
        };
        match class {
            Some(name) => self.evaluate_acl(name, pkt, false),
            None => Decision {
                permit: true,
                acl: None,
                seq: None,
                text: format!("no access-class on line vty {line}"),
            },
        }
    }

    /// Evaluates a packet arriving on an interface, against its inbound ACL of the packet's
    /// family. No binding, or a binding to a missing ACL, permits (as IOS does).
    pub fn evaluate_in(&self, interface: &str, pkt: &Packet, ack: bool) -> Decision {
        self.evaluate_bound(interface, pkt, ack, true)
    }

    /// Evaluates a packet leaving by an interface, against its outbound ACL.
    pub fn evaluate_out(&self, interface: &str, pkt: &Packet, ack: bool) -> Decision {
        self.evaluate_bound(interface, pkt, ack, false)
    }

    fn evaluate_bound(&self, interface: &str, pkt: &Packet, ack: bool, inbound: bool) -> Decision {
        let acl = self
            .binding(interface)
            .and_then(|b| b.acl(pkt.src.is_ipv6(), inbound));
        match acl {
            Some(name) => self.evaluate_acl(name, pkt, ack),
            None => Decision {
                permit: true,
                acl: None,
                seq: None,
                text: format!(
                    "no {} ACL on {interface}",
                    if inbound { "inbound" } else { "outbound" }
                ),
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Packet spaces: an ACL as ordered terminal decisions over exact packet sets, for `verify` and
// the build-time expectation check. Every dimension the evaluator looks at is a dimension of
// the space (addresses, protocol, source and destination port, ICMP type, `established`), so
// what the space accepts is exactly what the evaluator permits. The one thing a space cannot
// carry is an ICMP code: an entry matching one is refused rather than widened or narrowed.

/// More discontiguous wildcard bits than this make an address match too fragmented to compare.
const MAX_WILDCARD_HOLES: u32 = 16;

fn port_ivs(op: Option<PortOp>) -> Ivs {
    let all = Ivs::range(0, 65535);
    match op {
        None => all,
        Some(PortOp::Eq(x)) => Ivs::point(x.into()),
        Some(PortOp::Neq(x)) => all.subtract(&Ivs::point(x.into())),
        Some(PortOp::Lt(x)) => match x.checked_sub(1) {
            Some(h) => Ivs::range(0, h.into()),
            None => Ivs::empty(),
        },
        Some(PortOp::Gt(x)) => Ivs::range(u128::from(x) + 1, 65535),
        Some(PortOp::Range(a, b)) => Ivs::range(a.into(), b.into()),
    }
}

/// The addresses an IPv4 address and wildcard match: one interval per combination of the
/// wildcard's bits above its contiguous low run.
fn wildcard_ivs(addr: u32, wildcard: u32) -> Result<Ivs, String> {
    let low_run = wildcard.trailing_ones();
    let low: u32 = if low_run == 32 {
        u32::MAX
    } else {
        (1u32 << low_run) - 1
    };
    let holes = wildcard & !low;
    if holes.count_ones() > MAX_WILDCARD_HOLES {
        return Err(format!(
            "wildcard {} has {} discontiguous bits; at most {MAX_WILDCARD_HOLES} can be compared",
            std::net::Ipv4Addr::from(wildcard),
            holes.count_ones()
        ));
    }
    let base = addr & !wildcard;
    let mut out = Vec::new();
    let mut m: u32 = 0;
    loop {
        let lo = base | m;
        out.push((u128::from(lo), u128::from(lo | low)));
        // Next subset of the hole bits.
        m = m.wrapping_sub(holes) & holes;
        if m == 0 {
            break;
        }
    }
    Ok(Ivs::from_intervals(out))
}

fn icmp_ivs(m: Option<IcmpMatch>) -> Result<Ivs, String> {
    match m.map(|m| (m.ty, m.code)) {
        None => Ok(Ivs::range(0, 255)),
        Some((t, None)) => Ok(Ivs::point(t.into())),
        Some((t, Some(c))) => Err(format!(
            "ICMP type {t} code {c}: matches on an ICMP code cannot be compared (verify compares ICMP types)"
        )),
    }
}

/// (protocols, source ports, destination ports or ICMP types) of one protocol match.
type ProtoParts = (Ivs, Ivs, Ivs);

fn proto_parts(
    proto: Option<u8>,
    sport: Option<PortOp>,
    dport: Option<PortOp>,
    icmp: Option<IcmpMatch>,
) -> Result<ProtoParts, String> {
    let all_ports = Ivs::range(0, 65535);
    Ok(match proto {
        None => (Ivs::range(0, 255), all_ports.clone(), all_ports),
        Some(n @ (6 | 17)) => (Ivs::point(n.into()), port_ivs(sport), port_ivs(dport)),
        Some(n @ (1 | 58)) => (Ivs::point(n.into()), all_ports, icmp_ivs(icmp)?),
        Some(n) => (Ivs::point(n.into()), all_ports.clone(), all_ports),
    })
}

impl Resolved {
    fn addr_ivs(&self, m: &AddrMatch, fam: Family, depth: u8) -> Result<Ivs, String> {
        Ok(match (m, fam) {
            (AddrMatch::Any, _) => fam.all_addrs(),
            (AddrMatch::V4 { addr, wildcard }, Family::V4) => wildcard_ivs(*addr, *wildcard)?,
            (AddrMatch::Range { lo, hi }, Family::V4) => Ivs::range((*lo).into(), (*hi).into()),
            (AddrMatch::V6 { addr, len }, Family::V6) => {
                let host = u128::MAX.checked_shr(u32::from(*len)).unwrap_or(0);
                Ivs::range(addr & !host, addr | host)
            }
            (AddrMatch::Group(g), _) => {
                if depth >= 8 {
                    return Err(format!("object-group {g} nests deeper than 8"));
                }
                // A group that does not exist matches nothing, as the evaluator decides.
                let mut acc = Ivs::empty();
                for e in self
                    .net_groups
                    .get(g.as_str())
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    acc = acc.union(&self.addr_ivs(e, fam, depth + 1)?);
                }
                acc
            }
            // An address of the other family matches nothing.
            _ => Ivs::empty(),
        })
    }

    fn ace_space(&self, ace: &Ace, fam: Family, tag: &Tag) -> Result<Space<Tag>, String> {
        let src = self.addr_ivs(&ace.src, fam, 0)?;
        let dst = self.addr_ivs(&ace.dst, fam, 0)?;
        let parts: Vec<ProtoParts> = match &ace.proto {
            ProtoMatch::Any => vec![proto_parts(None, None, None, None)?],
            ProtoMatch::Name(n) | ProtoMatch::Number(n) => {
                vec![proto_parts(Some(*n), ace.sport, ace.dport, ace.icmp)?]
            }
            // A service group that does not exist matches nothing.
            ProtoMatch::Group(g) => self
                .svc_groups
                .get(g.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|e| proto_parts(e.proto, e.sport, e.dport, e.icmp))
                .collect::<Result<_, _>>()?,
        };
        let ack = if ace.established {
            Ivs::point(1)
        } else {
            Ivs::range(0, 1)
        };
        let mut space = Space::new();
        for (proto, sport, port) in parts {
            let proto = if ace.established {
                proto.intersect(&Ivs::point(6))
            } else {
                proto
            };
            space.extend(
                Cube::with_ports(
                    fam,
                    src.clone(),
                    dst.clone(),
                    proto,
                    sport,
                    port,
                    ack.clone(),
                ),
                tag.clone(),
            );
        }
        Ok(space)
    }

    /// One ACL as terminal decisions, its implicit end included. `None`: the ACL does not
    /// exist, which IOS treats as no filter.
    pub(super) fn acl_items(
        &self,
        file: &str,
        name: &str,
        fam: Family,
    ) -> Result<Option<Vec<Item>>, ReadError> {
        let Some(acl) = self.acls.get(name) else {
            return Ok(None);
        };
        if acl.v6 != (fam == Family::V6) {
            return Err(ReadError {
                file: file.to_string(),
                line: 0,
                message: format!("ACL {name} is bound as a filter of the other address family"),
            });
        }
        let mut items = Vec::with_capacity(acl.entries.len() + 2);
        for e in &acl.entries {
            let tag: Tag = Arc::from(format!("{file}:{}: {name} {} {}", e.line, e.seq, e.text));
            let space = self
                .ace_space(&e.ace, fam, &tag)
                .map_err(|message| ReadError {
                    file: file.to_string(),
                    line: e.line,
                    message,
                })?;
            let term = match e.ace.action {
                Action::Permit => Term::Accept,
                Action::Deny => Term::Drop,
            };
            items.push(Item { space, term, tag });
        }
        let implicit =
            |what: &str| -> Tag { Arc::from(format!("{file}: {name} (implicit) {what}")) };
        if fam == Family::V6 {
            let tag = implicit("permit icmp any any nd-na / nd-ns");
            let mut space = Space::new();
            space.extend(
                Cube::new(
                    fam,
                    fam.all_addrs(),
                    fam.all_addrs(),
                    Ivs::point(58),
                    Ivs::range(135, 136),
                ),
                tag.clone(),
            );
            items.push(Item {
                space,
                term: Term::Accept,
                tag,
            });
        }
        let tag = implicit(if fam == Family::V6 {
            "deny ipv6 any any"
        } else {
            "deny ip any any"
        });
        items.push(Item {
            space: universe(&[fam], &tag),
            term: Term::Drop,
            tag,
        });
        Ok(Some(items))
    }

    /// The filter an interface applies to packets entering it (`inbound`) or leaving it, over
    /// both families: its bound ACLs, and everything passing where no ACL (or a missing one)
    /// is bound; in the plant's view where the router translates addresses
    /// ([`super::nat`]).
    pub fn filter_items(
        &self,
        file: &str,
        interface: &str,
        inbound: bool,
    ) -> Result<Vec<Item>, ReadError> {
        let items = self.wire_items(file, interface, inbound)?;
        let items = self.view(interface, inbound, items);
        Ok(if inbound {
            items
        } else {
            let mut drops = self.outbound_drops(file, interface);
            drops.extend(items);
            drops
        })
    }

    /// [`Self::filter_items`] as the ACLs see the packets on the wire.
    fn wire_items(
        &self,
        file: &str,
        interface: &str,
        inbound: bool,
    ) -> Result<Vec<Item>, ReadError> {
        let b = self.binding(interface);
        let mut items = Vec::new();
        for fam in [Family::V4, Family::V6] {
            let name = b.and_then(|b| b.acl(fam == Family::V6, inbound));
            let acl = match name {
                Some(n) => self.acl_items(file, n, fam)?,
                None => None,
            };
            match acl {
                Some(v) => items.extend(v),
                None => {
                    let why = match name {
                        Some(n) => format!(
                            "{file}: ACL {n} of {interface} does not exist: everything passes"
                        ),
                        None => format!(
                            "{file}: no {} {} ACL on {interface}: everything passes",
                            if fam == Family::V4 { "IPv4" } else { "IPv6" },
                            if inbound { "inbound" } else { "outbound" }
                        ),
                    };
                    let tag: Tag = Arc::from(why);
                    items.push(Item {
                        space: universe(&[fam], &tag),
                        term: Term::Accept,
                        tag,
                    });
                }
            }
        }
        Ok(items)
    }

    /// The ACLs bound to an interface, named in full or abbreviated.
    pub fn binding(&self, interface: &str) -> Option<&Binding> {
        match ios_ifname::canonical(interface) {
            Ok(full) => self.interfaces.get(&full),
            Err(_) => self.interfaces.get(interface),
        }
    }

    /// Does any interface filter outbound?
    pub fn has_outbound(&self) -> bool {
        self.interfaces
            .values()
            .any(|b| b.v4_out.is_some() || b.v6_out.is_some())
    }
}

#[cfg(test)]
#[path = "semantics_tests.rs"]
mod tests;
