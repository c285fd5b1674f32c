//! Pass 4, Model -> Ir: per enforcement device, the flows it enforces, on which interfaces, with
//! exact address sets; anti-spoofing sets per interface; VLAN and port layout per switch.
//! Targets only format this IR; they never decide what is allowed.
//!
//! Paths are computed once per zone pair (not per flow) on the zone/device graph, so planning is
//! linear in flows.
//!
//! Devices without connection state (Cisco IOS ACLs) need permits for the replies of what they
//! forward: planning records each reply entry with how it widens the policy ([`replies`]), and
//! raises the `OUT-005` finding for them; the dialect only lowers the entries.

mod local;
pub mod replies;

pub use local::{self_flow_places, SelfFlowPlaces};
pub use replies::{ReplyIr, Widening};

use crate::diagnostic::Diagnostic;
use crate::model::graph::Hop;
use crate::model::{
    AddrSet, ConduitId, DeviceId, DeviceKind, FlowId, FlowRef, Model, PortMode, ServiceId,
    ServiceItem, Target, ZoneId,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The plan of every device, sorted by device name.
#[derive(Debug, Clone, Serialize)]
pub struct Ir {
    pub devices: Vec<DeviceIr>,
    /// Flows with no enforcement device on their path (reported by lint rule OUT-002).
    pub unenforced: Vec<FlowId>,
    /// Flows with no path at all between their zones in the device graph.
    pub unroutable: Vec<FlowId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviceIr {
    pub device: DeviceId,
    pub name: String,
    pub kind: DeviceKind,
    pub targets: Vec<Target>,
    /// `inspect`: a Cisco IOS router lowers its flows to a zone-based policy firewall.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inspect: bool,
    pub interfaces: Vec<InterfaceIr>,
    /// Zone pairs with traffic through this device, sorted by (ingress, egress).
    pub pairs: Vec<PairIr>,
    /// Traffic to and from the device itself, per interface and direction, sorted by
    /// (interface, direction); see [`LocalIr`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub local: Vec<LocalIr>,
    /// Every address of the device (what `self` stands for).
    #[serde(skip_serializing_if = "AddrSet::is_empty")]
    pub own: AddrSet,
    /// The directories the build writes for this device: its cluster's nodes, or its own name.
    pub nodes: Vec<String>,
    /// HA cluster sync (`sync IFACE`): VRRP and connection-tracking sync between the nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncIr>,
    pub switch: Option<SwitchIr>,
}

impl DeviceIr {
    /// Its planned rules: its interface pairs' and its own traffic's.
    pub fn rule_count(&self) -> usize {
        self.pairs.iter().map(|p| p.rules.len()).sum::<usize>()
            + self.local.iter().map(|l| l.rules.len()).sum::<usize>()
    }
}

/// Traffic between the device itself and one interface. `to_device`: packets that enter by
/// `interface` addressed to one of the device's own addresses (the input chain; the interface's
/// inbound ACL on IOS); otherwise packets the device originates that leave by `interface` (the
/// output chain). A rule's `src` and `dst` are exact: for traffic to the device, `dst` is within
/// [`DeviceIr::own`]; for traffic from it, `src` is.
#[derive(Debug, Clone, Serialize)]
pub struct LocalIr {
    /// Index into `DeviceIr::interfaces`.
    pub interface: usize,
    pub to_device: bool,
    pub rules: Vec<RuleIr>,
    /// Devices without connection state: the replies of `rules` (for traffic from the device,
    /// they enter by `interface` addressed to the device), in rule order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<ReplyIr>,
}

/// The sync link of an HA cluster: VRRP (IP protocol 112 to 224.0.0.18) and conntrackd
/// between the nodes' own addresses on that interface, in both directions, on it only.
#[derive(Debug, Clone, Serialize)]
pub struct SyncIr {
    /// Index into `DeviceIr::interfaces`.
    pub interface: usize,
    /// The nodes' addresses on the sync interface and its shared (virtual) addresses.
    pub peers: AddrSet,
}

#[derive(Debug, Clone, Serialize)]
pub struct InterfaceIr {
    pub name: String,
    pub zone: ZoneId,
    pub zone_name: String,
    /// Zones reachable through this interface without crossing the device.
    pub behind_zones: Vec<ZoneId>,
    /// Source addresses that may arrive on this interface; anything else is spoofed.
    pub behind: AddrSet,
    /// The zone's static 1:1 translations (`network INSIDE nat OUTSIDE`), which this device
    /// performs on this interface: packets on the wire of this interface carry the zone's
    /// inside addresses, everywhere else its outside ones. Rules (`RuleIr`) speak of the
    /// outside addresses, as the rest of the plant sees the zone; each dialect says which
    /// addresses its filter sees and translates accordingly.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nat: Vec<crate::model::Nat>,
}

/// Traffic entering by one interface and leaving by another.
#[derive(Debug, Clone, Serialize)]
pub struct PairIr {
    /// Indexes into `DeviceIr::interfaces`.
    pub ingress: usize,
    pub egress: usize,
    pub rules: Vec<RuleIr>,
    /// Devices without connection state: the replies of `rules`, which enter by `egress` and
    /// leave by `ingress`, in rule order (empty for stateful devices and for rules without
    /// replies).
    pub replies: Vec<ReplyIr>,
}

/// One permitted (source, destination, service item) of one flow. Address sets are exact; a
/// target splits them by family and may merge rules, but never widens them.
#[derive(Debug, Clone, Serialize)]
pub struct RuleIr {
    /// The flow the rule enforces: a conduit's flow, or a device-level flow (which may cross
    /// other devices on its way to or from its device).
    pub flow: FlowRef,
    /// The flow's conduit; `None` for a device-level flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conduit: Option<ConduitId>,
    /// The service the item comes from (a zone-based firewall has one class per conduit and
    /// service).
    pub service: ServiceId,
    pub src: AddrSet,
    pub dst: AddrSet,
    pub item: ServiceItem,
    pub log: bool,
    /// The item's service is `one-way`: its connections get no reply on any target (no reply
    /// entry on a stateless device; a stateful one drops the reply direction).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub one_way: bool,
    /// Provenance for comments: `conduit/src->dst service`. Raw text; targets sanitise it.
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VlanIr {
    pub id: u16,
    pub zone: ZoneId,
    /// Zone name, as the VLAN name.
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SwitchPortIr {
    /// Interface name (`GigabitEthernet1/0/48`) or range (`GigabitEthernet1/0/1 - 24`).
    pub name: String,
    pub range: Option<(String, u32, u32)>,
    pub access_vlan: Option<u16>,
    /// Allowed VLANs of a trunk, sorted.
    pub trunk_vlans: Vec<u16>,
    pub zones: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SwitchIr {
    pub vlans: Vec<VlanIr>,
    pub ports: Vec<SwitchPortIr>,
    pub parking_vlan: u16,
    pub shutdown_unused: bool,
}

/// Most rules (flow x service item x device on its path) one policy may expand to. A hostile
/// policy (a service of 100,000 items used by 10,000 flows) must end in a diagnostic, not in an
/// out-of-memory kill. Port ranges and networks never expand: they stay intervals.
pub const MAX_RULES: usize = 1_000_000;

/// Plans every device. Diagnostics are for conditions only planning can see.
pub fn model_to_ir(model: &Model) -> (Ir, Vec<Diagnostic>) {
    model_to_ir_with_limit(model, MAX_RULES)
}

/// [`model_to_ir`] with a rule cap; over the cap the IR is empty and the result carries E0024.
pub fn model_to_ir_with_limit(model: &Model, max_rules: usize) -> (Ir, Vec<Diagnostic>) {
    let graph = model.graph();
    let mut diags = Vec::new();
    // Count before building anything.
    let mut path_len: BTreeMap<(ZoneId, ZoneId), usize> = BTreeMap::new();
    let mut total: usize = 0;
    for f in &model.flows {
        let hops = if f.via.is_empty() {
            *path_len
                .entry((f.src.zone, f.dst.zone))
                .or_insert_with(|| graph.hops(f.src.zone, f.dst.zone).map_or(0, |p| p.len()))
        } else {
            graph.flow_hops(f).map_or(0, |p| p.len())
        };
        let items: usize = f
            .services
            .iter()
            .map(|s| model.service(*s).items.len())
            .sum();
        total = total.saturating_add(items.saturating_mul(hops));
    }
    // A device-level flow: its device's facing interfaces and, at most, every other device.
    for f in &model.self_flows {
        let items: usize = f
            .services
            .iter()
            .map(|s| model.service(*s).items.len())
            .sum();
        let places = model.device(f.device).interfaces.len() + model.devices.len();
        total = total.saturating_add(items.saturating_mul(places));
    }
    if total > max_rules {
        diags.push(
            Diagnostic::error(
                crate::diagnostic::codes::LIMIT,
                format!("the policy expands to {total} device rules, more than the limit of {max_rules}"),
            )
            .help("split large services or flows, or raise the limit with `--max-rules` if this is intended"),
        );
        return (
            Ir {
                devices: Vec::new(),
                unenforced: Vec::new(),
                unroutable: Vec::new(),
            },
            diags,
        );
    }
    let mut path_cache: BTreeMap<(ZoneId, ZoneId), Option<Vec<Hop>>> = BTreeMap::new();
    // rules[device][(ingress, egress)] -> rules
    let mut per_device: Vec<BTreeMap<(usize, usize), Vec<RuleIr>>> =
        vec![BTreeMap::new(); model.devices.len()];
    let mut unenforced = Vec::new();
    let mut unroutable = Vec::new();
    for fid in model.flow_ids() {
        let f = model.flow(fid);
        // A flow with `via` keeps to the paths through its devices: its own hops.
        let via_path;
        let path = if f.via.is_empty() {
            path_cache
                .entry((f.src.zone, f.dst.zone))
                .or_insert_with(|| graph.hops(f.src.zone, f.dst.zone))
        } else {
            via_path = graph.flow_hops(f);
            &via_path
        };
        let Some(hops) = path else {
            unroutable.push(fid);
            continue;
        };
        if hops.is_empty() {
            unenforced.push(fid);
            continue;
        }
        let src = model.endpoint_addrs(f.src);
        let dst = model.endpoint_addrs(f.dst);
        let conduit = &model.conduit(f.conduit).name;
        for sid in &f.services {
            let svc = model.service(*sid);
            for item in &svc.items {
                if item.is_layer2() {
                    continue;
                }
                let (s, d) = restrict_family(src, dst, item);
                if s.is_empty() || d.is_empty() {
                    continue;
                }
                let mut label = String::with_capacity(conduit.len() + 48);
                label.push_str(conduit);
                label.push_str(": ");
                model.push_flow_label(&mut label, fid);
                for hop in hops.iter() {
                    per_device[hop.device.0]
                        .entry((hop.ingress, hop.egress))
                        .or_default()
                        .push(RuleIr {
                            flow: fid.into(),
                            conduit: Some(f.conduit),
                            service: *sid,
                            src: s.clone(),
                            dst: d.clone(),
                            item: *item,
                            log: f.log,
                            one_way: svc.flags.one_way,
                            label: label.clone(),
                        });
                }
            }
        }
    }
    let mut local = local::plan_self_flows(model, &mut per_device);
    let mut devices = Vec::new();
    for (di, dev) in model.devices.iter().enumerate() {
        let id = DeviceId(di);
        let interfaces = dev
            .interfaces
            .iter()
            .map(|i| {
                let behind_zones = graph.zones_behind(id, i.zone);
                let behind = AddrSet::union_all(behind_zones.iter().map(|z| &model.zone(*z).addrs));
                InterfaceIr {
                    name: i.name.clone(),
                    zone: i.zone,
                    zone_name: model.zone(i.zone).name.clone(),
                    behind_zones,
                    behind,
                    nat: model.zone(i.zone).nat.clone(),
                }
            })
            .collect();
        let pairs = std::mem::take(&mut per_device[di])
            .into_iter()
            .map(|((ingress, egress), rules)| PairIr {
                ingress,
                egress,
                replies: replies::of_rules(dev, &rules),
                rules,
            })
            .collect();
        let switch = (dev.kind == DeviceKind::Switch).then(|| plan_switch(model, id));
        devices.push(DeviceIr {
            device: id,
            name: dev.name.clone(),
            kind: dev.kind,
            targets: dev.targets.clone(),
            inspect: dev.inspect,
            interfaces,
            pairs,
            local: local::local_ir(std::mem::take(&mut local[di]), dev),
            own: dev.own_addrs(),
            nodes: dev.node_names().into_iter().map(str::to_string).collect(),
            sync: local::sync_ir(model, dev),
            switch,
        });
    }
    for d in &devices {
        diags.extend(replies::out_005(model, d));
    }
    (
        Ir {
            devices,
            unenforced,
            unroutable,
        },
        diags,
    )
}

/// A service item applies to one address family or both; keep only the matching parts.
fn restrict_family(src: &AddrSet, dst: &AddrSet, item: &ServiceItem) -> (AddrSet, AddrSet) {
    let mut s = AddrSet::new();
    let mut d = AddrSet::new();
    if item.v4() && !src.v4.is_empty() && !dst.v4.is_empty() {
        s.v4 = src.v4.clone();
        d.v4 = dst.v4.clone();
    }
    if item.v6() && !src.v6.is_empty() && !dst.v6.is_empty() {
        s.v6 = src.v6.clone();
        d.v6 = dst.v6.clone();
    }
    (s, d)
}

fn plan_switch(model: &Model, id: DeviceId) -> SwitchIr {
    let dev = model.device(id);
    let mut vlans: BTreeMap<u16, VlanIr> = BTreeMap::new();
    let mut ports = Vec::new();
    for p in &dev.ports {
        let zones: Vec<ZoneId> = match &p.mode {
            PortMode::Access { zone } => vec![*zone],
            PortMode::Trunk { zones } => zones.clone(),
        };
        let mut ids: Vec<u16> = Vec::new();
        for z in &zones {
            let zone = model.zone(*z);
            if let Some(v) = zone.vlan {
                vlans.entry(v).or_insert_with(|| VlanIr {
                    id: v,
                    zone: *z,
                    name: zone.name.clone(),
                });
                ids.push(v);
            }
        }
        ids.sort();
        let (access_vlan, trunk_vlans) = match &p.mode {
            PortMode::Access { .. } => (ids.first().copied(), Vec::new()),
            PortMode::Trunk { .. } => (None, ids),
        };
        ports.push(SwitchPortIr {
            name: p.name.clone(),
            range: p.range.clone(),
            access_vlan,
            trunk_vlans,
            zones: zones.iter().map(|z| model.zone(*z).name.clone()).collect(),
        });
    }
    // SVIs of a layer-3 switch also carry their zones' VLANs.
    for i in &dev.interfaces {
        let zone = model.zone(i.zone);
        if let Some(v) = zone.vlan {
            vlans.entry(v).or_insert_with(|| VlanIr {
                id: v,
                zone: i.zone,
                name: zone.name.clone(),
            });
        }
    }
    SwitchIr {
        vlans: vlans.into_values().collect(),
        ports,
        parking_vlan: dev.parking_vlan,
        shutdown_unused: dev.unused_ports_shutdown,
    }
}
