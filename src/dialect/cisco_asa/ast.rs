//! The typed configuration of a Cisco ASA (ASA OS 9.x): the commands of the sections fenceline
//! writes and reads, one [`Top`] per command with its sub-commands. What a live `show
//! running-config` holds beyond these sections is not kept (the reader skips it); what a kept
//! section holds beyond these commands is refused by the reader, with its line.
//!
//! Names and free text are held in clean-only types ([`Name`], [`Text`]): a name is one word of
//! printable ASCII, a text has no control character and none of `?` (the CLI's help key when
//! pasted) and `!` (a comment), so no policy text can end a line or start a command.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A name the ASA takes as one word: an interface, a `nameif`, an object, an object-group, an
/// access list. Printable ASCII without spaces, `!`, `?` and `"`, at most [`Name::MAX`] bytes
/// (the longest access-list name the ASA takes; generated names are kept to 64).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    pub const MAX: usize = 241;
    pub fn new(s: &str) -> Option<Name> {
        let ok = !s.is_empty()
            && s.len() <= Name::MAX
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"!?\"".contains(&b));
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

/// Free text at the end of a command (`remark`, `description`, a `!` comment): printable ASCII
/// without `!` and `?`, no leading or trailing space, at most [`Text::MAX`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Text(String);

impl Text {
    pub const MAX: usize = 240;
    pub fn new(s: &str) -> Option<Text> {
        let ok = s.len() <= Text::MAX
            && s.trim() == s
            && s.bytes()
                .all(|b| (b' '..=b'~').contains(&b) && !b"!?".contains(&b));
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

/// A device's configuration: its commands in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AsaConfig {
    pub items: Vec<Top>,
    pub file: Origin,
}

impl AsaConfig {
    /// The physical interfaces of its failover and stateful failover links.
    pub fn failover_interfaces(&self) -> Vec<&Name> {
        self.items
            .iter()
            .filter_map(|t| match t {
                Top::Failover(
                    Failover::LanInterface { interface, .. }
                    | Failover::StateLink { interface, .. },
                ) => Some(interface),
                _ => None,
            })
            .collect()
    }

    /// The failover link's physical interface where failover is enabled (the last of
    /// `failover` and `no failover` decides), `None` otherwise.
    pub fn failover_link(&self) -> Option<&Name> {
        let mut enabled = false;
        let mut link = None;
        for t in &self.items {
            match t {
                Top::Failover(Failover::Enable(on)) => enabled = *on,
                Top::Failover(Failover::LanInterface { interface, .. }) => link = Some(interface),
                _ => {}
            }
        }
        link.filter(|_| enabled)
    }
}

/// One command at the top level, with its sub-commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Top {
    /// `! TEXT`, or `!` alone (a separator).
    Comment(Text),
    Interface(Interface),
    /// `same-security-traffic permit inter-interface|intra-interface`.
    SameSecurity(SameSecurity),
    /// `object network NAME`.
    Object(NetObject),
    /// `object network NAME` opened again for its `nat` line, as `show running-config` prints
    /// object NAT after the access lists.
    ObjectNat(ObjectNat),
    /// `object-group network NAME`.
    NetGroup(NetGroup),
    /// `object-group service NAME [tcp|udp|tcp-udp]`.
    SvcGroup(SvcGroup),
    /// `access-list NAME remark TEXT`.
    Remark {
        acl: Name,
        text: Text,
    },
    /// `access-list NAME extended permit|deny ...`.
    Ace(Ace),
    /// `access-group NAME in|out interface NAMEIF [control-plane]` or `access-group NAME global`.
    AccessGroup(AccessGroup),
    /// `ssh|telnet|http ADDR MASK NAMEIF`: management access to the interface's own address.
    Management(Management),
    /// `http server enable [PORT]`.
    HttpServer(Option<u16>),
    /// `icmp permit|deny ADDR [TYPE] NAMEIF`: ICMP to the device's own addresses.
    IcmpRule(IcmpRule),
    /// `policy-map NAME` with its classes and their `inspect` commands.
    PolicyMap(PolicyMap),
    /// `service-policy NAME global`.
    GlobalPolicy(Name),
    /// `failover ...`: Active/Standby failover of a pair of units.
    Failover(Failover),
}

