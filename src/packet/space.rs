//! Exact packet sets for verify, expect and diff: a [`Space`] is a union of [`Cube`]s, each a
//! product of interval sets over (family, source, destination, protocol, source port, port, ACK).
//! The port dimension is the TCP/UDP destination port, the ICMP type for ICMP/ICMPv6, and the
//! single value 0 for every other protocol; the source port is 0 outside TCP/UDP; the ACK
//! dimension (a TCP segment with ACK or RST set, what IOS `established` tests) is 0 outside TCP.
//! So no cube ever holds a packet that cannot exist, and set equality is exact (no sampling).
//!
//! Stateful targets (nftables, iptables) decide new connections whatever their source port and
//! flags, so their cubes and the policy's flows span the whole source-port and ACK dimensions;
//! the two dimensions matter for stateless Cisco IOS ACLs, whose reply permits match the
//! responder's source port and `established`.
//!
//! Subtraction is the one expensive operation. `a - B` looks up only the cubes of `B` whose
//! destination hull overlaps `a` (an interval tree per family and protocol class), and skips
//! cubes present in both sides unchanged (a hash set), so comparing two policies that share
//! most of their flows, or a policy with the configuration generated from it, is near-linear.

use super::intervals::{self, IntervalTree};
use super::{AddrSet, Packet, ServiceItem};
use foldhash::HashSet;
use serde::Serialize;
use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A sorted set of disjoint, non-adjacent, inclusive intervals over `u128`.
///
/// The sets every cube repeats (a protocol class's protocols, the whole port, source-port and
/// ACK domains, every address of a family) are borrowed from statics: a cube copies them without
/// allocating, and set operations whose result is one of their operands return that operand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Ivs(pub Cow<'static, [(u128, u128)]>);

/// The single intervals cubes are made of most: domains, whole classes, whole families.
static SHARED: [(u128, u128); 10] = [
    (0, 0),
    (0, 1),
    (0, 255),
    (0, 65535),
    (0, u32::MAX as u128),
    (0, u128::MAX),
    (1, 1),
    (6, 6),
    (17, 17),
    (58, 58),
];

/// `[lo, hi]` as a shared static, when it is one.
fn shared(lo: u128, hi: u128) -> Option<&'static [(u128, u128)]> {
    let k = SHARED.iter().position(|&i| i == (lo, hi))?;
    Some(std::slice::from_ref(&SHARED[k]))
}

/// TCP and UDP.
const TCP_UDP: [(u128, u128); 2] = [(6, 6), (17, 17)];

