//! `fenceline build`: check, plan, emit every target, stamp and hash every file, and write the set
//! atomically. Everything is rendered and validated in memory first; a failed build writes
//! nothing.
//!
//! The output directory is replaced as a whole: the new set is written to a staging directory
//! beside it and swapped in with one `renameat2(RENAME_EXCHANGE)`, so a reader (or a build killed
//! half-way) sees the old complete set or the new one, never a mix. Files that did not change are
//! hard-linked from the old set (their mtimes stay put), and files in DIR that fenceline did not
//! write are carried over.

use crate::diagnostic::Diagnostic;
use crate::driver::{CheckOptions, Checked};
use crate::error::{Error, Result};
use crate::model::{Model, Target};
use crate::plan::{model_to_ir_with_limit, Ir};
use crate::targets::{emit_all, sanitize, EmitContext, EmitOptions, Output, Stamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub check: CheckOptions,
    /// Only these targets (all when `None`).
    pub targets: Option<Vec<Target>>,
    pub emit: EmitOptions,
}

/// An in-memory build: every file, the manifest last.
#[derive(Debug)]
pub struct Built {
    pub ir: Ir,
    pub stamp: Stamp,
    pub outputs: Vec<Output>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub fenceline_version: String,
    pub policy: String,
    /// sha256 of the policy's meaning: the Model without source positions. Reformatting or
    /// reordering declarations does not change it.
    pub policy_sha256: String,
    pub files: Vec<ManifestEntry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: usize,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// sha256 of the Model with every source position removed: the canonical JSON of the Model
/// (keys sorted, `span` and `service_spans` dropped at every depth; see [`crate::canon`]).
pub fn policy_hash(model: &Model) -> Result<String> {
    let json = crate::canon::to_vec(model, &["span", "service_spans"])
        .map_err(|e| Error::Other(format!("cannot hash the policy: {e}")))?;
    Ok(sha256_hex(&json))
}

/// Plans and emits a checked policy. Returns `Ok(None)` when the policy has errors.
pub fn build_checked(checked: &Checked, opts: &BuildOptions) -> Result<Option<Built>> {
    let Some(model) = checked.model.as_ref().filter(|_| !checked.has_errors()) else {
        return Ok(None);
    };
    // Planning and hashing are independent; the hash runs beside planning.
    let ((ir, mut diagnostics), hash) = std::thread::scope(|s| {
        let hash = s.spawn(|| policy_hash(model));
        let planned =
            model_to_ir_with_limit(model, opts.emit.max_rules.unwrap_or(crate::plan::MAX_RULES));
        (
            planned,
            hash.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
        )
    });
    if diagnostics.iter().any(|d| d.is_error()) {
        return Ok(Some(Built {
            ir,
            stamp: Stamp {
                policy: String::new(),
                hash: String::new(),
                version: "",
            },
            outputs: Vec::new(),
            diagnostics,
        }));
    }
    let name = sanitize::clean(&model.policy.name, sanitize::HEADER_COMMENT).text;
    let stamp = Stamp {
        policy: name,
        hash: hash?,
        version: env!("CARGO_PKG_VERSION"),
    };
    let cx = EmitContext {
        model,
        ir: &ir,
        stamp: &stamp,
        options: &opts.emit,
    };
    let mut outputs = emit_all(&cx, opts.targets.as_deref(), &mut diagnostics)?;
    // Expectations must hold for every generated configuration, not only for the policy.
    diagnostics.extend(crate::verify::equiv::check_expectations(model, &outputs));
    outputs.extend(extra_outputs(checked, model, &ir, &stamp, &diagnostics)?);
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(dup) = outputs.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(Error::Other(format!(
            "two generated files share the path {}",
            dup[0].path
        )));
    }
    let manifest = Manifest {
        fenceline_version: stamp.version.to_string(),
        policy: model.policy.name.clone(),
        policy_sha256: stamp.hash.clone(),
        files: outputs
            .iter()
            .map(|o| ManifestEntry {
                path: o.path.clone(),
                sha256: sha256_hex(&o.bytes),
                bytes: o.bytes.len(),
            })
            .collect(),
    };
    let mut m = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Other(e.to_string()))?;
    m.push('\n');
    outputs.push(Output {
        path: MANIFEST.into(),
        bytes: m.into_bytes(),
    });
    Ok(Some(Built {
        ir,
        stamp,
        outputs,
        diagnostics,
    }))
}

