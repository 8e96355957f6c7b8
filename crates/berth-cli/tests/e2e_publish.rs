//! End-to-end: `alpha publish` against the local registries of `scripts/registry.sh`
//! (127.0.0.1:5000 open, 127.0.0.1:5001 with basic auth), compared with the reference Docker
//! Compose: both publish the same project, then the manifests and blobs are fetched from the
//! registry with curl and compared (all but the publication time). Every test publishes under
//! repository names of its own and deletes its manifests at the end.

mod e2e_support;

use std::process::{Command, Output};

use e2e_support::{describe, registries, text, Project};
use serde_json::Value;

const OPEN: &str = "127.0.0.1:5000";
const AUTH: &str = "127.0.0.1:5001";
const USER_PASSWORD: &str = "berthtest:berthtest-secret";
/// base64 of `USER_PASSWORD`, as `docker login` stores it.
const USER_PASSWORD_BASE64: &str = "YmVydGh0ZXN0OmJlcnRodGVzdC1zZWNyZXQ=";

const COMPOSE: &str = "services:\n  web:\n    image: 127.0.0.1:5000/berth-test/busybox:latest\n    pull_policy: never\n    \
                       env_file: app.env\n    volumes:\n      - ./data:/data\n  tool:\n    image: 127.0.0.1:5000/berth-test/busybox:1.0\n    \
                       profiles: [debug]\n";
const OVERRIDE: &str = "services:\n  web:\n    environment:\n      A: \"1\"\n";

/// The project (a compose file, an override, an env file and a bind-mounted directory, which
/// 2.26.1 publishes as they are) with a docker config of `config`.
fn project(test: &str, config: &str) -> Option<(Project, tempfile::TempDir, tempfile::TempDir)> {
    if !registries(test) {
        return None;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).expect("write compose.yaml");
    std::fs::write(dir.path().join("compose.override.yaml"), OVERRIDE).expect("write the override");
    std::fs::write(dir.path().join("app.env"), "X=1\n").expect("write app.env");
    std::fs::create_dir_all(dir.path().join("data")).expect("create data");
    let docker_config = tempfile::tempdir().expect("temporary directory");
    std::fs::write(docker_config.path().join("config.json"), config).expect("write config.json");
    // No `-f`: the override is discovered next to compose.yaml, as in Compose.
    let p = Project::with_file(test, &dir.path().join("compose.yaml"))?
        .env("DOCKER_CONFIG", &docker_config.path().to_string_lossy());
    Some((p, dir, docker_config))
}

/// `COMMAND ARGS` in the project directory with `-p NAME` (no `-f`, so the override is found)
/// and the project's environment, except for the variables `c` already sets.
fn run(p: &Project, mut c: Command, args: &[&str]) -> Output {
    c.current_dir(&p.dir).arg("-p").arg(&p.name).args(args);
    for (k, v) in &p.env {
        if !c.get_envs().any(|(key, _)| key == k.as_str()) {
            c.env(k, v);
        }
    }
    c.output().expect("run the command")
}

fn berth(p: &Project, args: &[&str]) -> Output {
    run(p, Command::new(e2e_support::berth_bin()), args)
}

fn reference(p: &Project, args: &[&str]) -> Output {
    run(p, e2e_support::reference_command(), args)
}

/// `REGISTRY/berth-e2e/publish-NAME-PID`, a repository of this test run.
fn repository(registry: &str, name: &str) -> String {
    format!("{registry}/berth-e2e/publish-{name}-{}", std::process::id())
}

/// `curl` of `url` with `Accept: accept` and optional credentials: status and body.
fn curl(url: &str, accept: &str, user: Option<&str>) -> (u16, Vec<u8>) {
    let mut c = Command::new("curl");
    c.args(["-s", "-H", &format!("Accept: {accept}"), "-w", "\n%{http_code}", url]);
    if let Some(u) = user {
        c.args(["-u", u]);
    }
    let out = c.output().expect("run curl");
    let mut body = out.stdout;
    let split = body.iter().rposition(|b| *b == b'\n').unwrap_or(0);
    let status = text(&body[split + 1..]).trim().parse().unwrap_or(0);
    body.truncate(split);
    (status, body)
}

/// The manifest tagged `tag` in `repository` (`host/path`), parsed; `None` when absent.
fn manifest(repository: &str, tag: &str, user: Option<&str>) -> Option<Value> {
    let (host, path) = repository.split_once('/').expect("host/path");
    let (status, body) = curl(&format!("http://{host}/v2/{path}/manifests/{tag}"), "application/vnd.oci.image.manifest.v1+json", user);
    (status == 200).then(|| serde_json::from_slice(&body).expect("manifest JSON"))
}

fn blob(repository: &str, digest: &str, user: Option<&str>) -> Vec<u8> {
    let (host, path) = repository.split_once('/').expect("host/path");
    let (status, body) = curl(&format!("http://{host}/v2/{path}/blobs/{digest}"), "*/*", user);
    assert_eq!(status, 200, "blob {digest} of {repository}");
    body
}

