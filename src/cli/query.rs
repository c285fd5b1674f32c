//! `fenceline query FILE SRC DST SERVICE`: is this traffic allowed, by which conduit and flow,
//! and on which devices and interfaces is it enforced. SRC and DST are a zone, `zone.asset`, an
//! IP address or a network, or a device or cluster node (its own addresses: answered by the
//! device's own flows, `allow X -> self` and `allow self -> X`); SERVICE is a service name or an item such as `tcp/502`. The answer is
//! exact over every packet the query stands for: allowed, denied, or partly allowed (with an
//! example packet of each part).

use super::{Io, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle};
use crate::error::{Error, Result};
use crate::model::graph::ZoneGraph;
use crate::model::packets::{flow_cubes, self_flow_cubes};
use crate::model::{
    AddrSet, DeviceId, FlowId, Model, SelfDirection, SelfFlowId, ServiceItem, ZoneId,
};
use crate::packet::space::{Cube, Space};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum QueryFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Root policy file
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub file: PathBuf,
    /// Source: zone, zone.asset, IP address, network, or a device (its own addresses)
    pub src: String,
    /// Destination: zone, zone.asset, IP address, network, or a device (its own addresses)
    pub dst: String,
    /// Service: a name (`modbus`) or an item (`tcp/502`, `udp/53`, `icmp/8`)
    pub service: String,
    /// Output format
    #[arg(long, alias = "output-format", value_enum, default_value_t = QueryFormat::Human)]
    pub format: QueryFormat,
    /// Exit 1 when anything asked is denied (scripts assert with it)
    #[arg(long)]
    pub exit_code: bool,
    #[command(flatten)]
    pub common: super::CommonArgs,
}

/// One end of a query, resolved.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct End {
    pub written: String,
    /// `zone`, `zone.asset`, or the address with the zone it lies in.
    pub name: String,
    pub zone: Option<String>,
    #[serde(skip)]
    pub zone_id: Option<ZoneId>,
    #[serde(skip)]
    pub addrs: AddrSet,
    /// Given as a zone or `zone.asset` (not split by zone).
    #[serde(skip)]
    pub named: bool,
    /// Given as a device or cluster node name: its own addresses.
    #[serde(skip)]
    pub device: Option<DeviceId>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Hop {
    pub device: String,
    pub ingress: String,
    pub egress: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Match {
    /// The flow's conduit; absent for a device's own flow (see `device`).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub conduit: String,
    /// For a device-level flow (`allow X -> self`): the device it belongs to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub device: Option<String>,
    pub flow: String,
    pub location: String,
    /// Example packet of the query that this flow allows.
    pub example: String,
    pub enforced_on: Vec<Hop>,
}

/// The format of `query --format json` (schemas/query.schema.json).
pub const QUERY_JSON_VERSION: u32 = 1;

/// `query --format json`: the answer with its format version.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct JsonAnswer<'a> {
    pub version: u32,
    #[serde(flatten)]
    pub answer: &'a Answer,
}

/// The answer for the part of the query between one source zone and one destination zone (or
/// addresses outside every zone).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Part {
    pub src: End,
    pub dst: End,
    /// `allowed`, `denied` or `partly-allowed`.
    pub verdict: &'static str,
    pub flows: Vec<Match>,
    /// A packet of this part that no flow allows (denied or partly allowed).
    pub denied_example: Option<String>,
    /// Conduits that connect the two zones (none: no flow could ever allow this).
    pub conduits: Vec<String>,
    /// Devices between the two zones, with the interfaces the traffic would use.
    pub path: Vec<Hop>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Answer {
    pub src: End,
    pub dst: End,
    pub service: String,
    /// `allowed` (every part), `denied` (every part) or `partly-allowed`.
    pub verdict: &'static str,
    /// Every flow that allows part of the query.
    pub flows: Vec<Match>,
    /// A packet of the query that no flow allows (denied or partly allowed).
    pub denied_example: Option<String>,
    /// With one part: the conduits that connect its zones; with several, see `parts`.
    pub conduits: Vec<String>,
    /// With one part: the devices between its zones; with several, see `parts`.
    pub path: Vec<Hop>,
    pub notes: Vec<String>,
    /// The query split by the zones its addresses lie in: one part per (source zone,
    /// destination zone), and parts for addresses outside every zone.
    pub parts: Vec<Part>,
}

