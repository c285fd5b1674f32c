//! Pass 2, Ast -> Model, step by step: every name to its declaration, every token to its value,
//! every rule of the language checked. All findings of the pass are collected; resolution goes
//! on after an error wherever the rest still has a meaning.
//!
//! `resolve` runs the parts in order, each in its own module: `declarations` (gathered from
//! every file, the policy header), `zones`, `services`, `endpoints` (name lookups for what
//! follows), `flows` (conduits and their flows), `devices`, `expectations`; then the Model is
//! assembled. `cx` holds the findings and the checks every part shares.

mod cx;
mod declarations;
mod devices;
mod endpoints;
mod expectations;
mod flows;
mod services;
mod zones;

pub use devices::split_port_range;

use crate::diagnostic::Diagnostic;
use crate::lint::rules::fr5_001_flow_outside_conduit::RULE as FLOW_OUTSIDE_CONDUIT;
use crate::model::{ConduitId, Model, ServiceId, Zone, ZoneId};
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

    let policy = declarations::resolve_policy(&mut cx, &d.policy);

    let zone_names: Vec<&str> = d.zones.keys().map(String::as_str).collect();
    let mut zones: Vec<Zone> = Vec::new();
    let mut zone_ok = true;
    for (i, z) in d.zones.values().enumerate() {
        match zones::resolve_zone(&mut cx, z, ZoneId(i), &mut exceptions) {
            Some(zone) => zones.push(zone),
            None => {
                zone_ok = false;
                // Keep a placeholder so ids stay aligned with names; the Model is not returned.
                zones.push(zones::placeholder_zone(z));
            }
        }
    }
    zones::check_zone_overlaps(&mut cx, &zones);
    zones::check_vlans(&mut cx, &zones);

    let services = services::resolve_services(&mut cx, &d);
    let names = Names::new(&zones, &zone_names, &services);

    let (conduits, flows) = flows::resolve_conduits(
        &mut cx,
        &d,
        &names,
        &zones,
        &services,
        zone_ok,
        &mut exceptions,
    );

    let mut devices = Vec::new();
    for v in d.devices.values() {
        devices.push(devices::resolve_device(
            &mut cx,
            v,
            &names.zone_index,
            &zone_names,
            &zones,
        ));
    }
    devices::check_device_interfaces(&mut cx, &devices);

    let expects = expectations::resolve_expects(&mut cx, &d.expects, &names);
    exceptions.sort_by(|a, b| (a.scope, &a.rule, a.span).cmp(&(b.scope, &b.rule, b.span)));

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
        expects,
        exceptions,
        used_services: used,
        sources: loaded.sources.clone(),
    });
    let mut diagnostics = cx.diags;
    crate::diagnostic::sort(&mut diagnostics);
    Resolved { model, diagnostics }
}
