//! berth-spec: turns compose files into a typed, validated `Project`, exactly as Docker
//! Compose does, and renders it back for `berth config`.
//!
//! The pipeline mirrors Docker Compose's loader: discovery and `.env` → YAML with spans →
//! interpolation → `extends` → `include` → merge of the files → validation → short-to-long
//! syntax → defaults and paths → typed decoding → profiles and consistency checks.

pub mod error;
pub mod node;
pub mod sources;

pub use error::{Error, ErrorKind, Result};
pub use node::{Key, Map, Node, Path, Span, Tag, Value};
