//! End-to-end: `exec` on the real engine, piped and through a pseudo-terminal (`script`),
//! compared with `docker exec` and the reference Docker Compose where they should agree.

mod e2e_support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use e2e_support::{berth_bin, describe, text, Project};

/// Runs `berth -f FILE -p NAME ARGS` with `input` on its stdin.
fn berth_with_input(project: &Project, args: &[&str], input: &[u8]) -> Output {
    let mut child = project
        .berth_cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run berth");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for berth");
    writer.join().expect("stdin writer");
    out
}

/// A shell word for `script -c`.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Runs `berth -f FILE -p NAME ARGS` in a new pseudo-terminal (through `script`), with
/// `input` fed to the terminal; returns what the terminal showed and the exit code.
fn berth_in_terminal(project: &Project, args: &[&str], redirect: &str) -> Output {
    let mut words = vec![berth_bin().display().to_string(), "-f".into(), project.file.display().to_string()];
    words.extend(["-p".to_owned(), project.name.clone()]);
    words.extend(args.iter().map(|a| (*a).to_owned()));
    let line = words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ") + redirect;
    Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .current_dir(&project.dir)
        .env_remove("COMPOSE_PROJECT_NAME")
        .stdin(Stdio::null())
        .output()
        .expect("run script")
}

#[test]
fn exec_runs_commands_in_the_service_container() {
    let Some(project) = Project::new("exec") else { return };
    project.berth_ok(&["up", "-d", "app"]);

    // The command's exit code is berth's.
    let out = project.berth(&["exec", "-T", "app", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "out\n");
    assert_eq!(text(&out.stderr), "err\n", "stderr stays separate without a TTY");

    // -e, -u, -w; the service's environment is there. A bare key takes its value from berth's
    // environment, else from the project's .env (which the shell overrides).
    let out = project
        .berth_cmd()
        .env("FROM_BERTH", "berth")
        .args(["exec", "-T", "-e", "GIVEN=given", "-e", "FROM_BERTH", "-e", "FROM_DOTENV", "-u", "nobody", "-w", "/tmp", "app"])
        .args(["sh", "-c", "echo $GIVEN $FROM_BERTH $FROM_DOTENV $FROM_SERVICE; id -u; pwd"])
        .output()
        .expect("run berth");
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "given berth dotenv service\n65534\n/tmp\n");

    // A bare key with no value anywhere goes to the engine bare, as the reference sends it:
    // Docker then removes the variable from the command's environment, Podman refuses it.
    let args = ["exec", "-T", "-e", "FROM_SERVICE", "app", "sh", "-c", "echo ${FROM_SERVICE-unset}"];
    let ours = project.berth(&args);
    let reference = project.reference_cmd().args(args).output().expect("run the reference");
    assert_eq!(ours.status.code(), reference.status.code(), "{}\n{}", describe(&ours), describe(&reference));
    assert_eq!((text(&ours.stdout), text(&ours.stderr)), (text(&reference.stdout), text(&reference.stderr)));
    let expected = if e2e_support::is_podman() { "" } else { "unset\n" };
    assert_eq!(text(&ours.stdout), expected, "{}", describe(&ours));

    // Piped stdin reaches the command and its end ends the command.
    let out = berth_with_input(&project, &["exec", "-T", "app", "cat"], b"hi\n");
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "hi\n");
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let out = berth_with_input(&project, &["exec", "-T", "app", "wc", "-c"], &big);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout).trim(), "3000000", "every byte of a large input arrives");

    // A command that cannot run: the engine's code and message, as `docker exec` gives them
    // (Docker: 126 with the runtime's message on stdout; Podman: 127, on stderr).
    let container = format!("{}-app-1", project.name);
    let docker = Command::new("docker").args(["exec", &container, "no-such-command"]).output().expect("docker exec");
    let out = project.berth(&["exec", "-T", "app", "no-such-command"]);
    assert_eq!(out.status.code(), docker.status.code(), "{}", describe(&out));
    assert!(matches!(out.status.code(), Some(126 | 127)), "{}", describe(&out));
    let mentions = |o: &Output| [&o.stdout, &o.stderr].map(|s| text(s).contains("no-such-command"));
    assert_eq!(mentions(&out), mentions(&docker), "the message on the stream docker exec uses\n{}\n{}", describe(&out), describe(&docker));
    assert!(mentions(&out).contains(&true), "{}", describe(&out));

    // --index picks the replica; -d returns at once and leaves the command running.
    let out = project.berth_ok(&["exec", "-T", "--index", "2", "app", "hostname"]);
    let second = e2e_support::docker(&["inspect", "-f", "{{.Config.Hostname}}", &format!("{}-app-2", project.name)]);
    assert_eq!(text(&out.stdout).trim(), second.trim());
    project.berth_ok(&["exec", "-d", "app", "sh", "-c", "echo detached > /tmp/detached"]);
    e2e_support::eventually(std::time::Duration::from_secs(20), "the detached command ran", || {
        text(&project.berth(&["exec", "-T", "app", "cat", "/tmp/detached"]).stdout) == "detached\n"
    });
}

