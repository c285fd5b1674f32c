//! Templates and sites (docs/language.md, "template and site"): expansion (names prefixed,
//! addresses filled in, references inside and outside the body, nested sites), findings that
//! name their site, `fmt`, `debug model`, `build --site`, determinism and the expansion limit.

use fenceline::driver::{check_text, CheckOptions, Checked};
use std::path::Path;
use std::process::Command;

fn opts() -> CheckOptions {
    CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    }
}

fn check(text: &str) -> Checked {
    check_text("t.fence", Path::new("t.fence"), text.to_string(), &opts())
}

fn bin(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

const FLEET: &str = r#"
zone control-center {
  level 3
  sl-target 3
  network 10.0.0.0/24
  asset scada 10.0.0.10
}

zone lan {
  description "the policy's own lan: a body's `lan` is the site's"
  level 2
  sl-target 2
  network 10.200.0.0/24
}

template bay {
  param m number
  zone field {
    level 1
    sl-target 2
    network 10.{m}.9.0/24
  }
}

template station {
  param n number
  param town string
  param cc name
  param wan network
  zone lan {
    description "{town} station LAN"
    level 2
    sl-target 2
    network 10.{n}.1.0/24
    vlan 1{n}
    asset rtu 10.{n}.1.10
  }
  zone uplink {
    level 2
    sl-target 2
    transit
    network {wan}
  }
  site bay-1 bay {
    m {n}
  }
  conduit to-cc {
    connects lan, cc, bay-1-field
    sl-target 2
    allow cc.scada -> lan.rtu modbus
    allow lan.rtu -> bay-1-field iec61850-mms
  }
  firewall fw {
    target nftables
    interface eth0 uplink address 10.90.{n}.2
    interface eth1 lan address 10.{n}.1.1
    interface eth2 bay-1-field address 10.{n}.9.1
  }
  expect allow cc.scada -> lan.rtu modbus
}

firewall fw-cc {
  target nftables
  interface eth0 control-center
  interface eth1 sub-07-uplink
  interface eth2 sub-08-uplink
  interface eth3 lan
}

site sub-07 station {
  n 7
  town "Kirkby"
  cc control-center
  wan 10.90.7.0/30
}

site sub-08 station {
  n 8
  town "Lowmoor"
  cc control-center
  wan 10.90.8.0/30
}

expect deny sub-07-lan -> sub-08-lan modbus
"#;

#[test]
fn sites_expand_to_prefixed_names_and_filled_in_addresses() {
    let c = check(FLEET);
    let errors: Vec<_> = c.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let m = c.model.expect("model");
    let zone = |n: &str| {
        m.zones
            .iter()
            .find(|z| z.name == n)
            .unwrap_or_else(|| panic!("no zone {n}"))
    };
    let lan = zone("sub-07-lan");
    assert_eq!(lan.description.as_deref(), Some("Kirkby station LAN"));
    assert_eq!(lan.networks, vec!["10.7.1.0/24".parse().unwrap()]);
    assert_eq!(lan.vlan, Some(17));
    assert_eq!(lan.assets[0].written, vec!["10.7.1.10".to_string()]);
    assert_eq!(
        zone("sub-08-uplink").networks,
        vec!["10.90.8.0/30".parse().unwrap()]
    );
    // A nested site: both prefixes, and the outer parameter passed on.
    assert_eq!(
        zone("sub-08-bay-1-field").networks,
        vec!["10.8.9.0/24".parse().unwrap()]
    );
    // The policy's own `lan` is untouched; the body's `lan` meant the site's.
    assert_eq!(zone("lan").networks, vec!["10.200.0.0/24".parse().unwrap()]);
    let conduit = m
        .conduits
        .iter()
        .find(|c| c.name == "sub-07-to-cc")
        .expect("conduit");
    let names: Vec<&str> = conduit
        .zones
        .iter()
        .map(|z| m.zone(*z).name.as_str())
        .collect();
    // `lan` and `bay-1-field` are the body's, `cc` a name parameter bound to the policy's zone.
    let mut want = vec!["control-center", "sub-07-bay-1-field", "sub-07-lan"];
    let mut got = names.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let devices: Vec<&str> = m.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(devices, vec!["fw-cc", "sub-07-fw", "sub-08-fw"]);
    assert_eq!(m.sites.len(), 2);
    assert_eq!(m.sites[0].name, "sub-07");
    assert_eq!(m.sites[0].devices, vec!["sub-07-fw".to_string()]);
    // Every expectation (two from the template, one outside it) is there.
    assert_eq!(m.expects.len(), 3);
}

#[test]
fn a_finding_inside_a_template_names_its_site() {
    // Site 2's asset address lies outside its zone: the error is at the template's line, with
    // the site that expanded it as a related location; site 1 is fine.
    let text = "template t {\n  param n number\n  param a address\n  zone z {\n    level 2\n    sl-target 2\n    network 10.{n}.0.0/24\n    asset h {a}\n  }\n}\n\
                site s-1 t {\n  n 1\n  a 10.1.0.5\n}\nsite s-2 t {\n  n 2\n  a 10.9.0.5\n}\n";
    let c = check(text);
    let errors: Vec<_> = c.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let d = errors[0];
    assert_eq!(d.code, "E0005");
    assert_eq!(c.sources.location(d.span.unwrap()), "t.fence:8:11");
    let rel: Vec<(String, String)> = d
        .related
        .iter()
        .map(|r| (r.label.clone(), c.sources.location(r.span)))
        .collect();
    assert!(
        rel.contains(&(
            "in site `s-2`, instantiated here".to_string(),
            "t.fence:15:6".to_string()
        )),
        "{rel:?}"
    );
}

#[test]
fn templates_are_checked_once_not_per_site() {
    // One mistake in a template used by three sites is one finding.
    let text = "template t {\n  zone z {\n    level 2\n    sl-target 2\n    network 10.{n}.0.0/24\n  }\n}\nsite a t\nsite b t\nsite c t\n";
    let c = check(text);
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, vec!["E0044"]);
}

