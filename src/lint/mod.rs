//! Pass 3, Model -> Diagnostics: the FR5 type checker. Rules read the Model, never the text.
//!
//! Each rule is one file in `rules/` whose `//!` doc comment is its documentation (What it does /
//! Why is this bad / Example / Use instead / References) and which declares a [`Rule`]: stable
//! ID, kebab-case name, default severity, IEC 62443 reference, status. [`rules::ALL`] is the
//! registry; `fenceline rules`, `fenceline explain`, SARIF rule metadata and `docs/rules/` are all
//! generated from it.
//!
//! [`run`] executes every enabled rule. Severity overrides from `fenceline.toml` and the policy's
//! `exception` statements are applied to every finding of every pass in one place,
//! [`crate::diagnostic::filter`]: a finding an exception covers is kept and marked suppressed
//! (never dropped), so reports show what was accepted and why.

mod checked;
pub mod config;
pub mod docs;
pub mod options;
pub mod output;
pub mod risk;
pub mod rules;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::graph::ZoneGraph;
use crate::model::{
    AssetKind, DeviceId, Endpoint, FlowId, Fr, Model, Scope, SelfFlowId, ServiceId, ServiceItem,
    Zone, ZoneId,
};
pub use checked::Checked;
pub use options::{civil_from_days, days_from_civil, today_utc, CheckOptions};
use serde::Serialize;
use std::collections::BTreeMap;

/// Default for [`LintConfig::max_port_range`]: the widest port range (in ports) FR5-003 accepts.
pub const DEFAULT_MAX_PORT_RANGE: u32 = 256;
/// Default for [`LintConfig::expiry_window`]: how many days before its `until` date EXC-003
/// warns of an exception.
pub const DEFAULT_EXPIRY_WINDOW: u32 = 30;
/// OUT-009: ACL entries a Cisco IOS device may hold, object-groups expanded. Below the
/// security-ACE TCAM of common access-layer Catalyst switches (5,120 on a Catalyst 9300), so
/// the default warns before any of them refuses a configuration.
pub const DEFAULT_MAX_ACL_ENTRIES: usize = 3000;

/// Settings from `fenceline.toml` and the command line that change lint results.
#[derive(Debug, Clone, Default)]
pub struct LintConfig {
    /// Per-rule severity overrides; `None` in the map turns a rule off.
    pub severity: BTreeMap<String, Option<Severity>>,
    /// Widest port range (in ports) a flow may allow into a zone with SL-T(RDF) >= 2.
    pub max_port_range: Option<u32>,
    /// Days before its `until` date that an exception is reported as expiring (EXC-003).
    pub expiry_window: Option<u32>,
    /// Most ACL entries (object-groups expanded) a Cisco IOS device may hold (OUT-009).
    pub max_acl_entries: Option<usize>,
    /// The risk matrices of `fenceline.toml` (`[risk-matrix.NAME]`), by name.
    pub risk_matrices: BTreeMap<String, risk::RiskMatrix>,
}

impl LintConfig {
    pub fn max_port_range(&self) -> u32 {
        self.max_port_range.unwrap_or(DEFAULT_MAX_PORT_RANGE)
    }
    pub fn expiry_window(&self) -> u32 {
        self.expiry_window.unwrap_or(DEFAULT_EXPIRY_WINDOW)
    }
    pub fn max_acl_entries(&self) -> usize {
        self.max_acl_entries.unwrap_or(DEFAULT_MAX_ACL_ENTRIES)
    }
    /// Whether a rule runs at all (not turned off in the configuration).
    pub fn enabled(&self, id: &str) -> bool {
        !matches!(self.severity.get(id), Some(None))
    }
}

/// How far a rule is along its life: stable rules keep their behaviour; `Resolver` rules are
/// reported while the Model is built, `Target` rules while configurations are emitted. Every
/// rule's findings pass the same filter (configuration, exceptions), whoever raises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Stable,
    Preview,
    Resolver,
    /// Reported by a target backend while emitting (every command emits, `check` included).
    Target,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stable => "stable",
            Status::Preview => "preview",
            Status::Resolver => "resolver",
            Status::Target => "target",
        }
    }
}

