//! Interoperability with the reference Docker Compose 2.26.1 (`docker compose`) on the real
//! engine: each tool sees the other's containers as up to date (same config hash and image
//! labels), and each tears down what the other made.

mod exec_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use berth_core::events::Recorder;
use berth_core::execute::CancellationToken;
use berth_core::ops::down::{down, DownOptions};
use berth_core::ops::up::{up, UpOptions};
use berth_core::plan::Action;
use berth_engine::{ContainerListOptions, Engine, Filters, ListOptions};
use exec_support::{engine_required, is_podman, load, real_engine, unique_project, Cleanup};

const IMAGE: &str = "berth-test/busybox:latest";

/// The project both tools bring up. On Podman, `app` waits for `db` to start rather than to
/// be healthy: Podman 4.3 without systemd never runs health checks, and the reference (unlike
/// berth, which runs them itself) would wait for `db` to become healthy forever
/// (docs/engines.md).
fn yaml() -> String {
    let condition = if is_podman() { "service_started" } else { "service_healthy" };
    format!(
        r#"
services:
  db:
    image: {IMAGE}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    environment:
      ROLE: database
    volumes:
      - data:/data
      - /scratch
    healthcheck:
      test: ["CMD-SHELL", "test -d /data"]
      interval: 1s
      timeout: 5s
      retries: 3
    networks: [back]
  app:
    image: {IMAGE}
    command: ["sh", "-c", "sleep 3600"]
    stop_signal: SIGKILL
    labels:
      tier: front
    depends_on:
      db:
        condition: {condition}
    networks: [back, front]
volumes:
  data: {{}}
networks:
  back: {{}}
  front: {{}}
"#
    )
}

/// Runs the reference `docker compose` in `dir`; `None` when it is not installed and not
/// required.
fn compose(dir: &Path, project: &str, args: &[&str]) -> Option<String> {
    let output = std::process::Command::new("docker")
        .current_dir(dir)
        .args(["compose", "-p", project, "-f", "compose.yaml"])
        .args(args)
        .output();
    match output {
        Ok(o) if o.status.success() => Some(format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))),
        Ok(o) => panic!(
            "docker compose {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) if engine_required() => panic!("docker compose is required: {e}"),
        Err(e) => {
            eprintln!("SKIPPED: docker compose cannot run ({e})");
            None
        }
    }
}

async fn ids(engine: &dyn Engine, project: &str) -> BTreeMap<String, String> {
    engine
        .list_containers(&ContainerListOptions {
            all: true,
            filters: Filters::new().label(format!("com.docker.compose.project={project}")),
        })
        .await
        .expect("list")
        .into_iter()
        .map(|c| (c.name().to_owned(), c.id))
        .collect()
}

#[tokio::test]
async fn docker_compose_up_after_berth_up_recreates_nothing() {
    let Some(engine) = real_engine().await else { return };
    let name = unique_project("e2einterop");
    let _cleanup = Cleanup(name.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let project = load(dir.path(), &name, &yaml());
    up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new())
        .await
        .expect("berth up");
    let before = ids(engine.as_ref(), &name).await;
    assert_eq!(before.len(), 2);

    let Some(output) = compose(dir.path(), &name, &["up", "-d"]) else { return };
    assert!(!output.contains("Recreate"), "docker compose recreated berth's containers:\n{output}");
    assert_eq!(ids(engine.as_ref(), &name).await, before, "docker compose output:\n{output}");
}

#[tokio::test]
async fn berth_sees_docker_compose_containers_as_current_and_tears_them_down() {
    let Some(engine) = real_engine().await else { return };
    let name = unique_project("e2einterop");
    let _cleanup = Cleanup(name.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let project = load(dir.path(), &name, &yaml());
    if compose(dir.path(), &name, &["up", "-d"]).is_none() {
        return;
    }
    let before = ids(engine.as_ref(), &name).await;
    assert_eq!(before.len(), 2);

    let outcome = up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new())
        .await
        .expect("berth up");
    assert!(
        outcome.plan.operations.iter().all(|op| matches!(op.action, Action::WaitDependency { .. })),
        "berth changes nothing: {}",
        outcome.plan
    );
    assert_eq!(ids(engine.as_ref(), &name).await, before);

    let opts = DownOptions { volumes: true, ..DownOptions::default() };
    down(Arc::clone(&engine), &name, None, &opts, &Recorder::new(), &CancellationToken::new()).await.expect("berth down");
    assert!(ids(engine.as_ref(), &name).await.is_empty());
    let filters = Filters::new().label(format!("com.docker.compose.project={name}"));
    assert!(engine.list_networks(&ListOptions { filters: filters.clone() }).await.expect("networks").is_empty());
    assert!(engine.list_volumes(&ListOptions { filters }).await.expect("volumes").is_empty());
}
