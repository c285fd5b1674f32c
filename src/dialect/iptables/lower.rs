//! Pass 5, Ir -> the iptables AST: `iptables.rules` (IPv4) and `ip6tables.rules` (IPv6)
//! with the meaning of the nftables ruleset of the same device (both read the same
//! [`crate::dialect::linux`] groups).
//!
//! `iptables-restore` replaces the whole `filter` table in one commit (other tables stay). The
//! layout mirrors nftables: FORWARD (policy DROP) jumps to `FL-ISLAND` (empty; an operator adds
//! `-i`/`-o` drops to cut a zone off, live sessions included, since it runs before conntrack
//! accepts), then to one anti-spoofing chain per ingress interface, accepts established and
//! related packets, drops invalid ones, dispatches by ingress and egress interface to one chain
//! per interface pair, and ends with a rate-limited LOG naming the device. INPUT (policy DROP)
//! admits loopback, replies and, for IPv6, neighbour discovery on the firewall's own links.
//!
//! Where the device enforces `one-way` services, FORWARD jumps to `FL-ONE-WAY` for packets in
//! the reply direction of a connection (`-m conntrack --ctdir REPLY`) before it accepts
//! established ones: that chain drops the replies of those flows (pair, addresses and ports
//! reversed).
//!
//! ICMP that conntrack never classifies NEW (whole-protocol flows; see the nftables backend)
//! jumps, per interface pair and when INVALID or UNTRACKED, to a chain of ACCEPT rules without a
//! state match, placed before the INVALID drop.
//!
//! A device that translates a zone (`nat`) also gets the `raw`, `mangle` and `nat` tables of
//! [`crate::dialect::nat`] (conntrack zones, marks, `NETMAP`); its filter is written in the
//! addresses it sees, and FORWARD drops a translated zone's inside address reached directly.
//!
//! iptables has no concatenated sets, so a pair chain holds one rule per disjoint element
//! (source interval x destination interval x service); intervals that are not one prefix use
//! `-m iprange`. Every comment passes the sanitiser: no quote, backslash or control character
//! can end the argument or start a new line.

use super::ast::*;
use super::ipset;
use crate::diagnostic::Diagnostic;
use crate::dialect::linux::{self, Shape, VRRP_PROTOCOL};
use crate::dialect::nat;
use crate::dialect::sanitize::{IPT_COMMENT, IPT_LOG_PREFIX};
use crate::dialect::zone_sets::{self, End, SetRule, ZoneAddrs};
use crate::dialect::EmitContext;
use crate::error::{Error, Result};
use crate::model::{Model, ZoneId};
use crate::packet::Family;
use crate::plan::DeviceIr;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// iptables chain names: at most 28 characters.
const MAX_CHAIN: usize = 28;

fn chain_name(name: String) -> String {
    if name.len() <= MAX_CHAIN {
        return name;
    }
    let h = hex::encode(&Sha256::digest(name.as_bytes())[..4]);
    format!("{}-{h}", &name[..MAX_CHAIN - 9])
}

/// ipset names: at most 31 characters (the kernel's limit), with room for the `_new` of the
/// temporary copy each set is filled in before it is swapped in.
const MAX_IPSET: usize = 27;

/// `fl_<zone>_v4`: prefixed, so no set of another tool on the host is touched; cut with a hash
/// of the zone's name where too long.
fn ipset_name(zone: &str, fam: Family) -> String {
    let slug = linux::slug(zone);
    let n = format!("fl_{slug}_{}", fam.suffix());
    if n.len() <= MAX_IPSET {
        return n;
    }
    let h = hex::encode(&Sha256::digest(zone.as_bytes())[..4]);
    // `fl_` + cut + `_` + 8 hex digits + `_v4`.
    format!("fl_{}_{h}_{}", &slug[..MAX_IPSET - 15], fam.suffix())
}

/// The ipsets of assets, by (zone, asset, family): name and addresses.
type AssetIpsets = BTreeMap<(ZoneId, usize, Family), (String, Vec<(u128, u128)>)>;

/// The zone sets of a device: what each holds, its ipset name, and those its rules match.
struct Ipsets {
    addrs: ZoneAddrs,
    names: BTreeMap<(ZoneId, Family), String>,
    used: BTreeSet<(ZoneId, Family)>,
    /// The sets of assets of several networks that rules name, by (zone, asset, family): name
    /// and addresses, in the order first named.
    assets: AssetIpsets,
    taken: BTreeSet<String>,
}

impl Ipsets {
    fn of(model: &Model, dev: &DeviceIr) -> Result<Ipsets> {
        let addrs = zone_sets::zone_addrs(model, dev);
        let mut names = BTreeMap::new();
        let mut taken = BTreeSet::new();
        for &(z, fam) in addrs.keys() {
            let n = ipset_name(&model.zone(z).name, fam);
            if !taken.insert(n.clone()) {
                return Err(Error::Other(format!(
                    "two ipsets of device `{}` would be named `{n}`",
                    dev.name
                )));
            }
            names.insert((z, fam), n);
        }
        Ok(Ipsets {
            addrs,
            names,
            used: BTreeSet::new(),
            assets: BTreeMap::new(),
            taken,
        })
    }

    /// `-m set --match-set NAME src|dst` for a zone end, each interval's address match for an
    /// inline one: the alternatives, one rule each.
    fn end(&mut self, model: &Model, fam: Family, dir: Dir, e: &End) -> Result<Vec<Vec<Match>>> {
        Ok(match e {
            End::Asset(z, a, ivs) => {
                let name = match self.assets.get(&(*z, *a, fam)) {
                    Some((n, _)) => n.clone(),
                    None => {
                        let zone = model.zone(*z);
                        let asset = zone.assets.get(*a).map_or("", |x| x.name.as_str());
                        let n = ipset_name(&format!("{}.{asset}", zone.name), fam);
                        if !self.taken.insert(n.clone()) {
                            return Err(Error::Other(format!("two ipsets would be named `{n}`")));
                        }
                        self.assets.insert((*z, *a, fam), (n.clone(), ivs.clone()));
                        n
                    }
                };
                vec![set_match(name, dir)]
            }
            End::Zone(z) => {
                let name = self.names.get(&(*z, fam)).cloned().ok_or_else(|| {
                    Error::Other(format!(
                        "internal: no ipset of zone {z:?} in {}",
                        fam.suffix()
                    ))
                })?;
                self.used.insert((*z, fam));
                vec![set_match(name, dir)]
            }
            End::Inline(ivs) => inline_addrs(fam, dir, ivs),
        })
    }

