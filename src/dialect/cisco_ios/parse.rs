//! Cisco IOS text -> [`IosConfig`]: a file fenceline generated or `show running-config` of a
//! live device, line by line into the same typed configuration the printer writes from.
//!
//! The reader is deliberately wider than the generator: it accepts discontiguous wildcards, every
//! port operator (`eq neq lt gt range`), port, protocol and ICMP names as `show running-config`
//! prints them, numbered and standard ACLs and unnumbered entries. Inside an ACL or object-group
//! every line must be understood; any other command is kept verbatim. Free text read back
//! (comments, remarks, descriptions) is tamed into the types that hold it.

use super::ast::*;
use crate::dialect::sanitize;
use crate::model::ios_ifname;
use std::net::IpAddr;

/// Reads configuration text into the typed configuration; the result is checked as IOS would
/// load it ([`IosConfig::resolve`]: sequence numbers, standard against extended).
pub fn parse(text: &str) -> Result<IosConfig, ParseError> {
    let mut cfg = IosConfig::default();
    // The block (index into `items`) that indented lines belong to.
    let mut ctx: Option<usize> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |m: String| ParseError {
            line: line_no,
            message: m,
        };
        let line = raw.trim_end();
        let body = line.trim_start();
        if body.is_empty() {
            continue;
        }
        if let Some(c) = body.strip_prefix('!') {
            // A comment does not end the block it stands in (IOS ignores it).
            if !line.starts_with(' ') {
                let c = c.strip_prefix(' ').unwrap_or(c);
                cfg.items.push(Top::Comment(tame_comment(c)));
            }
            continue;
        }
        let toks: Vec<&str> = body.split_whitespace().collect();
        if !line.starts_with(' ') {
            let (top, block) = top_line(body, &toks, line_no).map_err(err)?;
            cfg.items.push(top);
            ctx = block.then(|| cfg.items.len() - 1);
            continue;
        }
        let Some(item) = ctx.and_then(|c| cfg.items.get_mut(c)) else {
            // An indented line under no block: IOS would refuse it; nothing to configure.
            continue;
        };
        sub_line(item, body, &toks, line_no).map_err(err)?;
    }
    if let Err(e) = cfg.resolved() {
        return Err(e.clone());
    }
    Ok(cfg)
}

fn word(s: &str) -> Result<Word, String> {
    Word::new(s).ok_or_else(|| {
        format!(
            "name `{}` holds a character fenceline cannot write",
            s.escape_default()
        )
    })
}

fn raw(s: &str) -> RawLine {
    RawLine::tame(s)
}

fn tame_comment(s: &str) -> Comment {
    Comment::tame(&sanitize::clean(s, sanitize::HEADER_COMMENT).text)
}

fn tame_remark(s: &str) -> Option<Remark> {
    Remark::new(sanitize::clean(s, sanitize::IOS_REMARK).text)
}

