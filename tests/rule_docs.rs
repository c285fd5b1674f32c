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
