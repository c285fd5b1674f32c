//! The static 1:1 translations of an iptables configuration, read for the semantics
//! ([`super::semantics`]): the `raw` table's conntrack zones (`CT --zone`, which decide no
//! packet's fate), the `mangle` table's packet marks set in PREROUTING (`MARK`), and the `nat`
//! table's `NETMAP` rules, PREROUTING (destinations) and POSTROUTING (sources). The last block
//! of each table is what `iptables-restore` leaves. Only the forms fenceline writes are read;
//! anything else in these tables is refused with its line rather than guessed at.

use super::ast::{Command, Dir, Entry, Jump, Line, Match, Policy, RulesFile, TargetOpt};
use crate::dialect::config::ReadError;
use crate::dialect::conntrack::Phase;
use crate::dialect::nat::{pair_nat_of, MarkRule, PairNat, Shift};
use crate::packet::space::Ivs;

fn number(s: &str) -> Option<u32> {
    let (v, mask) = match s.split_once('/') {
        Some((v, m)) => (v, Some(m)),
        None => (s, None),
    };
    let n = |x: &str| match x.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => x.parse().ok(),
    };
    match mask.map(n) {
        None | Some(Some(u32::MAX)) => n(v),
        _ => None,
    }
}

fn option<'a>(j: &'a Jump, name: &str) -> Option<&'a str> {
    match j.options.as_slice() {
        [TargetOpt::Other { option, values }] if option == name && values.len() == 1 => {
            Some(values[0].as_str())
        }
        _ => None,
    }
}

impl RulesFile {
    /// The translations the first packets of the pair `iif -> oif` get, as [`PairNat`] states
    /// them. The reply direction of a translated connection is not modelled: asked for it, a
    /// configuration with translations is refused.
    pub(super) fn pair_nat(
        &self,
        iif: &str,
        oif: &str,
        phase: Phase,
    ) -> Result<PairNat, ReadError> {
        let mut last = std::collections::BTreeMap::new();
        let mut ln = 0;
        for l in &self.lines {
            ln += 1;
            let Line::Table(t) = l else { continue };
            let start = ln;
            ln += t.entries.len() + 1;
            if t.name != "filter" {
                last.insert(t.name.as_str(), (t, start));
            }
        }
        if last.is_empty() {
            return Ok(PairNat::default());
        }
        let (mut dnat, mut snat, mut marks) = (Vec::new(), Vec::new(), Vec::new());
        for (name, (t, start)) in &last {
            for (k, e) in t.entries.iter().enumerate() {
                let line = start + k + 1;
                let fail = |m: String| ReadError {
                    file: self.path.clone(),
                    line,
                    message: format!("table `{name}`: {m}"),
                };
                let (chain, rule) = match e {
                    Entry::Blank | Entry::Comment(_) => continue,
                    Entry::Chain(d) => {
                        if d.policy == Some(Policy::Drop) {
                            return Err(fail(format!("chain `{}` must accept", d.name)));
                        }
                        if !matches!(
                            d.name.as_str(),
                            "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING"
                        ) {
                            return Err(fail(format!("user chain `{}` is not supported", d.name)));
                        }
                        continue;
                    }
                    Entry::Command(Command::Append { chain, rule }) => (chain.as_str(), rule),
                    Entry::Command(c) => {
                        return Err(fail(format!(
                            "`{c}` is not supported in a translation table"
                        )))
                    }
                };
                let Some(j) = &rule.jump else {
                    return Err(fail("a rule without a target".into()));
                };
                let (mut holds, mut src, mut dst, mut mark) = (true, None, None, None);
                let mut mark_module = false;
                for m in &rule.matches {
                    match m {
                        Match::Iface {
                            dir,
                            neg,
                            name: pat,
                        } => {
                            if (*dir == Dir::Dst && chain == "PREROUTING")
                                || (*dir == Dir::Src && chain == "POSTROUTING")
                            {
                                return Err(fail(format!("an interface {chain} does not see")));
                            }
                            let name = if *dir == Dir::Src { iif } else { oif };
                            let hit = match pat.strip_suffix('+') {
                                Some(p) => name.starts_with(p),
                                None => pat == name,
                            };
                            holds &= hit != *neg;
                        }
                        Match::Addr {
                            dir,
                            neg: false,
                            nets,
                        } if nets.len() == 1 => {
                            let n = nets[0];
                            let v = (n.family, n.lo, n.hi);
                            if *dir == Dir::Src {
                                src = Some(v);
                            } else {
                                dst = Some(v);
                            }
                        }
                        Match::Module(x) if x == "mark" => mark_module = true,
                        Match::Other(o)
                            if !o.neg
                                && o.option == "--mark"
                                && mark_module
                                && o.values.len() == 1 =>
                        {
                            let values = &o.values;
                            mark = Some(
                                number(&values[0])
                                    .ok_or_else(|| fail(format!("mark `{}`", values[0])))?,
                            );
                        }
                        Match::Comment(_) => {}
                        other => return Err(fail(format!("the match `{other}` is not supported"))),
                    }
                }
                let net = |v: Option<(crate::packet::Family, u128, u128)>, what: &str| {
                    v.ok_or_else(|| fail(format!("`NETMAP` without `{what}`")))
                };
                let to = |o: &str| {
                    super::super::config::parse_prefix(o).ok_or_else(|| fail(format!("`--to {o}`")))
                };
                match (*name, chain, &*j.target) {
                    ("raw", "PREROUTING", "CT")
                        if option(j, "--zone").is_some() && src.is_none() => {}
                    ("mangle", "PREROUTING", "MARK") if src.is_none() && mark.is_none() => {
                        let v = option(j, "--set-xmark")
                            .or_else(|| option(j, "--set-mark"))
                            .and_then(number)
                            .ok_or_else(|| {
                                fail("a `MARK` other than `--set-xmark N/0xffffffff`".into())
                            })?;
                        if holds {
                            let d = dst.map(|(f, lo, hi)| (f, Ivs::range(lo, hi)));
                            marks.push(MarkRule { dst: d, mark: v });
                        }
                    }
                    ("nat", "PREROUTING", "NETMAP") if src.is_none() && mark.is_none() => {
                        let from = net(dst, "-d")?;
                        let o = option(j, "--to")
                            .ok_or_else(|| fail("`NETMAP` without `--to`".into()))?;
                        let s = Shift::of(from, to(o)?)
                            .ok_or_else(|| fail("networks of different sizes".into()))?;
                        if holds {
                            dnat.push(s);
                        }
                    }
                    ("nat", "POSTROUTING", "NETMAP") if dst.is_none() => {
                        let from = net(src, "-s")?;
                        let o = option(j, "--to")
                            .ok_or_else(|| fail("`NETMAP` without `--to`".into()))?;
                        let s = Shift::of(from, to(o)?)
                            .ok_or_else(|| fail("networks of different sizes".into()))?;
                        if holds {
                            snat.push((mark, s));
                        }
                    }
                    (_, c, t) => {
                        return Err(fail(format!(
                            "`-A {c} ... -j {t}` is not one of the translations fenceline reads"
                        )))
                    }
                }
            }
        }
        if iif.is_empty() || oif.is_empty() {
            return Ok(PairNat::default());
        }
        if phase == Phase::Reply {
            return Err(ReadError {
                file: self.path.clone(),
                line: 0,
                message: "the reply direction of translated connections is not modelled".into(),
            });
        }
        Ok(pair_nat_of(dnat, &snat, &marks))
    }
}
