//! Services: the attributes lint rules read and the built-in catalogue. The catalogue is data:
//! each entry's ports and its flags (cleartext industrial protocol, remote access, ...). The
//! protocol/port items themselves are packet-level vocabulary: [`crate::packet::service`].

pub use crate::packet::service::{icmp_kind, icmp_type_name, IcmpKind, PortRange, ServiceItem};
use serde::Serialize;
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
    /// A protected variant: authenticated and encrypted (TLS, SSH, IPsec, SNMPv3 authPriv). It
    /// excludes `cleartext` (E0042 when a service lists both).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub encrypted: bool,
    /// No reply is ever allowed (`one-way`): the one flag that changes what is allowed. A
    /// stateless device gets no return rule for it and a stateful one drops the reply
    /// direction of its connections. Never on TCP (E0035).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub one_way: bool,
}

pub const FLAG_NAMES: &[&str] = &[
    "industrial",
    "cleartext",
    "remote-access",
    "messaging",
    "web",
    "legacy-admin",
    "infrastructure",
    "one-way",
    "encrypted",
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
            "one-way" => self.one_way = true,
            "encrypted" => self.encrypted = true,
            _ => return false,
        }
        true
    }
    /// Every flag set in either.
    pub fn union(self, o: ServiceFlags) -> ServiceFlags {
        ServiceFlags {
            industrial: self.industrial || o.industrial,
            cleartext: self.cleartext || o.cleartext,
            remote_access: self.remote_access || o.remote_access,
            messaging: self.messaging || o.messaging,
            web: self.web || o.web,
            legacy_admin: self.legacy_admin || o.legacy_admin,
            infrastructure: self.infrastructure || o.infrastructure,
            encrypted: self.encrypted || o.encrypted,
            one_way: self.one_way || o.one_way,
        }
    }
    /// Whether any flag other than `one-way` (which changes what is allowed, not what the
    /// service is) is set: a declared service with one says what it carries itself.
    pub fn classifies(&self) -> bool {
        ServiceFlags {
            one_way: false,
            ..*self
        } != ServiceFlags::default()
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
            self.one_way,
            self.encrypted,
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
    "bfd"          => "udp/3784, udp/3785, udp/4784", "infrastructure cleartext", "Bidirectional Forwarding Detection (single-hop control, echo, multihop)";
    "bgp"          => "tcp/179", "infrastructure cleartext", "Border Gateway Protocol";
    "cip-security" => "tcp/2221, udp/2221", "industrial encrypted", "CIP Security: EtherNet/IP over TLS and DTLS";
    "conntrackd"   => "udp/3780", "infrastructure cleartext", "conntrackd connection-tracking sync between firewall cluster nodes";
    "dhcp"         => "udp/67-68", "infrastructure", "DHCP";
    "dnp3"         => "tcp/20000", "industrial cleartext", "DNP3 over TCP (IEEE 1815)";
    "dnp3-tls"     => "tcp/19999", "industrial encrypted", "DNP3 over TLS (IEEE 1815, IEC 62351-3)";
    "dns"          => "udp/53, tcp/53", "infrastructure", "Domain Name System";
    "enip"         => "tcp/44818, udp/2222", "industrial cleartext", "EtherNet/IP explicit and implicit (CIP) messaging: `enip-explicit` and `enip-implicit`";
    "enip-explicit" => "tcp/44818", "industrial cleartext", "EtherNet/IP explicit (CIP) messaging";
    "enip-implicit" => "udp/2222", "industrial cleartext", "EtherNet/IP implicit (CIP I/O) messaging";
    "ethercat"     => "ether/0x88a4", "industrial cleartext", "EtherCAT (layer 2 only)";
    "ethercat-udp" => "udp/34980", "industrial cleartext", "EtherCAT over UDP (IANA ethercat, routable)";
    "ff-hse"       => "tcp/1089-1091, udp/1089-1091", "industrial cleartext", "FOUNDATION Fieldbus HSE (IANA ff-annunc, ff-fms, ff-sm)";
    "ftp"          => "tcp/21", "legacy-admin cleartext", "File Transfer Protocol (control channel)";
    "goose"        => "ether/0x88b8", "industrial cleartext", "IEC 61850 GOOSE (layer 2 only)";
    "hart-ip"      => "tcp/5094, udp/5094", "industrial cleartext", "HART-IP (IANA hart-ip)";
    "hsrp"         => "udp/1985, udp/2029", "infrastructure cleartext", "Cisco Hot Standby Router Protocol (IPv4, IPv6)";
    "http"         => "tcp/80", "web legacy-admin cleartext", "HTTP";
    "https"        => "tcp/443", "web encrypted", "HTTP over TLS";
    "icmp"         => "icmp", "", "every ICMP type";
    "icmp-echo"    => "icmp/8, icmpv6/128", "", "ICMP and ICMPv6 echo request (ping)";
    "iec104"       => "tcp/2404", "industrial cleartext", "IEC 60870-5-104";
    "iec104-tls"   => "tcp/19998", "industrial encrypted", "IEC 60870-5-104 over TLS (IEC 62351-3)";
    "iec61850-mms" => "tcp/102", "industrial cleartext", "IEC 61850 MMS";
    "iec61850-mms-tls" => "tcp/3782", "industrial encrypted", "IEC 61850 MMS over TLS (IEC 62351-4)";
    "ike"          => "udp/500, udp/4500", "infrastructure encrypted", "IPsec key exchange (IKE, NAT traversal)";
    "imap"         => "tcp/143, tcp/993", "messaging", "IMAP e-mail";
    "ipsec-esp"    => "ip/50", "infrastructure encrypted", "IPsec Encapsulating Security Payload";
    "irc"          => "tcp/6667", "messaging cleartext", "Internet Relay Chat";
    "kerberos"     => "tcp/88, udp/88", "infrastructure", "Kerberos authentication";
    "ldap"         => "tcp/389, udp/389", "infrastructure cleartext", "LDAP directory";
    "ldaps"        => "tcp/636", "infrastructure encrypted", "LDAP over TLS";
    "modbus"       => "tcp/502", "industrial cleartext", "Modbus/TCP";
    "modbus-tls"   => "tcp/802", "industrial encrypted", "Modbus/TCP Security (TLS)";
    "mqtt"         => "tcp/1883", "industrial cleartext", "MQTT";
    "mqtts"        => "tcp/8883", "industrial encrypted", "MQTT over TLS";
    "netconf"      => "tcp/830", "remote-access encrypted", "NETCONF device configuration over SSH (RFC 6242)";
    "ntp"          => "udp/123", "infrastructure", "Network Time Protocol";
    "opc-da"       => "tcp/135", "industrial cleartext", "OPC Classic DA (DCOM endpoint mapper; dynamic RPC ports follow)";
    "opcua"        => "tcp/4840", "industrial encrypted", "OPC UA binary (security mode SignAndEncrypt)";
    "ospf"         => "ip/89", "infrastructure cleartext", "Open Shortest Path First";
    "pop3"         => "tcp/110, tcp/995", "messaging", "POP3 e-mail";
    "profinet-cm"  => "udp/34964", "industrial cleartext", "PROFINET context manager (DCE/RPC connection setup; IANA profinet-cm)";
    "profinet-rt"  => "ether/0x8892", "industrial cleartext", "PROFINET RT (layer 2 only)";
    "ptp"          => "udp/319, udp/320", "infrastructure cleartext", "Precision Time Protocol (IEEE 1588 event and general messages)";
    "r-goose"      => "udp/102", "industrial cleartext", "IEC 61850-90-5 routable GOOSE (R-GOOSE)";
    "r-sv"         => "udp/102", "industrial cleartext", "IEC 61850-90-5 routable Sampled Values (R-SV)";
    "radius"       => "udp/1812, udp/1813", "infrastructure cleartext", "RADIUS authentication and accounting";
    "rdp"          => "tcp/3389", "remote-access", "Remote Desktop Protocol";
    "restconf"     => "tcp/443", "web encrypted", "RESTCONF device configuration over HTTPS (RFC 8040)";
    "s7comm"       => "tcp/102", "industrial cleartext", "Siemens S7comm (ISO-TSAP)";
    "smb"          => "tcp/445", "", "SMB file sharing";
    "smtp"         => "tcp/25, tcp/465, tcp/587", "messaging", "e-mail submission and transfer";
    "snmp"         => "udp/161", "legacy-admin cleartext", "SNMP v1/v2c";
    "snmp-trap"    => "udp/162", "legacy-admin cleartext", "SNMP traps";
    "snmpv3"       => "udp/161, udp/162", "infrastructure encrypted", "SNMPv3 with authentication and privacy (queries and notifications)";
    "ssh"          => "tcp/22", "remote-access encrypted", "Secure Shell";
    "sv"           => "ether/0x88ba", "industrial cleartext", "IEC 61850 Sampled Values (layer 2 only)";
    "syslog"       => "udp/514", "infrastructure cleartext", "syslog";
    "syslog-tls"   => "tcp/6514", "infrastructure encrypted", "syslog over TLS (RFC 5425)";
    "tacacs"       => "tcp/49", "infrastructure cleartext", "TACACS+ device administration (body only obfuscated, RFC 8907)";
    "telnet"       => "tcp/23", "remote-access legacy-admin cleartext", "Telnet";
    "tftp"         => "udp/69", "legacy-admin cleartext", "Trivial File Transfer Protocol";
    "vnc"          => "tcp/5900", "remote-access cleartext", "Virtual Network Computing";
    "vrrp"         => "ip/112", "infrastructure cleartext", "Virtual Router Redundancy Protocol";
    "xmpp"         => "tcp/5222", "messaging", "XMPP chat";
}

