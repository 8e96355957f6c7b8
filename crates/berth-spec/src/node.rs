//! The loader's working tree: a YAML value in which every node remembers where it came from.
//!
//! Everything before typed decoding (interpolation, `extends`, `include`, merging,
//! short-to-long syntax, defaults, path resolution) operates on `Node`s, as Docker Compose
//! operates on its untyped dictionary, so that errors found late still point at a file,
//! line and column.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};

use indexmap::IndexMap;

use crate::sources::FileId;

/// A position in a registered source. Lines and columns are 1-based; line 0 means
/// "made by berth" (a default or a value from the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub file: FileId,
    pub line: u32,
    pub col: u32,
}

impl Span {
    /// A span for values berth creates itself.
    pub const SYNTHETIC: Span = Span { file: FileId(0), line: 0, col: 0 };

    pub fn is_synthetic(&self) -> bool {
        self.line == 0
    }
}

/// YAML tags that change how a value merges with the files before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tag {
    #[default]
    None,
    /// `!reset`: drop the value inherited from earlier files.
    Reset,
    /// `!override`: replace the inherited value instead of merging with it.
    Override,
}

/// A mapping key. Equality and hashing use the name only, so `map.get("image")` works.
#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Key {
    pub fn new(name: impl Into<String>, span: Span) -> Self {
        Key { name: name.into(), span }
    }
    pub fn synthetic(name: impl Into<String>) -> Self {
        Key { name: name.into(), span: Span::SYNTHETIC }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Key {}
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}
impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        &self.name
    }
}
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// An ordered mapping, in source order.
pub type Map = IndexMap<Key, Node>;

/// The value held by a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    Map(Map),
}

/// A value with its position and merge tag.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    pub tag: Tag,
}

/// Nodes compare by value only: where a value came from does not change what it is.
impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Node { value, span, tag: Tag::None }
    }
    /// A node berth made itself (no source position).
    pub fn synthetic(value: Value) -> Self {
        Node::new(value, Span::SYNTHETIC)
    }
    pub fn null(span: Span) -> Self {
        Node::new(Value::Null, span)
    }
    pub fn string(s: impl Into<String>, span: Span) -> Self {
        Node::new(Value::String(s.into()), span)
    }
    pub fn map(m: Map, span: Span) -> Self {
        Node::new(Value::Map(m), span)
    }
    pub fn seq(v: Vec<Node>, span: Span) -> Self {
        Node::new(Value::Seq(v), span)
    }

    /// A short name for the node's type, for error messages ("expected a string, found a mapping").
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    /// The child under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key)
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut()?.get_mut(key)
    }

    /// The node at `path` below this one, if there is one.
    pub fn lookup(&self, path: &Path) -> Option<&Node> {
        let mut node = self;
        for part in &path.0 {
            node = match part {
                PathPart::Key(k) => node.get(k)?,
                PathPart::Index(i) => node.as_seq()?.get(*i)?,
            };
        }
        Some(node)
    }

    /// The deepest node along `path` that exists, for pointing an error at the closest place.
    pub fn closest(&self, path: &Path) -> &Node {
        let mut node = self;
        for part in &path.0 {
            let next = match part {
                PathPart::Key(k) => node.get(k),
                PathPart::Index(i) => node.as_seq().and_then(|s| s.get(*i)),
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// Scalars rendered as Compose renders them when a string is needed
    /// (`8080` → "8080", `true` → "true"); `None` for null, sequences and mappings.
    pub fn scalar_to_string(&self) -> Option<String> {
        match &self.value {
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format_float(*f)),
            Value::String(s) => Some(s.clone()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// Converts to JSON, dropping positions and tags.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(m) => serde_json::Value::Object(
                m.iter().map(|(k, v)| (k.name.clone(), v.to_json())).collect(),
            ),
        }
    }

    /// Builds a synthetic tree from JSON (used for values berth computes).
    pub fn from_json(v: &serde_json::Value) -> Node {
        let value = match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::Seq(a.iter().map(Node::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter().map(|(k, v)| (Key::synthetic(k.clone()), Node::from_json(v))).collect(),
            ),
        };
        Node::synthetic(value)
    }
}

/// Formats a float the way Go's `strconv.FormatFloat(f, 'g', -1, 64)` does for common values,
/// which is how Compose turns a YAML float into a string.
pub fn format_float(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f.is_nan() {
        return "NaN".into();
    }
    let exp = if f == 0.0 { 0 } else { f.abs().log10().floor() as i32 };
    if (-4..21).contains(&exp) {
        let s = format!("{f}");
        s
    } else {
        let s = format!("{f:e}");
        // Rust prints 1e21, Go prints 1e+21.
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e:0>2}"),
            Some((m, e)) => format!("{m}e-{:0>2}", &e[1..]),
            None => s,
        }
    }
}

/// A dotted path into the tree (`services.web.ports[1]`), for error messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path(Vec<PathPart>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum PathPart {
    Key(String),
    Index(usize),
}

impl Path {
    pub fn root() -> Self {
        Path(Vec::new())
    }
    pub fn key(&self, k: &str) -> Path {
        let mut p = self.clone();
        p.0.push(PathPart::Key(k.to_owned()));
        p
    }
    pub fn index(&self, i: usize) -> Path {
        let mut p = self.clone();
        p.0.push(PathPart::Index(i));
        p
    }
    /// Reads back the text form (`services.web.ports[1]`); keys containing dots cannot be
    /// told apart from nested keys, which only matters for error positions.
    pub fn parse(text: &str) -> Path {
        let mut parts = Vec::new();
        for seg in text.split('.').filter(|s| !s.is_empty()) {
            let (key, mut rest) = match seg.find('[') {
                Some(i) => (&seg[..i], &seg[i..]),
                None => (seg, ""),
            };
            if !key.is_empty() {
                parts.push(PathPart::Key(key.to_owned()));
            }
            while let Some(end) = rest.find(']') {
                if let Ok(i) = rest[1..end].parse() {
                    parts.push(PathPart::Index(i));
                }
                rest = &rest[end + 1..];
            }
        }
        Path(parts)
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    /// The keys of the path, with indices rendered as `[]`, for rule tables keyed by path
    /// (`services.*.ports` style matching is done by the caller).
    pub fn parts(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|p| match p {
                PathPart::Key(k) => k.clone(),
                PathPart::Index(_) => "[]".to_owned(),
            })
            .collect()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for part in &self.0 {
            match part {
                PathPart::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                PathPart::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display() {
        let p = Path::root().key("services").key("web").key("ports").index(1);
        assert_eq!(p.to_string(), "services.web.ports[1]");
        assert_eq!(p.parts(), vec!["services", "web", "ports", "[]"]);
    }

    #[test]
    fn path_parse_round_trips() {
        let p = Path::root().key("services").key("web").key("ports").index(1).key("target");
        assert_eq!(Path::parse(&p.to_string()), p);
    }

    #[test]
    fn floats_like_go() {
        assert_eq!(format_float(1.5), "1.5");
        assert_eq!(format_float(0.5), "0.5");
        assert_eq!(format_float(100.0), "100");
        assert_eq!(format_float(1e21), "1e+21");
    }

    #[test]
    fn map_lookup_by_str() {
        let mut m = Map::new();
        m.insert(Key::new("image", Span::SYNTHETIC), Node::string("redis", Span::SYNTHETIC));
        assert_eq!(m.get("image").and_then(Node::as_str), Some("redis"));
    }
}
