//! Machine output of `check` for pull requests: SARIF 2.1.0 for GitHub code scanning (via the
//! `serde-sarif` types) and GitHub Actions workflow commands. Human and JSON output live in
//! `crate::diagnostic::render`.
//!
//! Both are deterministic: rules in registry order, results in diagnostic order, no
//! timestamps or absolute paths.

use crate::diagnostic::render::JsonLocation;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};
use serde_sarif::sarif;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The base every artifact URI is relative to: the repository checkout in code scanning.
pub const SRCROOT: &str = "%SRCROOT%";

/// One checked file as `check` holds it: its diagnostics and the sources they point into.
pub struct Report<'a> {
    pub diagnostics: &'a [Diagnostic],
    pub sources: &'a SourceMap,
}

/// Where the file names of machine output are relative to: the project root
/// ([`crate::lint::config::project_root`]), and the current directory that the names of the
/// sources (as given on the command line, and included files beside them) are relative to.
#[derive(Debug, Clone)]
pub struct Base {
    pub cwd: PathBuf,
    pub root: PathBuf,
}

impl Base {
    /// The base of this process: the project root above the current directory.
    pub fn current() -> Option<Base> {
        let cwd = std::env::current_dir().ok()?;
        let root = super::config::project_root(&cwd);
        Some(Base { cwd, root })
    }

    /// `name` relative to the project root with `/` separators, or `None` when it lies
    /// outside the root (or is not a file name, such as `<stdin>`).
    pub fn relative(&self, name: &str) -> Option<String> {
        if name.starts_with('<') {
            return None;
        }
        let abs = normalise(&self.cwd.join(name));
        let rel = abs.strip_prefix(normalise(&self.root)).ok()?;
        Some(rel.to_string_lossy().replace('\\', "/"))
    }

    /// The root as a `file://` URI ending in `/`, for `originalUriBaseIds`.
    pub fn root_uri(&self) -> String {
        let mut p = normalise(&self.root).to_string_lossy().replace('\\', "/");
        if !p.ends_with('/') {
            p.push('/');
        }
        format!("file://{}", encode(&p))
    }
}

/// A path with `.` and `..` resolved lexically (the file need not exist).
fn normalise(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A file name as a SARIF artifact URI and whether it is relative to `%SRCROOT%`: relative to
/// the project root when it lies under it, else an absolute `file://` URI. Without a base the
/// name is used as given (`./` dropped).
pub fn artifact(name: &str, base: Option<&Base>) -> (String, bool) {
    if let Some(b) = base {
        match b.relative(name) {
            Some(rel) => return (encode(&rel), true),
            None if !name.starts_with('<') => {
                let abs = normalise(&b.cwd.join(name));
                return (
                    format!(
                        "file://{}",
                        encode(&abs.to_string_lossy().replace('\\', "/"))
                    ),
                    false,
                );
            }
            None => {}
        }
    }
    (artifact_uri(name, None), true)
}

/// A path as a relative URI with `/` separators: `./` is dropped, an absolute path under `base`
/// becomes relative to it, and bytes outside the unreserved set are percent-encoded.
pub fn artifact_uri(name: &str, base: Option<&Path>) -> String {
    let mut p = name.replace('\\', "/");
    if let Some(b) = base {
        let b = b.to_string_lossy().replace('\\', "/");
        let b = b.trim_end_matches('/');
        if !b.is_empty() {
            if let Some(rest) = p.strip_prefix(&format!("{b}/")) {
                p = rest.to_string();
            }
        }
    }
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    encode(&p)
}

/// Percent-encodes the bytes of a path outside the unreserved set (and `/`).
fn encode(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Note => sarif::ResultLevel::Note,
    }
}

fn level_str(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// GitHub's `security-severity` (0-10) for a default severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Note => "2.0",
    }
}

fn text(t: impl Into<String>) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(t.into())
        .build()
}

fn message(t: impl Into<String>) -> sarif::Message {
    sarif::Message::builder().text(t.into()).build()
}

