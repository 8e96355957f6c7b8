//! `scale SERVICE=N...`: Docker Compose 2.26.1's `Scale` (`pkg/compose/scale.go`), which is
//! `create` then `start` for the named services with their scale overridden. Here it is
//! [`up`] (detached) with `--scale` for each named service and only those services selected;
//! `--no-deps` leaves their dependencies alone.

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_engine::Engine;
use berth_spec::model::Project;

use super::up::{up, UpOptions};
use super::{Outcome, OpsError, RunOptions};
use crate::events::EventSink;
use crate::execute::{CancellationToken, CreateSettings};

/// Options of `scale`.
#[derive(Debug, Clone, Default)]
pub struct ScaleOptions {
    /// The number of containers wanted, by service.
    pub replicas: BTreeMap<String, u32>,
    /// `--no-deps`: neither create nor start the services' dependencies.
    pub no_deps: bool,
    /// `--dry-run`, `--parallel`.
    pub run: RunOptions,
    /// Inputs to container creation.
    pub create: CreateSettings,
}

impl ScaleOptions {
    /// The `up` options `scale` amounts to.
    pub fn up_options(&self) -> UpOptions {
        UpOptions {
            services: self.replicas.keys().cloned().collect(),
            no_deps: self.no_deps,
            scale: self.replicas.clone(),
            run: self.run.clone(),
            create: self.create.clone(),
            ..UpOptions::default()
        }
    }
}

/// `scale`: creates or removes containers until each named service has its number, and
/// starts them (and, without `no_deps`, what they depend on).
pub async fn scale(
    engine: Arc<dyn Engine>,
    project: &Project,
    opts: &ScaleOptions,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    up(engine, project, &opts.up_options(), sink, cancel).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Discard;
    use berth_engine::FakeEngine;
    use berth_spec::model::ServiceConfig;

    fn project() -> Project {
        let mut p = Project { name: "lab".into(), ..Project::default() };
        for name in ["web", "db"] {
            let mut s = ServiceConfig { name: name.into(), image: "img".into(), ..ServiceConfig::default() };
            if name == "web" {
                s.depends_on.insert("db".into(), berth_spec::model::ServiceDependency::default());
            }
            p.services.insert(name.into(), s);
        }
        p
    }

    async fn containers(engine: &FakeEngine) -> Vec<String> {
        let list = engine.list_containers(&berth_engine::ContainerListOptions { all: true, ..Default::default() }).await.unwrap();
        let mut names: Vec<String> = list.iter().filter_map(|c| c.names.first().cloned()).collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn scale_up_then_down_and_no_deps() {
        let fake = FakeEngine::new();
        fake.add_image("img", berth_engine::ImageConfig::default());
        let engine: Arc<dyn Engine> = Arc::new(fake.clone());
        let cancel = CancellationToken::new();
        let mut opts = ScaleOptions { replicas: BTreeMap::from([("web".to_owned(), 3)]), no_deps: true, ..Default::default() };
        scale(Arc::clone(&engine), &project(), &opts, &Discard, &cancel).await.unwrap();
        assert_eq!(containers(&fake).await, ["lab-web-1", "lab-web-2", "lab-web-3"], "--no-deps leaves db alone");
        opts.no_deps = false;
        opts.replicas.insert("web".into(), 1);
        scale(Arc::clone(&engine), &project(), &opts, &Discard, &cancel).await.unwrap();
        assert_eq!(containers(&fake).await, ["lab-db-1", "lab-web-1"]);
    }
}
