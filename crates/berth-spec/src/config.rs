//! What `berth config` prints: the project as YAML or JSON, written the way Docker Compose
//! writes it (two-space indentation, the same quoting and key order, `$` escaped as `$$`).
//!
//! [`write_project`] streams the typed project to a writer: JSON through serde_json with Go's
//! escaping applied on the way out, YAML through [`yaml_ser`], which knows Go maps (sorted
//! in go-yaml's order) from structs (in field order). [`render`] lays out an untyped tree.

mod yaml_ser;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use serde::Serialize;
use serde_json::Value;

use crate::model::{OutputFormat, Project};

/// Output formats of `config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "yaml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Renders a value in the given format. JSON is indented by two spaces, like Go's
/// `json.MarshalIndent`; YAML follows go-yaml v3's encoder.
pub fn render(value: &Value, format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
            s = escape_html_like_go(&s);
            s
        }
        Format::Yaml => to_yaml(value),
    }
}

/// Writes `project` as `config` prints it, `$` escaped as `$$`. Nothing is built in memory
/// for JSON; YAML is laid out in memory first and written in one go.
pub fn write_project(project: &Project, format: Format, out: &mut dyn io::Write) -> io::Result<()> {
    match format {
        Format::Json => {
            let mut out = GoEscape { inner: out, html: true };
            let formatter = serde_json::ser::PrettyFormatter::with_indent(b"  ");
            let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
            crate::model::with_format(OutputFormat::Json, || project.serialize(&mut ser))?;
            Ok(())
        }
        Format::Yaml => {
            let mut text = String::new();
            crate::model::with_format(OutputFormat::Yaml, || yaml_ser::to_yaml_string(project, &mut text))
                .map_err(io::Error::other)?;
            let mut out = GoEscape { inner: out, html: false };
            io::Write::write_all(&mut out, text.as_bytes())
        }
    }
}

/// Passes bytes through, doubling `$` (see [`escape_dollars`]) and, for JSON, escaping `<`,
/// `>` and `&` as Go's encoder does (they only occur inside strings there).
struct GoEscape<'a> {
    inner: &'a mut dyn io::Write,
    html: bool,
}

impl io::Write for GoEscape<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, b) in buf.iter().enumerate() {
            let replacement: &[u8] = match b {
                b'$' => b"$$",
                b'<' if self.html => b"\\u003c",
                b'>' if self.html => b"\\u003e",
                b'&' if self.html => b"\\u0026",
                _ => continue,
            };
            self.inner.write_all(buf.get(start..i).unwrap_or_default())?;
            self.inner.write_all(replacement)?;
            start = i + 1;
        }
        self.inner.write_all(buf.get(start..).unwrap_or_default())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Escapes every `$` as `$$`, so that the output is valid compose input that interpolates
/// back to the same values.
pub fn escape_dollars(s: &str) -> String {
    s.replace('$', "$$")
}

/// Go's JSON encoder escapes `<`, `>` and `&` inside strings; doing the same keeps the bytes
/// identical to Docker Compose's output.
fn escape_html_like_go(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            _ => out.push(c),
        }
    }
    out
}

/// Block-style YAML as go-yaml v3 writes it with an indent of two.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        other => {
            out.push_str(&scalar_text(other));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn write_map(out: &mut String, m: &serde_json::Map<String, Value>, level: usize) {
    for (k, v) in m {
        indent(out, level);
        out.push_str(&yaml_string(k));
        out.push(':');
        write_value_after_key(out, v, level);
    }
}

fn write_value_after_key(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(child) if !child.is_empty() => {
            out.push('\n');
            write_map(out, child, level + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, level + 2);
        }
        Value::String(s) if s.contains('\n') => {
            out.push(' ');
            write_literal(out, s, level + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar_text(other));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push_str("- ");
        match item {
            Value::Object(child) if !child.is_empty() => {
                // The first key goes on the dash line, the rest align under it.
                let mut first = true;
                for (k, v) in child {
                    if !first {
                        indent(out, level + 2);
                    }
                    first = false;
                    out.push_str(&yaml_string(k));
                    out.push(':');
                    write_value_after_key(out, v, level + 2);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 2);
            }
            Value::String(s) if s.contains('\n') => write_literal(out, s, level + 2),
            other => {
                out.push_str(&scalar_text(other));
                out.push('\n');
            }
        }
    }
}

