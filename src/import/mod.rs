//! `fenceline import`, the inverse of compilation: device configurations -> flows over a
//! skeleton's zones and assets.
//!
//! ```text
//! DIR/<device>/<files> --parse(dialect)--> configuration --semantics--> packets per interface pair
//!   --derive--> packets per zone pair (every crossing of every path accepts them)
//!   --flows--> flows over zones, assets and catalogue services --print (fmt)--> policy text
//!   --verify--> equal, or findings
//! ```
//!
//! Each dialect's reader and packet semantics ([`crate::dialect::Filters`]) is the one `verify`
//! uses, so whatever forms a reader understands are imported. The result is checked by
//! `verify`'s own comparison against the same configurations: whatever the imported policy does
//! not say exactly is a finding, with a packet, never dropped or widened silently.

pub mod derive;
pub mod flows;

use crate::dialect::config::ReadError;
use crate::model::{Model, Target, ZoneId};
use crate::source::FileId;
use crate::verify::equiv;
use serde::Serialize;
use std::collections::BTreeMap;

/// The codes of import findings (E0058-E0062), one per thing no flow can express.
pub mod codes {
    pub use crate::diagnostic::codes::{
        IMPORT_DIFFERS as DIFFERS, IMPORT_INEXPRESSIBLE as INEXPRESSIBLE,
        IMPORT_MORE_THAN_PATH as MORE_THAN_PATH, IMPORT_NO_ZONE as NO_ZONE,
        IMPORT_OFF_PATH as OFF_PATH,
    };
}

/// What the import could not turn into a flow, with a packet and the line that accepts it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub message: String,
    /// An example packet.
    pub packet: String,
    /// The configuration line behind it (empty when the difference is a missing line).
    pub line: String,
}

/// The imported policy and what it could not express.
#[derive(Debug, Serialize)]
pub struct Imported {
    /// The skeleton with its new assets, conduits and flows, in the canonical layout.
    pub policy: String,
    pub findings: Vec<Finding>,
    pub flows: usize,
    pub conduits: usize,
    /// The configuration files read.
    pub files: Vec<String>,
}

/// Failures that stop an import: a configuration that cannot be read, a skeleton the import
/// cannot extend.
#[derive(Debug)]
pub enum ImportError {
    Read(ReadError),
    Skeleton(String),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Read(e) => write!(f, "{e}"),
            ImportError::Skeleton(m) => f.write_str(m),
        }
    }
}

impl From<ReadError> for ImportError {
    fn from(e: ReadError) -> Self {
        ImportError::Read(e)
    }
}

