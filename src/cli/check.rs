//! `fenceline check FILE...`: parse, type-check and lint; writes nothing.

use super::{Io, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle, JsonDiagnostic, Summary};
use crate::driver::{self, CheckOptions, Checked};
use crate::error::{Error, Result};
use crate::lint::output::{self, Report};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Concise,
    Json,
    /// SARIF 2.1.0 for GitHub code scanning
    Sarif,
    /// GitHub Actions workflow commands (annotations)
    Github,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Policy files or directories (`-` reads standard input). Files that another given file
    /// includes are checked through it; with none, the `policies` of fenceline.toml or the
    /// root `.fence` files under the current directory
    pub files: Vec<PathBuf>,
    /// Output format
    #[arg(long, alias = "output-format", value_enum, default_value_t = Format::Human, env = "FENCELINE_FORMAT")]
    pub format: Format,
    /// Fail (exit 1) on warnings too, whatever the configured fail level
    #[arg(long)]
    pub deny_warnings: bool,
    /// List the findings that exceptions accept (by default only counted)
    #[arg(long)]
    pub show_suppressed: bool,
    /// Count findings per rule instead of listing them (`--format json`: as JSON)
    #[arg(long)]
    pub statistics: bool,
    /// Write the output to FILE instead of the terminal (atomically; no colour)
    #[arg(long, short = 'o', value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub output_file: Option<PathBuf>,
    /// The file name that standard input (`-`) stands for: names it in output, finds its
    /// fenceline.toml and resolves its includes
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub stdin_filename: Option<PathBuf>,
    #[command(flatten)]
    pub common: super::CommonArgs,
}

/// Findings of one rule, for `--statistics`.
#[derive(Serialize, schemars::JsonSchema)]
struct Statistic {
    code: String,
    name: String,
    count: usize,
    /// Findings of the rule that exceptions accept (not in `count`).
    suppressed: usize,
}

