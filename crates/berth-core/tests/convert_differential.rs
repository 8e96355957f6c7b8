//! Differential test of the conversion against Docker Compose 2.26.1 on a real engine, for
//! `tests/data/convert/compose.yaml` (a project exercising most attributes).
//!
//! - `specs_match_the_recorded_reference` runs everywhere: berth's specs, with the effects the
//!   daemon adds at creation applied, must equal the reference's containers, networks and
//!   volumes as recorded in `tests/data/convert/expected.json` (`docker inspect` output, made
//!   comparable by `convert_support::view`), and the secret and config files it copies in.
//! - `reference_and_berth_create_the_same_containers` needs the engine and the reference: it
//!   runs `docker compose -p berthconv up --no-start`, inspects everything, checks the recording
//!   is current, removes it all, creates the same project from berth's specs through
//!   `DockerEngine`, and compares both inspects field by field. It fails instead of skipping
//!   when `BERTH_REQUIRE_ENGINE=1` or `CI` is set. `BERTH_RECORD=1` rewrites the recording.

mod convert_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use berth_core::convert::{
    container_create, container_name, effective_service, file_injections, network_create, volume_create,
    ContainerOptions, ContainerPlan, CreateContext, OneOff, ResolvedReferences,
};
use berth_core::hash::service_hash;
use berth_engine::archive::read_tar;
use berth_engine::{ApiVersion, ConnectOptions, DockerEngine, Engine, NetworkConnect};
use berth_spec::discovery::ProjectOptions;
use berth_spec::model::Project;
use berth_spec::project::{load_project, services_in_dependency_order, LoadFlags};
use convert_support::view::{
    daemon_effects, differences, inspect_value, network_inspect_value, network_spec_value, normalize,
    spec_value, volume_inspect_value, volume_spec_value, Placeholders,
};
use serde_json::{json, Map, Value};

const PROJECT: &str = "berthconv";
const IMAGE: &str = "berth-test/busybox:latest";
/// The API of the engine the recording was made on (Docker 20.10).
const RECORDED_API: ApiVersion = ApiVersion::new(1, 41);

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/convert")
}

fn expected_path() -> PathBuf {
    data_dir().join("expected.json")
}

fn load() -> Project {
    let dir = data_dir();
    let opts = ProjectOptions {
        files: vec![dir.join("compose.yaml").to_string_lossy().into_owned()],
        cwd: dir,
        ..ProjectOptions::default()
    };
    load_project(&opts, &LoadFlags::default(), &[]).expect("loading the differential project").project
}

fn dir_placeholders() -> Placeholders {
    let mut p = Placeholders::default();
    p.add(data_dir().to_string_lossy(), "__DIR__");
    p
}

/// One planned container.
struct Planned {
    service: String,
    name: String,
    hash: String,
    plan: ContainerPlan,
}

/// `berth_core::hash::service_hash` of the service as the container is created from it.
fn config_hash(ctx: &CreateContext<'_>, service: &berth_spec::model::ServiceConfig, options: &ContainerOptions) -> String {
    let effective = effective_service(ctx, service, options).unwrap_or_else(|e| panic!("{}: {e}", service.name));
    service_hash(&effective).unwrap_or_else(|e| panic!("hashing {}: {e}", service.name))
}

