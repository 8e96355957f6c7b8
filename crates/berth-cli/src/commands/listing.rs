//! What the read-only commands (`ps`, `ls`, `top`, `port`, `images`, `events`, `stats`)
//! share beyond [`super::engine`]: Ctrl-C for the commands that stream, the project name rules of Docker Compose
//! (`-p`, `COMPOSE_PROJECT_NAME`, else the compose file), and the text helpers that make their
//! output byte-identical to the reference: `go-units` sizes and durations, Go's time and number
//! formatting, and Go's JSON escaping. Tables and `--format` come from [`crate::display`].

use std::fmt::Write as _;
use std::future::Future;
use std::io::Write;

use berth_spec::model::Project;
use berth_spec::project::{self, LoadFlags};

use super::engine;
use crate::cli::GlobalArgs;

/// Runs `fut` until it ends or the user interrupts (Ctrl-C or SIGTERM); an interrupt prints
/// `canceled` on stderr and gives [`engine::INTERRUPTED`], as Docker Compose does.
pub async fn until_interrupted(fut: impl Future<Output = anyhow::Result<u8>>) -> anyhow::Result<u8> {
    let mut interrupts = engine::Interrupts::catch()?;
    tokio::select! {
        r = fut => r,
        () = interrupts.next() => {
            eprintln!("canceled");
            Ok(engine::INTERRUPTED)
        }
    }
}

/// Refuses a `-p` name that is not already a valid project name, as Docker Compose does before
/// running any command (exit code 1).
pub fn check_project_name(global: &GlobalArgs) -> anyhow::Result<()> {
    match global.project_name.as_deref() {
        Some(name) if !name.is_empty() && berth_spec::loader::normalize_project_name(name) != name => {
            Err(anyhow::anyhow!(berth_spec::discovery::invalid_project_name(name).message))
        }
        _ => Ok(()),
    }
}

fn env_project_name() -> Option<String> {
    std::env::var("COMPOSE_PROJECT_NAME").ok().filter(|n| !n.is_empty())
}

fn load(global: &GlobalArgs, services: &[String]) -> anyhow::Result<Project> {
    let opts = super::project_options(global)?;
    let flags = LoadFlags { resolve_environment: false, ..LoadFlags::default() };
    let loaded = project::load_project(&opts, &flags, services)?;
    super::config::print_warnings(&loaded.warnings);
    Ok(loaded.project)
}

/// The project name the way commands that never need the file decide it (Docker Compose's
/// `toProjectName`): `-p`, else `COMPOSE_PROJECT_NAME`, else the loaded compose file.
pub fn project_name(global: &GlobalArgs) -> anyhow::Result<String> {
    check_project_name(global)?;
    if let Some(name) = global.project_name.as_deref().filter(|n| !n.is_empty()) {
        return Ok(name.to_owned());
    }
    if let Some(name) = env_project_name() {
        return Ok(name);
    }
    Ok(load(global, &[])?.name)
}

/// The project and its name, as `ps` decides them (Docker Compose's `projectOrName`): with
/// `-p` and no `-f`, the name alone; otherwise the loaded project, falling back to
/// `COMPOSE_PROJECT_NAME` when loading fails.
pub fn project_or_name(global: &GlobalArgs, services: &[String]) -> anyhow::Result<engine::Target> {
    check_project_name(global)?;
    engine::project_or_name(global, services)
}

/// Writes `text` to stdout; a closed pipe (`berth ps | head`) is not an error.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

// ------------------------------------------------------------------------------ numbers

