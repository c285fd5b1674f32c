//! `fenceline import SKELETON DIR -o POLICY [--report FILE]`: the skeleton (zones, assets,
//! devices) plus the conduits and flows that allow what the configurations in DIR allow, and
//! the import report of what no flow can express. Exit 0 when the report is empty, 1 when it is
//! not (the policy is written all the same), 2 when a configuration cannot be read.

use super::{Io, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle};
use crate::error::{Error, Result};
use crate::import::{self, ImportError, Imported};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The skeleton: a policy with zones, assets and devices (conduits and flows optional)
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub skeleton: PathBuf,
    /// Directory with DEVICE/nftables.nft (or .json), DEVICE/iptables.rules and
    /// ip6tables.rules, DEVICE/cisco-ios.txt, as `verify` reads it
    #[arg(value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,
    /// Where to write the imported policy (`-`: standard output)
    #[arg(short = 'o', long = "output", value_hint = clap::ValueHint::FilePath)]
    pub output: PathBuf,
    /// Also write the import report to this file (markdown)
    #[arg(long, value_hint = clap::ValueHint::FilePath)]
    pub report: Option<PathBuf>,
}

/// The import report as text: one entry per finding, each with its packet and line.
pub fn report_text(r: &Imported) -> String {
    let mut s = format!(
        "# Import report\n\n{} conduits, {} flows imported from {} files; {} findings\n",
        r.conduits,
        r.flows,
        r.files.len(),
        r.findings.len()
    );
    for f in &r.findings {
        s.push_str(&format!(
            "\n- {}: {}\n  packet: {}\n",
            f.code, f.message, f.packet
        ));
        if !f.line.is_empty() {
            s.push_str(&format!("  line: {}\n", f.line));
        }
    }
    s
}

pub fn run(args: ImportArgs, io: &mut Io) -> Result<u8> {
    if !args.dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: not a directory",
            args.dir.display()
        )));
    }
    let (name, _, text) = super::read_input(&args.skeleton)?;
    let checked = super::resolve_only(&args.skeleton)?;
    let Some(model) = checked.model.as_ref().filter(|_| !checked.has_errors()) else {
        let style = HumanStyle {
            color: io.color,
            width: io.width,
        };
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            let _ = write!(io.err, "{}", render::human(d, &checked.sources, style));
        }
        io.eprintln("error: the skeleton has errors; nothing to import onto");
        return Ok(EXIT_FAILURE);
    };
    let dir = args.dir.clone();
    let read = move |rel: &str| std::fs::read_to_string(dir.join(rel)).ok();
    let imported = match import::import(model, &name, &text, &read) {
        Ok(i) => i,
        Err(ImportError::Read(e)) => {
            io.eprintln(format_args!("error: {e}"));
            return Ok(EXIT_FAILURE);
        }
        Err(ImportError::Skeleton(m)) => return Err(Error::Other(m)),
    };
    if args.output.as_os_str() == "-" {
        let _ = write!(io.out, "{}", imported.policy);
    } else {
        std::fs::write(&args.output, &imported.policy)
            .map_err(|e| Error::io(args.output.clone(), e))?;
    }
    let report = report_text(&imported);
    if let Some(p) = &args.report {
        std::fs::write(p, &report).map_err(|e| Error::io(p.clone(), e))?;
    }
    let _ = write!(io.err, "{report}");
    Ok(if imported.findings.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}