/// The `failover` commands that make a pair of units (Cisco's ASA configuration guide,
/// "Failover for High Availability": `failover lan unit`, `failover lan interface`,
/// `failover link`, `failover interface ip`, `failover`). What else a live configuration says
/// about failover (`failover key`, `polltime`, `replication http`, MAC addresses) does not
/// filter and is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failover {
    /// `failover`: failover is enabled (`no failover`: `Enable(false)`).
    Enable(bool),
    /// `failover lan unit primary|secondary`: `true` for the primary unit.
    Unit(bool),
    /// `failover lan interface NAME PHYSICAL`: the failover link.
    LanInterface { link: Name, interface: Name },
    /// `failover link NAME PHYSICAL`: the stateful failover link.
    StateLink { link: Name, interface: Name },
    /// `failover interface ip NAME A MASK standby B` (`A/LEN` in IPv6): the units' addresses
    /// on the failover link, the primary's first.
    Ip {
        link: Name,
        addr: IpAddr,
        len: u8,
        standby: IpAddr,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSecurity {
    InterInterface,
    IntraInterface,
}

/// `interface NAME` and the sub-commands that decide its filtering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: Name,
    pub description: Option<Text>,
    /// `nameif`: without one the interface passes no traffic.
    pub nameif: Option<Name>,
    pub security_level: Option<u8>,
    /// `ip address A MASK [standby B]`, `ipv6 address A/LEN [standby B]`: the device's own
    /// addresses there (management access is to these).
    pub addresses: Vec<IfAddress>,
    /// `shutdown`: the interface passes nothing (island mode).
    pub shutdown: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfAddress {
    pub addr: IpAddr,
    /// The prefix length (printed as a netmask for IPv4).
    pub len: u8,
    pub standby: Option<IpAddr>,
}

/// Object NAT: ` nat (REAL_IF,MAPPED_IF) static MAPPED_OBJ` under `object network OBJECT`.
/// Only static NAT of an object to an object is read: the one form the generator writes, and
/// the one whose translation is the same both ways (1:1, either side may open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectNat {
    /// The object holding the real (inside) addresses.
    pub object: Name,
    /// The `nameif` of the interface the real addresses lie behind.
    pub real_if: Name,
    /// The `nameif` where the mapped addresses are seen; `None`: `any`.
    pub mapped_if: Option<Name>,
    /// The object holding the mapped (outside) addresses.
    pub mapped: Name,
}

/// `object network NAME` with its one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetObject {
    pub name: Name,
    pub description: Option<Text>,
    pub value: ObjValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjValue {
    Host(IpAddr),
    /// `subnet A MASK` (IPv4) or `subnet A/LEN` (IPv6), by prefix length.
    Subnet(IpAddr, u8),
    Range(IpAddr, IpAddr),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetGroup {
    pub name: Name,
    pub description: Option<Text>,
    pub entries: Vec<NetEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEntry {
    /// `network-object host A`.
    Host(IpAddr),
    /// `network-object A MASK` / `network-object A/LEN`.
    Net(IpAddr, u8),
    /// `network-object object NAME`.
    Object(Name),
    /// `group-object NAME`.
    Group(Name),
}

/// The protocol a port-object group is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortProto {
    Tcp,
    Udp,
    TcpUdp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvcGroup {
    pub name: Name,
    /// `tcp`, `udp`, `tcp-udp`: a group of `port-object`s; `None`: of `service-object`s.
    pub proto: Option<PortProto>,
    pub description: Option<Text>,
    pub entries: Vec<SvcEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SvcEntry {
    /// `port-object eq P` / `port-object range A B`.
    Port(PortOp),
    /// `service-object PROTO [source OP] [destination OP]`, `service-object icmp [TYPE]`.
    Service {
        proto: Proto,
        src: Option<PortOp>,
        dst: Option<PortOp>,
        icmp_type: Option<u8>,
    },
    /// `group-object NAME`.
    Group(Name),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Permit,
    Deny,
}

/// The protocol of an access-control entry or a service object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proto {
    /// `ip`: every protocol.
    Ip,
    Tcp,
    Udp,
    /// `icmp`: ICMP in IPv4.
    Icmp,
    /// `icmp6`: ICMPv6 in IPv6.
    Icmp6,
    /// Another protocol by number (`47`).
    Number(u8),
    /// `object-group NAME`: a service group in the protocol's place.
    Group(Name),
}

/// An address operand of an access-control entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addr {
    /// `any`: both families.
    Any,
    Any4,
    Any6,
    Host(IpAddr),
    /// `A MASK` (IPv4) or `A/LEN` (IPv6), by prefix length.
    Net(IpAddr, u8),
    /// `object NAME`.
    Object(Name),
    /// `object-group NAME` (a network group).
    Group(Name),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortOp {
    Eq(u16),
    Neq(u16),
    Lt(u16),
    Gt(u16),
    Range(u16, u16),
}

/// A port operand: an operator, or `object-group NAME` (a port-object service group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortMatch {
    Op(PortOp),
    Group(Name),
}

/// `access-list ACL extended ACTION PROTO SRC [SPORT] DST [DPORT|ICMP-TYPE] [log]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    pub acl: Name,
    pub action: Action,
    pub proto: Proto,
    pub src: Addr,
    pub sport: Option<PortMatch>,
    pub dst: Addr,
    pub dport: Option<PortMatch>,
    /// `icmp`/`icmp6` only: the type.
    pub icmp_type: Option<u8>,
    pub log: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// `in|out interface NAMEIF`, `control-plane` for traffic to the device itself.
    Interface {
        direction: Direction,
        nameif: Name,
        control_plane: bool,
    },
    Global,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGroup {
    pub acl: Name,
    pub binding: Binding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MgmtService {
    Ssh,
    Telnet,
    Http,
}

impl MgmtService {
    pub fn keyword(self) -> &'static str {
        match self {
            MgmtService::Ssh => "ssh",
            MgmtService::Telnet => "telnet",
            MgmtService::Http => "http",
        }
    }
}

/// `ssh A MASK NAMEIF` (or `A/LEN` for IPv6): sources that may open the service on the
/// interface's own address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Management {
    pub service: MgmtService,
    pub addr: IpAddr,
    pub len: u8,
    pub nameif: Name,
}

