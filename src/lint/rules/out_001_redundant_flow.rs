//! ## What it does
//! Flags a flow whose packets another single flow already allows: its source addresses, its
//! destination addresses and every protocol/port item of its services lie within the other
//! flow's. Of two flows that allow exactly the same packets, the later one is flagged.
//!
//! The check groups flows by endpoint pair; a pair with many protocol/port items indexes them in
//! interval trees and asks them for the items that contain a flow's own (a pair with few scans
//! them), so it never compares every flow with every other.
//!
//! ## Why is this bad
//! A redundant flow adds nothing to what the policy allows, but it is one more line for a
//! reviewer to read and one more rule in every generated configuration. Worse, it hides
//! intent: removing the wider flow later silently keeps the narrower one, and an exception or
//! `log` attached to only one of the two applies to less than the reader thinks.
//!
//! ## Example
//! ```fence
//! zone control-center { level 2  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 2  network 10.40.0.0/22  asset plcs 10.40.2.0/24  asset rtus 10.40.1.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center -> field modbus, dnp3
//!   allow control-center.scada -> field.plcs modbus   # already allowed above
//! }
//! ```
//!
//! ## Use instead
//! Keep the narrowest flows that say what is needed:
//! ```fence
//! zone control-center { level 2  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 2  network 10.40.0.0/22  asset plcs 10.40.2.0/24  asset rtus 10.40.1.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.scada -> field.plcs modbus
//!   allow control-center.scada -> field.rtus dnp3
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 7.6 (network and security configuration settings), SR 3.3 (security
//!   functionality verification)
//! - Fireman firewall anomaly classes: redundancy, shadowing

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{AddrSet, Endpoint, FlowId, ServiceItem, ZoneId};
use std::collections::{BTreeMap, BTreeSet};

pub const RULE: Rule = Rule {
    id: "OUT-001",
    name: "redundant-flow",
    severity: Severity::Warning,
    reference: "SR 7.6, SR 3.3",
    status: Status::Stable,
    file: file!(),
    source: include_str!("out_001_redundant_flow.rs"),
    check: Some(check),
};

/// The protocol key of every-IP-protocol items, which cover every other IP key.
const ANY_IP: u32 = u32::MAX;

/// An item as (protocol key, low, high): TCP/UDP ports, ICMP types, or the whole range.
fn interval(item: &ServiceItem) -> (u32, u32, u32) {
    match *item {
        ServiceItem::Tcp { ports } => (6, ports.lo as u32, ports.hi as u32),
        ServiceItem::Udp { ports } => (17, ports.lo as u32, ports.hi as u32),
        ServiceItem::Icmp { icmp_type: Some(t) } => (1, t as u32, t as u32),
        ServiceItem::Icmp { icmp_type: None } => (1, 0, 255),
        ServiceItem::Icmpv6 { icmp_type: Some(t) } => (58, t as u32, t as u32),
        ServiceItem::Icmpv6 { icmp_type: None } => (58, 0, 255),
        // `ip/6` is every TCP port; ICMP keys use 0-255 as their whole range.
        ServiceItem::Ip { number } => (
            number as u32,
            0,
            if number == 1 || number == 58 {
                255
            } else {
                65535
            },
        ),
        ServiceItem::AnyIp => (ANY_IP, 0, 65535),
        ServiceItem::Ether { ethertype } => (0x1_0000 + ethertype as u32, 0, 0),
    }
}

/// Whether item `(key, lo, hi)` lies within `(k2, lo2, hi2)`: the same protocol key and a
/// wider interval, or an every-protocol item over any IP protocol key.
fn item_within((key, lo, hi): (u32, u32, u32), (k2, lo2, hi2): (u32, u32, u32)) -> bool {
    (k2 == key && lo2 <= lo && hi <= hi2) || (k2 == ANY_IP && key != ANY_IP && key < 0x1_0000)
}

/// Bounds of an address set per family (`None` for an empty family), a cheap necessary test
/// for containment before the exact one.
type Bounds = (Option<(u32, u32)>, Option<(u128, u128)>);

fn bounds(a: &AddrSet) -> Bounds {
    let v4 = a.v4.first().zip(a.v4.last()).map(|(f, l)| (f.0, l.1));
    let v6 = a.v6.first().zip(a.v6.last()).map(|(f, l)| (f.0, l.1));
    (v4, v6)
}

fn within<T: Ord>(inner: Option<(T, T)>, outer: Option<(T, T)>) -> bool {
    match (inner, outer) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some((a, b)), Some((c, d))) => c <= a && b <= d,
    }
}

