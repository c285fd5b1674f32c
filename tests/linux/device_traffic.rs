//! Traffic to and from a Linux firewall itself, in the kernel (part of `tests/linux_targets.rs`):
//! `tests/linux/device.fence`, an HA pair whose nodes' files are loaded in turn into the
//! firewall namespace of `tests/linux/netns_e2e.py`, which holds the device's own addresses
//! (the virtual ones and the node's) on its interfaces. For nftables and iptables, on each node:
//! - the firewall's own address answers SSH (a TCP listener on port 22 in the firewall
//!   namespace) from the allowed asset and drops it from any other source, on another port and
//!   from another zone;
//! - the firewall's syslog (a UDP sender in the firewall namespace) reaches the collector and
//!   gets its answer back, and nothing else leaves it: another destination, another service,
//!   another interface time out (or the kernel refuses the send) and never reach the link;
//! - a `one-way` stream from the firewall reaches the collector's link, and the collector's
//!   answer never gets back to the firewall;
//! - conntrackd between the nodes passes on the sync interface, and not on another;
//! - a conduit flow through the firewall still passes.

use super::*;

const FIXTURE: &str = "tests/linux/device.fence";

/// One probe: `side`/`dst_side` are interface indexes, -1 the firewall itself.
struct Local {
    side: i64,
    src: &'static str,
    dst_side: i64,
    dst: &'static str,
    tcp: bool,
    port: u16,
    expect: bool,
    /// The first packet reaches the destination (its link, or the firewall's interface).
    arrives: bool,
    what: &'static str,
}

fn probes(node: &str) -> Vec<Local> {
    // The node's own address on the sync link, and its partner's (a host on that side).
    let (me, peer) = if node == "fw-a" {
        ("10.99.0.2", "10.99.0.3")
    } else {
        ("10.99.0.3", "10.99.0.2")
    };
    let p = |side, src, dst_side, dst, tcp, port, expect, what| Local {
        side,
        src,
        dst_side,
        dst,
        tcp,
        port,
        expect,
        arrives: expect,
        what,
    };
    vec![
        p(
            0,
            "10.1.0.10",
            -1,
            "10.1.0.1",
            true,
            22,
            true,
            "ssh from ot.ews",
        ),
        p(
            -1,
            "10.2.0.1",
            1,
            "10.2.0.5",
            false,
            514,
            true,
            "syslog to it.collector",
        ),
        p(
            0,
            "10.1.0.20",
            1,
            "10.2.0.7",
            true,
            443,
            true,
            "conduit flow ot.hmi -> it.web https",
        ),
        p(
            -1,
            me,
            2,
            peer,
            false,
            3780,
            true,
            "conntrackd to the other node",
        ),
        p(
            2,
            peer,
            -1,
            me,
            false,
            3780,
            true,
            "conntrackd from the other node",
        ),
        p(
            0,
            "10.1.0.20",
            -1,
            "10.1.0.1",
            true,
            22,
            false,
            "ssh from ot.hmi",
        ),
        p(
            1,
            "10.2.0.5",
            -1,
            "10.2.0.1",
            true,
            22,
            false,
            "ssh from it.collector",
        ),
        p(
            0,
            "10.1.0.10",
            -1,
            "10.1.0.1",
            true,
            23,
            false,
            "telnet port from ot.ews",
        ),
        p(
            0,
            "10.1.0.10",
            -1,
            "10.2.0.1",
            true,
            23,
            false,
            "another address, another port",
        ),
        p(
            -1,
            "10.2.0.1",
            1,
            "10.2.0.7",
            false,
            514,
            false,
            "syslog to it.web",
        ),
        p(
            -1,
            "10.2.0.1",
            1,
            "10.2.0.5",
            true,
            22,
            false,
            "ssh to it.collector",
        ),
        p(
            -1,
            "10.1.0.1",
            0,
            "10.1.0.10",
            false,
            514,
            false,
            "syslog to ot.ews",
        ),
        p(
            0,
            "10.1.0.10",
            -1,
            "10.1.0.1",
            false,
            3780,
            false,
            "conntrackd from ot",
        ),
        p(
            -1,
            "10.1.0.1",
            0,
            "10.1.0.10",
            false,
            3780,
            false,
            "conntrackd to ot",
        ),
        Local {
            arrives: true,
            ..p(
                -1,
                "10.2.0.1",
                1,
                "10.2.0.5",
                false,
                5514,
                false,
                "one-way to it.collector",
            )
        },
        p(
            -1,
            "10.2.0.1",
            1,
            "10.2.0.7",
            false,
            5514,
            false,
            "one-way to it.web",
        ),
    ]
}

