//! Stack operations on the fake engine: what deploy, redeploy, prune and rm leave behind,
//! and the events they report.

use std::sync::Mutex;

use berth_engine::{Engine, FakeEngine, Filters, ListOptions};
use berth_spec::discovery::ProjectOptions;
use berth_stack::convert::{convert, StackSpec};
use berth_stack::deploy::{deploy, DeployOptions, ResolveImage};
use berth_stack::names::Namespace;
use berth_stack::remove::remove_stacks;
use berth_stack::{query, StackEvent};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().expect("temp dir"))
    }
    fn write(&self, name: &str, content: &str) {
        std::fs::write(self.0.path().join(name), content).expect("write");
    }
    fn stack(&self, name: &str) -> StackSpec {
        let opts = ProjectOptions {
            files: vec![self.0.path().join("compose.yaml").to_string_lossy().into_owned()],
            cwd: self.0.path().to_path_buf(),
            ..Default::default()
        };
        let loaded = berth_stack::load_project(&opts, name).expect("load");
        convert(&loaded.project, &Namespace::new(name), &|p| std::fs::read(p)).expect("convert")
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<String>>);

impl Events {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("lock"))
    }
    fn push(&self, e: &StackEvent) {
        if !matches!(e, StackEvent::Progress(_)) {
            self.0.lock().expect("lock").push(e.to_string());
        }
    }
}

async fn swarm() -> FakeEngine {
    let engine = FakeEngine::new();
    engine.swarm_init(Some("127.0.0.1")).await.expect("swarm init");
    engine
}

fn options() -> DeployOptions {
    DeployOptions { resolve_image: ResolveImage::Never, detach: true, ..Default::default() }
}

const APP: &str = "services:
  web:
    image: berth-test/debian:bookworm
    deploy: {replicas: 3, endpoint_mode: dnsrr}
    secrets: [token]
    configs: [app]
  redis:
    image: berth-test/debian:bookworm
    deploy: {endpoint_mode: dnsrr}
secrets:
  token: {file: ./token.txt}
configs:
  app: {file: ./app.py}
";

#[tokio::test]
async fn deploy_creates_networks_objects_and_services_then_updates_them() {
    let engine = swarm().await;
    let dir = Dir::new();
    dir.write("compose.yaml", APP);
    dir.write("token.txt", "t1");
    dir.write("app.py", "print('hi')");
    let events = Events::default();
    let report = |e: StackEvent| events.push(&e);

    let stack = dir.stack("shop");
    let out = deploy(&engine, &stack, &options(), &report).await.expect("deploy");
    assert_eq!(out.services.len(), 2);
    let ev = events.take();
    assert_eq!(ev[0], "Creating network shop_default");
    assert!(ev[1].starts_with("Creating secret shop_token-"), "{ev:?}");
    assert!(ev[2].starts_with("Creating config shop_app-"), "{ev:?}");
    assert_eq!(&ev[3..], ["Creating service shop_redis", "Creating service shop_web"]);

    let web = engine.inspect_service("shop_web").await.expect("web");
    assert_eq!(web.spec.container.secrets.len(), 1);
    assert!(!web.spec.container.secrets[0].id.is_empty(), "secret ids are filled in");
    assert!(!web.spec.container.configs[0].id.is_empty());
    assert_eq!(web.spec.labels.get("com.docker.stack.namespace").map(String::as_str), Some("shop"));

    // Redeploying the same files updates in place and creates nothing.
    deploy(&engine, &dir.stack("shop"), &options(), &report).await.expect("redeploy");
    let ev = events.take();
    assert!(ev.iter().all(|e| e.starts_with("Updating service shop_")), "{ev:?}");

    // A changed secret gets a new version; the old one goes once nothing refers to it.
    let old_secret = web.spec.container.secrets[0].name.clone();
    dir.write("token.txt", "t2");
    deploy(&engine, &dir.stack("shop"), &options(), &report).await.expect("rotate");
    let web = engine.inspect_service("shop_web").await.expect("web");
    let new_secret = web.spec.container.secrets[0].name.clone();
    assert_ne!(new_secret, old_secret);
    let secrets: Vec<String> =
        engine.list_secrets(&ListOptions::default()).await.expect("secrets").into_iter().map(|s| s.name).collect();
    assert!(secrets.contains(&new_secret));
    assert!(secrets.contains(&old_secret), "kept for a rollback: the previous spec used it");
    deploy(&engine, &dir.stack("shop"), &options(), &report).await.expect("again");
    let secrets: Vec<String> =
        engine.list_secrets(&ListOptions::default()).await.expect("secrets").into_iter().map(|s| s.name).collect();
    assert_eq!(secrets, [new_secret]);
}

#[tokio::test]
async fn prune_removes_services_the_files_dropped() {
    let engine = swarm().await;
    let dir = Dir::new();
    dir.write("compose.yaml", "services:\n  a: {image: x}\n  b: {image: x}\n");
    let events = Events::default();
    let report = |e: StackEvent| events.push(&e);
    deploy(&engine, &dir.stack("st"), &options(), &report).await.expect("deploy");
    dir.write("compose.yaml", "services:\n  a: {image: x}\n");
    deploy(&engine, &dir.stack("st"), &options(), &report).await.expect("without prune");
    assert_eq!(query::stack_services(&engine, &Namespace::new("st"), &Filters::new()).await.expect("ls").len(), 2);
    events.take();
    let prune = DeployOptions { prune: true, ..options() };
    deploy(&engine, &dir.stack("st"), &prune, &report).await.expect("prune");
    let a = engine.inspect_service("st_a").await.expect("a").id;
    assert_eq!(events.take(), ["Removing service st_b".to_owned(), format!("Updating service st_a (id: {a})")]);
    let names: Vec<String> = query::stack_services(&engine, &Namespace::new("st"), &Filters::new())
        .await
        .expect("ls")
        .into_iter()
        .map(|s| s.spec.name)
        .collect();
    assert_eq!(names, ["st_a"]);
}

