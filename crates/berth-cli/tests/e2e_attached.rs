//! End-to-end: attached `berth up` (no `-d`): prefixed output, Ctrl-C, and the exit codes of
//! `--exit-code-from` and `--abort-on-container-exit`.

mod e2e_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use e2e_support::{describe, eventually, text, Project};

#[test]
fn attached_up_prefixes_output_and_ends() {
    let Some(project) = Project::new("attached_up_prefixes_output_and_ends") else { return };
    let out = project.berth(&["up"]);
    assert_eq!(out.status.code(), Some(0), "attached up ends when every container has exited\n{}", describe(&out));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.first().copied(), Some("Attaching to first-1, second-1"), "{stdout}");
    for line in ["first-1   | hello from first", "second-1  | hello from second", "second-1 exited with code 2"] {
        assert!(lines.contains(&line), "missing {line:?}\n{stdout}");
    }
    assert!(lines.contains(&"first-1 exited with code 0"), "{stdout}");
    assert!(text(&out.stderr).contains("first-1   | oops"), "stderr lines go to stderr\n{}", describe(&out));
    assert!(!stdout.contains("never shown"), "a service with attach: false is not shown\n{stdout}");
}

#[test]
fn ctrl_c_stops_attached_up() {
    let Some(project) = Project::new("ctrl_c_stops_attached_up") else { return };
    let mut child =
        project.berth_cmd().arg("up").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn berth up");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let start = Instant::now();
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.ends_with("| ready")) {
        assert!(start.elapsed() < Duration::from_secs(90), "app never said ready: {seen:?}");
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
            seen.push(line);
        }
    }
    eventually(Duration::from_secs(30), "side is running", || project.states().contains(&"side-1=running".to_owned()));

    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("send SIGINT");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(90);
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait for berth") {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("berth up did not exit after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let out = child.wait_with_output().expect("collect output");
    let err = text(&out.stderr);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("Gracefully stopping... (press Ctrl+C again to force)"), "{err}");
    assert_eq!(project.states(), ["app-1=exited", "side-1=exited"], "{err}");
    assert_eq!(project.container("app")["State"]["ExitCode"], 0, "app was stopped with SIGTERM");
}

#[test]
fn the_menu_reads_keys_and_ctrl_c_stops_the_project() {
    let Some(project) = Project::new("ctrl_c_stops_attached_up") else { return };
    let words = project.berth_words(&["up", "--menu"]);
    let mut term = e2e_support::Terminal::start(&words, &project.dir, &project.env);
    term.expect("ready");
    term.expect(" Enable Watch");
    // Nothing to watch here: the menu says so, as Compose's does.
    term.type_keys(b"w");
    term.expect("Watch is not yet configured. Learn more: https://docs.docker.com/compose/file-watch/");
    // Ctrl-C is a key while the menu reads them: the first stops the project gracefully.
    term.type_keys(b"\x03");
    let (code, shown) = term.finish();
    assert_eq!(code, Some(130), "{shown}");
    assert!(shown.contains("Gracefully stopping... (press Ctrl+C again to force)"), "{shown}");
    assert!(shown.contains("\x1b[?25h"), "the cursor is shown again: {shown:?}");
    assert_eq!(project.states(), ["app-1=exited", "side-1=exited"], "{shown}");
}

#[test]
fn exit_code_from_returns_that_service_code() {
    let Some(project) = Project::new("exit_code_from_returns_that_service_code") else { return };
    let out = project.berth(&["up", "--exit-code-from", "job"]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    let out = project.berth(&["up", "--exit-code-from", "server"]);
    assert_eq!(out.status.code(), Some(0), "server exits with 0 when stopped\n{}", describe(&out));
}

#[test]
fn abort_on_container_exit_stops_everything() {
    let Some(project) = Project::new("abort_on_container_exit_stops_everything") else { return };
    let out = project.berth(&["up", "--abort-on-container-exit"]);
    assert_eq!(out.status.code(), Some(3), "the first container to exit gives the code\n{}", describe(&out));
    assert!(text(&out.stderr).contains("Aborting on container exit..."), "{}", describe(&out));
    assert!(text(&out.stdout).contains("job-1 exited with code 3"), "{}", describe(&out));
    assert_eq!(project.states(), ["job-1=exited", "server-1=exited"]);
}

#[test]
fn abort_on_container_failure_stops_on_failure() {
    let Some(project) = Project::new("abort_on_container_failure_stops_on_failure") else { return };
    let out = project.berth(&["up", "--abort-on-container-failure"]);
    assert_eq!(out.status.code(), Some(3), "the failing container gives the code\n{}", describe(&out));
    assert!(text(&out.stdout).contains("ok-1 exited with code 0"), "a success does not abort\n{}", describe(&out));
    assert!(text(&out.stderr).contains("Aborting on container exit..."), "{}", describe(&out));
    assert_eq!(project.states(), ["job-1=exited", "ok-1=exited", "server-1=exited"]);
}
