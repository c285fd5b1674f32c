//! The command-line interface: argument parsing (clap) and one function per command. `main.rs`
//! only calls [`main`]; tests call the command functions with their own writers.

pub mod build;
pub mod check;
pub mod completions;
pub mod debug;
pub mod diff;
pub mod explain;
pub mod format;
pub mod graph;
pub mod import;
pub mod init;
pub mod lsp;
pub mod man;
pub mod query;
pub mod report;
pub mod roots;
pub mod rules;
pub mod traffic;
pub mod verify;

use crate::error::Error;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Exit codes (DESIGN.md): 0 clean, 1 findings / drift / differences, 2 could not run. What
/// each command returns is [`man::EXIT_STATUS`], the README's table.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_FAILURE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "fenceline",
    version,
    about = "Compile IEC 62443 zone and conduit policies into firewall configurations"
)]
#[command(propagate_version = true)]
pub struct Cli {
    /// When to use colour in human output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, type-check and lint policies; writes nothing
    #[command(alias = "lint", alias = "validate")]
    Check(check::CheckArgs),
    /// Check, then write every device's configuration and the report, atomically
    Build(build::BuildArgs),
    /// Rewrite policies in the canonical layout
    Fmt(format::FmtArgs),
    /// Print an intermediate representation as JSON
    Debug(debug::DebugArgs),
    /// Conformance report: zones, conduits, FR 5 assessment, findings (md, html, json)
    Report(report::ReportArgs),
    /// Zone and conduit diagram in Purdue bands (dot, mermaid, svg)
    Graph(graph::GraphArgs),
    /// List the lint rules
    Rules(rules::RulesArgs),
    /// Print the documentation of a lint rule or diagnostic code
    Explain(explain::ExplainArgs),
    /// Semantic diff of two policies: packets newly allowed and denied per conduit
    Diff(diff::DiffArgs),
    /// Is this traffic allowed, by which conduit and flow, on which devices
    Query(query::QueryArgs),
    /// Prove that the configurations in DIR allow exactly what the policy allows
    Verify(verify::VerifyArgs),
    /// Turn the configurations in DIR into conduits and flows over a skeleton's zones
    Import(import::ImportArgs),
    /// Observed traffic (Zeek conn.log, pcap) against the policy
    Traffic(traffic::TrafficArgs),
    /// Print the man page (roff), or write every page into a directory
    Man(man::ManArgs),
    /// Write a starter policy and fenceline.toml (never overwrites)
    Init(init::InitArgs),
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
    /// Language server for editors (Language Server Protocol over standard input and output)
    Lsp(lsp::LspArgs),
}

/// The flags every command that reads a policy takes, with one meaning everywhere: the
/// configuration and the date decide which findings exist, `--quiet` what is printed.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CommonArgs {
    /// Date used for expiring exceptions (YYYY-MM-DD), for reproducible runs
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
    /// Configuration file (default: the nearest fenceline.toml above the policy)
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,
    /// Quiet: print errors and the answer only (no warnings, notes or summaries)
    #[arg(short, long)]
    pub quiet: bool,
}

impl CommonArgs {
    /// The check options for `policy`: its configuration (or `--config`) and the date.
    pub fn options_for(
        &self,
        policy: &std::path::Path,
    ) -> Result<(crate::driver::CheckOptions, crate::diagnostic::Severity), Error> {
        check::options_for(policy, self.today.clone(), self.config.as_deref())
    }
}

/// Where a command writes: data to `out`, human messages to `err`.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub color: bool,
    /// Colour for what goes to `out` (its own terminal test).
    pub color_out: bool,
    /// Width of rendered diagnostics.
    pub width: usize,
}

