//! Pipeline integration through the real binary: `init` writes a clean starter project and never
//! overwrites, `completions` and `man` come from the clap definition (completions carry targets,
//! rule IDs, formats and paths; the man pages their sections and only references to pages that
//! exist), and the pre-commit hooks name commands that exist.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fenceline"))
}

#[test]
fn init_writes_a_clean_policy_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let o = bin().arg("init").arg(dir.path()).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let policy = dir.path().join("policy.fence");
    let o = bin()
        .args(["check", "--today", "2026-01-01"])
        .arg(&policy)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("0 errors, 0 warnings"),
        "the starter policy should be clean: {err}"
    );
    let out = dir.path().join("out");
    assert!(bin()
        .arg("build")
        .arg(&policy)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap()
        .success());
    assert_eq!(
        bin()
            .arg("verify")
            .arg(&policy)
            .arg(&out)
            .status()
            .unwrap()
            .code(),
        Some(0)
    );

    std::fs::write(&policy, "# mine\n").unwrap();
    let o = bin().arg("init").arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), "# mine\n");
}

#[test]
fn completions_and_man_page() {
    for (shell, marker) in [
        ("bash", "_fenceline()"),
        ("zsh", "#compdef fenceline"),
        ("fish", "complete -c fenceline"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = bin().args(["completions", shell]).output().unwrap();
        assert!(o.status.success());
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(s.contains(marker), "{shell}");
        assert!(
            s.contains("verify") && s.contains("query") && s.contains("diff"),
            "{shell}"
        );
    }
    assert_eq!(
        bin().args(["completions", "tcsh"]).status().unwrap().code(),
        Some(2)
    );
}

fn completions(shell: &str) -> String {
    let o = bin().args(["completions", shell]).output().unwrap();
    assert!(o.status.success(), "{shell}");
    String::from_utf8(o.stdout).unwrap()
}

/// The scripts carry what each argument takes: target names, rule IDs and diagnostic codes for
/// `explain`, format values, file paths for policies and directories for `-o DIR`.
#[test]
fn completions_offer_targets_rule_ids_formats_and_paths() {
    for shell in ["bash", "zsh", "fish"] {
        let s = completions(shell);
        for word in [
            "cisco-ios",
            "nftables",
            "iptables",
            "FR5-001",
            "OUT-007",
            "E0001",
            "sarif",
            "github",
            "mermaid",
        ] {
            assert!(s.contains(word), "{shell} completions lack `{word}`");
        }
    }
    // bash: `explain` offers the IDs as words; `build -o` completes directories.
    let bash = completions("bash");
    let explain = bash
        .split("fenceline__subcmd__explain)")
        .nth(1)
        .expect("an explain case");
    let opts = explain.lines().find(|l| l.contains("opts=")).unwrap();
    assert!(opts.contains("FR5-001") && opts.contains("E0004"), "{opts}");
    let build = bash.split("fenceline__subcmd__build)").nth(1).unwrap();
    let build = &build[..build
        .find(";;\n        fenceline__subcmd__")
        .unwrap_or(build.len())];
    assert!(build.contains("compopt -o plusdirs"), "{build}");
    // fish: clap_complete completes options only; `explain`'s codes are added after them.
    let fish = completions("fish");
    let line = fish
        .lines()
        .find(|l| l.contains("__fish_fenceline_using_subcommand explain;"))
        .expect("a fish completion of explain's argument");
    assert!(
        line.contains("-f -a \"EXC-001\\t'exception-expired'"),
        "{line}"
    );
    assert!(fish.contains("FR5-001\\t'flow-outside-conduit'"));
    assert!(fish.contains(
        "__fish_fenceline_using_subcommand build\" -s o -l output -d 'Output directory' -r -f -a \"(__fish_complete_directories)\""
    ));
    assert!(fish.contains("__fish_fenceline_using_subcommand build\" -s t -l target"));
}

/// The bash script, loaded into bash and asked as bash asks it on TAB, offers the values.
#[test]
fn bash_completes_targets_rule_ids_and_formats() {
    let script = completions("bash");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fenceline.bash");
    std::fs::write(&path, script).unwrap();
    let probe = r#"source "$1"
c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
      _fenceline fenceline "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"; echo "${COMPREPLY[*]}"; }
c fenceline build --target c
c fenceline verify -t i
c fenceline explain FR5-00
c fenceline explain E000
c fenceline check --format s
"#;
    let o = Command::new("bash")
        .args(["-c", probe, "probe"])
        .arg(&path)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        5,
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(lines[0], "cisco-ios cisco-asa");
    assert_eq!(lines[1], "iptables");
    assert!(lines[2].split(' ').any(|w| w == "FR5-001"), "{}", lines[2]);
    assert!(
        lines[2].split(' ').all(|w| w.starts_with("FR5-00")),
        "{}",
        lines[2]
    );
    assert!(lines[3].split(' ').any(|w| w == "E0001"), "{}", lines[3]);
    assert_eq!(lines[4], "sarif");
}

