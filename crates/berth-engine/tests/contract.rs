//! Engine contract: the same behaviours checked against `FakeEngine` and against the real
//! engine of the environment (`DockerEngine::connect`), so the fake stays honest.
//!
//! The real-engine variants need an engine and the `berth-test/busybox:latest` image (built by
//! `scripts/images.sh`). Without them they print that they skipped, unless
//! `BERTH_REQUIRE_ENGINE=1` or `CI` is set, in which case they fail.
//!
//! The real engine is Docker unless `BERTH_TEST_ENGINE=podman`: then `DOCKER_HOST` defaults to
//! Podman's socket (`scripts/engine.sh --podman`) and the engine must be Podman. Where Podman
//! 4.3 answers differently (docs/engines.md), the contract says what each engine does.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use berth_engine::archive::{read_tar, TarBuilder, TarEntry};
use berth_engine::{
    bytes_stream, AttachOptions, BuildEvent, BuildOptions, ContainerPort, PortBinding, ArchivePutOptions, ConnectOptions, ContainerCreate, ContainerListOptions,
    ContainerStatus, DockerEngine, EndpointConfig, Engine, EngineError, EventOptions, ExecConfig,
    ExecStartOptions, ExecStarted, FakeEngine, Filters, HealthConfig, ImageConfig,
    ImageRemoveOptions, Ipam, IpamPool, ListOptions, LogFrame, LogsOptions, NetworkConnect,
    NetworkCreate, OutputStream, RemoveOptions, StopOptions, VolumeCreate, WaitCondition,
};
use futures::{StreamExt, TryStreamExt};

const IMAGE: &str = "berth-test/busybox:latest";
const TEST_LABEL: &str = "berth.contract.test";

// ------------------------------------------------------------------ engines

fn fake_engine() -> Arc<dyn Engine> {
    let fake = FakeEngine::new();
    fake.add_image(
        IMAGE,
        ImageConfig {
            cmd: vec!["sh".into()],
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
            ..Default::default()
        },
    );
    Arc::new(fake)
}

fn engine_required() -> bool {
    std::env::var("BERTH_REQUIRE_ENGINE").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| !v.is_empty())
}

/// Podman's socket as `scripts/engine.sh --podman` serves it.
const PODMAN_SOCKET: &str = "unix:///run/podman/podman.sock";

/// Whether the real engine is meant to be Podman (`BERTH_TEST_ENGINE=podman`) or Docker.
fn testing_podman() -> bool {
    match std::env::var("BERTH_TEST_ENGINE").unwrap_or_default().to_lowercase().as_str() {
        "podman" => true,
        "" | "docker" => false,
        other => panic!("BERTH_TEST_ENGINE={other}: expected docker or podman"),
    }
}

async fn real_engine(test: &str) -> Option<Arc<dyn Engine>> {
    static SELECT: std::sync::Once = std::sync::Once::new();
    let skip = |why: String| {
        assert!(!engine_required(), "{test}: no usable container engine: {why}");
        eprintln!("SKIPPED {test} against the real engine: {why} (set BERTH_REQUIRE_ENGINE=1 to fail instead)");
        None
    };
    SELECT.call_once(|| {
        if testing_podman() && std::env::var_os("DOCKER_HOST").is_none_or(|h| h.is_empty()) {
            std::env::set_var("DOCKER_HOST", PODMAN_SOCKET);
        }
    });
    let engine = match DockerEngine::connect(&ConnectOptions::default()).await {
        Ok(e) => e,
        Err(e) => return skip(e.to_string()),
    };
    let podman = engine.capabilities().is_podman;
    assert_eq!(
        podman,
        testing_podman(),
        "{test}: BERTH_TEST_ENGINE={} but the engine at DOCKER_HOST={} is {}",
        std::env::var("BERTH_TEST_ENGINE").unwrap_or_default(),
        std::env::var("DOCKER_HOST").unwrap_or_default(),
        if podman { "Podman" } else { "not Podman" }
    );
    if let Err(e) = engine.inspect_image(IMAGE).await {
        return skip(format!("image {IMAGE} is missing ({e}); run scripts/images.sh"));
    }
    Some(Arc::new(engine))
}

/// Defines `fake::<name>` and `real::<name>` running the same contract function.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod fake {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::fake_engine(), stringify!($name)).await;
                }
            )*
        }
        mod real {
            use std::sync::Arc;
            $(
                #[tokio::test]
                async fn $name() {
                    let test = stringify!($name);
                    if let Some(engine) = super::real_engine(test).await {
                        super::cleanup(&*engine, test).await;
                        super::$name(Arc::clone(&engine), test).await;
                        super::cleanup(&*engine, test).await;
                    }
                }
            )*
        }
    };
}

contract!(
    container_lifecycle,
    names_are_unique,
    label_filters,
    network_ipam_and_connect,
    volumes,
    logs_stream,
    logs_follow_ends_with_container,
    exec_exit_code,
    exec_needs_running_container,
    events_see_start_and_die,
    wait_returns_exit_code,
    archive_put_get,
    pause_and_kill,
    healthcheck_becomes_healthy,
    image_tag_and_remove,
    multiple_networks_on_create,
    start_interval_follows_api_version,
    build_then_run,
    attach_stdin_and_output,
    ports_and_stats,
    full_spec_round_trip,
);

// ------------------------------------------------------------------ helpers

/// An image name as the engine reports it in lists and inspects: Podman 4.3 qualifies a name
/// of Docker Hub's with `docker.io/` (berth shows names in their familiar form).
fn reported_image(engine: &dyn Engine, name: &str) -> String {
    if engine.capabilities().is_podman {
        format!("docker.io/{name}")
    } else {
        name.to_owned()
    }
}

/// The `NetworkID` of a container's endpoint: the network's id, or its name on Podman 4.3.
fn endpoint_network_id<'a>(engine: &dyn Engine, id: &'a str, name: &'a str) -> &'a str {
    if engine.capabilities().is_podman {
        name
    } else {
        id
    }
}

fn labels(test: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(TEST_LABEL.to_owned(), test.to_owned())])
}

fn unique(test: &str, what: &str) -> String {
    format!("berth-ct-{}-{test}-{what}", std::process::id()).replace('_', "-")
}

fn spec(test: &str, name: &str, cmd: &[&str]) -> ContainerCreate {
    let mut s = ContainerCreate { name: Some(unique(test, name)), ..Default::default() };
    IMAGE.clone_into(&mut s.config.image);
    s.config.cmd = Some(cmd.iter().map(|c| (*c).to_owned()).collect());
    s.config.labels = labels(test);
    s
}