/// The multicast groups a built-in protocol sends to besides its neighbours' own addresses. They
/// lie in no zone: link-local groups (224.0.0.0/24, ff02::/16) are never forwarded, so a flow
/// between zones never carries them; they belong to a device-level flow (`allow ZONE -> self
/// ospf`), whose packets to the device are addressed to the device or to these groups.
const GROUPS: &[(&str, &str)] = &[
    ("conntrackd", "225.0.0.50"),
    ("hsrp", "224.0.0.2, 224.0.0.102, ff02::66"),
    ("ospf", "224.0.0.5, 224.0.0.6, ff02::5, ff02::6"),
    ("vrrp", "224.0.0.18, ff02::12"),
];

pub fn builtin(name: &str) -> Option<&'static Builtin> {
    CATALOGUE.iter().find(|b| b.name == name)
}

/// What the catalogue says a service carries, for a service that says nothing itself (an
/// inline item, a declared service without a flag): the catalogue entries sharing its ports and
/// the flags it inherits from them.
///
/// An entry shares an item's ports when one of the entry's items holds the item whole
/// (`tcp/502` is Modbus's, `udp/67` DHCP's), or when the item is a narrow TCP or UDP port range
/// (at most [`NARROW_RANGE`] ports) that holds one of the entry's items whole (`tcp/500-510`
/// carries Modbus, `tcp/20-25` telnet among others). A wider range (`tcp/1-10000`) is nobody's:
/// it is a wildcard, FR5-003's concern. The flags are the union over every item and every
/// entry sharing it (`udp/161` is SNMP v1/v2c as well as SNMPv3), except `encrypted`, which
/// holds only when every item lies within entries that are all encrypted (a range holding
/// `tcp/443` holds other ports too), and `one-way`, which only its own declaration sets.
/// Entries without flags (`any`, `icmp`, `smb`) say nothing and are not listed.
pub fn classify(items: &[ServiceItem]) -> (ServiceFlags, Vec<&'static str>) {
    let mut flags = ServiceFlags::default();
    let mut names = Vec::new();
    let mut all_encrypted = !items.is_empty();
    // The catalogue's entries, then the ports IANA registers for the same protocols that the
    // catalogue does not compile (judged as the entry they belong to).
    let also = IANA_ALSO.iter().filter_map(|(name, items)| {
        CATALOGUE
            .iter()
            .find(|b| b.name == *name)
            .map(|b| (b, Some(*items)))
    });
    let entries: Vec<(&Builtin, Option<&str>)> =
        CATALOGUE.iter().map(|b| (b, None)).chain(also).collect();
    for item in items {
        let mut matched = false;
        for &(b, also) in &entries {
            let f = b.parsed_flags();
            if f == ServiceFlags::default() {
                continue;
            }
            let entry = match also {
                Some(items) => parse_items(items),
                None => b.parsed_items(),
            };
            let within = entry.iter().any(|o| item.within(o));
            if !within && !entry.iter().any(|o| narrow_range_holds(item, o)) {
                continue;
            }
            matched = true;
            all_encrypted &= within && f.encrypted && !f.cleartext;
            flags = flags.union(f);
            if !names.contains(&b.name) {
                names.push(b.name);
            }
        }
        all_encrypted &= matched;
    }
    flags.encrypted = all_encrypted && !flags.cleartext;
    flags.one_way = false;
    names.sort_unstable();
    (flags, names)
}

