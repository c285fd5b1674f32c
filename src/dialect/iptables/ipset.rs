//! `ipset.rules`: the zone sets the iptables rules of a device match (`-m set --match-set NAME
//! src`), in the format `ipset restore` reads and `ipset save` writes. Printed (`Display`),
//! read back ([`parse`], generated files and `ipset save` output alike) and applied as `ipset
//! restore` applies it ([`resolve`]) to give the sets' addresses to [`super::semantics`].
//!
//! The generated file replaces each set atomically: `create NAME ... -exist` (the set the rules
//! match, created empty if it is new), `create NAME_new ... -exist`, `flush NAME_new`, one `add
//! NAME_new` per network, `swap NAME_new NAME`, `destroy NAME_new`. Rules that match `NAME` see
//! the old addresses or the new ones, never a set half filled.

use super::ast::{IpsetFile, Net, SetLine, SetsView, Text};
use crate::dialect::config::{parse_prefix, ReadError};
use crate::dialect::linux;
use crate::packet::Family;
use std::collections::BTreeMap;
use std::fmt::{self, Display, Formatter};

/// The set types the reader models: a set of networks (and hosts), matched by address.
const KINDS: &[&str] = &["hash:net", "hash:ip"];

fn family_word(f: Family) -> &'static str {
    match f {
        Family::V4 => "inet",
        Family::V6 => "inet6",
    }
}

impl Display for IpsetFile {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for l in &self.lines {
            match l {
                SetLine::Blank => writeln!(f)?,
                SetLine::Comment(t) => writeln!(f, "#{}", t.as_str())?,
                SetLine::Create {
                    name,
                    kind,
                    family,
                    options,
                } => {
                    write!(f, "create {name} {kind} family {}", family_word(*family))?;
                    for o in options {
                        write!(f, " {o}")?;
                    }
                    writeln!(f)?;
                }
                SetLine::Add { name, net } => {
                    // A host without its length, as `ipset save` writes it.
                    let text = linux::interval_text(net.family, (net.lo, net.hi));
                    writeln!(f, "add {name} {text}")?;
                }
                SetLine::Flush(n) => match n {
                    Some(n) => writeln!(f, "flush {n}")?,
                    None => writeln!(f, "flush")?,
                },
                SetLine::Swap(a, b) => writeln!(f, "swap {a} {b}")?,
                SetLine::Destroy(n) => match n {
                    Some(n) => writeln!(f, "destroy {n}")?,
                    None => writeln!(f, "destroy")?,
                },
            }
        }
        Ok(())
    }
}

/// Text of `ipset.rules` (`path` for messages) -> its lines. What is not one of the commands
/// above, or an address that is not one prefix, is refused with its line.
pub fn parse(path: &str, text: &str) -> Result<IpsetFile, ReadError> {
    let err = |line: usize, m: String| ReadError {
        file: path.to_string(),
        line,
        message: m,
    };
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let l = raw.trim();
        if l.is_empty() {
            lines.push(SetLine::Blank);
            continue;
        }
        if let Some(c) = raw.strip_prefix('#') {
            lines.push(SetLine::Comment(Text::new(c).map_err(|m| err(n, m))?));
            continue;
        }
        let w: Vec<&str> = l.split_whitespace().collect();
        let name = |k: usize| -> Result<String, ReadError> {
            w.get(k)
                .map(|s| s.to_string())
                .ok_or_else(|| err(n, format!("`{}` lacks a set name", w[0])))
        };
        let line = match w[0] {
            "create" | "-N" | "n" => {
                let kind = w
                    .get(2)
                    .ok_or_else(|| err(n, "`create` lacks a set type".into()))?;
                let mut family = Family::V4;
                let mut options = Vec::new();
                let mut k = 3;
                while k < w.len() {
                    if w[k] == "family" {
                        family = match w.get(k + 1).copied() {
                            Some("inet") => Family::V4,
                            Some("inet6") => Family::V6,
                            other => {
                                return Err(err(
                                    n,
                                    format!("unknown set family `{}`", other.unwrap_or("")),
                                ))
                            }
                        };
                        k += 2;
                    } else {
                        options.push(w[k].to_string());
                        k += 1;
                    }
                }
                SetLine::Create {
                    name: name(1)?,
                    kind: kind.to_string(),
                    family,
                    options,
                }
            }
            "add" | "-A" | "a" => {
                if w.len() != 3 {
                    return Err(err(
                        n,
                        "`add` with options (`nomatch`, `timeout`, ...) is not supported".into(),
                    ));
                }
                let (family, lo, hi) = parse_prefix(w[2])
                    .ok_or_else(|| err(n, format!("cannot read address `{}`", w[2])))?;
                SetLine::Add {
                    name: name(1)?,
                    net: Net { family, lo, hi },
                }
            }
            "flush" | "-F" | "f" => SetLine::Flush(w.get(1).map(|s| s.to_string())),
            "destroy" | "-X" | "x" => SetLine::Destroy(w.get(1).map(|s| s.to_string())),
            "swap" | "-W" | "w" => SetLine::Swap(name(1)?, name(2)?),
            other => {
                return Err(err(
                    n,
                    format!(
                    "`{other}` is not supported (verify reads create, add, flush, swap, destroy)"
                ),
                ))
            }
        };
        lines.push(line);
    }
    Ok(IpsetFile {
        path: path.to_string(),
        lines,
    })
}

