//! The realistic-plant corpus (`tests/corpus/<plant>/`): what the rule set finds on plants written
//! like real sites, each with deliberate mistakes and deliberately sanctioned designs.
//!
//! For every plant this test runs `fenceline check` (the real binary, `--today 2026-06-01` so that
//! expiring exceptions do not change the result over time) and:
//!
//! 1. compares the findings with `expected.txt` exactly, one `file:line:col: severity[CODE]:
//!    message` line each (`fenceline check --format concise --show-suppressed`);
//! 2. reads `RATIONALE.md` and fails when a finding is not reviewed there or a reviewed finding no
//!    longer occurs (a finding's key is its line without the location), and when a finding's
//!    review or a deliberate silence cites no IEC 62443 requirement (`SR n.n`, `ZCR n`);
//! 3. computes precision (findings reviewed `keep` / findings reported; findings an exception
//!    accepts are reviewed but not counted) and recall (planted violations found by a kept finding
//!    of a rule meant to catch them / planted violations), checks the `found today` and `silent
//!    today` columns of the rationale against them, and checks the figures in
//!    `docs/rules/README.md` (kept in `data/lint-corpus-figures.md`, which the index includes).
//!
//! After an intended change: `UPDATE_CORPUS=1 cargo test --test corpus` rewrites `expected.txt`,
//! then review every changed line in `RATIONALE.md` (verdict, cases, the two columns), then
//! `UPDATE_DOCS=1 cargo test --test corpus` rewrites the figures.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const DIR: &str = "tests/corpus";
const TODAY: &str = "2026-06-01";
const FIGURES: &str = "data/lint-corpus-figures.md";
const README: &str = "docs/rules/README.md";

fn plants() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(DIR)
        .expect("tests/corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("policy.fence").is_file())
        .collect();
    v.sort();
    v
}

fn name(plant: &Path) -> String {
    plant
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string()
}

/// One finding of `check`, as printed by `--format concise --show-suppressed`.
#[derive(Debug, Clone)]
struct Finding {
    /// The whole line, with the file relative to the plant's directory.
    line: String,
    /// The line without its location: what RATIONALE.md reviews.
    key: String,
    code: String,
    suppressed: bool,
}

fn parse_finding(line: &str) -> Option<Finding> {
    // `file:line:col: severity[CODE]: message[ (suppressed)]`, or without a location.
    let sev_at = ["error[", "warning[", "note["]
        .iter()
        .filter_map(|s| line.find(s))
        .min()?;
    let key = line[sev_at..].to_string();
    let code = key[key.find('[')? + 1..key.find(']')?].to_string();
    Some(Finding {
        line: line.to_string(),
        suppressed: key.ends_with(" (suppressed)"),
        key,
        code,
    })
}

fn check(plant: &Path) -> Vec<Finding> {
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args([
            "check",
            "--format",
            "concise",
            "--show-suppressed",
            "--color",
            "never",
        ])
        .args(["--today", TODAY])
        .arg(plant.join("policy.fence"))
        .env_remove("FENCELINE_FORMAT")
        .output()
        .expect("run fenceline check");
    let code = out.status.code();
    assert!(
        matches!(code, Some(0) | Some(1)),
        "{}: check exited {code:?}\n{}",
        plant.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    // Findings go to standard error (standard output is for answers).
    let prefix = format!("{}/", plant.display());
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| parse_finding(l.strip_prefix(&prefix).unwrap_or(l)))
        .collect()
}

/// The rows of the table under `## heading` (cells unescaped, header and separator skipped).
fn table(text: &str, heading: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut inside = false;
    let mut header_seen = false;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            inside = h.trim() == heading;
            header_seen = false;
            continue;
        }
        if !inside || !line.starts_with('|') {
            continue;
        }
        if !header_seen {
            header_seen = true;
            continue;
        }
        if line.starts_with("|---") || line.starts_with("| ---") {
            continue;
        }
        rows.push(cells(line));
    }
    rows
}

/// Cells of a markdown table row; `\|` is a literal bar.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

