//! Every fuzz corpus seed (`fuzz/corpus/`) and every minimised crash the fuzzers ever found
//! (`tests/fuzzed/`) goes through the same bodies as the fuzz targets: check, fmt round trip and
//! build must end in diagnostics or output, never a panic.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::driver::{check_text, CheckOptions};
use std::path::Path;

fn files() -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for dir in ["fuzz/corpus", "tests/fuzzed"] {
        if let Ok(rd) = std::fs::read_dir(dir) {
            v.extend(rd.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
        }
    }
    v.sort();
    v
}

#[test]
fn corpus_and_regressions_never_panic() {
    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    };
    let files = files();
    assert!(files.len() >= 20, "the corpus is seeded from the fixtures");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let checked = check_text(
            "fuzz.fence",
            Path::new("/nonexistent/fuzz.fence"),
            text.clone(),
            &opts,
        );
        let _ = build_checked(
            &checked,
            &BuildOptions {
                check: opts.clone(),
                ..Default::default()
            },
        );
        if let Ok(once) = fenceline::cli::format::format_text("fuzz.fence", &text) {
            let twice = fenceline::cli::format::format_text("fuzz.fence", &once)
                .unwrap_or_else(|_| panic!("{}: formatted text does not parse", path.display()));
            assert_eq!(once, twice, "{}: fmt is not idempotent", path.display());
        }
    }
}

/// The configuration readers' corpus (`fuzz/corpus-configs/`, the seeds of the `readers` fuzz
/// target) and its regressions (`tests/fuzzed-configs/`): every reader ends in a configuration or
/// an error, never a panic; the generated seeds read without error.
#[test]
fn config_readers_never_panic() {
    use fenceline::dialect::config::accepted;
    use fenceline::packet::space::Family;
    let mut files = Vec::new();
    for dir in ["fuzz/corpus-configs", "tests/fuzzed-configs"] {
        if let Ok(rd) = std::fs::read_dir(dir) {
            files.extend(rd.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
        }
    }
    files.sort();
    assert!(files.len() >= 5, "the readers' corpus is seeded");
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path.to_string_lossy().into_owned();
        let seed = name.contains("corpus-configs");
        if let Ok(cfg) =
            fenceline::dialect::cisco_ios::parse::parse(&text).and_then(|c| c.resolve())
        {
            for iface in cfg.interfaces.keys() {
                for inbound in [true, false] {
                    match cfg.filter_items("f", iface, inbound) {
                        Ok(items) => drop(accepted(&items)),
                        Err(e) => assert!(!seed, "{name}: {e}"),
                    }
                }
            }
        }
        if let Ok(n) = fenceline::dialect::nftables::read("f", &text) {
            match n.items("eth0", "eth1") {
                Ok(filters) => filters.iter().for_each(|f| drop(accepted(f))),
                Err(e) => assert!(!seed, "{name}: {e}"),
            }
        }
        for fam in [Family::V4, Family::V6] {
            if let Ok(i) = fenceline::dialect::iptables::parse::parse("f", &text, fam) {
                if let Ok(items) = i.items("eth0", "eth1") {
                    drop(accepted(&items));
                }
            }
        }
    }
}
