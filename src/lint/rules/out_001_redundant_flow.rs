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
use crate::model::{FlowId, ServiceItem, ZoneId};
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
        ServiceItem::Ip { number } => (number as u32, 0, if number == 1 || number == 58 { 255 } else { 65535 }),
        ServiceItem::AnyIp => (ANY_IP, 0, 65535),
        ServiceItem::Ether { ethertype } => (0x1_0000 + ethertype as u32, 0, 0),
    }
}

#[derive(Clone, Copy)]
struct Entry {
    lo: u32,
    hi: u32,
    flow: FlowId,
    /// Index of the item in its flow's item list.
    item: usize,
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let m = cx.model;
    // Items of each flow, flattened.
    let items: Vec<Vec<(u32, u32, u32)>> =
        m.flow_ids().map(|f| cx.flow_items(f).iter().map(|(_, _, i)| interval(i)).collect()).collect();
    // Packets of a flow lie within another's only if both ends are in the same zones
    // (an address belongs to one zone), so each zone pair is swept on its own.
    let mut groups: BTreeMap<(ZoneId, ZoneId, u32), Vec<Entry>> = BTreeMap::new();
    let mut keys: BTreeMap<(ZoneId, ZoneId), BTreeSet<u32>> = BTreeMap::new();
    for f in m.flow_ids() {
        let fl = m.flow(f);
        for (i, (key, lo, hi)) in items[f.0].iter().enumerate() {
            groups.entry((fl.src.zone, fl.dst.zone, *key)).or_default().push(Entry { lo: *lo, hi: *hi, flow: f, item: i });
            keys.entry((fl.src.zone, fl.dst.zone)).or_default().insert(*key);
        }
    }
    // Every-protocol items also cover each IP protocol key of their zone pair.
    for ((s, d), ks) in &keys {
        let Some(any) = groups.get(&(*s, *d, ANY_IP)).cloned() else { continue };
        for k in ks.iter().filter(|k| **k != ANY_IP && **k < 0x1_0000) {
            if let Some(g) = groups.get_mut(&(*s, *d, *k)) {
                g.extend(any.iter().map(|e| Entry { lo: 0, hi: u32::MAX, ..*e }));
            }
        }
    }
    // covers[a][i] = flows whose items cover item i of flow a (by interval only).
    let mut covers: Vec<Vec<BTreeSet<FlowId>>> = items.iter().map(|v| vec![BTreeSet::new(); v.len()]).collect();
    for entries in groups.values_mut() {
        // Sweep by low end ascending, high end descending: every entry that can contain the
        // current one has been seen; `seen` keeps them ordered by high end.
        entries.sort_by_key(|e| (e.lo, std::cmp::Reverse(e.hi), e.flow, e.item));
        let mut seen: BTreeMap<u32, Vec<Entry>> = BTreeMap::new();
        let mut i = 0;
        while i < entries.len() {
            // A run of equal intervals contains itself.
            let mut j = i;
            while j < entries.len() && entries[j].lo == entries[i].lo && entries[j].hi == entries[i].hi {
                j += 1;
            }
            for e in &entries[i..j] {
                if e.hi == u32::MAX {
                    continue; // an every-protocol copy; its own key is swept separately
                }
                let set = &mut covers[e.flow.0][e.item];
                for (_, cands) in seen.range(e.hi..) {
                    set.extend(cands.iter().filter(|c| c.flow != e.flow).map(|c| c.flow));
                }
                set.extend(entries[i..j].iter().filter(|c| c.flow != e.flow).map(|c| c.flow));
            }
            for e in &entries[i..j] {
                seen.entry(e.hi).or_default().push(*e);
            }
            i = j;
        }
    }
    // Full cover: a flow containing every item and both ends' addresses.
    let contains = |b: FlowId, a: FlowId| {
        let (fa, fb) = (m.flow(a), m.flow(b));
        m.endpoint_addrs(fb.src).contains_set(m.endpoint_addrs(fa.src))
            && m.endpoint_addrs(fb.dst).contains_set(m.endpoint_addrs(fa.dst))
    };
    let full: Vec<BTreeSet<FlowId>> = covers
        .iter()
        .enumerate()
        .map(|(a, per_item)| {
            let mut it = per_item.iter();
            let mut acc = it.next().cloned().unwrap_or_default();
            for s in it {
                acc = acc.intersection(s).copied().collect();
            }
            acc.retain(|b| contains(*b, FlowId(a)));
            acc
        })
        .collect();
    for a in m.flow_ids() {
        // Of two flows covering each other (the same packets), only the later one is flagged.
        let by = full[a.0].iter().copied().find(|b| !full[b.0].contains(&a) || *b < a);
        let Some(b) = by else { continue };
        let (fa, fb) = (m.flow(a), m.flow(b));
        let d = RULE
            .diag(format!("flow `{}` is already allowed by flow `{}`", m.flow_label(a), m.flow_label(b)))
            .at(fa.span, "redundant flow")
            .related(fb.span, "allows every packet of the redundant flow")
            .help("remove the redundant flow, or narrow the wider one to what is needed");
        out.push(Finding::new(d, cx.flow_scopes(a)));
    }
}
