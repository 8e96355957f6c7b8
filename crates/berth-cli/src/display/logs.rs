//! Container output for attached `up` and for `logs`, as Docker Compose prints it: each line
//! behind its container's prefix (`web-1  | hello`), names padded to the longest one seen so far
//! plus one, each container in the next colour of Compose's rotation; exits as
//! `web-1 exited with code 0` in the container's colour. stdout lines go to stdout, stderr lines
//! to stderr.
//!
//! Built for volume: a line costs a hash lookup and a few buffer appends, no allocation. Lines
//! collect in a buffer written out in whole lines, when it passes 64 KiB, and otherwise shortly
//! after the last write by a flusher thread, so `logs -f` stays live when piped while 100 MB of
//! output costs a few thousand writes instead of millions.
//!
//! Differences from Compose 2.26, on purpose (both were changed in later Compose releases): no
//! `ESC[2K` before every line (it ended up in files and pipes), and a space between a timestamp
//! and the line.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use berth_core::events::{Event, EventSink, LogLine, Stream};

use super::clock::{rfc3339, Clock, SystemClock};
use super::style::{Paint, RAINBOW, RESET};

/// Buffered output is written once it reaches this size.
const HIGH_WATER: usize = 64 * 1024;

const HIDE_CURSOR: &[u8] = b"\x1b[?25l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

/// How long the flusher waits after the first unflushed line, so bursts are written together.
pub const FLUSH_DELAY: Duration = Duration::from_millis(15);

/// How lines are decorated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    /// Colour prefixes and exit lines (`--no-color` and the ANSI settings turn it off).
    pub paint: Paint,
    /// Show the `name  | ` prefix (`--no-log-prefix` turns it off).
    pub prefix: bool,
    /// Put the timestamp before each line (`--timestamps`): the engine's when the line has one,
    /// else the time it is printed.
    pub timestamps: bool,
    /// The project name, to shorten `lab-web-1` to `web-1`.
    pub project: Option<String>,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions { paint: Paint::OFF, prefix: true, timestamps: false, project: None }
    }
}

/// Prints container output; share it between tasks behind an `Arc`.
pub struct LogPrinter {
    shared: Arc<Shared>,
    flusher: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    clock: Arc<dyn Clock>,
}

struct Presenter {
    /// The container's name as the lines carry it.
    container: String,
    name: String,
    color: Option<&'static str>,
    prefix: Vec<u8>,
}

struct State {
    opts: LogOptions,
    by_container: HashMap<String, usize>,
    presenters: Vec<Presenter>,
    /// The presenter of the previous line: most lines come in runs from one container, found
    /// again with a comparison instead of a hash.
    last: usize,
    next_color: usize,
    out: Box<dyn Write + Send>,
    err: Box<dyn Write + Send>,
    out_buf: Vec<u8>,
    err_buf: Vec<u8>,
    dirty: bool,
    closed: bool,
    /// A line kept below the output on a terminal (`up`'s menu), and whether it is drawn.
    footer: Option<Vec<u8>>,
    footer_drawn: bool,
}

impl LogPrinter {
    /// A printer on the process's stdout and stderr.
    pub fn stdio(opts: LogOptions) -> Self {
        Self::new(Box::new(std::io::stdout()), Box::new(std::io::stderr()), opts)
    }

    /// A printer on the given streams, with the real clock and a flusher thread.
    pub fn new(out: Box<dyn Write + Send>, err: Box<dyn Write + Send>, opts: LogOptions) -> Self {
        Self::with_parts(out, err, opts, Arc::new(SystemClock::process()), Some(FLUSH_DELAY))
    }

