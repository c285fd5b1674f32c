//! One fixture per language diagnostic code in `tests/diagnostics/`: the first line of each
//! fixture names the code it shows (`# E0004: ...`). The harness checks that the code is reported
//! and snapshots every language diagnostic rendered as a user sees it (no colour, width 100).

use fenceline::diagnostic::render::{human, HumanStyle};
use fenceline::driver::{check_path, CheckOptions};
use std::path::Path;

fn fixtures() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir("tests/diagnostics")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fence"))
        .collect();
    v.sort();
    v
}

fn is_language_code(code: &str) -> bool {
    code.starts_with('E') || code == "FR5-001"
}

#[test]
fn every_fixture_reports_its_code_and_renders_stably() {
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let mut seen = Vec::new();
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("# ")
            .split(':')
            .next()
            .unwrap()
            .to_string();
        let checked = check_path(&path, &opts).unwrap();
        let codes: Vec<&str> = checked
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert!(
            codes.contains(&code.as_str()),
            "{}: expected {code}, got {codes:?}",
            path.display()
        );
        assert!(
            checked.has_errors(),
            "{}: a fixture of an error must fail the check",
            path.display()
        );
        let rendered: String = checked
            .diagnostics
            .iter()
            .filter(|d| is_language_code(&d.code))
            .map(|d| human(d, &checked.sources, HumanStyle::plain(100)))
            .collect::<Vec<_>>()
            .join("\n");
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_snapshot!(name, rendered);
        seen.push(code);
    }
    // Every language code that can come from a policy has a fixture.
    for c in fenceline::diagnostic::codes::ALL {
        // Expectations and limits have their own tests.
        let exempt = [
            "E0020", "E0024", "E0058", "E0059", "E0060", "E0061", "E0062",
        ];
        if !exempt.contains(&c.code) {
            assert!(
                seen.iter().any(|s| s == c.code),
                "no fixture for {}",
                c.code
            );
        }
    }
}

#[test]
fn fixtures_never_panic_when_truncated() {
    // Every prefix of every fixture parses or fails with a diagnostic, never a panic.
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).unwrap();
        for cut in (0..text.len())
            .step_by(7)
            .filter(|i| text.is_char_boundary(*i))
        {
            let _ = fenceline::driver::check_text(
                "cut.fence",
                Path::new("tests/diagnostics/cut.fence"),
                text[..cut].to_string(),
                &opts,
            );
        }
    }
}
