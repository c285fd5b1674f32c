//! ## What it does
//! Flags a flow whose packets another single flow already allows: its source addresses, its
//! destination addresses and every protocol/port item of its services lie within the other
//! flow's. Of two flows that allow exactly the same packets, the later one is flagged.
//!
//! The check sorts each zone pair's protocol/port items by interval and sweeps them, so it
//! never compares every flow with every other.
//!
//! ## Why is this bad
//! A redundant flow adds nothing to what the policy allows, but it is one more line for a
//! reviewer to read and one more rule in every generated configuration. Worse, it hides
//! intent: removing the wider flow later silently keeps the narrower one, and an exception or
//! `log` attached to only one of the two applies to less than the reader thinks.
//!
//! ## Example
//! ```fence
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center -> field modbus, dnp3
//!   allow control-center.scada-server -> field.plcs modbus   # already allowed above
//! }
//! ```
//!
//! ## Use instead
//! Keep the narrowest flows that say what is needed:
//! ```fence
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.scada-server -> field.plcs modbus
//!   allow control-center.scada-server -> field.rtus dnp3
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 7.6 (network and security configuration settings), SR 3.3 (security
//!   functionality verification)
//! - Fireman firewall anomaly classes: redundancy, shadowing

use crate::diagnostic::Severity;
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

// How the work grows: flows are grouped by their exact (source, destination) endpoints; a flow
// is compared only with the flows of endpoint pairs whose addresses contain its own (its own
// pair and, typically, the zone-wide ones of its zones). Comparing every flow of a zone pair
// with every other (an earlier interval sweep over zone pairs) grew with the square of the
// flows per zone pair: 0.45 s at 100,000 flows over 100 zones. The containment of endpoints
// within one zone is computed pairwise over the endpoints that flows use (assets per zone
// squared, with a bounds test first), independent of the number of flows.
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
    // Flows by exact endpoint pair, in flow order.
    let mut by_pair: BTreeMap<(Endpoint, Endpoint), Vec<FlowId>> = BTreeMap::new();
    let mut used: BTreeMap<ZoneId, BTreeSet<Endpoint>> = BTreeMap::new();
    for f in m.flow_ids() {
        let fl = m.flow(f);
        by_pair.entry((fl.src, fl.dst)).or_default().push(f);
        used.entry(fl.src.zone).or_default().insert(fl.src);
        used.entry(fl.dst.zone).or_default().insert(fl.dst);
    }
    // sup[e]: endpoints of e's zone whose addresses contain e's (e itself included). An address
    // belongs to one zone, so a flow can only lie within flows between the same zones.
    let mut sup: BTreeMap<Endpoint, Vec<Endpoint>> = BTreeMap::new();
    for eps in used.values() {
        let eps: Vec<(Endpoint, &AddrSet, _)> = eps
            .iter()
            .map(|e| {
                let a = m.endpoint_addrs(*e);
                (*e, a, bounds(a))
            })
            .collect();
        for (e, a, (a4, a6)) in &eps {
            let s = eps
                .iter()
                .filter(|(_, b, (b4, b6))| {
                    within(*a4, *b4) && within(*a6, *b6) && b.contains_set(a)
                })
                .map(|(o, _, _)| *o)
                .collect();
            sup.insert(*e, s);
        }
    }
    // full[a]: flows containing every item of a and both of its ends' addresses.
    let full: Vec<BTreeSet<FlowId>> = m
        .flow_ids()
        .map(|a| {
            let fl = m.flow(a);
            let mine = &items[a.0];
            let mut acc = BTreeSet::new();
            if mine.is_empty() {
                return acc;
            }
            let srcs = sup.get(&fl.src).map(Vec::as_slice).unwrap_or_default();
            let dsts = sup.get(&fl.dst).map(Vec::as_slice).unwrap_or_default();
            for s in srcs {
                for d in dsts {
                    for b in by_pair.get(&(*s, *d)).into_iter().flatten() {
                        let theirs = &items[b.0];
                        if *b != a
                            && mine
                                .iter()
                                .all(|i| theirs.iter().any(|j| item_within(*i, *j)))
                        {
                            acc.insert(*b);
                        }
                    }
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
        let (fa, fb) = (m.flow(a), m.flow(b));
        let d = RULE
            .diag(format!(
                "flow `{}` is already allowed by flow `{}`",
                m.flow_label(a),
                m.flow_label(b)
            ))
            .at(fa.span, "redundant flow")
            .related(fb.span, "allows every packet of the redundant flow")
            .help("remove the redundant flow, or narrow the wider one to what is needed");
        out.push(Finding::new(d, cx.flow_scopes(a)));
    }
}
