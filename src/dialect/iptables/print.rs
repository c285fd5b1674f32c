//! AST -> `iptables-restore` text, by `Display`: one line per [`Line`] and [`Entry`], options
//! in AST order, free text ([`Text`]) always double-quoted with `"` and `\` escaped, other words
//! quoted only when they need it (as `iptables-save` writes them).

use super::ast::*;
use crate::dialect::conntrack::State;
use crate::dialect::linux;
use std::fmt::{self, Display, Formatter, Write};

impl Display for RulesFile {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for l in &self.lines {
            match l {
                Line::Blank => f.write_str("\n")?,
                Line::Comment(t) => writeln!(f, "#{}", t.as_str())?,
                Line::Table(t) => write!(f, "{t}")?,
            }
        }
        Ok(())
    }
}

impl Display for Table {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "*{}", self.name)?;
        for e in &self.entries {
            match e {
                Entry::Blank => f.write_str("\n")?,
                Entry::Comment(t) => writeln!(f, "#{}", t.as_str())?,
                Entry::Chain(c) => writeln!(f, "{c}")?,
                Entry::Command(c) => writeln!(f, "{c}")?,
            }
        }
        f.write_str("COMMIT\n")
    }
}

impl Display for Policy {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Policy::Accept => "ACCEPT",
            Policy::Drop => "DROP",
        })
    }
}

impl Display for ChainDecl {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, ":{} ", self.name)?;
        match self.policy {
            Some(p) => write!(f, "{p}")?,
            None => f.write_str("-")?,
        }
        if let Some((p, b)) = self.counters {
            write!(f, " [{p}:{b}]")?;
        }
        Ok(())
    }
}

impl Display for Command {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Command::Append { chain, rule } => {
                f.write_str("-A ")?;
                word(f, chain)?;
                rule.fmt(f)
            }
            Command::Insert { chain, at, rule } => {
                f.write_str("-I ")?;
                word(f, chain)?;
                if let Some(n) = at {
                    write!(f, " {n}")?;
                }
                rule.fmt(f)
            }
            Command::Policy { chain, policy } => {
                f.write_str("-P ")?;
                word(f, chain)?;
                write!(f, " {policy}")
            }
            Command::Flush { chain } => {
                f.write_str("-F ")?;
                word(f, chain)
            }
            Command::Delete { chain } => {
                f.write_str("-X")?;
                if let Some(c) = chain {
                    f.write_char(' ')?;
                    word(f, c)?;
                }
                Ok(())
            }
            Command::New { chain } => {
                f.write_str("-N ")?;
                word(f, chain)
            }
        }
    }
}

/// A rule prints with a leading space before each option (it follows the chain name).
impl Display for Rule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for m in &self.matches {
            f.write_char(' ')?;
            m.fmt(f)?;
        }
        if let Some(j) = &self.jump {
            f.write_char(' ')?;
            j.fmt(f)?;
        }
        Ok(())
    }
}

fn neg(f: &mut Formatter<'_>, neg: bool) -> fmt::Result {
    if neg {
        f.write_str("! ")?;
    }
    Ok(())
}

impl Display for Net {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        linux::Interval(self.family, (self.lo, self.hi)).fmt(f)
    }
}

/// `a/len` for `-s` and `-d`, a host included (`/32`), as iptables-save writes it.
struct Prefix<'a>(&'a Net);

impl Display for Prefix<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let n = self.0;
        match linux::prefix_len(n.family, n.lo, n.hi) {
            Some(len) => write!(f, "{}/{len}", linux::Addr(n.family, n.lo)),
            None => write!(f, "{n}"),
        }
    }
}

pub(crate) fn state_name(s: State) -> &'static str {
    match s {
        State::New => "NEW",
        State::Established => "ESTABLISHED",
        State::Related => "RELATED",
        State::Invalid => "INVALID",
        State::Untracked => "UNTRACKED",
    }
}

