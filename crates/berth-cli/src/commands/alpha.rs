//! `berth alpha`: Docker Compose 2.26.1's hidden group of experimental commands: `viz`, the
//! project's services and their `depends_on` edges as a Graphviz DOT graph (optionally with
//! each service's networks, ports and image), and `publish`, the project's compose files
//! pushed to a registry as an OCI artifact (berth-core's `ops::publish`).

use std::fmt::Write as _;

use berth_core::ops::publish::{publish, ComposeFile, PublishError, PublishOptions};
use berth_engine::OciVersion;
use berth_spec::model::Project;
use clap::{Args, Subcommand};

use super::{engine, listing};
use crate::cli::GlobalArgs;

/// `alpha COMMAND`.
#[derive(Debug, Args)]
pub struct AlphaArgs {
    #[command(subcommand)]
    pub command: AlphaCommand,
}

/// The experimental commands.
#[derive(Debug, Subcommand)]
pub enum AlphaCommand {
    /// EXPERIMENTAL - Generate a graphviz graph from your compose file
    Viz(VizArgs),
    /// Publish compose application
    Publish(PublishArgs),
}

/// `alpha publish [OPTIONS] REPOSITORY[:TAG]`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Where to publish the project: `REPOSITORY[:TAG]`
    // A list, so that a wrong count gets Compose's message and exit code, not clap's.
    #[arg(value_name = "REPOSITORY")]
    pub repository: Vec<String>,
    /// Pin image tags to digests
    #[arg(long)]
    pub resolve_image_digests: bool,
    /// OCI Image/Artifact specification version (automatically determined by default)
    #[arg(long, value_name = "string")]
    pub oci_version: Option<String>,
}

/// `alpha viz [OPTIONS]`.
#[derive(Debug, Args)]
pub struct VizArgs {
    /// Include service's exposed ports in output graph
    #[arg(long)]
    pub ports: bool,
    /// Include service's attached networks in output graph
    #[arg(long)]
    pub networks: bool,
    /// Include service's image name in output graph
    #[arg(long)]
    pub image: bool,
    /// Number of tabs or spaces to use for indentation
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_name = "int")]
    pub indentation_size: i64,
    /// If given, space character ' ' will be used to indent, otherwise tab character '\t' will be used
    #[arg(long)]
    pub spaces: bool,
}

/// Runs `alpha COMMAND`.
pub fn run(global: &GlobalArgs, args: &AlphaArgs) -> anyhow::Result<u8> {
    match &args.command {
        AlphaCommand::Viz(viz) => run_viz(global, viz),
        AlphaCommand::Publish(publish) => run_publish(global, publish),
    }
}

fn run_publish(global: &GlobalArgs, args: &PublishArgs) -> anyhow::Result<u8> {
    let [repository] = args.repository.as_slice() else {
        anyhow::bail!("accepts 1 arg(s), received {}", args.repository.len());
    };
    // An empty `--oci-version` is Compose's default: decided by the registry's answer.
    let oci_version = match args.oci_version.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => Some(v.parse::<OciVersion>().map_err(|e| anyhow::anyhow!("{e}"))?),
        None => None,
    };
    let loaded = engine::load_project(global, &[])?;
    let files: Vec<ComposeFile> = loaded
        .discovery
        .files
        .iter()
        .map(|f| ComposeFile { path: f.name.clone(), content: f.content.as_bytes().to_vec() })
        .collect();
    // The digests cover every service, whatever profiles are enabled, as in Compose.
    let all_profiles = if args.resolve_image_digests {
        let mut every = global.clone();
        every.profiles = vec!["*".to_owned()];
        Some(engine::load_project(&every, &[])?.project)
    } else {
        None
    };
    let opts = PublishOptions {
        repository: repository.clone(),
        oci_version,
        credentials: super::pull::credentials(),
        parallel: engine::run_options(global).parallel,
        dry_run: global.dry_run,
        created: crate::display::clock::local_rfc3339(&jiff::Zoned::now()),
    };
    let settings = engine::display_settings(global)?;
    engine::block_on(async move {
        let engine = engine::connect().await?;
        let renderer = engine::progress(&settings, "Publishing", global.dry_run)?;
        let result = publish(engine.as_ref(), &loaded.project, &files, all_profiles.as_ref(), &opts, &renderer).await;
        renderer.finish();
        match result {
            Ok(_) => Ok(0),
            Err(PublishError::Images(failures)) => Err(anyhow::anyhow!("{}", super::pull::summary("pushed", &failures))),
            Err(e) => Err(anyhow::anyhow!("{e}")),
        }
    })?
}


