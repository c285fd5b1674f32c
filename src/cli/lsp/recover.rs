//! A best-effort syntax tree of a file that does not parse (the editor's half-typed text): the
//! declaration holding the syntax error is blanked out (spaces, newlines kept, so every other
//! span stays where it is) and the rest parsed again, a few times at most. Only the index of
//! names reads it; the diagnostics are the parser's own.

use super::grammar::{statement_keywords, Block};
use crate::source::FileId;
use crate::syntax::{ast, parse_file};

/// Declarations blanked at most before giving up.
const MAX_ROUNDS: usize = 16;

pub fn parse(id: FileId, text: &str) -> Option<ast::File> {
    let starts = item_starts(text);
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..MAX_ROUNDS {
        let t = std::str::from_utf8(&bytes).ok()?;
        let err = match parse_file(id, t) {
            Ok(f) => return Some(f),
            Err(d) => d,
        };
        let at = err.span.map_or(0, |s| s.start as usize);
        // An error at the first column of a declaration (`expected }` at the next `zone`):
        // the declaration before it is the one left open.
        let i = match starts.binary_search(&at) {
            Ok(i) => i.saturating_sub(1),
            Err(i) => i.saturating_sub(1),
        };
        let start = starts.get(i).copied().filter(|&s| s <= at).unwrap_or(0);
        let end = starts
            .iter()
            .find(|&&s| s > start)
            .copied()
            .unwrap_or(bytes.len())
            .max(at.min(bytes.len()));
        let mut changed = false;
        for b in &mut bytes[start..end] {
            if *b != b'\n' && *b != b' ' {
                *b = b' ';
                changed = true;
            }
        }
        if !changed {
            return None;
        }
    }
    None
}

/// Offsets of the lines that begin, in their first column, with a top-level keyword.
fn item_starts(text: &str) -> Vec<usize> {
    let keywords = statement_keywords(Block::TopLevel);
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let word: String = line
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '-')
            .collect();
        let next = line[word.len()..].chars().next();
        if keywords.contains(&word) && next.is_none_or(|c| c.is_whitespace() || c == '"') {
            out.push(offset);
        }
        offset += line.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_declarations_around_a_broken_one() {
        let text = "zone a {\n  level 1\n}\nzone b {\n  asset x 10.0.0.\nconduit c {\n  connects a, b\n}\n";
        let f = parse(FileId(0), text);
        let names: Vec<String> = f
            .map(|f| {
                f.items
                    .iter()
                    .filter_map(|i| match i {
                        ast::Item::Zone(z) => Some(z.name.name.clone()),
                        ast::Item::Conduit(c) => Some(c.name.name.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(names, ["a", "c"]);
    }
}
