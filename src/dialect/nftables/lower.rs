//! Pass 5, Ir -> the nftables configuration ([`super::ast`]): one `table inet fenceline` per
//! firewall, replaced in one kernel transaction (declare, delete, define; never `flush ruleset`,
//! which would remove other tables such as Docker's or libvirt's). This builds nodes; the text
//! is [`super::print`]'s.
//!
//! Layout, and why:
//! - `forward` (policy drop): island-mode set first (so cutting a zone also cuts its live
//!   sessions), anti-spoofing per ingress interface, `ct direction reply jump one_way` where
//!   the device enforces `one-way` services (the reply direction of their connections, matched
//!   by the rule's pair, addresses and ports reversed, is dropped there), `ct state
//!   established,related accept`,
//!   `ct state invalid drop`, an `iifname . oifname` verdict map to one chain per interface
//!   pair, then a rate-limited log naming the device and a counted drop.
//! - Each pair chain matches new connections against concatenated interval sets
//!   (`ip saddr . ip daddr . meta l4proto . th dport @set`): at most eight rules per pair and
//!   family, whatever the number of flows, so the rule count grows with interface pairs and the
//!   elements with flows. Elements are disjoint (the kernel rejects overlaps) and carry the flow
//!   in their comment and a counter.
//! - Flows with the `log` option go to their own sets, matched first by a rule that logs.
//! - ICMP that conntrack never classifies new (every type but the requests, for flows of the
//!   whole protocol, `icmp`, `icmpv6` or `any`, and single types such as router advertisement)
//!   is invalid or untracked as the first packet of a flow: before `ct state invalid drop`,
//!   such packets go by an `iifname . oifname` verdict map to one chain per interface pair that
//!   matches the pair's sets without a state match, so they pass on that pair between those
//!   addresses only. Replies and errors that answer a connection pass as established/related.
//! - A device that translates a zone (`nat`) gets a second table, `inet fenceline_nat`
//!   ([`crate::dialect::nat`]): conntrack zones and marks before connection tracking, prefix
//!   DNAT and SNAT; its filter is written in the addresses it sees (inside ones on translated
//!   interfaces), and `forward` drops a translated zone's inside address reached directly.
//! - `input` (policy drop): loopback, replies to the firewall's own connections, and ICMPv6
//!   neighbour solicitations and advertisements (hop limit 255, i.e. on-link) so dual stack works
//!   on the firewall's own links. Nothing else reaches the firewall, management included: the
//!   policy does not describe it. `output` is not filtered.

use super::ast::{
    Base, Chain, Counter, Element, Quoted, Remark, Rule, Ruleset, Selector, Set, Stmt, Table, Val,
    Verdict,
};
use crate::diagnostic::{Diagnostic, Subject};
use crate::dialect::linux::{self, Group, Shape, VRRP_PROTOCOL};
use crate::dialect::nat;
use crate::dialect::sanitize::{NFT_COMMENT, NFT_LOG_PREFIX};
use crate::dialect::zone_sets::{self, End, SetRule, ZoneAddrs};
use crate::dialect::{EmitContext, Stamp};
use crate::error::{Error, Result};
use crate::model::{Model, ZoneId};
use crate::packet::Family;
use crate::plan::DeviceIr;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// nft identifiers: short enough for old kernels (32 bytes with the terminator).
const MAX_NAME: usize = 31;
/// Longest pair chain name, leaving room for set suffixes (`_ports_v4_log`).
const MAX_PAIR: usize = MAX_NAME - 13;

/// A name of at most [`MAX_NAME`] bytes: as is, or cut with a hash suffix that keeps it unique.
fn bounded(name: &str) -> String {
    if name.len() <= MAX_NAME {
        return name.to_string();
    }
    let h = hex::encode(&Sha256::digest(name.as_bytes())[..4]);
    format!("{}_{h}", &name[..MAX_NAME - 9])
}

fn addr_kind(fam: Family) -> &'static str {
    match fam {
        Family::V4 => "ipv4_addr",
        Family::V6 => "ipv6_addr",
    }
}

fn ip(fam: Family) -> &'static str {
    match fam {
        Family::V4 => "ip",
        Family::V6 => "ip6",
    }
}

fn payload(p: &str, field: &str) -> Selector {
    Selector::Payload(p.into(), field.into())
}

fn meta(k: &str) -> Selector {
    Selector::Meta(k.into())
}

fn atom(s: impl Into<String>) -> Val {
    Val::Atom(s.into())
}

fn atoms(words: &[&str]) -> Val {
    Val::Set(words.iter().map(|w| atom(*w)).collect())
}

/// `SELECTOR VALUE`
fn is(left: Selector, right: Val) -> Stmt {
    Stmt::Match {
        neg: false,
        left,
        right,
    }
}

fn ct_state(states: &[&str]) -> Stmt {
    let right = match states {
        [one] => atom(*one),
        many => atoms(many),
    };
    is(Selector::Ct("state".into()), right)
}

fn rule(mut stmts: Vec<Stmt>, comment: Option<Quoted>) -> Rule {
    // Built by pushes: a million rules would keep a quarter of their statements' room unused.
    stmts.shrink_to_fit();
    Rule {
        stmts,
        comment,
        origin: Default::default(),
    }
}

/// Sanitised text in quotes. The sanitiser already removed what [`Quoted`] refuses; a refusal
/// here is a bug, reported rather than written.
fn quoted(text: String) -> Result<Quoted> {
    Quoted::new(text.as_str())
        .ok_or_else(|| Error::Other(format!("internal: unsafe nftables string {text:?}")))
}

/// Selector and set type of a group.
fn shape_key(fam: Family, shape: Shape) -> (Selector, Vec<String>) {
    let t = addr_kind(fam).to_string();
    let mut key = vec![payload(ip(fam), "saddr"), payload(ip(fam), "daddr")];
    let mut kind = vec![t.clone(), t];
    let (sel, ty) = match (shape, fam) {
        (Shape::Ports, _) => {
            key.push(meta("l4proto"));
            kind.push("inet_proto".into());
            (payload("th", "dport"), "inet_service")
        }
        (Shape::IcmpType, Family::V4) => (payload("icmp", "type"), "icmp_type"),
        (Shape::IcmpType, Family::V6) => (payload("icmpv6", "type"), "icmpv6_type"),
        (Shape::Proto, _) => (meta("l4proto"), "inet_proto"),
        (Shape::Any, _) => return (Selector::Concat(key), kind),
    };
    key.push(sel);
    kind.push(ty.into());
    (Selector::Concat(key), kind)
}

fn element_value(fam: Family, shape: Shape, e: &linux::Element) -> Val {
    let mut parts = vec![
        atom(linux::interval_text(fam, e.src)),
        atom(linux::interval_text(fam, e.dst)),
    ];
    match shape {
        Shape::Ports => {
            parts.push(atom(if e.proto == 6 { "tcp" } else { "udp" }));
            parts.push(atom(if e.lo == e.hi {
                e.lo.to_string()
            } else {
                format!("{}-{}", e.lo, e.hi)
            }));
        }
        Shape::IcmpType => parts.push(atom(e.lo.to_string())),
        Shape::Proto => parts.push(atom(e.proto.to_string())),
        Shape::Any => {}
    }
    Val::Concat(parts)
}

fn shape_words(shape: Shape) -> &'static str {
    match shape {
        Shape::Ports => "tcp/udp ports",
        Shape::IcmpType => "icmp types",
        Shape::Proto => "ip protocols",
        Shape::Any => "every protocol",
    }
}

fn set(name: String, kind: Vec<String>, counter: bool, comment: Quoted) -> Set {
    Set {
        name,
        kind,
        typeof_: false,
        flags: vec!["interval".into()],
        counter,
        comment: Some(comment),
        elements: Vec::new(),
    }
}

fn chain(name: String, comment: Quoted, rules: Vec<Rule>) -> Chain {
    Chain {
        name,
        comment: Some(comment),
        rules,
        ..Chain::default()
    }
}

/// A base chain of the `filter` type, `policy drop`.
fn base_chain(hook: &str, rules: Vec<Rule>) -> Chain {
    Chain {
        name: hook.into(),
        base: Some(Base {
            kind: "filter".into(),
            hook: Some(hook.into()),
            rest: vec!["priority".into(), "filter".into()],
        }),
        policy: Some("drop".into()),
        comment: None,
        rules,
        origin: Default::default(),
    }
}

