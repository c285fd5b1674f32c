//! The static 1:1 translations of an nftables configuration, read for the semantics
//! ([`super::semantics`]): the `dnat ip prefix to` rules of `nat` prerouting chains, the
//! `snat ip prefix to` rules of `nat` postrouting chains and the packet marks set before
//! connection tracking (which tell the postrouting chain where a packet came from). Only the
//! forms fenceline writes are read; anything else in a `nat` chain, or a mark set elsewhere, is
//! refused with its line rather than guessed at.

use super::ast::{Chain, Rule as NRule, Ruleset, Selector, Stmt, Val};
use super::semantics::{before_dnat, hook_of, ifname_matches};
use crate::dialect::config::{parse_addr_or_range, parse_prefix, ReadError, Tag};
use crate::dialect::conntrack::Phase;
use crate::dialect::nat::{pair_nat_of, MarkRule, PairNat, Shift};
use crate::packet::space::{Family, Ivs};
use std::sync::Arc;

/// An address or prefix value: its family and interval.
fn net_of(v: &Val) -> Option<(Family, u128, u128)> {
    match v {
        Val::Atom(s) | Val::Str(s) => parse_prefix(s).or_else(|| parse_addr_or_range(s)),
        Val::Prefix(a, l) => parse_prefix(&format!("{a}/{l}")),
        _ => None,
    }
}

