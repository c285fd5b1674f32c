//! The Cisco IOS side of the device's own traffic in verify: what a stateless device's inbound
//! ACLs must let in for the device itself (the `X -> self` flows facing each interface, the
//! replies of its `self -> X` flows, its cluster's VRRP on the sync link) and for the
//! device-level flows of other devices that cross it; and the sources none of it may carry (the
//! device's own addresses). Computed from the Model and the zone/device graph, not the plan.

use super::Why;
use crate::model::graph::ZoneGraph;
use crate::model::{DeviceId, Model, SelfFlowId};
use crate::packet::space::{Family, Space};
use std::collections::BTreeMap;

/// A stateless cluster's sync ([`Why::Sync`]): VRRP from the sync link's peers
/// ([`Model::sync_peers`]) to the VRRP group of their family.
pub(super) fn sync_cubes(peers: &crate::model::AddrSet) -> Vec<crate::packet::space::Cube> {
    use crate::dialect::cisco_ios::router::{VRRP_GROUP_V4, VRRP_GROUP_V6, VRRP_PROTOCOL};
    let mut groups = crate::model::AddrSet::new();
    for g in [
        std::net::IpAddr::V4(VRRP_GROUP_V4),
        std::net::IpAddr::V6(VRRP_GROUP_V6),
    ] {
        groups.add_range(g, g);
    }
    crate::packet::space::Cube::of_item_all(
        peers,
        &groups,
        &crate::model::ServiceItem::Ip {
            number: VRRP_PROTOCOL,
        },
    )
}

/// The device-level flows' part of [`stateless_pairs`]. A packet addressed to a device is
/// delivered by the first of its interfaces it reaches, so the interfaces facing a peer are
/// those whose zone the peer's zone reaches in the zone/device graph without the device; at the
/// device, what enters by them (the `X -> self` packets, the replies of `self -> X`); at every
/// other stateless device on those paths, the flow and its replies as for any flow.
pub(super) fn self_flows_stateless(
    model: &Model,
    ios: &[bool],
    out: &mut BTreeMap<(DeviceId, usize, usize), Space<Why>>,
) {
    use crate::model::SelfDirection;
    let mut without: BTreeMap<DeviceId, ZoneGraph> = BTreeMap::new();
    for id in model.self_flow_ids() {
        let f = model.self_flow(id);
        let graph = without.entry(f.device).or_insert_with(|| {
            ZoneGraph::from_interfaces(
                model.zones.len(),
                model.devices.iter().enumerate().map(|(i, d)| {
                    if i == f.device.0 {
                        Vec::new()
                    } else {
                        d.interfaces.iter().map(|i| i.zone).collect()
                    }
                }),
            )
        });
        let dev = model.device(f.device);
        let own = model.self_addrs(id);
        let peer = model.endpoint_addrs(f.peer);
        let (fwd, back) = packets(model, id, &own, peer);
        // Packets to a service's multicast groups (`ospf` to 224.0.0.5): never forwarded, so
        // they reach the device on the links of the peer's zone only; a packet to a group gets no
        // reply, and what the device sends to one meets no ACL.
        let mut to_groups = Vec::new();
        if f.direction == SelfDirection::ToDevice {
            for sid in &f.services {
                let svc = model.service(*sid);
                let mut groups = crate::model::AddrSet::new();
                for g in &svc.groups {
                    groups.add_range(*g, *g);
                }
                for item in &svc.items {
                    to_groups.extend(crate::packet::space::Cube::of_item_all(peer, &groups, item));
                }
            }
        }
        for (k, iface) in dev.interfaces.iter().enumerate() {
            if ios[f.device.0] && iface.zone == f.peer.zone && !to_groups.is_empty() {
                out.entry((f.device, k, k))
                    .or_default()
                    .extend(to_groups.iter().cloned(), Why::SelfFlow(id));
            }
            // The paths from the peer's zone to this interface's zone that avoid the device.
            let Some(hops) = graph.hops(f.peer.zone, iface.zone) else {
                continue;
            };
            if ios[f.device.0] {
                let (cubes, why) = match f.direction {
                    SelfDirection::ToDevice => (&fwd, Why::SelfFlow(id)),
                    SelfDirection::FromDevice => (&back, Why::SelfReply(id)),
                };
                out.entry((f.device, k, k))
                    .or_default()
                    .extend(cubes.iter().cloned(), why);
            }
            // At the other devices on the way, what the device sends out by this interface
            // carries one of its addresses there.
            let sent;
            let (fwd, back) = match f.direction {
                SelfDirection::ToDevice => (&fwd, &back),
                SelfDirection::FromDevice => {
                    sent = packets(model, id, &iface.own_addrs(), peer);
                    (&sent.0, &sent.1)
                }
            };
            for h in hops.iter().filter(|h| ios[h.device.0]) {
                // Hops run from the peer towards the device; its own traffic runs back.
                let (ingress, egress) = match f.direction {
                    SelfDirection::ToDevice => (h.ingress, h.egress),
                    SelfDirection::FromDevice => (h.egress, h.ingress),
                };
                out.entry((h.device, ingress, egress))
                    .or_default()
                    .extend(fwd.iter().cloned(), Why::SelfFlow(id));
                out.entry((h.device, egress, ingress))
                    .or_default()
                    .extend(back.iter().cloned(), Why::SelfReply(id));
            }
        }
    }
}

