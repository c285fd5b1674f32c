//! `docs/rules/`, generated from the registry: one page per rule (its doc comment under a
//! header with ID, name, severity, reference and status) and an index. A test compares the
//! files in the repository with this output; `fenceline rules --markdown docs/rules` or
//! `UPDATE_DOCS=1 cargo test --test rule_docs` regenerates them.

use super::{rules, Rule};

/// Name of a rule's page: `FR5-003.md`.
pub fn page_name(rule: &Rule) -> String {
    format!("{}.md", rule.id)
}

/// The page of one rule.
pub fn page(rule: &Rule) -> String {
    let mut s = format!("# {} `{}`\n\n", rule.id, rule.name);
    s.push_str("<!-- generated from src/lint/rules by `fenceline rules --markdown docs/rules`; do not edit -->\n\n");
    s.push_str("| | |\n|---|---|\n");
    s.push_str(&format!(
        "| default severity | {} |\n",
        rule.severity.as_str()
    ));
    s.push_str(&format!("| IEC 62443 | {} |\n", rule.reference));
    s.push_str(&format!("| status | {} |\n", rule.status.as_str()));
    s.push_str(&format!(
        "| source | `src/lint/rules/{}.rs` |\n\n",
        rule.stem()
    ));
    // Shift the doc's `##` sections under the page title.
    s.push_str(&rule.doc());
    s
}

/// The precision and recall of the rule set on the realistic-plant corpus (`tests/corpus/`),
/// written by `tests/corpus.rs` (`UPDATE_DOCS=1 cargo test --test corpus`).
pub const CORPUS_FIGURES: &str = include_str!("../../data/lint-corpus-figures.md");

/// The index page: a table of every rule, then the corpus's figures.
pub fn index() -> String {
    index_with(CORPUS_FIGURES)
}

/// The index page with `figures` as the corpus's table (the corpus test computes them).
pub fn index_with(figures: &str) -> String {
    let mut s = String::from("# Lint rules\n\n");
    s.push_str("<!-- generated from src/lint/rules by `fenceline rules --markdown docs/rules`; do not edit -->\n\n");
    s.push_str("Every finding of `fenceline check` carries one of these codes; `fenceline explain CODE` prints the\n");
    s.push_str(
        "page. Severities can be changed per rule in `fenceline.toml` (`[rules]`), and an\n",
    );
    s.push_str("`exception CODE \"justification\" until DATE` on a flow, conduit or zone suppresses a finding there.\n\n");
    s.push_str("| ID | name | severity | IEC 62443 | status | what it flags |\n|---|---|---|---|---|---|\n");
    for r in rules::ALL {
        s.push_str(&format!(
            "| [{}]({}) | `{}` | {} | {} | {} | {} |\n",
            r.id,
            page_name(r),
            r.name,
            r.severity.as_str(),
            r.reference,
            r.status.as_str(),
            r.summary().replace('|', "\\|")
        ));
    }
    s.push_str("\n## Precision and recall\n\n");
    s.push_str("Measured on the realistic-plant corpus, `tests/corpus/`: plants of 10 or more zones written like real\n");
    s.push_str("sites, each with deliberate mistakes (planted violations) and deliberately sanctioned designs that\n");
    s.push_str("must stay silent, and a `RATIONALE.md` that reviews every finding against IEC 62443. Precision is\n");
    s.push_str("the share of reported findings a reviewer keeps (findings an `exception` accepts are reviewed but\n");
    s.push_str("not counted); recall the share of planted violations that a kept finding of a rule meant for them\n");
    s.push_str("reports; `silent` counts the sanctioned designs that raise no reported finding. `tests/corpus.rs`\n");
    s.push_str("computes the table and fails when it differs.\n\n");
    s.push_str(figures);
    s
}

/// Every generated file: (file name, contents), index first.
pub fn files() -> Vec<(String, String)> {
    let mut v = vec![("README.md".to_string(), index())];
    v.extend(rules::ALL.iter().map(|r| (page_name(r), page(r))));
    v
}
