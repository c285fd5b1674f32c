//! The nftables dialect's laws: every ruleset `lower` builds (for the examples and for random
//! policies) and every random ruleset the text form can express reads back equal from its
//! printed text (`parse(print(c)) == c`), and a lowered ruleset, before any printing, accepts
//! exactly the policy's packets on every interface pair.

use fenceline::dialect::nftables::ast::{
    Base, Chain, Counter, Element, Quoted, Remark, Rule, Ruleset, Selector, Set, Stmt, Table, Val,
    Verdict,
};
use fenceline::dialect::nftables::{parse, read, Nftables};
use fenceline::dialect::{ConfigFile, Dialect, EmitContext, EmitOptions, Stamp};
use fenceline::driver::{check_path, check_text, CheckOptions};
use fenceline::model::hash::policy_hash;
use fenceline::model::{DeviceId, Model, Target};
use fenceline::plan::model_to_ir;
use fenceline::synth::{policy, Size};
use fenceline::verify::equiv::{compare_device, policy_pairs};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn opts() -> CheckOptions {
    CheckOptions {
        today: Some("2026-11-25".into()),
        ..Default::default()
    }
}

/// Every nftables device's lowered ruleset.
fn lowered(model: &Model) -> Vec<(DeviceId, Ruleset)> {
    let (ir, _) = model_to_ir(model);
    let stamp = Stamp {
        policy: "p".into(),
        hash: policy_hash(model).unwrap(),
        version: "test",
    };
    let eo = EmitOptions::default();
    let cx = EmitContext {
        model,
        ir: &ir,
        stamp: &stamp,
        options: &eo,
    };
    let mut d = Vec::new();
    ir.devices
        .iter()
        .filter(|dev| dev.targets.contains(&Target::Nftables))
        .map(|dev| (dev.device, Nftables.lower(&cx, dev, &mut d).unwrap()))
        .collect()
}

fn read_back(c: &Ruleset) -> Ruleset {
    let files: Vec<ConfigFile> = Nftables
        .print(c)
        .into_iter()
        .map(|(name, text)| ConfigFile {
            name,
            path: format!("d/{name}"),
            text,
        })
        .collect();
    Nftables.parse(&files).unwrap()
}

fn check_lowered(model: &Model) -> usize {
    let pairs = policy_pairs(model);
    let mut n = 0;
    for (id, c) in lowered(model) {
        assert_eq!(read_back(&c), c, "{}", model.device(id).name);
        let r = compare_device(model, &pairs, id, "nftables", Vec::new(), &c).unwrap();
        assert!(r.equal, "{}: {:#?}", model.device(id).name, r.differences);
        n += 1;
    }
    n
}

#[test]
fn lowered_examples_read_back_equal_and_mean_the_policy() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fence"))
        .collect();
    paths.push("tests/icmp/plant.fence".into());
    // Static 1:1 NAT: `table inet fenceline_nat` (zones, marks, prefix DNAT and SNAT).
    paths.push("tests/nat/linux.fence".into());
    // Zones of several networks: flows naming the zones' sets (`ip saddr @z_ops_v4 ...`).
    paths.push("tests/linux/zone_sets.fence".into());
    let mut n = 0;
    for p in paths {
        let checked = check_path(&p, &opts()).unwrap();
        n += check_lowered(checked.model.as_ref().unwrap());
    }
    assert!(n >= 5, "{n} nftables devices");
}

/// The header, comments, counters and log prefixes come back too, not only the rules.
#[test]
fn everything_printed_is_read_back() {
    let checked = check_path(Path::new("tests/icmp/plant.fence"), &opts()).unwrap();
    let (_, c) = lowered(checked.model.as_ref().unwrap()).remove(0);
    let back = read_back(&c);
    assert_eq!(back.header.len(), 8);
    let t = &back.tables[0];
    assert!(t.replaced);
    assert!(t.sets.iter().all(|s| s.comment.is_some()));
    let forward = t.chains.iter().find(|c| c.name == "forward").unwrap();
    assert!(forward.rules.iter().any(|r| r.stmts.iter().any(
        |s| matches!(s, Stmt::Log { prefix: Some(p), .. } if p.as_str().ends_with(" drop: "))
    )));
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

// ------------------------------------------------------------------ random rulesets

const RESERVED: &[&str] = &[
    "comment", "counter", "vmap", "policy", "hook", "type", "over", "burst", "with",
];

fn word() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9._/:-]{0,8}".prop_filter("keyword", |w| !RESERVED.contains(&w.as_str()))
}

