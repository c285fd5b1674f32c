//! `report.json`, written as `serde_json::to_writer_pretty` writes it (but a line break and its
//! indentation in one write), except that the records a report lists by the hundred thousand
//! (flows, FR rows, assets, SL vectors) are each written on one line ([`OneLine`]); with the
//! conduits of a large report serialised on every core.
//!
//! A central firewall's conduits are most of the file (hundreds of megabytes at a million
//! flows), and one core serialising them was the last long wait of `build`. Above
//! [`PARALLEL_FLOWS`] flows the report is serialised with its conduits left out (an empty
//! array, by [`conduits`] on this thread only), and where that empty array is closed the
//! conduits are written in their place, serialised in waves of chunks side by side at the
//! depth they have there. [`Pretty`] is serde_json's pretty formatter (two spaces) that can
//! start at a depth; the bytes are those of one serialisation of the whole report, which the
//! tests compare.

use super::{ConduitView, Report};
use serde::Serialize;
use serde_json::ser::Formatter;
use std::cell::Cell;
use std::io::{self, Write};

/// Flows in the conduits from which their JSON is serialised on every core.
pub const PARALLEL_FLOWS: usize = 200_000;

/// Conduits serialised by one worker at a time.
const CHUNK: usize = 32;

thread_local! {
    /// Set while [`write`] serialises the report without its conduits.
    static CONDUITS_APART: Cell<bool> = const { Cell::new(false) };
    /// Set by [`OneLine`] for the array or object it is about to serialise.
    static ONE_LINE: Cell<bool> = const { Cell::new(false) };
}

/// A record that [`Pretty`] writes on one line (`{"source": "a", "destination": "b", ...}`):
/// a flow, an FR row, an asset. A report lists hundreds of thousands of them; one line each
/// is a third of the bytes of one line per member, and a change to a record is a change to
/// its line. Any other serialiser sees the value itself.
pub struct OneLine<'a, T>(pub &'a T);

impl<T: Serialize> Serialize for OneLine<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ONE_LINE.set(true);
        let done = self.0.serialize(s);
        // Consumed by the array or object it began, or unused (a null, another serialiser).
        ONE_LINE.set(false);
        done
    }
}

/// `serialize_with` for a record written on one line ([`OneLine`]).
pub fn one_line<T: Serialize, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    OneLine(v).serialize(s)
}

/// `serialize_with` for a list of records, each on a line of its own ([`OneLine`]).
pub fn one_line_each<T: Serialize, S: serde::Serializer>(
    items: &[T],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(items.iter().map(OneLine))
}

/// The `conduits` field of [`Report`]: an empty array while [`write`] writes them apart.
pub fn conduits<S: serde::Serializer>(c: &[ConduitView], s: S) -> Result<S::Ok, S::Error> {
    if CONDUITS_APART.get() {
        s.collect_seq(std::iter::empty::<&ConduitView>())
    } else {
        s.collect_seq(c)
    }
}

/// Writes `report` pretty-printed, its conduits serialised side by side when they are many.
pub fn write<W: Write>(report: &Report, w: &mut W) -> serde_json::Result<()> {
    let flows: usize = report.conduits.iter().map(|c| c.flows.len()).sum();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if flows < PARALLEL_FLOWS || threads < 2 {
        let mut ser = serde_json::Serializer::with_formatter(w, Pretty::at(0));
        return report.serialize(&mut ser);
    }
    write_apart(report, w, threads)
}

/// [`write`] with the conduits serialised apart, in waves of `threads` chunks, whatever their
/// number: the same bytes as `serde_json::to_writer_pretty` (the tests compare them).
pub fn write_apart<W: Write>(report: &Report, w: &mut W, threads: usize) -> serde_json::Result<()> {
    struct Apart;
    impl Drop for Apart {
        fn drop(&mut self) {
            CONDUITS_APART.set(false);
        }
    }
    CONDUITS_APART.set(true);
    let _apart = Apart;
    let f = Pretty {
        splice: Some(Splice {
            conduits: &report.conduits,
            threads: threads.max(1),
            key: Vec::new(),
            armed: false,
        }),
        ..Pretty::at(0)
    };
    let mut ser = serde_json::Serializer::with_formatter(w, f);
    report.serialize(&mut ser)
}

