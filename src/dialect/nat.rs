//! Pass 5 helpers for static 1:1 NAT (`network INSIDE nat OUTSIDE`) shared by the Linux
//! dialects (`nftables`, `iptables`): which interfaces of a firewall translate, the conntrack
//! zone, packet mark and routing table each gets, the device's rules as its filter sees them
//! (the wire addresses of translated interfaces), and the routing part, `iproute2.batch`.
//!
//! Why a zone, a mark and a table per translated interface: two skids may share their inside
//! network (192.168.1.0/24 behind `eth1` and behind `eth2`). Their connections would have
//! identical tuples (conntrack keeps them apart only by zone), and a packet to 192.168.1.10
//! could leave by either interface (the main table has one route for both; the mark picks the
//! interface's own table). The zone and the mark are set before connection tracking, from the
//! input interface (the skid's packets) or the outside destination before DNAT (packets to the
//! skid, and the replies to what it started): both hold for every packet of a connection in its
//! direction, so a packet mark suffices and no connection mark needs restoring.

use crate::diagnostic::{codes, Diagnostic, Subject};
use crate::dialect::{EmitContext, Stamp};
use crate::model::Nat;
use crate::packet::space::{Ivs, Space};
use crate::packet::{AddrSet, Family};
use crate::plan::{DeviceIr, InterfaceIr};
use ipnet::IpNet;

/// Routing tables and `ip rule` priorities of translated interfaces are `BASE + id`.
pub const BASE: u32 = 1000;

/// The file of the routing part, beside the ruleset in the device's directory.
pub const BATCH_FILE: &str = "iproute2.batch";

/// One translated interface of a device: `id` (from 1, in interface order) is its conntrack
/// zone and packet mark; its routing table and rule priority are `BASE + id`.
pub struct Translated<'a> {
    pub iface: &'a InterfaceIr,
    pub id: u32,
}

impl Translated<'_> {
    pub fn table(&self) -> u32 {
        BASE + self.id
    }
    /// The inside and outside networks of one family.
    pub fn nets(&self, fam: Family) -> Vec<(IpNet, IpNet)> {
        self.iface
            .nat
            .iter()
            .filter(|n| family_of(n.inside) == fam)
            .map(|n| (n.inside, n.outside))
            .collect()
    }
}

pub fn family_of(net: IpNet) -> Family {
    match net {
        IpNet::V4(_) => Family::V4,
        IpNet::V6(_) => Family::V6,
    }
}

/// The interfaces of `dev` that translate, in interface order.
pub fn translated(dev: &DeviceIr) -> Vec<Translated<'_>> {
    dev.interfaces
        .iter()
        .filter(|i| !i.nat.is_empty())
        .zip(1..)
        .map(|(iface, id)| Translated { iface, id })
        .collect()
}

/// `set` (as the rest of the plant sees it) as the hosts behind a translated interface see it:
/// each outside network's addresses moved to its inside network.
pub fn to_inside(nat: &[Nat], set: &AddrSet) -> AddrSet {
    nat.iter().fold(set.clone(), |acc, n| {
        acc.subtract(&AddrSet::from_net(n.outside))
            .union(&set.translate(n.outside, n.inside))
    })
}

/// What the Linux dialects cannot generate correctly, each an error (E0039) at the device, so
/// `check` and `build` refuse the policy before anything is written:
/// flows between two translated zones through one firewall (each side's conntrack zone is
/// chosen from its own interface, so the two directions of such a connection would be looked
/// up in different zones), and device-level flows with a translated zone (the firewall's own
/// packets to identical inside networks would need marks on its sockets to leave by the right
/// interface), and `one-way` flows through a translating firewall (`verify` does not model the
/// reply direction of translated connections yet).
pub fn refusals(cx: &EmitContext, dev: &DeviceIr, target: &str) -> Vec<Diagnostic> {
    let mut why: Vec<(String, &str)> = Vec::new();
    let translates = dev.interfaces.iter().any(|i| !i.nat.is_empty());
    if !translates {
        return Vec::new();
    }
    for p in dev.pairs.iter().filter(|p| !p.rules.is_empty()) {
        let (i, o) = (&dev.interfaces[p.ingress], &dev.interfaces[p.egress]);
        if p.rules.iter().any(|r| r.one_way) {
            why.push((
                format!(
                    "forwards `one-way` flows between `{}` and `{}` and translates a zone",
                    i.zone_name, o.zone_name
                ),
                "verify does not model the reply direction of translated connections yet; make the service two-way, or let another device carry it",
            ));
        }
        if !i.nat.is_empty() && !o.nat.is_empty() {
            why.push((
                format!(
                    "carries flows between translated zones `{}` and `{}`",
                    i.zone_name, o.zone_name
                ),
                "each direction of such a connection would be tracked in its own interface's conntrack zone; route these flows through another device, or drop `nat` from one zone",
            ));
        }
    }
    for l in dev.local.iter().filter(|l| !l.rules.is_empty()) {
        let i = &dev.interfaces[l.interface];
        if !i.nat.is_empty() {
            why.push((
                format!("has device-level flows with translated zone `{}`", i.zone_name),
                "the firewall's own packets to identical inside networks would need marks on its sockets to leave by the right interface; let another device serve them",
            ));
        }
    }
    refused(cx, dev, "firewall", target, why)
}

