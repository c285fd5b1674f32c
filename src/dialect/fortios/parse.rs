//! FortiOS CLI text back into a [`FortiConfig`]: a file fenceline generated, or the output of
//! `show full-configuration` (or a configuration backup) of a live FortiGate.
//!
//! The text is first read as FortiOS's own tree (`config` / `edit` / `set` / `next` / `end`,
//! nested `config` inside an `edit`), then the sections of [`KEPT`] are turned into typed
//! entries. Other sections are skipped whole. Inside a kept section, a `set` line that does not
//! change what passes (`uuid`, `color`, `vdom`, `role`, ...) is skipped; one that would and
//! that the reader does not model (a negated address, an internet service, users, NAT, a
//! schedule other than `always`, a protocol it does not know) is refused with its line.

use super::ast::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The sections the reader turns into typed entries.
pub const KEPT: &[&str] = &[
    "system interface",
    "system ha",
    "firewall address",
    "firewall address6",
    "firewall addrgrp",
    "firewall addrgrp6",
    "firewall service custom",
    "firewall service group",
    "firewall vip",
    "firewall policy",
    "firewall policy6",
    "firewall local-in-policy",
    "firewall local-in-policy6",
];

/// One `set KEY VALUE...` line.
#[derive(Debug)]
struct Set {
    line: usize,
    key: String,
    values: Vec<String>,
}

/// One `edit NAME` ... `next`.
#[derive(Debug)]
struct Edit {
    line: usize,
    name: String,
    sets: Vec<Set>,
    subs: Vec<Block>,
}

/// One `config PATH` ... `end`.
#[derive(Debug)]
struct Block {
    line: usize,
    path: String,
    edits: Vec<Edit>,
    /// `set` lines directly in the section (a settings section such as `config system global`).
    sets: Vec<Set>,
}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        line,
        message: message.into(),
    })
}

/// The words of a line: bare words and double-quoted strings (`\"` and `\\` escaped).
fn words(line: &str, n: usize) -> Result<Vec<String>, ParseError> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut w = String::new();
        if c == '"' {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some(e) => w.push(e),
                        None => break,
                    },
                    c => w.push(c),
                }
            }
            if !closed {
                return err(n, "unterminated string (`\"` missing)");
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                w.push(c);
                chars.next();
            }
        }
        out.push(w);
    }
    Ok(out)
}

