//! Shared helpers of the `convert_*` tests: load a compose snippet through berth-spec's real
//! loader and turn a service into its container plan.

#![allow(dead_code)]

pub mod view;

use std::path::{Path, PathBuf};

use berth_core::convert::{container_create, ContainerOptions, ContainerPlan, ConvertError, CreateContext};
use berth_engine::ApiVersion;
use berth_spec::discovery::ProjectOptions;
use berth_spec::model::Project;
use berth_spec::project::{load_project, LoadFlags};
use berth_spec::Environment;

/// The API of the engine installed here (Docker 20.10): one network per create.
pub const OLD_API: ApiVersion = ApiVersion::new(1, 41);
/// A current engine: every network in the create call.
pub const NEW_API: ApiVersion = ApiVersion::new(1, 44);

/// A directory for a test's files, removed when dropped.
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(tag: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("berth-convert-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loads `yaml` as project `p` from `/work/proj` (paths are resolved, nothing is read).
pub fn project(yaml: &str) -> Project {
    project_in(Path::new("/work/proj"), yaml, &[])
}

/// Loads `yaml` as project `p` from `dir` with the given environment.
pub fn project_in(dir: &Path, yaml: &str, env: &[(&str, &str)]) -> Project {
    let mut environment = Environment::new();
    for (k, v) in env {
        environment.insert(*k, *v);
    }
    let opts = ProjectOptions {
        name: Some("p".to_owned()),
        files: vec!["-".to_owned()],
        env: environment,
        cwd: dir.to_path_buf(),
        stdin: Some(yaml.to_owned()),
        ..ProjectOptions::default()
    };
    match load_project(&opts, &LoadFlags::default(), &[]) {
        Ok(loaded) => loaded.project,
        Err(e) => panic!("loading test project failed: {e}\n{yaml}"),
    }
}

/// Container 1 of `service` on `api` with default options (hash `h`).
pub fn plan(project: &Project, service: &str, api: ApiVersion) -> ContainerPlan {
    try_plan(project, service, api, &options()).unwrap_or_else(|e| panic!("{e}"))
}

/// Default per-container options: hash `h`, nothing resolved.
pub fn options() -> ContainerOptions {
    ContainerOptions { config_hash: "h".to_owned(), ..ContainerOptions::default() }
}

pub fn try_plan(
    project: &Project,
    service: &str,
    api: ApiVersion,
    opts: &ContainerOptions,
) -> Result<ContainerPlan, ConvertError> {
    let ctx = CreateContext::new(project, api);
    let svc = project.services.get(service).unwrap_or_else(|| panic!("no service {service}"));
    container_create(&ctx, svc, 1, opts)
}

/// The error converting `service` gives, as text.
pub fn error(project: &Project, service: &str, api: ApiVersion) -> String {
    match try_plan(project, service, api, &options()) {
        Ok(p) => panic!("expected an error, got {p:#?}"),
        Err(e) => e.to_string(),
    }
}
