//! The editor packages: the VS Code extension's TextMate grammar scopes every token of every
//! example and fixture policy and knows exactly the pest grammar's keywords
//! (`editors/vscode/test/grammar.js`, vscode-textmate with vscode-oniguruma, as VS Code
//! tokenises). Needs node and `npm ci` in editors/vscode; without them the test says so and
//! passes, except in CI (`CI=true`, where `.ci/run` installs them), where it fails.

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

/// The tree-sitter grammar's corpus (`editors/tree-sitter-fenceline/test/corpus`): the parser
/// generated from `grammar.js` in a scratch copy, then `tree-sitter test`. Needs the
/// `tree-sitter` CLI (`cargo install --locked tree-sitter-cli`); skipped without it, except
/// when `.ci/run` installed it (`FENCELINE_TREE_SITTER=1`).
#[test]
fn tree_sitter_corpus_parses_as_written() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/tree-sitter-fenceline");
    let cli = std::env::var("TREE_SITTER").unwrap_or_else(|_| "tree-sitter".into());
    let required = std::env::var("FENCELINE_TREE_SITTER").is_ok_and(|v| v == "1");
    if Command::new(&cli).arg("--version").output().is_err() {
        assert!(!required, "FENCELINE_TREE_SITTER=1 but no `{cli}` CLI");
        eprintln!("skipped: no tree-sitter CLI (cargo install --locked tree-sitter-cli)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for rel in [
        "grammar.js",
        "package.json",
        "tree-sitter.json",
        "queries/highlights.scm",
        "test/corpus/declarations.txt",
    ] {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(src.join(rel), &to).expect("copy");
    }
    for args in [&["generate"][..], &["test"][..]] {
        let out = Command::new(&cli)
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("run tree-sitter");
        assert!(
            out.status.success(),
            "tree-sitter {args:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