/// A top-level command; `true` when indented lines may follow it.
fn top_line(body: &str, toks: &[&str], line_no: usize) -> Result<(Top, bool), String> {
    let at = || At {
        line: line_no,
        written: None,
    };
    Ok(match toks {
        ["ip", "access-list", kind @ ("extended" | "standard"), name] => (
            Top::Acl(Acl {
                kind: if *kind == "standard" {
                    AclKind::Standard
                } else {
                    AclKind::Extended
                },
                name: word(name)?,
                lines: Vec::new(),
                at: at(),
            }),
            true,
        ),
        ["ipv6", "access-list", name] => (
            Top::Acl(Acl {
                kind: AclKind::Ipv6,
                name: word(name)?,
                lines: Vec::new(),
                at: at(),
            }),
            true,
        ),
        ["access-list", number, "remark", ..] if number.parse::<u16>().is_ok() => {
            // The text as written after `remark ` (spaces inside it are kept).
            let rest = body
                .find(" remark")
                .map_or("", |i| &body[i + " remark".len()..]);
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            let line = match tame_remark(rest) {
                Some(r) => AclLine::Remark(r),
                None => return Ok((other(toks), false)),
            };
            (
                Top::Numbered(Numbered {
                    number: number.parse().unwrap_or(0),
                    line,
                }),
                false,
            )
        }
        ["access-list", number, rest @ ..] if number.parse::<u16>().is_ok() => {
            let n: u16 = number.parse().unwrap_or(0);
            let standard = Numbered::standard(n)
                .ok_or_else(|| format!("access-list {n}: not an IP access-list number"))?;
            // Numbered entries carry no sequence number: a leading number is not one.
            if rest.first().is_some_and(|w| w.parse::<u32>().is_ok()) {
                return Err("unexpected number after the access-list number".into());
            }
            let mut ace = if standard {
                parse_std_ace(rest)?
            } else {
                parse_ace(rest, false)?
            };
            ace.at.line = line_no;
            (
                Top::Numbered(Numbered {
                    number: n,
                    line: AclLine::Ace(ace),
                }),
                false,
            )
        }
        ["no", "access-list", name] => (Top::NoAcl(None, word(name)?), false),
        ["no", "ip", "access-list", kind @ ("extended" | "standard"), name] => {
            let kind = if *kind == "standard" {
                AclKind::Standard
            } else {
                AclKind::Extended
            };
            (Top::NoAcl(Some(kind), word(name)?), false)
        }
        ["no", "ipv6", "access-list", name] => {
            (Top::NoAcl(Some(AclKind::Ipv6), word(name)?), false)
        }
        ["object-group", "network", name] => (
            Top::NetGroup(NetGroup {
                name: word(name)?,
                entries: Vec::new(),
            }),
            true,
        ),
        ["object-group", "service", name] => (
            Top::SvcGroup(SvcGroup {
                name: word(name)?,
                entries: Vec::new(),
            }),
            true,
        ),
        ["interface", "range", first, "-", hi] => match range_head(first, hi) {
            Some(head) => (
                Top::Interface(Interface {
                    head,
                    lines: Vec::new(),
                }),
                true,
            ),
            None => (other(toks), true),
        },
        ["interface", "range", ..] => (other(toks), true),
        ["interface", first, rest @ ..] => (
            Top::Interface(Interface {
                head: IfHead::One(word(&interface_name(first, rest))?),
                lines: Vec::new(),
            }),
            true,
        ),
        ["vlan", "dot1q", "tag", "native"] => (Top::VlanTagNative, false),
        ["vlan", id] if id.parse::<u16>().is_ok() => (
            Top::Vlan(Vlan {
                id: id.parse().unwrap_or(0),
                name: None,
                other: Vec::new(),
            }),
            true,
        ),
        // `line vty 0 15`, `line con 0`; `line 2 3` (absolute line numbers) is kept as read.
        ["line", kind, first, rest @ ..]
            if kind.starts_with(|c: char| c.is_ascii_alphabetic())
                && first.parse::<u32>().is_ok()
                && rest.len() <= 1
                && rest.iter().all(|l| l.parse::<u32>().is_ok()) =>
        {
            (
                Top::Line(Line {
                    kind: word(kind)?,
                    first: first.parse().unwrap_or(0),
                    last: rest.first().and_then(|l| l.parse().ok()),
                    lines: Vec::new(),
                }),
                true,
            )
        }
        ["event", "manager", "applet", name] => (
            Top::Applet(Applet {
                name: word(name)?,
                lines: Vec::new(),
            }),
            true,
        ),
        ["vrf", "definition", name] => (
            Top::Vrf(VrfDef {
                name: word(name)?,
                lines: Vec::new(),
            }),
            true,
        ),
        ["ip", "nat", "inside", "source", "static", rest @ ..] => {
            (Top::NatStatic(nat_static(rest, line_no)?), false)
        }
        // Timeouts, limits and logging of translations change what no packet sees.
        ["ip", "nat", "translation" | "log", ..] => (other(toks), false),
        ["ip", "nat", ..] | ["no", "ip", "nat", ..] => {
            return Err(format!(
                "`{}`: of address translation only `ip nat inside source static` can be read",
                toks.join(" ")
            ))
        }
        ["ip", "route", "vrf", vrf, addr, mask, iface]
            if iface.parse::<std::net::Ipv4Addr>().is_err() =>
        {
            let (addr, len) = addr_mask(addr, mask)?;
            (
                Top::VrfRoute(VrfRoute {
                    vrf: word(vrf)?,
                    addr,
                    len,
                    interface: word(&interface_name(iface, &[]))?,
                }),
                false,
            )
        }
        ["end"] => (Top::End, false),
        ["zone", "security", name] => (Top::ZoneSecurity(word(name)?), true),
        ["class-map", "type", "inspect", kind @ ("match-any" | "match-all"), name] => (
            Top::ClassMap(ClassMap {
                all: *kind == "match-all",
                name: word(name)?,
                matches: Vec::new(),
            }),
            true,
        ),
        // `class-map type inspect NAME` is match-all by default.
        ["class-map", "type", "inspect", name] => (
            Top::ClassMap(ClassMap {
                all: true,
                name: word(name)?,
                matches: Vec::new(),
            }),
            true,
        ),
        // QoS class-maps and policy-maps decide no filtering and are kept as read; another form
        // of an inspect one, or of a zone-pair, would decide what the reader cannot see.
        ["class-map", "type", "inspect", ..]
        | ["policy-map", "type", "inspect", ..]
        | ["zone-pair", ..]
            if !matches!(
                toks,
                ["policy-map", "type", "inspect", _]
                    | ["zone-pair", "security", _, "source", _, "destination", _]
            ) =>
        {
            return Err(format!("`{}`: this form is not supported", toks.join(" ")))
        }
        ["policy-map", "type", "inspect", name] => (
            Top::PolicyMap(PolicyMap {
                name: word(name)?,
                classes: Vec::new(),
            }),
            true,
        ),
        ["zone-pair", "security", name, "source", src, "destination", dst] => (
            Top::ZonePair(ZonePair {
                name: word(name)?,
                source: word(src)?,
                destination: word(dst)?,
                policy: None,
            }),
            true,
        ),
        _ => (other(toks), true),
    })
}

