//! `fenceline report FILE --format md|html|json [-o FILE]`: the conformance report. Lint
//! findings do not stop it (they are part of the report); a policy without a meaning does.

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
    #[command(flatten)]
    pub common: super::CommonArgs,
}

/// Renders the report of a policy file in one format.
pub fn render_file(args: &ReportArgs, io: &mut Io) -> Result<Option<String>> {
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
    let Some(rep) = report::generate(&checked, &opts)? else {
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
        return Ok(None);
    };
    let text = match args.format {
        ReportFormat::Md => report::render::to_markdown(&rep)?,
        ReportFormat::Html => report::render::to_html(&rep)?,
        ReportFormat::Json => report::render::to_json(&rep)?,
    };
    Ok(Some(text))
}

pub fn run(args: ReportArgs, io: &mut Io) -> Result<u8> {
    let Some(text) = render_file(&args, io)? else {
        return Ok(EXIT_FAILURE);
    };
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
