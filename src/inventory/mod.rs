//! `fenceline init --inventory`: an asset inventory (a CSV export or nmap XML) -> a skeleton
//! policy of zones and assets, no conduits, the starting point of `fenceline import`.
//!
//! ```text
//! FILE --csv | nmap--> Host (addresses, name, zone, level, kind, vendor, model, description)
//!   --zones (--subnet, zone column, --prefix)--> zones with networks and assets
//!   --print, fmt--> policy text
//! ```
//!
//! Names are sanitised to the language's identifiers and made unique in input order, so the same
//! inventory gives the same bytes. An inventory is data, not a policy: what cannot be read is an
//! [`InventoryError`] with its line (exit 2); zones that would overlap are a policy error (exit 1).

pub mod csv;
pub mod nmap;

use ipnet::IpNet;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// One host of the inventory, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Host {
    /// The line it was read from (1-based).
    pub line: usize,
    pub addrs: Vec<IpAddr>,
    pub name: Option<String>,
    pub zone: Option<String>,
    /// Purdue level as the language writes it (`0`-`5`, `3.5`).
    pub level: Option<String>,
    /// The role as the inventory writes it (`PLC`, `Engineering Workstation`).
    pub role: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub description: Option<String>,
}

/// Why an inventory gives no skeleton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryError {
    pub file: String,
    /// 1-based; 0 when the error is about the whole file or the options.
    pub line: usize,
    pub message: String,
    /// A policy error (zones that overlap): exit 1 rather than 2.
    pub policy: bool,
}

impl std::fmt::Display for InventoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.file, self.message),
            l => write!(f, "{}:{l}: {}", self.file, self.message),
        }
    }
}

/// How hosts are grouped into zones.
#[derive(Debug, Clone, Default)]
pub struct ZoneOptions {
    /// `--subnet NET=ZONE`: a host inside NET goes to ZONE (the longest prefix wins) and NET is
    /// one of ZONE's networks.
    pub subnets: Vec<(IpNet, String)>,
    /// `--prefix N`: the IPv4 prefix length of the inferred zones (default 24); IPv6 uses 64.
    pub prefix_v4: u8,
}

/// The Purdue level written as the language takes it, from the forms exports use (`2`, `L2`,
/// `Level 2`, `Purdue Level 3.5`); `None` for anything else.
pub fn level_of(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_lowercase();
    let t = t
        .trim_start_matches("purdue")
        .trim()
        .trim_start_matches("level")
        .trim()
        .trim_start_matches('l')
        .trim();
    ["0", "1", "2", "3", "3.5", "4", "5"]
        .into_iter()
        .find(|l| *l == t)
        .map(str::to_string)
}

/// The language's asset kind for an inventory's role, where one fits.
pub fn kind_of(role: &str) -> Option<&'static str> {
    let r: String = role
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    Some(match r.as_str() {
        "plc" | "programmablelogiccontroller" | "controller" | "dcscontroller" | "pac" => "plc",
        "rtu" | "remoteterminalunit" => "rtu",
        "hmi" | "humanmachineinterface" | "operatorstation" | "operatorpanel" | "scadaclient" => {
            "hmi"
        }
        "historian" | "datahistorian" | "processhistorian" => "historian",
        "ews" | "engineeringworkstation" | "engineeringstation" => "engineering-workstation",
        "ied"
        | "intelligentelectronicdevice"
        | "protectionrelay"
        | "relay"
        | "meter"
        | "powermeter" => "ied",
        "jumphost" | "jumpserver" | "bastion" | "bastionhost" => "jump-host",
        "broker" | "mqttbroker" | "opcuaserver" | "opcserver" => "broker",
        "proxy" => "proxy",
        "server" | "scadaserver" | "domaincontroller" | "fileserver" => "server",
        _ => return None,
    })
}

/// A name as the language writes identifiers (`[a-z][a-z0-9-]*`): lower case, every run of
/// other characters one dash; `fallback` when nothing is left.
pub fn ident(text: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    match out.chars().next() {
        None => fallback.to_string(),
        Some(c) if !c.is_ascii_lowercase() => format!("{fallback}-{out}"),
        // `self` is reserved (E0028).
        Some(_) if out == "self" => format!("{out}-1"),
        Some(_) => out,
    }
}

