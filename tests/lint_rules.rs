//! Lint rule fixtures: `tests/lint/<rule file stem>.fence`, one per rule.
//!
//! Header lines say what to run: `# rules: FR5-003, FR3-001` (the codes compared; language
//! errors E0001... are always compared) and optionally `# today: YYYY-MM-DD` (default
//! 2026-06-01). A line where a finding's span starts carries `# expect: ID[, ID...]`, or
//! `# expect-suppressed: ID` for a finding an exception silences. The harness compares the
//! exact multiset of (line, code, suppressed), then snapshots the rendered report
//! (`INSTA_UPDATE=always cargo test --test lint_rules` after an intended change).
//!
//! `check` emits every target, so rules that targets report while emitting (status `target`)
//! fire here too, through the same filter (configuration, exceptions) as every other rule.
//!
//! To add a case: write the policy, mark the lines, run the test, review the snapshot.

use fenceline::diagnostic::render::{self, HumanStyle};
use fenceline::driver::{check_path, CheckOptions};
use std::path::{Path, PathBuf};

const DEFAULT_TODAY: &str = "2026-06-01";

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("tests/lint")
        .expect("tests/lint")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "fence"))
        .collect();
    v.sort();
    v
}

struct Fixture {
    rules: Vec<String>,
    today: String,
    /// (line, code, suppressed), sorted.
    expected: Vec<(usize, String, bool)>,
}

fn codes(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
}

fn parse_fixture(text: &str) -> Fixture {
    let mut f = Fixture {
        rules: Vec::new(),
        today: DEFAULT_TODAY.to_string(),
        expected: Vec::new(),
    };
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find('#') else { continue };
        let comment = line[pos + 1..].trim();
        if let Some(r) = comment.strip_prefix("rules:") {
            f.rules.extend(codes(r));
        } else if let Some(t) = comment.strip_prefix("today:") {
            f.today = t.trim().to_string();
        } else if let Some(c) = comment.strip_prefix("expect-suppressed:") {
            f.expected.extend(codes(c).map(|c| (i + 1, c, true)));
        } else if let Some(c) = comment.strip_prefix("expect:") {
            f.expected.extend(codes(c).map(|c| (i + 1, c, false)));
        }
    }
    f.expected.sort();
    f
}

/// E0001...: the language's own codes (not EXC-001).
fn is_language_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with('E') && code[1..].chars().all(|c| c.is_ascii_digit())
}

/// Checks the fixture; `check` emits every target, so rules with status `target` report too.
fn run(path: &Path, today: &str) -> fenceline::driver::Checked {
    let opts = CheckOptions {
        today: Some(today.to_string()),
        ..Default::default()
    };
    check_path(path, &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_fixture_reports_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    let mut rendered = Vec::new();
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let fx = parse_fixture(&text);
        assert!(
            !fx.rules.is_empty(),
            "{}: no `# rules:` header",
            path.display()
        );
        let checked = run(&path, &fx.today);
        let mut actual: Vec<(usize, String, bool)> = checked
            .diagnostics
            .iter()
            .filter(|d| fx.rules.contains(&d.code) || is_language_code(&d.code))
            .map(|d| {
                let line = d
                    .span
                    .map(|s| checked.sources.get(s.file).line_col(s.start as usize).0)
                    .unwrap_or(0);
                (line, d.code.clone(), d.suppressed.is_some())
            })
            .collect();
        actual.sort();
        if actual != fx.expected {
            let all: Vec<String> = checked
                .diagnostics
                .iter()
                .map(|d| render::concise(d, &checked.sources))
                .collect();
            failures.push(format!(
                "{}:\n  expected {:?}\n  actual   {:?}\n  all findings:\n    {}",
                path.display(),
                fx.expected,
                actual,
                all.join("\n    ")
            ));
        }
        rendered.push((path.clone(), fx.rules.clone(), checked));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
    for (path, rules, checked) in rendered {
        let text: String = checked
            .diagnostics
            .iter()
            .filter(|d| rules.contains(&d.code) || is_language_code(&d.code))
            .map(|d| render::human(d, &checked.sources, HumanStyle::plain(100)))
            .collect::<Vec<_>>()
            .join("\n");
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("fixture")
            .to_string();
        insta::with_settings!({ snapshot_path => "snapshots/lint", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(stem, text);
        });
    }
}

#[test]
fn every_rule_has_a_fixture_that_fires_it() {
    for rule in fenceline::lint::rules::ALL {
        let path = PathBuf::from(format!("tests/lint/{}.fence", rule.stem()));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "{}: no fixture {} (see tests/lint_rules.rs)",
                rule.id,
                path.display()
            )
        });
        let fx = parse_fixture(&text);
        assert!(
            fx.rules.iter().any(|r| r == rule.id),
            "{}: fixture does not select the rule",
            rule.id
        );
        assert!(
            fx.expected.iter().any(|(_, c, s)| c == rule.id && !s),
            "{}: fixture has no line that fires the rule",
            rule.id
        );
    }
}

