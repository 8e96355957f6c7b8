//! `watch`: Docker Compose's `develop.watch`. The files under each rule's `path` are looked at
//! every [`WatchOptions::poll`]; changes that no ignore rule excludes (the build context's
//! `.dockerignore`, editors' temporary files, `.git/`, the rule's own `ignore`) are gathered
//! until the files have been quiet for [`WatchOptions::quiet_period`], then acted on per
//! service, as Compose 2.26.1 does:
//! - `rebuild`: build the service's image, recreate its containers, start them;
//! - `sync` (and `sync+restart`, `sync+exec`): copy the changed files into every container of
//!   the service (a tar archive extracted at `/`, owners kept), delete the removed ones
//!   (`rm -rf` in the container), then restart the service or run the rule's `exec` command;
//! - `restart`: restart the service.
//!
//! What happens is told through a [`WatchReporter`] ("Syncing \"web\" after changes were
//! detected"); the caller decides how to show it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use berth_engine::archive::{TarBuilder, TarEntry};
use berth_engine::{bytes_stream, ArchivePutOptions, Engine};
use berth_spec::model::{Project, ServiceConfig, ServiceHook};
use futures::StreamExt;

use super::cp::copy_uid_gid_for;
use super::exec::{exit_code, start_exec, ExecRequest, ExecSession};
use super::restart::{restart, RestartOptions};
use super::up::{up, ImageBuilder, UpOptions};
use super::OpsError;
use crate::build::ignore::{read_patterns, Matcher};
use crate::events::EventSink;
use crate::execute::CancellationToken;
use crate::query::{project_containers, OneOff};
use crate::reconcile::RecreatePolicy;

/// Editors' temporary files, never synced (Compose's `EphemeralPathMatcher`).
const EPHEMERAL: [&str; 13] = [
    "**/*___jb_old___",
    "**/*___jb_tmp___",
    "**/.idea/**",
    "**/.#*",
    "**/#*#",
    "**/4913",
    "**/*~",
    "**/.*.swp",
    "**/.*.swx",
    "**/.*.swo",
    "**/.*.swn",
    "**/.*.kate-swp",
    "**/*-go-tmp-umask",
];

/// More changes than this in one batch are reported as a count.
const MAX_PATHS_SHOWN: usize = 10;

/// Where `watch` tells what it does.
pub trait WatchReporter: Send + Sync {
    /// A line for the user ("Watch enabled", "Syncing ...").
    fn note(&self, message: &str);
    /// A problem that does not stop watching.
    fn warn(&self, message: &str);
}

/// How `watch` runs.
#[derive(Clone)]
pub struct WatchOptions {
    /// The services named on the command line (empty: all).
    pub services: Vec<String>,
    /// Builds images for `rebuild` rules.
    pub builder: Arc<dyn ImageBuilder>,
    /// What recreating a rebuilt service takes (create settings, credentials, `--parallel`).
    pub up: UpOptions,
    /// How often the files are looked at.
    pub poll: Duration,
    /// How long the files must stay unchanged before a batch of changes is acted on.
    pub quiet_period: Duration,
}

/// Why `watch` cannot start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The project's `develop` sections cannot be watched; the message is Compose's.
    #[error("{0}")]
    Config(String),
    /// An operation failed.
    #[error(transparent)]
    Ops(#[from] OpsError),
}

/// One `develop.watch` rule, resolved.
#[derive(Debug)]
struct Rule {
    action: String,
    path: PathBuf,
    target: String,
    ignore: Matcher,
    exec: ServiceHook,
}

/// What is watched for one service.
#[derive(Debug)]
pub struct ServiceWatch {
    service: String,
    rules: Vec<Rule>,
    /// The build context, against which `ignore` is matched.
    context: PathBuf,
    /// The context's `.dockerignore`, editors' files and `.git/`.
    ignore: Matcher,
}

impl ServiceWatch {
    /// The service watched.
    pub fn service(&self) -> &str {
        &self.service
    }
}

fn matcher(patterns: &[String], what: &str) -> Result<Matcher, WatchError> {
    Matcher::new(patterns).map_err(|e| WatchError::Config(format!("{what}: {e}")))
}

