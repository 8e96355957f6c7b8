//! Attached output on the real engine: lines by stream from the container's start, the exit
//! code, and a restarted container followed again.

mod exec_support;

use std::sync::Arc;
use std::time::Duration;

use berth_core::events::{Event, Recorder, Stream};
use berth_core::execute::CancellationToken;
use berth_core::ops::attach::{attach_logs, targets_after};
use berth_core::ops::down::{down, DownOptions};
use berth_core::ops::up::{up, UpOptions};
use exec_support::{load, real_engine, unique_project, Cleanup};

const IMAGE: &str = "berth-test/busybox:latest";

#[tokio::test]
async fn output_and_exit_codes_of_attached_containers() {
    let Some(engine) = real_engine().await else { return };
    let name = unique_project("e2eattach");
    let _cleanup = Cleanup(name.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = format!(
        r#"
services:
  job:
    image: {IMAGE}
    command: ["sh", "-c", "echo hello; echo oops >&2; sleep 2; echo bye; exit 3"]
  flaky:
    image: {IMAGE}
    command: ["sh", "-c", "echo run; sleep 1; exit 1"]
    restart: on-failure:1
"#
    );
    let project = load(dir.path(), &name, &yaml);
    let cancel = CancellationToken::new();
    let outcome = up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &cancel).await.expect("up");
    let recorder = Recorder::new();
    let attached = tokio::time::timeout(
        Duration::from_secs(90),
        attach_logs(Arc::clone(&engine), &name, targets_after(&outcome, &[]), &recorder, &cancel),
    )
    .await;
    down(Arc::clone(&engine), &name, None, &DownOptions::default(), &Recorder::new(), &cancel).await.expect("down");
    attached.expect("attach ends when every container is done").expect("attach");

    let lines_of = |container: &str| -> Vec<(Stream, String)> {
        recorder
            .events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Log(l) if l.container == container => Some((l.stream, l.line)),
                _ => None,
            })
            .collect()
    };
    let job = lines_of(&format!("{name}-job-1"));
    assert_eq!(job.iter().filter(|(s, _)| *s == Stream::Stdout).map(|(_, l)| l.as_str()).collect::<Vec<_>>(), ["hello", "bye"]);
    assert_eq!(job.iter().filter(|(s, _)| *s == Stream::Stderr).map(|(_, l)| l.as_str()).collect::<Vec<_>>(), ["oops"]);
    // The restart policy ran flaky twice; both runs are shown, and only the last exit counts.
    let flaky: Vec<String> = lines_of(&format!("{name}-flaky-1")).into_iter().map(|(_, l)| l).collect();
    assert_eq!(flaky, ["run", "run"]);
    let mut exits: Vec<(String, i64)> = recorder
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Exit { container, code, .. } => Some((container, code)),
            _ => None,
        })
        .collect();
    exits.sort();
    assert_eq!(exits, [(format!("{name}-flaky-1"), 1), (format!("{name}-job-1"), 3)]);
}
