//! The server's view of the policies: open documents (unsaved text), which root policy loads
//! which files, and the last analysis of each root: `check`'s findings, the Model and the index
//! of names. A fragment (a file another policy includes) is analysed through its root, as
//! `fenceline check` checks it; a file no other file includes is its own root.

use super::index::Index;
use crate::diagnostic::Diagnostic;
use crate::driver::{self, CheckOptions};
use crate::model::Model;
use crate::source::{FileId, SourceMap};
use crate::syntax::loader;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Most files a workspace scan reads to learn which file includes which.
const MAX_SCANNED: usize = 2000;

pub struct Doc {
    pub text: String,
    pub version: i32,
}

/// One root policy, checked.
pub struct Analysis {
    pub sources: SourceMap,
    pub index: Index,
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
    /// Why fenceline.toml could not be read (the defaults were used).
    pub config_error: Option<String>,
}

impl Analysis {
    /// The file id of `path` in this analysis.
    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.sources.find(path)
    }
    pub fn path(&self, id: FileId) -> Option<&Path> {
        let real = self.sources.real_file(id);
        self.sources
            .files
            .get(real.0 as usize)
            .map(|f| f.path.as_path())
    }
}

#[derive(Default)]
pub struct Workspace {
    /// Open documents by canonical path.
    pub docs: BTreeMap<PathBuf, Doc>,
    /// Every file each known policy loads, itself included.
    deps: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
    pub analyses: BTreeMap<PathBuf, Analysis>,
    scanned: BTreeSet<PathBuf>,
    /// The date exceptions expire against (`check --today`), today's by default.
    pub today: String,
}

/// The canonical form of a path (as the loader keys files), or the path itself when it does not
/// exist on disk.
pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

impl Workspace {
    pub fn new(today: String) -> Workspace {
        Workspace {
            today,
            ..Workspace::default()
        }
    }

    /// Learns which `.fence` files under `dir` include which (once per directory).
    pub fn scan(&mut self, dir: &Path) {
        let dir = canonical(dir);
        if !self.scanned.insert(dir.clone()) {
            return;
        }
        let Ok(files) = crate::cli::roots::fence_files(&dir) else {
            return;
        };
        for f in files.into_iter().take(MAX_SCANNED) {
            let key = canonical(&f);
            if self.deps.contains_key(&key) {
                continue;
            }
            if let Ok(l) = loader::load(&key) {
                let set = l.sources.files.iter().map(|s| s.path.clone()).collect();
                self.deps.insert(key, set);
            }
        }
    }

    /// The root policies through which `path` is checked: the known policies that load it and
    /// that no other such policy loads; `path` itself when none does.
    pub fn roots_for(&self, path: &Path) -> Vec<PathBuf> {
        let holders: Vec<&PathBuf> = self
            .deps
            .iter()
            .filter(|(r, set)| r.as_path() != path && set.contains(path))
            .map(|(r, _)| r)
            .collect();
        let roots: Vec<PathBuf> = holders
            .iter()
            .filter(|r| {
                !holders
                    .iter()
                    .any(|o| o != *r && self.deps.get(*o).is_some_and(|s| s.contains(r.as_path())))
            })
            .map(|r| (*r).clone())
            .collect();
        if roots.is_empty() {
            vec![path.to_path_buf()]
        } else {
            roots
        }
    }

    /// The analysis that holds `path` (of its first root), if one was made.
    pub fn analysis_for(&self, path: &Path) -> Option<&Analysis> {
        self.roots_for(path)
            .iter()
            .filter_map(|r| self.analyses.get(r))
            .find(|a| a.file(path).is_some())
    }

    /// Checks the root policy `root` with the open documents' text, as `fenceline check` would
    /// (its fenceline.toml, today's date); records which files it loads.
    pub fn analyse(&mut self, root: &Path) -> Option<&Analysis> {
        let text = match self.docs.get(root) {
            Some(d) => d.text.clone(),
            None => loader::read_policy_file(root).ok()?,
        };
        let mut config_error = None;
        let today = Some(self.today.clone()).filter(|t| !t.is_empty());
        let opts = match crate::cli::check::options_for(root, today.clone(), None) {
            Ok((o, _)) => o,
            Err(e) => {
                config_error = Some(e.to_string());
                CheckOptions {
                    today: today.or_else(|| Some(crate::lint::today_utc())),
                    ..Default::default()
                }
            }
        };
        let docs = &self.docs;
        let overlay = |p: &Path| docs.get(p).map(|d| d.text.clone());
        let display = root.to_string_lossy().replace('\\', "/");
        // The files as written: the index holds the templates' declarations, which the
        // expansion replaces by the sites' copies.
        let mut loaded = loader::load_written_with(&display, root, text, &overlay);
        let mut index = Index::default();
        for (id, f) in &loaded.files {
            index.add_file(*id, f);
        }
        // A file that does not parse: its names from the declarations that do (recovery).
        for (i, f) in loaded.sources.files.iter().enumerate() {
            let id = FileId(i as u32);
            if !loaded.files.iter().any(|(fid, _)| *fid == id) {
                if let Some(ast) = super::recover::parse(id, &f.text) {
                    index.add_file(id, &ast);
                }
            }
        }
        index.finish();
        loader::expand_sites(&mut loaded);
        let checked = driver::check_loaded(loaded, &opts);
        let diagnostics = checked.diagnostics;
        let files = checked
            .sources
            .files
            .iter()
            .map(|f| f.path.clone())
            .collect();
        self.deps.insert(root.to_path_buf(), files);
        self.analyses.insert(
            root.to_path_buf(),
            Analysis {
                sources: checked.sources,
                index,
                model: checked.model,
                diagnostics,
                config_error,
            },
        );
        self.analyses.get(root)
    }
}
