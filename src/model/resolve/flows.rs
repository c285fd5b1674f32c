//! Resolution of conduits and the flows they carry: each conduit's zones and SL-T, each flow's
//! ends and services, the flows that cannot enter the Model (inside one zone, outside their
//! conduit's zones: FR5-001) and the ones that allow no packet (E0025) or only answers (E0026).
//! Flows are then sorted, which gives each its `FlowId`, and their exceptions scoped to it.

use super::cx::{check_text, Cx};
use super::declarations::Decls;
use super::endpoints::Names;
use crate::diagnostic::{codes, Diagnostic, Subject};
use crate::lint::rules::fr5_001_flow_outside_conduit::RULE as FLOW_OUTSIDE_CONDUIT;
use crate::model::*;
use crate::syntax::ast;

/// A resolved flow, where it is written and the exceptions written inside it, before flows are
/// numbered.
type PendingFlow<'a> = (Flow, FlowSpans, Vec<&'a ast::Exception>);

/// Conduits and flows, numbered, with their spans by id.
pub(super) struct ConduitsAndFlows {
    pub(super) conduits: Vec<Conduit>,
    pub(super) conduit_spans: Vec<Span>,
    pub(super) flows: Vec<Flow>,
    pub(super) flow_spans: Vec<FlowSpans>,
}

/// The order of the policy's flows: by conduit, ends, services, then source position (equal
/// flows keep their order: the sorts are stable).
fn flow_order(a: &PendingFlow, b: &PendingFlow) -> std::cmp::Ordering {
    (a.0.conduit, a.0.src, a.0.dst, &a.0.services, a.1.stmt).cmp(&(
        b.0.conduit,
        b.0.src,
        b.0.dst,
        &b.0.services,
        b.1.stmt,
    ))
}

/// Every conduit and every flow, flows sorted and numbered; exceptions written in conduits and
/// flows are added to `exceptions`.
pub(super) fn resolve_conduits(
    cx: &mut Cx,
    d: &Decls,
    names: &Names,
    services: &[Service],
    service_spans: &[Option<Span>],
    zone_ok: bool,
    exceptions: &mut Vec<(Exception, Span)>,
) -> ConduitsAndFlows {
    // Conduits are independent of each other: each is resolved with its own findings, on both
    // cores, and the findings are merged in declaration order, as one pass would have raised
    // them.
    let decls: Vec<(ConduitId, &ast::Conduit)> = d
        .conduits
        .values()
        .enumerate()
        .map(|(ci, c)| (ConduitId(ci), *c))
        .collect();
    let loaded = cx.loaded;
    let resolved = crate::threads::map(&decls, |&(cid, c)| {
        let mut cx = Cx {
            diags: Vec::new(),
            loaded,
        };
        let mut conduit_exceptions = Vec::new();
        let (conduit, allows) =
            resolve_conduit(&mut cx, c, cid, names, zone_ok, &mut conduit_exceptions);
        let at = FlowAt {
            d,
            names,
            zones: names.zones,
            services,
            service_spans,
            conduit: c,
            cid,
            conduit_zones: &conduit.zones,
        };
        let mut flows: Vec<PendingFlow> = allows
            .into_iter()
            .filter_map(|(a, stmt_span)| resolve_flow(&mut cx, &at, a, stmt_span))
            .collect();
        // In flow order (below): every flow here is of this conduit, and the conduits come
        // in order, so sorting each conduit's flows here sorts them all.
        flows.sort_by(flow_order);
        (conduit, flows, conduit_exceptions, cx.diags)
    });
    let mut conduits: Vec<Conduit> = Vec::with_capacity(decls.len());
    let conduit_spans: Vec<Span> = decls.iter().map(|(_, c)| c.name.span).collect();
    let mut flows: Vec<PendingFlow> =
        Vec::with_capacity(resolved.iter().map(|(_, fs, ..)| fs.len()).sum());
    let mut conduit_exceptions: Vec<(ConduitId, &ast::Exception, Span)> = Vec::new();
    for (conduit, fs, excs, diags) in resolved {
        cx.diags.extend(diags);
        conduits.push(conduit);
        flows.extend(fs);
        conduit_exceptions.extend(excs);
    }
    debug_assert!(flows.is_sorted_by(|a, b| flow_order(a, b).is_le()));
    let mut flow_list = Vec::with_capacity(flows.len());
    let mut flow_spans = Vec::with_capacity(flows.len());
    for (i, (f, spans, fexc)) in flows.into_iter().enumerate() {
        let fid = FlowId(i);
        for e in fexc {
            let span = e.rule.span.to(e.justification.span);
            cx.exception(e, Scope::Flow(fid), span, exceptions);
        }
        conduits[f.conduit.0].flows.push(fid);
        flow_list.push(f);
        flow_spans.push(spans);
    }
    for (cid, e, _) in conduit_exceptions {
        let span = e.rule.span.to(e.justification.span);
        cx.exception(e, Scope::Conduit(cid), span, exceptions);
    }
    ConduitsAndFlows {
        conduits,
        conduit_spans,
        flows: flow_list,
        flow_spans,
    }
}

