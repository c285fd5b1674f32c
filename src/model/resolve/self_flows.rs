//! Resolution of device-level flows (`allow X -> self ...`, `allow self -> X ...` in a device
//! block): `self` at exactly one end, the other end and the services resolved like a conduit's
//! flow's, the device holding at least one own address and joined to the other end's zone by
//! the zone/device graph. Flows are then sorted (by device, direction, peer, services), which
//! gives each its `SelfFlowId`, and their exceptions scoped to it.

use super::cx::Cx;
use super::endpoints::Names;
use super::own::Own;
use crate::diagnostic::{codes, Diagnostic};
use crate::model::graph::ZoneGraph;
use crate::model::*;
use crate::syntax::ast;

/// A resolved device-level flow, where it is written, and the exceptions written inside it.
type Pending<'a> = (SelfFlow, FlowSpans, Vec<&'a ast::Exception>);

/// Every device's device-level flows, sorted and numbered, with their spans by id; their
/// exceptions are added to `exceptions`.
pub(super) fn resolve_self_flows(
    cx: &mut Cx,
    names: &Names,
    (services, service_spans): (&[Service], &[Option<Span>]),
    devices: &[Device],
    owns: &[Own],
    exceptions: &mut Vec<(Exception, Span)>,
) -> (Vec<SelfFlow>, Vec<FlowSpans>) {
    let graph = ZoneGraph::from_interfaces(
        names.zones.len(),
        devices
            .iter()
            .map(|d| d.interfaces.iter().map(|i| i.zone).collect()),
    );
    let mut pending: Vec<Pending> = Vec::new();
    for (di, (device, own)) in devices.iter().zip(owns).enumerate() {
        let at = At {
            names,
            services,
            service_spans,
            graph: &graph,
            id: DeviceId(di),
            device,
        };
        for &(a, span) in &own.allows {
            if let Some(p) = resolve_one(cx, &at, a, span) {
                pending.push(p);
            }
        }
    }
    pending.sort_by(|a, b| {
        let key = |p: &Pending| {
            (
                p.0.device,
                p.0.direction,
                p.0.peer,
                p.0.services.clone(),
                p.1.stmt,
            )
        };
        key(a).cmp(&key(b))
    });
    let mut flows = Vec::with_capacity(pending.len());
    let mut spans = Vec::with_capacity(pending.len());
    for (i, (f, s, exc)) in pending.into_iter().enumerate() {
        for e in exc {
            let span = e.rule.span.to(e.justification.span);
            cx.exception(e, Scope::SelfFlow(SelfFlowId(i)), span, exceptions);
        }
        flows.push(f);
        spans.push(s);
    }
    (flows, spans)
}

/// What a device-level flow is resolved against.
struct At<'a> {
    names: &'a Names<'a>,
    services: &'a [Service],
    service_spans: &'a [Option<Span>],
    graph: &'a ZoneGraph,
    id: DeviceId,
    device: &'a Device,
}