impl Ivs {
    /// A normalised interval list, owned unless it is one of the shared ones.
    pub fn from_vec(v: Vec<(u128, u128)>) -> Ivs {
        match v[..] {
            [] => Ivs::empty(),
            [(lo, hi)] => Ivs(shared(lo, hi).map_or(Cow::Owned(v), Cow::Borrowed)),
            _ => Ivs(Cow::Owned(v)),
        }
    }
    /// TCP and UDP: the protocols whose header has its ports where `th dport`, `th sport` and
    /// `--dport` read.
    pub fn tcp_udp() -> Ivs {
        Ivs(Cow::Borrowed(&TCP_UDP))
    }
    pub fn empty() -> Ivs {
        Ivs(Cow::Borrowed(&[]))
    }
    pub fn range(lo: u128, hi: u128) -> Ivs {
        if lo > hi {
            return Ivs::empty();
        }
        Ivs(shared(lo, hi).map_or_else(|| Cow::Owned(vec![(lo, hi)]), Cow::Borrowed))
    }
    pub fn point(x: u128) -> Ivs {
        Ivs::range(x, x)
    }
    /// Builds a normalised set from arbitrary intervals.
    pub fn from_intervals(it: impl IntoIterator<Item = (u128, u128)>) -> Ivs {
        Ivs::from_vec(intervals::normalise(
            it.into_iter().filter(|(l, h)| l <= h).collect(),
        ))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `self ∩ [lo, hi]`.
    pub fn clip(&self, lo: u128, hi: u128) -> Ivs {
        if let [(a, b)] = self.0[..] {
            // The common case: one interval, no search.
            let (l, h) = (a.max(lo), b.min(hi));
            return if (l, h) == (a, b) {
                self.clone()
            } else {
                Ivs::range(l, h)
            };
        }
        let i = self.0.partition_point(|&(_, h)| h < lo);
        Ivs::from_vec(
            self.0[i..]
                .iter()
                .take_while(|&&(l, _)| l <= hi)
                .map(|&(l, h)| (l.max(lo), h.min(hi)))
                .collect(),
        )
    }
    /// Is this exactly `[lo, hi]`?
    pub fn is_range(&self, lo: u128, hi: u128) -> bool {
        self.0[..] == [(lo, hi)]
    }
    pub fn first(&self) -> Option<u128> {
        self.0.first().map(|i| i.0)
    }
    pub fn hull(&self) -> Option<(u128, u128)> {
        Some((self.0.first()?.0, self.0.last()?.1))
    }
    pub fn contains(&self, x: u128) -> bool {
        intervals::contains_point(&self.0, x)
    }
    pub fn union(&self, o: &Ivs) -> Ivs {
        Ivs::from_intervals(self.0.iter().chain(o.0.iter()).copied())
    }
    pub fn intersect(&self, o: &Ivs) -> Ivs {
        // One side inside the other's single interval, the common case: that side, uncopied.
        if let [(lo, hi)] = o.0[..] {
            if let Some((a, b)) = self.hull() {
                if lo <= a && b <= hi {
                    return self.clone();
                }
            }
        }
        if let [(lo, hi)] = self.0[..] {
            if let Some((a, b)) = o.hull() {
                if lo <= a && b <= hi {
                    return o.clone();
                }
            }
        }
        Ivs::from_vec(intervals::intersect(&self.0, &o.0))
    }
    pub fn overlaps(&self, o: &Ivs) -> bool {
        intervals::overlaps(&self.0, &o.0)
    }
    pub fn subtract(&self, o: &Ivs) -> Ivs {
        if !self.overlaps(o) {
            return self.clone();
        }
        Ivs::from_vec(intervals::subtract(&self.0, &o.0))
    }
    pub fn is_subset(&self, o: &Ivs) -> bool {
        intervals::contains_all(&o.0, &self.0)
    }
    /// Number of values (saturating).
    pub fn count(&self) -> u128 {
        self.0.iter().fold(0u128, |acc, &(l, h)| {
            acc.saturating_add((h - l).saturating_add(1))
        })
    }
}

/// IP family of a cube.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub const BOTH: [Family; 2] = [Family::V4, Family::V6];
    /// `v4` or `v6`, as generated set and chain names spell it.
    pub fn suffix(self) -> &'static str {
        match self {
            Family::V4 => "v4",
            Family::V6 => "v6",
        }
    }
    pub fn max_addr(self) -> u128 {
        match self {
            Family::V4 => u32::MAX as u128,
            Family::V6 => u128::MAX,
        }
    }
    pub fn of(ip: IpAddr) -> Family {
        if ip.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        }
    }
    pub fn addr(self, x: u128) -> IpAddr {
        match self {
            Family::V4 => IpAddr::V4(Ipv4Addr::from(x as u32)),
            Family::V6 => IpAddr::V6(Ipv6Addr::from(x)),
        }
    }
    /// One family's part of an address set.
    pub fn addrs(self, s: &AddrSet) -> Ivs {
        match self {
            Family::V4 => {
                Ivs::from_vec(s.v4.iter().map(|&(l, h)| (l as u128, h as u128)).collect())
            }
            Family::V6 => Ivs::from_vec(s.v6.clone()),
        }
    }
    pub fn all_addrs(self) -> Ivs {
        Ivs::range(0, self.max_addr())
    }
}

pub fn ip_to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u32::from(a) as u128,
        IpAddr::V6(a) => u128::from(a),
    }
}

/// Protocols split into classes by what the port dimensions mean for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Class {
    /// TCP: source and destination port 0-65535, ACK 0-1.
    Tcp,
    /// UDP: source and destination port 0-65535.
    Udp,
    /// ICMP, ICMPv6: type 0-255.
    Icmp,
    /// Every other protocol: the port dimensions are the single value 0.
    Other,
}

const CLASSES: [Class; 4] = [Class::Tcp, Class::Udp, Class::Icmp, Class::Other];

fn class_of(proto: u128) -> Class {
    match proto {
        6 => Class::Tcp,
        17 => Class::Udp,
        1 | 58 => Class::Icmp,
        _ => Class::Other,
    }
}

/// (source port, port, ACK) domains of a class, as inclusive ranges.
fn class_domains(c: Class) -> [(u128, u128); 3] {
    match c {
        Class::Tcp => [(0, 65535), (0, 65535), (0, 1)],
        Class::Udp => [(0, 65535), (0, 65535), (0, 0)],
        Class::Icmp => [(0, 0), (0, 255), (0, 0)],
        Class::Other => [(0, 0), (0, 0), (0, 0)],
    }
}

