//! ZCR 6.4 h: the data flows per access point of each zone. A zone's access points are the ones
//! ZCR 6.4 f and g list: the interfaces enforcement devices have in the zone and the switch
//! ports carrying it. An interface's flows are the Ir's: the flows a device enforces entering
//! or leaving by that interface. A switch port's are every flow to or from the zone and every
//! flow crossing one of its interfaces: the policy does not say which hosts are behind which
//! port, so each of them may cross it (and the report says so).

use super::Name;
use crate::model::{FlowId, Model, PortMode, ZoneId};
use crate::plan::Ir;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What a switch port's flow list means.
pub const SWITCH_PORT_NOTE: &str =
    "the flows that may cross it: the policy does not say which hosts are behind the port";

/// One access point of a zone and the flows that cross it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AccessPointView {
    /// `fw-it-ot eth2`, `sw-field Gi1/0/48 (access)`: as ZCR 6.4 f and g list them.
    pub point: String,
    /// `interface` or `switch port`.
    pub kind: &'static str,
    /// `SOURCE -> DESTINATION SERVICES (conduit NAME)`, in flow order.
    pub flows: Vec<Name>,
    /// What the list means where it is not exact (switch ports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// The access points of one zone (ZCR 6.4 h).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ZoneAccessView {
    pub zone: String,
    /// Interfaces first, then switch ports, each sorted by name.
    pub points: Vec<AccessPointView>,
}

/// Per zone, in the order of `zones` (the report's zone order), its access points and flows.
pub fn build(model: &Model, ir: &Ir, zones: &[ZoneId]) -> Vec<ZoneAccessView> {
    // Each flow's label once.
    let label = |f: FlowId| -> Name {
        let c = model.conduit(model.flow(f).conduit);
        let mut s = String::with_capacity(64 + c.name.len());
        model.push_flow_label(&mut s, f);
        s.push_str(" (conduit ");
        s.push_str(&c.name);
        s.push(')');
        s.into()
    };
    // Per (device, interface index of the Model's device): the flows entering or leaving by it,
    // sorted once they are all in.
    let mut by_interface: BTreeMap<(usize, usize), Vec<FlowId>> = BTreeMap::new();
    for d in &ir.devices {
        let Some(md) = model.devices.get(d.device.0) else {
            continue;
        };
        // The Ir's interface index, mapped to the Model's by name.
        let index: Vec<Option<usize>> = d
            .interfaces
            .iter()
            .map(|i| md.interfaces.iter().position(|m| m.name == i.name))
            .collect();
        for p in &d.pairs {
            for side in [p.ingress, p.egress] {
                let Some(Some(mi)) = index.get(side) else {
                    continue;
                };
                by_interface
                    .entry((d.device.0, *mi))
                    .or_default()
                    .extend(p.rules.iter().filter_map(|r| r.flow.flow()));
            }
        }
    }
    for flows in by_interface.values_mut() {
        flows.sort_unstable();
        flows.dedup();
    }
    // Per zone: the flows to or from it, for switch ports; gathered for the first zone that has
    // one (a central firewall's zones have none).
    let mut by_zone: Option<Vec<BTreeSet<FlowId>>> = None;
    let zone_flows = || {
        let mut by_zone = vec![BTreeSet::new(); model.zones.len()];
        for (fi, f) in model.flows.iter().enumerate() {
            for z in [f.src.zone, f.dst.zone] {
                if let Some(s) = by_zone.get_mut(z.0) {
                    s.insert(FlowId(fi));
                }
            }
        }
        by_zone
    };
    // By flow index: a zone of a central firewall lists thousands of flows at each interface.
    let mut labels: Vec<Option<Name>> = vec![None; model.flows.len()];
    let mut named = |set: &mut dyn Iterator<Item = FlowId>| -> Vec<Name> {
        set.map(|f| match labels.get_mut(f.0) {
            Some(l) => l.get_or_insert_with(|| label(f)).clone(),
            None => label(f),
        })
        .collect()
    };
    zones
        .iter()
        .map(|&z| {
            let mut interfaces = Vec::new();
            let mut ports = Vec::new();
            for (di, d) in model.devices.iter().enumerate() {
                for (ii, i) in d.interfaces.iter().enumerate().filter(|(_, i)| i.zone == z) {
                    let flows: &[FlowId] = by_interface.get(&(di, ii)).map_or(&[], Vec::as_slice);
                    interfaces.push((format!("{} {}", d.name, i.name), flows));
                }
                for p in &d.ports {
                    let mode = match &p.mode {
                        PortMode::Access { zone } if *zone == z => "access",
                        PortMode::Trunk { zones } if zones.contains(&z) => "trunk",
                        _ => continue,
                    };
                    ports.push(format!("{} {} ({mode})", d.name, p.name));
                }
            }
            interfaces.sort_by(|a, b| a.0.cmp(&b.0));
            ports.sort();
            // A switch port's flows: the zone's and those of its interfaces.
            let crossing = (!ports.is_empty()).then(|| {
                let all = by_zone.get_or_insert_with(zone_flows);
                let mut crossing = all.get_mut(z.0).map(std::mem::take).unwrap_or_default();
                crossing.extend(interfaces.iter().flat_map(|(_, f)| f.iter().copied()));
                crossing
            });
            let mut points: Vec<AccessPointView> = interfaces
                .into_iter()
                .map(|(point, flows)| AccessPointView {
                    point,
                    kind: "interface",
                    flows: named(&mut flows.iter().copied()),
                    note: None,
                })
                .collect();
            if let Some(crossing) = crossing {
                let flows = named(&mut crossing.into_iter());
                points.extend(ports.into_iter().map(|point| AccessPointView {
                    point,
                    kind: "switch port",
                    flows: flows.clone(),
                    note: Some(SWITCH_PORT_NOTE),
                }));
            }
            ZoneAccessView {
                zone: model.zone(z).name.clone(),
                points,
            }
        })
        .collect()
}
