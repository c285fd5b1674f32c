//! The zone diagram as SVG, drawn from [`super::diagram::diagram`]'s layout: zone boxes in
//! Purdue bands, conduit lines, the devices that enforce them, labels and the legend.

use super::diagram;
use super::graph::{band_fill, sl_short, xml_escape};
use super::level_name;
use crate::model::{DeviceKind, Model};
use crate::plan::Ir;
use std::fmt::Write;

/// Zone fill by its highest SL-T: from white (0) to orange-red (4).
pub const SL_FILL: [&str; 5] = ["#ffffff", "#e5f5e0", "#fff3b0", "#fdd49e", "#fc9272"];

const CHAR_W: i64 = 6;
const FOOTER: &str = "Lines: conduits, labelled `name (SL-T) via devices: services`; a dot joins a conduit of three or more zones. Click a zone or a conduit to select it.";

fn svg_line(s: &diagram::Seg, dashed: bool) -> String {
    format!(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333333\" stroke-width=\"2\"{}/>",
        s.a.0,
        s.a.1,
        s.b.0,
        s.b.1,
        if dashed {
            " stroke-dasharray=\"4 2\""
        } else {
            ""
        }
    )
}

/// One device shape with its top left corner at (`x`, `y`): a firewall is a red brick wall, a
/// router a blue disc with a cross, a switch a green box with two arrows.
fn device_icon(kind: DeviceKind, x: i64, y: i64) -> String {
    let (w, h) = (diagram::ICON, diagram::ICON);
    match kind {
        DeviceKind::Firewall => format!(
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"#c0392b\" stroke=\"#ffffff\"/><path d=\"M {x} {y1} H {x2} M {x} {y2} H {x2} M {xa} {y} V {y1} M {xb} {y1} V {y2} M {xa} {y2} V {y3}\" stroke=\"#ffffff\" fill=\"none\"/>",
            y1 = y + 5,
            y2 = y + 10,
            y3 = y + h,
            x2 = x + w,
            xa = x + 8,
            xb = x + 4,
        ),
        DeviceKind::Router => format!(
            "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"8\" fill=\"#2c6fbb\" stroke=\"#ffffff\"/><path d=\"M {l} {cy} H {r} M {cx} {t} V {b}\" stroke=\"#ffffff\" stroke-width=\"2\" fill=\"none\"/>",
            cx = x + w / 2,
            cy = y + h / 2,
            l = x + 3,
            r = x + w - 3,
            t = y + 3,
            b = y + h - 3,
        ),
        DeviceKind::Switch => format!(
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"2\" fill=\"#3a7d44\" stroke=\"#ffffff\"/><path d=\"M {l} {y1} H {r} L {r2} {y1a} M {r} {y2} H {l} L {l2} {y2a}\" stroke=\"#ffffff\" fill=\"none\"/>",
            l = x + 3,
            r = x + w - 3,
            r2 = x + w - 6,
            l2 = x + 6,
            y1 = y + 5,
            y1a = y + 2,
            y2 = y + 11,
            y2a = y + 14,
        ),
    }
}

fn legend(o: &mut String, y: i64) {
    let _ = write!(
        o,
        "<g class=\"legend\"><text x=\"12\" y=\"{}\" font-weight=\"bold\">Zones by SL-T</text>",
        y + 13
    );
    for (i, fill) in SL_FILL.iter().enumerate() {
        let x = 110 + i as i64 * 62;
        let _ = write!(
            o,
            "<rect x=\"{x}\" y=\"{y}\" width=\"18\" height=\"18\" fill=\"{fill}\" stroke=\"#333333\"/><text x=\"{}\" y=\"{}\">{i}</text>",
            x + 24,
            y + 13
        );
    }
    let x = 430;
    let _ = write!(
        o,
        "<rect x=\"{x}\" y=\"{y}\" width=\"18\" height=\"18\" fill=\"#ffffff\" stroke=\"#cc0000\" stroke-width=\"3\" stroke-dasharray=\"6 3\"/><text x=\"{}\" y=\"{}\">safety</text>",
        x + 24,
        y + 13
    );
    let x = 520;
    let _ = write!(
        o,
        "<rect x=\"{x}\" y=\"{y}\" width=\"18\" height=\"18\" fill=\"#ffffff\" stroke=\"#1f5fa8\" stroke-width=\"2\" stroke-dasharray=\"2 3\"/><text x=\"{}\" y=\"{}\">transit</text>",
        x + 24,
        y + 13
    );
    for (i, (kind, name)) in [
        (DeviceKind::Firewall, "firewall"),
        (DeviceKind::Router, "router"),
        (DeviceKind::Switch, "switch"),
    ]
    .into_iter()
    .enumerate()
    {
        let x = 620 + i as i64 * 90;
        o.push_str(&device_icon(kind, x, y + 1));
        let _ = write!(o, "<text x=\"{}\" y=\"{}\">{name}</text>", x + 22, y + 13);
    }
    let x = 900;
    o.push_str(&device_icon(
        DeviceKind::Firewall,
        x + diagram::PAIR,
        y + 1 - diagram::PAIR,
    ));
    o.push_str(&device_icon(DeviceKind::Firewall, x, y + 1));
    let _ = writeln!(
        o,
        "<text x=\"{}\" y=\"{}\">cluster (pair)</text></g>",
        x + 28,
        y + 13
    );
}

const LEGEND_W: i64 = 1020;

