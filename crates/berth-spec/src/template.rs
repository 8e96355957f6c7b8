//! The interpolation grammar: `$VAR`, `${VAR}`, defaults, required and alternative values, `$$`.
//!
//! This is the grammar of compose-go v2.4.8 (`template/template.go`, `template/variables.go`),
//! the version inside Docker Compose 2.26, including its quirks:
//!
//! * A reference starts at `$` and is one of: `$$` (an escaped dollar, becomes `$`), `$NAME`
//!   (`NAME` = `[_a-zA-Z][_a-zA-Z0-9]*`, case folding also admits `ſ` and the Kelvin sign), or
//!   `${...}`. Any other `$` (`$}`, `$1`, a trailing `$`) stays as it is.
//! * `${NAME}` or `${NAME<op><arg>}` with `<op>` one of `:-` `-` `:+` `+` `:?` `?`. When an
//!   operator is present the reference extends greedily to the **last** `}` of the line; the
//!   braces are then re-balanced (compose-go's `getFirstBraceClosingIndex`, which skips the
//!   character after every `{`), the operator applies to the balanced part and the text after
//!   it is substituted on its own. `${` followed by anything else is an invalid template.
//! * `<arg>` is itself a template and is substituted **eagerly**, before the operator decides
//!   whether it is used: a variable in an unused branch still logs "not set". The reference
//!   binary does this (compose-go made it lazy only after v2.4.8).
//! * `:-`/`-`: default when unset or empty / when unset. `:+`/`+`: alternative value when set
//!   and non-empty / when set, otherwise the variable's own value (empty when unset).
//!   `:?`/`?`: error "required variable X is missing a value: <arg>" when unset or empty / unset.
//! * A variable without operator that is unset becomes "" and produces the warning
//!   `The "X" variable is not set. Defaulting to a blank string.`
//! * Substitution carries on after an error (so later warnings are still produced) and returns
//!   the first error.
//!
//! Nesting of defaults is limited to [`MAX_NESTING`] levels so that no input can exhaust the
//! stack; a chain of references on one line is processed iteratively and has no limit.

use std::fmt::{self, Write as _};
use std::sync::OnceLock;

use indexmap::IndexMap;

use crate::node::{Node, Value};

/// How deeply operator arguments may nest (`${A:-${B:-${C}}}` is three levels).
pub const MAX_NESTING: usize = 100;

/// Why a substitution failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// A `${` that does not start a valid reference. `template` is the text of the template
    /// being substituted when it was found (compose prints it under the error).
    InvalidTemplate { template: String },
    /// `${X:?reason}` or `${X?reason}` with `X` missing.
    MissingRequired { variable: String, reason: String },
    /// Operator arguments nested more than [`MAX_NESTING`] levels deep.
    TooDeep,
}

/// A substitution error; `message` is the text compose-go gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub message: String,
    pub kind: TemplateErrorKind,
}

impl TemplateError {
    fn invalid(template: &str) -> Self {
        TemplateError {
            message: format!("Invalid template: {}", go_quote(template)),
            kind: TemplateErrorKind::InvalidTemplate {
                template: template.to_owned(),
            },
        }
    }

    fn missing(variable: &str, reason: String) -> Self {
        let message = if reason.is_empty() {
            format!("required variable {variable} is missing a value")
        } else {
            format!("required variable {variable} is missing a value: {reason}")
        };
        TemplateError {
            message,
            kind: TemplateErrorKind::MissingRequired {
                variable: variable.to_owned(),
                reason,
            },
        }
    }

