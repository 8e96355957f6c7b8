//! End-to-end: `berth logs` on the real engine, flag by flag against the reference Docker
//! Compose, and `logs -f` following a container through a restart, a recreation and a
//! scale-up until every container has stopped.

mod e2e_support;

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use e2e_support::{describe, eventually, testdata, text, Project};

fn project(test: &str) -> Option<Project> {
    Project::with_file(test, &testdata("logs").join("compose.yaml"))
}

/// Output and exit code, without what Compose 2.26 writes and berth leaves out on purpose
/// (`ESC[2K` before each line, a TTY's `\r`; see docs/drop-in.md).
fn normalized(out: &Output) -> (Option<i32>, String, String) {
    let clean = |b: &[u8]| text(b).replace("\x1b[2K", "").replace('\r', "");
    (out.status.code(), clean(&out.stdout), clean(&out.stderr))
}

fn started(project: &Project) {
    project.berth_ok(&["up", "-d"]);
    eventually(Duration::from_mins(1), "the short services have exited", || {
        let states = project.states();
        ["web-1=exited", "tty-1=exited", "hidden-1=exited", "long-1=running", "steady-1=running"]
            .iter()
            .all(|s| states.contains(&(*s).to_owned()))
    });
}

#[test]
fn logs_flags_match_the_reference() {
    let Some(project) = project("logs_flags_match_the_reference") else { return };
    started(&project);
    let cases: &[&[&str]] = &[
        &["logs", "web"],
        &["logs", "--no-color", "web", "tty"],
        &["logs", "-n", "1", "web"],
        &["logs", "--tail=-1", "web"],
        &["logs", "--no-log-prefix", "web"],
        &["logs", "-t", "web"],
        &["logs", "--since", "1h", "web"],
        &["logs", "--since", "2000-01-01T00:00:00Z", "--until", "2000-01-02T00:00:00Z", "web"],
        &["logs", "--index", "1", "web"],
        &["logs", "--index", "2", "web"],
        &["logs", "--index", "1"],
        &["logs", "--since", "bogus", "web"],
        &["logs", "tty"],
        &["logs", "nosuch"],
    ];
    for args in cases {
        let ours = project.berth(args);
        let reference = project.reference_cmd().args(*args).output().expect("run the reference");
        let (ours, theirs) = (normalized(&ours), normalized(&reference));
        // Several containers print concurrently in both: compare the lines as sets.
        let sorted = |s: &str| {
            let mut l: Vec<String> = s.lines().map(str::to_owned).collect();
            l.sort();
            l
        };
        assert_eq!(ours.0, theirs.0, "exit code of {args:?}\nberth: {ours:?}\nreference: {theirs:?}");
        assert_eq!(sorted(&ours.1), sorted(&theirs.1), "stdout of {args:?}");
        assert_eq!(ours.2.trim(), theirs.2.trim(), "stderr of {args:?}");
    }
}

#[test]
fn logs_from_the_project_name_alone_and_attach_false() {
    let Some(project) = project("logs_from_the_project_name_alone_and_attach_false") else { return };
    started(&project);
    let with_file = text(&project.berth_ok(&["logs", "--no-color"]).stdout);
    // Padding grows as containers appear: any width.
    assert!(with_file.lines().any(|l| l.starts_with("web-1 ") && l.ends_with(" | one")), "{with_file}");
    assert!(with_file.contains("| two"), "stderr lines are printed on stdout\n{with_file}");
    assert!(!with_file.contains("hidden-line"), "attach: false is left out with a compose file\n{with_file}");

    let empty = tempfile::tempdir().expect("temporary directory");
    let out = std::process::Command::new(e2e_support::berth_bin())
        .current_dir(empty.path())
        .args(["-p", &project.name, "logs", "--no-color"])
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .expect("run berth");
    assert!(out.status.success(), "{}", describe(&out));
    let alone = text(&out.stdout);
    for line in ["one", "from-tty", "hidden-line", "up "] {
        assert!(alone.contains(line), "{line:?} missing without a compose file\n{alone}");
    }
    assert!(!alone.contains('\r'), "TTY lines lose their carriage return\n{alone:?}");
}

