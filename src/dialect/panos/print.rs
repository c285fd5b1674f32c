//! [`PanosConfig`] -> set commands, one entity a line (its description on a line of its own), in
//! the order PAN-OS needs them when pasted in configure mode: tags, management profiles,
//! interfaces, zones, addresses, groups, services, then the security rules in rulebase order.

use super::ast::*;
use std::fmt::{self, Display, Formatter, Write};
use std::net::IpAddr;

fn list(f: &mut Formatter<'_>, xs: &[Name]) -> fmt::Result {
    match xs {
        [one] => write!(f, "{one}"),
        _ => {
            f.write_str("[")?;
            for x in xs {
                write!(f, " {x}")?;
            }
            f.write_str(" ]")
        }
    }
}

fn prefixes(xs: &[(IpAddr, u8)]) -> String {
    let v: Vec<String> = xs.iter().map(|(a, l)| format!("{a}/{l}")).collect();
    match v.as_slice() {
        [one] => one.clone(),
        _ => format!("[ {} ]", v.join(" ")),
    }
}

fn ranges(xs: &[(u16, u16)]) -> String {
    xs.iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

impl Display for Rule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "set rulebase security rules {}", self.name)?;
        for (kw, xs) in [
            ("from", &self.from),
            ("to", &self.to),
            ("source", &self.source),
            ("destination", &self.destination),
            ("application", &self.application),
            ("service", &self.service),
        ] {
            if !xs.is_empty() {
                write!(f, " {kw} ")?;
                list(f, xs)?;
            }
        }
        if let Some(a) = self.action {
            write!(f, " action {}", a.keyword())?;
        }
        if self.rule_type != RuleType::Universal {
            write!(f, " rule-type {}", self.rule_type.keyword())?;
        }
        if self.log_start {
            f.write_str(" log-start yes")?;
        }
        write!(f, " log-end {}", yes(self.log_end))?;
        for (kw, b) in [
            ("disabled", self.disabled),
            ("negate-source", self.negate_source),
            ("negate-destination", self.negate_destination),
        ] {
            if b {
                write!(f, " {kw} yes")?;
            }
        }
        Ok(())
    }
}

