//! Completion from the text before the cursor, parsed or not: the lexer says which block the
//! cursor is in and what the statement holds so far; the names come from the last analysis.
//! Keywords are the grammar's (`super::grammar`), so new statements complete as they land.

use super::grammar::{statement_keywords, Block};
use super::index::{local_key, template_key, Kind};
use super::text::{lex, Lex};
use super::workspace::Analysis;
use crate::model::{services, AssetKind, Fr, Target};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub label: String,
    pub kind: ItemKind,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Keyword,
    Zone,
    Asset,
    Service,
    Device,
    Interface,
    Rule,
    Value,
}

/// Where the cursor is: the enclosing blocks (with the name each declares), the words of the
/// statement so far, and the start of the word being typed.
struct Context<'t> {
    blocks: Vec<(Block, String)>,
    words: Vec<&'t str>,
    partial_start: usize,
    partial: &'t str,
}

fn context(text: &str, offset: usize) -> Context<'_> {
    let offset = offset.min(text.len());
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let mut blocks: Vec<(Block, String)> = vec![(Block::TopLevel, String::new())];
    let mut words: Vec<&str> = Vec::new();
    let mut last_end = 0;
    let mut partial = ("", offset);
    for (kind, s, e) in lex(before) {
        let new_line = before[last_end..s].contains('\n');
        last_end = e;
        // A statement ends at a brace, or at a new line once it has begun (the grammar needs no
        // terminator, and every statement of the examples holds one line).
        if new_line && !matches!(words.last(), Some(&",") | Some(&"->")) {
            words.clear();
        }
        match kind {
            Lex::Comment | Lex::String => {
                if e == offset && kind == Lex::String && !before[s..e].ends_with('"') {
                    partial = ("\"", offset);
                }
            }
            Lex::Punct if &before[s..e] == "{" => {
                let parent = blocks.last().map_or(Block::TopLevel, |b| b.0);
                let first = words.first().copied().unwrap_or_default();
                let name = words.get(1).copied().unwrap_or_default().to_string();
                blocks.push((Block::opened_by(first, parent), name));
                words.clear();
            }
            Lex::Punct if &before[s..e] == "}" => {
                if blocks.len() > 1 {
                    blocks.pop();
                }
                words.clear();
            }
            _ => {
                if e == offset && kind == Lex::Word {
                    partial = (&before[s..e], s);
                } else {
                    words.push(&before[s..e]);
                }
            }
        }
    }
    // The cursor on a line of its own: a new statement begins.
    if before[last_end..].contains('\n') && !matches!(words.last(), Some(&",") | Some(&"->")) {
        words.clear();
    }
    if partial.0 == "\"" {
        partial = ("\"", offset);
    }
    Context {
        blocks,
        words,
        partial_start: partial.1,
        partial: partial.0,
    }
}

fn kw(label: &str) -> Item {
    Item {
        label: label.to_string(),
        kind: ItemKind::Keyword,
        detail: Some("keyword".into()),
    }
}

/// The names of `kind` that a statement can use where the cursor is: inside a template's body
/// (`template`), the body's own declarations and `name` parameters first (as the expansion
/// reads a name there), then the policy's; elsewhere the policy's.
fn names(
    a: Option<&Analysis>,
    template: Option<&str>,
    kind: Kind,
    detail: &str,
    item: ItemKind,
    out: &mut Vec<Item>,
) {
    let Some(a) = a else {
        return;
    };
    // Only in a template's body can a name come twice (the body's, a parameter, the policy's).
    let push = |out: &mut Vec<Item>, label: &str, kind: ItemKind, detail: String| {
        if template.is_none() || !out.iter().any(|i| i.label == label) {
            out.push(Item {
                label: label.to_string(),
                kind,
                detail: Some(detail),
            });
        }
    };
    if let Some(t) = template {
        for s in a.index.symbols.iter() {
            if s.template.as_deref() != Some(t) {
                continue;
            }
            if s.kind == kind {
                push(
                    out,
                    local_key(&s.key),
                    item,
                    format!("{detail} of template `{t}`"),
                );
            } else if s.kind == Kind::Param
                && matches!(kind, Kind::Zone | Kind::Device)
                && a.index.is_name_param(&s.key)
            {
                let detail = format!("parameter of template `{t}`");
                push(out, local_key(&s.key), ItemKind::Value, detail);
            }
        }
    }
    for s in a.index.names(kind) {
        push(out, &s.key, item, detail.to_string());
    }
}

fn zones(a: Option<&Analysis>, template: Option<&str>, out: &mut Vec<Item>) {
    names(a, template, Kind::Zone, "zone", ItemKind::Zone, out);
}

