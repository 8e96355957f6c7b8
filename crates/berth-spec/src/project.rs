//! The public entry point: command-line options in, a typed `Project` out. Runs discovery,
//! decides the project name, loads and merges the files, decodes, applies profiles and
//! service selection, and checks consistency, in the order Docker Compose does.

use crate::discovery::{self, Discovery, ProjectOptions};
use crate::environment::Environment;
use crate::error::Result;
use crate::loader::{self, ConfigDetails, ConfigFile, LoadOptions};
use crate::model::Project;
use crate::profiles;
use crate::node::Node;

/// Switches that commands set (mostly from `config`'s `--no-*` flags).
#[derive(Debug, Clone, Copy)]
pub struct LoadFlags {
    pub interpolate: bool,
    pub normalize: bool,
    pub resolve_paths: bool,
    pub consistency: bool,
    /// Fold `env_file` into `environment` (and `label_file` into `labels`).
    pub resolve_environment: bool,
}

impl Default for LoadFlags {
    fn default() -> Self {
        LoadFlags {
            interpolate: true,
            normalize: true,
            resolve_paths: true,
            consistency: true,
            resolve_environment: true,
        }
    }
}

/// A loaded, still untyped model (what `config --no-interpolate` and `--variables` print).
#[derive(Debug)]
pub struct LoadedModel {
    pub model: Node,
    pub discovery: Discovery,
    pub warnings: Vec<String>,
}

/// A loaded project.
#[derive(Debug)]
pub struct LoadedProject {
    pub project: Project,
    /// The environment interpolation saw (shell + `.env` + `COMPOSE_PROJECT_NAME`).
    pub environment: Environment,
    pub discovery: Discovery,
    pub warnings: Vec<String>,
}

/// Loads the merged model without typed decoding.
pub fn load_model(opts: &ProjectOptions, flags: &LoadFlags) -> Result<LoadedModel> {
    let discovery = discovery::discover(opts)?;
    let (model, _, warnings) = load_model_from(&discovery, *flags)?;
    Ok(LoadedModel { model, discovery, warnings })
}

fn load_model_from(discovery: &Discovery, flags: LoadFlags) -> Result<(Node, String, Vec<String>)> {
    let details = ConfigDetails {
        working_dir: discovery.working_dir.clone(),
        config_files: discovery
            .files
            .iter()
            .map(|f| ConfigFile { name: f.name.clone(), content: Some(std::sync::Arc::clone(&f.content)) })
            .collect(),
        environment: discovery.environment.clone(),
    };
    let options = LoadOptions {
        project_name: discovery.imperative_name.clone().unwrap_or_else(|| discovery.directory_name.clone()),
        project_name_imperatively_set: discovery.imperative_name.is_some(),
        skip_interpolation: !flags.interpolate,
        skip_normalization: !flags.normalize,
        skip_resolve_paths: !flags.resolve_paths,
        skip_consistency: !flags.consistency,
        ..LoadOptions::default()
    };
    let (model, name) = loader::load_model_and_name(&details, &options)?;
    let mut warnings = discovery.warnings.clone();
    warnings.extend(options.warnings.into_inner());
    Ok((model, name, warnings))
}

