//! `fenceline diff OLD NEW` and `fenceline diff --git REV FILE`: the semantic diff of two
//! policies (see [`crate::diff`]), as markdown for a pull-request comment or as JSON.

use super::{Io, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle};
use crate::diff::{self, PolicyDiff};
use crate::driver::{self, Checked};
use crate::error::{Error, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// OLD and NEW policy files; with `--git REV`, only the policy file
    #[arg(required = true, num_args = 1..=2, value_hint = clap::ValueHint::FilePath)]
    pub files: Vec<PathBuf>,
    /// Read the old version of FILE from git (`git show REV:FILE`)
    #[arg(long, value_name = "REV")]
    pub git: Option<String>,
    /// Output format
    #[arg(long, alias = "output-format", value_enum, default_value_t = DiffFormat::Markdown)]
    pub format: DiffFormat,
    /// Exit with 1 when anything changed
    #[arg(long)]
    pub exit_code: bool,
    #[command(flatten)]
    pub common: super::CommonArgs,
}

/// `diff --format json` (schemas/diff.schema.json).
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct JsonDiff<'a> {
    version: u32,
    tool: super::check::Tool,
    old: &'a str,
    new: &'a str,
    changed: bool,
    #[serde(flatten)]
    diff: &'a PolicyDiff,
}

/// The old version of a file at a git revision.
fn git_show(rev: &str, file: &Path) -> Result<String> {
    if rev.starts_with('-') {
        return Err(Error::Usage(format!("`{rev}` is not a git revision")));
    }
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file
        .file_name()
        .ok_or_else(|| Error::Usage(format!("{}: not a file", file.display())))?
        .to_string_lossy();
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .arg("show")
        .arg(format!("{rev}:./{name}"))
        .output()
        .map_err(|e| Error::Other(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Other(format!(
            "git show {rev}:{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| Error::Other(format!("{rev}:{}: not UTF-8", file.display())))
}

fn show_errors(io: &mut Io, c: &Checked, which: &str) {
    let style = HumanStyle {
        color: io.color,
        width: io.width,
    };
    for d in c.diagnostics.iter().filter(|d| d.is_error()) {
        let s = render::human(d, &c.sources, style);
        let _ = write!(io.err, "{s}");
    }
    io.eprintln(format_args!(
        "error: the {which} policy has errors; cannot diff it"
    ));
}

pub fn run(args: DiffArgs, io: &mut Io) -> Result<u8> {
    // Both versions are checked with the configuration of the new one, as `check` would.
    let new_file = args
        .files
        .last()
        .map(PathBuf::as_path)
        .unwrap_or(Path::new("."));
    let (opts, _) = super::check::options_for(
        new_file,
        args.common.today.clone(),
        args.common.config.as_deref(),
    )?;
    let (old, new, old_name, new_name) = match (&args.git, args.files.as_slice()) {
        (Some(rev), [file]) => {
            let text = git_show(rev, file)?;
            let name = file.to_string_lossy().replace('\\', "/");
            // The two versions are independent: check them side by side.
            let (old, new) = crate::threads::join(
                || driver::check_text(&format!("{rev}:{name}"), file, text, &opts),
                || super::check::check_file(file, &opts),
            );
            (old, new?, format!("{rev}:{name}"), name)
        }
        (None, [o, n]) => {
            let (old, new) = crate::threads::join(
                || super::check::check_file(o, &opts),
                || super::check::check_file(n, &opts),
            );
            let (old, new) = (old?, new?);
            (
                old,
                new,
                o.to_string_lossy().replace('\\', "/"),
                n.to_string_lossy().replace('\\', "/"),
            )
        }
        (Some(_), _) => {
            return Err(Error::Usage(
                "with --git REV give exactly one policy file".into(),
            ))
        }
        (None, _) => {
            return Err(Error::Usage(
                "give two policy files: OLD NEW (or --git REV FILE)".into(),
            ))
        }
    };
    if old.model.is_none() {
        show_errors(io, &old, "old");
        return Ok(super::EXIT_FAILURE);
    }
    if new.model.is_none() {
        show_errors(io, &new, "new");
        return Ok(super::EXIT_FAILURE);
    }
    let Some(d) = diff::diff(&old, &new) else {
        return Ok(super::EXIT_FAILURE);
    };
    match args.format {
        DiffFormat::Markdown => {
            let md = diff::to_markdown(&d, &old_name, &new_name);
            let _ = write!(io.out, "{}", paint_markdown(&md, io.color_out));
        }
        DiffFormat::Json => {
            let j = JsonDiff {
                version: 1,
                tool: super::check::TOOL,
                old: &old_name,
                new: &new_name,
                changed: !d.is_empty(),
                diff: &d,
            };
            let s = serde_json::to_string_pretty(&j).map_err(|e| Error::Other(e.to_string()))?;
            io.println(s);
        }
    }
    Ok(if args.exit_code && !d.is_empty() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// In a terminal (`--color`), the "Newly allowed" headings green and "Newly denied" red; the
/// markdown is otherwise unchanged (a pull-request comment is written without colour).
fn paint_markdown(md: &str, color: bool) -> String {
    if !color {
        return md.to_string();
    }
    use anstyle::AnsiColor;
    let style = |c: AnsiColor| anstyle::Style::new().bold().fg_color(Some(c.into()));
    md.lines()
        .map(|l| match l {
            "Newly allowed:" => crate::diagnostic::render::paint(l, style(AnsiColor::Green), true),
            "Newly denied:" => crate::diagnostic::render::paint(l, style(AnsiColor::Red), true),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if md.ends_with('\n') { "\n" } else { "" }
}
