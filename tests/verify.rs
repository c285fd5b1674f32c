//! `verify`: every example's generated nftables and iptables configurations equal the policy on
//! every device and interface pair; the kernel's normalised `nft -j list ruleset` JSON does too
//! (when an unprivileged network namespace is available); and each mutation of a generated
//! configuration (a port changed, a rule deleted, an address widened, a rule added, a drop moved
//! up to shadow the accepts) is found with a counterexample packet.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::dialect::config::accepted;
use fenceline::driver::{check_path, CheckOptions};
use fenceline::model::{DeviceId, Model, Target};
use fenceline::packet::space::Family;
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
    let sides = PolicySides::for_targets(model, &Target::ALL);
    let read = |p: &str| files.get(p).cloned();
    let mut out = Vec::new();
    for (di, dev) in model.devices.iter().enumerate() {
        for &t in &dev.targets {
            // A cluster's nodes each from their own directory.
            for node in dev.node_names() {
                if only.is_some_and(|(d, tt)| d != node || tt != t) {
                    continue;
                }
                if let Some(cfg) = load(node, t, &read).unwrap_or_else(|e| panic!("{e}")) {
                    out.push(
                        compare_loaded(model, &sides, DeviceId(di), t, &cfg)
                            .unwrap_or_else(|e| panic!("{e}")),
                    );
                }
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
        // The fleet is forty copies of one station: `fenceline verify` proves its 81 devices
        // in about 50 s of a release build, far too long for a debug test run; templates.rs
        // verifies a fleet of two stations.
        .filter(|p| !p.ends_with("fleet.fence"))
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
    // One-way flows: `ct direction reply` as the kernel prints it in JSON.
    policies.push("tests/oneway/one-way.fence".into());
    // Flows naming zone sets: named sets, plain matches and anonymous concatenated sets.
    policies.push("tests/linux/zone_sets.fence".into());
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
    let rows = mutation_rows("examples/north-pipeline.fence", MUTATIONS);
    // The table in docs/verify.md is this test's output: regenerate it with
    // `UPDATE_DOCS=1 cargo test --test verify every_mutation`.
    check_doc_block("mutations of generated files", &rows);
}

/// Mutations of the zone sets of `tests/linux/zone_sets.fence` (issue 18): flows between whole
/// zones of several networks match the zones' named sets (nftables) and ipsets (iptables,
/// `fw/ipset.rules`), and the set of an asset of two networks; an element added to a set, a set
/// emptied and a set swapped for another in a rule are each found.
const ZONE_SET_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "iptables anti-spoofing by another zone's set",
        file: "fw/iptables.rules",
        from: "-A FL-AS-eth0 -m set --match-set fl_ops_v4 src -j RETURN\n",
        to: "-A FL-AS-eth0 -m set --match-set fl_cells_v4 src -j RETURN\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "iptables anti-spoofing set's return deleted",
        file: "fw/iptables.rules",
        from: "-A FL-AS-eth1 -m set --match-set fl_cells_v4 src -j RETURN\n",
        to: "",
        over: false,
        under: true,
    },
    Mutation {
        name: "nft element added to a zone set",
        file: "fw/nftables.nft",
        from: "\t\t\t10.2.20.5,\n",
        to: "\t\t\t10.2.20.5,\n\t\t\t10.2.30.0/24,\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "nft zone set emptied",
        file: "fw/nftables.nft",
        from: "\t\t\t10.1.0.0/24,\n\t\t\t10.1.9.0/28,\n\t\t\t10.1.20.5,\n",
        to: "",
        over: false,
        under: true,
    },
    Mutation {
        name: "nft zone set swapped for another in a rule",
        file: "fw/nftables.nft",
        from: "ip saddr @z_ops_v4 ip daddr @z_cells_v4 meta l4proto",
        to: "ip saddr @z_ops_v4 ip daddr @z_ops_v4 meta l4proto",
        over: true,
        under: true,
    },
    Mutation {
        name: "nft element added to an asset's set",
        file: "fw/nftables.nft",
        from: "\t\t\t10.2.9.5,\n",
        to: "\t\t\t10.2.9.5,\n\t\t\t10.2.9.6,\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "ipset asset's set emptied before its swap",
        file: "fw/ipset.rules",
        from: "swap fl_ops_ews_v4_new fl_ops_ews_v4\n",
        to: "flush fl_ops_ews_v4_new\nswap fl_ops_ews_v4_new fl_ops_ews_v4\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "ipset element added to a zone set",
        file: "fw/ipset.rules",
        from: "add fl_cells_v4_new 10.1.20.5\n",
        to: "add fl_cells_v4_new 10.1.20.5\nadd fl_cells_v4_new 10.1.30.0/24\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "ipset zone set emptied before its swap",
        file: "fw/ipset.rules",
        from: "swap fl_cells_v4_new fl_cells_v4\n",
        to: "flush fl_cells_v4_new\nswap fl_cells_v4_new fl_cells_v4\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "iptables zone set swapped for another in a rule",
        file: "fw/iptables.rules",
        from: "--match-set fl_ops_ews_v4 src -m set --match-set fl_cells_v4 dst",
        to: "--match-set fl_ops_ews_v4 src -m set --match-set fl_ops_v4 dst",
        over: true,
        under: true,
    },
    Mutation {
        name: "iptables zone set swapped for another in a shared jump",
        file: "fw/iptables.rules",
        from: "--match-set fl_cells_v4 dst -m conntrack --ctstate NEW",
        to: "--match-set fl_ops_v4 dst -m conntrack --ctstate NEW",
        over: true,
        under: true,
    },
    Mutation {
        name: "iptables port changed behind a shared jump",
        file: "fw/iptables.rules",
        from: "-A FL-F2 -p tcp -m tcp --dport 20002 ",
        to: "-A FL-F2 -p tcp -m tcp --dport 20012 ",
        over: true,
        under: true,
    },
    Mutation {
        name: "nft zone set swapped for another in a shared jump",
        file: "fw/nftables.nft",
        from: "ip saddr @z_cells_v4 ip daddr @z_ops_v4 meta l4proto tcp ct state new jump",
        to: "ip saddr @z_cells_v4 ip daddr @z_cells_v4 meta l4proto tcp ct state new jump",
        over: true,
        under: true,
    },
    Mutation {
        name: "nft port changed behind a shared jump",
        file: "fw/nftables.nft",
        from: "\t\tth dport 20002 counter accept",
        to: "\t\tth dport 20012 counter accept",
        over: true,
        under: true,
    },
    Mutation {
        name: "nft shared jump deleted",
        file: "fw/nftables.nft",
        from: "\t\tip saddr @z_cells_v4 ip daddr @z_ops_v4 meta l4proto tcp ct state new jump f_p_eth1_eth0_1\n",
        to: "",
        over: false,
        under: true,
    },
    // The protocol the jump holds for its chain's `th dport` rules: udp instead of tcp lets
    // udp/20001 through and drops tcp/20001.
    Mutation {
        name: "nft protocol of a shared jump changed",
        file: "fw/nftables.nft",
        from: "ip daddr @z_ops_v4 meta l4proto tcp ct state new jump",
        to: "ip daddr @z_ops_v4 meta l4proto udp ct state new jump",
        over: true,
        under: true,
    },
];

/// A mutation `verify` refuses to read, with the line it names and a part of its message.
struct Refusal {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    line: usize,
    message: &'static str,
}

/// The shared jump's protocol deleted: its chain's `th dport 20001` now meets ICMP, whose
/// bytes 2-3 are the checksum, which the packet space cannot say. Never read as equal (nor as
/// tcp and udp only): refused at the first rule ICMP reaches.
const ZONE_SET_REFUSALS: &[Refusal] = &[Refusal {
    name: "nft protocol guard of a shared jump deleted",
    file: "fw/nftables.nft",
    from: "ip daddr @z_ops_v4 meta l4proto tcp ct state new jump",
    to: "ip daddr @z_ops_v4 ct state new jump",
    line: 114,
    message: "`th dport` is read for tcp and udp only, and icmp packets reach it",
}];

/// `files` with the first `from` in `file` replaced by `to`; fails when the generated file no
/// longer contains `from` (the mutation would test nothing).
fn mutated(
    files: &BTreeMap<String, String>,
    name: &str,
    (file, from, to): (&str, &str, &str),
) -> BTreeMap<String, String> {
    let text = &files[file];
    assert!(
        text.contains(from),
        "{name}: the generated file no longer contains {from:?}"
    );
    let mut f = files.clone();
    f.insert(file.to_string(), text.replacen(from, to, 1));
    f
}

/// Each refusal is refused, naming its file, line and reason; one doc row each.
fn refusal_rows(example: &str, refusals: &[Refusal]) -> String {
    let (model, files) = build(example);
    let mut rows = String::new();
    for m in refusals {
        let f = mutated(&files, m.name, (m.file, m.from, m.to));
        let device = m.file.split('/').next().unwrap();
        let target = Target::Nftables;
        let e = match verify_one(&model, &f, device, target) {
            Err(e) => e,
            Ok(r) => panic!("{}: read, equal {}: {:#?}", m.name, r.equal, r.differences),
        };
        assert!(
            e.contains(&format!("{}:{}: ", m.file, m.line)) && e.contains(m.message),
            "{}: {e}",
            m.name
        );
        rows.push_str(&format!(
            "| {} (`{}`: `{}` → `{}`) | {} | refused | refused: `` {} `` |\n",
            m.name,
            m.file,
            m.from.trim().replace('\n', "⏎").replace('|', "\\|"),
            m.to.trim().replace('\n', "⏎").replace('|', "\\|"),
            target_name(target),
            e.replace('|', "\\|"),
        ));
    }
    rows
}

/// The same on a Cisco IOS router (`tests/ios/zone_sets.fence`), whose flows between the zones
/// use network object-groups: an entry added to a group, and a group swapped for another in an
/// ACE.
const ZONE_GROUP_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "ios entry added to a zone's object-group",
        file: "rtr/cisco-ios.txt",
        from: " host 10.1.20.5\n",
        to: " host 10.1.20.5\n 10.1.30.0 255.255.255.0\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "ios object-group swapped for another in an ACE",
        file: "rtr/cisco-ios.txt",
        from: "object-group FL-NET-ffb190af eq 502",
        to: "object-group FL-NET-ae12e6fd eq 502",
        over: true,
        under: true,
    },
];

#[test]
fn zone_set_mutations_are_found_with_a_counterexample() {
    for fixture in ["tests/linux/zone_sets.fence", "tests/ios/zone_sets.fence"] {
        let (model, files) = build(fixture);
        let r = verify_files(&model, &files, None);
        assert!(!r.is_empty(), "{fixture}");
        for r in r {
            assert!(r.equal, "{} {}: {:#?}", r.device, r.target, r.differences);
        }
    }
    let mut rows = mutation_rows("tests/linux/zone_sets.fence", ZONE_SET_MUTATIONS);
    rows.push_str(&refusal_rows(
        "tests/linux/zone_sets.fence",
        ZONE_SET_REFUSALS,
    ));
    rows.push_str(&mutation_rows(
        "tests/ios/zone_sets.fence",
        ZONE_GROUP_MUTATIONS,
    ));
    check_doc_block("mutations of zone sets", &rows);
}

/// Mutations of the chains of a firewall's own traffic (`tests/linux/device.fence`, node
/// `fw-a` of a cluster): a management permit deleted or narrowed is an under-permit with its
/// packet; an output chain that lets the firewall send more than its `self ->` flows, or sync
/// on another interface, is an over-permit.
const DEVICE_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "nft SSH permit to the firewall deleted",
        file: "fw-a/nftables.nft",
        from: "\t\t\t10.1.0.10 . 10.1.0.1 . tcp . 22 comment \"fw: ot.ews -> self ssh\",\n",
        to: "",
        over: false,
        under: true,
    },
    Mutation {
        name: "nft output chain widened: DNS to anywhere",
        file: "fw-a/nftables.nft",
        from: "\t\toifname vmap {\n",
        to: "\t\tudp dport 53 counter accept\n\t\toifname vmap {\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "nft output chain accepts everything",
        file: "fw-a/nftables.nft",
        from: "\t\tlimit rate 10/second burst 20 packets log prefix \"fw output drop: \" level info\n\t\tcounter drop\n",
        to: "\t\taccept\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "nft sync accepted on every interface",
        file: "fw-a/nftables.nft",
        from: "\t\tiifname \"eth2\" ip saddr { 10.99.0.1-10.99.0.3 } ip daddr { 10.99.0.1-10.99.0.3, 225.0.0.50 } udp dport 3780",
        to: "\t\tip saddr { 10.99.0.1-10.99.0.3 } ip daddr { 10.99.0.1-10.99.0.3, 225.0.0.50 } udp dport 3780",
        over: true,
        under: false,
    },
    Mutation {
        name: "iptables SSH permit to the firewall deleted",
        file: "fw-a/iptables.rules",
        from: "-A FL-IN-eth0 -s 10.1.0.10/32 -d 10.1.0.1/32 -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m comment --comment \"fw: ot.ews -> self ssh\" -j ACCEPT\n",
        to: "",
        over: false,
        under: true,
    },
    Mutation {
        name: "iptables output chain widened: DNS to anywhere",
        file: "fw-a/iptables.rules",
        from: "-A OUTPUT -m limit",
        to: "-A OUTPUT -p udp -m udp --dport 53 -j ACCEPT\n-A OUTPUT -m limit",
        over: true,
        under: false,
    },
    Mutation {
        name: "iptables syslog sent from one address only",
        file: "fw-a/iptables.rules",
        from: "-A FL-OUT-eth1 -s 10.1.0.1/32 -d 10.2.0.5/32 -p udp -m udp --dport 514 -m conntrack --ctstate NEW -m comment --comment \"fw: self -> it.collector syslog\" -j ACCEPT\n",
        to: "",
        over: false,
        under: true,
    },
    Mutation {
        name: "nft replies of the one-way self flow accepted",
        file: "fw-a/nftables.nft",
        from: "\t\tct direction reply jump one_way_in\n",
        to: "",
        over: true,
        under: false,
    },
    Mutation {
        name: "iptables replies of the one-way self flow accepted",
        file: "fw-a/iptables.rules",
        from: "-A INPUT -m conntrack --ctdir REPLY -j FL-ONE-WAY-IN\n",
        to: "",
        over: true,
        under: false,
    },
];

#[test]
fn device_traffic_mutations_are_found_with_a_counterexample() {
    let rows = mutation_rows("tests/linux/device.fence", DEVICE_MUTATIONS);
    check_doc_block("mutations of the device's own traffic", &rows);
}

