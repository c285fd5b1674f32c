//! `fenceline import`: every example's own build output imported onto the example without its
//! conduits comes back as a policy that `verify` proves equal to the same configurations, with
//! the example's flows up to grouping; hand-written configurations (iptables-save with user
//! chains and multiport, nftables with named sets and a verdict map, Cisco IOS with
//! object-groups and numbered ACLs) are imported and proven equal; what no flow can express is
//! reported with a packet and exit 1; an unreadable configuration exits 2.

use fenceline::model::Model;
use fenceline::packet::space::{Cube, Space};
use fenceline::packet::AddrSet;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_fenceline");

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The policy's text without its top-level conduits: the skeleton an engineer starts from.
fn skeleton(text: &str) -> String {
    let file = fenceline::syntax::parse_file(fenceline::source::FileId(0), text).unwrap();
    let mut out = text.to_string();
    let mut spans: Vec<(usize, usize)> = file
        .items
        .iter()
        .filter_map(|i| match i {
            fenceline::syntax::ast::Item::Conduit(c) => {
                Some((c.span.start as usize, c.span.end as usize))
            }
            _ => None,
        })
        .collect();
    spans.sort();
    for (a, b) in spans.into_iter().rev() {
        out.replace_range(a..b, "");
    }
    // A risk's `mitigated-by` may name the conduits just removed: an engineer's skeleton records
    // its mitigations once the conduits exist.
    out.lines()
        .filter(|l| !l.trim_start().starts_with("mitigated-by"))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn resolve(path: &Path) -> Model {
    let checked = fenceline::driver::resolve_loaded(fenceline::syntax::loader::load(path).unwrap());
    assert!(!checked.has_errors(), "{}", path.display());
    checked.model.unwrap()
}

fn end_text(m: &Model, e: fenceline::model::Endpoint) -> String {
    let z = m.zone(e.zone);
    match e.asset {
        Some(a) => format!("{}.{}", z.name, z.assets[a].name),
        None => z.name.clone(),
    }
}

/// Per (source, destination) as written: the protocols and ports its flows allow.
fn flows_by_ends(m: &Model) -> BTreeMap<(String, String), Space<()>> {
    let all = AddrSet::all();
    let mut out: BTreeMap<(String, String), Space<()>> = BTreeMap::new();
    for f in &m.flows {
        let e = out
            .entry((end_text(m, f.src), end_text(m, f.dst)))
            .or_default();
        for s in &f.services {
            for it in &m.service(*s).items {
                // Only the families both ends have.
                let (a, b) = (m.endpoint_addrs(f.src), m.endpoint_addrs(f.dst));
                let fams: Vec<_> = Cube::of_item_all(a, b, it)
                    .iter()
                    .map(|c| c.family)
                    .collect();
                e.extend(
                    Cube::of_item_all(&all, &all, it)
                        .into_iter()
                        .filter(|c| fams.contains(&c.family)),
                    (),
                );
            }
        }
    }
    out
}

fn import(skel: &Path, dir: &Path, out: &Path, report: &Path) -> Output {
    run(&[
        "import".as_ref(),
        skel.as_os_str(),
        dir.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--report".as_ref(),
        report.as_os_str(),
    ])
}

fn verify(policy: &Path, dir: &Path) -> Output {
    run(&["verify".as_ref(), policy.as_os_str(), dir.as_os_str()])
}

#[test]
fn every_example_imports_back_to_its_own_flows() {
    for ex in [
        "north-pipeline",
        "water-treatment",
        "manufacturing",
        "substation",
        "bottling",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let src = PathBuf::from(format!("examples/{ex}.fence"));
        let build = tmp.path().join("build");
        let o = run(&[
            "build".as_ref(),
            src.as_os_str(),
            "-o".as_ref(),
            build.as_os_str(),
        ]);
        assert_eq!(code(&o), 0, "{ex}: {}", String::from_utf8_lossy(&o.stderr));
        let skel = tmp.path().join("skeleton.fence");
        std::fs::write(&skel, skeleton(&std::fs::read_to_string(&src).unwrap())).unwrap();
        let (out, report) = (
            tmp.path().join("imported.fence"),
            tmp.path().join("report.md"),
        );
        let o = import(&skel, &build, &out, &report);
        assert_eq!(code(&o), 0, "{ex}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(std::fs::read_to_string(&report)
            .unwrap()
            .contains("0 findings"));
        let v = verify(&out, &build);
        assert_eq!(code(&v), 0, "{ex}: {}", String::from_utf8_lossy(&v.stdout));
        // The flows, up to grouping: per pair of ends as written, the same protocols and ports.
        let (want, got) = (flows_by_ends(&resolve(&src)), flows_by_ends(&resolve(&out)));
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>(),
            "{ex}: ends of the flows"
        );
        for (k, w) in &want {
            let g = &got[k];
            assert!(
                w.subtract(g).is_empty() && g.subtract(w).is_empty(),
                "{ex}: {k:?}"
            );
        }
        // Deterministic: the same bytes again.
        let again = tmp.path().join("again.fence");
        import(&skel, &build, &again, &report);
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(&again).unwrap(),
            "{ex}"
        );
    }
}

const HAND: &str = "tests/import/handwritten";

#[test]
fn handwritten_configurations_import_and_verify_equal() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, report) = (
        tmp.path().join("imported.fence"),
        tmp.path().join("report.md"),
    );
    let skel = Path::new(HAND).join("skeleton.fence");
    let o = import(&skel, Path::new(HAND), &out, &report);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let v = verify(&out, Path::new(HAND));
    assert_eq!(code(&v), 0, "{}", String::from_utf8_lossy(&v.stdout));
    insta::assert_snapshot!("handwritten", std::fs::read_to_string(&out).unwrap());
}