/// `"a" . "b" : jump c` entries of an interface-pair verdict map (`keys` `iifname`,
/// `oifname`), or `"a" : jump c` of a one-interface map.
fn iface_map(keys: &[&str], entries: &[MapEntry]) -> Stmt {
    let key = match keys {
        [one] => meta(one),
        many => Selector::Concat(many.iter().map(|k| meta(k)).collect()),
    };
    Stmt::Vmap {
        key,
        map: entries
            .iter()
            .map(|(names, c)| {
                let v = match names.as_slice() {
                    [one] => Val::Str(one.clone()),
                    many => Val::Concat(many.iter().map(|n| Val::Str(n.clone())).collect()),
                };
                (v, Verdict::Jump(c.clone()))
            })
            .collect(),
    }
}

fn pair_map(pairs: &[MapEntry]) -> Stmt {
    iface_map(&["iifname", "oifname"], pairs)
}

/// `limit rate 10/second burst 20 packets log prefix "..." level info`
fn rate_limited_log(prefix: Quoted) -> Vec<Stmt> {
    vec![
        Stmt::Limit {
            over: false,
            rate: "10/second".into(),
            burst: Some(("20".into(), "packets".into())),
        },
        log(prefix),
    ]
}

fn log(prefix: Quoted) -> Stmt {
    Stmt::Log {
        prefix: Some(prefix),
        options: vec![("level".into(), "info".into())],
    }
}

fn counted(v: Verdict) -> [Stmt; 2] {
    [Stmt::Counter(Counter(None)), Stmt::Verdict(v)]
}

/// The header line that names the device (and, for a node of a cluster, its cluster).
fn device_line(device: &str, cluster: Option<&str>) -> String {
    let who = match cluster {
        Some(c) => format!("{device}, node of cluster {c}"),
        None => device.to_string(),
    };
    format!("Device {who}: nftables ruleset, generated; change the policy, not this file.")
}

/// The ruleset of `node`, a node of the cluster `dev`: the same tables, the header naming the
/// node. The nodes' files differ in that line only.
pub fn name_node(rs: &mut Ruleset, dev: &DeviceIr, node: &str) {
    if let (Some(line), Some(r)) = (
        rs.header.get_mut(1),
        Remark::new(device_line(node, Some(&dev.name))),
    ) {
        *line = r;
    }
    rs.file = format!("{node}/nftables.nft");
}

/// The header lines: what the file is and how it is loaded.
fn header(stamp: &Stamp, device: &str, sync: bool, nat: bool) -> Result<Vec<Remark>> {
    let mut lines = vec![
        format!(
            "fenceline {}: policy \"{}\" sha256 {}",
            stamp.version, stamp.policy, stamp.hash
        ),
        device_line(device, None),
        "Load with `nft -f nftables.nft`: one transaction that replaces only `table inet fenceline`.".into(),
        "Forward: policy drop; island set, anti-spoofing, conntrack, one chain per interface pair.".into(),
        "Input: policy drop except loopback, replies, ICMPv6 neighbour discovery and the `-> self` flows.".into(),
        "Output: policy drop except loopback, replies, neighbour discovery and the `self ->` flows.".into(),
        "Island mode (SR 5.2 RE2): `nft add element inet fenceline island { \"eth0\" }` cuts that link,".into(),
        "live sessions included.".into(),
    ];
    if sync {
        lines.push(
            "Cluster sync: VRRP and conntrackd between the nodes on the sync interface only."
                .into(),
        );
    }
    if nat {
        lines[2] = "Load with `nft -f nftables.nft` after `ip -batch iproute2.batch`: one transaction that replaces".into();
        lines.insert(
            3,
            "only `table inet fenceline` and `table inet fenceline_nat` (static 1:1 NAT, conntrack zones, marks).".into(),
        );
    }
    lines
        .into_iter()
        .map(|l| {
            Remark::new(l.as_str()).ok_or_else(|| {
                Error::Other(format!(
                    "refusing to write a control character into a configuration: {l:?}"
                ))
            })
        })
        .collect()
}

/// Object names of one device, each used once.
struct Names<'a> {
    taken: BTreeSet<String>,
    device: &'a str,
}

impl Names<'_> {
    fn unique(&mut self, n: String) -> Result<String> {
        if self.taken.insert(n.clone()) {
            Ok(n)
        } else {
            Err(Error::Other(format!(
                "two nftables objects of device `{}` would be named `{n}`",
                self.device
            )))
        }
    }
}

/// `([ingress, egress], chain)` of an interface-pair verdict map, `([interface], chain)` of a
/// one-interface map.
type MapEntry = (Vec<String>, String);
/// `"eth0" : jump as_eth0`
type VmapEntry = (Val, Verdict);

/// The firewall's configuration: every decision was taken by planning, this only builds the
/// nodes.
pub fn lower(cx: &EmitContext, dev: &DeviceIr, diags: &mut Vec<Diagnostic>) -> Result<Ruleset> {
    linux::warn_policy_name(cx, diags);
    let model = cx.model;
    // The combinations it cannot translate are errors at the device; the configuration is
    // lowered all the same and never written.
    diags.extend(nat::refusals(cx, dev, "nftables"));
    // The filter sees the inside addresses of translated interfaces.
    let dev = &*nat::wire_view(dev);
    for i in &dev.interfaces {
        linux::check_ifname(&i.name)?;
    }
    let mut names = Names {
        taken: BTreeSet::new(),
        device: &dev.name,
    };
    let mut sets = vec![Set {
        name: "island".into(),
        kind: vec!["ifname".into()],
        typeof_: false,
        flags: Vec::new(),
        counter: false,
        comment: Some(quoted(
            "island mode: interfaces cut off at runtime, established sessions included".into(),
        )?),
        elements: Vec::new(),
    }];
    let zones = zone_sets(model, dev, &mut names, &mut sets, diags)?;
    let (mut chains, spoof) = spoof_chains(dev, &zones.names, &mut names, diags)?;
    let accept_prefix = quoted(linux::log_prefix(
        model,
        dev,
        " accept: ",
        NFT_LOG_PREFIX,
        diags,
    ))?;
    let mut assets = AssetSets::new();
    let pairs = pair_chains(
        model,
        dev,
        (&zones, &mut assets),
        &accept_prefix,
        &mut names,
        diags,
    )?;
    let mut parts: Vec<(Vec<MapEntry>, Vec<MapEntry>)> = Vec::new();
    let drop_prefix = quoted(linux::log_prefix(
        model,
        dev,
        " drop: ",
        NFT_LOG_PREFIX,
        diags,
    ))?;
    let input_drop_prefix = quoted(linux::log_prefix(
        model,
        dev,
        " input drop: ",
        NFT_LOG_PREFIX,
        diags,
    ))?;
    let output_drop_prefix = quoted(linux::log_prefix(
        model,
        dev,
        " output drop: ",
        NFT_LOG_PREFIX,
        diags,
    ))?;
    let inbound = local_chains(
        model,
        dev,
        true,
        (&zones, &mut assets),
        &accept_prefix,
        &mut names,
        diags,
    )?;
    let outbound = local_chains(
        model,
        dev,
        false,
        (&zones, &mut assets),
        &accept_prefix,
        &mut names,
        diags,
    )?;
    let sync = dev
        .sync
        .as_ref()
        .map(|s| {
            dev.interfaces
                .get(s.interface)
                .map(|i| (i.name.as_str(), &s.peers))
                .ok_or_else(|| {
                    Error::Other(format!("internal: no sync interface on `{}`", dev.name))
                })
        })
        .transpose()?;
    for part in [pairs, inbound, outbound] {
        sets.extend(part.sets);
        chains.extend(part.chains);
        chains.extend(part.untracked);
        parts.push((part.entries, part.untracked_entries));
    }
    let one_way = one_way_chain(dev, &mut names, diags)?;
    let reply_drop = one_way.as_ref().map(|c| c.name.clone());
    chains.extend(one_way);
    let direct = direct_inside_drops(dev, diags)?;
    chains.push(forward(
        spoof,
        &parts[0].1,
        &parts[0].0,
        (reply_drop, direct),
        drop_prefix,
    ));
    let mut local_drops = Vec::new();
    for (to_device, name) in [(true, "one_way_in"), (false, "one_way_out")] {
        let c = one_way_chain_of(
            linux::local_one_way_drops(dev, to_device),
            name,
            &mut names,
            diags,
        )?;
        local_drops.push(c.as_ref().map(|c| c.name.clone()));
        chains.extend(c);
    }
    chains.push(local_base(
        true,
        &parts[1],
        sync,
        local_drops[0].take(),
        input_drop_prefix,
    )?);
    chains.push(local_base(
        false,
        &parts[2],
        sync,
        local_drops[1].take(),
        output_drop_prefix,
    )?);

    let mut tables = vec![Table {
        family: "inet".into(),
        name: "fenceline".into(),
        replaced: true,
        sets,
        chains,
    }];
    tables.extend(nat_table(dev));
    Ok(Ruleset {
        file: format!("{}/nftables.nft", dev.name),
        header: header(cx.stamp, &dev.name, sync.is_some(), tables.len() > 1)?,
        tables,
        derived: Default::default(),
    })
}

