//! Progress rendering: turns berth-core's [`Event`]s into what Docker Compose 2.26 shows while
//! it works, in one of four shapes.
//!
//! - **tty**: a block redrawn in place every 100 ms by a timer thread: a header
//!   `[+] Running 2/3` (blue once everything is done), then one line per resource
//!   ` ✔ Container lab-web-1  Started    0.4s ` with a spinner while working, a green ✔ when done,
//!   a yellow `!` on warnings and a red ✘ on errors, the status column aligned after the longest
//!   resource name and the elapsed time flush right. [`ProgressRenderer::finish`] draws the final
//!   state and then the "tail" messages.
//! - **plain**: one line per event, ` Container lab-web-1  Started`.
//! - **json**: one JSON object per event and line: the event's own serialisation
//!   (`{"type":"progress","kind":"container","name":"lab-web-1","status":"done","text":"Started"}`),
//!   plus `"dry-run":true` in dry-run mode; tail messages as `{"type":"tail","text":"..."}`.
//! - **quiet**: nothing.
//!
//! Resource events (`Container lab-web-1`) show their `text` (and `detail`, when present) in the
//! aligned, coloured status column. Per-service events (`ResourceKind::Service`: pulls, engine
//! warnings) are named by the bare service name with their `text` right after it and the
//! `detail` in the status column, as Compose shows `web Pulling` and `web Error <message>`. Log and exit events are not progress: route them to a
//! [`LogPrinter`](super::logs::LogPrinter) (see [`Router`](super::Router)); the json renderer
//! writes them like any other event if it gets them.
//!
//! Differences from Compose, on purpose: the header counts done lines out of all lines (Compose
//! divides by the number of lines of the previous frame, so its first frames read `0/0`, `4/1`);
//! warnings are written above the block and the block redrawn below them, instead of being
//! overwritten by the next frame.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use berth_core::events::{Event, EventSink, Progress, ResourceKind, Status};

use super::clock::{Clock, SystemClock};
use super::mode::Mode;
use super::style::{push_spaces, visible_len, Paint, Role};
use super::warning::warning_line;

/// What Compose puts in front of every line in dry-run mode.
pub const DRY_RUN_PREFIX: &str = " DRY-RUN MODE - ";

/// How often the terminal block is redrawn.
pub const TICK: Duration = Duration::from_millis(100);

/// The spinner frames, one per 100 ms.
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Terminal size as (columns, rows).
pub type SizeFn = Arc<dyn Fn() -> (usize, usize) + Send + Sync>;

/// How a renderer presents itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressOptions {
    /// The header's verb: "Running" for `up`/`down`/`start`, "Stopping", "Removing", "Pulling",
    /// "Creating", "Killing", "Restarting", "Building", "Pausing", ...
    pub title: String,
    /// Mark every line as a dry run.
    pub dry_run: bool,
    /// Colours on or off.
    pub paint: Paint,
    /// Whether the output stream is a terminal (decides the shape of warning lines).
    pub terminal: bool,
}

impl ProgressOptions {
    /// Options with colours on, not a dry run, for a terminal.
    #[cfg(test)]
    pub fn titled(title: &str) -> Self {
        ProgressOptions { title: title.to_string(), dry_run: false, paint: Paint::ON, terminal: true }
    }
}

/// Renders progress events; cheap to call from many tasks at once.
pub struct ProgressRenderer {
    shared: Arc<Shared>,
    ticker: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    clock: Arc<dyn Clock>,
    size: SizeFn,
}

struct State {
    out: Box<dyn Write + Send>,
    /// Where image build output goes (stdout, as Docker Compose writes it).
    build_out: Box<dyn Write + Send>,
    mode: Mode,
    opts: ProgressOptions,
    frame: Frame,
    finished: bool,
}

impl ProgressRenderer {
    /// A renderer on a real stream with the real clock and terminal size; on a terminal
    /// (`Mode::Tty`) a timer thread redraws every [`TICK`]. `Mode::Auto` is drawn plainly:
    /// resolve it first ([`Settings::progress_mode`](super::mode::Settings::progress_mode)).
    pub fn live(mode: Mode, out: Box<dyn Write + Send>, opts: ProgressOptions) -> Self {
        let r = Self::with_parts(mode, out, opts, Arc::new(SystemClock::process()), Arc::new(terminal_size));
        r.set_build_output(Box::new(std::io::stdout()));
        if r.mode() == Mode::Tty {
            r.start_ticker(TICK);
        }
        r
    }