/// Imports the configurations `read` gives (a path relative to DIR -> its text) onto the
/// skeleton `model`, whose root file `text` (named `name`) the result extends.
pub fn import(
    model: &Model,
    name: &str,
    text: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Imported, ImportError> {
    let mut findings = Vec::new();
    let derived = derive::derive(model, read, &mut findings)?;
    let mut new = flows::NewAssets::default();
    // One conduit per unordered zone pair, flows of both directions in it.
    let mut conduits: BTreeMap<(ZoneId, ZoneId), Vec<flows::Flow>> = BTreeMap::new();
    for (&(zs, zd), pair) in &derived.pairs {
        let fl = flows::flows_of_pair(model, pair, &mut new, &mut findings, (zs, zd));
        if !fl.is_empty() {
            conduits
                .entry((zs.min(zd), zs.max(zd)))
                .or_default()
                .extend(fl);
        }
    }
    let n_flows = conduits.values().map(Vec::len).sum();
    let n_conduits = conduits.len();
    let raw = print(
        model,
        text,
        &new,
        &conduits,
        "imported from the devices' configurations",
    )?;
    let policy = format(&raw)?;
    findings.extend(check(name, &policy, read)?);
    findings.sort();
    findings.dedup();
    Ok(Imported {
        policy,
        findings,
        flows: n_flows,
        conduits: n_conduits,
        files: derived.files,
    })
}

/// The skeleton's text with the new assets in their zones and the conduits after it.
pub fn print(
    model: &Model,
    text: &str,
    new: &flows::NewAssets,
    conduits: &BTreeMap<(ZoneId, ZoneId), Vec<flows::Flow>>,
    origin: &str,
) -> Result<String, ImportError> {
    let ast = crate::syntax::parse_file(FileId(0), text).map_err(|d| {
        ImportError::Skeleton(format!("the skeleton does not parse: {}", d.message))
    })?;
    // Insertions into zone blocks, from the end so earlier offsets hold.
    let mut inserts: Vec<(usize, String)> = Vec::new();
    for (zid, assets) in &new.by_zone {
        let zname = &model.zone(*zid).name;
        let zone = ast.items.iter().find_map(|it| match it {
            crate::syntax::ast::Item::Zone(z) if z.name.name == *zname => Some(z),
            _ => None,
        });
        let Some(z) = zone else {
            return Err(ImportError::Skeleton(format!(
                "zone `{zname}` is not declared in the skeleton's root file, where the import adds its new assets"
            )));
        };
        let end = z.span.end as usize;
        let Some(close) = text.get(..end).and_then(|t| t.rfind('}')) else {
            continue;
        };
        let mut block = String::new();
        let mut sorted: Vec<(&String, &crate::model::AddrSet)> =
            assets.iter().map(|(s, n)| (n, s)).collect();
        sorted.sort();
        for (n, s) in sorted {
            let addrs: Vec<String> = s.nets().iter().map(|n| n.to_string()).collect();
            block.push_str(&format!(
                "\n  # new: addresses of `{zname}` that no asset names\n  asset {n} {}\n",
                addrs.join(", ")
            ));
        }
        inserts.push((close, block));
    }
    inserts.sort_by_key(|a| std::cmp::Reverse(a.0));
    let mut out = text.to_string();
    for (at, block) in inserts {
        out.insert_str(at, &block);
    }
    if !new.one_way.is_empty() {
        out.push_str("\n# services the devices pass one way: they drop every reply\n");
        for (name, item) in &new.one_way {
            out.push_str(&format!("service {name} {item} {{ one-way }}\n"));
        }
    }
    let taken: Vec<&str> = model.conduits.iter().map(|c| c.name.as_str()).collect();
    for ((a, b), fl) in conduits {
        let (za, zb) = (&model.zone(*a).name, &model.zone(*b).name);
        let mut name = format!("{za}-{zb}");
        let mut k = 2;
        while taken.contains(&name.as_str()) {
            name = format!("{za}-{zb}-{k}");
            k += 1;
        }
        out.push_str(&format!(
            "\n# {origin}\nconduit {name} {{\n  connects {za}, {zb}\n"
        ));
        for f in fl {
            if let Some(n) = &f.note {
                out.push_str(&format!(
                    "  # {n}\n  allow {} -> {} {}\n",
                    flows::end_text(model, &f.src),
                    flows::end_text(model, &f.dst),
                    f.services.join(", ")
                ));
                continue;
            }
            let lines: Vec<&String> = f.lines.iter().collect();
            let shown: Vec<&str> = lines.iter().take(4).map(|s| s.as_str()).collect();
            let more = lines.len().saturating_sub(4);
            let mut c = format!("  # from {}", shown.join(", "));
            if more > 0 {
                c.push_str(&format!(" and {more} more"));
            }
            out.push_str(&c);
            out.push('\n');
            out.push_str(&format!(
                "  allow {} -> {} {}\n",
                flows::end_text(model, &f.src),
                flows::end_text(model, &f.dst),
                f.services.join(", ")
            ));
        }
        out.push_str("}\n");
    }
    Ok(out)
}

/// The canonical layout of `fenceline fmt`.
pub fn format(text: &str) -> Result<String, ImportError> {
    let ast = crate::syntax::parse_file(FileId(0), text).map_err(|d| {
        ImportError::Skeleton(format!(
            "internal: the imported policy does not parse: {}",
            d.message
        ))
    })?;
    Ok(crate::fmt::format_file(text, &ast))
}

/// Verifies the imported policy against the configurations: every difference is a finding.
fn check(
    name: &str,
    policy: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Finding>, ImportError> {
    let loaded =
        crate::syntax::loader::load_from_text(name, std::path::Path::new(name), policy.to_string());
    let resolved = crate::model::resolve::resolve(&loaded);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .chain(resolved.diagnostics.iter())
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    let Some(model) = resolved.model.filter(|_| errors.is_empty()) else {
        return Err(ImportError::Skeleton(format!(
            "internal: the imported policy does not resolve: {}",
            errors.join("; ")
        )));
    };
    let targets: Vec<Target> = model
        .devices
        .iter()
        .flat_map(|d| d.targets.iter().copied())
        .collect();
    let sides = equiv::PolicySides::for_targets(&model, &targets);
    let mut out = Vec::new();
    for (di, dev) in model.devices.iter().enumerate() {
        let id = crate::model::DeviceId(di);
        for &t in &dev.targets {
            for node in dev.node_names() {
                let Some(cfg) = equiv::load_node(dev, node, t, read)? else {
                    continue;
                };
                let r = equiv::compare_loaded(&model, &sides, id, t, &cfg)?;
                for d in r.differences {
                    let at = format!("`{node}` ({}) {} -> {}", t.name(), d.ingress, d.egress);
                    if let Some(c) = d.over_permit {
                        out.push(Finding {
                            code: codes::DIFFERS,
                            message: format!(
                                "{at}: the configuration accepts what the imported policy denies"
                            ),
                            packet: c.packet,
                            line: c.config_line,
                        });
                    }
                    if let Some(c) = d.under_permit {
                        out.push(Finding {
                            code: codes::DIFFERS,
                            message: format!(
                                "{at}: the configuration drops what the imported policy allows ({})",
                                c.policy_flow.unwrap_or_default()
                            ),
                            packet: c.packet,
                            line: c.config_line,
                        });
                    }
                }
            }
        }
    }
    Ok(out)
}
