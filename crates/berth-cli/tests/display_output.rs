//! Container output and list formatting against Docker Compose 2.26.1's, and the log printer's
//! cost on large volumes.

#[path = "../src/display/mod.rs"]
mod display;

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use berth_core::events::{Event, EventSink, LogLine, Stream};
use display::clock::ManualClock;
use display::format::{Format, ListFormat};
use display::logs::{attaching_line, LogOptions, LogPrinter};
use display::{Paint, SharedBuffer};
use serde_json::json;

fn log(service: &str, stream: Stream, line: &str) -> Event {
    Event::Log(LogLine {
        service: service.into(),
        container: format!("displab-{service}-1"),
        stream,
        timestamp: None,
        line: line.into(),
    })
}

fn exit(service: &str, code: i64) -> Event {
    Event::Exit { service: service.into(), container: format!("displab-{service}-1"), code }
}

fn printer(opts: LogOptions) -> (LogPrinter, SharedBuffer, SharedBuffer) {
    let out = SharedBuffer::new();
    let err = SharedBuffer::new();
    let p = LogPrinter::with_parts(
        Box::new(out.clone()),
        Box::new(err.clone()),
        opts,
        Arc::new(ManualClock::new(0)),
        None,
    );
    (p, out, err)
}

#[test]
fn attached_up_output_matches_compose() {
    let (p, out, err) = printer(LogOptions { project: Some("displab".into()), ..LogOptions::default() });
    let mut names = Vec::new();
    for s in ["db", "longservicename", "web"] {
        names.push(p.register(s, &format!("displab-{s}-1")));
    }
    let mut attaching = attaching_line(&names);
    p.emit(log("web", Stream::Stdout, "hello from web"));
    p.emit(log("longservicename", Stream::Stdout, "x"));
    p.emit(log("db", Stream::Stdout, "db up"));
    p.emit(log("db", Stream::Stderr, "err"));
    p.emit(exit("longservicename", 0));
    p.emit(log("web", Stream::Stdout, "bye"));
    p.emit(exit("web", 3));
    p.emit(exit("db", 0));
    p.close();
    attaching.push_str(&out.contents());
    // Compose 2.26 also writes ESC[2K before each log line; later releases dropped it, as berth does.
    assert_eq!(
        attaching,
        "Attaching to db-1, longservicename-1, web-1\n\
         web-1              | hello from web\n\
         longservicename-1  | x\n\
         db-1               | db up\n\
         longservicename-1 exited with code 0\n\
         web-1              | bye\n\
         web-1 exited with code 3\n\
         db-1 exited with code 0\n"
    );
    assert_eq!(err.contents(), "db-1               | err\n");
}

#[test]
fn coloured_prefixes_on_a_terminal() {
    let (p, out, _) =
        printer(LogOptions { paint: Paint::ON, project: Some("displab".into()), ..LogOptions::default() });
    p.emit(log("web", Stream::Stdout, "hello"));
    p.emit(log("db", Stream::Stdout, "up"));
    p.emit(exit("web", 0));
    p.close();
    assert_eq!(
        out.contents(),
        "\x1b[36mweb-1  | \x1b[0mhello\n\x1b[33mdb-1   | \x1b[0mup\n\x1b[36mweb-1 exited with code 0\x1b[0m\n"
    );
}

