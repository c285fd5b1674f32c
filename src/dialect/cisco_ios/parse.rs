//! Pass 6 for `cisco-ios`: reads IOS ACL configuration text back (extended named IPv4 ACLs, IPv6
//! ACLs, network and service object-groups, interface bindings) and evaluates packets against it
//! with IOS semantics: first match wins, implicit deny at the end (after the implicit ND permits
//! of IPv6 ACLs), and an interface without an ACL, or bound to an ACL that does not exist, passes
//! everything. Tests compare this with [`crate::model::policy_decision`], so the generated text itself,
//! not the generator's intent, is what gets proved.
//!
//! The reader is deliberately wider than the generator: it accepts discontiguous wildcards, every
//! port operator (`eq neq lt gt range`), port and ICMP names as `show running-config` prints them,
//! and unnumbered entries, so it can also read configurations pulled from a device.

use crate::dialect::config::{universe, Item, ReadError, Tag, Term};
use crate::model::ios_ifname;
use crate::packet::space::{Cube, Family, Ivs, Space};
use crate::packet::Packet;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::rc::Rc;

/// A parse failure: 1-based line number and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Permit,
    Deny,
}

/// An address match of an ACE or an object-group entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddrMatch {
    Any,
    /// Address and wildcard (bits set in the wildcard are ignored); `host A` has wildcard 0.
    V4 {
        addr: u32,
        wildcard: u32,
    },
    /// IPv6 prefix and length; `host A` has length 128.
    V6 {
        addr: u128,
        len: u8,
    },
    /// `object-group NAME` (network).
    Group(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortOp {
    Eq(u16),
    Neq(u16),
    Lt(u16),
    Gt(u16),
    Range(u16, u16),
}

impl PortOp {
    pub fn matches(self, p: u16) -> bool {
        match self {
            PortOp::Eq(x) => p == x,
            PortOp::Neq(x) => p != x,
            PortOp::Lt(x) => p < x,
            PortOp::Gt(x) => p > x,
            PortOp::Range(a, b) => a <= p && p <= b,
        }
    }
}

/// The protocol field of an ACE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtoMatch {
    /// `ip` (IPv4 ACL) or `ipv6` (IPv6 ACL): every protocol.
    Any,
    Number(u8),
    /// `object-group NAME` (service).
    Group(String),
}

/// One access-control entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    pub seq: u32,
    pub action: Action,
    pub proto: ProtoMatch,
    pub src: AddrMatch,
    pub sport: Option<PortOp>,
    pub dst: AddrMatch,
    pub dport: Option<PortOp>,
    /// ICMP type (and code) to match.
    pub icmp: Option<(u8, Option<u8>)>,
    /// TCP with ACK or RST only.
    pub established: bool,
    pub log: bool,
    /// The entry as written (without its sequence number), for counterexamples.
    pub text: String,
    /// 1-based line of the configuration text.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acl {
    pub name: String,
    pub v6: bool,
    /// A standard ACL: entries match the source address only.
    pub standard: bool,
    pub entries: Vec<Ace>,
}

/// One entry of `object-group service`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceMatch {
    /// `None`: every protocol (`ip`).
    pub proto: Option<u8>,
    pub sport: Option<PortOp>,
    pub dport: Option<PortOp>,
    pub icmp: Option<(u8, Option<u8>)>,
}

/// Inbound and outbound ACL names bound to an interface.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    pub v4_in: Option<String>,
    pub v4_out: Option<String>,
    pub v6_in: Option<String>,
    pub v6_out: Option<String>,
}

impl Binding {
    /// The ACL bound for one family and direction.
    pub fn acl(&self, v6: bool, inbound: bool) -> Option<&String> {
        match (v6, inbound) {
            (false, true) => self.v4_in.as_ref(),
            (false, false) => self.v4_out.as_ref(),
            (true, true) => self.v6_in.as_ref(),
            (true, false) => self.v6_out.as_ref(),
        }
    }
}

/// Everything the reader understood of a configuration.
#[derive(Debug, Clone, Default)]
pub struct IosConfig {
    pub acls: BTreeMap<String, Acl>,
    pub net_groups: BTreeMap<String, Vec<AddrMatch>>,
    pub svc_groups: BTreeMap<String, Vec<ServiceMatch>>,
    pub interfaces: BTreeMap<String, Binding>,
}

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

/// The interface an `interface` line configures, by its full name: `Gi0/1`, `gi 0/1` and
/// `GigabitEthernet0/1` are one interface on IOS, and the policy names it by its full name. A
/// type the table does not know stays as written (the policy cannot name it, so it is never
/// looked up). Words after the number (`point-to-point`) are not part of the name.
fn interface_name(first: &str, rest: &[&str]) -> String {
    let written = match rest.first() {
        Some(n)
            if !first.ends_with(|c: char| c.is_ascii_digit())
                && n.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            format!("{first}{n}")
        }
        _ => first.to_string(),
    };
    ios_ifname::canonical(&written).unwrap_or(written)
}

enum Ctx {
    Top,
    Acl(String),
    NetGroup(String),
    SvcGroup(String),
    Interface(String),
}

