//! Build reliability: byte-identical output across processes and declaration orders, and atomic
//! replacement of the output directory under injected write failures and SIGKILL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fenceline"));
    c.env("NO_COLOR", "1")
        .env_remove("FENCELINE_FAIL_WRITE")
        .env_remove("FENCELINE_SLOW_WRITE_MS");
    c
}

fn build(policy: &Path, out: &Path) -> std::process::Output {
    bin()
        .args(["build", "--today", "2026-01-01", "-q"])
        .arg(policy)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

/// Every file under `dir` with its bytes, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, cur: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(cur).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut m = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut m);
    }
    m
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fence"))
        .collect();
    v.sort();
    v
}

/// The policy with its top-level declarations in another order (comments travel with them).
fn shuffled(text: &str) -> String {
    let ast = fenceline::syntax::parse_file(fenceline::source::FileId(0), text).unwrap();
    let mut chunks: Vec<&str> = ast.items.iter().map(|i| &text[i.span().range()]).collect();
    chunks.reverse();
    let k = chunks.len() / 3;
    chunks.rotate_left(k);
    chunks.join("\n\n") + "\n"
}

#[test]
fn output_is_identical_across_processes_and_declaration_orders() {
    let tmp = tempfile::tempdir().unwrap();
    for ex in examples() {
        let name = ex.file_stem().unwrap().to_string_lossy().to_string();
        let a = tmp.path().join(format!("{name}-a"));
        let b = tmp.path().join(format!("{name}-b"));
        let c = tmp.path().join(format!("{name}-c"));
        let out = build(&ex, &a);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(build(&ex, &b).status.success());
        let reordered = tmp.path().join(format!("{name}-shuffled.fence"));
        let text = std::fs::read_to_string(&ex).unwrap();
        let shuffled_text = shuffled(&text);
        assert_ne!(shuffled_text, text);
        std::fs::write(&reordered, shuffled_text).unwrap();
        let out = build(&reordered, &c);
        assert!(
            out.status.success(),
            "{name} shuffled: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (sa, sb, sc) = (snapshot(&a), snapshot(&b), snapshot(&c));
        assert!(sa.contains_key("manifest.json"));
        assert_eq!(sa, sb, "{name}: two processes differ");
        assert_eq!(
            sa.keys().collect::<Vec<_>>(),
            sc.keys().collect::<Vec<_>>(),
            "{name}: file sets differ"
        );
        // The reports name the `file:line:col` of findings, exceptions and widenings (as
        // `fenceline report` does), and the manifest lists the reports' hashes: those move with
        // the declarations. Every configuration and the policy hash do not.
        for (k, v) in &sa {
            if k.starts_with("report.") || k == "manifest.json" {
                continue;
            }
            assert!(
                sc[k] == *v,
                "{name}: {k} changes when declarations are reordered"
            );
        }
        let hash = |m: &Vec<u8>| {
            let v: serde_json::Value = serde_json::from_slice(m).expect("manifest");
            v["policy_sha256"].clone()
        };
        assert_eq!(
            hash(&sa["manifest.json"]),
            hash(&sc["manifest.json"]),
            "{name}"
        );
        // The manifest names the form of the hash (docs/ci.md).
        let manifest: serde_json::Value = serde_json::from_slice(&sa["manifest.json"]).unwrap();
        assert_eq!(manifest["hash_version"], 2, "{name}");
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    let parent = dir.parent().unwrap();
    let prefix = format!(".{}.fenceline-", dir.file_name().unwrap().to_string_lossy());
    let mut v: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(&prefix))
        .collect();
    v.extend(
        snapshot(dir)
            .keys()
            .filter(|k| k.contains(".fenceline-") || k.ends_with(".tmp"))
            .cloned(),
    );
    v
}

#[test]
fn failed_writes_leave_the_previous_output_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let old = Path::new("examples/north-pipeline.fence");
    let new = Path::new("examples/water-treatment.fence");
    assert!(build(old, &dir).status.success());
    std::fs::write(dir.join("NOTES.txt"), "kept by the operator\n").unwrap();
    let before = snapshot(&dir);
    let new_files = {
        let probe = tmp.path().join("probe");
        assert!(build(new, &probe).status.success());
        snapshot(&probe).len()
    };
    assert!(new_files >= 1);
    for n in 1..=new_files {
        let out = bin()
            .args(["build", "--today", "2026-01-01", "-q"])
            .arg(new)
            .arg("-o")
            .arg(&dir)
            .env("FENCELINE_FAIL_WRITE", n.to_string())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "write {n} must fail the build");
        assert_eq!(snapshot(&dir), before, "write {n} failed but DIR changed");
        assert!(
            leftovers(&dir).is_empty(),
            "temporary files left: {:?}",
            leftovers(&dir)
        );
    }
    // A successful build replaces the set and keeps the operator's file.
    assert!(build(new, &dir).status.success());
    let after = snapshot(&dir);
    assert_ne!(after, before);
    assert_eq!(
        after.get("NOTES.txt").map(Vec::as_slice),
        Some(&b"kept by the operator\n"[..])
    );
}

