//! The geometry of the SVG zone diagram (`fenceline graph --format svg` and the HTML report):
//! where each zone box, conduit line, enforcing device and label goes. [`super::svg::to_svg`]
//! only prints what this module computes, so the layout's promises are tested on the numbers
//! (tests/diagram.rs), not on SVG text:
//!
//! - conduit lines run orthogonally through the gaps between the bands and between the columns,
//!   so a line never crosses a zone box it does not join;
//! - the devices that enforce a conduit sit on its line (a cluster as a pair of shapes);
//! - no label box intersects another label, a zone box, a device or a hub, and none is crossed
//!   by a line of another conduit. Labels are placed greedily, in conduit order: candidate
//!   positions along the conduit's own segments, nearest the middle first; the first free one
//!   wins. A label with no free candidate goes to a column right of the grid, where nothing
//!   else is drawn, so the promise holds on any policy.
//!
//! Everything is integer coordinates computed in a fixed order: the same policy gives the same
//! picture.

use crate::model::{ConduitId, DeviceId, DeviceKind, Level, Model, ZoneId};
use crate::plan::Ir;
use rstar::{RTree, RTreeObject, AABB};
use std::collections::BTreeSet;

pub const LEFT: i64 = 170;
pub const TOP: i64 = 60;
pub const SLOT_W: i64 = 250;
pub const BAND_H: i64 = 150;
pub const BOX_W: i64 = 190;
pub const BOX_H: i64 = 62;
/// Width of a label character at font size 11 (Helvetica's widest lowercase run stays below).
const LABEL_CHAR_W2: i64 = 13; // 6.5 px, in half pixels
pub const LABEL_H: i64 = 18;
pub const ICON: i64 = 16;
/// Spacing of device shapes along a line.
const ICON_STEP: i64 = 24;
/// Offset of a cluster's second shape.
pub const PAIR: i64 = 5;
/// Services listed on a label before `+N more` (the full list is in the label's tooltip).
const LABEL_SERVICES: usize = 4;
/// How far from the middle of a piece of line a label or a run of devices is looked for (every
/// 12 px, both ways). A place farther out names its line poorly, and a plant of thousands of
/// conduits, whose lines cross the whole picture, spent seconds trying each such place for
/// labels that end in the margin column anyway.
const POINTS_REACH: i64 = 600;

/// An axis-aligned rectangle; `x`, `y` is its top left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

