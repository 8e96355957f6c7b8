//! The navigation menu of attached `up` (`--menu`, or `COMPOSE_MENU`), as Docker Compose
//! 2.26 has it (hidden and experimental there): the last line of the terminal offers
//! `w Enable Watch` (or `Disable`) below the containers' output, and the keys are read as
//! they are typed — `w` turns watching on and off, Enter draws the menu again, Ctrl-C stops
//! the project like the first interrupt.
//!
//! Only on a terminal: stdin is put in a mode that hands over each key at once, without
//! echoing it, and Ctrl-C as a key instead of a signal; output is left as it is. The mode is
//! restored when the [`KeyInput`] is dropped or [`KeyInput::restore`]d.
//!
//! Compose's "View in Docker Desktop" entry needs Docker Desktop and is never shown here.

use std::io::Read;

use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions, Termios};
use tokio::sync::mpsc;

use crate::display::style::RESET;

/// A key typed while the menu is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `w`: watch on or off.
    Watch,
    /// Enter: draw the menu again.
    Redraw,
    /// Ctrl-C: stop, as the first interrupt does.
    Interrupt,
}

fn key_of(byte: u8) -> Option<Key> {
    match byte {
        b'w' => Some(Key::Watch),
        b'\r' | b'\n' => Some(Key::Redraw),
        0x03 => Some(Key::Interrupt),
        _ => None,
    }
}

/// Whether attached `up` shows the menu: `--menu[=BOOL]` when given, else `COMPOSE_MENU`
/// (read as Compose's `StringToBool`), else off (Compose's default comes from Docker
/// Desktop's feature flags); never when stdout is not a terminal.
pub fn wanted(flag: Option<bool>, env: Option<&str>, stdout_terminal: bool) -> bool {
    stdout_terminal && flag.unwrap_or_else(|| env.is_some_and(crate::commands::engine::compose_bool))
}

/// The menu line: `w` on white, then the action, faint.
pub fn line(watching: bool) -> String {
    let action = if watching { "Disable" } else { "Enable" };
    format!("\x1b[38;2;0;0;0;48;2;255;255;255;1mw{RESET}\x1b[2m {action} Watch{RESET}")
}

/// Stdin handing over keys one at a time (see the module documentation).
pub struct KeyInput {
    saved: Option<Termios>,
}

impl KeyInput {
    /// Switches stdin (a terminal) to key-at-a-time input and starts reading keys into the
    /// returned channel. The reading thread is never joined: a blocked terminal read cannot
    /// be cancelled, and it does not keep the process alive.
    pub fn start() -> std::io::Result<(Self, mpsc::UnboundedReceiver<Key>)> {
        let stdin = std::io::stdin();
        let saved = tcgetattr(&stdin)?;
        let mut keys_mode = saved.clone();
        keys_mode.local_modes.remove(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG);
        tcsetattr(&stdin, OptionalActions::Now, &keys_mode)?;
        let input = KeyInput { saved: Some(saved) };
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::Builder::new().name("berth-menu-keys".into()).spawn(move || {
            let mut byte = [0u8; 1];
            let mut stdin = std::io::stdin();
            while let Ok(1) = stdin.read(&mut byte) {
                if let Some(key) = byte.first().copied().and_then(key_of) {
                    if tx.send(key).is_err() {
                        return;
                    }
                }
            }
        })?;
        Ok((input, rx))
    }

    /// Gives stdin its mode back (once; later calls do nothing).
    pub fn restore(&mut self) {
        if let Some(saved) = self.saved.take() {
            let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &saved);
        }
    }
}

impl Drop for KeyInput {
    fn drop(&mut self) {
        self.restore();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_variable_and_a_pipe_shows_nothing() {
        assert!(wanted(Some(true), None, true));
        assert!(!wanted(Some(false), Some("true"), true));
        assert!(wanted(None, Some("TRUE"), true));
        assert!(wanted(None, Some("1"), true));
        assert!(!wanted(None, Some("no"), true));
        assert!(!wanted(None, None, true));
        assert!(!wanted(Some(true), Some("1"), false));
    }

    #[test]
    fn keys_and_menu_text() {
        assert_eq!(key_of(b'w'), Some(Key::Watch));
        assert_eq!(key_of(b'\r'), Some(Key::Redraw));
        assert_eq!(key_of(3), Some(Key::Interrupt));
        assert_eq!(key_of(b'x'), None);
        assert!(line(false).contains(" Enable Watch"));
        assert!(line(true).contains(" Disable Watch"));
    }
}
