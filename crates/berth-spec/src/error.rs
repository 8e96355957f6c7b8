//! Loader errors: what went wrong, where (file, YAML path, line, column) and what to do.

use std::fmt;

use crate::node::{Path, Span};
use crate::sources;

/// What sort of problem an error reports; the CLI maps kinds to exit codes and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is malformed or breaks a rule of the Compose Specification.
    Invalid,
    /// The input is valid Compose but berth (or the reference) does not support it.
    Unsupported,
    /// A file, variable or referenced object does not exist.
    NotFound,
    /// Reading a file failed.
    Io,
    /// The command line names something the project does not have (a service). Compose
    /// reports these after loading, as plain failures.
    Selection,
}

/// A loader error. Every error the loader reports is one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// Where in the YAML tree, when known (`services.web.ports[1]`).
    pub path: Option<String>,
    /// Where in the source, when known.
    pub span: Option<Span>,
    /// A hint printed after the message ("did you mean `image`?").
    pub hint: Option<String>,
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), path: None, span: None, hint: None }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Invalid, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Unsupported, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, message)
    }
    pub fn io(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Io, message)
    }
    pub fn selection(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Selection, message)
    }
    /// Sets the position, keeping a real one over a synthetic one.
    #[must_use]
    pub fn at(mut self, span: Span) -> Self {
        if self.span.is_none_or(|s| s.is_synthetic()) && !span.is_synthetic() {
            self.span = Some(span);
        }
        self
    }
    /// Sets the YAML path if none is set yet (the innermost path wins).
    #[must_use]
    pub fn with_path(mut self, path: &Path) -> Self {
        if self.path.is_none() && !path.is_root() {
            self.path = Some(path.to_string());
        }
        self
    }
    /// Replaces the message, keeping position and hint.
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The file name of the span, if it points into a registered source.
    pub fn file(&self) -> Option<String> {
        let span = self.span.filter(|s| !s.is_synthetic())?;
        Some(sources::get(span.file).name.clone())
    }

    /// Multi-line rendering with the offending source line and a caret under the column.
    pub fn render(&self) -> String {
        let mut out = self.to_string();
        if let Some(span) = self.span.filter(|s| !s.is_synthetic()) {
            if let Some(text) = sources::line_text(span.file, span.line) {
                let num = span.line.to_string();
                let pad = " ".repeat(num.len());
                out.push_str(&format!("\n {pad} |\n {num} | {text}\n {pad} | "));
                let col = span.col.saturating_sub(1) as usize;
                let lead: String =
                    text.chars().take(col).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
                out.push_str(&lead);
                out.push('^');
            }
        }
        if let Some(hint) = &self.hint {
            out.push_str("\n  = hint: ");
            out.push_str(hint);
        }
        out
    }
}

/// One line: `file:line:col: path: message`.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(span) = self.span.filter(|s| !s.is_synthetic()) {
            write!(f, "{}:{}:{}: ", sources::get(span.file).name, span.line, span.col)?;
        }
        if let Some(path) = &self.path {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// The closest candidate to `word`, if it is close enough to be a plausible typo: a few
/// edits away (transpositions count as one) or very similar by Jaro-Winkler.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let max_edits = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter_map(|c| {
            let edits = strsim::osa_distance(word, c);
            let score = strsim::jaro_winkler(word, c);
            (edits <= max_edits || score > 0.85).then_some((edits, std::cmp::Reverse((score * 1e6) as i64), c))
        })
        .min()
        .map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        assert_eq!(did_you_mean("imgae", ["image", "ports", "build"]), Some("image"));
        assert_eq!(did_you_mean("zzz", ["image", "ports"]), None);
    }

    #[test]
    fn renders_snippet() {
        let id = sources::register("compose.yaml", "services:\n  web:\n    imgae: x\n");
        let err = Error::invalid("unknown key `imgae`")
            .at(Span { file: id, line: 3, col: 5 })
            .with_path(&Path::root().key("services").key("web"))
            .with_hint("did you mean `image`?");
        let text = err.render();
        assert!(text.starts_with("compose.yaml:3:5: services.web: unknown key `imgae`"), "{text}");
        assert!(text.contains("3 |     imgae: x"), "{text}");
        assert!(text.contains("    ^"), "{text}");
    }
}
