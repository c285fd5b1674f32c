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
