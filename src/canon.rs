//! Canonical JSON for hashing (used by `build::policy_hash`, between planning and emitting):
//! object keys sorted, some keys dropped at every depth, no whitespace.
//!
//! The bytes are exactly those of `serde_json::to_value(x)`, then removing the dropped keys from
//! every object, then `Value::to_string()`; policy hashes in existing manifests and snapshots
//! depend on that. Building a `Value` tree of a 100,000-flow Model took most of a second and a
//! few hundred megabytes; this serialiser writes the same text directly, buffering only the
//! fields of the object being sorted.

use serde::ser::{self, Serialize};
use std::fmt;

#[derive(Debug)]
pub struct CanonError(String);

impl fmt::Display for CanonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CanonError {}

impl ser::Error for CanonError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CanonError(msg.to_string())
    }
}

type Res<T = ()> = Result<T, CanonError>;

/// Canonical JSON of `value` without the keys in `drop` (at any depth).
pub fn to_vec<T: Serialize + ?Sized>(value: &T, drop: &[&str]) -> Res<Vec<u8>> {
    let mut out = Vec::new();
    value.serialize(Canon {
        out: &mut out,
        drop,
    })?;
    Ok(out)
}

fn write_str(out: &mut Vec<u8>, s: &str) -> Res {
    serde_json::to_writer(out, s).map_err(|e| CanonError(e.to_string()))
}

struct Canon<'a> {
    out: &'a mut Vec<u8>,
    drop: &'a [&'a str],
}

/// An array being written.
struct Seq<'a> {
    out: &'a mut Vec<u8>,
    drop: &'a [&'a str],
    first: bool,
    /// Tuple variants close an extra object (`{"V":[...]}`).
    close_object: bool,
}

/// An object being written: each `"key":value` goes straight to `out` and its range is noted;
/// when the object ends, the members are put in key order in place (through a scratch buffer
/// reused by every object), unless they already are. One allocation per object at most, instead
/// of one buffer per member.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    drop: &'a [&'a str],
    /// (key, start, end) of each member's `"key":value` bytes in `out`, in the order given.
    members: Vec<(std::borrow::Cow<'static, str>, usize, usize)>,
    /// Where the members start (after the `{`).
    start: usize,
    key: Option<String>,
    /// Struct variants are wrapped in `{"V": ...}`; `Some(true)` when the variant name is a
    /// dropped key, so that the whole value is dropped (`{}`).
    variant: Option<bool>,
    /// Where the outer object of a struct variant starts.
    outer: usize,
}

