//! The typed configuration of the Cisco IOS dialect: the lines of an IOS configuration file as
//! fenceline writes them and as `show running-config` prints them, in file order. Router ACLs
//! (named and numbered, IPv4 extended and standard, IPv6), network and service object-groups,
//! interfaces with their bindings and switchport settings, VLANs, comments; a line the reader
//! does not model is kept verbatim ([`Top::Other`], [`IfLine::Other`]) so nothing is lost.
//!
//! Free text lives in types that can only be built clean ([`Comment`], [`Remark`],
//! [`Description`], [`VlanName`], [`Word`], [`RawLine`]): no control character, and none of the
//! characters IOS treats specially where the text lands, so no text can inject a line.
//!
//! Positions ([`At`]) are a side note for messages: they never take part in equality, so a
//! configuration read from text equals the one it was printed from.

use std::collections::BTreeMap;
use std::fmt;

/// Where an entry was read from: its 1-based line and, for text from a live device, the entry as
/// written (port and protocol names as `show running-config` prints them). Always equal to any
/// other `At`: positions are not part of a configuration.
#[derive(Debug, Clone, Default)]
pub struct At {
    pub line: usize,
    pub written: Option<String>,
}

impl PartialEq for At {
    fn eq(&self, _: &At) -> bool {
        true
    }
}
impl Eq for At {}
impl std::hash::Hash for At {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// Printable ASCII without `forbidden`, not empty unless `empty_ok`, and no surrounding spaces.
fn clean_text(s: &str, forbidden: &str, max: usize, empty_ok: bool) -> bool {
    (empty_ok || !s.is_empty())
        && s.len() <= max
        && !s.ends_with(' ')
        && s.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !s.contains(|c| forbidden.contains(c))
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $forbidden:expr, $max:expr, $empty:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// `None` when the text holds a character this place refuses, or is too long.
            pub fn new(s: impl Into<String>) -> Option<$name> {
                let s = s.into();
                clean_text(&s, $forbidden, $max, $empty).then_some($name(s))
            }
            /// `s` itself when it is clean, else [`Self::tame`]d.
            pub fn or_tame(s: String) -> $name {
                if clean_text(&s, $forbidden, $max, $empty) {
                    $name(s)
                } else {
                    $name::tame(&s)
                }
            }
            /// Text read from a device, made writable: every refused character becomes `_`,
            /// and the text is cut to the limit.
            pub fn tame(s: &str) -> $name {
                let mut t: String = s
                    .chars()
                    .map(|c| {
                        if (' '..='~').contains(&c) && !$forbidden.contains(c) {
                            c
                        } else {
                            '_'
                        }
                    })
                    .take($max)
                    .collect();
                t.truncate(t.trim_end().len());
                if t.is_empty() && !$empty {
                    t.push('_');
                }
                $name(t)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// The text of a `!` comment line (empty for a bare `!`); may start with spaces.
    Comment,
    "!?\"\\",
    1000,
    true
);
text_type!(
    /// The text of one `remark` line: at most 100 characters, no `!` (a comment) or `?` (help).
    Remark,
    "!?\"\\",
    100,
    false
);
text_type!(
    /// An interface `description`: at most 240 characters.
    Description,
    "!?\"\\",
    240,
    false
);
text_type!(
    /// A VLAN `name`: at most 32 characters, no spaces.
    VlanName,
    "!?\"\\ ",
    32,
    false
);
text_type!(
    /// A name on a command line (ACL, object-group, interface): one word.
    Word,
    "!?\"\\ ",
    200,
    false
);
text_type!(
    /// The quoted text of an EEM applet action (`cli command "TEXT"`, `syslog msg "TEXT"`): no
    /// quote, backslash or `?`.
    Quoted,
    "?\"\\",
    1000,
    false
);
text_type!(
    /// A line the reader does not model, kept as read (without its leading space).
    RawLine,
    "",
    4000,
    false
);

/// A whole configuration file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IosConfig {
    pub items: Vec<Top>,
    /// The file it was read from, for the tags of its decisions; like [`At`], not part of the
    /// configuration.
    pub file: Origin,
    /// The configuration as IOS holds it once loaded, computed once ([`IosConfig::resolved`]);
    /// a cache, not part of the configuration.
    pub loaded: Memo,
}

/// A cache of [`IosConfig::resolve`]. Always equal to any other `Memo`.
#[derive(Clone, Default)]
pub struct Memo(pub(crate) std::sync::OnceLock<Result<Resolved, ParseError>>);

impl fmt::Debug for Memo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Memo")
    }
}

impl PartialEq for Memo {
    fn eq(&self, _: &Memo) -> bool {
        true
    }
}
impl Eq for Memo {}

