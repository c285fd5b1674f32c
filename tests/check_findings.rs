//! `check` lowers the targets for their findings without printing the configurations
//! (`build::findings`); `build` emits them (`build::emit`). Both must raise the same findings,
//! for every fixture and example.

use fenceline::build::{emit, findings, BuildOptions};
use fenceline::driver::check_path;
use std::path::{Path, PathBuf};

fn fences(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable").flatten() {
        let p = e.path();
        if p.is_dir() {
            fences(&p, out);
        } else if p.extension().is_some_and(|x| x == "fence") {
            out.push(p);
        }
    }
}

#[test]
fn check_and_build_raise_the_same_target_findings() {
    let mut files = Vec::new();
    for dir in ["tests", "examples"] {
        fences(Path::new(dir), &mut files);
    }
    files.sort();
    let opts = BuildOptions::default();
    let (mut compared, mut from_targets) = (0, 0);
    for f in &files {
        let Ok(checked) = check_path(f, &opts.check) else {
            continue;
        };
        let Some(model) = checked.model.as_ref() else {
            continue;
        };
        let Ok(emitted) = emit(model, &opts) else {
            continue;
        };
        let mut by_check = findings(model, &opts).expect("lowers");
        let mut by_build = emitted.diagnostics;
        fenceline::diagnostic::sort(&mut by_check);
        fenceline::diagnostic::sort(&mut by_build);
        assert_eq!(by_check, by_build, "{}", f.display());
        compared += 1;
        from_targets += by_build
            .iter()
            .filter(|d| d.code.starts_with("OUT-00"))
            .count();
    }
    // The fixtures of OUT-005, OUT-006 and OUT-007 are among them.
    assert!(compared >= 40, "{compared} policies compared");
    assert!(from_targets >= 3, "{from_targets} target findings");
}
