//! Services: protocol/port items and the attributes lint rules read. The built-in catalogue is
//! data: each entry's ports and its flags (cleartext industrial protocol, remote access, ...).

use serde::Serialize;

/// An inclusive port range; a single port is `lo == hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRange {
    pub lo: u16,
    pub hi: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { lo: 0, hi: 65535 };
    pub fn one(p: u16) -> Self {
        PortRange { lo: p, hi: p }
    }
    pub fn width(&self) -> u32 {
        self.hi as u32 - self.lo as u32 + 1
    }
    pub fn contains(&self, p: u16) -> bool {
        self.lo <= p && p <= self.hi
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

/// One protocol/port item of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "proto", rename_all = "lowercase")]
pub enum ServiceItem {
    Tcp {
        ports: PortRange,
    },
    Udp {
        ports: PortRange,
    },
    /// ICMP (IPv4); `None` = every type.
    Icmp {
        icmp_type: Option<u8>,
    },
    /// ICMPv6; `None` = every type.
    Icmpv6 {
        icmp_type: Option<u8>,
    },
    /// Another IP protocol by number (47 = GRE, 50 = ESP, ...).
    Ip {
        number: u8,
    },
    /// Every IP protocol.
    AnyIp,
    /// A layer-2 protocol by Ethertype; never routable.
    Ether {
        ethertype: u16,
    },
}

impl ServiceItem {
    pub fn is_layer2(&self) -> bool {
        matches!(self, ServiceItem::Ether { .. })
    }
    /// Applies to IPv4 packets.
    pub fn v4(&self) -> bool {
        !matches!(self, ServiceItem::Icmpv6 { .. } | ServiceItem::Ether { .. })
    }
    /// Applies to IPv6 packets.
    pub fn v6(&self) -> bool {
        !matches!(self, ServiceItem::Icmp { .. } | ServiceItem::Ether { .. })
    }
    /// IP protocol number (None for every protocol or layer 2).
    pub fn ip_proto(&self) -> Option<u8> {
        match self {
            ServiceItem::Tcp { .. } => Some(6),
            ServiceItem::Udp { .. } => Some(17),
            ServiceItem::Icmp { .. } => Some(1),
            ServiceItem::Icmpv6 { .. } => Some(58),
            ServiceItem::Ip { number } => Some(*number),
            ServiceItem::AnyIp | ServiceItem::Ether { .. } => None,
        }
    }

    /// Parses `tcp/502`, `udp/1000-2000`, `icmp`, `icmp/8`, `icmpv6/128`, `ip/47`, `ip`, `ether/0x8892`.
    pub fn parse(text: &str) -> Result<ServiceItem, String> {
        let (proto, arg) = match text.split_once('/') {
            Some((p, a)) => (p, Some(a)),
            None => (text, None),
        };
        let num = |s: &str, max: u32, what: &str| -> Result<u32, String> {
            let v = if let Some(h) = s.strip_prefix("0x") {
                u32::from_str_radix(h, 16).ok()
            } else if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() && s.len() <= 6 {
                s.parse::<u32>().ok()
            } else {
                None
            };
            match v {
                Some(v) if v <= max => Ok(v),
                Some(v) => Err(format!("{what} {v} is out of range 0-{max}")),
                None => Err(format!("`{s}` is not a valid {what}")),
            }
        };
        let ports = |a: &str| -> Result<PortRange, String> {
            let (lo, hi) = match a.split_once('-') {
                Some((l, h)) => (num(l, 65535, "port")?, num(h, 65535, "port")?),
                None => {
                    let p = num(a, 65535, "port")?;
                    (p, p)
                }
            };
            if lo > hi {
                return Err(format!(
                    "port range {lo}-{hi} is empty (first port after last)"
                ));
            }
            Ok(PortRange {
                lo: lo as u16,
                hi: hi as u16,
            })
        };
        match (proto, arg) {
            ("tcp", Some(a)) => Ok(ServiceItem::Tcp { ports: ports(a)? }),
            ("udp", Some(a)) => Ok(ServiceItem::Udp { ports: ports(a)? }),
            ("tcp", None) => Ok(ServiceItem::Tcp {
                ports: PortRange::ALL,
            }),
            ("udp", None) => Ok(ServiceItem::Udp {
                ports: PortRange::ALL,
            }),
            ("icmp", None) => Ok(ServiceItem::Icmp { icmp_type: None }),
            ("icmp", Some(a)) => Ok(ServiceItem::Icmp {
                icmp_type: Some(num(a, 255, "ICMP type")? as u8),
            }),
            ("icmpv6", None) => Ok(ServiceItem::Icmpv6 { icmp_type: None }),
            ("icmpv6", Some(a)) => Ok(ServiceItem::Icmpv6 {
                icmp_type: Some(num(a, 255, "ICMPv6 type")? as u8),
            }),
            ("ip", None) => Ok(ServiceItem::AnyIp),
            ("ip", Some(a)) => Ok(ServiceItem::Ip {
                number: num(a, 255, "IP protocol number")? as u8,
            }),
            ("ether", Some(a)) => Ok(ServiceItem::Ether {
                ethertype: num(a, 0xffff, "Ethertype")? as u16,
            }),
            ("ether", None) => Err("`ether` needs an Ethertype, e.g. `ether/0x8892`".into()),
            (p, _) => Err(format!("unknown protocol `{p}`")),
        }
    }
}

impl std::fmt::Display for ServiceItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceItem::Tcp { ports } if *ports == PortRange::ALL => write!(f, "tcp"),
            ServiceItem::Udp { ports } if *ports == PortRange::ALL => write!(f, "udp"),
            ServiceItem::Tcp { ports } => write!(f, "tcp/{ports}"),
            ServiceItem::Udp { ports } => write!(f, "udp/{ports}"),
            ServiceItem::Icmp { icmp_type: None } => write!(f, "icmp"),
            ServiceItem::Icmp { icmp_type: Some(t) } => write!(f, "icmp/{t}"),
            ServiceItem::Icmpv6 { icmp_type: None } => write!(f, "icmpv6"),
            ServiceItem::Icmpv6 { icmp_type: Some(t) } => write!(f, "icmpv6/{t}"),
            ServiceItem::Ip { number } => write!(f, "ip/{number}"),
            ServiceItem::AnyIp => write!(f, "ip"),
            ServiceItem::Ether { ethertype } => write!(f, "ether/0x{ethertype:04x}"),
        }
    }
}

