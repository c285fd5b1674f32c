//! What a [`PanosConfig`] accepts, as PAN-OS decides it (one virtual system, layer-3 zones):
//!
//! - **Through the firewall.** A session's first packet entering an interface of zone `A` and
//!   routed out by an interface of zone `B` meets the security rules in rulebase order: the
//!   first enabled rule whose `from` holds `A` (or is `any`), whose `to` holds `B`, whose
//!   `rule-type` admits the pair (`intrazone`: `A == B`; `interzone`: `A != B`), whose source,
//!   destination, application and service match, decides (`allow`, or `deny`, `drop`,
//!   `reset-*`: dropped). No rule matching, the predefined defaults decide: `intrazone-default`
//!   allows, `interzone-default` denies. Replies of an allowed session pass by state. A packet
//!   addressed to one of the firewall's own interface addresses is not forwarded.
//! - **Services and applications.** `service` is `any` or TCP and UDP service objects and
//!   groups (`service-http`, `service-https` predefined); `application` is `any` or the ICMP
//!   applications `ping` (echo request, both families), `icmp` and `ipv6-icmp` (every type):
//!   a rule matches what both admit, and custom applications identified by an ICMP type
//!   (`default ident-by-icmp-type type N`, as Aerleon writes them). `application-default` is
//!   read beside ICMP applications only (their default is their type); elsewhere, and other
//!   applications, depend on App-ID and are refused.
//! - **To the firewall.** A packet addressed to the own address of interface `J` (zone `B`),
//!   entering by an interface of zone `A`, is decided by the security rules as for `A -> B`
//!   (the defaults included) and must also be a service that `J`'s interface management profile
//!   enables, from one of its `permitted-ip` (none listed: any source); without a profile `J`
//!   answers nothing. IPv6 neighbour discovery (ICMPv6 135, 136) is answered on every open
//!   interface whatever the rules say. What the firewall originates meets no security rule.
//! - **`link-state down`** (island mode), an interface in no zone and an HA interface (`ha`:
//!   the pair's HA1 or HA2 link) pass nothing.

use super::ast::*;
use crate::dialect::config::{Item, ReadError, Tag, Term};
use crate::packet::space::{ip_to_u128, Cube, Family, Ivs, Space};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Groups may nest; deeper than this is a loop.
const MAX_DEPTH: usize = 16;

/// Protocols, source ports, destination ports (or ICMP types), and the families, of one match.
type Svc = (Ivs, Ivs, Ivs, [bool; 2]);

fn all_ports() -> Ivs {
    Ivs::range(0, 65535)
}

fn fam_index(f: Family) -> usize {
    (f == Family::V6) as usize
}

fn one(ip: IpAddr, len: u8) -> [Ivs; 2] {
    let f = Family::of(ip);
    let bits: u32 = if ip.is_ipv4() { 32 } else { 128 };
    let x = ip_to_u128(network(ip, len));
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

fn ranges_ivs(rs: &[(u16, u16)]) -> Ivs {
    if rs.is_empty() {
        return all_ports();
    }
    Ivs::from_intervals(rs.iter().map(|(a, b)| (u128::from(*a), u128::from(*b))))
}

/// A management service as (protocol, port or ICMP type, family index).
fn mgmt_parts(s: MgmtService) -> Vec<(u8, u16, usize)> {
    match s {
        MgmtService::Ping => vec![(1, 8, 0), (58, 128, 1)],
        MgmtService::Ssh => vec![(6, 22, 0), (6, 22, 1)],
        MgmtService::Telnet => vec![(6, 23, 0), (6, 23, 1)],
        MgmtService::Http => vec![(6, 80, 0), (6, 80, 1)],
        MgmtService::Https => vec![(6, 443, 0), (6, 443, 1)],
        MgmtService::Snmp => vec![(17, 161, 0), (17, 161, 1)],
    }
}

/// A configuration with its names looked up, for one question.
pub struct Resolved<'a> {
    cfg: &'a PanosConfig,
    file: &'a str,
    interfaces: BTreeMap<&'a str, &'a Interface>,
    zone_of: BTreeMap<&'a str, &'a Name>,
    addresses: BTreeMap<&'a str, &'a Address>,
    groups: BTreeMap<&'a str, &'a AddressGroup>,
    services: BTreeMap<&'a str, &'a Service>,
    service_groups: BTreeMap<&'a str, &'a ServiceGroup>,
    profiles: BTreeMap<&'a str, &'a MgmtProfile>,
    applications: BTreeMap<&'a str, &'a Application>,
}

