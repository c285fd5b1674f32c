//! ## What it does
//! Flags a conduit that carries no flow.
//!
//! ## Why is this bad
//! A conduit documents a communication path between zones, with its own SL-T and risk
//! assessment. Without flows it allows nothing, so either it is a leftover that makes the
//! documentation (and the diagram) claim a connection that does not exist, or its flows were
//! forgotten.
//!
//! ## Example
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset historian-mirror 10.20.0.10 { kind mirror } }
//! conduit enterprise-dmz {
//!   connects enterprise, dmz
//!   sl-target 2
//! }
//! ```
//!
//! ## Use instead
//! Add the flows the conduit exists for, or remove it:
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset historian-mirror 10.20.0.10 { kind mirror } }
//! conduit enterprise-dmz {
//!   connects enterprise, dmz
//!   sl-target 2
//!   allow enterprise -> dmz.historian-mirror https
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 6.4 h (data flows per access point)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{ConduitId, Scope};

pub const RULE: Rule = Rule {
    id: "UNUSED-003",
    name: "conduit-without-flows",
    severity: Severity::Warning,
    reference: "ZCR 6.4",
    status: Status::Stable,
    file: file!(),
    source: include_str!("unused_003_conduit_without_flows.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (ci, c) in cx.model.conduits.iter().enumerate() {
        if !c.flows.is_empty() {
            continue;
        }
        let d = RULE
            .diag(format!("conduit `{}` carries no flow", c.name))
            .at(
                cx.model.spans.conduit(ConduitId(ci)),
                "conduit without flows",
            )
            .about(Subject::Conduit(ConduitId(ci)))
            .help("add the flows the conduit exists for, or remove it");
        out.push(Finding::new(d, vec![Scope::Conduit(ConduitId(ci))]));
    }
}
