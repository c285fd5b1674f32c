//! Proves that a device's configuration allows exactly what the policy allows there: for every
//! (ingress, egress) interface pair, the set of new connections the configuration accepts equals
//! the set the policy's flows put on that pair (over every address, protocol and port; no
//! sampling). A difference comes with a counterexample packet each way and the lines behind it.
//!
//! The policy side is computed from the Model and the zone/device graph directly, not from the
//! plan, so a planning mistake is caught as well as an emitting one.
//!
//! Cisco IOS ACLs are stateless and filter by interface, not by interface pair: what enters an
//! interface must be exactly the flows the policy sends in by it, the replies of the flows it
//! sends out by it (as [`crate::packet::reply::reply_cubes`] defines them), and neighbour
//! discovery where the device routes IPv6. Source ports and the ACK flag are dimensions of that
//! comparison, so a reply permit one port too wide is a difference like any other.

use crate::dialect::config::{accepted, decide, intersect, Item, ReadError, Tag, Term};
use crate::dialect::Filters;
pub use crate::dialect::Loaded;
use crate::model::graph::ZoneGraph;
use crate::model::{DeviceId, ExpectId, FlowId, FlowRef, Model, SelfFlowId, Target, ZoneId};
use crate::packet::space::{Family, Space};
use serde::Serialize;
use std::collections::BTreeMap;

mod local;
mod local_expect;
mod stateless_local;
use local::{compare_local, for_each_self_path, local_why_text};
pub use local::{local_policy, LocalWhy};
use stateless_local::{self_flow_text, self_flows_stateless, spoofed_sources, sync_cubes};

/// What the policy allows per (device, ingress, egress), each cube tagged with its flow: the
/// conduits' flows, and the device-level flows of other devices that cross it on their way.
pub fn policy_pairs(model: &Model) -> BTreeMap<(DeviceId, usize, usize), Space<FlowRef>> {
    let mut out: BTreeMap<(DeviceId, usize, usize), Space<FlowRef>> = BTreeMap::new();
    for_each_path(model, |fid, hops| {
        let cubes = crate::model::packets::flow_cubes(model, fid);
        for h in hops {
            out.entry((h.device, h.ingress, h.egress))
                .or_default()
                .extend(cubes.iter().cloned(), FlowRef::Flow(fid));
        }
        let f = model.flow(fid);
        let ends = (model.endpoint_addrs(f.src), model.endpoint_addrs(f.dst));
        untracked_replies(model, hops, ends, &f.services, FlowRef::Flow(fid), &mut out);
    });
    for_each_self_path(model, |id, cubes, hops| {
        for h in hops {
            out.entry((h.device, h.ingress, h.egress))
                .or_default()
                .extend(cubes.iter().cloned(), FlowRef::SelfFlow { id });
        }
        let f = model.self_flow(id);
        let own = model.device(f.device).own_addrs();
        let peer = model.endpoint_addrs(f.peer);
        let ends = match f.direction {
            crate::model::SelfDirection::ToDevice => (peer, &own),
            crate::model::SelfDirection::FromDevice => (&own, peer),
        };
        untracked_replies(
            model,
            hops,
            ends,
            &f.services,
            FlowRef::SelfFlow { id },
            &mut out,
        );
    });
    out
}

/// On a device that tracks only some protocols (a Cisco IOS router with `inspect`), the
/// replies of the items it does not track pass by a rule of their own in the reverse pair: the
/// policy allows them there like first packets.
fn untracked_replies(
    model: &Model,
    hops: &[crate::model::graph::Hop],
    ends: (&crate::model::AddrSet, &crate::model::AddrSet),
    services: &[crate::model::ServiceId],
    why: FlowRef,
    out: &mut BTreeMap<(DeviceId, usize, usize), Space<FlowRef>>,
) {
    let mut back = None;
    for h in hops.iter().filter(|h| model.device(h.device).inspect) {
        let dev = model.device(h.device);
        let cubes = back.get_or_insert_with(|| {
            crate::model::packets::untracked_reply_cubes(model, dev, ends, services)
        });
        out.entry((h.device, h.egress, h.ingress))
            .or_default()
            .extend(cubes.iter().cloned(), why);
    }
}

/// The reply direction of every pair a flow crosses, per (device, ingress, egress) of the
/// replies (the pair reversed): the replies of its flows' other services, which pass as
/// established, the replies of its `one-way` services, which are dropped, and whether a
/// `one-way` flow crosses it. A connection that a `one-way` flow allows gets no reply even when
/// another flow allows it too, so the replies that must pass are the first set without the
/// second. Every pair is compared, not only those a `one-way` flow crosses: a configuration
/// that drops the replies of a two-way flow (one written or imported for a `one-way` one) is
/// as different as one that passes the replies of a `one-way` flow.
pub type ReplySides = BTreeMap<(DeviceId, usize, usize), ReplySide>;