/// The path a configuration was read from (relative to the output directory). Always equal to
/// any other `Origin`.
#[derive(Debug, Clone, Default)]
pub struct Origin(pub String);

impl PartialEq for Origin {
    fn eq(&self, _: &Origin) -> bool {
        true
    }
}
impl Eq for Origin {}

/// One top-level command with its indented lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Top {
    /// `! TEXT` (or a bare `!`).
    Comment(Comment),
    /// `ip access-list extended|standard NAME` or `ipv6 access-list NAME` with its entries.
    Acl(Acl),
    /// `access-list N ...`: one line of a numbered ACL.
    Numbered(Numbered),
    /// `no access-list N`, `no ip access-list extended|standard NAME`, `no ipv6 access-list NAME`.
    /// `None`: a numbered ACL (`no access-list N`).
    NoAcl(Option<AclKind>, Word),
    /// `object-group network NAME` with its entries.
    NetGroup(NetGroup),
    /// `object-group service NAME` with its entries.
    SvcGroup(SvcGroup),
    /// `interface NAME` or `interface range ...` with its lines.
    Interface(Interface),
    /// `vlan dot1q tag native`.
    VlanTagNative,
    /// `vlan N` with its lines.
    Vlan(Vlan),
    /// `line vty 0 15` (or `line con 0`, any `line` block) with its lines.
    Line(Line),
    /// `event manager applet NAME` with its lines: an Embedded Event Manager applet.
    Applet(Applet),
    /// `vrf definition NAME` with its lines: a routing table of its own.
    Vrf(VrfDef),
    /// `ip nat inside source static network INSIDE OUTSIDE /LEN [vrf NAME]`: static 1:1 NAT of
    /// a network (`ip nat inside source static INSIDE OUTSIDE [vrf NAME]` is one host, /32).
    NatStatic(NatStatic),
    /// `ip route vrf NAME PREFIX MASK INTERFACE`: a route of a VRF out of an interface of the
    /// global table (to a network attached to that interface).
    VrfRoute(VrfRoute),
    /// `end`.
    End,
    /// Any other command, with its indented lines.
    Other { line: RawLine, sub: Vec<RawLine> },
    /// `zone security NAME`: a security zone of the zone-based policy firewall.
    ZoneSecurity(Word),
    /// `class-map type inspect match-any|match-all NAME` with its match lines.
    ClassMap(ClassMap),
    /// `policy-map type inspect NAME` with its classes and their actions.
    PolicyMap(PolicyMap),
    /// `zone-pair security NAME source ZONE destination ZONE` and its service policy.
    ZonePair(ZonePair),
}

// The zone-based policy firewall (ZBF): interfaces are members of security zones, traffic from
// one zone to another passes only through a zone-pair's inspect policy, traffic between a zone
// member and an interface in no zone is dropped, and traffic to and from the router itself goes
// through the `self` zone.

/// `class-map type inspect match-any|match-all NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassMap {
    /// `match-all` (every match must hold) rather than `match-any`.
    pub all: bool,
    pub name: Word,
    pub matches: Vec<ClassMatch>,
}

/// One `match` line of an inspect class-map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassMatch {
    /// `match access-group name ACL`: the packets the ACL permits.
    AccessGroup(Word),
    /// `match protocol tcp|udp|icmp`: every packet of that protocol (ICMP of both families).
    Protocol(u8),
}

/// `policy-map type inspect NAME`: its classes in order; the first that matches decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyMap {
    pub name: Word,
    pub classes: Vec<PolicyClass>,
}

/// `class type inspect NAME` (or `class class-default`, `class: None`) and its action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyClass {
    pub class: Option<Word>,
    /// `None`: no action line; IOS then drops what the class matches.
    pub action: Option<ZbfAction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZbfVerb {
    /// Stateful: the connection is tracked and its replies pass.
    Inspect,
    /// Stateless: this direction only.
    Pass,
    Drop,
}

/// A class's action: `inspect`, `pass`, `drop`, each optionally with `log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZbfAction {
    pub verb: ZbfVerb,
    pub log: bool,
}

/// `zone-pair security NAME source SRC destination DST` with `service-policy type inspect
/// POLICY`. `self` as a zone is the router itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZonePair {
    pub name: Word,
    pub source: Word,
    pub destination: Word,
    pub policy: Option<Word>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AclKind {
    Extended,
    Standard,
    Ipv6,
}

/// A named ACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acl {
    pub kind: AclKind,
    pub name: Word,
    pub lines: Vec<AclLine>,
    pub at: At,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AclLine {
    Remark(Remark),
    Ace(Ace),
}

