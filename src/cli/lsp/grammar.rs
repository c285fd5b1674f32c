//! The keywords of the language and where each may stand, read from the pest grammar itself
//! (`grammar/fenceline.pest`), so that a keyword or a statement added to the grammar completes
//! and hovers in the editor without a table of its own here.
//!
//! A keyword is a rule `kw_NAME = @{ "word" ~ ... }`; a block's statements are the alternatives
//! of its `*_stmt` rule (`zone_stmt = _{ asset | description | ... }`); a statement's keyword is
//! the first `kw_` its rule starts with (through one named rule such as `device_kind`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

const GRAMMAR: &str = include_str!("../../../grammar/fenceline.pest");

/// One rule of the grammar: its body and the comment lines written above it.
#[derive(Debug, Clone, Default)]
pub struct GrammarRule {
    pub body: String,
    pub comment: String,
}

/// The grammar's rules by name.
pub fn rules() -> &'static BTreeMap<String, GrammarRule> {
    static RULES: OnceLock<BTreeMap<String, GrammarRule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut out = BTreeMap::new();
        let mut comment = String::new();
        for line in GRAMMAR.lines() {
            let t = line.trim();
            if let Some(c) = t.strip_prefix("//") {
                if !c.trim_start().starts_with("---") {
                    comment.push_str(c.trim());
                    comment.push('\n');
                }
                continue;
            }
            let Some((name, rest)) = t.split_once('=') else {
                comment.clear();
                continue;
            };
            let name = name.trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                comment.clear();
                continue;
            }
            let body = rest.trim().trim_start_matches(['_', '@', '$', '!']).trim();
            let body = body
                .strip_prefix('{')
                .and_then(|b| b.strip_suffix('}'))
                .unwrap_or(body)
                .trim();
            out.insert(
                name.to_string(),
                GrammarRule {
                    body: body.to_string(),
                    comment: std::mem::take(&mut comment).trim_end().to_string(),
                },
            );
        }
        out
    })
}

/// Every keyword rule: `kw_zone` -> `zone`.
pub fn keywords() -> &'static BTreeMap<String, String> {
    static KW: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    KW.get_or_init(|| {
        rules()
            .iter()
            .filter(|(n, _)| n.starts_with("kw_"))
            .filter_map(|(n, r)| {
                let start = r.body.find('"')? + 1;
                let len = r.body[start..].find('"')?;
                Some((n.clone(), r.body[start..start + len].to_string()))
            })
            .collect()
    })
}

/// Whether `word` is a keyword of the language.
pub fn is_keyword(word: &str) -> bool {
    keywords().values().any(|k| k == word)
}

/// The names a rule body refers to, in order (`kw_zone ~ ident ~ lbrace` -> those three).
fn names_in(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_string = false;
    let mut start = None;
    for (i, c) in body.char_indices() {
        if c == '"' {
            in_string = !in_string;
        }
        let word = !in_string && (c.is_ascii_alphanumeric() || c == '_');
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&body[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&body[s..]);
    }
    out
}

/// The keywords a statement rule starts with: its first `kw_`, or every `kw_` of the rule it
/// starts with (`device` starts with `device_kind`: `firewall`, `router`, `switch`).
fn leading_keywords(rule: &str, depth: usize) -> Vec<String> {
    let (Some(r), true) = (rules().get(rule), depth < 4) else {
        return Vec::new();
    };
    let names = names_in(&r.body);
    let Some(first) = names.first() else {
        return Vec::new();
    };
    if let Some(k) = keywords().get(*first) {
        // `port_mode = { kw_access ~ ident | kw_trunk ~ ... }`: every alternative's keyword.
        let mut out = vec![k.clone()];
        for alt in r.body.split('|').skip(1) {
            if let Some(k) = names_in(alt).first().and_then(|n| keywords().get(*n)) {
                out.push(k.clone());
            }
        }
        return out;
    }
    if names.iter().all(|n| keywords().contains_key(*n)) {
        return names
            .iter()
            .filter_map(|n| keywords().get(*n).cloned())
            .collect();
    }
    leading_keywords(first, depth + 1)
}

/// The blocks whose statements complete, by the keyword that opens them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    TopLevel,
    Policy,
    Zone,
    Asset,
    Service,
    Conduit,
    Flow,
    Device,
    Template,
    SlVector,
    Site,
}

impl Block {
    /// The grammar rule listing the block's statements.
    fn rule(self) -> Option<&'static str> {
        Some(match self {
            Block::TopLevel => "item",
            Block::Policy => "policy_stmt",
            Block::Zone => "zone_stmt",
            Block::Asset => "asset_stmt",
            Block::Service => "service_stmt",
            Block::Conduit => "conduit_stmt",
            Block::Flow => "flow_stmt",
            Block::Device => "device_stmt",
            Block::Template => "template_item",
            Block::SlVector | Block::Site => return None,
        })
    }
    /// The block a statement's keyword opens (`zone x {` opens a zone).
    pub fn opened_by(keyword: &str, parent: Block) -> Block {
        match keyword {
            "policy" => Block::Policy,
            "zone" => Block::Zone,
            "asset" => Block::Asset,
            "service" => Block::Service,
            "conduit" => Block::Conduit,
            "allow" => Block::Flow,
            "firewall" | "router" | "switch" => Block::Device,
            "template" => Block::Template,
            "sl-target" => Block::SlVector,
            "site" => Block::Site,
            _ => parent,
        }
    }
}

/// The keywords that may start a statement in `block`, in the grammar's order.
pub fn statement_keywords(block: Block) -> Vec<String> {
    let Some(rule) = block.rule().and_then(|r| rules().get(r)) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for name in names_in(&rule.body) {
        for k in leading_keywords(name, 0) {
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    out
}

/// The grammar rule a keyword starts, with its comment: what hover shows for a keyword.
pub fn keyword_doc(word: &str) -> Option<String> {
    let kw = keywords().iter().find(|(_, k)| *k == word)?.0;
    // The statement rule that starts with this keyword (`zone` for `kw_zone`), else the
    // keyword rule itself.
    let rule = rules()
        .iter()
        .filter(|(n, _)| !n.starts_with("kw_"))
        .find(|(_, r)| names_in(&r.body).first() == Some(&kw.as_str()))
        .or_else(|| rules().get_key_value(kw));
    let (name, r) = rule?;
    let mut s = format!(
        "keyword `{word}`\n\n```pest\n{name} = {{ {} }}\n```",
        r.body
    );
    if !r.comment.is_empty() {
        s.push_str("\n\n");
        s.push_str(&r.comment.replace('\n', " "));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_keywords_come_from_the_grammar() {
        let zone = statement_keywords(Block::Zone);
        for k in [
            "asset",
            "level",
            "sl-target",
            "network",
            "exception",
            "transit",
        ] {
            assert!(zone.contains(&k.to_string()), "{zone:?}");
        }
        let top = statement_keywords(Block::TopLevel);
        for k in ["zone", "conduit", "firewall", "router", "switch", "include"] {
            assert!(top.contains(&k.to_string()), "{top:?}");
        }
        assert!(!top.contains(&"asset".to_string()));
        let device = statement_keywords(Block::Device);
        assert!(device.contains(&"interface".to_string()), "{device:?}");
        assert!(device.contains(&"allow".to_string()), "{device:?}");
        assert!(is_keyword("unused-ports"));
        assert!(keyword_doc("zone").is_some_and(|d| d.contains("zone_stmt")));
    }
}
