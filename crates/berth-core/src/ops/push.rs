//! `push`: pushes the images of services that build them (Docker Compose 2.26.1 pushes a
//! service's `image` and its `build.tags` only when it has both `build` and `image`; others
//! are reported "Skipped"), concurrently, with registry credentials and per-layer progress
//! named `Pushing <tag>: <layer>` as Compose names it. Failures are classified like pulls'.

use berth_engine::{Credentials, Engine, ProgressEvent, PushOptions as EnginePush};
use berth_spec::model::Project;
use futures::StreamExt;

use super::pull::ImageFailure;
use crate::events::{Event, EventSink, Progress, ResourceKind, Status};

/// Options of `push`.
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// `--ignore-push-failures`: failures are reported but do not fail the command.
    pub ignore_failures: bool,
    /// `-q/--quiet`: no layer progress.
    pub quiet: bool,
    /// Registry credentials.
    pub credentials: Credentials,
    /// `--parallel`: the most pushes at once (`None`: unlimited).
    pub parallel: Option<usize>,
    /// `--dry-run`: report what would be pushed, push nothing.
    pub dry_run: bool,
}

/// What `push` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    /// The references pushed.
    pub pushed: Vec<String>,
    /// The pushes that failed.
    pub failures: Vec<ImageFailure>,
}

/// `push`: pushes every image reference of the services of `project` (already narrowed to
/// the selected services) that have both `build` and `image`.
pub async fn push(engine: &dyn Engine, project: &Project, opts: &PushOptions, sink: &dyn EventSink) -> PushReport {
    let mut jobs = Vec::new();
    for (name, service) in &project.services {
        let Some(build) = service.build.as_ref().filter(|_| !service.image.is_empty()) else {
            sink.emit(Event::Progress(Progress::new(ResourceKind::Service, name, Status::Done, "Skipped")));
            continue;
        };
        for tag in std::iter::once(&service.image).chain(&build.tags) {
            jobs.push((name.as_str(), tag.as_str()));
        }
    }
    if opts.dry_run {
        let mut report = PushReport::default();
        for (_, tag) in jobs {
            sink.emit(Event::Progress(Progress::new(ResourceKind::Service, format!("Pushing {tag}"), Status::Done, "Pushed")));
            report.pushed.push(tag.to_owned());
        }
        report.pushed.sort();
        return report;
    }
    let results = futures::stream::iter(jobs.into_iter().map(|(service, tag)| async move {
        (tag, push_one(engine, service, tag, opts, sink).await)
    }))
    .buffer_unordered(opts.parallel.unwrap_or(usize::MAX).max(1))
    .collect::<Vec<_>>()
    .await;
    let mut report = PushReport::default();
    for (tag, result) in results {
        match result {
            Ok(()) => report.pushed.push(tag.to_owned()),
            Err(failure) => report.failures.push(failure),
        }
    }
    report.pushed.sort();
    report.failures.sort_by(|a, b| (&a.service, &a.image).cmp(&(&b.service, &b.image)));
    report
}

async fn push_one(
    engine: &dyn Engine,
    service: &str,
    tag: &str,
    opts: &PushOptions,
    sink: &dyn EventSink,
) -> Result<(), ImageFailure> {
    let auth = opts.credentials.for_image(tag);
    let authenticated = auth.is_some();
    let mut stream = engine.push_image(&EnginePush { reference: tag.to_owned(), auth });
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) if !opts.quiet => layer_event(tag, &event, sink),
            Ok(_) => {}
            Err(e) => {
                let message = e.to_string();
                sink.emit(Event::Progress(
                    Progress::new(ResourceKind::Service, format!("Pushing {tag}"), Status::Error, "Error")
                        .with_detail(message.clone()),
                ));
                return Err(ImageFailure::new(service, tag, message, false, authenticated));
            }
        }
    }
    Ok(())
}

/// A layer's push progress, as Compose's `toPushProgressEvent`: messages without a layer id
/// are dropped; "Pushed" and "Layer already exists" are done.
fn layer_event(tag: &str, event: &ProgressEvent, sink: &dyn EventSink) {
    let Some(id) = event.id.as_deref().filter(|i| !i.is_empty()) else { return };
    let status = event.status.clone().unwrap_or_default();
    let done = matches!(status.to_ascii_lowercase().as_str(), "pushed" | "layer already exists");
    let mut progress = Progress::new(
        ResourceKind::Service,
        format!("Pushing {tag}: {id}"),
        if done { Status::Done } else { Status::Working },
        status,
    );
    if let Some(bar) = event.progress.as_deref().filter(|b| !b.is_empty()) {
        progress = progress.with_detail(bar);
    }
    sink.emit(Event::Progress(progress));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Recorder;
    use berth_engine::{FakeEngine, ImageConfig};

    #[tokio::test]
    async fn pushes_built_images_with_tags_and_skips_the_rest() {
        let engine = FakeEngine::new();
        engine.add_image("reg:5000/app:1", ImageConfig::default());
        engine.add_image("reg:5000/app:extra", ImageConfig::default());
        let mut p: Project = serde_json::from_str(
            r#"{"services":{
                "app":{"image":"reg:5000/app:1","build":{"context":".","tags":["reg:5000/app:extra"]}},
                "plain":{"image":"busybox"},
                "nobuildimage":{"build":{"context":"."}},
                "gone":{"image":"reg:5000/gone:1","build":{"context":"."}}}}"#,
        )
        .unwrap();
        p.name = "pushtest".into();
        let rec = Recorder::new();
        let report = push(&engine, &p, &PushOptions::default(), &rec).await;
        assert_eq!(report.pushed, ["reg:5000/app:1", "reg:5000/app:extra"]);
        assert_eq!(report.failures.len(), 1);
        let failure = &report.failures[0];
        assert_eq!((failure.service.as_str(), failure.kind), ("gone", super::super::pull::FailureKind::NotFound));
        let lines = rec.progress_lines();
        assert!(lines.contains(&"Service plain Skipped".to_owned()), "{lines:?}");
        assert!(lines.contains(&"Service nobuildimage Skipped".to_owned()), "{lines:?}");
    }

    #[tokio::test]
    async fn dry_run_pushes_nothing() {
        let engine = FakeEngine::new();
        let p: Project = serde_json::from_str(r#"{"services":{"app":{"image":"reg:5000/gone:1","build":{"context":"."}}}}"#).unwrap();
        let rec = Recorder::new();
        let report = push(&engine, &p, &PushOptions { dry_run: true, ..PushOptions::default() }, &rec).await;
        assert_eq!(report.pushed, ["reg:5000/gone:1"]);
        assert!(report.failures.is_empty());
        assert!(engine.calls().iter().all(|c| !c.starts_with("push_image")), "{:?}", engine.calls());
    }
}
