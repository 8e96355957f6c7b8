//! The build module on the fake engine: planning rules and what reaches the engine.

use std::path::Path;

use berth_engine::{FakeEngine, ImageConfig};
use berth_spec::model::{BuildConfig, ServiceConfig};

use super::*;
use crate::events::Recorder;

fn project(dir: &Path, services: &[(&str, BuildConfig, &str)]) -> Project {
    let mut p = Project { name: "lab".into(), working_dir: dir.display().to_string(), ..Project::default() };
    for (name, build, image) in services {
        let mut b = build.clone();
        if b.context.is_empty() {
            b.context = dir.display().to_string();
        }
        p.services.insert(
            (*name).to_owned(),
            ServiceConfig { name: (*name).to_owned(), build: Some(b), image: (*image).to_owned(), ..ServiceConfig::default() },
        );
    }
    p
}

fn all(p: &Project) -> Vec<String> {
    p.services.keys().cloned().collect()
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = d.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    d
}

#[test]
fn options_come_from_the_build_section_and_the_command_line() {
    let d = dir_with(&[]);
    let build = BuildConfig {
        args: BTreeMap::from([
            ("A".to_owned(), Some("file".to_owned())),
            ("B".to_owned(), None),
            ("C".to_owned(), None),
            ("HTTP_PROXY".to_owned(), Some("mine".to_owned())),
        ]),
        target: "prod".into(),
        labels: BTreeMap::from([("x".to_owned(), "y".to_owned())]),
        tags: vec!["extra:1".into()],
        network: "host".into(),
        shm_size: berth_spec::model::UnitBytes(1024),
        ..BuildConfig::default()
    };
    let mut p = project(d.path(), &[("web", build, "")]);
    p.environment.insert("B".into(), "from-env".into());
    let settings = BuildSettings {
        args: BTreeMap::from([("A".to_owned(), Some("cli".to_owned()))]),
        no_cache: true,
        memory: Some(64),
        proxy_env: BTreeMap::from([("HTTP_PROXY".to_owned(), "cfg".to_owned()), ("NO_PROXY".to_owned(), "x".to_owned())]),
        ..BuildSettings::default()
    };
    let jobs = plan(&p, &all(&p), &settings).unwrap();
    let [job] = jobs.as_slice() else { panic!("{jobs:?}") };
    let o = &job.options;
    assert_eq!(
        o.build_args,
        BTreeMap::from([
            ("A".to_owned(), "cli".to_owned()),
            ("B".to_owned(), "from-env".to_owned()),
            ("HTTP_PROXY".to_owned(), "mine".to_owned()),
            ("NO_PROXY".to_owned(), "x".to_owned()),
        ]),
        "C has no value anywhere and is left out"
    );
    assert_eq!(o.tags, ["lab-web", "extra:1"]);
    assert_eq!(o.target.as_deref(), Some("prod"));
    assert_eq!(o.network_mode.as_deref(), Some("host"));
    assert_eq!((o.shm_size, o.memory, o.no_cache, o.pull), (Some(1024), Some(64), true, false));
    assert!(o.force_remove, "a failed step leaves no container behind");
    assert_eq!(o.labels.get("x").map(String::as_str), Some("y"));
    assert_eq!(o.labels.get(labels::PROJECT).map(String::as_str), Some("lab"));
    assert_eq!(o.labels.get(labels::SERVICE).map(String::as_str), Some("web"));
    assert_eq!(o.labels.get(labels::VERSION).map(String::as_str), Some(labels::COMPOSE_VERSION));
}

#[test]
fn what_the_classic_builder_cannot_do_is_named() {
    let d = dir_with(&[]);
    let cases: Vec<(BuildConfig, &str)> = vec![
        (BuildConfig { ssh: vec![SshKey { id: "default".into(), path: String::new() }], ..BuildConfig::default() }, "build.ssh"),
        (BuildConfig { cache_to: vec!["type=local".into()], ..BuildConfig::default() }, "build.cache_to"),
        (BuildConfig { additional_contexts: BTreeMap::from([("a".to_owned(), "/a".to_owned())]), ..BuildConfig::default() }, "build.additional_contexts"),
        (BuildConfig { platforms: vec!["linux/amd64".into(), "linux/arm64".into()], ..BuildConfig::default() }, "build.platforms with several platforms"),
    ];
    for (build, attribute) in cases {
        let p = project(d.path(), &[("web", build, "")]);
        let err = plan(&p, &all(&p), &BuildSettings::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("service \"web\": {attribute} is not supported by the engine's classic builder, which berth uses")
        );
    }
    let p = project(d.path(), &[("web", BuildConfig::default(), "")]);
    let ssh = BuildSettings { ssh: vec![SshKey { id: "default".into(), path: String::new() }], ..BuildSettings::default() };
    assert!(plan(&p, &all(&p), &ssh).unwrap_err().to_string().contains("--ssh"));
}

