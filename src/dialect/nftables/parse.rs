//! Reads nftables rulesets back into the typed configuration: the text fenceline prints (`nft -f`
//! input) and what `nft list ruleset` prints on a live firewall, here; the JSON of
//! `nft -j list ruleset` in [`super::json`]. Both give the same [`Ruleset`].
//!
//! The reader knows the subset of nftables that fenceline emits (named and anonymous sets with
//! intervals and concatenations, verdict maps on interface names, jumps, returns, conntrack
//! state, counters, logging, rate limits, source and destination ports) plus the normalised form
//! the kernel prints for it. Text it cannot place (an unknown statement word, a named map, a
//! chain type other than `filter`, a base chain written on one line) is refused here with its
//! line; matches it can read but not evaluate are refused by [`super::semantics`] when the
//! forward path reaches them, never guessed at.
//!
//! The file is applied as `nft -f` would: `delete table` and `flush ruleset` remove tables, a
//! block of a table that exists adds to it, a chain declared again keeps its rules.

use super::ast::{err, Base, Chain, Element, Origin, Quoted, Remark, Ruleset, Set, Table};
use super::rule::{brace_depth, parse_rule, tokenize, Tok, P};
use crate::dialect::config::{ReadError, Tag};
use foldhash::HashMap;
use std::sync::Arc;

fn tag(file: &str, line: usize, text: &str) -> Tag {
    Arc::from(format!("{file}:{line}: {}", text.trim()))
}

/// The text of a `# ...` header line.
fn header_line(line: &str) -> Option<Remark> {
    let rest = line.trim_start().strip_prefix('#')?;
    Remark::new(rest.strip_prefix(' ').unwrap_or(rest))
}