/// A multi-line string as a literal block (`|`, `|-` or `|+` for the trailing newlines).
fn write_literal(out: &mut String, s: &str, level: usize) {
    let chomp = if !s.ends_with('\n') {
        "-"
    } else if s.ends_with("\n\n") {
        "+"
    } else {
        ""
    };
    let lead = if s.starts_with(' ') { "2" } else { "" };
    out.push('|');
    out.push_str(lead);
    out.push_str(chomp);
    out.push('\n');
    let body = s.strip_suffix('\n').unwrap_or(s);
    for line in body.split('\n') {
        if !line.is_empty() {
            indent(out, level);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| !n.is_i64() && !n.is_u64()) {
                crate::node::format_float(f)
            } else {
                n.to_string()
            }
        }
        Value::String(s) => yaml_string(s).into_owned(),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

/// Whether a plain scalar with this text must be quoted to read back as the same string:
/// go-yaml's encoder quotes what its resolver reads as another type, and also YAML 1.1
/// booleans and base-60 floats, which other parsers would misread.
fn resolves_to_non_string(s: &str) -> bool {
    !crate::yaml::plain_reads_as_string(s) || is_yaml11_bool(s) || is_base60_float(s)
}

fn is_yaml11_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "n" | "N" | "no" | "No" | "NO"
            | "off" | "Off" | "OFF"
    )
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        // `[0-5]?[0-9]`: one digit, or a digit up to 5 and another digit.
        match (b.get(i), b.get(i + 1)) {
            (Some(b'0'..=b'5'), Some(c)) if c.is_ascii_digit() => i += 2,
            (Some(c), _) if c.is_ascii_digit() => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Whether the emitter can write this string without quotes in block context.
fn plain_allowed(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if first.is_whitespace() || s.ends_with(char::is_whitespace) {
        return false;
    }
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return false;
    }
    if matches!(first, '-' | '?' | ':') {
        let next = s.chars().nth(1);
        if next.is_none_or(|c| c == ' ') {
            return false;
        }
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    !s.chars().any(|c| c.is_control() || c == '\u{feff}')
}

/// A string as go-yaml v3 writes it: plain when it reads back as the same string, double
/// quotes when it would read back as another type, single quotes otherwise.
fn yaml_string(s: &str) -> Cow<'_, str> {
    if resolves_to_non_string(s) {
        return Cow::Owned(double_quoted(s));
    }
    if plain_allowed(s) {
        return Cow::Borrowed(s);
    }
    if s.chars().any(char::is_control) {
        return Cow::Owned(double_quoted(s));
    }
    Cow::Owned(format!("'{}'", s.replace('\'', "''")))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_like_compose() {
        let v = json!({
            "name": "corpus",
            "services": {"web": {
                "command": null,
                "ports": [{"target": 80, "published": "8080", "protocol": "tcp"}],
                "environment": {"A": "true", "B": "x: y", "C": "", "D": "plain"},
                "ssh": ["fake-ssh: /a"],
                "healthcheck": {"test": ["CMD", "true"]},
                "labels": {}
            }}
        });
        let y = to_yaml(&v);
        let expected = "name: corpus
services:
  web:
    command: null
    ports:
      - target: 80
        published: \"8080\"
        protocol: tcp
    environment:
      A: \"true\"
      B: 'x: y'
      C: \"\"
      D: plain
    ssh:
      - 'fake-ssh: /a'
    healthcheck:
      test:
        - CMD
        - \"true\"
    labels: {}
";
        assert_eq!(y, expected);
    }

    #[test]
    fn multiline_strings_are_literal_blocks() {
        let y = to_yaml(&json!({"content": "a\nb\n", "x": "a\nb"}));
        assert_eq!(y, "content: |\n  a\n  b\nx: |-\n  a\n  b\n");
    }

    #[test]
    fn json_escapes_like_go() {
        let s = render(&json!({"a": "<&>"}), Format::Json);
        assert_eq!(s, "{\n  \"a\": \"\\u003c\\u0026\\u003e\"\n}");
    }

    #[test]
    fn dollars_are_escaped() {
        assert_eq!(escape_dollars("a$b$$"), "a$$b$$$$");
    }
}