/// `fenceline man -o DIR` writes the top page and one per command; the top page has EXIT
/// STATUS, ENVIRONMENT and FILES; every page a page names is among them; groff renders every page
/// without a warning.
#[test]
fn man_pages_have_their_sections_and_name_only_pages_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin().arg("man").arg("-o").arg(dir.path()).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let top = std::fs::read_to_string(dir.path().join("fenceline.1")).unwrap();
    let printed = bin().arg("man").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&printed.stdout), top);
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH \"SEE ALSO\"",
    ] {
        assert!(top.contains(section), "fenceline.1 lacks `{section}`");
    }
    // Every environment variable the source reads is documented, or a known test hook.
    let documented = top.split(".SH ENVIRONMENT").nth(1).unwrap();
    let documented = &documented[..documented.find(".SH ").unwrap()];
    let test_hooks = ["FENCELINE_FAIL_WRITE", "FENCELINE_SLOW_WRITE_MS"];
    let read = env_vars_read(std::path::Path::new("src"));
    assert!(read.iter().any(|v| v == "NO_COLOR"), "{read:?}");
    for var in read {
        assert!(
            documented.contains(&var) || test_hooks.contains(&var.as_str()),
            "fenceline reads `{var}`, and the man page's ENVIRONMENT does not say so"
        );
    }
    for file in [
        "fenceline.toml",
        ".fenceline.toml",
        "nftables.nft",
        "ip6tables.rules",
        "cisco\\-ios.txt",
        "manifest.json",
        "report.html",
    ] {
        assert!(top.contains(file), "FILES lacks `{file}`");
    }
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 15, "{pages:?}");
    for page in &pages {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(".SH \"EXIT STATUS\""), "{page}");
        // A reference is NAME(1) with roff's `\-` for the hyphen.
        let plain = text.replace("\\-", "-");
        for (i, _) in plain.match_indices("(1)") {
            let start = plain[..i]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .map_or(0, |s| s + 1);
            let name = &plain[start..i];
            assert!(
                pages.contains(&format!("{name}.1")),
                "{page} names {name}(1), which `fenceline man -o` does not write"
            );
        }
        groff_renders_cleanly(&dir.path().join(page));
    }
    assert!(!top.contains("fenceline-help(1)"));
    let check = std::fs::read_to_string(dir.path().join("fenceline-check.1")).unwrap();
    assert!(
        check.contains(".SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR\nclean"),
        "{check}"
    );
}

/// `groff -man -ww -z`: every warning enabled, output discarded; skipped where groff is not
/// installed.
fn groff_renders_cleanly(page: &std::path::Path) {
    let o = match Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(page)
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            eprintln!("groff not installed: {} not rendered", page.display());
            return;
        }
    };
    assert!(o.status.success(), "{}", page.display());
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "",
        "groff warns about {}",
        page.display()
    );
}

/// The environment variables the source reads: `env::var("X")`, `env::var_os("X")` and clap's
/// `env = "X"`.
fn env_vars_read(dir: &std::path::Path) -> Vec<String> {
    let mut vars = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            vars.extend(env_vars_read(&path));
            continue;
        }
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for marker in ["env::var(\"", "env::var_os(\"", "env = \""] {
            for (i, _) in text.match_indices(marker) {
                let rest = &text[i + marker.len()..];
                vars.push(rest[..rest.find('"').unwrap()].to_string());
            }
        }
    }
    vars.sort();
    vars.dedup();
    vars
}

#[test]
fn pre_commit_hooks_name_real_commands() {
    let hooks = std::fs::read_to_string(".pre-commit-hooks.yaml").unwrap();
    for id in [
        "id: fenceline-fmt",
        "id: fenceline-check",
        "entry: fenceline fmt",
        "entry: fenceline check",
        "files: \\.fence$",
    ] {
        assert!(hooks.contains(id), "missing `{id}`");
    }
}