    /// A renderer with an injected clock and terminal size and no timer: frames are drawn by
    /// [`tick`](Self::tick) and [`finish`](Self::finish) only. For tests and for callers that
    /// drive redraws themselves.
    pub fn with_parts(
        mode: Mode,
        out: Box<dyn Write + Send>,
        opts: ProgressOptions,
        clock: Arc<dyn Clock>,
        size: SizeFn,
    ) -> Self {
        let mode = if mode == Mode::Auto { Mode::Plain } else { mode };
        ProgressRenderer {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    out,
                    build_out: Box::new(std::io::sink()),
                    mode,
                    opts,
                    frame: Frame::default(),
                    finished: false,
                }),
                wake: Condvar::new(),
                clock,
                size,
            }),
            ticker: Mutex::new(None),
        }
    }

    /// Sets where image build output ([`Event::Build`]) is written (`live`: stdout; else
    /// nowhere).
    pub fn set_build_output(&self, out: Box<dyn Write + Send>) {
        self.shared.lock().build_out = out;
    }

    /// The renderer's shape.
    pub fn mode(&self) -> Mode {
        self.shared.lock().mode
    }

    fn start_ticker(&self, every: Duration) {
        let shared = Arc::clone(&self.shared);
        let spawned = std::thread::Builder::new().name("berth-progress".into()).spawn(move || {
            let mut st = shared.lock();
            // Checked before every wait, so a finish() between two frames is never missed.
            while !st.finished {
                st = shared.wake.wait_timeout(st, every).map_or_else(|e| e.into_inner().0, |(g, _)| g);
                if !st.finished {
                    shared.draw(&mut st);
                }
            }
        });
        if let Ok(handle) = spawned {
            *self.ticker.lock().unwrap_or_else(PoisonError::into_inner) = Some(handle);
        }
    }

    /// Draws the terminal block now (other shapes write as events arrive).
    #[cfg(test)]
    pub fn tick(&self) {
        let mut st = self.shared.lock();
        if !st.finished {
            self.shared.draw(&mut st);
        }
    }

    /// A message printed after the block once it is finished (plain: right away).
    pub fn tail(&self, message: &str) {
        let mut st = self.shared.lock();
        let dry = st.opts.dry_run;
        match st.mode {
            Mode::Tty => {
                let msg = if dry { format!("{DRY_RUN_PREFIX}{message}").trim().to_string() } else { message.to_string() };
                st.frame.tails.push(msg);
            }
            Mode::Plain | Mode::Auto => {
                let line = if dry { format!("{DRY_RUN_PREFIX}{message}\n") } else { format!("{message}\n") };
                st.write(&line);
            }
            Mode::Json => {
                let mut v = serde_json::json!({"type": "tail", "text": message});
                if dry {
                    v["dry-run"] = serde_json::Value::Bool(true);
                }
                st.write(&format!("{v}\n"));
            }
            Mode::Quiet => {}
        }
    }

    /// Stops the timer, draws the final state and the tail messages, and flushes. Safe to call
    /// more than once; dropping the renderer calls it.
    pub fn finish(&self) {
        {
            let mut st = self.shared.lock();
            if st.finished {
                return;
            }
            st.finished = true;
        }
        self.shared.wake.notify_all();
        let handle = self.ticker.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
        let mut st = self.shared.lock();
        if st.mode == Mode::Tty {
            self.shared.draw(&mut st);
            let tails = std::mem::take(&mut st.frame.tails);
            for t in tails {
                st.write(&format!("{t}\n"));
            }
        }
        let _ = st.out.flush();
    }
}

impl Drop for ProgressRenderer {
    fn drop(&mut self) {
        self.finish();
    }
}