/// The zone sets of a device: each one's name and addresses per family.
struct ZoneSets {
    names: BTreeMap<(ZoneId, Family), String>,
    addrs: ZoneAddrs,
}

/// The sets of assets that flows name ([`End::Asset`]), by (zone, asset, family), defined where
/// a rule first names them.
type AssetSets = BTreeMap<(ZoneId, usize, Family), String>;

/// Zone sets: every zone behind one of the interfaces, one set per family. The anti-spoofing
/// chains match them, and so do the rules of flows between whole zones of several networks
/// ([`zone_sets`](crate::dialect::zone_sets)).
fn zone_sets(
    model: &Model,
    dev: &DeviceIr,
    names: &mut Names,
    sets: &mut Vec<Set>,
    diags: &mut Vec<Diagnostic>,
) -> Result<ZoneSets> {
    let mut zones: Vec<_> = dev
        .interfaces
        .iter()
        .flat_map(|i| i.behind_zones.iter().copied())
        .collect();
    zones.sort();
    zones.dedup();
    let mut zone_set_name = BTreeMap::new();
    let mut zone_addrs = ZoneAddrs::new();
    for z in zones {
        let zone = model.zone(z);
        // A zone this device translates is on its interface's wire at its inside addresses.
        let addrs = match dev
            .interfaces
            .iter()
            .find(|i| i.zone == z && !i.nat.is_empty())
        {
            Some(i) => nat::to_inside(&i.nat, &zone.addrs),
            None => zone.addrs.clone(),
        };
        for fam in Family::BOTH {
            let ivs: Vec<(u128, u128)> = match fam {
                Family::V4 => addrs
                    .v4
                    .iter()
                    .map(|&(a, b)| (a as u128, b as u128))
                    .collect(),
                Family::V6 => addrs.v6.clone(),
            };
            if ivs.is_empty() {
                continue;
            }
            let name = names.unique(bounded(&format!(
                "z_{}_{}",
                linux::slug(&zone.name),
                fam.suffix()
            )))?;
            let mut text = format!("zone {}", zone.name);
            if let Some(d) = &zone.description {
                text = format!("{text}: {d}");
            }
            let comment = linux::clean_warn(
                &text,
                NFT_COMMENT,
                Some((model.spans.zone(z), Subject::Zone(z))),
                "a zone's description",
                diags,
            );
            zone_set_name.insert((z, fam), name.clone());
            zone_addrs.insert((z, fam), ivs.clone());
            let mut s = set(name, vec![addr_kind(fam).into()], false, quoted(comment)?);
            s.elements = ivs
                .iter()
                .map(|&iv| Element {
                    value: atom(linux::interval_text(fam, iv)),
                    counter: None,
                    comment: None,
                    origin: Default::default(),
                })
                .collect();
            sets.push(s);
        }
    }
    Ok(ZoneSets {
        names: zone_set_name,
        addrs: zone_addrs,
    })
}

/// One anti-spoofing chain per interface (sources behind it return, the rest is counted and
/// dropped), and the `iifname` verdict map entries that jump to them.
fn spoof_chains(
    dev: &DeviceIr,
    zone_set_name: &BTreeMap<(ZoneId, Family), String>,
    names: &mut Names,
    diags: &mut Vec<Diagnostic>,
) -> Result<(Vec<Chain>, Vec<VmapEntry>)> {
    let mut chains = Vec::new();
    let mut spoof = Vec::new();
    for i in &dev.interfaces {
        let name = names.unique(bounded(&format!("as_{}", linux::slug(&i.name))))?;
        let mut rules = Vec::new();
        for fam in Family::BOTH {
            for z in &i.behind_zones {
                if let Some(set) = zone_set_name.get(&(*z, fam)) {
                    rules.push(rule(
                        vec![
                            is(payload(ip(fam), "saddr"), Val::SetRef(set.clone())),
                            Stmt::Verdict(Verdict::Return),
                        ],
                        None,
                    ));
                }
            }
        }
        rules.push(rule(counted(Verdict::Drop).into(), None));
        let comment = linux::clean_warn(
            &format!(
                "anti-spoofing: source not behind {} ({})",
                i.name, i.zone_name
            ),
            NFT_COMMENT,
            None,
            "an anti-spoofing comment",
            diags,
        );
        spoof.push((Val::Str(i.name.clone()), Verdict::Jump(name.clone())));
        chains.push(chain(name, quoted(comment)?, rules));
    }
    Ok((chains, spoof))
}

/// The set chains of one kind (interface pairs, or one direction of the device's own traffic),
/// and the verdict map entries that reach them.
#[derive(Default)]
struct SetChains {
    sets: Vec<Set>,
    chains: Vec<Chain>,
    /// Chains for the ICMP conntrack never calls new, reached before the invalid drop.
    untracked: Vec<Chain>,
    entries: Vec<MapEntry>,
    untracked_entries: Vec<MapEntry>,
}

/// One chain of set matches to build: an interface pair's, or one interface's traffic to or
/// from the device itself.
struct Slot<'a> {
    /// The interface names its verdict map entry matches (`iifname . oifname`, or one of them).
    key: Vec<String>,
    chain: String,
    untracked_chain: String,
    /// `eth0 -> eth1`: the start of each set's comment.
    what: String,
    /// The chain's comment, already clean.
    comment: String,
    rules: &'a [crate::plan::RuleIr],
}

/// The sets and chains of `slots`: per slot, one set per (family, shape, logged) group of
/// disjoint elements, matched with `ct state new` (and, for ICMP conntrack never calls new,
/// without a state match in the slot's untracked chain).
fn set_chains(
    model: &Model,
    slots: Vec<Slot>,
    (zones, assets): (&ZoneSets, &mut AssetSets),
    accept_prefix: &Quoted,
    names: &mut Names,
    mut flow_sets: Option<FlowSets>,
    diags: &mut Vec<Diagnostic>,
) -> Result<SetChains> {
    let mut out = SetChains::default();
    for slot in slots {
        let cname = names.unique(slot.chain)?;
        let mut rules = Vec::new();
        let mut urules = Vec::new();
        let split = zone_sets::split(model, slot.rules, &zones.addrs);
        for g in linux::pair_groups(slot.rules, &|i, fam| split.taken(i, fam)) {
            let Group {
                family,
                shape,
                log: logged,
                elements,
            } = g;
            let set_name = names.unique(format!(
                "{cname}_{}_{}{}",
                shape.name(),
                family.suffix(),
                if logged { "_log" } else { "" }
            ))?;
            let (key, kind) = shape_key(family, shape);
            let what = format!("{}: {} {}", slot.what, shape_words(shape), family.suffix());
            let mut els = Vec::new();
            for e in &elements {
                let c =
                    linux::rule_comment(model, &slot.rules[e.rule], e.merged, NFT_COMMENT, diags);
                els.push(Element {
                    value: element_value(family, shape, e),
                    counter: None,
                    comment: Some(quoted(c)?),
                    origin: Default::default(),
                });
            }
            let comment = quoted(linux::clean_warn(
                &what,
                NFT_COMMENT,
                None,
                "a rule comment",
                diags,
            ))?;
            let mut s = set(set_name.clone(), kind, true, comment.clone());
            s.elements = els;
            out.sets.push(s);
            // `KEY @SET [ct state new] [log ...] counter accept comment "..."`
            let stmts = |new: bool| {
                let mut st = vec![is(key.clone(), Val::SetRef(set_name.clone()))];
                if new {
                    st.push(ct_state(&["new"]));
                }
                if logged {
                    st.push(log(accept_prefix.clone()));
                }
                st.extend(counted(Verdict::Accept));
                st
            };
            if elements
                .iter()
                .any(|e| !linux::untracked_protos(shape, family, e).is_empty())
            {
                urules.push(rule(stmts(false), Some(comment.clone())));
            }
            rules.push(rule(stmts(true), Some(comment)));
        }
        // IPv4 rules, then IPv6 ones, each family in the flows' order: the families' packets
        // are disjoint, so this changes no decision, and it keeps the rules of one zone pair
        // in a row for [`factor_runs`].
        let mut by_family: Vec<&SetRule> = split.rules.iter().collect();
        by_family.sort_by_key(|sr| sr.family == Family::V6);
        for sr in by_family {
            for end in [&sr.src, &sr.dst] {
                if let End::Asset(z, a, ivs) = end {
                    out.sets.extend(asset_set(
                        model,
                        (*z, *a, sr.family),
                        ivs,
                        assets,
                        names,
                        diags,
                    )?);
                }
            }
            let c = linux::rule_comment(model, &slot.rules[sr.rule], 0, NFT_COMMENT, diags);
            let comment = quoted(c)?;
            if sr.untracked() {
                urules.push(rule(
                    set_rule(sr, (&zones.names, assets), false, accept_prefix)?,
                    Some(comment.clone()),
                ));
            }
            rules.push(rule(
                set_rule(sr, (&zones.names, assets), true, accept_prefix)?,
                Some(comment),
            ));
        }
        if !urules.is_empty() {
            let uname = names.unique(slot.untracked_chain)?;
            let ucomment = linux::clean_warn(
                &format!("{}: ICMP that conntrack never tracks as new", slot.comment),
                NFT_COMMENT,
                None,
                "a chain comment",
                diags,
            );
            out.untracked_entries
                .push((slot.key.clone(), uname.clone()));
            out.untracked.push(chain(uname, quoted(ucomment)?, urules));
        }
        let flows = match (&slot.key[..], flow_sets.as_mut()) {
            ([iin, iout], Some(f)) => Some(((iin.as_str(), iout.as_str()), f)),
            _ => None,
        };
        let (rules, runs) = factor_runs(&cname, &slot.comment, rules, names, flows)?;
        out.chains.extend(runs);
        out.entries.push((slot.key, cname.clone()));
        out.chains.push(chain(cname, quoted(slot.comment)?, rules));
    }
    if let Some(f) = flow_sets {
        out.sets.extend(f.into_sets()?);
    }
    Ok(out)
}

