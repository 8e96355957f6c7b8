//! End-to-end: `berth attach` on the real engine: through a pseudo-terminal (made by
//! `script`) to a TTY container, detaching with ctrl-p ctrl-q; piped to a container without a
//! TTY, with its exit code; and the reference's errors.

mod e2e_support;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e_support::{berth_bin, describe, eventually, text, Project};

fn running(project: &Project) {
    project.berth_ok(&["up", "-d"]);
    eventually(Duration::from_secs(60), "every service runs", || {
        project.states() == ["reader-1=running", "shell-1=running"]
    });
}

/// Runs `berth -p NAME ARGS` under `script`, so its stdin and stdout are a terminal. Each
/// step types its bytes, then waits until the output shows its text: keys typed before berth
/// has attached reach a terminal still in cooked mode, whose flow control would eat ctrl-q.
fn in_terminal(project: &Project, args: &str, steps: &[(&[u8], &str)]) -> std::process::Output {
    let line = format!("{} -p {} {args}", berth_bin().display(), project.name);
    let mut child = Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let seen = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock().expect("output lock").extend_from_slice(buf.get(..n).unwrap_or_default());
            }
        })
    };
    for (input, want) in steps {
        std::thread::sleep(Duration::from_millis(500));
        stdin.write_all(input).expect("type");
        stdin.flush().expect("flush");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !text(&seen.lock().expect("output lock")).contains(want) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(stdin);
    let mut out = child.wait_with_output().expect("collect output");
    let _ = reader.join();
    out.stdout = seen.lock().expect("output lock").clone();
    out
}

#[test]
fn attach_through_a_terminal_and_detach() {
    let Some(project) = Project::new("attach") else { return };
    running(&project);
    // `hel''lo` echoed by the terminal is not `hello`: that comes from the shell, once berth
    // forwards what was typed.
    let out = in_terminal(&project, "attach shell", &[(b"echo hel''lo\r", "hello"), (b"\x10\x11", "")]);
    let all = text(&out.stdout);
    assert!(all.contains("hello"), "the shell ran the command\n{}", describe(&out));
    assert!(all.contains("read escape sequence"), "{}", describe(&out));
    assert_eq!(out.status.code(), Some(1), "detaching exits 1, as docker attach\n{}", describe(&out));
    assert_eq!(project.states(), ["reader-1=running", "shell-1=running"], "the container keeps running");
}

#[test]
fn attach_piped_and_the_exit_code() {
    let Some(project) = Project::new("attach") else { return };
    running(&project);
    let mut child = project
        .berth_cmd()
        .args(["attach", "reader"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn berth attach");
    // stdin stays open: at its end the container's loop would move on to `sleep`, which
    // holds off the trap.
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"a\nb\n").expect("write");
    eventually(Duration::from_secs(60), "lines were read", || {
        e2e_support::docker(&["logs", &format!("{}-reader-1", project.name)]).contains("in:b")
    });
    // The proxied SIGINT reaches the container, whose trap exits with 7.
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait for berth");
    drop(stdin);
    assert_eq!(out.status.code(), Some(7), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "in:a\nin:b\ngot-int\n", "{}", describe(&out));
}

#[test]
fn attach_errors_like_the_reference() {
    let Some(project) = Project::new("attach") else { return };
    running(&project);
    for args in [&["attach", "nosuch"][..], &["attach", "--index", "3", "reader"], &["attach", "shell"]] {
        let ours = project.berth(args);
        let theirs = project.reference_cmd().args(args).output().expect("run the reference");
        assert_eq!(ours.status.code(), theirs.status.code(), "{args:?}\n{}\n{}", describe(&ours), describe(&theirs));
        assert_eq!(text(&ours.stderr).trim(), text(&theirs.stderr).trim(), "{args:?}");
    }
}
