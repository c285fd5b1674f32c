//! [`FortiConfig`] as FortiOS CLI text, the form `show full-configuration` prints and a CLI
//! paste or `execute restore config` loads: `config SECTION`, `edit NAME`, `set KEY VALUE...`,
//! `next`, `end`, four spaces of indent per level, names and text between double quotes.

use super::ast::*;
use std::fmt::{self, Display, Formatter, Write};

fn q(s: &str) -> String {
    format!("\"{s}\"")
}

fn names(v: &[Name]) -> String {
    v.iter()
        .map(|n| q(n.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn ip_net(a: IpAddr, len: u8) -> String {
    match a {
        IpAddr::V4(v) => format!("{v} {}", netmask(len)),
        IpAddr::V6(v) => format!("{v}/{len}"),
    }
}

use std::net::IpAddr;

impl Display for PortSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let r = |(a, b): (u16, u16)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        };
        f.write_str(&r(self.dst))?;
        if let Some(s) = self.src {
            write!(f, ":{}", r(s))?;
        }
        Ok(())
    }
}

impl Display for Action {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Accept => "accept",
            Action::Deny => "deny",
        })
    }
}

impl Display for LogTraffic {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogTraffic::All => "all",
            LogTraffic::Utm => "utm",
            LogTraffic::Disable => "disable",
        })
    }
}

/// Lines of one section: `config NAME`, its entries, `end`.
struct Section<'a> {
    out: &'a mut String,
}

impl Section<'_> {
    fn set(&mut self, key: &str, value: &str) {
        let _ = writeln!(self.out, "        set {key} {value}");
    }
    fn edit(&mut self, id: &str) {
        let _ = writeln!(self.out, "    edit {id}");
    }
    fn next(&mut self) {
        self.out.push_str("    next\n");
    }
}

fn section<T>(out: &mut String, name: &str, items: &[T], mut each: impl FnMut(&mut Section, &T)) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "config {name}");
    let mut s = Section { out };
    for i in items {
        each(&mut s, i);
        s.next();
    }
    s.out.push_str("end\n");
}

fn address(s: &mut Section, a: &Address) {
    s.edit(&q(a.name.as_str()));
    match &a.value {
        AddrValue::Subnet(ip @ IpAddr::V4(_), len) => s.set("subnet", &ip_net(*ip, *len)),
        AddrValue::Subnet(ip, len) => s.set("ip6", &ip_net(*ip, *len)),
        AddrValue::Range(lo, hi) => {
            s.set("type", "iprange");
            s.set("start-ip", &lo.to_string());
            s.set("end-ip", &hi.to_string());
        }
        AddrValue::Other(t) => s.set("type", t),
    }
    if let Some(c) = &a.comment {
        s.set("comment", &q(c.as_str()));
    }
}

fn group(s: &mut Section, g: &Group) {
    s.edit(&q(g.name.as_str()));
    s.set("member", &names(&g.members));
    if let Some(c) = &g.comment {
        s.set("comment", &q(c.as_str()));
    }
}