/// `icmp permit|deny any|host A|A MASK [TYPE] NAMEIF`, or `ipv6 icmp ...` (`v6`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcmpRule {
    pub v6: bool,
    pub action: Action,
    pub src: Addr,
    pub icmp_type: Option<u8>,
    pub nameif: Name,
}

/// `policy-map NAME` with its classes (` class NAME`) and, under each, its `inspect` commands by
/// protocol (`  inspect icmp`, `  inspect icmp error`); other class commands are not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyMap {
    pub name: Name,
    pub classes: Vec<(Name, Vec<Text>)>,
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

/// `a` with the host bits of a `len`-bit prefix cleared.
pub fn network(a: IpAddr, len: u8) -> IpAddr {
    match a {
        IpAddr::V4(v) => {
            let m = u32::from(netmask(len));
            IpAddr::V4(Ipv4Addr::from(u32::from(v) & m))
        }
        IpAddr::V6(v) => {
            let m = u128::MAX
                .checked_shl(128 - u32::from(len.min(128)))
                .unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v) & m))
        }
    }
}

/// ASA's names of TCP and UDP ports, as `show running-config` prints them (`eq www`).
pub const PORT_NAMES: &[(&str, u16, PortProto)] = &[
    ("aol", 5190, PortProto::Tcp),
    ("bgp", 179, PortProto::Tcp),
    ("biff", 512, PortProto::Udp),
    ("bootpc", 68, PortProto::Udp),
    ("bootps", 67, PortProto::Udp),
    ("chargen", 19, PortProto::Tcp),
    ("cifs", 3020, PortProto::TcpUdp),
    ("citrix-ica", 1494, PortProto::Tcp),
    ("cmd", 514, PortProto::Tcp),
    ("ctiqbe", 2748, PortProto::Tcp),
    ("daytime", 13, PortProto::Tcp),
    ("discard", 9, PortProto::TcpUdp),
    ("dnsix", 195, PortProto::Udp),
    ("domain", 53, PortProto::TcpUdp),
    ("echo", 7, PortProto::TcpUdp),
    ("exec", 512, PortProto::Tcp),
    ("finger", 79, PortProto::Tcp),
    ("ftp", 21, PortProto::Tcp),
    ("ftp-data", 20, PortProto::Tcp),
    ("gopher", 70, PortProto::Tcp),
    ("h323", 1720, PortProto::Tcp),
    ("hostname", 101, PortProto::Tcp),
    ("http", 80, PortProto::TcpUdp),
    ("https", 443, PortProto::Tcp),
    ("ident", 113, PortProto::Tcp),
    ("imap4", 143, PortProto::Tcp),
    ("irc", 194, PortProto::Tcp),
    ("isakmp", 500, PortProto::Udp),
    ("kerberos", 88, PortProto::TcpUdp),
    ("klogin", 543, PortProto::Tcp),
    ("kshell", 544, PortProto::Tcp),
    ("ldap", 389, PortProto::Tcp),
    ("ldaps", 636, PortProto::Tcp),
    ("login", 513, PortProto::Tcp),
    ("lotusnotes", 1352, PortProto::Tcp),
    ("lpd", 515, PortProto::Tcp),
    ("mobile-ip", 434, PortProto::Udp),
    ("nameserver", 42, PortProto::Udp),
    ("netbios-dgm", 138, PortProto::Udp),
    ("netbios-ns", 137, PortProto::Udp),
    ("netbios-ssn", 139, PortProto::Tcp),
    ("nfs", 2049, PortProto::TcpUdp),
    ("nntp", 119, PortProto::Tcp),
    ("ntp", 123, PortProto::Udp),
    ("pcanywhere-data", 5631, PortProto::Tcp),
    ("pcanywhere-status", 5632, PortProto::Udp),
    ("pim-auto-rp", 496, PortProto::TcpUdp),
    ("pop2", 109, PortProto::Tcp),
    ("pop3", 110, PortProto::Tcp),
    ("pptp", 1723, PortProto::Tcp),
    ("radius", 1645, PortProto::Udp),
    ("radius-acct", 1646, PortProto::Udp),
    ("rip", 520, PortProto::Udp),
    ("rsh", 514, PortProto::Tcp),
    ("rtsp", 554, PortProto::Tcp),
    ("secureid-udp", 5510, PortProto::Udp),
    ("sip", 5060, PortProto::TcpUdp),
    ("smtp", 25, PortProto::Tcp),
    ("snmp", 161, PortProto::Udp),
    ("snmptrap", 162, PortProto::Udp),
    ("sqlnet", 1521, PortProto::Tcp),
    ("ssh", 22, PortProto::Tcp),
    ("sunrpc", 111, PortProto::TcpUdp),
    ("syslog", 514, PortProto::Udp),
    ("tacacs", 49, PortProto::TcpUdp),
    ("talk", 517, PortProto::TcpUdp),
    ("telnet", 23, PortProto::Tcp),
    ("tftp", 69, PortProto::Udp),
    ("time", 37, PortProto::Udp),
    ("uucp", 540, PortProto::Tcp),
    ("vxlan", 4789, PortProto::Udp),
    ("who", 513, PortProto::Udp),
    ("whois", 43, PortProto::Tcp),
    ("www", 80, PortProto::TcpUdp),
    ("xdmcp", 177, PortProto::Udp),
];