/// The protocols of the ICMP class.
const ICMP_PROTOS: [(u128, u128); 2] = [(1, 1), (58, 58)];

/// The protocols of every other protocol class.
const OTHER_PROTOS: [(u128, u128); 5] = [(0, 0), (2, 5), (7, 16), (18, 57), (59, 255)];

/// The part of a protocol set in one class.
fn class_protos(proto: &Ivs, c: Class) -> Ivs {
    match c {
        Class::Tcp => proto.clip(6, 6),
        Class::Udp => proto.clip(17, 17),
        Class::Icmp => match (proto.contains(1), proto.contains(58)) {
            (true, true) => Ivs(Cow::Borrowed(&ICMP_PROTOS)),
            (true, false) => Ivs::point(1),
            (false, true) => Ivs::point(58),
            (false, false) => Ivs::empty(),
        },
        Class::Other => {
            let v = proto.intersect(&Ivs(Cow::Borrowed(&OTHER_PROTOS)));
            if v.0[..] == OTHER_PROTOS {
                Ivs(Cow::Borrowed(&OTHER_PROTOS))
            } else {
                v
            }
        }
    }
}

/// Does this protocol set hold exactly one whole class?
fn whole_class_protos(proto: &Ivs, c: Class) -> bool {
    match c {
        Class::Tcp => proto.is_range(6, 6),
        Class::Udp => proto.is_range(17, 17),
        Class::Icmp => proto.0[..] == [(1, 1), (58, 58)],
        Class::Other => proto.0[..] == OTHER_PROTOS,
    }
}

/// A product of interval sets; every protocol in it belongs to one class.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Cube {
    pub family: Family,
    pub src: Ivs,
    pub dst: Ivs,
    pub proto: Ivs,
    /// Destination port, ICMP type, or {0}.
    pub port: Ivs,
    /// Source port (TCP, UDP), or {0}.
    pub sport: Ivs,
    /// 1: a TCP segment with ACK or RST set; 0: without (the first of a connection), and every
    /// packet of other protocols.
    pub ack: Ivs,
}

/// A cube hashes by the ends of its address and port dimensions and its first protocol: equal
/// cubes hash alike, and the cubes of one space rarely share all of them. Hashing every
/// interval of every dimension was 3% of `verify`'s time (the index of a space's cubes).
impl std::hash::Hash for Cube {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.family.hash(h);
        self.src.hull().hash(h);
        self.dst.hull().hash(h);
        self.proto.first().hash(h);
        self.port.hull().hash(h);
    }
}

impl Cube {
    /// Cubes for arbitrary dimension sets, any source port and flags: split by protocol class,
    /// ports clipped to the class's domain, empty parts dropped.
    pub fn new(family: Family, src: Ivs, dst: Ivs, proto: Ivs, port: Ivs) -> Vec<Cube> {
        Cube::with_ports(
            family,
            src,
            dst,
            proto,
            Ivs::range(0, 65535),
            port,
            Ivs::range(0, 1),
        )
    }

    /// [`Cube::new`] with the source port and ACK dimensions given too.
    pub fn with_ports(
        family: Family,
        src: Ivs,
        dst: Ivs,
        proto: Ivs,
        sport: Ivs,
        port: Ivs,
        ack: Ivs,
    ) -> Vec<Cube> {
        let src = src.clip(0, family.max_addr());
        let dst = dst.clip(0, family.max_addr());
        if src.is_empty() || dst.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for c in CLASSES {
            let p = class_protos(&proto, c);
            if p.is_empty() {
                continue;
            }
            let [ds, dp, da] = class_domains(c);
            let s = sport.clip(ds.0, ds.1);
            let q = port.clip(dp.0, dp.1);
            let a = ack.clip(da.0, da.1);
            if !s.is_empty() && !q.is_empty() && !a.is_empty() {
                out.push(Cube {
                    family,
                    src: src.clone(),
                    dst: dst.clone(),
                    proto: p,
                    port: q,
                    sport: s,
                    ack: a,
                });
            }
        }
        out
    }

    /// Every packet of one family and protocol class.
    fn whole(family: Family, c: Class) -> Cube {
        let [ds, dp, da] = class_domains(c);
        Cube {
            family,
            src: family.all_addrs(),
            dst: family.all_addrs(),
            proto: class_protos(&Ivs::range(0, 255), c),
            port: Ivs::range(dp.0, dp.1),
            sport: Ivs::range(ds.0, ds.1),
            ack: Ivs::range(da.0, da.1),
        }
    }

