//! Container names and labels: every `com.docker.compose.*` label Docker Compose 2.26.1 sets,
//! one-off containers, recreation.

mod convert_support;

use std::collections::BTreeMap;

use berth_core::convert::{
    container_create, container_labels, depends_on_label, ContainerOptions, CreateContext, OneOff,
};
use berth_core::labels;
use convert_support::{options, plan, project, try_plan, OLD_API};

const YAML: &str = r"
services:
  web:
    image: nginx
    labels:
      com.example.a: one
      com.docker.compose.project: evil
      com.docker.compose.custom: kept
    depends_on:
      db: {condition: service_healthy, restart: true}
      cache: {condition: service_started}
  db:
    image: postgres
  cache:
    image: redis
    container_name: the-cache
  built:
    build: .
";

fn labels_of(service: &str, opts: &ContainerOptions) -> BTreeMap<String, String> {
    let p = project(YAML);
    try_plan(&p, service, OLD_API, opts).unwrap().create.config.labels
}

#[test]
fn every_compose_label_is_set_and_wins_over_the_users() {
    let got = labels_of("web", &ContainerOptions { image_digest: Some("sha256:abc".into()), ..options() });
    let want: BTreeMap<String, String> = [
        ("com.example.a", "one"),
        ("com.docker.compose.custom", "kept"),
        (labels::PROJECT, "p"),
        (labels::SERVICE, "web"),
        (labels::VERSION, "2.26.1"),
        (labels::ONEOFF, "False"),
        (labels::CONTAINER_NUMBER, "1"),
        (labels::CONFIG_HASH, "h"),
        (labels::IMAGE, "sha256:abc"),
        (labels::DEPENDS_ON, "cache:service_started:false,db:service_healthy:true"),
        (labels::WORKING_DIR, "/work/proj"),
        (labels::CONFIG_FILES, "-"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn depends_on_label_is_empty_without_dependencies() {
    let got = labels_of("db", &options());
    assert_eq!(got.get(labels::DEPENDS_ON).map(String::as_str), Some(""));
    assert!(!got.contains_key(labels::IMAGE), "no digest known, no image label");
    assert!(!got.contains_key(labels::ENVIRONMENT_FILE));
    assert!(!got.contains_key(labels::REPLACE));
    assert!(!got.contains_key(labels::SLUG));
}

#[test]
fn depends_on_format() {
    let p = project(YAML);
    assert_eq!(depends_on_label(&p.services["web"]), "cache:service_started:false,db:service_healthy:true");
}

#[test]
fn env_files_and_replace() {
    let p = project(YAML);
    let mut ctx = CreateContext::new(&p, OLD_API);
    ctx.env_files = vec!["/a/.env".into(), "/b/x.env".into()];
    let opts = ContainerOptions { replace: Some("0123456789abcdef".into()), ..options() };
    let got = container_labels(&ctx, &p.services["db"], 3, &opts);
    assert_eq!(got[labels::ENVIRONMENT_FILE], "/a/.env,/b/x.env");
    assert_eq!(got[labels::REPLACE], "0123456789abcdef");
    assert_eq!(got[labels::CONTAINER_NUMBER], "3");
}

#[test]
fn names() {
    let p = project(YAML);
    let ctx = CreateContext::new(&p, OLD_API);
    let name = |svc: &str, n: u32, o: &ContainerOptions| {
        container_create(&ctx, &p.services[svc], n, o).unwrap().create.name.unwrap()
    };
    assert_eq!(name("db", 1, &options()), "p-db-1");
    assert_eq!(name("db", 12, &options()), "p-db-12");
    assert_eq!(name("cache", 1, &options()), "the-cache");
    let recreate = ContainerOptions { create_name: Some("0123456789ab_p-db-1".into()), ..options() };
    assert_eq!(name("db", 1, &recreate), "0123456789ab_p-db-1");

    let mut compat = CreateContext::new(&p, OLD_API);
    compat.separator = "_";
    let created = container_create(&compat, &p.services["db"], 2, &options()).unwrap();
    assert_eq!(created.create.name.as_deref(), Some("p_db_2"));
}

#[test]
fn image_defaults_to_the_build_tag() {
    let p = project(YAML);
    assert_eq!(plan(&p, "built", OLD_API).create.config.image, "p-built");
    assert_eq!(plan(&p, "db", OLD_API).create.config.image, "postgres");
}

#[test]
fn one_off_containers() {
    let slug = "f".repeat(12) + &"0".repeat(52);
    let run = OneOff { slug: slug.clone(), interactive: true, tty: true, auto_remove: true, ..OneOff::default() };
    let opts = ContainerOptions { one_off: Some(run), ..options() };
    let p = project(YAML);
    let created = try_plan(&p, "cache", OLD_API, &opts).unwrap().create;
    // `run` ignores the service's container_name.
    assert_eq!(created.name.as_deref(), Some("p-cache-run-ffffffffffff"));
    assert_eq!(created.config.labels[labels::ONEOFF], "True");
    assert_eq!(created.config.labels[labels::SLUG], slug);
    assert!(created.config.attach_stdin && created.config.open_stdin && created.config.stdin_once);
    assert!(created.config.tty);
    assert!(created.host_config.auto_remove);

    let named = OneOff { slug, name: Some("mine".into()), ..OneOff::default() };
    let created = try_plan(&p, "cache", OLD_API, &ContainerOptions { one_off: Some(named), ..options() }).unwrap();
    assert_eq!(created.create.name.as_deref(), Some("mine"));
    assert!(!created.create.config.attach_stdin && !created.create.config.stdin_once);
}

#[test]
fn effective_service_is_what_docker_compose_hashes() {
    use berth_core::convert::{effective_service, ResolvedReferences};
    let p = project(
        r#"
services:
  db:
    image: postgres
  web:
    image: nginx
    container_name: fixed
    network_mode: service:db
    restart: always
    ports: ["80:80"]
    deploy:
      restart_policy: {condition: any}
"#,
    );
    let ctx = CreateContext::new(&p, OLD_API);
    let resolved = ResolvedReferences {
        service_containers: BTreeMap::from([("db".to_owned(), "dbid".to_owned())]),
        ..ResolvedReferences::default()
    };
    let up = ContainerOptions { resolved: resolved.clone(), ..options() };
    let s = effective_service(&ctx, &p.services["web"], &up).unwrap();
    assert_eq!(s.network_mode, "container:dbid");
    assert_eq!((s.container_name.as_str(), s.restart.as_str()), ("fixed", "always"));

    let run = OneOff { slug: "0".repeat(64), interactive: true, ..OneOff::default() };
    let s = effective_service(&ctx, &p.services["web"], &ContainerOptions { one_off: Some(run), resolved, ..options() }).unwrap();
    assert_eq!(s.container_name, "p-web-run-000000000000");
    assert_eq!((s.restart.as_str(), s.scale, s.stdin_open, s.tty), ("", Some(1), true, false));
    assert!(s.deploy.unwrap().restart_policy.is_none());
    assert!(s.ports.is_empty(), "no --service-ports: no ports");
}
