//! ## What it does
//! Flags a switch whose ports carry the VLAN of a `safety` zone beside the VLAN of any other
//! zone: a safety instrumented system on the same access or distribution switch as the process
//! cells, whatever their levels. One finding per safety zone and switch.
//!
//! ## Why is this bad
//! A safety zone is isolated from the basic process control system so that no failure or
//! compromise there can defeat the safety function (ZCR 3.3: safety-related assets in zones of
//! their own; SR 5.1 RE3: critical networks isolated). VLANs on one switch separate the zones
//! logically only: a misconfigured port, VLAN hopping, a broadcast storm or a compromise of the
//! switch reaches the SIS under every firewall, and the switch becomes a common cause of failure
//! of the process and of its protection.
//!
//! ## Example
//! ```fence
//! zone cell { level 1  sl-target 2  network 10.40.0.0/24  vlan 140 }
//! zone sis { level 1  sl-target 3  network 10.15.0.0/24  vlan 115  safety }
//! switch sw-cell {
//!   target cisco-ios
//!   port GigabitEthernet1/0/1 access cell
//!   port GigabitEthernet1/0/2 access sis
//! }
//! ```
//!
//! ## Use instead
//! A switch of its own for the safety zone, joined to the others only through a firewall:
//! ```fence
//! zone cell { level 1  sl-target 2  network 10.40.0.0/24  vlan 140 }
//! zone sis { level 1  sl-target 3  network 10.15.0.0/24  vlan 115  safety }
//! switch sw-cell { target cisco-ios  port GigabitEthernet1/0/1 access cell }
//! switch sw-sis { target cisco-ios  port GigabitEthernet1/0/1 access sis }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.1 RE3 (isolation of critical networks)
//! - IEC 62443-3-2 ZCR 3.3 (separate safety-related assets)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{DeviceId, DeviceKind, PortMode, Scope, ZoneId};
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    id: "FR5-018",
    name: "safety-zone-shared-switch",
    severity: Severity::Error,
    reference: "SR 5.1 RE3; ZCR 3.3",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_018_safety_zone_shared_switch.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (di, d) in cx
        .model
        .devices
        .iter()
        .enumerate()
        .filter(|(_, d)| d.kind == DeviceKind::Switch)
    {
        let id = DeviceId(di);
        // Zone -> the first port carrying it.
        let mut zones: BTreeMap<ZoneId, crate::source::Span> = BTreeMap::new();
        for (pi, p) in d.ports.iter().enumerate() {
            let zs = match &p.mode {
                PortMode::Access { zone } => std::slice::from_ref(zone),
                PortMode::Trunk { zones } => zones.as_slice(),
            };
            for z in zs {
                zones.entry(*z).or_insert(cx.model.spans.port(id, pi));
            }
        }
        for (&safety, &span) in zones.iter().filter(|(z, _)| cx.zone(**z).safety) {
            let others: Vec<ZoneId> = zones.keys().copied().filter(|z| *z != safety).collect();
            let Some(first) = others.first() else {
                continue;
            };
            let names: Vec<String> = others
                .iter()
                .map(|z| format!("`{}`", cx.zone(*z).name))
                .collect();
            let name = &cx.zone(safety).name;
            let mut diag = RULE
                .diag(format!(
                    "switch `{}` carries safety zone `{name}` beside {}",
                    d.name,
                    names.join(", ")
                ))
                .at(span, format!("carries safety zone `{name}`"))
                .about(Subject::Device(id))
                .help(format!(
                    "give `{name}` a switch of its own, joined to the other zones only through a firewall; VLANs separate zones logically only"
                ));
            if let Some(s) = zones.get(first) {
                diag = diag.related(*s, format!("carries `{}`", cx.zone(*first).name));
            }
            out.push(Finding::new(diag, vec![Scope::Zone(safety)]));
        }
    }
}
