//! Attached output on the fake engine: lines per stream, exit codes, and containers that
//! start while attached.

mod exec_support;

use std::sync::Arc;
use std::time::Duration;

use berth_core::events::{Event, Recorder, Stream};
use berth_core::execute::CancellationToken;
use berth_core::ops::attach::{attach_logs, targets_after};
use berth_core::ops::restart::{restart, RestartOptions};
use berth_core::ops::up::{up, UpOptions};
use berth_engine::{Engine, FakeEngine, ImageConfig, OutputStream};
use exec_support::load;

const IMAGE: &str = "berth-test/busybox:latest";

fn logs(recorder: &Recorder) -> Vec<(String, Stream, String)> {
    recorder
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Log(l) => Some((l.container, l.stream, l.line)),
            _ => None,
        })
        .collect()
}

fn exits(recorder: &Recorder) -> Vec<(String, i64)> {
    recorder
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Exit { container, code, .. } => Some((container, code)),
            _ => None,
        })
        .collect()
}

/// Project `lab` with one long-running service `web`, brought up on a fresh fake engine.
async fn web_up(dir: &std::path::Path) -> (berth_spec::model::Project, FakeEngine, Arc<dyn Engine>, berth_core::ops::Outcome) {
    let yaml = format!("services:\n  web:\n    image: {IMAGE}\n    command: [sleep, infinity]\n");
    let project = load(dir, "lab", &yaml);
    let fake = FakeEngine::new();
    fake.add_image(IMAGE, ImageConfig::default());
    let engine: Arc<dyn Engine> = Arc::new(fake.clone());
    let outcome = up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &CancellationToken::new()).await.expect("up");
    (project, fake, engine, outcome)
}

#[tokio::test(start_paused = true)]
async fn output_lines_and_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = format!(
        "services:\n  job:\n    image: {IMAGE}\n    command: [\"sh\", \"-c\", \"echo hello; echo oops >&2; sleep 1; exit 2\"]\n"
    );
    let project = load(dir.path(), "lab", &yaml);
    let fake = FakeEngine::new();
    fake.add_image(IMAGE, ImageConfig::default());
    let engine: Arc<dyn Engine> = Arc::new(fake);
    let cancel = CancellationToken::new();
    let outcome = up(Arc::clone(&engine), &project, &UpOptions::default(), &Recorder::new(), &cancel).await.expect("up");
    let recorder = Recorder::new();
    attach_logs(Arc::clone(&engine), "lab", targets_after(&outcome, &[]), &recorder, &cancel).await.expect("attach");
    assert_eq!(
        logs(&recorder),
        [
            ("lab-job-1".to_owned(), Stream::Stdout, "hello".to_owned()),
            ("lab-job-1".to_owned(), Stream::Stderr, "oops".to_owned()),
        ]
    );
    assert_eq!(exits(&recorder), [("lab-job-1".to_owned(), 2)]);
}

#[tokio::test(start_paused = true)]
async fn restarted_containers_are_followed_until_cancelled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, fake, engine, outcome) = web_up(dir.path()).await;
    let recorder = Recorder::new();
    let attach_cancel = CancellationToken::new();
    let driver = {
        let engine = Arc::clone(&engine);
        let fake = fake.clone();
        let attach_cancel = attach_cancel.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            fake.emit_output("lab-web-1", OutputStream::Stdout, b"first\n").expect("output");
            tokio::time::sleep(Duration::from_secs(1)).await;
            restart(Arc::clone(&engine), "lab", None, &RestartOptions::default(), &Recorder::new(), &CancellationToken::new())
                .await
                .expect("restart");
            tokio::time::sleep(Duration::from_secs(1)).await;
            fake.emit_output("lab-web-1", OutputStream::Stdout, b"second\n").expect("output");
            tokio::time::sleep(Duration::from_secs(1)).await;
            attach_cancel.cancel();
        }
    };
    let (attached, ()) = tokio::join!(attach_logs(Arc::clone(&engine), "lab", targets_after(&outcome, &[]), &recorder, &attach_cancel), driver);
    attached.expect("attach");
    let lines: Vec<String> = logs(&recorder).into_iter().map(|(_, _, l)| l).collect();
    assert_eq!(lines, ["first", "second"]);
    assert!(exits(&recorder).is_empty(), "a restart is not an exit");
}

/// `logs -f`: a recreated container is followed from its start, scale-ups too, and following
/// ends once every container has stopped.
#[tokio::test(start_paused = true)]
async fn logs_follow_goes_on_through_a_recreation_and_a_scale_up_and_ends_after_the_stop() {
    use berth_core::ops::logs::{logs as follow_project, sources, LogsRequest};
    use berth_core::ops::stop::{stop, StopOptions};
    use berth_core::reconcile::RecreatePolicy;

    let dir = tempfile::tempdir().expect("tempdir");
    let (project, fake, engine, _) = web_up(dir.path()).await;
    let cancel = CancellationToken::new();
    let recorder = Recorder::new();
    let request = LogsRequest { follow: true, services: vec!["web".to_owned()], ..LogsRequest::default() };
    let found = sources(engine.as_ref(), "lab", &request.services, 0).await.expect("sources");
    let first_id = found.first().map(|s| s.target.id.clone()).expect("one container");
    let driver = {
        let engine = Arc::clone(&engine);
        let fake = fake.clone();
        let project = project.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            fake.emit_output("lab-web-1", OutputStream::Stdout, b"first\n").expect("output");
            tokio::time::sleep(Duration::from_secs(1)).await;
            let force = UpOptions { recreate: RecreatePolicy::Force, ..UpOptions::default() };
            up(Arc::clone(&engine), &project, &force, &Recorder::new(), &CancellationToken::new()).await.expect("recreate");
            // Longer than any linger: the replacement was seen being created, so it is waited for.
            tokio::time::sleep(Duration::from_secs(30)).await;
            fake.emit_output("lab-web-1", OutputStream::Stdout, b"second\n").expect("output");
            let mut scaled = project.clone();
            if let Some(web) = scaled.services.get_mut("web") {
                web.scale = Some(2);
            }
            up(Arc::clone(&engine), &scaled, &UpOptions::default(), &Recorder::new(), &CancellationToken::new())
                .await
                .expect("scale up");
            tokio::time::sleep(Duration::from_secs(1)).await;
            fake.emit_output("lab-web-2", OutputStream::Stdout, b"third\n").expect("output");
            tokio::time::sleep(Duration::from_secs(1)).await;
            stop(Arc::clone(&engine), "lab", None, &StopOptions::default(), &Recorder::new(), &CancellationToken::new())
                .await
                .expect("stop");
        }
    };
    let (followed, ()) = tokio::join!(follow_project(Arc::clone(&engine), "lab", found, &request, &recorder, &cancel), driver);
    followed.expect("logs -f");
    let lines: Vec<(String, String)> = logs(&recorder).into_iter().map(|(c, _, l)| (c, l)).collect();
    let expected = [("lab-web-1", "first"), ("lab-web-1", "second"), ("lab-web-2", "third")];
    assert_eq!(lines, expected.map(|(c, l)| (c.to_owned(), l.to_owned())));
    let mut ended: Vec<String> = exits(&recorder).into_iter().map(|(c, _)| c).collect();
    ended.sort();
    assert_eq!(ended, ["lab-web-1", "lab-web-2"], "the replaced container ends silently");
    let current = engine.inspect_container("lab-web-1").await.expect("inspect");
    assert_ne!(current.id, first_id, "the container was recreated");
}