impl PanosConfig {
    pub fn resolve(&self) -> Resolved<'_> {
        let mut r = Resolved {
            cfg: self,
            file: &self.file.0,
            interfaces: self
                .interfaces
                .iter()
                .map(|i| (i.name.as_str(), i))
                .collect(),
            zone_of: BTreeMap::new(),
            addresses: self
                .addresses
                .iter()
                .map(|a| (a.name.as_str(), a))
                .collect(),
            groups: self
                .address_groups
                .iter()
                .map(|g| (g.name.as_str(), g))
                .collect(),
            services: self.services.iter().map(|s| (s.name.as_str(), s)).collect(),
            service_groups: self
                .service_groups
                .iter()
                .map(|g| (g.name.as_str(), g))
                .collect(),
            profiles: self.profiles.iter().map(|p| (p.name.as_str(), p)).collect(),
            applications: self
                .applications
                .iter()
                .map(|a| (a.name.as_str(), a))
                .collect(),
        };
        for z in &self.zones {
            for i in &z.interfaces {
                r.zone_of.entry(i.as_str()).or_insert(&z.name);
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

    fn nothing(&self, why: &str) -> Vec<Item> {
        let tag = self.tag(why);
        vec![Item {
            space: crate::dialect::config::universe(&[Family::V4, Family::V6], &tag),
            term: Term::Drop,
            tag,
        }]
    }

    fn interface(&self, iface: &str) -> Result<&'a Interface, ReadError> {
        self.interfaces.get(iface).copied().ok_or_else(|| {
            self.error(format!(
                "interface `{iface}` of the policy is not in the configuration"
            ))
        })
    }

    /// The zone of an open interface, or why it passes nothing.
    fn open_zone(&self, i: &Interface) -> Result<&'a Name, String> {
        if i.link_down {
            return Err(format!("interface {} is down (link-state down)", i.name));
        }
        if i.ha {
            return Err(format!(
                "interface {} is an HA interface: it carries no data traffic",
                i.name
            ));
        }
        self.zone_of
            .get(i.name.as_str())
            .copied()
            .ok_or_else(|| format!("interface {} is in no zone", i.name))
    }

    /// The firewall's own addresses on an interface, per family.
    fn own(&self, i: &Interface) -> [Ivs; 2] {
        let mut out = [Ivs::empty(), Ivs::empty()];
        for (a, _) in &i.ips {
            let k = fam_index(Family::of(*a));
            out[k] = out[k].union(&Ivs::point(ip_to_u128(*a)));
        }
        out
    }

    fn own_all(&self) -> [Ivs; 2] {
        let mut out = [Ivs::empty(), Ivs::empty()];
        for i in &self.cfg.interfaces {
            let o = self.own(i);
            out = [out[0].union(&o[0]), out[1].union(&o[1])];
        }
        out
    }

    /// The addresses of a rule's source or destination member.
    fn member(&self, m: &Name, depth: usize) -> Result<[Ivs; 2], ReadError> {
        if m.is_any() {
            return Ok([Family::V4.all_addrs(), Family::V6.all_addrs()]);
        }
        if depth > MAX_DEPTH {
            return Err(self.error(format!("address group `{m}` nests too deep (a loop?)")));
        }
        if let Some(a) = self.addresses.get(m.as_str()) {
            return match &a.value {
                Some(AddrValue::Netmask(ip, l)) => Ok(one(*ip, *l)),
                Some(AddrValue::Range(x, y)) => {
                    let mut out = [Ivs::empty(), Ivs::empty()];
                    out[fam_index(Family::of(*x))] = Ivs::range(ip_to_u128(*x), ip_to_u128(*y));
                    Ok(out)
                }
                None => Err(self.error(format!("address `{m}` has no value"))),
            };
        }
        if let Some(g) = self.groups.get(m.as_str()) {
            let mut out = [Ivs::empty(), Ivs::empty()];
            for x in &g.members {
                let p = self.member(x, depth + 1)?;
                out = [out[0].union(&p[0]), out[1].union(&p[1])];
            }
            return Ok(out);
        }
        // A rule may name an address or a range in place of an object.
        if let Some((ip, l)) = super::parse::prefix(m.as_str()) {
            return Ok(one(ip, l));
        }
        if let Some((x, y)) = super::parse::range(m.as_str()) {
            let mut out = [Ivs::empty(), Ivs::empty()];
            out[fam_index(Family::of(x))] = Ivs::range(ip_to_u128(x), ip_to_u128(y));
            return Ok(out);
        }
        Err(self.error(format!("address `{m}` is not defined")))
    }

