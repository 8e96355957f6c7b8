//! ANSI colours and text measurement shared by the renderers. The codes are the ones Docker
//! Compose writes, so a terminal shows berth and Compose alike (progress colours from its
//! `pkg/progress/colors.go`, log prefix colours from `cmd/formatter/colors.go`).

#[cfg(test)]
use std::io::{self, Write};

/// Ends any colour.
pub const RESET: &str = "\x1b[0m";

/// The colours the progress renderer uses for one role each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The header once everything is done, and the elapsed timers (blue).
    Done,
    /// The elapsed time at the end of each line (blue).
    Timer,
    /// The spinner of a line still working (yellow).
    Count,
    /// A warning mark and text (bold yellow).
    Warning,
    /// A finished line's mark and status (green).
    Success,
    /// A failed line's mark and status (bold red).
    Error,
    /// The dry-run prefix (cyan).
    Prefix,
}

impl Role {
    /// The escape sequence that starts this role's colour.
    pub fn code(self) -> &'static str {
        match self {
            Role::Done | Role::Timer => "\x1b[34m",
            Role::Count => "\x1b[33m",
            // Compose chains two sequences here (colour, then bold) rather than one `33;1`.
            Role::Warning => "\x1b[33m\x1b[1m",
            Role::Success => "\x1b[32m",
            Role::Error => "\x1b[31m\x1b[1m",
            Role::Prefix => "\x1b[36m",
        }
    }
}

/// Whether colours are written at all; cheap to copy into every renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    pub enabled: bool,
}

impl Paint {
    /// Colours on.
    #[cfg(test)]
    pub const ON: Paint = Paint { enabled: true };
    /// Colours off (`NO_COLOR`, `--ansi never`, `--no-color`).
    pub const OFF: Paint = Paint { enabled: false };

    /// Appends `text` in the colour of `role` to `out`.
    pub fn push(self, out: &mut String, role: Role, text: &str) {
        if self.enabled {
            out.push_str(role.code());
            out.push_str(text);
            out.push_str(RESET);
        } else {
            out.push_str(text);
        }
    }

    /// `text` in the colour of `role`, as a new string.
    pub fn paint(self, role: Role, text: &str) -> String {
        let mut s = String::with_capacity(text.len() + 12);
        self.push(&mut s, role, text);
        s
    }
}

/// The colours Compose rotates through for log prefixes, in its order: cyan, yellow, green,
/// magenta, blue, then the same five bold ("intense").
pub const RAINBOW: [&str; 10] = [
    "\x1b[36m",
    "\x1b[33m",
    "\x1b[32m",
    "\x1b[35m",
    "\x1b[34m",
    "\x1b[36;1m",
    "\x1b[33;1m",
    "\x1b[32;1m",
    "\x1b[35;1m",
    "\x1b[34;1m",
];

/// How many characters a terminal shows for `s`: escape sequences (`ESC ... m`) count for
/// nothing, every other character for one, as Compose measures when it aligns the timer column.
pub fn visible_len(s: &str) -> usize {
    let mut n = 0usize;
    let mut in_escape = false;
    for c in s.chars() {
        if c == '\x1b' {
            in_escape = true;
        } else if in_escape {
            if c == 'm' {
                in_escape = false;
            }
        } else {
            n += 1;
        }
    }
    n
}

/// Appends `n` spaces.
pub fn push_spaces(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// A writer that several owners share, so tests can read what a renderer wrote while it is
/// still alive, and commands can hand the same stream to two renderers.
#[cfg(test)]
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(test)]
impl SharedBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }
    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn contents(&self) -> String {
        self.0.lock().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }
    /// Empties the buffer, returning what it held.
    pub fn take(&self) -> String {
        self.0
            .lock()
            .map(|mut b| String::from_utf8_lossy(&std::mem::take(&mut *b)).into_owned())
            .unwrap_or_default()
    }
}

#[cfg(test)]
impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut b = self.0.lock().map_err(|_| io::Error::other("buffer poisoned"))?;
        b.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_len_skips_escapes_and_counts_chars() {
        assert_eq!(visible_len("\x1b[32m✔\x1b[0m ok"), 4);
        assert_eq!(visible_len("\x1b[33m\x1b[1mwarn\x1b[0m"), 4);
        assert_eq!(visible_len(""), 0);
    }

    #[test]
    fn paint_respects_enabled() {
        assert_eq!(Paint::ON.paint(Role::Success, "Started"), "\x1b[32mStarted\x1b[0m");
        assert_eq!(Paint::ON.paint(Role::Error, "x"), "\x1b[31m\x1b[1mx\x1b[0m");
        assert_eq!(Paint::OFF.paint(Role::Error, "x"), "x");
    }
}
