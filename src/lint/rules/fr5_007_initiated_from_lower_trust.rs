//! ## What it does
//! Flags a flow initiated from a zone with a lower SL-T(RDF) into a zone with a higher
//! SL-T(RDF): the less trusted side opens new connections into the more trusted one.
//!
//! Flows into an industrial DMZ and remote sessions from a DMZ jump host are flagged too: they
//! are often the intended design, and an `exception` on the conduit or flow records why (the
//! DMZ service holds no control function, sessions are approved and recorded).
//!
//! ## Why is this bad
//! A zone boundary has to control communication in both directions (SR 5.2), and the direction
//! of connection setup matters most: a connection initiated from the lower-trust side lets a
//! compromise there reach into the higher-trust zone. Higher-trust zones should push data out
//! (to a DMZ mirror or broker) rather than accept connections in.
//!
//! ## Example
//! ```fence
//! zone office  { level 3  sl-target 1 ... }
//! zone control { level 3  sl-target 3 ... }
//! conduit office-control {
//!   connects office, control
//!   allow office -> control.historian https
//! }
//! ```
//!
//! ## Use instead
//! Let the higher-trust zone initiate:
//! ```fence
//! conduit office-control {
//!   connects office, control
//!   allow control.historian -> office.reports https
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 (zone boundary protection)
//! - Purdue reference model: prefer connections initiated from the control side

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::Fr;

pub const RULE: Rule = Rule {
    id: "FR5-007",
    name: "initiated-from-lower-trust",
    severity: Severity::Warning,
    reference: "SR 5.2",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_007_initiated_from_lower_trust.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        let (src, dst) = (cx.zone(f.src.zone), cx.zone(f.dst.zone));
        let (a, b) = (src.sl.get(Fr::Rdf), dst.sl.get(Fr::Rdf));
        if a >= b {
            continue;
        }
        let d = RULE
            .diag(format!(
                "flow {} -> {} is initiated from SL-T(RDF) {a} into SL-T(RDF) {b}",
                cx.ep(f.src),
                cx.ep(f.dst)
            ))
            .at(cx.model.spans.flow(fid), "connection opened from the lower-trust zone")
            .about(Subject::Flow(fid))
            .help(format!(
                "let zone `{}` initiate (push to a mirror or broker), or terminate the flow in a DMZ",
                dst.name
            ));
        out.push(Finding::new(d, cx.flow_scopes(fid)));
    }
}