fn ports(v: &[PortSpec]) -> String {
    v.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn access(v: &[Access]) -> String {
    v.iter().map(|a| a.keyword()).collect::<Vec<_>>().join(" ")
}

/// `config system ha`, a settings section: its `set` lines directly under `config`.
fn ha_section(out: &mut String, ha: &Ha) {
    out.push_str("config system ha\n");
    let mut set = |k: &str, v: String| {
        let _ = writeln!(out, "    set {k} {v}");
    };
    let able = |b: bool| if b { "enable" } else { "disable" }.to_string();
    if let Some(n) = &ha.group_name {
        set("group-name", q(n.as_str()));
    }
    if let Some(m) = ha.mode {
        set("mode", m.keyword().to_string());
    }
    if !ha.hbdev.is_empty() {
        let v: Vec<String> = ha
            .hbdev
            .iter()
            .map(|(n, p)| format!("{} {p}", q(n.as_str())))
            .collect();
        set("hbdev", v.join(" "));
    }
    if let Some(b) = ha.session_pickup {
        set("session-pickup", able(b));
    }
    if let Some(b) = ha.override_ {
        set("override", able(b));
    }
    if let Some(p) = ha.priority {
        set("priority", p.to_string());
    }
    out.push_str("end\n");
}

impl Display for FortiConfig {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for c in &self.comments {
            if c.as_str().is_empty() {
                out.push_str("#\n");
            } else {
                let _ = writeln!(out, "# {c}");
            }
        }
        section(&mut out, "system interface", &self.interfaces, |s, i| {
            s.edit(&q(i.name.as_str()));
            if let Some(a) = &i.alias {
                s.set("alias", &q(a.as_str()));
            }
            if let Some(d) = &i.description {
                s.set("description", &q(d.as_str()));
            }
            if let Some((a, l)) = i.ip {
                s.set("ip", &ip_net(IpAddr::V4(a), l));
            }
            if !i.allowaccess.is_empty() {
                s.set("allowaccess", &access(&i.allowaccess));
            }
            if i.down {
                s.set("status", "down");
            }
            if i.ip6.is_some() || !i.allowaccess6.is_empty() {
                s.out.push_str("        config ipv6\n");
                if let Some((a, l)) = i.ip6 {
                    let _ = writeln!(s.out, "            set ip6-address {a}/{l}");
                }
                if !i.allowaccess6.is_empty() {
                    let _ = writeln!(
                        s.out,
                        "            set ip6-allowaccess {}",
                        access(&i.allowaccess6)
                    );
                }
                s.out.push_str("        end\n");
            }
        });
        if let Some(ha) = &self.ha {
            ha_section(&mut out, ha);
        }
        section(&mut out, "firewall address", &self.addresses, address);
        section(&mut out, "firewall address6", &self.addresses6, address);
        section(&mut out, "firewall addrgrp", &self.addrgrps, group);
        section(&mut out, "firewall addrgrp6", &self.addrgrps6, group);
        section(
            &mut out,
            "firewall service custom",
            &self.services,
            |s, v| {
                s.edit(&q(v.name.as_str()));
                match &v.proto {
                    SvcProto::Ports { tcp, udp, sctp } => {
                        s.set("protocol", "TCP/UDP/SCTP");
                        for (k, p) in [("tcp", tcp), ("udp", udp), ("sctp", sctp)] {
                            if !p.is_empty() {
                                s.set(&format!("{k}-portrange"), &ports(p));
                            }
                        }
                    }
                    SvcProto::Icmp {
                        v6,
                        icmptype,
                        icmpcode,
                    } => {
                        s.set("protocol", if *v6 { "ICMP6" } else { "ICMP" });
                        if let Some(t) = icmptype {
                            s.set("icmptype", &t.to_string());
                        }
                        if let Some(c) = icmpcode {
                            s.set("icmpcode", &c.to_string());
                        }
                    }
                    SvcProto::Ip(n) => {
                        s.set("protocol", "IP");
                        s.set("protocol-number", &n.to_string());
                    }
                }
                if let Some(c) = &v.comment {
                    s.set("comment", &q(c.as_str()));
                }
            },
        );
        section(
            &mut out,
            "firewall service group",
            &self.service_groups,
            group,
        );
        section(&mut out, "firewall vip", &self.vips, |s, v| {
            let range = |(a, b): (std::net::Ipv4Addr, std::net::Ipv4Addr)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            };
            s.edit(&q(v.name.as_str()));
            s.set("extip", &range(v.extip));
            s.set("mappedip", &q(&range(v.mappedip)));
            s.set("extintf", &q(v.extintf.as_str()));
            if v.nat_source_vip {
                s.set("nat-source-vip", "enable");
            }
            if let Some(c) = &v.comment {
                s.set("comment", &q(c.as_str()));
            }
        });
        section(&mut out, "firewall policy", &self.policies, |s, p| {
            s.edit(&p.id.to_string());
            if let Some(n) = &p.name {
                s.set("name", &q(n.as_str()));
            }
            if p.disabled {
                s.set("status", "disable");
            }
            s.set("srcintf", &names(&p.srcintf));
            s.set("dstintf", &names(&p.dstintf));
            for (k, v) in [
                ("srcaddr", &p.srcaddr),
                ("dstaddr", &p.dstaddr),
                ("srcaddr6", &p.srcaddr6),
                ("dstaddr6", &p.dstaddr6),
            ] {
                if !v.is_empty() {
                    s.set(k, &names(v));
                }
            }
            s.set("action", &p.action.to_string());
            s.set("schedule", &q(p.schedule.as_str()));
            s.set("service", &names(&p.service));
            if let Some(l) = p.logtraffic {
                s.set("logtraffic", &l.to_string());
            }
            if p.nat {
                s.set("nat", "enable");
            }
            if let Some(c) = &p.comments {
                s.set("comments", &q(c.as_str()));
            }
        });
        for (name, v) in [
            ("firewall local-in-policy", &self.local_in),
            ("firewall local-in-policy6", &self.local_in6),
        ] {
            section(&mut out, name, v, |s, p| {
                s.edit(&p.id.to_string());
                if p.disabled {
                    s.set("status", "disable");
                }
                s.set("intf", &names(&p.intf));
                s.set("srcaddr", &names(&p.srcaddr));
                s.set("dstaddr", &names(&p.dstaddr));
                s.set("action", &p.action.to_string());
                s.set("service", &names(&p.service));
                s.set("schedule", &q(p.schedule.as_str()));
                if let Some(c) = &p.comments {
                    s.set("comments", &q(c.as_str()));
                }
            });
        }
        f.write_str(&out)
    }
}