// How the work grows: flows are grouped by their exact (source, destination) endpoints, and
// within each endpoint pair their items are indexed by protocol key in an interval tree. A flow
// is compared only with the flows whose items contain one of its own, found by a containment
// query (O(log n + hits)), between endpoint pairs whose addresses contain its own (its own pair
// and, typically, the zone-wide ones of its zones). Endpoint containment within a zone uses the
// same kind of query over the endpoints' address bounds. Nothing compares every flow, or every
// endpoint of a zone, with every other: 40,000 port flows between two zones take about as long
// per flow as 100.

/// The flows of one endpoint pair, a run of [`Pairs::order`], with interval trees over their
/// items by protocol key when the pair has many (most pairs carry one or two flows, scanned).
struct Pair {
    start: usize,
    end: usize,
    /// (protocol key, tree over the key's intervals); payload: index into the pair's run.
    trees: BTreeMap<u32, crate::packet::intervals::IntervalTree>,
}

/// Up to this many items a pair's items are scanned, not indexed: building trees costs more
/// than the scans they save.
const SCAN_ITEMS: usize = 32;

/// Every flow grouped by its exact (source, destination) endpoints.
struct Pairs {
    /// Flow IDs sorted by endpoint pair, then in flow order.
    order: Vec<FlowId>,
    /// Only looked up, never iterated into output: hashed.
    pairs: foldhash::HashMap<(Endpoint, Endpoint), Pair>,
}

impl Pairs {
    fn build(m: &crate::model::Model, items: &[Vec<(u32, u32, u32)>]) -> Pairs {
        let key = |f: FlowId| {
            let fl = m.flow(f);
            (fl.src, fl.dst)
        };
        let mut order: Vec<FlowId> = m.flow_ids().collect();
        order.sort_by_key(|f| (key(*f), *f));
        let mut pairs = foldhash::HashMap::default();
        let mut start = 0;
        while start < order.len() {
            let k = key(order[start]);
            let mut end = start + 1;
            while end < order.len() && key(order[end]) == k {
                end += 1;
            }
            let run = &order[start..end];
            let n: usize = run.iter().map(|f| items[f.0].len()).sum();
            let mut trees = BTreeMap::new();
            if n > SCAN_ITEMS {
                let mut by_key: BTreeMap<u32, Vec<(u128, u128, usize)>> = BTreeMap::new();
                for (i, f) in run.iter().enumerate() {
                    for &(k, lo, hi) in &items[f.0] {
                        by_key.entry(k).or_default().push((lo.into(), hi.into(), i));
                    }
                }
                trees = by_key
                    .into_iter()
                    .map(|(k, v)| (k, crate::packet::intervals::IntervalTree::build(v)))
                    .collect();
            }
            pairs.insert(k, Pair { start, end, trees });
            start = end;
        }
        Pairs { order, pairs }
    }

    /// Flows from `src` to `dst` with an item that contains `(key, lo, hi)`, as
    /// [`item_within`] decides.
    fn covering(
        &self,
        items: &[Vec<(u32, u32, u32)>],
        (src, dst): (Endpoint, Endpoint),
        (key, lo, hi): (u32, u32, u32),
        f: &mut dyn FnMut(FlowId),
    ) {
        let Some(p) = self.pairs.get(&(src, dst)) else {
            return;
        };
        let run = &self.order[p.start..p.end];
        if p.trees.is_empty() {
            for b in run {
                if items[b.0].iter().any(|j| item_within((key, lo, hi), *j)) {
                    f(*b);
                }
            }
            return;
        }
        if let Some(t) = p.trees.get(&key) {
            t.containing(lo.into(), hi.into(), &mut |i| f(run[i]));
        }
        if key != ANY_IP && key < 0x1_0000 {
            if let Some(t) = p.trees.get(&ANY_IP) {
                t.overlapping(0, u128::MAX, &mut |i| f(run[i]));
            }
        }
    }
}