impl Rect {
    /// Whether the interiors overlap (touching edges do not count).
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }

    /// Whether the segment passes through the interior of the rectangle.
    pub fn crossed_by(&self, s: &Seg) -> bool {
        // Liang-Barsky clipping against the open rectangle, in f64 (exact for these sizes).
        let (x0, y0) = (s.a.0 as f64, s.a.1 as f64);
        let (dx, dy) = ((s.b.0 - s.a.0) as f64, (s.b.1 - s.a.1) as f64);
        let (xmin, xmax) = (self.x as f64, (self.x + self.w) as f64);
        let (ymin, ymax) = (self.y as f64, (self.y + self.h) as f64);
        let mut t0: f64 = 0.0;
        let mut t1: f64 = 1.0;
        for (p, q) in [
            (-dx, x0 - xmin),
            (dx, xmax - x0),
            (-dy, y0 - ymin),
            (dy, ymax - y0),
        ] {
            if p == 0.0 {
                // Parallel to this side: inside strictly, or never.
                if q <= 0.0 {
                    return false;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        if t0 >= t1 {
            return false;
        }
        // A positive length inside, or a point strictly inside.
        let tm = (t0 + t1) / 2.0;
        let (mx, my) = (x0 + tm * dx, y0 + tm * dy);
        mx > xmin && mx < xmax && my > ymin && my < ymax
    }

    fn grow(&self, m: i64) -> Rect {
        Rect {
            x: self.x - m,
            y: self.y - m,
            w: self.w + 2 * m,
            h: self.h + 2 * m,
        }
    }
}

/// A straight piece of a conduit's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seg {
    pub a: (i64, i64),
    pub b: (i64, i64),
}

impl Seg {
    fn len(&self) -> i64 {
        (self.b.0 - self.a.0).abs() + (self.b.1 - self.a.1).abs()
    }
    fn horizontal(&self) -> bool {
        self.a.1 == self.b.1
    }
}

/// A conduit's segments and, for three or more zones, its hub.
type Route = (Vec<Seg>, Option<(i64, i64)>);

fn bbox(x0: i64, y0: i64, x1: i64, y1: i64) -> AABB<[i64; 2]> {
    AABB::from_corners([x0.min(x1), y0.min(y1)], [x0.max(x1), y0.max(y1)])
}

impl RTreeObject for Rect {
    type Envelope = AABB<[i64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        bbox(self.x, self.y, self.x + self.w, self.y + self.h)
    }
}

/// A segment of conduit `.0`'s line.
struct Line(usize, Seg);

impl RTreeObject for Line {
    type Envelope = AABB<[i64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        bbox(self.1.a.0, self.1.a.1, self.1.b.0, self.1.b.1)
    }
}

/// What is already drawn, by where it is: the searches for a free place ask only for what lies
/// near the place (a plant of thousands of conduits would otherwise compare every candidate
/// place with every line and every label, quadratic in the conduits). The answers are the same
/// as a scan of everything: a box's or a segment's bounding box meets every place it overlaps
/// or crosses, and the exact test decides.
struct Drawn {
    obstacles: RTree<Rect>,
    lines: RTree<Line>,
}

impl Drawn {
    /// Whether `r` overlaps an obstacle or is crossed by a line of a conduit other than `own`.
    fn blocked(&self, r: &Rect, own: usize) -> bool {
        let env = r.envelope();
        self.obstacles
            .locate_in_envelope_intersecting(env)
            .any(|b| b.intersects(r))
            || self
                .lines
                .locate_in_envelope_intersecting(env)
                .any(|Line(o, seg)| *o != own && r.crossed_by(seg))
    }
}

pub struct BandShape {
    pub level: Level,
    pub y: i64,
}

pub struct ZoneShape {
    pub zone: ZoneId,
    pub name: String,
    pub rect: Rect,
    /// The highest SL-T of its FRs: the colour.
    pub sl_max: u8,
    pub safety: bool,
    pub transit: bool,
}

pub struct DeviceShape {
    pub device: DeviceId,
    pub name: String,
    pub kind: DeviceKind,
    /// A cluster: drawn as a pair.
    pub cluster: bool,
    /// The first shape's box; a cluster's second one is offset by [`PAIR`] up and right.
    pub rect: Rect,
}

pub struct Label {
    pub text: String,
    /// The label's full text, for the tooltip (the services are cut after four).
    pub title: String,
    pub rect: Rect,
    /// In the column right of the grid: no free place was found beside the line.
    pub in_margin: bool,
}

pub struct EdgeShape {
    pub conduit: ConduitId,
    pub name: String,
    pub zones: Vec<String>,
    pub segments: Vec<Seg>,
    /// The junction of a conduit that joins three or more zones.
    pub hub: Option<(i64, i64)>,
    pub devices: Vec<DeviceShape>,
    pub label: Label,
}

impl EdgeShape {
    /// The boxes that belong to this conduit and that labels must keep clear of: its device
    /// shapes (a pair's whole extent) and its hub.
    pub fn obstacles(&self) -> Vec<Rect> {
        let mut v: Vec<Rect> = self
            .devices
            .iter()
            .map(|d| {
                if d.cluster {
                    Rect {
                        x: d.rect.x,
                        y: d.rect.y - PAIR,
                        w: d.rect.w + PAIR,
                        h: d.rect.h + PAIR,
                    }
                } else {
                    d.rect
                }
            })
            .collect();
        if let Some((x, y)) = self.hub {
            v.push(Rect {
                x: x - 8,
                y: y - 8,
                w: 16,
                h: 16,
            });
        }
        v
    }
}

pub struct Diagram {
    pub width: i64,
    pub height: i64,
    pub bands: Vec<BandShape>,
    pub zones: Vec<ZoneShape>,
    pub edges: Vec<EdgeShape>,
    /// Where the picture's grid of zones ends on the right.
    pub grid_right: i64,
    /// Where the bands end at the bottom (the legend starts below).
    pub bands_bottom: i64,
    /// Conduits not drawn: all of them when there are more than [`MAX_DRAWN_CONDUITS`].
    pub undrawn: usize,
}

/// Most conduits the picture draws. Past it (a firewall between every pair of 100 zones has
/// 4,950) lines cover the picture and routing them costs more than the rest of the build: the
/// picture keeps its zones and says where the conduits are listed.
pub const MAX_DRAWN_CONDUITS: usize = 1000;

/// The devices whose generated rules enforce each conduit, by conduit, in name order.
pub fn enforcers(model: &Model, ir: &Ir) -> Vec<Vec<DeviceId>> {
    let mut out: Vec<BTreeSet<(String, usize)>> = vec![BTreeSet::new(); model.conduits.len()];
    for d in &ir.devices {
        for p in &d.pairs {
            for r in &p.rules {
                if let Some(set) = r.conduit.and_then(|c| out.get_mut(c.0)) {
                    set.insert((d.name.clone(), d.device.0));
                }
            }
        }
    }
    out.into_iter()
        .map(|s| s.into_iter().map(|(_, d)| DeviceId(d)).collect())
        .collect()
}

fn label_width(text: &str) -> i64 {
    (text.chars().count() as i64 * LABEL_CHAR_W2 + 1) / 2 + 10
}

fn label_texts(model: &Model, e: &super::graph::Edge, devices: &[DeviceId]) -> (String, String) {
    let mut head = e.name.clone();
    if let Some(sl) = &e.sl {
        head.push_str(&format!(" ({sl})"));
    }
    if !devices.is_empty() {
        let names: Vec<&str> = devices
            .iter()
            .map(|d| model.device(*d).name.as_str())
            .collect();
        head.push_str(&format!(" via {}", names.join(", ")));
    }
    let all = if e.services.is_empty() {
        "no flows".to_string()
    } else {
        e.services.join(", ")
    };
    let short = if e.services.len() > LABEL_SERVICES {
        format!(
            "{}, +{} more",
            e.services[..LABEL_SERVICES].join(", "),
            e.services.len() - LABEL_SERVICES
        )
    } else {
        all.clone()
    };
    (format!("{head}: {short}"), format!("{head}: {all}"))
}

/// The picture of the policy: see the module header for what it promises.
pub fn diagram(model: &Model, ir: &Ir) -> Diagram {
    let l = super::graph::layout(model);
    let cols = l
        .bands
        .iter()
        .map(|b| b.zones.len())
        .max()
        .unwrap_or(1)
        .max(1) as i64;
    let nb = l.bands.len().max(1) as i64;
    // Band and column of each zone, on a grid whose column gaps line up from band to band (a
    // short band is centred by whole slots), so that vertical channels run between all boxes.
    let mut cell: Vec<(i64, i64)> = vec![(0, 0); model.zones.len()];
    let mut bands = Vec::new();
    let mut zones = Vec::new();
    for (bi, b) in l.bands.iter().enumerate() {
        bands.push(BandShape {
            level: b.level,
            y: TOP + bi as i64 * BAND_H,
        });
        let offset = (cols - b.zones.len() as i64) / 2;
        for (i, z) in b.zones.iter().enumerate() {
            let col = offset + i as i64;
            cell[z.0] = (bi as i64, col);
            let zone = model.zone(*z);
            let (cx, cy) = center(bi as i64, col);
            zones.push(ZoneShape {
                zone: *z,
                name: zone.name.clone(),
                rect: Rect {
                    x: cx - BOX_W / 2,
                    y: cy - BOX_H / 2,
                    w: BOX_W,
                    h: BOX_H,
                },
                sl_max: zone.sl.0.iter().copied().max().unwrap_or(0),
                safety: zone.safety,
                transit: zone.transit,
            });
        }
    }
    let grid_right = LEFT + cols * SLOT_W;
    let bands_bottom = TOP + nb * BAND_H;
    let enf = enforcers(model, ir);

    // Lines and hubs.
    let undrawn = if l.conduits.len() > MAX_DRAWN_CONDUITS {
        l.conduits.len()
    } else {
        0
    };
    let conduits = &l.conduits[..l.conduits.len() - undrawn];
    let mut routed: Vec<Route> = Vec::new();
    for (ei, e) in conduits.iter().enumerate() {
        let lane = (ei % 7) as i64 - 3;
        let ends: Vec<(i64, i64)> = e.zones.iter().map(|z| cell[z.0]).collect();
        let r = if ends.len() == 2 {
            (route_pair(ends[0], ends[1], lane, nb, cols), None)
        } else {
            route_hub(&ends, lane, nb, cols)
        };
        routed.push(r);
    }
    let all_segs: Vec<(usize, Seg)> = routed
        .iter()
        .enumerate()
        .flat_map(|(i, (s, _))| s.iter().map(move |s| (i, *s)))
        .collect();
    let boxes: Vec<Rect> = zones.iter().map(|z| z.rect).collect();
    let hubs: Vec<Rect> = routed
        .iter()
        .filter_map(|(_, h)| {
            h.map(|(x, y)| Rect {
                x: x - 8,
                y: y - 8,
                w: 16,
                h: 16,
            })
        })
        .collect();

    let mut drawn = Drawn {
        obstacles: RTree::bulk_load(boxes.iter().chain(&hubs).copied().collect()),
        lines: RTree::bulk_load(all_segs.into_iter().map(|(i, s)| Line(i, s)).collect()),
    };
    // Each run of devices joins the obstacles as it is placed.
    let edge_devices = place_devices(model, &enf, &routed, &mut drawn);

    // Labels.
    let mut edges = Vec::new();
    for ((ei, e), shapes) in conduits.iter().enumerate().zip(edge_devices) {
        let (text, title) = label_texts(model, e, &enf.get(ei).cloned().unwrap_or_default());
        let w = label_width(&text);
        let found = free_label_spot(&routed[ei].0, w, ei, &drawn, bands_bottom);
        let (rect, in_margin) = match found {
            Some(r) => (r, false),
            // Placed in the margin column once every other label is placed.
            None => (
                Rect {
                    x: 0,
                    y: 0,
                    w,
                    h: LABEL_H,
                },
                true,
            ),
        };
        if !in_margin {
            drawn.obstacles.insert(rect);
        }
        let (segments, hub) = std::mem::take(&mut routed[ei]);
        edges.push(EdgeShape {
            conduit: e.conduit,
            name: e.name.clone(),
            zones: e
                .zones
                .iter()
                .map(|z| model.zone(*z).name.clone())
                .collect(),
            segments,
            hub,
            devices: shapes,
            label: Label {
                text,
                title,
                rect,
                in_margin,
            },
        });
    }
    // The margin column: right of the grid and of every label placed beside its line, so
    // nothing else is drawn there.
    let column_x = edges
        .iter()
        .filter(|e| !e.label.in_margin)
        .map(|e| e.label.rect.x + e.label.rect.w)
        .fold(grid_right + 20, i64::max)
        + 20;
    let mut margin_y = TOP + 4;
    let mut right = column_x + 10;
    for e in edges.iter_mut().filter(|e| e.label.in_margin) {
        e.label.rect.x = column_x;
        e.label.rect.y = margin_y;
        margin_y += LABEL_H + 6;
        right = right.max(column_x + e.label.rect.w + 20);
    }
    Diagram {
        width: right,
        height: bands_bottom.max(margin_y),
        bands,
        zones,
        edges,
        grid_right,
        bands_bottom: bands_bottom.max(margin_y),
        undrawn,
    }
}

/// Devices on their lines: for each conduit, its enforcing devices in a run at the first place
/// along its line (from the middle of the longest piece outwards) that no other line crosses and
/// that is clear of zone boxes, hubs and runs already placed; with none free, the first place.
/// Returns the shapes per conduit; the box of each run joins `drawn`'s obstacles.
fn place_devices(
    model: &Model,
    enf: &[Vec<DeviceId>],
    routed: &[Route],
    drawn: &mut Drawn,
) -> Vec<Vec<DeviceShape>> {
    let mut edge_devices: Vec<Vec<DeviceShape>> = Vec::new();
    for (ei, (line, _)) in routed.iter().enumerate() {
        let devs = enf.get(ei).cloned().unwrap_or_default();
        if devs.is_empty() {
            edge_devices.push(Vec::new());
            continue;
        }
        let k = devs.len() as i64;
        let run = ICON_STEP * (k - 1) + ICON + PAIR;
        let segs = by_length(line);
        let mut chosen: Option<(Seg, i64, i64)> = None; // segment, centre x, centre y
        let mut first: Option<(Seg, i64, i64)> = None;
        'search: for s in &segs {
            for (cx, cy) in points_along(s, run) {
                if first.is_none() {
                    first = Some((*s, cx, cy));
                }
                let extent = run_rect(s, cx, cy, run).grow(3);
                if !drawn.blocked(&extent, ei) {
                    chosen = Some((*s, cx, cy));
                    break 'search;
                }
            }
        }
        let Some((s, cx, cy)) = chosen.or(first) else {
            edge_devices.push(Vec::new());
            continue;
        };
        let mut shapes = Vec::new();
        for (i, d) in devs.iter().enumerate() {
            let step = ICON_STEP * i as i64 - (run - ICON - PAIR) / 2;
            let (x, y) = if s.horizontal() {
                (cx + step, cy)
            } else {
                (cx, cy + step)
            };
            let dev = model.device(*d);
            shapes.push(DeviceShape {
                device: *d,
                name: dev.name.clone(),
                kind: dev.kind,
                cluster: !dev.cluster.is_empty(),
                rect: Rect {
                    x: x - ICON / 2,
                    y: y - ICON / 2,
                    w: ICON,
                    h: ICON,
                },
            });
        }
        drawn.obstacles.insert(run_rect(&s, cx, cy, run));
        edge_devices.push(shapes);
    }
    edge_devices
}