/// A conduit's own statements; its flows are returned to be resolved against its zones.
fn resolve_conduit<'c>(
    cx: &mut Cx,
    c: &'c ast::Conduit,
    cid: ConduitId,
    names: &Names,
    zone_ok: bool,
    conduit_exceptions: &mut Vec<(ConduitId, &'c ast::Exception, Span)>,
) -> (Conduit, Vec<(&'c ast::Allow, Span)>) {
    let mut connects: Option<(Vec<ZoneId>, Span)> = None;
    let mut sl: Option<(Sl, Span)> = None;
    let mut description = None;
    let mut allows = Vec::new();
    for st in &c.stmts {
        match &st.kind {
            ast::StmtKind::Connects(listed) => {
                let mut ids = Vec::new();
                for n in listed {
                    match names.zone_index.get(n.name.as_str()) {
                        Some(z) if ids.contains(z) => cx.err(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                format!("zone `{}` listed twice", n.name),
                            )
                            .at(n.span, "listed again"),
                        ),
                        Some(z) => ids.push(*z),
                        None => cx.unknown("zone", n, names.zone_names),
                    }
                }
                cx.once(&mut connects, ids, st, "connects");
            }
            ast::StmtKind::SlTarget(t) => {
                if let Some(v) = cx.sl(t) {
                    cx.once(&mut sl, v, st, "sl-target");
                }
            }
            ast::StmtKind::Description(t) => {
                check_text(t, &mut cx.diags);
                cx.once(&mut description, t.value.clone(), st, "description");
            }
            ast::StmtKind::Allow(a) => allows.push((a, st.span)),
            ast::StmtKind::Exception(e) => conduit_exceptions.push((cid, e, st.span)),
            ast::StmtKind::Capability { .. } => {
                super::assessment::misplaced_capability(cx, st, "conduit")
            }
            // The conduit's risk register: an assessment fact (`assessment::resolve`).
            ast::StmtKind::Risk(_) => {}
            _ => cx.not_here(st, "conduit"),
        }
    }
    let mut zones_of_conduit = connects.map(|c| c.0).unwrap_or_default();
    if zones_of_conduit.len() < 2
        && !c
            .stmts
            .iter()
            .any(|s| matches!(s.kind, ast::StmtKind::Connects(_)))
    {
        cx.err(
            Diagnostic::error(
                codes::MISSING,
                format!("conduit `{}` has no `connects`", c.name.name),
            )
            .at(c.name.span, "connects no zones")
            .help("add `connects ZONE, ZONE`: a conduit joins at least two zones"),
        );
    } else if zones_of_conduit.len() < 2 && zone_ok {
        cx.err(
            Diagnostic::error(
                codes::MISSING,
                format!("conduit `{}` connects fewer than two zones", c.name.name),
            )
            .at(c.name.span, "a conduit joins at least two zones"),
        );
    }
    zones_of_conduit.sort();
    let conduit = Conduit {
        name: c.name.name.clone(),
        description: description.map(|d| d.0),
        zones: zones_of_conduit,
        sl: sl.map(|s| s.0),
        flows: Vec::new(),
    };
    (conduit, allows)
}

/// What a flow is resolved against: the declarations, the names, and its conduit.
struct FlowAt<'a> {
    d: &'a Decls<'a>,
    names: &'a Names<'a>,
    zones: &'a [Zone],
    services: &'a [Service],
    /// Where each service is declared, by id.
    service_spans: &'a [Option<Span>],
    conduit: &'a ast::Conduit,
    cid: ConduitId,
    conduit_zones: &'a [ZoneId],
}

