//! The progress renderers against output recorded from Docker Compose 2.26.1 (`up -d` and
//! `down` of a three-service project on a 100-column terminal, `--progress plain` piped), and
//! the mode rules through the public API.

#[path = "../src/display/mod.rs"]
mod display;

use std::sync::Arc;
use std::time::Duration;

use berth_core::events::{Event, EventSink, Progress, ResourceKind, Status};
use display::clock::ManualClock;
use display::{Mode, Paint, ProgressOptions, ProgressRenderer, SharedBuffer};

fn ev(kind: ResourceKind, name: &str, status: Status, text: &str) -> Event {
    Event::Progress(Progress::new(kind, name, status, text))
}

fn container(name: &str, status: Status, text: &str) -> Event {
    ev(ResourceKind::Container, name, status, text)
}

fn tty(width: usize) -> (ProgressRenderer, SharedBuffer, Arc<ManualClock>) {
    let buf = SharedBuffer::new();
    let clock = Arc::new(ManualClock::new(0));
    let r = ProgressRenderer::with_parts(
        Mode::Tty,
        Box::new(buf.clone()),
        ProgressOptions { title: "Running".into(), dry_run: false, paint: Paint::ON, terminal: true },
        clock.clone(),
        Arc::new(move || (width, 40)),
    );
    (r, buf, clock)
}

/// The final frame: everything after the previous frame's "show cursor".
fn last_frame(out: &str) -> &str {
    let i = out.rfind("\x1b[?25h\x1b[1A").map_or(0, |i| i + "\x1b[?25h".len());
    &out[i..]
}

const UP_FINAL_FRAME: &str = "\x1b[1A\x1b[1A\x1b[1A\x1b[1A\x1b[1A\x1b[0G\x1b[?25l\x1b[34m[+] Running 4/4\x1b[0m\n \x1b[32m✔\x1b[0m Network displab_default              \x1b[32mCreated\x1b[0m                                                \x1b[34m0.1s \x1b[0m\n \x1b[32m✔\x1b[0m Container displab-db-1               \x1b[32mStarted\x1b[0m                                                \x1b[34m0.0s \x1b[0m\n \x1b[32m✔\x1b[0m Container displab-longservicename-1  \x1b[32mStarted\x1b[0m                                                \x1b[34m0.0s \x1b[0m\n \x1b[32m✔\x1b[0m Container displab-web-1              \x1b[32mStarted\x1b[0m                                                \x1b[34m0.0s \x1b[0m\n\x1b[?25h";

const DOWN_FINAL_FRAME: &str = "\x1b[1A\x1b[1A\x1b[1A\x1b[1A\x1b[1A\x1b[0G\x1b[?25l\x1b[34m[+] Running 4/4\x1b[0m\n \x1b[32m✔\x1b[0m Container displab-db-1               \x1b[32mRemoved\x1b[0m                                                \x1b[34m1.3s \x1b[0m\n \x1b[32m✔\x1b[0m Container displab-web-1              \x1b[32mRemoved\x1b[0m                                                \x1b[34m0.9s \x1b[0m\n \x1b[32m✔\x1b[0m Container displab-longservicename-1  \x1b[32mRemoved\x1b[0m                                                \x1b[34m0.0s \x1b[0m\n \x1b[32m✔\x1b[0m Network displab_default              \x1b[32mRemoved\x1b[0m                                                \x1b[34m0.2s \x1b[0m\n\x1b[?25h";

#[test]
fn up_final_frame_matches_compose_byte_for_byte() {
    let (r, buf, clock) = tty(100);
    r.emit(ev(ResourceKind::Network, "displab_default", Status::Working, "Creating"));
    clock.advance(Duration::from_millis(100));
    r.emit(ev(ResourceKind::Network, "displab_default", Status::Done, "Created"));
    for c in ["displab-db-1", "displab-longservicename-1", "displab-web-1"] {
        r.emit(container(c, Status::Working, "Creating"));
        r.emit(container(c, Status::Done, "Created"));
    }
    r.tick();
    clock.advance(Duration::from_millis(150));
    for c in ["displab-longservicename-1", "displab-web-1", "displab-db-1"] {
        r.emit(container(c, Status::Working, "Starting"));
    }
    for c in ["displab-web-1", "displab-db-1", "displab-longservicename-1"] {
        r.emit(container(c, Status::Done, "Started"));
    }
    r.finish();
    assert_eq!(last_frame(&buf.contents()), UP_FINAL_FRAME);
}

