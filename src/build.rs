//! `fenceline build`: check, plan, emit every target, stamp and hash every file, and write the set
//! atomically. Planning, emitting and the expectations run before anything is written; a build
//! with errors writes nothing. There is one rendering path, [`render_all`], which streams every
//! file into a sink: the staging directory ([`write_emitted`], the CLI), the comparison with DIR
//! ([`check_emitted`], `build --check`) or memory ([`build_checked`], the library and tests).
//!
//! The output directory is replaced as a whole: the new set is written to a staging directory
//! beside it and swapped in with one `renameat2(RENAME_EXCHANGE)`, so a reader (or a build killed
//! half-way) sees the old complete set or the new one, never a mix. Files that did not change are
//! hard-linked from the old set (their mtimes stay put), and files in DIR that fenceline did not
//! write are carried over.

use crate::diagnostic::Diagnostic;
use crate::dialect::{emit_all, sanitize, EmitContext, EmitOptions, Output, Stamp};
use crate::error::{Error, Result};
use crate::lint::{CheckOptions, Checked};
use crate::model::hash::{policy_hash, sha256_hex, Hashing, HASH_VERSION};
use crate::model::{Model, Target};
use crate::plan::{model_to_ir_with_limit, Ir};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
/// The format of manifest.json.
pub const MANIFEST_VERSION: u32 = 1;

/// Manifests written before `hash_version` was recorded hold form 1.
fn hash_version_1() -> u32 {
    1
}

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

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Manifest {
    /// The format of manifest.json (see schemas/manifest.schema.json); absent before 1.
    #[serde(default)]
    pub version: u32,
    pub fenceline_version: String,
    pub policy: String,
    /// sha256 of the policy's meaning: the Model without source positions. Reformatting or
    /// reordering declarations does not change it.
    pub policy_sha256: String,
    /// The form `policy_sha256` is computed in; the same policy hashes differently in another
    /// form, so compare hashes of one form only. Absent (form 1) in manifests of fenceline 0.1.
    #[serde(default = "hash_version_1")]
    pub hash_version: u32,
    /// The sites built (`build --site`); absent when the build holds every device.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<String>,
    pub files: Vec<ManifestEntry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct ManifestEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: usize,
}

/// The first half of a build: the device configurations, planned, emitted and checked against
/// the policy's `expect` statements, not yet written. The reports come after lint (they list its
/// findings); `emit` does not need lint, so `build` runs it beside lint.
#[derive(Debug)]
pub struct Emitted {
    pub ir: Ir,
    pub stamp: Stamp,
    /// Device configurations, sorted by path.
    pub outputs: Vec<Output>,
    /// Planning and emitting findings, and failed expectations, as raised (unfiltered): the
    /// driver moves them into [`Checked::diagnostics`] through the one filter.
    pub diagnostics: Vec<Diagnostic>,
    /// The sites built (`build --site`); empty: every device.
    pub sites: Vec<String>,
    /// Write the report files (`false` for `build --no-report`).
    pub report: bool,
}

