//! The conformance report, beside pass 5: Model + Ir + Diagnostics -> [`Report`], a serialisable
//! view that the markdown and HTML templates (`targets/report/`) format and that is written as
//! JSON as it is. It documents every zone and conduit (IEC 62443-3-2 ZCR 6.4), assesses FR 5
//! (IEC 62443-3-3 SR 5.1-5.4) per zone and conduit against the SR-to-SL table in
//! `data/fr5-sl.toml` ([`sltable`]), and lists every finding, exception and widening.
//!
//! The report is deterministic: every list is sorted, there is no timestamp, and "today" appears
//! only when the caller passes it.

pub mod access;
pub mod assessment;
pub mod diagram;
pub mod fr5;
pub mod graph;
pub mod json;
pub mod own;
pub mod render;
pub mod sltable;
pub mod svg;

use crate::diagnostic::{Diagnostic, Severity, Subject};
use crate::error::Result;
use crate::lint::Checked;
use crate::model::{
    AssetKind, ConduitId, DeviceId, ExceptionId, FlowId, Fr, Level, Model, PortMode, Scope, Sl,
    ZoneId,
};
use crate::plan::Ir;
use serde::Serialize;
use sltable::SlTable;
use std::collections::{BTreeMap, BTreeSet};

pub use fr5::Status;

/// Version of the JSON layout; bumped when a field changes meaning or disappears.
pub const FORMAT_VERSION: u32 = 2;

/// Whether a finding reports a widening: return traffic a stateless target (Cisco IOS ACLs)
/// admits beyond the policy (OUT-005). These are listed under "Widenings" instead of "Findings".
pub fn is_widening(d: &Diagnostic) -> bool {
    d.code == crate::lint::rules::out_005_stateless_return_widening::RULE.id
}

#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Shown in the header and used to mark exceptions expired; `None` leaves the report free of
    /// any date (expiry then comes from the `EXC-001` findings alone).
    pub today: Option<String>,
    pub sl_table: SlTable,
    /// Show `file:line:col` of findings, exceptions and widenings (`build` and `report` both do).
    pub locations: bool,
}

impl ReportOptions {
    pub fn new(today: Option<String>) -> Result<ReportOptions> {
        Ok(ReportOptions {
            today,
            sl_table: SlTable::builtin()?,
            locations: true,
        })
    }
}

/// A site of the policy: one instance of a template.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SiteView {
    pub name: String,
    pub template: String,
    /// Its devices, by name.
    pub devices: Vec<String>,
    /// In this build's files (false only for a site a `build --site` left out).
    pub built: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// The format of report.json (see schemas/report.schema.json): 2 since the key was
    /// renamed from `format_version`.
    pub version: u32,
    pub tool: Tool,
    pub policy: PolicyView,
    pub today: Option<String>,
    pub summary: Summary,
    pub zones: Vec<ZoneView>,
    /// ZCR 6.4 h: per zone (in the order of `zones`), the data flows per access point.
    pub access_points: Vec<access::ZoneAccessView>,
    #[serde(serialize_with = "json::conduits")]
    pub conduits: Vec<ConduitView>,
    pub devices: Vec<DeviceView>,
    pub matrix: Matrix,
    pub sl_table: SlTableView,
    /// FR 5 per zone (in zone order), then per conduit.
    pub fr5: Vec<fr5::Assessment>,
    /// SL-T against the FR 5 capability of the modelled controls, per zone then conduit.
    pub sl: Vec<fr5::SlRow>,
    pub findings: Vec<FindingView>,
    pub exceptions: Vec<ExceptionView>,
    /// Return traffic that a stateless target allows beyond the policy (findings for which
    /// [`is_widening`] holds).
    pub widenings: Vec<FindingView>,
    /// Flows with no enforcement device on their path, and flows with no path at all.
    pub unenforced_flows: Vec<String>,
    pub unroutable_flows: Vec<String>,
    /// The IEC 62443-3-2 assessment: SL-T, SL-C, SL-A per FR, the risk register, the approval
    /// block (see [`assessment`]).
    pub assessment: assessment::AssessmentView,
    /// Each site of the policy (an instance of a template) and its devices; `built` is false
    /// for a site that a `build --site` left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<SiteView>,
    /// The zone diagram, self-made SVG without an XML namespace (for inline HTML).
    #[serde(skip)]
    pub svg_inline: String,
    /// The zone diagram as mermaid (for the markdown report).
    #[serde(skip)]
    pub mermaid: String,
    /// Per finding (in `findings` order), the zones and conduits it is about, as
    /// `data-` attribute values for the HTML report's diagram selection.
    #[serde(skip)]
    pub finding_scopes: Vec<FindingScope>,
}

