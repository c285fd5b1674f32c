//! `fenceline check` output formats, configuration and exit codes for lint findings, through
//! the real binary.

use std::path::Path;
use std::process::Command;

fn fenceline(args: &[&str], dir: Option<&Path>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fenceline"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env_remove("FENCELINE_FORMAT");
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = cmd.output().expect("run fenceline");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const EXAMPLE: &str = "examples/north-pipeline.fence";

#[test]
fn sarif_output_is_valid_for_code_scanning() {
    let (code, out, err) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--format",
            "sarif",
            EXAMPLE,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().is_some_and(|s| s.contains("sarif")));
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "fenceline");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), fenceline::lint::rules::ALL.len());
    assert!(rules.iter().all(|r| r["help"]["text"]
        .as_str()
        .is_some_and(|h| h.contains("## Why is this bad"))));
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        assert_eq!(uri, "examples/north-pipeline.fence");
        assert!(r["partialFingerprints"]["fenceline/v1"].is_string());
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    assert!(results
        .iter()
        .any(|r| r["suppressions"][0]["kind"] == "inSource"));
    // Same input, same bytes.
    let (_, again, _) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--format",
            "sarif",
            EXAMPLE,
        ],
        None,
    );
    assert_eq!(out, again);
}

#[test]
fn github_output_is_workflow_commands() {
    let (code, out, _) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--format",
            "github",
            EXAMPLE,
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(!out.is_empty());
    for line in out.lines() {
        assert!(
            line.starts_with("::warning file=examples/north-pipeline.fence,line="),
            "{line}"
        );
        assert!(line.contains(",title=") && line.contains("::"), "{line}");
    }
    assert!(!out.contains("(suppressed)"));
}

#[test]
fn deny_warnings_and_expired_exceptions_fail() {
    let (code, _, _) = fenceline(&["check", "--today", "2026-06-01", EXAMPLE], None);
    assert_eq!(code, 0);
    let (code, _, _) = fenceline(
        &["check", "--today", "2026-06-01", "--deny-warnings", EXAMPLE],
        None,
    );
    assert_eq!(code, 1);
    let (code, _, err) = fenceline(
        &[
            "check",
            "--today",
            "2027-07-01",
            "--format",
            "concise",
            EXAMPLE,
        ],
        None,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[EXC-001]: exception for `FR3-001` expired on 2027-06-30"),
        "{err}"
    );
}

#[test]
fn configuration_is_discovered_and_explicit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).expect("git");
    std::fs::create_dir_all(root.join("plant/policies")).expect("dirs");
    let policy = root.join("plant/policies/p.fence");
    std::fs::copy(EXAMPLE, &policy).expect("copy");
    let p = policy.to_string_lossy().to_string();
    let args = [
        "check",
        "--today",
        "2026-06-01",
        "--format",
        "json",
        p.as_str(),
    ];

    std::fs::write(root.join("fenceline.toml"), "fail-level = \"warning\"\n").expect("write");
    let (code, _, _) = fenceline(&args, None);
    assert_eq!(code, 1, "fail-level warning from the discovered file");

    std::fs::write(
        root.join("plant/fenceline.toml"),
        "[rules]\nFR5-006 = \"error\"\nFR5-017 = \"off\"\n",
    )
    .expect("write");
    let (code, out, _) = fenceline(&args, None);
    assert_eq!(code, 1, "the nearest file wins; FR5-006 is an error there");
    assert!(!out.contains("FR5-017"));
    assert!(
        out.contains("\"code\": \"FR5-006\",\n          \"severity\": \"error\""),
        "{out}"
    );

    let other = root.join("other.toml");
    std::fs::write(&other, "[rules]\nFR5-006 = \"note\"\n").expect("write");
    let o = other.to_string_lossy().to_string();
    let (code, _, _) = fenceline(
        &["check", "--today", "2026-06-01", "--config", &o, &p],
        None,
    );
    assert_eq!(code, 0, "--config wins over discovery");

    std::fs::write(&other, "[rules]\nFR5-077 = \"note\"\n").expect("write");
    let (code, _, err) = fenceline(&["check", "--config", &o, &p], None);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule `FR5-077`"), "{err}");
}

#[test]
fn rules_and_explain_commands() {
    let (code, out, _) = fenceline(&["rules"], None);
    assert_eq!(code, 0);
    assert!(out.starts_with("ID "));
    assert_eq!(out.lines().count(), fenceline::lint::rules::ALL.len() + 1);
    let (code, out, _) = fenceline(&["explain", "FR5-003"], None);
    assert_eq!(code, 0);
    assert!(out.contains("## What it does") && out.contains("wildcard-flow"));
    let (code, _, err) = fenceline(&["explain", "FR5-03"], None);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `FR5-003`?"), "{err}");
    let (code, out, _) = fenceline(&["rules", "--format", "json"], None);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v[0]["id"], "EXC-001");
}