/// Reads the tree of a file: its top-level `#` comments and its sections.
fn tree(text: &str) -> Result<(Vec<String>, Vec<Block>), ParseError> {
    let mut comments = Vec::new();
    let mut top: Vec<Block> = Vec::new();
    // The open sections and, per section, its open entry.
    let mut stack: Vec<(Block, Option<Edit>)> = Vec::new();
    let mut last = 0;
    for (k, raw) in text.lines().enumerate() {
        let n = k + 1;
        last = n;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            if stack.is_empty() && top.is_empty() {
                comments.push(c.trim().to_string());
            }
            continue;
        }
        let w = words(line, n)?;
        let Some(first) = w.first() else { continue };
        match first.as_str() {
            "config" => {
                if w.len() < 2 {
                    return err(n, "`config` without a section");
                }
                stack.push((
                    Block {
                        line: n,
                        path: w[1..].join(" "),
                        edits: Vec::new(),
                        sets: Vec::new(),
                    },
                    None,
                ));
            }
            "edit" => {
                let Some((_, open)) = stack.last_mut() else {
                    return err(n, "`edit` outside a `config` section");
                };
                if open.is_some() {
                    return err(n, "`edit` before the `next` of the entry above");
                }
                let Some(name) = w.get(1) else {
                    return err(n, "`edit` without a name");
                };
                *open = Some(Edit {
                    line: n,
                    name: name.clone(),
                    sets: Vec::new(),
                    subs: Vec::new(),
                });
            }
            "set" | "unset" | "append" | "select" | "unselect" => {
                let Some((block, open)) = stack.last_mut() else {
                    return err(n, format!("`{first}` outside a `config` section"));
                };
                if first != "set" {
                    // `unset` restores a default; generated and `show` output carry none that
                    // matter, and the kept sections' defaults are what the reader assumes.
                    if first == "append" || first == "select" || first == "unselect" {
                        return err(
                            n,
                            format!("`{first}` is not read: give the full value with `set`"),
                        );
                    }
                    continue;
                }
                let Some(key) = w.get(1) else {
                    return err(n, "`set` without a key");
                };
                let s = Set {
                    line: n,
                    key: key.clone(),
                    values: w[2..].to_vec(),
                };
                match open {
                    Some(e) => e.sets.push(s),
                    None => block.sets.push(s),
                }
            }
            "next" => {
                let Some((block, open)) = stack.last_mut() else {
                    return err(n, "`next` outside a `config` section");
                };
                match open.take() {
                    Some(e) => block.edits.push(e),
                    None => return err(n, "`next` without an `edit`"),
                }
            }
            "end" => {
                let Some((block, open)) = stack.pop() else {
                    return err(n, "`end` without a `config`");
                };
                if let Some(e) = open {
                    return err(
                        e.line,
                        format!("entry `{}` has no `next` before `end`", e.name),
                    );
                }
                match stack.last_mut() {
                    Some((_, Some(parent))) => parent.subs.push(block),
                    // A section nested directly in a section (no `edit` between).
                    Some((_, None)) => {}
                    None => top.push(block),
                }
            }
            other => {
                if stack.is_empty() {
                    return err(
                        n,
                        format!("`{other}` at the top level: expected `config SECTION`"),
                    );
                }
                return err(n, format!("unknown command `{other}`"));
            }
        }
    }
    if let Some((b, _)) = stack.last() {
        return err(
            last.max(b.line),
            format!("section `config {}` has no `end`", b.path),
        );
    }
    Ok((comments, top))
}

fn name(v: &str, n: usize) -> Result<Name, ParseError> {
    Name::new(v).map_or_else(
        || err(n, format!("`{v}` is not a name fenceline reads")),
        Ok,
    )
}

fn text(v: &[String], n: usize) -> Result<Text, ParseError> {
    let s = v.join(" ");
    Text::new(&s).map_or_else(
        || {
            err(
                n,
                format!(
                    "text `{}` holds a character fenceline does not read",
                    s.escape_default()
                ),
            )
        },
        Ok,
    )
}

fn names(s: &Set) -> Result<Vec<Name>, ParseError> {
    s.values.iter().map(|v| name(v, s.line)).collect()
}

fn one(s: &Set) -> Result<&str, ParseError> {
    match s.values.as_slice() {
        [v] => Ok(v),
        _ => err(s.line, format!("`set {}` takes one value", s.key)),
    }
}

fn num<T: std::str::FromStr>(s: &Set) -> Result<T, ParseError> {
    one(s)?.parse().map_or_else(
        |_| err(s.line, format!("`set {}`: not a number in range", s.key)),
        Ok,
    )
}

fn v4_mask(s: &Set) -> Result<(Ipv4Addr, u8), ParseError> {
    let (a, m) = match s.values.as_slice() {
        [a, m] => (a.as_str(), m.as_str()),
        [one] => match one.split_once('/') {
            Some((a, l)) => {
                let l: u8 = l.parse().unwrap_or(99);
                if l > 32 {
                    return err(s.line, format!("`{one}`: not an IPv4 prefix"));
                }
                let a: Ipv4Addr = a
                    .parse()
                    .map_or_else(|_| err(s.line, format!("`{a}` is not an IPv4 address")), Ok)?;
                return Ok((a, l));
            }
            None => {
                return err(
                    s.line,
                    format!("`set {}` takes an address and a mask", s.key),
                )
            }
        },
        _ => {
            return err(
                s.line,
                format!("`set {}` takes an address and a mask", s.key),
            )
        }
    };
    let a: Ipv4Addr = a
        .parse()
        .map_or_else(|_| err(s.line, format!("`{a}` is not an IPv4 address")), Ok)?;
    let m: Ipv4Addr = m
        .parse()
        .map_or_else(|_| err(s.line, format!("`{m}` is not an IPv4 netmask")), Ok)?;
    let l = mask_len(m).map_or_else(
        || err(s.line, format!("`{m}` is not a contiguous netmask")),
        Ok,
    )?;
    Ok((a, l))
}

