//! Semantic diff of two policies, by packets rather than by text: per conduit, what the new
//! policy allows that the old one denied (and the reverse); per device, the same for its
//! device-level flows and what changed in its own addresses, cluster and sync
//! ([`devices`]); SL-T changes, and findings added and fixed. Both policies become exact packet
//! spaces ([`crate::packet::space`]); reordering or reformatting a policy changes neither space,
//! so the diff is empty.
//!
//! Cost: one indexed subtraction each way; flows present unchanged on both sides are skipped by
//! exact cube lookup, so a change to a 100,000-flow policy costs about as much as loading it.

use crate::diagnostic::Diagnostic;
use crate::lint::Checked;
use crate::model::packets::{flow_cubes, policy_space};
use crate::model::{FlowId, Model};
use crate::packet::space::{coalesce, Cube, Family, Ivs};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

mod devices;
pub use devices::{AddressChange, DeviceDiff, ListChange, ValueChange};

/// Everything that changed between two policies, sorted for stable output.
#[derive(Debug, Clone, Serialize, Default, schemars::JsonSchema)]
pub struct PolicyDiff {
    pub conduits: Vec<ConduitDiff>,
    /// Devices whose device-level flows, own addresses, cluster nodes or sync changed.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub devices: Vec<DeviceDiff>,
    pub sl_changes: Vec<SlChange>,
    pub findings_added: Vec<Finding>,
    pub findings_fixed: Vec<Finding>,
}

