//! End-to-end: building images on the real engine. Each test writes its project into a
//! temporary directory (some change files between builds), builds from the offline test
//! images with no network in `RUN` steps, checks what the engine holds (image contents through
//! `docker run`, image ids, containers), and removes the images it built.

mod e2e_support;

use std::path::Path;
use std::process::Output;

use e2e_support::{describe, docker, eventually, is_podman, repo_root, text, ImageCleanup, Project};

/// Writes `files` (path, content) under `dir`.
fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, content) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }
}

/// A project in a fresh directory holding `files` (one of them `compose.yaml`).
fn project_in(test: &str, dir: &Path, files: &[(&str, &str)]) -> Option<Project> {
    write(dir, files);
    Project::with_file(test, &dir.join("compose.yaml"))
}

/// A service `app` built from a Dockerfile that copies the file `version` in.
const APP_FILES: &[(&str, &str)] = &[
    ("compose.yaml", "services:\n  app:\n    build: .\n    command: [sleep, infinity]\n    init: true\n"),
    ("Dockerfile", "FROM berth-test/busybox:latest\nCOPY version /version\n"),
    ("version", "1"),
];

/// The output of `docker run --rm IMAGE sh -c SCRIPT`.
fn run_in(image: &str, script: &str) -> String {
    docker(&["run", "--rm", "--network", "none", image, "sh", "-c", script])
}

fn image_id(reference: &str) -> String {
    docker(&["image", "inspect", "--format", "{{.Id}}", reference]).trim().to_owned()
}

fn image_exists(reference: &str) -> bool {
    std::process::Command::new("docker")
        .args(["image", "inspect", reference])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// How many builds ran: the classic builder says `Step 1/N`, Podman's buildah `STEP 1/N`.
fn steps(out: &Output) -> usize {
    text(&out.stdout).lines().filter(|l| l.starts_with("Step 1/") || l.starts_with("STEP 1/")).count()
}

#[test]
fn the_demo_web_image_builds() {
    let _serial = e2e_support::podman_serial();
    let file = repo_root().join("examples/demo/compose.yaml");
    let Some(project) = Project::with_file("the_demo_web_image_builds", &file) else { return };
    let _images = ImageCleanup(&project);
    let out = project.berth_ok(&["build"]);
    // `web:latest` from Docker; Podman says `Successfully tagged <project>-web`.
    assert!(text(&out.stdout).contains(&format!("Successfully tagged {}-web", project.name)), "{}", describe(&out));
    let listing = run_in(&format!("{}-web", project.name), "ls /app");
    assert_eq!(listing.split_whitespace().collect::<Vec<_>>(), ["app.py"], "only app.py is copied in");
    // A second build comes from the cache.
    let again = project.berth_ok(&["build"]);
    assert!(text(&again.stdout).contains("Using cache"), "{}", describe(&again));
}

#[test]
fn dockerignore_keeps_files_out_of_the_image_as_the_reference_does() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(project) = project_in(
        "dockerignore_keeps_files_out",
        dir.path(),
        &[
            ("compose.yaml", "services:\n  app:\n    build: .\n"),
            ("Dockerfile", "FROM berth-test/busybox:latest\nCOPY . /ctx\n"),
            (".dockerignore", "# comment\n*.secret\n/logs\n!logs/keep.txt\n**/tmp\ncompose.yaml\n"),
            ("a.txt", "a"),
            ("b.secret", "hidden"),
            ("logs/x.log", "x"),
            ("logs/keep.txt", "kept"),
            ("sub/tmp/junk", "junk"),
            ("sub/ok.txt", "ok"),
            ("sub/c.secret", "nested secrets stay: *.secret is anchored at the root"),
        ],
    ) else {
        return;
    };
    let _images = ImageCleanup(&project);
    project.berth_ok(&["build"]);
    let berth_image = format!("{}-app", project.name);
    let files = |image: &str| {
        let out = run_in(image, "cd /ctx && find . -type f | sort");
        out.lines().map(str::to_owned).collect::<Vec<_>>()
    };
    let got = files(&berth_image);
    assert_eq!(
        got,
        ["./.dockerignore", "./Dockerfile", "./a.txt", "./logs/keep.txt", "./sub/c.secret", "./sub/ok.txt"],
        "files in the image"
    );

    // The reference, on the same directory, puts the same files in its image (under the same
    // name). Its default builder, BuildKit, needs a BuildKit container Podman cannot give: on
    // Podman it builds with the classic builder, as berth does.
    let mut reference = project.reference_cmd();
    if is_podman() {
        reference.env("DOCKER_BUILDKIT", "0");
    }
    let out = reference.arg("build").output().expect("reference");
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(files(&berth_image), got, "berth and the reference send the same files");
}