thread_local! {
    /// Members of the object being sorted (objects end one at a time, never nested).
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<'a> Obj<'a> {
    fn new(out: &'a mut Vec<u8>, drop: &'a [&'a str], variant: Option<&'static str>) -> Res<Self> {
        let outer = out.len();
        let variant = match variant {
            None => None,
            Some(v) => {
                out.push(b'{');
                write_str(out, v)?;
                out.push(b':');
                Some(drop.contains(&v))
            }
        };
        out.push(b'{');
        Ok(Obj {
            start: out.len(),
            out,
            drop,
            members: Vec::new(),
            key: None,
            variant,
            outer,
        })
    }

    fn value<T: Serialize + ?Sized>(
        &mut self,
        key: std::borrow::Cow<'static, str>,
        value: &T,
    ) -> Res {
        let mark = self.out.len();
        if self.drop.contains(&key.as_ref()) {
            // serde_json would still have serialised it (and failed on what cannot be).
            value.serialize(Canon {
                out: self.out,
                drop: self.drop,
            })?;
            self.out.truncate(mark);
            return Ok(());
        }
        write_str(self.out, &key)?;
        self.out.push(b':');
        value.serialize(Canon {
            out: self.out,
            drop: self.drop,
        })?;
        self.members.push((key, mark, self.out.len()));
        Ok(())
    }

    fn finish(self) -> Res {
        let Obj {
            out,
            mut members,
            start,
            variant,
            outer,
            ..
        } = self;
        if variant == Some(true) {
            // The variant name is a key like any other: a dropped name drops the whole value.
            out.truncate(outer);
            out.extend_from_slice(b"{}");
            return Ok(());
        }
        let in_order = members.windows(2).all(|w| w[0].0 < w[1].0);
        if in_order {
            // Members are contiguous: put the commas in by moving each member right.
            if members.len() > 1 {
                let extra = members.len() - 1;
                let old_len = out.len();
                out.resize(old_len + extra, 0);
                // From the last member back, shift each by the commas before it.
                for (i, (_, a, b)) in members.iter().enumerate().rev() {
                    let shift = i;
                    if shift > 0 {
                        out.copy_within(*a..*b, a + shift);
                        out[a + shift - 1] = b',';
                    }
                }
            }
        } else {
            // A map of a Value keeps the last of equal keys (BTreeMap::insert); the stable sort
            // keeps equal keys in insertion order, so keep the last of each run.
            members.sort_by(|a, b| a.0.cmp(&b.0));
            let mut kept: Vec<(usize, usize)> = Vec::with_capacity(members.len());
            let mut last_key: Option<&str> = None;
            for (k, a, b) in &members {
                if last_key == Some(k.as_ref()) {
                    if let Some(l) = kept.last_mut() {
                        *l = (*a, *b);
                    }
                } else {
                    kept.push((*a, *b));
                }
                last_key = Some(k.as_ref());
            }
            SCRATCH.with(|scratch| {
                let mut scratch = scratch.borrow_mut();
                scratch.clear();
                scratch.extend_from_slice(out.get(start..).unwrap_or_default());
                out.truncate(start);
                for (i, (a, b)) in kept.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(scratch.get(a - start..b - start).unwrap_or_default());
                }
            });
        }
        out.push(b'}');
        if variant.is_some() {
            out.push(b'}');
        }
        Ok(())
    }
}

impl<'a> ser::Serializer for Canon<'a> {
    type Ok = ();
    type Error = CanonError;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Obj<'a>;
    type SerializeStruct = Obj<'a>;
    type SerializeStructVariant = Obj<'a>;

    fn serialize_bool(self, v: bool) -> Res {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Res {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Res {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Res {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Res {
        self.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Res {
        // serde_json's Value holds 64-bit numbers only.
        match i64::try_from(v) {
            Ok(v) => self.serialize_i64(v),
            Err(_) => match u64::try_from(v) {
                Ok(v) => self.serialize_u64(v),
                Err(_) => Err(CanonError("number out of range".into())),
            },
        }
    }
    fn serialize_u8(self, v: u8) -> Res {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Res {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Res {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Res {
        self.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Res {
        match u64::try_from(v) {
            Ok(v) => self.serialize_u64(v),
            Err(_) => Err(CanonError("number out of range".into())),
        }
    }
    fn serialize_f32(self, v: f32) -> Res {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Res {
        if v.is_finite() {
            serde_json::to_writer(&mut *self.out, &v).map_err(|e| CanonError(e.to_string()))
        } else {
            self.out.extend_from_slice(b"null");
            Ok(())
        }
    }
    fn serialize_char(self, v: char) -> Res {
        write_str(self.out, v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Res {
        write_str(self.out, v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Res {
        use ser::SerializeSeq;
        let mut s = self.serialize_seq(Some(v.len()))?;
        for b in v {
            s.serialize_element(b)?;
        }
        s.end()
    }
    fn serialize_none(self) -> Res {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Res {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Res {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Res {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Res {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Res {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Res {
        let mut obj = Obj::new(self.out, self.drop, None)?;
        obj.value(std::borrow::Cow::Borrowed(variant), value)?;
        obj.finish()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Res<Seq<'a>> {
        self.out.push(b'[');
        Ok(Seq {
            out: self.out,
            drop: self.drop,
            first: true,
            close_object: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> Res<Seq<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Res<Seq<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Res<Seq<'a>> {
        if self.drop.contains(&variant) {
            return Err(CanonError(format!(
                "cannot canonicalise tuple variant `{variant}`: its name is a dropped key"
            )));
        }
        self.out.push(b'{');
        write_str(self.out, variant)?;
        self.out.extend_from_slice(b":[");
        Ok(Seq {
            out: self.out,
            drop: self.drop,
            first: true,
            close_object: true,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Res<Obj<'a>> {
        Obj::new(self.out, self.drop, None)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Res<Obj<'a>> {
        Obj::new(self.out, self.drop, None)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Res<Obj<'a>> {
        Obj::new(self.out, self.drop, Some(variant))
    }
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Canon {
            out: self.out,
            drop: self.drop,
        })
    }
    fn end(self) -> Res {
        self.out.push(b']');
        if self.close_object {
            self.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Res {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Seq<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Res {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Seq<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Res {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Obj<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Res {
        self.key = Some(key.serialize(KeySer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        let key = self
            .key
            .take()
            .ok_or_else(|| CanonError("map value without a key".into()))?;
        self.value(std::borrow::Cow::Owned(key), value)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

impl ser::SerializeStruct for Obj<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        self.value(std::borrow::Cow::Borrowed(key), value)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Obj<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        self.value(std::borrow::Cow::Borrowed(key), value)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

/// Map keys as serde_json's `Value` turns them into strings.
struct KeySer;

fn key_error() -> CanonError {
    CanonError("key must be a string".into())
}

impl ser::Serializer for KeySer {
    type Ok = String;
    type Error = CanonError;
    type SerializeSeq = ser::Impossible<String, CanonError>;
    type SerializeTuple = ser::Impossible<String, CanonError>;
    type SerializeTupleStruct = ser::Impossible<String, CanonError>;
    type SerializeTupleVariant = ser::Impossible<String, CanonError>;
    type SerializeMap = ser::Impossible<String, CanonError>;
    type SerializeStruct = ser::Impossible<String, CanonError>;
    type SerializeStructVariant = ser::Impossible<String, CanonError>;

    fn serialize_bool(self, v: bool) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> Res<String> {
        Err(key_error())
    }
    fn serialize_f64(self, _v: f64) -> Res<String> {
        Err(key_error())
    }
    fn serialize_char(self, v: char) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Res<String> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Res<String> {
        Err(key_error())
    }
    fn serialize_none(self) -> Res<String> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Res<String> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Res<String> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Res<String> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Res<String> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Res<String> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Res<String> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Res<Self::SerializeSeq> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Res<Self::SerializeTuple> {
        Err(key_error())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Res<Self::SerializeTupleStruct> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Res<Self::SerializeTupleVariant> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Res<Self::SerializeMap> {
        Err(key_error())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Res<Self::SerializeStruct> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Res<Self::SerializeStructVariant> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    /// The reference: what `policy_hash` used to compute.
    fn via_value<T: Serialize>(x: &T, drop: &[&str]) -> String {
        fn strip(v: &mut serde_json::Value, drop: &[&str]) {
            match v {
                serde_json::Value::Object(m) => {
                    m.retain(|k, _| !drop.contains(&k.as_str()));
                    m.values_mut().for_each(|v| strip(v, drop));
                }
                serde_json::Value::Array(a) => a.iter_mut().for_each(|v| strip(v, drop)),
                _ => {}
            }
        }
        let mut v = serde_json::to_value(x).unwrap();
        strip(&mut v, drop);
        v.to_string()
    }

    #[derive(Serialize)]
    #[serde(tag = "mode", rename_all = "snake_case")]
    enum Tagged {
        Access { zone: u32 },
        Trunk { zones: Vec<u32>, span: u8 },
    }

    #[derive(Serialize)]
    enum Ext {
        Unit,
        New(i64),
        Tup(u8, String),
        Strukt { z: f64, a: Option<f32>, span: bool },
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct All {
        zebra: &'static str,
        alpha: Vec<Ext>,
        span: (u32, u32),
        tagged: Vec<Tagged>,
        map: BTreeMap<u16, Option<()>>,
        smap: BTreeMap<String, char>,
        nested: Vec<BTreeMap<&'static str, i8>>,
        unit: Unit,
        bytes: serde_bytes_like::Bytes,
        big: u128,
        nan: f64,
    }

    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    #[test]
    fn same_bytes_as_value_then_strip() {
        let x = All {
            zebra: "z\"\n\u{1}é",
            alpha: vec![
                Ext::Unit,
                Ext::New(-5),
                Ext::Tup(3, "t".into()),
                Ext::Strukt {
                    z: 0.1,
                    a: Some(0.1),
                    span: true,
                },
                Ext::Strukt {
                    z: f64::INFINITY,
                    a: None,
                    span: false,
                },
            ],
            span: (1, 2),
            tagged: vec![
                Tagged::Access { zone: 1 },
                Tagged::Trunk {
                    zones: vec![1, 2],
                    span: 3,
                },
            ],
            map: [(10, None), (2, Some(()))].into_iter().collect(),
            smap: [
                ("span".to_string(), 'a'),
                ("b".to_string(), '"'),
                ("A".to_string(), 'x'),
            ]
            .into_iter()
            .collect(),
            nested: vec![[("service_spans", 1), ("k", -1)].into_iter().collect()],
            unit: Unit,
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
            big: u128::from(u64::MAX),
            nan: f64::NAN,
        };
        let drop = ["span", "service_spans"];
        assert_eq!(
            String::from_utf8(to_vec(&x, &drop).unwrap()).unwrap(),
            via_value(&x, &drop)
        );
        assert_eq!(
            String::from_utf8(to_vec(&x, &[]).unwrap()).unwrap(),
            via_value(&x, &[])
        );
    }

    #[test]
    fn out_of_range_numbers_fail_like_value() {
        assert!(to_vec(&u128::MAX, &[]).is_err());
        assert!(serde_json::to_value(u128::MAX).is_err());
    }
}