/// Removes everything a test left behind (also from earlier, interrupted runs).
async fn cleanup(engine: &dyn Engine, test: &str) {
    let filters = Filters::new().label(format!("{TEST_LABEL}={test}"));
    if let Ok(list) = engine.list_containers(&ContainerListOptions { all: true, filters: filters.clone() }).await {
        for c in list {
            let _ = engine.remove_container(&c.id, &RemoveOptions { force: true, volumes: true, link: false }).await;
        }
    }
    if let Ok(list) = engine.list_networks(&ListOptions { filters: filters.clone() }).await {
        for n in list {
            let _ = engine.remove_network(&n.id).await;
        }
    }
    if let Ok(list) = engine.list_volumes(&ListOptions { filters }).await {
        for v in list {
            let _ = engine.remove_volume(&v.name, true).await;
        }
    }
}

async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(90), fut)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

fn text(frames: &[LogFrame], stream: OutputStream) -> String {
    frames
        .iter()
        .filter(|f| f.stream == stream)
        .map(|f| String::from_utf8_lossy(&f.data).into_owned())
        .collect()
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

async fn run_to_exit(engine: &dyn Engine, s: &ContainerCreate) -> String {
    let id = engine.create_container(s).await.unwrap().id;
    engine.start_container(&id).await.unwrap();
    let r = within("container exit", engine.wait_container(&id, WaitCondition::NotRunning)).await.unwrap();
    assert!(r.error.is_none(), "{r:?}");
    id
}

// ------------------------------------------------------------------ contract

async fn container_lifecycle(engine: Arc<dyn Engine>, test: &str) {
    let mut s = spec(test, "c", &["sleep", "3600"]);
    s.config.env = vec!["GREETING=hello".into()];
    let id = engine.create_container(&s).await.unwrap().id;
    assert_eq!(id.len(), 64);

    let d = engine.inspect_container(&id).await.unwrap();
    assert_eq!(d.id, id);
    assert_eq!(d.name, unique(test, "c"));
    assert_eq!(d.state.status, ContainerStatus::Created);
    assert!(!d.state.running);
    assert_eq!(d.config.labels.get(TEST_LABEL).map(String::as_str), Some(test));
    assert!(d.config.env.contains(&"GREETING=hello".to_owned()), "{:?}", d.config.env);
    assert!(d.config.env.iter().any(|e| e.starts_with("PATH=")), "image env is merged: {:?}", d.config.env);
    assert_eq!(d.config.cmd.as_deref(), Some(&["sleep".to_owned(), "3600".to_owned()][..]));
    // By name too.
    assert_eq!(engine.inspect_container(&unique(test, "c")).await.unwrap().id, id);

    engine.start_container(&id).await.unwrap();
    let d = engine.inspect_container(&id).await.unwrap();
    assert_eq!(d.state.status, ContainerStatus::Running);
    assert!(d.state.running && d.state.pid > 0);
    // Starting a running container is not an error.
    engine.start_container(&id).await.unwrap();

    engine.stop_container(&id, &StopOptions { timeout: Some(1), signal: None }).await.unwrap();
    let d = engine.inspect_container(&id).await.unwrap();
    assert_eq!(d.state.status, ContainerStatus::Exited);
    assert!(!d.state.running);
    // Stopping a stopped container is not an error either.
    engine.stop_container(&id, &StopOptions::default()).await.unwrap();

    engine.remove_container(&id, &RemoveOptions::default()).await.unwrap();
    let err = engine.inspect_container(&id).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = engine.remove_container(&id, &RemoveOptions::default()).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn names_are_unique(engine: Arc<dyn Engine>, test: &str) {
    let s = spec(test, "n", &["sleep", "3600"]);
    let id = engine.create_container(&s).await.unwrap().id;
    let err = engine.create_container(&s).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert!(err.to_string().contains("already in use"), "{err}");

    // A running container cannot be removed without force.
    engine.start_container(&id).await.unwrap();
    let err = engine.remove_container(&id, &RemoveOptions::default()).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");

    engine.rename_container(&id, &unique(test, "renamed")).await.unwrap();
    assert_eq!(engine.inspect_container(&id).await.unwrap().name, unique(test, "renamed"));
    // The old name is free again.
    let other = engine.create_container(&s).await.unwrap().id;
    let err = engine.rename_container(&other, &unique(test, "renamed")).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");

    engine.remove_container(&id, &RemoveOptions { force: true, ..Default::default() }).await.unwrap();
    let err = engine.create_container(&spec(test, "bad name!", &["true"])).await.unwrap_err();
    // Podman 4.3 refuses with 500 ("names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument").
    let invalid = if engine.capabilities().is_podman { 500 } else { 400 };
    assert_eq!(err.status(), Some(invalid), "{err:?}");
    let mut missing = spec(test, "m", &["true"]);
    missing.config.image = "berth-test/does-not-exist:nope".into();
    let err = engine.create_container(&missing).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn label_filters(engine: Arc<dyn Engine>, test: &str) {
    let mut ids = Vec::new();
    for (name, extra) in [("a1", Some(("tier", "front"))), ("a2", Some(("tier", "back"))), ("b", None)] {
        let mut s = spec(test, name, &["sleep", "3600"]);
        if let Some((k, v)) = extra {
            s.config.labels.insert(k.into(), v.into());
        }
        ids.push(engine.create_container(&s).await.unwrap().id);
    }
    let base = Filters::new().label(format!("{TEST_LABEL}={test}"));
    let list = |filters: Filters, all: bool| {
        let engine = Arc::clone(&engine);
        async move {
            let mut names: Vec<String> = engine
                .list_containers(&ContainerListOptions { all, filters })
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.name().to_owned())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(list(base.clone(), true).await.len(), 3);
    assert_eq!(list(base.clone().label("tier"), true).await, vec![unique(test, "a1"), unique(test, "a2")]);
    assert_eq!(list(base.clone().label("tier=back"), true).await, vec![unique(test, "a2")]);
    assert!(list(base.clone().label("tier=none"), true).await.is_empty());
    // Without `all`, only running containers are listed.
    assert!(list(base.clone(), false).await.is_empty());
    engine.start_container(&ids[0]).await.unwrap();
    assert_eq!(list(base.clone(), false).await, vec![unique(test, "a1")]);
    assert_eq!(list(base.clone().with("status", "created"), true).await.len(), 2);
    assert_eq!(list(base.with("name", unique(test, "b")), true).await, vec![unique(test, "b")]);
    let summary = engine
        .list_containers(&ContainerListOptions { all: false, filters: Filters::new().with("id", ids[0].clone()) })
        .await
        .unwrap();
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].state, ContainerStatus::Running);
    assert_eq!(summary[0].image, reported_image(&*engine, IMAGE));
    assert_eq!(summary[0].labels.get("tier").map(String::as_str), Some("front"));
}

async fn network_ipam_and_connect(engine: Arc<dyn Engine>, test: &str) {
    let octet = std::process::id() % 200 + 20;
    let subnet = format!("10.231.{octet}.0/24");
    let spec_net = NetworkCreate {
        name: unique(test, "front"),
        driver: Some("bridge".into()),
        ipam: Some(Ipam {
            driver: None,
            config: vec![IpamPool {
                subnet: Some(subnet.clone()),
                gateway: Some(format!("10.231.{octet}.1")),
                ..Default::default()
            }],
            options: BTreeMap::new(),
        }),
        labels: labels(test),
        ..Default::default()
    };
    let front = engine.create_network(&spec_net).await.unwrap();
    let n = engine.inspect_network(&front).await.unwrap();
    assert_eq!(n.name, unique(test, "front"));
    assert_eq!(n.driver, "bridge");
    assert_eq!(n.ipam.config.first().and_then(|p| p.subnet.clone()), Some(subnet));
    assert_eq!(n.labels.get(TEST_LABEL).map(String::as_str), Some(test));
    let back = engine
        .create_network(&NetworkCreate { name: unique(test, "back"), labels: labels(test), internal: true, ..Default::default() })
        .await
        .unwrap();
    let listed = engine
        .list_networks(&ListOptions { filters: Filters::new().label(format!("{TEST_LABEL}={test}")) })
        .await
        .unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(engine.inspect_network(&back).await.unwrap().internal);

    let mut s = spec(test, "web", &["sleep", "3600"]);
    s.host_config.network_mode = Some(unique(test, "front"));
    s.networking.endpoints.insert(
        unique(test, "front"),
        EndpointConfig { aliases: vec!["web".into()], ipv4_address: Some(format!("10.231.{octet}.10")), ..Default::default() },
    );
    let id = engine.create_container(&s).await.unwrap().id;
    engine.start_container(&id).await.unwrap();
    let d = engine.inspect_container(&id).await.unwrap();
    let ep = d.network_settings.networks.get(&unique(test, "front")).expect("attached to front");
    assert_eq!(ep.network_id, endpoint_network_id(&*engine, &front, &unique(test, "front")));
    assert_eq!(ep.ip_address.as_deref(), Some(format!("10.231.{octet}.10").as_str()));
    assert!(ep.aliases.contains(&"web".to_owned()), "{:?}", ep.aliases);

    engine
        .connect_network(&back, &NetworkConnect { container: id.clone(), endpoint: EndpointConfig { aliases: vec!["api".into()], ..Default::default() } })
        .await
        .unwrap();
    let d = engine.inspect_container(&id).await.unwrap();
    assert_eq!(d.network_settings.networks.len(), 2, "{:?}", d.network_settings.networks.keys());
    let n = engine.inspect_network(&back).await.unwrap();
    assert!(n.containers.contains_key(&id), "{:?}", n.containers);

    // A network with a running container attached cannot be removed.
    let err = engine.remove_network(&back).await.unwrap_err();
    assert!(matches!(err.status(), Some(403 | 409)), "{err:?}");

    engine.disconnect_network(&back, &id, false).await.unwrap();
    let d = engine.inspect_container(&id).await.unwrap();
    assert_eq!(d.network_settings.networks.len(), 1);

    engine.remove_container(&id, &RemoveOptions { force: true, ..Default::default() }).await.unwrap();
    engine.remove_network(&back).await.unwrap();
    engine.remove_network(&front).await.unwrap();
    let err = engine.inspect_network(&front).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn volumes(engine: Arc<dyn Engine>, test: &str) {
    let name = unique(test, "data");
    let v = engine
        .create_volume(&VolumeCreate { name: name.clone(), driver: None, driver_opts: BTreeMap::new(), labels: labels(test) })
        .await
        .unwrap();
    assert_eq!(v.name, name);
    assert_eq!(v.driver, "local");
    assert_eq!(v.labels.get(TEST_LABEL).map(String::as_str), Some(test));
    // Creating it again returns the same volume.
    let again = engine
        .create_volume(&VolumeCreate { name: name.clone(), labels: labels(test), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(again.name, name);

    let filters = Filters::new().label(format!("{TEST_LABEL}={test}"));
    let listed = engine.list_volumes(&ListOptions { filters: filters.clone() }).await.unwrap();
    assert_eq!(listed.iter().map(|v| v.name.clone()).collect::<Vec<_>>(), vec![name.clone()]);
    assert_eq!(engine.inspect_volume(&name).await.unwrap().name, name);

    // In use by a container: removal is refused.
    let mut s = spec(test, "user", &["true"]);
    s.host_config.binds = vec![format!("{name}:/data")];
    let id = engine.create_container(&s).await.unwrap().id;
    let err = engine.remove_volume(&name, false).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    let d = engine.inspect_container(&id).await.unwrap();
    assert!(d.mounts.iter().any(|m| m.name.as_deref() == Some(name.as_str()) && m.destination == "/data"), "{:?}", d.mounts);
    engine.remove_container(&id, &RemoveOptions::default()).await.unwrap();

    engine.remove_volume(&name, false).await.unwrap();
    assert!(engine.list_volumes(&ListOptions { filters }).await.unwrap().is_empty());
    let err = engine.remove_volume(&name, false).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = engine.inspect_volume(&name).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn logs_stream(engine: Arc<dyn Engine>, test: &str) {
    let s = spec(test, "l", &["sh", "-c", "echo out1; echo err1 >&2; echo out2"]);
    let id = run_to_exit(&*engine, &s).await;
    let frames: Vec<LogFrame> = within("logs", engine.logs(&id, &LogsOptions::default()).try_collect()).await.unwrap();
    assert_eq!(text(&frames, OutputStream::Stdout), "out1\nout2\n");
    assert_eq!(text(&frames, OutputStream::Stderr), "err1\n");

    let only_out = LogsOptions { stderr: false, ..Default::default() };
    let frames: Vec<LogFrame> = within("logs stdout", engine.logs(&id, &only_out).try_collect()).await.unwrap();
    assert_eq!(text(&frames, OutputStream::Stdout), "out1\nout2\n");
    assert!(text(&frames, OutputStream::Stderr).is_empty());

    // Tail counts lines of the whole log (one stream here: the order across streams is not
    // deterministic on a real engine).
    let lines = run_to_exit(&*engine, &spec(test, "t", &["sh", "-c", "echo one; echo two; echo three"])).await;
    let tail = LogsOptions { tail: Some(2), ..Default::default() };
    let frames: Vec<LogFrame> = within("logs tail", engine.logs(&lines, &tail).try_collect()).await.unwrap();
    assert_eq!(text(&frames, OutputStream::Stdout), "two\nthree\n");

    let stamped = LogsOptions { timestamps: true, stderr: false, ..Default::default() };
    let frames: Vec<LogFrame> = within("logs timestamps", engine.logs(&id, &stamped).try_collect()).await.unwrap();
    let out = text(&frames, OutputStream::Stdout);
    let first = out.lines().next().unwrap_or_default();
    let (stamp, rest) = first.split_once(' ').unwrap_or_default();
    assert!(stamp.ends_with('Z') && stamp.contains('T'), "{first:?}");
    assert_eq!(rest, "out1");

    let err = within("logs missing", engine.logs("berth-ct-no-such-container", &LogsOptions::default()).try_collect::<Vec<_>>())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn logs_follow_ends_with_container(engine: Arc<dyn Engine>, test: &str) {
    let s = spec(test, "f", &["sh", "-c", "echo a; sleep 1; echo b"]);
    let id = engine.create_container(&s).await.unwrap().id;
    engine.start_container(&id).await.unwrap();
    let follow = LogsOptions { follow: true, ..Default::default() };
    let frames: Vec<LogFrame> = within("logs --follow", engine.logs(&id, &follow).try_collect()).await.unwrap();
    assert_eq!(text(&frames, OutputStream::Stdout), "a\nb\n");
}

async fn exec_exit_code(engine: Arc<dyn Engine>, test: &str) {
    let id = engine.create_container(&spec(test, "e", &["sleep", "3600"])).await.unwrap().id;
    engine.start_container(&id).await.unwrap();
    let exec = engine
        .create_exec(
            &id,
            &ExecConfig {
                cmd: vec!["sh".into(), "-c".into(), "echo hi; echo $FOO >&2; exit 7".into()],
                env: vec!["FOO=bar".into()],
                attach_stdout: true,
                attach_stderr: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let ExecStarted::Attached(io) = engine.start_exec(&exec, &ExecStartOptions::default()).await.unwrap() else {
        panic!("expected attached streams");
    };
    let frames: Vec<LogFrame> = within("exec output", io.output.try_collect()).await.unwrap();
    assert_eq!(text(&frames, OutputStream::Stdout), "hi\n");
    // The fake interpreter does not expand variables; the engine's shell does.
    let err_text = text(&frames, OutputStream::Stderr);
    assert!(err_text == "bar\n" || err_text == "$FOO\n", "{err_text:?}");
    let details = within("exec exit", async {
        loop {
            let d = engine.inspect_exec(&exec).await.unwrap();
            if !d.running {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert_eq!(details.exit_code, Some(7));
    assert_eq!(details.container_id, id);

    // Detached execs run in the background.
    let exec = engine
        .create_exec(&id, &ExecConfig { cmd: vec!["true".into()], ..Default::default() })
        .await
        .unwrap();
    let started = engine.start_exec(&exec, &ExecStartOptions { detach: true, ..Default::default() }).await.unwrap();
    assert!(matches!(started, ExecStarted::Detached));
    let err = engine.inspect_exec("berth-ct-no-such-exec").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn exec_needs_running_container(engine: Arc<dyn Engine>, test: &str) {
    let id = engine.create_container(&spec(test, "x", &["sleep", "3600"])).await.unwrap().id;
    let err = engine
        .create_exec(&id, &ExecConfig { cmd: vec!["true".into()], ..Default::default() })
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
}

async fn events_see_start_and_die(engine: Arc<dyn Engine>, test: &str) {
    let since = now_secs() - 1;
    let options = EventOptions {
        since: Some(since),
        until: None,
        filters: Filters::new().with("type", "container").label(format!("{TEST_LABEL}={test}")),
    };
    let mut events = engine.events(&options);
    let s = spec(test, "ev", &["sh", "-c", "exit 3"]);
    let id = run_to_exit(&*engine, &s).await;
    let mut seen = Vec::new();
    within("die event", async {
        while let Some(ev) = events.next().await {
            let ev = ev.unwrap();
            assert_eq!(ev.attributes.get(TEST_LABEL).map(String::as_str), Some(test));
            // The removal of a container an interrupted earlier run left (`cleanup`) can be
            // announced within the second replayed.
            if ev.actor_id != id {
                continue;
            }
            assert_eq!(ev.attributes.get("name"), Some(&unique(test, "ev")));
            assert!(ev.time() >= since, "{ev:?}");
            let die = ev.action == "die";
            if die {
                assert_eq!(ev.exit_code(), Some(3), "{ev:?}");
            }
            // Podman also announces the runtime's preparation of the container (`init`).
            if !(engine.capabilities().is_podman && ev.action == "init") {
                seen.push(ev.action.clone());
            }
            if die {
                break;
            }
        }
    })
    .await;
    assert_eq!(seen, vec!["create", "start", "die"]);
}

async fn wait_returns_exit_code(engine: Arc<dyn Engine>, test: &str) {
    let id = engine.create_container(&spec(test, "w", &["sh", "-c", "sleep 1; exit 5"])).await.unwrap().id;
    engine.start_container(&id).await.unwrap();
    let r = within("wait", engine.wait_container(&id, WaitCondition::NotRunning)).await.unwrap();
    assert_eq!(r.status_code, 5);
    assert_eq!(engine.inspect_container(&id).await.unwrap().state.exit_code, 5);
    // Already stopped: returns at once with the same code.
    let r = within("wait again", engine.wait_container(&id, WaitCondition::NotRunning)).await.unwrap();
    assert_eq!(r.status_code, 5);
    let ok = run_to_exit(&*engine, &spec(test, "ok", &["true"])).await;
    assert_eq!(engine.inspect_container(&ok).await.unwrap().state.exit_code, 0);
    let err = engine.wait_container("berth-ct-no-such-container", WaitCondition::NotRunning).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn archive_put_get(engine: Arc<dyn Engine>, test: &str) {
    let id = engine.create_container(&spec(test, "cp", &["sleep", "3600"])).await.unwrap().id;
    let mut tar = TarBuilder::new();
    tar.dir("d").unwrap();
    tar.append(&TarEntry::file("d/f.txt", b"hello archive\n".to_vec()).with_mode(0o640)).unwrap();
    engine
        .archive_put(&id, "/tmp", bytes_stream(tar.finish()), &ArchivePutOptions::default())
        .await
        .unwrap();

    let stat = engine.archive_stat(&id, "/tmp/d/f.txt").await.unwrap();
    assert_eq!(stat.name, "f.txt");
    assert_eq!(stat.size, 14);
    let dir = engine.archive_stat(&id, "/tmp/d").await.unwrap();
    assert_ne!(dir.mode & (1 << 31), 0, "directory bit: {:o}", dir.mode);

    let chunks: Vec<bytes::Bytes> = within("archive get", engine.archive_get(&id, "/tmp/d/f.txt").try_collect()).await.unwrap();
    let entries = read_tar(&chunks.concat()).unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].path, "f.txt");
    assert_eq!(entries[0].data, b"hello archive\n");
    assert_eq!(entries[0].mode & 0o777, 0o640);

    let chunks: Vec<bytes::Bytes> = within("archive get dir", engine.archive_get(&id, "/tmp/d").try_collect()).await.unwrap();
    let mut paths: Vec<String> = read_tar(&chunks.concat()).unwrap().into_iter().map(|e| e.path).collect();
    paths.sort();
    assert_eq!(paths, vec!["d", "d/f.txt"]);

    let err = within("archive get missing", engine.archive_get(&id, "/tmp/missing").try_collect::<Vec<_>>())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = engine.archive_stat(&id, "/tmp/missing").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let put = engine.archive_put(&id, "/no/such/dir", bytes_stream(TarBuilder::new().finish()), &ArchivePutOptions::default()).await;
    if engine.capabilities().is_podman {
        // Podman 4.3 creates the directory (berth's `cp` checks first, as Docker refuses).
        put.unwrap();
        assert!(engine.archive_stat(&id, "/no/such/dir").await.is_ok());
    } else {
        let err = put.unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
    }
}

async fn pause_and_kill(engine: Arc<dyn Engine>, test: &str) {
    let id = engine.create_container(&spec(test, "p", &["sleep", "3600"])).await.unwrap().id;
    let err = engine.pause_container(&id).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    engine.start_container(&id).await.unwrap();
    engine.pause_container(&id).await.unwrap();
    let d = engine.inspect_container(&id).await.unwrap();
    assert_eq!(d.state.status, ContainerStatus::Paused);
    assert!(d.state.paused && d.state.running);
    let err = engine.pause_container(&id).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    engine.unpause_container(&id).await.unwrap();
    assert_eq!(engine.inspect_container(&id).await.unwrap().state.status, ContainerStatus::Running);
    // Docker 20.10 answers 500 here, newer engines 409.
    let err = engine.unpause_container(&id).await.unwrap_err();
    assert!(matches!(err.status(), Some(409 | 500)), "{err:?}");
    assert!(err.to_string().contains("is not paused"), "{err}");

    engine.kill_container(&id, Some("SIGKILL")).await.unwrap();
    let r = within("wait after kill", engine.wait_container(&id, WaitCondition::NotRunning)).await.unwrap();
    assert_eq!(r.status_code, 137);
    let err = engine.kill_container(&id, None).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");

    // restart brings it back.
    engine.restart_container(&id, &StopOptions { timeout: Some(1), signal: None }).await.unwrap();
    assert_eq!(engine.inspect_container(&id).await.unwrap().state.status, ContainerStatus::Running);
    let top = engine.top(&id, None).await.unwrap();
    assert!(!top.titles.is_empty());
    assert!(top.processes.iter().any(|p| p.iter().any(|c| c.contains("sleep"))), "{top:?}");
}

async fn healthcheck_becomes_healthy(engine: Arc<dyn Engine>, test: &str) {
    let mut s = spec(test, "h", &["sleep", "3600"]);
    s.config.healthcheck = Some(HealthConfig {
        test: vec!["CMD-SHELL".into(), "true".into()],
        interval: Some(Duration::from_secs(1)),
        timeout: Some(Duration::from_secs(5)),
        retries: Some(3),
        ..Default::default()
    });
    let since = now_secs() - 1;
    let id = engine.create_container(&s).await.unwrap().id;
    engine.start_container(&id).await.unwrap();
    if engine.capabilities().is_podman {
        // Podman 4.3 runs health checks from systemd timers only; without systemd the status
        // stays `starting` (berth's waits run the check themselves, see berth-core's wait.rs).
        let d = engine.inspect_container(&id).await.unwrap();
        let h = d.state.health.expect("a container with a health check reports health");
        assert_eq!(h.status, berth_engine::HealthStatus::Starting);
        return;
    }
    let status = within("healthy", async {
        loop {
            let d = engine.inspect_container(&id).await.unwrap();
            let h = d.state.health.expect("a container with a health check reports health");
            if h.status == berth_engine::HealthStatus::Healthy {
                return h.status;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    assert_eq!(status, berth_engine::HealthStatus::Healthy);
    // The change was also announced; replay it from before the container started.
    let options = EventOptions {
        since: Some(since),
        until: None,
        filters: Filters::new().with("event", "health_status").label(format!("{TEST_LABEL}={test}")),
    };
    let mut events = engine.events(&options);
    let ev = within("health event", events.next()).await.expect("an event").unwrap();
    assert_eq!(ev.health_status(), Some(berth_engine::HealthStatus::Healthy));
}

async fn image_tag_and_remove(engine: Arc<dyn Engine>, test: &str) {
    let base = engine.inspect_image(IMAGE).await.unwrap();
    assert!(base.id.starts_with("sha256:"));
    assert_eq!(base.os, "linux");
    let tag = format!("berth-test/busybox:{}", unique(test, "t"));
    engine.tag_image(IMAGE, &tag).await.unwrap();
    assert_eq!(engine.inspect_image(&tag).await.unwrap().id, base.id);
    let listed = engine
        .list_images(&berth_engine::ImageListOptions { all: false, filters: Filters::new().with("reference", tag.clone()) })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].repo_tags.contains(&reported_image(&*engine, &tag)), "{listed:?}");
    let removed = engine.remove_image(&tag, &ImageRemoveOptions::default()).await.unwrap();
    assert_eq!(removed, vec![berth_engine::ImageDeleteItem::Untagged(reported_image(&*engine, &tag))]);
    let err = engine.inspect_image(&tag).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(engine.inspect_image(IMAGE).await.is_ok());
    let err: EngineError = engine.inspect_image("berth-test/never:built").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

async fn multiple_networks_on_create(engine: Arc<dyn Engine>, test: &str) {
    let a = engine
        .create_network(&NetworkCreate { name: unique(test, "a"), labels: labels(test), ..Default::default() })
        .await
        .unwrap();
    let b = engine
        .create_network(&NetworkCreate { name: unique(test, "b"), labels: labels(test), ..Default::default() })
        .await
        .unwrap();
    let mut s = spec(test, "multi", &["sleep", "3600"]);
    s.host_config.network_mode = Some(unique(test, "a"));
    s.networking.endpoints.insert(unique(test, "a"), EndpointConfig { aliases: vec!["first".into()], ..Default::default() });
    s.networking.endpoints.insert(unique(test, "b"), EndpointConfig { aliases: vec!["second".into()], ..Default::default() });
    // Below API 1.44 the engine takes one network at creation; the rest are connected before
    // create_container returns, so the container looks the same either way.
    let id = engine.create_container(&s).await.unwrap().id;
    let d = engine.inspect_container(&id).await.unwrap();
    let mut nets: Vec<&String> = d.network_settings.networks.keys().collect();
    nets.sort();
    assert_eq!(nets, vec![&unique(test, "a"), &unique(test, "b")]);
    assert!(d.network_settings.networks[&unique(test, "b")].aliases.contains(&"second".to_owned()));
    // Endpoints (network id, address) only exist once the container runs.
    assert!(d.network_settings.networks.values().all(|e| e.ip_address.is_none()), "{:?}", d.network_settings.networks);
    engine.start_container(&id).await.unwrap();
    let d = engine.inspect_container(&id).await.unwrap();
    assert!(d.network_settings.networks.values().all(|e| e.ip_address.is_some()), "{:?}", d.network_settings.networks);
    let (name_a, name_b) = (unique(test, "a"), unique(test, "b"));
    assert_eq!(d.network_settings.networks[&name_a].network_id, endpoint_network_id(&*engine, &a, &name_a));
    assert_eq!(d.network_settings.networks[&name_b].network_id, endpoint_network_id(&*engine, &b, &name_b));
    assert!(d.network_settings.networks[&unique(test, "a")].aliases.contains(&"first".to_owned()));
    engine.stop_container(&id, &StopOptions { timeout: Some(0), signal: None }).await.unwrap();
    let d = engine.inspect_container(&id).await.unwrap();
    assert!(d.network_settings.networks.values().all(|e| e.ip_address.is_none()), "{:?}", d.network_settings.networks);
    assert_eq!(d.network_settings.networks[&name_a].network_id, endpoint_network_id(&*engine, &a, &name_a), "the network id stays after stop");
}

async fn start_interval_follows_api_version(engine: Arc<dyn Engine>, test: &str) {
    let mut s = spec(test, "si", &["sleep", "3600"]);
    s.config.healthcheck = Some(HealthConfig {
        test: vec!["CMD".into(), "true".into()],
        start_interval: Some(Duration::from_secs(1)),
        ..Default::default()
    });
    let result = engine.create_container(&s).await;
    if engine.capabilities().supports_healthcheck_start_interval() {
        result.unwrap();
    } else {
        let err = result.unwrap_err();
        assert!(matches!(err, EngineError::Unsupported { .. }), "{err:?}");
        assert!(err.to_string().contains("healthcheck.start_interval"), "{err}");
    }
}

async fn build_then_run(engine: Arc<dyn Engine>, test: &str) {
    let mut ctx = TarBuilder::new();
    ctx.file(
        "Dockerfile",
        format!(
            "FROM {IMAGE}\nARG WHO=nobody\nENV WHO=$WHO\nLABEL {TEST_LABEL}={test}\nWORKDIR /srv\n\
             RUN grep -q 10.9.8.7 /etc/hosts && grep -q 10.9.8.6 /etc/hosts\nCMD [\"sh\", \"-c\", \"echo built\"]\n"
        )
        .as_bytes(),
    )
    .unwrap();
    let tag = format!("berth-test/built:{}", unique(test, "img"));
    let extra = format!("berth-test/built:{}", unique(test, "extra"));
    let options = BuildOptions {
        tags: vec![tag.clone(), extra.clone()],
        build_args: BTreeMap::from([("WHO".to_owned(), "berth".to_owned())]),
        labels: BTreeMap::from([("built.by".to_owned(), "contract".to_owned())]),
        // Several extra hosts need repeated query parameters; the RUN step checks both arrived.
        extra_hosts: vec!["one.test:10.9.8.7".into(), "two.test:10.9.8.6".into()],
        ..Default::default()
    };
    let events: Vec<BuildEvent> = within("build", engine.build_image(&options, bytes_stream(ctx.finish())).try_collect()).await.unwrap();
    let image_id = events
        .iter()
        .find_map(|e| match e {
            BuildEvent::ImageId(id) => Some(id.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no image id in {events:?}"));
    // Docker's classic builder says `Step 1/7 : FROM`, Podman's (buildah) `STEP 1/7: FROM`.
    assert!(events.iter().any(|e| matches!(e, BuildEvent::Output(l) if l.to_lowercase().starts_with("step 1/"))), "{events:?}");
    let img = engine.inspect_image(&tag).await.unwrap();
    assert_eq!(img.id, image_id);
    assert_eq!(engine.inspect_image(&extra).await.unwrap().id, image_id);
    assert_eq!(img.config.labels.get("built.by").map(String::as_str), Some("contract"));
    assert_eq!(img.config.labels.get(TEST_LABEL).map(String::as_str), Some(test));
    assert_eq!(img.config.working_dir, "/srv");
    assert!(img.config.env.contains(&"WHO=berth".to_owned()), "{:?}", img.config.env);

    let mut s = ContainerCreate { name: Some(unique(test, "run")), ..Default::default() };
    s.config.image.clone_from(&tag);
    s.config.labels = labels(test);
    let id = run_to_exit(&*engine, &s).await;
    let frames: Vec<LogFrame> = within("logs", engine.logs(&id, &LogsOptions::default()).try_collect()).await.unwrap();
    assert_eq!(text(&frames, OutputStream::Stdout), "built\n");
    assert_eq!(engine.inspect_container(&id).await.unwrap().config.working_dir.as_deref(), Some("/srv"));
    engine.remove_container(&id, &RemoveOptions::default()).await.unwrap();
    engine.remove_image(&extra, &ImageRemoveOptions::default()).await.unwrap();
    let removed = engine.remove_image(&tag, &ImageRemoveOptions::default()).await.unwrap();
    assert!(removed.contains(&berth_engine::ImageDeleteItem::Untagged(reported_image(&*engine, &tag))), "{removed:?}");

    let mut bad = TarBuilder::new();
    bad.file("Dockerfile", b"FROM berth-test/never:built\n").unwrap();
    let result: Result<Vec<BuildEvent>, EngineError> =
        within("failing build", engine.build_image(&BuildOptions::default(), bytes_stream(bad.finish())).try_collect()).await;
    assert!(result.is_err(), "{result:?}");
}

async fn attach_stdin_and_output(engine: Arc<dyn Engine>, test: &str) {
    use tokio::io::AsyncWriteExt;
    let mut s = spec(test, "cat", &["cat"]);
    s.config.open_stdin = true;
    s.config.stdin_once = true;
    s.config.attach_stdin = true;
    s.config.attach_stdout = true;
    s.config.attach_stderr = true;
    let id = engine.create_container(&s).await.unwrap().id;
    let mut io = engine
        .attach_container(&id, &AttachOptions { stdin: true, stdout: true, stderr: true, stream: true, ..Default::default() })
        .await
        .unwrap();
    engine.start_container(&id).await.unwrap();
    io.input.write_all(b"hello stdin\n").await.unwrap();
    io.input.flush().await.unwrap();
    let mut got = String::new();
    within("echo from cat", async {
        while !got.contains("hello stdin\n") {
            match io.output.next().await {
                Some(Ok(f)) => got.push_str(&String::from_utf8_lossy(&f.data)),
                other => panic!("stream ended early: {other:?} after {got:?}"),
            }
        }
    })
    .await;
    io.input.shutdown().await.unwrap();
    let r = within("cat exits when stdin closes", engine.wait_container(&id, WaitCondition::NotRunning)).await.unwrap();
    assert_eq!(r.status_code, 0);
}

async fn ports_and_stats(engine: Arc<dyn Engine>, test: &str) {
    let mut s = spec(test, "ports", &["sleep", "3600"]);
    s.config.exposed_ports = vec![ContainerPort::tcp(80), ContainerPort::udp(53)];
    s.host_config.port_bindings.insert(
        ContainerPort::tcp(80),
        vec![PortBinding { host_ip: Some("127.0.0.1".into()), host_port: None }],
    );
    let id = engine.create_container(&s).await.unwrap().id;
    // Podman 4.3 chooses the host port at creation and reports it from then on.
    let before_start = engine.port(&id).await.unwrap();
    assert_eq!(before_start.is_empty(), !engine.capabilities().is_podman, "{before_start:?}");
    engine.start_container(&id).await.unwrap();
    let ports = engine.port(&id).await.unwrap();
    assert_eq!(ports.len(), 1, "{ports:?}");
    assert_eq!(ports[0].container, ContainerPort::tcp(80));
    assert_eq!(ports[0].host_ip, "127.0.0.1");
    assert!(ports[0].host_port.parse::<u16>().is_ok_and(|p| p > 0), "{ports:?}");
    let d = engine.inspect_container(&id).await.unwrap();
    assert!(d.network_settings.ports.get(&ContainerPort::udp(53)).is_some_and(Vec::is_empty), "{:?}", d.network_settings.ports);
    let summary = engine
        .list_containers(&ContainerListOptions { all: true, filters: Filters::new().with("id", id.clone()) })
        .await
        .unwrap();
    assert!(summary[0].ports.iter().any(|p| p.private_port == 80 && p.public_port.is_some()), "{:?}", summary[0].ports);

    let stats: Vec<berth_engine::ContainerStats> = within("stats", engine.stats(&id, false).try_collect()).await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].id, id);
    assert!(stats[0].pids >= 1, "{:?}", stats[0]);
}

async fn full_spec_round_trip(engine: Arc<dyn Engine>, test: &str) {
    use berth_engine::{LogConfig, Mount, MountKind, RestartPolicy, RestartPolicyName, TmpfsOptions, Ulimit, VolumeMountOptions};
    let mut s = spec(test, "full", &["sleep", "3600"]);
    s.config.entrypoint = Some(vec!["/bin/sh".into(), "-c".into(), "exec \"$@\"".into(), "--".into()]);
    s.config.hostname = Some("web".into());
    s.config.domainname = Some("example.test".into());
    s.config.user = Some("1000:1000".into());
    s.config.working_dir = Some("/srv/app".into());
    s.config.env = vec!["A=1".into(), "B=two words".into()];
    s.config.stop_signal = Some("SIGINT".into());
    s.config.stop_timeout = Some(3);
    s.config.tty = true;
    s.config.open_stdin = true;
    s.config.exposed_ports = vec![ContainerPort::tcp(80), ContainerPort::udp(53)];
    s.config.healthcheck = Some(HealthConfig {
        test: vec!["CMD-SHELL".into(), "true".into()],
        interval: Some(Duration::from_secs(5)),
        timeout: Some(Duration::from_secs(2)),
        retries: Some(4),
        start_period: Some(Duration::from_secs(1)),
        start_interval: None,
    });
    let h = &mut s.host_config;
    h.port_bindings.insert(ContainerPort::tcp(80), vec![PortBinding { host_ip: Some("127.0.0.1".into()), host_port: Some("18080".into()) }]);
    h.binds = vec![format!("{}:/data:ro", unique(test, "vol"))];
    h.mounts = vec![
        Mount {
            kind: MountKind::Tmpfs,
            target: "/scratch".into(),
            tmpfs: Some(TmpfsOptions { size_bytes: Some(1 << 20), mode: Some(0o1777), options: Vec::new() }),
            ..Default::default()
        },
        Mount {
            kind: MountKind::Volume,
            source: Some(unique(test, "cache")),
            target: "/cache".into(),
            volume: Some(VolumeMountOptions { no_copy: true, labels: labels(test), ..Default::default() }),
            ..Default::default()
        },
    ];
    h.tmpfs = BTreeMap::from([("/run/t".to_owned(), "size=65536".to_owned())]);
    h.dns = vec!["10.0.0.53".into()];
    h.dns_search = vec!["example.test".into()];
    h.dns_options = vec!["ndots:2".into()];
    h.extra_hosts = vec!["db.local:10.0.0.5".into()];
    h.restart_policy = Some(RestartPolicy { name: RestartPolicyName::OnFailure, maximum_retry_count: Some(2) });
    h.init = Some(true);
    h.cap_add = vec!["NET_ADMIN".into()];
    h.cap_drop = vec!["MKNOD".into()];
    h.sysctls = BTreeMap::from([("net.core.somaxconn".to_owned(), "1024".to_owned())]);
    h.ulimits = vec![Ulimit { name: "nofile".into(), soft: 1024, hard: 2048 }];
    h.security_opt = vec!["no-new-privileges:true".into()];
    h.shm_size = Some(64 << 20);
    h.readonly_rootfs = true;
    h.log_config = Some(LogConfig { driver: "json-file".into(), options: BTreeMap::from([("max-size".to_owned(), "1m".to_owned())]) });
    h.resources.memory = Some(64 << 20);
    h.resources.memory_reservation = Some(32 << 20);
    h.resources.nano_cpus = Some(500_000_000);
    h.resources.cpu_shares = Some(512);
    h.resources.pids_limit = Some(100);
    h.oom_score_adj = Some(100);
    h.group_add = vec!["audio".into()];
    h.network_mode = Some("bridge".into());

    let id = engine.create_container(&s).await.unwrap().id;
    let d = engine.inspect_container(&id).await.unwrap();
    let c = &d.config;
    assert_eq!(c.entrypoint, s.config.entrypoint);
    assert_eq!(c.cmd, s.config.cmd);
    assert_eq!(c.hostname.as_deref(), Some("web"));
    // Podman 4.3 drops the domain name.
    let domainname = if engine.capabilities().is_podman { None } else { Some("example.test") };
    assert_eq!(c.domainname.as_deref(), domainname);
    assert_eq!(c.user.as_deref(), Some("1000:1000"));
    assert_eq!(c.working_dir.as_deref(), Some("/srv/app"));
    assert!(c.env.contains(&"B=two words".to_owned()), "{:?}", c.env);
    // Podman 4.3 reports the signal's number.
    let stop_signal = if engine.capabilities().is_podman { "2" } else { "SIGINT" };
    assert_eq!(c.stop_signal.as_deref(), Some(stop_signal));
    assert_eq!(c.stop_timeout, Some(3));
    assert!(c.tty && c.open_stdin);
    assert_eq!(c.exposed_ports, vec![ContainerPort::udp(53), ContainerPort::tcp(80)], "sorted by port");
    assert_eq!(c.healthcheck, s.config.healthcheck);
    let h = &d.host_config;
    let expected = &s.host_config;
    if engine.capabilities().is_podman {
        podman_reports_host_config(h, expected);
    } else {
        assert_eq!(h.port_bindings, expected.port_bindings);
        assert_eq!(h.binds, expected.binds);
        assert_eq!(h.mounts.len(), 2, "{:?}", h.mounts);
        assert_eq!(h.mounts[0].tmpfs, expected.mounts[0].tmpfs);
        assert_eq!(h.mounts[1].source, expected.mounts[1].source);
        assert!(h.mounts[1].volume.as_ref().is_some_and(|v| v.no_copy), "{:?}", h.mounts[1]);
        assert_eq!(h.tmpfs, expected.tmpfs);
        assert_eq!(h.sysctls, expected.sysctls);
        assert_eq!(h.ulimits, expected.ulimits);
        assert_eq!(h.security_opt, expected.security_opt);
        assert_eq!(h.log_config, expected.log_config);
    }
    assert_eq!((&h.dns, &h.dns_search, &h.dns_options), (&expected.dns, &expected.dns_search, &expected.dns_options));
    assert_eq!(h.extra_hosts, expected.extra_hosts);
    assert_eq!(h.restart_policy, expected.restart_policy);
    assert_eq!(h.init, Some(true));
    assert_eq!((&h.cap_add, &h.cap_drop), (&expected.cap_add, &expected.cap_drop));
    assert_eq!(h.shm_size, Some(64 << 20));
    assert!(h.readonly_rootfs);
    assert_eq!(h.resources.memory, Some(64 << 20));
    assert_eq!(h.resources.memory_reservation, Some(32 << 20));
    assert_eq!(h.resources.nano_cpus, Some(500_000_000));
    assert_eq!(h.resources.cpu_shares, Some(512));
    assert_eq!(h.resources.pids_limit, Some(100));
    assert_eq!(h.oom_score_adj, Some(100));
    assert_eq!(h.group_add, vec!["audio"]);
    assert_eq!(h.network_mode.as_deref(), Some("bridge"));
    // The named volumes were created on the way.
    assert!(engine.inspect_volume(&unique(test, "vol")).await.is_ok());
    assert!(engine.inspect_volume(&unique(test, "cache")).await.is_ok());
    engine.remove_container(&id, &RemoveOptions { force: true, volumes: true, link: false }).await.unwrap();
    engine.remove_volume(&unique(test, "vol"), true).await.unwrap();
    engine.remove_volume(&unique(test, "cache"), true).await.unwrap();
}

/// Podman 4.3's inspect of `full_spec_round_trip`'s container: it reports the host settings
/// in its own shape. The settings themselves reach the container (checked by hand: the sysctl
/// and the log options apply).
fn podman_reports_host_config(h: &berth_engine::HostConfig, expected: &berth_engine::HostConfig) {
    // Each exposed port is listed among the bindings too, without a binding.
    let mut bindings = h.port_bindings.clone();
    bindings.retain(|_, b| !b.is_empty());
    assert_eq!(bindings, expected.port_bindings);
    // Volume mounts become binds, each with its mount options; tmpfs mounts become `tmpfs`
    // entries (beside Podman's own `/run`, `/tmp` and `/var/tmp`), with their options.
    assert!(h.mounts.is_empty(), "{:?}", h.mounts);
    let volume = expected.mounts.iter().find_map(|m| m.source.as_ref().map(|source| format!("{source}:{}:rw,", m.target)));
    for bind in expected.binds.iter().map(|b| format!("{b},")).chain(volume) {
        assert!(h.binds.iter().any(|b| b.starts_with(&bind)), "{bind} in {:?}", h.binds);
    }
    for (path, options) in &expected.tmpfs {
        assert!(h.tmpfs.get(path).is_some_and(|o| o.starts_with(options.as_str())), "{path} in {:?}", h.tmpfs);
    }
    assert!(h.tmpfs.get("/scratch").is_some_and(|o| o.starts_with("size=1048576,mode=1777,")), "{:?}", h.tmpfs);
    // Neither sysctls nor log options are reported; ulimits are named as the kernel names them.
    assert!(h.sysctls.is_empty(), "{:?}", h.sysctls);
    assert!(h.log_config.as_ref().is_some_and(|l| l.driver == "json-file" && l.options.is_empty()), "{:?}", h.log_config);
    assert!(h.ulimits.iter().any(|u| (u.name.as_str(), u.soft, u.hard) == ("RLIMIT_NOFILE", 1024, 2048)), "{:?}", h.ulimits);
    assert_eq!(h.security_opt, ["no-new-privileges"]);
}
