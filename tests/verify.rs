//! `verify`: every example's generated nftables and iptables configurations equal the policy on
//! every device and interface pair; the kernel's normalised `nft -j list ruleset` JSON does too
//! (when an unprivileged network namespace is available); and each mutation of a generated
//! configuration (a port changed, a rule deleted, an address widened, a rule added, a drop moved
//! up to shadow the accepts) is found with a counterexample packet.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::driver::{check_path, CheckOptions};
use fenceline::model::{DeviceId, Model, Target};
use fenceline::verify::equiv::{compare_loaded, load, DeviceResult, PolicySides};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn build(example: &str) -> (Model, BTreeMap<String, String>) {
    build_with(example, false)
}

fn build_with(example: &str, cisco_object_groups: bool) -> (Model, BTreeMap<String, String>) {
    let mut opts = BuildOptions {
        check: CheckOptions {
            today: Some("2026-01-01".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    opts.emit.cisco_object_groups = cisco_object_groups;
    let checked = check_path(Path::new(example), &opts.check).unwrap();
    let built = build_checked(&checked, &opts)
        .unwrap()
        .expect("example builds");
    let files = built
        .outputs
        .iter()
        .map(|o| {
            (
                o.path.clone(),
                String::from_utf8_lossy(&o.bytes).into_owned(),
            )
        })
        .collect();
    (checked.model.unwrap(), files)
}

fn verify_files(
    model: &Model,
    files: &BTreeMap<String, String>,
    only: Option<(&str, Target)>,
) -> Vec<DeviceResult> {
    let sides = PolicySides::for_targets(model, &[Target::Nftables, Target::CiscoIos]);
    let read = |p: &str| files.get(p).cloned();
    let mut out = Vec::new();
    for (di, dev) in model.devices.iter().enumerate() {
        for &t in &dev.targets {
            if only.is_some_and(|(d, tt)| d != dev.name || tt != t) {
                continue;
            }
            if let Some((cfg, paths)) = load(&dev.name, t, &read).unwrap_or_else(|e| panic!("{e}"))
            {
                out.push(
                    compare_loaded(model, &sides, DeviceId(di), t, paths, &cfg)
                        .unwrap_or_else(|e| panic!("{e}")),
                );
            }
        }
    }
    out
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("examples")
        .unwrap()
        .flatten()
        .map(|e| e.path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".fence"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_example_equals_its_policy_on_every_target() {
    let mut checked: BTreeMap<Target, usize> = BTreeMap::new();
    for ex in examples() {
        for groups in [false, true] {
            let (model, files) = build_with(&ex, groups);
            for r in verify_files(&model, &files, None) {
                assert!(
                    r.equal,
                    "{ex} (object-groups {groups}): {} {}: {:#?}",
                    r.device, r.target, r.differences
                );
                *checked
                    .entry(Target::parse(&r.target).unwrap())
                    .or_default() += 1;
            }
        }
    }
    for t in [Target::Nftables, Target::Iptables, Target::CiscoIos] {
        assert!(
            checked.get(&t).copied().unwrap_or(0) >= 4,
            "too few {} configurations verified: {checked:?}",
            t.name()
        );
    }
}

/// Loads a generated ruleset into the kernel of a fresh user+network namespace and reads it back
/// as JSON; `None` when namespaces or nft are unavailable here.
fn kernel_json(text: &str) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let f = dir.path().join("r.nft");
    std::fs::write(&f, text).ok()?;
    let out = Command::new("unshare")
        .args([
            "-rn",
            "sh",
            "-c",
            &format!("nft -f '{}' && nft -j list ruleset", f.display()),
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn kernel_normalised_json_equals_the_policy() {
    let mut policies = examples();
    // ICMP that conntrack never calls new: a verdict map behind protocol and state matches.
    policies.push("tests/icmp/plant.fence".into());
    for ex in policies {
        let (model, mut files) = build(&ex);
        let nft: Vec<String> = files
            .keys()
            .filter(|k| k.ends_with("/nftables.nft"))
            .cloned()
            .collect();
        for path in nft {
            let Some(json) = kernel_json(&files[&path]) else {
                eprintln!("skipping kernel round trip: no unprivileged network namespace with nft");
                return;
            };
            let dev = path.split('/').next().unwrap().to_string();
            files.remove(&path);
            files.insert(format!("{dev}/nftables.json"), json);
            let r = verify_files(&model, &files, Some((&dev, Target::Nftables)));
            assert_eq!(r.len(), 1);
            assert!(
                r[0].equal,
                "{ex} {dev} (kernel JSON): {:#?}",
                r[0].differences
            );
        }
    }
}

struct Mutation {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    over: bool,
    under: bool,
}

const MUTATIONS: &[Mutation] = &[
    Mutation { name: "nft port changed", file: "fw-it-ot/nftables.nft", from: "tcp . 443 comment", to: "tcp . 444 comment", over: true, under: true },
    Mutation {
        name: "nft rule deleted",
        file: "fw-it-ot/nftables.nft",
        from: "\t\t\t10.10.0.0/16 . 10.20.0.20 . tcp . 3389 comment \"enterprise-dmz: enterprise -> dmz.jump-host rdp\",\n",
        to: "",
        over: false,
        under: true,
    },
    Mutation { name: "nft address widened", file: "fw-it-ot/nftables.nft", from: "10.30.0.30 . 10.20.0.10 . tcp . 5450", to: "10.30.0.0/24 . 10.20.0.10 . tcp . 5450", over: true, under: false },
    Mutation {
        name: "nft rule added",
        file: "fw-it-ot/nftables.nft",
        from: "\tchain p_eth0_eth1 {\n",
        to: "\tchain p_eth0_eth1 {\n\t\tip daddr 10.20.0.10 tcp dport 22 ct state new accept\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "nft drop added in front of the accepts",
        file: "fw-it-ot/nftables.nft",
        from: "\t\tct state established,related accept\n\t\tct state invalid counter drop\n\t\tiifname . oifname vmap {",
        to: "\t\tct state established,related accept\n\t\tct state invalid counter drop\n\t\tiifname \"eth0\" counter drop\n\t\tiifname . oifname vmap {",
        over: false,
        under: true,
    },
    Mutation {
        name: "nft rules reordered: the anti-spoofing drop before its return",
        file: "fw-it-ot/nftables.nft",
        from: "\t\tip saddr @z_enterprise_v4 return\n\t\tcounter drop\n",
        to: "\t\tcounter drop\n\t\tip saddr @z_enterprise_v4 return\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "iptables rules reordered: the anti-spoofing drop before its return",
        file: "fw-it-ot/iptables.rules",
        from: "-A FL-AS-eth0 -s 10.10.0.0/16 -j RETURN\n-A FL-AS-eth0 -m comment --comment \"anti-spoofing: source not behind eth0 (enterprise)\" -j DROP\n",
        to: "-A FL-AS-eth0 -m comment --comment \"anti-spoofing: source not behind eth0 (enterprise)\" -j DROP\n-A FL-AS-eth0 -s 10.10.0.0/16 -j RETURN\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "iptables port changed",
        file: "fw-it-ot/iptables.rules",
        from: "-p tcp -m tcp --dport 5450",
        to: "-p tcp -m tcp --dport 5451",
        over: true,
        under: true,
    },
    Mutation {
        name: "iptables rule deleted",
        file: "fw-it-ot/iptables.rules",
        from: "-A FL-eth0_eth1 -s 10.10.0.0/16 -d 10.20.0.20/32 -p tcp -m tcp --dport 3389 -m conntrack --ctstate NEW -m comment --comment \"enterprise-dmz: enterprise -> dmz.jump-host rdp\" -j ACCEPT\n",
        to: "",
        over: false,
        under: true,
    },
    Mutation { name: "iptables address widened", file: "fw-it-ot/iptables.rules", from: "-d 10.20.0.20/32 -p tcp -m tcp --dport 3389", to: "-d 10.20.0.0/24 -p tcp -m tcp --dport 3389", over: true, under: false },
    Mutation {
        name: "iptables rule added",
        file: "fw-it-ot/iptables.rules",
        from: "COMMIT",
        to: "-A FL-eth2_eth1 -p udp -m udp --dport 53 -j ACCEPT\nCOMMIT",
        over: true,
        under: false,
    },
    Mutation {
        name: "iptables drop reordered before a pair chain",
        file: "fw-it-ot/iptables.rules",
        from: "-A FORWARD -i eth1 -o eth2 -m comment --comment \"eth1 (dmz) -> eth2 (control-center)\" -j FL-eth1_eth2\n",
        to: "-A FORWARD -j DROP\n-A FORWARD -i eth1 -o eth2 -m comment --comment \"eth1 (dmz) -> eth2 (control-center)\" -j FL-eth1_eth2\n",
        over: false,
        under: true,
    },
    Mutation { name: "ios port changed", file: "rtr-field/cisco-ios.txt", from: "host 10.30.0.10 10.40.1.0 0.0.0.255 eq 20000\n", to: "host 10.30.0.10 10.40.1.0 0.0.0.255 eq 20001\n", over: true, under: true },
    Mutation { name: "ios rule deleted", file: "rtr-field/cisco-ios.txt", from: " 40 permit tcp host 10.30.0.10 10.40.1.0 0.0.0.255 eq 20000\n", to: "", over: false, under: true },
    Mutation { name: "ios address widened", file: "rtr-field/cisco-ios.txt", from: "permit tcp host 10.30.0.21 10.40.2.0", to: "permit tcp 10.30.0.0 0.0.0.255 10.40.2.0", over: true, under: false },
    Mutation { name: "ios rule added", file: "rtr-field/cisco-ios.txt", from: " 50 deny ip any any log\n!\n! IPv6 traffic entering GigabitEthernet0/0", to: " 45 permit udp any any eq 53\n 50 deny ip any any log\n!\n! IPv6 traffic entering GigabitEthernet0/0", over: true, under: false },
    Mutation { name: "ios deny reordered to shadow the permits", file: "rtr-field/cisco-ios.txt", from: " 10 permit tcp host 10.30.0.21", to: " 5 deny tcp any 10.40.2.0 0.0.0.255\n 10 permit tcp host 10.30.0.21", over: false, under: true },
    Mutation { name: "ios reply without established", file: "rtr-field/cisco-ios.txt", from: "eq 502 host 10.30.0.22 established", to: "eq 502 host 10.30.0.22", over: true, under: false },
    Mutation { name: "ios reply from any source port", file: "rtr-field/cisco-ios.txt", from: "10.40.1.0 0.0.0.255 eq 20000 host 10.30.0.10 established", to: "10.40.1.0 0.0.0.255 host 10.30.0.10 established", over: true, under: false },
    Mutation { name: "ios reply deleted", file: "rtr-field/cisco-ios.txt", from: " 40 permit tcp 10.40.1.0 0.0.0.255 eq 20000 host 10.30.0.10 established\n", to: "", over: false, under: true },
    Mutation { name: "ios ACL unbound", file: "rtr-field/cisco-ios.txt", from: "interface GigabitEthernet0/1\n ip access-group ", to: "interface GigabitEthernet0/1\n no ip access-group ", over: true, under: false },
    Mutation { name: "ios IPv6 neighbour discovery denied", file: "rtr-field/cisco-ios.txt", from: " sequence 10 permit icmp any any nd-na\n", to: " sequence 10 deny icmp any any nd-na\n", over: false, under: true },
    Mutation {
        name: "ios outbound ACL drops a flow",
        file: "rtr-field/cisco-ios.txt",
        from: "interface GigabitEthernet0/1\n",
        to: "ip access-list extended OUT-X\n 10 deny tcp any any eq 502\n 20 permit ip any any\ninterface GigabitEthernet0/1\n ip access-group OUT-X out\n",
        over: false,
        under: true,
    },
];

#[test]
fn every_mutation_is_found_with_a_counterexample() {
    let (model, files) = build("examples/north-pipeline.fence");
    for m in MUTATIONS {
        let mut f = files.clone();
        let text = f
            .get(m.file)
            .unwrap_or_else(|| panic!("{}: no file {}", m.name, m.file))
            .clone();
        assert!(
            text.contains(m.from),
            "{}: the generated file no longer contains {:?}",
            m.name,
            m.from
        );
        f.insert(m.file.to_string(), text.replacen(m.from, m.to, 1));
        let target = if m.file.ends_with(".nft") {
            Target::Nftables
        } else if m.file.ends_with(".txt") {
            Target::CiscoIos
        } else {
            Target::Iptables
        };
        let device = m.file.split('/').next().unwrap();
        let r = verify_files(&model, &f, Some((device, target)));
        assert_eq!(r.len(), 1);
        assert!(!r[0].equal, "{}: not detected", m.name);
        let over = r[0].differences.iter().any(|d| d.over_permit.is_some());
        let under = r[0].differences.iter().any(|d| d.under_permit.is_some());
        assert_eq!(
            (over, under),
            (m.over, m.under),
            "{}: {:#?}",
            m.name,
            r[0].differences
        );
        for d in &r[0].differences {
            for c in d.over_permit.iter().chain(&d.under_permit) {
                assert!(
                    !c.packet.is_empty() && !c.config_line.is_empty(),
                    "{}: {c:?}",
                    m.name
                );
            }
        }
    }
}

/// Mutations of the ICMP plant (`tests/icmp/plant.fence`): what conntrack never classifies new
/// cannot be accepted by a rule restricted to new connections, and whole-protocol ICMP accepted
/// only after the invalid drop misses every type that is not a request. `over` and `under`
/// both false: verify must still find the configuration equal.
const ICMP_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "nft echo-reply accepted as new",
        file: "fw/nftables.nft",
        from: "\t\tcomment \"a0 (a) -> b0 (b)\"\n",
        to: "\t\tcomment \"a0 (a) -> b0 (b)\"\n\t\tip saddr 10.71.1.0/24 icmp type echo-reply ct state new counter accept\n",
        over: false,
        under: false,
    },
    Mutation {
        name: "iptables echo-reply accepted as NEW",
        file: "fw/iptables.rules",
        from: "-A FL-a0_b0 ",
        to: "-A FL-a0_b0 -s 10.71.1.0/24 -p icmp -m icmp --icmp-type 0 -m conntrack --ctstate NEW -j ACCEPT\n-A FL-a0_b0 ",
        over: false,
        under: false,
    },
    Mutation {
        name: "nft whole-protocol ICMP accepted after the invalid drop",
        file: "fw/nftables.nft",
        from: "\t\tmeta l4proto { icmp, ipv6-icmp } ct state invalid,untracked iifname . oifname vmap {\n\t\t\t\"a0\" . \"b0\" : jump u_a0_b0,\n\t\t\t\"b0\" . \"a0\" : jump u_b0_a0,\n\t\t}\n\t\tct state invalid counter drop\n",
        to: "\t\tct state invalid counter drop\n\t\tmeta l4proto { icmp, ipv6-icmp } ct state invalid,untracked iifname . oifname vmap {\n\t\t\t\"a0\" . \"b0\" : jump u_a0_b0,\n\t\t\t\"b0\" . \"a0\" : jump u_b0_a0,\n\t\t}\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "nft whole-protocol ICMP only as new connections",
        file: "fw/nftables.nft",
        from: "\t\tmeta l4proto { icmp, ipv6-icmp } ct state invalid,untracked iifname . oifname vmap {\n\t\t\t\"a0\" . \"b0\" : jump u_a0_b0,\n\t\t\t\"b0\" . \"a0\" : jump u_b0_a0,\n\t\t}\n",
        to: "",
        over: false,
        under: true,
    },
    Mutation {
        name: "iptables whole-protocol ICMP accepted after the INVALID drop",
        file: "fw/iptables.rules",
        from: "-A FORWARD -i b0 -o a0 -m conntrack --ctstate INVALID,UNTRACKED -m comment --comment \"b0 (b) -> a0 (a): ICMP that conntrack never tracks as NEW\" -j FL-U-b0_a0\n-A FORWARD -m conntrack --ctstate INVALID -j DROP\n",
        to: "-A FORWARD -m conntrack --ctstate INVALID -j DROP\n-A FORWARD -i b0 -o a0 -m conntrack --ctstate INVALID,UNTRACKED -m comment --comment \"b0 (b) -> a0 (a): ICMP that conntrack never tracks as NEW\" -j FL-U-b0_a0\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "ip6tables whole-protocol ICMPv6 accept limited to NEW",
        file: "fw/ip6tables.rules",
        from: "-A FL-U-b0_a0 -s fd71:2::/64 -d fd71:1::/64 -p 58 -m comment",
        to: "-A FL-U-b0_a0 -s fd71:2::/64 -d fd71:1::/64 -p 58 -m conntrack --ctstate NEW -m comment",
        over: false,
        under: true,
    },
];

#[test]
fn icmp_mutations_follow_conntrack() {
    let (model, files) = build("tests/icmp/plant.fence");
    assert!(verify_files(&model, &files, None).iter().all(|r| r.equal));
    for m in ICMP_MUTATIONS {
        let text = &files[m.file];
        assert!(text.contains(m.from), "{}: {:?} not found", m.name, m.from);
        let mut f = files.clone();
        f.insert(m.file.to_string(), text.replacen(m.from, m.to, 1));
        let target = if m.file.ends_with(".nft") {
            Target::Nftables
        } else {
            Target::Iptables
        };
        let r = verify_files(&model, &f, Some(("fw", target)));
        assert_eq!(r.len(), 1);
        let over = r[0].differences.iter().any(|d| d.over_permit.is_some());
        let under = r[0].differences.iter().any(|d| d.under_permit.is_some());
        assert_eq!(
            (over, under),
            (m.over, m.under),
            "{}: {:#?}",
            m.name,
            r[0].differences
        );
        assert_eq!(r[0].equal, !m.over && !m.under, "{}", m.name);
        for d in &r[0].differences {
            for c in d.under_permit.iter() {
                eprintln!(
                    "{}: {} -> {}: under-permit {}",
                    m.name, d.ingress, d.egress, c.packet
                );
                assert!(
                    !c.packet.is_empty() && !c.config_line.is_empty(),
                    "{}: {c:?}",
                    m.name
                );
            }
        }
    }
}

#[test]
fn cli_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let bin = env!("CARGO_BIN_EXE_fenceline");
    let st = Command::new(bin)
        .args(["build", "examples/north-pipeline.fence", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let run = |extra: &[&str]| {
        let o = Command::new(bin)
            .args(["verify", "examples/north-pipeline.fence"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, stdout, _) = run(&[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("fw-it-ot nftables: equal"), "{stdout}");
    let nft = out.join("fw-it-ot/nftables.nft");
    let text = std::fs::read_to_string(&nft).unwrap();
    std::fs::write(
        &nft,
        text.replacen("tcp . 443 comment", "tcp . 8443 comment", 1),
    )
    .unwrap();
    let (code, stdout, _) = run(&["--target", "nftables"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("over-permit: tcp 10.10.0.0:40000 -> 10.20.0.10:8443"),
        "{stdout}"
    );
    assert!(stdout.contains("north-pipeline.fence:52"), "{stdout}");
    let (code, stdout, _) = run(&["--target", "nftables", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["result"], "different");
    std::fs::write(
        &nft,
        text.replacen("counter drop", "counter queue num 1", 1),
    )
    .unwrap();
    let (code, _, stderr) = run(&["--target", "nftables"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("queue"), "{stderr}");
    std::fs::remove_file(out.join("fw-it-ot/ip6tables.rules")).unwrap();
    let (code, _, stderr) = run(&["--target", "iptables"]);
    assert_eq!(code, 2, "{stderr}");
    // Cisco IOS: equal, then a reply rule without `established`, then a line not understood.
    let (code, stdout, _) = run(&["--target", "cisco-ios"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("rtr-field cisco-ios: equal"), "{stdout}");
    let ios = out.join("rtr-field/cisco-ios.txt");
    let text = std::fs::read_to_string(&ios).unwrap();
    std::fs::write(
        &ios,
        text.replacen(
            "eq 502 host 10.30.0.22 established",
            "eq 502 host 10.30.0.22",
            1,
        ),
    )
    .unwrap();
    let (code, stdout, _) = run(&["--target", "cisco-ios"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(
            "GigabitEthernet0/1 -> any: over-permit: tcp 10.40.2.0:502 -> 10.30.0.22:0 is accepted"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("permit tcp 10.40.2.0 0.0.0.255 eq 502 host 10.30.0.22\n"),
        "{stdout}"
    );
    std::fs::write(
        &ios,
        text.replacen(" established\n", " established fragments\n", 1),
    )
    .unwrap();
    let (code, _, stderr) = run(&["--target", "cisco-ios"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("rtr-field/cisco-ios.txt:") && stderr.contains("fragments"),
        "{stderr}"
    );
}

#[test]
fn build_checks_expectations_against_generated_configurations() {
    use fenceline::verify::equiv::check_expectations;
    let (model, files) = build("examples/north-pipeline.fence");
    let outputs: Vec<fenceline::targets::Output> = files
        .iter()
        .map(|(p, t)| fenceline::targets::Output {
            path: p.clone(),
            bytes: t.clone().into_bytes(),
        })
        .collect();
    assert!(check_expectations(&model, &outputs).is_empty());
    // A firewall whose forward chain ends in accept lets ssh from the enterprise through.
    let broken: Vec<fenceline::targets::Output> = outputs
        .iter()
        .map(|o| {
            let mut o = o.clone();
            if o.path == "fw-it-ot/nftables.nft" {
                let t = String::from_utf8(o.bytes).unwrap();
                let i = t.find("\tchain forward").unwrap();
                let j = i + t[i..].find("\t\tcounter drop\n").unwrap();
                o.bytes = format!(
                    "{}\t\taccept\n{}",
                    &t[..j],
                    &t[j + "\t\tcounter drop\n".len()..]
                )
                .into_bytes();
            }
            o
        })
        .collect();
    let d = check_expectations(&model, &broken);
    let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(msgs, ["`expect deny enterprise -> control-center ssh` does not hold for the generated configurations"], "{d:#?}");
    assert_eq!(d[0].code, "E0020");
    assert!(
        d[0].help.as_deref().unwrap_or("").contains(":22"),
        "{:?}",
        d[0].help
    );
}

/// Build-time expectations read Cisco IOS configurations: an `expect deny` counts the packets
/// that open a connection, so TCP replies (`established`) do not break it, while the UDP
/// replies a stateless ACL lets back from the service port do; a deleted permit breaks an
/// `expect allow`.
#[test]
fn build_checks_expectations_against_cisco_ios() {
    use fenceline::driver::check_text;
    use fenceline::verify::equiv::check_expectations;
    let text = r#"policy "ios-expect" {}
zone ops { level 3  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
zone field { level 1  sl-target 2  network 10.40.0.0/24  asset plc 10.40.0.7 }
service dnp3-both tcp/20000, udp/20000
conduit ops-field {
  connects ops, field
  allow ops.scada -> field.plc dnp3-both
}
router r1 {
  target cisco-ios
  interface Gi0/0 ops
  interface Gi0/1 field
}
expect allow ops.scada -> field.plc dnp3-both
expect deny field -> ops tcp
expect deny field -> ops udp
"#;
    let opts = BuildOptions {
        check: CheckOptions {
            today: Some("2026-01-01".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let checked = check_text("p.fence", Path::new("p.fence"), text.into(), &opts.check);
    let model = checked.model.as_ref().expect("policy resolves");
    let built = build_checked(&checked, &opts)
        .unwrap()
        .expect("the policy builds");
    // The build's own diagnostics hold the failing expectation, and only that one.
    let d: Vec<_> = built
        .diagnostics
        .iter()
        .filter(|d| d.code == "E0020")
        .collect();
    let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        ["`expect deny field -> ops udp` does not hold for the generated configurations"],
        "{d:#?}"
    );
    assert!(
        d[0].help
            .as_deref()
            .unwrap_or("")
            .contains("udp 10.40.0.7:20000 -> 10.30.0.10:"),
        "{:?}",
        d[0].help
    );
    // A failed build carries no files: build again without the failing expectation, then
    // delete a forward permit, which breaks the allow expectation.
    let text_ok = text.replace("expect deny field -> ops udp\n", "");
    let checked_ok = check_text("p.fence", Path::new("p.fence"), text_ok, &opts.check);
    let built = build_checked(&checked_ok, &opts).unwrap().expect("builds");
    assert!(
        !built.diagnostics.iter().any(|d| d.is_error()),
        "{:#?}",
        built.diagnostics
    );
    assert!(check_expectations(checked_ok.model.as_ref().unwrap(), &built.outputs).is_empty());
    let broken: Vec<fenceline::targets::Output> = built
        .outputs
        .iter()
        .map(|o| {
            let mut o = o.clone();
            if o.path == "r1/cisco-ios.txt" {
                let t = String::from_utf8(o.bytes).unwrap();
                let line = t
                    .lines()
                    .find(|l| l.contains("permit udp host 10.30.0.10 host 10.40.0.7 eq 20000"))
                    .expect("the forward UDP permit")
                    .to_string();
                o.bytes = t.replacen(&format!("{line}\n"), "", 1).into_bytes();
            }
            o
        })
        .collect();
    let d = check_expectations(model, &broken);
    assert!(
        d.iter().any(|d| d.message
            == "`expect allow ops.scada -> field.plc dnp3-both` does not hold for the generated cisco-ios configuration of `r1`"),
        "{d:#?}"
    );
}
