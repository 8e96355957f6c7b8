//! berth as a drop-in for Docker Compose: `berth plugin install` into a temporary home makes
//! `docker compose version` report berth, and the binary answers the same way when it is
//! called `docker-compose`.
//!
//! Needs the docker CLI (not an engine); without it the tests say so and pass, unless
//! `BERTH_REQUIRE_ENGINE=1` or `CI` is set, when they fail.

use std::path::Path;
use std::process::Command;

fn required() -> bool {
    std::env::var("BERTH_REQUIRE_ENGINE").is_ok_and(|v| v == "1") || std::env::var_os("CI").is_some()
}

fn docker_cli() -> bool {
    let found = Command::new("docker").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(!required(), "the docker CLI is needed for the plugin tests");
        eprintln!("SKIPPED plugin test: no docker CLI (set BERTH_REQUIRE_ENGINE=1 to fail instead)");
    }
    found
}

fn berth(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_berth"));
    c.env("HOME", home).env_remove("DOCKER_CONFIG");
    c
}

fn stdout(mut c: Command) -> String {
    let o = c.output().expect("running a command");
    assert!(o.status.success(), "{c:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn docker_compose_runs_berth_after_plugin_install() {
    if !docker_cli() {
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let mut install = berth(home.path());
    install.args(["plugin", "install"]);
    let said = stdout(install);
    let plugin = home.path().join(".docker/cli-plugins/docker-compose");
    assert!(said.contains(&plugin.display().to_string()), "{said}");
    assert!(std::fs::symlink_metadata(&plugin).is_ok_and(|m| m.file_type().is_symlink()));

    let mut version = Command::new("docker");
    version.env("HOME", home.path()).env_remove("DOCKER_CONFIG").args(["compose", "version"]);
    let line = stdout(version);
    assert!(line.starts_with("Docker Compose version v2.26.1 (berth "), "{line}");

    let mut short = Command::new("docker");
    short.env("HOME", home.path()).env_remove("DOCKER_CONFIG").args(["compose", "version", "--short"]);
    assert_eq!(stdout(short), "2.26.1\n");

    // A second install is a no-op; replacing something else needs --force.
    let mut again = berth(home.path());
    again.args(["plugin", "install"]);
    assert!(stdout(again).contains("already installed"));
    let other = home.path().join("other");
    std::fs::write(&other, "#!/bin/sh\n").expect("write");
    let mut refused = berth(home.path());
    refused.args(["plugin", "install", "--path"]).arg(&other);
    let o = refused.output().expect("install");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));

    let mut uninstall = berth(home.path());
    uninstall.args(["plugin", "uninstall"]);
    stdout(uninstall);
    assert!(std::fs::symlink_metadata(&plugin).is_err());
}

#[test]
fn called_docker_compose_it_behaves_the_same() {
    let dir = tempfile::tempdir().expect("temp dir");
    let link = dir.path().join("docker-compose");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_berth"), &link).expect("symlink");
    let plain = stdout(cmd(&link, &["version"]));
    assert!(plain.starts_with("Docker Compose version v2.26.1"), "{plain}");
    // The docker CLI's plugin protocol: `<plugin> compose ARGS`, and the metadata request.
    let as_plugin = stdout(cmd(&link, &["compose", "version", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&as_plugin).expect("json");
    assert_eq!(v["version"], "v2.26.1");
    let meta = stdout(cmd(&link, &["docker-cli-plugin-metadata"]));
    let meta: serde_json::Value = serde_json::from_str(&meta).expect("metadata json");
    assert_eq!(meta["SchemaVersion"], "0.1.0");
    // `version -f json`, Compose's short form of --format.
    let short_flag = stdout(cmd(&link, &["version", "-f", "json"]));
    assert!(short_flag.starts_with("{\"version\":\"v2.26.1\""), "{short_flag}");
}

fn cmd(program: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args);
    c
}
