//! What the end-to-end tests share: a project on the real engine with a unique name, cleaned
//! up with `berth down -v` (and the reference Docker Compose, then `docker rm -f`, as
//! fallbacks) even when the test fails; runners for `berth`, the reference and `docker`; and
//! readers of the engine's state.
//!
//! Without an engine (or the test images), a test says it skipped, unless
//! `BERTH_REQUIRE_ENGINE=1` or `CI` is set: then it fails.
//!
//! The engine is Docker unless `BERTH_TEST_ENGINE=podman`: then every command the tests run
//! (berth, the reference, `docker`) talks to Podman's Docker-compatible socket
//! (`DOCKER_HOST`, by default `unix:///run/podman/podman.sock` as `scripts/engine.sh --podman`
//! starts it), and the engine must be Podman. A scenario Podman cannot run calls
//! [`skip_on_podman`] with the Podman limitation as its reason.

#![allow(dead_code)]

pub mod pki;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The images the test compose files use (built offline by `scripts/images.sh`).
pub const IMAGES: [&str; 2] = ["berth-test/busybox:latest", "berth-test/debian:bookworm"];

/// The engine the end-to-end tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestEngine {
    /// Docker Engine (the default).
    Docker,
    /// Podman's Docker-compatible service (`BERTH_TEST_ENGINE=podman`).
    Podman,
}

/// Podman's socket as `scripts/engine.sh --podman` serves it.
pub const PODMAN_SOCKET: &str = "unix:///run/podman/podman.sock";

/// The engine selected by `BERTH_TEST_ENGINE` (`docker`, the default, or `podman`).
pub fn test_engine() -> TestEngine {
    match std::env::var("BERTH_TEST_ENGINE").unwrap_or_default().to_lowercase().as_str() {
        "podman" => TestEngine::Podman,
        "" | "docker" => TestEngine::Docker,
        other => panic!("BERTH_TEST_ENGINE={other}: expected docker or podman"),
    }
}

/// True when the tests run against Podman.
pub fn is_podman() -> bool {
    test_engine() == TestEngine::Podman
}

/// On Podman, says that `test` is skipped because of `limitation` (a Podman limitation, see
/// docs/engines.md) and returns true; on Docker returns false.
pub fn skip_on_podman(test: &str, limitation: &str) -> bool {
    if is_podman() {
        eprintln!("SKIPPED {test} on Podman: {limitation}");
    }
    is_podman()
}

/// On Podman, one test at a time (of the test binary that takes it first thing in each test,
/// held until the test's images are removed); on Docker, nothing. For tests that make images
/// from the test images: Podman 4.3 changes an image's names by rewriting its whole list
/// (libimage's `Tag`/`Untag`, and pulls), so names given to one image at once by concurrent
/// tests are lost; and removing an image also removes "parents" it finds by layer, which for
/// images made of `LABEL` steps (no layer of their own) can be the build cache or even the
/// images of another test built on the same base.
pub fn podman_serial() -> Option<std::sync::MutexGuard<'static, ()>> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    is_podman().then(|| ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// Points every process the tests start at the selected engine: for Podman, `DOCKER_HOST`
/// (unless already set) and `CONTAINERS_CONF` as `scripts/engine.sh --podman` prints them.
fn select_engine() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if is_podman() {
            if std::env::var_os("DOCKER_HOST").is_none_or(|h| h.is_empty()) {
                std::env::set_var("DOCKER_HOST", PODMAN_SOCKET);
            }
            if std::env::var_os("CONTAINERS_CONF").is_none() {
                std::env::set_var("CONTAINERS_CONF", "/etc/berth/podman/containers.conf");
            }
            if std::env::var_os("CONTAINERS_REGISTRIES_CONF").is_none() {
                std::env::set_var("CONTAINERS_REGISTRIES_CONF", "/etc/berth/podman/registries.conf");
            }
        }
    });
}

pub fn engine_required() -> bool {
    std::env::var("BERTH_REQUIRE_ENGINE").is_ok_and(|v| v == "1") || std::env::var("CI").is_ok_and(|v| !v.is_empty())
}

