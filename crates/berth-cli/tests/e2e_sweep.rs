//! Everyday commands side by side with the reference Docker Compose on the real engine: for
//! each scenario berth must give the reference's exit code, stdout and stderr. These are the
//! cases a differential sweep found berth answering differently.

mod e2e_support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use e2e_support::{berth_bin, reference_command, text, Project};

/// What a command printed and how it ended.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn answer(mut cmd: Command, dir: &Path, args: &[&str]) -> Answer {
    cmd.current_dir(dir).args(args).env_remove("COMPOSE_PROJECT_NAME").env_remove("COMPOSE_FILE").stdin(Stdio::null());
    let out: Output = cmd.output().expect("run a compose command");
    Answer { code: out.status.code(), stdout: text(&out.stdout), stderr: text(&out.stderr) }
}

/// Runs `args` in `dir` through the reference, then berth, and asserts the same answer.
fn same_as_reference(dir: &Path, args: &[&str]) -> Answer {
    let reference = answer(reference_command(), dir, args);
    let berth = answer(Command::new(berth_bin()), dir, args);
    assert_eq!(berth, reference, "berth {args:?} differs from the reference");
    berth
}

/// `start` from `-p NAME` alone rebuilds the services from the containers' labels; a project
/// with no container is an error (exit 1) in Compose, not a silent success.
#[test]
fn start_of_a_project_without_containers_fails() {
    let Some(project) = Project::new("sweep") else { return };
    let empty = tempfile::tempdir().expect("temp dir");
    let got = same_as_reference(empty.path(), &["-p", &project.name, "start"]);
    assert_eq!(got.code, Some(1), "{got:?}");
    assert!(got.stderr.contains("no container found for project"), "{got:?}");
    // With the compose file, the same empty project names a service instead.
    let got = same_as_reference(&project.dir, &["-p", &project.name, "start", "web"]);
    assert_eq!(got.code, Some(1), "{got:?}");
    project.cleanup();
}

/// Command-line mistakes: Compose words them as cobra and pflag do, with exit 16 for a flag
/// and 1 for a missing or extra argument. Nothing reaches the engine.
#[test]
fn command_line_mistakes_are_worded_as_compose() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: &[&[&str]] = &[
        &["ps", "--nosuch"],
        &["ps", "--nosuch=1"],
        &["--nosuch", "ps"],
        &["ps", "-qz"],
        &["stop", "--timeout", "abc"],
        &["stop", "-t", "99999999999999999999"],
        &["up", "-d", "--timeout"],
        &["logs", "-n"],
        &["--parallel", "x", "ps"],
        &["exec", "web"],
        &["run"],
        &["port", "web"],
        &["ls", "extra"],
        &["version", "extra"],
    ];
    for args in cases {
        same_as_reference(dir.path(), args);
    }
    // An unknown command also prints the help on stdout, which is berth's own.
    let unknown = ["nosuchcmd"];
    let reference = answer(reference_command(), dir.path(), &unknown);
    let berth = answer(Command::new(berth_bin()), dir.path(), &unknown);
    assert_eq!((berth.code, &berth.stderr), (reference.code, &reference.stderr), "{berth:?}");
    assert!(berth.stdout.contains("Usage"), "{berth:?}");
}

/// `{{json .}}` encodes the row as the docker CLI's formatting context does, escaping `>` in
/// the ports (`-\u003e`) like `--format json`, while `{{json .Ports}}` does not escape.
#[test]
fn ps_json_template_escapes_like_the_docker_cli() {
    let Some(project) = Project::new("sweep") else { return };
    project.reference_ok(&["up", "-d"]);
    let ports = |format: &str| {
        let reference = answer(project.reference_cmd(), &project.dir, &["ps", "--format", format, "web"]);
        let berth = answer(project.berth_cmd(), &project.dir, &["ps", "--format", format, "web"]);
        (reference, berth)
    };
    let (reference, berth) = ports("{{json .Ports}}");
    assert_eq!(berth, reference);
    // Podman 4.3 lists a port published on an ephemeral host port without its host side, for
    // the reference too: nothing to escape there.
    let mapped = !e2e_support::is_podman();
    assert!(!mapped || berth.stdout.contains("->8080/tcp"), "{berth:?}");
    let (reference, berth) = ports("{{json .}}");
    let field = |a: &Answer| serde_json::from_str::<serde_json::Value>(a.stdout.trim()).expect("one JSON row")["Ports"].clone();
    assert_eq!(field(&berth), field(&reference));
    assert!(!mapped || berth.stdout.contains("-\\u003e8080/tcp"), "{berth:?}");
    // From `-p` alone, `start` rebuilds the services from the labels and names a missing one
    // as Compose's `projectFromName` does.
    let empty = tempfile::tempdir().expect("temp dir");
    let got = same_as_reference(empty.path(), &["-p", &project.name, "start", "nosuch"]);
    assert_eq!(got.code, Some(1), "{got:?}");
    // An unknown `config --format` is a plain failure (1), not a usage error.
    same_as_reference(&project.dir, &["-p", &project.name, "config", "--format", "xml"]);
    project.cleanup();
}
