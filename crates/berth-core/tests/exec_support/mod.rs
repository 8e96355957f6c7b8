//! Shared helpers of the `ops_*` and `e2e_*` tests: loading a project from inline YAML the
//! way the CLI does, and reading recorded events.

#![allow(dead_code)]

use std::path::Path;

use berth_core::events::{Event, Recorder};
use berth_spec::discovery::ProjectOptions;
use berth_spec::model::Project;
use berth_spec::project::{load_project, LoadFlags};
use berth_spec::Environment;

/// Loads `yaml` as project `name`, with `dir` as the project directory.
pub fn load(dir: &Path, name: &str, yaml: &str) -> Project {
    let path = dir.join("compose.yaml");
    std::fs::write(&path, yaml).expect("write compose.yaml");
    let opts = ProjectOptions {
        name: Some(name.to_owned()),
        files: vec![path.to_string_lossy().into_owned()],
        cwd: dir.to_path_buf(),
        env: Environment::new(),
        ..ProjectOptions::default()
    };
    load_project(&opts, &LoadFlags::default(), &[]).expect("valid project").project
}

/// The progress lines as "Container lab-web-1 Created".
pub fn lines(recorder: &Recorder) -> Vec<String> {
    recorder.progress_lines()
}

/// The position of `line` among the progress lines; panics with all lines when absent.
pub fn position(lines: &[String], line: &str) -> usize {
    lines.iter().position(|l| l == line).unwrap_or_else(|| panic!("{line:?} not in {lines:#?}"))
}

/// The warnings recorded.
pub fn warnings(recorder: &Recorder) -> Vec<String> {
    recorder
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Warning { message } => Some(message),
            _ => None,
        })
        .collect()
}

/// Whether tests must fail, not skip, when no engine answers.
pub fn engine_required() -> bool {
    std::env::var_os("CI").is_some() || std::env::var("BERTH_REQUIRE_ENGINE").is_ok_and(|v| v == "1")
}

/// Podman's socket as `scripts/engine.sh --podman` serves it.
pub const PODMAN_SOCKET: &str = "unix:///run/podman/podman.sock";

/// Whether the tests run against Podman (`BERTH_TEST_ENGINE=podman`) instead of Docker.
pub fn is_podman() -> bool {
    match std::env::var("BERTH_TEST_ENGINE").unwrap_or_default().to_lowercase().as_str() {
        "podman" => true,
        "" | "docker" => false,
        other => panic!("BERTH_TEST_ENGINE={other}: expected docker or podman"),
    }
}

/// Points the engine client and the `docker` CLI the tests run at the selected engine: on
/// Podman, `DOCKER_HOST` defaults to Podman's socket.
fn select_engine() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if is_podman() && std::env::var_os("DOCKER_HOST").is_none_or(|h| h.is_empty()) {
            std::env::set_var("DOCKER_HOST", PODMAN_SOCKET);
        }
    });
}

/// The real engine, or `None` (after saying so) when none answers and none is required. The
/// engine is Docker, or Podman with `BERTH_TEST_ENGINE=podman`; the wrong one is a failure.
pub async fn real_engine() -> Option<std::sync::Arc<dyn berth_engine::Engine>> {
    use berth_engine::{ConnectOptions, DockerEngine, Engine};
    select_engine();
    let connected = match DockerEngine::connect(&ConnectOptions::default()).await {
        Ok(engine) => match engine.ping().await {
            Ok(()) => Ok(engine),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    match connected {
        Ok(engine) => {
            let host = std::env::var("DOCKER_HOST").unwrap_or_default();
            let podman = engine.capabilities().is_podman;
            assert_eq!(
                podman,
                is_podman(),
                "BERTH_TEST_ENGINE={} but the engine at DOCKER_HOST={host} is {}",
                std::env::var("BERTH_TEST_ENGINE").unwrap_or_default(),
                if podman { "Podman" } else { "not Podman" }
            );
            Some(std::sync::Arc::new(engine))
        }
        Err(e) if engine_required() => panic!("no container engine answers and one is required: {e}"),
        Err(e) => {
            eprintln!("SKIPPED: no container engine answers ({e}); set BERTH_REQUIRE_ENGINE=1 to make this a failure");
            None
        }
    }
}

/// A unique project name for a test.
pub fn unique_project(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}{}x{nanos:08x}", std::process::id())
}

/// Removes everything labelled with a project when dropped, even when the test failed: the
/// containers (forced), then networks and volumes, through the docker CLI (a `Drop` cannot
/// wait on the async engine).
pub struct Cleanup(pub String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let filter = format!("label=com.docker.compose.project={}", self.0);
        let list = |args: &[&str]| -> Vec<String> {
            std::process::Command::new("docker")
                .args(args)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).lines().map(str::to_owned).filter(|l| !l.is_empty()).collect())
                .unwrap_or_default()
        };
        let run = |args: Vec<String>| {
            let _ = std::process::Command::new("docker").args(args).output();
        };
        let containers = list(&["ps", "-aq", "--filter", &filter]);
        if !containers.is_empty() {
            run([vec!["rm".to_owned(), "-f".to_owned(), "-v".to_owned()], containers].concat());
        }
        let networks = list(&["network", "ls", "-q", "--filter", &filter]);
        if !networks.is_empty() {
            run([vec!["network".to_owned(), "rm".to_owned()], networks].concat());
        }
        let volumes = list(&["volume", "ls", "-q", "--filter", &filter]);
        if !volumes.is_empty() {
            run([vec!["volume".to_owned(), "rm".to_owned(), "-f".to_owned()], volumes].concat());
        }
    }
}
