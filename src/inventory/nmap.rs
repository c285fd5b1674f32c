//! The nmap XML reader of `init --inventory` (`nmap -oX`, the `nmaprun` document of nmap's DTD):
//! each `<host>` whose `<status state="up">`, with its `ipv4` and `ipv6` `<address>`es, the
//! vendor nmap gives its `mac` address, its first `<hostname>` (the part before the first dot)
//! and its best `<osmatch>` (name and `<osclass type>`, the device type).

use super::{Host, InventoryError};
use quick_xml::events::{BytesStart, Event};
use std::net::IpAddr;

/// The attribute `key` of an element, unescaped.
fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// The host being read: the best OS match so far by accuracy.
#[derive(Default)]
struct Reading {
    host: Host,
    up: bool,
    os: Option<(u32, String)>,
    os_type: Option<String>,
    in_best_os: bool,
}

/// Reads the hosts that are up.
pub fn read(file: &str, text: &str) -> Result<Vec<Host>, InventoryError> {
    let line_at = |pos: u64| {
        let end = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
        text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    };
    let err = |pos: u64, message: String| InventoryError {
        file: file.to_string(),
        line: line_at(pos),
        message,
        policy: false,
    };
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut hosts = Vec::new();
    let mut cur: Option<Reading> = None;
    let mut open: Vec<String> = Vec::new();
    let mut root_seen = false;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| err(reader.error_position(), format!("malformed XML: {e}")))?;
        // The line of the element's `>` (its last line).
        let pos = reader.buffer_position().saturating_sub(1);
        let (e, empty) = match &ev {
            Event::Eof => break,
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                open.pop();
                if name == "host" {
                    if let Some(r) = cur.take() {
                        if r.up && !r.host.addrs.is_empty() {
                            let mut h = r.host;
                            h.description = r.os.map(|(_, n)| n);
                            h.role = r.os_type;
                            hosts.push(h);
                        }
                    }
                } else if name == "osmatch" {
                    if let Some(r) = cur.as_mut() {
                        r.in_best_os = false;
                    }
                }
                continue;
            }
            _ => continue,
        };
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        if !root_seen {
            root_seen = true;
            if name != "nmaprun" {
                return Err(err(
                    pos,
                    format!("not nmap XML (`nmap -oX`): the root element is `<{name}>`, not `<nmaprun>`"),
                ));
            }
        }
        if !empty {
            open.push(name.clone());
        }
        match name.as_str() {
            "host" => {
                cur = Some(Reading {
                    host: Host {
                        line: line_at(pos),
                        ..Host::default()
                    },
                    ..Reading::default()
                });
                if empty {
                    cur = None;
                }
            }
            "status" => {
                if let Some(r) = cur.as_mut() {
                    r.up = attr(e, "state").as_deref() == Some("up");
                }
            }
            "address" => {
                let Some(r) = cur.as_mut() else { continue };
                let kind = attr(e, "addrtype").unwrap_or_default();
                let addr = attr(e, "addr").unwrap_or_default();
                match kind.as_str() {
                    "ipv4" | "ipv6" => match addr.parse::<IpAddr>() {
                        Ok(a) if !r.host.addrs.contains(&a) => r.host.addrs.push(a),
                        Ok(_) => {}
                        Err(_) => {
                            return Err(err(pos, format!("`{addr}` is not an {kind} address")))
                        }
                    },
                    "mac" => r.host.vendor = attr(e, "vendor").or(r.host.vendor.take()),
                    _ => {}
                }
            }
            "hostname" => {
                let Some(r) = cur.as_mut() else { continue };
                if r.host.name.is_none() {
                    r.host.name = attr(e, "name")
                        .and_then(|n| n.split('.').next().map(str::to_string))
                        .filter(|n| !n.is_empty());
                }
            }
            "osmatch" => {
                let Some(r) = cur.as_mut() else { continue };
                let acc: u32 = attr(e, "accuracy")
                    .and_then(|a| a.parse().ok())
                    .unwrap_or(0);
                if r.os.as_ref().is_none_or(|(best, _)| acc > *best) {
                    r.os = attr(e, "name").map(|n| (acc, n));
                    r.os_type = None;
                    r.in_best_os = !empty;
                }
            }
            "osclass" => {
                let Some(r) = cur.as_mut() else { continue };
                if r.in_best_os && r.os_type.is_none() {
                    r.os_type = attr(e, "type");
                }
            }
            _ => {}
        }
    }
    if !root_seen {
        return Err(err(0, "not nmap XML (`nmap -oX`): no element".into()));
    }
    if let Some(el) = open.last() {
        return Err(err(
            u64::try_from(text.len()).unwrap_or(u64::MAX),
            format!("the XML ends inside `<{el}>`"),
        ));
    }
    Ok(hosts)
}