fn ids(cell: &str) -> BTreeSet<String> {
    cell.split(',')
        .map(|s| s.trim().trim_matches('`').to_string())
        .filter(|s| !s.is_empty() && s != "—" && s != "-")
        .collect()
}

/// `yes (FR5-007, FR7-002)` -> (true, {FR5-007, FR7-002}); `no` -> (false, {}).
fn yes_no(cell: &str) -> Option<(bool, BTreeSet<String>)> {
    let (word, rest) = match cell.split_once('(') {
        Some((w, r)) => (w.trim(), r.trim_end_matches(')')),
        None => (cell.trim(), ""),
    };
    let b = match word {
        "yes" => true,
        "no" => false,
        _ => return None,
    };
    Some((b, ids(rest)))
}

fn fmt_codes(v: &BTreeSet<String>) -> String {
    v.iter().cloned().collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    zones: usize,
    reported: usize,
    kept: usize,
    planted: usize,
    found: usize,
    silences: usize,
    silent: usize,
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "—".into()
    } else {
        format!("{:.0} %", 100.0 * a as f64 / b as f64)
    }
}

/// The table of figures, as `data/lint-corpus-figures.md` holds it.
fn figures_table(per_plant: &[(String, Figures)]) -> String {
    let mut s = String::from(
        "| plant | zones | findings | kept | precision | planted violations | found | recall | sanctioned designs | silent |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut total = Figures::default();
    let row = |name: &str, f: &Figures| {
        format!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            f.zones,
            f.reported,
            f.kept,
            pct(f.kept, f.reported),
            f.planted,
            f.found,
            pct(f.found, f.planted),
            f.silences,
            f.silent
        )
    };
    for (name, f) in per_plant {
        s.push_str(&row(
            &format!("[{name}](../../tests/corpus/{name}/RATIONALE.md)"),
            f,
        ));
        total.zones += f.zones;
        total.reported += f.reported;
        total.kept += f.kept;
        total.planted += f.planted;
        total.found += f.found;
        total.silences += f.silences;
        total.silent += f.silent;
    }
    s.push_str(&row("**all**", &total));
    s
}

/// The number of zones of the plant's model (0 when the policy does not resolve).
fn zones(plant: &Path) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(["debug", "model"])
        .arg(plant.join("policy.fence"))
        .stderr(std::process::Stdio::null())
        .output()
        .expect("run fenceline debug model");
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| v["zones"].as_array().map(|a| a.len()))
        .unwrap_or(0)
}

/// Whether a rationale cell cites an IEC 62443 requirement: an SR of 62443-3-3 (`SR 3.1`,
/// `SR 5.1 RE3`) or a ZCR of 62443-3-2 (`ZCR 3.2`, `ZCR 5`).
fn cites_requirement(text: &str) -> bool {
    ["SR ", "ZCR "].iter().any(|id| {
        text.match_indices(id).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + id.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && after.is_some_and(|c| c.is_ascii_digit())
        })
    })
}

