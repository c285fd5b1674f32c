//! Zeek `conn.log`, in both forms Zeek writes: TSV with its `#separator` and `#fields` header
//! lines, and JSON lines (`LogAscii::use_json`). The originator (`id.orig_h`) opened the
//! connection; for ICMP, Zeek puts the type in `id.orig_p`.

use super::{Conn, LogError};
use std::io::BufRead;
use std::net::IpAddr;

/// The fields a connection needs, by position in the `#fields` header.
struct Columns {
    ts: usize,
    orig_h: usize,
    orig_p: usize,
    resp_h: usize,
    resp_p: usize,
    proto: usize,
}

fn proto_number(p: &str) -> Option<u8> {
    match p {
        "tcp" => Some(6),
        "udp" => Some(17),
        "icmp" => Some(1),
        "icmp6" | "ipv6-icmp" => Some(58),
        _ => p.parse().ok(),
    }
}

/// A connection from its fields; `proto` as Zeek names it. ICMP of IPv6 is `icmp` in Zeek
/// (the family decides).
fn conn(ts: &str, oh: &str, op: &str, rh: &str, rp: &str, proto: &str) -> Result<Conn, String> {
    let ts: f64 = ts
        .parse()
        .map_err(|_| format!("`{ts}` is not a timestamp"))?;
    let src: IpAddr = oh
        .parse()
        .map_err(|_| format!("`{oh}` is not an address"))?;
    let dst: IpAddr = rh
        .parse()
        .map_err(|_| format!("`{rh}` is not an address"))?;
    let mut proto = proto_number(proto).ok_or_else(|| format!("unknown protocol `{proto}`"))?;
    if proto == 1 && src.is_ipv6() {
        proto = 58;
    }
    let num = |s: &str| -> Result<u16, String> {
        if s == "-" {
            return Ok(0);
        }
        s.parse().map_err(|_| format!("`{s}` is not a port"))
    };
    let port = match proto {
        6 | 17 => num(rp)?,
        // Zeek: the ICMP type is the originator's "port".
        1 | 58 => num(op)?,
        _ => 0,
    };
    Ok(Conn {
        ts,
        src,
        dst,
        proto,
        port,
    })
}

pub fn read(name: &str, r: impl BufRead, each: &mut dyn FnMut(Conn)) -> Result<(), LogError> {
    let err = |line: usize, message: String| LogError {
        file: name.to_string(),
        at: format!("line {line}"),
        message,
    };
    let mut sep = '\t';
    let mut cols: Option<Columns> = None;
    let mut json: Option<bool> = None;
    for (i, line) in r.lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| err(n, format!("cannot read: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        if json.is_none() {
            json = Some(line.trim_start().starts_with('{'));
        }
        if json == Some(true) {
            let v: serde_json::Value = serde_json::from_str(&line)
                .map_err(|e| err(n, format!("not a JSON object: {e}")))?;
            let field = |k: &str| -> Result<String, LogError> {
                match v.get(k) {
                    Some(serde_json::Value::String(s)) => Ok(s.clone()),
                    Some(serde_json::Value::Number(x)) => Ok(x.to_string()),
                    _ => Err(err(n, format!("no `{k}` field"))),
                }
            };
            let c = conn(
                &field("ts")?,
                &field("id.orig_h")?,
                &field("id.orig_p")?,
                &field("id.resp_h")?,
                &field("id.resp_p")?,
                &field("proto")?,
            )
            .map_err(|m| err(n, m))?;
            each(c);
            continue;
        }
        if let Some(rest) = line.strip_prefix('#') {
            if let Some(s) = rest.strip_prefix("separator ") {
                sep = match s.trim() {
                    "\\x09" => '\t',
                    "\\x20" | " " => ' ',
                    "," => ',',
                    other => other.chars().next().unwrap_or('\t'),
                };
            } else if let Some(f) = rest.strip_prefix("fields") {
                let names: Vec<&str> = f.split(sep).filter(|s| !s.is_empty()).collect();
                let at = |k: &str| {
                    names
                        .iter()
                        .position(|x| *x == k)
                        .ok_or_else(|| err(n, format!("`#fields` has no `{k}`: not a conn.log")))
                };
                cols = Some(Columns {
                    ts: at("ts")?,
                    orig_h: at("id.orig_h")?,
                    orig_p: at("id.orig_p")?,
                    resp_h: at("id.resp_h")?,
                    resp_p: at("id.resp_p")?,
                    proto: at("proto")?,
                });
            }
            continue;
        }
        let Some(c) = &cols else {
            return Err(err(n, "a record before the `#fields` header".into()));
        };
        let v: Vec<&str> = line.split(sep).collect();
        let get = |k: usize| {
            v.get(k)
                .copied()
                .ok_or_else(|| err(n, format!("{} fields, the header names more", v.len())))
        };
        let x = conn(
            get(c.ts)?,
            get(c.orig_h)?,
            get(c.orig_p)?,
            get(c.resp_h)?,
            get(c.resp_p)?,
            get(c.proto)?,
        )
        .map_err(|m| err(n, m))?;
        each(x);
    }
    Ok(())
}
