//! What a service's `pull_policy` means: the keywords Docker Compose 2.26.1 knows (`always`,
//! `never`, `missing` and its alias `if_not_present`, `build`) and the Compose
//! Specification's refresh policies, which 2.26.1 rejects at load: `daily`, `weekly` and
//! `every_<duration>`.
//!
//! A duration is one or more `<whole number><unit>` groups, units `w` (7 days), `d` (24
//! hours), `h`, `m` and `s`: `every_12h`, `every_1w2d`, `every_90m`. That is the grammar of the
//! Compose Specification's schema (`every_([0-9]+[wdhms])+`). Newer Docker Compose checks that
//! pattern without anchoring it and then reads the rest with Go's duration syntax, so it also
//! lets through oddities such as `every_5ms` or `every_1d.5h`; berth holds to the documented
//! grammar and names the problem instead.

use std::fmt;
use std::time::Duration;

/// The refresh keywords berth accepts beyond the reference's.
pub const REFRESH_KEYWORDS: [&str; 2] = ["daily", "weekly"];

/// The prefix of a refresh policy with its own period.
pub const EVERY_PREFIX: &str = "every_";

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;
/// The longest period, in seconds: what Go's `time.Duration` (nanoseconds in an `int64`)
/// holds, about 292 years, beyond which Docker Compose rejects a duration too.
const MAX_SECONDS: u64 = 9_223_372_036;

/// A service's pull policy, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    /// `always`: pull before every `up`.
    Always,
    /// `never`: use the local image only.
    Never,
    /// `missing` / `if_not_present` / unset: pull when the image is not present.
    Missing,
    /// `build`: build the image, never pull it.
    Build,
    /// `daily`, `weekly`, `every_<duration>`: pull when the image is missing or its last
    /// pull is older than the period.
    Refresh(Duration),
}

/// Why a `pull_policy` value cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// Not a policy at all.
    Unknown(String),
    /// `every_` followed by something that is not a duration.
    BadDuration {
        /// The whole value (`every_3x`).
        value: String,
        /// What is wrong with the duration.
        problem: String,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::Unknown(value) => write!(f, "unknown pull policy `{value}`"),
            PolicyError::BadDuration { value, problem } => {
                write!(f, "invalid duration in `{value}`: {problem}")
            }
        }
    }
}

impl std::error::Error for PolicyError {}

impl PullPolicy {
    /// Reads a `pull_policy` value; the empty string (unset) is `missing`.
    ///
    /// # Errors
    /// [`PolicyError`] for anything else than the policies listed in the module header.
    pub fn parse(value: &str) -> Result<Self, PolicyError> {
        Ok(match value {
            "always" => PullPolicy::Always,
            "never" => PullPolicy::Never,
            "" | "missing" | "if_not_present" => PullPolicy::Missing,
            "build" => PullPolicy::Build,
            "daily" => PullPolicy::Refresh(Duration::from_secs(DAY)),
            "weekly" => PullPolicy::Refresh(Duration::from_secs(WEEK)),
            _ => match value.strip_prefix(EVERY_PREFIX) {
                Some(period) => PullPolicy::Refresh(parse_period(period).map_err(|problem| {
                    PolicyError::BadDuration { value: value.to_owned(), problem }
                })?),
                None => return Err(PolicyError::Unknown(value.to_owned())),
            },
        })
    }

    /// The refresh period, for the refresh policies.
    pub fn refresh_period(self) -> Option<Duration> {
        match self {
            PullPolicy::Refresh(period) => Some(period),
            _ => None,
        }
    }
}

/// Whether `value` is one of the refresh policies berth adds to the reference's keywords
/// (well formed or not): `Some(Ok)` when it is valid, `Some(Err(problem))` when it is an
/// `every_` value with a bad duration, `None` when it is not of that family at all.
pub fn check_refresh(value: &str) -> Option<Result<(), String>> {
    if !REFRESH_KEYWORDS.contains(&value) && !value.starts_with(EVERY_PREFIX) {
        return None;
    }
    Some(PullPolicy::parse(value).map(|_| ()).map_err(|e| e.to_string()))
}