/// An address and a contiguous netmask: the network (host bits clear) and its prefix length.
fn addr_mask(addr: &str, mask: &str) -> Result<(u32, u8), String> {
    let ip = |s: &str| {
        s.parse::<std::net::Ipv4Addr>()
            .map(u32::from)
            .map_err(|_| format!("`{s}` is not an IPv4 address"))
    };
    let (a, m) = (ip(addr)?, ip(mask)?);
    let len = m.leading_ones();
    if m.checked_shl(len).unwrap_or(0) != 0 {
        return Err(format!("`{mask}` is not a contiguous netmask"));
    }
    Ok((a & m, len as u8))
}

/// What follows `ip nat inside source static`: `network INSIDE OUTSIDE /LEN|MASK [vrf NAME]` or
/// `INSIDE OUTSIDE [vrf NAME]` (one host), with `extendable`, `no-alias` or `no-payload` (read,
/// not kept: they change no translation). Any other option may change what is translated, and
/// is refused.
fn nat_static(rest: &[&str], line_no: usize) -> Result<NatStatic, String> {
    let ip = |s: &str| {
        s.parse::<std::net::Ipv4Addr>()
            .map(u32::from)
            .map_err(|_| format!("`{s}` is not an IPv4 address"))
    };
    let (inside, outside, len, tail) = match rest {
        ["network", a, b, l, tail @ ..] => {
            let len = match l.strip_prefix('/') {
                Some(n) => n
                    .parse::<u8>()
                    .ok()
                    .filter(|n| *n <= 32)
                    .ok_or_else(|| format!("bad prefix length `{l}`"))?,
                None => addr_mask("0.0.0.0", l)?.1,
            };
            (ip(a)?, ip(b)?, len, tail)
        }
        [a, b, tail @ ..] if a.parse::<std::net::Ipv4Addr>().is_ok() => (ip(a)?, ip(b)?, 32, tail),
        _ => return Err("only static translations of addresses and networks can be read".into()),
    };
    // `extendable`, `no-alias` (no ARP answers for the outside addresses) and `no-payload`
    // change no address a packet is translated to; any other option may.
    let tail: Vec<&str> = tail
        .iter()
        .copied()
        .filter(|t| !matches!(*t, "extendable" | "no-alias" | "no-payload"))
        .collect();
    let vrf = match tail[..] {
        [] => None,
        ["vrf", v] => Some(word(v)?),
        _ => {
            return Err(format!(
                "`{}` after a static translation is not supported",
                tail.join(" ")
            ))
        }
    };
    let mask = super::print::mask(len);
    Ok(NatStatic {
        inside: inside & mask,
        outside: outside & mask,
        len,
        vrf,
        at: At {
            line: line_no,
            written: None,
        },
    })
}

