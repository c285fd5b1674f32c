//! Stateless return traffic, decided by planning: a device without connection state (Cisco IOS
//! ACLs) lets the replies of each rule it forwards back in by their own entry. What such an entry
//! admits is [`Reply`] (the one definition the dialect lowers and `verify` compares with); how
//! it widens the policy is its [`WideningKind`], listed per device by [`widenings`] for the
//! report and raised as one `OUT-005` warning per device, interface and conduit by [`out_005`].

use super::{DeviceIr, Ir, RuleIr};
use crate::diagnostic::{Diagnostic, Subject};
// Return traffic admitted by a stateless rule (warning).
use crate::lint::rules::out_005_stateless_return_widening::RULE as WIDENING;
use crate::model::{ConduitId, Device, FlowRef, Model, Scope};
pub use crate::packet::reply::{Reply, WideningKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One reply entry of a pair: the replies of `rules[rule]`, from its destinations (the
/// responders) back to its sources (the initiators).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReplyIr {
    /// Index into the pair's `rules`.
    pub rule: usize,
    pub reply: Reply,
}

impl ReplyIr {
    pub fn kind(&self) -> WideningKind {
        self.reply.kind()
    }
}

/// The reply entries of a device's rules, in rule order; rules without replies, the rules of
/// `one-way` services and the rules whose connections the device tracks have none.
pub fn of_rules(device: &Device, rules: &[RuleIr]) -> Vec<ReplyIr> {
    rules
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.one_way && !device.inspects(&r.item))
        .filter_map(|(rule, r)| Reply::of(&r.item).map(|reply| ReplyIr { rule, reply }))
        .collect()
}

/// One stateless return rule: on `device`, the inbound filter of `interface` lets the replies
/// of `flow` in, and with them what [`WideningKind`] says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Widening {
    pub device: String,
    pub interface: String,
    pub flow: FlowRef,
    /// `None` for a device-level flow crossing this device.
    pub conduit: Option<ConduitId>,
    pub kind: WideningKind,
    /// `conduit: src -> dst service`, raw (not sanitised).
    pub label: String,
    /// The service item whose replies are admitted (`tcp/502`).
    pub item: String,
}

/// Every widening of every stateless device, sorted by device, interface, flow and kind.
pub fn widenings(ir: &Ir) -> Vec<Widening> {
    let mut out: Vec<Widening> = ir.devices.iter().flat_map(device_widenings).collect();
    out.sort();
    out
}

/// The widenings of one device, one per (interface, flow, kind, item), read from its reply
/// entries.
pub fn device_widenings(device: &DeviceIr) -> Vec<Widening> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    // Replies enter by the interface their rules leave by: a pair's egress, or the interface
    // of the device's own traffic out.
    let entries = device
        .pairs
        .iter()
        .map(|p| (p.egress, &p.rules, &p.replies))
        .chain(
            device
                .local
                .iter()
                .filter(|l| !l.to_device)
                .map(|l| (l.interface, &l.rules, &l.replies)),
        );
    for (egress, rules, replies) in entries {
        let Some(iface) = device.interfaces.get(egress) else {
            continue;
        };
        for r in replies {
            let Some(rule) = rules.get(r.rule) else {
                continue;
            };
            let kind = r.kind();
            let item = rule.item.to_string();
            if seen.insert((egress, rule.flow, kind, item.clone())) {
                out.push(Widening {
                    device: device.name.clone(),
                    interface: iface.name.clone(),
                    flow: rule.flow,
                    conduit: rule.conduit,
                    kind,
                    label: rule.label.clone(),
                    item,
                });
            }
        }
    }
    out.sort();
    out
}

