//! Table tests of the conversion: inline compose YAML → swarm objects, one attribute family
//! per test, checked against what `docker stack deploy` sends for the same file.

use std::collections::BTreeMap;
use std::time::Duration;

use berth_engine::{MountKind, PortProtocol, ServiceMode, ServiceSpec};

use super::{convert, StackSpec};
use crate::names::{Namespace, LABEL_IMAGE, LABEL_NAMESPACE};

/// Loads `yaml` as stack `shop` from a temporary directory holding `files`.
fn stack_with_files(yaml: &str, files: &[(&str, &str)]) -> Result<StackSpec, crate::Error> {
    let dir = tempfile::tempdir().map_err(|e| crate::Error::Invalid(e.to_string()))?;
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).map_err(|e| crate::Error::Invalid(e.to_string()))?;
    }
    std::fs::write(dir.path().join("compose.yaml"), yaml).map_err(|e| crate::Error::Invalid(e.to_string()))?;
    let opts = berth_spec::discovery::ProjectOptions {
        files: vec![dir.path().join("compose.yaml").to_string_lossy().into_owned()],
        cwd: dir.path().to_path_buf(),
        ..Default::default()
    };
    let loaded = crate::load_project(&opts, "shop")?;
    convert(&loaded.project, &Namespace::new("shop"), &|p| std::fs::read(p))
}

fn stack(yaml: &str) -> StackSpec {
    match stack_with_files(yaml, &[]) {
        Ok(s) => s,
        Err(e) => panic!("conversion failed: {e}"),
    }
}

fn svc<'a>(s: &'a StackSpec, key: &str) -> &'a ServiceSpec {
    match s.service(key) {
        Some(p) => &p.spec,
        None => panic!("no service {key}"),
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn names_and_labels_match_docker_stack_deploy() {
    let s = stack(
        "services:\n  web:\n    image: berth-test/debian:bookworm\n    labels: {tier: front}\n    deploy:\n      labels: {team: shop}\n",
    );
    let web = svc(&s, "web");
    assert_eq!(web.name, "shop_web");
    assert_eq!(web.labels.get(LABEL_NAMESPACE).map(String::as_str), Some("shop"));
    assert_eq!(web.labels.get(LABEL_IMAGE).map(String::as_str), Some("berth-test/debian:bookworm"));
    assert_eq!(web.labels.get("team").map(String::as_str), Some("shop"));
    assert!(!web.labels.contains_key("tier"), "service labels are deploy.labels only");
    assert_eq!(web.container.labels.get("tier").map(String::as_str), Some("front"));
    assert_eq!(web.container.labels.get(LABEL_NAMESPACE).map(String::as_str), Some("shop"));
    assert!(!web.container.labels.contains_key("team"));
    // A service with no networks joins NAME_default, an overlay network the stack creates.
    assert_eq!(web.networks.len(), 1);
    assert_eq!(web.networks[0].target, "shop_default");
    assert_eq!(web.networks[0].aliases, strings(&["web"]));
    assert_eq!(s.networks.len(), 1);
    let net = &s.networks[0].create;
    assert_eq!(net.name, "shop_default");
    assert_eq!(net.driver.as_deref(), Some("overlay"));
    assert_eq!(net.labels.get(LABEL_NAMESPACE).map(String::as_str), Some("shop"));
    assert!(s.ignored.is_empty());
}

#[test]
fn deploy_modes() {
    let s = stack(concat!(
        "services:\n",
        "  a: {image: x, deploy: {replicas: 3}}\n",
        "  b: {image: x, deploy: {mode: global}}\n",
        "  c: {image: x, deploy: {mode: replicated-job, replicas: 4}}\n",
        "  d: {image: x, deploy: {mode: global-job}}\n",
        "  e: {image: x}\n",
        "  f: {image: x, deploy: {mode: replicated-job}}\n",
    ));
    assert_eq!(svc(&s, "a").mode, ServiceMode::Replicated { replicas: 3 });
    assert_eq!(svc(&s, "b").mode, ServiceMode::Global);
    assert_eq!(svc(&s, "c").mode, ServiceMode::ReplicatedJob { max_concurrent: 4, total_completions: 4 });
    assert_eq!(svc(&s, "d").mode, ServiceMode::GlobalJob);
    assert_eq!(svc(&s, "e").mode, ServiceMode::Replicated { replicas: 1 });
    assert_eq!(svc(&s, "f").mode, ServiceMode::ReplicatedJob { max_concurrent: 1, total_completions: 1 });
}

#[test]
fn replicas_with_global_mode_is_an_error() {
    let err = stack_with_files("services:\n  a: {image: x, deploy: {mode: global, replicas: 2}}\n", &[])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("replicas can only be used with replicated or replicated-job mode"), "{err}");
}

