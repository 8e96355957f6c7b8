//! End-to-end: `berth scale` against the reference Docker Compose, each on its own project
//! from the same compose file: the same containers must exist, in the same states, after the
//! same scale commands; errors read the same.

mod e2e_support;

use e2e_support::{describe, testdata, text, Project};

fn projects(test: &str) -> Option<(Project, Project)> {
    let file = testdata("scale").join("compose.yaml");
    let ours = Project::with_file(test, &file)?;
    let theirs = Project::with_file(&format!("{test}ref"), &file)?;
    Some((ours, theirs))
}

/// Runs the same command through berth (on `ours`) and the reference (on `theirs`), and
/// checks that both projects end with the same containers in the same states.
fn same_result(ours: &Project, theirs: &Project, args: &[&str]) -> Vec<String> {
    ours.berth_ok(args);
    theirs.reference_ok(args);
    let states = ours.states();
    assert_eq!(states, theirs.states(), "after {args:?}, berth's containers differ from compose's");
    states
}

#[test]
fn scale_creates_and_removes_replicas_like_compose() {
    let Some((ours, theirs)) = projects("scale_creates_and_removes_replicas_like_compose") else { return };
    let states = same_result(&ours, &theirs, &["scale", "web=3"]);
    assert_eq!(states, ["db-1=running", "web-1=running", "web-2=running", "web-3=running"]);
    let states = same_result(&ours, &theirs, &["scale", "web=1"]);
    assert_eq!(states, ["db-1=running", "web-1=running"]);
    let states = same_result(&ours, &theirs, &["scale", "db=2"]);
    assert_eq!(states, ["db-1=running", "db-2=running", "web-1=running"], "web, which depends on db, is left alone");
}

#[test]
fn scale_no_deps_leaves_dependencies_alone() {
    let Some((ours, theirs)) = projects("scale_no_deps_leaves_dependencies_alone") else { return };
    let states = same_result(&ours, &theirs, &["scale", "--no-deps", "web=2"]);
    assert_eq!(states, ["web-1=running", "web-2=running"]);
}

#[test]
fn scale_errors_read_like_compose() {
    let Some((ours, theirs)) = projects("scale_errors_read_like_compose") else { return };
    for args in [&["scale", "web"][..], &["scale", "web=x"], &["scale", "=1"], &["scale", "nosuch=2"]] {
        let berth = ours.berth(args);
        let reference = theirs.reference_cmd().args(args).output().expect("run the reference");
        let last = |o: &std::process::Output| text(&o.stderr).lines().last().unwrap_or_default().to_owned();
        assert_eq!(
            (berth.status.code(), last(&berth)),
            (reference.status.code(), last(&reference)),
            "{args:?}\n--- berth\n{}\n--- reference\n{}",
            describe(&berth),
            describe(&reference)
        );
    }
    assert!(ours.containers().is_empty() && theirs.containers().is_empty(), "a failed scale creates nothing");
}
