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
    let json = |v: &dyn erased::Ser| v.to_json();
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
            io.println(json(&files)?);
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
                    io.println(json(&ir)?);
                    Ok(EXIT_OK)
                }
                Some(m) => {
                    io.println(json(m)?);
                    Ok(EXIT_OK)
                }
                None => Ok(EXIT_FINDINGS),
            }
        }
    }
}

mod erased {
    use super::{Error, Result};
    pub trait Ser {
        fn to_json(&self) -> Result<String>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> Result<String> {
            serde_json::to_string_pretty(self).map_err(|e| Error::Other(e.to_string()))
        }
    }
}
