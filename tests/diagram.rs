//! The SVG zone diagram's geometry (`report::diagram`), on every example and on a 40-zone
//! synthetic plant: no two label boxes intersect; no label box is crossed by a line of a conduit
//! it does not belong to, or covers a zone box, a device shape or a hub; every device that
//! enforces a conduit sits on that conduit's line; lines cross no zone box but their own.

use fenceline::driver::{check_path, check_text, CheckOptions};
use fenceline::plan::model_to_ir;
use fenceline::report::diagram::{self, Diagram, Rect};
use fenceline::Model;
use std::path::PathBuf;

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

fn describe(r: &Rect) -> String {
    format!("({}, {}, {}x{})", r.x, r.y, r.w, r.h)
}

/// Every violation of the diagram's promises, as sentences.
fn violations(model: &Model, d: &Diagram) -> Vec<String> {
    let mut out = Vec::new();
    let labels: Vec<(&str, Rect)> = d
        .edges
        .iter()
        .map(|e| (e.name.as_str(), e.label.rect))
        .collect();
    for (i, (a, ra)) in labels.iter().enumerate() {
        for (b, rb) in &labels[i + 1..] {
            if ra.intersects(rb) {
                out.push(format!(
                    "labels of `{a}` {} and `{b}` {} intersect",
                    describe(ra),
                    describe(rb)
                ));
            }
        }
        for e in &d.edges {
            if e.name != *a {
                if let Some(s) = e.segments.iter().find(|s| ra.crossed_by(s)) {
                    out.push(format!(
                        "label of `{a}` {} is crossed by conduit `{}` at {:?}-{:?}",
                        describe(ra),
                        e.name,
                        s.a,
                        s.b
                    ));
                }
            }
            for o in e.obstacles() {
                if ra.intersects(&o) {
                    out.push(format!(
                        "label of `{a}` covers a device or hub of `{}`",
                        e.name
                    ));
                }
            }
        }
        for z in &d.zones {
            if ra.intersects(&z.rect) {
                out.push(format!("label of `{a}` covers zone `{}`", z.name));
            }
        }
    }
    for e in &d.edges {
        // Lines run through the gaps: the only zone boxes they cross are their own zones'.
        for z in &d.zones {
            if !e.zones.contains(&z.name) && e.segments.iter().any(|s| z.rect.crossed_by(s)) {
                out.push(format!("conduit `{}` crosses zone `{}`", e.name, z.name));
            }
        }
        // Each device sits on its conduit's line: the line passes through its shape.
        for dv in &e.devices {
            if !e.segments.iter().any(|s| dv.rect.crossed_by(s)) {
                out.push(format!(
                    "device `{}` is not on the line of `{}`",
                    dv.name, e.name
                ));
            }
        }
    }
    // The devices drawn on each conduit are the ones whose rules enforce it.
    let ir = model_to_ir(model).0;
    let enf = diagram::enforcers(model, &ir);
    for e in &d.edges {
        let drawn: Vec<usize> = e.devices.iter().map(|d| d.device.0).collect();
        let want: Vec<usize> = enf[e.conduit.0].iter().map(|d| d.0).collect();
        if drawn != want {
            out.push(format!(
                "conduit `{}` draws devices {drawn:?}, enforced by {want:?}",
                e.name
            ));
        }
    }
    out
}

fn check(name: &str, model: &Model) -> Diagram {
    let ir = model_to_ir(model).0;
    let d = diagram::diagram(model, &ir);
    let v = violations(model, &d);
    eprintln!(
        "{name}: {} of {} labels in the margin column",
        d.edges.iter().filter(|e| e.label.in_margin).count(),
        d.edges.len()
    );
    assert!(v.is_empty(), "{name}:\n{}", v.join("\n"));
    assert_eq!(d.zones.len(), model.zones.len(), "{name}: every zone drawn");
    assert_eq!(
        d.edges.len(),
        model.conduits.len(),
        "{name}: every conduit drawn"
    );
    d
}

