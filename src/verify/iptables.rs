//! Reads `iptables-save` / `ip6tables-save` output (and the `iptables-restore` files fenceline
//! generates, which are the same format) back into packet spaces. Only the filter table decides;
//! the reader understands the matches fenceline emits (`-i -o -s -d -p`, `tcp`/`udp` `--dport` and `--sport`,
//! `multiport --dports`, `icmp`/`icmp6` types, `iprange`, `conntrack`/`state`, `comment`, `limit`
//! in front of `LOG`) and the targets `ACCEPT DROP REJECT RETURN LOG` and user chains. Any other
//! option in a chain that FORWARD reaches is an error, never a guess.

use crate::verify::config::{
    icmp_type, parse_addr_or_range, parse_prefix, proto_number, universe, Flattener, Item,
    ReadError, Rule, Tag, Term, Verdict,
};
use crate::verify::conntrack;
use crate::verify::space::{Cube, Family, Ivs, Space};
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

/// Parses a save file of the given family.
pub fn parse(file: &str, text: &str, family: Family) -> Result<Ipt, ReadError> {
    let mut ipt = Ipt {
        file: file.to_string(),
        family,
        chains: BTreeMap::new(),
    };
    let mut table: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let ln = n + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(t) = line.strip_prefix('*') {
            table = Some(t.to_string());
            continue;
        }
        if line == "COMMIT" {
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
        let filter = t == "filter";
        if let Some(decl) = line.strip_prefix(':') {
            let parts: Vec<&str> = decl.split_whitespace().collect();
            let name = parts.first().copied().unwrap_or("");
            let policy = parts.get(1).copied().filter(|p| *p != "-");
            if !filter {
                if policy.is_some_and(|p| p != "ACCEPT") {
                    return Err(err(file, ln, format!("table `{t}`: chain `{name}` with policy {}: only the filter table may drop", policy.unwrap_or(""))));
                }
                continue;
            }
            ipt.chains.entry(name.to_string()).or_default().policy = policy.map(str::to_string);
            continue;
        }
        let args = split_args(line).map_err(|m| err(file, ln, m))?;
        if args.first().map(String::as_str) != Some("-A") || args.len() < 2 {
            return Err(err(
                file,
                ln,
                format!("expected `-A CHAIN ...`, found `{line}`"),
            ));
        }
        if !filter {
            // nat/mangle/raw rules would change what the filter table sees (or drop on their own).
            return Err(err(
                file,
                ln,
                format!("rules in table `{t}` are not supported"),
            ));
        }
        let tag: Tag = Rc::from(format!("{file}:{ln}: {line}"));
        ipt.chains
            .entry(args[1].clone())
            .or_default()
            .rules
            .push(IptRule {
                args: args[2..].to_vec(),
                tag,
            });
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
    src: Option<(bool, Ivs)>,
    dst: Option<(bool, Ivs)>,
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
                    let slot = if o.starts_with("-s") || o == "--source" {
                        &mut c.src
                    } else {
                        &mut c.dst
                    };
                    if slot.is_some() {
                        return Err(self.fail(t, "two address matches of one kind"));
                    }
                    *slot = Some((neg, iv));
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
                    let slot = if o == "--src-range" {
                        &mut c.src
                    } else {
                        &mut c.dst
                    };
                    if slot.is_some() {
                        return Err(self.fail(t, "two address matches of one kind"));
                    }
                    *slot = Some((neg, Ivs::range(lo, hi)));
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
                    c.port = Some(self.ports(t, arg(i + 1)?)?);
                    i += 2;
                }
                "--sport" | "--source-port" | "--sports" | "--source-ports" => {
                    if neg {
                        return Err(self.fail(t, "negated port matches are not supported"));
                    }
                    c.sport = Some(self.ports(t, arg(i + 1)?)?);
                    i += 2;
                }
                "--icmp-type" | "--icmpv6-type" => {
                    let s = arg(i + 1)?;
                    if s == "any" {
                        c.icmp = Some(Ivs::range(0, 255));
                    } else {
                        if s.contains('/') {
                            return Err(self.fail(t, "ICMP codes are not supported"));
                        }
                        let n = icmp_type(v6, s)
                            .ok_or_else(|| self.fail(t, format!("unknown ICMP type `{s}`")))?;
                        c.icmp = Some(Ivs::point(n as u128));
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
        let pos = |x: &Option<(bool, Ivs)>, d: Ivs| match x {
            Some((false, iv)) => iv.clone(),
            _ => d,
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
        if let Some((true, iv)) = &c.src {
            negs.push(Cube::new(
                f,
                iv.clone(),
                f.all_addrs(),
                Ivs::range(0, 255),
                Ivs::range(0, 65535),
            ));
        }
        if let Some((true, iv)) = &c.dst {
            negs.push(Cube::new(
                f,
                f.all_addrs(),
                iv.clone(),
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
    use crate::verify::config::accepted;
    use crate::verify::Packet;

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
}