/// The first free place for a label `w` wide beside the line of conduit `ei` (see
/// [`label_candidates`]): clear of the obstacles (zone boxes, hubs, device runs, labels placed) and
/// crossed by no line of another conduit.
fn free_label_spot(segs: &[Seg], w: i64, ei: usize, drawn: &Drawn, bottom: i64) -> Option<Rect> {
    for s in by_length(segs) {
        for (cx, cy) in points_along(&s, LABEL_H) {
            for (x, y) in label_candidates(&s, cx, cy, w) {
                let r = Rect {
                    x,
                    y,
                    w,
                    h: LABEL_H,
                };
                // Right of the grid is free for labels too (a narrow plant has long
                // labels); the margin column goes right of them all.
                let inside = r.x >= LEFT && r.y >= TOP - 20 && r.y + r.h <= bottom;
                if inside && !drawn.blocked(&r.grow(2), ei) {
                    return Some(r);
                }
            }
        }
    }
    None
}

fn center(band: i64, col: i64) -> (i64, i64) {
    (
        LEFT + col * SLOT_W + SLOT_W / 2,
        TOP + band * BAND_H + BAND_H / 2,
    )
}

/// The horizontal channel above band `b` (`b == bands`: below the last one), in lane `lane`.
fn channel_y(b: i64, lane: i64) -> i64 {
    TOP + b * BAND_H + lane * 4
}

