//! The layers of docs/ARCHITECTURE.md hold in the code: no module imports a module of a higher
//! layer, no two modules import each other, and no files of one dialect's folder do.
//!
//! Every `src/**/*.rs` file is read; each `crate::a::b` path, `super::` path and `use` of a child
//! module (expanded through `{...}` groups) is a reference from the file's module to a module
//! path. Both ends are placed on a layer by the longest entry of [`LAYERS`] that is a prefix of
//! their path. Comments are skipped. When a module moves, update [`LAYERS`] and the diagram in
//! docs/ARCHITECTURE.md together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, bottom first. A module may import modules of its own layer and of layers below.
/// An entry is a module path; the longest entry that is a prefix of a path places it. `Error`,
/// `Result`, `Diagnostic`, `Severity` and `Model` are the crate root's re-exports.
#[rustfmt::skip]
const LAYERS: &[(&str, &[&str])] = &[
    ("foundation", &["packet", "error", "Error", "Result", "synth", "threads"]),
    ("source", &["source", "output", "diagnostic", "Diagnostic", "Severity", "model::ids"]),
    ("syntax", &["syntax", "fmt"]),
    ("model", &["model", "Model"]),
    ("lint, plan", &["lint", "plan", "model::resolve", "diagnostic::filter"]),
    ("dialects", &["dialect"]),
    ("verify, diff, report, build, import", &["verify", "diff", "report", "build", "import", "traffic", "inventory"]),
    ("driver", &["driver"]),
    ("cli", &["cli", "schema"]),
];

/// Imports that break the layers and are being removed in other work, each with the reason.
/// Keep this empty: an entry is a debt, not a permission.
const PENDING: &[(&str, &str, &str)] = &[];

/// The layer of a module path (`["lint", "rules", "x"]`), and the table entry that placed it.
fn layer_of(path: &[String]) -> Option<(usize, String)> {
    let joined = path.join("::");
    LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (_, entries))| entries.iter().map(move |e| (i, *e)))
        .filter(|(_, e)| joined == *e || joined.starts_with(&format!("{e}::")))
        .max_by_key(|(_, e)| e.len())
        .map(|(i, e)| (i, e.to_string()))
}

/// The module path of a source file: `src/lint/rules/x.rs` -> `lint::rules::x`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The text of a file without its comments (line comments; block comments are not used).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            // `//` inside a string (a URL) is rare in this crate; a cut there only loses text.
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Expands a use tree starting at `s` (after `prefix::`) into full paths.
fn expand(prefix: &[String], s: &str, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix.to_vec();
    let mut i = 0;
    let b = s.as_bytes();
    loop {
        while i < b.len() && (b[i] as char).is_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == b'{' {
            i += 1;
            loop {
                while i < b.len() && (b[i] as char).is_whitespace() || i < b.len() && b[i] == b',' {
                    i += 1;
                }
                if i >= b.len() || b[i] == b'}' {
                    return i + 1;
                }
                i += expand(&path, &s[i..], out);
            }
        }
        let start = i;
        while i < b.len() && is_ident(b[i] as char) {
            i += 1;
        }
        let seg = &s[start..i];
        if !seg.is_empty() && seg != "self" && seg != "as" {
            path.push(seg.to_string());
        }
        if s[i..].starts_with("::") {
            i += 2;
            continue;
        }
        out.push(path);
        // Skip `as name` and anything up to the end of this tree element.
        while i < b.len() && !matches!(b[i], b',' | b'}' | b';') {
            i += 1;
        }
        return i;
    }
}

/// An inline module (`mod x { .. }`) of a file: the byte range of its body and its name.
struct Inline {
    body: std::ops::Range<usize>,
    name: String,
    /// Under `#[cfg(test)]`.
    test: bool,
}

/// The inline modules of `code`, by brace matching (the braces of `'{'` and `'}'` literals
/// skipped; those in strings are balanced here).
fn inline_modules(code: &str) -> Vec<Inline> {
    let clean = code.replace("'{'", "   ").replace("'}'", "   ");
    let b = clean.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = clean.get(from..).and_then(|r| r.find("mod ")) {
        let at = from + k;
        from = at + 4;
        if at > 0 && is_ident(b[at - 1] as char) {
            continue;
        }
        let name: String = clean[from..].chars().take_while(|c| is_ident(*c)).collect();
        let after = clean[from + name.len()..].trim_start();
        if name.is_empty() || !after.starts_with('{') {
            continue;
        }
        let open = clean.len() - after.len();
        let mut depth = 0;
        let mut end = clean.len();
        for (j, c) in clean[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + j;
                        break;
                    }
                }
                _ => {}
            }
        }
        let test = clean[..at].trim_end().ends_with("#[cfg(test)]");
        out.push(Inline {
            body: open..end,
            name,
            test,
        });
    }
    out
}

