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
pub(super) fn sl_short(model: &Model, z: ZoneId) -> String {
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
/// Most lines mermaid draws: its `maxEdges` default; past it GitHub shows an error instead of
/// the diagram.
pub const MERMAID_MAX_EDGES: usize = 500;
/// Longest diagram text mermaid reads: its `maxTextSize` default.
pub const MERMAID_MAX_TEXT: usize = 50_000;

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
    let mut edges = String::new();
    let mut lines = 0;
    for e in &l.conduits {
        let label = mermaid_text(&e.label());
        if e.zones.len() == 2 {
            lines += 1;
            let _ = writeln!(
                edges,
                "  {} ---|\"{label}\"| {}",
                mermaid_id("zone", &model.zone(e.zones[0]).name),
                mermaid_id("zone", &model.zone(e.zones[1]).name)
            );
        } else {
            let hub = mermaid_id("conduit", &e.name);
            let _ = writeln!(edges, "  {hub}((\"{label}\"))");
            for z in &e.zones {
                lines += 1;
                let _ = writeln!(
                    edges,
                    "  {} --- {hub}",
                    mermaid_id("zone", &model.zone(*z).name)
                );
            }
        }
    }
    if lines > MERMAID_MAX_EDGES || o.len() + edges.len() > MERMAID_MAX_TEXT {
        let _ = writeln!(
            o,
            "  undrawn[\"{} conduits are not drawn: more lines or text than mermaid draws ({MERMAID_MAX_EDGES} lines, {MERMAID_MAX_TEXT} characters); the zone-to-zone matrix lists them\"]",
            l.conduits.len()
        );
    } else {
        o.push_str(&edges);
    }
    if !safety.is_empty() {
        o.push_str("  classDef safety stroke:#c00,stroke-width:3px,stroke-dasharray:5 3\n");
        let _ = writeln!(o, "  class {} safety", safety.join(","));
    }
    o
}

pub(super) fn band_fill(level: Level) -> &'static str {
    match level.0 {
        50 | 40 => "#f3f6fa",
        35 => "#faf7f0",
        30 | 20 => "#f3f8f4",
        _ => "#f8f5fa",
    }
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

#[cfg(test)]
mod tests {
    use super::xml_escape;

    #[test]
    fn escapes_xml() {
        assert_eq!(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }
}