fn ident() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,8}".prop_filter("keyword", |w| !RESERVED.contains(&w.as_str()))
}

fn quoted() -> impl Strategy<Value = Quoted> {
    "[ -!#-\\[\\]-~]{0,20}".prop_map(|s| Quoted::new(s).unwrap())
}

fn atom() -> impl Strategy<Value = Val> {
    prop_oneof![word().prop_map(Val::Atom), "[ -~]{0,10}".prop_map(Val::Str),]
}

fn value() -> impl Strategy<Value = Val> {
    prop_oneof![
        4 => atom(),
        1 => prop::collection::vec(atom(), 2..4).prop_map(Val::Concat),
        1 => prop::collection::vec(
            prop_oneof![atom(), prop::collection::vec(atom(), 2..3).prop_map(Val::Concat)],
            0..4
        )
        .prop_map(Val::Set),
        1 => ident().prop_map(Val::SetRef),
    ]
}

fn selector1() -> impl Strategy<Value = Selector> {
    prop_oneof![
        prop::sample::select(vec!["iifname", "oifname", "iif", "oif", "l4proto", "mark"])
            .prop_map(|k| Selector::Meta(k.into())),
        (
            prop::sample::select(vec!["ip", "ip6", "tcp", "udp", "th", "icmp", "icmpv6"]),
            ident()
        )
            .prop_map(|(p, f)| Selector::Payload(p.into(), f)),
        prop::sample::select(vec![
            "state",
            "mark",
            "status",
            "zone",
            "original ip daddr",
            "original ip6 saddr"
        ])
        .prop_map(|k| Selector::Ct(k.into())),
    ]
}

fn selector() -> impl Strategy<Value = Selector> {
    prop_oneof![
        3 => selector1(),
        1 => prop::collection::vec(selector1(), 2..4).prop_map(Selector::Concat),
    ]
}

fn verdict() -> impl Strategy<Value = Verdict> {
    prop_oneof![
        Just(Verdict::Accept),
        Just(Verdict::Drop),
        Just(Verdict::Return),
        ident().prop_map(Verdict::Jump),
        ident().prop_map(Verdict::Goto),
        Just(Verdict::Reject(Vec::new())),
        ident().prop_map(|w| Verdict::Reject(vec!["tcp".into(), w])),
        (ident(), ident()).prop_map(|(a, b)| Verdict::Reject(vec!["icmp".into(), a, b])),
    ]
}

fn counter() -> impl Strategy<Value = Counter> {
    prop::option::of(any::<(u64, u64)>()).prop_map(Counter)
}

fn stmt() -> impl Strategy<Value = Stmt> {
    let log_option = (
        prop::sample::select(vec![
            "level",
            "group",
            "snaplen",
            "queue-threshold",
            "flags",
        ]),
        word(),
    )
        .prop_map(|(k, v)| (k.to_string(), v));
    prop_oneof![
        4 => (any::<bool>(), selector(), value())
            .prop_map(|(neg, left, right)| Stmt::Match { neg, left, right }),
        2 => verdict().prop_map(Stmt::Verdict),
        1 => (
            selector(),
            prop::collection::vec(
                (prop_oneof![atom(), prop::collection::vec(atom(), 2..3).prop_map(Val::Concat)], verdict()),
                0..3
            )
        )
            .prop_map(|(key, map)| Stmt::Vmap { key, map }),
        1 => counter().prop_map(Stmt::Counter),
        1 => (prop::option::of(quoted()), prop::collection::vec(log_option, 0..3))
            .prop_map(|(prefix, options)| Stmt::Log { prefix, options }),
        1 => (any::<bool>(), word(), prop::option::of((word(), word())))
            .prop_map(|(over, rate, burst)| Stmt::Limit { over, rate, burst }),
        1 => (selector1(), value()).prop_map(|(left, value)| Stmt::Mangle { left, value }),
        1 => (
            prop::sample::select(vec!["dnat", "snat"]),
            prop::sample::select(vec!["ip", "ip6"]),
            atom()
        )
            .prop_map(|(k, f, to)| Stmt::Nat { kind: k.into(), family: f.into(), to }),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::collection::vec(stmt(), 1..4),
        prop::option::of(quoted()),
    )
        .prop_map(|(stmts, comment)| Rule {
            stmts,
            comment,
            origin: Default::default(),
        })
}