#[test]
fn resources_limits_reservations_and_generic_resources() {
    let s = stack(concat!(
        "services:\n  a:\n    image: x\n    deploy:\n      resources:\n",
        "        limits: {cpus: '0.5', memory: 512M, pids: 100}\n",
        "        reservations:\n          cpus: '0.1'\n          memory: 64M\n",
        "          generic_resources:\n            - discrete_resource_spec: {kind: gpu, value: 2}\n",
        "  b: {image: x, cpus: 1.5, mem_limit: 1g, mem_reservation: 10m, pids_limit: 7}\n",
    ));
    let r = &svc(&s, "a").resources;
    assert_eq!(r.limit_nano_cpus, Some(500_000_000));
    assert_eq!(r.limit_memory_bytes, Some(512 * 1024 * 1024));
    assert_eq!(r.limit_pids, Some(100));
    assert_eq!(r.reserve_nano_cpus, Some(100_000_000));
    assert_eq!(r.reserve_memory_bytes, Some(64 * 1024 * 1024));
    assert_eq!(r.reserve_generic, BTreeMap::from([("gpu".to_owned(), 2)]));
    let r = &svc(&s, "b").resources;
    assert_eq!(r.limit_nano_cpus, Some(1_500_000_000));
    assert_eq!(r.limit_memory_bytes, Some(1024 * 1024 * 1024));
    assert_eq!(r.reserve_memory_bytes, Some(10 * 1024 * 1024));
    assert_eq!(r.limit_pids, Some(7));
}

#[test]
fn restart_policy_from_deploy_or_legacy_restart() {
    let s = stack(concat!(
        "services:\n",
        "  a:\n    image: x\n    restart: always\n    deploy:\n      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}\n",
        "  b: {image: x, restart: unless-stopped}\n",
        "  c: {image: x, restart: 'on-failure:4'}\n",
        "  d: {image: x, restart: 'no'}\n",
        "  e: {image: x}\n",
    ));
    let a = svc(&s, "a").restart_policy.clone().unwrap_or_default();
    assert_eq!(a.condition.as_deref(), Some("on-failure"));
    assert_eq!(a.delay, Some(Duration::from_secs(5)));
    assert_eq!(a.max_attempts, Some(3));
    assert_eq!(a.window, Some(Duration::from_mins(2)));
    assert_eq!(svc(&s, "b").restart_policy.as_ref().and_then(|p| p.condition.as_deref()), Some("any"));
    let c = svc(&s, "c").restart_policy.clone().unwrap_or_default();
    assert_eq!((c.condition.as_deref(), c.max_attempts), (Some("on-failure"), Some(4)));
    assert_eq!(svc(&s, "d").restart_policy, None);
    assert_eq!(svc(&s, "e").restart_policy, None);
}

#[test]
fn update_and_rollback_config() {
    let s = stack(concat!(
        "services:\n  a:\n    image: x\n    deploy:\n",
        "      update_config: {order: start-first, failure_action: rollback, monitor: 10s, delay: 1s, max_failure_ratio: 0.25}\n",
        "      rollback_config: {parallelism: 0, order: stop-first}\n",
    ));
    let a = svc(&s, "a");
    let u = a.update_config.clone().unwrap_or_default();
    assert_eq!(u.parallelism, 1, "parallelism defaults to 1 when update_config is set");
    assert_eq!(u.order.as_deref(), Some("start-first"));
    assert_eq!(u.failure_action.as_deref(), Some("rollback"));
    assert_eq!(u.monitor, Some(Duration::from_secs(10)));
    assert_eq!(u.delay, Some(Duration::from_secs(1)));
    assert_eq!(u.max_failure_ratio, Some(0.25));
    let r = a.rollback_config.clone().unwrap_or_default();
    assert_eq!(r.parallelism, 0);
    assert_eq!(r.order.as_deref(), Some("stop-first"));
    assert_eq!(svc(&stack("services:\n  b: {image: x}\n"), "b").update_config, None);
}

