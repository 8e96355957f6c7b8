//! Time as the renderers see it: a monotonic clock for elapsed times and spinners, and the wall
//! clock for timestamps. Both come through [`Clock`] so tests can fix them and get byte-exact
//! output.

#[cfg(test)]
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of time.
pub trait Clock: Send + Sync {
    /// Time since the clock started (monotonic).
    fn elapsed(&self) -> Duration;
    /// The current wall-clock time.
    fn wall(&self) -> SystemTime;
}

/// The real clock; `elapsed` counts from its creation.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    /// A clock starting now.
    pub fn new() -> Self {
        SystemClock { start: Instant::now() }
    }
    /// A clock started when the process started (or the first time this is called), as
    /// Compose's log lines count seconds from program start.
    pub fn process() -> Self {
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        SystemClock { start: *START.get_or_init(Instant::now) }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to, for tests.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: AtomicU64,
    wall_start_secs: u64,
}

#[cfg(test)]
impl ManualClock {
    /// A clock at zero whose wall time starts at `wall_start_secs` seconds after the Unix epoch.
    pub fn new(wall_start_secs: u64) -> Self {
        ManualClock { millis: AtomicU64::new(0), wall_start_secs }
    }
    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.millis.fetch_add(ms, Ordering::SeqCst);
    }
    /// Sets the elapsed time.
    pub fn set(&self, at: Duration) {
        self.millis.store(u64::try_from(at.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }
}

#[cfg(test)]
impl Clock for ManualClock {
    fn elapsed(&self) -> Duration {
        Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }
    fn wall(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.wall_start_secs) + self.elapsed()
    }
}

/// `now` as Go's `time.RFC3339` writes a local time: `2024-05-01T10:00:00+02:00`, or with `Z`
/// when the zone is UTC.
pub fn local_rfc3339(now: &jiff::Zoned) -> String {
    if now.offset().seconds() == 0 {
        now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        now.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// RFC 3339 in UTC: `2024-05-01T10:00:00Z`, or with `nanos` the fixed nine-digit form Docker
/// uses for log timestamps (`2024-05-01T10:00:00.000000000Z`).
pub fn rfc3339(t: SystemTime, nanos: bool) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, day) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    if nanos {
        format!("{y:04}-{m:02}-{day:02}T{hh:02}:{mm:02}:{ss:02}.{:09}Z", d.subsec_nanos())
    } else {
        format!("{y:04}-{m:02}-{day:02}T{hh:02}:{mm:02}:{ss:02}Z")
    }
}

/// Days since 1970-01-01 to a (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH, false), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::new(1_714_557_600, 5);
        assert_eq!(rfc3339(t, false), "2024-05-01T10:00:00Z");
        assert_eq!(rfc3339(t, true), "2024-05-01T10:00:00.000000005Z");
        // a leap day
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::new(951_782_400, 0), false), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn manual_clock_moves_when_told() {
        let c = ManualClock::new(0);
        c.advance(Duration::from_millis(250));
        assert_eq!(c.elapsed(), Duration::from_millis(250));
        c.set(Duration::from_secs(2));
        assert_eq!(c.wall(), UNIX_EPOCH + Duration::from_secs(2));
    }
}