    /// Every packet of a family, one cube per protocol class.
    pub fn universe(family: Family) -> [Cube; 4] {
        CLASSES.map(|c| Cube::whole(family, c))
    }

    /// Is this cube every packet of its family and protocol class? Returns the class's index.
    pub fn whole_class(&self) -> Option<usize> {
        let c = class_of(self.proto.first()?);
        let max = self.family.max_addr();
        let [ds, dp, da] = class_domains(c);
        (self.src.is_range(0, max)
            && self.dst.is_range(0, max)
            && whole_class_protos(&self.proto, c)
            && self.port.is_range(dp.0, dp.1)
            && self.sport.is_range(ds.0, ds.1)
            && self.ack.is_range(da.0, da.1))
        .then(|| CLASSES.iter().position(|&x| x == c).unwrap_or(0))
    }

    /// The index of the protocol class the cube's protocols belong to.
    pub fn class_index(&self) -> Option<usize> {
        let c = class_of(self.proto.first()?);
        CLASSES.iter().position(|&x| x == c)
    }

    /// The cubes of one service item between two address sets, for one family (empty when the
    /// item does not apply to the family, as [`Packet::matches`] decides).
    pub fn of_item(family: Family, src: &AddrSet, dst: &AddrSet, item: &ServiceItem) -> Vec<Cube> {
        let s = family.addrs(src);
        let d = family.addrs(dst);
        let (proto, port) = match (item, family) {
            (ServiceItem::Tcp { ports }, _) => (
                Ivs::point(6),
                Ivs::range(ports.lo as u128, ports.hi as u128),
            ),
            (ServiceItem::Udp { ports }, _) => (
                Ivs::point(17),
                Ivs::range(ports.lo as u128, ports.hi as u128),
            ),
            (ServiceItem::Icmp { icmp_type }, Family::V4) => (Ivs::point(1), type_ivs(*icmp_type)),
            (ServiceItem::Icmpv6 { icmp_type }, Family::V6) => {
                (Ivs::point(58), type_ivs(*icmp_type))
            }
            (ServiceItem::Icmp { .. } | ServiceItem::Icmpv6 { .. }, _) => return Vec::new(),
            (ServiceItem::Ip { number }, _) => (Ivs::point(*number as u128), Ivs::range(0, 65535)),
            (ServiceItem::AnyIp, _) => (Ivs::range(0, 255), Ivs::range(0, 65535)),
            (ServiceItem::Ether { .. }, _) => return Vec::new(),
        };
        Cube::new(family, s, d, proto, port)
    }

