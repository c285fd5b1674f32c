//! `fenceline graph FILE --format dot|mermaid|svg [-o FILE]`: the zone and conduit diagram in
//! Purdue bands.

use super::{Io, EXIT_FAILURE, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle};
use crate::error::{Error, Result};
use crate::report::graph;
use clap::{Args, ValueEnum, ValueHint};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Svg,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Root policy file (`-` reads standard input)
    #[arg(value_hint = ValueHint::FilePath)]
    pub file: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Svg)]
    pub format: GraphFormat,
    /// Write the diagram to this file (atomically) instead of standard output
    #[arg(short = 'o', long = "output", value_hint = ValueHint::FilePath)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub common: super::CommonArgs,
}

pub fn run(args: GraphArgs, io: &mut Io) -> Result<u8> {
    let (opts, _) = args.common.options_for(&args.file)?;
    let checked = super::check::check_file(&args.file, &opts)?;
    let Some(model) = checked.model.as_ref() else {
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
            "graph: the policy has errors that leave it without a meaning; nothing to draw",
        );
        return Ok(EXIT_FAILURE);
    };
    let text = match args.format {
        GraphFormat::Dot => graph::to_dot(model),
        GraphFormat::Mermaid => graph::to_mermaid(model),
        GraphFormat::Svg => {
            crate::report::svg::to_svg(model, &crate::plan::model_to_ir(model).0, true)
        }
    };
    match &args.out {
        Some(p) => crate::output::write_atomic(p, text.as_bytes())?,
        None => io
            .out
            .write_all(text.as_bytes())
            .map_err(|e| Error::io("<stdout>", e))?,
    }
    Ok(EXIT_OK)
}
