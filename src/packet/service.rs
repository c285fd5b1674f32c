//! Protocol/port items: what a service carries, as packets see it (TCP and UDP port ranges, ICMP
//! and ICMPv6 types with conntrack's view of them, other IP protocols, Ethertypes). The Model's
//! services and their flags are built on these: [`crate::model::services`].

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
    /// Does a Cisco IOS zone-based firewall keep connection state for it (`inspect`)? TCP,
    /// UDP, ICMP and ICMPv6; other protocols are only passed, in each direction by its own rule.
    pub fn inspectable(&self) -> bool {
        matches!(
            self,
            ServiceItem::Tcp { .. }
                | ServiceItem::Udp { .. }
                | ServiceItem::Icmp { .. }
                | ServiceItem::Icmpv6 { .. }
        )
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

/// The ICMP type that answers a request type: echo (8) -> echo-reply (0), timestamp (13) ->
/// timestamp-reply (14), ICMPv6 echo-request (128) -> echo-reply (129). Every type (`None`)
/// counts as echo. Other types (errors, replies) are not requests: nothing comes back.
pub fn icmp_reply_type(item: &ServiceItem, t: Option<u8>) -> Option<u8> {
    match (item, t) {
        (ServiceItem::Icmp { .. }, None | Some(8)) => Some(0),
        (ServiceItem::Icmp { .. }, Some(13)) => Some(14),
        (ServiceItem::Icmpv6 { .. }, None | Some(128)) => Some(129),
        _ => None,
    }
}
