//! The diff of what devices say about themselves: their device-level flows (`allow X -> self`,
//! `allow self -> X`) as packets, per device and direction, as conduit flows are diffed per
//! conduit; their own addresses per interface; cluster nodes and the sync interface.

use super::{cidrs, describe_service, location, FlowChange, Names, PacketBox};
use crate::model::packets::self_flow_cubes;
use crate::model::{Device, Model, SelfDirection, SelfFlowId};
use crate::packet::space::{coalesce, Cube, Family, Ivs, Space};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What changed about one device.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DeviceDiff {
    pub device: String,
    /// `added`, `removed` or `changed`.
    pub status: &'static str,
    /// The packets its device-level flows newly allow (to it or from it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub newly_allowed: Vec<FlowChange>,
    /// The packets its device-level flows no longer allow.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub newly_denied: Vec<FlowChange>,
    /// Interfaces whose own addresses (`address`, `nodes`) changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<AddressChange>,
    /// The cluster's nodes, where they changed (an empty list: not a cluster).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ListChange>,
    /// The sync interface, where it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<ValueChange>,
}

/// A device's own addresses on one interface, before and after: the shared addresses, then
/// each node's as `ADDR (node NAME)`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AddressChange {
    pub interface: String,
    pub old: Vec<String>,
    pub new: Vec<String>,
}

/// A list before and after.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ListChange {
    pub old: Vec<String>,
    pub new: Vec<String>,
}

/// A value before and after (absent: not given).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ValueChange {
    pub old: Option<String>,
    pub new: Option<String>,
}

impl DeviceDiff {
    fn is_empty(&self) -> bool {
        self.newly_allowed.is_empty()
            && self.newly_denied.is_empty()
            && self.addresses.is_empty()
            && self.cluster.is_none()
            && self.sync.is_none()
    }
}

/// Per device and direction, what its device-level flows allow, each cube with its flow.
fn self_spaces(model: &Model) -> BTreeMap<(&str, SelfDirection), Space<SelfFlowId>> {
    let mut out: BTreeMap<(&str, SelfDirection), Space<SelfFlowId>> = BTreeMap::new();
    for id in model.self_flow_ids() {
        let f = model.self_flow(id);
        out.entry((model.device(f.device).name.as_str(), f.direction))
            .or_default()
            .extend(self_flow_cubes(model, id), id);
    }
    out
}

/// The changed packets of each device-level flow of `names.model`, by device.
fn self_changes(
    names: &Names,
    other: &Names,
    word: &str,
    residue: Vec<(Cube, SelfFlowId)>,
) -> BTreeMap<String, Vec<FlowChange>> {
    let model = names.model;
    let mut by_flow: BTreeMap<SelfFlowId, Vec<Cube>> = BTreeMap::new();
    for (c, f) in residue {
        by_flow.entry(f).or_default().push(c);
    }
    let mut out: BTreeMap<String, Vec<FlowChange>> = BTreeMap::new();
    for (id, cubes) in by_flow {
        let mut all = self_flow_cubes(model, id);
        all.sort();
        let mut mine = cubes.clone();
        mine.sort();
        let whole = coalesce(all) == coalesce(mine);
        let dev = model.device(model.self_flow(id).device);
        // The device's own addresses are named by the device, as `self` in its block.
        let own = dev.own_addrs();
        let describe = |f: Family, iv: &Ivs| {
            let mine = f.addrs(&own);
            if iv.is_empty() {
                names.describe_both(other, word, f, iv)
            } else if mine == *iv {
                format!("`{}` (itself)", dev.name)
            } else if iv.subtract(&mine).is_empty() {
                format!("{} (of `{}`)", cidrs(f, iv).join(", "), dev.name)
            } else {
                names.describe_both(other, word, f, iv)
            }
        };
        let packets = coalesce(cubes)
            .iter()
            .map(|c| PacketBox {
                family: c.family,
                src: describe(c.family, &c.src),
                dst: describe(c.family, &c.dst),
                service: describe_service(c),
                example: c.witness().map(|p| p.to_string()).unwrap_or_default(),
            })
            .collect();
        out.entry(dev.name.clone()).or_default().push(FlowChange {
            flow: model.self_flow_label(id),
            location: location(model, model.spans.self_flow(id)),
            whole,
            packets,
            moved: Vec::new(),
        });
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| (&a.flow, &a.location).cmp(&(&b.flow, &b.location)));
    }
    out
}

