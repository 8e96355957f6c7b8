//! Warning lines in the shape Docker Compose prints them (it logs them through logrus): on a
//! terminal `WARN[0003] message` with the level in yellow and the seconds since start, elsewhere
//! `time="2024-05-01T10:00:00Z" level=warning msg="message"`.

use super::clock::{rfc3339, Clock};
use super::style::Paint;

/// One warning line, newline included. `terminal` says whether the stream it goes to is a
/// terminal; `clock.elapsed()` is the time since the program started.
pub fn warning_line(message: &str, terminal: bool, paint: Paint, clock: &dyn Clock) -> String {
    let message = message.strip_suffix('\n').unwrap_or(message);
    if terminal {
        let secs = clock.elapsed().as_secs();
        let level = if paint.enabled { "\x1b[33mWARN\x1b[0m" } else { "WARN" };
        // logrus pads the message to 44 columns and always ends with a space.
        format!("{level}[{secs:04}] {message:<44} \n")
    } else {
        let time = rfc3339(clock.wall(), false);
        format!("time=\"{time}\" level=warning msg={}\n", logfmt_value(message))
    }
}

/// A logfmt value as logrus writes it: bare when it only holds safe characters, else quoted
/// the way Go's `%q` quotes.
pub fn logfmt_value(s: &str) -> String {
    let safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/' | '@' | '^' | '+'));
    if safe {
        s.to_string()
    } else {
        go_quote(s)
    }
}

/// Go's `strconv.Quote`, shared with the loader's messages.
pub use berth_spec::template::go_quote;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::clock::ManualClock;
    use std::time::Duration;

    #[test]
    fn terminal_form() {
        let c = ManualClock::new(0);
        c.advance(Duration::from_millis(3_500));
        assert_eq!(
            warning_line("short", true, Paint::ON, &c),
            format!("\x1b[33mWARN\x1b[0m[0003] short{} \n", " ".repeat(39))
        );
        let long = "x".repeat(50);
        assert_eq!(warning_line(&long, true, Paint::OFF, &c), format!("WARN[0003] {long} \n"));
    }

    #[test]
    fn logfmt_form() {
        let c = ManualClock::new(1_714_557_600);
        assert_eq!(
            warning_line("the attribute `version` is obsolete", false, Paint::ON, &c),
            "time=\"2024-05-01T10:00:00Z\" level=warning msg=\"the attribute `version` is obsolete\"\n"
        );
        assert_eq!(warning_line("plain-word", false, Paint::ON, &c), "time=\"2024-05-01T10:00:00Z\" level=warning msg=plain-word\n");
    }

    #[test]
    fn quoting_matches_go() {
        assert_eq!(go_quote("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\x01é\"");
        assert_eq!(logfmt_value(""), "");
    }
}
