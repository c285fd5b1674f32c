//! ICMP and ICMPv6 through the kernel, as connection tracking classifies them: the generated
//! nftables and iptables rulesets of `tests/icmp/plant.fence` (and of a variant whose
//! whole-protocol flow is `any`) are loaded into a firewall namespace, and every ICMP type 0-255
//! and every ICMPv6 type 0-255 is sent, unsolicited, with raw sockets in both directions
//! (`tests/linux/icmp_types.py`). A type must arrive exactly when the policy allows it
//! (`policy_decision`): requests of a flow that names them, every type of a whole-protocol flow,
//! untracked and invalid ones included, and no reply or error that answers no connection. Echo
//! requests that the policy allows get their reply back (established), in both families. The
//! same configurations are proven equal to the policy by verify, so verify's model of conntrack
//! and the kernel agree.
//!
//! Needs root (network namespaces); without it the test prints that it skipped, with `CI=true`
//! it fails instead.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::driver::{check_text, CheckOptions};
use fenceline::model::policy_decision;
use fenceline::model::{DeviceId, Model, Target};
use fenceline::packet::Packet;
use fenceline::verify::equiv::{compare_loaded, load, PolicySides};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::process::{Command, Stdio};

const PLANT: &str = "tests/icmp/plant.fence";
const A4: &str = "10.71.1.2";
const B4: &str = "10.71.2.2";
const A6: &str = "fd71:1::2";
const B6: &str = "fd71:2::2";

fn kernel_tests(what: &str) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let tools = [
        "nft",
        "iptables-restore",
        "ip6tables-restore",
        "ip",
        "python3",
    ]
    .iter()
    .all(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if root && tools {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{what}: cannot run under CI=true: needs root, nft, iptables, ip and python3");
    }
    eprintln!("SKIPPED {what}: needs root, nft, iptables, ip and python3");
    false
}

fn build(text: &str) -> (Model, BTreeMap<String, String>) {
    let opts = BuildOptions {
        check: CheckOptions {
            today: Some("2026-11-25".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let checked = check_text(PLANT, Path::new(PLANT), text.to_string(), &opts.check);
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let built = build_checked(&checked, &opts).unwrap().unwrap();
    let files = built
        .outputs
        .iter()
        .map(|o| (o.path.clone(), String::from_utf8_lossy(&o.bytes).into()))
        .collect();
    (checked.model.unwrap(), files)
}

/// verify says the device's nftables and iptables configurations equal the policy.
fn assert_verified(label: &str, model: &Model, files: &BTreeMap<String, String>) {
    let sides = PolicySides::for_targets(model, &[Target::Nftables]);
    let read = |p: &str| files.get(p).cloned();
    for t in [Target::Nftables, Target::Iptables] {
        let cfg = load("fw", t, &read).unwrap().unwrap();
        let r = compare_loaded(model, &sides, DeviceId(0), t, &cfg).unwrap();
        assert!(r.equal, "{label} {t:?}: {:#?}", r.differences);
    }
}

fn icmp(src: &str, dst: &str, t: u16) -> Packet {
    let (src, dst): (IpAddr, IpAddr) = (src.parse().unwrap(), dst.parse().unwrap());
    Packet {
        src,
        dst,
        proto: if src.is_ipv4() { 1 } else { 58 },
        sport: 0,
        dport: t,
        ack: false,
    }
}

/// Runs the probe for one ruleset; returns every disagreement with the policy.
fn probe(label: &str, model: &Model, files: &BTreeMap<String, String>, nft: bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, &files[&format!("fw/{name}")]).unwrap();
        p.to_string_lossy().to_string()
    };
    let loaders: Vec<Vec<String>> = if nft {
        vec![vec!["nft".into(), "-f".into(), file("nftables.nft")]]
    } else {
        vec![
            vec!["iptables-restore".into(), file("iptables.rules")],
            vec!["ip6tables-restore".into(), file("ip6tables.rules")],
        ]
    };
    let all: Vec<u16> = (0..=255).collect();
    let spec = serde_json::json!({
        "prefix": format!("ic{}{}", std::process::id() % 100_000, if nft { "n" } else { "i" }),
        "loaders": loaders, "types4": all, "types6": all, "pings": true,
    });
    let mut child = Command::new("timeout")
        .args(["300", "python3", "tests/linux/icmp_types.py", "run"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(spec.to_string().as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_else(|_| {
        panic!(
            "{label}: probe output unreadable: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(v.get("error").is_none(), "{label}: probe failed: {v}");
    assert!(
        v.get("load").is_none(),
        "{label}: ruleset did not load: {v}"
    );
    let mut bad = Vec::new();
    for (dir, src, dst) in [("a->b", (A4, A6), (B4, B6)), ("b->a", (B4, B6), (A4, A6))] {
        for (fam, key, s, d) in [
            ("icmp", "arrived4", src.0, dst.0),
            ("icmpv6", "arrived6", src.1, dst.1),
        ] {
            let arrived: Vec<u64> = v[dir][key]
                .as_array()
                .unwrap_or_else(|| panic!("{label}: no {dir} {key} in {v}"))
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            for t in 0..=255u16 {
                let allowed = policy_decision(model, &icmp(s, d, t)).is_some();
                let got = arrived.contains(&(t as u64));
                if allowed != got {
                    bad.push(format!(
                        "{label}: {dir} {fam} type {t}: policy {}, kernel {}",
                        if allowed { "allows" } else { "denies" },
                        if got { "forwarded it" } else { "dropped it" }
                    ));
                }
            }
        }
    }
    // An allowed echo request gets its reply (established); a denied one gets none.
    for (name, s, d) in [
        ("a->b v4", A4, B4),
        ("a->b v6", A6, B6),
        ("b->a v4", B4, A4),
        ("b->a v6", B6, A6),
    ] {
        let req = if s.contains(':') { 128 } else { 8 };
        let allowed = policy_decision(model, &icmp(s, d, req)).is_some();
        if v["pings"][name].as_bool() != Some(allowed) {
            bad.push(format!(
                "{label}: ping {name}: policy {}, reply {}",
                if allowed { "allows" } else { "denies" },
                v["pings"][name]
            ));
        }
    }
    bad
}

#[test]
fn every_icmp_type_passes_exactly_as_the_policy_says() {
    if !kernel_tests("every_icmp_type_passes_exactly_as_the_policy_says") {
        return;
    }
    let text = std::fs::read_to_string(PLANT).unwrap();
    let any = text.replace(
        "allow b -> a icmp, icmpv6",
        "allow b -> a any { exception FR5-003 \"every protocol, to test every ICMP type\" }",
    );
    assert_ne!(text, any);
    let mut bad = Vec::new();
    for (label, policy) in [("icmp, icmpv6", &text), ("any", &any)] {
        let (model, files) = build(policy);
        assert_verified(label, &model, &files);
        for nft in [true, false] {
            let l = format!("{label} ({})", if nft { "nftables" } else { "iptables" });
            bad.extend(probe(&l, &model, &files, nft));
        }
    }
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
