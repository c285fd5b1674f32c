//! The common ground of every configuration reader: a ruleset flattened, for one (ingress,
//! egress) interface pair, into an ordered list of terminal decisions over packet spaces, and
//! the exact set of new connections it accepts. Readers (`nft`, `iptables`) only translate their
//! syntax into [`Item`]s; jumps, returns and chain policies are resolved by [`Flattener`].
//!
//! A packet is accepted when the first terminal rule that matches it accepts. So the accepted set
//! is the union over accept rules `r` of `match(r) - drops_before(r)`: earlier accepts never need
//! subtracting, and generated rulesets have only a handful of drops (anti-spoofing) before their
//! accepts, which keeps this near-linear in the number of rules.

use crate::packet::space::{Cube, Family, Index, Ivs, Space};
use crate::packet::Packet;
use std::sync::Arc;

/// Where a decision comes from: `fw/nftables.nft:42: ip saddr ... accept`.
pub type Tag = Arc<str>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    Accept,
    Drop,
}

/// One terminal decision of a flattened ruleset.
#[derive(Debug, Clone)]
pub struct Item {
    pub space: Space<Tag>,
    pub term: Term,
    pub tag: Tag,
}

/// A failure to read or understand a configuration: it is never guessed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// Every packet of the given families.
pub fn universe(families: &[Family], tag: &Tag) -> Space<Tag> {
    let mut s = Space::new();
    for &f in families {
        s.extend(Cube::universe(f), tag.clone());
    }
    s
}

/// The families of which `s` holds every packet, when `s` is exactly that (as [`universe`]
/// builds it): `[IPv4, IPv6]`. `None` when `s` is anything else, a single family's part included.
fn whole_families(s: &Space<Tag>) -> Option<[bool; 2]> {
    if s.len() > 8 {
        return None;
    }
    // Per family, a bit per protocol class seen whole.
    let mut seen = [0u8; 2];
    for (c, _) in &s.cubes {
        let k = c.whole_class()?;
        let f = &mut seen[(c.family == Family::V6) as usize];
        if *f & (1 << k) != 0 {
            return None;
        }
        *f |= 1 << k;
    }
    seen.iter()
        .all(|&m| m == 0 || m == 0b1111)
        .then(|| seen.map(|m| m == 0b1111))
}

/// Is `s` every packet of exactly the families `fams`?
pub fn is_universe_of(s: &Space<Tag>, fams: &[Family]) -> bool {
    whole_families(s).is_some_and(|w| {
        [Family::V4, Family::V6]
            .iter()
            .all(|f| w[(*f == Family::V6) as usize] == fams.contains(f))
    })
}

/// Does `s` hold every packet of each family `t` has packets in, so that `s ∩ t` is `t`? A
/// space that is every packet of one family only does not cover a match of the other: after
/// `meta nfproto ipv4 return` an `inet` chain goes on with the IPv6 packets alone.
pub fn covers_families_of(s: &Space<Tag>, t: &Space<Tag>) -> bool {
    whole_families(s).is_some_and(|w| {
        t.cubes
            .iter()
            .all(|(c, _)| w[(c.family == Family::V6) as usize])
    })
}

/// `m ∩ ctx`, with the tags of `m`. `ctx` (the packets that reach a rule) is usually every packet
/// of most protocol classes (a drop of invalid ICMP takes only part of one class): cubes of `m`
/// in a class `ctx` holds whole stay as they are, so a set of 100,000 TCP elements is not
/// intersected because some ICMP was dropped before it.
pub fn restrict_to(ctx: &Space<Tag>, m: Space<Tag>) -> Space<Tag> {
    let whole: Vec<(Family, usize)> = ctx
        .cubes
        .iter()
        .filter_map(|(c, _)| Some((c.family, c.whole_class()?)))
        .collect();
    let mut out = Space::new();
    let mut partial = Space::new();
    for (c, t) in m.cubes {
        match c.class_index() {
            Some(k) if whole.contains(&(c.family, k)) => out.cubes.push((c, t)),
            _ => partial.cubes.push((c, t)),
        }
    }
    if !partial.is_empty() {
        out.cubes.extend(intersect(ctx, &partial, true).cubes);
    }
    out
}