impl Display for PanosConfig {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for t in &self.tags {
            writeln!(out, "set tag {}", t.name)?;
            if let Some(c) = &t.comments {
                writeln!(out, "set tag {} comments {c}", t.name)?;
            }
        }
        for p in &self.profiles {
            write!(
                out,
                "set network profiles interface-management-profile {}",
                p.name
            )?;
            for s in MgmtService::ALL {
                write!(out, " {} {}", s.keyword(), yes(p.services.contains(&s)))?;
            }
            if !p.permitted.is_empty() {
                write!(out, " permitted-ip {}", prefixes(&p.permitted))?;
            }
            out.push('\n');
        }
        for i in &self.interfaces {
            let pre = format!("set network interface ethernet {}", i.name);
            if i.ha {
                writeln!(out, "{pre} ha")?;
            } else {
                writeln!(out, "{pre} layer3")?;
            }
            for (a, l) in &i.ips {
                if a.is_ipv4() {
                    writeln!(out, "{pre} layer3 ip {a}/{l}")?;
                } else {
                    writeln!(out, "{pre} layer3 ipv6 address {a}/{l}")?;
                }
            }
            if i.ips.iter().any(|(a, _)| a.is_ipv6()) {
                writeln!(out, "{pre} layer3 ipv6 enabled yes")?;
            }
            if let Some(p) = &i.profile {
                writeln!(out, "{pre} layer3 interface-management-profile {p}")?;
            }
            if let Some(c) = &i.comment {
                writeln!(out, "{pre} comment {c}")?;
            }
            if i.link_down {
                writeln!(out, "{pre} link-state down")?;
            }
        }
        if let Some(ha) = &self.ha {
            high_availability(&mut out, ha)?;
        }
        for z in &self.zones {
            write!(out, "set zone {} network layer3 ", z.name)?;
            if z.interfaces.is_empty() {
                out.push_str("[ ]");
            } else {
                write!(out, "{}", Lst(&z.interfaces))?;
            }
            out.push('\n');
        }
        for a in &self.addresses {
            match &a.value {
                Some(AddrValue::Netmask(ip, l)) => {
                    writeln!(out, "set address {} ip-netmask {ip}/{l}", a.name)?
                }
                Some(AddrValue::Range(x, y)) => {
                    writeln!(out, "set address {} ip-range {x}-{y}", a.name)?
                }
                None => writeln!(out, "set address {}", a.name)?,
            }
            if let Some(d) = &a.description {
                writeln!(out, "set address {} description {d}", a.name)?;
            }
        }
        for g in &self.address_groups {
            writeln!(
                out,
                "set address-group {} static {}",
                g.name,
                Lst(&g.members)
            )?;
            if let Some(d) = &g.description {
                writeln!(out, "set address-group {} description {d}", g.name)?;
            }
        }
        for s in &self.services {
            write!(out, "set service {}", s.name)?;
            if let Some(p) = s.proto {
                write!(out, " protocol {}", p.keyword())?;
                if !s.ports.is_empty() {
                    write!(out, " port {}", ranges(&s.ports))?;
                }
                if !s.source_ports.is_empty() {
                    write!(out, " source-port {}", ranges(&s.source_ports))?;
                }
            }
            out.push('\n');
            if let Some(d) = &s.description {
                writeln!(out, "set service {} description {d}", s.name)?;
            }
        }
        for g in &self.service_groups {
            writeln!(
                out,
                "set service-group {} members {}",
                g.name,
                Lst(&g.members)
            )?;
        }
        for a in &self.applications {
            write!(out, "set application {}", a.name)?;
            if let Some((v6, t)) = a.icmp_type {
                let kind = if v6 { "icmp6" } else { "icmp" };
                write!(out, " default ident-by-{kind}-type type {t}")?;
            }
            out.push('\n');
        }
        for r in &self.rules {
            writeln!(out, "{r}")?;
            if let Some(d) = &r.description {
                writeln!(
                    out,
                    "set rulebase security rules {} description {d}",
                    r.name
                )?;
            }
        }
        for r in &self.nat_rules {
            let pre = format!("set rulebase nat rules {}", r.name);
            write!(out, "{pre}")?;
            for (kw, xs) in [
                ("from", &r.from),
                ("to", &r.to),
                ("source", &r.source),
                ("destination", &r.destination),
            ] {
                if !xs.is_empty() {
                    write!(out, " {kw} {}", Lst(xs))?;
                }
            }
            if let Some(s) = &r.service {
                write!(out, " service {s}")?;
            }
            if let Some(t) = &r.translated {
                write!(
                    out,
                    " source-translation static-ip translated-address {t} bi-directional {}",
                    yes(r.bidirectional)
                )?;
            }
            if r.disabled {
                out.push_str(" disabled yes");
            }
            out.push('\n');
            if let Some(d) = &r.description {
                writeln!(out, "{pre} description {d}")?;
            }
        }
        f.write_str(&out)
    }
}

/// A list as PAN-OS prints it: one member bare, several (or none) in brackets.
struct Lst<'a>(&'a [Name]);

impl Display for Lst<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("[ ]");
        }
        list(f, self.0)
    }
}

/// `deviceconfig high-availability`, one attribute a line.
fn high_availability(out: &mut String, ha: &Ha) -> fmt::Result {
    let pre = "set deviceconfig high-availability";
    writeln!(out, "{pre} enabled {}", yes(ha.enabled))?;
    if let Some(g) = ha.group_id {
        writeln!(out, "{pre} group group-id {g}")?;
    }
    if let Some(p) = ha.peer_ip {
        writeln!(out, "{pre} group peer-ip {p}")?;
    }
    if let Some(m) = &ha.mode {
        writeln!(out, "{pre} group mode {m}")?;
    }
    if let Some(p) = ha.device_priority {
        writeln!(out, "{pre} group election-option device-priority {p}")?;
    }
    if let Some(h) = &ha.ha1 {
        writeln!(out, "{pre} interface ha1 port {}", h.port)?;
        if let Some(a) = h.ip {
            writeln!(out, "{pre} interface ha1 ip-address {a}")?;
        }
        if let Some(m) = h.netmask {
            writeln!(out, "{pre} interface ha1 netmask {m}")?;
        }
    }
    Ok(())
}
