//! End-to-end: `berth cp` against the reference Docker Compose on the same containers. Each
//! scenario makes the same copies through both (into different paths) and compares what
//! landed: file trees in the containers, local file trees, archives on stdout, and errors.
//!
//! On Podman the reference is no oracle where Podman's archives differ from Docker's (it
//! copies the content of `dir/.` under mangled names and follows symbolic links; berth
//! corrects both, see docs/engines.md), and the engine words its errors differently: there
//! berth's results are checked against what Docker gives.

mod e2e_support;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Output, Stdio};

use e2e_support::{describe, docker, is_podman, testdata, text, Project};

/// How the docker client introduces an engine's error.
const DAEMON: &str = "Error response from daemon:";

/// The compose project of `testdata/cp`, up with its two replicas.
fn project(test: &str) -> Option<Project> {
    let project = Project::with_file(test, &testdata("cp").join("compose.yaml"))?;
    project.berth_ok(&["up", "-d"]);
    Some(project)
}

/// The ids of the service's containers.
fn container_ids(project: &Project) -> Vec<String> {
    project.containers().iter().filter_map(|c| c["Id"].as_str().map(str::to_owned)).collect()
}

/// Runs a shell script in every container of the project.
fn exec_all(project: &Project, script: &str) {
    for id in container_ids(project) {
        docker(&["exec", "-u", "0", &id, "sh", "-c", script]);
    }
}

/// Every path under `dir` in container `id` with its type, mode, owner, and a checksum of
/// regular files, relative to `dir`.
fn container_tree(id: &str, dir: &str) -> String {
    let script = format!(
        "cd {dir} && find . | sort | while read -r f; do \
           if [ -L \"$f\" ]; then echo \"$f link $(readlink \"$f\")\"; \
           else stat -c '%n %F %a %u:%g' \"$f\"; fi; \
           if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then md5sum \"$f\"; fi; done"
    );
    docker(&["exec", "-u", "0", id, "sh", "-c", &script])
}

/// Every path under `dir` on this machine: type, permission bits, content or link target,
/// and the modification time of files.
fn local_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read dir").map(|e| e.expect("entry").path()).collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(root).expect("under root").to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&path).expect("lstat");
            let mode = meta.permissions().mode() & 0o7777;
            let what = if meta.file_type().is_symlink() {
                format!("link {}", std::fs::read_link(&path).expect("readlink").display())
            } else if meta.is_dir() {
                walk(root, &path, out);
                format!("dir {mode:o}")
            } else {
                format!("file {mode:o} mtime={} {:?}", meta.mtime(), std::fs::read_to_string(&path).unwrap_or_default())
            };
            out.insert(rel, what);
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Runs `cp ARGS` through berth and through the reference, the second time with `ours`
/// replaced by `theirs` in every argument.
fn both(project: &Project, args: &[&str], ours: &str, theirs: &str) -> (Output, Output) {
    let berth = project.berth(args);
    let reference_args: Vec<String> = args.iter().map(|a| a.replace(ours, theirs)).collect();
    let reference = project.reference_cmd().args(&reference_args).output().expect("run the reference");
    (berth, reference)
}

fn assert_both_ok(args: &[&str], (berth, reference): &(Output, Output)) {
    assert!(reference.status.success(), "reference {args:?}\n{}", describe(reference));
    assert!(berth.status.success(), "berth {args:?}\n{}", describe(berth));
}

