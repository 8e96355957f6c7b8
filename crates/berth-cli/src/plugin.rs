//! Running as a docker CLI plugin (`docker compose ...` runs
//! `~/.docker/cli-plugins/docker-compose [DOCKER OPTIONS] compose ...`) or as `docker-compose`,
//! and the rewrites of the command line that both need before clap parses it.

use std::ffi::OsString;
use std::process::ExitCode;

/// The docker CLI asks every plugin for this first.
const METADATA_SUBCOMMAND: &str = "docker-cli-plugin-metadata";

/// The docker CLI's global options that take a value. The docker CLI hands its own global
/// options to a plugin before the plugin's name (`docker --context x compose ps` runs
/// `docker-compose --context x compose ps`).
const DOCKER_VALUED: [&str; 10] =
    ["--config", "-c", "--context", "-H", "--host", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey"];

/// The docker CLI's global options without a value.
const DOCKER_SWITCHES: [&str; 4] = ["-D", "--debug", "--tls", "--tlsverify"];

/// The command line after [`normalize_args`], and what it asks of the process.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    /// The arguments for clap, `berth` first.
    pub args: Vec<OsString>,
    /// `--config DIR` given to the docker CLI: the docker CLI configuration directory
    /// (`DOCKER_CONFIG`) for credentials, contexts and settings.
    pub docker_config: Option<OsString>,
}

/// Rewrites the plugin invocation `<bin> [DOCKER OPTIONS] compose ARGS` into `berth ARGS`:
/// the connection options (`-H/--host`, `-c/--context`, `--tls`, `--tlsverify`,
/// `--tlscacert`, `--tlscert`, `--tlskey`) become berth's own (hidden) flags, `--config` is
/// returned, `-D/--debug` and `-l/--log-level` (the docker CLI's logging) are dropped. Then, as
/// Docker Compose's standalone binary does, `-v`/`--version` among the global flags become the
/// `version` command.
pub fn normalize_args(args: Vec<OsString>) -> Normalized {
    let mut out = Normalized::default();
    out.args.push(OsString::from("berth"));
    let rest: Vec<OsString> = args.into_iter().skip(1).collect();
    let plugin_at = plugin_word(&rest);
    let mut i = 0;
    while let Some(arg) = rest.get(i) {
        if Some(i) == plugin_at {
            out.args.extend(rest.iter().skip(i + 1).cloned());
            break;
        }
        if plugin_at.is_none() {
            out.args.extend(rest.iter().skip(i).cloned());
            break;
        }
        // Before `compose`, only docker options (see `plugin_word`).
        let text = arg.to_string_lossy();
        let (name, inline) = match text.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(OsString::from(v))),
            _ => (text.clone().into_owned(), None),
        };
        let value = if DOCKER_VALUED.contains(&name.as_str()) && inline.is_none() {
            i += 1;
            rest.get(i).cloned()
        } else {
            inline
        };
        i += 1;
        match name.as_str() {
            "-H" | "--host" | "-c" | "--context" | "--tlscacert" | "--tlscert" | "--tlskey" => {
                out.args.push(OsString::from(&name));
                out.args.extend(value);
            }
            // Switches keep an explicit value (`--tlsverify=false` still turns TLS on).
            "--tls" | "--tlsverify" => {
                let mut flag = OsString::from(&name);
                if let Some(v) = value {
                    flag.push("=");
                    flag.push(v);
                }
                out.args.push(flag);
            }
            "--config" => out.docker_config = value,
            // -D/--debug, -l/--log-level: the docker CLI's own logging.
            _ => {}
        }
    }
    out.args = version_command(out.args, plugin_at.is_some());
    out
}

/// Where the plugin's name `compose` stands when everything before it is docker CLI options
/// (with their values), the docker CLI's plugin form; `None` otherwise.
fn plugin_word(args: &[OsString]) -> Option<usize> {
    let mut i = 0;
    while let Some(arg) = args.get(i).and_then(|a| a.to_str()) {
        if arg == "compose" {
            return Some(i);
        }
        let name = arg.split_once('=').map_or(arg, |(n, _)| n);
        if DOCKER_VALUED.contains(&name) {
            i += if arg.contains('=') { 1 } else { 2 };
        } else if DOCKER_SWITCHES.contains(&name) {
            i += 1;
        } else {
            return None;
        }
    }
    None
}

