//! `fenceline check FILE...`: parse, type-check and lint; writes nothing.

use super::{Io, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle, JsonDiagnostic, Summary};
use crate::driver::{self, CheckOptions, Checked};
use crate::error::{Error, Result};
use crate::lint::output::{self, Report};
use clap::{Args, ValueEnum};
use serde::Serialize;
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
    /// Date used for expiring exceptions (YYYY-MM-DD), for reproducible runs
    #[arg(long)]
    pub today: Option<String>,
    /// Configuration file (default: the nearest fenceline.toml above each policy)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Fail (exit 1) on warnings too, whatever the configured fail level
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    files: Vec<JsonFile<'a>>,
    summary: Summary,
    /// Why files could not be checked (empty when every file was): a run with errors exits 2.
    errors: &'a [String],
}

#[derive(Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

pub const TOOL: Tool = Tool {
    name: "fenceline",
    version: env!("CARGO_PKG_VERSION"),
};

#[derive(Serialize)]
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
        today: today.or_else(|| Some(driver::today_utc())),
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

pub fn run(args: CheckArgs, io: &mut Io) -> Result<u8> {
    options(args.today.clone())?;
    let mut results = Vec::new();
    // Files that could not be checked: the run failed, and machine output says so.
    let mut errors: Vec<String> = Vec::new();
    let mut fails = false;
    let (roots, _fragments) = super::roots::roots(&args.files)?;
    for f in &roots {
        let (opts, mut fail_level) =
            match options_for(f, args.today.clone(), args.config.as_deref()) {
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
        match check_file(f, &opts) {
            Ok(c) => {
                fails |= c
                    .diagnostics
                    .iter()
                    .any(|d| d.suppressed.is_none() && d.severity >= fail_level);
                results.push((f.to_string_lossy().to_string(), c))
            }
            Err(e) => {
                io.eprintln(format_args!("error: {e}"));
                errors.push(e.to_string());
            }
        }
    }
    let total = Summary::of(results.iter().flat_map(|(_, c)| c.diagnostics.iter()));
    match args.format {
        Format::Human | Format::Concise => {
            for (_, c) in &results {
                for d in &c.diagnostics {
                    if args.format == Format::Concise {
                        io.eprintln(render::concise(d, &c.sources));
                    } else {
                        let s = render::human(
                            d,
                            &c.sources,
                            HumanStyle {
                                color: io.color,
                                width: io.width,
                            },
                        );
                        let _ = write!(io.err, "{s}");
                        io.eprintln("");
                    }
                }
            }
            io.eprintln(summary_line(&total, results.len()));
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
            io.println(s);
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
                io.println(s);
            } else {
                let _ = write!(io.out, "{}", output::github(&reports, base.as_ref()));
                for e in &errors {
                    let _ = writeln!(
                        io.out,
                        "::error title=fenceline::{}",
                        output::escape_data(e)
                    );
                }
                io.eprintln(summary_line(&total, results.len()));
            }
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

pub fn summary_line(s: &Summary, files: usize) -> String {
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let mut parts = vec![plural(s.errors, "error"), plural(s.warnings, "warning")];
    if s.suppressed > 0 {
        parts.push(format!("{} suppressed", s.suppressed));
    }
    format!("{}: {}", plural(files, "file"), parts.join(", "))
}
