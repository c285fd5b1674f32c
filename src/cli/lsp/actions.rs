//! Diagnostics as the editor shows them, and the code actions on them: apply a "did you mean"
//! suggestion, add an `exception` for a lint finding (with an `until` date), remove an unused
//! declaration.

use super::features::rule_url;
use super::index::Kind;
use super::text::LineIndex;
use super::workspace::Analysis;
use crate::diagnostic::Severity;
use crate::source::{FileId, Span};
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Range, Uri,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Days an exception stub stays valid: a finding accepted for a quarter, then reviewed.
pub const STUB_DAYS: i64 = 90;

/// The analysis's findings per file (every file it loaded has an entry, empty when clean).
pub fn diagnostics(
    a: &Analysis,
    root: &Path,
    uri: &dyn Fn(&Path) -> Option<Uri>,
) -> BTreeMap<PathBuf, Vec<Diagnostic>> {
    let mut out: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    for f in &a.sources.files {
        out.entry(f.path.clone()).or_default();
    }
    // One line index per file, not one per finding: hundreds of findings in a large policy
    // would each scan the whole file for its lines.
    let mut lines: BTreeMap<FileId, LineIndex> = BTreeMap::new();
    let mut range = |s: Span| {
        lines
            .entry(s.file)
            .or_insert_with(|| LineIndex::new(&a.sources.get(s.file).text))
            .range(s.start as usize, s.end as usize)
    };
    for d in &a.diagnostics {
        if d.suppressed.is_some() {
            continue;
        }
        let (path, r) = match d.span {
            Some(s) => match a.path(s.file) {
                Some(p) => (p.to_path_buf(), range(s)),
                None => continue,
            },
            None => (root.to_path_buf(), Range::default()),
        };
        let related: Vec<DiagnosticRelatedInformation> = d
            .related
            .iter()
            .filter_map(|rel| {
                Some(DiagnosticRelatedInformation {
                    location: Location::new(uri(a.path(rel.span.file)?)?, range(rel.span)),
                    message: rel.label.clone(),
                })
            })
            .collect();
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        let href = crate::lint::lookup(&d.code).and_then(|r| rule_url(r.id).parse::<Uri>().ok());
        out.entry(path).or_default().push(Diagnostic {
            range: r,
            severity: Some(match d.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Note => DiagnosticSeverity::INFORMATION,
            }),
            code: Some(NumberOrString::String(d.code.clone())),
            code_description: href.map(|href| CodeDescription { href }),
            source: Some("fenceline".into()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        });
    }
    out
}

/// One code action: its title, whether it is the preferred fix, and its edits in the file.
pub struct Action {
    pub title: String,
    pub preferred: bool,
    pub edits: Vec<(Range, String)>,
}

/// The suggested name of a diagnostic's `help: did you mean `X`?`.
fn suggestion(message: &str) -> Option<&str> {
    let rest = message.split("did you mean `").nth(1)?;
    rest.split('`').next()
}

/// The code actions for the editor's diagnostics `diags` in `file`.
pub fn actions(a: &Analysis, file: FileId, diags: &[Diagnostic], today: &str) -> Vec<Action> {
    let text = &a.sources.get(file).text;
    let idx = LineIndex::new(text);
    let mut out = Vec::new();
    for d in diags {
        let start = idx.offset(d.range.start);
        let end = idx.offset(d.range.end);
        let code = match &d.code {
            Some(NumberOrString::String(c)) => c.as_str(),
            _ => "",
        };
        if let Some(name) = suggestion(&d.message) {
            let written = text.get(start..end).unwrap_or_default();
            if !written.is_empty() && !written.contains(char::is_whitespace) {
                out.push(Action {
                    title: format!("replace `{written}` with `{name}`"),
                    preferred: true,
                    edits: vec![(d.range, name.to_string())],
                });
            }
        }
        if code.starts_with("UNUSED-") {
            if let Some(act) = remove_unused(a, file, text, &idx, start) {
                out.push(act);
            }
        }
        if crate::lint::lookup(code).is_some() && !code.starts_with("EXC-") {
            if let Some(act) = exception_stub(a, file, text, &idx, start, code, today) {
                out.push(act);
            }
        }
    }
    out
}

fn remove_unused(
    a: &Analysis,
    file: FileId,
    text: &str,
    idx: &LineIndex,
    at: usize,
) -> Option<Action> {
    let sym = a
        .index
        .symbols
        .iter()
        // A template's declaration is every site's: one site's finding does not remove it.
        .filter(|s| {
            s.full.file == file
                && s.template.is_none()
                && matches!(s.kind, Kind::Zone | Kind::Service | Kind::Conduit)
        })
        .find(|s| (s.full.start as usize) <= at && at <= s.full.end as usize)?;
    let (s, mut e) = (sym.full.start as usize, sym.full.end as usize);
    // The declaration's line goes with it, and one blank line after it.
    let line_start = text[..s].rfind('\n').map_or(0, |i| i + 1);
    for _ in 0..2 {
        if text[e..].starts_with('\n') {
            e += 1;
        }
    }
    Some(Action {
        title: format!("remove the unused {} `{}`", sym.kind.word(), sym.key),
        preferred: false,
        edits: vec![(idx.range(line_start, e), String::new())],
    })
}

fn exception_stub(
    a: &Analysis,
    file: FileId,
    text: &str,
    idx: &LineIndex,
    at: usize,
    code: &str,
    today: &str,
) -> Option<Action> {
    // The innermost statement that may carry an exception: a flow, else a conduit or a zone.
    let scope = a
        .index
        .scopes
        .iter()
        .filter(|s| {
            s.span.file == file && (s.span.start as usize) <= at && at <= s.span.end as usize
        })
        .min_by_key(|s| s.span.len())?;
    let until = crate::lint::days_from_civil(today)
        .map(|d| crate::lint::civil_from_days(d + STUB_DAYS))
        .unwrap_or_else(|| today.to_string());
    let stmt = format!("exception {code} \"TODO: why this is accepted\" until {until}");
    let (s, e) = (scope.span.start as usize, scope.span.end as usize);
    let line_start = text[..s].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[line_start..s]
        .chars()
        .take_while(|c| *c == ' ')
        .collect();
    let edit = if !scope.has_block {
        (
            idx.range(e, e),
            format!(" {{\n{indent}  {stmt}\n{indent}}}"),
        )
    } else {
        // Before the closing brace, on a line of its own.
        let close = e
            .checked_sub(1)
            .filter(|&c| text.as_bytes().get(c) == Some(&b'}'))?;
        let close_line = text[..close].rfind('\n').map_or(0, |i| i + 1);
        if text[close_line..close].trim().is_empty() && close_line > s {
            (
                idx.range(close_line, close_line),
                format!("{indent}  {stmt}\n"),
            )
        } else {
            (idx.range(close, close), format!("{stmt} "))
        }
    };
    Some(Action {
        title: format!("accept `{code}` here with an exception until {until}"),
        preferred: false,
        edits: vec![edit],
    })
}