/// The vertical channel nearest to `x`, between two columns (or at the grid's sides).
fn channel_x(x: i64, lane: i64, cols: i64) -> i64 {
    let k = ((x - LEFT + SLOT_W / 2) / SLOT_W).clamp(0, cols);
    LEFT + k * SLOT_W + lane * 4
}

fn polyline(pts: &[(i64, i64)]) -> Vec<Seg> {
    pts.windows(2)
        .map(|w| Seg { a: w[0], b: w[1] })
        .filter(|s| s.a != s.b)
        .collect()
}

/// Two zones given as (band, column): down (or up) out of the first box into the gap next to
/// its band, along the gaps, into the second box. Only the two boxes are crossed.
fn route_pair(p: (i64, i64), q: (i64, i64), lane: i64, nb: i64, cols: i64) -> Vec<Seg> {
    let (a, b) = if p.0 <= q.0 { (p, q) } else { (q, p) };
    let (ax, ay) = center(a.0, a.1);
    let (bx, by) = center(b.0, b.1);
    let (ax, bx) = (ax + lane * 10, bx + lane * 10);
    if a.0 == b.0 {
        // Same band: through the gap below it (above it for the last band).
        let y = if a.0 + 1 < nb {
            channel_y(a.0 + 1, lane)
        } else {
            channel_y(a.0, lane)
        };
        return polyline(&[(ax, ay), (ax, y), (bx, y), (bx, by)]);
    }
    if b.0 == a.0 + 1 {
        let y = channel_y(b.0, lane);
        return polyline(&[(ax, ay), (ax, y), (bx, y), (bx, by)]);
    }
    let (y1, y2) = (channel_y(a.0 + 1, lane), channel_y(b.0, lane));
    let xc = channel_x((ax + bx) / 2, lane, cols);
    polyline(&[(ax, ay), (ax, y1), (xc, y1), (xc, y2), (bx, y2), (bx, by)])
}