/// Why the engine cannot run the tests, if it cannot.
fn engine_problem() -> Option<String> {
    select_engine();
    // Podman's Docker API names itself "Podman Engine" among the version components.
    match Command::new("docker").args(["version", "--format", "{{range .Server.Components}}{{.Name}};{{end}}"]).output() {
        Ok(out) if out.status.success() => {
            let podman = String::from_utf8_lossy(&out.stdout).contains("Podman");
            if podman != is_podman() {
                let host = std::env::var("DOCKER_HOST").unwrap_or_default();
                return Some(format!(
                    "BERTH_TEST_ENGINE={} but the engine at DOCKER_HOST={host} is {}",
                    std::env::var("BERTH_TEST_ENGINE").unwrap_or_default(),
                    if podman { "Podman" } else { "not Podman" }
                ));
            }
        }
        Ok(out) => return Some(format!("docker info failed: {}", String::from_utf8_lossy(&out.stderr).trim())),
        Err(e) => return Some(format!("cannot run docker: {e}")),
    }
    for image in IMAGES {
        let ok = Command::new("docker")
            .args(["image", "inspect", image])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Some(format!("image {image} is missing; run scripts/images.sh"));
        }
    }
    None
}

/// `Ok` when the selected engine (see [`test_engine`]) answers, is the one selected and has
/// the test images; else why not. For tests that do not use [`Project`].
pub fn engine_ready() -> Result<(), String> {
    engine_problem().map_or(Ok(()), Err)
}

/// The `berth` binary under test.
pub fn berth_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_berth"))
}