/// A line of a `vrf definition` block.
fn vrf_line(body: &str, toks: &[&str]) -> VrfLine {
    match toks {
        ["address-family", "ipv4"] => VrfLine::AddressFamily(false),
        ["address-family", "ipv6"] => VrfLine::AddressFamily(true),
        ["exit-address-family"] => VrfLine::ExitAddressFamily,
        _ => VrfLine::Other(raw(body)),
    }
}

/// A line of an EEM applet: `event none`, `action L cli command "C"`, `action L syslog msg "T"`
/// are typed, any other line is kept as read.
fn applet_line(body: &str, toks: &[&str]) -> AppletLine {
    // The quoted text: from the first quote to the last, which ends the line.
    let quoted = || {
        let q = body.find('"')?;
        let inner = body.get(q + 1..)?.strip_suffix('"')?;
        Quoted::new(inner)
    };
    let typed = match toks {
        ["event", "none"] => Some(AppletLine::EventNone),
        ["action", label, "cli", "command", first, ..] if first.starts_with('"') => {
            match (Word::new(*label), quoted()) {
                (Some(label), Some(command)) => Some(AppletLine::Cli { label, command }),
                _ => None,
            }
        }
        ["action", label, "syslog", "msg", first, ..] if first.starts_with('"') => {
            match (Word::new(*label), quoted()) {
                (Some(label), Some(msg)) => Some(AppletLine::Syslog { label, msg }),
                _ => None,
            }
        }
        _ => None,
    };
    typed.unwrap_or_else(|| AppletLine::Other(raw(body)))
}

fn other(toks: &[&str]) -> Top {
    Top::Other {
        line: raw(&toks.join(" ")),
        sub: Vec::new(),
    }
}

