//! Pipeline integration through the real binary: `init` writes a clean starter project and never
//! overwrites, `completions` and `man` come from the clap definition, and the pre-commit hooks
//! name commands that exist.

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
    assert_eq!(o.status.code(), Some(1));
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
    let o = bin().arg("man").output().unwrap();
    assert!(o.status.success());
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains(".TH fenceline 1"), "{s}");
    assert_eq!(
        bin().args(["completions", "tcsh"]).status().unwrap().code(),
        Some(2)
    );
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
