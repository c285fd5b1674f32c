//! The packet semantics of static network NAT on Cisco IOS (`ip nat inside source static
//! network INSIDE OUTSIDE /LEN [vrf NAME]`, `ip nat inside`, `ip nat outside`): how the
//! filters of [`super::semantics`] are seen in the plant's view, where a translated zone is its
//! outside network.
//!
//! IOS evaluates an interface's inbound ACL before translating, so the ACL of an inside
//! interface sees the zone's inside sources on the wire. Its plant view exchanges each static
//! entry's inside and outside networks in the source: a wire source in INSIDE is the zone's
//! host at OUTSIDE, and a wire source in OUTSIDE (a packet from the inside that claims an
//! outside address: no host of the zone) is seen at INSIDE, which the plant never allows from
//! there. The exchange is a bijection, so comparing in the plant view is exactly comparing on
//! the wire. Which entries apply: those of the interface's VRF, and only when some interface is
//! `ip nat outside` (NAT translates between inside and outside interfaces only). An outside
//! interface's ACL sees outside destinations: its view is the wire's.
//!
//! A packet is translated only when it crosses from an inside to an outside interface (its
//! source) or from an outside to an inside one (its destination). Where it leaves by another
//! interface, the translation the plant view assumed at ingress does not happen: the view of an
//! interface's outbound side drops, before its ACL, the packets whose plant address would
//! leave untranslated (an outside source leaving by an interface that is not `ip nat outside`;
//! an outside destination leaving by one that is neither `ip nat inside` in the entry's VRF nor
//! `ip nat outside`). An outbound ACL runs after translation: on an inside interface it sees the
//! inside destinations, and its view exchanges them as the inbound view does the sources.

use super::ast::*;
use super::print::mask;
use crate::dialect::config::{Item, Tag, Term};
use crate::packet::space::{Cube, Family, Ivs, Space};
use std::sync::Arc;

/// One static entry as intervals: (inside network, outside network), each `(lo, hi)`.
type Pair = ((u128, u128), (u128, u128));

fn range(net: u32, len: u8) -> (u128, u128) {
    let m = mask(len);
    let lo = net & m;
    (u128::from(lo), u128::from(lo | !m))
}

fn pairs<'a>(entries: impl Iterator<Item = &'a NatStatic>) -> Vec<Pair> {
    entries
        .map(|n| (range(n.inside, n.len), range(n.outside, n.len)))
        .collect()
}

/// `ivs` with each entry's inside and outside networks exchanged. The networks of the entries
/// are disjoint ([`Resolved::check_nat`]), so the exchanges commute.
fn exchange(ivs: &Ivs, pairs: &[Pair]) -> Ivs {
    let mut rest = ivs.clone();
    let mut moved = Vec::new();
    for &((ilo, ihi), (olo, ohi)) in pairs {
        for (from, to) in [((ilo, ihi), olo), ((olo, ohi), ilo)] {
            let part = ivs.clip(from.0, from.1);
            moved.extend(
                part.0
                    .iter()
                    .map(|&(a, b)| (a - from.0 + to, b - from.0 + to)),
            );
            rest = rest.subtract(&Ivs::range(from.0, from.1));
        }
    }
    rest.union(&Ivs::from_intervals(moved))
}

impl Resolved {
    /// Refuses static entries IOS would refuse or that would make the plant view ambiguous: two
    /// entries of one VRF whose networks (inside or outside) overlap, or an outside network
    /// that another entry uses at all.
    pub(super) fn check_nat(&self) -> Result<(), ParseError> {
        for (k, a) in self.nat.iter().enumerate() {
            for b in &self.nat[..k] {
                let (ai, ao) = (range(a.inside, a.len), range(a.outside, a.len));
                let (bi, bo) = (range(b.inside, b.len), range(b.outside, b.len));
                let meet = |x: (u128, u128), y: (u128, u128)| x.0 <= y.1 && y.0 <= x.1;
                let same_vrf = a.vrf == b.vrf;
                if meet(ao, bo)
                    || meet(ao, bi)
                    || meet(ai, bo)
                    || (same_vrf && meet(ai, bi))
                    || meet(ai, ao)
                {
                    return Err(ParseError {
                        line: a.at.line,
                        message: "static translations with overlapping networks are not supported"
                            .into(),
                    });
                }
            }
        }
        Ok(())
    }

    fn translates(&self) -> bool {
        !self.nat.is_empty()
            && self
                .interfaces
                .values()
                .any(|b| b.nat == Some(NatRole::Outside))
    }

    /// The static entries that translate sources entering by `interface` (an `ip nat inside`
    /// interface, in their VRF), when the device translates at all.
    fn inside_pairs(&self, interface: &str) -> Vec<Pair> {
        let Some(b) = self.binding(interface) else {
            return Vec::new();
        };
        if b.nat != Some(NatRole::Inside) || !self.translates() {
            return Vec::new();
        }
        pairs(
            self.nat
                .iter()
                .filter(|n| n.vrf.as_ref().map(Word::as_str) == b.vrf.as_deref()),
        )
    }