/// Static 1:1 NAT on a Cisco IOS router, two identical skids in VRFs (`tests/nat/skids.fence`):
/// a translation to the wrong outside network, an interface without its NAT role or its VRF,
/// and an ACL written in the plant's addresses where it sees the wire's are each found.
const NAT_SKIDS_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "ios translation to the wrong outside network",
        file: "rtr-cells/cisco-ios.txt",
        from: "192.168.1.0 10.50.1.0 /24 vrf FL-NAT-GI0-1",
        to: "192.168.1.0 10.50.9.0 /24 vrf FL-NAT-GI0-1",
        over: true,
        under: true,
    },
    Mutation {
        name: "ios `ip nat inside` missing on a skid's interface",
        file: "rtr-cells/cisco-ios.txt",
        from: " ip address 192.168.1.1 255.255.255.0\n ip nat inside\n ip access-group FL-GI0-1-",
        to: " ip address 192.168.1.1 255.255.255.0\n ip access-group FL-GI0-1-",
        over: true,
        under: true,
    },
    Mutation {
        name: "ios `vrf forwarding` missing on a skid's interface",
        file: "rtr-cells/cisco-ios.txt",
        from: " vrf forwarding FL-NAT-GI0-2\n",
        to: "",
        over: true,
        under: true,
    },
    Mutation {
        name: "ios inside ACL written in the plant's addresses",
        file: "rtr-cells/cisco-ios.txt",
        from: "30 permit tcp host 192.168.1.10 eq 502 host 10.30.0.10 established\n 40 deny ip any any log\n!\n! IPv4 traffic entering GigabitEthernet0/2",
        to: "30 permit tcp host 10.50.1.10 eq 502 host 10.30.0.10 established\n 40 deny ip any any log\n!\n! IPv4 traffic entering GigabitEthernet0/2",
        over: true,
        under: true,
    },
];

/// Static 1:1 NAT of one skid without a VRF (`tests/nat/ios-one-skid.fence`).
const NAT_ONE_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "ios `ip nat outside` missing",
        file: "rtr-skid/cisco-ios.txt",
        from: " ip nat outside\n",
        to: "",
        over: true,
        under: true,
    },
    Mutation {
        name: "ios static translation deleted",
        file: "rtr-skid/cisco-ios.txt",
        from: "ip nat inside source static network 192.168.1.0 10.50.1.0 /24\n",
        to: "",
        over: true,
        under: true,
    },
    Mutation {
        name: "ios anti-spoofing of the router's inside address deleted",
        file: "rtr-skid/cisco-ios.txt",
        from:
            " 20 deny ip host 192.168.1.1 any log\n remark ops-filling: filling -> site-ops.ntp ntp",
        to: " remark ops-filling: filling -> site-ops.ntp ntp",
        over: true,
        under: false,
    },
    Mutation {
        name: "ios outside ACL permits the PLC's inside address",
        file: "rtr-skid/cisco-ios.txt",
        from: "30 permit tcp host 10.30.0.10 host 10.50.1.10 eq 502",
        to: "30 permit tcp host 10.30.0.10 host 192.168.1.10 eq 502",
        over: true,
        under: true,
    },
];

#[test]
fn ios_nat_mutations_are_found_with_a_counterexample() {
    for policy in ["tests/nat/skids.fence", "tests/nat/ios-one-skid.fence"] {
        let (model, files) = build(policy);
        let r = verify_files(&model, &files, None);
        assert_eq!(r.len(), 1);
        assert!(r[0].equal, "{policy}: {:#?}", r[0].differences);
    }
    let mut rows = mutation_rows("tests/nat/skids.fence", NAT_SKIDS_MUTATIONS);
    rows.push_str(&mutation_rows(
        "tests/nat/ios-one-skid.fence",
        NAT_ONE_MUTATIONS,
    ));
    check_doc_block("Cisco IOS address translation", &rows);
}

/// The contract's router with `inspect` (`tests/nat/skids-inspect.fence`): two identical skids
/// translated in a VRF each, behind a zone-based firewall whose classes name the skids' inside
/// addresses (the firewall inspects after the destination is translated from outside and before
/// the source is translated from inside).
const NAT_ZBF_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "ios inspect class ACL written in the plant's (outside) addresses",
        file: "rtr-cells/cisco-ios.txt",
        from: "10 permit tcp host 10.30.0.10 host 192.168.1.10 eq 502",
        to: "10 permit tcp host 10.30.0.10 host 10.50.1.10 eq 502",
        over: false,
        under: true,
    },
    Mutation {
        name: "ios zone-member missing on a skid's interface",
        file: "rtr-cells/cisco-ios.txt",
        from: " zone-member security packaging\n",
        to: "",
        over: true,
        under: true,
    },
    Mutation {
        name: "ios translation to the wrong outside network, with inspect",
        file: "rtr-cells/cisco-ios.txt",
        from: "192.168.1.0 10.50.1.0 /24 vrf FL-NAT-GI0-1",
        to: "192.168.1.0 10.50.9.0 /24 vrf FL-NAT-GI0-1",
        over: true,
        under: true,
    },
];

/// One skid without a VRF behind a router with `inspect` (`tests/nat/ios-one-skid-inspect.fence`):
/// the global table routes its inside network, so only the inbound ACL keeps the plant from it.
const NAT_ZBF_ONE_MUTATIONS: &[Mutation] = &[Mutation {
    name: "ios deny of the skid's inside network deleted from the outside interface's ACL",
    file: "rtr-skid/cisco-ios.txt",
    from: " 40 deny ip any 192.168.1.0 0.0.0.255 log\n",
    to: "",
    over: true,
    under: false,
}];

#[test]
fn ios_zone_based_firewall_with_nat_verifies_and_its_mutations_are_found() {
    let (model, files) = build("tests/nat/ios-one-skid-inspect.fence");
    let r = verify_files(&model, &files, None);
    assert_eq!(r.len(), 1);
    assert!(r[0].equal, "{:#?}", r[0].differences);
    let (model, files) = build("tests/nat/skids-inspect.fence");
    let r = verify_files(&model, &files, None);
    assert_eq!(r.len(), 1);
    assert!(r[0].equal, "{:#?}", r[0].differences);
    let text = &files["rtr-cells/cisco-ios.txt"];
    // The class-maps name the skids' inside addresses, and the interfaces are zone members.
    assert!(text.contains("permit tcp host 10.30.0.10 host 192.168.1.10 eq 502"));
    assert!(!text.contains("host 10.50.1.10"));
    assert!(text.contains(" zone-member security filling\n"));
    let mut rows = mutation_rows("tests/nat/skids-inspect.fence", NAT_ZBF_MUTATIONS);
    rows.push_str(&mutation_rows(
        "tests/nat/ios-one-skid-inspect.fence",
        NAT_ZBF_ONE_MUTATIONS,
    ));
    check_doc_block(
        "Cisco IOS zone-based firewall with address translation",
        &rows,
    );
}

/// Applies each mutation to the example's generated files, verifies the mutated device and
/// returns the table rows of docs/verify.md.
fn mutation_rows(example: &str, mutations: &[Mutation]) -> String {
    let (model, files) = build(example);
    let mut rows = String::new();
    for m in mutations {
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
        } else if m.file.ends_with("cisco-asa.txt") {
            Target::CiscoAsa
        } else if m.file.ends_with("panos.txt") {
            Target::Panos
        } else if m.file.ends_with("fortios.txt") {
            Target::Fortios
        } else if m.file.ends_with(".txt") {
            Target::CiscoIos
        } else {
            Target::Iptables
        };
        let device = m.file.split('/').next().unwrap();
        let r = verify_files(&model, &f, Some((device, target)));
        assert_eq!(r.len(), 1);
        // Neither over nor under: a mutation that changes nothing the device decides.
        assert_eq!(
            r[0].equal,
            !m.over && !m.under,
            "{}: {:#?}",
            m.name,
            r[0].differences
        );
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
        let expected = match (m.over, m.under) {
            (true, true) => "over-permit and under-permit",
            (true, false) => "over-permit",
            (false, true) => "under-permit",
            (false, false) => "equal",
        };
        let mut verdict = Vec::new();
        for (word, pick) in [("over-permit", true), ("under-permit", false)] {
            let first = r[0].differences.iter().find_map(|d| {
                let c = if pick {
                    &d.over_permit
                } else {
                    &d.under_permit
                };
                c.as_ref().map(|c| (d, c))
            });
            if let Some((d, c)) = first {
                verdict.push(format!(
                    "{word}: `{} -> {}`: {}, by `{}`",
                    d.ingress,
                    d.egress,
                    c.packet,
                    c.config_line.replace('|', "\\|")
                ));
            }
        }
        if verdict.is_empty() {
            verdict.push("equal".to_string());
        }
        rows.push_str(&format!(
            "| {} (`{}`: `{}` → `{}`) | {} | {expected} | {} |\n",
            m.name,
            m.file,
            m.from.trim().replace('\n', "⏎").replace('|', "\\|"),
            m.to.trim().replace('\n', "⏎").replace('|', "\\|"),
            target_name(target),
            verdict.join("; ")
        ));
    }
    rows
}

fn target_name(t: Target) -> &'static str {
    match t {
        Target::Nftables => "nftables",
        Target::Iptables => "iptables",
        Target::CiscoAsa => "cisco-asa",
        Target::Panos => "panos",
        Target::Fortios => "fortios",
        _ => "cisco-ios",
    }
}

/// Mutations of a Cisco ASA's generated configuration (`tests/asa/plant.fence`): a widened
/// port, an added permit, the explicit final deny deleted (the ASA's implicit deny still
/// decides: equal) or turned into a permit, an object-group grown, a deny moved above the
/// permits, a permit moved below the final deny, a control-plane permit widened.
const ASA_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "asa port widened",
        file: "fw-asa/cisco-asa.txt",
        from: "host 10.20.0.20 eq 3389\n",
        to: "host 10.20.0.20 range 3389 3390\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "asa permit added",
        file: "fw-asa/cisco-asa.txt",
        from: "access-list FL-IN-enterprise extended deny ip any any log\n",
        to: "access-list FL-IN-enterprise extended permit udp any any eq domain\naccess-list FL-IN-enterprise extended deny ip any any log\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "asa explicit final deny deleted (the implicit deny remains)",
        file: "fw-asa/cisco-asa.txt",
        from: "access-list FL-IN-dmz extended deny ip any any log\n",
        to: "",
        over: false,
        under: false,
    },
    Mutation {
        name: "asa final deny turned into a permit",
        file: "fw-asa/cisco-asa.txt",
        from: "access-list FL-IN-dmz extended deny ip any any log\n",
        to: "access-list FL-IN-dmz extended permit ip any any log\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "asa object-group grown",
        file: "fw-asa/cisco-asa.txt",
        from: " network-object host 10.20.0.10\n",
        to: " network-object host 10.20.0.10\n network-object host 10.20.0.11\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "asa deny moved above the permits",
        file: "fw-asa/cisco-asa.txt",
        from: "access-list FL-IN-enterprise remark ",
        to: "access-list FL-IN-enterprise extended deny tcp any any eq 3389\naccess-list FL-IN-enterprise remark ",
        over: false,
        under: true,
    },
    Mutation {
        name: "asa permit moved below the final deny",
        file: "fw-asa/cisco-asa.txt",
        from: "access-list FL-IN-dmz extended permit tcp host 10.20.0.20 host 10.30.0.40 eq 3389\naccess-list FL-IN-dmz extended permit icmp host 10.20.0.20 host 10.30.0.40 8\naccess-list FL-IN-dmz extended deny ip any any log\n",
        to: "access-list FL-IN-dmz extended permit icmp host 10.20.0.20 host 10.30.0.40 8\naccess-list FL-IN-dmz extended deny ip any any log\naccess-list FL-IN-dmz extended permit tcp host 10.20.0.20 host 10.30.0.40 eq 3389\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "asa control-plane permit widened to any source",
        file: "fw-asa/cisco-asa.txt",
        from: "extended permit tcp host 10.30.0.40 object-group FL-NET-",
        to: "extended permit tcp any object-group FL-NET-",
        over: true,
        under: false,
    },
];

#[test]
fn asa_mutations_are_found_with_a_counterexample() {
    let rows = mutation_rows("tests/asa/plant.fence", ASA_MUTATIONS);
    check_doc_block("Cisco ASA", &rows);
}

/// Mutations of a Cisco ASA failover pair (`tests/asa/cluster.fence`): a data interface made
/// the failover link of one unit (it then passes no data traffic: an under-permit, and the HA
/// link differs from `sync`), and management access widened (`ssh`, `http`: the service from
/// more sources to the interface's own addresses, before the control-plane list).
const ASA_FAILOVER_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "asa data interface made the failover link",
        file: "fw-asa-b/cisco-asa.txt",
        from: "failover lan interface FOLINK GigabitEthernet0/3\n",
        to: "failover lan interface FOLINK GigabitEthernet0/1\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "asa ssh access widened to the zone",
        file: "fw-asa-a/cisco-asa.txt",
        from: "ssh 10.30.0.40 255.255.255.255 control-center\n",
        to: "ssh 10.30.0.0 255.255.255.0 control-center\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "asa http access widened to any source",
        file: "fw-asa-a/cisco-asa.txt",
        from: "http 10.30.0.40 255.255.255.255 control-center\n",
        to: "http 0.0.0.0 0.0.0.0 control-center\n",
        over: true,
        under: false,
    },
];

#[test]
fn asa_failover_pair_verifies_and_its_mutations_are_found() {
    let (model, files) = build("tests/asa/cluster.fence");
    let r = verify_files(&model, &files, None);
    assert_eq!(r.len(), 2);
    for d in &r {
        assert!(d.equal, "{}: {:#?} {:?}", d.device, d.differences, d.notes);
    }
    // One unit without its failover section filters alike (its failover link has no nameif)
    // but forms no pair: not equal, said in a note.
    let mut f = files.clone();
    let b = f["fw-asa-b/cisco-asa.txt"].clone();
    let cut: String = b
        .lines()
        .filter(|l| !l.starts_with("failover"))
        .map(|l| format!("{l}\n"))
        .collect();
    f.insert("fw-asa-b/cisco-asa.txt".into(), cut);
    let r = verify_files(&model, &f, Some(("fw-asa-b", Target::CiscoAsa)));
    assert!(!r[0].equal);
    assert!(r[0].differences.is_empty(), "{:#?}", r[0].differences);
    assert!(
        r[0].notes.iter().any(|n| n.contains("HA link differs")),
        "{:?}",
        r[0].notes
    );
    let rows = mutation_rows("tests/asa/cluster.fence", ASA_FAILOVER_MUTATIONS);
    check_doc_block("Cisco ASA failover pair", &rows);
}

