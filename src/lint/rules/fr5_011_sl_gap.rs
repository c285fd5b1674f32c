//! ## What it does
//! Flags a conduit joining two zones whose SL-Ts differ by two or more levels for some
//! foundational requirement, e.g. an SL-T 1 office zone and an SL-T 3 control zone.
//!
//! ## Why is this bad
//! The boundary between the two zones has to protect the stronger zone against an adversary
//! the weaker zone was never designed to keep out. A gap of two levels usually needs an
//! intermediate zone, a broker or deep inspection at the boundary (SR 5.2); a direct conduit
//! makes the weaker zone's compromise a direct threat to the stronger one.
//!
//! ## Example
//! ```fence
//! zone office  { level 3  sl-target 1  network 10.10.0.0/16  asset reports 10.10.0.20 }
//! zone control { level 3  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! conduit office-control {
//!   connects office, control
//!   allow control.historian -> office.reports https
//! }
//! ```
//!
//! ## Use instead
//! Put an intermediate zone (a DMZ with a broker) between them:
//! ```fence
//! zone office  { level 4  sl-target 1  network 10.10.0.0/16  asset reports 10.10.0.20 }
//! zone dmz     { level 3.5  sl-target 2  network 10.20.0.0/24  asset broker 10.20.0.30 { kind broker } }
//! zone control { level 3  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! conduit office-dmz {                  # SL-T 1 -> 2
//!   connects office, dmz
//!   allow office.reports -> dmz.broker mqtts
//! }
//! conduit dmz-control {                 # SL-T 2 -> 3
//!   connects dmz, control
//!   allow control.historian -> dmz.broker mqtts
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 (zone boundary protection)
//! - IEC 62443-3-2 ZCR 5.6 (SL-T per zone and conduit)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{ConduitId, Fr, Scope};

pub const RULE: Rule = Rule {
    id: "FR5-011",
    name: "sl-gap",
    severity: Severity::Warning,
    reference: "SR 5.2; ZCR 5.6",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_011_sl_gap.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (ci, c) in cx.model.conduits.iter().enumerate() {
        for (i, a) in c.zones.iter().enumerate() {
            for b in &c.zones[i + 1..] {
                let (za, zb) = (cx.zone(*a), cx.zone(*b));
                let gaps: Vec<String> = Fr::ALL
                    .iter()
                    .filter(|fr| za.sl.get(**fr).abs_diff(zb.sl.get(**fr)) >= 2)
                    .map(|fr| format!("{} {} vs {}", fr.name(), za.sl.get(*fr), zb.sl.get(*fr)))
                    .collect();
                if gaps.is_empty() {
                    continue;
                }
                let d = RULE
                    .diag(format!(
                        "conduit `{}` joins zones `{}` and `{}` two or more SLs apart ({})",
                        c.name,
                        za.name,
                        zb.name,
                        gaps.join(", ")
                    ))
                    .at(cx.model.spans.conduit(ConduitId(ci)), "SL-T gap across this conduit")
                    .about(Subject::Conduit(ConduitId(ci)))
                    .related(cx.model.spans.zone(*a), format!("SL-T {}", za.sl))
                    .related(cx.model.spans.zone(*b), format!("SL-T {}", zb.sl))
                    .help("put an intermediate zone (a DMZ with a broker) between them, or review the SL-Ts in the risk assessment");
                out.push(Finding::new(d, vec![Scope::Conduit(ConduitId(ci))]));
            }
        }
    }
}
