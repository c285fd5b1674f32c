//! Limits on hostile input: file size, include depth, and the cap on expanded rules end in a
//! clean exit with a diagnostic; port ranges and /0 networks stay constant-size.

use fenceline::driver::{check_text, CheckOptions};
use std::fmt::Write;
use std::path::Path;
use std::process::Command;

fn bin(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

const TWO_ZONES: &str = "zone a { level 3  sl-target 1  network 0.0.0.0/1, ::/1 }\n\
zone b { level 3  sl-target 1  network 128.0.0.0/1, 8000::/1 }\n\
firewall fw { target nftables, iptables  interface eth0 a  interface eth1 b }\n";

#[test]
fn whole_address_space_and_port_range_compile_to_constant_rules() {
    let text = format!("{TWO_ZONES}conduit c {{ connects a, b  sl-target 1  allow a -> b tcp/0-65535, udp/1-65535 }}\n");
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let checked = check_text("p.fence", Path::new("p.fence"), text, &opts);
    let model = checked.model.expect("model");
    let (ir, _) = fenceline::plan::model_to_ir(&model);
    let rules: usize = ir
        .devices
        .iter()
        .flat_map(|d| &d.pairs)
        .map(|p| p.rules.len())
        .sum();
    assert_eq!(
        rules, 2,
        "one rule per service item, whatever the width of addresses and ports"
    );
    for r in ir
        .devices
        .iter()
        .flat_map(|d| &d.pairs)
        .flat_map(|p| &p.rules)
    {
        assert_eq!(r.src.interval_count(), 2, "one interval per family");
    }
}

#[test]
fn rule_cap_ends_with_exit_2_and_a_diagnostic() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from(TWO_ZONES);
    text.push_str("service many ");
    for p in 1..=500 {
        let _ = write!(text, "{}tcp/{p}", if p > 1 { ", " } else { "" });
    }
    text.push_str("\nconduit c {\n  connects a, b\n  sl-target 1\n");
    for i in 0..100 {
        let _ = writeln!(text, "  allow a -> b many {{ description \"flow {i}\" }}");
    }
    text.push_str("}\n");
    let p = tmp.path().join("big.fence");
    std::fs::write(&p, text).unwrap();
    let out_dir = tmp.path().join("out");
    let out = bin(&[
        "build",
        "--max-rules",
        "20000",
        p.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0024"));
    assert!(!out_dir.exists(), "nothing written");
}

#[test]
fn oversized_files_and_deep_includes_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("huge.fence");
    std::fs::write(&big, "#".repeat(9 * 1024 * 1024)).unwrap();
    let out = bin(&["check", big.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("larger than the limit"));

    for i in 0..40 {
        std::fs::write(
            tmp.path().join(format!("f{i}.fence")),
            format!("include \"f{}.fence\"\n", i + 1),
        )
        .unwrap();
    }
    std::fs::write(
        tmp.path().join("f40.fence"),
        "zone a { level 3 sl-target 1 network 10.0.0.0/8 }\n",
    )
    .unwrap();
    let out = bin(&["check", tmp.path().join("f0.fence").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("E0014") && err.contains("deeper than"),
        "{err}"
    );
}

#[test]
fn invalid_utf8_and_a_bom_are_diagnosed() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("bad.fence");
    std::fs::write(&p, b"zone a { description \"\xff\" }").unwrap();
    let out = bin(&["check", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("UTF-8"));
    std::fs::write(
        &p,
        "\u{feff}zone a { level 3 sl-target 1 network 10.0.0.0/8 }",
    )
    .unwrap();
    let out = bin(&["check", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("byte order mark"));
}

/// The root file of the size tests: two zones and a conduit, then `parts` includes of
/// `part{k}.fence`.
fn root_with_parts(parts: usize) -> String {
    let mut root =
        format!("{TWO_ZONES}conduit c {{ connects a, b  sl-target 1  allow a -> b https }}\n");
    for k in 0..parts {
        let _ = writeln!(root, "include \"part{k}.fence\"");
    }
    root
}

#[test]
fn a_100_mb_policy_in_include_files_is_refused_by_the_total_size_limit() {
    // 100 MB over 13 include files, each under the 8 MiB file limit. The parts are hard links
    // to one file (comments: the limit is about bytes), so the test writes 7.9 MB, not 100.
    let tmp = tempfile::tempdir().unwrap();
    let part_size: usize = 7_900_000;
    let line = format!("# {}\n", "x".repeat(97));
    let part = line.repeat(part_size / line.len());
    std::fs::write(tmp.path().join("part0.fence"), &part).unwrap();
    let parts = 13;
    for k in 1..parts {
        std::fs::hard_link(
            tmp.path().join("part0.fence"),
            tmp.path().join(format!("part{k}.fence")),
        )
        .unwrap();
    }
    let root = root_with_parts(parts);
    let p = tmp.path().join("big.fence");
    std::fs::write(&p, &root).unwrap();
    assert!(root.len() + parts * part.len() > 100_000_000);

    // The include that takes the total past the limit is the one pointed at.
    let limit = fenceline::syntax::loader::MAX_POLICY_SIZE as usize;
    let k = (limit - root.len()) / part.len();
    let line_no = root
        .lines()
        .position(|l| l.contains(&format!("\"part{k}.fence\"")))
        .unwrap()
        + 1;

    let out = bin(&["check", p.to_str().unwrap(), "--format", "concise"]);
    let found = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{found}");
    // One finding, at the include that goes past the limit: nothing else is checked.
    let findings: Vec<&str> = found.lines().filter(|l| l.contains(": error[")).collect();
    assert_eq!(
        findings,
        vec![format!(
            "{}:{line_no}:9: error[E0024]: the policy's files hold more than {limit} bytes together",
            p.display()
        )],
        "{found}"
    );

    let out_dir = tmp.path().join("out");
    let out = bin(&[
        "build",
        p.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
        "--color",
        "never",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0024"));
    assert!(!out_dir.exists(), "nothing written");

    // Under the limit, a part of the same size is read and checked.
    let root = root_with_parts(1);
    std::fs::write(&p, &root).unwrap();
    let out = bin(&["check", p.to_str().unwrap(), "--color", "never"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// 10,000 sites of a template of 60 zones, through the command line.
fn ten_thousand_sites() -> String {
    let mut text = String::from("template t {\n  param a number\n");
    for k in 0..60 {
        let _ = writeln!(
            text,
            "  zone z{k} {{\n    level 2\n    sl-target 2\n    network 10.{{a}}.{k}.0/24\n  }}"
        );
    }
    text.push_str("}\n");
    for i in 0..10_000 {
        let _ = writeln!(text, "site s{i} t {{ a {} }}", i % 256);
    }
    text
}

#[test]
fn a_template_instantiated_10000_times_ends_in_e0024_not_in_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("fleet.fence");
    std::fs::write(&p, ten_thousand_sites()).unwrap();
    let out = bin(&["check", p.to_str().unwrap(), "--format", "concise"]);
    let found = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{found}");
    // 500,000 statements at 240 a site: the 2,084th site reaches the limit.
    assert!(
        found.contains(":2387:6: error[E0024]: the sites expand to more than 500000 statements"),
        "{found}"
    );
    let out_dir = tmp.path().join("out");
    let out = bin(&[
        "build",
        p.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out_dir.exists(), "nothing written");
}

#[test]
fn recursive_templates_end_in_e0046() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("loop.fence");
    std::fs::write(
        &p,
        "template a {\n  site x b\n}\ntemplate b {\n  site y a\n}\nsite top a\n",
    )
    .unwrap();
    let out = bin(&["check", p.to_str().unwrap(), "--format", "concise"]);
    let found = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{found}");
    assert!(
        found.contains(":5:10: error[E0046]: templates instantiate each other: `a` -> `b` -> `a`"),
        "{found}"
    );
}