impl Io<'_> {
    /// Writes to stderr, ignoring a closed pipe (nothing useful can be done about it).
    pub fn eprintln(&mut self, msg: impl std::fmt::Display) {
        let _ = writeln!(self.err, "{msg}");
    }
    pub fn println(&mut self, msg: impl std::fmt::Display) {
        let _ = writeln!(self.out, "{msg}");
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli, io: &mut Io) -> u8 {
    let result = match cli.command {
        Command::Check(a) => check::run(a, io),
        Command::Build(a) => build::run(a, io),
        Command::Fmt(a) => format::run(a, io),
        Command::Debug(a) => debug::run(a, io),
        Command::Report(a) => report::run(a, io),
        Command::Graph(a) => graph::run(a, io),
        Command::Rules(a) => rules::run(a, io),
        Command::Explain(a) => explain::run(a, io),
        Command::Diff(a) => diff::run(a, io),
        Command::Query(a) => query::run(a, io),
        Command::Verify(a) => verify::run(a, io),
        Command::Import(a) => import::run(a, io),
        Command::Traffic(a) => traffic::run(a, io),
        Command::Man(a) => man::man(a, io),
        Command::Init(a) => init::run(a, io),
        Command::Completions(a) => completions::run(a, io),
        Command::Lsp(a) => lsp::run(a, io),
    };
    match result {
        Ok(code) => code,
        // The output was cut short by its reader (`| head`): end quietly, as a filter does.
        Err(e) if e.is_broken_pipe() => EXIT_OK,
        Err(e) => {
            io.eprintln(format_args!("error: {e}"));
            EXIT_FAILURE
        }
    }
}

/// Entry point for the binary: parses `std::env::args`, runs, returns the exit code.
pub fn main() -> u8 {
    use clap::{CommandFactory, FromArgMatches};
    // `--color` and NO_COLOR apply to clap's own help and errors too: read them before parsing.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let choice = color_flag(&args);
    let help_color = match choice {
        Some(ColorChoice::Always) => clap::ColorChoice::Always,
        Some(ColorChoice::Never) => clap::ColorChoice::Never,
        _ if std::env::var_os("NO_COLOR").is_some() => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let parsed = Cli::command()
        .color(help_color)
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            };
        }
    };
    // The language server's writer thread writes to standard output itself: it starts before
    // this thread locks it for the other commands.
    if let Command::Lsp(args) = &cli.command {
        return lsp::main(args);
    }
    use std::io::IsTerminal;
    let decide = |terminal: bool| match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && terminal,
    };
    let color = decide(std::io::stderr().is_terminal());
    let color_out = decide(std::io::stdout().is_terminal());
    let width = output_width();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let mut io = Io {
        out: &mut out,
        err: &mut err,
        color,
        color_out,
        width,
    };
    run(cli, &mut io)
}

/// The `--color` value given on the command line, if any (`--color X` or `--color=X`).
fn color_flag(args: &[std::ffi::OsString]) -> Option<ColorChoice> {
    let mut value = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        let v = if a == "--color" {
            it.next().map(|v| v.to_string_lossy().to_string())
        } else {
            a.strip_prefix("--color=").map(str::to_string)
        };
        if let Some(v) = v {
            value = match v.as_str() {
                "always" => Some(ColorChoice::Always),
                "never" => Some(ColorChoice::Never),
                "auto" => Some(ColorChoice::Auto),
                _ => value,
            };
        }
    }
    value
}

/// The width human output is wrapped to: `COLUMNS` when set, else the terminal's width when
/// stderr is a terminal, else 100 (the same output in every CI log and test).
fn output_width() -> usize {
    const DEFAULT: usize = 100;
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
    {
        return n.clamp(40, 400);
    }
    use std::io::IsTerminal;
    let stderr = std::io::stderr();
    if stderr.is_terminal() {
        if let Ok(ws) = rustix::termios::tcgetwinsize(&stderr) {
            if ws.ws_col > 0 {
                return usize::from(ws.ws_col).clamp(40, 400);
            }
        }
    }
    DEFAULT
}

/// Reads a policy argument: a path, or `-` for standard input.
/// Loads and resolves a policy without linting it (`verify`, `query`).
pub(crate) fn resolve_only(path: &std::path::Path) -> Result<crate::driver::Checked, Error> {
    let (name, p, text) = read_input(path)?;
    Ok(crate::driver::resolve_loaded(
        crate::syntax::loader::load_from_text(&name, &p, text),
    ))
}

pub fn read_input(path: &std::path::Path) -> Result<(String, PathBuf, String), Error> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| Error::io("<stdin>", e))?;
        Ok(("<stdin>".into(), PathBuf::from("stdin.fence"), s))
    } else {
        let text = crate::syntax::loader::read_policy_file(path)?;
        Ok((
            path.to_string_lossy().replace('\\', "/"),
            path.to_path_buf(),
            text,
        ))
    }
}