#[test]
fn placement() {
    let s = stack(concat!(
        "services:\n  a:\n    image: x\n    platform: linux/arm64/v8\n    deploy:\n      placement:\n",
        "        constraints: [node.role == manager, node.labels.zone != b]\n",
        "        preferences: [{spread: node.labels.zone}]\n        max_replicas_per_node: 2\n",
    ));
    let p = &svc(&s, "a").placement;
    assert_eq!(p.constraints, strings(&["node.role == manager", "node.labels.zone != b"]));
    assert_eq!(p.spread, strings(&["node.labels.zone"]));
    assert_eq!(p.max_replicas, Some(2));
    assert_eq!(p.platforms, vec![("arm64".to_owned(), "linux".to_owned())]);
}

#[test]
fn ports_in_ingress_and_host_mode_and_endpoint_mode() {
    let s = stack(concat!(
        "services:\n  a:\n    image: x\n    deploy: {endpoint_mode: DNSRR}\n    ports:\n",
        "      - '9090:90/udp'\n",
        "      - {target: 80, published: 8080, mode: host}\n",
        "      - '443'\n",
    ));
    let e = &svc(&s, "a").endpoint;
    assert_eq!(e.mode.as_deref(), Some("dnsrr"));
    assert_eq!(e.ports.len(), 3);
    // Sorted by published port; an unpublished port sorts first.
    assert_eq!((e.ports[0].target, e.ports[0].published), (443, None));
    assert_eq!((e.ports[1].target, e.ports[1].published), (80, Some(8080)));
    assert_eq!(e.ports[1].publish_mode.as_deref(), Some("host"));
    assert_eq!((e.ports[2].target, e.ports[2].published, e.ports[2].protocol), (90, Some(9090), PortProtocol::Udp));
    assert_eq!(e.ports[2].publish_mode.as_deref(), Some("ingress"));
}

#[test]
fn overlay_networks_external_attachable_driver_opts_ipam() {
    let s = stack(concat!(
        "services:\n  a:\n    image: x\n    networks:\n      front: {aliases: [www], driver_opts: {k: v}}\n      outside:\n      named:\n",
        "networks:\n",
        "  front:\n    attachable: true\n    internal: true\n    driver_opts: {encrypted: ''}\n    labels: {l: '1'}\n",
        "    ipam: {driver: default, config: [{subnet: 10.99.0.0/24, gateway: 10.99.0.1}]}\n",
        "  outside: {external: true, name: ops-net}\n",
        "  named: {name: custom-net}\n",
    ));
    assert_eq!(s.external_networks, strings(&["ops-net"]));
    let names: Vec<&str> = s.networks.iter().map(|n| n.create.name.as_str()).collect();
    assert_eq!(names, ["custom-net", "shop_front"]);
    let front = &s.networks[1].create;
    assert!(front.attachable && front.internal);
    assert_eq!(front.driver_opts.get("encrypted").map(String::as_str), Some(""));
    assert_eq!(front.labels.get("l").map(String::as_str), Some("1"));
    assert_eq!(front.labels.get(LABEL_NAMESPACE).map(String::as_str), Some("shop"));
    let ipam = front.ipam.clone().unwrap_or_default();
    assert_eq!(ipam.driver.as_deref(), Some("default"));
    assert_eq!(ipam.config[0].subnet.as_deref(), Some("10.99.0.0/24"));
    assert_eq!(ipam.config[0].gateway.as_deref(), Some("10.99.0.1"));
    let a = svc(&s, "a");
    let targets: Vec<&str> = a.networks.iter().map(|n| n.target.as_str()).collect();
    assert_eq!(targets, ["custom-net", "ops-net", "shop_front"]);
    assert_eq!(a.networks[2].aliases, strings(&["www", "a"]));
    assert_eq!(a.networks[2].driver_opts.get("k").map(String::as_str), Some("v"));
}

