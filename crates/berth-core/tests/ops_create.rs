//! What container creation does beyond the spec, on the fake engine: images pulled or built
//! when missing, configs copied in before start, `service:` references resolved to the
//! containers of this run, and `--parallel 1`.

mod exec_support;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use berth_core::events::{EventSink, Recorder};
use berth_core::execute::CancellationToken;
use berth_core::ops::up::{up, ImageBuilder, PullPolicy, UpOptions};
use berth_core::ops::{OpsError, RunOptions};
use berth_engine::{Engine, FakeEngine, ImageConfig};
use berth_spec::model::Project;
use exec_support::{lines, load};

const IMAGE: &str = "berth-test/busybox:latest";

fn fake() -> FakeEngine {
    let fake = FakeEngine::new();
    fake.add_image(IMAGE, ImageConfig::default());
    fake
}

#[tokio::test(start_paused = true)]
async fn missing_images_are_pulled_and_labelled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeEngine::new();
    fake.add_registry_image("example.org/tool:1", ImageConfig::default());
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let yaml = "services:\n  tool:\n    image: example.org/tool:1\n    command: [sleep, infinity]\n";
    let project = load(dir.path(), "lab", yaml);
    let recorder = Recorder::new();
    up(Arc::clone(&engine), &project, &UpOptions::default(), &recorder, &CancellationToken::new()).await.expect("up");
    // Layer progress lines (`Service <layer> Pull complete`) come between the two.
    let l: Vec<String> = lines(&recorder).into_iter().filter(|l| l.starts_with("Service tool")).collect();
    assert_eq!(&l[..2], ["Service tool Pulling", "Service tool Pulled"]);
    let image_id = engine.inspect_image("example.org/tool:1").await.expect("pulled").id;
    let labels = engine.inspect_container("lab-tool-1").await.expect("created").config.labels;
    assert_eq!(labels.get("com.docker.compose.image"), Some(&image_id));

    // With --pull never, a missing image is an error.
    let project = load(dir.path(), "other", "services:\n  x:\n    image: example.org/absent:1\n");
    let opts = UpOptions { pull: PullPolicy::Never, ..UpOptions::default() };
    let err = up(engine, &project, &opts, &Recorder::new(), &CancellationToken::new()).await.expect_err("missing");
    assert!(matches!(&err, OpsError::Image(m) if m.contains("example.org/absent:1")), "{err}");
}

struct FakeBuilder {
    fake: FakeEngine,
    built: Mutex<Vec<String>>,
}

#[async_trait]
impl ImageBuilder for FakeBuilder {
    async fn build(&self, _engine: &dyn Engine, project: &Project, services: &[String], _sink: &dyn EventSink) -> Result<(), String> {
        for service in services {
            self.fake.add_image(&format!("{}-{service}", project.name), ImageConfig::default());
            self.built.lock().map_err(|e| e.to_string())?.push(service.clone());
        }
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn services_with_build_use_the_builder() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").expect("dockerfile");
    let fake = FakeEngine::new();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let project = load(dir.path(), "lab", "services:\n  app:\n    build: .\n    command: [sleep, infinity]\n");

    let err = up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new())
        .await
        .expect_err("no builder");
    assert!(err.to_string().contains("lab-app"), "without a builder (--no-build) creation fails on the missing image: {err}");

    let builder = Arc::new(FakeBuilder { fake: fake.clone(), built: Mutex::new(Vec::new()) });
    let opts = UpOptions { builder: Some(builder.clone()), ..UpOptions::default() };
    up(Arc::clone(&engine), &project, &opts, &Recorder::new(), &CancellationToken::new()).await.expect("built and up");
    assert_eq!(*builder.built.lock().expect("lock"), ["app"]);
    assert_eq!(engine.inspect_container("lab-app-1").await.expect("app").config.image, "lab-app");
}

#[tokio::test(start_paused = true)]
async fn inline_configs_are_copied_in_before_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = fake();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let yaml = format!(
        r#"
services:
  web:
    image: {IMAGE}
    command: [sleep, infinity]
    configs:
      - source: app
        target: /etc/app.conf
configs:
  app:
    content: "listen 8080"
"#
    );
    let project = load(dir.path(), "lab", &yaml);
    up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new()).await.expect("up");
    let file = fake.container_file("lab-web-1", "/etc/app.conf").expect("container");
    assert_eq!(file.as_deref(), Some(&b"listen 8080"[..]));
    let calls = fake.calls();
    let put = calls.iter().position(|c| c.starts_with("archive_put")).expect("copied");
    let start = calls.iter().position(|c| c.starts_with("start_container")).expect("started");
    assert!(put < start, "{calls:?}");
}

