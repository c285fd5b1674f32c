//! [`AsaConfig`] as the text an ASA takes at its CLI (`configure terminal`, then paste) and
//! prints in `show running-config`: one command per line, sub-commands indented by one space.
//! Numbers are printed where the ASA also takes names (ports, ICMP types), so the text is the
//! same whatever names a software version knows; the reader takes both.

use super::ast::*;
use std::fmt::{self, Display, Formatter, Write};
use std::net::IpAddr;

/// `A MASK` for IPv4, `A/LEN` for IPv6.
struct Prefix(IpAddr, u8);

impl Display for Prefix {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(a) => write!(f, "{a} {}", netmask(self.1)),
            IpAddr::V6(a) => write!(f, "{a}/{}", self.1),
        }
    }
}

impl Display for PortOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            PortOp::Eq(p) => write!(f, "eq {p}"),
            PortOp::Neq(p) => write!(f, "neq {p}"),
            PortOp::Lt(p) => write!(f, "lt {p}"),
            PortOp::Gt(p) => write!(f, "gt {p}"),
            PortOp::Range(a, b) => write!(f, "range {a} {b}"),
        }
    }
}

impl Display for PortMatch {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            PortMatch::Op(op) => op.fmt(f),
            PortMatch::Group(n) => write!(f, "object-group {n}"),
        }
    }
}

impl Display for Proto {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Proto::Ip => f.write_str("ip"),
            Proto::Tcp => f.write_str("tcp"),
            Proto::Udp => f.write_str("udp"),
            Proto::Icmp => f.write_str("icmp"),
            Proto::Icmp6 => f.write_str("icmp6"),
            Proto::Number(n) => write!(f, "{n}"),
            Proto::Group(n) => write!(f, "object-group {n}"),
        }
    }
}

impl Display for Addr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Any => f.write_str("any"),
            Addr::Any4 => f.write_str("any4"),
            Addr::Any6 => f.write_str("any6"),
            Addr::Host(a) => write!(f, "host {a}"),
            Addr::Net(a, l) => Prefix(*a, *l).fmt(f),
            Addr::Object(n) => write!(f, "object {n}"),
            Addr::Group(n) => write!(f, "object-group {n}"),
        }
    }
}

impl Display for Action {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Permit => "permit",
            Action::Deny => "deny",
        })
    }
}

impl Display for PortProto {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PortProto::Tcp => "tcp",
            PortProto::Udp => "udp",
            PortProto::TcpUdp => "tcp-udp",
        })
    }
}

impl Display for Ace {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "access-list {} extended {} {} {}",
            self.acl, self.action, self.proto, self.src
        )?;
        if let Some(p) = &self.sport {
            write!(f, " {p}")?;
        }
        write!(f, " {}", self.dst)?;
        if let Some(p) = &self.dport {
            write!(f, " {p}")?;
        }
        if let Some(t) = self.icmp_type {
            write!(f, " {t}")?;
        }
        if self.log {
            f.write_str(" log")?;
        }
        Ok(())
    }
}

fn description(out: &mut String, d: &Option<Text>) -> fmt::Result {
    match d {
        Some(d) => writeln!(out, " description {d}"),
        None => Ok(()),
    }
}

