//! The tokens of one line of `nft` text and the statements of a rule: selectors, values,
//! anonymous sets, verdict maps, verdicts, counters, logging and rate limits.

use super::ast::{Counter, Origin, Quoted, Rule, Selector, Stmt, Val, Verdict};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Word(String),
    Str(String),
    Sym(char),
}

impl Tok {
    /// The text of a word or string.
    pub(super) fn text(&self) -> Option<&str> {
        match self {
            Tok::Word(w) | Tok::Str(w) => Some(w),
            Tok::Sym(_) => None,
        }
    }
}

pub(super) fn tokenize(line: &str) -> Result<Vec<Tok>, String> {
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

pub(super) fn brace_depth(t: &[Tok]) -> i32 {
    t.iter()
        .map(|t| match t {
            Tok::Sym('{') => 1,
            Tok::Sym('}') => -1,
            _ => 0,
        })
        .sum()
}

pub(super) struct P<'a> {
    pub(super) t: &'a [Tok],
    pub(super) i: usize,
}

impl P<'_> {
    pub(super) fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
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
    /// The word or string at the cursor.
    fn text(&mut self, what: &str) -> Result<String, String> {
        match self.peek().and_then(Tok::text) {
            Some(w) => {
                let w = w.to_string();
                self.i += 1;
                Ok(w)
            }
            None => Err(format!("expected {what}")),
        }
    }
    /// After `counter`: `[packets N bytes M]`.
    pub(super) fn counter(&mut self) -> Result<Counter, String> {
        if !self.is_word("packets") {
            return Ok(Counter(None));
        }
        self.i += 1;
        let n = |s: String| {
            s.parse::<u64>()
                .map_err(|_| format!("`{s}` is not a count"))
        };
        let packets = n(self.text("a packet count")?)?;
        self.i += 1; // bytes
        let bytes = n(self.text("a byte count")?)?;
        Ok(Counter(Some((packets, bytes))))
    }
    fn atom(&mut self) -> Result<Val, String> {
        match self.t.get(self.i).cloned() {
            Some(Tok::Str(s)) => {
                self.i += 1;
                Ok(Val::Str(s))
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
    /// A value, possibly `a . b . c`.
    pub(super) fn concat_value(&mut self) -> Result<Val, String> {
        let mut parts = vec![self.atom()?];
        while self.peek() == Some(&Tok::Sym('.')) {
            self.i += 1;
            parts.push(self.atom()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().unwrap_or(Val::Set(Vec::new()))
        } else {
            Val::Concat(parts)
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
                let k = self.word()?;
                // `ct original ip daddr`: a field of one direction's tuple, one selector.
                if matches!(k.as_str(), "original" | "reply") {
                    let fam = self.word()?;
                    let field = self.word()?;
                    Selector::Ct(format!("{k} {fam} {field}"))
                } else {
                    Selector::Ct(k)
                }
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
                let mut with = Vec::new();
                if self.is_word("with") {
                    self.i += 1;
                    let kind = self.word()?;
                    let more = if kind == "tcp" { 1 } else { 2 };
                    with.push(kind);
                    for _ in 0..more {
                        with.push(self.word()?);
                    }
                }
                return Ok(Some(Verdict::Reject(with)));
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
    /// `vmap { k : v, ... }` after the key.
    fn vmap(&mut self) -> Result<Vec<(Val, Verdict)>, String> {
        if self.peek() != Some(&Tok::Sym('{')) {
            return Err("a named verdict map is not supported".into());
        }
        self.i += 1;
        let mut map = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Sym('}')) => {
                    self.i += 1;
                    return Ok(map);
                }
                Some(Tok::Sym(',')) => self.i += 1,
                None => return Err("unclosed verdict map".into()),
                _ => {
                    let k = self.concat_value()?;
                    if self.peek() != Some(&Tok::Sym(':')) {
                        return Err("expected `:` in a verdict map".into());
                    }
                    self.i += 1;
                    let Some(v) = self.verdict()? else {
                        return Err("expected a verdict in a verdict map".into());
                    };
                    map.push((k, v));
                }
            }
        }
    }
    /// `log [prefix "..."] [level info] ...`, after `log`.
    fn log(&mut self) -> Result<Stmt, String> {
        let mut prefix = None;
        let mut options = Vec::new();
        while let Some(Tok::Word(k)) = self.peek().cloned() {
            if !matches!(
                k.as_str(),
                "prefix" | "level" | "group" | "snaplen" | "queue-threshold" | "flags"
            ) {
                break;
            }
            self.i += 1;
            let v = self.text(&format!("a value after `log {k}`"))?;
            if k == "prefix" {
                // A prefix the printer could not write back means nothing to the packets.
                prefix = Quoted::new(v);
            } else {
                options.push((k, v));
            }
        }
        Ok(Stmt::Log { prefix, options })
    }
    /// `limit rate [over] N/unit [burst N packets|bytes]`, at `limit`.
    fn limit(&mut self) -> Result<Stmt, String> {
        self.i += 2;
        let over = self.is_word("over");
        if over {
            self.i += 1;
        }
        let rate = self.text("a rate")?;
        let mut burst = None;
        if self.is_word("burst") {
            self.i += 1;
            burst = Some((self.text("a burst")?, self.text("a burst unit")?));
        }
        Ok(Stmt::Limit { over, rate, burst })
    }
}

pub(super) fn parse_rule(toks: &[Tok]) -> Result<Rule, String> {
    let mut p = P { t: toks, i: 0 };
    let mut rule = Rule {
        stmts: Vec::new(),
        comment: None,
        origin: Origin::default(),
    };
    while let Some(t) = p.peek().cloned() {
        if let Some(v) = p.verdict()? {
            rule.stmts.push(Stmt::Verdict(v));
            continue;
        }
        let Tok::Word(w) = t else {
            return Err(format!("unexpected {t:?}"));
        };
        match w.as_str() {
            "counter" => {
                p.i += 1;
                let c = p.counter()?;
                rule.stmts.push(Stmt::Counter(c));
            }
            "log" => {
                p.i += 1;
                let l = p.log()?;
                rule.stmts.push(l);
            }
            "comment" => {
                rule.comment = p.t.get(p.i + 1).and_then(Tok::text).and_then(Quoted::new);
                p.i += 2;
            }
            "limit" => {
                let l = p.limit()?;
                rule.stmts.push(l);
            }
            "dnat" | "snat" => {
                p.i += 1;
                let family = p.word()?;
                if !matches!(family.as_str(), "ip" | "ip6") || !p.is_word("prefix") {
                    return Err(format!(
                        "only `{w} ip prefix to PREFIX` (static 1:1 translation) is supported"
                    ));
                }
                p.i += 1;
                if !p.is_word("to") {
                    return Err(format!("expected `to` after `{w} {family} prefix`"));
                }
                p.i += 1;
                let to = p.concat_value()?;
                rule.stmts.push(Stmt::Nat {
                    kind: w.clone(),
                    family,
                    to,
                });
            }
            _ => {
                let st = match_or_vmap(&mut p, &w)?;
                rule.stmts.push(st);
            }
        }
    }
    Ok(rule)
}

/// `SELECTOR [!=|==] VALUE` or `SELECTOR vmap { ... }`.
fn match_or_vmap(p: &mut P, w: &str) -> Result<Stmt, String> {
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
    if p.is_word("!=") {
        neg = true;
        p.i += 1;
    } else if p.is_word("==") {
        p.i += 1;
    } else if p.is_word("set") {
        p.i += 1;
        let value = p.concat_value()?;
        return Ok(Stmt::Mangle { left, value });
    } else if p.is_word("vmap") {
        p.i += 1;
        let map = p.vmap()?;
        return Ok(Stmt::Vmap { key: left, map });
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
    Ok(Stmt::Match { neg, left, right })
}