/// The translations a target cannot generate on `dev`, each (what, help) an E0039 error at the
/// device, sorted and without repeats: the one form of every target's refusals.
pub fn refused(
    cx: &EmitContext,
    dev: &DeviceIr,
    kind: &str,
    target: &str,
    mut why: Vec<(String, &str)>,
) -> Vec<Diagnostic> {
    why.sort();
    why.dedup();
    why.into_iter()
        .map(|(what, help)| {
            Diagnostic::error(
                codes::NAT,
                format!(
                    "{kind} `{}` {what}: target {target} cannot generate this translation",
                    dev.name
                ),
            )
            .at(cx.model.spans.device(dev.device), "translating device")
            .about(Subject::Device(dev.device))
            .help(help)
        })
        .collect()
}

/// The device as its filter sees it: a pair's sources as they enter by its ingress (inside
/// addresses where it translates: SNAT comes after the filter) and its destinations as they
/// leave by its egress (inside addresses where it translates: DNAT came before), and the
/// anti-spoofing sources of a translated interface as its wire carries them. The device itself
/// when nothing is translated.
pub fn wire_view(dev: &DeviceIr) -> std::borrow::Cow<'_, DeviceIr> {
    if dev.interfaces.iter().all(|i| i.nat.is_empty()) {
        return std::borrow::Cow::Borrowed(dev);
    }
    let mut d = dev.clone();
    for p in &mut d.pairs {
        let (i, o) = (
            &dev.interfaces[p.ingress].nat,
            &dev.interfaces[p.egress].nat,
        );
        for r in &mut p.rules {
            r.src = to_inside(i, &r.src);
            r.dst = to_inside(o, &r.dst);
        }
    }
    for i in &mut d.interfaces {
        i.behind = to_inside(&i.nat, &i.behind);
    }
    std::borrow::Cow::Owned(d)
}

/// The routing part of a translating firewall (`None` when it translates nothing), commands
/// for `ip -batch`: per translated interface, a rule sending its mark to its table and the
/// inside networks' routes by that interface in the table.
pub fn iproute2_batch(stamp: &Stamp, dev: &DeviceIr, node: &str) -> Option<String> {
    let t = translated(dev);
    if t.is_empty() {
        return None;
    }
    let mut out = format!(
        "# fenceline {}: policy \"{}\" sha256 {}\n",
        stamp.version, stamp.policy, stamp.hash
    );
    out.push_str(&format!(
        "# Device {node}: routing of its translated zones (`nat`), generated; change the policy, not this file.\n"
    ));
    out.push_str(
        "# Load with `ip -batch iproute2.batch` when the interfaces are up, before the ruleset.\n",
    );
    let dels: Vec<String> = t
        .iter()
        .map(|x| format!("ip rule del priority {}", x.table()))
        .collect();
    out.push_str(&format!(
        "# To load it again, remove its rules first: {}.\n",
        dels.join("; ")
    ));
    for x in &t {
        out.push_str(&format!(
            "# {} (zone {}): conntrack zone {id}, mark {id}, table {}\n",
            x.iface.name,
            x.iface.zone_name,
            x.table(),
            id = x.id
        ));
        for fam in Family::BOTH {
            let nets = x.nets(fam);
            if nets.is_empty() {
                continue;
            }
            let any = match fam {
                Family::V4 => "0.0.0.0/0",
                Family::V6 => "::/0",
            };
            out.push_str(&format!(
                "rule add from {any} fwmark {} table {} priority {}\n",
                x.id,
                x.table(),
                x.table()
            ));
            for (inside, _) in nets {
                out.push_str(&format!(
                    "route add {inside} dev {} table {}\n",
                    x.iface.name,
                    x.table()
                ));
            }
        }
    }
    Some(out)
}

