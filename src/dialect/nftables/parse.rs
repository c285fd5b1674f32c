//! Reads nftables rulesets back: the text fenceline generates (`nft -f` input) and the JSON of
//! `nft -j list ruleset` from a live firewall, both into one small syntax tree, which
//! [`Nft::items`] evaluates for an interface pair. The reader knows the subset of nftables that
//! fenceline emits (named and anonymous sets with intervals and concatenations, verdict maps on
//! interface names, jumps, returns, conntrack state, counters, logging, source and destination
//! ports) plus the normalised form the kernel prints for it. Anything else in a chain the forward
//! hook reaches is an error, never a guess.

use crate::dialect::config::{
    covers_families_of, icmp_type, intersect, parse_addr_or_range, parse_prefix, proto_number,
    universe, Flattener, Item, ReadError, Rule, Tag, Term, Verdict,
};
use crate::dialect::conntrack;
use crate::packet::space::{Cube, Family, Ivs, Space};
use serde_json::Value as J;
use std::collections::BTreeMap;
use std::rc::Rc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Meta(String),
    Payload(String, String),
    Ct(String),
    Concat(Vec<Selector>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Atom(String),
    Prefix(String, u32),
    Range(Box<Val>, Box<Val>),
    Set(Vec<Val>),
    Concat(Vec<Val>),
    SetRef(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    Match {
        neg: bool,
        left: Selector,
        right: Val,
    },
    Verdict(Verdict),
    Vmap {
        key: Selector,
        map: Vec<(Val, Verdict)>,
    },
    /// counter, log, comment: no effect on the decision.
    Nop,
    /// A rate limit: decides nothing by itself, but makes a verdict on the same rule random.
    Limit,
    Unknown(String),
}

#[derive(Debug, Clone)]
pub struct NRule {
    pub stmts: Vec<Stmt>,
    pub tag: Tag,
}

#[derive(Debug, Clone, Default)]
pub struct Chain {
    pub hook: Option<String>,
    pub policy: Option<String>,
    pub rules: Vec<NRule>,
    pub tag: Option<Tag>,
}

#[derive(Debug, Clone)]
pub struct Set {
    pub elems: Vec<(Val, Tag)>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub family: String,
    pub name: String,
    pub sets: BTreeMap<String, Set>,
    pub chains: BTreeMap<String, Chain>,
}

/// A parsed ruleset.
#[derive(Debug, Clone, Default)]
pub struct Nft {
    pub file: String,
    pub tables: Vec<Table>,
}

fn err(file: &str, line: usize, message: impl Into<String>) -> ReadError {
    ReadError {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

fn tag(file: &str, line: usize, text: &str) -> Tag {
    Rc::from(format!("{file}:{line}: {}", text.trim()))
}

// ---------------------------------------------------------------- text

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Sym(char),
}

fn tokenize(line: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut it = line.chars().peekable();
    while let Some(&c) = it.peek() {
        if c.is_whitespace() {
            it.next();
        } else if c == '#' {
            break;
        } else if c == '"' {
            it.next();
            let mut s = String::new();
            loop {
                match it.next() {
                    Some('\\') => {
                        if let Some(n) = it.next() {
                            s.push(n);
                        }
                    }
                    Some('"') => break,
                    Some(ch) => s.push(ch),
                    None => return Err("unterminated string".into()),
                }
            }
            out.push(Tok::Str(s));
        } else if "{},;".contains(c) {
            it.next();
            out.push(Tok::Sym(c));
        } else {
            let mut w = String::new();
            while let Some(&ch) = it.peek() {
                if ch.is_whitespace() || "{},;\"".contains(ch) {
                    break;
                }
                w.push(ch);
                it.next();
            }
            if w == "." || w == ":" {
                out.push(Tok::Sym(w.chars().next().unwrap_or('.')));
            } else {
                out.push(Tok::Word(w));
            }
        }
    }
    Ok(out)
}

/// Parses nftables text (`nft -f` syntax).
pub fn parse_text(file: &str, text: &str) -> Result<Nft, ReadError> {
    // Blocks are line-oriented in everything nft prints; track nesting by braces per line.
    let lines: Vec<&str> = text.lines().collect();
    let mut nft = Nft {
        file: file.to_string(),
        tables: Vec::new(),
    };
    let mut i = 0;
    while i < lines.len() {
        let ln = i + 1;
        let toks = tokenize(lines[i]).map_err(|m| err(file, ln, m))?;
        i += 1;
        if toks.is_empty() {
            continue;
        }
        match toks.as_slice() {
            [Tok::Word(t), Tok::Word(fam), Tok::Word(name), rest @ ..] if t == "table" => {
                let table = Table {
                    family: fam.clone(),
                    name: name.clone(),
                    sets: BTreeMap::new(),
                    chains: BTreeMap::new(),
                };
                let opened = rest.first() == Some(&Tok::Sym('{'));
                let closed = rest.get(1) == Some(&Tok::Sym('}'));
                if rest.len() > 1 + usize::from(closed) {
                    return Err(err(
                        file,
                        ln,
                        format!("table `{name}`: statements on the line that opens the table are not supported (write one per line, as `nft list ruleset` does)"),
                    ));
                }
                let existing = nft
                    .tables
                    .iter()
                    .position(|t| t.family == *fam && t.name == *name);
                if !opened || closed {
                    // `table inet x {}`: declares an empty table (or leaves an existing one).
                    if existing.is_none() {
                        nft.tables.push(table);
                    }
                    continue;
                }
                // A block of a table that exists adds to it, as `nft -f` does: new sets and
                // chains, set elements and rules appended to the existing ones.
                match existing {
                    Some(k) => {
                        let t = parse_table_body(file, &lines, &mut i, nft.tables.remove(k))?;
                        nft.tables.insert(k, t);
                    }
                    None => {
                        let t = parse_table_body(file, &lines, &mut i, table)?;
                        nft.tables.push(t);
                    }
                }
            }
            [Tok::Word(d), Tok::Word(t), Tok::Word(fam), Tok::Word(name)]
                if d == "delete" && t == "table" =>
            {
                nft.tables
                    .retain(|x| !(x.family == *fam && x.name == *name));
            }
            [Tok::Word(f), Tok::Word(r)] if f == "flush" && r == "ruleset" => nft.tables.clear(),
            _ => {
                return Err(err(
                    file,
                    ln,
                    format!("unexpected top-level statement `{}`", lines[ln - 1].trim()),
                ))
            }
        }
    }
    Ok(nft)
}

fn parse_table_body(
    file: &str,
    lines: &[&str],
    i: &mut usize,
    mut table: Table,
) -> Result<Table, ReadError> {
    while *i < lines.len() {
        let ln = *i + 1;
        let toks = tokenize(lines[*i]).map_err(|m| err(file, ln, m))?;
        *i += 1;
        match toks.as_slice() {
            [] => continue,
            [Tok::Sym('}')] => return Ok(table),
            [Tok::Word(k), Tok::Word(name), Tok::Sym('{'), rest @ ..]
                if k == "set" || k == "map" =>
            {
                if k == "map" {
                    return Err(err(
                        file,
                        ln,
                        format!("named map `{name}` is not supported"),
                    ));
                }
                let single_line = rest.last() == Some(&Tok::Sym('}'));
                let set = if single_line {
                    inline_set(rest, &tag(file, ln, lines[ln - 1])).map_err(|m| err(file, ln, m))?
                } else {
                    parse_set_body(file, lines, i, ln, false)?
                };
                match table.sets.get_mut(name) {
                    Some(old) => old.elems.extend(set.elems),
                    None => {
                        table.sets.insert(name.clone(), set);
                    }
                }
            }
            [Tok::Word(k), Tok::Word(name), Tok::Sym('{'), rest @ ..] if k == "chain" => {
                // A chain declared again keeps its rules, hook and policy; the kernel refuses to
                // change its hook.
                let existed = table.chains.remove(name);
                let declared = existed.is_some();
                let mut chain = existed.unwrap_or_default();
                match rest {
                    [Tok::Sym('}')] => {
                        table.chains.insert(name.clone(), chain);
                        continue;
                    }
                    [] => {}
                    // `chain f { type filter hook forward priority 0; policy drop; }` is a base
                    // chain: never read it as an empty one.
                    _ => {
                        return Err(err(
                            file,
                            ln,
                            format!("chain `{name}`: statements on the line that opens the chain are not supported (write one per line, as `nft list ruleset` does)"),
                        ))
                    }
                }
                loop {
                    if *i >= lines.len() {
                        return Err(err(file, ln, format!("chain `{name}` is not closed")));
                    }
                    let l2 = *i + 1;
                    let raw = lines[*i];
                    let t2 = tokenize(raw).map_err(|m| err(file, l2, m))?;
                    *i += 1;
                    match t2.first() {
                        None => continue,
                        Some(Tok::Sym('}')) => break,
                        Some(Tok::Word(w)) if w == "type" => {
                            // type filter hook forward priority filter; policy drop;
                            let words: Vec<String> = t2
                                .iter()
                                .filter_map(|t| {
                                    if let Tok::Word(w) = t {
                                        Some(w.clone())
                                    } else {
                                        None
                                    }
                                })
                                .collect();
                            if words.get(1).map(String::as_str) != Some("filter") {
                                return Err(err(
                                    file,
                                    l2,
                                    format!(
                                        "chain type `{}` is not supported",
                                        words.get(1).cloned().unwrap_or_default()
                                    ),
                                ));
                            }
                            let hook = words
                                .iter()
                                .position(|w| w == "hook")
                                .and_then(|p| words.get(p + 1).cloned());
                            if declared && hook != chain.hook {
                                return Err(err(
                                    file,
                                    l2,
                                    format!("chain `{name}` declared again with another type or hook (nft refuses it)"),
                                ));
                            }
                            chain.hook = hook;
                            if let Some(p) = words
                                .iter()
                                .position(|w| w == "policy")
                                .and_then(|p| words.get(p + 1).cloned())
                            {
                                chain.policy = Some(p);
                                chain.tag = Some(tag(file, l2, raw));
                            } else if !declared {
                                chain.tag = Some(tag(file, l2, raw));
                            }
                        }
                        Some(Tok::Word(w)) if w == "policy" => {
                            chain.policy = match t2.get(1) {
                                Some(Tok::Word(p)) => Some(p.clone()),
                                _ => None,
                            };
                        }
                        Some(Tok::Word(w)) if w == "comment" => {}
                        Some(_) => {
                            // A rule; a verdict map may span lines until its braces close.
                            let mut toks = t2;
                            let mut text = raw.trim().to_string();
                            let mut depth: i32 = brace_depth(&toks);
                            while depth > 0 && *i < lines.len() {
                                let more = tokenize(lines[*i]).map_err(|m| err(file, *i + 1, m))?;
                                text.push(' ');
                                text.push_str(lines[*i].trim());
                                *i += 1;
                                depth += brace_depth(&more);
                                toks.extend(more);
                            }
                            let stmts = parse_rule(&toks).map_err(|m| err(file, l2, m))?;
                            chain.rules.push(NRule {
                                stmts,
                                tag: tag(file, l2, &text),
                            });
                        }
                    }
                }
                table.chains.insert(name.clone(), chain);
            }
            [Tok::Word(k), ..] if k == "flags" || k == "comment" => {}
            _ => {
                return Err(err(
                    file,
                    ln,
                    format!("unexpected statement in table: `{}`", lines[ln - 1].trim()),
                ))
            }
        }
    }
    Err(err(
        file,
        lines.len(),
        format!("table `{}` is not closed", table.name),
    ))
}

/// `set z { type ipv4_addr; flags interval; elements = { 10.1.0.0/24 } }` on one line.
fn inline_set(rest: &[Tok], t: &Tag) -> Result<Set, String> {
    let mut set = Set { elems: Vec::new() };
    let Some(pos) = rest.iter().position(|x| *x == Tok::Word("elements".into())) else {
        return Ok(set);
    };
    let mut p = P {
        t: &rest[pos + 2..],
        i: 0,
    };
    if let Val::Set(vs) = p.atom()? {
        for v in vs {
            set.elems.push((v, t.clone()));
        }
    }
    Ok(set)
}

fn brace_depth(t: &[Tok]) -> i32 {
    t.iter()
        .map(|t| match t {
            Tok::Sym('{') => 1,
            Tok::Sym('}') => -1,
            _ => 0,
        })
        .sum()
}

fn parse_set_body(
    file: &str,
    lines: &[&str],
    i: &mut usize,
    start: usize,
    single_line: bool,
) -> Result<Set, ReadError> {
    let mut set = Set { elems: Vec::new() };
    if single_line {
        return Ok(set);
    }
    let mut in_elems = false;
    while *i < lines.len() {
        let ln = *i + 1;
        let raw = lines[*i];
        let toks = tokenize(raw).map_err(|m| err(file, ln, m))?;
        *i += 1;
        if toks.is_empty() {
            continue;
        }
        if in_elems {
            let mut p = P { t: &toks, i: 0 };
            loop {
                match p.peek() {
                    None => break,
                    Some(Tok::Sym('}')) => {
                        in_elems = false;
                        break;
                    }
                    Some(Tok::Sym(',')) => p.i += 1,
                    _ => {
                        let v = p.concat_value().map_err(|m| err(file, ln, m))?;
                        // Per-element options: comment "x", counter packets N bytes M, timeout ...
                        while let Some(Tok::Word(w)) = p.peek() {
                            match w.as_str() {
                                "comment" => p.i += 2,
                                "counter" => {
                                    p.i += 1;
                                    if matches!(p.peek(), Some(Tok::Word(x)) if x == "packets") {
                                        p.i += 4;
                                    }
                                }
                                _ => {
                                    return Err(err(
                                        file,
                                        ln,
                                        format!("unexpected `{w}` in a set element"),
                                    ))
                                }
                            }
                        }
                        set.elems.push((v, tag(file, ln, raw)));
                    }
                }
            }
            continue;
        }
        match toks.as_slice() {
            [Tok::Sym('}')] => return Ok(set),
            [Tok::Word(w), ..]
                if w == "type"
                    || w == "flags"
                    || w == "counter"
                    || w == "comment"
                    || w == "typeof"
                    || w == "policy"
                    || w == "size"
                    || w == "auto-merge" => {}
            [Tok::Word(w), Tok::Word(eq), Tok::Sym('{'), rest @ ..]
                if w == "elements" && eq == "=" =>
            {
                in_elems = true;
                if !rest.is_empty() {
                    // Elements on the same line.
                    let mut p = P { t: rest, i: 0 };
                    while let Some(t) = p.peek() {
                        match t {
                            Tok::Sym(',') => p.i += 1,
                            Tok::Sym('}') => {
                                in_elems = false;
                                break;
                            }
                            _ => {
                                let v = p.concat_value().map_err(|m| err(file, ln, m))?;
                                set.elems.push((v, tag(file, ln, raw)));
                            }
                        }
                    }
                }
            }
            _ => {
                return Err(err(
                    file,
                    ln,
                    format!("unexpected statement in set: `{}`", raw.trim()),
                ))
            }
        }
    }
    Err(err(file, start, "set is not closed"))
}

struct P<'a> {
    t: &'a [Tok],
    i: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }
    fn word(&mut self) -> Result<String, String> {
        match self.t.get(self.i) {
            Some(Tok::Word(w)) => {
                self.i += 1;
                Ok(w.clone())
            }
            other => Err(format!("expected a word, found {other:?}")),
        }
    }
    fn atom(&mut self) -> Result<Val, String> {
        match self.t.get(self.i).cloned() {
            Some(Tok::Str(s)) => {
                self.i += 1;
                Ok(Val::Atom(s))
            }
            Some(Tok::Word(w)) => {
                self.i += 1;
                if let Some(name) = w.strip_prefix('@') {
                    return Ok(Val::SetRef(name.to_string()));
                }
                Ok(Val::Atom(w))
            }
            Some(Tok::Sym('{')) => {
                self.i += 1;
                let mut v = Vec::new();
                loop {
                    match self.peek() {
                        Some(Tok::Sym('}')) => {
                            self.i += 1;
                            return Ok(Val::Set(v));
                        }
                        Some(Tok::Sym(',')) => self.i += 1,
                        None => return Err("unclosed `{`".into()),
                        _ => v.push(self.concat_value()?),
                    }
                }
            }
            other => Err(format!("expected a value, found {other:?}")),
        }
    }
    /// A value, possibly `a . b . c`; a word with commas (`established,related`) is a set.
    fn concat_value(&mut self) -> Result<Val, String> {
        let mut parts = vec![self.atom()?];
        while self.peek() == Some(&Tok::Sym('.')) {
            self.i += 1;
            parts.push(self.atom()?);
        }
        let v = if parts.len() == 1 {
            parts.pop().unwrap_or(Val::Set(Vec::new()))
        } else {
            Val::Concat(parts)
        };
        Ok(match v {
            Val::Atom(w) if w.contains(',') => {
                Val::Set(w.split(',').map(|x| Val::Atom(x.to_string())).collect())
            }
            v => v,
        })
    }
    fn selector1(&mut self) -> Result<Option<Selector>, String> {
        let Some(Tok::Word(w)) = self.peek().cloned() else {
            return Ok(None);
        };
        let s = match w.as_str() {
            "iifname" | "oifname" | "iif" | "oif" | "l4proto" | "nfproto" => {
                self.i += 1;
                Selector::Meta(w)
            }
            "meta" => {
                self.i += 1;
                Selector::Meta(self.word()?)
            }
            "ct" => {
                self.i += 1;
                Selector::Ct(self.word()?)
            }
            "ip" | "ip6" | "tcp" | "udp" | "th" | "icmp" | "icmpv6" | "sctp" | "udplite"
            | "dccp" => {
                self.i += 1;
                Selector::Payload(w, self.word()?)
            }
            _ => return Ok(None),
        };
        Ok(Some(s))
    }
    fn verdict(&mut self) -> Result<Option<Verdict>, String> {
        let Some(Tok::Word(w)) = self.peek().cloned() else {
            return Ok(None);
        };
        let v = match w.as_str() {
            "accept" => Verdict::Accept,
            "drop" => Verdict::Drop,
            "reject" => {
                self.i += 1;
                // reject [with icmp|icmpv6|icmpx|tcp type X | tcp reset]
                if matches!(self.peek(), Some(Tok::Word(x)) if x == "with") {
                    self.i += 1;
                    let kind = self.word()?;
                    if kind == "tcp" {
                        self.word()?;
                    } else {
                        self.word()?; // type
                        self.word()?;
                    }
                }
                return Ok(Some(Verdict::Drop));
            }
            "return" => Verdict::Return,
            "jump" => {
                self.i += 1;
                return Ok(Some(Verdict::Jump(self.word()?)));
            }
            "goto" => {
                self.i += 1;
                return Ok(Some(Verdict::Goto(self.word()?)));
            }
            _ => return Ok(None),
        };
        self.i += 1;
        Ok(Some(v))
    }
}

