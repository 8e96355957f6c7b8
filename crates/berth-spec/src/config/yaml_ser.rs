//! A serde serializer that writes the typed project straight to YAML text, laid out as go-yaml v3
//! encodes compose-go's types: struct fields in declaration order, map keys in go-yaml's
//! "natural" order (digit runs compared as numbers, so `COMMON_2` comes before `COMMON_10`),
//! `x-*` extensions inlined after a struct's fields.
//!
//! The serializer tells structs (`serialize_struct`) from Go maps (`serialize_map`); a JSON tree
//! could not, which is why this does not go through `serde_json::Value`. Only Go maps are
//! buffered, one entry at a time, to be sorted; everything else is written as it comes.

use std::cmp::Ordering;
use std::fmt;

use serde::ser::{self, Impossible, Serialize};

use super::{write_literal, yaml_string};
use crate::de::EXTENSIONS;
use crate::node::format_float;

/// Renders `value` as block-style YAML (indent two), appending to `out`.
pub(crate) fn to_yaml_string<T: Serialize + ?Sized>(value: &T, out: &mut String) -> Result<(), SerError> {
    value.serialize(YamlSer { out, ctx: Ctx::Top })
}

/// Why a value could not be written (only custom serialisers can fail).
#[derive(Debug)]
pub(crate) struct SerError(String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

/// Where the value being written goes.
#[derive(Clone, Copy)]
enum Ctx {
    /// The whole document.
    Top,
    /// After `key:`, the key being indented by this much.
    AfterKey(usize),
    /// After `- `, the dash being indented by this much.
    Item(usize),
}

impl Ctx {
    /// The indentation of a mapping's entries here.
    fn entry_level(self) -> usize {
        match self {
            Ctx::Top => 0,
            Ctx::AfterKey(level) | Ctx::Item(level) => level + 2,
        }
    }
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

struct YamlSer<'o> {
    out: &'o mut String,
    ctx: Ctx,
}

impl<'o> YamlSer<'o> {
    /// A one-line scalar, already quoted as it must be.
    fn scalar(self, text: &str) {
        if matches!(self.ctx, Ctx::AfterKey(_)) {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn string(self, s: &str) {
        match self.ctx {
            Ctx::AfterKey(level) if s.contains('\n') => {
                self.out.push(' ');
                write_literal(self.out, s, level + 2);
            }
            Ctx::Item(level) if s.contains('\n') => write_literal(self.out, s, level + 2),
            _ => self.scalar(&yaml_string(s)),
        }
    }

    fn mapping(self) -> MapWriter<'o> {
        MapWriter { level: self.ctx.entry_level(), ctx: self.ctx, out: self.out, written: 0, extensions: Vec::new() }
    }
}

/// Writes the entries of a mapping one by one (in the order given).
struct MapWriter<'o> {
    out: &'o mut String,
    ctx: Ctx,
    /// Indentation of the entries.
    level: usize,
    written: usize,
    /// A struct's inlined extensions, written after its fields.
    extensions: Vec<Entry>,
}

impl MapWriter<'_> {
    /// Starts an entry: what goes before its key.
    fn start_entry(&mut self) {
        match (self.written, self.ctx) {
            (0, Ctx::AfterKey(_)) => {
                self.out.push('\n');
                indent(self.out, self.level);
            }
            // The first entry of a sequence item goes on the dash's line.
            (0, Ctx::Item(_)) => {}
            _ => indent(self.out, self.level),
        }
        self.written += 1;
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), SerError> {
        self.start_entry();
        self.out.push_str(&yaml_string(key));
        self.out.push(':');
        value.serialize(YamlSer { out: self.out, ctx: Ctx::AfterKey(self.level) })
    }

    /// Writes entries rendered elsewhere (`Entry::text` starts right after the colon).
    fn rendered(&mut self, entries: Vec<Entry>) {
        for entry in entries {
            self.start_entry();
            self.out.push_str(&yaml_string(&entry.key));
            self.out.push(':');
            self.out.push_str(&entry.text);
        }
    }

    fn end(mut self) {
        let extensions = std::mem::take(&mut self.extensions);
        self.rendered(extensions);
        if self.written == 0 {
            match self.ctx {
                Ctx::AfterKey(_) => self.out.push_str(" {}\n"),
                Ctx::Item(_) | Ctx::Top => self.out.push_str("{}\n"),
            }
        }
    }
}

/// One entry of a Go map, rendered at its final indentation, waiting to be sorted.
struct Entry {
    key: String,
    /// The key as go-yaml compares it.
    chars: Vec<char>,
    text: String,
}

