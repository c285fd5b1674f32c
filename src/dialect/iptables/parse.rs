//! Reads `iptables-save` / `ip6tables-save` output (and the `iptables-restore` files fenceline
//! generates, which are the same format) back into packet spaces, as `iptables-restore` applies
//! the file: every table block in order, each `*filter` block restoring the table from nothing,
//! and the commands `-A -I -P -F -X -N` (anything else, or what makes the restore fail, is refused
//! with its line). Only the filter table decides;
//! the reader understands the matches fenceline emits (`-i -o -s -d -p`, `tcp`/`udp` `--dport` and `--sport`,
//! `multiport --dports`, `icmp`/`icmp6` types, `iprange`, `conntrack`/`state`, `comment`, `limit`
//! in front of `LOG`) and the targets `ACCEPT DROP REJECT RETURN LOG` and user chains. Any other
//! option in a chain that FORWARD reaches is an error, never a guess.

use crate::dialect::config::{
    icmp_type, parse_addr_or_range, parse_prefix, proto_number, universe, Flattener, Item,
    ReadError, Rule, Tag, Term, Verdict,
};
use crate::dialect::conntrack;
use crate::packet::space::{Cube, Family, Ivs, Space};
use std::collections::BTreeMap;
use std::rc::Rc;

#[derive(Debug, Clone)]
pub struct IptRule {
    pub args: Vec<String>,
    pub tag: Tag,
}

#[derive(Debug, Clone, Default)]
pub struct IptChain {
    pub policy: Option<String>,
    pub rules: Vec<IptRule>,
}

/// The filter table of one family.
#[derive(Debug, Clone)]
pub struct Ipt {
    pub file: String,
    pub family: Family,
    pub chains: BTreeMap<String, IptChain>,
}

