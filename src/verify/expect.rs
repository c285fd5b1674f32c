//! Expectations (`expect allow|deny SRC -> DST SERVICE`), checked exactly over packet sets.
//! `expect allow` holds when every packet of the (source, destination, service) box is allowed;
//! `expect deny` holds when none is. An end may name a device (or a cluster node) for its own
//! addresses: such an expectation is decided by the device's device-level flows (`allow X ->
//! self`, `allow self -> X`), as `query` answers it. `check` runs [`check`] against the Model;
//! `build` runs [`check_against`] with the packet sets read back from each generated
//! configuration.

use crate::diagnostic::{codes, Diagnostic};
use crate::model::packets::{policy_space, self_flow_cubes};
use crate::model::{DeviceId, Expect, ExpectId, FlowId, Model, SelfDirection, SelfFlowId};
use crate::packet::space::{Cube, Index, Space};
use crate::source::Span;
use std::collections::BTreeMap;

/// The box of one expectation.
pub fn expect_space(model: &Model, e: &Expect) -> Space<()> {
    let mut sp = Space::new();
    let (s, d) = (model.expect_end_addrs(e.src), model.expect_end_addrs(e.dst));
    for item in &model.service(e.service).items {
        sp.extend(Cube::of_item_all(&s, &d, item), ());
    }
    sp
}

/// `allow src -> dst svc`, as written.
pub fn expect_text(model: &Model, e: &Expect) -> String {
    format!(
        "expect {} {} -> {} {}",
        if e.allow { "allow" } else { "deny" },
        model.expect_end_name(e.src),
        model.expect_end_name(e.dst),
        model.service(e.service).name
    )
}

/// The device an expectation is about, with the direction of its traffic: to the device when
/// the destination names it, from it when the source does.
pub fn expect_device(e: &Expect) -> Option<(DeviceId, SelfDirection)> {
    match (e.dst.device(), e.src.device()) {
        (Some((d, _)), _) => Some((d, SelfDirection::ToDevice)),
        (None, Some((d, _))) => Some((d, SelfDirection::FromDevice)),
        (None, None) => None,
    }
}

/// What a device's own flows of one direction allow, each cube tagged with its flow.
fn device_space(model: &Model, device: DeviceId, direction: SelfDirection) -> Space<SelfFlowId> {
    let mut sp = Space::new();
    for id in model.self_flow_ids() {
        let f = model.self_flow(id);
        if f.device == device && f.direction == direction {
            sp.extend(self_flow_cubes(model, id), id);
        }
    }
    sp
}

/// Checks every expectation against the policy. One E0020 per failing expectation.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    if model.expects.is_empty() {
        return Vec::new();
    }
    let flow_related = |f: FlowId| (model.spans.flow(f), model.flow_label(f));
    let self_related = |f: SelfFlowId| {
        let dev = &model.device(model.self_flow(f).device).name;
        (
            model.spans.self_flow(f),
            format!("{} (device `{dev}`)", model.self_flow_label(f)),
        )
    };
    // The spaces first, then one index over each: the indexes borrow them.
    let mut device_spaces: BTreeMap<(DeviceId, SelfDirection), Space<SelfFlowId>> = BTreeMap::new();
    let mut any_between_zones = false;
    for e in &model.expects {
        match expect_device(e) {
            Some(key) => {
                device_spaces
                    .entry(key)
                    .or_insert_with(|| device_space(model, key.0, key.1));
            }
            None => any_between_zones = true,
        }
    }
    let policy = any_between_zones.then(|| policy_space(model));
    // One index over the policy (over a device's flows) serves every expectation.
    let policy_idx = policy
        .as_ref()
        .map(|sp| Index::build(sp.cubes.iter().map(|(c, _)| c)));
    let device_idx: BTreeMap<_, _> = device_spaces
        .iter()
        .map(|(k, sp)| (*k, Index::build(sp.cubes.iter().map(|(c, _)| c))))
        .collect();
    let mut out = Vec::new();
    for (i, e) in model.expects.iter().enumerate() {
        let id = ExpectId(i);
        let d = match expect_device(e) {
            Some(key) => match (device_spaces.get(&key), device_idx.get(&key)) {
                (Some(sp), Some(idx)) => check_one(model, id, sp, idx, self_related),
                _ => None,
            },
            None => match (&policy, &policy_idx) {
                (Some(sp), Some(idx)) => check_one(model, id, sp, idx, flow_related),
                _ => None,
            },
        };
        out.extend(d);
    }
    out
}

/// The parts of `want` inside the policy, with the flow of each.
fn overlaps<T: Copy>(want: &Space<()>, policy: &Space<T>, idx: &Index) -> Vec<(Cube, T)> {
    let mut out = Vec::new();
    for (c, _) in &want.cubes {
        idx.for_overlapping(c, |j| {
            if let Some(x) = c.intersect(&policy.cubes[j].0) {
                out.push((x, policy.cubes[j].1));
            }
        });
    }
    out
}

