//! End-to-end: `berth watch` brings the service up, then syncs changed files into its
//! container (honouring the rule's `ignore`), deletes removed ones there, and rebuilds and
//! recreates the service on a `rebuild` rule, printing Compose's watch messages.

mod e2e_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use e2e_support::{eventually, text, ImageCleanup, Project};

const COMPOSE: &str = r#"services:
  app:
    build:
      context: .
      dockerfile_inline: |
        FROM berth-test/busybox:latest
        COPY src /app/src
    command: ["sleep", "3600"]
    init: true
    stop_grace_period: 1s
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app/src
          ignore: ["*.log"]
        - path: ./version
          action: rebuild
"#;

/// Kills the watching berth when the test ends, passing or not.
struct Watching(Child);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn in_container(project: &Project, script: &str) -> String {
    let out = Command::new("docker")
        .args(["exec", &format!("{}-app-1", project.name), "sh", "-c", script])
        .output()
        .expect("docker exec");
    text(&out.stdout)
}

/// The id of the project's one container when there is just one, `app-1` (while it is being
/// recreated there are two, or the old one renamed).
fn only_container(project: &Project) -> Option<String> {
    let name = format!("/{}-app-1", project.name);
    match &project.containers()[..] {
        [c] if c["Name"] == name.as_str() => c["Id"].as_str().map(str::to_owned),
        _ => None,
    }
}

#[test]
fn watch_syncs_files_and_rebuilds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::write(root.join("compose.yaml"), COMPOSE).expect("compose file");
    std::fs::create_dir(root.join("src")).expect("src");
    std::fs::write(root.join("src/a.txt"), "one\n").expect("a.txt");
    std::fs::write(root.join("version"), "1\n").expect("version");
    let Some(project) = Project::with_file("watch_syncs_files_and_rebuilds", &root.join("compose.yaml")) else { return };
    let _images = ImageCleanup(&project);

    let mut child = project.berth_cmd().args(["watch", "--quiet"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("berth watch");
    let stdout = child.stdout.take().expect("stdout");
    let watching = Watching(child);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            seen.lock().expect("lines").push(line);
        }
    });
    let printed = |line: &str| lines.lock().expect("lines").iter().any(|l| l == line);
    eventually(Duration::from_secs(90), "watch enabled", || printed("Watch enabled"));
    assert_eq!(in_container(&project, "cat /app/src/a.txt"), "one\n");

    write(root, "src/a.txt", "two\n");
    write(root, "src/new/deep.txt", "deep\n");
    write(root, "src/debug.log", "ignored\n");
    // Owned by someone else (given its owner before it appears under the watched path): the
    // container has no user, so the copy keeps the host's owner, as Compose's does on Docker.
    write(root, "owned.txt", "owned\n");
    let chowned = Command::new("chown").args(["1234:5678"]).arg(root.join("owned.txt")).status().expect("chown");
    assert!(chowned.success());
    std::fs::rename(root.join("owned.txt"), root.join("src/new/owned.txt")).expect("rename");
    eventually(Duration::from_secs(90), "changed files synced", || {
        in_container(&project, "cat /app/src/a.txt /app/src/new/deep.txt /app/src/new/owned.txt 2>&1") == "two\ndeep\nowned\n"
    });
    assert_eq!(in_container(&project, "stat -c %u:%g /app/src/new/owned.txt"), "1234:5678\n");
    assert!(printed("Syncing \"app\" after changes were detected"), "{:?}", lines.lock().expect("lines"));
    assert_eq!(in_container(&project, "ls /app/src"), "a.txt\nnew\n", "the rule's ignore keeps debug.log out");

    std::fs::remove_dir_all(root.join("src/new")).expect("remove");
    eventually(Duration::from_secs(90), "removed files deleted", || in_container(&project, "ls /app/src") == "a.txt\n");

    let before = only_container(&project).expect("one container");
    write(root, "version", "2\n");
    eventually(Duration::from_secs(90), "rebuilt and recreated", || {
        printed("service \"app\" successfully built") && only_container(&project).is_some_and(|id| id != before)
    });
    assert!(printed("Rebuilding service \"app\" after changes were detected..."));
    drop(watching);

    // `up --watch`: the same, beside the attached output, the notes after Compose's marker.
    let mut child = project.berth_cmd().args(["up", "--watch"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("berth up --watch");
    let stdout = child.stdout.take().expect("stdout");
    let up = Watching(child);
    lines.lock().expect("lines").clear();
    let seen = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            seen.lock().expect("lines").push(line);
        }
    });
    let marked = |line: &str| lines.lock().expect("lines").iter().any(|l| l.trim_start() == format!("⦿ {line}"));
    eventually(Duration::from_secs(90), "up --watch enabled", || marked("Watch enabled"));
    write(root, "src/a.txt", "three\n");
    eventually(Duration::from_secs(90), "synced under up", || in_container(&project, "cat /app/src/a.txt") == "three\n");
    eventually(Duration::from_secs(90), "sync reported", || marked("Syncing \"app\" after changes were detected"));
    drop(up);

    // The menu of attached `up` (`--menu`, on a terminal): `w` turns watching on, then off.
    let mut term = e2e_support::Terminal::start(&project.berth_words(&["up", "--menu"]), &project.dir, &project.env);
    term.expect(" Enable Watch");
    term.type_keys(b"w");
    term.expect("Watch enabled");
    term.expect(" Disable Watch");
    write(root, "src/a.txt", "four\n");
    eventually(Duration::from_secs(90), "synced after w", || in_container(&project, "cat /app/src/a.txt") == "four\n");
    term.type_keys(b"w");
    eventually(Duration::from_secs(90), "the menu offers watching again", || {
        term.shown().rsplit("Disable Watch").next().is_some_and(|after| after.contains(" Enable Watch"))
    });
    term.type_keys(b"\x03");
    let (code, shown) = term.finish();
    assert_eq!(code, Some(130), "{shown}");
}

fn write(root: &Path, path: &str, content: &str) {
    let path = root.join(path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create directory");
    }
    std::fs::write(path, content).expect("write");
}
