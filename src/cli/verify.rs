//! `fenceline verify FILE DIR`: proves, device by device and interface pair by interface pair,
//! that the configurations in DIR (generated text, `nft -j list ruleset` JSON, `iptables-save`
//! output, Cisco IOS text) accept exactly what the policy allows: new connections for the
//! stateful devices (Linux firewalls, Cisco IOS routers with `inspect`), flows and their replies
//! for the stateless IOS ACLs. Exit 0 when every configuration
//! equals the policy, 1 when one differs (with a counterexample packet each way and the lines
//! behind it), 2 when a configuration cannot be read or understood.

use super::{Io, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle};
use crate::error::{Error, Result};
use crate::model::Target;
use crate::verify::equiv::{self, DeviceResult};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum VerifyFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Root policy file
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub file: PathBuf,
    /// Directory with DEVICE/nftables.nft (or .json), DEVICE/iptables.rules and ip6tables.rules,
    /// DEVICE/cisco-ios.txt, DEVICE/cisco-asa.txt, DEVICE/fortios.txt, DEVICE/panos.txt
    #[arg(value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,
    /// Only this device (repeatable)
    #[arg(long = "device")]
    pub devices: Vec<String>,
    /// Only these targets (nftables, iptables, cisco-ios, cisco-asa, fortios, panos)
    #[arg(short = 't', long = "target", value_delimiter = ',', value_parser = super::completions::target_parser())]
    pub targets: Vec<String>,
    /// Output format
    #[arg(long, alias = "output-format", value_enum, default_value_t = VerifyFormat::Human)]
    pub format: VerifyFormat,
    #[command(flatten)]
    pub common: super::CommonArgs,
}

#[derive(Serialize)]
struct Skipped {
    device: String,
    target: String,
    reason: String,
}

#[derive(Serialize)]
struct Report {
    version: u32,
    /// `equal`, `different` or `unreadable`.
    result: &'static str,
    devices: Vec<DeviceResult>,
    errors: Vec<String>,
    skipped: Vec<Skipped>,
}

fn read_in(dir: &Path) -> impl Fn(&str) -> Option<String> + '_ {
    move |rel: &str| std::fs::read_to_string(dir.join(rel)).ok()
}