impl EventSink for ProgressRenderer {
    fn emit(&self, event: Event) {
        let mut st = self.shared.lock();
        if st.finished && st.mode == Mode::Tty {
            return;
        }
        match st.mode {
            Mode::Quiet => {}
            Mode::Json => {
                let mut v = serde_json::to_value(&event).unwrap_or(serde_json::Value::Null);
                if st.opts.dry_run {
                    if let Some(o) = v.as_object_mut() {
                        o.insert("dry-run".into(), serde_json::Value::Bool(true));
                    }
                }
                st.write(&format!("{v}\n"));
            }
            Mode::Plain | Mode::Auto => match &event {
                Event::Progress(p) => {
                    let line = plain_line(p, st.opts.dry_run);
                    st.write(&line);
                }
                Event::Warning { message } => {
                    let line = warning_line(message, st.opts.terminal, st.opts.paint, &*self.shared.clock);
                    st.write(&line);
                }
                Event::Build { text, .. } => st.write_build(text),
                Event::Log(_) | Event::Exit { .. } => {}
            },
            Mode::Tty => match event {
                Event::Progress(p) => {
                    let now = self.shared.clock.elapsed();
                    st.frame.update(&p, now);
                }
                Event::Warning { message } => {
                    let line = warning_line(&message, true, st.opts.paint, &*self.shared.clock);
                    let lift = st.frame.lift();
                    st.write(&format!("{lift}{line}"));
                    self.shared.draw(&mut st);
                }
                Event::Build { text, .. } => {
                    // Above the block, which is drawn again below the output.
                    let lift = st.frame.lift();
                    st.write(&lift);
                    let _ = st.out.flush();
                    st.write_build(&text);
                    self.shared.draw(&mut st);
                }
                Event::Log(_) | Event::Exit { .. } => {}
            },
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn draw(&self, st: &mut State) {
        if st.mode != Mode::Tty {
            return;
        }
        let (width, height) = (self.size)();
        let now = self.clock.elapsed();
        let title = st.opts.title.clone();
        let text = st.frame.render(&title, st.opts.dry_run, st.opts.paint, now, width, height);
        if !text.is_empty() {
            st.write(&text);
            let _ = st.out.flush();
        }
    }
}

impl State {
    fn write(&mut self, s: &str) {
        // A closed stderr must not stop the operation that reports to it.
        let _ = self.out.write_all(s.as_bytes());
    }

    fn write_build(&mut self, s: &str) {
        let _ = self.build_out.write_all(s.as_bytes());
        let _ = self.build_out.flush();
    }
}

/// A plain line, as Compose's plain writer prints it (`fmt.Println(prefix, id, text, status)`).
pub fn plain_line(p: &Progress, dry_run: bool) -> String {
    let prefix = if dry_run { DRY_RUN_PREFIX } else { "" };
    let s = Slots::of(p);
    format!("{prefix} {} {} {}\n", s.id, s.text, s.status)
}

/// A progress event in Compose's three slots. Compose names resources "Container lab-web-1"
/// and puts what happens in the status slot (coloured, aligned in a column); per-service events
/// (pulls, engine warnings) it names by the bare service name and puts what happens in the text
/// slot right after it, any message in the status slot. berth marks the latter with
/// `ResourceKind::Service`.
struct Slots {
    id: String,
    text: String,
    status: String,
}

impl Slots {
    fn of(p: &Progress) -> Slots {
        let detail = p.detail.as_deref().filter(|d| !d.is_empty());
        if p.kind == ResourceKind::Service {
            return Slots { id: p.name.clone(), text: p.text.clone(), status: detail.unwrap_or("").to_string() };
        }
        let status = match detail {
            Some(d) if !p.text.is_empty() => format!("{} {d}", p.text),
            Some(d) => d.to_string(),
            None => p.text.clone(),
        };
        Slots { id: p.id(), text: String::new(), status }
    }
}

/// The real terminal's size: stderr's, else stdout's, else 80×24.
fn terminal_size() -> (usize, usize) {
    let size = terminal_size::terminal_size_of(std::io::stderr())
        .or_else(|| terminal_size::terminal_size_of(std::io::stdout()));
    match size {
        Some((terminal_size::Width(w), terminal_size::Height(h))) => (usize::from(w), usize::from(h)),
        None => (80, 24),
    }
}

/// One resource's line in the terminal block.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    status: Status,
    /// Compose's `Text`: shown right after the id, uncoloured.
    text: String,
    /// Compose's `StatusText`: the aligned, coloured column.
    status_text: String,
    start: Duration,
    end: Option<Duration>,
    /// For a part (a layer of a pull): the id of the line it is drawn under, indented.
    parent: Option<String>,
    /// Bytes done and in all, and percent done, of a part; they only grow, as in Compose.
    current: i64,
    total: i64,
    percent: u8,
}

/// Compose's completion characters, one per part under a working line: empty to full.
const PERCENT_CHARS: [&str; 9] = ["⠀", "⡀", "⣀", "⣄", "⣤", "⣦", "⣶", "⣷", "⣿"];

/// The terminal block's state: its lines in first-seen order and what is on screen.
#[derive(Debug, Default)]
pub struct Frame {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
    /// Lines below the header drawn last time.
    num_lines: usize,
    /// A frame is on screen.
    repeated: bool,
    tails: Vec<String>,
}

impl Frame {
    /// Applies one event, Compose's way: the first event of a resource starts its clock (and
    /// stops it if it is already done or failed); a later done/warning/error stops it once; a
    /// "working" event after it stopped is ignored.
    pub fn update(&mut self, p: &Progress, now: Duration) {
        let Slots { id, text, status: status_text } = Slots::of(p);
        if let Some(&i) = self.index.get(&id) {
            let Some(e) = self.entries.get_mut(i) else { return };
            match p.status {
                Status::Done | Status::Error | Status::Warning => {
                    if e.end.is_none() {
                        e.end = Some(now);
                    }
                }
                Status::Working => {
                    if e.end.is_some() {
                        return;
                    }
                }
            }
            e.status = p.status;
            e.text = text;
            e.status_text = status_text;
            if let Some(part) = &p.part {
                e.total = e.total.max(part.total);
                e.current = e.current.max(part.current);
                e.percent = e.percent.max(part.percent);
                if e.parent.is_none() {
                    e.parent = Some(part.parent.clone());
                }
            }
        } else {
            let end = matches!(p.status, Status::Done | Status::Error).then_some(now);
            self.index.insert(id.clone(), self.entries.len());
            let (parent, current, total, percent) = match &p.part {
                Some(part) => (Some(part.parent.clone()), part.current, part.total, part.percent),
                None => (None, 0, 0, 0),
            };
            self.entries.push(Entry { id, status: p.status, text, status_text, start: now, end, parent, current, total, percent });
        }
    }

