//! Positions and words: byte offsets against the editor's lines and UTF-16 columns, and a
//! small lexer (comments, strings, words, punctuation) that works on any text, parsed or not:
//! completion, semantic tokens and the recovery parse read it.

use lsp_types::{Position, Range};

/// Converts between byte offsets and LSP positions (0-based line, UTF-16 column).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col: usize = self
            .text
            .get(start..offset)
            .map(|s| s.chars().map(char::len_utf16).sum())
            .unwrap_or(0);
        Position::new(line as u32, col as u32)
    }
    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }
    /// The byte offset of a position (clamped to its line and to the text).
    pub fn offset(&self, p: Position) -> usize {
        let Some(&start) = self.starts.get(p.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(p.line as usize + 1)
            .copied()
            .unwrap_or(self.text.len());
        let mut units = 0u32;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= p.character || c == '\n' {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }
}

/// Applies an LSP content change (a range, or the whole text) to `text`.
pub fn apply_change(text: &mut String, range: Option<Range>, new: &str) {
    match range {
        None => *text = new.to_string(),
        Some(r) => {
            let idx = LineIndex::new(text);
            let (s, e) = (idx.offset(r.start), idx.offset(r.end));
            let (s, e) = (s.min(e), e.max(s));
            text.replace_range(s..e, new);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lex {
    Comment,
    String,
    /// A name, keyword, number, address or rule ID: a run of characters that are none of
    /// whitespace, braces, commas, quotes and `#`.
    Word,
    Arrow,
    Punct,
}

/// The tokens of `text`, with their byte ranges. Never fails: an unterminated string ends at
/// the end of its line.
pub fn lex(text: &str) -> Vec<(Lex, usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                out.push((Lex::Comment, start, i));
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] != b'\n' {
                        2
                    } else {
                        1
                    };
                }
                if i < b.len() && b[i] == b'"' {
                    i += 1;
                }
                out.push((Lex::String, start, i));
            }
            b'{' | b'}' | b',' => {
                i += 1;
                out.push((Lex::Punct, start, i));
            }
            b'-' if b.get(i + 1) == Some(&b'>') => {
                i += 2;
                out.push((Lex::Arrow, start, i));
            }
            _ => {
                while i < b.len() {
                    let d = b[i];
                    if matches!(
                        d,
                        b' ' | b'\t' | b'\r' | b'\n' | b'{' | b'}' | b',' | b'"' | b'#'
                    ) || (d == b'-' && b.get(i + 1) == Some(&b'>'))
                    {
                        break;
                    }
                    i += 1;
                }
                // A multi-byte character ends inside the run: move to its boundary.
                while i < b.len() && !text.is_char_boundary(i) {
                    i += 1;
                }
                out.push((Lex::Word, start, i));
            }
        }
    }
    out
}

/// The word (name characters and `.`) around `offset`, with its range.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, usize)> {
    let is = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'/' | b'_');
    let b = text.as_bytes();
    let offset = offset.min(b.len());
    let mut s = offset;
    while s > 0 && is(b[s - 1]) {
        s -= 1;
    }
    let mut e = offset;
    while e < b.len() && is(b[e]) && !(b[e] == b'-' && b.get(e + 1) == Some(&b'>')) {
        e += 1;
    }
    // `a->b`: the arrow is not part of either name.
    if let Some(i) = text[s..e].find("->") {
        if s + i < offset {
            s += i + 2;
        } else {
            e = s + i;
        }
    }
    (s < e).then_some((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let t = "a\n\u{e9}\u{1F600}x\n";
        let idx = LineIndex::new(t);
        let x = t.find('x').unwrap_or(0);
        assert_eq!(idx.position(x), Position::new(1, 3));
        assert_eq!(idx.offset(Position::new(1, 3)), x);
        assert_eq!(idx.offset(Position::new(9, 0)), t.len());
    }

    #[test]
    fn lexes_half_typed_text() {
        let toks = lex("zone a { asset \"x");
        assert_eq!(toks.len(), 5);
        assert_eq!(toks[4].0, Lex::String);
        assert_eq!(word_at("allow a.b->c.d x", 6), Some((6, 9)));
        assert_eq!(word_at("allow a.b->c.d x", 12), Some((11, 14)));
    }
}
