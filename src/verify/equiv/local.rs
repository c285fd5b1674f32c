//! The device's own traffic in verify: what the policy lets reach and leave each device itself
//! (its device-level flows, its cluster's sync, neighbour discovery), computed from the Model
//! and the zone/device graph, not from the plan; the device-level flows that cross other
//! devices on their way; and the comparison with a configuration's input and output chains
//! ([`Filters::local`]) and, where the device has `one-way` flows of its own, the replies of its
//! connections ([`Filters::local_replies`]).

use super::{config_accepts, dropping_line, Counterexample, PairDifference};
use crate::dialect::config::ReadError;
use crate::dialect::Filters;
use crate::model::{DeviceId, Model, SelfDirection, SelfFlowId};
use crate::packet::space::{Family, Space};
use std::collections::BTreeMap;

/// The packets of a device-level flow: from the peer to every address of the device, or from
/// every address of the device to the peer.
pub(super) fn self_flow_cubes(model: &Model, id: SelfFlowId) -> Vec<crate::packet::space::Cube> {
    cubes_between(model, id, &model.self_addrs(id))
}

/// The packets of a device-level flow between its peer and `own`, some of the device's
/// addresses.
fn cubes_between(
    model: &Model,
    id: SelfFlowId,
    own: &crate::model::AddrSet,
) -> Vec<crate::packet::space::Cube> {
    let f = model.self_flow(id);
    let peer = model.endpoint_addrs(f.peer);
    let (src, dst) = match f.direction {
        SelfDirection::ToDevice => (peer, own),
        SelfDirection::FromDevice => (own, peer),
    };
    let mut cubes = Vec::new();
    for sid in &f.services {
        for item in &model.service(*sid).items {
            cubes.extend(crate::packet::space::Cube::of_item_all(src, dst, item));
        }
    }
    cubes
}

/// Calls `f` with every device-level flow, its packets and the hops of the other devices it
/// crosses between its peer's zone and the zone of each interface of its device by which the
/// peer is reached (the device's own hop is its input or output chain, compared apart).
pub(super) fn for_each_self_path(
    model: &Model,
    mut f: impl FnMut(SelfFlowId, &[crate::packet::space::Cube], &[crate::model::graph::Hop]),
) {
    if model.self_flows.is_empty() {
        return;
    }
    let graph = model.graph();
    let mut reach: BTreeMap<DeviceId, Vec<Vec<bool>>> = BTreeMap::new();
    for id in model.self_flow_ids() {
        let fl = model.self_flow(id);
        let dev = model.device(fl.device);
        let by = reach
            .entry(fl.device)
            .or_insert_with(|| zones_by_interface(model, fl.device));
        let cubes = self_flow_cubes(model, id);
        for (i, iface) in dev.interfaces.iter().enumerate() {
            if iface.zone == fl.peer.zone || !by[i][fl.peer.zone.0] {
                continue;
            }
            // What the device sends out by this interface carries one of its addresses.
            let sent;
            let cubes = match fl.direction {
                SelfDirection::ToDevice => &cubes,
                SelfDirection::FromDevice => {
                    sent = cubes_between(model, id, &iface.own_addrs());
                    &sent
                }
            };
            let hops = match fl.direction {
                SelfDirection::ToDevice => graph.hops(fl.peer.zone, iface.zone),
                SelfDirection::FromDevice => graph.hops(iface.zone, fl.peer.zone),
            };
            let hops: Vec<_> = hops
                .unwrap_or_default()
                .into_iter()
                .filter(|h| h.device != fl.device)
                .collect();
            if !hops.is_empty() {
                f(id, cubes, &hops);
            }
        }
    }
}

/// Why the policy lets a packet reach or leave the device itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalWhy {
    /// A device-level flow (`allow X -> self`, `allow self -> X`).
    SelfFlow(SelfFlowId),
    /// VRRP and conntrackd between the nodes of a cluster, on its sync interface.
    Sync,
    /// IPv6 neighbour discovery (ICMPv6 135, 136) on the device's own links.
    NeighbourDiscovery,
}

