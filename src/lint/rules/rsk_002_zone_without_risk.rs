//! ## What it does
//! Flags a zone with SL-T 2 or higher (in any FR) that records no `risk`.
//!
//! ## Why is this bad
//! IEC 62443-3-2 makes the SL-T the outcome of a risk assessment (ZCR 2 initial, ZCR 5
//! detailed). From SL 2 on, a zone protects against intentional attack, and an auditor asks
//! which threats justify its SL-T; a bare number has no rationale, and nobody can tell
//! whether it is still right when the plant changes.
//!
//! ## Example
//! ```fence
//! zone scada {
//!   level 2
//!   sl-target 3
//!   network 10.2.0.0/24
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone scada {
//!   level 2
//!   sl-target 3
//!   network 10.2.0.0/24
//!   risk ransomware-from-it {
//!     description "Ransomware spreading from the enterprise network through remote access"
//!     likelihood 3
//!     consequence 5
//!     fr iac, uc, rdf
//!   }
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 2 (initial risk assessment), ZCR 5 (detailed risk assessment)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{Scope, ZoneId};

pub const RULE: Rule = Rule {
    id: "RSK-002",
    name: "zone-without-risk",
    severity: Severity::Warning,
    reference: "ZCR 2; ZCR 5",
    status: Status::Stable,
    file: file!(),
    source: include_str!("rsk_002_zone_without_risk.rs"),
    check: Some(check),
};

const FROM_SL: u8 = 2;

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (zi, z) in cx.model.zones.iter().enumerate() {
        if crate::model::Sl::max(&z.sl) < FROM_SL {
            continue;
        }
        let risks = cx
            .model
            .assessment
            .zones
            .get(zi)
            .map_or(0, |a| a.risks.len());
        if risks > 0 {
            continue;
        }
        out.push(Finding::new(
            RULE.diag(format!("zone `{}` with SL-T {} records no risk", z.name, z.sl))
                .at(cx.model.spans.zone(ZoneId(zi)), "no `risk` justifies this SL-T")
                .about(Subject::Zone(ZoneId(zi)))
                .help("record the threats the SL-T answers as `risk NAME { likelihood N  consequence N  fr ... }` in the zone; the report lists them as the zone's SL-T rationale"),
            vec![Scope::Zone(ZoneId(zi))],
        ));
    }
}