// ---------------------------------------------------------------- semantics

/// One static translation as the semantics apply it: addresses of `fam` in `from` move to the
/// same offset from `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub fam: Family,
    pub from: (u128, u128),
    pub to: u128,
}

impl Shift {
    /// `from` onto `to`, two networks of one family and length (`None` otherwise).
    pub fn of(from: (Family, u128, u128), to: (Family, u128, u128)) -> Option<Shift> {
        (from.0 == to.0 && from.2 - from.1 == to.2 - to.1).then_some(Shift {
            fam: from.0,
            from: (from.1, from.2),
            to: to.1,
        })
    }
    fn back(&self) -> Shift {
        Shift {
            fam: self.fam,
            from: (self.to, self.to + (self.from.1 - self.from.0)),
            to: self.from.0,
        }
    }
}

/// `shifts` as the fewest ranges that say the same map, sorted: adjacent ranges that move by
/// the same offset are one. Two lists of shifts with disjoint domains map alike exactly when
/// their normal forms are equal.
pub fn normal(shifts: &[Shift]) -> Vec<Shift> {
    let mut v = shifts.to_vec();
    v.sort_by_key(|s| (s.fam == Family::V6, s.from));
    let mut out: Vec<Shift> = Vec::with_capacity(v.len());
    for s in v {
        match out.last_mut() {
            Some(p)
                if p.fam == s.fam
                    && p.from.1.checked_add(1) == Some(s.from.0)
                    && p.to.checked_add(p.from.1 - p.from.0 + 1) == Some(s.to) =>
            {
                p.from.1 = s.from.1
            }
            _ => out.push(s),
        }
    }
    out
}

fn moved(x: &Ivs, from: u128, to: u128) -> Ivs {
    Ivs::from_intervals(x.0.iter().map(|&(a, b)| (a - from + to, b - from + to)))
}

/// `{a : f(a) ∈ x}` for the function `f` that applies the first of `shifts` whose `from` holds
/// `a` and leaves other addresses as they are.
pub fn preimage(shifts: &[Shift], fam: Family, x: &Ivs) -> Ivs {
    let mut claimed = Ivs::empty();
    let mut out = Ivs::empty();
    for s in shifts.iter().filter(|s| s.fam == fam) {
        let dom = Ivs::range(s.from.0, s.from.1).subtract(&claimed);
        let hit = moved(&dom, s.from.0, s.to).intersect(x);
        out = out.union(&moved(&hit, s.to, s.from.0));
        claimed = claimed.union(&dom);
    }
    out.union(&x.subtract(&claimed))
}

/// A rule that sets the packet mark before connection tracking, for one input interface (its
/// interface conditions hold): on packets to `dst` (destinations before DNAT; every packet
/// when `None`).
pub struct MarkRule {
    pub dst: Option<(Family, Ivs)>,
    pub mark: u32,
}

/// The packet mark of every destination (before DNAT), after `rules` in order: each mark with
/// the destinations per family (IPv4, IPv6) that end with it.
pub fn mark_regions(rules: &[MarkRule]) -> Vec<(u32, [Ivs; 2])> {
    let all = [Family::V4.all_addrs(), Family::V6.all_addrs()];
    let mut regions: Vec<(u32, [Ivs; 2])> = vec![(0, all.clone())];
    for r in rules {
        let area = match &r.dst {
            None => all.clone(),
            Some((Family::V4, d)) => [d.clone(), Ivs::empty()],
            Some((Family::V6, d)) => [Ivs::empty(), d.clone()],
        };
        for (_, reg) in regions.iter_mut() {
            for k in 0..2 {
                reg[k] = reg[k].subtract(&area[k]);
            }
        }
        match regions.iter_mut().find(|(m, _)| *m == r.mark) {
            Some((_, reg)) => {
                for k in 0..2 {
                    reg[k] = reg[k].union(&area[k]);
                }
            }
            None => regions.push((r.mark, area)),
        }
    }
    regions.retain(|(_, r)| !r[0].is_empty() || !r[1].is_empty());
    regions.sort_by_key(|(m, _)| *m);
    regions
}