/// Files beside the device configurations (reports). Each generator adds itself here.
/// `build_diags` are planning and emitting findings (the report lists widenings from them).
fn extra_outputs(
    checked: &Checked,
    model: &Model,
    ir: &Ir,
    stamp: &Stamp,
    build_diags: &[Diagnostic],
) -> Result<Vec<Output>> {
    // No source locations: build output must not change when declarations move.
    let opts = crate::report::ReportOptions {
        locations: false,
        ..crate::report::ReportOptions::new(None)?
    };
    let rep = crate::report::build_report(
        model,
        ir,
        &stamp.hash,
        &checked.diagnostics,
        build_diags,
        &opts,
    );
    let (md, html) = crate::report::render::to_markdown_and_html(&rep)?;
    let json = crate::report::render::to_json(&rep)?;
    drop(rep);
    Ok(vec![
        Output {
            path: "report.md".into(),
            bytes: md.into_bytes(),
        },
        Output {
            path: "report.html".into(),
            bytes: html.into_bytes(),
        },
        Output {
            path: "report.json".into(),
            bytes: json.into_bytes(),
        },
    ])
}

/// Differences between a build and a directory.
#[derive(Debug, Default)]
pub struct Drift {
    /// (path, unified diff) of files that differ.
    pub changed: Vec<(String, String)>,
    pub missing: Vec<String>,
    /// Files of the old manifest that the build no longer produces.
    pub stale: Vec<String>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.stale.is_empty()
    }
}

