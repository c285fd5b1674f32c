//! The typed configuration of a FortiGate (FortiOS 6.4 to 7.x): the sections fenceline writes
//! and reads, as `show full-configuration` prints them. What a live configuration holds beyond
//! these sections is not kept (the reader skips it), nor are the `set` lines of a kept section
//! that do not change what passes (`uuid`, `color`, `vdom`, ...); a `set` line that would change
//! it and that the reader does not model is refused, with its line.
//!
//! Names and free text are held in clean-only types ([`Name`], [`Text`]): both are printed
//! between double quotes, so neither holds `"`, `\` or `?` (the CLI's help key when pasted), nor
//! any control character: no policy text can end a string, a line or a command.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A name FortiOS takes for an object, an interface or a schedule: printable ASCII without `"`,
/// `\` and `?`, no leading or trailing space, at most [`Name::MAX`] bytes (FortiOS's limit for
/// address, group and service names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    pub const MAX: usize = 79;
    pub fn new(s: &str) -> Option<Name> {
        let ok = !s.is_empty()
            && s.len() <= Name::MAX
            && s.trim() == s
            && s.bytes()
                .all(|b| (b' '..=b'~').contains(&b) && !b"\"\\?".contains(&b));
        ok.then(|| Name(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free text: a policy's `comments`, an interface's `alias` and `description`, a `#` comment
/// line. Printable ASCII without `"`, `\` and `?`, no leading or trailing space, at most
/// [`Text::MAX`] bytes (FortiOS's limit for policy comments).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Text(String);

impl Text {
    pub const MAX: usize = 1023;
    pub fn new(s: &str) -> Option<Text> {
        let ok = s.len() <= Text::MAX
            && s.trim() == s
            && s.bytes()
                .all(|b| (b' '..=b'~').contains(&b) && !b"\"\\?".contains(&b));
        ok.then(|| Text(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a configuration was read from, for messages; every origin compares equal, so a
/// configuration read back equals the one printed.
#[derive(Debug, Clone, Default)]
pub struct Origin(pub String);

impl PartialEq for Origin {
    fn eq(&self, _: &Origin) -> bool {
        true
    }
}

/// A device's configuration, by section; printed in this order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FortiConfig {
    /// `#` lines before the first section.
    pub comments: Vec<Text>,
    /// `config system interface`.
    pub interfaces: Vec<Interface>,
    /// `config firewall address` (IPv4).
    pub addresses: Vec<Address>,
    /// `config firewall address6`.
    pub addresses6: Vec<Address>,
    /// `config firewall addrgrp`.
    pub addrgrps: Vec<Group>,
    /// `config firewall addrgrp6`.
    pub addrgrps6: Vec<Group>,
    /// `config firewall service custom`.
    pub services: Vec<Service>,
    /// `config firewall service group`.
    pub service_groups: Vec<Group>,
    /// `config firewall vip`: static NAT virtual IPs (IPv4).
    pub vips: Vec<Vip>,
    /// `config firewall policy`: forwarded traffic, first match in this order.
    pub policies: Vec<Policy>,
    /// `config firewall local-in-policy`: IPv4 traffic to the device, first match.
    pub local_in: Vec<LocalIn>,
    /// `config firewall local-in-policy6`.
    pub local_in6: Vec<LocalIn>,
    /// `config system ha`: an FGCP cluster.
    pub ha: Option<Ha>,
    pub file: Origin,
}

/// `config system ha` (Fortinet's CLI reference, `config system ha`): the settings that make a
/// FortiGate an FGCP cluster member. What else the section sets (`password`, timers,
/// `monitor`, ...) does not filter and is not kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ha {
    /// `set group-name`: the same on every member (32 characters).
    pub group_name: Option<Name>,
    /// `set mode standalone|a-p|a-a`.
    pub mode: Option<HaMode>,
    /// `set hbdev "PORT" PRIORITY ...`: the heartbeat interfaces.
    pub hbdev: Vec<(Name, u32)>,
    /// `set session-pickup enable|disable`.
    pub session_pickup: Option<bool>,
    /// `set priority N`: higher is preferred as the primary.
    pub priority: Option<u8>,
    /// `set override enable|disable`.
    pub override_: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HaMode {
    Standalone,
    ActivePassive,
    ActiveActive,
}

impl HaMode {
    pub fn keyword(self) -> &'static str {
        match self {
            HaMode::Standalone => "standalone",
            HaMode::ActivePassive => "a-p",
            HaMode::ActiveActive => "a-a",
        }
    }
}

impl FortiConfig {
    /// The first heartbeat interface of a cluster member (`mode` `a-p` or `a-a`), `None` for
    /// a standalone FortiGate.
    pub fn heartbeat_link(&self) -> Option<&Name> {
        let ha = self.ha.as_ref()?;
        match ha.mode {
            Some(HaMode::ActivePassive | HaMode::ActiveActive) => ha.hbdev.first().map(|(n, _)| n),
            _ => None,
        }
    }
}

/// What `allowaccess` opens on an interface's own address when no local-in policy decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    Ping,
    Https,
    Ssh,
    Http,
    Telnet,
    Snmp,
    Fgfm,
    RadiusAcct,
    ProbeResponse,
    Fabric,
    Ftm,
}

/// FortiOS's `allowaccess` keywords, with the protocol (6, 17, or 1 for ping) and port each
/// opens (ping: ICMP echo request, ICMPv6 echo request in `ip6-allowaccess`).
pub const ACCESS: &[(&str, Access, u8, u16)] = &[
    ("ping", Access::Ping, 1, 8),
    ("https", Access::Https, 6, 443),
    ("ssh", Access::Ssh, 6, 22),
    ("http", Access::Http, 6, 80),
    ("telnet", Access::Telnet, 6, 23),
    ("snmp", Access::Snmp, 17, 161),
    ("fgfm", Access::Fgfm, 6, 541),
    ("radius-acct", Access::RadiusAcct, 17, 1813),
    ("probe-response", Access::ProbeResponse, 17, 8008),
    ("fabric", Access::Fabric, 6, 8013),
    ("ftm", Access::Ftm, 17, 4433),
];

impl Access {
    pub fn keyword(self) -> &'static str {
        ACCESS
            .iter()
            .find(|(_, a, _, _)| *a == self)
            .map(|(k, _, _, _)| *k)
            .unwrap_or("ping")
    }
    pub fn parse(s: &str) -> Option<Access> {
        ACCESS.iter().find(|(k, _, _, _)| *k == s).map(|e| e.1)
    }
}

/// `edit NAME` in `config system interface`, with what decides its filtering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: Name,
    /// `set alias`: the zone it faces.
    pub alias: Option<Text>,
    pub description: Option<Text>,
    /// `set ip A MASK`: its own IPv4 address.
    pub ip: Option<(Ipv4Addr, u8)>,
    /// `set allowaccess ...`.
    pub allowaccess: Vec<Access>,
    /// `config ipv6` / `set ip6-address A/LEN`.
    pub ip6: Option<(Ipv6Addr, u8)>,
    /// `config ipv6` / `set ip6-allowaccess ...`.
    pub allowaccess6: Vec<Access>,
    /// `set status down`: the interface passes nothing (island mode).
    pub down: bool,
}

/// `edit NAME` in `config firewall address` or `address6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: Name,
    pub value: AddrValue,
    pub comment: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddrValue {
    /// `set subnet A MASK` (IPv4) or `set ip6 A/LEN` (IPv6), by prefix length.
    Subnet(IpAddr, u8),
    /// `set type iprange`, `set start-ip A`, `set end-ip B`.
    Range(IpAddr, IpAddr),
    /// Another `type` (`fqdn`, `geography`, `dynamic`, ...): kept by name, refused where a
    /// policy uses it.
    Other(String),
}

/// `edit NAME` with `set member ...` in `addrgrp`, `addrgrp6` or `service group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: Name,
    pub members: Vec<Name>,
    pub comment: Option<Text>,
}

/// One `tcp-portrange` (or `udp-`, `sctp-`) entry: `DLO[-DHI][:SLO[-SHI]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortSpec {
    pub dst: (u16, u16),
    pub src: Option<(u16, u16)>,
}