/// Mutations of a PAN-OS pair (`tests/panos/cluster.fence`): a data interface made an HA
/// interface (it then passes nothing: an under-permit), and the HA interface made a layer-3
/// interface again (in no zone it still passes nothing: equal, and its HA1 link remains).
const PANOS_HA_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "panos data interface made an HA interface",
        file: "fw-pa-b/panos.txt",
        from: "set network interface ethernet ethernet1/1 layer3\n",
        to: "set network interface ethernet ethernet1/1 ha\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "panos HA interface made layer 3 (in no zone)",
        file: "fw-pa-a/panos.txt",
        from: "set network interface ethernet ethernet1/3 ha\n",
        to: "set network interface ethernet ethernet1/3 layer3\n",
        over: false,
        under: false,
    },
];

#[test]
fn panos_ha_pair_verifies_and_its_mutations_are_found() {
    let (model, files) = build("tests/panos/cluster.fence");
    let r = verify_files(&model, &files, None);
    assert_eq!(r.len(), 2);
    for d in &r {
        assert!(d.equal, "{}: {:#?} {:?}", d.device, d.differences, d.notes);
    }
    let rows = mutation_rows("tests/panos/cluster.fence", PANOS_HA_MUTATIONS);
    check_doc_block("PAN-OS HA pair", &rows);
}

/// Mutations of a Cisco ASA's object NAT (`tests/nat/asa-one-skid.fence`): the `nat` line
/// pointing at the wrong mapped object (its own real object: the skid is then reached at its
/// real address, and no longer at its outside one), and the `nat` line deleted.
const ASA_NAT_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "asa nat pointing at the wrong outside object",
        file: "fw-skid/cisco-asa.txt",
        from: " nat (filling,any) static FL-MAPPED-filling-1\n",
        to: " nat (filling,any) static FL-REAL-filling-1\n",
        over: true,
        under: true,
    },
    Mutation {
        name: "asa nat line deleted",
        file: "fw-skid/cisco-asa.txt",
        from: "object network FL-REAL-filling-1\n nat (filling,any) static FL-MAPPED-filling-1\n",
        to: "",
        over: true,
        under: true,
    },
];

#[test]
fn asa_with_nat_verifies_and_its_mutations_are_found() {
    let (model, files) = build("tests/nat/asa-one-skid.fence");
    let r = verify_files(&model, &files, None);
    assert_eq!(r.len(), 1);
    assert!(r[0].equal, "{:#?}", r[0].differences);
    let rows = mutation_rows("tests/nat/asa-one-skid.fence", ASA_NAT_MUTATIONS);
    check_doc_block("Cisco ASA with address translation", &rows);
}

/// Mutations of a FortiGate's virtual IPs (`tests/nat/fortios-one-skid.fence`): a policy naming
/// the wrong VIP, and a policy out of the skid without `set nat enable` (equal: the VIPs'
/// `nat-source-vip` still gives each host its outside address).
const FORTIOS_NAT_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "fortios policy naming the wrong virtual IP",
        file: "fw-skid/fortios.txt",
        from: "set dstaddr \"FL-VIP-10.50.1.10_32\"\n",
        to: "set dstaddr \"FL-VIP-10.50.1.11_32\"\n",
        over: true,
        under: true,
    },
    Mutation {
        name: "fortios nat disabled on the policy out of the skid (nat-source-vip remains)",
        file: "fw-skid/fortios.txt",
        from: "        set nat enable\n",
        to: "",
        over: false,
        under: false,
    },
];

#[test]
fn fortios_with_nat_verifies_and_its_mutations_are_found() {
    let (model, files) = build("tests/nat/fortios-one-skid.fence");
    let r = verify_files(&model, &files, None);
    assert_eq!(r.len(), 1);
    assert!(r[0].equal, "{:#?}", r[0].differences);
    // Two hosts' mappings swapped: every policy still admits the same outside addresses, but
    // they reach the wrong hosts; verify compares the translation itself with the policy's.
    let mut f = files.clone();
    let text = f["fw-skid/fortios.txt"]
        .replace(
            "set mappedip \"192.168.1.10\"",
            "set mappedip \"192.168.1.X\"",
        )
        .replace(
            "set mappedip \"192.168.1.11\"",
            "set mappedip \"192.168.1.10\"",
        )
        .replace(
            "set mappedip \"192.168.1.X\"",
            "set mappedip \"192.168.1.11\"",
        );
    f.insert("fw-skid/fortios.txt".into(), text);
    let r = verify_files(&model, &f, Some(("fw-skid", Target::Fortios)));
    assert!(!r[0].equal);
    assert!(r[0].differences.is_empty(), "{:#?}", r[0].differences);
    assert!(
        r[0].notes.iter().any(|n| n.starts_with("translation differs: the configuration maps 10.50.1.0-10.50.1.9 onto 192.168.1.0-192.168.1.9, 10.50.1.10-10.50.1.10 onto 192.168.1.11-192.168.1.11")),
        "{:?}",
        r[0].notes
    );
    let rows = mutation_rows("tests/nat/fortios-one-skid.fence", FORTIOS_NAT_MUTATIONS);
    check_doc_block("FortiOS with address translation", &rows);
}

/// Mutations of a PAN-OS firewall's NAT rule (`tests/nat/panos-one-skid.fence`): translated onto
/// the wrong address object, and no longer bi-directional.
const PANOS_NAT_MUTATIONS: &[Mutation] = &[Mutation {
    name: "panos nat rule translating onto the wrong address",
    file: "fw-skid/panos.txt",
    from: "translated-address N-10.50.1.0_24 bi-directional yes",
    to: "translated-address N-192.168.1.0_24 bi-directional yes",
    over: true,
    under: true,
}];

#[test]
fn panos_with_nat_verifies_and_its_mutations_are_found() {
    let (model, files) = build("tests/nat/panos-one-skid.fence");
    let r = verify_files(&model, &files, None);
    assert_eq!(r.len(), 1);
    assert!(r[0].equal, "{:#?}", r[0].differences);
    // Not bi-directional: the outside addresses are no longer translated back, which the rules
    // (matching them before translation) do not show; verify compares the translations.
    let mut f = files.clone();
    let text = f["fw-skid/panos.txt"].replace("bi-directional yes", "bi-directional no");
    f.insert("fw-skid/panos.txt".into(), text);
    let r = verify_files(&model, &f, Some(("fw-skid", Target::Panos)));
    assert!(!r[0].equal);
    assert!(
        r[0].notes
            .iter()
            .any(|n| n.starts_with("translation differs: the configuration maps nothing")),
        "{:?}",
        r[0].notes
    );
    let rows = mutation_rows("tests/nat/panos-one-skid.fence", PANOS_NAT_MUTATIONS);
    check_doc_block("PAN-OS with address translation", &rows);
}

/// Mutations of a FortiGate's generated configuration (`tests/fortios/plant.fence`): a widened
/// port, an added accept policy, the explicit final deny deleted (FortiOS's implicit deny still
/// decides: equal) or turned into an accept, an address group grown, a deny moved above the
/// accepts, an accept moved below the final deny, a local-in accept widened, an interface set
/// down (island mode).
const FORTIOS_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "fortios port widened",
        file: "fw-forti/fortios.txt",
        from: "set tcp-portrange 3389\n",
        to: "set tcp-portrange 3389-3390\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "fortios accept policy added",
        file: "fw-forti/fortios.txt",
        from: "    edit 6\n",
        to: "    edit 60\n        set srcintf \"port1\"\n        set dstintf \"port3\"\n        set srcaddr \"all\"\n        set dstaddr \"all\"\n        set action accept\n        set schedule \"always\"\n        set service \"FL-TCP-443\"\n    next\n    edit 6\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "fortios explicit final deny deleted (the implicit deny remains)",
        file: "fw-forti/fortios.txt",
        from: "    edit 6\n        set srcintf \"any\"\n        set dstintf \"any\"\n        set srcaddr \"all\"\n        set dstaddr \"all\"\n        set srcaddr6 \"all\"\n        set dstaddr6 \"all\"\n        set action deny\n        set schedule \"always\"\n        set service \"ALL\"\n        set logtraffic all\n        set comments \"the implicit deny, made explicit and logged\"\n    next\n",
        to: "",
        over: false,
        under: false,
    },
    Mutation {
        name: "fortios final deny turned into an accept",
        file: "fw-forti/fortios.txt",
        from: "        set action deny\n        set schedule \"always\"\n        set service \"ALL\"\n        set logtraffic all\n",
        to: "        set action accept\n        set schedule \"always\"\n        set service \"ALL\"\n        set logtraffic all\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "fortios address group grown",
        file: "fw-forti/fortios.txt",
        from: "set member \"FL-10.10.0.1_32\" \"FL-10.20.0.1_32\" \"FL-10.30.0.1_32\"",
        to: "set member \"FL-10.10.0.1_32\" \"FL-10.20.0.1_32\" \"FL-10.30.0.1_32\" \"FL-10.30.0.40_32\"",
        over: true,
        under: false,
    },
    Mutation {
        name: "fortios deny moved above the accepts",
        file: "fw-forti/fortios.txt",
        from: "config firewall policy\n    edit 1\n",
        to: "config firewall policy\n    edit 100\n        set srcintf \"any\"\n        set dstintf \"any\"\n        set srcaddr \"all\"\n        set dstaddr \"all\"\n        set action deny\n        set schedule \"always\"\n        set service \"FL-TCP-3389\"\n    next\n    edit 1\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "fortios accept moved below the final deny",
        file: "fw-forti/fortios.txt",
        from: "    edit 5\n        set srcintf \"port3\"\n        set dstintf \"port2\"\n        set srcaddr \"FL-10.30.0.12_32\"\n        set dstaddr \"FL-10.20.0.10_32\"\n        set srcaddr6 \"FL-fd00:30::12_128\"\n        set dstaddr6 \"FL-fd00:20::10_128\"\n        set action accept\n        set schedule \"always\"\n        set service \"FL-TCP-5450\" \"FL-TCP-5460-5470\"\n        set logtraffic disable\n        set comments \"dmz-control: control-center.historian -> dmz.historian-mirror historian-sync\"\n    next\n    edit 6\n        set srcintf \"any\"\n        set dstintf \"any\"\n        set srcaddr \"all\"\n        set dstaddr \"all\"\n        set srcaddr6 \"all\"\n        set dstaddr6 \"all\"\n        set action deny\n        set schedule \"always\"\n        set service \"ALL\"\n        set logtraffic all\n        set comments \"the implicit deny, made explicit and logged\"\n    next\n",
        to: "    edit 6\n        set srcintf \"any\"\n        set dstintf \"any\"\n        set srcaddr \"all\"\n        set dstaddr \"all\"\n        set srcaddr6 \"all\"\n        set dstaddr6 \"all\"\n        set action deny\n        set schedule \"always\"\n        set service \"ALL\"\n        set logtraffic all\n        set comments \"the implicit deny, made explicit and logged\"\n    next\n    edit 5\n        set srcintf \"port3\"\n        set dstintf \"port2\"\n        set srcaddr \"FL-10.30.0.12_32\"\n        set dstaddr \"FL-10.20.0.10_32\"\n        set srcaddr6 \"FL-fd00:30::12_128\"\n        set dstaddr6 \"FL-fd00:20::10_128\"\n        set action accept\n        set schedule \"always\"\n        set service \"FL-TCP-5450\" \"FL-TCP-5460-5470\"\n        set logtraffic disable\n        set comments \"dmz-control: control-center.historian -> dmz.historian-mirror historian-sync\"\n    next\n",
        over: false,
        under: true,
    },
    Mutation {
        name: "fortios policy ids renumbered (the list's order decides)",
        file: "fw-forti/fortios.txt",
        from: "    edit 1\n        set srcintf \"port1\"",
        to: "    edit 99\n        set srcintf \"port1\"",
        over: false,
        under: false,
    },
    Mutation {
        name: "fortios local-in accept widened to any source",
        file: "fw-forti/fortios.txt",
        from: "set srcaddr \"FL-10.30.0.40_32\"\n        set dstaddr \"FL-NET-",
        to: "set srcaddr \"all\"\n        set dstaddr \"FL-NET-",
        over: true,
        under: false,
    },
    Mutation {
        name: "fortios interface set down (island mode)",
        file: "fw-forti/fortios.txt",
        from: "        set alias \"dmz\"\n",
        to: "        set alias \"dmz\"\n        set status down\n",
        over: false,
        under: true,
    },
];

#[test]
fn fortios_mutations_are_found_with_a_counterexample() {
    let rows = mutation_rows("tests/fortios/plant.fence", FORTIOS_MUTATIONS);
    check_doc_block("FortiOS", &rows);
}

/// Compares the rows between `<!-- BEGIN generated: NAME -->` and `<!-- END generated: NAME -->`
/// in docs/verify.md with `rows`; rewrites them with `UPDATE_DOCS=1`.
fn check_doc_block(name: &str, rows: &str) {
    let path = "docs/verify.md";
    let doc = std::fs::read_to_string(path).unwrap();
    let begin = format!("<!-- BEGIN generated: {name} -->\n");
    let end = format!("<!-- END generated: {name} -->");
    let header = "| mutation | target | expected verdict | verdict |\n|---|---|---|---|\n";
    let block = format!("{begin}{header}{rows}{end}");
    let (Some(i), Some(j)) = (doc.find(&begin), doc.find(&end)) else {
        panic!("{path} has no block {begin:?}");
    };
    let current = &doc[i..j + end.len()];
    if current == block {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{block}{}", &doc[..i], &doc[j + end.len()..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    panic!("{path}: the table {name:?} is stale; run `UPDATE_DOCS=1 cargo test --test verify`");
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

/// Mutations of the one-way plant (`tests/oneway/one-way.fence`: syslog over UDP is `one-way`,
/// NTP between the same hosts is not; a firewall and a router in parallel): the reply direction
/// of a connection is compared where a one-way flow crosses a stateful device, and a stateless
/// device gets no reply entry for it. Before `one-way`, every one of these was equal.
const ONE_WAY_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "nft one-way replies no longer dropped",
        file: "fw/nftables.nft",
        from: "		ct direction reply jump one_way
",
        to: "",
        over: true,
        under: false,
    },
    Mutation {
        name: "nft one-way reply drop widened to the NTP replies",
        file: "fw/nftables.nft",
        from: "udp sport 514 counter drop",
        to: "udp sport 1-1000 counter drop",
        over: false,
        under: true,
    },
    Mutation {
        name: "iptables one-way replies no longer dropped",
        file: "fw/iptables.rules",
        from: "-A FORWARD -m conntrack --ctdir REPLY -j FL-ONE-WAY\n",
        to: "",
        over: true,
        under: false,
    },
    Mutation {
        name: "ip6tables one-way reply drop in the original direction",
        file: "fw/ip6tables.rules",
        from: "--ctdir REPLY",
        to: "--ctdir ORIGINAL",
        over: true,
        under: false,
    },
    Mutation {
        name: "ios reply ACE of the one-way flow added",
        file: "rtr/cisco-ios.txt",
        from: " 10 permit udp host 10.30.0.10 eq 123 10.40.0.16 0.0.0.15\n",
        to: " 10 permit udp host 10.30.0.10 eq 123 10.40.0.16 0.0.0.15\n 15 permit udp host 10.30.0.10 eq 514 10.40.0.16 0.0.0.15\n",
        over: true,
        under: false,
    },
];