    /// Both families of an item.
    pub fn of_item_all(src: &AddrSet, dst: &AddrSet, item: &ServiceItem) -> Vec<Cube> {
        let mut v = Cube::of_item(Family::V4, src, dst, item);
        v.extend(Cube::of_item(Family::V6, src, dst, item));
        v
    }

    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
            || self.dst.is_empty()
            || self.proto.is_empty()
            || self.port.is_empty()
            || self.sport.is_empty()
            || self.ack.is_empty()
    }

    pub fn overlaps(&self, o: &Cube) -> bool {
        self.family == o.family
            && self.proto.overlaps(&o.proto)
            && self.port.overlaps(&o.port)
            && self.dst.overlaps(&o.dst)
            && self.src.overlaps(&o.src)
            && self.sport.overlaps(&o.sport)
            && self.ack.overlaps(&o.ack)
    }

    pub fn intersect(&self, o: &Cube) -> Option<Cube> {
        if self.family != o.family {
            return None;
        }
        let c = Cube {
            family: self.family,
            src: self.src.intersect(&o.src),
            dst: self.dst.intersect(&o.dst),
            proto: self.proto.intersect(&o.proto),
            port: self.port.intersect(&o.port),
            sport: self.sport.intersect(&o.sport),
            ack: self.ack.intersect(&o.ack),
        };
        (!c.is_empty()).then_some(c)
    }

    pub fn is_subset(&self, o: &Cube) -> bool {
        self.family == o.family
            && self.proto.is_subset(&o.proto)
            && self.port.is_subset(&o.port)
            && self.dst.is_subset(&o.dst)
            && self.src.is_subset(&o.src)
            && self.sport.is_subset(&o.sport)
            && self.ack.is_subset(&o.ack)
    }

    /// `self - o` as at most six disjoint cubes.
    pub fn subtract(&self, o: &Cube) -> Vec<Cube> {
        if !self.overlaps(o) {
            return vec![self.clone()];
        }
        let mut out = Vec::new();
        let mut cur = self.clone();
        // One dimension after another: the part of `cur` outside `o` in that dimension is a
        // piece of the result, the rest goes on to the next dimension.
        // Where `cur` lies inside `o` in a dimension (no rest), it stays as it is there.
        macro_rules! peel {
            ($d:ident) => {
                let rest = cur.$d.subtract(&o.$d);
                if !rest.is_empty() {
                    let inside = cur.$d.intersect(&o.$d);
                    cur.$d = rest;
                    out.push(cur.clone());
                    cur.$d = inside;
                }
            };
        }
        peel!(proto);
        peel!(port);
        peel!(dst);
        peel!(src);
        peel!(sport);
        let a = cur.ack.subtract(&o.ack);
        if !a.is_empty() {
            out.push(Cube { ack: a, ..cur });
        }
        out
    }

    /// A concrete packet in the cube: the lowest value of every dimension, except a source port
    /// of 40000 where the cube allows it (an ephemeral port reads better than 0).
    pub fn witness(&self) -> Option<Packet> {
        let src = self.src.first()?;
        let dst = self.dst.first()?;
        let proto = self.proto.first()?;
        let port = self.port.first()?;
        let sport = if self.sport.contains(40000) {
            40000
        } else {
            self.sport.first()?
        };
        let ack = self.ack.first()?;
        Some(Packet {
            src: self.family.addr(src),
            dst: self.family.addr(dst),
            proto: proto as u8,
            sport: sport as u16,
            dport: port as u16,
            ack: ack == 1,
        })
    }

    pub fn contains(&self, pkt: &Packet) -> bool {
        Family::of(pkt.src) == self.family
            && Family::of(pkt.dst) == self.family
            && self.src.contains(ip_to_u128(pkt.src))
            && self.dst.contains(ip_to_u128(pkt.dst))
            && self.proto.contains(pkt.proto as u128)
            && self.port.contains(packet_port(pkt))
            && self.sport.contains(packet_sport(pkt))
            && self.ack.contains((pkt.ack && pkt.proto == 6) as u128)
    }
}

/// The port-dimension value of a packet (0 for protocols without ports).
pub fn packet_port(pkt: &Packet) -> u128 {
    match class_of(pkt.proto as u128) {
        Class::Tcp | Class::Udp | Class::Icmp => pkt.dport as u128,
        Class::Other => 0,
    }
}

/// The source-port-dimension value of a packet (0 outside TCP and UDP).
pub fn packet_sport(pkt: &Packet) -> u128 {
    match class_of(pkt.proto as u128) {
        Class::Tcp | Class::Udp => pkt.sport as u128,
        Class::Icmp | Class::Other => 0,
    }
}

fn type_ivs(t: Option<u8>) -> Ivs {
    match t {
        Some(t) => Ivs::point(t as u128),
        None => Ivs::range(0, 255),
    }
}

/// Below this many cubes, set operations go pairwise instead of through an [`Index`].
const SMALL: usize = 8;

/// A union of cubes (possibly overlapping), each tagged with where it came from (a flow, a
/// configuration line): `T` is carried through subtraction so a difference can name its cause.
#[derive(Debug, Clone)]
pub struct Space<T = ()> {
    pub cubes: Vec<(Cube, T)>,
}

impl<T> Default for Space<T> {
    fn default() -> Self {
        Space { cubes: Vec::new() }
    }
}

