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
