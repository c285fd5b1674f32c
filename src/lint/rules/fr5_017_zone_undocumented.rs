//! ## What it does
//! Flags a zone with SL-T 2 or higher (in any FR) that lacks a characteristic IEC 62443-3-2
//! asks the documentation of every zone to give: a `description` (logical boundary and purpose),
//! an `owner` (the accountable organisation; the policy's `owner` counts for every zone) or at
//! least one `asset` (the zone's inventory).
//!
//! ## Why is this bad
//! The zone and conduit documentation (ZCR 6.4) is what an auditor, an operator and the next
//! engineer read to know what a zone contains, who answers for it and why its SL-T is what it
//! is. From SL 2 on a component inventory per zone is required as well (SR 7.8). A zone that is
//! only a subnet cannot be assessed.
//!
//! ## Example
//! ```fence
//! zone field {
//!   level 1
//!   sl-target 3
//!   network 10.40.0.0/22
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone field {
//!   description "Pipeline RTUs and PLCs, compressor stations 1-4"
//!   owner "Pipeline operations"
//!   level 1
//!   sl-target 3
//!   network 10.40.0.0/22
//!   asset plcs 10.40.2.0/24
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 6.4 (zone and conduit characteristics)
//! - IEC 62443-3-3 SR 7.8 (control system component inventory)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{Scope, ZoneId};

pub const RULE: Rule = Rule {
    id: "FR5-017",
    name: "zone-undocumented",
    severity: Severity::Warning,
    reference: "ZCR 6.4; SR 7.8",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_017_zone_undocumented.rs"),
    check: Some(check),
};

const FROM_SL: u8 = 2;

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (zi, z) in cx.model.zones.iter().enumerate() {
        if crate::model::Sl::max(&z.sl) < FROM_SL {
            continue;
        }
        let mut missing = Vec::new();
        if z.description.is_none() {
            missing.push("`description`");
        }
        if z.owner.is_none() && cx.model.policy.owner.is_none() {
            missing.push("`owner`");
        }
        if z.assets.is_empty() {
            missing.push("`asset`");
        }
        if missing.is_empty() {
            continue;
        }
        let d = RULE
            .diag(format!("zone `{}` with SL-T {} lacks {}", z.name, z.sl, missing.join(", ")))
            .at(cx.model.spans.zone(ZoneId(zi)), "undocumented zone")
            .about(Subject::Zone(ZoneId(zi)))
            .help("describe the zone, name its owner and list its assets; the conformance report exports them as the ZCR 6.4 characteristics");
        out.push(Finding::new(d, vec![Scope::Zone(ZoneId(zi))]));
    }
}
