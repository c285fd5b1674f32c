//! Pass 5 helpers shared by the Linux backends (`nftables`, `iptables`): text that reaches a
//! configuration through the sanitiser with a warning when it changes, identifiers that can
//! never be keywords or collide, addresses as intervals, and the per-family split of a device's
//! rules into disjoint boxes.
//!
//! Both backends read the same [`LinuxPlan`], so the nftables and iptables files of one device
//! mean the same thing by construction; only their formatting differs.

use crate::diagnostic::{Diagnostic, Subject};
use crate::dialect::sanitize::{self, Sink};
use crate::error::{Error, Result};
use crate::model::{FlowRef, Model, ServiceItem};
use crate::packet::Family;
use crate::plan::{DeviceIr, InterfaceIr, RuleIr};
use crate::source::Span;
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A cluster's sync on its `sync` interface: VRRP (IP protocol 112, RFC 5798) to its group
/// address per family (IPv4, IPv6) or to a node (unicast peers).
pub const VRRP_GROUP: [&str; 2] = ["224.0.0.18", "ff02::12"];
pub const VRRP_PROTOCOL: u8 = 112;
/// conntrackd's default multicast group (IPv4 only; over IPv6 the nodes sync by unicast) and
/// UDP port; its `UDP` transport sends to a node instead.
pub const CONNTRACKD_GROUP: &str = "225.0.0.50";
pub const CONNTRACKD_PORT: u16 = 3780;

/// The sync protocols of one family, as both Linux dialects lower them: the name for comments,
/// the group address its packets may also go to (besides the nodes), and its UDP port (`None`:
/// VRRP, IP protocol [`VRRP_PROTOCOL`]).
pub fn sync_protocols(v6: bool) -> [(&'static str, Option<&'static str>, Option<u16>); 2] {
    [
        ("VRRP", Some(VRRP_GROUP[v6 as usize]), None),
        (
            "conntrackd",
            (!v6).then_some(CONNTRACKD_GROUP),
            Some(CONNTRACKD_PORT),
        ),
    ]
}

/// The rule for text that a sink could not take as written (replaced characters or cut to the
/// sink's byte limit). A warning: the configuration stays correct, the comment is not what the
/// policy says.
pub use crate::lint::rules::out_007_text_sanitised::RULE as SANITISED;

/// The comment of an interface pair's chain: `eth0 (enterprise) -> eth1 (dmz)`, cleaned for `sink`.
pub fn pair_comment(
    iin: &InterfaceIr,
    iout: &InterfaceIr,
    sink: Sink,
    diags: &mut Vec<Diagnostic>,
) -> String {
    clean_warn(
        &format!(
            "{} ({}) -> {} ({})",
            iin.name, iin.zone_name, iout.name, iout.zone_name
        ),
        sink,
        None,
        "a chain comment",
        diags,
    )
}

/// Cleans `text` for `sink`; when anything changed, adds one warning (duplicates are dropped, as
/// the same text reaches several devices and targets).
pub fn clean_warn(
    text: &str,
    sink: Sink,
    at: Option<(Span, Subject)>,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let c = sanitize::clean(text, sink);
    if c.changed() {
        let how = match (c.replaced, c.truncated) {
            (true, true) => "had characters replaced and was cut",
            (true, false) => "had characters replaced",
            _ => "was cut",
        };
        let mut d =
            SANITISED
                .diag(format!("{what} {how} to fit a {}", sink.name))
                .help(format!(
            "the {} takes at most {} bytes of printable ASCII without {}; it now reads `{}`",
            sink.name,
            sink.max_bytes,
            sink.forbidden.chars().map(|ch| format!("`{ch}`")).collect::<Vec<_>>().join(" "),
            c.text
        ));
        if let Some((s, subject)) = at {
            d = d.at(s, "this text").about(subject);
        }
        if !diags.contains(&d) {
            diags.push(d);
        }
    }
    c.text
}