    /// Cursor movement that puts the next write where the block starts and forgets the block,
    /// so the following frame is drawn below whatever is written there.
    fn lift(&mut self) -> String {
        if !self.repeated {
            return String::new();
        }
        let up = self.num_lines + 1;
        self.repeated = false;
        self.num_lines = 0;
        format!("\x1b[{up}A\x1b[0G\x1b[2K")
    }

    /// One frame: cursor movement back to the top of the previous frame, the header, one line
    /// per resource, blank lines over what the previous frame had in excess. Empty when there
    /// is nothing to show yet.
    pub fn render(
        &mut self,
        title: &str,
        dry_run: bool,
        paint: Paint,
        now: Duration,
        width: usize,
        height: usize,
    ) -> String {
        if self.entries.is_empty() {
            return String::new();
        }
        let mut out = String::with_capacity(128 * (self.entries.len() + 1));
        for _ in 0..=self.num_lines {
            out.push_str("\x1b[1A");
        }
        if !self.repeated {
            out.push_str("\x1b[1B");
        }
        self.repeated = true;
        out.push_str("\x1b[0G\x1b[?25l");

        let total = self.entries.len();
        let done = self.entries.iter().filter(|e| e.status != Status::Working).count();
        let header = format!("[+] {title} {done}/{total}");
        if done == total {
            paint.push(&mut out, Role::Done, &header);
        } else {
            out.push_str(&header);
        }
        out.push('\n');

        // Compose's padding: the longest "<id> <text>", less 2 for every part line.
        let mut status_padding = 0usize;
        for e in &self.entries {
            status_padding = status_padding.max(e.id.chars().count() + 1 + e.text.chars().count());
            if e.parent.is_some() {
                status_padding = status_padding.saturating_sub(2);
            }
        }
        // Too many lines for the terminal: the parts are left out.
        let skip_parts = total > height.saturating_sub(2);
        let mut lines = 0usize;
        for e in self.entries.iter().filter(|e| e.parent.is_none()) {
            let parts: Vec<&Entry> = self.entries.iter().filter(|c| c.parent.as_deref() == Some(e.id.as_str())).collect();
            let line = Line { entry: e, pad: "", parts: &parts };
            line_text(&mut out, &line, dry_run, paint, now, width, status_padding);
            lines += 1;
            if skip_parts {
                continue;
            }
            for part in &parts {
                let line = Line { entry: part, pad: "  ", parts: &[] };
                line_text(&mut out, &line, dry_run, paint, now, width, status_padding);
                lines += 1;
            }
        }
        let room = height.saturating_sub(2);
        while lines < self.num_lines && lines < room {
            push_spaces(&mut out, width);
            out.push('\n');
            lines += 1;
        }
        self.num_lines = lines;
        out.push_str("\x1b[?25h");
        out
    }
}

/// A line to draw: an entry, its indentation, and the parts drawn under it.
struct Line<'a> {
    entry: &'a Entry,
    pad: &'a str,
    parts: &'a [&'a Entry],
}