#[test]
fn timestamps_merge_containers_in_time_order() {
    let Some(project) = project("timestamps_merge_containers_in_time_order") else { return };
    started(&project);
    let out = project.berth_ok(&["logs", "-t", "--no-color", "web", "tty", "hidden"]);
    let stdout = text(&out.stdout);
    let times: Vec<&str> = stdout.lines().filter_map(|l| l.split(" | ").nth(1)?.split(' ').next()).collect();
    assert_eq!(times.len(), 5, "{stdout}");
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted, "lines are in time order\n{stdout}");
}

fn lines_of(child: &mut std::process::Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Reads lines until one satisfies `want`; fails after a minute.
fn expect_line(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>, what: &str, want: impl Fn(&str) -> bool) {
    let start = Instant::now();
    while !seen.iter().any(|l| want(l)) {
        assert!(start.elapsed() < Duration::from_secs(90), "{what}: not seen in {seen:#?}");
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
            seen.push(line);
        }
    }
}

#[test]
fn follow_picks_up_restarts_recreations_and_scale_ups() {
    let Some(project) = project("follow_picks_up_restarts_recreations_and_scale_ups") else { return };
    started(&project);
    let mut child = project
        .berth_cmd()
        .args(["logs", "-f", "--no-color", "long", "steady"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn berth logs -f");
    let rx = lines_of(&mut child);
    let mut seen = Vec::new();
    expect_line(&rx, &mut seen, "first start", |l| l.starts_with("long-1    | up "));

    // `restart` stops the container, then starts it: its output goes on. (`steady` keeps
    // running meanwhile, so that following goes on however long the engine takes to start it
    // again; alone, the restarted container is waited for a few seconds only.)
    let old = project.container("long")["Id"].as_str().unwrap_or_default().get(..12).unwrap_or_default().to_owned();
    project.reference_ok(&["restart", "long"]);
    let ups = |seen: &[String]| seen.iter().filter(|l| l.contains("| up ")).count();
    let start = Instant::now();
    while ups(&seen) < 2 {
        assert!(start.elapsed() < Duration::from_secs(90), "no output after the restart: {seen:#?}");
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
            seen.push(line);
        }
    }

    // A recreated container is a new one: its output follows.
    project.reference_ok(&["up", "-d", "--force-recreate", "long"]);
    let new = project.container("long")["Id"].as_str().unwrap_or_default().get(..12).unwrap_or_default().to_owned();
    expect_line(&rx, &mut seen, "the recreated container", |l| l == format!("long-1    | up {new}"));

    // A scaled-up one too.
    project.reference_ok(&["up", "-d", "--scale", "long=2", "long"]);
    expect_line(&rx, &mut seen, "the second replica", |l| l.starts_with("long-2    | up "));

    // berth stops them: the reference's `stop` without `-t` kills them at once on Podman 4.3,
    // which records no stop timeout for the containers the reference created (docs/engines.md),
    // and their `bye` trap would never run.
    project.berth_ok(&["stop"]);
    let deadline = Instant::now() + Duration::from_secs(90);
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait for berth") {
            break status.code();
        }
        assert!(Instant::now() < deadline, "logs -f did not end once every container stopped");
        std::thread::sleep(Duration::from_millis(200));
    };
    seen.extend(rx.try_iter());
    assert_eq!(code, Some(0), "{seen:#?}");
    for exit in ["long-1 exited with code 0", "long-2 exited with code 0", "steady-1 exited with code 0"] {
        assert!(seen.iter().any(|l| l == exit), "{exit:?} missing: {seen:#?}");
    }
    // Following a container again shows none of its lines twice: one per start.
    let count = |id: &str| seen.iter().filter(|l| **l == format!("long-1    | up {id}")).count();
    assert_eq!((count(&old), count(&new)), (2, 1), "{seen:#?}");
}

#[test]
fn follow_ends_on_ctrl_c_with_130() {
    let Some(project) = project("follow_ends_on_ctrl_c_with_130") else { return };
    started(&project);
    let mut child = project
        .berth_cmd()
        .args(["logs", "-f", "long"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn berth logs -f");
    let rx = lines_of(&mut child);
    let mut seen = Vec::new();
    expect_line(&rx, &mut seen, "output", |l| l.contains("| up "));
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait for berth");
    assert_eq!(out.status.code(), Some(130), "{}", describe(&out));
    assert!(text(&out.stderr).contains("canceled"), "{}", describe(&out));
}