/// A device-level flow's packets between `own` (some of its device's addresses) and `peer`, and
/// their replies (none for a `one-way` service).
fn packets(
    model: &Model,
    id: SelfFlowId,
    own: &crate::model::AddrSet,
    peer: &crate::model::AddrSet,
) -> (
    Vec<crate::packet::space::Cube>,
    Vec<crate::packet::space::Cube>,
) {
    let f = model.self_flow(id);
    let (src, dst) = match f.direction {
        crate::model::SelfDirection::ToDevice => (peer, own),
        crate::model::SelfDirection::FromDevice => (own, peer),
    };
    let mut fwd = Vec::new();
    let mut back = Vec::new();
    for sid in &f.services {
        let svc = model.service(*sid);
        for item in &svc.items {
            fwd.extend(crate::packet::space::Cube::of_item_all(src, dst, item));
            // A `one-way` service's packets get no reply.
            if svc.flags.one_way {
                continue;
            }
            for fam in [Family::V4, Family::V6] {
                back.extend(crate::packet::reply::reply_cubes(fam, src, dst, item));
            }
        }
    }
    (fwd, back)
}

/// The sources no packet entering a device by interface `iface` may carry: its own addresses
/// (a cluster's shared ones; a node's own address is its partner's legitimate source). The
/// Cisco IOS target denies them first on every interface. Where `iface` attaches a translated
/// zone, its own addresses in the zone's inside networks are also seen at their outside
/// addresses (the plant's view of the wire there).
pub(super) fn spoofed_sources(
    model: &Model,
    device: DeviceId,
    iface: usize,
    fams: &[Family],
) -> Space<()> {
    let dev = model.device(device);
    let mut set = crate::model::AddrSet::new();
    for i in &dev.interfaces {
        for a in &i.addresses {
            set.add_range(*a, *a);
        }
    }
    if let Some(i) = dev.interfaces.get(iface) {
        let zone = model.zone(i.zone);
        if zone.is_translated() {
            set = set.union(&zone.to_outside(&set.intersect(&zone.inside_addrs())));
        }
    }
    let mut out = Space::new();
    for &fam in fams {
        let src = fam.addrs(&set);
        if src.is_empty() {
            continue;
        }
        out.extend(
            crate::packet::space::Cube::new(
                fam,
                src,
                fam.all_addrs(),
                crate::packet::space::Ivs::range(0, 255),
                crate::packet::space::Ivs::range(0, 65535),
            ),
            (),
        );
    }
    out
}

pub(super) fn self_flow_text(model: &Model, id: SelfFlowId) -> String {
    let f = model.self_flow(id);
    let loc = model.sources.location(model.spans.self_flow(id));
    let loc = loc
        .rsplit_once(':')
        .map(|(a, _)| a.to_string())
        .unwrap_or(loc);
    format!(
        "{}: {} ({loc})",
        model.device(f.device).name,
        model.self_flow_label(id)
    )
}