impl Emitted {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Plans, hashes and emits a resolved policy (the hash beside planning), then checks the
/// expectations against the generated configurations. When planning finds an error, nothing is
/// emitted.
pub fn emit(model: &Model, opts: &BuildOptions) -> Result<Emitted> {
    // Planning and hashing are independent; the hash runs beside planning.
    let (hash, (ir, mut diagnostics)) = crate::threads::join(
        || policy_hash(model),
        || model_to_ir_with_limit(model, opts.emit.max_rules.unwrap_or(crate::plan::MAX_RULES)),
    );
    if diagnostics.iter().any(|d| d.is_error()) {
        return Ok(Emitted {
            ir,
            stamp: Stamp {
                policy: String::new(),
                hash: String::new(),
                version: "",
            },
            outputs: Vec::new(),
            diagnostics,
            sites: opts.emit.sites.clone(),
            report: !opts.emit.no_report,
        });
    }
    let name = sanitize::clean(&model.policy.name, sanitize::HEADER_COMMENT).text;
    let stamp = Stamp {
        policy: name,
        hash: hash?,
        version: env!("CARGO_PKG_VERSION"),
    };
    let options = with_lint(opts);
    let cx = EmitContext {
        model,
        ir: &ir,
        stamp: &stamp,
        options: &options,
    };
    let mut outputs = emit_all(&cx, opts.targets.as_deref(), &mut diagnostics)?;
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    // Expectations must hold for every generated configuration, not only for the policy.
    diagnostics.extend(crate::verify::equiv::check_expectations(model, &outputs));
    Ok(Emitted {
        ir,
        stamp,
        outputs,
        diagnostics,
        sites: opts.emit.sites.clone(),
        report: !opts.emit.no_report,
    })
}

/// The emit options with the settings of `fenceline.toml` a target's findings need (OUT-009's
/// budget).
fn with_lint(opts: &BuildOptions) -> EmitOptions {
    EmitOptions {
        max_acl_entries: Some(opts.check.lint.max_acl_entries()),
        ..opts.emit.clone()
    }
}

/// The findings [`emit`] raises (planning, the targets, expectations against the generated
/// configurations), for `check`: without the policy hash, and without printing the
/// configurations where a dialect can lower without printing ([`crate::dialect::findings_all`]).
/// A policy with `expect` statements is emitted whole: its expectations are checked against
/// the configurations read back from their text.
pub fn findings(model: &Model, opts: &BuildOptions) -> Result<Vec<Diagnostic>> {
    if !model.expects.is_empty() {
        return emit(model, opts).map(|e| e.diagnostics);
    }
    let (ir, mut diagnostics) =
        model_to_ir_with_limit(model, opts.emit.max_rules.unwrap_or(crate::plan::MAX_RULES));
    if diagnostics.iter().any(|d| d.is_error()) {
        return Ok(diagnostics);
    }
    let stamp = Stamp {
        policy: sanitize::clean(&model.policy.name, sanitize::HEADER_COMMENT).text,
        // No file is written: nothing carries the hash.
        hash: String::new(),
        version: env!("CARGO_PKG_VERSION"),
    };
    let options = with_lint(opts);
    let cx = EmitContext {
        model,
        ir: &ir,
        stamp: &stamp,
        options: &options,
    };
    crate::dialect::findings_all(&cx, opts.targets.as_deref(), &mut diagnostics)?;
    Ok(diagnostics)
}

/// Plans, emits and renders a checked policy in memory: every file, the manifest last, the
/// bytes `build` writes (the same [`render_all`] into a [`Memory`] sink). Returns `Ok(None)`
/// when the policy has errors, and a `Built` without files when planning or emitting does.
pub fn build_checked(checked: &Checked, opts: &BuildOptions) -> Result<Option<Built>> {
    let Some(model) = checked.model.as_ref().filter(|_| !checked.has_errors()) else {
        return Ok(None);
    };
    let mut emitted = emit(model, opts)?;
    // The same filter as the driver's (configuration, exceptions); the findings about
    // exceptions are `checked`'s.
    let mut filter = crate::diagnostic::filter::Filter::new(model, &opts.check);
    emitted.diagnostics = filter.pass_all(std::mem::take(&mut emitted.diagnostics));
    if emitted.has_errors() {
        let Emitted {
            ir,
            stamp,
            diagnostics,
            ..
        } = emitted;
        return Ok(Some(Built {
            ir,
            stamp,
            outputs: Vec::new(),
            diagnostics,
        }));
    }
    ready(checked, &emitted, "build")?;
    let Emitted {
        ir,
        stamp,
        outputs,
        diagnostics,
        sites,
        report,
    } = emitted;
    let mut mem = Memory::default();
    render_all(
        checked,
        model,
        &ir,
        &stamp,
        (&sites, report),
        outputs,
        &mut mem,
    )?;
    Ok(Some(Built {
        ir,
        stamp,
        outputs: mem.into_outputs(),
        diagnostics,
    }))
}

/// Refuses two generated files with the same path (`paths` sorted).
fn check_unique<'a>(paths: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut last: Option<&str> = None;
    for p in paths {
        if last == Some(p) {
            return Err(Error::Other(format!(
                "two generated files share the path {p}"
            )));
        }
        last = Some(p);
    }
    Ok(())
}

fn manifest_bytes(manifest: &Manifest) -> Result<Vec<u8>> {
    let mut m = serde_json::to_string_pretty(manifest).map_err(|e| Error::Other(e.to_string()))?;
    m.push('\n');
    Ok(m.into_bytes())
}

/// The report files, in path order.
const REPORT_FILES: [&str; 3] = ["report.html", "report.json", "report.md"];

