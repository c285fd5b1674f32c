//! Cisco IOS configuration -> text: `Display` for [`IosConfig`], one command per line, indented
//! lines under their command with one space, as IOS prints them. Addresses take wildcards in
//! ACEs (`10.40.0.0 0.0.3.255`) and netmasks in object-groups; ports, protocols and ICMP types
//! print by number unless the configuration holds them by name.

use super::ast::*;
use std::fmt::{self, Display, Formatter, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

impl Display for IosConfig {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

impl Display for Top {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Top::Comment(c) if c.as_str().is_empty() => writeln!(f, "!"),
            Top::Comment(c) => writeln!(f, "! {c}"),
            Top::Acl(acl) => {
                let (head, form) = match acl.kind {
                    AclKind::Extended => ("ip access-list extended", Form::Extended),
                    AclKind::Standard => ("ip access-list standard", Form::Standard),
                    AclKind::Ipv6 => ("ipv6 access-list", Form::Ipv6),
                };
                writeln!(f, "{head} {}", acl.name)?;
                for l in &acl.lines {
                    match l {
                        AclLine::Remark(r) => writeln!(f, " remark {r}")?,
                        AclLine::Ace(a) => {
                            f.write_char(' ')?;
                            if let Some(seq) = a.seq {
                                if form == Form::Ipv6 {
                                    f.write_str("sequence ")?;
                                }
                                write!(f, "{seq} ")?;
                            }
                            writeln!(f, "{}", AceText(a, form))?;
                        }
                    }
                }
                Ok(())
            }
            Top::Numbered(n) => {
                let form = if Numbered::standard(n.number) == Some(true) {
                    Form::Standard
                } else {
                    Form::Extended
                };
                match &n.line {
                    AclLine::Remark(r) => writeln!(f, "access-list {} remark {r}", n.number),
                    AclLine::Ace(a) => writeln!(f, "access-list {} {}", n.number, AceText(a, form)),
                }
            }
            Top::NoAcl(kind, name) => match kind {
                None => writeln!(f, "no access-list {name}"),
                Some(AclKind::Extended) => writeln!(f, "no ip access-list extended {name}"),
                Some(AclKind::Standard) => writeln!(f, "no ip access-list standard {name}"),
                Some(AclKind::Ipv6) => writeln!(f, "no ipv6 access-list {name}"),
            },
            Top::NetGroup(g) => {
                writeln!(f, "object-group network {}", g.name)?;
                for e in &g.entries {
                    writeln!(f, " {}", GroupAddr(e))?;
                }
                Ok(())
            }
            Top::SvcGroup(g) => {
                writeln!(f, "object-group service {}", g.name)?;
                for e in &g.entries {
                    writeln!(f, " {}", ServiceText(e))?;
                }
                Ok(())
            }
            Top::Interface(i) => {
                match &i.head {
                    IfHead::One(name) => writeln!(f, "interface {name}")?,
                    IfHead::Range { prefix, lo, hi } => {
                        writeln!(f, "interface range {prefix}{lo} - {hi}")?
                    }
                }
                for l in &i.lines {
                    writeln!(f, " {l}")?;
                }
                Ok(())
            }
            Top::VlanTagNative => writeln!(f, "vlan dot1q tag native"),
            Top::Vlan(v) => {
                writeln!(f, "vlan {}", v.id)?;
                if let Some(n) = &v.name {
                    writeln!(f, " name {n}")?;
                }
                for l in &v.other {
                    writeln!(f, " {l}")?;
                }
                Ok(())
            }
            Top::Line(l) => {
                write!(f, "line {} {}", l.kind, l.first)?;
                if let Some(last) = l.last {
                    write!(f, " {last}")?;
                }
                writeln!(f)?;
                for x in &l.lines {
                    writeln!(f, " {x}")?;
                }
                Ok(())
            }
            Top::Applet(a) => {
                writeln!(f, "event manager applet {}", a.name)?;
                for l in &a.lines {
                    match l {
                        AppletLine::EventNone => writeln!(f, " event none")?,
                        AppletLine::Cli { label, command } => {
                            writeln!(f, " action {label} cli command \"{command}\"")?
                        }
                        AppletLine::Syslog { label, msg } => {
                            writeln!(f, " action {label} syslog msg \"{msg}\"")?
                        }
                        AppletLine::Other(x) => writeln!(f, " {x}")?,
                    }
                }
                Ok(())
            }
            Top::Vrf(v) => {
                writeln!(f, "vrf definition {}", v.name)?;
                for l in &v.lines {
                    match l {
                        VrfLine::AddressFamily(false) => writeln!(f, " address-family ipv4")?,
                        VrfLine::AddressFamily(true) => writeln!(f, " address-family ipv6")?,
                        VrfLine::ExitAddressFamily => writeln!(f, " exit-address-family")?,
                        VrfLine::Other(x) => writeln!(f, " {x}")?,
                    }
                }
                Ok(())
            }
            Top::NatStatic(n) => {
                write!(
                    f,
                    "ip nat inside source static network {} {} /{}",
                    Ipv4Addr::from(n.inside),
                    Ipv4Addr::from(n.outside),
                    n.len
                )?;
                match &n.vrf {
                    Some(v) => writeln!(f, " vrf {v}"),
                    None => writeln!(f),
                }
            }
            Top::VrfRoute(r) => writeln!(
                f,
                "ip route vrf {} {} {} {}",
                r.vrf,
                Ipv4Addr::from(r.addr),
                Ipv4Addr::from(mask(r.len)),
                r.interface
            ),
            Top::End => writeln!(f, "end"),
            Top::ZoneSecurity(z) => writeln!(f, "zone security {z}"),
            Top::ClassMap(c) => {
                let kind = if c.all { "match-all" } else { "match-any" };
                writeln!(f, "class-map type inspect {kind} {}", c.name)?;
                for m in &c.matches {
                    match m {
                        ClassMatch::AccessGroup(acl) => {
                            writeln!(f, " match access-group name {acl}")?
                        }
                        ClassMatch::Protocol(p) => writeln!(
                            f,
                            " match protocol {}",
                            proto_name_of(*p, false).unwrap_or("ip")
                        )?,
                    }
                }
                Ok(())
            }
            Top::PolicyMap(p) => {
                writeln!(f, "policy-map type inspect {}", p.name)?;
                for c in &p.classes {
                    match &c.class {
                        Some(n) => writeln!(f, " class type inspect {n}")?,
                        None => writeln!(f, " class class-default")?,
                    }
                    if let Some(a) = c.action {
                        let verb = match a.verb {
                            ZbfVerb::Inspect => "inspect",
                            ZbfVerb::Pass => "pass",
                            ZbfVerb::Drop => "drop",
                        };
                        writeln!(f, "  {verb}{}", if a.log { " log" } else { "" })?;
                    }
                }
                Ok(())
            }
            Top::ZonePair(z) => {
                writeln!(
                    f,
                    "zone-pair security {} source {} destination {}",
                    z.name, z.source, z.destination
                )?;
                if let Some(p) = &z.policy {
                    writeln!(f, " service-policy type inspect {p}")?;
                }
                Ok(())
            }
            Top::Other { line, sub } => {
                writeln!(f, "{line}")?;
                for l in sub {
                    writeln!(f, " {l}")?;
                }
                Ok(())
            }
        }
    }
}