/// Deletes the manifests of the listed `(repository, tag)` pairs when dropped.
struct Published(Vec<(String, String, Option<&'static str>)>);

impl Drop for Published {
    fn drop(&mut self) {
        for (repository, tag, user) in &self.0 {
            let (host, path) = repository.split_once('/').unwrap_or_default();
            let mut head = Command::new("curl");
            head.args(["-sI", "-H", "Accept: application/vnd.oci.image.manifest.v1+json"]);
            head.arg(format!("http://{host}/v2/{path}/manifests/{tag}"));
            if let Some(u) = user {
                head.args(["-u", u]);
            }
            let Ok(out) = head.output() else { continue };
            let headers = text(&out.stdout);
            let digest = headers.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("docker-content-digest").then(|| v.trim().to_owned())
            });
            if let Some(digest) = digest {
                let mut delete = Command::new("curl");
                delete.args(["-s", "-X", "DELETE", &format!("http://{host}/v2/{path}/manifests/{digest}")]);
                if let Some(u) = user {
                    delete.args(["-u", u]);
                }
                let _ = delete.output();
            }
        }
    }
}

/// The manifest without its publication time, which differs from run to run; checks that
/// the time is RFC 3339, as Go writes it.
fn comparable(mut manifest: Value) -> Value {
    let created = manifest["annotations"]["org.opencontainers.image.created"].take();
    let created = created.as_str().unwrap_or_default().to_owned();
    assert!(
        created.len() >= 20 && created.get(10..11) == Some("T") && (created.ends_with('Z') || created.get(19..20) == Some("+") || created.get(19..20) == Some("-")),
        "publication time {created:?}"
    );
    manifest
}

fn ok(out: &Output, what: &str) {
    assert!(out.status.success(), "{what}\n{}", describe(out));
}

#[test]
fn publish_pushes_the_artifact_compose_pushes() {
    let Some((p, dir, _config)) = project("publish_same_artifact", "{}") else { return };
    let repo = repository(OPEN, "same");
    let _cleanup = Published(vec![
        (repo.clone(), "ref10".into(), None),
        (repo.clone(), "berth10".into(), None),
        (repo.clone(), "berth10d".into(), None),
        (repo.clone(), "berth".into(), None),
        (repo.clone(), "ref11".into(), None),
    ]);

    // OCI 1.0: the config is a typed `{}` blob, no artifactType. The reference resolves image
    // digests through the engine's `/distribution` endpoint, which Podman lacks (it fails
    // there with "Not Found"); berth asks the registry, so on Podman the two are compared
    // without digests and berth's digests are checked alone.
    let podman = e2e_support::is_podman();
    let resolve: &[&str] = if podman { &[] } else { &["--resolve-image-digests"] };
    let with = |tag: String| -> Vec<String> {
        let mut args: Vec<String> = ["alpha", "publish", "--oci-version", "1.0"].map(String::from).to_vec();
        args.extend(resolve.iter().map(|a| (*a).to_owned()));
        args.push(tag);
        args
    };
    let (ref10, berth10) = (with(format!("{repo}:ref10")), with(format!("{repo}:berth10")));
    let out = reference(&p, &ref10.iter().map(String::as_str).collect::<Vec<_>>());
    ok(&out, "the reference's publish");
    let out = berth(&p, &berth10.iter().map(String::as_str).collect::<Vec<_>>());
    ok(&out, "berth's publish");
    let err = text(&out.stderr);
    assert!(err.contains("web Skipped") && err.contains(&format!("{repo}:berth10 published")), "{err}");
    let theirs = comparable(manifest(&repo, "ref10", None).expect("the reference's manifest"));
    let mut ours = comparable(manifest(&repo, "berth10", None).expect("berth's manifest"));
    assert_eq!(ours, theirs);
    if podman {
        let out = berth(&p, &["alpha", "publish", "--oci-version", "1.0", "--resolve-image-digests", &format!("{repo}:berth10d")]);
        ok(&out, "berth's publish with digests");
        ours = comparable(manifest(&repo, "berth10d", None).expect("berth's manifest with digests"));
    }
    assert!(ours.get("artifactType").is_none());
    assert_eq!(ours["config"]["mediaType"], "application/vnd.docker.compose.config.empty.v1+json");
    let layers = ours["layers"].as_array().expect("layers");
    let names: Vec<&str> = layers.iter().map(|l| l["annotations"]["com.docker.compose.file"].as_str().unwrap_or_default()).collect();
    assert_eq!(names, ["compose.yaml", "compose.override.yaml", "image-digests.yaml"]);
    for layer in layers {
        assert_eq!(layer["mediaType"], "application/vnd.docker.compose.file+yaml");
        assert_eq!(layer["annotations"]["com.docker.compose.version"], "2.26.1");
    }
    // The files as written, and the digests of every profile's images.
    let digest = |i: usize| layers[i]["digest"].as_str().unwrap_or_default().to_owned();
    assert_eq!(blob(&repo, &digest(0), None), std::fs::read(dir.path().join("compose.yaml")).unwrap());
    assert_eq!(blob(&repo, &digest(1), None), OVERRIDE.as_bytes());
    let digests = text(&blob(&repo, &digest(2), None));
    assert!(digests.starts_with("services:\n  tool:\n    image: 127.0.0.1:5000/berth-test/busybox:1.0@sha256:"), "{digests}");
    assert!(digests.contains("\n  web:\n    image: 127.0.0.1:5000/berth-test/busybox:latest@sha256:"), "{digests}");

    // The default is OCI 1.1: the type in artifactType, the empty config inline. berth uploads
    // the empty config blob, which 2.26.1 only references (its push fails on a repository
    // that lacks it), so the reference publishes after berth here.
    let out = berth(&p, &["alpha", "publish", &format!("{repo}:berth")]);
    ok(&out, "berth's default publish");
    let out = reference(&p, &["alpha", "publish", "--oci-version", "1.1", &format!("{repo}:ref11")]);
    ok(&out, "the reference's OCI 1.1 publish");
    let theirs = comparable(manifest(&repo, "ref11", None).expect("the reference's manifest"));
    let ours = comparable(manifest(&repo, "berth", None).expect("berth's manifest"));
    assert_eq!(ours, theirs);
    assert_eq!(ours["artifactType"], "application/vnd.docker.compose.project");
    assert_eq!(ours["config"]["data"], "e30=");
    assert_eq!(blob(&repo, ours["config"]["digest"].as_str().unwrap_or_default(), None), b"{}");
}