/// Loads `node`'s files with `loader` and sends the probes; the failures.
fn node_case(model: &Model, built: &Built, node: &str, loader: Loader) -> Vec<String> {
    let label = format!("{FIXTURE}/{node}/{loader:?}");
    let dev = model.device(model.device_id("fw").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| {
        let path = format!("{node}/{name}");
        let out = built.outputs.iter().find(|o| o.path == path).unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, &out.bytes).unwrap();
        p.to_string_lossy().to_string()
    };
    let loaders: Vec<Vec<String>> = match loader {
        Loader::Nft => vec![vec!["nft".into(), "-f".into(), file("nftables.nft")]],
        Loader::Ipt => vec![
            vec!["iptables-restore".into(), file("iptables.rules")],
            vec!["ip6tables-restore".into(), file("ip6tables.rules")],
        ],
    };
    let probes = probes(node);
    let node_index = dev.cluster.iter().position(|n| n == node).unwrap();
    let mut sides = Vec::new();
    for (k, iface) in dev.interfaces.iter().enumerate() {
        let mut fw_addrs: Vec<String> = iface.addresses.iter().map(|a| format!("{a}/32")).collect();
        if let Some(a) = iface.nodes.get(node_index) {
            fw_addrs.push(format!("{a}/32"));
        }
        let addrs: BTreeSet<String> = probes
            .iter()
            .filter(|p| p.side == k as i64)
            .map(|p| p.src)
            .chain(
                probes
                    .iter()
                    .filter(|p| p.dst_side == k as i64)
                    .map(|p| p.dst),
            )
            .map(|a| format!("{a}/32"))
            .collect();
        let routes4: Vec<String> = model
            .zone(iface.zone)
            .networks
            .iter()
            .map(|n| n.to_string())
            .collect();
        sides.push(serde_json::json!({
            "iface": iface.name, "fw4": format!("169.254.{k}.1/24"), "fw6": "fe80::1/64",
            "addrs": addrs, "routes4": routes4, "routes6": [], "fw_addrs": fw_addrs,
        }));
    }
    let n = RUN.fetch_add(1, Ordering::SeqCst);
    let spec = serde_json::json!({
        "prefix": format!("fl{}d{n}", std::process::id()),
        "loaders": loaders,
        "sides": sides,
        "probes": probes.iter().enumerate().map(|(i, p)| serde_json::json!({
            "id": format!("p{i}"), "side": p.side, "dst_side": p.dst_side, "src": p.src,
            "dst": p.dst, "proto": if p.tcp { "tcp" } else { "udp" }, "port": p.port,
            "timeout": if p.expect { 10.0 } else { 1.5 }, "spoof": false,
        })).collect::<Vec<_>>(),
    });
    let (_, out, err) = run(
        &["python3", "tests/linux/netns_e2e.py", "run"],
        Some(&spec.to_string()),
    );
    let v: serde_json::Value = match serde_json::from_str(out.trim()) {
        Ok(v) => v,
        Err(_) => return vec![format!("{label}: harness output unreadable: {out}\n{err}")],
    };
    if let Some(e) = v.get("error") {
        return vec![format!("{label}: harness failed: {e}")];
    }
    if v["load"]["rc"] != 0 {
        return vec![format!("{label}: ruleset did not load: {}", v["load"])];
    }
    // (side, source, destination, protocol, destination port) of every first packet that
    // arrived on a side's link (or, for side -1, at the firewall: before its input chain).
    let seen: BTreeSet<(i64, String, String, u64, u64)> = v["seen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s[0].as_i64().unwrap(),
                s[1].as_str().unwrap().into(),
                s[3].as_str().unwrap().into(),
                s[4].as_u64().unwrap(),
                s[5].as_u64().unwrap(),
            )
        })
        .collect();
    let mut failures = Vec::new();
    for (i, p) in probes.iter().enumerate() {
        let r = v["results"][format!("p{i}")][0]
            .as_str()
            .unwrap_or("missing")
            .to_string();
        let what = format!(
            "{} ({} -> {} {}/{})",
            p.what,
            p.src,
            p.dst,
            if p.tcp { "tcp" } else { "udp" },
            p.port
        );
        if p.expect && r != "ok" {
            failures.push(format!("{label}: allowed probe failed ({r}): {what}"));
        }
        // What the firewall sends and its output chain drops fails at once: sendto() and
        // connect() return EPERM.
        let dropped = r == "timeout" || (p.side == -1 && r.contains("Errno 1]"));
        if !p.expect && !dropped {
            failures.push(format!("{label}: denied probe got an answer ({r}): {what}"));
        }
        let key = (
            p.dst_side,
            p.src.to_string(),
            p.dst.to_string(),
            if p.tcp { 6 } else { 17 },
            p.port as u64,
        );
        if p.dst_side >= 0 && seen.contains(&key) != p.arrives {
            failures.push(if p.arrives {
                format!("{label}: allowed probe never reached the link: {what}")
            } else {
                format!("{label}: denied probe reached the link: {what}")
            });
        }
    }
    failures
}

#[test]
fn the_firewall_answers_and_sends_only_its_declared_flows_on_both_nodes() {
    if !kernel_tests("the_firewall_answers_and_sends_only_its_declared_flows_on_both_nodes") {
        return;
    }
    let checked = check_path(Path::new(FIXTURE), &opts()).unwrap();
    let built = build("device", &checked);
    let model = checked.model.clone().unwrap();
    let mut failures = Vec::new();
    for loader in [Loader::Nft, Loader::Ipt] {
        for node in ["fw-a", "fw-b"] {
            let f = node_case(&model, &built, node, loader);
            eprintln!("{FIXTURE}/{node}/{loader:?}: {} failures", f.len());
            failures.extend(f);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
