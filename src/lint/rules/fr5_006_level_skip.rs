//! ## What it does
//! Flags a conduit whose zones are more than one Purdue level apart, counting the industrial
//! DMZ (3.5) as a level: 0, 1, 2, 3, 3.5, 4, 5. A level-3 zone and a level-1 zone skip level 2.
//!
//! Pairs of an IT zone (4/5) and a control zone (0-3) are reported by FR5-002 instead.
//!
//! ## Why is this bad
//! The Purdue model layers the plant so that each level talks only to its neighbours; every
//! layer is a boundary an attacker has to cross. A conduit that skips a level bypasses the
//! supervisory or operations layer that should mediate, inspect and log the exchange, and it
//! usually means that assets sit in the wrong zone.
//!
//! ## Example
//! ```fence
//! zone operations { level 3 ... }
//! zone field      { level 1 ... }
//! conduit operations-field {
//!   connects operations, field
//! }
//! ```
//!
//! ## Use instead
//! Connect adjacent levels, through the supervisory zone, or move the assets that talk to the
//! field into a level-2 zone:
//! ```fence
//! conduit operations-supervisory { connects operations, supervisory }
//! conduit supervisory-field      { connects supervisory, field }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.1 (network segmentation)
//! - Purdue reference model: conduits connect adjacent levels only

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{ConduitId, Scope};

pub const RULE: Rule = Rule {
    id: "FR5-006",
    name: "level-skip",
    severity: Severity::Warning,
    reference: "SR 5.1; Purdue model",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_006_level_skip.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (ci, c) in cx.model.conduits.iter().enumerate() {
        for (i, a) in c.zones.iter().enumerate() {
            for b in &c.zones[i + 1..] {
                let (za, zb) = (cx.zone(*a), cx.zone(*b));
                let (la, lb) = (za.level, zb.level);
                if (la.is_it() && lb.is_control()) || (lb.is_it() && la.is_control()) {
                    continue; // FR5-002
                }
                let gap = la.rank().abs_diff(lb.rank());
                if gap <= 1 {
                    continue;
                }
                let ((hi_id, hi), (lo_id, lo)) = if la > lb {
                    ((*a, za), (*b, zb))
                } else {
                    ((*b, zb), (*a, za))
                };
                let skipped: Vec<String> = crate::model::Level::VALID
                    .iter()
                    .filter(|v| **v > lo.level.0 && **v < hi.level.0)
                    .map(|v| crate::model::Level(*v).to_string())
                    .collect();
                let d = RULE
                    .diag(format!(
                        "conduit `{}` connects {} and {}, skipping level {}",
                        c.name,
                        crate::lint::zone_level(hi),
                        crate::lint::zone_level(lo),
                        skipped.join(", ")
                    ))
                    .at(cx.model.spans.conduit(ConduitId(ci)), "conduit across non-adjacent levels")
                    .about(Subject::Conduit(ConduitId(ci)))
                    .related(cx.model.spans.zone(hi_id), format!("level {}", hi.level))
                    .related(cx.model.spans.zone(lo_id), format!("level {}", lo.level))
                    .help("connect adjacent Purdue levels only, through the zones in between, or move the assets to a zone at the right level");
                out.push(Finding::new(
                    d,
                    vec![
                        Scope::Conduit(ConduitId(ci)),
                        Scope::Zone(*a),
                        Scope::Zone(*b),
                    ],
                ));
            }
        }
    }
}