fn v6_prefix(s: &Set) -> Result<(Ipv6Addr, u8), ParseError> {
    let v = one(s)?;
    let (a, l) = v
        .split_once('/')
        .map_or_else(|| err(s.line, format!("`{v}` is not an IPv6 prefix")), Ok)?;
    let a: Ipv6Addr = a
        .parse()
        .map_or_else(|_| err(s.line, format!("`{a}` is not an IPv6 address")), Ok)?;
    let l: u8 = l
        .parse()
        .ok()
        .filter(|l| *l <= 128)
        .map_or_else(|| err(s.line, format!("`{v}` is not an IPv6 prefix")), Ok)?;
    Ok((a, l))
}

fn accesses(s: &Set) -> Result<Vec<Access>, ParseError> {
    s.values
        .iter()
        .map(|v| {
            Access::parse(v).map_or_else(
                || {
                    err(
                        s.line,
                        format!(
                            "`allowaccess {v}` is not read: fenceline does not know what it opens"
                        ),
                    )
                },
                Ok,
            )
        })
        .collect()
}

/// `enable` or `disable` of a `set` line whose `enable` the reader does not model.
fn refuse_enable(s: &Set, what: &str) -> Result<(), ParseError> {
    if s.values.first().map(String::as_str) == Some("disable") {
        Ok(())
    } else {
        err(
            s.line,
            format!("`set {} {}` is not read: {what}", s.key, s.values.join(" ")),
        )
    }
}

fn interface(e: &Edit) -> Result<Interface, ParseError> {
    let mut i = Interface {
        name: name(&e.name, e.line)?,
        alias: None,
        description: None,
        ip: None,
        allowaccess: Vec::new(),
        ip6: None,
        allowaccess6: Vec::new(),
        down: false,
    };
    for s in &e.sets {
        match s.key.as_str() {
            "alias" => i.alias = Some(text(&s.values, s.line)?),
            "description" => i.description = Some(text(&s.values, s.line)?),
            "ip" => {
                let (a, l) = v4_mask(s)?;
                i.ip = (!a.is_unspecified()).then_some((a, l));
            }
            "allowaccess" => i.allowaccess = accesses(s)?,
            "status" => match one(s)? {
                "up" => i.down = false,
                "down" => i.down = true,
                v => return err(s.line, format!("`set status {v}`: expected `up` or `down`")),
            },
            _ => {}
        }
    }
    for b in &e.subs {
        if b.path != "ipv6" {
            continue;
        }
        for s in &b.sets {
            match s.key.as_str() {
                "ip6-address" => {
                    let (a, l) = v6_prefix(s)?;
                    i.ip6 = (!a.is_unspecified()).then_some((a, l));
                }
                "ip6-allowaccess" => i.allowaccess6 = accesses(s)?,
                _ => {}
            }
        }
    }
    Ok(i)
}

fn address(e: &Edit, v6: bool) -> Result<Address, ParseError> {
    let mut kind = if v6 { "ipprefix" } else { "ipmask" }.to_string();
    let mut subnet: Option<(IpAddr, u8)> = None;
    let mut start = None;
    let mut end = None;
    let mut comment = None;
    for s in &e.sets {
        match s.key.as_str() {
            "type" => kind = one(s)?.to_string(),
            "subnet" if !v6 => {
                let (a, l) = v4_mask(s)?;
                subnet = Some((IpAddr::V4(a), l));
            }
            "ip6" if v6 => {
                let (a, l) = v6_prefix(s)?;
                subnet = Some((IpAddr::V6(a), l));
            }
            "start-ip" | "end-ip" => {
                let v = one(s)?;
                let a: IpAddr = v
                    .parse()
                    .map_or_else(|_| err(s.line, format!("`{v}` is not an address")), Ok)?;
                if a.is_ipv6() != v6 {
                    return err(
                        s.line,
                        format!("`{v}` is not an IPv{} address", if v6 { 6 } else { 4 }),
                    );
                }
                if s.key == "start-ip" {
                    start = Some(a);
                } else {
                    end = Some(a);
                }
            }
            "comment" => comment = Some(text(&s.values, s.line)?),
            _ => {}
        }
    }
    let value = match kind.as_str() {
        "ipmask" | "ipprefix" => {
            let (a, l) = subnet.unwrap_or(if v6 {
                (IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0)
            } else {
                (IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)
            });
            AddrValue::Subnet(a, l)
        }
        "iprange" => {
            let zero = if v6 {
                IpAddr::V6(Ipv6Addr::UNSPECIFIED)
            } else {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            };
            AddrValue::Range(start.unwrap_or(zero), end.unwrap_or(zero))
        }
        other => AddrValue::Other(other.to_string()),
    };
    Ok(Address {
        name: name(&e.name, e.line)?,
        value,
        comment,
    })
}

