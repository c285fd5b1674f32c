//! The exit column of README.md's "Commands" table is what every command returns: the table is
//! parsed, it must equal `fenceline::cli::man::EXIT_STATUS` (the man page's EXIT STATUS) and name
//! every command, and each code it lists for a command is produced by the real binary in the
//! cases below (and no code the table does not list has a case). Changing the table, the man
//! page's table or a command's behaviour without the others fails here.

use clap::CommandFactory;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// (command, [(code, meaning)]) per row of the README's "Commands" table.
fn readme_table() -> Vec<(String, Vec<(u8, String)>)> {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = readme
        .split("\n## Commands\n")
        .nth(1)
        .expect("README.md has a `## Commands` section");
    let mut rows = Vec::new();
    for line in section.lines().take_while(|l| !l.starts_with("## ")) {
        let Some(rest) = line.strip_prefix("| `fenceline ") else {
            continue;
        };
        let command = rest
            .split([' ', '`'])
            .next()
            .expect("a command name")
            .to_string();
        // The exit column is the last cell; `\|` inside cells is not a separator.
        let cells: Vec<&str> = line.trim_end_matches('|').rsplit(" | ").collect();
        let exit = cells[0].trim();
        let codes = exit
            .split("; ")
            .map(|item| {
                let (code, meaning) = item.split_once(' ').unwrap_or((item, ""));
                let code: u8 = code
                    .parse()
                    .unwrap_or_else(|_| panic!("`{command}`: `{item}` does not start with a code"));
                (code, meaning.to_string())
            })
            .collect();
        rows.push((command, codes));
    }
    rows
}

/// Files every case may use, in a fresh directory with a `.git` (so no fenceline.toml above it
/// applies).
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join(".git")).unwrap();
        std::fs::create_dir(d.join("p")).unwrap();
        std::fs::create_dir(d.join("empty")).unwrap();
        let starter = fenceline::cli::init::STARTER_POLICY;
        std::fs::write(d.join("p/policy.fence"), starter).unwrap();
        // One more allowed flow: a different meaning and different configurations.
        let flow = "  allow enterprise -> dmz.historian-mirror https\n";
        assert!(starter.contains(flow));
        let more = starter.replace(
            flow,
            &format!("{flow}  allow enterprise -> dmz.historian-mirror ssh\n"),
        );
        std::fs::write(d.join("more.fence"), more).unwrap();
        std::fs::write(
            d.join("ugly.fence"),
            starter.replace("zone enterprise {", "zone   enterprise  {"),
        )
        .unwrap();
        std::fs::write(d.join("bad.fence"), "zone a {\n").unwrap();
        // Asset inventories: two zones in one /24, and a row with a field too many.
        std::fs::write(d.join("overlap.csv"), "IP,Zone\n10.0.0.1,a\n10.0.0.2,b\n").unwrap();
        std::fs::write(d.join("bad-row.csv"), "IP,Name\n10.0.0.1,a,b\n").unwrap();
        // Zeek conn.log lines (JSON): an allowed connection, and one the starter policy denies.
        let conn = |port: u16| {
            format!("{{\"ts\":1700000000,\"id.orig_h\":\"10.10.20.5\",\"id.orig_p\":40000,\"id.resp_h\":\"10.20.0.10\",\"id.resp_p\":{port},\"proto\":\"tcp\"}}\n")
        };
        std::fs::write(d.join("allowed.json"), conn(443)).unwrap();
        std::fs::write(d.join("denied.json"), conn(22)).unwrap();
        std::fs::write(d.join("garbage.json"), "{ not json\n").unwrap();
        let f = Fixture { dir };
        for (policy, out) in [("p/policy.fence", "built"), ("more.fence", "more-built")] {
            let (code, err) = f.run(&["build", "--today", "2026-01-01", policy, "-o", out]);
            assert_eq!(code, 0, "{err}");
        }
        f
    }

    /// Runs fenceline in the fixture directory; returns the exit code and stderr.
    fn run(&self, args: &[&str]) -> (i32, String) {
        let o = Command::new(env!("CARGO_BIN_EXE_fenceline"))
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("FENCELINE_FORMAT")
            .output()
            .unwrap();
        (
            o.status.code().expect("exited, not killed"),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }
}

