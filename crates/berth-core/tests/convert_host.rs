//! The `HostConfig` family: restart policies, resources, devices, ulimits, security options,
//! logging, namespaces and `service:` references, port bindings, DNS and hosts, misc flags.

mod convert_support;

use std::collections::BTreeMap;

use berth_core::convert::{ContainerOptions, ConvertError, ResolvedReferences};
use berth_engine::{
    ContainerPort, DeviceMapping, DeviceRequest, LogConfig, PortBinding, Resources, RestartPolicy,
    RestartPolicyName, ThrottleDevice, Ulimit, WeightDevice,
};
use convert_support::{error, options, plan, project, project_in, try_plan, Dir, OLD_API};

fn restart(yaml_service: &str) -> Option<RestartPolicy> {
    let p = project(&format!("services:\n  a:\n    image: busybox\n{yaml_service}"));
    plan(&p, "a", OLD_API).create.host_config.restart_policy
}

#[allow(clippy::unnecessary_wraps)]
fn policy(name: RestartPolicyName, count: i64) -> Option<RestartPolicy> {
    Some(RestartPolicy { name, maximum_retry_count: Some(count) })
}

#[test]
fn restart_policies() {
    use RestartPolicyName::{Always, No, OnFailure, UnlessStopped};
    assert_eq!(restart(""), None, "Docker Compose sends an empty policy name");
    assert_eq!(restart("    restart: \"no\"\n"), policy(No, 0));
    assert_eq!(restart("    restart: always\n"), policy(Always, 0));
    assert_eq!(restart("    restart: unless-stopped\n"), policy(UnlessStopped, 0));
    assert_eq!(restart("    restart: on-failure\n"), policy(OnFailure, 0));
    assert_eq!(restart("    restart: on-failure:3\n"), policy(OnFailure, 3));
    // deploy.restart_policy wins over restart.
    let deploy = |cond: &str, extra: &str| {
        restart(&format!("    restart: always\n    deploy:\n      restart_policy:\n        condition: {cond}\n{extra}"))
    };
    assert_eq!(deploy("none", ""), policy(No, 0));
    assert_eq!(deploy("any", ""), policy(Always, 0));
    assert_eq!(deploy("on-failure", "        max_attempts: 5\n"), policy(OnFailure, 5));
}

#[test]
fn unknown_restart_policy_is_an_error() {
    let p = project("services:\n  a:\n    image: busybox\n    restart: sometimes\n");
    assert!(error(&p, "a", OLD_API).contains("unknown policy 'sometimes'"));
}

#[test]
fn resources() {
    let p = project(
        r#"
services:
  a:
    image: busybox
    mem_limit: 256m
    mem_reservation: 64m
    memswap_limit: 512m
    mem_swappiness: 60
    oom_kill_disable: true
    oom_score_adj: -500
    cpu_shares: 512
    cpu_period: 100000
    cpu_quota: 50000
    cpus: 0.1
    cpuset: "0-1"
    cpu_rt_period: 1000
    cpu_rt_runtime: 500
    cpu_count: 2
    cpu_percent: 50
    pids_limit: 100
    blkio_config:
      weight: 300
      weight_device: [{path: /dev/sda, weight: 400}]
      device_read_bps: [{path: /dev/sda, rate: 1mb}]
      device_write_bps: [{path: /dev/sda, rate: 512k}]
      device_read_iops: [{path: /dev/sda, rate: 100}]
      device_write_iops: [{path: /dev/sda, rate: 200}]
  deployed:
    image: busybox
    deploy:
      resources:
        limits: {cpus: "0.25", memory: 128M, pids: 50}
        reservations: {cpus: "0.1", memory: 32M}
  plain:
    image: busybox
"#,
    );
    let a = plan(&p, "a", OLD_API).create.host_config;
    let throttle = |rate| vec![ThrottleDevice { path: "/dev/sda".into(), rate }];
    assert_eq!(
        a.resources,
        Resources {
            memory: Some(256 << 20),
            memory_reservation: Some(64 << 20),
            memory_swap: Some(512 << 20),
            memory_swappiness: Some(60),
            oom_kill_disable: Some(true),
            cpu_shares: Some(512),
            cpu_period: Some(100_000),
            cpu_quota: Some(50_000),
            nano_cpus: Some(100_000_000),
            cpuset_cpus: Some("0-1".into()),
            cpuset_mems: None,
            cpu_realtime_period: Some(1000),
            cpu_realtime_runtime: Some(500),
            cpu_count: Some(2),
            cpu_percent: Some(5000),
            pids_limit: Some(100),
            blkio_weight: Some(300),
            blkio_weight_device: vec![WeightDevice { path: "/dev/sda".into(), weight: 400 }],
            blkio_device_read_bps: throttle(1 << 20),
            blkio_device_write_bps: throttle(512 << 10),
            blkio_device_read_iops: throttle(100),
            blkio_device_write_iops: throttle(200),
        }
    );
    assert_eq!(a.oom_score_adj, Some(-500));

    let d = plan(&p, "deployed", OLD_API).create.host_config.resources;
    assert_eq!(d.memory, Some(128 << 20));
    assert_eq!(d.nano_cpus, Some(250_000_000));
    assert_eq!(d.pids_limit, Some(50));
    assert_eq!(d.memory_reservation, Some(32 << 20));

    let plain = plan(&p, "plain", OLD_API).create.host_config;
    // Docker Compose always sends OomKillDisable (a pointer to the service's bool).
    assert_eq!(plain.resources, Resources { oom_kill_disable: Some(false), ..Resources::default() });
    assert_eq!(plain.oom_score_adj, None);
    assert_eq!(plain.shm_size, None);
}

