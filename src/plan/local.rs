//! Planning of device-level flows (`allow X -> self`, `allow self -> X`): the device's own
//! filters ([`LocalIr`], per interface and direction) and the forward rules the flow needs at
//! OTHER devices on its way to or from the device.
//!
//! A packet addressed to the device is delivered by the first interface of the device it
//! reaches, whichever own address it carries: so the interfaces that face the peer zone are
//! those joined to it by some path that does not cross the device (the zone/device graph with
//! the device removed), and the other devices the flow crosses are those on such paths. Traffic
//! the device originates is the mirror image. Rules are exact: `self` is every own address.

use super::{replies, restrict_family, LocalIr, RuleIr, SyncIr};
use crate::model::graph::{Hop, ZoneGraph};
use crate::model::{AddrSet, Device, DeviceId, Model, SelfDirection, SelfFlowId, ZoneId};
use std::collections::{BTreeMap, BTreeSet};

/// Forward rules at other devices: `[device][(ingress, egress)]`, as planning keeps them.
pub(super) type Forward = [BTreeMap<(usize, usize), Vec<RuleIr>>];

/// How a device meets one peer zone: the interfaces facing it, and the other devices' hops on
/// the paths from the zone to each of those interfaces' zones.
struct Facing {
    interfaces: Vec<usize>,
    /// Hops from the peer zone towards the device (ingress on the peer's side).
    hops: BTreeSet<Hop>,
    /// The same hops per facing interface: the other devices between the peer's zone and that
    /// interface's zone.
    by_interface: Vec<(usize, Vec<Hop>)>,
}

/// The graph without one device, and what it says about each peer zone.
struct Without {
    graph: ZoneGraph,
    facing: BTreeMap<ZoneId, Facing>,
}

impl Without {
    fn new(model: &Model, device: DeviceId) -> Without {
        let graph = ZoneGraph::from_interfaces(
            model.zones.len(),
            model.devices.iter().enumerate().map(|(i, d)| {
                if i == device.0 {
                    Vec::new()
                } else {
                    d.interfaces.iter().map(|i| i.zone).collect()
                }
            }),
        );
        Without {
            graph,
            facing: BTreeMap::new(),
        }
    }

    fn facing(&mut self, dev: &Device, peer: ZoneId) -> &Facing {
        let graph = &self.graph;
        self.facing.entry(peer).or_insert_with(|| {
            let mut interfaces = Vec::new();
            let mut hops = BTreeSet::new();
            let mut by_interface = Vec::new();
            for (j, iface) in dev.interfaces.iter().enumerate() {
                if let Some(h) = graph.hops(peer, iface.zone) {
                    interfaces.push(j);
                    hops.extend(h.iter().cloned());
                    by_interface.push((j, h));
                }
            }
            Facing {
                interfaces,
                hops,
                by_interface,
            }
        })
    }
}

/// Where a device-level flow is enforced: at its device, on the interfaces facing its peer
/// (`facing`), and at the other devices it crosses (`hops`, oriented in the flow's direction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfFlowPlaces {
    pub facing: Vec<usize>,
    pub hops: Vec<Hop>,
}

/// [`SelfFlowPlaces`] of one device-level flow, as planning computes them.
pub fn self_flow_places(model: &Model, id: SelfFlowId) -> SelfFlowPlaces {
    let f = model.self_flow(id);
    let mut w = Without::new(model, f.device);
    let facing = w.facing(model.device(f.device), f.peer.zone);
    let hops = facing
        .hops
        .iter()
        .map(|h| match f.direction {
            SelfDirection::ToDevice => h.clone(),
            SelfDirection::FromDevice => Hop {
                device: h.device,
                ingress: h.egress,
                egress: h.ingress,
            },
        })
        .collect();
    SelfFlowPlaces {
        facing: facing.interfaces.clone(),
        hops,
    }
}

