//! Interpolation of a whole compose tree, then casting each value to the type its attribute
//! needs (compose-go v2.4.8 `interpolation/interpolation.go` and the cast table of
//! `loader/interpolate.go`).
//!
//! * Every string **value** is substituted with [`crate::template`]; mapping keys never are.
//!   Scalars that are not strings (YAML numbers, booleans, null) are left alone.
//! * `$$` is an escaped `$`: after interpolation the tree holds a single `$`. (`config` output
//!   escapes every `$` as `$$` again; `config --no-interpolate` skips this module entirely, so
//!   `$$` stays as written there.)
//! * Then every string at a path of [`TYPE_CASTS`] (`services.*.deploy.replicas`,
//!   `services.*.ports.[].target`, `networks.*.external`, ...) is cast to an integer, a float or
//!   a boolean node, whether or not it contained a variable, exactly as compose does. Booleans
//!   accept `true`/`false` in any case, and also `y yes on n no off` with a warning.
//! * Errors carry compose's text, the node's span and its path:
//!   `invalid interpolation format for services.web.image.\nYou may need to escape any $ with
//!   another $.\n${`, `error while interpolating services.web.image: required variable X is
//!   missing a value: reason`, `error while interpolating services.web.deploy.replicas: failed
//!   to cast to expected type: strconv.Atoi: parsing "x": invalid syntax`. The path in the
//!   message is compose's: sequence items are written `[]` (`services.web.ports.[].target`).
//! * Unset variables without default become "" with the warning
//!   `The "X" variable is not set. Defaulting to a blank string.`, collected by
//!   [`interpolate_with_warnings`] for the CLI to print.
//!
//! Compose walks its maps in random order, so when a file has several errors which one is
//! reported varies there; berth reports the first in document order.

use crate::error::{Error, Result};
use crate::node::{Node, Path, Value};
use crate::template::{self, go_quote, TemplateErrorKind};

/// The type a value is cast to after interpolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast {
    /// Go's `strconv.Atoi` (a 64-bit integer).
    Int,
    /// Go's `strconv.ParseInt(s, 10, 64)`.
    Int64,
    /// Go's `strconv.ParseFloat(s, 64)`.
    Float,
    /// Go's `strconv.ParseFloat(s, 32)`, kept as the shortest decimal of the 32-bit value.
    Float32,
    /// YAML 1.1-ish booleans (`true`, `false`, and with a warning `y yes on n no off`).
    Bool,
}

/// compose's cast table: path patterns (`*` = any key, `[]` = any sequence item) and the type
/// the string found there becomes.
pub const TYPE_CASTS: &[(&str, Cast)] = &[
    ("services.*.configs.[].mode", Cast::Int),
    ("services.*.cpu_count", Cast::Int64),
    ("services.*.cpu_percent", Cast::Float),
    ("services.*.cpu_period", Cast::Int64),
    ("services.*.cpu_quota", Cast::Int64),
    ("services.*.cpu_rt_period", Cast::Int64),
    ("services.*.cpu_rt_runtime", Cast::Int64),
    ("services.*.cpus", Cast::Float32),
    ("services.*.cpu_shares", Cast::Int64),
    ("services.*.init", Cast::Bool),
    ("services.*.deploy.replicas", Cast::Int),
    ("services.*.deploy.update_config.parallelism", Cast::Int),
    (
        "services.*.deploy.update_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.rollback_config.parallelism", Cast::Int),
    (
        "services.*.deploy.rollback_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.restart_policy.max_attempts", Cast::Int),
    (
        "services.*.deploy.placement.max_replicas_per_node",
        Cast::Int,
    ),
    ("services.*.healthcheck.retries", Cast::Int),
    ("services.*.healthcheck.disable", Cast::Bool),
    ("services.*.oom_kill_disable", Cast::Bool),
    ("services.*.oom_score_adj", Cast::Int64),
    ("services.*.pids_limit", Cast::Int64),
    ("services.*.ports.[].target", Cast::Int),
    ("services.*.privileged", Cast::Bool),
    ("services.*.read_only", Cast::Bool),
    ("services.*.scale", Cast::Int),
    ("services.*.secrets.[].mode", Cast::Int),
    ("services.*.stdin_open", Cast::Bool),
    ("services.*.tty", Cast::Bool),
    ("services.*.ulimits.*", Cast::Int),
    ("services.*.ulimits.*.hard", Cast::Int),
    ("services.*.ulimits.*.soft", Cast::Int),
    ("services.*.volumes.[].read_only", Cast::Bool),
    ("services.*.volumes.[].volume.nocopy", Cast::Bool),
    ("networks.*.external", Cast::Bool),
    ("networks.*.internal", Cast::Bool),
    ("networks.*.attachable", Cast::Bool),
    ("networks.*.enable_ipv4", Cast::Bool),
    ("networks.*.enable_ipv6", Cast::Bool),
    ("volumes.*.external", Cast::Bool),
    ("secrets.*.external", Cast::Bool),
    ("configs.*.external", Cast::Bool),
];

