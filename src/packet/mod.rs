//! The foundation every pass that reasons about traffic stands on: address sets, protocol/port
//! items, interval sets and trees, and exact packet sets. It imports nothing else of the crate;
//! check, query, diff, build, the dialects and verify all use it.
//!
//! - [`addr`]: sorted, merged address intervals per family ([`AddrSet`]);
//! - [`service`]: protocol/port items ([`ServiceItem`]) and ICMP types as conntrack sees them;
//! - [`reply`]: what a stateless filter lets back as the replies of an item, and how that
//!   widens the policy;
//! - [`intervals`]: the one interval routine (union, intersection, subtraction of sorted
//!   inclusive intervals) and the static interval tree overlap questions go through;
//! - [`space`]: exact packet sets ([`space::Space`], [`space::Cube`]) and the one address-family
//!   type ([`Family`]);
//! - [`Packet`]: one concrete packet, as a firewall sees the first packet of a connection.

pub mod addr;
pub mod intervals;
pub mod reply;
pub mod service;
pub mod space;

pub use addr::AddrSet;
use serde::Serialize;
pub use service::{PortRange, ServiceItem};
pub use space::Family;
use std::net::IpAddr;

/// The first packet of a connection (or a datagram), as a firewall sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Packet {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, ...).
    pub proto: u8,
    /// Source port (tcp/udp); 0 otherwise.
    pub sport: u16,
    /// Destination port (tcp/udp) or ICMP type; 0 otherwise.
    pub dport: u16,
    /// A TCP segment with ACK or RST set (what IOS `established` matches): not the first packet
    /// of a connection. Always false for other protocols.
    pub ack: bool,
}

impl Packet {
    pub fn tcp(src: IpAddr, dst: IpAddr, dport: u16) -> Packet {
        Packet {
            src,
            dst,
            proto: 6,
            sport: 40000,
            dport,
            ack: false,
        }
    }
    pub fn udp(src: IpAddr, dst: IpAddr, dport: u16) -> Packet {
        Packet {
            src,
            dst,
            proto: 17,
            sport: 40000,
            dport,
            ack: false,
        }
    }
    /// Does a service item match this packet?
    pub fn matches(&self, item: &ServiceItem) -> bool {
        match item {
            ServiceItem::Tcp { ports } => self.proto == 6 && ports.contains(self.dport),
            ServiceItem::Udp { ports } => self.proto == 17 && ports.contains(self.dport),
            ServiceItem::Icmp { icmp_type } => {
                self.proto == 1
                    && self.src.is_ipv4()
                    && icmp_type.is_none_or(|t| self.dport == t as u16)
            }
            ServiceItem::Icmpv6 { icmp_type } => {
                self.proto == 58
                    && self.src.is_ipv6()
                    && icmp_type.is_none_or(|t| self.dport == t as u16)
            }
            ServiceItem::Ip { number } => self.proto == *number,
            ServiceItem::AnyIp => true,
            ServiceItem::Ether { .. } => false,
        }
    }
}

impl std::fmt::Display for Packet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let proto = match self.proto {
            6 => "tcp".to_string(),
            17 => "udp".to_string(),
            1 => "icmp".to_string(),
            58 => "icmpv6".to_string(),
            n => format!("ip proto {n}"),
        };
        match self.proto {
            6 | 17 => write!(
                f,
                "{proto} {} -> {}{}",
                sock(self.src, self.sport),
                sock(self.dst, self.dport),
                if self.proto == 6 && self.ack {
                    " (ACK set)"
                } else {
                    ""
                }
            ),
            1 | 58 => write!(
                f,
                "{proto} type {} {} -> {}",
                self.dport, self.src, self.dst
            ),
            _ => write!(f, "{proto} {} -> {}", self.src, self.dst),
        }
    }
}

/// `10.0.0.1:502`, `[fd00::1]:502`.
fn sock(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}
