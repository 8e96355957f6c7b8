//! End-to-end: `pull`, `push`, registry credentials and `pull_policy`, on the real engine
//! against the local registries of `scripts/registry.sh` (127.0.0.1:5000 open, 127.0.0.1:5001
//! with basic auth), compared with the reference Docker Compose where their outputs should
//! agree. Every test pushes images under names of its own and removes its local images.

mod e2e_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use e2e_support::{describe, docker, registries, text, Project};

const OPEN: &str = "127.0.0.1:5000";
const AUTH: &str = "127.0.0.1:5001";
const USER: &str = "berthtest";
const PASSWORD: &str = "berthtest-secret";

/// Local images the test made, removed at the end even when it fails.
struct Images(Vec<String>);

impl Images {
    fn add(&mut self, image: &str) -> String {
        self.0.push(image.to_owned());
        image.to_owned()
    }
}

impl Drop for Images {
    fn drop(&mut self) {
        for image in &self.0 {
            let _ = Command::new("docker").args(["rmi", "-f", image]).output();
        }
    }
}

/// A reference unique to this test run: `REGISTRY/berth-e2e/NAME-PID:TAG`.
fn unique(registry: &str, name: &str, tag: &str) -> String {
    format!("{registry}/berth-e2e/{name}-{}:{tag}", std::process::id())
}

fn present(image: &str) -> bool {
    Command::new("docker").args(["image", "inspect", image]).output().is_ok_and(|o| o.status.success())
}

/// A docker config directory holding `config` as its `config.json`.
fn docker_config(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("config.json"), config).expect("write config.json");
    dir
}

/// base64 of `USER:PASSWORD`, as `docker login` stores it.
const USER_PASSWORD_BASE64: &str = "YmVydGh0ZXN0OmJlcnRodGVzdC1zZWNyZXQ=";

