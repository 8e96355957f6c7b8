//! Command-line parse errors worded as Docker Compose words them: Compose parses its command
//! line with cobra and pflag, whose messages scripts and users know (`unknown flag: --x`,
//! `flag needs an argument: --timeout`, `invalid argument "abc" for "-t, --timeout" flag: ...`,
//! `unknown docker command: "compose x"`). clap finds the same mistakes; this module only
//! rewords them. Errors without a Compose counterpart keep clap's text.

use std::num::{IntErrorKind, ParseIntError};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command};

/// What to print for a parse error: the help for stdout (an unknown command), and the message
/// for stderr. `None` when Compose has no wording of its own for the error.
#[derive(Debug, PartialEq, Eq)]
pub struct Reworded {
    /// Printed on stdout before the message (Compose shows its help for an unknown command).
    pub stdout: Option<String>,
    /// The message for stderr, without a trailing newline.
    pub message: String,
    /// The exit code: 16 for most usage errors, 1 where Compose's own argument checks (not
    /// pflag's) find the mistake.
    pub code: u8,
}

impl Reworded {
    fn usage(message: String) -> Self {
        Self { stdout: None, message, code: USAGE }
    }

    fn failure(message: String) -> Self {
        Self { stdout: None, message, code: 1 }
    }
}

const USAGE: u8 = crate::exit::USAGE;

/// Rewords `err`, raised by parsing `args` (program name first) against `root`.
pub fn reword(err: &clap::Error, root: &Command, args: &[String]) -> Option<Reworded> {
    let path = subcommand_path(root, args);
    match err.kind() {
        ErrorKind::UnknownArgument => {
            let arg = context(err, ContextKind::InvalidArg)?;
            let message = if let Some(long) = arg.strip_prefix("--") {
                let name = long.split('=').next().unwrap_or(long);
                format!("unknown flag: --{name}")
            } else if let Some(short) = arg.strip_prefix('-').and_then(|s| s.chars().next()) {
                format!("unknown shorthand flag: '{short}' in -{}", short_rest(args, short).unwrap_or(&arg[1..]))
            } else {
                // A word for a command without arguments: cobra's check, exit 1.
                let cmd = find_command(root, &path)?;
                if path.is_empty() || cmd.get_positionals().next().is_some() {
                    return None;
                }
                return Some(Reworded::failure(format!("unknown command \"{arg}\" for \"docker compose {}\"", path.join(" "))));
            };
            Some(Reworded::usage(message))
        }
        ErrorKind::MissingRequiredArgument => missing_arguments(err, root, &path),
        ErrorKind::InvalidSubcommand if path.is_empty() => {
            let name = context(err, ContextKind::InvalidSubcommand)?;
            let help = root.clone().render_help().to_string();
            Some(Reworded { stdout: Some(help), message: format!("unknown docker command: \"compose {name}\""), code: USAGE })
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let (flag, global) = find_arg(root, &path, context(err, ContextKind::InvalidArg)?)?;
            let value = context(err, ContextKind::InvalidValue)?;
            let long = flag.get_long()?;
            if err.kind() == ErrorKind::InvalidValue && value.is_empty() {
                // Only the last word can lack its value; pflag names it as it was written.
                let message = match (flag.get_short(), args.last().map(String::as_str)) {
                    (Some(short), Some(last)) if last.starts_with('-') && !last.starts_with("--") => {
                        format!("flag needs an argument: '{short}' in {last}")
                    }
                    _ => format!("flag needs an argument: --{long}"),
                };
                return Some(Reworded::usage(message));
            }
            let source = std::error::Error::source(err)?;
            let reason = source.downcast_ref::<ParseIntError>().map_or_else(|| source.to_string(), |e| go_parse_int(value, e));
            let names = flag.get_short().map_or_else(|| format!("--{long}"), |s| format!("-{s}, --{long}"));
            let message = format!("invalid argument \"{value}\" for \"{names}\" flag: {reason}");
            // Compose parses the global options again before a command runs, and that failure
            // exits 1.
            Some(if global && !path.is_empty() { Reworded::failure(message) } else { Reworded::usage(message) })
        }
        _ => None,
    }
}

fn context(err: &clap::Error, kind: ContextKind) -> Option<&str> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s),
        _ => None,
    }
}

/// Go's `strconv.ParseInt` error, which pflag shows for an integer flag.
fn go_parse_int(value: &str, err: &ParseIntError) -> String {
    let why = match err.kind() {
        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => "value out of range",
        _ => "invalid syntax",
    };
    format!("strconv.ParseInt: parsing \"{value}\": {why}")
}

/// What pflag quotes of the word holding the unknown short flag `short`: the word from that
/// letter on (`z` of `-qz`, `zq` of `-zq`).
fn short_rest(args: &[String], short: char) -> Option<&str> {
    let word = args.iter().skip(1).find(|a| !a.starts_with("--") && a.starts_with('-') && a.contains(short))?;
    word.find(short).and_then(|at| word.get(at..))
}