/// `access-list N remark ...` or `access-list N permit|deny ...`. Numbers 1-99 and 1300-1999
/// are standard ACLs, 100-199 and 2000-2699 extended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbered {
    pub number: u16,
    pub line: AclLine,
}

impl Numbered {
    /// Is this number a standard ACL's? `None`: not an IP access-list number.
    pub fn standard(number: u16) -> Option<bool> {
        match number {
            1..=99 | 1300..=1999 => Some(true),
            100..=199 | 2000..=2699 => Some(false),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Permit,
    Deny,
}

/// An address match of an ACE or an object-group entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddrMatch {
    Any,
    /// Address and wildcard (bits set in the wildcard are ignored; `addr` has them clear);
    /// `host A` has wildcard 0.
    V4 {
        addr: u32,
        wildcard: u32,
    },
    /// IPv6 prefix (host bits clear) and length; `host A` has length 128.
    V6 {
        addr: u128,
        len: u8,
    },
    /// `object-group NAME` (network).
    Group(Word),
    /// `range A B` in `object-group network`: the IPv4 addresses from `lo` to `hi`, both
    /// included (`lo <= hi`). IOS takes it only inside an object-group, never in an ACE.
    Range {
        lo: u32,
        hi: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtoMatch {
    /// `ip` (IPv4 ACL) or `ipv6` (IPv6 ACL): every protocol.
    Any,
    /// A protocol by its IOS keyword (`tcp`, `udp`, `icmp`, `gre`, ...).
    Name(u8),
    /// A protocol by number (`47`).
    Number(u8),
    /// `object-group NAME` (service).
    Group(Word),
}

impl ProtoMatch {
    pub fn number(&self) -> Option<u8> {
        match self {
            ProtoMatch::Name(n) | ProtoMatch::Number(n) => Some(*n),
            _ => None,
        }
    }
}

/// An ICMP type (and code) to match, written by name or by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IcmpMatch {
    pub ty: u8,
    pub code: Option<u8>,
    /// Written by its IOS name (`echo-reply`); the name is found again from type and code.
    pub named: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Log {
    Log,
    LogInput,
}

/// One access-control entry. In a standard ACL only `src` (and `log`) are read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ace {
    /// The sequence number as written; `None` for an unnumbered entry (it goes after the last
    /// one, in steps of 10).
    pub seq: Option<u32>,
    pub action: Action,
    pub proto: ProtoMatch,
    pub src: AddrMatch,
    pub sport: Option<PortOp>,
    pub dst: AddrMatch,
    pub dport: Option<PortOp>,
    pub icmp: Option<IcmpMatch>,
    /// TCP with ACK or RST only.
    pub established: bool,
    pub log: Option<Log>,
    pub at: At,
}

/// `object-group network NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetGroup {
    pub name: Word,
    pub entries: Vec<AddrMatch>,
}

/// One entry of `object-group service`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceMatch {
    /// `None`: every protocol (`ip`).
    pub proto: Option<u8>,
    pub sport: Option<PortOp>,
    pub dport: Option<PortOp>,
    pub icmp: Option<IcmpMatch>,
}

/// `object-group service NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvcGroup {
    pub name: Word,
    pub entries: Vec<ServiceMatch>,
}