    fn members(&self, ms: &[Name], negate: bool) -> Result<[Ivs; 2], ReadError> {
        let mut out = [Ivs::empty(), Ivs::empty()];
        for m in ms {
            let p = self.member(m, 0)?;
            out = [out[0].union(&p[0]), out[1].union(&p[1])];
        }
        if negate {
            out = [
                Family::V4.all_addrs().subtract(&out[0]),
                Family::V6.all_addrs().subtract(&out[1]),
            ];
        }
        Ok(out)
    }

    fn service(&self, m: &Name, depth: usize) -> Result<Vec<Svc>, ReadError> {
        if m.is_any() {
            return Ok(vec![(
                Ivs::range(0, 255),
                all_ports(),
                all_ports(),
                [true, true],
            )]);
        }
        if m.as_str() == "application-default" {
            return Err(self.error(
                "service `application-default` depends on App-ID's ports for each application, which verify does not model; name the service ports".into(),
            ));
        }
        if depth > MAX_DEPTH {
            return Err(self.error(format!("service group `{m}` nests too deep (a loop?)")));
        }
        if let Some(s) = self.services.get(m.as_str()) {
            let p = s
                .proto
                .ok_or_else(|| self.error(format!("service `{m}` has no protocol")))?;
            if s.ports.is_empty() {
                return Err(self.error(format!("service `{m}` has no destination port")));
            }
            let sport = if s.source_ports.is_empty() {
                all_ports()
            } else {
                ranges_ivs(&s.source_ports)
            };
            return Ok(vec![(
                Ivs::point(u128::from(p.number())),
                sport,
                ranges_ivs(&s.ports),
                [true, true],
            )]);
        }
        if let Some(g) = self.service_groups.get(m.as_str()) {
            let mut out = Vec::new();
            for x in &g.members {
                out.extend(self.service(x, depth + 1)?);
            }
            return Ok(out);
        }
        if let Some((p, rs)) = predefined_service(m.as_str()) {
            return Ok(vec![(
                Ivs::point(u128::from(p.number())),
                all_ports(),
                ranges_ivs(rs),
                [true, true],
            )]);
        }
        Err(self.error(format!("service `{m}` is not defined")))
    }

    /// What an application admits: `None` for `any`.
    fn applications(&self, apps: &[Name]) -> Result<Option<Vec<Svc>>, ReadError> {
        if apps.is_empty() || apps.iter().any(Name::is_any) {
            return Ok(None);
        }
        let mut out = Vec::new();
        for a in apps {
            match a.as_str() {
                "ping" => {
                    out.push((Ivs::point(1), all_ports(), Ivs::point(8), [true, false]));
                    out.push((Ivs::point(58), all_ports(), Ivs::point(128), [false, true]));
                }
                "icmp" => out.push((Ivs::point(1), all_ports(), all_ports(), [true, false])),
                "ipv6-icmp" => out.push((Ivs::point(58), all_ports(), all_ports(), [false, true])),
                custom if self.icmp_app(custom).is_some() => {
                    if let Some((v6, t)) = self.icmp_app(custom) {
                        let (p, fams) = if v6 { (58, [false, true]) } else { (1, [true, false]) };
                        out.push((Ivs::point(p), all_ports(), Ivs::point(u128::from(t)), fams));
                    }
                }
                _ => {
                    return Err(self.error(format!(
                        "application `{a}` is identified by App-ID, which verify does not model; the reader reads `any`, `ping`, `icmp` and `ipv6-icmp`"
                    )))
                }
            }
        }
        Ok(Some(out))
    }

