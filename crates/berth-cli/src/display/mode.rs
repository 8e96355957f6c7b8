//! Which progress renderer and which colours a run uses, decided the way Docker Compose 2.26
//! decides: `--progress`, `--ansi` (or `COMPOSE_ANSI` when the flag is not given), `NO_COLOR`,
//! `COMPOSE_STATUS_STDOUT`, and whether the streams are terminals.
//!
//! Rules (from Compose's root command):
//! - `--ansi never` with `--progress auto` renders plain; with `--progress tty` it is an error.
//! - `--ansi always` with `--progress plain` is an error; `--ansi always` alone does not force
//!   the terminal renderer.
//! - `--progress auto` renders on the terminal when the status stream (stderr, or stdout with
//!   `COMPOSE_STATUS_STDOUT=true`) is one, plainly otherwise.
//! - `--progress tty` on a stream that is not a terminal fails when the renderer is created
//!   ("provided file is not a console"), not at parse time, so read-only commands still run.
//! - `NO_COLOR` (non-empty) removes every colour but keeps the renderer.
//! - Log prefixes are coloured with `--ansi always`, or with `auto` when stdout is a terminal.
//! - `json` and `none` are accepted as in later Compose releases (`none` means quiet).

use std::fmt;
use std::io::IsTerminal;

use super::progress::{ProgressOptions, ProgressRenderer};
use super::style::Paint;

/// How progress is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Terminal when the status stream is one, plain otherwise.
    Auto,
    /// A block redrawn in place.
    Tty,
    /// One line per event.
    Plain,
    /// One JSON object per event per line.
    Json,
    /// Nothing.
    Quiet,
}

impl Mode {
    /// Parses a `--progress` value.
    pub fn parse(value: &str) -> Result<Mode, DisplayError> {
        match value {
            "auto" => Ok(Mode::Auto),
            "tty" => Ok(Mode::Tty),
            "plain" => Ok(Mode::Plain),
            "json" => Ok(Mode::Json),
            "quiet" | "none" => Ok(Mode::Quiet),
            other => Err(DisplayError::UnsupportedProgress(other.to_string())),
        }
    }
}

/// The `--ansi` setting. Compose accepts any word; words other than the three it knows mean
/// "no colours in logs" and leave progress alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ansi {
    Never,
    Always,
    Auto,
    Other(String),
}

impl Ansi {
    /// Reads an `--ansi` / `COMPOSE_ANSI` value.
    pub fn parse(value: &str) -> Ansi {
        match value {
            "never" => Ansi::Never,
            "always" => Ansi::Always,
            "auto" => Ansi::Auto,
            other => Ansi::Other(other.to_string()),
        }
    }
}

/// Why the display settings cannot be used; each message is Compose's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisplayError {
    /// `--progress` got a word it does not know.
    UnsupportedProgress(String),
    /// `--progress tty` with ANSI disabled.
    TtyWithoutAnsi,
    /// `--progress plain` with ANSI forced.
    PlainWithForcedAnsi,
    /// `--progress tty` while the status stream is not a terminal.
    NotAConsole,
}

impl fmt::Display for DisplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisplayError::UnsupportedProgress(v) => write!(f, "unsupported --progress value {v:?}"),
            DisplayError::TtyWithoutAnsi => f.write_str("can't use --progress tty while ANSI support is disabled"),
            DisplayError::PlainWithForcedAnsi => {
                f.write_str("can't use --progress plain while ANSI support is forced")
            }
            DisplayError::NotAConsole => f.write_str("provided file is not a console"),
        }
    }
}

impl std::error::Error for DisplayError {}

/// The environment variables that shape the display, read once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// `NO_COLOR` is set and not empty.
    pub no_color: bool,
    /// `COMPOSE_ANSI`, used when `--ansi` is not given.
    pub compose_ansi: Option<String>,
    /// `COMPOSE_STATUS_STDOUT` is true: progress goes to stdout instead of stderr.
    pub status_to_stdout: bool,
}

impl Environment {
    /// Reads the variables through `lookup` (tests pass a map, the binary the process env).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Environment {
        Environment {
            no_color: lookup("NO_COLOR").is_some_and(|v| !v.is_empty()),
            compose_ansi: lookup("COMPOSE_ANSI"),
            status_to_stdout: lookup("COMPOSE_STATUS_STDOUT").is_some_and(|v| parse_go_bool(&v)),
        }
    }

    /// Reads the process environment.
    pub fn from_process() -> Environment {
        Environment::from_lookup(|k| std::env::var(k).ok())
    }
}

