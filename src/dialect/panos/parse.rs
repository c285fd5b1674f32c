//! Text -> [`PanosConfig`]: a file fenceline printed, or a live firewall's `show config
//! running` in set format (`set cli config-output-format set`), one attribute a line or several
//! on one line. The parts that decide filtering are read whole (layer-3 interfaces, zones,
//! management profiles, addresses and groups, services and groups, security rules); an
//! attribute inside them that the reader does not know is refused with its line, never
//! skipped. Other configuration (`deviceconfig`, `mgt-config`, virtual routers, ...) is
//! skipped; NAT rules and a second virtual system are refused.

use super::ast::*;
use std::net::IpAddr;

type R<T> = Result<T, ParseError>;

fn err<T>(line: usize, message: impl Into<String>) -> R<T> {
    Err(ParseError {
        line,
        message: message.into(),
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Open,
    Close,
}

fn tokens(line: &str, n: usize) -> R<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(c) => s.push(c),
                    None => return err(n, "a quoted value without its closing `\"`"),
                }
            }
            out.push(Tok::Quoted(s));
        } else if c == '[' {
            chars.next();
            out.push(Tok::Open);
        } else if c == ']' {
            chars.next();
            out.push(Tok::Close);
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '[' || c == ']' || c == '"' {
                    break;
                }
                s.push(c);
                chars.next();
            }
            out.push(Tok::Word(s));
        }
    }
    Ok(out)
}

/// A cursor over one line's tokens.
struct Line {
    toks: Vec<Tok>,
    at: usize,
    n: usize,
}

