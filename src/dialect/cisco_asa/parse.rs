//! Text -> [`AsaConfig`]: a file fenceline printed, or a live device's `show running-config`.
//! The sections that decide filtering are read whole (interfaces, network objects, object
//! groups, extended access lists and their bindings, `same-security-traffic`, management
//! access, `icmp` rules, policy maps and the global service policy); a command inside them that
//! the reader does not know is refused with its line, never skipped. Every other section (`hostname`,
//! `route`, `logging`, `crypto`, ...) is skipped with its sub-commands.

use super::ast::*;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

type R<T> = Result<T, ParseError>;

fn err<T>(line: usize, message: impl Into<String>) -> R<T> {
    Err(ParseError {
        line,
        message: message.into(),
    })
}

/// What a name given to `object-group` stands for, so an operand `object-group NAME` reads as an
/// address or a port by what NAME is (the ASA requires groups to exist before they are used).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupKind {
    Network,
    /// A group of `port-object`s.
    Ports,
    /// A group of `service-object`s, in the protocol's place.
    Services,
}

/// The section the lines being read belong to.
enum Section {
    /// At the top level, or inside a section the reader skips.
    None,
    Interface(Interface),
    /// The object, whether it has its value (a block may hold only `nat`), its `nat` line.
    Object(NetObject, bool, Option<ObjectNat>),
    NetGroup(NetGroup),
    SvcGroup(SvcGroup),
    PolicyMap(PolicyMap),
}

struct Reader {
    items: Vec<Top>,
    section: Section,
    groups: BTreeMap<String, GroupKind>,
}

/// Reads a configuration.
pub fn parse(text: &str) -> R<AsaConfig> {
    let mut r = Reader {
        items: Vec::new(),
        section: Section::None,
        groups: BTreeMap::new(),
    };
    for (k, raw) in text.lines().enumerate() {
        let n = k + 1;
        let line = raw.trim_end();
        if line.chars().any(|c| c.is_control()) {
            return err(n, "a control character in the line");
        }
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') {
            r.sub(n, line.trim_start())?;
            continue;
        }
        r.close();
        r.top(n, line)?;
    }
    r.close();
    Ok(AsaConfig {
        items: r.items,
        file: Origin::default(),
    })
}

/// ` nat (REAL_IF,MAPPED_IF) static MAPPED_OBJ` under `object network OBJECT`: the static
/// 1:1 form; dynamic NAT, PAT, inline mapped addresses and options are refused by name.
fn object_nat(n: usize, object: &Name, toks: &[&str]) -> R<ObjectNat> {
    let ifs = toks
        .get(1)
        .and_then(|t| t.strip_prefix('('))
        .and_then(|t| t.strip_suffix(')'))
        .and_then(|t| t.split_once(','));
    let Some((real, mapped_if)) = ifs else {
        return err(n, "`nat` takes `(REAL_IF,MAPPED_IF)` after it");
    };
    match toks.get(2..) {
        Some(["static", mapped]) if mapped.parse::<IpAddr>().is_ok() => err(
            n,
            format!("object NAT to the inline address `{mapped}` is not read: verify reads static NAT to a mapped object"),
        ),
        Some(["static", mapped]) => Ok(ObjectNat {
            object: object.clone(),
            real_if: name(n, Some(&real), "an interface name")?,
            mapped_if: match mapped_if {
                "any" => None,
                m => Some(name(n, Some(&m), "an interface name")?),
            },
            mapped: name(n, Some(mapped), "an object name")?,
        }),
        Some(["static", _, opt, ..]) => err(
            n,
            format!("object NAT with `{opt}` is not read: verify reads static NAT of an object to an object"),
        ),
        Some([kind, ..]) => err(
            n,
            format!("`nat ... {kind}` is not read: verify reads static 1:1 NAT (`static MAPPED_OBJECT`) only"),
        ),
        _ => err(n, "`nat (REAL_IF,MAPPED_IF)` takes `static MAPPED_OBJECT` after it"),
    }
}

/// A name token.
fn name(n: usize, s: Option<&&str>, what: &str) -> R<Name> {
    match s {
        Some(s) => Name::new(s).ok_or_else(|| ParseError {
            line: n,
            message: format!("`{s}` is not a name the reader takes as {what}"),
        }),
        None => err(n, format!("{what} missing")),
    }
}

