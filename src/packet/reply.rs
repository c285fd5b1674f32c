//! What a stateless filter lets back as the replies of a service item: the one definition that
//! planning records per reply entry ([`crate::plan::ReplyIr`]), that the Cisco IOS dialect
//! lowers to reply ACEs, and that `verify` compares those ACEs with ([`reply_cubes`]).
//!
//! A filter without connection state cannot tell a reply from new traffic that looks like one,
//! so every reply admits more than connection tracking would; [`WideningKind`] names how.

use super::service::{icmp_reply_type, PortRange, ServiceItem};
use super::space::{Cube, Family, Ivs};
use super::AddrSet;
use serde::Serialize;

/// The replies of one service item, matched without connection state, from the responder (the
/// flow's destination) to the initiator (its source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "proto", rename_all = "lowercase")]
pub enum Reply {
    /// TCP from the responder's ports with ACK or RST (IOS `established`).
    Tcp { sports: PortRange },
    /// UDP from the responder's ports.
    Udp { sports: PortRange },
    /// The ICMP reply type of a request type (echo-reply, timestamp-reply).
    Icmp { icmp_type: u8 },
    /// The ICMPv6 reply type of a request type (echo-reply).
    Icmpv6 { icmp_type: u8 },
    /// The same IP protocol, reversed.
    Ip { number: u8 },
    /// Every IP protocol, reversed.
    AnyIp,
}

impl Reply {
    /// The replies of a service item; `None` when its traffic has none (ICMP errors and
    /// replies, Ethertypes).
    pub fn of(item: &ServiceItem) -> Option<Reply> {
        Some(match *item {
            ServiceItem::Tcp { ports } => Reply::Tcp { sports: ports },
            ServiceItem::Udp { ports } => Reply::Udp { sports: ports },
            ServiceItem::Icmp { icmp_type } => Reply::Icmp {
                icmp_type: icmp_reply_type(item, icmp_type)?,
            },
            ServiceItem::Icmpv6 { icmp_type } => Reply::Icmpv6 {
                icmp_type: icmp_reply_type(item, icmp_type)?,
            },
            ServiceItem::Ip { number } => Reply::Ip { number },
            ServiceItem::AnyIp => Reply::AnyIp,
            ServiceItem::Ether { .. } => return None,
        })
    }

    /// How these replies admit more than connection tracking would.
    pub fn kind(self) -> WideningKind {
        match self {
            Reply::Tcp { .. } => WideningKind::TcpEstablished,
            Reply::Udp { .. } => WideningKind::UdpSourcePort,
            Reply::Icmp { .. } | Reply::Icmpv6 { .. } => WideningKind::IcmpReply,
            Reply::Ip { .. } | Reply::AnyIp => WideningKind::ReverseProtocol,
        }
    }

    /// Does this reply exist in a family? ICMP replies are IPv4 only, ICMPv6 replies IPv6 only.
    pub fn in_family(self, family: Family) -> bool {
        match self {
            Reply::Icmp { .. } => family == Family::V4,
            Reply::Icmpv6 { .. } => family == Family::V6,
            _ => true,
        }
    }

    /// The packets these replies are, in one family, from `responders` to `initiators`.
    pub fn cubes(self, family: Family, responders: &AddrSet, initiators: &AddrSet) -> Vec<Cube> {
        if !self.in_family(family) {
            return Vec::new();
        }
        let (s, d) = (family.addrs(responders), family.addrs(initiators));
        let any_port = || Ivs::range(0, 65535);
        let ports = |p: PortRange| Ivs::range(p.lo.into(), p.hi.into());
        match self {
            Reply::Tcp { sports } => Cube::with_ports(
                family,
                s,
                d,
                Ivs::point(6),
                ports(sports),
                any_port(),
                Ivs::point(1),
            ),
            Reply::Udp { sports } => Cube::with_ports(
                family,
                s,
                d,
                Ivs::point(17),
                ports(sports),
                any_port(),
                Ivs::point(0),
            ),
            Reply::Icmp { icmp_type } => {
                Cube::new(family, s, d, Ivs::point(1), Ivs::point(icmp_type.into()))
            }
            Reply::Icmpv6 { icmp_type } => {
                Cube::new(family, s, d, Ivs::point(58), Ivs::point(icmp_type.into()))
            }
            Reply::Ip { number } => Cube::new(family, s, d, Ivs::point(number.into()), any_port()),
            Reply::AnyIp => Cube::new(family, s, d, Ivs::range(0, 255), any_port()),
        }
    }
}

/// How the reply rule of a flow admits more than connection tracking would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WideningKind {
    /// `established`: any TCP segment with ACK or RST from the responder's port passes, also one
    /// that belongs to no connection (a crafted ACK scan).
    TcpEstablished,
    /// Any UDP datagram from the responder's port passes, whether or not a request preceded it.
    UdpSourcePort,
    /// ICMP echo-replies (or timestamp-replies) pass without a preceding request.
    IcmpReply,
    /// A protocol without ports or state in ACLs (GRE, ESP, every IP protocol): the reverse
    /// direction is open for that protocol, new traffic included.
    ReverseProtocol,
}

impl WideningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WideningKind::TcpEstablished => "tcp-established",
            WideningKind::UdpSourcePort => "udp-source-port",
            WideningKind::IcmpReply => "icmp-reply",
            WideningKind::ReverseProtocol => "reverse-protocol",
        }
    }
    /// What passes beyond the policy, for reports and diagnostics.
    pub fn explanation(self) -> &'static str {
        match self {
            WideningKind::TcpEstablished => {
                "`established` is stateless: any TCP segment with ACK or RST from the responder's port passes, not only replies"
            }
            WideningKind::UdpSourcePort => {
                "any UDP datagram from the responder's port passes, not only replies to a request"
            }
            WideningKind::IcmpReply => "ICMP replies pass without a preceding request",
            WideningKind::ReverseProtocol => {
                "the protocol has no ports or state an ACL can test: it is open from responder to initiator, new traffic included"
            }
        }
    }
}

/// The replies a stateless filter lets back for one service item of a flow whose initiators are
/// `src` and responders `dst`, in one family: [`Reply::cubes`], the definition the
/// plan's reply entries and the Cisco IOS reply permits share (docs/targets/cisco-ios.md): TCP
/// from the responder's port with ACK or RST (`established`), UDP from the responder's port, the
/// ICMP reply type of a request type, and for `ip/N` and `ip` the same protocols reversed.
pub fn reply_cubes(family: Family, src: &AddrSet, dst: &AddrSet, item: &ServiceItem) -> Vec<Cube> {
    Reply::of(item).map_or_else(Vec::new, |r| r.cubes(family, dst, src))
}