/// What Linux conntrack makes of an ICMP or ICMPv6 type when it is the first packet of a flow
/// (`nf_conntrack_proto_icmp.c`, `nf_conntrack_proto_icmpv6.c`; checked with raw packets by
/// `tests/linux_targets.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcmpKind {
    /// A request: conntrack opens a connection (`ct state new`), its reply passes as established.
    Request,
    /// A reply or an error: established or related to the connection it answers; unsolicited,
    /// it is invalid. `Some(t)`: the request type whose reply it is; `None`: an error.
    Answer(Option<u8>),
    /// Never part of a connection: invalid (unknown, router and redirect types) or, for
    /// ICMPv6 neighbour discovery, MLD and multicast router discovery, untracked.
    Untracked,
}

/// IPv4: the request types conntrack tracks, and their replies.
const ICMP4_PAIRS: [(u8, u8); 4] = [(8, 0), (13, 14), (15, 16), (17, 18)];
/// IPv6: echo and node information.
const ICMP6_PAIRS: [(u8, u8); 2] = [(128, 129), (139, 140)];

/// The conntrack class of an ICMP (`v6` false) or ICMPv6 type.
pub fn icmp_kind(v6: bool, t: u8) -> IcmpKind {
    let pairs: &[(u8, u8)] = if v6 { &ICMP6_PAIRS } else { &ICMP4_PAIRS };
    if pairs.iter().any(|p| p.0 == t) {
        return IcmpKind::Request;
    }
    if let Some(p) = pairs.iter().find(|p| p.1 == t) {
        return IcmpKind::Answer(Some(p.0));
    }
    let error = if v6 {
        (1..=4).contains(&t)
    } else {
        matches!(t, 3 | 4 | 5 | 11 | 12)
    };
    if error {
        IcmpKind::Answer(None)
    } else {
        IcmpKind::Untracked
    }
}

