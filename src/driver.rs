//! The front half of every command: load, parse, resolve, lint. Commands call these and decide
//! what to print; nothing here writes to the terminal or the disk.

use crate::diagnostic::filter::Filter;
use crate::diagnostic::{sort, Diagnostic};
use crate::error::Result;
use crate::model::{resolve, Model};
use crate::source::SourceMap;
use crate::syntax::loader::{self, Loaded};
use std::path::Path;

/// Options that change what `check` finds.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// "Today" for expiring exceptions (YYYY-MM-DD); `None` = the system date.
    pub today: Option<String>,
    pub lint: crate::lint::LintConfig,
}

/// A checked policy: its sources, its Model if it has a meaning, and every finding, sorted.
#[derive(Debug)]
pub struct Checked {
    pub sources: SourceMap,
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Loads and checks a policy file (and its includes). I/O failure on the root is an error.
pub fn check_path(path: &Path, opts: &CheckOptions) -> Result<Checked> {
    let loaded = loader::load(path)?;
    Ok(check_loaded(loaded, opts))
}

/// Checks a policy held in memory, named `name` (includes resolve against `path`'s directory).
pub fn check_text(name: &str, path: &Path, text: String, opts: &CheckOptions) -> Checked {
    check_loaded(loader::load_from_text(name, path, text), opts)
}

pub fn check_loaded(loaded: Loaded, opts: &CheckOptions) -> Checked {
    // Planning (OUT-005) and the targets (OUT-006, OUT-007, expectations against the generated
    // configurations) report findings of their own: every command sees them, so `check` plans
    // and emits every target too and keeps only the findings.
    let build = crate::build::BuildOptions {
        check: opts.clone(),
        ..Default::default()
    };
    check_loaded_beside(loaded, opts, |m: &Model| {
        match crate::build::emit(m, &build) {
            Ok(mut e) => ((), std::mem::take(&mut e.diagnostics)),
            // An internal failure is `build`'s to report; `check` keeps the policy's findings.
            Err(_) => ((), Vec::new()),
        }
    })
    .0
}

/// [`check_loaded`], with `beside` run on the Model at the same time as lint and expectations
/// (on a second thread): `build` plans and emits there while the policy is being linted.
/// `beside` returns its result and the findings it raised (planning, targets, expectations
/// against the configurations); those pass the same filter as lint's and land in
/// [`Checked::diagnostics`]. `beside` runs only when the Model is complete (no error before
/// lint); its result comes back whatever lint finds: the caller decides whether to use it.
///
/// Every finding passes one [`Filter`] (severity configuration, exceptions); the findings
/// about exceptions (EXC-001, EXC-002) come last, once all others are known.
pub fn check_loaded_beside<R: Send>(
    loaded: Loaded,
    opts: &CheckOptions,
    beside: impl FnOnce(&Model) -> (R, Vec<Diagnostic>) + Send,
) -> (Checked, Option<R>) {
    check_loaded_with(loaded, opts, true, beside)
}

/// [`check_loaded_beside`] for a build of only some targets: exceptions for rules that targets
/// report are not called unused.
pub fn check_loaded_some_targets<R: Send>(
    loaded: Loaded,
    opts: &CheckOptions,
    beside: impl FnOnce(&Model) -> (R, Vec<Diagnostic>) + Send,
) -> (Checked, Option<R>) {
    check_loaded_with(loaded, opts, false, beside)
}

fn check_loaded_with<R: Send>(
    mut loaded: Loaded,
    opts: &CheckOptions,
    all_targets: bool,
    beside: impl FnOnce(&Model) -> (R, Vec<Diagnostic>) + Send,
) -> (Checked, Option<R>) {
    let mut diagnostics = loaded.diagnostics.clone();
    let resolved = if loaded.files.is_empty() {
        None
    } else {
        Some(resolve(&loaded))
    };
    // The syntax trees are not needed after resolving; freeing a large one takes a while, so it
    // happens on the side.
    drop_later(std::mem::take(&mut loaded.files));
    let mut model = None;
    let mut result = None;
    if let Some(r) = resolved {
        let Some(m) = r.model else {
            diagnostics.extend(r.diagnostics);
            sort(&mut diagnostics);
            return (
                Checked {
                    sources: loaded.sources,
                    model: None,
                    diagnostics,
                },
                None,
            );
        };
        let mut filter = Filter::new(&m, opts);
        if !all_targets {
            filter = filter.some_targets_only();
        }
        diagnostics.extend(filter.pass_all(r.diagnostics));
        // After a syntax error in one file the rest may resolve, but the Model is incomplete:
        // lint and expectations run only on a policy without errors.
        let complete = !diagnostics.iter().any(|d| d.is_error());
        if complete {
            let check = |m: &Model| {
                let mut d = crate::lint::run(m, opts);
                d.extend(crate::verify::expect::check(m));
                d
            };
            let (found, (res, raised)) = std::thread::scope(|s| {
                let lint = s.spawn(|| check(&m));
                let beside = beside(&m);
                // A lint rule only panics on a bug; carry the panic over unchanged.
                (
                    lint.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                    beside,
                )
            });
            result = Some(res);
            diagnostics.extend(filter.pass_all(found));
            diagnostics.extend(filter.pass_all(raised));
            diagnostics.extend(filter.finish());
            model = Some(m);
        }
    }
    sort(&mut diagnostics);
    (
        Checked {
            sources: loaded.sources,
            model,
            diagnostics,
        },
        result,
    )
}

/// Drops `value` on a thread of its own, so that freeing a large structure (a 100,000-flow syntax
/// tree, Model or report) does not hold up the caller; a process that exits first does not free
/// it at all. Without a thread, drops it here.
pub fn drop_later<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("drop".into())
        .spawn(move || drop(value));
}

/// Today's date as YYYY-MM-DD (UTC), from the system clock.
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_from_days((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), "1970-01-01");
        assert_eq!(super::civil_from_days(20_513), "2026-03-01");
        assert_eq!(super::civil_from_days(19_782), "2024-02-29");
    }
}
