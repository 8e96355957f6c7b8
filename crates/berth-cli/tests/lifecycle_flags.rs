//! The lifecycle commands' command line, without an engine: the flag combinations Docker
//! Compose rejects (with its words and exit codes), and the message when no engine answers.

use std::path::Path;
use std::process::{Command, Output};

fn berth(args: &[&str]) -> Output {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/lifecycle_flags");
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .args(args)
        .env("DOCKER_HOST", "unix:///nonexistent/berth-test/docker.sock")
        .env_remove("DOCKER_CONTEXT")
        .output()
        .expect("run berth")
}

fn fails_with(args: &[&str], code: i32, message: &str) {
    let out = berth(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "berth {args:?}: {err}");
    assert!(err.contains(message), "berth {args:?}: expected {message:?} in\n{err}");
}

#[test]
fn conflicting_up_flags_are_rejected() {
    let detach = "--detach cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies";
    fails_with(&["up", "-d", "--abort-on-container-exit"], 1, detach);
    fails_with(&["up", "-d", "--attach", "web"], 1, detach);
    fails_with(&["up", "-d", "--exit-code-from", "web"], 1, detach);
    fails_with(
        &["up", "--wait", "--attach-dependencies"],
        1,
        "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies",
    );
    fails_with(&["up", "--build", "--no-build"], 1, "--build and --no-build are incompatible");
    fails_with(&["up", "--force-recreate", "--no-recreate"], 1, "--force-recreate and --no-recreate are incompatible");
    fails_with(
        &["create", "--force-recreate", "--no-recreate"],
        1,
        "--force-recreate and --no-recreate are incompatible",
    );
    fails_with(
        &["up", "--attach", "web", "--attach-dependencies"],
        1,
        "cannot combine --attach and --attach-dependencies",
    );
}

#[test]
fn bad_values_are_rejected() {
    fails_with(&["up", "--pull", "sometimes"], 1, "invalid --pull option \"sometimes\"");
    fails_with(&["up", "--scale", "web"], 1, "invalid --scale option \"web\". Should be SERVICE=NUM");
    fails_with(&["up", "--exit-code-from", "nope"], 1, "no such service: nope");
    fails_with(&["down", "--rmi", "some"], 1, "invalid value for --rmi: \"some\"");
    fails_with(&["up", "--bogus"], 16, "--bogus");
}

#[test]
fn unreachable_engine_is_named() {
    fails_with(
        &["-p", "nothing", "down"],
        1,
        "cannot connect to the Docker engine at unix:///nonexistent/berth-test/docker.sock: ",
    );
    fails_with(&["up", "-d"], 1, "Is the docker daemon running?");
}

/// Docker Compose checks `-p`, the `.env` files and `COMPOSE_FILE` before any command runs and
/// exits 1 for them; a service the project lacks is also a plain failure, while a missing
/// `-f` file is a loading error (14). Exit codes and words were read off Compose 2.26.1.
#[test]
fn global_option_errors_exit_like_compose() {
    let bad_name = "invalid project name \"Bad!\": must consist only of lowercase alphanumeric characters";
    for cmd in ["config", "ps", "down", "stop", "ls", "up"] {
        fails_with(&["-p", "Bad!", cmd], 1, bad_name);
        fails_with(&["--env-file", "nope.env", cmd], 1, "Couldn't find env file: ");
    }
    for args in [&["config", "nosuch"][..], &["stop", "nosuch"], &["up", "-d", "nosuch"]] {
        fails_with(args, 1, "no such service: nosuch");
    }
    fails_with(&["-f", "nope.yaml", "config"], 14, "open ");
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/lifecycle_flags"))
        .args(["ls"])
        .env("COMPOSE_FILE", "nope.yaml")
        .env("DOCKER_HOST", "unix:///nonexistent/berth-test/docker.sock")
        .output()
        .expect("run berth");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("stat "), "{}", String::from_utf8_lossy(&out.stderr));
    fails_with(&["--ansi", "always", "--progress", "plain", "config"], 1, "can't use --progress plain while ANSI support is forced");
    // `version` is outside that check, as in Compose.
    assert!(berth(&["-p", "Bad!", "version"]).status.success());
}