fn top(out: &mut String, t: &Top) -> fmt::Result {
    match t {
        Top::Comment(c) if c.as_str().is_empty() => writeln!(out, "!"),
        Top::Comment(c) => writeln!(out, "! {c}"),
        Top::Interface(i) => {
            writeln!(out, "interface {}", i.name)?;
            description(out, &i.description)?;
            if let Some(n) = &i.nameif {
                writeln!(out, " nameif {n}")?;
            }
            if let Some(l) = i.security_level {
                writeln!(out, " security-level {l}")?;
            }
            for a in &i.addresses {
                match a.addr {
                    IpAddr::V4(v) => write!(out, " ip address {v} {}", netmask(a.len))?,
                    IpAddr::V6(v) => write!(out, " ipv6 address {v}/{}", a.len)?,
                }
                match a.standby {
                    Some(s) => writeln!(out, " standby {s}")?,
                    None => writeln!(out)?,
                }
            }
            if i.shutdown {
                writeln!(out, " shutdown")?;
            }
            Ok(())
        }
        Top::SameSecurity(s) => writeln!(
            out,
            "same-security-traffic permit {}",
            match s {
                SameSecurity::InterInterface => "inter-interface",
                SameSecurity::IntraInterface => "intra-interface",
            }
        ),
        Top::Object(o) => {
            writeln!(out, "object network {}", o.name)?;
            match &o.value {
                ObjValue::Host(a) => writeln!(out, " host {a}")?,
                ObjValue::Subnet(a, l) => writeln!(out, " subnet {}", Prefix(*a, *l))?,
                ObjValue::Range(a, b) => writeln!(out, " range {a} {b}")?,
            }
            description(out, &o.description)
        }
        Top::ObjectNat(n) => {
            writeln!(out, "object network {}", n.object)?;
            let mapped_if = n.mapped_if.as_ref().map_or("any", |m| m.as_str());
            writeln!(out, " nat ({},{mapped_if}) static {}", n.real_if, n.mapped)
        }
        Top::NetGroup(g) => {
            writeln!(out, "object-group network {}", g.name)?;
            description(out, &g.description)?;
            for e in &g.entries {
                match e {
                    NetEntry::Host(a) => writeln!(out, " network-object host {a}")?,
                    NetEntry::Net(a, l) => writeln!(out, " network-object {}", Prefix(*a, *l))?,
                    NetEntry::Object(n) => writeln!(out, " network-object object {n}")?,
                    NetEntry::Group(n) => writeln!(out, " group-object {n}")?,
                }
            }
            Ok(())
        }
        Top::SvcGroup(g) => {
            match g.proto {
                Some(p) => writeln!(out, "object-group service {} {p}", g.name)?,
                None => writeln!(out, "object-group service {}", g.name)?,
            }
            description(out, &g.description)?;
            for e in &g.entries {
                match e {
                    SvcEntry::Port(op) => writeln!(out, " port-object {op}")?,
                    SvcEntry::Service {
                        proto,
                        src,
                        dst,
                        icmp_type,
                    } => {
                        write!(out, " service-object {proto}")?;
                        if let Some(s) = src {
                            write!(out, " source {s}")?;
                        }
                        if let Some(d) = dst {
                            write!(out, " destination {d}")?;
                        }
                        if let Some(t) = icmp_type {
                            write!(out, " {t}")?;
                        }
                        writeln!(out)?;
                    }
                    SvcEntry::Group(n) => writeln!(out, " group-object {n}")?,
                }
            }
            Ok(())
        }
        Top::Remark { acl, text } => writeln!(out, "access-list {acl} remark {text}"),
        Top::Ace(a) => writeln!(out, "{a}"),
        Top::AccessGroup(g) => match &g.binding {
            Binding::Global => writeln!(out, "access-group {} global", g.acl),
            Binding::Interface {
                direction,
                nameif,
                control_plane,
            } => writeln!(
                out,
                "access-group {} {} interface {nameif}{}",
                g.acl,
                match direction {
                    Direction::In => "in",
                    Direction::Out => "out",
                },
                if *control_plane { " control-plane" } else { "" }
            ),
        },
        Top::Management(m) => writeln!(
            out,
            "{} {} {}",
            m.service.keyword(),
            Prefix(m.addr, m.len),
            m.nameif
        ),
        Top::HttpServer(None) => writeln!(out, "http server enable"),
        Top::HttpServer(Some(p)) => writeln!(out, "http server enable {p}"),
        Top::IcmpRule(r) => {
            let kw = if r.v6 { "ipv6 icmp" } else { "icmp" };
            write!(out, "{kw} {} {}", r.action, r.src)?;
            if let Some(t) = r.icmp_type {
                write!(out, " {t}")?;
            }
            writeln!(out, " {}", r.nameif)
        }
        Top::PolicyMap(p) => {
            writeln!(out, "policy-map {}", p.name)?;
            for (class, inspects) in &p.classes {
                writeln!(out, " class {class}")?;
                for i in inspects {
                    writeln!(out, "  inspect {i}")?;
                }
            }
            Ok(())
        }
        Top::GlobalPolicy(n) => writeln!(out, "service-policy {n} global"),
        Top::Failover(f) => match f {
            Failover::Enable(true) => writeln!(out, "failover"),
            Failover::Enable(false) => writeln!(out, "no failover"),
            Failover::Unit(primary) => writeln!(
                out,
                "failover lan unit {}",
                if *primary { "primary" } else { "secondary" }
            ),
            Failover::LanInterface { link, interface } => {
                writeln!(out, "failover lan interface {link} {interface}")
            }
            Failover::StateLink { link, interface } => {
                writeln!(out, "failover link {link} {interface}")
            }
            Failover::Ip {
                link,
                addr,
                len,
                standby,
            } => writeln!(
                out,
                "failover interface ip {link} {} standby {standby}",
                Prefix(*addr, *len)
            ),
        },
    }
}

impl Display for AsaConfig {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for t in &self.items {
            top(&mut out, t)?;
        }
        f.write_str(&out)
    }
}