/// Collects a Go map's entries, then writes them sorted.
struct SortedMap<'o> {
    writer: MapWriter<'o>,
    entries: Vec<Entry>,
    key: Option<String>,
}

impl SortedMap<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), SerError> {
        let mut text = String::new();
        value.serialize(YamlSer { out: &mut text, ctx: Ctx::AfterKey(self.writer.level) })?;
        self.entries.push(Entry { chars: key.chars().collect(), key, text });
        Ok(())
    }
}

/// Sorts entries in go-yaml's key order.
fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| go_yaml_key_order(&a.chars, &b.chars));
}

/// go-yaml v3's `keyList.Less` for two string keys, as an ordering.
fn go_yaml_key_order(a: &[char], b: &[char]) -> Ordering {
    if go_yaml_key_less(a, b) {
        Ordering::Less
    } else if go_yaml_key_less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Go's `unicode.IsDigit`: only `0`-`9` in Latin-1; beyond it, Rust's numeric class stands in for
/// Unicode's decimal digits.
fn is_digit(c: char) -> bool {
    if u32::from(c) <= 0xff {
        c.is_ascii_digit()
    } else {
        c.is_numeric()
    }
}

/// The value Go's `int64(r - '0')` gives a digit rune.
fn digit_value(c: char) -> i64 {
    i64::from(u32::from(c)) - i64::from(u32::from('0'))
}

/// go-yaml v3's `keyList.Less` on strings: letters compare as runes, a letter sorts after a
/// non-letter (before it right after a digit), and runs of digits compare as numbers.
fn go_yaml_key_less(a: &[char], b: &[char]) -> bool {
    let mut digits = false;
    for i in 0..a.len().min(b.len()) {
        let (Some(&ac), Some(&bc)) = (a.get(i), b.get(i)) else { break };
        if ac == bc {
            digits = is_digit(ac);
            continue;
        }
        let al = ac.is_alphabetic();
        let bl = bc.is_alphabetic();
        if al && bl {
            return ac < bc;
        }
        if al || bl {
            return if digits { al } else { bl };
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ac == '0' || bc == '0' {
            // A zero inside a number (`10` against `1x`) is not a leading zero.
            let before = a.get(..i).unwrap_or_default();
            if before.iter().rev().take_while(|c| is_digit(**c)).any(|c| *c != '0') {
                an = 1;
                bn = 1;
            }
        }
        let mut ai = i;
        while let Some(&c) = a.get(ai).filter(|c| is_digit(**c)) {
            an = an.wrapping_mul(10).wrapping_add(digit_value(c));
            ai += 1;
        }
        let mut bi = i;
        while let Some(&c) = b.get(bi).filter(|c| is_digit(**c)) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_value(c));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ac < bc;
    }
    a.len() < b.len()
}

/// Writes a sequence's items.
struct SeqWriter<'o> {
    out: &'o mut String,
    ctx: Ctx,
    /// Indentation of the dashes.
    level: usize,
    written: usize,
}

impl SeqWriter<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        if self.written == 0 && !matches!(self.ctx, Ctx::Top) {
            self.out.push('\n');
        }
        self.written += 1;
        indent(self.out, self.level);
        self.out.push_str("- ");
        value.serialize(YamlSer { out: self.out, ctx: Ctx::Item(self.level) })
    }

    fn end(self) {
        if self.written == 0 {
            YamlSer { out: self.out, ctx: self.ctx }.scalar("[]");
        }
    }
}

impl<'o> ser::Serializer for YamlSer<'o> {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = SeqWriter<'o>;
    type SerializeTuple = SeqWriter<'o>;
    type SerializeTupleStruct = SeqWriter<'o>;
    type SerializeTupleVariant = Variant<SeqWriter<'o>>;
    type SerializeMap = SortedMap<'o>;
    type SerializeStruct = MapWriter<'o>;
    type SerializeStructVariant = Variant<MapWriter<'o>>;

