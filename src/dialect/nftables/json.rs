//! Reads the JSON of `nft -j list ruleset` (a live firewall's normalised ruleset) into the same
//! [`Ruleset`] as the text. Decision tags name the chain and the rule's position (and kernel
//! handle), as JSON has no lines. A statement the reader does not know becomes
//! [`Stmt::Unknown`], refused by the semantics only when the forward path reaches it.

use super::ast::{
    err, Base, Chain, Counter, Element, Origin, Quoted, Rule, Ruleset, Selector, Set, Stmt, Table,
    Val, Verdict,
};
use crate::dialect::config::{ReadError, Tag};
use serde_json::Value as J;
use std::collections::BTreeMap;
use std::sync::Arc;

fn text(o: &J, key: &str) -> String {
    o.get(key).and_then(J::as_str).unwrap_or("").to_string()
}

/// Parses the JSON of `nft -j list ruleset`.
pub fn parse_json(file: &str, text_: &str) -> Result<Ruleset, ReadError> {
    let root: J = serde_json::from_str(text_)
        .map_err(|e| err(file, e.line(), format!("not valid JSON: {e}")))?;
    let list = root.get("nftables").and_then(J::as_array).ok_or_else(|| {
        err(
            file,
            0,
            "no `nftables` array: not the output of `nft -j list ruleset`",
        )
    })?;
    let mut nft = Ruleset {
        file: file.to_string(),
        header: Vec::new(),
        tables: Vec::new(),
        derived: Default::default(),
    };
    let mut rule_no: BTreeMap<String, usize> = BTreeMap::new();
    for (n, obj) in list.iter().enumerate() {
        let Some((kind, o)) = obj.as_object().and_then(|m| m.iter().next()) else {
            continue;
        };
        match kind.as_str() {
            "metainfo" => {}
            "table" => nft.tables.push(Table {
                family: text(o, "family"),
                name: text(o, "name"),
                replaced: false,
                sets: Vec::new(),
                chains: Vec::new(),
            }),
            "set" | "map" | "chain" | "rule" => {
                let (fam, tname) = (text(o, "family"), text(o, "table"));
                let Some(table) = nft
                    .tables
                    .iter_mut()
                    .find(|t| t.family == fam && t.name == tname)
                else {
                    return Err(err(
                        file,
                        0,
                        format!("{kind} #{n} refers to table {fam} {tname}, which is not listed"),
                    ));
                };
                let name = text(o, if kind == "rule" { "chain" } else { "name" });
                match kind.as_str() {
                    // Listed as an empty set: referencing it is the error, listing it is not.
                    "map" => put_set(table, empty_set(name)),
                    "set" => put_set(table, json_set(file, o, name)?),
                    "chain" => json_chain(file, o, table, name)?,
                    _ => {
                        let no = rule_no.entry(format!("{fam} {tname} {name}")).or_default();
                        *no += 1;
                        let handle = o
                            .get("handle")
                            .and_then(J::as_u64)
                            .map(|h| format!(" (handle {h})"))
                            .unwrap_or_default();
                        let t: Tag =
                            Arc::from(format!("{file}: chain {name} rule {}{handle}", *no));
                        let rule = Rule {
                            stmts: o
                                .get("expr")
                                .and_then(J::as_array)
                                .map(|a| a.as_slice())
                                .unwrap_or(&[])
                                .iter()
                                .filter_map(json_stmt)
                                .collect(),
                            comment: o.get("comment").and_then(J::as_str).and_then(Quoted::new),
                            origin: Origin::new(t),
                        };
                        chain_mut(table, &name).rules.push(rule);
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

fn empty_set(name: String) -> Set {
    Set {
        name,
        kind: Vec::new(),
        typeof_: false,
        flags: Vec::new(),
        counter: false,
        comment: None,
        elements: Vec::new(),
    }
}

/// A set listed again replaces the earlier listing.
fn put_set(table: &mut Table, set: Set) {
    match table.sets.iter_mut().find(|s| s.name == set.name) {
        Some(old) => *old = set,
        None => table.sets.push(set),
    }
}

fn chain_mut<'a>(table: &'a mut Table, name: &str) -> &'a mut Chain {
    let k = match table.chains.iter().position(|c| c.name == name) {
        Some(k) => k,
        None => {
            table.chains.push(Chain {
                name: name.to_string(),
                ..Chain::default()
            });
            table.chains.len() - 1
        }
    };
    &mut table.chains[k]
}

fn json_set(file: &str, o: &J, name: String) -> Result<Set, ReadError> {
    let mut set = empty_set(name);
    set.kind = match o.get("type") {
        Some(J::String(s)) => vec![s.clone()],
        Some(J::Array(a)) => a.iter().filter_map(J::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    set.flags = o
        .get("flags")
        .and_then(J::as_array)
        .map(|a| a.iter().filter_map(J::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    set.comment = o.get("comment").and_then(J::as_str).and_then(Quoted::new);
    for (k, e) in o
        .get("elem")
        .and_then(J::as_array)
        .map(|a| a.as_slice())
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let (v, inner) = match e.get("elem") {
            Some(inner) => (inner.get("val").unwrap_or(inner), Some(inner)),
            None => (e, None),
        };
        let value = json_val(v).map_err(|m| err(file, 0, format!("set `{}`: {m}", set.name)))?;
        set.elements.push(Element {
            value,
            counter: inner.and_then(|i| i.get("counter")).map(json_counter),
            comment: inner
                .and_then(|i| i.get("comment"))
                .and_then(J::as_str)
                .and_then(Quoted::new),
            origin: Origin::new(Arc::from(format!(
                "{file}: set {} element {}",
                set.name,
                k + 1
            ))),
        });
    }
    Ok(set)
}

fn json_chain(file: &str, o: &J, table: &mut Table, name: String) -> Result<(), ReadError> {
    let kind = o.get("type").and_then(J::as_str).unwrap_or("filter");
    // `nat` chains hold the static translations the semantics read apart from the filters.
    if kind != "filter" && kind != "nat" {
        return Err(err(
            file,
            0,
            format!("chain `{name}` of type `{kind}` is not supported"),
        ));
    }
    let c = chain_mut(table, &name);
    c.base = o.get("hook").and_then(J::as_str).map(|h| Base {
        kind: kind.into(),
        hook: Some(h.to_string()),
        rest: match o.get("prio") {
            Some(p) => vec!["priority".into(), p.to_string()],
            None => Vec::new(),
        },
    });
    c.policy = o.get("policy").and_then(J::as_str).map(str::to_string);
    c.comment = o.get("comment").and_then(J::as_str).and_then(Quoted::new);
    c.origin = Origin::new(Arc::from(format!(
        "{file}: chain {name} policy {}",
        c.policy.as_deref().unwrap_or("accept")
    )));
    Ok(())
}

fn json_counter(c: &J) -> Counter {
    match (
        c.get("packets").and_then(J::as_u64),
        c.get("bytes").and_then(J::as_u64),
    ) {
        (Some(p), Some(b)) => Counter(Some((p, b))),
        _ => Counter(None),
    }
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
        // `ct original ip daddr`: {"key": "ip daddr", "dir": "original"}.
        if let (Some(dir), Some(key)) = (
            m.get("dir").and_then(J::as_str),
            m.get("key").and_then(J::as_str),
        ) {
            if m.get("family").is_none() && key.contains(' ') {
                return Ok(Selector::Ct(format!("{dir} {key}")));
            }
        }
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
        "drop" => Verdict::Drop,
        "reject" => Verdict::Reject(Vec::new()),
        "return" => Verdict::Return,
        "jump" => Verdict::Jump(o.get("target")?.as_str()?.to_string()),
        "goto" => Verdict::Goto(o.get("target")?.as_str()?.to_string()),
        _ => return None,
    })
}

/// One statement of a rule's `expr`; `None` for a comment (the rule's own in the text form).
fn json_stmt(e: &J) -> Option<Stmt> {
    let Some((k, o)) = e.as_object().and_then(|m| m.iter().next()) else {
        return Some(Stmt::Unknown(e.to_string()));
    };
    Some(match k.as_str() {
        "match" => {
            let op = o.get("op").and_then(J::as_str).unwrap_or("==");
            let neg = match op {
                "==" | "in" => false,
                "!=" => true,
                _ => return Some(Stmt::Unknown(format!("match operator `{op}`"))),
            };
            match (o.get("left").map(json_sel), o.get("right").map(json_val)) {
                (Some(Ok(left)), Some(Ok(right))) => Stmt::Match { neg, left, right },
                (Some(Err(m)), _) | (_, Some(Err(m))) => Stmt::Unknown(m),
                _ => Stmt::Unknown(e.to_string()),
            }
        }
        "counter" => Stmt::Counter(json_counter(o)),
        "log" => Stmt::Log {
            prefix: o.get("prefix").and_then(J::as_str).and_then(Quoted::new),
            options: o
                .get("level")
                .and_then(J::as_str)
                .map(|l| ("level".to_string(), l.to_string()))
                .into_iter()
                .collect(),
        },
        "comment" => return None,
        "mangle" => match (o.get("key").map(json_sel), o.get("value").map(json_val)) {
            (Some(Ok(left)), Some(Ok(value))) => Stmt::Mangle { left, value },
            _ => Stmt::Unknown(e.to_string()),
        },
        // Only the prefix form (the kernel's netmap): `dnat ip prefix to 192.168.1.0/24`.
        "dnat" | "snat"
            if o.get("flags").and_then(J::as_str) == Some("netmap")
                && o.get("type_flags").and_then(J::as_str) == Some("prefix") =>
        {
            match (
                o.get("family").and_then(J::as_str),
                o.get("addr").map(json_val),
            ) {
                (Some(f @ ("ip" | "ip6")), Some(Ok(to))) => Stmt::Nat {
                    kind: k.clone(),
                    family: f.into(),
                    to,
                },
                _ => Stmt::Unknown(e.to_string()),
            }
        }
        "limit" => Stmt::Limit {
            over: o.get("inv").and_then(J::as_bool).unwrap_or(false),
            rate: format!(
                "{}/{}",
                o.get("rate").map(J::to_string).unwrap_or_default(),
                o.get("per").and_then(J::as_str).unwrap_or("second")
            ),
            burst: o
                .get("burst")
                .and_then(J::as_u64)
                .filter(|b| *b > 0)
                .map(|b| (b.to_string(), "packets".to_string())),
        },
        "vmap" => {
            let key = match o.get("key").map(json_sel) {
                Some(Ok(k)) => k,
                _ => return Some(Stmt::Unknown(e.to_string())),
            };
            let Some(entries) = o
                .get("data")
                .and_then(|d| d.get("set"))
                .and_then(J::as_array)
            else {
                return Some(Stmt::Unknown("a named verdict map".into()));
            };
            let mut map = Vec::new();
            for en in entries {
                let Some(pair) = en.as_array().filter(|p| p.len() == 2) else {
                    return Some(Stmt::Unknown(en.to_string()));
                };
                match (json_val(&pair[0]), json_verdict(&pair[1])) {
                    (Ok(k), Some(v)) => map.push((k, v)),
                    _ => return Some(Stmt::Unknown(en.to_string())),
                }
            }
            Stmt::Vmap { key, map }
        }
        _ => match json_verdict(e) {
            Some(v) => Stmt::Verdict(v),
            None => Stmt::Unknown(format!("statement `{k}`")),
        },
    })
}