    /// A printer with an injected clock; `flush_delay: None` runs no flusher thread, so output
    /// appears only on [`flush`](Self::flush), past the high-water mark, or at the end.
    pub fn with_parts(
        out: Box<dyn Write + Send>,
        err: Box<dyn Write + Send>,
        opts: LogOptions,
        clock: Arc<dyn Clock>,
        flush_delay: Option<Duration>,
    ) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                opts,
                by_container: HashMap::new(),
                presenters: Vec::new(),
                last: 0,
                next_color: 0,
                out,
                err,
                out_buf: Vec::with_capacity(HIGH_WATER + 4096),
                err_buf: Vec::with_capacity(4096),
                dirty: false,
                closed: false,
                footer: None,
                footer_drawn: false,
            }),
            wake: Condvar::new(),
            clock,
        });
        let flusher = flush_delay.and_then(|delay| {
            let s = Arc::clone(&shared);
            std::thread::Builder::new().name("berth-logs".into()).spawn(move || s.flush_loop(delay)).ok()
        });
        LogPrinter { shared, flusher: Mutex::new(flusher) }
    }

    /// Registers a container before its first line so every prefix is padded for it from the
    /// start (Compose registers all attached containers up front). Returns the name shown.
    pub fn register(&self, service: &str, container: &str) -> String {
        let mut st = self.shared.lock();
        let i = st.presenter(service, container);
        st.presenters.get(i).map(|p| p.name.clone()).unwrap_or_default()
    }

    /// Prints `<name> <message>` in the container's colour, as Compose does for
    /// "exited with code 0" and "has been recreated".
    pub fn status(&self, service: &str, container: &str, message: &str) {
        let mut st = self.shared.lock();
        st.status_line(service, container, message);
        self.shared.mark_dirty(&mut st);
    }

    /// Keeps `footer` as the last line of the terminal, below the output (`None` removes it).
    /// The cursor is hidden while it is shown, as Compose's menu hides it.
    pub fn footer(&self, footer: Option<&str>) {
        let mut st = self.shared.lock();
        st.write_out();
        st.erase_footer();
        st.footer = footer.map(|f| f.as_bytes().to_vec());
        if st.footer.is_none() {
            let _ = st.out.write_all(SHOW_CURSOR);
        }
        st.draw_footer();
        let _ = st.out.flush();
    }

    /// Prints `text` (whole lines) among the containers' output, such as watch notes.
    pub fn raw(&self, text: &str) {
        let mut st = self.shared.lock();
        st.out_buf.extend_from_slice(text.as_bytes());
        self.shared.mark_dirty(&mut st);
    }

    /// Writes everything buffered.
    pub fn flush(&self) {
        self.shared.lock().flush_all();
    }

    /// Stops the flusher and writes everything buffered; later lines are written directly.
    /// Dropping the printer does this.
    pub fn close(&self) {
        {
            let mut st = self.shared.lock();
            st.closed = true;
            st.flush_all();
            if st.footer.take().is_some() {
                st.erase_footer();
                let _ = st.out.write_all(SHOW_CURSOR);
                let _ = st.out.flush();
            }
        }
        self.shared.wake.notify_all();
        let handle = self.flusher.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
        self.shared.lock().flush_all();
    }
}

impl Drop for LogPrinter {
    fn drop(&mut self) {
        self.close();
    }
}

impl EventSink for LogPrinter {
    fn emit(&self, event: Event) {
        match event {
            Event::Log(line) => self.line(&line),
            Event::Exit { service, container, code } => {
                self.status(&service, &container, &format!("exited with code {code}"));
            }
            Event::Progress(_) | Event::Warning { .. } | Event::Build { .. } => {}
        }
    }
}

