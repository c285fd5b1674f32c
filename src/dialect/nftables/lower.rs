//! Pass 5, Ir -> nftables text: one `table inet fenceline` per firewall, replaced in one kernel
//! transaction (declare, delete, define; never `flush ruleset`, which would remove other
//! tables such as Docker's or libvirt's).
//!
//! Layout, and why:
//! - `forward` (policy drop): island-mode set first (so cutting a zone also cuts its live
//!   sessions), anti-spoofing per ingress interface, `ct state established,related accept`,
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
//! - `input` (policy drop): loopback, replies to the firewall's own connections, and ICMPv6
//!   neighbour solicitations and advertisements (hop limit 255, i.e. on-link) so dual stack works
//!   on the firewall's own links. Nothing else reaches the firewall, management included: the
//!   policy does not describe it. `output` is not filtered.

use crate::diagnostic::Diagnostic;
use crate::dialect::linux::{self, Group, Shape};
use crate::dialect::sanitize::{NFT_COMMENT, NFT_LOG_PREFIX};
use crate::dialect::{render_one, EmitContext, Stamp};
use crate::error::{Error, Result};
use crate::packet::Family;
use crate::plan::DeviceIr;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

const TEMPLATE: &str = include_str!("../../../targets/nftables/ruleset.nft.j2");

/// nft identifiers: short enough for old kernels (32 bytes with the terminator).
const MAX_NAME: usize = 31;
/// Longest pair chain name, leaving room for set suffixes (`_ports_v4_log`).
const MAX_PAIR: usize = MAX_NAME - 13;

pub struct Nftables;