/// Reviews one plant; returns its figures and pushes every problem found.
fn review(plant: &Path, problems: &mut Vec<String>) -> Figures {
    let pname = name(plant);
    let findings = check(plant);

    // 1. expected.txt
    let expected_path = plant.join("expected.txt");
    let mut text = format!(
        "# `fenceline check --format concise --show-suppressed --today {TODAY}` on {pname}/policy.fence\n\
         # (tests/corpus.rs; regenerate with UPDATE_CORPUS=1 and review RATIONALE.md)\n"
    );
    for f in &findings {
        text.push_str(&f.line);
        text.push('\n');
    }
    if std::env::var_os("UPDATE_CORPUS").is_some() {
        std::fs::write(&expected_path, &text).expect("write expected.txt");
    }
    let on_disk = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if on_disk != text {
        let diff = similar::TextDiff::from_lines(&on_disk, &text)
            .unified_diff()
            .header("expected.txt", "check")
            .to_string();
        problems.push(format!(
            "{pname}: findings differ from expected.txt (UPDATE_CORPUS=1 rewrites it):\n{diff}"
        ));
    }

    // 2. RATIONALE.md
    let rationale = std::fs::read_to_string(plant.join("RATIONALE.md")).unwrap_or_default();
    let mut reviewed: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for row in table(&rationale, "Findings") {
        if row.len() < 4 {
            problems.push(format!(
                "{pname}: RATIONALE.md finding row needs 4 cells: {row:?}"
            ));
            continue;
        }
        let verdict = row[1].clone();
        if verdict != "keep" && verdict != "false positive" {
            problems.push(format!(
                "{pname}: verdict `{verdict}` is neither `keep` nor `false positive`: {}",
                row[0]
            ));
        }
        if row[3].is_empty() {
            problems.push(format!(
                "{pname}: finding reviewed without a reason: {}",
                row[0]
            ));
        } else if !cites_requirement(&row[3]) {
            problems.push(format!(
                "{pname}: finding reviewed without an IEC 62443 requirement (`SR n.n`, `ZCR n`): {}",
                row[0]
            ));
        }
        if reviewed
            .insert(row[0].clone(), (verdict, ids(&row[2])))
            .is_some()
        {
            problems.push(format!("{pname}: finding reviewed twice: {}", row[0]));
        }
    }
    let occurring: BTreeSet<&str> = findings.iter().map(|f| f.key.as_str()).collect();
    for k in &occurring {
        if !reviewed.contains_key(*k) {
            problems.push(format!(
                "{pname}: finding not reviewed in RATIONALE.md: {k}"
            ));
        }
    }
    for k in reviewed.keys() {
        if !occurring.contains(k.as_str()) {
            problems.push(format!(
                "{pname}: RATIONALE.md reviews a finding that no longer occurs: {k}"
            ));
        }
    }

    // 3. planted violations and sanctioned designs
    let planted = table(&rationale, "Planted violations");
    let silences = table(&rationale, "Deliberate silences");
    let mut known: BTreeSet<String> = BTreeSet::new();
    for row in planted.iter().chain(silences.iter()) {
        if !known.insert(row[0].clone()) {
            problems.push(format!("{pname}: case {} listed twice", row[0]));
        }
    }
    for row in &silences {
        if !row.get(3).is_some_and(|why| cites_requirement(why)) {
            problems.push(format!(
                "{pname}: deliberate silence {} does not cite the IEC 62443 requirement it follows (`SR n.n`, `ZCR n`)",
                row[0]
            ));
        }
    }
    let planted_ids: BTreeSet<String> = planted.iter().map(|r| r[0].clone()).collect();
    for (k, (verdict, cases)) in &reviewed {
        for c in cases {
            // A finding an exception accepts may name the sanctioned design the exception
            // documents (a flow into a safety zone): the exception is how to accept it.
            let accepted = k.ends_with(" (suppressed)");
            if !known.contains(c) {
                problems.push(format!("{pname}: finding names unknown case {c}: {k}"));
            } else if !accepted && planted_ids.contains(c) != (verdict == "keep") {
                problems.push(format!(
                    "{pname}: a `{verdict}` finding names {} {c}: {k}",
                    if planted_ids.contains(c) {
                        "planted violation"
                    } else {
                        "sanctioned design"
                    }
                ));
            }
        }
    }
    // Reported (not suppressed) findings naming a case: case -> codes.
    let mut naming: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for f in findings.iter().filter(|f| !f.suppressed) {
        if let Some((_, cases)) = reviewed.get(&f.key) {
            for c in cases {
                naming.entry(c.as_str()).or_default().insert(f.code.clone());
            }
        }
    }
    let mut figures = Figures {
        zones: zones(plant),
        ..Figures::default()
    };
    for row in &planted {
        // | id | violation | where | should be caught by | found today |
        if row.len() < 5 {
            problems.push(format!("{pname}: planted row needs 5 cells: {row:?}"));
            continue;
        }
        let catchers = ids(&row[3]);
        let by: BTreeSet<String> = naming
            .get(row[0].as_str())
            .map(|codes| codes.intersection(&catchers).cloned().collect())
            .unwrap_or_default();
        let found = !by.is_empty();
        figures.planted += 1;
        figures.found += usize::from(found);
        let want = if found {
            format!("yes ({})", fmt_codes(&by))
        } else {
            "no".into()
        };
        if yes_no(&row[4]) != Some((found, by.clone())) {
            problems.push(format!(
                "{pname}: planted {}: `found today` says `{}`, the findings say `{want}`",
                row[0], row[4]
            ));
        }
    }
    for row in &silences {
        // | id | design | where | why it must stay silent | silent today |
        if row.len() < 5 {
            problems.push(format!("{pname}: silence row needs 5 cells: {row:?}"));
            continue;
        }
        let by = naming.get(row[0].as_str()).cloned().unwrap_or_default();
        let silent = by.is_empty();
        figures.silences += 1;
        figures.silent += usize::from(silent);
        let want = if silent {
            "yes".to_string()
        } else {
            format!("no ({})", fmt_codes(&by))
        };
        if yes_no(&row[4]) != Some((silent, by.clone())) {
            problems.push(format!(
                "{pname}: sanctioned design {}: `silent today` says `{}`, the findings say `{want}`",
                row[0], row[4]
            ));
        }
    }
    for f in findings.iter().filter(|f| !f.suppressed) {
        figures.reported += 1;
        if reviewed.get(&f.key).is_some_and(|(v, _)| v == "keep") {
            figures.kept += 1;
        }
    }
    figures
}

