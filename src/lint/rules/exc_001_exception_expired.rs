//! ## What it does
//! Flags an `exception` whose `until` date has passed. An exception is valid through its
//! `until` day; from the next day on it no longer suppresses anything, so the finding it
//! covered is reported again next to this one. "Today" is the system date (UTC), or the date
//! given with `fenceline check --today YYYY-MM-DD` for reproducible runs.
//!
//! This rule reports on exceptions themselves and cannot be silenced by one.
//!
//! ## Why is this bad
//! An exception records an accepted risk and the compensating measures that justify it, for
//! a period the asset owner approved. Past that date nobody has accepted the risk any more:
//! the compensation may be gone, the migration it waited for may have been forgotten.
//!
//! ## Example
//! ```fence
//! # today: 2026-06-01
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.hmi -> field.plcs modbus {
//!     exception FR3-001 "Legacy PLCs; read-only HMI, CR-2291" until 2024-06-30
//!   }
//! }
//! ```
//!
//! ## Use instead
//! Fix the finding, or review the risk and renew the exception with a new date and reference:
//! ```fence
//! # today: 2026-06-01
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.hmi -> field.plcs modbus {
//!     exception FR3-001 "Legacy PLCs; read-only HMI, CR-2291, renewed in CR-2710" until 2027-06-30
//!   }
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 5.13 (document the risk assessment), ZCR 7.1 (asset owner approval)
//! - IEC 62443-2-1 (security program: periodic review of accepted risks)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Rule, Status};
use crate::model::{ExceptionId, Model};
use crate::Diagnostic;

pub const RULE: Rule = Rule {
    id: "EXC-001",
    name: "exception-expired",
    severity: Severity::Error,
    reference: "ZCR 5.13, ZCR 7.1",
    status: Status::Stable,
    file: file!(),
    source: include_str!("exc_001_exception_expired.rs"),
    check: None,
};

/// `would_use[i]`: exception `i` matches a finding it no longer suppresses.
pub fn findings(model: &Model, today: &str, would_use: &[bool]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, e) in model.exceptions.iter().enumerate() {
        let Some(until) = e.until.as_deref() else {
            continue;
        };
        if !crate::lint::expired(Some(until), today) {
            continue;
        }
        let matched = if would_use.get(i).copied().unwrap_or(false) {
            format!("; the `{}` finding it covered is reported again", e.rule)
        } else {
            String::new()
        };
        out.push(
            RULE.diag(format!("exception for `{}` expired on {until}", e.rule))
                .at(model.spans.exception(ExceptionId(i)), format!("valid until {until}, today is {today}"))
                .about(Subject::Exception(ExceptionId(i)))
                .help(format!("fix the finding, or review the risk and renew the exception with a new `until` date{matched}")),
        );
    }
    out
}
