//! Pass 5, Ir -> iptables-restore text: `iptables.rules` (IPv4) and `ip6tables.rules` (IPv6)
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
//! ICMP that conntrack never classifies NEW (whole-protocol flows; see the nftables backend)
//! jumps, per interface pair and when INVALID or UNTRACKED, to a chain of ACCEPT rules without a
//! state match, placed before the INVALID drop.
//!
//! iptables has no concatenated sets, so a pair chain holds one rule per disjoint element
//! (source interval x destination interval x service); intervals that are not one prefix use
//! `-m iprange`. Every comment passes the sanitiser: no quote, backslash or control character
//! can end the argument or start a new line.

use crate::diagnostic::Diagnostic;
use crate::dialect::linux::{self, Shape};
use crate::dialect::sanitize::{IPT_COMMENT, IPT_LOG_PREFIX};
use crate::dialect::{render_one, EmitContext, Stamp};
use crate::error::{Error, Result};
use crate::packet::Family;
use crate::plan::DeviceIr;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

const TEMPLATE: &str = include_str!("../../../targets/iptables/filter.rules.j2");

/// iptables chain names: at most 28 characters.
const MAX_CHAIN: usize = 28;

pub struct Iptables;

#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    /// Match arguments, e.g. `-s 10.10.0.0/16 -d 10.20.0.10/32 -p tcp -m tcp --dport 443`.
    pub matches: String,
    pub comment: String,
    /// Prefix of a LOG rule placed before the ACCEPT (the flow's `log` option).
    pub log_prefix: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpoofView {
    pub iface: String,
    pub chain: String,
    /// `-s` / `-m iprange --src-range` arguments of the sources that may arrive here.
    pub allowed: Vec<String>,
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

/// One file (one family).
#[derive(Debug, Clone, Serialize)]
pub struct IptView {
    pub stamp: Stamp,
    pub device: String,
    /// `iptables` or `ip6tables`.
    pub tool: String,
    pub v6: bool,
    pub spoof: Vec<SpoofView>,
    pub pairs: Vec<PairView>,
    /// Per interface pair with ICMP that conntrack never calls NEW (whole-protocol flows): rules
    /// without a state match, jumped to for INVALID and UNTRACKED packets before they are dropped.
    pub untracked: Vec<PairView>,
    pub drop_prefix: String,
    pub input_drop_prefix: String,
}

impl IptView {
    /// Rules of the filter table once loaded (what `iptables-save` lists as `-A` lines).
    pub fn rule_count(&self) -> usize {
        let input = 5 + if self.v6 { 2 } else { 0 };
        let forward = 1 + self.spoof.len() + 2 + self.untracked.len() + self.pairs.len() + 2;
        let spoof: usize = self.spoof.iter().map(|s| s.allowed.len() + 1).sum();
        let pairs: usize = self
            .pairs
            .iter()
            .chain(&self.untracked)
            .flat_map(|p| &p.rules)
            .map(|r| 1 + usize::from(r.log_prefix.is_some()))
            .sum();
        input + forward + spoof + pairs
    }
}

fn chain_name(name: String) -> String {
    if name.len() <= MAX_CHAIN {
        return name;
    }
    let h = hex::encode(&Sha256::digest(name.as_bytes())[..4]);
    format!("{}-{h}", &name[..MAX_CHAIN - 9])
}

/// `-s 10.0.0.0/8` for a prefix, otherwise an iprange argument (`--src-range a-b`).
fn addr_arg(fam: Family, dir: char, iv: (u128, u128)) -> (Option<String>, Option<String>) {
    match linux::prefix_len(fam, iv.0, iv.1) {
        Some(len) => (
            Some(format!(
                "-{dir} {}/{len}",
                linux::interval_text(fam, (iv.0, iv.0))
            )),
            None,
        ),
        None => {
            let which = if dir == 's' { "src" } else { "dst" };
            (
                None,
                Some(format!("--{which}-range {}", linux::interval_text(fam, iv))),
            )
        }
    }
}

fn addr_matches(fam: Family, src: Option<(u128, u128)>, dst: (u128, u128)) -> String {
    let mut plain = Vec::new();
    let mut ranges = Vec::new();
    let parts = src
        .map(|s| addr_arg(fam, 's', s))
        .into_iter()
        .chain(std::iter::once(addr_arg(fam, 'd', dst)));
    for (p, r) in parts {
        plain.extend(p);
        ranges.extend(r);
    }
    if !ranges.is_empty() {
        plain.push(format!("-m iprange {}", ranges.join(" ")));
    }
    plain.join(" ")
}

fn service_matches(fam: Family, shape: Shape, e: &linux::Element) -> Result<String> {
    Ok(match shape {
        Shape::Ports => {
            let p = if e.proto == 6 { "tcp" } else { "udp" };
            let ports = if e.lo == e.hi {
                e.lo.to_string()
            } else {
                format!("{}:{}", e.lo, e.hi)
            };
            format!("-p {p} -m {p} --dport {ports}")
        }
        Shape::IcmpType => match fam {
            Family::V4 => format!("-p icmp -m icmp --icmp-type {}", e.lo),
            Family::V6 => format!("-p ipv6-icmp -m icmp6 --icmpv6-type {}", e.lo),
        },
        // `-p 0` means every protocol to iptables: refuse rather than widen.
        Shape::Proto if e.proto == 0 => {
            return Err(Error::Other(
                "IP protocol 0 cannot be matched by iptables (`-p 0` means every protocol)".into(),
            ))
        }
        Shape::Proto => format!("-p {}", e.proto),
        Shape::Any => String::new(),
    })
}

/// The view of one device for one family.
pub fn view(
    cx: &EmitContext,
    dev: &DeviceIr,
    fam: Family,
    diags: &mut Vec<Diagnostic>,
) -> Result<IptView> {
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
        let allowed = ivs.iter().map(|iv| addr_matches_src(fam, *iv)).collect();
        let comment = linux::clean_warn(
            &format!(
                "anti-spoofing: source not behind {} ({})",
                i.name, i.zone_name
            ),
            IPT_COMMENT,
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
        linux::log_prefix(&dev.name, " accept: ", IPT_LOG_PREFIX, device.span, diags);
    let mut pairs = Vec::new();
    let mut untracked = Vec::new();
    for ((p, chain), uchain) in dev
        .pairs
        .iter()
        .zip(linux::pair_names(dev, "FL-", MAX_CHAIN))
        .zip(linux::pair_names(dev, "FL-U-", MAX_CHAIN))
    {
        let chain = unique(chain_name(chain))?;
        let (iin, iout) = (&dev.interfaces[p.ingress], &dev.interfaces[p.egress]);
        let mut rules = Vec::new();
        let mut urules = Vec::new();
        for g in linux::pair_groups(&p.rules) {
            if g.family != fam {
                continue;
            }
            for e in &g.elements {
                let m = addr_matches(fam, Some(e.src), e.dst);
                let s = service_matches(fam, g.shape, e)?;
                let comment =
                    linux::rule_comment(model, &p.rules[e.rule], e.merged, IPT_COMMENT, diags);
                let log_prefix = g.log.then(|| accept_prefix.clone());
                for &proto in linux::untracked_protos(g.shape, fam, e) {
                    // Every IP protocol: one rule per ICMP protocol.
                    let s = match g.shape {
                        Shape::Any if proto == 1 => "-p icmp".to_string(),
                        Shape::Any => "-p ipv6-icmp".to_string(),
                        _ => s.clone(),
                    };
                    urules.push(RuleView {
                        matches: format!("{m} {s}"),
                        comment: comment.clone(),
                        log_prefix: log_prefix.clone(),
                    });
                }
                let matches = if s.is_empty() { m } else { format!("{m} {s}") };
                rules.push(RuleView {
                    matches,
                    comment,
                    log_prefix,
                });
            }
        }
        if rules.is_empty() {
            // Nothing of this family crosses the pair: no chain, no jump.
            continue;
        }
        let comment = linux::pair_comment(iin, iout, IPT_COMMENT, diags);
        if !urules.is_empty() {
            untracked.push(PairView {
                ingress: iin.name.clone(),
                egress: iout.name.clone(),
                chain: unique(chain_name(uchain))?,
                comment: linux::clean_warn(
                    &format!("{comment}: ICMP that conntrack never tracks as NEW"),
                    IPT_COMMENT,
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
    Ok(IptView {
        stamp: cx.stamp.clone(),
        device: dev.name.clone(),
        tool: if fam == Family::V4 {
            "iptables"
        } else {
            "ip6tables"
        }
        .into(),
        v6: fam == Family::V6,
        spoof,
        pairs,
        untracked,
        drop_prefix: linux::log_prefix(&dev.name, " drop: ", IPT_LOG_PREFIX, device.span, diags),
        input_drop_prefix: linux::log_prefix(
            &dev.name,
            " in drop: ",
            IPT_LOG_PREFIX,
            device.span,
            diags,
        ),
    })
}

fn addr_matches_src(fam: Family, iv: (u128, u128)) -> String {
    match addr_arg(fam, 's', iv) {
        (Some(p), _) => p,
        (None, Some(r)) => format!("-m iprange {r}"),
        (None, None) => String::new(),
    }
}

/// Renders a view.
pub fn text(view: &IptView) -> Result<String> {
    render_one("filter.rules.j2", TEMPLATE, view)
}
