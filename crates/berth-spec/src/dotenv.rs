//! The `.env` file syntax, exactly as Docker Compose reads it (compose-go v2.4.8
//! `dotenv/parser.go`, used for the project `.env`, `--env-file`, `env_file` and `label_file`).
//!
//! * One statement per line: `KEY=value`, `KEY: value` or `export KEY=value`; blank lines and
//!   lines starting with `#` are skipped; leading whitespace is ignored.
//! * Keys are letters, digits (a key may start with one: `env_file` keeps it), `_ . - [ ]`;
//!   whitespace around them is dropped, a space inside is an error. A line holding only a key
//!   takes the value of that variable from the lookup, and is left out when the lookup does not
//!   know it.
//! * Unquoted values end at the line break; ` #` starts a comment; trailing whitespace is
//!   trimmed; variables are interpolated.
//! * `'single'` quoted values are literal (a backslash only protects a following `'`).
//!   `"double"` quoted values may span lines, understand `\a \b \f \n \r \t \v \\ \" \$` and
//!   `\0NNN` octal escapes, then are interpolated. Backticks are not quotes.
//! * Interpolation uses [`crate::template`]: the lookup is consulted **first**, then the keys
//!   defined earlier in the same file (so the process environment wins over the file even in
//!   the file's own references, as in compose). Unset variables produce compose's warning.
//!
//! Error messages are compose's (`line 7: key cannot contain a space`, with compose's own line
//! count); the error's span gives the real file, line and column.

use std::path::Path;
use std::sync::OnceLock;

use indexmap::IndexMap;

use crate::error::{Error, Result};
use crate::node::Span;
use crate::sources::{self, FileId};
use crate::template::{self, go_quote, TemplateError};

