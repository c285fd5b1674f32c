//! The packet semantics of the nftables configuration ([`Filters`]): for an interface pair, every
//! base chain a forwarded packet meets (`prerouting`, `forward`, `postrouting`), each flattened
//! into an ordered list of terminal decisions over packet spaces. Anything in a chain the
//! forward hook reaches that the reader cannot evaluate exactly is an error, never a guess.

use super::ast::{
    Chain, DerivedData, Rule as NRule, Ruleset, Selector, Set, Stmt, Val, Verdict as NVerdict,
};
use crate::dialect::config::{
    covers_families_of, icmp_type, intersect, parse_addr_or_range, parse_prefix, proto_number,
    universe, Exact, Flattener, Item, ReadError, Rule, Tag, Term, Verdict,
};
use crate::dialect::conntrack;
use crate::dialect::nat::PairNat;
use crate::dialect::Filters;
use crate::packet::space::{Cube, Family, Ivs, Space};
use std::collections::BTreeMap;
use std::sync::Arc;

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
        Val::Atom(s) | Val::Str(s) => Some(s),
        _ => None,
    }
}

/// The interval set of one value for one dimension.
fn value_ivs(v: &Val, f: &dyn Fn(&str) -> Option<(u128, u128)>) -> Result<Ivs, String> {
    match v {
        Val::Atom(s) | Val::Str(s) => {
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
#[derive(Default, Clone)]
struct Dims {
    fam: Option<Family>,
    src: Option<Ivs>,
    dst: Option<Ivs>,
    proto: Option<Ivs>,
    port: Option<Ivs>,
    sport: Option<Ivs>,
    /// A `th dport` or `th sport` was read (the field, for messages).
    th_port: Option<&'static str>,
}

impl Dims {
    fn dims(&self) -> [&Option<Ivs>; 5] {
        [&self.src, &self.dst, &self.proto, &self.port, &self.sport]
    }

    fn dim_mut(&mut self, k: usize) -> &mut Option<Ivs> {
        match k {
            0 => &mut self.src,
            1 => &mut self.dst,
            2 => &mut self.proto,
            3 => &mut self.port,
            _ => &mut self.sport,
        }
    }
}

/// The elements of a set matched by one field, read as few products as they allow: elements
/// that differ from the first of a run in one and the same dimension only (a zone's networks, a
/// list of ports) are one product whose dimension is their union, exactly their packets. The
/// union is taken once per run (a zone of 1,500 host addresses was 1,500 unions of a growing
/// list, quadratic).
struct Merge {
    base: Dims,
    /// The dimension the run's elements differ in (`None`: every element so far is `base`).
    which: Option<usize>,
    /// The intervals of the run in that dimension, `base`'s first.
    parts: Vec<(u128, u128)>,
}

impl Merge {
    fn new(base: Dims) -> Merge {
        Merge {
            base,
            which: None,
            parts: Vec::new(),
        }
    }

    /// Takes `d` into the run when it differs from `base` in the run's one dimension only (and
    /// is restricted there, as `base` is); otherwise gives it back.
    fn push(&mut self, d: Dims) -> Result<(), Dims> {
        if self.base.fam != d.fam || self.base.th_port != d.th_port {
            return Err(d);
        }
        let (ours, theirs) = (self.base.dims(), d.dims());
        let mut differs = (0..5).filter(|&k| ours[k] != theirs[k]);
        let (Some(k), None) = (differs.next(), differs.next()) else {
            // Equal to `base` (the same packets), or different in two dimensions or more.
            return if ours == theirs { Ok(()) } else { Err(d) };
        };
        if self.which.is_some_and(|w| w != k) {
            return Err(d);
        }
        // One side unrestricted there: not a union of two restrictions (kept apart).
        let (Some(_), Some(theirs)) = (self.base.dims()[k], d.dims()[k]) else {
            return Err(d);
        };
        if self.which.is_none() {
            self.which = Some(k);
            let ours = self.base.dims()[k].as_ref().map_or(&[][..], |i| &i.0[..]);
            self.parts.extend_from_slice(ours);
        }
        self.parts.extend_from_slice(&theirs.0);
        Ok(())
    }

    fn finish(mut self) -> Dims {
        if let Some(k) = self.which {
            *self.base.dim_mut(k) = Some(Ivs::from_intervals(self.parts));
        }
        self.base
    }
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
                    _ => d.th_port = Some("`th dport`"),
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
                    _ => d.th_port = Some("`th sport`"),
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

/// Does a selector read a `th` field (alone or in a concatenation)?
fn names_th(sel: &Selector) -> bool {
    match sel {
        Selector::Payload(p, _) => p == "th",
        Selector::Concat(s) => s.iter().any(names_th),
        _ => false,
    }
}

/// The families a rule can match at all, as far as its matches' dependencies say: `ip saddr`
/// holds for IPv4 only, `th dport` for both. A superset: `meta nfproto` is not looked at.
fn rule_families(r: &NRule, fams: &[Family]) -> Vec<Family> {
    let empty: Tag = Arc::from("");
    let mut out = fams.to_vec();
    for st in &r.stmts {
        if let Stmt::Match { left, .. } = st {
            let dom = selector_domain(left, fams, &empty);
            out.retain(|f| dom.cubes.iter().any(|(c, _)| c.family == *f));
        }
    }
    out
}

fn flatten_val(v: &Val) -> Vec<&Val> {
    match v {
        Val::Set(vs) if vs.iter().any(|x| matches!(x, Val::Concat(_))) => vs.iter().collect(),
        other => vec![other],
    }
}

pub(super) fn hook_of(c: &Chain) -> Option<&str> {
    c.base.as_ref().and_then(|b| b.hook.as_deref())
}

/// The index of a verdict map of one or two exact interface names per key; `None` when a key
/// is a pattern (`eth*`) or not names.
fn vmap_index(map: &[(Val, NVerdict)]) -> Option<super::ast::VmapIndex> {
    let mut index = super::ast::VmapIndex::default();
    for (k, (key, _)) in map.iter().enumerate() {
        let parts = match key {
            Val::Concat(p) => p.as_slice(),
            other => std::slice::from_ref(other),
        };
        let names: Vec<&str> = parts.iter().map(atom_str).collect::<Option<_>>()?;
        let (first, second) = match names.as_slice() {
            [a] => (*a, ""),
            [a, b] => (*a, *b),
            _ => return None,
        };
        if first.ends_with('*') || second.ends_with('*') {
            return None;
        }
        if k == 0 {
            index.parts = names.len();
        } else if index.parts != names.len() {
            return None;
        }
        index
            .by
            .entry(first.to_string())
            .or_default()
            .entry(second.to_string())
            .or_insert(k);
    }
    Some(index)
}

/// The index of a set whose key begins with two interface names, each element's exact (no
/// `*`); `None` for any other set.
fn ifset_index(s: &Set) -> Option<super::ast::IfSetIndex> {
    if s.kind.len() < 3 || s.kind[..2].iter().any(|k| k != "ifname") {
        return None;
    }
    let mut index = super::ast::IfSetIndex::new();
    for (k, e) in s.elements.iter().enumerate() {
        let Val::Concat(parts) = &e.value else {
            return None;
        };
        let (Some(a), Some(b)) = (
            parts.first().and_then(atom_str),
            parts.get(1).and_then(atom_str),
        ) else {
            return None;
        };
        if a.ends_with('*') || b.ends_with('*') {
            return None;
        }
        index
            .entry((a.to_string(), b.to_string()))
            .or_default()
            .push(k);
    }
    Some(index)
}

pub(super) fn ifname_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(p) => name.starts_with(p),
        None => pattern == name,
    }
}

/// `ct original ip daddr` (and `saddr`, `ip6`) as the payload selector of the same field.
fn original_payload(k: &str) -> Option<Selector> {
    let mut w = k.split(' ');
    match (w.next(), w.next(), w.next(), w.next()) {
        (Some("original"), Some(p @ ("ip" | "ip6")), Some(f @ ("saddr" | "daddr")), None) => {
            Some(Selector::Payload(p.into(), f.into()))
        }
        _ => None,
    }
}

/// A chain's priority (`priority raw`, `priority -150`, `priority filter + 5`), as nft
/// numbers the named ones for the `inet` family.
pub(super) fn priority(c: &Chain) -> Option<i32> {
    let b = c.base.as_ref()?;
    let at = b.rest.iter().position(|w| w == "priority")?;
    let mut w = b.rest[at + 1..].iter().map(|s| s.trim_end_matches(';'));
    let base = match w.next()? {
        "raw" => -300,
        "mangle" => -150,
        "dstnat" => -100,
        "filter" => 0,
        "security" => 50,
        "srcnat" => 100,
        n => n.parse().ok()?,
    };
    Some(
        match (w.next(), w.next().and_then(|n| n.parse::<i32>().ok())) {
            (Some("+"), Some(n)) => base + n,
            (Some("-"), Some(n)) => base - n,
            _ => base,
        },
    )
}

/// Does a prerouting chain run before DNAT (`priority dstnat`, -100)?
pub(super) fn before_dnat(c: &Chain) -> bool {
    priority(c).is_some_and(|p| p < -100)
}

/// One table's sets by name.
struct Scope<'a> {
    table: &'a super::ast::Table,
    by_name: &'a BTreeMap<String, usize>,
}

impl<'a> Scope<'a> {
    fn set(&self, name: &str) -> Option<&'a Set> {
        self.by_name.get(name).and_then(|&k| self.table.sets.get(k))
    }
}

