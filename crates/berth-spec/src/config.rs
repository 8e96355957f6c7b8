//! What `berth config` prints: the project as YAML or JSON, written the way Docker Compose
//! writes it (two-space indentation, the same quoting, `$` escaped as `$$`).

use std::fmt::Write as _;

use serde_json::Value;

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
            out.push_str(&scalar(other));
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
        out.push_str(&yaml_string(k, level));
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
            out.push_str(&scalar_at(other, level));
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
                    out.push_str(&yaml_string(k, level + 2));
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
                out.push_str(&scalar_at(other, level));
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

fn scalar(v: &Value) -> String {
    scalar_at(v, 0)
}

fn scalar_at(v: &Value, level: usize) -> String {
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
        Value::String(s) => yaml_string(s, level),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

/// Whether a plain scalar with this text would be read back as something other than a string.
fn resolves_to_non_string(s: &str) -> bool {
    matches!(
        s,
        "" | "~" | "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
            | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
            | ".nan" | ".NaN" | ".NAN"
    ) || looks_numeric(s)
        || is_yaml11_bool(s)
}

fn is_yaml11_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "n" | "N" | "no" | "No" | "NO"
            | "off" | "Off" | "OFF"
    )
}

fn looks_numeric(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    if t.is_empty() {
        return false;
    }
    if let Some(hex) = t.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
    }
    if let Some(oct) = t.strip_prefix("0o") {
        return !oct.is_empty() && oct.chars().all(|c| ('0'..='7').contains(&c) || c == '_');
    }
    if let Some(bin) = t.strip_prefix("0b") {
        return !bin.is_empty() && bin.chars().all(|c| c == '0' || c == '1' || c == '_');
    }
    // Decimal integers and floats, with optional exponent; also base-60 forms like 1:20.
    let mut seen_digit = false;
    let mut seen_e = false;
    let mut prev = ' ';
    for c in t.chars() {
        match c {
            '0'..='9' => seen_digit = true,
            '_' | '.' => {}
            'e' | 'E' if seen_digit && !seen_e => seen_e = true,
            '+' | '-' if prev == 'e' || prev == 'E' => {}
            _ => return false,
        }
        prev = c;
    }
    seen_digit
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
fn yaml_string(s: &str, _level: usize) -> String {
    if resolves_to_non_string(s) {
        return double_quoted(s);
    }
    if plain_allowed(s) {
        return s.to_owned();
    }
    if s.chars().any(char::is_control) {
        return double_quoted(s);
    }
    format!("'{}'", s.replace('\'', "''"))
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