impl LogPrinter {
    /// Prints one log line (split further if it holds newlines).
    pub fn line(&self, line: &LogLine) {
        let mut st = self.shared.lock();
        let i = st.presenter(&line.service, &line.container);
        let timestamps = st.opts.timestamps;
        let now = (timestamps && line.timestamp.is_none()).then(|| rfc3339(self.shared.clock.wall(), true));
        let State { presenters, out_buf, err_buf, .. } = &mut *st;
        let buf = match line.stream {
            Stream::Stdout => out_buf,
            Stream::Stderr => err_buf,
        };
        let prefix = presenters.get(i).map_or(&[][..], |p| p.prefix.as_slice());
        let text = line.line.strip_suffix('\n').unwrap_or(&line.line);
        let ts = line.timestamp.as_deref().or(now.as_deref());
        for part in text.split('\n') {
            buf.extend_from_slice(prefix);
            if timestamps {
                if let Some(ts) = ts {
                    buf.extend_from_slice(ts.as_bytes());
                    buf.push(b' ');
                }
            }
            buf.extend_from_slice(part.as_bytes());
            buf.push(b'\n');
        }
        if st.closed {
            st.flush_all();
        } else if st.out_buf.len() >= HIGH_WATER || st.err_buf.len() >= HIGH_WATER {
            st.write_out();
        } else {
            self.shared.mark_dirty(&mut st);
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the flusher on the first unflushed line only: waking it per line would cost a
    /// system call per line.
    fn mark_dirty(&self, st: &mut State) {
        if st.closed {
            st.flush_all();
        } else if !st.dirty {
            st.dirty = true;
            self.wake.notify_one();
        }
    }

    fn flush_loop(&self, delay: Duration) {
        loop {
            {
                let mut st = self.lock();
                while !st.dirty && !st.closed {
                    st = self.wake.wait(st).unwrap_or_else(PoisonError::into_inner);
                }
                if st.closed {
                    return;
                }
            }
            std::thread::sleep(delay);
            self.lock().flush_all();
        }
    }
}

impl State {
    /// The presenter of a container, registered on first sight.
    fn presenter(&mut self, service: &str, container: &str) -> usize {
        if self.presenters.get(self.last).is_some_and(|p| p.container == container) {
            return self.last;
        }
        if let Some(&i) = self.by_container.get(container) {
            self.last = i;
            return i;
        }
        let name = display_name(self.opts.project.as_deref(), service, container);
        let color = if self.opts.paint.enabled {
            let c = RAINBOW.get(self.next_color % RAINBOW.len()).copied();
            self.next_color = self.next_color.wrapping_add(1);
            c
        } else {
            None
        };
        let i = self.presenters.len();
        self.presenters.push(Presenter { container: container.to_string(), name, color, prefix: Vec::new() });
        self.by_container.insert(container.to_string(), i);
        self.last = i;
        self.set_prefixes();
        i
    }

    /// Compose pads every name to one more than the longest registered so far.
    fn set_prefixes(&mut self) {
        if !self.opts.prefix {
            return;
        }
        let width = self.presenters.iter().map(|p| p.name.chars().count()).max().unwrap_or(0) + 1;
        for p in &mut self.presenters {
            let mut s = String::with_capacity(width + 16);
            if let Some(c) = p.color {
                s.push_str(c);
            }
            s.push_str(&p.name);
            for _ in p.name.chars().count()..width {
                s.push(' ');
            }
            s.push_str(" | ");
            if p.color.is_some() {
                s.push_str(RESET);
            }
            p.prefix = s.into_bytes();
        }
    }

    fn status_line(&mut self, service: &str, container: &str, message: &str) {
        let i = self.presenter(service, container);
        let Some(p) = self.presenters.get(i) else { return };
        let buf = &mut self.out_buf;
        if let Some(c) = p.color {
            buf.extend_from_slice(c.as_bytes());
        }
        buf.extend_from_slice(p.name.as_bytes());
        buf.push(b' ');
        buf.extend_from_slice(message.as_bytes());
        if p.color.is_some() {
            buf.extend_from_slice(RESET.as_bytes());
        }
        buf.push(b'\n');
    }

    fn write_out(&mut self) {
        let footer = self.footer_drawn && !(self.out_buf.is_empty() && self.err_buf.is_empty());
        if footer {
            self.erase_footer();
        }
        // A closed pipe (`logs | head`) must not panic; the lines are dropped.
        if !self.out_buf.is_empty() {
            let _ = self.out.write_all(&self.out_buf);
            self.out_buf.clear();
        }
        if !self.err_buf.is_empty() {
            if footer {
                let _ = self.out.flush();
            }
            let _ = self.err.write_all(&self.err_buf);
            self.err_buf.clear();
        }
        if footer {
            let _ = self.err.flush();
            self.draw_footer();
        }
    }

    /// Clears the footer's line; the output goes on from its start.
    fn erase_footer(&mut self) {
        if self.footer_drawn {
            let _ = self.out.write_all(b"\r\x1b[2K");
            self.footer_drawn = false;
        }
    }

    fn draw_footer(&mut self) {
        if let Some(footer) = &self.footer {
            let _ = self.out.write_all(HIDE_CURSOR);
            let _ = self.out.write_all(footer);
            let _ = self.out.flush();
            self.footer_drawn = true;
        }
    }

    fn flush_all(&mut self) {
        self.write_out();
        let _ = self.out.flush();
        let _ = self.err.flush();
        self.dirty = false;
    }
}

/// The name Compose shows for a container: without the project prefix when the container has
/// its default name (`lab-web-1` → `web-1`), else the container's own name (`container_name`).
pub fn display_name(project: Option<&str>, service: &str, container: &str) -> String {
    let name = container.strip_prefix('/').unwrap_or(container);
    let Some(project) = project.filter(|p| !p.is_empty()) else { return name.to_string() };
    let Some(rest) = name.strip_prefix(project).and_then(|r| r.strip_prefix('-')) else {
        return name.to_string();
    };
    let number = if service.is_empty() {
        rest.rsplit_once('-').map(|(_, n)| n)
    } else {
        rest.strip_prefix(service).and_then(|r| r.strip_prefix('-'))
    };
    match number {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => rest.to_string(),
        _ => name.to_string(),
    }
}

/// The line attached `up` prints before the output: `Attaching to web-1, db-1`.
pub fn attaching_line(names: &[String]) -> String {
    format!("Attaching to {}\n", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::clock::ManualClock;
    use crate::display::style::SharedBuffer;

    fn log(container: &str, service: &str, line: &str) -> Event {
        Event::Log(LogLine {
            service: service.into(),
            container: container.into(),
            stream: Stream::Stdout,
            timestamp: None,
            line: line.into(),
        })
    }

    fn printer(opts: LogOptions) -> (LogPrinter, SharedBuffer, SharedBuffer) {
        let out = SharedBuffer::new();
        let err = SharedBuffer::new();
        let clock = Arc::new(ManualClock::new(1_714_557_600));
        let p = LogPrinter::with_parts(Box::new(out.clone()), Box::new(err.clone()), opts, clock, None);
        (p, out, err)
    }

    fn opts() -> LogOptions {
        LogOptions { project: Some("lab".into()), ..LogOptions::default() }
    }

    #[test]
    fn a_footer_stays_below_the_output_until_removed() {
        let (p, out, _err) = printer(opts());
        p.footer(Some("MENU"));
        p.emit(log("lab-web-1", "web", "hello"));
        p.flush();
        p.raw("note\n");
        p.flush();
        p.footer(None);
        p.emit(log("lab-web-1", "web", "after"));
        p.close();
        assert_eq!(
            out.contents(),
            "\x1b[?25lMENU\r\x1b[2Kweb-1  | hello\n\x1b[?25lMENU\r\x1b[2Knote\n\x1b[?25lMENU\r\x1b[2K\x1b[?25hweb-1  | after\n"
        );
    }

    #[test]
    fn names_drop_the_project() {
        assert_eq!(display_name(Some("lab"), "web", "lab-web-1"), "web-1");
        assert_eq!(display_name(Some("lab"), "web", "/lab-web-12"), "web-12");
        assert_eq!(display_name(Some("lab"), "web", "custom"), "custom");
        assert_eq!(display_name(Some("lab"), "web", "lab-web-x"), "lab-web-x");
        assert_eq!(display_name(Some("lab"), "", "lab-web-2"), "web-2");
        assert_eq!(display_name(None, "web", "lab-web-1"), "lab-web-1");
    }

    #[test]
    fn prefixes_pad_to_the_longest_name_plus_one() {
        let (p, out, _) = printer(opts());
        p.register("web", "lab-web-1");
        p.register("longservicename", "lab-longservicename-1");
        p.emit(log("lab-web-1", "web", "hello"));
        p.emit(log("lab-longservicename-1", "longservicename", "x"));
        p.emit(Event::Exit { service: "web".into(), container: "lab-web-1".into(), code: 3 });
        p.flush();
        assert_eq!(
            out.contents(),
            "web-1              | hello\nlongservicename-1  | x\nweb-1 exited with code 3\n"
        );
    }

    #[test]
    fn padding_grows_as_containers_appear() {
        let (p, out, _) = printer(opts());
        p.emit(log("lab-a-1", "a", "one"));
        p.emit(log("lab-bbb-1", "bbb", "two"));
        p.emit(log("lab-a-1", "a", "three"));
        p.flush();
        assert_eq!(out.contents(), "a-1  | one\nbbb-1  | two\na-1    | three\n");
    }

    #[test]
    fn stderr_lines_go_to_stderr() {
        let (p, out, err) = printer(opts());
        p.emit(Event::Log(LogLine {
            service: "db".into(),
            container: "lab-db-1".into(),
            stream: Stream::Stderr,
            timestamp: None,
            line: "err".into(),
        }));
        p.flush();
        assert_eq!(out.contents(), "");
        assert_eq!(err.contents(), "db-1  | err\n");
    }

    #[test]
    fn colours_rotate_like_compose() {
        let (p, out, _) = printer(LogOptions { paint: Paint::ON, ..opts() });
        for s in ["a", "b", "c", "d", "e", "f"] {
            p.register(s, &format!("lab-{s}-1"));
        }
        p.emit(log("lab-a-1", "a", "x"));
        p.emit(log("lab-f-1", "f", "y"));
        p.emit(Event::Exit { service: "b".into(), container: "lab-b-1".into(), code: 0 });
        p.flush();
        assert_eq!(
            out.contents(),
            "\x1b[36ma-1  | \x1b[0mx\n\x1b[36;1mf-1  | \x1b[0my\n\x1b[33mb-1 exited with code 0\x1b[0m\n"
        );
    }

    #[test]
    fn no_prefix_and_multi_line_messages() {
        let (p, out, _) = printer(LogOptions { prefix: false, ..opts() });
        p.emit(log("lab-a-1", "a", "one\ntwo\n"));
        p.emit(Event::Exit { service: "a".into(), container: "lab-a-1".into(), code: 137 });
        p.flush();
        assert_eq!(out.contents(), "one\ntwo\na-1 exited with code 137\n");
    }

    #[test]
    fn timestamps_from_the_engine_or_the_clock() {
        let (p, out, _) = printer(LogOptions { timestamps: true, ..opts() });
        p.emit(Event::Log(LogLine {
            service: "a".into(),
            container: "lab-a-1".into(),
            stream: Stream::Stdout,
            timestamp: Some("2024-01-02T03:04:05.123456789Z".into()),
            line: "engine".into(),
        }));
        p.emit(log("lab-a-1", "a", "now"));
        p.flush();
        assert_eq!(
            out.contents(),
            "a-1  | 2024-01-02T03:04:05.123456789Z engine\na-1  | 2024-05-01T10:00:00.000000000Z now\n"
        );
    }

    #[test]
    fn nothing_is_written_before_a_flush_without_flusher() {
        let (p, out, _) = printer(opts());
        p.emit(log("lab-a-1", "a", "x"));
        assert_eq!(out.contents(), "");
        drop(p);
        assert_eq!(out.contents(), "a-1  | x\n");
    }

    #[test]
    fn flusher_writes_idle_output() {
        let out = SharedBuffer::new();
        let p = LogPrinter::new(Box::new(out.clone()), Box::new(SharedBuffer::new()), opts());
        p.emit(log("lab-a-1", "a", "x"));
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while out.contents().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(out.contents(), "a-1  | x\n");
    }

    #[test]
    fn big_output_is_written_in_whole_lines() {
        let (p, out, _) = printer(opts());
        let line = "y".repeat(1000);
        for _ in 0..100 {
            p.emit(log("lab-a-1", "a", &line));
        }
        let written = out.contents();
        assert!(!written.is_empty(), "past the high-water mark output is written without a flush");
        assert!(written.ends_with('\n'));
        assert!(written.lines().all(|l| l == format!("a-1  | {line}")));
    }

    /// Keeps each `write` call apart, to see how output is cut.
    #[derive(Clone, Default)]
    struct Writes(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn many_lines_make_few_writes_of_whole_lines() {
        let writes = Writes::default();
        let clock = Arc::new(ManualClock::new(1_714_557_600));
        let p = LogPrinter::with_parts(Box::new(writes.clone()), Box::new(SharedBuffer::new()), opts(), clock, None);
        let mut expected = String::new();
        for i in 0..20_000 {
            // Lines of varied lengths, so that no write boundary falls on a line by chance.
            let line = format!("{i} {}", "z".repeat(i % 97));
            p.emit(log("lab-a-1", "a", &line));
            expected.push_str("a-1  | ");
            expected.push_str(&line);
            expected.push('\n');
        }
        p.close();
        let writes = writes.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let all: Vec<u8> = writes.concat();
        assert_eq!(String::from_utf8_lossy(&all), expected, "every line once, in order");
        assert!(writes.iter().all(|w| w.ends_with(b"\n")), "each write ends a line");
        assert!(writes.len() <= expected.len() / HIGH_WATER + 1, "{} writes for {} bytes", writes.len(), expected.len());
    }

    #[test]
    fn a_multi_line_message_is_not_merged_with_the_next() {
        let (p, out, _) = printer(LogOptions { prefix: true, ..opts() });
        p.emit(log("lab-a-1", "a", "one\ntwo"));
        p.emit(log("lab-b-1", "b", "three"));
        p.emit(log("lab-a-1", "a", "four\n"));
        p.flush();
        assert_eq!(out.contents(), "a-1  | one\na-1  | two\nb-1  | three\na-1  | four\n");
    }

    #[test]
    fn attaching() {
        assert_eq!(attaching_line(&["db-1".into(), "web-1".into()]), "Attaching to db-1, web-1\n");
    }
}