fn verdict(v: &NVerdict) -> Verdict {
    match v {
        NVerdict::Accept => Verdict::Accept,
        NVerdict::Drop | NVerdict::Reject(_) => Verdict::Drop,
        NVerdict::Return => Verdict::Return,
        NVerdict::Jump(c) => Verdict::Jump(c.clone()),
        NVerdict::Goto(c) => Verdict::Goto(c.clone()),
    }
}

impl Ruleset {
    /// The chain names and the translation flag of [`DerivedData`], computed on first use.
    pub(super) fn derived(&self) -> &DerivedData {
        self.derived.0.get_or_init(|| {
            let chains: Vec<BTreeMap<String, usize>> = self
                .tables
                .iter()
                .map(|t| {
                    t.chains
                        .iter()
                        .enumerate()
                        .map(|(k, c)| (c.name.clone(), k))
                        .collect()
                })
                .collect();
            let bases = chains
                .iter()
                .zip(&self.tables)
                .map(|(names, t)| {
                    names
                        .iter()
                        .filter(|(_, &k)| t.chains.get(k).is_some_and(|c| c.base.is_some()))
                        .map(|(n, &k)| (n.clone(), k))
                        .collect()
                })
                .collect();
            let sets = self
                .tables
                .iter()
                .map(|t| {
                    t.sets
                        .iter()
                        .enumerate()
                        .map(|(k, s)| (s.name.clone(), k))
                        .collect()
                })
                .collect();
            let mut vmaps = std::collections::HashMap::new();
            for st in self
                .tables
                .iter()
                .flat_map(|t| &t.chains)
                .flat_map(|c| &c.rules)
                .flat_map(|r| &r.stmts)
            {
                if let Stmt::Vmap { map, .. } = st {
                    if let Some(index) = vmap_index(map) {
                        vmaps.insert(map.as_ptr() as usize, index);
                    }
                }
            }
            let ifsets = self
                .tables
                .iter()
                .flat_map(|t| &t.sets)
                .filter_map(|s| Some((s as *const Set as usize, ifset_index(s)?)))
                .collect();
            DerivedData {
                chains,
                bases,
                sets,
                vmaps,
                ifsets,
                translates: self.tables.iter().flat_map(|t| &t.chains).any(|c| {
                    c.base.as_ref().is_some_and(|b| b.kind == "nat")
                        || c.rules.iter().any(|r| {
                            r.stmts.iter().any(|s| {
                            matches!(s, Stmt::Mangle { left: Selector::Meta(k), .. } if k == "mark")
                        })
                        })
                }),
            }
        })
    }

    pub(super) fn table_err(&self, t: &Tag, m: impl Into<String>) -> ReadError {
        ReadError {
            file: self.file.to_string(),
            line: 0,
            message: format!("{}: {}", t, m.into()),
        }
    }

