//! `report.json`, written as `serde_json::to_writer_pretty` writes it (but a line break and its
//! indentation in one write), with the conduits of a large report serialised on every core.
//!
//! A central firewall's conduits are most of the file (hundreds of megabytes at a million
//! flows), and one core serialising them was the last long wait of `build`. Above
//! [`PARALLEL_FLOWS`] flows the report is serialised with its conduits left out (an empty
//! array, by [`conduits`] on this thread only), and where that empty array is closed the
//! conduits are written in their place, serialised in waves of chunks side by side at the
//! depth they have there. [`Pretty`] is serde_json's pretty formatter (two spaces) that can
//! start at a depth; the bytes are those of one pretty serialisation of the whole report, which
//! the tests compare.

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
        if self.has_value {
            line(w, false, self.level)?;
        }
        w.write_all(bracket)
    }

    fn at(level: usize) -> Pretty<'static> {
        Pretty {
            level,
            has_value: false,
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
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
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
        line(w, !first, self.level)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if let Some(s) = self.splice.as_mut() {
            s.key.clear();
        }
        line(w, !first, self.level)
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
}