/// One set as `ipset restore` builds it.
struct Held {
    kind: String,
    family: Family,
    nets: Vec<(u128, u128)>,
}

/// The sets once `ipset restore` has applied the file, as `ipset restore` refuses what it
/// refuses (a set created twice without `-exist`, an element of a set that does not exist or
/// of the other family, a swap of sets of different types).
pub fn resolve(file: &IpsetFile) -> Result<SetsView, ReadError> {
    let err = |line: usize, m: String| ReadError {
        file: file.path.clone(),
        line,
        message: m,
    };
    let mut sets: BTreeMap<String, Held> = BTreeMap::new();
    for (i, l) in file.lines.iter().enumerate() {
        let n = i + 1;
        match l {
            SetLine::Blank | SetLine::Comment(_) => {}
            SetLine::Create {
                name,
                kind,
                family,
                options,
            } => {
                if !KINDS.contains(&kind.as_str()) {
                    return Err(err(
                        n,
                        format!("set type `{kind}` is not supported (hash:net, hash:ip)"),
                    ));
                }
                match sets.get(name) {
                    Some(h) if options.iter().any(|o| o == "-exist" || o == "-!") => {
                        if h.kind != *kind || h.family != *family {
                            return Err(err(
                                n,
                                format!("set `{name}` exists with another type or family"),
                            ));
                        }
                    }
                    Some(_) => return Err(err(n, format!("set `{name}` is created twice"))),
                    None => {
                        sets.insert(
                            name.clone(),
                            Held {
                                kind: kind.clone(),
                                family: *family,
                                nets: Vec::new(),
                            },
                        );
                    }
                }
            }
            SetLine::Add { name, net } => {
                let h = sets
                    .get_mut(name)
                    .ok_or_else(|| err(n, format!("set `{name}` does not exist")))?;
                if h.family != net.family {
                    return Err(err(
                        n,
                        format!("an address of the other family in set `{name}`"),
                    ));
                }
                h.nets.push((net.lo, net.hi));
            }
            SetLine::Flush(None) => sets.values_mut().for_each(|h| h.nets.clear()),
            SetLine::Flush(Some(name)) => sets
                .get_mut(name)
                .ok_or_else(|| err(n, format!("set `{name}` does not exist")))?
                .nets
                .clear(),
            SetLine::Destroy(None) => sets.clear(),
            SetLine::Destroy(Some(name)) => {
                sets.remove(name)
                    .ok_or_else(|| err(n, format!("set `{name}` does not exist")))?;
            }
            SetLine::Swap(a, b) => {
                let (Some(x), Some(y)) = (sets.remove(a), sets.remove(b)) else {
                    return Err(err(n, format!("`swap {a} {b}`: a set does not exist")));
                };
                if x.kind != y.kind || x.family != y.family {
                    return Err(err(
                        n,
                        format!("`swap {a} {b}`: sets of another type or family"),
                    ));
                }
                sets.insert(a.clone(), y);
                sets.insert(b.clone(), x);
            }
        }
    }
    Ok(SetsView(std::sync::Arc::new(
        sets.into_iter()
            .map(|(name, h)| (name, (h.family, merge(h.nets))))
            .collect(),
    )))
}