fn group(e: &Edit) -> Result<Group, ParseError> {
    let mut g = Group {
        name: name(&e.name, e.line)?,
        members: Vec::new(),
        comment: None,
    };
    for s in &e.sets {
        match s.key.as_str() {
            "member" => g.members = names(s)?,
            "comment" => g.comment = Some(text(&s.values, s.line)?),
            "exclude" => refuse_enable(s, "a group with excluded members")?,
            _ => {}
        }
    }
    Ok(g)
}

fn port_pair(v: &str, line: usize) -> Result<(u16, u16), ParseError> {
    let p = |x: &str| {
        x.parse::<u16>()
            .map_or_else(|_| err(line, format!("`{v}` is not a port range")), Ok)
    };
    match v.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (p(a)?, p(b)?);
            if a > b {
                return err(line, format!("`{v}`: the range is empty"));
            }
            Ok((a, b))
        }
        None => {
            let a = p(v)?;
            Ok((a, a))
        }
    }
}

fn port_specs(s: &Set) -> Result<Vec<PortSpec>, ParseError> {
    s.values
        .iter()
        .map(|v| {
            let (d, src) = match v.split_once(':') {
                Some((d, s2)) => (d, Some(port_pair(s2, s.line)?)),
                None => (v.as_str(), None),
            };
            Ok(PortSpec {
                dst: port_pair(d, s.line)?,
                src,
            })
        })
        .collect()
}

/// An explicit-proxy service (`set proxy enable`): it matches no firewall policy's traffic, and
/// the reader does not keep it (a policy naming it is refused as naming an undefined service).
fn proxy(e: &Edit) -> bool {
    e.sets
        .iter()
        .any(|s| s.key == "proxy" && s.values.first().map(String::as_str) == Some("enable"))
}

fn service(e: &Edit) -> Result<Service, ParseError> {
    let mut proto = "TCP/UDP/SCTP".to_string();
    let mut proto_line = e.line;
    let (mut tcp, mut udp, mut sctp) = (Vec::new(), Vec::new(), Vec::new());
    let (mut icmptype, mut icmpcode, mut number) = (None, None, 0u8);
    let mut comment = None;
    for s in &e.sets {
        match s.key.as_str() {
            "protocol" => {
                proto = one(s)?.to_string();
                proto_line = s.line;
            }
            "tcp-portrange" => tcp = port_specs(s)?,
            "udp-portrange" => udp = port_specs(s)?,
            "sctp-portrange" => sctp = port_specs(s)?,
            "icmptype" => icmptype = Some(num(s)?),
            "icmpcode" => icmpcode = Some(num(s)?),
            "protocol-number" => number = num(s)?,
            "comment" => comment = Some(text(&s.values, s.line)?),
            "iprange" if !matches!(one(s)?, "0.0.0.0" | "0.0.0.0-0.0.0.0") => {
                return err(
                    s.line,
                    "a service limited to destination addresses (`iprange`) is not read",
                );
            }
            "fqdn" if !one(s)?.is_empty() => {
                return err(
                    s.line,
                    "a service limited to a domain name (`fqdn`) is not read",
                );
            }
            _ => {}
        }
    }
    let proto = match proto.as_str() {
        "TCP/UDP/SCTP" | "TCP/UDP/UDP-Lite/SCTP" => SvcProto::Ports { tcp, udp, sctp },
        "ICMP" | "ICMP6" => SvcProto::Icmp {
            v6: proto == "ICMP6",
            icmptype,
            icmpcode,
        },
        "IP" => SvcProto::Ip(number),
        other => {
            return err(
                proto_line,
                format!("service protocol `{other}` is not read (an explicit-proxy service?)"),
            )
        }
    };
    Ok(Service {
        name: name(&e.name, e.line)?,
        proto,
        comment,
    })
}

