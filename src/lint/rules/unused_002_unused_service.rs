//! ## What it does
//! Flags a service declared in the policy that no flow and no `expect` uses. Built-in
//! services are not reported.
//!
//! ## Why is this bad
//! An unused declaration is noise for the reviewer and a trap for the next change: a flow may
//! later pick up the stale definition (its ports, its flags) without anyone checking it again.
//!
//! ## Example
//! ```fence
//! zone site-ops { level 3  sl-target 2  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset mirror 10.20.0.10 { kind mirror } }
//! service historian-sync tcp/5450      # no flow uses it
//! conduit site-dmz {
//!   connects site-ops, dmz
//!   allow site-ops.historian -> dmz.mirror https
//! }
//! ```
//!
//! ## Use instead
//! Remove the declaration, or use it in the flow that needs it:
//! ```fence
//! zone site-ops { level 3  sl-target 2  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset mirror 10.20.0.10 { kind mirror } }
//! service historian-sync tcp/5450
//! conduit site-dmz {
//!   connects site-ops, dmz
//!   allow site-ops.historian -> dmz.mirror historian-sync
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 7.7 (least functionality)

use crate::diagnostic::Severity;
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::ServiceId;

pub const RULE: Rule = Rule {
    id: "UNUSED-002",
    name: "unused-service",
    severity: Severity::Warning,
    reference: "SR 7.7",
    status: Status::Stable,
    file: file!(),
    source: include_str!("unused_002_unused_service.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (si, s) in cx.model.services.iter().enumerate() {
        let Some(span) = cx.model.spans.service(ServiceId(si)) else {
            continue;
        };
        if s.builtin || cx.model.used_services.binary_search(&ServiceId(si)).is_ok() {
            continue;
        }
        let d = RULE
            .diag(format!("service `{}` is declared but never used", s.name))
            .at(span, "unused service")
            .help("remove the declaration, or use it in the flow that needs it");
        out.push(Finding::new(d, Vec::new()));
    }
}