impl Display for IfLine {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            IfLine::Description(d) => write!(f, "description {d}"),
            IfLine::SwitchportMode(SwitchportMode::Access) => f.write_str("switchport mode access"),
            IfLine::SwitchportMode(SwitchportMode::Trunk) => f.write_str("switchport mode trunk"),
            IfLine::AccessVlan(v) => write!(f, "switchport access vlan {v}"),
            IfLine::Nonegotiate => f.write_str("switchport nonegotiate"),
            IfLine::Portfast => f.write_str("spanning-tree portfast"),
            IfLine::BpduGuard => f.write_str("spanning-tree bpduguard enable"),
            IfLine::NativeVlan(v) => write!(f, "switchport trunk native vlan {v}"),
            IfLine::Allowed(AllowedVlans::None) => {
                f.write_str("switchport trunk allowed vlan none")
            }
            IfLine::Allowed(AllowedVlans::List(l)) => {
                f.write_str("switchport trunk allowed vlan ")?;
                for (i, (lo, hi)) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    if lo == hi {
                        write!(f, "{lo}")?;
                    } else {
                        write!(f, "{lo}-{hi}")?;
                    }
                }
                Ok(())
            }
            IfLine::Shutdown(true) => f.write_str("shutdown"),
            IfLine::Shutdown(false) => f.write_str("no shutdown"),
            IfLine::AccessGroup { v6, acl, inbound } => write!(
                f,
                "{} {acl} {}",
                if *v6 {
                    "ipv6 traffic-filter"
                } else {
                    "ip access-group"
                },
                if *inbound { "in" } else { "out" }
            ),
            IfLine::NoAccessGroup { v6, rest } => {
                f.write_str(if *v6 {
                    "no ipv6 traffic-filter"
                } else {
                    "no ip access-group"
                })?;
                match rest {
                    Some(r) => write!(f, " {r}"),
                    None => Ok(()),
                }
            }
            IfLine::VrfForwarding(v) => write!(f, "vrf forwarding {v}"),
            IfLine::IpAddress { addr, len } => write!(
                f,
                "ip address {} {}",
                Ipv4Addr::from(*addr),
                Ipv4Addr::from(mask(*len))
            ),
            IfLine::Nat(NatRole::Inside) => f.write_str("ip nat inside"),
            IfLine::Nat(NatRole::Outside) => f.write_str("ip nat outside"),
            IfLine::Other(l) => write!(f, "{l}"),
            IfLine::ZoneMember(z) => write!(f, "zone-member security {z}"),
        }
    }
}