fn report_options() -> Result<crate::report::ReportOptions> {
    // The same report as `fenceline report` without a date: findings, exceptions and widenings
    // carry their `file:line:col`. (The manifest's policy hash ignores positions.)
    crate::report::ReportOptions::new(None)
}

/// Differences between a build and a directory.
#[derive(Debug, Default)]
pub struct Drift {
    /// (path, unified diff) of files that differ.
    pub changed: Vec<(String, String)>,
    pub missing: Vec<String>,
    /// Files of the old manifest, and files with a build-layout name ([`is_layout_name`]), that
    /// the build does not produce: a build deletes them.
    pub stale: Vec<String>,
    /// Other files in DIR that a build carries over untouched (not drift).
    pub kept: Vec<String>,
}

/// Is this a file name a device directory of a build may hold: what the dialects write and
/// what `verify` reads there (`nftables.json` from a live firewall)?
pub fn is_device_file_name(name: &str) -> bool {
    name == crate::dialect::nat::BATCH_FILE
        || crate::dialect::all()
            .iter()
            .any(|d| d.files().contains(&name))
}

/// Whether a path relative to DIR has a name of the build layout: the manifest, a report, or a
/// device configuration (`<device>/<file>`). Such a file is fenceline's: a build that does not
/// produce it deletes it, and `build --check` reports it as drift (a stray configuration restored
/// by a merge would otherwise sit beside the real ones, and `verify` would read it).
pub fn is_layout_name(rel: &str) -> bool {
    match rel.split_once('/') {
        None => rel == MANIFEST || REPORT_FILES.contains(&rel),
        Some((dev, file)) => !dev.is_empty() && is_device_file_name(file),
    }
}

/// Every entry under DIR that is not a directory, as paths relative to it with `/` separators,
/// sorted. An empty list when DIR does not exist.
fn files_under(dir: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, cur: &Path, out: &mut Vec<String>) -> Result<()> {
        let rd = std::fs::read_dir(cur).map_err(|e| Error::io(cur, e))?;
        for e in rd.flatten() {
            let p = e.path();
            let ft = e.file_type().map_err(|err| Error::io(&p, err))?;
            if ft.is_dir() {
                walk(root, &p, out)?;
            } else {
                let rel = p.strip_prefix(root).unwrap_or(&p);
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out)?;
    }
    out.sort();
    Ok(out)
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

/// The Model of a build that can be written or compared: no errors, and no two files (the
/// reports included) on one path.
fn ready<'a>(checked: &'a Checked, emitted: &Emitted, verb: &str) -> Result<&'a Model> {
    let model = checked
        .model
        .as_ref()
        .filter(|_| !checked.has_errors() && !emitted.has_errors())
        .ok_or_else(|| Error::Other(format!("nothing to {verb}: the build has errors")))?;
    let mut paths: Vec<&str> = emitted
        .outputs
        .iter()
        .map(|o| o.path.as_str())
        .chain(REPORT_FILES)
        .collect();
    paths.sort_unstable();
    check_unique(paths.into_iter())?;
    Ok(model)
}

/// The second half of `build` without holding the output in memory: renders every file
/// ([`render_all`]) into the staging directory and swaps the set in (see the module doc).
/// Returns (files written, files whose content changed).
pub fn write_emitted(checked: &Checked, emitted: Emitted, dir: &Path) -> Result<(usize, usize)> {
    let model = ready(checked, &emitted, "write")?;
    let Emitted {
        ir,
        stamp,
        outputs,
        sites,
        report,
        ..
    } = emitted;
    in_staging(dir, |st| {
        render_all(checked, model, &ir, &stamp, (&sites, report), outputs, st)
    })
}

/// Where the files of a build go as they are rendered: the staging directory of a real build
/// ([`Staging`]), the comparison of `build --check` ([`Checker`]), or memory ([`Memory`],
/// [`build_checked`]). Every build renders through [`render_all`], so the three see the same
/// bytes.
trait Sink {
    /// The manifest entries of the listed files put so far.
    fn entries(&mut self) -> &mut Vec<ManifestEntry>;
    /// One file rendered in memory; `listed` adds it to the manifest.
    fn put(&mut self, path: &str, bytes: &[u8], listed: bool) -> Result<()>;
    /// One file as `render` writes it (listed in the manifest); `render` may be called again.
    fn put_with(
        &mut self,
        path: &str,
        render: &dyn Fn(&mut dyn std::io::Write) -> Result<()>,
    ) -> Result<()>;
}