#[test]
fn down_final_frame_matches_compose_byte_for_byte() {
    let (r, buf, clock) = tty(100);
    for c in ["displab-db-1", "displab-web-1", "displab-longservicename-1"] {
        r.emit(container(c, Status::Working, "Stopping"));
    }
    for (text, status) in [("Stopped", Status::Done), ("Removing", Status::Working), ("Removed", Status::Done)] {
        r.emit(container("displab-longservicename-1", status, text));
    }
    clock.set(Duration::from_millis(900));
    for (text, status) in [("Stopped", Status::Done), ("Removing", Status::Working), ("Removed", Status::Done)] {
        r.emit(container("displab-web-1", status, text));
    }
    clock.set(Duration::from_millis(1_300));
    for (text, status) in [("Stopped", Status::Done), ("Removing", Status::Working), ("Removed", Status::Done)] {
        r.emit(container("displab-db-1", status, text));
    }
    r.emit(ev(ResourceKind::Network, "displab_default", Status::Working, "Removing"));
    r.tick();
    let working = buf.contents();
    // While working: a yellow spinner and an uncoloured status, one column shorter than "Removed".
    assert!(
        working.contains(
            " \x1b[33m⠋\x1b[0m Network displab_default              Removing                                               \x1b[34m0.0s \x1b[0m\n"
        ),
        "{working:?}"
    );
    assert!(working.contains("[+] Running 3/4\n"), "not done yet, so not blue: {working:?}");
    clock.set(Duration::from_millis(1_500));
    r.emit(ev(ResourceKind::Network, "displab_default", Status::Done, "Removed"));
    r.finish();
    assert_eq!(last_frame(&buf.contents()), DOWN_FINAL_FRAME);
}

#[test]
fn plain_output_matches_compose() {
    let buf = SharedBuffer::new();
    let r = ProgressRenderer::live(
        Mode::Plain,
        Box::new(buf.clone()),
        ProgressOptions { title: "Running".into(), dry_run: false, paint: Paint::OFF, terminal: false },
    );
    r.emit(ev(ResourceKind::Network, "lab_default", Status::Working, "Creating"));
    r.emit(ev(ResourceKind::Network, "lab_default", Status::Done, "Created"));
    r.emit(container("lab-web-1", Status::Working, "Creating"));
    r.emit(container("lab-web-1", Status::Done, "Created"));
    r.emit(container("lab-web-1", Status::Working, "Starting"));
    r.emit(container("lab-web-1", Status::Done, "Started"));
    r.finish();
    assert_eq!(
        buf.contents(),
        " Network lab_default  Creating\n Network lab_default  Created\n Container lab-web-1  Creating\n \
         Container lab-web-1  Created\n Container lab-web-1  Starting\n Container lab-web-1  Started\n"
    );
}

#[test]
fn plain_warnings_use_logfmt_off_a_terminal() {
    let buf = SharedBuffer::new();
    let r = ProgressRenderer::with_parts(
        Mode::Plain,
        Box::new(buf.clone()),
        ProgressOptions { title: "Running".into(), dry_run: false, paint: Paint::OFF, terminal: false },
        Arc::new(ManualClock::new(1_714_557_600)),
        Arc::new(|| (80, 24)),
    );
    r.emit(Event::Warning { message: "Found orphan containers ([lab-old-1]) for this project.".into() });
    assert_eq!(
        buf.contents(),
        "time=\"2024-05-01T10:00:00Z\" level=warning msg=\"Found orphan containers ([lab-old-1]) for this project.\"\n"
    );
}