/// Plans every container of the project in dependency order. `ids` gives the id of a
/// container by name (placeholders offline, real ids live). The config hash is berth's hash
/// of the effective service, as Docker Compose computes it.
fn plan_all(project: &Project, api: ApiVersion, image_digest: &str, ids: &dyn Fn(&str) -> String) -> Vec<Planned> {
    let ctx = CreateContext::new(project, api);
    let mut out: Vec<Planned> = Vec::new();
    let mut names_by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for service_name in services_in_dependency_order(project) {
        let service = &project.services[&service_name];
        let scale = u32::try_from(service.scale_or_default()).unwrap_or(1);
        for number in 1..=scale {
            let name = container_name(&ctx, service, number);
            let resolved = ResolvedReferences {
                service_containers: names_by_service
                    .iter()
                    .filter_map(|(svc, names)| names.first().map(|n| (svc.clone(), ids(n))))
                    .collect(),
                link_containers: names_by_service.clone(),
            };
            let mut options = ContainerOptions {
                image_digest: Some(image_digest.to_owned()),
                resolved,
                ..ContainerOptions::default()
            };
            options.config_hash = config_hash(&ctx, service, &options);
            let plan = container_create(&ctx, service, number, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
            out.push(Planned { service: service_name.clone(), name: name.clone(), hash: options.config_hash.clone(), plan });
        }
        names_by_service.insert(service_name.clone(), (1..=scale).map(|n| container_name(&ctx, service, n)).collect());
    }
    out
}

/// The files berth copies into a container, as `{target: {mode, uid, gid, content}}`, with
/// the owner the daemon gives them: when the copy keeps owners (`uid` or `gid` set), the
/// engine makes the container's user the owner, whatever the archive says.
fn spec_files(project: &Project, service: &str) -> Value {
    let svc = &project.services[service];
    let mut out = Map::new();
    for inj in file_injections(project, svc, 0).unwrap() {
        for e in read_tar(&inj.archive).unwrap() {
            let (uid, gid) = if inj.options.copy_uid_gid { user_ids(&svc.user) } else { (e.uid, e.gid) };
            out.insert(
                format!("/{}", e.path.trim_start_matches('/')),
                json!({"mode": e.mode, "uid": uid, "gid": gid, "content": String::from_utf8_lossy(&e.data)}),
            );
        }
    }
    Value::Object(out)
}

/// The ids of the users of the test image that the project uses.
fn user_ids(user: &str) -> (u32, u32) {
    match user {
        "" | "root" => (0, 0),
        "nobody" => (65534, 65534),
        other => panic!("user {other:?} is not known to the differential test"),
    }
}

/// Differences that come from berth-engine's types, not from the conversion; the spec side
/// still checks these values. `EndpointConfig` has no `IPAddress`: Docker Compose copies
/// `ipv4_address` there (the daemon shows it until the container starts).
const KNOWN_ENGINE_GAPS: &[&str] = &[".IPAddress"];

fn compare(what: &str, want: &Value, got: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    differences(what, want, got, &mut diffs);
    diffs
}

fn assert_no_differences(diffs: &[String]) {
    assert!(diffs.is_empty(), "{} difference(s):\n{}", diffs.len(), diffs.join("\n"));
}

/// Berth's views of every container, network and volume, and of the copied files.
fn spec_views(project: &Project, image_config: &Value, api: ApiVersion, image_digest: &str, ids: &dyn Fn(&str) -> String) -> Value {
    let placeholders = dir_placeholders();
    let mut containers = Map::new();
    let mut files = Map::new();
    for planned in plan_all(project, api, image_digest, ids) {
        let v = daemon_effects(spec_value(&planned.plan), image_config, api.minor, false);
        containers.insert(planned.name.clone(), normalize(v, &placeholders, None));
        let f = spec_files(project, &planned.service);
        if f.as_object().is_some_and(|o| !o.is_empty()) {
            files.insert(planned.name.clone(), f);
        }
    }
    let networks: Map<String, Value> = project
        .networks
        .iter()
        .filter(|(_, n)| !n.external)
        .map(|(k, n)| {
            let spec = network_create(&project.name, k, n);
            (spec.name.clone(), network_spec_value(&spec))
        })
        .collect();
    let volumes: Map<String, Value> = project
        .volumes
        .iter()
        .filter(|(_, v)| !v.external)
        .map(|(k, v)| {
            let spec = volume_create(&project.name, k, v);
            (spec.name.clone(), volume_spec_value(&spec))
        })
        .collect();
    json!({"containers": containers, "files": files, "networks": networks, "volumes": volumes})
}

/// The service `docker compose run -d --no-deps db true` runs, and how.
const ONE_OFF_SERVICE: &str = "db";
/// The slug the offline comparison uses in place of the run's random one.
const FAKE_SLUG: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// `run -d --no-deps db true`: the service with its command replaced (what the `run` command
/// does to the service before converting it), interactive (`-i` is on by default), no TTY.
fn one_off_plan(project: &Project, api: ApiVersion, slug: &str, image_digest: &str) -> (ContainerPlan, String) {
    let mut service = project.services[ONE_OFF_SERVICE].clone();
    service.command = Some(vec!["true".to_owned()]);
    let ctx = CreateContext::new(project, api);
    let mut options = ContainerOptions {
        image_digest: Some(image_digest.to_owned()),
        one_off: Some(OneOff { slug: slug.to_owned(), interactive: true, ..OneOff::default() }),
        ..ContainerOptions::default()
    };
    options.config_hash = config_hash(&ctx, &service, &options);
    let plan = container_create(&ctx, &service, 1, &options).expect("one-off plan");
    (plan, options.config_hash)
}

fn slug_placeholders(mut p: Placeholders, slug: &str) -> Placeholders {
    p.add(slug, "<slug>");
    p.add(slug.get(..12).unwrap_or(slug), "<slug12>");
    p
}

fn one_off_spec_view(project: &Project, image_config: &Value, api: ApiVersion) -> Value {
    let (plan, _) = one_off_plan(project, api, FAKE_SLUG, "<image-id>");
    let v = daemon_effects(spec_value(&plan), image_config, api.minor, true);
    normalize(v, &slug_placeholders(dir_placeholders(), FAKE_SLUG), None)
}

fn views_differences(want: &Value, got: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    for section in ["containers", "files", "networks", "volumes", "oneoff"] {
        diffs.extend(compare(section, &want[section], &got[section]));
    }
    diffs
}

#[test]
fn specs_match_the_recorded_reference() {
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(expected_path()).expect("tests/data/convert/expected.json is missing"),
    )
    .expect("expected.json is not JSON");
    let project = load();
    let ids = |name: &str| format!("<id:{name}>");
    let mut mine = spec_views(&project, &recorded["image"], RECORDED_API, "<image-id>", &ids);
    mine["oneoff"] = one_off_spec_view(&project, &recorded["image"], RECORDED_API);
    assert_no_differences(&views_differences(&recorded, &mine));
}