fn old_manifest(dir: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Compares a build with what DIR holds (`build --check`).
pub fn compare(built: &Built, dir: &Path) -> Drift {
    let mut drift = Drift::default();
    for o in &built.outputs {
        match std::fs::read(dir.join(&o.path)) {
            Ok(old) if old == o.bytes => {}
            Ok(old) => {
                let old_text = String::from_utf8_lossy(&old);
                let new_text = String::from_utf8_lossy(&o.bytes);
                let diff = similar::TextDiff::from_lines(old_text.as_ref(), new_text.as_ref())
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{}", o.path), &format!("b/{}", o.path))
                    .to_string();
                drift.changed.push((o.path.clone(), diff));
            }
            Err(_) => drift.missing.push(o.path.clone()),
        }
    }
    if let Some(m) = old_manifest(dir) {
        for f in m.files {
            if !built.outputs.iter().any(|o| o.path == f.path) {
                drift.stale.push(f.path);
            }
        }
    }
    drift
}

/// Name of the staging directory beside DIR for this process.
fn staging_path(dir: &Path, tag: &str) -> Result<PathBuf> {
    let name = dir
        .file_name()
        .ok_or_else(|| Error::Usage(format!("{}: not a directory name", dir.display())))?
        .to_string_lossy()
        .to_string();
    Ok(dir.with_file_name(format!(".{name}.fenceline-{tag}-{}", std::process::id())))
}

/// Removes staging directories that a killed build left beside DIR.
fn remove_leftovers(dir: &Path) {
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}.fenceline-", name.to_string_lossy());
    if let Ok(rd) = std::fs::read_dir(parent) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Test hook for fault injection: fail the Nth file write (`FENCELINE_FAIL_WRITE=N`).
fn injected_failure(n: usize) -> Result<()> {
    if let Ok(v) = std::env::var("FENCELINE_FAIL_WRITE") {
        if v.parse::<usize>().ok() == Some(n) {
            return Err(Error::Other(format!("injected failure at write {n}")));
        }
    }
    if let Ok(v) = std::env::var("FENCELINE_SLOW_WRITE_MS") {
        if let Ok(ms) = v.parse::<u64>() {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
    Ok(())
}

/// Writes a build into DIR atomically (see the module doc). Returns the number of files whose
/// content changed.
pub fn write(built: &Built, dir: &Path) -> Result<usize> {
    remove_leftovers(dir);
    let staging = staging_path(dir, "new")?;
    let result = write_staging(built, dir, &staging);
    match result {
        Ok(changed) => {
            if let Err(e) = swap_in(&staging, dir) {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
            Ok(changed)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

fn write_staging(built: &Built, dir: &Path, staging: &Path) -> Result<usize> {
    use std::io::Write;
    std::fs::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
    let old = old_manifest(dir);
    let ours: BTreeMap<&str, ()> = built
        .outputs
        .iter()
        .map(|o| (o.path.as_str(), ()))
        .collect();
    let old_ours: Vec<String> = old
        .map(|m| m.files.into_iter().map(|f| f.path).collect())
        .unwrap_or_default();
    let mut changed = 0;
    for (n, o) in built.outputs.iter().enumerate() {
        injected_failure(n + 1)?;
        let target = staging.join(&o.path);
        if let Some(p) = target.parent() {
            std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        let existing = dir.join(&o.path);
        if std::fs::read(&existing).ok().as_deref() == Some(o.bytes.as_slice())
            && std::fs::hard_link(&existing, &target).is_ok()
        {
            continue;
        }
        changed += 1;
        let mut f = std::fs::File::create(&target).map_err(|e| Error::io(&target, e))?;
        f.write_all(&o.bytes).map_err(|e| Error::io(&target, e))?;
        f.sync_all().map_err(|e| Error::io(&target, e))?;
    }
    // Carry over what the user keeps in DIR (files fenceline never wrote).
    if dir.is_dir() {
        carry_over(dir, dir, staging, &ours, &old_ours)?;
    }
    if let Ok(d) = std::fs::File::open(staging) {
        let _ = d.sync_all();
    }
    Ok(changed)
}

fn carry_over(
    root: &Path,
    cur: &Path,
    staging: &Path,
    ours: &BTreeMap<&str, ()>,
    old_ours: &[String],
) -> Result<()> {
    let rd = std::fs::read_dir(cur).map_err(|e| Error::io(cur, e))?;
    for e in rd.flatten() {
        let p = e.path();
        let rel = p
            .strip_prefix(root)
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('\\', "/");
        let ft = e.file_type().map_err(|err| Error::io(&p, err))?;
        if ft.is_dir() {
            carry_over(root, &p, staging, ours, old_ours)?;
        } else if !ours.contains_key(rel.as_str()) && !old_ours.contains(&rel) && rel != MANIFEST {
            let target = staging.join(&rel);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|err| Error::io(parent, err))?;
            }
            if std::fs::hard_link(&p, &target).is_err() {
                std::fs::copy(&p, &target).map_err(|err| Error::io(&p, err))?;
            }
        }
    }
    Ok(())
}

fn swap_in(staging: &Path, dir: &Path) -> Result<()> {
    if !dir.exists() {
        return std::fs::rename(staging, dir).map_err(|e| Error::io(dir, e));
    }
    match rustix::fs::renameat_with(
        rustix::fs::CWD,
        staging,
        rustix::fs::CWD,
        dir,
        rustix::fs::RenameFlags::EXCHANGE,
    ) {
        Ok(()) => {
            // `staging` now holds the old set.
            let _ = std::fs::remove_dir_all(staging);
            Ok(())
        }
        Err(_) => {
            // A filesystem without RENAME_EXCHANGE: two renames, with a moment without DIR.
            let old = staging_path(dir, "old")?;
            std::fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
            if let Err(e) = std::fs::rename(staging, dir) {
                let _ = std::fs::rename(&old, dir);
                return Err(Error::io(dir, e));
            }
            let _ = std::fs::remove_dir_all(&old);
            Ok(())
        }
    }
}
