//! `fenceline traffic check`: Zeek conn.log fixtures written in Zeek's documented TSV and JSON
//! forms give the same findings; the groups stay bounded however many connections a log has;
//! bad input (a truncated or corrupt capture or log, an unknown format) exits 2 with the file
//! and line or packet; a capture taken by tcpdump in the firewall namespace of an example plant
//! finds the denied probes and nothing else.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_fenceline");
const POLICY: &str = "examples/north-pipeline.fence";

fn check(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["traffic", "check"])
        .args(args)
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let o = check(&a);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// (source zone, initiator, responder, service, count) of every denied entry, and of no zone.
fn denied(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let groups = v["denied_groups"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&v["no_zone"]]);
    for g in groups {
        for e in g["entries"].as_array().unwrap() {
            out.push(format!(
                "{} -> {}: {} -> {} {} x{}",
                g["src_zone"].as_str().unwrap_or("-"),
                g["dst_zone"].as_str().unwrap_or("-"),
                e["initiator"].as_str().unwrap(),
                e["responder"].as_str().unwrap(),
                e["service"].as_str().unwrap(),
                e["count"]
            ));
        }
    }
    out
}

#[test]
fn zeek_tsv_and_json_give_the_same_findings() {
    let tsv = json(&[POLICY, "tests/traffic/conn.log"]);
    let js = json(&[POLICY, "tests/traffic/conn.json"]);
    assert_eq!(tsv, js);
    assert_eq!(
        denied(&tsv),
        [
            "control-center -> field: 10.30.0.10 -> 10.40.2.5 icmp/8 x1",
            "enterprise -> control-center: 10.10.5.5 -> 10.30.0.10 ssh (tcp/22) x1",
            "enterprise -> field: 10.10.5.5 -> 10.40.2.5 modbus (tcp/502) x2",
            "- -> -: 192.168.1.7 -> 10.30.0.10 snmp (udp/161) x1",
        ]
    );
    assert_eq!(tsv["allowed"], 2);
    assert_eq!(tsv["within_zone"], 1);
    assert_eq!(tsv["unobserved"].as_array().unwrap().len(), 6);
    insta::assert_snapshot!(
        "conn_markdown",
        String::from_utf8_lossy(
            &check(&[POLICY, "tests/traffic/conn.log", "--format", "markdown"]).stdout
        )
    );
    // --exit-code: 1 when anything observed would be denied, 0 when nothing is.
    assert_eq!(
        check(&[POLICY, "tests/traffic/conn.log", "--exit-code"])
            .status
            .code(),
        Some(1)
    );
    let tmp = tempfile::tempdir().unwrap();
    let ok = tmp.path().join("ok.log");
    let text = std::fs::read_to_string("tests/traffic/conn.json").unwrap();
    std::fs::write(&ok, text.lines().take(2).collect::<Vec<_>>().join("\n")).unwrap();
    assert_eq!(
        check(&[POLICY, ok.to_str().unwrap(), "--exit-code"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn groups_stay_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("noise.json");
    let mut s = String::new();
    for i in 0..20_000u32 {
        s.push_str(&format!(
            "{{\"ts\":{},\"id.orig_h\":\"10.10.{}.{}\",\"id.orig_p\":40000,\"id.resp_h\":\"10.40.2.5\",\"id.resp_p\":502,\"proto\":\"tcp\"}}\n",
            1_700_000_000 + i,
            i / 250,
            i % 250
        ));
    }
    std::fs::write(&log, s).unwrap();
    let v = json(&[POLICY, log.to_str().unwrap(), "--max-entries", "5"]);
    let g = &v["denied_groups"][0];
    assert_eq!(g["connections"], 20_000);
    assert_eq!(g["entries"].as_array().unwrap().len(), 5);
    assert_eq!(g["others"], 19_995);
}

#[test]
fn bad_logs_exit_2_with_file_and_position() {
    let tmp = tempfile::tempdir().unwrap();
    let w = |name: &str, bytes: &[u8]| {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().to_string()
    };
    let conn = std::fs::read_to_string("tests/traffic/conn.log").unwrap();
    let cases = [
        (
            w(
                "bad.log",
                conn.replace("10.10.5.5\t50001", "10.10.5\t50001")
                    .as_bytes(),
            ),
            "bad.log: line 12: `10.10.5` is not an address",
        ),
        (
            w(
                "short.log",
                &conn.as_bytes()[..conn.find("C8\t10.30.0.21").unwrap() + 13],
            ),
            "short.log: line 16: 3 fields, the header names more",
        ),
        (
            w("nofields.log", b"#separator \\x09\n1\t2\t3\n"),
            "nofields.log: line 2: a record before the `#fields` header",
        ),
        (
            w("bad.json", b"{\"ts\": 1, \"id.orig_h\": \"10.0.0.1\"\n"),
            "bad.json: line 1: not a JSON object",
        ),
        (w("unknown.txt", b"hello"), "unknown.txt: unknown format"),
        (w("empty.log", b""), "empty.log: empty file"),
    ];
    for (path, want) in cases {
        let o = check(&[POLICY, &path]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains(want), "{path}: {err}");
    }
}

/// A pcap of `n` Ethernet frames, each a TCP SYN from 10.10.5.5 to 10.30.0.10:22 (denied).
fn syn_pcap(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(0xa1b2_c3d4u32.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend([0u8; 8]);
    out.extend(65535u32.to_le_bytes());
    out.extend(1u32.to_le_bytes()); // Ethernet
    for i in 0..n {
        let mut frame = Vec::new();
        etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4([10, 10, 5, 5], [10, 30, 0, 10], 64)
            .tcp(40000 + i as u16, 22, 1, 1024)
            .syn()
            .write(&mut frame, &[])
            .unwrap();
        out.extend((1_700_000_000u32 + i as u32).to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend((frame.len() as u32).to_le_bytes());
        out.extend((frame.len() as u32).to_le_bytes());
        out.extend(frame);
    }
    out
}

#[test]
fn captures_are_read_and_bad_ones_refused_with_the_packet() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("syn.pcap");
    std::fs::write(&good, syn_pcap(3)).unwrap();
    let v = json(&[POLICY, good.to_str().unwrap()]);
    assert_eq!(
        denied(&v),
        ["enterprise -> control-center: 10.10.5.5 -> 10.30.0.10 ssh (tcp/22) x3"]
    );
    let mut cut = syn_pcap(3);
    cut.truncate(cut.len() - 10);
    let bad = tmp.path().join("cut.pcap");
    std::fs::write(&bad, cut).unwrap();
    let o = check(&[POLICY, bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cut.pcap: packet 3: truncated capture"),
        "{err}"
    );
}

fn can_run_kernel(what: &str) -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let tools = ["nft", "ip", "python3", "tcpdump"].iter().all(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if root && tools {
        return true;
    }
    assert!(
        !ci,
        "{what}: cannot run under CI=true (root and nft, ip, python3, tcpdump needed)"
    );
    eprintln!("SKIPPED {what}: needs root and nft, ip, python3, tcpdump");
    false
}

#[test]
fn a_tcpdump_capture_of_the_example_plant_finds_the_denied_probes() {
    if !can_run_kernel("traffic capture") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let build = tmp.path().join("build");
    let o = Command::new(BIN)
        .args(["build", POLICY, "-o"])
        .arg(&build)
        .output()
        .unwrap();
    assert!(o.status.success());
    let capture = tmp.path().join("plant.pcap");
    let nft = build.join("fw-it-ot/nftables.nft");
    let probe = |id: &str,
                 side: i32,
                 dst_side: i32,
                 src: &str,
                 dst: &str,
                 proto: &str,
                 port: u16,
                 ok: bool| {
        serde_json::json!({"id": id, "side": side, "dst_side": dst_side, "src": src, "dst": dst,
            "proto": proto, "port": port, "timeout": if ok { 10.0 } else { 1.5 }})
    };
    let spec = serde_json::json!({
        "prefix": format!("flt{}", std::process::id()),
        "loaders": [["nft", "-f", nft.to_str().unwrap()]],
        "capture": capture.to_str().unwrap(),
        "sides": [
            {"iface": "eth0", "fw4": "169.254.0.1/24", "fw6": "fe80::1/64", "addrs": ["10.10.5.5/32"],
             "routes4": ["10.10.0.0/16"], "routes6": []},
            {"iface": "eth1", "fw4": "169.254.1.1/24", "fw6": "fe80::1/64", "addrs": ["10.20.0.10/32", "10.20.0.20/32"],
             "routes4": ["10.20.0.0/24"], "routes6": []},
            {"iface": "eth2", "fw4": "169.254.2.1/24", "fw6": "fe80::1/64", "addrs": ["10.30.0.21/32"],
             "routes4": ["10.30.0.0/24", "10.40.0.0/22"], "routes6": []},
        ],
        "probes": [
            probe("https", 0, 1, "10.10.5.5", "10.20.0.10", "tcp", 443, true),
            probe("rdp", 1, 2, "10.20.0.20", "10.30.0.21", "tcp", 3389, true),
            probe("ssh", 0, 2, "10.10.5.5", "10.30.0.21", "tcp", 22, false),
            probe("snmp", 0, 1, "10.10.5.5", "10.20.0.10", "udp", 161, false),
        ],
    });
    let mut child = Command::new("python3")
        .args(["tests/linux/netns_e2e.py", "run"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(spec.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let res: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("harness: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(res["results"]["https"][0], "ok", "{res}");
    assert_eq!(res["results"]["rdp"][0], "ok", "{res}");
    assert_eq!(res["results"]["ssh"][0], "timeout", "{res}");
    assert!(Path::new(&capture).exists());
    let v = json(&[POLICY, capture.to_str().unwrap()]);
    assert_eq!(
        denied(&v),
        [
            "enterprise -> control-center: 10.10.5.5 -> 10.30.0.21 ssh (tcp/22) x1",
            "enterprise -> dmz: 10.10.5.5 -> 10.20.0.10 snmp (udp/161) x1",
        ],
        "{v}"
    );
    assert_eq!(v["allowed"], 2, "{v}");
}

#[test]
fn learn_drafts_the_observed_flows_and_lints_them() {
    let tmp = tempfile::tempdir().unwrap();
    let draft = tmp.path().join("draft.fence");
    let o = Command::new(BIN)
        .args([
            "traffic",
            "learn",
            "tests/import/handwritten/skeleton.fence",
            "tests/traffic/conn.log",
            "-o",
        ])
        .arg(&draft)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("8 connections: 1 within a zone, 1 of no zone"),
        "{err}"
    );
    assert!(err.contains("findings on the draft"), "{err}");
    let text = std::fs::read_to_string(&draft).unwrap();
    insta::assert_snapshot!("learned", text);
    // The draft allows every connection observed between zones: checked against the same log,
    // nothing is denied (the one of no zone stays of no zone), and every flow was observed.
    let v = json(&[draft.to_str().unwrap(), "tests/traffic/conn.log"]);
    assert_eq!(v["denied"], 0, "{v}");
    assert_eq!(v["no_zone"]["connections"], 1, "{v}");
    assert_eq!(v["unobserved"].as_array().unwrap().len(), 0, "{v}");
}