/// Per interface of `device`, the zones whose packets can arrive by it (and be sent to by it)
/// without crossing the device: the interface's zone and every zone joined to it through other
/// devices. Computed from the Model's devices, not from the plan.
pub(super) fn zones_by_interface(model: &Model, device: DeviceId) -> Vec<Vec<bool>> {
    let n = model.zones.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for (di, d) in model.devices.iter().enumerate() {
        if di == device.0 {
            continue;
        }
        let mut zones = d.interfaces.iter().map(|i| i.zone.0);
        if let Some(first) = zones.next() {
            for z in zones {
                let (a, b) = (find(&mut parent, first), find(&mut parent, z));
                parent[a] = b;
            }
        }
    }
    model
        .device(device)
        .interfaces
        .iter()
        .map(|i| {
            let root = find(&mut parent, i.zone.0);
            (0..n).map(|z| find(&mut parent, z) == root).collect()
        })
        .collect()
}

/// What the policy lets reach (`true`) or leave (`false`) the device itself by each interface:
/// its device-level flows (X's addresses to every address of the device, on each interface by
/// which X can be reached; the other way for `self -> X`), the cluster's sync on its sync
/// interface (VRRP and conntrackd from a node's address to a node's or the protocol's group,
/// see docs/targets/linux.md) and IPv6 neighbour discovery on every interface.
pub fn local_policy(model: &Model, device: DeviceId) -> BTreeMap<(usize, bool), Space<LocalWhy>> {
    use crate::dialect::linux::{CONNTRACKD_GROUP, CONNTRACKD_PORT, VRRP_GROUP, VRRP_PROTOCOL};
    use crate::model::ServiceItem;
    use crate::packet::service::PortRange;
    use crate::packet::space::{Cube, Ivs};
    let dev = model.device(device);
    let reach = zones_by_interface(model, device);
    let mut out: BTreeMap<(usize, bool), Space<LocalWhy>> = BTreeMap::new();
    for (k, f) in model.self_flows.iter().enumerate() {
        if f.device != device {
            continue;
        }
        let to_device = f.direction == SelfDirection::ToDevice;
        let cubes = self_flow_cubes(model, SelfFlowId(k));
        // A zone-based firewall (`inspect`) passes the replies of what it does not inspect by
        // a rule of the other self zone-pair.
        let back = if dev.inspect {
            let own = dev.own_addrs();
            let peer = model.endpoint_addrs(f.peer);
            let ends = if to_device {
                (peer, &own)
            } else {
                (&own, peer)
            };
            crate::model::packets::untracked_reply_cubes(model, dev, ends, &f.services)
        } else {
            Vec::new()
        };
        // A zone-based firewall filters the packets to and from a service's multicast groups
        // (`ospf` to 224.0.0.5) too: they travel on the links of the peer's zone only.
        let mut groups_cubes = Vec::new();
        if dev.inspect {
            let own = dev.own_addrs();
            let peer = model.endpoint_addrs(f.peer);
            for sid in &f.services {
                let svc = model.service(*sid);
                let mut groups = crate::model::AddrSet::new();
                for g in &svc.groups {
                    groups.add_range(*g, *g);
                }
                let src = if to_device { peer } else { &own };
                for item in &svc.items {
                    groups_cubes
                        .extend(crate::packet::space::Cube::of_item_all(src, &groups, item));
                }
            }
        }
        for (i, iface) in dev.interfaces.iter().enumerate() {
            if iface.zone == f.peer.zone && !groups_cubes.is_empty() {
                out.entry((i, to_device)).or_default().extend(
                    groups_cubes.iter().cloned(),
                    LocalWhy::SelfFlow(SelfFlowId(k)),
                );
            }
        }
        for (i, zones) in reach.iter().enumerate() {
            if zones[f.peer.zone.0] {
                out.entry((i, to_device))
                    .or_default()
                    .extend(cubes.iter().cloned(), LocalWhy::SelfFlow(SelfFlowId(k)));
                if !back.is_empty() {
                    out.entry((i, !to_device))
                        .or_default()
                        .extend(back.iter().cloned(), LocalWhy::SelfFlow(SelfFlowId(k)));
                }
            }
        }
    }
    if let Some((i, peers)) = model.sync_peers(dev) {
        let group = |g: &str| {
            let mut s = peers.clone();
            if let Ok(a) = g.parse::<std::net::IpAddr>() {
                s.add_range(a, a);
            }
            s
        };
        let mut cubes = Vec::new();
        for g in VRRP_GROUP {
            let item = ServiceItem::Ip {
                number: VRRP_PROTOCOL,
            };
            cubes.extend(Cube::of_item_all(&peers, &group(g), &item));
        }
        let udp = ServiceItem::Udp {
            ports: PortRange {
                lo: CONNTRACKD_PORT,
                hi: CONNTRACKD_PORT,
            },
        };
        cubes.extend(Cube::of_item_all(&peers, &group(CONNTRACKD_GROUP), &udp));
        for to_device in [true, false] {
            out.entry((i, to_device))
                .or_default()
                .extend(cubes.iter().cloned(), LocalWhy::Sync);
        }
    }
    let all = Family::V6.all_addrs();
    let nd = Cube::new(
        Family::V6,
        all.clone(),
        all,
        Ivs::point(58),
        Ivs::range(135, 136),
    );
    for i in 0..dev.interfaces.len() {
        for to_device in [true, false] {
            out.entry((i, to_device))
                .or_default()
                .extend(nd.iter().cloned(), LocalWhy::NeighbourDiscovery);
        }
    }
    out
}

