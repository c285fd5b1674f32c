//! Property tests over synthetic policies (proptest chooses sizes and seeds): the formatter is
//! idempotent and keeps meaning, declaration order never changes an output byte, and adding a
//! flow never removes an allowed packet.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::driver::{check_text, CheckOptions};
use fenceline::model::policy_decision;
use fenceline::packet::Packet;
use fenceline::synth::{policy, Rng, Size};
use proptest::prelude::*;
use std::path::Path;

fn opts() -> CheckOptions {
    CheckOptions {
        today: Some("2026-01-01".into()),
        ..Default::default()
    }
}

fn size() -> impl Strategy<Value = Size> {
    (2usize..8, 1usize..6, 0usize..40, 2usize..5, any::<u64>()).prop_map(
        |(zones, assets, flows, per, seed)| Size {
            zones,
            assets_per_zone: assets,
            flows,
            zones_per_device: per,
            seed,
        },
    )
}

/// Reorders top-level declarations with a seed.
fn shuffle(text: &str, seed: u64) -> String {
    let ast = fenceline::syntax::parse_file(fenceline::source::FileId(0), text).unwrap();
    let mut chunks: Vec<&str> = ast.items.iter().map(|i| &text[i.span().range()]).collect();
    let mut rng = Rng::new(seed);
    for i in (1..chunks.len()).rev() {
        let j = rng.below(i + 1);
        chunks.swap(i, j);
    }
    chunks.join("\n")
}