/// `a ∩ b`; tags come from `b` when `prefer_b`, else from `a`.
pub fn intersect(a: &Space<Tag>, b: &Space<Tag>, prefer_b: bool) -> Space<Tag> {
    // Index the smaller side.
    let mut out = Space::new();
    if a.len() >= b.len() {
        for (c, ta, tb) in a.intersect(b) {
            out.push(c, if prefer_b { tb } else { ta });
        }
    } else {
        for (c, tb, ta) in b.intersect(a) {
            out.push(c, if prefer_b { tb } else { ta });
        }
    }
    out
}

/// The accepted set of a flattened ruleset, each cube tagged with the accepting line.
pub fn accepted(items: &[Item]) -> Space<Tag> {
    let mut drops: Vec<Cube> = Vec::new();
    // (drops before, accept item), so one index serves every accept between two drops.
    let mut groups: Vec<(usize, Vec<&Item>)> = Vec::new();
    for it in items {
        match it.term {
            Term::Drop => drops.extend(it.space.cubes.iter().map(|(c, _)| c.clone())),
            Term::Accept => match groups.last_mut() {
                Some((n, v)) if *n == drops.len() => v.push(it),
                _ => groups.push((drops.len(), vec![it])),
            },
        }
    }
    let mut out = Space::new();
    for (n, its) in groups {
        let idx = Index::build(drops[..n].iter());
        for it in its {
            for (c, t) in &it.space.cubes {
                let mut hit = false;
                idx.for_overlapping(c, |_| hit = true);
                if !hit {
                    out.cubes.push((c.clone(), t.clone()));
                    continue;
                }
                for r in idx.subtract_from(c) {
                    out.push(r, t.clone());
                }
            }
        }
    }
    out
}

/// The first terminal decision for one packet, with its line (`None`: no rule decided).
pub fn decide<'a>(items: &'a [Item], pkt: &Packet) -> Option<(Term, &'a Tag)> {
    for it in items {
        if let Some(t) = it.space.contains(pkt) {
            return Some((it.term, t));
        }
    }
    None
}

/// Verdict of a rule, as every reader understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
    Return,
    Jump(String),
    Goto(String),
}

/// A rule in reader-neutral form: its match (already decided for the interface pair and the
/// connection state), and its verdict (`None`: a non-terminal rule such as `log`).
pub struct Rule {
    pub matches: Space<Tag>,
    pub verdict: Option<Verdict>,
    pub tag: Tag,
    /// `None`: `matches` is exact for every packet. `Some`: it is exact only for the packets
    /// [`Exact`] names, and [`Flattener`] refuses the rule when others reach it.
    pub exact_for: Option<Exact>,
}

/// The packets for which a rule's match was read exactly. nftables `th dport 502` without a
/// protocol in the rule compares bytes 2-3 of whatever follows the IP header: the destination
/// port for tcp and udp, which is what the rule is read as, but the checksum for ICMP, which
/// the packet space cannot say. So the rule is read for tcp and udp, and is right only where no
/// packet of another protocol of `families` reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exact {
    /// The protocols the reading holds for: `{6, 17}`.
    pub protos: Ivs,
    /// The families the rule can match at all (its `ip saddr` keeps it to IPv4); packets of
    /// the others never meet the match.
    pub families: Vec<Family>,
    /// What is read inexactly, for the message: `` `th dport` ``.
    pub what: &'static str,
}

/// Looks a chain up by name: its rules decided for the pair, `None` when it does not exist,
/// `Err` when a rule is not understood.
pub type ChainLookup<'a> = &'a dyn Fn(&str) -> Result<Option<Vec<Rule>>, ReadError>;

/// Resolves chains for one interface pair into [`Item`]s.
pub struct Flattener<'a> {
    pub chain: ChainLookup<'a>,
    pub items: Vec<Item>,
    pub file: String,
}

const MAX_DEPTH: usize = 32;

