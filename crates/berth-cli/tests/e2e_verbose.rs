//! End-to-end: the hidden global `--verbose`, Docker Compose's debug log. berth writes debug
//! lines in logrus's format on stderr (each engine request with its status and time, the
//! plan a command ran, Compose's own "Limiting max concurrency" line) and leaves stdout as it
//! is without the flag.

mod e2e_support;

use e2e_support::{describe, text, Project};

const COMPOSE: &str = "services:\n  app:\n    image: berth-test/busybox:latest\n    pull_policy: never\n    command: sleep 300\n";

fn project(test: &str) -> Option<(Project, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).expect("write compose.yaml");
    Project::with_file(test, &dir.path().join("compose.yaml")).map(|p| (p, dir))
}

/// The debug lines of `stderr`.
fn debug_lines(stderr: &[u8]) -> Vec<String> {
    text(stderr).lines().filter(|l| l.starts_with("time=\"") && l.contains(" level=debug msg=")).map(str::to_owned).collect()
}

#[test]
fn verbose_logs_requests_and_plans_on_stderr_only() {
    let _serial = e2e_support::podman_serial();
    let Some((p, _dir)) = project("verbose_logs") else { return };
    let container = format!("{}-app-1", p.name);

    let out = p.berth_ok(&["--verbose", "up", "-d"]);
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    let lines = debug_lines(&out.stderr);
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(has("msg=\"GET /_ping 200 ("), "{}", describe(&out));
    assert!(has(&format!("/containers/create?name={container}")) && has(" 201 ("), "{}", describe(&out));
    assert!(has(&format!("msg=\"plan: create container {container} (no existing container)\"")), "{}", describe(&out));
    // Progress is still there, as without the flag.
    assert!(text(&out.stderr).contains(&format!("Container {container}  Started")), "{}", describe(&out));

    // stdout is the same with and without the flag; only stderr gains lines.
    let format = ["ps", "--format", "{{.Name}} {{.Service}} {{.State}} {{.Image}}"];
    let plain = p.berth_ok(&format);
    let mut verbose_args = vec!["--verbose"];
    verbose_args.extend(format);
    let verbose = p.berth_ok(&verbose_args);
    assert_eq!(text(&verbose.stdout), text(&plain.stdout));
    // Podman names the image in full (docker.io/...), for the reference too (docs/engines.md).
    let image = if e2e_support::is_podman() { "docker.io/berth-test/busybox:latest" } else { "berth-test/busybox:latest" };
    assert_eq!(text(&plain.stdout), format!("{container} app running {image}\n"));
    assert!(debug_lines(&plain.stderr).is_empty(), "{}", describe(&plain));
    let listed = |l: &String| l.contains("msg=\"GET /") && l.contains("/containers/json?") && l.contains(" 200 (");
    assert!(debug_lines(&verbose.stderr).iter().any(listed), "{}", describe(&verbose));

    // Compose's own debug line, worded as the reference words it.
    let ours = p.berth_ok(&["--verbose", "--parallel", "2", "ps", "-q"]);
    let theirs = p.reference_ok(&["--verbose", "--parallel", "2", "ps", "-q"]);
    let limit = "level=debug msg=\"Limiting max concurrency to 2 jobs\"";
    for out in [&ours, &theirs] {
        assert!(text(&out.stderr).lines().any(|l| l.ends_with(limit)), "{}", describe(out));
    }
    assert_eq!(text(&ours.stdout), text(&theirs.stdout));

    let out = p.berth_ok(&["--verbose", "down", "-t", "0"]);
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    let lines = debug_lines(&out.stderr);
    assert!(lines.iter().any(|l| l.contains("msg=\"DELETE /") && l.contains("/containers/") && l.contains(" 204 (")), "{}", describe(&out));
    assert!(lines.iter().any(|l| l.contains(&format!("plan: remove container {container} (down)"))), "{}", describe(&out));

    // Root-only, as in Compose: after the command it is an unknown flag.
    let out = p.berth(&["ps", "--verbose"]);
    assert!(!out.status.success(), "{}", describe(&out));
}