impl<T: Clone> Space<T> {
    pub fn new() -> Self {
        Space { cubes: Vec::new() }
    }
    pub fn push(&mut self, c: Cube, tag: T) {
        if !c.is_empty() {
            self.cubes.push((c, tag));
        }
    }
    pub fn extend(&mut self, cs: impl IntoIterator<Item = Cube>, tag: T) {
        for c in cs {
            self.push(c, tag.clone());
        }
    }
    pub fn is_empty(&self) -> bool {
        self.cubes.is_empty()
    }
    pub fn len(&self) -> usize {
        self.cubes.len()
    }
    pub fn contains(&self, pkt: &Packet) -> Option<&T> {
        self.cubes
            .iter()
            .find(|(c, _)| c.contains(pkt))
            .map(|(_, t)| t)
    }
    /// Everything in `self` that is not in `other`, each residue keeping its tag.
    pub fn subtract<U>(&self, other: &Space<U>) -> Space<T> {
        if other.cubes.len() <= SMALL {
            // A few cubes: pairwise, without building an index.
            let mut out = Space::new();
            let (mut pieces, mut next) = (Vec::new(), Vec::new());
            for (c, t) in &self.cubes {
                pieces.push(c.clone());
                for (b, _) in &other.cubes {
                    if pieces.is_empty() {
                        break;
                    }
                    // Pieces that `b` misses stay, in their order: moved only when one is cut.
                    if pieces.iter().any(|p: &Cube| p.overlaps(b)) {
                        cut(&mut pieces, &mut next, b);
                    }
                }
                out.cubes.extend(pieces.drain(..).map(|p| (p, t.clone())));
            }
            return out;
        }
        let idx = Index::build(other.cubes.iter().map(|(c, _)| c));
        let mut out = Space::new();
        for (c, t) in &self.cubes {
            for r in idx.subtract_from(c) {
                out.cubes.push((r, t.clone()));
            }
        }
        out
    }
    /// The parts of `self` that lie in `other`, each with both tags.
    pub fn intersect<U: Clone>(&self, other: &Space<U>) -> Vec<(Cube, T, U)> {
        if other.cubes.len() <= SMALL {
            let mut out = Vec::new();
            for (c, t) in &self.cubes {
                for (b, u) in &other.cubes {
                    if let Some(x) = c.intersect(b) {
                        out.push((x, t.clone(), u.clone()));
                    }
                }
            }
            return out;
        }
        let idx = Index::build(other.cubes.iter().map(|(c, _)| c));
        let mut out = Vec::new();
        for (c, t) in &self.cubes {
            idx.for_overlapping(c, |j| {
                if let Some(x) = c.intersect(&other.cubes[j].0) {
                    out.push((x, t.clone(), other.cubes[j].1.clone()));
                }
            });
        }
        out
    }
    /// Is every packet of `self` in `other`?
    pub fn is_subset<U>(&self, other: &Space<U>) -> bool {
        let idx = Index::build(other.cubes.iter().map(|(c, _)| c));
        self.cubes
            .iter()
            .all(|(c, _)| idx.subtract_from(c).is_empty())
    }
    pub fn untagged(&self) -> Space<()> {
        Space {
            cubes: self.cubes.iter().map(|(c, _)| (c.clone(), ())).collect(),
        }
    }
}

/// The cubes of a space, indexed for overlap queries: per (family, protocol class), an interval
/// tree over destination hulls (destination addresses are where policies are most selective).
pub struct Index<'a> {
    cubes: Vec<&'a Cube>,
    /// Looked up, never iterated.
    exact: HashSet<&'a Cube>,
    /// (family, class) -> tree
    trees: Vec<((Family, Class), IntervalTree)>,
}

/// (low end, high end, cube index) of one indexed cube.
type TreeItem = (u128, u128, usize);

impl<'a> Index<'a> {
    pub fn build(cubes: impl IntoIterator<Item = &'a Cube>) -> Index<'a> {
        let cubes: Vec<&Cube> = cubes.into_iter().collect();
        let exact = cubes.iter().copied().collect();
        let mut groups: std::collections::BTreeMap<(Family, Class), Vec<TreeItem>> =
            Default::default();
        for (i, c) in cubes.iter().enumerate() {
            let (Some((lo, hi)), Some(p)) = (c.dst.hull(), c.proto.first()) else {
                continue;
            };
            groups
                .entry((c.family, class_of(p)))
                .or_default()
                .push((lo, hi, i));
        }
        let trees = groups
            .into_iter()
            .map(|(k, v)| (k, IntervalTree::build(v)))
            .collect();
        Index {
            cubes,
            exact,
            trees,
        }
    }

    /// Calls `f` with the index of every cube that overlaps `c`.
    pub fn for_overlapping(&self, c: &Cube, mut f: impl FnMut(usize)) {
        let (Some((lo, hi)), Some(p)) = (c.dst.hull(), c.proto.first()) else {
            return;
        };
        let key = (c.family, class_of(p));
        let Some((_, tree)) = self.trees.iter().find(|(k, _)| *k == key) else {
            return;
        };
        tree.overlapping(lo, hi, &mut |i| {
            if self.cubes[i].overlaps(c) {
                f(i)
            }
        });
    }

    /// `c` minus every indexed cube, as disjoint cubes.
    pub fn subtract_from(&self, c: &Cube) -> Vec<Cube> {
        if self.exact.contains(c) {
            return Vec::new();
        }
        let mut hits = Vec::new();
        self.for_overlapping(c, |i| hits.push(i));
        // Largest first: a cube that covers `c` ends the work at once.
        hits.sort_by_key(|&i| std::cmp::Reverse(self.cubes[i].dst.count()));
        let mut pieces = vec![c.clone()];
        let mut next = Vec::new();
        for i in hits {
            cut(&mut pieces, &mut next, self.cubes[i]);
            if pieces.is_empty() {
                break;
            }
        }
        pieces
    }
}

/// `pieces` without `b`, in their order, each piece `b` overlaps replaced by what is left of it;
/// `next` is the second buffer the pieces move through (left empty).
fn cut(pieces: &mut Vec<Cube>, next: &mut Vec<Cube>, b: &Cube) {
    for p in pieces.drain(..) {
        if p.overlaps(b) {
            next.extend(p.subtract(b));
        } else {
            next.push(p);
        }
    }
    std::mem::swap(pieces, next);
}

/// Merges cubes that differ in one dimension only, to describe a difference in few lines.
pub fn coalesce(mut cubes: Vec<Cube>) -> Vec<Cube> {
    loop {
        cubes.sort();
        cubes.dedup();
        let before = cubes.len();
        let mut out: Vec<Cube> = Vec::with_capacity(cubes.len());
        'next: for c in cubes {
            for o in out.iter_mut() {
                if let Some(m) = merge(o, &c) {
                    *o = m;
                    continue 'next;
                }
            }
            out.push(c);
        }
        cubes = out;
        if cubes.len() == before || cubes.len() > 2000 {
            return cubes;
        }
    }
}

