//! Formats a [`Report`]: markdown and HTML through the minijinja templates in
//! `targets/report/`, JSON through serde. Templates format; they never decide.
//!
//! Escaping is done by the formatter, never by remembering a filter: in `.html` templates every
//! interpolated value is HTML-escaped (minijinja auto-escape), in `.md` templates every string
//! is markdown-escaped, so text from a policy cannot add markup, links or table cells. Markup
//! that the report builds itself (the SVG diagram) is passed as a safe value.

use super::fr5::{Assessment, SlRow, Status};
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
    sl: &'a [SlRow],
    findings: &'a [FindingView],
    exceptions: &'a [ExceptionView],
    widenings: &'a [FindingView],
    unenforced_flows: &'a [String],
    unroutable_flows: &'a [String],
    assessment: &'a super::assessment::AssessmentView,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    sites: &'a [super::SiteView],
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
    fn of(r: &'a Report) -> TemplateReport<'a> {
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
            fr5: r.fr5.iter().map(TemplateAssessment::of).collect(),
            sl: &r.sl,
            findings: &r.findings,
            exceptions: &r.exceptions,
            widenings: &r.widenings,
            unenforced_flows: &r.unenforced_flows,
            unroutable_flows: &r.unroutable_flows,
            assessment: &r.assessment,
            sites: &r.sites,
        }
    }
}

fn context(report: &Report) -> Value {
    minijinja::context! {
        r => Value::from_serialize(TemplateReport::of(report)),
        flow_list_limit => FLOW_LIST_LIMIT,
        svg => Value::from_safe_string(report.svg_inline.clone()),
        mermaid => Value::from_safe_string(report.mermaid.clone()),
        finding_scopes => Value::from_serialize(&report.finding_scopes),
    }
}

pub fn to_markdown(report: &Report) -> Result<String> {
    crate::dialect::render(&environment()?, "report.md.j2", context(report))
}

pub fn to_html(report: &Report) -> Result<String> {
    crate::dialect::render(&environment()?, "report.html.j2", context(report))
}

/// The Markdown and HTML reports from one template context: converting a large report into
/// template values once instead of twice halves that cost and its memory. The two renderings
/// run side by side.
pub fn to_markdown_and_html(report: &Report) -> Result<(String, String)> {
    let env = environment()?;
    let cx = context(report);
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

pub fn to_json(report: &Report) -> Result<String> {
    let mut s = serde_json::to_string_pretty(report).map_err(|e| Error::Other(e.to_string()))?;
    s.push('\n');
    Ok(s)
}

/// [`to_json`] written to `w` as it is produced (`build` streams it to `report.json`).
pub fn write_json(report: &Report, mut w: &mut dyn std::io::Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut w, report).map_err(|e| Error::Other(e.to_string()))?;
    w.write_all(b"\n")
        .map_err(|e| Error::Other(format!("report.json: {e}")))
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