    fn too_deep() -> Self {
        TemplateError {
            message: format!("variable defaults are nested more than {MAX_NESTING} levels deep"),
            kind: TemplateErrorKind::TooDeep,
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

/// Substitutes every variable reference in `input`; `lookup` returns `None` for unset variables.
pub fn substitute(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, TemplateError> {
    let mut warnings = Vec::new();
    substitute_with_warnings(input, lookup, &mut warnings)
}

/// Like [`substitute`], and appends compose's "variable is not set" warnings to `warnings`, one per
/// reference, in the order compose logs them.
pub fn substitute_with_warnings(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<String, TemplateError> {
    let mut ctx = Ctx { lookup, warnings };
    ctx.substitute(input, false, 0)
}

/// The warning compose logs for an unset variable without default.
pub fn unset_warning(name: &str) -> String {
    format!(
        "The {} variable is not set. Defaulting to a blank string.",
        go_quote(name)
    )
}

// ---------------------------------------------------------------------------------------------
// Matching

/// The operators of a braced reference. Compose applies the first one after the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    DefaultIfEmpty,      // :-
    DefaultIfUnset,      // -
    AlternateIfNonEmpty, // :+
    AlternateIfSet,      // +
    RequiredNonEmpty,    // :?
    RequiredSet,         // ?
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    /// `$$`
    Escaped,
    /// `$NAME`
    Named(&'a str),
    /// `${NAME}` or `${NAME<op>...}`; `op_end` is the offset (in the match) just after the
    /// operator.
    Braced {
        name: &'a str,
        op: Option<(Op, usize)>,
    },
    /// `${` not followed by a valid reference.
    Invalid,
}

#[derive(Debug, Clone, Copy)]
struct Match<'a> {
    start: usize,
    end: usize,
    kind: Kind<'a>,
}

fn is_name_start(c: char) -> bool {
    // The pattern is case-insensitive: `[_a-z]` also matches A-Z and the two non-ASCII letters
    // whose case folds into a-z (U+017F LATIN SMALL LETTER LONG S, U+212A KELVIN SIGN).
    c == '_' || c.is_ascii_alphabetic() || c == '\u{17F}' || c == '\u{212A}'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

/// Length in bytes of the name at the start of `s` (0 when `s` does not start with one).
fn name_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        _ => return 0,
    }
    chars
        .find(|&(_, c)| !is_name_char(c))
        .map_or(s.len(), |(i, _)| i)
}

/// Finds references in one piece of text, left to right, as compose-go's regular expression
/// does (`.*` never crosses a line break).
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    /// The line being scanned: its bounds and the position of its last `}` (if any), computed
    /// once per line so that scanning stays linear.
    line: Option<(usize, usize, Option<usize>)>,
}

impl<'a> Scanner<'a> {
    /// A scanner for text that may span several lines (a whole value).
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            pos: 0,
            line: None,
        }
    }

    /// A scanner for text known to hold no line break (a piece of a match), which spares
    /// looking for line ends; long chains of references stay linear this way.
    fn single_line(text: &'a str) -> Self {
        Scanner {
            text,
            pos: 0,
            line: Some((0, text.len(), text.rfind('}'))),
        }
    }

    fn for_segment(text: &'a str, single_line: bool) -> Self {
        if single_line {
            Scanner::single_line(text)
        } else {
            Scanner::new(text)
        }
    }

    /// The last `}` at or after `from` on the line containing `from`.
    fn last_brace_from(&mut self, from: usize) -> Option<usize> {
        let cached = self
            .line
            .filter(|&(start, end, _)| start <= from && from <= end);
        let (_, _, last) = cached.unwrap_or_else(|| {
            let start = self
                .text
                .get(..from)
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
            let end = self
                .text
                .get(from..)
                .and_then(|t| t.find('\n'))
                .map_or(self.text.len(), |i| from + i);
            let last = self
                .text
                .get(start..end)
                .and_then(|l| l.rfind('}'))
                .map(|i| start + i);
            self.line = Some((start, end, last));
            (start, end, last)
        });
        last.filter(|&b| b >= from)
    }