/// Renders every file of a build into `st`: the device configurations and, unless `report` is
/// false (`build --no-report`), the reports ([`render_reports`]); then the manifest of them
/// all, which it returns.
fn render_all(
    checked: &Checked,
    model: &Model,
    ir: &Ir,
    stamp: &Stamp,
    (sites, report): (&[String], bool),
    outputs: Vec<Output>,
    st: &mut dyn Sink,
) -> Result<Manifest> {
    if report {
        render_reports(checked, model, ir, stamp, sites, outputs, st)?;
    } else {
        for o in outputs {
            st.put(&o.path, &o.bytes, true)?;
        }
    }
    let mut files = std::mem::take(st.entries());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        fenceline_version: stamp.version.to_string(),
        policy: model.policy.name.clone(),
        policy_sha256: stamp.hash.clone(),
        hash_version: HASH_VERSION,
        sites: sites.to_vec(),
        files,
    };
    st.put(MANIFEST, &manifest_bytes(&manifest)?, false)?;
    Ok(manifest)
}

/// The device configurations (each dropped once passed on) while the report model is built
/// beside them, then `report.json` streamed beside the Markdown and HTML reports.
fn render_reports(
    checked: &Checked,
    model: &Model,
    ir: &Ir,
    stamp: &Stamp,
    sites: &[String],
    outputs: Vec<Output>,
    st: &mut dyn Sink,
) -> Result<()> {
    let opts = report_options()?;
    let (rep, written) = crate::threads::join(
        || {
            let mut rep =
                crate::report::build_report(model, ir, &stamp.hash, &checked.diagnostics, &opts);
            // A build of some sites says so in its report: the others' devices are not in it.
            if !sites.is_empty() {
                for s in &mut rep.sites {
                    s.built = sites.contains(&s.name);
                }
            }
            rep
        },
        || -> Result<()> {
            for o in outputs {
                st.put(&o.path, &o.bytes, true)?;
            }
            Ok(())
        },
    );
    written?;
    let (md_html, json) = crate::threads::join(
        || crate::report::render::to_markdown_and_html(&rep),
        || {
            st.put_with("report.json", &|w| {
                crate::report::render::write_json(&rep, w, "report.json".as_ref())
            })
        },
    );
    // The report model of a central firewall is hundreds of thousands of allocations: freed on
    // a thread of its own while the last files are written (a process that exits first does
    // not wait for it).
    crate::threads::drop_beside(rep);
    json?;
    let (md, html) = md_html?;
    st.put("report.html", html.as_bytes(), true)?;
    st.put("report.md", md.as_bytes(), true)?;
    Ok(())
}

/// The in-memory sink of [`build_checked`]: every file, as `build` would write it.
#[derive(Default)]
struct Memory {
    files: Vec<Output>,
    entries: Vec<ManifestEntry>,
}

impl Memory {
    /// The files by path, the manifest last.
    fn into_outputs(mut self) -> Vec<Output> {
        self.files
            .sort_by(|a, b| (a.path == MANIFEST, &a.path).cmp(&(b.path == MANIFEST, &b.path)));
        self.files
    }
}

impl Sink for Memory {
    fn entries(&mut self) -> &mut Vec<ManifestEntry> {
        &mut self.entries
    }

    fn put(&mut self, path: &str, bytes: &[u8], listed: bool) -> Result<()> {
        if listed {
            self.entries.push(ManifestEntry {
                path: path.to_string(),
                sha256: sha256_hex(bytes),
                bytes: bytes.len(),
            });
        }
        self.files.push(Output {
            path: path.to_string(),
            bytes: bytes.to_vec(),
        });
        Ok(())
    }

    fn put_with(
        &mut self,
        path: &str,
        render: &dyn Fn(&mut dyn std::io::Write) -> Result<()>,
    ) -> Result<()> {
        let mut bytes = Vec::new();
        render(&mut bytes)?;
        self.put(path, &bytes, true)
    }
}