/// Parses a registered source as an env file. `lookup` resolves variables the file refers to
/// (and key-only lines); it takes precedence over keys defined earlier in the file.
pub fn parse(
    file: FileId,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>> {
    let mut warnings = Vec::new();
    parse_with_warnings(file, lookup, &mut warnings)
}

/// Like [`parse`], and appends the "variable is not set" warnings compose logs while
/// interpolating the file's values.
pub fn parse_with_warnings(
    file: FileId,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<IndexMap<String, String>> {
    let source = sources::get(file);
    let mut parser = Parser {
        file,
        text: &source.text,
        line: 1,
        lookup,
        warnings,
    };
    parser.run()
}

/// Reads an env file, registers it (so errors can quote it) and parses it.
pub fn read_file(
    path: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>> {
    let mut warnings = Vec::new();
    read_file_with_warnings(path, lookup, &mut warnings)
}

/// Like [`read_file`], collecting warnings as [`parse_with_warnings`] does.
pub fn read_file_with_warnings(
    path: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<IndexMap<String, String>> {
    let bytes = std::fs::read(path).map_err(|e| crate::loader::read_error(&path.display().to_string(), &e))?;
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let file = sources::register(path.display().to_string(), text);
    parse_with_warnings(file, lookup, warnings)
}

/// Interpolates one value as the parser does: `lookup` first, then `vars` (the keys defined so
/// far in the file).
pub fn expand_variables(
    value: &str,
    vars: &IndexMap<String, String>,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> std::result::Result<String, TemplateError> {
    let mapping = |k: &str| lookup(k).or_else(|| vars.get(k).cloned());
    template::substitute_with_warnings(value, &mapping, warnings)
}

/// The text from the first statement on: what is left after skipping whitespace, blank lines and
/// comment lines ("" when nothing is left).
pub fn statement_start(src: &str) -> &str {
    let mut line = 0;
    let start = skip_to_statement(src, 0, &mut line);
    start.and_then(|i| src.get(i..)).unwrap_or("")
}

/// compose's `getStatementStart` on `text[pos..]`: the offset of the next statement, counting
/// the line breaks skipped over.
fn skip_to_statement(text: &str, mut pos: usize, line: &mut usize) -> Option<usize> {
    loop {
        let rest = text.get(pos..)?;
        let mut found = None;
        for (i, c) in rest.char_indices() {
            if c == '\n' {
                *line += 1;
            }
            if !c.is_whitespace() {
                found = Some(i);
                break;
            }
        }
        pos += found?;
        if !text.get(pos..)?.starts_with('#') {
            return Some(pos);
        }
        // Comment: go on from its line break, which the next round counts.
        pos += text.get(pos..)?.find('\n')?;
    }
}

/// compose's `isSpace`: whitespace other than line breaks (and other than the Unicode spaces
/// Go's `unicode.IsSpace` adds).
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// Go's `unicode.IsLetter(c) || unicode.IsNumber(c)` (general categories L and N).
fn is_letter_or_number(c: char) -> bool {
    static LN: OnceLock<regex::Regex> = OnceLock::new();
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let re = LN.get_or_init(|| regex::Regex::new(r"^[\p{L}\p{N}]$").expect("constant pattern"));
    let mut buf = [0u8; 4];
    re.is_match(c.encode_utf8(&mut buf))
}

struct Parser<'a, 'w> {
    file: FileId,
    text: &'a str,
    /// compose's line counter, for messages: it has quirks (a key-only line with a space in it
    /// is not counted), which the messages keep. Spans use real positions instead.
    line: usize,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    warnings: &'w mut Vec<String>,
}

struct KeyName<'a> {
    key: &'a str,
    /// Where the value (or the next statement, for a key-only line) starts.
    next: usize,
    inherited: bool,
}

impl<'a> Parser<'a, '_> {
    fn run(&mut self) -> Result<IndexMap<String, String>> {
        let mut out = IndexMap::new();
        let mut pos = if self.text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        while let Some(start) = skip_to_statement(self.text, pos, &mut self.line) {
            let name = self.locate_key(start)?;
            if name.key.contains(' ') {
                return Err(self.error(
                    start,
                    format!("line {}: key cannot contain a space", self.line),
                ));
            }
            if name.inherited {
                if let Some(v) = (self.lookup)(name.key) {
                    out.insert(name.key.to_owned(), v);
                }
                pos = name.next;
                continue;
            }
            let (value, next) = self.value(name.next, &out)?;
            out.insert(name.key.to_owned(), value);
            pos = next;
        }
        Ok(out)
    }

    fn rest(&self, pos: usize) -> &'a str {
        self.text.get(pos..).unwrap_or("")
    }

    /// compose's `locateKeyName`, from a statement start.
    fn locate_key(&mut self, start: usize) -> Result<KeyName<'a>> {
        let mut pos = start;
        let src = self.rest(pos);
        // `export` needs whitespace after it (Go's `\s`, which includes the line break).
        if let Some(after) = src.strip_prefix("export") {
            if after.starts_with(['\t', '\n', '\u{c}', '\r', ' ']) {
                let trimmed = after.trim_start_matches(is_space);
                pos = self.text.len() - trimmed.len();
            }
        }
        let src = self.rest(pos);
        let mut found = None;
        for (i, c) in src.char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    found = Some((i, c == '\n'));
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if is_letter_or_number(c) => {}
                c => {
                    let first_line = src.split('\n').next().unwrap_or("");
                    let msg = format!(
                        "line {}: unexpected character {} in variable name {}",
                        self.line,
                        go_quote(&c.to_string()),
                        go_quote(first_line)
                    );
                    return Err(self.error(pos + i, msg));
                }
            }
        }
        if src.is_empty() {
            return Err(self.error(pos, "zero length string".to_owned()));
        }
        // Without `=`, `:` or a line break (a last line holding a bare word), compose takes the
        // key as empty and the whole text as the value.
        let (raw_key, offset, inherited) = match found {
            Some((i, inherited)) => (src.get(..i).unwrap_or(""), i + 1, inherited),
            None => ("", 0, false),
        };
        if inherited && !raw_key.contains(' ') {
            self.line += 1;
        }
        let key = raw_key.trim_end_matches(char::is_whitespace);
        let after = src.get(offset..).unwrap_or("").trim_start_matches(is_space);
        let next = self.text.len() - after.len();
        Ok(KeyName {
            key,
            next,
            inherited,
        })
    }

    /// compose's `extractVarValue`: the value starting at `pos`, and where the next statement
    /// search starts.
    fn value(&mut self, pos: usize, vars: &IndexMap<String, String>) -> Result<(String, usize)> {
        let src = self.rest(pos);
        let Some(&quote @ (b'\'' | b'"')) = src.as_bytes().first() else {
            let (line, next) = match src.find('\n') {
                Some(i) => (src.get(..i).unwrap_or(""), pos + i + 1),
                None => (src, self.text.len()),
            };
            self.line += 1;
            let line = line.split(" #").next().unwrap_or("");
            let value = line.trim_end_matches(char::is_whitespace);
            let expanded = self.expand(value, vars, pos)?;
            return Ok((expanded, next));
        };

        let bytes = src.as_bytes();
        let mut chars: Vec<u8> = Vec::new();
        let mut escaped = false;
        for (i, &c) in bytes.iter().enumerate().skip(1) {
            if c == b'\n' {
                self.line += 1;
            }
            if c != quote {
                if !escaped && c == b'\\' {
                    escaped = true;
                    continue;
                }
                if escaped {
                    escaped = false;
                    chars.push(b'\\');
                }
                chars.push(c);
                continue;
            }
            if escaped {
                // An escaped quote: keep the quote, drop the backslash.
                escaped = false;
                chars.push(c);
                continue;
            }
            // Only ASCII bytes were removed, so this is still UTF-8.
            let raw = String::from_utf8(chars)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            let value = if quote == b'"' {
                self.expand(&expand_escapes(&raw), vars, pos)?
            } else {
                raw
            };
            return Ok((value, pos + i + 1));
        }
        let first_line = src.split('\n').next().unwrap_or("");
        let msg = format!("line {}: unterminated quoted value {first_line}", self.line);
        Err(self.error(pos, msg))
    }

    fn expand(
        &mut self,
        value: &str,
        vars: &IndexMap<String, String>,
        pos: usize,
    ) -> Result<String> {
        expand_variables(value, vars, self.lookup, self.warnings).map_err(|e| {
            let err = self.error(pos, e.message);
            match e.kind {
                template::TemplateErrorKind::MissingRequired { .. } => Error {
                    kind: crate::ErrorKind::NotFound,
                    ..err
                },
                _ => err,
            }
        })
    }

    fn error(&self, pos: usize, message: String) -> Error {
        Error::invalid(message).at(self.span(pos))
    }

    /// The real line and column (1-based, in characters) of a byte offset.
    fn span(&self, pos: usize) -> Span {
        let before = self.text.get(..pos).unwrap_or(self.text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let col_text = before.get(line_start..).unwrap_or("");
        let col = col_text
            .chars()
            .filter(|&c| !(line == 1 && c == '\u{feff}'))
            .count()
            + 1;
        Span {
            file: self.file,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }
}

/// Expands the escapes of a double-quoted value (compose's `expandEscapes`). `\$` becomes `$$`,
/// which interpolation then turns into a literal `$`.
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&(_, next)) = chars.peek() else {
            out.push('\\');
            continue;
        };
        let simple = match next {
            'a' => Some("\u{7}"),
            'b' => Some("\u{8}"),
            'f' => Some("\u{c}"),
            'n' => Some("\n"),
            'r' => Some("\r"),
            't' => Some("\t"),
            'v' => Some("\u{b}"),
            '"' => Some("\""),
            '\\' => Some("\\"),
            '$' => Some("$$"),
            // In the escape pattern, but not an escape Go knows: kept as written.
            'c' => Some("\\c"),
            _ => None,
        };
        if let Some(rep) = simple {
            chars.next();
            out.push_str(rep);
            continue;
        }
        if next != '0' {
            out.push('\\');
            continue;
        }
        // `\0` followed by up to three digits; only exactly three octal digits (value <= 255)
        // make a character.
        chars.next();
        let digits_start = i + 2;
        let mut digits_end = digits_start;
        while digits_end - digits_start < 3 {
            match chars.peek() {
                Some(&(_, d)) if d.is_ascii_digit() => {
                    chars.next();
                    digits_end += 1;
                }
                _ => break,
            }
        }
        let digits = s.get(digits_start..digits_end).unwrap_or("");
        let octal = (digits.len() == 3 && digits.bytes().all(|d| (b'0'..=b'7').contains(&d)))
            .then(|| u32::from_str_radix(digits, 8).ok())
            .flatten()
            .filter(|&v| v <= 255)
            .and_then(char::from_u32);
        if let Some(ch) = octal {
            out.push(ch);
        } else {
            // compose rewrites `\0` to `\` before trying the escape and keeps the rewritten
            // text when it fails: `\0` becomes `\`, `\08` becomes `\8`.
            out.push('\\');
            out.push_str(digits);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<IndexMap<String, String>> {
        parse_lookup(text, &[])
    }

    fn parse_lookup(text: &str, env: &[(&str, &str)]) -> Result<IndexMap<String, String>> {
        let id = sources::register("test.env", text);
        let env: IndexMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        parse(id, &|k| env.get(k).cloned())
    }

    fn one(text: &str) -> String {
        let map = parse_str(text).unwrap();
        assert_eq!(map.len(), 1, "{map:?}");
        map.values().next().cloned().unwrap()
    }

    #[test]
    fn simple_statements() {
        let m = parse_str("A=1\nB = 2\n  C= 3\nD: 4\nexport E=5\n\texport\tF=6\n7X=7\n").unwrap();
        let got: Vec<(&str, &str)> = m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("A", "1"),
                ("B", "2"),
                ("C", "3"),
                ("D", "4"),
                ("E", "5"),
                ("F", "6"),
                ("7X", "7")
            ]
        );
        assert_eq!(one("exportFOO=1"), "1");
        assert_eq!(
            parse_str("exportFOO=1").unwrap().keys().next().unwrap(),
            "exportFOO"
        );
        assert_eq!(one("A=a=b:c"), "a=b:c");
        assert_eq!(one("A: a=b"), "a=b");
        assert_eq!(one("A.B-C[0]=x"), "x");
        assert_eq!(one("=\"v\""), "v");
    }

    #[test]
    fn blank_lines_and_comments() {
        let m =
            parse_str("# c\n\n   \r\n\t# indented\nA=1 # comment\nB=2#not\nC=x #\n# end").unwrap();
        assert_eq!(m["A"], "1");
        assert_eq!(m["B"], "2#not");
        assert_eq!(m["C"], "x");
        assert_eq!(m.len(), 3);
        assert_eq!(statement_start("\n \t# c\n  A=1"), "A=1");
        assert_eq!(statement_start("# only\n\n"), "");
    }

    #[test]
    fn unquoted_values() {
        assert_eq!(one("A=  spaced out   "), "spaced out");
        assert_eq!(one("A=a\\tb"), "a\\tb");
        assert_eq!(one("A=crlf\r\n"), "crlf");
        assert_eq!(one("A="), "");
        assert_eq!(one("A=é ü"), "é ü");
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(one("A='$X \\n # x'"), "$X \\n # x");
        assert_eq!(one("A='it\\'s'"), "it's");
        assert_eq!(one("A='multi\nline'"), "multi\nline");
        assert_eq!(one("A='a' # comment"), "a");
    }

    #[test]
    fn double_quotes_escape_and_interpolate() {
        assert_eq!(one("A=\"a\\nb\\tc\\\\d\\\"e\""), "a\nb\tc\\d\"e");
        assert_eq!(one("A=\"\\0101\\0\\08\\0777\\01x\""), "A\\\\8\\777\\1x");
        assert_eq!(one("A=\"\\x41\\u0041\\c\""), "\\x41\\u0041\\c");
        assert_eq!(one("A=\"\\$X $$Y\""), "$X $Y");
        assert_eq!(one("A=\"line1\nline2\""), "line1\nline2");
        assert_eq!(one("A=\"#not a comment\" # comment"), "#not a comment");
    }

    #[test]
    fn backticks_are_not_quotes() {
        assert_eq!(one("A=`x y`"), "`x y`");
    }

    #[test]
    fn interpolation_inside_the_file() {
        let m = parse_str("A=1\nB=${A}2\nC=\"$B-$UNSET\"\nD='$A'").unwrap();
        assert_eq!(
            (m["B"].as_str(), m["C"].as_str(), m["D"].as_str()),
            ("12", "12-", "$A")
        );
        // The lookup wins over keys defined earlier in the file.
        let m = parse_lookup("A=1\nB=$A", &[("A", "env")]).unwrap();
        assert_eq!((m["A"].as_str(), m["B"].as_str()), ("1", "env"));
        let m = parse_lookup("A=${A:-dflt}", &[]).unwrap();
        assert_eq!(m["A"], "dflt");
    }

    #[test]
    fn key_only_lines_use_the_lookup() {
        let m = parse_lookup("A\nB\nC=3\n", &[("A", "from env")]).unwrap();
        assert_eq!(m.get("A").map(String::as_str), Some("from env"));
        assert!(!m.contains_key("B"));
        // A bare word on a last line without line break becomes the value of the empty key.
        let m = parse_str("A=1\nB").unwrap();
        assert_eq!(m.get("").map(String::as_str), Some("B"));
    }

    #[test]
    fn warnings_for_unset_variables() {
        let id = sources::register("w.env", "A=$NOPE\nB='$NOPE'\n");
        let mut w = Vec::new();
        parse_with_warnings(id, &|_| None, &mut w).unwrap();
        assert_eq!(w, vec![template::unset_warning("NOPE")]);
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = parse_str("A=1\n\nBAD KEY=2\n").unwrap_err();
        assert_eq!(e.message, "line 3: key cannot contain a space");
        assert_eq!((e.span.unwrap().line, e.span.unwrap().col), (3, 1));

        let e = parse_str("A=1\n  b$d=1").unwrap_err();
        assert_eq!(
            e.message,
            "line 2: unexpected character \"$\" in variable name \"b$d=1\""
        );
        assert_eq!((e.span.unwrap().line, e.span.unwrap().col), (2, 4));

        let e = parse_str("A=1\nB=\"open\nmore").unwrap_err();
        assert_eq!(e.message, "line 3: unterminated quoted value \"open");
        assert_eq!((e.span.unwrap().line, e.span.unwrap().col), (2, 3));

        let e = parse_str("A=${X:?needed}").unwrap_err();
        assert_eq!(e.message, "required variable X is missing a value: needed");
        assert_eq!(e.kind, crate::ErrorKind::NotFound);

        let e = parse_str("A=\"${\"").unwrap_err();
        assert_eq!(e.message, "Invalid template: \"${\"");

        let e = parse_str("export   ").unwrap_err();
        assert_eq!(e.message, "zero length string");
        assert!(e.to_string().starts_with("test.env:1:"), "{e}");
    }

    #[test]
    fn utf8_bom_is_skipped() {
        let e = parse_str("\u{feff}A=1\nB C=2").unwrap_err();
        assert_eq!(e.span.unwrap().line, 2);
        let m = parse_str("\u{feff}A=1").unwrap();
        assert_eq!(m["A"], "1");
        let e = parse_str("\u{feff}A B=1").unwrap_err();
        assert_eq!(e.span.unwrap().col, 1);
    }

    #[test]
    fn unicode_keys() {
        let m = parse_str("árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ\nk٣=1").unwrap();
        assert_eq!(m["árvíztűrő-TÜKÖRFÚRÓGÉP"], "ÁRVÍZTŰRŐ");
        assert_eq!(m["k٣"], "1");
        assert!(parse_str("a\u{2603}=1").is_err());
    }

    #[test]
    fn read_file_registers_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.env");
        std::fs::write(&path, "A=1\nBAD KEY=2\n").unwrap();
        let e = read_file(&path, &|_| None).unwrap_err();
        assert!(
            e.to_string()
                .contains("x.env:2:1: line 2: key cannot contain a space"),
            "{e}"
        );
        assert!(e.render().contains("2 | BAD KEY=2"), "{}", e.render());
        let e = read_file(&dir.path().join("missing.env"), &|_| None).unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::NotFound);
        assert!(
            e.message
                .ends_with("missing.env: no such file or directory"),
            "{}",
            e.message
        );
    }
}
