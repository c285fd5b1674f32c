//! What a [`FortiConfig`] accepts, as FortiOS decides it (FortiOS 6.4 to 7.x, NAT mode, one
//! VDOM, flow-based, no security profiles):
//!
//! - **Through the device.** The first packet of a session meets the firewall policies in the
//!   order of the list (not of their ids): the first enabled policy whose `srcintf` holds the
//!   ingress interface (or `any`), whose `dstintf` holds the egress (or `any`), whose addresses
//!   hold the packet's (`srcaddr`/`dstaddr` for IPv4, `srcaddr6`/`dstaddr6` for IPv6; a family
//!   with no address on either side is not matched) and whose services hold its protocol and
//!   ports decides, `accept` or `deny`. No match: the implicit deny (policy 0). Replies of an
//!   accepted session pass by state, ICMP included.
//! - **To the device.** A packet addressed to the device, entering by an interface, meets the
//!   local-in policies (`local-in-policy` for IPv4, `local-in-policy6` for IPv6) whose `intf` is
//!   that interface or `any`, first match; with none matching, the interface's `allowaccess`
//!   (`ip6-allowaccess`) opens its services on the interface's own address, from anywhere;
//!   anything else is dropped. (That a local-in `accept` reaches only a service the device runs
//!   is not modelled: the proof counts it admitted.) What the device originates meets no policy.
//! - **`set status down`** (island mode) on an interface: it passes nothing, in or out.
//!
//! Names resolve in their own tables (`srcaddr` in `address` and `addrgrp`, `srcaddr6` in
//! `address6` and `addrgrp6`, `service` in `service custom` and `service group`); FortiOS's
//! predefined `all` and `ALL` stand for every address and every protocol where the
//! configuration does not define them, and `none` for no address. An undefined name, an address
//! of a type the reader does not model (`fqdn`, `geography`, ...) and a schedule other than
//! `always` are refused.

use super::ast::*;
use crate::dialect::config::{Item, ReadError, Tag, Term};
use crate::packet::space::{ip_to_u128, Cube, Family, Ivs, Space};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Groups may nest; deeper than this is a loop.
const MAX_DEPTH: usize = 16;

/// Protocols, source ports, destination ports (or ICMP types), and the families they apply to.
type Svc = (Ivs, Ivs, Ivs, [bool; 2]);

fn ports_all() -> Ivs {
    Ivs::range(0, 65535)
}

fn fam_index(f: Family) -> usize {
    (f == Family::V6) as usize
}

/// A configuration with its names looked up, for one question.
pub struct Resolved<'a> {
    cfg: &'a FortiConfig,
    file: &'a str,
    interfaces: BTreeMap<&'a str, &'a Interface>,
    /// Per family: addresses and address groups.
    addresses: [BTreeMap<&'a str, &'a Address>; 2],
    groups: [BTreeMap<&'a str, &'a Group>; 2],
    services: BTreeMap<&'a str, &'a Service>,
    service_groups: BTreeMap<&'a str, &'a Group>,
    vips: BTreeMap<&'a str, &'a Vip>,
}

fn by_name(v: &[Address]) -> BTreeMap<&str, &Address> {
    v.iter().map(|a| (a.name.as_str(), a)).collect()
}

impl FortiConfig {
    /// The configuration with its names looked up.
    pub fn resolve(&self) -> Resolved<'_> {
        Resolved {
            cfg: self,
            file: &self.file.0,
            interfaces: self
                .interfaces
                .iter()
                .map(|i| (i.name.as_str(), i))
                .collect(),
            addresses: [by_name(&self.addresses), by_name(&self.addresses6)],
            groups: [
                self.addrgrps.iter().map(|g| (g.name.as_str(), g)).collect(),
                self.addrgrps6
                    .iter()
                    .map(|g| (g.name.as_str(), g))
                    .collect(),
            ],
            services: self.services.iter().map(|s| (s.name.as_str(), s)).collect(),
            service_groups: self
                .service_groups
                .iter()
                .map(|g| (g.name.as_str(), g))
                .collect(),
            vips: self.vips.iter().map(|v| (v.name.as_str(), v)).collect(),
        }
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
                "interface `{iface}` of the policy is not in the configuration (`config system interface`)"
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

    fn down(&self, i: &Interface) -> Option<String> {
        i.down
            .then(|| format!("interface {} is down (status down)", i.name))
    }