/// A rule's check: reads the context, pushes findings.
pub type CheckFn = fn(&Ctx, &mut Vec<Finding>);

/// One entry of the registry.
pub struct Rule {
    /// Stable code, never reused: `FR5-003`.
    pub id: &'static str,
    /// Kebab-case name of the pattern the rule flags.
    pub name: &'static str,
    pub severity: Severity,
    /// IEC 62443 requirement(s) the rule maps to (IDs only; the standard's text is not ours).
    pub reference: &'static str,
    pub status: Status,
    /// The rule's source file (`file!()`); its stem names the rule's fixture.
    pub file: &'static str,
    /// The whole source of the rule file (`include_str!`); [`Rule::doc`] extracts the `//!` lines.
    pub source: &'static str,
    pub check: Option<CheckFn>,
}

impl Rule {
    /// The documentation: the `//!` comment at the top of the rule file, without the markers.
    pub fn doc(&self) -> String {
        doc_comment(self.source)
    }
    /// One-sentence summary: the first paragraph under "What it does".
    pub fn summary(&self) -> String {
        let doc = self.doc();
        let body = doc.split("## What it does").nth(1).unwrap_or("");
        body.trim_start()
            .split("\n\n")
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// `fr5_003_wildcard_flow`: the stem shared by the rule file, its fixture and nothing else.
    pub fn stem(&self) -> &'static str {
        let name = self.file.rsplit(['/', '\\']).next().unwrap_or(self.file);
        name.strip_suffix(".rs").unwrap_or(name)
    }
    /// A finding of this rule at its default severity.
    pub fn diag(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.id, self.severity, message)
    }
}

/// The sections every rule's documentation has, in order.
pub const DOC_SECTIONS: [&str; 5] = [
    "What it does",
    "Why is this bad",
    "Example",
    "Use instead",
    "References",
];

/// Extracts the leading `//!` lines of a Rust source file.
pub fn doc_comment(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("//!") {
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        } else if t.is_empty() && out.is_empty() {
            continue;
        } else {
            break;
        }
    }
    out.trim_end().to_string() + "\n"
}

/// Looks up a rule by ID (case-insensitive) or by name.
pub fn lookup(id_or_name: &str) -> Option<&'static Rule> {
    rules::ALL
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name == id_or_name)
}

/// A finding before exceptions are applied: the diagnostic and the places an `exception` for its
/// rule may be written to silence it.
#[derive(Debug, Clone)]
pub struct Finding {
    pub diag: Diagnostic,
    pub scopes: Vec<Scope>,
}

impl Finding {
    pub fn new(diag: Diagnostic, scopes: Vec<Scope>) -> Finding {
        Finding { diag, scopes }
    }
}

/// What a rule sees: the Model, the configuration, the zone/device graph, today's date.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub config: &'a LintConfig,
    pub graph: &'a ZoneGraph,
    /// YYYY-MM-DD.
    pub today: String,
}

