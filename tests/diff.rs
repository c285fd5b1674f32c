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