impl PolicyDiff {
    pub fn is_empty(&self) -> bool {
        self.conduits.is_empty()
            && self.devices.is_empty()
            && self.sl_changes.is_empty()
            && self.findings_added.is_empty()
            && self.findings_fixed.is_empty()
    }
    pub fn allowed_count(&self) -> usize {
        self.conduits
            .iter()
            .map(|c| c.newly_allowed.len())
            .sum::<usize>()
            + self
                .devices
                .iter()
                .map(|d| d.newly_allowed.len())
                .sum::<usize>()
    }
    pub fn denied_count(&self) -> usize {
        self.conduits
            .iter()
            .map(|c| c.newly_denied.len())
            .sum::<usize>()
            + self
                .devices
                .iter()
                .map(|d| d.newly_denied.len())
                .sum::<usize>()
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ConduitDiff {
    pub conduit: String,
    /// `added`, `removed` or `changed`.
    pub status: &'static str,
    pub newly_allowed: Vec<FlowChange>,
    pub newly_denied: Vec<FlowChange>,
}

/// The part of one flow's packets that changed.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FlowChange {
    /// `src -> dst services`, as in the policy that has the flow.
    pub flow: String,
    /// `file:line` of the `allow` statement (in the new policy for allowed, the old for denied).
    pub location: String,
    /// The whole flow changed (no packet of it was allowed before / is allowed after).
    pub whole: bool,
    pub packets: Vec<PacketBox>,
    /// The flow's ends whose addresses differ between the two policies (`` `field.plcs`:
    /// 10.40.2.0/24 → 10.40.3.0/24 ``): why a flow written the same on both sides changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<String>,
}

/// A box of packets, described with the policy's names.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PacketBox {
    pub family: Family,
    pub src: String,
    pub dst: String,
    pub service: String,
    /// One concrete packet of the box.
    pub example: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SlChange {
    /// `zone` or `conduit`.
    pub kind: &'static str,
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
pub struct Finding {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub location: Option<String>,
}

/// Names of one policy's address sets, for describing boxes: each side of a diff is described
/// with the names of the policy it comes from (an address that moved from zone `c` to zone `a`
/// is `a`'s in the new policy and `c`'s in the old).
struct Names<'m> {
    model: &'m Model,
    exact: HashMap<(Family, Ivs), String>,
}

impl<'m> Names<'m> {
    fn of(model: &'m Model) -> Names<'m> {
        let mut exact = HashMap::new();
        for z in &model.zones {
            for f in [Family::V4, Family::V6] {
                let iv = f.addrs(&z.addrs);
                if !iv.is_empty() {
                    exact.entry((f, iv)).or_insert_with(|| z.name.clone());
                }
                for a in &z.assets {
                    let iv = f.addrs(&a.addrs);
                    if !iv.is_empty() {
                        exact
                            .entry((f, iv))
                            .or_insert_with(|| format!("{}.{}", z.name, a.name));
                    }
                }
            }
        }
        Names { model, exact }
    }

    fn describe(&self, f: Family, iv: &Ivs) -> String {
        self.describe_owned(f, iv).0
    }

    /// The description, and whether a zone of this policy holds (part of) the addresses.
    fn describe_owned(&self, f: Family, iv: &Ivs) -> (String, bool) {
        if let Some(n) = self.exact.get(&(f, iv.clone())) {
            return (format!("`{n}`"), true);
        }
        let nets = cidrs(f, iv);
        let zone = iv
            .first()
            .and_then(|x| self.model.zone_of(f.addr(x)))
            .map(|z| self.model.zone(z).name.clone());
        let shown = if nets.len() > 4 {
            format!("{} and {} more", nets[..4].join(", "), nets.len() - 4)
        } else {
            nets.join(", ")
        };
        match zone {
            Some(z) => (format!("{shown} (in `{z}`)"), true),
            None => (shown, false),
        }
    }

    /// The description in this policy, followed by the other policy's where it differs
    /// (`` `a` (was `c`) ``).
    fn describe_both(&self, other: &Names, word: &str, f: Family, iv: &Ivs) -> String {
        let mine = self.describe(f, iv);
        let (theirs, owned) = other.describe_owned(f, iv);
        if mine == theirs {
            mine
        } else if owned {
            format!("{mine} ({word} {theirs})")
        } else {
            format!("{mine} ({word} outside every zone)")
        }
    }
}

/// CIDR blocks of an interval set (ipnet decomposes ranges).
pub fn cidrs(f: Family, iv: &Ivs) -> Vec<String> {
    let mut s = crate::model::AddrSet::new();
    for &(lo, hi) in iv.0.iter() {
        match f {
            Family::V4 => s.v4.push((lo as u32, hi as u32)),
            Family::V6 => s.v6.push((lo, hi)),
        }
    }
    s.nets().iter().map(|n| n.to_string()).collect()
}

/// `tcp/502`, `udp/1000-2000`, `icmp type 8`, `ip proto 47`, ...
pub fn describe_service(c: &Cube) -> String {
    let ports = |iv: &Ivs| -> String {
        iv.0.iter()
            .map(|&(l, h)| {
                if l == h {
                    l.to_string()
                } else {
                    format!("{l}-{h}")
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut parts = Vec::new();
    for &(lo, hi) in c.proto.0.iter() {
        for p in lo..=hi {
            let s = match p {
                6 | 17 => {
                    let name = if p == 6 { "tcp" } else { "udp" };
                    if c.port == Ivs::range(0, 65535) {
                        name.to_string()
                    } else {
                        format!("{name}/{}", ports(&c.port))
                    }
                }
                1 | 58 => {
                    let name = if p == 1 { "icmp" } else { "icmpv6" };
                    if c.port == Ivs::range(0, 255) {
                        name.to_string()
                    } else {
                        format!("{name} type {}", ports(&c.port))
                    }
                }
                _ => {
                    if c.proto.count() > 8 {
                        let rest: Vec<String> = c
                            .proto
                            .0
                            .iter()
                            .map(|&(l, h)| {
                                if l == h {
                                    l.to_string()
                                } else {
                                    format!("{l}-{h}")
                                }
                            })
                            .collect();
                        parts.push(format!("ip proto {}", rest.join(",")));
                        return parts.join(", ");
                    }
                    format!("ip proto {p}")
                }
            };
            parts.push(s);
        }
    }
    parts.join(", ")
}

fn location(model: &Model, span: crate::source::Span) -> String {
    let loc = model.sources.location(span);
    // file:line:col -> file:line
    match loc.rsplit_once(':') {
        Some((fl, _)) => fl.to_string(),
        None => loc,
    }
}

/// The changed packets of each flow of `names.model`, described with its names first and the
/// other policy's where they differ (`word`: "was" for newly allowed, "now" for newly denied).
fn flow_changes(
    names: &Names,
    other: &Names,
    word: &str,
    residue: Vec<(Cube, FlowId)>,
) -> BTreeMap<String, Vec<FlowChange>> {
    let model = names.model;
    let mut by_flow: BTreeMap<FlowId, Vec<Cube>> = BTreeMap::new();
    for (c, f) in residue {
        by_flow.entry(f).or_default().push(c);
    }
    let mut out: BTreeMap<String, Vec<FlowChange>> = BTreeMap::new();
    for (fid, cubes) in by_flow {
        let mut all = flow_cubes(model, fid);
        all.sort();
        let mut mine = cubes.clone();
        mine.sort();
        let whole = coalesce(all) == coalesce(mine);
        let packets = coalesce(cubes)
            .iter()
            .map(|c| PacketBox {
                family: c.family,
                src: names.describe_both(other, word, c.family, &c.src),
                dst: names.describe_both(other, word, c.family, &c.dst),
                service: describe_service(c),
                example: c.witness().map(|p| p.to_string()).unwrap_or_default(),
            })
            .collect();
        let f = model.flow(fid);
        out.entry(model.conduit(f.conduit).name.clone())
            .or_default()
            .push(FlowChange {
                flow: model.flow_label(fid),
                location: location(model, model.spans.flow(fid)),
                whole,
                packets,
                moved: moved_ends(model, other.model, fid, word == "now"),
            });
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| (&a.flow, &a.location).cmp(&(&b.flow, &b.location)));
    }
    out
}

/// The ends of flow `fid` of `model` (a zone or `zone.asset`) whose addresses differ in `other`,
/// as `` `name`: OLD → NEW `` (`model` is the old policy when `model_is_old`).
fn moved_ends(model: &Model, other: &Model, fid: FlowId, model_is_old: bool) -> Vec<String> {
    let f = model.flow(fid);
    let mut out = Vec::new();
    for end in [&f.src, &f.dst] {
        let zone = model.zone(end.zone);
        let (name, addrs) = match end.asset {
            Some(a) => (
                format!("{}.{}", zone.name, zone.assets[a].name),
                &zone.assets[a].addrs,
            ),
            None => (zone.name.clone(), &zone.addrs),
        };
        let there = other.zone_id(&zone.name).and_then(|z| {
            let oz = other.zone(z);
            match end.asset {
                Some(a) => oz.asset(&zone.assets[a].name).map(|i| &oz.assets[i].addrs),
                None => Some(&oz.addrs),
            }
        });
        if let Some(there) = there {
            if there != addrs {
                let show = |s: &crate::model::AddrSet| {
                    s.nets()
                        .iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let (old, new) = if model_is_old {
                    (addrs, there)
                } else {
                    (there, addrs)
                };
                let line = format!("`{name}`: {} → {}", show(old), show(new));
                if !out.contains(&line) {
                    out.push(line);
                }
            }
        }
    }
    out
}

fn findings(c: &Checked) -> Vec<Finding> {
    c.diagnostics
        .iter()
        .filter(|d| d.suppressed.is_none())
        .map(|d: &Diagnostic| Finding {
            code: d.code.clone(),
            severity: d.severity.as_str().to_string(),
            message: d.message.clone(),
            location: d.span.map(|s| {
                let loc = c.sources.location(s);
                loc.rsplit_once(':')
                    .map(|(a, _)| a.to_string())
                    .unwrap_or(loc)
            }),
        })
        .collect()
}

/// Findings in `a` that `b` does not have (matched on code and message, not position).
fn minus(a: &[Finding], b: &[Finding]) -> Vec<Finding> {
    let mut count: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in b {
        *count.entry((&f.code, &f.message)).or_default() += 1;
    }
    let mut out = Vec::new();
    for f in a {
        match count.get_mut(&(f.code.as_str(), f.message.as_str())) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(f.clone()),
        }
    }
    out.sort();
    out
}

/// Diffs two checked policies. Both must have a Model.
pub fn diff(old: &Checked, new: &Checked) -> Option<PolicyDiff> {
    let (om, nm) = (old.model.as_ref()?, new.model.as_ref()?);
    Some(diff_models(om, nm, &findings(old), &findings(new)))
}

pub fn diff_models(
    om: &Model,
    nm: &Model,
    old_findings: &[Finding],
    new_findings: &[Finding],
) -> PolicyDiff {
    let (old_names, new_names) = (Names::of(om), Names::of(nm));
    let os = policy_space(om);
    let ns = policy_space(nm);
    let added = ns.subtract(&os);
    let removed = os.subtract(&ns);
    let allowed = flow_changes(&new_names, &old_names, "was", added.cubes);
    let denied = flow_changes(&old_names, &new_names, "now", removed.cubes);

    let mut conduits = Vec::new();
    let keys: std::collections::BTreeSet<&String> = allowed.keys().chain(denied.keys()).collect();
    for k in keys {
        let in_old = om.conduit_id(k).is_some();
        let in_new = nm.conduit_id(k).is_some();
        conduits.push(ConduitDiff {
            conduit: k.clone(),
            status: match (in_old, in_new) {
                (false, true) => "added",
                (true, false) => "removed",
                _ => "changed",
            },
            newly_allowed: allowed.get(k).cloned().unwrap_or_default(),
            newly_denied: denied.get(k).cloned().unwrap_or_default(),
        });
    }

    let mut sl_changes = Vec::new();
    let zones: std::collections::BTreeSet<&str> = om
        .zones
        .iter()
        .chain(&nm.zones)
        .map(|z| z.name.as_str())
        .collect();
    for z in zones {
        let o = om.zone_id(z).map(|i| om.zone(i).sl.to_string());
        let n = nm.zone_id(z).map(|i| nm.zone(i).sl.to_string());
        if o != n {
            sl_changes.push(SlChange {
                kind: "zone",
                name: z.to_string(),
                old: o,
                new: n,
            });
        }
    }
    let cs: std::collections::BTreeSet<&str> = om
        .conduits
        .iter()
        .chain(&nm.conduits)
        .map(|c| c.name.as_str())
        .collect();
    for c in cs {
        let o = om
            .conduit_id(c)
            .and_then(|i| om.conduit(i).sl.map(|s| s.to_string()));
        let n = nm
            .conduit_id(c)
            .and_then(|i| nm.conduit(i).sl.map(|s| s.to_string()));
        if o != n {
            sl_changes.push(SlChange {
                kind: "conduit",
                name: c.to_string(),
                old: o,
                new: n,
            });
        }
    }

    PolicyDiff {
        conduits,
        devices: devices::device_diffs(&old_names, &new_names),
        sl_changes,
        findings_added: minus(new_findings, old_findings),
        findings_fixed: minus(old_findings, new_findings),
    }
}

/// Markdown for a pull-request comment.
pub fn to_markdown(d: &PolicyDiff, old_name: &str, new_name: &str) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## fenceline diff: `{}` → `{}`\n",
        md_code(old_name),
        md_code(new_name)
    );
    if d.is_empty() {
        let _ = writeln!(s, "No change in allowed traffic, SL-Ts or findings.");
        return s;
    }
    let _ = writeln!(
        s,
        "**{} flow(s) newly allowed, {} newly denied, {} SL-T change(s), {} finding(s) added, {} fixed**\n",
        d.allowed_count(),
        d.denied_count(),
        d.sl_changes.len(),
        d.findings_added.len(),
        d.findings_fixed.len()
    );
    for c in &d.conduits {
        let status = match c.status {
            "added" => " (new conduit)",
            "removed" => " (removed conduit)",
            _ => "",
        };
        let _ = writeln!(s, "### Conduit `{}`{status}\n", md_code(&c.conduit));
        flow_tables(&mut s, &c.newly_allowed, &c.newly_denied);
    }
    for dev in &d.devices {
        let status = match dev.status {
            "added" => " (new device)",
            "removed" => " (removed device)",
            _ => "",
        };
        let _ = writeln!(s, "### Device `{}`{status}\n", md_code(&dev.device));
        flow_tables(&mut s, &dev.newly_allowed, &dev.newly_denied);
        let list = |v: &[String]| {
            if v.is_empty() {
                "(none)".to_string()
            } else {
                md_cell(&v.join(", "))
            }
        };
        for a in &dev.addresses {
            let _ = writeln!(
                s,
                "- own addresses on `{}`: {} → {}",
                md_code(&a.interface),
                list(&a.old),
                list(&a.new)
            );
        }
        if let Some(c) = &dev.cluster {
            let _ = writeln!(s, "- cluster nodes: {} → {}", list(&c.old), list(&c.new));
        }
        if let Some(c) = &dev.sync {
            let show = |v: &Option<String>| {
                v.as_deref()
                    .map(|x| format!("`{}`", md_code(x)))
                    .unwrap_or_else(|| "(none)".into())
            };
            let _ = writeln!(s, "- sync interface: {} → {}", show(&c.old), show(&c.new));
        }
        if !dev.addresses.is_empty() || dev.cluster.is_some() || dev.sync.is_some() {
            let _ = writeln!(s);
        }
    }
    if !d.sl_changes.is_empty() {
        let _ = writeln!(s, "### SL-T changes\n");
        for c in &d.sl_changes {
            let _ = writeln!(
                s,
                "- {} `{}`: {} → {}",
                c.kind,
                md_code(&c.name),
                c.old.as_deref().unwrap_or("(none)"),
                c.new.as_deref().unwrap_or("(none)")
            );
        }
        let _ = writeln!(s);
    }
    for (title, list) in [
        ("Findings added", &d.findings_added),
        ("Findings fixed", &d.findings_fixed),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "### {title}\n");
        for f in list {
            let _ = writeln!(
                s,
                "- `{}` {}: {}{}",
                f.code,
                f.severity,
                md_cell(&f.message),
                f.location
                    .as_ref()
                    .map(|l| format!(" ({})", md_cell(l)))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(s);
    }
    s
}

/// The "Newly allowed" and "Newly denied" tables of a conduit's or a device's flows.
fn flow_tables(s: &mut String, allowed: &[FlowChange], denied: &[FlowChange]) {
    use std::fmt::Write;
    for (title, list) in [("Newly allowed", allowed), ("Newly denied", denied)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{title}:\n");
        let _ = writeln!(
            s,
            "| flow | source | destination | service | example packet |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|");
        for f in list {
            let flow = format!(
                "`{}` ({}){}",
                md_code(&f.flow),
                md_cell(&f.location),
                if f.whole { "" } else { ", in part" }
            );
            let flow = if f.moved.is_empty() {
                flow
            } else {
                let moved: Vec<String> = f.moved.iter().map(|m| md_cell(m)).collect();
                format!("{flow}; moved: {}", moved.join("; "))
            };
            for (i, p) in f.packets.iter().enumerate() {
                let first = if i == 0 { flow.as_str() } else { "" };
                let _ = writeln!(
                    s,
                    "| {first} | {} | {} | {} | `{}` |",
                    md_cell(&p.src),
                    md_cell(&p.dst),
                    md_cell(&p.service),
                    md_code(&p.example)
                );
            }
        }
        let _ = writeln!(s);
    }
}

/// Text inside backticks cannot hold a backtick.
fn md_code(s: &str) -> String {
    s.replace('`', "'").replace('\n', " ")
}

/// Table cells: no pipes or line breaks; HTML is not interpreted.
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
