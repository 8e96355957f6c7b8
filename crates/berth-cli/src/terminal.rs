//! The local terminal while berth is attached to a process's streams (`exec`, `run`): raw
//! mode, the window size and its changes, and the copy of stdin to the process and of its
//! output to stdout and stderr — what the docker CLI's `hijackedIOStreamer` and
//! `MonitorTtySize` do for `docker exec -it` and `docker run -it`.
//!
//! - [`RawMode`] puts stdin and stdout (those that are terminals) in raw mode and restores
//!   them when dropped: on return, on error, while a panic unwinds, and when a signal ends
//!   the copy ([`pump`] returns instead of letting the signal kill the process).
//! - [`pump`] copies until the output ends. Stdin is read by a thread of its own in large
//!   blocks (a blocked terminal read cannot be cancelled, and a thread that is never joined
//!   does not keep the process alive); end of input closes the process's stdin (a
//!   half-close of the connection) so `echo hi | berth exec -T svc cat` ends.
//! - The window size is sent when the copy starts and again on every SIGWINCH.

use std::io::{Read, Write};
use std::io::IsTerminal;
use std::sync::Arc;

use berth_engine::{AttachedIo, OutputStream};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::StreamExt;
use rustix::termios::{tcgetattr, tcsetattr, OptionalActions, Termios};
use tokio::io::AsyncWriteExt;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

/// Size of one read from stdin: large, so piped input costs few engine writes.
const STDIN_BLOCK: usize = 64 * 1024;

/// Whether berth's stdin is a terminal.
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Whether berth's stdout is a terminal (Docker Compose allocates a TTY by default when it is).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// The terminal's size as `(height, width)`: stdout's, else stdin's, as the docker CLI reads
/// it; `None` when neither is a terminal.
pub fn size() -> Option<(u16, u16)> {
    let (terminal_size::Width(w), terminal_size::Height(h)) =
        terminal_size::terminal_size_of(std::io::stdout()).or_else(|| terminal_size::terminal_size_of(std::io::stdin()))?;
    Some((h, w))
}

/// Which standard stream a saved terminal state belongs to.
#[derive(Debug, Clone, Copy)]
enum Std {
    In,
    Out,
}

fn set(which: Std, termios: &Termios) -> rustix::io::Result<()> {
    match which {
        Std::In => tcsetattr(std::io::stdin(), OptionalActions::Now, termios),
        Std::Out => tcsetattr(std::io::stdout(), OptionalActions::Now, termios),
    }
}

/// Stdin and stdout in raw mode (those of them that are terminals), restored on drop.
#[derive(Debug)]
pub struct RawMode {
    saved: Vec<(Std, Termios)>,
}

impl RawMode {
    /// Switches the terminals to raw mode, remembering their state.
    pub fn enable() -> std::io::Result<Self> {
        let mut mode = Self { saved: Vec::new() };
        for which in [Std::In, Std::Out] {
            let current = match which {
                Std::In if stdin_is_terminal() => tcgetattr(std::io::stdin()),
                Std::Out if stdout_is_terminal() => tcgetattr(std::io::stdout()),
                _ => continue,
            }?;
            let mut raw = current.clone();
            raw.make_raw();
            // Saved before the change, so a failure half-way still restores what was changed.
            mode.saved.push((which, current));
            set(which, &raw)?;
        }
        Ok(mode)
    }

    /// Restores the saved states (once; later calls do nothing).
    pub fn restore(&mut self) {
        for (which, termios) in self.saved.drain(..).rev() {
            let _ = set(which, &termios);
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        self.restore();
    }
}

/// Sends a new window size `(height, width)` to the engine.
pub type Resize = Arc<dyn Fn(u16, u16) -> BoxFuture<'static, ()> + Send + Sync>;

/// A [`Resize`] from an async function of the new size.
pub fn resizer<F, Fut>(f: F) -> Resize
where
    F: Fn(u16, u16) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    Arc::new(move |h, w| Box::pin(f(h, w)))
}