fn endpoints(
    a: Option<&Analysis>,
    template: Option<&str>,
    partial: &str,
    device: bool,
    out: &mut Vec<Item>,
) {
    if let Some((zone, _)) = partial.split_once('.') {
        // In a template's body, `lan.` is the body's zone `lan` when it declares one.
        let own = template.map(|t| template_key(t, zone));
        let own = own
            .as_deref()
            .filter(|k| a.is_some_and(|a| a.index.symbol(Kind::Zone, k).is_some()));
        let container = own.unwrap_or(zone);
        for s in a.into_iter().flat_map(|a| a.index.symbols.iter()) {
            if s.kind == Kind::Asset && s.container.as_deref() == Some(container) {
                out.push(Item {
                    label: local_key(&s.key).to_string(),
                    kind: ItemKind::Asset,
                    detail: Some(format!("asset of `{zone}`")),
                });
            }
        }
        return;
    }
    zones(a, template, out);
    names(a, template, Kind::Asset, "asset", ItemKind::Asset, out);
    if device {
        out.push(kw("self"));
    }
}

fn service_items(a: Option<&Analysis>, template: Option<&str>, out: &mut Vec<Item>) {
    if let (Some(a), Some(t)) = (a, template) {
        for s in a.index.symbols.iter() {
            if s.template.as_deref() == Some(t)
                && s.kind == Kind::Param
                && a.index.is_name_param(&s.key)
            {
                out.push(Item {
                    label: local_key(&s.key).to_string(),
                    kind: ItemKind::Value,
                    detail: Some(format!("parameter of template `{t}`")),
                });
            }
        }
    }
    let declared: Vec<(String, Option<String>)> = a
        .into_iter()
        .flat_map(|a| a.index.names(Kind::Service))
        .map(|s| {
            let items = a
                .and_then(|a| a.model.as_ref())
                .and_then(|m| m.services.iter().find(|x| x.name == s.key))
                .map(|x| {
                    x.items
                        .iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                });
            (s.key.clone(), items)
        })
        .collect();
    for (name, items) in declared {
        out.push(Item {
            label: name,
            kind: ItemKind::Service,
            detail: items,
        });
    }
    for b in services::CATALOGUE {
        if out.iter().any(|i| i.label == b.name) {
            continue;
        }
        out.push(Item {
            label: b.name.to_string(),
            kind: ItemKind::Service,
            detail: Some(format!("{}: {}", b.items, b.description)),
        });
    }
}

/// Devices and cluster nodes (a node stands for its cluster after `via`, and for its own
/// addresses at an expectation's end).
fn devices(a: Option<&Analysis>, template: Option<&str>, out: &mut Vec<Item>) {
    names(a, template, Kind::Device, "device", ItemKind::Device, out);
    names(
        a,
        template,
        Kind::Node,
        "cluster node",
        ItemKind::Device,
        out,
    );
}

fn values(list: impl IntoIterator<Item = String>, detail: &str, out: &mut Vec<Item>) {
    for v in list {
        out.push(Item {
            label: v,
            kind: ItemKind::Value,
            detail: Some(detail.to_string()),
        });
    }
}