    /// The plant view of the filter of packets entering by `interface` (`inbound`: IPv4
    /// sources of its static entries exchanged, the ACL runs before translation) or leaving by
    /// it (destinations exchanged: an outbound ACL runs after translation, so on an inside
    /// interface it sees inside destinations). See the module's documentation.
    pub(super) fn view(&self, interface: &str, inbound: bool, items: Vec<Item>) -> Vec<Item> {
        let pairs = self.inside_pairs(interface);
        if pairs.is_empty() {
            return items;
        }
        items
            .into_iter()
            .map(|it| Item {
                space: Space {
                    cubes: it
                        .space
                        .cubes
                        .into_iter()
                        .map(|(mut c, t)| {
                            if c.family == Family::V4 && inbound {
                                c.src = exchange(&c.src, &pairs);
                            } else if c.family == Family::V4 {
                                c.dst = exchange(&c.dst, &pairs);
                            }
                            (c, t)
                        })
                        .collect(),
                },
                ..it
            })
            .collect()
    }

    /// A plant address of a packet entering by `interface` as it is on the wire there (and so as
    /// the zone-based firewall sees its source): the inside and outside networks of the
    /// interface's static entries exchanged, as [`Self::view`] does to spaces (the exchange is
    /// its own inverse).
    #[cfg(test)]
    pub(super) fn seen(&self, interface: &str, addr: std::net::IpAddr) -> std::net::IpAddr {
        let std::net::IpAddr::V4(a) = addr else {
            return addr;
        };
        let x = u128::from(u32::from(a));
        for ((ilo, ihi), (olo, ohi)) in self.inside_pairs(interface) {
            let moved = if (olo..=ohi).contains(&x) {
                x - olo + ilo
            } else if (ilo..=ihi).contains(&x) {
                x - ilo + olo
            } else {
                continue;
            };
            return u32::try_from(moved).map_or(addr, |m| std::net::Ipv4Addr::from(m).into());
        }
        addr
    }

    /// What the static entries of `to` do to the destination of a packet from `from` (`None`:
    /// the router) to `to` before the zone-based firewall sees it, and whether the packet gets
    /// there: from an `ip nat outside` interface, a destination in an entry's outside network
    /// becomes its inside address; any other destination stays as it is and reaches `to` only
    /// from the same routing table (IOS moves a packet from the global table into a VRF only by
    /// translating it). `None`: the packet does not reach `to`.
    fn zbf_dst(&self, from: Option<&str>, to: &str, x: u128) -> Option<u128> {
        let pairs = self.inside_pairs(to);
        let from_b = from.and_then(|f| self.binding(f));
        if pairs.is_empty() || from_b.and_then(|b| b.nat) != Some(NatRole::Outside) {
            return Some(x);
        }
        for &((ilo, _), (olo, ohi)) in &pairs {
            if (olo..=ohi).contains(&x) {
                return Some(x - olo + ilo);
            }
        }
        let to_vrf = self.binding(to).and_then(|b| b.vrf.as_deref());
        (from_b.and_then(|b| b.vrf.as_deref()) == to_vrf).then_some(x)
    }

    /// [`Self::zbf_dst`] for one packet as it enters by `from` (`None`: the router originates
    /// it): the destination the zone-based firewall sees, `None` when it does not reach `to`.
    pub(super) fn zbf_destination(
        &self,
        from: Option<&str>,
        to: &str,
        addr: std::net::IpAddr,
    ) -> Option<std::net::IpAddr> {
        let std::net::IpAddr::V4(a) = addr else {
            return Some(addr);
        };
        let x = self.zbf_dst(from, to, u128::from(u32::from(a)))?;
        Some(u32::try_from(x).map_or(addr, |m| std::net::Ipv4Addr::from(m).into()))
    }

    /// The plant view of the zone-based firewall's decisions for packets from `from` to `to`,
    /// in their destinations: the packets whose destination [`Self::zbf_dst`] carries into each
    /// item's space (its preimage: an outside address whose inside one the item holds, and an
    /// address the item holds that no entry translates, where it reaches `to`).
    pub(super) fn zbf_view(&self, from: Option<&str>, to: &str, items: Vec<Item>) -> Vec<Item> {
        let pairs = self.inside_pairs(to);
        let from_b = from.and_then(|f| self.binding(f));
        if pairs.is_empty() || from_b.and_then(|b| b.nat) != Some(NatRole::Outside) {
            return items;
        }
        let to_vrf = self.binding(to).and_then(|b| b.vrf.as_deref());
        let same_table = from_b.and_then(|b| b.vrf.as_deref()) == to_vrf;
        let outsides = Ivs::from_intervals(pairs.iter().map(|&(_, o)| o));
        let preimage = |dst: &Ivs| {
            let mut moved = Vec::new();
            for &((ilo, ihi), (olo, _)) in &pairs {
                let part = dst.clip(ilo, ihi);
                moved.extend(part.0.iter().map(|&(a, b)| (a - ilo + olo, b - ilo + olo)));
            }
            let moved = Ivs::from_intervals(moved);
            if same_table {
                moved.union(&dst.subtract(&outsides))
            } else {
                moved
            }
        };
        items
            .into_iter()
            .map(|it| {
                let mut space = Space::new();
                for (mut c, t) in it.space.cubes {
                    if c.family == Family::V4 {
                        c.dst = preimage(&c.dst);
                        if c.dst.is_empty() {
                            continue;
                        }
                    }
                    space.push(c, t);
                }
                Item { space, ..it }
            })
            .collect()
    }

