//! pcap and pcapng captures (`tcpdump -w`), read with `pcap-parser` and decoded with
//! `etherparse`. A connection is opened by the first TCP segment of a pair of sockets (a SYN; its
//! retransmissions are the same connection), by the first UDP datagram of
//! a pair of sockets, by an ICMP request type; a TCP segment of a connection whose SYN the
//! capture missed counts once, from the first packet's sender (from its receiver when that
//! packet is a SYN-ACK). The sockets already seen are bounded: past [`MAX_TRACKED`], the set is
//! cleared and starts again (a long UDP exchange may then count twice).

use super::{Conn, LogError};
use crate::packet::service::{icmp_kind, IcmpKind};
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::{create_reader, Block, Linktype, PcapBlockOwned, PcapError};
use std::collections::HashSet;
use std::net::IpAddr;

/// Sockets remembered to tell a connection's first packet from the rest.
pub const MAX_TRACKED: usize = 1 << 20;

/// Does a file start with a pcap or pcapng magic number?
pub fn is_capture(head: [u8; 4]) -> bool {
    let m = u32::from_le_bytes(head);
    matches!(
        m,
        0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1 | 0x0a0d_0d0a
    )
}

type Key = (IpAddr, u16, IpAddr, u16, u8);

struct State {
    seen: HashSet<Key>,
}

impl State {
    /// Remembers the socket pair; true when it is new (in either direction).
    fn first(&mut self, k: Key) -> bool {
        let rev = (k.2, k.3, k.0, k.1, k.4);
        if self.seen.contains(&k) || self.seen.contains(&rev) {
            return false;
        }
        if self.seen.len() >= MAX_TRACKED {
            self.seen.clear();
        }
        self.seen.insert(k);
        true
    }
}

fn decode(link: Linktype, data: &[u8]) -> Option<SlicedPacket<'_>> {
    match link {
        Linktype::ETHERNET => SlicedPacket::from_ethernet(data).ok(),
        Linktype::LINUX_SLL => SlicedPacket::from_linux_sll(data).ok(),
        // SLL2 (`tcpdump -i any`): a 20-byte header before the IP packet.
        Linktype::LINUX_SLL2 => SlicedPacket::from_ip(data.get(20..)?).ok(),
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => SlicedPacket::from_ip(data).ok(),
        Linktype::NULL => SlicedPacket::from_ip(data.get(4..)?).ok(),
        _ => None,
    }
}

/// The connection a packet opens, if it opens one.
fn opens(st: &mut State, ts: f64, p: &SlicedPacket) -> Option<Conn> {
    let (src, dst): (IpAddr, IpAddr) = match p.net.as_ref()? {
        NetSlice::Ipv4(s) => (
            s.header().source_addr().into(),
            s.header().destination_addr().into(),
        ),
        NetSlice::Ipv6(s) => (
            s.header().source_addr().into(),
            s.header().destination_addr().into(),
        ),
        NetSlice::Arp(_) => return None,
    };
    let proto = p.net.as_ref()?.ip_payload_ref()?.ip_number.0;
    let c = |src, dst, port| Conn {
        ts,
        src,
        dst,
        proto,
        port,
    };
    match p.transport.as_ref() {
        Some(TransportSlice::Tcp(t)) => {
            let k = (src, t.source_port(), dst, t.destination_port(), 6);
            let new = st.first(k);
            if !new {
                // A retransmitted SYN, or any later segment: the same connection.
                None
            } else if t.syn() && t.ack() {
                // A SYN-ACK first: its receiver opened the connection.
                Some(c(dst, src, t.source_port()))
            } else {
                Some(c(src, dst, t.destination_port()))
            }
        }
        Some(TransportSlice::Udp(u)) => {
            let k = (src, u.source_port(), dst, u.destination_port(), 17);
            st.first(k).then(|| c(src, dst, u.destination_port()))
        }
        Some(TransportSlice::Icmpv4(i)) => {
            matches!(icmp_kind(false, i.type_u8()), IcmpKind::Request)
                .then(|| c(src, dst, i.type_u8() as u16))
        }
        Some(TransportSlice::Icmpv6(i)) => {
            matches!(icmp_kind(true, i.type_u8()), IcmpKind::Request)
                .then(|| c(src, dst, i.type_u8() as u16))
        }
        _ => {
            let k = (src, 0, dst, 0, proto);
            st.first(k).then(|| c(src, dst, 0))
        }
    }
}

pub fn read(name: &str, file: std::fs::File, each: &mut dyn FnMut(Conn)) -> Result<(), LogError> {
    let err = |packet: usize, message: String| LogError {
        file: name.to_string(),
        at: if packet == 0 {
            String::new()
        } else {
            format!("packet {packet}")
        },
        message,
    };
    let mut reader = create_reader(1 << 16, file)
        .map_err(|e| err(0, format!("not a readable capture: {e:?}")))?;
    let mut st = State {
        seen: HashSet::new(),
    };
    let mut links: Vec<Linktype> = Vec::new();
    let mut legacy = Linktype::ETHERNET;
    let mut packets = 0usize;
    let mut stalled = false;
    loop {
        match reader.next() {
            Ok((offset, block)) => {
                stalled = false;
                match block {
                    PcapBlockOwned::LegacyHeader(h) => legacy = h.network,
                    PcapBlockOwned::Legacy(b) => {
                        packets += 1;
                        let ts = b.ts_sec as f64 + b.ts_usec as f64 / 1e6;
                        if let Some(p) = decode(legacy, b.data) {
                            if let Some(c) = opens(&mut st, ts, &p) {
                                each(c);
                            }
                        }
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => links.clear(),
                    PcapBlockOwned::NG(Block::InterfaceDescription(i)) => links.push(i.linktype),
                    PcapBlockOwned::NG(Block::EnhancedPacket(b)) => {
                        packets += 1;
                        let ts = ((b.ts_high as u64) << 32 | b.ts_low as u64) as f64 / 1e6;
                        let link = links.get(b.if_id as usize).copied().ok_or_else(|| {
                            err(
                                packets,
                                format!("interface {} was never described", b.if_id),
                            )
                        })?;
                        let data = b.data.get(..b.caplen as usize).unwrap_or(b.data);
                        if let Some(p) = decode(link, data) {
                            if let Some(c) = opens(&mut st, ts, &p) {
                                each(c);
                            }
                        }
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                reader.consume(offset);
            }
            Err(PcapError::Eof) => return Ok(()),
            Err(PcapError::Incomplete(_)) => {
                if stalled {
                    return Err(err(
                        packets + 1,
                        "truncated capture: the file ends inside this packet".into(),
                    ));
                }
                stalled = true;
                reader
                    .refill()
                    .map_err(|e| err(packets + 1, format!("cannot read: {e:?}")))?;
            }
            Err(PcapError::UnexpectedEof) => {
                return Err(err(
                    packets + 1,
                    "truncated capture: the file ends inside this packet".into(),
                ));
            }
            Err(e) => {
                return Err(err(packets + 1, format!("corrupt capture: {e:?}")));
            }
        }
    }
}
