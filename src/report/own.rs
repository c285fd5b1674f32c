//! The report's view of what a device says about itself: its own addresses per interface, its
//! cluster nodes and sync link, and its device-level flows (`allow X -> self`, `allow self ->
//! X`) with where each is enforced, its lint findings and its exceptions.

use crate::diagnostic::{Diagnostic, Subject};
use crate::model::{DeviceId, FlowRef, Model, Scope, SelfDirection, SelfFlowId};
use crate::plan::Ir;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One device-level flow of a device.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SelfFlowView {
    /// `to` (`allow X -> self`) or `from` (`allow self -> X`).
    pub direction: &'static str,
    /// The other end: a zone or `zone.asset`.
    pub peer: String,
    pub services: Vec<String>,
    /// Protocol/port items of the services: `tcp/22`.
    pub items: Vec<String>,
    /// The services flagged `one-way`: their connections get no reply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub one_way: Vec<String>,
    /// Whether any of the services carries data without encryption or integrity protection.
    pub cleartext: bool,
    pub log: bool,
    pub description: Option<String>,
    /// `rtr-wan Gi0/0 -> Gi0/1` for the devices it crosses on its way, and the device itself as
    /// `fw eth2 -> self` (or `fw self -> eth2`) on each interface facing the peer.
    pub enforced_on: Vec<String>,
    /// Codes of the lint findings about this flow that no exception suppresses.
    pub findings: Vec<String>,
    /// Rules excepted on this flow.
    pub exceptions: Vec<String>,
}

/// Per device (indexed by device number), its device-level flows in the Model's order.
pub(super) fn self_flow_views(
    model: &Model,
    ir: &Ir,
    diags: &[Diagnostic],
) -> Vec<Vec<SelfFlowView>> {
    let mut enforced: BTreeMap<SelfFlowId, BTreeSet<String>> = BTreeMap::new();
    for d in &ir.devices {
        let iface = |i: usize| d.interfaces.get(i).map(|x| x.name.as_str()).unwrap_or("?");
        for p in &d.pairs {
            for r in &p.rules {
                if let FlowRef::SelfFlow { id } = r.flow {
                    enforced.entry(id).or_default().insert(format!(
                        "{} {} -> {}",
                        d.name,
                        iface(p.ingress),
                        iface(p.egress)
                    ));
                }
            }
        }
        for l in &d.local {
            for r in &l.rules {
                if let FlowRef::SelfFlow { id } = r.flow {
                    let label = if l.to_device {
                        format!("{} {} -> self", d.name, iface(l.interface))
                    } else {
                        format!("{} self -> {}", d.name, iface(l.interface))
                    };
                    enforced.entry(id).or_default().insert(label);
                }
            }
        }
    }
    let mut findings: BTreeMap<SelfFlowId, BTreeSet<String>> = BTreeMap::new();
    for d in diags.iter().filter(|d| d.suppressed.is_none()) {
        if let Some(Subject::SelfFlow(id)) = d.subject {
            findings.entry(id).or_default().insert(d.code.clone());
        }
    }
    let mut exceptions: BTreeMap<SelfFlowId, BTreeSet<String>> = BTreeMap::new();
    for e in &model.exceptions {
        if let Scope::SelfFlow(id) = e.scope {
            exceptions.entry(id).or_default().insert(e.rule.clone());
        }
    }
    let mut out: Vec<Vec<SelfFlowView>> = vec![Vec::new(); model.devices.len()];
    for id in model.self_flow_ids() {
        let f = model.self_flow(id);
        let svcs: Vec<&crate::model::Service> =
            f.services.iter().map(|s| model.service(*s)).collect();
        let view = SelfFlowView {
            direction: match f.direction {
                SelfDirection::ToDevice => "to",
                SelfDirection::FromDevice => "from",
            },
            peer: model.endpoint_name(f.peer),
            services: svcs.iter().map(|s| s.name.clone()).collect(),
            items: svcs
                .iter()
                .flat_map(|s| s.items.iter().map(|i| i.to_string()))
                .collect(),
            one_way: svcs
                .iter()
                .filter(|s| s.flags.one_way)
                .map(|s| s.name.clone())
                .collect(),
            cleartext: svcs.iter().any(|s| s.flags.cleartext),
            log: f.log,
            description: f.description.clone(),
            enforced_on: enforced
                .remove(&id)
                .map(|s| s.into_iter().collect())
                .unwrap_or_default(),
            findings: findings
                .remove(&id)
                .map(|s| s.into_iter().collect())
                .unwrap_or_default(),
            exceptions: exceptions
                .remove(&id)
                .map(|s| s.into_iter().collect())
                .unwrap_or_default(),
        };
        if let Some(v) = out.get_mut(f.device.0) {
            v.push(view);
        }
    }
    out
}

/// A device's own addresses on one interface: `address`, then each node's `nodes` address as
/// `ADDR (NODE)`.
pub(super) fn interface_addresses(model: &Model, device: DeviceId, iface: usize) -> Vec<String> {
    let d = model.device(device);
    let Some(i) = d.interfaces.get(iface) else {
        return Vec::new();
    };
    let mut v: Vec<String> = i.addresses.iter().map(|a| a.to_string()).collect();
    for (n, a) in i.nodes.iter().enumerate() {
        match d.cluster.get(n) {
            Some(node) => v.push(format!("{a} ({node})")),
            None => v.push(a.to_string()),
        }
    }
    v
}
