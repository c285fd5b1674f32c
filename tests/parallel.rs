//! Parallel devices: a firewall and a router, or two firewalls, both joining the same two zones.
//! Routing may take either, so each enforces every flow between the zones, on build (nftables,
//! iptables, Cisco IOS), in `verify`, in build-time expectations, in `query` and in
//! anti-spoofing. A configuration missing the flow on either device is an under-permit.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::driver::{check_path, CheckOptions};
use fenceline::model::{DeviceId, Model, Target};
use fenceline::verify::equiv::{
    check_expectations, compare_loaded, load, DeviceResult, PolicySides,
};
use std::collections::BTreeMap;
use std::path::Path;

const FIXTURES: &[&str] = &[
    "tests/parallel/two-firewalls.fence",
    "tests/parallel/firewall-router.fence",
];

fn build(fixture: &str) -> (Model, Vec<fenceline::dialect::Output>) {
    let opts = BuildOptions {
        check: CheckOptions {
            today: Some("2026-01-01".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let checked = check_path(Path::new(fixture), &opts.check).unwrap();
    assert!(
        !checked.has_errors(),
        "{fixture}: {:#?}",
        checked.diagnostics
    );
    let built = build_checked(&checked, &opts)
        .unwrap()
        .expect("fixture builds");
    (checked.model.unwrap(), built.outputs)
}

fn files(outputs: &[fenceline::dialect::Output]) -> BTreeMap<String, String> {
    outputs
        .iter()
        .map(|o| {
            (
                o.path.clone(),
                String::from_utf8_lossy(&o.bytes).into_owned(),
            )
        })
        .collect()
}

fn verify(model: &Model, files: &BTreeMap<String, String>) -> Vec<(String, Target, DeviceResult)> {
    let sides = PolicySides::for_targets(model, &[Target::Nftables, Target::CiscoIos]);
    let read = |p: &str| files.get(p).cloned();
    let mut out = Vec::new();
    for (di, dev) in model.devices.iter().enumerate() {
        for &t in &dev.targets {
            let cfg = load(&dev.name, t, &read)
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("{} {}: no configuration", dev.name, t.name()));
            let r = compare_loaded(model, &sides, DeviceId(di), t, &cfg)
                .unwrap_or_else(|e| panic!("{e}"));
            out.push((dev.name.clone(), t, r));
        }
    }
    out
}

/// The rule of the flow `ops.scada -> cell.plcs modbus` in each target's output.
fn flow_rule(path: &str) -> &'static str {
    if path.ends_with(".nft") {
        "10.1.0.10 . 10.2.0.0/28 . tcp . 502"
    } else if path.ends_with("cisco-ios.txt") {
        "permit tcp host 10.1.0.10 10.2.0.0 0.0.0.15 eq 502"
    } else {
        "-s 10.1.0.10/32 -d 10.2.0.0/28 -p tcp -m tcp --dport 502"
    }
}

/// The configuration files that carry forwarding rules (IPv4), one per device and target.
fn rule_files(model: &Model) -> Vec<String> {
    let mut v = Vec::new();
    for d in &model.devices {
        for t in &d.targets {
            v.push(format!(
                "{}/{}",
                d.name,
                match t {
                    Target::Nftables => "nftables.nft",
                    Target::Iptables => "iptables.rules",
                    Target::CiscoIos => "cisco-ios.txt",
                    Target::CiscoAsa => "cisco-asa.txt",
                }
            ));
        }
    }
    v
}

#[test]
fn both_parallel_devices_carry_every_flow_and_verify_equal() {
    for fx in FIXTURES {
        let (model, outputs) = build(fx);
        let f = files(&outputs);
        for p in rule_files(&model) {
            let text = f.get(&p).unwrap_or_else(|| panic!("{fx}: no {p}"));
            assert!(
                text.contains(flow_rule(&p)),
                "{fx}: {p} lacks the flow:\n{text}"
            );
        }
        let results = verify(&model, &f);
        assert_eq!(results.len(), rule_files(&model).len());
        for (dev, t, r) in &results {
            assert!(r.equal, "{fx}: {dev} {}: {:#?}", t.name(), r.differences);
        }
        assert!(check_expectations(&model, &outputs).is_empty(), "{fx}");
    }
}

/// The output of a compiler that programs only one of the two devices: the flow's rule deleted
/// from either device, in each target, is an under-permit with a counterexample, and fails
/// `expect allow`.
#[test]
fn a_device_missing_the_flow_is_an_under_permit() {
    for fx in FIXTURES {
        let (model, outputs) = build(fx);
        for p in rule_files(&model) {
            let mut f = files(&outputs);
            let text = f[&p].clone();
            let line = text
                .lines()
                .find(|l| l.contains(flow_rule(&p)))
                .unwrap_or_else(|| panic!("{fx}: {p} lacks the flow"));
            f.insert(p.clone(), text.replacen(&format!("{line}\n"), "", 1));
            let device = p.split('/').next().unwrap();
            let results = verify(&model, &f);
            for (dev, t, r) in &results {
                let mutated = *dev == device && p.ends_with(file_of(*t));
                if !mutated {
                    assert!(
                        r.equal,
                        "{fx} {p}: {dev} {} changed: {:#?}",
                        t.name(),
                        r.differences
                    );
                    continue;
                }
                assert!(!r.equal, "{fx} {p}: the missing flow is not found");
                let under: Vec<_> = r
                    .differences
                    .iter()
                    .filter_map(|d| d.under_permit.as_ref())
                    .collect();
                assert!(
                    r.differences.iter().all(|d| d.over_permit.is_none()),
                    "{fx} {p}: {:#?}",
                    r.differences
                );
                assert!(
                    under.iter().any(|c| c.packet.contains("10.1.0.10")
                        && c.packet.contains(":502")
                        && !c.config_line.is_empty()),
                    "{fx} {p}: {under:#?}"
                );
            }
            let mutated: Vec<fenceline::dialect::Output> = outputs
                .iter()
                .map(|o| fenceline::dialect::Output {
                    path: o.path.clone(),
                    bytes: f[&o.path].clone().into_bytes(),
                })
                .collect();
            let failed = check_expectations(&model, &mutated);
            assert!(
                failed
                    .iter()
                    .any(|d| d.message.contains("modbus")
                        && d.message.contains(&format!("`{device}`"))),
                "{fx} {p}: {failed:#?}"
            );
        }
    }
}

fn file_of(t: Target) -> &'static str {
    match t {
        Target::Nftables => "nftables.nft",
        Target::Iptables => "iptables.rules",
        Target::CiscoIos => "cisco-ios.txt",
        Target::CiscoAsa => "cisco-asa.txt",
    }
}