fn number(v: &Val) -> Option<u32> {
    let (Val::Atom(s) | Val::Str(s)) = v else {
        return None;
    };
    match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// What one rule of a translation or mark says, for one interface pair.
#[derive(Default)]
struct Parsed {
    /// Its interface conditions hold for the pair.
    holds: bool,
    mark: Option<u32>,
    saddr: Option<(Family, u128, u128)>,
    daddr: Option<(Family, u128, u128)>,
    nat: Option<(String, (Family, u128, u128))>,
    set_mark: Option<u32>,
}

impl Ruleset {
    fn tag_of(&self, c: &Chain, r: &NRule, k: usize) -> Tag {
        r.origin
            .0
            .clone()
            .unwrap_or_else(|| Arc::from(format!("{}: chain {} rule {}", self.file, c.name, k + 1)))
    }

    /// One rule of a `nat` chain or a rule that sets the mark: interface names (`iif` / `oif`
    /// for the pair; an empty name is the device itself), one address prefix per direction,
    /// `meta mark N`, and the statement. Anything else is refused.
    fn parse_nat_rule(
        &self,
        r: &NRule,
        tag: &Tag,
        (iif, oif): (&str, &str),
        hook: &str,
    ) -> Result<Parsed, ReadError> {
        let mut p = Parsed {
            holds: true,
            ..Parsed::default()
        };
        let bad = |what: &str| {
            self.table_err(
                tag,
                format!("{what} is not supported in a translation or mark rule"),
            )
        };
        for st in &r.stmts {
            match st {
                Stmt::Counter(_) => {}
                Stmt::Match { neg, left, right } => match left {
                    Selector::Meta(k) if matches!(k.as_str(), "iifname" | "oifname") => {
                        if (k == "oifname" && hook == "prerouting")
                            || (k == "iifname" && hook == "postrouting")
                        {
                            return Err(bad(&format!("`{k}` on the {hook} hook")));
                        }
                        let name = if k == "iifname" { iif } else { oif };
                        let names: Vec<&Val> = match right {
                            Val::Set(vs) => vs.iter().collect(),
                            v => vec![v],
                        };
                        let mut hit = false;
                        for v in names {
                            let (Val::Str(s) | Val::Atom(s)) = v else {
                                return Err(bad("an interface match with a non-name value"));
                            };
                            hit |= ifname_matches(s, name);
                        }
                        p.holds &= hit != *neg;
                    }
                    Selector::Meta(k) if k == "mark" && !*neg => {
                        p.mark = Some(number(right).ok_or_else(|| bad("this mark value"))?);
                    }
                    Selector::Payload(pr, f)
                        if matches!(pr.as_str(), "ip" | "ip6")
                            && matches!(f.as_str(), "saddr" | "daddr")
                            && !*neg =>
                    {
                        let n = net_of(right).ok_or_else(|| bad("this address value"))?;
                        if (n.0 == Family::V4) != (pr == "ip") {
                            return Err(bad("an address of the other family"));
                        }
                        if f == "saddr" {
                            p.saddr = Some(n);
                        } else {
                            p.daddr = Some(n);
                        }
                    }
                    other => return Err(bad(&format!("the match `{other}`"))),
                },
                Stmt::Nat { kind, family, to } => {
                    let n = net_of(to).ok_or_else(|| bad("this translation target"))?;
                    if (n.0 == Family::V4) != (family == "ip") {
                        return Err(bad("a translation target of the other family"));
                    }
                    p.nat = Some((kind.clone(), n));
                }
                Stmt::Mangle { left, value } => match left {
                    Selector::Meta(k) if k == "mark" => {
                        p.set_mark = Some(number(value).ok_or_else(|| bad("this mark value"))?);
                    }
                    Selector::Ct(k) if k == "zone" => {}
                    other => return Err(bad(&format!("setting `{other}`"))),
                },
                other => return Err(bad(&format!("`{other}`"))),
            }
        }
        Ok(p)
    }

    /// The translations the first packets of the pair `iif -> oif` get, as [`PairNat`] states
    /// them. The reply direction of a translated connection is not modelled: asked for it, a
    /// configuration with translations is refused.
    pub(super) fn pair_nat(
        &self,
        iif: &str,
        oif: &str,
        phase: Phase,
    ) -> Result<PairNat, ReadError> {
        let mut dnat = Vec::new();
        let mut snat: Vec<(Option<u32>, Shift)> = Vec::new();
        let mut marks = Vec::new();
        if !self.derived().translates {
            // No chain translates or marks: the loop below would find nothing, at the cost of
            // reading every rule of the ruleset for each interface pair.
            return Ok(PairNat::default());
        }
        let mut any = false;
        for table in &self.tables {
            for c in &table.chains {
                let kind = c.base.as_ref().map(|b| b.kind.as_str());
                let hook = hook_of(c).unwrap_or("");
                let sets_mark = c.rules.iter().any(|r| {
                    r.stmts.iter().any(
                        |s| matches!(s, Stmt::Mangle { left: Selector::Meta(k), .. } if k == "mark"),
                    )
                });
                let is_nat = kind == Some("nat");
                if !is_nat && !sets_mark {
                    continue;
                }
                any = true;
                let ctag = c
                    .origin
                    .0
                    .clone()
                    .unwrap_or_else(|| Arc::from(format!("{}: chain {}", self.file, c.name)));
                if !is_nat && (hook != "prerouting" || !before_dnat(c)) {
                    return Err(self.table_err(
                        &ctag,
                        "a packet mark is read only where fenceline sets it: a prerouting chain before DNAT",
                    ));
                }
                if is_nat && !matches!(hook, "prerouting" | "postrouting") {
                    return Err(self.table_err(
                        &ctag,
                        format!("a `nat` chain on the `{hook}` hook (the device's own traffic translated) is not supported"),
                    ));
                }
                if c.policy.as_deref().is_some_and(|p| p != "accept") {
                    return Err(
                        self.table_err(&ctag, "a `nat` or mark chain must accept every packet")
                    );
                }
                for (k, r) in c.rules.iter().enumerate() {
                    let tag = self.tag_of(c, r, k);
                    let p = self.parse_nat_rule(r, &tag, (iif, oif), hook)?;
                    let refuse = |m: &str| Err(self.table_err(&tag, m.to_string()));
                    if !is_nat {
                        if p.saddr.is_some() || p.mark.is_some() || p.nat.is_some() {
                            return refuse(
                                "a mark rule may match interfaces and destinations only",
                            );
                        }
                        if let (true, Some(mark)) = (p.holds, p.set_mark) {
                            let dst = p.daddr.map(|(f, lo, hi)| (f, Ivs::range(lo, hi)));
                            marks.push(MarkRule { dst, mark });
                        }
                        continue;
                    }
                    let Some((nk, to)) = p.nat else {
                        return refuse("a `nat` chain rule without `dnat`/`snat ... prefix to`");
                    };
                    let (from, want) = match (hook, nk.as_str()) {
                        ("prerouting", "dnat") => (p.daddr, "ip daddr"),
                        ("postrouting", "snat") => (p.saddr, "ip saddr"),
                        _ => return refuse(&format!("`{nk}` on the {hook} hook")),
                    };
                    let Some(from) = from else {
                        return refuse(&format!("a translation without `{want} PREFIX`"));
                    };
                    let Some(shift) = Shift::of(from, to) else {
                        return refuse("a translation between networks of different sizes");
                    };
                    if p.set_mark.is_some() || (hook == "prerouting" && p.mark.is_some()) {
                        return refuse("a mark in a DNAT rule");
                    }
                    if p.holds {
                        if hook == "prerouting" {
                            dnat.push(shift);
                        } else {
                            snat.push((p.mark, shift));
                        }
                    }
                }
            }
        }
        if !any || iif.is_empty() || oif.is_empty() {
            return Ok(PairNat::default());
        }
        if phase == Phase::Reply {
            return Err(ReadError {
                file: self.file.clone(),
                line: 0,
                message: "the reply direction of translated connections is not modelled".into(),
            });
        }
        Ok(pair_nat_of(dnat, &snat, &marks))
    }
}