/// serde_json's `PrettyFormatter` with an indent of two spaces, starting at `level`; and, for
/// the report itself, where its top-level `conduits` array closes, the conduits written in.
struct Pretty<'a> {
    level: usize,
    has_value: bool,
    /// The level of the array or object being written on one line ([`OneLine`]), 0 when none.
    inline: usize,
    splice: Option<Splice<'a>>,
}

struct Splice<'a> {
    conduits: &'a [ConduitView],
    threads: usize,
    /// The top-level key being written, and whether the last one was `conduits`.
    key: Vec<u8>,
    armed: bool,
}

impl Pretty<'_> {
    /// The end of an array or an object: on a line of its own when it holds anything.
    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.inline != 0 {
            if self.level < self.inline {
                self.inline = 0;
            }
        } else if self.has_value {
            line(w, false, self.level)?;
        }
        w.write_all(bracket)
    }

    /// The start of an array or an object: on one line from here when [`OneLine`] asks.
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        if self.inline == 0 && ONE_LINE.replace(false) {
            self.inline = self.level;
        }
        w.write_all(bracket)
    }

    /// Before an element or a key: a line break and indentation, or `, ` on one line.
    fn next<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        match (self.inline, first) {
            (0, _) => line(w, !first, self.level),
            (_, true) => Ok(()),
            (_, false) => w.write_all(b", "),
        }
    }

    fn at(level: usize) -> Pretty<'static> {
        Pretty {
            level,
            has_value: false,
            inline: 0,
            splice: None,
        }
    }
}

/// A comma and a line break, then 64 levels of indentation: [`line`] writes a prefix of it.
const LINE: &[u8; 130] = &{
    let mut b = [b' '; 130];
    b[0] = b',';
    b[1] = b'\n';
    b
};

/// A line break (after a comma when `comma`), then the indentation of `level`: one write where
/// serde_json's formatter makes one per level (a report is millions of short lines).
fn line<W: ?Sized + Write>(w: &mut W, comma: bool, level: usize) -> io::Result<()> {
    let start = usize::from(!comma);
    match LINE.get(start..2 + 2 * level) {
        Some(b) => w.write_all(b),
        None => {
            w.write_all(&LINE[start..])?;
            for _ in 64..level {
                w.write_all(b"  ")?;
            }
            Ok(())
        }
    }
}

/// One conduit's JSON as it stands in the report's `conduits` array (the first one's line break
/// and indentation, or the comma before another's).
fn conduit_bytes(out: &mut Vec<u8>, c: &ConduitView, first: bool) -> io::Result<()> {
    line(out, !first, 2)?;
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, Pretty::at(2));
    c.serialize(&mut ser).map_err(io::Error::other)
}

impl Splice<'_> {
    /// The conduits, in waves of `threads` chunks serialised side by side, written in order.
    fn write_conduits<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        let chunks: Vec<(usize, &[ConduitView])> = self
            .conduits
            .chunks(CHUNK)
            .enumerate()
            .map(|(i, c)| (i * CHUNK, c))
            .collect();
        for wave in chunks.chunks(self.threads) {
            let parts = crate::threads::map(wave, |&(start, chunk)| -> io::Result<Vec<u8>> {
                let mut out = Vec::new();
                for (k, c) in chunk.iter().enumerate() {
                    conduit_bytes(&mut out, c, start + k == 0)?;
                }
                Ok(out)
            });
            for p in parts {
                w.write_all(&p?)?;
            }
        }
        Ok(())
    }
}