#[test]
fn volumes_bind_tmpfs_and_service_tmpfs() {
    let s = stack(concat!(
        "services:\n  a:\n    image: x\n    tmpfs: ['/run', '/cache:size=1m,mode=1777,noexec']\n    volumes:\n",
        "      - data:/data:ro\n      - ext:/ext\n      - /srv:/srv\n      - {type: tmpfs, target: /t, tmpfs: {size: 1024}}\n",
        "      - {type: volume, target: /anon}\n",
        "volumes:\n  data: {driver: local, driver_opts: {type: none}, labels: {v: '1'}}\n  ext: {external: true, name: shared-data}\n",
    ));
    let m = &svc(&s, "a").container.mounts;
    assert_eq!(m.len(), 7);
    assert_eq!((m[0].kind, m[0].source.as_deref(), m[0].target.as_str(), m[0].read_only), (MountKind::Volume, Some("shop_data"), "/data", true));
    let vo = m[0].volume.clone().unwrap_or_default();
    assert_eq!(vo.labels.get(LABEL_NAMESPACE).map(String::as_str), Some("shop"));
    assert_eq!(vo.labels.get("v").map(String::as_str), Some("1"));
    assert_eq!(vo.driver.as_deref(), Some("local"));
    assert_eq!(vo.driver_opts.get("type").map(String::as_str), Some("none"));
    assert_eq!(m[1].source.as_deref(), Some("shared-data"));
    assert!(m[1].volume.as_ref().is_some_and(|v| v.labels.is_empty()), "external volumes get no stack label");
    assert_eq!((m[2].kind, m[2].source.as_deref()), (MountKind::Bind, Some("/srv")));
    assert_eq!(m[3].kind, MountKind::Tmpfs);
    assert_eq!(m[3].tmpfs.as_ref().and_then(|t| t.size_bytes), Some(1024));
    assert_eq!((m[4].kind, m[4].source.as_deref()), (MountKind::Volume, None));
    assert_eq!((m[5].kind, m[5].target.as_str()), (MountKind::Tmpfs, "/run"));
    let t = m[6].tmpfs.clone().unwrap_or_default();
    assert_eq!((t.size_bytes, t.mode), (Some(1024 * 1024), Some(0o1777)));
    assert_eq!(t.options, vec![strings(&["noexec"])]);
}

#[test]
fn secrets_and_configs_get_content_versioned_names() {
    let yaml = concat!(
        "services:\n  a:\n    image: x\n    secrets: [db, {source: api, target: api.key, uid: '1000', mode: 0400}, outside]\n",
        "    configs: [{source: site, target: /etc/site.conf}, inline]\n",
        "secrets:\n  db: {file: ./db.txt}\n  api: {file: ./api.txt, labels: {x: y}}\n  outside: {external: true}\n",
        "configs:\n  site: {file: ./site.conf}\n  inline: {content: hello}\n",
    );
    let files = [("db.txt", "pw1"), ("api.txt", "k"), ("site.conf", "server {}")];
    let one = stack_with_files(yaml, &files).map_err(|e| e.to_string());
    let one = one.as_ref().map_err(String::as_str);
    let Ok(one) = one else { panic!("{one:?}") };
    let secret_names: Vec<&str> = one.secrets.iter().map(|o| o.create.name.as_str()).collect();
    assert_eq!(secret_names.len(), 2, "external secrets are not created");
    assert!(secret_names[0].starts_with("shop_api-") && secret_names[1].starts_with("shop_db-"), "{secret_names:?}");
    assert_eq!(one.secrets[1].create.data, b"pw1");
    assert_eq!(one.secrets[0].create.labels.get("x").map(String::as_str), Some("y"));
    assert_eq!(one.secrets[0].create.labels.get(LABEL_NAMESPACE).map(String::as_str), Some("shop"));
    let a = svc(one, "a");
    let refs: Vec<(&str, &str, &str, u32)> =
        a.container.secrets.iter().map(|r| (r.name.as_str(), r.target.as_str(), r.uid.as_str(), r.mode)).collect();
    assert_eq!(refs[0].0, "outside");
    assert_eq!((refs[0].1, refs[0].2, refs[0].3), ("outside", "0", 0o444));
    assert_eq!((refs[1].1, refs[1].2, refs[1].3), ("api.key", "1000", 0o400));
    assert_eq!(refs[2].1, "db");
    let configs: Vec<(&str, &str)> = a.container.configs.iter().map(|r| (r.name.as_str(), r.target.as_str())).collect();
    assert!(configs[0].0.starts_with("shop_inline-") && configs[0].1 == "inline", "{configs:?}");
    assert!(configs[1].0.starts_with("shop_site-") && configs[1].1 == "/etc/site.conf", "{configs:?}");

    // Same content, same names: redeploying changes nothing. New content, new name.
    let same = stack_with_files(yaml, &files).map_err(|e| e.to_string());
    assert_eq!(same.as_ref().map(|s| &s.secrets), Ok(&one.secrets));
    let changed = stack_with_files(yaml, &[("db.txt", "pw2"), ("api.txt", "k"), ("site.conf", "server {}")])
        .map_err(|e| e.to_string());
    let changed = changed.as_ref().map_err(String::as_str);
    let Ok(changed) = changed else { panic!("{changed:?}") };
    assert_eq!(changed.secrets[0].create.name, one.secrets[0].create.name);
    assert_ne!(changed.secrets[1].create.name, one.secrets[1].create.name);
    assert_eq!(svc(changed, "a").container.secrets[2].name, changed.secrets[1].create.name);
}