/// How the first packets of one interface pair are seen by the filter, in terms of the plant's
/// view (`verify` compares in the plant's view, where a translated zone is its outside
/// addresses): the filter's destination, after DNAT, is `dnat(plant destination)`, and its
/// source the wire source, `src(plant source)` (inside where the packet came from a translated
/// interface). Both are read from the configuration's translations; empty when none applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairNat {
    /// Per part of the destination space (before DNAT, IPv4 and IPv6): plant source -> wire
    /// source, the SNAT the packet gets there inverted, and its reverse so that the map is one
    /// to one (a wire source at the outside address is a spoofed packet and is named by the
    /// inside one, which no flow allows).
    pub src: Vec<([Ivs; 2], Vec<Shift>)>,
    /// Plant destination -> the destination after DNAT.
    pub dnat: Vec<Shift>,
}

impl PairNat {
    pub fn is_empty(&self) -> bool {
        self.src.iter().all(|(_, s)| s.is_empty()) && self.dnat.is_empty()
    }
    /// Plant source -> wire source for a SNAT of `s.from` (wire) onto `s.to` (plant).
    pub fn snat_shifts(snats: &[Shift]) -> Vec<Shift> {
        snats.iter().flat_map(|s| [s.back(), s.clone()]).collect()
    }
    /// The plant-view packets whose filter view is in `space`: destinations through
    /// [`Self::dnat`] where the filter sees them after DNAT (`post_dnat`), as they are otherwise
    /// (`ct original ip daddr`, chains before DNAT); sources through the part of [`Self::src`]
    /// their destination falls in.
    pub fn pull<T: Clone>(&self, space: Space<T>, post_dnat: bool) -> Space<T> {
        if self.is_empty() {
            return space;
        }
        let mut out = Space::new();
        for (c, t) in space.cubes {
            let mut c = c;
            let full = |x: &Ivs| x.is_range(0, c.family.max_addr());
            if post_dnat && !full(&c.dst) {
                c.dst = preimage(&self.dnat, c.family, &c.dst);
            }
            if full(&c.src) || self.src.iter().all(|(_, s)| s.is_empty()) {
                if !c.is_empty() {
                    out.push(c, t);
                }
                continue;
            }
            let k = match c.family {
                Family::V4 => 0,
                Family::V6 => 1,
            };
            for (region, shifts) in &self.src {
                let mut part = c.clone();
                part.dst = part.dst.intersect(&region[k]);
                part.src = preimage(shifts, c.family, &part.src);
                if !part.is_empty() {
                    out.push(part, t.clone());
                }
            }
        }
        out
    }
}

/// The [`PairNat`] of a pair from what its configuration says: the DNAT shifts that hold for
/// its input interface (in order), the SNAT shifts that hold for its output interface with the
/// mark each requires (`None`: any), and the mark rules that hold for its input interface.
pub fn pair_nat_of(dnat: Vec<Shift>, snat: &[(Option<u32>, Shift)], marks: &[MarkRule]) -> PairNat {
    let src = mark_regions(marks)
        .into_iter()
        .map(|(m, region)| {
            let s: Vec<Shift> = snat
                .iter()
                .filter(|(want, _)| want.is_none_or(|w| w == m))
                .map(|(_, s)| s.clone())
                .collect();
            (region, PairNat::snat_shifts(&s))
        })
        .collect();
    PairNat { src, dnat }
}

/// How a firewall vendor's static NAT (ASA object NAT, FortiOS virtual IPs, PAN-OS NAT rules)
/// falls short of the policy's `nat`, in the vendor's words: each case a `help` text, `None`
/// where the vendor has the form.
pub struct VendorNatLimits {
    pub target: &'static str,
    /// The diagnostic code of the refusals.
    pub code: &'static str,
    /// IPv6 networks translated.
    pub ipv6: Option<&'static str>,
    /// Two translated zones whose inside networks meet.
    pub meet: &'static str,
    /// Flows between two translated zones.
    pub between: &'static str,
    /// Device-level flows with a translated zone.
    pub local: Option<&'static str>,
}