impl Display for Match {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Match::Iface { dir, neg: n, name } => {
                neg(f, *n)?;
                f.write_str(if *dir == Dir::Src { "-i " } else { "-o " })?;
                word(f, name)
            }
            Match::Addr { dir, neg: n, nets } => {
                neg(f, *n)?;
                f.write_str(if *dir == Dir::Src { "-s " } else { "-d " })?;
                for (i, net) in nets.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    Prefix(net).fmt(f)?;
                }
                Ok(())
            }
            Match::Range { dir, neg: n, net } => {
                neg(f, *n)?;
                let o = if *dir == Dir::Src {
                    "--src-range"
                } else {
                    "--dst-range"
                };
                write!(f, "{o} {net}")
            }
            Match::Proto { neg: n, name } => {
                neg(f, *n)?;
                f.write_str("-p ")?;
                word(f, name)
            }
            Match::Module(m) => {
                f.write_str("-m ")?;
                word(f, m)
            }
            Match::Ports { dir, multi, ranges } => {
                f.write_str(match (dir, multi) {
                    (Dir::Src, false) => "--sport ",
                    (Dir::Dst, false) => "--dport ",
                    (Dir::Src, true) => "--sports ",
                    (Dir::Dst, true) => "--dports ",
                })?;
                for (i, (lo, hi)) in ranges.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    if lo == hi {
                        write!(f, "{lo}")?;
                    } else {
                        write!(f, "{lo}:{hi}")?;
                    }
                }
                Ok(())
            }
            Match::Icmp { v6, name } => {
                f.write_str(if *v6 {
                    "--icmpv6-type "
                } else {
                    "--icmp-type "
                })?;
                word(f, name)
            }
            Match::State { ct, neg: n, states } => {
                neg(f, *n)?;
                f.write_str(if *ct { "--ctstate " } else { "--state " })?;
                for (i, s) in states.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    f.write_str(state_name(*s))?;
                }
                Ok(())
            }
            Match::Comment(t) => {
                f.write_str("--comment ")?;
                quoted(f, t.as_str())
            }
            Match::Limit(r) => {
                f.write_str("--limit ")?;
                word(f, r)
            }
            Match::LimitBurst(b) => {
                f.write_str("--limit-burst ")?;
                word(f, b)
            }
            Match::HlEq(n) => write!(f, "--hl-eq {n}"),
            Match::CtDir { neg: n, reply } => {
                neg(f, *n)?;
                f.write_str(if *reply {
                    "--ctdir REPLY"
                } else {
                    "--ctdir ORIGINAL"
                })
            }
            Match::Set { neg: n, name, dir } => {
                neg(f, *n)?;
                f.write_str("--match-set ")?;
                word(f, name)?;
                f.write_str(if *dir == Dir::Src { " src" } else { " dst" })
            }
            Match::Other(o) => {
                neg(f, o.neg)?;
                word(f, &o.option)?;
                for v in &o.values {
                    f.write_char(' ')?;
                    word(f, v)?;
                }
                Ok(())
            }
        }
    }
}

impl Display for Jump {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.goto { "-g " } else { "-j " })?;
        word(f, &self.target)?;
        for o in &self.options {
            f.write_char(' ')?;
            match o {
                TargetOpt::LogPrefix(t) => {
                    f.write_str("--log-prefix ")?;
                    quoted(f, t.as_str())?;
                }
                TargetOpt::LogLevel(l) => {
                    f.write_str("--log-level ")?;
                    word(f, l)?;
                }
                TargetOpt::RejectWith(r) => {
                    f.write_str("--reject-with ")?;
                    word(f, r)?;
                }
                TargetOpt::NflogGroup(g) => {
                    f.write_str("--nflog-group ")?;
                    word(f, g)?;
                }
                TargetOpt::NflogPrefix(t) => {
                    f.write_str("--nflog-prefix ")?;
                    quoted(f, t.as_str())?;
                }
                TargetOpt::Flag(x) => word(f, x)?,
                TargetOpt::Other { option, values } => {
                    word(f, option)?;
                    for v in values {
                        f.write_char(' ')?;
                        word(f, v)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Text in double quotes, `"` and `\` escaped (what the reader's splitter undoes).
fn quoted(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut rest = s;
    while let Some(i) = rest.find(['"', '\\']) {
        f.write_str(&rest[..i])?;
        f.write_char('\\')?;
        f.write_str(&rest[i..i + 1])?;
        rest = &rest[i + 1..];
    }
    f.write_str(rest)?;
    f.write_char('"')
}

/// A word as is, or quoted when it is empty or holds a space, a quote or a backslash. Words
/// come from split lines (the reader) and from interface names, chain names and numbers (the
/// lowering), so they hold no line break; should one ever hold a control character other than
/// a tab, it is written as `?` rather than let it end the line.
fn word(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    let breaks = |c: char| c.is_control() && c != '\t';
    if s.chars().any(breaks) {
        let safe: String = s.chars().map(|c| if breaks(c) { '?' } else { c }).collect();
        return word(f, &safe);
    }
    if s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\\')
    {
        quoted(f, s)
    } else {
        f.write_str(s)
    }
}