#[test]
fn a_killed_build_leaves_the_old_or_the_new_set() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let old = Path::new("examples/north-pipeline.fence");
    let new = Path::new("examples/water-treatment.fence");
    let newdir = tmp.path().join("new");
    assert!(build(new, &newdir).status.success());
    let new_set = snapshot(&newdir);
    assert!(build(old, &dir).status.success());
    let old_set = snapshot(&dir);
    for delay_ms in [5u64, 40, 120] {
        let mut child = bin()
            .args(["build", "--today", "2026-01-01", "-q"])
            .arg(new)
            .arg("-o")
            .arg(&dir)
            .env("FENCELINE_SLOW_WRITE_MS", "30")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = snapshot(&dir);
        assert!(
            now == old_set || now == new_set,
            "after a kill at {delay_ms} ms DIR is neither the old nor the new set"
        );
        // Restore the old set for the next round.
        assert!(build(old, &dir).status.success());
        assert_eq!(snapshot(&dir), old_set);
        assert!(
            leftovers(&dir).is_empty(),
            "the next build removes what a killed build left"
        );
    }
}

#[test]
fn build_check_reports_drift_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let p = Path::new("examples/north-pipeline.fence");
    assert!(build(p, &dir).status.success());
    let check = |dir: &Path| {
        bin()
            .args(["build", "--check", "--today", "2026-01-01", "-q"])
            .arg(p)
            .arg("-o")
            .arg(dir)
            .output()
            .unwrap()
    };
    assert_eq!(check(&dir).status.code(), Some(0));
    let manifest = dir.join("manifest.json");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("tampered\n");
    std::fs::write(&manifest, &text).unwrap();
    let before = snapshot(&dir);
    let out = check(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("-tampered"));
    assert_eq!(snapshot(&dir), before, "--check writes nothing");
    assert_eq!(check(&tmp.path().join("missing")).status.code(), Some(1));

    // report.json is compared as it streams: a change at its end, and one that only
    // shortens it, are both drift; so are a changed device file, a deleted one and a file
    // of the old manifest the policy no longer generates.
    assert!(build(p, &dir).status.success());
    assert_eq!(check(&dir).status.code(), Some(0));
    let json = dir.join("report.json");
    let original = std::fs::read_to_string(&json).unwrap();
    std::fs::write(&json, format!("{original} ")).unwrap();
    let out = check(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("drift: report.json differs"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&json, &original[..original.len() - 2]).unwrap();
    assert_eq!(check(&dir).status.code(), Some(1));
    std::fs::write(&json, &original).unwrap();
    assert_eq!(check(&dir).status.code(), Some(0));
    let nft = dir.join("fw-it-ot/nftables.nft");
    let text = std::fs::read_to_string(&nft).unwrap();
    std::fs::write(&nft, text.replacen("counter drop", "counter accept", 1)).unwrap();
    std::fs::remove_file(dir.join("rtr-field/cisco-ios.txt")).unwrap();
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let stale = manifest.replacen(
        "\"files\": [",
        "\"files\": [\n    {\n      \"path\": \"old-fw/nftables.nft\",\n      \"sha256\": \"00\",\n      \"bytes\": 1\n    },",
        1,
    );
    assert_ne!(
        stale, manifest,
        "the manifest lists its files under \"files\""
    );
    std::fs::write(dir.join("manifest.json"), stale).unwrap();
    std::fs::create_dir_all(dir.join("old-fw")).unwrap();
    std::fs::write(dir.join("old-fw/nftables.nft"), "x").unwrap();
    let out = check(&dir);
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stdout.contains("-\t\tcounter accept") || stdout.contains("+\t\tcounter drop"),
        "{stdout}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "drift: fw-it-ot/nftables.nft differs from the policy",
            "drift: manifest.json differs from the policy",
            "drift: rtr-field/cisco-ios.txt is missing",
            "drift: old-fw/nftables.nft is not generated by the policy (build deletes it)",
        ],
        "{stderr}"
    );
}

