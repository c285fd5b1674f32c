//! ## What it does
//! Flags a zone marked `safety` whose SL-T is below the SL-T of a zone it shares a conduit
//! with, in a foundational requirement that guards the safety function: identification and
//! authentication (IAC), use control (UC), system integrity (SI), restricted data flow (RDF)
//! or resource availability (RA). One finding per safety zone and neighbour, at the safety
//! zone; an exception on the safety zone accepts it.
//!
//! Data confidentiality (DC) and timely response to events (TRE) are not compared: a safety
//! zone holds little that is secret, and its neighbour's monitoring does not weaken it.
//!
//! This rule is a review prompt, not a requirement of the standard: IEC 62443 sets each zone's
//! SL-T from that zone's own risk assessment (ZCR 5) and does not ask a safety zone's SL-T to
//! reach its neighbours'. It is a warning, in preview: a safety zone below the control zone
//! beside it usually means the assessment left the safety consequence out, but a documented
//! assessment that says otherwise is accepted with an exception on the safety zone.
//!
//! ## Why is this bad
//! A safety zone is the last layer of protection (ZCR 3.3). When it is protected less than the
//! basic process control zone it is connected to, in access control, integrity, boundary
//! protection or availability, it is the weaker way into the plant's most consequential
//! functions, and its SL-T deserves a second look.
//!
//! ## Example
//! ```fence
//! zone control { level 2  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.6 }
//! zone sis {
//!   level 1
//!   safety
//!   sl-target 2
//!   network 10.15.0.0/24
//!   asset logic-solver 10.15.0.10
//! }
//! conduit control-sis {
//!   connects control, sis
//!   allow sis.logic-solver -> control.historian opcua
//! }
//! ```
//!
//! ## Use instead
//! Assess the safety zone with its consequences; its SL-T then reaches its neighbour's in the
//! requirements that guard the safety function (its DC may stay lower):
//! ```fence
//! zone control { level 2  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.6 }
//! zone sis {
//!   level 1
//!   safety
//!   sl-target { iac 3  uc 3  si 3  dc 2  rdf 3  tre 2  ra 3 }
//!   network 10.15.0.0/24
//!   asset logic-solver 10.15.0.10
//! }
//! conduit control-sis {
//!   connects control, sis
//!   allow sis.logic-solver -> control.historian opcua
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 3.3 (separate safety-related assets), ZCR 5.6 (SL-T per zone)
//! - IEC 62443-3-3 SR 5.1 RE3 (logical and physical isolation of critical networks)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{ConduitId, Fr, Scope, ZoneId};
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    id: "FR5-019",
    name: "safety-zone-sl-below-neighbour",
    severity: Severity::Warning,
    reference: "ZCR 3.3, ZCR 5.6; SR 5.1 RE3",
    status: Status::Preview,
    file: file!(),
    source: include_str!("fr5_019_safety_zone_sl_below_neighbour.rs"),
    check: Some(check),
};

/// The foundational requirements that guard a safety function (see the rule's documentation).
const COMPARED: [Fr; 5] = [Fr::Iac, Fr::Uc, Fr::Si, Fr::Rdf, Fr::Ra];

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (si, sz) in cx.model.zones.iter().enumerate() {
        if !sz.safety {
            continue;
        }
        let s = ZoneId(si);
        // Each neighbour once, with the first conduit (by name) that joins them.
        let mut neighbours: BTreeMap<ZoneId, ConduitId> = BTreeMap::new();
        for c in &sz.conduits {
            for o in cx.model.conduit(*c).zones.iter().filter(|z| **z != s) {
                neighbours.entry(*o).or_insert(*c);
            }
        }
        for (o, c) in neighbours {
            let oz = cx.zone(o);
            let below: Vec<String> = COMPARED
                .iter()
                .filter(|fr| sz.sl.get(**fr) < oz.sl.get(**fr))
                .map(|fr| format!("{} {} < {}", fr.name(), sz.sl.get(*fr), oz.sl.get(*fr)))
                .collect();
            if below.is_empty() {
                continue;
            }
            let d = RULE
                .diag(format!(
                    "safety zone `{}` has a lower SL-T than zone `{}` it connects to ({})",
                    sz.name,
                    oz.name,
                    below.join(", ")
                ))
                .at(cx.model.spans.zone(s), format!("safety zone, SL-T {}", sz.sl))
                .about(Subject::Zone(s))
                .related(cx.model.spans.zone(o), format!("SL-T {}", oz.sl))
                .related(
                    cx.model.spans.conduit(c),
                    format!("conduit `{}`", cx.model.conduit(c).name),
                )
                .help(format!(
                    "review the risk assessment of `{}` with its safety consequences; where it stands, accept it with an exception on the zone",
                    sz.name
                ));
            out.push(Finding::new(d, vec![Scope::Zone(s)]));
        }
    }
}
