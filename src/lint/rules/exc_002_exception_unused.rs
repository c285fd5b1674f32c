//! ## What it does
//! Flags an `exception` that suppresses nothing: no finding of its rule occurs where it is
//! written (the flow, the conduit, or the zone carrying it). It also catches exceptions that
//! name a rule that does not exist. Exceptions for a rule that `fenceline.toml` turns off are
//! not reported.
//!
//! It is computed after every other finding is known, whichever pass raised it: an exception
//! that silences a finding of the resolver (FR5-001) or of a target backend (OUT-005, OUT-006,
//! OUT-007) is used. When `build --target` emits only some targets, exceptions for rules that
//! targets report are not called unused.
//!
//! This rule reports on exceptions themselves and cannot be silenced by one.
//!
//! ## Why is this bad
//! An exception that matches nothing documents a risk that is not there: the finding was fixed,
//! the exception sits on the wrong flow, or its rule ID has a typo, in which case the finding
//! it was meant for is still reported, or worse, a later finding at the same place would be
//! silenced without review.
//!
//! ## Example
//! ```fence
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.scada -> field.plcs modbus-tls {
//!     exception FR3-001 "Legacy PLCs lack Modbus/TCP Security"     # modbus-tls is not cleartext
//!   }
//! }
//! ```
//!
//! ## Use instead
//! Remove the exception once the finding is gone:
//! ```fence
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.scada -> field.plcs modbus-tls
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 5.13 (document the risk assessment)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{LintConfig, Rule, Status};
use crate::model::{ExceptionId, Model};
use crate::Diagnostic;

pub const RULE: Rule = Rule {
    id: "EXC-002",
    name: "exception-unused",
    severity: Severity::Warning,
    reference: "ZCR 5.13",
    status: Status::Stable,
    file: file!(),
    source: include_str!("exc_002_exception_unused.rs"),
    check: None,
};

/// `used[i]`: exception `i` suppressed at least one finding.
pub fn findings(model: &Model, config: &LintConfig, today: &str, used: &[bool]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, e) in model.exceptions.iter().enumerate() {
        if used.get(i).copied().unwrap_or(false) || crate::lint::expired(e.until.as_deref(), today)
        {
            continue;
        }
        let rule = crate::lint::lookup(&e.rule).filter(|r| r.id.eq_ignore_ascii_case(&e.rule));
        let help = match rule {
            None => {
                let ids = crate::lint::rules::ALL.iter().map(|r| r.id);
                let mut h = format!("there is no rule `{}`", e.rule);
                if let Some(m) = crate::diagnostic::did_you_mean(&e.rule, ids) {
                    h = format!("{h}; {m}");
                }
                h
            }
            Some(r) if !config.enabled(r.id) => continue,
            Some(r) if r.id.starts_with("EXC-") => format!("`{}` reports on exceptions and cannot be silenced by one", r.id),
            Some(r) => format!(
                "no `{}` ({}) finding occurs here; remove the exception, or move it to the flow, conduit or zone the finding is about",
                r.id, r.name
            ),
        };
        out.push(
            RULE.diag(format!("exception for `{}` suppresses nothing", e.rule))
                .at(model.spans.exception(ExceptionId(i)), "unused exception")
                .about(Subject::Exception(ExceptionId(i)))
                .help(help),
        );
    }
    out
}
