//! Splitting a command string into arguments the way Docker Compose does (go-shellwords 1.0.12
//! with its defaults: no variable expansion, no command substitution).
//!
//! The quirks are kept on purpose because they decide what a container runs: parsing stops at the
//! first unquoted `;`, `&`, `|`, `<` or `>` (so `a && b` runs `a`), a redirection such as `2>x`
//! drops the file-descriptor word, and an unquoted `(` not preceded by `$` is an error.

/// The error go-shellwords reports for unbalanced quotes, a trailing backslash or a stray `(`.
pub const INVALID: &str = "invalid command line string";

/// Splits `line` into words.
pub fn split(line: &str) -> Result<Vec<String>, String> {
    #[derive(PartialEq)]
    enum Got {
        No,
        Single,
        Quoted,
    }

    let mut args = Vec::new();
    let mut buf = String::new();
    let (mut escaped, mut double_quoted, mut single_quoted, mut back_quote, mut dollar_quote) =
        (false, false, false, false, false);
    let mut got = Got::No;

    for r in line.chars() {
        if escaped {
            buf.push(r);
            escaped = false;
            got = Got::Single;
            continue;
        }
        if r == '\\' {
            if single_quoted {
                buf.push(r);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(r, ' ' | '\t' | '\r' | '\n') {
            if single_quoted || double_quoted || back_quote || dollar_quote {
                buf.push(r);
            } else if got != Got::No {
                args.push(std::mem::take(&mut buf));
                got = Got::No;
            }
            continue;
        }
        match r {
            '`' if !single_quoted && !double_quoted && !dollar_quote => back_quote = !back_quote,
            ')' if !single_quoted && !double_quoted && !back_quote => dollar_quote = !dollar_quote,
            '(' if !single_quoted && !double_quoted && !back_quote => {
                if !dollar_quote && buf.ends_with('$') {
                    dollar_quote = true;
                    buf.push('(');
                    continue;
                }
                return Err(INVALID.to_owned());
            }
            '"' if !single_quoted && !dollar_quote => {
                if double_quoted {
                    got = Got::Quoted;
                }
                double_quoted = !double_quoted;
                continue;
            }
            '\'' if !double_quoted && !dollar_quote => {
                if single_quoted {
                    got = Got::Quoted;
                }
                single_quoted = !single_quoted;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if !(single_quoted || double_quoted || back_quote || dollar_quote) => {
                // `2>file`: the descriptor number belongs to the redirection, not to the arguments.
                if r == '>' && buf.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                    got = Got::No;
                }
                break;
            }
            _ => {}
        }
        got = Got::Single;
        buf.push(r);
    }

    if got != Got::No {
        args.push(buf);
    }
    if escaped || single_quoted || double_quoted || back_quote || dollar_quote {
        return Err(INVALID.to_owned());
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Vec<String> {
        split(line).unwrap()
    }

    #[test]
    fn splits_on_unquoted_space() {
        assert_eq!(ok("bundle exec thin -p 3000"), ["bundle", "exec", "thin", "-p", "3000"]);
        assert_eq!(ok("  a\t b\n"), ["a", "b"]);
        assert!(ok("").is_empty());
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(ok(r#"sh -c "echo 'hi there'""#), ["sh", "-c", "echo 'hi there'"]);
        assert_eq!(ok(r"echo 'a\b'"), ["echo", r"a\b"]);
        assert_eq!(ok(r#"echo "a\"b""#), ["echo", "a\"b"]);
        assert_eq!(ok(r"echo a\ b"), ["echo", "a b"]);
        assert_eq!(ok(r#"echo "" x"#), ["echo", "", "x"]);
        assert_eq!(ok("echo $(date) `x y`"), ["echo", "$(date)", "`x y`"]);
    }

    #[test]
    fn stops_at_operators() {
        assert_eq!(ok("echo a && echo b"), ["echo", "a"]);
        assert_eq!(ok("echo a; b"), ["echo", "a"]);
        assert_eq!(ok("cat <in"), ["cat"]);
        assert_eq!(ok("run 2>err.log"), ["run"]);
        assert_eq!(ok("run x>out"), ["run", "x"]);
        assert_eq!(ok("echo 'a;b'"), ["echo", "a;b"]);
    }

    #[test]
    fn reports_unbalanced_input() {
        assert_eq!(split("echo 'a"), Err(INVALID.to_owned()));
        assert_eq!(split("echo \"a"), Err(INVALID.to_owned()));
        assert_eq!(split("echo a\\"), Err(INVALID.to_owned()));
        assert_eq!(split("echo (a)"), Err(INVALID.to_owned()));
        assert_eq!(split("echo a)"), Err(INVALID.to_owned()));
    }
}
