//! The outside oracle for `cisco-asa`: Aerleon (the Capirca successor, installed from PyPI into a
//! virtual environment, latest 1.x) generates the ASA access lists of `tests/asa/plant.fence`
//! from an equivalent Capirca policy (`tests/asa/aerleon/`), and fenceline's reader and packet
//! semantics, applied to Aerleon's text and to fenceline's own, must agree on what every access
//! list admits.
//!
//! They agree on every IPv4 packet. They differ on IPv6, and the test pins the difference:
//! Aerleon's `ciscoasa` generator renders every term for IPv4 only (`Term(..., af=4)` in
//! `aerleon/lib/ciscoasa.py`), so the historian's IPv6 address is silently left out of
//! `FL-IN-control-center` (tcp [fd00:30::12]:40000 -> [fd00:20::10]:5450 is admitted by fenceline's list,
//! as the policy says, and by none of Aerleon's); ASA 9 access lists take IPv6 entries beside
//! IPv4 ones, so this is Aerleon's omission (docs/targets/cisco-asa.md).
//!
//! Needs `python3 -m venv` and PyPI: skipped where either is missing, a failure with `CI=true`,
//! as the kernel tests are.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::dialect::cisco_asa::ast::Name;
use fenceline::dialect::cisco_asa::parse::parse;
use fenceline::dialect::config::{accepted, Tag};
use fenceline::driver::{check_path, CheckOptions};
use fenceline::packet::space::{Family, Space};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether the oracle can run here; panics under CI when it cannot.
fn gate(what: &str, why: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if ci {
        panic!("{what}: cannot run under CI=true: {why}");
    }
    eprintln!(
        "SKIPPED {what}: {why} (needs python3 with venv and PyPI; CI=true makes this a failure)"
    );
}

/// A virtual environment with Aerleon 1.x, made once per target directory.
fn aclgen() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("aerleon-venv");
    let bin = venv.join("bin").join("aclgen");
    if bin.exists() {
        return Ok(bin);
    }
    let run = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{cmd:?}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin").join("pip")).args(["install", "--quiet", "aerleon>=1,<2"]))?;
    if bin.exists() {
        Ok(bin)
    } else {
        Err("aerleon installed no `aclgen`".into())
    }
}

/// What one access list of a configuration admits.
fn admits(text: &str, acl: &str) -> Space<Tag> {
    let c = parse(text).unwrap_or_else(|e| panic!("{acl}: {e:?}"));
    let r = c.resolve();
    accepted(
        &r.acl_items(&Name::new(acl).unwrap())
            .unwrap_or_else(|e| panic!("{e}")),
    )
}

fn of_family(s: &Space<Tag>, f: Family) -> Space<Tag> {
    let mut out = Space::new();
    for (c, t) in &s.cubes {
        if c.family == f {
            out.push(c.clone(), t.clone());
        }
    }
    out
}

#[test]
fn aerleon_and_fenceline_admit_the_same_packets() {
    let what = "aerleon oracle";
    let bin = match aclgen() {
        Ok(b) => b,
        Err(why) => return gate(what, &why),
    };
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("aerleon-out");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).unwrap();
    let status = Command::new(&bin)
        .arg("--base_directory")
        .arg("tests/asa/aerleon/policies")
        .arg("--definitions_directory")
        .arg("tests/asa/aerleon/def")
        .arg("--output_directory")
        .arg(&out_dir)
        .output()
        .expect("aclgen runs");
    assert!(
        status.status.success(),
        "aclgen: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let theirs = std::fs::read_to_string(out_dir.join("plant.asa")).expect("plant.asa written");

    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let checked = check_path(Path::new("tests/asa/plant.fence"), &opts).unwrap();
    let built = build_checked(
        &checked,
        &BuildOptions {
            check: opts,
            ..Default::default()
        },
    )
    .unwrap()
    .unwrap();
    let ours = built
        .outputs
        .iter()
        .find(|o| o.path == "fw-asa/cisco-asa.txt")
        .map(|o| String::from_utf8(o.bytes.clone()).unwrap())
        .unwrap();

    let mut ipv6_only_ours = Vec::new();
    for acl in ["FL-IN-enterprise", "FL-IN-dmz", "FL-IN-control-center"] {
        let (a, b) = (admits(&ours, acl), admits(&theirs, acl));
        for f in [Family::V4, Family::V6] {
            let (a, b) = (of_family(&a, f), of_family(&b, f));
            let more = b.subtract(&a);
            assert!(
                more.is_empty(),
                "{acl}: Aerleon's list admits {:?}, fenceline's does not",
                more.cubes.first().and_then(|(c, _)| c.witness())
            );
            let fewer = a.subtract(&b);
            match f {
                Family::V4 => assert!(
                    fewer.is_empty(),
                    "{acl}: fenceline's list admits {:?}, Aerleon's does not",
                    fewer.cubes.first().and_then(|(c, _)| c.witness())
                ),
                Family::V6 => {
                    // Aerleon writes no IPv6 entry at all.
                    assert!(b.is_empty(), "{acl}: Aerleon wrote IPv6 entries");
                    if let Some(p) = fewer.cubes.first().and_then(|(c, _)| c.witness()) {
                        ipv6_only_ours.push(format!("{acl}: {p}"));
                    }
                }
            }
        }
    }
    // The documented difference, and only it.
    assert_eq!(
        ipv6_only_ours,
        ["FL-IN-control-center: tcp [fd00:30::12]:40000 -> [fd00:20::10]:5450"],
        "the IPv6 difference of docs/targets/cisco-asa.md"
    );
}