/// The zones and conduits a finding is about (space-separated names), as the FR 5 assessment
/// attributes it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FindingScope {
    pub zones: String,
    pub conduits: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PolicyView {
    pub name: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    /// sha256 of the policy's meaning, as stamped on every generated file.
    pub sha256: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub zones: usize,
    pub conduits: usize,
    pub flows: usize,
    /// Device-level flows (`allow X -> self`, `allow self -> X`), listed under their devices.
    #[serde(skip_serializing_if = "is_zero")]
    pub self_flows: usize,
    pub devices: usize,
    pub services: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
    pub exceptions: usize,
    pub expired_exceptions: usize,
    pub widenings: usize,
    /// FR 5 rows required at the SL-T and not met, over zones and conduits.
    pub fr5_required_not_met: usize,
    pub fr5_required_not_assessable: usize,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SlView {
    /// `3`, or the vector `{ iac 3  uc 3 ... }`.
    pub text: String,
    /// `3/3/3/2/3/2/3` in FR order (IAC, UC, SI, DC, RDF, TRE, RA).
    pub short: String,
    pub vector: Vec<FrLevel>,
    pub rdf: u8,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FrLevel {
    pub fr: String,
    pub level: u8,
}

impl SlView {
    pub fn of(sl: &Sl) -> SlView {
        SlView {
            text: sl.to_string(),
            short: Fr::ALL
                .iter()
                .map(|f| sl.get(*f).to_string())
                .collect::<Vec<_>>()
                .join("/"),
            vector: Fr::ALL
                .iter()
                .map(|f| FrLevel {
                    fr: fr_upper(*f).into(),
                    level: sl.get(*f),
                })
                .collect(),
            rdf: sl.get(Fr::Rdf),
        }
    }
}

pub fn fr_upper(fr: Fr) -> &'static str {
    ["IAC", "UC", "SI", "DC", "RDF", "TRE", "RA"][fr as usize]
}

pub fn fr_title(fr: Fr) -> &'static str {
    [
        "Identification and authentication control",
        "Use control",
        "System integrity",
        "Data confidentiality",
        "Restricted data flow",
        "Timely response to events",
        "Resource availability",
    ][fr as usize]
}

/// Name of a Purdue band for people.
pub fn level_name(level: Level) -> &'static str {
    match level.0 {
        0 => "process",
        10 => "basic control",
        20 => "area supervisory control",
        30 => "site operations",
        35 => "industrial DMZ",
        40 => "site business",
        50 => "enterprise",
        _ => "unknown",
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AssetView {
    pub name: String,
    /// As written: in a translated zone, as the zone's hosts see themselves.
    pub addresses: Vec<String>,
    /// In a translated zone (`nat`): the addresses the rest of the plant reaches the asset at.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outside: Vec<String>,
    pub kind: Option<String>,
    pub description: Option<String>,
}

/// A zone with its ZCR 6.4 attributes.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ZoneView {
    pub name: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub level: String,
    pub level_name: &'static str,
    /// As the rest of the plant sees them (a translated network by its outside network).
    pub networks: Vec<String>,
    /// Static 1:1 translations (`network INSIDE nat OUTSIDE`): both views of each network.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nat: Vec<NatView>,
    pub vlan: Option<u16>,
    #[serde(serialize_with = "json::one_line_each")]
    pub assets: Vec<AssetView>,
    #[serde(serialize_with = "json::one_line")]
    pub sl_target: SlView,
    pub safety: bool,
    /// A transit network: it carries flows between other zones (`transit`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub transit: bool,
    pub conduits: Vec<String>,
    /// Layer-3 interfaces of enforcement devices in this zone: `fw-it-ot eth2`.
    pub boundary: Vec<String>,
    /// Switch ports carrying the zone: `sw-field GigabitEthernet1/0/48 (trunk)`.
    pub switch_ports: Vec<String>,
    /// ZCR 3.4-3.6: `wireless`, `external`, `temporary`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub designations: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The physical boundary (ZCR 6.4 d).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// One translated network of a zone: its hosts are at `inside`, the plant reaches them at
/// `outside`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NatView {
    pub inside: String,
    pub outside: String,
}

