//! ## What it does
//! Flags an `exception` whose `until` date falls within the next 30 days: from today up to and
//! including the day 30 days ahead. The window is `expiry-window-days` in `fenceline.toml`
//! (default 30; 0 turns the warning off). An exception past its date is EXC-001's. "Today" is
//! the system date (UTC), or the date given with `--today YYYY-MM-DD` for reproducible runs.
//!
//! This rule reports on exceptions themselves and cannot be silenced by one. It cannot be shown
//! by a policy alone: whether it fires depends on the day it runs.
//!
//! ## Why is this bad
//! An expired exception stops suppressing its finding, and a pipeline that passed yesterday
//! fails today. Warned ahead of time, the asset owner can review the accepted risk and renew or
//! retire the exception before it lapses (IEC 62443-2-1: periodic review of accepted risks).
//!
//! ## Example
//! Checked on 2026-06-01:
//! ```fence
//! zone control { level 2  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/24  asset plcs 10.40.0.0/25 }
//! conduit control-field {
//!   connects control, field
//!   allow control.hmi -> field.plcs modbus {
//!     exception FR3-001 "Legacy PLCs; read-only HMI, CR-2291" until 2026-06-15
//!   }
//! }
//! ```
//!
//! ## Use instead
//! Review the risk before the date: fix the finding, or renew the exception with a new date and
//! reference:
//! ```fence
//! zone control { level 2  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/24  asset plcs 10.40.0.0/25 }
//! conduit control-field {
//!   connects control, field
//!   allow control.hmi -> field.plcs modbus {
//!     exception FR3-001 "Legacy PLCs; read-only HMI, CR-2291, renewed in CR-2710" until 2027-06-30
//!   }
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 5.13 (document the risk assessment), ZCR 7.1 (asset owner approval)
//! - IEC 62443-2-1 (security program: periodic review of accepted risks)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{days_from_civil, Ctx, Finding, Rule, Status};
use crate::model::ExceptionId;

pub const RULE: Rule = Rule {
    id: "EXC-003",
    name: "exception-expiring-soon",
    severity: Severity::Warning,
    reference: "ZCR 5.13, ZCR 7.1",
    status: Status::Stable,
    file: file!(),
    source: include_str!("exc_003_exception_expiring_soon.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let window = i64::from(cx.config.expiry_window());
    let Some(today) = days_from_civil(&cx.today).filter(|_| window > 0) else {
        return;
    };
    for (i, e) in cx.model.exceptions.iter().enumerate() {
        let Some(until) = e.until.as_deref() else {
            continue;
        };
        // The resolver refuses dates that do not exist (E0015): none is skipped in a policy
        // that checks.
        let Some(left) = days_from_civil(until).map(|d| d - today) else {
            continue;
        };
        if !(0..=window).contains(&left) {
            continue;
        }
        let when = match left {
            0 => "today".to_string(),
            1 => "tomorrow".to_string(),
            n => format!("in {n} days"),
        };
        let d = RULE
            .diag(format!("exception for `{}` expires on {until}, {when}", e.rule))
            .at(
                cx.model.spans.exception(ExceptionId(i)),
                format!("valid until {until}, today is {}", cx.today),
            )
            .about(Subject::Exception(ExceptionId(i)))
            .help(format!(
                "review the risk: fix the finding, or renew the exception with a new `until` date; the warning starts {window} days ahead (`expiry-window-days` in fenceline.toml)"
            ));
        out.push(Finding::new(d, Vec::new()));
    }
}
