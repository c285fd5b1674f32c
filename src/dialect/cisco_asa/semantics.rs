//! What an [`AsaConfig`] accepts, as the ASA decides it (ASA OS 9.x, routed mode):
//!
//! - **Through the device.** The first packet of a connection entering an interface meets the
//!   access list bound `in` to that interface: its first matching entry decides, and a packet
//!   no entry matches is dropped (the implicit deny). Which interface it leaves by is routing's
//!   choice, so the filter depends on the ingress alone ([`Resolved::ingress`]). Replies of an
//!   admitted connection pass by state (ICMP only with `inspect icmp` in the global policy;
//!   without it an ICMP reply meets the access list of the interface it enters).
//! - **Security levels** decide nothing where every interface has an access list, except that
//!   two interfaces of one level pass nothing between them without `same-security-traffic
//!   permit inter-interface`, and a packet leaving by the interface it entered nothing without
//!   `intra-interface`. An interface without an `in` access list (traffic by levels alone), an
//!   `out` access list, a `global` one and an ACL bound but not defined are refused: the reader
//!   would have to guess.
//! - **To the device.** A packet addressed to the device meets, on the interface it enters by,
//!   the management commands (`ssh`, `telnet`, `http` with `http server enable`: their service
//!   from their sources to that interface's own addresses passes, before and whatever the
//!   control-plane access list says, as Cisco's configuration guide states), then the `icmp`
//!   rules for ICMP (first match; none: ICMP passes them) and the control-plane access list;
//!   an interface without one is refused. What the device originates meets no access list.
//! - **`shutdown`** (island mode), an interface without `nameif` and the physical interface of
//!   a failover link (`failover lan interface`, `failover link`) pass nothing: a failover link
//!   carries the pair's own protocol, never data traffic.

use super::ast::*;
use crate::dialect::config::{Item, ReadError, Tag, Term};
use crate::packet::space::{Cube, Family, Ivs, Space};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Object-groups may nest; deeper than this is a loop.
const MAX_DEPTH: usize = 16;

/// A configuration with its names looked up, for one question.
pub struct Resolved<'a> {
    cfg: &'a AsaConfig,
    file: &'a str,
    interfaces: BTreeMap<&'a str, &'a Interface>,
    objects: BTreeMap<&'a str, &'a NetObject>,
    net_groups: BTreeMap<&'a str, &'a NetGroup>,
    svc_groups: BTreeMap<&'a str, &'a SvcGroup>,
    acls: BTreeMap<&'a str, Vec<&'a Ace>>,
}

/// Protocol, source ports and destination ports (or ICMP type) of one match, per family.
type Svc = (Ivs, Ivs, Ivs, [bool; 2]);

fn both() -> [bool; 2] {
    [true, true]
}

fn ports_all() -> Ivs {
    Ivs::range(0, 65535)
}

fn op_ivs(op: PortOp) -> Ivs {
    let (lo, hi) = match op {
        PortOp::Eq(p) => (p, p),
        PortOp::Lt(0) => return Ivs::empty(),
        PortOp::Lt(p) => (0, p - 1),
        PortOp::Gt(p) if p == u16::MAX => return Ivs::empty(),
        PortOp::Gt(p) => (p + 1, u16::MAX),
        PortOp::Range(a, b) => (a, b),
        PortOp::Neq(p) => {
            return ports_all().subtract(&Ivs::point(u128::from(p)));
        }
    };
    Ivs::range(u128::from(lo), u128::from(hi))
}

fn fam_index(f: Family) -> usize {
    (f == Family::V6) as usize
}

impl AsaConfig {
    /// The configuration with its names looked up.
    pub fn resolve(&self) -> Resolved<'_> {
        let mut r = Resolved {
            cfg: self,
            file: &self.file.0,
            interfaces: BTreeMap::new(),
            objects: BTreeMap::new(),
            net_groups: BTreeMap::new(),
            svc_groups: BTreeMap::new(),
            acls: BTreeMap::new(),
        };
        for t in &self.items {
            match t {
                Top::Interface(i) => {
                    r.interfaces.insert(i.name.as_str(), i);
                }
                Top::Object(o) => {
                    r.objects.insert(o.name.as_str(), o);
                }
                Top::NetGroup(g) => {
                    r.net_groups.insert(g.name.as_str(), g);
                }
                Top::SvcGroup(g) => {
                    r.svc_groups.insert(g.name.as_str(), g);
                }
                Top::Ace(a) => r.acls.entry(a.acl.as_str()).or_default().push(a),
                _ => {}
            }
        }
        r
    }
}