#[test]
fn args_and_target_select_what_a_multi_stage_build_makes() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let dockerfile = "FROM berth-test/busybox:latest AS base\n\
                      ARG FROM_FILE\nARG FROM_ENV\nARG FROM_CLI=default\n\
                      RUN echo \"$FROM_FILE $FROM_ENV $FROM_CLI\" > /args\n\
                      FROM base AS dev\nRUN echo dev > /stage\n\
                      FROM base AS prod\nRUN echo prod > /stage\n";
    let compose = "services:\n  dev:\n    build:\n      context: .\n      target: dev\n      args:\n        FROM_FILE: file\n        FROM_ENV:\n  prod:\n    build:\n      context: .\n      target: prod\n      args: [FROM_FILE=list, FROM_ENV]\n";
    let Some(project) =
        project_in("args_and_target", dir.path(), &[("compose.yaml", compose), ("Dockerfile", dockerfile)]).map(|p| p.env("FROM_ENV", "env"))
    else {
        return;
    };
    let _images = ImageCleanup(&project);
    project.berth_ok(&["build", "--build-arg", "FROM_CLI=cli"]);
    let dev = format!("{}-dev", project.name);
    let prod = format!("{}-prod", project.name);
    assert_eq!(run_in(&dev, "cat /args /stage"), "file env cli\ndev\n");
    assert_eq!(run_in(&prod, "cat /args /stage"), "list env cli\nprod\n");
    // Only `dev`, with its default argument.
    project.berth_ok(&["build", "dev"]);
    assert_eq!(run_in(&dev, "cat /args"), "file env default\n");
}

#[test]
fn a_build_shared_by_services_runs_once() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let compose = "x-build: &b\n  context: .\nservices:\n  one:\n    build: *b\n  two:\n    build: *b\n    image: SHARED\n";
    let Some(project) = project_in(
        "a_build_shared_runs_once",
        dir.path(),
        &[("compose.yaml", compose), ("Dockerfile", "FROM berth-test/busybox:latest\nRUN date > /built\n")],
    ) else {
        return;
    };
    let shared = format!("{}-shared:v1", project.name);
    std::fs::write(dir.path().join("compose.yaml"), compose.replace("SHARED", &shared)).expect("write");
    let _images = ImageCleanup(&project);
    let out = project.berth_ok(&["build"]);
    assert_eq!(steps(&out), 1, "one build for both services\n{}", describe(&out));
    assert_eq!(image_id(&format!("{}-one", project.name)), image_id(&shared), "both tags name the same image");
}

