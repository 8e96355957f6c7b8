//! Running as a docker CLI plugin (`docker compose ...` runs
//! `~/.docker/cli-plugins/docker-compose compose ...`) or as `docker-compose`.

use std::ffi::OsString;
use std::process::ExitCode;

/// The docker CLI asks every plugin for this first.
const METADATA_SUBCOMMAND: &str = "docker-cli-plugin-metadata";

/// Rewrites the plugin invocation `<bin> compose ARGS` into `berth ARGS`.
pub fn normalize_args(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.get(1).is_some_and(|a| a == "compose") {
        args.remove(1);
    }
    if let Some(first) = args.first_mut() {
        *first = OsString::from("berth");
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