/// The policy's name reaches every file's header through the build's [`super::Stamp`], already
/// cleaned; say so when that changed it.
pub fn warn_policy_name(cx: &super::EmitContext, diags: &mut Vec<Diagnostic>) {
    let p = &cx.model.policy;
    if p.name != cx.stamp.policy {
        let d = SANITISED
            .diag("the policy's name had characters replaced or was cut in generated headers")
            .help(format!("headers name the policy `{}`", cx.stamp.policy));
        let d = match cx.model.spans.policy() {
            Some(s) => d.at(s, "this name"),
            None => d,
        };
        if !diags.contains(&d) {
            diags.push(d);
        }
    }
}

/// Where a device's name is written, for a finding about the text made of it.
pub fn device_at(model: &crate::model::Model, device: crate::model::DeviceId) -> (Span, Subject) {
    (model.spans.device(device), Subject::Device(device))
}

/// A log prefix: the device's name (cut to fit, with a warning at the device) followed by a fixed
/// `suffix`. The sanitiser trims trailing spaces, so the suffix is added after cleaning.
pub fn log_prefix(
    model: &Model,
    dev: &DeviceIr,
    suffix: &str,
    sink: Sink,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let device = dev.name.as_str();
    let at = device_at(model, dev.device);
    let budget = Sink {
        max_bytes: sink.max_bytes.saturating_sub(suffix.len()),
        ..sink
    };
    let name = clean_warn(
        device,
        budget,
        Some(at),
        &format!("device name `{device}` in a log prefix"),
        diags,
    );
    format!("{name}{suffix}")
}

/// Interface names become `iifname "..."` / `-i ...`: at most 15 bytes (IFNAMSIZ) of letters,
/// digits and `. _ - @` (Linux refuses `/`, `:` and spaces). The language checks this for firewalls already (E0011, E0023); this is the
/// second line of defence, so a name that would turn into a wildcard (`+`, `*`) or a second
/// token can never reach a ruleset.
pub fn check_ifname(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 15
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        && !name.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::Other(format!(
            "interface name `{name}` cannot be used in a Linux ruleset"
        )))
    }
}

/// `[A-Za-z0-9_-]` only; everything else becomes `_`. Identifiers from the language never
/// contain `_`, so a generated `_` cannot collide with a name the user wrote.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A unique, prefixed name of at most `max` bytes for the chain of interface pair (`i`, `j`):
/// `<prefix><in>_<out>`, or `<prefix><i>_<j>` when that is too long or would repeat a name.
pub fn pair_names(device: &DeviceIr, prefix: &str, max: usize) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut names = Vec::new();
    for p in &device.pairs {
        let nice = format!(
            "{prefix}{}_{}",
            slug(&device.interfaces[p.ingress].name),
            slug(&device.interfaces[p.egress].name)
        );
        let name = if nice.len() <= max && !seen.contains(&nice) {
            nice
        } else {
            format!("{prefix}{}_{}", p.ingress, p.egress)
        };
        seen.insert(name.clone());
        names.push(name);
    }
    names
}

/// How a service item is matched: the shape decides which nft set type and which iptables
/// matches it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    /// tcp/udp with a destination port range.
    Ports,
    /// icmp or icmpv6 with one type.
    IcmpType,
    /// An IP protocol, any port or type.
    Proto,
    /// Every IP protocol.
    Any,
}

impl Shape {
    pub const ALL: [Shape; 4] = [Shape::Ports, Shape::IcmpType, Shape::Proto, Shape::Any];
    pub fn name(self) -> &'static str {
        match self {
            Shape::Ports => "ports",
            Shape::IcmpType => "icmp",
            Shape::Proto => "proto",
            Shape::Any => "any",
        }
    }
}

