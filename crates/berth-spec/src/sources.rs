//! Registry of every source text the loader has read, so that a `Span` can stay
//! small (an id, a line and a column) and errors can still quote the line they point at.

use std::sync::{Arc, OnceLock, RwLock};

/// Index of a registered source in the process-wide registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FileId(pub u32);

/// One registered source: the name shown to users (a path, or `-` for stdin) and its text.
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub text: Arc<str>,
}

fn registry() -> &'static RwLock<Vec<Arc<Source>>> {
    static REGISTRY: OnceLock<RwLock<Vec<Arc<Source>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        // Id 0 is reserved for values berth makes itself (defaults, command-line input).
        RwLock::new(vec![Arc::new(Source { name: "<berth>".into(), text: Arc::from("") })])
    })
}

/// Registers a source and returns its id. Registering the same text twice gives two ids;
/// that is harmless and keeps this lock-light.
pub fn register(name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
    let mut reg = registry().write().unwrap_or_else(std::sync::PoisonError::into_inner);
    reg.push(Arc::new(Source { name: name.into(), text: text.into() }));
    FileId(u32::try_from(reg.len() - 1).unwrap_or(u32::MAX))
}

/// Looks a registered source up.
pub fn get(id: FileId) -> Arc<Source> {
    let reg = registry().read().unwrap_or_else(std::sync::PoisonError::into_inner);
    reg.get(id.0 as usize).cloned().unwrap_or_else(|| reg[0].clone())
}

/// The text of line `line` (1-based) of a source, without its line break.
pub fn line_text(id: FileId, line: u32) -> Option<String> {
    let src = get(id);
    src.text.lines().nth((line as usize).checked_sub(1)?).map(str::to_owned)
}
