//! `fenceline report FILE --format md|html|json|pdf [-o FILE]`: the conformance report. Lint
//! findings do not stop it (they are part of the report); a policy without a meaning does.
//! `pdf` prints the HTML report with headless Chromium (see [`print_pdf`]).

use super::{Io, EXIT_FAILURE, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle};
use crate::error::{Error, Result};
use crate::report::{self, sltable::SlTable, ReportOptions};
use clap::{Args, ValueEnum, ValueHint};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Md,
    Html,
    Json,
    /// The HTML report printed by headless Chromium (Debian's `chromium`); needs `-o FILE`.
    Pdf,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Root policy file (`-` reads standard input)
    #[arg(value_hint = ValueHint::FilePath)]
    pub file: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
    /// Write the report to this file (atomically) instead of standard output
    #[arg(short = 'o', long = "output", value_hint = ValueHint::FilePath)]
    pub out: Option<PathBuf>,
    /// SR-to-SL applicability table (TOML, the layout of data/fr5-sl.toml) instead of the built-in one
    #[arg(long, value_hint = ValueHint::FilePath)]
    pub sl_table: Option<PathBuf>,
    /// Markdown and HTML: every conduit in full (its flows, FR 5 table and SL rows) even above the 250 conduits where the report turns compact
    #[arg(long)]
    pub full: bool,
    #[command(flatten)]
    pub common: super::CommonArgs,
}

/// The report of a policy file, or `None` (its errors written to `io`) when the policy has
/// no meaning.
fn generate_file(args: &ReportArgs, io: &mut Io) -> Result<Option<report::Report>> {
    // The same configuration as `check` and `build`: the findings are the same filtered set.
    let (check_opts, _) = super::check::options_for(
        &args.file,
        args.common.today.clone(),
        args.common.config.as_deref(),
    )?;
    let checked = super::check::check_file(&args.file, &check_opts)?;
    let sl_table = match &args.sl_table {
        Some(p) => SlTable::load(p)?,
        None => SlTable::builtin()?,
    };
    let opts = ReportOptions {
        today: args.common.today.clone(),
        sl_table,
        locations: true,
    };
    let rep = report::generate(&checked, &opts)?;
    if rep.is_none() {
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            let _ = write!(
                io.err,
                "{}",
                render::human(
                    d,
                    &checked.sources,
                    HumanStyle {
                        color: io.color,
                        width: io.width
                    }
                )
            );
        }
        io.eprintln(
            "report: the policy has errors that leave it without a meaning; nothing to report",
        );
    }
    Ok(rep)
}

pub fn run(args: ReportArgs, io: &mut Io) -> Result<u8> {
    // Checked before the policy is read: a PDF is never written to a terminal.
    if args.format == ReportFormat::Pdf && args.out.is_none() {
        return Err(Error::Usage(
            "`--format pdf` needs `-o FILE`: the PDF is written to a file, not to standard output"
                .into(),
        ));
    }
    let Some(rep) = generate_file(&args, io)? else {
        return Ok(EXIT_FAILURE);
    };
    let layout = if args.full {
        report::render::Layout::Full
    } else {
        report::render::Layout::Auto
    };
    let text = match args.format {
        ReportFormat::Md => report::render::to_markdown_in(&rep, layout)?,
        ReportFormat::Html | ReportFormat::Pdf => report::render::to_html_in(&rep, layout)?,
        ReportFormat::Json => {
            // Written as it is serialised, as `build` writes report.json: a large policy's
            // JSON report is several times the size of the report held in memory.
            match &args.out {
                Some(p) => {
                    crate::output::write_atomic_with(p, |w| report::render::write_json(&rep, w, p))?
                }
                None => report::render::write_json(&rep, &mut *io.out, "<stdout>".as_ref())?,
            }
            return Ok(EXIT_OK);
        }
    };
    if let (ReportFormat::Pdf, Some(p)) = (args.format, &args.out) {
        let pdf = print_pdf(&text)?;
        crate::output::write_atomic(p, &pdf)?;
        return Ok(EXIT_OK);
    }
    match &args.out {
        Some(p) => crate::output::write_atomic(p, text.as_bytes())?,
        None => {
            io.out
                .write_all(text.as_bytes())
                .map_err(|e| Error::io("<stdout>", e))?;
        }
    }
    Ok(EXIT_OK)
}

/// The browser `--format pdf` runs: `FENCELINE_CHROMIUM` if set, else the first of these found
/// on `PATH`.
const CHROMIUM: [&str; 2] = ["chromium", "chromium-browser"];

/// How long Chromium may take to print one report.
const PRINT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);

/// Prints a self-contained HTML report to PDF with headless Chromium, the route docs/report.md
/// documents and tests/report.rs tests. WeasyPrint (Debian's `weasyprint`) clips the diagram
/// and wide tables at the page edge; wkhtmltopdf renders the report but its upstream is
/// archived and its QtWebKit engine unmaintained, so neither is used. The HTML carries no URL,
/// font or script that loads anything, so the browser reads nothing but the file; its sandbox
/// is off (`--no-sandbox`) because it refuses to start as root otherwise, as in CI.
pub fn print_pdf(html: &str) -> Result<Vec<u8>> {
    let browser = match std::env::var_os("FENCELINE_CHROMIUM") {
        Some(b) => PathBuf::from(b),
        None => CHROMIUM
            .iter()
            .find_map(|c| find_on_path(c))
            .unwrap_or_else(|| PathBuf::from(CHROMIUM[0])),
    };
    let dir = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let input = dir.path().join("report.html");
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&input, html).map_err(|e| Error::io(&input, e))?;
    // To a file, not a pipe: a pipe nobody reads while waiting could fill and stall the browser.
    let log = dir.path().join("chromium.log");
    let log_file = std::fs::File::create(&log).map_err(|e| Error::io(&log, e))?;
    let mut child = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-pdf-header-footer",
            "--no-first-run",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", input.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Usage(format!(
                "`--format pdf` prints the HTML report with Chromium, and `{}` was not found: install Debian's `chromium` package (`apt-get install chromium`), set `FENCELINE_CHROMIUM` to a Chromium binary, or print `--format html` with a browser",
                browser.display()
            )),
            _ => Error::io(&browser, e),
        })?;
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait().map_err(|e| Error::io(&browser, e))? {
            Some(status) => break status,
            None if started.elapsed() > PRINT_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Other(format!(
                    "`{}` did not print the report within {} s",
                    browser.display(),
                    PRINT_TIMEOUT.as_secs()
                )));
            }
            None => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    };
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    let bytes = std::fs::read(&pdf).unwrap_or_default();
    if !status.success() || !bytes.starts_with(b"%PDF-") {
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(Error::Other(format!(
            "`{}` printed no PDF ({status}){}",
            browser.display(),
            if last.is_empty() {
                String::new()
            } else {
                format!(": {}", last.trim())
            }
        )));
    }
    Ok(bytes)
}

/// The first executable file of this name on `PATH`.
fn find_on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| {
                std::fs::metadata(p)
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
    })
}