#[test]
fn up_builds_missing_images_and_rebuilds_only_when_asked() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(project) = project_in("up_builds_missing_images", dir.path(), APP_FILES) else { return };
    let _images = ImageCleanup(&project);
    let image = format!("{}-app", project.name);
    let out = project.berth_ok(&["up", "-d"]);
    assert_eq!(steps(&out), 1, "the missing image is built\n{}", describe(&out));
    let first = project.container("app")["Id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(run_in(&image, "cat /version"), "1");

    std::fs::write(dir.path().join("version"), "2").expect("write");
    let out = project.berth_ok(&["up", "-d"]);
    assert_eq!(steps(&out), 0, "an existing image is not rebuilt without --build\n{}", describe(&out));
    assert_eq!(project.container("app")["Id"].as_str().unwrap_or_default(), first);

    let out = project.berth_ok(&["up", "-d", "--build"]);
    assert_eq!(steps(&out), 1, "--build rebuilds\n{}", describe(&out));
    assert_eq!(run_in(&image, "cat /version"), "2");
    let second = project.container("app")["Id"].as_str().unwrap_or_default().to_owned();
    assert_ne!(second, first, "the container is recreated on the new image");

    let out = project.berth_ok(&["up", "-d", "--build"]);
    assert_eq!(project.container("app")["Id"].as_str().unwrap_or_default(), second, "same image: nothing recreated\n{}", describe(&out));
}

#[test]
fn compatibility_names_images_and_containers_with_underscores_like_the_reference() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(project) = project_in("compatibility_names", dir.path(), APP_FILES) else { return };
    let _images = ImageCleanup(&project);
    let out = project.berth_ok(&["--compatibility", "up", "-d"]);
    let (image, container) = (format!("{}_app", project.name), format!("/{}_app_1", project.name));
    assert!(image_exists(&image), "the build is tagged {image}\n{}", describe(&out));
    assert!(!image_exists(&format!("{}-app", project.name)));
    let names: Vec<String> = project.containers().iter().map(|c| c["Name"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(names, [container.clone()]);
    let id = project.containers()[0]["Id"].clone();

    // The reference in the same mode finds the same image and container: nothing to redo.
    let out = project.reference_ok(&["--compatibility", "up", "-d"]);
    assert_eq!(steps(&out), 0, "{}", describe(&out));
    let after = project.containers();
    assert_eq!((after.len(), &after[0]["Id"]), (1, &id), "{}", describe(&out));

    // `COMPOSE_COMPATIBILITY` in the project's `.env` does what the flag does.
    std::fs::write(dir.path().join(".env"), "COMPOSE_COMPATIBILITY=true\n").expect(".env");
    project.berth_ok(&["down", "--rmi", "local"]);
    assert!(project.containers().is_empty());
    assert!(!image_exists(&image), "down --rmi local removes the {image} it built");
}

#[test]
fn pull_policy_build_builds_on_every_up() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(project) = project_in(
        "pull_policy_build",
        dir.path(),
        &[
            ("compose.yaml", "services:\n  app:\n    build: .\n    pull_policy: build\n    command: [sleep, infinity]\n    init: true\n"),
            ("Dockerfile", "FROM berth-test/busybox:latest\n"),
        ],
    ) else {
        return;
    };
    let _images = ImageCleanup(&project);
    for _ in 0..2 {
        let out = project.berth_ok(&["up", "-d"]);
        assert_eq!(steps(&out), 1, "{}", describe(&out));
    }
}

#[test]
fn no_build_with_a_missing_image_fails_as_the_reference_does() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(project) = project_in(
        "no_build_missing_image",
        dir.path(),
        &[("compose.yaml", "services:\n  app:\n    build: .\n"), ("Dockerfile", "FROM berth-test/busybox:latest\n")],
    ) else {
        return;
    };
    let _images = ImageCleanup(&project);
    let berth = project.berth(&["up", "-d", "--no-build"]);
    let reference = project.reference_cmd().args(["up", "-d", "--no-build"]).output().expect("reference");
    assert_eq!(berth.status.code(), reference.status.code(), "berth\n{}\nreference\n{}", describe(&berth), describe(&reference));
    // Docker: "No such image: <project>-app:latest". Podman words it after the request that
    // found the image missing: berth's container create gets "no such image:
    // docker.io/library/<project>-app: image not known", the reference's image inspect "failed
    // to find image <project>-app: docker.io/library/<project>-app: No such image".
    let missing = format!("{}-app", project.name);
    for out in [&berth, &reference] {
        let err = text(&out.stderr);
        assert!(err.to_lowercase().contains("no such image") && err.contains(&missing), "{}", describe(out));
    }
    assert!(!image_exists(&format!("{}-app", project.name)), "nothing was built");
}