/// The generated configurations of a policy, and its policy hash.
fn outputs(text: &str) -> Vec<(String, Vec<u8>)> {
    let checked = check_text("p.fence", Path::new("p.fence"), text.to_string(), &opts());
    assert!(
        !checked.has_errors(),
        "{:#?}",
        checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect::<Vec<_>>()
    );
    let built = build_checked(
        &checked,
        &BuildOptions {
            check: opts(),
            ..Default::default()
        },
    )
    .unwrap()
    .unwrap();
    // The reports carry the `file:line:col` of findings (as `fenceline report` does), and the
    // manifest their hashes: those move with the text. The configurations and the policy hash
    // must not.
    built
        .outputs
        .into_iter()
        .filter(|o| !o.path.starts_with("report."))
        .map(|o| {
            if o.path == "manifest.json" {
                let v: serde_json::Value = serde_json::from_slice(&o.bytes).unwrap();
                (o.path, v["policy_sha256"].to_string().into_bytes())
            } else {
                (o.path, o.bytes)
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    #[test]
    fn fmt_is_idempotent_and_keeps_meaning(size in size(), squeeze in any::<bool>()) {
        let mut text = policy(&size);
        if squeeze {
            // Unusual but valid layout: every line break inside blocks becomes a space.
            text = text.lines().map(|l| if l.starts_with('#') { format!("{l}\n") } else { format!("{l} ") }).collect();
        }
        let once = fenceline::cli::format::format_text("p.fence", &text).map_err(|(_, d)| d.message).unwrap();
        let twice = fenceline::cli::format::format_text("p.fence", &once).map_err(|(_, d)| d.message).unwrap();
        prop_assert_eq!(&once, &twice);
        prop_assert_eq!(outputs(&text), outputs(&once));
    }

    #[test]
    fn declaration_order_does_not_change_a_byte(size in size(), seed in any::<u64>()) {
        let text = policy(&size);
        prop_assert_eq!(outputs(&text), outputs(&shuffle(&text, seed)));
    }

    #[test]
    fn adding_a_flow_never_removes_an_allowed_packet(size in size(), pick in any::<u64>()) {
        let text = policy(&size);
        let before = check_text("p.fence", Path::new("p.fence"), text.clone(), &opts()).model.unwrap();
        // One more flow, in the first conduit, from the second zone's whole network.
        let extra = "  allow z0001 -> z0000.a000 icmp-echo\n";
        let head = "conduit c0000 {\n  connects z0000, z0001\n  sl-target 2\n";
        let pos = text.find(head).unwrap() + head.len();
        let after_text = format!("{}{}{}", &text[..pos], extra, &text[pos..]);
        let checked = check_text("p.fence", Path::new("p.fence"), after_text, &opts());
        prop_assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
        let after = checked.model.unwrap();
        prop_assert!(after.flows.len() == before.flows.len() + 1);
        // Probe packets: the first addresses of every flow's ends on each of its services' ports,
        // plus a few random ones.
        let mut rng = Rng::new(pick);
        let mut probes = Vec::new();
        for f in &before.flows {
            let (s, d) = (before.endpoint_addrs(f.src), before.endpoint_addrs(f.dst));
            if let (Some(a), Some(b)) = (s.first_v4(), d.first_v4()) {
                for p in [502u16, 443, 4840, 8883, 44818, 102, 2404, 123, 6514, 8005, 9000, 7000] {
                    probes.push(Packet::tcp(a.into(), b.into(), p));
                    probes.push(Packet::udp(a.into(), b.into(), p));
                }
            }
        }
        for _ in 0..200 {
            let z = |r: &mut Rng| std::net::Ipv4Addr::new(10, 0, r.below(size.zones) as u8, r.below(8) as u8);
            let (a, b) = (z(&mut rng), z(&mut rng));
            probes.push(Packet::tcp(a.into(), b.into(), [502u16, 443, 22][rng.below(3)]));
        }
        for p in &probes {
            if policy_decision(&before, p).is_some() {
                prop_assert!(policy_decision(&after, p).is_some(), "{} was allowed before", p);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Differential semantics on random policies: the nftables and iptables configurations read
    /// back from text accept exactly the packets the policy allows on each interface pair
    /// (an exact comparison of packet spaces, with random packets decided one by one on top).
    #[test]
    fn generated_linux_configs_decide_like_the_policy(size in size(), pick in any::<u64>()) {
        use fenceline::model::Target;
        use fenceline::verify::equiv::{compare_device, load, policy_pairs};
        let text = policy(&size);
        let checked = check_text("p.fence", Path::new("p.fence"), text, &opts());
        prop_assert!(!checked.has_errors());
        let built = build_checked(&checked, &BuildOptions { check: opts(), ..Default::default() }).unwrap().unwrap();
        let model = checked.model.as_ref().unwrap();
        let files: std::collections::BTreeMap<String, String> =
            built.outputs.iter().map(|o| (o.path.clone(), String::from_utf8_lossy(&o.bytes).into_owned())).collect();
        let read = |p: &str| files.get(p).cloned();
        let pairs = policy_pairs(model);
        let mut rng = Rng::new(pick);
        let mut compared = 0;
        for (di, dev) in model.devices.iter().enumerate() {
            for target in [Target::Nftables, Target::Iptables] {
                if !dev.targets.contains(&target) {
                    continue;
                }
                let cfg = load(&dev.name, target, &read).unwrap().expect("generated files");
                let result = compare_device(model, &pairs, fenceline::model::DeviceId(di), target.name(), cfg.files.clone(), cfg.config.as_ref()).unwrap();
                prop_assert!(result.equal, "{} {}: {:?}", dev.name, target.name(), result.differences);
                compared += 1;
                // Random packets on a random interface pair of this device.
                use fenceline::dialect::config::{decide, Term};
                let n = dev.interfaces.len();
                for _ in 0..50 {
                    let (i, e) = (rng.below(n), rng.below(n));
                    if i == e {
                        continue;
                    }
                    let (zi, ze) = (model.zone(dev.interfaces[i].zone), model.zone(dev.interfaces[e].zone));
                    let (Some(a), Some(b)) = (zi.addrs.first_v4(), ze.addrs.first_v4()) else { continue };
                    let a = std::net::Ipv4Addr::from(u32::from(a) + 1 + rng.below(12) as u32);
                    let b = std::net::Ipv4Addr::from(u32::from(b) + 1 + rng.below(12) as u32);
                    let port = [502u16, 443, 4840, 8883, 44818, 102, 2404, 8005, 9000, 7000, 22][rng.below(11)];
                    let pkt = if rng.below(2) == 0 { Packet::tcp(a.into(), b.into(), port) } else { Packet::udp(a.into(), b.into(), port) };
                    let want = pairs.get(&(fenceline::model::DeviceId(di), i, e)).and_then(|s| s.contains(&pkt)).is_some();
                    let filters = cfg.config.filters(&dev.interfaces[i].name, &dev.interfaces[e].name).unwrap();
                    let have = filters.iter().all(|f| matches!(decide(f, &pkt), Some((Term::Accept, _))));
                    prop_assert_eq!(want, have, "{} {} {}", dev.name, target.name(), pkt);
                }
            }
        }
        prop_assert!(compared > 0 || model.devices.iter().all(|d| !d.targets.contains(&Target::Nftables)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    /// The same for Cisco IOS on random policies: each interface's ACLs, read back from text,
    /// accept exactly the flows entering by it, their replies and neighbour discovery (over
    /// addresses, protocol, both ports and the ACK flag); with `inspect`, each interface pair's
    /// zone-pair accepts exactly the flows that cross it and the replies of the protocols it
    /// passes, and the self zone-pairs exactly neighbour discovery.
    #[test]
    fn generated_ios_acls_equal_the_policy(
        // Enough zones for a third device (every third device is a router).
        size in (6usize..12, 1usize..6, 0usize..40, 2usize..4, any::<u64>()).prop_map(
            |(zones, assets, flows, per, seed)| Size { zones, assets_per_zone: assets, flows, zones_per_device: per, seed }),
        groups in any::<bool>(),
        inspect in any::<bool>(),
    ) {
        use fenceline::model::{DeviceId, Target};
        use fenceline::verify::equiv::{compare_loaded, load, PolicySides};
        let mut text = policy(&size);
        if inspect {
            text = text.replace("  target cisco-ios\n", "  target cisco-ios\n  inspect\n");
        }
        let checked = check_text("p.fence", Path::new("p.fence"), text, &opts());
        prop_assert!(!checked.has_errors());
        let mut bopts = BuildOptions { check: opts(), ..Default::default() };
        bopts.emit.cisco_object_groups = groups;
        let built = build_checked(&checked, &bopts).unwrap().unwrap();
        let model = checked.model.as_ref().unwrap();
        let files: std::collections::BTreeMap<String, String> =
            built.outputs.iter().map(|o| (o.path.clone(), String::from_utf8_lossy(&o.bytes).into_owned())).collect();
        let read = |p: &str| files.get(p).cloned();
        let sides = PolicySides::for_targets(model, &[Target::CiscoIos]);
        let mut compared = 0;
        for (di, dev) in model.devices.iter().enumerate() {
            if !dev.targets.contains(&Target::CiscoIos) {
                continue;
            }
            prop_assert_eq!(dev.inspect, inspect);
            let cfg = load(&dev.name, Target::CiscoIos, &read).unwrap().expect("generated file");
            let r = compare_loaded(model, &sides, DeviceId(di), Target::CiscoIos, &cfg).unwrap();
            prop_assert!(r.equal, "{}: {:?}", dev.name, r.differences);
            compared += 1;
        }
        prop_assert!(compared > 0, "no router in {} zones", size.zones);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// OUT-001 (indexed by interval trees) flags exactly the flows whose packets another single
    /// flow allows, as exact packet sets decide by brute force: of two flows allowing the same
    /// packets, the later one.
    #[test]
    fn redundant_flows_are_exactly_the_covered_ones(size in size()) {
        redundant_flows_agree(&size)?;
    }

    /// The same on dense policies: two assets a side and many flows of random port ranges
    /// (TCP, UDP, ICMP types, whole protocols), so that endpoint pairs carry more items than
    /// OUT-001 scans and are indexed by interval trees.
    #[test]
    fn redundant_flows_are_exactly_the_covered_ones_when_dense(
        flows in proptest::collection::vec((0usize..2, 0usize..2, 0usize..5, 0u16..40, 0u16..40), 150..300)
    ) {
        let mut text = String::from(
            "zone a { level 3 sl-target 2 network 10.1.0.0/24 asset h1 10.1.0.1 asset h2 10.1.0.2 }\n\
             zone b { level 2 sl-target 2 network 10.2.0.0/24 asset h1 10.2.0.1 asset h2 10.2.0.2 }\n\
             conduit ab {\n  connects a, b\n",
        );
        let srcs = ["a", "a.h1"];
        let dsts = ["b.h1", "b.h2"];
        for (s, d, kind, x, y) in flows {
            let (lo, hi) = (1000 + x.min(y), 1000 + x.max(y));
            let item = match kind {
                0 | 1 => format!("tcp/{lo}-{hi}"),
                2 => format!("udp/{lo}-{hi}"),
                3 if x % 2 == 0 => "icmp/8".to_string(),
                3 => "icmp".to_string(),
                _ => "ip/6".to_string(),
            };
            text.push_str(&format!("  allow {} -> {} {item}\n", srcs[s], dsts[d]));
        }
        text.push_str("}\n");
        redundant_flows_agree_on(&text)?;
    }
}

fn redundant_flows_agree(size: &Size) -> Result<(), TestCaseError> {
    redundant_flows_agree_on(&policy(size))
}

fn redundant_flows_agree_on(text: &str) -> Result<(), TestCaseError> {
    use fenceline::model::packets::flow_cubes;
    use fenceline::packet::space::Space;
    let checked = check_text("p.fence", Path::new("p.fence"), text.to_string(), &opts());
    prop_assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let model = checked.model.as_ref().unwrap();
    let space = |f| {
        let mut s: Space<()> = Space::new();
        s.extend(flow_cubes(model, f), ());
        s
    };
    let spaces: Vec<Space<()>> = model.flow_ids().map(space).collect();
    let within = |a: usize, b: usize| !spaces[a].is_empty() && spaces[a].is_subset(&spaces[b]);
    let n = spaces.len();
    let want: std::collections::BTreeSet<usize> = (0..n)
        .filter(|&a| (0..n).any(|b| b != a && within(a, b) && (!within(b, a) || b < a)))
        .collect();
    let got: std::collections::BTreeSet<usize> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "OUT-001")
        .filter_map(|d| {
            model
                .flow_ids()
                .find(|f| Some(model.spans.flow(*f)) == d.span)
        })
        .map(|f| f.0)
        .collect();
    prop_assert_eq!(got, want);
    Ok(())
}

/// Planning's reply entries (what the Cisco IOS dialect lowers to reply ACEs) and verify's
/// stateless policy side admit the same replies: per device, interface pair (entering, leaving;
/// the replies of a device's own traffic enter and stay, `(i, i)`) and flow, each is a subset of
/// the other. Returns how many (pair, flow) sets were compared.
fn reply_entries_agree_with_verify(
    model: &fenceline::model::Model,
    ir: &fenceline::plan::Ir,
) -> Result<usize, String> {
    use fenceline::model::FlowRef;
    use fenceline::packet::space::Space;
    use fenceline::packet::Family;
    use fenceline::verify::equiv::{stateless_pairs, Why};
    use std::collections::BTreeMap;
    type Key = (usize, usize, usize, FlowRef);
    let mut verify: BTreeMap<Key, Space<()>> = BTreeMap::new();
    for ((dev, from, to), space) in stateless_pairs(model) {
        for (cube, why) in space.cubes {
            let flow = match why {
                Why::Reply(fid) => FlowRef::Flow(fid),
                Why::SelfReply(id) => FlowRef::SelfFlow { id },
                _ => continue,
            };
            verify
                .entry((dev.0, from, to, flow))
                .or_default()
                .push(cube, ());
        }
    }
    let mut planned: BTreeMap<Key, Space<()>> = BTreeMap::new();
    for dev in &ir.devices {
        let own = dev
            .local
            .iter()
            .filter(|l| !l.to_device)
            .map(|l| (l.interface, l.interface, &l.rules, &l.replies));
        let pairs = dev
            .pairs
            .iter()
            .map(|p| (p.egress, p.ingress, &p.rules, &p.replies));
        for (from, to, rules, replies) in pairs.chain(own) {
            for r in replies {
                let rule = &rules[r.rule];
                let space = planned
                    .entry((dev.device.0, from, to, rule.flow))
                    .or_default();
                for fam in [Family::V4, Family::V6] {
                    space.extend(r.reply.cubes(fam, &rule.dst, &rule.src), ());
                }
            }
        }
    }
    planned.retain(|_, s| !s.is_empty());
    let keys: std::collections::BTreeSet<&Key> = verify.keys().chain(planned.keys()).collect();
    let empty = Space::new();
    for k in &keys {
        let (v, p) = (
            verify.get(k).unwrap_or(&empty),
            planned.get(k).unwrap_or(&empty),
        );
        if !v.is_subset(p) || !p.is_subset(v) {
            return Err(format!(
                "device {} pair {}->{} flow {:?}: verify {:?} vs plan {:?}",
                k.0, k.1, k.2, k.3, v.cubes, p.cubes
            ));
        }
    }
    Ok(keys.len())
}

#[test]
fn reply_entries_agree_with_verify_on_the_examples() {
    let mut compared = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "fence") {
            continue;
        }
        let checked = fenceline::driver::check_path(&path, &opts()).unwrap();
        let Some(model) = checked.model.as_ref() else {
            continue;
        };
        let (ir, _) = fenceline::plan::model_to_ir(model);
        compared += reply_entries_agree_with_verify(model, &ir)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    assert!(compared > 0, "{compared}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    /// The same on random policies.
    #[test]
    fn reply_entries_agree_with_verify_on_random_policies(
        size in (6usize..12, 1usize..6, 0usize..40, 2usize..4, any::<u64>()).prop_map(
            |(zones, assets, flows, per, seed)| Size { zones, assets_per_zone: assets, flows, zones_per_device: per, seed }),
    ) {
        let checked = check_text("p.fence", Path::new("p.fence"), policy(&size), &opts());
        prop_assert!(!checked.has_errors());
        let model = checked.model.as_ref().unwrap();
        let (ir, _) = fenceline::plan::model_to_ir(model);
        let r = reply_entries_agree_with_verify(model, &ir);
        prop_assert!(r.is_ok(), "{:?}", r);
    }
}
