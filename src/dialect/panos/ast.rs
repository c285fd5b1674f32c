//! The typed configuration of a Palo Alto Networks firewall (PAN-OS 10.x/11.x, one virtual
//! system): the parts of the candidate configuration fenceline writes and reads, one entity per
//! named configuration node with its attributes. The set-format commands of `show config
//! running` (one attribute a line, or several on one line as fenceline prints them) read into
//! the same entities, so a live configuration and a generated one compare alike.
//!
//! Names and free text are held in clean-only types ([`Name`], [`Text`]): a name is printable
//! ASCII without quotes, brackets or `;`, at most 63 bytes; a text has no control character, no
//! `"` and no `\`, so no policy text can end a quoted value or start a command.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A name PAN-OS takes for an object, a zone, a rule, a profile or an interface: printable
/// ASCII (spaces inside allowed, printed quoted) without `"`, `'`, `\`, `[`, `]`, `;`, `{`,
/// `}`, at most [`Name::MAX`] bytes (PAN-OS's limit for object and rule names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    pub const MAX: usize = 63;
    pub fn new(s: &str) -> Option<Name> {
        let ok = !s.is_empty()
            && s.len() <= Name::MAX
            && s.trim() == s
            && s.bytes()
                .all(|b| (b' '..=b'~').contains(&b) && !b"\"'\\[];{}".contains(&b));
        ok.then(|| Name(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Is this the keyword `any`?
    pub fn is_any(&self) -> bool {
        self.0 == "any"
    }
    pub fn any() -> Name {
        Name("any".into())
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.contains(' ') {
            write!(f, "\"{}\"", self.0)
        } else {
            f.write_str(&self.0)
        }
    }
}

/// Free text (a `description`, a `comment`): printable ASCII without `"` and `\`, no leading or
/// trailing space, at most [`Text::MAX`] bytes (PAN-OS's limit for descriptions). Printed quoted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Text(String);

impl Text {
    pub const MAX: usize = 1023;
    pub fn new(s: &str) -> Option<Text> {
        let ok = s.len() <= Text::MAX
            && s.trim() == s
            && s.bytes()
                .all(|b| (b' '..=b'~').contains(&b) && !b"\"\\".contains(&b));
        ok.then(|| Text(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", self.0)
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

/// A firewall's configuration, each kind of entity in order of first appearance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PanosConfig {
    /// `set tag NAME comments TEXT`: fenceline's stamp (PAN-OS's CLI takes no comments).
    pub tags: Vec<Tag>,
    pub profiles: Vec<MgmtProfile>,
    pub interfaces: Vec<Interface>,
    pub zones: Vec<Zone>,
    pub addresses: Vec<Address>,
    pub address_groups: Vec<AddressGroup>,
    pub services: Vec<Service>,
    pub service_groups: Vec<ServiceGroup>,
    /// `application NAME`: custom applications (Aerleon writes one per ICMP type).
    pub applications: Vec<Application>,
    /// `rulebase security rules`: first match, in this order.
    pub rules: Vec<Rule>,
    /// `rulebase nat rules`, in rulebase order.
    pub nat_rules: Vec<NatRule>,
    /// `deviceconfig high-availability`: an HA pair.
    pub ha: Option<Ha>,
    pub file: Origin,
}

/// `deviceconfig high-availability` (PAN-OS administrator's guide, "High Availability"): what
/// makes the firewall one of an active/passive pair and which port carries its HA1 control
/// link. What else the section holds (timers, monitoring, HA2, backup links) does not filter
/// and is not kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ha {
    /// `enabled yes|no`.
    pub enabled: bool,
    /// `group group-id N`.
    pub group_id: Option<u8>,
    /// `group peer-ip A`: the peer's HA1 address.
    pub peer_ip: Option<IpAddr>,
    /// `group mode active-passive|active-active`.
    pub mode: Option<Name>,
    /// `group election-option device-priority N`: the lower is preferred as active.
    pub device_priority: Option<u8>,
    /// `interface ha1 port NAME`, `ip-address A`, `netmask M`.
    pub ha1: Option<HaPort>,
}

/// One HA link's port and this firewall's address on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaPort {
    pub port: Name,
    pub ip: Option<IpAddr>,
    pub netmask: Option<Ipv4Addr>,
}

impl PanosConfig {
    /// The HA1 port of a firewall whose HA is enabled, `None` otherwise.
    pub fn ha1_link(&self) -> Option<&Name> {
        self.ha
            .as_ref()
            .filter(|h| h.enabled)
            .and_then(|h| h.ha1.as_ref())
            .map(|p| &p.port)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: Name,
    pub comments: Option<Text>,
}

/// A management service of an interface management profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MgmtService {
    Ping,
    Ssh,
    Telnet,
    Http,
    Https,
    Snmp,
}

impl MgmtService {
    pub const ALL: [MgmtService; 6] = [
        MgmtService::Ping,
        MgmtService::Ssh,
        MgmtService::Telnet,
        MgmtService::Http,
        MgmtService::Https,
        MgmtService::Snmp,
    ];
    pub fn keyword(self) -> &'static str {
        match self {
            MgmtService::Ping => "ping",
            MgmtService::Ssh => "ssh",
            MgmtService::Telnet => "telnet",
            MgmtService::Http => "http",
            MgmtService::Https => "https",
            MgmtService::Snmp => "snmp",
        }
    }
    pub fn parse(s: &str) -> Option<MgmtService> {
        MgmtService::ALL.into_iter().find(|m| m.keyword() == s)
    }
}

/// `network profiles interface-management-profile NAME`: the services of the firewall an
/// interface answers on its own addresses, and from where (`permitted-ip`; none: anywhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MgmtProfile {
    pub name: Name,
    /// The services set to `yes`, sorted.
    pub services: Vec<MgmtService>,
    pub permitted: Vec<(IpAddr, u8)>,
}

/// `network interface ethernet NAME`: a layer-3 interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: Name,
    pub comment: Option<Text>,
    /// `layer3 ip A/LEN` and `layer3 ipv6 address A/LEN`: the firewall's own addresses.
    pub ips: Vec<(IpAddr, u8)>,
    /// `layer3 interface-management-profile NAME`.
    pub profile: Option<Name>,
    /// `link-state down` (island mode): the interface passes nothing.
    pub link_down: bool,
    /// `ha`: an HA interface (the pair's HA1 or HA2 link), no layer-3 interface: it carries no
    /// data traffic.
    pub ha: bool,
}

