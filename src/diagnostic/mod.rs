//! The one type for every finding about a policy, from the parser to the lint rules and the
//! expectation checks. Rendering (human via miette, JSON, SARIF, GitHub) lives in `render`.
//! Internal and I/O failures are a separate type, [`crate::Error`].

pub mod codes;
pub mod filter;
pub mod render;

use crate::model::ids::{ConduitId, DeviceId, ExceptionId, FlowId, Scope, SelfFlowId, ZoneId};
use crate::source::Span;
use serde::Serialize;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Shown, never fails a run.
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" | "info" => Some(Severity::Note),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// The statement of the Model a finding is about, set where it is raised. The report files a
/// finding under its zone, conduit or flow from this (a device's under the zones it attaches),
/// and the filter derives the exceptions that may silence a target's finding from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Zone(ZoneId),
    Conduit(ConduitId),
    Flow(FlowId),
    /// A device-level flow (`allow ... self ...`).
    SelfFlow(SelfFlowId),
    Device(DeviceId),
    Exception(ExceptionId),
}

/// A secondary location with its own label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    pub span: Span,
    pub label: String,
}

/// An `exception` in the policy that silenced this finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub span: Span,
    pub justification: String,
    pub until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code: `E0004` for language errors, `FR5-003` for lint rules.
    pub code: String,
    pub severity: Severity,
    /// Lowercase, no final period, user names in backticks.
    pub message: String,
    pub span: Option<Span>,
    pub label: String,
    pub related: Vec<Related>,
    pub help: Option<String>,
    pub suppressed: Option<Suppression>,
    /// The statements an `exception` for this code may be written on to silence the finding
    /// (any of them; a policy-wide exception always applies). Set where the finding is raised;
    /// read by [`filter`].
    #[serde(skip)]
    pub scopes: Vec<Scope>,
    /// Statements that silence the finding only together: a finding that groups several flows
    /// (one warning per interface and conduit) is silenced when every one of them is excepted.
    #[serde(skip)]
    pub scopes_all: Vec<Scope>,
    /// What the finding is about (see [`Subject`]); `None` for the policy as a whole, a service,
    /// an expectation, or a finding of the language.
    #[serde(skip)]
    pub subject: Option<Subject>,
}

impl Diagnostic {
    pub fn new(code: impl Into<String>, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.into(),
            severity,
            message: message.into(),
            span: None,
            label: String::new(),
            related: Vec::new(),
            help: None,
            suppressed: None,
            scopes: Vec::new(),
            scopes_all: Vec::new(),
            subject: None,
        }
    }
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }
    pub fn warning(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, message)
    }
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Self {
        self.span = Some(span);
        self.label = label.into();
        self
    }
    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            label: label.into(),
        });
        self
    }
    /// What the finding is about (see [`Subject`]).
    pub fn about(mut self, subject: Subject) -> Self {
        self.subject = Some(subject);
        self
    }
    /// Where an exception may silence this finding (see [`Diagnostic::scopes`]).
    pub fn scoped(mut self, scopes: Vec<Scope>) -> Self {
        self.scopes = scopes;
        self
    }
    /// Statements that silence this finding only together (see [`Diagnostic::scopes_all`]).
    pub fn scoped_all(mut self, scopes: Vec<Scope>) -> Self {
        self.scopes_all = scopes;
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error && self.suppressed.is_none()
    }
    /// Sort key: file, offset, code (STYLE.md practice 4).
    pub fn sort_key(&self) -> (u32, u32, String, String) {
        let (f, o) = self
            .span
            .map(|s| (s.file.0, s.start))
            .unwrap_or((u32::MAX, 0));
        (f, o, self.code.clone(), self.message.clone())
    }
}

/// Sort diagnostics by file, offset and code, and drop exact duplicates.
pub fn sort(diags: &mut Vec<Diagnostic>) {
    diags.sort_by_key(|d| d.sort_key());
    diags.dedup();
}

/// "did you mean" help: the closest known name, if one is close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(name, c);
        if score > 0.8 && best.is_none_or(|(b, bn)| score > b || (score == b && c < bn)) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}
