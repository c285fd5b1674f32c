//! `fenceline init [DIR]`: writes a starter policy (`policy.fence`) and `fenceline.toml` into DIR
//! (default: the current directory); with `--inventory FILE`, the policy is the skeleton of an
//! asset inventory ([`crate::inventory`]) instead. It never overwrites: an existing file is left alone and
//! reported, and the command then exits 2 (it could not do what was asked) without writing
//! anything.

use super::{Io, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::error::{Error, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create the files in
    #[arg(default_value = ".", value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,
    /// Write a skeleton (zones and assets, no conduits) from an asset inventory instead of the
    /// starter policy: a CSV export or nmap XML (`nmap -oX`)
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub inventory: Option<PathBuf>,
    /// The inventory's format; by default nmap XML when the file starts with `<`, CSV otherwise
    #[arg(long, value_enum, requires = "inventory")]
    pub format: Option<InventoryFormat>,
    /// Hosts inside NET go to zone ZONE, whose network NET is (repeatable; the longest prefix
    /// wins over the zone column and the inferred zones)
    #[arg(long, value_name = "NET=ZONE", requires = "inventory")]
    pub subnet: Vec<String>,
    /// The IPv4 prefix length of the zones inferred for hosts of no zone (IPv6: /64)
    #[arg(long, value_name = "LEN", default_value_t = 24, value_parser = clap::value_parser!(u8).range(8..=32), requires = "inventory")]
    pub prefix: u8,
    /// The CSV column that holds FIELD (address, name, zone, level, kind, vendor, model,
    /// description), where the export names it otherwise (repeatable)
    #[arg(long, value_name = "FIELD=HEADER", requires = "inventory")]
    pub column: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InventoryFormat {
    Csv,
    Nmap,
}

/// The starter policy: two zones, a DMZ, one conduit each way, one firewall, expectations.
pub const STARTER_POLICY: &str = r#"# A starter policy: an enterprise network, an industrial DMZ and a control zone.
# Check it with `fenceline check policy.fence`, build configurations with
# `fenceline build policy.fence -o build`, and ask questions with
# `fenceline query policy.fence enterprise dmz.historian-mirror https`.
policy "starter" {
  description "Replace with your plant's zones and conduits"
}

zone enterprise {
  description "Corporate IT"
  owner "IT operations"
  level 4
  sl-target 2
  network 10.10.0.0/16
  asset analysts 10.10.20.0/24
  # The risk register: the threats that justify the SL-T (scored on `default-5x5`).
  risk phishing {
    description "An analyst's PC taken over through a phishing mail"
    likelihood 3
    consequence 3
    fr iac, uc, rdf
    mitigated-by fw-1
  }
}

zone dmz {
  description "Industrial DMZ: the only meeting point of IT and OT"
  owner "OT security"
  level 3.5
  sl-target 2
  network 10.20.0.0/24
  asset historian-mirror 10.20.0.10
  risk mirror-compromise {
    description "The historian mirror taken over from the enterprise network"
    likelihood 3
    consequence 3
    fr iac, rdf
    mitigated-by fw-1, enterprise-dmz
  }
}

zone control {
  description "Site operations: historian and supervisory control"
  owner "Plant engineering"
  level 3
  sl-target 2
  network 10.30.0.0/24
  asset historian 10.30.0.30
  risk ransomware-from-it {
    description "Ransomware spreading from the enterprise network through the DMZ"
    likelihood 2
    consequence 4
    fr iac, uc, si, rdf
    mitigated-by fw-1, dmz-control
  }
}

conduit enterprise-dmz {
  connects enterprise, dmz
  sl-target 2
  allow enterprise -> dmz.historian-mirror https
}

conduit dmz-control {
  connects dmz, control
  sl-target 2
  allow control.historian -> dmz.historian-mirror tcp/5450
}

firewall fw-1 {
  target nftables
  capability { iac 2  uc 2  si 2  dc 2  rdf 2  tre 2  ra 2 }  # the product's SL-C
  interface eth0 enterprise
  interface eth1 dmz
  interface eth2 control
}

# Expectations are checked by `check` against the policy and by `build` against every
# generated configuration.
expect allow enterprise -> dmz.historian-mirror https
expect deny enterprise -> control https
"#;

/// The starter configuration: every key commented, so the defaults stay visible.
pub const STARTER_CONFIG: &str = r#"# fenceline configuration: the nearest fenceline.toml above a policy applies to it
# (up to the repository root). Only settings that change findings live here.

# Findings at this level fail `fenceline check`: "error" or "warning".
fail-level = "error"

# FR5-003: the widest port range a flow may open into a zone with SL-T(RDF) >= 2.
wildcard-port-width = 256

# EXC-003: warn of an exception this many days before its `until` date (0: never).
expiry-window-days = 30

# OUT-009: ACL entries a Cisco IOS device may hold, object-groups expanded (its TCAM budget).
max-acl-entries = 3000

# The root policies, relative to this file: what `fenceline check` with no argument checks
# (without it, every .fence file under the current directory that no other one includes).
policies = ["policy.fence"]

# Severity overrides per rule: "error", "warning", "note" or "off".
[rules]
# FR5-017 = "note"

# A risk matrix the policy may name with `risk-matrix "NAME"`: one row per likelihood (1 first),
# one column per consequence (1 first), each cell the SL (0-4) such a risk requires.
# [risk-matrix.site-3x3]
# sl = [[1, 1, 2], [1, 2, 3], [2, 3, 4]]
"#;

/// The skeleton of `--inventory`, or the exit code of why there is none (its error printed).
fn inventory_skeleton(
    args: &InitArgs,
    file: &std::path::Path,
    io: &mut Io,
) -> Result<std::result::Result<String, u8>> {
    use crate::inventory::{self, ZoneOptions};
    let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
    let name = file.display().to_string();
    let mut opts = ZoneOptions {
        subnets: Vec::new(),
        prefix_v4: args.prefix,
    };
    for s in &args.subnet {
        let parsed = s.split_once('=').and_then(|(n, z)| {
            let net: ipnet::IpNet = n.trim().parse().ok()?;
            let z = z.trim();
            (!z.is_empty() && inventory::ident(z, "") == z).then(|| (net.trunc(), z.to_string()))
        });
        match parsed {
            Some(p) => opts.subnets.push(p),
            None => {
                return Err(Error::Usage(format!(
                    "`--subnet {s}` is not NET=ZONE with a network and a zone name (`10.1.2.0/24=cell-a`)"
                )))
            }
        }
    }
    let mut columns = std::collections::BTreeMap::new();
    for c in &args.column {
        match c.split_once('=') {
            Some((f, h)) if !h.trim().is_empty() => {
                columns.insert(f.trim().to_ascii_lowercase(), h.trim().to_string());
            }
            _ => {
                return Err(Error::Usage(format!(
                    "`--column {c}` is not FIELD=HEADER (`address=IP Address`)"
                )))
            }
        }
    }
    let format = args.format.unwrap_or_else(|| {
        if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('<')
        {
            InventoryFormat::Nmap
        } else {
            InventoryFormat::Csv
        }
    });
    let hosts = match format {
        InventoryFormat::Csv => inventory::csv::read(&name, &text, &columns),
        InventoryFormat::Nmap if !columns.is_empty() => {
            return Err(Error::Usage("`--column` is for CSV inventories".into()))
        }
        InventoryFormat::Nmap => inventory::nmap::read(&name, &text),
    };
    let source = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    let result = hosts.and_then(|h| {
        let skipped = h.iter().filter(|h| h.addrs.is_empty()).count();
        inventory::skeleton(&name, &source, &h, &opts).map(|s| (s, h.len() - skipped, skipped))
    });
    match result {
        Ok((skeleton, n, skipped)) => {
            io.eprintln(format_args!("{n} hosts read from {name}"));
            if skipped > 0 {
                io.eprintln(format_args!(
                    "note: {skipped} rows without an address left out"
                ));
            }
            Ok(Ok(skeleton))
        }
        Err(e) => {
            io.eprintln(format_args!("error: {e}"));
            Ok(Err(if e.policy {
                EXIT_FINDINGS
            } else {
                EXIT_FAILURE
            }))
        }
    }
}

pub fn run(args: InitArgs, io: &mut Io) -> Result<u8> {
    let skeleton;
    let policy = match &args.inventory {
        None => STARTER_POLICY,
        Some(file) => match inventory_skeleton(&args, file, io)? {
            Ok(s) => {
                skeleton = s;
                skeleton.as_str()
            }
            Err(code) => return Ok(code),
        },
    };
    let files = [("policy.fence", policy), ("fenceline.toml", STARTER_CONFIG)];
    let existing: Vec<String> = files
        .iter()
        .map(|(n, _)| args.dir.join(n))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        for p in &existing {
            io.eprintln(format_args!(
                "error: {p} already exists; not overwriting it"
            ));
        }
        io.eprintln("nothing written");
        return Ok(EXIT_FAILURE);
    }
    std::fs::create_dir_all(&args.dir).map_err(|e| Error::io(&args.dir, e))?;
    for (name, text) in files {
        let path = args.dir.join(name);
        // create_new: a file that appeared since the check above is still not overwritten.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        std::io::Write::write_all(&mut f, text.as_bytes()).map_err(|e| Error::io(&path, e))?;
        io.eprintln(format_args!("wrote {}", path.display()));
    }
    Ok(EXIT_OK)
}