fn resolve_end(model: &Model, text: &str) -> Result<End> {
    let written = text.to_string();
    if let Ok(ip) = text.parse::<std::net::IpAddr>() {
        let mut addrs = AddrSet::new();
        addrs.add_range(ip, ip);
        refuse_inside(model, text, &addrs)?;
        return Ok(addr_end(model, written, addrs, ip));
    }
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        let addrs = AddrSet::from_net(net.trunc());
        refuse_inside(model, text, &addrs)?;
        return Ok(addr_end(model, written, addrs, net.network()));
    }
    let (zname, aname) = match text.split_once('.') {
        Some((z, a)) => (z, Some(a)),
        None => (text, None),
    };
    if aname.is_none() && model.zone_id(zname).is_none() {
        if let Some(end) = device_end(model, text) {
            return Ok(end);
        }
    }
    let zid = model.zone_id(zname).ok_or_else(|| {
        let help =
            crate::diagnostic::did_you_mean(zname, model.zones.iter().map(|z| z.name.as_str()));
        Error::Usage(format!(
            "unknown zone `{zname}`{}",
            help.map(|h| format!("; {h}")).unwrap_or_default()
        ))
    })?;
    let zone = model.zone(zid);
    match aname {
        None => Ok(End {
            written,
            name: zone.name.clone(),
            zone: Some(zone.name.clone()),
            zone_id: Some(zid),
            addrs: zone.addrs.clone(),
            named: true,
            device: None,
        }),
        Some(a) => {
            let ai = zone.asset(a).ok_or_else(|| {
                let help =
                    crate::diagnostic::did_you_mean(a, zone.assets.iter().map(|x| x.name.as_str()));
                Error::Usage(format!(
                    "zone `{zname}` has no asset `{a}`{}",
                    help.map(|h| format!("; {h}")).unwrap_or_default()
                ))
            })?;
            Ok(End {
                written,
                name: format!("{}.{}", zone.name, zone.assets[ai].name),
                zone: Some(zone.name.clone()),
                zone_id: Some(zid),
                addrs: zone.assets[ai].addrs.clone(),
                named: true,
                device: None,
            })
        }
    }
}

/// An address that no zone holds as the plant sees it but that lies in a translated zone's
/// inside network: from outside that zone it names nothing (E0041); the help gives its outside
/// address in each zone that translates it.
fn refuse_inside(model: &Model, text: &str, addrs: &AddrSet) -> Result<()> {
    if model.zones.iter().any(|z| z.addrs.overlaps(addrs)) {
        return Ok(());
    }
    let outside: Vec<String> = model
        .zones
        .iter()
        .filter(|z| z.is_translated() && z.inside_addrs().overlaps(addrs))
        .map(|z| format!("`{}` (zone `{}`)", z.to_outside(addrs), z.name))
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "`{text}` is an inside address of a translated zone, which names nothing from outside it ({})\n  = help: from outside, it is {}",
        crate::diagnostic::codes::NAT_INSIDE_ADDRESS,
        outside.join(" or ")
    )))
}