/// `query` and the report name every enforcing device; anti-spoofing on each device accepts on its `ops`
/// side only the zone a path can come from there (the other zone's traffic reaches it only by
/// the other device, never through `ops`).
#[test]
fn query_report_and_anti_spoofing_see_both_devices() {
    for fx in FIXTURES {
        let (model, outputs) = build(fx);
        // The report's enforcement list of the flow names both devices.
        let report = &files(&outputs)["report.md"];
        let row = report
            .lines()
            .find(|l| l.starts_with("| ops.scada | cell.plcs |"))
            .unwrap_or_else(|| panic!("{fx}: no row for the flow in the report"));
        for d in &model.devices {
            let first = &d.interfaces[0].name;
            assert!(
                row.contains(&format!("{} {first} -\\> ", d.name)),
                "{fx}: {row}"
            );
        }
        let a = fenceline::cli::query::answer(&model, "ops.scada", "cell.plcs", "modbus").unwrap();
        assert_eq!(a.verdict, "allowed");
        let mut on: Vec<String> = a.flows[0]
            .enforced_on
            .iter()
            .map(|h| h.device.clone())
            .collect();
        on.sort();
        let mut want: Vec<String> = model.devices.iter().map(|d| d.name.clone()).collect();
        want.sort();
        assert_eq!(on, want, "{fx}");
        assert_eq!(a.path.len(), 2, "{fx}");
        let (ir, _) = fenceline::plan::model_to_ir(&model);
        for d in &ir.devices {
            for i in &d.interfaces {
                let names: Vec<&str> = i
                    .behind_zones
                    .iter()
                    .map(|z| model.zone(*z).name.as_str())
                    .collect();
                assert_eq!(
                    names,
                    vec![i.zone_name.as_str()],
                    "{fx}: {} {}",
                    d.name,
                    i.name
                );
            }
        }
    }
}