/// Fewest rules in a row that [`factor_runs`] moves into a chain of their own.
const FACTOR_RUN: usize = 3;

/// The two address matches and the state match that [`factor_runs`] takes out of a rule:
/// `ip saddr X ip daddr Y ... ct state new ... accept`, both addresses positive matches of one
/// family.
fn shared_head<'r>(r: &'r Rule, new: &Stmt) -> Option<(&'r Stmt, &'r Stmt)> {
    match r.stmts.as_slice() {
        [src @ Stmt::Match {
            neg: false,
            left: Selector::Payload(p, f),
            ..
        }, dst @ Stmt::Match {
            neg: false,
            left: Selector::Payload(q, g),
            ..
        }, rest @ ..]
            if p == q
                && matches!(p.as_str(), "ip" | "ip6")
                && f == "saddr"
                && g == "daddr"
                && rest.contains(new)
                && matches!(rest.last(), Some(Stmt::Verdict(Verdict::Accept))) =>
        {
            Some((src, dst))
        }
        _ => None,
    }
}

/// The transport protocol of a run's rules, once [`factor_runs`] took their addresses and state
/// out, when it can move into the jump: every rule matches its ports as `tcp dport 502` (or
/// `sport`), all in one protocol, tcp or udp, and holds nothing else but a log, a counter and
/// its verdict. Each such match is nft's `meta l4proto tcp` then `th dport 502` (`nft
/// --debug=netlink`), so with `meta l4proto tcp` in the jump the rules behind it say the same
/// as `th dport 502`. A rule of no port, of ICMP, of a `meta l4proto . th dport` set, or a run
/// that mixes tcp and udp: `None`, the run stays as it is.
fn run_protocol(body: &[Rule]) -> Option<&str> {
    let mut proto = None;
    for r in body {
        let mut ports = false;
        for st in &r.stmts {
            match st {
                Stmt::Match {
                    neg: false,
                    left: Selector::Payload(p, f),
                    ..
                } if matches!(p.as_str(), "tcp" | "udp")
                    && matches!(f.as_str(), "dport" | "sport") =>
                {
                    if proto.is_some_and(|q| q != p.as_str()) {
                        return None;
                    }
                    proto = Some(p.as_str());
                    ports = true;
                }
                Stmt::Counter(_) | Stmt::Log { .. } | Stmt::Verdict(_) => {}
                _ => return None,
            }
        }
        if !ports {
            return None;
        }
    }
    proto
}

/// Fewest planned rules on a device's interface pairs from which the device's shared jumps
/// accept through [`FlowSets`]: a plant's firewall of some hundred flows keeps one rule per flow
/// in its jump chains; a central firewall of 100,000 flows is loaded (`nft -f`) in two thirds of
/// the time (docs/performance.md).
pub const FLOW_SET_MIN_RULES: usize = 2_000;

/// The flows behind the device's shared jumps, one set per family and transport protocol keyed
/// by interface pair and port: `set flows_tcp_v4 { type ifname . ifname . inet_service; counter;
/// elements = { "eth0" . "eth1" . 502 comment "..." } }`, matched by the jump itself (`ip saddr
/// @z_a_v4 ip daddr @z_b_v4 meta l4proto tcp ct state new iifname . oifname . th dport
/// @flows_tcp_v4 accept`) in place of a chain of one rule per flow. Each element is one flow's
/// port with its comment and its own counter, as its rule had. The key names no address: a
/// pair's packets reach the lookup only through their jump's address matches, so each pair puts
/// one run per family and protocol in a set ([`factor_runs`]) and keeps its other runs as
/// chains.
#[derive(Default)]
struct FlowSets {
    /// (family, protocol): the set's name and its elements.
    by: BTreeMap<(Family, String), (String, Vec<Element>)>,
}

impl FlowSets {
    /// Adds a run's ports for one interface pair; the name of the set they went into.
    fn add(
        &mut self,
        fam: Family,
        proto: &str,
        (iin, iout): (&str, &str),
        ports: Vec<(String, Option<Quoted>)>,
        names: &mut Names,
    ) -> Result<String> {
        let entry = match self.by.entry((fam, proto.to_string())) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let name = names.unique(format!("flows_{proto}_{}", fam.suffix()))?;
                e.insert((name, Vec::new()))
            }
        };
        entry
            .1
            .extend(ports.into_iter().map(|(port, comment)| Element {
                value: Val::Concat(vec![
                    Val::Str(iin.to_string()),
                    Val::Str(iout.to_string()),
                    atom(port),
                ]),
                counter: None,
                comment,
                origin: Default::default(),
            }));
        Ok(entry.0.clone())
    }

    fn into_sets(self) -> Result<Vec<Set>> {
        self.by
            .into_iter()
            .map(|((fam, proto), (name, elements))| {
                let text = format!(
                    "{proto} flows, {}, behind the pairs' address matches: interface pair and port, one element a flow",
                    match fam {
                        Family::V4 => "IPv4",
                        Family::V6 => "IPv6",
                    }
                );
                Ok(Set {
                    name,
                    kind: vec!["ifname".into(), "ifname".into(), "inet_service".into()],
                    typeof_: false,
                    flags: Vec::new(),
                    counter: true,
                    comment: Some(quoted(text)?),
                    elements,
                })
            })
            .collect()
    }
}

/// Whether a run can go into a flow set: every rule is `th dport PORT counter accept` (one
/// port, no log, no other match; [`run_protocol`] already moved the protocol into the jump), no
/// port twice.
fn flow_ports_fit(body: &[Rule]) -> bool {
    let mut seen = BTreeSet::new();
    body.iter().all(|r| match r.stmts.as_slice() {
        [Stmt::Match {
            neg: false,
            left: Selector::Payload(p, f),
            right: Val::Atom(port),
        }, Stmt::Counter(Counter(None)), Stmt::Verdict(Verdict::Accept)] => {
            matches!(p.as_str(), "tcp" | "udp" | "th")
                && f == "dport"
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && seen.insert(port.as_str())
        }
        _ => false,
    })
}

/// The ports and comments of a body [`flow_ports_fit`] took, moved out of its rules.
fn take_flow_ports(body: Vec<Rule>) -> Vec<(String, Option<Quoted>)> {
    body.into_iter()
        .filter_map(|mut r| match r.stmts.first_mut() {
            Some(Stmt::Match {
                right: Val::Atom(port),
                ..
            }) => Some((std::mem::take(port), r.comment.take())),
            _ => None,
        })
        .collect()
}