/// One resource line: ` <mark> <id> <pad> <status>` then the elapsed time flush right. A
/// working line with parts shows one completion character per part, and the bytes done out
/// of all once every working part knows its size, as Compose does.
fn line_text(
    out: &mut String,
    line: &Line<'_>,
    dry_run: bool,
    paint: Paint,
    now: Duration,
    width: usize,
    status_padding: usize,
) {
    let e = line.entry;
    let end = if e.status == Status::Working { now } else { e.end.unwrap_or(e.start) };
    let elapsed = end.saturating_sub(e.start);

    let mut completion = String::new();
    let mut details = String::new();
    if e.status == Status::Working && !line.parts.is_empty() {
        let (mut current, mut total, mut hide) = (0i64, 0i64, false);
        for part in line.parts {
            hide |= part.status == Status::Working && part.total == 0;
            total = total.saturating_add(part.total);
            current = current.saturating_add(part.current);
            let i = (PERCENT_CHARS.len() - 1) * usize::from(part.percent.min(100)) / 100;
            completion.push_str(PERCENT_CHARS.get(i).copied().unwrap_or("⠀"));
        }
        if !hide && total > 0 {
            details = format!(" {:>7} / {:<7}", human_size(current), human_size(total));
        }
    }

    let mut left = String::with_capacity(96);
    left.push_str(line.pad);
    left.push(' ');
    match e.status {
        Status::Done => paint.push(&mut left, Role::Success, "✔"),
        Status::Warning => paint.push(&mut left, Role::Warning, "!"),
        Status::Error => paint.push(&mut left, Role::Error, "✘"),
        Status::Working => {
            let frames = elapsed.as_millis() / TICK.as_millis();
            let i = usize::try_from(frames % SPINNER.len() as u128).unwrap_or(0);
            paint.push(&mut left, Role::Count, SPINNER.get(i).copied().unwrap_or("⠋"));
        }
    }
    if dry_run {
        paint.push(&mut left, Role::Prefix, DRY_RUN_PREFIX);
    }
    left.push(' ');
    // Compose's "<id> <text>"; for resources the text is empty, leaving the id and a space.
    left.push_str(&e.id);
    let mut txt_len = e.id.chars().count() + 1 + e.text.chars().count();
    if !completion.is_empty() {
        left.push_str(" [");
        paint.push(&mut left, Role::Success, &completion);
        left.push(']');
        left.push_str(&details);
        txt_len += 3 + completion.chars().count() + details.chars().count();
    }
    left.push(' ');
    left.push_str(&e.text);
    push_spaces(&mut left, status_padding.saturating_sub(txt_len));
    left.push(' ');

    // Long statuses (errors) are cut so a line stays a line.
    let max_status = width.checked_sub(txt_len + status_padding + 15).filter(|m| *m > 0);
    let status: std::borrow::Cow<'_, str> = match max_status {
        Some(max) if e.status_text.chars().count() > max => {
            let cut: String = e.status_text.chars().take(max).collect();
            format!("{cut}...").into()
        }
        _ => e.status_text.as_str().into(),
    };
    match e.status {
        Status::Done => paint.push(&mut left, Role::Success, &status),
        Status::Warning => paint.push(&mut left, Role::Warning, &status),
        Status::Error => paint.push(&mut left, Role::Error, &status),
        Status::Working => left.push_str(&status),
    }

    let timer = format!("{:.1}s ", elapsed.as_secs_f64());
    let right = paint.paint(Role::Timer, &timer);
    out.push_str(&left);
    let used = visible_len(&left) + visible_len(&right);
    push_spaces(out, width.saturating_sub(used));
    out.push_str(&right);
    out.push('\n');
}

