//! Static 1:1 NAT on the Linux targets (issue 16, `tests/nat/linux.fence`): two skids with the
//! same inside network and the same gateway address behind one firewall.
//!
//! - the kernel (`kernel_translates_two_identical_skids`, harness `linux/nat_e2e.py`): for
//!   nftables and iptables, with `iproute2.batch` loaded by `ip -batch`, each PLC answers its own
//!   outside address from the allowed source over a full TCP exchange (every packet of the
//!   connection crosses the translation), the answers come back from the outside address, the
//!   skid-initiated flow arrives with its outside source; the same source port to both skids at
//!   once works (identical reply tuples, kept apart by conntrack zones); other sources, ports,
//!   the inside address reached directly and the other skid's flow get nothing, and none of
//!   their packets arrives at all (counted in the receiving namespace: a SYN to the inside
//!   address that arrives but is never answered would otherwise look denied);
//! - `verify` (`generated_configurations_verify_equal`, `translation_mutations_are_found`):
//!   the generated files equal the policy in the plant's view, and a mutation of the
//!   translation, the mark or the filter is found;
//! - what cannot be generated is refused (`unsupported_combinations_are_refused`).
//!
//! Kernel tests need root; with `CI=true` they fail instead of skipping.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::dialect::EmitOptions;
use fenceline::driver::{check_path, check_text, CheckOptions};
use fenceline::model::Target;
use std::path::Path;
use std::process::{Command, Stdio};

const FIXTURE: &str = "tests/nat/linux.fence";

fn opts() -> CheckOptions {
    CheckOptions {
        today: Some("2026-11-25".into()),
        ..Default::default()
    }
}