/// Counts the writes reaching the stream.
#[derive(Clone, Default)]
struct Counting {
    writes: Arc<AtomicUsize>,
    bytes: Arc<AtomicUsize>,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn large_output_is_written_in_few_large_writes() {
    let sink = Counting::default();
    let p = LogPrinter::with_parts(
        Box::new(sink.clone()),
        Box::new(io::sink()),
        LogOptions { project: Some("displab".into()), ..LogOptions::default() },
        Arc::new(ManualClock::new(0)),
        None,
    );
    let line = "x".repeat(72);
    let lines = 200_000usize;
    for _ in 0..lines {
        p.emit(log("web", Stream::Stdout, &line));
    }
    p.close();
    let bytes = sink.bytes.load(Ordering::Relaxed);
    assert_eq!(bytes, lines * ("web-1  | ".len() + 72 + 1));
    let writes = sink.writes.load(Ordering::Relaxed);
    assert!(writes <= bytes / (64 * 1024) + 2, "{writes} writes for {bytes} bytes");
}

#[test]
fn live_flusher_keeps_up_with_a_flood_and_loses_nothing() {
    let sink = Counting::default();
    let p = Arc::new(LogPrinter::new(
        Box::new(sink.clone()),
        Box::new(io::sink()),
        LogOptions { project: Some("displab".into()), ..LogOptions::default() },
    ));
    let line = "y".repeat(100);
    let per_thread = 50_000usize;
    // Names of equal length: the prefix padding grows when a longer name first appears, which
    // would make the byte count depend on which thread wins the first line.
    let threads: Vec<_> = ["web", "api"]
        .into_iter()
        .map(|s| {
            let p = Arc::clone(&p);
            let line = line.clone();
            std::thread::spawn(move || {
                for _ in 0..per_thread {
                    p.emit(log(s, Stream::Stdout, &line));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    p.close();
    let expected = 2 * per_thread * ("web-1  | ".len() + 100 + 1);
    assert_eq!(sink.bytes.load(Ordering::Relaxed), expected);
    // No timing assertion (speed is the benchmarks' job). The write count catches a write per
    // line (100 000 here) while leaving room for the flusher waking often on a loaded machine.
    assert!(sink.writes.load(Ordering::Relaxed) < per_thread);
}

const PS_TABLE: &str =
    "table {{.Name}}\\t{{.Image}}\\t{{.Command}}\\t{{.Service}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}";
const PS_TITLES: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("Name", "NAME"),
    ("Project", "PROJECT"),
    ("Service", "SERVICE"),
    ("Image", "IMAGE"),
    ("Command", "COMMAND"),
    ("CreatedAt", "CREATED AT"),
    ("RunningFor", "CREATED"),
    ("Ports", "PORTS"),
    ("State", "STATE"),
    ("Status", "STATUS"),
    ("Size", "SIZE"),
    ("Labels", "LABELS"),
];

fn ps_rows() -> Vec<serde_json::Value> {
    ["db", "longservicename", "web"]
        .iter()
        .map(|s| {
            json!({
                "Name": format!("displab-{s}-1"),
                "Image": "berth-test/busybox:latest",
                "Service": s,
                "State": "running",
                "Publishers": null,
                "Labels": "com.docker.compose.project=displab",
            })
        })
        .collect()
}

#[test]
fn ps_table_with_a_field_missing_from_the_titles_matches_compose() {
    // docker compose ps --format 'table {{.Name}}\t{{.Publishers}}\t{{.Labels}}' prints
    // `<no value>` in the header for a field the header map does not know.
    let f = Format::parse("table {{.Name}}\\t{{.Publishers}}\\t{{.Labels}}", PS_TABLE).unwrap();
    let out = f.render(&[], PS_TITLES).unwrap();
    assert_eq!(out, "NAME      <no value>   LABELS\n");
}

#[test]
fn ps_table_with_a_failing_header_function_matches_compose() {
    // Recorded: the header stops at `json .Publishers`, the rows go on.
    let f = Format::parse("table {{.Name}}\\t{{.Image}}\\t{{json .Publishers}}\\t{{upper .Service}}", PS_TABLE).unwrap();
    let out = f.render(&ps_rows(), PS_TITLES).unwrap();
    assert_eq!(
        out,
        "NAME                        IMAGE                       \n\
         displab-db-1                berth-test/busybox:latest   null      DB\n\
         displab-longservicename-1   berth-test/busybox:latest   null      LONGSERVICENAME\n\
         displab-web-1               berth-test/busybox:latest   null      WEB\n"
    );
}

#[test]
fn ps_custom_template_lines() {
    let f = Format::parse("{{.Name}}", PS_TABLE).unwrap();
    assert_eq!(f.render(&ps_rows(), PS_TITLES).unwrap(), "displab-db-1\ndisplab-longservicename-1\ndisplab-web-1\n");
}

#[test]
fn ls_and_images_tables_match_compose() {
    let rows = vec![
        json!({"Name": "berthconv", "Status": "created(8)", "ConfigFiles": "/work/x/compose.yaml"}),
        json!({"Name": "displab", "Status": "exited(3)", "ConfigFiles": "/tmp/disp-lab/compose.yaml"}),
    ];
    let cells = |r: &serde_json::Value| {
        ["Name", "Status", "ConfigFiles"].iter().map(|k| r[*k].as_str().unwrap_or_default().to_string()).collect()
    };
    assert_eq!(
        ListFormat::Table.render(&rows, &["NAME", "STATUS", "CONFIG FILES"], cells),
        "NAME                STATUS              CONFIG FILES\n\
         berthconv           created(8)          /work/x/compose.yaml\n\
         displab             exited(3)           /tmp/disp-lab/compose.yaml\n"
    );
    let images = vec![json!({"ContainerName": "displab-db-1", "Repository": "berth-test/busybox", "Tag": "latest", "ID": "56fcfa9c9039", "Size": "1.99MB"})];
    let cells = |r: &serde_json::Value| {
        ["ContainerName", "Repository", "Tag", "ID", "Size"]
            .iter()
            .map(|k| r[*k].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        ListFormat::Table.render(&images, &["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"], cells),
        "CONTAINER           REPOSITORY           TAG                 IMAGE ID            SIZE\n\
         displab-db-1        berth-test/busybox   latest              56fcfa9c9039        1.99MB\n"
    );
}
