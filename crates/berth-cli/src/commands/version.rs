//! `berth version`: the Compose version berth implements, and berth's own.
//!
//! Tools read this output to decide which Compose features they may use, so the Compose
//! version comes first in each form, exactly where Docker Compose puts its own, and berth's
//! version only follows it:
//!
//! - `berth version`: `Docker Compose version v2.26.1 (berth 0.1.0)`: the word after
//!   `version` is Compose's version, and the first `X.Y.Z` on the line is too;
//! - `--short`: `2.26.1`, a plain semantic version as Compose prints it;
//! - `--format json`: `{"version":"v2.26.1","berth":"0.1.0"}`: Compose's key, plus one.

use clap::Args;
use serde_json::json;

use super::listing;
use crate::cli::GlobalArgs;

/// The Docker Compose release whose behaviour berth reproduces.
pub const COMPOSE_VERSION: &str = "2.26.1";

/// berth's own version.
pub const BERTH_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Format the output. Values: [pretty | json]. (Default: pretty)
    #[arg(short = 'f', long)]
    pub format: Option<String>,
    /// Shows only Compose's version number
    #[arg(long)]
    pub short: bool,
}

/// The line `berth version` prints.
pub fn pretty() -> String {
    format!("Docker Compose version v{COMPOSE_VERSION} (berth {BERTH_VERSION})")
}

pub fn run(_global: &GlobalArgs, args: &VersionArgs) -> anyhow::Result<u8> {
    listing::print(&render(args.format.as_deref(), args.short))?;
    Ok(0)
}

fn render(format: Option<&str>, short: bool) -> String {
    if short {
        return format!("{COMPOSE_VERSION}\n");
    }
    if format == Some("json") {
        return format!("{}\n", json!({"version": format!("v{COMPOSE_VERSION}"), "berth": BERTH_VERSION}));
    }
    format!("{}\n", pretty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(render(None, true), "2.26.1\n");
        assert_eq!(render(Some("json"), false), format!("{{\"version\":\"v2.26.1\",\"berth\":\"{BERTH_VERSION}\"}}\n"));
        let line = render(Some("pretty"), false);
        assert!(line.starts_with("Docker Compose version v2.26.1 (berth "), "{line}");
        // What version-sniffing tools do: the token after "version", and the first X.Y.Z.
        assert_eq!(line.split_whitespace().nth(3), Some("v2.26.1"));
    }
}