    fn next_match(&mut self) -> Option<Match<'a>> {
        loop {
            let rel = self.text.get(self.pos..)?.find('$')?;
            let start = self.pos + rel;
            let after = start + 1;
            let rest = self.text.get(after..).unwrap_or("");
            let found = match rest.chars().next() {
                Some('$') => Some(Match {
                    start,
                    end: after + 1,
                    kind: Kind::Escaped,
                }),
                Some('{') => Some(self.braced(start)),
                Some(_) => {
                    let n = name_len(rest);
                    (n > 0).then(|| Match {
                        start,
                        end: after + n,
                        kind: Kind::Named(rest.get(..n).unwrap_or("")),
                    })
                }
                None => None,
            };
            if let Some(m) = found {
                self.pos = m.end;
                return Some(m);
            }
            self.pos = after;
        }
    }

    /// Matches at a `${` starting at `start`.
    fn braced(&mut self, start: usize) -> Match<'a> {
        let invalid = Match {
            start,
            end: start + 2,
            kind: Kind::Invalid,
        };
        let body_start = start + 2;
        let body = self.text.get(body_start..).unwrap_or("");
        let n = name_len(body);
        if n == 0 {
            return invalid;
        }
        let name = body.get(..n).unwrap_or("");
        let after_name = body.get(n..).unwrap_or("");
        let (op, op_len) = match after_name.as_bytes() {
            [b'}', ..] => {
                return Match {
                    start,
                    end: body_start + n + 1,
                    kind: Kind::Braced { name, op: None },
                }
            }
            [b':', b'-', ..] => (Op::DefaultIfEmpty, 2),
            [b':', b'+', ..] => (Op::AlternateIfNonEmpty, 2),
            [b':', b'?', ..] => (Op::RequiredNonEmpty, 2),
            [b'-', ..] => (Op::DefaultIfUnset, 1),
            [b'+', ..] => (Op::AlternateIfSet, 1),
            [b'?', ..] => (Op::RequiredSet, 1),
            _ => return invalid,
        };
        let op_end = body_start + n + op_len;
        match self.last_brace_from(op_end) {
            Some(close) => Match {
                start,
                end: close + 1,
                kind: Kind::Braced {
                    name,
                    op: Some((op, op_end - start)),
                },
            },
            None => invalid,
        }
    }
}

/// compose-go's `getFirstBraceClosingIndex`: the first `}` that balances the braces opened so
/// far, where the character following each `{` is skipped.
fn first_closing_brace(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut open = 0usize;
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        if b == b'}' {
            open = open.saturating_sub(1);
            if open == 0 {
                return Some(i);
            }
        }
        if b == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Substitution

struct Ctx<'l, 'w> {
    lookup: &'l dyn Fn(&str) -> Option<String>,
    warnings: &'w mut Vec<String>,
}

/// One piece of text being substituted: the template, or the text that follows a balanced
/// `${...}` inside a greedy match (compose substitutes that as a template of its own).
struct Segment<'a> {
    scanner: Scanner<'a>,
    copied: usize,
}