/// The netmask of a prefix length (`24` -> `255.255.255.0`).
pub fn mask(len: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(len.min(32)))
        .unwrap_or(0)
}

impl Display for LineLine {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LineLine::AccessClass {
                v6,
                acl,
                inbound,
                vrf_also,
            } => {
                write!(
                    f,
                    "{}access-class {acl} {}",
                    if *v6 { "ipv6 " } else { "" },
                    if *inbound { "in" } else { "out" }
                )?;
                if *vrf_also {
                    f.write_str(" vrf-also")?;
                }
                Ok(())
            }
            LineLine::TransportInput(words) => {
                f.write_str("transport input")?;
                for w in words {
                    write!(f, " {w}")?;
                }
                Ok(())
            }
            LineLine::Other(l) => write!(f, "{l}"),
        }
    }
}

/// How an ACL's entries are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Extended,
    Standard,
    Ipv6,
}

/// An ACE without its sequence number: `permit tcp host A B W eq 502 log`.
pub struct AceText<'a>(pub &'a Ace, pub Form);

impl Display for AceText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (a, form) = (self.0, self.1);
        let v6 = form == Form::Ipv6;
        f.write_str(match a.action {
            Action::Permit => "permit",
            Action::Deny => "deny",
        })?;
        if form == Form::Standard {
            write!(f, " {}", AceAddr(&a.src))?;
        } else {
            match &a.proto {
                ProtoMatch::Any => f.write_str(if v6 { " ipv6" } else { " ip" })?,
                ProtoMatch::Name(n) => match proto_name_of(*n, v6) {
                    Some(name) => write!(f, " {name}")?,
                    None => write!(f, " {n}")?,
                },
                ProtoMatch::Number(n) => write!(f, " {n}")?,
                ProtoMatch::Group(g) => write!(f, " object-group {g}")?,
            }
            write!(f, " {}", AceAddr(&a.src))?;
            if let Some(p) = a.sport {
                write!(f, " {}", PortText(p))?;
            }
            write!(f, " {}", AceAddr(&a.dst))?;
            if let Some(p) = a.dport {
                write!(f, " {}", PortText(p))?;
            }
            if let Some(i) = a.icmp {
                write!(f, " {}", IcmpText(i, v6))?;
            }
            if a.established {
                f.write_str(" established")?;
            }
        }
        match a.log {
            Some(Log::Log) => f.write_str(" log"),
            Some(Log::LogInput) => f.write_str(" log-input"),
            None => Ok(()),
        }
    }
}