/// Free text read from a device: characters the printer would refuse become `_`, and it is cut
/// to [`Text::MAX`] bytes (a remark or description has no meaning for filtering).
fn text(s: &str) -> Text {
    let mut t: String = s
        .trim()
        .chars()
        .map(|c| {
            if (' '..='~').contains(&c) && c != '!' && c != '?' {
                c
            } else {
                '_'
            }
        })
        .collect();
    t.truncate(Text::MAX);
    Text::new(t.trim()).unwrap_or_default()
}

fn ip(n: usize, s: Option<&&str>) -> R<IpAddr> {
    match s.and_then(|s| s.parse::<IpAddr>().ok()) {
        Some(a) => Ok(a),
        None => err(
            n,
            format!("an address expected, found `{}`", s.unwrap_or(&"")),
        ),
    }
}

/// `A MASK` (IPv4: two tokens) or `A/LEN` (IPv6: one token) at `toks[i..]`: the network, its
/// length and the tokens used. Host bits are refused, as the ASA refuses them.
fn prefix(n: usize, toks: &[&str], i: usize) -> R<(IpAddr, u8, usize)> {
    let Some(t) = toks.get(i) else {
        return err(n, "an address expected");
    };
    if let Some((a, l)) = t.split_once('/') {
        let (Ok(a), Ok(l)) = (a.parse::<IpAddr>(), l.parse::<u8>()) else {
            return err(n, format!("`{t}` is not a prefix"));
        };
        let max = if a.is_ipv4() { 32 } else { 128 };
        if l > max || network(a, l) != a {
            return err(n, format!("`{t}` is not a network address"));
        }
        return Ok((a, l, 1));
    }
    let a: Ipv4Addr = match t.parse() {
        Ok(a) => a,
        Err(_) => return err(n, format!("an address expected, found `{t}`")),
    };
    let mask: Option<Ipv4Addr> = toks.get(i + 1).and_then(|m| m.parse().ok());
    let Some(len) = mask.and_then(mask_len) else {
        return err(n, format!("`{t}` needs a contiguous netmask after it"));
    };
    if network(IpAddr::V4(a), len) != IpAddr::V4(a) {
        return err(n, format!("`{t}` has host bits outside its netmask"));
    }
    Ok((IpAddr::V4(a), len, 2))
}

/// A protocol by name or number, as the ASA takes it in an access list.
fn proto(s: &str) -> Option<Proto> {
    Some(match s {
        "ip" => Proto::Ip,
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        "icmp" => Proto::Icmp,
        "icmp6" => Proto::Icmp6,
        _ => Proto::Number(match s {
            "ah" => 51,
            "eigrp" => 88,
            "esp" | "ipsec" => 50,
            "gre" | "pptp" => 47,
            "igmp" => 2,
            "igrp" => 9,
            "ipinip" => 4,
            "nos" => 94,
            "ospf" => 89,
            "pcp" => 108,
            "pim" => 103,
            "sctp" => 132,
            "snp" => 109,
            _ => s.parse::<u8>().ok()?,
        }),
    })
}

/// A port operator at `toks[i..]` for this protocol, and the tokens used.
fn port_op(n: usize, toks: &[&str], i: usize, pp: PortProto) -> R<Option<(PortOp, usize)>> {
    let port = |k: usize| -> R<u16> {
        let s = toks.get(k).copied().unwrap_or("");
        port_number(s, pp).ok_or_else(|| ParseError {
            line: n,
            message: format!("`{s}` is not a {pp} port the reader knows"),
        })
    };
    Ok(Some(match toks.get(i).copied() {
        Some("eq") => (PortOp::Eq(port(i + 1)?), 2),
        Some("neq") => (PortOp::Neq(port(i + 1)?), 2),
        Some("lt") => (PortOp::Lt(port(i + 1)?), 2),
        Some("gt") => (PortOp::Gt(port(i + 1)?), 2),
        Some("range") => {
            let (a, b) = (port(i + 1)?, port(i + 2)?);
            if a > b {
                return err(n, format!("port range {a}-{b} is empty"));
            }
            (PortOp::Range(a, b), 3)
        }
        _ => return Ok(None),
    }))
}