#[test]
fn diff_exit_code_and_git_mode() {
    let o = bin()
        .args([
            "diff",
            "tests/diff/base.fence",
            "tests/diff/reordered.fence",
            "--exit-code",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = bin()
        .args([
            "diff",
            "tests/diff/base.fence",
            "tests/diff/changed.fence",
            "--exit-code",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["changed"], true);
    assert_eq!(v["conduits"][0]["conduit"], "ops-field");

    // --git: a throwaway repository with two commits of one policy.
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let st = Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    git(&["init", "-q"]);
    let p = dir.path().join("plant.fence");
    std::fs::copy("tests/diff/base.fence", &p).unwrap();
    git(&["add", "plant.fence"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-qm",
        "base",
    ]);
    std::fs::copy("tests/diff/changed.fence", &p).unwrap();
    let o = bin()
        .args(["diff", "--git", "HEAD"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(
        md.contains("HEAD:") && md.contains("### Conduit `ops-field`"),
        "{md}"
    );
    assert!(md.contains("`ops.scada -> field.rtus ssh`"), "{md}");
}

/// `fenceline man | head`: a reader that stops early ends the command quietly (exit 0, nothing
/// on stderr), whatever the command.
#[test]
fn a_closed_pipe_ends_quietly() {
    for args in [
        &["man"][..],
        &["rules"][..],
        &["completions", "bash"][..],
        &["report", "examples/water-treatment.fence"][..],
        &[
            "report",
            "--format",
            "html",
            "examples/water-treatment.fence",
        ][..],
        &["debug", "ast", "examples/water-treatment.fence"][..],
        &[
            "check",
            "--format",
            "sarif",
            "examples/water-treatment.fence",
        ][..],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fenceline"))
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Read a few bytes, then close the pipe as `head -c` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut buf = [0u8; 16];
        let _ = std::io::Read::read(&mut stdout, &mut buf);
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

/// One configuration everywhere: every command that reads a policy takes `--today`, `--config`
/// and `-q` with one meaning, and a broken configuration is the same usage error (exit 2) for
/// each; `--color` colours concise, query and diff output and clap's help, and never when off.
#[test]
fn every_policy_command_takes_the_same_flags_and_colour() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "no-such-key = 1\n").unwrap();
    let good = tmp.path().join("good.toml");
    std::fs::write(&good, "fail-level = \"error\"\n").unwrap();
    let p = "examples/north-pipeline.fence";
    let out = tmp.path().join("out");
    let built = bin()
        .args(["build", "-q", p, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(built.status.success());
    let o = out.to_str().unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["check", p],
        vec!["build", "--check", p, "-o", o],
        vec!["report", p],
        vec!["diff", p, p],
        vec!["query", p, "enterprise", "dmz", "https"],
        vec!["verify", p, o],
        vec!["graph", p],
        vec!["debug", "model", p],
    ];
    for c in &commands {
        let run = |extra: &[&str], config: &std::path::Path| {
            let mut args = c.clone();
            args.extend_from_slice(extra);
            bin()
                .args(&args)
                .arg("--config")
                .arg(config)
                .env("NO_COLOR", "1")
                .output()
                .unwrap()
        };
        let ok = run(&["--today", "2026-06-01", "-q"], &good);
        assert!(
            ok.status.code() == Some(0),
            "{c:?}: {}",
            String::from_utf8_lossy(&ok.stderr)
        );
        let broken = run(&["--today", "2026-06-01"], &bad);
        assert_eq!(
            broken.status.code(),
            Some(2),
            "{c:?} with a broken configuration"
        );
        assert!(
            String::from_utf8_lossy(&broken.stderr).contains("no-such-key"),
            "{c:?}"
        );
    }
    // -q: check prints errors only, verify no `equal` lines.
    let o2 = bin().args(["check", "-q", p]).output().unwrap();
    assert!(
        o2.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o2.stderr)
    );
    let v = bin().args(["verify", "-q", p, o]).output().unwrap();
    assert!(v.status.success() && v.stdout.is_empty());

    let esc = |args: &[&str]| {
        let o = bin().args(args).output().unwrap();
        let all = [o.stdout, o.stderr].concat();
        all.contains(&0x1b)
    };
    for args in [
        &["--color", "always", "check", "--format", "concise", p][..],
        &[
            "--color",
            "always",
            "query",
            p,
            "enterprise",
            "field",
            "ssh",
        ][..],
        &[
            "--color",
            "always",
            "diff",
            "tests/diff/base.fence",
            "tests/diff/changed.fence",
        ][..],
        &["--color", "always", "--help"][..],
    ] {
        assert!(esc(args), "{args:?} is not coloured");
        let mut never: Vec<&str> = args.to_vec();
        never[1] = "never";
        assert!(!esc(&never), "{never:?} is coloured");
    }
}