/// The rule descriptors: every lint rule, then the language codes that occur in the results.
fn descriptors(codes_used: &[String]) -> Vec<sarif::ReportingDescriptor> {
    let mut v = Vec::new();
    for r in super::rules::ALL {
        let mut props = BTreeMap::new();
        props.insert(
            "security-severity".to_string(),
            serde_json::json!(security_severity(r.severity)),
        );
        props.insert("precision".to_string(), serde_json::json!("high"));
        props.insert("iec62443".to_string(), serde_json::json!(r.reference));
        let doc = r.doc();
        v.push(
            sarif::ReportingDescriptor::builder()
                .id(r.id)
                .name(r.name)
                .short_description(text(r.summary()))
                .full_description(text(r.summary()))
                .help(
                    sarif::MultiformatMessageString::builder()
                        .text(doc.clone())
                        .markdown(doc)
                        .build(),
                )
                .default_configuration(
                    sarif::ReportingConfiguration::builder()
                        .level(serde_json::json!(level_str(r.severity)))
                        .build(),
                )
                .properties(
                    sarif::PropertyBag::builder()
                        .tags(vec!["security".to_string(), "iec-62443".to_string()])
                        .additional_properties(props)
                        .build(),
                )
                .build(),
        );
    }
    for c in crate::diagnostic::codes::ALL
        .iter()
        .filter(|c| codes_used.iter().any(|u| u == c.code))
    {
        v.push(
            sarif::ReportingDescriptor::builder()
                .id(c.code)
                .name(c.title.replace(' ', "-"))
                .short_description(text(c.title))
                .full_description(text(c.explanation))
                .help(text(c.explanation))
                .default_configuration(
                    sarif::ReportingConfiguration::builder()
                        .level(serde_json::json!("error"))
                        .build(),
                )
                .build(),
        );
    }
    // Codes other passes report (OUT-005 widenings, ...) get a bare descriptor so every result
    // has a rule to point at.
    for c in codes_used
        .iter()
        .filter(|c| crate::diagnostic::codes::lookup(c).is_none())
    {
        v.push(
            sarif::ReportingDescriptor::builder()
                .id(c.clone())
                .short_description(text(c.clone()))
                .build(),
        );
    }
    v
}

fn location(
    span: Span,
    sources: &SourceMap,
    base: Option<&Base>,
    msg: Option<&str>,
) -> sarif::Location {
    let l = JsonLocation::of(span, sources);
    let region = sarif::Region::builder()
        .start_line(l.line as i64)
        .start_column(l.column as i64)
        .end_line(l.end_line as i64)
        .end_column(l.end_column as i64)
        .build();
    let (uri, rooted) = artifact(&l.file, base);
    let art = if rooted {
        sarif::ArtifactLocation::builder()
            .uri(uri)
            .uri_base_id(SRCROOT)
            .build()
    } else {
        sarif::ArtifactLocation::builder().uri(uri).build()
    };
    let phys = sarif::PhysicalLocation::builder()
        .artifact_location(art)
        .region(region)
        .build();
    match msg {
        Some(m) => sarif::Location::builder()
            .physical_location(phys)
            .message(message(m))
            .build(),
        None => sarif::Location::builder().physical_location(phys).build(),
    }
}

