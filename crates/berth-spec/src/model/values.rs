//! Compose's scalar-ish value types and the lenient decoders behind its collection types.
//!
//! Each type here mirrors a compose-go type with a `DecodeMapstructure` hook or a custom
//! marshaller: sizes (`UnitBytes`, printed as a quoted integer), Go durations, CPU counts,
//! device counts, `extra_hosts`, and the decoders for labels, mappings, string lists and
//! commands, which accept every input form compose-go's hooks accept.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::shellwords;
use crate::node::format_float;

/// `x-*` attributes kept on an object, with their values as written.
pub type Extensions = BTreeMap<String, serde_json::Value>;
/// A `key: value` mapping where a missing value means the empty string (`sysctls`, `annotations`).
pub type Mapping = BTreeMap<String, String>;
/// Labels: a mapping, or a list of `key=value` strings.
pub type Labels = BTreeMap<String, String>;
/// Options passed through to a driver as they are.
pub type Options = BTreeMap<String, String>;
/// A mapping where `KEY` alone (no `=`) is kept as "no value" (`environment`, build `args`).
pub type MappingWithEquals = BTreeMap<String, Option<String>>;
/// A command: `None` when unset, `Some(vec![])` when explicitly cleared.
pub type ShellCommand = Option<Vec<String>>;

/// A value rendered the way Go's `fmt.Sprint` renders a YAML scalar, or null.
enum Scalar {
    Null,
    Text(String),
}