fn id(e: &Edit) -> Result<u32, ParseError> {
    e.name.parse().map_or_else(
        |_| err(e.line, format!("policy id `{}` is not a number", e.name)),
        Ok,
    )
}

fn action(s: &Set) -> Result<Action, ParseError> {
    match one(s)? {
        "accept" => Ok(Action::Accept),
        "deny" => Ok(Action::Deny),
        v => err(
            s.line,
            format!("`set action {v}` is not read: fenceline reads `accept` and `deny`"),
        ),
    }
}

fn status(s: &Set) -> Result<bool, ParseError> {
    match one(s)? {
        "enable" => Ok(false),
        "disable" => Ok(true),
        v => err(
            s.line,
            format!("`set status {v}`: expected `enable` or `disable`"),
        ),
    }
}

/// The `set` lines of a policy whose non-default value changes what it matches or does.
fn refused(s: &Set) -> Result<(), ParseError> {
    match s.key.as_str() {
        "srcaddr-negate" | "dstaddr-negate" | "srcaddr6-negate" | "dstaddr6-negate"
        | "service-negate" => refuse_enable(s, "negated matches are not modelled"),
        "internet-service"
        | "internet-service-src"
        | "internet-service6"
        | "internet-service6-src" => refuse_enable(s, "internet-service matches are not modelled"),
        "nat46" | "nat64" => refuse_enable(
            s,
            "address translation is not read (docs/targets/fortios.md)",
        ),
        "users" | "groups" | "fsso-groups" if !s.values.is_empty() => err(
            s.line,
            format!(
                "`set {}` is not read: a policy limited to authenticated users is not modelled",
                s.key
            ),
        ),
        "schedule" => match one(s)? {
            "always" => Ok(()),
            v => err(
                s.line,
                format!("schedule `{v}` is not read: only `always` is modelled"),
            ),
        },
        _ => Ok(()),
    }
}

fn policy(e: &Edit) -> Result<Policy, ParseError> {
    let mut p = Policy {
        id: id(e)?,
        name: None,
        srcintf: Vec::new(),
        dstintf: Vec::new(),
        srcaddr: Vec::new(),
        dstaddr: Vec::new(),
        srcaddr6: Vec::new(),
        dstaddr6: Vec::new(),
        // FortiOS's default action.
        action: Action::Deny,
        schedule: name("always", e.line)?,
        service: Vec::new(),
        logtraffic: None,
        disabled: false,
        nat: false,
        comments: None,
    };
    for s in &e.sets {
        refused(s)?;
        match s.key.as_str() {
            "nat" => p.nat = !status(s)?,
            "ippool" | "poolname" | "poolname6" if !s.values.is_empty() && s.values != ["disable"] => {
                return err(
                    s.line,
                    format!("`set {}` is not read: fenceline reads source translation by a virtual IP's mapping only", s.key),
                )
            }
            "name" => p.name = Some(name(one(s)?, s.line)?),
            "srcintf" => p.srcintf = names(s)?,
            "dstintf" => p.dstintf = names(s)?,
            "srcaddr" => p.srcaddr = names(s)?,
            "dstaddr" => p.dstaddr = names(s)?,
            "srcaddr6" => p.srcaddr6 = names(s)?,
            "dstaddr6" => p.dstaddr6 = names(s)?,
            "action" => p.action = action(s)?,
            "schedule" => p.schedule = name(one(s)?, s.line)?,
            "service" => p.service = names(s)?,
            "logtraffic" => {
                p.logtraffic = Some(match one(s)? {
                    "all" => LogTraffic::All,
                    "utm" => LogTraffic::Utm,
                    "disable" => LogTraffic::Disable,
                    v => {
                        return err(
                            s.line,
                            format!("`set logtraffic {v}`: expected `all`, `utm` or `disable`"),
                        )
                    }
                })
            }
            "status" => p.disabled = status(s)?,
            "comments" => p.comments = Some(text(&s.values, s.line)?),
            _ => {}
        }
    }
    Ok(p)
}