/// What an `interface` line configures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfHead {
    /// One interface by its full name (`GigabitEthernet0/1`).
    One(Word),
    /// `interface range PREFIXLO - HI` (`GigabitEthernet1/0/1 - 8`).
    Range { prefix: Word, lo: u32, hi: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub head: IfHead,
    pub lines: Vec<IfLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchportMode {
    Access,
    Trunk,
}

/// `switchport trunk allowed vlan ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedVlans {
    None,
    /// Ranges `LO-HI` (a single VLAN has `lo == hi`).
    List(Vec<(u16, u16)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfLine {
    Description(Description),
    SwitchportMode(SwitchportMode),
    AccessVlan(u16),
    Nonegotiate,
    Portfast,
    BpduGuard,
    NativeVlan(u16),
    Allowed(AllowedVlans),
    /// `shutdown` (true) or `no shutdown` (false).
    Shutdown(bool),
    /// `ip access-group NAME in|out` or `ipv6 traffic-filter NAME in|out`.
    AccessGroup {
        v6: bool,
        acl: Word,
        inbound: bool,
    },
    /// `no ip access-group ...` or `no ipv6 traffic-filter ...`: removes the inbound binding.
    NoAccessGroup {
        v6: bool,
        rest: Option<RawLine>,
    },
    /// `vrf forwarding NAME` (`ip vrf forwarding NAME` reads as the same): the interface
    /// routes in that VRF. IOS removes the interface's addresses when it is applied.
    VrfForwarding(Word),
    /// `ip address A MASK`: the interface's primary IPv4 address and its prefix length.
    IpAddress {
        addr: u32,
        len: u8,
    },
    /// `ip nat inside` or `ip nat outside`.
    Nat(NatRole),
    Other(RawLine),
    /// `zone-member security ZONE`: the interface belongs to that security zone.
    ZoneMember(Word),
}

/// `vrf definition NAME` and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrfDef {
    pub name: Word,
    pub lines: Vec<VrfLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VrfLine {
    /// `address-family ipv4` (false) or `address-family ipv6` (true).
    AddressFamily(bool),
    /// `exit-address-family`.
    ExitAddressFamily,
    /// Any other line (`rd 1:1`, route targets), kept as read.
    Other(RawLine),
}

/// `ip nat inside source static network INSIDE OUTSIDE /LEN [vrf NAME]`: the host at an offset
/// of the inside network (as the inside interface sees it) is the host at the same offset of
/// the outside network everywhere past an outside interface. IPv4 only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatStatic {
    /// The inside (local) network, host bits clear.
    pub inside: u32,
    /// The outside (global) network, host bits clear.
    pub outside: u32,
    pub len: u8,
    /// The VRF of the inside interfaces it applies to; `None`: the global table's.
    pub vrf: Option<Word>,
    pub at: At,
}

/// `ip route vrf NAME PREFIX MASK INTERFACE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrfRoute {
    pub vrf: Word,
    /// The destination network, host bits clear.
    pub addr: u32,
    pub len: u8,
    /// The interface (of the global table) the route leads out of, by its full name.
    pub interface: Word,
}

/// The NAT role of an interface: `ip nat inside` or `ip nat outside`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NatRole {
    Inside,
    Outside,
}

/// `vlan N` and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vlan {
    pub id: u16,
    pub name: Option<VlanName>,
    pub other: Vec<RawLine>,
}

/// `event manager applet NAME`: an EEM applet, a list of commands IOS runs on an event. Its
/// commands configure nothing until it runs, so no filter depends on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applet {
    pub name: Word,
    pub lines: Vec<AppletLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppletLine {
    /// `event none`: the applet runs only when started by hand (`event manager run NAME`).
    EventNone,
    /// `action LABEL cli command "COMMAND"`: one command line, run in label order.
    Cli { label: Word, command: Quoted },
    /// `action LABEL syslog msg "TEXT"`.
    Syslog { label: Word, msg: Quoted },
    /// Any other line, kept as read.
    Other(RawLine),
}

/// `line KIND FIRST [LAST]`: terminal lines (`vty 0 15`, `con 0`) and their settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// `vty`, `con`, `aux`, as written.
    pub kind: Word,
    pub first: u32,
    pub last: Option<u32>,
    pub lines: Vec<LineLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineLine {
    /// `access-class NAME in|out [vrf-also]` or `ipv6 access-class NAME in|out`: the sources
    /// that may open a session on the line (`in`).
    AccessClass {
        v6: bool,
        acl: Word,
        inbound: bool,
        vrf_also: bool,
    },
    /// `transport input ssh telnet`, `transport input none`, `transport input all`: the
    /// protocols a session may be opened with, as written.
    TransportInput(Vec<Word>),
    Other(RawLine),
}

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

// The vocabulary IOS prints and reads: protocol keywords and ICMP message names.

/// IP protocols by their IOS keywords (`icmp` is 1 in IPv4 ACLs, 58 in IPv6 ones).
pub(super) const PROTOCOLS: &[(&str, u8)] = &[
    ("tcp", 6),
    ("udp", 17),
    ("igmp", 2),
    ("gre", 47),
    ("esp", 50),
    ("ahp", 51),
    ("eigrp", 88),
    ("ospf", 89),
    ("nos", 94),
    ("pim", 103),
    ("pcp", 108),
    ("sctp", 132),
];

/// The IOS keyword of a protocol in an ACL of this family, if it has one.
pub fn proto_name_of(n: u8, v6: bool) -> Option<&'static str> {
    match (n, v6) {
        (1, false) | (58, true) => Some("icmp"),
        _ => PROTOCOLS.iter().find(|(_, p)| *p == n).map(|(s, _)| *s),
    }
}

pub(super) type IcmpNames = &'static [(&'static str, u8, Option<u8>)];

