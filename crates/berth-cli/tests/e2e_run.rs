//! End-to-end: `run` on the real engine: one-off containers named and labelled as the
//! reference Docker Compose makes them, dependencies brought up and waited for, exit codes,
//! `--rm`, ports, and a pseudo-terminal (`script`).

mod e2e_support;

use std::process::{Command, Stdio};

use e2e_support::{describe, docker, free_port, text, Project};
use serde_json::Value;

/// The project's one-off containers, inspected.
fn one_offs(project: &Project) -> Vec<Value> {
    project.containers().into_iter().filter(|c| c["Config"]["Labels"]["com.docker.compose.oneoff"] == "True").collect()
}

/// The container with this id, inspected.
fn inspect(id: &str) -> Value {
    let all: Vec<Value> = serde_json::from_str(&docker(&["inspect", id])).expect("inspect JSON");
    all.into_iter().next().expect("one container")
}

/// The project with a free port for `app`'s published port.
fn run_project() -> Option<(Project, u16)> {
    let port = free_port();
    Project::new("run").map(|p| (p.env("RUN_PORT", &port.to_string()), port))
}

#[test]
fn run_waits_for_a_healthy_dependency_and_passes_the_exit_code() {
    let Some((project, _)) = run_project() else { return };
    let out = project.berth(&["run", "--rm", "-T", "-e", "GIVEN=given", "-w", "/tmp", "-u", "nobody", "app", "sh", "-c", "echo $GIVEN $(pwd) $(id -u); exit 7"]);
    assert_eq!(out.status.code(), Some(7), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "given /tmp 65534\n");
    assert!(text(&out.stderr).contains(&format!("Container {}-db-1  Healthy", project.name)), "{}", describe(&out));
    // Podman 4.3 without systemd never runs health checks, so its own status stays `starting`:
    // berth ran the check itself (docs/engines.md).
    if !e2e_support::is_podman() {
        let db = project.container("db");
        assert_eq!(db["State"]["Health"]["Status"], "healthy", "the dependency was healthy before the run");
    }
    assert!(one_offs(&project).is_empty(), "--rm removed the run container");
    assert_eq!(project.states(), ["db-1=running"], "only the dependency is left");
    assert!(project.resources("volume").is_empty(), "--rm removed the anonymous volume too");
    let anonymous: Vec<String> = docker(&["volume", "ls", "-q", "--filter", "dangling=true"]).lines().map(str::to_owned).collect();
    for v in anonymous {
        let labels = docker(&["volume", "inspect", "-f", "{{json .Labels}}", &v]);
        assert!(!labels.contains(&project.name), "volume {v} of the run container is left");
    }

    // Piped stdin reaches the command.
    let mut child = project.berth_cmd().args(["run", "--rm", "-T", "--no-deps", "app", "cat"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("run berth");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), b"piped\n").expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "piped\n");
}

