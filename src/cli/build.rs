//! `fenceline build FILE -o DIR`: check, then write every device's configs and the report,
//! atomically; `--check` compares with DIR instead of writing.

use super::{Io, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::build::{self, BuildOptions};
use crate::diagnostic::render::{self, HumanStyle, Summary};
use crate::dialect::EmitOptions;
use crate::error::{Error, Result};
use crate::model::Target;
use clap::{Args, ValueHint};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Root policy file
    #[arg(value_hint = ValueHint::FilePath)]
    pub file: PathBuf,
    /// Output directory
    #[arg(
        short = 'o',
        long = "output",
        alias = "out-dir",
        default_value = "build",
        value_hint = ValueHint::DirPath
    )]
    pub out: PathBuf,
    /// Only these targets (nftables, iptables, cisco-ios, cisco-asa, fortios, panos); repeat or separate with commas
    #[arg(short = 't', long = "target", value_delimiter = ',', value_parser = super::completions::target_parser())]
    pub targets: Vec<String>,
    /// Only the devices of these sites (instances of a template); repeat or separate with commas
    #[arg(long = "site", value_delimiter = ',', value_name = "NAME")]
    pub sites: Vec<String>,
    /// Compare with DIR instead of writing; exit 1 on drift
    #[arg(long)]
    pub check: bool,
    /// Cisco IOS: use object-groups for addresses and services
    #[arg(long)]
    pub cisco_object_groups: bool,
    /// Most device rules the policy may expand to (protects pipelines from hostile input)
    #[arg(long, default_value_t = crate::plan::MAX_RULES)]
    pub max_rules: usize,
    /// Write the configurations and the manifest only: no report.md, report.html, report.json (a report left in DIR by an earlier build is deleted)
    #[arg(long)]
    pub no_report: bool,
    #[command(flatten)]
    pub common: super::CommonArgs,
}

