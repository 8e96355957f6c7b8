//! `berth logs`: the output of the project's containers behind coloured `web-1  | ` prefixes,
//! as Docker Compose prints it. Works from `-p NAME` alone; with a compose file, shows its
//! services (those with `attach: false` only when named). `--since`/`--until` take what the
//! docker CLI takes: RFC 3339 times (local time without a zone), Unix times, or Go durations
//! (`10m`, `1h30m`) counted back from now.
//!
//! As in Docker Compose, stderr lines are printed on stdout (the prefix tells the container,
//! not the stream), `--timestamps` shows the engine's time of each line, and Ctrl-C ends with
//! `canceled` and exit code 130.

use std::sync::Arc;

use berth_core::events::{Event, EventSink, Stream};
use berth_core::execute::CancellationToken;
use berth_core::ops::attach::OutputOptions;
use berth_core::ops::logs::{logs, sources, LogsRequest};
use clap::Args;

use super::{engine, listing};
use crate::cli::GlobalArgs;
use crate::display::clock::SystemClock;
use crate::display::logs::{LogOptions, LogPrinter};
use crate::display::warning::warning_line;

/// `logs [OPTIONS] [SERVICE...]`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Services to show (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Follow log output
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// index of the container if service has multiple replicas
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub index: i64,
    /// Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long)]
    pub since: Option<String>,
    /// Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long)]
    pub until: Option<String>,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Show timestamps
    #[arg(short = 't', long)]
    pub timestamps: bool,
    /// Number of lines to show from the end of the logs for each container
    #[arg(short = 'n', long, default_value = "all", allow_hyphen_values = true)]
    pub tail: String,
}

/// Sends every line to the printer's stdout, as Compose's `logs` does, and prints warnings.
struct ToStdout<'a>(&'a LogPrinter);

impl EventSink for ToStdout<'_> {
    fn emit(&self, event: Event) {
        match event {
            Event::Log(mut line) => {
                line.stream = Stream::Stdout;
                self.0.line(&line);
            }
            Event::Warning { message } => {
                self.0.flush();
                let paint = crate::display::Paint { enabled: true };
                let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
                eprint!("{}", warning_line(&message, terminal, paint, &SystemClock::process()));
            }
            other => self.0.emit(other),
        }
    }
}

/// Runs `logs`.
pub fn run(global: &GlobalArgs, args: &LogsArgs) -> anyhow::Result<u8> {
    if args.index > 0 && args.services.len() != 1 {
        anyhow::bail!("--index requires one service to be selected");
    }
    listing::check_project_name(global)?;
    let target = engine::project_or_name(global, &args.services)?;
    let mut services = args.services.clone();
    if let (Some(project), true) = (&target.project, services.is_empty()) {
        services = project.services.values().filter(|s| s.attach != Some(false)).map(|s| s.name.clone()).collect();
    }
    let now = jiff::Timestamp::now();
    let request = LogsRequest {
        follow: args.follow,
        since: args.since.as_deref().filter(|v| !v.is_empty()).map(|v| time_arg("since", v, now)).transpose()?,
        output: OutputOptions {
            tail: args.tail.parse().ok(),
            until: args.until.as_deref().filter(|v| !v.is_empty()).map(|v| time_arg("until", v, now)).transpose()?,
            timestamps: args.timestamps,
        },
        services: services.clone(),
    };
    let settings = engine::display_settings(global)?;
    let printer = LogPrinter::stdio(LogOptions {
        paint: settings.log_paint(args.no_color),
        prefix: !args.no_log_prefix,
        timestamps: args.timestamps,
        project: Some(target.name.clone()),
    });
    let index = u32::try_from(args.index).unwrap_or(0);
    let code = engine::block_on_streaming(listing::until_interrupted(async {
        let engine = engine::connect().await?;
        let found = sources(engine.as_ref(), &target.name, &services, index).await?;
        if args.follow {
            // Compose registers the followed containers first, so their prefixes are padded
            // alike from the first line.
            for s in found.iter().filter(|s| s.running) {
                printer.register(&s.target.service, &s.target.name);
            }
        }
        let cancel = CancellationToken::new();
        logs(Arc::clone(&engine), &target.name, found, &request, &ToStdout(&printer), &cancel).await?;
        Ok(0)
    }));
    printer.close();
    code?
}

