//! End to end on a real single-node swarm: the demo web app (Flask replicas counting in one
//! Redis, behind nginx) deployed, healed, scaled, rolled, rolled back and removed by berth;
//! the same file through `docker stack deploy`; and a file only berth can deploy.
//!
//! Each test takes the swarm for itself: it makes the engine a single-node swarm manager when
//! it is not one (and leaves the swarm again at the end), and removes its stacks whatever
//! happens. This kernel has no IPVS, so every service uses `endpoint_mode: dnsrr` and the
//! proxy publishes its port in host mode. Runs when a Docker engine answers; without one it
//! says SKIPPED, or fails when `BERTH_REQUIRE_ENGINE=1`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use berth_engine::{ConnectOptions, DockerEngine, Engine, Filters, ListOptions, SwarmState, TaskDetails};
use berth_spec::discovery::ProjectOptions;
use berth_spec::environment::Environment;
use berth_stack::convert::{convert, StackSpec};
use berth_stack::deploy::{deploy, DeployOptions, ResolveImage};
use berth_stack::names::Namespace;
use berth_stack::remove::remove_stacks;
use berth_stack::{query, StackEvent};
use tokio::sync::{Mutex, MutexGuard};

/// One test at a time owns the swarm.
fn swarm_lock() -> &'static Mutex<()> {
    static LOCK: OnceLock<Mutex<()>> = OnceLock::new();
    LOCK.get_or_init(|| Mutex::new(()))
}

struct Swarm {
    engine: DockerEngine,
    joined_here: bool,
    stacks: Vec<String>,
    _turn: MutexGuard<'static, ()>,
}

impl Swarm {
    /// The engine as a swarm manager, or `None` (SKIPPED) when no engine answers.
    async fn take() -> Option<Swarm> {
        let turn = swarm_lock().lock().await;
        let required = std::env::var("BERTH_REQUIRE_ENGINE").is_ok_and(|v| v == "1");
        let engine = match DockerEngine::connect(&ConnectOptions::default()).await {
            Ok(e) if e.ping().await.is_ok() => e,
            Ok(_) | Err(_) if required => panic!("a Docker engine is required (BERTH_REQUIRE_ENGINE=1)"),
            _ => {
                eprintln!("SKIPPED: no Docker engine answers; set BERTH_REQUIRE_ENGINE=1 to make this a failure");
                return None;
            }
        };
        let mut info = engine.info().await.expect("engine info");
        if info.is_podman {
            eprintln!("SKIPPED: the engine is Podman, which has no swarm mode");
            return None;
        }
        // A daemon restarted with a swarm it had before (a machine that kept /var/lib/docker)
        // reports "pending" until its raft store is back: give it time to settle.
        let settle = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !matches!(info.swarm, SwarmState::Inactive) && !info.swarm_manager && std::time::Instant::now() < settle {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            info = engine.info().await.expect("engine info");
        }
        let joined_here = match info.swarm {
            SwarmState::Inactive => {
                engine.swarm_init(Some("127.0.0.1")).await.expect("swarm init");
                true
            }
            _ if info.swarm_manager => false,
            other => {
                // A swarm this engine cannot manage (left over, in error or locked) is of no use
                // to anyone on a test machine: start a fresh one-node swarm.
                eprintln!("the engine is in swarm state {other:?} without being a manager: leaving it and starting a new one");
                engine.swarm_leave(true).await.expect("leaving the unusable swarm");
                engine.swarm_init(Some("127.0.0.1")).await.expect("swarm init");
                true
            }
        };
        Some(Swarm { engine, joined_here, stacks: Vec::new(), _turn: turn })
    }

    /// Removes the test's stacks and, when the test made the swarm, leaves it.
    /// Makes `name` this test's stack: what a killed earlier run left under that name goes
    /// first, and the stack is removed when the test finishes.
    async fn own(&mut self, name: &str) {
        if let Err(e) = remove_stacks(&self.engine, &[name.to_owned()], true, &|_| {}).await {
            eprintln!("removing what an earlier run left of stack {name}: {e}");
        }
        self.stacks.push(name.to_owned());
    }