/// `A` or `A-B`, IPv4.
fn v4_range(v: &str, line: usize) -> Result<(Ipv4Addr, Ipv4Addr), ParseError> {
    let (a, b) = v.split_once('-').unwrap_or((v, v));
    match (a.parse::<Ipv4Addr>(), b.parse::<Ipv4Addr>()) {
        (Ok(a), Ok(b)) if a <= b => Ok((a, b)),
        _ => err(line, format!("`{v}` is not an IPv4 address or range")),
    }
}

fn vip(e: &Edit) -> Result<Vip, ParseError> {
    let mut extip = None;
    let mut mappedip = None;
    let mut v = Vip {
        name: name(&e.name, e.line)?,
        extip: (Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED),
        mappedip: (Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED),
        extintf: name("any", e.line)?,
        nat_source_vip: false,
        comment: None,
    };
    for s in &e.sets {
        match s.key.as_str() {
            "extip" => extip = Some(v4_range(one(s)?, s.line)?),
            "mappedip" => match s.values.as_slice() {
                [m] => mappedip = Some(v4_range(m, s.line)?),
                _ => return err(s.line, "a virtual IP with other than one mapped range is not read"),
            },
            "extintf" => v.extintf = name(one(s)?, s.line)?,
            "nat-source-vip" => v.nat_source_vip = !status(s)?,
            "comment" => v.comment = Some(text(&s.values, s.line)?),
            "type" if one(s)? != "static-nat" => {
                return err(s.line, format!("a virtual IP of type `{}` is not read: fenceline reads `static-nat`", one(s)?))
            }
            "portforward" | "src-filter" | "service" | "srcintf-filter" if !s.values.is_empty() && s.values != ["disable"] => {
                return err(s.line, format!("`set {}` in a virtual IP is not read: fenceline reads static 1:1 NAT of whole addresses", s.key))
            }
            _ => {}
        }
    }
    let (Some(ext), Some(map)) = (extip, mappedip) else {
        return err(
            e.line,
            "a virtual IP without `extip` and `mappedip` is not read",
        );
    };
    let size = |(a, b): (Ipv4Addr, Ipv4Addr)| u32::from(b) - u32::from(a);
    // A single external address with a mapped range stands for a range of the same size.
    let ext = if ext.0 == ext.1 {
        match u32::from(ext.0).checked_add(size(map)) {
            Some(end) => (ext.0, Ipv4Addr::from(end)),
            None => {
                return err(
                    e.line,
                    "the virtual IP's external range runs past 255.255.255.255",
                )
            }
        }
    } else {
        ext
    };
    if size(ext) != size(map) {
        return err(e.line, "a virtual IP whose external and mapped ranges differ in size is not read: it is not 1:1");
    }
    v.extip = ext;
    v.mappedip = map;
    Ok(v)
}

fn local_in(e: &Edit) -> Result<LocalIn, ParseError> {
    let mut p = LocalIn {
        id: id(e)?,
        intf: Vec::new(),
        srcaddr: Vec::new(),
        dstaddr: Vec::new(),
        action: Action::Deny,
        service: Vec::new(),
        schedule: name("always", e.line)?,
        disabled: false,
        comments: None,
    };
    for s in &e.sets {
        refused(s)?;
        match s.key.as_str() {
            "intf" => p.intf = names(s)?,
            "srcaddr" => p.srcaddr = names(s)?,
            "dstaddr" => p.dstaddr = names(s)?,
            "action" => p.action = action(s)?,
            "service" => p.service = names(s)?,
            "schedule" => p.schedule = name(one(s)?, s.line)?,
            "status" => p.disabled = status(s)?,
            "comments" => p.comments = Some(text(&s.values, s.line)?),
            "srcaddr6" | "dstaddr6" => {
                return err(
                    s.line,
                    format!("`set {}` in a local-in policy is not read: use `config firewall local-in-policy6`", s.key),
                )
            }
            _ => {}
        }
    }
    Ok(p)
}