/// `zone NAME network layer3 [ IFACE ... ]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub name: Name,
    pub interfaces: Vec<Name>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddrValue {
    /// `ip-netmask A/LEN` (or a bare address: a host).
    Netmask(IpAddr, u8),
    /// `ip-range A-B`.
    Range(IpAddr, IpAddr),
}

/// `address NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: Name,
    pub description: Option<Text>,
    pub value: Option<AddrValue>,
}

/// `address-group NAME static [ MEMBER ... ]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressGroup {
    pub name: Name,
    pub description: Option<Text>,
    pub members: Vec<Name>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SvcProto {
    Tcp,
    Udp,
}

impl SvcProto {
    pub fn keyword(self) -> &'static str {
        match self {
            SvcProto::Tcp => "tcp",
            SvcProto::Udp => "udp",
        }
    }
    pub fn number(self) -> u8 {
        match self {
            SvcProto::Tcp => 6,
            SvcProto::Udp => 17,
        }
    }
}

/// `service NAME protocol tcp|udp port P[,A-B...] [source-port ...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: Name,
    pub description: Option<Text>,
    pub proto: Option<SvcProto>,
    pub ports: Vec<(u16, u16)>,
    pub source_ports: Vec<(u16, u16)>,
}

/// `service-group NAME members [ MEMBER ... ]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceGroup {
    pub name: Name,
    pub members: Vec<Name>,
}

