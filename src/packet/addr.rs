//! Address sets: sorted, merged intervals over IPv4 and IPv6, kept apart. Every zone, asset and
//! flow end is one of these, so containment, overlap and packet evaluation are exact.
//! CIDR output uses `ipnet` (range to prefixes, aggregation).

use super::intervals::{contains_all, contains_point, intersect, normalise, overlaps, subtract};
use ipnet::{IpNet, Ipv4Net, Ipv4Subnets, Ipv6Net, Ipv6Subnets};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddrSet {
    /// Disjoint, non-adjacent, sorted inclusive intervals.
    pub v4: Vec<(u32, u32)>,
    pub v6: Vec<(u128, u128)>,
}

/// Serialised as prefix lists (`{"v4": ["10.30.0.21/32", ...], "v6": [...]}`): exact, readable,
/// and free of 128-bit integers, which JSON tools cannot hold.
impl Serialize for AddrSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View {
            v4: Vec<String>,
            v6: Vec<String>,
        }
        View {
            v4: self.v4_nets().iter().map(|n| n.to_string()).collect(),
            v6: self.v6_nets().iter().map(|n| n.to_string()).collect(),
        }
        .serialize(serializer)
    }
}

impl AddrSet {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn all() -> Self {
        AddrSet {
            v4: vec![(0, u32::MAX)],
            v6: vec![(0, u128::MAX)],
        }
    }
    pub fn from_net(net: IpNet) -> Self {
        let mut s = AddrSet::new();
        s.add_net(net);
        s
    }
    pub fn add_net(&mut self, net: IpNet) {
        match net {
            IpNet::V4(n) => self.add_v4(u32::from(n.network()), u32::from(n.broadcast())),
            IpNet::V6(n) => self.add_v6(u128::from(n.network()), u128::from(n.broadcast())),
        }
    }
    pub fn add_v4(&mut self, lo: u32, hi: u32) {
        self.v4.push((lo, hi));
        self.v4 = normalise(std::mem::take(&mut self.v4));
    }
    pub fn add_v6(&mut self, lo: u128, hi: u128) {
        self.v6.push((lo, hi));
        self.v6 = normalise(std::mem::take(&mut self.v6));
    }
    pub fn add_range(&mut self, lo: IpAddr, hi: IpAddr) {
        match (lo, hi) {
            (IpAddr::V4(a), IpAddr::V4(b)) => self.add_v4(a.into(), b.into()),
            (IpAddr::V6(a), IpAddr::V6(b)) => self.add_v6(a.into(), b.into()),
            _ => {}
        }
    }
    /// The part of the set inside `from`, moved to the same offsets inside `to` (a static 1:1
    /// translation of one network onto another of the same family and length; anything else
    /// gives the empty set).
    pub fn translate(&self, from: IpNet, to: IpNet) -> AddrSet {
        let mut out = AddrSet::new();
        if from.prefix_len() != to.prefix_len() {
            return out;
        }
        let part = self.intersect(&AddrSet::from_net(from));
        match (from, to) {
            (IpNet::V4(f), IpNet::V4(t)) => {
                let (f, t) = (u32::from(f.network()), u32::from(t.network()));
                out.v4 = part
                    .v4
                    .iter()
                    .map(|&(lo, hi)| (lo - f + t, hi - f + t))
                    .collect();
            }
            (IpNet::V6(f), IpNet::V6(t)) => {
                let (f, t) = (u128::from(f.network()), u128::from(t.network()));
                out.v6 = part
                    .v6
                    .iter()
                    .map(|&(lo, hi)| (lo - f + t, hi - f + t))
                    .collect();
            }
            _ => {}
        }
        out
    }
    pub fn union(&self, other: &AddrSet) -> AddrSet {
        AddrSet {
            v4: normalise(self.v4.iter().chain(&other.v4).copied().collect()),
            v6: normalise(self.v6.iter().chain(&other.v6).copied().collect()),
        }
    }
    pub fn union_all<'a>(sets: impl IntoIterator<Item = &'a AddrSet>) -> AddrSet {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for s in sets {
            v4.extend_from_slice(&s.v4);
            v6.extend_from_slice(&s.v6);
        }
        AddrSet {
            v4: normalise(v4),
            v6: normalise(v6),
        }
    }
    pub fn intersect(&self, other: &AddrSet) -> AddrSet {
        AddrSet {
            v4: intersect(&self.v4, &other.v4),
            v6: intersect(&self.v6, &other.v6),
        }
    }
    /// The addresses of `self` that are not in `other`.
    pub fn subtract(&self, other: &AddrSet) -> AddrSet {
        AddrSet {
            v4: subtract(&self.v4, &other.v4),
            v6: subtract(&self.v6, &other.v6),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }
    pub fn contains_set(&self, other: &AddrSet) -> bool {
        contains_all(&self.v4, &other.v4) && contains_all(&self.v6, &other.v6)
    }
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => contains_point(&self.v4, u32::from(a)),
            IpAddr::V6(a) => contains_point(&self.v6, u128::from(a)),
        }
    }
    pub fn overlaps(&self, other: &AddrSet) -> bool {
        overlaps(&self.v4, &other.v4) || overlaps(&self.v6, &other.v6)
    }
    /// The fewest IPv4 prefixes covering exactly this set (ipnet does the decomposition).
    pub fn v4_nets(&self) -> Vec<Ipv4Net> {
        self.v4
            .iter()
            .flat_map(|&(lo, hi)| Ipv4Subnets::new(Ipv4Addr::from(lo), Ipv4Addr::from(hi), 0))
            .collect()
    }
    pub fn v6_nets(&self) -> Vec<Ipv6Net> {
        self.v6
            .iter()
            .flat_map(|&(lo, hi)| Ipv6Subnets::new(Ipv6Addr::from(lo), Ipv6Addr::from(hi), 0))
            .collect()
    }
    pub fn nets(&self) -> Vec<IpNet> {
        self.v4_nets()
            .into_iter()
            .map(IpNet::V4)
            .chain(self.v6_nets().into_iter().map(IpNet::V6))
            .collect()
    }
    /// Number of intervals, a measure of how large a rendered set is.
    pub fn interval_count(&self) -> usize {
        self.v4.len() + self.v6.len()
    }
    /// A representative address (the lowest), for counterexamples and tests.
    pub fn first_v4(&self) -> Option<Ipv4Addr> {
        self.v4.first().map(|&(lo, _)| Ipv4Addr::from(lo))
    }
    pub fn first_v6(&self) -> Option<Ipv6Addr> {
        self.v6.first().map(|&(lo, _)| Ipv6Addr::from(lo))
    }
    /// The part of the set of one family only.
    pub fn only_v4(&self) -> AddrSet {
        AddrSet {
            v4: self.v4.clone(),
            v6: Vec::new(),
        }
    }
    pub fn only_v6(&self) -> AddrSet {
        AddrSet {
            v4: Vec::new(),
            v6: self.v6.clone(),
        }
    }
}