/// The policy's reply direction on one pair ([`ReplySides`]).
#[derive(Default)]
pub struct ReplySide {
    /// The replies of the flows' services that are not `one-way`.
    pub two_way: Space<FlowId>,
    /// The replies of the `one-way` services.
    pub one_way: Space<FlowId>,
}

/// [`ReplySides`] of a policy.
pub fn policy_replies(model: &Model) -> ReplySides {
    use crate::model::packets::flow_reply_cubes_of;
    let mut out = ReplySides::new();
    for_each_path(model, |fid, hops| {
        let (two, one) = (
            flow_reply_cubes_of(model, fid, false),
            flow_reply_cubes_of(model, fid, true),
        );
        for h in hops {
            let e = out.entry((h.device, h.egress, h.ingress)).or_default();
            e.two_way.extend(two.iter().cloned(), fid);
            e.one_way.extend(one.iter().cloned(), fid);
        }
    });
    out
}

/// Compares the reply direction of the pairs flows cross ([`ReplySides`]): what a stateful
/// configuration lets through in the reply direction of an established connection
/// ([`Filters::replies`]) must hold every reply of the two-way flows there and no reply of a
/// `one-way` one. Where the reader does not model the reply direction of a pair (a translating
/// firewall's) and no `one-way` flow crosses it, the pair is left out with a note: the build
/// never drops the replies of a two-way flow.
pub fn compare_replies(
    model: &Model,
    sides: &ReplySides,
    device: DeviceId,
    config: &dyn Filters,
    notes: &mut Vec<String>,
) -> Result<Vec<PairDifference>, ReadError> {
    let dev = model.device(device);
    let jobs: Vec<_> = sides
        .range((device, 0, 0)..=(device, usize::MAX, usize::MAX))
        .filter(|((d, ..), _)| *d == device)
        .filter_map(|(&(_, i, e), side)| {
            Some((dev.interfaces.get(i)?, dev.interfaces.get(e)?, side))
        })
        .collect();
    // The pairs are independent: compared side by side on the machine's cores, their
    // differences and notes kept in pair order.
    let found = crate::threads::map(&jobs, |&(a, b, side)| {
        let filters = match config.replies(&a.name, &b.name) {
            Ok(f) => f,
            Err(err) if side.one_way.is_empty() => {
                return Ok(Err(format!("replies not compared: {}", err.message)))
            }
            Err(err) => return Err(err),
        };
        let have = config_accepts(&filters);
        let must_pass = side.two_way.subtract(&side.one_way);
        let over = side.one_way.intersect(&have);
        let under = must_pass.subtract(&have);
        let over_permit = over.first().and_then(|(c, fid, line)| {
            Some(Counterexample {
                packet: format!("{} (a reply)", c.witness()?),
                config_line: line.to_string(),
                policy_flow: Some(format!(
                    "flow {} is one-way: its replies are dropped",
                    flow_text(model, *fid)
                )),
            })
        });
        let under_permit = under.cubes.first().and_then(|(c, fid)| {
            let p = c.witness()?;
            let line = dropping_line(filters.iter().map(Vec::as_slice), &p);
            Some(Counterexample {
                packet: format!("{p} (a reply)"),
                config_line: line,
                policy_flow: Some(format!("the replies of flow {}", flow_text(model, *fid))),
            })
        });
        Ok(Ok((over_permit.is_some() || under_permit.is_some()).then(
            || PairDifference {
                ingress: a.name.clone(),
                egress: b.name.clone(),
                over_permit,
                under_permit,
            },
        )))
    });
    let mut out = Vec::new();
    for r in found {
        match r? {
            Ok(d) => out.extend(d),
            Err(note) => {
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
    }
    Ok(out)
}

/// Calls `f` with every flow that crosses at least one device and the devices it crosses, in
/// order (paths computed once per zone pair).
fn for_each_path(model: &Model, mut f: impl FnMut(FlowId, &[crate::model::graph::Hop])) {
    let graph = model.graph();
    let mut cache: BTreeMap<(ZoneId, ZoneId), Option<Vec<crate::model::graph::Hop>>> =
        BTreeMap::new();
    for fid in model.flow_ids() {
        let fl = model.flow(fid);
        // `via` keeps a flow to the paths through its devices: its own hops.
        let via_hops;
        let hops = if fl.via.is_empty() {
            cache
                .entry((fl.src.zone, fl.dst.zone))
                .or_insert_with(|| graph.hops(fl.src.zone, fl.dst.zone))
        } else {
            via_hops = graph.flow_hops(fl);
            &via_hops
        };
        match hops {
            Some(hops) if !hops.is_empty() => f(fid, hops),
            _ => {}
        }
    }
}

/// The line that drops a packet: the first filter's dropping decision (a packet is forwarded
/// only when every filter accepts it).
fn dropping_line<'a>(
    filters: impl IntoIterator<Item = &'a [Item]>,
    p: &crate::packet::Packet,
) -> String {
    filters
        .into_iter()
        .filter_map(|f| match decide(f, p) {
            Some((Term::Drop, t)) => Some(t.to_string()),
            Some((Term::Accept, _)) => None,
            None => Some("no rule decides it (falls off the chain)".to_string()),
        })
        .next()
        .unwrap_or_else(|| "dropped".to_string())
}

/// One example packet of a difference and what is responsible for it.
#[derive(Debug, Clone, Serialize)]
pub struct Counterexample {
    pub packet: String,
    /// The configuration line that accepts (over-permit) or drops (under-permit) it.
    pub config_line: String,
    /// The policy flow that allows it (under-permit), with its location.
    pub policy_flow: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairDifference {
    pub ingress: String,
    pub egress: String,
    /// The configuration accepts packets the policy denies.
    pub over_permit: Option<Counterexample>,
    /// The configuration drops packets the policy allows.
    pub under_permit: Option<Counterexample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviceResult {
    pub device: String,
    pub target: String,
    pub files: Vec<String>,
    /// Interface pairs compared.
    pub pairs: usize,
    pub equal: bool,
    pub differences: Vec<PairDifference>,
    /// What the comparison left out, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Accepted packets of a set of filters (a packet passes when every filter accepts it).
pub fn config_accepts(filters: &[Vec<Item>]) -> Space<Tag> {
    let mut it = filters.iter();
    let Some(first) = it.next() else {
        // No filter at all: everything passes.
        return crate::dialect::config::universe(
            &[Family::V4, Family::V6],
            &std::sync::Arc::from("no forward filter: everything passes"),
        );
    };
    let mut acc = accepted(first);
    for f in it {
        acc = intersect(&acc, &accepted(f), false);
    }
    acc
}

fn flow_text(model: &Model, fid: FlowId) -> String {
    let f = model.flow(fid);
    let loc = model.sources.location(model.spans.flow(fid));
    let loc = loc
        .rsplit_once(':')
        .map(|(a, _)| a.to_string())
        .unwrap_or(loc);
    format!(
        "{}: {} ({loc})",
        model.conduit(f.conduit).name,
        model.flow_label(fid)
    )
}

/// The difference between what the policy puts on a pair (`want`) and what `filters` accept,
/// with a counterexample each way; `None` when they are equal.
fn difference(
    model: &Model,
    (ingress, egress): (&str, &str),
    want: &Space<FlowRef>,
    filters: &[Vec<Item>],
) -> Option<PairDifference> {
    let have = config_accepts(filters);
    let over = have.subtract(want);
    let under = want.subtract(&have);
    if over.is_empty() && under.is_empty() {
        return None;
    }
    let over_permit = over.cubes.first().and_then(|(c, t)| {
        let p = c.witness()?;
        Some(Counterexample {
            packet: p.to_string(),
            config_line: t.to_string(),
            policy_flow: None,
        })
    });
    let under_permit = under.cubes.first().and_then(|(c, fid)| {
        let p = c.witness()?;
        let line = dropping_line(filters.iter().map(Vec::as_slice), &p);
        Some(Counterexample {
            packet: p.to_string(),
            config_line: line,
            policy_flow: Some(match *fid {
                FlowRef::Flow(fid) => format!("flow {}", flow_text(model, fid)),
                FlowRef::SelfFlow { id } => local_why_text(model, LocalWhy::SelfFlow(id)),
            }),
        })
    });
    Some(PairDifference {
        ingress: ingress.to_string(),
        egress: egress.to_string(),
        over_permit,
        under_permit,
    })
}

/// Compares one device's configuration with the policy.
pub fn compare_device(
    model: &Model,
    policy: &BTreeMap<(DeviceId, usize, usize), Space<FlowRef>>,
    device: DeviceId,
    target: &str,
    files: Vec<String>,
    config: &dyn Filters,
) -> Result<DeviceResult, ReadError> {
    let dev = model.device(device);
    let empty = Space::new();
    // A filter that depends on the ingress alone (a Cisco ASA's inbound access list) is
    // compared per ingress interface with the flows that enter by it, whatever their egress.
    let per_ingress = dev
        .interfaces
        .first()
        .is_some_and(|i| config.ingress(&i.name).is_some());
    // The interface pairs (or ingress interfaces) are independent: they are compared side by
    // side on the machine's cores, and their differences kept in interface order.
    let jobs: Vec<(usize, usize)> = if per_ingress {
        (0..dev.interfaces.len()).map(|i| (i, i)).collect()
    } else {
        let n = dev.interfaces.len();
        (0..n)
            .flat_map(|i| (0..n).filter(move |e| *e != i).map(move |e| (i, e)))
            .collect()
    };
    let pairs = jobs.len();
    let found = crate::threads::map(
        &jobs,
        |&(i, e)| -> Result<Option<PairDifference>, ReadError> {
            let a = &dev.interfaces[i];
            if per_ingress {
                let mut want: Space<FlowRef> = Space::new();
                for e in (0..dev.interfaces.len()).filter(|e| *e != i) {
                    if let Some(s) = policy.get(&(device, i, e)) {
                        want.cubes.extend(s.cubes.iter().cloned());
                    }
                }
                let filters = match config.ingress(&a.name) {
                    Some(f) => f?,
                    None => config.filters(&a.name, &a.name)?,
                };
                return Ok(difference(
                    model,
                    (&a.name, "any interface"),
                    &want,
                    &filters,
                ));
            }
            let b = &dev.interfaces[e];
            let want = policy.get(&(device, i, e)).unwrap_or(&empty);
            // A router with `inspect` denies its own addresses as sources first, as the
            // stateless IOS target does.
            let unspoofed;
            let want = if dev.inspect {
                unspoofed = want.subtract(&spoofed_sources(
                    model,
                    device,
                    i,
                    &[Family::V4, Family::V6],
                ));
                &unspoofed
            } else {
                want
            };
            let filters = config.filters(&a.name, &b.name)?;
            Ok(difference(model, (&a.name, &b.name), want, &filters))
        },
    );
    let mut differences = Vec::new();
    for d in found {
        differences.extend(d?);
    }
    differences.extend(compare_local(model, device, config)?);
    let mut notes = Vec::new();
    let nat_equal = match config.static_nat() {
        None => true,
        Some(got) => {
            let got = crate::dialect::nat::normal(&got?);
            let want = crate::dialect::nat::normal(&policy_nat(model, device));
            if got != want {
                notes.push(format!(
                    "translation differs: the configuration maps {}, the policy {}",
                    shifts_text(&got),
                    shifts_text(&want)
                ));
            }
            got == want
        }
    };
    if !config.own_output_filtered() {
        notes.push(format!(
            "not compared: what the device originates meets no {target} filter (its device-level flows from `self` are the services it is configured to use)"
        ));
    }
    let ha_equal = compare_ha_link(dev, config, &mut notes);
    Ok(DeviceResult {
        device: dev.name.clone(),
        target: target.to_string(),
        files,
        pairs,
        equal: differences.is_empty() && nat_equal && ha_equal,
        differences,
        notes,
    })
}

/// Where the dialect lowers `sync` to the vendor's own HA link ([`Filters::ha_link`]): is the
/// configuration's HA link the policy's sync interface? A difference is a note, and the device
/// is not equal: a unit without its HA section, or with a data interface as its HA link, does
/// not form the pair the policy describes (the filters of the link itself are compared with the
/// rest: it passes no data traffic).
fn compare_ha_link(
    dev: &crate::model::Device,
    config: &dyn Filters,
    notes: &mut Vec<String>,
) -> bool {
    let Some(have) = config.ha_link() else {
        return true;
    };
    let want = dev
        .sync
        .and_then(|s| dev.interfaces.get(s))
        .map(|i| i.name.clone());
    if have == want {
        return true;
    }
    let says = |l: &Option<String>| match l {
        Some(l) => format!("`{l}`"),
        None => "none".to_string(),
    };
    notes.push(format!(
        "HA link differs: the configuration's is {}, the policy's (`sync`) {}",
        says(&have),
        says(&want)
    ));
    false
}

/// The static translations of the zones a device attaches, outside onto inside.
fn policy_nat(model: &Model, device: DeviceId) -> Vec<crate::dialect::nat::Shift> {
    use crate::dialect::nat::{family_of, Shift};
    let range = |n: ipnet::IpNet| {
        let (a, b) = (n.network(), n.broadcast());
        (
            family_of(n),
            crate::packet::space::ip_to_u128(a),
            crate::packet::space::ip_to_u128(b),
        )
    };
    let mut out = Vec::new();
    for i in &model.device(device).interfaces {
        for n in &model.zone(i.zone).nat {
            out.extend(Shift::of(range(n.outside), range(n.inside)));
        }
    }
    out
}

fn shifts_text(shifts: &[crate::dialect::nat::Shift]) -> String {
    if shifts.is_empty() {
        return "nothing".into();
    }
    shifts
        .iter()
        .map(|s| {
            let ip = |x| s.fam.addr(x);
            format!(
                "{}-{} onto {}-{}",
                ip(s.from.0),
                ip(s.from.1),
                ip(s.to),
                ip(s.to + (s.from.1 - s.from.0))
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Expectation check against configurations: what a device lets through on a hop, as a space
/// tagged with configuration lines.
pub fn hop_space(config: &dyn Filters, iif: &str, oif: &str) -> Result<Space<String>, ReadError> {
    let acc = config_accepts(&config.filters(iif, oif)?);
    let mut out = Space::new();
    for (c, t) in acc.cubes {
        out.push(c, t.to_string());
    }
    Ok(out)
}

/// Reads a device's configuration in a target's dialects through `read` (a path relative to
/// the output directory -> its text, `None` when absent). `Ok(None)`: no file for this target.
pub fn load(
    device: &str,
    target: Target,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Loaded>, ReadError> {
    for d in crate::dialect::all()
        .iter()
        .filter(|d| d.target() == target)
    {
        if let Some(l) = d.load(device, read)? {
            return Ok(Some(l));
        }
    }
    Ok(None)
}

/// [`load`] in the dialect that configures a device of this kind (a switch's file is read by
/// the switch dialect). For a cluster, its first node's directory: every node filters alike
/// ([`load_node`] reads each).
pub fn load_device(
    device: &crate::model::Device,
    target: Target,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Loaded>, ReadError> {
    let node = device.node_names().first().copied().unwrap_or(&device.name);
    load_node(device, node, target, read)
}

/// [`load_device`] from the directory of `node`, one of [`crate::model::Device::node_names`].
pub fn load_node(
    device: &crate::model::Device,
    node: &str,
    target: Target,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Loaded>, ReadError> {
    match crate::dialect::of(target, device.kind) {
        Some(d) => d.load(node, read),
        None => load(node, target, read),
    }
}

/// The policy's side of the comparisons: per interface pair for the stateful targets, with
/// replies for the stateless ones; each computed only when a target needs it.
#[derive(Default)]
pub struct PolicySides {
    stateful: Option<BTreeMap<(DeviceId, usize, usize), Space<FlowRef>>>,
    stateless: Option<BTreeMap<(DeviceId, usize, usize), Space<Why>>>,
    /// The reply direction of the pairs of the stateful devices.
    replies: Option<ReplySides>,
}

impl PolicySides {
    /// The sides the given targets compare against (computed side by side on two threads: the
    /// stateful pairs beside the stateless pairs and the replies).
    pub fn for_targets(model: &Model, targets: &[Target]) -> PolicySides {
        // A device's own state decides: a Cisco IOS router with `inspect` is compared per
        // pair like a stateful firewall.
        let of_targets = |d: &&crate::model::Device| d.targets.iter().any(|t| targets.contains(t));
        let stateless = model
            .devices
            .iter()
            .filter(of_targets)
            .any(|d| !d.stateful());
        let stateful = model
            .devices
            .iter()
            .filter(of_targets)
            .any(|d| d.stateful());
        let ((stateless, replies), stateful) = crate::threads::join(
            || {
                (
                    stateless.then(|| stateless_pairs(model)),
                    stateful.then(|| policy_replies(model)),
                )
            },
            || stateful.then(|| policy_pairs(model)),
        );
        PolicySides {
            stateful,
            stateless,
            replies,
        }
    }
}

/// Compares a loaded configuration with the policy, the way its target filters. `sides` must
/// have been prepared for the target ([`PolicySides::for_targets`]).
pub fn compare_loaded(
    model: &Model,
    sides: &PolicySides,
    device: DeviceId,
    target: Target,
    cfg: &Loaded,
) -> Result<DeviceResult, ReadError> {
    let files = cfg.files.clone();
    let unprepared = || ReadError {
        file: files.join(", "),
        line: 0,
        message: format!("internal: no policy side prepared for {}", target.name()),
    };
    if !crate::dialect::stateful(target) && !model.device(device).stateful() {
        {
            let pol = sides.stateless.as_ref().ok_or_else(unprepared)?;
            let mut r = compare_stateless(
                model,
                pol,
                device,
                target.name(),
                files,
                cfg.config.as_ref(),
            )?;
            if model.device(device).interfaces.is_empty() {
                r.notes = vec![
                    "no layer-3 interface: VLAN and port configuration only, no ACL to compare"
                        .into(),
                ];
            }
            // The device's own traffic, where the dialect does not model it yet: said, not
            // passed over.
            let declared = model.self_flows.iter().any(|f| f.device == device);
            if let (true, Some(i)) = (declared, model.device(device).interfaces.first()) {
                if let Err(e) = cfg.config.local(&i.name, true) {
                    r.notes.push(format!("not compared: {}", e.message));
                }
            }
            Ok(r)
        }
    } else {
        let pol = sides.stateful.as_ref().ok_or_else(unprepared)?;
        let mut r = compare_device(
            model,
            pol,
            device,
            target.name(),
            files,
            cfg.config.as_ref(),
        )?;
        // A zone-based firewall passes the items of `one-way` services without inspection, so
        // their replies meet no rule: the pair comparison already holds them.
        if let Some(replies) = sides
            .replies
            .as_ref()
            .filter(|_| !model.device(device).inspect)
        {
            r.differences.extend(compare_replies(
                model,
                replies,
                device,
                cfg.config.as_ref(),
                &mut r.notes,
            )?);
            // Still not equal where the translations differ.
            r.equal = r.equal && r.differences.is_empty();
        }
        Ok(r)
    }
}

/// Why the policy lets a packet through a stateless filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Flow(FlowId),
    /// A reply of this flow.
    Reply(FlowId),
    /// A device-level flow (`X -> self` into its device, or either direction through another
    /// device on its way).
    SelfFlow(SelfFlowId),
    /// A reply of a device-level flow.
    SelfReply(SelfFlowId),
    /// VRRP between the nodes of a cluster, on its sync interface.
    Sync,
    /// IPv6 neighbour discovery (ICMPv6 135, 136), which every IPv6 interface needs.
    NeighbourDiscovery,
}

/// What the policy lets through each (device, ingress, egress) of its stateless devices,
/// without connection tracking: the flows that cross the device from ingress to egress, and the
/// replies of the flows that cross it the other way. Traffic to the device itself that enters
/// by interface `i` is under `(device, i, i)`: the `X -> self` flows whose peer faces `i`
/// ([`self_flows_stateless`]), and the replies of its `self -> X` flows whose peer does (IOS
/// outbound ACLs do not filter what the router originates, so nothing else of those flows is
/// the device's to filter).
pub fn stateless_pairs(model: &Model) -> BTreeMap<(DeviceId, usize, usize), Space<Why>> {
    let ios: Vec<bool> = model.devices.iter().map(|d| !d.stateful()).collect();
    let mut out: BTreeMap<(DeviceId, usize, usize), Space<Why>> = BTreeMap::new();
    for_each_path(model, |fid, hops| {
        if !hops.iter().any(|h| ios[h.device.0]) {
            return;
        }
        let fwd = crate::model::packets::flow_cubes(model, fid);
        let back = crate::model::packets::flow_reply_cubes(model, fid);
        for h in hops.iter().filter(|h| ios[h.device.0]) {
            out.entry((h.device, h.ingress, h.egress))
                .or_default()
                .extend(fwd.iter().cloned(), Why::Flow(fid));
            out.entry((h.device, h.egress, h.ingress))
                .or_default()
                .extend(back.iter().cloned(), Why::Reply(fid));
        }
    });
    self_flows_stateless(model, &ios, &mut out);
    for (di, dev) in model.devices.iter().enumerate() {
        let Some((k, peers)) = model.sync_peers(dev).filter(|_| ios[di]) else {
            continue;
        };
        out.entry((DeviceId(di), k, k))
            .or_default()
            .extend(sync_cubes(&peers), Why::Sync);
    }
    out
}

/// Does the device route IPv6: is there an IPv6 network behind any of its interfaces?
fn routes_v6(model: &Model, graph: &ZoneGraph, device: DeviceId) -> bool {
    model.device(device).interfaces.iter().any(|i| {
        graph
            .zones_behind(device, i.zone)
            .iter()
            .any(|z| !model.zone(*z).addrs.v6.is_empty())
    })
}

fn why_text(model: &Model, why: Why) -> String {
    match why {
        Why::Flow(f) => format!("flow {}", flow_text(model, f)),
        Why::Reply(f) => format!("the replies of flow {}", flow_text(model, f)),
        Why::SelfFlow(id) => format!("device-level flow {}", self_flow_text(model, id)),
        Why::SelfReply(id) => format!(
            "the replies of device-level flow {}",
            self_flow_text(model, id)
        ),
        Why::Sync => "the cluster's sync (VRRP between its nodes)".into(),
        Why::NeighbourDiscovery => "IPv6 neighbour discovery (ICMPv6 types 135, 136)".into(),
    }
}

fn only_families<T: Clone>(s: Space<T>, fams: &[Family]) -> Space<T> {
    Space {
        cubes: s
            .cubes
            .into_iter()
            .filter(|(c, _)| fams.contains(&c.family))
            .collect(),
    }
}

/// Compares one device's stateless ACLs (Cisco IOS) with the policy: per ingress interface,
/// what its inbound filter accepts against everything the policy lets in by it (over-permit),
/// and per interface pair, what the inbound and outbound filters let through against what the
/// policy sends that way (under-permit).
pub fn compare_stateless(
    model: &Model,
    policy: &BTreeMap<(DeviceId, usize, usize), Space<Why>>,
    device: DeviceId,
    target: &str,
    files: Vec<String>,
    config: &dyn Filters,
) -> Result<DeviceResult, ReadError> {
    use crate::dialect::config::is_universe_of;
    use crate::packet::space::{Cube, Ivs};
    let dev = model.device(device);
    let graph = model.graph();
    let mut fams = vec![Family::V4];
    let mut notes = Vec::new();
    if routes_v6(model, graph, device) {
        fams.push(Family::V6);
    } else {
        notes.push(
            "IPv6 not compared: no IPv6 network lies behind any interface of this device, so it routes no IPv6"
                .to_string(),
        );
    }
    let n = dev.interfaces.len();
    let mut ins = Vec::with_capacity(n);
    let mut outs = Vec::with_capacity(n);
    for i in &dev.interfaces {
        let per_interface = |inbound| {
            config.interface(&i.name, inbound).unwrap_or_else(|| {
                Err(ReadError {
                    file: files.join(", "),
                    line: 0,
                    message: format!("internal: {target} does not filter per interface"),
                })
            })
        };
        let items = per_interface(true)?;
        let acc = only_families(accepted(&items), &fams);
        ins.push((items, acc));
        let items = per_interface(false)?;
        let acc = accepted(&items);
        // No outbound filter (the generated configurations have none): nothing to intersect.
        // Both families must pass whole: an IPv6 outbound ACL that drops everything is a filter.
        let open = is_universe_of(&acc, &[Family::V4, Family::V6]);
        outs.push((items, (!open).then_some(acc)));
    }
    let mut differences = Vec::new();
    for (i, a) in dev.interfaces.iter().enumerate() {
        let (in_items, have_in) = &ins[i];
        let spoofed = spoofed_sources(model, device, i, &fams);
        // Everything the policy lets in by this interface, tagged with why and the egress (the
        // interface itself for traffic to the device), but nothing with a source the device
        // owns: that is forged.
        let mut want_in: Space<(Why, usize)> = Space::new();
        for e in 0..n {
            if let Some(s) = policy.get(&(device, i, e)) {
                for (c, w) in &s.cubes {
                    if fams.contains(&c.family) {
                        want_in.cubes.push((c.clone(), (*w, e)));
                    }
                }
            }
        }
        if !spoofed.is_empty() {
            want_in = want_in.subtract(&spoofed);
        }
        let mut allowed_in = want_in.clone();
        let mut nd: Space<(Why, usize)> = Space::new();
        if fams.contains(&Family::V6) {
            let all = Family::V6.all_addrs();
            nd.extend(
                Cube::new(
                    Family::V6,
                    all.clone(),
                    all,
                    Ivs::point(58),
                    Ivs::range(135, 136),
                ),
                (Why::NeighbourDiscovery, i),
            );
            if !spoofed.is_empty() {
                nd = nd.subtract(&spoofed);
            }
            allowed_in.cubes.extend(nd.cubes.iter().cloned());
        }
        let over = have_in.subtract(&allowed_in);
        if let Some(o) = over.cubes.first().and_then(|(c, t)| {
            Some(Counterexample {
                packet: c.witness()?.to_string(),
                config_line: t.to_string(),
                policy_flow: None,
            })
        }) {
            differences.push(PairDifference {
                ingress: a.name.clone(),
                egress: "any".into(),
                over_permit: Some(o),
                under_permit: None,
            });
        }
        // Under-permit: one subtraction for the egresses without an outbound filter, one per
        // egress with one.
        let mut residue: Vec<(Cube, (Why, usize))> = Vec::new();
        let plain: Space<(Why, usize)> = Space {
            cubes: want_in
                .cubes
                .iter()
                .filter(|(_, (_, e))| *e == i || outs[*e].1.is_none())
                .cloned()
                .collect(),
        };
        residue.extend(plain.subtract(have_in).cubes);
        // Neighbour discovery is addressed to the device itself: only the inbound filter sees it.
        residue.extend(nd.subtract(have_in).cubes);
        for e in (0..n).filter(|&e| e != i) {
            let Some(out_acc) = &outs[e].1 else { continue };
            let want: Space<(Why, usize)> = Space {
                cubes: want_in
                    .cubes
                    .iter()
                    .filter(|(_, (_, x))| *x == e)
                    .cloned()
                    .collect(),
            };
            let have = crate::dialect::config::intersect(have_in, out_acc, false);
            residue.extend(want.subtract(&have).cubes);
        }
        let mut seen = std::collections::BTreeSet::new();
        for (c, (why, e)) in residue {
            if !seen.insert(e) {
                continue;
            }
            let Some(p) = c.witness() else { continue };
            let mut filters: Vec<&[Item]> = vec![in_items];
            if e != i && outs[e].1.is_some() {
                filters.push(&outs[e].0);
            }
            let line = dropping_line(filters, &p);
            differences.push(PairDifference {
                ingress: a.name.clone(),
                egress: if e == i {
                    "this device".into()
                } else {
                    dev.interfaces[e].name.clone()
                },
                over_permit: None,
                under_permit: Some(Counterexample {
                    packet: p.to_string(),
                    config_line: line,
                    policy_flow: Some(why_text(model, why)),
                }),
            });
        }
    }
    Ok(DeviceResult {
        device: dev.name.clone(),
        target: target.to_string(),
        files,
        pairs: n * n.saturating_sub(1),
        equal: differences.is_empty(),
        differences,
        notes,
    })
}

/// The packets of a space that can open a connection: TCP without ACK or RST, every other
/// protocol whole.
fn opening_only(s: &Space<()>) -> Space<()> {
    let mut out = Space::new();
    for (c, ()) in &s.cubes {
        let mut c = c.clone();
        if c.proto.contains(6) {
            c.ack = c.ack.intersect(&crate::packet::space::Ivs::point(0));
        }
        out.cubes.push((c, ()));
    }
    out.cubes.retain(|(c, ())| !c.is_empty());
    out
}

/// Checks every expectation against generated configurations (`build`): `expect allow` must hold
/// on each device that some path crosses, on each of its crossings, in each of its targets
/// (routing may take any path); `expect deny` holds when no packet of the box that opens a
/// connection passes every stage of the paths (a stage passes what one of its crossings
/// accepts: parallel devices are alternatives, devices every path crosses are all required).
/// An expectation whose path crosses a device whose configuration cannot be read here is
/// decided only when the readable devices already settle it.
pub fn check_expectations(
    model: &Model,
    outputs: &[crate::dialect::Output],
) -> Vec<crate::diagnostic::Diagnostic> {
    use crate::diagnostic::{codes, Diagnostic};
    use crate::verify::expect::{expect_space, expect_text};
    if model.expects.is_empty() {
        return Vec::new();
    }
    let files: BTreeMap<&str, &[u8]> = outputs
        .iter()
        .map(|o| (o.path.as_str(), o.bytes.as_slice()))
        .collect();
    let read = |p: &str| {
        files
            .get(p)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    let graph = model.graph();
    let mut configs: BTreeMap<(DeviceId, Target), Option<Loaded>> = BTreeMap::new();
    // What a crossing allows, once per device, target and interface pair: the expectations of
    // a fleet cross the same central firewall again and again (docs/performance.md).
    let mut crossings: BTreeMap<(DeviceId, Target, usize, usize), Option<Space<String>>> =
        BTreeMap::new();
    let mut out = Vec::new();
    let mut local_configs = local_expect::Configs::new();
    for (i, e) in model.expects.iter().enumerate() {
        let at = model.spans.expect(ExpectId(i));
        let (Some(src), Some(dst)) = (e.src.endpoint(), e.dst.endpoint()) else {
            // A device end: its own filters decide.
            out.extend(local_expect::check_device_expectation(
                model,
                graph,
                e,
                at,
                &read,
                &mut local_configs,
            ));
            continue;
        };
        let Some(stages) = graph.stages(src.zone, dst.zone) else {
            continue;
        };
        let want = expect_space(model, e);
        let text = expect_text(model, e);
        // Where every flow between the two zones keeps to the paths through `via` devices, an
        // `expect allow` holds on the crossings of those paths only: the others drop it by
        // design.
        let between: Vec<&crate::model::Flow> = model
            .flows
            .iter()
            .filter(|f| f.src.zone == src.zone && f.dst.zone == dst.zone)
            .collect();
        let via_only: Option<std::collections::BTreeSet<crate::model::graph::Hop>> =
            (!between.is_empty() && between.iter().all(|f| !f.via.is_empty())).then(|| {
                between
                    .iter()
                    .flat_map(|f| graph.flow_hops(f).unwrap_or_default())
                    .collect()
            });
        // `expect deny` is about connections: a TCP segment with ACK or RST opens none (a
        // stateless filter passes such segments as replies; OUT-005 reports that widening).
        let mut through = opening_only(&want);
        let mut unreadable = false;
        let mut failed = false;
        for stage in &stages {
            let mut stage_union: Space<String> = Space::new();
            let mut stage_unreadable = false;
            for h in &stage.hops {
                let dev = model.device(h.device);
                let (Some(iif), Some(oif)) =
                    (dev.interfaces.get(h.ingress), dev.interfaces.get(h.egress))
                else {
                    continue;
                };
                let mut any = false;
                for &t in &dev.targets {
                    let allowed = crossings
                        .entry((h.device, t, h.ingress, h.egress))
                        .or_insert_with(|| {
                            let cfg = configs
                                .entry((h.device, t))
                                .or_insert_with(|| load_device(dev, t, &read).ok().flatten());
                            hop_space(cfg.as_ref()?.config.as_ref(), &iif.name, &oif.name).ok()
                        });
                    let Some(allowed) = allowed.clone() else {
                        continue;
                    };
                    any = true;
                    let off_via = via_only.as_ref().is_some_and(|v| !v.contains(h));
                    if e.allow && !failed && !off_via {
                        let missing = want.subtract(&allowed);
                        if let Some(p) = missing.cubes.first().and_then(|(c, _)| c.witness()) {
                            failed = true;
                            out.push(
                                Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold for the generated {} configuration of `{}`", t.name(), dev.name))
                                    .at(at, "expected allowed, but a generated configuration drops some of these packets")
                                    .help(format!("counterexample: {p} is dropped by `{}` ({}) from {} to {}", dev.name, t.name(), iif.name, oif.name)),
                            );
                        }
                    }
                    stage_union.cubes.extend(allowed.cubes);
                }
                if !any {
                    stage_unreadable = true;
                }
            }
            // A stage with an unreadable crossing, or one the paths can bypass, lets anything
            // through as far as this check can tell.
            if stage_unreadable {
                unreadable = true;
                continue;
            }
            if !e.allow && !stage.bypass && !through.is_empty() {
                let mut next = Space::new();
                for (c, _, line) in through.intersect(&stage_union) {
                    next.push(c, line);
                }
                through = next.untagged();
            }
        }
        if !e.allow && !unreadable && !stages.is_empty() {
            if let Some(p) = through.cubes.first().and_then(|(c, _)| c.witness()) {
                out.push(
                    Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold for the generated configurations"))
                        .at(at, "expected denied, but every device on the path lets some of these packets through")
                        .help(format!("counterexample: {p} passes every device on the path")),
                );
            }
        }
    }
    out
}