impl Scalar {
    fn or_empty(self) -> String {
        match self {
            Scalar::Null => String::new(),
            Scalar::Text(s) => s,
        }
    }
    fn into_option(self) -> Option<String> {
        match self {
            Scalar::Null => None,
            Scalar::Text(s) => Some(s),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Text(format_float(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Which list form a key/value decoder is reading, and what a bare `KEY` means there.
#[derive(Clone, Copy)]
enum ListForm {
    /// `KEY` → empty value (`labels`, `Mapping`).
    Empty,
    /// `KEY` → no value (`MappingWithEquals`).
    Unset,
    /// No list form at all (`Options`).
    Refused,
}

/// Decodes a mapping or a `key=value` list into `(key, value)` pairs.
fn key_values<'de, D: Deserializer<'de>>(
    d: D,
    form: ListForm,
    what: &'static str,
) -> Result<Vec<(String, Option<String>)>, D::Error> {
    struct V {
        form: ListForm,
        what: &'static str,
    }
    impl<'de> Visitor<'de> for V {
        type Value = Vec<(String, Option<String>)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.form {
                ListForm::Refused => write!(f, "a mapping for {}", self.what),
                _ => write!(f, "a mapping or a list of key=value strings for {}", self.what),
            }
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Scalar>()? {
                out.push((k, v.into_option()));
            }
            Ok(out)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            if matches!(self.form, ListForm::Refused) {
                return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
            }
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<Scalar>()? {
                let item = item.or_empty();
                if let Some((k, v)) = item.split_once('=') {
                    out.push((k.to_owned(), Some(v.to_owned())));
                } else {
                    let value = match self.form {
                        ListForm::Unset => None,
                        _ => Some(String::new()),
                    };
                    out.push((item, value));
                }
            }
            Ok(out)
        }
    }
    d.deserialize_any(V { form, what })
}

/// Decodes `Labels`: a mapping (null → "") or a list of `key[=value]`.
pub fn labels<'de, D: Deserializer<'de>>(d: D) -> Result<Labels, D::Error> {
    Ok(key_values(d, ListForm::Empty, "labels")?.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect())
}

/// Decodes a `Mapping`: a mapping (null → "") or a list of `key[=value]`.
pub fn mapping<'de, D: Deserializer<'de>>(d: D) -> Result<Mapping, D::Error> {
    Ok(key_values(d, ListForm::Empty, "mapping")?.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect())
}

/// Decodes `Options`: a mapping only (null → "").
pub fn options<'de, D: Deserializer<'de>>(d: D) -> Result<Options, D::Error> {
    Ok(key_values(d, ListForm::Refused, "options")?.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect())
}

/// Decodes a `MappingWithEquals`: a mapping (null kept as unset) or a list of `KEY` / `KEY=value`.
pub fn mapping_with_equals<'de, D: Deserializer<'de>>(d: D) -> Result<MappingWithEquals, D::Error> {
    Ok(key_values(d, ListForm::Unset, "mapping")?.into_iter().collect())
}

/// Decodes a `StringList`: one string, or a list of strings.
pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a list of strings")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_owned()])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<StrictString>()? {
                out.push(item.0);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

/// Decodes a `StringOrNumberList` (`expose`): one string, or a list of scalars rendered as strings.
pub fn string_or_number_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a list of strings and numbers")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_owned()])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<Scalar>()? {
                out.push(item.or_empty());
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

/// A string that must really be a string in the source (compose-go asserts the element type).
struct StrictString(String);

impl<'de> Deserialize<'de> for StrictString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StrictString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StrictString, E> {
                Ok(StrictString(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A list of strings written as a sequence of strings, or one string in a given short form.
fn string_or_strings<'de, D: Deserializer<'de>>(
    d: D,
    expecting: &'static str,
    from_str: fn(&str) -> Result<Vec<String>, String>,
) -> Result<Vec<String>, D::Error> {
    struct V {
        expecting: &'static str,
        from_str: fn(&str) -> Result<Vec<String>, String>,
    }
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            (self.from_str)(v).map_err(E::custom)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<StrictString>()? {
                out.push(item.0);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V { expecting, from_str })
}

/// Decodes a `ShellCommand`: a list of strings, or a string split as a POSIX shell would.
pub fn shell_command<'de, D: Deserializer<'de>>(d: D) -> Result<ShellCommand, D::Error> {
    string_or_strings(d, "a command string or a list of strings", shellwords::split).map(Some)
}

/// Decodes a healthcheck `test`: a list, or a string meaning `["CMD-SHELL", string]`.
pub fn healthcheck_test<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    string_or_strings(d, "a command string or a list of strings", |s| Ok(vec!["CMD-SHELL".to_owned(), s.to_owned()]))
}

/// Decodes `x-*` attributes as Go holds them: nested mappings ordered by key and integral
/// floats printed as integers, as Go's encoders print them.
pub fn extensions<'de, D: Deserializer<'de>>(d: D) -> Result<Extensions, D::Error> {
    let raw = BTreeMap::<String, serde_json::Value>::deserialize(d)?;
    Ok(raw.into_iter().map(|(k, v)| (k, like_go(v))).collect())
}

fn like_go(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> = map.into_iter().map(|(k, v)| (k, like_go(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(like_go).collect()),
        Value::Number(n) if n.is_f64() => match n.as_f64().and_then(super::output::integral) {
            Some(i) => Value::from(i),
            None => Value::Number(n),
        },
        other => other,
    }
}

/// A size in bytes (`mem_limit`, `shm_size`...). Written as an integer or a string such as
/// `"512m"` (binary units); printed, as Docker Compose prints it, as a quoted integer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitBytes(pub i64);

impl UnitBytes {
    /// True when unset (zero), which is when Compose omits it.
    pub fn is_zero(&self) -> bool {
        self.0 == 0
    }
}

impl Serialize for UnitBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for UnitBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = UnitBytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size in bytes, as an integer or a string like \"512m\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<UnitBytes, E> {
                Ok(UnitBytes(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<UnitBytes, E> {
                i64::try_from(v).map(UnitBytes).map_err(|_| E::custom(format!("size {v} is too large")))
            }
            // compose-go's hook has no case for floats and leaves the size unset.
            fn visit_f64<E: de::Error>(self, _v: f64) -> Result<UnitBytes, E> {
                Ok(UnitBytes(0))
            }
            fn visit_unit<E: de::Error>(self) -> Result<UnitBytes, E> {
                Ok(UnitBytes(0))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<UnitBytes, E> {
                // A plain (possibly negative) integer is what `config` prints; read it back as is.
                if let Ok(n) = v.parse::<i64>() {
                    return Ok(UnitBytes(n));
                }
                ram_in_bytes(v).map(UnitBytes).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses a human-readable size with binary multipliers (`k`=1024...), like go-units' `RAMInBytes`.
pub fn ram_in_bytes(size: &str) -> Result<i64, String> {
    let invalid = || format!("invalid size: '{size}'");
    let sep = size.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ').ok_or_else(invalid)?;
    // `sep` is the position of an ASCII character, so both sides are on character boundaries.
    let (head, tail) = size.split_at(sep);
    let suffix = tail.get(1..).unwrap_or_default();
    let num = if tail.starts_with(' ') { head } else { size.get(..=sep).unwrap_or(size) };
    let value: f64 = num.parse().map_err(|_| format!("strconv.ParseFloat: parsing {num:?}: invalid syntax"))?;
    if value < 0.0 {
        return Err(invalid());
    }
    // go-units lowercases the suffix only after its length check, and quotes what it checked.
    let lower = if suffix.len() > 3 { suffix.to_owned() } else { suffix.to_ascii_lowercase() };
    let bad_suffix = || format!("invalid suffix: '{lower}'");
    let multiplier: f64 = match lower.as_bytes() {
        [] | [b'b'] => 1.0,
        [unit, rest @ ..] if rest.is_empty() || rest == b"b" || rest == b"ib" => match unit {
            b'k' => 1024.0,
            b'm' => 1024.0 * 1024.0,
            b'g' => 1024.0 * 1024.0 * 1024.0,
            b't' => 1024.0 * 1024.0 * 1024.0 * 1024.0,
            b'p' => 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
            _ => return Err(bad_suffix()),
        },
        _ => return Err(bad_suffix()),
    };
    // Go converts with int64(float): values past the range saturate here instead of wrapping.
    #[allow(clippy::cast_possible_truncation)]
    Ok((value * multiplier) as i64)
}

/// A Go `time.Duration` (nanoseconds), written and printed as `"1m30s"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Duration {
    /// The duration in nanoseconds.
    pub fn as_nanos(&self) -> i64 {
        self.0
    }
    /// The duration as a `std::time::Duration`; negative durations become zero.
    pub fn to_std(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(u64::try_from(self.0).unwrap_or(0))
    }
    /// True for the zero duration, which Compose omits.
    pub fn is_zero(&self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_go_duration(self.0))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_go_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // compose-go parses `fmt.Sprint(value)`, so `0` works and `10` lacks a unit.
        let text = Scalar::deserialize(d)?.or_empty();
        parse_go_duration(&text).map(Duration).map_err(de::Error::custom)
    }
}

/// Formats nanoseconds as Go's `time.Duration.String` does (`1h0m0s`, `1.5s`, `300ms`, `0s`).
pub fn format_go_duration(nanos: i64) -> String {
    let negative = nanos < 0;
    let mut u = nanos.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        if u == 0 {
            return "0s".to_owned();
        }
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let (whole, frac) = split_frac(u, prec);
        out.push_str(&whole.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (secs, frac) = split_frac(u, 9);
        u = secs;
        let s = u % 60;
        u /= 60;
        let seconds = format!("{s}{frac}s");
        if u > 0 {
            let m = u % 60;
            u /= 60;
            if u > 0 {
                let _ = write!(out, "{u}h");
            }
            let _ = write!(out, "{m}m");
        }
        out.push_str(&seconds);
    }
    if negative {
        out.insert(0, '-');
    }
    out
}

/// Splits `v` into `v / 10^prec` and the fraction digits (with the dot, trailing zeros removed).
fn split_frac(v: u64, prec: u32) -> (u64, String) {
    let scale = 10u64.pow(prec);
    let whole = v / scale;
    let frac = v % scale;
    if frac == 0 {
        return (whole, String::new());
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    (whole, format!(".{}", digits.trim_end_matches('0')))
}

/// Parses a Go duration string (`"1h30m"`, `"1.5s"`, `"-2ms"`, `"0"`), as `time.ParseDuration`.
pub fn parse_go_duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {text:?}");
    let mut s = text;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let int_len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (int_part, rest) = s.split_at(int_len);
        s = rest;
        let mut frac_part = "";
        if let Some(rest) = s.strip_prefix('.') {
            let frac_len = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
            (frac_part, s) = rest.split_at(frac_len);
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(invalid());
            }
        } else if int_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {text:?}"));
        }
        let (unit, rest) = s.split_at(unit_len);
        s = rest;
        let scale: u64 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "h" => 3_600 * 1_000_000_000,
            _ => return Err(format!("time: unknown unit {unit:?} in duration {text:?}")),
        };
        let whole: u64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| invalid())? };
        let mut value = whole.checked_mul(scale).ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            // Go keeps fraction digits while they fit and scales them down exactly.
            let mut frac: u64 = 0;
            let mut frac_scale: u64 = 1;
            for c in frac_part.bytes() {
                let Some(next) = frac.checked_mul(10).and_then(|f| f.checked_add(u64::from(c - b'0'))) else {
                    break;
                };
                let Some(next_scale) = frac_scale.checked_mul(10) else { break };
                frac = next;
                frac_scale = next_scale;
            }
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let extra = (frac as f64 * (scale as f64 / frac_scale as f64)) as u64;
            value = value.checked_add(extra).ok_or_else(invalid)?;
        }
        total = total.checked_add(value).ok_or_else(invalid)?;
    }
    if negative {
        if total > i64::MAX.unsigned_abs() + 1 {
            return Err(invalid());
        }
        // total ≤ 2^63, so the negation fits.
        Ok(0i64.wrapping_sub_unsigned(total))
    } else {
        i64::try_from(total).map_err(|_| invalid())
    }
}

/// A number of CPUs (`deploy.resources.*.cpus`): written as a number or a numeric string.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct NanoCpus(pub f32);

impl NanoCpus {
    /// True when unset (zero), which is when Compose omits it.
    pub fn is_zero(&self) -> bool {
        self.0 == 0.0
    }
}

impl Serialize for NanoCpus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        super::output::serialize_f32(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for NanoCpus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NanoCpus;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of CPUs")
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NanoCpus, E> {
                Ok(NanoCpus(v as f32))
            }
            #[allow(clippy::cast_precision_loss)]
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NanoCpus, E> {
                Ok(NanoCpus(v as f32))
            }
            #[allow(clippy::cast_possible_truncation)]
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NanoCpus, E> {
                Ok(NanoCpus(v as f32))
            }
            #[allow(clippy::cast_possible_truncation)]
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NanoCpus, E> {
                v.parse::<f64>()
                    .map(|f| NanoCpus(f as f32))
                    .map_err(|_| E::custom(format!("strconv.ParseFloat: parsing {v:?}: invalid syntax")))
            }
        }
        d.deserialize_any(V)
    }
}

