//! The conformance report and the zone diagram, for every example in `examples/`: snapshots of
//! the markdown and JSON reports; the HTML report is well-formed, self-contained and escapes
//! policy text; the SVG is well-formed and names every zone and conduit.

use fenceline::driver::{check_path, check_text, CheckOptions, Checked};
use fenceline::report::{self, graph, render, ReportOptions};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::path::{Path, PathBuf};

const TODAY: &str = "2026-01-01";

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fence"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no examples found");
    v
}

fn opts() -> CheckOptions {
    CheckOptions {
        today: Some(TODAY.into()),
        ..Default::default()
    }
}

fn report_of(checked: &Checked) -> report::Report {
    let ro = ReportOptions::new(Some(TODAY.into())).unwrap();
    report::generate(checked, &ro)
        .unwrap()
        .expect("the policy has a meaning")
}

/// Parses XML strictly enough to catch what a browser would silently repair: mismatched or
/// unclosed tags, undefined entities, more than one root element, text outside the root.
fn assert_well_formed(name: &str, text: &str) -> Vec<String> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut texts = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if stack.is_empty() {
                    roots += 1;
                }
                assert_no_external_reference(name, &e);
                stack.push(String::from_utf8_lossy(e.name().as_ref()).to_string());
            }
            Ok(Event::End(e)) => {
                let n = String::from_utf8_lossy(e.name().as_ref()).to_string();
                assert_eq!(
                    stack.pop().as_deref(),
                    Some(n.as_str()),
                    "{name}: unbalanced </{n}>"
                );
            }
            Ok(Event::Empty(e)) => {
                if stack.is_empty() {
                    roots += 1;
                }
                assert_no_external_reference(name, &e);
            }
            Ok(Event::Text(t)) => {
                let s = t.decode().unwrap().to_string();
                let s = quick_xml::escape::unescape(&s)
                    .unwrap_or_else(|e| panic!("{name}: bad entity: {e}"))
                    .to_string();
                if stack.is_empty() {
                    assert!(
                        s.trim().is_empty(),
                        "{name}: text outside the root element: {s:?}"
                    );
                }
                texts.push(s);
            }
            Ok(Event::GeneralRef(r)) => {
                let s = String::from_utf8_lossy(&r).to_string();
                let full = format!("&{s};");
                let un = quick_xml::escape::unescape(&full)
                    .unwrap_or_else(|e| panic!("{name}: bad entity {full}: {e}"));
                texts.push(un.to_string());
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "{name}: not well-formed at {}: {e}",
                reader.buffer_position()
            ),
        }
    }
    assert!(stack.is_empty(), "{name}: unclosed elements {stack:?}");
    assert_eq!(roots, 1, "{name}: expected exactly one root element");
    texts
}

/// No element loads anything: no link, iframe, object, embed or img element, a script only
/// inline (no attribute at all, so no `src`), and no attribute that points elsewhere (`src`,
/// `href`, `xlink:href`, `action`, `data`, `style` with `url(`, `on*` handlers).
fn assert_no_external_reference(name: &str, e: &quick_xml::events::BytesStart) {
    let el = String::from_utf8_lossy(e.name().as_ref()).to_lowercase();
    assert!(
        !["link", "iframe", "object", "embed", "img", "image", "use", "base"]
            .contains(&el.as_str()),
        "{name}: <{el}> element"
    );
    if el == "script" {
        assert_eq!(
            e.attributes().count(),
            0,
            "{name}: <script> with attributes"
        );
    }
    for a in e.attributes() {
        let a = a.unwrap();
        let key = String::from_utf8_lossy(a.key.as_ref()).to_lowercase();
        let val = String::from_utf8_lossy(&a.value).to_lowercase();
        assert!(
            ![
                "src",
                "href",
                "xlink:href",
                "action",
                "data",
                "srcset",
                "poster"
            ]
            .contains(&key.as_str()),
            "{name}: <{el} {key}=...>"
        );
        assert!(
            !key.starts_with("on"),
            "{name}: event handler {key} on <{el}>"
        );
        assert!(!val.contains("url("), "{name}: url( in <{el} {key}>");
    }
}

fn assert_self_contained(name: &str, html: &str) {
    let lower = html.to_lowercase();
    for bad in [
        "http://", "https://", "src=", "href=", "url(", "@import", "<link", "<iframe", "<object",
    ] {
        assert!(!lower.contains(bad), "{name}: HTML report contains `{bad}`");
    }
    // One script: the diagram's selection, inline.
    assert_eq!(
        lower.matches("<script").count(),
        1,
        "{name}: one inline script"
    );
    assert_eq!(
        lower.matches("<script>").count(),
        1,
        "{name}: the script is inline"
    );
}

#[test]
fn markdown_and_json_reports_of_every_example() {
    for path in examples() {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        if stem == "fleet" {
            // Forty sites make a 14 MB snapshot of forty copies of one station; the other tests
            // of this file still render it, and tests/templates.rs checks its Sites table.
            continue;
        }
        let checked = check_path(&path, &opts()).unwrap();
        let rep = report_of(&checked);
        let md = render::to_markdown(&rep).unwrap();
        let json = render::to_json(&rep).unwrap();
        assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
        insta::assert_snapshot!(format!("{stem}.md"), md);
        insta::assert_snapshot!(format!("{stem}.json"), json);
        // Deterministic: a second run gives the same bytes.
        assert_eq!(
            render::to_markdown(&report_of(&check_path(&path, &opts()).unwrap())).unwrap(),
            md
        );
    }
}

#[test]
fn html_report_is_well_formed_and_self_contained() {
    for path in examples() {
        let name = path.display().to_string();
        let checked = check_path(&path, &opts()).unwrap();
        let rep = report_of(&checked);
        let html = render::to_html(&rep).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        assert_self_contained(&name, &html);
        let texts = assert_well_formed(&name, &html).join("\n");
        let model = checked.model.as_ref().unwrap();
        for z in &model.zones {
            assert!(
                texts.contains(&z.name),
                "{name}: zone {} missing from the HTML",
                z.name
            );
        }
        assert!(html.contains("<svg "), "{name}: the diagram is embedded");
    }
}

#[test]
fn svg_is_well_formed_and_names_every_zone_and_conduit() {
    for path in examples() {
        let name = path.display().to_string();
        let checked = check_path(&path, &opts()).unwrap();
        let model = checked.model.as_ref().unwrap();
        let svg =
            fenceline::report::svg::to_svg(model, &fenceline::plan::model_to_ir(model).0, true);
        let texts = assert_well_formed(&name, &svg);
        for z in &model.zones {
            assert!(
                texts.iter().any(|t| t == &z.name),
                "{name}: zone {} not drawn",
                z.name
            );
        }
        for c in &model.conduits {
            assert!(
                texts.iter().any(|t| t.starts_with(&format!("{} ", c.name))
                    || t.starts_with(&format!("{}:", c.name))),
                "{name}: conduit {} not drawn",
                c.name
            );
        }
        assert_eq!(
            fenceline::report::svg::to_svg(model, &fenceline::plan::model_to_ir(model).0, true),
            svg,
            "{name}: deterministic"
        );
        let dot = graph::to_dot(model);
        let mermaid = graph::to_mermaid(model);
        for z in &model.zones {
            assert!(
                dot.contains(&format!("\"zone:{}\"", z.name)),
                "{name}: dot lacks {}",
                z.name
            );
            assert!(
                mermaid.contains(&format!("[\"{}<br/>", z.name)),
                "{name}: mermaid lacks {}",
                z.name
            );
        }
        // Mermaid draws at most 500 lines (its `maxEdges`): past that, it names no conduit
        // and says they are listed in the matrix (the fleet example).
        let undrawn = mermaid.contains("  undrawn[\"");
        assert_eq!(
            undrawn,
            name.ends_with("fleet.fence"),
            "{name}: mermaid conduits undrawn: {undrawn}"
        );
        for c in &model.conduits {
            assert!(dot.contains(&c.name), "{name}: conduit {} missing", c.name);
            assert_eq!(
                mermaid.contains(&format!("\"{} (SL-T", c.name))
                    || mermaid.contains(&format!("\"{}: ", c.name)),
                !undrawn,
                "{name}: conduit {} in mermaid",
                c.name
            );
        }
    }
}