pub(super) fn local_why_text(model: &Model, why: LocalWhy) -> String {
    match why {
        LocalWhy::SelfFlow(id) => {
            let loc = model.sources.location(model.spans.self_flow(id));
            let loc = loc
                .rsplit_once(':')
                .map(|(a, _)| a.to_string())
                .unwrap_or(loc);
            format!(
                "flow {}: {} ({loc})",
                model.device(model.self_flow(id).device).name,
                model.self_flow_label(id)
            )
        }
        LocalWhy::Sync => "the cluster's sync (VRRP and conntrackd between its nodes)".into(),
        LocalWhy::NeighbourDiscovery => "IPv6 neighbour discovery (ICMPv6 types 135, 136)".into(),
    }
}

/// Compares the device's own traffic, per interface and direction: what the configuration lets
/// reach the device ([`Filters::local`], the input chain) and leave it (the output chain) with
/// [`local_policy`]. A difference names the interface and `this device`.
pub(super) fn compare_local(
    model: &Model,
    device: DeviceId,
    config: &dyn Filters,
) -> Result<Vec<PairDifference>, ReadError> {
    let dev = model.device(device);
    let mut policy = local_policy(model, device);
    // A router with `inspect` denies its own addresses as sources first on every interface,
    // as the stateless IOS target does.
    if dev.inspect {
        for ((i, to_device), want) in policy.iter_mut() {
            if *to_device {
                let spoofed = super::spoofed_sources(model, device, *i, &[Family::V4, Family::V6]);
                *want = want.subtract(&spoofed);
            }
        }
    }
    let empty = Space::new();
    let mut out = Vec::new();
    // A vendor's HA link carries its own protocol, which no filter decides; the policy's sync
    // (VRRP and conntrackd) does not apply there, and no flow reaches the device by it (E0047).
    let ha_link = config.ha_link().is_some().then_some(dev.sync).flatten();
    // Nor are the device's addresses on that link reachable from its data interfaces.
    let unreachable = ha_link.and_then(|s| dev.interfaces.get(s)).map(|link| {
        let set = link.own_addrs();
        let mut out: Space<()> = Space::new();
        for fam in [Family::V4, Family::V6] {
            let dst = fam.addrs(&set);
            if !dst.is_empty() {
                out.extend(
                    crate::packet::space::Cube::new(
                        fam,
                        fam.all_addrs(),
                        dst,
                        crate::packet::space::Ivs::range(0, 255),
                        crate::packet::space::Ivs::range(0, 65535),
                    ),
                    (),
                );
            }
        }
        out
    });
    for (i, iface) in dev.interfaces.iter().enumerate() {
        if ha_link == Some(i) {
            continue;
        }
        for to_device in [true, false] {
            // Nothing filters what the device originates on this target (verify notes it).
            if !to_device && !config.own_output_filtered() {
                continue;
            }
            let mut want = policy.get(&(i, to_device)).unwrap_or(&empty);
            let reachable;
            if let (true, Some(u)) = (to_device, &unreachable) {
                reachable = want.subtract(u);
                want = &reachable;
            }
            let filters = config.local(&iface.name, to_device)?;
            let have = config_accepts(&filters);
            let over = have.subtract(want);
            let under = want.subtract(&have);
            if over.is_empty() && under.is_empty() {
                continue;
            }
            let over_permit = over.cubes.first().and_then(|(c, t)| {
                Some(Counterexample {
                    packet: c.witness()?.to_string(),
                    config_line: t.to_string(),
                    policy_flow: None,
                })
            });
            let under_permit = under.cubes.first().and_then(|(c, why)| {
                let p = c.witness()?;
                Some(Counterexample {
                    packet: p.to_string(),
                    config_line: dropping_line(filters.iter().map(Vec::as_slice), &p),
                    policy_flow: Some(local_why_text(model, *why)),
                })
            });
            let (ingress, egress) = if to_device {
                (iface.name.clone(), "this device".to_string())
            } else {
                ("this device".to_string(), iface.name.clone())
            };
            out.push(PairDifference {
                ingress,
                egress,
                over_permit,
                under_permit,
            });
        }
    }
    // A zone-based firewall passes the device's `one-way` items without inspection: their
    // replies meet no rule, which the comparison above already holds.
    if !dev.inspect {
        out.extend(compare_local_replies(model, device, config)?);
    }
    Ok(out)
}

