//! `fenceline rules`: the lint rule registry as a table, JSON, or the `docs/rules/` pages.

use super::{Io, EXIT_OK};
use crate::error::{Error, Result};
use crate::lint::{docs, rules};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RulesFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
    /// Write the rule documentation (one markdown page per rule and an index) into DIR
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub markdown: Option<PathBuf>,
}

#[derive(Serialize)]
struct JsonRule {
    id: &'static str,
    name: &'static str,
    severity: &'static str,
    reference: &'static str,
    status: &'static str,
    summary: String,
}

/// The table `fenceline rules` prints.
pub fn table() -> String {
    let rows: Vec<[String; 5]> = rules::ALL
        .iter()
        .map(|r| {
            [
                r.id.to_string(),
                r.name.to_string(),
                r.severity.as_str().to_string(),
                r.reference.to_string(),
                r.status.as_str().to_string(),
            ]
        })
        .collect();
    let head = ["ID", "NAME", "SEVERITY", "IEC 62443", "STATUS"].map(String::from);
    let mut width = [0usize; 5];
    for row in std::iter::once(&head).chain(rows.iter()) {
        for (i, c) in row.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&head).chain(rows.iter()) {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = width[i]))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

pub fn run(args: RulesArgs, io: &mut Io) -> Result<u8> {
    if let Some(dir) = &args.markdown {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for (name, text) in docs::files() {
            crate::output::write_atomic(&dir.join(&name), text.as_bytes())?;
        }
        io.eprintln(format_args!(
            "wrote {} pages to {}",
            rules::ALL.len() + 1,
            dir.display()
        ));
        return Ok(EXIT_OK);
    }
    match args.format {
        RulesFormat::Table => {
            let _ = write!(io.out, "{}", table());
        }
        RulesFormat::Json => {
            let v: Vec<JsonRule> = rules::ALL
                .iter()
                .map(|r| JsonRule {
                    id: r.id,
                    name: r.name,
                    severity: r.severity.as_str(),
                    reference: r.reference,
                    status: r.status.as_str(),
                    summary: r.summary(),
                })
                .collect();
            io.println(serde_json::to_string_pretty(&v).map_err(|e| Error::Other(e.to_string()))?);
        }
    }
    Ok(EXIT_OK)
}
