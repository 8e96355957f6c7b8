//! Decoding a `Node` tree into typed values with serde, keeping file, line and YAML path in every error.
//!
//! This is berth's counterpart of compose-go's final `mapstructure` pass: the loader hands over the
//! canonical tree and [`from_node_owned`] binds it to the typed model. Beyond a plain serde bridge it
//!
//! * attaches the YAML path and source position of the innermost failing node to every error;
//! * rejects keys a struct does not declare (with a "did you mean" hint), because by the time the
//!   tree is decoded a stray key means an earlier stage let something through;
//! * routes `x-*` keys of a struct to its field serialised as [`EXTENSIONS`], if it has one, as a
//!   synthetic mapping (compose-go does the same by moving them under `#extensions` before decoding);
//!   structs without such a field drop them, as compose-go does;
//! * treats a `null` struct field as absent and `null` elsewhere as the zero value, because
//!   mapstructure leaves the target untouched when the input is nil;
//! * accepts the scalar conversions compose-go's `cast` hook performs (integer → string,
//!   `"true"`/`"1.5"`/`"42"` → bool/float/integer).
//!
//! The tree is consumed as it is decoded: strings move into the typed values and every subtree
//! is freed once decoded, so the tree and the typed project are never both whole in memory.
//! The path of a node is a chain borrowed from its callers, spelled out only for an error.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{did_you_mean, Error, Result};
use crate::node::{Key, Map, Node, Path, Span, Value};

/// The serde name of the field that receives a struct's `x-*` keys (compose-go's `consts.Extensions`).
/// No user key can reach it: the literal key is rejected like any other unknown key.
pub const EXTENSIONS: &str = "#extensions";

/// Decodes a tree into `T`, reporting errors with the path and span of the offending node.
/// The tree is copied first; [`from_node_owned`] decodes without the copy.
pub fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T> {
    from_node_owned(node.clone())
}

/// Like [`from_node`] for a subtree found at `path`, so errors name the full YAML path.
pub fn from_node_at<T: DeserializeOwned>(node: &Node, path: &Path) -> Result<T> {
    decode(node.clone(), &Trail::Root(path))
}

/// Decodes a tree into `T`, consuming it: each subtree is freed as soon as it is decoded.
pub fn from_node_owned<T: DeserializeOwned>(node: Node) -> Result<T> {
    decode(node, &Trail::Root(&Path::root()))
}

fn decode<T: DeserializeOwned>(node: Node, trail: &Trail<'_>) -> Result<T> {
    T::deserialize(NodeDeserializer { node, trail }).map_err(|e| e.0)
}

/// Where a node sits below the root, as a chain of borrowed steps.
#[derive(Clone, Copy)]
enum Trail<'a> {
    Root(&'a Path),
    Key(&'a Trail<'a>, &'a str),
    Index(&'a Trail<'a>, usize),
}

impl Trail<'_> {
    fn to_path(self) -> Path {
        match self {
            Trail::Root(path) => path.clone(),
            Trail::Key(parent, key) => parent.to_path().key(key),
            Trail::Index(parent, index) => parent.to_path().index(index),
        }
    }
}

/// The serde error type of the node deserializer: a loader [`Error`] in serde's clothing.
#[derive(Debug)]
pub struct DeError(pub Error);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(Error::invalid(msg.to_string()))
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        let expected = exp.to_string();
        // Derived struct visitors describe themselves as "struct Foo"; users know mappings.
        let expected = if expected.starts_with("struct ") { "a mapping".to_owned() } else { expected };
        DeError(Error::invalid(format!("expected {expected}, found {unexp}")))
    }
}

impl DeError {
    fn locate(self, trail: &Trail<'_>, span: Span) -> Self {
        let err = if self.0.path.is_none() { self.0.with_path(&trail.to_path()) } else { self.0 };
        DeError(err.at(span))
    }
}

type DeResult<T> = std::result::Result<T, DeError>;

