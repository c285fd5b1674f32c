//! The typed configuration as `nft -f` text, by `Display`: the header, then each table with its
//! sets and chains separated by blank lines, one rule per line (a verdict map one entry per
//! line), tabs for indentation. [`super::parse`] reads this text back to an equal configuration.
//!
//! Strings are written between quotes only from [`Quoted`] values, which cannot hold a quote, a
//! backslash or a control character, and interface names, which `lower` checked; so no text of
//! the policy can end a string or a line.

use super::ast::{
    Base, Chain, Counter, Element, Quoted, Rule, Ruleset, Selector, Set, Stmt, Table, Val, Verdict,
};
use std::fmt::{self, Display, Formatter, Write};

impl Display for Ruleset {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for h in &self.header {
            if h.as_str().is_empty() {
                writeln!(f, "#")?;
            } else {
                writeln!(f, "# {}", h.as_str())?;
            }
        }
        for (i, t) in self.tables.iter().enumerate() {
            if i > 0 || !self.header.is_empty() {
                writeln!(f)?;
            }
            write!(f, "{t}")?;
        }
        Ok(())
    }
}

impl Display for Table {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (fam, name) = (&self.family, &self.name);
        if self.replaced {
            writeln!(f, "table {fam} {name} {{}}")?;
            writeln!(f, "delete table {fam} {name}")?;
        }
        writeln!(f, "table {fam} {name} {{")?;
        let items = self
            .sets
            .iter()
            .map(|s| s as &dyn Display)
            .chain(self.chains.iter().map(|c| c as &dyn Display));
        for (i, item) in items.enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{item}")?;
        }
        writeln!(f, "}}")
    }
}

fn comment_line(f: &mut Formatter<'_>, indent: &str, c: &Option<Quoted>) -> fmt::Result {
    match c {
        Some(c) => writeln!(f, "{indent}comment \"{}\"", c.as_str()),
        None => Ok(()),
    }
}

impl Display for Set {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "\tset {} {{", self.name)?;
        if !self.kind.is_empty() {
            let word = if self.typeof_ { "typeof" } else { "type" };
            writeln!(f, "\t\t{word} {}", self.kind.join(" . "))?;
        }
        if !self.flags.is_empty() {
            writeln!(f, "\t\tflags {}", self.flags.join(","))?;
        }
        if self.counter {
            writeln!(f, "\t\tcounter")?;
        }
        comment_line(f, "\t\t", &self.comment)?;
        if !self.elements.is_empty() {
            writeln!(f, "\t\telements = {{")?;
            for e in &self.elements {
                writeln!(f, "\t\t\t{e},")?;
            }
            writeln!(f, "\t\t}}")?;
        }
        writeln!(f, "\t}}")
    }
}

impl Display for Element {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", ValIn(&self.value, false))?;
        if let Some(c) = &self.counter {
            write!(f, " {c}")?;
        }
        if let Some(c) = &self.comment {
            write!(f, " comment \"{}\"", c.as_str())?;
        }
        Ok(())
    }
}

impl Display for Counter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some((p, b)) => write!(f, "counter packets {p} bytes {b}"),
            None => write!(f, "counter"),
        }
    }
}

impl Display for Chain {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "\tchain {} {{", self.name)?;
        match (&self.base, &self.policy) {
            (Some(b), Some(p)) => writeln!(f, "\t\t{b} policy {p};")?,
            (Some(b), None) => writeln!(f, "\t\t{b}")?,
            (None, Some(p)) => writeln!(f, "\t\tpolicy {p};")?,
            (None, None) => {}
        }
        comment_line(f, "\t\t", &self.comment)?;
        for r in &self.rules {
            writeln!(f, "\t\t{r}")?;
        }
        writeln!(f, "\t}}")
    }
}

impl Display for Base {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "type {}", self.kind)?;
        if let Some(h) = &self.hook {
            write!(f, " hook {h}")?;
        }
        for w in &self.rest {
            write!(f, " {w}")?;
        }
        write!(f, ";")
    }
}

impl Display for Rule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, s) in self.stmts.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write!(f, "{s}")?;
        }
        if let Some(c) = &self.comment {
            if !self.stmts.is_empty() {
                f.write_char(' ')?;
            }
            write!(f, "comment \"{}\"", c.as_str())?;
        }
        Ok(())
    }
}

