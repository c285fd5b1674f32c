//! Timing of diff and verify on a 100,000-flow synthetic policy. Ignored by default (the
//! benchmark suite owns the numbers); run with
//! `cargo test --release --test perf_verify -- --ignored --nocapture`.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::driver::{check_text, CheckOptions};
use fenceline::model::DeviceId;
use fenceline::synth::{policy, Size};
use fenceline::verify::diff::diff;
use fenceline::verify::equiv::{compare_device, load, policy_pairs};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

#[test]
#[ignore]
fn diff_and_verify_100k_flows() {
    let size = Size {
        zones: 100,
        assets_per_zone: 100,
        flows: 100_000,
        zones_per_device: 8,
        seed: 1,
    };
    let text = policy(&size);
    // The new version: every 1000th flow removed.
    let mut n = 0;
    let new_text: String = text
        .lines()
        .filter(|l| {
            if l.trim_start().starts_with("allow ") {
                n += 1;
                return n % 1000 != 0;
            }
            true
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let t = Instant::now();
    let old = check_text("old.fence", Path::new("old.fence"), text, &opts);
    let new = check_text("new.fence", Path::new("new.fence"), new_text, &opts);
    let t_check = t.elapsed();
    let t = Instant::now();
    let d = diff(&old, &new).unwrap();
    let t_diff = t.elapsed();
    // A removed flow that another flow covers changes no packet.
    assert!(
        (90..=100).contains(&d.denied_count()),
        "{}",
        d.denied_count()
    );
    assert_eq!(d.allowed_count(), 0);

    let bopts = BuildOptions {
        check: opts.clone(),
        ..Default::default()
    };
    let t = Instant::now();
    let built = build_checked(&old, &bopts).unwrap().unwrap();
    let t_build = t.elapsed();
    let files: BTreeMap<String, String> = built
        .outputs
        .iter()
        .map(|o| {
            (
                o.path.clone(),
                String::from_utf8_lossy(&o.bytes).into_owned(),
            )
        })
        .collect();
    let model = old.model.as_ref().unwrap();
    let t = Instant::now();
    let pol = policy_pairs(model);
    let read = |p: &str| files.get(p).cloned();
    let t_pol = t.elapsed();
    let mut n_cfg = 0;
    let mut t_load = std::time::Duration::ZERO;
    for (di, dev) in model.devices.iter().enumerate() {
        for &tg in &dev.targets {
            let tl = Instant::now();
            let loaded = load(&dev.name, tg, &read).unwrap();
            t_load += tl.elapsed();
            if let Some((cfg, paths)) = loaded {
                let r = compare_device(model, &pol, DeviceId(di), tg.name(), paths, &cfg).unwrap();
                assert!(r.equal, "{} {}", r.device, r.target);
                n_cfg += 1;
            }
        }
    }
    let t_verify = t.elapsed();
    eprintln!(
        "100k flows: check both {:?}, diff {:?}; build {:?}, verify {} configurations {:?} (policy side {:?}, parsing {:?})",
        t_check, t_diff, t_build, n_cfg, t_verify, t_pol, t_load
    );
    assert!(n_cfg > 0);
}
