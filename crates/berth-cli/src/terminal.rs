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
//! - With a TTY and stdin attached, typed input is watched for the detach keys (`detachKeys`
//!   of the docker CLI's `config.json`, else ctrl-p ctrl-q), as the docker CLI's escape proxy
//!   does: the keys are not sent, and [`pump`] returns [`Ended::Detached`] while the process
//!   goes on running.

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
    /// Watch stdin for this detach sequence (see [`DetachFilter`]); the docker CLI does it
    /// when the process has a TTY and stdin is attached.
    pub detach: Option<DetachFilter>,
}

/// Why the copy ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The process's output ended.
    Output,
    /// A signal arrived (see [`Wiring::catch_signals`]).
    Interrupted,
    /// The detach keys were typed (see [`Wiring::detach`]); the process goes on.
    Detached,
}

/// The docker CLI's detach keys when neither `--detach-keys` nor its `config.json` names
/// any: ctrl-p, ctrl-q.
pub const DEFAULT_DETACH_KEYS: &str = "ctrl-p,ctrl-q";

/// The bytes of a detach key list (`ctrl-p,ctrl-q`, `a,ctrl-@`), as the docker CLI reads it.
pub fn detach_sequence(keys: &str) -> anyhow::Result<Vec<u8>> {
    keys.split(',')
        .map(|key| {
            let key = key.trim();
            let control = key.strip_prefix("ctrl-");
            let byte = match (control, key.len()) {
                (Some(c), _) if c.len() == 1 => match c.as_bytes().first().copied() {
                    Some(b @ b'a'..=b'z') => Some(b - b'a' + 1),
                    Some(b'@') => Some(0),
                    Some(b @ b'['..=b'_') => Some(b - b'[' + 27),
                    _ => None,
                },
                (None, 1) => key.as_bytes().first().copied(),
                _ => None,
            };
            byte.ok_or_else(|| anyhow::anyhow!("Unknown character: '{key}'"))
        })
        .collect()
}

/// `detachKeys` of the docker CLI's `config.json` (`$DOCKER_CONFIG`, else `~/.docker`), if set.
/// The docker CLI sends it to the engine with each exec and attach, and watches for it.
pub fn configured_detach_keys() -> Option<String> {
    crate::commands::engine::docker_cli_config()?
        .get("detachKeys")
        .and_then(serde_json::Value::as_str)
        .filter(|keys| !keys.is_empty())
        .map(str::to_owned)
}

/// Watches typed input for a detach sequence, as the docker CLI's escape proxy (moby/term)
/// does: bytes that may start the sequence are held back; when the sequence is complete,
/// neither it nor anything typed after it is sent; when it breaks off, the held bytes are
/// sent after all (the breaking byte is not taken as a new start, as there).
#[derive(Debug, Clone, Default)]
pub struct DetachFilter {
    keys: Vec<u8>,
    matched: usize,
}

impl DetachFilter {
    /// The filter for the configured keys (see [`configured_detach_keys`]). Keys the docker
    /// CLI cannot read are warned about and replaced by the default, as it does.
    pub fn from_config(configured: Option<&str>) -> Self {
        let keys = configured.map_or_else(
            || detach_sequence(DEFAULT_DETACH_KEYS),
            |keys| {
                detach_sequence(keys).or_else(|e| {
                    eprintln!("WARN[0000] invalid detach escape keys, using default: {e}");
                    detach_sequence(DEFAULT_DETACH_KEYS)
                })
            },
        );
        Self::new(keys.unwrap_or_default())
    }

    /// The filter for a sequence already read (see [`detach_sequence`]).
    pub fn new(keys: Vec<u8>) -> Self {
        Self { keys, matched: 0 }
    }

    /// The part of `data` to send on, and whether the sequence is now complete.
    pub fn filter(&mut self, data: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(data.len());
        for &byte in data {
            if self.keys.get(self.matched) == Some(&byte) {
                self.matched += 1;
                if self.matched == self.keys.len() {
                    self.matched = 0;
                    return (out, true);
                }
                continue;
            }
            out.extend_from_slice(self.keys.get(..self.matched).unwrap_or_default());
            self.matched = 0;
            out.push(byte);
        }
        (out, false)
    }
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

    let mut detach = wiring.detach;
    let feed = async move {
        if wiring.stdin {
            let mut rx = stdin_reader();
            while let Some(chunk) = rx.recv().await {
                let (chunk, detached) = match detach.as_mut() {
                    Some(filter) => {
                        let (kept, detached) = filter.filter(&chunk);
                        (Bytes::from(kept), detached)
                    }
                    None => (chunk, false),
                };
                if input.write_all(&chunk).await.is_err() {
                    // The process's stdin is gone; its output tells the rest.
                    return std::future::pending().await;
                }
                if detached {
                    let _ = input.flush().await;
                    // The writer is dropped with this future once the caller returns.
                    return;
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
            () = &mut feed => return Ok(Ended::Detached),
            () = &mut winch => {}
            () = &mut signals => return Ok(Ended::Interrupted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(keys: &str) -> DetachFilter {
        DetachFilter::from_config(Some(keys))
    }

    #[test]
    fn detach_keys_as_bytes() {
        assert_eq!(detach_sequence("ctrl-p,ctrl-q").unwrap(), [16, 17]);
        assert_eq!(detach_sequence("a,ctrl-@,ctrl-[,ctrl-_").unwrap(), [b'a', 0, 27, 31]);
        assert!(detach_sequence("ctrl-1").is_err());
        assert!(detach_sequence("ab").is_err());
    }

    #[test]
    fn a_sequence_is_found_across_reads() {
        let mut f = DetachFilter::new(vec![16, 17]);
        assert_eq!(f.filter(b"ls\r\x10"), (b"ls\r".to_vec(), false));
        assert_eq!(f.filter(b"\x11"), (Vec::new(), true));
    }

    #[test]
    fn the_detach_keys_end_the_input_and_are_not_sent() {
        let mut f = DetachFilter::from_config(None);
        assert_eq!(f.filter(b"ls\r"), (b"ls\r".to_vec(), false));
        assert_eq!(f.filter(b"ab\x10\x11cd"), (b"ab".to_vec(), true), "nothing after the keys is sent");
        // Typed one at a time, the first key is held until the second decides.
        let mut f = DetachFilter::from_config(None);
        assert_eq!(f.filter(b"\x10"), (Vec::new(), false));
        assert_eq!(f.filter(b"\x11"), (Vec::new(), true));
    }

    #[test]
    fn a_broken_sequence_is_sent_after_all() {
        let mut f = DetachFilter::from_config(None);
        assert_eq!(f.filter(b"\x10"), (Vec::new(), false));
        assert_eq!(f.filter(b"x"), (b"\x10x".to_vec(), false));
        // As moby/term's proxy: the byte that breaks a sequence does not start a new one.
        let mut f = DetachFilter::from_config(None);
        assert_eq!(f.filter(b"\x10\x10\x11"), (b"\x10\x10\x11".to_vec(), false));
    }

    #[test]
    fn configured_keys_and_a_bad_configuration() {
        let mut f = filter("ctrl-x,a");
        assert_eq!(f.filter(b"\x10\x11"), (b"\x10\x11".to_vec(), false));
        assert_eq!(f.filter(b"\x18a"), (Vec::new(), true));
        let mut f = filter("ctrl-1");
        assert_eq!(f.filter(b"\x10\x11"), (Vec::new(), true), "the default replaces keys that cannot be read");
    }
}