/// An address as a name: `10.1.2.3` -> `h-10-1-2-3`.
fn addr_name(a: &IpAddr) -> String {
    ident(&a.to_string(), "h")
}

/// The network of `prefix` bits around `a`.
fn net_of(a: IpAddr, prefix_v4: u8) -> IpNet {
    let len = if a.is_ipv4() { prefix_v4 } else { 64 };
    IpNet::new(a, len)
        .map(|n| n.trunc())
        .unwrap_or(IpNet::from(a))
}

struct Zone {
    nets: BTreeSet<IpNet>,
    hosts: Vec<Host>,
    /// Where the zone's name came from, for the overlap error.
    origin: String,
}

/// The skeleton of an inventory, in the canonical layout. `file` names the inventory in errors.
pub fn skeleton(
    file: &str,
    source: &str,
    hosts: &[Host],
    opts: &ZoneOptions,
) -> Result<String, InventoryError> {
    let err = |line: usize, message: String, policy: bool| InventoryError {
        file: file.to_string(),
        line,
        message,
        policy,
    };
    // An address given twice would make two assets of one address.
    let mut seen: BTreeMap<IpAddr, usize> = BTreeMap::new();
    for h in hosts {
        for a in &h.addrs {
            if let Some(first) = seen.insert(*a, h.line) {
                return Err(err(
                    h.line,
                    format!("address `{a}` is already given on line {first}"),
                    false,
                ));
            }
        }
    }
    let mut zones: BTreeMap<String, Zone> = BTreeMap::new();
    for (net, z) in &opts.subnets {
        zones
            .entry(z.clone())
            .or_insert_with(|| Zone {
                nets: BTreeSet::new(),
                hosts: Vec::new(),
                origin: format!("--subnet {net}={z}"),
            })
            .nets
            .insert(*net);
    }
    for h in hosts {
        let Some(first) = h.addrs.first() else {
            continue;
        };
        let by_subnet = opts
            .subnets
            .iter()
            .filter(|(n, _)| n.contains(first))
            .max_by_key(|(n, _)| n.prefix_len())
            .map(|(_, z)| z.clone());
        let (name, origin) = match (by_subnet, &h.zone) {
            (Some(z), _) => (z, String::new()),
            (None, Some(z)) => (ident(z, "zone"), format!("line {}", h.line)),
            (None, None) => {
                let n = net_of(*first, opts.prefix_v4);
                (
                    ident(&format!("net-{}-{}", n.addr(), n.prefix_len()), "net"),
                    format!("{n}"),
                )
            }
        };
        let zone = zones.entry(name).or_insert_with(|| Zone {
            nets: BTreeSet::new(),
            hosts: Vec::new(),
            origin,
        });
        for a in &h.addrs {
            if !zone.nets.iter().any(|n| n.contains(a)) {
                zone.nets.insert(net_of(*a, opts.prefix_v4));
            }
        }
        zone.hosts.push(h.clone());
    }
    // Zone networks never overlap (an address belongs to one zone).
    let all: Vec<(&String, &IpNet, &str)> = zones
        .iter()
        .flat_map(|(n, z)| z.nets.iter().map(move |net| (n, net, z.origin.as_str())))
        .collect();
    for (i, (za, na, oa)) in all.iter().enumerate() {
        for (zb, nb, ob) in &all[i + 1..] {
            if za != zb && (na.contains(&nb.network()) || nb.contains(&na.network())) {
                return Err(err(
                    0,
                    format!(
                        "zones `{za}` ({oa}) and `{zb}` ({ob}) would share addresses: `{na}` and `{nb}` overlap"
                    ),
                    true,
                ));
            }
        }
    }
    Ok(print(source, &zones))
}