/// One device-level `allow`; `None` when it does not enter the Model.
fn resolve_one<'e>(cx: &mut Cx, at: &At, a: &'e ast::Allow, stmt: Span) -> Option<Pending<'e>> {
    let (direction, own_end, peer_end) = match (
        a.src.zone.name == "self",
        a.dst.zone.name == "self",
    ) {
        (false, true) => (SelfDirection::ToDevice, &a.dst, &a.src),
        (true, false) => (SelfDirection::FromDevice, &a.src, &a.dst),
        (both, _) => {
            let d = Diagnostic::error(
                codes::SELF_RESERVED,
                if both {
                    "a device-level flow has `self` at one end only".to_string()
                } else {
                    format!("an `allow` in device `{}` names `self` at one end", at.device.name)
                },
            )
            .at(a.src.span.to(a.dst.span), if both { "`self` at both ends" } else { "no `self` here" })
            .help(if both {
                "traffic inside the device is not filtered; remove the flow"
            } else {
                "a device block allows traffic to the device (`X -> self`) or from it (`self -> X`); a flow between zones belongs in a conduit"
            });
            cx.err(d);
            return None;
        }
    };
    if let Some(asset) = &own_end.asset {
        cx.err(
            Diagnostic::error(codes::SELF_RESERVED, "`self` has no assets")
                .at(asset.span, "not an asset of the device")
                .help("`self` alone stands for every address of the device"),
        );
    }
    let peer = at.names.endpoint(cx, peer_end);
    let (services, service_refs) = services(cx, at, a);
    let (log, description, exc) = super::flows::flow_block(cx, &a.stmts);
    if at.device.own_addrs().is_empty() {
        cx.err(
            Diagnostic::error(
                codes::NO_DEVICE_ADDRESS,
                format!("device `{}` has no address, so `self` matches nothing", at.device.name),
            )
            .at(own_end.span, "the device has no `address`")
            .help("give the interfaces the device's own addresses: `interface NAME ZONE address ADDR`"),
        );
    }
    let peer = peer?;
    if !reachable(at, peer.zone) {
        cx.err(
            Diagnostic::error(
                codes::SELF_UNREACHABLE,
                format!(
                    "device `{}` neither attaches zone `{}` nor is joined to it by other devices",
                    at.device.name, at.names.zones[peer.zone.0].name
                ),
            )
            .at(peer_end.span, "no path between this zone and the device")
            .help("attach the zone with `interface NAME ZONE`, or declare the devices that join it to the device's zones"),
        );
        return None;
    }
    if services.is_empty() || at.device.own_addrs().is_empty() {
        return None;
    }
    if let Some(d) = empty(at, peer, &services, a) {
        cx.err(d);
    }
    let flow = SelfFlow {
        device: at.id,
        direction,
        peer,
        services,
        log,
        description: description.map(|d| d.0),
    };
    let spans = FlowSpans {
        stmt,
        services: service_refs,
        via: Vec::new(),
    };
    Some((flow, spans, exc))
}

/// The flow's services, each once, and where each is named.
fn services(cx: &mut Cx, at: &At, a: &ast::Allow) -> (Vec<ServiceId>, Vec<Span>) {
    let mut ids = Vec::new();
    let mut spans = Vec::new();
    for r in &a.services {
        let Some(s) = at.names.service(cx, r) else {
            continue;
        };
        if ids.contains(&s) {
            cx.err(
                Diagnostic::warning(
                    codes::DUPLICATE,
                    format!("service `{}` listed twice", r.text()),
                )
                .at(r.span(), "listed again"),
            );
            continue;
        }
        let declared = at.service_spans.get(s.0).copied().flatten();
        if let Some(d) = super::flows::answer_item(&at.services[s.0], declared, r.span()) {
            cx.err(d);
        }
        ids.push(s);
        spans.push(r.span());
    }
    (ids, spans)
}

/// E0025 for a device-level flow none of whose (layer-3) service items applies to both the
/// peer's and the device's address families.
fn empty(at: &At, peer: Endpoint, services: &[ServiceId], a: &ast::Allow) -> Option<Diagnostic> {
    let zone = &at.names.zones[peer.zone.0];
    let peer_addrs = match peer.asset {
        Some(i) => &zone.assets[i].addrs,
        None => &zone.addrs,
    };
    let own = at.device.own_addrs();
    let v4 = !peer_addrs.v4.is_empty() && !own.v4.is_empty();
    let v6 = !peer_addrs.v6.is_empty() && !own.v6.is_empty();
    let items: Vec<&ServiceItem> = services
        .iter()
        .flat_map(|id| at.services[id.0].items.iter())
        .filter(|i| !i.is_layer2())
        .collect();
    if items.is_empty() || items.iter().any(|i| (i.v4() && v4) || (i.v6() && v6)) {
        return None;
    }
    Some(
        Diagnostic::error(
            codes::FLOW_EMPTY,
            "flow allows no packet: its services do not apply to its addresses",
        )
        .at(a.src.span.to(a.dst.span), "the device and the other end share no address family for these services")
        .help("use a service of the ends' address family, or give the device an address of the other end's family"),
    )
}

/// Does the device attach `zone`, or join it through the zone/device graph?
fn reachable(at: &At, zone: ZoneId) -> bool {
    at.device
        .interfaces
        .iter()
        .any(|i| i.zone == zone || at.graph.stages(i.zone, zone).is_some())
}
