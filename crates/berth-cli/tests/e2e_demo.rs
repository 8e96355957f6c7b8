//! End-to-end: the README's demo (`examples/demo/compose.yaml`) comes up healthy with
//! `up -d --wait` and serves its visit counter.

mod e2e_support;

use std::process::Command;

use e2e_support::{describe, free_port, is_podman, repo_root, text, ImageCleanup, Project};

fn get(url: &str) -> String {
    let out = Command::new("curl").args(["-fsS", "--max-time", "10", url]).output().expect("run curl");
    assert!(out.status.success(), "GET {url} failed: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn wait_succeeds_on_the_demo() {
    let file = repo_root().join("examples/demo/compose.yaml");
    let port = free_port().to_string();
    let Some(project) = Project::with_file("wait_succeeds_on_the_demo", &file).map(|p| p.env("DEMO_PORT", &port))
    else {
        return;
    };
    // `web` is built from examples/demo/app (image `<project>-web`).
    let _images = ImageCleanup(&project);
    let out = project.berth(&["up", "-d", "--wait", "--wait-timeout", "240"]);
    assert!(out.status.success(), "{}", describe(&out));
    let progress = text(&out.stderr);
    for service in ["redis", "web", "proxy"] {
        let line = format!("Container {}-{service}-1  Healthy", project.name);
        assert!(progress.contains(&line), "missing {line:?}\n{progress}");
    }
    assert_eq!(project.states(), ["proxy-1=running", "redis-1=running", "web-1=running"]);
    if is_podman() {
        eprintln!("wait_succeeds_on_the_demo: engine health status not checked on Podman: without systemd, Podman 4.3 never runs health checks (berth runs them itself while it waits)");
    } else {
        for c in project.containers() {
            assert_eq!(c["State"]["Health"]["Status"], "healthy", "{}", c["Name"]);
        }
    }
    let url = format!("http://127.0.0.1:{port}/");
    let first = get(&url);
    assert!(first.contains("Hello from berth! This page has been visited 1 times."), "{first}");
    let second = get(&url);
    assert!(second.contains("visited 2 times"), "the counter counts\n{second}");
}