/// The service part of a box: (shape, protocol number, low, high). `low..=high` is the port range
/// (Ports) or the ICMP type (IcmpType, low == high); unused otherwise.
pub fn service_key(item: &ServiceItem) -> Option<(Shape, u8, u16, u16)> {
    Some(match *item {
        ServiceItem::Tcp { ports } if ports.lo == 0 && ports.hi == 65535 => (Shape::Proto, 6, 0, 0),
        ServiceItem::Udp { ports } if ports.lo == 0 && ports.hi == 65535 => {
            (Shape::Proto, 17, 0, 0)
        }
        ServiceItem::Tcp { ports } => (Shape::Ports, 6, ports.lo, ports.hi),
        ServiceItem::Udp { ports } => (Shape::Ports, 17, ports.lo, ports.hi),
        ServiceItem::Icmp { icmp_type: Some(t) } => (Shape::IcmpType, 1, t as u16, t as u16),
        ServiceItem::Icmpv6 { icmp_type: Some(t) } => (Shape::IcmpType, 58, t as u16, t as u16),
        ServiceItem::Icmp { icmp_type: None } => (Shape::Proto, 1, 0, 0),
        ServiceItem::Icmpv6 { icmp_type: None } => (Shape::Proto, 58, 0, 0),
        ServiceItem::Ip { number } => (Shape::Proto, number, 0, 0),
        ServiceItem::AnyIp => (Shape::Any, 0, 0, 0),
        ServiceItem::Ether { .. } => return None,
    })
}

/// The ICMP protocols of an element whose packets conntrack never classifies `new` (`Any`: ICMP
/// and ICMPv6; `ip/1`, `ip/58`, `icmp`, `icmpv6`; a single type that is neither a request nor an
/// answer, such as router advertisement): they are invalid or untracked as the first packet of
/// a flow, so they are accepted before the forward chain drops invalid packets, for this pair
/// and these addresses only. Answer types never get here (the language refuses a flow of them).
pub fn untracked_protos(shape: Shape, fam: Family, e: &Element) -> &'static [u8] {
    use crate::model::services::{icmp_kind, IcmpKind};
    match shape {
        Shape::Any => &[1, 58],
        Shape::Proto if e.proto == 1 => &[1],
        Shape::Proto if e.proto == 58 => &[58],
        Shape::IcmpType if icmp_kind(fam == Family::V6, e.lo as u8) == IcmpKind::Untracked => {
            if fam == Family::V6 {
                &[58]
            } else {
                &[1]
            }
        }
        _ => &[],
    }
}

/// One disjoint piece of what a pair allows: source interval x destination interval x service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Element {
    pub src: (u128, u128),
    pub dst: (u128, u128),
    pub proto: u8,
    pub lo: u16,
    pub hi: u16,
    /// Index of the rule (in the pair's `rules`) it comes from, for the comment.
    pub rule: usize,
    /// How many more rules asked for exactly this element.
    pub merged: usize,
}

impl Element {
    fn dims(&self) -> [(u128, u128); 4] {
        [
            self.src,
            self.dst,
            (self.proto as u128, self.proto as u128),
            (self.lo as u128, self.hi as u128),
        ]
    }
    fn with_dims(&self, d: [(u128, u128); 4]) -> Element {
        Element {
            src: d[0],
            dst: d[1],
            proto: d[2].0 as u8,
            lo: d[3].0 as u16,
            hi: d[3].1 as u16,
            ..self.clone()
        }
    }
}

fn overlaps(a: &[(u128, u128); 4], b: &[(u128, u128); 4]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.0 <= y.1 && y.0 <= x.1)
}

/// `b` minus `a` as disjoint boxes (at most two per dimension).
fn subtract(b: [(u128, u128); 4], a: &[(u128, u128); 4]) -> Vec<[(u128, u128); 4]> {
    if !overlaps(&b, a) {
        return vec![b];
    }
    let mut out = Vec::new();
    let mut rest = b;
    for d in 0..4 {
        let (lo, hi) = rest[d];
        if lo < a[d].0 {
            let mut piece = rest;
            piece[d] = (lo, a[d].0 - 1);
            out.push(piece);
        }
        if hi > a[d].1 {
            let mut piece = rest;
            piece[d] = (a[d].1 + 1, hi);
            out.push(piece);
        }
        rest[d] = (lo.max(a[d].0), hi.min(a[d].1));
    }
    out
}

/// The elements of one (pair, family, shape, logged) group.
#[derive(Debug, Clone)]
pub struct Group {
    pub family: Family,
    pub shape: Shape,
    pub log: bool,
    pub elements: Vec<Element>,
}