/// How many devices a device request wants; `-1` means `all`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DeviceCount(pub i64);

impl DeviceCount {
    /// The value that stands for `count: all`.
    pub const ALL: DeviceCount = DeviceCount(-1);
    /// True when unset (zero), which is when Compose omits it.
    pub fn is_zero(&self) -> bool {
        self.0 == 0
    }
}

impl<'de> Deserialize<'de> for DeviceCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DeviceCount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or 'all'")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DeviceCount, E> {
                Ok(DeviceCount(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DeviceCount, E> {
                i64::try_from(v).map(DeviceCount).map_err(|_| E::custom(format!("device count {v} is too large")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DeviceCount, E> {
                if v.eq_ignore_ascii_case("all") {
                    return Ok(DeviceCount::ALL);
                }
                v.parse()
                    .map(DeviceCount)
                    .map_err(|_| E::custom(format!("invalid value {v:?}, the only value allowed is 'all' or a number")))
            }
        }
        d.deserialize_any(V)
    }
}

/// `extra_hosts`: host name → addresses. Written as a mapping or a list of `host=ip` /
/// `host:ip`; printed as a sorted list of `host=ip`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostsList(pub BTreeMap<String, Vec<String>>);

impl HostsList {
    /// True when no host is listed, which is when Compose omits it.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries as `host<sep>ip` strings, sorted (the Engine API wants `:`, output uses `=`).
    pub fn as_list(&self, sep: &str) -> Vec<String> {
        let mut list: Vec<String> =
            self.0.iter().flat_map(|(host, ips)| ips.iter().map(move |ip| format!("{host}{sep}{ip}"))).collect();
        list.sort();
        list
    }

    /// Parses `host=ip` / `host:ip` entries; several addresses may be comma-separated.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<HostsList, String> {
        let mut hosts: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for entry in entries {
            let (host, ips) = entry
                .split_once('=')
                .or_else(|| entry.split_once(':'))
                .ok_or_else(|| format!("invalid additional host, missing IP: {entry}"))?;
            hosts.entry(host.to_owned()).or_default().extend(ips.split(',').map(str::to_owned));
        }
        HostsList::cleaned(hosts)
    }

    fn cleaned(mut hosts: BTreeMap<String, Vec<String>>) -> Result<HostsList, String> {
        for (host, ips) in &mut hosts {
            if host.is_empty() || host.contains([':', '=']) {
                return Err(format!("bad host name '{host}'"));
            }
            for ip in ips.iter_mut() {
                if let Some(inner) = ip.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                    // Go requires more than the two brackets: "[]" stays as it is.
                    if !inner.is_empty() {
                        *ip = inner.to_owned();
                    }
                }
            }
        }
        Ok(HostsList(hosts))
    }
}

