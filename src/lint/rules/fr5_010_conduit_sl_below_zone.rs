//! ## What it does
//! Flags a conduit whose SL-T is below the SL-T of a zone it connects, for any foundational
//! requirement (IAC, UC, SI, DC, RDF, TRE, RA). A conduit without `sl-target` is not checked.
//!
//! ## Why is this bad
//! Each zone and each conduit gets its own SL-T from the risk assessment (ZCR 5.6), and the
//! conduit is part of the boundary of every zone it touches. A conduit protected to a lower
//! level than a zone it enters is the cheaper way into that zone: the zone's SL-T is not met
//! at its own boundary.
//!
//! ## Example
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   sl-target 2
//!   allow control-center.scada -> field.plcs modbus-tls
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   sl-target 3
//!   allow control-center.scada -> field.plcs modbus-tls
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 5.6 (SL-T per zone and conduit), ZCR 6.4 k (SL-T as a characteristic)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{ConduitId, Fr, Scope};

pub const RULE: Rule = Rule {
    id: "FR5-010",
    name: "conduit-sl-below-zone",
    severity: Severity::Warning,
    reference: "ZCR 5.6, ZCR 6.4",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_010_conduit_sl_below_zone.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (ci, c) in cx.model.conduits.iter().enumerate() {
        let Some(csl) = c.sl else { continue };
        for z in &c.zones {
            let zone = cx.zone(*z);
            let below: Vec<String> = Fr::ALL
                .iter()
                .filter(|fr| csl.get(**fr) < zone.sl.get(**fr))
                .map(|fr| format!("{} {} < {}", fr.name(), csl.get(*fr), zone.sl.get(*fr)))
                .collect();
            if below.is_empty() {
                continue;
            }
            let d = RULE
                .diag(format!(
                    "conduit `{}` has a lower SL-T than zone `{}` it connects ({})",
                    c.name,
                    zone.name,
                    below.join(", ")
                ))
                .at(
                    cx.model.spans.conduit(ConduitId(ci)),
                    format!("conduit SL-T {csl}"),
                )
                .about(Subject::Conduit(ConduitId(ci)))
                .related(cx.model.spans.zone(*z), format!("zone SL-T {}", zone.sl))
                .help(format!(
                    "raise the conduit's SL-T to at least the SL-T of `{}` for every FR",
                    zone.name
                ));
            out.push(Finding::new(d, vec![Scope::Conduit(ConduitId(ci))]));
        }
    }
}