/// An address in an ACE: `any`, `host A`, `A WILDCARD`, `A/LEN`, `object-group N`.
pub struct AceAddr<'a>(pub &'a AddrMatch);

impl Display for AceAddr<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            AddrMatch::Any => f.write_str("any"),
            AddrMatch::V4 { addr, wildcard: 0 } => write!(f, "host {}", Ipv4Addr::from(*addr)),
            AddrMatch::V4 { addr, wildcard } => {
                write!(f, "{} {}", Ipv4Addr::from(*addr), Ipv4Addr::from(*wildcard))
            }
            AddrMatch::V6 { addr, len: 128 } => write!(f, "host {}", Ipv6Addr::from(*addr)),
            AddrMatch::V6 { addr, len } => write!(f, "{}/{len}", Ipv6Addr::from(*addr)),
            AddrMatch::Group(g) => write!(f, "object-group {g}"),
            // Only an object-group holds a range (the parser takes it nowhere else).
            AddrMatch::Range { lo, hi } => {
                write!(f, "range {} {}", Ipv4Addr::from(*lo), Ipv4Addr::from(*hi))
            }
        }
    }
}

/// An address in `object-group network`: `host A`, `A NETMASK` or `range A B`.
pub struct GroupAddr<'a>(pub &'a AddrMatch);

impl Display for GroupAddr<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            AddrMatch::V4 { addr, wildcard } if *wildcard != 0 => {
                write!(
                    f,
                    "{} {}",
                    Ipv4Addr::from(*addr),
                    Ipv4Addr::from(!*wildcard)
                )
            }
            other => write!(f, "{}", AceAddr(other)),
        }
    }
}

struct PortText(PortOp);

impl Display for PortText {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            PortOp::Eq(p) => write!(f, "eq {p}"),
            PortOp::Neq(p) => write!(f, "neq {p}"),
            PortOp::Lt(p) => write!(f, "lt {p}"),
            PortOp::Gt(p) => write!(f, "gt {p}"),
            PortOp::Range(a, b) => write!(f, "range {a} {b}"),
        }
    }
}

struct IcmpText(IcmpMatch, bool);

impl Display for IcmpText {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let IcmpText(m, v6) = *self;
        if m.named {
            if let Some(name) = icmp_name_of(m.ty, m.code, v6) {
                return f.write_str(name);
            }
        }
        match m.code {
            Some(c) => write!(f, "{} {c}", m.ty),
            None => write!(f, "{}", m.ty),
        }
    }
}

/// An entry of `object-group service`: `tcp eq 502`, `udp source range 1 2`, `icmp echo`, `ip`.
pub struct ServiceText<'a>(pub &'a ServiceMatch);

impl Display for ServiceText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let m = self.0;
        match m.proto {
            None => f.write_str("ip")?,
            Some(n) => match proto_name_of(n, false) {
                Some(name) => f.write_str(name)?,
                None => write!(f, "{n}")?,
            },
        }
        if let Some(p) = m.sport {
            write!(f, " source {}", PortText(p))?;
        }
        if let Some(p) = m.dport {
            write!(f, " {}", PortText(p))?;
        }
        if let Some(i) = m.icmp {
            write!(f, " {}", IcmpText(i, false))?;
        }
        Ok(())
    }
}
