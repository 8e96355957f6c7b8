//! `berth alpha`: Docker Compose 2.26.1's hidden group of experimental commands. berth has
//! its `viz`: the project's services and their `depends_on` edges as a Graphviz DOT graph,
//! optionally with each service's networks, ports and image. (`alpha publish`, which pushes
//! the compose files to a registry as an OCI artifact, is not implemented.)

use std::fmt::Write as _;

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
    }
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
