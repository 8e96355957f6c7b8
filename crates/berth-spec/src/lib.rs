//! berth-spec: turns compose files into a typed, validated `Project`, exactly as Docker
//! Compose does, and renders it back for `berth config`.
//!
//! The pipeline mirrors Docker Compose's loader: discovery and `.env` → YAML with spans →
//! interpolation → `extends` → `include` → merge of the files → validation → short-to-long
//! syntax → defaults and paths → typed decoding → profiles and consistency checks.

pub mod canonical;
pub mod config;
pub mod consistency;
pub mod de;
pub mod defaults;
pub mod discovery;
pub mod dotenv;
pub mod environment;
pub mod error;
pub mod extends;
pub mod include;
pub mod interpolate;
pub mod loader;
pub mod merge;
pub mod model;
pub mod node;
pub mod normalize;
pub mod paths;
pub mod profiles;
pub mod project;
pub mod pull_policy;
pub mod schema;
pub mod sources;
pub mod template;
pub mod yaml;

pub use environment::Environment;
pub use error::{Error, ErrorKind, Result};
pub use node::{Key, Map, Node, Path, Span, Tag, Value};
