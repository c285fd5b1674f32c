//! The zone diagram: zones in Purdue bands (level 5 at the top down to level 0, the industrial DMZ
//! between 4 and 3), conduits as edges labelled with their services, SL-T on every zone, safety
//! zones marked. Three renderings of one [`Layout`]: Graphviz DOT, mermaid, and a self-made SVG
//! (no Graphviz binary is needed, so CI and the offline HTML report always get a picture).
//!
//! DOT is written by hand rather than through `petgraph::dot::Dot`: the bands need clusters and
//! rank ordering, which `Dot` cannot express. The SVG layout is deliberately simple and
//! deterministic: one row per band, zones evenly spaced by name, integer coordinates.

use super::{level_name, purdue_order};
use crate::model::{ConduitId, Level, Model, ZoneId};
use std::fmt::Write;

/// One Purdue band with its zones, top to bottom.
pub struct Band {
    pub level: Level,
    pub zones: Vec<ZoneId>,
}

/// What every rendering draws.
pub struct Layout {
    pub bands: Vec<Band>,
    pub conduits: Vec<Edge>,
}

pub struct Edge {
    pub conduit: ConduitId,
    pub name: String,
    /// Zones, higher Purdue level first.
    pub zones: Vec<ZoneId>,
    /// `SL-T 3`, when declared.
    pub sl: Option<String>,
    /// Distinct service names of its flows, sorted.
    pub services: Vec<String>,
}

impl Edge {
    pub fn label(&self) -> String {
        let svcs = if self.services.is_empty() {
            "no flows".to_string()
        } else {
            self.services.join(", ")
        };
        match &self.sl {
            Some(sl) => format!("{} ({sl}): {svcs}", self.name),
            None => format!("{}: {svcs}", self.name),
        }
    }
}

pub fn layout(model: &Model) -> Layout {
    let mut bands: Vec<Band> = Vec::new();
    for z in purdue_order(model) {
        let level = model.zone(z).level;
        match bands.last_mut() {
            Some(b) if b.level == level => b.zones.push(z),
            _ => bands.push(Band {
                level,
                zones: vec![z],
            }),
        }
    }
    let conduits = model
        .conduits
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut zones = c.zones.clone();
            zones.sort_by(|a, b| {
                model
                    .zone(*b)
                    .level
                    .cmp(&model.zone(*a).level)
                    .then(model.zone(*a).name.cmp(&model.zone(*b).name))
            });
            let mut services: Vec<String> = c
                .flows
                .iter()
                .flat_map(|f| {
                    model
                        .flow(*f)
                        .services
                        .iter()
                        .map(|s| model.service(*s).name.clone())
                })
                .collect();
            services.sort();
            services.dedup();
            Edge {
                conduit: ConduitId(i),
                name: c.name.clone(),
                zones,
                sl: c.sl.map(|s| format!("SL-T {s}")),
                services,
            }
        })
        .collect();
    Layout { bands, conduits }
}

fn band_title(level: Level) -> String {
    format!("Level {} - {}", level, level_name(level))
}

/// `3`, or `3/3/3/2/3/2/3` in FR order.
fn sl_short(model: &Model, z: ZoneId) -> String {
    let sl = model.zone(z).sl;
    if sl.is_uniform() {
        sl.0[0].to_string()
    } else {
        super::SlView::of(&sl).short
    }
}

fn dot_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Graphviz DOT (undirected): one cluster per band, conduits as labelled edges.
pub fn to_dot(model: &Model) -> String {
    let l = layout(model);
    let mut o = String::new();
    let _ = writeln!(o, "graph {} {{", dot_str(&model.policy.name));
    o.push_str("  rankdir=TB;\n  newrank=true;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for b in &l.bands {
        let _ = writeln!(
            o,
            "  subgraph {} {{",
            dot_str(&format!("cluster_level_{}", b.level.0))
        );
        let _ = writeln!(
            o,
            "    label={}; style=filled; fillcolor={}; color=\"#bbbbbb\";",
            dot_str(&band_title(b.level)),
            dot_str(band_fill(b.level))
        );
        let _ = writeln!(o, "    rank=same;");
        for z in &b.zones {
            let zone = model.zone(*z);
            let mut label = format!("{}\nSL-T {}", zone.name, sl_short(model, *z));
            if zone.safety {
                label.push_str("\nSAFETY");
            }
            let extra = if zone.safety {
                ", color=\"#cc0000\", penwidth=3, style=\"rounded,filled,dashed\""
            } else {
                ""
            };
            let _ = writeln!(
                o,
                "    {} [label={}{extra}];",
                dot_str(&format!("zone:{}", zone.name)),
                dot_str(&label)
            );
        }
        o.push_str("  }\n");
    }
    // Invisible edges keep the bands in Purdue order even where no conduit joins them.
    for w in l.bands.windows(2) {
        if let (Some(a), Some(b)) = (w[0].zones.first(), w[1].zones.first()) {
            let _ = writeln!(
                o,
                "  {} -- {} [style=invis];",
                dot_str(&format!("zone:{}", model.zone(*a).name)),
                dot_str(&format!("zone:{}", model.zone(*b).name))
            );
        }
    }
    for e in &l.conduits {
        let label = e.label();
        if e.zones.len() == 2 {
            let _ = writeln!(
                o,
                "  {} -- {} [label={}];",
                dot_str(&format!("zone:{}", model.zone(e.zones[0]).name)),
                dot_str(&format!("zone:{}", model.zone(e.zones[1]).name)),
                dot_str(&label)
            );
        } else {
            let hub = dot_str(&format!("conduit:{}", e.name));
            let _ = writeln!(
                o,
                "  {hub} [shape=ellipse, style=dashed, label={}];",
                dot_str(&label)
            );
            for z in &e.zones {
                let _ = writeln!(
                    o,
                    "  {} -- {hub};",
                    dot_str(&format!("zone:{}", model.zone(*z).name))
                );
            }
        }
    }
    o.push_str("}\n");
    o
}

