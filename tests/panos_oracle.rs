//! The outside oracle for `panos`: Aerleon (the Capirca successor, installed from PyPI into a
//! virtual environment, latest 1.x) generates, with its `paloalto` generator, the security rules
//! of `tests/panos/plant.fence`'s firewall from an equivalent Capirca policy
//! (`tests/panos/aerleon/`), as PAN-OS XML. fenceline's reader takes Aerleon's XML and its own
//! set commands alike, and both, read with the same interfaces and zones (Aerleon writes rules
//! and objects, not interfaces), must admit the same packets from every zone to every other.
//!
//! They agree on every packet, IPv4 and IPv6. Aerleon's forms differ from fenceline's and are
//! read as PAN-OS reads them: ICMP echo as a custom application identified by ICMP type 8 with
//! `service application-default`, `rule-type interzone` on every rule, and its final deny `from
//! all to all`, which names a zone `all` rather than PAN-OS's `any` and so matches nothing here:
//! `interzone-default` denies in its place (docs/targets/panos.md). The device-level flows are
//! not in Aerleon's policy (it has no form for a firewall's management profile) and are not
//! compared.
//!
//! Needs `python3 -m venv` and PyPI: skipped where either is missing, a failure with `CI=true`,
//! as the kernel tests are.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::dialect::config::accepted;
use fenceline::dialect::panos::parse::parse;
use fenceline::dialect::Filters;
use fenceline::driver::{check_path, CheckOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

fn gate(what: &str, why: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if ci {
        panic!("{what}: cannot run under CI=true: {why}");
    }
    eprintln!(
        "SKIPPED {what}: {why} (needs python3 with venv and PyPI; CI=true makes this a failure)"
    );
}

/// A virtual environment with Aerleon 1.x, made once per target directory (shared with the
/// ASA's oracle).
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

#[test]
fn aerleon_and_fenceline_admit_the_same_packets() {
    let what = "aerleon oracle (panos)";
    let bin = match aclgen() {
        Ok(b) => b,
        Err(why) => return gate(what, &why),
    };
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("aerleon-out-panos");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).unwrap();
    let status = Command::new(&bin)
        .arg("--base_directory")
        .arg("tests/panos/aerleon/policies")
        .arg("--definitions_directory")
        .arg("tests/panos/aerleon/def")
        .arg("--output_directory")
        .arg(&out_dir)
        .output()
        .expect("aclgen runs");
    assert!(
        status.status.success(),
        "aclgen: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let xml = std::fs::read_to_string(out_dir.join("plant.xml")).expect("plant.xml written");

    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let checked = check_path(Path::new("tests/panos/plant.fence"), &opts).unwrap();
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
        .find(|o| o.path == "fw-pa/panos.txt")
        .map(|o| String::from_utf8(o.bytes.clone()).unwrap())
        .unwrap();
    let ours = parse(&ours).unwrap();
    let mut theirs = parse(&xml).unwrap_or_else(|e| panic!("Aerleon's XML: {e:?}"));
    assert!(theirs.interfaces.is_empty() && theirs.zones.is_empty());
    assert!(
        theirs.rules.iter().any(|r| r.name.as_str() == "ping-ews")
            && theirs
                .applications
                .iter()
                .any(|a| a.icmp_type == Some((false, 8))),
        "Aerleon's ICMP echo as a custom application"
    );
    theirs.interfaces = ours.interfaces.clone();
    theirs.zones = ours.zones.clone();

    let names: Vec<String> = ours
        .interfaces
        .iter()
        .map(|i| i.name.as_str().to_string())
        .collect();
    let mut pairs = 0;
    for a in &names {
        for b in names.iter().filter(|b| *b != a) {
            let mine = accepted(&ours.filters(a, b).unwrap()[0]);
            let aer = accepted(
                &theirs
                    .filters(a, b)
                    .unwrap_or_else(|e| panic!("{a} -> {b}: {e}"))[0],
            );
            let more = aer.subtract(&mine);
            assert!(
                more.is_empty(),
                "{a} -> {b}: Aerleon's rules admit {:?}, fenceline's do not",
                more.cubes.first().and_then(|(c, _)| c.witness())
            );
            let fewer = mine.subtract(&aer);
            assert!(
                fewer.is_empty(),
                "{a} -> {b}: fenceline's rules admit {:?}, Aerleon's do not",
                fewer.cubes.first().and_then(|(c, _)| c.witness())
            );
            pairs += 1;
        }
    }
    assert_eq!(pairs, 6);
}