/// A name shared by many flow views (an endpoint, a service, a protocol item, an enforcement
/// label): one allocation per name instead of one per flow. Serialised as a string.
pub type Name = std::sync::Arc<str>;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FlowView {
    pub source: Name,
    pub destination: Name,
    pub services: Vec<Name>,
    /// Protocol/port items of the services: `tcp/502`.
    pub items: Vec<Name>,
    /// Whether any of the services carries data without encryption or integrity protection.
    pub cleartext: bool,
    pub log: bool,
    pub description: Option<String>,
    /// `fw-it-ot eth0 -> eth1`, one per device on the path.
    pub enforced_on: Vec<Name>,
    /// Rules excepted on this flow.
    pub exceptions: Vec<String>,
    /// The services flagged `one-way`: their connections get no reply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub one_way: Vec<Name>,
    /// The devices named by `via`: the flow keeps to the paths through one of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Enforcement {
    pub device: String,
    pub kind: String,
    pub targets: Vec<String>,
    pub ingress: String,
    pub ingress_zone: String,
    pub egress: String,
    pub egress_zone: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ConduitView {
    pub name: String,
    pub description: Option<String>,
    pub zones: Vec<String>,
    #[serde(serialize_with = "json::one_line")]
    pub sl_target: Option<SlView>,
    /// The SL-T(RDF) the FR 5 assessment uses: the declared one, or the highest of its zones.
    pub sl_rdf: u8,
    #[serde(serialize_with = "json::one_line_each")]
    pub flows: Vec<FlowView>,
    pub enforcement: Vec<Enforcement>,
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InterfaceView {
    pub name: String,
    pub zone: String,
    /// The device's own addresses there (`address`), then each cluster node's as `ADDR (NODE)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PortView {
    pub name: String,
    pub mode: &'static str,
    pub zones: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DeviceView {
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub targets: Vec<String>,
    pub interfaces: Vec<InterfaceView>,
    pub ports: Vec<PortView>,
    /// Conduits whose flows this device enforces.
    pub conduits: Vec<String>,
    /// The nodes of an HA cluster, each with its own configuration directory.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster: Vec<String>,
    /// The interface carrying the cluster's VRRP and connection-tracking sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<String>,
    /// Its device-level flows: traffic to and from the device itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub self_flows: Vec<own::SelfFlowView>,
}

/// Allowed services from each zone (row, initiator) to each zone (column, responder).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Matrix {
    /// Zones from the top of the Purdue model down, then by name.
    pub zones: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MatrixRow {
    pub zone: String,
    /// Services, joined with `, `; empty when nothing is allowed.
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SlTableView {
    pub name: String,
    pub source: String,
    pub notes: Option<String>,
    pub requirements: Vec<RequirementView>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RequirementView {
    pub id: String,
    pub title: String,
    pub paraphrase: String,
    /// Applies at SL 1, 2, 3, 4.
    pub sl: [bool; 4],
    pub rules: Vec<String>,
    pub citations: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FindingView {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    /// `file:line:col`.
    pub location: Option<String>,
    pub help: Option<String>,
    pub suppressed: bool,
    /// The justification of the exception that suppressed it.
    pub justification: Option<String>,
    pub until: Option<String>,
}

impl FindingView {
    pub fn of(d: &Diagnostic, model: &Model) -> FindingView {
        FindingView {
            code: d.code.clone(),
            severity: d.severity,
            message: d.message.clone(),
            location: d.span.map(|s| model.sources.location(s)),
            help: d.help.clone(),
            suppressed: d.suppressed.is_some(),
            justification: d.suppressed.as_ref().map(|s| s.justification.clone()),
            until: d.suppressed.as_ref().and_then(|s| s.until.clone()),
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ExceptionView {
    pub rule: String,
    /// `policy`, `zone field`, `conduit control-field`, `flow control-center.hmi -> field.plcs modbus`.
    pub scope: String,
    pub justification: String,
    pub until: Option<String>,
    /// `Some(true)` when past its date (by `today` or an `EXC-001` finding); `None` when no date
    /// was given and no finding says so.
    pub expired: Option<bool>,
    pub status: &'static str,
    pub location: Option<String>,
}

/// Plans a checked policy and builds its report. The widenings are the `OUT-005` findings that
/// planning raised from the plan's reply entries (in `checked`, through the one filter).
/// `None` when the policy has no Model (errors before linting).
pub fn generate(checked: &Checked, opts: &ReportOptions) -> Result<Option<Report>> {
    let Some(model) = checked.model.as_ref() else {
        return Ok(None);
    };
    // `checked` holds every finding, planning's among them (widenings); only the plan is
    // needed here.
    let (ir, _) = crate::plan::model_to_ir(model);
    let hash = crate::model::hash::policy_hash(model)?;
    Ok(Some(build_report(
        model,
        &ir,
        &hash,
        &checked.diagnostics,
        opts,
    )))
}

/// Builds the report from a planned policy and its findings (every pass's, filtered by the
/// driver; planning's widenings among them).
pub fn build_report(
    model: &Model,
    ir: &Ir,
    policy_sha256: &str,
    diags: &[Diagnostic],
    opts: &ReportOptions,
) -> Report {
    let mut all: Vec<Diagnostic> = diags.iter().filter(|d| !is_widening(d)).cloned().collect();
    crate::diagnostic::sort(&mut all);
    // Most severe first, then by code and message: an order that does not depend on where in the
    // source a declaration sits.
    all.sort_by(|a, b| (b.severity, &a.code, &a.message).cmp(&(a.severity, &b.code, &b.message)));
    let mut widening_diags: Vec<Diagnostic> =
        diags.iter().filter(|d| is_widening(d)).cloned().collect();
    crate::diagnostic::sort(&mut widening_diags);
    widening_diags.sort_by(|a, b| (&a.code, &a.message).cmp(&(&b.code, &b.message)));
    if !opts.locations {
        for d in all.iter_mut().chain(widening_diags.iter_mut()) {
            d.related.clear();
        }
    }

    // The conduit views (one per flow) are the largest part; they and the diagrams are built on
    // a second thread beside everything else.
    // The paths' reach for the SL-A assessment is computed on that thread too: the assessment
    // comes last on the other, after FR 5, and was the only work left on a central firewall.
    let (conduits, mut rep) = crate::threads::join(
        || {
            (
                conduit_views(model, ir),
                svg::to_svg(model, ir, false),
                graph::to_mermaid(model),
                assessment::reach(model),
            )
        },
        || build_report_rest(model, ir, policy_sha256, &all, &widening_diags, opts),
    );
    let reach;
    (rep.conduits, rep.svg_inline, rep.mermaid, reach) = conduits;
    // The driver finds the matrix with `fenceline.toml`; a Model built without it still has
    // the shipped default.
    let shipped = (model.assessment.matrix.is_none()
        && model.assessment.matrix_name() == crate::model::assessment::DEFAULT_RISK_MATRIX)
        .then(crate::lint::risk::default_matrix);
    rep.assessment = assessment::build_with(
        model,
        model.assessment.matrix.as_ref().or(shipped.as_ref()),
        &rep.fr5,
        &rep.sl,
        &opts.sl_table,
        &reach,
    );
    rep.finding_scopes = all.iter().map(|d| fr5::finding_scope(model, d)).collect();
    rep
}

/// Everything of the report but the conduit views, the diagrams and the SL-A assessment (left
/// empty).
fn build_report_rest(
    model: &Model,
    ir: &Ir,
    policy_sha256: &str,
    all: &[Diagnostic],
    widening_diags: &[Diagnostic],
    opts: &ReportOptions,
) -> Report {
    let zones = zone_views(model);
    let access_points = access::build(model, ir, &purdue_order(model));
    let conduits = Vec::new();
    let devices = device_views(model, ir, all);
    let matrix = matrix(model);
    let fr5_cx = fr5::Context::new(
        model,
        ir,
        all,
        widening_diags,
        &opts.sl_table,
        opts.locations,
    );
    let fr5 = fr5_cx.assess_all();
    let sl = fr5_cx.sl_rows(&fr5);
    // Built by the caller from `fr5`, `sl` and the paths' reach.
    let assessment = assessment::AssessmentView::default();
    let mut exceptions = exception_views(model, all, opts.today.as_deref());
    let mut findings: Vec<FindingView> = all.iter().map(|d| FindingView::of(d, model)).collect();
    let mut widenings: Vec<FindingView> = widening_diags
        .iter()
        .map(|d| FindingView::of(d, model))
        .collect();
    if !opts.locations {
        findings
            .iter_mut()
            .chain(widenings.iter_mut())
            .for_each(|f| f.location = None);
        exceptions.iter_mut().for_each(|e| e.location = None);
    }

    let mut summary = Summary {
        zones: model.zones.len(),
        conduits: model.conduits.len(),
        flows: model.flows.len(),
        self_flows: model.self_flows.len(),
        devices: model.devices.len(),
        services: model.used_services.len(),
        exceptions: exceptions.len(),
        expired_exceptions: exceptions
            .iter()
            .filter(|e| e.expired == Some(true))
            .count(),
        // The length of the Widenings list: one source of truth for the count and the list.
        widenings: widenings.len(),
        ..Default::default()
    };
    for d in all {
        if d.suppressed.is_some() {
            summary.suppressed += 1;
        } else {
            match d.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Note => summary.notes += 1,
            }
        }
    }
    for a in &fr5 {
        for r in a.rows.iter().filter(|r| r.required) {
            match r.status {
                Status::NotMet => summary.fr5_required_not_met += 1,
                Status::NotAssessable => summary.fr5_required_not_assessable += 1,
                _ => {}
            }
        }
    }
    let t = &opts.sl_table;
    Report {
        version: FORMAT_VERSION,
        tool: Tool {
            name: "fenceline",
            version: env!("CARGO_PKG_VERSION"),
        },
        policy: PolicyView {
            name: model.policy.name.clone(),
            description: model.policy.description.clone(),
            owner: model.policy.owner.clone(),
            sha256: policy_sha256.to_string(),
        },
        today: opts.today.clone(),
        summary,
        zones,
        access_points,
        conduits,
        devices,
        matrix,
        sl_table: SlTableView {
            name: t.table.name.clone(),
            source: t.table.source.clone(),
            notes: t.table.notes.clone(),
            requirements: t
                .requirements
                .iter()
                .map(|r| RequirementView {
                    id: r.id.to_string(),
                    title: r.title.clone(),
                    paraphrase: r.paraphrase.clone(),
                    sl: [r.sl1, r.sl2, r.sl3, r.sl4],
                    rules: r.rules.clone(),
                    citations: r.citations.clone(),
                    note: r.note.clone(),
                })
                .collect(),
        },
        fr5,
        sl,
        findings,
        exceptions,
        widenings,
        unenforced_flows: ir.unenforced.iter().map(|f| model.flow_label(*f)).collect(),
        unroutable_flows: ir.unroutable.iter().map(|f| model.flow_label(*f)).collect(),
        assessment,
        sites: model
            .sites
            .iter()
            .map(|s| SiteView {
                name: s.name.clone(),
                template: s.template.clone(),
                devices: s.devices.clone(),
                built: true,
            })
            .collect(),
        svg_inline: String::new(),
        finding_scopes: Vec::new(),
        mermaid: String::new(),
    }
}

fn zone_views(model: &Model) -> Vec<ZoneView> {
    purdue_order(model)
        .into_iter()
        .map(|id| {
            let z = model.zone(id);
            let za = model.assessment.zones.get(id.0);
            let mut boundary = Vec::new();
            let mut switch_ports = Vec::new();
            for d in &model.devices {
                for i in d.interfaces.iter().filter(|i| i.zone == id) {
                    boundary.push(format!("{} {}", d.name, i.name));
                }
                for p in &d.ports {
                    match &p.mode {
                        PortMode::Access { zone } if *zone == id => {
                            switch_ports.push(format!("{} {} (access)", d.name, p.name))
                        }
                        PortMode::Trunk { zones } if zones.contains(&id) => {
                            switch_ports.push(format!("{} {} (trunk)", d.name, p.name))
                        }
                        _ => {}
                    }
                }
            }
            boundary.sort();
            switch_ports.sort();
            ZoneView {
                name: z.name.clone(),
                description: z.description.clone(),
                owner: z.owner.clone(),
                level: z.level.to_string(),
                level_name: level_name(z.level),
                networks: z.networks.iter().map(|n| n.to_string()).collect(),
                nat: z
                    .nat
                    .iter()
                    .map(|n| NatView {
                        inside: n.inside.to_string(),
                        outside: n.outside.to_string(),
                    })
                    .collect(),
                vlan: z.vlan,
                assets: z
                    .assets
                    .iter()
                    .map(|a| AssetView {
                        name: a.name.clone(),
                        addresses: a.written.clone(),
                        outside: if z.is_translated() {
                            a.addrs.nets().iter().map(|n| host(*n)).collect()
                        } else {
                            Vec::new()
                        },
                        kind: a.kind.as_ref().map(AssetKind::to_string),
                        description: a.description.clone(),
                    })
                    .collect(),
                sl_target: SlView::of(&z.sl),
                safety: z.safety,
                transit: z.transit,
                conduits: z
                    .conduits
                    .iter()
                    .map(|c| model.conduit(*c).name.clone())
                    .collect(),
                boundary,
                switch_ports,
                designations: za
                    .map(|a| {
                        a.designations
                            .iter()
                            .map(|d| d.name().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                tags: za.map(|a| a.tags.clone()).unwrap_or_default(),
                location: za.and_then(|a| a.location.clone()),
            }
        })
        .collect()
}

/// A network, a single address without its `/32` or `/128`.
fn host(n: ipnet::IpNet) -> String {
    if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

/// Per flow (indexed by flow number), the `device ingress -> egress` labels enforcing it, in the
/// order of the (device, ingress, egress) names. Each label is formatted once, not once per flow
/// (formatting per flow and rule was a large share of the report at 100,000 flows).
fn enforcement_by_flow(model: &Model, ir: &Ir) -> Vec<Vec<Name>> {
    // Every distinct (device, ingress, egress) of the Ir, with the flows each enforces.
    let mut triples: BTreeMap<(&str, &str, &str), Vec<FlowId>> = BTreeMap::new();
    for d in &ir.devices {
        for p in &d.pairs {
            let (Some(i), Some(e)) = (d.interfaces.get(p.ingress), d.interfaces.get(p.egress))
            else {
                continue;
            };
            triples
                .entry((d.name.as_str(), i.name.as_str(), e.name.as_str()))
                .or_default()
                .extend(p.rules.iter().filter_map(|r| r.flow.flow()));
        }
    }
    let mut out: Vec<Vec<Name>> = vec![Vec::new(); model.flows.len()];
    // In name order, so each flow's list comes out sorted; a flow enforced twice on the same
    // triple (several rules) is listed once.
    for ((d, i, e), flows) in triples {
        let label: Name = format!("{d} {i} -> {e}").into();
        for f in flows {
            if let Some(v) = out.get_mut(f.0) {
                if v.last() != Some(&label) {
                    v.push(label.clone());
                }
            }
        }
    }
    out
}

fn conduit_views(model: &Model, ir: &Ir) -> Vec<ConduitView> {
    let by_flow = enforcement_by_flow(model, ir);
    // The protocol items of each service, formatted once.
    let items_of: Vec<Vec<Name>> = model
        .services
        .iter()
        .map(|s| s.items.iter().map(|i| i.to_string().into()).collect())
        .collect();
    let service_names: Vec<Name> = model
        .services
        .iter()
        .map(|s| s.name.as_str().into())
        .collect();
    // Per zone, its name and its assets' `zone.asset` names.
    let endpoint_names: Vec<(Name, Vec<Name>)> = model
        .zones
        .iter()
        .map(|z| {
            (
                z.name.as_str().into(),
                z.assets
                    .iter()
                    .map(|a| format!("{}.{}", z.name, a.name).into())
                    .collect(),
            )
        })
        .collect();
    let endpoint_name = |ep: crate::model::Endpoint| -> Name {
        let Some((zone, assets)) = endpoint_names.get(ep.zone.0) else {
            return model.endpoint_name(ep).into();
        };
        match ep.asset {
            None => zone.clone(),
            Some(a) => assets
                .get(a)
                .cloned()
                .unwrap_or_else(|| model.endpoint_name(ep).into()),
        }
    };
    // Indexed once (a scan of every rule per conduit, and of every exception per flow, grew with
    // conduits x rules and flows x exceptions).
    let mut pairs_of: Vec<Vec<(usize, usize)>> = vec![Vec::new(); model.conduits.len()];
    for (di, d) in ir.devices.iter().enumerate() {
        for (pi, p) in d.pairs.iter().enumerate() {
            for c in p.rules.iter().filter_map(|r| r.conduit) {
                if let Some(v) = pairs_of
                    .get_mut(c.0)
                    .filter(|v| v.last() != Some(&(di, pi)))
                {
                    v.push((di, pi));
                }
            }
        }
    }
    let mut flow_exceptions: BTreeMap<FlowId, Vec<String>> = BTreeMap::new();
    for e in &model.exceptions {
        if let Scope::Flow(f) = e.scope {
            flow_exceptions.entry(f).or_default().push(e.rule.clone());
        }
    }
    model
        .conduits
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let cid = ConduitId(ci);
            let mut services = BTreeSet::new();
            let flows = c
                .flows
                .iter()
                .map(|fid| {
                    let f = model.flow(*fid);
                    let svcs: Vec<&crate::model::Service> =
                        f.services.iter().map(|s| model.service(*s)).collect();
                    services.extend(svcs.iter().map(|s| s.name.as_str()));
                    let mut exceptions: Vec<String> =
                        flow_exceptions.get(fid).cloned().unwrap_or_default();
                    exceptions.sort();
                    FlowView {
                        source: endpoint_name(f.src),
                        destination: endpoint_name(f.dst),
                        services: f
                            .services
                            .iter()
                            .map(|s| {
                                service_names
                                    .get(s.0)
                                    .cloned()
                                    .unwrap_or_else(|| model.service(*s).name.as_str().into())
                            })
                            .collect(),
                        items: f
                            .services
                            .iter()
                            .flat_map(|s| items_of.get(s.0).into_iter().flatten().cloned())
                            .collect(),
                        cleartext: svcs.iter().any(|s| s.flags.cleartext),
                        log: f.log,
                        description: f.description.clone(),
                        enforced_on: by_flow.get(fid.0).cloned().unwrap_or_default(),
                        exceptions,
                        one_way: f
                            .services
                            .iter()
                            .filter(|s| model.service(**s).flags.one_way)
                            .filter_map(|s| service_names.get(s.0).cloned())
                            .collect(),
                        via: f
                            .via
                            .iter()
                            .map(|d| model.device(*d).name.clone())
                            .collect(),
                    }
                })
                .collect();
            let mut enforcement: BTreeMap<(String, String, String), Enforcement> = BTreeMap::new();
            for (di, pi) in pairs_of.get(ci).into_iter().flatten() {
                let Some(d) = ir.devices.get(*di) else {
                    continue;
                };
                let Some(p) = d.pairs.get(*pi) else { continue };
                let (Some(i), Some(e)) = (d.interfaces.get(p.ingress), d.interfaces.get(p.egress))
                else {
                    continue;
                };
                enforcement.insert(
                    (d.name.clone(), i.name.clone(), e.name.clone()),
                    Enforcement {
                        device: d.name.clone(),
                        kind: d.kind.keyword().to_string(),
                        targets: d.targets.iter().map(|t| t.name().to_string()).collect(),
                        ingress: i.name.clone(),
                        ingress_zone: i.zone_name.clone(),
                        egress: e.name.clone(),
                        egress_zone: e.zone_name.clone(),
                    },
                );
            }
            ConduitView {
                name: c.name.clone(),
                description: c.description.clone(),
                zones: c
                    .zones
                    .iter()
                    .map(|z| model.zone(*z).name.clone())
                    .collect(),
                sl_target: c.sl.as_ref().map(SlView::of),
                sl_rdf: fr5::conduit_rdf(model, cid),
                flows,
                enforcement: enforcement.into_values().collect(),
                services: services.into_iter().map(str::to_string).collect(),
            }
        })
        .collect()
}

fn device_views(model: &Model, ir: &Ir, diags: &[Diagnostic]) -> Vec<DeviceView> {
    let mut self_flows = own::self_flow_views(model, ir, diags);
    model
        .devices
        .iter()
        .enumerate()
        .map(|(di, d)| {
            let conduits: BTreeSet<String> = ir
                .devices
                .iter()
                .filter(|x| x.device.0 == di)
                .flat_map(|x| {
                    x.pairs.iter().flat_map(|p| {
                        p.rules
                            .iter()
                            .filter_map(|r| r.conduit)
                            .map(|c| model.conduit(c).name.clone())
                    })
                })
                .collect();
            DeviceView {
                name: d.name.clone(),
                kind: d.kind.keyword().to_string(),
                description: d.description.clone(),
                targets: d.targets.iter().map(|t| t.name().to_string()).collect(),
                interfaces: d
                    .interfaces
                    .iter()
                    .enumerate()
                    .map(|(ii, i)| InterfaceView {
                        name: i.name.clone(),
                        zone: model.zone(i.zone).name.clone(),
                        addresses: own::interface_addresses(model, DeviceId(di), ii),
                    })
                    .collect(),
                ports: d
                    .ports
                    .iter()
                    .map(|p| {
                        let (mode, zones) = match &p.mode {
                            PortMode::Access { zone } => ("access", vec![*zone]),
                            PortMode::Trunk { zones } => ("trunk", zones.clone()),
                        };
                        PortView {
                            name: p.name.clone(),
                            mode,
                            zones: zones.iter().map(|z| model.zone(*z).name.clone()).collect(),
                        }
                    })
                    .collect(),
                conduits: conduits.into_iter().collect(),
                cluster: d.cluster.clone(),
                sync: d
                    .sync
                    .and_then(|i| d.interfaces.get(i))
                    .map(|i| i.name.clone()),
                self_flows: self_flows
                    .get_mut(di)
                    .map(std::mem::take)
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Zones from level 5 down to level 0 (the DMZ between 4 and 3), then by name.
pub fn purdue_order(model: &Model) -> Vec<ZoneId> {
    let mut ids: Vec<ZoneId> = (0..model.zones.len()).map(ZoneId).collect();
    ids.sort_by(|a, b| {
        let (za, zb) = (model.zone(*a), model.zone(*b));
        zb.level.cmp(&za.level).then_with(|| za.name.cmp(&zb.name))
    });
    ids
}

fn matrix(model: &Model) -> Matrix {
    let order = purdue_order(model);
    let mut cells: BTreeMap<(ZoneId, ZoneId), BTreeSet<&str>> = BTreeMap::new();
    for f in &model.flows {
        let e = cells.entry((f.src.zone, f.dst.zone)).or_default();
        e.extend(f.services.iter().map(|s| model.service(*s).name.as_str()));
    }
    Matrix {
        zones: order.iter().map(|z| model.zone(*z).name.clone()).collect(),
        rows: order
            .iter()
            .map(|from| MatrixRow {
                zone: model.zone(*from).name.clone(),
                cells: order
                    .iter()
                    .map(|to| {
                        cells
                            .get(&(*from, *to))
                            .map(|s| s.iter().copied().collect::<Vec<_>>().join(", "))
                            .unwrap_or_default()
                    })
                    .collect(),
            })
            .collect(),
    }
}

pub fn scope_label(model: &Model, scope: Scope) -> String {
    match scope {
        Scope::Policy => "policy".into(),
        Scope::Zone(z) => format!("zone {}", model.zone(z).name),
        Scope::Conduit(c) => format!("conduit {}", model.conduit(c).name),
        Scope::Flow(f) => format!(
            "flow {}: {}",
            model.conduit(model.flow(f).conduit).name,
            model.flow_label(f)
        ),
        Scope::SelfFlow(f) => format!(
            "device {}: {}",
            model.device(model.self_flow(f).device).name,
            model.self_flow_label(f)
        ),
    }
}

/// Code of the lint finding for an exception past its date (issue 3).
const EXPIRED_CODE: &str = crate::lint::rules::exc_001_exception_expired::RULE.id;

fn exception_views(model: &Model, diags: &[Diagnostic], today: Option<&str>) -> Vec<ExceptionView> {
    let mut out: Vec<ExceptionView> = model
        .exceptions
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let id = ExceptionId(i);
            let flagged = diags
                .iter()
                .any(|d| d.code == EXPIRED_CODE && d.subject == Some(Subject::Exception(id)));
            let by_date = match (&e.until, today) {
                (Some(u), Some(t)) => Some(u.as_str() < t),
                (None, _) => Some(false),
                (Some(_), None) => None,
            };
            let expired = if flagged { Some(true) } else { by_date };
            let status = match (expired, &e.until) {
                (Some(true), _) => "expired",
                (_, None) => "no expiry date",
                (Some(false), Some(_)) => "in force",
                (None, Some(_)) => "in force until its date",
            };
            ExceptionView {
                rule: e.rule.clone(),
                scope: scope_label(model, e.scope),
                justification: e.justification.clone(),
                until: e.until.clone(),
                expired,
                status,
                location: Some(model.sources.location(model.spans.exception(id))),
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.scope, &a.rule, &a.location).cmp(&(&b.scope, &b.rule, &b.location)));
    out
}