/// Loads the typed project. `services` selects services (with their dependencies), as the
/// arguments of most commands do.
pub fn load_project(opts: &ProjectOptions, flags: &LoadFlags, services: &[String]) -> Result<LoadedProject> {
    let discovery = discovery::discover(opts)?;
    let (mut model, name, warnings) = load_model_from(&discovery, *flags)?;
    if let Some(m) = model.as_map_mut() {
        m.shift_remove("name");
    }
    // The tree is consumed while the project is built: the two are never both whole.
    let mut project: Project = crate::de::from_node_owned(model)?;
    project.name.clone_from(&name);
    project.working_dir = discovery.working_dir.to_string_lossy().into_owned();
    project.compose_files = discovery.files.iter().map(|f| f.name.clone()).collect();
    let mut environment = discovery.environment.clone();
    environment.insert("COMPOSE_PROJECT_NAME", name);
    project.environment = environment.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    project.compatibility =
        opts.compatibility || environment.get("COMPOSE_COMPATIBILITY").is_some_and(|v| discovery::string_to_bool(v));

    // compose-go's modelToProject, then Docker Compose's ToProject.
    let mut project = profiles::with_profiles(project, &discovery.profiles)?;
    if flags.consistency {
        crate::consistency::check(&project).map_err(|e| locate_in_files(e, &discovery, *flags))?;
    }
    if flags.resolve_environment {
        profiles::resolve_service_environment(&mut project, &environment, true)?;
    }
    profiles::resolve_service_labels(&mut project)?;
    let project = profiles::with_services_enabled(project, services)?;
    let mut project = profiles::without_unnecessary_resources(project);
    if !services.is_empty() {
        // Newly enabled services get their environment resolved too.
        profiles::resolve_service_environment(&mut project, &environment, true)?;
    }
    let project = profiles::select_services(project, services)?;
    Ok(LoadedProject { project, environment, discovery, warnings })
}

/// Points an error found on the typed project at the place in the files its YAML path names.
/// The tree was consumed by decoding, so it is loaded again: this costs time only when the
/// project is rejected, where keeping the tree would cost memory on every load.
fn locate_in_files(err: crate::Error, discovery: &Discovery, flags: LoadFlags) -> crate::Error {
    match (&err.span, &err.path) {
        (None, Some(path)) => match load_model_from(discovery, flags) {
            Ok((model, _, _)) => {
                let span = model.closest(&crate::node::Path::parse(path)).span;
                err.at(span)
            }
            Err(_) => err,
        },
        _ => err,
    }
}

/// The `config --variables` table: NAME, REQUIRED, DEFAULT VALUE, ALTERNATE VALUE.
pub fn variables_table(model: &Node) -> String {
    let vars = crate::template::extract_variables(model);
    let mut rows: Vec<[String; 4]> = vec![[
        "NAME".into(),
        "REQUIRED".into(),
        "DEFAULT VALUE".into(),
        "ALTERNATE VALUE".into(),
    ]];
    for v in vars.values() {
        rows.push([
            v.name.clone(),
            v.required.to_string(),
            v.default_value.clone().unwrap_or_default(),
            v.alternate_value.clone().unwrap_or_default(),
        ]);
    }
    table(&rows)
}

/// Left-aligned columns separated by three spaces, like the docker CLI's tabwriter output.
pub fn table(rows: &[[String; 4]]) -> String {
    let mut widths = [0usize; 4];
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            line.push_str(c);
            if i + 1 < r.len() {
                let pad = widths[i].saturating_sub(c.chars().count()) + 3;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Service names with every service after the ones it depends on (peers by name), the order
/// `config --services` prints.
pub fn services_in_dependency_order(project: &Project) -> Vec<String> {
    fn visit(project: &Project, name: &str, seen: &mut std::collections::BTreeSet<String>, out: &mut Vec<String>) {
        if !seen.insert(name.to_owned()) {
            return;
        }
        if let Some(s) = project.services.get(name) {
            for dep in s.depends_on.keys() {
                visit(project, dep, seen, out);
            }
            out.push(name.to_owned());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for name in project.services.keys() {
        visit(project, name, &mut seen, &mut out);
    }
    out
}

/// Every profile named by any service, enabled or not, sorted.
pub fn all_profiles(project: &Project) -> Vec<String> {
    let set: std::collections::BTreeSet<&String> = project
        .services
        .values()
        .chain(project.disabled_services.values())
        .flat_map(|s| s.profiles.iter())
        .collect();
    set.into_iter().cloned().collect()
}

/// The image a service runs: `image:`, else `<project>-<service>` (what a build is tagged;
/// `<project>_<service>` in compatibility mode).
pub fn image_name(project: &Project, service: &crate::model::ServiceConfig) -> String {
    if service.image.is_empty() {
        format!("{}{}{}", project.name, project.name_separator(), service.name)
    } else {
        service.image.clone()
    }
}