fn fail(trail: &Trail<'_>, span: Span, message: String) -> DeError {
    DeError(Error::invalid(message).with_path(&trail.to_path()).at(span))
}

/// A serde deserializer over one node of the tree, which it consumes.
struct NodeDeserializer<'a> {
    node: Node,
    trail: &'a Trail<'a>,
}

impl NodeDeserializer<'_> {
    fn mismatch(&self, expected: &str) -> DeError {
        fail(self.trail, self.node.span, format!("expected {expected}, found {}", self.node.kind_name()))
    }

    fn visit_integer<'de, V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        let result = match self.node.value {
            Value::Int(i) => visitor.visit_i64(i),
            Value::Null => visitor.visit_i64(0),
            Value::Float(f) => match float_to_integer(f) {
                Some(i) => visitor.visit_i64(i),
                None => return Err(fail(trail, span, format!("expected an integer, found {f}"))),
            },
            Value::String(s) => match s.parse::<i64>() {
                Ok(i) => visitor.visit_i64(i),
                Err(_) => return Err(fail(trail, span, format!("expected an integer, found {s:?}"))),
            },
            Value::Bool(_) | Value::Seq(_) | Value::Map(_) => return Err(self.mismatch("an integer")),
        };
        result.map_err(|e: DeError| e.locate(trail, span))
    }

    fn visit_float<'de, V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        let result = match self.node.value {
            Value::Float(f) => visitor.visit_f64(f),
            #[allow(clippy::cast_precision_loss)] // YAML integers used as floats, as Go converts them
            Value::Int(i) => visitor.visit_f64(i as f64),
            Value::Null => visitor.visit_f64(0.0),
            Value::String(s) => match s.parse::<f64>() {
                Ok(f) => visitor.visit_f64(f),
                Err(_) => return Err(fail(trail, span, format!("expected a number, found {s:?}"))),
            },
            Value::Bool(_) | Value::Seq(_) | Value::Map(_) => return Err(self.mismatch("a number")),
        };
        result.map_err(|e: DeError| e.locate(trail, span))
    }
}

fn visit_seq_of<'de, V: Visitor<'de>>(items: Vec<Node>, trail: &Trail<'_>, span: Span, visitor: V) -> DeResult<V::Value> {
    let access = NodeSeqAccess { items: items.into_iter().enumerate(), trail };
    visitor.visit_seq(access).map_err(|e: DeError| e.locate(trail, span))
}

fn visit_plain_map<'de, V: Visitor<'de>>(map: Map, trail: &Trail<'_>, span: Span, visitor: V) -> DeResult<V::Value> {
    let access = NodeMapAccess { entries: map.into_iter(), pending: None, trail };
    visitor.visit_map(access).map_err(|e: DeError| e.locate(trail, span))
}

/// An integral float as an integer; fractional or out-of-range values are refused rather than truncated.
fn float_to_integer(f: f64) -> Option<i64> {
    #[allow(clippy::cast_precision_loss)]
    let in_range = f >= i64::MIN as f64 && f < i64::MAX as f64;
    #[allow(clippy::cast_possible_truncation)]
    (f.fract() == 0.0 && in_range).then_some(f as i64)
}

/// compose-go's `toBoolean`: the YAML 1.1 words are still accepted where a string reaches a boolean.
fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "y" | "yes" | "on" => Some(true),
        "false" | "n" | "no" | "off" => Some(false),
        _ => None,
    }
}