    fn serialize_bool(self, v: bool) -> Result<(), SerError> {
        self.scalar(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), SerError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), SerError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), SerError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), SerError> {
        self.scalar(&v.to_string());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), SerError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), SerError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), SerError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), SerError> {
        self.scalar(&v.to_string());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), SerError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), SerError> {
        // As through a JSON tree, which has no room for infinities and NaN.
        if v.is_finite() {
            self.scalar(&format_float(v));
        } else {
            self.scalar("null");
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), SerError> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), SerError> {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), SerError> {
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Result<(), SerError> {
        self.scalar("null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), SerError> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), SerError> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), SerError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        let mut map = self.mapping();
        map.entry(variant, value)?;
        map.end();
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqWriter<'o>, SerError> {
        let level = match self.ctx {
            Ctx::Top => 0,
            Ctx::AfterKey(level) | Ctx::Item(level) => level + 2,
        };
        Ok(SeqWriter { out: self.out, ctx: self.ctx, level, written: 0 })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqWriter<'o>, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqWriter<'o>, SerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Variant<SeqWriter<'o>>, SerError> {
        Ok(Variant::start(self, variant, |ser| {
            let level = ser.ctx.entry_level();
            SeqWriter { out: ser.out, ctx: ser.ctx, level, written: 0 }
        }))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<SortedMap<'o>, SerError> {
        Ok(SortedMap { writer: self.mapping(), entries: Vec::new(), key: None })
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapWriter<'o>, SerError> {
        Ok(self.mapping())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Variant<MapWriter<'o>>, SerError> {
        Ok(Variant::start(self, variant, YamlSer::mapping))
    }
}

/// The three sequence-like serde traits, all writing items.
macro_rules! sequence_impl {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for SeqWriter<'_> {
            type Ok = ();
            type Error = SerError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
                self.item(value)
            }
            fn end(self) -> Result<(), SerError> {
                SeqWriter::end(self);
                Ok(())
            }
        }
    };
}

sequence_impl!(SerializeSeq, serialize_element);
sequence_impl!(SerializeTuple, serialize_element);
sequence_impl!(SerializeTupleStruct, serialize_field);

impl ser::SerializeMap for SortedMap<'_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.key = Some(key.serialize(KeyText)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let key = self.key.take().ok_or_else(|| SerError("a map value without its key".to_owned()))?;
        self.push(key, value)
    }
    fn end(mut self) -> Result<(), SerError> {
        sort_entries(&mut self.entries);
        self.writer.rendered(self.entries);
        self.writer.end();
        Ok(())
    }
}

impl ser::SerializeStruct for MapWriter<'_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        if key != EXTENSIONS {
            return self.entry(key, value);
        }
        // yaml.v3 writes an `,inline` map after the struct's fields, sorted like any map.
        let mut inline = String::new();
        let mut sorted =
            SortedMap { writer: MapWriter { ctx: self.ctx, level: self.level, out: &mut inline, written: 0, extensions: Vec::new() }, entries: Vec::new(), key: None };
        value.serialize(InlineMap(&mut sorted))?;
        sort_entries(&mut sorted.entries);
        self.extensions.append(&mut sorted.entries);
        Ok(())
    }
    fn end(self) -> Result<(), SerError> {
        MapWriter::end(self);
        Ok(())
    }
}

/// A newtype, tuple or struct variant: a one-entry mapping from the variant's name.
struct Variant<W> {
    inner: W,
}

impl<'o, W> Variant<W> {
    fn start(ser: YamlSer<'o>, variant: &'static str, body: impl FnOnce(YamlSer<'o>) -> W) -> Self {
        let level = ser.ctx.entry_level();
        match ser.ctx {
            Ctx::AfterKey(_) => {
                ser.out.push('\n');
                indent(ser.out, level);
            }
            Ctx::Item(_) | Ctx::Top => {}
        }
        ser.out.push_str(&yaml_string(variant));
        ser.out.push(':');
        Variant { inner: body(YamlSer { out: ser.out, ctx: Ctx::AfterKey(level) }) }
    }
}

impl ser::SerializeTupleVariant for Variant<SeqWriter<'_>> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.inner.item(value)
    }
    fn end(self) -> Result<(), SerError> {
        self.inner.end();
        Ok(())
    }
}

impl ser::SerializeStructVariant for Variant<MapWriter<'_>> {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), SerError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
    }
    fn end(self) -> Result<(), SerError> {
        self.inner.end();
        Ok(())
    }
}

/// Receives the extensions map of a struct, collecting its entries for the struct to write.
struct InlineMap<'a, 'o>(&'a mut SortedMap<'o>);

impl<'a, 'o> ser::Serializer for InlineMap<'a, 'o> {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = Impossible<(), SerError>;
    type SerializeTuple = Impossible<(), SerError>;
    type SerializeTupleStruct = Impossible<(), SerError>;
    type SerializeTupleVariant = Impossible<(), SerError>;
    type SerializeMap = Self;
    type SerializeStruct = Impossible<(), SerError>;
    type SerializeStructVariant = Impossible<(), SerError>;

