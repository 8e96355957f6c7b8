//! The debug log of the hidden global `--verbose`, where Docker Compose raises logrus to its
//! most detailed level: lines on stderr in logrus's text format (`time="…" level=debug
//! msg="…"`, or `DEBU[0000] …` in colour on a terminal), never on stdout. berth logs what
//! Compose logs that applies to it ("Limiting max concurrency to N jobs"), every HTTP request
//! berth-engine sends (through [`berth_engine::trace`]) and the plan a command ran, one line
//! per operation with its cause.

use std::io::{IsTerminal, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use berth_core::wait::go_duration;
use berth_engine::trace::{self, Peer, Request};

static ENABLED: AtomicBool = AtomicBool::new(false);
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Turns the debug log on for the rest of the process, engine requests included.
pub fn enable() {
    STARTED.get_or_init(Instant::now);
    ENABLED.store(true, Ordering::SeqCst);
    trace::set_observer(|request| log(&request_line(request)));
}

/// Whether `--verbose` is on.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Writes `message` as a debug line when the log is on.
pub fn log(message: &str) {
    if !enabled() {
        return;
    }
    let elapsed = STARTED.get().map_or(Duration::ZERO, Instant::elapsed);
    let line = if std::io::stderr().is_terminal() {
        terminal_line(message, elapsed)
    } else {
        text_line(message, &jiff::Zoned::now())
    };
    // One write per line, so lines from concurrent requests do not mix.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// What a request's line says: `GET /v1.41/containers/json?all=1 200 (1.2ms)`.
pub fn request_line(request: &Request<'_>) -> String {
    let peer = match request.peer {
        Peer::Engine => "",
        Peer::Registry => "registry ",
    };
    let outcome = match request.outcome {
        Ok(status) => status.to_string(),
        Err(reason) => format!("failed: {reason}"),
    };
    format!("{peer}{} {} {outcome} ({})", request.method, request.target, go_duration(request.elapsed))
}

/// logrus's line when stderr is not a terminal.
fn text_line(message: &str, now: &jiff::Zoned) -> String {
    format!("time=\"{}\" level=debug msg={}\n", super::clock::local_rfc3339(now), quote(message))
}

/// logrus's coloured line on a terminal: the level, the seconds since start, the message
/// padded to 44 columns.
fn terminal_line(message: &str, elapsed: Duration) -> String {
    format!("\x1b[37mDEBU\x1b[0m[{:04}] {message:<44} \n", elapsed.as_secs())
}

/// A value as logrus writes it: bare when it has only safe characters, else quoted as Go's
/// `%q` does.
fn quote(value: &str) -> String {
    let safe = !value.is_empty()
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/' | '@' | '^' | '+'));
    if safe {
        value.to_owned()
    } else {
        berth_spec::template::go_quote(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_written_as_logrus_writes_them() {
        let now: jiff::Zoned = "2024-05-06T07:08:09+00:00[UTC]".parse().unwrap();
        assert_eq!(
            text_line("Limiting max concurrency to 2 jobs", &now),
            "time=\"2024-05-06T07:08:09Z\" level=debug msg=\"Limiting max concurrency to 2 jobs\"\n"
        );
        let paris: jiff::Zoned = "2024-05-06T07:08:09+02:00[Europe/Paris]".parse().unwrap();
        assert!(text_line("x", &paris).starts_with("time=\"2024-05-06T07:08:09+02:00\" level=debug msg=x\n"));
        assert_eq!(quote("a \"b\"\n"), r#""a \"b\"\n""#);
        assert_eq!(
            terminal_line("hello", Duration::from_secs(3)),
            format!("\x1b[37mDEBU\x1b[0m[0003] hello{} \n", " ".repeat(39))
        );
    }

    #[test]
    fn requests_name_method_target_status_and_time() {
        let request = Request {
            peer: Peer::Engine,
            method: "GET",
            target: "/v1.41/containers/json?all=1",
            outcome: Ok(200),
            elapsed: Duration::from_micros(1500),
        };
        assert_eq!(request_line(&request), "GET /v1.41/containers/json?all=1 200 (1.5ms)");
        let failed = Request { peer: Peer::Registry, outcome: Err("connection refused"), method: "PUT", ..request };
        assert_eq!(request_line(&failed), "registry PUT /v1.41/containers/json?all=1 failed: connection refused (1.5ms)");
    }

    #[test]
    fn durations_print_as_go_prints_them() {
        assert_eq!(go_duration(Duration::ZERO), "0s");
        assert_eq!(go_duration(Duration::from_nanos(999)), "999ns");
        assert_eq!(go_duration(Duration::from_micros(850)), "850µs");
        assert_eq!(go_duration(Duration::from_nanos(1_234_567)), "1.234567ms");
        assert_eq!(go_duration(Duration::from_secs(2)), "2s");
        assert_eq!(go_duration(Duration::from_micros(2_000_123)), "2.000123s");
    }
}