    /// `ipset.rules` for the sets the rules match (`None` when they match none): per set,
    /// created if new, a temporary copy filled, swapped in and destroyed.
    fn file(&self, cx: &EmitContext, dev: &DeviceIr) -> Result<Option<IpsetFile>> {
        if self.used.is_empty() && self.assets.is_empty() {
            return Ok(None);
        }
        let model = cx.model;
        let stamp = cx.stamp;
        let mut lines = vec![
            SetLine::Comment(text(format!(
                " fenceline {}: policy \"{}\" sha256 {}",
                stamp.version, stamp.policy, stamp.hash
            ))?),
            SetLine::Comment(text(ipset_device_line(&dev.name, None))?),
            SetLine::Comment(text(
                " Load with `ipset restore -file ipset.rules` before iptables-restore: each set is filled as NAME_new, then swapped in.",
            )?),
        ];
        let zones = self.used.iter().filter_map(|key @ (z, fam)| {
            let (name, ivs) = (self.names.get(key)?, self.addrs.get(key)?);
            Some((format!(" zone {}", model.zone(*z).name), name, ivs, fam))
        });
        let assets = self.assets.iter().map(|((z, a, fam), (name, ivs))| {
            let zone = model.zone(*z);
            let asset = zone.assets.get(*a).map_or("", |x| x.name.as_str());
            (format!(" asset {}.{asset}", zone.name), name, ivs, fam)
        });
        for (what, name, ivs, fam) in zones.chain(assets) {
            let tmp = format!("{name}_new");
            lines.push(SetLine::Blank);
            lines.push(SetLine::Comment(text(linux::clean_warn(
                &what,
                IPT_COMMENT,
                None,
                "a zone or asset name",
                &mut Vec::new(),
            ))?));
            for n in [name, &tmp] {
                lines.push(SetLine::Create {
                    name: n.clone(),
                    kind: "hash:net".into(),
                    family: *fam,
                    options: vec!["-exist".into()],
                });
            }
            lines.push(SetLine::Flush(Some(tmp.clone())));
            for &(lo, hi) in ivs {
                for (lo, hi) in ipset::prefixes(*fam, lo, hi) {
                    lines.push(SetLine::Add {
                        name: tmp.clone(),
                        net: Net {
                            family: *fam,
                            lo,
                            hi,
                        },
                    });
                }
            }
            lines.push(SetLine::Swap(tmp.clone(), name.clone()));
            lines.push(SetLine::Destroy(Some(tmp)));
        }
        Ok(Some(IpsetFile {
            path: format!("{}/ipset.rules", dev.name),
            lines,
        }))
    }
}

/// Free text for the file; control characters are refused (policy text is sanitised first).
fn text(s: impl Into<String>) -> Result<Text> {
    Text::new(s).map_err(Error::Other)
}

/// `-s`/`-d` for a prefix, otherwise `-m iprange --src-range`/`--dst-range` after the plain
/// matches (the order iptables-save prints them in).
fn addr_matches(fam: Family, src: Option<(u128, u128)>, dst: (u128, u128)) -> Vec<Match> {
    let mut plain = Vec::new();
    let mut ranges = Vec::new();
    for (dir, iv) in src
        .map(|s| (Dir::Src, s))
        .into_iter()
        .chain([(Dir::Dst, dst)])
    {
        let net = Net {
            family: fam,
            lo: iv.0,
            hi: iv.1,
        };
        match linux::prefix_len(fam, iv.0, iv.1) {
            Some(_) => plain.push(Match::Addr {
                dir,
                neg: false,
                nets: vec![net],
            }),
            None => ranges.push(Match::Range {
                dir,
                neg: false,
                net,
            }),
        }
    }
    if !ranges.is_empty() {
        plain.push(Match::Module("iprange".into()));
        plain.extend(ranges);
    }
    plain
}

fn proto(name: impl Into<Word>) -> Match {
    Match::Proto {
        neg: false,
        name: name.into(),
    }
}

fn module(name: &'static str) -> Match {
    Match::Module(name.into())
}

fn service_matches(fam: Family, shape: Shape, e: &linux::Element) -> Result<Vec<Match>> {
    Ok(match shape {
        Shape::Ports => {
            let p = if e.proto == 6 { "tcp" } else { "udp" };
            vec![
                proto(p),
                module(p),
                Match::Ports {
                    dir: Dir::Dst,
                    multi: false,
                    ranges: vec![(e.lo, e.hi)],
                },
            ]
        }
        Shape::IcmpType => match fam {
            Family::V4 => vec![
                proto("icmp"),
                module("icmp"),
                Match::Icmp {
                    v6: false,
                    name: e.lo.to_string(),
                },
            ],
            Family::V6 => vec![
                proto("ipv6-icmp"),
                module("icmp6"),
                Match::Icmp {
                    v6: true,
                    name: e.lo.to_string(),
                },
            ],
        },
        // `-p 0` means every protocol to iptables: refuse rather than widen.
        Shape::Proto if e.proto == 0 => {
            return Err(Error::Other(
                "IP protocol 0 cannot be matched by iptables (`-p 0` means every protocol)".into(),
            ))
        }
        Shape::Proto => vec![proto(e.proto.to_string())],
        Shape::Any => Vec::new(),
    })
}

fn ctstate(states: &[crate::dialect::conntrack::State]) -> Vec<Match> {
    vec![
        module("conntrack"),
        Match::State {
            ct: true,
            neg: false,
            states: states.to_vec(),
        },
    ]
}

fn comment(c: &Text) -> Vec<Match> {
    vec![module("comment"), Match::Comment(c.clone())]
}

fn iface(dir: Dir, name: &str) -> Match {
    Match::Iface {
        dir,
        neg: false,
        name: name.into(),
    }
}

/// `-m limit --limit 10/sec --limit-burst 20 -j LOG --log-prefix "..." --log-level 6`.
fn log(mut matches: Vec<Match>, limited: bool, prefix: &Text) -> Rule {
    if limited {
        matches.extend([
            module("limit"),
            Match::Limit("10/sec".into()),
            Match::LimitBurst("20".into()),
        ]);
    }
    Rule {
        matches,
        jump: Some(Jump {
            goto: false,
            target: "LOG".into(),
            options: vec![
                TargetOpt::LogPrefix(prefix.clone()),
                TargetOpt::LogLevel("6".into()),
            ],
        }),
    }
}

/// A pair's (or its untracked-ICMP chain's) accept rule, with its log rule in front.
struct Accept {
    /// The matches of the addresses (`-m set --match-set`, `-s`, `-d`, ranges), one copy for
    /// every rule of a flow's ends: what rules in a row may share behind one jump
    /// ([`factor_runs`]).
    head: Arc<[Match]>,
    /// The matches of the service.
    tail: Vec<Match>,
    comment: Text,
    log_prefix: Option<Text>,
}

struct PairChain {
    /// The interfaces its dispatch rule matches: `-i`, `-o` (one of them for the device's own
    /// traffic).
    ingress: Option<String>,
    egress: Option<String>,
    chain: String,
    comment: Text,
    rules: Vec<Accept>,
}

struct Spoof {
    iface: String,
    chain: String,
    allowed: Vec<Vec<Match>>,
    comment: Text,
}

/// One chain of accept rules to build: an interface pair's, or one interface's traffic to or
/// from the device itself.
struct Slot<'a> {
    ingress: Option<String>,
    egress: Option<String>,
    chain: String,
    untracked_chain: String,
    /// The chain's comment, already clean.
    comment: String,
    rules: &'a [crate::plan::RuleIr],
}

