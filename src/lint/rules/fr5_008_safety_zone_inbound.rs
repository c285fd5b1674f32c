//! ## What it does
//! Flags a flow into a zone marked `safety` (a safety instrumented system): the safety zone
//! may initiate (report status, publish data), nothing outside it may open a connection into
//! it.
//!
//! A safety zone whose SL-T is below a neighbour's is another question, with its own rule
//! (FR5-019), so that accepting one never hides the other.
//!
//! Some connections into a safety zone are normal and are accepted with an exception on the
//! flow (or on a conduit that holds only such flows), saying what compensates:
//! - a protection relay (an IED in the safety zone) serving IEC 61850 MMS reports to the
//!   station HMI or gateway: `exception FR5-008 "MMS reports only; control blocks disabled in
//!   the relay (CR-...)"`;
//! - a safety PLC programmed from an engineering workstation: `exception FR5-008 "Key switch in
//!   RUN except during approved changes; EWS session recorded (MOC-...)"`.
//!
//! An exception on the safety zone itself does not accept these: a zone's exception accepts
//! the findings about the zone (FR5-019's), and FR5-008's findings are about flows.
//!
//! ## Why is this bad
//! Safety-related assets belong in their own zones (ZCR 3.3) and critical networks must be
//! isolated from non-critical ones (SR 5.1 RE3). A connection into a SIS zone is a write path
//! into the last layer of protection.
//!
//! ## Example
//! ```fence
//! zone control { level 2  sl-target 3  network 10.30.0.0/24  asset ews 10.30.0.5 }
//! zone sis {
//!   level 1
//!   safety
//!   sl-target 4
//!   network 10.15.0.0/24
//!   asset logic-solver 10.15.0.10
//! }
//! conduit control-sis {
//!   connects control, sis
//!   allow control.ews -> sis.logic-solver s7comm
//! }
//! ```
//!
//! ## Use instead
//! Let the safety zone initiate only:
//! ```fence
//! zone control { level 2  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.6 }
//! zone sis {
//!   level 1
//!   safety
//!   sl-target 4
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
//! - IEC 62443-3-2 ZCR 3.3 (separate safety-related assets)
//! - IEC 62443-3-3 SR 5.1 RE3 (logical and physical isolation of critical networks)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};

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
            .help("a safety zone accepts no connections; let it initiate (report status outward) or move the function out of the safety zone; an accepted case (a relay serving MMS, a key-switched programming session) takes an exception on the flow");
        out.push(Finding::new(d, cx.flow_scopes(fid)));
    }
}