#[tokio::test]
async fn ls_counts_services_per_stack_and_rm_removes_everything() {
    let engine = swarm().await;
    let dir = Dir::new();
    dir.write("compose.yaml", APP);
    dir.write("token.txt", "t1");
    dir.write("app.py", "x");
    let events = Events::default();
    let report = |e: StackEvent| events.push(&e);
    deploy(&engine, &dir.stack("shop"), &options(), &report).await.expect("deploy");
    deploy(&engine, &dir.stack("shop2"), &options(), &report).await.expect("deploy 2");
    let stacks = query::list_stacks(&engine).await.expect("ls");
    let summary: Vec<(&str, usize)> = stacks.iter().map(|s| (s.name.as_str(), s.services)).collect();
    assert_eq!(summary, [("shop", 2), ("shop2", 2)]);
    events.take();

    remove_stacks(&engine, &["shop".to_owned()], true, &report).await.expect("rm");
    let ev = events.take();
    assert_eq!(&ev[..2], ["Removing service shop_redis", "Removing service shop_web"]);
    assert!(ev[2].starts_with("Removing secret shop_token-") && ev[3].starts_with("Removing config shop_app-"), "{ev:?}");
    assert_eq!(ev[4], "Removing network shop_default");
    let stacks = query::list_stacks(&engine).await.expect("ls");
    assert_eq!(stacks.len(), 1);
    let left = engine.list_secrets(&ListOptions { filters: Filters::new().label("com.docker.stack.namespace=shop") }).await;
    assert_eq!(left.expect("secrets").len(), 0);
    let nets = engine.list_networks(&ListOptions { filters: Filters::new().label("com.docker.stack.namespace=shop") }).await;
    assert_eq!(nets.expect("networks").len(), 0);

    remove_stacks(&engine, &["nothing".to_owned()], true, &report).await.expect("rm nothing");
    assert_eq!(events.take(), ["Nothing found in stack: nothing"]);
}

#[tokio::test]
async fn deploy_needs_a_swarm_manager() {
    let engine = FakeEngine::new();
    let dir = Dir::new();
    dir.write("compose.yaml", "services:\n  a: {image: x}\n");
    let err = deploy(&engine, &dir.stack("st"), &options(), &|_| {}).await.err().map(|e| e.to_string());
    assert!(err.unwrap_or_default().starts_with("this node is not a swarm manager"));
}

#[tokio::test]
async fn external_networks_must_exist() {
    let engine = swarm().await;
    let dir = Dir::new();
    dir.write("compose.yaml", "services:\n  a: {image: x, networks: [ops]}\nnetworks:\n  ops: {external: true}\n");
    let err = deploy(&engine, &dir.stack("st"), &options(), &|_| {}).await.err().map(|e| e.to_string());
    assert_eq!(
        err.unwrap_or_default(),
        "network \"ops\" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed"
    );
}

#[tokio::test(start_paused = true)]
async fn waiting_reports_progress_until_converged() {
    let engine = swarm().await;
    let dir = Dir::new();
    dir.write("compose.yaml", "services:\n  a: {image: x, deploy: {replicas: 2}}\n");
    let progress = Mutex::new(Vec::new());
    let report = |e: StackEvent| {
        if let StackEvent::Progress(p) = e {
            progress.lock().expect("lock").push(p);
        }
    };
    let opts = DeployOptions { detach: false, ..options() };
    deploy(&engine, &dir.stack("st"), &opts, &report).await.expect("deploy");
    let seen = progress.into_inner().expect("lock");
    let last = seen.last().expect("progress");
    assert_eq!(last.summary, "overall progress: 2 out of 2 tasks");
    assert_eq!(last.phase, berth_stack::progress::Phase::Converged);
    assert!(seen.iter().any(|p| matches!(p.phase, berth_stack::progress::Phase::Verifying { .. })));
}

/// A node sometimes keeps the containers of tasks the swarm deleted: a waiting `stack rm` removes
/// them itself after a grace period instead of waiting for them until it times out.
#[tokio::test(start_paused = true)]
async fn rm_removes_containers_the_node_left_behind() {
    let engine = swarm().await;
    let dir = Dir::new();
    dir.write("compose.yaml", "services:\n  a: {image: berth-test/debian:bookworm}\n");
    deploy(&engine, &dir.stack("left"), &options(), &|_| {}).await.expect("deploy");
    engine.add_image("berth-test/debian:bookworm", berth_engine::ImageConfig::default());
    let labels = [("com.docker.stack.namespace".to_owned(), "left".to_owned())].into();
    let config = berth_engine::ContainerConfig { image: "berth-test/debian:bookworm".to_owned(), labels, ..Default::default() };
    let leftover =
        berth_engine::ContainerCreate { name: Some("left_a.1.oldtask".to_owned()), config, ..Default::default() };
    engine.create_container(&leftover).await.expect("a leftover container");
    let started = tokio::time::Instant::now();

    remove_stacks(&engine, &["left".to_owned()], true, &|_| {}).await.expect("rm");
    let all = berth_engine::ContainerListOptions { all: true, filters: Filters::new() };
    assert!(engine.list_containers(&all).await.expect("containers").is_empty());
    let waited = started.elapsed();
    assert!(waited >= std::time::Duration::from_secs(10) && waited < std::time::Duration::from_secs(20), "{waited:?}");
}
