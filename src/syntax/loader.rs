//! Reads a root policy file and every file it includes, depth first, into one SourceMap.
//! Include paths are relative to the including file and may not leave the root file's directory;
//! cycles and excessive depth are findings, not crashes.

use super::ast;
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use std::path::{Path, PathBuf};

/// Largest policy file read (ecosystem guidance: a hostile PR must not exhaust the pipeline).
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;
/// Deepest include chain followed.
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// Most files one policy may consist of.
pub const MAX_FILES: usize = 1000;
/// Most bytes the files of one policy may hold together. Memory grows with the policy's text
/// (its syntax tree, then its Model and plan): a policy of one million flows is about 30 MB and
/// builds in under 2 GB; 100 MB of include files, each under [`MAX_FILE_SIZE`], must end in a
/// diagnostic, not in an out-of-memory kill.
pub const MAX_POLICY_SIZE: u64 = 64 * 1024 * 1024;

/// A policy's parsed files, in load order (root first).
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub files: Vec<(FileId, ast::File)>,
    pub diagnostics: Vec<Diagnostic>,
    /// Every top-level `site`, once its template is expanded (see [`super::expand`]).
    pub sites: Vec<super::expand::SiteInfo>,
}

/// Loads a policy from disk. Failing to read the root file is an [`Error`]; everything about
/// included files is a diagnostic.
pub fn load(path: &Path) -> Result<Loaded> {
    let text = read_policy_file(path)?;
    let display = path.to_string_lossy().replace('\\', "/");
    Ok(load_from_text(&display, path, text))
}

/// Loads a policy whose root text is already in memory (stdin, `git show`, tests), with its
/// templates expanded.
pub fn load_from_text(display: &str, path: &Path, text: String) -> Loaded {
    load_from_text_with(display, path, text, &|_| None)
}

/// The text of a file an editor holds, unsaved, by canonical path (`None`: read the disk).
pub type Overlay<'a> = &'a dyn Fn(&Path) -> Option<String>;

/// [`load_from_text`], reading included files from `overlay` where it has them (the language
/// server's open documents) and from the disk otherwise.
pub fn load_from_text_with(display: &str, path: &Path, text: String, overlay: Overlay) -> Loaded {
    let mut loaded = load_written_with(display, path, text, overlay);
    expand_sites(&mut loaded);
    loaded
}

/// Expands the templates of policy files loaded as written (the language server reads the
/// written files first: its index holds the templates' own declarations).
pub fn expand_sites(loaded: &mut Loaded) {
    loaded.sites = super::expand::expand(
        &mut loaded.sources,
        &mut loaded.files,
        &mut loaded.diagnostics,
    );
}

/// [`load_from_text`] without expanding templates: the files as written (`debug ast`).
pub fn load_written(display: &str, path: &Path, text: String) -> Loaded {
    load_written_with(display, path, text, &|_| None)
}

/// [`load_written`], reading included files from `overlay` where it has them.
pub fn load_written_with(display: &str, path: &Path, text: String, overlay: Overlay) -> Loaded {
    let mut loaded = Loaded::default();
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let root_dir = canonical
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let id = loaded
        .sources
        .add(SourceFile::new(display, canonical.clone(), text));
    let mut stack = vec![canonical];
    parse_into(&mut loaded, id, &root_dir, &mut stack, overlay);
    if loaded.diagnostics.iter().any(|d| d.code == codes::LIMIT) {
        // Past the size limit nothing is checked: the files read so far are a part of the
        // policy, whose findings would only be about what is missing.
        loaded.files.clear();
    }
    loaded
}

