//! ## What it does
//! Flags a switch whose ports carry the VLANs of zones that should not share infrastructure:
//! - IT zones (level 4/5) and control zones (level 0-3) on one switch: an error when such a
//!   control zone has SL-T(RDF) 2 or higher (physical segmentation, SR 5.1 RE1), a warning
//!   below;
//! - control zones at different Purdue levels on one switch: a warning.
//!
//! ## Why is this bad
//! VLANs separate zones logically only: a misconfigured port, VLAN hopping or a compromise of
//! the switch joins the zones at layer 2, under every firewall. From SL 2 on, control networks
//! are to be separated physically from non-control networks (SR 5.1 RE1), and critical networks
//! from non-critical ones (SR 5.1 RE3).
//!
//! ## Example
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16  vlan 400 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/24  vlan 140 }
//! switch sw-core {
//!   target cisco-ios
//!   port GigabitEthernet1/0/1 access enterprise
//!   port GigabitEthernet1/0/2 access field
//! }
//! ```
//!
//! ## Use instead
//! One switch per side (or per level), joined only through a firewall:
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16  vlan 400 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/24  vlan 140 }
//! switch sw-office { target cisco-ios  port GigabitEthernet1/0/1 access enterprise }
//! switch sw-field  { target cisco-ios  port GigabitEthernet1/0/1 access field }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.1 RE1 (physical network segmentation), SR 5.1 RE3 (isolation of
//!   critical networks)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{DeviceId, DeviceKind, Fr, PortMode, Scope, ZoneId};
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    id: "FR5-012",
    name: "shared-switch",
    severity: Severity::Error,
    reference: "SR 5.1 RE1, SR 5.1 RE3",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_012_shared_switch.rs"),
    check: Some(check),
};

/// SL-T(RDF) of a control zone from which sharing a switch with IT is an error (SR 5.1 RE1).
const RE1_FROM_SL: u8 = 2;

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
                PortMode::Access { zone } => vec![*zone],
                PortMode::Trunk { zones } => zones.clone(),
            };
            for z in zs {
                zones.entry(z).or_insert(cx.model.spans.port(id, pi));
            }
        }
        let it: Vec<ZoneId> = zones
            .keys()
            .copied()
            .filter(|z| cx.zone(*z).level.is_it())
            .collect();
        let ot: Vec<ZoneId> = zones
            .keys()
            .copied()
            .filter(|z| cx.zone(*z).level.is_control())
            .collect();
        let scopes: Vec<Scope> = zones.keys().map(|z| Scope::Zone(*z)).collect();
        let names = |v: &[ZoneId]| {
            v.iter()
                .map(|z| format!("`{}`", cx.zone(*z).name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !it.is_empty() && !ot.is_empty() {
            let critical: Vec<ZoneId> = ot
                .iter()
                .copied()
                .filter(|z| cx.zone(*z).sl.get(Fr::Rdf) >= RE1_FROM_SL)
                .collect();
            let mut diag = RULE
                .diag(format!(
                    "switch `{}` carries IT zones {} and control zones {}",
                    d.name,
                    names(&it),
                    names(&ot)
                ))
                .at(
                    cx.model.spans.device(id),
                    "IT and control share this switch",
                )
                .about(Subject::Device(id));
            for (z, what) in [(it[0], "IT"), (ot[0], "control")] {
                if let Some(span) = zones.get(&z) {
                    diag =
                        diag.related(*span, format!("carries {what} zone `{}`", cx.zone(z).name));
                }
            }
            if critical.is_empty() {
                diag.severity = Severity::Warning;
                diag = diag.help("separate IT and control on their own switches; VLANs separate zones logically only");
            } else {
                diag = diag.help(format!(
                    "{} has SL-T(RDF) >= {RE1_FROM_SL}, which asks for physical separation from IT (SR 5.1 RE1): use separate switches",
                    names(&critical)
                ));
            }
            out.push(Finding::new(diag, scopes));
            continue;
        }
        let mut levels: Vec<_> = ot.iter().map(|z| cx.zone(*z).level).collect();
        levels.dedup();
        levels.sort();
        levels.dedup();
        if levels.len() > 1 {
            let mut diag = RULE
                .diag(format!("switch `{}` carries control zones at different Purdue levels: {}", d.name, names(&ot)))
                .at(cx.model.spans.device(id), "zones of several levels share this switch")
                .about(Subject::Device(id))
                .help("give each Purdue level its own switch, or document the shared switch with an exception");
            diag.severity = Severity::Warning;
            for z in &ot {
                if let Some(span) = zones.get(z) {
                    diag = diag.related(
                        *span,
                        format!(
                            "carries `{}` (level {})",
                            cx.zone(*z).name,
                            cx.zone(*z).level
                        ),
                    );
                }
            }
            out.push(Finding::new(diag, scopes));
        }
    }
}
