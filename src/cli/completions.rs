//! `fenceline completions SHELL` and `fenceline man`: shell completion scripts (clap_complete)
//! and the man page (clap_mangen), generated from the same clap definition as the parser, so
//! they never fall out of date.

use super::{Cli, Io, EXIT_OK};
use crate::error::{Error, Result};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate completions for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {}

pub fn run(args: CompletionsArgs, io: &mut Io) -> Result<u8> {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics when its writer fails (a closed pipe).
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "fenceline", &mut buf);
    let _ = io.out.write_all(&buf);
    Ok(EXIT_OK)
}

pub fn man(_args: ManArgs, io: &mut Io) -> Result<u8> {
    let cmd = Cli::command();
    clap_mangen::Man::new(cmd)
        .render(&mut io.out)
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(EXIT_OK)
}