#[test]
fn versioned_names_fit_the_swarm_limit() {
    let long = "s".repeat(80);
    let name = super::versioned_name(&long, b"data", None);
    assert_eq!(name.len(), 64);
    assert_ne!(super::versioned_name("a", b"data", None), super::versioned_name("a", b"data", Some("golang")));
}

#[test]
fn container_attributes() {
    let s = stack(concat!(
        "services:\n  a:\n    image: x\n",
        "    command: [python3, app.py]\n    entrypoint: [/init]\n",
        "    environment: {B: '2', A: '1', A_B: '3', EMPTY: ''}\n",
        "    user: '1000:1000'\n    working_dir: /app\n    hostname: web1\n",
        "    dns: [1.1.1.1]\n    dns_search: [example.org]\n    dns_opt: [ndots:2]\n",
        "    extra_hosts: ['db.local:10.0.0.5']\n    cap_add: [NET_ADMIN]\n    cap_drop: [mknod]\n",
        "    sysctls: {net.core.somaxconn: '1024'}\n    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 64}\n",
        "    stop_grace_period: 30s\n    stop_signal: SIGINT\n    tty: true\n    stdin_open: true\n    init: true\n",
        "    read_only: true\n    group_add: [audio]\n    oom_score_adj: 100\n    isolation: default\n",
        "    logging: {driver: json-file, options: {max-size: 1m}}\n",
        "    healthcheck: {test: [CMD, curl, -f, http://localhost], interval: 2s, timeout: 1s, retries: 3, start_period: 5s}\n",
        "    security_opt: [no-new-privileges:true, 'label=type:svirt_t', seccomp=unconfined]\n",
    ));
    let c = &svc(&s, "a").container;
    assert_eq!(c.args, Some(strings(&["python3", "app.py"])));
    assert_eq!(c.command, Some(strings(&["/init"])));
    assert_eq!(c.env, strings(&["A=1", "A_B=3", "B=2", "EMPTY="]));
    assert_eq!(c.user.as_deref(), Some("1000:1000"));
    assert_eq!(c.dir.as_deref(), Some("/app"));
    assert_eq!(c.hostname.as_deref(), Some("web1"));
    assert_eq!(c.dns_nameservers, strings(&["1.1.1.1"]));
    assert_eq!(c.dns_search, strings(&["example.org"]));
    assert_eq!(c.dns_options, strings(&["ndots:2"]));
    assert_eq!(c.hosts, strings(&["10.0.0.5 db.local"]));
    assert_eq!(c.cap_add, strings(&["CAP_NET_ADMIN"]));
    assert_eq!(c.cap_drop, strings(&["CAP_MKNOD"]));
    assert_eq!(c.sysctls.get("net.core.somaxconn").map(String::as_str), Some("1024"));
    let ul: Vec<(&str, i64, i64)> = c.ulimits.iter().map(|u| (u.name.as_str(), u.soft, u.hard)).collect();
    assert_eq!(ul, [("nofile", 1024, 2048), ("nproc", 64, 64)]);
    assert_eq!(c.stop_grace_period, Some(Duration::from_secs(30)));
    assert_eq!(c.stop_signal.as_deref(), Some("SIGINT"));
    assert!(c.tty && c.open_stdin && c.read_only);
    assert_eq!(c.init, Some(true));
    assert_eq!(c.groups, strings(&["audio"]));
    assert_eq!(c.oom_score_adj, Some(100));
    assert_eq!(c.isolation.as_deref(), Some("default"));
    let h = c.healthcheck.clone().unwrap_or_default();
    assert_eq!(h.test, strings(&["CMD", "curl", "-f", "http://localhost"]));
    assert_eq!((h.interval, h.timeout, h.retries, h.start_period), (Some(Duration::from_secs(2)), Some(Duration::from_secs(1)), Some(3), Some(Duration::from_secs(5))));
    let log = svc(&s, "a").log_driver.clone().unwrap_or_default();
    assert_eq!(log.driver, "json-file");
    assert_eq!(log.options.get("max-size").map(String::as_str), Some("1m"));
    let p = c.privileges.clone().unwrap_or_default();
    assert!(p.no_new_privileges);
    assert_eq!(p.selinux.and_then(|l| l.kind).as_deref(), Some("svirt_t"));
    assert_eq!(p.seccomp.map(|s| s.mode).as_deref(), Some("unconfined"));
}