/// The `OUT-005` findings of one device: one per interface and conduit, not per flow (a large
/// plant would otherwise get tens of thousands); [`widenings`] keeps every one.
pub fn out_005(model: &Model, device: &DeviceIr) -> Vec<Diagnostic> {
    let mut groups: BTreeMap<(String, Option<ConduitId>), Vec<Widening>> = BTreeMap::new();
    for w in device_widenings(device) {
        groups
            .entry((w.interface.clone(), w.conduit))
            .or_default()
            .push(w);
    }
    let span = model.spans.device(device.device);
    let mut diags = Vec::new();
    for ((iface, cid), ws) in groups {
        let Some(w0) = ws.first() else { continue };
        let mut kinds: Vec<&str> = ws.iter().map(|w| w.kind.as_str()).collect();
        kinds.sort();
        kinds.dedup();
        let mut labels: Vec<String> = ws
            .iter()
            .map(|w| format!("`{}` ({})", w.label, w.item))
            .collect();
        labels.dedup();
        let shown = labels.len().min(5);
        let more = if labels.len() > shown {
            format!(" and {} more", labels.len() - shown)
        } else {
            String::new()
        };
        let first = match w0.flow {
            FlowRef::Flow(id) => model.spans.flow(id),
            FlowRef::SelfFlow { id } => model.spans.self_flow(id),
        };
        let flows: BTreeSet<FlowRef> = ws.iter().map(|w| w.flow).collect();
        let (whose, at, subject, scoped) = match (cid, w0.flow) {
            (Some(cid), _) => (
                format!("conduit `{}`", model.conduit(cid).name),
                model.spans.conduit(cid),
                Subject::Conduit(cid),
                vec![Scope::Conduit(cid)],
            ),
            (None, FlowRef::SelfFlow { id }) => (
                "device-level flows".to_string(),
                first,
                Subject::SelfFlow(id),
                Vec::new(),
            ),
            (None, FlowRef::Flow(id)) => (
                "device-level flows".to_string(),
                first,
                Subject::Flow(id),
                Vec::new(),
            ),
        };
        diags.push(
            WIDENING
                .diag(format!(
                    "`{}` admits replies of {} flow item(s) of {whose} on `{iface}` by stateless rules ({})",
                    device.name,
                    ws.len(),
                    kinds.join(", ")
                ))
                .at(at, format!("stateless return rules on `{iface}`"))
                .about(subject)
                // An exception on the conduit silences it, or exceptions on every flow whose
                // replies it admits.
                .scoped(scoped)
                .scoped_all(flows.into_iter().map(FlowRef::scope).collect())
                .related(first, w0.kind.explanation())
                .related(span, if device.inspect {
                    "zone-based firewall on this device: other protocols than TCP, UDP and ICMP are passed, not inspected"
                } else {
                    "stateless ACLs on this device"
                })
                .help(if device.inspect {
                    format!(
                        "replies of {}{more}; the zone-based firewall (`inspect`) keeps state for TCP, UDP and ICMP only and passes other protocols by a rule in each direction: where the conduit's SL-T needs stateful return traffic, carry the protocol over TCP or UDP or enforce it on an nftables or iptables firewall; the report lists the widenings per conduit",
                        labels[..shown].join(", ")
                    )
                } else {
                    format!(
                        "replies of {}{more}; IOS extended ACLs keep no connection state: where the conduit's SL-T needs stateful return traffic, enforce it on a stateful firewall (nftables, iptables); the report lists the widenings per conduit",
                        labels[..shown].join(", ")
                    )
                }),
        );
    }
    diags
}

#[cfg(test)]
mod tests {
    use crate::model::resolve::resolve;
    use crate::plan::model_to_ir;
    use crate::syntax::loader::load_from_text;
    use std::path::Path;

    /// A router with `inspect` keeps state for TCP, UDP and ICMP: only its other protocols'
    /// rules (GRE through it, OSPF of its own) get reply entries, and `OUT-005` names only
    /// those; without `inspect` the same router has reply entries for every two-way rule.
    #[test]
    fn inspect_leaves_reply_entries_to_untracked_protocols() {
        let text = include_str!("../../tests/ios/inspect.fence").to_string();
        let replied = |text: String| {
            let r = resolve(&load_from_text("p.fence", Path::new("p.fence"), text));
            let model = r.model.expect("model");
            let (ir, diags) = model_to_ir(&model);
            let rtr = ir
                .devices
                .iter()
                .find(|d| d.name == "rtr-sub")
                .expect("rtr");
            let mut items: Vec<String> = rtr
                .pairs
                .iter()
                .map(|p| (&p.rules, &p.replies))
                .chain(rtr.local.iter().map(|l| (&l.rules, &l.replies)))
                .flat_map(|(rules, replies)| replies.iter().map(|r| rules[r.rule].item.to_string()))
                .collect();
            items.sort();
            items.dedup();
            let out_005: Vec<String> = diags
                .iter()
                .filter(|d| d.code == "OUT-005" && d.message.contains("`rtr-sub`"))
                .map(|d| format!("{:?}", d.help))
                .collect();
            (items, out_005)
        };
        let (items, out_005) = replied(text.clone());
        assert_eq!(items, ["ip/47", "ip/89"]);
        assert_eq!(out_005.len(), 2, "{out_005:?}");
        assert!(out_005
            .iter()
            .all(|h| !h.contains("tcp/") && !h.contains("udp/")));
        let (items, _) = replied(text.replace("  inspect\n", ""));
        assert!(items.contains(&"tcp/502".to_string()) && items.contains(&"tcp/22".to_string()));
    }

    /// A `one-way` service gets no reply entry on a stateless device, and no `OUT-005` names
    /// it; the other service of the same flow keeps its reply.
    #[test]
    fn one_way_rules_have_no_reply_entry() {
        let text = include_str!("../../tests/oneway/one-way.fence").to_string();
        let r = resolve(&load_from_text("p.fence", Path::new("p.fence"), text));
        let model = r.model.expect("model");
        let (ir, diags) = model_to_ir(&model);
        let rtr = ir.devices.iter().find(|d| d.name == "rtr").expect("rtr");
        let mut one_way = 0;
        for p in &rtr.pairs {
            for (i, rule) in p.rules.iter().enumerate() {
                let replied = p.replies.iter().any(|r| r.rule == i);
                assert_eq!(replied, !rule.one_way, "{} {}", rule.label, rule.item);
                one_way += usize::from(rule.one_way);
            }
        }
        assert_eq!(one_way, 1, "udp/514, both families in one rule");
        let out_005: Vec<String> = diags
            .iter()
            .filter(|d| d.code == "OUT-005")
            .map(|d| format!("{} {:?}", d.message, d.help))
            .collect();
        assert_eq!(out_005.len(), 1, "{out_005:?}");
        assert!(
            out_005[0].contains("udp/123") && !out_005[0].contains("udp/514"),
            "{out_005:?}"
        );
    }
}