// ------------------------------------------------------------------ live part

fn engine_required() -> bool {
    std::env::var("BERTH_REQUIRE_ENGINE").is_ok_and(|v| v == "1") || std::env::var_os("CI").is_some()
}

fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .current_dir(data_dir())
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_ENV_FILES")
        .env_remove("DOCKER_DEFAULT_PLATFORM")
        .output()
        .map_err(|e| format!("docker {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("docker {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)))
    }
}

fn docker_bytes(args: &[&str]) -> Vec<u8> {
    let out = Command::new("docker").args(args).output().expect("running docker");
    assert!(out.status.success(), "docker {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn inspect_json(kind: &str, ids: &[String]) -> Vec<Value> {
    if ids.is_empty() {
        return Vec::new();
    }
    let mut args = vec![kind, "inspect"];
    args.extend(ids.iter().map(String::as_str));
    serde_json::from_str(&docker(&args).unwrap()).unwrap()
}

fn listed(kind: &str) -> Vec<String> {
    let filter = format!("label=com.docker.compose.project={PROJECT}");
    let args: Vec<&str> = match kind {
        "container" => vec!["ps", "-aq", "--no-trunc", "--filter", &filter],
        "network" => vec!["network", "ls", "-q", "--no-trunc", "--filter", &filter],
        _ => vec!["volume", "ls", "-q", "--filter", &filter],
    };
    docker(&args).unwrap_or_default().lines().map(str::to_owned).filter(|l| !l.is_empty()).collect()
}

/// Removes everything of the project, and a lock for this test, when dropped.
struct Cleanup;

impl Cleanup {
    fn acquire() -> Cleanup {
        let lock = std::env::temp_dir().join("berthconv.lock");
        for _ in 0..600 {
            if std::fs::create_dir(&lock).is_ok() {
                remove_all();
                return Cleanup;
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        panic!("{} is held for 10 minutes; remove it if no test is running", lock.display());
    }
}

/// Removes every container, network and volume of the project.
fn remove_all() {
    let _ = docker(&["compose", "-p", PROJECT, "down", "-v", "--remove-orphans", "-t", "0"]);
    let ids = listed("container");
    if !ids.is_empty() {
        let mut args = vec!["rm", "-fv"];
        args.extend(ids.iter().map(String::as_str));
        let _ = docker(&args);
    }
    for kind in ["network", "volume"] {
        for id in listed(kind) {
            let _ = docker(&[kind, "rm", &id]);
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        remove_all();
        let _ = std::fs::remove_dir(std::env::temp_dir().join("berthconv.lock"));
    }
}

/// Inspects every container, network and volume of the project and the files at `targets`
/// (by container name), as comparable views. Also returns each container's config hash.
/// Also returns each container's config hash and id, by name.
fn observe(
    image_id: &str,
    targets: &BTreeMap<String, Vec<String>>,
    project: &Project,
) -> (Value, BTreeMap<String, String>, BTreeMap<String, String>) {
    let containers = inspect_json("container", &listed("container"));
    let mut placeholders = dir_placeholders();
    placeholders.add(image_id, "<image-id>");
    for c in &containers {
        let id = c["Id"].as_str().unwrap_or("");
        let name = c["Name"].as_str().unwrap_or("").trim_start_matches('/');
        placeholders.add(id, format!("<id:{name}>"));
    }
    let mut views = Map::new();
    let mut hashes = BTreeMap::new();
    let mut ids = BTreeMap::new();
    let mut files = Map::new();
    for c in &containers {
        let name = c["Name"].as_str().unwrap_or("").trim_start_matches('/').to_owned();
        let id = c["Id"].as_str().unwrap_or("");
        let short = id.get(..12).unwrap_or(id);
        ids.insert(name.clone(), id.to_owned());
        if let Some(h) = c["Config"]["Labels"]["com.docker.compose.config-hash"].as_str() {
            hashes.insert(name.clone(), h.to_owned());
        }
        views.insert(name.clone(), normalize(inspect_value(c), &placeholders, Some(short)));
        if let Some(list) = targets.get(&name) {
            let mut f = Map::new();
            for target in list {
                let tar = docker_bytes(&["cp", &format!("{name}:{target}"), "-"]);
                let entry = read_tar(&tar).unwrap().into_iter().next().expect("one file");
                f.insert(
                    target.clone(),
                    json!({"mode": entry.mode, "uid": entry.uid, "gid": entry.gid, "content": String::from_utf8_lossy(&entry.data)}),
                );
            }
            files.insert(name, Value::Object(f));
        }
    }
    let pools: BTreeMap<String, bool> =
        project.networks.values().map(|n| (n.name.clone(), !n.ipam.config.is_empty())).collect();
    let networks: Map<String, Value> = inspect_json("network", &listed("network"))
        .iter()
        .map(|n| {
            let name = n["Name"].as_str().unwrap_or("").to_owned();
            let keep = pools.get(&name).copied().unwrap_or(false);
            (name, network_inspect_value(n, keep))
        })
        .collect();
    let volumes: Map<String, Value> = inspect_json("volume", &listed("volume"))
        .iter()
        .map(|v| (v["Name"].as_str().unwrap_or("").to_owned(), volume_inspect_value(v)))
        .collect();
    (json!({"containers": views, "files": files, "networks": networks, "volumes": volumes}), hashes, ids)
}

/// The view of a finished one-off container, its slug and its config hash.
fn observe_one_off(id: &str, image_id: &str) -> (Value, String, String) {
    let c = inspect_json("container", &[id.to_owned()]).into_iter().next().expect("one-off container");
    let labels = &c["Config"]["Labels"];
    let slug = labels["com.docker.compose.slug"].as_str().unwrap_or("").to_owned();
    let hash = labels["com.docker.compose.config-hash"].as_str().unwrap_or("").to_owned();
    let mut placeholders = slug_placeholders(dir_placeholders(), &slug);
    placeholders.add(image_id, "<image-id>");
    let short = id.get(..12).unwrap_or(id);
    (normalize(inspect_value(&c), &placeholders, Some(short)), slug, hash)
}

/// Creates the project from berth's specs through `DockerEngine`; returns container ids by name.
async fn create_with_berth(
    engine: &DockerEngine,
    project: &Project,
    image_id: &str,
) -> BTreeMap<String, String> {
    let api = engine.capabilities().api_version;
    for (key, n) in project.networks.iter().filter(|(_, n)| !n.external) {
        engine.create_network(&network_create(&project.name, key, n)).await.expect("creating network");
    }
    for (key, v) in project.volumes.iter().filter(|(_, v)| !v.external) {
        engine.create_volume(&volume_create(&project.name, key, v)).await.expect("creating volume");
    }
    let ids: std::sync::Mutex<BTreeMap<String, String>> = std::sync::Mutex::new(BTreeMap::new());
    let ctx = CreateContext::new(project, api);
    let mut names_by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for service_name in services_in_dependency_order(project) {
        let service = &project.services[&service_name];
        let scale = u32::try_from(service.scale_or_default()).unwrap_or(1);
        let mut names = Vec::new();
        for number in 1..=scale {
            let name = container_name(&ctx, service, number);
            let known = ids.lock().unwrap().clone();
            let resolved = ResolvedReferences {
                service_containers: names_by_service
                    .iter()
                    .filter_map(|(svc, n)| n.first().and_then(|n| known.get(n)).map(|id| (svc.clone(), id.clone())))
                    .collect(),
                link_containers: names_by_service.clone(),
            };
            let mut options = ContainerOptions {
                image_digest: Some(image_id.to_owned()),
                resolved,
                ..ContainerOptions::default()
            };
            options.config_hash = config_hash(&ctx, service, &options);
            let plan = container_create(&ctx, service, number, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
            let created = engine.create_container(&plan.create).await.unwrap_or_else(|e| panic!("creating {name}: {e}"));
            for (network, endpoint) in &plan.connect {
                let connect = NetworkConnect { container: created.id.clone(), endpoint: endpoint.clone() };
                engine.connect_network(network, &connect).await.unwrap_or_else(|e| panic!("connecting {name}: {e}"));
            }
            let now = 1_700_000_000;
            for inj in file_injections(project, service, now).unwrap() {
                engine
                    .archive_put(&created.id, &inj.path, berth_engine::bytes_stream(inj.archive), &inj.options)
                    .await
                    .unwrap_or_else(|e| panic!("copying {} into {name}: {e}", inj.target));
            }
            ids.lock().unwrap().insert(name.clone(), created.id);
            names.push(name);
        }
        names_by_service.insert(service_name, names);
    }
    ids.into_inner().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn reference_and_berth_create_the_same_containers() {
    let skip = |why: &str| {
        assert!(!engine_required(), "no engine or reference for the differential test: {why}");
        eprintln!("SKIPPED reference_and_berth_create_the_same_containers: {why} (set BERTH_REQUIRE_ENGINE=1 to fail instead)");
    };
    if let Err(e) = docker(&["version", "--format", "{{.Server.APIVersion}}"]) {
        return skip(&e);
    }
    if let Err(e) = docker(&["compose", "version"]) {
        return skip(&e);
    }
    let engine = match DockerEngine::connect(&ConnectOptions::default()).await {
        Ok(e) => e,
        Err(e) => return skip(&e.to_string()),
    };
    let image_id = match docker(&["image", "inspect", IMAGE, "--format", "{{.Id}}"]) {
        Ok(id) => id.trim().to_owned(),
        Err(e) => return skip(&format!("image {IMAGE} is missing: {e}")),
    };
    let image_config: Value =
        serde_json::from_str(&docker(&["image", "inspect", IMAGE, "--format", "{{json .Config}}"]).unwrap()).unwrap();
    let api = engine.capabilities().api_version;
    let project = load();
    let _cleanup = Cleanup::acquire();

    // Which files the reference copies in, by container (absolute targets).
    let mut targets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in plan_all(&project, api, "", &|n: &str| n.to_owned()) {
        let files = spec_files(&project, &p.service);
        let list: Vec<String> = files.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        if !list.is_empty() {
            targets.insert(p.name, list);
        }
    }

    // 1. The reference.
    docker(&["compose", "-p", PROJECT, "up", "--no-start"]).unwrap();
    let (mut reference, reference_hashes, reference_ids) = observe(&image_id, &targets, &project);
    let one_off_id = docker(&["compose", "-p", PROJECT, "run", "-d", "--no-deps", ONE_OFF_SERVICE, "true"]).unwrap();
    let one_off_id = one_off_id.lines().last().unwrap_or("").trim().to_owned();
    docker(&["wait", &one_off_id]).unwrap();
    let (reference_one_off, slug, one_off_hash) = observe_one_off(&one_off_id, &image_id);
    reference["oneoff"] = reference_one_off;
    let image_view = json!({
        "Env": image_config["Env"], "Cmd": image_config["Cmd"],
        "Entrypoint": image_config["Entrypoint"], "Labels": image_config["Labels"],
    });
    let mut recording = reference.clone();
    recording["image"] = image_view.clone();
    recording["api"] = json!(api.to_string());
    if std::env::var("BERTH_RECORD").is_ok_and(|v| v == "1") {
        std::fs::write(expected_path(), serde_json::to_string_pretty(&recording).unwrap() + "\n").unwrap();
    } else if api == RECORDED_API {
        let recorded: Value = serde_json::from_str(&std::fs::read_to_string(expected_path()).unwrap()).unwrap();
        let diffs = views_differences(&recorded, &reference);
        assert!(diffs.is_empty(), "the reference no longer matches expected.json (rerun with BERTH_RECORD=1):\n{}", diffs.join("\n"));
    }

    // 2. Berth's specs, without an engine, against the live reference.
    let placeholder_ids = |name: &str| format!("<id:{name}>");
    let mine = spec_views(&project, &image_view, api, "<image-id>", &placeholder_ids);
    // The config hash berth computes, with the reference's container ids, is the reference's.
    let real_ids = |name: &str| reference_ids.get(name).cloned().unwrap_or_default();
    let mut hash_diffs: Vec<String> = plan_all(&project, api, &image_id, &real_ids)
        .into_iter()
        .filter(|p| reference_hashes.get(&p.name) != Some(&p.hash))
        .map(|p| format!("{}: reference {:?} / berth {:?}", p.name, reference_hashes.get(&p.name), p.hash))
        .collect();
    let (_, one_off_berth_hash) = one_off_plan(&project, api, &slug, &image_id);
    if one_off_berth_hash != one_off_hash {
        hash_diffs.push(format!("one-off: reference {one_off_hash:?} / berth {one_off_berth_hash:?}"));
    }
    let mut spec_diffs = views_differences(&reference, &mine);
    spec_diffs.retain(|d| !d.starts_with("oneoff"));
    let mut one_off_reference = reference["oneoff"].clone();
    let mut fake = Placeholders::default();
    fake.add(FAKE_SLUG, "<slug>");
    fake.add(&FAKE_SLUG[..12], "<slug12>");
    // The spec side uses the fake slug; compare with the reference under the same placeholders.
    one_off_reference = normalize(one_off_reference, &fake, None);
    spec_diffs.extend(compare("oneoff", &one_off_reference, &one_off_spec_view(&project, &image_view, api)));

    // 3. The same project created by berth through DockerEngine.
    remove_all();
    create_with_berth(&engine, &project, &image_id).await;
    let (mut berth, _, _) = observe(&image_id, &targets, &project);
    let (plan, _) = one_off_plan(&project, api, &slug, &image_id);
    let created = engine.create_container(&plan.create).await.expect("creating the one-off container");
    for (network, endpoint) in &plan.connect {
        let connect = NetworkConnect { container: created.id.clone(), endpoint: endpoint.clone() };
        engine.connect_network(network, &connect).await.expect("connecting the one-off container");
    }
    engine.start_container(&created.id).await.expect("starting the one-off container");
    docker(&["wait", &created.id]).unwrap();
    berth["oneoff"] = observe_one_off(&created.id, &image_id).0;
    let live_diffs: Vec<String> = views_differences(&reference, &berth)
        .into_iter()
        .filter(|d| !KNOWN_ENGINE_GAPS.iter().any(|gap| d.split(':').next().is_some_and(|path| path.ends_with(gap))))
        .collect();

    let mut all = Vec::new();
    all.extend(spec_diffs.into_iter().map(|d| format!("spec   {d}")));
    all.extend(live_diffs.into_iter().map(|d| format!("engine {d}")));
    all.extend(hash_diffs.into_iter().map(|d| format!("hash   {d}")));
    assert_no_differences(&all);
}
