//! ## What it does
//! Flags a zone whose declared SL-T is below the SL its recorded risks require in some
//! foundational requirement: each `risk` scores a likelihood and a consequence, the policy's
//! risk matrix (`risk-matrix`, default `default-5x5`) turns the score into a required SL, and
//! that SL applies to every FR the risk names with `fr`. The finding names the risk and the
//! FRs it raises above the SL-T. A risk of a conduit is compared with the conduit's
//! `sl-target`; a conduit without one is compared with the SL-T the report assesses it at
//! (its zones' highest SL-T in RDF, 0 in every other FR), so that a risk on such a conduit
//! asks for an `sl-target` of its own.
//!
//! ## Why is this bad
//! IEC 62443-3-2 derives a zone's target security level from its risk assessment (ZCR 5): an
//! SL-T below what the assessed risk requires leaves that risk above the owner's tolerable
//! level, and every requirement the SL-T selects (and every control the report assesses) is
//! then chosen too low. Either the SL-T or the risk's score is wrong.
//!
//! ## Example
//! ```fence
//! zone scada {
//!   level 2
//!   sl-target 2
//!   network 10.2.0.0/24
//!   risk ransomware-from-it {
//!     likelihood 4
//!     consequence 5
//!     fr iac, rdf
//!   }
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone scada {
//!   level 2
//!   sl-target { iac 4  uc 2  si 2  dc 2  rdf 4  tre 2  ra 2 }
//!   network 10.2.0.0/24
//!   risk ransomware-from-it {
//!     likelihood 4
//!     consequence 5
//!     fr iac, rdf
//!   }
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 5 (detailed risk assessment), ZCR 5.5 (determine SL-T)

use crate::diagnostic::{Severity, Subject};
use crate::lint::risk;
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{ConduitId, Scope, ZoneId};

pub const RULE: Rule = Rule {
    id: "RSK-001",
    name: "sl-target-below-risk",
    severity: Severity::Error,
    reference: "ZCR 5.5",
    status: Status::Stable,
    file: file!(),
    source: include_str!("rsk_001_sl_target_below_risk.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // An unknown matrix is E0050; nothing is derived from it.
    let Some(m) = risk::policy_matrix(cx.model, cx.config) else {
        return;
    };
    for (zi, z) in cx.model.zones.iter().enumerate() {
        let Some(za) = cx.model.assessment.zones.get(zi) else {
            continue;
        };
        for (ri, r) in za.risks.iter().enumerate() {
            let Some(req) = m.required(r.likelihood, r.consequence) else {
                continue;
            };
            let below: Vec<String> = r
                .frs
                .iter()
                .filter(|fr| z.sl.get(**fr) < req)
                .map(|fr| format!("{} {}", fr.name(), z.sl.get(*fr)))
                .collect();
            if below.is_empty() {
                continue;
            }
            let spans = cx.model.spans.assessment.risk(zi, ri);
            out.push(Finding::new(
                RULE.diag(format!(
                    "risk `{}` requires SL {req} in zone `{}`, whose SL-T is lower ({})",
                    r.name,
                    z.name,
                    below.join(", ")
                ))
                .at(spans.name, format!("likelihood {} x consequence {} requires SL {req} on `{}`", r.likelihood, r.consequence, m.name))
                .related(cx.model.spans.zone(ZoneId(zi)), "the zone's SL-T")
                .about(Subject::Zone(ZoneId(zi)))
                .help(format!("raise the zone's `sl-target` to {req} in {} (an SL vector raises single FRs), or review the risk's scores; an exception records an accepted risk", r.frs.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))),
                vec![Scope::Zone(ZoneId(zi))],
            ));
        }
    }
    conduits(cx, &m, out);
}

fn conduits(cx: &Ctx, m: &risk::RiskMatrix, out: &mut Vec<Finding>) {
    for (ci, ca) in cx.model.assessment.conduits.iter().enumerate() {
        let c = ConduitId(ci);
        let (sl, declared) = risk::conduit_sl_t(cx.model, c);
        let conduit = cx.model.conduit(c);
        for (ri, r) in ca.risks.iter().enumerate() {
            let Some(req) = m.required(r.likelihood, r.consequence) else {
                continue;
            };
            let below: Vec<String> = r
                .frs
                .iter()
                .filter(|fr| sl.get(**fr) < req)
                .map(|fr| format!("{} {}", fr.name(), sl.get(*fr)))
                .collect();
            if below.is_empty() {
                continue;
            }
            let spans = cx.model.spans.assessment.conduit_risk(ci, ri);
            let frs = r
                .frs
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ");
            let (label, help) = if declared {
                (
                    "the conduit's SL-T",
                    format!("raise the conduit's `sl-target` to {req} in {frs} (an SL vector raises single FRs), or review the risk's scores; an exception records an accepted risk"),
                )
            } else {
                (
                    "the conduit declares no SL-T: assessed at its zones' SL-T in RDF, 0 elsewhere",
                    format!("declare the conduit's `sl-target`, at least {req} in {frs}, or review the risk's scores; an exception records an accepted risk"),
                )
            };
            out.push(Finding::new(
                RULE.diag(format!(
                    "risk `{}` requires SL {req} in conduit `{}`, whose SL-T is lower ({})",
                    r.name,
                    conduit.name,
                    below.join(", ")
                ))
                .at(
                    spans.name,
                    format!(
                        "likelihood {} x consequence {} requires SL {req} on `{}`",
                        r.likelihood, r.consequence, m.name
                    ),
                )
                .related(cx.model.spans.conduit(c), label)
                .about(Subject::Conduit(c))
                .help(help),
                vec![Scope::Conduit(c)],
            ));
        }
    }
}