/// What one interface pair allows, split into groups of disjoint elements. nftables rejects
/// overlapping elements in an interval set ("File exists"), and disjoint pieces also make the
/// iptables rules independent of their order. `skip(i, family)`: rule `i` is written otherwise in
/// that family (through a zone set, [`crate::dialect::zone_sets`]).
pub fn pair_groups(rules: &[RuleIr], skip: &dyn Fn(usize, Family) -> bool) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for fam in Family::BOTH {
        for log in [true, false] {
            for shape in Shape::ALL {
                let mut raw: Vec<Element> = Vec::new();
                for (ri, r) in rules.iter().enumerate() {
                    if r.log != log || skip(ri, fam) {
                        continue;
                    }
                    let Some((sh, proto, lo, hi)) = service_key(&r.item) else {
                        continue;
                    };
                    if sh != shape {
                        continue;
                    }
                    type Intervals = Vec<(u128, u128)>;
                    let (srcs, dsts): (Intervals, Intervals) = match fam {
                        Family::V4 => (widen(&r.src.v4), widen(&r.dst.v4)),
                        Family::V6 => (r.src.v6.clone(), r.dst.v6.clone()),
                    };
                    for s in &srcs {
                        for d in &dsts {
                            raw.push(Element {
                                src: *s,
                                dst: *d,
                                proto,
                                lo,
                                hi,
                                rule: ri,
                                merged: 0,
                            });
                        }
                    }
                }
                if raw.is_empty() {
                    continue;
                }
                groups.push(Group {
                    family: fam,
                    shape,
                    log,
                    elements: disjoint(raw),
                });
            }
        }
    }
    groups
}

fn widen(v: &[(u32, u32)]) -> Vec<(u128, u128)> {
    v.iter().map(|&(a, b)| (a as u128, b as u128)).collect()
}

/// Removes exact duplicates (counting them) and cuts later elements around earlier ones.
///
/// Each element is cut around the earlier pieces it overlaps, in the order they were made (the
/// order decides how it splits, and so the bytes of the output). Finding those pieces by a scan
/// of every earlier piece made one interface pair's group quadratic (10,000s of elements at
/// 100,000 flows); pieces with a single source and destination address, the common case, are
/// found through an index by that address pair, and only the other pieces are scanned.
fn disjoint(raw: Vec<Element>) -> Vec<Element> {
    fn is_point(d: &[(u128, u128); 4]) -> bool {
        d[0].0 == d[0].1 && d[1].0 == d[1].1
    }
    let mut out: Vec<Element> = Vec::with_capacity(raw.len());
    // Lookups only, never iterated: a hash map cannot change the output order.
    let mut points: foldhash::HashMap<(u128, u128), Vec<usize>> = Default::default();
    let mut wide: Vec<usize> = Vec::new();
    let mut cands: Vec<usize> = Vec::new();
    for e in raw {
        let dims = e.dims();
        cands.clear();
        if is_point(&dims) {
            cands.extend(
                points
                    .get(&(dims[0].0, dims[1].0))
                    .into_iter()
                    .flatten()
                    .copied(),
            );
            cands.extend(wide.iter().copied());
            cands.sort_unstable();
        } else {
            cands.extend(0..out.len());
        }
        cands.retain(|i| out.get(*i).is_some_and(|o| overlaps(&dims, &o.dims())));
        if let Some(same) = cands
            .iter()
            .find_map(|i| out.get(*i).filter(|o| o.dims() == dims).map(|_| *i))
        {
            if let Some(o) = out.get_mut(same) {
                o.merged += 1;
            }
            continue;
        }
        let mut pieces = vec![dims];
        for i in &cands {
            let Some(o) = out.get(*i) else { continue };
            let od = o.dims();
            pieces = pieces.into_iter().flat_map(|p| subtract(p, &od)).collect();
            if pieces.is_empty() {
                break;
            }
        }
        for d in pieces {
            let i = out.len();
            if is_point(&d) {
                points.entry((d[0].0, d[1].0)).or_default().push(i);
            } else {
                wide.push(i);
            }
            out.push(e.with_dims(d));
        }
    }
    out.sort();
    out
}