/// Reads configuration text. Lines outside ACLs, object-groups and `ip access-group` /
/// `ipv6 traffic-filter` bindings (VLANs, descriptions, comments) are skipped; inside an ACL or
/// object-group every line must be understood.
pub fn parse(text: &str) -> Result<IosConfig, ParseError> {
    let mut cfg = IosConfig::default();
    let mut ctx = Ctx::Top;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |m: String| ParseError {
            line: line_no,
            message: m,
        };
        let line = raw.trim_end();
        if line.trim_start().starts_with('!') || line.trim().is_empty() {
            continue;
        }
        let indented = line.starts_with(' ');
        let toks: Vec<&str> = line.split_whitespace().collect();
        if !indented {
            ctx = Ctx::Top;
            match toks.as_slice() {
                ["ip", "access-list", kind @ ("extended" | "standard"), name] => {
                    let acl = cfg.acls.entry(name.to_string()).or_insert(Acl {
                        name: name.to_string(),
                        v6: false,
                        standard: *kind == "standard",
                        entries: Vec::new(),
                    });
                    if acl.standard != (*kind == "standard") {
                        return Err(err(format!("ACL {name} is both standard and extended")));
                    }
                    ctx = Ctx::Acl(name.to_string());
                }
                ["ipv6", "access-list", name] => {
                    cfg.acls.entry(name.to_string()).or_insert(Acl {
                        name: name.to_string(),
                        v6: true,
                        standard: false,
                        entries: Vec::new(),
                    });
                    ctx = Ctx::Acl(name.to_string());
                }
                ["access-list", number, "remark", ..] if number.parse::<u16>().is_ok() => {}
                ["access-list", number, rest @ ..] if number.parse::<u16>().is_ok() => {
                    // Numbered ACLs: 1-99 and 1300-1999 standard, 100-199 and 2000-2699
                    // extended, one entry per line, numbered in steps of 10.
                    let n: u16 = number.parse().unwrap_or(0);
                    let standard = match n {
                        1..=99 | 1300..=1999 => true,
                        100..=199 | 2000..=2699 => false,
                        _ => {
                            return Err(err(format!(
                                "access-list {n}: not an IP access-list number"
                            )))
                        }
                    };
                    let acl = cfg.acls.entry(number.to_string()).or_insert(Acl {
                        name: number.to_string(),
                        v6: false,
                        standard,
                        entries: Vec::new(),
                    });
                    let last = acl.entries.last().map_or(0, |e| e.seq);
                    // Numbered entries carry no sequence number: a leading number is not one.
                    if rest.first().is_some_and(|w| w.parse::<u32>().is_ok()) {
                        return Err(err("unexpected number after the access-list number".into()));
                    }
                    let mut ace = if standard {
                        parse_std_ace(rest, last)
                    } else {
                        parse_ace(rest, false, last)
                    }
                    .map_err(err)?;
                    ace.line = line_no;
                    acl.entries.push(ace);
                }
                ["no", "access-list", number] => {
                    cfg.acls.remove(*number);
                }
                ["object-group", "network", name] => {
                    cfg.net_groups.entry(name.to_string()).or_default();
                    ctx = Ctx::NetGroup(name.to_string());
                }
                ["object-group", "service", name] => {
                    cfg.svc_groups.entry(name.to_string()).or_default();
                    ctx = Ctx::SvcGroup(name.to_string());
                }
                ["interface", first, rest @ ..] if *first != "range" => {
                    let name = interface_name(first, rest);
                    cfg.interfaces.entry(name.clone()).or_default();
                    ctx = Ctx::Interface(name);
                }
                ["no", "ip", "access-list", "extended" | "standard", name]
                | ["no", "ipv6", "access-list", name] => {
                    cfg.acls.remove(*name);
                }
                _ => {}
            }
            continue;
        }
        match &ctx {
            Ctx::Top => {}
            Ctx::Acl(name) => {
                if toks.first() == Some(&"remark") {
                    continue;
                }
                let Some(acl) = cfg.acls.get_mut(name) else {
                    continue;
                };
                let v6 = acl.v6;
                let last = acl.entries.last().map_or(0, |e| e.seq);
                let mut ace = if acl.standard {
                    parse_std_ace(&toks, last)
                } else {
                    parse_ace(&toks, v6, last)
                }
                .map_err(err)?;
                ace.line = line_no;
                if acl.entries.iter().any(|e| e.seq == ace.seq) {
                    return Err(err(format!("duplicate sequence number {}", ace.seq)));
                }
                let pos = acl.entries.partition_point(|e| e.seq < ace.seq);
                acl.entries.insert(pos, ace);
            }
            Ctx::NetGroup(name) => {
                let mut t = Toks::new(&toks);
                let m = match t.peek() {
                    Some("host") | Some("any") => t.addr(false).map_err(err)?,
                    Some(_) => {
                        let a = t.ipv4().map_err(err)?;
                        let mask = t.ipv4().map_err(err)?;
                        // Object-groups take subnet masks, not wildcards.
                        AddrMatch::V4 {
                            addr: a & mask,
                            wildcard: !mask,
                        }
                    }
                    None => return Err(err("empty object-group entry".into())),
                };
                t.end().map_err(err)?;
                cfg.net_groups.entry(name.clone()).or_default().push(m);
            }
            Ctx::SvcGroup(name) => {
                let m = parse_service(&toks).map_err(err)?;
                cfg.svc_groups.entry(name.clone()).or_default().push(m);
            }
            Ctx::Interface(name) => {
                let b = cfg.interfaces.entry(name.clone()).or_default();
                match toks.as_slice() {
                    ["ip", "access-group", acl, "in"] => b.v4_in = Some(acl.to_string()),
                    ["ip", "access-group", acl, "out"] => b.v4_out = Some(acl.to_string()),
                    ["ipv6", "traffic-filter", acl, "in"] => b.v6_in = Some(acl.to_string()),
                    ["ipv6", "traffic-filter", acl, "out"] => b.v6_out = Some(acl.to_string()),
                    ["no", "ip", "access-group", ..] => b.v4_in = None,
                    ["no", "ipv6", "traffic-filter", ..] => b.v6_in = None,
                    _ => {}
                }
            }
        }
    }
    Ok(cfg)
}