impl Ctx<'_> {
    /// Where an exception may silence a finding about a flow: the flow's own block and its
    /// conduit's, which holds the flow. An exception accepts findings at its own place only: a
    /// zone's exception never accepts a finding about a flow into or out of the zone.
    pub fn flow_scopes(&self, f: FlowId) -> Vec<Scope> {
        vec![Scope::Flow(f), Scope::Conduit(self.model.flow(f).conduit)]
    }
    /// Where an exception may silence a finding about a device-level flow: its own block.
    pub fn self_flow_scopes(&self, f: SelfFlowId) -> Vec<Scope> {
        vec![Scope::SelfFlow(f)]
    }
    /// The services of a device-level flow with the span of each reference.
    pub fn self_flow_services(&self, f: SelfFlowId) -> Vec<(ServiceId, crate::source::Span)> {
        self.model
            .self_flow(f)
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, self.model.spans.self_flow_service(f, i)))
            .collect()
    }
    /// The highest SL-T in `fr` among the zones a device attaches (its most trusted side).
    pub fn device_sl(&self, d: DeviceId, fr: Fr) -> u8 {
        self.model
            .device(d)
            .interfaces
            .iter()
            .map(|i| self.zone(i.zone).sl.get(fr))
            .max()
            .unwrap_or(0)
    }
    /// `zone` or `zone.asset` in backticks.
    pub fn ep(&self, e: Endpoint) -> String {
        format!("`{}`", self.model.endpoint_name(e))
    }
    pub fn zone(&self, z: ZoneId) -> &Zone {
        self.model.zone(z)
    }
    /// The asset kind of an endpoint, if it names an asset with a kind.
    pub fn asset_kind(&self, e: Endpoint) -> Option<&AssetKind> {
        let a = e.asset?;
        self.zone(e.zone).assets.get(a)?.kind.as_ref()
    }
    /// Every (service, its span, item) of a flow, in order.
    pub fn flow_items(&self, f: FlowId) -> Vec<(ServiceId, crate::source::Span, ServiceItem)> {
        let flow = self.model.flow(f);
        let mut out = Vec::new();
        for (i, s) in flow.services.iter().enumerate() {
            let span = self.model.spans.flow_service(f, i);
            for item in &self.model.service(*s).items {
                out.push((*s, span, *item));
            }
        }
        out
    }
    /// The services of a flow with the span of each reference.
    pub fn flow_services(&self, f: FlowId) -> Vec<(ServiceId, crate::source::Span)> {
        let flow = self.model.flow(f);
        flow.services
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, self.model.spans.flow_service(f, i)))
            .collect()
    }
}

/// `zone `x` (level 3, SL-T 2)` style description of a zone for messages.
pub fn zone_level(z: &Zone) -> String {
    format!("`{}` (level {})", z.name, z.level)
}

/// Runs every enabled rule on the Model. The findings carry the statements an exception may
/// sit on; severity overrides and exceptions are applied afterwards, with every other pass's
/// findings, by [`crate::diagnostic::filter::Filter`].
pub fn run(model: &Model, opts: &CheckOptions) -> Vec<Diagnostic> {
    let today = opts.today.clone().unwrap_or_else(today_utc);
    let cx = Ctx {
        model,
        config: &opts.lint,
        graph: model.graph(),
        today,
    };
    let mut findings = Vec::new();
    // The matrix and the scores: language errors that need `fenceline.toml` to be told.
    let language: Vec<Diagnostic> = risk::check(model, &opts.lint);
    for rule in rules::ALL {
        if let Some(check) = rule.check {
            if opts.lint.enabled(rule.id) {
                check(&cx, &mut findings);
            }
        }
    }
    language
        .into_iter()
        .chain(
            findings
                .into_iter()
                .map(|Finding { diag, scopes }| diag.scoped(scopes)),
        )
        .collect()
}

/// An exception valid `until` a date is valid through that day.
pub fn expired(until: Option<&str>, today: &str) -> bool {
    until.is_some_and(|u| u < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_unique_and_documented() {
        let ids: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            ids, sorted,
            "registry must be sorted by ID without duplicates"
        );
        for r in rules::ALL {
            let doc = r.doc();
            let mut at = 0;
            for s in DOC_SECTIONS {
                let h = format!("## {s}\n");
                let pos = doc[at..].find(&h).map(|p| p + at);
                assert!(
                    pos.is_some(),
                    "{}: section `{s}` missing or out of order",
                    r.id
                );
                at = pos.unwrap_or(at);
            }
            assert!(!r.summary().is_empty(), "{}: empty summary", r.id);
            assert!(
                r.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{}",
                r.id
            );
            assert!(
                r.stem()
                    .starts_with(&r.id.to_ascii_lowercase().replace('-', "_")),
                "{}: file {}",
                r.id,
                r.file
            );
        }
    }

    #[test]
    fn doc_comment_strips_markers() {
        assert_eq!(
            doc_comment("//! # a\n//!\n//! b\nuse x;\n//! not doc\n"),
            "# a\n\nb\n"
        );
    }

    #[test]
    fn expiry_is_inclusive() {
        assert!(!expired(Some("2027-06-30"), "2027-06-30"));
        assert!(expired(Some("2027-06-30"), "2027-07-01"));
        assert!(!expired(None, "2099-01-01"));
    }
}