pub fn run(args: BuildArgs, io: &mut Io) -> Result<u8> {
    let mut targets = Vec::new();
    for t in &args.targets {
        let target = Target::parse(t).ok_or_else(|| {
            Error::Usage(format!(
                "unknown target `{t}`; targets are nftables, iptables, cisco-ios, cisco-asa, fortios, panos"
            ))
        })?;
        targets.push(target);
    }
    let (check_opts, fail_level) = super::check::options_for(
        &args.file,
        args.common.today.clone(),
        args.common.config.as_deref(),
    )?;
    let opts = BuildOptions {
        check: check_opts,
        targets: (!targets.is_empty()).then_some(targets),
        emit: EmitOptions {
            cisco_object_groups: args.cisco_object_groups,
            max_rules: Some(args.max_rules),
            no_report: args.no_report,
            ..Default::default()
        },
    };
    let mut opts = opts;
    // Planning and emitting run beside lint; their result is used only if check passes.
    let (name, path, text) = super::read_input(&args.file)?;
    let loaded = crate::syntax::loader::load_from_text(&name, &path, text);
    if !args.sites.is_empty() {
        let (sites, devices) = select_sites(&args.sites, &loaded)?;
        opts.emit.sites = sites;
        opts.emit.devices = Some(devices);
    }
    // Planning and emitting report findings of their own (widenings, VLAN 1, cut text, failed
    // expectations): the driver passes them through the same filter as lint's.
    let beside = |m: &crate::model::Model| match build::emit(m, &opts) {
        Ok(mut e) => {
            let d = std::mem::take(&mut e.diagnostics);
            (Ok(e), d)
        }
        Err(e) => (Err(e), Vec::new()),
    };
    let (checked, emitted) = if opts.targets.is_some() {
        crate::driver::check_loaded_some_targets(loaded, &opts.check, beside)
    } else {
        crate::driver::check_loaded_beside(loaded, &opts.check, beside)
    };
    let style = HumanStyle {
        color: io.color,
        width: io.width,
    };
    let show = |io: &mut Io, d: &crate::Diagnostic, sources: &crate::source::SourceMap| {
        if !args.common.quiet || d.is_error() {
            let s = render::human(d, sources, style);
            let _ = write!(io.err, "{s}");
        }
    };
    for d in &checked.diagnostics {
        show(io, d, &checked.sources);
    }
    let failing = checked
        .diagnostics
        .iter()
        .filter(|d| d.suppressed.is_none() && d.severity >= fail_level)
        .count();
    // A resource limit means the tool could not do its job on this input.
    let limit = checked
        .diagnostics
        .iter()
        .any(|d| d.code == crate::diagnostic::codes::LIMIT);
    if checked.has_errors() || failing > 0 {
        if limit {
            io.eprintln("build failed: nothing written");
            return Ok(EXIT_FAILURE);
        }
        let s = Summary::of(&checked.diagnostics);
        io.eprintln(format_args!(
            "build failed: {} error(s), {} finding(s) at or above the fail level `{}`; nothing written",
            s.errors,
            failing,
            fail_level.as_str()
        ));
        return Ok(EXIT_FINDINGS);
    }
    let Some(emitted) = emitted.transpose()? else {
        return Ok(EXIT_FINDINGS);
    };
    if args.check {
        // Compared file by file as they render: only one file is held at a time.
        let (drift, files) = build::check_emitted(&checked, emitted, &args.out)?;
        for (path, diff) in &drift.changed {
            let _ = write!(io.out, "{diff}");
            io.eprintln(format_args!("drift: {path} differs from the policy"));
        }
        for p in &drift.missing {
            io.eprintln(format_args!("drift: {p} is missing"));
        }
        for p in &drift.stale {
            io.eprintln(format_args!(
                "drift: {p} is not generated by the policy (build deletes it)"
            ));
        }
        if !args.common.quiet {
            for p in &drift.kept {
                io.eprintln(format_args!(
                    "kept: {p} (not fenceline's: build carries it over)"
                ));
            }
        }
        if drift.is_empty() {
            if !args.common.quiet {
                io.eprintln(format_args!(
                    "{}: up to date ({} files)",
                    args.out.display(),
                    files
                ));
            }
            return Ok(EXIT_OK);
        }
        return Ok(EXIT_FINDINGS);
    }
    match build::write_emitted(&checked, emitted, &args.out) {
        Ok((files, changed)) => {
            if !args.common.quiet {
                let of = if opts.emit.sites.is_empty() {
                    String::new()
                } else {
                    format!(" of site {}", opts.emit.sites.join(", "))
                };
                io.eprintln(format_args!(
                    "wrote {} files{of} to {} ({} changed)",
                    files,
                    args.out.display(),
                    changed
                ));
            }
            Ok(EXIT_OK)
        }
        Err(e) => {
            io.eprintln(format_args!(
                "error: {e}; {} left as it was",
                args.out.display()
            ));
            Ok(EXIT_FAILURE)
        }
    }
}

/// The sites `--site` names, sorted and once each, and their devices. A name that is no site
/// is a usage error (with the closest site), unless the policy already has errors: a site whose
/// expansion failed is not known, and the build fails on those errors anyway.
fn select_sites(
    names: &[String],
    loaded: &crate::syntax::loader::Loaded,
) -> Result<(Vec<String>, std::collections::BTreeSet<String>)> {
    let mut sites: Vec<String> = Vec::new();
    let mut devices = std::collections::BTreeSet::new();
    let failed = loaded.diagnostics.iter().any(|d| d.is_error());
    for n in names {
        match loaded.sites.iter().find(|s| &s.name == n) {
            Some(s) => {
                devices.extend(s.devices.iter().cloned());
                if !sites.contains(n) {
                    sites.push(n.clone());
                }
            }
            None if failed => {}
            None => {
                let mut msg = format!("unknown site `{n}`");
                match crate::diagnostic::did_you_mean(
                    n,
                    loaded.sites.iter().map(|s| s.name.as_str()),
                ) {
                    Some(h) => msg.push_str(&format!("; {h}")),
                    None if loaded.sites.is_empty() => {
                        msg.push_str("; the policy declares no `site`")
                    }
                    None => {}
                }
                return Err(Error::Usage(msg));
            }
        }
    }
    sites.sort();
    Ok((sites, devices))
}