    /// What the plant view of packets leaving by `interface` loses to translations that do not
    /// happen there, as drops to put before its outbound filter (see the module's
    /// documentation). Empty on a device without static entries.
    pub(super) fn outbound_drops(&self, file: &str, interface: &str) -> Vec<Item> {
        if self.nat.is_empty() {
            return Vec::new();
        }
        let b = self.binding(interface);
        let role = b.and_then(|b| b.nat);
        let vrf = b.and_then(|b| b.vrf.as_deref());
        let outside_of = |keep: &dyn Fn(&NatStatic) -> bool| {
            Ivs::from_intervals(
                self.nat
                    .iter()
                    .filter(|n| keep(n))
                    .map(|n| range(n.outside, n.len)),
            )
        };
        let (srcs, dsts) = match role {
            Some(NatRole::Outside) => return Vec::new(),
            Some(NatRole::Inside) => (
                outside_of(&|_| true),
                outside_of(&|n| n.vrf.as_ref().map(Word::as_str) != vrf),
            ),
            None => (outside_of(&|_| true), outside_of(&|_| true)),
        };
        let all = Family::V4.all_addrs();
        let mut out = Vec::new();
        for (src, dst, what) in [
            (srcs, all.clone(), "an outside source is not translated"),
            (all, dsts, "an outside destination is not translated"),
        ] {
            if src.is_empty() || dst.is_empty() {
                continue;
            }
            let tag: Tag = Arc::from(format!(
                "{file}: {interface} is not the other side of the translation: {what}"
            ));
            let mut space = Space::new();
            space.extend(
                Cube::new(
                    Family::V4,
                    src,
                    dst,
                    Ivs::range(0, 255),
                    Ivs::range(0, 65535),
                ),
                tag.clone(),
            );
            out.push(Item {
                space,
                term: Term::Drop,
                tag,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_swaps_inside_and_outside_and_keeps_the_rest() {
        let p = |s: &str| u128::from(u32::from(s.parse::<std::net::Ipv4Addr>().unwrap()));
        let pairs = vec![(
            (p("192.168.1.0"), p("192.168.1.255")),
            (p("10.50.1.0"), p("10.50.1.255")),
        )];
        let ivs = Ivs::from_intervals([
            (p("192.168.1.10"), p("192.168.1.10")),
            (p("10.50.1.20"), p("10.50.1.20")),
            (p("10.30.0.0"), p("10.30.0.255")),
        ]);
        let want = Ivs::from_intervals([
            (p("10.50.1.10"), p("10.50.1.10")),
            (p("192.168.1.20"), p("192.168.1.20")),
            (p("10.30.0.0"), p("10.30.0.255")),
        ]);
        assert_eq!(exchange(&ivs, &pairs), want);
        assert_eq!(exchange(&exchange(&ivs, &pairs), &pairs), ivs);
    }

    /// An outbound ACL on a skid's interface sees the inside destination (IOS translates before
    /// the output ACL): its plant view is the outside one, and an outbound ACL that drops the
    /// PLC's inside address drops the plant's packets to its outside address.
    #[test]
    fn an_inside_interfaces_outbound_acl_sees_inside_destinations() {
        use crate::dialect::config::accepted;
        use crate::packet::Packet;
        let text = "ip access-list extended OUT\n 10 deny tcp any host 192.168.1.10 eq 502\n 20 permit ip any any\n\
                    interface GigabitEthernet0/0\n ip nat outside\n\
                    interface GigabitEthernet0/1\n ip nat inside\n ip access-group OUT out\n\
                    ip nat inside source static network 192.168.1.0 10.50.1.0 /24\n";
        let cfg = super::super::parse::parse(text).unwrap();
        let r = cfg.resolved().as_ref().unwrap();
        let items = r.filter_items("f", "GigabitEthernet0/1", false).unwrap();
        let acc = accepted(&items);
        let pkt = |dst: &str| Packet {
            src: "10.30.0.10".parse().unwrap(),
            dst: dst.parse().unwrap(),
            proto: 6,
            sport: 40000,
            dport: 502,
            ack: false,
        };
        assert!(acc.contains(&pkt("10.50.1.10")).is_none());
        assert!(acc.contains(&pkt("10.50.1.11")).is_some());
        // Without `ip nat outside` anywhere nothing is translated: the ACL's own addresses.
        let cfg = super::super::parse::parse(&text.replace(" ip nat outside\n", "")).unwrap();
        let r = cfg.resolved().as_ref().unwrap();
        let acc = accepted(&r.filter_items("f", "GigabitEthernet0/1", false).unwrap());
        assert!(acc.contains(&pkt("192.168.1.10")).is_none());
    }
}