/// Ports IANA registers for a catalogue protocol besides those the catalogue compiles (the
/// UDP registrations of protocols used over TCP): an item on one of them is classified as
/// that protocol (`udp/20000` is DNP3 in clear), but naming the protocol still compiles only
/// the catalogue's own items.
pub const IANA_ALSO: &[(&str, &str)] = &[
    ("dnp3", "udp/20000"),
    ("enip-explicit", "udp/44818"),
    ("iec104", "udp/2404"),
    ("modbus", "udp/502"),
    ("mqtt", "udp/1883"),
];

fn parse_items(items: &str) -> Vec<ServiceItem> {
    items
        .split(", ")
        .filter_map(|i| ServiceItem::parse(i).ok())
        .collect()
}

/// The widest TCP or UDP port range that [`classify`] judges by the catalogue entries it
/// holds: FR5-003's default wildcard width (`wildcard-port-width`), so that a range is either
/// a wildcard or judged by what it carries under the default configuration.
pub const NARROW_RANGE: u32 = 256;

/// Whether `item` is a TCP or UDP port range of at most [`NARROW_RANGE`] ports that holds the
/// catalogue item `entry` whole.
fn narrow_range_holds(item: &ServiceItem, entry: &ServiceItem) -> bool {
    match item {
        ServiceItem::Tcp { ports } | ServiceItem::Udp { ports } => {
            ports.width() <= NARROW_RANGE && entry.within(item)
        }
        _ => false,
    }
}

