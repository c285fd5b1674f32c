//! Formats a [`Report`]: markdown and HTML through the minijinja templates in
//! `targets/report/`, JSON through serde. Templates format; they never decide.
//!
//! Escaping is done by the formatter, never by remembering a filter: in `.html` templates every
//! interpolated value is HTML-escaped (minijinja auto-escape), in `.md` templates every string
//! is markdown-escaped, so text from a policy cannot add markup, links or table cells. Markup
//! that the report builds itself (the SVG diagram) is passed as a safe value.

use super::fr5::{Assessment, Status};
use super::{
    DeviceView, Enforcement, ExceptionView, FindingView, FlowView, Matrix, PolicyView, Report,
    SlTableView, SlView, Summary, Tool, ZoneView,
};
use crate::error::{Error, Result};
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

const MD: &str = include_str!("../../targets/report/report.md.j2");
const HTML: &str = include_str!("../../targets/report/report.html.j2");

/// Escapes the characters that markdown (CommonMark and GitHub tables) would read as markup.
pub fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    // Writing into a String cannot fail.
    let _ = write_md_escaped(&mut o, s);
    o
}

/// [`md_escape`] written to `out` as runs of the text between the characters it changes (the
/// formatter of every interpolated value of the Markdown report: no string allocated per value).
fn write_md_escaped(out: &mut dyn std::fmt::Write, s: &str) -> std::fmt::Result {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let markup = matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        );
        if !markup && !c.is_control() {
            continue;
        }
        out.write_str(&s[start..i])?;
        if markup {
            out.write_char('\\')?;
            out.write_char(c)?;
        } else {
            out.write_char(' ')?;
        }
        start = i + c.len_utf8();
    }
    out.write_str(&s[start..])
}

fn environment() -> Result<Environment<'static>> {
    let mut env = crate::dialect::environment();
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == AutoEscape::None && !value.is_safe() {
            if let Some(s) = value.as_str() {
                return write_md_escaped(out, s).map_err(minijinja::Error::from);
            }
        }
        if let Some(s) = value.as_str() {
            if s.chars().any(|c| c.is_control() && c != '\n') {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("refusing to write a control character into the report: {s:?}"),
                ));
            }
        }
        minijinja::escape_formatter(out, state, value)
    });
    env.add_template("report.md.j2", MD)
        .map_err(|e| Error::Other(format!("template report.md.j2: {e}")))?;
    env.add_template("report.html.j2", HTML)
        .map_err(|e| Error::Other(format!("template report.html.j2: {e}")))?;
    Ok(env)
}

/// Conduits with more flows than this are summarised in the Markdown and HTML reports instead of
/// listing every flow; `report.json` always lists every flow. A table of a few hundred rows is
/// still read by a person; a 100,000-flow policy made each of those reports tens of megabytes.
pub const FLOW_LIST_LIMIT: usize = 200;

/// Conduits above which the Markdown and HTML reports take their compact layout ([`Compact`]):
/// one table row per conduit, the FR 5 and SL-A outcomes of the conduits counted per
/// requirement, and in full only the conduits that fall short. A central firewall of 100 zones
/// has up to 4,950 conduits; their sections made those reports 27 and 49 MB, which nobody reads,
/// and most of a build's time. `report.json` is never compact; `fenceline report --full` lists
/// every conduit in full whatever its size.
pub const COMPACT_CONDUITS: usize = 250;

/// Conduits listed in full in a compact report's "falls short" lists; the rest are counted
/// (every one is in `report.json`).
pub const COMPACT_DETAIL_LIMIT: usize = 100;

/// Which layout the Markdown and HTML reports take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Compact when the policy has more than [`COMPACT_CONDUITS`] conduits.
    #[default]
    Auto,
    /// Every conduit's section, FR 5 table and SL rows, whatever the size.
    Full,
}

impl Layout {
    fn compact(self, report: &Report) -> bool {
        self == Layout::Auto && report.conduits.len() > COMPACT_CONDUITS
    }
}

/// The conduits of a compact report (see [`COMPACT_CONDUITS`]).
#[derive(Serialize)]
struct Compact<'a> {
    limit: usize,
    detail_limit: usize,
    conduits: Vec<CompactConduit<'a>>,
    /// Per FR 5 requirement, the conduits by status.
    fr5_counts: Vec<Fr5Count<'a>>,
    /// Conduits with a requirement required at their SL-T(RDF) and not met, in full.
    fr5_short: Vec<TemplateAssessment<'a>>,
    fr5_short_more: usize,
    /// Per FR, the conduits by SL-A status.
    sl_counts: Vec<SlCount>,
    /// Conduits with an FR below its SL-T, every FR row of them.
    sl_short: Vec<&'a super::assessment::ScopeAssessment>,
    sl_short_more: usize,
}