    async fn finish(self) {
        let removed = remove_stacks(&self.engine, &self.stacks, true, &|_| {}).await;
        if let Err(e) = removed {
            eprintln!("cleanup: {e}");
        }
        if self.joined_here {
            if let Err(e) = self.engine.swarm_leave(true).await {
                eprintln!("cleanup: leaving the swarm: {e}");
            }
        }
    }
}

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata").join(name)
}

/// Loads and converts `files` (in `dir`) as stack `name` with `vars` as the environment.
fn load(dir: &Path, files: &[&str], name: &str, vars: &[(&str, &str)]) -> Result<StackSpec, String> {
    let mut env = Environment::new();
    for (k, v) in vars {
        env.insert(*k, *v);
    }
    let opts = ProjectOptions {
        files: files.iter().map(|f| dir.join(f).to_string_lossy().into_owned()).collect(),
        cwd: dir.to_path_buf(),
        env,
        ..Default::default()
    };
    let loaded = berth_stack::load_project(&opts, name).map_err(|e| e.to_string())?;
    convert(&loaded.project, &Namespace::new(name), &|p| std::fs::read(p)).map_err(|e| e.to_string())
}

fn waiting() -> DeployOptions {
    DeployOptions { resolve_image: ResolveImage::Never, detach: false, ..Default::default() }
}

/// Runs `deploy` and collects its warnings.
async fn deploy_stack(engine: &dyn Engine, stack: &StackSpec, options: &DeployOptions) -> Result<Vec<String>, String> {
    let warnings = std::sync::Mutex::new(Vec::new());
    let report = |e: StackEvent| {
        if let StackEvent::Warning(w) = e {
            warnings.lock().expect("lock").push(w);
        }
    };
    let result = tokio::time::timeout(Duration::from_mins(4), deploy(engine, stack, options, &report)).await;
    match result {
        Err(_) => Err("deploy did not finish in 240s".to_owned()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(_)) => Ok(warnings.into_inner().expect("lock")),
    }
}

/// `GET /` on the proxy's host port: the body, or why not.
fn get(port: u16) -> Result<String, String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n").map_err(|e| e.to_string())?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(|e| e.to_string())?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| format!("no HTTP answer: {text:?}"))?;
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        return Err(format!("{}: {body}", head.lines().next().unwrap_or_default()));
    }
    Ok(body.to_owned())
}

/// The visit count in the app's answer ("... visited 7 times.").
fn visits(body: &str) -> Option<u64> {
    body.split_whitespace().rev().nth(1).and_then(|n| n.parse().ok())
}

/// `count` requests through the proxy (retrying while it comes up); the visit counts seen.
async fn requests(port: u16, count: usize) -> Result<Vec<u64>, String> {
    let mut seen = Vec::new();
    let mut failures = 0;
    while seen.len() < count {
        match tokio::task::spawn_blocking(move || get(port)).await.map_err(|e| e.to_string())? {
            Ok(body) => seen.push(visits(&body).ok_or_else(|| format!("unexpected answer {body:?}"))?),
            Err(e) => {
                failures += 1;
                if failures > 60 {
                    return Err(format!("the proxy does not answer: {e}"));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    Ok(seen)
}

async fn tasks_of(engine: &dyn Engine, service: &str) -> Vec<TaskDetails> {
    let filters = Filters::new().with("service", service.to_owned());
    engine.list_tasks(&ListOptions { filters }).await.expect("tasks")
}

async fn running_tasks(engine: &dyn Engine, service: &str) -> Vec<TaskDetails> {
    tasks_of(engine, service).await.into_iter().filter(|t| t.desired_state == "running" && t.state == "running").collect()
}

/// How many of the service's running containers logged a `GET /`.
async fn replicas_that_answered(engine: &dyn Engine, service: &str) -> usize {
    let mut answered = 0;
    for t in running_tasks(engine, service).await {
        let Some(container) = t.container_id else { continue };
        let out = Command::new("docker").args(["logs", &container]).output();
        if let Ok(out) = out {
            let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
            if text.contains("GET / ") {
                answered += 1;
            }
        }
    }
    answered
}

/// Polls `check` every half second for up to `secs`.
async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..secs * 2 {
        if check().await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("timed out waiting until {what}"))
}

fn check(cond: bool, what: impl Into<String>) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(what.into())
    }
}

/// Requests through the proxy reach several replicas and count in one Redis.
async fn serves_from_several_replicas(engine: &dyn Engine, port: u16, web: &str) -> Result<(), String> {
    let seen = requests(port, 40).await?;
    check(seen.windows(2).all(|w| w[1] > w[0]), format!("one counter counts every visit: {seen:?}"))?;
    let answered = replicas_that_answered(engine, web).await;
    check(answered >= 2, format!("requests reached {answered} replica(s) of {web}, not several"))
}

/// Which tool deploys the scenario's files.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tool {
    Berth,
    Docker,
}

