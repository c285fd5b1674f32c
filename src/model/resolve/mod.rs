//! Pass 2, Ast -> Model, step by step: every name to its declaration, every token to its value,
//! every rule of the language checked. All findings of the pass are collected; resolution goes
//! on after an error wherever the rest still has a meaning.
//!
//! `resolve` runs the parts in order, each in its own module: `declarations` (gathered from
//! every file, the policy header), `zones`, `services`, `endpoints` (name lookups for what
//! follows), `flows` (conduits and their flows), `devices`, `expectations`; then the Model is
//! assembled. `cx` holds the findings and the checks every part shares.

mod assessment;
mod cx;
mod declarations;
mod devices;
mod endpoints;
mod expectations;
mod flows;
mod own;
mod self_flows;
mod services;
mod zones;

pub use devices::split_port_range;

use crate::diagnostic::Diagnostic;
use crate::lint::rules::fr5_001_flow_outside_conduit::RULE as FLOW_OUTSIDE_CONDUIT;
use crate::model::{ConduitId, Model, ServiceId, SpanMap, Zone, ZoneId, ZoneSpans};
use crate::source::Span;
use crate::syntax::loader::Loaded;
use cx::Cx;
use endpoints::Names;

/// The result of resolution: a Model when the policy has a meaning, and every finding.
pub struct Resolved {
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Longest Linux interface name (IFNAMSIZ - 1).
pub const MAX_LINUX_IFNAME: usize = 15;
/// VLAN used for unused switch ports and trunk native VLANs when the policy names none.
pub const DEFAULT_PARKING_VLAN: u16 = 999;

pub fn resolve(loaded: &Loaded) -> Resolved {
    let mut cx = Cx {
        diags: Vec::new(),
        loaded,
    };
    let d = declarations::gather(&mut cx, loaded);
    let mut exceptions = Vec::new();

    let (policy, policy_span) = declarations::resolve_policy(&mut cx, &d.policy);

    let zone_names: Vec<&str> = d.zones.keys().map(String::as_str).collect();
    let mut zones: Vec<Zone> = Vec::new();
    let mut zone_spans: Vec<ZoneSpans> = Vec::new();
    let mut zone_ok = true;
    for (i, z) in d.zones.values().enumerate() {
        match zones::resolve_zone(&mut cx, z, ZoneId(i), &mut exceptions) {
            Some((zone, spans)) => {
                zones.push(zone);
                zone_spans.push(spans);
            }
            None => {
                zone_ok = false;
                // Keep a placeholder so ids stay aligned with names; the Model is not returned.
                zones.push(zones::placeholder_zone(z));
                zone_spans.push(ZoneSpans {
                    name: z.name.span,
                    assets: Vec::new(),
                });
            }
        }
    }
    let zone_name_spans: Vec<Span> = zone_spans.iter().map(|z| z.name).collect();
    zones::check_zone_overlaps(&mut cx, &zones, &zone_name_spans);
    zones::check_vlans(&mut cx, &zones, &zone_name_spans);

    let (services, service_spans) = services::resolve_services(&mut cx, &d);
    let names = Names::new(&zones, &zone_names, &services);

    let cf = flows::resolve_conduits(
        &mut cx,
        &d,
        &names,
        &services,
        &service_spans,
        zone_ok,
        &mut exceptions,
    );
    let (conduits, flows) = (cf.conduits, cf.flows);

    let mut devices = Vec::new();
    let mut device_spans = Vec::new();
    let mut owns = Vec::new();
    for v in d.devices.values() {
        let (device, spans, own) = devices::resolve_device(
            &mut cx,
            v,
            &names.zone_index,
            &zone_names,
            &zones,
            &zone_name_spans,
        );
        devices.push(device);
        device_spans.push(spans);
        owns.push(own);
    }
    devices::check_device_interfaces(&mut cx, &devices, &device_spans);
    flows::check_via(&mut cx, &zones, &flows, &cf.flow_spans, &devices);
    flows::refuse_device_via(&mut cx, &d);
    let device_decls: Vec<_> = d.devices.values().copied().collect();
    own::check_across(
        &mut cx,
        &zones,
        &devices,
        &device_spans,
        &owns,
        &device_decls,
    );
    zones::check_translated_attached(&mut cx, &zones, &zone_name_spans, &devices);
    let (self_flows, self_flow_spans) = self_flows::resolve_self_flows(
        &mut cx,
        &names,
        (&services, &service_spans),
        &devices,
        &owns,
        &mut exceptions,
    );

    let (expects, expect_spans) =
        expectations::resolve_expects(&mut cx, &d.expects, &names, &devices);
    let (assessment, assessment_spans) = assessment::resolve(&mut cx, &d);
    exceptions.sort_by(|(a, sa), (b, sb)| (a.scope, &a.rule, sa).cmp(&(b.scope, &b.rule, sb)));
    let (exceptions, exception_spans) = exceptions.into_iter().unzip();
    let spans = SpanMap {
        policy: policy_span,
        zones: zone_spans,
        services: service_spans,
        conduits: cf.conduit_spans,
        flows: cf.flow_spans,
        self_flows: self_flow_spans,
        devices: device_spans,
        expects: expect_spans,
        exceptions: exception_spans,
        assessment: assessment_spans,
    };

    for (ci, c) in conduits.iter().enumerate() {
        for z in &c.zones {
            zones[z.0].conduits.push(ConduitId(ci));
        }
    }

    let mut used: Vec<ServiceId> = flows
        .iter()
        .flat_map(|f| f.services.iter().copied())
        .collect();
    used.extend(expects.iter().map(|e| e.service));
    used.extend(self_flows.iter().flat_map(|f| f.services.iter().copied()));
    used.sort();
    used.dedup();

    // A rule's finding (FR5-001: the flow is left out of the Model) is an error only if the
    // filter keeps it one (configuration, exceptions); the driver decides after filtering.
    let has_errors = cx
        .diags
        .iter()
        .any(|d| d.is_error() && d.code != FLOW_OUTSIDE_CONDUIT.id);
    let model = (!has_errors && zone_ok).then(|| Model {
        policy,
        zones,
        services,
        conduits,
        flows,
        devices,
        self_flows,
        expects,
        exceptions,
        used_services: used,
        sites: loaded.sites.clone(),
        sources: loaded.sources.clone(),
        spans,
        assessment,
        zone_graph: Default::default(),
    });
    let mut diagnostics = cx.diags;
    crate::diagnostic::sort(&mut diagnostics);
    Resolved { model, diagnostics }
}
