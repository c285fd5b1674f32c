//! Semantic tokens: the lexer's comments, strings and words, each word classified by the index
//! (a zone, an asset, ...: declaration or reference) or as a keyword of the grammar, a rule ID
//! or a number. Works on text that does not parse: words the index does not know keep their
//! lexical class.

use super::index::{Index, Kind};
use super::text::{lex, Lex, LineIndex};
use crate::source::FileId;
use lsp_types::{SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend};

/// The token types, in the legend's order (the index of each is its number on the wire).
const TYPES: [&str; 14] = [
    "keyword",
    "namespace",
    "property",
    "type",
    "class",
    "struct",
    "variable",
    "enumMember",
    "string",
    "number",
    "comment",
    "operator",
    "parameter",
    "macro",
];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.iter().map(|t| SemanticTokenType::new(t)).collect(),
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

fn ty(name: &str) -> u32 {
    TYPES.iter().position(|t| *t == name).unwrap_or(0) as u32
}

fn kind_type(k: Kind) -> u32 {
    ty(match k {
        Kind::Zone => "namespace",
        Kind::Asset => "property",
        Kind::Service => "type",
        Kind::Conduit => "class",
        Kind::Device => "struct",
        Kind::Interface => "variable",
        Kind::Node => "struct",
        Kind::Template => "macro",
        Kind::Param => "parameter",
        Kind::Site => "namespace",
    })
}

/// The class of each token of `text` (file `file` of `index`), as (start, end, type, modifiers).
pub fn classify(text: &str, index: Option<(&Index, FileId)>) -> Vec<(usize, usize, u32, u32)> {
    let mut refs: Vec<(usize, usize, u32, u32)> = index
        .map(|(ix, f)| {
            ix.refs
                .iter()
                .filter(|r| r.span.file == f)
                .map(|r| {
                    let (s, e) = (r.span.start as usize, r.span.end as usize);
                    (s, e, kind_type(r.kind), u32::from(r.decl))
                })
                .collect()
        })
        .unwrap_or_default();
    refs.sort();
    let mut out = Vec::new();
    for (lex_kind, s, e) in lex(text) {
        let word = &text[s..e];
        match lex_kind {
            Lex::Comment => out.push((s, e, ty("comment"), 0)),
            Lex::String => out.push((s, e, ty("string"), 0)),
            Lex::Arrow => out.push((s, e, ty("operator"), 0)),
            Lex::Punct => {}
            Lex::Word => {
                // Names inside the word (`zone.asset` holds two).
                let inner: Vec<_> = refs
                    .iter()
                    .filter(|r| r.0 >= s && r.1 <= e && r.1 <= text.len())
                    .copied()
                    .collect();
                if !inner.is_empty() {
                    out.extend(inner);
                } else if super::grammar::is_keyword(word) || word == "self" {
                    out.push((s, e, ty("keyword"), 0));
                } else if word.contains('-') && word.starts_with(|c: char| c.is_ascii_uppercase()) {
                    out.push((s, e, ty("enumMember"), 0));
                } else if word.starts_with(|c: char| c.is_ascii_digit()) {
                    out.push((s, e, ty("number"), 0));
                }
            }
        }
    }
    out
}

/// The tokens of `text` encoded as LSP wants them (relative lines and UTF-16 columns; a
/// token never spans lines, so a multi-line one is cut at each line end).
pub fn encode(text: &str, classes: &[(usize, usize, u32, u32)]) -> Vec<SemanticToken> {
    let idx = LineIndex::new(text);
    let mut out = Vec::new();
    let (mut line, mut col) = (0u32, 0u32);
    for &(s, e, t, m) in classes {
        let mut start = s;
        for piece in text[s..e].split_inclusive('\n') {
            let end = start + piece.trim_end_matches(['\n', '\r']).len();
            let (p, q) = (idx.position(start), idx.position(end));
            if q.character > p.character {
                let delta_line = p.line - line;
                let delta_start = if delta_line == 0 {
                    p.character - col
                } else {
                    p.character
                };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: q.character - p.character,
                    token_type: t,
                    token_modifiers_bitset: m,
                });
                line = p.line;
                col = p.character;
            }
            start += piece.len();
        }
    }
    out
}