/// Compares what a build would write with DIR, file by file as the files are rendered, so only
/// one file at a time is held (`build --check`). Returns the drift and the number of files.
pub fn check_emitted(checked: &Checked, emitted: Emitted, dir: &Path) -> Result<(Drift, usize)> {
    let model = ready(checked, &emitted, "compare")?;
    let Emitted {
        ir,
        stamp,
        outputs,
        sites,
        report,
        ..
    } = emitted;
    let mut ck = Checker {
        dir,
        entries: Vec::new(),
        drift: Drift::default(),
    };
    let manifest = render_all(
        checked,
        model,
        &ir,
        &stamp,
        (&sites, report),
        outputs,
        &mut ck,
    )?;
    let mut drift = ck.drift;
    let ours: std::collections::BTreeSet<&str> = manifest
        .files
        .iter()
        .map(|e| e.path.as_str())
        .chain([MANIFEST])
        .collect();
    let old_ours: std::collections::BTreeSet<String> = old_manifest(dir)
        .map(|m| m.files.into_iter().map(|f| f.path).collect())
        .unwrap_or_default();
    for rel in files_under(dir)? {
        if ours.contains(rel.as_str()) {
            continue;
        }
        if old_ours.contains(&rel) || is_layout_name(&rel) {
            drift.stale.push(rel);
        } else {
            drift.kept.push(rel);
        }
    }
    // Listed by the old manifest but already gone from DIR: nothing to delete, no drift.
    // Generated files by path, the manifest last (the order of `build_checked`).
    let key = |p: &str| (p == MANIFEST, p.to_string());
    drift.changed.sort_by_key(|(p, _)| key(p));
    drift.missing.sort_by_key(|p| key(p));
    Ok((drift, manifest.files.len() + 1))
}

/// The `build --check` sink: each file compared with DIR's as it comes.
struct Checker<'a> {
    dir: &'a Path,
    entries: Vec<ManifestEntry>,
    drift: Drift,
}

impl Checker<'_> {
    fn record(&mut self, path: &str, new: &[u8]) {
        match std::fs::read(self.dir.join(path)) {
            Ok(old) if old == new => {}
            Ok(old) => self
                .drift
                .changed
                .push((path.to_string(), unified_diff(path, &old, new))),
            Err(_) => self.drift.missing.push(path.to_string()),
        }
    }
}

impl Sink for Checker<'_> {
    fn entries(&mut self) -> &mut Vec<ManifestEntry> {
        &mut self.entries
    }

    fn put(&mut self, path: &str, bytes: &[u8], listed: bool) -> Result<()> {
        if listed {
            self.entries.push(ManifestEntry {
                path: path.to_string(),
                sha256: sha256_hex(bytes),
                bytes: bytes.len(),
            });
        }
        self.record(path, bytes);
        Ok(())
    }

    fn put_with(
        &mut self,
        path: &str,
        render: &dyn Fn(&mut dyn std::io::Write) -> Result<()>,
    ) -> Result<()> {
        use std::io::Write;
        // Hash the rendering and compare it with DIR's file on the way, a block at a time.
        let existing = std::fs::File::open(self.dir.join(path)).ok();
        let mut w = std::io::BufWriter::with_capacity(
            1 << 20,
            Hashing::new(Comparing {
                old: existing.map(std::io::BufReader::new),
                same: true,
                scratch: Vec::new(),
            }),
        );
        render(&mut w)?;
        w.flush().map_err(|e| Error::io(self.dir.join(path), e))?;
        let (cmp, sha256, bytes) = w
            .into_inner()
            .map_err(|e| Error::io(self.dir.join(path), e.into_error()))?
            .finish();
        self.entries.push(ManifestEntry {
            path: path.to_string(),
            sha256,
            bytes,
        });
        if !cmp.finished_same() {
            // Drift: render once more, in memory, for the diff.
            let mut again = Vec::with_capacity(bytes);
            render(&mut again)?;
            self.record(path, &again);
        }
        Ok(())
    }
}

/// A writer that compares what passes through it with a file.
struct Comparing {
    /// `None`: there is no file.
    old: Option<std::io::BufReader<std::fs::File>>,
    same: bool,
    /// The file's bytes for the block being compared (reused).
    scratch: Vec<u8>,
}

impl Comparing {
    /// Everything written equals the whole file.
    fn finished_same(mut self) -> bool {
        use std::io::Read;
        let Some(old) = self.old.as_mut().filter(|_| self.same) else {
            return false;
        };
        let mut probe = [0u8; 1];
        matches!(old.read(&mut probe), Ok(0))
    }
}