/// The replies of the device's own connections, per interface and chain (`true`: the input
/// chain, which the replies of `self -> X` flows meet; `false`: the output chain, for the
/// replies of `X -> self` ones): those of the two-way flows, and those of the `one-way` ones.
/// Empty when the device has no `one-way` flow of its own.
type LocalReplies = BTreeMap<(usize, bool), (Space<SelfFlowId>, Space<SelfFlowId>)>;

fn local_replies(model: &Model, device: DeviceId) -> LocalReplies {
    use crate::packet::reply::reply_cubes;
    let mut out = LocalReplies::new();
    let flows: Vec<SelfFlowId> = model
        .self_flow_ids()
        .filter(|id| model.self_flow(*id).device == device)
        .collect();
    let one_way = |id: &SelfFlowId| {
        model
            .self_flow(*id)
            .services
            .iter()
            .any(|s| model.service(*s).flags.one_way)
    };
    if !flows.iter().any(one_way) {
        return out;
    }
    let dev = model.device(device);
    let own = dev.own_addrs();
    let reach = zones_by_interface(model, device);
    for id in flows {
        let f = model.self_flow(id);
        let peer = model.endpoint_addrs(f.peer);
        let (src, dst, chain) = match f.direction {
            SelfDirection::ToDevice => (peer, &own, false),
            SelfDirection::FromDevice => (&own, peer, true),
        };
        for (i, zones) in reach.iter().enumerate() {
            if !zones[f.peer.zone.0] {
                continue;
            }
            let e = out.entry((i, chain)).or_default();
            for sid in &f.services {
                let svc = model.service(*sid);
                let side = if svc.flags.one_way {
                    &mut e.1
                } else {
                    &mut e.0
                };
                for item in &svc.items {
                    for fam in [Family::V4, Family::V6] {
                        side.extend(reply_cubes(fam, src, dst, item), id);
                    }
                }
            }
        }
    }
    out
}

/// Compares the replies of the device's own connections ([`local_replies`]) with
/// [`Filters::local_replies`]: the replies of its two-way flows pass, those of its `one-way`
/// flows do not.
fn compare_local_replies(
    model: &Model,
    device: DeviceId,
    config: &dyn Filters,
) -> Result<Vec<PairDifference>, ReadError> {
    let dev = model.device(device);
    let mut out = Vec::new();
    for ((i, to_device), (two, one)) in local_replies(model, device) {
        let Some(iface) = dev.interfaces.get(i) else {
            continue;
        };
        let filters = config.local_replies(&iface.name, to_device)?;
        let have = config_accepts(&filters);
        let over = one.intersect(&have);
        let under = two.subtract(&one).subtract(&have);
        let over_permit = over.first().and_then(|(c, id, line)| {
            Some(Counterexample {
                packet: format!("{} (a reply)", c.witness()?),
                config_line: line.to_string(),
                policy_flow: Some(format!(
                    "{} is one-way: its replies are dropped",
                    local_why_text(model, LocalWhy::SelfFlow(*id))
                )),
            })
        });
        let under_permit = under.cubes.first().and_then(|(c, id)| {
            let p = c.witness()?;
            Some(Counterexample {
                packet: format!("{p} (a reply)"),
                config_line: dropping_line(filters.iter().map(Vec::as_slice), &p),
                policy_flow: Some(local_why_text(model, LocalWhy::SelfFlow(*id))),
            })
        });
        if over_permit.is_none() && under_permit.is_none() {
            continue;
        }
        let (ingress, egress) = if to_device {
            (iface.name.clone(), "this device".to_string())
        } else {
            ("this device".to_string(), iface.name.clone())
        };
        out.push(PairDifference {
            ingress,
            egress,
            over_permit,
            under_permit,
        });
    }
    Ok(out)
}