/// Go's `strconv.ParseBool`, with unparsable values read as false (as Compose ignores the error).
fn parse_go_bool(v: &str) -> bool {
    matches!(v, "1" | "t" | "T" | "TRUE" | "true" | "True")
}

/// Which standard streams are terminals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terminals {
    pub stdout: bool,
    pub stderr: bool,
}

impl Terminals {
    /// Asks the operating system.
    pub fn detect() -> Terminals {
        Terminals { stdout: std::io::stdout().is_terminal(), stderr: std::io::stderr().is_terminal() }
    }
}

/// Everything the renderers need to know about the run's display, resolved once per command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The requested progress mode after `--ansi` was taken into account (may still be `Auto`).
    pub mode: Mode,
    /// The effective `--ansi` setting (flag, else `COMPOSE_ANSI`, else auto).
    pub ansi: Ansi,
    /// `NO_COLOR` was set.
    pub no_color: bool,
    /// Progress and status messages go to stdout (`COMPOSE_STATUS_STDOUT`).
    pub status_to_stdout: bool,
    pub terminals: Terminals,
}

impl Settings {
    /// Resolves the settings. `ansi_flag` is the `--ansi` value when the user gave the flag,
    /// `None` when not (then `COMPOSE_ANSI` applies).
    pub fn resolve(
        progress: &str,
        ansi_flag: Option<&str>,
        env: &Environment,
        terminals: Terminals,
    ) -> Result<Settings, DisplayError> {
        let ansi = Ansi::parse(ansi_flag.or(env.compose_ansi.as_deref()).unwrap_or("auto"));
        let mode = match Mode::parse(progress)? {
            Mode::Auto if ansi == Ansi::Never => Mode::Plain,
            Mode::Tty if ansi == Ansi::Never => return Err(DisplayError::TtyWithoutAnsi),
            Mode::Plain if ansi == Ansi::Always => return Err(DisplayError::PlainWithForcedAnsi),
            m => m,
        };
        Ok(Settings { mode, ansi, no_color: env.no_color, status_to_stdout: env.status_to_stdout, terminals })
    }

    /// Resolves from the process environment and the real terminals.
    pub fn from_process(progress: &str, ansi_flag: Option<&str>) -> Result<Settings, DisplayError> {
        Settings::resolve(progress, ansi_flag, &Environment::from_process(), Terminals::detect())
    }

    /// Whether the stream progress goes to is a terminal.
    pub fn status_is_terminal(&self) -> bool {
        if self.status_to_stdout {
            self.terminals.stdout
        } else {
            self.terminals.stderr
        }
    }

    /// The renderer to build: `Auto` becomes `Tty` on a terminal and `Plain` elsewhere; an
    /// explicit `Tty` off a terminal is an error.
    pub fn progress_mode(&self) -> Result<Mode, DisplayError> {
        match self.mode {
            Mode::Auto if self.status_is_terminal() => Ok(Mode::Tty),
            Mode::Auto => Ok(Mode::Plain),
            Mode::Tty if !self.status_is_terminal() => Err(DisplayError::NotAConsole),
            m => Ok(m),
        }
    }

    /// Colours for progress output: everything but `NO_COLOR` keeps them.
    pub fn progress_paint(&self) -> Paint {
        Paint { enabled: !self.no_color }
    }

    /// Colours for log prefixes and exit lines; `no_color_flag` is the command's `--no-color`.
    pub fn log_paint(&self, no_color_flag: bool) -> Paint {
        let ansi = match self.ansi {
            Ansi::Always => true,
            Ansi::Auto => self.terminals.stdout,
            Ansi::Never | Ansi::Other(_) => false,
        };
        Paint { enabled: ansi && !self.no_color && !no_color_flag }
    }