/// `edit NAME` in `config firewall service custom`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: Name,
    pub proto: SvcProto,
    pub comment: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SvcProto {
    /// `set protocol TCP/UDP/SCTP` (the default) with its port ranges.
    Ports {
        tcp: Vec<PortSpec>,
        udp: Vec<PortSpec>,
        sctp: Vec<PortSpec>,
    },
    /// `set protocol ICMP` or `ICMP6`, `set icmptype T`, `set icmpcode C`.
    Icmp {
        v6: bool,
        icmptype: Option<u8>,
        icmpcode: Option<u8>,
    },
    /// `set protocol IP`, `set protocol-number N` (0: every protocol).
    Ip(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTraffic {
    All,
    Utm,
    Disable,
}

/// `edit ID` in `config firewall policy` (the consolidated form of FortiOS 6.4 and later: IPv4
/// and IPv6 addresses in one policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: u32,
    pub name: Option<Name>,
    pub srcintf: Vec<Name>,
    pub dstintf: Vec<Name>,
    pub srcaddr: Vec<Name>,
    pub dstaddr: Vec<Name>,
    pub srcaddr6: Vec<Name>,
    pub dstaddr6: Vec<Name>,
    pub action: Action,
    pub schedule: Name,
    pub service: Vec<Name>,
    pub logtraffic: Option<LogTraffic>,
    /// `set status disable`: the policy matches nothing.
    pub disabled: bool,
    /// `set nat enable`: sources are translated (by a virtual IP's mapping where one holds
    /// them).
    pub nat: bool,
    pub comments: Option<Text>,
}

/// `edit NAME` in `config firewall vip`: a static NAT virtual IP (`set type static-nat`, the
/// default), one external range onto one mapped range of the same size. A policy naming it in
/// `dstaddr` matches packets to the external range and forwards them to the mapped one; with
/// `nat-source-vip`, the mapped hosts leave as their external addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vip {
    pub name: Name,
    /// `set extip A-B`.
    pub extip: (Ipv4Addr, Ipv4Addr),
    /// `set mappedip "C-D"`.
    pub mappedip: (Ipv4Addr, Ipv4Addr),
    /// `set extintf`: `any` in what fenceline writes.
    pub extintf: Name,
    /// `set nat-source-vip enable`.
    pub nat_source_vip: bool,
    pub comment: Option<Text>,
}

/// `edit ID` in `config firewall local-in-policy` or `local-in-policy6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalIn {
    pub id: u32,
    pub intf: Vec<Name>,
    pub srcaddr: Vec<Name>,
    pub dstaddr: Vec<Name>,
    pub action: Action,
    pub service: Vec<Name>,
    pub schedule: Name,
    pub disabled: bool,
    pub comments: Option<Text>,
}

/// A failure to read a configuration, at a line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// The IPv4 netmask of a prefix length.
pub fn netmask(len: u8) -> Ipv4Addr {
    Ipv4Addr::from(
        u32::MAX
            .checked_shl(32 - u32::from(len.min(32)))
            .unwrap_or(0),
    )
}

/// The prefix length of a contiguous IPv4 netmask.
pub fn mask_len(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    (m.leading_ones() + m.trailing_zeros() == 32).then_some(m.leading_ones() as u8)
}