#[test]
fn one_platform_is_passed_and_checked() {
    let d = dir_with(&[]);
    let one = BuildConfig { platforms: vec!["linux/amd64".into()], ..BuildConfig::default() };
    let mut p = project(d.path(), &[("web", one, "")]);
    assert_eq!(plan(&p, &all(&p), &BuildSettings::default()).unwrap()[0].options.platform.as_deref(), Some("linux/amd64"));
    p.services.get_mut("web").unwrap().platform = "linux/arm64".into();
    let err = plan(&p, &all(&p), &BuildSettings::default()).unwrap_err();
    assert_eq!(err.to_string(), "service \"web\": build configuration does not support platform: linux/arm64");
}

#[test]
fn identical_builds_are_merged_with_every_tag() {
    let d = dir_with(&[]);
    let p = project(
        d.path(),
        &[("a", BuildConfig::default(), ""), ("b", BuildConfig::default(), "shared:1"), ("c", BuildConfig { target: "t".into(), ..BuildConfig::default() }, "")],
    );
    let jobs = plan(&p, &all(&p), &BuildSettings::default()).unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0].services, ["a", "b"]);
    assert_eq!(jobs[0].options.tags, ["lab-a", "shared:1"]);
    assert_eq!(jobs[1].services, ["c"]);
}

#[test]
fn sizes_print_as_the_docker_cli_prints_them() {
    assert_eq!(human_size(248), "248B");
    assert_eq!(human_size(1234), "1.234kB");
    assert_eq!(human_size(12_345), "12.35kB");
    assert_eq!(human_size(2_000_000), "2MB");
}

#[tokio::test]
async fn builds_reach_the_engine_once_per_distinct_build() {
    let d = dir_with(&[("Dockerfile", "FROM base\nARG GREETING\nLABEL greeting=$GREETING\nCMD [\"run\"]\n"), ("app.txt", "x")]);
    let engine = FakeEngine::new();
    engine.add_image("base", ImageConfig::default());
    let p = project(d.path(), &[("a", BuildConfig::default(), ""), ("b", BuildConfig::default(), "named:1")]);
    let sink = Recorder::new();
    let built = build(&engine, &p, &all(&p), &BuildSettings::default(), &sink).await.unwrap();
    assert_eq!(built.keys().collect::<Vec<_>>(), ["lab-a", "named:1"]);
    assert_eq!(built["lab-a"], built["named:1"]);
    let calls: Vec<String> = engine.calls().into_iter().filter(|c| c.starts_with("build_image")).collect();
    assert_eq!(calls, ["build_image lab-a"]);
    let image = engine.inspect_image("named:1").await.unwrap();
    assert_eq!(image.config.cmd, ["run"]);
    assert_eq!(image.config.labels.get(labels::PROJECT).map(String::as_str), Some("lab"));
    let output: String = sink
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Build { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    assert!(output.starts_with("Sending build context to Docker daemon"), "{output}");
    assert!(output.contains("Step 1/"), "{output}");
}

#[tokio::test]
async fn a_failed_build_keeps_the_builder_message() {
    let d = dir_with(&[("Dockerfile", "FROM missing-base\n")]);
    let engine = FakeEngine::new();
    let p = project(d.path(), &[("a", BuildConfig::default(), "")]);
    let err = build(&engine, &p, &all(&p), &BuildSettings::default(), &Recorder::new()).await.unwrap_err();
    assert!(err.to_string().contains("missing-base"), "{err}");
}

#[tokio::test]
async fn push_sends_named_images_only() {
    let d = dir_with(&[("Dockerfile", "FROM base\n")]);
    let engine = FakeEngine::new();
    engine.add_image("base", ImageConfig::default());
    let p = project(d.path(), &[("a", BuildConfig::default(), ""), ("b", BuildConfig { target: String::new(), dockerfile: "Dockerfile".into(), ..BuildConfig::default() }, "reg/b:1")]);
    let settings = BuildSettings { push: true, ..BuildSettings::default() };
    let sink = Recorder::new();
    build(&engine, &p, &all(&p), &settings, &sink).await.unwrap();
    let pushes: Vec<String> = engine.calls().into_iter().filter(|c| c.starts_with("push_image")).collect();
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    assert!(pushes[0].contains("reg/b:1"), "{pushes:?}");
}

#[tokio::test]
async fn dry_run_builds_and_pushes_nothing() {
    let d = dir_with(&[("Dockerfile", "FROM base\n")]);
    let engine = FakeEngine::new();
    engine.add_image("base", ImageConfig::default());
    let p = project(d.path(), &[("b", BuildConfig { dockerfile: "Dockerfile".into(), ..BuildConfig::default() }, "reg/b:1")]);
    let settings = BuildSettings { push: true, dry_run: true, ..BuildSettings::default() };
    let sink = Recorder::new();
    build(&engine, &p, &all(&p), &settings, &sink).await.unwrap();
    let writes: Vec<String> =
        engine.calls().into_iter().filter(|c| c.starts_with("build_image") || c.starts_with("push_image")).collect();
    assert!(writes.is_empty(), "{writes:?}");
    let lines = sink.progress_lines();
    assert!(lines.contains(&"Service b Built".to_owned()), "{lines:?}");
    assert!(lines.contains(&"Service Pushing reg/b:1 Pushed".to_owned()), "{lines:?}");
}
