//! The front half of every command: load, parse, resolve, lint. Commands call these and decide
//! what to print; nothing here writes to the terminal or the disk.

use crate::diagnostic::filter::Filter;
use crate::diagnostic::{sort, Diagnostic};
use crate::error::Result;
pub use crate::lint::{CheckOptions, Checked};
use crate::model::resolve::resolve;
use crate::model::Model;
use crate::syntax::loader::{self, Loaded};
use std::path::Path;

/// Loads and checks a policy file (and its includes). I/O failure on the root is an error.
pub fn check_path(path: &Path, opts: &CheckOptions) -> Result<Checked> {
    let loaded = loader::load(path)?;
    Ok(check_loaded(loaded, opts))
}

/// Checks a policy held in memory, named `name` (includes resolve against `path`'s directory).
pub fn check_text(name: &str, path: &Path, text: String, opts: &CheckOptions) -> Checked {
    check_loaded(loader::load_from_text(name, path, text), opts)
}

/// Resolves a loaded policy without linting it: its findings are those of loading and
/// resolving, unfiltered (`verify` and `query` need the Model, not the lint findings).
pub fn resolve_loaded(loaded: Loaded) -> Checked {
    let mut diagnostics = loaded.diagnostics.clone();
    let mut model = None;
    if !loaded.files.is_empty() && !diagnostics.iter().any(|d| d.is_error()) {
        let r = resolve(&loaded);
        diagnostics.extend(r.diagnostics);
        model = r.model;
    }
    name_sites(&mut diagnostics, &loaded.sources);
    Checked {
        sources: loaded.sources,
        model,
        diagnostics,
    }
}

/// A finding about a template's text names the site that expanded it (and the sites around a
/// nested one), as related locations at each `site` statement.
fn name_sites(diagnostics: &mut [Diagnostic], sources: &crate::source::SourceMap) {
    if sources.instances.is_empty() {
        return;
    }
    for d in diagnostics {
        for r in &mut d.related {
            if let Some(inst) = sources.instantiations(r.span).first() {
                let tag = format!(" (site `{}`)", inst.name);
                if !r.label.ends_with(&tag) {
                    r.label.push_str(&tag);
                }
            }
        }
        let Some(span) = d.span else { continue };
        for inst in sources.instantiations(span) {
            let label = format!("in site `{}`, instantiated here", inst.name);
            if !d
                .related
                .iter()
                .any(|r| r.span == inst.at && r.label == label)
            {
                d.related.push(crate::diagnostic::Related {
                    span: inst.at,
                    label,
                });
            }
        }
    }
}

pub fn check_loaded(loaded: Loaded, opts: &CheckOptions) -> Checked {
    // Planning (OUT-005) and the targets (OUT-006, OUT-007, expectations against the generated
    // configurations) report findings of their own: every command sees them, so `check` plans
    // and lowers every target too and keeps only the findings (without printing the
    // configurations, see `build::findings`).
    let build = crate::build::BuildOptions {
        check: opts.clone(),
        ..Default::default()
    };
    check_loaded_beside(loaded, opts, |m: &Model| {
        match crate::build::findings(m, &build) {
            Ok(d) => ((), d),
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
    loaded: Loaded,
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
    // The syntax trees are not needed after resolving.
    drop(loaded.files);
    let mut model = None;
    let mut result = None;
    if let Some(r) = resolved {
        let Some(m) = r.model else {
            diagnostics.extend(r.diagnostics);
            name_sites(&mut diagnostics, &loaded.sources);
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
        let mut m = m;
        m.assessment.matrix =
            crate::lint::risk::policy_matrix(&m, &opts.lint).map(std::borrow::Cow::into_owned);
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
            let (found, (res, raised)) = crate::threads::join(|| check(&m), || beside(&m));
            result = Some(res);
            diagnostics.extend(filter.pass_all(found));
            diagnostics.extend(filter.pass_all(raised));
            diagnostics.extend(filter.finish());
            model = Some(m);
        }
    }
    name_sites(&mut diagnostics, &loaded.sources);
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