/// One `allow` statement; `None` when it does not enter the Model.
fn resolve_flow<'e>(
    cx: &mut Cx,
    at: &FlowAt,
    a: &'e ast::Allow,
    stmt_span: Span,
) -> Option<PendingFlow<'e>> {
    let FlowAt {
        names,
        zones,
        services,
        cid,
        ..
    } = *at;
    let zones_of_conduit = at.conduit_zones;
    let src = names.endpoint(cx, &a.src);
    let dst = names.endpoint(cx, &a.dst);
    let mut svc = Vec::new();
    let mut svc_spans = Vec::new();
    for r in &a.services {
        if let Some(s) = names.service(cx, r) {
            if svc.contains(&s) {
                cx.err(
                    Diagnostic::warning(
                        codes::DUPLICATE,
                        format!("service `{}` listed twice", r.text()),
                    )
                    .at(r.span(), "listed again"),
                );
                continue;
            }
            svc.push(s);
            svc_spans.push(r.span());
        }
    }
    let mut via: Vec<(DeviceId, Span)> = Vec::new();
    for v in &a.via {
        // A cluster node's name stands for its cluster: the nodes filter alike.
        let device = at.d.devices.keys().position(|k| *k == v.name).or_else(|| {
            at.d.devices.values().position(|dev| {
                dev.stmts.iter().any(|st| {
                    matches!(&st.kind, ast::StmtKind::Cluster(nodes) if nodes.iter().any(|n| n.name == v.name))
                })
            })
        });
        match device {
            Some(i) if via.iter().any(|(d, _)| d.0 == i) => cx.err(
                Diagnostic::warning(
                    codes::DUPLICATE,
                    format!("device `{}` listed twice", v.name),
                )
                .at(v.span, "listed again"),
            ),
            Some(i) => via.push((DeviceId(i), v.span)),
            None => {
                let known: Vec<&str> = at.d.devices.keys().map(String::as_str).collect();
                cx.unknown("device", v, &known);
            }
        }
    }
    via.sort();
    let (log, fdesc, fexc) = flow_block(cx, &a.stmts);
    let (Some(src), Some(dst)) = (src, dst) else {
        return None;
    };
    if src.zone == dst.zone {
        cx.err(
            FLOW_OUTSIDE_CONDUIT.diag(
                format!("flow stays inside zone `{}`; a conduit carries flows between zones", zones[src.zone.0].name),
            )
            .at(a.src.span.to(a.dst.span), "both ends are in the same zone")
            .about(Subject::Conduit(cid))
            .scoped(vec![Scope::Conduit(cid)])
            .help("traffic inside a zone does not cross a conduit; remove the flow or split the zone"),
        );
        return None;
    }
    if !zones_of_conduit.is_empty()
        && (!zones_of_conduit.contains(&src.zone) || !zones_of_conduit.contains(&dst.zone))
    {
        cx.err(outside_conduit(at, a, src, dst));
        return None;
    }
    if svc.is_empty() {
        return None;
    }
    if let Some(d) = empty_flow(zones, services, src, dst, &svc, a) {
        cx.err(d);
    }
    for (id, span) in svc.iter().zip(&svc_spans) {
        let declared = at.service_spans.get(id.0).copied().flatten();
        if let Some(d) = answer_item(&services[id.0], declared, *span) {
            cx.err(d);
        }
    }
    Some((
        Flow {
            conduit: cid,
            src,
            dst,
            services: svc,
            log,
            description: fdesc.map(|d| d.0),
            via: via.iter().map(|(d, _)| *d).collect(),
        },
        FlowSpans {
            stmt: stmt_span,
            services: svc_spans,
            via: via.iter().map(|(_, s)| *s).collect(),
        },
        fexc,
    ))
}