/// Every module path `code` (of the file of module `file_module`) refers to.
fn references(file_module: &[String], code: &str) -> Vec<Vec<String>> {
    let inline = inline_modules(code);
    let children: BTreeSet<&str> = code
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            l.strip_prefix("mod ")?.strip_suffix(';')
        })
        .collect();
    let mut out = Vec::new();
    let b = code.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // Only at the start of a path.
        let at_start = i == 0 || !(is_ident(b[i - 1] as char) || b[i - 1] == b':');
        if !at_start || !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let around: Vec<&Inline> = inline.iter().filter(|m| m.body.contains(&i)).collect();
        // A unit test may build its fixture with any pass: that adds no dependency to the
        // library, so `#[cfg(test)]` modules are not read.
        if around.iter().any(|m| m.test) {
            i += 1;
            continue;
        }
        let rest = &code[i..];
        let mut module = file_module.to_vec();
        module.extend(around.iter().map(|m| m.name.clone()));
        let module = &module[..];
        if let Some(r) = rest.strip_prefix("crate::") {
            i += "crate::".len() + expand(&[], r, &mut out);
        } else if rest.starts_with("super::") {
            let mut base = module.to_vec();
            let mut r = rest;
            while let Some(next) = r.strip_prefix("super::") {
                base.pop();
                r = next;
            }
            i += (rest.len() - r.len()) + expand(&base, r, &mut out);
        } else if let Some(r) = rest.strip_prefix("use ") {
            let first: String = r.chars().take_while(|c| is_ident(*c)).collect();
            if children.contains(first.as_str()) {
                i += 4 + expand(module, r, &mut out);
            } else {
                i += 4;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The module path and file of every `src/**/*.rs` file but the crate roots (the binary uses
/// the library by its name, lib.rs only declares), sorted by file.
fn source_files() -> Vec<(Vec<String>, std::path::PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|f| {
            let rel = f.strip_prefix(&src).expect("under src");
            (rel != Path::new("main.rs") && rel != Path::new("lib.rs"))
                .then(|| (module_of(rel), f.clone()))
        })
        .collect()
}

/// (from module, to module path) for every reference in `src/`.
fn all_references() -> Vec<(Vec<String>, Vec<String>)> {
    let pending = |from: &[String], to: &[String]| {
        PENDING
            .iter()
            .any(|(f, t, _)| from.join("::") == *f && to.join("::") == *t)
    };
    let mut refs = Vec::new();
    for (module, f) in source_files() {
        let code = code_of(&std::fs::read_to_string(&f).expect("readable"));
        for to in references(&module, &code) {
            if !pending(&module, &to) {
                refs.push((module.clone(), to));
            }
        }
    }
    refs
}

/// The cycles of a graph (node -> node -> the reference that makes the edge), each as the
/// references around it. Depth-first search; every edge back to a node on the path closes one.
fn cycles_of(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<String> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeMap<String, String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<(String, String)>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(n.to_string(), 1);
        for (m, why) in edges.get(n).into_iter().flatten() {
            match state.get(m.as_str()) {
                Some(1) => {
                    let from = path
                        .iter()
                        .position(|(node, _)| node == m)
                        .map_or(0, |i| i + 1);
                    let mut c: Vec<&str> = path[from..].iter().map(|(_, w)| w.as_str()).collect();
                    c.push(why);
                    cycles.push(c.join(", "));
                }
                None => {
                    path.push((m.clone(), why.clone()));
                    visit(m, edges, state, path, cycles);
                    path.pop();
                }
                _ => {}
            }
        }
        state.insert(n.to_string(), 2);
    }
    let mut state = BTreeMap::new();
    let mut cycles = Vec::new();
    for n in edges.keys() {
        if !state.contains_key(n) {
            let mut path = vec![(n.clone(), String::new())];
            visit(n, edges, &mut state, &mut path, &mut cycles);
        }
    }
    cycles
}

#[test]
fn every_module_has_a_layer() {
    let unplaced: BTreeSet<String> = all_references()
        .into_iter()
        .flat_map(|(from, to)| [from, to])
        .filter(|p| !p.is_empty() && layer_of(p).is_none())
        .map(|p| p.join("::"))
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules missing from LAYERS in tests/layers.rs: {unplaced:?}"
    );
}