#[derive(Serialize)]
struct CompactConduit<'a> {
    name: &'a str,
    zones: &'a [String],
    sl_target: &'a str,
    flows: usize,
    cleartext: usize,
    unenforced: usize,
    excepted: usize,
    services: &'a [String],
    /// The devices that enforce it, each once, in order.
    devices: Vec<&'a str>,
    /// `met`, the requirements required at its SL-T(RDF) and not met, or `not assessed` (a
    /// conduit without an FR 5 assessment).
    fr5: String,
}

#[derive(Serialize)]
struct Fr5Count<'a> {
    id: &'a str,
    title: &'a str,
    required: usize,
    met: usize,
    not_met: usize,
    not_assessable: usize,
    not_applicable: usize,
    /// Of the conduits that require it, those where it is not met.
    required_not_met: usize,
}

#[derive(Serialize)]
struct SlCount {
    fr: &'static str,
    met: usize,
    below: usize,
    declared: usize,
    not_assessed: usize,
}

impl<'a> Compact<'a> {
    fn of(r: &'a Report) -> Compact<'a> {
        let fr5_of: BTreeMap<&str, &Assessment> = r
            .fr5
            .iter()
            .filter(|a| a.kind == "conduit")
            .map(|a| (a.name.as_str(), a))
            .collect();
        let conduits = r
            .conduits
            .iter()
            .map(|c| {
                let mut devices: Vec<&str> = Vec::new();
                for e in &c.enforcement {
                    if !devices.contains(&&*e.device) {
                        devices.push(&e.device);
                    }
                }
                let short: Option<Vec<String>> = fr5_of.get(c.name.as_str()).map(|a| {
                    a.rows
                        .iter()
                        .filter(|row| row.required && row.status == Status::NotMet)
                        .map(|row| format!("{} {}", row.id, row.status_label))
                        .collect()
                });
                CompactConduit {
                    name: &c.name,
                    zones: &c.zones,
                    sl_target: c.sl_target.as_ref().map_or("not declared", |s| &*s.text),
                    flows: c.flows.len(),
                    cleartext: c.flows.iter().filter(|f| f.cleartext).count(),
                    unenforced: c.flows.iter().filter(|f| f.enforced_on.is_empty()).count(),
                    excepted: c.flows.iter().filter(|f| !f.exceptions.is_empty()).count(),
                    services: &c.services,
                    devices,
                    fr5: match short {
                        None => "not assessed".to_string(),
                        Some(s) if s.is_empty() => "met".to_string(),
                        Some(s) => s.join(", "),
                    },
                }
            })
            .collect();
        let mut fr5_counts: Vec<Fr5Count<'a>> = Vec::new();
        let mut fr5_short = Vec::new();
        let mut fr5_short_more = 0;
        for a in r.fr5.iter().filter(|a| a.kind == "conduit") {
            for (i, row) in a.rows.iter().enumerate() {
                if fr5_counts.len() <= i {
                    fr5_counts.push(Fr5Count {
                        id: &row.id,
                        title: &row.title,
                        required: 0,
                        met: 0,
                        not_met: 0,
                        not_assessable: 0,
                        not_applicable: 0,
                        required_not_met: 0,
                    });
                }
                let n = &mut fr5_counts[i];
                n.required += usize::from(row.required);
                match row.status {
                    Status::Met => n.met += 1,
                    Status::NotMet => n.not_met += 1,
                    Status::NotAssessable => n.not_assessable += 1,
                    Status::NotApplicable => n.not_applicable += 1,
                }
                n.required_not_met += usize::from(row.required && row.status == Status::NotMet);
            }
            if a.rows
                .iter()
                .any(|row| row.required && row.status == Status::NotMet)
            {
                if fr5_short.len() < COMPACT_DETAIL_LIMIT {
                    fr5_short.push(TemplateAssessment::of(a));
                } else {
                    fr5_short_more += 1;
                }
            }
        }
        let mut sl_counts: Vec<SlCount> = Vec::new();
        let mut sl_short = Vec::new();
        let mut sl_short_more = 0;
        use super::assessment::{BELOW, DECLARED, MET, NOT_ASSESSED};
        for s in r.assessment.scopes.iter().filter(|s| s.kind == "conduit") {
            for (i, f) in s.frs.iter().enumerate() {
                if sl_counts.len() <= i {
                    sl_counts.push(SlCount {
                        fr: f.fr,
                        met: 0,
                        below: 0,
                        declared: 0,
                        not_assessed: 0,
                    });
                }
                let n = &mut sl_counts[i];
                match f.status {
                    MET => n.met += 1,
                    BELOW => n.below += 1,
                    DECLARED => n.declared += 1,
                    NOT_ASSESSED => n.not_assessed += 1,
                    _ => {}
                }
            }
            if s.frs.iter().any(|f| f.status == BELOW) {
                if sl_short.len() < COMPACT_DETAIL_LIMIT {
                    sl_short.push(s);
                } else {
                    sl_short_more += 1;
                }
            }
        }
        Compact {
            limit: COMPACT_CONDUITS,
            detail_limit: COMPACT_DETAIL_LIMIT,
            conduits,
            fr5_counts,
            fr5_short,
            fr5_short_more,
            sl_counts,
            sl_short,
            sl_short_more,
        }
    }
}

/// What the templates see of a [`Report`]: the same fields by reference, except that each
/// conduit carries its flows only when it has at most [`FLOW_LIST_LIMIT`] of them, plus a
/// summary of them. Converting the report into template values is then proportional to what
/// the templates print, not to the number of flows. A field added to `Report` must be added
/// here for the templates to see it (strict undefined makes a template fail if it is missing).
#[derive(Serialize)]
struct TemplateReport<'a> {
    version: u32,
    tool: &'a Tool,
    policy: &'a PolicyView,
    today: &'a Option<String>,
    summary: &'a Summary,
    zones: &'a [ZoneView],
    /// Parallel to `zones`, each flow list cut at [`EVIDENCE_LIST_LIMIT`].
    access_points: Vec<Vec<TemplateAccessPoint<'a>>>,
    conduits: Vec<TemplateConduit<'a>>,
    devices: &'a [DeviceView],
    matrix: &'a Matrix,
    sl_table: &'a SlTableView,
    fr5: Vec<TemplateAssessment<'a>>,
    findings: &'a [FindingView],
    exceptions: &'a [ExceptionView],
    widenings: &'a [FindingView],
    unenforced_flows: &'a [String],
    unroutable_flows: &'a [String],
    assessment: TemplateAssessmentView<'a>,
    /// The scopes of the SL-A table: every zone and conduit, or only the zones when `compact`.
    sl_scopes: Vec<&'a super::assessment::ScopeAssessment>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    sites: &'a [super::SiteView],
    /// The compact layout's conduits; `conduits` is then empty and `fr5` and `sl_scopes` hold
    /// the zones only.
    #[serde(skip_serializing_if = "Option::is_none")]
    compact: Option<Compact<'a>>,
}

