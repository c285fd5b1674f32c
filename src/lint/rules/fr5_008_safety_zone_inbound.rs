//! ## What it does
//! Protects zones marked `safety` (safety instrumented systems). It flags:
//! - any flow into a safety zone (the safety zone may only initiate, e.g. to report status);
//! - a safety zone whose SL-T is below the SL-T of a zone it shares a conduit with, for any
//!   foundational requirement.
//!
//! ## Why is this bad
//! Safety-related assets belong in their own zones (ZCR 3.3) and critical networks must be
//! isolated from non-critical ones (SR 5.1 RE3). A connection into a SIS zone is a write path
//! into the last layer of protection; and a SIS zone less protected than its neighbour is the
//! weakest way into the plant.
//!
//! ## Example
//! ```fence
//! zone sis { level 1  safety  sl-target 2 ... }
//! zone control { level 2  sl-target 3 ... }
//! conduit control-sis {
//!   connects control, sis
//!   allow control.ews -> sis.logic-solver s7comm
//! }
//! ```
//!
//! ## Use instead
//! Raise the safety zone's SL-T to at least its neighbours' and let it initiate only:
//! ```fence
//! zone sis { level 1  safety  sl-target 4 ... }
//! conduit control-sis {
//!   connects control, sis
//!   allow sis.logic-solver -> control.historian opcua
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 3.3 (separate safety-related assets)
//! - IEC 62443-3-3 SR 5.1 RE3 (logical and physical isolation of critical networks)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{ConduitId, Fr, Scope};

pub const RULE: Rule = Rule {
    id: "FR5-008",
    name: "safety-zone-inbound",
    severity: Severity::Error,
    reference: "SR 5.1 RE3; ZCR 3.3",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_008_safety_zone_inbound.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        let dst = cx.zone(f.dst.zone);
        if !dst.safety {
            continue;
        }
        let d = RULE
            .diag(format!("flow {} -> {} enters safety zone `{}`", cx.ep(f.src), cx.ep(f.dst), dst.name))
            .at(cx.model.spans.flow(fid), "inbound connection to a safety zone")
            .about(Subject::Flow(fid))
            .related(cx.model.spans.zone(f.dst.zone), "marked `safety`")
            .help("a safety zone accepts no connections; let it initiate (report status outward) or move the function out of the safety zone");
        out.push(Finding::new(d, cx.flow_scopes(fid)));
    }
    for (ci, c) in cx.model.conduits.iter().enumerate() {
        for s in c.zones.iter().copied().filter(|z| cx.zone(*z).safety) {
            let sz = cx.zone(s);
            for o in c.zones.iter().copied().filter(|z| *z != s) {
                let oz = cx.zone(o);
                let below: Vec<String> = Fr::ALL
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
                    .at(
                        cx.model.spans.conduit(ConduitId(ci)),
                        "conduit to a better-protected zone",
                    )
                    .about(Subject::Conduit(ConduitId(ci)))
                    .related(
                        cx.model.spans.zone(s),
                        format!("safety zone, SL-T {}", sz.sl),
                    )
                    .related(cx.model.spans.zone(o), format!("SL-T {}", oz.sl))
                    .help(format!(
                        "raise the SL-T of `{}` to at least that of `{}`",
                        sz.name, oz.name
                    ));
                out.push(Finding::new(
                    d,
                    vec![Scope::Zone(s), Scope::Conduit(ConduitId(ci))],
                ));
            }
        }
    }
}