/// Rules in a row of one chain that match the same source and destination (a zone's set, an
/// asset's, or the same networks inline) and `ct state new`, at least [`FACTOR_RUN`] of them:
/// replaced by one rule that matches those once and jumps to a chain `f_<chain>_<n>` of the
/// rules without them (`ip saddr @z_a_v4 ip daddr @z_b_v4 ct state new jump f_p_eth0_eth1_1`).
/// A packet that matches the jump meets the same rules in the same order; one that does not
/// would have matched none of them; the chain's end returns to the rule after the jump. The
/// kernel reads the addresses once per packet instead of once per rule, and `nft -f` of one
/// firewall of 100,000 flows takes 2.6 s instead of 4.7 s (docs/performance.md). Every sub-rule
/// keeps its comment and its counter.
///
/// When every rule of the run matches ports of one protocol ([`run_protocol`]), the protocol
/// moves into the jump too (`ip saddr @z_a_v4 ip daddr @z_b_v4 meta l4proto tcp ct state new
/// jump ...`) and the rules behind it match `th dport 502`: the kernel tests the protocol once
/// per packet instead of once per rule, and `nft -c -f` of the 100,000-flow firewall is 14%
/// faster (paired runs). A bare `th` match is read only where nothing but tcp and udp reaches it
/// (docs/verify.md).
fn factor_runs(
    cname: &str,
    comment: &str,
    rules: Vec<Rule>,
    names: &mut Names,
    mut flows: Option<((&str, &str), &mut FlowSets)>,
) -> Result<(Vec<Rule>, Vec<Chain>)> {
    let new = ct_state(&["new"]);
    // The (family, protocol) runs of this pair whose rules went into the device's flow sets:
    // one run each, since the set's key names the pair and the port, not the addresses.
    let mut in_flow_sets: BTreeSet<(Family, String)> = BTreeSet::new();
    let mut out = Vec::with_capacity(rules.len());
    let mut chains = Vec::new();
    let mut rules = rules.into_iter().peekable();
    while let Some(first) = rules.next() {
        let Some((src, dst)) = shared_head(&first, &new).map(|(s, d)| (s.clone(), d.clone()))
        else {
            out.push(first);
            continue;
        };
        let mut run = vec![first];
        while let Some(r) =
            rules.next_if(|r| shared_head(r, &new).is_some_and(|(s, d)| *s == src && *d == dst))
        {
            run.push(r);
        }
        if run.len() < FACTOR_RUN {
            out.extend(run);
            continue;
        }
        let text = format!(
            "{comment}: {} rules of one source and destination",
            run.len()
        );
        let mut body: Vec<Rule> = run
            .into_iter()
            .map(|mut r| {
                r.stmts.drain(..2);
                r.stmts.retain(|s| *s != new);
                r
            })
            .collect();
        let mut jump = vec![src, dst];
        let proto = run_protocol(&body).map(str::to_string);
        if let (Some(p), Some(((iin, iout), sets))) = (&proto, flows.as_mut()) {
            let fam = match &jump[0] {
                Stmt::Match {
                    left: Selector::Payload(f, _),
                    ..
                } if f == "ip6" => Family::V6,
                _ => Family::V4,
            };
            if flow_ports_fit(&body) && in_flow_sets.insert((fam, p.clone())) {
                let ports = take_flow_ports(body);
                let set = sets.add(fam, p, (iin, iout), ports, names)?;
                jump.extend([
                    is(meta("l4proto"), atom(p.as_str())),
                    new.clone(),
                    is(
                        Selector::Concat(vec![
                            meta("iifname"),
                            meta("oifname"),
                            payload("th", "dport"),
                        ]),
                        Val::SetRef(set),
                    ),
                    Stmt::Verdict(Verdict::Accept),
                ]);
                out.push(rule(jump, None));
                continue;
            }
        }
        let name = names.unique(format!("f_{cname}_{}", chains.len() + 1))?;
        if let Some(p) = proto {
            jump.push(is(meta("l4proto"), atom(p)));
            for st in body.iter_mut().flat_map(|r| r.stmts.iter_mut()) {
                if let Stmt::Match {
                    left: Selector::Payload(p, _),
                    ..
                } = st
                {
                    "th".clone_into(p);
                }
            }
        }
        jump.extend([new.clone(), Stmt::Verdict(Verdict::Jump(name.clone()))]);
        out.push(rule(jump, None));
        let text = crate::dialect::sanitize::clean(&text, NFT_COMMENT).text;
        for r in &mut body {
            r.stmts.shrink_to_fit();
        }
        chains.push(chain(name, quoted(text)?, body));
    }
    Ok((out, chains))
}

/// The set of an asset of several networks that a flow names (`a_<zone>_<asset>_v4`), the
/// first time one does; `None` once it is defined.
fn asset_set(
    model: &Model,
    (z, a, fam): (ZoneId, usize, Family),
    ivs: &[(u128, u128)],
    assets: &mut AssetSets,
    names: &mut Names,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Set>> {
    if assets.contains_key(&(z, a, fam)) {
        return Ok(None);
    }
    let zone = model.zone(z);
    let asset_name = zone.assets.get(a).map_or("", |x| x.name.as_str());
    let name = names.unique(bounded(&format!(
        "a_{}_{}_{}",
        linux::slug(&zone.name),
        linux::slug(asset_name),
        fam.suffix()
    )))?;
    let comment = linux::clean_warn(
        &format!("asset {}.{asset_name}", zone.name),
        NFT_COMMENT,
        None,
        "an asset's name",
        diags,
    );
    let mut s = set(
        name.clone(),
        vec![addr_kind(fam).into()],
        false,
        quoted(comment)?,
    );
    s.elements = ivs
        .iter()
        .map(|&iv| Element {
            value: atom(linux::interval_text(fam, iv)),
            counter: None,
            comment: None,
            origin: Default::default(),
        })
        .collect();
    assets.insert((z, a, fam), name);
    Ok(Some(s))
}

/// `ip saddr @z_a_v4 ip daddr @z_b_v4 tcp dport 502 [ct state new] [log ...] counter accept`
/// (several items: `meta l4proto . th dport { tcp . 502, udp . 53 }`): one flow's items of one
/// shape, an end that is a whole zone or a group asset by its set, the other inline.
fn set_rule(
    sr: &SetRule,
    (zone_names, assets): (&BTreeMap<(ZoneId, Family), String>, &AssetSets),
    new: bool,
    accept_prefix: &Quoted,
) -> Result<Vec<Stmt>> {
    let fam = sr.family;
    let end = |e: &End| -> Result<Val> {
        Ok(match e {
            End::Zone(z) => Val::SetRef(zone_names.get(&(*z, fam)).cloned().ok_or_else(|| {
                Error::Other(format!(
                    "internal: no set of zone {z:?} in {}",
                    fam.suffix()
                ))
            })?),
            End::Asset(z, a, _) => {
                Val::SetRef(assets.get(&(*z, *a, fam)).cloned().ok_or_else(|| {
                    Error::Other(format!("internal: no set of asset {a} of zone {z:?}"))
                })?)
            }
            End::Inline(ivs) => match ivs.as_slice() {
                [one] => atom(linux::interval_text(fam, *one)),
                many => Val::Set(
                    many.iter()
                        .map(|iv| atom(linux::interval_text(fam, *iv)))
                        .collect(),
                ),
            },
        })
    };
    let mut st = vec![
        is(payload(ip(fam), "saddr"), end(&sr.src)?),
        is(payload(ip(fam), "daddr"), end(&sr.dst)?),
    ];
    // One item is a plain match; several, an anonymous set. An anonymous set per rule costs
    // the kernel a set each: 10,000 one-item flows load in 1.7 s as plain matches and in 11 s
    // with a one-element set each (`nft -c -f`, docs/targets/linux.md).
    let items = |f: &dyn Fn(&(u8, u16, u16)) -> Val| match sr.items.as_slice() {
        [one] => f(one),
        many => Val::Set(many.iter().map(f).collect()),
    };
    let port = |lo: u16, hi: u16| {
        atom(if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}-{hi}")
        })
    };
    let l4 = |p: u8| if p == 6 { "tcp" } else { "udp" };
    match sr.shape {
        linux::Shape::Ports => match sr.items.as_slice() {
            // `tcp dport 502`
            [(p, lo, hi)] => st.push(is(payload(l4(*p), "dport"), port(*lo, *hi))),
            many => st.push(is(
                Selector::Concat(vec![meta("l4proto"), payload("th", "dport")]),
                Val::Set(
                    many.iter()
                        .map(|&(p, lo, hi)| Val::Concat(vec![atom(l4(p)), port(lo, hi)]))
                        .collect(),
                ),
            )),
        },
        linux::Shape::IcmpType => st.push(is(
            match fam {
                Family::V4 => payload("icmp", "type"),
                Family::V6 => payload("icmpv6", "type"),
            },
            items(&|&(_, t, _)| atom(t.to_string())),
        )),
        linux::Shape::Proto => st.push(is(
            meta("l4proto"),
            items(&|&(p, _, _)| atom(p.to_string())),
        )),
        linux::Shape::Any => {}
    }
    if new {
        st.push(ct_state(&["new"]));
    }
    if sr.log {
        st.push(log(accept_prefix.clone()));
    }
    st.extend(counted(Verdict::Accept));
    Ok(st)
}