impl Serialize for HostsList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_list("=").serialize(s)
    }
}

impl<'de> Deserialize<'de> for HostsList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HostsList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping or a list of host=ip strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<HostsList, A::Error> {
                let mut entries = Vec::new();
                while let Some(item) = seq.next_element::<Scalar>()? {
                    entries.push(item.or_empty());
                }
                HostsList::from_entries(entries.iter().map(String::as_str)).map_err(de::Error::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HostsList, A::Error> {
                let mut hosts = BTreeMap::new();
                while let Some(host) = map.next_key::<String>()? {
                    let ips = map.next_value::<HostAddresses>()?.0;
                    hosts.insert(host, ips);
                }
                HostsList::cleaned(hosts).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// The value of one `extra_hosts` mapping entry: an address, a list of them, or null.
struct HostAddresses(Vec<String>);

impl<'de> Deserialize<'de> for HostAddresses {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HostAddresses;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an address or a list of addresses")
            }
            fn visit_unit<E: de::Error>(self) -> Result<HostAddresses, E> {
                Ok(HostAddresses(vec![String::new()]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HostAddresses, E> {
                Ok(HostAddresses(vec![v.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<HostAddresses, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Scalar>()? {
                    out.push(item.or_empty());
                }
                Ok(HostAddresses(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5µs"),
            (300_000_000, "300ms"),
            (1_000_000_000, "1s"),
            (1_500_000_000, "1.5s"),
            (10_000_000_000, "10s"),
            (60_000_000_000, "1m0s"),
            (90_000_000_000, "1m30s"),
            (3_600_000_000_000, "1h0m0s"),
            (-5_000_000_000, "-5s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ];
        for (nanos, text) in cases {
            assert_eq!(format_go_duration(nanos), text);
        }
    }

    #[test]
    fn durations_parse_like_go() {
        assert_eq!(parse_go_duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(parse_go_duration("1h0m0s"), Ok(3_600_000_000_000));
        assert_eq!(parse_go_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_go_duration(".5s"), Ok(500_000_000));
        assert_eq!(parse_go_duration("300ms"), Ok(300_000_000));
        assert_eq!(parse_go_duration("2µs"), Ok(2_000));
        assert_eq!(parse_go_duration("-2us"), Ok(-2_000));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("10"), Err("time: missing unit in duration \"10\"".to_owned()));
        assert_eq!(parse_go_duration("1d"), Err("time: unknown unit \"d\" in duration \"1d\"".to_owned()));
        assert_eq!(parse_go_duration(""), Err("time: invalid duration \"\"".to_owned()));
        assert_eq!(parse_go_duration("s"), Err("time: invalid duration \"s\"".to_owned()));
        assert!(parse_go_duration("9999999999h").is_err());
    }

    #[test]
    fn sizes_parse_like_go_units() {
        assert_eq!(ram_in_bytes("512m"), Ok(512 * 1024 * 1024));
        assert_eq!(ram_in_bytes("1GB"), Ok(1024 * 1024 * 1024));
        assert_eq!(ram_in_bytes("1.5k"), Ok(1536));
        assert_eq!(ram_in_bytes("2 KiB"), Ok(2048));
        assert_eq!(ram_in_bytes("100"), Ok(100));
        assert_eq!(ram_in_bytes("10b"), Ok(10));
        assert_eq!(ram_in_bytes("1x"), Err("invalid suffix: 'x'".to_owned()));
        assert_eq!(ram_in_bytes("1kbb"), Err("invalid suffix: 'kbb'".to_owned()));
        assert_eq!(ram_in_bytes("abc"), Err("invalid size: 'abc'".to_owned()));
        assert_eq!(ram_in_bytes("-1"), Err("invalid size: '-1'".to_owned()));
    }

    #[test]
    fn hosts_accept_both_separators_and_strip_brackets() {
        let hosts = HostsList::from_entries(["a=1.2.3.4", "b:5.6.7.8", "c=[::1]", "a=9.9.9.9,8.8.8.8"]).unwrap();
        assert_eq!(hosts.as_list("="), ["a=1.2.3.4", "a=8.8.8.8", "a=9.9.9.9", "b=5.6.7.8", "c=::1"]);
        assert_eq!(HostsList::from_entries(["nohost"]), Err("invalid additional host, missing IP: nohost".into()));
        assert_eq!(HostsList::from_entries(["=1.2.3.4"]), Err("bad host name ''".into()));
    }
}