#[test]
fn labels_never_overlap_on_any_example() {
    for path in examples() {
        let name = path.display().to_string();
        let checked = check_path(&path, &CheckOptions::default()).unwrap();
        let model = checked.model.as_ref().expect("examples resolve");
        let d = check(&name, model);
        // Devices are drawn: every example has enforced conduits.
        assert!(
            d.edges.iter().any(|e| !e.devices.is_empty()),
            "{name}: no device drawn"
        );
    }
}

/// A plant of 40 zones over every Purdue level, with conduits between neighbouring levels and
/// across two bands, three-zone conduits, safety and transit zones, firewalls, routers and a
/// cluster enforcing them.
fn plant40() -> String {
    let levels = ["5", "4", "3.5", "3", "2", "1", "0"];
    let mut s = String::from("policy \"plant-40\" {\n  description \"synthetic plant\"\n}\n");
    for (name, port) in [
        ("historian", 5450),
        ("scada", 2404),
        ("web", 8443),
        ("logs", 6514),
        ("time", 4123),
    ] {
        s.push_str(&format!("service plant-{name} tcp/{port}\n"));
    }
    let level_of = |z: usize| levels[z * levels.len() / 40];
    for z in 0..40 {
        let safety = if z % 11 == 7 { "  safety\n" } else { "" };
        s.push_str(&format!(
            "zone z{z:02}-cell {{\n  level {}\n  sl-target {}\n  network 10.{z}.0.0/24\n{safety}}}\n",
            level_of(z),
            z % 4 + 1
        ));
    }
    let mut conduits = Vec::new();
    for z in 0..40usize {
        for (k, o) in [(0, z + 1), (1, z + 6), (2, z + 13)] {
            if o < 40 && (k == 0 || z % 3 == k) {
                conduits.push(vec![z, o]);
            }
        }
        if z % 9 == 4 && z + 7 < 40 {
            conduits.push(vec![z, z + 3, z + 7]);
        }
    }
    let services = [
        "plant-scada",
        "plant-historian",
        "plant-web, plant-logs",
        "plant-time",
        "plant-historian, plant-scada, plant-web, plant-logs, plant-time",
    ];
    for (i, c) in conduits.iter().enumerate() {
        s.push_str(&format!(
            "conduit c{i:02} {{\n  connects {}\n",
            c.iter()
                .map(|z| format!("z{z:02}-cell"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        s.push_str(&format!(
            "  allow z{:02}-cell -> z{:02}-cell {}\n}}\n",
            c[0],
            c[1],
            services[i % services.len()]
        ));
    }
    // One device per block of five zones, attached to them all; every third a cluster.
    for b in 0..8usize {
        let kind = if b % 2 == 0 { "firewall" } else { "router" };
        let target = if b % 2 == 0 { "nftables" } else { "cisco-ios" };
        s.push_str(&format!("{kind} dev{b} {{\n  target {target}\n"));
        if b % 3 == 2 {
            s.push_str(
                "  cluster dev{b}-a, dev{b}-b\n"
                    .replace("{b}", &b.to_string())
                    .as_str(),
            );
        }
        for z in (b * 5).saturating_sub(1)..((b + 1) * 5).min(40) {
            s.push_str(&format!("  interface eth{z} z{z:02}-cell\n"));
        }
        s.push_str("}\n");
    }
    s
}

#[test]
fn labels_never_overlap_on_a_40_zone_plant() {
    let text = plant40();
    let checked = check_text(
        "plant-40.fence",
        std::path::Path::new("plant-40.fence"),
        text.clone(),
        &CheckOptions::default(),
    );
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    let model = checked
        .model
        .as_ref()
        .unwrap_or_else(|| panic!("plant-40 resolves: {errors:?}"));
    assert_eq!(model.zones.len(), 40);
    let d = check("plant-40", model);
    assert!(
        d.edges.iter().any(|e| e.hub.is_some()),
        "three-zone conduits drawn"
    );
    assert!(
        d.edges.iter().any(|e| e.devices.iter().any(|x| x.cluster)),
        "a cluster drawn"
    );
    assert!(d.zones.iter().any(|z| z.safety));
    // Deterministic.
    let again = diagram::diagram(model, &model_to_ir(model).0);
    let rects = |d: &Diagram| d.edges.iter().map(|e| e.label.rect).collect::<Vec<_>>();
    assert_eq!(rects(&d), rects(&again));
}

#[test]
fn the_synthetic_generator_at_40_zones() {
    let text = fenceline::synth::policy(&fenceline::synth::Size {
        zones: 40,
        assets_per_zone: 2,
        flows: 200,
        zones_per_device: 6,
        seed: 7,
    });
    let checked = check_text(
        "synth.fence",
        std::path::Path::new("synth.fence"),
        text,
        &CheckOptions::default(),
    );
    let model = checked.model.as_ref().expect("synthetic policies resolve");
    assert_eq!(model.zones.len(), 40);
    check("synth-40", model);
}

/// One firewall between every pair of `n` zones: n (n - 1) / 2 conduits of one flow each.
fn every_pair(n: usize) -> String {
    let mut s = format!("policy \"every-pair-{n}\"\nservice app tcp/9000\n");
    for z in 0..n {
        s.push_str(&format!(
            "zone z{z:02} {{ level 3  sl-target 2  network 10.{z}.0.0/24 }}\n"
        ));
    }
    for a in 0..n {
        for b in a + 1..n {
            s.push_str(&format!(
                "conduit c{a:02}-{b:02} {{\n  connects z{a:02}, z{b:02}\n  allow z{a:02} -> z{b:02} app\n}}\n"
            ));
        }
    }
    s.push_str("firewall fw {\n  target nftables\n");
    for z in 0..n {
        s.push_str(&format!("  interface eth{z} z{z:02}\n"));
    }
    s.push_str("}\n");
    s
}

/// Past `MAX_DRAWN_CONDUITS` the picture draws the zones, no conduit, and says where they are
/// listed; past mermaid's 500 lines the markdown diagram does the same (GitHub would show an
/// error instead). Below both, everything is drawn.
#[test]
fn too_many_conduits_are_listed_not_drawn() {
    // 45 conduits: drawn; 1,035: listed only.
    for (n, drawn) in [(10, true), (46, false)] {
        let checked = check_text(
            "every-pair.fence",
            std::path::Path::new("every-pair.fence"),
            every_pair(n),
            &CheckOptions::default(),
        );
        let model = checked.model.as_ref().expect("every-pair resolves");
        let conduits = n * (n - 1) / 2;
        assert_eq!(model.conduits.len(), conduits);
        let ir = model_to_ir(model).0;
        let d = diagram::diagram(model, &ir);
        assert_eq!(d.zones.len(), n);
        let svg = fenceline::report::svg::to_svg(model, &ir, true);
        let mermaid = fenceline::report::graph::to_mermaid(model);
        let note = format!("{conduits} conduits are not drawn (more than 1000)");
        if drawn {
            check("every-pair-10", model);
            assert_eq!(d.undrawn, 0);
            assert!(!svg.contains("are not drawn"));
            assert_eq!(svg.matches("class=\"conduit\"").count(), conduits);
            assert_eq!(mermaid.matches(" ---|").count(), conduits, "{mermaid}");
            assert!(!mermaid.contains("undrawn"));
        } else {
            assert_eq!((d.edges.len(), d.undrawn), (0, conduits), "{n} zones");
            assert!(svg.contains(&note), "{n} zones: no `{note}`");
            assert!(!svg.contains("class=\"conduit\""));
            assert!(!mermaid.contains("---"), "a conduit line drawn:\n{mermaid}");
            assert!(
                mermaid.contains(&format!("undrawn[\"{conduits} conduits are not drawn")),
                "{mermaid}"
            );
        }
    }
}