#[test]
fn publish_uses_the_credentials_compose_uses() {
    let auths = format!(r#"{{"auths":{{"{AUTH}":{{"auth":"{USER_PASSWORD_BASE64}"}}}}}}"#);
    let Some((p, _dir, _config)) = project("publish_credentials", &auths) else { return };
    let repo = repository(AUTH, "auth");
    let _cleanup = Published(vec![(repo.clone(), "v1".into(), Some(USER_PASSWORD))]);

    let out = berth(&p, &["alpha", "publish", &format!("{repo}:v1")]);
    ok(&out, "berth's publish with credentials");
    let ours = manifest(&repo, "v1", Some(USER_PASSWORD)).expect("the manifest");
    assert_eq!(ours["layers"].as_array().map(Vec::len), Some(2));
    assert!(manifest(&repo, "v1", None).is_none(), "the registry answers without credentials");

    // Without credentials both refuse, with the same words.
    let empty = tempfile::tempdir().expect("temporary directory");
    std::fs::write(empty.path().join("config.json"), "{}").expect("write config.json");
    let anonymous = |command: Command| {
        let mut c = command;
        c.env("DOCKER_CONFIG", empty.path());
        c
    };
    let denied = "push access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials";
    let target = format!("{repo}:v2");
    let args = ["alpha", "publish", "--oci-version", "1.0", target.as_str()];
    let theirs = run(&p, anonymous(e2e_support::reference_command()), &args);
    let ours = run(&p, anonymous(Command::new(e2e_support::berth_bin())), &args);
    for out in [&theirs, &ours] {
        assert_eq!(out.status.code(), Some(1), "{}", describe(out));
        assert!(text(&out.stderr).contains(denied), "{}", describe(out));
    }
    assert!(manifest(&repo, "v2", Some(USER_PASSWORD)).is_none());
}

#[test]
fn publish_refuses_what_compose_refuses_and_dry_run_pushes_nothing() {
    let Some((p, _dir, _config)) = project("publish_refusals", "{}") else { return };
    let repo = repository(OPEN, "dry");
    let _cleanup = Published(vec![(repo.clone(), "v1".into(), None)]);

    let out = berth(&p, &["--dry-run", "alpha", "publish", &format!("{repo}:v1")]);
    ok(&out, "a dry run");
    assert!(text(&out.stderr).contains(&format!("{repo}:v1 published")), "{}", describe(&out));
    assert!(manifest(&repo, "v1", None).is_none(), "a dry run pushed");

    for (args, message) in [
        (vec!["alpha", "publish", "127.0.0.1:5000/Berth/X"], "invalid reference format: repository name (Berth/X) must be lowercase"),
        (vec!["alpha", "publish", "127.0.0.1:5000/a b"], "invalid reference format"),
        (vec!["alpha", "publish", "--oci-version", "2", "127.0.0.1:5000/berth-e2e/x"], "unsupported OCI version: 2"),
        (vec!["alpha", "publish"], "accepts 1 arg(s), received 0"),
        (vec!["alpha", "publish", "a", "b"], "accepts 1 arg(s), received 2"),
    ] {
        for out in [reference(&p, &args), berth(&p, &args)] {
            assert_eq!(out.status.code(), Some(1), "{args:?}\n{}", describe(&out));
            assert!(text(&out.stderr).trim_end().ends_with(message), "{args:?}\n{}", describe(&out));
        }
    }
}