fn statistics<'a>(all: impl Iterator<Item = &'a crate::Diagnostic>) -> Vec<Statistic> {
    let mut by_code: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for d in all {
        let e = by_code.entry(d.code.as_str()).or_default();
        if d.suppressed.is_some() {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }
    let mut v: Vec<Statistic> = by_code
        .into_iter()
        .map(|(code, (count, suppressed))| Statistic {
            code: code.to_string(),
            name: crate::lint::lookup(code)
                .map(|r| r.name.to_string())
                .or_else(|| crate::diagnostic::codes::lookup(code).map(|c| c.title.to_string()))
                .unwrap_or_default(),
            count,
            suppressed,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    v
}

/// `check --format json` (schemas/check.schema.json).
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    files: Vec<JsonFile<'a>>,
    summary: Summary,
    /// Why files could not be checked (empty when every file was): a run with errors exits 2.
    errors: &'a [String],
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

pub const TOOL: Tool = Tool {
    name: "fenceline",
    version: env!("CARGO_PKG_VERSION"),
};

#[derive(Serialize, schemars::JsonSchema)]
struct JsonFile<'a> {
    path: &'a str,
    diagnostics: Vec<JsonDiagnostic>,
    summary: Summary,
}

pub fn options(today: Option<String>) -> Result<CheckOptions> {
    if let Some(t) = &today {
        if t.len() != 10 || t.as_bytes()[4] != b'-' || t.as_bytes()[7] != b'-' {
            return Err(Error::Usage(format!(
                "--today `{t}` is not a date YYYY-MM-DD"
            )));
        }
    }
    Ok(CheckOptions {
        today: today.or_else(|| Some(crate::lint::today_utc())),
        ..Default::default()
    })
}

/// Options for one policy file: the configuration (`explicit`, or the nearest `fenceline.toml`)
/// and today's date. Returns the fail level of that configuration with them.
pub fn options_for(
    path: &std::path::Path,
    today: Option<String>,
    explicit: Option<&std::path::Path>,
) -> Result<(CheckOptions, crate::diagnostic::Severity)> {
    let mut opts = options(today)?;
    let cfg = crate::lint::config::for_policy(path, explicit)?;
    opts.lint = cfg.lint;
    Ok((opts, cfg.fail_level))
}

pub fn check_file(path: &std::path::Path, opts: &CheckOptions) -> Result<Checked> {
    let (name, p, text) = super::read_input(path)?;
    Ok(driver::check_text(&name, &p, text, opts))
}

/// [`check_file`], with standard input named `stdin_name` when given.
fn check_input(
    path: &std::path::Path,
    stdin_name: Option<&std::path::Path>,
    opts: &CheckOptions,
) -> Result<Checked> {
    match stdin_name {
        Some(n) if path.as_os_str() == "-" => {
            let (_, _, text) = super::read_input(path)?;
            let name = n.to_string_lossy().replace('\\', "/");
            Ok(driver::check_text(&name, n, text, opts))
        }
        _ => check_file(path, opts),
    }
}

pub fn run(args: CheckArgs, io: &mut Io) -> Result<u8> {
    options(args.common.today.clone())?;
    let mut results = Vec::new();
    // Files that could not be checked: the run failed, and machine output says so.
    let mut errors: Vec<String> = Vec::new();
    let mut fails = false;
    let (roots, _fragments) = super::roots::roots(&args.files)?;
    let stdin_name = args.stdin_filename.as_deref();
    for f in &roots {
        // Standard input finds its configuration from the file it stands for.
        let config_from = match stdin_name {
            Some(n) if f.as_os_str() == "-" => n,
            _ => f.as_path(),
        };
        let (opts, mut fail_level) = match options_for(
            config_from,
            args.common.today.clone(),
            args.common.config.as_deref(),
        ) {
            Ok(o) => o,
            Err(e) => {
                io.eprintln(format_args!("error: {e}"));
                errors.push(e.to_string());
                continue;
            }
        };
        if args.deny_warnings {
            fail_level = crate::diagnostic::Severity::Warning;
        }
        match check_input(f, stdin_name, &opts) {
            Ok(c) => {
                fails |= c
                    .diagnostics
                    .iter()
                    .any(|d| d.suppressed.is_none() && d.severity >= fail_level);
                let name = match stdin_name {
                    Some(n) if f.as_os_str() == "-" => n.to_string_lossy().to_string(),
                    _ => f.to_string_lossy().to_string(),
                };
                results.push((name, c))
            }
            Err(e) => {
                io.eprintln(format_args!("error: {e}"));
                errors.push(e.to_string());
            }
        }
    }
    let total = Summary::of(results.iter().flat_map(|(_, c)| c.diagnostics.iter()));
    // Human text goes to stderr and data to stdout, or both to the output file (no colour).
    let color = io.color && args.output_file.is_none();
    let width = io.width;
    let mut text_out: Vec<u8> = Vec::new();
    let mut data_out: Vec<u8> = Vec::new();
    let all = || results.iter().flat_map(|(_, c)| c.diagnostics.iter());
    match args.format {
        Format::Human | Format::Concise if args.statistics => {
            for st in statistics(all()) {
                let sup = if st.suppressed > 0 {
                    format!(" ({} suppressed)", st.suppressed)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    text_out,
                    "{:>6}  {:<10} {}{sup}",
                    st.count, st.code, st.name
                );
            }
            let _ = writeln!(text_out, "{}", summary_line(&total, results.len(), false));
        }
        Format::Human | Format::Concise => {
            for (_, c) in &results {
                for d in &c.diagnostics {
                    if d.suppressed.is_some() && !args.show_suppressed {
                        continue;
                    }
                    if args.common.quiet && !d.is_error() {
                        continue;
                    }
                    if args.format == Format::Concise {
                        let line = render::concise_styled(d, &c.sources, color);
                        let _ = writeln!(text_out, "{line}");
                    } else {
                        let s = render::human(d, &c.sources, HumanStyle { color, width });
                        let _ = writeln!(text_out, "{s}");
                    }
                }
            }
            if !args.common.quiet {
                let _ = writeln!(
                    text_out,
                    "{}",
                    summary_line(&total, results.len(), !args.show_suppressed)
                );
            }
        }
        Format::Json if args.statistics => {
            let s = serde_json::to_string_pretty(&statistics(all()))
                .map_err(|e| Error::Other(e.to_string()))?;
            let _ = writeln!(data_out, "{s}");
        }
        Format::Json => {
            let report = JsonReport {
                version: 1,
                tool: TOOL,
                files: results
                    .iter()
                    .map(|(p, c)| JsonFile {
                        path: p,
                        diagnostics: c
                            .diagnostics
                            .iter()
                            .map(|d| JsonDiagnostic::of(d, &c.sources))
                            .collect(),
                        summary: Summary::of(&c.diagnostics),
                    })
                    .collect(),
                summary: total,
                errors: &errors,
            };
            let s =
                serde_json::to_string_pretty(&report).map_err(|e| Error::Other(e.to_string()))?;
            let _ = writeln!(data_out, "{s}");
        }
        Format::Sarif | Format::Github => {
            let reports: Vec<Report> = results
                .iter()
                .map(|(_, c)| Report {
                    diagnostics: &c.diagnostics,
                    sources: &c.sources,
                })
                .collect();
            let base = output::Base::current();
            if args.format == Format::Sarif {
                let s =
                    output::sarif_json(&reports, base.as_ref(), &errors).map_err(Error::Other)?;
                let _ = writeln!(data_out, "{s}");
            } else {
                let _ = write!(data_out, "{}", output::github(&reports, base.as_ref()));
                for e in &errors {
                    let _ = writeln!(
                        data_out,
                        "::error title=fenceline::{}",
                        output::escape_data(e)
                    );
                }
                io.eprintln(summary_line(&total, results.len(), false));
            }
        }
    }
    match &args.output_file {
        Some(path) => {
            text_out.extend_from_slice(&data_out);
            crate::output::write_atomic(path, &text_out)?;
        }
        None => {
            io.err
                .write_all(&text_out)
                .map_err(|e| Error::io("<stderr>", e))?;
            io.out
                .write_all(&data_out)
                .map_err(|e| Error::io("<stdout>", e))?;
        }
    }
    Ok(if !errors.is_empty() {
        EXIT_FAILURE
    } else if fails {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// `2 files: 1 error, 3 warnings, 1 suppressed`; `hint` adds how to list the suppressed ones.
pub fn summary_line(s: &Summary, files: usize, hint: bool) -> String {
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let mut parts = vec![plural(s.errors, "error"), plural(s.warnings, "warning")];
    if s.suppressed > 0 {
        parts.push(if hint {
            format!("{} suppressed (--show-suppressed lists them)", s.suppressed)
        } else {
            format!("{} suppressed", s.suppressed)
        });
    }
    format!("{}: {}", plural(files, "file"), parts.join(", "))
}
