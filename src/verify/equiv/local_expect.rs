//! Build-time expectations about a device's own traffic (`expect allow X -> DEVICE SVC`,
//! `expect deny DEVICE -> X SVC`), checked against the generated configurations: the device's
//! own filters ([`Filters::local`]: the input chain, or the output chain) on every interface by
//! which `X`'s zone reaches it, in every node's directory and every target; for `expect allow`
//! also the forward filters of the other devices on the way. What a stateless device (Cisco
//! IOS) originates meets none of its filters: an expectation from it is checked on the replies
//! its inbound ACL lets back ([`crate::packet::reply`]). IPv6 neighbour discovery and a
//! cluster's sync, which every such device accepts whatever its flows, are not counted against
//! an `expect deny` (the policy side, [`crate::verify::expect`], decides by device-level flows).

use super::local::{local_policy, zones_by_interface, LocalWhy};
use super::{config_accepts, hop_space, load_device, load_node, opening_only, Loaded};
use crate::diagnostic::{codes, Diagnostic};
use crate::model::graph::ZoneGraph;
use crate::model::{DeviceId, Expect, Model, SelfDirection, Target};
use crate::packet::reply::reply_cubes;
use crate::packet::space::{Family, Space};
use crate::source::Span;
use crate::verify::expect::{expect_device, expect_space, expect_text};
use std::collections::BTreeMap;

/// Reads configurations once per (device, node, target).
pub(super) type Configs = BTreeMap<(DeviceId, String, Target), Option<Loaded>>;

/// The findings of one expectation with a device end (none when it holds or cannot be read).
pub(super) fn check_device_expectation(
    model: &Model,
    graph: &ZoneGraph,
    e: &Expect,
    at: Span,
    read: &dyn Fn(&str) -> Option<String>,
    configs: &mut Configs,
) -> Option<Diagnostic> {
    let (device, direction) = expect_device(e)?;
    let to_device = direction == SelfDirection::ToDevice;
    let (own, peer) = if to_device {
        (e.dst, e.src.endpoint()?)
    } else {
        (e.src, e.dst.endpoint()?)
    };
    let dev = model.device(device);
    let nodes: Vec<String> = match own.device().and_then(|(_, n)| n) {
        Some(n) => dev.cluster.get(n).cloned().into_iter().collect(),
        None => dev.node_names().into_iter().map(String::from).collect(),
    };
    let want = expect_space(model, e);
    let text = expect_text(model, e);
    let reach = zones_by_interface(model, device);
    let facing: Vec<usize> = (0..dev.interfaces.len())
        .filter(|i| reach[*i].get(peer.zone.0).copied().unwrap_or(false))
        .collect();
    let implicit = local_policy(model, device);
    let opening = opening_only(&want);
    // What a stateless device originates meets none of its filters (its inbound ACLs filter
    // what enters); a connection it opens stands or falls with the replies they let back.
    let replies = reply_space(model, e, own, peer);
    let way = |iface: &str| {
        if to_device {
            format!("entering by {iface}")
        } else {
            format!("leaving by {iface}")
        }
    };
    for node in &nodes {
        for &t in &dev.targets {
            let cfg = configs
                .entry((device, node.clone(), t))
                .or_insert_with(|| load_node(dev, node, t, read).ok().flatten());
            let Some(cfg) = cfg.as_ref() else { continue };
            let stateless_from = !to_device && !crate::dialect::stateful(t) && !dev.stateful();
            for &i in &facing {
                let iface = &dev.interfaces[i];
                if stateless_from {
                    let Ok(filters) = cfg.config.local(&iface.name, true) else {
                        continue;
                    };
                    let accepted = config_accepts(&filters);
                    // What the policy lets reach the device there anyway (its `X -> self`
                    // flows, sync, neighbour discovery) is no reply that an `expect deny` is
                    // about: a stateless filter cannot tell the two apart.
                    let mut admitted: Space<()> = Space::new();
                    for (c, _) in implicit
                        .get(&(i, true))
                        .map(|s| &s.cubes[..])
                        .unwrap_or(&[])
                    {
                        admitted.push(c.clone(), ());
                    }
                    let replies = replies.subtract(&admitted);
                    if let Some(d) =
                        check_replies(e, &text, at, node, t, &iface.name, &replies, &accepted)
                    {
                        return Some(d);
                    }
                    continue;
                }
                let Ok(filters) = cfg.config.local(&iface.name, to_device) else {
                    continue;
                };
                let accepted = config_accepts(&filters);
                if e.allow {
                    let missing = want.subtract(&accepted);
                    if let Some(p) = missing.cubes.first().and_then(|(c, _)| c.witness()) {
                        return Some(
                            Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold for the generated {} configuration of `{node}`", t.name()))
                                .at(at, "expected allowed, but a generated configuration drops some of these packets")
                                .help(format!("counterexample: {p} is dropped by `{node}` ({}) {}", t.name(), way(&iface.name))),
                        );
                    }
                } else {
                    let mut hits: Space<String> = Space::new();
                    for (c, _, line) in opening.intersect(&accepted) {
                        hits.push(c, line.to_string());
                    }
                    let extra: Space<()> = implicit
                        .get(&(i, to_device))
                        .map(|s| {
                            let mut x = Space::new();
                            for (c, why) in &s.cubes {
                                if !matches!(why, LocalWhy::SelfFlow(_)) {
                                    x.push(c.clone(), ());
                                }
                            }
                            x
                        })
                        .unwrap_or_default();
                    let left = hits.subtract(&extra);
                    if let Some((p, line)) = left
                        .cubes
                        .iter()
                        .find_map(|(c, l)| Some((c.witness()?, l.clone())))
                    {
                        return Some(
                            Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold for the generated {} configuration of `{node}`", t.name()))
                                .at(at, "expected denied, but a generated configuration accepts some of these packets")
                                .help(format!("counterexample: {p} is accepted by `{node}` ({}) {} ({line})", t.name(), way(&iface.name))),
                        );
                    }
                }
            }
        }
    }
    if !e.allow {
        return None;
    }
    // The other devices on the way forward the device's traffic as they forward any flow.
    let mut hop_configs: BTreeMap<(DeviceId, Target), Option<Loaded>> = BTreeMap::new();
    for &i in &facing {
        let zone = dev.interfaces[i].zone;
        if zone == peer.zone {
            continue;
        }
        let hops = if to_device {
            graph.hops(peer.zone, zone)
        } else {
            graph.hops(zone, peer.zone)
        };
        for h in hops.unwrap_or_default() {
            if h.device == device {
                continue;
            }
            let other = model.device(h.device);
            let (Some(iif), Some(oif)) = (
                other.interfaces.get(h.ingress),
                other.interfaces.get(h.egress),
            ) else {
                continue;
            };
            for &t in &other.targets {
                let cfg = hop_configs
                    .entry((h.device, t))
                    .or_insert_with(|| load_device(other, t, read).ok().flatten());
                let Some(cfg) = cfg.as_ref() else { continue };
                let Ok(allowed) = hop_space(cfg.config.as_ref(), &iif.name, &oif.name) else {
                    continue;
                };
                let missing = want.subtract(&allowed);
                if let Some(p) = missing.cubes.first().and_then(|(c, _)| c.witness()) {
                    return Some(
                        Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold for the generated {} configuration of `{}`", t.name(), other.name))
                            .at(at, "expected allowed, but a generated configuration drops some of these packets")
                            .help(format!("counterexample: {p} is dropped by `{}` ({}) from {} to {}", other.name, t.name(), iif.name, oif.name)),
                    );
                }
            }
        }
    }
    None
}