const HOSTILE: &str = r#"policy "evil <b>" {
  description "a <script>alert(1)</script> | table & [link](https://example.com)"
}
zone it {
  description "</td></tr><img src=x onerror=alert(1)>"
  owner "IT & \"Ops\""
  level 4
  sl-target 1
  network 10.1.0.0/16
}
zone ot {
  level 3
  sl-target 2
  network 10.2.0.0/16
  safety
  asset plc 10.2.0.5 { description "PLC | <i>x</i>" }
}
conduit it-ot {
  connects it, ot
  allow it -> ot.plc https
}
firewall fw {
  target nftables
  interface eth0 it
  interface eth1 ot
}
"#;

#[test]
fn policy_text_is_escaped_everywhere() {
    let checked = check_text(
        "hostile.fence",
        Path::new("hostile.fence"),
        HOSTILE.to_string(),
        &opts(),
    );
    assert!(checked.model.is_some(), "{:?}", checked.diagnostics);
    let rep = report_of(&checked);
    let html = render::to_html(&rep).unwrap();
    // The policy's text adds no element: the only script is the report's own.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(!html.contains("<img") && !html.contains("<b>"));
    let texts = assert_well_formed("hostile", &html).join("");
    assert!(
        texts.contains("<script>alert(1)</script>"),
        "text survives escaping intact"
    );
    let md = render::to_markdown(&rep).unwrap();
    assert!(md.contains("\\<img src=x") && md.contains("\\[link\\](https"));
    // Outside the mermaid block (whose `<br/>` fenceline writes itself), every `<` is escaped.
    let mut in_mermaid = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_mermaid = !in_mermaid;
            continue;
        }
        if !in_mermaid {
            let b = line.as_bytes();
            for (i, c) in b.iter().enumerate() {
                assert!(
                    *c != b'<' || (i > 0 && b[i - 1] == b'\\'),
                    "unescaped `<` in markdown: {line}"
                );
            }
        }
    }
    assert!(md.contains("PLC \\| \\<i\\>x\\</i\\>"));
    let svg = fenceline::report::svg::to_svg(
        checked.model.as_ref().unwrap(),
        &fenceline::plan::model_to_ir(checked.model.as_ref().unwrap()).0,
        true,
    );
    assert!(svg.contains("SAFETY"), "safety zones are marked");
    assert_well_formed("hostile svg", &svg);
    let inline = fenceline::report::svg::to_svg(
        checked.model.as_ref().unwrap(),
        &fenceline::plan::model_to_ir(checked.model.as_ref().unwrap()).0,
        false,
    );
    assert!(
        !inline.contains("http://") && !inline.contains("xmlns"),
        "the inline SVG carries no namespace URL"
    );
}

#[test]
fn sl_table_override_changes_what_is_required() {
    let path = Path::new("examples/north-pipeline.fence");
    let checked = check_path(path, &opts()).unwrap();
    let default = report_of(&checked);
    let text = report::sltable::DEFAULT_TOML.replace(
        "id = \"SR 5.1 RE1\"\ntitle = \"Physical network segmentation\"",
        "id = \"SR 5.1 RE1\"\ntitle = \"Physical network segmentation (from SL 3)\"",
    );
    let text = text.replacen(
        "sl1 = false\nsl2 = true\nsl3 = true\nsl4 = true\nrules = [\"FR5-012\"]",
        "sl1 = false\nsl2 = false\nsl3 = true\nsl4 = true\nrules = [\"FR5-012\"]",
        1,
    );
    let table = report::sltable::SlTable::parse(&text, "custom.toml").unwrap();
    let ro = ReportOptions {
        today: None,
        sl_table: table,
        locations: true,
    };
    let custom = report::generate(&checked, &ro).unwrap().unwrap();
    let row = |r: &report::Report, scope: &str| {
        r.fr5
            .iter()
            .find(|a| a.name == scope)
            .unwrap()
            .rows
            .iter()
            .find(|x| x.id == "SR 5.1 RE1")
            .unwrap()
            .clone()
    };
    assert!(
        row(&default, "dmz").required,
        "SL-T 2 requires SR 5.1 RE1 by default"
    );
    assert!(!row(&custom, "dmz").required, "not with the custom table");
    assert!(custom.today.is_none());
    let md = render::to_markdown(&custom).unwrap();
    assert!(md.contains("(from SL 3)") && !md.contains("| Date |"));
}

#[test]
fn build_writes_the_three_reports() {
    let checked = check_path(Path::new("examples/north-pipeline.fence"), &opts()).unwrap();
    let built = fenceline::build::build_checked(&checked, &Default::default())
        .unwrap()
        .unwrap();
    for f in ["report.md", "report.html", "report.json"] {
        assert!(built.outputs.iter().any(|o| o.path == f), "build lacks {f}");
    }
    let manifest = built
        .outputs
        .iter()
        .find(|o| o.path == "manifest.json")
        .unwrap();
    assert!(String::from_utf8_lossy(&manifest.bytes).contains("report.html"));
}