fn chain() -> impl Strategy<Value = Chain> {
    let base = (
        prop::option::of(ident()),
        prop::collection::vec(word(), 0..3),
    )
        .prop_map(|(hook, rest)| Base {
            kind: "filter".into(),
            hook,
            rest,
        });
    (
        ident(),
        prop::option::of(base),
        prop::option::of(prop::sample::select(vec!["accept", "drop"])),
        prop::option::of(quoted()),
        prop::collection::vec(rule(), 0..4),
    )
        .prop_map(|(name, base, policy, comment, rules)| Chain {
            name,
            base,
            policy: policy.map(str::to_string),
            comment,
            rules,
            origin: Default::default(),
        })
}

fn element() -> impl Strategy<Value = Element> {
    (
        prop_oneof![
            atom(),
            prop::collection::vec(atom(), 2..4).prop_map(Val::Concat)
        ],
        prop::option::of(counter()),
        prop::option::of(quoted()),
    )
        .prop_map(|(value, counter, comment)| Element {
            value,
            counter,
            comment,
            origin: Default::default(),
        })
}

fn set() -> impl Strategy<Value = Set> {
    let part = prop::collection::vec(ident(), 1..3).prop_map(|w| w.join(" "));
    (
        ident(),
        prop::collection::vec(part, 0..3),
        any::<bool>(),
        prop::collection::vec(ident(), 0..3),
        any::<bool>(),
        prop::option::of(quoted()),
        prop::collection::vec(element(), 0..4),
    )
        .prop_map(
            |(name, kind, typeof_, flags, counter, comment, elements)| Set {
                typeof_: typeof_ && !kind.is_empty(),
                name,
                kind,
                flags,
                counter,
                comment,
                elements,
            },
        )
}

fn table() -> impl Strategy<Value = Table> {
    (
        prop::sample::select(vec!["inet", "ip", "ip6", "netdev", "bridge"]),
        ident(),
        any::<bool>(),
        prop::collection::vec(set(), 0..3),
        prop::collection::vec(chain(), 0..4),
    )
        .prop_map(|(family, name, replaced, mut sets, mut chains)| {
            let mut seen = std::collections::BTreeSet::new();
            sets.retain(|s| seen.insert(s.name.clone()));
            let mut seen = std::collections::BTreeSet::new();
            chains.retain(|c| seen.insert(c.name.clone()));
            Table {
                family: family.into(),
                name,
                replaced,
                sets,
                chains,
            }
        })
}