impl std::fmt::Display for AddrSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.nets().iter().map(|n| n.to_string()).collect();
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_adjacent_and_decomposes_to_prefixes() {
        let mut s = AddrSet::new();
        s.add_range("10.30.0.21".parse().unwrap(), "10.30.0.22".parse().unwrap());
        s.add_range("10.30.0.23".parse().unwrap(), "10.30.0.23".parse().unwrap());
        assert_eq!(s.v4.len(), 1);
        let nets: Vec<String> = s.v4_nets().iter().map(|n| n.to_string()).collect();
        assert_eq!(nets, ["10.30.0.21/32", "10.30.0.22/31"]);
    }

    #[test]
    fn full_ranges_do_not_overflow() {
        let mut s = AddrSet::new();
        s.add_net("0.0.0.0/0".parse().unwrap());
        s.add_net("::/0".parse().unwrap());
        s.add_net("10.0.0.0/8".parse().unwrap());
        assert_eq!(s, AddrSet::all());
        assert_eq!(s.nets().len(), 2);
    }

    #[test]
    fn containment_and_intersection() {
        let zone = AddrSet::from_net("10.40.0.0/22".parse().unwrap());
        let asset = AddrSet::from_net("10.40.1.0/24".parse().unwrap());
        let outside = AddrSet::from_net("10.40.4.0/24".parse().unwrap());
        assert!(zone.contains_set(&asset));
        assert!(!zone.contains_set(&outside));
        assert!(zone.overlaps(&asset));
        assert!(!zone.overlaps(&outside));
        assert!(zone.contains("10.40.3.255".parse().unwrap()));
        assert!(!zone.contains("10.40.4.0".parse().unwrap()));
    }
}

#[cfg(test)]
mod subtract_tests {
    use super::AddrSet;

    /// Every pair of small interval sets over 0..12 (plus the ends of the space): the
    /// difference holds exactly the points of one and not the other.
    #[test]
    fn subtract_is_exact() {
        let sets: Vec<Vec<(u32, u32)>> = {
            let mut v = vec![vec![], vec![(0, u32::MAX)], vec![(u32::MAX, u32::MAX)]];
            for a in 0..12u32 {
                for b in a..12 {
                    v.push(vec![(a, b)]);
                    for c in b + 2..12 {
                        v.push(vec![(a, b), (c, c + (a % 3))]);
                    }
                }
            }
            v
        };
        let points: Vec<u32> = (0..16).chain([u32::MAX - 1, u32::MAX]).collect();
        for a in &sets {
            for b in &sets {
                let sa = AddrSet {
                    v4: a.clone(),
                    v6: vec![],
                };
                let sb = AddrSet {
                    v4: b.clone(),
                    v6: vec![],
                };
                let d = sa.subtract(&sb);
                for &p in &points {
                    let ip = std::net::IpAddr::V4(p.into());
                    assert_eq!(
                        d.contains(ip),
                        sa.contains(ip) && !sb.contains(ip),
                        "{a:?} - {b:?} at {p}: {d:?}"
                    );
                }
                assert!(d.v4.windows(2).all(|w| w[0].1 < w[1].0), "{d:?}");
            }
        }
    }
}