fn fenceline_cli(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn report_and_graph_commands_exit_codes_and_formats() {
    let p = "examples/north-pipeline.fence";
    for (fmt, needle) in [("md", "# "), ("html", "<html"), ("json", "\"version\"")] {
        let (code, out, err) =
            fenceline_cli(&["report", p, "--format", fmt, "--today", "2026-01-01"]);
        assert_eq!(code, 0, "{fmt}: {err}");
        assert!(out.contains(needle), "report --format {fmt}");
    }
    for (fmt, needle) in [
        ("dot", "digraph"),
        ("mermaid", "flowchart"),
        ("svg", "<svg"),
    ] {
        let (code, out, err) = fenceline_cli(&["graph", p, "--format", fmt]);
        assert_eq!(code, 0, "{fmt}: {err}");
        assert!(
            out.contains(needle) || out.contains("graph"),
            "graph --format {fmt}: {}",
            &out[..out.len().min(200)]
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let o = tmp.path().join("r.html");
    let (code, _, _) = fenceline_cli(&["report", p, "--format", "html", "-o", o.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(&o).unwrap().contains("<svg"));
    // A policy without a meaning cannot be reported: exit 2.
    let (code, _, _) = fenceline_cli(&["report", "tests/diagnostics/e0006_zone_overlap.fence"]);
    assert_eq!(code, 2);
    let (code, _, _) = fenceline_cli(&["graph", "no/such.fence"]);
    assert_eq!(code, 2);
}

#[test]
fn large_conduits_are_summarised_in_markdown_and_html_and_listed_in_json() {
    let size = fenceline::synth::Size {
        zones: 3,
        assets_per_zone: 30,
        flows: 1000,
        zones_per_device: 3,
        seed: 7,
    };
    let text = fenceline::synth::policy(&size);
    let checked = check_text("big.fence", Path::new("big.fence"), text, &opts());
    assert!(!checked.has_errors());
    let rep = report_of(&checked);
    let big: Vec<&report::ConduitView> = rep
        .conduits
        .iter()
        .filter(|c| c.flows.len() > render::FLOW_LIST_LIMIT)
        .collect();
    assert!(!big.is_empty(), "the policy has a conduit above the limit");
    let md = render::to_markdown(&rep).unwrap();
    let html = render::to_html(&rep).unwrap();
    for c in &big {
        let summary = format!(
            "{} flows, more than the {} this report lists per conduit",
            c.flows.len(),
            render::FLOW_LIST_LIMIT
        );
        assert!(md.contains(&summary), "markdown summarises {}", c.name);
        assert!(html.contains(&summary), "HTML summarises {}", c.name);
        // No flow row of the summarised conduit in either document.
        let f = &c.flows[0];
        let row = format!("| {} | {} |", f.source, f.destination);
        assert!(!md.contains(&row), "markdown lists a flow of {}", c.name);
        for svc in &c.services {
            assert!(
                md.contains(&format!("| {svc} | ")),
                "per-service count of {svc}"
            );
        }
    }
    assert_self_contained("big", &html);
    assert_well_formed("big", &html);
    // Long evidence lists are cut, saying how many items are left out.
    let cut = rep
        .fr5
        .iter()
        .flat_map(|a| &a.rows)
        .find(|r| r.evidence.len() > render::EVIDENCE_LIST_LIMIT);
    if let Some(r) = cut {
        let more = format!(
            "and {} more (listed in report.json)",
            r.evidence.len() - render::EVIDENCE_LIST_LIMIT
        );
        assert!(md.contains(&more) && html.contains(&more), "{more}");
    }
    // The JSON report keeps every flow.
    let json: serde_json::Value = serde_json::from_str(&render::to_json(&rep).unwrap()).unwrap();
    let listed: usize = json["conduits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["flows"].as_array().unwrap().len())
        .sum();
    assert_eq!(listed, checked.model.as_ref().unwrap().flows.len());
}

#[test]
fn summary_counts_equal_the_lists_they_count_for_every_example() {
    for ex in examples() {
        let checked = check_path(&ex, &opts()).unwrap();
        let rep = report_of(&checked);
        let name = ex.display();
        assert_eq!(
            rep.summary.widenings,
            rep.widenings.len(),
            "{name}: widenings"
        );
        assert_eq!(
            rep.summary.exceptions,
            rep.exceptions.len(),
            "{name}: exceptions"
        );
        let open = |s: fenceline::diagnostic::Severity| {
            rep.findings
                .iter()
                .filter(|f| !f.suppressed && f.severity == s)
                .count()
        };
        assert_eq!(
            rep.summary.errors,
            open(fenceline::diagnostic::Severity::Error),
            "{name}"
        );
        assert_eq!(
            rep.summary.warnings,
            open(fenceline::diagnostic::Severity::Warning),
            "{name}"
        );
    }
}

#[test]
fn builds_report_locates_findings_exceptions_and_widenings_as_the_report_command_does() {
    let tmp = tempfile::tempdir().unwrap();
    let mut total = 0;
    for ex in examples() {
        let p = ex.to_str().unwrap();
        let out = tmp.path().join(ex.file_stem().unwrap());
        let (code, _, err) = fenceline_cli(&["build", p, "-o", out.to_str().unwrap()]);
        assert_eq!(code, 0, "{p}: {err}");
        let built: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        let (code, text, err) = fenceline_cli(&["report", p, "--format", "json"]);
        assert_eq!(code, 0, "{p}: {err}");
        let reported: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut located = 0;
        for list in ["findings", "exceptions", "widenings"] {
            assert_eq!(built[list], reported[list], "{p}: {list}");
            for item in built[list].as_array().unwrap() {
                assert!(
                    item["location"].is_string(),
                    "{p}: {list} without location: {item}"
                );
                located += 1;
            }
        }
        // An example without findings, exceptions or widenings (bottling: its router inspects,
        // its firewalls keep state) has nothing to locate; the others must.
        total += located;
        if located == 0 {
            continue;
        }
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert!(
            md.contains(&format!("{p}:")),
            "{p}: report.md names no location"
        );
    }
    assert!(total > 0, "no example has anything to locate");
}

#[test]
fn the_sl_table_cites_registered_rules_only() {
    let t = fenceline::report::sltable::SlTable::builtin().unwrap();
    let mut unknown = Vec::new();
    for r in &t.requirements {
        for id in &r.rules {
            if !fenceline::lint::rules::ALL.iter().any(|rule| rule.id == id) {
                unknown.push(format!("{}: {id}", r.id));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "the SL table cites unknown rules: {unknown:?}"
    );
}

#[test]
fn island_mode_is_credited_to_iptables_nftables_and_cisco_ios_with_island() {
    let policy = r#"
zone control { description "SCADA"  owner "ops"  level 2  sl-target 3  network 10.30.0.0/24  asset scada 10.30.0.10 }
zone field { description "PLCs"  owner "ops"  level 1  sl-target 3  network 10.40.0.0/24  asset plc 10.40.0.5 }
conduit control-field {
  connects control, field
  allow control.scada -> field.plc modbus
}
firewall fw {
  target TARGET
  interface eth0 control
  interface eth1 field
}
"#;
    for (target, met) in [
        ("iptables", true),
        ("nftables", true),
        ("cisco-ios", false),
        ("cisco-ios\n  island", true),
    ] {
        let text = policy.replace("TARGET", target);
        let text = if target.starts_with("cisco-ios") {
            text.replace("firewall fw", "router fw")
                .replace("eth0", "Gi0/0")
                .replace("eth1", "Gi0/1")
        } else {
            text
        };
        let checked = check_text("p.fence", Path::new("p.fence"), text, &opts());
        let rep = report_of(&checked);
        for a in &rep.fr5 {
            let row = a.rows.iter().find(|r| r.id == "SR 5.2 RE2").unwrap();
            assert!(row.required, "{target}: {} {}", a.kind, a.name);
            let status = row.status == fenceline::report::Status::Met;
            assert_eq!(
                status, met,
                "{target}: {} {}: {:?}",
                a.kind, a.name, row.evidence
            );
            if target.contains("island") {
                assert!(
                    row.evidence
                        .iter()
                        .any(|e| e.contains("event manager run FL-ISLAND-")),
                    "{:?}",
                    row.evidence
                );
            }
        }
        let fr5_014 = checked.diagnostics.iter().any(|d| d.code == "FR5-014");
        assert_eq!(fr5_014, !met, "{target}");
    }
}

/// Policies with what devices say about themselves and the flags issue 15 added: per device
/// its own addresses per interface, cluster nodes and sync link, and its device-level flows
/// (enforcement, lint, exceptions) (`tests/self/plant.fence`); transit zones marked
/// (`tests/lint/fr5_020_transit_below_flow_sl.fence`); one-way services in flow lists
/// (`tests/oneway/one-way.fence`); `via` on flows (`tests/parallel/via.fence`). Markdown and
/// JSON are snapshotted; the HTML is well-formed and says the same.
#[test]
fn reports_of_device_traffic_transit_one_way_and_via() {
    for (fixture, must) in [
        (
            "tests/self/plant.fence",
            &[
                "Device fw-idmz: its own traffic",
                "10.10.0.2 (fw-idmz-a)",
                "fw-idmz-a, fw-idmz-b (one configuration each, identical filtering)",
                "eth3 (VRRP and connection-tracking sync between the nodes, on this interface only)",
                "fw-idmz eth0 -&gt; eth2; rtr-sub GigabitEthernet0/0/0 -&gt; self",
            ][..],
        ),
        (
            "tests/lint/fr5_020_transit_below_flow_sl.fence",
            &["a transit network: carries flows between other zones"][..],
        ),
        ("tests/oneway/one-way.fence", &["(one-way, no reply: "][..]),
        ("tests/parallel/via.fence", &["(via fw-1)"][..]),
    ] {
        let stem = Path::new(fixture)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let checked = check_path(Path::new(fixture), &opts()).unwrap();
        let rep = report_of(&checked);
        let md = render::to_markdown(&rep).unwrap();
        let json = render::to_json(&rep).unwrap();
        let html = render::to_html(&rep).unwrap();
        // The summary counts the device-level flows listed under the devices.
        assert_eq!(
            rep.summary.self_flows,
            rep.devices.iter().map(|d| d.self_flows.len()).sum::<usize>(),
            "{fixture}"
        );
        assert_self_contained(fixture, &html);
        assert_well_formed(fixture, &html);
        for m in must {
            assert!(
                html.replace("&#x2f;", "/").contains(m),
                "{fixture}: HTML lacks {m}"
            );
            let plain = m.replace("-&gt;", "-\\>");
            assert!(md.contains(&plain), "{fixture}: Markdown lacks {plain}");
        }
        insta::assert_snapshot!(format!("issue15-{stem}.md"), md);
        insta::assert_snapshot!(format!("issue15-{stem}.json"), json);
    }
}

/// Every SL-A "met" rests on a fact fenceline proved and names: a requirement of the SR-to-SL
/// table that the FR 5 section of the same report shows met for the same zone or conduit. FRs
/// other than RDF are never "met" (fenceline proves nothing about them), and an FR whose
/// capability nobody declared is never "declared".
#[test]
fn every_sl_a_met_is_backed_by_a_named_fact() {
    let mut met = 0;
    for path in examples() {
        let checked = check_path(&path, &opts()).unwrap();
        let rep = report_of(&checked);
        for s in &rep.assessment.scopes {
            let fr5 = rep
                .fr5
                .iter()
                .find(|a| a.kind == s.kind && a.name == s.name)
                .unwrap_or_else(|| panic!("{}: no FR 5 assessment of {}", path.display(), s.name));
            for f in &s.frs {
                let at = format!("{}: {} {} {}", path.display(), s.kind, s.name, f.fr);
                if f.fr != "RDF" {
                    assert_ne!(f.status, "met", "{at}: only FR 5 can be met");
                }
                if f.sl_c.is_none() && f.fr != "RDF" {
                    assert_eq!(f.status, "not assessed", "{at}: nothing declared");
                    assert_eq!(f.sl_a, None, "{at}");
                }
                if f.status != "met" {
                    continue;
                }
                met += 1;
                assert!(f.sl_a.is_some_and(|a| a >= f.sl_t), "{at}: met below SL-T");
                let named: Vec<&str> = f
                    .facts
                    .iter()
                    .filter_map(|x| x.split(" met").next())
                    .filter(|id| {
                        fr5.rows
                            .iter()
                            .any(|r| r.id == *id && r.status == report::Status::Met)
                    })
                    .collect();
                assert!(
                    !named.is_empty(),
                    "{at}: met without a named FR 5 requirement shown met: {:?}",
                    f.facts
                );
            }
        }
    }
    assert!(
        met > 0,
        "no example meets any SL-T: the test would prove nothing"
    );
}

/// The risk register, the SL-T rationale and the approval block say the same in markdown, HTML
/// and JSON.
#[test]
fn the_assessment_reads_the_same_in_every_format() {
    let checked = check_path(Path::new("examples/north-pipeline.fence"), &opts()).unwrap();
    let rep = report_of(&checked);
    let (md, html) = render::to_markdown_and_html(&rep).unwrap();
    let json: serde_json::Value = serde_json::from_str(&render::to_json(&rep).unwrap()).unwrap();
    let a = &json["assessment"];
    assert_eq!(a["revision"], "2026-12-01 r3");
    assert_eq!(a["approved_by"], "Pipeline OT security lead");
    assert_eq!(a["matrix"]["name"], "default-5x5");
    let risks = a["risks"].as_array().unwrap();
    assert_eq!(risks.len(), 4);
    for r in risks {
        for key in ["name", "residual"] {
            let v = r[key].as_str().unwrap();
            assert!(md.contains(&v.replace('<', "\\<")), "markdown lacks {v}");
            assert!(html.contains(&v.replace('<', "&lt;")), "HTML lacks {v}");
        }
    }
    for text in [
        "Revision",
        "Approved by",
        "Risk register",
        "SL-T rationale",
        "Control centre, building A, room 1.12",
        "NERC-CIP",
        "external",
    ] {
        assert!(md.contains(text) && html.contains(text), "{text}");
    }
    for s in a["scopes"].as_array().unwrap() {
        for f in s["frs"].as_array().unwrap() {
            let row = format!(
                "| {} {} | {} | {} |",
                s["kind"].as_str().unwrap(),
                s["name"].as_str().unwrap(),
                f["fr"].as_str().unwrap(),
                f["sl_t"]
            );
            assert!(md.contains(&row), "markdown lacks {row}");
        }
    }
}

/// A matrix of fenceline.toml: the policy names it, its cells give the required SL, and a score
/// off it is E0051; a matrix the configuration does not declare is E0050.
#[test]
fn a_risk_matrix_from_the_configuration_derives_the_required_sl() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fenceline.toml"),
        "[risk-matrix.small]\ndescription = \"three by two\"\nsl = [[1, 2], [2, 3], [3, 4]]\n",
    )
    .unwrap();
    let policy = |matrix: &str, l: u8, c: u8| {
        format!(
            "policy \"p\" {{ risk-matrix \"{matrix}\" }}\nzone a {{ level 3.5  sl-target 2  network 10.1.0.0/24 }}\nzone b {{\n  level 3\n  sl-target 3\n  network 10.2.0.0/24\n  risk r {{\n    likelihood {l}\n    consequence {c}\n    fr rdf\n  }}\n}}\nconduit ab {{\n  connects a, b\n  allow a -> b https\n}}\nfirewall fw {{\n  target nftables\n  interface eth0 a\n  interface eth1 b\n}}\n"
        )
    };
    let run = |text: String| {
        let p = dir.path().join("p.fence");
        std::fs::write(&p, text).unwrap();
        let p = p.to_string_lossy().to_string();
        // Findings are written to standard error.
        let (code, out, err) =
            fenceline_cli(&["check", "--format", "concise", "--today", TODAY, &p]);
        (code, format!("{out}{err}"), err)
    };
    // 3 x 2 requires SL 4 on `small`: above the SL-T 3.
    let (code, out, _) = run(policy("small", 3, 2));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[RSK-001]: risk `r` requires SL 4 in zone `b`"),
        "{out}"
    );
    // 2 x 2 requires SL 3: no finding.
    let (code, out, _) = run(policy("small", 2, 2));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("RSK-001"), "{out}");
    // Off the 3 x 2 matrix.
    let (code, out, _) = run(policy("small", 2, 3));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[E0051]: consequence 3 of risk `r` is outside the risk matrix `small`"),
        "{out}"
    );
    // Not declared anywhere.
    let (code, out, _) = run(policy("large", 2, 2));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[E0050]: unknown risk matrix `large`"),
        "{out}"
    );
    // A ragged matrix is refused when the configuration is read (exit 2).
    std::fs::write(
        dir.path().join("fenceline.toml"),
        "[risk-matrix.small]\nsl = [[1, 2], [2]]\n",
    )
    .unwrap();
    let (code, _, err) = run(policy("small", 1, 1));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("row 2 has 1 columns"), "{err}");
}

