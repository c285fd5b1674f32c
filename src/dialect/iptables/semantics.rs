//! The packet semantics of the iptables AST ([`Filters`]): a file restored as `iptables-restore`
//! applies it (every table block in order, each `*filter` block restoring the table from
//! nothing, the commands `-A -I -P -F -X -N`; what makes the restore fail is refused with its
//! line), then FORWARD flattened per interface pair. Only the filter table decides; the
//! semantics understands the matches fenceline emits (`-i -o -s -d -p`, `tcp`/`udp` `--dport`
//! and `--sport`, `multiport --dports`, `icmp`/`icmp6` types, `iprange`, `conntrack`/`state`,
//! `comment`, `limit` in front of `LOG`) and the targets `ACCEPT DROP REJECT RETURN LOG` and
//! user chains. Any other option in a chain that FORWARD reaches is an error, never a guess.

use super::ast::{
    self, Chain, Command, Dir, Entry, Filter, IfaceIndex, Line, Match, Placed, Policy, RulesFile,
    Ruleset, TargetOpt,
};
use super::matches;
use crate::dialect::config::{
    icmp_type, proto_number, universe, Flattener, Item, ReadError, Rule, Tag, Term, Verdict,
};
use crate::dialect::conntrack;
use crate::dialect::nat::PairNat;
use crate::dialect::Filters;
use crate::packet::space::{Cube, Family, Ivs, Space};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::OnceLock;