#[test]
fn fmt_round_trips_templates_and_sites() {
    use fenceline::fmt::{format_file, same_meaning};
    use fenceline::source::FileId;
    use fenceline::syntax::parse_file;
    let text = "# fleet\ntemplate t {   # the design\n  param n   number\n\n  zone z { level 2 sl-target 2 network 10.{n}.0.0/24 }\n  site inner u { m {n} }\n}\ntemplate u { param m number\n  zone q { level 2 sl-target 2 network 10.{m}.9.0/24 } }\nsite a t { n 1 }\nsite b t {\n  # the second\n  n 2\n}\nsite c u\nsite d u {}\n";
    let ast = parse_file(FileId(0), text).unwrap();
    let once = format_file(text, &ast);
    let again_ast = parse_file(FileId(0), &once).unwrap();
    assert!(same_meaning(&ast, &again_ast), "{once}");
    assert_eq!(format_file(&once, &again_ast), once, "idempotent");
    assert!(once.contains("site a t {\n  n 1\n}\n"), "{once}");
    assert!(
        once.contains("  site inner u {\n    m {n}\n  }\n"),
        "{once}"
    );
    assert!(once.contains("site c u\nsite d u {}\n"), "{once}");
    assert!(once.contains("  # the second\n  n 2\n"), "{once}");
}