struct Toks<'a> {
    t: &'a [&'a str],
    i: usize,
}

impl<'a> Toks<'a> {
    fn new(t: &'a [&'a str]) -> Self {
        Toks { t, i: 0 }
    }
    fn peek(&self) -> Option<&'a str> {
        self.t.get(self.i).copied()
    }
    fn next(&mut self) -> Result<&'a str, String> {
        let v = self
            .peek()
            .ok_or_else(|| "unexpected end of line".to_string())?;
        self.i += 1;
        Ok(v)
    }
    fn eat(&mut self, w: &str) -> bool {
        if self.peek() == Some(w) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn end(&self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(x) => Err(format!("unexpected `{x}`")),
        }
    }
    fn ipv4(&mut self) -> Result<u32, String> {
        let s = self.next()?;
        s.parse::<std::net::Ipv4Addr>()
            .map(u32::from)
            .map_err(|_| format!("`{s}` is not an IPv4 address"))
    }
    /// `any`, `host A`, `object-group N`, `A WILDCARD` (v4) or `A/LEN` (v6).
    fn addr(&mut self, v6: bool) -> Result<AddrMatch, String> {
        let s = self.next()?;
        match s {
            "any" => Ok(AddrMatch::Any),
            "object-group" => Ok(AddrMatch::Group(self.next()?.to_string())),
            "host" => {
                let a = self.next()?;
                match a.parse::<IpAddr>() {
                    Ok(IpAddr::V4(x)) if !v6 => Ok(AddrMatch::V4 {
                        addr: x.into(),
                        wildcard: 0,
                    }),
                    Ok(IpAddr::V6(x)) if v6 => Ok(AddrMatch::V6 {
                        addr: x.into(),
                        len: 128,
                    }),
                    _ => Err(format!("`{a}` is not a host address of this ACL's family")),
                }
            }
            _ if v6 => {
                let (a, l) = s
                    .split_once('/')
                    .ok_or_else(|| format!("`{s}` is not an IPv6 prefix"))?;
                let addr: std::net::Ipv6Addr = a
                    .parse()
                    .map_err(|_| format!("`{a}` is not an IPv6 address"))?;
                let len: u8 = l
                    .parse()
                    .ok()
                    .filter(|l| *l <= 128)
                    .ok_or_else(|| format!("bad prefix length `{l}`"))?;
                let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                Ok(AddrMatch::V6 {
                    addr: u128::from(addr) & mask,
                    len,
                })
            }
            _ => {
                let addr: std::net::Ipv4Addr =
                    s.parse().map_err(|_| format!("`{s}` is not an address"))?;
                let wildcard = self.ipv4()?;
                Ok(AddrMatch::V4 {
                    addr: u32::from(addr) & !wildcard,
                    wildcard,
                })
            }
        }
    }
    fn port(&mut self, proto: Option<u8>) -> Result<u16, String> {
        let s = self.next()?;
        if let Ok(p) = s.parse::<u16>() {
            return Ok(p);
        }
        port_name(s, proto).ok_or_else(|| format!("unknown port `{s}`"))
    }
    /// An optional port operator (only for tcp and udp).
    fn port_op(&mut self, proto: Option<u8>) -> Result<Option<PortOp>, String> {
        if !matches!(proto, Some(6) | Some(17)) {
            return Ok(None);
        }
        let op = match self.peek() {
            Some("eq") => PortOp::Eq(0),
            Some("neq") => PortOp::Neq(0),
            Some("lt") => PortOp::Lt(0),
            Some("gt") => PortOp::Gt(0),
            Some("range") => PortOp::Range(0, 0),
            _ => return Ok(None),
        };
        self.i += 1;
        let a = self.port(proto)?;
        Ok(Some(match op {
            PortOp::Eq(_) => PortOp::Eq(a),
            PortOp::Neq(_) => PortOp::Neq(a),
            PortOp::Lt(_) => PortOp::Lt(a),
            PortOp::Gt(_) => PortOp::Gt(a),
            PortOp::Range(..) => PortOp::Range(a, self.port(proto)?),
        }))
    }
    /// An optional ICMP type (number or name) and code.
    fn icmp(&mut self, v6: bool) -> Result<Option<(u8, Option<u8>)>, String> {
        let Some(s) = self.peek() else {
            return Ok(None);
        };
        let t = if let Ok(n) = s.parse::<u8>() {
            n
        } else if let Some((n, c)) = icmp_name(s, v6) {
            self.i += 1;
            return Ok(Some((n, c)));
        } else {
            return Ok(None);
        };
        self.i += 1;
        let code = match self.peek().and_then(|c| c.parse::<u8>().ok()) {
            Some(c) => {
                self.i += 1;
                Some(c)
            }
            None => None,
        };
        Ok(Some((t, code)))
    }
}