    /// The elements of set `n` whose first two names may match `(a, b)`: through the set's
    /// index where it has one ([`DerivedData::ifsets`]), every element otherwise (the caller
    /// compares the names either way).
    fn pair_elements<'a>(
        &'a self,
        table: &Scope<'a>,
        n: &'a str,
        (a, b): (&str, &str),
        t: &Tag,
    ) -> Result<Vec<(&'a Val, Option<Tag>)>, ReadError> {
        let s = table
            .set(n)
            .ok_or_else(|| self.table_err(t, format!("set `@{n}` does not exist")))?;
        let tagged = |k: usize| {
            let e = &s.elements[k];
            let tg =
                e.origin.0.clone().unwrap_or_else(|| {
                    Arc::from(format!("{}: set {n} element {}", self.file, k + 1))
                });
            (&e.value, Some(tg))
        };
        Ok(
            match self.derived().ifsets.get(&(s as *const Set as usize)) {
                Some(index) => index
                    .get(&(a.to_string(), b.to_string()))
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .map(|&k| tagged(k))
                    .collect(),
                None => (0..s.elements.len()).map(tagged).collect(),
            },
        )
    }

    /// Elements of a value: a named set's elements with their tags, or the value itself.
    fn elements<'a>(
        &'a self,
        table: &Scope<'a>,
        v: &'a Val,
        t: &Tag,
    ) -> Result<Vec<(&'a Val, Option<Tag>)>, ReadError> {
        match v {
            Val::SetRef(n) => {
                let s = table
                    .set(n)
                    .ok_or_else(|| self.table_err(t, format!("set `@{n}` does not exist")))?;
                Ok(s.elements
                    .iter()
                    .enumerate()
                    .map(|(k, e)| {
                        let tg = e.origin.0.clone().unwrap_or_else(|| {
                            Arc::from(format!("{}: set {n} element {}", self.file, k + 1))
                        });
                        (&e.value, Some(tg))
                    })
                    .collect())
            }
            Val::Set(vs) => Ok(vs.iter().flat_map(flatten_val).map(|x| (x, None)).collect()),
            other => Ok(vec![(other, None)]),
        }
    }

    /// Does an interface-name match hold for this pair?
    fn if_match(
        &self,
        table: &Scope,
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
    /// are refused. `nat` says how the plant's packets look to the chain (translated
    /// interfaces), `post_dnat` whether the chain sees destinations after DNAT.
    #[allow(clippy::too_many_arguments)]
    fn rule(
        &self,
        table: &Scope,
        r: &NRule,
        tag: &Tag,
        fams: &[Family],
        (iif, oif): (&str, &str),
        (hook, phase): (&str, conntrack::Phase),
        (nat, post_dnat): (&PairNat, bool),
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
                ("input", "oifname" | "oif") => Some("an input chain sees no output interface"),
                ("output", "iifname" | "iif") => Some("an output chain sees no input interface"),
                _ => None,
            }
        };
        for st in &r.stmts {
            let sels: Vec<&Selector> = match st {
                Stmt::Match {
                    left: Selector::Concat(ks),
                    ..
                } => ks.iter().collect(),
                Stmt::Match { left, .. } => vec![left],
                Stmt::Vmap {
                    key: Selector::Concat(ks),
                    ..
                } => ks.iter().collect(),
                Stmt::Vmap { key, .. } => vec![key],
                _ => Vec::new(),
            };
            if let Some(why) = sels.into_iter().find_map(unseen) {
                return Err(self.table_err(tag, format!("{why}: this match is not supported")));
            }
        }
        let empty: Tag = Arc::from("");
        // What the rule matches so far; `None`: every packet of the table's families, not
        // built, as most rules' first match replaces it.
        let mut m: Option<Space<Tag>> = None;
        let and = |m: Option<Space<Tag>>, cond: Space<Tag>, prefer: bool| match m {
            None if cond.cubes.iter().all(|(c, _)| fams.contains(&c.family)) => cond,
            None => intersect(&universe(fams, &empty), &cond, prefer),
            Some(m) if covers_families_of(&m, &cond) => cond,
            Some(m) => intersect(&m, &cond, prefer),
        };
        let mut verdict = None;
        // A bare `th dport` / `th sport` read (its field), and the protocols the rule's other
        // matches let through (`None`: every one).
        let mut bare: Option<&'static str> = None;
        let mut guard: Option<Ivs> = None;
        // Only a rule that names `th` needs its guard (a set of 100,000 flows is not scanned
        // for its protocols for nothing).
        let names_th = r.stmts.iter().any(|st| match st {
            Stmt::Match { left, .. } => names_th(left),
            _ => false,
        });
        let mut limited = false;
        let mut states = conntrack::ALL.to_vec();
        let mut direction = true;
        for st in &r.stmts {
            match st {
                // A conntrack zone or a packet mark decides nothing here (the mark's routing
                // and SNAT are read by `pair_nat`).
                Stmt::Counter(_) | Stmt::Log { .. } | Stmt::Mangle { .. } => {}
                Stmt::Nat { .. } => {
                    return Err(self.table_err(tag, "address translation in a filter chain"))
                }
                Stmt::Limit { .. } => limited = true,
                Stmt::Unknown(s) => return Err(self.table_err(tag, format!("not understood: {s}"))),
                Stmt::Verdict(v) => verdict = Some(self::verdict(v)),
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
                                    tag,
                                    "verdict maps are supported on interface names only",
                                )),
                            })
                            .collect::<Result<_, _>>()?,
                        _ => {
                            return Err(self.table_err(
                                tag,
                                "verdict maps are supported on interface names only",
                            ))
                        }
                    };
                    let want: Vec<&str> = keys
                        .iter()
                        .map(|k| if *k == "i" { iif } else { oif })
                        .collect();
                    let mut hit = None;
                    let indexed = self.derived().vmaps.get(&(map.as_ptr() as usize));
                    if let Some(index) = indexed.filter(|i| i.parts == want.len()) {
                        let (first, second) = match want.as_slice() {
                            [a] => (*a, ""),
                            [a, b] => (*a, *b),
                            _ => ("", ""),
                        };
                        let entry = index.by.get(first).and_then(|m| m.get(second));
                        hit = entry
                            .and_then(|&k| map.get(k))
                            .map(|(_, v)| self::verdict(v));
                    }
                    // Read for every pair, and a map has an entry per pair: no allocation.
                    for (k, v) in map.iter().filter(|_| indexed.is_none()) {
                        let parts = match k {
                            Val::Concat(p) => p.as_slice(),
                            other => std::slice::from_ref(other),
                        };
                        if parts.len() == want.len()
                            && parts
                                .iter()
                                .zip(&want)
                                .all(|(p, w)| atom_str(p).is_some_and(|s| ifname_matches(s, w)))
                        {
                            hit = Some(self::verdict(v));
                            break;
                        }
                    }
                    match hit {
                        Some(v) => verdict = Some(v),
                        None => {
                            m = Some(Space::new());
                            guard = Some(Ivs::empty());
                        }
                    }
                }
                Stmt::Match { neg, left, right } => {
                    let mut stmt_bare = false;
                    let cond = match left {
                        Selector::Meta(k)
                            if matches!(k.as_str(), "iifname" | "oifname" | "iif" | "oif") =>
                        {
                            let b = self.if_match(table, k, right, iif, oif, tag)?;
                            if b != *neg {
                                continue;
                            }
                            // Not this pair's: the rule matches no packet, whatever its `th`.
                            m = Some(Space::new());
                            guard = Some(Ivs::empty());
                            continue;
                        }
                        Selector::Ct(k) if k == "state" => {
                            // Applied once the rest of the rule is known: the first packets
                            // conntrack gives one of these states.
                            let mut named = Vec::new();
                            for (v, _) in self.elements(table, right, tag)? {
                                let state = atom_str(v).and_then(conntrack::State::parse);
                                let Some(state) = state else {
                                    return Err(self.table_err(
                                        tag,
                                        format!("connection state {v:?} is not supported"),
                                    ));
                                };
                                named.push(state);
                            }
                            states.retain(|s| named.contains(s) != *neg);
                            continue;
                        }
                        Selector::Ct(k) if k == "direction" => {
                            let mut holds = false;
                            for (v, _) in self.elements(table, right, tag)? {
                                let d =
                                    atom_str(v).and_then(|n| conntrack::direction_holds(n, phase));
                                let Some(d) = d else {
                                    return Err(self.table_err(
                                        tag,
                                        format!("connection direction {v:?} is not supported"),
                                    ));
                                };
                                holds |= d;
                            }
                            direction &= holds != *neg;
                            continue;
                        }
                        // `ct original ip daddr`: the destination before DNAT, the plant's.
                        Selector::Ct(k) if original_payload(k).is_some() => {
                            let Some(sel) = original_payload(k) else {
                                continue;
                            };
                            let (cond, _) =
                                self.dims_space(table, &sel, right, fams, (iif, oif), tag)?;
                            let cond = if *neg {
                                selector_domain(&sel, fams, &empty).subtract(&cond)
                            } else {
                                cond
                            };
                            let cond = nat.pull(cond, false);
                            m = Some(and(m, cond, matches!(right, Val::SetRef(_))));
                            continue;
                        }
                        Selector::Ct(k) => {
                            return Err(self.table_err(tag, format!("`ct {k}` is not supported")))
                        }
                        // The hop limit is no dimension of the packet space: on the device's own
                        // traffic (neighbour discovery must carry 255) the match is read as every
                        // IPv6 packet, so a rule with it accepts at most what it is read to.
                        // Elsewhere it stays refused.
                        Selector::Payload(p, f)
                            if p == "ip6"
                                && f == "hoplimit"
                                && !*neg
                                && matches!(hook, "input" | "output") =>
                        {
                            selector_domain(left, fams, &empty)
                        }
                        _ => {
                            let (cond, th) =
                                self.dims_space(table, left, right, fams, (iif, oif), tag)?;
                            stmt_bare = th.is_some();
                            bare = bare.or(th);
                            cond
                        }
                    };
                    let cond = if *neg {
                        selector_domain(left, fams, &empty).subtract(&cond)
                    } else {
                        cond
                    };
                    let mut cond = nat.pull(cond, post_dnat);
                    // The protocols this match lets through, as the rule's own guard for a bare
                    // `th` match (not the bare match's own reading, which assumes tcp or udp).
                    if names_th && !stmt_bare {
                        let protos = cond
                            .cubes
                            .iter()
                            .fold(Ivs::empty(), |a, (c, _)| a.union(&c.proto));
                        guard = Some(match guard.take() {
                            Some(g) => g.intersect(&protos),
                            None => protos,
                        });
                    }
                    // A packet accepted through a flow set (concatenated: `ip saddr . ip daddr
                    // ...`) is named by its element, which carries the flow's comment; through a
                    // set of one field (a zone's addresses), by the rule.
                    let from_set = match right {
                        Val::SetRef(n) => table.set(n).is_some_and(|s| s.kind.len() > 1),
                        _ => false,
                    };
                    if matches!(right, Val::SetRef(_)) && !from_set {
                        for (_, t) in cond.cubes.iter_mut() {
                            *t = tag.clone();
                        }
                    }
                    m = Some(and(m, cond, from_set));
                }
            }
        }
        if limited && matches!(verdict, Some(Verdict::Accept) | Some(Verdict::Drop)) {
            return Err(self.table_err(
                tag,
                "a rate limit on a rule that accepts or drops makes the decision depend on traffic",
            ));
        }
        let m = m.unwrap_or_else(|| universe(fams, &empty));
        let m = conntrack::restrict_phase(m, &states, direction, phase, fams);
        // A bare `th` match is exact when the rule's other matches keep it to tcp and udp
        // (`meta l4proto tcp th dport 502`); otherwise the walk of the chain decides whether
        // anything else reaches it.
        let exact_for = bare
            .filter(|_| !guard.as_ref().is_some_and(|g| g.is_subset(&Ivs::tcp_udp())))
            .map(|what| Exact {
                protos: Ivs::tcp_udp(),
                families: rule_families(r, fams),
                what,
            });
        Ok(Rule {
            matches: m,
            verdict,
            tag: tag.clone(),
            exact_for,
        })
    }

    /// The packets a match holds for, and whether it holds a bare `th dport` / `th sport` (an
    /// element with no protocol of its own): that part is read for tcp and udp only, where it is
    /// exact, and the rule says so ([`Exact`]).
    ///
    /// An interface name in a concatenation (`iifname . oifname . th dport @flows_tcp_v4`) is no
    /// dimension of the packet: an element holds for the pair `(iif, oif)` where its names match
    /// the pair's, and for no packet of it otherwise.
    fn dims_space(
        &self,
        table: &Scope,
        left: &Selector,
        right: &Val,
        fams: &[Family],
        (iif, oif): (&str, &str),
        t: &Tag,
    ) -> Result<(Space<Tag>, Option<&'static str>), ReadError> {
        let sels: Vec<&Selector> = match left {
            Selector::Concat(s) => s.iter().collect(),
            s => vec![s],
        };
        let names: Vec<Option<&str>> = sels
            .iter()
            .map(|s| match s {
                Selector::Meta(k) if matches!(k.as_str(), "iifname" | "iif") => Some(iif),
                Selector::Meta(k) if matches!(k.as_str(), "oifname" | "oif") => Some(oif),
                _ => None,
            })
            .collect();
        let by_names = names.iter().any(Option::is_some);
        if by_names && sels.len() == 1 {
            return Err(self.table_err(t, "an interface name is matched on its own here"));
        }
        let mut out = Space::new();
        let mut bare = None;
        // A set of one field is read as one product (below); its elements' own tags are not
        // kept (the caller tags the match with its rule).
        let single = sels.len() == 1;
        let empty: Tag = Arc::from("");
        let mut merged: Option<Merge> = None;
        let elements = match (right, &names[..]) {
            (Val::SetRef(n), [Some(a), Some(b), ..]) => self.pair_elements(table, n, (a, b), t)?,
            _ => self.elements(table, right, t)?,
        };
        'elements: for (v, etag) in elements {
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
            for ((s, p), name) in sels.iter().zip(parts).zip(&names) {
                match name {
                    Some(name) => {
                        let pattern = atom_str(p).ok_or_else(|| {
                            self.table_err(
                                etag.as_ref().unwrap_or(t),
                                "interface match with a non-name value",
                            )
                        })?;
                        if !ifname_matches(pattern, name) {
                            continue 'elements;
                        }
                    }
                    None => restrict(&mut d, s, p)
                        .map_err(|m| self.table_err(etag.as_ref().unwrap_or(t), m))?,
                }
            }
            match (d.th_port, &d.proto) {
                (None, _) => {}
                // `th dport 502`: read for tcp and udp, where it is the port.
                (Some(what), None) => {
                    d.proto = Some(Ivs::tcp_udp());
                    bare = Some(what);
                }
                // `meta l4proto . th dport { tcp . 502 }`: the element says its protocol.
                (Some(_), Some(p)) if p.is_subset(&Ivs::tcp_udp()) => {}
                (Some(_), Some(_)) => return Err(self.table_err(
                    etag.as_ref().unwrap_or(t),
                    "`th dport` / `th sport` for a protocol other than tcp or udp is not supported",
                )),
            }
            // One field (`ip saddr @z_ops_v4`, `tcp dport { 22, 80 }`): the elements are read
            // as one product where they differ in one dimension, with the rule's tag (a set of
            // one field names no flow). A zone of three networks matched on both ends was nine
            // cubes per rule instead of one, and none of them the policy's own.
            if single {
                let Some(run) = merged.as_mut() else {
                    merged = Some(Merge::new(d));
                    continue;
                };
                if let Err(d) = run.push(d) {
                    if let Some(m) = merged.replace(Merge::new(d)) {
                        dims_extend(&mut out, &m.finish(), fams, &empty);
                    }
                }
                continue;
            }
            let tg: Tag = etag.unwrap_or_else(|| Arc::from(""));
            dims_extend(&mut out, &d, fams, &tg);
        }
        if let Some(m) = merged {
            dims_extend(&mut out, &m.finish(), fams, &empty);
        }
        Ok((out, bare))
    }

    /// The flattened forward path for one interface pair: every prerouting, forward and
    /// postrouting base chain, each as its own list. A packet is forwarded when every base chain
    /// accepts it.
    pub fn items(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        self.items_of(iif, oif, conntrack::Phase::First)
    }

    /// [`Ruleset::items`] for the packets of `phase`: first packets, or packets in the reply
    /// direction of an established connection.
    pub fn items_of(
        &self,
        iif: &str,
        oif: &str,
        phase: conntrack::Phase,
    ) -> Result<Vec<Vec<Item>>, ReadError> {
        self.path_items(&["prerouting", "forward", "postrouting"], iif, oif, phase)
    }

    /// The flattened base chains of `hooks` for a packet of `phase` from `iif` to `oif` (an
    /// empty name: the device itself), each as its own list: `prerouting` and `input` for what
    /// enters addressed to the device, `output` and `postrouting` for what it sends.
    pub fn path_items(
        &self,
        hooks: &[&str],
        iif: &str,
        oif: &str,
        phase: conntrack::Phase,
    ) -> Result<Vec<Vec<Item>>, ReadError> {
        let mut out = Vec::new();
        // How the plant's packets look to the chains of a forwarded pair (translations).
        let nat = if iif.is_empty() || oif.is_empty() {
            PairNat::default()
        } else {
            self.pair_nat(iif, oif, phase)?
        };
        let derived = self.derived();
        for (ti, table) in self.tables.iter().enumerate() {
            let Some(fams) = table_families(&table.family) else {
                if table.chains.iter().any(|c| hook_of(c).is_some()) {
                    return Err(ReadError {
                        file: self.file.to_string(),
                        line: 0,
                        message: format!(
                            "table family `{}` with base chains is not supported",
                            table.family
                        ),
                    });
                }
                continue;
            };
            let empty = BTreeMap::new();
            let scope = Scope {
                table,
                by_name: derived.sets.get(ti).unwrap_or(&empty),
            };
            let names = derived.chains.get(ti).unwrap_or(&empty);
            let chains = |n: &str| names.get(n).and_then(|&k| table.chains.get(k));
            // Base chains, in name order: the only ones a pair enters without a jump.
            let bases = derived
                .bases
                .get(ti)
                .into_iter()
                .flatten()
                .filter_map(|(n, k)| Some((n.as_str(), table.chains.get(*k)?)));
            for (name, chain) in bases {
                // Translations are read apart (`pair_nat`); they decide no packet's fate.
                if chain.base.as_ref().is_some_and(|b| b.kind == "nat") {
                    continue;
                }
                // A forwarded packet passes the prerouting, forward and postrouting hooks, and
                // each of their base chains must accept it.
                let hook = match hook_of(chain) {
                    Some(h @ ("prerouting" | "forward" | "postrouting" | "input" | "output")) => {
                        if !hooks.contains(&h) {
                            continue;
                        }
                        h
                    }
                    None => continue,
                    // `ingress` (inet tables since Linux 5.10) and `egress` see every packet of
                    // their device, forwarded ones included.
                    Some(h) => {
                        return Err(ReadError {
                            file: self.file.to_string(),
                            line: 0,
                            message: match &chain.origin.0 {
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
                // Chains before DNAT (prerouting, at a priority below `dstnat`) see the
                // destination the packet was sent to.
                let post_dnat = hook != "prerouting" || !before_dnat(chain);
                let lookup = |n: &str| -> Result<Option<Vec<Rule>>, ReadError> {
                    let Some(c) = chains(n) else {
                        return Ok(None);
                    };
                    c.rules
                        .iter()
                        .enumerate()
                        .map(|(k, r)| {
                            let tag = r.origin.0.clone().unwrap_or_else(|| {
                                Arc::from(format!("{}: chain {n} rule {}", self.file, k + 1))
                            });
                            self.rule(
                                &scope,
                                r,
                                &tag,
                                &fams,
                                (iif, oif),
                                (hook, phase),
                                (&nat, post_dnat),
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(Some)
                };
                let mut fl = Flattener {
                    chain: &lookup,
                    items: Vec::new(),
                    file: self.file.to_string(),
                };
                let policy = match chain.policy.as_deref() {
                    None | Some("accept") => Term::Accept,
                    Some("drop") => Term::Drop,
                    Some(p) => {
                        return Err(ReadError {
                            file: self.file.to_string(),
                            line: 0,
                            message: format!("chain `{name}`: policy `{p}` is not supported"),
                        })
                    }
                };
                let ptag =
                    chain.origin.0.clone().unwrap_or_else(|| {
                        Arc::from(format!("{}: chain {name} policy", self.file))
                    });
                fl.base(name, universe(&fams, &Arc::from("")), policy, ptag)?;
                let mut items = fl.items;
                // Packets of a family this table does not see pass it.
                let others: Vec<Family> = [Family::V4, Family::V6]
                    .into_iter()
                    .filter(|f| !fams.contains(f))
                    .collect();
                if !others.is_empty() {
                    let t: Tag = Arc::from(format!(
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

impl Ruleset {
    fn local_of(
        &self,
        iface: &str,
        to_device: bool,
        phase: conntrack::Phase,
    ) -> Result<Vec<Vec<Item>>, ReadError> {
        if to_device {
            self.path_items(&["prerouting", "input"], iface, "", phase)
        } else {
            self.path_items(&["output", "postrouting"], "", iface, phase)
        }
    }
}

impl Filters for Ruleset {
    fn filters(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        self.items(iif, oif)
    }
    /// What enters by `iface` for the device passes `prerouting` and `input`; what the device
    /// sends out by it, `output` and `postrouting`.
    fn local(&self, iface: &str, to_device: bool) -> Result<Vec<Vec<Item>>, ReadError> {
        self.local_of(iface, to_device, conntrack::Phase::First)
    }
    fn local_replies(&self, iface: &str, to_device: bool) -> Result<Vec<Vec<Item>>, ReadError> {
        self.local_of(iface, to_device, conntrack::Phase::Reply)
    }
    fn replies(&self, iif: &str, oif: &str) -> Result<Vec<Vec<Item>>, ReadError> {
        self.items_of(iif, oif, conntrack::Phase::Reply)
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_text;
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

    /// What is derived once per ruleset (chain names) is not carried into a copy that is then
    /// edited: the copy is read as it stands.
    #[test]
    fn an_edited_copy_is_read_as_it_stands() {
        let n = parse_text("t.nft", TEXT).unwrap();
        assert!(n.items("a", "b").is_ok());
        let mut copy = n.clone();
        for c in &mut copy.tables[0].chains {
            if c.name == "p" {
                c.name = "q".into();
            }
        }
        let e = copy.items("a", "b").unwrap_err();
        assert!(e.message.contains("`p`, which does not exist"), "{e}");
        assert!(n.items("a", "b").is_ok());
    }

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

    /// A verdict map of exact names is read through its index, one of patterns by scanning it,
    /// and both find what a scan finds: the first entry of a key, a pattern's prefix, nothing
    /// for a pair no key names.
    #[test]
    fn verdict_maps_decide_as_a_scan_does() {
        let text = |keys: &str| {
            format!(
                "table inet t {{\n\tchain a {{\n\t\ttcp dport 1 accept\n\t}}\n\tchain b {{\n\t\ttcp dport 2 accept\n\t}}\n\tchain forward {{\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tiifname . oifname vmap {{ {keys} }}\n\t}}\n}}\n"
            )
        };
        let ip = |s: &str| s.parse().unwrap();
        let port = |n: &super::super::ast::Ruleset, iif: &str, oif: &str, p: u16| {
            let items = n.items(iif, oif).unwrap();
            accepted(&items[0])
                .contains(&Packet::tcp(ip("10.1.0.1"), ip("10.2.0.1"), p))
                .is_some()
        };
        let exact = parse_text(
            "t.nft",
            &text(
                r#""eth0" . "eth1" : jump a, "eth0" . "eth1" : jump b, "eth1" . "eth0" : jump b"#,
            ),
        )
        .unwrap();
        let patterns = parse_text(
            "t.nft",
            &text(
                r#""eth0" . "eth1" : jump a, "eth*" . "eth1" : jump b, "eth1" . "eth0" : jump b"#,
            ),
        )
        .unwrap();
        assert!(exact.derived().vmaps.len() == 1 && patterns.derived().vmaps.is_empty());
        for n in [&exact, &patterns] {
            // The first entry of a key decides.
            assert!(port(n, "eth0", "eth1", 1) && !port(n, "eth0", "eth1", 2));
            assert!(port(n, "eth1", "eth0", 2) && !port(n, "eth1", "eth0", 1));
            assert!(!port(n, "eth2", "eth0", 1) && !port(n, "eth2", "eth0", 2));
        }
        // Only the pattern reaches `eth2 -> eth1`.
        assert!(!port(&exact, "eth2", "eth1", 2));
        assert!(port(&patterns, "eth2", "eth1", 2));
    }

    /// The elements of a set of one field are read as one cube, and that cube holds exactly
    /// the packets of the rules written one per element.
    #[test]
    fn a_set_of_one_field_is_one_cube_of_the_same_packets() {
        let forward = |rules: &str, sets: &str| {
            format!(
                "table inet t {{\n{sets}\tchain forward {{\n\t\ttype filter hook forward priority filter; policy drop;\n{rules}\t}}\n}}\n"
            )
        };
        let set = "\tset s {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 10.1.0.0/24, 10.1.5.0/28, 10.9.9.9 }\n\t}\n";
        let merged = parse_text(
            "m.nft",
            &forward(
                "\t\tip saddr @s ip daddr { 10.2.0.0/24, 10.3.0.1 } tcp dport { 22, 80-81 } accept\n",
                set,
            ),
        )
        .unwrap();
        let mut one_by_one = String::new();
        for src in ["10.1.0.0/24", "10.1.5.0/28", "10.9.9.9"] {
            for dst in ["10.2.0.0/24", "10.3.0.1"] {
                for port in ["22", "80-81"] {
                    one_by_one.push_str(&format!(
                        "\t\tip saddr {src} ip daddr {dst} tcp dport {port} accept\n"
                    ));
                }
            }
        }
        let apart = parse_text("a.nft", &forward(&one_by_one, "")).unwrap();
        let a = accepted(&merged.items("eth0", "eth1").unwrap()[0]);
        let b = accepted(&apart.items("eth0", "eth1").unwrap()[0]);
        assert_eq!(a.cubes.len(), 1, "{:?}", a.cubes);
        assert_eq!(b.cubes.len(), 12);
        assert!(a.subtract(&b).is_empty() && b.subtract(&a).is_empty());
        let ip = |s: &str| s.parse().unwrap();
        assert!(a
            .contains(&Packet::tcp(ip("10.1.5.15"), ip("10.3.0.1"), 81))
            .is_some());
        assert!(a
            .contains(&Packet::tcp(ip("10.1.5.16"), ip("10.3.0.1"), 81))
            .is_none());
    }

    #[test]
    fn interface_names_in_a_set_key_hold_for_their_own_pair_only() {
        // Exact names (indexed) and a pattern (read element by element): each pair accepts
        // the ports of the elements that name it, and no other.
        for extra in ["", ",\n\t\t\t\"eth*\" . \"eth1\" . 443"] {
            let text = format!(
                "table inet t {{\n\tset f {{\n\t\ttype ifname . ifname . inet_service\n\t\tcounter\n\t\telements = {{\n\t\t\t\"eth0\" . \"eth1\" . 22 counter packets 3 bytes 180 comment \"a\",\n\t\t\t\"eth0\" . \"eth2\" . 80 comment \"b\"{extra}\n\t\t}}\n\t}}\n\tchain forward {{\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tip saddr 10.0.0.0/8 iifname . oifname . tcp dport @f accept\n\t}}\n}}\n"
            );
            let rs = parse_text("f.nft", &text).unwrap();
            let ip = |s: &str| s.parse().unwrap();
            let wild = !extra.is_empty();
            for (iif, oif, port, want) in [
                ("eth0", "eth1", 22, true),
                ("eth0", "eth1", 80, false),
                ("eth0", "eth2", 80, true),
                ("eth0", "eth2", 22, false),
                ("eth0", "eth1", 443, wild),
                ("eth3", "eth1", 443, wild),
                ("eth3", "eth2", 443, false),
                ("eth1", "eth0", 22, false),
            ] {
                let a = accepted(&rs.items(iif, oif).unwrap()[0]);
                let pkt = Packet::tcp(ip("10.0.0.1"), ip("192.0.2.1"), port);
                assert_eq!(
                    a.contains(&pkt).is_some(),
                    want,
                    "{iif} -> {oif} tcp/{port} ({extra:?})"
                );
                // Never beyond the rule's own matches: another source, or udp, is dropped.
                assert!(a
                    .contains(&Packet::tcp(ip("192.0.2.9"), ip("192.0.2.1"), port))
                    .is_none());
                assert!(a
                    .contains(&Packet::udp(ip("10.0.0.1"), ip("192.0.2.1"), port))
                    .is_none());
            }
        }
    }

    #[test]
    fn a_set_of_many_hosts_is_one_cube_and_its_elements_may_touch_or_overlap() {
        // 1,500 hosts, none adjacent, then a range that joins two of them and a network that
        // overlaps one: one product whose sources are exactly the elements' union.
        let mut elems: Vec<String> = (0..1500u32)
            .map(|k| std::net::Ipv4Addr::from(0x6440_0000 + 2 * k).to_string())
            .collect();
        elems.push("100.64.0.1".into());
        elems.push("100.64.0.8/30".into());
        let text = format!(
            "table inet t {{\n\tset s {{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = {{ {} }}\n\t}}\n\tchain forward {{\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tip saddr @s tcp dport 22 accept\n\t}}\n}}\n",
            elems.join(", ")
        );
        let rs = parse_text("h.nft", &text).unwrap();
        let a = accepted(&rs.items("eth0", "eth1").unwrap()[0]);
        assert_eq!(a.cubes.len(), 1, "{:?}", a.cubes.len());
        let src = &a.cubes[0].0.src;
        // 100.64.0.0-.2 joined by .1; .8-.12: the /30 over .8 and .10, touching .12; the other
        // 1,495 hosts apart.
        assert_eq!(src.0.len(), 1 + 1 + 1495, "{:?}", &src.0[..4]);
        let ip = |s: &str| s.parse().unwrap();
        for (host, inside) in [
            ("100.64.0.1", true),
            ("100.64.0.3", false),
            ("100.64.0.9", true),
            ("100.64.11.182", true),
            ("100.64.11.183", false),
        ] {
            assert_eq!(
                a.contains(&Packet::tcp(ip(host), ip("10.0.0.1"), 22))
                    .is_some(),
                inside,
                "{host}"
            );
        }
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

    /// A bare `th dport` (no protocol in its rule) is read for tcp and udp, where it is the
    /// port; for ICMP the kernel compares the checksum. It is read where nothing else reaches
    /// it (a protocol match in front of it: in the jump to its chain, in a drop before it, in
    /// its own rule, or another family than the rule's) and refused with its line elsewhere.
    #[test]
    fn a_bare_th_port_is_read_only_where_tcp_and_udp_alone_reach_it() {
        let text = |jump: &str, extra: &str| {
            format!(
                "table inet t {{
	chain p {{
		ip saddr 10.1.0.0/24 th dport 22 accept
		th sport 1000-2000 th dport 53 accept
	}}
	chain forward {{
		type filter hook forward priority filter; policy drop;
{extra}		{jump}
	}}
}}
"
            )
        };
        let ip = |s: &str| s.parse().unwrap();
        let refused = |t: &str, iif: &str, line: usize, what: &str| {
            let n = parse_text("t.nft", t).unwrap();
            let e = n.items(iif, "b").unwrap_err().to_string();
            assert!(e.contains(&format!("t.nft:{line}: ")), "{e}");
            assert!(e.contains(what), "{e}");
            assert!(e.contains("read for tcp and udp only"), "{e}");
        };
        // Reached by every packet: ICMP meets the first rule.
        refused(
            &text("jump p", ""),
            "a",
            3,
            "`th dport` is read for tcp and udp only, and icmp packets reach it",
        );
        // A guard of the wrong protocol lets ICMP in too.
        refused(
            &text("meta l4proto { tcp, icmp } jump p", ""),
            "a",
            3,
            "icmp packets reach it",
        );
        // Another protocol, by its number.
        refused(
            &text("meta l4proto { tcp, gre } jump p", ""),
            "a",
            3,
            "protocol 47 packets reach it",
        );
        // The first rule is of IPv4 alone, which the jump keeps out: ICMPv6 reaches the second.
        refused(
            &text("ip6 nexthdr != { tcp, udp } jump p", ""),
            "a",
            4,
            "icmpv6 packets reach it",
        );
        let read = |t: &str| {
            let n = parse_text("t.nft", t).unwrap();
            accepted(&n.items("a", "b").unwrap()[0])
        };
        let tcp = |s: &str, d: u16| Packet::tcp(ip(s), ip("10.2.0.1"), d);
        let udp = |s: &str, sp: u16, d: u16| {
            let mut p = Packet::udp(ip(s), ip("10.2.0.1"), d);
            p.sport = sp;
            p
        };
        // The protocol in the jump: exact, and udp to the same port is not accepted.
        let acc = read(&text("meta l4proto tcp jump p", ""));
        assert!(acc.contains(&tcp("10.1.0.1", 22)).is_some());
        assert!(acc.contains(&tcp("10.3.0.1", 22)).is_none());
        assert!(acc.contains(&udp("10.1.0.1", 40000, 22)).is_none());
        assert!(acc.contains(&udp("10.1.0.1", 1500, 53)).is_none());
        // Everything but tcp and udp dropped before it: both read.
        let acc = read(&text("jump p", "\t\tmeta l4proto != { tcp, udp } drop\n"));
        assert!(acc.contains(&udp("10.1.0.1", 40000, 22)).is_some());
        assert!(acc.contains(&udp("10.9.0.1", 1500, 53)).is_some());
        assert!(acc.contains(&udp("10.9.0.1", 40000, 53)).is_none());
        // The rule's own protocol match guards it; another family never meets it.
        let own = "table inet t {
	chain forward {
		type filter hook forward priority filter; policy drop;
		meta l4proto udp th dport 53 accept
		th dport != 22 meta l4proto tcp accept
		meta nfproto ipv4 meta l4proto != { tcp, udp } drop
		ip saddr 10.1.0.0/24 th dport 7 accept
	}
}
";
        let acc = read(own);
        assert!(acc.contains(&udp("10.9.0.1", 40000, 53)).is_some());
        assert!(acc.contains(&udp("10.9.0.1", 40000, 54)).is_none());
        assert!(acc.contains(&tcp("10.9.0.1", 23)).is_some());
        assert!(acc.contains(&tcp("10.9.0.1", 22)).is_none());
        assert!(acc.contains(&udp("10.1.0.1", 40000, 7)).is_some());
        assert!(acc.contains(&udp("10.1.0.1", 40000, 8)).is_none());
        assert!(acc.contains(&udp("10.9.0.1", 40000, 7)).is_none());
        // ICMP of its own family reaches the last rule.
        let open = own.replace("l4proto != { tcp, udp } drop", "l4proto gre drop");
        refused(&open, "a", 7, "icmp packets reach it");
        refused(
            &own.replace(
                "meta l4proto udp th dport 53",
                "meta l4proto icmp th dport 53",
            ),
            "a",
            4,
            "icmp",
        );
        // A rule of another interface pair matches nothing here, whatever its `th`.
        let pair = r#"table inet t {
	chain forward {
		type filter hook forward priority filter; policy drop;
		iifname "x" th dport 22 accept
	}
}
"#;
        assert!(read(pair).is_empty());
        refused(pair, "x", 4, "icmp");
    }

    /// Element options on the line that opens `elements` (one-line sets, `nft list` of short
    /// sets) are options, not elements: `comment "zone"` is not an address.
    #[test]
    fn element_comments_on_the_elements_line_are_read() {
        let text = r#"table inet t {
	set z { type ipv4_addr; flags interval; elements = { 10.1.0.0/24 comment "zone a", 10.3.0.1 counter packets 1 bytes 60 } }
	set y {
		type ipv4_addr
		elements = { 10.2.0.0/24 comment "zone b" }
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ip saddr @z ip daddr @y accept
	}
}
"#;
        let n = parse_text("t.nft", text).unwrap();
        let z = &n.tables[0].sets[0];
        assert_eq!(z.elements.len(), 2);
        assert_eq!(
            z.elements[0].comment.as_ref().map(|c| c.as_str()),
            Some("zone a")
        );
        let acc = accepted(&n.items("a", "b").unwrap()[0]);
        let ip = |s: &str| s.parse().unwrap();
        assert!(acc
            .contains(&Packet::tcp(ip("10.1.0.1"), ip("10.2.0.7"), 22))
            .is_some());
        assert!(acc
            .contains(&Packet::tcp(ip("10.3.0.1"), ip("10.2.0.7"), 22))
            .is_some());
        assert!(acc
            .contains(&Packet::tcp(ip("10.4.0.1"), ip("10.2.0.7"), 22))
            .is_none());
    }
}
