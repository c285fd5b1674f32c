//! Every example in `examples/` checks without errors, and its findings are the intended ones.
//!
//! `tests/lint/examples.expected` lists each example's findings as `file: CODE[ (suppressed)]:
//! message`; without line numbers, so that editing an example elsewhere does not break it.
//! Examples listed there must report exactly those; an example not listed yet (being written)
//! must only be free of errors, and its findings are printed. After an intended change,
//! regenerate the list with `UPDATE_EXAMPLES=1 cargo test --test lint_examples` and review
//! the diff.

use fenceline::driver::{check_path, CheckOptions};
use std::collections::BTreeMap;
use std::path::PathBuf;

const EXPECTED: &str = "tests/lint/examples.expected";
/// Fixed so that expiring exceptions in the examples do not change results over time.
const TODAY: &str = "2026-06-01";

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("examples")
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "fence"))
        .collect();
    v.sort();
    v
}

/// file name -> finding lines (`file: CODE[ (suppressed)]: message`).
fn read_expected() -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in std::fs::read_to_string(EXPECTED)
        .unwrap_or_default()
        .lines()
    {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let file = line.split(':').next().unwrap_or("").to_string();
        m.entry(file).or_default().push(line.to_string());
    }
    m
}

#[test]
fn examples_check_clean_with_intended_findings() {
    let expected = read_expected();
    let mut actual_all: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for path in examples() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let opts = CheckOptions {
            today: Some(TODAY.into()),
            ..Default::default()
        };
        let checked = check_path(&path, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            problems.push(format!(
                "{name}: unexpected error {}",
                fenceline::diagnostic::render::concise(d, &checked.sources)
            ));
        }
        let mut lines: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| {
                let sup = if d.suppressed.is_some() {
                    " (suppressed)"
                } else {
                    ""
                };
                format!("{name}: {}{sup}: {}", d.code, d.message)
            })
            .collect();
        lines.sort();
        match expected.get(&name) {
            Some(exp) => {
                let mut exp = exp.clone();
                exp.sort();
                if exp != lines && std::env::var_os("UPDATE_EXAMPLES").is_none() {
                    problems.push(format!(
                        "{name}: findings differ from {EXPECTED}\n  expected: {exp:?}\n  actual:   {lines:?}"
                    ));
                }
            }
            None => {
                for d in &checked.diagnostics {
                    println!(
                        "{name} (not in {EXPECTED} yet): {}",
                        fenceline::diagnostic::render::concise(d, &checked.sources)
                    );
                }
            }
        }
        actual_all.insert(name, lines);
    }
    if std::env::var_os("UPDATE_EXAMPLES").is_some() {
        let mut text = String::from(
            "# Intended findings of every example (see tests/lint_examples.rs); `(suppressed)`: silenced by an exception.\n",
        );
        for lines in actual_all.values() {
            for l in lines {
                text.push_str(l);
                text.push('\n');
            }
        }
        std::fs::write(EXPECTED, text).expect("write examples.expected");
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