fn pair_chains(
    model: &Model,
    dev: &DeviceIr,
    sets: (&ZoneSets, &mut AssetSets),
    accept_prefix: &Quoted,
    names: &mut Names,
    diags: &mut Vec<Diagnostic>,
) -> Result<SetChains> {
    let pair_chain = linux::pair_names(dev, "p_", MAX_PAIR);
    let untracked_chain = linux::pair_names(dev, "u_", MAX_PAIR);
    let mut slots = Vec::new();
    for ((p, cname), uchain) in dev.pairs.iter().zip(pair_chain).zip(untracked_chain) {
        let (iin, iout) = (&dev.interfaces[p.ingress], &dev.interfaces[p.egress]);
        slots.push(Slot {
            key: vec![iin.name.clone(), iout.name.clone()],
            chain: cname,
            untracked_chain: uchain,
            what: format!("{} -> {}", iin.name, iout.name),
            comment: linux::pair_comment(iin, iout, NFT_COMMENT, diags),
            rules: &p.rules,
        });
    }
    let planned: usize = dev.pairs.iter().map(|p| p.rules.len()).sum();
    let flow_sets = (planned >= FLOW_SET_MIN_RULES).then(FlowSets::default);
    set_chains(model, slots, sets, accept_prefix, names, flow_sets, diags)
}

/// The chains of the device's own traffic in one direction (`to_device`: what enters by each
/// interface addressed to the device; otherwise what the device sends out by it), one per
/// interface with declared flows.
fn local_chains(
    model: &Model,
    dev: &DeviceIr,
    to_device: bool,
    sets: (&ZoneSets, &mut AssetSets),
    accept_prefix: &Quoted,
    names: &mut Names,
    diags: &mut Vec<Diagnostic>,
) -> Result<SetChains> {
    let (prefix, uprefix) = if to_device {
        ("in_", "iu_")
    } else {
        ("out_", "ou_")
    };
    let mut slots = Vec::new();
    for l in dev.local.iter().filter(|l| l.to_device == to_device) {
        let Some(i) = dev.interfaces.get(l.interface) else {
            return Err(Error::Other(format!(
                "internal: device `{}` has no interface {}",
                dev.name, l.interface
            )));
        };
        let slug = linux::slug(&i.name);
        let (what, text) = if to_device {
            (
                format!("{} -> self", i.name),
                format!("{} ({}) -> this device", i.name, i.zone_name),
            )
        } else {
            (
                format!("self -> {}", i.name),
                format!("this device -> {} ({})", i.name, i.zone_name),
            )
        };
        slots.push(Slot {
            key: vec![i.name.clone()],
            chain: bounded_pair(&format!("{prefix}{slug}"), prefix, l.interface),
            untracked_chain: bounded_pair(&format!("{uprefix}{slug}"), uprefix, l.interface),
            what,
            comment: linux::clean_warn(&text, NFT_COMMENT, None, "a chain comment", diags),
            rules: &l.rules,
        });
    }
    set_chains(model, slots, sets, accept_prefix, names, None, diags)
}

/// `name` when it leaves room for set suffixes, otherwise `<prefix><index>`.
fn bounded_pair(name: &str, prefix: &str, index: usize) -> String {
    if name.len() <= MAX_PAIR {
        name.to_string()
    } else {
        format!("{prefix}{index}")
    }
}