/// A `--since`/`--until` value as a Unix time, the way the docker CLI reads it (its
/// `GetTimestamp`): a Go duration back from `now`, an RFC 3339 time (or a shorter form; local
/// time without a zone), or a Unix time.
fn time_arg(flag: &str, value: &str, now: jiff::Timestamp) -> anyhow::Result<i64> {
    parse_time(value, now).ok_or_else(|| {
        anyhow::anyhow!("invalid value for {flag:?}: failed to parse value as time or duration: {value:?}")
    })
}

fn parse_time(value: &str, now: jiff::Timestamp) -> Option<i64> {
    if value != "0" {
        if let Some(nanos) = go_duration_nanos(value) {
            let back = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
            return now.as_second().checked_sub(back);
        }
    }
    let zoned = value.contains(['z', 'Z', '+']) || value.matches('-').count() == 3;
    let parsed = if zoned {
        // `2006-01-02Z07:00`: a date with a zone.
        let with_time = match value.get(..10) {
            Some(date) if !value.contains('T') && value.len() > 10 => format!("{date}T00:00:00{}", value.get(10..)?),
            _ => value.to_owned(),
        };
        with_time.parse::<jiff::Timestamp>().ok()
    } else {
        value
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::system()).ok())
            .map(|z| z.timestamp())
    };
    if let Some(t) = parsed {
        return Some(t.as_second());
    }
    if value.contains('-') {
        return None;
    }
    let (seconds, fraction) = value.split_once('.').unwrap_or((value, "0"));
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    seconds.parse().ok()
}

/// Go's `time.ParseDuration`, in nanoseconds: `[-+]` then numbers with units (`ns`, `us`,
/// `µs`, `ms`, `s`, `m`, `h`), fractions allowed (`1.5h`); `0` alone is zero.
fn go_duration_nanos(text: &str) -> Option<i128> {
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let unit_len = tail.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let whole: i128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let mut value = whole.checked_mul(scale)?;
        let mut divisor: i128 = 1;
        for digit in fraction.bytes().take(18) {
            if !digit.is_ascii_digit() {
                return None;
            }
            divisor = divisor.checked_mul(10)?;
            value = value.checked_add(i128::from(digit - b'0').checked_mul(scale)?.checked_div(divisor)?)?;
        }
        total = total.checked_add(value)?;
        rest = tail;
    }
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_700_000_000).unwrap()
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_nanos("10m"), Some(600_000_000_000));
        assert_eq!(go_duration_nanos("1h30m"), Some(5_400_000_000_000));
        assert_eq!(go_duration_nanos("1.5h"), Some(5_400_000_000_000));
        assert_eq!(go_duration_nanos("-2s"), Some(-2_000_000_000));
        assert_eq!(go_duration_nanos("300ms"), Some(300_000_000));
        assert_eq!(go_duration_nanos("0"), Some(0));
        for bad in ["", "10", "m", "1x", "1.2.3s", "-"] {
            assert_eq!(go_duration_nanos(bad), None, "{bad}");
        }
    }

    #[test]
    fn since_and_until_values() {
        assert_eq!(parse_time("42m", now()), Some(1_700_000_000 - 42 * 60));
        assert_eq!(parse_time("2013-01-02T13:23:37Z", now()), Some(1_357_133_017));
        assert_eq!(parse_time("2013-01-02T13:23:37.5+01:00", now()), Some(1_357_129_417));
        assert_eq!(parse_time("2013-01-02Z", now()), Some(1_357_084_800));
        assert_eq!(parse_time("1357133017", now()), Some(1_357_133_017));
        assert_eq!(parse_time("1357133017.123456789", now()), Some(1_357_133_017));
        assert_eq!(parse_time("0", now()), Some(0));
        assert!(parse_time("2013-01-02T13:23:37", now()).is_some(), "local time");
        assert!(parse_time("2013-01-02", now()).is_some(), "local date");
        for bad in ["bogus", "2013-13-02", "12a", ""] {
            assert_eq!(parse_time(bad, now()), None, "{bad}");
        }
    }

    #[test]
    fn bad_values_name_the_flag() {
        assert_eq!(
            time_arg("since", "bogus", now()).unwrap_err().to_string(),
            r#"invalid value for "since": failed to parse value as time or duration: "bogus""#
        );
    }
}
