//! Which policy files a command checks: the roots. A policy split with `include` is checked from
//! its root; its fragments, checked alone, would fail on names declared elsewhere. Given several
//! files (as pre-commit passes every changed `.fence` file), the files that another given file
//! includes are skipped; given a directory, or nothing, the `.fence` files under it (or the
//! `policies` list of `fenceline.toml`) are found and their roots kept, as `ruff check .` and
//! `terraform validate` do.

use crate::error::{Error, Result};
use crate::syntax::loader;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Directories never searched for policies.
const SKIPPED_DIRS: [&str; 3] = ["target", "node_modules", "build"];

/// The `.fence` files under `dir`, sorted; hidden directories and build output are skipped.
pub fn fence_files(dir: &Path) -> Result<Vec<PathBuf>> {
    fn walk(cur: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
        if depth > 32 {
            return Ok(());
        }
        let rd = std::fs::read_dir(cur).map_err(|e| Error::io(cur, e))?;
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name();
            let name = name.to_string_lossy();
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref()) {
                    walk(&p, out, depth + 1)?;
                }
            } else if ft.is_file() && name.ends_with(".fence") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, &mut out, 0)?;
    Ok(out)
}

/// The policy files to check for the command-line arguments `args`: a directory stands for the
/// `.fence` files under it, no argument for the `policies` of the nearest `fenceline.toml` (or
/// the `.fence` files under the current directory); then every file that another one includes
/// is dropped. `-` (standard input) is kept as it is. Returns the roots and the skipped files.
pub fn roots(args: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut candidates = Vec::new();
    if args.is_empty() {
        let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
        match crate::lint::config::policies(&cwd)? {
            Some(listed) => candidates.extend(listed),
            None => candidates.extend(fence_files(&cwd)?),
        }
        if candidates.is_empty() {
            return Err(Error::Usage(
                "no .fence files here: give policy files, a directory, or `policies` in fenceline.toml"
                    .into(),
            ));
        }
    }
    for a in args {
        if a.is_dir() {
            candidates.extend(fence_files(a)?);
        } else {
            candidates.push(a.clone());
        }
    }
    Ok(drop_fragments(candidates))
}

/// Splits files into roots and the fragments another of them includes (transitively). A file
/// that cannot be read stays a root, so that the command reports it.
pub fn drop_fragments(files: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    if files.len() < 2 {
        return (files, Vec::new());
    }
    let key = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    // Every file each candidate loads, itself excluded.
    let mut includes: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for f in &files {
        if f.as_os_str() == "-" {
            continue;
        }
        let k = key(f);
        if includes.contains_key(&k) {
            continue;
        }
        let set = match loader::load(f) {
            Ok(l) => l
                .sources
                .files
                .iter()
                .skip(1)
                .map(|s| s.path.clone())
                .filter(|p| *p != k)
                .collect(),
            Err(_) => BTreeSet::new(),
        };
        includes.insert(k, set);
    }
    let included_by_other = |k: &PathBuf| {
        includes
            .iter()
            .any(|(other, set)| other != k && set.contains(k) && !includes[k].contains(other))
    };
    let mut seen = BTreeSet::new();
    let (mut roots, mut fragments) = (Vec::new(), Vec::new());
    for f in files {
        if f.as_os_str() == "-" {
            roots.push(f);
            continue;
        }
        let k = key(&f);
        if !seen.insert(k.clone()) {
            continue;
        }
        if included_by_other(&k) {
            fragments.push(f);
        } else {
            roots.push(f);
        }
    }
    (roots, fragments)
}