impl std::io::Write for Comparing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use std::io::Read;
        if self.same {
            match self.old.as_mut() {
                Some(old) => {
                    self.scratch.resize(buf.len(), 0);
                    self.same = old.read_exact(&mut self.scratch).is_ok() && self.scratch == buf;
                }
                None => self.same = false,
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A unified diff of two versions of a generated file, as `build --check` prints it.
fn unified_diff(path: &str, old: &[u8], new: &[u8]) -> String {
    let old_text = String::from_utf8_lossy(old);
    let new_text = String::from_utf8_lossy(new);
    similar::TextDiff::from_lines(old_text.as_ref(), new_text.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Files being written into the staging directory, and what the manifest says of them.
struct Staging<'a> {
    dir: &'a Path,
    staging: &'a Path,
    /// Files written so far (numbers the writes for `FENCELINE_FAIL_WRITE`).
    writes: usize,
    /// Files whose content differs from DIR's.
    changed: usize,
    entries: Vec<ManifestEntry>,
}

impl Sink for Staging<'_> {
    fn entries(&mut self) -> &mut Vec<ManifestEntry> {
        &mut self.entries
    }

    fn put(&mut self, path: &str, bytes: &[u8], listed: bool) -> Result<()> {
        Staging::put(self, path, bytes, listed)
    }
    fn put_with(
        &mut self,
        path: &str,
        render: &dyn Fn(&mut dyn std::io::Write) -> Result<()>,
    ) -> Result<()> {
        Staging::put_with(self, path, |w| render(w))
    }
}

impl Staging<'_> {
    /// The staging path of the next file, its directory created.
    fn next(&mut self, path: &str) -> Result<PathBuf> {
        self.writes += 1;
        injected_failure(self.writes)?;
        let target = self.staging.join(path);
        if let Some(p) = target.parent() {
            std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        Ok(target)
    }

    /// [`Sink::put`]'s file: a hard link to DIR's when that holds the same bytes, else the
    /// bytes written and synced. Whether it wrote them.
    fn put_bytes(&self, path: &str, target: &Path, bytes: &[u8]) -> Result<bool> {
        use std::io::Write;
        let existing = self.dir.join(path);
        if same_content(&existing, bytes) && std::fs::hard_link(&existing, target).is_ok() {
            return Ok(false);
        }
        let mut f = std::fs::File::create(target).map_err(|e| Error::io(target, e))?;
        f.write_all(bytes).map_err(|e| Error::io(target, e))?;
        f.sync_all().map_err(|e| Error::io(target, e))?;
        Ok(true)
    }

    /// Writes one file rendered in memory; `listed` adds it to the manifest. A file DIR
    /// already holds with the same bytes is hard-linked instead (its mtime stays put).
    fn put(&mut self, path: &str, bytes: &[u8], listed: bool) -> Result<()> {
        let target = self.next(path)?;
        // The hash of a large file beside its comparison and writing.
        let hash = || listed.then(|| sha256_hex(bytes));
        let (sha256, written) = if bytes.len() >= HASH_BESIDE_BYTES {
            crate::threads::join(hash, || self.put_bytes(path, &target, bytes))
        } else {
            (hash(), self.put_bytes(path, &target, bytes))
        };
        if let Some(sha256) = sha256 {
            self.entries.push(ManifestEntry {
                path: path.to_string(),
                sha256,
                bytes: bytes.len(),
            });
        }
        if written? {
            self.changed += 1;
        }
        Ok(())
    }

    /// Writes one file as `render` produces it, hashing it on the way; listed in the manifest.
    /// When DIR already holds the same bytes, the old file replaces the new one, as in `put`.
    fn put_with(
        &mut self,
        path: &str,
        render: impl FnOnce(&mut dyn std::io::Write) -> Result<()>,
    ) -> Result<()> {
        let target = self.next(path)?;
        let file = std::fs::File::create(&target).map_err(|e| Error::io(&target, e))?;
        let (file, sha256, bytes) = render_beside(file, &target, render)?;
        file.sync_all().map_err(|e| Error::io(&target, e))?;
        drop(file);
        self.entries.push(ManifestEntry {
            path: path.to_string(),
            sha256,
            bytes,
        });
        let existing = self.dir.join(path);
        if same_files(&existing, &target) {
            let link = target.with_extension("fenceline-link");
            if std::fs::hard_link(&existing, &link).is_ok() {
                if std::fs::rename(&link, &target).is_ok() {
                    return Ok(());
                }
                let _ = std::fs::remove_file(&link);
            }
        }
        self.changed += 1;
        Ok(())
    }
}

/// Files from this size up are hashed on a second thread while they are written.
const HASH_BESIDE_BYTES: usize = 1 << 20;

/// The blocks [`render_beside`] hands over.
const BLOCK: usize = 1 << 20;

/// Runs `render` into `file` with the hashing and the writing on a second thread: blocks of a
/// megabyte are handed over as they fill, and are hashed and written while `render` goes on
/// (a central firewall's `report.json` is hundreds of megabytes). Returns the file, its
/// sha256 (hex) and its length. An error of the writing thread is the one returned.
fn render_beside(
    file: std::fs::File,
    target: &Path,
    render: impl FnOnce(&mut dyn std::io::Write) -> Result<()>,
) -> Result<(std::fs::File, String, usize)> {
    use std::io::Write;
    use std::sync::mpsc;
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(2);
        let (back_tx, back) = mpsc::channel::<Vec<u8>>();
        let writer = s.spawn(move || -> std::io::Result<Hashing<std::fs::File>> {
            let mut h = Hashing::new(file);
            for mut block in rx {
                h.write_all(&block)?;
                block.clear();
                // The sender may be gone already: the block is then simply freed.
                let _ = back_tx.send(block);
            }
            Ok(h)
        });
        let mut blocks = Blocks {
            tx,
            back,
            buf: Vec::with_capacity(BLOCK),
        };
        let rendered =
            render(&mut blocks).and_then(|()| blocks.send().map_err(|e| Error::io(target, e)));
        // The last block is sent; closing the channel ends the writing thread.
        drop(blocks);
        let written = writer
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
            .map_err(|e| Error::io(target, e));
        let hashing = written?;
        rendered?;
        Ok(hashing.finish())
    })
}