/// An address interval as nft writes it: `a`, `a/len` or `a-b`.
pub fn interval_text(fam: Family, iv: (u128, u128)) -> String {
    Interval(fam, iv).to_string()
}

/// [`interval_text`] written straight into a formatter, without a string of its own.
pub struct Interval(pub Family, pub (u128, u128));

/// One address of the family, written as `Ipv4Addr` / `Ipv6Addr` write it.
pub struct Addr(pub Family, pub u128);

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Family::V4 => Ipv4Addr::from(self.1 as u32).fmt(f),
            Family::V6 => Ipv6Addr::from(self.1).fmt(f),
        }
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Interval(fam, (lo, hi)) = *self;
        if lo == hi {
            return Addr(fam, lo).fmt(f);
        }
        match prefix_len(fam, lo, hi) {
            Some(len) => write!(f, "{}/{len}", Addr(fam, lo)),
            None => write!(f, "{}-{}", Addr(fam, lo), Addr(fam, hi)),
        }
    }
}

/// The prefix length when `lo..=hi` is exactly one CIDR block.
pub fn prefix_len(fam: Family, lo: u128, hi: u128) -> Option<u32> {
    let bits = match fam {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    let size = hi.wrapping_sub(lo).wrapping_add(1);
    // The whole v6 space wraps to 0.
    if size == 0 {
        return (lo == 0).then_some(0);
    }
    if !size.is_power_of_two() || lo & (size - 1) != 0 {
        return None;
    }
    let host = size.trailing_zeros();
    (host <= bits).then(|| bits - host)
}

/// The comment of an element or rule: the flow's label and description, sanitised for `sink`.
pub fn rule_comment(
    model: &Model,
    r: &RuleIr,
    merged: usize,
    sink: Sink,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let (description, span, subject) = match r.flow {
        FlowRef::Flow(id) => (
            &model.flow(id).description,
            model.spans.flow(id),
            Subject::Flow(id),
        ),
        FlowRef::SelfFlow { id } => (
            &model.self_flow(id).description,
            model.spans.self_flow(id),
            Subject::SelfFlow(id),
        ),
    };
    let mut text = r.label.clone();
    if let Some(d) = description {
        text.push_str(" - ");
        text.push_str(d);
    }
    if merged > 0 {
        text = format!("{text} (+{merged} more)");
    }
    clean_warn(
        &text,
        sink,
        Some((span, subject)),
        "a flow's label and description",
        diags,
    )
}

/// The reply direction of a `one-way` rule, dropped: packets that enter by `iif` and leave by
/// `oif` (the rule's pair reversed), from the rule's destinations to its sources, as
/// [`Reply`](crate::packet::reply::Reply) defines the replies of its item. Both Linux backends
/// drop these before `established` packets are accepted, matched in the reply direction of a
/// connection only.
pub struct OneWayDrop<'a> {
    pub iif: &'a str,
    pub oif: &'a str,
    pub family: Family,
    /// Intervals of the reply's sources (the rule's destinations) and destinations.
    pub src: Vec<(u128, u128)>,
    pub dst: Vec<(u128, u128)>,
    pub reply: crate::packet::reply::Reply,
    pub rule: &'a RuleIr,
}

/// One family's intervals of an address set.
pub fn family_ivs(set: &crate::packet::AddrSet, fam: Family) -> Vec<(u128, u128)> {
    match fam {
        Family::V4 => set
            .v4
            .iter()
            .map(|&(a, b)| (a as u128, b as u128))
            .collect(),
        Family::V6 => set.v6.clone(),
    }
}

