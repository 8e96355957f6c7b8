//! The command line around the commands, as Docker Compose 2.26.1 has it: the hidden and
//! deprecated root flags (`-v/--version`, `--no-ansi`, `--workdir`), `COMPOSE_PARALLEL_LIMIT`,
//! the `.env` variables exported to the process, and the docker CLI's own options that the
//! plugin protocol puts before `compose`. None of these needs an engine.

use std::path::Path;
use std::process::{Command, Output};

fn berth(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_berth"));
    c.current_dir(dir).args(args);
    for key in ["COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PARALLEL_LIMIT", "COMPOSE_ANSI", "DOCKER_HOST", "DOCKER_CONTEXT"] {
        c.env_remove(key);
    }
    c.envs(env.iter().copied());
    c.output().expect("run berth")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(out: &Output) -> String {
    format!("exit {:?}\n--- stdout\n{}--- stderr\n{}", out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// A directory with a one-service compose file.
fn project_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("compose.yaml"), "services:\n  web:\n    image: berth-test/busybox:latest\n").expect("write");
    dir
}

#[test]
fn version_flags_run_the_version_command() {
    let dir = project_dir();
    for flags in [&["--version"][..], &["-v"], &["-p", "x", "--version"]] {
        let out = berth(dir.path(), flags, &[]);
        assert!(out.status.success(), "{flags:?}: {}", describe(&out));
        assert!(text(&out.stdout).starts_with("Docker Compose version v2.26.1 (berth "), "{flags:?}: {}", describe(&out));
    }
    // Run as a plugin (`docker compose --version`), Compose shows its help, as with no command.
    for args in [&["compose", "--version"][..], &[]] {
        let out = berth(dir.path(), args, &[]);
        assert!(out.status.success(), "{args:?}: {}", describe(&out));
        assert!(text(&out.stdout).contains("Usage:"), "{args:?}: {}", describe(&out));
    }
    // After a command, `-v` is that command's flag (here an unknown one).
    let out = berth(dir.path(), &["ps", "--version"], &[]);
    assert_eq!(out.status.code(), Some(16), "{}", describe(&out));
}

#[test]
fn deprecated_no_ansi_and_workdir() {
    let dir = project_dir();
    let out = berth(dir.path(), &["--no-ansi", "config", "--services"], &[]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "web\n");
    assert_eq!(text(&out.stderr), "option '--no-ansi' is DEPRECATED ! Please use '--ansi' instead.\n");
    let out = berth(dir.path(), &["--no-ansi", "--ansi", "always", "config", "--services"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(text(&out.stderr), "cannot specify DEPRECATED \"--no-ansi\" and \"--ansi\". Please use only \"--ansi\"\n");

    let elsewhere = tempfile::tempdir().expect("temp dir");
    let workdir = dir.path().to_string_lossy().into_owned();
    let out = berth(elsewhere.path(), &["--workdir", &workdir, "config", "--services"], &[]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "web\n");
    assert!(text(&out.stderr).contains("option '--workdir' is DEPRECATED at root level!"), "{}", describe(&out));
    let out = berth(elsewhere.path(), &["--workdir", &workdir, "--project-directory", &workdir, "config"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
}

#[test]
fn parallel_limit_and_dot_env_variables_reach_the_command() {
    let dir = project_dir();
    let expected = "COMPOSE_PARALLEL_LIMIT must be an integer (found: \"many\")\n";
    let out = berth(dir.path(), &["config", "-q"], &[("COMPOSE_PARALLEL_LIMIT", "many")]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(text(&out.stderr), expected);
    // `--parallel` wins over the variable.
    let out = berth(dir.path(), &["--parallel", "2", "config", "-q"], &[("COMPOSE_PARALLEL_LIMIT", "many")]);
    assert!(out.status.success(), "{}", describe(&out));

    // Written in `.env`, it is exported to the process as Compose's `setEnvWithDotEnv` does.
    std::fs::write(dir.path().join(".env"), "COMPOSE_PARALLEL_LIMIT=many\n").expect("write .env");
    let out = berth(dir.path(), &["config", "-q"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(text(&out.stderr), expected);
    // The shell's value wins over the file's.
    let out = berth(dir.path(), &["config", "-q"], &[("COMPOSE_PARALLEL_LIMIT", "4")]);
    assert!(out.status.success(), "{}", describe(&out));
}

#[test]
fn docker_cli_options_before_the_plugin_name() {
    let dir = project_dir();
    // `docker -H unix:///... compose ps` runs the plugin as `docker-compose -H ... compose ps`.
    let socket = dir.path().join("no-engine.sock");
    let host = format!("unix://{}", socket.display());
    for args in [
        vec!["-H", host.as_str(), "compose", "ps"],
        vec!["--debug", "--log-level", "debug", "--host", host.as_str(), "compose", "ps"],
        vec!["--host", host.as_str(), "ps"],
    ] {
        let out = berth(dir.path(), &args, &[("DOCKER_HOST", "unix:///var/run/not-this-one.sock")]);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", describe(&out));
        assert!(text(&out.stderr).contains(&host), "{args:?}: {}", describe(&out));
    }
    // `--config DIR` is the docker CLI's configuration directory: its contexts.
    let config = tempfile::tempdir().expect("temp dir");
    let out = berth(dir.path(), &["--config", &config.path().to_string_lossy(), "--context", "nowhere", "compose", "ps"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(text(&out.stderr).contains("nowhere"), "{}", describe(&out));
    // The TLS options reach the connection: here, the CA file they name is missing.
    let certs = dir.path().display().to_string();
    for args in [vec!["--tlsverify", "compose", "ps"], vec!["--tls", "--tlscacert", "ca.pem", "compose", "ps"]] {
        let out = berth(dir.path(), &args, &[("DOCKER_CERT_PATH", certs.as_str()), ("DOCKER_HOST", "tcp://127.0.0.1:9")]);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", describe(&out));
        assert!(text(&out.stderr).contains("reading the TLS CA certificate"), "{args:?}: {}", describe(&out));
        assert!(text(&out.stderr).contains("ca.pem"), "{args:?}: {}", describe(&out));
    }
}
