//! `berth create`: creates (or recreates) the project's networks, volumes and containers as
//! `up` would, and starts nothing. Also holds what `create` and `up` share: the `--pull`,
//! `--build` and `--scale` rules applied to the project, and the container-creation settings
//! taken from the command line.

use std::collections::BTreeMap;
use std::path::Path;

use berth_core::build::{BuildSettings, EngineBuilder};
use berth_core::execute::CreateSettings;
use berth_core::ops::create::create;
use berth_core::ops::up::UpOptions;
use berth_core::reconcile::RecreatePolicy;
use berth_spec::model::Project;
use clap::Args;

use super::engine;
use crate::cli::GlobalArgs;

/// `create [OPTIONS] [SERVICE...]`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Services to create, with their dependencies (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Build images before starting containers
    #[arg(long)]
    pub build: bool,
    /// Don't build an image, even if it's policy
    #[arg(long)]
    pub no_build: bool,
    /// Pull image before running ("always"|"missing"|"never"|"build")
    #[arg(long)]
    pub pull: Option<String>,
    /// Pull without printing progress information
    #[arg(long)]
    pub quiet_pull: bool,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long)]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them. Incompatible with --force-recreate.
    #[arg(long)]
    pub no_recreate: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
}

/// The `--pull` values Docker Compose accepts.
const PULL_POLICIES: [&str; 5] = ["always", "never", "build", "missing", "if_not_present"];

/// Applies `--pull`, `--build` and `--scale` to `project` as Docker Compose's
/// `createOptions.Apply` does: `--pull` becomes every service's `pull_policy`, `--build` the
/// `build` policy of services that have a build section. Returns the scales asked for.
pub fn apply_create_flags(
    project: &mut Project,
    pull: Option<&str>,
    build: bool,
    scale: &[String],
) -> anyhow::Result<BTreeMap<String, u32>> {
    if let Some(pull) = pull {
        if !PULL_POLICIES.contains(&pull) {
            anyhow::bail!("invalid --pull option {pull:?}");
        }
        for service in project.services.values_mut() {
            pull.clone_into(&mut service.pull_policy);
        }
    }
    if build {
        for service in project.services.values_mut().filter(|s| s.build.is_some()) {
            "build".clone_into(&mut service.pull_policy);
        }
    }
    parse_scale(project, scale)
}

/// `--scale SERVICE=NUM`, checked as Docker Compose checks it.
fn parse_scale(project: &Project, scale: &[String]) -> anyhow::Result<BTreeMap<String, u32>> {
    let mut scales = BTreeMap::new();
    for option in scale {
        let parts: Vec<&str> = option.split('=').collect();
        let [name, number] = parts.as_slice() else {
            anyhow::bail!("invalid --scale option {option:?}. Should be SERVICE=NUM");
        };
        let replicas: i64 =
            number.parse().map_err(|_| anyhow::anyhow!("strconv.Atoi: parsing {number:?}: invalid syntax"))?;
        let replicas = u32::try_from(replicas).map_err(|_| {
            anyhow::anyhow!("invalid --scale option {option:?}: the number of instances cannot be negative")
        })?;
        if !project.services.contains_key(*name) {
            anyhow::bail!("no such service: {name}");
        }
        scales.insert((*name).to_owned(), replicas);
    }
    Ok(scales)
}

/// What container creation takes from the command line: the `--env-file` files (absolute, for
/// the `environment_file` label; else `COMPOSE_ENV_FILES`) and the name separator (`_` with
/// `--compatibility` or `COMPOSE_COMPATIBILITY`).
pub fn create_settings(global: &GlobalArgs, project: &Project) -> CreateSettings {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut files = global.env_files.clone();
    if files.is_empty() {
        if let Ok(env) = std::env::var("COMPOSE_ENV_FILES") {
            files = env.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect();
        }
    }
    let env_files = files
        .iter()
        .map(|f| if Path::new(f).is_absolute() { f.clone() } else { cwd.join(f).to_string_lossy().into_owned() })
        .collect();
    CreateSettings {
        env_files,
        separator: project.name_separator().to_owned(),
        ..CreateSettings::default()
    }
}

/// Runs `create`.
pub fn run(global: &GlobalArgs, args: &CreateArgs) -> anyhow::Result<u8> {
    if args.build && args.no_build {
        anyhow::bail!("--build and --no-build are incompatible");
    }
    if args.force_recreate && args.no_recreate {
        anyhow::bail!("--force-recreate and --no-recreate are incompatible");
    }
    let mut project = engine::load_project(global, &args.services)?.project;
    let scale = apply_create_flags(&mut project, args.pull.as_deref(), args.build, &args.scale)?;
    let (recreate, recreate_dependencies) = RecreatePolicy::from_flags(args.force_recreate, args.no_recreate, false);
    let ignore_orphans = engine::ignore_orphans(&project);
    let credentials = super::pull::credentials();
    let opts = UpOptions {
        services: args.services.clone(),
        recreate,
        recreate_dependencies,
        remove_orphans: args.remove_orphans,
        ignore_orphans,
        no_start: true,
        scale,
        run: engine::run_options(global),
        create: create_settings(global, &project),
        builder: (!args.no_build).then(|| EngineBuilder::shared(BuildSettings { credentials: credentials.clone(), ..BuildSettings::default() })),
        quiet_pull: args.quiet_pull,
        credentials,
        ..UpOptions::default()
    };
    engine::run_simple(global, "Creating", |eng, sink, cancel| async move {
        create(eng, &project, &opts, &*sink, &cancel).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_spec::model::ServiceConfig;

    fn project() -> Project {
        let mut p = Project { name: "lab".into(), ..Project::default() };
        p.services.insert("web".into(), ServiceConfig { name: "web".into(), ..ServiceConfig::default() });
        p
    }

    #[test]
    fn pull_becomes_every_service_policy() {
        let mut p = project();
        apply_create_flags(&mut p, Some("never"), false, &[]).unwrap();
        assert_eq!(p.services["web"].pull_policy, "never");
        let err = apply_create_flags(&mut p, Some("sometimes"), false, &[]).unwrap_err();
        assert_eq!(err.to_string(), "invalid --pull option \"sometimes\"");
    }

    #[test]
    fn scale_is_checked_like_compose() {
        let p = project();
        assert_eq!(parse_scale(&p, &["web=3".into()]).unwrap(), BTreeMap::from([("web".to_owned(), 3)]));
        assert_eq!(
            parse_scale(&p, &["web".into()]).unwrap_err().to_string(),
            "invalid --scale option \"web\". Should be SERVICE=NUM"
        );
        assert_eq!(
            parse_scale(&p, &["web=x".into()]).unwrap_err().to_string(),
            "strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(parse_scale(&p, &["db=1".into()]).unwrap_err().to_string(), "no such service: db");
    }
}