/// A stable fingerprint: rule, file and message (which names the objects involved), plus the
/// occurrence number among identical ones. Line numbers stay out, so moving a block of the
/// policy does not turn old alerts into new ones.
fn fingerprint(code: &str, uri: &str, msg: &str, occurrence: usize) -> String {
    let mut h = Sha256::new();
    for part in [code, uri, msg, &occurrence.to_string()] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The SARIF log of one `check` run. `base` gives the project root that URIs are relative to
/// (`%SRCROOT%`); `errors` are the failures that kept the run from checking every file: a log
/// with errors says `executionSuccessful: false` and carries each as a tool notification, so
/// that an upload of it never reads as "no findings" and closes open alerts.
pub fn sarif(reports: &[Report], base: Option<&Base>, errors: &[String]) -> sarif::Sarif {
    let mut codes_used: Vec<String> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(|d| d.code.clone()))
        .filter(|c| super::lookup(c).is_none())
        .collect();
    codes_used.sort();
    codes_used.dedup();
    let rules = descriptors(&codes_used);
    let index: BTreeMap<&str, i64> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i as i64))
        .collect();
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut results = Vec::new();
    for rep in reports {
        for d in rep.diagnostics {
            let Some(span) = d.span.or_else(|| d.related.first().map(|r| r.span)) else {
                continue;
            };
            let loc = location(span, rep.sources, base, None);
            let uri = artifact(&rep.sources.get(span.file).name, base).0;
            let n = seen
                .entry((d.code.clone(), uri.clone(), d.message.clone()))
                .or_insert(0);
            let fp = fingerprint(&d.code, &uri, &d.message, *n);
            *n += 1;
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!("\n\nhelp: {h}"));
            }
            let related: Vec<sarif::Location> = d
                .related
                .iter()
                .map(|r| location(r.span, rep.sources, base, Some(&r.label)))
                .collect();
            let mut fps = BTreeMap::new();
            fps.insert("fenceline/v1".to_string(), fp);
            let mut result = sarif::Result::builder()
                .rule_id(d.code.clone())
                .level(level(d.severity))
                .message(message(text))
                .locations(vec![loc])
                .partial_fingerprints(fps)
                .build();
            if let Some(i) = index.get(d.code.as_str()) {
                result.rule_index = Some(*i);
            }
            if !related.is_empty() {
                result.related_locations = Some(related);
            }
            if let Some(s) = &d.suppressed {
                let mut j = s.justification.clone();
                if let Some(u) = &s.until {
                    j.push_str(&format!(" (until {u})"));
                }
                result.suppressions = Some(vec![sarif::Suppression::builder()
                    .kind(serde_json::json!("inSource"))
                    .status(serde_json::json!("accepted"))
                    .justification(j)
                    .location(location(s.span, rep.sources, base, None))
                    .build()]);
            }
            results.push(result);
        }
    }
    let driver = sarif::ToolComponent::builder()
        .name("fenceline")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let notifications: Vec<sarif::Notification> = errors
        .iter()
        .map(|e| {
            sarif::Notification::builder()
                .level(serde_json::json!("error"))
                .message(message(e.clone()))
                .build()
        })
        .collect();
    let invocation = if notifications.is_empty() {
        sarif::Invocation::builder()
            .execution_successful(true)
            .build()
    } else {
        sarif::Invocation::builder()
            .execution_successful(false)
            .tool_execution_notifications(notifications)
            .build()
    };
    let mut run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    if let Some(b) = base {
        let mut ids = BTreeMap::new();
        ids.insert(
            SRCROOT.to_string(),
            sarif::ArtifactLocation::builder().uri(b.root_uri()).build(),
        );
        run.original_uri_base_ids = Some(ids);
    }
    sarif::Sarif::builder()
        .schema(sarif::SCHEMA_URL)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// The SARIF log as pretty JSON.
pub fn sarif_json(
    reports: &[Report],
    base: Option<&Base>,
    errors: &[String],
) -> Result<String, String> {
    serde_json::to_string_pretty(&sarif(reports, base, errors)).map_err(|e| e.to_string())
}