impl Flattener<'_> {
    /// Flattens a base chain entered by `ctx`; `policy` decides packets that reach its end.
    pub fn base(
        &mut self,
        name: &str,
        ctx: Space<Tag>,
        policy: Term,
        policy_tag: Tag,
    ) -> Result<(), ReadError> {
        let rest = self.chain_rules(name, ctx, 0)?;
        if !rest.is_empty() {
            let mut s = Space::new();
            for (c, _) in rest.cubes {
                s.push(c, policy_tag.clone());
            }
            self.items.push(Item {
                space: s,
                term: policy,
                tag: policy_tag,
            });
        }
        Ok(())
    }

    /// Walks a chain with the packets `ctx` that enter it; returns the packets that come back
    /// out of it (by `return` or by falling off its end).
    fn chain_rules(
        &mut self,
        name: &str,
        ctx: Space<Tag>,
        depth: usize,
    ) -> Result<Space<Tag>, ReadError> {
        if depth > MAX_DEPTH {
            return Err(ReadError {
                file: self.file.clone(),
                line: 0,
                message: format!(
                    "jumps nest deeper than {MAX_DEPTH} chains (a loop?) at chain `{name}`"
                ),
            });
        }
        let Some(rules) = (self.chain)(name)? else {
            return Err(ReadError {
                file: self.file.clone(),
                line: 0,
                message: format!("jump to chain `{name}`, which does not exist"),
            });
        };
        let mut cur = ctx;
        let mut returned: Space<Tag> = Space::new();
        for r in rules {
            if cur.is_empty() {
                break;
            }
            let Some(v) = r.verdict else { continue };
            // `cur` over-approximates the packets that reach the rule: a packet this refuses for
            // may have been decided before it, never the other way round.
            if let Some(x) = &r.exact_for {
                let mut others = [Ivs::empty(), Ivs::empty()];
                for (c, _) in cur
                    .cubes
                    .iter()
                    .filter(|(c, _)| x.families.contains(&c.family))
                {
                    let o = &mut others[(c.family == Family::V6) as usize];
                    *o = o.union(&c.proto.subtract(&x.protos));
                }
                // ICMP of the family first, the case that matters: its bytes 2-3 are the
                // checksum.
                let named =
                    others
                        .iter()
                        .zip([(1, "icmp"), (58, "icmpv6")])
                        .find_map(|(o, (n, name))| {
                            if o.contains(n) {
                                Some(name.to_string())
                            } else {
                                o.first().map(|n| format!("protocol {n}"))
                            }
                        });
                if let Some(p) = named {
                    return Err(ReadError {
                        file: self.file.clone(),
                        line: 0,
                        message: format!(
                            "{}: {} is read for tcp and udp only, and {p} packets reach it (for ICMP it compares the checksum): match the protocol in the rule or before it (`meta l4proto tcp`)",
                            r.tag, x.what
                        ),
                    });
                }
            }
            // A rule that matches every packet of the families still undecided (`ct state
            // established,related accept` read for replies) decides all of them.
            let decides_all = matches!(v, Verdict::Accept) && covers_families_of(&r.matches, &cur);
            // Most rules are reached by every packet of the families they match (`cur` is
            // still all of them): then the rule's own match is the effective one, and no
            // intersection is needed.
            let mut eff = if covers_families_of(&cur, &r.matches) {
                r.matches
            } else {
                restrict_to(&cur, r.matches)
            };
            if eff.is_empty() {
                continue;
            }
            for (_, t) in eff.cubes.iter_mut() {
                if t.is_empty() {
                    *t = r.tag.clone();
                }
            }
            match v {
                Verdict::Accept => {
                    self.items.push(Item {
                        space: eff,
                        term: Term::Accept,
                        tag: r.tag.clone(),
                    });
                    // Nothing after it reaches a packet it did not decide.
                    if decides_all {
                        cur = Space::new();
                    }
                }
                Verdict::Drop => {
                    cur = cur.subtract(&eff);
                    self.items.push(Item {
                        space: eff,
                        term: Term::Drop,
                        tag: r.tag.clone(),
                    });
                }
                Verdict::Return => {
                    cur = cur.subtract(&eff);
                    returned.cubes.extend(eff.cubes);
                }
                Verdict::Jump(c) => {
                    // `cur` over-approximates the undecided packets (accepts are not subtracted):
                    // items are ordered, and `accepted` lets the first terminal decision win, so
                    // packets the callee decided may stay in `cur` without changing any result.
                    self.chain_rules(&c, eff, depth + 1)?;
                }
                Verdict::Goto(c) => {
                    let back = self.chain_rules(&c, eff.clone(), depth + 1)?;
                    cur = cur.subtract(&eff);
                    returned.cubes.extend(back.cubes);
                }
            }
        }
        returned.cubes.extend(cur.cubes);
        Ok(returned)
    }
}