/// How the streams are wired.
#[derive(Clone, Default)]
pub struct Wiring {
    /// Copy berth's stdin to the process.
    pub stdin: bool,
    /// The process has a TTY: its output is one stream, written to stdout as is.
    pub tty: bool,
    /// Follow the terminal's size (TTY on a terminal).
    pub resize: Option<Resize>,
    /// End the copy on SIGINT, SIGTERM or SIGHUP (instead of being killed by them), so the
    /// terminal is restored; off when the caller forwards signals itself.
    pub catch_signals: bool,
}

/// Why the copy ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The process's output ended.
    Output,
    /// A signal arrived (see [`Wiring::catch_signals`]).
    Interrupted,
}

/// Reads stdin on a thread of its own, in large blocks, until end of input or an error.
fn stdin_reader() -> mpsc::Receiver<Bytes> {
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    let spawned = std::thread::Builder::new().name("berth-stdin".into()).spawn(move || {
        let mut stdin = std::io::stdin();
        let mut buf = vec![0u8; STDIN_BLOCK];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let chunk = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
                    if tx.blocking_send(chunk).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    });
    // Without the thread there is no input: the receiver sees the end at once.
    drop(spawned);
    rx
}

/// Writes one output frame where it belongs.
fn write_frame(stream: OutputStream, data: &[u8], tty: bool) -> std::io::Result<()> {
    if stream == OutputStream::Stderr && !tty {
        let mut err = std::io::stderr().lock();
        err.write_all(data)?;
        err.flush()
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(data)?;
        out.flush()
    }
}

/// Follows SIGWINCH, sending each new size.
async fn follow_size(resize: Resize) {
    let Ok(mut winch) = signal(SignalKind::window_change()) else {
        return std::future::pending().await;
    };
    while winch.recv().await.is_some() {
        if let Some((h, w)) = size() {
            resize(h, w).await;
        }
    }
    std::future::pending::<()>().await;
}

/// Waits for SIGINT, SIGTERM or SIGHUP (forever when they cannot be caught or are not asked
/// for).
async fn interrupted(catch: bool) {
    if !catch {
        return std::future::pending().await;
    }
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) =
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup()))
    else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}

/// Copies between the terminal and `io` until the process's output ends (or a caught signal
/// arrives). Input ending first closes the process's stdin and the copy goes on until the
/// output ends, as the docker CLI's streamer does.
pub async fn pump(io: AttachedIo, wiring: Wiring) -> std::io::Result<Ended> {
    let AttachedIo { mut output, mut input } = io;
    let tty = wiring.tty;
    let signals = interrupted(wiring.catch_signals);
    tokio::pin!(signals);
    if let Some(resize) = &wiring.resize {
        if let Some((h, w)) = size() {
            resize(h, w).await;
        }
    }
    let winch: BoxFuture<'static, ()> = match wiring.resize.clone() {
        Some(resize) => Box::pin(follow_size(resize)),
        None => Box::pin(std::future::pending()),
    };
    tokio::pin!(winch);

    let feed = async move {
        if wiring.stdin {
            let mut rx = stdin_reader();
            while let Some(chunk) = rx.recv().await {
                if input.write_all(&chunk).await.is_err() {
                    // The process's stdin is gone; its output tells the rest.
                    return std::future::pending().await;
                }
            }
        }
        let _ = input.flush().await;
        let _ = input.shutdown().await;
        // The writer lives on in this future: dropping it could close the whole connection.
        std::future::pending::<()>().await;
    };
    tokio::pin!(feed);

    loop {
        tokio::select! {
            frame = output.next() => match frame {
                None => return Ok(Ended::Output),
                Some(Ok(frame)) => {
                    if frame.stream != OutputStream::Stdin {
                        write_frame(frame.stream, &frame.data, tty)?;
                    }
                }
                Some(Err(e)) => return Err(std::io::Error::other(e.to_string())),
            },
            () = &mut feed => {}
            () = &mut winch => {}
            () = &mut signals => return Ok(Ended::Interrupted),
        }
    }
}