/// The device's own traffic through planning, lowering, printing, reading back and
/// [`compare_local`], on a policy with `address`, `nodes`, `cluster`, `sync`, `allow X -> self`
/// and `allow self -> X`.
#[cfg(test)]
mod tests {
    use super::super::*;
    use crate::dialect::{EmitContext, EmitOptions, Output, Stamp};
    use crate::plan::Ir;
    use std::collections::BTreeMap;

    const POLICY: &str = "zone ot {
  level 3
  sl-target 2
  network 10.1.0.0/24
  asset ews 10.1.0.10
  asset hmi 10.1.0.20
}
zone it {
  level 2
  sl-target 1
  network 10.2.0.0/24
  asset collector 10.2.0.5
  asset web 10.2.0.7
}
zone ha {
  level 3
  sl-target 2
  network 10.99.0.0/29
}
conduit ot-it {
  connects ot, it
  sl-target 1
  allow ot.hmi -> it.web https
}
firewall fw {
  target nftables, iptables
  cluster fw-a, fw-b
  sync eth2
  interface eth0 ot address 10.1.0.1
  interface eth1 it address 10.2.0.1
  interface eth2 ha address 10.99.0.1 nodes 10.99.0.2, 10.99.0.3
  allow ot.ews -> self ssh
  allow self -> it.collector syslog
}
";

    /// The policy's Model and IR.
    fn fixture() -> (Model, Ir) {
        let loaded = crate::syntax::loader::load_from_text(
            "p.fence",
            std::path::Path::new("p.fence"),
            POLICY.to_string(),
        );
        let r = crate::model::resolve::resolve(&loaded);
        assert!(
            !r.diagnostics.iter().any(|d| d.is_error()),
            "{:#?}",
            r.diagnostics
        );
        let model = r.model.unwrap();
        let (ir, _) = crate::plan::model_to_ir(&model);
        (model, ir)
    }

    fn emit(model: &Model, ir: &Ir, target: Target) -> BTreeMap<String, String> {
        let stamp = Stamp {
            policy: "p".into(),
            hash: "0".into(),
            version: "0",
        };
        let cx = EmitContext {
            model,
            ir,
            stamp: &stamp,
            options: &EmitOptions::default(),
        };
        let d = crate::dialect::all()
            .iter()
            .find(|d| d.target() == target)
            .unwrap();
        let mut diags = Vec::new();
        let out: Vec<Output> = d.emit(&cx, &ir.devices[0], &mut diags).unwrap();
        out.into_iter()
            .map(|o| (o.path, String::from_utf8(o.bytes).unwrap()))
            .collect()
    }

    fn verify(
        model: &Model,
        files: &BTreeMap<String, String>,
        node: &str,
        t: Target,
    ) -> DeviceResult {
        let read = |p: &str| files.get(p).cloned();
        let dev = model.device(DeviceId(0));
        let cfg = load_node(dev, node, t, &read).unwrap().unwrap();
        let sides = PolicySides::for_targets(model, &[t]);
        compare_loaded(model, &sides, DeviceId(0), t, &cfg).unwrap()
    }

    const TARGETS: [Target; 2] = [Target::Nftables, Target::Iptables];

    #[test]
    fn each_node_gets_a_directory_that_differs_only_in_its_header() {
        let (model, ir) = fixture();
        for t in TARGETS {
            let files = emit(&model, &ir, t);
            let dirs: std::collections::BTreeSet<&str> =
                files.keys().filter_map(|p| p.split('/').next()).collect();
            assert_eq!(dirs.into_iter().collect::<Vec<_>>(), ["fw-a", "fw-b"]);
            for (path, a) in files.iter().filter(|(p, _)| p.starts_with("fw-a/")) {
                let b = &files[&path.replacen("fw-a/", "fw-b/", 1)];
                let differ: Vec<(&str, &str)> =
                    a.lines().zip(b.lines()).filter(|(x, y)| x != y).collect();
                assert_eq!(differ.len(), 1, "{path}: {differ:?}");
                assert!(
                    differ[0].1.contains("Device fw-b, node of cluster fw"),
                    "{differ:?}"
                );
            }
        }
    }

    #[test]
    fn both_nodes_verify_equal_with_their_own_traffic() {
        let (model, ir) = fixture();
        for t in TARGETS {
            let files = emit(&model, &ir, t);
            for node in ["fw-a", "fw-b"] {
                let r = verify(&model, &files, node, t);
                assert!(r.equal, "{node} {t:?}: {:#?}\n{files:#?}", r.differences);
            }
        }
    }

    /// Deleting the SSH permit is an under-permit with its packet; accepting everything the
    /// firewall sends (or one more destination) is an over-permit; the sync on another
    /// interface is both.
    #[test]
    fn mutations_of_the_local_chains_are_found() {
        let (model, ir) = fixture();
        let cases: [(Target, &str, &str, &str, bool, bool); 6] = [
            (
                Target::Nftables,
                "fw-a/nftables.nft",
                "\t\t\t10.1.0.10 . 10.1.0.1 . tcp . 22 comment",
                "\t\t\t10.1.0.10 . 10.1.0.1 . tcp . 23 comment",
                true,
                true,
            ),
            (
                Target::Nftables,
                "fw-a/nftables.nft",
                "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 counter accept comment \"neighbour discovery the firewall sends",
                "\t\tmeta l4proto ipv6-icmp counter accept comment \"neighbour discovery the firewall sends",
                true,
                false,
            ),
            (
                Target::Nftables,
                "fw-a/nftables.nft",
                "\t\toifname vmap {",
                "\t\tudp dport 53 accept\n\t\toifname vmap {",
                true,
                false,
            ),
            (
                Target::Iptables,
                "fw-a/iptables.rules",
                "-A FL-IN-eth0 -s 10.1.0.10/32 -d 10.1.0.1/32 -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW",
                "-A FL-IN-eth0 -s 10.1.0.10/32 -d 10.1.0.1/32 -p tcp -m tcp --dport 22 -m conntrack --ctstate ESTABLISHED",
                false,
                true,
            ),
            (
                Target::Iptables,
                "fw-a/iptables.rules",
                ":OUTPUT DROP",
                ":OUTPUT ACCEPT",
                false,
                false,
            ),
            (
                Target::Iptables,
                "fw-a/iptables.rules",
                "-A OUTPUT -m limit",
                "-A OUTPUT -p udp -m udp --dport 53 -j ACCEPT\n-A OUTPUT -m limit",
                true,
                false,
            ),
        ];
        for (t, file, from, to, over, under) in cases {
            let mut files = emit(&model, &ir, t);
            let text = files[file].clone();
            assert!(text.contains(from), "{file} lacks {from:?}:\n{text}");
            files.insert(file.into(), text.replacen(from, to, 1));
            let r = verify(&model, &files, "fw-a", t);
            let o = r.differences.iter().any(|d| d.over_permit.is_some());
            let u = r.differences.iter().any(|d| d.under_permit.is_some());
            // `:OUTPUT ACCEPT` with rules that end in `-j DROP` changes nothing.
            assert_eq!((o, u), (over, under), "{from:?}: {:#?}", r.differences);
            if let Some(c) = r.differences.iter().find_map(|d| d.under_permit.as_ref()) {
                assert!(c.packet.contains("10.1.0.1"), "{c:?}");
                assert!(
                    c.policy_flow
                        .as_deref()
                        .unwrap_or("")
                        .contains("-> self ssh"),
                    "{c:?}"
                );
            }
        }
    }
}
