//! Semantic diff on hand-made policy pairs (tests/diff/*.fence, each a change of base.fence):
//! the exact set of changed flows per conduit, SL-T changes, and an empty diff for a reordered,
//! reformatted copy.

use fenceline::driver::{check_path, CheckOptions};
use fenceline::verify::diff::{diff, PolicyDiff};
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