/// cobra's `MinimumNArgs` message (exit 1) for missing positional arguments: how many the
/// command needs, and how many it got (those it needs less those missing).
fn missing_arguments(err: &clap::Error, root: &Command, path: &[String]) -> Option<Reworded> {
    let ContextValue::Strings(missing) = err.get(ContextKind::InvalidArg)? else { return None };
    let cmd = find_command(root, path)?;
    let min_of = |a: &Arg| a.get_num_args().map_or(1, |r| r.min_values().max(1));
    let required: Vec<&Arg> = cmd.get_positionals().filter(|a| a.is_required_set()).collect();
    let needed: usize = required.iter().map(|a| min_of(a)).sum();
    let mut lacking = 0usize;
    for shown in missing {
        let name = shown.trim_end_matches("...").trim_start_matches('<').trim_end_matches('>');
        let arg = required.iter().find(|a| a.get_value_names().and_then(|v| v.first()).map_or(a.get_id().as_str() == name, |v| v.as_str() == name))?;
        lacking = lacking.saturating_add(min_of(arg));
    }
    let got = needed.checked_sub(lacking)?;
    let name = path.join(" ");
    // The docker CLI's own checks, used by these two commands, word it differently.
    let message = match name.as_str() {
        "cp" => format!("\"docker compose cp\" requires exactly {needed} arguments.\nSee 'docker compose cp --help'."),
        "wait" => format!("\"docker compose wait\" requires at least {needed} argument.\nSee 'docker compose wait --help'."),
        _ => format!("requires at least {needed} arg(s), only received {got}"),
    };
    Some(Reworded::failure(message))
}

fn find_command<'c>(root: &'c Command, path: &[String]) -> Option<&'c Command> {
    path.iter().try_fold(root, |cmd, name| cmd.find_subcommand(name))
}

/// The names of the subcommands `args` selects (`["alpha", "viz"]`), found as the first words
/// naming a subcommand at each level.
fn subcommand_path(root: &Command, args: &[String]) -> Vec<String> {
    let mut path = Vec::new();
    let mut cmd = root;
    for word in args.iter().skip(1) {
        if word.starts_with('-') {
            continue;
        }
        match cmd.find_subcommand(word) {
            Some(sub) => {
                path.push(sub.get_name().to_owned());
                cmd = sub;
            }
            None if path.is_empty() => {}
            None => break,
        }
    }
    path
}

/// The flag clap names `shown` (`--timeout <TIMEOUT>`), in the selected subcommand or among
/// the global options; true for a global option.
fn find_arg<'c>(root: &'c Command, path: &[String], shown: &str) -> Option<(&'c Arg, bool)> {
    let long = shown.strip_prefix("--")?.split([' ', '=']).next()?;
    let named = |c: &'c Command| c.get_arguments().find(|a| a.get_long() == Some(long));
    find_command(root, path).and_then(named).filter(|_| !path.is_empty()).map(|a| (a, false)).or_else(|| named(root).map(|a| (a, true)))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;
    use crate::cli::Cli;

    fn reworded(words: &[&str]) -> Reworded {
        let args: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        let err = Cli::try_parse_from(&args).expect_err("the command line is wrong");
        reword(&err, &Cli::command(), &args).expect("a Compose wording")
    }

    #[test]
    fn unknown_flags_are_worded_as_pflag() {
        assert_eq!(reworded(&["berth", "ps", "--nosuch"]).message, "unknown flag: --nosuch");
        assert_eq!(reworded(&["berth", "ps", "--nosuch=1"]).message, "unknown flag: --nosuch");
        assert_eq!(reworded(&["berth", "--nosuch", "ps"]).message, "unknown flag: --nosuch");
        assert_eq!(reworded(&["berth", "ps", "-z"]).message, "unknown shorthand flag: 'z' in -z");
        assert_eq!(reworded(&["berth", "ps", "-qz"]).message, "unknown shorthand flag: 'z' in -z");
        let extra = reworded(&["berth", "ls", "x"]);
        assert_eq!((extra.message.as_str(), extra.code), ("unknown command \"x\" for \"docker compose ls\"", 1));
    }

    #[test]
    fn missing_arguments_are_counted_as_cobra_does() {
        let exec = reworded(&["berth", "exec", "web"]);
        assert_eq!((exec.message.as_str(), exec.code), ("requires at least 2 arg(s), only received 1", 1));
        assert_eq!(reworded(&["berth", "exec"]).message, "requires at least 2 arg(s), only received 0");
        assert_eq!(reworded(&["berth", "run", "--rm"]).message, "requires at least 1 arg(s), only received 0");
    }

    #[test]
    fn a_global_value_error_before_a_command_exits_1() {
        let got = reworded(&["berth", "--parallel", "x", "ps"]);
        assert_eq!(got.code, 1, "{got:?}");
        assert_eq!(got.message, "invalid argument \"x\" for \"--parallel\" flag: strconv.ParseInt: parsing \"x\": invalid syntax");
        assert_eq!(reworded(&["berth", "--parallel", "x"]).code, 16);
    }

    #[test]
    fn bad_values_name_the_flag_and_go_error() {
        assert_eq!(
            reworded(&["berth", "stop", "--timeout", "abc"]).message,
            "invalid argument \"abc\" for \"-t, --timeout\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            reworded(&["berth", "stop", "-t", "99999999999999999999"]).message,
            "invalid argument \"99999999999999999999\" for \"-t, --timeout\" flag: strconv.ParseInt: parsing \
             \"99999999999999999999\": value out of range"
        );
        assert_eq!(reworded(&["berth", "stop", "--timeout"]).message, "flag needs an argument: --timeout");
        assert_eq!(reworded(&["berth", "stop", "-t"]).message, "flag needs an argument: 't' in -t");
    }

    #[test]
    fn unknown_command_shows_the_help() {
        let got = reworded(&["berth", "nosuchcmd"]);
        assert_eq!(got.message, "unknown docker command: \"compose nosuchcmd\"");
        assert!(got.stdout.is_some_and(|h| h.contains("Usage")));
    }
}
