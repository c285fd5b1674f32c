//! `fenceline query FILE SRC DST SERVICE`: is this traffic allowed, by which conduit and flow,
//! and on which devices and interfaces is it enforced. SRC and DST are a zone, `zone.asset`, an
//! IP address or a network; SERVICE is a service name or an item such as `tcp/502`. The answer is
//! exact over every packet the query stands for: allowed, denied, or partly allowed (with an
//! example packet of each part).

use super::{Io, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle};
use crate::error::{Error, Result};
use crate::model::graph::ZoneGraph;
use crate::model::{AddrSet, FlowId, Model, ServiceItem, ZoneId};
use crate::verify::space::{flow_cubes, Cube, Space};
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
    /// Source: zone, zone.asset, IP address or network
    pub src: String,
    /// Destination: zone, zone.asset, IP address or network
    pub dst: String,
    /// Service: a name (`modbus`) or an item (`tcp/502`, `udp/53`, `icmp/8`)
    pub service: String,
    /// Output format
    #[arg(long, alias = "output-format", value_enum, default_value_t = QueryFormat::Human)]
    pub format: QueryFormat,
    /// Exit with 1 when the traffic is not allowed (denied or only partly allowed)
    #[arg(long)]
    pub exit_code: bool,
}

/// One end of a query, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct End {
    pub written: String,
    /// `zone`, `zone.asset`, or the address with the zone it lies in.
    pub name: String,
    pub zone: Option<String>,
    #[serde(skip)]
    pub zone_id: Option<ZoneId>,
    #[serde(skip)]
    pub addrs: AddrSet,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub device: String,
    pub ingress: String,
    pub egress: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub conduit: String,
    pub flow: String,
    pub location: String,
    /// Example packet of the query that this flow allows.
    pub example: String,
    pub enforced_on: Vec<Hop>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub src: End,
    pub dst: End,
    pub service: String,
    /// `allowed`, `denied` or `partly-allowed`.
    pub verdict: &'static str,
    pub flows: Vec<Match>,
    /// A packet of the query that no flow allows (denied or partly allowed).
    pub denied_example: Option<String>,
    /// Conduits that connect the two zones (none: no flow could ever allow this).
    pub conduits: Vec<String>,
    /// Devices between the two zones, with the interfaces the traffic would use.
    pub path: Vec<Hop>,
    pub notes: Vec<String>,
}

fn resolve_end(model: &Model, text: &str) -> Result<End> {
    let written = text.to_string();
    if let Ok(ip) = text.parse::<std::net::IpAddr>() {
        let mut addrs = AddrSet::new();
        addrs.add_range(ip, ip);
        return Ok(addr_end(model, written, addrs, ip));
    }
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        let addrs = AddrSet::from_net(net.trunc());
        return Ok(addr_end(model, written, addrs, net.network()));
    }
    let (zname, aname) = match text.split_once('.') {
        Some((z, a)) => (z, Some(a)),
        None => (text, None),
    };
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
            })
        }
    }
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
    graph
        .path(from, to)
        .unwrap_or_default()
        .into_iter()
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

/// Answers a query against a Model.
pub fn answer(model: &Model, src: &str, dst: &str, service: &str) -> Result<Answer> {
    let src = resolve_end(model, src)?;
    let dst = resolve_end(model, dst)?;
    let (svc_name, items) = resolve_service(model, service)?;
    let mut q: Space<()> = Space::new();
    for item in &items {
        q.extend(Cube::of_item_all(&src.addrs, &dst.addrs, item), ());
    }
    let mut notes = Vec::new();
    if q.is_empty() {
        notes.push(
            "the service cannot apply to these addresses (no common address family)".to_string(),
        );
    }
    let graph = ZoneGraph::build(model);
    // Only flows between the two zones can match; with an address outside every zone, none.
    let candidates: Vec<FlowId> = model
        .flow_ids()
        .filter(|&f| {
            let fl = model.flow(f);
            src.zone_id.is_none_or(|z| fl.src.zone == z)
                && dst.zone_id.is_none_or(|z| fl.dst.zone == z)
        })
        .collect();
    let mut allowed: Space<FlowId> = Space::new();
    for &f in &candidates {
        allowed.extend(flow_cubes(model, f), f);
    }
    let mut hits = q.intersect(&allowed);
    hits.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
    let mut flows: Vec<Match> = Vec::new();
    for (cube, _, fid) in &hits {
        if flows.last().is_some_and(|m: &Match| {
            m.flow == model.flow_label(*fid) && m.location == line_of(model, model.flow(*fid).span)
        }) {
            continue;
        }
        let fl = model.flow(*fid);
        flows.push(Match {
            conduit: model.conduit(fl.conduit).name.clone(),
            flow: model.flow_label(*fid),
            location: line_of(model, fl.span),
            example: cube.witness().map(|p| p.to_string()).unwrap_or_default(),
            enforced_on: hops(model, &graph, fl.src.zone, fl.dst.zone),
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
            (cs, hops(model, &graph, a, b))
        }
        _ => {
            notes.push(
                "an address outside every zone: the policy allows nothing to or from it".into(),
            );
            (Vec::new(), Vec::new())
        }
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
    })
}

fn human(a: &Answer) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let verdict = match a.verdict {
        "allowed" => "ALLOWED",
        "denied" => "DENIED",
        _ => "PARTLY ALLOWED",
    };
    let _ = writeln!(
        s,
        "{verdict}: {} -> {} {}",
        a.src.name, a.dst.name, a.service
    );
    for m in &a.flows {
        let _ = writeln!(
            s,
            "  by conduit `{}`, flow `{}` ({})",
            m.conduit, m.flow, m.location
        );
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
    let checked = super::verify::resolve_only(&args.file)?;
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
    match args.format {
        QueryFormat::Human => {
            let _ = write!(io.out, "{}", human(&a));
        }
        QueryFormat::Json => {
            #[derive(Serialize)]
            struct J<'a> {
                version: u32,
                #[serde(flatten)]
                answer: &'a Answer,
            }
            let s = serde_json::to_string_pretty(&J {
                version: 1,
                answer: &a,
            })
            .map_err(|e| Error::Other(e.to_string()))?;
            io.println(s);
        }
    }
    Ok(if args.exit_code && a.verdict != "allowed" {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