/// The build containers Podman's builder (buildah) keeps in its storage, which its Docker API
/// does not list: Podman's own API lists them with `external=true`, in state `storage`. (Asked
/// of the service, not of the `podman` command, which would open the storage the service is
/// building in.)
fn buildah_containers() -> Vec<String> {
    let host = std::env::var("DOCKER_HOST").unwrap_or_default();
    let socket = host.strip_prefix("unix://").unwrap_or(&host);
    let out = std::process::Command::new("curl")
        .args(["-sf", "--unix-socket", socket, "http://podman/v4.0.0/libpod/containers/json?all=true&external=true"])
        .output()
        .expect("run curl");
    assert!(out.status.success(), "{}", describe(&out));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("container list");
    list.iter().filter(|c| c["State"] == "storage").filter_map(|c| c["Id"].as_str().map(str::to_owned)).collect()
}

#[test]
fn a_failed_step_ends_with_its_exit_code_and_unsupported_options_are_named() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(project) = project_in(
        "failed_step_exit_code",
        dir.path(),
        &[("compose.yaml", "services:\n  app:\n    build: .\n  keyed:\n    build:\n      context: .\n      ssh: [default]\n")],
    ) else {
        return;
    };
    // The failed step names the project, so that a container left behind by it is found.
    let marker = format!("failed-step-{}", project.name);
    write(dir.path(), &[("Dockerfile", &format!("FROM berth-test/busybox:latest\nRUN echo {marker} && exit 3\n"))]);
    let _images = ImageCleanup(&project);
    let buildah_before = if is_podman() { buildah_containers() } else { Vec::new() };
    let out = project.berth(&["build", "app"]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    // Docker: "The command '/bin/sh -c …' returned a non-zero code: 3"; Podman (buildah):
    // "building at STEP \"RUN …\": while running runtime: exit status 3".
    let err = text(&out.stderr);
    assert!(err.contains("returned a non-zero code: 3") || err.contains("while running runtime: exit status 3"), "{}", describe(&out));
    // The failed step's container is removed, as the reference's default builder (BuildKit)
    // leaves none; the classic builder keeps it unless asked (`forcerm`).
    let commands = docker(&["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}"]);
    let left: Vec<&str> = commands.lines().filter(|l| l.contains(&marker)).collect();
    for line in &left {
        let _ = std::process::Command::new("docker").args(["rm", "-f", line.split(' ').next().unwrap_or_default()]).output();
    }
    assert!(left.is_empty(), "containers left by the failed build: {left:?}");
    if is_podman() {
        // Other tests' builds, running now, have containers of their own until they end.
        let new = || buildah_containers().into_iter().filter(|c| !buildah_before.contains(c)).collect::<Vec<_>>();
        eventually(std::time::Duration::from_secs(200), "no build container left in Podman's storage", || new().is_empty());
    }
    let out = project.berth(&["build", "keyed"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(text(&out.stderr).contains("service \"keyed\": build.ssh is not supported"), "{}", describe(&out));
}

#[test]
fn down_rmi_local_removes_the_images_the_project_built() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(project) = project_in(
        "down_rmi_local",
        dir.path(),
        &[
            ("compose.yaml", "services:\n  app:\n    build: .\n    command: [sleep, infinity]\n    init: true\n  base:\n    image: berth-test/busybox:latest\n    command: [sleep, infinity]\n    init: true\n"),
            ("Dockerfile", "FROM berth-test/busybox:latest\n"),
        ],
    ) else {
        return;
    };
    let _images = ImageCleanup(&project);
    project.berth_ok(&["up", "-d"]);
    let built = format!("{}-app", project.name);
    assert!(image_exists(&built));
    let out = project.berth_ok(&["down", "--rmi", "local"]);
    assert!(text(&out.stderr).contains(&format!("Image {built}:latest  Removed")), "{}", describe(&out));
    assert!(!image_exists(&built), "the built image is gone");
    assert!(image_exists("berth-test/busybox:latest"), "a pulled image stays");
}

/// Which of `images` still exist.
fn existing(images: &[String]) -> Vec<String> {
    images.iter().filter(|i| image_exists(i)).cloned().collect()
}

/// The lines of a plain progress output, sorted (resources go concurrently).
fn sorted_lines(out: &Output) -> Vec<String> {
    let mut lines: Vec<String> = text(&out.stderr).lines().map(str::trim).map(str::to_owned).collect();
    lines.sort();
    lines
}

/// Removes a container (or an image) when dropped.
struct Container(String, &'static str);

impl Container {
    fn image(reference: &str) -> Self {
        Container(reference.to_owned(), "rmi")
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker").args([self.1, "-f", &self.0]).output();
    }
}

#[test]
fn down_rmi_all_removes_what_the_reference_removes() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(project) = project_in("down_rmi_all", dir.path(), &[("compose.yaml", "services: {}\n")]) else { return };
    let _images = ImageCleanup(&project);
    let name = project.name.clone();
    let image = |suffix: &str| format!("{name}-{suffix}");
    let built = |v: &str| format!("    build:\n      context: .\n      args: {{V: {v}}}\n");
    let run = "    command: [sleep, infinity]\n    init: true\n";
    // app: built under the default name; tagged: built under its `image`; plain: a tag of a
    // test image, not built; absent: never created; inuse: an image only a container outside
    // the project uses; old: built, then dropped from the file (an orphan).
    let services = format!(
        "services:\n  app:\n{}{run}  tagged:\n    image: {}\n{}{run}  plain:\n    image: {}\n{run}  absent:\n    image: {}\n    pull_policy: never\n{run}  inuse:\n    image: {}\n    pull_policy: never\n{run}",
        built("app"),
        image("tagged:1"),
        built("tagged"),
        image("plain:1"),
        image("absent:1"),
        image("inuse:1"),
    );
    let with_old = format!("{services}  old:\n{}{run}", built("old"));
    write(dir.path(), &[("Dockerfile", "FROM berth-test/busybox:latest\nARG V\nLABEL berth-e2e-v=$V\n")]);
    let candidates =
        [image("app:latest"), image("tagged:1"), image("plain:1"), image("absent:1"), image("inuse:1"), image("old:latest")];
    let outsider = Container(format!("{name}-outsider"), "rm");
    let mut build = std::process::Command::new("docker");
    build.args(["build", "-q", "-t", &image("inuse:1"), "--build-arg", "V=inuse", "."]).current_dir(dir.path());
    let out = build.output().expect("docker build");
    assert!(out.status.success(), "{}", describe(&out));
    docker(&["create", "--name", &outsider.0, &image("inuse:1")]);

    // The same project state before each `down`: every image but `absent`, no container of
    // `inuse`, and `old` left out of the file.
    let setup = || {
        docker(&["tag", "berth-test/busybox:latest", &image("plain:1")]);
        write(dir.path(), &[("compose.yaml", &with_old)]);
        project.berth_ok(&["up", "-d", "app", "tagged", "plain", "old"]);
        write(dir.path(), &[("compose.yaml", &services)]);
    };
    // What is left: the image in use, and without --remove-orphans the orphan's (its
    // container stays).
    let expected = [vec![image("inuse:1"), image("old:latest")], vec![image("inuse:1")]];
    for (flags, left) in [&["--rmi", "all"][..], &["--rmi", "all", "--remove-orphans"]].into_iter().zip(expected) {
        let args: Vec<&str> = ["--progress", "plain", "down", "-t", "0"].iter().chain(flags).copied().collect();
        setup();
        let theirs = project.reference_cmd().args(&args).output().expect("reference");
        let theirs_left = existing(&candidates);
        setup();
        let ours = project.berth(&args);
        let ours_left = existing(&candidates);
        let both = format!("berth\n{}\nreference\n{}", describe(&ours), describe(&theirs));
        assert_eq!(ours.status.code(), theirs.status.code(), "{flags:?}: {both}");
        assert_eq!(theirs_left, left, "{flags:?}: images the reference left\n{both}");
        assert_eq!(ours_left, theirs_left, "{flags:?}: images left\n{both}");
        assert_eq!(sorted_lines(&ours), sorted_lines(&theirs), "{flags:?}: {both}");
        assert!(image_exists("berth-test/busybox:latest"), "a tag of a shared image is removed, not the image");
    }
}

/// The authenticated registry of `scripts/registry.sh` and its user, as `config.json` holds it.
const AUTH_REGISTRY: &str = "127.0.0.1:5001";
const AUTH_CONFIG: &str = r#"{"auths":{"127.0.0.1:5001":{"auth":"YmVydGh0ZXN0OmJlcnRodGVzdC1zZWNyZXQ="}}}"#;

#[test]
fn base_images_come_from_an_authenticated_registry_with_the_docker_config() {
    let _serial = e2e_support::podman_serial();
    let dir = tempfile::tempdir().expect("tempdir");
    let base = format!("{AUTH_REGISTRY}/berth-e2e/build-base-{}:1", std::process::id());
    let compose = "services:\n  app:\n    build:\n      context: .\n      pull: true\n";
    let Some(project) = project_in(
        "base_images_with_credentials",
        dir.path(),
        &[("compose.yaml", compose), ("Dockerfile", &format!("FROM {base}\nRUN cat /base\n"))],
    ) else {
        return;
    };
    if std::net::TcpStream::connect(AUTH_REGISTRY).is_err() {
        let required = std::env::var("BERTH_REQUIRE_ENGINE").is_ok_and(|v| v == "1");
        assert!(!required, "the registry {AUTH_REGISTRY} does not answer; run scripts/registry.sh");
        eprintln!("SKIPPED base_images_with_credentials: {AUTH_REGISTRY} does not answer (scripts/registry.sh)");
        return;
    }
    let _images = ImageCleanup(&project);
    let _base = Container::image(&base);
    let creds = tempfile::tempdir().expect("tempdir");
    write(creds.path(), &[("config.json", AUTH_CONFIG)]);
    let empty = tempfile::tempdir().expect("tempdir");
    // The base: a marker file on the test image, pushed with the credentials, then only in
    // the registry.
    let mut build = std::process::Command::new("docker");
    build.args(["build", "-q", "-t", &base, "-"]).stdin(std::process::Stdio::piped());
    let mut child = build.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("docker build");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"FROM berth-test/busybox:latest\nRUN echo from-the-registry > /base\n").expect("write Dockerfile");
    }
    let out = child.wait_with_output().expect("docker build");
    assert!(out.status.success(), "{}", describe(&out));
    let out = std::process::Command::new("docker").env("DOCKER_CONFIG", creds.path()).args(["push", "-q", &base]).output().expect("push");
    assert!(out.status.success(), "{}", describe(&out));
    docker(&["rmi", &base]);

    // Without credentials the builder cannot pull the base.
    let out = project.berth_cmd().env("DOCKER_CONFIG", empty.path()).arg("build").output().expect("berth");
    assert!(!out.status.success(), "{}", describe(&out));
    // Docker: "no basic auth credentials"; Podman: "unauthorized: authentication required".
    let err = text(&out.stderr);
    assert!(err.contains("no basic auth credentials") || err.contains("unauthorized"), "{}", describe(&out));

    // With them (config.json `auths`), it pulls the base and builds on it.
    let out = project.berth_cmd().env("DOCKER_CONFIG", creds.path()).arg("build").output().expect("berth");
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(run_in(&format!("{}-app", project.name), "cat /base"), "from-the-registry\n");
}
