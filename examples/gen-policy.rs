//! Writes a synthetic policy of a given size to stdout (or `-o FILE`).
//!
//! `cargo run --release --example gen-policy -- --zones 100 --assets 100 --flows 100000 -o big.fence`
//!
//! Two shapes, both deterministic for a seed:
//!
//! - the default (`fenceline::synth`): zones in a chain of conduits, assets in every zone, a
//!   firewall or a router on each block of zones;
//! - `--one-firewall` (issue 18): one firewall with one interface per zone, every zone of
//!   `--networks` networks (an IPv4 /24, a /28 and a host, then more /28s), `--services` TCP
//!   services, and `--flows` distinct zone-to-zone flows (source zone, destination zone,
//!   service), one conduit per pair of zones that has flows. `--split N` writes the conduits
//!   over N include files beside `-o FILE`, each under the input size limit; `--aerleon DIR`
//!   writes the same policy for Aerleon (definitions and one filter of one term per flow).
//!
//! ```sh
//! gen-policy --one-firewall --zones 100 --networks 3 --services 64 --flows 100000 -o one.fence
//! gen-policy --one-firewall --services 128 --flows 1000000 --split 8 -o big/one.fence
//! gen-policy --one-firewall --flows 50000 -o a/one.fence --aerleon a/aerleon
//! ```

use fenceline::synth::{policy, Rng, Size};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

struct OneFirewall {
    zones: usize,
    networks: usize,
    services: usize,
    flows: usize,
    seed: u64,
    split: usize,
    /// Host addresses per zone beside its networks, none adjacent (`--hosts`): zones of many
    /// networks, each host an interval of its own.
    hosts: usize,
    aerleon: Option<PathBuf>,
    aerleon_target: String,
}

fn main() {
    let mut size = Size::default();
    let mut one = OneFirewall {
        zones: 100,
        networks: 3,
        services: 64,
        flows: 100_000,
        seed: 1,
        split: 0,
        hosts: 0,
        aerleon: None,
        aerleon_target: "nftables".into(),
    };
    let mut one_firewall = false;
    let mut out: Option<String> = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        let n = || v.parse::<usize>().unwrap_or_else(|_| usage(&args[i]));
        match args[i].as_str() {
            "--one-firewall" => {
                one_firewall = true;
                i += 1;
                continue;
            }
            "--zones" => (size.zones, one.zones) = (n(), n()),
            "--assets" => size.assets_per_zone = n(),
            "--flows" => (size.flows, one.flows) = (n(), n()),
            "--zones-per-device" => size.zones_per_device = n(),
            "--seed" => (size.seed, one.seed) = (n() as u64, n() as u64),
            "--networks" => one.networks = n(),
            "--services" => one.services = n(),
            "--split" => one.split = n(),
            "--hosts" => one.hosts = n(),
            "--aerleon" => one.aerleon = Some(PathBuf::from(&v)),
            "--aerleon-target" => one.aerleon_target = v.clone(),
            "-o" | "--output" => out = Some(v.clone()),
            other => usage(other),
        }
        i += 2;
    }
    if one_firewall {
        if let Err(e) = write_one_firewall(&one, out.as_deref()) {
            eprintln!("gen-policy: {e}");
            std::process::exit(2);
        }
        return;
    }
    let text = policy(&size);
    match out {
        Some(p) => std::fs::write(&p, text).unwrap_or_else(|e| {
            eprintln!("{p}: {e}");
            std::process::exit(2)
        }),
        None => print!("{text}"),
    }
}

fn usage(arg: &str) -> ! {
    eprintln!(
        "unexpected argument {arg}\n\
         usage: gen-policy [--zones N] [--assets N] [--flows N] [--zones-per-device N] [--seed N] [-o FILE]\n\
         \x20      gen-policy --one-firewall [--zones N] [--networks N] [--services N] [--flows N] [--seed N]\n\
         \x20                 [--split FILES] [--hosts N] [--aerleon DIR [--aerleon-target nftables|iptables]] [-o FILE]"
    );
    std::process::exit(2)
}

fn zone_name(z: usize) -> String {
    format!("z{z:04}")
}

/// The networks of zone `z`: an IPv4 /24, a /28, a host, then more /28s (at most 16 in all).
fn zone_networks(z: usize, n: usize) -> Vec<String> {
    let (hi, lo) = (z >> 8, z & 255);
    (0..n)
        .map(|k| match k {
            0 => format!("10.{hi}.{lo}.0/24"),
            1 => format!("172.{}.{lo}.0/28", 16 + hi),
            2 => format!("192.168.{hi}.{lo}/32"),
            k => format!("172.{}.{lo}.{}/28", 16 + hi, 16 * (k - 2)),
        })
        .collect()
}