/// A device or cluster node named as an end: its own addresses (a node's: the shared ones and
/// its own). Zone names come first: a device is looked up only where no zone has the name.
fn device_end(model: &Model, text: &str) -> Option<End> {
    let (id, node) = match model.device_id(text) {
        Some(id) => (id, None),
        None => model.devices.iter().enumerate().find_map(|(i, d)| {
            let n = d.cluster.iter().position(|n| n == text)?;
            Some((DeviceId(i), Some(n)))
        })?,
    };
    let d = model.device(id);
    let (name, addrs) = match node {
        None => (d.name.clone(), d.own_addrs()),
        Some(n) => {
            let mut addrs = AddrSet::new();
            for i in &d.interfaces {
                for a in i.addresses.iter().chain(i.nodes.get(n)) {
                    addrs.add_range(*a, *a);
                }
            }
            (format!("{text} (node of `{}`)", d.name), addrs)
        }
    };
    Some(End {
        written: text.to_string(),
        name,
        zone: None,
        zone_id: None,
        addrs,
        named: true,
        device: Some(id),
    })
}

fn addr_end(model: &Model, written: String, addrs: AddrSet, probe: std::net::IpAddr) -> End {
    let zid = model.zone_of(probe);
    let name = match zid {
        Some(z) => {
            let zone = model.zone(z);
            match zone.assets.iter().find(|a| a.addrs.contains_set(&addrs)) {
                Some(a) => format!("{written} (in `{}.{}`)", zone.name, a.name),
                None => format!("{written} (in `{}`)", zone.name),
            }
        }
        None => format!("{written} (in no zone)"),
    };
    End {
        written,
        name,
        zone: zid.map(|z| model.zone(z).name.clone()),
        zone_id: zid,
        addrs,
        named: false,
        device: None,
    }
}

/// An address end split by the zones its addresses lie in, then the addresses outside every
/// zone; a named end stays whole. A part that is the whole end keeps the end's name.
fn split_end(model: &Model, end: &End) -> Vec<End> {
    if end.named {
        return vec![end.clone()];
    }
    let mut parts = Vec::new();
    let mut rest = end.addrs.clone();
    for (i, zone) in model.zones.iter().enumerate() {
        let inside = end.addrs.intersect(&zone.addrs);
        if inside.is_empty() {
            continue;
        }
        rest = rest.subtract(&inside);
        let shown = show_addrs(&inside);
        let name = match zone.assets.iter().find(|a| a.addrs.contains_set(&inside)) {
            Some(a) => format!("{shown} (in `{}.{}`)", zone.name, a.name),
            None => format!("{shown} (in `{}`)", zone.name),
        };
        parts.push(End {
            written: end.written.clone(),
            name,
            zone: Some(zone.name.clone()),
            zone_id: Some(ZoneId(i)),
            addrs: inside,
            named: false,
            device: None,
        });
    }
    if !rest.is_empty() {
        parts.push(End {
            written: end.written.clone(),
            name: format!("{} (in no zone)", show_addrs(&rest)),
            zone: None,
            zone_id: None,
            addrs: rest,
            named: false,
            device: None,
        });
    }
    if parts.len() == 1 {
        let mut whole = end.clone();
        whole.zone = parts[0].zone.clone();
        whole.zone_id = parts[0].zone_id;
        if whole.zone_id.is_none() {
            whole.name = format!("{} (in no zone)", end.written);
        }
        return vec![whole];
    }
    parts
}

/// A few prefixes of an address set, for naming a part.
fn show_addrs(a: &AddrSet) -> String {
    let nets: Vec<String> = a.nets().iter().map(|n| n.to_string()).collect();
    if nets.len() > 3 {
        format!("{} and {} more", nets[..3].join(", "), nets.len() - 3)
    } else {
        nets.join(", ")
    }
}

fn resolve_service(model: &Model, text: &str) -> Result<(String, Vec<ServiceItem>)> {
    if let Some(id) = model.service_id(text) {
        let s = model.service(id);
        return Ok((s.name.clone(), s.items.clone()));
    }
    match ServiceItem::parse(text) {
        Ok(item) => Ok((text.to_string(), vec![item])),
        Err(e) => {
            let help = crate::diagnostic::did_you_mean(
                text,
                model.services.iter().map(|s| s.name.as_str()),
            );
            Err(Error::Usage(format!(
                "unknown service `{text}` ({e}){}",
                help.map(|h| format!("; {h}")).unwrap_or_default()
            )))
        }
    }
}