impl Display for Stmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stmt::Match { neg, left, right } => {
                let ct = matches!(left, Selector::Ct(_));
                write!(f, "{left} ")?;
                if *neg {
                    write!(f, "!= ")?;
                }
                write!(f, "{}", ValIn(right, ct))
            }
            Stmt::Verdict(v) => write!(f, "{v}"),
            Stmt::Vmap { key, map } => {
                writeln!(f, "{key} vmap {{")?;
                for (k, v) in map {
                    writeln!(f, "\t\t\t{} : {v},", ValIn(k, false))?;
                }
                write!(f, "\t\t}}")
            }
            Stmt::Counter(c) => write!(f, "{c}"),
            Stmt::Log { prefix, options } => {
                write!(f, "log")?;
                if let Some(p) = prefix {
                    write!(f, " prefix \"{}\"", p.as_str())?;
                }
                for (k, v) in options {
                    write!(f, " {k} {v}")?;
                }
                Ok(())
            }
            Stmt::Limit { over, rate, burst } => {
                write!(f, "limit rate ")?;
                if *over {
                    write!(f, "over ")?;
                }
                write!(f, "{rate}")?;
                if let Some((n, unit)) = burst {
                    write!(f, " burst {n} {unit}")?;
                }
                Ok(())
            }
            Stmt::Mangle { left, value } => write!(f, "{left} set {}", ValIn(value, false)),
            Stmt::Nat { kind, family, to } => {
                write!(f, "{kind} {family} prefix to {}", ValIn(to, false))
            }
            // Not nft syntax: a JSON statement the reader did not know; the line ends here.
            Stmt::Unknown(s) => write!(f, "# not understood: {}", s.replace(['\n', '\r'], " ")),
        }
    }
}

impl Display for Selector {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Meta(k) if matches!(k.as_str(), "iifname" | "oifname" | "iif" | "oif") => {
                write!(f, "{k}")
            }
            Selector::Meta(k) => write!(f, "meta {k}"),
            Selector::Payload(p, k) => write!(f, "{p} {k}"),
            Selector::Ct(k) => write!(f, "ct {k}"),
            Selector::Concat(parts) => {
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        write!(f, " . ")?;
                    }
                    write!(f, "{p}")?;
                }
                Ok(())
            }
        }
    }
}

/// A value, and whether it follows `ct`, where a set of two or more words is written
/// `established,related` as `nft list` does.
struct ValIn<'a>(&'a Val, bool);

impl Display for ValIn<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Val::Atom(s) => write!(f, "{s}"),
            // Interface names, checked when lowered; escaped all the same, and a control
            // character (never read from text) cannot end the line.
            Val::Str(s) => {
                f.write_char('"')?;
                for c in s.chars() {
                    match c {
                        '"' | '\\' => write!(f, "\\{c}")?,
                        c if c.is_control() => f.write_char('?')?,
                        c => f.write_char(c)?,
                    }
                }
                f.write_char('"')
            }
            Val::Prefix(a, l) => write!(f, "{a}/{l}"),
            Val::Range(a, b) => write!(f, "{}-{}", ValIn(a, false), ValIn(b, false)),
            Val::Set(vs)
                if self.1 && vs.len() > 1 && vs.iter().all(|v| matches!(v, Val::Atom(_))) =>
            {
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{}", ValIn(v, false))?;
                }
                Ok(())
            }
            Val::Set(vs) => {
                write!(f, "{{ ")?;
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}", ValIn(v, false))?;
                }
                write!(f, " }}")
            }
            Val::Concat(vs) => {
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        write!(f, " . ")?;
                    }
                    write!(f, "{}", ValIn(v, false))?;
                }
                Ok(())
            }
            Val::SetRef(n) => write!(f, "@{n}"),
        }
    }
}

impl Display for Verdict {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Accept => write!(f, "accept"),
            Verdict::Drop => write!(f, "drop"),
            Verdict::Reject(with) if with.is_empty() => write!(f, "reject"),
            Verdict::Reject(with) => write!(f, "reject with {}", with.join(" ")),
            Verdict::Return => write!(f, "return"),
            Verdict::Jump(c) => write!(f, "jump {c}"),
            Verdict::Goto(c) => write!(f, "goto {c}"),
        }
    }
}