#[test]
fn renderer_is_shared_between_threads() {
    let (r, buf, _) = tty(80);
    let r = Arc::new(r);
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let r = Arc::clone(&r);
            std::thread::spawn(move || {
                for step in ["Creating", "Created"] {
                    let status = if step == "Created" { Status::Done } else { Status::Working };
                    r.emit(container(&format!("lab-s{i}-1"), status, step));
                    r.tick();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    r.finish();
    let out = buf.contents();
    assert!(last_frame(&out).contains("[+] Running 8/8"), "{out:?}");
    assert_eq!(last_frame(&out).matches("✔").count(), 8);
}

#[test]
fn settings_build_the_renderer_compose_would() {
    use display::{Environment, Settings, Terminals};
    let env = Environment::from_lookup(|_| None);
    let piped = Terminals { stdout: false, stderr: false };
    let s = Settings::resolve("auto", None, &env, piped).unwrap();
    assert_eq!(s.progress("Running", false).unwrap().mode(), Mode::Plain);
    let s = Settings::resolve("quiet", None, &env, piped).unwrap();
    assert_eq!(s.progress("Running", false).unwrap().mode(), Mode::Quiet);
    let s = Settings::resolve("tty", None, &env, piped).unwrap();
    assert_eq!(s.progress("Running", false).err().map(|e| e.to_string()).as_deref(), Some("provided file is not a console"));
}

const REGISTRY_ERROR: &str =
    "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host";

fn service(name: &str, status: Status, text: &str, detail: Option<&str>) -> Event {
    let p = Progress::new(ResourceKind::Service, name, status, text);
    Event::Progress(match detail {
        Some(d) => p.with_detail(d),
        None => p,
    })
}

#[test]
fn plain_pull_lines_match_compose() {
    let buf = SharedBuffer::new();
    let r = ProgressRenderer::live(
        Mode::Plain,
        Box::new(buf.clone()),
        ProgressOptions { title: "Pulling".into(), dry_run: false, paint: Paint::OFF, terminal: false },
    );
    r.emit(service("web", Status::Working, "Pulling", None));
    r.emit(service("db", Status::Working, "Pulling", None));
    r.emit(service("db", Status::Error, "Error", Some(REGISTRY_ERROR)));
    r.emit(service("web", Status::Done, "Pulled", None));
    r.finish();
    assert_eq!(
        buf.contents(),
        format!(" web Pulling \n db Pulling \n db Error {REGISTRY_ERROR}\n web Pulled \n")
    );
}

#[test]
fn tty_pull_errors_match_compose_byte_for_byte() {
    let buf = SharedBuffer::new();
    let r = ProgressRenderer::with_parts(
        Mode::Tty,
        Box::new(buf.clone()),
        ProgressOptions { title: "Pulling".into(), dry_run: false, paint: Paint::ON, terminal: true },
        Arc::new(ManualClock::new(0)),
        Arc::new(|| (100, 40)),
    );
    r.emit(service("db", Status::Working, "Pulling", None));
    r.emit(service("web", Status::Working, "Pulling", None));
    r.emit(service("db", Status::Error, "Error", Some(REGISTRY_ERROR)));
    r.emit(service("web", Status::Error, "Error", Some(REGISTRY_ERROR)));
    r.finish();
    let out = buf.contents();
    let db = " \x1b[31m\x1b[1m✘\x1b[0m db Error  \x1b[31m\x1b[1mGet \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1....\x1b[0m           \x1b[34m0.0s \x1b[0m\n";
    let web = " \x1b[31m\x1b[1m✘\x1b[0m web Error \x1b[31m\x1b[1mGet \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1...\x1b[0m            \x1b[34m0.0s \x1b[0m\n";
    assert!(out.ends_with(&format!("[+] Pulling 2/2\x1b[0m\n{db}{web}\x1b[?25h")), "{out:?}");
}