/// The services of `project` to watch, with Compose 2.26.1's checks: `services` (empty: all,
/// with their dependencies) that have a `develop` section and a `build` section. Paths also
/// bind-mounted are left out, with a warning.
pub fn watched_services(
    project: &Project,
    services: &[String],
    reporter: &dyn WatchReporter,
) -> Result<Vec<ServiceWatch>, WatchError> {
    let selected: BTreeSet<String> = if services.is_empty() {
        project.services.keys().cloned().collect()
    } else {
        berth_spec::profiles::with_dependencies(project, services).map_err(|e| WatchError::Config(e.to_string()))?
    };
    let mut watched = Vec::new();
    for service in selected.iter().filter_map(|name| project.services.get(name)) {
        let Some(develop) = &service.develop else { continue };
        for trigger in &develop.watch {
            if trigger.action == "rebuild" && service.build.is_none() {
                return Err(WatchError::Config(format!(
                    "can't watch service {:?} with action {} without a build context",
                    service.name, trigger.action
                )));
            }
        }
        let Some(build) = &service.build else {
            if services.is_empty() {
                continue;
            }
            return Err(WatchError::Config(format!("can't watch service {:?} without a build context", service.name)));
        };
        let context = PathBuf::from(&build.context);
        let mut patterns = std::fs::read_to_string(context.join(".dockerignore")).map(|t| read_patterns(&t)).unwrap_or_default();
        patterns.extend(EPHEMERAL.iter().map(|p| (*p).to_owned()));
        patterns.push(".git/".to_owned());
        let ignore = matcher(&patterns, &format!("service {:?}: .dockerignore", service.name))?;
        let mut rules = Vec::new();
        for trigger in &develop.watch {
            if bind_mounted(&trigger.path, service) {
                reporter.warn(&format!("path '{}' also declared by a bind mount volume, this path won't be monitored!", trigger.path));
                continue;
            }
            rules.push(Rule {
                action: trigger.action.clone(),
                path: PathBuf::from(&trigger.path),
                target: trigger.target.clone(),
                ignore: matcher(&trigger.ignore, &format!("service {:?}: develop.watch ignore", service.name))?,
                exec: trigger.exec.clone(),
            });
        }
        watched.push(ServiceWatch { service: service.name.clone(), rules, context, ignore });
    }
    if watched.is_empty() {
        return Err(WatchError::Config(
            "none of the selected services is configured for watch, consider setting an 'develop' section".to_owned(),
        ));
    }
    Ok(watched)
}

/// Compose's `checkIfPathAlreadyBindMounted`: a bind mount whose source is a prefix of `path`.
fn bind_mounted(path: &str, service: &ServiceConfig) -> bool {
    service.volumes.iter().any(|v| v.kind == "bind" && !v.source.is_empty() && path.starts_with(&v.source))
}

/// A changed file, as one rule maps it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct FileEvent {
    action: String,
    host: PathBuf,
    container: String,
    rule: usize,
}

/// `path` relative to `base` with `/` separators, when it is inside.
fn relative(base: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    Some(rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"))
}

impl ServiceWatch {
    /// What each rule makes of a change at `host` (Compose's `maybeFileEvent`).
    fn events_for(&self, host: &Path) -> Vec<FileEvent> {
        if relative(&self.context, host).is_some_and(|rel| !rel.is_empty() && self.ignore.matches(&rel)) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let Some(rel) = relative(&rule.path, host) else { continue };
            if !rel.is_empty() && rule.ignore.matches(&rel) {
                continue;
            }
            let container = if rule.target.is_empty() {
                String::new()
            } else if rel.is_empty() {
                rule.target.clone()
            } else {
                format!("{}/{rel}", rule.target.trim_end_matches('/'))
            };
            out.push(FileEvent { action: rule.action.clone(), host: host.to_path_buf(), container, rule: i });
        }
        out
    }
}

/// What a file looked like at the last look.
type Snapshot = BTreeMap<PathBuf, (Option<SystemTime>, u64, bool)>;

/// Records every file and directory under `root` (itself included), not entering `.git` nor
/// directories the context's ignore file excludes entirely.
fn scan(root: &Path, watch: &ServiceWatch, out: &mut Snapshot) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        out.insert(path.clone(), (meta.modified().ok(), meta.len(), meta.is_dir()));
        if !meta.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if let Some(rel) = relative(&watch.context, &path).filter(|r| !r.is_empty()) {
            if watch.ignore.matches(&rel) && !watch.ignore.must_enter(&rel) {
                continue;
            }
        }
        if let Ok(entries) = std::fs::read_dir(&path) {
            stack.extend(entries.filter_map(Result::ok).map(|e| e.path()));
        }
    }
}

fn snapshot(watch: &ServiceWatch) -> Snapshot {
    let mut out = Snapshot::new();
    for rule in &watch.rules {
        scan(&rule.path, watch, &mut out);
    }
    out
}