/// The build's files of the fixture, by path.
fn built(text: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let checked = match text {
        None => check_path(Path::new(FIXTURE), &opts()).unwrap(),
        Some(t) => check_text("t.fence", Path::new("t.fence"), t.to_string(), &opts()),
    };
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let bo = BuildOptions {
        check: opts(),
        targets: Some(vec![Target::Nftables, Target::Iptables]),
        emit: EmitOptions::default(),
    };
    match build_checked(&checked, &bo) {
        Ok(Some(b)) => Ok(b
            .outputs
            .into_iter()
            .map(|o| (o.path, String::from_utf8(o.bytes).unwrap()))
            .collect()),
        Ok(None) => Err("no build".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn write(dir: &Path, files: &[(String, String)]) {
    for (p, text) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("fenceline-nat-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn verify(dir: &Path, target: &str) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(["verify", FIXTURE])
        .arg(dir)
        .args(["-t", target])
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn the_build_writes_the_routing_part_once_and_translates_in_both_targets() {
    let files = built(None).unwrap();
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert!(names.contains(&"fw-cells/iproute2.batch"), "{names:?}");
    assert_eq!(
        names
            .iter()
            .filter(|n| n.ends_with("iproute2.batch"))
            .count(),
        1
    );
    let get = |n: &str| &files.iter().find(|(p, _)| p == n).unwrap().1;
    let batch = get("fw-cells/iproute2.batch");
    for line in [
        "rule add from 0.0.0.0/0 fwmark 1 table 1001 priority 1001",
        "route add 192.168.1.0/24 dev eth1 table 1001",
        "rule add from 0.0.0.0/0 fwmark 2 table 1002 priority 1002",
        "route add 192.168.1.0/24 dev eth2 table 1002",
    ] {
        assert!(batch.lines().any(|l| l == line), "{line}\n{batch}");
    }
    let nft = get("fw-cells/nftables.nft");
    for line in [
        "iifname != \"eth1\" ip daddr 10.50.1.0/24 dnat ip prefix to 192.168.1.0/24",
        "meta mark 2 ip saddr 192.168.1.0/24 snat ip prefix to 10.50.2.0/24",
        "iifname \"eth2\" ct zone set 2 meta mark set 2",
    ] {
        assert!(nft.lines().any(|l| l.trim() == line), "{line}\n{nft}");
    }
    let ipt = get("fw-cells/iptables.rules");
    for line in [
        "-A PREROUTING -d 10.50.2.0/24 ! -i eth2 -j NETMAP --to 192.168.1.0/24",
        "-A POSTROUTING -s 192.168.1.0/24 -m mark --mark 0x1 -j NETMAP --to 10.50.1.0/24",
        "-A PREROUTING -i eth1 -j CT --zone 1",
    ] {
        assert!(ipt.lines().any(|l| l == line), "{line}\n{ipt}");
    }
    // The filter sees the skid at its inside address.
    assert!(
        nft.contains("10.30.0.10 . 192.168.1.10 . tcp . 502"),
        "{nft}"
    );
    assert!(ipt.contains("-s 10.30.0.10/32 -d 192.168.1.10/32 -p tcp -m tcp --dport 502"));
    // Deterministic: a second build gives the same bytes.
    assert_eq!(files, built(None).unwrap());
}

#[test]
fn generated_configurations_verify_equal() {
    let dir = tmp("equal");
    write(&dir, &built(None).unwrap());
    for t in ["nftables", "iptables"] {
        let (code, out) = verify(&dir, t);
        assert_eq!(code, 0, "{t}: {out}");
        assert!(out.contains("equal to the policy"), "{out}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An HA pair translating the same zones: each node's directory gets its own `iproute2.batch`
/// (the same commands) and both nodes verify equal.
#[test]
fn a_cluster_translates_on_each_node() {
    let text = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .replace(
            "firewall fw-cells {\n  target nftables, iptables\n",
            "zone ha-link {\n  level 3\n  sl-target 2\n  network 10.99.0.0/29\n}\n\nfirewall fw-cells {\n  target nftables, iptables\n  cluster fw-a, fw-b\n  sync eth3\n  interface eth3 ha-link address 10.99.0.1 nodes 10.99.0.2, 10.99.0.3\n",
        )
        .replace(
            "interface eth0 site-ops address 10.30.0.1",
            "interface eth0 site-ops address 10.30.0.1 nodes 10.30.0.2, 10.30.0.3",
        );
    let files = built(Some(&text)).unwrap();
    let batch = |n: &str| {
        files
            .iter()
            .find(|(p, _)| *p == format!("{n}/iproute2.batch"))
            .map(|(_, t)| {
                t.lines()
                    .filter(|l| !l.starts_with('#'))
                    .collect::<Vec<_>>()
            })
            .unwrap()
    };
    assert_eq!(batch("fw-a"), batch("fw-b"));
    assert!(batch("fw-a").contains(&"route add 192.168.1.0/24 dev eth2 table 1002"));
    let dir = tmp("cluster");
    write(&dir, &files);
    std::fs::write(dir.join("cluster.fence"), &text).unwrap();
    for t in ["nftables", "iptables"] {
        let o = Command::new(env!("CARGO_BIN_EXE_fenceline"))
            .arg("verify")
            .arg(dir.join("cluster.fence"))
            .arg(&dir)
            .args(["-t", t])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{t}: {out}");
        assert_eq!(out.matches("equal to the policy").count(), 2, "{out}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Each mutation of a translation, a mark or the filter, with the verdict `verify` must give.
pub const MUTATIONS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "nft direct inside drop deleted",
        "fw-cells/nftables.nft",
        "\t\toifname \"eth1\" ip daddr 192.168.1.0/24 ct original ip daddr != 10.50.1.0/24 counter drop comment \"eth1 (filling): inside addresses only by their outside ones (nat)\"\n",
        "",
        "over-permit: tcp 10.30.0.10:40000 -> 192.168.1.10:502",
    ),
    (
        "nft DNAT to another inside network",
        "fw-cells/nftables.nft",
        "ip daddr 10.50.1.0/24 dnat ip prefix to 192.168.1.0/24",
        "ip daddr 10.50.1.0/24 dnat ip prefix to 192.168.2.0/24",
        "under-permit: tcp 10.30.0.10:40000 -> 10.50.1.10:502",
    ),
    (
        "nft SNAT to another outside network",
        "fw-cells/nftables.nft",
        "snat ip prefix to 10.50.1.0/24",
        "snat ip prefix to 10.50.3.0/24",
        "over-permit: tcp 10.50.3.10:40000 -> 10.30.0.20:443",
    ),
    (
        "nft mark of the skid's interface swapped",
        "fw-cells/nftables.nft",
        "iifname \"eth1\" ct zone set 1 meta mark set 1",
        "iifname \"eth1\" ct zone set 1 meta mark set 2",
        "over-permit: tcp 10.50.2.10:40000 -> 10.30.0.20:443",
    ),
    (
        "nft filter element widened to the inside network",
        "fw-cells/nftables.nft",
        "10.30.0.10 . 192.168.1.10 . tcp . 502 comment \"ops-cells: site-ops.scada -> filling.plc modbus\"",
        "10.30.0.10 . 192.168.1.0/24 . tcp . 502 comment \"ops-cells: site-ops.scada -> filling.plc modbus\"",
        "over-permit: tcp 10.30.0.10:40000 -> 10.50.1.0:502",
    ),
    (
        "iptables direct inside drop deleted",
        "fw-cells/iptables.rules",
        "-A FORWARD -d 192.168.1.0/24 -o eth1 -m conntrack ! --ctorigdst 10.50.1.0/24 -m comment --comment \"eth1 (filling): inside addresses only by their outside ones (nat)\" -j DROP\n",
        "",
        "over-permit: tcp 10.30.0.10:40000 -> 192.168.1.10:502",
    ),
    (
        "iptables NETMAP to another inside network",
        "fw-cells/iptables.rules",
        "-d 10.50.2.0/24 ! -i eth2 -j NETMAP --to 192.168.1.0/24",
        "-d 10.50.2.0/24 ! -i eth2 -j NETMAP --to 192.168.2.0/24",
        "under-permit: tcp 10.30.0.10:40000 -> 10.50.2.10:502",
    ),
    (
        "iptables SNAT without its mark",
        "fw-cells/iptables.rules",
        "-A POSTROUTING -s 192.168.1.0/24 -m mark --mark 0x1 -j NETMAP --to 10.50.1.0/24",
        "-A POSTROUTING -s 192.168.1.0/24 -j NETMAP --to 10.50.3.0/24\n-A POSTROUTING -s 192.168.1.0/24 -m mark --mark 0x1 -j NETMAP --to 10.50.1.0/24",
        "over-permit: tcp 10.50.3.10:40000 -> 10.30.0.20:443",
    ),
    (
        "iptables mark of the skid's interface swapped",
        "fw-cells/iptables.rules",
        "-A PREROUTING -i eth1 -j MARK --set-xmark 0x1/0xffffffff",
        "-A PREROUTING -i eth1 -j MARK --set-xmark 0x2/0xffffffff",
        "over-permit: tcp 10.50.2.10:40000 -> 10.30.0.20:443",
    ),
    (
        "iptables filter rule widened to the inside network",
        "fw-cells/iptables.rules",
        "-A FL-eth0_eth1 -s 10.30.0.10/32 -d 192.168.1.10/32 -p tcp",
        "-A FL-eth0_eth1 -s 10.30.0.10/32 -d 192.168.1.0/24 -p tcp",
        "over-permit: tcp 10.30.0.10:40000 -> 10.50.1.0:502",
    ),
];

#[test]
fn translation_mutations_are_found() {
    let files = built(None).unwrap();
    let mut failures = Vec::new();
    for (what, file, from, to, want) in MUTATIONS {
        let dir = tmp("mut");
        let mut fs = files.clone();
        let f = fs.iter_mut().find(|(p, _)| p == file).unwrap();
        assert_eq!(f.1.matches(from).count(), 1, "{what}: `{from}`");
        f.1 = f.1.replacen(from, to, 1);
        write(&dir, &fs);
        let target = if file.ends_with(".nft") {
            "nftables"
        } else {
            "iptables"
        };
        let (code, out) = verify(&dir, target);
        // `NAT_ROWS=1` prints each mutation's first difference, for the table in docs/verify.md.
        if std::env::var("NAT_ROWS").is_ok() {
            let first: Vec<&str> = out.lines().skip(1).take(2).map(str::trim).collect();
            eprintln!("ROW | {what} | {target} | {} |", first.join(" "));
        }
        if code != 1 || !out.contains(want) {
            failures.push(format!("{what}: exit {code}, want `{want}`:\n{out}"));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn unsupported_combinations_are_refused() {
    let base = std::fs::read_to_string(FIXTURE).unwrap();
    let cases = [
        (
            base.replace(
                "  allow filling.plc -> site-ops.historian https",
                "  allow filling.plc -> packaging.plc modbus",
            )
            .replace("expect allow filling.plc -> site-ops.historian https\n", ""),
            "firewall `fw-cells` carries flows between translated zones `filling` and `packaging`",
        ),
        (
            base.replace(
                "  allow site-ops.scada -> self ssh",
                "  allow filling.plc -> self ssh",
            ),
            "firewall `fw-cells` has device-level flows with translated zone `filling`",
        ),
        (
            format!(
                "service syslog-udp udp/514 {{ infrastructure  cleartext  one-way }}\n{}",
                base.replace(
                    "  allow filling.plc -> site-ops.historian https",
                    "  allow filling.plc -> site-ops.historian https\n  allow filling.plc -> site-ops.historian syslog-udp",
                )
            ),
            "firewall `fw-cells` forwards `one-way` flows between `filling` and `site-ops` and translates a zone",
        ),
    ];
    // An error at the device (E0039, exit 1) in `check` and `build`, and nothing written.
    let dir = tmp("refused");
    for (k, (text, want)) in cases.iter().enumerate() {
        let policy = dir.join(format!("p{k}.fence"));
        std::fs::write(&policy, text).unwrap();
        for cmd in ["check", "build"] {
            let mut c = Command::new(env!("CARGO_BIN_EXE_fenceline"));
            c.arg(cmd).arg(&policy);
            if cmd == "build" {
                c.arg("-o").arg(dir.join(format!("out{k}")));
            }
            let o = c.output().unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{cmd} {k}: {err}");
            for t in ["nftables", "iptables"] {
                let line = format!("{want}: target {t} cannot generate this translation");
                assert!(
                    err.replace(['\n', '│'], " ")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .contains(&line),
                    "{cmd} {k}: {line}\n{err}"
                );
            }
            assert!(err.contains("E0039"), "{err}");
        }
        assert!(!dir.join(format!("out{k}")).exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn kernel_tests(what: &str) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let tools = ["nft", "iptables-restore", "ip", "python3", "timeout"]
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
        panic!("{what}: cannot run under CI=true: not root or tools missing");
    }
    eprintln!("SKIPPED {what}: needs root, nft, iptables-restore, ip and python3");
    false
}

#[test]
fn kernel_translates_two_identical_skids() {
    if !kernel_tests("kernel_translates_two_identical_skids") {
        return;
    }
    let dir = tmp("kernel");
    write(&dir, &built(None).unwrap());
    let file = |n: &str| dir.join("fw-cells").join(n).to_string_lossy().to_string();
    // Side 0 is site-ops (eth0), 1 filling (eth1), 2 packaging (eth2).
    let probe = |id: &str, side: usize, src: &str, dst: &str, port: u16| serde_json::json!({"id": id, "side": side, "src": src, "dst": dst, "port": port});
    let mut twin = probe("twin", 0, "10.30.0.10", "10.50.1.10", 502);
    twin["sport"] = 20001.into();
    twin["twin"] = serde_json::json!(["10.50.2.10", 502]);
    let mut probes = vec![
        probe("scada-filling", 0, "10.30.0.10", "10.50.1.10", 502),
        probe("scada-packaging", 0, "10.30.0.10", "10.50.2.10", 502),
        twin,
        probe("historian-filling", 0, "10.30.0.20", "10.50.1.10", 502),
        probe("scada-filling-503", 0, "10.30.0.10", "10.50.1.10", 503),
        probe("scada-inside-direct", 0, "10.30.0.10", "192.168.1.10", 502),
        probe("filling-historian", 1, "192.168.1.10", "10.30.0.20", 443),
        probe("filling-other-host", 1, "192.168.1.20", "10.30.0.20", 443),
        probe("filling-to-packaging", 1, "192.168.1.10", "10.50.2.10", 502),
        probe("packaging-historian", 2, "192.168.1.10", "10.30.0.20", 443),
    ];
    // A denied probe must not reach its server at all: a SYN that arrives but whose answer is
    // dropped on the way back (an inside address sent to directly, tracked in another conntrack
    // zone than its reply) times out like one dropped on the way in. So each probe below gets a
    // source port of its own, and the packets with it that arrive in a side's namespace are
    // counted there (side, packets: `Some(0)` none, `None` at least one). The ports lie below
    // the kernel's ephemeral range (32768-60999): a probe without a port of its own, such as
    // scada-packaging, would otherwise now and then be given a watched one by `bind`, and its
    // allowed packets would be counted against a denied probe.
    type Watched<'a> = (&'a str, u16, &'a [(usize, Option<u64>)]);
    let watched: &[Watched] = &[
        // The control: the allowed probe arrives at its own skid, not at the other one.
        ("scada-filling", 20701, &[(1, None), (2, Some(0))]),
        ("scada-inside-direct", 20702, &[(1, Some(0)), (2, Some(0))]),
        ("historian-filling", 20703, &[(1, Some(0)), (2, Some(0))]),
        ("scada-filling-503", 20704, &[(1, Some(0)), (2, Some(0))]),
        ("filling-to-packaging", 20705, &[(2, Some(0))]),
        ("filling-other-host", 20706, &[(0, Some(0))]),
        ("packaging-historian", 20707, &[(0, Some(0))]),
    ];
    let mut watch = Vec::new();
    for (id, sport, sides) in watched {
        let p = probes.iter_mut().find(|p| p["id"] == *id).unwrap();
        p["sport"] = (*sport).into();
        for (side, _) in sides.iter() {
            watch.push(serde_json::json!({"id": format!("{id}@{side}"), "side": side, "match": format!("tcp sport {sport}")}));
        }
    }
    // (id, answers: [server, source it saw] per connection; none: denied)
    let want: &[(&str, &[(&str, &str)])] = &[
        ("scada-filling", &[("filling", "10.30.0.10")]),
        ("scada-packaging", &[("packaging", "10.30.0.10")]),
        (
            "twin",
            &[("filling", "10.30.0.10"), ("packaging", "10.30.0.10")],
        ),
        ("historian-filling", &[]),
        ("scada-filling-503", &[]),
        ("scada-inside-direct", &[]),
        // The historian sees the skid's outside address.
        ("filling-historian", &[("ops", "10.50.1.10")]),
        ("filling-other-host", &[]),
        ("filling-to-packaging", &[]),
        ("packaging-historian", &[]),
    ];
    let mut failures = Vec::new();
    for (k, loaders) in [
        (
            "nftables",
            vec![vec!["nft".to_string(), "-f".into(), file("nftables.nft")]],
        ),
        (
            "iptables",
            vec![
                vec!["iptables-restore".to_string(), file("iptables.rules")],
                vec!["ip6tables-restore".to_string(), file("ip6tables.rules")],
            ],
        ),
    ] {
        let spec = serde_json::json!({
            "prefix": format!("nat{}{}", std::process::id(), &k[..3]),
            "batch": file("iproute2.batch"),
            "loaders": loaders,
            "fw": [
                {"iface": "eth0", "addr": "10.30.0.1/24"},
                {"iface": "eth1", "addr": "192.168.1.1/24"},
                {"iface": "eth2", "addr": "192.168.1.1/24"},
            ],
            "sides": [
                {"name": "ops", "addrs": ["10.30.0.10/24", "10.30.0.20/24"], "gw": "10.30.0.1", "ports": [443]},
                {"name": "filling", "addrs": ["192.168.1.10/24", "192.168.1.20/24"], "gw": "192.168.1.1", "ports": [502, 503]},
                {"name": "packaging", "addrs": ["192.168.1.10/24"], "gw": "192.168.1.1", "ports": [502, 503]},
            ],
            "probes": probes,
            "watch": watch,
        });
        let v = harness(k, &spec);
        for (id, answers) in want {
            let r = &v["results"][id];
            let got: Vec<(String, String)> = r[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| (a[0].as_str().unwrap().into(), a[1].as_str().unwrap().into()))
                .collect();
            let expect: Vec<(String, String)> = answers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            let status = r[0].as_str().unwrap_or("missing");
            let ok = if expect.is_empty() {
                status == "timeout"
            } else {
                status == "ok" && got == expect
            };
            if !ok {
                failures.push(format!("{k}: {id}: {status} {got:?}, expected {expect:?}"));
            }
        }
        for (id, _, sides) in watched {
            for (side, want) in sides.iter() {
                let key = format!("{id}@{side}");
                let got = v["watch"][&key].as_u64();
                let ok = match want {
                    Some(n) => got == Some(*n),
                    None => got.is_some_and(|n| n > 0),
                };
                if !ok {
                    failures.push(format!(
                        "{k}: {key}: {got:?} packets arrived, expected {}",
                        want.map_or("some".to_string(), |n| n.to_string())
                    ));
                }
            }
        }
    }
    // The watch sees what the answers cannot: without the drop of inside addresses reached
    // directly, the SYN to 192.168.1.10 arrives at the filling skid (its SYN-ACK, in the skid's
    // conntrack zone, is dropped as invalid, so the probe times out all the same).
    let nft = file("nftables.nft");
    let text = std::fs::read_to_string(&nft).unwrap();
    let mutated: String = text
        .lines()
        .filter(|l| !l.contains("ct original ip daddr"))
        .map(|l| format!("{l}\n"))
        .collect();
    let drops = text.lines().filter(|l| l.contains("ct original ip daddr"));
    assert_eq!(drops.count(), 2, "one direct-inside drop per skid: {text}");
    std::fs::write(&nft, mutated).unwrap();
    let mut direct = probe("scada-inside-direct", 0, "10.30.0.10", "192.168.1.10", 502);
    direct["sport"] = 20702.into();
    let spec = serde_json::json!({
        "prefix": format!("nat{}mut", std::process::id()),
        "batch": file("iproute2.batch"),
        "loaders": [["nft", "-f", nft]],
        "fw": [
            {"iface": "eth0", "addr": "10.30.0.1/24"},
            {"iface": "eth1", "addr": "192.168.1.1/24"},
            {"iface": "eth2", "addr": "192.168.1.1/24"},
        ],
        "sides": [
            {"name": "ops", "addrs": ["10.30.0.10/24"], "gw": "10.30.0.1", "ports": []},
            {"name": "filling", "addrs": ["192.168.1.10/24"], "gw": "192.168.1.1", "ports": [502]},
            {"name": "packaging", "addrs": ["192.168.1.10/24"], "gw": "192.168.1.1", "ports": [502]},
        ],
        "probes": [direct],
        "watch": [{"id": "direct", "side": 1, "match": "tcp sport 20702"}],
    });
    let v = harness("nftables without the direct-inside drop", &spec);
    assert_eq!(v["results"]["scada-inside-direct"][0], "timeout", "{v}");
    assert!(
        v["watch"]["direct"].as_u64().is_some_and(|n| n > 0),
        "the watch must see the SYN that the direct-inside drop stops: {v}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs `linux/nat_e2e.py` on a spec; the loaders must all succeed.
fn harness(what: &str, spec: &serde_json::Value) -> serde_json::Value {
    let mut c = Command::new("timeout");
    c.args(["300", "python3", "tests/linux/nat_e2e.py", "run"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(spec.to_string().as_bytes())
            .unwrap();
    }
    let o = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|_| {
        panic!(
            "{what}: harness output unreadable: {out}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    assert!(v.get("error").is_none(), "{what}: harness failed: {v}");
    for l in v["load"].as_array().unwrap() {
        assert_eq!(l["rc"], 0, "{what}: did not load: {l}");
    }
    v
}