/// Interpolates every string value of `root` and applies compose's casts; warnings are dropped.
pub fn interpolate(root: &mut Node, lookup: &dyn Fn(&str) -> Option<String>) -> Result<()> {
    let mut warnings = Vec::new();
    interpolate_with_warnings(root, lookup, &mut warnings)
}

/// Like [`interpolate`], appending compose's warnings (unset variables, YAML 1.1 booleans) to
/// `warnings` in the order compose logs them.
pub fn interpolate_with_warnings(
    root: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    interpolate_with(root, lookup, TYPE_CASTS, warnings)
}

/// Interpolation with a cast table of the caller's choosing (patterns as in [`TYPE_CASTS`]).
pub fn interpolate_with(
    root: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    casts: &[(&str, Cast)],
    warnings: &mut Vec<String>,
) -> Result<()> {
    let patterns: Vec<(Vec<&str>, Cast)> = casts
        .iter()
        .map(|(p, c)| (p.split('.').collect(), *c))
        .collect();
    let mut arena: Vec<Entry<'_>> = Vec::new();
    // An explicit stack (children pushed in reverse) keeps document order without recursion.
    let mut stack: Vec<(&mut Node, Option<usize>)> = vec![(root, None)];
    while let Some((node, at)) = stack.pop() {
        if let Value::String(s) = &mut node.value {
            let place = Place { arena: &arena, at };
            if let Some(value) = interpolate_string(s, &place, &patterns, lookup, warnings)
                .map_err(|err| err.at(node.span).with_path(&place.path()))?
            {
                node.value = value;
            }
            continue;
        }
        let first = arena.len();
        match &mut node.value {
            Value::Map(map) => {
                for (key, child) in map.iter_mut() {
                    let depth = match at {
                        // compose builds a top-level path from the raw key, so dots in it split.
                        None => key.name.split('.').count(),
                        Some(p) => arena.get(p).map_or(0, |e| e.depth) + 1,
                    };
                    stack.push((child, Some(arena.len())));
                    arena.push(Entry {
                        parent: at,
                        part: Part::Key(&key.name),
                        depth,
                    });
                }
            }
            Value::Seq(items) => {
                let depth = at.and_then(|p| arena.get(p)).map_or(0, |e| e.depth) + 1;
                for (i, child) in items.iter_mut().enumerate() {
                    stack.push((child, Some(arena.len())));
                    arena.push(Entry {
                        parent: at,
                        part: Part::Index(i),
                        depth,
                    });
                }
            }
            Value::String(_) | Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
        reverse_tail(&mut stack, arena.len() - first);
    }
    Ok(())
}

/// Substitutes one string and casts it when its path is in the cast table. Errors have
/// compose's text; the caller adds span and path. A string without `$` is only cast, in
/// place: `None` means the node keeps the (possibly updated) string.
fn interpolate_string(
    s: &mut String,
    place: &Place<'_, '_>,
    patterns: &[(Vec<&str>, Cast)],
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<Option<Value>> {
    let cast = patterns
        .iter()
        .find(|(pattern, _)| place.matches(pattern))
        .map(|(_, c)| *c);
    if !s.contains('$') {
        return match cast {
            None => Ok(None),
            Some(cast) => cast_at(cast, s, place, warnings).map(Some),
        };
    }
    let substituted = template::substitute_with_warnings(s, lookup, warnings).map_err(|e| {
        let path = place.compose_path();
        match e.kind {
            TemplateErrorKind::InvalidTemplate { template } => Error::invalid(format!(
                "invalid interpolation format for {path}.\nYou may need to escape any $ with another $.\n{template}"
            )),
            // Docker Compose exits 15 (invalid file), not 14, for a missing required variable.
            TemplateErrorKind::MissingRequired { .. } => {
                Error::invalid(format!("error while interpolating {path}: {}", e.message))
            }
            TemplateErrorKind::TooDeep => {
                Error::invalid(format!("error while interpolating {path}: {}", e.message))
            }
        }
    })?;
    match cast {
        None => {
            *s = substituted;
            Ok(None)
        }
        Some(cast) => cast_at(cast, &substituted, place, warnings).map(Some),
    }
}

/// Casts an interpolated string; errors name the place.
fn cast_at(cast: Cast, s: &str, place: &Place<'_, '_>, warnings: &mut Vec<String>) -> Result<Value> {
    apply_cast(cast, s, warnings).map_err(|reason| {
        Error::invalid(format!(
            "error while interpolating {}: failed to cast to expected type: {reason}",
            place.compose_path()
        ))
    })
}

/// Reverses the last `n` entries of the stack, so that the children just pushed are popped in
/// document order.
fn reverse_tail<T>(stack: &mut [T], n: usize) {
    let len = stack.len();
    if let Some(tail) = stack.get_mut(len.saturating_sub(n)..) {
        tail.reverse();
    }
}

/// One step of a path, kept in an arena so that paths are only spelled out when needed.
struct Entry<'a> {
    parent: Option<usize>,
    part: Part<'a>,
    /// Number of compose path parts up to and including this one.
    depth: usize,
}

enum Part<'a> {
    Key(&'a str),
    Index(usize),
}

/// The path of the node being interpolated.
struct Place<'r, 'a> {
    arena: &'r [Entry<'a>],
    at: Option<usize>,
}