impl Line {
    fn done(&self) -> bool {
        self.at >= self.toks.len()
    }
    fn peek(&self) -> Option<&str> {
        match self.toks.get(self.at) {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }
    fn eat(&mut self, w: &str) -> bool {
        if self.peek() == Some(w) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    /// A word or a quoted value.
    fn value(&mut self, what: &str) -> R<String> {
        match self.toks.get(self.at).cloned() {
            Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => {
                self.at += 1;
                Ok(w)
            }
            _ => err(self.n, format!("expected {what}")),
        }
    }
    fn name(&mut self, what: &str) -> R<Name> {
        let v = self.value(what)?;
        Name::new(&v).ok_or_else(|| ParseError {
            line: self.n,
            message: format!(
                "`{}` is not a name PAN-OS takes ({what})",
                v.escape_default()
            ),
        })
    }
    fn text(&mut self, what: &str) -> R<Text> {
        let v = self.value(what)?;
        Text::new(&v).ok_or_else(|| ParseError {
            line: self.n,
            message: format!("{what} `{}` is not printable text", v.escape_default()),
        })
    }
    /// One member, or `[ MEMBER ... ]`.
    fn words(&mut self, what: &str) -> R<Vec<String>> {
        if self.toks.get(self.at) == Some(&Tok::Open) {
            self.at += 1;
            let mut out = Vec::new();
            loop {
                match self.toks.get(self.at).cloned() {
                    Some(Tok::Close) => {
                        self.at += 1;
                        return Ok(out);
                    }
                    Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => {
                        self.at += 1;
                        out.push(w);
                    }
                    _ => return err(self.n, format!("a list of {what} without its closing `]`")),
                }
            }
        }
        Ok(vec![self.value(what)?])
    }
    fn names(&mut self, what: &str) -> R<Vec<Name>> {
        self.words(what)?
            .into_iter()
            .map(|v| {
                Name::new(&v).ok_or_else(|| ParseError {
                    line: self.n,
                    message: format!(
                        "`{}` is not a name PAN-OS takes ({what})",
                        v.escape_default()
                    ),
                })
            })
            .collect()
    }
    fn yes_no(&mut self, what: &str) -> R<bool> {
        match self.value(what)?.as_str() {
            "yes" => Ok(true),
            "no" => Ok(false),
            v => err(self.n, format!("`{what}` takes yes or no, not `{v}`")),
        }
    }
}

/// `A/LEN` or a bare address (a host).
pub fn prefix(s: &str) -> Option<(IpAddr, u8)> {
    let (a, l) = match s.split_once('/') {
        Some((a, l)) => (a.parse::<IpAddr>().ok()?, l.parse::<u8>().ok()?),
        None => {
            let a = s.parse::<IpAddr>().ok()?;
            (a, if a.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if a.is_ipv4() { 32 } else { 128 };
    (l <= max).then_some((a, l))
}

/// `A-B` of one family, `A <= B`.
pub fn range(s: &str) -> Option<(IpAddr, IpAddr)> {
    let (a, b) = s.split_once('-')?;
    let (a, b) = (a.parse::<IpAddr>().ok()?, b.parse::<IpAddr>().ok()?);
    (a.is_ipv4() == b.is_ipv4()
        && crate::packet::space::ip_to_u128(a) <= crate::packet::space::ip_to_u128(b))
    .then_some((a, b))
}

fn port_list(s: &str, n: usize) -> R<Vec<(u16, u16)>> {
    s.split(',')
        .map(|p| {
            let r = match p.split_once('-') {
                Some((a, b)) => a.parse::<u16>().ok().zip(b.parse::<u16>().ok()),
                None => p.parse::<u16>().ok().map(|a| (a, a)),
            };
            match r {
                Some((a, b)) if a <= b => Ok((a, b)),
                _ => err(n, format!("`{p}` is not a port or a port range")),
            }
        })
        .collect()
}

fn find<T>(v: &mut Vec<T>, key: impl Fn(&T) -> bool, make: impl FnOnce() -> T) -> &mut T {
    let k = match v.iter().position(key) {
        Some(k) => k,
        None => {
            v.push(make());
            v.len() - 1
        }
    };
    &mut v[k]
}

/// Reads a configuration, in set format or in XML.
pub fn parse(text: &str) -> R<PanosConfig> {
    if super::xml::is_xml(text) {
        let lines = super::xml::to_set(text)?;
        return parse_lines(lines.iter().map(|(n, l)| (*n, l.as_str())));
    }
    parse_lines(text.lines().enumerate().map(|(k, l)| (k + 1, l)))
}

/// Reads set commands, each with the line it came from.
fn parse_lines<'a>(lines: impl Iterator<Item = (usize, &'a str)>) -> R<PanosConfig> {
    let mut c = PanosConfig::default();
    let mut vsys: Option<String> = None;
    for (n, raw) in lines {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line.chars().any(|c| c.is_control()) {
            return err(n, "a control character in the line");
        }
        let mut l = Line {
            toks: tokens(line, n)?,
            at: 0,
            n,
        };
        if !l.eat("set") {
            return err(
                n,
                "not a `set` command (expected `show config running` in set format)",
            );
        }
        if l.eat("vsys") {
            let v = l.value("a virtual system")?;
            match &vsys {
                Some(o) if *o != v => {
                    return err(n, format!("a second virtual system `{v}`: one virtual system is read, compare each on its own"))
                }
                _ => vsys = Some(v),
            }
        }
        let Some(head) = l.peek().map(str::to_string) else {
            return err(n, "an empty `set` command");
        };
        l.at += 1;
        match head.as_str() {
            "tag" => {
                let name = l.name("a tag")?;
                let t = find(
                    &mut c.tags,
                    |t| t.name == name,
                    || Tag {
                        name: name.clone(),
                        comments: None,
                    },
                );
                while !l.done() {
                    match l.value("a tag attribute")?.as_str() {
                        "comments" => t.comments = Some(l.text("the tag's comments")?),
                        "color" => drop(l.value("a color")?),
                        a => return err(n, format!("unknown tag attribute `{a}`")),
                    }
                }
            }
            "network" => read_network(&mut c, &mut l)?,
            "zone" => {
                let name = l.name("a zone")?;
                let z = find(
                    &mut c.zones,
                    |z| z.name == name,
                    || Zone {
                        name: name.clone(),
                        interfaces: Vec::new(),
                    },
                );
                while !l.done() {
                    match l.value("a zone attribute")?.as_str() {
                        "network" => match l.value("the zone's network type")?.as_str() {
                            "layer3" => {
                                for i in l.names("interfaces")? {
                                    if !z.interfaces.contains(&i) {
                                        z.interfaces.push(i);
                                    }
                                }
                            }
                            "zone-protection-profile" | "log-setting" => drop(l.value("a name")?),
                            "enable-packet-buffer-protection" => {
                                l.yes_no("a setting")?;
                            }
                            t => {
                                return err(
                                    n,
                                    format!(
                                        "zone `{name}` of type `{t}`: only layer-3 zones are read"
                                    ),
                                )
                            }
                        },
                        "enable-user-identification" | "enable-device-identification" => {
                            l.yes_no("a setting")?;
                        }
                        a => return err(n, format!("unknown zone attribute `{a}`")),
                    }
                }
            }
            "address" => {
                let name = l.name("an address")?;
                let a = find(
                    &mut c.addresses,
                    |a| a.name == name,
                    || Address {
                        name: name.clone(),
                        description: None,
                        value: None,
                    },
                );
                while !l.done() {
                    match l.value("an address attribute")?.as_str() {
                        "ip-netmask" => {
                            let v = l.value("a prefix")?;
                            let (ip, len) = prefix(&v).ok_or_else(|| ParseError {
                                line: n,
                                message: format!("`{v}` is not an address or a prefix"),
                            })?;
                            a.value = Some(AddrValue::Netmask(ip, len));
                        }
                        "ip-range" => {
                            let v = l.value("a range")?;
                            let (x, y) = range(&v).ok_or_else(|| ParseError {
                                line: n,
                                message: format!("`{v}` is not an address range"),
                            })?;
                            a.value = Some(AddrValue::Range(x, y));
                        }
                        "description" => a.description = Some(l.text("a description")?),
                        "tag" => drop(l.words("tags")?),
                        a => {
                            return err(n, format!(
                                "address `{name}` of kind `{a}`: only `ip-netmask` and `ip-range` are read (an `fqdn` or `ip-wildcard` address is not resolved)"
                            ))
                        }
                    }
                }
            }
            "address-group" => {
                let name = l.name("an address group")?;
                let g = find(
                    &mut c.address_groups,
                    |g| g.name == name,
                    || AddressGroup {
                        name: name.clone(),
                        description: None,
                        members: Vec::new(),
                    },
                );
                while !l.done() {
                    match l.value("an address-group attribute")?.as_str() {
                        "static" => g.members.extend(l.names("members")?),
                        "description" => g.description = Some(l.text("a description")?),
                        "tag" => drop(l.words("tags")?),
                        a => {
                            return err(
                                n,
                                format!(
                                "address group `{name}` of kind `{a}`: only static groups are read"
                            ),
                            )
                        }
                    }
                }
            }
            "service" => {
                let name = l.name("a service")?;
                let s = find(
                    &mut c.services,
                    |s| s.name == name,
                    || Service {
                        name: name.clone(),
                        description: None,
                        proto: None,
                        ports: Vec::new(),
                        source_ports: Vec::new(),
                    },
                );
                while !l.done() {
                    match l.value("a service attribute")?.as_str() {
                        "protocol" => {
                            s.proto = Some(match l.value("a protocol")?.as_str() {
                                "tcp" => SvcProto::Tcp,
                                "udp" => SvcProto::Udp,
                                p => return err(n, format!("service `{name}` of protocol `{p}`: only tcp and udp are read")),
                            });
                        }
                        "port" => s.ports = port_list(&l.value("ports")?, n)?,
                        "source-port" => s.source_ports = port_list(&l.value("ports")?, n)?,
                        "description" => s.description = Some(l.text("a description")?),
                        "override" => {
                            // Timeout overrides: `override no`, `override yes timeout N ...`.
                            while !l.done() {
                                l.at += 1;
                            }
                        }
                        "tag" => drop(l.words("tags")?),
                        a => return err(n, format!("unknown service attribute `{a}`")),
                    }
                }
            }
            "service-group" => {
                let name = l.name("a service group")?;
                let g = find(
                    &mut c.service_groups,
                    |g| g.name == name,
                    || ServiceGroup {
                        name: name.clone(),
                        members: Vec::new(),
                    },
                );
                while !l.done() {
                    match l.value("a service-group attribute")?.as_str() {
                        "members" => g.members.extend(l.names("members")?),
                        "tag" => drop(l.words("tags")?),
                        a => return err(n, format!("unknown service-group attribute `{a}`")),
                    }
                }
            }
            "application" => {
                let name = l.name("an application")?;
                let a = find(
                    &mut c.applications,
                    |a| a.name == name,
                    || Application {
                        name: name.clone(),
                        icmp_type: None,
                    },
                );
                while !l.done() {
                    match l.value("an application attribute")?.as_str() {
                        "default" => {
                            let kind = l.value("the application's default")?;
                            let v6 = match kind.as_str() {
                                "ident-by-icmp-type" => false,
                                "ident-by-icmp6-type" => true,
                                k => return err(n, format!(
                                    "application `{name}` is identified by `{k}`: the reader reads applications identified by an ICMP type only"
                                )),
                            };
                            if !l.eat("type") {
                                return err(
                                    n,
                                    format!(
                                        "application `{name}`: an ICMP code or no type is not read"
                                    ),
                                );
                            }
                            let t = l.value("an ICMP type")?;
                            let t = t.parse::<u8>().map_err(|_| ParseError {
                                line: n,
                                message: format!("`{t}` is not an ICMP type"),
                            })?;
                            a.icmp_type = Some((v6, t));
                        }
                        "category"
                        | "subcategory"
                        | "technology"
                        | "description"
                        | "risk"
                        | "evasive-behavior"
                        | "consume-big-bandwidth"
                        | "used-by-malware"
                        | "able-to-transfer-file"
                        | "has-known-vulnerability"
                        | "tunnel-other-application"
                        | "prone-to-misuse"
                        | "pervasive-use" => drop(l.value("a value")?),
                        a => return err(n, format!("unknown application attribute `{a}`")),
                    }
                }
            }
            "rulebase" => match l.value("a rulebase")?.as_str() {
                "security" => {
                    if !l.eat("rules") {
                        return err(n, "expected `rulebase security rules NAME`");
                    }
                    let name = l.name("a rule")?;
                    let r = find(&mut c.rules, |r| r.name == name, || Rule::new(name.clone()));
                    read_rule(r, &mut l)?;
                }
                "nat" => {
                    if !l.eat("rules") {
                        return err(n, "expected `rulebase nat rules NAME`");
                    }
                    let name = l.name("a NAT rule")?;
                    let r = find(
                        &mut c.nat_rules,
                        |r| r.name == name,
                        || NatRule::new(name.clone()),
                    );
                    read_nat_rule(r, &mut l)?;
                }
                // Decryption, QoS, policy-based forwarding, application override... do not
                // decide what the security rules allow.
                _ => {}
            },
            "deviceconfig" if l.eat("high-availability") => {
                read_ha(c.ha.get_or_insert_with(Ha::default), &mut l)?
            }
            // Device settings, management, virtual routers and the like decide no filtering.
            _ => {}
        }
    }
    Ok(c)
}

/// `deviceconfig high-availability ...`: whether HA is on, the group's peer, mode and
/// priority, and the HA1 port with its address. Timers, monitoring, state synchronization and
/// the other links decide no filtering: the rest of such a line is passed over. The HA ports
/// themselves are `network interface ethernet NAME ha`, which pass no data traffic.
fn read_ha(ha: &mut Ha, l: &mut Line) -> R<()> {
    let n = l.n;
    let skip = |l: &mut Line| l.at = l.toks.len();
    while !l.done() {
        let a = l.value("an HA attribute")?;
        match a.as_str() {
            "enabled" => ha.enabled = l.yes_no("enabled")?,
            // PAN-OS 8 and older key the group by its id: `group 1 peer-ip ...`.
            "group" => {
                if let Some(id) = l.peek().and_then(|w| w.parse::<u8>().ok()) {
                    l.at += 1;
                    ha.group_id = Some(id);
                }
            }
            "group-id" => {
                let v = l.value("a group id")?;
                ha.group_id = Some(v.parse().map_err(|_| ParseError {
                    line: n,
                    message: format!("`{v}` is not an HA group id"),
                })?);
            }
            "peer-ip" => {
                let v = l.value("the peer's address")?;
                ha.peer_ip = Some(v.parse().map_err(|_| ParseError {
                    line: n,
                    message: format!("`{v}` is not an address"),
                })?);
            }
            "mode" => ha.mode = Some(l.name("an HA mode")?),
            "election-option" => match l.value("an election option")?.as_str() {
                "device-priority" => {
                    let v = l.value("a device priority")?;
                    ha.device_priority = Some(v.parse().map_err(|_| ParseError {
                        line: n,
                        message: format!("`{v}` is not a device priority (0-255)"),
                    })?);
                }
                _ => skip(l),
            },
            "interface" => {
                if l.value("an HA link")? != "ha1" {
                    skip(l);
                    continue;
                }
                while !l.done() {
                    match l.value("an HA1 attribute")?.as_str() {
                        "port" => {
                            let port = l.name("a port")?;
                            match &mut ha.ha1 {
                                Some(h) => h.port = port,
                                None => {
                                    ha.ha1 = Some(HaPort {
                                        port,
                                        ip: None,
                                        netmask: None,
                                    })
                                }
                            }
                        }
                        k @ ("ip-address" | "netmask") => {
                            let v = l.value("an address")?;
                            let Some(h) = &mut ha.ha1 else {
                                return err(n, format!("`ha1 {k}` before `ha1 port`"));
                            };
                            let bad = || ParseError {
                                line: n,
                                message: format!("`{v}` is not an address"),
                            };
                            if k == "ip-address" {
                                h.ip = Some(v.parse().map_err(|_| bad())?);
                            } else {
                                h.netmask = Some(v.parse().map_err(|_| bad())?);
                            }
                        }
                        _ => skip(l),
                    }
                }
            }
            _ => skip(l),
        }
    }
    Ok(())
}

fn read_network(c: &mut PanosConfig, l: &mut Line) -> R<()> {
    let n = l.n;
    match l.value("a network section")?.as_str() {
        "profiles" => {
            if !l.eat("interface-management-profile") {
                return Ok(());
            }
            let name = l.name("a management profile")?;
            let p = find(
                &mut c.profiles,
                |p| p.name == name,
                || MgmtProfile {
                    name: name.clone(),
                    services: Vec::new(),
                    permitted: Vec::new(),
                },
            );
            while !l.done() {
                let a = l.value("a profile attribute")?;
                if let Some(s) = MgmtService::parse(&a) {
                    let on = l.yes_no(&a)?;
                    p.services.retain(|x| *x != s);
                    if on {
                        p.services.push(s);
                        p.services.sort();
                    }
                } else if a == "permitted-ip" {
                    for w in l.words("addresses")? {
                        let x = prefix(&w).ok_or_else(|| ParseError {
                            line: n,
                            message: format!("`{w}` is not an address or a prefix"),
                        })?;
                        p.permitted.push(x);
                    }
                } else if matches!(
                    a.as_str(),
                    "response-pages"
                        | "userid-service"
                        | "userid-syslog-listener-ssl"
                        | "userid-syslog-listener-udp"
                        | "http-ocsp"
                ) {
                    if l.yes_no(&a)? {
                        return err(n, format!("management profile `{name}` enables `{a}`: the reader models ping, ssh, telnet, http, https and snmp only"));
                    }
                } else {
                    return err(n, format!("unknown management-profile attribute `{a}`"));
                }
            }
            Ok(())
        }
        "interface" => {
            let kind = l.value("an interface kind")?;
            if kind != "ethernet" {
                return err(
                    n,
                    format!("`network interface {kind}`: only ethernet interfaces are read"),
                );
            }
            let name = l.name("an interface")?;
            let i = find(
                &mut c.interfaces,
                |i| i.name == name,
                || Interface {
                    name: name.clone(),
                    comment: None,
                    ips: Vec::new(),
                    profile: None,
                    link_down: false,
                    ha: false,
                },
            );
            let mut layer3 = false;
            while !l.done() {
                let a = l.value("an interface attribute")?;
                match a.as_str() {
                    "layer3" => layer3 = true,
                    "ha" => i.ha = true,
                    "comment" => i.comment = Some(l.text("a comment")?),
                    "link-state" => i.link_down = l.value("a link state")? == "down",
                    "link-speed" | "link-duplex" => drop(l.value("a setting")?),
                    "ip" if layer3 => {
                        for w in l.words("addresses")? {
                            let x = prefix(&w).ok_or_else(|| ParseError {
                                line: n,
                                message: format!("`{w}` is not an interface address"),
                            })?;
                            i.ips.push(x);
                        }
                    }
                    "ipv6" if layer3 => match l.value("an ipv6 attribute")?.as_str() {
                        "enabled" => {
                                l.yes_no("enabled")?;
                            },
                        "address" => {
                            let w = l.value("an address")?;
                            let x = prefix(&w).ok_or_else(|| ParseError {
                                line: n,
                                message: format!("`{w}` is not an interface address"),
                            })?;
                            i.ips.push(x);
                        }
                        x => return err(n, format!("unknown ipv6 attribute `{x}` of an interface")),
                    },
                    "interface-management-profile" if layer3 => {
                        i.profile = Some(l.name("a management profile")?)
                    }
                    "mtu" if layer3 => drop(l.value("an mtu")?),
                    _ => {
                        return err(n, format!(
                            "unknown interface attribute `{a}`: the reader reads layer-3 ethernet interfaces without subinterfaces"
                        ))
                    }
                }
            }
            Ok(())
        }
        // Virtual routers, IKE, tunnels, QoS... decide no filtering.
        _ => Ok(()),
    }
}

/// A NAT rule's attributes: static 1:1 source translation only; anything that translates
/// otherwise (dynamic IP and port, destination translation of its own) is refused by line.
fn read_nat_rule(r: &mut NatRule, l: &mut Line) -> R<()> {
    let n = l.n;
    while !l.done() {
        let a = l.value("a NAT rule attribute")?;
        match a.as_str() {
            "from" => r.from = l.names("zones")?,
            "to" => r.to = l.names("zones")?,
            "source" => r.source = l.names("addresses")?,
            "destination" => r.destination = l.names("addresses")?,
            "service" => r.service = Some(l.name("a service")?),
            "source-translation" => {
                let kind = l.value("a source translation")?;
                if kind != "static-ip" {
                    return err(n, format!(
                        "NAT rule `{}` translates sources by `{kind}`: fenceline reads static 1:1 translation (`static-ip`) only",
                        r.name
                    ));
                }
                while !l.done() {
                    match l.peek() {
                        Some("translated-address") => {
                            l.at += 1;
                            r.translated = Some(l.name("a translated address")?);
                        }
                        Some("bi-directional") => {
                            l.at += 1;
                            r.bidirectional = l.yes_no("bi-directional")?;
                        }
                        _ => break,
                    }
                }
            }
            "disabled" => r.disabled = l.yes_no(&a)?,
            "description" => r.description = Some(l.text("a description")?),
            "tag" | "group-tag" | "uuid" | "nat-type" | "to-interface" => drop(l.words(&a)?),
            "destination-translation" | "dynamic-destination-translation" => {
                return err(n, format!(
                    "NAT rule `{}` translates destinations of its own: fenceline reads bi-directional static source translation only",
                    r.name
                ))
            }
            _ => return err(n, format!("unknown NAT rule attribute `{a}`")),
        }
    }
    Ok(())
}

fn read_rule(r: &mut Rule, l: &mut Line) -> R<()> {
    let n = l.n;
    while !l.done() {
        let a = l.value("a rule attribute")?;
        match a.as_str() {
            "from" => r.from = l.names("zones")?,
            "to" => r.to = l.names("zones")?,
            "source" => r.source = l.names("addresses")?,
            "destination" => r.destination = l.names("addresses")?,
            "application" => r.application = l.names("applications")?,
            "service" => r.service = l.names("services")?,
            "source-user" | "category" | "hip-profiles" | "source-hip" | "destination-hip" => {
                let v = l.words(&a)?;
                if v != ["any"] {
                    return err(n, format!(
                        "rule `{}` matches `{a}` other than `any`: the reader decides by addresses, zones and services only",
                        r.name
                    ));
                }
            }
            "action" => {
                let v = l.value("an action")?;
                r.action = Some(
                    Action::ALL
                        .into_iter()
                        .find(|x| x.keyword() == v)
                        .ok_or_else(|| ParseError {
                            line: n,
                            message: format!("unknown action `{v}`"),
                        })?,
                );
            }
            "rule-type" => {
                r.rule_type = match l.value("a rule type")?.as_str() {
                    "universal" => RuleType::Universal,
                    "intrazone" => RuleType::Intrazone,
                    "interzone" => RuleType::Interzone,
                    v => return err(n, format!("unknown rule type `{v}`")),
                }
            }
            "log-start" => r.log_start = l.yes_no(&a)?,
            "log-end" => r.log_end = l.yes_no(&a)?,
            "disabled" => r.disabled = l.yes_no(&a)?,
            "negate-source" => r.negate_source = l.yes_no(&a)?,
            "negate-destination" => r.negate_destination = l.yes_no(&a)?,
            "description" => r.description = Some(l.text("a description")?),
            "tag" | "group-tag" | "log-setting" | "uuid" => drop(l.words(&a)?),
            "profile-setting" | "option" => {
                // Security profiles and options inspect what a rule allows; they do not
                // widen it. The rest of the line is theirs.
                while !l.done() {
                    l.at += 1;
                }
            }
            "schedule" => {
                return err(
                    n,
                    format!(
                        "rule `{}` has a schedule: what it allows depends on the time",
                        r.name
                    ),
                )
            }
            _ => return err(n, format!("unknown rule attribute `{a}`")),
        }
    }
    Ok(())
}