/// Endpoints of one zone whose addresses contain each endpoint's (itself included), found by
/// containment queries over address bounds, then decided exactly.
fn supersets(m: &crate::model::Model, eps: &BTreeSet<Endpoint>) -> Vec<(Endpoint, Vec<Endpoint>)> {
    let eps: Vec<(Endpoint, &AddrSet, Bounds)> = eps
        .iter()
        .map(|e| {
            let a = m.endpoint_addrs(*e);
            (*e, a, bounds(a))
        })
        .collect();
    let v4 = crate::packet::intervals::IntervalTree::build(
        eps.iter()
            .enumerate()
            .filter_map(|(i, (_, _, (b4, _)))| b4.map(|(l, h)| (l.into(), h.into(), i)))
            .collect(),
    );
    let v6 = crate::packet::intervals::IntervalTree::build(
        eps.iter()
            .enumerate()
            .filter_map(|(i, (_, _, (_, b6)))| b6.map(|(l, h)| (l, h, i)))
            .collect(),
    );
    eps.iter()
        .map(|(e, a, (a4, a6))| {
            let mut cands = Vec::new();
            match (a4, a6) {
                (Some((l, h)), _) => {
                    v4.containing((*l).into(), (*h).into(), &mut |i| cands.push(i))
                }
                (None, Some((l, h))) => v6.containing(*l, *h, &mut |i| cands.push(i)),
                // No address at all: every endpoint contains it.
                (None, None) => cands.extend(0..eps.len()),
            }
            let s = cands
                .into_iter()
                .filter(|&i| {
                    let (_, b, (b4, b6)) = &eps[i];
                    within(*a4, *b4) && within(*a6, *b6) && b.contains_set(a)
                })
                .map(|i| eps[i].0)
                .collect();
            (*e, s)
        })
        .collect()
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let m = cx.model;
    // Items of each flow, flattened.
    let items: Vec<Vec<(u32, u32, u32)>> = m
        .flow_ids()
        .map(|f| {
            cx.flow_items(f)
                .iter()
                .map(|(_, _, i)| interval(i))
                .collect()
        })
        .collect();
    // The endpoints each zone's flows use.
    let mut used: BTreeMap<ZoneId, BTreeSet<Endpoint>> = BTreeMap::new();
    for f in m.flow_ids() {
        let fl = m.flow(f);
        used.entry(fl.src.zone).or_default().insert(fl.src);
        used.entry(fl.dst.zone).or_default().insert(fl.dst);
    }
    let index = Pairs::build(m, &items);
    // sup[e]: endpoints of e's zone whose addresses contain e's (e itself included). An address
    // belongs to one zone, so a flow can only lie within flows between the same zones.
    let sup: BTreeMap<Endpoint, Vec<Endpoint>> =
        used.values().flat_map(|eps| supersets(m, eps)).collect();
    let contains_ep =
        |outer: Endpoint, inner: Endpoint| sup.get(&inner).is_some_and(|s| s.contains(&outer));
    // Does flow `b` allow every packet of flow `a`?
    let covers = |b: FlowId, a: FlowId| {
        let (fa, fb) = (m.flow(a), m.flow(b));
        b != a
            && !items[a.0].is_empty()
            && contains_ep(fb.src, fa.src)
            && contains_ep(fb.dst, fa.dst)
            && items[a.0]
                .iter()
                .all(|i| items[b.0].iter().any(|j| item_within(*i, *j)))
    };
    // full[a]: the flows containing every item of a and both of its ends' addresses, found
    // through the first item's containment query.
    let full: Vec<BTreeSet<FlowId>> = m
        .flow_ids()
        .map(|a| {
            let fl = m.flow(a);
            let mut acc = BTreeSet::new();
            let Some(&first) = items[a.0].first() else {
                return acc;
            };
            let srcs = sup.get(&fl.src).map(Vec::as_slice).unwrap_or_default();
            let dsts = sup.get(&fl.dst).map(Vec::as_slice).unwrap_or_default();
            for s in srcs {
                for d in dsts {
                    index.covering(&items, (*s, *d), first, &mut |b| {
                        if covers(b, a) {
                            acc.insert(b);
                        }
                    });
                }
            }
            acc
        })
        .collect();
    for a in m.flow_ids() {
        // Of two flows covering each other (the same packets), only the later one is flagged.
        let by = full[a.0]
            .iter()
            .copied()
            .find(|b| !full[b.0].contains(&a) || *b < a);
        let Some(b) = by else { continue };
        let d = RULE
            .diag(format!(
                "flow `{}` is already allowed by flow `{}`",
                m.flow_label(a),
                m.flow_label(b)
            ))
            .at(m.spans.flow(a), "redundant flow")
            .about(Subject::Flow(a))
            .related(m.spans.flow(b), "allows every packet of the redundant flow")
            .help("remove the redundant flow, or narrow the wider one to what is needed");
        out.push(Finding::new(d, cx.flow_scopes(a)));
    }
}