/// Three or more zones: a hub in the gap below the topmost band (above it when every zone
/// sits in the last band), on a vertical channel, with a spoke to each zone.
fn route_hub(ends: &[(i64, i64)], lane: i64, nb: i64, cols: i64) -> Route {
    let top = ends.iter().map(|e| e.0).min().unwrap_or(0);
    let bottom = ends.iter().map(|e| e.0).max().unwrap_or(0);
    let hb = if top + 1 < nb || bottom > top {
        top + 1
    } else {
        top
    };
    let n = ends.len().max(1) as i64;
    let mx = ends.iter().map(|e| center(e.0, e.1).0).sum::<i64>() / n;
    let (hx, hy) = (channel_x(mx, lane, cols), channel_y(hb, lane));
    let mut segs = Vec::new();
    for e in ends {
        let (zx, zy) = center(e.0, e.1);
        let zx = zx + lane * 10;
        if e.0 == hb - 1 || e.0 == hb {
            segs.extend(polyline(&[(hx, hy), (zx, hy), (zx, zy)]));
        } else {
            let y2 = channel_y(e.0, lane);
            segs.extend(polyline(&[(hx, hy), (hx, y2), (zx, y2), (zx, zy)]));
        }
    }
    (segs, Some((hx, hy)))
}

/// Top left corners of a label `w` wide beside the point (`cx`, `cy`) of segment `s`: on the
/// line, then one and two rows off it, centred on the point, then ending or starting there
/// (beside a horizontal segment); left and right of a vertical one, centred or aligned at the
/// point.
fn label_candidates(s: &Seg, cx: i64, cy: i64, w: i64) -> Vec<(i64, i64)> {
    let mut v = Vec::new();
    if s.horizontal() {
        for dy in [
            0,
            -(LABEL_H / 2 + 4),
            LABEL_H / 2 + 4,
            -(LABEL_H + 14),
            LABEL_H + 14,
        ] {
            let y = cy + dy - LABEL_H / 2;
            for x in [cx - w / 2, cx - w + 20, cx - 20] {
                v.push((x, y));
            }
        }
    } else {
        for dx in [0, w / 2 + 4, -(w / 2 + 4)] {
            for dy in [0, -(LABEL_H / 2 + 2), LABEL_H / 2 + 2] {
                v.push((cx + dx - w / 2, cy + dy - LABEL_H / 2));
            }
        }
    }
    v
}

