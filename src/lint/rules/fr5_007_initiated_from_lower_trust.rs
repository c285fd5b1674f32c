//! ## What it does
//! Flags a flow initiated from a zone with a lower SL-T(RDF) into a zone with a higher
//! SL-T(RDF): the less trusted side opens new connections into the more trusted one.
//!
//! Two patterns are the sanctioned ones (IEC 62443-3-2 guidance, the Purdue model's industrial
//! DMZ) and are not flagged:
//! - a flow from an IT or external zone (level 4 or 5) that terminates in an industrial DMZ
//!   (level 3.5): enterprise clients reading a DMZ mirror, users reaching the DMZ jump host.
//!   The DMZ exists to terminate them; what leaves the DMZ again is judged on its own, and
//!   FR5-005 flags a DMZ that passes a protocol straight through;
//! - a remote-access flow from a DMZ jump host: a flow from an asset of `kind jump-host` in a
//!   level-3.5 zone whose every service is `remote-access` (RDP, SSH, ...). This is the path
//!   FR1-001 demands; a jump host that opens anything else (file shares, web, industrial
//!   protocols) into the control system is flagged.
//!
//! ## Why is this bad
//! A zone boundary has to control communication in both directions (SR 5.2), and the direction
//! of connection setup matters most: a connection initiated from the lower-trust side lets a
//! compromise there reach into the higher-trust zone. Higher-trust zones should push data out
//! (to a DMZ mirror or broker) rather than accept connections in.
//!
//! ## Example
//! ```fence
//! zone office  { level 3  sl-target 1  network 10.10.0.0/16 }
//! zone control { level 3  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! conduit office-control {
//!   connects office, control
//!   allow office -> control.historian https
//! }
//! ```
//!
//! ## Use instead
//! Let the higher-trust zone initiate:
//! ```fence
//! zone office  { level 3  sl-target 1  network 10.10.0.0/16  asset reports 10.10.0.20 }
//! zone control { level 3  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! conduit office-control {
//!   connects office, control
//!   allow control.historian -> office.reports https
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 (zone boundary protection)
//! - Purdue reference model: prefer connections initiated from the control side; IT-to-OT
//!   exchanges terminate in the industrial DMZ

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{AssetKind, FlowId, Fr};

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
        if a >= b || sanctioned(cx, fid) {
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

/// The two sanctioned patterns: IT (level 4-5) into a DMZ, where the flow terminates, and
/// remote access from a DMZ jump host (every service `remote-access`).
fn sanctioned(cx: &Ctx, fid: FlowId) -> bool {
    let f = cx.model.flow(fid);
    let (src, dst) = (cx.zone(f.src.zone), cx.zone(f.dst.zone));
    if src.level.is_it() && dst.level.is_dmz() {
        return true;
    }
    src.level.is_dmz()
        && cx.asset_kind(f.src) == Some(&AssetKind::JumpHost)
        && f.services
            .iter()
            .all(|s| cx.model.service(*s).flags.remote_access)
}