impl<'a> Place<'_, 'a> {
    /// The entries from the root down.
    fn entries(&self) -> Vec<&Entry<'a>> {
        let mut out = Vec::new();
        let mut cur = self.at;
        while let Some(entry) = cur.and_then(|i| self.arena.get(i)) {
            out.push(entry);
            cur = entry.parent;
        }
        out.reverse();
        out
    }

    /// compose's path parts: keys (a top-level key split at its dots), `[]` for items.
    fn compose_parts(&self) -> Vec<&'a str> {
        let mut parts = Vec::new();
        for entry in self.entries() {
            match entry.part {
                Part::Key(k) if entry.parent.is_none() => parts.extend(k.split('.')),
                Part::Key(k) => parts.push(k),
                Part::Index(_) => parts.push("[]"),
            }
        }
        parts
    }

    /// Whether compose's path of this place matches `pattern`, compared from the leaf up so
    /// that most patterns fail at the first part, without spelling the path out.
    fn matches(&self, pattern: &[&str]) -> bool {
        let depth = self
            .at
            .and_then(|i| self.arena.get(i))
            .map_or(0, |e| e.depth);
        if depth != pattern.len() {
            return false;
        }
        let mut rest = pattern;
        let mut step = |part: &str| match rest.split_last() {
            Some((pat, before)) if *pat == "*" || *pat == part => {
                rest = before;
                true
            }
            _ => false,
        };
        let mut cur = self.at;
        while let Some(entry) = cur.and_then(|i| self.arena.get(i)) {
            let ok = match entry.part {
                Part::Key(k) if entry.parent.is_none() => k.rsplit('.').all(&mut step),
                Part::Key(k) => step(k),
                Part::Index(_) => step("[]"),
            };
            if !ok {
                return false;
            }
            cur = entry.parent;
        }
        rest.is_empty()
    }

    /// The path as compose prints it (`services.web.ports.[].target`).
    fn compose_path(&self) -> String {
        self.compose_parts().join(".")
    }

    /// The path as berth prints it (`services.web.ports[0].target`).
    fn path(&self) -> Path {
        self.entries()
            .into_iter()
            .fold(Path::root(), |p, entry| match entry.part {
                Part::Key(k) => p.key(k),
                Part::Index(i) => p.index(i),
            })
    }
}