#[test]
fn corpus_findings_are_reviewed_and_measured() {
    let mut problems = Vec::new();
    let mut per_plant = Vec::new();
    let all = plants();
    assert!(all.len() >= 3, "tests/corpus holds {} plants", all.len());
    for plant in &all {
        let f = review(plant, &mut problems);
        if f.zones < 10 {
            problems.push(format!(
                "{}: {} zones, a corpus plant has 10 or more",
                name(plant),
                f.zones
            ));
        }
        per_plant.push((name(plant), f));
    }
    let table = figures_table(&per_plant);
    let readme = fenceline::lint::docs::index_with(&table);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(FIGURES, &table).expect("write figures");
        std::fs::write(README, &readme).expect("write docs/rules/README.md");
    }
    if std::fs::read_to_string(FIGURES).unwrap_or_default() != table {
        problems.push(format!(
            "{FIGURES} differs from the corpus's figures (UPDATE_DOCS=1 rewrites it):\n{table}"
        ));
    }
    if std::fs::read_to_string(README).unwrap_or_default() != readme {
        problems.push(format!(
            "{README} does not show the corpus's figures (UPDATE_DOCS=1 rewrites it)"
        ));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn rationale_table_cells() {
    assert_eq!(cells("| a | b \\| c | `d` |"), vec!["a", "b | c", "`d`"]);
    assert_eq!(
        yes_no("yes (FR5-007, FR7-002)").map(|(b, s)| (b, s.len())),
        Some((true, 2))
    );
    assert_eq!(yes_no("no"), Some((false, BTreeSet::new())));
    assert_eq!(yes_no("maybe"), None);
    let f = parse_finding("policy.fence:3:1: warning[FR5-007]: flow `a` -> `b` (suppressed)")
        .expect("finding");
    assert_eq!(f.key, "warning[FR5-007]: flow `a` -> `b` (suppressed)");
    assert_eq!((f.code.as_str(), f.suppressed), ("FR5-007", true));
    assert!(parse_finding("1 file: 2 errors, 3 warnings").is_none());
}

/// The citation check itself: requirement IDs of both parts count, words that merely contain
/// the letters do not.
#[test]
fn a_rationale_cell_cites_a_requirement() {
    assert!(cites_requirement("SR 3.1 RE1: Modbus in clear"));
    assert!(cites_requirement(
        "the recommended design (ZCR 3.6, SR 1.13)"
    ));
    assert!(cites_requirement("ZCR 5: no risk recorded"));
    assert!(!cites_requirement("As U-S06 (silent since issue 17)"));
    assert!(!cites_requirement("SR without a number, USR 5"));
}
