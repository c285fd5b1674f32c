//! `fenceline fmt [--check] FILE...`: canonical layout, in place.

use super::{Io, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle};
use crate::error::Result;
use crate::source::{FileId, SourceFile, SourceMap};
use crate::syntax::parse_file;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Policy files (`-` formats standard input to standard output)
    #[arg(required = true, value_hint = clap::ValueHint::FilePath)]
    pub files: Vec<PathBuf>,
    /// Write nothing; exit 1 if a file is not formatted
    #[arg(long)]
    pub check: bool,
    /// Print a unified diff of the changes instead of writing
    #[arg(long)]
    pub diff: bool,
}

/// Formats a policy text. Refuses (returns the diagnostic) when it does not parse, and refuses
/// with an internal error if the result would not mean the same as the input.
pub fn format_text(
    name: &str,
    text: &str,
) -> std::result::Result<String, (SourceMap, crate::Diagnostic)> {
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(name, name, text));
    let ast = match parse_file(id, text) {
        Ok(a) => a,
        Err(d) => return Err((sources, d)),
    };
    let out = crate::fmt::format_file(text, &ast);
    // The formatted text must parse to the same AST, spans aside.
    match parse_file(FileId(0), &out) {
        Ok(again) if crate::fmt::same_meaning(&ast, &again) => Ok(out),
        _ => Err((
            sources,
            crate::Diagnostic::error(
                crate::diagnostic::codes::SYNTAX,
                "internal error: formatting would change the policy; file left as it is",
            ),
        )),
    }
}

pub fn run(args: FmtArgs, io: &mut Io) -> Result<u8> {
    let mut code = EXIT_OK;
    for path in &args.files {
        let (name, _, text) = super::read_input(path)?;
        let formatted = match format_text(&name, &text) {
            Ok(f) => f,
            Err((sources, d)) => {
                let _ = write!(
                    io.err,
                    "{}",
                    render::human(
                        &d,
                        &sources,
                        HumanStyle {
                            color: io.color,
                            width: io.width
                        }
                    )
                );
                code = EXIT_FAILURE;
                continue;
            }
        };
        if path.as_os_str() == "-" && !args.check && !args.diff {
            let _ = write!(io.out, "{formatted}");
            continue;
        }
        if formatted == text {
            continue;
        }
        if args.diff {
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            let _ = write!(io.out, "{}", diff.unified_diff().header(&name, &name));
        }
        if args.check || args.diff {
            io.eprintln(format_args!("would reformat {name}"));
            if code == EXIT_OK {
                code = EXIT_FINDINGS;
            }
        } else {
            crate::output::write_atomic(path, formatted.as_bytes())?;
        }
    }
    Ok(code)
}