/// The reply direction of the device's `one-way` rules, dropped (`None` when it has none): one
/// rule per rule and family, matching the pair reversed, the rule's destinations as sources and
/// its sources as destinations, and the reply's protocol and ports. `forward` jumps here for
/// packets in the reply direction of a connection, before `established` ones are accepted.
fn one_way_chain(
    dev: &DeviceIr,
    names: &mut Names,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Chain>> {
    one_way_chain_of(linux::one_way_drops(dev), "one_way", names, diags)
}

/// The chain `name` dropping `drops` (`None` when there are none).
fn one_way_chain_of(
    drops: Vec<linux::OneWayDrop>,
    name: &str,
    names: &mut Names,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Chain>> {
    use crate::packet::reply::Reply;
    if drops.is_empty() {
        return Ok(None);
    }
    let addrs = |fam: Family, ivs: &[(u128, u128)]| match ivs {
        [one] => atom(linux::interval_text(fam, *one)),
        many => Val::Set(
            many.iter()
                .map(|iv| atom(linux::interval_text(fam, *iv)))
                .collect(),
        ),
    };
    let ports = |p: crate::model::PortRange| atom(p.to_string());
    let mut rules = Vec::new();
    for d in &drops {
        let mut st = Vec::new();
        // The device's own traffic has one interface: the other is the device itself.
        for (k, name) in [("iifname", d.iif), ("oifname", d.oif)] {
            if !name.is_empty() {
                st.push(is(meta(k), Val::Str(name.to_string())));
            }
        }
        st.extend([
            is(payload(ip(d.family), "saddr"), addrs(d.family, &d.src)),
            is(payload(ip(d.family), "daddr"), addrs(d.family, &d.dst)),
        ]);
        match d.reply {
            Reply::Tcp { sports } => st.push(is(payload("tcp", "sport"), ports(sports))),
            Reply::Udp { sports } => st.push(is(payload("udp", "sport"), ports(sports))),
            Reply::Icmp { icmp_type } => {
                st.push(is(payload("icmp", "type"), atom(icmp_type.to_string())))
            }
            Reply::Icmpv6 { icmp_type } => {
                st.push(is(payload("icmpv6", "type"), atom(icmp_type.to_string())))
            }
            Reply::Ip { number } => st.push(is(meta("l4proto"), atom(number.to_string()))),
            Reply::AnyIp => {}
        }
        st.extend(counted(Verdict::Drop));
        let c = linux::clean_warn(
            &format!("one-way, no reply: {}", d.rule.label),
            NFT_COMMENT,
            None,
            "a rule comment",
            diags,
        );
        rules.push(rule(st, Some(quoted(c)?)));
    }
    let name = names.unique(name.into())?;
    Ok(Some(chain(
        name,
        quoted("replies of one-way flows: dropped".into())?,
        rules,
    )))
}

/// `forward` (policy drop): island set, anti-spoofing, the replies of one-way flows dropped,
/// conntrack, the ICMP conntrack never calls new, the drops of translated inside addresses
/// reached directly, the pair chains, a rate-limited log and a counted drop.
fn forward(
    spoof: Vec<VmapEntry>,
    untracked: &[MapEntry],
    pairs: &[MapEntry],
    (reply_drop, direct_inside): (Option<String>, Vec<Rule>),
    drop_prefix: Quoted,
) -> Chain {
    let island = |k: &str| {
        rule(
            vec![
                is(meta(k), Val::SetRef("island".into())),
                Stmt::Verdict(Verdict::Drop),
            ],
            None,
        )
    };
    let mut rules = vec![island("iifname"), island("oifname")];
    if !spoof.is_empty() {
        rules.push(rule(
            vec![Stmt::Vmap {
                key: meta("iifname"),
                map: spoof,
            }],
            None,
        ));
    }
    if let Some(c) = reply_drop {
        rules.push(rule(
            vec![
                is(Selector::Ct("direction".into()), atom("reply")),
                Stmt::Verdict(Verdict::Jump(c)),
            ],
            None,
        ));
    }
    rules.push(rule(
        vec![
            ct_state(&["established", "related"]),
            Stmt::Verdict(Verdict::Accept),
        ],
        None,
    ));
    if !untracked.is_empty() {
        rules.push(rule(
            vec![
                is(meta("l4proto"), atoms(&["icmp", "ipv6-icmp"])),
                ct_state(&["invalid", "untracked"]),
                pair_map(untracked),
            ],
            None,
        ));
    }
    let mut invalid = vec![ct_state(&["invalid"])];
    invalid.extend(counted(Verdict::Drop));
    rules.push(rule(invalid, None));
    // New connections to a translated zone's inside addresses sent there directly.
    rules.extend(direct_inside);
    if !pairs.is_empty() {
        rules.push(rule(vec![pair_map(pairs)], None));
    }
    rules.push(rule(rate_limited_log(drop_prefix), None));
    rules.push(rule(counted(Verdict::Drop).into(), None));
    base_chain("forward", rules)
}

/// `input` (`to_device`) or `output`, policy drop: loopback, replies, on-link neighbour
/// discovery, the ICMP of the declared flows that conntrack never calls new, the cluster's sync
/// on its interface, one chain per interface with declared flows, a rate-limited log and a
/// counted drop.
fn local_base(
    to_device: bool,
    (entries, untracked): &(Vec<MapEntry>, Vec<MapEntry>),
    sync: Option<(&str, &crate::model::AddrSet)>,
    reply_drop: Option<String>,
    drop_prefix: Quoted,
) -> Result<Chain> {
    let (hook, iif, ifname) = if to_device {
        ("input", "iif", "iifname")
    } else {
        ("output", "oif", "oifname")
    };
    let mut invalid = vec![ct_state(&["invalid"])];
    invalid.extend(counted(Verdict::Drop));
    let mut nd = vec![
        is(
            payload("icmpv6", "type"),
            atoms(&["nd-neighbor-solicit", "nd-neighbor-advert"]),
        ),
        is(payload("ip6", "hoplimit"), atom("255")),
    ];
    nd.extend(counted(Verdict::Accept));
    let mut rules = vec![rule(
        vec![is(meta(iif), atom("lo")), Stmt::Verdict(Verdict::Accept)],
        None,
    )];
    if let Some(c) = reply_drop {
        // The replies of the device's own `one-way` flows, before established ones pass.
        rules.push(rule(
            vec![
                is(Selector::Ct("direction".into()), atom("reply")),
                Stmt::Verdict(Verdict::Jump(c)),
            ],
            None,
        ));
    }
    rules.push(rule(
        vec![
            ct_state(&["established", "related"]),
            Stmt::Verdict(Verdict::Accept),
        ],
        None,
    ));
    if !untracked.is_empty() {
        rules.push(rule(
            vec![
                is(meta("l4proto"), atoms(&["icmp", "ipv6-icmp"])),
                ct_state(&["invalid", "untracked"]),
                iface_map(&[ifname], untracked),
            ],
            None,
        ));
    }
    rules.push(rule(invalid, None));
    rules.push(rule(
        nd,
        Some(quoted(if to_device {
            "neighbour discovery on the firewall's own links".into()
        } else {
            "neighbour discovery the firewall sends on its own links".into()
        })?),
    ));
    if let Some((name, peers)) = sync {
        rules.extend(sync_rules(ifname, name, peers)?);
    }
    if !entries.is_empty() {
        rules.push(rule(vec![iface_map(&[ifname], entries)], None));
    }
    rules.push(rule(rate_limited_log(drop_prefix), None));
    rules.push(rule(counted(Verdict::Drop).into(), None));
    Ok(base_chain(hook, rules))
}

/// The cluster's sync on its interface (`ifname` is `iifname` or `oifname`), per family where
/// the nodes have addresses: VRRP (IP protocol 112) from the nodes to the VRRP group or to a
/// node (unicast peers), and conntrackd (udp/3780) from the nodes to its multicast group or to a
/// node (its `UDP` transport).
fn sync_rules(ifname: &str, iface: &str, peers: &crate::model::AddrSet) -> Result<Vec<Rule>> {
    let mut out = Vec::new();
    for fam in Family::BOTH {
        let ivs: Vec<(u128, u128)> = match fam {
            Family::V4 => peers
                .v4
                .iter()
                .map(|&(a, b)| (a as u128, b as u128))
                .collect(),
            Family::V6 => peers.v6.clone(),
        };
        if ivs.is_empty() {
            continue;
        }
        let nodes: Vec<Val> = ivs
            .iter()
            .map(|iv| atom(linux::interval_text(fam, *iv)))
            .collect();
        let v6 = fam == Family::V6;
        for (what, group, proto) in linux::sync_protocols(v6) {
            let mut dst = nodes.clone();
            if let Some(g) = group {
                dst.push(atom(g));
            }
            let mut stmts = vec![
                is(meta(ifname), Val::Str(iface.to_string())),
                is(payload(ip(fam), "saddr"), Val::Set(nodes.clone())),
                is(payload(ip(fam), "daddr"), Val::Set(dst)),
            ];
            match proto {
                None => stmts.push(is(meta("l4proto"), atom(VRRP_PROTOCOL.to_string()))),
                Some(port) => stmts.push(is(payload("udp", "dport"), atom(port.to_string()))),
            }
            stmts.extend(counted(Verdict::Accept));
            out.push(rule(
                stmts,
                Some(quoted(format!("cluster sync: {what} between the nodes"))?),
            ));
        }
    }
    Ok(out)
}

/// A family's networks as one value: `a/n` or `{ a/n, b/m }`.
fn nets_val(nets: &[ipnet::IpNet]) -> Val {
    match nets {
        [one] => atom(one.to_string()),
        many => Val::Set(many.iter().map(|n| atom(n.to_string())).collect()),
    }
}

/// In `forward`, before the pair chains (new connections only): a packet leaving by a
/// translated interface to its inside addresses passes only if it was sent to their outside
/// ones (`ct original ip daddr`, the destination before DNAT); a skid's inside address reached
/// directly from another zone is dropped.
fn direct_inside_drops(dev: &DeviceIr, diags: &mut Vec<Diagnostic>) -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    for t in nat::translated(dev) {
        for fam in Family::BOTH {
            let nets = t.nets(fam);
            if nets.is_empty() {
                continue;
            }
            let inside: Vec<_> = nets.iter().map(|n| n.0).collect();
            let outside: Vec<_> = nets.iter().map(|n| n.1).collect();
            let mut st = vec![
                is(meta("oifname"), Val::Str(t.iface.name.clone())),
                is(payload(ip(fam), "daddr"), nets_val(&inside)),
                Stmt::Match {
                    neg: true,
                    left: Selector::Ct(format!("original {} daddr", ip(fam))),
                    right: nets_val(&outside),
                },
            ];
            st.extend(counted(Verdict::Drop));
            let comment = format!(
                "{} ({}): inside addresses only by their outside ones (nat)",
                t.iface.name, t.iface.zone_name
            );
            rules.push(rule(
                st,
                Some(quoted(linux::clean_warn(
                    &comment,
                    NFT_COMMENT,
                    None,
                    "a rule comment",
                    diags,
                ))?),
            ));
        }
    }
    Ok(rules)
}

/// `table inet fenceline_nat` of a translating device (`None` otherwise): the conntrack zone
/// and packet mark of each translated interface set before connection tracking (by input
/// interface, and by outside destination for the packets that go to it), and the static 1:1
/// translations: DNAT of the outside networks to the inside ones for packets from elsewhere,
/// SNAT of the inside networks to the outside ones for packets from the interface (its mark).
fn nat_table(dev: &DeviceIr) -> Option<Table> {
    let t = nat::translated(dev);
    if t.is_empty() {
        return None;
    }
    let (mut zone, mut dst, mut src) = (Vec::new(), Vec::new(), Vec::new());
    let set_zone = |id: u32| {
        [
            Stmt::Mangle {
                left: Selector::Ct("zone".into()),
                value: atom(id.to_string()),
            },
            Stmt::Mangle {
                left: meta("mark"),
                value: atom(id.to_string()),
            },
        ]
    };
    for x in &t {
        let name = Val::Str(x.iface.name.clone());
        for fam in Family::BOTH {
            for (inside, outside) in x.nets(fam) {
                let mut st = vec![is(payload(ip(fam), "daddr"), atom(outside.to_string()))];
                st.extend(set_zone(x.id));
                zone.push(rule(st, None));
                dst.push(rule(
                    vec![
                        Stmt::Match {
                            neg: true,
                            left: meta("iifname"),
                            right: name.clone(),
                        },
                        is(payload(ip(fam), "daddr"), atom(outside.to_string())),
                        Stmt::Nat {
                            kind: "dnat".into(),
                            family: ip(fam).into(),
                            to: atom(inside.to_string()),
                        },
                    ],
                    None,
                ));
                // No input interface after routing: the mark set from it says where the
                // packet came from.
                src.push(rule(
                    vec![
                        is(meta("mark"), atom(x.id.to_string())),
                        is(payload(ip(fam), "saddr"), atom(inside.to_string())),
                        Stmt::Nat {
                            kind: "snat".into(),
                            family: ip(fam).into(),
                            to: atom(outside.to_string()),
                        },
                    ],
                    None,
                ));
            }
        }
    }
    // The interface's own packets last: its zone wins over an outside destination.
    for x in &t {
        let mut st = vec![is(meta("iifname"), Val::Str(x.iface.name.clone()))];
        st.extend(set_zone(x.id));
        zone.push(rule(st, None));
    }
    let base = |name: &str, kind: &str, hook: &str, prio: &str, rules| Chain {
        name: name.into(),
        base: Some(Base {
            kind: kind.into(),
            hook: Some(hook.into()),
            rest: vec!["priority".into(), prio.into()],
        }),
        policy: Some("accept".into()),
        comment: None,
        rules,
        origin: Default::default(),
    };
    Some(Table {
        family: "inet".into(),
        name: "fenceline_nat".into(),
        replaced: true,
        sets: Vec::new(),
        chains: vec![
            base("zone", "filter", "prerouting", "raw", zone),
            base("dstnat", "nat", "prerouting", "dstnat", dst),
            base("srcnat", "nat", "postrouting", "srcnat", src),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules of chain `p` (one per line, each `ip saddr @a ip daddr @b ... ct state new ...
    /// accept`) after [`factor_runs`], printed: the chain's rules, then each shared chain's.
    fn factored(lines: &[&str]) -> (Vec<String>, Vec<String>) {
        let body: String = lines
            .iter()
            .map(|l| format!("\t\tip saddr @a ip daddr @b {l}\n"))
            .collect();
        let text = format!("table inet t {{\n\tchain p {{\n{body}\t}}\n}}\n");
        let rs = super::super::parse::parse_text("t.nft", &text).unwrap();
        let rules = rs.tables[0].chains[0].rules.clone();
        let mut names = Names {
            taken: BTreeSet::new(),
            device: "fw",
        };
        let (out, chains) = factor_runs("p", "c", rules, &mut names, None).unwrap();
        let print = |rs: &[Rule]| rs.iter().map(|r| r.to_string()).collect::<Vec<_>>();
        (
            print(&out),
            chains.iter().flat_map(|c| print(&c.rules)).collect(),
        )
    }

    /// With flow sets (a large firewall), the first run of single ports of a family and
    /// protocol in a pair goes into the device's set, keyed by the pair; a second such run
    /// (other addresses), a run with a range, a log or a port twice keep their chains.
    #[test]
    fn a_run_of_single_ports_goes_into_the_flow_set_once_per_pair() {
        let parse = |lines: &[&str]| {
            let body: String = lines.iter().map(|l| format!("\t\t{l}\n")).collect();
            let text = format!("table inet t {{\n\tchain p {{\n{body}\t}}\n}}\n");
            let rs = super::super::parse::parse_text("t.nft", &text).unwrap();
            rs.tables[0].chains[0].rules.clone()
        };
        let run = |head: &str, tail: [&str; 3]| -> Vec<String> {
            tail.iter()
                .map(|t| format!("{head} {t} ct state new counter accept comment \"{t}\""))
                .collect()
        };
        let a = run(
            "ip saddr @a ip daddr @b",
            ["tcp dport 1", "tcp dport 2", "tcp dport 3"],
        );
        let c = run(
            "ip saddr @c ip daddr @b",
            ["tcp dport 1", "tcp dport 4", "tcp dport 5"],
        );
        let u = run(
            "ip saddr @a ip daddr @b",
            ["udp dport 1", "udp dport 2", "udp dport 3"],
        );
        let lines: Vec<&str> = a.iter().chain(&c).chain(&u).map(String::as_str).collect();
        let mut names = Names {
            taken: BTreeSet::new(),
            device: "fw",
        };
        let mut sets = FlowSets::default();
        let (out, chains) = factor_runs(
            "p",
            "c",
            parse(&lines),
            &mut names,
            Some((("eth0", "eth1"), &mut sets)),
        )
        .unwrap();
        let out: Vec<String> = out.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            out,
            [
                "ip saddr @a ip daddr @b meta l4proto tcp ct state new iifname . oifname . th dport @flows_tcp_v4 accept",
                "ip saddr @c ip daddr @b meta l4proto tcp ct state new jump f_p_1",
                "ip saddr @a ip daddr @b meta l4proto udp ct state new iifname . oifname . th dport @flows_udp_v4 accept",
            ]
        );
        assert_eq!(chains.len(), 1);
        let sets = sets.into_sets().unwrap();
        let elements = |name: &str| -> Vec<String> {
            let s = sets.iter().find(|s| s.name == name).unwrap();
            assert!(s.counter && s.flags.is_empty(), "{name}");
            assert_eq!(s.kind, ["ifname", "ifname", "inet_service"]);
            s.elements.iter().map(|e| e.to_string()).collect()
        };
        assert_eq!(
            elements("flows_tcp_v4"),
            [
                "\"eth0\" . \"eth1\" . 1 comment \"tcp dport 1\"",
                "\"eth0\" . \"eth1\" . 2 comment \"tcp dport 2\"",
                "\"eth0\" . \"eth1\" . 3 comment \"tcp dport 3\"",
            ]
        );
        assert_eq!(elements("flows_udp_v4").len(), 3);
        // Runs that keep their chains even as the first of the pair.
        for odd in [
            ["tcp dport 1", "tcp dport 2-3", "tcp dport 4"],
            ["tcp dport 1", "tcp dport 1", "tcp dport 4"],
        ] {
            let lines = run("ip saddr @a ip daddr @b", odd);
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let mut sets = FlowSets::default();
            names.taken.clear();
            let (out, _) = factor_runs(
                "p",
                "c",
                parse(&lines),
                &mut names,
                Some((("eth0", "eth2"), &mut sets)),
            )
            .unwrap();
            assert!(
                out[0].to_string().ends_with("jump f_p_1"),
                "{odd:?}: {}",
                out[0]
            );
            assert!(sets.by.is_empty(), "{odd:?}");
        }
    }

    /// A run whose rules all match ports of one protocol, tcp or udp, and nothing else that
    /// depends on it, matches the protocol once in its jump and `th` ports behind it; any other
    /// run keeps each rule's protocol.
    #[test]
    fn a_run_of_one_protocol_moves_it_into_the_jump() {
        let tcp = [
            "tcp dport 1 ct state new counter accept comment \"f1\"",
            "tcp dport 2-3 ct state new log prefix \"fw accept: \" level info counter accept",
            "tcp sport 53 ct state new counter accept",
        ];
        let (out, sub) = factored(&tcp);
        assert_eq!(
            out,
            ["ip saddr @a ip daddr @b meta l4proto tcp ct state new jump f_p_1"]
        );
        assert_eq!(
            sub,
            [
                "th dport 1 counter accept comment \"f1\"",
                "th dport 2-3 log prefix \"fw accept: \" level info counter accept",
                "th sport 53 counter accept",
            ]
        );
        let udp = tcp.map(|l| l.replace("tcp", "udp"));
        let (out, sub) = factored(&udp.each_ref().map(|s| s.as_str()));
        assert_eq!(
            out,
            ["ip saddr @a ip daddr @b meta l4proto udp ct state new jump f_p_1"]
        );
        assert!(sub.iter().all(|r| r.starts_with("th ")), "{sub:?}");
        for odd in [
            // Both protocols.
            "udp dport 4 ct state new counter accept",
            // ICMP.
            "icmp type 8 ct state new counter accept",
            // Several items in one rule: the protocol is in the set.
            "meta l4proto . th dport { tcp . 4, udp . 5 } ct state new counter accept",
            // No port: every protocol.
            "ct state new counter accept",
            // Another match that depends on the protocol.
            "tcp dport 4 tcp flags syn ct state new counter accept",
            // A negated port holds for tcp only, and so would its `th` form behind the jump;
            // left alone all the same.
            "tcp dport != 4 ct state new counter accept",
        ] {
            let lines = [tcp[0], odd, tcp[2]];
            let (out, sub) = factored(&lines);
            assert_eq!(
                out,
                ["ip saddr @a ip daddr @b ct state new jump f_p_1"],
                "{odd}"
            );
            assert!(!sub.iter().any(|r| r.starts_with("th ")), "{odd}: {sub:?}");
            assert_eq!(sub[0], "tcp dport 1 counter accept comment \"f1\"", "{odd}");
        }
        // Fewer than three rules: no jump at all.
        let (out, sub) = factored(&tcp[..2]);
        assert!(sub.is_empty() && out.len() == 2, "{out:?}");
    }
}