/// Reads a period: one or more `<whole number><unit>` groups, units `w`, `d`, `h`, `m`, `s`.
fn parse_period(text: &str) -> Result<Duration, String> {
    if text.is_empty() {
        return Err("the duration is missing (write e.g. `every_12h`)".to_owned());
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let (number, after) = rest.split_at(digits);
        if number.is_empty() {
            return Err(format!(
                "`{rest}` does not start with a whole number (durations are whole numbers \
                 with units `w`, `d`, `h`, `m`, `s`, as in `1d12h`)"
            ));
        }
        let letters = after.find(|c: char| c.is_ascii_digit()).unwrap_or(after.len());
        let (unit, next) = after.split_at(letters);
        let seconds_per_unit = match unit {
            "w" => WEEK,
            "d" => DAY,
            "h" => HOUR,
            "m" => MINUTE,
            "s" => 1,
            "" => return Err(format!("`{number}` has no unit (one of `w`, `d`, `h`, `m`, `s`)")),
            other => {
                return Err(format!(
                    "unknown unit `{other}` after `{number}` (units are `w`, `d`, `h`, `m`, `s`)"
                ))
            }
        };
        let too_long = || format!("`{text}` is too long a duration");
        let count: u64 = number.parse().map_err(|_| too_long())?;
        let seconds = count.checked_mul(seconds_per_unit).ok_or_else(too_long)?;
        total = total.checked_add(seconds).filter(|t| *t <= MAX_SECONDS).ok_or_else(too_long)?;
        rest = next;
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(value: &str) -> Duration {
        match PullPolicy::parse(value) {
            Ok(PullPolicy::Refresh(d)) => d,
            other => panic!("{value}: {other:?}"),
        }
    }

    fn problem(value: &str) -> String {
        match PullPolicy::parse(value) {
            Err(e) => e.to_string(),
            Ok(p) => panic!("{value} accepted as {p:?}"),
        }
    }

    #[test]
    fn keywords() {
        assert_eq!(PullPolicy::parse("always"), Ok(PullPolicy::Always));
        assert_eq!(PullPolicy::parse("never"), Ok(PullPolicy::Never));
        assert_eq!(PullPolicy::parse("build"), Ok(PullPolicy::Build));
        for missing in ["", "missing", "if_not_present"] {
            assert_eq!(PullPolicy::parse(missing), Ok(PullPolicy::Missing));
        }
        assert_eq!(period("daily"), Duration::from_hours(24));
        assert_eq!(period("weekly"), Duration::from_hours(7 * 24));
        assert_eq!(problem("hourly"), "unknown pull policy `hourly`");
        assert_eq!(PullPolicy::parse("always").map(PullPolicy::refresh_period), Ok(None));
    }

    #[test]
    fn every_reads_compose_durations() {
        assert_eq!(period("every_12h"), Duration::from_hours(12));
        assert_eq!(period("every_2d"), Duration::from_hours(48));
        assert_eq!(period("every_1w2d3h4m5s"), Duration::from_secs(WEEK + 2 * DAY + 3 * HOUR + 4 * MINUTE + 5));
        assert_eq!(period("every_90m"), Duration::from_mins(90));
        // Groups may repeat, in any order, as the schema's pattern allows.
        assert_eq!(period("every_30m1h30m"), Duration::from_hours(2));
        assert_eq!(period("every_0s"), Duration::ZERO);
        assert_eq!(period("every_007s"), Duration::from_secs(7));
    }

    #[test]
    fn bad_durations_say_what_is_wrong() {
        assert_eq!(problem("every_"), "invalid duration in `every_`: the duration is missing (write e.g. `every_12h`)");
        assert_eq!(problem("every_12"), "invalid duration in `every_12`: `12` has no unit (one of `w`, `d`, `h`, `m`, `s`)");
        assert!(problem("every_3x").contains("unknown unit `x` after `3`"));
        assert!(problem("every_5ms").contains("unknown unit `ms` after `5`"));
        assert!(problem("every_1.5h").contains("unknown unit `.` after `1`"));
        assert!(problem("every_h").contains("`h` does not start with a whole number"));
        assert!(problem("every_-1h").contains("`-1h` does not start with a whole number"));
        assert!(problem("every_1d ").contains("unknown unit `d ` after `1`"));
        assert!(problem("every_99999999999999999999s").contains("too long"));
        assert!(problem("every_30000000000000w").contains("too long"));
        assert!(problem("every_1é").contains("unknown unit `é`"));
    }

    #[test]
    fn refresh_family_is_recognised_for_the_schema() {
        assert_eq!(check_refresh("daily"), Some(Ok(())));
        assert_eq!(check_refresh("every_1h"), Some(Ok(())));
        assert!(matches!(check_refresh("every_1q"), Some(Err(_))));
        assert_eq!(check_refresh("always"), None);
        assert_eq!(check_refresh("refresh"), None);
    }
}