/// One expectation against the flows that decide it (`policy`, indexed by `idx`); `related`
/// gives a flow's span and label.
fn check_one<T: Copy + Ord>(
    model: &Model,
    id: ExpectId,
    policy: &Space<T>,
    idx: &Index,
    related: impl Fn(T) -> (Span, String),
) -> Option<Diagnostic> {
    let e = model.expects.get(id.0)?;
    let at = model.spans.expect(id);
    let want = expect_space(model, e);
    let text = expect_text(model, e);
    if want.is_empty() {
        // Nothing to allow or deny (e.g. ICMPv6 between IPv4-only ends): vacuous for deny, and
        // an allow that cannot mean anything is reported.
        if e.allow {
            return Some(
                Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` matches no packet")).at(
                    at,
                    "this expectation's service cannot apply to these addresses",
                ),
            );
        }
        return None;
    }
    if e.allow {
        let missing: Vec<Cube> = want
            .cubes
            .iter()
            .flat_map(|(c, _)| idx.subtract_from(c))
            .collect();
        let cube = missing.first()?;
        let pkt = cube.witness()?;
        // A flow that allows part of the box is the closest thing to a contradiction.
        let mut partial: Vec<T> = overlaps(&want, policy, idx)
            .into_iter()
            .map(|(_, f)| f)
            .collect();
        partial.sort();
        partial.dedup();
        let mut d = Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold"))
            .at(
                at,
                "expected allowed, but the policy denies some of these packets",
            )
            .help(format!("counterexample: {pkt} is denied"));
        if let Some(f) = partial.first() {
            let (span, label) = related(*f);
            d = d.related(span, format!("this flow allows only part of it: {label}"));
        }
        Some(d)
    } else {
        let mut hits = overlaps(&want, policy, idx);
        hits.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        let (cube, fid) = hits.first()?;
        let pkt = cube.witness()?;
        let (span, label) = related(*fid);
        Some(
            Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold"))
                .at(
                    at,
                    "expected denied, but the policy allows some of these packets",
                )
                .related(span, format!("this flow allows it: {label}"))
                .help(format!("counterexample: {pkt} is allowed")),
        )
    }
}

/// Checks expectations against packet sets read from configurations: `hops(e)` gives, for each
/// device on the expectation's path, what that device lets through (with a name for messages).
/// A packet passes when every device lets it through.
pub fn check_against<'a>(
    model: &Model,
    hops: impl Fn(&Expect) -> Option<Vec<(String, &'a Space<String>)>>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, e) in model.expects.iter().enumerate() {
        let at = model.spans.expect(ExpectId(i));
        let Some(devices) = hops(e) else { continue };
        let want = expect_space(model, e);
        let text = expect_text(model, e);
        if e.allow {
            for (name, allowed) in &devices {
                let missing = want.subtract(*allowed);
                if let Some(pkt) = missing.cubes.first().and_then(|(c, _)| c.witness()) {
                    out.push(
                        Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold for the configuration of `{name}`"))
                            .at(at, "expected allowed, but the generated configuration denies some of these packets")
                            .help(format!("counterexample: {pkt} is denied by `{name}`")),
                    );
                    break;
                }
            }
        } else {
            // Narrow the box device by device; what remains passes every device.
            let mut through = want.clone();
            let mut line = String::new();
            for (_, allowed) in &devices {
                let hits = through.intersect(*allowed);
                let mut next = Space::new();
                for (c, _, l) in hits {
                    line = l;
                    next.push(c, ());
                }
                through = next;
            }
            if devices.is_empty() {
                continue;
            }
            if let Some(pkt) = through.cubes.first().and_then(|(c, _)| c.witness()) {
                out.push(
                    Diagnostic::error(codes::EXPECT_FAILED, format!("`{text}` does not hold for the generated configuration"))
                        .at(at, "expected denied, but the generated configuration allows some of these packets")
                        .help(format!("counterexample: {pkt} is allowed ({line})")),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::model::resolve::resolve;
    use crate::syntax::loader::load_from_text;
    use std::path::Path;

    const BASE: &str = r#"
zone a { level 3  sl-target 2  network 10.1.0.0/24  asset h 10.1.0.5 }
zone b { level 1  sl-target 2  network 10.2.0.0/24  asset plc 10.2.0.7 }
conduit ab {
  connects a, b
  allow a.h -> b.plc modbus
}
"#;

    fn codes_for(extra: &str) -> Vec<(String, String, usize)> {
        let text = format!("{BASE}{extra}");
        let r = resolve(&load_from_text("t.fence", Path::new("t.fence"), text));
        let model = r.model.expect("the test policy resolves");
        super::check(&model)
            .iter()
            .filter(|d| d.code == "E0020")
            .map(|d| {
                (
                    d.code.clone(),
                    d.help.clone().unwrap_or_default(),
                    d.related.len(),
                )
            })
            .collect()
    }

    #[test]
    fn holding_expectations_are_silent() {
        assert!(codes_for(
            "expect allow a.h -> b.plc modbus\nexpect deny a -> b ssh\nexpect deny b -> a modbus\n"
        )
        .is_empty());
    }

    #[test]
    fn failing_allow_gives_counterexample_and_partial_flow() {
        let r = codes_for("expect allow a -> b.plc modbus\n");
        assert_eq!(r.len(), 1);
        assert!(r[0].1.contains("10.1.0.0"), "{}", r[0].1);
        assert_eq!(r[0].2, 1, "the partial flow is related");
    }

    #[test]
    fn failing_deny_names_the_flow() {
        let r = codes_for("expect deny a -> b tcp/502\n");
        assert_eq!(r.len(), 1);
        assert!(
            r[0].1.contains("10.1.0.5") && r[0].1.contains("502"),
            "{}",
            r[0].1
        );
        assert_eq!(r[0].2, 1);
    }
}