/// `via` (`tests/parallel/via.fence`): the Modbus flow is kept to the paths through `fw-1`, so
/// only `fw-1` enforces it, while HTTPS stays on both. The plan, verify, the report, `query` and
/// the build-time expectations all agree; the Modbus rule added to `fw-2` is an over-permit, and
/// deleted from `fw-1` an under-permit.
#[test]
fn via_keeps_a_flow_to_the_named_device() {
    let fx = "tests/parallel/via.fence";
    let (model, outputs) = build(fx);
    let f = files(&outputs);
    let modbus = flow_rule("nftables.nft");
    assert!(f["fw-1/nftables.nft"].contains(modbus));
    assert!(
        !f["fw-2/nftables.nft"].contains(modbus),
        "fw-2 enforces the via flow"
    );
    assert!(f["fw-1/iptables.rules"].contains(flow_rule("iptables.rules")));
    assert!(!f["fw-2/iptables.rules"].contains(flow_rule("iptables.rules")));
    for d in ["fw-1", "fw-2"] {
        assert!(
            f[&format!("{d}/nftables.nft")].contains(". tcp . 443"),
            "{d}: https"
        );
    }
    for (dev, t, r) in verify(&model, &f) {
        assert!(r.equal, "{dev} {}: {:#?}", t.name(), r.differences);
    }
    // The build checked `expect allow ops.scada -> cell.plcs modbus` on fw-1 only.
    assert!(check_expectations(&model, &outputs).is_empty());
    // fw-2 given the flow: an over-permit; fw-1 without it: an under-permit.
    let mut added = f.clone();
    let text = f["fw-2/nftables.nft"].replacen(
        "\t\tct state invalid counter drop\n",
        "\t\tct state invalid counter drop\n\t\tiifname \"eth0\" oifname \"eth1\" ip saddr 10.1.0.10 ip daddr 10.2.0.0/28 tcp dport 502 accept\n",
        1,
    );
    assert_ne!(text, f["fw-2/nftables.nft"]);
    added.insert("fw-2/nftables.nft".into(), text);
    let mut deleted = f.clone();
    deleted.insert(
        "fw-1/nftables.nft".into(),
        f["fw-1/nftables.nft"].replace(modbus, "10.1.0.10 . 10.2.0.0/28 . tcp . 503"),
    );
    for (files, dev, over) in [(&added, "fw-2", true), (&deleted, "fw-1", false)] {
        let r = verify(&model, files)
            .into_iter()
            .find(|(d, t, _)| d == dev && *t == Target::Nftables)
            .map(|(_, _, r)| r)
            .unwrap();
        let has = |over: bool| {
            r.differences.iter().any(|d| {
                if over {
                    d.over_permit
                        .as_ref()
                        .is_some_and(|c| c.packet.contains(":502"))
                } else {
                    d.under_permit
                        .as_ref()
                        .is_some_and(|c| c.packet.contains(":502"))
                }
            })
        };
        assert!(has(over), "{dev}: {:#?}", r.differences);
    }
    // The report and query name fw-1 alone for Modbus, both devices for HTTPS.
    let report = &f["report.md"];
    let row = |start: &str| {
        report
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no report row {start}"))
            .to_string()
    };
    let m = row("| ops.scada | cell.plcs |");
    assert!(
        m.contains("fw-1 eth0 -\\> eth1") && !m.contains("fw-2"),
        "{m}"
    );
    let h = row("| cell.historian | ops.eng |");
    assert!(
        h.contains("fw-1 eth1 -\\> eth0") && h.contains("fw-2 eth1 -\\> eth0"),
        "{h}"
    );
    let on = |src: &str, dst: &str, svc: &str| -> Vec<String> {
        let a = fenceline::cli::query::answer(&model, src, dst, svc).unwrap();
        assert_eq!(a.verdict, "allowed", "{src} -> {dst} {svc}");
        let mut v: Vec<String> = a.flows[0]
            .enforced_on
            .iter()
            .map(|h| h.device.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(on("ops.scada", "cell.plcs", "modbus"), vec!["fw-1"]);
    assert_eq!(
        on("cell.historian", "ops.eng", "https"),
        vec!["fw-1", "fw-2"]
    );
}

/// `via` may name a cluster or one of its nodes: a node's name means its cluster, whose nodes
/// filter alike, so both spellings pin the flow to the same device as naming the cluster.
#[test]
fn via_names_a_cluster_or_one_of_its_nodes() {
    let base = std::fs::read_to_string("tests/parallel/via.fence").unwrap();
    let clustered = base.replace(
        "firewall fw-1 {\n  target nftables, iptables\n",
        "firewall fw-1 {\n  target nftables, iptables\n  cluster fw-1a, fw-1b\n",
    );
    assert_ne!(clustered, base);
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    for name in ["fw-1", "fw-1a", "fw-1b"] {
        let text = clustered.replace("modbus via fw-1", &format!("modbus via {name}"));
        let checked =
            fenceline::driver::check_text("via.fence", Path::new("via.fence"), text, &opts);
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        assert!(errors.is_empty(), "via {name}: {errors:#?}");
        let model = checked.model.unwrap();
        let fw1 = model.device_id("fw-1").unwrap();
        let modbus = model
            .flows
            .iter()
            .find(|f| !f.via.is_empty())
            .expect("the via flow");
        assert_eq!(modbus.via, vec![fw1], "via {name}");
    }
    // A name that is neither a device nor a node stays unknown.
    let text = clustered.replace("modbus via fw-1", "modbus via fw-1c");
    let checked = fenceline::driver::check_text("via.fence", Path::new("via.fence"), text, &opts);
    assert!(
        checked
            .diagnostics
            .iter()
            .any(|d| d.code == "E0002" && d.message.contains("fw-1c")),
        "{:#?}",
        checked.diagnostics
    );
}