/// The assessment as the templates read it: its scopes only where they have a rationale (the
/// SL-T rationale list); the SL-A table reads `sl_scopes`. A central firewall's thousands of
/// conduits are then not converted into template values that nothing reads.
#[derive(Serialize)]
struct TemplateAssessmentView<'a> {
    revision: &'a Option<String>,
    approved_by: &'a Option<String>,
    matrix: &'a super::assessment::MatrixView,
    summary: &'a super::assessment::AssessmentSummary,
    scopes: Vec<&'a super::assessment::ScopeAssessment>,
    risks: &'a [super::assessment::RiskView],
}

impl<'a> TemplateAssessmentView<'a> {
    fn of(a: &'a super::assessment::AssessmentView) -> TemplateAssessmentView<'a> {
        TemplateAssessmentView {
            revision: &a.revision,
            approved_by: &a.approved_by,
            matrix: &a.matrix,
            summary: &a.summary,
            scopes: a
                .scopes
                .iter()
                .filter(|s| !s.rationale.is_empty())
                .collect(),
            risks: &a.risks,
        }
    }
}

#[derive(Serialize)]
struct TemplateConduit<'a> {
    name: &'a str,
    description: &'a Option<String>,
    zones: &'a [String],
    sl_target: &'a Option<SlView>,
    sl_rdf: u8,
    /// Every flow, or none when the conduit is summarised (`flows_listed` false).
    flows: &'a [FlowView],
    flows_listed: bool,
    flow_summary: FlowSummary,
    enforcement: &'a [Enforcement],
    services: &'a [String],
}

/// An access point (ZCR 6.4 h) whose flow list is cut at [`EVIDENCE_LIST_LIMIT`] items.
#[derive(Serialize)]
struct TemplateAccessPoint<'a> {
    point: &'a str,
    kind: &'static str,
    flows: &'a [super::Name],
    /// Flows left out (listed in `report.json`).
    flows_more: usize,
    note: Option<&'static str>,
}