/// `-v`/`--version` given among the global flags (before the command) become the `version`
/// command, as Docker Compose's standalone binary rewrites them. Run as a plugin, Compose
/// has no such rewrite: its hidden `--version` flag without a command shows the help. The
/// command `help`, whatever follows it, shows the root help, as Compose's (cobra's) does.
fn version_command(mut args: Vec<OsString>, plugin: bool) -> Vec<OsString> {
    let mut i = 1;
    while let Some(arg) = args.get(i).and_then(|a| a.to_str()) {
        if arg == "-v" || arg == "--version" {
            if let Some(slot) = args.get_mut(i) {
                *slot = OsString::from(if plugin { "--help" } else { "version" });
            }
            break;
        }
        if crate::commands::run::GLOBAL_VALUED.contains(&arg) {
            i += 2;
        } else if arg.starts_with('-') {
            i += 1;
        } else {
            if arg == "help" {
                args.truncate(i);
                args.push(OsString::from("--help"));
            }
            break;
        }
    }
    args
}

/// Prints the plugin metadata when the docker CLI asks for it.
pub fn answer_metadata(args: &[OsString]) -> Option<ExitCode> {
    if args.get(1).is_some_and(|a| a == METADATA_SUBCOMMAND) {
        let meta = serde_json::json!({
            "SchemaVersion": "0.1.0",
            "Vendor": "berth",
            "Version": env!("CARGO_PKG_VERSION"),
            "ShortDescription": "Docker Compose, reimplemented in Rust (berth)",
        });
        println!("{meta:#}");
        return Some(ExitCode::SUCCESS);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize(args: &[&str]) -> (Vec<String>, Option<String>) {
        let n = normalize_args(args.iter().map(OsString::from).collect());
        let args = n.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        (args, n.docker_config.map(|c| c.to_string_lossy().into_owned()))
    }

    #[test]
    fn plugin_form_loses_its_name() {
        assert_eq!(normalize(&["/p/docker-compose", "compose", "ps", "-a"]).0, ["berth", "ps", "-a"]);
        assert_eq!(normalize(&["berth", "ps", "compose"]).0, ["berth", "ps", "compose"]);
    }

    #[test]
    fn docker_options_before_the_plugin_name() {
        let (args, config) = normalize(&[
            "docker-compose", "--context", "remote", "-H", "unix:///x.sock", "-D", "--log-level=debug", "--config", "/cfg",
            "compose", "-p", "x", "ps",
        ]);
        assert_eq!(args, ["berth", "--context", "remote", "-H", "unix:///x.sock", "-p", "x", "ps"]);
        assert_eq!(config.as_deref(), Some("/cfg"));
        assert_eq!(normalize(&["docker-compose", "--host=tcp://h:1", "compose", "ls"]).0, ["berth", "--host", "tcp://h:1", "ls"]);
    }

    #[test]
    fn tls_options_before_the_plugin_name() {
        let (args, _) = normalize(&[
            "docker-compose", "--tlsverify", "--tlscacert", "/c/ca.pem", "--tlscert=/c/cert.pem", "--tlskey", "/c/key.pem",
            "-H", "tcp://h:2376", "compose", "ps",
        ]);
        assert_eq!(
            args,
            ["berth", "--tlsverify", "--tlscacert", "/c/ca.pem", "--tlscert", "/c/cert.pem", "--tlskey", "/c/key.pem", "-H", "tcp://h:2376", "ps"]
        );
        let (args, _) = normalize(&["docker-compose", "--tls", "--tlsverify=false", "compose", "ls"]);
        assert_eq!(args, ["berth", "--tls", "--tlsverify=false", "ls"]);
    }

    #[test]
    fn version_flags_become_the_version_command() {
        assert_eq!(normalize(&["docker-compose", "--version"]).0, ["berth", "version"]);
        assert_eq!(normalize(&["docker-compose", "-p", "x", "-v"]).0, ["berth", "-p", "x", "version"]);
        assert_eq!(normalize(&["docker-compose", "compose", "--version"]).0, ["berth", "--help"]);
        assert_eq!(normalize(&["docker-compose", "-p", "x", "help", "up"]).0, ["berth", "-p", "x", "--help"]);
        assert_eq!(normalize(&["docker-compose", "compose", "help"]).0, ["berth", "--help"]);
        assert_eq!(normalize(&["docker-compose", "run", "svc", "help"]).0, ["berth", "run", "svc", "help"]);
        // After the command, `-v` is the command's own flag.
        assert_eq!(normalize(&["berth", "down", "-v"]).0, ["berth", "down", "-v"]);
        assert_eq!(normalize(&["berth", "-f", "-v", "ps"]).0, ["berth", "-f", "-v", "ps"]);
    }
}