/// Paths added, changed or removed between two looks (a directory's own time changes with its
/// entries: only files and new or removed directories count).
fn changes(before: &Snapshot, after: &Snapshot) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (path, now) in after {
        match before.get(path) {
            None => out.push(path.clone()),
            Some(was) if !now.2 && was != now => out.push(path.clone()),
            Some(_) => {}
        }
    }
    out.extend(before.keys().filter(|p| !after.contains_key(*p)).cloned());
    out
}

/// Watches until `cancel`: reports "Watch enabled", then acts on each quiet batch of changes.
/// A failed batch is reported and watching goes on, as in Compose.
pub async fn watch(
    engine: Arc<dyn Engine>,
    project: &Project,
    watched: &[ServiceWatch],
    opts: &WatchOptions,
    reporter: &dyn WatchReporter,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<(), WatchError> {
    let mut looks: Vec<Snapshot> = watched.iter().map(snapshot).collect();
    let mut pending: Vec<Vec<FileEvent>> = watched.iter().map(|_| Vec::new()).collect();
    let mut last_change: Option<Instant> = None;
    reporter.note("Watch enabled");
    loop {
        tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            () = tokio::time::sleep(opts.poll) => {}
        }
        for (i, w) in watched.iter().enumerate() {
            let now = snapshot(w);
            let changed = looks.get(i).map(|before| changes(before, &now)).unwrap_or_default();
            if let Some(slot) = looks.get_mut(i) {
                *slot = now;
            }
            for path in changed {
                for event in w.events_for(&path) {
                    if let Some(batch) = pending.get_mut(i) {
                        batch.retain(|e| e != &event);
                        batch.push(event);
                        last_change = Some(Instant::now());
                    }
                }
            }
        }
        if last_change.is_some_and(|t| t.elapsed() >= opts.quiet_period) {
            last_change = None;
            for (i, w) in watched.iter().enumerate() {
                let batch = pending.get_mut(i).map(std::mem::take).unwrap_or_default();
                if batch.is_empty() {
                    continue;
                }
                if let Err(e) = handle_batch(&engine, project, w, &batch, opts, reporter, sink, cancel).await {
                    reporter.warn(&format!("Error handling changed files for service {}: {e}", w.service));
                }
            }
        }
    }
}