/// `application NAME`: a custom application; only one identified by an ICMP type (`default
/// ident-by-icmp-type type N`, `ident-by-icmp6-type` for ICMPv6) decides packets the reader
/// can model. Its category, risk and the like are not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub name: Name,
    /// (ICMPv6?, type).
    pub icmp_type: Option<(bool, u8)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
    Drop,
    ResetClient,
    ResetServer,
    ResetBoth,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Allow,
        Action::Deny,
        Action::Drop,
        Action::ResetClient,
        Action::ResetServer,
        Action::ResetBoth,
    ];
    pub fn keyword(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Deny => "deny",
            Action::Drop => "drop",
            Action::ResetClient => "reset-client",
            Action::ResetServer => "reset-server",
            Action::ResetBoth => "reset-both",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleType {
    #[default]
    Universal,
    Intrazone,
    Interzone,
}

impl RuleType {
    pub fn keyword(self) -> &'static str {
        match self {
            RuleType::Universal => "universal",
            RuleType::Intrazone => "intrazone",
            RuleType::Interzone => "interzone",
        }
    }
}

/// `rulebase security rules NAME`: a security rule. Lists hold `any` as the name `any`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: Name,
    pub description: Option<Text>,
    pub from: Vec<Name>,
    pub to: Vec<Name>,
    pub source: Vec<Name>,
    pub destination: Vec<Name>,
    pub application: Vec<Name>,
    pub service: Vec<Name>,
    pub action: Option<Action>,
    pub rule_type: RuleType,
    pub log_start: bool,
    /// `log-end` (PAN-OS's default is yes; fenceline prints it either way).
    pub log_end: bool,
    pub disabled: bool,
    pub negate_source: bool,
    pub negate_destination: bool,
}

impl Rule {
    pub fn new(name: Name) -> Rule {
        Rule {
            name,
            description: None,
            from: Vec::new(),
            to: Vec::new(),
            source: Vec::new(),
            destination: Vec::new(),
            application: Vec::new(),
            service: Vec::new(),
            action: None,
            rule_type: RuleType::Universal,
            log_start: false,
            log_end: true,
            disabled: false,
            negate_source: false,
            negate_destination: false,
        }
    }
}

/// `rulebase nat rules NAME`: static source translation, `bi-directional yes` for a 1:1 map
/// both ways (the one form fenceline writes and reads):
/// `from ZONE to any source REAL destination any service any source-translation static-ip
/// translated-address MAPPED bi-directional yes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatRule {
    pub name: Name,
    pub description: Option<Text>,
    pub from: Vec<Name>,
    pub to: Vec<Name>,
    pub source: Vec<Name>,
    pub destination: Vec<Name>,
    pub service: Option<Name>,
    /// `source-translation static-ip translated-address`.
    pub translated: Option<Name>,
    pub bidirectional: bool,
    pub disabled: bool,
}

impl NatRule {
    pub fn new(name: Name) -> NatRule {
        NatRule {
            name,
            description: None,
            from: Vec::new(),
            to: Vec::new(),
            source: Vec::new(),
            destination: Vec::new(),
            service: None,
            translated: None,
            bidirectional: false,
            disabled: false,
        }
    }
}

/// A failure to read a configuration, at a line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// `a` with the host bits of a `len`-bit prefix cleared.
pub fn network(a: IpAddr, len: u8) -> IpAddr {
    match a {
        IpAddr::V4(v) => {
            let m = u32::MAX
                .checked_shl(32 - u32::from(len.min(32)))
                .unwrap_or(0);
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

/// The predefined services of PAN-OS: `service-http` (TCP 80 and 8080) and `service-https`
/// (TCP 443).
pub fn predefined_service(name: &str) -> Option<(SvcProto, &'static [(u16, u16)])> {
    match name {
        "service-http" => Some((SvcProto::Tcp, &[(80, 80), (8080, 8080)])),
        "service-https" => Some((SvcProto::Tcp, &[(443, 443)])),
        _ => None,
    }
}