    /// The addresses one name of family `f` stands for.
    fn addr(&self, n: &Name, f: Family, depth: usize) -> Result<Ivs, ReadError> {
        let k = fam_index(f);
        if depth > MAX_DEPTH {
            return Err(self.error(format!("address group `{n}` nests too deep (a loop?)")));
        }
        if let Some(a) = self.addresses[k].get(n.as_str()) {
            return match &a.value {
                AddrValue::Subnet(ip, len) => Ok(prefix(*ip, *len)),
                AddrValue::Range(lo, hi) => Ok(Ivs::range(ip_to_u128(*lo), ip_to_u128(*hi))),
                AddrValue::Other(t) => Err(self.error(format!(
                    "address `{n}` is of type `{t}`, which verify does not model"
                ))),
            };
        }
        if let (Some(v), Family::V4) = (self.vips.get(n.as_str()), f) {
            // Matched at its external addresses, the plant's view of the translated hosts.
            if v.extintf.as_str() != "any" {
                return Err(self.error(format!(
                    "virtual IP `{n}` is bound to interface `{}`: fenceline reads virtual IPs of `extintf any`",
                    v.extintf
                )));
            }
            let r = |(a, b): (std::net::Ipv4Addr, std::net::Ipv4Addr)| {
                Ivs::range(u128::from(u32::from(a)), u128::from(u32::from(b)))
            };
            return Ok(r(v.extip));
        }
        if let Some(g) = self.groups[k].get(n.as_str()) {
            let mut out = Ivs::empty();
            for m in &g.members {
                out = out.union(&self.addr(m, f, depth + 1)?);
            }
            return Ok(out);
        }
        match n.as_str() {
            "all" => Ok(f.all_addrs()),
            "none" => Ok(Ivs::empty()),
            _ => Err(self.error(format!(
                "{} address `{n}` is not defined (`config firewall {}` or `{}`); a virtual IP is not read",
                if k == 0 { "IPv4" } else { "IPv6" },
                if k == 0 { "address" } else { "address6" },
                if k == 0 { "addrgrp" } else { "addrgrp6" },
            ))),
        }
    }

    fn addrs(&self, v: &[Name], f: Family) -> Result<Ivs, ReadError> {
        let mut out = Ivs::empty();
        for n in v {
            out = out.union(&self.addr(n, f, 0)?);
        }
        Ok(out)
    }