#[test]
fn cp_to_service_lands_the_same_files_as_compose() {
    let Some(project) = project("cp_to_service_lands_the_same_files_as_compose") else { return };
    let local = tempfile::tempdir().expect("temp dir");
    let src = local.path().join("src");
    std::fs::create_dir_all(src.join("sub")).expect("mkdir");
    std::fs::write(src.join("f.txt"), "first\n").expect("write");
    std::fs::write(src.join("sub/g.txt"), "second\n").expect("write");
    std::fs::set_permissions(src.join("f.txt"), std::fs::Permissions::from_mode(0o640)).expect("chmod");
    std::os::unix::fs::symlink("f.txt", src.join("link")).expect("symlink");
    // Owned by someone other than the container user, so that -a shows.
    let _ = std::process::Command::new("chown").args(["-R", "1234:5678"]).arg(&src).status();
    exec_all(&project, "mkdir -p /b/existing /r/existing");

    let s = src.to_string_lossy().into_owned();
    let copies: Vec<Vec<String>> = vec![
        vec![s.clone(), "box:/b/dir".into()],
        vec![format!("{s}/."), "box:/b/content".into()],
        vec![s.clone(), "box:/b/existing".into()],
        vec![format!("{s}/f.txt"), "box:/b/renamed.txt".into()],
        vec!["-a".into(), format!("{s}/f.txt"), "box:/b/owned.txt".into()],
        vec![format!("{s}/link"), "box:/b/asis".into()],
        vec!["-L".into(), format!("{s}/link"), "box:/b/followed".into()],
    ];
    for copy in &copies {
        let mut args = vec!["cp"];
        args.extend(copy.iter().map(String::as_str));
        assert_both_ok(&args, &both(&project, &args, "/b/", "/r/"));
    }
    for id in container_ids(&project) {
        let ours = container_tree(&id, "/b");
        assert_eq!(ours, container_tree(&id, "/r"), "container {id}: berth's copies differ from compose's");
        for expected in [
            "./dir/sub/g.txt regular file",
            "./content/f.txt regular file 640 1234:5678",
            "./existing/src/f.txt",
            "./renamed.txt regular file 640 1234:5678",
            "./owned.txt regular file 640 1:1",
            "./asis link f.txt",
            "./followed regular file",
        ] {
            assert!(ours.contains(expected), "container {id}: no {expected:?} in\n{ours}");
        }
    }
}

#[test]
fn cp_from_service_lands_the_same_files_as_compose() {
    let Some(project) = project("cp_from_service_lands_the_same_files_as_compose") else { return };
    exec_all(
        &project,
        "mkdir -p /data/sub && echo hello > /data/a.txt && echo deep > /data/sub/b.txt \
         && chmod 600 /data/sub/b.txt && ln -s a.txt /data/link && chown 1234:5678 /data/a.txt",
    );
    let local = tempfile::tempdir().expect("temp dir");
    let (ours, theirs) = (local.path().join("b"), local.path().join("r"));
    for dir in [&ours, &theirs] {
        std::fs::create_dir_all(dir.join("existing")).expect("mkdir");
    }
    let o = ours.to_string_lossy().into_owned();
    let copies: Vec<Vec<String>> = vec![
        vec!["box:/data".into(), format!("{o}/copy")],
        vec!["box:/data/.".into(), format!("{o}/content")],
        vec!["box:/data".into(), format!("{o}/existing")],
        vec!["box:/data/a.txt".into(), format!("{o}/file.txt")],
        vec!["box:/data/link".into(), format!("{o}/asis")],
        vec!["-L".into(), "box:/data/link".into(), format!("{o}/followed")],
    ];
    let (ours_marker, theirs_marker) = (format!("{o}/"), format!("{}/", theirs.to_string_lossy()));
    for copy in &copies {
        let mut args = vec!["cp"];
        args.extend(copy.iter().map(String::as_str));
        assert_both_ok(&args, &both(&project, &args, &ours_marker, &theirs_marker));
    }
    let tree = local_tree(&ours);
    if !is_podman() {
        assert_eq!(tree, local_tree(&theirs), "berth's local copies differ from compose's");
    }
    // What Docker gives, modification times aside.
    let (a, b) = ("file 644 \"hello\\n\"", "file 600 \"deep\\n\"");
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for top in ["copy", "content", "existing/data"] {
        expected.insert(top.into(), "dir 755".into());
        expected.insert(format!("{top}/a.txt"), a.into());
        expected.insert(format!("{top}/link"), "link a.txt".into());
        expected.insert(format!("{top}/sub"), "dir 755".into());
        expected.insert(format!("{top}/sub/b.txt"), b.into());
    }
    expected.insert("existing".into(), "dir 755".into());
    expected.insert("file.txt".into(), a.into());
    expected.insert("asis".into(), "link a.txt".into());
    expected.insert("followed".into(), a.into());
    let without_times: BTreeMap<String, String> = tree
        .iter()
        .map(|(k, v)| (k.clone(), v.split(' ').filter(|w| !w.starts_with("mtime=")).collect::<Vec<_>>().join(" ")))
        .collect();
    assert_eq!(without_times, expected, "the files that land");

    let args = ["cp", "box:/data/a.txt", "-"];
    let pair = both(&project, &args, "", "");
    assert_both_ok(&args, &pair);
    assert!(!pair.0.stdout.is_empty(), "an archive on stdout");
    assert_eq!(pair.0.stdout, pair.1.stdout, "the archive on stdout is the engine's, as compose's is");
}