/// docs/report.md tells the auditor to print the HTML report to PDF with a browser: Debian's
/// Chromium, headless, prints it (the report is self-contained, so nothing is fetched). Skipped
/// without Chromium; with `CI=true` (`.ci/run` installs it) a failure.
#[test]
fn the_html_report_prints_to_pdf_in_headless_chromium() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        assert!(!ci, "CI=true: no chromium to print the report with");
        eprintln!("SKIPPED: no chromium (CI=true makes this a failure)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let checked = check_path(Path::new("examples/north-pipeline.fence"), &opts()).unwrap();
    let html = render::to_html(&report_of(&checked)).unwrap();
    let input = dir.path().join("report.html");
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&input, html).unwrap();
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", input.display()))
        .output()
        .unwrap();
    let bytes = std::fs::read(&pdf).unwrap_or_default();
    assert!(
        bytes.starts_with(b"%PDF-") && bytes.len() > 20_000,
        "no PDF printed ({} bytes): {}",
        bytes.len(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A conduit's risks (issue 19): the conduit requires, per FR, the highest SL of its risks; the
/// register lists them beside the zones' with their residual risk; the SL-T rationale names
/// them. An asset's `capability` lowers its zone's SL-C and never makes an FR the devices leave
/// undeclared "declared". The three formats say the same.
#[test]
fn conduit_risks_and_asset_capabilities_in_the_assessment() {
    let fixture = "tests/report/assessment.fence";
    let checked = check_path(Path::new(fixture), &opts()).unwrap();
    let rep = report_of(&checked);
    let (md, html) = render::to_markdown_and_html(&rep).unwrap();
    let json: serde_json::Value = serde_json::from_str(&render::to_json(&rep).unwrap()).unwrap();
    let a = &json["assessment"];
    let scope = |kind: &str, name: &str| {
        a["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == kind && s["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
            .clone()
    };
    let fr = |s: &serde_json::Value, fr: &str| {
        s["frs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["fr"] == fr)
            .unwrap()
            .clone()
    };
    // The conduit's risk: likelihood 3 x consequence 4 requires SL 3 in IAC and UC.
    let conduit = scope("conduit", "office-scada");
    for f in ["IAC", "UC"] {
        assert_eq!(fr(&conduit, f)["required"], 3, "{f}");
        assert_eq!(fr(&conduit, f)["required_by"], "session-hijack", "{f}");
    }
    assert_eq!(fr(&conduit, "RDF")["required"], serde_json::Value::Null);
    assert_eq!(
        conduit["rationale"][0],
        "IAC: SL-T 3; risk `session-hijack` requires SL 3"
    );
    let risks = a["risks"].as_array().unwrap();
    assert_eq!(risks.len(), 2);
    let hijack = risks
        .iter()
        .find(|r| r["name"] == "session-hijack")
        .unwrap();
    assert_eq!(hijack["conduit"], "office-scada");
    assert!(hijack.get("zone").is_none(), "{hijack}");
    assert_eq!(hijack["required"], 3);
    assert_eq!(
        hijack["mitigated_by"],
        serde_json::json!(["fw", "conduit office-scada"])
    );
    assert_eq!(
        hijack["residual"],
        "not shown reduced in IAC (SL-A 2 < 3), UC (SL-A 2 < 3)"
    );
    assert_eq!(a["summary"]["risks"], 2);
    assert_eq!(a["summary"]["zones_with_risks"], 1);
    assert_eq!(a["summary"]["conduits_with_risks"], 1);
    // The zone's SL-C: fw declares IAC 2, plc-1 IAC 1: the lower counts. plc-1 declares DC 3,
    // fw no DC: still not declared, not assessed.
    let scada = scope("zone", "scada");
    assert_eq!(fr(&scada, "IAC")["sl_c"], 1);
    assert_eq!(fr(&scada, "IAC")["sl_c_text"], "1 (fw; assets plc-1)");
    assert_eq!(fr(&scada, "IAC")["status"], "below SL-T");
    assert_eq!(fr(&scada, "SI")["sl_c_text"], "2 (fw)");
    assert_eq!(fr(&scada, "DC")["sl_c"], serde_json::Value::Null);
    assert_eq!(fr(&scada, "DC")["status"], "not assessed");
    // The conduit's SL-C is its devices' only.
    assert_eq!(fr(&conduit, "IAC")["sl_c_text"], "2 (fw)");
    for text in [
        "| conduit office-scada | session-hijack | A remote session taken over between the office and the HMI | 3 | 4 | 3 | IAC, UC | fw, conduit office-scada |",
        "| zone scada | IAC | 2 | 2 (ransomware) | 1 (fw; assets plc-1) | 1 | below SL-T | 1 |",
        "| conduit office-scada | UC | 3 | 3 (session-hijack) | 2 (fw) |",
        "- conduit office-scada: IAC: SL-T 3; risk \\`session-hijack\\` requires SL 3",
        "| Risks recorded (zones with risks; conduits with risks) | 2 (1 of 2; 1 of 1) |",
    ] {
        assert!(md.contains(text), "markdown lacks {text}");
    }
    for text in [
        "<tr><td>conduit office-scada</td><td>session-hijack</td>",
        "<td>1 (fw; assets plc-1)</td>",
        "<li>conduit office-scada: IAC: SL-T 3; risk `session-hijack` requires SL 3",
        "<td>2 (1 of 2; 1 of 1)</td>",
    ] {
        assert!(html.contains(text), "HTML lacks {text}");
    }
    assert_well_formed(fixture, &html);
    insta::assert_snapshot!("issue19-assessment.md", md);
}

/// ZCR 6.4 h: every access point of every zone (the interfaces of ZCR 6.4 f, the switch ports
/// of g) with the flows that cross it, the same in markdown, HTML and JSON, on every example
/// and on the fixture; on the fixture, exactly the flows of the one conduit.
#[test]
fn data_flows_per_access_point_read_the_same_in_every_format() {
    let mut points = 0;
    let mut paths = examples();
    paths.push(PathBuf::from("tests/report/assessment.fence"));
    for path in paths {
        let checked = check_path(&path, &opts()).unwrap();
        let rep = report_of(&checked);
        let (md, html) = render::to_markdown_and_html(&rep).unwrap();
        let html = html.replace("&#x2f;", "/");
        let json: serde_json::Value =
            serde_json::from_str(&render::to_json(&rep).unwrap()).unwrap();
        let zones = json["access_points"].as_array().unwrap();
        assert_eq!(zones.len(), rep.zones.len(), "{}", path.display());
        for (z, view) in zones.iter().zip(&rep.zones) {
            assert_eq!(z["zone"], view.name.as_str());
            let listed: Vec<&str> = z["points"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["point"].as_str().unwrap())
                .collect();
            // The access points are exactly those ZCR 6.4 f and g list.
            let mut expected: Vec<&str> = view
                .boundary
                .iter()
                .chain(&view.switch_ports)
                .map(String::as_str)
                .collect();
            expected.sort();
            let mut sorted = listed.clone();
            sorted.sort();
            assert_eq!(sorted, expected, "{}: zone {}", path.display(), view.name);
            for p in z["points"].as_array().unwrap() {
                points += 1;
                let point = p["point"].as_str().unwrap();
                assert!(
                    md.contains(&format!("| {} | ", render::md_escape(point)))
                        && html.contains(&format!("<tr><td>{point}</td>")),
                    "{}: access point {point} missing",
                    path.display()
                );
                for f in p["flows"].as_array().unwrap().iter().take(20) {
                    let f = f.as_str().unwrap();
                    assert!(
                        md.contains(&render::md_escape(f)),
                        "{}: markdown lacks {f} at {point}",
                        path.display()
                    );
                    assert!(
                        html.contains(&format!(
                            "<li>{}</li>",
                            f.replace('>', "&gt;").replace('<', "&lt;")
                        )),
                        "{}: HTML lacks {f} at {point}",
                        path.display()
                    );
                }
            }
        }
        if path.ends_with("assessment.fence") {
            let scada = zones.iter().find(|z| z["zone"] == "scada").unwrap();
            let both = serde_json::json!([
                "office -> scada.hmi https (conduit office-scada)",
                "scada.plc-1 -> office syslog (conduit office-scada)"
            ]);
            assert_eq!(scada["points"][0]["point"], "fw eth1");
            assert_eq!(scada["points"][0]["kind"], "interface");
            assert_eq!(scada["points"][0]["flows"], both);
            assert_eq!(
                scada["points"][1]["point"],
                "sw GigabitEthernet1/0/1 (access)"
            );
            assert_eq!(scada["points"][1]["kind"], "switch port");
            assert_eq!(scada["points"][1]["flows"], both);
            assert!(scada["points"][1]["note"].is_string());
        }
    }
    assert!(points > 10, "too few access points to prove anything");
}

/// `fenceline report --format pdf -o FILE` prints the HTML report with headless Chromium; with
/// no Chromium it exits 2 naming the package, and without `-o` it exits 2 before reading the
/// policy. The printing part is skipped without Chromium; with `CI=true` (`.ci/run` installs
/// it) a failure.
#[test]
fn report_format_pdf_prints_with_chromium_or_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let p = "examples/north-pipeline.fence";
    let out = dir.path().join("report.pdf");
    let out_s = out.to_string_lossy().to_string();
    let (code, _, err) = fenceline_cli(&["report", p, "--format", "pdf"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`--format pdf` needs `-o FILE`"), "{err}");
    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(["report", p, "--format", "pdf", "-o", &out_s])
        .env("FENCELINE_CHROMIUM", dir.path().join("no-such-chromium"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{err}");
    assert!(err.contains("install Debian's `chromium` package"), "{err}");
    assert!(!out.exists(), "a PDF was written without a browser");

    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let has_chromium = ["chromium", "chromium-browser"].into_iter().any(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !has_chromium {
        assert!(!ci, "CI=true: no chromium to print the report with");
        eprintln!("SKIPPED: no chromium (CI=true makes this a failure)");
        return;
    }
    let (code, _, err) = fenceline_cli(&["report", p, "--format", "pdf", "-o", &out_s]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"%PDF-") && bytes.len() > 20_000,
        "not a PDF report: {} bytes",
        bytes.len()
    );
    // The report's text is in the PDF: pdftotext (poppler-utils) reads it back where installed.
    if let Ok(text) = std::process::Command::new("pdftotext")
        .arg(&out)
        .arg("-")
        .output()
    {
        if text.status.success() {
            let text = String::from_utf8_lossy(&text.stdout);
            for must in [
                "Conformance report: north-pipeline",
                "Risk register",
                "Access point",
            ] {
                assert!(text.contains(must), "the PDF lacks {must}");
            }
        }
    }
}

/// Chromium and python3 to drive it with (`tests/chromium/diagram_select.py`): the browser's
/// command, or `None` after saying the test is skipped (a failure with `CI=true`).
fn chromium_to_drive() -> Option<&'static str> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let found = |c: &str| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let Some(chromium) = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| found(c))
    else {
        assert!(!ci, "CI=true: no chromium to drive the report with");
        eprintln!("SKIPPED: no chromium (CI=true makes this a failure)");
        return None;
    };
    if !found("python3") {
        assert!(!ci, "CI=true: no python3 to drive chromium with");
        eprintln!("SKIPPED: no python3 (CI=true makes this a failure)");
        return None;
    }
    Some(chromium)
}

/// Opens `html` in headless Chromium, clicks zone `zone` and then conduit `conduit`
/// (`tests/chromium/diagram_select.py`), saves a screenshot to `shot` and returns what the
/// script saw after each click.
fn click_in_chromium(
    chromium: &str,
    html: &str,
    shot: &Path,
    (zone, conduit): (&str, &str),
) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("report.html");
    std::fs::write(&input, html).unwrap();
    let _ = std::fs::remove_file(shot);
    let out = std::process::Command::new("python3")
        .arg("tests/chromium/diagram_select.py")
        .arg(chromium)
        .arg(&input)
        .arg(shot)
        .arg(dir.path().join("profile"))
        .arg(format!("zone:{zone}"))
        .arg(format!("conduit:{conduit}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "diagram_select.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The HTML report's diagram is interactive without any network: in headless Chromium (driven
/// over the DevTools protocol on a pipe by tests/chromium/diagram_select.py, standard library
/// only, nothing downloaded), a mouse click on a zone and then on a conduit's label highlights
/// exactly that zone's or conduit's lines, labels, flow rows and findings. Also checks that every
/// label's text fits the box the layout computed for it, and saves a screenshot of the diagram
/// (`target/tmp/diagram-select.png`; docs/report-diagram.png is one). Skipped without Chromium
/// or python3; with `CI=true` a failure.
#[test]
fn the_html_diagram_selects_zones_and_conduits_in_headless_chromium() {
    let Some(chromium) = chromium_to_drive() else {
        return;
    };
    let checked = check_path(Path::new("examples/water-treatment.fence"), &opts()).unwrap();
    let model = checked.model.as_ref().unwrap();
    let rep = report_of(&checked);
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diagram-select.png");
    let (zone, conduit) = ("scada", "site-ops-scada");
    let seen = click_in_chromium(
        chromium,
        &render::to_html(&rep).unwrap(),
        &shot,
        (zone, conduit),
    );
    assert_eq!(
        seen["label_overflow"],
        serde_json::json!([]),
        "label text wider than its box"
    );

    let zone_of = |e: &str| e.split('.').next().unwrap_or("").to_string();
    let names = |v: &serde_json::Value| -> Vec<String> {
        let mut v: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // What the report says each selection covers.
    let flows_where = |keep: &dyn Fn(&str, &str, &str) -> bool| {
        sorted(
            rep.conduits
                .iter()
                .flat_map(|c| {
                    c.flows.iter().map(move |f| {
                        (
                            c.name.clone(),
                            f.source.to_string(),
                            f.destination.to_string(),
                        )
                    })
                })
                .filter(|(c, s, d)| keep(c, s, d))
                .map(|(c, s, d)| format!("{c} {s} {d}"))
                .collect(),
        )
    };
    let conduits_of_zone: Vec<String> = sorted(
        model
            .conduits
            .iter()
            .filter(|c| c.zones.iter().any(|z| model.zone(*z).name == zone))
            .map(|c| c.name.clone())
            .collect(),
    );
    let findings_about = |key: fn(&report::FindingScope) -> &String, name: &str| {
        rep.finding_scopes
            .iter()
            .filter(|s| key(s).split(' ').any(|n| n == name))
            .count()
    };

    let z = &seen["clicks"][0];
    assert_eq!(
        (z["kind"].as_str(), z["name"].as_str()),
        (Some("zone"), Some(zone))
    );
    assert_eq!(names(&z["zones"]), vec![zone.to_string()]);
    assert_eq!(names(&z["conduits"]), conduits_of_zone);
    assert_eq!(names(&z["labels"]), conduits_of_zone);
    let want = flows_where(&|_, s, d| zone_of(s) == zone || zone_of(d) == zone);
    assert!(!want.is_empty());
    assert_eq!(names(&z["flows"]), want);
    let n = findings_about(|s| &s.zones, zone);
    assert!(n > 0, "the example has findings about `{zone}`");
    assert_eq!(z["findings"].as_u64(), Some(n as u64));
    assert_eq!(names(&z["headings"]), vec![format!("zone-{zone}")]);

    let c = &seen["clicks"][1];
    assert_eq!(
        (c["kind"].as_str(), c["name"].as_str()),
        (Some("conduit"), Some(conduit))
    );
    assert_eq!(names(&c["conduits"]), vec![conduit.to_string()]);
    assert_eq!(names(&c["labels"]), vec![conduit.to_string()]);
    let cd = model.conduits.iter().find(|c| c.name == conduit).unwrap();
    assert_eq!(
        names(&c["zones"]),
        sorted(
            cd.zones
                .iter()
                .map(|z| model.zone(*z).name.clone())
                .collect()
        )
    );
    let want = flows_where(&|name, _, _| name == conduit);
    assert_eq!(want.len(), cd.flows.len());
    assert_eq!(names(&c["flows"]), want);
    assert_eq!(
        c["findings"].as_u64(),
        Some(findings_about(|s| &s.conduits, conduit) as u64)
    );
    assert_eq!(names(&c["headings"]), vec![format!("conduit-{conduit}")]);

    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot of {} bytes",
        png.len()
    );
}

/// A central firewall's policy of 24 zones and a conduit for every pair of them (276 conduits,
/// above [`render::COMPACT_CONDUITS`]): 23 control zones and one level-4 zone `it`, whose
/// conduit to `z00` declares SL-T 3 so that it falls short twice: SR 5.1 RE2 (required at
/// SL 3) is not met by a conduit that joins level 4 to a control zone, and the firewall's
/// declared SL-C(IAC) 2 is below its SL-T 3.
fn central_firewall_policy() -> String {
    use std::fmt::Write;
    let mut zones: Vec<String> = (0..23).map(|i| format!("z{i:02}")).collect();
    zones.insert(0, "it".into());
    let mut s = String::from("policy \"central\" {\n}\n\nservice s1 tcp/1000\n\n");
    for (i, z) in zones.iter().enumerate() {
        let level = if z == "it" { 4 } else { 3 };
        let _ = writeln!(
            s,
            "zone {z} {{\n  level {level}\n  sl-target 2\n  network 10.0.{i}.0/24\n}}\n"
        );
    }
    s.push_str("firewall fw {\n  target nftables\n");
    s.push_str("  capability { iac 2  uc 2  si 2  dc 2  rdf 3  tre 2  ra 2 }\n");
    for (i, z) in zones.iter().enumerate() {
        let _ = writeln!(s, "  interface eth{i} {z}");
    }
    s.push_str("}\n\n");
    for (i, a) in zones.iter().enumerate() {
        for b in &zones[i + 1..] {
            let sl = if (a.as_str(), b.as_str()) == ("it", "z00") {
                3
            } else {
                2
            };
            let _ = writeln!(
                s,
                "conduit c-{a}-{b} {{\n  connects {a}, {b}\n  sl-target {sl}\n  allow {a} -> {b} s1\n}}\n"
            );
        }
    }
    s
}

#[test]
fn a_report_of_many_conduits_is_compact_in_markdown_and_html_and_full_in_json() {
    let checked = check_text(
        "central.fence",
        Path::new("central.fence"),
        central_firewall_policy(),
        &opts(),
    );
    // The conduits of `it` to the control zones are FR5-002 errors; the report lists them.
    let fr5_002 = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "FR5-002")
        .count();
    assert_eq!(fr5_002, 23);
    let rep = report_of(&checked);
    assert_eq!(rep.conduits.len(), 276);
    assert!(rep.conduits.len() > render::COMPACT_CONDUITS);
    let (md, html) = render::to_markdown_and_html(&rep).unwrap();
    let heading = format!(
        "276 conduits, more than the {} this report describes one by one",
        render::COMPACT_CONDUITS
    );
    assert!(md.contains(&heading) && html.contains(&heading));

    // One row per conduit, no section per conduit.
    let sections = |md: &str, h: &str| md.lines().filter(|l| l.starts_with(h)).count();
    assert_eq!(
        sections(&md, "### Conduit "),
        0,
        "a conduit section in compact markdown"
    );
    for c in &rep.conduits {
        let row = format!("| {} | {} | ", c.name, c.zones.join(", "));
        assert_eq!(md.matches(&row).count(), 1, "one compact row of {}", c.name);
        assert!(
            html.contains(&format!("id=\"conduit-{}\"", c.name)),
            "{}",
            c.name
        );
    }
    // The conduits that fall short, and only they, in full: the 23 of `it` (FR5-002 leaves SR
    // 5.1 and SR 5.2 not met); a compact row's FR 5 cell names what is not met.
    assert!(md.contains(
        "| c-it-z00 | it, z00 | 3 | 1 | s1 | 0 | 0 | 0 | fw | SR 5.1 not met, SR 5.1 RE2 not met, SR 5.2 not met |"
    ));
    assert!(md.contains("| c-z00-z01 | z00, z01 | 2 | 1 | s1 | 0 | 0 | 0 | fw | met |"));
    assert_eq!(sections(&md, "#### Conduit c-it-z"), 23);
    assert_eq!(sections(&md, "#### Conduit "), 23);
    assert!(md.contains("#### Conduit c-it-z00: SL-T(RDF) 3"));
    assert!(html.contains("<h4>Conduit c-it-z00: SL-T(RDF) 3</h4>"));
    // The counts per requirement agree with the full assessment.
    let conduit_rows = |id: &str| -> Vec<&report::fr5::Row> {
        rep.fr5
            .iter()
            .filter(|a| a.kind == "conduit")
            .flat_map(|a| a.rows.iter().filter(|r| r.id == id))
            .collect()
    };
    let re2 = conduit_rows("SR 5.1 RE2");
    let required = re2.iter().filter(|r| r.required).count();
    let met = re2
        .iter()
        .filter(|r| r.status == report::Status::Met)
        .count();
    assert_eq!((required, met), (1, 253));
    assert!(md.contains(
        "| SR 5.1 RE2 | Independence from non-control system networks | 1 | 253 | 23 | 0 | 0 | 1 |"
    ));
    // Zones stay in full: their FR 5 tables and SL rows.
    for z in &rep.zones {
        assert!(md.contains(&format!("### Zone {}: SL-T(RDF)", z.name)));
        assert!(md.contains(&format!("| zone {} | IAC |", z.name)));
    }
    // SL-A: the conduit below its SL-T in full, the others counted.
    assert_eq!(
        sections(&md, "| conduit "),
        23 * 7,
        "the seven FR rows of each conduit of `it` (RDF below: SR 5.1 and SR 5.2 not met)"
    );
    assert!(md.contains("| conduit c-it-z00 | IAC | 3 |"));
    let below_iac = rep
        .assessment
        .scopes
        .iter()
        .filter(|s| s.kind == "conduit")
        .filter(|s| {
            s.frs
                .iter()
                .any(|f| f.fr == "IAC" && f.status == "below SL-T")
        })
        .count();
    assert_eq!(below_iac, 1);
    assert!(
        md.contains("| IAC | 0 | 1 | 275 | 0 |"),
        "IAC: 1 below, 275 declared"
    );
    assert!(
        md.contains("| RDF | 0 | 23 | 253 | 0 |"),
        "RDF: 23 below, 253 declared"
    );
    assert_self_contained("central", &html);
    assert_well_formed("central", &html);

    // The full layout on request: every conduit's section.
    let full = render::to_markdown_in(&rep, render::Layout::Full).unwrap();
    // Each conduit's section and its FR 5 table.
    assert_eq!(sections(&full, "### Conduit "), 2 * 276);
    assert!(!full.contains("more than the 250 this report describes"));
    // report.json is the same in both: every conduit with its flows.
    let json: serde_json::Value = serde_json::from_str(&render::to_json(&rep).unwrap()).unwrap();
    assert_eq!(json["conduits"].as_array().unwrap().len(), 276);
    assert_eq!(json["fr5"].as_array().unwrap().len(), 24 + 276);
    // Serialised apart (the form of a report of many flows), the conduits are the same bytes,
    // in as many waves as there are threads (276 conduits: 9 chunks of 32).
    let whole = whole_json(&rep);
    for threads in [1, 2, 4, 16] {
        let mut apart = Vec::new();
        report::json::write_apart(&rep, &mut apart, threads).unwrap();
        assert!(apart == whole, "apart on {threads} threads differs");
    }
}

/// `report.json` serialised in one pass, without its final line break; checked against
/// serde_json's own serialisation: the same JSON value.
fn whole_json(rep: &report::Report) -> Vec<u8> {
    let mut text = render::to_json(rep).unwrap().into_bytes();
    assert_eq!(text.pop(), Some(b'\n'));
    let ours: serde_json::Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(ours, serde_json::to_value(rep).unwrap());
    text
}

/// Every example's report.json written with its conduits apart is the one written in one pass.
#[test]
fn report_json_with_the_conduits_apart_is_byte_identical() {
    for path in examples() {
        let rep = report_of(&check_path(&path, &opts()).unwrap());
        let whole = whole_json(&rep);
        let mut apart = Vec::new();
        report::json::write_apart(&rep, &mut apart, 2).unwrap();
        assert!(apart == whole, "{}: differs", path.display());
        // After it, this thread serialises the conduits again.
        assert_eq!(whole_json(&rep), whole);
    }
    // No conduit at all: the empty array, as serde_json writes it.
    let checked = check_text(
        "empty.fence",
        Path::new("empty.fence"),
        "policy \"p\" {}\nzone a {\n  level 3\n  sl-target 1\n  network 10.0.0.0/24\n}\n".into(),
        &opts(),
    );
    let rep = report_of(&checked);
    assert!(rep.conduits.is_empty());
    let mut apart = Vec::new();
    report::json::write_apart(&rep, &mut apart, 2).unwrap();
    assert_eq!(
        String::from_utf8(apart).unwrap(),
        String::from_utf8(whole_json(&rep)).unwrap()
    );
}

#[test]
fn build_writes_the_compact_report_and_report_full_writes_every_conduit() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("central.fence");
    std::fs::write(&policy, central_firewall_policy()).unwrap();
    let p = policy.to_str().unwrap();
    let (code, md, err) = fenceline_cli(&["report", p, "--today", TODAY]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("276 conduits, more than the 250"));
    let (code, full, err) = fenceline_cli(&["report", p, "--full", "--today", TODAY]);
    assert_eq!(code, 0, "{err}");
    assert!(!full.contains("276 conduits, more than the 250"));
    assert_eq!(
        full.lines()
            .filter(|l| l.starts_with("### Conduit c-z00-z01"))
            .count(),
        2,
        "the section and the FR 5 table of c-z00-z01"
    );
    let (code, html, err) = fenceline_cli(&["report", p, "--format", "html", "--full"]);
    assert_eq!(code, 0, "{err}");
    assert!(html.contains("<h3 id=\"conduit-c-z00-z01\">Conduit c-z00-z01</h3>"));

    // `build` writes the compact layout (the same policy with `it` at level 3: no FR5-002).
    let clean = tmp.path().join("clean.fence");
    std::fs::write(
        &clean,
        central_firewall_policy().replace("level 4", "level 3"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (code, _, err) = fenceline_cli(&[
        "build",
        clean.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| c-z00-z01 | z00, z01 | 2 | 1 | s1 | 0 | 0 | 0 | fw | met |"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"conduit-c-z00-z01\" data-conduit=\"c-z00-z01\""));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["conduits"].as_array().unwrap().len(), 276);
}

#[test]
fn the_compact_report_highlights_the_rows_of_a_selection_in_headless_chromium() {
    let Some(chromium) = chromium_to_drive() else {
        return;
    };
    let checked = check_text(
        "central.fence",
        Path::new("central.fence"),
        central_firewall_policy(),
        &opts(),
    );
    let rep = report_of(&checked);
    let html = render::to_html(&rep).unwrap();
    assert!(html.contains("class=\"conduit-row\""), "the compact layout");
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compact-select.png");
    let seen = click_in_chromium(chromium, &html, &shot, ("z05", "c-z00-z01"));
    let rows = |click: usize| -> Vec<String> {
        let mut v: Vec<String> = seen["clicks"][click]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    // A zone: the rows of its 23 conduits, and their flows counted (one each).
    let mut of_z05: Vec<String> = rep
        .conduits
        .iter()
        .filter(|c| c.zones.iter().any(|z| z == "z05"))
        .map(|c| c.name.clone())
        .collect();
    of_z05.sort();
    assert_eq!(of_z05.len(), 23);
    assert_eq!(rows(0), of_z05);
    let status = seen["clicks"][0]["status"].as_str().unwrap();
    assert!(status.starts_with("zone z05: 23 flows"), "{status}");
    // A conduit: its own row only.
    assert_eq!(rows(1), vec!["c-z00-z01".to_string()]);
    let status = seen["clicks"][1]["status"].as_str().unwrap();
    assert!(status.starts_with("conduit c-z00-z01: 1 flow,"), "{status}");
}