#[derive(Debug, Clone, Serialize)]
pub struct SetView {
    pub name: String,
    /// nft type, e.g. `ipv4_addr . ipv4_addr . inet_proto . inet_service`.
    pub kind: String,
    pub comment: String,
    pub elements: Vec<ElementView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ElementView {
    pub text: String,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpoofView {
    pub iface: String,
    pub chain: String,
    /// `ip saddr @z_dmz_v4` etc.: sources that may arrive on this interface.
    pub allowed: Vec<String>,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    /// The concatenated selector, e.g. `ip saddr . ip daddr . meta l4proto . th dport`.
    pub key: String,
    pub set: String,
    pub log_prefix: Option<String>,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairView {
    pub ingress: String,
    pub egress: String,
    pub chain: String,
    pub comment: String,
    pub rules: Vec<RuleView>,
}

/// Everything the template formats.
#[derive(Debug, Clone, Serialize)]
pub struct NftView {
    pub stamp: Stamp,
    pub device: String,
    pub zone_sets: Vec<SetView>,
    pub pair_sets: Vec<SetView>,
    pub spoof: Vec<SpoofView>,
    pub pairs: Vec<PairView>,
    /// Per interface pair with ICMP that conntrack never calls new (whole-protocol flows):
    /// rules on the pair's sets without a state match, reached before the invalid drop.
    pub untracked: Vec<PairView>,
    pub drop_prefix: String,
    pub input_drop_prefix: String,
}

impl NftView {
    /// Rules the loaded table holds: forward (island 2, spoof vmap, established, invalid, pair
    /// vmap, log, drop), input (lo, established, invalid, ND, log, drop), one per spoof chain
    /// entry plus its drop, and every pair rule. Tests compare it with `nft -j list ruleset`.
    pub fn rule_count(&self) -> usize {
        let forward = 2
            + usize::from(!self.spoof.is_empty())
            + 2
            + usize::from(!self.untracked.is_empty())
            + usize::from(!self.pairs.is_empty())
            + 2;
        let input = 6;
        let spoof: usize = self.spoof.iter().map(|s| s.allowed.len() + 1).sum();
        let pairs: usize = self
            .pairs
            .iter()
            .chain(&self.untracked)
            .map(|p| p.rules.len())
            .sum();
        forward + input + spoof + pairs
    }
    /// Elements of every set.
    pub fn element_count(&self) -> usize {
        self.zone_sets
            .iter()
            .chain(&self.pair_sets)
            .map(|s| s.elements.len())
            .sum()
    }
}

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

fn addr_key(fam: Family) -> &'static str {
    match fam {
        Family::V4 => "ip saddr . ip daddr",
        Family::V6 => "ip6 saddr . ip6 daddr",
    }
}

/// Selector and set type of a group.
fn shape_key(fam: Family, shape: Shape) -> (String, String) {
    let (k, t) = (addr_key(fam), addr_kind(fam));
    match shape {
        Shape::Ports => (
            format!("{k} . meta l4proto . th dport"),
            format!("{t} . {t} . inet_proto . inet_service"),
        ),
        Shape::IcmpType => match fam {
            Family::V4 => (format!("{k} . icmp type"), format!("{t} . {t} . icmp_type")),
            Family::V6 => (
                format!("{k} . icmpv6 type"),
                format!("{t} . {t} . icmpv6_type"),
            ),
        },
        Shape::Proto => (
            format!("{k} . meta l4proto"),
            format!("{t} . {t} . inet_proto"),
        ),
        Shape::Any => (k.to_string(), format!("{t} . {t}")),
    }
}

fn element_text(fam: Family, shape: Shape, e: &linux::Element) -> String {
    let s = linux::interval_text(fam, e.src);
    let d = linux::interval_text(fam, e.dst);
    match shape {
        Shape::Ports => {
            let proto = if e.proto == 6 { "tcp" } else { "udp" };
            let ports = if e.lo == e.hi {
                e.lo.to_string()
            } else {
                format!("{}-{}", e.lo, e.hi)
            };
            format!("{s} . {d} . {proto} . {ports}")
        }
        Shape::IcmpType => format!("{s} . {d} . {}", e.lo),
        Shape::Proto => format!("{s} . {d} . {}", e.proto),
        Shape::Any => format!("{s} . {d}"),
    }
}

fn shape_words(shape: Shape) -> &'static str {
    match shape {
        Shape::Ports => "tcp/udp ports",
        Shape::IcmpType => "icmp types",
        Shape::Proto => "ip protocols",
        Shape::Any => "every protocol",
    }
}

/// Builds the view of one firewall: every decision the template needs, already made.
pub fn view(cx: &EmitContext, dev: &DeviceIr, diags: &mut Vec<Diagnostic>) -> Result<NftView> {
    let model = cx.model;
    let device = model.device(dev.device);
    for i in &dev.interfaces {
        linux::check_ifname(&i.name)?;
    }
    let mut names = BTreeSet::new();
    let mut unique = |n: String| -> Result<String> {
        if names.insert(n.clone()) {
            Ok(n)
        } else {
            Err(Error::Other(format!(
                "two nftables objects of device `{}` would be named `{n}`",
                dev.name
            )))
        }
    };

    // Zone sets: every zone behind one of the interfaces, one set per family.
    let mut zones: Vec<_> = dev
        .interfaces
        .iter()
        .flat_map(|i| i.behind_zones.iter().copied())
        .collect();
    zones.sort();
    zones.dedup();
    let mut zone_sets = Vec::new();
    let mut zone_set_name = std::collections::BTreeMap::new();
    for z in zones {
        let zone = model.zone(z);
        for fam in Family::BOTH {
            let ivs: Vec<(u128, u128)> = match fam {
                Family::V4 => zone
                    .addrs
                    .v4
                    .iter()
                    .map(|&(a, b)| (a as u128, b as u128))
                    .collect(),
                Family::V6 => zone.addrs.v6.clone(),
            };
            if ivs.is_empty() {
                continue;
            }
            let name = unique(bounded(&format!(
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
                Some(zone.span),
                "a zone's description",
                diags,
            );
            zone_set_name.insert((z, fam), name.clone());
            zone_sets.push(SetView {
                name,
                kind: addr_kind(fam).to_string(),
                comment,
                elements: ivs
                    .iter()
                    .map(|&iv| ElementView {
                        text: linux::interval_text(fam, iv),
                        comment: String::new(),
                    })
                    .collect(),
            });
        }
    }

    let mut spoof = Vec::new();
    for i in &dev.interfaces {
        let chain = unique(bounded(&format!("as_{}", linux::slug(&i.name))))?;
        let mut allowed = Vec::new();
        for fam in Family::BOTH {
            for z in &i.behind_zones {
                if let Some(set) = zone_set_name.get(&(*z, fam)) {
                    let sel = match fam {
                        Family::V4 => "ip saddr",
                        Family::V6 => "ip6 saddr",
                    };
                    allowed.push(format!("{sel} @{set}"));
                }
            }
        }
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
        spoof.push(SpoofView {
            iface: i.name.clone(),
            chain,
            allowed,
            comment,
        });
    }

    let accept_prefix =
        linux::log_prefix(&dev.name, " accept: ", NFT_LOG_PREFIX, device.span, diags);
    let pair_chain = linux::pair_names(dev, "p_", MAX_PAIR);
    let untracked_chain = linux::pair_names(dev, "u_", MAX_PAIR);
    let mut pair_sets = Vec::new();
    let mut pairs = Vec::new();
    let mut untracked = Vec::new();
    for ((p, chain), uchain) in dev.pairs.iter().zip(pair_chain).zip(untracked_chain) {
        let chain = unique(chain)?;
        let (iin, iout) = (&dev.interfaces[p.ingress], &dev.interfaces[p.egress]);
        let mut rules = Vec::new();
        let mut urules = Vec::new();
        for g in linux::pair_groups(&p.rules) {
            let Group {
                family,
                shape,
                log,
                elements,
            } = g;
            let set = unique(format!(
                "{chain}_{}_{}{}",
                shape.name(),
                family.suffix(),
                if log { "_log" } else { "" }
            ))?;
            let (key, kind) = shape_key(family, shape);
            let els = elements
                .iter()
                .map(|e| ElementView {
                    text: element_text(family, shape, e),
                    comment: linux::rule_comment(
                        model,
                        &p.rules[e.rule],
                        e.merged,
                        NFT_COMMENT,
                        diags,
                    ),
                })
                .collect();
            let what = format!(
                "{} -> {}: {} {}",
                iin.name,
                iout.name,
                shape_words(shape),
                family.suffix()
            );
            let comment = linux::clean_warn(&what, NFT_COMMENT, None, "a rule comment", diags);
            if elements
                .iter()
                .any(|e| !linux::untracked_protos(shape, family, e).is_empty())
            {
                urules.push(RuleView {
                    key: key.clone(),
                    set: set.clone(),
                    log_prefix: log.then(|| accept_prefix.clone()),
                    comment: comment.clone(),
                });
            }
            pair_sets.push(SetView {
                name: set.clone(),
                kind,
                comment: comment.clone(),
                elements: els,
            });
            rules.push(RuleView {
                key,
                set,
                log_prefix: log.then(|| accept_prefix.clone()),
                comment,
            });
        }
        let comment = linux::pair_comment(iin, iout, NFT_COMMENT, diags);
        if !urules.is_empty() {
            untracked.push(PairView {
                ingress: iin.name.clone(),
                egress: iout.name.clone(),
                chain: unique(uchain)?,
                comment: linux::clean_warn(
                    &format!("{comment}: ICMP that conntrack never tracks as new"),
                    NFT_COMMENT,
                    None,
                    "a chain comment",
                    diags,
                ),
                rules: urules,
            });
        }
        pairs.push(PairView {
            ingress: iin.name.clone(),
            egress: iout.name.clone(),
            chain,
            comment,
            rules,
        });
    }

    Ok(NftView {
        stamp: cx.stamp.clone(),
        device: dev.name.clone(),
        zone_sets,
        pair_sets,
        spoof,
        pairs,
        untracked,
        drop_prefix: linux::log_prefix(&dev.name, " drop: ", NFT_LOG_PREFIX, device.span, diags),
        input_drop_prefix: linux::log_prefix(
            &dev.name,
            " input drop: ",
            NFT_LOG_PREFIX,
            device.span,
            diags,
        ),
    })
}

/// Renders a view.
pub fn text(view: &NftView) -> Result<String> {
    render_one("ruleset.nft.j2", TEMPLATE, view)
}