/// The writer [`render_beside`]'s `render` writes into: fills a block, hands it over when full.
struct Blocks {
    tx: std::sync::mpsc::SyncSender<Vec<u8>>,
    /// Emptied blocks coming back, to be filled again.
    back: std::sync::mpsc::Receiver<Vec<u8>>,
    buf: Vec<u8>,
}

impl Blocks {
    /// Hands the filled part over (nothing when it is empty).
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = self
            .back
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BLOCK));
        let full = std::mem::replace(&mut self.buf, next);
        self.tx
            .send(full)
            .map_err(|_| std::io::Error::other("the writing thread stopped"))
    }
}

impl std::io::Write for Blocks {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= BLOCK {
            self.send()?;
        }
        Ok(data.len())
    }
    /// Blocks go when full and at the end: a flush asks for nothing more.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether the file at `path` holds exactly `bytes` (the size is compared first), read a
/// megabyte at a time: a central firewall's configuration is tens of megabytes, and a second
/// copy of it in memory would outlive the comparison in the allocator's keeping.
fn same_content(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(m) = std::fs::metadata(path) else {
        return false;
    };
    if !m.is_file() || m.len() != bytes.len() as u64 {
        return false;
    }
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut buf = vec![0u8; bytes.len().min(1 << 20)];
    for want in bytes.chunks(1 << 20) {
        let Some(got) = buf.get_mut(..want.len()) else {
            return false;
        };
        if f.read_exact(got).is_err() || got != want {
            return false;
        }
    }
    // Nothing after: the file did not grow since its size was read.
    matches!(f.read(&mut [0u8; 1]), Ok(0))
}