fn auth_config() -> tempfile::TempDir {
    docker_config(&format!(r#"{{"auths":{{"{AUTH}":{{"auth":"{USER_PASSWORD_BASE64}"}}}}}}"#))
}

/// Pushes the test image to `image` with the docker CLI, then removes the local tag.
fn seed(image: &str, config: Option<&Path>) {
    docker(&["tag", "berth-test/busybox:latest", image]);
    let mut push = Command::new("docker");
    push.args(["push", "-q", image]);
    if let Some(dir) = config {
        push.env("DOCKER_CONFIG", dir);
    }
    let out = push.output().expect("run docker push");
    assert!(out.status.success(), "seeding {image}: {}", describe(&out));
    docker(&["rmi", image]);
}

fn project(test: &str, yaml: &str) -> Option<(Project, tempfile::TempDir)> {
    if !registries(test) {
        return None;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, yaml).expect("write compose.yaml");
    std::fs::write(dir.path().join("Dockerfile"), "FROM berth-test/busybox:latest\n").expect("write Dockerfile");
    Project::with_file(test, &file).map(|p| (p.env("DOCKER_CONFIG", &empty_config().to_string_lossy()), dir))
}

/// A docker config directory with no credentials, so the machine's own does not interfere.
fn empty_config() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("berth-e2e-pull-empty-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn with_config(c: &mut Command, dir: &Path) -> Output {
    c.env("DOCKER_CONFIG", dir).output().expect("run command")
}

#[test]
fn pull_fetches_images_and_classifies_failures_like_compose() {
    let _serial = e2e_support::podman_serial();
    let mut images = Images(Vec::new());
    let good = images.add(&unique(OPEN, "pull-good", "1"));
    let missing = unique(OPEN, "pull-good", "nope");
    let yaml = format!("services:\n  good:\n    image: {good}\n  missing:\n    image: {missing}\n  built:\n    build: .\n");
    let Some((p, _dir)) = project("pull_fetches_images", &yaml) else { return };
    seed(&good, None);

    // Only the named service, without dependencies: the image arrives.
    let out = p.berth_ok(&["pull", "good"]);
    assert!(present(&good), "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(err.contains(" good Pulling") && err.contains(" good Pulled"), "{}", describe(&out));

    // A missing tag: exit 18 like the reference, the same progress lines, and a classified
    // summary with the fix.
    let ours = p.berth(&["--progress", "plain", "pull", "missing"]);
    let theirs = p.reference_cmd().args(["--progress", "plain", "pull", "missing"]).output().expect("reference");
    assert_eq!(ours.status.code(), Some(18), "{}", describe(&ours));
    assert_eq!(ours.status.code(), theirs.status.code(), "reference: {}", describe(&theirs));
    let progress = |o: &Output| text(&o.stderr).lines().filter(|l| l.starts_with(" missing")).map(str::to_owned).collect::<Vec<_>>();
    let mut expected = progress(&theirs);
    if e2e_support::is_podman() {
        // Podman accepts the pull request and reports the missing tag inside the progress
        // stream. The reference then prints no `Error` line for the service (it prints one
        // when the engine refuses the request, as Docker does); berth prints it on both
        // engines (docs/engines.md).
        let error = progress(&ours).into_iter().find(|l| l.starts_with(" missing Error ") && l.contains("manifest unknown"));
        expected.extend(error);
    }
    assert_eq!(progress(&ours), expected, "berth: {}\nreference: {}", describe(&ours), describe(&theirs));
    let err = text(&ours.stderr);
    assert!(err.contains("not found") && err.contains("check the image name and tag in service missing"), "{err}");

    // Every pull runs; failures are ignored on request; services to build are skipped.
    docker(&["rmi", &good]);
    let out = p.berth(&["--progress", "plain", "pull", "--ignore-pull-failures"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(present(&good), "the good image is pulled despite the other failure");
    assert!(text(&out.stderr).contains(" built Skipped - No image to be pulled"), "{}", describe(&out));

    // Quiet: nothing on stdout or stderr when all goes well.
    let out = p.berth_ok(&["pull", "-q", "good"]);
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{}", describe(&out));
}

#[test]
fn unreachable_registry_is_named_with_the_fix() {
    let _serial = e2e_support::podman_serial();
    let yaml = "services:\n  far:\n    image: 127.0.0.1:5999/berth-e2e/none:1\n";
    let Some((p, _dir)) = project("unreachable_registry", yaml) else { return };
    let out = p.berth(&["pull"]);
    assert_eq!(out.status.code(), Some(18), "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(err.contains("registry unreachable") && err.contains("is the registry 127.0.0.1:5999 running"), "{err}");
}

#[test]
fn push_and_pull_with_credentials_from_the_docker_config() {
    let _serial = e2e_support::podman_serial();
    let mut images = Images(Vec::new());
    let image = images.add(&unique(AUTH, "auth", "1"));
    let yaml = format!(
        "services:\n  app:\n    image: {image}\n    build: .\n  mirror:\n    image: {image}\n  other:\n    image: berth-test/busybox:latest\n"
    );
    let Some((p, _dir)) = project("push_and_pull_with_credentials", &yaml) else { return };
    docker(&["tag", "berth-test/busybox:latest", &image]);
    let creds = auth_config();

    // Without credentials the registry refuses, and berth says how to fix it. (Podman reports
    // the refusal in the push's stream as Docker does. Its service also tries credentials of
    // its own, its user's `~/.docker/config.json` and `auth.json`: with some for this registry
    // there, this push would succeed. `scripts/engine.sh --podman` starts it with none.)
    let out = p.berth(&["push"]);
    assert_ne!(out.status.code(), Some(0), "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(err.contains("unauthorised") && err.contains(&format!("docker login {AUTH}")), "{err}");

    // With `auths` in DOCKER_CONFIG: pushed (services without build are skipped), pulled back.
    let out = with_config(p.berth_cmd().args(["--progress", "plain", "push"]), creds.path());
    assert!(out.status.success(), "{}", describe(&out));
    assert!(text(&out.stderr).contains(" other Skipped"), "{}", describe(&out));
    // Layer lines named as Compose names them. Podman 4.3 sends none: its push stream has
    // only the `The push refers to repository` and `digest:` statuses.
    if !e2e_support::is_podman() {
        assert!(text(&out.stderr).contains(&format!(" Pushing {image}: ")), "{}", describe(&out));
    }
    docker(&["rmi", &image]);
    let out = with_config(p.berth_cmd().args(["pull", "app"]), creds.path());
    assert!(out.status.success(), "{}", describe(&out));
    assert!(present(&image));

    // Without credentials the pull is refused: exit 18, classified (for a service that
    // cannot build the image instead).
    docker(&["rmi", &image]);
    let out = p.berth(&["pull", "mirror"]);
    assert_eq!(out.status.code(), Some(18), "{}", describe(&out));
    assert!(text(&out.stderr).contains("unauthorised"), "{}", describe(&out));
}

#[test]
fn credential_helper_from_creds_store_is_used() {
    let _serial = e2e_support::podman_serial();
    let mut images = Images(Vec::new());
    let image = images.add(&unique(AUTH, "helper", "1"));
    let yaml = format!("services:\n  app:\n    image: {image}\n");
    let Some((p, _dir)) = project("credential_helper", &yaml) else { return };
    seed(&image, Some(auth_config().path()));

    // A helper speaking the docker-credential protocol: `get`, server on stdin, JSON out.
    let bin = tempfile::tempdir().expect("temporary directory");
    let helper = bin.path().join("docker-credential-berthtest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread -r server\n[ \"$server\" = {AUTH} ] || {{ echo 'credentials not found in native keychain'; exit 1; }}\n\
             printf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n"
        ),
    )
    .expect("write helper");
    std::process::Command::new("chmod").args(["+x"]).arg(&helper).status().expect("chmod");
    let config = docker_config(r#"{"credsStore":"berthtest"}"#);
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    let out = with_config(p.berth_cmd().env("PATH", &path).args(["pull"]), config.path());
    assert!(out.status.success(), "{}", describe(&out));
    assert!(present(&image));
}

#[test]
fn up_follows_pull_policy() {
    let _serial = e2e_support::podman_serial();
    let mut images = Images(Vec::new());
    // Local only (never pushed): pulling it fails.
    let local = images.add(&unique(OPEN, "policy-local", "1"));
    // In the registry only.
    let remote = images.add(&unique(OPEN, "policy-remote", "1"));
    docker(&["tag", "berth-test/busybox:latest", &local]);
    let service = |name: &str, image: &str, policy: &str| {
        format!("  {name}:\n    image: {image}\n    pull_policy: {policy}\n    command: [sleep, '300']\n    init: true\n")
    };
    let yaml = format!(
        "services:\n{}{}{}{}",
        service("never", &local, "never"),
        service("missing", &local, "missing"),
        service("build", &local, "build"),
        service("fetch", &remote, "missing"),
    );
    let Some((p, _dir)) = project("up_follows_pull_policy", &yaml) else { return };
    seed(&remote, None);

    // never/missing/build use the local image; the missing one is pulled.
    let out = p.berth(&["--progress", "plain", "up", "-d"]);
    assert!(out.status.success(), "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(err.contains(" fetch Pulling") && err.contains(" fetch Pulled"), "{err}");
    for quiet in ["never", "missing", "build"] {
        assert!(!err.contains(&format!(" {quiet} Pulling")), "{quiet} must not pull: {err}");
    }
    assert!(present(&remote));

    // `--pull always` pulls even present images: the local-only one is not in the registry,
    // so up fails with Compose's exit code for a failed pull.
    let out = p.berth(&["up", "-d", "--pull", "always", "missing"]);
    assert_eq!(out.status.code(), Some(18), "{}", describe(&out));
    let theirs = p.reference_cmd().args(["up", "-d", "--pull", "always", "missing"]).output().expect("reference");
    assert_eq!(theirs.status.code(), Some(18), "reference: {}", describe(&theirs));
    assert!(text(&out.stderr).contains("not found"), "{}", describe(&out));

    // `--pull never` with a missing image is an error naming it.
    docker(&["rmi", &remote]);
    let out = p.berth(&["up", "-d", "--pull", "never", "fetch"]);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(text(&out.stderr).contains(&remote), "{}", describe(&out));

    // `--quiet-pull`: the pull happens without layer lines.
    let out = p.berth(&["--progress", "plain", "up", "-d", "--quiet-pull", "fetch"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(text(&out.stderr).lines().all(|l| !l.contains("Pull complete")), "{}", describe(&out));
}

#[test]
fn config_resolve_image_digests_pins_images_like_compose() {
    let _serial = e2e_support::podman_serial();
    let mut images = Images(Vec::new());
    let image = images.add(&unique(OPEN, "digest", "1"));
    let untagged = image.trim_end_matches(":1").to_owned();
    let yaml = format!("services:\n  tagged:\n    image: {image}\n  bare:\n    image: {untagged}:latest\n  built:\n    build: .\n");
    let Some((p, _dir)) = project("config_resolve_image_digests", &yaml) else { return };
    seed(&image, None);
    docker(&["tag", "berth-test/busybox:latest", &format!("{untagged}:latest")]);
    docker(&["push", "-q", &format!("{untagged}:latest")]);
    images.add(&format!("{untagged}:latest"));
    let digest = docker(&["inspect", "--format", "{{index .RepoDigests 0}}", &format!("{untagged}:latest")]);
    let digest = digest.trim().rsplit('@').next().unwrap_or_default().to_owned();

    let image_lines = |o: &Output| {
        let mut lines: Vec<String> = text(&o.stdout).lines().filter(|l| l.contains("image:")).map(str::to_owned).collect();
        lines.sort();
        lines
    };
    let ours = p.berth_ok(&["config", "--resolve-image-digests", "--no-interpolate"]);
    assert_eq!(
        image_lines(&ours),
        [format!("    image: {image}@{digest}"), format!("    image: {untagged}:latest@{digest}")],
        "{}",
        describe(&ours)
    );
    // The reference pins only with --no-interpolate (its other path ignores the flag); the
    // pinned references are the same. On Podman the reference cannot pin: it asks the engine's
    // `GET /distribution/{name}/json`, which Podman 4.3 lacks (404), where berth asks the
    // registry itself.
    let theirs = p.reference_cmd().args(["config", "--resolve-image-digests", "--no-interpolate"]).output().expect("reference");
    if e2e_support::is_podman() {
        assert_eq!(theirs.status.code(), Some(1), "{}", describe(&theirs));
        assert!(text(&theirs.stderr).contains("Error response from daemon: Not Found"), "{}", describe(&theirs));
    } else {
        assert!(theirs.status.success(), "{}", describe(&theirs));
        assert_eq!(image_lines(&ours), image_lines(&theirs));
    }
    let interpolated = p.berth_ok(&["config", "--resolve-image-digests"]);
    assert_eq!(image_lines(&interpolated), image_lines(&ours));

    // An image the registry does not have is an error naming the service.
    let yaml = format!("services:\n  gone:\n    image: {untagged}:nope\n");
    let Some((p, _dir)) = project("config_resolve_image_digests_missing", &yaml) else { return };
    let out = p.berth(&["config", "--resolve-image-digests"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(text(&out.stderr).contains("service gone") && text(&out.stderr).contains("manifest unknown"), "{}", describe(&out));

    // A registry the engine does not reach over plain HTTP: Docker tries it (nothing answers
    // on this port); on Podman berth asks it itself, over HTTPS.
    let yaml = "services:\n  secure:\n    image: 127.0.0.1:5999/berth-e2e/none:1\n";
    let Some((p, _dir)) = project("config_resolve_image_digests_secure", yaml) else { return };
    let out = p.berth(&["config", "--resolve-image-digests"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(err.contains("service secure: resolving the digest of 127.0.0.1:5999/berth-e2e/none:1"), "{err}");
    if e2e_support::is_podman() {
        assert!(err.contains("\"https://127.0.0.1:5999/v2/berth-e2e/none/manifests/1\"") && err.to_lowercase().contains("connection refused"), "{err}");
    } else {
        assert!(err.contains("connection refused"), "{err}");
    }
}

/// Builds a distinct image (a label-only layer on the test image) tagged `tag`; returns its id.
fn distinct_image(tag: &str, label: &str) -> String {
    let mut build = Command::new("docker");
    build.args(["build", "-q", "-t", tag, "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = build.spawn().expect("run docker build");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        write!(stdin, "FROM berth-test/busybox:latest\nLABEL berth-e2e-refresh={label}\n").expect("write Dockerfile");
    }
    let out = child.wait_with_output().expect("docker build");
    assert!(out.status.success(), "building {tag}: {}", describe(&out));
    image_id(tag)
}

fn image_id(image: &str) -> String {
    docker(&["image", "inspect", "--format", "{{.Id}}", image]).trim().to_owned()
}

#[test]
fn refresh_pull_policies_pull_once_the_period_has_passed() {
    let _serial = e2e_support::podman_serial();
    let mut images = Images(Vec::new());
    let daily = images.add(&unique(OPEN, "refresh-daily", "1"));
    let every = images.add(&unique(OPEN, "refresh-every", "1"));
    let service = |name: &str, image: &str, policy: &str| format!("  {name}:\n    image: {image}\n    pull_policy: {policy}\n");
    let yaml = format!("services:\n{}{}", service("daily", &daily, "daily"), service("every", &every, "every_1s"));
    let Some((p, _dir)) = project("refresh_pull_policies", &yaml) else { return };
    let pid = std::process::id();
    // Version 1 of both in the registry, not present locally.
    let daily_v1 = images.add(&distinct_image(&daily, &format!("daily-1-{pid}")));
    let every_v1 = images.add(&distinct_image(&every, &format!("every-1-{pid}")));
    for image in [&daily, &every] {
        docker(&["push", "-q", image]);
        docker(&["rmi", image]);
    }

    // The reference 2.26.1 rejects the policies at load; berth accepts and prints them.
    let theirs = p.reference_cmd().arg("config").output().expect("reference");
    assert_eq!(theirs.status.code(), Some(15), "reference: {}", describe(&theirs));
    // It names the first service it checks, in no fixed order.
    let err = text(&theirs.stderr);
    assert!(err.contains("services.daily.pull_policy") || err.contains("services.every.pull_policy"), "{}", describe(&theirs));
    let config = text(&p.berth_ok(&["config"]).stdout);
    assert!(config.contains("pull_policy: daily") && config.contains("pull_policy: every_1s"), "{config}");

    // Missing images are pulled, and the pull is recorded on the engine.
    let out = p.berth(&["--progress", "plain", "create"]);
    assert!(out.status.success(), "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(err.contains(" daily Pulled") && err.contains(" every Pulled"), "{err}");
    assert_eq!((image_id(&daily), image_id(&every)), (daily_v1.clone(), every_v1.clone()));
    let last_tag = docker(&["image", "inspect", "--format", "{{.Metadata.LastTagTime}}", &daily]);
    // Podman keeps no tag times (docs/drop-in.md): there the policies pull on every run.
    let podman = e2e_support::is_podman();
    assert_eq!(last_tag.starts_with("0001-"), podman, "the pull is recorded on Docker: {last_tag}");

    // Version 2 in the registry; locally version 1 stays.
    let daily_v2 = images.add(&distinct_image(&daily, &format!("daily-2-{pid}")));
    let every_v2 = images.add(&distinct_image(&every, &format!("every-2-{pid}")));
    for (image, v1) in [(&daily, &daily_v1), (&every, &every_v1)] {
        docker(&["push", "-q", image]);
        docker(&["tag", v1, image]);
    }
    // Past every_1s's period (the re-tag above counts as the last pull).
    std::thread::sleep(std::time::Duration::from_millis(1_500));

    // The daily image was pulled less than a day ago: kept (on Podman, which cannot tell
    // when, pulled). every_1s's is due: pulled.
    let out = p.berth(&["--progress", "plain", "create"]);
    assert!(out.status.success(), "{}", describe(&out));
    let err = text(&out.stderr);
    assert_eq!(err.contains(" daily Pulled"), podman, "{err}");
    assert!(err.contains(" every Pulled"), "{err}");
    let daily_now = if podman { daily_v2.clone() } else { daily_v1 };
    assert_eq!((image_id(&daily), image_id(&every)), (daily_now, every_v2));

    // An explicit pull treats the window as due, as newer Docker Compose does.
    let out = p.berth(&["pull", "daily"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(image_id(&daily), daily_v2);
}