macro_rules! integer_methods {
    ($($method:ident),*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
            self.visit_integer(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'_> {
    type Error = DeError;

    integer_methods!(
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128
    );

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        let result = match self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Int(i) => visitor.visit_i64(i),
            Value::Float(f) => visitor.visit_f64(f),
            Value::String(s) => visitor.visit_string(s),
            Value::Seq(items) => return visit_seq_of(items, trail, span, visitor),
            Value::Map(map) => return visit_plain_map(map, trail, span, visitor),
        };
        result.map_err(|e: DeError| e.locate(trail, span))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        let result = match &self.node.value {
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Null => visitor.visit_bool(false),
            Value::String(s) => match parse_bool(s) {
                Some(b) => visitor.visit_bool(b),
                None => return Err(fail(trail, span, format!("expected a boolean, found {s:?}"))),
            },
            _ => return Err(self.mismatch("a boolean")),
        };
        result.map_err(|e: DeError| e.locate(trail, span))
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        self.visit_float(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        self.visit_float(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        let result = match self.node.value {
            Value::String(s) => visitor.visit_string(s),
            Value::Null => visitor.visit_str(""),
            // compose-go's `cast` hook turns integers into strings; other scalars are refused.
            Value::Int(i) => visitor.visit_string(i.to_string()),
            _ => return Err(self.mismatch("a string")),
        };
        result.map_err(|e: DeError| e.locate(trail, span))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        if self.node.is_null() {
            return visitor.visit_none().map_err(|e: DeError| e.locate(trail, span));
        }
        visitor.visit_some(self).map_err(|e: DeError| e.locate(trail, span))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        if self.node.is_null() {
            visitor.visit_unit().map_err(|e: DeError| e.locate(self.trail, self.node.span))
        } else {
            Err(self.mismatch("null"))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> DeResult<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        visitor.visit_newtype_struct(self).map_err(|e: DeError| e.locate(trail, span))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        match self.node.value {
            Value::Seq(items) => visit_seq_of(items, trail, span, visitor),
            Value::Null => visit_seq_of(Vec::new(), trail, span, visitor),
            _ => Err(self.mismatch("a sequence")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> DeResult<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> DeResult<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        match self.node.value {
            Value::Map(map) => visit_plain_map(map, trail, span, visitor),
            Value::Null => visit_plain_map(Map::new(), trail, span, visitor),
            _ => Err(self.mismatch("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        match self.node.value {
            Value::Map(map) => {
                let access = StructAccess::new(map, fields, trail, span)?;
                visitor.visit_map(access).map_err(|e: DeError| e.locate(trail, span))
            }
            // nil decodes to the zero value in mapstructure.
            Value::Null => visitor.visit_map(StructAccess::empty(trail)).map_err(|e: DeError| e.locate(trail, span)),
            // Derived visitors would read a sequence positionally; Compose never writes structs so.
            Value::Seq(_) => Err(self.mismatch("a mapping")),
            // Types with a scalar short form (ulimits, env_file) take scalars through this path.
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> DeResult<V::Value> {
        let (span, trail) = (self.node.span, self.trail);
        match self.node.value {
            Value::String(s) => {
                let access: de::value::StringDeserializer<DeError> = s.into_deserializer();
                visitor.visit_enum(access).map_err(|e: DeError| e.locate(trail, span))
            }
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> DeResult<V::Value> {
        visitor.visit_unit()
    }
}

/// Elements of a sequence, each with its index in the path.
struct NodeSeqAccess<'t> {
    items: std::iter::Enumerate<std::vec::IntoIter<Node>>,
    trail: &'t Trail<'t>,
}

impl<'de> SeqAccess<'de> for NodeSeqAccess<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> DeResult<Option<T::Value>> {
        match self.items.next() {
            Some((index, node)) => {
                let trail = Trail::Index(self.trail, index);
                seed.deserialize(NodeDeserializer { node, trail: &trail }).map(Some)
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// Entries of a mapping whose keys are data (labels, services, networks...), not attributes.
struct NodeMapAccess<'t> {
    entries: indexmap::map::IntoIter<Key, Node>,
    pending: Option<(Key, Node)>,
    trail: &'t Trail<'t>,
}

impl<'de> MapAccess<'de> for NodeMapAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> DeResult<Option<K::Value>> {
        let Some((key, node)) = self.entries.next() else { return Ok(None) };
        let name: de::value::StrDeserializer<'_, DeError> = key.name.as_str().into_deserializer();
        let result = seed.deserialize(name).map(Some).map_err(|e: DeError| e.locate(&Trail::Key(self.trail, &key.name), key.span));
        self.pending = Some((key, node));
        result
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> DeResult<V::Value> {
        match self.pending.take() {
            Some((key, node)) => {
                let trail = Trail::Key(self.trail, &key.name);
                seed.deserialize(NodeDeserializer { node, trail: &trail })
            }
            None => Err(DeError(Error::invalid("mapping value requested before its key"))),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// The attributes of a struct: declared keys only, `x-*` keys gathered into [`EXTENSIONS`].
struct StructAccess<'t> {
    entries: std::vec::IntoIter<(Key, Node)>,
    extensions: Option<Node>,
    pending: Option<Pending>,
    trail: &'t Trail<'t>,
}

enum Pending {
    Entry(Key, Node),
    Extensions(Node),
}

impl<'t> StructAccess<'t> {
    fn empty(trail: &'t Trail<'t>) -> Self {
        StructAccess { entries: Vec::new().into_iter(), extensions: None, pending: None, trail }
    }

    fn new(map: Map, fields: &'static [&'static str], trail: &'t Trail<'t>, span: Span) -> DeResult<Self> {
        let wants_extensions = fields.contains(&EXTENSIONS);
        let mut entries = Vec::with_capacity(map.len());
        let mut extensions = Map::new();
        for (key, node) in map {
            if key.name.starts_with("x-") {
                if wants_extensions {
                    extensions.insert(key, node);
                }
                continue;
            }
            if key.name == EXTENSIONS || !fields.contains(&key.name.as_str()) {
                return Err(unknown_key(&key, fields, trail));
            }
            // mapstructure leaves a field alone when its input is nil: same as absent.
            if !node.is_null() {
                entries.push((key, node));
            }
        }
        let extensions = (!extensions.is_empty()).then(|| Node::map(extensions, span));
        Ok(StructAccess { entries: entries.into_iter(), extensions, pending: None, trail })
    }
}

fn unknown_key(key: &Key, fields: &[&str], trail: &Trail<'_>) -> DeError {
    let candidates = fields.iter().copied().filter(|f| *f != EXTENSIONS);
    let mut err = Error::invalid(format!("unknown key `{}`", key.name)).with_path(&trail.to_path()).at(key.span);
    if let Some(best) = did_you_mean(&key.name, candidates) {
        err = err.with_hint(format!("did you mean `{best}`?"));
    }
    DeError(err)
}

impl<'de> MapAccess<'de> for StructAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> DeResult<Option<K::Value>> {
        let pending = if let Some((key, node)) = self.entries.next() {
            Pending::Entry(key, node)
        } else if let Some(extensions) = self.extensions.take() {
            Pending::Extensions(extensions)
        } else {
            return Ok(None);
        };
        let pending = self.pending.insert(pending);
        let name = match pending {
            Pending::Entry(key, _) => key.name.as_str(),
            Pending::Extensions(_) => EXTENSIONS,
        };
        let name: de::value::StrDeserializer<'_, DeError> = name.into_deserializer();
        seed.deserialize(name).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> DeResult<V::Value> {
        match self.pending.take() {
            Some(Pending::Entry(key, node)) => {
                let trail = Trail::Key(self.trail, &key.name);
                seed.deserialize(NodeDeserializer { node, trail: &trail })
            }
            Some(Pending::Extensions(node)) => seed.deserialize(NodeDeserializer { node, trail: self.trail }),
            None => Err(DeError(Error::invalid("mapping value requested before its key"))),
        }
    }
}

/// The serde names a derived `Deserialize` declares for its struct, found by asking it to
/// deserialize from a probe that records them. `deserialize` is the derived entry point (for
/// `#[serde(remote = "Self")]` types, the inherent function).
pub(crate) fn struct_fields<T>(
    deserialize: impl FnOnce(FieldsProbe) -> std::result::Result<T, ProbeError>,
) -> &'static [&'static str] {
    match deserialize(FieldsProbe) {
        Err(ProbeError(Some(fields))) => fields,
        _ => &[],
    }
}

/// A deserializer that only reports the field list passed to `deserialize_struct`.
pub(crate) struct FieldsProbe;

/// Carries the probed field list out of the derived code.
#[derive(Debug)]
pub(crate) struct ProbeError(Option<&'static [&'static str]>);

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field probe")
    }
}

impl std::error::Error for ProbeError {}

impl de::Error for ProbeError {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        ProbeError(None)
    }
}

impl<'de> de::Deserializer<'de> for FieldsProbe {
    type Error = ProbeError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> std::result::Result<V::Value, ProbeError> {
        Err(ProbeError(None))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> std::result::Result<V::Value, ProbeError> {
        Err(ProbeError(Some(fields)))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Span;
    use crate::sources;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Inner {
        image: String,
        replicas: Option<u32>,
        ports: Vec<u32>,
        #[serde(rename = "#extensions")]
        extensions: BTreeMap<String, serde_json::Value>,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Outer {
        services: BTreeMap<String, Inner>,
        enabled: bool,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct NoExtensions {
        image: String,
    }

    /// A tiny tree builder with real positions, so errors can be checked for line and column.
    fn tree(text: &str, build: impl FnOnce(sources::FileId) -> Node) -> Node {
        let id = sources::register("compose.yaml", text.to_owned());
        build(id)
    }

    fn at(file: sources::FileId, line: u32, col: u32) -> Span {
        Span { file, line, col }
    }

    fn map(entries: Vec<(&str, Span, Node)>, span: Span) -> Node {
        Node::map(entries.into_iter().map(|(k, s, v)| (Key::new(k, s), v)).collect(), span)
    }

    #[test]
    fn unknown_key_names_line_and_suggestion() {
        let text = "services:\n  web:\n    imgae: redis\n";
        let node = tree(text, |f| {
            let web = map(vec![("imgae", at(f, 3, 5), Node::string("redis", at(f, 3, 12)))], at(f, 3, 5));
            let services = map(vec![("web", at(f, 2, 3), web)], at(f, 2, 3));
            map(vec![("services", at(f, 1, 1), services)], at(f, 1, 1))
        });
        let err = from_node::<Outer>(&node).unwrap_err();
        assert_eq!(err.message, "unknown key `imgae`");
        assert_eq!(err.path.as_deref(), Some("services.web"));
        assert_eq!(err.span.map(|s| (s.line, s.col)), Some((3, 5)));
        assert_eq!(err.hint.as_deref(), Some("did you mean `image`?"));
        assert!(err.to_string().starts_with("compose.yaml:3:5: services.web: unknown key"), "{err}");
    }

    #[test]
    fn wrong_type_names_innermost_path() {
        let text = "services:\n  web:\n    ports: [80, http]\n";
        let node = tree(text, |f| {
            let ports = Node::seq(
                vec![Node::new(Value::Int(80), at(f, 3, 13)), Node::string("http", at(f, 3, 17))],
                at(f, 3, 12),
            );
            let web = map(vec![("ports", at(f, 3, 5), ports)], at(f, 3, 5));
            let services = map(vec![("web", at(f, 2, 3), web)], at(f, 2, 3));
            map(vec![("services", at(f, 1, 1), services)], at(f, 1, 1))
        });
        let err = from_node::<Outer>(&node).unwrap_err();
        assert_eq!(err.path.as_deref(), Some("services.web.ports[1]"));
        assert_eq!(err.span.map(|s| (s.line, s.col)), Some((3, 17)));
        assert!(err.message.contains("expected an integer"), "{}", err.message);
    }

    #[test]
    fn mapping_where_scalar_expected() {
        let f = sources::register("compose.yaml", "enabled: {a: 1}\n");
        let node = map(
            vec![(
                "enabled",
                at(f, 1, 1),
                map(vec![("a", at(f, 1, 11), Node::new(Value::Int(1), at(f, 1, 14)))], at(f, 1, 10)),
            )],
            at(f, 1, 1),
        );
        let err = from_node::<Outer>(&node).unwrap_err();
        assert_eq!(err.message, "expected a boolean, found a mapping");
        assert_eq!(err.path.as_deref(), Some("enabled"));
        assert_eq!(err.span.map(|s| (s.line, s.col)), Some((1, 10)));
    }

    #[test]
    fn out_of_range_integer_is_located() {
        let json = serde_json::json!({"services": {"web": {"replicas": -1}}});
        let err = from_node::<Outer>(&Node::from_json(&json)).unwrap_err();
        assert_eq!(err.path.as_deref(), Some("services.web.replicas"));
        assert!(err.message.contains("-1"), "{}", err.message);
    }

    #[test]
    fn extensions_are_gathered_and_literal_field_refused() {
        let json = serde_json::json!({"services": {"web": {"image": "redis", "x-a": {"b": 1}, "x-c": "d"}}});
        let outer: Outer = from_node(&Node::from_json(&json)).unwrap();
        let web = &outer.services["web"];
        assert_eq!(web.image, "redis");
        assert_eq!(web.extensions["x-a"], serde_json::json!({"b": 1}));
        assert_eq!(web.extensions["x-c"], serde_json::json!("d"));

        let json = serde_json::json!({"services": {"web": {"#extensions": {}}}});
        let err = from_node::<Outer>(&Node::from_json(&json)).unwrap_err();
        assert_eq!(err.message, "unknown key `#extensions`");
    }

    #[test]
    fn extensions_dropped_where_not_declared() {
        let json = serde_json::json!({"image": "redis", "x-a": 1});
        let decoded: NoExtensions = from_node(&Node::from_json(&json)).unwrap();
        assert_eq!(decoded.image, "redis");
    }

    #[test]
    fn nulls_and_casts_follow_mapstructure() {
        let json =
            serde_json::json!({"services": {"web": {"image": null, "replicas": "3", "ports": null}}, "enabled": "yes"});
        let outer: Outer = from_node(&Node::from_json(&json)).unwrap();
        assert!(outer.enabled);
        let web = &outer.services["web"];
        assert_eq!(web.image, "");
        assert_eq!(web.replicas, Some(3));
        assert!(web.ports.is_empty());

        let json = serde_json::json!({"image": 42});
        let decoded: NoExtensions = from_node(&Node::from_json(&json)).unwrap();
        assert_eq!(decoded.image, "42");
        let json = serde_json::json!({"image": true});
        let err = from_node::<NoExtensions>(&Node::from_json(&json)).unwrap_err();
        assert_eq!(err.message, "expected a string, found a boolean");
        assert_eq!(err.path.as_deref(), Some("image"));
    }

    #[test]
    fn sequence_is_not_a_struct() {
        let json = serde_json::json!({"services": {"web": ["redis"]}});
        let err = from_node::<Outer>(&Node::from_json(&json)).unwrap_err();
        assert_eq!(err.message, "expected a mapping, found a sequence");
        assert_eq!(err.path.as_deref(), Some("services.web"));
    }

    #[test]
    fn scalar_is_not_a_struct() {
        let json = serde_json::json!({"services": {"web": 3}});
        let err = from_node::<Outer>(&Node::from_json(&json)).unwrap_err();
        assert_eq!(err.message, "expected a mapping, found integer `3`");
        assert_eq!(err.path.as_deref(), Some("services.web"));
    }

    #[test]
    fn probe_reports_declared_fields() {
        let fields = struct_fields(Inner::deserialize);
        assert_eq!(fields, &["image", "replicas", "ports", "#extensions"]);
    }
}