/// `n` host addresses of zone `z` in 100.64.0.0/10, every other address (no two adjacent, so
/// each stays an interval of its own): zone `z` has 100.64.0.0 + 4096 z and the 4,095 above.
fn zone_hosts(z: usize, n: usize) -> Vec<String> {
    (0..n)
        .map(|k| {
            let a = (100u32 << 24 | 64 << 16) + (z as u32) * 4096 + 2 * k as u32;
            format!("{}/32", std::net::Ipv4Addr::from(a))
        })
        .collect()
}

fn service_port(s: usize) -> usize {
    10_000 + s
}

/// `flows` distinct (source zone, destination zone, service) triples, sorted by zone pair
/// (unordered, then ordered) and service, so that each conduit's flows are contiguous.
fn one_firewall_flows(o: &OneFirewall) -> Result<Vec<(u32, u32, u32)>, String> {
    let (z, s) = (o.zones, o.services);
    let space = z * (z - 1) * s;
    if o.flows > space {
        return Err(format!(
            "{} flows asked for, but {z} zones and {s} services give only {space} distinct ones",
            o.flows
        ));
    }
    // Uniform sampling without replacement over the index space: draw the flows, or, past half
    // of the space, the ones left out.
    let take_complement = o.flows * 2 > space;
    let want = if take_complement {
        space - o.flows
    } else {
        o.flows
    };
    let mut chosen = vec![false; space];
    let mut rng = Rng::new(o.seed);
    let mut got = 0;
    while got < want {
        let k = rng.below(space);
        if !chosen[k] {
            chosen[k] = true;
            got += 1;
        }
    }
    let mut flows = Vec::with_capacity(o.flows);
    for (k, &c) in chosen.iter().enumerate() {
        if c != take_complement {
            let (pair, svc) = (k / s, k % s);
            let (src, d) = (pair / (z - 1), pair % (z - 1));
            let dst = if d >= src { d + 1 } else { d };
            flows.push((src as u32, dst as u32, svc as u32));
        }
    }
    flows.sort_by_key(|&(a, b, svc)| (a.min(b), a.max(b), a, b, svc));
    Ok(flows)
}

fn write_one_firewall(o: &OneFirewall, out: Option<&str>) -> Result<(), String> {
    if o.zones < 2 || o.zones > 4096 || o.networks == 0 || o.networks > 16 || o.services == 0 {
        return Err("--one-firewall needs 2 to 4096 zones, 1 to 16 networks and a service".into());
    }
    if o.hosts > 0 && (o.zones > 1024 || o.hosts > 2048) {
        return Err("--hosts needs at most 1024 zones and 2048 hosts a zone".into());
    }
    if o.services > 55_000 {
        return Err("at most 55,000 services (one TCP port each)".into());
    }
    let flows = one_firewall_flows(o)?;
    let mut head = String::new();
    let _ = writeln!(
        head,
        "# Synthetic policy (issue 18's shape): one firewall, {} zones of {} networks, {} services, \
         {} flows, seed {}",
        o.zones, o.networks, o.services, o.flows, o.seed
    );
    let _ = writeln!(
        head,
        "policy \"one-firewall-{}\" {{\n  description \"generated by gen-policy --one-firewall\"\n}}\n",
        o.seed
    );
    for s in 0..o.services {
        let _ = writeln!(head, "service svc{s:02} tcp/{}", service_port(s));
    }
    head.push('\n');
    for z in 0..o.zones {
        let _ = writeln!(
            head,
            "zone {} {{\n  description \"synthetic zone {z}\"\n  owner \"operations\"\n  level 3\n  \
             sl-target 2\n  network {}\n  asset gw 10.{}.{}.1\n}}\n",
            zone_name(z),
            zone_networks(z, o.networks)
                .into_iter()
                .chain(zone_hosts(z, o.hosts))
                .collect::<Vec<_>>()
                .join(", "),
            z >> 8,
            z & 255
        );
    }
    let _ = writeln!(head, "firewall fw {{\n  target nftables, iptables");
    for z in 0..o.zones {
        let _ = writeln!(head, "  interface eth{z} {}", zone_name(z));
    }
    let _ = writeln!(head, "}}\n");

    // One conduit per unordered pair of zones with flows, in pair order.
    let mut conduits: Vec<String> = Vec::new();
    let mut i = 0;
    while i < flows.len() {
        let (a, b, _) = flows[i];
        let (lo, hi) = (a.min(b), a.max(b));
        let mut c = format!(
            "conduit c{lo:04}-{hi:04} {{\n  connects {}, {}\n  sl-target 2\n",
            zone_name(lo as usize),
            zone_name(hi as usize)
        );
        while i < flows.len()
            && (flows[i].0.min(flows[i].1), flows[i].0.max(flows[i].1)) == (lo, hi)
        {
            let (src, dst, svc) = flows[i];
            let _ = writeln!(
                c,
                "  allow {} -> {} svc{svc:02}",
                zone_name(src as usize),
                zone_name(dst as usize)
            );
            i += 1;
        }
        c.push_str("}\n\n");
        conduits.push(c);
    }

    write_fenceline(o, out, head, &conduits)?;
    if let Some(dir) = &o.aerleon {
        write_aerleon(o, dir, &flows)?;
    }
    Ok(())
}