impl Ctx<'_, '_> {
    /// compose-go's `SubstituteWithOptions` for one template; `single_line` when the template
    /// is a piece of a match (an operator argument), `depth` its nesting level.
    fn substitute(
        &mut self,
        template: &str,
        single_line: bool,
        depth: usize,
    ) -> Result<String, TemplateError> {
        if depth > MAX_NESTING {
            return Err(TemplateError::too_deep());
        }
        let mut out = String::with_capacity(template.len());
        let mut first_err: Option<TemplateError> = None;
        let mut stack = vec![Segment {
            scanner: Scanner::for_segment(template, single_line),
            copied: 0,
        }];
        while let Some(seg) = stack.last_mut() {
            let text = seg.scanner.text;
            let Some(m) = seg.scanner.next_match() else {
                out.push_str(text.get(seg.copied..).unwrap_or(""));
                stack.pop();
                continue;
            };
            out.push_str(text.get(seg.copied..m.start).unwrap_or(""));
            seg.copied = m.end;
            let matched = text.get(m.start..m.end).unwrap_or("");
            let mut rest = "";
            match m.kind {
                Kind::Escaped => out.push('$'),
                Kind::Invalid => {
                    first_err.get_or_insert_with(|| TemplateError::invalid(text));
                }
                Kind::Named(name) | Kind::Braced { name, op: None } => {
                    out.push_str(&self.value_or_warn(name));
                }
                Kind::Braced {
                    name,
                    op: Some((op, op_end)),
                } => {
                    // Balance the braces; what follows the balanced part is substituted apart.
                    let (head, tail) = match first_closing_brace(matched) {
                        Some(close) => (
                            matched.get(..=close).unwrap_or(matched),
                            matched.get(close + 1..).unwrap_or(""),
                        ),
                        None => (matched, ""),
                    };
                    let arg = head.get(op_end..head.len().saturating_sub(1)).unwrap_or("");
                    match self.apply(name, op, arg, depth) {
                        Ok(v) => {
                            out.push_str(&v);
                            rest = tail;
                        }
                        Err(e) => {
                            first_err.get_or_insert(e);
                        }
                    }
                }
            }
            if !rest.is_empty() {
                stack.push(Segment {
                    scanner: Scanner::single_line(rest),
                    copied: 0,
                });
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    fn value_or_warn(&mut self, name: &str) -> String {
        if let Some(v) = (self.lookup)(name) {
            v
        } else {
            self.warnings.push(unset_warning(name));
            String::new()
        }
    }

    fn apply(
        &mut self,
        name: &str,
        op: Op,
        arg: &str,
        depth: usize,
    ) -> Result<String, TemplateError> {
        // compose-go substitutes the argument before looking at the variable.
        let arg = self.substitute(arg, true, depth + 1)?;
        let value = (self.lookup)(name);
        let result = match op {
            Op::DefaultIfEmpty => match value {
                Some(v) if !v.is_empty() => v,
                _ => arg,
            },
            Op::DefaultIfUnset => value.unwrap_or(arg),
            Op::AlternateIfNonEmpty => match value {
                Some(v) if !v.is_empty() => arg,
                other => other.unwrap_or_default(),
            },
            Op::AlternateIfSet => match value {
                Some(_) => arg,
                None => String::new(),
            },
            Op::RequiredNonEmpty => match value {
                Some(v) if !v.is_empty() => v,
                _ => return Err(TemplateError::missing(name, arg)),
            },
            Op::RequiredSet => match value {
                Some(v) => v,
                None => return Err(TemplateError::missing(name, arg)),
            },
        };
        Ok(result)
    }
}

// ---------------------------------------------------------------------------------------------
// Variable extraction (`config --variables`)

/// A variable referenced by a compose file, as `docker compose config --variables` lists it.
/// Empty default/alternate values are `None`, as compose cannot tell them from absent ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub default_value: Option<String>,
    pub alternate_value: Option<String>,
    pub required: bool,
}

/// Every variable referenced in the string values of `root`, keyed by name; when a name is
/// referenced several times the last reference (in document order) wins.
///
/// Like compose-go v2.4.8 this descends into mappings, but of a sequence only looks at the
/// strings directly in it (mappings and sequences inside sequences are not searched), and map
/// keys are never searched.
pub fn extract_variables(root: &Node) -> IndexMap<String, Variable> {
    let mut found = Vec::new();
    collect_strings(root, &mut |s| extract_from_str(s, &mut found));
    let mut out = IndexMap::new();
    for v in found {
        out.insert(v.name.clone(), v);
    }
    out
}

fn collect_strings(node: &Node, f: &mut dyn FnMut(&str)) {
    // An explicit stack: the tree can be arbitrarily deep.
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::String(s) => f(s),
            Value::Map(m) => stack.extend(m.values().rev()),
            Value::Seq(items) => {
                for item in items {
                    if let Value::String(s) = &item.value {
                        f(s);
                    }
                }
            }
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
    }
}

enum Task<'a> {
    /// Extract from a text; `nested` when it is a piece of a match (single line, one level
    /// deeper when it is an operator argument).
    Scan {
        text: &'a str,
        nested: bool,
        depth: usize,
    },
    Emit(Variable),
}

/// compose-go's `extractVariable`, unrolled: for each reference, the variables of the text
/// after its balanced braces come first, then the reference itself, then those of its default
/// and alternate values. Arguments nested deeper than [`MAX_NESTING`] are not searched.
fn extract_from_str(s: &str, out: &mut Vec<Variable>) {
    let mut tasks = vec![Task::Scan {
        text: s,
        nested: false,
        depth: 0,
    }];
    while let Some(task) = tasks.pop() {
        let (text, nested, depth) = match task {
            Task::Emit(v) => {
                out.push(v);
                continue;
            }
            Task::Scan {
                text,
                nested,
                depth,
            } => (text, nested, depth),
        };
        let mut scanner = Scanner::for_segment(text, nested);
        let mut per_match: Vec<Vec<Task<'_>>> = Vec::new();
        while let Some(m) = scanner.next_match() {
            let matched = text.get(m.start..m.end).unwrap_or("");
            let mut group = Vec::new();
            let body = match m.kind {
                Kind::Escaped => continue,
                Kind::Named(name) => name,
                Kind::Invalid => "",
                Kind::Braced { .. } => match first_closing_brace(matched) {
                    Some(close) if close > 0 => {
                        let rest = matched.get(close + 1..).unwrap_or("");
                        group.push(Task::Scan {
                            text: rest,
                            nested: true,
                            depth,
                        });
                        matched.get(2..close).unwrap_or("")
                    }
                    _ => matched
                        .get(2..matched.len().saturating_sub(1))
                        .unwrap_or(""),
                },
            };
            let (var, args) = parse_variable(body);
            group.push(Task::Emit(var));
            if depth < MAX_NESTING {
                for arg in args.into_iter().flatten() {
                    group.push(Task::Scan {
                        text: arg,
                        nested: true,
                        depth: depth + 1,
                    });
                }
            }
            per_match.push(group);
        }
        // Tasks run last-in first-out: push the groups, and each group's tasks, in reverse.
        for group in per_match.into_iter().rev() {
            tasks.extend(group.into_iter().rev());
        }
    }
}

