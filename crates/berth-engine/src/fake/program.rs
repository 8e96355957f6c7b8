//! What a fake container "runs": a tiny interpreter for the commands tests use, so the fake
//! produces output, exit codes and lifetimes like a real busybox container would.
//!
//! Understood: `sh -c '<script>'` with `;`, `&&`, `||` and newlines; `echo [-n] ... [>&2]`,
//! `exit N`, `true`, `false`, `sleep N|infinity`, `cat` (copies stdin until it is closed),
//! `env`/`printenv`, `hostname`. Any other program keeps running until stopped, like a server
//! (in an exec it exits 0 at once, like a short maintenance command).

use std::time::Duration;

/// One command of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Print a line.
    Echo { text: String, stderr: bool },
    /// Exit the whole script.
    Exit(i64),
    /// A command that only sets the status (`true`, `false`).
    Status(i64),
    /// Sleep; `None` forever.
    Sleep(Option<Duration>),
    /// Copy stdin to stdout until stdin closes.
    Cat,
    /// Print the environment.
    Env,
    /// Print the hostname.
    Hostname,
    /// A long-running program.
    Daemon,
}

/// How a step is joined to the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Join {
    /// `;` or newline: always run.
    Always,
    /// `&&`: run when the previous status is 0.
    And,
    /// `||`: run when the previous status is not 0.
    Or,
}

/// A parsed program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Script {
    pub steps: Vec<(Join, Step)>,
}

/// Parses a command line (entrypoint + cmd) as the fake understands it.
/// `exec` decides what an unknown program does (see the module docs).
pub(crate) fn parse_argv(argv: &[String], exec: bool) -> Script {
    let Some(first) = argv.first() else {
        return Script { steps: vec![(Join::Always, Step::Daemon)] };
    };
    let prog = first.rsplit('/').next().unwrap_or(first);
    if matches!(prog, "sh" | "bash" | "ash") {
        if let Some(pos) = argv.iter().position(|a| a == "-c") {
            let script = argv.get(pos + 1).map_or("", String::as_str);
            return parse_script(script, exec);
        }
        if argv.len() == 1 {
            // An interactive shell with no input waits on stdin like `cat`.
            return Script { steps: vec![(Join::Always, Step::Cat)] };
        }
    }
    Script { steps: vec![(Join::Always, parse_command(argv, exec))] }
}

/// Parses a shell script.
pub(crate) fn parse_script(script: &str, exec: bool) -> Script {
    let mut steps = Vec::new();
    for (join, words) in split_commands(script) {
        if words.is_empty() {
            continue;
        }
        steps.push((join, parse_command(&words, exec)));
    }
    Script { steps }
}

fn parse_command(words: &[String], exec: bool) -> Step {
    let mut words: Vec<String> = words.to_vec();
    let mut stderr = false;
    words.retain(|w| {
        if w == ">&2" || w == "1>&2" {
            stderr = true;
            false
        } else {
            true
        }
    });
    let Some(first) = words.first() else { return Step::Status(0) };
    let prog = first.rsplit('/').next().unwrap_or(first).to_owned();
    let args = words.get(1..).unwrap_or_default();
    match prog.as_str() {
        "echo" => {
            let (newline, rest) = match args.first().map(String::as_str) {
                Some("-n") => (false, args.get(1..).unwrap_or_default()),
                _ => (true, args),
            };
            let mut text = rest.join(" ");
            if newline {
                text.push('\n');
            }
            Step::Echo { text, stderr }
        }
        "exit" => Step::Exit(args.first().and_then(|a| a.parse().ok()).unwrap_or(0)),
        "true" | ":" => Step::Status(0),
        "false" => Step::Status(1),
        "sleep" => match args.first().map(String::as_str) {
            Some("infinity" | "inf") | None => Step::Sleep(None),
            Some(n) => parse_seconds(n).map_or(Step::Status(1), |d| Step::Sleep(Some(d))),
        },
        "cat" if args.is_empty() => Step::Cat,
        "env" | "printenv" if args.is_empty() => Step::Env,
        "hostname" => Step::Hostname,
        "tail" if args.iter().any(|a| a == "-f") => Step::Sleep(None),
        _ if exec => Step::Status(0),
        _ => Step::Daemon,
    }
}

fn parse_seconds(s: &str) -> Option<Duration> {
    let (num, unit) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num.parse().ok()?;
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let secs = match unit {
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

/// Splits a script into commands with their joins, honouring quotes.
fn split_commands(script: &str) -> Vec<(Join, Vec<String>)> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut join = Join::Always;
    let mut chars = script.chars().peekable();
    let mut quote: Option<char> = None;
    let finish_word = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            } else {
                word.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    word.push(n);
                    in_word = true;
                }
            }
            ' ' | '\t' => finish_word(&mut word, &mut in_word, &mut words),
            ';' | '\n' => {
                finish_word(&mut word, &mut in_word, &mut words);
                out.push((join, std::mem::take(&mut words)));
                join = Join::Always;
            }
            '&' if chars.peek() == Some(&'&') => {
                chars.next();
                finish_word(&mut word, &mut in_word, &mut words);
                out.push((join, std::mem::take(&mut words)));
                join = Join::And;
            }
            '|' if chars.peek() == Some(&'|') => {
                chars.next();
                finish_word(&mut word, &mut in_word, &mut words);
                out.push((join, std::mem::take(&mut words)));
                join = Join::Or;
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    finish_word(&mut word, &mut in_word, &mut words);
    out.push((join, words));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn shell_scripts() {
        let s = parse_argv(&argv(&["sh", "-c", "echo 'hello world'; echo oops >&2 && exit 3"]), false);
        assert_eq!(
            s.steps,
            vec![
                (Join::Always, Step::Echo { text: "hello world\n".into(), stderr: false }),
                (Join::Always, Step::Echo { text: "oops\n".into(), stderr: true }),
                (Join::And, Step::Exit(3)),
            ]
        );
    }

    #[test]
    fn programs() {
        assert_eq!(parse_argv(&argv(&["sleep", "2"]), false).steps[0].1, Step::Sleep(Some(Duration::from_secs(2))));
        assert_eq!(parse_argv(&argv(&["sleep", "infinity"]), false).steps[0].1, Step::Sleep(None));
        assert_eq!(parse_argv(&argv(&["nginx", "-g", "daemon off;"]), false).steps[0].1, Step::Daemon);
        assert_eq!(parse_argv(&argv(&["nginx", "-s", "reload"]), true).steps[0].1, Step::Status(0));
        assert_eq!(parse_argv(&[], false).steps[0].1, Step::Daemon);
        assert_eq!(parse_argv(&argv(&["/bin/sh"]), false).steps[0].1, Step::Cat);
        assert_eq!(parse_argv(&argv(&["echo", "-n", "x"]), true).steps[0].1, Step::Echo { text: "x".into(), stderr: false });
        assert_eq!(parse_argv(&argv(&["sleep", "1.5m"]), true).steps[0].1, Step::Sleep(Some(Duration::from_secs(90))));
        assert_eq!(parse_argv(&argv(&["sleep", "-1"]), true).steps[0].1, Step::Status(1));
        assert_eq!(parse_argv(&argv(&["sleep", "1e400"]), true).steps[0].1, Step::Status(1));
    }

    #[test]
    fn unterminated_quotes_do_not_panic() {
        let s = parse_script("echo \"abc", false);
        assert_eq!(s.steps.len(), 1);
        let s = parse_script("\\", false);
        assert!(s.steps.is_empty());
        let s = parse_script("a || b", false);
        assert_eq!(s.steps[1].0, Join::Or);
    }
}