fn err(file: &str, line: usize, message: impl Into<String>) -> ReadError {
    ReadError {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// Narrows a rule's port or ICMP type match by one more match: every match of a rule must hold,
/// and two modules may each match the same field (`-m multiport --dports 80,443 -m tcp --dport
/// 443` matches port 443 only).
fn and(slot: &mut Option<Ivs>, iv: Ivs) {
    *slot = Some(match slot.take() {
        Some(o) => o.intersect(&iv),
        None => iv,
    });
}

/// The built-in chains of the filter table.
const BUILTIN: [&str; 3] = ["INPUT", "FORWARD", "OUTPUT"];

/// The command at (line, entry) of a file.
fn command_at(f: &RulesFile, (l, e): (usize, usize)) -> Option<&Command> {
    match f.lines.get(l)? {
        Line::Table(t) => match t.entries.get(e)? {
            Entry::Command(c) => Some(c),
            _ => None,
        },
        _ => None,
    }
}

/// The rule of an `-A` or `-I` command.
fn rule_of(c: &Command) -> Option<&ast::Rule> {
    match c {
        Command::Append { rule, .. } | Command::Insert { rule, .. } => Some(rule),
        _ => None,
    }
}

/// One `*filter` block being restored: what the kernel holds after each line.
struct Block<'a> {
    file: &'a RulesFile,
    chains: BTreeMap<String, Chain>,
    /// The line of `*filter`.
    line: usize,
    /// Jumps to a name that is no chain yet, with their lines: an extension target, or a chain
    /// declared further down, which makes iptables-restore fail.
    early: Vec<(String, usize)>,
    /// Built-in chains whose policy the block has set.
    declared: Vec<String>,
}

impl<'a> Block<'a> {
    /// iptables-restore without `--noflush` starts each table it restores from nothing: every
    /// rule flushed, every user chain deleted.
    fn new(file: &'a RulesFile, line: usize) -> Block<'a> {
        Block {
            file,
            chains: BUILTIN
                .iter()
                .map(|b| (b.to_string(), Chain::default()))
                .collect(),
            line,
            early: Vec::new(),
            declared: Vec::new(),
        }
    }

    /// A chain created now that an earlier line jumped to: iptables-restore fails there.
    fn declared_late(&self, name: &str) -> Result<(), String> {
        match self.early.iter().find(|(n, _)| n == name) {
            Some((_, at)) => Err(format!(
                "chain `{name}` is created after line {at} jumps to it: iptables-restore fails"
            )),
            None => Ok(()),
        }
    }

    fn referenced(&self, name: &str) -> bool {
        self.chains
            .values()
            .flat_map(|c| &c.rules)
            .filter_map(|r| command_at(self.file, r.at).and_then(rule_of))
            .any(|r| r.target() == Some(name))
    }

    fn declare(&mut self, d: &ast::ChainDecl) -> Result<(), String> {
        let name = d.name.as_str();
        if BUILTIN.contains(&name) {
            // `:FORWARD -` keeps the policy the chain has (checked with iptables-restore).
            if let Some(p) = d.policy {
                self.declared.push(name.to_string());
                if let Some(c) = self.chains.get_mut(name) {
                    c.policy = Some(p);
                }
            }
            return Ok(());
        }
        if d.policy.is_some() {
            return Err(format!(
                "`{name}` is not a built-in chain: only those have a policy"
            ));
        }
        self.declared_late(name)?;
        if self
            .chains
            .insert(name.to_string(), Chain::default())
            .is_some()
        {
            return Err(format!("chain `{name}` is declared twice"));
        }
        Ok(())
    }

    /// Applies one command as iptables-restore does; `Err` for one that makes the restore fail.
    fn apply(&mut self, cmd: &Command, at: (usize, usize), ln: usize) -> Result<(), String> {
        let builtin = |c: &str| BUILTIN.contains(&c);
        match cmd {
            Command::Append { chain, rule } | Command::Insert { chain, rule, .. } => {
                // iptables-restore fails on a jump to a chain declared only further down.
                if let Some(target) = rule.target() {
                    let standard = matches!(
                        target,
                        "ACCEPT" | "DROP" | "REJECT" | "RETURN" | "LOG" | "NFLOG"
                    );
                    let extension = target.chars().all(|ch| ch.is_ascii_uppercase());
                    if !standard && !self.chains.contains_key(target) {
                        if !extension {
                            return Err(format!(
                                "jump to chain `{target}`, which does not exist at this line"
                            ));
                        }
                        self.early.push((target.to_string(), ln));
                    }
                }
                let c = chain;
                let ch = self.chains.get_mut(c).ok_or_else(|| {
                    format!(
                        "chain `{c}` does not exist here (declare it with `:{c} -` or `-N {c}`)"
                    )
                })?;
                let placed = Placed {
                    at,
                    line: ln,
                    tag: OnceLock::new(),
                };
                match cmd {
                    Command::Insert { at, .. } => {
                        let i = at.map_or(0, |n| n - 1);
                        if i > ch.rules.len() {
                            return Err(format!(
                                "rule number {} in chain `{c}`, which has {} rules: iptables-restore fails",
                                i + 1,
                                ch.rules.len()
                            ));
                        }
                        ch.rules.insert(i, placed);
                    }
                    _ => ch.rules.push(placed),
                }
            }
            Command::Policy { chain, policy } => {
                if !builtin(chain) {
                    return Err(format!(
                        "`{chain}` is not a built-in chain: only those have a policy"
                    ));
                }
                if let Some(ch) = self.chains.get_mut(chain) {
                    ch.policy = Some(*policy);
                }
                self.declared.push(chain.clone());
            }
            Command::Flush { chain } => {
                self.chains
                    .get_mut(chain)
                    .ok_or_else(|| format!("chain `{chain}` does not exist here"))?
                    .rules
                    .clear();
            }
            Command::Delete { chain } => {
                let names: Vec<String> = match chain {
                    Some(c) if builtin(c) => {
                        return Err(format!(
                            "deleting the built-in chain `{c}`: back ends of iptables-restore disagree on it"
                        ))
                    }
                    Some(c) if !self.chains.contains_key(c) => {
                        return Err(format!("chain `{c}` does not exist here"))
                    }
                    Some(c) => vec![c.to_string()],
                    None => self
                        .chains
                        .keys()
                        .filter(|c| !builtin(c))
                        .cloned()
                        .collect(),
                };
                for n in &names {
                    if self.chains.get(n).is_some_and(|c| !c.rules.is_empty()) || self.referenced(n)
                    {
                        return Err(format!(
                            "chain `{n}` still has rules or is jumped to: iptables-restore fails"
                        ));
                    }
                }
                for n in names {
                    self.chains.remove(&n);
                }
            }
            Command::New { chain } => {
                if self.chains.contains_key(chain) {
                    return Err(format!(
                        "chain `{chain}` already exists: iptables-restore fails"
                    ));
                }
                self.declared_late(chain)?;
                self.chains.insert(chain.clone(), Chain::default());
            }
        }
        Ok(())
    }
}

/// Restores a file as `iptables-restore` (without `--noflush`) applies it: every table block in
/// order, each `*filter` block restoring the table from nothing, so the last one is what the
/// kernel holds. A line's number is its position in the AST.
pub fn restore(f: &RulesFile) -> Result<Filter, ReadError> {
    let file = f.path.as_str();
    let mut out = Filter::default();
    let mut ln = 0;
    for (li, l) in f.lines.iter().enumerate() {
        ln += 1;
        let Line::Table(t) = l else { continue };
        let mut block = (t.name == "filter").then(|| Block::new(f, ln));
        for (ei, e) in t.entries.iter().enumerate() {
            ln += 1;
            let Some(b) = block.as_mut() else { continue };
            match e {
                Entry::Blank | Entry::Comment(_) => {}
                Entry::Chain(d) => b.declare(d).map_err(|m| err(file, ln, m))?,
                Entry::Command(c) => b.apply(c, (li, ei), ln).map_err(|m| err(file, ln, m))?,
            }
        }
        ln += 1;
        if let Some(b) = block {
            // A block that leaves FORWARD's policy unsaid gets ACCEPT from the nftables back
            // end and keeps the old one with the legacy back end: not guessed.
            if !b.declared.iter().any(|c| c == "FORWARD") {
                return Err(err(file, b.line, "this `*filter` block does not set the policy of FORWARD (`:FORWARD DROP` or `:FORWARD ACCEPT`)"));
            }
            out.chains = b.chains;
        }
    }
    Ok(out)
}

/// The constraints of one rule.
#[derive(Default)]
struct Cons {
    /// Every address match of a kind must hold (`-s` and `-m iprange --src-range` together, each
    /// possibly negated).
    src: Vec<(bool, Ivs)>,
    dst: Vec<(bool, Ivs)>,
    proto: Option<(bool, Ivs)>,
    port: Option<Ivs>,
    sport: Option<Ivs>,
    icmp: Option<Ivs>,
    /// The connection states a state match lets through.
    states: Vec<conntrack::State>,
    /// Every `--ctdir` match holds for the packets evaluated.
    direction: bool,
    /// `--ctorigdst` (possibly negated): the destination before DNAT, the plant's.
    orig_dst: Vec<(bool, Ivs)>,
    matches: bool,
}

impl Ruleset {
    fn local_of(
        &self,
        iface: &str,
        to_device: bool,
        phase: conntrack::Phase,
    ) -> Result<Vec<Vec<Item>>, ReadError> {
        let (base, iif, oif) = if to_device {
            ("INPUT", iface, "")
        } else {
            ("OUTPUT", "", iface)
        };
        let mut all = self.v4.chain_items(base, iif, oif, phase)?;
        all.extend(self.v6.chain_items(base, iif, oif, phase)?);
        Ok(vec![all])
    }
}

impl Filters for Ruleset {
    /// Both families' rulesets of one firewall: one filter with both lists.
    fn filters(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let mut all = self.v4.items(iif, oif)?;
        all.extend(self.v6.items(iif, oif)?);
        Ok(vec![all])
    }
    /// INPUT for what enters by `iface` addressed to the device, OUTPUT for what it sends out
    /// by it (the other interface is none: `-o` never matches in INPUT, nor `-i` in OUTPUT).
    fn local(&self, iface: &str, to_device: bool) -> Result<Vec<Vec<Item>>, ReadError> {
        self.local_of(iface, to_device, conntrack::Phase::First)
    }
    fn local_replies(&self, iface: &str, to_device: bool) -> Result<Vec<Vec<Item>>, ReadError> {
        self.local_of(iface, to_device, conntrack::Phase::Reply)
    }
    fn replies(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let mut all = self.v4.items_of(iif, oif, conntrack::Phase::Reply)?;
        all.extend(self.v6.items_of(iif, oif, conntrack::Phase::Reply)?);
        Ok(vec![all])
    }
}

impl RulesFile {
    /// The filter table as restored (computed once).
    pub fn filter(&self) -> Result<&Filter, ReadError> {
        if let Some(f) = self.restored.0.get() {
            return Ok(f);
        }
        let f = restore(self)?;
        Ok(self.restored.0.get_or_init(|| f))
    }

    /// The decision tag of a placed rule: `file:line: command`.
    fn tag<'a>(&self, p: &'a Placed) -> &'a Tag {
        p.tag.get_or_init(|| match command_at(self, p.at) {
            Some(c) => Arc::from(format!("{}:{}: {c}", self.path, p.line)),
            None => Arc::from(format!("{}:{}", self.path, p.line)),
        })
    }

    /// The rules of `c` that can match packets from `iif` to `oif`, in order: a rule that names
    /// another interface exactly matches none of them, so it decides nothing for the pair and is
    /// not read for it.
    fn rules_for<'a>(
        &self,
        c: &'a Chain,
        iif: &str,
        oif: &str,
    ) -> impl Iterator<Item = &'a Placed> + 'a {
        let index = c.by_iface.get_or_init(|| self.iface_index(c));
        let (i, o) = (Some(iif.to_string()), Some(oif.to_string()));
        let mut at: Vec<usize> = [(None, None), (i.clone(), None), (None, o.clone()), (i, o)]
            .iter()
            .filter_map(|k| index.groups.get(k))
            .flatten()
            .copied()
            .collect();
        at.sort_unstable();
        at.into_iter().filter_map(|k| c.rules.get(k))
    }

    fn iface_index(&self, c: &Chain) -> IfaceIndex {
        let mut out = IfaceIndex::default();
        for (k, p) in c.rules.iter().enumerate() {
            let mut key: (Option<String>, Option<String>) = (None, None);
            for m in &self.rule_at(p).matches {
                if let Match::Iface {
                    dir,
                    neg: false,
                    name,
                } = m
                {
                    let slot = if *dir == Dir::Src {
                        &mut key.0
                    } else {
                        &mut key.1
                    };
                    if slot.is_none() && !name.ends_with('+') {
                        *slot = Some(name.clone());
                    }
                }
            }
            out.groups.entry(key).or_default().push(k);
        }
        out
    }

    /// The rule a placed rule stands for (the restore only places `-A` and `-I` rules).
    fn rule_at(&self, p: &Placed) -> &ast::Rule {
        static NONE: ast::Rule = ast::Rule {
            matches: Vec::new(),
            jump: None,
        };
        command_at(self, p.at).and_then(rule_of).unwrap_or(&NONE)
    }

    fn fail(&self, t: &Tag, m: impl Into<String>) -> ReadError {
        ReadError {
            file: self.path.clone(),
            line: 0,
            message: format!("{}: {}", t, m.into()),
        }
    }

    /// The rule for the pair: its match space and verdict. `local`: a chain of the device's own
    /// traffic (INPUT, OUTPUT), where a hop-limit match is read as every packet (neighbour
    /// discovery must carry 255; the hop limit is no dimension of the packet space), so the
    /// rule accepts at most what it is read to.
    fn rule(
        &self,
        chains: &Filter,
        p: &Placed,
        (iif, oif): (&str, &str),
        (local, phase): (bool, conntrack::Phase),
        nat: &PairNat,
    ) -> Result<Rule, ReadError> {
        let t = self.tag(p);
        let r = self.rule_at(p);
        let mut c = Cons {
            matches: true,
            direction: true,
            states: conntrack::ALL.to_vec(),
            ..Default::default()
        };
        let mut limited = false;
        let v6 = self.family == Family::V6;
        let ivs = |nets: &[ast::Net]| {
            nets.iter()
                .fold(Ivs::empty(), |acc, n| acc.union(&Ivs::range(n.lo, n.hi)))
        };
        for m in &r.matches {
            match m {
                Match::Iface {
                    dir,
                    neg,
                    name: pat,
                } => {
                    let name = if *dir == Dir::Src { iif } else { oif };
                    let hit = match pat.strip_suffix('+') {
                        Some(p) => name.starts_with(p),
                        None => pat == name,
                    };
                    if hit == *neg {
                        c.matches = false;
                    }
                }
                Match::Addr { dir, neg, nets } => match dir {
                    Dir::Src => c.src.push((*neg, ivs(nets))),
                    Dir::Dst => c.dst.push((*neg, ivs(nets))),
                },
                Match::Set { neg, name, dir } => {
                    let iv = match self.sets.0.get(name) {
                        // Sorted and merged once (a union per member was quadratic in a
                        // zone's networks).
                        Some((f, ivs)) if *f == self.family => {
                            Ivs::from_intervals(ivs.iter().copied())
                        }
                        Some(_) => {
                            return Err(self
                                .fail(t, format!("ipset `{name}` is not of this file's family")))
                        }
                        None => {
                            return Err(self.fail(
                                t,
                                format!(
                                "ipset `{name}` is not defined (ipset.rules missing or without it)"
                            ),
                            ))
                        }
                    };
                    match dir {
                        Dir::Src => c.src.push((*neg, iv)),
                        Dir::Dst => c.dst.push((*neg, iv)),
                    }
                }
                Match::Range { dir, neg, net } => match dir {
                    Dir::Src => c.src.push((*neg, Ivs::range(net.lo, net.hi))),
                    Dir::Dst => c.dst.push((*neg, Ivs::range(net.lo, net.hi))),
                },
                Match::Proto { neg, name: p } => {
                    let iv = if p == "all" {
                        Ivs::range(0, 255)
                    } else {
                        let n = proto_number(p)
                            .ok_or_else(|| self.fail(t, format!("unknown protocol `{p}`")))?;
                        Ivs::point(n as u128)
                    };
                    c.proto = Some((*neg, iv));
                }
                Match::Module(m) => {
                    let known = matches!(
                        &**m,
                        "tcp"
                            | "udp"
                            | "icmp"
                            | "icmp6"
                            | "multiport"
                            | "iprange"
                            | "conntrack"
                            | "state"
                            | "comment"
                            | "limit"
                            | "set"
                    );
                    // `hl` only where its match is read (see `HlEq` below).
                    let hop_limit = local && m == "hl";
                    if !known && !hop_limit {
                        return Err(self.fail(t, format!("match module `{m}` is not supported")));
                    }
                }
                Match::Ports { dir, ranges, .. } => {
                    let iv = ranges.iter().fold(Ivs::empty(), |acc, (a, b)| {
                        acc.union(&Ivs::range(*a as u128, *b as u128))
                    });
                    match dir {
                        Dir::Dst => and(&mut c.port, iv),
                        Dir::Src => and(&mut c.sport, iv),
                    }
                }
                Match::Icmp { name: s, .. } => {
                    if s == "any" {
                        and(&mut c.icmp, Ivs::range(0, 255));
                    } else {
                        if s.contains('/') {
                            return Err(self.fail(t, "ICMP codes are not supported"));
                        }
                        let n = icmp_type(v6, s)
                            .ok_or_else(|| self.fail(t, format!("unknown ICMP type `{s}`")))?;
                        and(&mut c.icmp, Ivs::point(n as u128));
                    }
                }
                // Applied once the rest of the rule is known: the first packets conntrack
                // gives one of these states.
                Match::State { neg, states, .. } => {
                    c.states.retain(|s| states.contains(s) != *neg);
                }
                Match::Comment(_) => {}
                Match::Limit(_) | Match::LimitBurst(_) => limited = true,
                Match::HlEq(_) if local => {}
                Match::HlEq(_) => {
                    return Err(self.fail(t, "option `--hl-eq` is not supported"));
                }
                Match::CtDir { neg, reply } => {
                    let holds = *reply == (phase == conntrack::Phase::Reply);
                    c.direction &= holds != *neg;
                }
                Match::Other(o) if o.option == "--ctorigdst" && o.values.len() == 1 => {
                    let (neg, values) = (&o.neg, &o.values);
                    let (_, lo, hi) = crate::dialect::config::parse_prefix(&values[0])
                        .filter(|(f, _, _)| *f == self.family)
                        .ok_or_else(|| {
                            self.fail(t, format!("cannot read `--ctorigdst {}`", values[0]))
                        })?;
                    c.orig_dst.push((*neg, Ivs::range(lo, hi)));
                }
                Match::Other(o) => {
                    return Err(self.fail(
                        t,
                        matches::other_error(o.neg, &o.option, &o.values, self.family),
                    ))
                }
            }
        }
        let verdict = self.verdict(chains, r, t)?;
        if limited && matches!(verdict, Some(Verdict::Accept) | Some(Verdict::Drop)) {
            return Err(self.fail(
                t,
                "a rate limit on a rule that accepts or drops makes the decision depend on traffic",
            ));
        }
        let matches = if c.matches {
            // The plant's packets as this rule sees them (translations), then the match on
            // the destination before DNAT, which is the plant's.
            let mut m = nat.pull(self.space(&c, t)?, true);
            for (neg, iv) in &c.orig_dst {
                let mut d: Space<Tag> = Space::new();
                let f = self.family;
                d.extend(
                    Cube::new(
                        f,
                        f.all_addrs(),
                        iv.clone(),
                        Ivs::range(0, 255),
                        Ivs::range(0, 65535),
                    ),
                    Arc::from(""),
                );
                m = if *neg {
                    m.subtract(&d)
                } else {
                    crate::dialect::config::intersect(&m, &d, false)
                };
            }
            conntrack::restrict_phase(m, &c.states, c.direction, phase, &[self.family])
        } else {
            Space::new()
        };
        Ok(Rule {
            matches,
            verdict,
            tag: t.clone(),
            exact_for: None,
        })
    }

    /// The rule's verdict (`None`: no target, or one that decides nothing, such as LOG).
    fn verdict(
        &self,
        chains: &Filter,
        r: &ast::Rule,
        t: &Tag,
    ) -> Result<Option<Verdict>, ReadError> {
        Ok(match &r.jump {
            None => None,
            Some(j) => {
                for o in &j.options {
                    if let TargetOpt::Other { option, values } = o {
                        let known = matches!(
                            option.as_str(),
                            "--log-prefix"
                                | "--log-level"
                                | "--reject-with"
                                | "--nflog-group"
                                | "--nflog-prefix"
                        );
                        return Err(self.fail(
                            t,
                            if known && values.is_empty() {
                                "an option lacks its value".to_string()
                            } else {
                                format!("option `{option}` after the target is not supported")
                            },
                        ));
                    }
                }
                match &*j.target {
                    "ACCEPT" => Some(Verdict::Accept),
                    "DROP" | "REJECT" => Some(Verdict::Drop),
                    "RETURN" => Some(Verdict::Return),
                    "LOG" | "NFLOG" => None,
                    t2 if t2.chars().all(|ch| ch.is_ascii_uppercase())
                        && !chains.chains.contains_key(t2) =>
                    {
                        return Err(self.fail(t, format!("target `{t2}` is not supported")));
                    }
                    chain if j.goto => Some(Verdict::Goto(chain.to_string())),
                    chain => Some(Verdict::Jump(chain.to_string())),
                }
            }
        })
    }

    /// The packets a rule's constraints match (every interface match holds).
    fn space(&self, c: &Cons, t: &Tag) -> Result<Space<Tag>, ReadError> {
        let empty: Tag = Arc::from("");
        let v6 = self.family == Family::V6;
        let f = self.family;
        let (pneg, piv) = c.proto.clone().unwrap_or((false, Ivs::range(0, 255)));
        if (c.port.is_some() || c.sport.is_some()) && (pneg || !piv.is_subset(&Ivs::tcp_udp())) {
            return Err(self.fail(t, "a port match needs `-p tcp` or `-p udp`"));
        }
        if c.icmp.is_some() && (pneg || piv != Ivs::point(if v6 { 58 } else { 1 })) {
            return Err(self.fail(
                t,
                "an ICMP type match needs `-p icmp` (`-p ipv6-icmp` in ip6tables)",
            ));
        }
        // Positive matches make one cube; each negated one is subtracted from it.
        let port = c
            .port
            .clone()
            .or(c.icmp.clone())
            .unwrap_or_else(|| Ivs::range(0, 65535));
        // The positive address matches of a kind intersected, the negated ones united.
        let pos = |x: &[(bool, Ivs)], d: Ivs| {
            x.iter()
                .filter(|(n, _)| !n)
                .fold(d, |acc, (_, iv)| acc.intersect(iv))
        };
        let negated = |x: &[(bool, Ivs)]| {
            x.iter()
                .filter(|(n, _)| *n)
                .fold(Ivs::empty(), |acc, (_, iv)| acc.union(iv))
        };
        let mut m = Space::new();
        m.extend(
            Cube::with_ports(
                f,
                pos(&c.src, f.all_addrs()),
                pos(&c.dst, f.all_addrs()),
                if pneg {
                    Ivs::range(0, 255)
                } else {
                    piv.clone()
                },
                c.sport.clone().unwrap_or_else(|| Ivs::range(0, 65535)),
                if pneg {
                    Ivs::range(0, 65535)
                } else {
                    port.clone()
                },
                Ivs::range(0, 1),
            ),
            empty.clone(),
        );
        let mut negs: Vec<Vec<Cube>> = Vec::new();
        let (nsrc, ndst) = (negated(&c.src), negated(&c.dst));
        if !nsrc.is_empty() {
            negs.push(Cube::new(
                f,
                nsrc,
                f.all_addrs(),
                Ivs::range(0, 255),
                Ivs::range(0, 65535),
            ));
        }
        if !ndst.is_empty() {
            negs.push(Cube::new(
                f,
                f.all_addrs(),
                ndst,
                Ivs::range(0, 255),
                Ivs::range(0, 65535),
            ));
        }
        if pneg {
            negs.push(Cube::new(f, f.all_addrs(), f.all_addrs(), piv, port));
        }
        for n in negs {
            let mut sp: Space<Tag> = Space::new();
            sp.extend(n, empty.clone());
            m = m.subtract(&sp);
        }
        Ok(m)
    }

    /// The flattened FORWARD chain for one interface pair.
    pub fn items(&self, iif: &str, oif: &str) -> Result<Vec<Item>, ReadError> {
        self.items_of(iif, oif, conntrack::Phase::First)
    }

    /// [`RulesFile::items`] for the packets of `phase`: first packets, or packets in the reply
    /// direction of an established connection.
    pub fn items_of(
        &self,
        iif: &str,
        oif: &str,
        phase: conntrack::Phase,
    ) -> Result<Vec<Item>, ReadError> {
        self.chain_items("FORWARD", iif, oif, phase)
    }

    /// The flattened built-in chain `base` for a packet of `phase` from `iif` to `oif` (an empty
    /// name: the device itself).
    pub fn chain_items(
        &self,
        base: &str,
        iif: &str,
        oif: &str,
        phase: conntrack::Phase,
    ) -> Result<Vec<Item>, ReadError> {
        let filter = self.filter()?;
        let local = base != "FORWARD";
        let declared = filter.chains.get(base).and_then(|c| c.policy);
        if local && declared.is_none() {
            // As for FORWARD in `restore`: the back ends of iptables-restore disagree on a
            // policy the last `*filter` block leaves unsaid.
            return Err(err(
                &self.path,
                0,
                format!("the last `*filter` block does not set the policy of {base} (`:{base} DROP` or `:{base} ACCEPT`)"),
            ));
        }
        let policy = match declared {
            None | Some(Policy::Accept) => Term::Accept,
            Some(Policy::Drop) => Term::Drop,
        };
        // How the plant's packets look to FORWARD (translations).
        let nat = if local {
            PairNat::default()
        } else {
            self.pair_nat(iif, oif, phase)?
        };
        let lookup = |n: &str| -> Result<Option<Vec<Rule>>, ReadError> {
            match filter.chains.get(n) {
                None if n == base => Ok(Some(Vec::new())),
                None => Ok(None),
                Some(c) => self
                    .rules_for(c, iif, oif)
                    .map(|r| self.rule(filter, r, (iif, oif), (local, phase), &nat))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
            }
        };
        let mut fl = Flattener {
            chain: &lookup,
            items: Vec::new(),
            file: self.path.clone(),
        };
        let ptag: Tag = Arc::from(format!(
            "{}: {base} policy {}",
            self.path,
            if policy == Term::Accept {
                "ACCEPT"
            } else {
                "DROP"
            }
        ));
        fl.base(base, universe(&[self.family], &Arc::from("")), policy, ptag)?;
        Ok(fl.items)
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;
    use crate::dialect::config::{accepted, decide};
    use crate::packet::Packet;

    const V4: &str = r#"*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:AS - [0:0]
:P - [0:0]
-A FORWARD -i a -j AS
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i a -o b -m comment --comment "a -> b" -j P
-A FORWARD -m limit --limit 10/sec --limit-burst 20 -j LOG --log-prefix "x drop: " --log-level 6
-A FORWARD -j DROP
-A AS -s 10.1.0.0/24 -j RETURN
-A AS -j DROP
-A P -s 10.1.0.0/24 -d 10.2.0.7/32 -p tcp -m tcp --dport 502 -m conntrack --ctstate NEW -j ACCEPT
-A P -s 10.1.0.5/32 -p udp -m iprange --dst-range 10.2.0.0-10.2.0.9 -m multiport --dports 1000:2000,3000 -m conntrack --ctstate NEW -j ACCEPT
-A P -s 10.1.0.9/32 -d 10.2.0.1/32 -p icmp -m icmp --icmp-type 8 -m conntrack --ctstate NEW -j ACCEPT
COMMIT
"#;

    #[test]
    fn save_file_accepts_exactly() {
        let ipt = parse("t.rules", V4, Family::V4).unwrap();
        let acc = accepted(&ipt.items("a", "b").unwrap());
        let ip = |s: &str| s.parse().unwrap();
        for p in [
            Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), 502),
            Packet::udp(ip("10.1.0.5"), ip("10.2.0.9"), 3000),
            Packet {
                src: ip("10.1.0.9"),
                dst: ip("10.2.0.1"),
                proto: 1,
                sport: 0,
                dport: 8,
                ack: false,
            },
        ] {
            assert!(acc.contains(&p).is_some(), "{p}");
        }
        for p in [
            Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), 503),
            Packet::udp(ip("10.1.0.5"), ip("10.2.0.10"), 1000),
            Packet::udp(ip("10.1.0.5"), ip("10.2.0.9"), 2001),
        ] {
            assert!(acc.contains(&p).is_none(), "{p}");
        }
        assert!(accepted(&ipt.items("b", "a").unwrap()).is_empty());
    }

    /// A pair reads the rules naming it, or naming one of its interfaces, or none exactly
    /// (wildcards, negations), in file order; a rule naming another interface decides nothing.
    #[test]
    fn a_pair_reads_the_rules_that_can_match_it_in_order() {
        let text = r#"*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -i a -o b -s 10.1.0.1/32 -j DROP
-A FORWARD -i a+ -s 10.1.0.2/32 -j DROP
-A FORWARD ! -i c -s 10.1.0.3/32 -j DROP
-A FORWARD -o b -s 10.1.0.4/32 -j DROP
-A FORWARD -i a -s 10.1.0.5/32 -j DROP
-A FORWARD -i a -o c -s 10.1.0.6/32 -j DROP
-A FORWARD -i x -o b -j DROP
-A FORWARD -j ACCEPT
COMMIT
"#;
        let ipt = parse("t.rules", text, Family::V4).unwrap();
        let ip = |s: &str| s.parse().unwrap();
        let dropped = |iif: &str, oif: &str| -> Vec<u8> {
            let items = ipt.items(iif, oif).unwrap();
            (1..=7)
                .filter(|k| {
                    let p = Packet::tcp(ip(&format!("10.1.0.{k}")), ip("10.2.0.1"), 80);
                    decide(&items, &p).map(|d| d.0) == Some(Term::Drop)
                })
                .collect()
        };
        assert_eq!(dropped("a", "b"), vec![1, 2, 3, 4, 5]);
        assert_eq!(dropped("a", "c"), vec![2, 3, 5, 6]);
        assert_eq!(dropped("c", "b"), vec![4]);
        assert_eq!(dropped("x", "b"), vec![1, 2, 3, 4, 5, 6, 7]);
        // The drops are decided by their own lines, in order.
        let items = ipt.items("a", "b").unwrap();
        let p = Packet::tcp(ip("10.1.0.4"), ip("10.2.0.1"), 80);
        assert!(decide(&items, &p).unwrap().1.starts_with("t.rules:8:"));
    }

    #[test]
    fn source_ports_are_a_dimension() {
        let text = V4.replace(
            "-p tcp -m tcp --dport 502",
            "-p tcp -m tcp --sport 1000:2000 --dport 502",
        );
        let ipt = parse("t.rules", &text, Family::V4).unwrap();
        let acc = accepted(&ipt.items("a", "b").unwrap());
        let ip = |s: &str| s.parse().unwrap();
        let mut p = Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), 502);
        p.sport = 1000;
        assert!(acc.contains(&p).is_some(), "{p}");
        p.sport = 2001;
        assert!(acc.contains(&p).is_none(), "{p}");
    }

    #[test]
    fn unsupported_options_fail() {
        let bad = V4.replace(
            "-m conntrack --ctstate NEW -j ACCEPT\nCOMMIT",
            "-m conntrack --ctstate NEW -m mark --mark 1 -j ACCEPT\nCOMMIT",
        );
        let ipt = parse("t.rules", &bad, Family::V4).unwrap();
        assert!(ipt.items("a", "b").unwrap_err().message.contains("mark"));
        // The nat table is read for static 1:1 NAT (`NETMAP`) only; any other translation is
        // refused when the forward path is evaluated.
        let dnat = format!("{V4}*nat\n-A PREROUTING -j DNAT --to 1.2.3.4\nCOMMIT\n");
        let ipt = parse("t.rules", &dnat, Family::V4).unwrap();
        let e = ipt.items("a", "b").unwrap_err();
        assert!(e.message.contains("-j DNAT"), "{e}");
        assert!(parse(
            "t.rules",
            "*security\n-A FORWARD -j ACCEPT\nCOMMIT\n",
            Family::V4
        )
        .is_err());
    }

    /// Restored as iptables-restore applies it (each behaviour checked against the kernel with
    /// `iptables-save` in `tests/linux_targets.rs`): every block in order, each one starting its
    /// table from nothing.
    #[test]
    fn restore_applies_every_block_in_order() {
        let text = format!(
            "{V4}*filter\n:FORWARD DROP [0:0]\n:U - [0:0]\n-A FORWARD -j U\n-A U -p tcp -m tcp --dport 2 -j ACCEPT\n-N V\n-A V -p tcp -m tcp --dport 3 -j ACCEPT\n-I FORWARD -j V\n-I U 1 -p tcp -m tcp --dport 2 -j DROP\n-I U 2 -p tcp -m tcp --dport 4 -j ACCEPT\nCOMMIT\n"
        );
        let ipt = parse("t.rules", &text, Family::V4).unwrap();
        assert!(
            !ipt.filter().unwrap().chains.contains_key("P"),
            "the second block deletes the first's chains"
        );
        let acc = accepted(&ipt.items("a", "b").unwrap());
        let ip = |s: &str| s.parse().unwrap();
        let tcp = |port| Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), port);
        for (port, yes) in [(502, false), (2, false), (3, true), (4, true)] {
            assert_eq!(acc.contains(&tcp(port)).is_some(), yes, "{port}");
        }
        let more = text.replace(
            "COMMIT\n*filter\n:FORWARD DROP",
            "COMMIT\n*filter\n:FORWARD ACCEPT",
        );
        let more = more.trim_end().strip_suffix("COMMIT").unwrap().to_string()
            + "-F U\n-F FORWARD\n-X U\n-P FORWARD DROP\n-A FORWARD -j V\nCOMMIT\n";
        let ipt = parse("t.rules", &more, Family::V4).unwrap();
        assert!(!ipt.filter().unwrap().chains.contains_key("U"));
        let acc = accepted(&ipt.items("a", "b").unwrap());
        for (port, yes) in [(2, false), (3, true), (4, false)] {
            assert_eq!(acc.contains(&tcp(port)).is_some(), yes, "{port}");
        }
        for (extra, line, what) in [
            ("-D FORWARD -j V\n", 28, "`-D` is not supported"),
            ("-F\n", 28, "disagree"),
            ("-X V\n", 28, "is jumped to"),
            ("-X FORWARD\n", 28, "built-in"),
            ("-N V\n", 28, "already exists"),
            ("-I FORWARD 9 -j V\n", 28, "rule number 9"),
            ("-I FORWARD 0 -j V\n", 28, "rule number 0"),
            (
                "-A FORWARD -j w\n:w - [0:0]\n",
                28,
                "does not exist at this line",
            ),
            (
                "-A FORWARD -j W\n:W - [0:0]\n",
                29,
                "after line 28 jumps to it",
            ),
            ("-A W -j ACCEPT\n", 28, "chain `W` does not exist"),
            (":V - [0:0]\n", 28, "declared twice"),
            ("-P V DROP\n", 28, "not a built-in chain"),
            ("*nat\n", 28, "before table `filter` is closed"),
        ] {
            let bad =
                text.trim_end().strip_suffix("COMMIT").unwrap().to_string() + extra + "COMMIT\n";
            let e = parse("t.rules", &bad, Family::V4).unwrap_err();
            assert_eq!(e.line, line, "{extra}: {e}");
            assert!(e.message.contains(what), "{extra}: {e}");
        }
        let e = parse(
            "t.rules",
            &text.replace(":FORWARD DROP [0:0]\n:U", ":FORWARD - [0:0]\n:U"),
            Family::V4,
        )
        .unwrap_err();
        assert_eq!(e.line, 18, "{e}");
        assert!(e.message.contains("policy of FORWARD"), "{e}");
    }

    /// A `!` that negates nothing, or an option iptables does not let be negated, is refused
    /// where FORWARD reaches it (iptables refuses the rule); an address of the other family
    /// fails the file at its line.
    #[test]
    fn stray_negations_and_other_families_are_refused() {
        let rule = |m: &str| {
            let text = format!("*filter\n:FORWARD DROP [0:0]\n-A FORWARD {m}\nCOMMIT\n");
            parse("t.rules", &text, Family::V4).and_then(|f| f.items("a", "b").map(|_| ()))
        };
        for (m, why) in [
            ("! -m comment --comment x -j ACCEPT", "`!` before `-m`"),
            ("-p tcp ! -j ACCEPT", "`!` before `-j`"),
            ("-p tcp ! ! -s 10.0.0.0/8 -j ACCEPT", "negates nothing"),
            ("-m limit ! --limit 1/sec -j LOG", "`!` before `--limit`"),
        ] {
            let e = rule(m).unwrap_err();
            assert!(e.message.contains(why), "{m}: {e}");
        }
        assert!(rule("-p tcp ! -s 10.0.0.0/8 -j ACCEPT").is_ok());
        let e = rule("-s 2001:db8::/32 -j ACCEPT").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("not of this file's family"), "{e}");
    }

    /// `-s` and `-m iprange --src-range` must both hold; `!` negates either.
    #[test]
    fn address_matches_are_a_conjunction() {
        let rule = |m: &str, fam, src: &str, dst: &str| {
            let text = format!("*filter\n:FORWARD DROP [0:0]\n-A FORWARD {m} -p tcp -m tcp --dport 1 -j ACCEPT\nCOMMIT\n");
            let ipt = parse("t.rules", &text, fam).unwrap();
            let acc = accepted(&ipt.items("a", "b").unwrap());
            acc.contains(&Packet::tcp(src.parse().unwrap(), dst.parse().unwrap(), 1))
                .is_some()
        };
        let m = "-s 10.0.0.0/24 -m iprange --src-range 10.0.0.5-10.0.1.9 ! --dst-range 10.2.0.0-10.2.0.9";
        for (src, dst, yes) in [
            ("10.0.0.5", "10.2.0.10", true),
            ("10.0.0.255", "10.2.0.10", true),
            ("10.0.0.4", "10.2.0.10", false),
            ("10.0.1.5", "10.2.0.10", false),
            ("10.0.0.5", "10.2.0.9", false),
        ] {
            assert_eq!(rule(m, Family::V4, src, dst), yes, "{src} -> {dst}");
        }
        let m = "! -s 2001:db8::8/126 -m iprange --src-range 2001:db8::1-2001:db8::ff";
        for (src, yes) in [
            ("2001:db8::1", true),
            ("2001:db8::9", false),
            ("2001:db8::100", false),
        ] {
            assert_eq!(rule(m, Family::V6, src, "2001:db8:1::1"), yes, "{src}");
        }
    }
}
