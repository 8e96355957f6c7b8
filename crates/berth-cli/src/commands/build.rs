//! `berth build`: builds the images of services that have a `build` section, as Docker
//! Compose 2.26.1's `build` with the engine's classic builder: the builder's output on stdout
//! (`Step 1/4 : FROM ...`), nothing with `-q`; a failed step ends the command with the step's
//! exit code and the builder's message on stderr. `--builder` is accepted and ignored, as
//! Docker Compose ignores it with the classic builder.

use std::collections::BTreeSet;

use berth_core::build::{self, BuildSettings};
use berth_core::events::{Discard, EventSink};
use berth_core::execute::CancellationToken;
use berth_spec::model::{MappingWithEquals, SshKey};
use clap::Args;

use super::engine;
use crate::cli::GlobalArgs;

/// `build [OPTIONS] [SERVICE...]`.
#[derive(Debug, Args)]
// The help texts are Docker Compose's, word for word.
#[allow(clippy::struct_excessive_bools, clippy::doc_markdown)]
pub struct BuildArgs {
    /// Services to build (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Set build-time variables for services
    #[arg(long = "build-arg", value_name = "stringArray")]
    pub arg: Vec<String>,
    /// Set builder to use
    #[arg(long)]
    pub builder: Option<String>,
    /// Set memory limit for the build container. Not supported by BuildKit.
    #[arg(short = 'm', long, value_name = "bytes")]
    pub memory: Option<String>,
    /// Do not use cache when building the image
    #[arg(long)]
    pub no_cache: bool,
    /// Always attempt to pull a newer version of the image
    #[arg(long)]
    pub pull: bool,
    /// Push service images
    #[arg(long)]
    pub push: bool,
    /// Don't print anything to STDOUT
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Set SSH authentications used when building service images. (use 'default' for using your default SSH Agent)
    #[arg(long, num_args = 0..=1, default_missing_value = "default")]
    pub ssh: Option<String>,
    /// Also build dependencies (transitively)
    #[arg(long)]
    pub with_dependencies: bool,
    /// Compress the build context using gzip. DEPRECATED
    #[arg(long, hide = true, num_args = 0..=1, default_missing_value = "true")]
    pub compress: Option<String>,
    /// Always remove intermediate containers. DEPRECATED
    #[arg(long, hide = true, num_args = 0..=1, default_missing_value = "true")]
    pub force_rm: Option<String>,
    /// Do not remove intermediate containers after a successful build. DEPRECATED
    #[arg(long, hide = true, num_args = 0..=1, default_missing_value = "true")]
    pub no_rm: Option<String>,
}

/// `--build-arg` values as Docker Compose reads them: `KEY=VALUE`, or `KEY` alone to take the
/// value from the environment.
pub fn build_args(args: &[String]) -> MappingWithEquals {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (a.clone(), None),
        })
        .collect()
}

/// `--ssh id[=path]`, checked as Docker Compose checks it.
fn ssh_keys(ssh: Option<&str>) -> anyhow::Result<Vec<SshKey>> {
    let Some(ssh) = ssh.filter(|s| !s.is_empty()) else { return Ok(Vec::new()) };
    match ssh.split_once('=') {
        Some((id, path)) => Ok(vec![SshKey { id: id.to_owned(), path: path.to_owned() }]),
        None if ssh == "default" => Ok(vec![SshKey { id: ssh.to_owned(), path: String::new() }]),
        None => anyhow::bail!("invalid ssh key {ssh:?}"),
    }
}

/// Runs `build`.
pub fn run(global: &GlobalArgs, args: &BuildArgs) -> anyhow::Result<u8> {
    let memory = match args.memory.as_deref() {
        Some(m) => Some(
            berth_spec::model::ram_in_bytes(m).map_err(|e| anyhow::anyhow!("invalid argument {m:?} for \"-m, --memory\" flag: {e}"))?,
        ),
        None => None,
    };
    let settings = BuildSettings {
        args: build_args(&args.arg),
        no_cache: args.no_cache,
        pull: args.pull,
        push: args.push,
        memory,
        ssh: ssh_keys(args.ssh.as_deref())?,
        credentials: super::pull::credentials(),
        dry_run: global.dry_run,
        ..BuildSettings::default()
    };
    let project = engine::load_project(global, &args.services)?.project;
    let targets: Vec<String> = if args.services.is_empty() {
        project.services.keys().cloned().collect()
    } else if args.with_dependencies {
        berth_spec::profiles::with_dependencies(&project, &args.services)?.into_iter().collect()
    } else {
        args.services.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect()
    };
    // What the classic builder cannot do is reported before anything is sent.
    build::plan(&project, &targets, &settings).map_err(|e| anyhow::anyhow!("{e}"))?;
    let display = engine::display_settings(global)?;
    engine::block_on(async move {
        let mut interrupts = engine::Interrupts::catch()?;
        let engine = engine::connect().await?;
        let renderer = if args.quiet { None } else { Some(engine::progress(&display, "Building", global.dry_run)?) };
        let sink: &dyn EventSink = renderer.as_ref().map_or(&Discard, |r| r as &dyn EventSink);
        let cancel = CancellationToken::new();
        let operation = build::build(engine.as_ref(), &project, &targets, &settings, sink);
        let (result, interrupted) = engine::interruptible(&mut interrupts, &cancel, operation).await;
        if let Some(r) = &renderer {
            r.finish();
        }
        if interrupted {
            eprintln!("canceled");
            return Ok(engine::INTERRUPTED);
        }
        match result {
            Ok(_) => Ok(0),
            Err(e) => {
                eprintln!("{e}");
                Ok(u8::try_from(e.exit_code()).ok().filter(|c| *c != 0).unwrap_or(1))
            }
        }
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_args_without_a_value_come_from_the_environment() {
        let m = build_args(&["A=1".into(), "B".into(), "C=x=y".into()]);
        assert_eq!(m.get("A"), Some(&Some("1".to_owned())));
        assert_eq!(m.get("B"), Some(&None));
        assert_eq!(m.get("C"), Some(&Some("x=y".to_owned())));
    }

    #[test]
    fn ssh_flag_is_checked_like_compose() {
        assert_eq!(ssh_keys(Some("default")).unwrap(), [SshKey { id: "default".into(), path: String::new() }]);
        assert_eq!(ssh_keys(Some("k=/p")).unwrap(), [SshKey { id: "k".into(), path: "/p".into() }]);
        assert_eq!(ssh_keys(Some("other")).unwrap_err().to_string(), "invalid ssh key \"other\"");
        assert!(ssh_keys(None).unwrap().is_empty());
    }
}