/// The reply-direction drops of the device's own `one-way` rules that meet the input chain
/// (`to_device`: replies of `self -> X` rules, entering by the rule's interface; `oif` empty) or
/// the output chain (replies of `X -> self` rules, leaving by it; `iif` empty), in rule order.
pub fn local_one_way_drops(dev: &DeviceIr, to_device: bool) -> Vec<OneWayDrop<'_>> {
    let mut out = Vec::new();
    for l in dev.local.iter().filter(|l| l.to_device != to_device) {
        let Some(i) = dev.interfaces.get(l.interface) else {
            continue;
        };
        let (iif, oif) = if to_device {
            (i.name.as_str(), "")
        } else {
            ("", i.name.as_str())
        };
        for r in l.rules.iter().filter(|r| r.one_way) {
            let Some(reply) = crate::packet::reply::Reply::of(&r.item) else {
                continue;
            };
            for fam in Family::BOTH {
                let (src, dst) = (family_ivs(&r.dst, fam), family_ivs(&r.src, fam));
                if src.is_empty() || dst.is_empty() || !reply.in_family(fam) {
                    continue;
                }
                out.push(OneWayDrop {
                    iif,
                    oif,
                    family: fam,
                    src,
                    dst,
                    reply,
                    rule: r,
                });
            }
        }
    }
    out
}

/// Every reply-direction drop of the device's `one-way` rules, in pair and rule order.
pub fn one_way_drops(dev: &DeviceIr) -> Vec<OneWayDrop<'_>> {
    let mut out = Vec::new();
    for p in &dev.pairs {
        let (iin, iout) = (&dev.interfaces[p.ingress], &dev.interfaces[p.egress]);
        for r in p.rules.iter().filter(|r| r.one_way) {
            let Some(reply) = crate::packet::reply::Reply::of(&r.item) else {
                continue;
            };
            for fam in Family::BOTH {
                let (src, dst) = (family_ivs(&r.dst, fam), family_ivs(&r.src, fam));
                if src.is_empty() || dst.is_empty() || !reply.in_family(fam) {
                    continue;
                }
                out.push(OneWayDrop {
                    iif: &iout.name,
                    oif: &iin.name,
                    family: fam,
                    src,
                    dst,
                    reply,
                    rule: r,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_ranges() {
        assert_eq!(
            interval_text(Family::V4, (0x0a000000, 0x0a00ffff)),
            "10.0.0.0/16"
        );
        assert_eq!(
            interval_text(Family::V4, (0x0a1e0015, 0x0a1e0016)),
            "10.30.0.21-10.30.0.22"
        );
        assert_eq!(interval_text(Family::V4, (5, 5)), "0.0.0.5");
        assert_eq!(
            interval_text(Family::V4, (0, u32::MAX as u128)),
            "0.0.0.0/0"
        );
        assert_eq!(interval_text(Family::V6, (0, u128::MAX)), "::/0");
    }

    #[test]
    fn overlapping_elements_become_disjoint() {
        let a = Element {
            src: (0, 255),
            dst: (10, 10),
            proto: 6,
            lo: 400,
            hi: 500,
            rule: 0,
            merged: 0,
        };
        let b = Element {
            src: (16, 31),
            dst: (10, 10),
            proto: 6,
            lo: 443,
            hi: 443,
            rule: 1,
            merged: 0,
        };
        let c = Element {
            src: (0, 300),
            dst: (10, 10),
            proto: 6,
            lo: 443,
            hi: 443,
            rule: 2,
            merged: 0,
        };
        let out = disjoint(vec![a.clone(), b, c, a]);
        for (i, x) in out.iter().enumerate() {
            for y in &out[i + 1..] {
                assert!(!overlaps(&x.dims(), &y.dims()), "{x:?} {y:?}");
            }
        }
        // Covered: src 0-300 at port 443, src 0-255 at 400-500.
        let covered = |s: u128, p: u16| {
            out.iter()
                .any(|e| e.src.0 <= s && s <= e.src.1 && e.lo <= p && p <= e.hi)
        };
        assert!(covered(300, 443) && covered(0, 400) && covered(20, 443) && !covered(300, 444));
        assert_eq!(out.iter().find(|e| e.rule == 0).map(|e| e.merged), Some(1));
    }

    #[test]
    fn pair_names_fall_back_to_indexes() {
        assert_eq!(slug("Gi0/0.10"), "Gi0_0_10");
        assert!(check_ifname("eth0").is_ok());
        assert!(check_ifname("eth+").is_err());
        assert!(check_ifname("a b").is_err());
        assert!(check_ifname("averyveryverylongname").is_err());
    }
}