/// The prefixes that make up `lo..=hi`, lowest first (an ipset holds networks, not ranges).
pub fn prefixes(fam: Family, lo: u128, hi: u128) -> Vec<(u128, u128)> {
    let bits = match fam {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    let mut out = Vec::new();
    let mut at = lo;
    loop {
        // The largest block aligned at `at` that ends at or before `hi`: `at` is a multiple of
        // 2^k, so its last address never overflows.
        let mut k = if at == 0 {
            bits
        } else {
            at.trailing_zeros().min(bits)
        };
        let last = loop {
            let last = if k >= 128 {
                u128::MAX
            } else {
                at + ((1u128 << k) - 1)
            };
            if last <= hi || k == 0 {
                break last;
            }
            k -= 1;
        };
        out.push((at, last));
        if last >= hi {
            break;
        }
        at = last + 1;
    }
    out
}

/// Sorted, disjoint intervals (a hash:net set matches any of its networks).
fn merge(mut ivs: Vec<(u128, u128)>) -> Vec<(u128, u128)> {
    ivs.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(ivs.len());
    for (lo, hi) in ivs {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_output_and_swaps_resolve_as_ipset_restore_does() {
        let text = "create fl_a_v4 hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x1f\n\
                    add fl_a_v4 10.0.0.0/24\n\
                    create fl_a_v4_new hash:net family inet -exist\n\
                    add fl_a_v4_new 10.1.0.5\n\
                    add fl_a_v4_new 10.1.1.0/24\n\
                    swap fl_a_v4_new fl_a_v4\n\
                    destroy fl_a_v4_new\n";
        let f = parse("fw/ipset.rules", text).unwrap();
        assert_eq!(f.to_string(), text);
        let v = resolve(&f).unwrap();
        assert_eq!(
            v.0.get("fl_a_v4").map(|(_, ivs)| ivs.clone()),
            Some(vec![(0x0a01_0005, 0x0a01_0005), (0x0a01_0100, 0x0a01_01ff)])
        );
        assert!(!v.0.contains_key("fl_a_v4_new"));
    }

    #[test]
    fn ranges_are_cut_into_prefixes() {
        assert_eq!(prefixes(Family::V4, 5, 5), vec![(5, 5)]);
        assert_eq!(prefixes(Family::V4, 0, 255), vec![(0, 255)]);
        assert_eq!(prefixes(Family::V4, 21, 22), vec![(21, 21), (22, 22)]);
        assert_eq!(
            prefixes(Family::V4, 1, 8),
            vec![(1, 1), (2, 3), (4, 7), (8, 8)]
        );
        assert_eq!(
            prefixes(Family::V4, 0, u32::MAX as u128),
            vec![(0, u32::MAX as u128)]
        );
        assert_eq!(prefixes(Family::V6, 0, u128::MAX), vec![(0, u128::MAX)]);
        assert_eq!(prefixes(Family::V6, 2, u128::MAX).len(), 127);
    }

    #[test]
    fn what_ipset_restore_refuses_is_refused() {
        for (text, why) in [
            ("add x 10.0.0.0/24\n", "does not exist"),
            (
                "create x hash:net family inet\ncreate x hash:net family inet\n",
                "twice",
            ),
            (
                "create x hash:net family inet6\nadd x 10.0.0.0/24\n",
                "other family",
            ),
            ("create x list:set\n", "not supported"),
            (
                "create x hash:net family inet\nadd x 10.0.0.0/24 nomatch\n",
                "not supported",
            ),
            (
                "create x hash:net family inet\ncreate y hash:net family inet6\nswap x y\n",
                "another type",
            ),
        ] {
            let e = parse("f", text).and_then(|f| resolve(&f)).err();
            assert!(
                e.as_ref().is_some_and(|e| e.message.contains(why)),
                "{text:?}: {e:?}"
            );
        }
    }
}