/// The replies of the connections an expectation from a device opens, as a stateless filter
/// admits them ([`crate::packet::reply`]): from the peer back to the device's addresses. A
/// `one-way` service has none.
fn reply_space(
    model: &Model,
    e: &Expect,
    own: crate::model::ExpectEnd,
    peer: crate::model::Endpoint,
) -> Space<()> {
    let mut sp = Space::new();
    let svc = model.service(e.service);
    if svc.flags.one_way {
        return sp;
    }
    let (mine, theirs) = (model.expect_end_addrs(own), model.endpoint_addrs(peer));
    for item in &svc.items {
        for f in [Family::V4, Family::V6] {
            sp.extend(reply_cubes(f, &mine, theirs, item), ());
        }
    }
    sp
}

/// An expectation from a device with a stateless dialect, on one interface facing the peer:
/// `expect allow` needs every reply let back in, `expect deny` none.
#[allow(clippy::too_many_arguments)]
fn check_replies(
    e: &Expect,
    text: &str,
    at: Span,
    node: &str,
    t: Target,
    iface: &str,
    replies: &Space<()>,
    accepted: &Space<crate::dialect::config::Tag>,
) -> Option<Diagnostic> {
    if e.allow {
        let missing = replies.subtract(accepted);
        let p = missing.cubes.first().and_then(|(c, _)| c.witness())?;
        return Some(
            Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold for the generated {} configuration of `{node}`", t.name()))
                .at(at, "expected allowed, but a generated configuration drops the replies of some of these packets")
                .help(format!("counterexample: the reply {p} is dropped by `{node}` ({}) entering by {iface}", t.name())),
        );
    }
    let (c, _, line) = replies
        .intersect(accepted)
        .into_iter()
        .find(|(c, _, _)| c.witness().is_some())?;
    let p = c.witness()?;
    Some(
        Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold for the generated {} configuration of `{node}`", t.name()))
            .at(at, "expected denied, but a generated configuration lets the replies of some of these packets back")
            .help(format!("counterexample: the reply {p} is accepted by `{node}` ({}) entering by {iface} ({line})", t.name())),
    )
}