impl Builtin {
    pub fn parsed_items(&self) -> Vec<ServiceItem> {
        // Catalogue entries are constants covered by a unit test: parsing cannot fail.
        self.items
            .split(", ")
            .filter_map(|i| ServiceItem::parse(i).ok())
            .collect()
    }
    /// The multicast groups the protocol sends to ([`GROUPS`]), sorted.
    pub fn groups(&self) -> Vec<std::net::IpAddr> {
        let mut out: Vec<std::net::IpAddr> = GROUPS
            .iter()
            .filter(|(n, _)| *n == self.name)
            .flat_map(|(_, g)| g.split(", "))
            .filter_map(|a| a.parse().ok())
            .collect();
        out.sort();
        out
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
        for (name, groups) in GROUPS {
            let b = builtin(name);
            assert!(b.is_some(), "groups of unknown service {name}");
            let parsed = b.map(|b| b.groups()).unwrap_or_default();
            assert_eq!(parsed.len(), groups.split(", ").count(), "{name}");
            assert!(parsed.iter().all(|a| a.is_multicast()), "{name}");
        }
        let names: Vec<_> = CATALOGUE.iter().map(|b| b.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }

    fn classified(items: &str) -> (Vec<&'static str>, Vec<&'static str>) {
        let items: Vec<ServiceItem> = items
            .split(", ")
            .filter_map(|i| ServiceItem::parse(i).ok())
            .collect();
        let (flags, names) = classify(&items);
        (flags.names(), names)
    }

    #[test]
    fn udp_registrations_of_industrial_protocols_are_classified_as_the_protocol() {
        for (udp, name) in [
            ("udp/20000", "dnp3"),
            ("udp/502", "modbus"),
            ("udp/2404", "iec104"),
            ("udp/44818", "enip-explicit"),
            ("udp/1883", "mqtt"),
        ] {
            let (flags, names) = classified(udp);
            assert!(flags.contains(&"cleartext"), "{udp}: {flags:?}");
            assert_eq!(names, vec![name], "{udp}");
        }
        // Every entry names a catalogue protocol and parses.
        for (name, items) in IANA_ALSO {
            assert!(CATALOGUE.iter().any(|b| b.name == *name), "{name}");
            assert_eq!(
                parse_items(items).len(),
                items.split(", ").count(),
                "{items}"
            );
        }
    }

    #[test]
    fn items_inherit_the_flags_of_the_entries_sharing_their_ports() {
        assert_eq!(
            classified("tcp/502"),
            (vec!["industrial", "cleartext"], vec!["modbus"])
        );
        assert_eq!(classified("tcp/3389"), (vec!["remote-access"], vec!["rdp"]));
        assert_eq!(
            classified("tcp/23"),
            (
                vec!["cleartext", "remote-access", "legacy-admin"],
                vec!["telnet"]
            )
        );
        // SNMP v1/v2c and SNMPv3 share udp/161: the union, and cleartext excludes encrypted.
        assert_eq!(
            classified("udp/161"),
            (
                vec!["cleartext", "legacy-admin", "infrastructure"],
                vec!["snmp", "snmpv3"]
            )
        );
        assert_eq!(
            classified("tcp/443"),
            (vec!["web", "encrypted"], vec!["https", "restconf"])
        );
        assert_eq!(
            classified("tcp/102"),
            (
                vec!["industrial", "cleartext"],
                vec!["iec61850-mms", "s7comm"]
            )
        );
        assert_eq!(classified("udp/67"), (vec!["infrastructure"], vec!["dhcp"]));
        // IANA's registered industrial ports are in the catalogue.
        assert_eq!(
            classified("udp/5094"),
            (vec!["industrial", "cleartext"], vec!["hart-ip"])
        );
        assert_eq!(
            classified("tcp/1090"),
            (vec!["industrial", "cleartext"], vec!["ff-hse"])
        );
        // Encrypted only when every item is: udp/3391 belongs to no entry.
        assert_eq!(
            classified("tcp/443, udp/3391"),
            (vec!["web"], vec!["https", "restconf"])
        );
        // A range wider than one protocol's ports, a whole protocol, nothing known: no flags.
        // A narrow range carries the entries it holds, never as `encrypted`; a wide one is a
        // wildcard.
        assert_eq!(
            classified("tcp/3380-3399"),
            (vec!["remote-access"], vec!["rdp"])
        );
        assert_eq!(
            classified("tcp/500-510"),
            (vec!["industrial", "cleartext"], vec!["modbus"])
        );
        assert_eq!(
            classified("tcp/440-450"),
            (vec!["web"], vec!["https", "restconf"])
        );
        assert_eq!(
            classified("tcp/20-25"),
            (
                vec!["cleartext", "remote-access", "messaging", "legacy-admin"],
                vec!["ftp", "smtp", "ssh", "telnet"]
            )
        );
        assert!(classified("tcp/1-256").1.contains(&"telnet"));
        assert_eq!(NARROW_RANGE, crate::lint::DEFAULT_MAX_PORT_RANGE);
        assert_eq!(classified("tcp/1-257"), (vec![], vec![]));
        assert_eq!(classified("tcp/1-1000"), (vec![], vec![]));
        assert_eq!(classified("tcp/1-10000"), (vec![], vec![]));
        assert_eq!(classified("tcp"), (vec![], vec![]));
        assert_eq!(classified("ip"), (vec![], vec![]));
        assert_eq!(classified("tcp/5450"), (vec![], vec![]));
        assert_eq!(
            classified("ether/0x8892"),
            (vec!["industrial", "cleartext"], vec!["profinet-rt"])
        );
    }

    #[test]
    fn encrypted_excludes_cleartext_in_the_catalogue() {
        for b in CATALOGUE {
            let f = b.parsed_flags();
            assert!(!(f.encrypted && f.cleartext), "{}", b.name);
        }
    }

    /// The entries a 2026 plant uses (issue 17), with their ports and flags as the standards
    /// give them: the secure variants `encrypted` and never `cleartext`, SNMPv3 not
    /// `legacy-admin`, EtherNet/IP split in its explicit and implicit halves with `enip` both.
    #[test]
    fn plant_entries_have_their_ports_and_flags() {
        let expect: &[(&str, &str, &[&str])] = &[
            ("iec104-tls", "tcp/19998", &["industrial", "encrypted"]),
            ("dnp3-tls", "tcp/19999", &["industrial", "encrypted"]),
            ("iec61850-mms-tls", "tcp/3782", &["industrial", "encrypted"]),
            ("ptp", "udp/319, udp/320", &["cleartext", "infrastructure"]),
            (
                "cip-security",
                "tcp/2221, udp/2221",
                &["industrial", "encrypted"],
            ),
            ("r-goose", "udp/102", &["industrial", "cleartext"]),
            ("r-sv", "udp/102", &["industrial", "cleartext"]),
            ("syslog-tls", "tcp/6514", &["infrastructure", "encrypted"]),
            (
                "snmpv3",
                "udp/161, udp/162",
                &["infrastructure", "encrypted"],
            ),
            ("netconf", "tcp/830", &["remote-access", "encrypted"]),
            ("restconf", "tcp/443", &["web", "encrypted"]),
            ("enip-explicit", "tcp/44818", &["industrial", "cleartext"]),
            ("enip-implicit", "udp/2222", &["industrial", "cleartext"]),
            ("enip", "tcp/44818, udp/2222", &["industrial", "cleartext"]),
            ("snmp", "udp/161", &["cleartext", "legacy-admin"]),
        ];
        for (name, items, flags) in expect {
            let b = builtin(name);
            assert_eq!(b.map(|b| b.items), Some(*items), "{name}");
            let got = b.map(|b| b.parsed_flags().names()).unwrap_or_default();
            assert_eq!(got, *flags, "{name}");
        }
    }

    /// The catalogue table of docs/language.md, generated from [`CATALOGUE`].
    fn catalogue_table() -> String {
        let mut t = String::from(
            "| name | items | flags | multicast groups | description |\n|---|---|---|---|---|\n",
        );
        for b in CATALOGUE {
            let flags = b.flags.split_whitespace().collect::<Vec<_>>().join(", ");
            let groups: Vec<String> = b.groups().iter().map(|g| format!("`{g}`")).collect();
            let dash = |s: String| if s.is_empty() { "—".to_string() } else { s };
            t.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {} |\n",
                b.name,
                b.items,
                dash(flags),
                dash(groups.join(", ")),
                b.description
            ));
        }
        t
    }

    /// docs/language.md lists the catalogue as it is; on a difference, this test prints the
    /// table to paste there.
    #[test]
    fn language_doc_lists_the_catalogue() {
        let doc = include_str!("../../docs/language.md");
        let table = catalogue_table();
        assert!(
            doc.contains(&table),
            "docs/language.md: replace the built-in catalogue table with\n{table}"
        );
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