fn ruleset() -> impl Strategy<Value = Ruleset> {
    (
        prop::collection::vec("[ -~]{0,30}".prop_map(|s| Remark::new(s).unwrap()), 0..3),
        prop::collection::vec(table(), 0..3),
    )
        .prop_map(|(header, mut tables)| {
            let mut seen = std::collections::BTreeSet::new();
            tables.retain(|t| seen.insert((t.family.clone(), t.name.clone())));
            Ruleset {
                file: String::new(),
                header,
                tables,
                derived: Default::default(),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// Every ruleset the text form can express reads back equal from its printed text.
    #[test]
    fn random_rulesets_read_back_equal(c in ruleset()) {
        let text = c.to_string();
        let back = parse::parse_text("r.nft", &text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, c, "{}", text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    /// The rulesets of random policies read back equal and, as lowered, mean the policy.
    #[test]
    fn lowered_random_policies_read_back_equal(size in size()) {
        let checked = check_text("p.fence", Path::new("p.fence"), policy(&size), &opts());
        prop_assert!(!checked.has_errors());
        check_lowered(checked.model.as_ref().unwrap());
    }
}

/// The generated ruleset loaded into a kernel and listed as JSON (`nft -j list ruleset`), in a
/// fresh user and network namespace; `None` when that is not possible here.
fn kernel_json(text: &str) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let f = dir.path().join("r.nft");
    std::fs::write(&f, text).ok()?;
    let out = std::process::Command::new("unshare")
        .args([
            "-rn",
            "sh",
            "-c",
            &format!("nft -f '{}' && nft -j list ruleset", f.display()),
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What a ruleset holds apart from spelling: per set its comment and element comments, per
/// chain its hook, policy and rule comments, in order.
type Outline = (
    Vec<(String, Option<String>, Vec<Option<String>>)>,
    Vec<(String, Option<String>, Option<String>, Vec<Option<String>>)>,
);

fn outline(c: &Ruleset) -> Outline {
    let t = &c.tables[0];
    let text = |q: &Option<Quoted>| q.as_ref().map(|q| q.as_str().to_string());
    let mut sets: Vec<_> = t
        .sets
        .iter()
        .map(|s| {
            let mut els: Vec<_> = s.elements.iter().map(|e| text(&e.comment)).collect();
            els.sort();
            (s.name.clone(), text(&s.comment), els)
        })
        .collect();
    sets.sort();
    let mut chains: Vec<_> = t
        .chains
        .iter()
        .map(|ch| {
            (
                ch.name.clone(),
                ch.base.as_ref().and_then(|b| b.hook.clone()),
                ch.policy.clone(),
                ch.rules.iter().map(|r| text(&r.comment)).collect(),
            )
        })
        .collect();
    chains.sort();
    (sets, chains)
}

/// The kernel's JSON of a generated ruleset reads into the same configuration as its text, up to
/// the kernel's spelling of values: the same sets with the same comments and element comments,
/// the same chains with the same hooks, policies and rules.
#[test]
fn kernel_json_reads_into_the_same_configuration() {
    let checked = check_path(Path::new("tests/icmp/plant.fence"), &opts()).unwrap();
    let (_, c) = lowered(checked.model.as_ref().unwrap()).remove(0);
    let Some(json) = kernel_json(&c.to_string()) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no user and network namespace with nft here"
        );
        eprintln!("skipped: no user and network namespace with nft here");
        return;
    };
    let from_json = read("d/nftables.json", &json).unwrap();
    assert_eq!(from_json.tables.len(), 1);
    assert_eq!(outline(&from_json), outline(&c));
}

/// The kernel's JSON of a translating firewall (`table inet fenceline_nat`: zones, marks, prefix
/// DNAT and SNAT, `ct original ip daddr` in `forward`) reads into a configuration equal to the
/// policy, as its text does.
#[test]
fn kernel_json_of_a_translating_firewall_means_the_policy() {
    let checked = check_path(Path::new("tests/nat/linux.fence"), &opts()).unwrap();
    let model = checked.model.as_ref().unwrap();
    let (id, c) = lowered(model).remove(0);
    let Some(json) = kernel_json(&c.to_string()) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no user and network namespace with nft here"
        );
        eprintln!("skipped: no user and network namespace with nft here");
        return;
    };
    let from_json = read("d/nftables.json", &json).unwrap();
    assert_eq!(from_json.tables.len(), 2);
    let r = compare_device(
        model,
        &policy_pairs(model),
        id,
        "nftables",
        Vec::new(),
        &from_json,
    )
    .unwrap();
    assert!(r.equal, "{:#?}", r.differences);
}

/// `nftables.nft` and `nftables.json` are two forms of one ruleset: when a directory holds both,
/// the generated `.nft` file is read, and it is the only file `verify` names.
#[test]
fn of_both_forms_the_generated_file_is_read_and_named() {
    let checked = check_path(Path::new("tests/icmp/plant.fence"), &opts()).unwrap();
    let model = checked.model.as_ref().unwrap();
    let (id, c) = lowered(model).remove(0);
    let text = c.to_string();
    let dev = model.device(id).name.clone();
    // A JSON file that would read as no table at all.
    let read = |p: &str| {
        if p.ends_with(".nft") {
            Some(text.clone())
        } else if p.ends_with(".json") {
            Some(r#"{"nftables": []}"#.to_string())
        } else {
            None
        }
    };
    let cfg = fenceline::verify::equiv::load(&dev, Target::Nftables, &read)
        .unwrap()
        .unwrap();
    assert_eq!(cfg.files, vec![format!("{dev}/nftables.nft")]);
    let r = compare_device(
        model,
        &policy_pairs(model),
        id,
        "nftables",
        cfg.files.clone(),
        cfg.config.as_ref(),
    )
    .unwrap();
    assert!(r.equal, "{:#?}", r.differences);
}