// ---------------------------------------------------------------------------------------------
// Casts, with Go's `strconv` grammar and error texts.

fn apply_cast(
    cast: Cast,
    s: &str,
    warnings: &mut Vec<String>,
) -> std::result::Result<Value, String> {
    match cast {
        Cast::Int => parse_int(s, "Atoi").map(Value::Int),
        Cast::Int64 => parse_int(s, "ParseInt").map(Value::Int),
        Cast::Float => parse_float(s, false).map(Value::Float),
        Cast::Float32 => parse_float(s, true).map(Value::Float),
        Cast::Bool => parse_bool(s, warnings).map(Value::Bool),
    }
}

fn num_error(func: &str, s: &str, reason: &str) -> String {
    format!("strconv.{func}: parsing {}: {reason}", go_quote(s))
}

/// Go's `strconv.ParseInt(s, 10, 64)` (and `Atoi`, which only differs in its error's name).
fn parse_int(s: &str, func: &str) -> std::result::Result<i64, String> {
    let syntax = || num_error(func, s, "invalid syntax");
    let range = || num_error(func, s, "value out of range");
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, s.get(1..).unwrap_or("")),
        Some(b'-') => (true, s.get(1..).unwrap_or("")),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(syntax());
    }
    let mut n: u64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return Err(syntax());
        }
        // Go reports overflow as soon as it happens, before looking at later characters.
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or_else(range)?;
    }
    if negative {
        0i64.checked_sub_unsigned(n).ok_or_else(range)
    } else {
        i64::try_from(n).map_err(|_| range())
    }
}

/// Go's `strconv.ParseFloat(s, 64 or 32)`.
fn parse_float(s: &str, single: bool) -> std::result::Result<f64, String> {
    let syntax = || num_error("ParseFloat", s, "invalid syntax");
    let range = || num_error("ParseFloat", s, "value out of range");
    if let Some(v) = special_float(s) {
        return Ok(v);
    }
    let lit = scan_float(s).ok_or_else(syntax)?;
    let value = if lit.hex {
        let v = lit.hex_value();
        if single {
            widen(narrow(v))
        } else {
            v
        }
    } else if single {
        let v: f32 = lit.cleaned.parse().map_err(|_| syntax())?;
        if v.is_infinite() {
            return Err(range());
        }
        widen(v)
    } else {
        lit.cleaned.parse::<f64>().map_err(|_| syntax())?
    };
    if value.is_infinite() {
        return Err(range());
    }
    Ok(value)
}

#[allow(clippy::cast_possible_truncation)]
fn narrow(v: f64) -> f32 {
    v as f32
}

/// A 32-bit float as the 64-bit float of its shortest decimal form, so that it prints as Go
/// prints a `float32` (0.1, not 0.10000000149011612).
fn widen(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// `inf`, `infinity` (optionally signed) and `nan`, in any case, as the whole string.
fn special_float(s: &str) -> Option<f64> {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'+') => (1.0, s.get(1..)?),
        Some(b'-') => (-1.0, s.get(1..)?),
        _ => (1.0, s),
    };
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        return Some(sign * f64::INFINITY);
    }
    (s.eq_ignore_ascii_case("nan")).then_some(f64::NAN)
}

struct FloatLiteral {
    hex: bool,
    negative: bool,
    /// Decimal: the literal without underscores, for Rust's (correctly rounding) parser.
    cleaned: String,
    /// Hexadecimal: mantissa digits and binary exponent.
    mantissa: u128,
    exp2: i64,
}

impl FloatLiteral {
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    fn hex_value(&self) -> f64 {
        let m = self.mantissa as f64;
        let e = self.exp2.clamp(-2000, 2000) as i32;
        let v = m * 2f64.powi(e);
        if self.negative {
            -v
        } else {
            v
        }
    }
}