/// Parses nftables text (`nft -f` syntax).
pub fn parse_text(file: &str, text: &str) -> Result<Ruleset, ReadError> {
    // Blocks are line-oriented in everything nft prints; track nesting by braces per line.
    let lines: Vec<&str> = text.lines().collect();
    let mut nft = Ruleset {
        file: file.to_string(),
        header: Vec::new(),
        tables: Vec::new(),
        derived: Default::default(),
    };
    let mut deleted: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    let mut in_header = true;
    while i < lines.len() {
        let ln = i + 1;
        let toks = tokenize(lines[i]).map_err(|m| err(file, ln, m))?;
        i += 1;
        if toks.is_empty() {
            if in_header {
                nft.header.extend(header_line(lines[ln - 1]));
            }
            continue;
        }
        in_header = false;
        match toks.as_slice() {
            [Tok::Word(t), Tok::Word(fam), Tok::Word(name), rest @ ..] if t == "table" => {
                let opened = rest.first() == Some(&Tok::Sym('{'));
                let closed = rest.get(1) == Some(&Tok::Sym('}'));
                if rest.len() > 1 + usize::from(closed) {
                    return Err(err(
                        file,
                        ln,
                        format!("table `{name}`: statements on the line that opens the table are not supported (write one per line, as `nft list ruleset` does)"),
                    ));
                }
                let k = match nft
                    .tables
                    .iter()
                    .position(|t| t.family == *fam && t.name == *name)
                {
                    Some(k) => k,
                    None => {
                        let replaced = deleted.iter().any(|(f, n)| f == fam && n == name);
                        nft.tables.push(Table {
                            family: fam.clone(),
                            name: name.clone(),
                            replaced,
                            sets: Vec::new(),
                            chains: Vec::new(),
                        });
                        nft.tables.len() - 1
                    }
                };
                // `table inet x {}` declares an empty table (or leaves an existing one); a block
                // of a table that exists adds to it, as `nft -f` does: new sets and chains, set
                // elements and rules appended to the existing ones.
                if opened && !closed {
                    parse_table_body(file, &lines, &mut i, &mut nft.tables[k])?;
                }
            }
            [Tok::Word(d), Tok::Word(t), Tok::Word(fam), Tok::Word(name)]
                if d == "delete" && t == "table" =>
            {
                nft.tables
                    .retain(|x| !(x.family == *fam && x.name == *name));
                deleted.push((fam.clone(), name.clone()));
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
    table: &mut Table,
) -> Result<(), ReadError> {
    // Chains and sets by name: a ruleset of 20,000 chains was searched name by name for each
    // chain it declared (a third of `verify`'s reading of one firewall of 100,000 flows).
    let mut chain_at: HashMap<String, usize> = (table.chains.iter().enumerate())
        .map(|(k, c)| (c.name.clone(), k))
        .collect();
    let mut set_at: HashMap<String, usize> = (table.sets.iter().enumerate())
        .map(|(k, s)| (s.name.clone(), k))
        .collect();
    while *i < lines.len() {
        let ln = *i + 1;
        let toks = tokenize(lines[*i]).map_err(|m| err(file, ln, m))?;
        *i += 1;
        match toks.as_slice() {
            [] => continue,
            [Tok::Sym('}')] => return Ok(()),
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
                let mut set = Set {
                    name: name.clone(),
                    kind: Vec::new(),
                    typeof_: false,
                    flags: Vec::new(),
                    counter: false,
                    comment: None,
                    elements: Vec::new(),
                };
                if rest.last() == Some(&Tok::Sym('}')) {
                    let t = tag(file, ln, lines[ln - 1]);
                    inline_set(&rest[..rest.len() - 1], &mut set, &t)
                        .map_err(|m| err(file, ln, m))?;
                } else {
                    parse_set_body(file, lines, i, ln, &mut set)?;
                }
                match set_at.get(name.as_str()) {
                    Some(&k) => table.sets[k].elements.extend(set.elements),
                    None => {
                        set_at.insert(name.clone(), table.sets.len());
                        table.sets.push(set);
                    }
                }
            }
            [Tok::Word(k), Tok::Word(name), Tok::Sym('{'), rest @ ..] if k == "chain" => {
                // A chain declared again keeps its rules, hook and policy; the kernel refuses to
                // change its hook.
                let (k, declared) = match chain_at.get(name.as_str()) {
                    Some(&k) => (k, true),
                    None => {
                        chain_at.insert(name.clone(), table.chains.len());
                        table.chains.push(Chain {
                            name: name.clone(),
                            ..Chain::default()
                        });
                        (table.chains.len() - 1, false)
                    }
                };
                match rest {
                    [Tok::Sym('}')] => continue,
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
                parse_chain_body(file, lines, i, ln, declared, &mut table.chains[k])?;
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

fn parse_chain_body(
    file: &str,
    lines: &[&str],
    i: &mut usize,
    ln: usize,
    declared: bool,
    chain: &mut Chain,
) -> Result<(), ReadError> {
    let name = chain.name.clone();
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
            Some(Tok::Sym('}')) => return Ok(()),
            Some(Tok::Word(w)) if w == "type" => {
                // type filter hook forward priority filter; policy drop;
                let base = base_chain(&t2).map_err(|m| err(file, l2, m))?;
                if declared && base.hook != chain.base.as_ref().and_then(|b| b.hook.clone()) {
                    return Err(err(
                        file,
                        l2,
                        format!("chain `{name}` declared again with another type or hook (nft refuses it)"),
                    ));
                }
                chain.base = Some(base);
                let words: Vec<&str> = t2
                    .iter()
                    .filter_map(|t| match t {
                        Tok::Word(w) => Some(w.as_str()),
                        _ => None,
                    })
                    .collect();
                if let Some(p) = words
                    .iter()
                    .position(|w| *w == "policy")
                    .and_then(|p| words.get(p + 1))
                {
                    chain.policy = Some(p.to_string());
                    chain.origin = Origin::new(tag(file, l2, raw));
                } else if !declared {
                    chain.origin = Origin::new(tag(file, l2, raw));
                }
            }
            Some(Tok::Word(w)) if w == "policy" => {
                chain.policy = match t2.get(1) {
                    Some(Tok::Word(p)) => Some(p.clone()),
                    _ => None,
                };
            }
            Some(Tok::Word(w)) if w == "comment" => {
                chain.comment = t2.get(1).and_then(Tok::text).and_then(Quoted::new);
            }
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
                let mut rule = parse_rule(&toks).map_err(|m| err(file, l2, m))?;
                rule.origin = Origin::new(tag(file, l2, &text));
                chain.rules.push(rule);
            }
        }
    }
}

/// `type filter hook forward priority filter; policy drop;`: the part before the policy.
fn base_chain(t: &[Tok]) -> Result<Base, String> {
    let kind = t.get(1).and_then(Tok::text).unwrap_or_default().to_string();
    // `nat` chains hold the static translations (`dnat ip prefix to ...`) the semantics
    // read apart from the filters.
    if kind != "filter" && kind != "nat" {
        return Err(format!("chain type `{kind}` is not supported"));
    }
    let mut base = Base {
        kind,
        hook: None,
        rest: Vec::new(),
    };
    let mut k = 2;
    if t.get(k) == Some(&Tok::Word("hook".into())) {
        base.hook = t.get(k + 1).and_then(Tok::text).map(str::to_string);
        k += 2;
    }
    while let Some(w) = t.get(k).and_then(Tok::text) {
        if w == "policy" {
            break;
        }
        base.rest.push(w.to_string());
        k += 1;
    }
    Ok(base)
}

/// `set z { type ipv4_addr; flags interval; elements = { 10.1.0.0/24 } }` on one line: the
/// tokens between the braces.
fn inline_set(body: &[Tok], set: &mut Set, t: &Tag) -> Result<(), String> {
    let mut k = 0;
    while k < body.len() {
        let mut end = k;
        let mut depth = 0;
        while end < body.len() && !(depth == 0 && body[end] == Tok::Sym(';')) {
            depth += brace_depth(&body[end..=end]);
            end += 1;
        }
        let part = &body[k..end];
        match part {
            [Tok::Word(w), Tok::Word(eq), Tok::Sym('{'), rest @ ..]
                if w == "elements" && eq == "=" =>
            {
                elements(rest, set, t)?;
            }
            // Other properties on one line were never read; they mean nothing to the packets.
            _ => {
                set_property(part, set);
            }
        }
        k = end + 1;
    }
    Ok(())
}

/// A set's property line (`type`, `flags`, `counter`, `comment`, ...): `false` when unknown.
fn set_property(toks: &[Tok], set: &mut Set) -> bool {
    let Some(Tok::Word(w)) = toks.first() else {
        return false;
    };
    let rest = &toks[1..];
    match w.as_str() {
        "type" | "typeof" => {
            set.typeof_ = w == "typeof";
            set.kind.clear();
            let mut part: Vec<&str> = Vec::new();
            for t in rest {
                match t {
                    Tok::Sym('.') => set.kind.push(std::mem::take(&mut part).join(" ")),
                    Tok::Sym(_) => break,
                    t => part.extend(t.text()),
                }
            }
            if !part.is_empty() {
                set.kind.push(part.join(" "));
            }
        }
        "flags" => {
            set.flags = rest
                .iter()
                .take_while(|t| **t != Tok::Sym(';'))
                .filter_map(Tok::text)
                .map(str::to_string)
                .collect();
        }
        "counter" => set.counter = true,
        "comment" => set.comment = rest.first().and_then(Tok::text).and_then(Quoted::new),
        // Sizes and lookup hints: nothing a packet meets.
        "policy" | "size" | "auto-merge" => {}
        _ => return false,
    }
    true
}

/// Elements up to the closing brace (or the end of the tokens): `true` when the brace closed.
fn elements(toks: &[Tok], set: &mut Set, t: &Tag) -> Result<bool, String> {
    let mut p = P { t: toks, i: 0 };
    loop {
        match p.peek() {
            None => return Ok(false),
            Some(Tok::Sym('}')) => return Ok(true),
            Some(Tok::Sym(',')) => p.i += 1,
            _ => {
                let value = p.concat_value()?;
                let mut e = Element {
                    value,
                    counter: None,
                    comment: None,
                    origin: Origin::new(t.clone()),
                };
                // Per-element options: comment "x", counter packets N bytes M.
                while let Some(Tok::Word(w)) = p.peek() {
                    match w.as_str() {
                        "comment" => {
                            e.comment = p.t.get(p.i + 1).and_then(Tok::text).and_then(Quoted::new);
                            p.i += 2;
                        }
                        "counter" => {
                            p.i += 1;
                            e.counter = Some(p.counter()?);
                        }
                        _ => return Err(format!("unexpected `{w}` in a set element")),
                    }
                }
                set.elements.push(e);
            }
        }
    }
}

fn parse_set_body(
    file: &str,
    lines: &[&str],
    i: &mut usize,
    start: usize,
    set: &mut Set,
) -> Result<(), ReadError> {
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
            let closed = elements(&toks, set, &tag(file, ln, raw)).map_err(|m| err(file, ln, m))?;
            in_elems = !closed;
            continue;
        }
        match toks.as_slice() {
            [Tok::Sym('}')] => return Ok(()),
            [Tok::Word(w), Tok::Word(eq), Tok::Sym('{'), rest @ ..]
                if w == "elements" && eq == "=" =>
            {
                // Elements may start on the same line.
                let closed =
                    elements(rest, set, &tag(file, ln, raw)).map_err(|m| err(file, ln, m))?;
                in_elems = !closed;
            }
            _ if set_property(&toks, set) => {}
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
