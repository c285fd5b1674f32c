//! Semantic diff on hand-made policy pairs (tests/diff/*.fence, each a change of base.fence):
//! the exact set of changed flows per conduit, SL-T changes, and an empty diff for a reordered,
//! reformatted copy.

use fenceline::diff::{diff, PolicyDiff};
use fenceline::driver::{check_path, CheckOptions};
use std::path::Path;

fn run(new: &str) -> PolicyDiff {
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let old = check_path(Path::new("tests/diff/base.fence"), &opts).unwrap();
    let new = check_path(&Path::new("tests/diff").join(new), &opts).unwrap();
    diff(&old, &new).expect("both policies resolve")
}

/// `+conduit: flow` (newly allowed), `-conduit: flow` (newly denied); `(part)` when only part
/// of the flow changed.
fn flows(d: &PolicyDiff) -> Vec<String> {
    let mut v = Vec::new();
    for c in &d.conduits {
        for (sign, list) in [('+', &c.newly_allowed), ('-', &c.newly_denied)] {
            for f in list {
                v.push(format!(
                    "{sign}{}: {}{}",
                    c.conduit,
                    f.flow,
                    if f.whole { "" } else { " (part)" }
                ));
            }
        }
    }
    v
}

#[test]
fn reordered_and_reformatted_is_empty() {
    let d = run("reordered.fence");
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn identical_is_empty() {
    assert!(run("base.fence").is_empty());
}

#[test]
fn widened_and_replaced_flows() {
    let d = run("changed.fence");
    assert_eq!(
        flows(&d),
        [
            "+ops-field: ops.hmi -> field modbus (part)",
            "+ops-field: ops.scada -> field.rtus ssh",
            "-ops-field: ops.scada -> field.rtus dnp3",
        ]
    );
    let widened = &d.conduits[0].newly_allowed[0];
    assert_eq!(widened.packets.len(), 1);
    assert_eq!(
        widened.packets[0].dst,
        "10.40.0.0/23, 10.40.3.0/24 (in `field`)"
    );
    assert_eq!(widened.packets[0].service, "tcp/502");
    assert!(d.sl_changes.is_empty());
}

#[test]
fn sl_changes_and_new_conduit() {
    let d = run("sl-and-conduit.fence");
    assert_eq!(flows(&d), ["+dmz-ops: dmz -> ops.scada https"]);
    assert_eq!(d.conduits[0].status, "added");
    let sl: Vec<String> = d
        .sl_changes
        .iter()
        .map(|c| format!("{} {}: {:?} -> {:?}", c.kind, c.name, c.old, c.new))
        .collect();
    assert_eq!(
        sl,
        [
            "zone dmz: None -> Some(\"2\")",
            "zone field: Some(\"3\") -> Some(\"2\")",
            "conduit dmz-ops: None -> Some(\"2\")"
        ]
    );
}

/// Each side is labelled with the names of the policy it comes from: addresses that moved from
/// zone `c` to zone `a` are `a`'s where newly allowed (the new policy), with the old owner after.
#[test]
fn each_side_is_named_by_its_own_policy() {
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let old = check_path(Path::new("tests/diff/owners/old.fence"), &opts).unwrap();
    let new = check_path(Path::new("tests/diff/owners/new.fence"), &opts).unwrap();
    let d = diff(&old, &new).expect("both policies resolve");
    assert_eq!(
        flows(&d),
        [
            "+a-b: a -> b.plc tcp/80 (part)",
            "+c-b: c -> b.plc tcp/443",
            "-c-b: c -> b.plc tcp/443"
        ]
    );
    let grown = &d.conduits[0].newly_allowed[0];
    assert_eq!(grown.packets[0].src, "10.0.1.0/24 (in `a`) (was `c`)");
    assert_eq!(grown.moved, ["`a`: 10.0.0.0/24 → 10.0.0.0/23"]);
    let denied = &d.conduits[1].newly_denied[0];
    assert_eq!(denied.packets[0].src, "`c` (now 10.0.1.0/24 (in `a`))");
    assert_eq!(denied.moved, ["`c`: 10.0.1.0/24 → 10.9.0.0/24"]);
    let allowed = &d.conduits[1].newly_allowed[0];
    assert_eq!(allowed.packets[0].src, "`c` (was outside every zone)");
}

/// A flow written the same in both policies whose asset moved says so.
#[test]
fn a_moved_asset_is_named_as_the_change() {
    let d = run("asset-moved.fence");
    let md = fenceline::diff::to_markdown(&d, "old", "new");
    for c in &d.conduits {
        for f in c.newly_allowed.iter().chain(&c.newly_denied) {
            assert_eq!(
                f.moved,
                ["`field.plcs`: 10.40.2.0/24 → 10.40.3.0/24"],
                "{md}"
            );
        }
    }
    assert_eq!(d.allowed_count(), 2, "{md}");
    assert_eq!(d.denied_count(), 2, "{md}");
    assert!(
        md.contains("moved: `field.plcs`: 10.40.2.0/24 → 10.40.3.0/24"),
        "{md}"
    );
}

fn run_pair(old: &str, new: &str) -> PolicyDiff {
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let old = check_path(Path::new(old), &opts).unwrap();
    let new = check_path(Path::new(new), &opts).unwrap();
    diff(&old, &new).expect("both policies resolve")
}

/// `+device: flow` and `-device: flow` for device-level flows, as [`flows`] for conduits.
fn device_flows(d: &PolicyDiff) -> Vec<String> {
    let mut v = Vec::new();
    for dev in &d.devices {
        for (sign, list) in [('+', &dev.newly_allowed), ('-', &dev.newly_denied)] {
            for f in list {
                v.push(format!(
                    "{sign}{}: {}{}",
                    dev.device,
                    f.flow,
                    if f.whole { "" } else { " (part)" }
                ));
            }
        }
    }
    v
}

/// Device-level flows are diffed as packets, per device: SSH to the firewall widened from the
/// workstation to its whole zone is newly allowed in part, the deleted log stream newly denied
/// whole; the device's own addresses are named after it.
#[test]
fn device_level_flows_added_and_removed() {
    let d = run_pair("tests/linux/device.fence", "tests/diff/device-flows.fence");
    assert!(d.conduits.is_empty(), "{:#?}", d.conduits);
    assert_eq!(
        device_flows(&d),
        [
            "+fw: ot -> self ssh (part)",
            "-fw: self -> it.collector log-udp"
        ]
    );
    let dev = &d.devices[0];
    assert_eq!(dev.status, "changed");
    assert!(dev.addresses.is_empty() && dev.cluster.is_none() && dev.sync.is_none());
    assert_eq!(dev.newly_denied[0].packets[0].src, "`fw` (itself)");
    assert_eq!(
        dev.newly_denied[0].packets[0].example,
        "udp 10.1.0.1:40000 -> 10.2.0.5:5514"
    );
    assert_eq!(d.allowed_count(), 1);
    assert_eq!(d.denied_count(), 1);
    let md = fenceline::diff::to_markdown(&d, "old", "new");
    assert!(md.contains("### Device `fw`\n"), "{md}");
    // The reverse diff mirrors it.
    let r = run_pair("tests/diff/device-flows.fence", "tests/linux/device.fence");
    assert_eq!(
        device_flows(&r),
        [
            "+fw: self -> it.collector log-udp",
            "-fw: ot -> self ssh (part)"
        ]
    );
}

/// A node added to a cluster: its address on eth2 and the node itself are listed, and every
/// device-level flow newly allows that address (`self` is every own address).
#[test]
fn cluster_nodes_and_own_addresses() {
    let d = run_pair(
        "tests/linux/device.fence",
        "tests/diff/device-cluster.fence",
    );
    assert_eq!(
        device_flows(&d),
        [
            "+fw: ot.ews -> self ssh (part)",
            "+fw: self -> it.collector log-udp (part)",
            "+fw: self -> it.collector syslog (part)"
        ]
    );
    let dev = &d.devices[0];
    assert_eq!(
        dev.newly_allowed[0].packets[0].dst,
        "10.99.0.4/32 (of `fw`)"
    );
    assert_eq!(dev.addresses.len(), 1);
    assert_eq!(dev.addresses[0].interface, "eth2");
    assert_eq!(
        dev.addresses[0].new.last().map(String::as_str),
        Some("10.99.0.4 (node fw-c)")
    );
    let c = dev.cluster.as_ref().expect("cluster change");
    assert_eq!((c.old.len(), c.new.len()), (2, 3));
    assert!(dev.sync.is_none());
    let md = fenceline::diff::to_markdown(&d, "old", "new");
    assert!(
        md.contains("- cluster nodes: fw-a, fw-b → fw-a, fw-b, fw-c\n"),
        "{md}"
    );
    // Sync moved to another interface, and the device itself unchanged otherwise.
    let text = std::fs::read_to_string("tests/linux/device.fence").unwrap();
    let moved = text.replace("  sync eth2\n", "  sync eth1\n");
    assert_ne!(moved, text);
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let old = check_path(Path::new("tests/linux/device.fence"), &opts).unwrap();
    let new = fenceline::driver::check_text("moved.fence", Path::new("moved.fence"), moved, &opts);
    let d = diff(&old, &new).expect("both resolve");
    let s = d.devices[0].sync.as_ref().expect("sync change");
    assert_eq!(
        (s.old.as_deref(), s.new.as_deref()),
        (Some("eth2"), Some("eth1"))
    );
    // An unchanged policy with device-level flows has no device diff.
    let same = run_pair("tests/linux/device.fence", "tests/linux/device.fence");
    assert!(same.is_empty(), "{same:#?}");
}