/// Protocol names as `nft` and `iptables-save` print them.
pub fn proto_number(name: &str) -> Option<u8> {
    if let Ok(n) = name.parse::<u8>() {
        return Some(n);
    }
    Some(match name {
        "icmp" => 1,
        "igmp" => 2,
        "ipencap" | "ipip" => 4,
        "tcp" => 6,
        "egp" => 8,
        "udp" => 17,
        "dccp" => 33,
        "ipv6" => 41,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "icmpv6" | "ipv6-icmp" => 58,
        "ospf" | "ospfigp" => 89,
        "pim" => 103,
        "comp" => 108,
        "vrrp" => 112,
        "l2tp" => 115,
        "sctp" => 132,
        "udplite" => 136,
        _ => return None,
    })
}

/// ICMP type names as `nft` and `iptables` print them.
pub fn icmp_type(v6: bool, name: &str) -> Option<u8> {
    if let Ok(n) = name.parse::<u8>() {
        return Some(n);
    }
    let t = if v6 {
        match name {
            "destination-unreachable" => 1,
            "packet-too-big" => 2,
            "time-exceeded" | "ttl-exceeded" => 3,
            "parameter-problem" => 4,
            "echo-request" => 128,
            "echo-reply" => 129,
            "mld-listener-query" => 130,
            "mld-listener-report" => 131,
            "mld-listener-done" | "mld-listener-reduction" => 132,
            "nd-router-solicit" | "router-solicitation" => 133,
            "nd-router-advert" | "router-advertisement" => 134,
            "nd-neighbor-solicit" | "neighbour-solicitation" | "neighbor-solicitation" => 135,
            "nd-neighbor-advert" | "neighbour-advertisement" | "neighbor-advertisement" => 136,
            "nd-redirect" | "redirect" => 137,
            "router-renumbering" => 138,
            "ind-neighbor-solicit" => 141,
            "ind-neighbor-advert" => 142,
            "mld2-listener-report" => 143,
            _ => return None,
        }
    } else {
        match name {
            "echo-reply" | "pong" => 0,
            "destination-unreachable" => 3,
            "source-quench" => 4,
            "redirect" => 5,
            "echo-request" | "ping" => 8,
            "router-advertisement" => 9,
            "router-solicitation" => 10,
            "time-exceeded" | "ttl-exceeded" => 11,
            "parameter-problem" => 12,
            "timestamp-request" => 13,
            "timestamp-reply" => 14,
            "info-request" => 15,
            "info-reply" => 16,
            "address-mask-request" => 17,
            "address-mask-reply" => 18,
            _ => return None,
        }
    };
    Some(t)
}

/// Parses `a.b.c.d`, `a.b.c.d/len`, an IPv6 address or prefix, into (family, lo, hi). Host bits
/// of a prefix are masked as the kernel does.
pub fn parse_prefix(s: &str) -> Option<(Family, u128, u128)> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let ip: std::net::IpAddr = addr.parse().ok()?;
    let fam = Family::of(ip);
    let bits: u32 = if fam == Family::V4 { 32 } else { 128 };
    let x = crate::packet::space::ip_to_u128(ip);
    let len = match len {
        None => bits,
        Some(l) => {
            if let Ok(n) = l.parse::<u32>() {
                n
            } else {
                // A dotted netmask (`255.255.255.0`), as older tools print it.
                let m: std::net::Ipv4Addr = l.parse().ok()?;
                let m = u32::from(m);
                if m.leading_ones() + m.trailing_zeros() != 32 {
                    return None;
                }
                m.leading_ones()
            }
        }
    };
    if len > bits {
        return None;
    }
    let host = if len == bits {
        0
    } else if bits - len == 128 {
        u128::MAX
    } else {
        (1u128 << (bits - len)) - 1
    };
    let lo = x & !host;
    Some((fam, lo, lo | host))
}

/// Parses `a-b` (two addresses) or a prefix.
pub fn parse_addr_or_range(s: &str) -> Option<(Family, u128, u128)> {
    if let Some((a, b)) = s.split_once('-') {
        let (fa, la, _) = parse_prefix(a)?;
        let (fb, lb, _) = parse_prefix(b)?;
        if fa != fb || la > lb || a.contains('/') || b.contains('/') {
            return None;
        }
        return Some((fa, la, lb));
    }
    parse_prefix(s)
}