/// Deploys `files` of `dir` as stack `name` with `vars`, waiting for convergence: berth's
/// warnings, or why the deploy failed.
async fn deploy_with(
    tool: Tool,
    engine: &dyn Engine,
    dir: &Path,
    files: &[&str],
    name: &str,
    vars: &[(&str, &str)],
) -> Result<Vec<String>, String> {
    match tool {
        Tool::Berth => deploy_stack(engine, &load(dir, files, name, vars)?, &waiting()).await,
        Tool::Docker => {
            let mut args = vec!["stack", "deploy", "--detach=false", "--resolve-image=never"];
            for f in files {
                args.extend(["-c", f]);
            }
            args.push(name);
            let (dir, args, vars): (PathBuf, Vec<String>, Vec<(String, String)>) = (
                dir.to_path_buf(),
                args.iter().map(|a| (*a).to_owned()).collect(),
                vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            );
            let (ok, out) = tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                docker(&dir, &args, &vars)
            })
            .await
            .map_err(|e| e.to_string())?;
            if ok {
                Ok(Vec::new())
            } else {
                Err(format!("docker stack deploy: {out}"))
            }
        }
    }
}

const BERTH_PORT: u16 = 38081;
const DOCKER_PORT: u16 = 38082;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_app_heals_scales_rolls_and_rolls_back_on_the_swarm() {
    run_web_app(Tool::Berth, "berthe2e", BERTH_PORT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_web_app_scenario_through_docker_stack_deploy() {
    run_web_app(Tool::Docker, "berthe2edocker", DOCKER_PORT).await;
}

async fn run_web_app(tool: Tool, name: &str, port: u16) {
    let Some(mut swarm) = Swarm::take().await else { return };
    if tool == Tool::Docker && !docker(Path::new("."), &["version"], &[]).0 {
        swarm.finish().await;
        panic!("the docker CLI is needed to compare with docker stack deploy");
    }
    swarm.own(name).await;
    let result = web_app_scenario(tool, &swarm.engine, name, port).await;
    let tag = swarm.engine.remove_image("berth-test/debian:stack-e2e", &berth_engine::ImageRemoveOptions::default()).await;
    if let Err(e) = tag {
        eprintln!("cleanup: untagging: {e}");
    }
    swarm.finish().await;
    if let Err(e) = result {
        panic!("{tool:?}: {e}");
    }
}

async fn web_app_scenario(tool: Tool, engine: &DockerEngine, name: &str, port: u16) -> Result<(), String> {
    let dir = testdata("webapp");
    let port_text = port.to_string();
    let deploy_files = |files: &'static [&'static str], extra: &'static [(&'static str, &'static str)]| {
        let mut vars = vec![("PROXY_PORT", port_text.as_str())];
        vars.extend_from_slice(extra);
        let dir = dir.clone();
        async move { deploy_with(tool, engine, &dir, files, name, &vars).await }
    };
    let web = format!("{name}_web");

    // Deploy: the stack converges, and requests reach several replicas sharing one counter.
    let warnings = deploy_files(&["compose.yaml"], &[]).await?;
    check(warnings.is_empty(), format!("no warnings for a swarm-ready file: {warnings:?}"))?;
    check(running_tasks(engine, &web).await.len() == 3, "three web replicas run")?;
    serves_from_several_replicas(engine, port, &web).await?;
    if tool == Tool::Docker {
        same_specs_as_berth(engine, &dir, name, &[("PROXY_PORT", port_text.as_str())]).await?;
    }

    // A killed task is replaced.
    let victim = running_tasks(engine, &web).await.into_iter().next().ok_or("a web task")?;
    let container = victim.container_id.clone().ok_or("the task's container")?;
    engine.kill_container(&container, None).await.map_err(|e| e.to_string())?;
    eventually(90, "the killed task is replaced", || async {
        let running = running_tasks(engine, &web).await;
        running.len() == 3 && running.iter().all(|t| t.id != victim.id)
    })
    .await?;

    // Redeploying with more replicas scales.
    deploy_files(&["compose.yaml"], &[("WEB_REPLICAS", "4")]).await?;
    check(running_tasks(engine, &web).await.len() == 4, "four web replicas after scaling")?;

    // Redeploying a new image rolls every task, starting each new one before stopping the old.
    engine.tag_image("berth-test/debian:bookworm", "berth-test/debian:stack-e2e").await.map_err(|e| e.to_string())?;
    let before: BTreeSet<String> = running_tasks(engine, &web).await.into_iter().map(|t| t.id).collect();
    deploy_files(&["compose.yaml"], &[("WEB_REPLICAS", "4"), ("WEB_IMAGE", "berth-test/debian:stack-e2e")]).await?;
    let after = running_tasks(engine, &web).await;
    check(after.len() == 4, "four web replicas after the roll")?;
    check(
        after.iter().all(|t| t.image.starts_with("berth-test/debian:stack-e2e") && !before.contains(&t.id)),
        "every task runs the new image",
    )?;
    let all = tasks_of(engine, &web).await;
    for new in &after {
        let old = all
            .iter()
            .find(|t| t.slot == new.slot && before.contains(&t.id))
            .ok_or_else(|| format!("the task slot {:?} replaced", new.slot))?;
        let when = |t: &TaskDetails| berth_stack::time::parse_rfc3339(&t.timestamp);
        check(
            old.desired_state == "shutdown" && when(old) >= when(new),
            format!(
                "start-first: slot {:?}'s old task ({}, {}) stopped after the new one ran ({})",
                new.slot, old.state, old.timestamp, new.timestamp
            ),
        )?;
    }
    serves_from_several_replicas(engine, port, &web).await?;

    // A broken update rolls back. berth's wait fails; the docker CLI's reports success.
    let broken = deploy_files(
        &["compose.yaml", "broken.yaml"],
        &[("WEB_REPLICAS", "4"), ("WEB_IMAGE", "berth-test/debian:stack-e2e")],
    )
    .await;
    match tool {
        Tool::Berth => {
            let err = broken.err().unwrap_or_default();
            check(err.contains(&format!("service {web}: update rolled back")), format!("the wait reports the rollback: {err:?}"))?;
        }
        Tool::Docker => check(broken.is_ok(), format!("docker's wait ends without an error: {broken:?}"))?,
    }
    let service = engine.inspect_service(&web).await.map_err(|e| e.to_string())?;
    check(service.update_state.as_deref() == Some("rollback_completed"), "the swarm rolled back")?;
    check(
        service.spec.container.args.as_deref() == Some(&["python3".to_owned(), "/app/app.py".to_owned()][..]),
        "the previous command is back",
    )?;
    requests(port, 5).await?;

    // stack rm removes services, networks, secrets and configs, and waits for them.
    let by_stack = ListOptions { filters: Filters::new().label(format!("com.docker.stack.namespace={name}")) };
    check(engine.list_secrets(&by_stack).await.map_err(|e| e.to_string())?.len() == 1, "the stack has its secret")?;
    check(engine.list_configs(&by_stack).await.map_err(|e| e.to_string())?.len() == 2, "the stack has its configs")?;
    remove_stacks(engine, &[name.to_owned()], true, &|_| {}).await.map_err(|e| e.to_string())?;
    check(engine.list_services(&by_stack).await.map_err(|e| e.to_string())?.is_empty(), "no services left")?;
    check(engine.list_networks(&by_stack).await.map_err(|e| e.to_string())?.is_empty(), "no networks left")?;
    check(engine.list_configs(&by_stack).await.map_err(|e| e.to_string())?.is_empty(), "no configs left")?;
    check(engine.list_secrets(&by_stack).await.map_err(|e| e.to_string())?.is_empty(), "no secrets left")?;
    Ok(())
}