fn hops(model: &Model, graph: &ZoneGraph, from: ZoneId, to: ZoneId) -> Vec<Hop> {
    named_hops(model, graph.hops(from, to).unwrap_or_default())
}

/// The devices that enforce a flow: every crossing of its paths (those through a `via` device
/// when it names some), with the interfaces.
fn flow_hops(model: &Model, graph: &ZoneGraph, fid: crate::model::FlowId) -> Vec<Hop> {
    named_hops(model, graph.flow_hops(model.flow(fid)).unwrap_or_default())
}

fn named_hops(model: &Model, hops: Vec<crate::model::graph::Hop>) -> Vec<Hop> {
    hops.into_iter()
        .map(|h| {
            let d = model.device(h.device);
            Hop {
                device: d.name.clone(),
                ingress: d
                    .interfaces
                    .get(h.ingress)
                    .map(|i| i.name.clone())
                    .unwrap_or_default(),
                egress: d
                    .interfaces
                    .get(h.egress)
                    .map(|i| i.name.clone())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

fn line_of(model: &Model, span: crate::source::Span) -> String {
    let loc = model.sources.location(span);
    loc.rsplit_once(':')
        .map(|(a, _)| a.to_string())
        .unwrap_or(loc)
}

/// Answers a query against a Model: split by zone, each part answered exactly.
pub fn answer(model: &Model, src: &str, dst: &str, service: &str) -> Result<Answer> {
    let src = resolve_end(model, src)?;
    let dst = resolve_end(model, dst)?;
    let (svc_name, items) = resolve_service(model, service)?;
    let graph = ZoneGraph::build(model);
    let mut parts = Vec::new();
    // A device end is answered by the device's own flows, whole; zones and addresses by the
    // conduits' flows, split by zone.
    let by_device = src.device.is_some() || dst.device.is_some();
    if by_device {
        parts.extend(answer_device(model, src.clone(), dst.clone(), &items));
    }
    let zone_parts = if by_device {
        Vec::new()
    } else {
        split_end(model, &src)
    };
    for s in zone_parts {
        for d in split_end(model, &dst) {
            if let Some(p) = answer_part(model, &graph, s.clone(), d, &items) {
                parts.push(p);
            }
        }
    }
    let mut notes = Vec::new();
    for item in &items {
        if item.answer().is_some() {
            notes.push(format!(
                "`{item}` answers a connection: this verdict is for packets that answer none; as a reply or error of an allowed connection it passes as established or related"
            ));
        }
    }
    if parts.is_empty() {
        notes.push(
            "the service cannot apply to these addresses (no common address family)".to_string(),
        );
    }
    let verdict = if parts.iter().all(|p| p.verdict == "denied") {
        "denied"
    } else if parts.iter().all(|p| p.verdict == "allowed") {
        "allowed"
    } else {
        "partly-allowed"
    };
    let mut flows: Vec<Match> = Vec::new();
    for p in &parts {
        for m in &p.flows {
            if !flows
                .iter()
                .any(|f| f.flow == m.flow && f.location == m.location)
            {
                flows.push(m.clone());
            }
        }
    }
    let denied_example = parts.iter().find_map(|p| p.denied_example.clone());
    let (conduits, path) = match parts.as_slice() {
        [one] => {
            notes.extend(one.notes.iter().cloned());
            (one.conduits.clone(), one.path.clone())
        }
        _ => (Vec::new(), Vec::new()),
    };
    Ok(Answer {
        src,
        dst,
        service: svc_name,
        verdict,
        flows,
        denied_example,
        conduits,
        path,
        notes,
        parts,
    })
}

/// One part of a query: its packets, the flows that allow them, the rest. `None` when the
/// service cannot apply to these addresses (no common address family).
fn answer_part(
    model: &Model,
    graph: &ZoneGraph,
    src: End,
    dst: End,
    items: &[ServiceItem],
) -> Option<Part> {
    let mut q: Space<()> = Space::new();
    for item in items {
        q.extend(Cube::of_item_all(&src.addrs, &dst.addrs, item), ());
    }
    if q.is_empty() {
        return None;
    }
    let mut notes = Vec::new();
    // Only flows between the two zones can match; with an address outside every zone, none.
    let candidates: Vec<FlowId> = match (src.zone_id, dst.zone_id) {
        (Some(a), Some(b)) => model
            .flow_ids()
            .filter(|&f| {
                let fl = model.flow(f);
                fl.src.zone == a && fl.dst.zone == b
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut allowed: Space<FlowId> = Space::new();
    for &f in &candidates {
        allowed.extend(flow_cubes(model, f), f);
    }
    let mut hits = q.intersect(&allowed);
    hits.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
    let mut flows: Vec<Match> = Vec::new();
    for (cube, _, fid) in &hits {
        if flows.last().is_some_and(|m: &Match| {
            m.flow == model.flow_label(*fid) && m.location == line_of(model, model.spans.flow(*fid))
        }) {
            continue;
        }
        let fl = model.flow(*fid);
        let (fs, fd) = (model.endpoint_addrs(fl.src), model.endpoint_addrs(fl.dst));
        for sid in &fl.services {
            let svc = model.service(*sid);
            let mut sp: Space<()> = Space::new();
            for item in svc.items.iter().filter(|_| svc.flags.one_way) {
                sp.extend(Cube::of_item_all(fs, fd, item), ());
            }
            let note = format!(
                "service `{}` is one-way: its packets pass, no reply comes back",
                svc.name
            );
            if !sp.is_empty() && !q.intersect(&sp).is_empty() && !notes.contains(&note) {
                notes.push(note);
            }
        }
        flows.push(Match {
            conduit: model.conduit(fl.conduit).name.clone(),
            device: None,
            flow: model.flow_label(*fid),
            location: line_of(model, model.spans.flow(*fid)),
            example: cube.witness().map(|p| p.to_string()).unwrap_or_default(),
            enforced_on: flow_hops(model, graph, *fid),
        });
    }
    let rest = q.subtract(&allowed);
    let denied_example = rest
        .cubes
        .first()
        .and_then(|(c, _)| c.witness())
        .map(|p| p.to_string());
    let verdict = match (flows.is_empty(), rest.is_empty()) {
        (true, _) => "denied",
        (false, true) => "allowed",
        (false, false) => "partly-allowed",
    };
    let (conduits, path) = match (src.zone_id, dst.zone_id) {
        (Some(a), Some(b)) => {
            let cs = model
                .conduits
                .iter()
                .filter(|c| c.zones.contains(&a) && c.zones.contains(&b) && a != b)
                .map(|c| c.name.clone())
                .collect::<Vec<_>>();
            if a == b {
                notes.push("source and destination are in the same zone: traffic inside a zone crosses no enforcement device".into());
            } else if cs.is_empty() {
                notes.push(format!(
                    "no conduit connects `{}` and `{}`: no flow can allow this",
                    model.zone(a).name,
                    model.zone(b).name
                ));
            }
            (cs, hops(model, graph, a, b))
        }
        _ => {
            notes.push(
                "an address outside every zone: the policy allows nothing to or from it".into(),
            );
            (Vec::new(), Vec::new())
        }
    };
    Some(Part {
        src,
        dst,
        verdict,
        flows,
        denied_example,
        conduits,
        path,
        notes,
    })
}

/// A query to or from a device (or a cluster node): answered by the device's own flows
/// (`allow X -> self`, `allow self -> X`), whole. `None` when the service cannot apply.
fn answer_device(model: &Model, src: End, dst: End, items: &[ServiceItem]) -> Option<Part> {
    let mut q: Space<()> = Space::new();
    for item in items {
        q.extend(Cube::of_item_all(&src.addrs, &dst.addrs, item), ());
    }
    if q.is_empty() {
        return None;
    }
    let (dev, direction) = match (dst.device, src.device) {
        (Some(d), _) => (d, SelfDirection::ToDevice),
        (None, Some(d)) => (d, SelfDirection::FromDevice),
        (None, None) => return None,
    };
    let mut allowed: Space<SelfFlowId> = Space::new();
    for id in model.self_flow_ids() {
        let f = model.self_flow(id);
        if f.device == dev && f.direction == direction {
            allowed.extend(self_flow_cubes(model, id), id);
        }
    }
    let mut hits = q.intersect(&allowed);
    hits.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
    let mut flows: Vec<Match> = Vec::new();
    let mut seen: Vec<SelfFlowId> = Vec::new();
    for (cube, _, id) in &hits {
        if seen.contains(id) {
            continue;
        }
        seen.push(*id);
        flows.push(Match {
            conduit: String::new(),
            device: Some(model.device(dev).name.clone()),
            flow: model.self_flow_label(*id),
            location: line_of(model, model.spans.self_flow(*id)),
            example: cube.witness().map(|p| p.to_string()).unwrap_or_default(),
            enforced_on: self_flow_hops(model, *id),
        });
    }
    let rest = q.subtract(&allowed);
    let denied_example = rest
        .cubes
        .first()
        .and_then(|(c, _)| c.witness())
        .map(|p| p.to_string());
    let verdict = match (flows.is_empty(), rest.is_empty()) {
        (true, _) => "denied",
        (false, true) => "allowed",
        (false, false) => "partly-allowed",
    };
    let mut notes = Vec::new();
    if flows.is_empty() {
        let name = &model.device(dev).name;
        notes.push(match direction {
            SelfDirection::ToDevice => format!("no device-level flow of `{name}` (`allow ... -> self`) allows this: the device's own filters drop it"),
            SelfDirection::FromDevice => format!("no device-level flow of `{name}` (`allow self -> ...`) allows this: the device's own filters drop it"),
        });
    }
    Some(Part {
        src,
        dst,
        verdict,
        flows,
        denied_example,
        conduits: Vec::new(),
        path: Vec::new(),
        notes,
    })
}

/// Where a device-level flow is enforced: the other devices it crosses, and its device on the
/// interfaces facing the peer (`self` for the device's side).
fn self_flow_hops(model: &Model, id: SelfFlowId) -> Vec<Hop> {
    let f = model.self_flow(id);
    let places = crate::plan::self_flow_places(model, id);
    let iface = |d: DeviceId, i: usize| {
        model
            .device(d)
            .interfaces
            .get(i)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let others = places.hops.iter().map(|h| Hop {
        device: model.device(h.device).name.clone(),
        ingress: iface(h.device, h.ingress),
        egress: iface(h.device, h.egress),
    });
    let own = places.facing.iter().map(|&j| {
        let (ingress, egress) = match f.direction {
            SelfDirection::ToDevice => (iface(f.device, j), "self".to_string()),
            SelfDirection::FromDevice => ("self".to_string(), iface(f.device, j)),
        };
        Hop {
            device: model.device(f.device).name.clone(),
            ingress,
            egress,
        }
    });
    match f.direction {
        SelfDirection::ToDevice => others.chain(own).collect(),
        SelfDirection::FromDevice => own.chain(others).collect(),
    }
}

/// The verdict words at the start of lines in green (ALLOWED), yellow (PARTLY ALLOWED) or red
/// (DENIED) when `color` is on.
fn paint_verdicts(text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    use anstyle::AnsiColor;
    let style = |c: AnsiColor| anstyle::Style::new().bold().fg_color(Some(c.into()));
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let painted = [
            ("PARTLY ALLOWED:", AnsiColor::Yellow),
            ("ALLOWED:", AnsiColor::Green),
            ("DENIED:", AnsiColor::Red),
        ]
        .iter()
        .find_map(|(w, c)| {
            body.strip_prefix(w)
                .map(|rest| format!("{indent}{}{rest}", render::paint(w, style(*c), true)))
        });
        out.push_str(&painted.unwrap_or_else(|| line.to_string()));
    }
    out
}

fn verdict_word(v: &str) -> &'static str {
    match v {
        "allowed" => "ALLOWED",
        "denied" => "DENIED",
        _ => "PARTLY ALLOWED",
    }
}

fn human(a: &Answer) -> String {
    use std::fmt::Write;
    let mut s = match a.parts.as_slice() {
        [] => format!(
            "DENIED: {} -> {} {}\n",
            a.src.written, a.dst.written, a.service
        ),
        [one] => human_part(one, &a.service, ""),
        parts => {
            let mut s = format!(
                "{}: {} -> {} {} ({} parts by zone)\n",
                verdict_word(a.verdict),
                a.src.written,
                a.dst.written,
                a.service,
                parts.len()
            );
            for p in parts {
                s.push_str(&human_part(p, &a.service, "  "));
            }
            s
        }
    };
    // Notes about the whole query (those of a single part are printed with it).
    for n in &a.notes {
        if !a.parts.iter().any(|p| p.notes.contains(n)) {
            let _ = writeln!(s, "  note: {n}");
        }
    }
    s
}

fn human_part(a: &Part, service: &str, indent: &str) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{indent}{}: {} -> {} {service}",
        verdict_word(a.verdict),
        a.src.name,
        a.dst.name
    );
    let body = human_body(a);
    for line in body.lines() {
        let _ = writeln!(s, "{indent}{line}");
    }
    s
}

fn human_body(a: &Part) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for m in &a.flows {
        let by = match &m.device {
            Some(d) => format!("device `{d}`"),
            None => format!("conduit `{}`", m.conduit),
        };
        let _ = writeln!(s, "  by {by}, flow `{}` ({})", m.flow, m.location);
        let _ = writeln!(s, "    e.g. {}", m.example);
        if m.enforced_on.is_empty() {
            let _ = writeln!(s, "    enforced on no device");
        }
        for h in &m.enforced_on {
            let _ = writeln!(
                s,
                "    enforced on `{}`: in {} -> out {}",
                h.device, h.ingress, h.egress
            );
        }
    }
    if let Some(p) = &a.denied_example {
        if a.verdict != "denied" || a.flows.is_empty() {
            let _ = writeln!(s, "  denied, e.g. {p}");
        }
        if a.verdict == "denied" {
            for h in &a.path {
                let _ = writeln!(
                    s,
                    "    dropped by `{}` (in {} -> out {})",
                    h.device, h.ingress, h.egress
                );
            }
            if !a.conduits.is_empty() {
                let _ = writeln!(
                    s,
                    "  conduits between these zones: {}",
                    a.conduits
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
    }
    for n in &a.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    s
}

pub fn run(args: QueryArgs, io: &mut Io) -> Result<u8> {
    // Only the meaning is needed: parse and resolve, without lint rules or expectations.
    args.common.options_for(&args.file)?;
    let checked = super::resolve_only(&args.file)?;
    let Some(model) = checked.model.as_ref().filter(|_| !checked.has_errors()) else {
        let style = HumanStyle {
            color: io.color,
            width: io.width,
        };
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            let _ = write!(io.err, "{}", render::human(d, &checked.sources, style));
        }
        io.eprintln("error: the policy has errors; cannot answer queries about it");
        return Ok(EXIT_FAILURE);
    };
    let a = answer(model, &args.src, &args.dst, &args.service)?;
    let denied = a.verdict != "allowed";
    match args.format {
        QueryFormat::Human => {
            let _ = write!(io.out, "{}", paint_verdicts(&human(&a), io.color_out));
        }
        QueryFormat::Json => {
            let s = serde_json::to_string_pretty(&JsonAnswer {
                version: QUERY_JSON_VERSION,
                answer: &a,
            })
            .map_err(|e| Error::Other(e.to_string()))?;
            io.println(s);
        }
    }
    Ok(if args.exit_code && denied {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