#[test]
fn disabled_healthcheck() {
    let s = stack("services:\n  a: {image: x, healthcheck: {disable: true}}\n");
    assert_eq!(svc(&s, "a").container.healthcheck.as_ref().map(|h| h.test.clone()), Some(strings(&["NONE"])));
}

#[test]
fn one_warning_lists_every_ignored_attribute() {
    let s = stack(concat!(
        "services:\n",
        "  web:\n    image: x\n    build: .\n    container_name: w\n    depends_on: [db]\n    privileged: true\n",
        "    ports: [{target: 80, published: 80, host_ip: 127.0.0.1}]\n",
        "  db:\n    image: x\n    depends_on: {cache: {condition: service_healthy}}\n    security_opt: [systempaths=unconfined]\n",
        "  cache: {image: x, shm_size: 64m}\n",
    ));
    let warning = s.ignored_warning().unwrap_or_default();
    assert_eq!(
        warning,
        "Ignoring attributes Swarm does not support: build (web), container_name (web), depends_on (db, web), \
         ports.host_ip (web), privileged (web), security_opt (db), shm_size (cache)"
    );
}

#[test]
fn missing_image_is_an_error() {
    let err = stack_with_files("services:\n  a: {build: .}\n", &[]).err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(err, "invalid image reference for service a: no image specified");
}

#[test]
fn port_ranges_cannot_be_published() {
    let err = stack_with_files("services:\n  a: {image: x, ports: ['8000-8001:80']}\n", &[])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.starts_with("service a: ports:"), "{err}");
}

#[test]
fn object_names_from_upper_case_stack_names() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let file = dir.path().join("compose.yaml");
    if let Err(e) = std::fs::write(&file, "services:\n  web: {image: x}\n") {
        panic!("{e}");
    }
    let opts = berth_spec::discovery::ProjectOptions {
        files: vec![file.to_string_lossy().into_owned()],
        cwd: dir.path().to_path_buf(),
        ..Default::default()
    };
    let loaded = crate::load_project(&opts, "MyShop").map_err(|e| e.to_string());
    let Ok(loaded) = loaded else { panic!("{loaded:?}") };
    let s = convert(&loaded.project, &Namespace::new("MyShop"), &|p| std::fs::read(p)).map_err(|e| e.to_string());
    let Ok(s) = s else { panic!("{s:?}") };
    assert_eq!(svc(&s, "web").name, "MyShop_web");
    assert_eq!(s.networks[0].create.name, "MyShop_default");
}
