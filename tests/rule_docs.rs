//! `docs/rules/` is generated from the rule registry (`src/lint/rules/*.rs` doc comments). This
//! test fails when the committed pages are stale, when a page has no rule, or when a rule lacks
//! a documentation section or a fixture. Regenerate with
//! `UPDATE_DOCS=1 cargo test --test rule_docs` or `fenceline rules --markdown docs/rules`.

use fenceline::lint::{docs, rules, DOC_SECTIONS};
use std::path::Path;

const DIR: &str = "docs/rules";

#[test]
fn rule_docs_are_up_to_date() {
    let files = docs::files();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(DIR).expect("create docs/rules");
        for entry in std::fs::read_dir(DIR).expect("docs/rules").flatten() {
            let p = entry.path();
            if p.extension().is_some_and(|e| e == "md")
                && !files.iter().any(|(n, _)| p.ends_with(n))
            {
                std::fs::remove_file(&p).expect("remove stale page");
            }
        }
        for (name, text) in &files {
            std::fs::write(Path::new(DIR).join(name), text).expect("write page");
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &files {
        match std::fs::read_to_string(Path::new(DIR).join(name)) {
            Ok(on_disk) if on_disk == *text => {}
            Ok(_) => stale.push(format!("{name} is stale")),
            Err(_) => stale.push(format!("{name} is missing")),
        }
    }
    for entry in std::fs::read_dir(DIR).expect("docs/rules").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !files.iter().any(|(n, _)| *n == name) {
            stale.push(format!("{name} documents no rule"));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\nregenerate with `UPDATE_DOCS=1 cargo test --test rule_docs`",
        stale.join("\n")
    );
}

#[test]
fn every_rule_has_every_section_and_a_fixture() {
    for r in rules::ALL {
        let doc = r.doc();
        for s in DOC_SECTIONS {
            assert!(
                doc.contains(&format!("## {s}\n")),
                "{}: doc section `{s}` missing",
                r.id
            );
        }
        let fixture = format!("tests/lint/{}.fence", r.stem());
        assert!(
            Path::new(&fixture).is_file(),
            "{}: fixture {fixture} missing",
            r.id
        );
        assert!(
            Path::new(r.file).ends_with(format!("{}.rs", r.stem())),
            "{}",
            r.id
        );
    }
}

#[test]
fn explain_prints_the_doc_comment() {
    for r in rules::ALL {
        let text = fenceline::cli::explain::explain(r.id).expect("explain");
        assert!(text.contains(&r.doc()), "{}", r.id);
        assert_eq!(
            fenceline::cli::explain::explain(r.name).as_deref(),
            Some(text.as_str())
        );
    }
    assert!(fenceline::cli::explain::explain("E0004").is_some_and(|t| t.contains("host bits")));
    assert!(fenceline::cli::explain::explain("NOPE-001").is_none());
}

/// Rules whose Example cannot be shown by a policy alone (it needs a `fenceline.toml` setting,
/// say): their blocks must still parse and resolve, and their Example section says why with
/// the words "cannot be shown by a policy alone". Empty today: the date a rule reads is given
/// in the block itself (`# today: YYYY-MM-DD`, as in the lint fixtures).
const NOT_SHOWN_BY_A_POLICY: &[&str] = &[];

/// Every date-dependent example without a `# today:` line is checked on this day.
const EXAMPLE_TODAY: &str = "2026-06-01";

/// The ```fence blocks of one `## SECTION` of a rule's doc.
fn fence_blocks(doc: &str, section: &str) -> Vec<String> {
    let head = format!("## {section}\n");
    let Some(start) = doc.find(&head) else {
        return Vec::new();
    };
    let body = &doc[start + head.len()..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    let mut blocks = Vec::new();
    let mut cur: Option<String> = None;
    for line in body.lines() {
        match (&mut cur, line.trim_end()) {
            (None, "```fence") => cur = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                cur = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// (code, suppressed) of every finding of a block, checked as a whole policy.
fn findings(rule: &str, section: &str, block: &str) -> Vec<(String, bool)> {
    let today = block
        .lines()
        .find_map(|l| l.trim().strip_prefix("# today:"))
        .map(|t| t.trim().to_string())
        .unwrap_or_else(|| EXAMPLE_TODAY.to_string());
    let opts = fenceline::driver::CheckOptions {
        today: Some(today),
        ..Default::default()
    };
    let name = format!("{rule}-{section}.fence");
    let checked = fenceline::driver::check_text(&name, Path::new(&name), block.to_string(), &opts);
    checked
        .diagnostics
        .iter()
        .map(|d| (d.code.clone(), d.suppressed.is_some()))
        .collect()
}

/// The documentation's own codes (E0001...): a block with one does not parse or resolve.
fn is_language_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with('E') && code[1..].chars().all(|c| c.is_ascii_digit())
}

/// Every rule's page shows a bad and a good example, both tested: its `## Example` is one
/// complete policy (no `...`) that parses, resolves and raises the rule (not suppressed), its
/// `## Use instead` one that parses, resolves and raises no finding of the rule at all.
#[test]
fn every_rule_doc_example_raises_the_rule_and_its_use_instead_does_not() {
    let mut problems = Vec::new();
    for r in rules::ALL {
        let doc = r.doc();
        for (section, should_raise) in [("Example", true), ("Use instead", false)] {
            let blocks = fence_blocks(&doc, section);
            if blocks.len() != 1 {
                problems.push(format!(
                    "{}: `## {section}` has {} ```fence blocks, not one complete policy",
                    r.id,
                    blocks.len()
                ));
                continue;
            }
            let block = &blocks[0];
            if block.contains("...") {
                problems.push(format!("{}: `## {section}` is not complete (`...`)", r.id));
            }
            let found = findings(r.id, section, block);
            let errors: Vec<&String> = found
                .iter()
                .map(|(c, _)| c)
                .filter(|c| is_language_code(c))
                .collect();
            if !errors.is_empty() {
                problems.push(format!(
                    "{}: `## {section}` does not parse or resolve: {errors:?}",
                    r.id
                ));
            }
            if NOT_SHOWN_BY_A_POLICY.contains(&r.id) {
                if should_raise && !doc.contains("cannot be shown by a policy alone") {
                    problems.push(format!(
                        "{}: listed as not shown by a policy, but its doc does not say so",
                        r.id
                    ));
                }
                continue;
            }
            let raised = found.iter().any(|(c, s)| c == r.id && !s);
            let any = found.iter().any(|(c, _)| c == r.id);
            if should_raise && !raised {
                problems.push(format!(
                    "{}: `## Example` does not raise the rule; findings: {found:?}",
                    r.id
                ));
            }
            if !should_raise && any {
                problems.push(format!(
                    "{}: `## Use instead` raises the rule; findings: {found:?}",
                    r.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The harness itself: a block is read whole from its section only, and `...` is refused.
#[test]
fn fence_blocks_are_read_per_section() {
    let doc = "## Example\ntext\n```fence\nzone a { ... }\n```\n\n## Use instead\n```fence\nzone b\n```\n```fence\nzone c\n```\n## References\n```fence\nzone d\n```\n";
    assert_eq!(fence_blocks(doc, "Example"), vec!["zone a { ... }\n"]);
    assert_eq!(
        fence_blocks(doc, "Use instead"),
        vec!["zone b\n", "zone c\n"]
    );
    assert!(fence_blocks(doc, "Why is this bad").is_empty());
}