pub fn read_policy_file(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > MAX_FILE_SIZE {
        return Err(Error::Other(format!(
            "{}: file is {} bytes, larger than the limit of {} bytes",
            path.display(),
            meta.len(),
            MAX_FILE_SIZE
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Other(format!(
            "{}: not valid UTF-8 (at byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

fn parse_into(
    loaded: &mut Loaded,
    id: FileId,
    root_dir: &Path,
    stack: &mut Vec<PathBuf>,
    overlay: Overlay,
) {
    let text = loaded.sources.get(id).text.clone();
    if text.starts_with('\u{feff}') {
        loaded.diagnostics.push(
            Diagnostic::error(codes::UNSAFE_TEXT, "file starts with a byte order mark")
                .at(Span::new(id, 0, 3), "byte order mark")
                .help("save the file as UTF-8 without a BOM"),
        );
        return;
    }
    let file = match super::parse_file(id, &text) {
        Ok(f) => f,
        Err(d) => {
            loaded.diagnostics.push(d);
            return;
        }
    };
    let includes: Vec<ast::Include> = file
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Include(inc) => Some(inc.clone()),
            _ => None,
        })
        .collect();
    loaded.files.push((id, file));
    let base = loaded
        .sources
        .get(id)
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // Every include of this file counted before any is read, so that a policy far over the size
    // limit fails before its first 64 MiB are parsed; those of the included files are counted
    // one by one below.
    if let Some(d) = over_size(loaded, &base, root_dir, &includes) {
        loaded.diagnostics.push(d);
        return;
    }
    for inc in includes {
        let span = inc.path.span;
        let fail = |msg: String, label: &str| {
            Diagnostic::error(codes::INCLUDE, msg).at(span, label.to_string())
        };
        if stack.len() > MAX_INCLUDE_DEPTH {
            loaded.diagnostics.push(fail(
                format!("includes nested deeper than {MAX_INCLUDE_DEPTH} levels"),
                "too deep",
            ));
            continue;
        }
        if loaded.diagnostics.iter().any(|d| d.code == codes::LIMIT) {
            return;
        }
        if loaded.sources.files.len() >= MAX_FILES {
            loaded.diagnostics.push(fail(
                format!("a policy may have at most {MAX_FILES} files"),
                "too many files",
            ));
            continue;
        }
        let rel = Path::new(&inc.path.value);
        if rel.is_absolute() {
            loaded.diagnostics.push(
                fail(
                    format!("include path `{}` is absolute", inc.path.value),
                    "absolute path",
                )
                .help("write the path relative to this file"),
            );
            continue;
        }
        if escapes(rel, base.strip_prefix(root_dir).unwrap_or(Path::new(""))) {
            loaded.diagnostics.push(
                fail(
                    format!(
                        "include path `{}` leaves the policy's root directory",
                        inc.path.value
                    ),
                    "outside the root",
                )
                .help(
                    "included files must lie in the directory of the root policy file or below it",
                ),
            );
            continue;
        }
        let target = base.join(rel);
        let canonical = match target.canonicalize() {
            Ok(c) => c,
            Err(e) => {
                loaded.diagnostics.push(fail(
                    format!("cannot read `{}`: {}", inc.path.value, e),
                    "included here",
                ));
                continue;
            }
        };
        if !canonical.starts_with(root_dir) {
            loaded.diagnostics.push(
                fail(
                    format!(
                        "include path `{}` leaves the policy's root directory",
                        inc.path.value
                    ),
                    "outside the root",
                )
                .help(
                    "included files must lie in the directory of the root policy file or below it",
                ),
            );
            continue;
        }
        if stack.contains(&canonical) {
            loaded.diagnostics.push(fail(
                format!("include cycle: `{}` includes itself", inc.path.value),
                "cycle",
            ));
            continue;
        }
        if loaded.sources.find(&canonical).is_some() {
            // Included twice from different places (a diamond): read once.
            continue;
        }
        if let Some(d) = over_size(loaded, &base, root_dir, std::slice::from_ref(&inc)) {
            loaded.diagnostics.push(d);
            return;
        }
        let text = match overlay(&canonical).map_or_else(|| read_policy_file(&canonical), Ok) {
            Ok(t) => t,
            Err(e) => {
                loaded.diagnostics.push(fail(
                    format!("cannot read `{}`: {}", inc.path.value, e),
                    "included here",
                ));
                continue;
            }
        };
        let display = display_path(loaded.sources.get(FileId(0)), &canonical);
        let child = loaded
            .sources
            .add(SourceFile::new(display, canonical.clone(), text));
        stack.push(canonical);
        parse_into(loaded, child, root_dir, stack, overlay);
        stack.pop();
    }
}

/// E0024 at the first of `includes` that takes the policy's files past [`MAX_POLICY_SIZE`]:
/// the files read so far, then each include not read yet, by its size on disk.
fn over_size(
    loaded: &Loaded,
    base: &Path,
    root_dir: &Path,
    includes: &[ast::Include],
) -> Option<Diagnostic> {
    let read: u64 = loaded
        .sources
        .files
        .iter()
        .map(|f| f.text.len() as u64)
        .sum();
    let mut total = read;
    for inc in includes {
        let rel = Path::new(&inc.path.value);
        // What the loop below refuses (absolute, outside the root, unreadable) is not counted.
        let Ok(canonical) = base.join(rel).canonicalize() else {
            continue;
        };
        if rel.is_absolute()
            || !canonical.starts_with(root_dir)
            || loaded.sources.find(&canonical).is_some()
        {
            continue;
        }
        let size = std::fs::metadata(&canonical).map_or(0, |m| m.len());
        total = total.saturating_add(size);
        if total > MAX_POLICY_SIZE {
            return Some(
                Diagnostic::error(
                    codes::LIMIT,
                    format!("the policy's files hold more than {MAX_POLICY_SIZE} bytes together"),
                )
                .at(
                    inc.path.span,
                    format!("the limit is reached with this file ({size} bytes)"),
                )
                .help("nothing is checked past this limit; split the plant into policies built one by one"),
            );
        }
    }
    None
}

/// True when `rel`, read from directory `from` (relative to the root directory), climbs above
/// the root directory by its `..` components (checked before touching the file system).
fn escapes(rel: &Path, from: &Path) -> bool {
    let mut depth = from.components().count() as i64;
    for c in rel.components() {
        match c {
            std::path::Component::ParentDir => depth -= 1,
            std::path::Component::Normal(_) => depth += 1,
            std::path::Component::CurDir => {}
            _ => return true,
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

/// The included file's name as shown to users: relative to the root file's directory, joined
/// onto the root's display directory, with `/` separators.
fn display_path(root: &SourceFile, canonical: &Path) -> String {
    let root_dir = root.path.parent().unwrap_or(Path::new(""));
    let rel = canonical.strip_prefix(root_dir).unwrap_or(canonical);
    let shown_dir = Path::new(&root.name).parent().unwrap_or(Path::new(""));
    shown_dir.join(rel).to_string_lossy().replace('\\', "/")
}