pub fn run(args: VerifyArgs, io: &mut Io) -> Result<u8> {
    let mut only_targets = Vec::new();
    for t in &args.targets {
        only_targets.push(Target::parse(t).ok_or_else(|| {
            Error::Usage(format!(
                "unknown target `{t}`; targets are nftables, iptables, cisco-ios, cisco-asa, fortios, panos"
            ))
        })?);
    }
    if !args.dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: not a directory",
            args.dir.display()
        )));
    }
    // Only the meaning is needed: parse and resolve, without lint rules or expectations.
    // The same date and configuration as every command (a bad one is a usage error here too).
    args.common.options_for(&args.file)?;
    let checked = super::resolve_only(&args.file)?;
    let Some(model) = checked.model.as_ref().filter(|_| !checked.has_errors()) else {
        let style = HumanStyle {
            color: io.color,
            width: io.width,
        };
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            let _ = write!(io.err, "{}", render::human(d, &checked.sources, style));
        }
        io.eprintln("error: the policy has errors; nothing to verify against");
        return Ok(EXIT_FAILURE);
    };
    for d in &args.devices {
        if model.device_id(d).is_none() && !model.devices.iter().any(|x| x.cluster.contains(d)) {
            return Err(Error::Usage(format!("the policy has no device `{d}`")));
        }
    }
    // The (device, node, target) triples to verify, in policy order: each node of a cluster is
    // read from its own directory and verified as a device.
    let mut jobs = Vec::new();
    for (di, dev) in model.devices.iter().enumerate() {
        let whole = args.devices.is_empty() || args.devices.contains(&dev.name);
        for &t in &dev.targets {
            if only_targets.is_empty() || only_targets.contains(&t) {
                for node in dev.node_names() {
                    if !whole && !args.devices.iter().any(|d| d == node) {
                        continue;
                    }
                    jobs.push((crate::model::DeviceId(di), node, t));
                }
            }
        }
    }
    let targets: Vec<Target> = jobs.iter().map(|j| j.2).collect();
    let read = read_in(&args.dir);
    // The policy's side and the configurations as read are independent: computed side by side
    // (the policy's side is mostly one core's work, reading a large ruleset another's).
    let (sides, configs) = crate::threads::join(
        || equiv::PolicySides::for_targets(model, &targets),
        || {
            crate::threads::map(&jobs, |&(device, name, t)| {
                equiv::load_node(model.device(device), name, t, &read)
            })
        },
    );
    // Devices are independent: verify them on every core, then report in policy order.
    let each: Vec<usize> = (0..jobs.len()).collect();
    let outcome = |&k: &usize| -> std::result::Result<DeviceResult, String> {
        let (device, name, t) = jobs[k];
        match &configs[k] {
            Ok(Some(cfg)) => equiv::compare_loaded(model, &sides, device, t, cfg)
                .map(|mut r| {
                    r.device = name.to_string();
                    r
                })
                .map_err(|e| e.to_string()),
            Ok(None) => Err(format!(
                "{name}: no {} configuration for `{name}` in {}",
                t.name(),
                args.dir.display()
            )),
            Err(e) => Err(e.to_string()),
        }
    };
    let done = crate::threads::map(&each, outcome);
    // Both sides of a large proof are millions of allocations: freed beside the report.
    drop(jobs);
    crate::threads::drop_beside((sides, configs, checked));
    // Every target has a reader now; the field stays in the JSON (always empty) for scripts.
    let skipped: Vec<Skipped> = Vec::new();
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for r in done {
        match r {
            Ok(r) => results.push(r),
            Err(e) => errors.push(e),
        }
    }
    if results.is_empty() && errors.is_empty() {
        // Nothing proved is not a proof: say so and fail as "could not verify".
        errors.push(format!("no configuration in {} could be verified (selected devices and targets: none readable)", args.dir.display()));
    }
    let differ = results.iter().any(|r| !r.equal);
    let result = if !errors.is_empty() {
        "unreadable"
    } else if differ {
        "different"
    } else {
        "equal"
    };
    let code = if !errors.is_empty() {
        EXIT_FAILURE
    } else if differ {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    match args.format {
        VerifyFormat::Json => {
            let rep = Report {
                version: 1,
                result,
                devices: results,
                errors,
                skipped,
            };
            let s = serde_json::to_string_pretty(&rep).map_err(|e| Error::Other(e.to_string()))?;
            io.println(s);
        }
        VerifyFormat::Human => {
            for r in &results {
                if r.equal && args.common.quiet {
                    continue;
                }
                if r.equal {
                    io.println(format_args!(
                        "{} {}: equal to the policy ({} interface pairs; {})",
                        r.device,
                        r.target,
                        r.pairs,
                        r.files.join(", ")
                    ));
                    for n in &r.notes {
                        io.println(format_args!("  note: {n}"));
                    }
                    continue;
                }
                io.println(format_args!(
                    "{} {}: DIFFERS from the policy ({})",
                    r.device,
                    r.target,
                    r.files.join(", ")
                ));
                for n in &r.notes {
                    io.println(format_args!("  note: {n}"));
                }
                for d in &r.differences {
                    if let Some(c) = &d.over_permit {
                        io.println(format_args!(
                            "  {} -> {}: over-permit: {} is accepted, but the policy denies it",
                            d.ingress, d.egress, c.packet
                        ));
                        io.println(format_args!("    accepted by {}", c.config_line));
                    }
                    if let Some(c) = &d.under_permit {
                        io.println(format_args!(
                            "  {} -> {}: under-permit: {} is dropped, but the policy allows it",
                            d.ingress, d.egress, c.packet
                        ));
                        if let Some(f) = &c.policy_flow {
                            io.println(format_args!("    allowed by {f}"));
                        }
                        io.println(format_args!("    dropped by {}", c.config_line));
                    }
                }
            }
            for s in skipped.iter().filter(|_| !args.common.quiet) {
                io.println(format_args!(
                    "{} {}: skipped ({})",
                    s.device, s.target, s.reason
                ));
            }
            for e in &errors {
                io.eprintln(format_args!("error: {e}"));
            }
        }
    }
    Ok(code)
}
