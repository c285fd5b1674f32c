//! Every dialect, without a test of its own: what a new output format gets for free once it is
//! listed in `dialect::all()`. For every example policy and every device a dialect configures:
//! the printed text parses back to a configuration that prints the same bytes (`print ∘ parse`
//! is the identity on printed text, the other half of each dialect's `parse(print(c)) == c`
//! property test), emitting twice gives the same bytes, the files are the dialect's own and the
//! build layout knows them, and the configuration read back accepts exactly what the policy
//! allows (`verify` says equal).

use fenceline::build::{build_checked, is_layout_name, BuildOptions};
use fenceline::dialect::{self, ConfigFile};
use fenceline::driver::{check_path, CheckOptions};
use fenceline::model::{DeviceId, DeviceKind, Model, Target};
use fenceline::verify::equiv::{compare_loaded, PolicySides};
use std::collections::BTreeMap;
use std::path::Path;

const EXAMPLES: [&str; 7] = [
    "examples/fleet.fence",
    "examples/bottling.fence",
    "examples/substation.fence",
    "examples/water-treatment.fence",
    "examples/manufacturing.fence",
    "examples/north-pipeline.fence",
    // No example plant has a Cisco ASA; this policy of the ASA's own tests stands in for one.
    "tests/asa/plant.fence",
];

fn build(example: &str) -> (Model, BTreeMap<String, String>) {
    let opts = BuildOptions {
        check: CheckOptions {
            today: Some("2026-01-01".into()),
            ..Default::default()
        },
        ..Default::default()
    };
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
                String::from_utf8(o.bytes.clone()).expect("utf-8"),
            )
        })
        .collect();
    (checked.model.unwrap(), files)
}

#[test]
fn every_target_and_device_kind_the_language_allows_has_one_dialect() {
    for t in Target::ALL {
        let kinds: Vec<DeviceKind> = dialect::all()
            .iter()
            .filter(|d| d.target() == t)
            .flat_map(|d| d.kinds().iter().copied())
            .collect();
        assert!(!kinds.is_empty(), "{} has no dialect", t.name());
        let mut unique = kinds.clone();
        unique.sort_by_key(|k| format!("{k:?}"));
        unique.dedup();
        assert_eq!(
            unique.len(),
            kinds.len(),
            "{}: two dialects for one device kind",
            t.name()
        );
        for k in kinds {
            assert!(dialect::of(t, k).is_some());
        }
    }
}

#[test]
fn every_dialect_reads_back_what_it_prints_and_verifies_equal() {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for example in EXAMPLES {
        let (model, files) = build(example);
        let (again_model, again) = build(example);
        assert_eq!(files, again, "{example}: two builds differ");
        drop(again_model);
        let targets: Vec<Target> = Target::ALL.to_vec();
        let sides = PolicySides::for_targets(&model, &targets);
        let read = |p: &str| files.get(p).cloned();
        for (di, dev) in model.devices.iter().enumerate() {
            // A cluster's nodes each get their own directory.
            for (node, &t) in dev
                .node_names()
                .into_iter()
                .flat_map(|n| dev.targets.iter().map(move |t| (n, t)))
            {
                let d = dialect::of(t, dev.kind).expect("a dialect");
                let mine: Vec<ConfigFile> = d
                    .files()
                    .iter()
                    .filter_map(|&name| {
                        let path = format!("{node}/{name}");
                        files.get(&path).map(|text| ConfigFile {
                            name,
                            path,
                            text: text.clone(),
                        })
                    })
                    .collect();
                assert!(
                    !mine.is_empty(),
                    "{example}: {} wrote no file for `{node}`",
                    t.name(),
                );
                for f in &mine {
                    assert!(
                        is_layout_name(&f.path),
                        "{}: not a build-layout name",
                        f.path
                    );
                }
                let reprinted = d
                    .reprint(&mine)
                    .unwrap_or_else(|e| panic!("{example}: {e}"));
                for (name, text) in reprinted {
                    let path = format!("{node}/{name}");
                    let printed = files
                        .get(&path)
                        .unwrap_or_else(|| panic!("{path}: printed but not emitted"));
                    assert!(printed == &text, "{path}: parse then print changes the text\n--- emitted\n{printed}\n--- reprinted\n{text}");
                }
                let loaded = d
                    .load(node, &read)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .expect("files");
                let r = compare_loaded(&model, &sides, DeviceId(di), t, &loaded).unwrap();
                assert!(
                    r.equal,
                    "{example}: {node} {}: {:?}",
                    t.name(),
                    r.differences
                );
                *seen
                    .entry(format!("{}/{:?}", t.name(), dev.kind))
                    .or_default() += 1;
            }
        }
    }
    // The examples exercise every dialect, so none escapes these checks.
    for d in dialect::all() {
        for k in d.kinds() {
            assert!(
                seen.contains_key(&format!("{}/{k:?}", d.target().name())),
                "no example device for {} {k:?}",
                d.target().name()
            );
        }
    }
}
