//! A concrete packet and the policy's decision for it. Target readers (nftables, iptables, IOS)
//! decide the same packets, so tests can compare the policy with every generated configuration.

use crate::model::{FlowId, Model, ServiceItem};
use serde::Serialize;
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

/// The flow that allows a new connection of this packet, if any (first in Model order).
/// A linear scan: the reference semantics that faster evaluators are tested against.
pub fn policy_decision(model: &Model, pkt: &Packet) -> Option<FlowId> {
    if pkt.src.is_ipv4() != pkt.dst.is_ipv4() {
        return None;
    }
    model.flow_ids().find(|&id| {
        let f = model.flow(id);
        model.endpoint_addrs(f.src).contains(pkt.src)
            && model.endpoint_addrs(f.dst).contains(pkt.dst)
            && f.services
                .iter()
                .any(|s| model.service(*s).items.iter().any(|i| pkt.matches(i)))
    })
}