#[test]
fn exec_without_a_running_container_fails_like_compose() {
    let Some(project) = Project::new("exec") else { return };
    project.berth_ok(&["up", "-d", "app"]);
    for (args, message) in [
        (vec!["exec", "-T", "idle", "true"], "service \"idle\" is not running"),
        (vec!["exec", "-T", "--index", "3", "app", "true"], "service \"app\" is not running container #3"),
    ] {
        let ours = project.berth(&args);
        let reference = project.reference_cmd().args(&args).output().expect("run the reference");
        assert_eq!(ours.status.code(), Some(1), "{}", describe(&ours));
        assert_eq!(ours.status.code(), reference.status.code(), "{}", describe(&reference));
        assert_eq!(text(&ours.stderr).trim(), message, "{}", describe(&ours));
        assert!(text(&reference.stderr).contains(message), "{}", describe(&reference));
    }
}

#[test]
fn exec_through_a_terminal_allocates_a_tty() {
    let Some(project) = Project::new("exec") else { return };
    project.berth_ok(&["up", "-d", "app"]);

    // On a terminal a TTY is the default; the exit code still passes through.
    let out = berth_in_terminal(&project, &["exec", "app", "sh", "-c", "tty; exit 4"], "");
    assert_eq!(out.status.code(), Some(4), "{}", describe(&out));
    assert!(text(&out.stdout).contains("/dev/pts/"), "{}", describe(&out));

    // -T: no TTY even on a terminal.
    let out = berth_in_terminal(&project, &["exec", "-T", "app", "tty"], "");
    assert!(text(&out.stdout).contains("not a tty"), "{}", describe(&out));

    // A TTY with stdin that is not a terminal is refused, as the docker CLI refuses it.
    let out = berth_in_terminal(&project, &["exec", "app", "true"], " < /dev/null");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(text(&out.stdout).contains("the input device is not a TTY"), "{}", describe(&out));

    // Off a terminal, -T is the default.
    let out = project.berth(&["exec", "app", "tty"]);
    assert!(text(&out.stdout).contains("not a tty"), "{}", describe(&out));
}

#[test]
fn exec_through_a_terminal_detaches_with_the_detach_keys() {
    let Some(project) = Project::new("exec") else { return };
    project.berth_ok(&["up", "-d", "app"]);

    // ctrl-p ctrl-q, as the docker CLI's default: berth ends with the reference's error.
    let mut term = e2e_support::Terminal::start(&project.berth_words(&["exec", "app", "sh"]), &project.dir, &project.env);
    term.expect("/ # ");
    term.type_keys(b"echo hel''lo\r");
    term.expect("hello");
    term.type_keys(b"\x10\x11");
    let (code, shown) = term.finish();
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("read escape sequence"), "{shown}");

    // `detachKeys` of the docker CLI's config.json replaces them.
    let config = std::env::temp_dir().join(format!("{}-docker-config", project.name));
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("config.json"), r#"{"detachKeys": "ctrl-x,x"}"#).expect("config.json");
    let mut env = project.env.clone();
    env.push(("DOCKER_CONFIG".into(), config.display().to_string()));
    let mut term = e2e_support::Terminal::start(&project.berth_words(&["exec", "app", "sh"]), &project.dir, &env);
    term.expect("/ # ");
    term.type_keys(b"\x18x");
    let (code, shown) = term.finish();
    let _ = std::fs::remove_dir_all(&config);
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("read escape sequence"), "{shown}");
    assert_eq!(project.states(), ["app-1=running", "app-2=running"], "the containers go on running");
}