fn err(file: &str, line: usize, message: impl Into<String>) -> ReadError {
    ReadError {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// Splits a line as iptables-save quotes it: double quotes with backslash escapes.
fn split_args(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut it = line.chars();
    while let Some(c) = it.next() {
        match c {
            '"' => {
                in_word = true;
                loop {
                    match it.next() {
                        Some('\\') => {
                            if let Some(n) = it.next() {
                                cur.push(n);
                            }
                        }
                        Some('"') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err("unterminated quote".into()),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
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

/// The chain a rule jumps or goes to, if any.
fn jump_target(args: &[String]) -> Option<&str> {
    args.windows(2)
        .find(|w| matches!(w[0].as_str(), "-j" | "--jump" | "-g" | "--goto"))
        .map(|w| w[1].as_str())
}

/// One `*filter` block being restored: what the kernel holds after each line.
struct Block {
    chains: BTreeMap<String, IptChain>,
    /// The line of `*filter`.
    line: usize,
    /// Jumps to a name that is no chain yet, with their lines: an extension target, or a chain
    /// declared further down, which makes iptables-restore fail.
    early: Vec<(String, usize)>,
}

impl Block {
    /// iptables-restore without `--noflush` starts each table it restores from nothing: every
    /// rule flushed, every user chain deleted.
    fn new(line: usize) -> Block {
        Block {
            chains: BUILTIN
                .iter()
                .map(|b| (b.to_string(), IptChain::default()))
                .collect(),
            line,
            early: Vec::new(),
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
            .any(|r| jump_target(&r.args) == Some(name))
    }

    /// Applies one command line (`-A`, `-I`, `-P`, `-F`, `-X`, `-N`) as iptables-restore does;
    /// `Err` for a command that is not modelled or that makes the restore fail.
    fn apply(&mut self, args: &[String], tag: Tag, ln: usize) -> Result<(), String> {
        let cmd = args[0].as_str();
        let chain = args.get(1).map(String::as_str);
        let builtin = |c: &str| BUILTIN.contains(&c);
        let exact = |n: usize| -> Result<(), String> {
            if args.len() > n {
                return Err(format!("`{}` after `{cmd}` is not supported", args[n]));
            }
            Ok(())
        };
        match cmd {
            "-A" | "--append" | "-I" | "--insert" => {
                let Some(c) = chain else {
                    return Err(format!("`{cmd}` needs a chain"));
                };
                let mut rest = &args[2..];
                let mut at = None;
                if cmd == "-I" || cmd == "--insert" {
                    at = Some(0);
                    if let Some(n) = rest.first().and_then(|a| a.parse::<usize>().ok()) {
                        if n == 0 {
                            return Err("rule number 0: rules are numbered from 1".into());
                        }
                        at = Some(n - 1);
                        rest = &rest[1..];
                    }
                }
                // iptables-restore fails on a jump to a chain declared only further down.
                if let Some(target) = jump_target(rest) {
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
                let ch = self.chains.get_mut(c).ok_or_else(|| {
                    format!(
                        "chain `{c}` does not exist here (declare it with `:{c} -` or `-N {c}`)"
                    )
                })?;
                let rule = IptRule {
                    args: rest.to_vec(),
                    tag,
                };
                match at {
                    None => ch.rules.push(rule),
                    Some(i) if i <= ch.rules.len() => ch.rules.insert(i, rule),
                    Some(i) => {
                        return Err(format!(
                        "rule number {} in chain `{c}`, which has {} rules: iptables-restore fails",
                        i + 1,
                        ch.rules.len()
                    ))
                    }
                }
            }
            "-P" | "--policy" => {
                exact(3)?;
                let (Some(c), Some(p)) = (chain, args.get(2)) else {
                    return Err(format!("`{cmd}` needs a chain and a policy"));
                };
                if !builtin(c) {
                    return Err(format!(
                        "`{c}` is not a built-in chain: only those have a policy"
                    ));
                }
                if !matches!(p.as_str(), "ACCEPT" | "DROP") {
                    return Err(format!("policy `{p}` is not supported"));
                }
                if let Some(ch) = self.chains.get_mut(c) {
                    ch.policy = Some(p.clone());
                }
            }
            "-F" | "--flush" => {
                exact(2)?;
                // Without a chain the nftables back end of iptables-restore leaves the rules in
                // place (seen with 1.8.9) where the legacy one flushes them all: not guessed.
                let Some(c) = chain else {
                    return Err(
                        "`-F` without a chain: back ends of iptables-restore disagree on it".into(),
                    );
                };
                self.chains
                    .get_mut(c)
                    .ok_or_else(|| format!("chain `{c}` does not exist here"))?
                    .rules
                    .clear();
            }
            "-X" | "--delete-chain" => {
                exact(2)?;
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
            "-N" | "--new-chain" | "--new" => {
                exact(2)?;
                let Some(c) = chain else {
                    return Err(format!("`{cmd}` needs a chain"));
                };
                if self.chains.contains_key(c) {
                    return Err(format!(
                        "chain `{c}` already exists: iptables-restore fails"
                    ));
                }
                self.declared_late(c)?;
                self.chains.insert(c.to_string(), IptChain::default());
            }
            other => {
                return Err(format!(
                    "`{other}` is not supported (verify reads -A, -I, -P, -F CHAIN, -X, -N)"
                ))
            }
        }
        Ok(())
    }
}

/// Parses a save file of the given family, as `iptables-restore` (without `--noflush`) applies
/// it: every table block in order, each one restoring its table from nothing, so the last
/// `*filter` block is what the kernel holds.
pub fn parse(file: &str, text: &str, family: Family) -> Result<Ipt, ReadError> {
    let mut ipt = Ipt {
        file: file.to_string(),
        family,
        chains: BTreeMap::new(),
    };
    let mut table: Option<String> = None;
    let mut block: Option<Block> = None;
    // Built-in chains whose policy the open `*filter` block has set.
    let mut declared: Vec<String> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let ln = n + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(t) = line.strip_prefix('*') {
            if let Some(open) = &table {
                return Err(err(
                    file,
                    ln,
                    format!("table `{t}` starts before table `{open}` is closed with COMMIT"),
                ));
            }
            table = Some(t.to_string());
            if t == "filter" {
                block = Some(Block::new(ln));
                declared.clear();
            }
            continue;
        }
        if line == "COMMIT" {
            if let Some(b) = block.take() {
                // A block that leaves FORWARD's policy unsaid gets ACCEPT from the nftables
                // back end and keeps the old one with the legacy back end: not guessed.
                if !declared.iter().any(|c| c == "FORWARD") {
                    return Err(err(file, b.line, "this `*filter` block does not set the policy of FORWARD (`:FORWARD DROP` or `:FORWARD ACCEPT`)"));
                }
                ipt.chains = b.chains;
            }
            table = None;
            continue;
        }
        let Some(t) = table.as_deref() else {
            return Err(err(
                file,
                ln,
                format!("`{line}` outside a table (`*filter` ... `COMMIT`)"),
            ));
        };
        if let Some(decl) = line.strip_prefix(':') {
            let parts: Vec<&str> = decl.split_whitespace().collect();
            let name = parts.first().copied().unwrap_or("");
            let policy = parts.get(1).copied().filter(|p| *p != "-");
            let Some(b) = block.as_mut() else {
                if policy.is_some_and(|p| p != "ACCEPT") {
                    return Err(err(file, ln, format!("table `{t}`: chain `{name}` with policy {}: only the filter table may drop", policy.unwrap_or(""))));
                }
                continue;
            };
            if BUILTIN.contains(&name) {
                if let Some(p) = policy {
                    if !matches!(p, "ACCEPT" | "DROP") {
                        return Err(err(file, ln, format!("policy `{p}` is not supported")));
                    }
                    declared.push(name.to_string());
                    if let Some(c) = b.chains.get_mut(name) {
                        c.policy = Some(p.to_string());
                    }
                }
                // `:FORWARD -` keeps the policy the chain has (checked with iptables-restore).
            } else if policy.is_some() {
                return Err(err(
                    file,
                    ln,
                    format!("`{name}` is not a built-in chain: only those have a policy"),
                ));
            } else if let Err(m) = b.declared_late(name) {
                return Err(err(file, ln, m));
            } else if b
                .chains
                .insert(name.to_string(), IptChain::default())
                .is_some()
            {
                return Err(err(file, ln, format!("chain `{name}` is declared twice")));
            }
            continue;
        }
        let args = split_args(line).map_err(|m| err(file, ln, m))?;
        let Some(b) = block.as_mut() else {
            // nat/mangle/raw rules would change what the filter table sees (or drop on their own).
            return Err(err(
                file,
                ln,
                format!("commands in table `{t}` are not supported"),
            ));
        };
        if args.is_empty() {
            continue;
        }
        let tag: Tag = Rc::from(format!("{file}:{ln}: {line}"));
        b.apply(&args, tag, ln).map_err(|m| err(file, ln, m))?;
        if matches!(args[0].as_str(), "-P" | "--policy") {
            declared.push(args[1].clone());
        }
    }
    if table.is_some() {
        return Err(err(
            file,
            text.lines().count(),
            "the table is not closed with COMMIT",
        ));
    }
    Ok(ipt)
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
    matches: bool,
}

impl Ipt {
    fn fail(&self, t: &Tag, m: impl Into<String>) -> ReadError {
        ReadError {
            file: self.file.clone(),
            line: 0,
            message: format!("{}: {}", t, m.into()),
        }
    }

    fn addrs(&self, t: &Tag, s: &str) -> Result<Ivs, ReadError> {
        let mut iv = Ivs::empty();
        for part in s.split(',') {
            let (f, lo, hi) = parse_prefix(part)
                .ok_or_else(|| self.fail(t, format!("cannot read address `{part}`")))?;
            if f != self.family {
                return Err(self.fail(t, format!("address `{part}` is not of this file's family")));
            }
            iv = iv.union(&Ivs::range(lo, hi));
        }
        Ok(iv)
    }

    fn ports(&self, t: &Tag, s: &str) -> Result<Ivs, ReadError> {
        let mut iv = Ivs::empty();
        for part in s.split(',') {
            let (a, b) = part.split_once(':').unwrap_or((part, part));
            let a = if a.is_empty() {
                Some(0)
            } else {
                a.parse::<u16>().ok()
            };
            let b = if b.is_empty() {
                Some(65535)
            } else {
                b.parse::<u16>().ok()
            };
            match (a, b) {
                (Some(a), Some(b)) if a <= b => iv = iv.union(&Ivs::range(a as u128, b as u128)),
                _ => return Err(self.fail(t, format!("cannot read port `{part}`"))),
            }
        }
        Ok(iv)
    }

    /// The rule for the pair: its match space and verdict.
    fn rule(&self, r: &IptRule, iif: &str, oif: &str) -> Result<Rule, ReadError> {
        let t = &r.tag;
        let a = &r.args;
        let mut c = Cons {
            matches: true,
            states: conntrack::ALL.to_vec(),
            ..Default::default()
        };
        let mut verdict = None;
        let mut limited = false;
        let mut i = 0;
        let mut neg = false;
        let v6 = self.family == Family::V6;
        let arg = |i: usize| -> Result<&str, ReadError> {
            a.get(i)
                .map(String::as_str)
                .ok_or_else(|| self.fail(t, "an option lacks its value"))
        };
        while i < a.len() {
            let o = a[i].as_str();
            if o == "!" {
                neg = true;
                i += 1;
                continue;
            }
            match o {
                "-i" | "--in-interface" | "-o" | "--out-interface" => {
                    let pat = arg(i + 1)?;
                    let name = if o.starts_with("-i") || o == "--in-interface" {
                        iif
                    } else {
                        oif
                    };
                    let hit = match pat.strip_suffix('+') {
                        Some(p) => name.starts_with(p),
                        None => pat == name,
                    };
                    if hit == neg {
                        c.matches = false;
                    }
                    i += 2;
                }
                "-s" | "--source" | "-d" | "--destination" => {
                    let iv = self.addrs(t, arg(i + 1)?)?;
                    if o.starts_with("-s") || o == "--source" {
                        c.src.push((neg, iv));
                    } else {
                        c.dst.push((neg, iv));
                    }
                    i += 2;
                }
                "--src-range" | "--dst-range" => {
                    let s = arg(i + 1)?;
                    let (f, lo, hi) = parse_addr_or_range(s)
                        .ok_or_else(|| self.fail(t, format!("cannot read range `{s}`")))?;
                    if f != self.family {
                        return Err(
                            self.fail(t, format!("range `{s}` is not of this file's family"))
                        );
                    }
                    if o == "--src-range" {
                        c.src.push((neg, Ivs::range(lo, hi)));
                    } else {
                        c.dst.push((neg, Ivs::range(lo, hi)));
                    }
                    i += 2;
                }
                "-p" | "--protocol" => {
                    let p = arg(i + 1)?;
                    let iv = if p == "all" {
                        Ivs::range(0, 255)
                    } else {
                        let n = proto_number(p)
                            .ok_or_else(|| self.fail(t, format!("unknown protocol `{p}`")))?;
                        Ivs::point(n as u128)
                    };
                    c.proto = Some((neg, iv));
                    i += 2;
                }
                "-m" | "--match" => {
                    let m = arg(i + 1)?;
                    if !matches!(
                        m,
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
                    ) {
                        return Err(self.fail(t, format!("match module `{m}` is not supported")));
                    }
                    i += 2;
                }
                "--dport" | "--destination-port" | "--dports" | "--destination-ports" => {
                    if neg {
                        return Err(self.fail(t, "negated port matches are not supported"));
                    }
                    and(&mut c.port, self.ports(t, arg(i + 1)?)?);
                    i += 2;
                }
                "--sport" | "--source-port" | "--sports" | "--source-ports" => {
                    if neg {
                        return Err(self.fail(t, "negated port matches are not supported"));
                    }
                    and(&mut c.sport, self.ports(t, arg(i + 1)?)?);
                    i += 2;
                }
                "--icmp-type" | "--icmpv6-type" => {
                    let s = arg(i + 1)?;
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
                    if neg {
                        return Err(self.fail(t, "negated ICMP types are not supported"));
                    }
                    i += 2;
                }
                "--ctstate" | "--state" => {
                    // Applied once the rest of the rule is known: the first packets conntrack
                    // gives one of these states.
                    let mut named = Vec::new();
                    for name in arg(i + 1)?.split(',') {
                        named.push(conntrack::State::parse(name).ok_or_else(|| {
                            self.fail(t, format!("connection state `{name}` is not supported"))
                        })?);
                    }
                    c.states.retain(|s| named.contains(s) != neg);
                    i += 2;
                }
                "--comment" => i += 2,
                "--limit" | "--limit-burst" => {
                    limited = true;
                    i += 2;
                }
                "-j" | "--jump" | "-g" | "--goto" => {
                    let target = arg(i + 1)?;
                    let goto = o == "-g" || o == "--goto";
                    i += 2;
                    verdict = match target {
                        "ACCEPT" => Some(Verdict::Accept),
                        "DROP" | "REJECT" => Some(Verdict::Drop),
                        "RETURN" => Some(Verdict::Return),
                        "LOG" | "NFLOG" => None,
                        t2 if t2.chars().all(|ch| ch.is_ascii_uppercase())
                            && !self.chains.contains_key(t2) =>
                        {
                            return Err(self.fail(t, format!("target `{t2}` is not supported")));
                        }
                        chain if goto => Some(Verdict::Goto(chain.to_string())),
                        chain => Some(Verdict::Jump(chain.to_string())),
                    };
                    // Target options (LOG, REJECT) until the end.
                    while i < a.len() {
                        match a[i].as_str() {
                            "--log-prefix" | "--log-level" | "--reject-with" | "--nflog-group"
                            | "--nflog-prefix" => i += 2,
                            "--log-uid" | "--log-tcp-options" | "--log-ip-options"
                            | "--log-tcp-sequence" => i += 1,
                            other => {
                                return Err(self.fail(
                                    t,
                                    format!("option `{other}` after the target is not supported"),
                                ))
                            }
                        }
                    }
                }
                other => return Err(self.fail(t, format!("option `{other}` is not supported"))),
            }
            neg = false;
        }
        if limited && matches!(verdict, Some(Verdict::Accept) | Some(Verdict::Drop)) {
            return Err(self.fail(
                t,
                "a rate limit on a rule that accepts or drops makes the decision depend on traffic",
            ));
        }
        let empty: Tag = Rc::from("");
        if !c.matches {
            return Ok(Rule {
                matches: Space::new(),
                verdict,
                tag: t.clone(),
            });
        }
        let f = self.family;
        let (pneg, piv) = c.proto.clone().unwrap_or((false, Ivs::range(0, 255)));
        if (c.port.is_some() || c.sport.is_some())
            && (pneg || !piv.is_subset(&Ivs(vec![(6, 6), (17, 17)])))
        {
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
        if c.states.len() < conntrack::ALL.len() {
            m = conntrack::restrict(m, &c.states, &[f]);
        }
        Ok(Rule {
            matches: m,
            verdict,
            tag: t.clone(),
        })
    }

    /// The flattened FORWARD chain for one interface pair.
    pub fn items(&self, iif: &str, oif: &str) -> Result<Vec<Item>, ReadError> {
        let fwd = self.chains.get("FORWARD");
        let policy = match fwd.and_then(|c| c.policy.as_deref()) {
            None | Some("ACCEPT") => Term::Accept,
            Some("DROP") => Term::Drop,
            Some(p) => {
                return Err(err(
                    &self.file,
                    0,
                    format!("FORWARD policy `{p}` is not supported"),
                ))
            }
        };
        let lookup = |n: &str| -> Result<Option<Vec<Rule>>, ReadError> {
            match self.chains.get(n) {
                None if n == "FORWARD" => Ok(Some(Vec::new())),
                None => Ok(None),
                Some(c) => c
                    .rules
                    .iter()
                    .map(|r| self.rule(r, iif, oif))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
            }
        };
        let mut fl = Flattener {
            chain: &lookup,
            items: Vec::new(),
            file: self.file.clone(),
        };
        let ptag: Tag = Rc::from(format!(
            "{}: FORWARD policy {}",
            self.file,
            if policy == Term::Accept {
                "ACCEPT"
            } else {
                "DROP"
            }
        ));
        fl.base(
            "FORWARD",
            universe(&[self.family], &Rc::from("")),
            policy,
            ptag,
        )?;
        Ok(fl.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::config::accepted;
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
        assert!(parse(
            "t.rules",
            "*nat\n-A PREROUTING -j DNAT --to 1.2.3.4\nCOMMIT\n",
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
            !ipt.chains.contains_key("P"),
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
        assert!(!ipt.chains.contains_key("U"));
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
