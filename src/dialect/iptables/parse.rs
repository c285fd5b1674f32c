//! `iptables-save` / `ip6tables-save` output, and the `iptables-restore` files fenceline
//! generates (the same format), -> the [`RulesFile`] AST: every line kept, in order. Table
//! blocks hold chain declarations and the commands `-A -I -P -F -X -N` (anything else is
//! refused with its line); a file is then restored as `iptables-restore` applies it
//! ([`super::semantics::restore`]), so a command that makes the restore fail is refused here too.
//!
//! Addresses are read at once, and one of the other family is refused: an `iptables.rules`
//! never reads as an `ip6tables.rules`. Other values (protocol and ICMP type names, modules)
//! are words the semantics interprets where FORWARD reaches them; an option the reader does not
//! understand, or whose value it cannot read, is kept as [`Match::Other`] and refused there.

use super::ast::*;
use super::matches::{takes_value, typed, Unread};
use super::semantics;
use crate::dialect::config::ReadError;
use crate::packet::Family;
use std::borrow::Cow;

fn err(file: &str, line: usize, message: impl Into<String>) -> ReadError {
    ReadError {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// Splits a line as iptables-save quotes it: double quotes with backslash escapes. A word is
/// borrowed from the line unless it has to be unescaped or joined from quoted parts.
pub(crate) fn split_args(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let mut out = Vec::new();
    let mut it = line.char_indices().peekable();
    let mut word: Option<Cow<str>> = None;
    while let Some((i, c)) = it.next() {
        let part = if c.is_whitespace() {
            out.extend(word.take());
            continue;
        } else if c == '"' {
            let from = i + 1;
            let mut unescaped: Option<String> = None;
            let end = loop {
                match it.next() {
                    Some((j, '\\')) => {
                        let u = unescaped.get_or_insert_with(|| line[from..j].to_string());
                        if let Some((_, n)) = it.next() {
                            u.push(n);
                        }
                    }
                    Some((j, '"')) => break j,
                    Some((_, ch)) => {
                        if let Some(u) = unescaped.as_mut() {
                            u.push(ch);
                        }
                    }
                    None => return Err("unterminated quote".into()),
                }
            };
            unescaped.map_or(Cow::Borrowed(&line[from..end]), Cow::Owned)
        } else {
            let mut end = line.len();
            while let Some(&(j, n)) = it.peek() {
                if n.is_whitespace() || n == '"' {
                    end = j;
                    break;
                }
                it.next();
            }
            Cow::Borrowed(&line[i..end])
        };
        word = Some(match word {
            None => part,
            Some(w) => Cow::Owned(w.into_owned() + &part),
        });
    }
    out.extend(word);
    Ok(out)
}

/// Parses a save file of the given family into its AST and restores it once, as
/// `iptables-restore` (without `--noflush`) applies it, refusing what makes the restore fail.
pub fn parse(file: &str, text: &str, family: Family) -> Result<RulesFile, ReadError> {
    let mut lines = Vec::new();
    let mut open: Option<Table> = None;
    for (n, raw) in text.lines().enumerate() {
        let ln = n + 1;
        let line = raw.trim();
        let entry = if line.is_empty() {
            Entry::Blank
        } else if line.starts_with('#') {
            let t = raw.trim_start();
            Entry::Comment(Text::new(&t[1..]).map_err(|m| err(file, ln, m))?)
        } else if let Some(t) = line.strip_prefix('*') {
            if let Some(o) = &open {
                return Err(err(
                    file,
                    ln,
                    format!(
                        "table `{t}` starts before table `{}` is closed with COMMIT",
                        o.name
                    ),
                ));
            }
            open = Some(Table {
                name: t.to_string(),
                entries: Vec::new(),
            });
            continue;
        } else if line == "COMMIT" {
            match open.take() {
                Some(t) => lines.push(Line::Table(t)),
                None => {
                    return Err(err(
                        file,
                        ln,
                        "`COMMIT` outside a table (`*filter` ... `COMMIT`)",
                    ))
                }
            }
            continue;
        } else {
            let Some(t) = open.as_ref() else {
                return Err(err(
                    file,
                    ln,
                    format!("`{line}` outside a table (`*filter` ... `COMMIT`)"),
                ));
            };
            let filter = t.name == "filter";
            if let Some(decl) = line.strip_prefix(':') {
                Entry::Chain(chain_decl(decl, &t.name).map_err(|m| err(file, ln, m))?)
            } else {
                let args = split_args(line).map_err(|m| err(file, ln, m))?;
                if !filter && !matches!(t.name.as_str(), "raw" | "mangle" | "nat") {
                    // Other tables would change what the filter table sees (or drop on their
                    // own); raw, mangle and nat are read for static 1:1 NAT (`translate.rs`).
                    return Err(err(
                        file,
                        ln,
                        format!("commands in table `{}` are not supported", t.name),
                    ));
                }
                Entry::Command(command(&args, family).map_err(|m| err(file, ln, m))?)
            }
        };
        match open.as_mut() {
            Some(t) => t.entries.push(entry),
            None => lines.push(match entry {
                Entry::Blank => Line::Blank,
                Entry::Comment(c) => Line::Comment(c),
                // Declarations and commands only come inside a table.
                _ => return Err(err(file, ln, "a line outside a table")),
            }),
        }
    }
    if open.is_some() {
        return Err(err(
            file,
            text.lines().count(),
            "the table is not closed with COMMIT",
        ));
    }
    let f = RulesFile::new(family, file, lines);
    let restored = semantics::restore(&f)?;
    let _ = f.restored.0.set(restored);
    Ok(f)
}

/// `NAME POLICY [packets:bytes]`, after the `:`.
fn chain_decl(decl: &str, table: &str) -> Result<ChainDecl, String> {
    let parts: Vec<&str> = decl.split_whitespace().collect();
    let name = parts.first().copied().unwrap_or("");
    if name.is_empty() {
        return Err("a chain declaration without a name".into());
    }
    let policy = match parts.get(1).copied().unwrap_or("-") {
        "-" => None,
        "ACCEPT" => Some(Policy::Accept),
        "DROP" if table == "filter" => Some(Policy::Drop),
        p if table != "filter" => {
            return Err(format!(
                "table `{table}`: chain `{name}` with policy {p}: only the filter table may drop"
            ))
        }
        p => return Err(format!("policy `{p}` is not supported")),
    };
    let counters = match parts.get(2) {
        None => None,
        Some(c) => Some(
            c.strip_prefix('[')
                .and_then(|c| c.strip_suffix(']'))
                .and_then(|c| c.split_once(':'))
                .and_then(|(p, b)| Some((p.parse().ok()?, b.parse().ok()?)))
                .ok_or_else(|| format!("cannot read the counters `{c}` of chain `{name}`"))?,
        ),
    };
    if let Some(extra) = parts.get(3) {
        return Err(format!("`{extra}` after the declaration of chain `{name}`"));
    }
    Ok(ChainDecl {
        name: name.to_string(),
        policy,
        counters,
    })
}

/// One command line of the filter table.
fn command(args: &[Cow<str>], family: Family) -> Result<Command, String> {
    let cmd = &*args[0];
    let chain = args.get(1).map(|c| c.to_string());
    let exact = |n: usize| -> Result<(), String> {
        if args.len() > n {
            return Err(format!("`{}` after `{cmd}` is not supported", args[n]));
        }
        Ok(())
    };
    let needs = || {
        chain
            .clone()
            .ok_or_else(|| format!("`{cmd}` needs a chain"))
    };
    Ok(match cmd {
        "-A" | "--append" => Command::Append {
            chain: needs()?,
            rule: rule(&args[2..], family)?,
        },
        "-I" | "--insert" => {
            let chain = needs()?;
            let mut rest = &args[2..];
            let mut at = None;
            if let Some(n) = rest.first().and_then(|a| a.parse::<usize>().ok()) {
                if n == 0 {
                    return Err("rule number 0: rules are numbered from 1".into());
                }
                at = Some(n);
                rest = &rest[1..];
            }
            Command::Insert {
                chain,
                at,
                rule: rule(rest, family)?,
            }
        }
        "-P" | "--policy" => {
            exact(3)?;
            let (Some(c), Some(p)) = (chain, args.get(2)) else {
                return Err(format!("`{cmd}` needs a chain and a policy"));
            };
            let policy = match &**p {
                "ACCEPT" => Policy::Accept,
                "DROP" => Policy::Drop,
                _ => return Err(format!("policy `{p}` is not supported")),
            };
            Command::Policy { chain: c, policy }
        }
        "-F" | "--flush" => {
            exact(2)?;
            // Without a chain the nftables back end of iptables-restore leaves the rules in
            // place (seen with 1.8.9) where the legacy one flushes them all: not guessed.
            let Some(chain) = chain else {
                return Err(
                    "`-F` without a chain: back ends of iptables-restore disagree on it".into(),
                );
            };
            Command::Flush { chain }
        }
        "-X" | "--delete-chain" => {
            exact(2)?;
            Command::Delete { chain }
        }
        "-N" | "--new-chain" | "--new" => {
            exact(2)?;
            Command::New { chain: needs()? }
        }
        other => {
            return Err(format!(
                "`{other}` is not supported (verify reads -A, -I, -P, -F CHAIN, -X, -N)"
            ))
        }
    })
}

/// The words of a rule after its chain (and rule number) -> its matches and target.
fn rule(w: &[Cow<str>], family: Family) -> Result<Rule, String> {
    // Most options take a value: about one match for every two words.
    let mut r = Rule {
        matches: Vec::with_capacity(w.len() / 2),
        jump: None,
    };
    let mut i = 0;
    let mut neg = false;
    while i < w.len() {
        let o = &*w[i];
        if o == "!" {
            if neg || i + 1 == w.len() {
                r.matches.push(Match::other(false, "!", Vec::new()));
            } else {
                neg = true;
            }
            i += 1;
            continue;
        }
        if matches!(o, "-j" | "--jump" | "-g" | "--goto") && !neg {
            if let Some(t) = w.get(i + 1) {
                r.jump = Some(Jump {
                    goto: o == "-g" || o == "--goto",
                    target: t.to_string().into(),
                    options: target_options(&w[i + 2..]),
                });
                return Ok(r);
            }
        }
        if takes_value(o) {
            match w.get(i + 1) {
                Some(v) => {
                    let m = typed(neg, o, v, family).or_else(|e| match e {
                        Unread::Family(m) => Err(m),
                        Unread::Later(_) => Ok(Match::other(neg, o, vec![v.to_string()])),
                    })?;
                    r.matches.push(m);
                    i += 2;
                }
                None => {
                    r.matches.push(Match::other(neg, o, Vec::new()));
                    i += 1;
                }
            }
        } else {
            let n = w[i + 1..]
                .iter()
                .take_while(|v| !v.starts_with('-') && *v != "!")
                .count();
            let values: Vec<String> = w[i + 1..i + 1 + n].iter().map(|v| v.to_string()).collect();
            r.matches.push(match (o, values.as_slice()) {
                ("--match-set", [name, flags]) if flags == "src" || flags == "dst" => Match::Set {
                    neg,
                    name: name.clone(),
                    dir: if flags == "src" { Dir::Src } else { Dir::Dst },
                },
                _ => Match::other(neg, o, values),
            });
            i += 1 + n;
        }
        neg = false;
    }
    Ok(r)
}

/// The options after `-j TARGET`.
fn target_options(w: &[Cow<str>]) -> Vec<TargetOpt> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let o = &*w[i];
        let v = w.get(i + 1).map(|v| &**v);
        let typed = match (o, v) {
            ("--log-prefix", Some(v)) => Text::new(v).ok().map(TargetOpt::LogPrefix),
            ("--nflog-prefix", Some(v)) => Text::new(v).ok().map(TargetOpt::NflogPrefix),
            ("--log-level", Some(v)) => Some(TargetOpt::LogLevel(v.to_string())),
            ("--reject-with", Some(v)) => Some(TargetOpt::RejectWith(v.to_string())),
            ("--nflog-group", Some(v)) => Some(TargetOpt::NflogGroup(v.to_string())),
            _ => None,
        };
        if let Some(t) = typed {
            out.push(t);
            i += 2;
            continue;
        }
        if matches!(
            o,
            "--log-uid" | "--log-tcp-options" | "--log-ip-options" | "--log-tcp-sequence"
        ) {
            out.push(TargetOpt::Flag(o.to_string()));
            i += 1;
            continue;
        }
        let n = w[i + 1..]
            .iter()
            .take_while(|v| !v.starts_with('-') && *v != "!")
            .count();
        out.push(TargetOpt::Other {
            option: o.to_string(),
            values: w[i + 1..i + 1 + n].iter().map(|v| v.to_string()).collect(),
        });
        i += 1 + n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words as iptables-save quotes them, one character at a time: what `split_args`
    /// must give, borrowing or not.
    fn reference(line: &str) -> Result<Vec<String>, String> {
        let (mut out, mut cur, mut in_word) = (Vec::new(), String::new(), false);
        let mut it = line.chars();
        while let Some(c) = it.next() {
            match c {
                '"' => {
                    in_word = true;
                    loop {
                        match it.next() {
                            Some('\\') => cur.extend(it.next()),
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

    #[test]
    fn words_are_split_as_iptables_save_quotes_them() {
        let lines = [
            "-A FORWARD -s 10.0.0.0/24 -j ACCEPT",
            "  -A\tX  -m comment --comment \"c0000: z0 -> z1.a1 mqtts\" -j ACCEPT ",
            r#"--comment "a \"quoted\" word" --log-prefix "back\\slash""#,
            r#"--comment "" x"#,
            r#"ab"cd"ef g"h i"j"#,
            r#"x\y "tail\"#,
            r#""unterminated"#,
            "no\u{a0}break é \"ü\"",
            "",
        ];
        for line in lines {
            let got = split_args(line).map(|w| w.into_iter().map(String::from).collect());
            assert_eq!(got, reference(line), "{line:?}");
        }
        // Plain words and quoted words without escapes are borrowed from the line.
        let w = split_args(r#"-A FL "c0: a -> b" "e\"f""#).unwrap();
        assert!(matches!(w[0], Cow::Borrowed("-A")));
        assert!(matches!(w[2], Cow::Borrowed("c0: a -> b")));
        assert!(matches!(&w[3], Cow::Owned(s) if s == "e\"f"));
    }
}