#[test]
fn severity_overrides_and_off() {
    let path = Path::new("tests/lint/fr3_001_cleartext_industrial_protocol.fence");
    let mut opts = CheckOptions {
        today: Some(DEFAULT_TODAY.into()),
        ..Default::default()
    };
    let before = check_path(path, &opts).expect("check");
    assert!(before
        .diagnostics
        .iter()
        .any(|d| d.code == "FR3-001" && d.severity == fenceline::Severity::Error));
    opts.lint
        .severity
        .insert("FR3-001".into(), Some(fenceline::Severity::Note));
    let after = check_path(path, &opts).expect("check");
    assert!(after
        .diagnostics
        .iter()
        .filter(|d| d.code == "FR3-001")
        .all(|d| d.severity == fenceline::Severity::Note));
    opts.lint.severity.insert("FR3-001".into(), None);
    let off = check_path(path, &opts).expect("check");
    assert!(!off
        .diagnostics
        .iter()
        .any(|d| d.code == "FR3-001" || d.code == "EXC-002"));
}

#[test]
fn wildcard_width_is_configurable() {
    let path = Path::new("tests/lint/fr5_003_wildcard_flow.fence");
    let count = |w: Option<u32>| {
        let mut opts = CheckOptions {
            today: Some(DEFAULT_TODAY.into()),
            ..Default::default()
        };
        opts.lint.max_port_range = w;
        check_path(path, &opts)
            .expect("check")
            .diagnostics
            .iter()
            .filter(|d| d.code == "FR5-003")
            .count()
    };
    // udp/5000-5100 (101 ports) passes by default, fails at width 100; tcp/1-1000 passes at 1000.
    assert_eq!(count(Some(100)), count(None) + 1);
    assert_eq!(count(Some(1000)), count(None) - 1);
}

/// OUT-001 sweeps intervals: a policy with thousands of flows in one conduit stays fast.
#[test]
fn redundancy_check_scales() {
    let mut text = String::from(
        "zone a { level 2  sl-target 2  network 10.0.0.0/8 }\nzone b { level 1  sl-target 2  network 11.0.0.0/8 }\nconduit ab {\n  connects a, b\n",
    );
    for i in 0..3000u32 {
        text.push_str(&format!("  allow a -> b tcp/{}\n", 1000 + i));
    }
    text.push_str("  allow a -> b tcp/1500\n}\n");
    let opts = CheckOptions {
        today: Some(DEFAULT_TODAY.into()),
        ..Default::default()
    };
    let start = std::time::Instant::now();
    let c = fenceline::driver::check_text("big.fence", Path::new("big.fence"), text, &opts);
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    assert_eq!(
        c.diagnostics.iter().filter(|d| d.code == "OUT-001").count(),
        1
    );
}