/// SARIF and GitHub annotations name files relative to the project root (here the directory
/// holding `.git`) whatever the working directory, included files too; a file that cannot be
/// read makes the run visibly unsuccessful in SARIF and JSON (exit 2), so an upload of it can
/// never close open alerts.
#[test]
fn machine_output_names_files_from_the_project_root_and_shows_failed_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("policy/zones")).unwrap();
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    std::fs::copy("tests/include/plant.fence", repo.join("policy/plant.fence")).unwrap();
    for z in ["it", "ot"] {
        std::fs::copy(
            format!("tests/include/zones/{z}.fence"),
            repo.join(format!("policy/zones/{z}.fence")),
        )
        .unwrap();
    }
    // A finding inside an included file: a zone without its documentation (FR5-017).
    let sub = repo.join("sub");
    let (code, out, err) = fenceline(
        &["check", "--format", "sarif", "../policy/plant.fence"],
        Some(&sub),
    );
    assert!(code == 0 || code == 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
    let run = &v["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    let uris: std::collections::BTreeSet<String> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let a = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(a["uriBaseId"], "%SRCROOT%", "{a}");
            a["uri"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(!uris.is_empty(), "{out}");
    for u in &uris {
        assert!(u.starts_with("policy/"), "{u} is not relative to the root");
    }
    assert!(
        uris.iter().any(|u| u.starts_with("policy/zones/")),
        "a finding in an included file: {uris:?}"
    );
    let (_, gh, _) = fenceline(
        &["check", "--format", "github", "../policy/plant.fence"],
        Some(&sub),
    );
    for line in gh.lines().filter(|l| l.contains("file=")) {
        assert!(line.contains("file=policy/"), "{line}");
    }

    // A file that cannot be read.
    let (code, out, _) = fenceline(
        &[
            "check",
            "--format",
            "sarif",
            "../policy/plant.fence",
            "missing.fence",
        ],
        Some(&sub),
    );
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
    let inv = &v["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false, "{inv}");
    let note = inv["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(note.contains("missing.fence"), "{note}");
    let (code, out, _) = fenceline(&["check", "--format", "json", "missing.fence"], Some(&sub));
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert!(
        v["errors"][0].as_str().unwrap().contains("missing.fence"),
        "{v}"
    );
}

/// A policy split with `include` is checked from its root: fragments given beside it are
/// skipped (pre-commit passes every changed `.fence` file), `check` with a directory or with no
/// argument finds the roots, and `policies` in fenceline.toml names them.
#[test]
fn check_finds_the_roots_of_split_policies() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::fs::create_dir(repo.join("parts")).unwrap();
    std::fs::write(
        repo.join("plant.fence"),
        "policy \"split\"\ninclude \"parts/zones.fence\"\ninclude \"parts/conduits.fence\"\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("parts/zones.fence"),
        "zone a {\n  level 3\n  sl-target 1\n  network 10.0.0.0/24\n}\n\nzone b {\n  level 3\n  sl-target 1\n  network 10.0.1.0/24\n}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("parts/conduits.fence"),
        "conduit a-b {\n  connects a, b\n  sl-target 1\n  allow a -> b tcp/80\n}\n\nfirewall fw {\n  target nftables\n  interface eth0 a\n  interface eth1 b\n}\n",
    )
    .unwrap();
    // The fragment alone names zones it does not declare.
    let (code, _, err) = fenceline(&["check", "parts/conduits.fence"], Some(repo));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0002"), "{err}");
    for args in [
        &[
            "check",
            "plant.fence",
            "parts/zones.fence",
            "parts/conduits.fence",
        ][..],
        &[
            "check",
            "parts/conduits.fence",
            "plant.fence",
            "parts/zones.fence",
        ][..],
        &["check", "."][..],
        &["check"][..],
    ] {
        let (code, _, err) = fenceline(args, Some(repo));
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(err.contains("1 file: 0 errors"), "{args:?}: {err}");
    }
    // Another root with an error is found too, unless fenceline.toml lists the policies.
    std::fs::write(repo.join("broken.fence"), "zone {\n").unwrap();
    let (code, _, _) = fenceline(&["check"], Some(repo));
    assert_eq!(code, 1);
    std::fs::write(
        repo.join("fenceline.toml"),
        "policies = [\"plant.fence\"]\n",
    )
    .unwrap();
    let sub = repo.join("parts");
    let (code, _, err) = fenceline(&["check"], Some(&sub));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 file: 0 errors"), "{err}");
    // Nothing to check is a usage error.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, _) = fenceline(&["check"], Some(empty.path()));
    assert_eq!(code, 2);
}

/// Suppressed findings are counted, not listed, unless asked for; `--statistics` counts per
/// rule; `--output-file` writes the output there; `--stdin-filename` names standard input.
#[test]
fn suppressed_statistics_output_file_and_stdin_filename() {
    let (code, _, err) = fenceline(&["check", "--today", "2026-06-01", EXAMPLE], None);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("1 suppressed (--show-suppressed lists them)"),
        "{err}"
    );
    assert!(!err.contains("suppressed by the exception"), "{err}");
    let (_, _, err) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--show-suppressed",
            EXAMPLE,
        ],
        None,
    );
    assert!(err.contains("suppressed by the exception"), "{err}");

    let (code, _, err) = fenceline(
        &["check", "--today", "2026-06-01", "--statistics", EXAMPLE],
        None,
    );
    assert_eq!(code, 0);
    // Most frequent first, ties by code.
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].contains("3  FR5-017    zone-undocumented"),
        "{err}"
    );
    assert!(
        lines[1].contains("2  FR3-001    cleartext-industrial-protocol"),
        "{err}"
    );
    assert!(
        lines[2].contains("2  FR5-014    island-mode-missing"),
        "{err}"
    );
    assert!(
        err.contains("FR3-001    cleartext-industrial-protocol (1 suppressed)"),
        "{err}"
    );
    let (_, out, _) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--statistics",
            "--format",
            "json",
            EXAMPLE,
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let fr3 = v
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "FR3-001")
        .unwrap();
    assert_eq!(fr3["suppressed"], 1);

    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("out.sarif");
    let (code, out, _) = fenceline(
        &[
            "check",
            "--today",
            "2026-06-01",
            "--format",
            "sarif",
            "--output-file",
            file.to_str().unwrap(),
            EXAMPLE,
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(out.is_empty(), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");

    let text = std::fs::read_to_string("tests/include/plant.fence").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args([
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "tests/include/plant.fence",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // The includes resolve next to the named file, and findings name it.
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("tests/include/"), "{err}");
    assert!(!err.contains("<stdin>"), "{err}");
}

/// OUT-009's budget is `max-acl-entries` of fenceline.toml, applied by `check` and `build`
/// alike: the fixture's large router is flagged under the default (3,000 expanded entries), not
/// under a budget of 10,000, and the small one (4 entries) under a budget of 3; 0 is refused.
#[test]
fn acl_budget_comes_from_the_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("p.fence");
    std::fs::copy("tests/lint/out_009_acl_too_large.fence", &policy).expect("copy");
    let p = policy.to_string_lossy().to_string();
    let cfg = dir.path().join("fenceline.toml");
    let c = cfg.to_string_lossy().to_string();
    let flagged = |budget: Option<usize>| -> Vec<String> {
        let text = budget.map_or(String::new(), |b| format!("max-acl-entries = {b}\n"));
        std::fs::write(&cfg, text).expect("write");
        let (_, out, err) = fenceline(
            &[
                "check",
                "--today",
                "2026-06-01",
                "--format",
                "concise",
                "--config",
                &c,
                &p,
            ],
            None,
        );
        out.lines()
            .chain(err.lines())
            .filter(|l| l.contains("[OUT-009]"))
            .map(|l| l.split('`').nth(1).unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(flagged(None), ["rtr"]);
    assert!(flagged(Some(10_000)).is_empty());
    assert_eq!(flagged(Some(3)), ["rtr", "rtr-2"]);
    std::fs::write(&cfg, "max-acl-entries = 0\n").expect("write");
    let (code, _, err) = fenceline(&["check", "--config", &c, &p], None);
    assert_eq!(code, 2);
    assert!(err.contains("max-acl-entries 0"), "{err}");
}

/// EXC-003's window is `expiry-window-days` of fenceline.toml, applied by `check`: on the
/// fixture's day the exceptions due today and in 30 days are flagged under the default window
/// (30), the one due in 31 days joins them under a window of 31, only today's remains under a
/// window of 1, and 0 turns the warning off.
#[test]
fn expiry_window_comes_from_the_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("p.fence");
    std::fs::copy("tests/lint/exc_003_exception_expiring_soon.fence", &policy).expect("copy");
    let p = policy.to_string_lossy().to_string();
    let cfg = dir.path().join("fenceline.toml");
    let c = cfg.to_string_lossy().to_string();
    let flagged = |window: Option<u32>| -> Vec<String> {
        let text = window.map_or(String::new(), |w| format!("expiry-window-days = {w}\n"));
        std::fs::write(&cfg, text).expect("write");
        let (_, out, err) = fenceline(
            &[
                "check",
                "--today",
                "2026-06-01",
                "--format",
                "concise",
                "--config",
                &c,
                &p,
            ],
            None,
        );
        out.lines()
            .chain(err.lines())
            .filter(|l| l.contains("[EXC-003]"))
            .filter_map(|l| l.split(" expires on ").nth(1))
            .map(|l| l.split(',').next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(flagged(None), ["2026-06-01", "2026-07-01"]);
    assert_eq!(
        flagged(Some(31)),
        ["2026-06-01", "2026-07-01", "2026-07-02"]
    );
    assert_eq!(flagged(Some(1)), ["2026-06-01"]);
    assert!(flagged(Some(0)).is_empty());
}