/// A file with a build-layout name that the policy does not produce (a stray device
/// configuration restored by a merge, listed in no manifest) is drift, and `build` deletes it;
/// other files the operator keeps in DIR are listed as kept and carried over.
#[test]
fn check_reports_stray_layout_files_and_lists_kept_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let p = Path::new("examples/north-pipeline.fence");
    assert!(build(p, &dir).status.success());
    std::fs::create_dir_all(dir.join("newdev")).unwrap();
    std::fs::write(dir.join("newdev/nftables.nft"), "table inet x {}\n").unwrap();
    std::fs::write(dir.join("fw-it-ot/cisco-ios.txt"), "! stray\n").unwrap();
    std::fs::write(dir.join("NOTES.md"), "change window CR-2291\n").unwrap();
    std::fs::write(dir.join("fw-it-ot/README"), "rack 4\n").unwrap();
    let check = |dir: &Path| {
        bin()
            .args(["build", "--check", "--today", "2026-01-01"])
            .arg(p)
            .arg("-o")
            .arg(dir)
            .output()
            .unwrap()
    };
    let out = check(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("drift: ") || l.starts_with("kept: "))
        .collect();
    assert_eq!(
        lines,
        [
            "drift: fw-it-ot/cisco-ios.txt is not generated by the policy (build deletes it)",
            "drift: newdev/nftables.nft is not generated by the policy (build deletes it)",
            "kept: NOTES.md (not fenceline's: build carries it over)",
            "kept: fw-it-ot/README (not fenceline's: build carries it over)",
        ],
        "{stderr}"
    );
    assert!(build(p, &dir).status.success());
    assert!(!dir.join("newdev/nftables.nft").exists());
    assert!(!dir.join("fw-it-ot/cisco-ios.txt").exists());
    assert!(dir.join("NOTES.md").exists() && dir.join("fw-it-ot/README").exists());
    let out = check(&dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_policy_with_errors_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    assert!(build(Path::new("examples/north-pipeline.fence"), &dir)
        .status
        .success());
    let before = snapshot(&dir);
    let out = build(
        Path::new("tests/diagnostics/e0006_zone_overlap.fence"),
        &dir,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(snapshot(&dir), before);
}

/// The CLI streams its files into the staging directory (and `--check` compares them as they
/// stream); the library's `build_checked` renders through the same path into memory and must
/// give the very same files, manifest included, for every example.
#[test]
fn streamed_and_in_memory_builds_are_identical() {
    use fenceline::build::{build_checked, BuildOptions};
    use fenceline::driver::{check_path, CheckOptions};
    for ex in ["north-pipeline", "water-treatment", "manufacturing"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let p = PathBuf::from(format!("examples/{ex}.fence"));
        assert!(build(&p, &dir).status.success());
        let opts = BuildOptions {
            check: CheckOptions {
                today: Some("2026-01-01".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let checked = check_path(&p, &opts.check).unwrap();
        let built = build_checked(&checked, &opts).unwrap().unwrap();
        let in_memory: BTreeMap<String, Vec<u8>> = built
            .outputs
            .into_iter()
            .map(|o| (o.path, o.bytes))
            .collect();
        assert_eq!(snapshot(&dir), in_memory, "{ex}");
    }
}

/// `build --no-report` writes the configurations, byte for byte those of a full build, and a
/// manifest of them only; a report an earlier build left in DIR is deleted (it would describe
/// another policy), and `--check --no-report` is up to date on that directory.
#[test]
fn no_report_writes_the_configurations_only() {
    let policy = Path::new("examples/water-treatment.fence");
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    let out = tmp.path().join("out");
    assert!(build(policy, &full).status.success());
    assert!(build(policy, &out).status.success());
    let run = |extra: &[&str]| {
        bin()
            .args(["build", "--today", "2026-01-01", "-q", "--no-report"])
            .args(extra)
            .arg(policy)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap()
    };
    let o = run(&[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let with = snapshot(&full);
    let without = snapshot(&out);
    let reports = ["report.html", "report.json", "report.md"];
    for r in reports {
        assert!(with.contains_key(r), "the full build writes {r}");
        assert!(!without.contains_key(r), "--no-report left {r}");
    }
    for (path, bytes) in &with {
        if reports.contains(&path.as_str()) || path == "manifest.json" {
            continue;
        }
        assert_eq!(without.get(path), Some(bytes), "{path}");
    }
    assert_eq!(without.len(), with.len() - reports.len());
    let manifest: serde_json::Value = serde_json::from_slice(&without["manifest.json"]).unwrap();
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(!listed.is_empty());
    assert!(
        listed.iter().all(|p| !p.starts_with("report.")),
        "{listed:?}"
    );
    assert_eq!(
        listed.len(),
        without.len() - 1,
        "every file but the manifest"
    );
    let o = run(&["--check"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A full `--check` on it wants the reports back.
    let o = bin()
        .args(["build", "--today", "2026-01-01", "--check"])
        .arg(policy)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("drift: report.md is missing"));
}