/// Go's `%.{precision}g`: `precision` significant digits, trailing zeros dropped, exponent
/// form (`1e+03`) when the exponent is below -4 or at least the precision.
pub fn go_g(x: f64, precision: usize) -> String {
    if !x.is_finite() {
        return if x.is_nan() { "NaN".to_owned() } else if x > 0.0 { "+Inf".to_owned() } else { "-Inf".to_owned() };
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let p = precision.max(1);
    let sci = format!("{:.*e}", p - 1, x);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let p_i = i64::try_from(p).unwrap_or(i64::MAX);
    if exp < -4 || exp >= p_i {
        let m = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", exp.unsigned_abs());
    }
    let decimals = usize::try_from(p_i - 1 - exp).unwrap_or(0);
    trim_fraction(&format!("{x:.decimals$}")).to_owned()
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// `go-units` `HumanSizeWithPrecision`: decimal units (`1.99MB`, `946B`).
pub fn human_size(size: f64, precision: usize) -> String {
    let (v, unit) = scaled(size, 1000.0, &["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]);
    format!("{}{unit}", go_g(v, precision))
}

/// `go-units` `BytesSize`: binary units with four significant digits (`604KiB`, `23.54GiB`).
pub fn bytes_size(size: f64) -> String {
    let (v, unit) = scaled(size, 1024.0, &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]);
    format!("{}{unit}", go_g(v, 4))
}

fn scaled(mut size: f64, base: f64, units: &[&'static str]) -> (f64, &'static str) {
    let mut i = 0;
    while size >= base && i + 1 < units.len() {
        size /= base;
        i += 1;
    }
    (size, units.get(i).copied().unwrap_or("B"))
}

/// `go-units` `HumanDuration` (`7 seconds`, `About a minute`, `3 hours`).
pub fn human_duration(seconds: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let whole = |v: f64| v.floor() as i64;
    let secs = whole(seconds);
    if secs < 1 {
        return "Less than a second".to_owned();
    }
    if secs == 1 {
        return "1 second".to_owned();
    }
    if secs < 60 {
        return format!("{secs} seconds");
    }
    let minutes = whole(seconds / 60.0);
    if minutes == 1 {
        return "About a minute".to_owned();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours = whole(seconds / 3600.0 + 0.5);
    if hours == 1 {
        return "About an hour".to_owned();
    }
    if hours < 48 {
        return format!("{hours} hours");
    }
    if hours < 24 * 7 * 2 {
        return format!("{} days", hours / 24);
    }
    if hours < 24 * 30 * 2 {
        return format!("{} weeks", hours / 24 / 7);
    }
    if hours < 24 * 365 * 2 {
        return format!("{} months", hours / 24 / 30);
    }
    format!("{} years", whole(seconds / 3600.0) / 24 / 365)
}

/// Seconds since the Unix epoch, now.
pub fn now_unix_seconds() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

// ------------------------------------------------------------------------------ time

fn zoned(nanos: i128, tz: &jiff::tz::TimeZone) -> Option<jiff::Zoned> {
    let ts = jiff::Timestamp::from_nanosecond(nanos).ok()?;
    Some(ts.to_zoned(tz.clone()))
}

fn local() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::system()
}

/// Go's `time.Time.String()` for a whole second in the local zone:
/// `2024-05-01 10:00:00 +0000 UTC`.
pub fn go_time_string(unix_seconds: i64) -> String {
    go_time_string_in(unix_seconds, &local())
}

fn go_time_string_in(unix_seconds: i64, tz: &jiff::tz::TimeZone) -> String {
    zoned(i128::from(unix_seconds) * 1_000_000_000, tz)
        .map(|z| z.strftime("%Y-%m-%d %H:%M:%S %z %Z").to_string())
        .unwrap_or_default()
}

/// `2006-01-02 15:04:05.000000` in the local zone (Docker Compose's event lines).
pub fn event_time(nanos: i64) -> String {
    event_time_in(nanos, &local())
}

fn event_time_in(nanos: i64, tz: &jiff::tz::TimeZone) -> String {
    zoned(i128::from(nanos), tz)
        .map(|z| format!("{}.{:06}", z.strftime("%Y-%m-%d %H:%M:%S"), z.subsec_nanosecond() / 1000))
        .unwrap_or_default()
}

/// Go's JSON form of a `time.Time` (RFC 3339 with nanoseconds, trailing zeros dropped, `Z`
/// for UTC) in the local zone.
pub fn go_json_time(nanos: i64) -> String {
    go_json_time_in(nanos, &local())
}

fn go_json_time_in(nanos: i64, tz: &jiff::tz::TimeZone) -> String {
    let Some(z) = zoned(i128::from(nanos), tz) else { return String::new() };
    let mut s = z.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let frac = z.subsec_nanosecond();
    if frac > 0 {
        let digits = format!("{frac:09}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
    let offset = z.offset().seconds();
    if offset == 0 {
        s.push('Z');
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let abs = offset.unsigned_abs();
        let _ = write!(s, "{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60);
    }
    s
}

// ------------------------------------------------------------------------------ strings

/// Docker's `Ellipsis`: at most `max` characters, the last replaced by `…` when cut.
pub fn ellipsis(s: &str, max: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let count = s.chars().count();
    if count <= max {
        return s.to_owned();
    }
    if max == 1 {
        return s.chars().take(1).collect();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Go's `strconv.Quote`, shared with the loader's messages.
pub use berth_spec::template::go_quote;

/// JSON text as Go's `encoding/json` writes it (see [`crate::display::template::go_json_escaping`]).
pub use crate::display::template::go_json_escaping as go_json;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_like_go() {
        let utc = jiff::tz::TimeZone::UTC;
        assert_eq!(go_time_string_in(1_795_312_073, &utc), "2026-11-22 01:47:53 +0000 UTC");
        assert_eq!(event_time_in(1_795_312_132_657_363_667, &utc), "2026-11-22 01:48:52.657363");
        assert_eq!(go_json_time_in(1_795_312_132_657_363_667, &utc), "2026-11-22T01:48:52.657363667Z");
        assert_eq!(go_json_time_in(1_795_312_132_000_000_000, &utc), "2026-11-22T01:48:52Z");
        let plus2 = jiff::tz::TimeZone::fixed(jiff::tz::offset(2));
        assert_eq!(go_json_time_in(1_795_312_132_500_000_000, &plus2), "2026-11-22T03:48:52.5+02:00");
    }

    #[test]
    fn project_names_must_be_normalised() {
        let global = |n: &str| GlobalArgs { project_name: Some(n.to_owned()), ..GlobalArgs::default() };
        assert!(check_project_name(&global("lab_1")).is_ok());
        let e = check_project_name(&global("BerthObs")).unwrap_err().to_string();
        assert!(e.starts_with("invalid project name \"BerthObs\": must consist only of lowercase"), "{e}");
        assert_eq!(project_name(&global("lab")).unwrap(), "lab");
    }

    #[test]
    fn go_number_formatting() {
        assert_eq!(go_g(1.985_627, 3), "1.99");
        assert_eq!(go_g(946.0, 3), "946");
        assert_eq!(go_g(999.6, 3), "1e+03");
        assert_eq!(go_g(1.25, 3), "1.25");
        assert_eq!(go_g(2.0, 3), "2");
        assert_eq!(go_g(0.000_012_34, 3), "1.23e-05");
        assert_eq!(human_size(1_985_627.0, 3), "1.99MB");
        assert_eq!(human_size(0.0, 3), "0B");
        assert_eq!(human_size(1250.0, 3), "1.25kB");
        assert_eq!(bytes_size(618_496.0), "604KiB");
        assert_eq!(bytes_size(25_275_809_792.0), "23.54GiB");
        assert_eq!(bytes_size(0.0), "0B");
    }

    #[test]
    fn durations() {
        assert_eq!(human_duration(0.5), "Less than a second");
        assert_eq!(human_duration(1.0), "1 second");
        assert_eq!(human_duration(7.9), "7 seconds");
        assert_eq!(human_duration(90.0), "About a minute");
        assert_eq!(human_duration(600.0), "10 minutes");
        assert_eq!(human_duration(3600.0 * 1.4), "About an hour");
        assert_eq!(human_duration(3600.0 * 5.0), "5 hours");
        assert_eq!(human_duration(3600.0 * 24.0 * 3.0), "3 days");
    }

    #[test]
    fn strings() {
        assert_eq!(ellipsis("sh -c 'trap 'exit 0' TERM", 20), "sh -c 'trap 'exit 0…");
        assert_eq!(ellipsis("short", 20), "short");
        assert_eq!(go_quote("sh -c 'exit 3'"), "\"sh -c 'exit 3'\"");
        assert_eq!(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        let v = serde_json::json!({"Ports": "1->2", "x": "a&b"});
        assert_eq!(go_json(&v, true), r#"{"Ports":"1-\u003e2","x":"a\u0026b"}"#);
        assert_eq!(go_json(&v, false), r#"{"Ports":"1->2","x":"a&b"}"#);
    }
}