    /// The ICMP type a custom application is identified by.
    fn icmp_app(&self, name: &str) -> Option<(bool, u8)> {
        self.applications.get(name).and_then(|a| a.icmp_type)
    }

    /// Do all of these applications identify ICMP only (so `application-default`, their
    /// default, adds no port)?
    fn icmp_only(&self, apps: &[Name]) -> bool {
        !apps.is_empty()
            && apps.iter().all(|a| {
                matches!(a.as_str(), "ping" | "icmp" | "ipv6-icmp")
                    || self.icmp_app(a.as_str()).is_some()
            })
    }

    /// The packets a rule matches (zones aside), destinations cut to `dst_within`.
    fn rule_space(
        &self,
        r: &Rule,
        tag: &Tag,
        dst_within: Option<&[Ivs; 2]>,
    ) -> Result<Space<Tag>, ReadError> {
        let src = self.members(&r.source, r.negate_source)?;
        let mut dst = self.members(&r.destination, r.negate_destination)?;
        if let Some(w) = dst_within {
            dst = [dst[0].intersect(&w[0]), dst[1].intersect(&w[1])];
        }
        let mut svcs = Vec::new();
        for s in &r.service {
            if s.as_str() == "application-default" && self.icmp_only(&r.application) {
                // An ICMP application's default is its ICMP type: no port to add.
                svcs.extend(self.service(&Name::any(), 0)?);
                continue;
            }
            svcs.extend(self.service(s, 0)?);
        }
        let parts: Vec<Svc> = match self.applications(&r.application)? {
            None => svcs,
            Some(apps) => {
                let mut out = Vec::new();
                for s in &svcs {
                    for a in &apps {
                        out.push((
                            s.0.intersect(&a.0),
                            s.1.intersect(&a.1),
                            s.2.intersect(&a.2),
                            [s.3[0] && a.3[0], s.3[1] && a.3[1]],
                        ));
                    }
                }
                out
            }
        };
        let mut space = Space::new();
        for (proto, sport, dport, fams) in parts {
            for f in [Family::V4, Family::V6] {
                let k = fam_index(f);
                if !fams[k] || proto.is_empty() {
                    continue;
                }
                space.extend(
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
        Ok(space)
    }

    fn zone_matches(list: &[Name], zone: &Name) -> bool {
        list.iter().any(|z| z.is_any() || z == zone)
    }

    fn applies(r: &Rule, from: &Name, to: &Name) -> bool {
        !r.disabled
            && Self::zone_matches(&r.from, from)
            && Self::zone_matches(&r.to, to)
            && match r.rule_type {
                RuleType::Universal => true,
                RuleType::Intrazone => from == to,
                RuleType::Interzone => from != to,
            }
    }

    fn rule_item(&self, r: &Rule, dst_within: Option<&[Ivs; 2]>) -> Result<Item, ReadError> {
        let action = r
            .action
            .ok_or_else(|| self.error(format!("security rule `{}` has no action", r.name)))?;
        let tag = self.tag(&format!("security rule {}", r.name));
        Ok(Item {
            space: self.rule_space(r, &tag, dst_within)?,
            term: if action == Action::Allow {
                Term::Accept
            } else {
                Term::Drop
            },
            tag,
        })
    }

    /// What a session's first packet from `iif` to `oif` meets.
    pub fn pair(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let i = self.interface(iif)?;
        let o = self.interface(oif)?;
        let (from, to) = match (self.open_zone(i), self.open_zone(o)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(why), _) | (_, Err(why)) => return Ok(vec![self.nothing(&why)]),
        };
        let mut items = Vec::new();
        let own = self.own_all();
        if !own[0].is_empty() || !own[1].is_empty() {
            let tag = self.tag("addressed to the firewall's own address: not forwarded");
            let mut space = Space::new();
            for f in [Family::V4, Family::V6] {
                let k = fam_index(f);
                if !own[k].is_empty() {
                    for mut c in Cube::universe(f) {
                        c.dst = own[k].clone();
                        space.push(c, tag.clone());
                    }
                }
            }
            items.push(Item {
                space,
                term: Term::Drop,
                tag,
            });
        }
        for r in self.cfg.rules.iter().filter(|r| Self::applies(r, from, to)) {
            items.push(self.rule_item(r, None)?);
        }
        items.push(self.default_rule(from == to));
        // Security rules match the addresses before translation: a source a static NAT rule of
        // the ingress zone translates is seen there at its real address.
        let shifts = self.source_shifts(from)?;
        if !shifts.is_empty() {
            use crate::dialect::nat::PairNat;
            let all = [Family::V4.all_addrs(), Family::V6.all_addrs()];
            let pn = PairNat {
                src: vec![(all, PairNat::snat_shifts(&shifts))],
                dnat: Vec::new(),
            };
            items = items
                .into_iter()
                .map(|i| Item {
                    space: pn.pull(i.space, false),
                    ..i
                })
                .collect();
        }
        Ok(vec![items])
    }

    /// One static NAT rule as a translation, real range onto mapped, refusing what is not 1:1.
    fn nat_shift(&self, r: &NatRule) -> Result<Option<crate::dialect::nat::Shift>, ReadError> {
        let Some(t) = &r.translated else {
            return Err(self.error(format!(
                "NAT rule `{}` translates nothing: a no-NAT rule decides which later rule translates, by its place in the NAT rulebase, which verify does not model",
                r.name
            )));
        };
        let range = |x: [Ivs; 2], what: &str| -> Result<(Family, u128, u128), ReadError> {
            let one = |f: Family, v: &Ivs| match &v.0[..] {
                [(a, b)] => Some((f, *a, *b)),
                _ => None,
            };
            match (x[0].is_empty(), x[1].is_empty()) {
                (false, true) => one(Family::V4, &x[0]),
                (true, false) => one(Family::V6, &x[1]),
                _ => None,
            }
            .ok_or_else(|| {
                self.error(format!(
                    "NAT rule `{}`: its {what} is not one range of one family, so the translation is not 1:1",
                    r.name
                ))
            })
        };
        let real = range(self.members(&r.source, false)?, "source")?;
        let mapped = range(self.member(t, 0)?, "translated address")?;
        crate::dialect::nat::Shift::of(real, mapped)
            .map(Some)
            .ok_or_else(|| {
                self.error(format!(
                    "NAT rule `{}`: source and translated address differ in size, so the translation is not 1:1",
                    r.name
                ))
            })
    }

    /// The translations of the enabled NAT rules from zone `from`, real onto mapped.
    fn source_shifts(&self, from: &Name) -> Result<Vec<crate::dialect::nat::Shift>, ReadError> {
        let mut out = Vec::new();
        for r in self.cfg.nat_rules.iter().filter(|r| !r.disabled) {
            if r.from.iter().any(|z| z == from || z.is_any()) {
                out.extend(self.nat_shift(r)?);
            }
        }
        Ok(out)
    }

    /// The configuration's two-way static translations, mapped onto real (verify compares them
    /// with the policy's `nat`: the rules name translated hosts at their outside addresses).
    pub fn static_nat(&self) -> Result<Vec<crate::dialect::nat::Shift>, ReadError> {
        let mut out = Vec::new();
        for r in self
            .cfg
            .nat_rules
            .iter()
            .filter(|r| !r.disabled && r.bidirectional)
        {
            if let Some(s) = self.nat_shift(r)? {
                out.extend(crate::dialect::nat::Shift::of(
                    (s.fam, s.to, s.to + (s.from.1 - s.from.0)),
                    (s.fam, s.from.0, s.from.1),
                ));
            }
        }
        Ok(out)
    }

    fn default_rule(&self, intrazone: bool) -> Item {
        let tag = self.tag(if intrazone {
            "intrazone-default (allow)"
        } else {
            "interzone-default (deny)"
        });
        Item {
            space: crate::dialect::config::universe(&[Family::V4, Family::V6], &tag),
            term: if intrazone { Term::Accept } else { Term::Drop },
            tag,
        }
    }

    /// What a packet to one of the firewall's own addresses meets, entering by `iface`: the
    /// security rules towards the zone of the interface that owns the address, and that
    /// interface's management profile.
    pub fn to_device(&self, iface: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let i = self.interface(iface)?;
        let from = match self.open_zone(i) {
            Ok(z) => z,
            Err(why) => return Ok(vec![self.nothing(&why)]),
        };
        // The owning interfaces, by zone (an interface that is down answers nothing).
        let mut by_zone: Vec<(&Name, [Ivs; 2])> = Vec::new();
        let mut profiles = Vec::new();
        for j in &self.cfg.interfaces {
            let Ok(z) = self.open_zone(j) else { continue };
            let own = self.own(j);
            match by_zone.iter_mut().find(|(x, _)| *x == z) {
                Some((_, o)) => *o = [o[0].union(&own[0]), o[1].union(&own[1])],
                None => by_zone.push((z, own.clone())),
            }
            if let Some(p) = &j.profile {
                let prof = self.profiles.get(p.as_str()).ok_or_else(|| {
                    self.error(format!("management profile `{p}` is not defined"))
                })?;
                profiles.push((j, prof, own));
            }
        }
        // IPv6 neighbour discovery is answered by the firewall's IPv6 stack, before and
        // whatever the security rules say.
        let nd_tag = self.tag("IPv6 neighbour discovery (answered by the firewall, not the rules)");
        let mut nd = Space::new();
        nd.extend(
            Cube::new(
                Family::V6,
                Family::V6.all_addrs(),
                Family::V6.all_addrs(),
                Ivs::point(58),
                Ivs::range(135, 136),
            ),
            nd_tag.clone(),
        );
        let nd = Item {
            space: nd,
            term: Term::Accept,
            tag: nd_tag,
        };
        let mut rules = vec![nd.clone()];
        for r in &self.cfg.rules {
            let mut within = [Ivs::empty(), Ivs::empty()];
            for (z, own) in &by_zone {
                if Self::applies(r, from, z) {
                    within = [within[0].union(&own[0]), within[1].union(&own[1])];
                }
            }
            if within[0].is_empty() && within[1].is_empty() {
                continue;
            }
            rules.push(self.rule_item(r, Some(&within))?);
        }
        // The defaults: intrazone-default allows what is addressed to the entering zone.
        if let Some((_, own)) = by_zone.iter().find(|(z, _)| *z == from) {
            let tag = self.tag("intrazone-default (allow)");
            let mut space = Space::new();
            for f in [Family::V4, Family::V6] {
                for mut c in Cube::universe(f) {
                    c.dst = own[fam_index(f)].clone();
                    if !c.dst.is_empty() {
                        space.push(c, tag.clone());
                    }
                }
            }
            rules.push(Item {
                space,
                term: Term::Accept,
                tag,
            });
        }
        rules.push(self.default_rule(false));
        let mut mgmt = vec![nd];
        for (j, p, own) in profiles {
            let tag = self.tag(&format!(
                "interface management profile {} of {}",
                p.name, j.name
            ));
            let mut src = [Ivs::empty(), Ivs::empty()];
            if p.permitted.is_empty() {
                src = [Family::V4.all_addrs(), Family::V6.all_addrs()];
            }
            for (a, l) in &p.permitted {
                let x = one(*a, *l);
                src = [src[0].union(&x[0]), src[1].union(&x[1])];
            }
            let mut space = Space::new();
            for s in &p.services {
                for (proto, port, k) in mgmt_parts(*s) {
                    let f = if k == 0 { Family::V4 } else { Family::V6 };
                    space.extend(
                        Cube::new(
                            f,
                            src[k].clone(),
                            own[k].clone(),
                            Ivs::point(u128::from(proto)),
                            Ivs::point(u128::from(port)),
                        ),
                        tag.clone(),
                    );
                }
            }
            mgmt.push(Item {
                space,
                term: Term::Accept,
                tag,
            });
        }
        let tag = self.tag("no management profile admits it");
        mgmt.push(Item {
            space: crate::dialect::config::universe(&[Family::V4, Family::V6], &tag),
            term: Term::Drop,
            tag,
        });
        Ok(vec![rules, mgmt])
    }

    /// Replies of an allowed session pass by state, unless an interface is closed.
    pub fn replies(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        for x in [iif, oif] {
            if let Err(why) = self.open_zone(self.interface(x)?) {
                return Ok(vec![self.nothing(&why)]);
            }
        }
        Ok(Vec::new())
    }

    pub fn own_replies(&self, iface: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        match self.open_zone(self.interface(iface)?) {
            Err(why) => Ok(vec![self.nothing(&why)]),
            Ok(_) => Ok(Vec::new()),
        }
    }
}