/// The accept chains of `slots` for one family (a slot with nothing of the family gets no
/// chain), and the chains of the ICMP conntrack never classifies NEW.
fn accept_chains(
    cx: &EmitContext,
    fam: Family,
    slots: Vec<Slot>,
    sets: &mut Ipsets,
    accept_prefix: &Text,
    unique: &mut dyn FnMut(String) -> Result<String>,
    diags: &mut Vec<Diagnostic>,
) -> Result<(Vec<PairChain>, Vec<PairChain>)> {
    let model = cx.model;
    let has = |s: &crate::packet::AddrSet| match fam {
        Family::V4 => !s.v4.is_empty(),
        Family::V6 => !s.v6.is_empty(),
    };
    let mut pairs = Vec::new();
    let mut untracked = Vec::new();
    for slot in slots {
        // Nothing of this family: no chain, no jump (nor any work: an IPv4 plant's IPv6 file).
        if !slot.rules.iter().any(|r| has(&r.src) && has(&r.dst)) {
            continue;
        }
        let mut rules = Vec::new();
        let mut urules = Vec::new();
        let split = zone_sets::split(model, slot.rules, &sets.addrs);
        let mut heads = Heads::default();
        for sr in split.rules.iter().filter(|r| r.family == fam) {
            set_rules(
                model,
                sr,
                slot.rules,
                (sets, &mut heads),
                accept_prefix,
                (&mut rules, &mut urules),
                diags,
            )?;
        }
        for g in linux::pair_groups(slot.rules, &|i, f| split.taken(i, f)) {
            if g.family != fam {
                continue;
            }
            for e in &g.elements {
                let m: Arc<[Match]> = addr_matches(fam, Some(e.src), e.dst).into();
                let s = service_matches(fam, g.shape, e)?;
                let comment = text(linux::rule_comment(
                    model,
                    &slot.rules[e.rule],
                    e.merged,
                    IPT_COMMENT,
                    diags,
                ))?;
                let log_prefix = g.log.then(|| accept_prefix.clone());
                for &protocol in linux::untracked_protos(g.shape, fam, e) {
                    // Every IP protocol: one rule per ICMP protocol.
                    let s = match g.shape {
                        Shape::Any if protocol == 1 => vec![proto("icmp")],
                        Shape::Any => vec![proto("ipv6-icmp")],
                        _ => s.clone(),
                    };
                    urules.push(Accept {
                        head: m.clone(),
                        tail: s,
                        comment: comment.clone(),
                        log_prefix: log_prefix.clone(),
                    });
                }
                rules.push(Accept {
                    head: m,
                    tail: s,
                    comment,
                    log_prefix,
                });
            }
        }
        if rules.is_empty() {
            // Nothing of this family: no chain, no jump.
            continue;
        }
        let chain = unique(chain_name(slot.chain))?;
        if !urules.is_empty() {
            untracked.push(PairChain {
                ingress: slot.ingress.clone(),
                egress: slot.egress.clone(),
                chain: unique(chain_name(slot.untracked_chain))?,
                comment: text(linux::clean_warn(
                    &format!("{}: ICMP that conntrack never tracks as NEW", slot.comment),
                    IPT_COMMENT,
                    None,
                    "a chain comment",
                    diags,
                ))?,
                rules: urules,
            });
        }
        pairs.push(PairChain {
            ingress: slot.ingress,
            egress: slot.egress,
            chain,
            comment: text(slot.comment)?,
            rules,
        });
    }
    Ok((pairs, untracked))
}

/// The address matches of the last ends [`set_rules`] wrote, one alternative each.
#[derive(Default)]
struct Heads {
    ends: Option<(End, End)>,
    heads: Vec<Arc<[Match]>>,
}

/// The accept rules (and those of the untracked-ICMP chain) of a flow written through zone
/// sets: per service item, `-m set --match-set` for a zone end, the addresses of an inline one
/// (a rule per interval), and the item; the flow's comment on each.
fn set_rules(
    model: &Model,
    sr: &SetRule,
    rules_ir: &[crate::plan::RuleIr],
    (sets, last): (&mut Ipsets, &mut Heads),
    accept_prefix: &Text,
    (rules, urules): (&mut Vec<Accept>, &mut Vec<Accept>),
    diags: &mut Vec<Diagnostic>,
) -> Result<()> {
    let fam = sr.family;
    let Some(r) = rules_ir.get(sr.rule) else {
        return Err(Error::Other("internal: a set rule without its rule".into()));
    };
    let comment = text(linux::rule_comment(model, r, 0, IPT_COMMENT, diags))?;
    let log_prefix = sr.log.then(|| accept_prefix.clone());
    // Every pair of a source's and a destination's matches, once: each service item's rules
    // share them, and so do the next flows of the same ends (a pair's flows between two zones).
    if last.ends.as_ref().map(|(s, d)| (s, d)) != Some((&sr.src, &sr.dst)) {
        let srcs = sets.end(model, fam, Dir::Src, &sr.src)?;
        let dsts = sets.end(model, fam, Dir::Dst, &sr.dst)?;
        last.heads = srcs
            .iter()
            .flat_map(|s| {
                dsts.iter()
                    .map(move |d| [s.as_slice(), d.as_slice()].concat().into())
            })
            .collect();
        last.ends = Some((sr.src.clone(), sr.dst.clone()));
    }
    let heads = &last.heads;
    for &(proto_n, lo, hi) in &sr.items {
        let e = linux::Element {
            src: (0, 0),
            dst: (0, 0),
            proto: proto_n,
            lo,
            hi,
            rule: sr.rule,
            merged: 0,
        };
        let svc = service_matches(fam, sr.shape, &e)?;
        for m in heads {
            for &protocol in linux::untracked_protos(sr.shape, fam, &e) {
                let svc = match sr.shape {
                    Shape::Any if protocol == 1 => vec![proto("icmp")],
                    Shape::Any => vec![proto("ipv6-icmp")],
                    _ => svc.clone(),
                };
                urules.push(Accept {
                    head: m.clone(),
                    tail: svc,
                    comment: comment.clone(),
                    log_prefix: log_prefix.clone(),
                });
            }
            rules.push(Accept {
                head: m.clone(),
                tail: svc.clone(),
                comment: comment.clone(),
                log_prefix: log_prefix.clone(),
            });
        }
    }
    Ok(())
}

/// The cluster's sync on interface `iface` for one family, as (matches without the interface,
/// comment): VRRP (IP protocol 112) and conntrackd (udp/3780) from a node to a node or to the
/// protocol's group, one rule per (source, destination) prefix.
fn sync_rules(fam: Family, iface: &str, peers: &crate::model::AddrSet) -> Result<SyncRules> {
    let ivs: Vec<(u128, u128)> = match fam {
        Family::V4 => peers
            .v4
            .iter()
            .map(|&(a, b)| (a as u128, b as u128))
            .collect(),
        Family::V6 => peers.v6.clone(),
    };
    let v6 = fam == Family::V6;
    let group = |g: &str| -> Result<(u128, u128)> {
        let a: std::net::IpAddr = g
            .parse()
            .map_err(|_| Error::Other(format!("internal: bad group {g}")))?;
        Ok(match a {
            std::net::IpAddr::V4(x) => (u32::from(x) as u128, u32::from(x) as u128),
            std::net::IpAddr::V6(x) => (u128::from(x), u128::from(x)),
        })
    };
    let mut rules = Vec::new();
    if !ivs.is_empty() {
        for (what, g, l4) in linux::sync_protocols(v6) {
            let mut dsts = ivs.clone();
            if let Some(g) = g {
                dsts.push(group(g)?);
            }
            let comment = text(format!("cluster sync: {what} between the nodes"))?;
            for src in &ivs {
                for dst in &dsts {
                    let mut m = addr_matches(fam, Some(*src), *dst);
                    match l4 {
                        None => m.push(proto(VRRP_PROTOCOL.to_string())),
                        Some(port) => m.extend([
                            proto("udp"),
                            module("udp"),
                            Match::Ports {
                                dir: Dir::Dst,
                                multi: false,
                                ranges: vec![(port, port)],
                            },
                        ]),
                    }
                    rules.push((m, comment.clone()));
                }
            }
        }
    }
    Ok(SyncRules {
        iface: iface.to_string(),
        rules,
    })
}