/// The completions at `offset` of `text`, and the byte offset where the word they replace
/// starts.
pub fn complete(a: Option<&Analysis>, text: &str, offset: usize) -> (Vec<Item>, usize) {
    let cx = context(text, offset);
    let mut out = Vec::new();
    if cx.partial == "\"" {
        return (out, offset);
    }
    let (block, name) = cx
        .blocks
        .last()
        .cloned()
        .unwrap_or((Block::TopLevel, String::new()));
    let in_device = cx.blocks.iter().any(|b| b.0 == Block::Device);
    let template = cx
        .blocks
        .iter()
        .find(|b| b.0 == Block::Template)
        .map(|b| b.1.as_str());
    let first = cx.words.first().copied();
    let prev = cx.words.last().copied();
    match (first, prev) {
        (None, _) => {
            for k in statement_keywords(block) {
                out.push(kw(&k));
            }
            match block {
                Block::Service => values(
                    services::FLAG_NAMES.iter().map(|s| s.to_string()),
                    "service attribute",
                    &mut out,
                ),
                Block::SlVector => values(
                    Fr::ALL.iter().map(|f| f.name().to_string()),
                    "foundational requirement",
                    &mut out,
                ),
                // A site's block binds the parameters of its template.
                Block::Site => {
                    let key = match template {
                        Some(t) => template_key(t, &name),
                        None => name.clone(),
                    };
                    if let Some(t) = a.and_then(|a| a.index.site_template(&key)) {
                        for s in a.into_iter().flat_map(|a| a.index.symbols.iter()) {
                            if s.kind == Kind::Param && s.template.as_deref() == Some(t) {
                                out.push(Item {
                                    label: local_key(&s.key).to_string(),
                                    kind: ItemKind::Value,
                                    detail: Some(format!("parameter of template `{t}`")),
                                });
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        (Some("site"), _) if cx.words.len() == 2 => {
            for s in a.into_iter().flat_map(|a| a.index.names(Kind::Template)) {
                out.push(Item {
                    label: s.key.clone(),
                    kind: ItemKind::Value,
                    detail: Some("template".into()),
                });
            }
        }
        (_, Some("exception")) => {
            for r in crate::lint::rules::ALL {
                out.push(Item {
                    label: r.id.to_string(),
                    kind: ItemKind::Rule,
                    detail: Some(format!("{}: {}", r.name, r.summary())),
                });
            }
        }
        (Some("allow") | Some("expect"), _) => {
            let arrow = cx.words.iter().position(|w| *w == "->");
            let via = cx.words.iter().position(|w| *w == "via");
            match (arrow, via) {
                _ if first == Some("expect") && cx.words.len() == 1 => {
                    out.push(kw("allow"));
                    out.push(kw("deny"));
                }
                (None, _) if cx.words.len() <= 2 => {
                    endpoints(a, template, cx.partial, in_device, &mut out);
                    if first == Some("expect") && !cx.partial.contains('.') {
                        devices(a, template, &mut out);
                    }
                }
                (None, _) => out.push(Item {
                    label: "->".into(),
                    kind: ItemKind::Keyword,
                    detail: None,
                }),
                (Some(i), None) if i + 1 == cx.words.len() => {
                    endpoints(a, template, cx.partial, in_device, &mut out);
                    if first == Some("expect") && !cx.partial.contains('.') {
                        devices(a, template, &mut out);
                    }
                }
                (Some(_), None) => {
                    service_items(a, template, &mut out);
                    if first == Some("allow") && prev == Some(",") || cx.words.len() > 4 {
                        out.push(kw("via"));
                    }
                }
                (Some(_), Some(_)) => devices(a, template, &mut out),
            }
        }
        (Some("connects"), _) => zones(a, template, &mut out),
        (Some("unused-ports"), _) => values(["shutdown".to_string()], "action", &mut out),
        (Some("interface"), _) if cx.words.len() == 2 => zones(a, template, &mut out),
        (Some("interface"), _) if cx.words.len() >= 3 => {
            out.push(kw("address"));
            out.push(kw("nodes"));
        }
        (Some("port") | Some("ports"), Some("access") | Some("trunk") | Some(",")) => {
            zones(a, template, &mut out)
        }
        (Some("port") | Some("ports"), _) if cx.words.len() == 2 => {
            out.push(kw("access"));
            out.push(kw("trunk"));
        }
        (Some("sync"), _) | (Some("interface"), _) => {
            let device = cx
                .blocks
                .iter()
                .rev()
                .find(|b| b.0 == Block::Device)
                .map(|b| b.1.clone())
                .unwrap_or(name);
            for s in a.into_iter().flat_map(|a| a.index.names(Kind::Interface)) {
                if s.container.as_deref() == Some(device.as_str()) {
                    out.push(Item {
                        label: super::features::short_name(s).to_string(),
                        kind: ItemKind::Interface,
                        detail: Some(format!("interface of `{device}`")),
                    });
                }
            }
        }
        (Some("via"), _) => devices(a, template, &mut out),
        (Some("target"), _) => values(
            Target::ALL.iter().map(|t| t.name().to_string()),
            "target",
            &mut out,
        ),
        (Some("kind"), _) => values(
            AssetKind::ALL.iter().map(|k| k.name().to_string()),
            "asset kind",
            &mut out,
        ),
        (Some("sl-target"), _) if block == Block::SlVector => values(
            Fr::ALL.iter().map(|f| f.name().to_string()),
            "foundational requirement",
            &mut out,
        ),
        _ => {}
    }
    (out, cx.partial_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        complete(None, text, text.len())
            .0
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn keywords_in_context() {
        assert!(labels("zone a {\n  ").contains(&"asset".to_string()));
        assert!(!labels("zone a {\n  ").contains(&"zone".to_string()));
        assert!(labels("zone a {\n  le").contains(&"level".to_string()));
        assert!(labels("zone a {\n}\n").contains(&"conduit".to_string()));
        assert!(labels("conduit c {\n  allow a -> b https {\n    ").contains(&"log".to_string()));
        assert!(labels("zone a {\n  exception ").contains(&"FR5-003".to_string()));
        assert!(labels("conduit c {\n  allow a -> b ").contains(&"modbus".to_string()));
        assert!(labels("zone a {\n  asset x 10.0.0.1 { kind ").contains(&"plc".to_string()));
        assert!(labels("zone a { description \"x ").is_empty());
    }

    #[test]
    fn unused_ports_takes_its_action_not_a_zone() {
        assert_eq!(labels("switch s {\n  unused-ports "), ["shutdown"]);
    }
}
