//! `berth pull`: pulls the services' images, with Docker Compose 2.26.1's flags
//! (`--ignore-pull-failures`, `--include-deps`, `-q`, `--policy`, `--ignore-buildable`), its
//! progress (`web Pulling`, one line per layer under it, `web Pulled`), its "must be built
//! from source" warning and its exit code 18 for a failed pull. Failures are summarised at the
//! end, classified and with the fix to try. Also holds what every command that talks to a
//! registry shares: loading the docker CLI's credentials.

use std::fmt::Write as _;

use berth_core::events::{Discard, EventSink};
use berth_core::ops::pull::{pinned_reference, pull, registry_digest, ImageFailure, PullOptions};
use berth_engine::Credentials;
use berth_spec::model::{Project, Services};
use clap::Args;

use super::engine;
use crate::cli::GlobalArgs;
use crate::exit::CodedError;

/// Docker Compose's exit code for a failed pull.
pub const PULL_FAILURE: u8 = 18;

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Services to pull (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Pull what it can and ignores images with pull failures
    #[arg(long)]
    pub ignore_pull_failures: bool,
    /// Also pull services declared as dependencies
    #[arg(long)]
    pub include_deps: bool,
    /// Pull without printing progress information
    #[arg(short, long)]
    pub quiet: bool,
    /// Apply pull policy ("missing"|"always")
    #[arg(long, default_value = "")]
    pub policy: String,
    /// Ignore images that can be built
    #[arg(long)]
    pub ignore_buildable: bool,
    /// DEPRECATED disable parallel pulling
    #[arg(long, hide = true)]
    pub no_parallel: bool,
}

/// The docker CLI's registry credentials; a broken `config.json` is warned about and
/// ignored, as the docker CLI does.
pub fn credentials() -> Credentials {
    Credentials::load().unwrap_or_else(|e| {
        eprintln!("WARNING: Error {e}");
        Credentials::default()
    })
}

/// Keeps only the services named on the command line (all when none is named), dropping the
/// dependencies the loader selected with them: Compose's `IgnoreDependencies`.
pub fn only_named(project: &mut Project, names: &[String]) {
    if names.is_empty() {
        return;
    }
    let all = std::mem::take(&mut project.services);
    let mut kept = Services::new();
    for (name, service) in all {
        if names.contains(&name) {
            kept.insert(name, service);
        } else {
            project.disabled_services.insert(name, service);
        }
    }
    project.services = kept;
}

/// The end-of-command summary of failed pulls or pushes, one line per image with its fix.
pub fn summary(verb: &str, failures: &[ImageFailure]) -> String {
    let mut text = match failures {
        [_] => format!("1 image could not be {verb}:"),
        many => format!("{} images could not be {verb}:", many.len()),
    };
    for f in failures {
        let _ = write!(text, "\n  {} ({}): {}: {}", f.service, f.image, f.kind.label(), f.message);
        let hint = f.hint();
        if !hint.is_empty() {
            let _ = write!(text, "\n    → {hint}");
        }
    }
    text
}

/// `config --resolve-image-digests`: pins every service's `image` in the rendered model to
/// the digest its registry serves, as Docker Compose does (the engine asks the registry).
pub fn resolve_image_digests(model: &mut serde_json::Value) -> anyhow::Result<()> {
    let Some(services) = model.get_mut("services").and_then(serde_json::Value::as_object_mut) else { return Ok(()) };
    let images: Vec<(String, String)> = services
        .iter()
        .filter_map(|(name, s)| Some((name.clone(), s.get("image")?.as_str()?.to_owned())))
        .filter(|(_, image)| !image.is_empty())
        .collect();
    if images.is_empty() {
        return Ok(());
    }
    let credentials = credentials();
    let pinned = engine::block_on(async {
        let engine = engine::connect().await?;
        let mut pinned = Vec::new();
        for (name, image) in images {
            let reference = if image.contains('@') {
                pinned_reference(&image, "")
            } else {
                let digest = registry_digest(engine.as_ref(), &image, &credentials)
                    .await
                    .map_err(|e| anyhow::anyhow!("service {name}: {e}"))?;
                pinned_reference(&image, &digest)
            };
            pinned.push((name, reference));
        }
        Ok::<_, anyhow::Error>(pinned)
    })??;
    for (name, reference) in pinned {
        if let Some(service) = services.get_mut(&name).and_then(serde_json::Value::as_object_mut) {
            service.insert("image".to_owned(), serde_json::Value::String(reference));
        }
    }
    Ok(())
}

/// Runs `pull`.
pub fn run(global: &GlobalArgs, args: &PullArgs) -> anyhow::Result<u8> {
    if args.no_parallel {
        eprintln!("option '--no-parallel' is DEPRECATED and will be ignored.");
    }
    let mut project = engine::load_project(global, &args.services)?.project;
    if !args.include_deps {
        only_named(&mut project, &args.services);
    }
    let opts = PullOptions {
        ignore_failures: args.ignore_pull_failures,
        ignore_buildable: args.ignore_buildable,
        quiet: args.quiet,
        policy: Some(args.policy.clone()).filter(|p| !p.is_empty()),
        credentials: credentials(),
        parallel: engine::run_options(global).parallel,
        dry_run: global.dry_run,
    };
    let settings = engine::display_settings(global)?;
    engine::block_on(async move {
        let engine = engine::connect().await?;
        let renderer = if args.quiet { None } else { Some(engine::progress(&settings, "Pulling", global.dry_run)?) };
        let sink: &dyn EventSink = match &renderer {
            Some(r) => r,
            None => &Discard,
        };
        let report = pull(engine.as_ref(), &project, &opts, sink).await.map_err(|e| engine::failure(&e))?;
        if let Some(r) = &renderer {
            if !report.must_build.is_empty() {
                r.tail(&format!(
                    "WARNING: Some service image(s) must be built from source by running:\n    berth build {}",
                    report.must_build.join(" ")
                ));
            }
            r.finish();
        }
        let fatal = report.fatal(&opts);
        let shown: Vec<ImageFailure> = report.failures.iter().filter(|f| !f.buildable).cloned().collect();
        if fatal.is_some() {
            return Err(CodedError { code: PULL_FAILURE, message: summary("pulled", &shown) }.into());
        }
        if !shown.is_empty() && !args.quiet {
            eprintln!("{}", summary("pulled", &shown));
        }
        Ok(0)
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_named_drops_dependencies() {
        let mut p: Project =
            serde_json::from_str(r#"{"services":{"a":{"image":"a"},"b":{"image":"b","depends_on":{"a":{"condition":"service_started"}}}}}"#)
                .unwrap();
        only_named(&mut p, &["b".to_owned()]);
        assert_eq!(p.services.keys().collect::<Vec<_>>(), ["b"]);
        only_named(&mut p, &[]);
        assert_eq!(p.services.len(), 1);
    }
}