impl<'a> TemplateAccessPoint<'a> {
    fn of(p: &'a super::access::AccessPointView) -> TemplateAccessPoint<'a> {
        let shown = p.flows.len().min(EVIDENCE_LIST_LIMIT);
        TemplateAccessPoint {
            point: &p.point,
            kind: p.kind,
            flows: p.flows.get(..shown).unwrap_or_default(),
            flows_more: p.flows.len() - shown,
            note: p.note,
        }
    }
}

/// An FR 5 assessment whose evidence lists are cut at [`EVIDENCE_LIST_LIMIT`] items.
#[derive(Serialize)]
struct TemplateAssessment<'a> {
    kind: &'static str,
    name: &'a str,
    sl_rdf: u8,
    sl_note: &'a Option<String>,
    rows: Vec<TemplateRow<'a>>,
}

#[derive(Serialize)]
struct TemplateRow<'a> {
    id: &'a str,
    title: &'a str,
    required: bool,
    status: Status,
    status_label: &'static str,
    evidence: &'a [String],
    /// Evidence items left out (listed in `report.json`).
    evidence_more: usize,
}

/// Evidence items (often one per flow) listed per requirement in the Markdown and HTML reports;
/// `report.json` has them all.
pub const EVIDENCE_LIST_LIMIT: usize = 20;