/// `interface range GigabitEthernet1/0/1 - 8`: the prefix and the first and last numbers.
fn range_head(first: &str, hi: &str) -> Option<IfHead> {
    let full = ios_ifname::canonical(first).ok()?;
    let (prefix, lo) = ios_ifname::split_port_number(&full)?;
    let hi: u32 = hi.parse().ok()?;
    Some(IfHead::Range {
        prefix: Word::new(prefix)?,
        lo,
        hi,
    })
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

/// An indented line of the block `item`.
fn sub_line(item: &mut Top, body: &str, toks: &[&str], line_no: usize) -> Result<(), String> {
    match item {
        Top::Acl(acl) => {
            if toks.first() == Some(&"remark") {
                let text = body.strip_prefix("remark").unwrap_or("");
                if let Some(r) = tame_remark(text.strip_prefix(' ').unwrap_or(text)) {
                    acl.lines.push(AclLine::Remark(r));
                }
                return Ok(());
            }
            let mut ace = match acl.kind {
                AclKind::Standard => parse_std_ace(toks)?,
                AclKind::Extended => parse_ace(toks, false)?,
                AclKind::Ipv6 => parse_ace(toks, true)?,
            };
            ace.at.line = line_no;
            acl.lines.push(AclLine::Ace(ace));
        }
        Top::NetGroup(g) => {
            let mut t = Toks::new(toks);
            let m = match t.peek() {
                Some("host") | Some("any") => t.addr(false)?,
                Some("range") => {
                    t.next()?;
                    let (lo, hi) = (t.ipv4()?, t.ipv4()?);
                    if lo > hi {
                        return Err(format!(
                            "range `{} {}` ends below its start",
                            std::net::Ipv4Addr::from(lo),
                            std::net::Ipv4Addr::from(hi)
                        ));
                    }
                    AddrMatch::Range { lo, hi }
                }
                Some(_) => {
                    let a = t.ipv4()?;
                    let mask = t.ipv4()?;
                    // Object-groups take subnet masks, not wildcards.
                    AddrMatch::V4 {
                        addr: a & mask,
                        wildcard: !mask,
                    }
                }
                None => return Err("empty object-group entry".into()),
            };
            t.end()?;
            g.entries.push(m);
        }
        Top::SvcGroup(g) => g.entries.push(parse_service(toks)?),
        Top::Interface(i) => i.lines.push(if_line(body, toks)?),
        Top::Vlan(v) => match toks {
            ["name", name] => {
                match VlanName::new(sanitize::clean(name, sanitize::IOS_VLAN_NAME).text) {
                    Some(n) => v.name = Some(n),
                    None => v.other.push(raw(body)),
                }
            }
            _ => v.other.push(raw(body)),
        },
        Top::Line(l) => l.lines.push(line_line(body, toks)),
        Top::Other { sub, .. } => sub.push(raw(body)),
        Top::Applet(a) => a.lines.push(applet_line(body, toks)),
        Top::ZoneSecurity(_) => match toks {
            ["description", ..] => {}
            _ => return Err(format!("`{body}` in a security zone is not supported")),
        },
        // A description decides nothing (and is not kept).
        Top::ClassMap(_) | Top::PolicyMap(_) if toks.first() == Some(&"description") => {}
        Top::ClassMap(c) => c.matches.push(match toks {
            ["match", "access-group", "name", acl] => ClassMatch::AccessGroup(word(acl)?),
            ["match", "protocol", p @ ("tcp" | "udp" | "icmp")] => ClassMatch::Protocol(
                PROTOCOLS
                    .iter()
                    .find(|(n, _)| n == p)
                    .map_or(1, |(_, n)| *n),
            ),
            _ => return Err(format!("`{body}` in an inspect class-map is not supported")),
        }),
        Top::PolicyMap(p) => match toks {
            ["class", "type", "inspect", name] => p.classes.push(PolicyClass {
                class: Some(word(name)?),
                action: None,
            }),
            ["class", "class-default"] => p.classes.push(PolicyClass {
                class: None,
                action: None,
            }),
            [verb @ ("inspect" | "pass" | "drop"), rest @ ..] if matches!(rest, [] | ["log"]) => {
                let Some(c) = p.classes.last_mut().filter(|c| c.action.is_none()) else {
                    return Err(format!(
                        "`{body}`: an action outside a class, or a second one"
                    ));
                };
                c.action = Some(ZbfAction {
                    verb: match *verb {
                        "inspect" => ZbfVerb::Inspect,
                        "pass" => ZbfVerb::Pass,
                        _ => ZbfVerb::Drop,
                    },
                    log: !rest.is_empty(),
                });
            }
            _ => {
                return Err(format!(
                    "`{body}` in an inspect policy-map is not supported"
                ))
            }
        },
        Top::ZonePair(z) => match toks {
            ["service-policy", "type", "inspect", name] => z.policy = Some(word(name)?),
            ["description", ..] => {}
            _ => return Err(format!("`{body}` in a zone-pair is not supported")),
        },
        Top::Vrf(v) => v.lines.push(vrf_line(body, toks)),
        Top::Comment(_)
        | Top::Numbered(_)
        | Top::NoAcl(..)
        | Top::VlanTagNative
        | Top::End
        | Top::NatStatic(_)
        | Top::VrfRoute(_) => {}
    }
    Ok(())
}

fn if_line(body: &str, toks: &[&str]) -> Result<IfLine, String> {
    let vlan = |s: &str| s.parse::<u16>().ok();
    Ok(match toks {
        ["description", ..] => {
            let text = body.strip_prefix("description").unwrap_or("");
            let text = text.strip_prefix(' ').unwrap_or(text);
            match Description::new(sanitize::clean(text, sanitize::IOS_DESCRIPTION).text) {
                Some(d) => IfLine::Description(d),
                None => IfLine::Other(raw(body)),
            }
        }
        ["switchport", "mode", "access"] => IfLine::SwitchportMode(SwitchportMode::Access),
        ["switchport", "mode", "trunk"] => IfLine::SwitchportMode(SwitchportMode::Trunk),
        ["switchport", "access", "vlan", v] if vlan(v).is_some() => {
            IfLine::AccessVlan(vlan(v).unwrap_or(0))
        }
        ["switchport", "nonegotiate"] => IfLine::Nonegotiate,
        ["spanning-tree", "portfast"] => IfLine::Portfast,
        ["spanning-tree", "bpduguard", "enable"] => IfLine::BpduGuard,
        ["switchport", "trunk", "native", "vlan", v] if vlan(v).is_some() => {
            IfLine::NativeVlan(vlan(v).unwrap_or(0))
        }
        ["switchport", "trunk", "allowed", "vlan", "none"] => IfLine::Allowed(AllowedVlans::None),
        ["switchport", "trunk", "allowed", "vlan", list] => match vlan_list(list) {
            Some(l) => IfLine::Allowed(AllowedVlans::List(l)),
            None => IfLine::Other(raw(body)),
        },
        ["shutdown"] => IfLine::Shutdown(true),
        ["no", "shutdown"] => IfLine::Shutdown(false),
        ["ip", "access-group", acl, dir @ ("in" | "out")] => IfLine::AccessGroup {
            v6: false,
            acl: word(acl)?,
            inbound: *dir == "in",
        },
        ["ipv6", "traffic-filter", acl, dir @ ("in" | "out")] => IfLine::AccessGroup {
            v6: true,
            acl: word(acl)?,
            inbound: *dir == "in",
        },
        ["no", "ip", "access-group", rest @ ..] | ["no", "ipv6", "traffic-filter", rest @ ..] => {
            IfLine::NoAccessGroup {
                v6: toks[1] == "ipv6",
                rest: (!rest.is_empty()).then(|| raw(&rest.join(" "))),
            }
        }
        ["zone-member", "security", zone] => IfLine::ZoneMember(word(zone)?),
        ["zone-member", ..] | ["no", "zone-member", ..] => {
            return Err(format!("`{body}`: this form is not supported"))
        }
        ["vrf", "forwarding", v] | ["ip", "vrf", "forwarding", v] => {
            IfLine::VrfForwarding(word(v)?)
        }
        ["ip", "address", a, m] => match addr_mask(a, m) {
            // The address itself, not its network.
            Ok((_, len)) => IfLine::IpAddress {
                addr: a.parse::<std::net::Ipv4Addr>().map(u32::from).unwrap_or(0),
                len,
            },
            Err(_) => IfLine::Other(raw(body)),
        },
        ["ip", "nat", "inside"] => IfLine::Nat(NatRole::Inside),
        ["ip", "nat", "outside"] => IfLine::Nat(NatRole::Outside),
        ["ip", "nat", ..] | ["no", "ip", "nat", ..] => {
            return Err(format!(
            "`{body}`: an interface's NAT role is read as `ip nat inside` or `ip nat outside` only"
        ))
        }
        _ => IfLine::Other(raw(body)),
    })
}

/// A setting of a `line` block: `access-class`, `transport input`, or any other kept as read.
fn line_line(body: &str, toks: &[&str]) -> LineLine {
    let class = |v6: bool, acl: &str, dir: &str, vrf_also: bool| {
        Some(LineLine::AccessClass {
            v6,
            acl: Word::new(acl)?,
            inbound: dir == "in",
            vrf_also,
        })
    };
    let read = match toks {
        ["access-class", acl, dir @ ("in" | "out")] => class(false, acl, dir, false),
        ["access-class", acl, dir @ ("in" | "out"), "vrf-also"] => class(false, acl, dir, true),
        ["ipv6", "access-class", acl, dir @ ("in" | "out")] => class(true, acl, dir, false),
        ["transport", "input", words @ ..] if !words.is_empty() => words
            .iter()
            .map(|w| Word::new(*w))
            .collect::<Option<Vec<Word>>>()
            .map(LineLine::TransportInput),
        _ => None,
    };
    read.unwrap_or_else(|| LineLine::Other(raw(body)))
}

/// `10,30,50` or `10-20,30`.
fn vlan_list(s: &str) -> Option<Vec<(u16, u16)>> {
    s.split(',')
        .map(|p| match p.split_once('-') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => p.parse().ok().map(|v| (v, v)),
        })
        .collect()
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
            "object-group" => Ok(AddrMatch::Group(word(self.next()?)?)),
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
    fn icmp(&mut self, v6: bool) -> Result<Option<IcmpMatch>, String> {
        let Some(s) = self.peek() else {
            return Ok(None);
        };
        let ty = if let Ok(n) = s.parse::<u8>() {
            n
        } else if let Some((ty, code)) = icmp_name(s, v6) {
            self.i += 1;
            return Ok(Some(IcmpMatch {
                ty,
                code,
                named: true,
            }));
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
        Ok(Some(IcmpMatch {
            ty,
            code,
            named: false,
        }))
    }
}

fn proto_match(s: &str, v6: bool) -> Option<ProtoMatch> {
    match s {
        "ip" if !v6 => Some(ProtoMatch::Any),
        "ipv6" if v6 => Some(ProtoMatch::Any),
        "icmp" => Some(ProtoMatch::Name(if v6 { 58 } else { 1 })),
        _ => PROTOCOLS
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, p)| ProtoMatch::Name(*p))
            .or_else(|| s.parse::<u8>().ok().map(ProtoMatch::Number)),
    }
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

