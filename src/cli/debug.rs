//! `fenceline debug ast|model FILE`: dumps an intermediate representation as JSON.

use super::{Io, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle};
use crate::error::{Error, Result};
use crate::syntax::loader;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Repr {
    /// The typed syntax tree of each file
    Ast,
    /// The resolved Model
    Model,
    /// The per-device plan (IR)
    Ir,
}

#[derive(Debug, Args)]
pub struct DebugArgs {
    #[arg(value_enum)]
    pub repr: Repr,
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub file: PathBuf,
    #[command(flatten)]
    pub common: super::CommonArgs,
}

pub fn run(args: DebugArgs, io: &mut Io) -> Result<u8> {
    let (name, path, text) = super::read_input(&args.file)?;
    // `debug ast` shows the files as written; the Model and the IR the expanded policy.
    let loaded = if args.repr == Repr::Ast {
        loader::load_written(&name, &path, text)
    } else {
        loader::load_from_text(&name, &path, text)
    };
    match args.repr {
        Repr::Ast => {
            for d in &loaded.diagnostics {
                let _ = write!(
                    io.err,
                    "{}",
                    render::human(
                        d,
                        &loaded.sources,
                        HumanStyle {
                            color: io.color,
                            width: io.width
                        }
                    )
                );
            }
            let files: Vec<&crate::syntax::ast::File> =
                loaded.files.iter().map(|(_, f)| f).collect();
            print_json(io, &files)?;
            Ok(if loaded.diagnostics.is_empty() {
                EXIT_OK
            } else {
                EXIT_FINDINGS
            })
        }
        Repr::Model | Repr::Ir => {
            let (opts, _) = args.common.options_for(&args.file)?;
            let checked = crate::driver::check_loaded(loaded, &opts);
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
            match &checked.model {
                Some(m) if args.repr == Repr::Ir => {
                    let (ir, _) = crate::plan::model_to_ir(m);
                    print_json(io, &ir)?;
                    Ok(EXIT_OK)
                }
                Some(m) => {
                    print_json(io, m)?;
                    Ok(EXIT_OK)
                }
                None => Ok(EXIT_FINDINGS),
            }
        }
    }
}

/// Writes `v` as indented JSON and a line break, straight to standard output: the text of a
/// large policy's syntax tree is never held whole (it is ten times the policy's size). A closed
/// pipe is ignored, as [`Io::println`] does; a value JSON cannot hold is an error.
fn print_json(io: &mut Io, v: &impl serde::Serialize) -> Result<()> {
    use std::io::Write;
    // Standard output flushes at each line break: a buffer of its own writes in large blocks.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut *io.out);
    match serde_json::to_writer_pretty(&mut out, v) {
        Err(e) if !e.is_io() => Err(Error::Other(e.to_string())),
        _ => {
            let _ = writeln!(out).and_then(|()| out.flush());
            Ok(())
        }
    }
}