#[test]
fn one_way_mutations_are_found() {
    let (model, files) = build("tests/oneway/one-way.fence");
    let all = verify_files(&model, &files, None);
    assert_eq!(all.len(), 3);
    for r in &all {
        assert!(r.equal, "{} {}: {:#?}", r.device, r.target, r.differences);
    }
    for m in ONE_WAY_MUTATIONS {
        let text = &files[m.file];
        assert!(text.contains(m.from), "{}: {:?} not found", m.name, m.from);
        let mut f = files.clone();
        f.insert(m.file.to_string(), text.replacen(m.from, m.to, 1));
        let (device, target) = match m.file.rsplit_once('.') {
            Some((_, "nft")) => ("fw", Target::Nftables),
            Some((_, "txt")) => ("rtr", Target::CiscoIos),
            _ => ("fw", Target::Iptables),
        };
        let r = verify_files(&model, &f, Some((device, target)));
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
        for d in &r[0].differences {
            for c in d.over_permit.iter().chain(&d.under_permit) {
                eprintln!(
                    "{}: {} -> {}: {} by {}",
                    m.name, d.ingress, d.egress, c.packet, c.config_line
                );
                assert!(
                    c.packet.contains(":514") || c.packet.contains(":123"),
                    "{}: {c:?}",
                    m.name
                );
            }
        }
    }
}

const TWO_WAY_NFT_FROM: &str = "\t\t}\n\t\tct state established,related accept\n\t\tct state invalid counter drop\n\t\tiifname . oifname vmap";
const TWO_WAY_NFT_TO: &str = "\t\t}\n\t\tct direction reply udp sport 514 counter drop\n\t\tct state established,related accept\n\t\tct state invalid counter drop\n\t\tiifname . oifname vmap";
const TWO_WAY_IPT_FROM: &str = "-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n";
const TWO_WAY_IPT_TO: &str = "-A FORWARD -p udp -m conntrack --ctdir REPLY -m udp --sport 514 -j DROP\n-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n";

/// Mutations of the two-way plant (`tests/oneway/two-way.fence`: the one-way plant with syslog
/// as an ordinary flow): no `one-way` flow crosses a pair, and the replies are compared all the
/// same. Each was equal while verify read replies only where a `one-way` flow crosses.
const TWO_WAY_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "nft replies of the two-way syslog flow dropped",
        file: "fw/nftables.nft",
        from: TWO_WAY_NFT_FROM,
        to: TWO_WAY_NFT_TO,
        over: false,
        under: true,
    },
    Mutation {
        name: "iptables replies of the two-way syslog flow dropped",
        file: "fw/iptables.rules",
        from: TWO_WAY_IPT_FROM,
        to: TWO_WAY_IPT_TO,
        over: false,
        under: true,
    },
    Mutation {
        name: "ip6tables replies of the two-way syslog flow dropped",
        file: "fw/ip6tables.rules",
        from: TWO_WAY_IPT_FROM,
        to: TWO_WAY_IPT_TO,
        over: false,
        under: true,
    },
];