/// ICMPv6 types conntrack leaves untracked (`ct state untracked`) rather than invalid:
/// MLD (130-132, 143), router and neighbour discovery (133-136), multicast router discovery
/// (151-152, kernels since 6.x; older ones call them invalid, which the generated rulesets treat
/// alike).
pub const ICMP6_UNTRACKED: [(u8, u8); 3] = [(130, 136), (143, 143), (151, 152)];

/// Human names of the request types, for help texts.
pub fn icmp_type_name(v6: bool, t: u8) -> Option<&'static str> {
    Some(match (v6, t) {
        (false, 8) => "echo-request",
        (false, 0) => "echo-reply",
        (false, 13) => "timestamp-request",
        (false, 14) => "timestamp-reply",
        (false, 15) => "info-request",
        (false, 16) => "info-reply",
        (false, 17) => "address-mask-request",
        (false, 18) => "address-mask-reply",
        (true, 128) => "echo-request",
        (true, 129) => "echo-reply",
        (true, 139) => "node-information-query",
        (true, 140) => "node-information-reply",
        _ => return None,
    })
}

impl ServiceItem {
    /// For a single ICMP/ICMPv6 type that only ever answers a connection (a reply or an error):
    /// its class. Such an item allows no packet of its own.
    pub fn answer(&self) -> Option<IcmpKind> {
        let k = match *self {
            ServiceItem::Icmp { icmp_type: Some(t) } => icmp_kind(false, t),
            ServiceItem::Icmpv6 { icmp_type: Some(t) } => icmp_kind(true, t),
            _ => return None,
        };
        matches!(k, IcmpKind::Answer(_)).then_some(k)
    }
}

/// Attributes of a service that lint rules read. Users may set them on their own services
/// (`service x tcp/1 { industrial cleartext }`). Unset ones are left out of the JSON (and the
/// policy hash), so a new attribute leaves existing hashes unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ServiceFlags {
    /// An industrial control protocol (Modbus, DNP3, S7, ...).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub industrial: bool,
    /// Carries data without encryption or integrity protection.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cleartext: bool,
    /// Remote interactive access (RDP, SSH, VNC, telnet).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub remote_access: bool,
    /// Person-to-person messaging (e-mail, chat).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub messaging: bool,
    /// Web browsing.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub web: bool,
    /// Legacy administration (telnet, http, ftp, tftp, snmp v1/v2c).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub legacy_admin: bool,
    /// Network infrastructure service (dns, ntp, ldap, kerberos, syslog, dhcp).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub infrastructure: bool,
}

pub const FLAG_NAMES: &[&str] = &[
    "industrial",
    "cleartext",
    "remote-access",
    "messaging",
    "web",
    "legacy-admin",
    "infrastructure",
];

impl ServiceFlags {
    pub fn set(&mut self, name: &str) -> bool {
        match name {
            "industrial" => self.industrial = true,
            "cleartext" => self.cleartext = true,
            "remote-access" => self.remote_access = true,
            "messaging" => self.messaging = true,
            "web" => self.web = true,
            "legacy-admin" => self.legacy_admin = true,
            "infrastructure" => self.infrastructure = true,
            _ => return false,
        }
        true
    }
    pub fn names(&self) -> Vec<&'static str> {
        let v = [
            self.industrial,
            self.cleartext,
            self.remote_access,
            self.messaging,
            self.web,
            self.legacy_admin,
            self.infrastructure,
        ];
        FLAG_NAMES
            .iter()
            .zip(v)
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect()
    }
}