/// Splits a reference body (`NAME`, `NAME:-default`, ...) as compose's `extractVariable` does:
/// the name ends at the first character that is not an ASCII letter, digit or `_`. Also returns
/// the default and alternate values as slices of `body`, to be searched in turn.
fn parse_variable(body: &str) -> (Variable, [Option<&str>; 2]) {
    fn non_empty(s: &str) -> Option<&str> {
        (!s.is_empty()).then_some(s)
    }
    let mut var = Variable {
        name: body.to_owned(),
        default_value: None,
        alternate_value: None,
        required: false,
    };
    let mut args = [None, None];
    let split = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    let Some(i) = split.filter(|&i| i > 0) else {
        return (var, args);
    };
    let (name, rest) = body.split_at(i);
    name.clone_into(&mut var.name);
    if rest.starts_with(":?") || rest.starts_with('?') {
        var.required = true;
    } else if let Some(d) = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-')) {
        args[0] = non_empty(d);
        var.default_value = args[0].map(str::to_owned);
    } else if let Some(a) = rest.strip_prefix(":+").or_else(|| rest.strip_prefix('+')) {
        args[1] = non_empty(a);
        var.alternate_value = args[1].map(str::to_owned);
    }
    (var, args)
}

// ---------------------------------------------------------------------------------------------
// Go string quoting, for messages that compose formats with `%q`.