fn mermaid_id(prefix: &str, name: &str) -> String {
    // Names are `[a-z][a-z0-9-]*`; `_` never occurs in them, so the mapping is injective.
    let body: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{prefix}_{body}")
}

fn mermaid_text(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '"' => o.push_str("#quot;"),
            '<' => o.push_str("#lt;"),
            '>' => o.push_str("#gt;"),
            '#' => o.push_str("#35;"),
            '|' => o.push_str("#124;"),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o
}

/// Mermaid flowchart: one subgraph per band, conduits as labelled links.
pub fn to_mermaid(model: &Model) -> String {
    let l = layout(model);
    let mut o = String::from("flowchart TB\n");
    let mut safety = Vec::new();
    for b in &l.bands {
        let _ = writeln!(
            o,
            "  subgraph band_{}[\"{}\"]",
            b.level.0,
            mermaid_text(&band_title(b.level))
        );
        for z in &b.zones {
            let zone = model.zone(*z);
            let mut label = format!(
                "{}<br/>SL-T {}",
                mermaid_text(&zone.name),
                sl_short(model, *z)
            );
            if zone.safety {
                label.push_str("<br/>SAFETY");
                safety.push(mermaid_id("zone", &zone.name));
            }
            let _ = writeln!(o, "    {}[\"{label}\"]", mermaid_id("zone", &zone.name));
        }
        o.push_str("  end\n");
    }
    for e in &l.conduits {
        let label = mermaid_text(&e.label());
        if e.zones.len() == 2 {
            let _ = writeln!(
                o,
                "  {} ---|\"{label}\"| {}",
                mermaid_id("zone", &model.zone(e.zones[0]).name),
                mermaid_id("zone", &model.zone(e.zones[1]).name)
            );
        } else {
            let hub = mermaid_id("conduit", &e.name);
            let _ = writeln!(o, "  {hub}((\"{label}\"))");
            for z in &e.zones {
                let _ = writeln!(
                    o,
                    "  {} --- {hub}",
                    mermaid_id("zone", &model.zone(*z).name)
                );
            }
        }
    }
    if !safety.is_empty() {
        o.push_str("  classDef safety stroke:#c00,stroke-width:3px,stroke-dasharray:5 3\n");
        let _ = writeln!(o, "  class {} safety", safety.join(","));
    }
    o
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o
}

fn band_fill(level: Level) -> &'static str {
    match level.0 {
        50 | 40 => "#e8f0fb",
        35 => "#fdf3dc",
        30 | 20 => "#e9f6ec",
        _ => "#f3eafa",
    }
}

const LEFT: i64 = 170;
const TOP: i64 = 50;
const SLOT_W: i64 = 250;
const BAND_H: i64 = 130;
const BOX_W: i64 = 190;
const BOX_H: i64 = 62;
const CHAR_W: i64 = 6;