/// ASA's ICMP type names (IPv4).
pub const ICMP_NAMES: &[(&str, u8)] = &[
    ("echo-reply", 0),
    ("unreachable", 3),
    ("source-quench", 4),
    ("redirect", 5),
    ("alternate-address", 6),
    ("echo", 8),
    ("router-advertisement", 9),
    ("router-solicitation", 10),
    ("time-exceeded", 11),
    ("parameter-problem", 12),
    ("timestamp-request", 13),
    ("timestamp-reply", 14),
    ("information-request", 15),
    ("information-reply", 16),
    ("mask-request", 17),
    ("mask-reply", 18),
    ("traceroute", 30),
    ("conversion-error", 31),
    ("mobile-redirect", 32),
];

/// ASA's ICMPv6 type names.
pub const ICMP6_NAMES: &[(&str, u8)] = &[
    ("unreachable", 1),
    ("packet-too-big", 2),
    ("time-exceeded", 3),
    ("parameter-problem", 4),
    ("echo", 128),
    ("echo-reply", 129),
    ("membership-query", 130),
    ("membership-report", 131),
    ("membership-reduction", 132),
    ("router-solicitation", 133),
    ("router-advertisement", 134),
    ("neighbor-solicitation", 135),
    ("neighbor-advertisement", 136),
    ("neighbor-redirect", 137),
    ("router-renumbering", 138),
];

/// A port by number or by its ASA name for this protocol.
pub fn port_number(s: &str, proto: PortProto) -> Option<u16> {
    if let Ok(n) = s.parse::<u16>() {
        return Some(n);
    }
    PORT_NAMES
        .iter()
        .find(|(n, _, p)| *n == s && (*p == PortProto::TcpUdp || *p == proto))
        .map(|(_, v, _)| *v)
}

/// An ICMP type by number or by its ASA name.
pub fn icmp_number(s: &str, v6: bool) -> Option<u8> {
    if let Ok(n) = s.parse::<u8>() {
        return Some(n);
    }
    let names = if v6 { ICMP6_NAMES } else { ICMP_NAMES };
    names.iter().find(|(n, _)| *n == s).map(|(_, v)| *v)
}