/// The root file, and with `--split N` the conduits over N include files beside it.
fn write_fenceline(
    o: &OneFirewall,
    out: Option<&str>,
    mut head: String,
    conduits: &[String],
) -> Result<(), String> {
    if o.split == 0 {
        for c in conduits {
            head.push_str(c);
        }
        // `fenceline fmt`'s layout: no blank line at the end.
        head.truncate(head.trim_end().len());
        head.push('\n');
        return match out {
            Some(p) => write(Path::new(p), &head),
            None => {
                print!("{head}");
                Ok(())
            }
        };
    }
    let root = Path::new(out.ok_or("--split needs -o FILE")?);
    let dir = root.parent().unwrap_or(Path::new(""));
    let stem = root
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "policy".into());
    let total: usize = conduits.iter().map(String::len).sum();
    let per_file = total.div_ceil(o.split).max(1);
    let limit = fenceline::syntax::loader::MAX_FILE_SIZE as usize;
    let mut part = String::new();
    let mut k = 0;
    let mut flush = |part: &mut String, head: &mut String| -> Result<(), String> {
        let name = format!("{stem}.part{k:02}.fence");
        if part.len() > limit {
            return Err(format!(
                "{name} would be {} bytes, over the input size limit of {limit}: give a larger --split",
                part.len()
            ));
        }
        part.truncate(part.trim_end().len());
        part.push('\n');
        write(&dir.join(&name), part)?;
        let _ = writeln!(head, "include \"{name}\"");
        part.clear();
        k += 1;
        Ok(())
    };
    for c in conduits {
        part.push_str(c);
        if part.len() >= per_file {
            flush(&mut part, &mut head)?;
        }
    }
    if !part.is_empty() {
        flush(&mut part, &mut head)?;
    }
    write(root, &head)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The same zones, networks, services and flows for Aerleon: `def/NETWORK.net`,
/// `def/SERVICES.svc` and `policies/pol/one-firewall.pol`, one filter of one term per flow in
/// the order of the fenceline policy (forward hook, default drop).
fn write_aerleon(o: &OneFirewall, dir: &Path, flows: &[(u32, u32, u32)]) -> Result<(), String> {
    let mut net = String::new();
    for z in 0..o.zones {
        let nets: Vec<String> = zone_networks(z, o.networks)
            .into_iter()
            .chain(zone_hosts(z, o.hosts))
            .collect();
        let _ = writeln!(net, "{} = {}", zone_name(z).to_uppercase(), nets[0]);
        for n in &nets[1..] {
            let _ = writeln!(net, "        {n}");
        }
    }
    let mut svc = String::new();
    for s in 0..o.services {
        let _ = writeln!(svc, "SVC{s:02} = {}/tcp", service_port(s));
    }
    let header = match o.aerleon_target.as_str() {
        "nftables" => "nftables mixed FORWARD",
        "iptables" => "iptables FORWARD DROP",
        t => {
            return Err(format!(
                "unknown --aerleon-target `{t}` (nftables, iptables)"
            ))
        }
    };
    let mut pol = format!(
        "header {{\n  comment:: \"generated by gen-policy --one-firewall, seed {}\"\n  target:: {header}\n}}\n\n",
        o.seed
    );
    for &(src, dst, s) in flows {
        let (a, b) = (zone_name(src as usize), zone_name(dst as usize));
        let _ = writeln!(
            pol,
            "term {a}-{b}-svc{s:02} {{\n  source-address:: {}\n  destination-address:: {}\n  \
             destination-port:: SVC{s:02}\n  protocol:: tcp\n  action:: accept\n}}\n",
            a.to_uppercase(),
            b.to_uppercase()
        );
    }
    write(&dir.join("def/NETWORK.net"), &net)?;
    write(&dir.join("def/SERVICES.svc"), &svc)?;
    write(&dir.join("policies/pol/one-firewall.pol"), &pol)
}