impl<'a> TemplateAssessment<'a> {
    fn of(a: &'a Assessment) -> TemplateAssessment<'a> {
        TemplateAssessment {
            kind: a.kind,
            name: &a.name,
            sl_rdf: a.sl_rdf,
            sl_note: &a.sl_note,
            rows: a
                .rows
                .iter()
                .map(|r| {
                    let shown = r.evidence.len().min(EVIDENCE_LIST_LIMIT);
                    TemplateRow {
                        id: &r.id,
                        title: &r.title,
                        required: r.required,
                        status: r.status,
                        status_label: r.status_label,
                        evidence: r.evidence.get(..shown).unwrap_or_default(),
                        evidence_more: r.evidence.len() - shown,
                    }
                })
                .collect(),
        }
    }
}

/// Counts over a conduit's flows, for a conduit too large to list them.
#[derive(Serialize, Default)]
struct FlowSummary {
    flows: usize,
    sources: usize,
    destinations: usize,
    cleartext: usize,
    logged: usize,
    unenforced: usize,
    excepted: usize,
    /// (service, flows using it), by service name.
    per_service: Vec<(String, usize)>,
}

impl FlowSummary {
    fn of(flows: &[FlowView]) -> FlowSummary {
        let mut sources = BTreeSet::new();
        let mut destinations = BTreeSet::new();
        let mut per_service: BTreeMap<&str, usize> = BTreeMap::new();
        let mut s = FlowSummary {
            flows: flows.len(),
            ..FlowSummary::default()
        };
        for f in flows {
            sources.insert(&*f.source);
            destinations.insert(&*f.destination);
            s.cleartext += usize::from(f.cleartext);
            s.logged += usize::from(f.log);
            s.unenforced += usize::from(f.enforced_on.is_empty());
            s.excepted += usize::from(!f.exceptions.is_empty());
            for svc in &f.services {
                *per_service.entry(&**svc).or_default() += 1;
            }
        }
        s.sources = sources.len();
        s.destinations = destinations.len();
        s.per_service = per_service
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        s
    }
}

impl<'a> TemplateReport<'a> {
    fn of(r: &'a Report, layout: Layout) -> TemplateReport<'a> {
        let compact = layout.compact(r);
        let in_layout = |kind: &str| !compact || kind == "zone";
        TemplateReport {
            version: r.version,
            tool: &r.tool,
            policy: &r.policy,
            today: &r.today,
            summary: &r.summary,
            zones: &r.zones,
            access_points: r
                .access_points
                .iter()
                .map(|z| z.points.iter().map(TemplateAccessPoint::of).collect())
                .collect(),
            conduits: r
                .conduits
                .iter()
                .filter(|_| !compact)
                .map(|c| {
                    let listed = c.flows.len() <= FLOW_LIST_LIMIT;
                    TemplateConduit {
                        name: &c.name,
                        description: &c.description,
                        zones: &c.zones,
                        sl_target: &c.sl_target,
                        sl_rdf: c.sl_rdf,
                        flows: if listed { &c.flows } else { &[] },
                        flows_listed: listed,
                        flow_summary: if listed {
                            FlowSummary::default()
                        } else {
                            FlowSummary::of(&c.flows)
                        },
                        enforcement: &c.enforcement,
                        services: &c.services,
                    }
                })
                .collect(),
            devices: &r.devices,
            matrix: &r.matrix,
            sl_table: &r.sl_table,
            fr5: r
                .fr5
                .iter()
                .filter(|a| in_layout(a.kind))
                .map(TemplateAssessment::of)
                .collect(),
            findings: &r.findings,
            exceptions: &r.exceptions,
            widenings: &r.widenings,
            unenforced_flows: &r.unenforced_flows,
            unroutable_flows: &r.unroutable_flows,
            assessment: TemplateAssessmentView::of(&r.assessment),
            sl_scopes: r
                .assessment
                .scopes
                .iter()
                .filter(|s| in_layout(s.kind))
                .collect(),
            sites: &r.sites,
            compact: compact.then(|| Compact::of(r)),
        }
    }
}

fn context(report: &Report, layout: Layout) -> Value {
    minijinja::context! {
        r => Value::from_serialize(TemplateReport::of(report, layout)),
        flow_list_limit => FLOW_LIST_LIMIT,
        svg => Value::from_safe_string(report.svg_inline.clone()),
        mermaid => Value::from_safe_string(report.mermaid.clone()),
        finding_scopes => Value::from_serialize(&report.finding_scopes),
    }
}

/// The Markdown report in the [`Layout::Auto`] layout.
pub fn to_markdown(report: &Report) -> Result<String> {
    to_markdown_in(report, Layout::Auto)
}

pub fn to_markdown_in(report: &Report, layout: Layout) -> Result<String> {
    crate::dialect::render(&environment()?, "report.md.j2", context(report, layout))
}

/// The HTML report in the [`Layout::Auto`] layout.
pub fn to_html(report: &Report) -> Result<String> {
    to_html_in(report, Layout::Auto)
}

pub fn to_html_in(report: &Report, layout: Layout) -> Result<String> {
    crate::dialect::render(&environment()?, "report.html.j2", context(report, layout))
}

/// The Markdown and HTML reports from one template context: converting a large report into
/// template values once instead of twice halves that cost and its memory. The two renderings
/// run side by side.
pub fn to_markdown_and_html(report: &Report) -> Result<(String, String)> {
    to_markdown_and_html_in(report, Layout::Auto)
}

pub fn to_markdown_and_html_in(report: &Report, layout: Layout) -> Result<(String, String)> {
    let env = environment()?;
    let cx = context(report, layout);
    let names = ["report.md.j2", "report.html.j2"];
    let mut out = crate::threads::map(&names, |name| {
        crate::dialect::render(&env, name, cx.clone())
    })
    .into_iter();
    match (out.next(), out.next()) {
        (Some(md), Some(html)) => Ok((md?, html?)),
        _ => Err(Error::Other(
            "report rendering returned too few documents".into(),
        )),
    }
}

/// `report.json`'s text: the report pretty-printed, each flow, FR row, asset and SL vector on
/// one line (see [`super::json`]).
pub fn to_json(report: &Report) -> Result<String> {
    let mut out = Vec::new();
    write_json(report, &mut out, "report.json".as_ref())?;
    String::from_utf8(out).map_err(|e| Error::Other(e.to_string()))
}

/// [`to_json`] written to `w` as it is produced (`build` streams it to `report.json`, `report
/// --format json` to its output). A failure to write is an I/O error on `name`.
///
/// serde's formatter writes a token at a time (a quote, a colon, an indent); a buffer of its own
/// type takes them without a call through `dyn Write` each (the serialiser is built for that
/// buffer's type, so its writes inline), and passes `w` large blocks.
pub fn write_json(
    report: &Report,
    w: &mut dyn std::io::Write,
    name: &std::path::Path,
) -> Result<()> {
    use std::io::Write;
    let mut buf = std::io::BufWriter::with_capacity(1 << 16, w);
    super::json::write(report, &mut buf).map_err(|e| {
        if e.is_io() {
            Error::io(name, e.into())
        } else {
            Error::Other(e.to_string())
        }
    })?;
    buf.write_all(b"\n")
        .and_then(|()| buf.flush())
        .map_err(|e| Error::io(name, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escape() {
        assert_eq!(
            md_escape("a|b <i>x</i> [l](u)"),
            "a\\|b \\<i\\>x\\</i\\> \\[l\\](u)"
        );
        assert_eq!(md_escape("a\u{7}b_é#"), "a b\\_é\\#");
        assert_eq!(md_escape(""), "");
    }
}