#[test]
fn no_module_imports_a_higher_layer() {
    let mut up = BTreeSet::new();
    for (from, to) in all_references() {
        let (Some((lf, _)), Some((lt, _))) = (layer_of(&from), layer_of(&to)) else {
            continue;
        };
        if lt > lf {
            up.insert(format!(
                "{} ({}) imports {} ({})",
                from.join("::"),
                LAYERS[lf].0,
                to.join("::"),
                LAYERS[lt].0
            ));
        }
    }
    assert!(
        up.is_empty(),
        "imports against the layers:\n{}",
        up.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn no_two_modules_import_each_other() {
    // A node is a table entry (`lint`) or, between the files of one entry, a child module of it
    // (`cli::query`): a cycle between entries or between sibling modules is refused; a module
    // and its own parent (`cli` and `cli::query`) may use each other.
    let refs = all_references();
    let modules: BTreeSet<String> = refs.iter().map(|(from, _)| from.join("::")).collect();
    let node = |p: &[String]| -> Option<(String, Option<String>)> {
        let (_, entry) = layer_of(p)?;
        let depth = entry.split("::").count();
        let child = p.get(..depth + 1).map(|c| c.join("::")).filter(|c| {
            modules
                .iter()
                .any(|m| m == c || m.starts_with(&format!("{c}::")))
        });
        Some((entry, child))
    };
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (from, to) in &refs {
        let (Some((ef, cf)), Some((et, ct))) = (node(from), node(to)) else {
            continue;
        };
        let (a, b) = if ef != et {
            (ef, et)
        } else {
            match (cf, ct) {
                (Some(cf), Some(ct)) if cf != ct => (cf, ct),
                _ => continue,
            }
        };
        edges
            .entry(a)
            .or_default()
            .entry(b)
            .or_insert_with(|| format!("{} -> {}", from.join("::"), to.join("::")));
    }
    let cycles = cycles_of(&edges);
    assert!(
        cycles.is_empty(),
        "modules import each other:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn no_two_files_of_a_dialect_import_each_other() {
    // Inside a folder under src/dialect/ the files form layers of their own: `ast` at the
    // bottom, `lower`, `print`, `parse` and `semantics` above it, `mod.rs` (the folder's own
    // module) on top. A node is a file of the folder; a path is placed at the longest file
    // module that is a prefix of it, else at the folder's `mod.rs`.
    let refs = all_references();
    let files: BTreeSet<Vec<String>> = source_files().into_iter().map(|(m, _)| m).collect();
    let folder_of = |m: &[String]| -> Vec<String> {
        if files
            .iter()
            .any(|f| f.len() == m.len() + 1 && f.starts_with(m))
        {
            m.to_vec()
        } else {
            m[..m.len().saturating_sub(1)].to_vec()
        }
    };
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (from, to) in &refs {
        let folder = folder_of(from);
        if folder.len() < 2 || folder[0] != "dialect" || !to.starts_with(&folder) {
            continue;
        }
        let node = (folder.len()..=to.len())
            .rev()
            .map(|n| to[..n].to_vec())
            .find(|p| files.contains(p) && folder_of(p) == folder)
            .unwrap_or_else(|| folder.clone());
        if &node != from {
            edges
                .entry(from.join("::"))
                .or_default()
                .entry(node.join("::"))
                .or_insert_with(|| format!("{} -> {}", from.join("::"), to.join("::")));
        }
    }
    let cycles = cycles_of(&edges);
    assert!(
        cycles.is_empty(),
        "files of a dialect import each other:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_scanner_reads_use_trees() {
    let module = vec!["lint".to_string(), "rules".to_string()];
    let refs = references(
        &module,
        "mod child;\nuse crate::{model::{ids::Scope, Model}, source};\nuse super::Rule;\nuse child::x;\nlet a = crate::driver::today();",
    );
    let joined: Vec<String> = refs.iter().map(|r| r.join("::")).collect();
    assert_eq!(
        joined,
        [
            "model::ids::Scope",
            "model::Model",
            "source",
            "lint::Rule",
            "lint::rules::child::x",
            "driver::today"
        ]
    );
    assert_eq!(layer_of(&refs[0]).map(|l| l.1), Some("model::ids".into()));
    // `super` inside an inline module; a `#[cfg(test)]` module is not read.
    let refs = references(
        &module,
        "mod inner {\n    use super::y;\n}\n#[cfg(test)]\nmod tests {\n    use crate::driver::x;\n}\n",
    );
    assert_eq!(refs, [vec!["lint", "rules", "y"]]);
}