/// An interface's own addresses as shown: the shared ones, then each node's.
fn shown_addresses(d: &Device, iface: usize) -> Vec<String> {
    let Some(i) = d.interfaces.get(iface) else {
        return Vec::new();
    };
    let mut v: Vec<String> = i.addresses.iter().map(|a| a.to_string()).collect();
    for (n, a) in i.nodes.iter().enumerate() {
        match d.cluster.get(n) {
            Some(node) => v.push(format!("{a} (node {node})")),
            None => v.push(a.to_string()),
        }
    }
    v
}

type DefinitionChanges = (Vec<AddressChange>, Option<ListChange>, Option<ValueChange>);

/// What changed about a device's own definition: addresses, cluster, sync.
fn definition_changes(old: Option<&Device>, new: Option<&Device>) -> DefinitionChanges {
    let by_name = |d: Option<&Device>| -> BTreeMap<String, Vec<String>> {
        d.map(|d| {
            (0..d.interfaces.len())
                .map(|i| (d.interfaces[i].name.clone(), shown_addresses(d, i)))
                .filter(|(_, v)| !v.is_empty())
                .collect()
        })
        .unwrap_or_default()
    };
    let (o, n) = (by_name(old), by_name(new));
    let names: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    let mut addresses = Vec::new();
    for i in names {
        let (a, b) = (
            o.get(i).cloned().unwrap_or_default(),
            n.get(i).cloned().unwrap_or_default(),
        );
        if a != b {
            addresses.push(AddressChange {
                interface: i.clone(),
                old: a,
                new: b,
            });
        }
    }
    let cluster_of = |d: Option<&Device>| d.map(|d| d.cluster.clone()).unwrap_or_default();
    let (oc, nc) = (cluster_of(old), cluster_of(new));
    let cluster = (oc != nc).then_some(ListChange { old: oc, new: nc });
    let sync_of = |d: Option<&Device>| {
        d.and_then(|d| d.sync.and_then(|i| d.interfaces.get(i)))
            .map(|i| i.name.clone())
    };
    let (os, ns) = (sync_of(old), sync_of(new));
    let sync = (os != ns).then_some(ValueChange { old: os, new: ns });
    (addresses, cluster, sync)
}

/// Every device whose device-level flows, own addresses, cluster or sync changed.
pub(super) fn device_diffs(old_names: &Names, new_names: &Names) -> Vec<DeviceDiff> {
    let (om, nm) = (old_names.model, new_names.model);
    let (os, ns) = (self_spaces(om), self_spaces(nm));
    let keys: BTreeSet<(&str, SelfDirection)> = os.keys().chain(ns.keys()).copied().collect();
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    let (empty_old, empty_new) = (Space::new(), Space::new());
    for k in keys {
        let o = os.get(&k).unwrap_or(&empty_old);
        let n = ns.get(&k).unwrap_or(&empty_new);
        added.extend(n.subtract(o).cubes);
        removed.extend(o.subtract(n).cubes);
    }
    let allowed = self_changes(new_names, old_names, "was", added);
    let denied = self_changes(old_names, new_names, "now", removed);
    let devices: BTreeSet<&str> = om
        .devices
        .iter()
        .chain(&nm.devices)
        .map(|d| d.name.as_str())
        .collect();
    let mut out = Vec::new();
    for name in devices {
        let old = om.device_id(name).map(|i| om.device(i));
        let new = nm.device_id(name).map(|i| nm.device(i));
        let (addresses, cluster, sync) = definition_changes(old, new);
        let d = DeviceDiff {
            device: name.to_string(),
            status: match (old.is_some(), new.is_some()) {
                (false, true) => "added",
                (true, false) => "removed",
                _ => "changed",
            },
            newly_allowed: allowed.get(name).cloned().unwrap_or_default(),
            newly_denied: denied.get(name).cloned().unwrap_or_default(),
            addresses,
            cluster,
            sync,
        };
        if !d.is_empty() {
            out.push(d);
        }
    }
    out
}