/// A built-in service: name, items, flags, description.
pub struct Builtin {
    pub name: &'static str,
    pub items: &'static str,
    pub flags: &'static str,
    pub description: &'static str,
}

macro_rules! catalogue {
    ($($name:literal => $items:literal, $flags:literal, $desc:literal;)*) => {
        pub const CATALOGUE: &[Builtin] = &[$(Builtin { name: $name, items: $items, flags: $flags, description: $desc }),*];
    };
}

catalogue! {
    "any"          => "ip", "", "every IP protocol and port";
    "bacnet"       => "udp/47808", "industrial cleartext", "BACnet/IP";
    "dhcp"         => "udp/67-68", "infrastructure", "DHCP";
    "dnp3"         => "tcp/20000", "industrial cleartext", "DNP3 over TCP (IEEE 1815)";
    "dns"          => "udp/53, tcp/53", "infrastructure", "Domain Name System";
    "enip"         => "tcp/44818, udp/2222", "industrial cleartext", "EtherNet/IP explicit and implicit (CIP) messaging";
    "ethercat"     => "ether/0x88a4", "industrial cleartext", "EtherCAT (layer 2 only)";
    "ftp"          => "tcp/21", "legacy-admin cleartext", "File Transfer Protocol (control channel)";
    "goose"        => "ether/0x88b8", "industrial cleartext", "IEC 61850 GOOSE (layer 2 only)";
    "http"         => "tcp/80", "web legacy-admin cleartext", "HTTP";
    "https"        => "tcp/443", "web", "HTTP over TLS";
    "icmp"         => "icmp", "", "every ICMP type";
    "icmp-echo"    => "icmp/8, icmpv6/128", "", "ICMP and ICMPv6 echo request (ping)";
    "iec104"       => "tcp/2404", "industrial cleartext", "IEC 60870-5-104";
    "iec61850-mms" => "tcp/102", "industrial cleartext", "IEC 61850 MMS";
    "imap"         => "tcp/143, tcp/993", "messaging", "IMAP e-mail";
    "irc"          => "tcp/6667", "messaging cleartext", "Internet Relay Chat";
    "kerberos"     => "tcp/88, udp/88", "infrastructure", "Kerberos authentication";
    "ldap"         => "tcp/389, udp/389", "infrastructure cleartext", "LDAP directory";
    "ldaps"        => "tcp/636", "infrastructure", "LDAP over TLS";
    "modbus"       => "tcp/502", "industrial cleartext", "Modbus/TCP";
    "modbus-tls"   => "tcp/802", "industrial", "Modbus/TCP Security (TLS)";
    "mqtt"         => "tcp/1883", "industrial cleartext", "MQTT";
    "mqtts"        => "tcp/8883", "industrial", "MQTT over TLS";
    "ntp"          => "udp/123", "infrastructure", "Network Time Protocol";
    "opc-da"       => "tcp/135", "industrial cleartext", "OPC Classic DA (DCOM endpoint mapper; dynamic RPC ports follow)";
    "opcua"        => "tcp/4840", "industrial", "OPC UA binary";
    "pop3"         => "tcp/110, tcp/995", "messaging", "POP3 e-mail";
    "profinet-rt"  => "ether/0x8892", "industrial cleartext", "PROFINET RT (layer 2 only)";
    "rdp"          => "tcp/3389", "remote-access", "Remote Desktop Protocol";
    "s7comm"       => "tcp/102", "industrial cleartext", "Siemens S7comm (ISO-TSAP)";
    "smb"          => "tcp/445", "", "SMB file sharing";
    "smtp"         => "tcp/25, tcp/465, tcp/587", "messaging", "e-mail submission and transfer";
    "snmp"         => "udp/161", "legacy-admin cleartext", "SNMP v1/v2c";
    "snmp-trap"    => "udp/162", "legacy-admin cleartext", "SNMP traps";
    "ssh"          => "tcp/22", "remote-access", "Secure Shell";
    "sv"           => "ether/0x88ba", "industrial cleartext", "IEC 61850 Sampled Values (layer 2 only)";
    "syslog"       => "udp/514", "infrastructure cleartext", "syslog";
    "syslog-tls"   => "tcp/6514", "infrastructure", "syslog over TLS";
    "telnet"       => "tcp/23", "remote-access legacy-admin cleartext", "Telnet";
    "tftp"         => "udp/69", "legacy-admin cleartext", "Trivial File Transfer Protocol";
    "vnc"          => "tcp/5900", "remote-access cleartext", "Virtual Network Computing";
    "xmpp"         => "tcp/5222", "messaging", "XMPP chat";
}