/// Go's float literal grammar (`readFloat` + `underscoreOK`): optional sign, decimal digits or
/// `0x` hex digits with an optional point, underscores between digits, an exponent (`e`, or the
/// mandatory `p` for hex). `None` when `s` is not entirely such a literal.
fn scan_float(s: &str) -> Option<FloatLiteral> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut negative = false;
    match b.first()? {
        b'+' => i += 1,
        b'-' => {
            negative = true;
            i += 1;
        }
        _ => {}
    }
    let hex =
        b.len() > i + 2 && b.get(i) == Some(&b'0') && matches!(b.get(i + 1), Some(b'x' | b'X'));
    if hex {
        i += 2;
    }
    let mut underscores = false;
    let mut saw_dot = false;
    let mut saw_digits = false;
    let mut mantissa: u128 = 0;
    let mut frac_digits: i64 = 0;
    let mut dropped_digits: i64 = 0;
    while let Some(&c) = b.get(i) {
        let digit = match c {
            b'_' => {
                underscores = true;
                i += 1;
                continue;
            }
            b'.' if !saw_dot => {
                saw_dot = true;
                i += 1;
                continue;
            }
            b'0'..=b'9' => u128::from(c - b'0'),
            b'a'..=b'f' | b'A'..=b'F' if hex => u128::from(c.to_ascii_lowercase() - b'a' + 10),
            _ => break,
        };
        saw_digits = true;
        if hex {
            match mantissa.checked_mul(16) {
                Some(m) if m < (1u128 << 120) => mantissa = m + digit,
                _ => dropped_digits += 1,
            }
            if saw_dot {
                frac_digits += 1;
            }
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    let mut exp: i64 = 0;
    let exp_char = if hex { b'p' } else { b'e' };
    if b.get(i).map(u8::to_ascii_lowercase) == Some(exp_char) {
        i += 1;
        let mut sign = 1;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                sign = -1;
                i += 1;
            }
            _ => {}
        }
        if !b.get(i)?.is_ascii_digit() {
            return None;
        }
        while let Some(&c) = b.get(i) {
            match c {
                b'_' => underscores = true,
                b'0'..=b'9' => {
                    if exp < 10_000 {
                        exp = exp * 10 + i64::from(c - b'0');
                    }
                }
                _ => break,
            }
            i += 1;
        }
        exp *= sign;
    } else if hex {
        return None;
    }
    if i != b.len() || (underscores && !underscores_ok(s)) {
        return None;
    }
    Some(FloatLiteral {
        hex,
        negative,
        cleaned: s.replace('_', ""),
        mantissa,
        exp2: exp + 4 * (dropped_digits - frac_digits),
    })
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let b = match b.first() {
        Some(b'+' | b'-') => b.get(1..).unwrap_or(&[]),
        _ => b,
    };
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2
        && b.first() == Some(&b'0')
        && matches!(
            b.get(1).map(u8::to_ascii_lowercase),
            Some(b'b' | b'o' | b'x')
        )
    {
        i = 2;
        saw = b'0';
        hex = b.get(1).map(u8::to_ascii_lowercase) == Some(b'x');
    }
    while let Some(&c) = b.get(i) {
        i += 1;
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

fn parse_bool(s: &str, warnings: &mut Vec<String>) -> std::result::Result<bool, String> {
    match s.to_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        "y" | "yes" | "on" => {
            warnings.push(format!(
                "{} for boolean is not supported by YAML 1.2, please use `true`",
                go_quote(s)
            ));
            Ok(true)
        }
        "n" | "no" | "off" => {
            warnings.push(format!(
                "{} for boolean is not supported by YAML 1.2, please use `false`",
                go_quote(s)
            ));
            Ok(false)
        }
        _ => Err(format!("invalid boolean: {s}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Span;
    use crate::sources;
    use serde_json::json;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn run(input: &serde_json::Value, pairs: &[(&str, &str)]) -> Result<serde_json::Value> {
        let mut node = Node::from_json(input);
        interpolate(&mut node, &env(pairs))?;
        Ok(node.to_json())
    }

    #[test]
    fn interpolates_values_not_keys() {
        let out = run(&json!({"services": {"web": {"image": "app:${TAG}", "environment": {"$KEY": "$$literal"}}}}),
            &[("TAG", "1.0"), ("KEY", "k")],
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"services": {"web": {"image": "app:1.0", "environment": {"$KEY": "$literal"}}}})
        );
    }

    #[test]
    fn leaves_other_scalars_alone() {
        let out = run(
            &json!({"services": {"web": {"deploy": {"replicas": 3}, "init": true, "x": null}}}),
            &[],
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"services": {"web": {"deploy": {"replicas": 3}, "init": true, "x": null}}})
        );
    }

    #[test]
    fn casts_every_string_at_cast_paths() {
        let out = run(
            &json!({"services": {"web": {
                "deploy": {"replicas": "$N", "update_config": {"max_failure_ratio": "0.5"}},
                "cpus": "0.1",
                "cpu_shares": "-12",
                "init": "TRUE",
                "ports": [{"target": "80"}, "8080:80"],
                "ulimits": {"nproc": "65535", "nofile": {"soft": "1", "hard": "2"}},
                "volumes": [{"read_only": "false", "volume": {"nocopy": "true"}}],
                "image": "5"
            }}, "networks": {"n": {"external": "true"}}, "volumes": {"v": {"external": "false"}}}),
            &[("N", "3")],
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"services": {"web": {
                "deploy": {"replicas": 3, "update_config": {"max_failure_ratio": 0.5}},
                "cpus": 0.1,
                "cpu_shares": -12,
                "init": true,
                "ports": [{"target": 80}, "8080:80"],
                "ulimits": {"nproc": 65535, "nofile": {"soft": 1, "hard": 2}},
                "volumes": [{"read_only": false, "volume": {"nocopy": true}}],
                "image": "5"
            }}, "networks": {"n": {"external": true}}, "volumes": {"v": {"external": false}}})
        );
    }

    #[test]
    fn yaml11_booleans_warn() {
        let mut node =
            Node::from_json(&json!({"services": {"s": {"tty": "yes", "privileged": "Off"}}}));
        let mut warnings = Vec::new();
        interpolate_with_warnings(&mut node, &env(&[]), &mut warnings).unwrap();
        assert_eq!(
            node.to_json(),
            json!({"services": {"s": {"tty": true, "privileged": false}}})
        );
        assert_eq!(
            warnings,
            vec![
                "\"yes\" for boolean is not supported by YAML 1.2, please use `true`",
                "\"Off\" for boolean is not supported by YAML 1.2, please use `false`",
            ]
        );
    }

    #[test]
    fn cast_errors_read_like_compose() {
        let cases = [
            (json!({"services": {"s": {"read_only": ""}}}), "error while interpolating services.s.read_only: failed to cast to expected type: invalid boolean: "),
            (json!({"services": {"s": {"secrets": [{"mode": ""}]}}}), "error while interpolating services.s.secrets.[].mode: failed to cast to expected type: strconv.Atoi: parsing \"\": invalid syntax"),
            (json!({"services": {"s": {"pids_limit": "1x"}}}), "error while interpolating services.s.pids_limit: failed to cast to expected type: strconv.ParseInt: parsing \"1x\": invalid syntax"),
            (json!({"services": {"s": {"scale": "99999999999999999999"}}}), "error while interpolating services.s.scale: failed to cast to expected type: strconv.Atoi: parsing \"99999999999999999999\": value out of range"),
            (json!({"services": {"s": {"cpus": "1e39"}}}), "error while interpolating services.s.cpus: failed to cast to expected type: strconv.ParseFloat: parsing \"1e39\": value out of range"),
            (json!({"services": {"s": {"cpu_percent": "half"}}}), "error while interpolating services.s.cpu_percent: failed to cast to expected type: strconv.ParseFloat: parsing \"half\": invalid syntax"),
        ];
        for (input, message) in cases {
            let err = run(&input, &[]).unwrap_err();
            assert_eq!(err.message, message);
            assert_eq!(err.kind, crate::ErrorKind::Invalid);
        }
    }

    #[test]
    fn template_errors_carry_path_and_span() {
        let file = sources::register("compose.yaml", "services:\n  web:\n    image: ${\n");
        let span = Span {
            file,
            line: 3,
            col: 12,
        };
        let mut web = crate::node::Map::new();
        web.insert(crate::Key::new("image", span), Node::string("${", span));
        let mut services = crate::node::Map::new();
        services.insert(
            crate::Key::synthetic("web"),
            Node::map(web, Span::SYNTHETIC),
        );
        let mut root_map = crate::node::Map::new();
        root_map.insert(
            crate::Key::synthetic("services"),
            Node::map(services, Span::SYNTHETIC),
        );
        let mut root = Node::map(root_map, Span::SYNTHETIC);
        let err = interpolate(&mut root, &env(&[])).unwrap_err();
        assert_eq!(
            err.message,
            "invalid interpolation format for services.web.image.\nYou may need to escape any $ with another $.\n${"
        );
        assert_eq!(err.span, Some(span));
        assert_eq!(err.path.as_deref(), Some("services.web.image"));

        let err = run(
            &json!({"services": {"web": {"volumes": ["${X:?set X}"]}}}),
            &[],
        )
        .unwrap_err();
        assert_eq!(err.message, "error while interpolating services.web.volumes.[]: required variable X is missing a value: set X");
        assert_eq!(err.path.as_deref(), Some("services.web.volumes[0]"));
        assert_eq!(err.kind, crate::ErrorKind::Invalid);
    }

    #[test]
    fn first_error_in_document_order() {
        let err = run(&json!({"a": "${A?one}", "b": ["${B?two}"]}), &[]).unwrap_err();
        assert!(err.message.ends_with("one"), "{}", err.message);
    }

    #[test]
    fn dotted_top_level_keys_split_like_compose() {
        // compose builds the top-level part of a path from the raw key, so "services.x" +
        // "init" looks like services.*.init to the cast table.
        let out = run(
            &json!({"services.x": {"init": "true"}, "y": {"a.b": {"init": "true"}}}),
            &[],
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"services.x": {"init": true}, "y": {"a.b": {"init": "true"}}})
        );
    }

    #[test]
    fn go_integers() {
        assert_eq!(parse_int("+42", "Atoi"), Ok(42));
        assert_eq!(parse_int("-9223372036854775808", "Atoi"), Ok(i64::MIN));
        assert!(parse_int("9223372036854775808", "Atoi")
            .unwrap_err()
            .ends_with("value out of range"));
        assert!(parse_int("1_000", "Atoi")
            .unwrap_err()
            .ends_with("invalid syntax"));
        assert!(parse_int(" 1", "Atoi").is_err());
        assert!(parse_int("-", "ParseInt")
            .unwrap_err()
            .starts_with("strconv.ParseInt: parsing \"-\""));
    }

    #[test]
    fn go_floats() {
        assert_eq!(parse_float("1.5", false), Ok(1.5));
        assert_eq!(parse_float("1_000.5", false), Ok(1000.5));
        assert_eq!(parse_float(".5e1", false), Ok(5.0));
        assert_eq!(parse_float("1.", false), Ok(1.0));
        assert_eq!(parse_float("0x1.8p1", false), Ok(3.0));
        assert_eq!(parse_float("-Inf", false), Ok(f64::NEG_INFINITY));
        assert!(parse_float("NaN", false).unwrap().is_nan());
        assert_eq!(parse_float("1.1", true), Ok(1.1));
        for bad in [
            "", ".", "1e", "1_e5", "_1", "0x1", "infx", "+nan", "1.5.", " 1", "0x",
        ] {
            assert!(
                parse_float(bad, false)
                    .unwrap_err()
                    .ends_with("invalid syntax"),
                "{bad}"
            );
        }
        assert!(parse_float("1e400", false)
            .unwrap_err()
            .ends_with("value out of range"));
        assert_eq!(parse_float("1e-400", false), Ok(0.0));
    }
}