#[tokio::test(start_paused = true)]
async fn service_references_follow_recreated_containers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = fake();
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let yaml = |v: &str| {
        format!(
            r#"
services:
  vpn:
    image: {IMAGE}
    command: [sleep, infinity]
    environment:
      V: "{v}"
  app:
    image: {IMAGE}
    command: [sleep, infinity]
    network_mode: "service:vpn"
    volumes_from: [vpn]
"#
        )
    };
    let cancel = CancellationToken::new();
    let opts = UpOptions { run: RunOptions { parallel: Some(1), dry_run: false }, ..UpOptions::default() };
    up(Arc::clone(&engine), &load(dir.path(), "lab", &yaml("1")), &opts, &Recorder::new(), &cancel).await.expect("up");
    let vpn = engine.inspect_container("lab-vpn-1").await.expect("vpn").id;
    let app = engine.inspect_container("lab-app-1").await.expect("app");
    assert_eq!(app.host_config.network_mode, Some(format!("container:{vpn}")));
    assert_eq!(app.host_config.volumes_from, std::slice::from_ref(&vpn));

    // vpn is recreated: app follows the new container.
    up(Arc::clone(&engine), &load(dir.path(), "lab", &yaml("2")), &opts, &Recorder::new(), &cancel).await.expect("up again");
    let new_vpn = engine.inspect_container("lab-vpn-1").await.expect("vpn").id;
    assert_ne!(new_vpn, vpn);
    let app = engine.inspect_container("lab-app-1").await.expect("app");
    assert_eq!(app.host_config.network_mode, Some(format!("container:{new_vpn}")));
}

#[tokio::test(start_paused = true)]
async fn podman_is_said_to_ignore_domainname() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = "services:\n  web:\n    image: berth-test/busybox:latest\n    domainname: example.org\n";
    let project = load(dir.path(), "lab", yaml);
    for is_podman in [true, false] {
        let fake = FakeEngine::with_options(berth_engine::ApiVersion::new(1, 41), None, is_podman);
        fake.add_image(IMAGE, ImageConfig::default());
        let engine: Arc<dyn Engine> = Arc::new(fake);
        let recorder = Recorder::new();
        up(engine, &project, &UpOptions::default(), &recorder, &CancellationToken::new()).await.expect("up");
        let warned = lines(&recorder).into_iter().any(|l| l.contains("domainname is ignored by Podman"));
        assert_eq!(warned, is_podman, "a warning on Podman only (Docker honours domainname)");
    }
}

/// A network name that is also an id prefix of several networks is looked up as missing and
/// created, on both engines: Docker calls such a prefix ambiguous with a 400, Podman 4 with a
/// 500, which `up` once took for a failure.
#[tokio::test(start_paused = true)]
async fn a_network_named_like_an_ambiguous_id_prefix_is_created() {
    for is_podman in [true, false] {
        let fake = FakeEngine::with_options(berth_engine::ApiVersion::new(1, 41), None, is_podman);
        fake.add_image(IMAGE, ImageConfig::default());
        // Seventeen networks: two of them share the first character of their ids.
        let mut firsts = std::collections::BTreeMap::<char, usize>::new();
        for i in 0..17 {
            let spec = berth_engine::NetworkCreate { name: format!("other{i}"), ..Default::default() };
            let id = fake.create_network(&spec).await.expect("network");
            *firsts.entry(id.chars().next().expect("an id")).or_default() += 1;
        }
        let shared = firsts.iter().find(|(_, n)| **n > 1).map(|(c, _)| c.to_string()).expect("a shared prefix");
        let dir = tempfile::tempdir().expect("tempdir");
        let yaml = format!("services:\n  web:\n    image: {IMAGE}\n    networks: [net]\nnetworks:\n  net:\n    name: \"{shared}\"\n");
        let project = load(dir.path(), "lab", &yaml);
        let ambiguous = fake.inspect_network(&shared).await.expect_err("an ambiguous prefix");
        assert!(ambiguous.is_ambiguous(), "{ambiguous}");
        let engine: Arc<dyn Engine> = Arc::new(fake);
        up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new())
            .await
            .unwrap_or_else(|e| panic!("up (podman: {is_podman}): {e}"));
        let created = engine.inspect_network(&shared).await.expect("the project's network");
        assert_eq!(created.name, shared);
    }
}