    /// The service parts one name stands for.
    fn service(&self, n: &Name, depth: usize) -> Result<Vec<Svc>, ReadError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("service group `{n}` nests too deep (a loop?)")));
        }
        if let Some(s) = self.services.get(n.as_str()) {
            if let SvcProto::Icmp {
                icmpcode: Some(c), ..
            } = s.proto
            {
                return Err(self.error(format!(
                    "service `{n}` matches ICMP code {c} only, which verify does not model"
                )));
            }
            return Ok(svc_parts(&s.proto));
        }
        if let Some(g) = self.service_groups.get(n.as_str()) {
            let mut out = Vec::new();
            for m in &g.members {
                out.extend(self.service(m, depth + 1)?);
            }
            return Ok(out);
        }
        if n.as_str() == "ALL" {
            return Ok(svc_parts(&SvcProto::Ip(0)));
        }
        Err(self.error(format!(
            "service `{n}` is not defined (`config firewall service custom` or `service group`)"
        )))
    }

    /// The packets a match of (addresses per family, services) holds.
    fn space(
        &self,
        src: [&[Name]; 2],
        dst: [&[Name]; 2],
        service: &[Name],
        tag: &Tag,
    ) -> Result<Space<Tag>, ReadError> {
        let mut svcs = Vec::new();
        for n in service {
            svcs.extend(self.service(n, 0)?);
        }
        let mut out = Space::new();
        for f in [Family::V4, Family::V6] {
            let k = fam_index(f);
            if src[k].is_empty() || dst[k].is_empty() {
                continue;
            }
            let s = self.addrs(src[k], f)?;
            let d = self.addrs(dst[k], f)?;
            for (proto, sport, dport, fams) in &svcs {
                if !fams[k] {
                    continue;
                }
                out.extend(
                    Cube::with_ports(
                        f,
                        s.clone(),
                        d.clone(),
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

    fn schedule(&self, s: &Name) -> Result<(), ReadError> {
        if s.as_str() == "always" {
            Ok(())
        } else {
            Err(self.error(format!(
                "schedule `{s}` is not read: only `always` is modelled"
            )))
        }
    }

    fn term(a: Action) -> Term {
        match a {
            Action::Accept => Term::Accept,
            Action::Deny => Term::Drop,
        }
    }

    /// The firewall policies a packet entering by `iif` and leaving by `oif` meets, in order,
    /// the implicit deny last.
    pub fn pair(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let i = self.interface(iif)?;
        let o = self.interface(oif)?;
        for x in [i, o] {
            if let Some(why) = self.down(x) {
                return Ok(vec![self.nothing(&why)]);
            }
        }
        let has = |v: &[Name], n: &str| v.iter().any(|x| x.as_str() == n || x.as_str() == "any");
        let mut out = Vec::new();
        for p in &self.cfg.policies {
            if p.disabled || !has(&p.srcintf, iif) || !has(&p.dstintf, oif) {
                continue;
            }
            self.schedule(&p.schedule)?;
            let tag = self.tag(&format!(
                "policy {} ({} {} -> {})",
                p.id,
                p.action,
                p.srcintf
                    .iter()
                    .map(Name::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
                p.dstintf
                    .iter()
                    .map(Name::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            ));
            let space = self.space(
                [&p.srcaddr, &p.srcaddr6],
                [&p.dstaddr, &p.dstaddr6],
                &p.service,
                &tag,
            )?;
            out.push(Item {
                space: self.source_nat(p, space)?,
                term: Self::term(p.action),
                tag,
            });
        }
        let tag = self.tag("implicit deny (policy 0)");
        out.push(Item {
            space: crate::dialect::config::universe(&[Family::V4, Family::V6], &tag),
            term: Term::Drop,
            tag,
        });
        Ok(vec![out])
    }

    /// A policy's space with its sources in the plant's view: a source a virtual IP maps
    /// (`nat enable` on the policy, or `nat-source-vip` on the VIP) leaves as its external
    /// address. Other source translation (to the interface address, an IP pool) is refused:
    /// it is not 1:1.
    fn source_nat(&self, p: &Policy, space: Space<Tag>) -> Result<Space<Tag>, ReadError> {
        use crate::dialect::nat::{PairNat, Shift};
        let v4 = |(a, b): (std::net::Ipv4Addr, std::net::Ipv4Addr)| {
            (
                Family::V4,
                u128::from(u32::from(a)),
                u128::from(u32::from(b)),
            )
        };
        let shifts: Vec<Shift> = self
            .cfg
            .vips
            .iter()
            .filter(|v| p.nat || v.nat_source_vip)
            .filter_map(|v| Shift::of(v4(v.mappedip), v4(v.extip)))
            .collect();
        if p.nat {
            let mapped = shifts.iter().fold(Ivs::empty(), |acc, s| {
                acc.union(&Ivs::range(s.from.0, s.from.1))
            });
            let outside = space.cubes.iter().any(|(c, _)| match c.family {
                Family::V4 => !c.src.subtract(&mapped).is_empty(),
                Family::V6 => !c.src.is_empty(),
            });
            if outside {
                return Err(self.error(format!(
                    "policy {} translates sources no virtual IP maps (`set nat enable`): they would leave as the interface's address, which verify does not model",
                    p.id
                )));
            }
        }
        if shifts.is_empty() {
            return Ok(space);
        }
        let all = [Family::V4.all_addrs(), Family::V6.all_addrs()];
        let pn = PairNat {
            src: vec![(all, PairNat::snat_shifts(&shifts))],
            dnat: Vec::new(),
        };
        Ok(pn.pull(space, false))
    }

    /// What a reply of an accepted session meets: nothing between open interfaces.
    pub fn replies(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        for x in [self.interface(iif)?, self.interface(oif)?] {
            if let Some(why) = self.down(x) {
                return Ok(vec![self.nothing(&why)]);
            }
        }
        Ok(Vec::new())
    }

    /// What a reply of the device's own sessions meets on `iface`.
    pub fn own_replies(&self, iface: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let i = self.interface(iface)?;
        match self.down(i) {
            Some(why) => Ok(vec![self.nothing(&why)]),
            None => Ok(Vec::new()),
        }
    }

    /// What a packet addressed to the device meets, entering by `iface`: its local-in policies
    /// (IPv4 and IPv6), then its `allowaccess`, then the drop.
    pub fn to_device(&self, iface: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let i = self.interface(iface)?;
        if let Some(why) = self.down(i) {
            return Ok(vec![self.nothing(&why)]);
        }
        let mut out = Vec::new();
        for (k, list) in [&self.cfg.local_in, &self.cfg.local_in6]
            .into_iter()
            .enumerate()
        {
            for p in list {
                let on = p
                    .intf
                    .iter()
                    .any(|x| x.as_str() == iface || x.as_str() == "any");
                if p.disabled || !on {
                    continue;
                }
                self.schedule(&p.schedule)?;
                let tag = self.tag(&format!(
                    "local-in-policy{} {} ({} on {})",
                    if k == 1 { "6" } else { "" },
                    p.id,
                    p.action,
                    iface
                ));
                let none: &[Name] = &[];
                let (src, dst) = if k == 0 {
                    ([p.srcaddr.as_slice(), none], [p.dstaddr.as_slice(), none])
                } else {
                    ([none, p.srcaddr.as_slice()], [none, p.dstaddr.as_slice()])
                };
                let space = self.space(src, dst, &p.service, &tag)?;
                out.push(Item {
                    space,
                    term: Self::term(p.action),
                    tag,
                });
            }
        }
        out.extend(self.allowaccess(i));
        let tag = self.tag(&format!("nothing else reaches the device on {iface}"));
        out.push(Item {
            space: crate::dialect::config::universe(&[Family::V4, Family::V6], &tag),
            term: Term::Drop,
            tag,
        });
        Ok(vec![out])
    }

    /// `allowaccess` and `ip6-allowaccess`: their services, from anywhere, to the interface's
    /// own address.
    fn allowaccess(&self, i: &Interface) -> Vec<Item> {
        let mut out = Vec::new();
        let fams: [(Family, Option<IpAddr>, &[Access]); 2] = [
            (Family::V4, i.ip.map(|(a, _)| IpAddr::V4(a)), &i.allowaccess),
            (
                Family::V6,
                i.ip6.map(|(a, _)| IpAddr::V6(a)),
                &i.allowaccess6,
            ),
        ];
        for (f, own, list) in fams {
            let Some(own) = own else { continue };
            for a in list {
                let Some(&(kw, _, proto, port)) = ACCESS.iter().find(|e| e.1 == *a) else {
                    continue;
                };
                let (proto, port) = match (proto, f) {
                    (1, Family::V6) => (58u8, 128u16),
                    (p, _) => (p, port),
                };
                let tag = self.tag(&format!(
                    "{}allowaccess {kw} on {}",
                    if f == Family::V6 { "ip6-" } else { "" },
                    i.name
                ));
                let mut space = Space::new();
                space.extend(
                    Cube::new(
                        f,
                        f.all_addrs(),
                        Ivs::point(ip_to_u128(own)),
                        Ivs::point(u128::from(proto)),
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
        }
        out
    }
}

/// The protocols and ports of a custom service.
fn svc_parts(p: &SvcProto) -> Vec<Svc> {
    let both = [true, true];
    match p {
        SvcProto::Ports { tcp, udp, sctp } => {
            let mut out = Vec::new();
            for (proto, specs) in [(6u128, tcp), (17, udp), (132, sctp)] {
                for s in specs {
                    let src = s
                        .src
                        .map(|(a, b)| Ivs::range(u128::from(a), u128::from(b)))
                        .unwrap_or_else(ports_all);
                    out.push((
                        Ivs::point(proto),
                        src,
                        Ivs::range(u128::from(s.dst.0), u128::from(s.dst.1)),
                        both,
                    ));
                }
            }
            out
        }
        SvcProto::Icmp { v6, icmptype, .. } => {
            // A service with `icmpcode` is refused before this (verify's packets have no code).
            let ty = icmptype
                .map(|t| Ivs::point(u128::from(t)))
                .unwrap_or_else(ports_all);
            let (proto, fams) = if *v6 {
                (58, [false, true])
            } else {
                (1, [true, false])
            };
            vec![(Ivs::point(proto), ports_all(), ty, fams)]
        }
        SvcProto::Ip(0) => vec![(Ivs::range(0, 255), ports_all(), ports_all(), both)],
        SvcProto::Ip(n) => vec![(Ivs::point(u128::from(*n)), ports_all(), ports_all(), both)],
    }
}

/// One prefix as an interval.
fn prefix(ip: IpAddr, len: u8) -> Ivs {
    let bits: u32 = if ip.is_ipv4() { 32 } else { 128 };
    let len = u32::from(len).min(bits);
    let x = ip_to_u128(ip);
    let host = if len >= bits {
        0
    } else if bits - len == 128 {
        u128::MAX
    } else {
        (1u128 << (bits - len)) - 1
    };
    Ivs::range(x & !host, x | host)
}