type Cases = BTreeMap<&'static str, BTreeMap<u8, Vec<&'static [&'static str]>>>;

/// For every command, for every exit code, command lines that must exit with it (run in the
/// fixture directory, in this order).
fn cases() -> Cases {
    const P: &str = "p/policy.fence";
    let table: &[(&str, u8, &[&str])] = &[
        ("check", 0, &["check", "--today", "2026-01-01", P]),
        ("check", 1, &["check", "bad.fence"]),
        ("check", 2, &["check", "missing.fence"]),
        ("check", 2, &["check", "--format", "nope", P]),
        (
            "build",
            0,
            &["build", "--today", "2026-01-01", P, "-o", "out"],
        ),
        (
            "build",
            0,
            &[
                "build",
                "--today",
                "2026-01-01",
                P,
                "-o",
                "built",
                "--check",
            ],
        ),
        ("build", 1, &["build", "bad.fence", "-o", "out-bad"]),
        (
            "build",
            1,
            &[
                "build",
                "--today",
                "2026-01-01",
                P,
                "-o",
                "more-built",
                "--check",
            ],
        ),
        ("build", 2, &["build", "missing.fence", "-o", "out-missing"]),
        (
            "build",
            2,
            &["build", P, "-o", "out-limit", "--max-rules", "1"],
        ),
        (
            "build",
            2,
            &["build", P, "-o", "out-target", "--target", "junos"],
        ),
        ("fmt", 0, &["fmt", "--check", P]),
        ("fmt", 1, &["fmt", "--check", "ugly.fence"]),
        ("fmt", 1, &["fmt", "--diff", "ugly.fence"]),
        ("fmt", 2, &["fmt", "--check", "bad.fence"]),
        ("fmt", 2, &["fmt", "--check", "missing.fence"]),
        ("diff", 0, &["diff", P, P, "--exit-code"]),
        ("diff", 0, &["diff", P, "more.fence"]),
        ("diff", 1, &["diff", P, "more.fence", "--exit-code"]),
        ("diff", 2, &["diff", "bad.fence", P]),
        ("diff", 2, &["diff", P, "missing.fence"]),
        (
            "query",
            0,
            &[
                "query",
                P,
                "enterprise",
                "dmz.historian-mirror",
                "https",
                "--exit-code",
            ],
        ),
        ("query", 0, &["query", P, "enterprise", "control", "https"]),
        (
            "query",
            1,
            &["query", P, "enterprise", "control", "https", "--exit-code"],
        ),
        (
            "query",
            1,
            &["query", P, "enterprise", "dmz", "https", "--exit-code"],
        ),
        ("query", 2, &["query", P, "nowhere", "control", "https"]),
        (
            "query",
            2,
            &["query", "bad.fence", "enterprise", "control", "https"],
        ),
        ("verify", 0, &["verify", P, "built"]),
        ("verify", 1, &["verify", P, "more-built"]),
        ("verify", 2, &["verify", P, "empty"]),
        ("verify", 2, &["verify", P, "no-such-dir"]),
        ("verify", 2, &["verify", "bad.fence", "built"]),
        ("traffic", 0, &["traffic", "check", P, "denied.json"]),
        (
            "traffic",
            0,
            &["traffic", "check", P, "allowed.json", "--exit-code"],
        ),
        (
            "traffic",
            1,
            &["traffic", "check", P, "denied.json", "--exit-code"],
        ),
        ("traffic", 2, &["traffic", "check", P, "garbage.json"]),
        (
            "traffic",
            0,
            &["traffic", "learn", P, "denied.json", "-o", "learned.fence"],
        ),
        (
            "traffic",
            2,
            &["traffic", "learn", P, "garbage.json", "-o", "learned.fence"],
        ),
        ("traffic", 2, &["traffic", "check", P, "no-such.log"]),
        (
            "traffic",
            2,
            &["traffic", "check", "bad.fence", "allowed.json"],
        ),
        ("import", 0, &["import", P, "built", "-o", "imported.fence"]),
        (
            "import",
            1,
            &["import", "more.fence", "built", "-o", "imported.fence"],
        ),
        ("import", 2, &["import", P, "empty", "-o", "imported.fence"]),
        (
            "import",
            2,
            &["import", "bad.fence", "built", "-o", "imported.fence"],
        ),
        ("report", 0, &["report", "--today", "2026-01-01", P]),
        ("report", 2, &["report", "bad.fence"]),
        ("report", 2, &["report", "missing.fence"]),
        ("graph", 0, &["graph", P]),
        ("graph", 2, &["graph", "bad.fence"]),
        ("graph", 2, &["graph", "missing.fence"]),
        ("explain", 0, &["explain", "FR5-001"]),
        ("explain", 0, &["explain", "E0001"]),
        ("explain", 0, &["explain", "wildcard-flow"]),
        ("explain", 2, &["explain", "FR9-999"]),
        ("rules", 0, &["rules"]),
        ("rules", 0, &["rules", "--markdown", "rule-docs"]),
        ("rules", 2, &["rules", "--markdown", "p/policy.fence/docs"]),
        ("debug", 0, &["debug", "ast", P]),
        ("debug", 0, &["debug", "model", P]),
        ("debug", 0, &["debug", "ir", P]),
        ("debug", 1, &["debug", "ast", "bad.fence"]),
        ("debug", 1, &["debug", "model", "bad.fence"]),
        ("debug", 2, &["debug", "ast", "missing.fence"]),
        ("init", 0, &["init", "new"]),
        ("init", 2, &["init", "p"]),
        ("init", 2, &["init", P]),
        ("init", 1, &["init", "--inventory", "overlap.csv", "inv"]),
        ("init", 2, &["init", "--inventory", "bad-row.csv", "inv"]),
        ("completions", 0, &["completions", "bash"]),
        ("completions", 0, &["completions", "fish"]),
        ("completions", 2, &["completions", "tcsh"]),
        ("lsp", 0, &["lsp"]),
        ("lsp", 2, &["lsp", "--port", "9257"]),
        ("man", 0, &["man"]),
        ("man", 0, &["man", "-o", "man"]),
        ("man", 2, &["man", "-o", P]),
    ];
    let mut cases = Cases::new();
    for &(command, code, args) in table {
        cases
            .entry(command)
            .or_default()
            .entry(code)
            .or_default()
            .push(args);
    }
    cases
}

#[test]
fn readme_table_is_the_man_page_table_and_names_every_command() {
    let readme = readme_table();
    let code_table: Vec<(String, Vec<(u8, String)>)> = fenceline::cli::man::EXIT_STATUS
        .iter()
        .map(|(c, codes)| {
            (
                c.to_string(),
                codes.iter().map(|(n, m)| (*n, m.to_string())).collect(),
            )
        })
        .collect();
    assert_eq!(
        readme, code_table,
        "README.md's exit column and `cli::man::EXIT_STATUS` (the man page) differ"
    );
    let mut commands: Vec<String> = fenceline::cli::Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let mut listed: Vec<String> = readme.iter().map(|(c, _)| c.clone()).collect();
    commands.sort();
    listed.sort();
    assert_eq!(
        listed, commands,
        "README.md's table and the commands differ"
    );
}

#[test]
fn every_command_exits_as_the_readme_says() {
    let readme = readme_table();
    let cases = cases();
    let f = Fixture::new();
    let mut failures = Vec::new();
    for (command, codes) in &readme {
        let documented: Vec<u8> = codes.iter().map(|(c, _)| *c).collect();
        let by_code = cases.get(command.as_str()).cloned().unwrap_or_default();
        let tested: Vec<u8> = by_code.keys().copied().collect();
        assert_eq!(
            documented, tested,
            "`{command}`: README.md lists exit codes {documented:?}, the cases here produce {tested:?}"
        );
        for (code, lines) in by_code {
            for args in lines {
                let (got, err) = f.run(args);
                if got != i32::from(code) {
                    failures.push(format!(
                        "`fenceline {}` exited {got}, README.md says {code}: {}",
                        args.join(" "),
                        err.lines().last().unwrap_or("")
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The cases wrote what they say they wrote (an exit 0 that did nothing would pass above).
    let d = f.dir.path();
    for p in [
        "out/manifest.json",
        "new/policy.fence",
        "man/fenceline.1",
        "rule-docs",
    ] {
        assert!(d.join(p).exists(), "{p}");
    }
    assert_eq!(
        std::fs::read_to_string(d.join("p/policy.fence")).unwrap(),
        fenceline::cli::init::STARTER_POLICY,
        "init overwrote a file"
    );
    assert!(!Path::new(&d.join("out-bad")).exists());
}