/// Longest first; ties in drawing order.
fn by_length(segs: &[Seg]) -> Vec<Seg> {
    let mut v: Vec<(usize, Seg)> = segs.iter().copied().enumerate().collect();
    v.sort_by_key(|(i, s)| (-s.len(), *i));
    v.into_iter().map(|(_, s)| s).collect()
}

/// Candidate centres on a segment for something `run` long along it: from the middle
/// outwards in 12 px steps, keeping it within the segment where it fits.
fn points_along(s: &Seg, run: i64) -> Vec<(i64, i64)> {
    let len = s.len();
    let half = ((len - run).max(0) / 2).min(POINTS_REACH);
    let mut out = Vec::new();
    let mut d = 0;
    while d <= half {
        for sign in [1, -1] {
            if d == 0 && sign < 0 {
                continue;
            }
            let t = len / 2 + sign * d;
            let (dx, dy) = ((s.b.0 - s.a.0).signum(), (s.b.1 - s.a.1).signum());
            out.push((s.a.0 + dx * t, s.a.1 + dy * t));
        }
        d += 12;
    }
    out
}

/// The box of a run of device shapes centred at (`cx`, `cy`) along segment `s`, a cluster's
/// second shape (up and right by [`PAIR`]) included.
fn run_rect(s: &Seg, cx: i64, cy: i64, run: i64) -> Rect {
    let half = (run - ICON - PAIR) / 2;
    if s.horizontal() {
        Rect {
            x: cx - half - ICON / 2,
            y: cy - ICON / 2 - PAIR,
            w: run,
            h: ICON + PAIR,
        }
    } else {
        Rect {
            x: cx - ICON / 2,
            y: cy - half - ICON / 2 - PAIR,
            w: ICON + PAIR,
            h: run,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_through_a_box_crosses_it_one_along_its_side_does_not() {
        let r = Rect {
            x: 0,
            y: 0,
            w: 10,
            h: 10,
        };
        assert!(r.crossed_by(&Seg {
            a: (-5, 5),
            b: (15, 5)
        }));
        assert!(r.crossed_by(&Seg {
            a: (5, 5),
            b: (5, 6)
        }));
        assert!(!r.crossed_by(&Seg {
            a: (-5, 0),
            b: (15, 0)
        }));
        assert!(!r.crossed_by(&Seg {
            a: (10, -5),
            b: (10, 15)
        }));
        assert!(!r.crossed_by(&Seg {
            a: (-5, -5),
            b: (-1, 20)
        }));
        assert!(r.crossed_by(&Seg {
            a: (-5, -5),
            b: (15, 15)
        }));
    }
}