/// What a vendor target cannot translate exactly on `device`, each an error at the device.
pub fn vendor_refusals(
    cx: &EmitContext,
    device: &DeviceIr,
    limits: &VendorNatLimits,
) -> Vec<Diagnostic> {
    let mut why: Vec<(String, &str)> = Vec::new();
    let t: Vec<_> = device
        .interfaces
        .iter()
        .filter(|i| !i.nat.is_empty())
        .collect();
    if let Some(help) = limits.ipv6 {
        for i in &t {
            if i.nat.iter().any(|n| matches!(n.inside, IpNet::V6(_))) {
                why.push((
                    format!("translates IPv6 networks of zone `{}`", i.zone_name),
                    help,
                ));
            }
        }
    }
    for (k, a) in t.iter().enumerate() {
        for b in &t[k + 1..] {
            let meet = a.nat.iter().any(|x| {
                b.nat.iter().any(|y| {
                    x.inside.contains(&y.inside.network()) || y.inside.contains(&x.inside.network())
                })
            });
            if meet {
                why.push((
                    format!(
                        "translates zones `{}` and `{}`, whose inside networks meet",
                        a.zone_name, b.zone_name
                    ),
                    limits.meet,
                ));
            }
        }
    }
    for p in device.pairs.iter().filter(|p| !p.rules.is_empty()) {
        let (i, o) = (&device.interfaces[p.ingress], &device.interfaces[p.egress]);
        if !i.nat.is_empty() && !o.nat.is_empty() {
            why.push((
                format!(
                    "carries flows between translated zones `{}` and `{}`",
                    i.zone_name, o.zone_name
                ),
                limits.between,
            ));
        }
    }
    if let Some(help) = limits.local {
        for l in device.local.iter().filter(|l| !l.rules.is_empty()) {
            let i = &device.interfaces[l.interface];
            if !i.nat.is_empty() {
                why.push((
                    format!(
                        "has device-level flows with translated zone `{}`",
                        i.zone_name
                    ),
                    help,
                ));
            }
        }
    }
    why.sort();
    why.dedup();
    why.into_iter()
        .map(|(what, help)| {
            Diagnostic::error(
                limits.code,
                format!(
                    "firewall `{}` {what}: target {} cannot generate this translation",
                    device.name, limits.target
                ),
            )
            .at(cx.model.spans.device(device.device), "translating device")
            .about(Subject::Device(device.device))
            .help(help)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preimages_of_a_shift_and_of_a_swap() {
        let net = |a: u128| (Family::V4, a, a + 255);
        let (inside, outside) = (0xC0A8_0100, 0x0A32_0100); // 192.168.1.0/24, 10.50.1.0/24
        let dnat = vec![Shift::of(net(outside), net(inside)).unwrap()];
        // The filter's 192.168.1.10 is the plant's 10.50.1.10 and, sent directly, 192.168.1.10.
        assert_eq!(
            preimage(&dnat, Family::V4, &Ivs::point(inside + 10)),
            Ivs::from_vec(vec![
                (outside + 10, outside + 10),
                (inside + 10, inside + 10)
            ])
        );
        assert_eq!(
            preimage(&dnat, Family::V4, &Ivs::point(outside + 10)),
            Ivs::empty()
        );
        let src = PairNat::snat_shifts(&[Shift::of(net(inside), net(outside)).unwrap()]);
        assert_eq!(
            preimage(&src, Family::V4, &Ivs::point(inside + 10)),
            Ivs::point(outside + 10)
        );
        assert_eq!(
            preimage(&src, Family::V4, &Ivs::point(outside + 10)),
            Ivs::point(inside + 10)
        );
        assert_eq!(preimage(&src, Family::V4, &Ivs::point(7)), Ivs::point(7));
        // The mark of a packet from an untranslated interface follows its destination.
        let regions = mark_regions(&[MarkRule {
            dst: Some((Family::V4, Ivs::range(outside, outside + 255))),
            mark: 1,
        }]);
        assert_eq!(regions.len(), 2);
        assert_eq!(regions[1].1[0], Ivs::range(outside, outside + 255));
        let regions = mark_regions(&[
            MarkRule {
                dst: Some((Family::V4, Ivs::range(outside, outside + 255))),
                mark: 1,
            },
            MarkRule { dst: None, mark: 2 },
        ]);
        assert_eq!(regions.len(), 1);
        assert_eq!(regions[0].0, 2);
    }
}