/// A byte count as Docker's `units.HumanSize` writes it: four significant digits, decimal
/// units (`32.77kB`, `2.098MB`).
fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    #[allow(clippy::cast_precision_loss)]
    let mut size = bytes.max(0) as f64;
    let mut unit = 0usize;
    while size >= 1000.0 && unit + 1 < UNITS.len() {
        size /= 1000.0;
        unit += 1;
    }
    // `%.4g`: four significant digits, trailing zeros dropped.
    let digits = if size >= 1000.0 {
        0
    } else if size >= 100.0 {
        1
    } else if size >= 10.0 {
        2
    } else {
        3
    };
    let mut text = format!("{size:.digits$}");
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    format!("{text}{}", UNITS.get(unit).copied().unwrap_or("B"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::clock::ManualClock;
    use crate::display::style::SharedBuffer;
    use berth_core::events::ResourceKind;

    fn ev(kind: ResourceKind, name: &str, status: Status, text: &str) -> Event {
        Event::Progress(Progress::new(kind, name, status, text))
    }

    fn renderer(mode: Mode, opts: ProgressOptions) -> (ProgressRenderer, SharedBuffer, Arc<ManualClock>) {
        let buf = SharedBuffer::new();
        let clock = Arc::new(ManualClock::new(1_714_557_600));
        let r = ProgressRenderer::with_parts(mode, Box::new(buf.clone()), opts, clock.clone(), Arc::new(|| (80, 24)));
        (r, buf, clock)
    }

    #[test]
    fn plain_lines_match_compose() {
        let (r, buf, _) = renderer(Mode::Plain, ProgressOptions::titled("Running"));
        r.emit(ev(ResourceKind::Network, "lab_default", Status::Working, "Creating"));
        r.emit(ev(ResourceKind::Network, "lab_default", Status::Done, "Created"));
        r.emit(Event::Progress(
            Progress::new(ResourceKind::Container, "lab-web-1", Status::Error, "Error").with_detail("boom"),
        ));
        r.finish();
        assert_eq!(
            buf.contents(),
            " Network lab_default  Creating\n Network lab_default  Created\n Container lab-web-1  Error boom\n"
        );
    }

    #[test]
    fn build_output_goes_to_its_own_stream_as_written() {
        for mode in [Mode::Plain, Mode::Tty] {
            let (r, buf, _) = renderer(mode, ProgressOptions::titled("Building"));
            let out = SharedBuffer::new();
            r.set_build_output(Box::new(out.clone()));
            r.emit(Event::Build { service: "web".into(), text: "Step 1/2 : FROM x\n".into() });
            r.emit(Event::Build { service: "web".into(), text: " ---> abc\n".into() });
            r.finish();
            assert_eq!(out.contents(), "Step 1/2 : FROM x\n ---> abc\n", "{mode:?}");
            assert_eq!(buf.contents(), "", "{mode:?}: no block without resources");
        }
        let (r, buf, _) = renderer(Mode::Json, ProgressOptions::titled("Building"));
        r.emit(Event::Build { service: "web".into(), text: "Step 1/2 : FROM x\n".into() });
        assert_eq!(buf.contents(), "{\"type\":\"build\",\"service\":\"web\",\"text\":\"Step 1/2 : FROM x\\n\"}\n");
    }

    #[test]
    fn plain_dry_run_prefix() {
        let mut o = ProgressOptions::titled("Running");
        o.dry_run = true;
        let (r, buf, _) = renderer(Mode::Plain, o);
        r.emit(ev(ResourceKind::Container, "lab-web-1", Status::Done, "Started"));
        r.tail("done");
        assert_eq!(buf.contents(), " DRY-RUN MODE -  Container lab-web-1  Started\n DRY-RUN MODE - done\n");
    }

    #[test]
    fn json_is_one_event_per_line() {
        let (r, buf, _) = renderer(Mode::Json, ProgressOptions::titled("Running"));
        r.emit(ev(ResourceKind::Container, "lab-web-1", Status::Done, "Started"));
        r.emit(Event::Warning { message: "careful".into() });
        r.tail("bye");
        assert_eq!(
            buf.contents(),
            "{\"type\":\"progress\",\"kind\":\"container\",\"name\":\"lab-web-1\",\"status\":\"done\",\"text\":\"Started\"}\n\
             {\"type\":\"warning\",\"message\":\"careful\"}\n\
             {\"type\":\"tail\",\"text\":\"bye\"}\n"
        );
    }

    #[test]
    fn quiet_writes_nothing() {
        let (r, buf, _) = renderer(Mode::Quiet, ProgressOptions::titled("Running"));
        r.emit(ev(ResourceKind::Container, "lab-web-1", Status::Done, "Started"));
        r.emit(Event::Warning { message: "careful".into() });
        r.tail("bye");
        r.finish();
        assert_eq!(buf.contents(), "");
    }

    #[test]
    fn tty_frame_layout() {
        let (r, buf, clock) = renderer(Mode::Tty, ProgressOptions { paint: Paint::OFF, ..ProgressOptions::titled("Running") });
        r.emit(ev(ResourceKind::Network, "lab_default", Status::Working, "Creating"));
        clock.advance(Duration::from_millis(250));
        r.tick();
        let first = buf.take();
        assert_eq!(
            first,
            format!(
                "\x1b[1A\x1b[1B\x1b[0G\x1b[?25l[+] Running 0/1\n ⠹ Network lab_default  Creating{}0.2s \n\x1b[?25h",
                " ".repeat(80 - 32 - 5)
            )
        );
        r.emit(ev(ResourceKind::Network, "lab_default", Status::Done, "Created"));
        r.emit(ev(ResourceKind::Container, "lab-web-1", Status::Done, "Started"));
        r.finish();
        let second = buf.take();
        let line1 = format!(" ✔ Network lab_default  Created{}0.2s \n", " ".repeat(80 - 31 - 5));
        let line2 = format!(" ✔ Container lab-web-1  Started{}0.0s \n", " ".repeat(80 - 31 - 5));
        assert_eq!(second, format!("\x1b[1A\x1b[1A\x1b[0G\x1b[?25l[+] Running 2/2\n{line1}{line2}\x1b[?25h"));
    }

    #[test]
    fn tty_colours_like_compose() {
        let (r, buf, _) = renderer(Mode::Tty, ProgressOptions::titled("Stopping"));
        r.emit(ev(ResourceKind::Container, "a", Status::Done, "Stopped"));
        r.emit(ev(ResourceKind::Container, "b", Status::Error, "Error"));
        r.emit(ev(ResourceKind::Container, "c", Status::Warning, "Skipped"));
        r.finish();
        let out = buf.contents();
        assert!(out.contains("\x1b[34m[+] Stopping 3/3\x1b[0m\n"), "{out:?}");
        assert!(out.contains(" \x1b[32m✔\x1b[0m Container a  \x1b[32mStopped\x1b[0m"), "{out:?}");
        assert!(out.contains(" \x1b[31m\x1b[1m✘\x1b[0m Container b  \x1b[31m\x1b[1mError\x1b[0m"), "{out:?}");
        assert!(out.contains(" \x1b[33m\x1b[1m!\x1b[0m Container c  \x1b[33m\x1b[1mSkipped\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[34m0.0s \x1b[0m\n"), "{out:?}");
    }

    #[test]
    fn tty_elapsed_stops_when_done_and_late_working_is_ignored() {
        let mut f = Frame::default();
        let p = |s, t: &str| Progress::new(ResourceKind::Container, "x", s, t);
        f.update(&p(Status::Working, "Starting"), Duration::from_millis(100));
        f.update(&p(Status::Done, "Started"), Duration::from_millis(1_400));
        f.update(&p(Status::Working, "Starting"), Duration::from_secs(2));
        let out = f.render("Running", false, Paint::OFF, Duration::from_secs(9), 80, 24);
        assert!(out.contains("✔ Container x  Started"), "{out:?}");
        assert!(out.contains("1.3s \n"), "{out:?}");
    }

    #[test]
    fn tty_truncates_long_status() {
        let mut f = Frame::default();
        let long = "e".repeat(100);
        f.update(&Progress::new(ResourceKind::Container, "x", Status::Error, long), Duration::ZERO);
        let out = f.render("Running", false, Paint::OFF, Duration::ZERO, 60, 24);
        // width 60 - len("Container x ")*2 - 15 = 21 characters kept
        assert!(out.contains(&format!(" ✘ Container x  {}...", "e".repeat(21))), "{out:?}");
    }

    #[test]
    fn tty_warning_goes_above_the_block() {
        let (r, buf, _) = renderer(Mode::Tty, ProgressOptions { paint: Paint::OFF, ..ProgressOptions::titled("Running") });
        r.emit(ev(ResourceKind::Container, "x", Status::Working, "Starting"));
        r.tick();
        buf.take();
        r.emit(Event::Warning { message: "careful".into() });
        let out = buf.take();
        assert!(out.starts_with("\x1b[2A\x1b[0G\x1b[2KWARN[0000] careful"), "{out:?}");
        // the block is drawn again right below, as a first frame
        assert!(out.contains(" \n\x1b[1A\x1b[1B\x1b[0G\x1b[?25l[+] Running 0/1\n"), "{out:?}");
    }

    #[test]
    fn tty_tail_messages_follow_the_final_frame() {
        let (r, buf, _) = renderer(Mode::Tty, ProgressOptions { paint: Paint::OFF, ..ProgressOptions::titled("Pulling") });
        r.emit(ev(ResourceKind::Image, "busybox", Status::Done, "Pulled"));
        r.tail("WARNING: build needed");
        r.finish();
        assert!(buf.contents().ends_with("\x1b[?25hWARNING: build needed\n"));
    }

    #[test]
    fn human_sizes_match_docker() {
        assert_eq!(human_size(32_768), "32.77kB");
        assert_eq!(human_size(2_098_000), "2.098MB");
        assert_eq!(human_size(999), "999B");
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(4_194_304), "4.194MB");
    }

    #[test]
    fn tty_layers_are_drawn_under_their_service() {
        let mut f = Frame::default();
        let svc = |s, t: &str| Progress::new(ResourceKind::Service, "web", s, t);
        let layer = |id: &str, s, t: &str, cur, tot, pct| Progress::new(ResourceKind::Service, id, s, t).with_parent("web", cur, tot, pct);
        f.update(&svc(Status::Working, "Pulling"), Duration::ZERO);
        f.update(&layer("aaa", Status::Working, "Downloading", 500_000, 1_000_000, 50), Duration::ZERO);
        f.update(&layer("bbb", Status::Done, "Pull complete", 0, 0, 100), Duration::ZERO);
        let out = f.render("Pulling", false, Paint::OFF, Duration::from_millis(100), 100, 24);
        assert!(out.contains("[+] Pulling 1/3"), "{out:?}");
        assert!(out.contains(" web [⣤⣿]   500kB / 1MB     Pulling"), "{out:?}");
        assert!(out.contains("\n   ⠋ aaa Downloading") || out.contains("\n   ⠙ aaa Downloading"), "{out:?}");
        assert!(out.contains("\n   ✔ bbb Pull complete"), "{out:?}");
        // Once the service is done, its line shows no completion.
        f.update(&svc(Status::Done, "Pulled"), Duration::from_millis(200));
        let out = f.render("Pulling", false, Paint::OFF, Duration::from_millis(300), 100, 24);
        assert!(out.contains(" ✔ web Pulled"), "{out:?}");
    }

    #[test]
    fn tty_with_nothing_to_show_prints_nothing() {
        let (r, buf, _) = renderer(Mode::Tty, ProgressOptions::titled("Running"));
        r.tick();
        r.finish();
        assert_eq!(buf.contents(), "");
    }

    #[test]
    fn live_ticker_redraws_and_stops() {
        let buf = SharedBuffer::new();
        let r = ProgressRenderer::live(Mode::Tty, Box::new(buf.clone()), ProgressOptions::titled("Running"));
        r.emit(ev(ResourceKind::Container, "x", Status::Working, "Starting"));
        std::thread::sleep(Duration::from_millis(350));
        r.finish();
        let frames = buf.contents().matches("[+] Running").count();
        assert!(frames >= 2, "expected timer frames plus the final one, got {frames}");
    }
}