/// The directory of a test's compose files: `tests/testdata/<test>`.
pub fn testdata(test: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata").join(test)
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The reference Docker Compose: `$BERTH_REFERENCE_COMPOSE`, the copy `scripts/reference.sh`
/// installs, or the docker CLI plugin.
pub fn reference_command() -> Command {
    let installed = Path::new("/usr/local/lib/berth-reference/docker-compose");
    match std::env::var_os("BERTH_REFERENCE_COMPOSE") {
        Some(bin) if !bin.is_empty() => Command::new(bin),
        _ if installed.exists() => Command::new(installed),
        _ => {
            let mut c = Command::new("docker");
            c.arg("compose");
            c
        }
    }
}

/// Runs `docker ARGS` and returns its stdout; panics when it fails.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("run docker");
    assert!(out.status.success(), "docker {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stdout and stderr of a finished command, for messages.
pub fn describe(out: &Output) -> String {
    format!(
        "exit status: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A compose project on the real engine, removed when dropped.
pub struct Project {
    /// The unique project name (`-p`).
    pub name: String,
    /// The directory holding `compose.yaml`.
    pub dir: PathBuf,
    /// The compose file.
    pub file: PathBuf,
    /// Environment variables every command of the project gets.
    pub env: Vec<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Project {
    /// The project of `tests/testdata/<test>/compose.yaml`, with a name no other test run
    /// uses; `None` (after saying so) when no engine is available and none is required.
    pub fn new(test: &str) -> Option<Self> {
        Self::with_file(test, &testdata(test).join("compose.yaml"))
    }

    /// A project for the compose file `file`.
    pub fn with_file(test: &str, file: &Path) -> Option<Self> {
        if let Some(problem) = engine_problem() {
            assert!(!engine_required(), "{test}: no usable container engine: {problem}");
            eprintln!("SKIPPED {test}: {problem} (set BERTH_REQUIRE_ENGINE=1 to fail instead)");
            return None;
        }
        let short: String = test.chars().filter(char::is_ascii_alphanumeric).take(20).collect();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("e2e{}{}x{}", short.to_lowercase(), std::process::id(), n);
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let project = Project { name, dir, file: file.to_path_buf(), env: Vec::new() };
        project.cleanup();
        Some(project)
    }

    /// Adds an environment variable to every command of the project.
    #[must_use]
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// `berth -f FILE -p NAME` in the project directory, ready for more arguments.
    pub fn berth_cmd(&self) -> Command {
        let mut c = Command::new(berth_bin());
        c.current_dir(&self.dir).arg("-f").arg(&self.file).arg("-p").arg(&self.name);
        c.env_remove("COMPOSE_PROJECT_NAME");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.stdin(Stdio::null());
        c
    }

    /// The words of `berth -f FILE -p NAME ARGS`, for a shell line (see [`Terminal`]).
    pub fn berth_words(&self, args: &[&str]) -> Vec<String> {
        let mut words = vec![berth_bin().display().to_string(), "-f".into(), self.file.display().to_string()];
        words.extend(["-p".to_owned(), self.name.clone()]);
        words.extend(args.iter().map(|a| (*a).to_owned()));
        words
    }

    /// Runs `berth -f FILE -p NAME ARGS`.
    pub fn berth(&self, args: &[&str]) -> Output {
        self.berth_cmd().args(args).output().expect("run berth")
    }

    /// Runs berth and asserts it succeeded.
    pub fn berth_ok(&self, args: &[&str]) -> Output {
        let out = self.berth(args);
        assert!(out.status.success(), "berth {args:?} failed\n{}", describe(&out));
        out
    }

    /// The reference Docker Compose with `-f FILE -p NAME`.
    pub fn reference_cmd(&self) -> Command {
        let mut c = reference_command();
        c.current_dir(&self.dir).arg("-f").arg(&self.file).arg("-p").arg(&self.name);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.stdin(Stdio::null());
        c
    }

    /// Runs the reference and asserts it succeeded.
    pub fn reference_ok(&self, args: &[&str]) -> Output {
        let out = self.reference_cmd().args(args).output().expect("run the reference Docker Compose");
        assert!(out.status.success(), "docker compose {args:?} failed\n{}", describe(&out));
        out
    }

    /// The project's containers (one-off ones included), inspected, sorted by container name.
    pub fn containers(&self) -> Vec<Value> {
        self.containers_within(5)
    }

    /// [`containers`](Self::containers), listing again (up to `tries` times) when a container
    /// went away between the listing and the inspect (a recreation under way).
    fn containers_within(&self, tries: u32) -> Vec<Value> {
        let ids = docker(&[
            "ps",
            "-aq",
            "--no-trunc",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.name),
        ]);
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if ids.is_empty() {
            return Vec::new();
        }
        let mut args = vec!["container", "inspect"];
        args.extend(&ids);
        let out = Command::new("docker").args(&args).output().expect("run docker");
        if !out.status.success() && tries > 1 {
            std::thread::sleep(Duration::from_millis(200));
            return self.containers_within(tries - 1);
        }
        assert!(out.status.success(), "docker {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        let mut all: Vec<Value> = serde_json::from_slice(&out.stdout).expect("docker inspect JSON");
        all.sort_by_key(|c| c["Name"].as_str().unwrap_or_default().to_owned());
        all
    }

    /// The project's container of `service` number 1, inspected; panics when there is none.
    pub fn container(&self, service: &str) -> Value {
        let name = format!("/{}-{service}-1", self.name);
        self.containers()
            .into_iter()
            .find(|c| c["Name"] == name.as_str())
            .unwrap_or_else(|| panic!("no container {name}"))
    }

    /// `State.Status` of every container, as `name=status` (sorted by name, project prefix
    /// removed).
    pub fn states(&self) -> Vec<String> {
        let prefix = format!("/{}-", self.name);
        self.containers()
            .iter()
            .map(|c| {
                let name = c["Name"].as_str().unwrap_or_default();
                format!(
                    "{}={}",
                    name.strip_prefix(&prefix).unwrap_or(name),
                    c["State"]["Status"].as_str().unwrap_or_default()
                )
            })
            .collect()
    }

    /// Names of the resources of `kind` (`network`, `volume`) labelled with the project.
    pub fn resources(&self, kind: &str) -> Vec<String> {
        let out = docker(&[kind, "ls", "-q", "--filter", &format!("label=com.docker.compose.project={}", self.name)]);
        out.split_whitespace().map(str::to_owned).collect()
    }

    /// Removes everything of the project: `berth down -v`, then the reference, then
    /// `docker rm -f` / `network rm` / `volume rm` for whatever is left.
    pub fn cleanup(&self) {
        let quiet = |mut c: Command| {
            let _ = c.stdout(Stdio::null()).stderr(Stdio::null()).status();
        };
        let mut down = Command::new(berth_bin());
        down.args(["-p", &self.name, "down", "-v", "-t", "0", "--remove-orphans"]).current_dir(std::env::temp_dir());
        quiet(down);
        if self.containers().is_empty() && self.resources("network").is_empty() && self.resources("volume").is_empty() {
            return;
        }
        let mut reference = reference_command();
        reference
            .args(["-p", &self.name, "down", "-v", "-t", "0", "--remove-orphans"])
            .current_dir(std::env::temp_dir());
        quiet(reference);
        for c in self.containers() {
            if let Some(id) = c["Id"].as_str() {
                let _ = Command::new("docker").args(["rm", "-f", "-v", id]).output();
            }
        }
        for kind in ["network", "volume"] {
            for id in self.resources(kind) {
                let _ = Command::new("docker").args([kind, "rm", &id]).output();
            }
        }
    }

    /// Removes the images the project built: those labelled with its name, and those named
    /// `<project>-<service>`. Tests that build call it at the end (and on failure, through
    /// [`ImageCleanup`]).
    pub fn remove_images(&self) {
        let label = format!("label=com.docker.compose.project={}", self.name);
        let mut refs: Vec<String> = Vec::new();
        for args in [
            vec!["images", "-q", "--filter", label.as_str()],
            vec!["images", "--format", "{{.Repository}}:{{.Tag}}"],
        ] {
            if let Ok(out) = Command::new("docker").args(&args).output() {
                refs.extend(text(&out.stdout).lines().map(str::to_owned));
            }
        }
        // `<project>-<service>`, or `<project>_<service>` with `--compatibility`.
        let prefixes = [format!("{}-", self.name), format!("{}_", self.name)];
        for r in refs.into_iter().filter(|r| !r.contains(':') || prefixes.iter().any(|p| r.starts_with(p))) {
            let _ = Command::new("docker").args(["rmi", "-f", &r]).output();
        }
    }
}

/// Removes a project's built images when dropped (declare it after the project, so it runs
/// first, while the project's name is still known).
pub struct ImageCleanup<'a>(pub &'a Project);

impl Drop for ImageCleanup<'_> {
    fn drop(&mut self) {
        self.0.cleanup();
        self.0.remove_images();
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// Polls `check` until it holds; fails the test after `timeout`.
pub fn eventually(timeout: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "{what}: not true after {timeout:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A TCP port nobody listens on now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// The text of an output stream.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A command running in a new pseudo-terminal (made by `script`): what it shows is read as it
/// comes, so a test can wait for a prompt before typing (no fixed delays).
pub struct Terminal {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    shown: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Terminal {
    /// Starts `words` (a command and its arguments) in `dir` with `env` added.
    pub fn start(words: &[String], dir: &Path, env: &[(String, String)]) -> Terminal {
        let line = words.iter().map(|w| format!("'{}'", w.replace('\'', r"'\''"))).collect::<Vec<_>>().join(" ");
        let mut script = Command::new("script");
        script
            .args(["-qfec", &line, "/dev/null"])
            .current_dir(dir)
            .env_remove("COMPOSE_PROJECT_NAME")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            script.env(k, v);
        }
        let mut child = script.spawn().expect("run script");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().expect("script's stdout");
        let shown = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&shown);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = std::io::Read::read(&mut stdout, &mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(&buf[..n]);
            }
        });
        Terminal { child, stdin, shown, reader: Some(reader) }
    }

    /// Everything the terminal has shown so far.
    pub fn shown(&self) -> String {
        text(&self.shown.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Waits until the terminal has shown `expected` (fails the test after 2 minutes).
    pub fn expect(&self, expected: &str) {
        eventually(Duration::from_mins(2), &format!("the terminal shows {expected:?}"), || self.shown().contains(expected));
    }

    /// Types `keys`.
    pub fn type_keys(&mut self, keys: &[u8]) {
        let stdin = self.stdin.as_mut().expect("the terminal's input");
        std::io::Write::write_all(stdin, keys).expect("type");
        std::io::Write::flush(stdin).expect("flush");
    }

    /// Waits for the command to end (fails the test after 2 minutes) and returns its exit code
    /// and everything it showed.
    pub fn finish(mut self) -> (Option<i32>, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for script") {
                break status;
            }
            if start.elapsed() > Duration::from_mins(2) {
                let _ = self.child.kill();
                panic!("the command did not end; the terminal showed:\n{}", self.shown());
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        drop(self.stdin.take());
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        (status.code(), self.shown())
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The local registries of `scripts/registry.sh`: open, and with basic auth.
pub const REGISTRIES: [&str; 2] = ["127.0.0.1:5000", "127.0.0.1:5001"];

/// Whether the local registries answer; without them a test fails when an engine is required
/// (CI runs `scripts/registry.sh`), else it says it skipped.
pub fn registries(test: &str) -> bool {
    let up = REGISTRIES.iter().all(|a| std::net::TcpStream::connect(a).is_ok());
    if !up {
        assert!(!engine_required(), "{test}: the local registries do not answer; run scripts/registry.sh");
        eprintln!("SKIPPED {test}: the local registries do not answer (scripts/registry.sh starts them)");
    }
    up
}