pub fn builtin(name: &str) -> Option<&'static Builtin> {
    CATALOGUE.iter().find(|b| b.name == name)
}

impl Builtin {
    pub fn parsed_items(&self) -> Vec<ServiceItem> {
        // Catalogue entries are constants covered by a unit test: parsing cannot fail.
        self.items
            .split(", ")
            .filter_map(|i| ServiceItem::parse(i).ok())
            .collect()
    }
    pub fn parsed_flags(&self) -> ServiceFlags {
        let mut f = ServiceFlags::default();
        for n in self.flags.split_whitespace() {
            f.set(n);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_and_is_sorted() {
        for b in CATALOGUE {
            let n = b.items.split(", ").count();
            assert_eq!(b.parsed_items().len(), n, "{}", b.name);
            for f in b.flags.split_whitespace() {
                assert!(ServiceFlags::default().set(f), "{}: flag {f}", b.name);
            }
        }
        let names: Vec<_> = CATALOGUE.iter().map(|b| b.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }

    #[test]
    fn parses_items() {
        assert_eq!(
            ServiceItem::parse("tcp/502"),
            Ok(ServiceItem::Tcp {
                ports: PortRange::one(502)
            })
        );
        assert_eq!(
            ServiceItem::parse("udp/1000-2000"),
            Ok(ServiceItem::Udp {
                ports: PortRange { lo: 1000, hi: 2000 }
            })
        );
        assert_eq!(
            ServiceItem::parse("ether/0x8892"),
            Ok(ServiceItem::Ether { ethertype: 0x8892 })
        );
        assert!(ServiceItem::parse("tcp/70000").is_err());
        assert!(ServiceItem::parse("tcp/20-10").is_err());
        assert!(ServiceItem::parse("sctp/1").is_err());
        assert_eq!(
            ServiceItem::parse("icmpv6/128").map(|i| i.to_string()),
            Ok("icmpv6/128".into())
        );
    }

    #[test]
    fn icmp_kinds_follow_conntrack() {
        for t in [8, 13, 15, 17] {
            assert_eq!(icmp_kind(false, t), IcmpKind::Request);
        }
        assert_eq!(icmp_kind(false, 0), IcmpKind::Answer(Some(8)));
        assert_eq!(icmp_kind(false, 14), IcmpKind::Answer(Some(13)));
        for t in [3, 4, 5, 11, 12] {
            assert_eq!(icmp_kind(false, t), IcmpKind::Answer(None));
        }
        for t in [1, 2, 6, 7, 9, 10, 19, 255] {
            assert_eq!(icmp_kind(false, t), IcmpKind::Untracked);
        }
        assert_eq!(icmp_kind(true, 128), IcmpKind::Request);
        assert_eq!(icmp_kind(true, 129), IcmpKind::Answer(Some(128)));
        for t in [1, 2, 3, 4] {
            assert_eq!(icmp_kind(true, t), IcmpKind::Answer(None));
        }
        for t in [0, 5, 127, 130, 133, 135, 136, 137, 143, 200] {
            assert_eq!(icmp_kind(true, t), IcmpKind::Untracked);
        }
    }
}