/// Quotes `s` as Go's `strconv.Quote` does (used by compose's `%q` and `%#v` messages).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
fn is_go_printable(c: char) -> bool {
    static PRINT: OnceLock<regex::Regex> = OnceLock::new();
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    let re = PRINT.get_or_init(|| {
        regex::Regex::new(r"^[\p{L}\p{M}\p{N}\p{P}\p{S}]$").expect("constant pattern")
    });
    let mut buf = [0u8; 4];
    re.is_match(c.encode_utf8(&mut buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: IndexMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn sub(input: &str) -> Result<String, TemplateError> {
        substitute(input, &env(&[("FOO", "first"), ("BAR", ""), ("N", "5")]))
    }

    fn warns(input: &str, pairs: &[(&str, &str)]) -> Vec<String> {
        let mut w = Vec::new();
        let _ = substitute_with_warnings(input, &env(pairs), &mut w);
        w
    }

    #[test]
    fn plain_references() {
        assert_eq!(sub("$FOO").unwrap(), "first");
        assert_eq!(sub("${FOO}").unwrap(), "first");
        assert_eq!(sub("a${FOO}b$FOO-c").unwrap(), "afirstbfirst-c");
        assert_eq!(
            sub("$FOOx").unwrap(),
            "",
            "the name is greedy: FOOx is unset"
        );
        assert_eq!(sub("${N}0").unwrap(), "50");
        assert_eq!(sub("$missing").unwrap(), "");
    }

    #[test]
    fn dollars_that_are_not_references() {
        assert_eq!(sub("$$").unwrap(), "$");
        assert_eq!(sub("$$FOO").unwrap(), "$FOO");
        assert_eq!(sub("$${FOO}").unwrap(), "${FOO}");
        assert_eq!(sub("$$$FOO").unwrap(), "$first");
        assert_eq!(sub("a $ b").unwrap(), "a $ b");
        assert_eq!(sub("end$").unwrap(), "end$");
        assert_eq!(sub("$1 $} $-").unwrap(), "$1 $} $-");
    }

    #[test]
    fn default_operators() {
        assert_eq!(sub("${X:-d}").unwrap(), "d");
        assert_eq!(sub("${BAR:-d}").unwrap(), "d");
        assert_eq!(sub("${FOO:-d}").unwrap(), "first");
        assert_eq!(sub("${X-d}").unwrap(), "d");
        assert_eq!(sub("${BAR-d}").unwrap(), "");
        assert_eq!(sub("${X:-}").unwrap(), "");
        assert_eq!(sub("${X:-a:-b}").unwrap(), "a:-b");
    }

    #[test]
    fn alternate_operators() {
        assert_eq!(sub("${FOO:+alt}").unwrap(), "alt");
        assert_eq!(sub("${BAR:+alt}").unwrap(), "");
        assert_eq!(sub("${X:+alt}").unwrap(), "");
        assert_eq!(sub("${FOO+alt}").unwrap(), "alt");
        assert_eq!(sub("${BAR+alt}").unwrap(), "alt");
        assert_eq!(sub("${X+alt}").unwrap(), "");
    }

    #[test]
    fn required_operators() {
        assert_eq!(sub("${FOO:?boom}").unwrap(), "first");
        assert_eq!(sub("${BAR?boom}").unwrap(), "");
        let e = sub("${BAR:?boom}").unwrap_err();
        assert_eq!(e.message, "required variable BAR is missing a value: boom");
        let e = sub("x ${X?}").unwrap_err();
        assert_eq!(e.message, "required variable X is missing a value");
        assert_eq!(
            e.kind,
            TemplateErrorKind::MissingRequired {
                variable: "X".into(),
                reason: String::new()
            }
        );
        let e = sub("${X:?need ${FOO}}").unwrap_err();
        assert_eq!(
            e.message,
            "required variable X is missing a value: need first"
        );
    }

    #[test]
    fn first_operator_wins() {
        assert_eq!(sub("${X-a:?b}").unwrap(), "a:?b");
        assert_eq!(sub("${X:-a?b}").unwrap(), "a?b");
        assert_eq!(sub("${FOO+a-b}").unwrap(), "a-b");
        assert!(sub("${X?a-b}").is_err());
    }

    #[test]
    fn nested_defaults() {
        assert_eq!(sub("${A:-${B:-x}}").unwrap(), "x");
        assert_eq!(sub("${A:-${FOO:-x}}").unwrap(), "first");
        assert_eq!(sub("${A:-${B:-${C:-deep}}_end}").unwrap(), "deep_end");
        assert_eq!(sub("${A:-$FOO and ${FOO}}").unwrap(), "first and first");
        assert_eq!(sub("${A:-{\"json\":1}}").unwrap(), "{\"json\":1}");
    }

    #[test]
    fn greedy_match_then_rest() {
        // The greedy match spans both references; the balanced part is substituted and the
        // rest is substituted separately.
        assert_eq!(sub("${A:-x} and ${FOO}").unwrap(), "x and first");
        assert_eq!(sub("${A:-x}${B-y}${FOO}").unwrap(), "xyfirst");
        assert_eq!(sub("${FOO:-baz} }}}").unwrap(), "first }}}");
        // `.*` stops at the end of the line.
        assert_eq!(
            sub("${A:-x\n}").unwrap_err().kind,
            TemplateErrorKind::InvalidTemplate {
                template: "${A:-x\n}".into()
            }
        );
        assert_eq!(sub("${A:-x}\n${B:-y}").unwrap(), "x\ny");
        // The character after each `{` is skipped while balancing.
        assert_eq!(sub("${A:-{}x}").unwrap(), "{}x");
    }

    #[test]
    fn invalid_templates() {
        for input in [
            "${",
            "${}",
            "${ }",
            "${ foo}",
            "${foo }",
            "${foo!}",
            "x ${FOO:x}",
            "${1}",
        ] {
            let e = sub(input).unwrap_err();
            assert!(e.message.starts_with("Invalid template: "), "{input}: {e}");
            assert_eq!(
                e.kind,
                TemplateErrorKind::InvalidTemplate {
                    template: input.into()
                }
            );
        }
        assert_eq!(sub("${").unwrap_err().message, "Invalid template: \"${\"");
        // An invalid reference inside a default names the default as the template.
        let e = sub("${A:-${}}").unwrap_err();
        assert_eq!(
            e.kind,
            TemplateErrorKind::InvalidTemplate {
                template: "${}".into()
            }
        );
        // ...and one in the text after a balanced reference names that text.
        let e = sub("${A:-x} ${ }").unwrap_err();
        assert_eq!(
            e.kind,
            TemplateErrorKind::InvalidTemplate {
                template: " ${ }".into()
            }
        );
    }

    #[test]
    fn case_insensitive_names() {
        assert_eq!(
            substitute("$foo_Bar9", &env(&[("foo_Bar9", "v")])).unwrap(),
            "v"
        );
        assert_eq!(
            substitute("$\u{17F}x", &env(&[("\u{17F}x", "long s")])).unwrap(),
            "long s"
        );
        assert_eq!(substitute("$é", &env(&[])).unwrap(), "$é");
    }

    #[test]
    fn warnings_for_unset_variables() {
        assert_eq!(
            warns("$A ${B} ${C:-x}", &[]),
            vec![unset_warning("A"), unset_warning("B")]
        );
        assert_eq!(
            unset_warning("A"),
            "The \"A\" variable is not set. Defaulting to a blank string."
        );
        // Arguments are substituted eagerly, as in the reference: unused branches warn too.
        assert_eq!(warns("${A:+${A},}B", &[]).len(), 1);
        assert_eq!(warns("${A?${B}}", &[("A", "v")]), vec![unset_warning("B")]);
        // Substitution goes on after an error.
        assert_eq!(warns("${A:?x} $B", &[]), vec![unset_warning("B")]);
        // ...but the text after a failed reference's balanced part is dropped.
        assert!(warns("${A:?x} ${C}", &[]).is_empty());
    }

    #[test]
    fn first_error_is_returned() {
        let e = sub("${A?first} ${B?second}").unwrap_err();
        assert_eq!(e.message, "required variable A is missing a value: first");
        let e = sub("$$ ${ ${A?x}").unwrap_err();
        assert!(matches!(e.kind, TemplateErrorKind::InvalidTemplate { .. }));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!(
            "{}x{}",
            "${A:-".repeat(MAX_NESTING + 5),
            "}".repeat(MAX_NESTING + 5)
        );
        assert_eq!(sub(&deep).unwrap_err().kind, TemplateErrorKind::TooDeep);
        let ok = format!("{}x{}", "${A:-".repeat(20), "}".repeat(20));
        assert_eq!(sub(&ok).unwrap(), "x");
        // Long chains are iterative and have no limit.
        let chain = "${A:-x}".repeat(50_000);
        assert_eq!(sub(&chain).unwrap(), "x".repeat(50_000));
    }

    #[test]
    fn quoting_like_go() {
        assert_eq!(
            go_quote("a\"b\\c\n\t\u{1}é\u{a0}"),
            "\"a\\\"b\\\\c\\n\\t\\x01é\\u00a0\""
        );
    }

    fn vars(json: &serde_json::Value) -> IndexMap<String, Variable> {
        extract_variables(&Node::from_json(json))
    }

    #[test]
    fn extracts_variables() {
        let v = vars(&serde_json::json!({
            "a": "${A:-def} $B ${C?msg} ${D:+alt} $$E",
            "b": {"c": ["${F}", {"g": "$G"}], "n": 1},
            "${KEY}": "x"
        }));
        let names: Vec<&str> = v.keys().map(String::as_str).collect();
        assert_eq!(names, vec!["B", "D", "C", "A", "F"]);
        assert_eq!(v["A"].default_value.as_deref(), Some("def"));
        assert!(v["C"].required);
        assert_eq!(v["D"].alternate_value.as_deref(), Some("alt"));
        assert_eq!(
            v["B"],
            Variable {
                name: "B".into(),
                default_value: None,
                alternate_value: None,
                required: false
            }
        );
    }

    #[test]
    fn extracts_nested_and_invalid() {
        let v = vars(&serde_json::json!({"x": "${A:-${B:-$C}}"}));
        assert_eq!(v["A"].default_value.as_deref(), Some("${B:-$C}"));
        assert_eq!(v["B"].default_value.as_deref(), Some("$C"));
        assert!(v.contains_key("C"));
        // compose lists an empty name for `${`.
        let v = vars(&serde_json::json!({"x": "${ oops"}));
        assert!(v.contains_key(""));
        // Later references win.
        let v = vars(&serde_json::json!({"x": "${A:-one}", "y": "${A:-two}"}));
        assert_eq!(v["A"].default_value.as_deref(), Some("two"));
    }
}