#[test]
fn two_way_reply_mutations_are_found() {
    let (model, files) = build("tests/oneway/two-way.fence");
    let all = verify_files(&model, &files, None);
    assert_eq!(all.len(), 3);
    for r in &all {
        assert!(r.equal, "{} {}: {:#?}", r.device, r.target, r.differences);
    }
    for m in TWO_WAY_MUTATIONS {
        let text = &files[m.file];
        assert!(text.contains(m.from), "{}: {:?} not found", m.name, m.from);
        let mut f = files.clone();
        f.insert(m.file.to_string(), text.replacen(m.from, m.to, 1));
        let target = match m.file.rsplit_once('.') {
            Some((_, "nft")) => Target::Nftables,
            _ => Target::Iptables,
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
        for d in &r[0].differences {
            for c in d.under_permit.iter() {
                eprintln!(
                    "{}: {} -> {}: {} by {}",
                    m.name, d.ingress, d.egress, c.packet, c.config_line
                );
                assert!(
                    c.packet.contains(":514 ") && c.packet.ends_with("(a reply)"),
                    "{}: {c:?}",
                    m.name
                );
            }
        }
    }
}

/// Configurations built for the one-way plant, verified against the two-way plant (the policy an
/// import gave before it read `one-way`): every device drops the syslog replies the two-way
/// policy passes, and verify says so (the stateful firewall in its reply direction, the
/// stateless router as a missing reply permit); the converse, two-way configurations against
/// the one-way policy, pass replies the one-way flow forbids.
#[test]
fn one_way_and_two_way_configurations_differ() {
    let (one, one_files) = build("tests/oneway/one-way.fence");
    let (two, two_files) = build("tests/oneway/two-way.fence");
    for (model, files, over) in [(&two, &one_files, false), (&one, &two_files, true)] {
        let all = verify_files(model, files, None);
        assert_eq!(all.len(), 3);
        for r in &all {
            let found = r.differences.iter().any(|d| {
                let c = if over {
                    &d.over_permit
                } else {
                    &d.under_permit
                };
                c.as_ref().is_some_and(|c| c.packet.contains(":514 "))
            });
            assert!(
                found,
                "{} {} (over: {over}): {:#?}",
                r.device, r.target, r.differences
            );
        }
    }
}

/// The inbound IPv4 ACL bound to `iface` in a generated IOS file.
fn bound_acl(text: &str, iface: &str) -> String {
    let at = text
        .find(&format!("interface {iface}\n ip access-group "))
        .unwrap_or_else(|| panic!("no binding of {iface}"));
    text[at..]
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(2)
        .unwrap()
        .to_string()
}

/// IOS takes any unambiguous abbreviation of an interface type, in any case, with or without a
/// space before the number, and a live `show running-config` or a hand edit may use one. The
/// reader knows `Gi0/1` as the policy's `GigabitEthernet0/1`: rewritten bindings stay equal, a
/// later abbreviated binding replaces the full one, and a binding to the wrong ACL is found.
#[test]
fn abbreviated_ios_interface_names_are_the_policys_interfaces() {
    let (model, files) = build("examples/north-pipeline.fence");
    let file = "rtr-field/cisco-ios.txt";
    let text = files[file].clone();
    let acl0 = bound_acl(&text, "GigabitEthernet0/0");
    let acl1 = bound_acl(&text, "GigabitEthernet0/1");
    let verify = |text: String| {
        let mut f = files.clone();
        f.insert(file.to_string(), text);
        let mut r = verify_files(&model, &f, Some(("rtr-field", Target::CiscoIos)));
        assert_eq!(r.len(), 1);
        r.remove(0)
    };
    // Bindings written with abbreviations: the same configuration.
    let abbreviated = text
        .replace("interface GigabitEthernet0/0\n", "interface Gi0/0\n")
        .replace("interface GigabitEthernet0/1\n", "interface gi 0/01\n");
    assert!(!abbreviated.contains("interface GigabitEthernet"));
    let r = verify(abbreviated.clone());
    assert!(r.equal, "{:#?}", r.differences);

    // `Gi0/1` configured after `GigabitEthernet0/1` is the same interface: its binding to the
    // other interface's ACL replaces the generated one, and verify sees it.
    let rebound = text.replacen(
        "\nend\n",
        &format!("\ninterface Gi0/1\n ip access-group {acl0} in\nend\n"),
        1,
    );
    let r = verify(rebound);
    assert!(!r.equal, "a rebinding under an abbreviated name was missed");
    let over = r.differences.iter().find_map(|d| d.over_permit.as_ref());
    let under = r.differences.iter().find_map(|d| d.under_permit.as_ref());
    let (over, under) = (over.expect("over-permit"), under.expect("under-permit"));
    assert!(over.config_line.contains(&acl0), "{over:?}");
    assert!(under.config_line.contains(&acl0), "{under:?}");

    // The abbreviated binding itself names the wrong ACL.
    let wrong = abbreviated.replacen(
        &format!("interface gi 0/01\n ip access-group {acl1} in"),
        &format!("interface gi 0/01\n ip access-group {acl0} in"),
        1,
    );
    assert_ne!(wrong, abbreviated);
    let r = verify(wrong);
    assert!(!r.equal);
    let over = r.differences.iter().find_map(|d| d.over_permit.as_ref());
    let under = r.differences.iter().find_map(|d| d.under_permit.as_ref());
    for c in [over.expect("over-permit"), under.expect("under-permit")] {
        assert!(c.config_line.contains(&acl0), "{:#?}", r.differences);
    }
}

// ---- BEGIN readers: nftables family-restricted matches, iptables-restore semantics, iprange ----

/// What verify must say about a mutated file.
#[derive(Debug, PartialEq)]
enum Verdict {
    Equal,
    Over,
    Under,
    Both,
    /// Refused (exit 2); the message holds `file:line` and this text.
    Refused(usize, &'static str),
}

struct ReaderMutation {
    name: &'static str,
    example: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    verdict: Verdict,
}

/// The end of fw-it-ot's `iptables.rules` with `extra` before its COMMIT (line 46 is the first
/// extra line).
macro_rules! ipt_tail {
    ($extra:expr) => {
        concat!("-j ACCEPT\n", $extra, "COMMIT\n")
    };
}

const FWD: &str = "\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n";
/// `udp dport != 53` holds for UDP only and `ip6 saddr !=` for IPv6 only (nft's dependencies):
/// the TCP/IPv4 flows from eth0 to eth1 pass.
const NEGATED: &str =
    "\tchain p_eth0_eth1 {\n\t\tudp dport != 53 drop\n\t\tip6 saddr != 2001:db8::/32 drop\n";
const IPT_END: &str = ipt_tail!("");
const NP: &str = "examples/north-pipeline.fence";
const MF: &str = "examples/manufacturing.fence";
const NFT: &str = "fw-it-ot/nftables.nft";
const IPT: &str = "fw-it-ot/iptables.rules";
const IP6: &str = "fw-idmz/ip6tables.rules";
const RANGE: &str = "--dst-range 10.30.0.21-10.30.0.22 -p tcp -m tcp --dport 3389 -m conntrack --ctstate NEW -m comment";

const READER_MUTATIONS: &[ReaderMutation] = &[
    ReaderMutation { name: "nft inet chain returns IPv4 before its drop", example: NP, file: NFT, from: FWD, to: "\tchain fam {\n\t\tmeta nfproto ipv4 return\n\t\ttcp dport 4444 drop\n\t}\n\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tjump fam\n\t\ttcp dport 4444 accept\n", verdict: Verdict::Over },
    ReaderMutation { name: "nft drop of IPv6 and a port", example: NP, file: NFT, from: FWD, to: "\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tmeta nfproto ipv6 tcp dport 3389 drop\n", verdict: Verdict::Equal },
    ReaderMutation { name: "nft negated matches in front of a pair's accepts", example: NP, file: NFT, from: "\tchain p_eth0_eth1 {\n", to: NEGATED, verdict: Verdict::Equal },
    ReaderMutation { name: "nft anti-spoofing return widened to every IPv4 source", example: NP, file: NFT, from: "ip saddr @z_enterprise_v4 return", to: "ip saddr 0.0.0.0/0 return", verdict: Verdict::Equal },
    ReaderMutation { name: "iptables second *filter block appended", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("COMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -j ACCEPT\n"), verdict: Verdict::Over },
    ReaderMutation { name: "iptables second *filter block without a FORWARD policy", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("COMMIT\n*filter\n-A FORWARD -j ACCEPT\n"), verdict: Verdict::Refused(53, "does not set the policy of FORWARD") },
    ReaderMutation { name: "iptables second *filter block repeating the first", example: NP, file: IPT, from: "COMMIT\n", to: "COMMIT\n*filter\n:FORWARD DROP [0:0]\n:FL-X - [0:0]\n-A FORWARD -j FL-X\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", verdict: Verdict::Refused(0, "does not set the policy of INPUT") },
    ReaderMutation { name: "iptables -I an accept in front of the anti-spoofing", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-I FORWARD -p tcp -m tcp --dport 4444 -j ACCEPT\n"), verdict: Verdict::Over },
    ReaderMutation { name: "iptables -I 2 a drop after the island chain", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-I FORWARD 2 -i eth1 -j DROP\n"), verdict: Verdict::Under },
    ReaderMutation { name: "iptables -I beyond the end of the chain", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-I FL-ISLAND 2 -j DROP\n"), verdict: Verdict::Refused(52, "rule number 2") },
    ReaderMutation { name: "iptables -P FORWARD ACCEPT behind the final DROP", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-P FORWARD ACCEPT\n"), verdict: Verdict::Equal },
    ReaderMutation { name: "iptables -F FORWARD", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-F FORWARD\n"), verdict: Verdict::Under },
    ReaderMutation { name: "iptables -F FORWARD and -P FORWARD ACCEPT", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-F FORWARD\n-P FORWARD ACCEPT\n"), verdict: Verdict::Over },
    ReaderMutation { name: "iptables -F without a chain", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-F\n"), verdict: Verdict::Refused(52, "back ends of iptables-restore disagree") },
    ReaderMutation { name: "iptables -X of a pair chain still jumped to", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-F FL-eth0_eth1\n-X FL-eth0_eth1\n"), verdict: Verdict::Refused(53, "is jumped to") },
    ReaderMutation { name: "iptables -F and -X a pair chain, FORWARD flushed and accepting", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-F FORWARD\n-F FL-eth0_eth1\n-X FL-eth0_eth1\n-P FORWARD ACCEPT\n"), verdict: Verdict::Over },
    ReaderMutation { name: "iptables -N a chain that accepts DNS, jumped to", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-N FL-DNS\n-A FL-DNS -p udp -m udp --dport 53 -j ACCEPT\n-I FORWARD 5 -j FL-DNS\n"), verdict: Verdict::Over },
    ReaderMutation { name: "iptables -N of an existing chain", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-N FL-ISLAND\n"), verdict: Verdict::Refused(52, "already exists") },
    ReaderMutation { name: "iptables -D", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-D FORWARD -j DROP\n"), verdict: Verdict::Refused(52, "`-D` is not supported") },
    ReaderMutation { name: "iptables -R", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-R FORWARD 1 -j ACCEPT\n"), verdict: Verdict::Refused(52, "`-R` is not supported") },
    ReaderMutation { name: "iptables -Z", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-Z\n"), verdict: Verdict::Refused(52, "`-Z` is not supported") },
    ReaderMutation { name: "iptables iprange narrowed", example: NP, file: IPT, from: RANGE, to: "--dst-range 10.30.0.21-10.30.0.21 -p tcp -m tcp --dport 3389 -m conntrack --ctstate NEW -m comment", verdict: Verdict::Under },
    ReaderMutation { name: "iptables iprange widened", example: NP, file: IPT, from: RANGE, to: "--dst-range 10.30.0.21-10.30.0.30 -p tcp -m tcp --dport 3389 -m conntrack --ctstate NEW -m comment", verdict: Verdict::Over },
    ReaderMutation { name: "iptables iprange negated", example: NP, file: IPT, from: RANGE, to: "! --dst-range 10.30.0.23-10.30.0.255 -p tcp -m tcp --dport 3389 -m conntrack --ctstate NEW -m comment", verdict: Verdict::Over },
    ReaderMutation { name: "iptables -s and --src-range together", example: NP, file: IPT, from: "-s 10.20.0.20/32 -m iprange --dst-range 10.30.0.21-10.30.0.22 -p tcp -m tcp --dport 3389 -m conntrack --ctstate NEW -m comment", to: "-s 10.20.0.0/24 -m iprange --src-range 10.20.0.20-10.20.0.20 --dst-range 10.30.0.21-10.30.0.22 -p tcp -m tcp --dport 3389 -m conntrack --ctstate NEW -m comment", verdict: Verdict::Equal },
    ReaderMutation { name: "ip6tables iprange widened", example: MF, file: IP6, from: "-s 2001:db8:100::10/128 -d", to: "-m iprange --src-range 2001:db8:100::10-2001:db8:100::ff -d", verdict: Verdict::Over },
    ReaderMutation { name: "ip6tables -s and --src-range together", example: MF, file: IP6, from: "-s 2001:db8:100::10/128 -d", to: "-s 2001:db8:100::/48 -m iprange --src-range 2001:db8:100::10-2001:db8:100::10 -d", verdict: Verdict::Equal },
    ReaderMutation { name: "ip6tables negated iprange drops the allowed host", example: MF, file: IP6, from: "-s 2001:db8:100::10/128 -d", to: "-s 2001:db8:100::10/128 -m iprange ! --src-range 2001:db8:100::1-2001:db8:100::ff -d", verdict: Verdict::Under },
];

/// Verifies one device and target; `Err` with the reader's message when the file is refused.
fn verify_one(
    model: &Model,
    files: &BTreeMap<String, String>,
    device: &str,
    target: Target,
) -> Result<DeviceResult, String> {
    let sides = PolicySides::for_targets(model, &[Target::Nftables]);
    let read = |p: &str| files.get(p).cloned();
    let di = model.devices.iter().position(|d| d.name == device).unwrap();
    let cfg = load(device, target, &read)
        .map_err(|e| e.to_string())?
        .unwrap();
    compare_loaded(model, &sides, DeviceId(di), target, &cfg).map_err(|e| e.to_string())
}

/// Each mutation gets the verdict the kernel's behaviour calls for (checked with real traffic
/// and `iptables-save` in `tests/linux_targets.rs`).
#[test]
fn reader_mutations_get_the_kernels_verdict() {
    check_reader_mutations(READER_MUTATIONS);
}

/// A chain added in front of `chain input` (it opens on line 148; its `type` line is 149, its
/// first rule 150).
const PRE: &str = "\tchain input {";
/// The forward chain of `nftables.nft` up to its invalid drop (the anti-spoofing is behind).
macro_rules! fwd_head {
    () => {
        "\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tiifname @island drop\n\t\toifname @island drop\n\t\tiifname vmap {\n\t\t\t\"eth0\" : jump as_eth0,\n\t\t\t\"eth1\" : jump as_eth1,\n\t\t\t\"eth2\" : jump as_eth2,\n\t\t}\n\t\tct state established,related accept\n\t\tct state invalid counter drop\n"
    };
}
/// `fwd_head!()` with `rule` after the invalid drop, and chains `g` (returns tcp/4444, else ends
/// without a verdict) and `h` (`goto g`, then `drop`) in front of it.
macro_rules! after_invalid_drop {
    ($rule:expr) => {
        concat!(
            "\tchain g {\n\t\ttcp dport 4444 return\n\t}\n\n\tchain h {\n\t\tgoto g\n\t\tdrop\n\t}\n\n",
            fwd_head!(),
            "\t\t",
            $rule,
            "\n"
        )
    };
}
/// The end of `nftables.nft` (a second block of the table follows it from line 158).
const TABLE_END: &str = "\t}\n}\n";
/// The end of fw-it-ot's pair chain from eth0 to eth1 in `iptables.rules`.
const IPT_443: &str = "-s 10.10.0.0/16 -d 10.20.0.10/32 -p tcp -m tcp --dport 443";

/// Mutations of the adversarial review (docs/verify.md, "Adversarial review"): each gets the
/// verdict the kernel calls for; the ones marked in `ADVERSARIAL_IN_THE_KERNEL`
/// (`tests/linux_targets.rs`) are loaded with real traffic.
const ADVERSARIAL: &[ReaderMutation] = &[
    ReaderMutation { name: "nft prerouting base chain with policy drop", example: NP, file: NFT, from: PRE, to: "\tchain pre {\n\t\ttype filter hook prerouting priority 0; policy drop;\n\t}\n\tchain input {", verdict: Verdict::Under },
    ReaderMutation { name: "nft postrouting base chain drops tcp/443", example: NP, file: NFT, from: PRE, to: "\tchain post {\n\t\ttype filter hook postrouting priority 0; policy accept;\n\t\ttcp dport 443 drop\n\t}\n\tchain input {", verdict: Verdict::Under },
    ReaderMutation { name: "nft prerouting base chain drops one flow by input interface", example: NP, file: NFT, from: PRE, to: "\tchain pre {\n\t\ttype filter hook prerouting priority 0; policy accept;\n\t\tiifname \"eth2\" tcp dport 5450 drop\n\t}\n\tchain input {", verdict: Verdict::Under },
    ReaderMutation { name: "nft prerouting base chain accepting what forward drops", example: NP, file: NFT, from: PRE, to: "\tchain pre {\n\t\ttype filter hook prerouting priority 0; policy accept;\n\t\ttcp dport 4444 accept\n\t}\n\tchain input {", verdict: Verdict::Equal },
    ReaderMutation { name: "nft prerouting match on the output interface", example: NP, file: NFT, from: PRE, to: "\tchain pre {\n\t\ttype filter hook prerouting priority 0; policy accept;\n\t\toifname \"eth1\" drop\n\t}\n\tchain input {", verdict: Verdict::Refused(151, "sees no output interface") },
    ReaderMutation { name: "nft postrouting match on the input interface", example: NP, file: NFT, from: PRE, to: "\tchain post {\n\t\ttype filter hook postrouting priority 0; policy accept;\n\t\tiifname vmap { \"eth0\" : drop }\n\t}\n\tchain input {", verdict: Verdict::Refused(151, "sees no input interface") },
    ReaderMutation { name: "nft prerouting connection state before conntrack", example: NP, file: NFT, from: PRE, to: "\tchain pre {\n\t\ttype filter hook prerouting priority -300; policy accept;\n\t\tct state new drop\n\t}\n\tchain input {", verdict: Verdict::Refused(151, "before connection tracking") },
    ReaderMutation { name: "nft second forward base chain in an ip table drops tcp/443", example: NP, file: NFT, from: "table inet fenceline {}", to: "table ip other {\n\tchain f {\n\t\ttype filter hook forward priority 10; policy accept;\n\t\ttcp dport 443 drop\n\t}\n}\ntable inet fenceline {}", verdict: Verdict::Under },
    ReaderMutation { name: "nft ip6 table forward chain with policy drop (no IPv6 flow crosses)", example: NP, file: NFT, from: "table inet fenceline {}", to: "table ip6 other {\n\tchain f {\n\t\ttype filter hook forward priority -10; policy drop;\n\t}\n}\ntable inet fenceline {}", verdict: Verdict::Equal },
    ReaderMutation { name: "nft inet ingress chain with policy drop", example: NP, file: NFT, from: PRE, to: "\tchain ing {\n\t\ttype filter hook ingress device \"eth0\" priority 0; policy drop;\n\t}\n\tchain input {", verdict: Verdict::Refused(150, "on the `ingress` hook is not supported") },
    ReaderMutation { name: "nft base chain written on one line", example: NP, file: NFT, from: PRE, to: "\tchain f2 { type filter hook forward priority 0; policy drop; }\n\tchain input {", verdict: Verdict::Refused(149, "statements on the line that opens the chain") },
    ReaderMutation { name: "nft empty chain written on one line", example: NP, file: NFT, from: PRE, to: "\tchain f2 { }\n\tchain input {", verdict: Verdict::Equal },
    ReaderMutation { name: "nft table written on one line", example: NP, file: NFT, from: "table inet fenceline {}", to: "table ip x { chain f { type filter hook forward priority 0; policy drop; }; }\ntable inet fenceline {}", verdict: Verdict::Refused(10, "statements on the line that opens the table") },
    ReaderMutation { name: "nft netdev ingress chain", example: NP, file: NFT, from: "table inet fenceline {}", to: "table netdev n {\n\tchain i {\n\t\ttype filter hook ingress device \"eth0\" priority 0; policy drop;\n\t}\n}\ntable inet fenceline {}", verdict: Verdict::Refused(0, "table family `netdev` with base chains is not supported") },
    ReaderMutation { name: "nft table block again, a rule appended after the final drop", example: NP, file: NFT, from: TABLE_END, to: "\t}\n}\ntable inet fenceline {\n\tchain forward {\n\t\ttcp dport 4444 accept\n\t}\n}\n", verdict: Verdict::Equal },
    ReaderMutation { name: "nft table block again, a rule appended to a pair chain", example: NP, file: NFT, from: TABLE_END, to: "\t}\n}\ntable inet fenceline {\n\tchain p_eth0_eth1 {\n\t\ttcp dport 4444 accept\n\t}\n}\n", verdict: Verdict::Over },
    ReaderMutation { name: "nft table block again, an element added to an anti-spoofing set", example: NP, file: NFT, from: TABLE_END, to: "\t}\n}\ntable inet fenceline {\n\tset z_enterprise_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 10.99.0.0/16 }\n\t}\n}\n", verdict: Verdict::Equal },
    ReaderMutation { name: "nft table block again, an element added to a pair's set", example: NP, file: NFT, from: TABLE_END, to: "\t}\n}\ntable inet fenceline {\n\tset p_eth0_eth1_ports_v4 {\n\t\ttype ipv4_addr . ipv4_addr . inet_proto . inet_service\n\t\tflags interval\n\t\telements = { 10.10.0.0/16 . 10.20.0.10 . tcp . 22 }\n\t}\n}\n", verdict: Verdict::Over },
    ReaderMutation { name: "nft table block again, forward's policy accept behind the final drop", example: NP, file: NFT, from: TABLE_END, to: "\t}\n}\ntable inet fenceline {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n}\n", verdict: Verdict::Equal },
    ReaderMutation { name: "nft table block again, a pair chain made a base chain", example: NP, file: NFT, from: TABLE_END, to: "\t}\n}\ntable inet fenceline {\n\tchain p_eth0_eth1 {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n}\n", verdict: Verdict::Refused(171, "declared again with another type or hook") },
    ReaderMutation { name: "nft goto a chain that ends without a verdict", example: NP, file: NFT, from: fwd_head!(), to: after_invalid_drop!("goto g"), verdict: Verdict::Under },
    ReaderMutation { name: "nft jump a chain that goes to a chain that returns", example: NP, file: NFT, from: fwd_head!(), to: after_invalid_drop!("jump h"), verdict: Verdict::Equal },
    ReaderMutation { name: "nft iifname wildcard accepting tcp/4444", example: NP, file: NFT, from: fwd_head!(), to: after_invalid_drop!("iifname \"eth*\" oifname \"eth1\" tcp dport 4444 accept"), verdict: Verdict::Over },
    ReaderMutation { name: "nft ct state set and a negated IPv4 source after the anti-spoofing", example: NP, file: NFT, from: fwd_head!(), to: after_invalid_drop!("ct state { new, untracked } ip saddr != 10.0.0.0/8 accept"), verdict: Verdict::Equal },
    ReaderMutation { name: "nft IPv4-mapped IPv6 sources accepted after the anti-spoofing", example: NP, file: NFT, from: fwd_head!(), to: after_invalid_drop!("ip6 saddr ::ffff:10.10.0.0/112 accept"), verdict: Verdict::Equal },
    ReaderMutation { name: "nft destination port 0 accepted", example: NP, file: NFT, from: fwd_head!(), to: after_invalid_drop!("ip protocol tcp tcp dport 0 accept"), verdict: Verdict::Over },
    ReaderMutation { name: "nft forward policy accept in front of the final drop", example: NP, file: NFT, from: "policy drop;\n\t\tiifname @island", to: "policy accept;\n\t\tiifname @island", verdict: Verdict::Equal },
    ReaderMutation { name: "iptables multiport and tcp port matches in one rule", example: NP, file: IPT, from: IPT_443, to: "-s 10.10.0.0/16 -d 10.20.0.10/32 -p tcp -m multiport --dports 4444 -m tcp --dport 443", verdict: Verdict::Under },
    ReaderMutation { name: "iptables tcp port match then a multiport holding it", example: NP, file: IPT, from: IPT_443, to: "-s 10.10.0.0/16 -d 10.20.0.10/32 -p tcp -m tcp --dport 443 -m multiport --dports 443,4444", verdict: Verdict::Equal },
    ReaderMutation { name: "iptables two ICMP type matches in one rule", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-I FORWARD 6 -p icmp -m icmp --icmp-type 0 -m icmp --icmp-type 8 -j ACCEPT\n"), verdict: Verdict::Equal },
    ReaderMutation { name: "iptables two connection-state matches in one rule", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-I FORWARD 6 -m conntrack --ctstate NEW -m conntrack --ctstate ESTABLISHED -j ACCEPT\n"), verdict: Verdict::Equal },
    ReaderMutation { name: "iptables RETURN from FORWARD", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-I FORWARD 6 -p tcp -m tcp --dport 443 -j RETURN\n"), verdict: Verdict::Under },
    ReaderMutation { name: "iptables multiport with a range", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-I FORWARD 6 -i eth0 -o eth1 -p tcp -m multiport --dports 4440:4450,80 -j ACCEPT\n"), verdict: Verdict::Over },
    ReaderMutation { name: "iptables port 65535 and open ranges", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-I FORWARD 6 -i eth0 -o eth1 -p tcp -m tcp --dport 65535 -j ACCEPT\n-I FORWARD 6 -i eth1 -o eth0 -p udp -m udp --dport :0 -j ACCEPT\n"), verdict: Verdict::Over },
    ReaderMutation { name: "iptables ! -s of addresses the anti-spoofing drops", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-I FORWARD 6 -i eth0 -o eth1 ! -s 10.0.0.0/8 -j ACCEPT\n"), verdict: Verdict::Equal },
    ReaderMutation { name: "iptables -g into a chain that ends without a verdict", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-N G\n-A G -p tcp -m tcp --dport 4444 -j RETURN\n-I FORWARD 6 -i eth0 -o eth1 -g G\n"), verdict: Verdict::Under },
    ReaderMutation { name: "iptables -i wildcard with -m state and a comment with quotes and #", example: NP, file: IPT, from: IPT_END, to: ipt_tail!("-I FORWARD 6 -i eth+ -o eth1 -p tcp -m tcp --dport 4444 -m state --state NEW -m comment --comment \"a \\\"q\\\" # x\" -j ACCEPT\n"), verdict: Verdict::Over },
];

#[test]
fn adversarial_mutations_get_the_kernels_verdict() {
    check_reader_mutations(ADVERSARIAL);
}

fn check_reader_mutations(list: &[ReaderMutation]) {
    let mut built: BTreeMap<&str, (Model, BTreeMap<String, String>)> = BTreeMap::new();
    for m in list {
        let (model, files) = built.entry(m.example).or_insert_with(|| build(m.example));
        let f = mutated(files, m.name, (m.file, m.from, m.to));
        let target = if m.file.ends_with(".nft") {
            Target::Nftables
        } else {
            Target::Iptables
        };
        let device = m.file.split('/').next().unwrap();
        let got = match verify_one(model, &f, device, target) {
            Err(e) => {
                if let Verdict::Refused(line, text) = m.verdict {
                    // Line 0: the refusal is of the whole file (a table's family).
                    let at = format!("{}:{line}: ", m.file);
                    assert!(
                        (line == 0 || e.contains(&at)) && e.contains(text),
                        "{}: {e}",
                        m.name
                    );
                    continue;
                }
                panic!("{}: refused: {e}", m.name)
            }
            Ok(r) => {
                let over = r.differences.iter().any(|d| d.over_permit.is_some());
                let under = r.differences.iter().any(|d| d.under_permit.is_some());
                assert_eq!(r.equal, !over && !under, "{}", m.name);
                for d in &r.differences {
                    for c in d.over_permit.iter().chain(&d.under_permit) {
                        assert!(
                            !c.packet.is_empty() && !c.config_line.is_empty(),
                            "{}: {c:?}",
                            m.name
                        );
                    }
                }
                match (over, under) {
                    (false, false) => Verdict::Equal,
                    (true, false) => Verdict::Over,
                    (false, true) => Verdict::Under,
                    (true, true) => Verdict::Both,
                }
            }
        };
        assert_eq!(got, m.verdict, "{}", m.name);
    }
}

/// Rows the kernel must refuse too (iptables-restore fails); the other refusals are commands
/// whose effect verify does not model, or on which the back ends of iptables-restore disagree
/// (the kernel may restore them, or fail: iptables-restore 1.8.9 crashes on `-R`).
const KERNEL_REFUSES: &[&str] = &[
    "iptables -I beyond the end of the chain",
    "iptables -X of a pair chain still jumped to",
    "iptables -N of an existing chain",
];

/// Restores a file with `iptables-restore` (or `ip6tables-restore`) in a fresh network namespace
/// and reads the kernel's table back with `iptables-save`; `Err` with the tool's message when the
/// restore fails, `None` when namespaces or the tools are unavailable here.
fn kernel_restore(v6: bool, text: &str) -> Option<Result<String, String>> {
    let dir = tempfile::tempdir().ok()?;
    let f = dir.path().join("r.rules");
    std::fs::write(&f, text).ok()?;
    let tool = if v6 { "ip6tables" } else { "iptables" };
    let out = Command::new("unshare")
        .args([
            "-rn",
            "sh",
            "-c",
            &format!("{tool}-restore '{}' && {tool}-save", f.display()),
        ])
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() && err.contains("unshare") {
        return None;
    }
    Some(if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(err)
    })
}

/// Every iptables mutation above, restored in the kernel and read back with `iptables-save`:
/// the reader refuses exactly what the kernel refuses (beyond what it refuses on purpose), and
/// reads the file and the kernel's table into the same accepted packets on every interface pair.
#[test]
fn reader_mutations_read_as_the_kernel_restores_them() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let mut built: BTreeMap<&str, (Model, BTreeMap<String, String>)> = BTreeMap::new();
    for m in READER_MUTATIONS
        .iter()
        .chain(ADVERSARIAL)
        .filter(|m| m.file.ends_with(".rules"))
    {
        let (model, files) = built.entry(m.example).or_insert_with(|| build(m.example));
        let text = files[m.file].replacen(m.from, m.to, 1);
        let v6 = m.file.ends_with("ip6tables.rules");
        let Some(kernel) = kernel_restore(v6, &text) else {
            assert!(
                !ci,
                "no network namespace with iptables-restore under CI=true"
            );
            eprintln!("skipping the iptables-restore round trip: no network namespace here");
            return;
        };
        let fam = if v6 { Family::V6 } else { Family::V4 };
        let mine = fenceline::dialect::iptables::parse::parse(m.file, &text, fam);
        let must_fail = KERNEL_REFUSES.contains(&m.name);
        let saved = match (kernel, &m.verdict) {
            (Err(e), Verdict::Refused(..)) => {
                eprintln!("{}: refused by the reader and the kernel: {e}", m.name);
                continue;
            }
            (Err(e), _) => panic!("{}: the kernel refuses it: {e}", m.name),
            (Ok(_), _) if must_fail => panic!("{}: the kernel restores it", m.name),
            (Ok(_), Verdict::Refused(..)) => continue,
            (Ok(saved), _) => saved,
        };
        let mine = mine.unwrap_or_else(|e| panic!("{}: {e}", m.name));
        let theirs = fenceline::dialect::iptables::parse::parse("iptables-save", &saved, fam)
            .unwrap_or_else(|e| panic!("{}: {e}\n{saved}", m.name));
        let dev = model
            .devices
            .iter()
            .find(|d| m.file.starts_with(&format!("{}/", d.name)))
            .unwrap();
        for a in &dev.interfaces {
            for b in &dev.interfaces {
                let acc = |i: &fenceline::dialect::iptables::RulesFile| {
                    accepted(
                        &i.items(&a.name, &b.name)
                            .unwrap_or_else(|e| panic!("{}: {e}", m.name)),
                    )
                };
                let (x, y) = (acc(&mine), acc(&theirs));
                assert!(
                    x.subtract(&y).is_empty() && y.subtract(&x).is_empty(),
                    "{}: {} -> {}: the file and the kernel's table differ\n{saved}",
                    m.name,
                    a.name,
                    b.name
                );
            }
        }
    }
}

/// An IPv6 outbound ACL that drops everything is a filter, even when no IPv4 outbound ACL is
/// bound: IPv4 passing whole is not every packet.
#[test]
fn ios_outbound_acl_of_one_family_is_a_filter() {
    let text = std::fs::read_to_string("examples/north-pipeline.fence")
        .unwrap()
        .replace("  network 10.40.0.0/22\n", "  network 10.40.0.0/22, fd00:40::/64\n")
        .replace(
            "  allow control-center.scada-server -> field.rtus  dnp3\n",
            "  allow control-center.scada-server -> field.rtus  dnp3\n  allow control-center -> field tcp/4444\n",
        );
    let opts = BuildOptions {
        check: CheckOptions {
            today: Some("2026-01-01".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let checked =
        fenceline::driver::check_text("np.fence", Path::new("np.fence"), text, &opts.check);
    let built = build_checked(&checked, &opts).unwrap().expect("builds");
    let model = checked.model.unwrap();
    let mut files: BTreeMap<String, String> = built
        .outputs
        .iter()
        .map(|o| {
            (
                o.path.clone(),
                String::from_utf8_lossy(&o.bytes).into_owned(),
            )
        })
        .collect();
    let r = verify_files(&model, &files, Some(("rtr-field", Target::CiscoIos)));
    assert!(r[0].equal, "{:#?}", r[0].differences);
    let ios = files["rtr-field/cisco-ios.txt"].replacen(
        "interface GigabitEthernet0/1\n",
        "ipv6 access-list OUT6\n sequence 10 deny ipv6 any any\ninterface GigabitEthernet0/1\n ipv6 traffic-filter OUT6 out\n",
        1,
    );
    files.insert("rtr-field/cisco-ios.txt".into(), ios);
    let r = verify_files(&model, &files, Some(("rtr-field", Target::CiscoIos)));
    let under: Vec<_> = r[0]
        .differences
        .iter()
        .filter_map(|d| d.under_permit.as_ref())
        .collect();
    assert!(
        under.iter().any(|c| c.packet.contains("fd00:40")),
        "{:#?}",
        r[0].differences
    );
}

// ---- END readers ----

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
    assert!(stdout.contains("north-pipeline.fence:89"), "{stdout}");
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
    let outputs: Vec<fenceline::dialect::Output> = files
        .iter()
        .map(|(p, t)| fenceline::dialect::Output {
            path: p.clone(),
            bytes: t.clone().into_bytes(),
        })
        .collect();
    assert!(check_expectations(&model, &outputs).is_empty());
    // A firewall whose forward chain ends in accept lets ssh from the enterprise through.
    let broken: Vec<fenceline::dialect::Output> = outputs
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
    // Every command checks the expectations against the generated configurations too: the
    // findings hold the failing expectation, and only that one, and the policy does not build.
    let d: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "E0020")
        .collect();
    assert!(build_checked(&checked, &opts).unwrap().is_none());
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
    let broken: Vec<fenceline::dialect::Output> = built
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

/// The same router with `inspect`: the UDP replies that its stateless ACLs had to let in
/// (`expect deny field -> ops udp` failed) are replies of inspected connections now, so every
/// expectation holds against the generated zone-based firewall; with the inspect class's UDP
/// permit deleted the allow expectation fails, naming the router.
#[test]
fn build_checks_expectations_against_a_zone_based_firewall() {
    use fenceline::driver::check_text;
    use fenceline::verify::equiv::check_expectations;
    let text = r#"policy "ios-inspect-expect" {}
zone ops { level 3  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
zone field { level 1  sl-target 2  network 10.40.0.0/24  asset plc 10.40.0.7 }
service dnp3-both tcp/20000, udp/20000
conduit ops-field {
  connects ops, field
  allow ops.scada -> field.plc dnp3-both
}
router r1 {
  target cisco-ios
  inspect
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
    assert!(
        !checked
            .diagnostics
            .iter()
            .any(|d| d.code == "E0020" || d.code == "OUT-005"),
        "{:#?}",
        checked.diagnostics
    );
    let built = build_checked(&checked, &opts).unwrap().expect("builds");
    assert!(check_expectations(model, &built.outputs).is_empty());
    let broken: Vec<fenceline::dialect::Output> = built
        .outputs
        .iter()
        .map(|o| {
            let mut o = o.clone();
            if o.path == "r1/cisco-ios.txt" {
                let t = String::from_utf8(o.bytes).unwrap();
                assert!(t.contains("zone-member security field"), "{t}");
                let line = t
                    .lines()
                    .find(|l| l.contains("permit udp host 10.30.0.10 host 10.40.0.7 eq 20000"))
                    .expect("the inspect class's UDP permit")
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

// ---- BEGIN the router's own traffic (Cisco IOS) ----

/// A mutation of one line: the line holding `from` is deleted when `to` is empty, else `from`
/// is replaced by `to`.
struct OwnMutation {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    over: bool,
    under: bool,
}

const OWN_MUTATIONS: &[OwnMutation] = &[
    OwnMutation {
        name: "ios router's own SSH permit deleted",
        file: "rtr-sub/cisco-ios.txt",
        from: "permit tcp host 10.30.0.5 host 10.90.0.2 eq 22",
        to: "",
        over: false,
        under: true,
    },
    OwnMutation {
        name: "ios router's own SSH permit widened to the zone",
        file: "rtr-sub/cisco-ios.txt",
        from: "permit tcp host 10.30.0.5 host 10.90.0.2 eq 22",
        to: "permit tcp 10.30.0.0 0.0.0.255 host 10.90.0.2 eq 22",
        over: true,
        under: false,
    },
    OwnMutation {
        name: "ios router's own BGP permit to any port",
        file: "rtr-sub/cisco-ios.txt",
        from: "permit tcp host 10.90.0.1 host 10.90.0.2 eq 179",
        to: "permit tcp host 10.90.0.1 host 10.90.0.2",
        over: true,
        under: false,
    },
    OwnMutation {
        name: "ios OSPF hellos to 224.0.0.5 deleted",
        file: "rtr-sub/cisco-ios.txt",
        from: "permit 89 10.90.0.0 0.0.0.255 host 224.0.0.5",
        to: "",
        over: false,
        under: true,
    },
    OwnMutation {
        name: "ios reply of the router's own BGP deleted",
        file: "rtr-sub/cisco-ios.txt",
        from: "permit tcp host 10.90.0.1 eq 179 host 10.90.0.2 established",
        to: "",
        over: false,
        under: true,
    },
    OwnMutation {
        name: "ios reply of the router's own BGP without established",
        file: "rtr-sub/cisco-ios.txt",
        from: "permit tcp host 10.90.0.1 eq 179 host 10.90.0.2 established",
        to: "permit tcp host 10.90.0.1 eq 179 host 10.90.0.2",
        over: true,
        under: false,
    },
    OwnMutation {
        name: "ios anti-spoofing of the router's address deleted",
        file: "rtr-sub/cisco-ios.txt",
        from: "deny ip host 10.90.0.2 any log",
        to: "",
        over: true,
        under: false,
    },
    OwnMutation {
        name: "ios router's own IPv6 SSH permit deleted",
        file: "rtr-sub/cisco-ios.txt",
        from: "permit tcp host fd00:30::5 host fd00:90::2 eq 22",
        to: "",
        over: false,
        under: true,
    },
    OwnMutation {
        name: "ios IPv6 anti-spoofing of the router's address deleted",
        file: "rtr-sub/cisco-ios.txt",
        from: "deny ipv6 host fd00:90::2 any log",
        to: "",
        over: true,
        under: false,
    },
    OwnMutation {
        name: "ios crossing of a device-level flow deleted",
        file: "rtr-core/cisco-ios.txt",
        from: "permit tcp host 10.30.0.5 host 10.90.0.2 eq 22",
        to: "",
        over: false,
        under: true,
    },
    OwnMutation {
        name: "ios reply of the router's one-way syslog added",
        file: "rtr-core/cisco-ios.txt",
        from: " 30 deny ip any any log\n",
        to: " 25 permit udp host 10.30.0.20 eq 514 host 10.90.0.2\n 30 deny ip any any log\n",
        over: true,
        under: false,
    },
];

fn apply_own(m: &OwnMutation, text: &str) -> String {
    assert!(
        text.contains(m.from),
        "{}: {:?} not in\n{text}",
        m.name,
        m.from
    );
    if !m.to.is_empty() {
        return text.replacen(m.from, m.to, 1);
    }
    let mut done = false;
    text.lines()
        .filter(|l| {
            let first = !done && l.contains(m.from);
            done |= first;
            !first
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The router's own traffic (`tests/ios/rtr-sub.fence`) is compared per interface like the
/// rest: the permits to the router and to its OSPF group, the replies of its own traffic (none
/// for a one-way service), the anti-spoofing of its addresses and a device-level flow crossing
/// another router are each found when changed.
#[test]
fn ios_own_traffic_mutations_are_found() {
    let (model, files) = build("tests/ios/rtr-sub.fence");
    let r = verify_files(&model, &files, None);
    assert_eq!(r.len(), 2);
    for d in &r {
        assert!(d.equal, "{}: {:#?}", d.device, d.differences);
    }
    let mut rows = String::new();
    for m in OWN_MUTATIONS {
        let mut f = files.clone();
        f.insert(m.file.to_string(), apply_own(m, &files[m.file]));
        let device = m.file.split('/').next().unwrap();
        let r = verify_files(&model, &f, Some((device, Target::CiscoIos)));
        assert_eq!(r.len(), 1);
        let over = r[0]
            .differences
            .iter()
            .find_map(|d| d.over_permit.as_ref().map(|c| (d, c)));
        let under = r[0]
            .differences
            .iter()
            .find_map(|d| d.under_permit.as_ref().map(|c| (d, c)));
        assert_eq!(
            (over.is_some(), under.is_some()),
            (m.over, m.under),
            "{}: {:#?}",
            m.name,
            r[0].differences
        );
        let mut verdict = Vec::new();
        for (word, found) in [("over-permit", over), ("under-permit", under)] {
            if let Some((d, c)) = found {
                assert!(!c.packet.is_empty() && !c.config_line.is_empty());
                verdict.push(format!(
                    "{word}: `{} -> {}`: {}, by `{}`",
                    d.ingress, d.egress, c.packet, c.config_line
                ));
            }
        }
        let expected = match (m.over, m.under) {
            (true, true) => "over-permit and under-permit",
            (true, false) => "over-permit",
            (false, true) => "under-permit",
            (false, false) => "equal",
        };
        let change = if m.to.is_empty() {
            format!("`{}` deleted", m.from)
        } else {
            format!(
                "`{}` → `{}`",
                m.from.trim().replace('\n', "⏎"),
                m.to.trim().replace('\n', "⏎")
            )
        };
        rows.push_str(&format!(
            "| {} (`{}`: {change}) | cisco-ios | {expected} | {} |\n",
            m.name,
            m.file,
            verdict.join("; ")
        ));
    }
    check_doc_block("the router's own traffic", &rows);
}

/// A mutation of a zone-based firewall: each edit replaces `from` by `to` (deletes the line
/// holding `from` when `to` is empty), in order.
struct ZbfMutation {
    name: &'static str,
    edits: &'static [(&'static str, &'static str)],
    over: bool,
    under: bool,
}

const ZBF_FILE: &str = "rtr-sub/cisco-ios.txt";

const ZBF_MUTATIONS: &[ZbfMutation] = &[
    ZbfMutation {
        name: "ios zone-member of an interface deleted (its traffic with zone members is dropped, the router's own passes)",
        edits: &[(" zone-member security station", "")],
        over: true,
        under: true,
    },
    ZbfMutation {
        name: "ios inspect class ACL widened to the zone",
        edits: &[(
            "10 permit tcp 10.90.0.0 0.0.0.255 host 10.101.0.10 eq 502",
            "10 permit tcp 10.90.0.0 0.0.0.255 10.101.0.0 0.0.0.255 eq 502",
        )],
        over: true,
        under: false,
    },
    ZbfMutation {
        name: "ios inspect class-map matching every TCP packet",
        edits: &[(
            "class-map type inspect match-any FL-CI-94c1a355\n",
            "class-map type inspect match-any FL-CI-94c1a355\n match protocol tcp\n",
        )],
        over: true,
        under: false,
    },
    ZbfMutation {
        name: "ios zone-pair wan -> station reversed (station -> wan deleted first)",
        edits: &[
            (
                "zone-pair security FL-STATION-WAN source station destination wan\n service-policy type inspect FL-PM-f40dfdd2\n",
                "",
            ),
            (
                "FL-WAN-STATION source wan destination station",
                "FL-WAN-STATION source station destination wan",
            ),
        ],
        over: true,
        under: true,
    },
    ZbfMutation {
        name: "ios class-default drop as pass",
        edits: &[(
            "  pass\n class class-default\n  drop log\n",
            "  pass\n class class-default\n  pass\n",
        )],
        over: true,
        under: false,
    },
    ZbfMutation {
        name: "ios pass class of station -> wan (the one-way syslog) as drop",
        edits: &[(
            " class type inspect FL-CP-5c305246\n  pass\n",
            " class type inspect FL-CP-5c305246\n  drop\n",
        )],
        over: false,
        under: true,
    },
    ZbfMutation {
        name: "ios self zone-pair wan -> self deleted (the self zone then passes everything)",
        edits: &[(
            "zone-pair security FL-WAN-SELF source wan destination self\n service-policy type inspect FL-PM-50bf63e7\n",
            "",
        )],
        over: true,
        under: false,
    },
];

/// A router with `inspect` (`tests/ios/inspect.fence`): its zone-based firewall verifies equal,
/// per interface pair and for its own traffic through the self zone, and each mutation of a
/// zone-member, a class, a class-map, a zone-pair or a class action is found.
#[test]
fn ios_zone_based_firewall_mutations_are_found() {
    let (model, files) = build("tests/ios/inspect.fence");
    let r = verify_files(&model, &files, None);
    assert_eq!(r.len(), 2);
    for d in &r {
        assert!(d.equal, "{}: {:#?}", d.device, d.differences);
    }
    let mut rows = String::new();
    for m in ZBF_MUTATIONS {
        let mut text = files[ZBF_FILE].clone();
        for (from, to) in m.edits {
            if to.is_empty() && from.ends_with('\n') {
                assert!(text.contains(from), "{}: {from:?}", m.name);
                text = text.replacen(from, "", 1);
            } else {
                let om = OwnMutation {
                    name: m.name,
                    file: ZBF_FILE,
                    from,
                    to,
                    over: m.over,
                    under: m.under,
                };
                text = apply_own(&om, &text);
            }
        }
        assert_ne!(text, files[ZBF_FILE], "{}", m.name);
        let mut f = files.clone();
        f.insert(ZBF_FILE.to_string(), text);
        let r = verify_files(&model, &f, Some(("rtr-sub", Target::CiscoIos)));
        assert_eq!(r.len(), 1);
        let over = r[0]
            .differences
            .iter()
            .find_map(|d| d.over_permit.as_ref().map(|c| (d, c)));
        let under = r[0]
            .differences
            .iter()
            .find_map(|d| d.under_permit.as_ref().map(|c| (d, c)));
        assert_eq!(
            (over.is_some(), under.is_some()),
            (m.over, m.under),
            "{}: {:#?}",
            m.name,
            r[0].differences
        );
        let mut verdict = Vec::new();
        for (word, found) in [("over-permit", over), ("under-permit", under)] {
            if let Some((d, c)) = found {
                assert!(!c.packet.is_empty() && !c.config_line.is_empty());
                verdict.push(format!(
                    "{word}: `{} -> {}`: {}, by `{}`",
                    d.ingress, d.egress, c.packet, c.config_line
                ));
            }
        }
        let expected = match (m.over, m.under) {
            (true, true) => "over-permit and under-permit",
            (true, false) => "over-permit",
            (false, true) => "under-permit",
            (false, false) => "equal",
        };
        let change: Vec<String> = m
            .edits
            .iter()
            .map(|(from, to)| {
                let from = from.trim().replace('\n', "⏎");
                if to.is_empty() {
                    format!("`{from}` deleted")
                } else {
                    format!("`{from}` → `{}`", to.trim().replace('\n', "⏎"))
                }
            })
            .collect();
        rows.push_str(&format!(
            "| {} (`{ZBF_FILE}`: {}) | cisco-ios | {expected} | {} |\n",
            m.name,
            change.join(", then "),
            verdict.join("; ")
        ));
    }
    check_doc_block("the zone-based firewall", &rows);
}

/// A cluster of IOS routers (`tests/ios/cluster.fence`): its sync interface lets exactly the
/// nodes' VRRP to its group in; a deleted or widened VRRP permit is found.
#[test]
fn ios_cluster_sync_is_compared() {
    let (model, files) = build("tests/ios/cluster.fence");
    let file = files
        .keys()
        .find(|k| k.ends_with("/cisco-ios.txt"))
        .expect("a cisco-ios file")
        .clone();
    // The device's file as `verify` finds it (a cluster's first node's directory, or the
    // device's own), every node's file replaced.
    let verify = |text: String| {
        let mut f = files.clone();
        for (k, v) in f.iter_mut() {
            if k.ends_with("/cisco-ios.txt") {
                *v = text.clone();
            }
        }
        let read = |p: &str| f.get(p).cloned();
        let sides = PolicySides::for_targets(&model, &[Target::CiscoIos]);
        let dev = DeviceId(0);
        let cfg = fenceline::verify::equiv::load_device(model.device(dev), Target::CiscoIos, &read)
            .unwrap()
            .expect("the cluster's configuration");
        compare_loaded(&model, &sides, dev, Target::CiscoIos, &cfg).unwrap()
    };
    let text = files[&file].clone();
    let r = verify(text.clone());
    assert!(r.equal, "{:#?}\n{text}", r.differences);
    let vrrp = "permit 112 10.99.0.2 0.0.0.1 host 224.0.0.18";
    assert!(text.contains(vrrp), "{text}");
    let r = verify(apply_own(
        &OwnMutation {
            name: "VRRP permit deleted",
            file: "",
            from: vrrp,
            to: "",
            over: false,
            under: true,
        },
        &text,
    ));
    let under = r.differences.iter().find_map(|d| d.under_permit.as_ref());
    assert_eq!(
        under.and_then(|c| c.policy_flow.as_deref()),
        Some("the cluster's sync (VRRP between its nodes)"),
        "{:#?}",
        r.differences
    );
    let r = verify(text.replacen(vrrp, "permit 112 any host 224.0.0.18", 1));
    assert!(
        r.differences.iter().any(|d| d.over_permit.is_some()),
        "{:#?}",
        r.differences
    );
}

// ---- END the router's own traffic (Cisco IOS) ----

/// A cluster's build has a directory per node; `fenceline verify` reads each as a device and
/// calls both equal, with their own traffic; a missing management permit on one node is an
/// under-permit with its packet and the flow that allows it.
#[test]
fn cli_verifies_each_node_of_a_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let bin = env!("CARGO_BIN_EXE_fenceline");
    let fixture = "tests/linux/device.fence";
    let st = Command::new(bin)
        .args(["build", fixture, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert!(!out.join("fw").exists());
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    for f in [
        "fw-a/nftables.nft",
        "fw-b/nftables.nft",
        "fw-a/iptables.rules",
        "fw-b/ip6tables.rules",
    ] {
        assert!(manifest.contains(&format!("\"{f}\"")), "{f}: {manifest}");
    }
    let run = || {
        let o = Command::new(bin)
            .args(["verify", fixture])
            .arg(&out)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (code, stdout) = run();
    assert_eq!(code, 0, "{stdout}");
    for line in [
        "fw-a nftables: equal",
        "fw-b nftables: equal",
        "fw-a iptables: equal",
        "fw-b iptables: equal",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    let nft = out.join("fw-b/nftables.nft");
    let text = std::fs::read_to_string(&nft).unwrap();
    let from = "\t\t\t10.1.0.10 . 10.1.0.1 . tcp . 22 comment \"fw: ot.ews -> self ssh\",\n";
    assert!(text.contains(from), "{text}");
    std::fs::write(&nft, text.replacen(from, "", 1)).unwrap();
    let (code, stdout) = run();
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("fw-a nftables: equal"), "{stdout}");
    assert!(stdout.contains("fw-b nftables: DIFFERS"), "{stdout}");
    assert!(
        stdout.contains("eth0 -> this device: under-permit: tcp 10.1.0.10:40000 -> 10.1.0.1:22"),
        "{stdout}"
    );
    assert!(
        stdout.contains("allowed by flow fw: ot.ews -> self ssh"),
        "{stdout}"
    );
}

/// Expectations about a router's own traffic (`tests/self/plant.fence`, the router also
/// sending syslog) read its Cisco IOS configuration: the inbound ACL of the interface facing
/// the peer, and the firewall the traffic crosses on its way; for traffic the router
/// originates, which meets no ACL of its own, the replies that ACL lets back.
#[test]
fn expectations_about_a_router_itself() {
    use fenceline::driver::check_text;
    use fenceline::verify::equiv::check_expectations;
    let base = std::fs::read_to_string("tests/self/plant.fence")
        .unwrap()
        .replace(
            "  allow station.rtu -> self ntp\n",
            "  allow station.rtu -> self ntp\n  allow self -> control-center.syslog syslog\n",
        );
    let text = format!(
        "{base}
expect allow rtr-sub -> control-center.syslog syslog
expect deny  rtr-sub -> enterprise ssh
expect deny  rtr-sub -> control-center.ews ssh
expect allow control-center.ews -> rtr-sub ssh
expect allow enterprise.ws -> rtr-sub ssh
expect deny  control-center.ews -> rtr-sub ntp
expect deny  station -> rtr-sub ssh
"
    );
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let checked = check_text("plant.fence", Path::new("plant.fence"), text, &opts);
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let model = checked.model.as_ref().unwrap();
    let built = build_checked(
        &checked,
        &BuildOptions {
            check: opts.clone(),
            ..Default::default()
        },
    )
    .unwrap()
    .unwrap();
    assert!(check_expectations(model, &built.outputs).is_empty());
    // The router's SSH permit for the workstation deleted, NTP permitted from anywhere, and
    // the replies to its syslog dropped on one address.
    let mut broken = built.outputs.clone();
    let o = broken
        .iter_mut()
        .find(|o| o.path == "rtr-sub/cisco-ios.txt")
        .unwrap();
    let t = String::from_utf8(o.bytes.clone()).unwrap();
    let new = t
        .replace(" 40 permit tcp host 10.30.0.10 host 10.30.0.2 eq 22\n", "")
        .replace(" 90 permit udp host 10.30.0.20 eq 514 host 10.101.0.1\n", "")
        .replace(
            " 30 permit tcp host 10.30.0.10 host 10.101.0.10 eq 20000\n",
            " 30 permit tcp host 10.30.0.10 host 10.101.0.10 eq 20000\n 35 permit udp any any eq 123\n",
        );
    assert_ne!(new, t);
    o.bytes = new.into_bytes();
    let d = check_expectations(model, &broken);
    let got: Vec<(&str, &str)> = d
        .iter()
        .map(|d| (d.message.as_str(), d.help.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        got,
        [
            (
                "`expect deny control-center.ews -> rtr-sub ntp` does not hold for the generated cisco-ios configuration of `rtr-sub`",
                "counterexample: udp 10.30.0.10:40000 -> 10.30.0.2:123 is accepted by `rtr-sub` (cisco-ios) entering by GigabitEthernet0/0/0 (rtr-sub/cisco-ios.txt:18: FL-GI0-0-0-IN-b4b927e2 35 permit udp any any eq 123)"
            ),
            (
                "`expect allow control-center.ews -> rtr-sub ssh` does not hold for the generated cisco-ios configuration of `rtr-sub`",
                "counterexample: tcp 10.30.0.10:40000 -> 10.30.0.2:22 is dropped by `rtr-sub` (cisco-ios) entering by GigabitEthernet0/0/0"
            ),
            (
                "`expect allow rtr-sub -> control-center.syslog syslog` does not hold for the generated cisco-ios configuration of `rtr-sub`",
                "counterexample: the reply udp 10.30.0.20:514 -> 10.101.0.1:0 is dropped by `rtr-sub` (cisco-ios) entering by GigabitEthernet0/0/0"
            ),
        ],
        "{d:#?}"
    );
}

/// Expectations about a device's own traffic (`tests/linux/device.fence`, an HA pair): a device
/// or a cluster node named at one end stands for its own addresses. Against the policy they are
/// decided by the device-level flows (a failing one names the flow that contradicts it); against
/// the build, by each node's input and output chains in every target.
#[test]
fn expectations_about_a_device_itself() {
    use fenceline::driver::check_text;
    use fenceline::verify::equiv::check_expectations;
    let base = std::fs::read_to_string("tests/linux/device.fence").unwrap();
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let check = |extra: &str| {
        let text = format!("{base}\n{extra}");
        check_text("device.fence", Path::new("device.fence"), text, &opts)
    };
    let holding = "expect allow ot.ews -> fw ssh
expect allow ot.ews -> fw-b ssh
expect deny  ot.hmi -> fw ssh
expect deny  it -> fw-a ssh
expect allow fw -> it.collector syslog
expect deny  fw -> it.web syslog
expect deny  fw -> ot ssh
";
    let checked = check(holding);
    let e0020: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(e0020.is_empty(), "{e0020:#?}");
    // Failing against the policy: each with its counterexample, a deny with its flow.
    let checked = check(
        "expect allow ot.hmi -> fw ssh\nexpect deny ot -> fw-b ssh\nexpect deny fw -> it syslog\n",
    );
    let mut got: Vec<(String, String, Vec<String>)> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "E0020")
        .map(|d| {
            (
                d.message.clone(),
                d.help.clone().unwrap_or_default(),
                d.related.iter().map(|r| r.label.clone()).collect(),
            )
        })
        .collect();
    got.sort();
    // `check` also builds: each fails against the generated configurations too.
    let s = |x: &str| x.to_string();
    assert_eq!(
        got,
        vec![
            (
                s("`expect allow ot.hmi -> fw ssh` does not hold"),
                s("counterexample: tcp 10.1.0.20:40000 -> 10.1.0.1:22 is denied"),
                vec![]
            ),
            (
                s("`expect allow ot.hmi -> fw ssh` does not hold for the generated nftables configuration of `fw-a`"),
                s("counterexample: tcp 10.1.0.20:40000 -> 10.1.0.1:22 is dropped by `fw-a` (nftables) entering by eth0"),
                vec![]
            ),
            (
                s("`expect deny fw -> it syslog` does not hold"),
                s("counterexample: udp 10.1.0.1:40000 -> 10.2.0.5:514 is allowed"),
                vec![s("this flow allows it: self -> it.collector syslog (device `fw`)")]
            ),
            (
                s("`expect deny fw -> it syslog` does not hold for the generated nftables configuration of `fw-a`"),
                s("counterexample: udp 10.1.0.1:40000 -> 10.2.0.5:514 is accepted by `fw-a` (nftables) leaving by eth1 (fw-a/nftables.nft:74: 10.1.0.1 . 10.2.0.5 . udp . 514 comment \"fw: self -> it.collector syslog\",)"),
                vec![]
            ),
            (
                s("`expect deny ot -> fw-b ssh` does not hold"),
                s("counterexample: tcp 10.1.0.10:40000 -> 10.1.0.1:22 is allowed"),
                vec![s("this flow allows it: ot.ews -> self ssh (device `fw`)")]
            ),
            (
                s("`expect deny ot -> fw-b ssh` does not hold for the generated nftables configuration of `fw-b`"),
                s("counterexample: tcp 10.1.0.10:40000 -> 10.1.0.1:22 is accepted by `fw-b` (nftables) entering by eth0 (fw-b/nftables.nft:62: 10.1.0.10 . 10.1.0.1 . tcp . 22 comment \"fw: ot.ews -> self ssh\",)"),
                vec![]
            ),
        ],
        "{:#?}",
        checked.diagnostics
    );
    // A device at both ends, and `self` in an expectation, are E0028.
    for extra in [
        "expect allow fw -> fw-a ssh\n",
        "expect allow ot -> self ssh\n",
    ] {
        let checked = check(extra);
        assert!(
            checked.diagnostics.iter().any(|d| d.code == "E0028"),
            "{extra}: {:#?}",
            checked.diagnostics
        );
    }
    // Against the build: fw-a's input chain without its eth0 permits fails `expect allow`,
    // fw-b's iptables accepting SSH from all of `ot` fails `expect deny`.
    let checked = check(holding);
    let model = checked.model.as_ref().unwrap();
    let built = build_checked(
        &checked,
        &BuildOptions {
            check: opts.clone(),
            ..Default::default()
        },
    )
    .unwrap()
    .unwrap();
    assert!(check_expectations(model, &built.outputs).is_empty());
    let mut broken = built.outputs.clone();
    let mut changed = 0;
    for o in &mut broken {
        let t = String::from_utf8(o.bytes.clone()).unwrap();
        let new = match o.path.as_str() {
            "fw-a/nftables.nft" => t.replace("\t\t\t\"eth0\" : jump in_eth0,\n", ""),
            "fw-b/iptables.rules" => t.replace(
                "-A INPUT -i eth0 -m comment",
                "-A INPUT -i eth0 -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -i eth0 -m comment",
            ),
            _ => continue,
        };
        assert_ne!(new, t, "{}", o.path);
        changed += 1;
        o.bytes = new.into_bytes();
    }
    assert_eq!(changed, 2);
    let d = check_expectations(model, &broken);
    let got: Vec<(&str, &str)> = d
        .iter()
        .map(|d| (d.message.as_str(), d.help.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        got,
        [
            (
                "`expect allow ot.ews -> fw ssh` does not hold for the generated nftables configuration of `fw-a`",
                "counterexample: tcp 10.1.0.10:40000 -> 10.1.0.1:22 is dropped by `fw-a` (nftables) entering by eth0"
            ),
            (
                "`expect deny ot.hmi -> fw ssh` does not hold for the generated iptables configuration of `fw-b`",
                "counterexample: tcp 10.1.0.20:40000 -> 10.1.0.1:22 is accepted by `fw-b` (iptables) entering by eth0 (fw-b/iptables.rules:29: -A INPUT -i eth0 -p tcp -m tcp --dport 22 -j ACCEPT)"
            ),
        ],
        "{d:#?}"
    );
}

/// Island mode (`tests/ios/island.fence`): the island ACLs and EEM applets are defined but bind
/// nothing, so the router verifies equal; once the island ACL is bound to an interface (as its
/// applet does), in or out, the flows through it are missing and verify finds them.
#[test]
fn ios_island_acls_are_not_filters_until_bound() {
    let (model, files) = build("tests/ios/island.fence");
    let file = "rtr-field/cisco-ios.txt";
    assert!(files[file].contains("event manager applet FL-ISLAND-GI0-1\n"));
    let r = verify_files(&model, &files, None);
    assert_eq!(r.len(), 1);
    assert!(r[0].equal, "{:#?}", r[0].differences);
    let bound_in: String = files[file]
        .lines()
        .map(|l| {
            if l.starts_with(" ip access-group FL-GI0-1-IN-") {
                " ip access-group FL-ISLAND-GI0-1 in".to_string()
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect();
    let bound_out = files[file].replacen(
        "interface GigabitEthernet0/1\n",
        "interface GigabitEthernet0/1\n ip access-group FL-ISLAND-GI0-1 out\n",
        1,
    );
    for (what, text) in [("in", bound_in), ("out", bound_out)] {
        assert_ne!(&text, &files[file], "{what}");
        let mut f = files.clone();
        f.insert(file.to_string(), text);
        let r = verify_files(&model, &f, None);
        assert!(!r[0].equal, "island ACL bound {what}");
        let under = r[0]
            .differences
            .iter()
            .find_map(|d| d.under_permit.as_ref())
            .unwrap_or_else(|| panic!("{what}: {:#?}", r[0].differences));
        assert!(
            under.config_line.contains("FL-ISLAND-GI0-1"),
            "{what}: {under:?}"
        );
    }
}

/// Mutations of a PAN-OS firewall's generated configuration (`tests/panos/plant.fence`): a
/// widened port, an added allow rule, the explicit final deny deleted (`intrazone-default`
/// then allows, to the firewall's own address of the entering zone) or turned into an allow, an address group grown, a deny placed above
/// the allow rules, the final deny moved above allow rules, a management rule widened to any
/// source (its interface management profile still limits the sources: equal).
const PANOS_MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "panos port widened",
        file: "fw-pa/panos.txt",
        from: "set service S-tcp-3389 protocol tcp port 3389\n",
        to: "set service S-tcp-3389 protocol tcp port 3389-3390\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "panos allow rule added",
        file: "fw-pa/panos.txt",
        from: "set rulebase security rules FL-deny-all from any to any source any destination any application any service any action deny log-end yes\n",
        to: "set rulebase security rules dns from enterprise to any source any destination any application any service any action allow\nset rulebase security rules FL-deny-all from any to any source any destination any application any service any action deny log-end yes\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "panos explicit final deny deleted (intrazone-default then allows)",
        file: "fw-pa/panos.txt",
        from: "set rulebase security rules FL-deny-all from any to any source any destination any application any service any action deny log-end yes\nset rulebase security rules FL-deny-all description \"the implicit deny, made explicit and logged (fenceline)\"\n",
        to: "",
        over: true,
        under: false,
    },
    Mutation {
        name: "panos final deny turned into an allow",
        file: "fw-pa/panos.txt",
        from: "service any action deny log-end yes\n",
        to: "service any action allow log-end yes\n",
        over: true,
        under: false,
    },
    Mutation {
        name: "panos address group grown",
        file: "fw-pa/panos.txt",
        from: "static [ N-10.20.0.10_32 N-fd00-20--10_128 ]",
        to: "static [ N-10.20.0.10_32 N-10.20.0.20_32 N-fd00-20--10_128 ]",
        over: true,
        under: false,
    },
    Mutation {
        name: "panos deny placed above the allow rules",
        file: "fw-pa/panos.txt",
        from: "set rulebase security rules FL-1 ",
        to: "set rulebase security rules no-rdp from any to any source any destination any application any service S-tcp-3389 action deny\nset rulebase security rules FL-1 ",
        over: false,
        under: true,
    },
    Mutation {
        name: "panos final deny moved above FL-5 (FL-5 to FL-8 below it)",
        file: "fw-pa/panos.txt",
        from: "set rulebase security rules FL-5 from",
        to: "set rulebase security rules FL-deny-all action deny\nset rulebase security rules FL-5 from",
        over: false,
        under: true,
    },
    Mutation {
        name: "panos management rule widened to any source (the profile still limits it)",
        file: "fw-pa/panos.txt",
        from: "rules FL-8 from control-center to any source N-10.30.0.40_32 ",
        to: "rules FL-8 from control-center to any source any ",
        over: false,
        under: false,
    },
];

#[test]
fn panos_mutations_are_found_with_a_counterexample() {
    let rows = mutation_rows("tests/panos/plant.fence", PANOS_MUTATIONS);
    check_doc_block("PAN-OS", &rows);
}
