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