    /// A progress renderer on the status stream, titled `title` ("Running", "Stopping", ...),
    /// with its redraw timer running when it draws on a terminal.
    pub fn progress(&self, title: &str, dry_run: bool) -> Result<ProgressRenderer, DisplayError> {
        let mode = self.progress_mode()?;
        let opts = ProgressOptions {
            title: title.to_string(),
            dry_run,
            paint: self.progress_paint(),
            terminal: self.status_is_terminal(),
        };
        let out: Box<dyn std::io::Write + Send> =
            if self.status_to_stdout { Box::new(std::io::stdout()) } else { Box::new(std::io::stderr()) };
        Ok(ProgressRenderer::live(mode, out, opts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        Environment::from_lookup(|k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_string()))
    }

    const TTY: Terminals = Terminals { stdout: true, stderr: true };
    const PIPED: Terminals = Terminals { stdout: false, stderr: false };

    fn mode(progress: &str, ansi: Option<&str>, e: &Environment, t: Terminals) -> Result<Mode, DisplayError> {
        Settings::resolve(progress, ansi, e, t)?.progress_mode()
    }

    #[test]
    fn auto_follows_the_terminal() {
        let e = env(&[]);
        assert_eq!(mode("auto", None, &e, TTY), Ok(Mode::Tty));
        assert_eq!(mode("auto", None, &e, PIPED), Ok(Mode::Plain));
        assert_eq!(mode("auto", Some("always"), &e, PIPED), Ok(Mode::Plain));
        assert_eq!(mode("auto", Some("never"), &e, TTY), Ok(Mode::Plain));
    }

    #[test]
    fn explicit_modes() {
        let e = env(&[]);
        assert_eq!(mode("plain", None, &e, TTY), Ok(Mode::Plain));
        assert_eq!(mode("quiet", None, &e, TTY), Ok(Mode::Quiet));
        assert_eq!(mode("none", None, &e, TTY), Ok(Mode::Quiet));
        assert_eq!(mode("json", Some("never"), &e, PIPED), Ok(Mode::Json));
        assert_eq!(mode("tty", Some("always"), &e, TTY), Ok(Mode::Tty));
    }

    #[test]
    fn incompatible_combinations_use_compose_words() {
        let e = env(&[]);
        let err = |p, a| Settings::resolve(p, a, &e, TTY).unwrap_err().to_string();
        assert_eq!(err("tty", Some("never")), "can't use --progress tty while ANSI support is disabled");
        assert_eq!(err("plain", Some("always")), "can't use --progress plain while ANSI support is forced");
        assert_eq!(err("foo", None), "unsupported --progress value \"foo\"");
        assert_eq!(
            mode("tty", None, &e, PIPED).unwrap_err().to_string(),
            "provided file is not a console"
        );
    }

    #[test]
    fn compose_ansi_applies_only_without_the_flag() {
        let e = env(&[("COMPOSE_ANSI", "never")]);
        assert_eq!(
            Settings::resolve("tty", None, &e, TTY).unwrap_err(),
            DisplayError::TtyWithoutAnsi
        );
        assert_eq!(mode("tty", Some("auto"), &e, TTY), Ok(Mode::Tty));
        assert_eq!(mode("auto", None, &e, TTY), Ok(Mode::Plain));
    }

    #[test]
    fn no_color_keeps_the_renderer_but_drops_colours() {
        let e = env(&[("NO_COLOR", "1")]);
        let s = Settings::resolve("auto", None, &e, TTY).unwrap();
        assert_eq!(s.progress_mode(), Ok(Mode::Tty));
        assert!(!s.progress_paint().enabled);
        assert!(!s.log_paint(false).enabled);
        // An empty NO_COLOR is ignored, as Compose does.
        let s = Settings::resolve("auto", None, &env(&[("NO_COLOR", "")]), TTY).unwrap();
        assert!(s.progress_paint().enabled);
    }

    #[test]
    fn log_colours() {
        let e = env(&[]);
        let s = |a, t| Settings::resolve("auto", a, &e, t).unwrap();
        assert!(s(None, TTY).log_paint(false).enabled);
        assert!(!s(None, TTY).log_paint(true).enabled);
        assert!(!s(None, PIPED).log_paint(false).enabled);
        assert!(s(Some("always"), PIPED).log_paint(false).enabled);
        assert!(!s(Some("never"), TTY).log_paint(false).enabled);
        // An unknown word disables log colours and leaves progress alone.
        let odd = s(Some("bogus"), TTY);
        assert!(!odd.log_paint(false).enabled);
        assert_eq!(odd.progress_mode(), Ok(Mode::Tty));
        assert!(odd.progress_paint().enabled);
    }

    #[test]
    fn status_stream_can_be_stdout() {
        let e = env(&[("COMPOSE_STATUS_STDOUT", "true")]);
        let t = Terminals { stdout: false, stderr: true };
        assert_eq!(mode("auto", None, &e, t), Ok(Mode::Plain));
        let e = env(&[("COMPOSE_STATUS_STDOUT", "yes")]);
        assert_eq!(mode("auto", None, &e, t), Ok(Mode::Tty));
    }
}