#[test]
fn cp_tar_on_stdin_extracts_into_the_directory() {
    let Some(project) = project("cp_tar_on_stdin_extracts_into_the_directory") else { return };
    let local = tempfile::tempdir().expect("temp dir");
    std::fs::write(local.path().join("in.txt"), "from stdin\n").expect("write");
    let tar = std::process::Command::new("tar")
        .arg("-C")
        .arg(local.path())
        .args(["-cf", "-", "in.txt"])
        .output()
        .expect("run tar");
    assert!(tar.status.success(), "{}", describe(&tar));
    let mut child = project
        .berth_cmd()
        .args(["cp", "-", "box:/tmp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run berth");
    child.stdin.take().expect("stdin").write_all(&tar.stdout).expect("write the archive");
    let out = child.wait_with_output().expect("berth finished");
    assert!(out.status.success(), "{}", describe(&out));
    for id in container_ids(&project) {
        assert_eq!(docker(&["exec", &id, "cat", "/tmp/in.txt"]), "from stdin\n", "container {id}");
    }
}

#[test]
fn cp_errors_read_like_compose() {
    let Some(project) = project("cp_errors_read_like_compose") else { return };
    let local = tempfile::tempdir().expect("temp dir");
    let l = local.path().to_string_lossy().into_owned();
    std::fs::write(local.path().join("file"), "x").expect("write");
    exec_all(&project, "echo x > /tmp/file");
    let ids = container_ids(&project);
    let cases: Vec<Vec<String>> = vec![
        vec!["box:/nope".into(), format!("{l}/out")],
        vec!["box:/tmp/file".into(), "/nonexistent-berth-cp/dir/x".into()],
        vec![format!("{l}/missing"), "box:/tmp".into()],
        vec![format!("{l}/file"), "box:/nonexistent/dir/".into()],
        vec![format!("{l}/file"), "box:/nonexistent/x".into()],
        vec!["box:/tmp".into(), format!("{l}/file")],
        vec![l.clone(), "box:/tmp/file".into()],
        vec!["--index".into(), "5".into(), "box:/tmp".into(), format!("{l}/o")],
        vec!["nosvc:/tmp".into(), format!("{l}/o")],
        vec!["box:/a".into(), "box:/b".into()],
        vec!["a".into(), "b".into()],
        vec!["--all".into(), "box:/tmp".into(), format!("{l}/o")],
        vec!["-".into(), "box:/tmp/file".into()],
    ];
    // The reference copies to the containers concurrently: which one's error comes first
    // varies, so container ids are blanked.
    let last = |o: &Output| {
        let line = text(&o.stderr).lines().last().unwrap_or_default().to_owned();
        ids.iter().fold(line, |l, id| l.replace(id.as_str(), "<id>"))
    };
    for case in &cases {
        let mut args = vec!["cp"];
        args.extend(case.iter().map(String::as_str));
        let (berth, reference) = both(&project, &args, "", "");
        let (berth_line, reference_line) = (last(&berth), last(&reference));
        // Podman words its errors its own way, and creates a missing extraction directory
        // where Docker fails; berth answers as Docker does.
        if is_podman() && (reference_line.starts_with(DAEMON) || reference.status.success()) {
            assert!(berth_line.starts_with(DAEMON) && berth.status.code() == Some(1), "cp {case:?}\n{}", describe(&berth));
            continue;
        }
        assert_eq!(
            (berth.status.code(), berth_line),
            (reference.status.code(), reference_line),
            "cp {case:?}\n--- berth\n{}\n--- reference\n{}",
            describe(&berth),
            describe(&reference)
        );
    }
}