fn proto_number(s: &str, v6: bool) -> Option<ProtoMatch> {
    Some(ProtoMatch::Number(match s {
        "ip" if !v6 => return Some(ProtoMatch::Any),
        "ipv6" if v6 => return Some(ProtoMatch::Any),
        "tcp" => 6,
        "udp" => 17,
        "icmp" if v6 => 58,
        "icmp" => 1,
        "igmp" => 2,
        "gre" => 47,
        "esp" => 50,
        "ahp" => 51,
        "eigrp" => 88,
        "ospf" => 89,
        "nos" => 94,
        "pim" => 103,
        "pcp" => 108,
        "sctp" => 132,
        _ => return s.parse::<u8>().ok().map(ProtoMatch::Number),
    }))
}

/// Port names as IOS prints them (it rewrites well-known numbers in `show` output).
fn port_name(s: &str, proto: Option<u8>) -> Option<u16> {
    let tcp = proto == Some(6);
    Some(match s {
        "bgp" if tcp => 179,
        "chargen" => 19,
        "cmd" if tcp => 514,
        "daytime" if tcp => 13,
        "discard" => 9,
        "domain" => 53,
        "echo" => 7,
        "exec" if tcp => 512,
        "finger" if tcp => 79,
        "ftp" if tcp => 21,
        "ftp-data" if tcp => 20,
        "gopher" if tcp => 70,
        "hostname" if tcp => 101,
        "ident" if tcp => 113,
        "irc" if tcp => 194,
        "klogin" if tcp => 543,
        "kshell" if tcp => 544,
        "login" if tcp => 513,
        "lpd" if tcp => 515,
        "nntp" if tcp => 119,
        "pop2" if tcp => 109,
        "pop3" if tcp => 110,
        "smtp" if tcp => 25,
        "sunrpc" => 111,
        "tacacs" => 49,
        "talk" => 517,
        "telnet" if tcp => 23,
        "time" if tcp => 37,
        "uucp" if tcp => 540,
        "whois" if tcp => 43,
        "www" if tcp => 80,
        "biff" if !tcp => 512,
        "bootpc" if !tcp => 68,
        "bootps" if !tcp => 67,
        "isakmp" if !tcp => 500,
        "mobile-ip" if !tcp => 434,
        "nameserver" if !tcp => 42,
        "netbios-dgm" if !tcp => 138,
        "netbios-ns" if !tcp => 137,
        "netbios-ss" if !tcp => 139,
        "non500-isakmp" if !tcp => 4500,
        "ntp" if !tcp => 123,
        "rip" if !tcp => 520,
        "snmp" if !tcp => 161,
        "snmptrap" if !tcp => 162,
        "syslog" if !tcp => 514,
        "tftp" if !tcp => 69,
        "who" if !tcp => 513,
        "xdmcp" if !tcp => 177,
        _ => return None,
    })
}

/// ICMP message names: (type, code).
fn icmp_name(s: &str, v6: bool) -> Option<(u8, Option<u8>)> {
    Some(if v6 {
        match s {
            "echo-request" => (128, None),
            "echo-reply" => (129, None),
            "nd-ns" => (135, None),
            "nd-na" => (136, None),
            "router-solicitation" => (133, None),
            "router-advertisement" => (134, None),
            "packet-too-big" => (2, None),
            "unreachable" => (1, None),
            "time-exceeded" => (3, None),
            "parameter-problem" => (4, None),
            _ => return None,
        }
    } else {
        match s {
            "echo-reply" => (0, None),
            "unreachable" => (3, None),
            "net-unreachable" => (3, Some(0)),
            "host-unreachable" => (3, Some(1)),
            "port-unreachable" => (3, Some(3)),
            "packet-too-big" => (3, Some(4)),
            "source-quench" => (4, None),
            "redirect" => (5, None),
            "echo" => (8, None),
            "router-advertisement" => (9, None),
            "router-solicitation" => (10, None),
            "time-exceeded" => (11, None),
            "ttl-exceeded" => (11, Some(0)),
            "parameter-problem" => (12, None),
            "timestamp-request" => (13, None),
            "timestamp-reply" => (14, None),
            "information-request" => (15, None),
            "information-reply" => (16, None),
            "mask-request" => (17, None),
            "mask-reply" => (18, None),
            _ => return None,
        }
    })
}

/// `[N] permit|deny`: the sequence number, where the entry's text starts, and the action.
fn ace_head(t: &mut Toks, last_seq: u32) -> Result<(u32, usize, Action), String> {
    let seq = match t.peek().and_then(|s| s.parse::<u32>().ok()) {
        Some(n) => {
            t.i += 1;
            n
        }
        // Unnumbered entries go after the last one, in steps of 10, as IOS numbers them.
        None => last_seq.saturating_add(10),
    };
    let start = t.i;
    let action = match t.next()? {
        "permit" => Action::Permit,
        "deny" => Action::Deny,
        x => return Err(format!("expected `permit` or `deny`, found `{x}`")),
    };
    Ok((seq, start, action))
}