/// Acts on one service's batch of changes (Compose's `handleWatchBatch`).
#[allow(clippy::too_many_arguments)]
async fn handle_batch(
    engine: &Arc<dyn Engine>,
    project: &Project,
    w: &ServiceWatch,
    batch: &[FileEvent],
    opts: &WatchOptions,
    reporter: &dyn WatchReporter,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<(), OpsError> {
    let service = w.service.as_str();
    if batch.iter().any(|e| e.action == "rebuild") {
        reporter.note(&format!("Rebuilding service {service:?} after changes were detected..."));
        if let Err(e) = opts.builder.build(engine.as_ref(), project, &[service.to_owned()], sink).await {
            reporter.note(&format!("Build failed. Error: {e}"));
            return Err(OpsError::Image(e));
        }
        reporter.note(&format!("service {service:?} successfully built"));
        // The image is built: recreating must not build it again.
        let recreate = UpOptions {
            services: vec![service.to_owned()],
            recreate: RecreatePolicy::Force,
            no_deps: true,
            builder: None,
            ..opts.up.clone()
        };
        if let Err(e) = up(Arc::clone(engine), project, &recreate, sink, cancel).await {
            reporter.note(&format!("Failed to recreate service after update. Error: {e}"));
            return Err(e);
        }
        return Ok(());
    }
    let restart_only = batch.iter().all(|e| e.action == "restart");
    if !restart_only {
        let syncs: Vec<&FileEvent> = batch.iter().filter(|e| e.action.starts_with("sync")).collect();
        if syncs.len() <= MAX_PATHS_SHOWN {
            reporter.note(&format!("Syncing {service:?} after changes were detected"));
        } else {
            reporter.note(&format!("Syncing service {service:?} after {} changes were detected", syncs.len()));
        }
        sync(engine.as_ref(), project, service, &syncs).await?;
    }
    if batch.iter().any(|e| e.action == "sync+restart" || e.action == "restart") {
        let opts = RestartOptions { services: vec![service.to_owned()], run: opts.up.run.clone(), ..RestartOptions::default() };
        restart(Arc::clone(engine), &project.name, Some(project), &opts, sink, cancel).await?;
    }
    let mut execs: Vec<usize> = batch.iter().filter(|e| e.action == "sync+exec").map(|e| e.rule).collect();
    execs.dedup();
    for rule in execs.into_iter().filter_map(|i| w.rules.get(i)) {
        run_hook(engine.as_ref(), project, service, &rule.exec).await?;
    }
    Ok(())
}

/// Copies the existing files of `events` into every container of `service` and deletes the
/// removed ones there (Compose's tar syncer).
async fn sync(engine: &dyn Engine, project: &Project, service: &str, events: &[&FileEvent]) -> Result<(), OpsError> {
    let mut removed = Vec::new();
    let mut tar = TarBuilder::new();
    let mut seen = BTreeSet::new();
    for e in events.iter().filter(|e| !e.container.is_empty()) {
        if e.host.exists() {
            archive_path(&mut tar, &e.host, &e.container, &mut seen)?;
        } else {
            removed.push(e.container.clone());
        }
    }
    let archive = tar.finish();
    let containers = project_containers(engine, &project.name, OneOff::Exclude, true, &[service.to_owned()])
        .await
        .map_err(|e| OpsError::Image(e.to_string()))?;
    for c in containers {
        if !removed.is_empty() {
            let mut command = vec!["rm".to_owned(), "-rf".to_owned()];
            command.extend(removed.iter().cloned());
            let code = exec_to_end(engine, &c.id, command, &ServiceHook::default()).await?;
            if code != 0 {
                return Err(OpsError::Image(format!("deleting paths in {}: exit code {code}", c.id)));
            }
        }
        let copying = |source| OpsError::Engine { context: format!("copying files to {}", c.id), source };
        // Compose asks for the container user's owners; on Podman that would make root own what
        // Docker leaves to the host's owners (see `cp`).
        let copy_uid_gid = copy_uid_gid_for(engine, &c.id, true).await.map_err(copying)?;
        let put = ArchivePutOptions { copy_uid_gid, ..ArchivePutOptions::default() };
        engine.archive_put(&c.id, "/", bytes_stream(archive.clone()), &put).await.map_err(copying)?;
    }
    Ok(())
}

/// Adds `host` (a file, or a directory and everything in it) to `tar` as `container`.
fn archive_path(tar: &mut TarBuilder, host: &Path, container: &str, seen: &mut BTreeSet<String>) -> Result<(), OpsError> {
    use std::os::unix::fs::MetadataExt;
    let io = |e: std::io::Error| OpsError::Image(format!("reading {}: {e}", host.display()));
    let meta = std::fs::metadata(host).map_err(io)?;
    let name = container.trim_start_matches('/').to_owned();
    if name.is_empty() || !seen.insert(name.clone()) {
        return Ok(());
    }
    let entry = if meta.is_dir() { TarEntry::dir(name.clone()) } else { TarEntry::file(name.clone(), std::fs::read(host).map_err(io)?) };
    let entry = entry.with_mode(meta.mode() & 0o7777).with_owner(meta.uid(), meta.gid());
    tar.append(&entry).map_err(|source| OpsError::Engine { context: format!("archiving {}", host.display()), source })?;
    if meta.is_dir() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(host).map_err(io)?.filter_map(Result::ok).map(|e| e.path()).collect();
        children.sort();
        for child in children {
            let Some(file) = child.file_name().map(|f| f.to_string_lossy().into_owned()) else { continue };
            archive_path(tar, &child, &format!("{name}/{file}"), seen)?;
        }
    }
    Ok(())
}

/// Runs a rule's `exec` command in every container of `service`.
async fn run_hook(engine: &dyn Engine, project: &Project, service: &str, hook: &ServiceHook) -> Result<(), OpsError> {
    let containers = project_containers(engine, &project.name, OneOff::Exclude, false, &[service.to_owned()])
        .await
        .map_err(|e| OpsError::Image(e.to_string()))?;
    for c in containers {
        let code = exec_to_end(engine, &c.id, hook.command.clone().unwrap_or_default(), hook).await?;
        if code != 0 {
            return Err(OpsError::Image(format!("exec in {}: exit code {code}", c.id)));
        }
    }
    Ok(())
}