/// `config system ha`: the settings that make an FGCP cluster member; the others (`password`,
/// timers, `monitor`, ...) do not filter and are skipped.
fn ha(b: &Block) -> Result<Ha, ParseError> {
    let mut ha = Ha::default();
    let able = |s: &Set| match one(s)? {
        "enable" => Ok(true),
        "disable" => Ok(false),
        v => err(
            s.line,
            format!("`set {}` takes enable or disable, not `{v}`", s.key),
        ),
    };
    for s in &b.sets {
        match s.key.as_str() {
            "group-name" => ha.group_name = Some(name(one(s)?, s.line)?),
            "mode" => {
                ha.mode = Some(match one(s)? {
                    "standalone" => HaMode::Standalone,
                    "a-p" => HaMode::ActivePassive,
                    "a-a" => HaMode::ActiveActive,
                    v => return err(s.line, format!("HA mode `{v}` is not one fenceline reads")),
                })
            }
            "hbdev" => {
                let mut v = Vec::new();
                for pair in s.values.chunks(2) {
                    let [port, prio] = pair else {
                        return err(
                            s.line,
                            "`set hbdev` takes pairs of an interface and a priority",
                        );
                    };
                    let prio = prio.parse().map_or_else(
                        |_| err(s.line, format!("`{prio}` is not a heartbeat priority")),
                        Ok,
                    )?;
                    v.push((name(port, s.line)?, prio));
                }
                ha.hbdev = v;
            }
            "session-pickup" => ha.session_pickup = Some(able(s)?),
            "override" => ha.override_ = Some(able(s)?),
            "priority" => ha.priority = Some(num(s)?),
            _ => {}
        }
    }
    Ok(ha)
}

/// Reads a FortiOS configuration: a generated `fortios.txt` or `show full-configuration` output.
pub fn parse(text: &str) -> Result<FortiConfig, ParseError> {
    let (comments, blocks) = tree(text)?;
    let mut cfg = FortiConfig::default();
    for c in comments {
        cfg.comments.push(Text::new(&c).map_or_else(
            || {
                err(
                    1,
                    format!(
                        "comment `{}` holds a character fenceline does not read",
                        c.escape_default()
                    ),
                )
            },
            Ok,
        )?);
    }
    for b in &blocks {
        if !KEPT.contains(&b.path.as_str()) {
            continue;
        }
        if b.path == "firewall policy6" {
            if b.edits.is_empty() {
                continue;
            }
            return err(
                b.line,
                "`config firewall policy6` (FortiOS 6.2 and older) is not read: fenceline reads the consolidated `config firewall policy` of FortiOS 6.4 and later",
            );
        }
        if b.path == "system ha" {
            cfg.ha = Some(ha(b)?);
            continue;
        }
        for e in &b.edits {
            match b.path.as_str() {
                "system interface" => cfg.interfaces.push(interface(e)?),
                "firewall address" => cfg.addresses.push(address(e, false)?),
                "firewall address6" => cfg.addresses6.push(address(e, true)?),
                "firewall addrgrp" => cfg.addrgrps.push(group(e)?),
                "firewall addrgrp6" => cfg.addrgrps6.push(group(e)?),
                "firewall service custom" if proxy(e) => {}
                "firewall service custom" => cfg.services.push(service(e)?),
                "firewall service group" => cfg.service_groups.push(group(e)?),
                "firewall vip" => cfg.vips.push(vip(e)?),
                "firewall policy" => cfg.policies.push(policy(e)?),
                "firewall local-in-policy" => cfg.local_in.push(local_in(e)?),
                "firewall local-in-policy6" => cfg.local_in6.push(local_in(e)?),
                _ => {}
            }
        }
    }
    Ok(cfg)
}