/// `[sequence] [N] permit|deny PROTO SRC [PORTOP] DST [PORTOP] [ICMP] [established] [log]`.
fn parse_ace(toks: &[&str], v6: bool, last_seq: u32) -> Result<Ace, String> {
    let mut t = Toks::new(toks);
    t.eat("sequence");
    let (seq, start, action) = ace_head(&mut t, last_seq)?;
    let p = t.next()?;
    let proto = if p == "object-group" {
        ProtoMatch::Group(t.next()?.to_string())
    } else {
        proto_number(p, v6).ok_or_else(|| format!("unknown protocol `{p}`"))?
    };
    let num = match proto {
        ProtoMatch::Number(n) => Some(n),
        _ => None,
    };
    let src = t.addr(v6)?;
    let sport = t.port_op(num)?;
    let dst = t.addr(v6)?;
    let dport = t.port_op(num)?;
    let icmp = if matches!(num, Some(1) | Some(58)) {
        t.icmp(v6)?
    } else {
        None
    };
    let mut established = false;
    let mut log = false;
    while let Some(w) = t.peek() {
        match w {
            "established" if num == Some(6) => established = true,
            "log" | "log-input" => log = true,
            _ => return Err(format!("unexpected `{w}`")),
        }
        t.i += 1;
    }
    Ok(Ace {
        seq,
        action,
        proto,
        src,
        sport,
        dst,
        dport,
        icmp,
        established,
        log,
        text: toks[start..].join(" "),
        line: 0,
    })
}

/// A standard ACL entry: `[N] permit|deny any|host A|A [WILDCARD] [log]`, every protocol to any
/// destination.
fn parse_std_ace(toks: &[&str], last_seq: u32) -> Result<Ace, String> {
    let mut t = Toks::new(toks);
    let (seq, start, action) = ace_head(&mut t, last_seq)?;
    let src = match t.peek() {
        Some("any") | Some("host") => t.addr(false)?,
        _ => {
            let addr = t.ipv4()?;
            let wildcard = match t.peek().and_then(|w| w.parse::<std::net::Ipv4Addr>().ok()) {
                Some(w) => {
                    t.i += 1;
                    u32::from(w)
                }
                None => 0,
            };
            AddrMatch::V4 { addr, wildcard }
        }
    };
    let mut log = false;
    while let Some(w) = t.peek() {
        match w {
            "log" => log = true,
            _ => return Err(format!("unexpected `{w}`")),
        }
        t.i += 1;
    }
    Ok(Ace {
        seq,
        action,
        proto: ProtoMatch::Any,
        src,
        sport: None,
        dst: AddrMatch::Any,
        dport: None,
        icmp: None,
        established: false,
        log,
        text: toks[start..].join(" "),
        line: 0,
    })
}

/// `tcp [source OP] [OP]`, `udp ...`, `icmp [TYPE]`, `ip`, or a protocol number.
fn parse_service(toks: &[&str]) -> Result<ServiceMatch, String> {
    let mut t = Toks::new(toks);
    let p = t.next()?;
    let proto = match proto_number(p, false) {
        Some(ProtoMatch::Any) => None,
        Some(ProtoMatch::Number(n)) => Some(n),
        _ => return Err(format!("unknown protocol `{p}`")),
    };
    let mut m = ServiceMatch {
        proto,
        sport: None,
        dport: None,
        icmp: None,
    };
    if t.eat("source") {
        m.sport = t.port_op(proto)?;
    }
    m.dport = t.port_op(proto)?;
    if proto == Some(1) {
        m.icmp = t.icmp(false)?;
    }
    t.end()?;
    Ok(m)
}

fn addr_matches(cfg: &IosConfig, m: &AddrMatch, ip: IpAddr, depth: u8) -> bool {
    match (m, ip) {
        (AddrMatch::Any, _) => true,
        (AddrMatch::V4 { addr, wildcard }, IpAddr::V4(a)) => {
            (u32::from(a) & !wildcard) == (addr & !wildcard)
        }
        (AddrMatch::V6 { addr, len }, IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(*len)).unwrap_or(0);
            (u128::from(a) & mask) == (addr & mask)
        }
        // A group that does not exist matches nothing (IOS refuses to reference one).
        (AddrMatch::Group(g), _) if depth < 8 => cfg
            .net_groups
            .get(g)
            .is_some_and(|es| es.iter().any(|e| addr_matches(cfg, e, ip, depth + 1))),
        _ => false,
    }
}

fn ports_match(op: Option<PortOp>, p: u16) -> bool {
    op.is_none_or(|o| o.matches(p))
}

fn icmp_matches(m: Option<(u8, Option<u8>)>, pkt: &Packet) -> bool {
    // A Packet carries the ICMP type in `dport` and no code: a match on a code is treated as a
    // match on the type (the evaluator errs towards permitting, so tests catch over-permissive
    // text rather than missing it).
    m.is_none_or(|(t, _)| u16::from(t) == pkt.dport)
}