impl Formatter for Pretty<'_> {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        // The top-level `conduits` (written empty): its elements go here.
        if let Some(s) = self.splice.as_mut().filter(|s| s.armed && self.level == 2) {
            s.armed = false;
            if !s.conduits.is_empty() {
                s.write_conduits(w)?;
                self.has_value = true;
            }
        }
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.next(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if let Some(s) = self.splice.as_mut() {
            s.key.clear();
        }
        self.next(w, first)
    }
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, f: &str) -> io::Result<()> {
        if let Some(s) = self.splice.as_mut().filter(|_| self.level == 1) {
            s.key.extend_from_slice(f.as_bytes());
        }
        w.write_all(f.as_bytes())
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        if let Some(s) = self.splice.as_mut().filter(|_| self.level == 1) {
            s.armed = s.key == b"conduits";
        }
        Ok(())
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deeper than the indentation [`line`] writes at once, and shallow: the bytes of
    /// `to_vec_pretty`.
    #[test]
    fn pretty_is_serde_jsons_pretty_at_any_depth() {
        for depth in [0, 1, 2, 63, 64, 65, 130] {
            let mut v = serde_json::json!({"k": [1, "a\"b", null], "e": [], "o": {}});
            for i in 0..depth {
                v = if i % 2 == 0 {
                    serde_json::json!([v, i])
                } else {
                    serde_json::json!({ "x": v })
                };
            }
            let mut ours = Vec::new();
            v.serialize(&mut serde_json::Serializer::with_formatter(
                &mut ours,
                Pretty::at(0),
            ))
            .unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string_pretty(&v).unwrap(),
                "depth {depth}"
            );
        }
    }

    #[derive(Serialize)]
    struct Rec {
        a: u8,
        b: Vec<&'static str>,
        c: Option<u8>,
        e: Vec<u8>,
        o: std::collections::BTreeMap<&'static str, u8>,
    }

    #[derive(Serialize)]
    struct Doc {
        #[serde(serialize_with = "one_line_each")]
        recs: Vec<Rec>,
        #[serde(serialize_with = "one_line")]
        one: Rec,
        #[serde(serialize_with = "one_line")]
        none: Option<Rec>,
        #[serde(serialize_with = "one_line_each")]
        no_recs: Vec<Rec>,
        after: Vec<Vec<u8>>,
    }

    fn rec(a: u8) -> Rec {
        Rec {
            a,
            b: vec!["x", "y\"z"],
            c: None,
            e: vec![],
            o: [("k", a)].into_iter().collect(),
        }
    }

    /// Records on one line, at any depth; what follows a record, or a null where a record
    /// could be, is pretty again; the value is the one serde_json serialises.
    #[test]
    fn one_line_records_and_pretty_around_them() {
        let doc = Doc {
            recs: vec![rec(1), rec(2)],
            one: rec(3),
            none: None,
            no_recs: vec![],
            after: vec![vec![1], vec![]],
        };
        let r = r#"{"a": N, "b": ["x", "y\"z"], "c": null, "e": [], "o": {"k": N}}"#;
        let expected = format!(
            "{{\n  \"recs\": [\n    {},\n    {}\n  ],\n  \"one\": {},\n  \"none\": null,\n  \"no_recs\": [],\n  \"after\": [\n    [\n      1\n    ],\n    []\n  ]\n}}",
            r.replace('N', "1"),
            r.replace('N', "2"),
            r.replace('N', "3"),
        );
        for depth in [0, 1, 70] {
            let mut v: Vec<u8> = Vec::new();
            let mut ser = serde_json::Serializer::with_formatter(&mut v, Pretty::at(depth));
            doc.serialize(&mut ser).unwrap();
            let text = String::from_utf8(v).unwrap();
            let pad = "  ".repeat(depth);
            assert_eq!(
                text,
                expected.replace('\n', &format!("\n{pad}")),
                "depth {depth}"
            );
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, serde_json::to_value(&doc).unwrap());
        }
        // Another serialiser sees the records themselves, and the mark does not stay behind.
        let theirs = serde_json::to_string_pretty(&doc).unwrap();
        assert!(
            theirs.contains("    {\n      \"a\": 1,\n      \"b\": [\n"),
            "{theirs}"
        );
        assert!(!ONE_LINE.get());
    }
}