fn run_viz(global: &GlobalArgs, args: &VizArgs) -> anyhow::Result<u8> {
    let size = usize::try_from(args.indentation_size)
        .map_err(|_| anyhow::anyhow!("invalid indentation size: {}", args.indentation_size))?;
    let indentation = (if args.spaces { " " } else { "\t" }).repeat(size);
    eprintln!("viz command is EXPERIMENTAL");
    let project = engine::load_project(global, &[])?.project;
    let options = VizOptions { networks: args.networks, ports: args.ports, image: args.image, indentation };
    // Compose prints the graph with `Println`: one more line break after the closing brace.
    listing::print(&format!("{}\n", graph(&project, &options)))?;
    Ok(0)
}

/// What the graph shows besides the services and their dependencies.
struct VizOptions {
    networks: bool,
    ports: bool,
    image: bool,
    indentation: String,
}

/// The DOT graph, as Docker Compose writes it; services and edges come in name order (Compose
/// writes them in Go's random map order).
fn graph(project: &Project, opts: &VizOptions) -> String {
    let ind = &opts.indentation;
    let mut out = format!("digraph \"{}\" {{\n{ind}layout=dot;\n", project.name);
    for service in project.services.values() {
        let _ = write!(out, "{ind}\"{0}\" [style=\"filled\" label=<<font point-size=\"15\">{0}</font>", service.name);
        if opts.networks && !service.networks.is_empty() {
            out.push_str("<font point-size=\"10\"><br/><br/><b>Networks:</b>");
            for network in service.networks_by_priority() {
                let _ = write!(out, "<br/>{network}");
            }
            out.push_str("</font>");
        }
        if opts.ports && !service.ports.is_empty() {
            out.push_str("<font point-size=\"10\"><br/><br/><b>Ports:</b>");
            for port in &service.ports {
                out.push_str("<br/>");
                if !port.host_ip.is_empty() {
                    let _ = write!(out, "{}:", port.host_ip);
                }
                let _ = write!(out, "{}:{} ({}, {})", port.published, port.target, port.protocol, port.mode);
            }
            out.push_str("</font>");
        }
        if opts.image {
            let _ = write!(
                out,
                "<font point-size=\"10\"><br/><br/><b>Image:</b><br/>{}</font>",
                berth_core::ops::service_image(project, service)
            );
        }
        out.push_str(">];\n");
    }
    out.push('\n');
    for service in project.services.values() {
        for dependency in service.depends_on.keys() {
            let _ = writeln!(out, "{ind}\"{}\" -> \"{dependency}\";", service.name);
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> Project {
        serde_json::from_str(
            r#"{"name":"shop","services":{
                "web":{"name":"web","image":"nginx","depends_on":{"db":{"condition":"service_started"}},
                       "networks":{"front":null,"back":{"priority":5}},
                       "ports":[{"mode":"ingress","host_ip":"127.0.0.1","target":80,"published":"8080","protocol":"tcp"}]},
                "db":{"name":"db","build":{"context":"."}}}}"#,
        )
        .unwrap()
    }

    #[test]
    fn dependencies_as_a_dot_graph() {
        let opts = VizOptions { networks: false, ports: false, image: false, indentation: "\t".into() };
        assert_eq!(
            graph(&project(), &opts),
            "digraph \"shop\" {\n\tlayout=dot;\n\
             \t\"db\" [style=\"filled\" label=<<font point-size=\"15\">db</font>>];\n\
             \t\"web\" [style=\"filled\" label=<<font point-size=\"15\">web</font>>];\n\
             \n\t\"web\" -> \"db\";\n}\n"
        );
    }

    #[test]
    fn networks_ports_and_images_on_request() {
        let opts = VizOptions { networks: true, ports: true, image: true, indentation: "  ".into() };
        let g = graph(&project(), &opts);
        assert!(g.contains("  \"db\" [style=\"filled\" label=<<font point-size=\"15\">db</font><font point-size=\"10\"><br/><br/><b>Image:</b><br/>shop-db</font>>];\n"), "{g}");
        assert!(
            g.contains("<b>Networks:</b><br/>back<br/>front</font><font point-size=\"10\"><br/><br/><b>Ports:</b><br/>127.0.0.1:8080:80 (tcp, ingress)</font>"),
            "{g}"
        );
    }
}