impl<'a> Resolved<'a> {
    fn error(&self, message: String) -> ReadError {
        ReadError {
            file: self.file.to_string(),
            line: 0,
            message,
        }
    }

    fn tag(&self, what: &str) -> Tag {
        Arc::from(format!("{}: {what}", self.file))
    }

    fn interface(&self, iface: &str) -> Result<&'a Interface, ReadError> {
        self.interfaces.get(iface).copied().ok_or_else(|| {
            self.error(format!(
                "interface `{iface}` of the policy is not in the configuration"
            ))
        })
    }

    /// Every packet, dropped, with why.
    fn nothing(&self, why: &str) -> Vec<Item> {
        let tag = self.tag(why);
        vec![Item {
            space: crate::dialect::config::universe(&[Family::V4, Family::V6], &tag),
            term: Term::Drop,
            tag,
        }]
    }

    /// Why an interface passes nothing at all (`shutdown`, no `nameif`), if it does not.
    fn closed(&self, i: &Interface) -> Option<String> {
        if i.shutdown {
            Some(format!("interface {} is shut down", i.name))
        } else if self.cfg.failover_interfaces().contains(&&i.name) {
            Some(format!(
                "interface {} is a failover link: it carries no data traffic",
                i.name
            ))
        } else if i.nameif.is_none() {
            Some(format!("interface {} has no nameif", i.name))
        } else {
            None
        }
    }

    fn same_security(&self, which: SameSecurity) -> bool {
        self.cfg.items.contains(&Top::SameSecurity(which))
    }

    /// The access list bound to `nameif` in this way, refusing what the reader does not model.
    fn bound(&self, nameif: &Name, control_plane: bool) -> Result<Option<&'a Name>, ReadError> {
        let mut found = None;
        for t in &self.cfg.items {
            let Top::AccessGroup(g) = t else { continue };
            match &g.binding {
                Binding::Global => {
                    return Err(self.error(format!(
                        "`access-group {} global` is not read: verify compares interface access lists",
                        g.acl
                    )))
                }
                Binding::Interface {
                    direction: Direction::Out,
                    ..
                } => {
                    return Err(self.error(format!(
                        "`access-group {} out` is not read: the generated configuration binds inbound access lists only",
                        g.acl
                    )))
                }
                Binding::Interface {
                    direction: Direction::In,
                    nameif: n,
                    control_plane: cp,
                } if n == nameif && *cp == control_plane => found = Some(&g.acl),
                _ => {}
            }
        }
        Ok(found)
    }

    /// The packets of an address operand, per family.
    fn addr(&self, a: &Addr, depth: usize) -> Result<[Ivs; 2], ReadError> {
        let all = |f: Family| f.all_addrs();
        Ok(match a {
            Addr::Any => [all(Family::V4), all(Family::V6)],
            Addr::Any4 => [all(Family::V4), Ivs::empty()],
            Addr::Any6 => [Ivs::empty(), all(Family::V6)],
            Addr::Host(ip) => one(*ip, ip_len(*ip)),
            Addr::Net(ip, l) => one(*ip, *l),
            Addr::Object(n) => {
                let o = self
                    .objects
                    .get(n.as_str())
                    .ok_or_else(|| self.error(format!("network object `{n}` is not defined")))?;
                match o.value {
                    ObjValue::Host(ip) => one(ip, ip_len(ip)),
                    ObjValue::Subnet(ip, l) => one(ip, l),
                    ObjValue::Range(a, b) => {
                        let mut out = [Ivs::empty(), Ivs::empty()];
                        let f = Family::of(a);
                        out[fam_index(f)] = Ivs::range(
                            crate::packet::space::ip_to_u128(a),
                            crate::packet::space::ip_to_u128(b),
                        );
                        out
                    }
                }
            }
            Addr::Group(n) => {
                if depth > MAX_DEPTH {
                    return Err(self.error(format!("object-group `{n}` nests too deep (a loop?)")));
                }
                let g = self.net_groups.get(n.as_str()).ok_or_else(|| {
                    self.error(format!("network object-group `{n}` is not defined"))
                })?;
                let mut out = [Ivs::empty(), Ivs::empty()];
                for e in &g.entries {
                    let part = match e {
                        NetEntry::Host(ip) => one(*ip, ip_len(*ip)),
                        NetEntry::Net(ip, l) => one(*ip, *l),
                        NetEntry::Object(o) => self.addr(&Addr::Object(o.clone()), depth + 1)?,
                        NetEntry::Group(o) => self.addr(&Addr::Group(o.clone()), depth + 1)?,
                    };
                    out = [out[0].union(&part[0]), out[1].union(&part[1])];
                }
                out
            }
        })
    }

    /// The ports of a port operand.
    fn ports(&self, m: &PortMatch, proto: PortProto, depth: usize) -> Result<Ivs, ReadError> {
        match m {
            PortMatch::Op(op) => Ok(op_ivs(*op)),
            PortMatch::Group(n) => {
                if depth > MAX_DEPTH {
                    return Err(self.error(format!("object-group `{n}` nests too deep (a loop?)")));
                }
                let g = self.svc_groups.get(n.as_str()).ok_or_else(|| {
                    self.error(format!("service object-group `{n}` is not defined"))
                })?;
                match g.proto {
                    Some(p) if p == proto || p == PortProto::TcpUdp => {}
                    _ => {
                        return Err(self.error(format!(
                            "service object-group `{n}` is not a group of {proto} ports"
                        )))
                    }
                }
                let mut out = Ivs::empty();
                for e in &g.entries {
                    let part = match e {
                        SvcEntry::Port(op) => op_ivs(*op),
                        SvcEntry::Group(o) => {
                            self.ports(&PortMatch::Group(o.clone()), proto, depth + 1)?
                        }
                        SvcEntry::Service { .. } => {
                            return Err(self.error(format!(
                                "service object-group `{n}` mixes port and service objects"
                            )))
                        }
                    };
                    out = out.union(&part);
                }
                Ok(out)
            }
        }
    }

    /// The protocol part of a match without ports: protocol numbers and the families it
    /// applies to.
    fn proto_part(p: &Proto) -> (Ivs, [bool; 2]) {
        match p {
            Proto::Ip => (Ivs::range(0, 255), both()),
            Proto::Tcp => (Ivs::point(6), both()),
            Proto::Udp => (Ivs::point(17), both()),
            Proto::Icmp => (Ivs::point(1), [true, false]),
            Proto::Icmp6 => (Ivs::point(58), [false, true]),
            Proto::Number(n) => (Ivs::point(u128::from(*n)), both()),
            // Expanded by the caller.
            Proto::Group(_) => (Ivs::empty(), both()),
        }
    }

    /// The service parts of an entry: protocol, source ports, destination ports or ICMP type.
    fn services(&self, a: &Ace) -> Result<Vec<Svc>, ReadError> {
        if let Proto::Group(g) = &a.proto {
            return self.service_group(g, 0);
        }
        let (proto, fams) = Self::proto_part(&a.proto);
        let pp = match a.proto {
            Proto::Tcp => Some(PortProto::Tcp),
            Proto::Udp => Some(PortProto::Udp),
            _ => None,
        };
        let (sport, dport) = match pp {
            Some(pp) => (
                a.sport
                    .as_ref()
                    .map(|m| self.ports(m, pp, 0))
                    .transpose()?
                    .unwrap_or_else(ports_all),
                a.dport
                    .as_ref()
                    .map(|m| self.ports(m, pp, 0))
                    .transpose()?
                    .unwrap_or_else(ports_all),
            ),
            None => (
                ports_all(),
                a.icmp_type
                    .map(|t| Ivs::point(u128::from(t)))
                    .unwrap_or_else(ports_all),
            ),
        };
        Ok(vec![(proto, sport, dport, fams)])
    }

    fn service_group(&self, n: &Name, depth: usize) -> Result<Vec<Svc>, ReadError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("object-group `{n}` nests too deep (a loop?)")));
        }
        let g = self
            .svc_groups
            .get(n.as_str())
            .filter(|g| g.proto.is_none())
            .ok_or_else(|| {
                self.error(format!(
                    "service object-group `{n}` (of service objects) is not defined"
                ))
            })?;
        let mut out = Vec::new();
        for e in &g.entries {
            match e {
                SvcEntry::Service {
                    proto,
                    src,
                    dst,
                    icmp_type,
                } => {
                    let (p, fams) = Self::proto_part(proto);
                    let is_ports = matches!(proto, Proto::Tcp | Proto::Udp);
                    let sport = src
                        .filter(|_| is_ports)
                        .map(op_ivs)
                        .unwrap_or_else(ports_all);
                    let dport = if is_ports {
                        dst.map(op_ivs).unwrap_or_else(ports_all)
                    } else {
                        icmp_type
                            .map(|t| Ivs::point(u128::from(t)))
                            .unwrap_or_else(ports_all)
                    };
                    out.push((p, sport, dport, fams));
                }
                SvcEntry::Group(o) => out.extend(self.service_group(o, depth + 1)?),
                SvcEntry::Port(_) => {
                    return Err(self.error(format!(
                        "service object-group `{n}` mixes port and service objects"
                    )))
                }
            }
        }
        Ok(out)
    }

    /// The packets one entry matches.
    fn ace_space(&self, a: &Ace, tag: &Tag) -> Result<Space<Tag>, ReadError> {
        let src = self.addr(&a.src, 0)?;
        let dst = self.addr(&a.dst, 0)?;
        let mut out = Space::new();
        for (proto, sport, dport, fams) in self.services(a)? {
            for f in [Family::V4, Family::V6] {
                let k = fam_index(f);
                if !fams[k] {
                    continue;
                }
                out.extend(
                    Cube::with_ports(
                        f,
                        src[k].clone(),
                        dst[k].clone(),
                        proto.clone(),
                        sport.clone(),
                        dport.clone(),
                        Ivs::range(0, 1),
                    ),
                    tag.clone(),
                );
            }
        }
        Ok(out)
    }

    /// An access list's decisions, its implicit deny last.
    pub fn acl_items(&self, acl: &Name) -> Result<Vec<Item>, ReadError> {
        let entries = self.acls.get(acl.as_str()).ok_or_else(|| {
            self.error(format!(
                "access list `{acl}` is bound but has no extended entries"
            ))
        })?;
        let mut out = Vec::with_capacity(entries.len() + 1);
        for a in entries {
            let tag = self.tag(&a.to_string());
            let space = self.ace_space(a, &tag)?;
            out.push(Item {
                space,
                term: match a.action {
                    Action::Permit => Term::Accept,
                    Action::Deny => Term::Drop,
                },
                tag,
            });
        }
        let tag = self.tag(&format!("implicit deny at the end of access list {acl}"));
        out.push(Item {
            space: crate::dialect::config::universe(&[Family::V4, Family::V6], &tag),
            term: Term::Drop,
            tag,
        });
        Ok(out)
    }

    /// Filters of a packet entering by `nameif`, in the plant's view ([`super::nat`]).
    fn plant(
        &self,
        nameif: &Name,
        to_device: bool,
        lists: Vec<Vec<Item>>,
    ) -> Result<Vec<Vec<Item>>, ReadError> {
        super::nat::plant_view(self.cfg, nameif, to_device, lists)
    }

    /// The inbound access list of an open interface, refused when there is none.
    fn inbound(&self, i: &Interface, nameif: &Name) -> Result<Vec<Item>, ReadError> {
        match self.bound(nameif, false)? {
            Some(acl) => self.acl_items(acl),
            None => Err(self.error(format!(
                "interface {} (`{nameif}`) has no inbound access list: its traffic would follow security levels, which verify does not model; bind one with `access-group NAME in interface {nameif}`",
                i.name
            ))),
        }
    }

    /// What a packet entering by `iface` meets, whichever interface it leaves by.
    pub fn ingress(&self, iface: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let i = self.interface(iface)?;
        if let Some(why) = self.closed(i) {
            return Ok(vec![self.nothing(&why)]);
        }
        let nameif = i
            .nameif
            .as_ref()
            .ok_or_else(|| self.error("no nameif".into()))?;
        // Two open interfaces of one level pass nothing between them without the command: a
        // packet's fate would then depend on the egress, which this view does not know.
        if !self.same_security(SameSecurity::InterInterface) {
            let level = i.security_level.unwrap_or(0);
            if let Some(o) = self.interfaces.values().find(|o| {
                o.name != i.name
                    && self.closed(o).is_none()
                    && o.security_level.unwrap_or(0) == level
            }) {
                return Err(self.error(format!(
                    "interfaces {} and {} share security level {level} without `same-security-traffic permit inter-interface`: they pass nothing between them, which verify's comparison per ingress interface cannot show",
                    i.name, o.name
                )));
            }
        }
        self.plant(nameif, false, vec![self.inbound(i, nameif)?])
    }

    /// What a packet entering by `iif` and leaving by `oif` meets.
    pub fn pair(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let i = self.interface(iif)?;
        let o = self.interface(oif)?;
        for x in [i, o] {
            if let Some(why) = self.closed(x) {
                return Ok(vec![self.nothing(&why)]);
            }
        }
        let nameif = i
            .nameif
            .as_ref()
            .ok_or_else(|| self.error("no nameif".into()))?;
        if i.name == o.name && !self.same_security(SameSecurity::IntraInterface) {
            return Ok(vec![self.nothing(&format!(
                "no `same-security-traffic permit intra-interface`: nothing leaves by {}, the interface it entered",
                i.name
            ))]);
        }
        if i.name != o.name
            && i.security_level.unwrap_or(0) == o.security_level.unwrap_or(0)
            && !self.same_security(SameSecurity::InterInterface)
        {
            return Ok(vec![self.nothing(&format!(
                "no `same-security-traffic permit inter-interface`: {} and {} share a security level",
                i.name, o.name
            ))]);
        }
        self.plant(nameif, false, vec![self.inbound(i, nameif)?])
    }

    /// Is ICMP inspected by a policy-map applied globally?
    fn icmp_inspected(&self) -> bool {
        let global: Vec<&Name> = self
            .cfg
            .items
            .iter()
            .filter_map(|t| match t {
                Top::GlobalPolicy(n) => Some(n),
                _ => None,
            })
            .collect();
        self.cfg.items.iter().any(|t| match t {
            Top::PolicyMap(p) if global.contains(&&p.name) => p
                .classes
                .iter()
                .any(|(_, v)| v.iter().any(|i| i.as_str() == "icmp")),
            _ => false,
        })
    }

    /// What a packet in the reply direction of an admitted connection meets, entering by `iif`.
    pub fn replies(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let i = self.interface(iif)?;
        let o = self.interface(oif)?;
        for x in [i, o] {
            if let Some(why) = self.closed(x) {
                return Ok(vec![self.nothing(&why)]);
            }
        }
        if self.icmp_inspected() {
            return Ok(Vec::new());
        }
        // Without ICMP inspection an ICMP reply is a packet of no connection.
        let nameif = i
            .nameif
            .as_ref()
            .ok_or_else(|| self.error("no nameif".into()))?;
        let tag =
            self.tag("reply of an admitted connection (TCP, UDP and other protocols keep state)");
        let mut stateful = Space::new();
        for f in [Family::V4, Family::V6] {
            for c in Cube::universe(f) {
                if !c.proto.contains(1) && !c.proto.contains(58) {
                    stateful.push(c, tag.clone());
                }
            }
        }
        let mut items = vec![Item {
            space: stateful,
            term: Term::Accept,
            tag,
        }];
        items.extend(self.inbound(i, nameif)?);
        self.plant(nameif, false, vec![items])
    }

    /// What a reply of the device's own connections meets on `iface`: nothing on an open
    /// interface (it passes by state).
    pub fn own_replies(&self, iface: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let i = self.interface(iface)?;
        match self.closed(i) {
            Some(why) => Ok(vec![self.nothing(&why)]),
            None => Ok(Vec::new()),
        }
    }

    /// What a packet addressed to the device meets, entering by `iface`: the management
    /// commands' accepts first in each of two filters, then the `icmp` rules in one and the
    /// control-plane access list in the other.
    pub fn to_device(&self, iface: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let i = self.interface(iface)?;
        if let Some(why) = self.closed(i) {
            return Ok(vec![self.nothing(&why)]);
        }
        let nameif = i
            .nameif
            .as_ref()
            .ok_or_else(|| self.error("no nameif".into()))?;
        let mgmt = self.management(i, nameif);
        let mut icmp = mgmt.clone();
        icmp.extend(self.icmp_rules(nameif));
        let mut cp = mgmt;
        match self.bound(nameif, true)? {
            Some(acl) => cp.extend(self.acl_items(acl)?),
            None => {
                return Err(self.error(format!(
                    "interface {} (`{nameif}`) has no control-plane access list: traffic to the device would reach whatever service listens, which verify does not model; bind one with `access-group NAME in interface {nameif} control-plane`",
                    i.name
                )))
            }
        }
        // The control-plane list first: a difference names its line.
        self.plant(nameif, true, vec![cp, icmp])
    }

    /// `ssh`, `telnet` and `http` for this interface: their service from their sources to the
    /// interface's own addresses.
    fn management(&self, i: &Interface, nameif: &Name) -> Vec<Item> {
        let http_port = self.cfg.items.iter().find_map(|t| match t {
            Top::HttpServer(p) => Some(p.unwrap_or(443)),
            _ => None,
        });
        let mut own = [Ivs::empty(), Ivs::empty()];
        for a in &i.addresses {
            for ip in std::iter::once(a.addr).chain(a.standby) {
                let k = fam_index(Family::of(ip));
                let x = crate::packet::space::ip_to_u128(ip);
                own[k] = own[k].union(&Ivs::point(x));
            }
        }
        let mut out = Vec::new();
        for t in &self.cfg.items {
            let Top::Management(m) = t else { continue };
            if &m.nameif != nameif {
                continue;
            }
            let port = match m.service {
                MgmtService::Ssh => 22,
                MgmtService::Telnet => 23,
                MgmtService::Http => match http_port {
                    Some(p) => p,
                    None => continue,
                },
            };
            let f = Family::of(m.addr);
            let k = fam_index(f);
            let src = one(m.addr, m.len)[k].clone();
            let tag = self.tag(&format!(
                "{} {}/{} {} (management access)",
                m.service.keyword(),
                m.addr,
                m.len,
                m.nameif
            ));
            let mut space = Space::new();
            space.extend(
                Cube::new(
                    f,
                    src,
                    own[k].clone(),
                    Ivs::point(6),
                    Ivs::point(u128::from(port)),
                ),
                tag.clone(),
            );
            out.push(Item {
                space,
                term: Term::Accept,
                tag,
            });
        }
        out
    }

    /// The `icmp` and `ipv6 icmp` rules of an interface: first match decides ICMP of their
    /// family; with none, ICMP of that family passes; everything else passes.
    fn icmp_rules(&self, nameif: &Name) -> Vec<Item> {
        let mut out = Vec::new();
        let mut has = [false, false];
        for t in &self.cfg.items {
            let Top::IcmpRule(r) = t else { continue };
            if &r.nameif != nameif {
                continue;
            }
            let (f, proto) = if r.v6 {
                (Family::V6, 58)
            } else {
                (Family::V4, 1)
            };
            let k = fam_index(f);
            has[k] = true;
            let src = match self.addr(&r.src, 0) {
                Ok(s) => s[k].clone(),
                Err(_) => Ivs::empty(),
            };
            let ty = r
                .icmp_type
                .map(|t| Ivs::point(u128::from(t)))
                .unwrap_or_else(ports_all);
            let tag = self.tag(&format!(
                "{}icmp {} {} {}",
                if r.v6 { "ipv6 " } else { "" },
                r.action,
                r.src,
                r.nameif
            ));
            let mut space = Space::new();
            space.extend(
                Cube::new(f, src, f.all_addrs(), Ivs::point(proto), ty),
                tag.clone(),
            );
            out.push(Item {
                space,
                term: match r.action {
                    Action::Permit => Term::Accept,
                    Action::Deny => Term::Drop,
                },
                tag,
            });
        }
        for (k, f) in [Family::V4, Family::V6].into_iter().enumerate() {
            if has[k] {
                let proto = if k == 0 { 1 } else { 58 };
                let tag = self.tag(&format!(
                    "implicit deny at the end of the {}icmp rules of {nameif}",
                    if k == 1 { "ipv6 " } else { "" }
                ));
                let mut space = Space::new();
                space.extend(
                    Cube::new(
                        f,
                        f.all_addrs(),
                        f.all_addrs(),
                        Ivs::point(proto),
                        ports_all(),
                    ),
                    tag.clone(),
                );
                out.push(Item {
                    space,
                    term: Term::Drop,
                    tag,
                });
            }
        }
        let tag = self.tag("not ICMP: the icmp rules do not apply");
        out.push(Item {
            space: crate::dialect::config::universe(&[Family::V4, Family::V6], &tag),
            term: Term::Accept,
            tag,
        });
        out
    }
}

fn ip_len(ip: IpAddr) -> u8 {
    if ip.is_ipv4() {
        32
    } else {
        128
    }
}

/// One prefix as addresses per family.
fn one(ip: IpAddr, len: u8) -> [Ivs; 2] {
    let f = Family::of(ip);
    let bits = u32::from(ip_len(ip));
    let x = crate::packet::space::ip_to_u128(network(ip, len));
    let host = if u32::from(len) >= bits {
        0
    } else if bits - u32::from(len) == 128 {
        u128::MAX
    } else {
        (1u128 << (bits - u32::from(len))) - 1
    };
    let mut out = [Ivs::empty(), Ivs::empty()];
    out[fam_index(f)] = Ivs::range(x, x | host);
    out
}
