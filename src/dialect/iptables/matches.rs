//! The match options of an iptables rule: which options take a value, and one option with its
//! value typed as a [`Match`]. The reader ([`super::parse`]) keeps an option it cannot type as
//! [`Match::Other`]; the semantics ([`super::semantics`]) refuses such a match, where FORWARD
//! reaches it, with the message the reader gave ([`other_error`]).

use super::ast::*;
use crate::dialect::config::{parse_addr_or_range, parse_prefix};
use crate::dialect::conntrack;
use crate::packet::Family;

/// Options that take one value.
pub(super) fn takes_value(o: &str) -> bool {
    matches!(
        o,
        "-i" | "--in-interface"
            | "-o"
            | "--out-interface"
            | "-s"
            | "--source"
            | "-d"
            | "--destination"
            | "--src-range"
            | "--dst-range"
            | "-p"
            | "--protocol"
            | "-m"
            | "--match"
            | "--dport"
            | "--destination-port"
            | "--dports"
            | "--destination-ports"
            | "--sport"
            | "--source-port"
            | "--sports"
            | "--source-ports"
            | "--icmp-type"
            | "--icmpv6-type"
            | "--ctstate"
            | "--state"
            | "--ctdir"
            | "--comment"
            | "--limit"
            | "--limit-burst"
            | "--hl-eq"
            | "-j"
            | "--jump"
            | "-g"
            | "--goto"
    )
}

/// Why a typed match could not be built: an address of the other family fails the file (it is
/// the other family's file); anything else is kept as [`Match::Other`] and refused only where
/// FORWARD reaches it.
pub(super) enum Unread {
    Family(String),
    Later(String),
}

fn dir(src: bool) -> Dir {
    if src {
        Dir::Src
    } else {
        Dir::Dst
    }
}

/// One option with its value, typed.
pub(super) fn typed(neg: bool, o: &str, v: &str, family: Family) -> Result<Match, Unread> {
    let no_neg = |what: &str| -> Result<(), Unread> {
        if neg {
            return Err(Unread::Later(format!(
                "`!` before `{what}` is not supported"
            )));
        }
        Ok(())
    };
    Ok(match o {
        "-i" | "--in-interface" | "-o" | "--out-interface" => Match::Iface {
            dir: dir(o == "-i" || o == "--in-interface"),
            neg,
            name: v.to_string(),
        },
        "-s" | "--source" | "-d" | "--destination" => {
            let mut nets = Vec::new();
            for part in v.split(',') {
                let (f, lo, hi) = parse_prefix(part)
                    .ok_or_else(|| Unread::Later(format!("cannot read address `{part}`")))?;
                if f != family {
                    return Err(Unread::Family(format!(
                        "address `{part}` is not of this file's family"
                    )));
                }
                nets.push(Net { family, lo, hi });
            }
            Match::Addr {
                dir: dir(o == "-s" || o == "--source"),
                neg,
                nets,
            }
        }
        "--src-range" | "--dst-range" => {
            let (f, lo, hi) = parse_addr_or_range(v)
                .ok_or_else(|| Unread::Later(format!("cannot read range `{v}`")))?;
            if f != family {
                return Err(Unread::Family(format!(
                    "range `{v}` is not of this file's family"
                )));
            }
            Match::Range {
                dir: dir(o == "--src-range"),
                neg,
                net: Net { family, lo, hi },
            }
        }
        "-p" | "--protocol" => Match::Proto {
            neg,
            name: v.to_string().into(),
        },
        "-m" | "--match" => {
            no_neg(o)?;
            Match::Module(v.to_string().into())
        }
        "--dport"
        | "--destination-port"
        | "--dports"
        | "--destination-ports"
        | "--sport"
        | "--source-port"
        | "--sports"
        | "--source-ports" => {
            if neg {
                return Err(Unread::Later(
                    "negated port matches are not supported".into(),
                ));
            }
            Match::Ports {
                dir: dir(o.starts_with("--s")),
                multi: o.ends_with('s'),
                ranges: ports(v).map_err(Unread::Later)?,
            }
        }
        "--icmp-type" | "--icmpv6-type" => {
            if neg {
                return Err(Unread::Later("negated ICMP types are not supported".into()));
            }
            Match::Icmp {
                v6: o == "--icmpv6-type",
                name: v.to_string(),
            }
        }
        "--ctstate" | "--state" => {
            let mut states = Vec::new();
            for name in v.split(',') {
                states.push(conntrack::State::parse(name).ok_or_else(|| {
                    Unread::Later(format!("connection state `{name}` is not supported"))
                })?);
            }
            Match::State {
                ct: o == "--ctstate",
                neg,
                states,
            }
        }
        "--ctdir" => match v {
            "ORIGINAL" => Match::CtDir { neg, reply: false },
            "REPLY" => Match::CtDir { neg, reply: true },
            _ => {
                return Err(Unread::Later(format!(
                    "connection direction `{v}` is not supported"
                )))
            }
        },
        "--comment" => {
            no_neg(o)?;
            Match::Comment(Text::new(v).map_err(Unread::Later)?)
        }
        "--limit" => {
            no_neg(o)?;
            Match::Limit(v.to_string())
        }
        "--limit-burst" => {
            no_neg(o)?;
            Match::LimitBurst(v.to_string())
        }
        "--hl-eq" => {
            no_neg(o)?;
            Match::HlEq(
                v.parse()
                    .map_err(|_| Unread::Later(format!("option `{o}` is not supported")))?,
            )
        }
        _ if o == "!" => return Err(Unread::Later("a `!` that negates nothing".into())),
        // `! -j`: iptables refuses it.
        "-j" | "--jump" | "-g" | "--goto" => {
            return Err(Unread::Later(format!("`!` before `{o}` is not supported")))
        }
        _ => return Err(Unread::Later(format!("option `{o}` is not supported"))),
    })
}

/// `80`, `1000:2000`, `:1023`, `1024:`, and lists of those (multiport).
fn ports(s: &str) -> Result<Vec<(u16, u16)>, String> {
    let mut out = Vec::new();
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
            (Some(a), Some(b)) if a <= b => out.push((a, b)),
            _ => return Err(format!("cannot read port `{part}`")),
        }
    }
    Ok(out)
}

/// Why the reader cannot use a [`Match::Other`]: the message it gave when it read it.
pub(super) fn other_error(neg: bool, option: &str, values: &[String], family: Family) -> String {
    match values.first() {
        None if option == "!" => "a `!` that negates nothing".into(),
        None if takes_value(option) => "an option lacks its value".into(),
        _ if !takes_value(option) => format!("option `{option}` is not supported"),
        Some(v) => match typed(neg, option, v, family) {
            Err(Unread::Family(m) | Unread::Later(m)) => m,
            Ok(_) => format!("option `{option}` is not supported"),
        },
        None => format!("option `{option}` is not supported"),
    }
}