#[test]
fn run_containers_are_named_and_labelled_like_the_reference() {
    let Some((project, _)) = run_project() else { return };
    // On Podman the reference would wait for `db` to be healthy forever: Podman 4.3 without
    // systemd runs no health checks, and the reference does not run them itself (berth does).
    // There both run without dependencies (which the depends_on label then says).
    let run: &[&str] = if e2e_support::is_podman() { &["run", "-d", "--no-deps", "app", "sleep", "60"] } else { &["run", "-d", "app", "sleep", "60"] };
    let ours = project.berth_ok(run);
    let id = text(&ours.stdout).trim().to_owned();
    let reference = project.reference_ok(run);
    let theirs = inspect(text(&reference.stdout).trim());
    let ours = inspect(&id);

    let name = ours["Name"].as_str().unwrap_or_default().trim_start_matches('/').to_owned();
    let prefix = format!("{}-app-run-", project.name);
    let suffix = name.strip_prefix(&prefix).unwrap_or_else(|| panic!("{name} starts with {prefix}"));
    let labels = &ours["Config"]["Labels"];
    let slug = labels["com.docker.compose.slug"].as_str().unwrap_or_default();
    assert_eq!(slug.len(), 64);
    assert_eq!(suffix, &slug[..12], "the name ends with the slug's first 12 digits");

    let compose_labels = |c: &Value| -> Vec<String> {
        let mut keys: Vec<String> = c["Config"]["Labels"]
            .as_object()
            .map(|m| m.keys().filter(|k| k.starts_with("com.docker.compose.")).cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    };
    assert_eq!(compose_labels(&ours), compose_labels(&theirs), "the same com.docker.compose.* labels");
    for key in ["project", "service", "oneoff", "container-number", "depends_on", "project.working_dir", "project.config_files", "image"] {
        let key = format!("com.docker.compose.{key}");
        assert_eq!(ours["Config"]["Labels"][&key], theirs["Config"]["Labels"][&key], "label {key}");
    }
    assert_eq!(labels["com.docker.compose.oneoff"], "True");
    for field in ["RestartPolicy", "AutoRemove"] {
        assert_eq!(ours["HostConfig"][field], theirs["HostConfig"][field], "HostConfig.{field}");
    }
    // No bindings either way (berth sends none where the reference sends an empty map).
    let bindings = |c: &Value| c["HostConfig"]["PortBindings"].as_object().map_or(0, serde_json::Map::len);
    assert_eq!((bindings(&ours), bindings(&theirs)), (0, 0), "no published ports without --service-ports");
    assert_ne!(ours["HostConfig"]["RestartPolicy"]["Name"], "always", "no restart policy for a one-off container");
    let aliases = |c: &Value| c["NetworkSettings"]["Networks"].as_object().map(|n| n.values().map(|e| e["Aliases"].clone()).collect::<Vec<_>>());
    let ours_aliases = format!("{:?}", aliases(&ours));
    assert!(!ours_aliases.contains("app-alias"), "no service aliases without --use-aliases: {ours_aliases}");
}

#[test]
fn run_publishes_ports_only_when_asked() {
    let Some((project, port)) = run_project() else { return };
    let bindings = |args: &[&str]| {
        let mut all = vec!["run", "-d", "--no-deps"];
        all.extend(args);
        all.extend(["app", "sleep", "60"]);
        let out = project.berth_ok(&all);
        let c = inspect(text(&out.stdout).trim());
        project.berth(&["rm", "-s", "-f", "app"]);
        let _ = Command::new("docker").args(["rm", "-f", c["Id"].as_str().unwrap_or_default()]).output();
        c["HostConfig"]["PortBindings"].to_string()
    };
    let none = bindings(&[]);
    assert!(!none.contains(&port.to_string()), "no ports by default: {none}");
    let service = bindings(&["--service-ports"]);
    assert!(service.contains(&format!("\"HostPort\":\"{port}\"")), "--service-ports publishes the service's: {service}");
    let other = free_port();
    let published = bindings(&["-p", &format!("{other}:80")]);
    assert!(published.contains(&format!("\"HostPort\":\"{other}\"")), "-p publishes what it names: {published}");
    let aliased = project.berth_ok(&["run", "-d", "--no-deps", "--use-aliases", "app", "sleep", "60"]);
    let c = inspect(text(&aliased.stdout).trim());
    assert!(c["NetworkSettings"]["Networks"].to_string().contains("app-alias"), "--use-aliases gives the aliases");
    let both = project.berth(&["run", "--service-ports", "-p", "1:1", "app"]);
    assert_eq!(both.status.code(), Some(1), "{}", describe(&both));
    assert!(text(&both.stderr).contains("--service-ports and --publish are incompatible"));
}

#[test]
fn run_through_a_terminal_allocates_a_tty() {
    let Some((project, _)) = run_project() else { return };
    // The process outlives the end of berth's stdin (null here) for a moment: Podman 4.3 can
    // lose a TTY container's output when that end comes after the exit ("write unixpacket
    // …/attach: broken pipe" in the stream instead of the output).
    let words = project.berth_words(&["run", "--rm", "app", "sh", "-c", "tty; sleep 1; exit 5"]);
    let line = words.iter().map(|w| format!("'{}'", w.replace('\'', r"'\''"))).collect::<Vec<_>>().join(" ");
    let mut script = Command::new("script");
    script.args(["-qfec", &line, "/dev/null"]).current_dir(&project.dir).stdin(Stdio::null());
    for (k, v) in &project.env {
        script.env(k, v);
    }
    let out = script.output().expect("run script");
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    assert!(text(&out.stdout).contains("/dev/pts/"), "{}", describe(&out));
    assert!(one_offs(&project).is_empty(), "--rm removed the run container");
}

#[test]
fn run_through_a_terminal_detaches_with_the_detach_keys() {
    let Some((project, _)) = run_project() else { return };
    let words = project.berth_words(&["run", "--rm", "app", "sh"]);
    let mut term = e2e_support::Terminal::start(&words, &project.dir, &project.env);
    term.expect("/ # ");
    term.type_keys(b"echo hel''lo\r");
    term.expect("hello");
    term.type_keys(b"\x10\x11");
    // As the docker CLI's `RunStart`: detaching ends berth with 0 and leaves the container running.
    let (code, shown) = term.finish();
    assert_eq!(code, Some(0), "{shown}");
    let running: Vec<Value> = one_offs(&project).into_iter().filter(|c| c["State"]["Status"] == "running").collect();
    assert_eq!(running.len(), 1, "the run container goes on running\n{shown}");
}
