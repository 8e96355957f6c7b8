//! The `Config` family: command, entrypoint, environment, exposed ports, user and
//! directories, TTY and stdin, stop signal and timeout, health check.

mod convert_support;

use std::collections::BTreeMap;
use std::time::Duration;

use berth_core::convert::{CreateContext, container_create};
use berth_engine::{ContainerPort, HealthConfig};
use convert_support::{error, options, plan, project, NEW_API, OLD_API};

#[test]
fn process_and_identity() {
    let p = project(
        r#"
services:
  a:
    image: busybox
    command: ["echo", "hi there"]
    entrypoint: /bin/sh -c
    user: "1000:1000"
    working_dir: /srv
    hostname: h
    domainname: example.test
    tty: true
    stdin_open: true
    stop_signal: SIGUSR1
    stop_grace_period: 1m30s
  b:
    image: busybox
    command: []
    entrypoint: []
    stop_grace_period: 2500ms
  c:
    image: busybox
"#,
    );
    let a = plan(&p, "a", OLD_API).create.config;
    assert_eq!(a.cmd, Some(vec!["echo".to_owned(), "hi there".to_owned()]));
    assert_eq!(a.entrypoint, Some(vec!["/bin/sh".to_owned(), "-c".to_owned()]));
    assert_eq!(a.user.as_deref(), Some("1000:1000"));
    assert_eq!(a.working_dir.as_deref(), Some("/srv"));
    assert_eq!(a.hostname.as_deref(), Some("h"));
    assert_eq!(a.domainname.as_deref(), Some("example.test"));
    assert!(a.tty && a.open_stdin);
    // `up` never attaches stdin at creation; stdout and stderr always.
    assert!(!a.attach_stdin && !a.stdin_once && a.attach_stdout && a.attach_stderr);
    assert_eq!(a.stop_signal.as_deref(), Some("SIGUSR1"));
    assert_eq!(a.stop_timeout, Some(90));

    // berth-spec's loader currently turns `command: []` into no command (the reference keeps
    // the empty list), so the empty lists are set here.
    let mut p = p;
    if let Some(b) = p.services.get_mut("b") {
        b.command = Some(vec![]);
        b.entrypoint = Some(vec![]);
    }
    let b = plan(&p, "b", OLD_API).create.config;
    assert_eq!(b.cmd, Some(vec![]), "an empty command resets the image's");
    assert_eq!(b.entrypoint, Some(vec![]));
    assert_eq!(b.stop_timeout, Some(2), "seconds, truncated");

    let c = plan(&p, "c", OLD_API).create.config;
    assert_eq!((c.cmd, c.entrypoint, c.stop_timeout, c.user, c.healthcheck), (None, None, None, None, None));
    assert!(!c.network_disabled && c.mac_address.is_none() && c.volumes.is_empty());
}

#[test]
fn environment_is_sorted_with_bare_unset_variables() {
    let p = project(
        r"
services:
  a:
    image: busybox
    environment:
      - Z=last
      - A=1
      - EMPTY=
      - UNSET
",
    );
    let env = plan(&p, "a", OLD_API).create.config.env;
    assert_eq!(env, ["A=1", "EMPTY=", "UNSET", "Z=last"]);
}

#[test]
fn proxy_variables_are_overridden_by_the_service() {
    let p = project("services:\n  a:\n    image: busybox\n    environment: [HTTP_PROXY=mine]\n");
    let mut ctx = CreateContext::new(&p, OLD_API);
    ctx.proxy_env = BTreeMap::from([
        ("HTTP_PROXY".to_owned(), "http://proxy:3128".to_owned()),
        ("NO_PROXY".to_owned(), "localhost".to_owned()),
    ]);
    let created = container_create(&ctx, &p.services["a"], 1, &options()).unwrap();
    assert_eq!(created.create.config.env, ["HTTP_PROXY=mine", "NO_PROXY=localhost"]);
}

#[test]
fn exposed_ports_from_expose_and_ports() {
    let p = project(
        r#"
services:
  a:
    image: busybox
    expose: ["3000", "7000-7001/udp", 9000]
    ports:
      - "8080:80"
      - "127.0.0.1:53:53/udp"
      - "9090-9091:90-91"
      - target: 443
        published: "8443"
"#,
    );
    let got = plan(&p, "a", OLD_API).create.config.exposed_ports;
    let want = vec![
        ContainerPort::udp(53),
        ContainerPort::tcp(80),
        ContainerPort::tcp(90),
        ContainerPort::tcp(91),
        ContainerPort::tcp(443),
        ContainerPort::tcp(3000),
        ContainerPort::udp(7000),
        ContainerPort::udp(7001),
        ContainerPort::tcp(9000),
    ];
    assert_eq!(got, want);
}

#[test]
fn healthcheck() {
    let p = project(
        r#"
services:
  full:
    image: busybox
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
      timeout: 3s
      retries: 4
      start_period: 10s
      start_interval: 1s
  shell:
    image: busybox
    healthcheck:
      test: curl -f http://localhost
  disabled:
    image: busybox
    healthcheck:
      test: ["CMD", "true"]
      disable: true
  none:
    image: busybox
    healthcheck:
      test: ["NONE"]
"#,
    );
    let full = plan(&p, "full", NEW_API).create.config.healthcheck.unwrap();
    assert_eq!(
        full,
        HealthConfig {
            test: vec!["CMD".into(), "true".into()],
            interval: Some(Duration::from_secs(5)),
            timeout: Some(Duration::from_secs(3)),
            retries: Some(4),
            start_period: Some(Duration::from_secs(10)),
            start_interval: Some(Duration::from_secs(1)),
        }
    );
    let e = error(&p, "full", OLD_API);
    assert!(e.contains("can't set healthcheck.start_interval as feature require Docker Engine v25 or later"), "{e}");

    let shell = plan(&p, "shell", OLD_API).create.config.healthcheck.unwrap();
    assert_eq!(shell, HealthConfig { test: vec!["CMD-SHELL".into(), "curl -f http://localhost".into()], ..HealthConfig::default() });
    assert_eq!(plan(&p, "disabled", OLD_API).create.config.healthcheck.unwrap().test, ["NONE"]);
    assert_eq!(plan(&p, "none", OLD_API).create.config.healthcheck.unwrap().test, ["NONE"]);
}

#[test]
fn network_disabled_mode() {
    let p = project("services:\n  a:\n    image: busybox\n    network_mode: disabled\n");
    let created = plan(&p, "a", OLD_API).create;
    assert!(created.config.network_disabled);
    assert_eq!(created.host_config.network_mode.as_deref(), Some("disabled"));
}

#[test]
fn bad_ports_are_errors_not_panics() {
    let p = project("services:\n  a:\n    image: busybox\n    expose: [\"x\"]\n");
    assert!(error(&p, "a", OLD_API).contains("invalid expose"));
}