#[test]
fn devices_and_device_requests() {
    let p = project(
        r#"
services:
  a:
    image: busybox
    devices:
      - /dev/null:/dev/mynull:rw
      - /dev/zero
      - source: /dev/fuse
        target: /dev/fuse
        permissions: r
    device_cgroup_rules: ["c 1:3 mr"]
    gpus:
      - driver: nvidia
        count: 2
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: 1
              capabilities: [gpu]
              options: {a: b}
            - capabilities: [gpu, utility]
              device_ids: ["0", "1"]
"#,
    );
    let h = plan(&p, "a", OLD_API).create.host_config;
    let dev = |a: &str, b: &str, c: &str| DeviceMapping {
        path_on_host: a.into(),
        path_in_container: b.into(),
        cgroup_permissions: c.into(),
    };
    assert_eq!(
        h.devices,
        [dev("/dev/null", "/dev/mynull", "rw"), dev("/dev/zero", "/dev/zero", "rwm"), dev("/dev/fuse", "/dev/fuse", "r")]
    );
    assert_eq!(h.device_cgroup_rules, ["c 1:3 mr"]);
    // `gpus` and device `options` are ignored by Docker Compose 2.26.1.
    assert_eq!(
        h.device_requests,
        [
            DeviceRequest {
                driver: Some("nvidia".into()),
                count: Some(1),
                device_ids: vec![],
                capabilities: vec![vec!["gpu".into()]],
                options: BTreeMap::new(),
            },
            DeviceRequest {
                driver: None,
                count: Some(0),
                device_ids: vec!["0".into(), "1".into()],
                capabilities: vec![vec!["gpu".into(), "utility".into()]],
                options: BTreeMap::new(),
            },
        ]
    );
}

#[test]
fn ulimits_sysctls_and_misc() {
    let p = project(
        r#"
services:
  a:
    image: busybox
    ulimits:
      nproc: 65535
      nofile: {soft: 20000, hard: 40000}
    sysctls: [net.core.somaxconn=1024]
    init: true
    privileged: true
    read_only: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    group_add: [audio, "1234"]
    storage_opt: {size: 1G}
    runtime: runc
    isolation: default
    shm_size: 128m
    cgroup_parent: parent
    cgroup: private
    userns_mode: host
    uts: host
    annotations: {com.example.note: hi}
    dns: 1.1.1.1
    dns_search: example.test
    dns_opt: [ndots:2]
    extra_hosts: ["somehost:1.2.3.4", "otherhost=::1", "somehost=5.6.7.8"]
    tmpfs: ["/run:size=1m", /tmp]
"#,
    );
    let h = plan(&p, "a", OLD_API).create.host_config;
    assert_eq!(
        h.ulimits,
        [
            Ulimit { name: "nofile".into(), soft: 20000, hard: 40000 },
            Ulimit { name: "nproc".into(), soft: 65535, hard: 65535 },
        ]
    );
    assert_eq!(h.sysctls, BTreeMap::from([("net.core.somaxconn".to_owned(), "1024".to_owned())]));
    assert_eq!(h.init, Some(true));
    assert!(h.privileged && h.readonly_rootfs);
    assert_eq!((h.cap_add.as_slice(), h.cap_drop.as_slice()), (&["NET_ADMIN".to_owned()][..], &["ALL".to_owned()][..]));
    assert_eq!(h.group_add, ["audio", "1234"]);
    assert_eq!(h.storage_opt["size"], "1G");
    assert_eq!(h.runtime.as_deref(), Some("runc"));
    assert_eq!(h.isolation.as_deref(), Some("default"));
    assert_eq!(h.shm_size, Some(128 << 20));
    assert_eq!(h.cgroup_parent.as_deref(), Some("parent"));
    assert_eq!(h.cgroupns_mode.as_deref(), Some("private"));
    assert_eq!(h.userns_mode.as_deref(), Some("host"));
    assert_eq!(h.uts_mode.as_deref(), Some("host"));
    assert_eq!(h.annotations["com.example.note"], "hi");
    assert_eq!((h.dns.as_slice(), h.dns_search.as_slice()), (&["1.1.1.1".to_owned()][..], &["example.test".to_owned()][..]));
    assert_eq!(h.dns_options, ["ndots:2"]);
    assert_eq!(h.extra_hosts, ["otherhost:::1", "somehost:1.2.3.4", "somehost:5.6.7.8"]);
    assert_eq!(
        h.tmpfs,
        BTreeMap::from([("/run".to_owned(), "size=1m".to_owned()), ("/tmp".to_owned(), String::new())])
    );
}