fn merge(a: &Cube, b: &Cube) -> Option<Cube> {
    if a.family != b.family || a.sport != b.sport {
        return None;
    }
    // A TCP and a UDP cube that differ only in protocol merge for display (`tcp/502, udp/502`)
    // when both span their class's whole ACK domain; the merged cube is only described, never
    // decided with.
    let whole_ack = |c: &Cube| {
        c.proto.first().is_some_and(|p| {
            let (lo, hi) = class_domains(class_of(p))[2];
            c.ack.is_range(lo, hi)
        })
    };
    let ack_same = a.ack == b.ack || (whole_ack(a) && whole_ack(b));
    if !ack_same {
        return None;
    }
    let same = [
        a.src == b.src,
        a.dst == b.dst,
        a.proto == b.proto,
        a.port == b.port,
    ];
    let diff = same.iter().filter(|s| !**s).count();
    if diff > 1 || (diff == 0 && a.ack != b.ack) || (a.ack != b.ack && same[2]) {
        return None;
    }
    let mut m = a.clone();
    if !same[0] {
        m.src = a.src.union(&b.src);
    } else if !same[1] {
        m.dst = a.dst.union(&b.dst);
    } else if !same[2] {
        let (ca, cb) = (class_of(a.proto.first()?), class_of(b.proto.first()?));
        let ports = |c| matches!(c, Class::Tcp | Class::Udp);
        if ca != cb && !(ports(ca) && ports(cb)) {
            return None;
        }
        m.proto = a.proto.union(&b.proto);
        m.ack = a.ack.union(&b.ack);
    } else if !same[3] {
        m.port = a.port.union(&b.port);
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::PortRange;

    fn ivs(v: &[(u128, u128)]) -> Ivs {
        Ivs::from_intervals(v.iter().copied())
    }

    #[test]
    fn interval_set_algebra() {
        let a = ivs(&[(0, 10), (20, 30)]);
        let b = ivs(&[(5, 25)]);
        assert_eq!(a.subtract(&b), ivs(&[(0, 4), (26, 30)]));
        assert_eq!(a.intersect(&b), ivs(&[(5, 10), (20, 25)]));
        assert_eq!(a.union(&b), ivs(&[(0, 30)]));
        assert!(ivs(&[(6, 7)]).is_subset(&a));
        assert_eq!(
            Ivs::range(0, u128::MAX).subtract(&Ivs::point(u128::MAX)),
            Ivs::range(0, u128::MAX - 1)
        );
        assert_eq!(
            Ivs::range(0, u128::MAX).subtract(&Ivs::range(0, u128::MAX)),
            Ivs::empty()
        );
        assert_eq!(ivs(&[(0, 3), (4, 5)]), ivs(&[(0, 5)]));
    }

    /// The shortcuts (shared statics, an operand returned as the result) give the sets the
    /// interval routines compute, over sets near the shared ones and random ones.
    #[test]
    fn shortcuts_agree_with_the_interval_routines() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u128| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u128 % n
        };
        let mut sets: Vec<Ivs> = SHARED.iter().map(|&(l, h)| Ivs::range(l, h)).collect();
        sets.push(Ivs::empty());
        sets.push(Ivs(Cow::Borrowed(&OTHER_PROTOS)));
        sets.push(Ivs(Cow::Borrowed(&ICMP_PROTOS)));
        for _ in 0..200 {
            let k = 1 + next(4) as usize;
            let top = [2, 256, 65536, 1 << 32][next(4) as usize];
            sets.push(Ivs::from_intervals((0..k).map(|_| {
                let a = next(top);
                (a, a + next(top / 2 + 1))
            })));
        }
        for a in &sets {
            for b in &sets {
                assert_eq!(a.intersect(b).0[..], intervals::intersect(&a.0, &b.0)[..]);
                assert_eq!(a.subtract(b).0[..], intervals::subtract(&a.0, &b.0)[..]);
            }
            for (lo, hi) in [(0, 0), (0, 65535), (6, 6), (1, 58), (100, 70_000)] {
                let want: Vec<(u128, u128)> =
                    a.0.iter()
                        .filter(|&&(l, h)| l <= hi && h >= lo)
                        .map(|&(l, h)| (l.max(lo), h.min(hi)))
                        .collect();
                assert_eq!(a.clip(lo, hi).0[..], want[..]);
            }
            for c in CLASSES {
                let want = intervals::intersect(
                    &a.0,
                    &match c {
                        Class::Tcp => vec![(6, 6)],
                        Class::Udp => vec![(17, 17)],
                        Class::Icmp => ICMP_PROTOS.to_vec(),
                        Class::Other => OTHER_PROTOS.to_vec(),
                    },
                );
                assert_eq!(class_protos(a, c).0[..], want[..]);
            }
        }
        // The domains every cube repeats are not allocated.
        for (l, h) in SHARED {
            assert!(matches!(Ivs::range(l, h).0, Cow::Borrowed(_)));
        }
        assert!(matches!(Ivs::empty().0, Cow::Borrowed(_)));
    }

    fn net(s: &str) -> AddrSet {
        AddrSet::from_net(s.parse().unwrap())
    }

    #[test]
    fn cube_subtraction_and_witness() {
        let all = Cube::of_item(
            Family::V4,
            &net("10.0.0.0/8"),
            &net("10.1.0.0/16"),
            &ServiceItem::AnyIp,
        );
        assert_eq!(all.len(), 4, "one cube per protocol class");
        let tcp = Cube::of_item(
            Family::V4,
            &net("10.0.0.0/8"),
            &net("10.1.0.0/16"),
            &ServiceItem::Tcp {
                ports: PortRange::one(502),
            },
        );
        let mut a = Space::new();
        a.extend(all, ());
        let mut b = Space::new();
        b.extend(tcp, ());
        let rest = a.subtract(&b);
        assert!(!rest.is_empty());
        assert!(b.subtract(&a).is_empty());
        for (c, _) in &rest.cubes {
            let w = c.witness().unwrap();
            assert!(c.contains(&w));
            assert!(!(w.proto == 6 && w.dport == 502));
        }
    }

    #[test]
    fn icmp_does_not_apply_to_v6() {
        let s = AddrSet::all();
        assert!(
            Cube::of_item(Family::V6, &s, &s, &ServiceItem::Icmp { icmp_type: None }).is_empty()
        );
        assert_eq!(
            Cube::of_item(
                Family::V4,
                &s,
                &s,
                &ServiceItem::Icmp { icmp_type: Some(8) }
            )
            .len(),
            1
        );
    }

    #[test]
    fn many_disjoint_cubes_are_fast() {
        let mut a: Space<usize> = Space::new();
        for i in 0..100_000u128 {
            let c = Cube::new(
                Family::V4,
                Ivs::point(i),
                Ivs::point(1_000_000 + i),
                Ivs::point(6),
                Ivs::point(502),
            );
            a.extend(c, i as usize);
        }
        let b = a.clone();
        let t = std::time::Instant::now();
        assert!(a.subtract(&b).is_empty());
        // A copy with changed cubes (no exact matches): the tree does the work.
        let mut c2: Space<usize> = Space::new();
        for i in 0..100_000u128 {
            c2.extend(
                Cube::new(
                    Family::V4,
                    Ivs::range(i, i + 1),
                    Ivs::point(1_000_000 + i),
                    Ivs::point(6),
                    Ivs::point(502),
                ),
                0,
            );
        }
        assert!(a.subtract(&c2).is_empty());
        assert!(t.elapsed().as_secs() < 10);
    }
}
