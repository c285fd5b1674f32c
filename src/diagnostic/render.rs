//! Rendering of diagnostics: human (miette graphical), JSON (versioned envelope).
//! SARIF and GitHub workflow commands live in `crate::output`.

use super::{Diagnostic, Severity};
use crate::source::SourceMap;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;
use std::fmt;

/// A named source that borrows the file's text: rendering thousands of diagnostics of a large
/// policy must not copy the file once per diagnostic (miette's `NamedSource` owns its text).
struct Named<'a> {
    file: &'a crate::source::SourceFile,
}

impl SourceCode for Named<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        // miette scans from the start of the text to find lines; hand it only the lines around
        // the span, so each diagnostic costs its context, not the file.
        let f = self.file;
        let first = f
            .line_index(span.offset())
            .saturating_sub(context_lines_before + 1);
        let last = f.line_index(span.offset() + span.len()) + context_lines_after + 2;
        let (start, end) = (f.line_start(first), f.line_start(last));
        let window = f.text.get(start..end).unwrap_or("");
        let shifted = SourceSpan::new(span.offset().saturating_sub(start).into(), span.len());
        let c = window.read_span(&shifted, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            f.name.clone(),
            c.data(),
            SourceSpan::new((c.span().offset() + start).into(), c.span().len()),
            c.line() + first,
            c.column(),
            c.line_count(),
        )))
    }
}

/// Adapter that lets miette render one [`Diagnostic`] with its source.
struct MietteView<'a> {
    diag: &'a Diagnostic,
    source: Option<Named<'a>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

impl fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}
impl fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}
impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.diag.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

/// How human output looks. Tests use `plain(100)` so snapshots do not depend on the terminal.
#[derive(Debug, Clone, Copy)]
pub struct HumanStyle {
    pub color: bool,
    pub width: usize,
}

impl HumanStyle {
    pub fn plain(width: usize) -> Self {
        HumanStyle {
            color: false,
            width,
        }
    }
}

/// Renders one diagnostic as miette's graphical report.
pub fn human(diag: &Diagnostic, sources: &SourceMap, style: HumanStyle) -> String {
    let mut labels = Vec::new();
    let mut help_lines: Vec<String> = Vec::new();
    let mut source = None;
    if let Some(span) = diag.span {
        let file = sources.get(span.file);
        source = Some(Named { file });
        let label = if diag.label.is_empty() {
            None
        } else {
            Some(diag.label.clone())
        };
        labels.push(LabeledSpan::new_primary_with_span(
            label,
            SourceSpan::from(span.range()),
        ));
        for r in &diag.related {
            if r.span.file == span.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(r.label.clone()),
                    SourceSpan::from(r.span.range()),
                ));
            } else {
                help_lines.push(format!("{} at {}", r.label, sources.location(r.span)));
            }
        }
    } else {
        for r in &diag.related {
            help_lines.push(format!("{} at {}", r.label, sources.location(r.span)));
        }
    }
    if let Some(h) = &diag.help {
        help_lines.insert(0, h.clone());
    }
    if let Some(s) = &diag.suppressed {
        help_lines.push(format!(
            "suppressed by the exception at {}: {}{}",
            sources.location(s.span),
            s.justification,
            s.until
                .as_ref()
                .map(|u| format!(" (until {u})"))
                .unwrap_or_default()
        ));
    }
    let view = MietteView {
        diag,
        source,
        labels,
        help: if help_lines.is_empty() {
            None
        } else {
            Some(help_lines.join("; "))
        },
    };
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Wrapped at spaces only: a name, a path or a rule ID is never split across lines.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_break_words(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, &view).is_err() {
        out = format!(
            "{}[{}]: {}\n",
            diag.severity.as_str(),
            diag.code,
            diag.message
        );
    }
    out
}

/// `text` in `style` when `color` is on (ANSI escapes), else as it is.
pub fn paint(text: &str, style: anstyle::Style, color: bool) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

/// The style of a severity word: errors red, warnings yellow, notes cyan, all bold.
pub fn severity_style(s: Severity) -> anstyle::Style {
    let c = match s {
        Severity::Error => anstyle::AnsiColor::Red,
        Severity::Warning => anstyle::AnsiColor::Yellow,
        Severity::Note => anstyle::AnsiColor::Cyan,
    };
    anstyle::Style::new().bold().fg_color(Some(c.into()))
}

/// [`concise`] with the severity coloured when `color` is on.
pub fn concise_styled(diag: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let plain = concise(diag, sources);
    if !color {
        return plain;
    }
    let word = diag.severity.as_str();
    let painted = paint(word, severity_style(diag.severity), true);
    // The severity is the first `word[` after the location.
    match plain.find(&format!("{word}[")) {
        Some(i) => format!("{}{painted}{}", &plain[..i], &plain[i + word.len()..]),
        None => plain,
    }
}

/// One line a diagnostic: `file:line:col: severity[CODE]: message`.
pub fn concise(diag: &Diagnostic, sources: &SourceMap) -> String {
    let loc = diag
        .span
        .map(|s| format!("{}: ", sources.location(s)))
        .unwrap_or_default();
    let sup = if diag.suppressed.is_some() {
        " (suppressed)"
    } else {
        ""
    };
    format!(
        "{loc}{}[{}]: {}{sup}",
        diag.severity.as_str(),
        diag.code,
        diag.message
    )
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonLocation {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub offset: u32,
    pub length: u32,
}

impl JsonLocation {
    pub fn of(span: crate::source::Span, sources: &SourceMap) -> JsonLocation {
        let f = sources.get(span.file);
        let (line, column) = f.line_col(span.start as usize);
        let (end_line, end_column) = f.line_col(span.end as usize);
        JsonLocation {
            file: f.name.clone(),
            line,
            column,
            end_line,
            end_column,
            offset: span.start,
            length: span.end - span.start,
        }
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonRelated {
    pub location: JsonLocation,
    pub label: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonSuppression {
    pub location: JsonLocation,
    pub justification: String,
    pub until: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JsonDiagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub location: Option<JsonLocation>,
    pub label: String,
    pub help: Option<String>,
    pub related: Vec<JsonRelated>,
    pub suppressed: Option<JsonSuppression>,
}

impl JsonDiagnostic {
    pub fn of(d: &Diagnostic, sources: &SourceMap) -> JsonDiagnostic {
        JsonDiagnostic {
            code: d.code.clone(),
            severity: d.severity,
            message: d.message.clone(),
            location: d.span.map(|s| JsonLocation::of(s, sources)),
            label: d.label.clone(),
            help: d.help.clone(),
            related: d
                .related
                .iter()
                .map(|r| JsonRelated {
                    location: JsonLocation::of(r.span, sources),
                    label: r.label.clone(),
                })
                .collect(),
            suppressed: d.suppressed.as_ref().map(|s| JsonSuppression {
                location: JsonLocation::of(s.span, sources),
                justification: s.justification.clone(),
                until: s.until.clone(),
            }),
        }
    }
}

#[derive(Debug, Default, Serialize, Clone, Copy, PartialEq, Eq, schemars::JsonSchema)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
}

impl Summary {
    pub fn of<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>) -> Summary {
        let mut s = Summary::default();
        for d in diags {
            if d.suppressed.is_some() {
                s.suppressed += 1;
                continue;
            }
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Note => s.notes += 1,
            }
        }
        s
    }
}