/// The sync rules of a cluster's sync interface, without their `-i`/`-o`.
struct SyncRules {
    iface: String,
    rules: Vec<(Vec<Match>, Text)>,
}

/// The chain FORWARD jumps to for packets in the reply direction of a connection, before
/// established ones are accepted: it drops the replies of `one-way` flows.
const ONE_WAY: &str = "FL-ONE-WAY";

/// The matches of each rule of [`ONE_WAY`] in one family: per `one-way` rule, its pair reversed
/// (`-i` its egress, `-o` its ingress), from each destination interval to each source interval,
/// the reply's protocol and source ports.
fn one_way_rules(
    dev: &DeviceIr,
    fam: Family,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Vec<Match>>> {
    one_way_rules_of(linux::one_way_drops(dev), fam, diags)
}

/// The chains of the replies of the device's own `one-way` rules: INPUT jumps to the first,
/// OUTPUT to the second, for packets in the reply direction of a connection.
const LOCAL_ONE_WAY: [&str; 2] = ["FL-ONE-WAY-IN", "FL-ONE-WAY-OUT"];

/// The matches of each rule dropping `drops` in one family (the device's own traffic names one
/// interface only).
fn one_way_rules_of(
    drops: Vec<linux::OneWayDrop>,
    fam: Family,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Vec<Match>>> {
    use crate::packet::reply::Reply;
    let mut out = Vec::new();
    for d in drops.into_iter().filter(|d| d.family == fam) {
        let service = match d.reply {
            Reply::Tcp { sports } | Reply::Udp { sports } => {
                let p = if matches!(d.reply, Reply::Tcp { .. }) {
                    "tcp"
                } else {
                    "udp"
                };
                vec![
                    proto(p),
                    module(p),
                    Match::Ports {
                        dir: Dir::Src,
                        multi: false,
                        ranges: vec![(sports.lo, sports.hi)],
                    },
                ]
            }
            Reply::Icmp { icmp_type } => vec![
                proto("icmp"),
                module("icmp"),
                Match::Icmp {
                    v6: false,
                    name: icmp_type.to_string(),
                },
            ],
            Reply::Icmpv6 { icmp_type } => vec![
                proto("ipv6-icmp"),
                module("icmp6"),
                Match::Icmp {
                    v6: true,
                    name: icmp_type.to_string(),
                },
            ],
            Reply::Ip { number: 0 } => {
                return Err(Error::Other(
                    "IP protocol 0 cannot be matched by iptables (`-p 0` means every protocol)"
                        .into(),
                ))
            }
            Reply::Ip { number } => vec![proto(number.to_string())],
            Reply::AnyIp => Vec::new(),
        };
        let c = text(linux::clean_warn(
            &format!("one-way, no reply: {}", d.rule.label),
            IPT_COMMENT,
            None,
            "a rule comment",
            diags,
        ))?;
        for &s in &d.src {
            for &t in &d.dst {
                let mut m: Vec<Match> = [(Dir::Src, d.iif), (Dir::Dst, d.oif)]
                    .into_iter()
                    .filter(|(_, name)| !name.is_empty())
                    .map(|(dir, name)| iface(dir, name))
                    .collect();
                m.extend(addr_matches(fam, Some(s), t));
                m.extend(service.iter().cloned());
                m.extend(comment(&c));
                out.push(m);
            }
        }
    }
    Ok(out)
}

/// One device's configuration: both families.
pub fn ruleset(cx: &EmitContext, dev: &DeviceIr, diags: &mut Vec<Diagnostic>) -> Result<Ruleset> {
    linux::warn_policy_name(cx, diags);
    // The combinations it cannot translate are errors at the device; the configuration is
    // lowered all the same and never written.
    diags.extend(nat::refusals(cx, dev, "iptables"));
    // The filter sees the inside addresses of translated interfaces.
    let dev = &*nat::wire_view(dev);
    let mut sets = Ipsets::of(cx.model, dev)?;
    let mut rs = Ruleset {
        v4: file(cx, dev, Family::V4, &mut sets, diags)?,
        v6: file(cx, dev, Family::V6, &mut sets, diags)?,
        ipsets: sets.file(cx, dev)?,
    };
    if let Some(f) = &rs.ipsets {
        let view = ipset::resolve(f).map_err(|e| Error::Other(format!("internal: {e:?}")))?;
        rs.v4.sets = view.clone();
        rs.v6.sets = view;
    }
    Ok(rs)
}

/// `-m set --match-set NAME src|dst`.
fn set_match(name: String, dir: Dir) -> Vec<Match> {
    vec![
        module("set"),
        Match::Set {
            neg: false,
            name,
            dir,
        },
    ]
}

/// Each interval's address match, one alternative (rule) each: `-s NET` where it is a prefix,
/// `-m iprange --src-range A-B` otherwise.
fn inline_addrs(fam: Family, dir: Dir, ivs: &[(u128, u128)]) -> Vec<Vec<Match>> {
    ivs.iter()
        .map(|&(lo, hi)| {
            let net = Net {
                family: fam,
                lo,
                hi,
            };
            match linux::prefix_len(fam, lo, hi) {
                Some(_) => vec![Match::Addr {
                    dir,
                    neg: false,
                    nets: vec![net],
                }],
                None => vec![
                    module("iprange"),
                    Match::Range {
                        dir,
                        neg: false,
                        net,
                    },
                ],
            }
        })
        .collect()
}

/// What returns from an interface's anti-spoofing chain: the networks behind it. A zone behind
/// it with several intervals in the family is matched by its ipset (`-m set --match-set
/// fl_<zone>_v4 src`), as the flows match it: a zone of 1,500 host addresses is one rule, not
/// 1,500 that every packet from the interface walks. The sets' union must be exactly the
/// interface's networks (`ivs`); where it is not, every interval is written inline.
fn spoof_allowed(
    sets: &mut Ipsets,
    fam: Family,
    zones: &[ZoneId],
    ivs: &[(u128, u128)],
) -> Vec<Vec<Match>> {
    let parts: Vec<(ZoneId, &Vec<(u128, u128)>)> = zones
        .iter()
        .filter_map(|z| sets.addrs.get(&(*z, fam)).map(|a| (*z, a)))
        .collect();
    if !parts
        .iter()
        .any(|(_, a)| a.len() >= zone_sets::MIN_INTERVALS)
    {
        return inline_addrs(fam, Dir::Src, ivs);
    }
    let union = crate::packet::intervals::normalise(
        parts.iter().flat_map(|(_, a)| a.iter().copied()).collect(),
    );
    if union != ivs {
        return inline_addrs(fam, Dir::Src, ivs);
    }
    let mut out = Vec::new();
    for (z, a) in parts {
        match sets.names.get(&(z, fam)) {
            Some(name) if a.len() >= zone_sets::MIN_INTERVALS => {
                sets.used.insert((z, fam));
                out.push(set_match(name.clone(), Dir::Src));
            }
            _ => out.extend(inline_addrs(fam, Dir::Src, a)),
        }
    }
    out
}

/// The file of one family.
fn file(
    cx: &EmitContext,
    dev: &DeviceIr,
    fam: Family,
    sets: &mut Ipsets,
    diags: &mut Vec<Diagnostic>,
) -> Result<RulesFile> {
    let model = cx.model;
    for i in &dev.interfaces {
        linux::check_ifname(&i.name)?;
    }
    let mut names = BTreeSet::new();
    let mut unique = |n: String| -> Result<String> {
        if names.insert(n.clone()) {
            Ok(n)
        } else {
            Err(Error::Other(format!(
                "two iptables chains of device `{}` would be named `{n}`",
                dev.name
            )))
        }
    };
    unique("FL-ISLAND".into())?;
    let mut spoof = Vec::new();
    for i in &dev.interfaces {
        let chain = unique(chain_name(format!("FL-AS-{}", linux::slug(&i.name))))?;
        let ivs: Vec<(u128, u128)> = match fam {
            Family::V4 => i
                .behind
                .v4
                .iter()
                .map(|&(a, b)| (a as u128, b as u128))
                .collect(),
            Family::V6 => i.behind.v6.clone(),
        };
        let allowed = spoof_allowed(sets, fam, &i.behind_zones, &ivs);
        let comment = text(linux::clean_warn(
            &format!(
                "anti-spoofing: source not behind {} ({})",
                i.name, i.zone_name
            ),
            IPT_COMMENT,
            None,
            "an anti-spoofing comment",
            diags,
        ))?;
        spoof.push(Spoof {
            iface: i.name.clone(),
            chain,
            allowed,
            comment,
        });
    }
    let accept_prefix = text(linux::log_prefix(
        model,
        dev,
        " accept: ",
        IPT_LOG_PREFIX,
        diags,
    ))?;
    let mut slots = Vec::new();
    for ((p, chain), uchain) in dev
        .pairs
        .iter()
        .zip(linux::pair_names(dev, "FL-", MAX_CHAIN))
        .zip(linux::pair_names(dev, "FL-U-", MAX_CHAIN))
    {
        let (iin, iout) = (&dev.interfaces[p.ingress], &dev.interfaces[p.egress]);
        slots.push(Slot {
            ingress: Some(iin.name.clone()),
            egress: Some(iout.name.clone()),
            chain,
            untracked_chain: uchain,
            comment: linux::pair_comment(iin, iout, IPT_COMMENT, diags),
            rules: &p.rules,
        });
    }
    let (pairs, untracked) =
        accept_chains(cx, fam, slots, sets, &accept_prefix, &mut unique, diags)?;
    let mut local = Vec::new();
    for to_device in [true, false] {
        let mut slots = Vec::new();
        for l in dev.local.iter().filter(|l| l.to_device == to_device) {
            let Some(i) = dev.interfaces.get(l.interface) else {
                return Err(Error::Other(format!(
                    "internal: device `{}` has no interface {}",
                    dev.name, l.interface
                )));
            };
            let slug = linux::slug(&i.name);
            let (pre, text) = if to_device {
                ("IN", format!("{} ({}) -> this device", i.name, i.zone_name))
            } else {
                (
                    "OUT",
                    format!("this device -> {} ({})", i.name, i.zone_name),
                )
            };
            let name = |infix: &str| {
                let n = format!("FL-{pre}{infix}-{slug}");
                if n.len() <= MAX_CHAIN {
                    n
                } else {
                    format!("FL-{pre}{infix}-{}", l.interface)
                }
            };
            slots.push(Slot {
                ingress: to_device.then(|| i.name.clone()),
                egress: (!to_device).then(|| i.name.clone()),
                chain: name(""),
                untracked_chain: name("U"),
                comment: linux::clean_warn(&text, IPT_COMMENT, None, "a chain comment", diags),
                rules: &l.rules,
            });
        }
        local.push(accept_chains(
            cx,
            fam,
            slots,
            sets,
            &accept_prefix,
            &mut unique,
            diags,
        )?);
    }
    let sync = match &dev.sync {
        Some(s) => Some(
            dev.interfaces
                .get(s.interface)
                .map(|i| sync_rules(fam, &i.name, &s.peers))
                .ok_or_else(|| {
                    Error::Other(format!("internal: no sync interface on `{}`", dev.name))
                })??,
        ),
        None => None,
    };
    let one_way = one_way_rules(dev, fam, diags)?;
    if !one_way.is_empty() {
        unique(ONE_WAY.into())?;
    }
    let mut local_one_way = Vec::new();
    for (to_device, name) in [(true, LOCAL_ONE_WAY[0]), (false, LOCAL_ONE_WAY[1])] {
        let rules = one_way_rules_of(linux::local_one_way_drops(dev, to_device), fam, diags)?;
        if !rules.is_empty() {
            unique(name.into())?;
        }
        local_one_way.push(rules);
    }
    let drop_prefix = text(linux::log_prefix(
        model,
        dev,
        " drop: ",
        IPT_LOG_PREFIX,
        diags,
    ))?;
    let input_drop_prefix = text(linux::log_prefix(
        model,
        dev,
        " in drop: ",
        IPT_LOG_PREFIX,
        diags,
    ))?;
    let output_drop_prefix = text(linux::log_prefix(
        model,
        dev,
        " out drop: ",
        IPT_LOG_PREFIX,
        diags,
    ))?;
    let tool = if fam == Family::V4 {
        "iptables"
    } else {
        "ip6tables"
    };
    let v6 = fam == Family::V6;
    let stamp = cx.stamp;
    let header = [
        format!(
            " fenceline {}: policy \"{}\" sha256 {}",
            stamp.version, stamp.policy, stamp.hash
        ),
        device_line(&dev.name, None, tool),
        format!(" Load with `{tool}-restore < FILE`: replaces the filter table in one commit."),
        " FORWARD: policy DROP; FL-ISLAND, anti-spoofing, conntrack, one chain per interface pair."
            .into(),
        format!(
            " INPUT: policy DROP except loopback, replies{} and the `-> self` flows.",
            if v6 { ", neighbour discovery" } else { "" }
        ),
        format!(
            " OUTPUT: policy DROP except loopback, replies{} and the `self ->` flows.",
            if v6 { ", neighbour discovery" } else { "" }
        ),
        format!(
            " Island mode (SR 5.2 RE2): `{tool} -A FL-ISLAND -i IFACE -j DROP` and `-o IFACE -j DROP`."
        ),
    ];
    let mut header = header.to_vec();
    let translated: Vec<_> = nat::translated(dev)
        .into_iter()
        .filter(|t| !t.nets(fam).is_empty())
        .collect();
    if !translated.is_empty() {
        header.push(
            " Static 1:1 NAT: also replaces the raw, mangle and nat tables; load after `ip -batch iproute2.batch`."
                .into(),
        );
    }
    if sync.is_some() {
        header.push(
            " Cluster sync: VRRP and conntrackd between the nodes on the sync interface only."
                .into(),
        );
    }
    let mut lines = Vec::new();
    for h in header {
        lines.push(Line::Comment(text(h)?));
    }
    let t = Table {
        name: "filter".into(),
        entries: filter_table(FilterTable {
            v6,
            spoof: &spoof,
            pairs,
            untracked,
            local,
            sync: sync.as_ref(),
            one_way: &one_way,
            local_one_way: &local_one_way,
            drop_prefix: &drop_prefix,
            input_drop_prefix: &input_drop_prefix,
            output_drop_prefix: &output_drop_prefix,
            direct_inside: &direct_inside_drops(&translated, fam, diags)?,
        })?,
    };
    lines.push(Line::Table(t));
    lines.extend(nat_tables(&translated, fam).into_iter().map(Line::Table));
    Ok(RulesFile::new(
        fam,
        format!("{}/{tool}.rules", dev.name),
        lines,
    ))
}

/// The header line that names the device (and, for a node of a cluster, its cluster).
fn device_line(device: &str, cluster: Option<&str>, tool: &str) -> String {
    let who = match cluster {
        Some(c) => format!("{device}, node of cluster {c}"),
        None => device.to_string(),
    };
    format!(" Device {who}: {tool}-restore ruleset, generated; change the policy, not this file.")
}

/// The files of `node`, a node of the cluster `dev`: the same tables, the header naming the
/// node. The nodes' files differ in that line only.
pub fn name_node(rs: &mut Ruleset, dev: &DeviceIr, node: &str) {
    for (f, tool) in [(&mut rs.v4, "iptables"), (&mut rs.v6, "ip6tables")] {
        if let (Some(Line::Comment(c)), Ok(t)) = (
            f.lines.get_mut(1),
            Text::new(device_line(node, Some(&dev.name), tool)),
        ) {
            *c = t;
        }
        f.path = format!("{node}/{tool}.rules");
    }
    if let Some(f) = rs.ipsets.as_mut() {
        if let (Some(SetLine::Comment(c)), Ok(t)) = (
            f.lines.get_mut(1),
            Text::new(ipset_device_line(node, Some(&dev.name))),
        ) {
            *c = t;
        }
        f.path = format!("{node}/ipset.rules");
    }
}

/// The line of `ipset.rules` that names the device (and, for a node of a cluster, its cluster).
fn ipset_device_line(device: &str, cluster: Option<&str>) -> String {
    let who = match cluster {
        Some(c) => format!("{device}, node of cluster {c}"),
        None => device.to_string(),
    };
    format!(" Device {who}: the zone sets its iptables rules match, generated; change the policy, not this file.")
}

struct FilterTable<'a> {
    v6: bool,
    spoof: &'a [Spoof],
    /// The accept chains, consumed as their rules are written (a million accepts are not held
    /// twice).
    pairs: Vec<PairChain>,
    untracked: Vec<PairChain>,
    /// The device's own traffic, in (`INPUT`) then out (`OUTPUT`): accept chains and untracked
    /// ICMP chains.
    local: Vec<(Vec<PairChain>, Vec<PairChain>)>,
    sync: Option<&'a SyncRules>,
    /// The rules of [`ONE_WAY`]: each drops the reply direction of a `one-way` rule.
    one_way: &'a [Vec<Match>],
    /// The rules of [`LOCAL_ONE_WAY`], in then out.
    local_one_way: &'a [Vec<Vec<Match>>],
    drop_prefix: &'a Text,
    input_drop_prefix: &'a Text,
    output_drop_prefix: &'a Text,
    /// FORWARD drops of a translated zone's inside addresses reached directly.
    direct_inside: &'a [Rule],
}

/// The `*filter` block: chain declarations, then INPUT, FORWARD, anti-spoofing, pair and
/// untracked-ICMP rules.
fn filter_table(t: FilterTable) -> Result<Vec<Entry>> {
    use crate::dialect::conntrack::State;
    let decl = |name: &str, policy| {
        Entry::Chain(ChainDecl {
            name: name.into(),
            policy,
            counters: Some((0, 0)),
        })
    };
    let mut out = vec![
        decl("INPUT", Some(Policy::Drop)),
        decl("FORWARD", Some(Policy::Drop)),
        decl("OUTPUT", Some(Policy::Drop)),
        decl("FL-ISLAND", None),
    ];
    out.extend(t.spoof.iter().map(|a| decl(&a.chain, None)));
    out.extend(t.pairs.iter().map(|p| decl(&p.chain, None)));
    out.extend(t.untracked.iter().map(|p| decl(&p.chain, None)));
    if !t.one_way.is_empty() {
        out.push(decl(ONE_WAY, None));
    }
    for (rules, name) in t.local_one_way.iter().zip(LOCAL_ONE_WAY) {
        if !rules.is_empty() {
            out.push(decl(name, None));
        }
    }
    for (chains, untracked) in &t.local {
        out.extend(chains.iter().map(|p| decl(&p.chain, None)));
        out.extend(untracked.iter().map(|p| decl(&p.chain, None)));
    }
    // Each accept chain's pieces, in the order the chains are written ([`in_written_order`]): the
    // runs are declared here and numbered in that order.
    let pieces: Vec<Vec<Segment>> = in_written_order(&t)
        .map(|(p, new)| {
            if new {
                factor_runs(&p.rules)
            } else {
                vec![Segment {
                    len: p.rules.len(),
                    run: false,
                }]
            }
        })
        .collect();
    let runs = pieces.iter().flatten().filter(|seg| seg.run).count();
    out.extend((1..=runs).map(|n| decl(&format!("FL-F{n}"), None)));
    let mut add = |chain: &str, rule: Rule| {
        out.push(Entry::Command(Command::Append {
            chain: chain.into(),
            rule,
        }))
    };
    let dispatch = |p: &PairChain, states: &[State]| {
        let mut m = Vec::new();
        if let Some(i) = &p.ingress {
            m.push(iface(Dir::Src, i));
        }
        if let Some(o) = &p.egress {
            m.push(iface(Dir::Dst, o));
        }
        if !states.is_empty() {
            m.extend(ctstate(states));
        }
        m.extend(comment(&p.comment));
        Rule::jump(m, p.chain.clone())
    };
    let none = (Vec::new(), Vec::new());
    for (k, base) in ["INPUT", "OUTPUT"].into_iter().enumerate() {
        let dir = if k == 0 { Dir::Src } else { Dir::Dst };
        let (chains, untracked) = t.local.get(k).unwrap_or(&none);
        add(base, Rule::jump(vec![iface(dir, "lo")], "ACCEPT"));
        if t.local_one_way.get(k).is_some_and(|r| !r.is_empty()) {
            // The replies of the device's own `one-way` flows, before established ones pass.
            let reply = vec![
                module("conntrack"),
                Match::CtDir {
                    neg: false,
                    reply: true,
                },
            ];
            add(base, Rule::jump(reply, LOCAL_ONE_WAY[k]));
        }
        add(
            base,
            Rule::jump(ctstate(&[State::Established, State::Related]), "ACCEPT"),
        );
        for p in untracked {
            add(base, dispatch(p, &[State::Invalid, State::Untracked]));
        }
        add(base, Rule::jump(ctstate(&[State::Invalid]), "DROP"));
        if t.v6 {
            let nd = text(if k == 0 {
                "neighbour discovery on the firewall's own links"
            } else {
                "neighbour discovery the firewall sends on its own links"
            })?;
            for ty in ["neighbour-solicitation", "neighbour-advertisement"] {
                let mut m = vec![
                    proto("ipv6-icmp"),
                    module("icmp6"),
                    Match::Icmp {
                        v6: true,
                        name: ty.into(),
                    },
                    module("hl"),
                    Match::HlEq(255),
                ];
                m.extend(comment(&nd));
                add(base, Rule::jump(m, "ACCEPT"));
            }
        }
        if let Some(sync) = t.sync {
            for (m, c) in &sync.rules {
                let mut r = vec![iface(dir, &sync.iface)];
                r.extend(m.iter().cloned());
                r.extend(comment(c));
                add(base, Rule::jump(r, "ACCEPT"));
            }
        }
        for p in chains {
            add(base, dispatch(p, &[]));
        }
        let prefix = if k == 0 {
            t.input_drop_prefix
        } else {
            t.output_drop_prefix
        };
        add(base, log(Vec::new(), true, prefix));
        add(base, Rule::jump(Vec::new(), "DROP"));
    }
    add("FORWARD", Rule::jump(Vec::new(), "FL-ISLAND"));
    for a in t.spoof {
        add(
            "FORWARD",
            Rule::jump(vec![iface(Dir::Src, &a.iface)], a.chain.clone()),
        );
    }
    if !t.one_way.is_empty() {
        let reply = vec![
            module("conntrack"),
            Match::CtDir {
                neg: false,
                reply: true,
            },
        ];
        add("FORWARD", Rule::jump(reply, ONE_WAY));
    }
    add(
        "FORWARD",
        Rule::jump(ctstate(&[State::Established, State::Related]), "ACCEPT"),
    );
    for p in &t.untracked {
        add("FORWARD", dispatch(p, &[State::Invalid, State::Untracked]));
    }
    add("FORWARD", Rule::jump(ctstate(&[State::Invalid]), "DROP"));
    for r in t.direct_inside {
        add("FORWARD", r.clone());
    }
    for p in &t.pairs {
        add("FORWARD", dispatch(p, &[]));
    }
    add("FORWARD", log(Vec::new(), true, t.drop_prefix));
    add("FORWARD", Rule::jump(Vec::new(), "DROP"));
    for a in t.spoof {
        for m in &a.allowed {
            add(&a.chain, Rule::jump(m.clone(), "RETURN"));
        }
        add(&a.chain, Rule::jump(comment(&a.comment), "DROP"));
    }
    for m in t.one_way {
        add(ONE_WAY, Rule::jump(m.clone(), "DROP"));
    }
    for (rules, name) in t.local_one_way.iter().zip(LOCAL_ONE_WAY) {
        for m in rules {
            add(name, Rule::jump(m.clone(), "DROP"));
        }
    }
    // An accept rule, moved out of its `Accept` (and its log rule in front); `with_head`: with
    // its address matches, `new`: with `--ctstate NEW`.
    let accept = |add: &mut dyn FnMut(&str, Rule), chain: &str, r: Accept, with_head, new| {
        let Accept {
            head,
            tail,
            comment: text,
            log_prefix,
        } = r;
        let head: &[Match] = if with_head { &head } else { &[] };
        let mut m = Vec::with_capacity(head.len() + tail.len() + 2 * usize::from(new) + 2);
        m.extend_from_slice(head);
        m.extend(tail);
        if new {
            m.extend(ctstate(&[State::New]));
        }
        if let Some(prefix) = &log_prefix {
            add(chain, log(m.clone(), false, prefix));
        }
        m.extend([module("comment"), Match::Comment(text)]);
        add(chain, Rule::jump(m, "ACCEPT"));
    };
    // The same chains in the same order, moved: the runs get the numbers declared above, and a
    // run's rules follow its jump.
    let owned = t
        .pairs
        .into_iter()
        .map(|p| (p, true))
        .chain(t.untracked.into_iter().map(|p| (p, false)))
        .chain(t.local.into_iter().flat_map(|(chains, untracked)| {
            chains
                .into_iter()
                .map(|p| (p, true))
                .chain(untracked.into_iter().map(|p| (p, false)))
        }));
    let mut runs = 0;
    for ((p, new), segments) in owned.zip(pieces) {
        let PairChain {
            chain: name,
            comment: chain_comment,
            rules,
            ..
        } = p;
        let mut rules = rules.into_iter();
        for seg in segments {
            if !seg.run {
                for r in rules.by_ref().take(seg.len) {
                    accept(&mut add, &name, r, true, new);
                }
                continue;
            }
            runs += 1;
            let sub = format!("FL-F{runs}");
            let mut members = rules.by_ref().take(seg.len).peekable();
            let Some(first) = members.peek() else {
                return Err(Error::Other("internal: an empty run".into()));
            };
            let mut m = first.head.to_vec();
            m.extend(ctstate(&[State::New]));
            let text = format!(
                "{}: {} rules of one source and destination",
                chain_comment.as_str(),
                seg.len
            );
            m.extend(comment(&self::text(
                crate::dialect::sanitize::clean(&text, IPT_COMMENT).text,
            )?));
            add(&name, Rule::jump(m, sub.clone()));
            for r in members {
                accept(&mut add, &sub, r, false, false);
            }
        }
    }
    Ok(out)
}

/// The accept chains of a filter table in the order their rules are written, each with
/// whether its rules match `--ctstate NEW` (an untracked-ICMP chain's do not, and it has no
/// runs).
fn in_written_order<'t>(t: &'t FilterTable) -> impl Iterator<Item = (&'t PairChain, bool)> + 't {
    t.pairs
        .iter()
        .map(|p| (p, true))
        .chain(t.untracked.iter().map(|p| (p, false)))
        .chain(t.local.iter().flat_map(|(chains, untracked)| {
            chains
                .iter()
                .map(|p| (p, true))
                .chain(untracked.iter().map(|p| (p, false)))
        }))
}

/// Fewest rules in a row that [`factor_runs`] moves into a chain of their own.
const FACTOR_RUN: usize = 3;

/// A piece of an accept chain: `len` rules in a row, a run behind one jump or not.
struct Segment {
    len: usize,
    run: bool,
}

/// Rules in a row of one chain that match the same addresses, at least [`FACTOR_RUN`] of them,
/// as one rule that matches those and `--ctstate NEW` once and jumps to a chain `FL-F<n>` of the
/// rules without them (`n` counts the device's runs; no other chain name is `FL-F` and digits:
/// pair chains hold a `_`), written right after the jump. A packet that matches the jump meets
/// the same rules in the same order; one that does not would have matched none of them; the
/// chain's end returns to the rule after the jump. The kernel looks the addresses up once per
/// packet instead of once per rule. Every rule keeps its comment.
fn factor_runs(rules: &[Accept]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut i = 0;
    while i < rules.len() {
        let head = &rules[i].head;
        let mut j = i + 1;
        while !head.is_empty()
            && rules
                .get(j)
                .is_some_and(|r| Arc::ptr_eq(&r.head, head) || r.head == *head)
        {
            j += 1;
        }
        let run = j - i >= FACTOR_RUN;
        match out.last_mut() {
            // Rules on their own in a row: one piece.
            Some(last) if !run && !last.run => last.len += j - i,
            _ => out.push(Segment { len: j - i, run }),
        }
        i = j;
    }
    out
}

fn net(n: ipnet::IpNet) -> Net {
    let (fam, lo, hi) = match n {
        ipnet::IpNet::V4(v) => (
            Family::V4,
            u32::from(v.network()) as u128,
            u32::from(v.broadcast()) as u128,
        ),
        ipnet::IpNet::V6(v) => (
            Family::V6,
            u128::from(v.network()),
            u128::from(v.broadcast()),
        ),
    };
    Net {
        family: fam,
        lo,
        hi,
    }
}

fn addr(dir: Dir, n: ipnet::IpNet) -> Match {
    Match::Addr {
        dir,
        neg: false,
        nets: vec![net(n)],
    }
}

fn other(neg: bool, option: &str, value: String) -> Match {
    Match::other(neg, option, vec![value])
}

fn target(name: &'static str, option: &str, value: String) -> Rule {
    Rule {
        matches: Vec::new(),
        jump: Some(Jump {
            goto: false,
            target: name.into(),
            options: vec![TargetOpt::Other {
                option: option.into(),
                values: vec![value],
            }],
        }),
    }
}

/// FORWARD, before the pair chains (new connections only): a packet leaving by a translated
/// interface to its inside addresses passes only if it was sent to their outside ones
/// (`--ctorigdst`, the destination before DNAT); a skid's inside address reached directly from
/// another zone is dropped.
fn direct_inside_drops(
    translated: &[nat::Translated],
    fam: Family,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Rule>> {
    let mut out = Vec::new();
    for t in translated {
        for (inside, outside) in t.nets(fam) {
            let c = text(linux::clean_warn(
                &format!(
                    "{} ({}): inside addresses only by their outside ones (nat)",
                    t.iface.name, t.iface.zone_name
                ),
                IPT_COMMENT,
                None,
                "a rule comment",
                diags,
            ))?;
            let mut m = vec![
                addr(Dir::Dst, inside),
                iface(Dir::Dst, &t.iface.name),
                module("conntrack"),
                other(true, "--ctorigdst", outside.to_string()),
            ];
            m.extend(comment(&c));
            out.push(Rule::jump(m, "DROP"));
        }
    }
    Ok(out)
}

/// The `raw`, `mangle` and `nat` tables of a translating device (none when it translates
/// nothing of this family): the conntrack zone (`CT --zone`; the first CT rule a packet meets
/// decides, so the interface's own packets come first) and the packet mark (`MARK`, the last
/// one set decides, so they come last) of each translated interface, set by input interface and
/// by outside destination; `NETMAP` of the outside networks to the inside ones for packets from
/// elsewhere, and of the inside networks to the outside ones for packets with the interface's
/// mark (POSTROUTING has no input interface).
fn nat_tables(translated: &[nat::Translated], fam: Family) -> Vec<Table> {
    if translated.is_empty() {
        return Vec::new();
    }
    let decl = |name: &str| {
        Entry::Chain(ChainDecl {
            name: name.into(),
            policy: Some(Policy::Accept),
            counters: Some((0, 0)),
        })
    };
    let add = |chain: &str, rule: Rule| {
        Entry::Command(Command::Append {
            chain: chain.into(),
            rule,
        })
    };
    let with = |mut r: Rule, m: Vec<Match>| {
        r.matches = m;
        r
    };
    let iif = |t: &nat::Translated| iface(Dir::Src, &t.iface.name);
    let (mut raw, mut mangle, mut nat_pre, mut nat_post) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let zone = |id: u32| target("CT", "--zone", id.to_string());
    let mark = |id: u32| target("MARK", "--set-xmark", format!("{id:#x}/0xffffffff"));
    for t in translated {
        raw.push(add("PREROUTING", with(zone(t.id), vec![iif(t)])));
    }
    for t in translated {
        for (inside, outside) in t.nets(fam) {
            raw.push(add(
                "PREROUTING",
                with(zone(t.id), vec![addr(Dir::Dst, outside)]),
            ));
            mangle.push(add(
                "PREROUTING",
                with(mark(t.id), vec![addr(Dir::Dst, outside)]),
            ));
            let mut not_from = iface(Dir::Src, &t.iface.name);
            if let Match::Iface { neg, .. } = &mut not_from {
                *neg = true;
            }
            nat_pre.push(add(
                "PREROUTING",
                with(
                    target("NETMAP", "--to", inside.to_string()),
                    vec![addr(Dir::Dst, outside), not_from],
                ),
            ));
            nat_post.push(add(
                "POSTROUTING",
                with(
                    target("NETMAP", "--to", outside.to_string()),
                    vec![
                        addr(Dir::Src, inside),
                        module("mark"),
                        other(false, "--mark", format!("{:#x}", t.id)),
                    ],
                ),
            ));
        }
    }
    for t in translated {
        mangle.push(add("PREROUTING", with(mark(t.id), vec![iif(t)])));
    }
    let table = |name: &str, chains: &[&str], rules: Vec<Entry>| {
        let mut entries: Vec<Entry> = chains.iter().map(|c| decl(c)).collect();
        entries.extend(rules);
        Table {
            name: name.into(),
            entries,
        }
    };
    vec![
        table("raw", &["PREROUTING", "OUTPUT"], raw),
        table(
            "mangle",
            &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
            mangle,
        ),
        table(
            "nat",
            &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
            nat_pre.into_iter().chain(nat_post).collect(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ipset names fit the kernel's 31 characters with `_new` appended, keep the family at
    /// the end, and differ for long names that share their beginning.
    #[test]
    fn ipset_names_are_bounded_and_distinct() {
        assert_eq!(ipset_name("ops", Family::V4), "fl_ops_v4");
        assert_eq!(ipset_name("site.cells", Family::V6), "fl_site_cells_v6");
        let a = ipset_name("substation-01.process-control-network", Family::V4);
        let b = ipset_name("substation-01.process-control-network-2", Family::V4);
        for n in [&a, &b] {
            assert!(n.len() <= MAX_IPSET && n.ends_with("_v4"), "{n}");
            assert!(format!("{n}_new").len() <= 31);
        }
        assert_ne!(a, b);
    }
}