/// A self-made SVG of [`diagram::diagram`]. `standalone` adds the XML declaration and namespace
/// (an `.svg` file); without it the markup is meant to sit inside an HTML page. Zones are
/// `g.zone[data-zone]`, conduits `g.conduit[data-conduit][data-zones]` with their devices
/// (`g.device[data-device]`), labels `g.conduit-label[data-conduit]`: the HTML report's script
/// selects by these.
pub fn to_svg(model: &Model, ir: &Ir, standalone: bool) -> String {
    let d = diagram::diagram(model, ir);
    let width = d.width.max(LEGEND_W).max(FOOTER.len() as i64 * CHAR_W + 40);
    let legend_y = d.bands_bottom + 16;
    let height = legend_y + 60;
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
        "<rect class=\"background\" x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        o,
        "<text x=\"12\" y=\"28\" font-size=\"16\" font-weight=\"bold\">{}</text>",
        xml_escape(&title)
    );
    if d.undrawn > 0 {
        let _ = writeln!(
            o,
            "<text class=\"undrawn\" x=\"12\" y=\"48\" fill=\"#555555\">{} conduits are not drawn (more than {}): the zone-to-zone matrix lists them.</text>",
            d.undrawn,
            diagram::MAX_DRAWN_CONDUITS
        );
    }
    for b in &d.bands {
        let _ = writeln!(
            o,
            "<g class=\"band\"><rect x=\"4\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#cccccc\"/><text x=\"14\" y=\"{}\" font-weight=\"bold\">Level {}</text><text x=\"14\" y=\"{}\" fill=\"#555555\">{}</text></g>",
            b.y + 1,
            width - 8,
            diagram::BAND_H - 2,
            band_fill(b.level),
            b.y + diagram::BAND_H / 2 - 4,
            b.level,
            b.y + diagram::BAND_H / 2 + 12,
            xml_escape(level_name(b.level))
        );
    }
    // Lines with their devices first, boxes over them, labels last.
    for e in &d.edges {
        let _ = write!(
            o,
            "<g class=\"conduit\" id=\"{}\" data-conduit=\"{}\" data-zones=\"{}\"><title>{}</title>",
            xml_escape(&format!("svg-conduit-{}", e.name)),
            xml_escape(&e.name),
            xml_escape(&e.zones.join(" ")),
            xml_escape(&format!("conduit {}: {}", e.name, e.label.title)),
        );
        for s in &e.segments {
            o.push_str(&svg_line(s, e.hub.is_some()));
        }
        if let Some((x, y)) = e.hub {
            let _ = write!(
                o,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"6\" fill=\"#333333\"/>"
            );
        }
        for dv in &e.devices {
            let _ = write!(
                o,
                "<g class=\"device device-{}\" data-device=\"{}\"><title>{}</title>",
                dv.kind.keyword(),
                xml_escape(&dv.name),
                xml_escape(&format!(
                    "{} {}{}",
                    dv.kind.keyword(),
                    dv.name,
                    if dv.cluster { " (cluster)" } else { "" }
                ))
            );
            if dv.cluster {
                o.push_str(&device_icon(
                    dv.kind,
                    dv.rect.x + diagram::PAIR,
                    dv.rect.y - diagram::PAIR,
                ));
            }
            o.push_str(&device_icon(dv.kind, dv.rect.x, dv.rect.y));
            o.push_str("</g>");
        }
        o.push_str("</g>\n");
    }
    for z in &d.zones {
        let (x, y) = (z.rect.x + z.rect.w / 2, z.rect.y + z.rect.h / 2);
        let (stroke, sw, dash) = if z.safety {
            ("#cc0000", 3, " stroke-dasharray=\"6 3\"")
        } else if z.transit {
            ("#1f5fa8", 2, " stroke-dasharray=\"2 3\"")
        } else {
            ("#333333", 1, "")
        };
        let marks: Vec<&str> = [(z.safety, "SAFETY"), (z.transit, "TRANSIT")]
            .into_iter()
            .filter_map(|(on, m)| on.then_some(m))
            .collect();
        let _ = write!(
            o,
            "<g class=\"zone\" id=\"{}\" data-zone=\"{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"{dash}/>",
            xml_escape(&format!("svg-zone-{}", z.name)),
            xml_escape(&z.name),
            xml_escape(&format!("zone {}", z.name)),
            z.rect.x,
            z.rect.y,
            z.rect.w,
            z.rect.h,
            SL_FILL[usize::from(z.sl_max.min(4))]
        );
        let _ = write!(
            o,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
            y - 10,
            xml_escape(&z.name)
        );
        let _ = write!(
            o,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">SL-T {}</text>",
            y + 6,
            xml_escape(&sl_short(model, z.zone))
        );
        if !marks.is_empty() {
            let _ = write!(o, "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"{stroke}\" font-weight=\"bold\">{}</text>", y + 22, marks.join(", "));
        }
        o.push_str("</g>\n");
    }
    for e in &d.edges {
        let r = e.label.rect;
        let _ = writeln!(
            o,
            "<g class=\"conduit-label\" data-conduit=\"{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" stroke=\"#999999\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text></g>",
            xml_escape(&e.name),
            xml_escape(&format!("conduit {}", e.label.title)),
            r.x,
            r.y,
            r.w,
            r.h,
            r.x + r.w / 2,
            r.y + 13,
            xml_escape(&e.label.text)
        );
    }
    legend(&mut o, legend_y);
    let _ = writeln!(
        o,
        "<text x=\"12\" y=\"{}\" fill=\"#555555\" font-size=\"11\">{}</text>",
        height - 12,
        xml_escape(FOOTER)
    );
    o.push_str("</svg>\n");
    o
}