fn ace_matches(cfg: &IosConfig, ace: &Ace, pkt: &Packet, ack: bool) -> bool {
    let proto_ok = match &ace.proto {
        ProtoMatch::Any => true,
        ProtoMatch::Number(n) => {
            *n == pkt.proto
                && ports_match(ace.sport, pkt.sport)
                && ports_match(ace.dport, pkt.dport)
                && (!matches!(n, 1 | 58) || icmp_matches(ace.icmp, pkt))
        }
        ProtoMatch::Group(g) => cfg.svc_groups.get(g).is_some_and(|es| {
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

impl IosConfig {
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
        for ace in &acl.entries {
            if ace_matches(self, ace, pkt, ack) {
                return Decision {
                    permit: ace.action == Action::Permit,
                    acl: Some(name.to_string()),
                    seq: Some(ace.seq),
                    text: ace.text.clone(),
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

fn icmp_ivs(m: Option<(u8, Option<u8>)>) -> Result<Ivs, String> {
    match m {
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
    icmp: Option<(u8, Option<u8>)>,
) -> Result<ProtoParts, String> {
    let all_ports = Ivs::range(0, 65535);
    Ok(match proto {
        None => (Ivs::range(0, 255), all_ports.clone(), all_ports),
        Some(n @ (6 | 17)) => (Ivs::point(n.into()), port_ivs(sport), port_ivs(dport)),
        Some(n @ (1 | 58)) => (Ivs::point(n.into()), all_ports, icmp_ivs(icmp)?),
        Some(n) => (Ivs::point(n.into()), all_ports.clone(), all_ports),
    })
}

impl IosConfig {
    fn addr_ivs(&self, m: &AddrMatch, fam: Family, depth: u8) -> Result<Ivs, String> {
        Ok(match (m, fam) {
            (AddrMatch::Any, _) => fam.all_addrs(),
            (AddrMatch::V4 { addr, wildcard }, Family::V4) => wildcard_ivs(*addr, *wildcard)?,
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
                    .get(g)
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
            ProtoMatch::Number(n) => vec![proto_parts(Some(*n), ace.sport, ace.dport, ace.icmp)?],
            // A service group that does not exist matches nothing.
            ProtoMatch::Group(g) => self
                .svc_groups
                .get(g)
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
    fn acl_items(
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
        for ace in &acl.entries {
            let tag: Tag = Rc::from(format!(
                "{file}:{}: {name} {} {}",
                ace.line, ace.seq, ace.text
            ));
            let space = self
                .ace_space(ace, fam, &tag)
                .map_err(|message| ReadError {
                    file: file.to_string(),
                    line: ace.line,
                    message,
                })?;
            let term = match ace.action {
                Action::Permit => Term::Accept,
                Action::Deny => Term::Drop,
            };
            items.push(Item { space, term, tag });
        }
        let implicit =
            |what: &str| -> Tag { Rc::from(format!("{file}: {name} (implicit) {what}")) };
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
    /// is bound.
    pub fn filter_items(
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
                    let tag: Tag = Rc::from(why);
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
mod tests {
    use super::*;

    const TEXT: &str = "\
! comment
object-group network OG-A
 host 10.0.0.5
 10.1.0.0 255.255.255.0
object-group service OG-S
 tcp eq 502
 udp range 2222 2223
 icmp echo
ip access-list extended A1
 remark x
 10 permit tcp 10.20.0.0 0.0.0.255 host 10.10.1.5 eq 502
 20 permit udp host 10.20.0.9 10.10.1.0 0.0.0.255 eq 2222 log
 30 permit tcp 10.10.0.0 0.0.255.255 eq www 10.20.0.0 0.0.0.255 established
 permit object-group OG-S object-group OG-A any
 50 permit icmp any any echo-reply
 60 permit tcp any 10.0.0.0 0.255.0.255 gt 1023
 70 deny ip any any log
ipv6 access-list A6
 sequence 10 permit tcp fd00::/64 host fd00:1::1 eq 22
 sequence 20 deny ipv6 any any log
interface GigabitEthernet0/1
 ip access-group A1 in
 ipv6 traffic-filter A6 in
interface GigabitEthernet0/2
 ip access-group MISSING in
access-list 101 remark numbered, extended
access-list 101 permit tcp 10.20.0.0 0.0.0.255 any eq 22
access-list 101 deny udp any any range 2222 2223
access-list 101 permit ip host 10.10.1.5 any
ip access-list standard S1
 10 permit host 10.20.0.9
 20 deny 10.20.0.0 0.0.0.255 log
 30 permit any
access-list 7 permit 10.77.0.0 0.0.255.255
interface GigabitEthernet0/3
 ip access-group 101 in
 ip access-group S1 out
interface GigabitEthernet0/4
 ip access-group 7 in
";

    fn pkt(s: &str, d: &str, proto: u8, sport: u16, dport: u16) -> Packet {
        Packet {
            src: s.parse().unwrap(),
            dst: d.parse().unwrap(),
            proto,
            sport,
            dport,
            ack: false,
        }
    }

    #[test]
    fn reads_and_evaluates_first_match() {
        let c = parse(TEXT).unwrap();
        let a = &c.acls["A1"];
        assert_eq!(
            a.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [10, 20, 30, 40, 50, 60, 70]
        );
        let i = "GigabitEthernet0/1";
        assert_eq!(
            c.evaluate_in(i, &pkt("10.20.0.7", "10.10.1.5", 6, 40000, 502), false)
                .seq,
            Some(10)
        );
        assert!(
            !c.evaluate_in(i, &pkt("10.20.0.7", "10.10.1.6", 6, 40000, 502), false)
                .permit
        );
        assert!(
            c.evaluate_in(i, &pkt("10.20.0.9", "10.10.1.77", 17, 5, 2222), false)
                .permit
        );
        // established needs ACK/RST.
        assert!(
            c.evaluate_in(i, &pkt("10.10.3.3", "10.20.0.1", 6, 80, 1000), true)
                .permit
        );
        assert_eq!(
            c.evaluate_in(i, &pkt("10.10.3.3", "10.20.0.1", 6, 80, 1000), false)
                .seq,
            Some(70)
        );
        // object-groups: subnet mask syntax.
        assert_eq!(
            c.evaluate_in(i, &pkt("10.1.0.200", "8.8.8.8", 17, 1, 2223), false)
                .seq,
            Some(40)
        );
        assert_eq!(
            c.evaluate_in(i, &pkt("10.1.1.200", "8.8.8.8", 17, 1, 2223), false)
                .seq,
            Some(70)
        );
        assert_eq!(
            c.evaluate_in(i, &pkt("10.0.0.5", "8.8.8.8", 1, 0, 8), false)
                .seq,
            Some(40)
        );
        // Discontiguous wildcard: 10.x.0.y.
        assert_eq!(
            c.evaluate_in(i, &pkt("1.1.1.1", "10.77.0.9", 6, 1, 2000), false)
                .seq,
            Some(60)
        );
        assert_eq!(
            c.evaluate_in(i, &pkt("1.1.1.1", "10.77.1.9", 6, 1, 2000), false)
                .seq,
            Some(70)
        );
        // IPv6.
        assert!(
            c.evaluate_in(i, &pkt("fd00::9", "fd00:1::1", 6, 1, 22), false)
                .permit
        );
        assert!(
            !c.evaluate_in(i, &pkt("fd00::9", "fd00:1::1", 6, 1, 23), false)
                .permit
        );
        // Missing ACL and unbound interfaces pass everything, as on IOS.
        assert!(
            c.evaluate_in(
                "GigabitEthernet0/2",
                &pkt("1.1.1.1", "2.2.2.2", 6, 1, 1),
                false
            )
            .permit
        );
        assert!(
            c.evaluate_in("Gi9", &pkt("1.1.1.1", "2.2.2.2", 6, 1, 1), false)
                .permit
        );
    }

    #[test]
    fn implicit_nd_permits_only_without_explicit_deny() {
        let c = parse("ipv6 access-list X\n sequence 10 permit tcp any any eq 22\n").unwrap();
        assert!(
            c.evaluate_acl("X", &pkt("fe80::1", "fe80::2", 58, 0, 135), false)
                .permit
        );
        assert!(
            !c.evaluate_acl("X", &pkt("fe80::1", "fe80::2", 58, 0, 128), false)
                .permit
        );
        let c = parse("ipv6 access-list X\n sequence 10 deny ipv6 any any\n").unwrap();
        assert!(
            !c.evaluate_acl("X", &pkt("fe80::1", "fe80::2", 58, 0, 135), false)
                .permit
        );
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        assert!(parse("ip access-list extended X\n 10 permit tcp 10.0.0.0/24 any\n").is_err());
        assert!(parse("ip access-list extended X\n 10 allow ip any any\n").is_err());
        assert!(parse("ip access-list extended X\n 10 permit ip any any fragments\n").is_err());
        assert!(
            parse("ip access-list extended X\n 10 permit ip any any\n 10 deny ip any any\n")
                .is_err()
        );
        let e =
            parse("ip access-list extended X\n 10 permit tcp any any eq nosuchport\n").unwrap_err();
        assert_eq!(e.line, 2);
    }
    /// The packet spaces of the ACLs decide exactly like the evaluator, on every combination of
    /// boundary values of the example configuration.
    #[test]
    fn spaces_decide_like_the_evaluator() {
        use crate::dialect::config::{accepted, intersect};
        let c = parse(TEXT).unwrap();
        let addrs4 = [
            "10.20.0.0",
            "10.20.0.9",
            "10.20.0.255",
            "10.20.1.0",
            "10.10.1.5",
            "10.10.1.6",
            "10.10.3.3",
            "10.0.0.5",
            "10.1.0.200",
            "10.1.1.200",
            "10.77.0.9",
            "10.77.1.9",
            "8.8.8.8",
        ];
        let addrs6 = ["fd00::9", "fd00:0:0:1::9", "fd00:1::1", "fd00:1::2", "::"];
        let protos = [1u8, 6, 17, 47, 58];
        let sports = [0u16, 1, 80, 443, 40000];
        let dports = [
            0u16, 8, 22, 23, 135, 136, 502, 1023, 1024, 2222, 2223, 2224, 65535,
        ];
        let mut n = 0;
        for iface in [
            "GigabitEthernet0/1",
            "GigabitEthernet0/2",
            "GigabitEthernet0/3",
            "GigabitEthernet0/4",
            "Gi9",
        ] {
            let inb = accepted(&c.filter_items("t.txt", iface, true).unwrap());
            let out = accepted(&c.filter_items("t.txt", iface, false).unwrap());
            let both = intersect(&inb, &out, false);
            for (fam, addrs) in [(4, &addrs4[..]), (6, &addrs6[..])] {
                for s in addrs {
                    for d in addrs {
                        for &proto in &protos {
                            if (proto == 1 && fam == 6) || (proto == 58 && fam == 4) {
                                continue;
                            }
                            for &sport in &sports {
                                for &dport in &dports {
                                    let (sport, dport) = match proto {
                                        6 | 17 => (sport, dport),
                                        1 | 58 if dport < 256 => (0, dport),
                                        1 | 58 => continue,
                                        _ => (0, 0),
                                    };
                                    for ack in [false, true] {
                                        if ack && proto != 6 {
                                            continue;
                                        }
                                        let mut p = pkt(s, d, proto, sport, dport);
                                        p.ack = ack;
                                        let want = c.evaluate_in(iface, &p, ack).permit;
                                        assert_eq!(
                                            inb.contains(&p).is_some(),
                                            want,
                                            "{iface}: {p}"
                                        );
                                        let out_ok = c.evaluate_out(iface, &p, ack).permit;
                                        assert_eq!(
                                            both.contains(&p).is_some(),
                                            want && out_ok,
                                            "{iface} in and out: {p}"
                                        );
                                        n += 1;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(n > 10_000, "{n}");
    }

    #[test]
    fn wildcards_and_port_operators_as_intervals() {
        // 10.x.0.y: 256 intervals of 256 addresses.
        let w = wildcard_ivs(0x0A00_0000, 0x00FF_00FF).unwrap();
        assert_eq!(w.0.len(), 256);
        assert_eq!(w.count(), 65536);
        assert!(w.contains(0x0A4D_0009) && !w.contains(0x0A4D_0109));
        assert_eq!(
            wildcard_ivs(0, u32::MAX).unwrap(),
            Ivs::range(0, u32::MAX as u128)
        );
        assert_eq!(
            wildcard_ivs(0x0A00_0005, 0).unwrap(),
            Ivs::point(0x0A00_0005)
        );
        assert!(
            wildcard_ivs(0, 0xEAAA_AAAA).is_err(),
            "17 discontiguous bits"
        );
        assert_eq!(port_ivs(Some(PortOp::Lt(0))), Ivs::empty());
        assert_eq!(port_ivs(Some(PortOp::Gt(65535))), Ivs::empty());
        assert_eq!(port_ivs(Some(PortOp::Neq(0))), Ivs::range(1, 65535));
        assert_eq!(port_ivs(Some(PortOp::Range(5, 7))), Ivs::range(5, 7));
        assert!(
            icmp_ivs(Some((3, Some(1)))).is_err(),
            "ICMP codes are refused"
        );
    }
    #[test]
    fn numbered_and_standard_acls() {
        let c = parse(TEXT).unwrap();
        assert!(c.acls["7"].standard && !c.acls["101"].standard && c.acls["S1"].standard);
        assert_eq!(c.acls["101"].entries.len(), 3, "the remark is no entry");
        let p = |s, d, proto, dport| pkt(s, d, proto, 40000, dport);
        let (g3, g4) = ("GigabitEthernet0/3", "GigabitEthernet0/4");
        assert!(
            c.evaluate_in(g3, &p("10.20.0.5", "1.1.1.1", 6, 22), false)
                .permit
        );
        assert!(
            !c.evaluate_in(g3, &p("10.20.0.5", "1.1.1.1", 6, 23), false)
                .permit
        );
        assert_eq!(
            c.evaluate_in(g3, &p("10.10.1.5", "1.1.1.1", 17, 2222), false)
                .seq,
            Some(20),
            "the deny comes first"
        );
        assert!(
            c.evaluate_in(g3, &p("10.10.1.5", "1.1.1.1", 17, 53), false)
                .permit
        );
        assert!(
            c.evaluate_out(g3, &p("10.20.0.9", "1.1.1.1", 6, 1), false)
                .permit
        );
        assert!(
            !c.evaluate_out(g3, &p("10.20.0.7", "1.1.1.1", 6, 1), false)
                .permit
        );
        assert!(
            c.evaluate_out(g3, &p("10.30.0.7", "1.1.1.1", 6, 1), false)
                .permit
        );
        assert!(
            c.evaluate_in(g4, &p("10.77.5.5", "1.1.1.1", 47, 0), false)
                .permit
        );
        assert!(
            !c.evaluate_in(g4, &p("10.78.0.1", "1.1.1.1", 6, 1), false)
                .permit
        );
        assert!(parse("access-list 300 permit any\n").is_err());
        assert!(parse("access-list 5 permit tcp any any\n").is_err());
    }

    #[test]
    fn interface_lines_name_interfaces_as_ios_does() {
        let cfg = parse(
            "interface GigabitEthernet0/1\n ip access-group A in\n\
             interface gi 0/01\n ip access-group B in\n\
             interface Serial0/1/0:0 point-to-point\n ip access-group C in\n\
             interface Po 10\n ipv6 traffic-filter D out\n\
             interface range Gi1/0/1 - 4\n ip access-group E in\n\
             interface outside\n ip access-group F in\n",
        )
        .unwrap();
        let names: Vec<&str> = cfg.interfaces.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "GigabitEthernet0/1",
                "Port-channel10",
                "Serial0/1/0:0",
                "outside"
            ]
        );
        // The later binding under another spelling replaced the first, as on IOS.
        for name in ["GigabitEthernet0/1", "Gi0/1", "gigabitethernet0/1"] {
            let b = cfg.binding(name).unwrap();
            assert_eq!(b.v4_in.as_deref(), Some("B"), "{name}");
        }
        assert_eq!(
            cfg.binding("Se0/1/0:0").unwrap().v4_in.as_deref(),
            Some("C")
        );
        assert_eq!(
            cfg.binding("Port-channel10").unwrap().v6_out.as_deref(),
            Some("D")
        );
        assert_eq!(cfg.binding("outside").unwrap().v4_in.as_deref(), Some("F"));
    }
}