fn print(source: &str, zones: &BTreeMap<String, Zone>) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# Skeleton from the asset inventory {source}: zones and assets, no conduits.\n\
         # Review the zones, their levels and SL targets, add the devices, then\n\
         # `fenceline import` the running configurations or write the conduits.\n\
         policy \"inventory\"\n"
    ));
    // Zones in the order of their first network, so a plant reads top down by address.
    let mut order: Vec<(&String, &Zone)> = zones.iter().collect();
    order.sort_by(|a, b| a.1.nets.first().cmp(&b.1.nets.first()).then(a.0.cmp(b.0)));
    for (name, z) in order {
        out.push_str(&format!("\nzone {name} {{\n"));
        let levels: BTreeSet<&str> = z.hosts.iter().filter_map(|h| h.level.as_deref()).collect();
        match levels.iter().next() {
            Some(l) if levels.len() == 1 => out.push_str(&format!("  level {l}\n")),
            // Hosts of several levels: the lowest (nearest the process) until the zone is split.
            Some(l) => {
                let all: Vec<&str> = levels.iter().copied().collect();
                out.push_str(&format!(
                    "  # the inventory gives levels {}: the lowest is taken\n  level {l}\n",
                    all.join(", ")
                ));
            }
            None => out.push_str("  # no Purdue level in the inventory: 3 assumed\n  level 3\n"),
        }
        out.push_str("  # from the risk assessment (IEC 62443-3-2 ZCR 5)\n  sl-target 2\n");
        let nets: Vec<String> = z.nets.iter().map(|n| n.to_string()).collect();
        out.push_str(&format!("  network {}\n", nets.join(", ")));
        let mut hosts: Vec<&Host> = z.hosts.iter().collect();
        hosts.sort_by(|a, b| a.addrs.cmp(&b.addrs));
        let mut taken: BTreeSet<String> = BTreeSet::new();
        for h in hosts {
            let Some(first) = h.addrs.first() else {
                continue;
            };
            let base = match &h.name {
                Some(n) => ident(n, "h"),
                None => addr_name(first),
            };
            let mut name = base.clone();
            let mut k = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}-{k}");
                k += 1;
            }
            let addrs: Vec<String> = h.addrs.iter().map(|a| a.to_string()).collect();
            let kind = h.role.as_deref().and_then(kind_of);
            let mut said: Vec<String> = Vec::new();
            for part in [&h.vendor, &h.model] {
                if let Some(p) = part.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                    said.push(p.to_string());
                }
            }
            let mut text = said.join(" ");
            if let (None, Some(role)) = (kind, h.role.as_deref().filter(|r| !r.trim().is_empty())) {
                text = join_text(&text, &format!("({})", role.trim()));
            }
            if let Some(d) = h.description.as_deref().filter(|d| !d.trim().is_empty()) {
                text = if text.is_empty() {
                    d.trim().to_string()
                } else {
                    format!("{text}: {}", d.trim())
                };
            }
            let mut block = Vec::new();
            if let Some(k) = kind {
                block.push(format!("kind {k}"));
            }
            if !text.is_empty() {
                block.push(format!("description {}", quote(&text)));
            }
            if block.is_empty() {
                out.push_str(&format!("  asset {name} {}\n", addrs.join(", ")));
            } else {
                out.push_str(&format!(
                    "  asset {name} {} {{\n    {}\n  }}\n",
                    addrs.join(", "),
                    block.join("\n    ")
                ));
            }
        }
        out.push_str("}\n");
    }
    match crate::syntax::parse_file(crate::source::FileId(0), &out) {
        Ok(ast) => crate::fmt::format_file(&out, &ast),
        // Every name and string is sanitised above, so this is not expected; the unformatted
        // text still tells the engineer what the inventory said.
        Err(_) => out,
    }
}

fn join_text(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a} {b}")
    }
}

/// A string literal: quotes and backslashes escaped, control characters (line breaks) as spaces.
fn quote(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                o.push('\\');
                o.push(c);
            }
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_levels_and_kinds() {
        assert_eq!(ident("PLC_Line 3", "h"), "plc-line-3");
        assert_eq!(ident("10.1.2.3", "h"), "h-10-1-2-3");
        assert_eq!(ident("--", "h"), "h");
        assert_eq!(ident("SELF", "h"), "self-1");
        assert_eq!(level_of("Purdue Level 3.5").as_deref(), Some("3.5"));
        assert_eq!(level_of("L1").as_deref(), Some("1"));
        assert_eq!(level_of("2.5"), None);
        assert_eq!(
            kind_of("Engineering Workstation"),
            Some("engineering-workstation")
        );
        assert_eq!(kind_of("Protection Relay"), Some("ied"));
        assert_eq!(kind_of("Switch"), None);
    }
}