/// Whether two files hold the same bytes, read a megabyte at a time.
fn same_files(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    if !ma.is_file() || ma.len() != mb.len() {
        return false;
    }
    let (Ok(mut fa), Ok(mut fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    let mut left = ma.len();
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    while left > 0 {
        let n = left.min(1 << 20) as usize;
        let (Some(ca), Some(cb)) = (ba.get_mut(..n), bb.get_mut(..n)) else {
            return false;
        };
        if fa.read_exact(ca).is_err() || fb.read_exact(cb).is_err() || ca != cb {
            return false;
        }
        left -= n as u64;
    }
    true
}

/// Fills a staging directory beside DIR with `fill` (which returns the manifest it wrote),
/// carries over the user's files, and swaps the set in. On any failure the staging directory is
/// removed and DIR stays as it was. Returns (files written, files changed).
fn in_staging(
    dir: &Path,
    fill: impl FnOnce(&mut Staging) -> Result<Manifest>,
) -> Result<(usize, usize)> {
    remove_leftovers(dir);
    let staging = staging_path(dir, "new")?;
    let result = fill_staging(dir, &staging, fill);
    match result {
        Ok(counts) => {
            if let Err(e) = swap_in(&staging, dir) {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
            Ok(counts)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

fn fill_staging(
    dir: &Path,
    staging: &Path,
    fill: impl FnOnce(&mut Staging) -> Result<Manifest>,
) -> Result<(usize, usize)> {
    std::fs::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
    let old_ours: Vec<String> = old_manifest(dir)
        .map(|m| m.files.into_iter().map(|f| f.path).collect())
        .unwrap_or_default();
    let mut st = Staging {
        dir,
        staging,
        writes: 0,
        changed: 0,
        entries: Vec::new(),
    };
    let manifest = fill(&mut st)?;
    let ours: BTreeMap<&str, ()> = manifest
        .files
        .iter()
        .map(|e| (e.path.as_str(), ()))
        .chain([(MANIFEST, ())])
        .collect();
    // Carry over what the user keeps in DIR (files fenceline never wrote).
    if dir.is_dir() {
        carry_over(dir, staging, &ours, &old_ours)?;
    }
    if let Ok(d) = std::fs::File::open(staging) {
        let _ = d.sync_all();
    }
    Ok((st.writes, st.changed))
}

fn carry_over(
    dir: &Path,
    staging: &Path,
    ours: &BTreeMap<&str, ()>,
    old_ours: &[String],
) -> Result<()> {
    for rel in files_under(dir)? {
        if ours.contains_key(rel.as_str()) || old_ours.contains(&rel) || is_layout_name(&rel) {
            continue;
        }
        let (from, target) = (dir.join(&rel), staging.join(&rel));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|err| Error::io(parent, err))?;
        }
        if std::fs::hard_link(&from, &target).is_err() {
            std::fs::copy(&from, &target).map_err(|err| Error::io(&from, err))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes in odd-sized writes across several blocks: the file, its hash and its length are
    /// those of the bytes, in order.
    #[test]
    fn render_beside_writes_and_hashes_every_block_in_order() {
        let dir = std::env::temp_dir().join(format!("fl-render-beside-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.json");
        let bytes: Vec<u8> = (0..(BLOCK * 5 / 2) as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let file = std::fs::File::create(&path).unwrap();
        let (_, sha256, len) = render_beside(file, &path, |w| {
            for chunk in bytes.chunks(65_537) {
                w.write_all(chunk).map_err(|e| Error::io(&path, e))?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(len, bytes.len());
        assert_eq!(sha256, sha256_hex(&bytes));
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The comparison that decides whether DIR's file is kept reads it a block at a time and
    /// still finds a difference in the last byte of a later block, or a file of another length.
    #[test]
    fn same_content_compares_every_block() {
        let dir = std::env::temp_dir().join(format!("fl-same-content-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("iptables.rules");
        let bytes: Vec<u8> = (0..(3 << 20) + 17).map(|i: u32| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert!(same_content(&path, &bytes));
        let mut last = bytes.clone();
        *last.last_mut().unwrap() ^= 1;
        assert!(!same_content(&path, &last));
        let mut second_block = bytes.clone();
        second_block[(1 << 20) + 5] ^= 1;
        assert!(!same_content(&path, &second_block));
        assert!(!same_content(&path, &bytes[..bytes.len() - 1]));
        assert!(!same_content(&dir.join("absent"), &bytes));
        std::fs::write(&path, b"").unwrap();
        assert!(same_content(&path, b""));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A write that fails on the writing thread (a full disk) is the error returned; the
    /// renderer stops instead of waiting for a thread that is gone.
    #[test]
    fn render_beside_returns_the_writing_threads_error() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full (Linux)");
        let path = Path::new("/dev/full");
        let err = render_beside(full, path, |w| {
            for _ in 0..64 {
                w.write_all(&[b'x'; 1 << 16])
                    .map_err(|e| Error::io(path, e))?;
            }
            Ok(())
        })
        .unwrap_err();
        assert!(err.to_string().contains("/dev/full"), "{err}");
        assert!(err.to_string().to_lowercase().contains("space"), "{err}");
    }
}