/// FR5-001 for a flow whose ends are not both in its conduit's zones, naming the conduit that
/// connects them if there is one.
fn outside_conduit(at: &FlowAt, a: &ast::Allow, src: Endpoint, dst: Endpoint) -> Diagnostic {
    let zones = at.zones;
    let zones_of_conduit = at.conduit_zones;
    let outside: Vec<&str> = [src.zone, dst.zone]
        .iter()
        .filter(|z| !zones_of_conduit.contains(z))
        .map(|z| zones[z.0].name.as_str())
        .collect();
    let diag = FLOW_OUTSIDE_CONDUIT
        .diag(format!(
            "flow from `{}` to `{}` is in conduit `{}`, which does not connect `{}`",
            zones[src.zone.0].name,
            zones[dst.zone.0].name,
            at.conduit.name.name,
            outside.join("`, `")
        ))
        .at(
            a.src.span.to(a.dst.span),
            "this flow leaves the conduit's zones",
        )
        // Not in the Model, the flow is no subject: the finding is about its conduit.
        .about(Subject::Conduit(at.cid))
        // The flow never enters the Model: its conduit, which holds it, is where an exception
        // may sit (a zone's exception accepts findings about the zone only).
        .scoped(vec![Scope::Conduit(at.cid)]);
    // Is there a conduit that does connect them?
    let right: Option<&str> = at.d.conduits.values().find_map(|other| {
        let names: Vec<&str> = other
            .stmts
            .iter()
            .filter_map(|s| match &s.kind {
                ast::StmtKind::Connects(ns) => {
                    Some(ns.iter().map(|n| n.name.as_str()).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .collect();
        (names.contains(&zones[src.zone.0].name.as_str())
            && names.contains(&zones[dst.zone.0].name.as_str()))
        .then_some(other.name.name.as_str())
    });
    match right {
        Some(r) => diag.help(format!("move the flow to conduit `{r}`, which connects these zones")),
        None => diag.help(format!(
            "no conduit connects `{}` and `{}`: every flow between zones needs a conduit connecting them (SR 5.1, SR 5.2)",
            zones[src.zone.0].name, zones[dst.zone.0].name
        )),
    }
}

/// A flow none of whose (layer-3) service items can apply to its address families.
fn empty_flow(
    zones: &[Zone],
    services: &[Service],
    src: Endpoint,
    dst: Endpoint,
    svc: &[ServiceId],
    a: &ast::Allow,
) -> Option<Diagnostic> {
    let addrs = |ep: Endpoint| {
        let z = &zones[ep.zone.0];
        ep.asset
            .map(|i| z.assets[i].addrs.clone())
            .unwrap_or_else(|| z.addrs.clone())
    };
    let (s, d) = (addrs(src), addrs(dst));
    let v4 = !s.v4.is_empty() && !d.v4.is_empty();
    let v6 = !s.v6.is_empty() && !d.v6.is_empty();
    let items: Vec<&ServiceItem> = svc
        .iter()
        .flat_map(|id| services[id.0].items.iter())
        .collect();
    if items.iter().all(|i| i.is_layer2()) {
        return None; // layer-2 protocols are NET-001's concern
    }
    let applies = items
        .iter()
        .any(|i| !i.is_layer2() && ((i.v4() && v4) || (i.v6() && v6)));
    (!applies).then(|| {
        let fam = match (v4, v6) {
            (true, true) => "IPv4 and IPv6",
            (true, false) => "IPv4 only",
            (false, true) => "IPv6 only",
            (false, false) => "no common address family",
        };
        Diagnostic::error(codes::FLOW_EMPTY, "flow allows no packet: its services do not apply to its addresses")
            .at(a.src.span.to(a.dst.span), format!("the ends have {fam}"))
            .help("use a service of the ends' address family (`icmp` for IPv4, `icmpv6` for IPv6), or give both ends addresses of the same family")
    })
}

/// An ICMP type in a flow that conntrack only ever passes as an answer to a connection (E0026).
/// `declared`: where the service is declared (`None` for built-in and inline ones).
pub(super) fn answer_item(svc: &Service, declared: Option<Span>, span: Span) -> Option<Diagnostic> {
    use crate::model::services::{icmp_type_name, IcmpKind};
    let (item, kind) = svc.items.iter().find_map(|i| Some((i, i.answer()?)))?;
    let v6 = matches!(item, ServiceItem::Icmpv6 { .. });
    let (proto, t) = match item {
        ServiceItem::Icmp { icmp_type: Some(t) } | ServiceItem::Icmpv6 { icmp_type: Some(t) } => {
            (if v6 { "icmpv6" } else { "icmp" }, *t)
        }
        _ => return None,
    };
    let what = match icmp_type_name(v6, t) {
        Some(n) => format!("`{item}` ({n})"),
        None => format!("`{item}` (an error message)"),
    };
    let message = if svc.name == item.to_string() {
        format!("{what} only answers a connection: a flow cannot allow it")
    } else {
        format!(
            "service `{}` names {what}, which only answers a connection: a flow cannot allow it",
            svc.name
        )
    };
    let help = match kind {
        IcmpKind::Answer(Some(req)) => format!(
            "allow `{proto}/{req}` ({}) in the other direction instead: its replies pass as established; `{proto}` allows every type, unsolicited ones included",
            icmp_type_name(v6, req).unwrap_or("request")
        ),
        _ => format!(
            "errors pass as related to the connection they answer; allow the connection; `{proto}` allows every type, unsolicited ones included"
        ),
    };
    let mut d = Diagnostic::error(codes::ICMP_ANSWER, message)
        .at(
            span,
            "connection tracking drops it unless it answers a connection",
        )
        .help(help);
    if let Some(s) = declared.filter(|_| !svc.builtin) {
        d = d.related(s, "declared here");
    }
    Some(d)
}

/// E0036 for each `via` device that no loop-free path between its flow's zones crosses.
pub(super) fn check_via(
    cx: &mut Cx,
    zones: &[Zone],
    flows: &[Flow],
    spans: &[FlowSpans],
    devices: &[Device],
) {
    if flows.iter().all(|f| f.via.is_empty()) {
        return;
    }
    let graph = crate::model::graph::ZoneGraph::from_interfaces(
        zones.len(),
        devices
            .iter()
            .map(|d| d.interfaces.iter().map(|i| i.zone).collect()),
    );
    for (f, sp) in flows.iter().zip(spans) {
        if f.via.is_empty() {
            continue;
        }
        let off = match graph.stages_via(f.src.zone, f.dst.zone, &f.via) {
            Some((_, off)) => off,
            None => f.via.clone(),
        };
        for d in off {
            let Some(i) = f.via.iter().position(|v| *v == d) else {
                continue;
            };
            let (src, dst) = (&zones[f.src.zone.0].name, &zones[f.dst.zone.0].name);
            let diag = Diagnostic::error(
                codes::VIA_OFF_PATH,
                format!(
                    "device `{}` lies on no loop-free path from `{src}` to `{dst}`",
                    devices[d.0].name
                ),
            )
            .at(sp.via[i], "the flow cannot pass this device");
            let diag = diag.help(format!(
                "`via` keeps the flow to paths that cross one of the named devices; name a device between `{src}` and `{dst}`, or remove `via`"
            ));
            cx.err(diag);
        }
    }
}

/// A device-level flow (`allow X -> self`, in a device block) has no path to restrict: the
/// device is its one enforcement point. `via` there is an error rather than ignored.
pub(super) fn refuse_device_via(cx: &mut Cx, d: &Decls) {
    for dev in d.devices.values() {
        for st in &dev.stmts {
            let ast::StmtKind::Allow(a) = &st.kind else {
                continue;
            };
            if let (Some(first), Some(last)) = (a.via.first(), a.via.last()) {
                cx.err(
                    Diagnostic::error(codes::SYNTAX, "`via` is not allowed on a device-level flow")
                        .at(
                            first.span.to(last.span),
                            "the device itself enforces this flow",
                        )
                        .help("a flow to or from `self` is enforced by its device; remove `via`"),
                );
            }
        }
    }
}

/// An `allow`'s block, in a conduit or a device: `log`, `description` (once) and its
/// exceptions; anything else is not allowed there.
pub(super) fn flow_block<'e>(
    cx: &mut Cx,
    stmts: &'e [ast::Stmt],
) -> (bool, Option<(String, Span)>, Vec<&'e ast::Exception>) {
    let mut log = false;
    let mut description = None;
    let mut exceptions = Vec::new();
    for st in stmts {
        match &st.kind {
            ast::StmtKind::Log => log = true,
            ast::StmtKind::Description(t) => {
                check_text(t, &mut cx.diags);
                cx.once(&mut description, t.value.clone(), st, "description");
            }
            ast::StmtKind::Exception(e) => exceptions.push(e),
            _ => cx.not_here(st, "flow"),
        }
    }
    (log, description, exceptions)
}
