//! The editor packages: the VS Code extension's TextMate grammar scopes every token of every
//! example and fixture policy and knows exactly the pest grammar's keywords
//! (`editors/vscode/test/grammar.js`, vscode-textmate with vscode-oniguruma, as VS Code
//! tokenises); the tree-sitter grammar passes its corpus, parses every example and knows and
//! highlights exactly the pest grammar's keywords. The tools (node and `npm ci` in
//! editors/vscode; the tree-sitter Python bindings) may be missing on a developer's machine,
//! where the test says so and passes, except in CI (`CI=true`, where `.ci/run` installs them),
//! where it fails.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

#[test]
fn textmate_grammar_scopes_every_example() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let node = Command::new("node").arg("--version").output().is_ok();
    let modules = dir.join("node_modules/vscode-textmate").is_dir();
    if !(node && modules) {
        assert!(
            !ci,
            "CI needs node and `npm ci` in editors/vscode for the TextMate grammar test"
        );
        eprintln!("skipped: node or editors/vscode/node_modules missing (run `npm ci` there)");
        return;
    }
    let out = Command::new("node")
        .arg("test/grammar.js")
        .current_dir(&dir)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The tree-sitter grammar's corpus (`editors/tree-sitter-fenceline/test/corpus`), run as
/// `tree-sitter test` runs it by `test/corpus.py`: the committed generated parser
/// (`src/parser.c`) compiled with the C compiler and loaded by the `tree-sitter` Python
/// bindings (a PyPI wheel: `.ci/run` installs it into `.ci/venv`); also the highlight query and
/// every example, which must parse without an error node. Without the bindings the test says
/// so and passes, except in CI (`CI=true`), where it fails.
#[test]
fn tree_sitter_corpus_parses_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let venv = root.join(".ci/venv/bin/python3");
    let python = std::env::var("FENCELINE_TREE_SITTER_PYTHON")
        .ok()
        .or_else(|| venv.is_file().then(|| venv.display().to_string()))
        .unwrap_or_else(|| "python3".into());
    let bindings = Command::new(&python)
        .args(["-c", "import tree_sitter"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !bindings {
        assert!(
            !ci,
            "CI needs the tree-sitter Python bindings in {python} (`pip install tree-sitter`)"
        );
        eprintln!("skipped: no tree-sitter Python bindings in {python} (pip install tree-sitter)");
        return;
    }
    let out = Command::new(&python)
        .arg("editors/tree-sitter-fenceline/test/corpus.py")
        .arg("--examples")
        .arg(root.join("examples"))
        .current_dir(root)
        .output()
        .expect("run test/corpus.py");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The words written as `kw_NAME = @{ "word" ...` in the pest grammar.
fn pest_keywords(pest: &str) -> BTreeSet<String> {
    pest.lines()
        .filter(|l| l.starts_with("kw_"))
        .filter_map(|l| l.split('"').nth(1))
        .map(str::to_string)
        .collect()
}

/// The keyword tokens of the tree-sitter grammar: its quoted words (`'zone'`, `'sl-target'`)
/// after `rules:`, field names (`field('name', ...)`) aside.
fn tree_sitter_keywords(grammar: &str) -> BTreeSet<String> {
    let rules = grammar.split_once("rules:").map_or("", |x| x.1);
    let parts: Vec<&str> = rules.split('\'').collect();
    parts
        .iter()
        .enumerate()
        .skip(1)
        .step_by(2)
        .filter(|(i, _)| !parts[i - 1].ends_with("field("))
        .map(|(_, w)| *w)
        .filter(|w| {
            w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .map(str::to_string)
        .collect()
}

/// The words `queries/highlights.scm` captures as `@keyword`: quoted tokens and whole nodes
/// (`(safety)`) of the bracketed lists before it.
fn highlighted_keywords(query: &str) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for part in query.split("@keyword").filter(|p| !p.is_empty()) {
        let Some(list) = part.rsplit_once('[').map(|x| x.1) else {
            continue;
        };
        if list.contains(']') && !list.trim_end().ends_with(']') {
            continue;
        }
        for tok in list.split(|c: char| c.is_whitespace() || c == ']') {
            let w = tok.trim_matches(|c| c == '"' || c == '(' || c == ')');
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
            {
                words.insert(w.replace('_', "-"));
            }
        }
    }
    words
}

/// The tree-sitter grammar knows exactly the pest grammar's keywords, and its highlight query
/// colours every one of them: a keyword added to the language and forgotten in Neovim and Helix
/// fails here.
#[test]
fn tree_sitter_grammar_knows_every_keyword() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).expect(p);
    let pest = pest_keywords(&read("grammar/fenceline.pest"));
    let ts = tree_sitter_keywords(&read("editors/tree-sitter-fenceline/grammar.js"));
    let hl = highlighted_keywords(&read(
        "editors/tree-sitter-fenceline/queries/highlights.scm",
    ));
    assert!(pest.len() > 50, "{pest:?}");
    let missing: Vec<&String> = pest.difference(&ts).collect();
    let extra: Vec<&String> = ts.difference(&pest).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "grammar.js lacks {missing:?}, has words the language does not: {extra:?}"
    );
    let unhighlighted: Vec<&String> = pest.difference(&hl).collect();
    let unknown: Vec<&String> = hl.difference(&pest).collect();
    assert!(
        unhighlighted.is_empty() && unknown.is_empty(),
        "highlights.scm does not colour {unhighlighted:?}; colours non-keywords {unknown:?}"
    );
}