/// Runs `command` in `container` without a terminal and returns its exit code.
async fn exec_to_end(engine: &dyn Engine, container: &str, command: Vec<String>, hook: &ServiceHook) -> Result<i64, OpsError> {
    let request = ExecRequest {
        command,
        user: Some(hook.user.clone()).filter(|u| !u.is_empty()),
        workdir: Some(hook.working_dir.clone()).filter(|w| !w.is_empty()),
        privileged: hook.privileged,
        env: hook.environment.iter().map(|(k, v)| v.as_ref().map_or_else(|| k.clone(), |v| format!("{k}={v}"))).collect(),
        ..ExecRequest::default()
    };
    let fail = |e: crate::query::QueryError| OpsError::Image(format!("exec in {container}: {e}"));
    let session = start_exec(engine, container, &request).await.map_err(fail)?;
    let ExecSession::Attached { exec_id, mut io } = session else { return Ok(0) };
    while io.output.next().await.is_some() {}
    exit_code(engine, &exec_id).await.map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Notes(std::sync::Mutex<Vec<String>>);

    impl WatchReporter for Notes {
        fn note(&self, message: &str) {
            self.0.lock().unwrap().push(message.to_owned());
        }
        fn warn(&self, message: &str) {
            self.0.lock().unwrap().push(format!("WARN {message}"));
        }
    }

    fn project(dir: &Path, develop: &str) -> Project {
        let json = format!(
            r#"{{"name":"lab","services":{{
                "app":{{"name":"app","build":{{"context":"{d}"}},"develop":{develop}}},
                "plain":{{"name":"plain","image":"busybox","develop":{{"watch":[{{"path":"{d}","action":"sync","target":"/x"}}]}}}}}}}}"#,
            d = dir.display()
        );
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn rules_map_changes_to_container_paths_and_ignore_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".dockerignore"), "secret.txt\n").unwrap();
        let src = dir.path().join("src");
        let develop = format!(
            r#"{{"watch":[{{"path":"{}","action":"sync","target":"/app/src","ignore":["*.log"]}},
                          {{"path":"{}","action":"rebuild"}}]}}"#,
            src.display(),
            dir.path().join("requirements.txt").display()
        );
        let notes = Notes(std::sync::Mutex::new(Vec::new()));
        let watched = watched_services(&project(dir.path(), &develop), &[], &notes).unwrap();
        // `plain` has no build section: not watched when no service is named.
        assert_eq!(watched.iter().map(ServiceWatch::service).collect::<Vec<_>>(), ["app"]);
        let w = &watched[0];
        let events = w.events_for(&src.join("lib/a.py"));
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].action.as_str(), events[0].container.as_str()), ("sync", "/app/src/lib/a.py"));
        assert!(w.events_for(&src.join("debug.log")).is_empty(), "the rule's ignore");
        assert!(w.events_for(&src.join(".a.py.swp")).is_empty(), "editors' files");
        assert!(w.events_for(&dir.path().join("secret.txt")).is_empty(), ".dockerignore");
        let rebuild = w.events_for(&dir.path().join("requirements.txt"));
        assert_eq!((rebuild[0].action.as_str(), rebuild[0].container.as_str()), ("rebuild", ""));
        assert!(w.events_for(&dir.path().join("other.txt")).is_empty());
    }

    #[test]
    fn compose_checks() {
        let dir = tempfile::tempdir().unwrap();
        let notes = Notes(std::sync::Mutex::new(Vec::new()));
        let p = project(dir.path(), "null");
        assert_eq!(
            watched_services(&p, &[], &notes).unwrap_err().to_string(),
            "none of the selected services is configured for watch, consider setting an 'develop' section"
        );
        assert_eq!(
            watched_services(&p, &["plain".to_owned()], &notes).unwrap_err().to_string(),
            "can't watch service \"plain\" without a build context"
        );
    }

    #[test]
    fn changes_between_two_looks() {
        let dir = tempfile::tempdir().unwrap();
        let develop = format!(r#"{{"watch":[{{"path":"{}","action":"sync","target":"/t"}}]}}"#, dir.path().display());
        let notes = Notes(std::sync::Mutex::new(Vec::new()));
        let watched = watched_services(&project(dir.path(), &develop), &[], &notes).unwrap();
        std::fs::write(dir.path().join("keep"), "1").unwrap();
        std::fs::write(dir.path().join("gone"), "1").unwrap();
        let before = snapshot(&watched[0]);
        std::fs::remove_file(dir.path().join("gone")).unwrap();
        std::fs::write(dir.path().join("new"), "1").unwrap();
        std::fs::write(dir.path().join("keep"), "22").unwrap();
        let mut changed = changes(&before, &snapshot(&watched[0]));
        changed.sort();
        assert_eq!(changed, [dir.path().join("gone"), dir.path().join("keep"), dir.path().join("new")]);
    }
}