/// Copies the hand-written configurations into a temporary directory, edited by `edit`.
fn edited(edit: impl Fn(&str, String) -> String) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for f in [
        "fw/nftables.nft",
        "fw/iptables.rules",
        "fw/ip6tables.rules",
        "rtr/cisco-ios.txt",
    ] {
        let to = tmp.path().join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(Path::new(HAND).join(f)).unwrap();
        std::fs::write(to, edit(f, text)).unwrap();
    }
    tmp
}

#[test]
fn what_no_flow_expresses_is_reported_with_a_packet() {
    // iptables lacks the RDP rule nftables has (two forms of one firewall disagree), and
    // nftables lets in a network of no zone.
    let dir = edited(|f, t| {
        match f {
        "fw/iptables.rules" => t.replace(
            "-A ENTERPRISE -s 10.10.0.0/16 -d 10.20.0.20/32 -o eth1 -p tcp -m multiport --dports 3389 -j ACCEPT\n",
            "",
        ),
        "fw/nftables.nft" => t.replace(
            "\tchain from_dmz {\n",
            "\tchain from_dmz {\n\t\toifname \"eth2\" ip saddr 10.20.0.20 ip daddr 192.168.7.7 tcp dport 22 accept\n",
        ),
        _ => t,
    }
    });
    let (out, report) = (
        dir.path().join("imported.fence"),
        dir.path().join("report.md"),
    );
    let skel = Path::new(HAND).join("skeleton.fence");
    let o = import(&skel, dir.path(), &out, &report);
    assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
    let r = std::fs::read_to_string(&report).unwrap();
    assert!(
        r.contains("E0060: `fw` (nftables) allows more from `enterprise` to `dmz`"),
        "{r}"
    );
    assert!(
        r.contains("packet: tcp 10.10.0.0:40000 -> 10.20.0.20:3389"),
        "{r}"
    );
    assert!(
        r.contains(
            "E0058: `fw` (nftables) accepts traffic from eth1 to eth2 with addresses of no zone"
        ),
        "{r}"
    );
    assert!(
        r.contains("packet: tcp 10.20.0.20:40000 -> 192.168.7.7:22"),
        "{r}"
    );
    // Printed as well as written, and the policy is written all the same: what every device
    // allows, nothing widened (the RDP flow is not in it).
    assert!(String::from_utf8_lossy(&o.stderr).contains("E0060"));
    let p = std::fs::read_to_string(&out).unwrap();
    assert!(!p.contains("enterprise -> dmz.jump-host"), "{p}");
    assert!(
        p.contains("enterprise -> dmz.historian-mirror https"),
        "{p}"
    );
}

#[test]
fn an_unreadable_configuration_exits_2_with_file_and_line() {
    let dir = edited(|f, t| match f {
        "fw/iptables.rules" => t.replace("COMMIT", "-A FORWARD -j QUEUE\nCOMMIT"),
        _ => t,
    });
    let (out, report) = (
        dir.path().join("imported.fence"),
        dir.path().join("report.md"),
    );
    let o = import(
        &Path::new(HAND).join("skeleton.fence"),
        dir.path(),
        &out,
        &report,
    );
    assert_eq!(code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("fw/iptables.rules:23"), "{err}");
    assert!(!out.exists());
}

/// A `one-way` flow comes back `one-way`: the configurations built for `tests/oneway/one-way.fence`
/// (the firewall drops the syslog replies in its reply direction, the router has no reply ACE
/// for them) imported onto the skeleton that declares `syslog-udp` one-way use it, and onto the
/// two-way plant's skeleton (its `syslog-udp` two-way) a new `one-way` service; NTP stays
/// two-way. Each imported policy is proven equal, replies compared.
#[test]
fn one_way_flows_are_imported_one_way() {
    let tmp = tempfile::tempdir().unwrap();
    let build = tmp.path().join("build");
    let b = run(&[
        "build".as_ref(),
        "tests/oneway/one-way.fence".as_ref(),
        "-o".as_ref(),
        build.as_os_str(),
    ]);
    assert_eq!(code(&b), 0, "{}", String::from_utf8_lossy(&b.stderr));
    for (policy, want) in [
        (
            "tests/oneway/one-way.fence",
            "allow field.rtus -> control.collector ntp, syslog-udp\n",
        ),
        (
            "tests/oneway/two-way.fence",
            "allow field.rtus -> control.collector ntp, udp-514-one-way\n",
        ),
    ] {
        let skel = tmp.path().join("skeleton.fence");
        std::fs::write(&skel, skeleton(&std::fs::read_to_string(policy).unwrap())).unwrap();
        let (out, report) = (tmp.path().join("out.fence"), tmp.path().join("r.md"));
        let o = import(&skel, &build, &out, &report);
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            code(&o),
            0,
            "{policy}: {}\n{text}",
            std::fs::read_to_string(&report).unwrap_or_default()
        );
        assert!(text.contains(want), "{policy}:\n{text}");
        if policy.ends_with("two-way.fence") {
            assert!(
                text.contains("service udp-514-one-way udp/514 { one-way }"),
                "{text}"
            );
        }
        let v = verify(&out, &build);
        assert_eq!(
            code(&v),
            0,
            "{policy}: {}",
            String::from_utf8_lossy(&v.stdout)
        );
    }
}