    fn serialize_map(self, _len: Option<usize>) -> Result<Self, SerError> {
        Ok(self)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), SerError> {
        value.serialize(self)
    }
    fn serialize_none(self) -> Result<(), SerError> {
        Ok(())
    }
    fn serialize_unit(self) -> Result<(), SerError> {
        Ok(())
    }
        fn serialize_bool(self, _v: bool) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_i8(self, _v: i8) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_i16(self, _v: i16) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_i32(self, _v: i32) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_i64(self, _v: i64) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_u8(self, _v: u8) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_u16(self, _v: u16) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_u32(self, _v: u32) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_u64(self, _v: u64) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_f32(self, _v: f32) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_char(self, _v: char) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_str(self, _v: &str) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, _variant: &'static str) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, _value: &T) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), SerError> {
        Err(not_here())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, SerError> {
        Err(not_here())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, SerError> {
        Err(not_here())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, SerError> {
        Err(not_here())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        Err(not_here())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, SerError> {
        Err(not_here())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        Err(not_here())
    }
}

impl ser::SerializeMap for InlineMap<'_, '_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        ser::SerializeMap::serialize_key(self.0, key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        ser::SerializeMap::serialize_value(self.0, value)
    }
    fn end(self) -> Result<(), SerError> {
        Ok(())
    }
}

/// A map key as text (the model's keys are strings; numbers and booleans print as in JSON).
struct KeyText;

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = SerError;
    type SerializeSeq = Impossible<String, SerError>;
    type SerializeTuple = Impossible<String, SerError>;
    type SerializeTupleStruct = Impossible<String, SerError>;
    type SerializeTupleVariant = Impossible<String, SerError>;
    type SerializeMap = Impossible<String, SerError>;
    type SerializeStruct = Impossible<String, SerError>;
    type SerializeStructVariant = Impossible<String, SerError>;

    fn serialize_str(self, v: &str) -> Result<String, SerError> {
        Ok(v.to_owned())
    }
    fn serialize_char(self, v: char) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_bool(self, v: bool) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, SerError> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<String, SerError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<String, SerError> {
        value.serialize(self)
    }
        fn serialize_i8(self, _v: i8) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_i16(self, _v: i16) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_u8(self, _v: u8) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_u16(self, _v: u16) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_f32(self, _v: f32) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_f64(self, _v: f64) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_none(self) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_unit(self) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, SerError> {
        Err(not_here())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, SerError> {
        Err(not_here())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, SerError> {
        Err(not_here())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, SerError> {
        Err(not_here())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        Err(not_here())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, SerError> {
        Err(not_here())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, SerError> {
        Err(not_here())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        Err(not_here())
    }
}

/// What a map key or an extensions map cannot be.
fn not_here() -> SerError {
    SerError("unexpected value: a mapping key must be a string and extensions a mapping".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn less(a: &str, b: &str) -> bool {
        go_yaml_key_less(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>())
    }

    #[test]
    fn natural_key_order_like_go_yaml() {
        assert!(less("COMMON_2", "COMMON_10"));
        assert!(!less("COMMON_10", "COMMON_2"));
        assert!(less("a", "b"));
        assert!(less("a", "ab"));
        // A non-letter sorts before a letter, unless a digit came just before.
        assert!(less("a_b", "aa"));
        assert!(less("FOO_BAR", "FOOA"));
        assert!(less("a1b", "a1_"));
        // Leading zeros count as a longer number of the same value.
        assert!(less("a1", "a01"));
        assert!(less("v09", "v10"));
        // Right after a digit, a letter comes first.
        assert!(less("x1y", "x10"));
        assert!(less("A", "a"));
    }

    #[test]
    fn sorted_maps_and_ordered_structs() {
        #[derive(serde::Serialize)]
        struct S {
            zeta: u8,
            env: std::collections::BTreeMap<String, String>,
            #[serde(rename = "#extensions")]
            ext: std::collections::BTreeMap<String, serde_json::Value>,
        }
        let env = [("V_10", "a"), ("V_2", "b"), ("V_1", "c")].into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        let ext = [("x-b", serde_json::json!({"k10": 1, "k9": [], "k": {}})), ("x-a", serde_json::json!("s"))]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        let mut out = String::new();
        to_yaml_string(&vec![S { zeta: 1, env, ext }], &mut out).unwrap();
        assert_eq!(
            out,
            "- zeta: 1\n  env:\n    V_1: c\n    V_2: b\n    V_10: a\n  x-a: s\n  x-b:\n    k: {}\n    k9: []\n    k10: 1\n"
        );
    }
}