#[test]
fn debug_model_shows_the_expanded_policy_and_debug_ast_the_written_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("fleet.fence");
    std::fs::write(&p, FLEET).unwrap();
    let out = bin(&["debug", "model", p.to_str().unwrap()]);
    assert!(out.status.success());
    let model = String::from_utf8(out.stdout).unwrap();
    assert!(model.contains("\"sub-08-bay-1-field\""));
    assert!(model.contains("\"10.8.9.0/24\""));
    assert!(!model.contains("{n}"));
    let out = bin(&["debug", "ast", p.to_str().unwrap()]);
    let ast = String::from_utf8(out.stdout).unwrap();
    assert!(ast.contains("\"10.{n}.1.0/24\""));
    assert!(ast.contains("\"template\""));
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn build_site_writes_only_that_sites_devices() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("fleet.fence");
    std::fs::write(&p, FLEET).unwrap();
    let all = dir.path().join("all");
    let out = bin(&[
        "build",
        p.to_str().unwrap(),
        "-o",
        all.to_str().unwrap(),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        listing(&all),
        [
            "fw-cc",
            "manifest.json",
            "report.html",
            "report.json",
            "report.md",
            "sub-07-fw",
            "sub-08-fw"
        ]
    );
    let manifest = std::fs::read_to_string(all.join("manifest.json")).unwrap();
    assert!(
        !manifest.contains("\"sites\""),
        "a whole build names no site"
    );
    // The expanded policy's configurations are proven equal to it.
    let out = bin(&["verify", p.to_str().unwrap(), all.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let one = dir.path().join("one");
    let out = bin(&[
        "build",
        p.to_str().unwrap(),
        "-o",
        one.to_str().unwrap(),
        "--site",
        "sub-08",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("of site sub-08"));
    assert_eq!(
        listing(&one),
        [
            "manifest.json",
            "report.html",
            "report.json",
            "report.md",
            "sub-08-fw"
        ]
    );
    let manifest = std::fs::read_to_string(one.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"sites\": [\n    \"sub-08\"\n  ]"),
        "{manifest}"
    );
    let report = std::fs::read_to_string(one.join("report.md")).unwrap();
    assert!(
        report.contains("| sub-07 | station | sub-07-fw | no |"),
        "{report}"
    );
    assert!(
        report.contains("| sub-08 | station | sub-08-fw | yes |"),
        "{report}"
    );
    // The site's device is byte-identical to the whole build's.
    assert_eq!(
        std::fs::read(one.join("sub-08-fw/nftables.nft")).unwrap(),
        std::fs::read(all.join("sub-08-fw/nftables.nft")).unwrap()
    );

    // Repeated, comma-separated, beside `--target`.
    let two = dir.path().join("two");
    let out = bin(&[
        "build",
        p.to_str().unwrap(),
        "-o",
        two.to_str().unwrap(),
        "-q",
        "--site",
        "sub-08,sub-07",
        "--target",
        "nftables",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        listing(&two),
        [
            "manifest.json",
            "report.html",
            "report.json",
            "report.md",
            "sub-07-fw",
            "sub-08-fw"
        ]
    );
}

#[test]
fn an_unknown_site_is_a_usage_error_with_the_closest_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("fleet.fence");
    std::fs::write(&p, FLEET).unwrap();
    let o = dir.path().join("o");
    let out = bin(&[
        "build",
        p.to_str().unwrap(),
        "-o",
        o.to_str().unwrap(),
        "--site",
        "sub-7",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown site `sub-7`; did you mean `sub-07`?"),
        "{err}"
    );
    assert!(!o.exists(), "nothing written");
}

#[test]
fn expansion_is_deterministic_and_independent_of_declaration_order() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.fence");
    std::fs::write(&a, FLEET).unwrap();
    // The same policy with the sites before the templates and in the other order.
    let (head, sites) = FLEET.split_at(FLEET.find("site sub-07 station").unwrap());
    let (s07, rest) = sites.split_at(sites.find("site sub-08 station").unwrap());
    let (s08, tail) = rest.split_at(rest.find("expect deny sub-07").unwrap());
    let b = dir.path().join("b.fence");
    std::fs::write(&b, format!("{s08}{s07}{head}{tail}")).unwrap();
    let build = |p: &Path, o: &str| {
        let out_dir = dir.path().join(o);
        let out = bin(&[
            "build",
            p.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
            "-q",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out_dir
    };
    let (x, y, z) = (build(&a, "x"), build(&a, "y"), build(&b, "z"));
    for dev in ["fw-cc", "sub-07-fw", "sub-08-fw"] {
        let f = format!("{dev}/nftables.nft");
        let bytes = std::fs::read(x.join(&f)).unwrap();
        assert_eq!(bytes, std::fs::read(y.join(&f)).unwrap(), "{f}: two runs");
        assert_eq!(
            bytes,
            std::fs::read(z.join(&f)).unwrap(),
            "{f}: declaration order"
        );
    }
    let hash = |d: &Path| {
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("manifest.json")).unwrap())
                .unwrap();
        m["policy_sha256"].as_str().unwrap().to_string()
    };
    assert_eq!(hash(&x), hash(&z));
}

#[test]
fn a_template_instantiated_10000_times_is_refused_before_expanding() {
    // 10,000 sites of a 60-zone template: a clear E0024 at the site that reaches the limit,
    // nothing expanded, quickly and in little memory.
    let mut text = String::from("template t {\n  param a number\n");
    for k in 0..60 {
        text.push_str(&format!(
            "  zone z{k} {{\n    level 2\n    sl-target 2\n    network 10.{{a}}.{k}.0/24\n  }}\n"
        ));
    }
    text.push_str("}\n");
    for i in 0..10_000 {
        text.push_str(&format!("site s{i} t {{ a {} }}\n", i % 256));
    }
    let c = check(&text);
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, vec!["E0024"]);
    let d = &c.diagnostics[0];
    assert!(d.message.contains("500000"), "{}", d.message);
    assert!(c.model.is_none());
    // A template that doubles at each of 40 levels of nesting is refused the same way.
    let mut text =
        String::from("template l40 { zone z { level 2  sl-target 2  network 10.0.0.0/24 } }\n");
    for k in 0..40 {
        text.push_str(&format!(
            "template l{k} {{\n  site a l{}\n  site b l{}\n}}\n",
            k + 1,
            k + 1
        ));
    }
    text.push_str("site top l0\n");
    let c = check(&text);
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, vec!["E0024"]);
}

#[test]
fn a_small_template_instantiated_10000_times_completes() {
    let mut text = String::from(
        "template t {\n  param a number\n  param b number\n  zone z {\n    level 2\n    sl-target 2\n    network 10.{a}.{b}.0/24\n  }\n}\n",
    );
    for i in 0..10_000 {
        text.push_str(&format!("site s{i} t {{ a {}  b {} }}\n", i / 256, i % 256));
    }
    let c = check(&text);
    assert!(!c.has_errors());
    let m = c.model.expect("model");
    assert_eq!(m.zones.len(), 10_000);
    assert_eq!(m.sites.len(), 10_000);
}

#[test]
fn recursive_templates_are_refused_with_their_cycle() {
    let text = "template a {\n  site x b\n}\ntemplate b {\n  site y c\n}\ntemplate c {\n  site z a\n}\nsite top a\n";
    let c = check(text);
    let d: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "E0046").collect();
    assert_eq!(d.len(), 1, "{:#?}", c.diagnostics);
    assert_eq!(
        d[0].message,
        "templates instantiate each other: `a` -> `b` -> `c` -> `a`"
    );
    assert!(c.diagnostics.iter().all(|d| d.code == "E0046"));
}