fn parse_rule(toks: &[Tok]) -> Result<Vec<Stmt>, String> {
    let mut p = P { t: toks, i: 0 };
    let mut out = Vec::new();
    while let Some(t) = p.peek().cloned() {
        if let Some(v) = p.verdict()? {
            out.push(Stmt::Verdict(v));
            continue;
        }
        let Tok::Word(w) = t else {
            return Err(format!("unexpected {t:?}"));
        };
        match w.as_str() {
            "counter" => {
                p.i += 1;
                if matches!(p.peek(), Some(Tok::Word(x)) if x == "packets") {
                    p.i += 4;
                }
                out.push(Stmt::Nop);
            }
            "log" => {
                p.i += 1;
                while let Some(Tok::Word(k)) = p.peek() {
                    match k.as_str() {
                        "prefix" | "level" | "group" | "snaplen" | "queue-threshold" => p.i += 2,
                        "flags" => p.i += 2,
                        _ => break,
                    }
                }
                out.push(Stmt::Nop);
            }
            "comment" => {
                p.i += 2;
                out.push(Stmt::Nop);
            }
            "limit" => {
                // limit rate [over] N/unit [burst N packets|bytes]
                p.i += 2;
                if matches!(p.peek(), Some(Tok::Word(x)) if x == "over") {
                    p.i += 1;
                }
                p.i += 1;
                if matches!(p.peek(), Some(Tok::Word(x)) if x == "burst") {
                    p.i += 3;
                }
                out.push(Stmt::Limit);
            }
            _ => {
                let Some(first) = p.selector1()? else {
                    return Err(format!("unsupported statement `{w}`"));
                };
                let mut sels = vec![first];
                while p.peek() == Some(&Tok::Sym('.')) {
                    p.i += 1;
                    let Some(s) = p.selector1()? else {
                        return Err("expected a selector after `.`".into());
                    };
                    sels.push(s);
                }
                let left = if sels.len() == 1 {
                    sels.pop().unwrap_or(Selector::Concat(Vec::new()))
                } else {
                    Selector::Concat(sels)
                };
                let mut neg = false;
                match p.peek() {
                    Some(Tok::Word(op)) if op == "!=" => {
                        neg = true;
                        p.i += 1;
                    }
                    Some(Tok::Word(op)) if op == "==" => p.i += 1,
                    Some(Tok::Word(op)) if op == "vmap" => {
                        p.i += 1;
                        if p.peek() != Some(&Tok::Sym('{')) {
                            return Err("a named verdict map is not supported".into());
                        }
                        p.i += 1;
                        let mut map = Vec::new();
                        loop {
                            match p.peek() {
                                Some(Tok::Sym('}')) => {
                                    p.i += 1;
                                    break;
                                }
                                Some(Tok::Sym(',')) => p.i += 1,
                                None => return Err("unclosed verdict map".into()),
                                _ => {
                                    let k = p.concat_value()?;
                                    if p.peek() != Some(&Tok::Sym(':')) {
                                        return Err("expected `:` in a verdict map".into());
                                    }
                                    p.i += 1;
                                    let Some(v) = p.verdict()? else {
                                        return Err("expected a verdict in a verdict map".into());
                                    };
                                    map.push((k, v));
                                }
                            }
                        }
                        out.push(Stmt::Vmap { key: left, map });
                        continue;
                    }
                    _ => {}
                }
                let mut right = p.concat_value()?;
                // `ct state established,related`: a comma list outside braces.
                if p.peek() == Some(&Tok::Sym(',')) {
                    let mut items = vec![right];
                    while p.peek() == Some(&Tok::Sym(',')) {
                        p.i += 1;
                        items.push(p.atom()?);
                    }
                    right = Val::Set(items);
                }
                out.push(Stmt::Match { neg, left, right });
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- json

/// Parses the JSON of `nft -j list ruleset`.
pub fn parse_json(file: &str, text: &str) -> Result<Nft, ReadError> {
    let root: J = serde_json::from_str(text)
        .map_err(|e| err(file, e.line(), format!("not valid JSON: {e}")))?;
    let list = root.get("nftables").and_then(J::as_array).ok_or_else(|| {
        err(
            file,
            0,
            "no `nftables` array: not the output of `nft -j list ruleset`",
        )
    })?;
    let mut nft = Nft {
        file: file.to_string(),
        tables: Vec::new(),
    };
    let key = |o: &J| {
        (
            o.get("family")
                .and_then(J::as_str)
                .unwrap_or("")
                .to_string(),
            o.get("table").and_then(J::as_str).unwrap_or("").to_string(),
        )
    };
    let mut rule_no: BTreeMap<String, usize> = BTreeMap::new();
    for (n, obj) in list.iter().enumerate() {
        let Some((kind, o)) = obj.as_object().and_then(|m| m.iter().next()) else {
            continue;
        };
        let here = |what: &str| -> String { format!("{what} #{n}") };
        match kind.as_str() {
            "metainfo" => {}
            "table" => {
                let family = o
                    .get("family")
                    .and_then(J::as_str)
                    .unwrap_or("")
                    .to_string();
                let name = o.get("name").and_then(J::as_str).unwrap_or("").to_string();
                nft.tables.push(Table {
                    family,
                    name,
                    sets: BTreeMap::new(),
                    chains: BTreeMap::new(),
                });
            }
            "set" | "map" | "chain" | "rule" => {
                let (fam, tname) = key(o);
                let Some(table) = nft
                    .tables
                    .iter_mut()
                    .find(|t| t.family == fam && t.name == tname)
                else {
                    return Err(err(
                        file,
                        0,
                        format!(
                            "{} refers to table {fam} {tname}, which is not listed",
                            here(kind)
                        ),
                    ));
                };
                let name = o
                    .get(if kind == "rule" { "chain" } else { "name" })
                    .and_then(J::as_str)
                    .unwrap_or("")
                    .to_string();
                match kind.as_str() {
                    "map" => {
                        table.sets.insert(name.clone(), Set { elems: Vec::new() });
                        // Referencing it is the error; merely listing it is not.
                        table.chains.entry(format!("\u{0}map {name}")).or_default();
                    }
                    "set" => {
                        let mut elems = Vec::new();
                        for (k, e) in o
                            .get("elem")
                            .and_then(J::as_array)
                            .map(|a| a.as_slice())
                            .unwrap_or(&[])
                            .iter()
                            .enumerate()
                        {
                            let v = match e.get("elem") {
                                Some(inner) => inner.get("val").unwrap_or(inner),
                                None => e,
                            };
                            let v = json_val(v)
                                .map_err(|m| err(file, 0, format!("set `{name}`: {m}")))?;
                            elems.push((
                                v,
                                Rc::from(format!("{file}: set {name} element {}", k + 1)) as Tag,
                            ));
                        }
                        table.sets.insert(name, Set { elems });
                    }
                    "chain" => {
                        let c = table.chains.entry(name.clone()).or_default();
                        c.hook = o.get("hook").and_then(J::as_str).map(str::to_string);
                        c.policy = o.get("policy").and_then(J::as_str).map(str::to_string);
                        if let Some(t) = o.get("type").and_then(J::as_str) {
                            if t != "filter" {
                                return Err(err(
                                    file,
                                    0,
                                    format!("chain `{name}` of type `{t}` is not supported"),
                                ));
                            }
                        }
                        c.tag = Some(Rc::from(format!(
                            "{file}: chain {name} policy {}",
                            c.policy.as_deref().unwrap_or("accept")
                        )));
                    }
                    _ => {
                        let no = rule_no.entry(format!("{fam} {tname} {name}")).or_default();
                        *no += 1;
                        let handle = o
                            .get("handle")
                            .and_then(J::as_u64)
                            .map(|h| format!(" (handle {h})"))
                            .unwrap_or_default();
                        let t: Tag = Rc::from(format!("{file}: chain {name} rule {}{handle}", *no));
                        let mut stmts = Vec::new();
                        for e in o
                            .get("expr")
                            .and_then(J::as_array)
                            .map(|a| a.as_slice())
                            .unwrap_or(&[])
                        {
                            stmts.push(json_stmt(e));
                        }
                        table
                            .chains
                            .entry(name)
                            .or_default()
                            .rules
                            .push(NRule { stmts, tag: t });
                    }
                }
            }
            other => {
                return Err(err(
                    file,
                    0,
                    format!("unsupported object `{other}` in the ruleset"),
                ))
            }
        }
    }
    Ok(nft)
}

fn json_sel(v: &J) -> Result<Selector, String> {
    if let Some(p) = v.get("payload") {
        let proto = p
            .get("protocol")
            .and_then(J::as_str)
            .ok_or("payload without protocol")?;
        let field = p
            .get("field")
            .and_then(J::as_str)
            .ok_or("payload without field")?;
        return Ok(Selector::Payload(proto.to_string(), field.to_string()));
    }
    if let Some(m) = v.get("meta") {
        return Ok(Selector::Meta(
            m.get("key")
                .and_then(J::as_str)
                .ok_or("meta without key")?
                .to_string(),
        ));
    }
    if let Some(m) = v.get("ct") {
        if m.get("dir").is_some() || m.get("family").is_some() {
            return Err("ct with a direction is not supported".into());
        }
        return Ok(Selector::Ct(
            m.get("key")
                .and_then(J::as_str)
                .ok_or("ct without key")?
                .to_string(),
        ));
    }
    if let Some(c) = v.get("concat").and_then(J::as_array) {
        return Ok(Selector::Concat(
            c.iter().map(json_sel).collect::<Result<_, _>>()?,
        ));
    }
    Err(format!("unsupported expression {v}"))
}

fn json_val(v: &J) -> Result<Val, String> {
    Ok(match v {
        J::String(s) => match s.strip_prefix('@') {
            Some(n) => Val::SetRef(n.to_string()),
            None => Val::Atom(s.clone()),
        },
        J::Number(n) => Val::Atom(n.to_string()),
        J::Array(a) => Val::Set(a.iter().map(json_val).collect::<Result<_, _>>()?),
        J::Object(_) => {
            if let Some(p) = v.get("prefix") {
                let addr = p
                    .get("addr")
                    .and_then(J::as_str)
                    .ok_or("prefix without addr")?;
                let len = p
                    .get("len")
                    .and_then(J::as_u64)
                    .ok_or("prefix without len")?;
                Val::Prefix(addr.to_string(), len as u32)
            } else if let Some(r) = v.get("range").and_then(J::as_array) {
                if r.len() != 2 {
                    return Err("range needs two ends".into());
                }
                Val::Range(Box::new(json_val(&r[0])?), Box::new(json_val(&r[1])?))
            } else if let Some(s) = v.get("set").and_then(J::as_array) {
                Val::Set(s.iter().map(json_val).collect::<Result<_, _>>()?)
            } else if let Some(c) = v.get("concat").and_then(J::as_array) {
                Val::Concat(c.iter().map(json_val).collect::<Result<_, _>>()?)
            } else if let Some(e) = v.get("elem") {
                json_val(e.get("val").unwrap_or(e))?
            } else {
                return Err(format!("unsupported value {v}"));
            }
        }
        _ => return Err(format!("unsupported value {v}")),
    })
}

fn json_verdict(v: &J) -> Option<Verdict> {
    let (k, o) = v.as_object()?.iter().next()?;
    Some(match k.as_str() {
        "accept" => Verdict::Accept,
        "drop" | "reject" => Verdict::Drop,
        "return" => Verdict::Return,
        "jump" => Verdict::Jump(o.get("target")?.as_str()?.to_string()),
        "goto" => Verdict::Goto(o.get("target")?.as_str()?.to_string()),
        _ => return None,
    })
}

fn json_stmt(e: &J) -> Stmt {
    let Some((k, o)) = e.as_object().and_then(|m| m.iter().next()) else {
        return Stmt::Unknown(e.to_string());
    };
    match k.as_str() {
        "match" => {
            let op = o.get("op").and_then(J::as_str).unwrap_or("==");
            let neg = match op {
                "==" | "in" => false,
                "!=" => true,
                _ => return Stmt::Unknown(format!("match operator `{op}`")),
            };
            match (o.get("left").map(json_sel), o.get("right").map(json_val)) {
                (Some(Ok(left)), Some(Ok(right))) => Stmt::Match { neg, left, right },
                (Some(Err(m)), _) | (_, Some(Err(m))) => Stmt::Unknown(m),
                _ => Stmt::Unknown(e.to_string()),
            }
        }
        "counter" | "log" | "comment" => Stmt::Nop,
        "limit" => Stmt::Limit,
        "vmap" => {
            let key = match o.get("key").map(json_sel) {
                Some(Ok(k)) => k,
                _ => return Stmt::Unknown(e.to_string()),
            };
            let Some(entries) = o
                .get("data")
                .and_then(|d| d.get("set"))
                .and_then(J::as_array)
            else {
                return Stmt::Unknown("a named verdict map".into());
            };
            let mut map = Vec::new();
            for en in entries {
                let Some(pair) = en.as_array().filter(|p| p.len() == 2) else {
                    return Stmt::Unknown(en.to_string());
                };
                match (json_val(&pair[0]), json_verdict(&pair[1])) {
                    (Ok(k), Some(v)) => map.push((k, v)),
                    _ => return Stmt::Unknown(en.to_string()),
                }
            }
            Stmt::Vmap { key, map }
        }
        _ => match json_verdict(e) {
            Some(v) => Stmt::Verdict(v),
            None => Stmt::Unknown(format!("statement `{k}`")),
        },
    }
}

/// Reads a file that holds either form.
pub fn parse(file: &str, text: &str) -> Result<Nft, ReadError> {
    if text.trim_start().starts_with('{') {
        parse_json(file, text)
    } else {
        parse_text(file, text)
    }
}

// ---------------------------------------------------------------- evaluation

fn table_families(f: &str) -> Option<Vec<Family>> {
    match f {
        "inet" => Some(vec![Family::V4, Family::V6]),
        "ip" => Some(vec![Family::V4]),
        "ip6" => Some(vec![Family::V6]),
        _ => None,
    }
}

fn atom_str(v: &Val) -> Option<&str> {
    match v {
        Val::Atom(s) => Some(s),
        _ => None,
    }
}

/// The interval set of one value for one dimension.
fn value_ivs(v: &Val, f: &dyn Fn(&str) -> Option<(u128, u128)>) -> Result<Ivs, String> {
    match v {
        Val::Atom(s) => {
            if let Some(r) = f(s) {
                return Ok(Ivs::range(r.0, r.1));
            }
            if let Some((a, b)) = s.split_once('-') {
                if let (Some(x), Some(y)) = (f(a), f(b)) {
                    return Ok(Ivs::range(x.0, y.1));
                }
            }
            Err(format!("cannot read `{s}` here"))
        }
        Val::Prefix(a, l) => f(&format!("{a}/{l}"))
            .map(|r| Ivs::range(r.0, r.1))
            .ok_or_else(|| format!("bad prefix {a}/{l}")),
        Val::Range(a, b) => {
            let a = value_ivs(a, f)?;
            let b = value_ivs(b, f)?;
            match (a.first(), b.hull()) {
                (Some(x), Some((_, y))) => Ok(Ivs::range(x, y)),
                _ => Err("empty range".into()),
            }
        }
        Val::Set(vs) => {
            let mut out = Ivs::empty();
            for x in vs {
                out = out.union(&value_ivs(x, f)?);
            }
            Ok(out)
        }
        _ => Err(format!("unexpected value {v:?}")),
    }
}

/// Dimension constraints of one element for a list of selectors (none at first).
#[derive(Default)]
struct Dims {
    fam: Option<Family>,
    src: Option<Ivs>,
    dst: Option<Ivs>,
    proto: Option<Ivs>,
    port: Option<Ivs>,
    sport: Option<Ivs>,
    th_port: bool,
}

fn restrict(d: &mut Dims, sel: &Selector, v: &Val) -> Result<(), String> {
    let set_fam = |d: &mut Dims, f: Family| -> Result<(), String> {
        if d.fam.is_some_and(|x| x != f) {
            return Err("a match mixes IPv4 and IPv6 fields".into());
        }
        d.fam = Some(f);
        Ok(())
    };
    let and = |slot: &mut Option<Ivs>, iv: Ivs| {
        *slot = Some(match slot.take() {
            Some(o) => o.intersect(&iv),
            None => iv,
        });
    };
    let addr = |fam: Family| {
        move |s: &str| -> Option<(u128, u128)> {
            let (f, lo, hi) = parse_addr_or_range(s).or_else(|| parse_prefix(s))?;
            (f == fam).then_some((lo, hi))
        }
    };
    let proto = |s: &str| proto_number(s).map(|n| (n as u128, n as u128));
    let port = |s: &str| s.parse::<u16>().ok().map(|n| (n as u128, n as u128));
    match sel {
        Selector::Payload(p, f) => match (p.as_str(), f.as_str()) {
            ("ip", "saddr") | ("ip", "daddr") | ("ip6", "saddr") | ("ip6", "daddr") => {
                let fam = if p == "ip" { Family::V4 } else { Family::V6 };
                set_fam(d, fam)?;
                let iv = value_ivs(v, &addr(fam))?;
                if f == "saddr" {
                    and(&mut d.src, iv)
                } else {
                    and(&mut d.dst, iv)
                }
            }
            ("ip", "protocol") => {
                set_fam(d, Family::V4)?;
                and(&mut d.proto, value_ivs(v, &proto)?)
            }
            ("ip6", "nexthdr") => {
                set_fam(d, Family::V6)?;
                and(&mut d.proto, value_ivs(v, &proto)?)
            }
            ("tcp", "dport") | ("udp", "dport") | ("th", "dport") => {
                match p.as_str() {
                    "tcp" => and(&mut d.proto, Ivs::point(6)),
                    "udp" => and(&mut d.proto, Ivs::point(17)),
                    _ => d.th_port = true,
                }
                and(&mut d.port, value_ivs(v, &port)?)
            }
            ("icmp", "type") | ("icmpv6", "type") => {
                let v6 = p == "icmpv6";
                set_fam(d, if v6 { Family::V6 } else { Family::V4 })?;
                and(&mut d.proto, Ivs::point(if v6 { 58 } else { 1 }));
                let ty = move |s: &str| icmp_type(v6, s).map(|n| (n as u128, n as u128));
                and(&mut d.port, value_ivs(v, &ty)?)
            }
            ("tcp", "sport") | ("udp", "sport") | ("th", "sport") => {
                match p.as_str() {
                    "tcp" => and(&mut d.proto, Ivs::point(6)),
                    "udp" => and(&mut d.proto, Ivs::point(17)),
                    _ => d.th_port = true,
                }
                and(&mut d.sport, value_ivs(v, &port)?)
            }
            _ => return Err(format!("`{p} {f}` is not supported")),
        },
        Selector::Meta(k) if k == "l4proto" => and(&mut d.proto, value_ivs(v, &proto)?),
        Selector::Meta(k) if k == "nfproto" => {
            let s = atom_str(v).ok_or("nfproto takes one value")?;
            match s {
                "ipv4" => set_fam(d, Family::V4)?,
                "ipv6" => set_fam(d, Family::V6)?,
                _ => return Err(format!("nfproto `{s}`")),
            }
        }
        other => return Err(format!("{other:?} cannot appear in this match")),
    }
    Ok(())
}

/// The packets of `fams` that `d` holds, added to `out`.
fn dims_extend(out: &mut Space<Tag>, d: &Dims, fams: &[Family], tg: &Tag) {
    for &f in fams {
        if d.fam.is_some_and(|x| x != f) {
            continue;
        }
        let cubes = Cube::with_ports(
            f,
            d.src.clone().unwrap_or_else(|| f.all_addrs()),
            d.dst.clone().unwrap_or_else(|| f.all_addrs()),
            d.proto.clone().unwrap_or_else(|| Ivs::range(0, 255)),
            d.sport.clone().unwrap_or_else(|| Ivs::range(0, 65535)),
            d.port.clone().unwrap_or_else(|| Ivs::range(0, 65535)),
            Ivs::range(0, 1),
        );
        out.extend(cubes, tg.clone());
    }
}

/// The packets a match on `sel` is evaluated on. nft puts a dependency in front of a payload
/// match (`meta nfproto ipv4` before `ip saddr`, `meta l4proto tcp` before `tcp dport`; checked
/// with `nft --debug=netlink`), so a negated match (`ip saddr != 10.0.0.0/8`, `tcp dport != 22`)
/// holds only inside it: never for IPv6, never for UDP. `th` has no dependency.
fn selector_domain(sel: &Selector, fams: &[Family], tg: &Tag) -> Space<Tag> {
    let mut d = Dims::default();
    let parts: Vec<&Selector> = match sel {
        Selector::Concat(s) => s.iter().collect(),
        s => vec![s],
    };
    let mut out = Space::new();
    for p in parts {
        let Selector::Payload(proto, _) = p else {
            continue;
        };
        let (fam, l4) = match proto.as_str() {
            "ip" => (Some(Family::V4), None),
            "ip6" => (Some(Family::V6), None),
            "tcp" => (None, Some(6)),
            "udp" => (None, Some(17)),
            "icmp" => (Some(Family::V4), Some(1)),
            "icmpv6" => (Some(Family::V6), Some(58)),
            _ => (None, None),
        };
        if fam.is_some() && d.fam.is_some() && fam != d.fam {
            // Two families at once: the match holds for no packet.
            return out;
        }
        d.fam = fam.or(d.fam);
        if let Some(n) = l4 {
            let iv = Ivs::point(n);
            d.proto = Some(match d.proto.take() {
                Some(o) => o.intersect(&iv),
                None => iv,
            });
        }
    }
    dims_extend(&mut out, &d, fams, tg);
    out
}

fn flatten_val(v: &Val) -> Vec<&Val> {
    match v {
        Val::Set(vs) if vs.iter().any(|x| matches!(x, Val::Concat(_))) => vs.iter().collect(),
        other => vec![other],
    }
}

fn ifname_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(p) => name.starts_with(p),
        None => pattern == name,
    }
}

impl Nft {
    fn table_err(&self, t: &Tag, m: impl Into<String>) -> ReadError {
        ReadError {
            file: self.file.clone(),
            line: 0,
            message: format!("{}: {}", t, m.into()),
        }
    }

    /// Elements of a value: a named set's elements with their tags, or the value itself.
    fn elements<'a>(
        &'a self,
        table: &'a Table,
        v: &'a Val,
        t: &Tag,
    ) -> Result<Vec<(&'a Val, Option<Tag>)>, ReadError> {
        match v {
            Val::SetRef(n) => {
                let s = table
                    .sets
                    .get(n)
                    .ok_or_else(|| self.table_err(t, format!("set `@{n}` does not exist")))?;
                Ok(s.elems
                    .iter()
                    .map(|(v, tg)| (v, Some(tg.clone())))
                    .collect())
            }
            Val::Set(vs) => Ok(vs.iter().flat_map(flatten_val).map(|x| (x, None)).collect()),
            other => Ok(vec![(other, None)]),
        }
    }

    /// Does an interface-name match hold for this pair?
    fn if_match(
        &self,
        table: &Table,
        sel: &str,
        right: &Val,
        iif: &str,
        oif: &str,
        t: &Tag,
    ) -> Result<bool, ReadError> {
        let name = if sel.starts_with('i') { iif } else { oif };
        for (v, _) in self.elements(table, right, t)? {
            let s = atom_str(v)
                .ok_or_else(|| self.table_err(t, "interface match with a non-name value"))?;
            if ifname_matches(s, name) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The space one rule matches for the pair, and its verdict. `hook` is the hook of the base
    /// chain the rule is reached from: before routing (`prerouting`) a packet has no output
    /// interface yet, after it (`postrouting`) no input interface, and a prerouting chain may run
    /// before connection tracking has classified the packet; the rules that would depend on these
    /// are refused.
    fn rule(
        &self,
        table: &Table,
        r: &NRule,
        fams: &[Family],
        (iif, oif): (&str, &str),
        hook: &str,
    ) -> Result<Rule, ReadError> {
        let unseen = |sel: &Selector| -> Option<&'static str> {
            let k = match sel {
                Selector::Meta(k) => k.as_str(),
                Selector::Ct(_) if hook == "prerouting" => {
                    return Some("a prerouting chain may run before connection tracking")
                }
                _ => return None,
            };
            match (hook, k) {
                ("prerouting", "oifname" | "oif") => {
                    Some("a prerouting chain sees no output interface")
                }
                ("postrouting", "iifname" | "iif") => {
                    Some("a postrouting chain sees no input interface")
                }
                _ => None,
            }
        };
        for st in &r.stmts {
            let sels: Vec<&Selector> = match st {
                Stmt::Match { left, .. } => vec![left],
                Stmt::Vmap {
                    key: Selector::Concat(ks),
                    ..
                } => ks.iter().collect(),
                Stmt::Vmap { key, .. } => vec![key],
                _ => Vec::new(),
            };
            if let Some(why) = sels.into_iter().find_map(unseen) {
                return Err(self.table_err(&r.tag, format!("{why}: this match is not supported")));
            }
        }
        let empty: Tag = Rc::from("");
        let mut m = universe(fams, &empty);
        let mut verdict = None;
        let mut limited = false;
        let mut states = conntrack::ALL.to_vec();
        for st in &r.stmts {
            match st {
                Stmt::Nop => {}
                Stmt::Limit => limited = true,
                Stmt::Unknown(s) => {
                    return Err(self.table_err(&r.tag, format!("not understood: {s}")))
                }
                Stmt::Verdict(v) => verdict = Some(v.clone()),
                Stmt::Vmap { key, map } => {
                    let keys: Vec<&str> = match key {
                        Selector::Meta(k) if matches!(k.as_str(), "iifname" | "iif") => vec!["i"],
                        Selector::Meta(k) if matches!(k.as_str(), "oifname" | "oif") => vec!["o"],
                        Selector::Concat(ks) => ks
                            .iter()
                            .map(|k| match k {
                                Selector::Meta(k) if matches!(k.as_str(), "iifname" | "iif") => {
                                    Ok("i")
                                }
                                Selector::Meta(k) if matches!(k.as_str(), "oifname" | "oif") => {
                                    Ok("o")
                                }
                                _ => Err(self.table_err(
                                    &r.tag,
                                    "verdict maps are supported on interface names only",
                                )),
                            })
                            .collect::<Result<_, _>>()?,
                        _ => {
                            return Err(self.table_err(
                                &r.tag,
                                "verdict maps are supported on interface names only",
                            ))
                        }
                    };
                    let want: Vec<&str> = keys
                        .iter()
                        .map(|k| if *k == "i" { iif } else { oif })
                        .collect();
                    let mut hit = None;
                    for (k, v) in map {
                        let parts: Vec<&Val> = match k {
                            Val::Concat(p) => p.iter().collect(),
                            other => vec![other],
                        };
                        if parts.len() == want.len()
                            && parts
                                .iter()
                                .zip(&want)
                                .all(|(p, w)| atom_str(p).is_some_and(|s| ifname_matches(s, w)))
                        {
                            hit = Some(v.clone());
                            break;
                        }
                    }
                    match hit {
                        Some(v) => verdict = Some(v),
                        None => m = Space::new(),
                    }
                }
                Stmt::Match { neg, left, right } => {
                    let cond = match left {
                        Selector::Meta(k)
                            if matches!(k.as_str(), "iifname" | "oifname" | "iif" | "oif") =>
                        {
                            let b = self.if_match(table, k, right, iif, oif, &r.tag)?;
                            if b != *neg {
                                continue;
                            }
                            m = Space::new();
                            continue;
                        }
                        Selector::Ct(k) if k == "state" => {
                            // Applied once the rest of the rule is known: the first packets
                            // conntrack gives one of these states.
                            let mut named = Vec::new();
                            for (v, _) in self.elements(table, right, &r.tag)? {
                                let state = atom_str(v).and_then(conntrack::State::parse);
                                let Some(state) = state else {
                                    return Err(self.table_err(
                                        &r.tag,
                                        format!("connection state {v:?} is not supported"),
                                    ));
                                };
                                named.push(state);
                            }
                            states.retain(|s| named.contains(s) != *neg);
                            continue;
                        }
                        Selector::Ct(k) => {
                            return Err(self.table_err(&r.tag, format!("`ct {k}` is not supported")))
                        }
                        _ => self.dims_space(table, left, right, fams, &r.tag)?,
                    };
                    let cond = if *neg {
                        selector_domain(left, fams, &empty).subtract(&cond)
                    } else {
                        cond
                    };
                    let from_set = matches!(right, Val::SetRef(_));
                    m = if covers_families_of(&m, &cond) {
                        cond
                    } else {
                        intersect(&m, &cond, from_set)
                    };
                }
            }
        }
        if limited && matches!(verdict, Some(Verdict::Accept) | Some(Verdict::Drop)) {
            return Err(self.table_err(
                &r.tag,
                "a rate limit on a rule that accepts or drops makes the decision depend on traffic",
            ));
        }
        if states.len() < conntrack::ALL.len() {
            m = conntrack::restrict(m, &states, fams);
        }
        Ok(Rule {
            matches: m,
            verdict,
            tag: r.tag.clone(),
        })
    }

    fn dims_space(
        &self,
        table: &Table,
        left: &Selector,
        right: &Val,
        fams: &[Family],
        t: &Tag,
    ) -> Result<Space<Tag>, ReadError> {
        let sels: Vec<&Selector> = match left {
            Selector::Concat(s) => s.iter().collect(),
            s => vec![s],
        };
        let mut out = Space::new();
        for (v, etag) in self.elements(table, right, t)? {
            let parts: Vec<&Val> = match v {
                Val::Concat(p) => p.iter().collect(),
                other => vec![other],
            };
            if parts.len() != sels.len() {
                return Err(self.table_err(
                    t,
                    "a set element does not fit the concatenation it is matched with",
                ));
            }
            let mut d = Dims::default();
            for (s, p) in sels.iter().zip(parts) {
                restrict(&mut d, s, p)
                    .map_err(|m| self.table_err(etag.as_ref().unwrap_or(t), m))?;
            }
            if d.th_port
                && !d
                    .proto
                    .as_ref()
                    .is_some_and(|p| p.is_subset(&Ivs(vec![(6, 6), (17, 17)])))
            {
                return Err(self.table_err(
                    etag.as_ref().unwrap_or(t),
                    "`th dport` / `th sport` for a protocol other than tcp or udp is not supported",
                ));
            }
            let tg: Tag = etag.unwrap_or_else(|| Rc::from(""));
            dims_extend(&mut out, &d, fams, &tg);
        }
        Ok(out)
    }

    /// The flattened forward path for one interface pair: every prerouting, forward and
    /// postrouting base chain, each as its own list. A packet is forwarded when every base chain
    /// accepts it.
    pub fn items(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        let mut out = Vec::new();
        for table in &self.tables {
            let Some(fams) = table_families(&table.family) else {
                if table.chains.values().any(|c| c.hook.is_some()) {
                    return Err(ReadError {
                        file: self.file.clone(),
                        line: 0,
                        message: format!(
                            "table family `{}` with base chains is not supported",
                            table.family
                        ),
                    });
                }
                continue;
            };
            for (name, chain) in &table.chains {
                // A forwarded packet passes the prerouting, forward and postrouting hooks, and
                // each of their base chains must accept it.
                let hook = match chain.hook.as_deref() {
                    Some(h @ ("prerouting" | "forward" | "postrouting")) => h,
                    None | Some("input" | "output") => continue,
                    // `ingress` (inet tables since Linux 5.10) and `egress` see every packet of
                    // their device, forwarded ones included.
                    Some(h) => {
                        return Err(ReadError {
                            file: self.file.clone(),
                            line: 0,
                            message: match &chain.tag {
                                Some(t) => format!(
                                    "{t}: base chain `{name}` on the `{h}` hook is not supported"
                                ),
                                None => format!(
                                    "base chain `{name}` on the `{h}` hook is not supported"
                                ),
                            },
                        })
                    }
                };
                let lookup = |n: &str| -> Result<Option<Vec<Rule>>, ReadError> {
                    let Some(c) = table.chains.get(n) else {
                        return Ok(None);
                    };
                    c.rules
                        .iter()
                        .map(|r| self.rule(table, r, &fams, (iif, oif), hook))
                        .collect::<Result<Vec<_>, _>>()
                        .map(Some)
                };
                let mut fl = Flattener {
                    chain: &lookup,
                    items: Vec::new(),
                    file: self.file.clone(),
                };
                let policy = match chain.policy.as_deref() {
                    None | Some("accept") => Term::Accept,
                    Some("drop") => Term::Drop,
                    Some(p) => {
                        return Err(ReadError {
                            file: self.file.clone(),
                            line: 0,
                            message: format!("chain `{name}`: policy `{p}` is not supported"),
                        })
                    }
                };
                let ptag = chain
                    .tag
                    .clone()
                    .unwrap_or_else(|| Rc::from(format!("{}: chain {name} policy", self.file)));
                fl.base(name, universe(&fams, &Rc::from("")), policy, ptag)?;
                let mut items = fl.items;
                // Packets of a family this table does not see pass it.
                let others: Vec<Family> = [Family::V4, Family::V6]
                    .into_iter()
                    .filter(|f| !fams.contains(f))
                    .collect();
                if !others.is_empty() {
                    let t: Tag = Rc::from(format!(
                        "{}: table {} {} does not see this family",
                        self.file, table.family, table.name
                    ));
                    items.push(Item {
                        space: universe(&others, &t),
                        term: Term::Accept,
                        tag: t,
                    });
                }
                out.push(items);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::config::accepted;
    use crate::packet::Packet;

    const TEXT: &str = r#"
table inet t {}
delete table inet t
table inet t {
	set s {
		type ipv4_addr . ipv4_addr . inet_proto . inet_service
		flags interval
		elements = {
			10.1.0.0/24 . 10.2.0.7 . tcp . 502 comment "x",
			10.1.0.5 . 10.2.0.0-10.2.0.9 . udp . 1000-2000,
		}
	}
	set z { type ipv4_addr; flags interval; elements = { 10.1.0.0/24 } }
	chain as_a {
		ip saddr @z return
		counter drop
	}
	chain p {
		ip saddr . ip daddr . meta l4proto . th dport @s ct state new counter accept comment "c"
		ip saddr 10.1.0.9 ip daddr 10.2.0.1 icmp type echo-request accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		iifname vmap {
			"a" : jump as_a,
		}
		ct state established,related accept
		iifname . oifname vmap {
			"a" . "b" : jump p,
		}
		counter drop
	}
}
"#;

    #[test]
    fn text_ruleset_accepts_exactly() {
        let n = parse_text("t.nft", TEXT).unwrap();
        let items = n.items("a", "b").unwrap();
        assert_eq!(items.len(), 1);
        let acc = accepted(&items[0]);
        let ip = |s: &str| s.parse().unwrap();
        let yes = [
            Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), 502),
            Packet::udp(ip("10.1.0.5"), ip("10.2.0.9"), 1500),
            Packet {
                src: ip("10.1.0.9"),
                dst: ip("10.2.0.1"),
                proto: 1,
                sport: 0,
                dport: 8,
                ack: false,
            },
        ];
        let no = [
            Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), 503),
            Packet::udp(ip("10.1.0.6"), ip("10.2.0.9"), 1500),
            Packet::tcp(ip("10.3.0.1"), ip("10.2.0.7"), 502),
            Packet {
                src: ip("10.1.0.9"),
                dst: ip("10.2.0.1"),
                proto: 1,
                sport: 0,
                dport: 0,
                ack: false,
            },
        ];
        for p in &yes {
            assert!(acc.contains(p).is_some(), "{p}");
        }
        for p in &no {
            assert!(acc.contains(p).is_none(), "{p}");
        }
        // The other direction has no pair chain.
        assert!(accepted(&n.items("b", "a").unwrap()[0]).is_empty());
    }

    #[test]
    fn unknown_statements_fail_loudly() {
        let bad = TEXT.replace(
            "counter drop\n\t}\n\tchain p",
            "counter drop\n\t}\n\tchain p {\n\t\tip dscp 46 accept\n\t}\n\tchain q",
        );
        let n = parse_text("t.nft", &bad).unwrap();
        let e = n.items("a", "b").unwrap_err();
        assert!(e.message.contains("ip dscp"), "{e}");
    }

    #[test]
    fn source_ports_are_a_dimension() {
        let text = TEXT.replace("icmp type echo-request", "tcp sport 1000-2000 tcp dport 22");
        let n = parse_text("t.nft", &text).unwrap();
        let acc = accepted(&n.items("a", "b").unwrap()[0]);
        let ip = |s: &str| s.parse().unwrap();
        let mut p = Packet::tcp(ip("10.1.0.9"), ip("10.2.0.1"), 22);
        p.sport = 1500;
        assert!(acc.contains(&p).is_some(), "{p}");
        p.sport = 40000;
        assert!(acc.contains(&p).is_none(), "{p}");
        let bad = TEXT.replace("icmp type echo-request", "ip protocol 47 th sport 5");
        let n = parse_text("t.nft", &bad).unwrap();
        assert!(n.items("a", "b").is_err());
    }

    /// A space that holds one family whole is not everything in an `inet` table: the rules after
    /// `meta nfproto ipv4 return` see IPv6 alone, and `ip saddr 0.0.0.0/0` is every IPv4 packet only.
    #[test]
    fn family_restricted_matches_are_exact() {
        let text = "table inet t {
	chain fam {
		meta nfproto ipv4 return
		tcp dport 4444 drop
	}
	chain spoof {
		ip saddr 0.0.0.0/0 return
		drop
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		jump spoof
		jump fam
		tcp dport 4444 accept
		meta nfproto ipv4 tcp dport 5555 accept
	}
}
";
        let n = parse_text("t.nft", text).unwrap();
        let acc = accepted(&n.items("a", "b").unwrap()[0]);
        let ip = |s: &str| s.parse().unwrap();
        for (p, yes) in [
            (Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), 4444), true),
            (Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), 5555), true),
            (
                Packet::tcp(ip("2001:db8::1"), ip("2001:db8::2"), 4444),
                false,
            ),
            (
                Packet::tcp(ip("2001:db8::1"), ip("2001:db8::2"), 5555),
                false,
            ),
        ] {
            assert_eq!(acc.contains(&p).is_some(), yes, "{p}");
        }
        // Without the anti-spoofing chain, IPv6 reaches the family chain and its drop.
        let n = parse_text("t.nft", &text.replace("\t\tjump spoof\n", "")).unwrap();
        let acc = accepted(&n.items("a", "b").unwrap()[0]);
        assert!(acc
            .contains(&Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), 4444))
            .is_some());
        assert!(acc
            .contains(&Packet::tcp(ip("2001:db8::1"), ip("2001:db8::2"), 4444))
            .is_none());
        assert!(acc
            .contains(&Packet::tcp(ip("2001:db8::1"), ip("2001:db8::2"), 5555))
            .is_none());
    }

    /// A negated match holds only where nft's dependency in front of it does: `ip saddr !=`
    /// only for IPv4, `tcp dport !=` only for TCP.
    #[test]
    fn negated_matches_hold_inside_their_dependency() {
        let text = "table inet t {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ip saddr != 10.0.0.0/8 tcp dport != 22 accept
		ip6 saddr != 2001:db8::/32 udp dport != 53 accept
	}
}
";
        let n = parse_text("t.nft", text).unwrap();
        let acc = accepted(&n.items("a", "b").unwrap()[0]);
        let ip = |s: &str| s.parse().unwrap();
        for (p, yes) in [
            (Packet::tcp(ip("192.0.2.1"), ip("10.2.0.7"), 80), true),
            (Packet::tcp(ip("192.0.2.1"), ip("10.2.0.7"), 22), false),
            (Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), 80), false),
            (Packet::udp(ip("192.0.2.1"), ip("10.2.0.7"), 80), false),
            (Packet::tcp(ip("2001:db9::1"), ip("2001:db8::2"), 80), false),
            (Packet::udp(ip("2001:db9::1"), ip("2001:db8::2"), 80), true),
            (Packet::udp(ip("2001:db9::1"), ip("2001:db8::2"), 53), false),
            (Packet::udp(ip("192.0.2.1"), ip("10.2.0.7"), 53), false),
        ] {
            assert_eq!(acc.contains(&p).is_some(), yes, "{p}");
        }
    }
}

impl crate::dialect::Filters for Nft {
    fn filters(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        self.items(iif, oif)
    }
}
