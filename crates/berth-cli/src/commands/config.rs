//! `berth config`: parse, resolve and render the compose model, or list parts of it.

use std::io::Write;

use anyhow::Context;
use berth_spec::config::{self, Format};
use berth_spec::project::{self, LoadFlags};
use clap::Args;

use crate::cli::GlobalArgs;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Services to render (default: all)
    pub services: Vec<String>,
    /// Format the output. Values: [yaml | json]
    #[arg(long, default_value = "yaml")]
    pub format: String,
    /// Save to file (default to stdout)
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    /// Only validate the configuration, don't print anything
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the service names, one per line.
    #[arg(long = "services")]
    pub list_services: bool,
    /// Print the volume names, one per line.
    #[arg(long)]
    pub volumes: bool,
    /// Print the network names, one per line.
    #[arg(long)]
    pub networks: bool,
    /// Print the profile names, one per line.
    #[arg(long = "profiles")]
    pub list_profiles: bool,
    /// Print the image names, one per line.
    #[arg(long)]
    pub images: bool,
    /// Print the service config hash, one per line ("*" for all services).
    #[arg(long)]
    pub hash: Option<String>,
    /// Print model variables and default values.
    #[arg(long)]
    pub variables: bool,
    /// Print environment used for interpolation.
    #[arg(long)]
    pub environment: bool,
    /// Don't interpolate environment variables
    #[arg(long)]
    pub no_interpolate: bool,
    /// Don't normalize compose model
    #[arg(long)]
    pub no_normalize: bool,
    /// Don't resolve file paths
    #[arg(long = "no-path-resolution")]
    pub no_path_resolution: bool,
    /// Don't check model consistency - warning: may produce invalid Compose output
    #[arg(long)]
    pub no_consistency: bool,
    /// Pin image tags to digests
    #[arg(long)]
    pub resolve_image_digests: bool,
}

pub fn run(global: &GlobalArgs, args: &ConfigArgs) -> anyhow::Result<u8> {
    let format = Format::parse(&args.format)
        .ok_or_else(|| anyhow::anyhow!("unsupported format {:?}", args.format))?;
    let opts = super::project_options(global)?;
    let flags = LoadFlags {
        interpolate: !args.no_interpolate,
        normalize: !(args.no_normalize || global.compatibility),
        resolve_paths: !args.no_path_resolution,
        consistency: !args.no_consistency,
        ..LoadFlags::default()
    };
    let mut out = String::new();

    if args.variables {
        let loaded = project::load_model(&opts, &LoadFlags { interpolate: false, ..flags })?;
        print_warnings(&loaded.warnings);
        out.push_str(&project::variables_table(&loaded.model));
    } else if args.environment {
        let loaded = project::load_project(&opts, &flags, &args.services)?;
        print_warnings(&loaded.warnings);
        for (k, v) in loaded.environment.iter() {
            out.push_str(&format!("{k}={v}\n"));
        }
    } else if args.list_services || args.volumes || args.networks || args.list_profiles || args.images || args.hash.is_some() {
        let flags = LoadFlags { resolve_environment: false, ..flags };
        let selected: &[String] = if args.list_profiles || args.images || args.hash.is_some() { &args.services } else { &[] };
        let loaded = project::load_project(&opts, &flags, selected)?;
        print_warnings(&loaded.warnings);
        let p = &loaded.project;
        let lines: Vec<String> = if args.list_services {
            project::services_in_dependency_order(p)
        } else if args.volumes {
            p.volumes.keys().cloned().collect()
        } else if args.networks {
            p.networks.keys().cloned().collect()
        } else if args.list_profiles {
            project::all_profiles(p)
        } else if args.images {
            p.services.values().map(|s| project::image_name(p, s)).collect()
        } else {
            hash_lines(p, args.hash.as_deref().unwrap_or("*"))?
        };
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    } else if args.no_interpolate {
        let loaded = project::load_model(&opts, &flags)?;
        print_warnings(&loaded.warnings);
        let mut model = loaded.model.to_json();
        if args.resolve_image_digests {
            super::pull::resolve_image_digests(&mut model)?;
        }
        out = config::render(&model, format);
    } else {
        let mut loaded = project::load_project(&opts, &flags, &args.services)?;
        print_warnings(&loaded.warnings);
        if args.resolve_image_digests {
            pin_images(&mut loaded.project)?;
        }
        if args.quiet {
            return Ok(0);
        }
        // Written as it is rendered: the output is never held whole next to the model.
        let written = match &args.output {
            Some(path) => {
                let file = std::fs::File::create(path).with_context(|| format!("writing {path}"))?;
                let mut file = std::io::BufWriter::new(file);
                config::write_project(&loaded.project, format, &mut file)
                    .and_then(|()| file.flush())
                    .with_context(|| format!("writing {path}"))
            }
            None => {
                let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
                config::write_project(&loaded.project, format, &mut stdout)
                    .and_then(|()| stdout.flush())
                    .map_err(anyhow::Error::from)
            }
        };
        // The process ends here: freeing the project piece by piece would only cost time.
        std::mem::forget(loaded);
        written?;
        return Ok(0);
    }

    if args.quiet {
        return Ok(0);
    }
    if let Some(path) = &args.output {
        if !out.is_empty() {
            std::fs::write(path, &out).with_context(|| format!("writing {path}"))?;
        }
        return Ok(0);
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    Ok(0)
}

/// `--resolve-image-digests` on the typed project: each service's image pinned to its digest.
fn pin_images(project: &mut berth_spec::model::Project) -> anyhow::Result<()> {
    let services: serde_json::Map<String, serde_json::Value> = project
        .services
        .iter()
        .map(|(name, s)| (name.clone(), serde_json::json!({ "image": s.image })))
        .collect();
    let mut model = serde_json::json!({ "services": services });
    super::pull::resolve_image_digests(&mut model)?;
    for (name, service) in &mut project.services {
        if let Some(image) = model["services"][name.as_str()]["image"].as_str() {
            image.clone_into(&mut service.image);
        }
    }
    Ok(())
}

/// `--hash`: `service hash` lines, sorted by service name, for `*` or a comma list.
fn hash_lines(p: &berth_spec::model::Project, wanted: &str) -> anyhow::Result<Vec<String>> {
    let mut names: Vec<String> = if wanted == "*" {
        p.services.keys().cloned().collect()
    } else {
        wanted.split(',').map(str::to_owned).collect()
    };
    names.sort();
    let mut lines = Vec::with_capacity(names.len());
    for name in names {
        let service =
            p.services.get(&name).ok_or_else(|| anyhow::anyhow!("no such service: {name}"))?;
        let hash = berth_core::hash::service_hash(service)?;
        lines.push(format!("{name} {hash}"));
    }
    Ok(lines)
}

/// Warnings go to stderr, like Docker Compose's log lines.
pub fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("WARN[0000] {w}");
    }
}