/// The device's own filters, by (interface, to_device), and the self flows' forward rules at
/// other devices, added to `forward` after the conduit flows' rules.
pub(super) fn plan_self_flows(
    model: &Model,
    forward: &mut Forward,
) -> Vec<BTreeMap<(usize, bool), Vec<RuleIr>>> {
    let mut local: Vec<BTreeMap<(usize, bool), Vec<RuleIr>>> =
        vec![BTreeMap::new(); model.devices.len()];
    let mut without: BTreeMap<DeviceId, Without> = BTreeMap::new();
    for id in model.self_flow_ids() {
        let f = model.self_flow(id);
        let dev = model.device(f.device);
        let w = without
            .entry(f.device)
            .or_insert_with(|| Without::new(model, f.device));
        let facing = w.facing(dev, f.peer.zone);
        let own = model.self_addrs(id);
        let peer = model.endpoint_addrs(f.peer);
        let to_device = f.direction == SelfDirection::ToDevice;
        for rule in rules(model, id, &own, peer) {
            for &j in &facing.interfaces {
                local[f.device.0]
                    .entry((j, to_device))
                    .or_default()
                    .push(rule.clone());
            }
        }
        // At the other devices on the way: a packet to the device may carry any own address;
        // one the device sends out by interface `j` carries an address of `j`.
        let mut seen = BTreeSet::new();
        for (j, hops) in &facing.by_interface {
            let sent = if to_device {
                own.clone()
            } else {
                dev.interfaces[*j].own_addrs()
            };
            for rule in rules(model, id, &sent, peer) {
                for hop in hops {
                    // Hops run from the peer towards the device; traffic from it runs back.
                    let key = if to_device {
                        (hop.ingress, hop.egress)
                    } else {
                        (hop.egress, hop.ingress)
                    };
                    if seen.insert((hop.device, key, rule.src.clone(), rule.item)) {
                        forward[hop.device.0]
                            .entry(key)
                            .or_default()
                            .push(rule.clone());
                    }
                }
            }
        }
        // A link-local group is never forwarded: its packets stay on the links of the peer's
        // zone, where the device meets the peer directly.
        let group_rules = group_rules(model, id, &own, peer);
        for (j, _) in dev
            .interfaces
            .iter()
            .enumerate()
            .filter(|(_, i)| i.zone == f.peer.zone)
        {
            local[f.device.0]
                .entry((j, to_device))
                .or_default()
                .extend(group_rules.iter().cloned());
        }
    }
    local
}

/// The rules of one self flow to the multicast groups of its services (`ospf` to 224.0.0.5 and
/// 224.0.0.6): from the peer to the groups for traffic to the device, from the device to them
/// for its own. A packet to a group gets no reply (the neighbours answer with their own packets
/// to the group), so these rules have none.
fn group_rules(model: &Model, id: SelfFlowId, own: &AddrSet, peer: &AddrSet) -> Vec<RuleIr> {
    let f = model.self_flow(id);
    let label = format!(
        "{}: {}",
        model.device(f.device).name,
        model.self_flow_label(id)
    );
    let mut out = Vec::new();
    for sid in &f.services {
        let svc = model.service(*sid);
        if svc.groups.is_empty() {
            continue;
        }
        let mut groups = AddrSet::new();
        for g in &svc.groups {
            groups.add_range(*g, *g);
        }
        let src = match f.direction {
            SelfDirection::ToDevice => peer,
            SelfDirection::FromDevice => own,
        };
        for item in &svc.items {
            let (s, d) = restrict_family(src, &groups, item);
            if s.is_empty() || d.is_empty() || item.is_layer2() {
                continue;
            }
            out.push(RuleIr {
                flow: id.into(),
                conduit: None,
                service: *sid,
                src: s,
                dst: d,
                item: *item,
                log: f.log,
                one_way: true,
                label: label.clone(),
            });
        }
    }
    out
}

/// The rules of one self flow, one per service item that applies to both ends' families.
fn rules(model: &Model, id: SelfFlowId, own: &AddrSet, peer: &AddrSet) -> Vec<RuleIr> {
    let f = model.self_flow(id);
    let dev = model.device(f.device);
    let (src, dst) = match f.direction {
        SelfDirection::ToDevice => (peer, own),
        SelfDirection::FromDevice => (own, peer),
    };
    let label = format!("{}: {}", dev.name, model.self_flow_label(id));
    let mut out = Vec::new();
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
            out.push(RuleIr {
                one_way: svc.flags.one_way,
                flow: id.into(),
                conduit: None,
                service: *sid,
                src: s,
                dst: d,
                item: *item,
                log: f.log,
                label: label.clone(),
            });
        }
    }
    out
}

/// One device's [`LocalIr`]s, sorted by (interface, direction); rules whose connections the
/// device does not track get their replies.
pub(super) fn local_ir(
    rules: BTreeMap<(usize, bool), Vec<RuleIr>>,
    device: &Device,
) -> Vec<LocalIr> {
    rules
        .into_iter()
        .map(|((interface, to_device), rules)| LocalIr {
            interface,
            to_device,
            replies: replies::of_rules(device, &rules),
            rules,
        })
        .collect()
}

/// The sync link of a cluster: its interface and the addresses of its peers
/// ([`Model::sync_peers`]).
pub(super) fn sync_ir(model: &Model, dev: &Device) -> Option<SyncIr> {
    let (interface, peers) = model.sync_peers(dev)?;
    Some(SyncIr { interface, peers })
}
