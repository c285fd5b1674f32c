//! The CSV reader of `init --inventory`: RFC 4180 (quoted fields, doubled quotes, line breaks
//! inside quotes), comma, semicolon or tab separated (the separator of the header line), the
//! columns found by the names common OT asset-inventory exports give them or named with
//! `--column FIELD=HEADER`.
//!
//! Written by hand rather than with a CSV crate: each record must keep the line it starts on for
//! the errors, and the format needed is small.

use super::{level_of, Host, InventoryError};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The fields a skeleton reads, and the column names that mean each (compared in lower case,
/// without spaces, `_`, `-` and `.`): those of Claroty, Nozomi Guardian, Dragos, Tenable OT and
/// Armis exports and of generic asset lists.
pub const FIELDS: &[(&str, &[&str])] = &[
    (
        "address",
        &[
            "address",
            "addresses",
            "ip",
            "ips",
            "ipaddress",
            "ipaddresses",
            "ipv4",
            "ipv4address",
            "ipv6",
            "ipv6address",
            "networkaddress",
        ],
    ),
    (
        "name",
        &[
            "name",
            "assetname",
            "devicename",
            "hostname",
            "host",
            "label",
            "displayname",
        ],
    ),
    (
        "zone",
        &["zone", "zones", "networkzone", "segment", "networksegment"],
    ),
    ("level", &["level", "purdue", "purduelevel", "purduelayer"]),
    (
        "kind",
        &[
            "kind",
            "type",
            "assettype",
            "devicetype",
            "role",
            "category",
            "class",
        ],
    ),
    ("vendor", &["vendor", "manufacturer", "make"]),
    ("model", &["model", "productname", "product", "modelname"]),
    (
        "description",
        &["description", "notes", "comment", "comments"],
    ),
];

fn norm(h: &str) -> String {
    h.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Splits the text into records, each with the line it starts on.
fn records(file: &str, text: &str, sep: char) -> Result<Vec<(usize, Vec<String>)>, InventoryError> {
    let mut out = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let (mut line, mut start) = (1usize, 1usize);
    let mut quoted = false;
    let mut quote_line = 0;
    let mut chars = text.chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(' ');
                }
                '\r' => {}
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                quote_line = line;
                at_field_start = false;
            }
            c if c == sep => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                if !(fields.len() == 1 && fields[0].trim().is_empty()) {
                    out.push((start, std::mem::take(&mut fields)));
                }
                fields.clear();
                line += 1;
                start = line;
                at_field_start = true;
            }
            c => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err(InventoryError {
            file: file.to_string(),
            line: quote_line,
            message: "a quoted field is not closed".into(),
            policy: false,
        });
    }
    fields.push(field);
    if !(fields.len() == 1 && fields[0].trim().is_empty()) {
        out.push((start, fields));
    }
    Ok(out)
}

/// Reads the hosts of a CSV inventory. `columns` maps a field of [`FIELDS`] to the header that
/// holds it, over the names the field is found by.
pub fn read(
    file: &str,
    text: &str,
    columns: &BTreeMap<String, String>,
) -> Result<Vec<Host>, InventoryError> {
    let err = |line: usize, message: String| InventoryError {
        file: file.to_string(),
        line,
        message,
        policy: false,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    // The header's separator: the most frequent of comma, semicolon (a spreadsheet in a locale
    // with decimal commas) and tab; a comma on a tie.
    let n = |c: char| first.matches(c).count();
    let sep = if n(';') > n(',') && n(';') >= n('\t') {
        ';'
    } else if n('\t') > n(',') {
        '\t'
    } else {
        ','
    };
    let recs = records(file, text, sep)?;
    let Some(((hline, header), rows)) = recs.split_first() else {
        return Err(err(0, "the inventory is empty: no header line".into()));
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    for f in columns.keys() {
        if !FIELDS.iter().any(|(n, _)| n == f) {
            let known: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
            return Err(err(
                0,
                format!(
                    "`--column {f}=...` names no field: the fields are {}",
                    known.join(", ")
                ),
            ));
        }
    }
    let mut at: BTreeMap<&str, usize> = BTreeMap::new();
    for (field, aliases) in FIELDS {
        if let Some(h) = columns.get(*field) {
            match header.iter().position(|x| x == h || norm(x) == norm(h)) {
                Some(i) => {
                    at.insert(field, i);
                }
                None => {
                    return Err(err(
                        *hline,
                        format!("column `{h}` (given for `{field}`) is not in the header"),
                    ))
                }
            }
        } else if let Some(i) = header
            .iter()
            .position(|x| aliases.contains(&norm(x).as_str()))
        {
            at.insert(field, i);
        }
    }
    if !at.contains_key("address") {
        return Err(err(*hline, "the header names no address column".into()));
    }
    let mut hosts = Vec::new();
    for (line, row) in rows {
        if row.len() != header.len() {
            return Err(err(
                *line,
                format!(
                    "the row has {} fields, the header {}",
                    row.len(),
                    header.len()
                ),
            ));
        }
        let get = |f: &str| {
            at.get(f)
                .and_then(|i| row.get(*i))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut addrs = Vec::new();
        for a in get("address")
            .unwrap_or_default()
            .split([',', ';', ' ', '|'])
            .filter(|a| !a.is_empty())
        {
            match a.parse::<IpAddr>() {
                Ok(ip) if !addrs.contains(&ip) => addrs.push(ip),
                Ok(_) => {}
                Err(_) => return Err(err(*line, format!("`{a}` is not an IP address"))),
            }
        }
        let level = match get("level") {
            None => None,
            Some(l) => Some(level_of(&l).ok_or_else(|| {
                err(
                    *line,
                    format!("`{l}` is not a Purdue level (0, 1, 2, 3, 3.5, 4 or 5)"),
                )
            })?),
        };
        hosts.push(Host {
            line: *line,
            addrs,
            name: get("name"),
            zone: get("zone"),
            level,
            role: get("kind"),
            vendor: get("vendor"),
            model: get("model"),
            description: get("description"),
        });
    }
    Ok(hosts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_separators_and_lines() {
        let t = "IP;Name;Notes\n10.0.0.1;a;\"x; \"\"y\"\"\nz\"\n\n10.0.0.2;b;\n";
        let h = read("f", t, &BTreeMap::new()).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].description.as_deref(), Some("x; \"y\" z"));
        assert_eq!(h[1].line, 5);
        let e = read("f", "IP,Name\n10.0.0.1,\"a\n", &BTreeMap::new()).unwrap_err();
        assert_eq!(e.line, 2);
    }
}
