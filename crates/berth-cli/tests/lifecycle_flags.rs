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