/// Escapes the message of a workflow command: `%`, CR, LF.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command: as data, plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands, one line per unsuppressed finding, worst first (GitHub
/// shows only the first few annotations of each kind per step).
pub fn github(reports: &[Report], base: Option<&Base>) -> String {
    let mut lines: Vec<(Severity, String)> = Vec::new();
    for rep in reports {
        for d in rep.diagnostics.iter().filter(|d| d.suppressed.is_none()) {
            let cmd = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "notice",
            };
            let title = match super::lookup(&d.code) {
                Some(r) => format!("{} {}", r.id, r.name),
                None => d.code.clone(),
            };
            let mut props = Vec::new();
            if let Some(span) = d.span {
                let l = JsonLocation::of(span, rep.sources);
                let file = base.and_then(|b| b.relative(&l.file)).unwrap_or(l.file);
                props.push(format!("file={}", escape_property(&file)));
                props.push(format!("line={}", l.line));
                props.push(format!("col={}", l.column));
                props.push(format!("endLine={}", l.end_line));
                props.push(format!("endColumn={}", l.end_column));
            }
            props.push(format!("title={}", escape_property(&title)));
            let mut msg = d.message.clone();
            if let Some(h) = &d.help {
                msg.push_str(&format!("\nhelp: {h}"));
            }
            lines.push((
                d.severity,
                format!("::{cmd} {}::{}", props.join(","), escape_data(&msg)),
            ));
        }
    }
    // Stable: equal severities keep diagnostic order.
    lines.sort_by_key(|l| std::cmp::Reverse(l.0));
    lines.into_iter().map(|(_, l)| l + "\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile};

    #[test]
    fn escapes_workflow_commands() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("a:b,c"), "a:b,c");
    }

    fn one() -> (Vec<Diagnostic>, SourceMap) {
        let mut sources = SourceMap::default();
        sources.add(SourceFile::new(
            "./dir/p, q.fence",
            "p.fence",
            "zone a {\n  level 1\n}\n",
        ));
        let d = Diagnostic::warning("FR5-017", "zone `a` lacks 100%: `owner`")
            .at(Span::new(FileId(0), 5, 6), "here")
            .help("line one\nline two");
        (vec![d], sources)
    }

    #[test]
    fn github_lines_are_escaped() {
        let (d, s) = one();
        let out = github(
            &[Report {
                diagnostics: &d,
                sources: &s,
            }],
            None,
        );
        assert_eq!(
            out,
            "::warning file=./dir/p%2C q.fence,line=1,col=6,endLine=1,endColumn=7,title=FR5-017 zone-undocumented::zone `a` lacks 100%25: `owner`%0Ahelp: line one%0Aline two\n"
        );
    }

    #[test]
    fn sarif_has_rules_relative_uris_and_fingerprints() {
        let (d, s) = one();
        let v = serde_json::to_value(sarif(
            &[Report {
                diagnostics: &d,
                sources: &s,
            }],
            None,
            &[],
        ))
        .unwrap_or_default();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert!(run["tool"]["driver"]["rules"]
            .as_array()
            .is_some_and(|r| r.len() == super::super::rules::ALL.len()));
        let r = &run["results"][0];
        assert_eq!(r["ruleId"], "FR5-017");
        assert_eq!(r["level"], "warning");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "dir/p%2C%20q.fence");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(loc["region"]["startLine"], 1);
        assert!(r["partialFingerprints"]["fenceline/v1"]
            .as_str()
            .is_some_and(|f| f.len() == 32));
        let idx = r["ruleIndex"].as_i64().unwrap_or(-1) as usize;
        assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], "FR5-017");
    }

    #[test]
    fn sarif_describes_codes_outside_the_registry() {
        let (mut d, s) = one();
        d[0].code = "OUT-005".into();
        d.push(Diagnostic::error("E0004", "host bits").at(Span::new(FileId(0), 0, 4), ""));
        let v = serde_json::to_value(sarif(
            &[Report {
                diagnostics: &d,
                sources: &s,
            }],
            None,
            &[],
        ))
        .unwrap_or_default();
        let rules = &v["runs"][0]["tool"]["driver"]["rules"];
        for r in v["runs"][0]["results"].as_array().into_iter().flatten() {
            let idx = r["ruleIndex"].as_i64().unwrap_or(-1) as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
        }
    }

    #[test]
    fn uris_are_relative() {
        assert_eq!(
            artifact_uri("/repo/x/p.fence", Some(Path::new("/repo"))),
            "x/p.fence"
        );
        assert_eq!(artifact_uri("./a\\b.fence", None), "a/b.fence");
    }
}
