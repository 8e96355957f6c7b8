//! `berth scale SERVICE=N...`: sets the number of containers of services (Docker Compose's
//! `scale`), through `berth_core::ops::scale`.

use std::collections::BTreeMap;

use berth_core::ops::scale::{scale, ScaleOptions};
use clap::Args;

use super::create::create_settings;
use super::engine;
use crate::cli::GlobalArgs;

/// `scale [SERVICE=REPLICAS...]`.
#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// SERVICE=REPLICAS
    #[arg(value_name = "SERVICE=REPLICAS", required = true)]
    pub services: Vec<String>,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
}

/// Parses `SERVICE=N` arguments as Docker Compose does (a later one for the same service
/// wins).
fn parse_replicas(args: &[String]) -> anyhow::Result<BTreeMap<String, u32>> {
    let mut out = BTreeMap::new();
    for arg in args {
        let Some((service, value)) = arg.split_once('=').filter(|(k, v)| !k.is_empty() && !v.is_empty()) else {
            anyhow::bail!("invalid scale specifier: {arg}");
        };
        let Ok(n) = value.parse::<u32>() else {
            anyhow::bail!("invalid scale specifier: can't parse replica value as int: {arg}");
        };
        out.insert(service.to_owned(), n);
    }
    Ok(out)
}

/// Runs `scale`.
pub fn run(global: &GlobalArgs, args: &ScaleArgs) -> anyhow::Result<u8> {
    let replicas = parse_replicas(&args.services)?;
    let services: Vec<String> = replicas.keys().cloned().collect();
    let project = engine::load_project(global, &services)
        .map_err(|e| match e.downcast_ref::<berth_spec::Error>() {
            // An unknown service is a plain failure (exit 1) for Docker Compose, not a
            // compose-file error.
            Some(spec) if spec.message.starts_with("no such service") => anyhow::anyhow!("{}", spec.message),
            _ => e,
        })?
        .project;
    let opts = ScaleOptions {
        replicas,
        no_deps: args.no_deps,
        run: engine::run_options(global),
        create: create_settings(global, &project),
    };
    engine::run_simple(global, "Running", |eng, sink, cancel| async move {
        scale(eng, &project, &opts, &*sink, &cancel).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specifiers_are_checked_like_compose() {
        let parse = |list: &[&str]| parse_replicas(&list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(parse(&["web=2", "db=0", "web=3"]).unwrap(), BTreeMap::from([("db".into(), 0), ("web".into(), 3)]));
        assert_eq!(parse(&["web"]).unwrap_err().to_string(), "invalid scale specifier: web");
        assert_eq!(parse(&["=2"]).unwrap_err().to_string(), "invalid scale specifier: =2");
        assert_eq!(
            parse(&["web=x"]).unwrap_err().to_string(),
            "invalid scale specifier: can't parse replica value as int: web=x"
        );
    }
}