impl Reader {
    /// Ends the open section, keeping it.
    fn close(&mut self) {
        match std::mem::replace(&mut self.section, Section::None) {
            Section::None => {}
            Section::Interface(i) => self.items.push(Top::Interface(i)),
            Section::Object(o, valued, nat) => {
                if valued || nat.is_none() {
                    self.items.push(Top::Object(o));
                }
                if let Some(nat) = nat {
                    self.items.push(Top::ObjectNat(nat));
                }
            }
            Section::NetGroup(g) => self.items.push(Top::NetGroup(g)),
            Section::SvcGroup(g) => self.items.push(Top::SvcGroup(g)),
            Section::PolicyMap(p) => self.items.push(Top::PolicyMap(p)),
        }
    }

    fn top(&mut self, n: usize, line: &str) -> R<()> {
        if let Some(rest) = line.strip_prefix('!') {
            self.items.push(Top::Comment(text(rest)));
            return Ok(());
        }
        let toks: Vec<&str> = line.split_whitespace().collect();
        match toks.as_slice() {
            [":", ..] => {}
            [t, ..] if t.starts_with(':') => {}
            ["interface", ..] => {
                self.section = Section::Interface(Interface {
                    name: name(n, toks.get(1), "an interface name")?,
                    description: None,
                    nameif: None,
                    security_level: None,
                    addresses: Vec::new(),
                    shutdown: false,
                });
                if toks.len() > 2 {
                    return err(n, "one interface name expected after `interface`");
                }
            }
            ["object", "network", nm] => {
                self.section = Section::Object(
                    NetObject {
                        name: name(n, Some(nm), "an object name")?,
                        description: None,
                        value: ObjValue::Host(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                    },
                    false,
                    None,
                );
            }
            ["object-group", "network", nm] => {
                self.groups.insert(nm.to_string(), GroupKind::Network);
                self.section = Section::NetGroup(NetGroup {
                    name: name(n, Some(nm), "an object-group name")?,
                    description: None,
                    entries: Vec::new(),
                });
            }
            ["object-group", "service", nm, rest @ ..] => {
                let proto = match rest {
                    [] => None,
                    ["tcp"] => Some(PortProto::Tcp),
                    ["udp"] => Some(PortProto::Udp),
                    ["tcp-udp"] => Some(PortProto::TcpUdp),
                    _ => return err(n, format!("`object-group service {nm}` takes `tcp`, `udp` or `tcp-udp`, or nothing")),
                };
                let kind = if proto.is_some() {
                    GroupKind::Ports
                } else {
                    GroupKind::Services
                };
                self.groups.insert(nm.to_string(), kind);
                self.section = Section::SvcGroup(SvcGroup {
                    name: name(n, Some(nm), "an object-group name")?,
                    proto,
                    description: None,
                    entries: Vec::new(),
                });
            }
            ["policy-map", nm] => {
                self.section = Section::PolicyMap(PolicyMap {
                    name: name(n, Some(nm), "a policy-map name")?,
                    classes: Vec::new(),
                });
            }
            ["same-security-traffic", "permit", "inter-interface"] => self
                .items
                .push(Top::SameSecurity(SameSecurity::InterInterface)),
            ["same-security-traffic", "permit", "intra-interface"] => self
                .items
                .push(Top::SameSecurity(SameSecurity::IntraInterface)),
            ["same-security-traffic", ..] => {
                return err(n, "`same-security-traffic` takes `permit inter-interface` or `permit intra-interface`")
            }
            ["access-list", acl, "remark", ..] => {
                let rest = line
                    .split_once(" remark")
                    .map(|(_, r)| r)
                    .unwrap_or_default();
                self.items.push(Top::Remark {
                    acl: name(n, Some(acl), "an access-list name")?,
                    text: text(rest),
                });
            }
            ["access-list", acl, "extended", rest @ ..] => {
                let ace = self.ace(n, acl, rest)?;
                self.items.push(Top::Ace(ace));
            }
            // Standard, EtherType and WebVPN lists filter no routed packet by interface; a
            // binding of one alone is refused when it is read (no extended entries).
            ["access-list", _, "standard" | "ethertype" | "webtype", ..] => {}
            ["access-list", ..] => {
                return err(n, "only `extended` and `remark` lines of an access list are read")
            }
            ["access-group", acl, rest @ ..] => {
                let acl = name(n, Some(acl), "an access-list name")?;
                let binding = match rest {
                    ["global"] => Binding::Global,
                    [dir @ ("in" | "out"), "interface", nameif, more @ ..] => Binding::Interface {
                        direction: if *dir == "in" {
                            Direction::In
                        } else {
                            Direction::Out
                        },
                        nameif: name(n, Some(nameif), "an interface's nameif")?,
                        control_plane: match more {
                            [] => false,
                            ["control-plane"] => true,
                            _ => return err(n, "only `control-plane` may follow the interface"),
                        },
                    },
                    _ => return err(n, "`access-group NAME in|out interface NAMEIF [control-plane]` or `access-group NAME global` expected"),
                };
                self.items.push(Top::AccessGroup(AccessGroup { acl, binding }));
            }
            [svc @ ("ssh" | "telnet" | "http"), a, ..] if a.parse::<IpAddr>().is_ok() || a.contains('/') => {
                let service = match *svc {
                    "ssh" => MgmtService::Ssh,
                    "telnet" => MgmtService::Telnet,
                    _ => MgmtService::Http,
                };
                let (addr, len, used) = prefix(n, &toks, 1)?;
                let nameif = name(n, toks.get(1 + used), "an interface's nameif")?;
                if toks.len() > 2 + used {
                    return err(n, format!("unexpected `{}`", toks[2 + used]));
                }
                self.items.push(Top::Management(Management {
                    service,
                    addr,
                    len,
                    nameif,
                }));
            }
            ["http", "server", "enable"] => self.items.push(Top::HttpServer(None)),
            ["http", "server", "enable", p] => match p.parse::<u16>() {
                Ok(p) => self.items.push(Top::HttpServer(Some(p))),
                Err(_) => return err(n, format!("`{p}` is not a port")),
            },
            ["icmp", act @ ("permit" | "deny"), rest @ ..] => {
                let r = self.icmp_rule(n, false, act, rest)?;
                self.items.push(Top::IcmpRule(r));
            }
            ["ipv6", "icmp", act @ ("permit" | "deny"), rest @ ..] => {
                let r = self.icmp_rule(n, true, act, rest)?;
                self.items.push(Top::IcmpRule(r));
            }
            ["service-policy", nm, "global"] => self
                .items
                .push(Top::GlobalPolicy(name(n, Some(nm), "a policy-map name")?)),
            ["failover"] => self.items.push(Top::Failover(Failover::Enable(true))),
            ["no", "failover"] => self.items.push(Top::Failover(Failover::Enable(false))),
            ["failover", "lan", "unit", u @ ("primary" | "secondary")] => self
                .items
                .push(Top::Failover(Failover::Unit(*u == "primary"))),
            ["failover", "lan", "interface", l, i] => {
                self.items.push(Top::Failover(Failover::LanInterface {
                    link: name(n, Some(l), "a failover link name")?,
                    interface: name(n, Some(i), "an interface name")?,
                }))
            }
            ["failover", "link", l, i] => self.items.push(Top::Failover(Failover::StateLink {
                link: name(n, Some(l), "a failover link name")?,
                interface: name(n, Some(i), "an interface name")?,
            })),
            ["failover", "interface", "ip", l, rest @ ..] => {
                let link = name(n, Some(l), "a failover link name")?;
                let (addr, len, standby) = match rest {
                    [a, m, "standby", b] if a.parse::<Ipv4Addr>().is_ok() => {
                        let len = m
                            .parse::<Ipv4Addr>()
                            .ok()
                            .and_then(mask_len)
                            .ok_or_else(|| ParseError {
                                line: n,
                                message: format!("`{m}` is not a netmask"),
                            })?;
                        (ip(n, Some(a))?, len, ip(n, Some(b))?)
                    }
                    [p, "standby", b] => {
                        let parsed = p
                            .split_once('/')
                            .and_then(|(a, l)| Some((a.parse::<IpAddr>().ok()?, l.parse::<u8>().ok()?)));
                        match parsed {
                            Some((a, l)) if a.is_ipv6() && l <= 128 => (a, l, ip(n, Some(b))?),
                            _ => return err(n, format!("`{p}` is not an IPv6 address and prefix length")),
                        }
                    }
                    _ => return err(n, "`failover interface ip NAME ADDRESS MASK standby ADDRESS` expected"),
                };
                if addr.is_ipv4() != standby.is_ipv4() {
                    return err(n, "the standby address is of another family");
                }
                self.items.push(Top::Failover(Failover::Ip {
                    link,
                    addr,
                    len,
                    standby,
                }));
            }
            // `nat` commands translate: the filters would see other addresses than the ones
            // read. Not modelled, so refused rather than ignored.
            ["nat", ..] => return err(n, "twice NAT (a top-level `nat`) is not read: verify reads static object NAT (`nat` under `object network`)"),
            _ => {}
        }
        Ok(())
    }

    fn icmp_rule(&self, n: usize, v6: bool, act: &str, rest: &[&str]) -> R<IcmpRule> {
        let action = if act == "permit" {
            Action::Permit
        } else {
            Action::Deny
        };
        let (src, used) = match rest.first().copied() {
            Some("any") => (Addr::Any, 1),
            Some("host") => (Addr::Host(ip(n, rest.get(1))?), 2),
            _ => {
                let (a, l, used) = prefix(n, rest, 0)?;
                (Addr::Net(a, l), used)
            }
        };
        let (icmp_type, nameif) = match &rest[used.min(rest.len())..] {
            [nameif] => (None, nameif),
            [t, nameif] => match icmp_number(t, v6) {
                Some(t) => (Some(t), nameif),
                None => return err(n, format!("`{t}` is not an ICMP type the reader knows")),
            },
            _ => return err(n, "`icmp permit|deny SOURCE [TYPE] NAMEIF` expected"),
        };
        Ok(IcmpRule {
            v6,
            action,
            src,
            icmp_type,
            nameif: name(n, Some(nameif), "an interface's nameif")?,
        })
    }

    /// An address operand at `toks[i..]` and the tokens used.
    fn addr(&self, n: usize, toks: &[&str], i: usize) -> R<(Addr, usize)> {
        Ok(match toks.get(i).copied() {
            Some("any") => (Addr::Any, 1),
            Some("any4") => (Addr::Any4, 1),
            Some("any6") => (Addr::Any6, 1),
            Some("host") => (Addr::Host(ip(n, toks.get(i + 1))?), 2),
            Some("object") => (Addr::Object(name(n, toks.get(i + 1), "an object name")?), 2),
            Some("object-group") => {
                let g = toks.get(i + 1).copied().unwrap_or("");
                if self.groups.get(g) != Some(&GroupKind::Network) {
                    return err(
                        n,
                        format!("`{g}` is not a network object-group defined before this line"),
                    );
                }
                (
                    Addr::Group(name(n, toks.get(i + 1), "an object-group name")?),
                    2,
                )
            }
            Some("interface") => {
                return err(
                    n,
                    "`interface NAMEIF` as an address is not read: name the addresses",
                )
            }
            _ => {
                let (a, l, used) = prefix(n, toks, i)?;
                (Addr::Net(a, l), used)
            }
        })
    }

    /// A port operand at `toks[i..]` for `proto`, and the tokens used (`None`: none there).
    fn port(
        &self,
        n: usize,
        toks: &[&str],
        i: usize,
        pp: PortProto,
    ) -> R<Option<(PortMatch, usize)>> {
        if toks.get(i) == Some(&"object-group") {
            let g = toks.get(i + 1).copied().unwrap_or("");
            if self.groups.get(g) == Some(&GroupKind::Ports) {
                return Ok(Some((
                    PortMatch::Group(name(n, toks.get(i + 1), "an object-group name")?),
                    2,
                )));
            }
            return Ok(None);
        }
        Ok(port_op(n, toks, i, pp)?.map(|(op, used)| (PortMatch::Op(op), used)))
    }

    fn ace(&self, n: usize, acl: &str, toks: &[&str]) -> R<Ace> {
        let acl = name(n, Some(&acl), "an access-list name")?;
        let action = match toks.first().copied() {
            Some("permit") => Action::Permit,
            Some("deny") => Action::Deny,
            _ => return err(n, "`permit` or `deny` expected after `extended`"),
        };
        let mut i = 1;
        let p = match toks.get(i).copied() {
            Some("object-group") => {
                let g = toks.get(i + 1).copied().unwrap_or("");
                if self.groups.get(g) != Some(&GroupKind::Services) {
                    return err(n, format!("`{g}` is not a service object-group defined before this line (protocol and ICMP-type groups are not read)"));
                }
                i += 1;
                Proto::Group(name(n, toks.get(i), "an object-group name")?)
            }
            Some("object") => {
                return err(n, "a service `object` in place of the protocol is not read: use a service object-group")
            }
            Some(s) => proto(s).ok_or_else(|| ParseError {
                line: n,
                message: format!("`{s}` is not a protocol the reader knows"),
            })?,
            None => return err(n, "a protocol expected"),
        };
        i += 1;
        let pp = match p {
            Proto::Tcp => Some(PortProto::Tcp),
            Proto::Udp => Some(PortProto::Udp),
            _ => None,
        };
        let (src, used) = self.addr(n, toks, i)?;
        i += used;
        let mut sport = None;
        if let Some(pp) = pp {
            if let Some((m, used)) = self.port(n, toks, i, pp)? {
                sport = Some(m);
                i += used;
            }
        }
        let (dst, used) = self.addr(n, toks, i)?;
        i += used;
        let mut dport = None;
        let mut icmp_type = None;
        if let Some(pp) = pp {
            if let Some((m, used)) = self.port(n, toks, i, pp)? {
                dport = Some(m);
                i += used;
            }
        } else if matches!(p, Proto::Icmp | Proto::Icmp6) {
            if let Some(t) = toks.get(i) {
                if let Some(t) = icmp_number(t, p == Proto::Icmp6) {
                    icmp_type = Some(t);
                    i += 1;
                    if toks.get(i).is_some_and(|c| c.parse::<u8>().is_ok()) {
                        return err(n, "an ICMP code is not read: fenceline's packets have none");
                    }
                }
            }
        }
        let mut log = false;
        while let Some(t) = toks.get(i).copied() {
            i += 1;
            match t {
                "log" => {
                    log = true;
                    // `log [LEVEL] [interval SECS]`, `log disable`, `log default`.
                    while let Some(&o) = toks.get(i) {
                        match o {
                            "disable" => {
                                log = false;
                                i += 1;
                            }
                            "default" => i += 1,
                            "interval" => i += 2,
                            o if o.parse::<u8>().is_ok()
                                || [
                                    "emergencies",
                                    "alerts",
                                    "critical",
                                    "errors",
                                    "warnings",
                                    "notifications",
                                    "informational",
                                    "debugging",
                                ]
                                .contains(&o) =>
                            {
                                i += 1
                            }
                            _ => break,
                        }
                    }
                }
                "inactive" => {
                    return err(
                        n,
                        "an `inactive` entry is not read: delete it, or make it active",
                    )
                }
                "time-range" => return err(
                    n,
                    "an entry with a `time-range` is not read: its decision depends on the clock",
                ),
                t => return err(n, format!("`{t}` not understood in an access-list entry")),
            }
        }
        Ok(Ace {
            acl,
            action,
            proto: p,
            src,
            sport,
            dst,
            dport,
            icmp_type,
            log,
        })
    }

    /// A sub-command of the open section.
    fn sub(&mut self, n: usize, line: &str) -> R<()> {
        let toks: Vec<&str> = line.split_whitespace().collect();
        match &mut self.section {
            Section::None => Ok(()),
            Section::Interface(i) => interface_line(n, i, line, &toks),
            Section::Object(o, valued, nat) => {
                match toks.as_slice() {
                    ["host", a] => o.value = ObjValue::Host(ip(n, Some(a))?),
                    ["subnet", ..] => {
                        let (a, l, used) = prefix(n, &toks, 1)?;
                        if toks.len() > 1 + used {
                            return err(n, "one network expected after `subnet`");
                        }
                        o.value = ObjValue::Subnet(a, l);
                    }
                    ["range", a, b] => {
                        let (a, b) = (ip(n, Some(a))?, ip(n, Some(b))?);
                        if a.is_ipv4() != b.is_ipv4() || a > b {
                            return err(
                                n,
                                "a range from the lower address to the higher, of one family",
                            );
                        }
                        o.value = ObjValue::Range(a, b);
                    }
                    ["description", ..] => {
                        o.description = Some(text(&line["description".len()..]));
                        return Ok(());
                    }
                    ["nat", ..] => {
                        if nat.is_some() {
                            return err(n, "a network object holds one `nat` line");
                        }
                        *nat = Some(object_nat(n, &o.name, &toks)?);
                        return Ok(());
                    }
                    _ => return err(n, format!("`{line}` not understood in `object network`")),
                }
                *valued = true;
                Ok(())
            }
            Section::NetGroup(g) => {
                let e = match toks.as_slice() {
                    ["network-object", "host", a] => NetEntry::Host(ip(n, Some(a))?),
                    ["network-object", "object", o] => {
                        NetEntry::Object(name(n, Some(o), "an object name")?)
                    }
                    ["network-object", ..] => {
                        let (a, l, used) = prefix(n, &toks, 1)?;
                        if toks.len() > 1 + used {
                            return err(n, "one network expected after `network-object`");
                        }
                        NetEntry::Net(a, l)
                    }
                    ["group-object", o] => {
                        if self.groups.get(*o) != Some(&GroupKind::Network) {
                            return err(
                                n,
                                format!(
                                    "`{o}` is not a network object-group defined before this line"
                                ),
                            );
                        }
                        NetEntry::Group(name(n, Some(o), "an object-group name")?)
                    }
                    ["description", ..] => {
                        g.description = Some(text(&line["description".len()..]));
                        return Ok(());
                    }
                    _ => {
                        return err(
                            n,
                            format!("`{line}` not understood in `object-group network`"),
                        )
                    }
                };
                g.entries.push(e);
                Ok(())
            }
            Section::SvcGroup(g) => {
                let e = match (g.proto, toks.as_slice()) {
                    (_, ["description", ..]) => {
                        g.description = Some(text(&line["description".len()..]));
                        return Ok(());
                    }
                    (Some(pp), ["port-object", ..]) => {
                        match port_op(n, &toks, 1, pp)? {
                            Some((op, used)) if toks.len() == 1 + used => SvcEntry::Port(op),
                            _ => return err(
                                n,
                                "`port-object eq PORT` or `port-object range LOW HIGH` expected",
                            ),
                        }
                    }
                    (kind, ["group-object", o]) => {
                        let want = if kind.is_some() {
                            GroupKind::Ports
                        } else {
                            GroupKind::Services
                        };
                        if self.groups.get(*o) != Some(&want) {
                            return err(n, format!("`{o}` is not a service object-group of the same kind defined before this line"));
                        }
                        SvcEntry::Group(name(n, Some(o), "an object-group name")?)
                    }
                    (None, ["service-object", rest @ ..]) => service_object(n, rest)?,
                    _ => {
                        return err(
                            n,
                            format!("`{line}` not understood in `object-group service`"),
                        )
                    }
                };
                g.entries.push(e);
                Ok(())
            }
            Section::PolicyMap(p) => {
                match toks.as_slice() {
                    ["class", c] => p
                        .classes
                        .push((name(n, Some(c), "a class name")?, Vec::new())),
                    ["inspect", ..] => match p.classes.last_mut() {
                        Some((_, v)) => v.push(text(&line["inspect".len()..])),
                        None => return err(n, "`inspect` outside a `class`"),
                    },
                    // Other class commands (`set connection`, `police`, ...) do not decide what
                    // is admitted.
                    _ => {}
                }
                Ok(())
            }
        }
    }
}

/// `service-object PROTO [source OP] [destination OP]` or `service-object icmp|icmp6 [TYPE]`.
fn service_object(n: usize, rest: &[&str]) -> R<SvcEntry> {
    let Some(p) = rest.first().copied() else {
        return err(n, "a protocol expected after `service-object`");
    };
    if p == "tcp-udp" {
        return err(
            n,
            "`service-object tcp-udp` is not read: write a `tcp` and a `udp` entry",
        );
    }
    let p = proto(p).ok_or_else(|| ParseError {
        line: n,
        message: format!("`{p}` is not a protocol the reader knows"),
    })?;
    let pp = match p {
        Proto::Tcp => Some(PortProto::Tcp),
        Proto::Udp => Some(PortProto::Udp),
        _ => None,
    };
    let (mut src, mut dst, mut icmp_type) = (None, None, None);
    let mut i = 1;
    while i < rest.len() {
        match (rest[i], pp) {
            ("source", Some(pp)) => match port_op(n, rest, i + 1, pp)? {
                Some((op, used)) => {
                    src = Some(op);
                    i += 1 + used;
                }
                None => return err(n, "a port operator expected after `source`"),
            },
            ("destination", Some(pp)) => match port_op(n, rest, i + 1, pp)? {
                Some((op, used)) => {
                    dst = Some(op);
                    i += 1 + used;
                }
                None => return err(n, "a port operator expected after `destination`"),
            },
            (t, None) if matches!(p, Proto::Icmp | Proto::Icmp6) && icmp_type.is_none() => {
                match icmp_number(t, p == Proto::Icmp6) {
                    Some(v) => icmp_type = Some(v),
                    None => return err(n, format!("`{t}` is not an ICMP type the reader knows")),
                }
                i += 1;
            }
            (t, _) => return err(n, format!("`{t}` not understood in `service-object`")),
        }
    }
    Ok(SvcEntry::Service {
        proto: p,
        src,
        dst,
        icmp_type,
    })
}

/// A sub-command of `interface`: what decides filtering is kept; what does not (speed,
/// duplex, MTU, VLAN, link-local and neighbour-discovery settings) is passed over; anything
/// else is refused.
fn interface_line(n: usize, i: &mut Interface, line: &str, toks: &[&str]) -> R<()> {
    match toks {
        ["nameif", nm] => i.nameif = Some(name(n, Some(nm), "a nameif")?),
        ["security-level", l] => match l.parse::<u8>() {
            Ok(l) if l <= 100 => i.security_level = Some(l),
            _ => return err(n, format!("security level `{l}` is not 0-100")),
        },
        ["description", ..] => i.description = Some(text(&line["description".len()..])),
        ["shutdown"] => i.shutdown = true,
        ["no", "shutdown"] => i.shutdown = false,
        ["no", "nameif"] => i.nameif = None,
        ["no", "security-level"] => i.security_level = None,
        ["ip", "address", a, m, rest @ ..] if a.parse::<Ipv4Addr>().is_ok() => {
            let addr = ip(n, Some(a))?;
            let len = m
                .parse::<Ipv4Addr>()
                .ok()
                .and_then(mask_len)
                .ok_or_else(|| ParseError {
                    line: n,
                    message: format!("`{m}` is not a netmask"),
                })?;
            let standby = match rest {
                [] => None,
                ["standby", s] => Some(ip(n, Some(s))?),
                _ => return err(n, "only `standby ADDRESS` may follow the netmask"),
            };
            i.addresses.push(IfAddress { addr, len, standby });
        }
        ["ipv6", "address", p, rest @ ..]
            if p.contains('/') && p.parse::<std::net::Ipv6Addr>().is_err() =>
        {
            let Some((a, l)) = p.split_once('/') else {
                return err(n, "an IPv6 address and its prefix length expected");
            };
            let (Ok(addr), Ok(len)) = (a.parse::<IpAddr>(), l.parse::<u8>()) else {
                return err(n, format!("`{p}` is not an IPv6 address and prefix length"));
            };
            let standby = match rest {
                [] => None,
                ["standby", s] => Some(ip(n, Some(s))?),
                _ => return err(n, "only `standby ADDRESS` may follow the address"),
            };
            i.addresses.push(IfAddress { addr, len, standby });
        }
        // An address the device learns (DHCP, PPPoE, autoconfiguration) or a link-local one:
        // no own address management access could name.
        ["ip", "address", "dhcp" | "pppoe", ..]
        | ["ipv6", "address", "autoconfig" | "dhcp", ..]
        | ["ipv6", "address", _, "link-local"]
        | ["pppoe", ..] => {}
        ["management-only"] => return err(
            n,
            "`management-only` is not read: the interface would pass no traffic through the device",
        ),
        ["no", ..]
        | ["speed", ..]
        | ["duplex", ..]
        | ["mtu", ..]
        | ["vlan", ..]
        | ["mac-address", ..]
        | ["delay", ..]
        | ["flowcontrol", ..]
        | ["channel-group", ..]
        | ["lacp", ..]
        | ["ipv6", "enable"]
        | ["ipv6", "nd", ..]
        | ["ipv6", "link-local", ..] => {}
        _ => {
            return err(
                n,
                format!("`{line}` not understood in `interface {}`", i.name),
            )
        }
    }
    Ok(())
}