/// A self-made SVG. `standalone` adds the XML declaration and namespace (an `.svg` file);
/// without it the markup is meant to sit inside an HTML page.
pub fn to_svg(model: &Model, standalone: bool) -> String {
    let l = layout(model);
    let cols = l
        .bands
        .iter()
        .map(|b| b.zones.len())
        .max()
        .unwrap_or(1)
        .max(1) as i64;
    let label_w = l
        .conduits
        .iter()
        .map(|e| e.label().chars().count() as i64 * CHAR_W)
        .max()
        .unwrap_or(0);
    const FOOTER: &str = "SL-T: one level, or per FR in the order IAC/UC/SI/DC/RDF/TRE/RA. Red dashed border: safety zone. Lines: conduits, labelled with their services.";
    let width = (LEFT + cols * SLOT_W + 30)
        .max(LEFT + label_w + 60)
        .max(FOOTER.len() as i64 * CHAR_W + 40);
    let height = TOP + l.bands.len().max(1) as i64 * BAND_H + 60;
    let mut pos: Vec<(i64, i64)> = vec![(0, 0); model.zones.len()];
    for (bi, b) in l.bands.iter().enumerate() {
        let n = b.zones.len() as i64;
        let offset = (cols - n) * SLOT_W / 2;
        for (i, z) in b.zones.iter().enumerate() {
            pos[z.0] = (
                LEFT + offset + SLOT_W * i as i64 + SLOT_W / 2,
                TOP + bi as i64 * BAND_H + BAND_H / 2,
            );
        }
    }
    let title = format!("Zones and conduits of {}", model.policy.name);
    let mut o = String::new();
    if standalone {
        o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">"
        );
    } else {
        let _ = writeln!(
            o,
            "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">",
            xml_escape(&title)
        );
    }
    let _ = writeln!(o, "<title>{}</title>", xml_escape(&title));
    let _ = writeln!(
        o,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        o,
        "<text x=\"12\" y=\"28\" font-size=\"16\" font-weight=\"bold\">{}</text>",
        xml_escape(&title)
    );
    for (bi, b) in l.bands.iter().enumerate() {
        let y = TOP + bi as i64 * BAND_H;
        let _ = writeln!(
            o,
            "<g class=\"band\"><rect x=\"4\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#cccccc\"/><text x=\"14\" y=\"{}\" font-weight=\"bold\">Level {}</text><text x=\"14\" y=\"{}\" fill=\"#555555\">{}</text></g>",
            width - 8,
            BAND_H - 4,
            band_fill(b.level),
            y + BAND_H / 2 - 4,
            b.level,
            y + BAND_H / 2 + 12,
            xml_escape(level_name(b.level))
        );
    }
    // Edges first, boxes over them, labels last (placed so that they cover neither a box nor
    // another label).
    let mut band_of = vec![0usize; model.zones.len()];
    for (bi, b) in l.bands.iter().enumerate() {
        for z in &b.zones {
            band_of[z.0] = bi;
        }
    }
    let mut labels: Vec<(String, String, i64, i64)> = Vec::new(); // (conduit, text, x, y)
    let mut hubs: Vec<(i64, i64, i64, i64)> = Vec::new();
    for (ei, e) in l.conduits.iter().enumerate() {
        let label = e.label();
        let pts: Vec<(i64, i64)> = e.zones.iter().map(|z| pos[z.0]).collect();
        let (lx, ly, shape) = if pts.len() == 2 {
            let ((x1, y1), (x2, y2)) = (pts[0], pts[1]);
            let (b1, b2) = (band_of[e.zones[0].0], band_of[e.zones[1].0]);
            // Does a box of a band in between sit on the straight line?
            let blocked = (b1.min(b2) + 1..b1.max(b2)).any(|bi| {
                l.bands[bi].zones.iter().any(|z| {
                    let (zx, zy) = pos[z.0];
                    let t = (zy - y1) as f64 / (y2 - y1) as f64;
                    let x_at = x1 as f64 + t * (x2 - x1) as f64;
                    (x_at - zx as f64).abs() < (BOX_W / 2 + 6) as f64
                })
            });
            if y1 == y2 {
                // Same band: arc above the row so the line does not run through the boxes between.
                let cy = y1 - BOX_H / 2 - 40;
                let mx = (x1 + x2) / 2;
                (mx, (y1 + 2 * cy + y2) / 4, format!("<path d=\"M {x1} {} Q {mx} {cy} {x2} {}\" fill=\"none\" stroke=\"#333333\" stroke-width=\"2\"/>", y1 - BOX_H / 2, y2 - BOX_H / 2))
            } else if blocked {
                // Around the boxes in between: a curve bowing sideways, alternating sides.
                let dx = if ei % 2 == 0 {
                    BOX_W * 3 / 4 + 20
                } else {
                    -(BOX_W * 3 / 4 + 20)
                };
                let (c1x, c2x) = (x1 + dx, x2 + dx);
                let mx = (x1 + 3 * c1x + 3 * c2x + x2) / 8;
                let my = (y1 + y2) / 2;
                (mx, my, format!("<path d=\"M {x1} {y1} C {c1x} {y1} {c2x} {y2} {x2} {y2}\" fill=\"none\" stroke=\"#333333\" stroke-width=\"2\"/>"))
            } else {
                ((x1 + x2) / 2, (y1 + y2) / 2, format!("<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"#333333\" stroke-width=\"2\"/>"))
            }
        } else {
            // A hub between the bands it joins (above the row when they share one), so the
            // spokes do not run through the boxes.
            let n = pts.len().max(1) as i64;
            let cx = pts.iter().map(|p| p.0).sum::<i64>() / n;
            let (ymin, ymax) = (
                pts.iter().map(|p| p.1).min().unwrap_or(0),
                pts.iter().map(|p| p.1).max().unwrap_or(0),
            );
            let cy = if ymin == ymax {
                ymin - BOX_H / 2 - 30
            } else {
                (ymin + ymax) / 2
            };
            let mut s = String::new();
            for (x, y) in &pts {
                let _ = write!(s, "<line x1=\"{cx}\" y1=\"{cy}\" x2=\"{x}\" y2=\"{y}\" stroke=\"#333333\" stroke-width=\"2\" stroke-dasharray=\"4 2\"/>");
            }
            let _ = write!(
                s,
                "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"6\" fill=\"#333333\"/>"
            );
            hubs.push((cx - 8, cy - 8, 16, 16));
            // The label sits beside the hub, not on it.
            (cx + 40 + label.chars().count() as i64 * CHAR_W / 2, cy, s)
        };
        let _ = writeln!(
            o,
            "<g class=\"conduit\" id=\"{}\"><title>{}</title>{shape}</g>",
            xml_escape(&format!("conduit-{}", e.name)),
            xml_escape(&format!("conduit {}", e.name)),
        );
        labels.push((e.name.clone(), label, lx, ly));
    }
    for b in &l.bands {
        for z in &b.zones {
            let zone = model.zone(*z);
            let (x, y) = pos[z.0];
            let (stroke, sw, dash) = if zone.safety {
                ("#cc0000", 3, " stroke-dasharray=\"6 3\"")
            } else {
                ("#333333", 1, "")
            };
            let _ = write!(
                o,
                "<g class=\"zone\" id=\"{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"8\" fill=\"#ffffff\" stroke=\"{stroke}\" stroke-width=\"{sw}\"{dash}/>",
                xml_escape(&format!("zone-{}", zone.name)),
                xml_escape(&format!("zone {}", zone.name)),
                x - BOX_W / 2,
                y - BOX_H / 2
            );
            let _ = write!(
                o,
                "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
                y - 10,
                xml_escape(&zone.name)
            );
            let _ = write!(
                o,
                "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">SL-T {}</text>",
                y + 6,
                xml_escape(&sl_short(model, *z))
            );
            if zone.safety {
                let _ = write!(o, "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#cc0000\" font-weight=\"bold\">SAFETY</text>", y + 22);
            }
            o.push_str("</g>\n");
        }
    }
    // Labels: greedy placement, nudged up and down until they overlap no box and no label.
    let boxes: Vec<(i64, i64, i64, i64)> = l
        .bands
        .iter()
        .flat_map(|b| b.zones.iter())
        .map(|z| (pos[z.0].0 - BOX_W / 2, pos[z.0].1 - BOX_H / 2, BOX_W, BOX_H))
        .chain(hubs)
        .collect();
    let overlaps = |a: (i64, i64, i64, i64), b: &(i64, i64, i64, i64)| {
        a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
    };
    let mut placed: Vec<(i64, i64, i64, i64)> = Vec::new();
    for (name, text, lx, ly) in &labels {
        let w = text.chars().count() as i64 * CHAR_W + 10;
        // Inside the picture, right of the band titles.
        let x0 = (lx - w / 2).min(width - w - 10).max(LEFT);
        let mut best = (x0, ly - 9, w, 18);
        for k in 0..24i64 {
            let shift = if k % 2 == 0 {
                (k / 2) * 20
            } else {
                -((k + 1) / 2) * 20
            };
            let cand = (x0, ly - 9 + shift, w, 18);
            if !boxes.iter().chain(placed.iter()).any(|b| overlaps(cand, b)) {
                best = cand;
                break;
            }
        }
        placed.push(best);
        let _ = writeln!(
            o,
            "<g class=\"conduit-label\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"18\" rx=\"3\" fill=\"#ffffff\" stroke=\"#999999\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text></g>",
            xml_escape(&format!("conduit {name}")),
            best.0,
            best.1,
            best.2,
            best.0 + best.2 / 2,
            best.1 + 13,
            xml_escape(text)
        );
    }
    let _ = writeln!(
        o,
        "<text x=\"12\" y=\"{}\" fill=\"#555555\" font-size=\"11\">{FOOTER}</text>",
        height - 20
    );
    o.push_str("</svg>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::xml_escape;

    #[test]
    fn escapes_xml() {
        assert_eq!(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }
}