/// Runs `docker` with `args` in `dir` and `env`: success and combined output.
fn docker(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new("docker");
    cmd.args(args).current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    match cmd.output() {
        Ok(out) => (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)),
        Err(e) => (false, format!("cannot run docker: {e}")),
    }
}

/// berth reads docker's stack as its own, and converts the file to the service specs docker
/// made.
async fn same_specs_as_berth(engine: &DockerEngine, dir: &Path, name: &str, env: &[(&str, &str)]) -> Result<(), String> {
    // berth reads docker's stack the same way it reads its own.
    let stacks = query::list_stacks(engine).await.map_err(|e| e.to_string())?;
    check(stacks.iter().any(|s| s.name == name && s.services == 3), format!("stack ls sees docker's stack: {stacks:?}"))?;

    // And berth's conversion of the file gives the service specs docker made.
    let ours = load(dir, &["compose.yaml"], name, env)?;
    for plan in &ours.services {
        let theirs = engine.inspect_service(&plan.spec.name).await.map_err(|e| e.to_string())?.spec;
        let mut mine = plan.spec.clone();
        // Ids exist only once created; bind options are a berth addition (create_host_path).
        for (a, b) in mine.container.configs.iter_mut().zip(&theirs.container.configs) {
            a.id.clone_from(&b.id);
            a.name.clone_from(&b.name);
        }
        check(mine.labels == theirs.labels, format!("{}: labels {:?} vs docker's {:?}", mine.name, mine.labels, theirs.labels))?;
        check(mine.container.labels == theirs.container.labels, format!("{}: container labels", mine.name))?;
        // The swarm keeps network ids; name them again.
        let mut their_networks = theirs.networks.clone();
        for n in &mut their_networks {
            n.target = engine.inspect_network(&n.target).await.map_err(|e| e.to_string())?.name;
        }
        check(mine.networks == their_networks, format!("{}: networks {:?} vs docker's {:?}", mine.name, mine.networks, their_networks))?;
        check(mine.mode == theirs.mode, format!("{}: mode", mine.name))?;
        check(mine.endpoint == theirs.endpoint, format!("{}: endpoint {:?} vs docker's {:?}", mine.name, mine.endpoint, theirs.endpoint))?;
        let update = |u: &Option<berth_engine::UpdateConfig>| {
            u.as_ref().map(|u| (u.parallelism, u.order.clone(), u.failure_action.clone(), u.monitor))
        };
        check(update(&mine.update_config) == update(&theirs.update_config), format!("{}: update config", mine.name))?;
        check(mine.container.env == theirs.container.env, format!("{}: environment", mine.name))?;
        check(mine.container.args == theirs.container.args, format!("{}: args", mine.name))?;
        // bollard reads the health check under the wrong key (`HealthCheck`), so ask docker.
        let (ok, json) = docker(dir, &["service", "inspect", "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Healthcheck}}", &mine.name], &[]);
        let theirs_hc: serde_json::Value = serde_json::from_str(json.trim()).map_err(|e| format!("{e}: {json}"))?;
        let nanos = |d: Option<Duration>| d.map_or(serde_json::Value::Null, |d| serde_json::json!(d.as_nanos()));
        let mine_hc = mine.container.healthcheck.as_ref().map_or(serde_json::Value::Null, |h| {
            serde_json::json!({"Test": h.test, "Interval": nanos(h.interval), "Timeout": nanos(h.timeout), "StartPeriod": nanos(h.start_period), "Retries": h.retries})
        });
        let theirs_hc = if theirs_hc.is_null() {
            theirs_hc
        } else {
            let pick = |k: &str| theirs_hc.get(k).cloned().unwrap_or(serde_json::Value::Null);
            serde_json::json!({"Test": pick("Test"), "Interval": pick("Interval"), "Timeout": pick("Timeout"), "StartPeriod": pick("StartPeriod"), "Retries": pick("Retries")})
        };
        check(ok && mine_hc == theirs_hc, format!("{}: healthcheck {mine_hc} vs docker's {theirs_hc}", mine.name))?;
        check(mine.container.configs == theirs.container.configs, format!("{}: config targets", mine.name))?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_only_berth_accepts_deploys_with_env_include_extends_depends_on_and_reset() {
    let Some(mut swarm) = Swarm::take().await else { return };
    let name = "berthe2eonly";
    swarm.own(name).await;
    let result = berth_only_scenario(&swarm.engine, name).await;
    swarm.finish().await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn berth_only_scenario(engine: &DockerEngine, name: &str) -> Result<(), String> {
    let dir = testdata("berth-only");
    let (ok, out) = docker(&dir, &["stack", "deploy", "--detach=true", "-c", "compose.yaml", name], &[]);
    check(!ok, format!("docker stack deploy refuses the file, but it said: {out}"))?;
    let by_stack = ListOptions { filters: Filters::new().label(format!("com.docker.stack.namespace={name}")) };
    check(engine.list_services(&by_stack).await.map_err(|e| e.to_string())?.is_empty(), "docker created nothing")?;

    // berth reads `.env` from the project directory, like `berth up`.
    let opts = ProjectOptions {
        files: vec![dir.join("compose.yaml").to_string_lossy().into_owned()],
        cwd: dir.clone(),
        ..Default::default()
    };
    let loaded = berth_stack::load_project(&opts, name).map_err(|e| e.to_string())?;
    let stack = convert(&loaded.project, &Namespace::new(name), &|p| std::fs::read(p)).map_err(|e| e.to_string())?;
    let warnings = deploy_stack(engine, &stack, &waiting()).await?;
    check(
        warnings.iter().any(|w| w.contains("depends_on (app)")),
        format!("one warning names what Swarm ignores: {warnings:?}"),
    )?;
    let app = engine.inspect_service(&format!("{name}_app")).await.map_err(|e| e.to_string())?;
    check(running_tasks(engine, &app.id).await.len() == 2, "APP_REPLICAS from .env: two app tasks")?;
    check(app.spec.container.image == "berth-test/busybox:latest", "APP_IMAGE from .env")?;
    check(app.spec.endpoint.ports.is_empty(), "!reset cleared the ports extends brought in")?;
    check(app.spec.container.labels.get("role").map(String::as_str) == Some("app"), "extends brought the labels")?;
    let db = engine.inspect_service(&format!("{name}_db")).await.map_err(|e| e.to_string())?;
    check(running_tasks(engine, &db.id).await.len() == 1, "the included db runs")?;
    let networks: BTreeMap<String, String> = engine
        .list_networks(&by_stack)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|n| (n.name, n.driver))
        .collect();
    check(networks.get(&format!("{name}_default")).map(String::as_str) == Some("overlay"), format!("one overlay network: {networks:?}"))
}