#[test]
fn logging() {
    let p = project(
        r#"
services:
  a:
    image: busybox
    logging:
      driver: json-file
      options: {max-size: 10m, max-file: "3"}
  b:
    image: busybox
"#,
    );
    assert_eq!(
        plan(&p, "a", OLD_API).create.host_config.log_config,
        Some(LogConfig {
            driver: "json-file".into(),
            options: BTreeMap::from([("max-file".into(), "3".into()), ("max-size".into(), "10m".into())]),
        })
    );
    assert_eq!(plan(&p, "b", OLD_API).create.host_config.log_config, None);
}

#[test]
fn port_bindings() {
    let p = project(
        r#"
services:
  a:
    image: busybox
    ports:
      - "8080:80"
      - "127.0.0.1:8081:81/udp"
      - "82"
      - "8000-8001:90-91"
      - "9000-9010:100"
      - "[::1]:8443:443"
      - target: 80
        published: "8888"
        host_ip: 0.0.0.0
"#,
    );
    let got = plan(&p, "a", OLD_API).create.host_config.port_bindings;
    let b = |ip: Option<&str>, port: Option<&str>| PortBinding { host_ip: ip.map(Into::into), host_port: port.map(Into::into) };
    let want = BTreeMap::from([
        (ContainerPort::tcp(80), vec![b(None, Some("8080")), b(Some("0.0.0.0"), Some("8888"))]),
        (ContainerPort::udp(81), vec![b(Some("127.0.0.1"), Some("8081"))]),
        (ContainerPort::tcp(82), vec![b(None, None)]),
        (ContainerPort::tcp(90), vec![b(None, Some("8000"))]),
        (ContainerPort::tcp(91), vec![b(None, Some("8001"))]),
        (ContainerPort::tcp(100), vec![b(None, Some("9000-9010"))]),
        (ContainerPort::tcp(443), vec![b(Some("::1"), Some("8443"))]),
    ]);
    assert_eq!(got, want);
}

#[test]
fn security_options() {
    let dir = Dir::new("seccomp");
    dir.write("profile.json", "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [ ]\n}\n");
    let p = project_in(
        dir.path(),
        r"
services:
  a:
    image: busybox
    security_opt:
      - no-new-privileges
      - label:disable
      - apparmor=unconfined
      - seccomp=unconfined
      - seccomp:./profile.json
  unconfined:
    image: busybox
    security_opt: [systempaths=unconfined]
  missing:
    image: busybox
    security_opt: [seccomp=./nope.json]
  invalid:
    image: busybox
    security_opt: [nonsense]
",
        &[],
    );
    let a = plan(&p, "a", OLD_API).create.host_config;
    assert_eq!(
        a.security_opt,
        [
            "no-new-privileges",
            "label:disable",
            "apparmor=unconfined",
            "seccomp=unconfined",
            r#"seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}"#,
        ]
    );
    assert_eq!((a.masked_paths, a.readonly_paths), (None, None));
    let u = plan(&p, "unconfined", OLD_API).create.host_config;
    assert!(u.security_opt.is_empty());
    assert_eq!((u.masked_paths, u.readonly_paths), (Some(vec![]), Some(vec![])));
    assert!(error(&p, "missing", OLD_API).contains("opening seccomp profile (./nope.json) failed"));
    assert!(error(&p, "invalid", OLD_API).contains(r#"Invalid security-opt: "nonsense""#));
}

#[test]
fn service_references_resolve_to_containers() {
    let p = project(
        r"
services:
  db:
    image: busybox
  side:
    image: busybox
    network_mode: service:db
    ipc: service:db
    pid: service:db
    volumes_from: [db:ro, container:other:rw, db]
",
    );
    let resolved = ResolvedReferences {
        service_containers: BTreeMap::from([("db".to_owned(), "dbid".to_owned())]),
        ..ResolvedReferences::default()
    };
    let opts = ContainerOptions { resolved, ..options() };
    let h = try_plan(&p, "side", OLD_API, &opts).unwrap().create.host_config;
    assert_eq!(h.network_mode.as_deref(), Some("container:dbid"));
    assert_eq!(h.ipc_mode.as_deref(), Some("container:dbid"));
    assert_eq!(h.pid_mode.as_deref(), Some("container:dbid"));
    // Docker Compose drops the access mode of every entry.
    assert_eq!(h.volumes_from, ["dbid", "other", "dbid"]);

    let missing = try_plan(&p, "side", OLD_API, &options()).unwrap_err();
    assert_eq!(missing, ConvertError::MissingContainer { what: "volume", target: "db".into() });
    assert_eq!(missing.to_string(), "cannot share volume with service db: container missing");
}

#[test]
fn host_namespaces_pass_through() {
    let p = project("services:\n  a:\n    image: busybox\n    network_mode: host\n    pid: host\n    ipc: shareable\n");
    let h = plan(&p, "a", OLD_API).create.host_config;
    assert_eq!(h.network_mode.as_deref(), Some("host"));
    assert_eq!(h.pid_mode.as_deref(), Some("host"));
    assert_eq!(h.ipc_mode.as_deref(), Some("shareable"));
}