/// `[N] permit|deny`: the sequence number, where the entry's text starts, and the action.
fn ace_head(t: &mut Toks) -> Result<(Option<u32>, usize, Action), String> {
    let seq = match t.peek().and_then(|s| s.parse::<u32>().ok()) {
        Some(n) => {
            t.i += 1;
            Some(n)
        }
        None => None,
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
fn parse_ace(toks: &[&str], v6: bool) -> Result<Ace, String> {
    let mut t = Toks::new(toks);
    t.eat("sequence");
    let (seq, start, action) = ace_head(&mut t)?;
    let p = t.next()?;
    let proto = if p == "object-group" {
        ProtoMatch::Group(word(t.next()?)?)
    } else {
        proto_match(p, v6).ok_or_else(|| format!("unknown protocol `{p}`"))?
    };
    let num = proto.number();
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
    let mut log = None;
    while let Some(w) = t.peek() {
        match w {
            "established" if num == Some(6) => established = true,
            "log" => log = Some(Log::Log),
            "log-input" => log = Some(Log::LogInput),
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
        at: At {
            line: 0,
            written: Some(toks[start..].join(" ")),
        },
    })
}

/// A standard ACL entry: `[N] permit|deny any|host A|A [WILDCARD] [log]`, every protocol to any
/// destination.
fn parse_std_ace(toks: &[&str]) -> Result<Ace, String> {
    let mut t = Toks::new(toks);
    let (seq, start, action) = ace_head(&mut t)?;
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
            AddrMatch::V4 {
                addr: addr & !wildcard,
                wildcard,
            }
        }
    };
    let mut log = None;
    while let Some(w) = t.peek() {
        match w {
            "log" => log = Some(Log::Log),
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
        at: At {
            line: 0,
            written: Some(toks[start..].join(" ")),
        },
    })
}

/// `tcp [source OP] [OP]`, `udp ...`, `icmp [TYPE]`, `ip`, or a protocol number.
fn parse_service(toks: &[&str]) -> Result<ServiceMatch, String> {
    let mut t = Toks::new(toks);
    let p = t.next()?;
    let proto = match proto_match(p, false) {
        Some(ProtoMatch::Any) => None,
        Some(ProtoMatch::Name(n) | ProtoMatch::Number(n)) => Some(n),
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