/// ICMPv6 message names: (name, type, code).
pub(super) const ICMP6: IcmpNames = &[
    ("echo-request", 128, None),
    ("echo-reply", 129, None),
    ("nd-ns", 135, None),
    ("nd-na", 136, None),
    ("router-solicitation", 133, None),
    ("router-advertisement", 134, None),
    ("packet-too-big", 2, None),
    ("unreachable", 1, None),
    ("time-exceeded", 3, None),
    ("parameter-problem", 4, None),
];

/// ICMP message names: (name, type, code).
pub(super) const ICMP4: IcmpNames = &[
    ("echo-reply", 0, None),
    ("unreachable", 3, None),
    ("net-unreachable", 3, Some(0)),
    ("host-unreachable", 3, Some(1)),
    ("port-unreachable", 3, Some(3)),
    ("packet-too-big", 3, Some(4)),
    ("source-quench", 4, None),
    ("redirect", 5, None),
    ("echo", 8, None),
    ("router-advertisement", 9, None),
    ("router-solicitation", 10, None),
    ("time-exceeded", 11, None),
    ("ttl-exceeded", 11, Some(0)),
    ("parameter-problem", 12, None),
    ("timestamp-request", 13, None),
    ("timestamp-reply", 14, None),
    ("information-request", 15, None),
    ("information-reply", 16, None),
    ("mask-request", 17, None),
    ("mask-reply", 18, None),
];

/// The ICMP type and code of an IOS name.
pub(super) fn icmp_name(s: &str, v6: bool) -> Option<(u8, Option<u8>)> {
    let table = if v6 { ICMP6 } else { ICMP4 };
    table
        .iter()
        .find(|(n, ..)| *n == s)
        .map(|(_, t, c)| (*t, *c))
}

/// The IOS name of an ICMP type and code, if it has one.
pub fn icmp_name_of(ty: u8, code: Option<u8>, v6: bool) -> Option<&'static str> {
    let table = if v6 { ICMP6 } else { ICMP4 };
    table
        .iter()
        .find(|(_, t, c)| *t == ty && *c == code)
        .map(|(n, ..)| *n)
}

// The configuration as IOS holds it once loaded ([`super::semantics`] computes it).

/// One entry of a resolved ACL: its effective sequence number, the entry, its text (as written,
/// or as printed) and its line (0 when it was not read from text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: u32,
    pub ace: Ace,
    pub text: String,
    pub line: usize,
}

/// An ACL as IOS holds it after loading the configuration: entries ordered by sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedAcl {
    pub name: String,
    pub v6: bool,
    /// A standard ACL: entries match the source address only.
    pub standard: bool,
    pub entries: Vec<Entry>,
}

/// Inbound and outbound ACL names bound to an interface, its NAT role and its VRF.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    pub v4_in: Option<String>,
    pub v4_out: Option<String>,
    pub v6_in: Option<String>,
    pub v6_out: Option<String>,
    pub nat: Option<NatRole>,
    /// `None`: the global routing table.
    pub vrf: Option<String>,
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

/// A configuration as IOS holds it once loaded.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub acls: BTreeMap<String, ResolvedAcl>,
    pub net_groups: BTreeMap<String, Vec<AddrMatch>>,
    pub svc_groups: BTreeMap<String, Vec<ServiceMatch>>,
    pub interfaces: BTreeMap<String, Binding>,
    /// Static network translations (`ip nat inside source static network`), in file order.
    pub nat: Vec<NatStatic>,
    /// The settings of each `vty` line by number, as the `line vty` blocks leave them.
    pub vty: BTreeMap<u32, Vty>,
    /// The zone-based policy firewall, when any interface is a zone member.
    pub zbf: Zbf,
}

/// The zone-based policy firewall as loaded: security zones, each interface's zone, class-maps,
/// policy-maps and zone-pairs by (source, destination).
#[derive(Debug, Clone, Default)]
pub struct Zbf {
    pub zones: std::collections::BTreeSet<String>,
    /// Interface (full name) -> its security zone.
    pub members: BTreeMap<String, String>,
    pub class_maps: BTreeMap<String, ClassMap>,
    pub policy_maps: BTreeMap<String, PolicyMap>,
    /// (source, destination) -> (zone-pair name, its service policy).
    pub pairs: BTreeMap<(String, String), (String, Option<String>)>,
}

impl Zbf {
    /// Is the zone-based firewall in use: is any interface a zone member?
    pub fn active(&self) -> bool {
        !self.members.is_empty()
    }
}

/// One virtual terminal line as configured: who may open a session on it and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vty {
    /// `access-class NAME in`: the IPv4 sources that may open a session.
    pub v4_class: Option<String>,
    /// `ipv6 access-class NAME in`.
    pub v6_class: Option<String>,
    /// `transport input ...` as written; `None`: the platform's default.
    pub transport: Option<Vec<String>>,
}
