//! `berth attach SERVICE`: connects the terminal to a service's running container, as
//! `docker attach` does (Docker Compose runs the docker CLI's attach): output copied as it
//! comes, stdin sent when the container keeps it open (`stdin_open`) unless `--no-stdin`, the
//! terminal in raw mode and the container's TTY resized with it when the container has a TTY,
//! detach keys (`ctrl-p,ctrl-q` unless `--detach-keys`) ending with `read escape sequence`
//! (exit 1), and otherwise the container's exit code once it stops.
//!
//! With `--sig-proxy` (the default) and no TTY, the signals berth receives are sent to the
//! container, as `docker attach` does; Compose 2.26 cancels itself on Ctrl-C instead (see
//! docs/drop-in.md). Without proxying, Ctrl-C ends berth with `canceled` and 130.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use berth_core::query;
use berth_engine::{AttachOptions, ContainerStatus, Engine, OutputStream, WaitCondition};
use clap::{ArgAction, Args};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::signal::unix::{signal, SignalKind};

use super::{engine, listing};
use crate::cli::GlobalArgs;
use crate::terminal;

/// `attach [OPTIONS] SERVICE`.
#[derive(Debug, Args)]
pub struct AttachArgs {
    /// The service to attach to
    #[arg(value_name = "SERVICE", required = true)]
    pub service: Vec<String>,
    /// index of the container if service has multiple replicas.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub index: i64,
    /// Override the key sequence for detaching from a container.
    #[arg(long)]
    pub detach_keys: Option<String>,
    /// Do not attach STDIN
    #[arg(long)]
    pub no_stdin: bool,
    /// Proxy all received signals to the process
    #[arg(long, default_value_t = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", action = ArgAction::Set)]
    pub sig_proxy: bool,
}

/// The signals `--sig-proxy` forwards (those a terminal user sends; SIGWINCH resizes instead).
pub(crate) const PROXIED: [(SignalKind, &str); 6] = [
    (SignalKind::interrupt(), "SIGINT"),
    (SignalKind::terminate(), "SIGTERM"),
    (SignalKind::hangup(), "SIGHUP"),
    (SignalKind::quit(), "SIGQUIT"),
    (SignalKind::user_defined1(), "SIGUSR1"),
    (SignalKind::user_defined2(), "SIGUSR2"),
];

/// Runs `attach`.
pub fn run(global: &GlobalArgs, args: &AttachArgs) -> anyhow::Result<u8> {
    let name = listing::project_name(global)?;
    let service = args.service.first().cloned().unwrap_or_default();
    let index = u32::try_from(args.index).unwrap_or(0);
    let detach_keys = args.detach_keys.clone().filter(|k| !k.is_empty());
    let sequence = terminal::detach_sequence(detach_keys.as_deref().unwrap_or(terminal::DEFAULT_DETACH_KEYS))?;
    engine::block_on(async {
        let engine = engine::connect().await?;
        let container = query::specified_container(engine.as_ref(), &name, &service, index).await?;
        let details = engine.inspect_container(&container.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        match details.state.status {
            ContainerStatus::Paused => anyhow::bail!("You cannot attach to a paused container, unpause it first"),
            ContainerStatus::Restarting => {
                anyhow::bail!("You cannot attach to a restarting container, wait until it is running")
            }
            ContainerStatus::Running => {}
            _ => anyhow::bail!("You cannot attach to a stopped container, start it first"),
        }
        if global.dry_run {
            anyhow::bail!("interactive run is not supported in dry-run mode");
        }
        let tty = details.config.tty;
        let stdin_is_terminal = terminal::stdin_is_terminal();
        if tty && !args.no_stdin && !stdin_is_terminal {
            anyhow::bail!("the input device is not a TTY");
        }
        let with_stdin = !args.no_stdin && details.config.open_stdin;
        let session = Session {
            engine,
            id: details.id.clone(),
            tty,
            with_stdin,
            raw: tty && with_stdin && stdin_is_terminal,
            proxy: args.sig_proxy && !tty,
            detach_keys,
            sequence,
        };
        session.run().await
    })?
}

struct Session {
    engine: Arc<dyn Engine>,
    id: String,
    tty: bool,
    with_stdin: bool,
    raw: bool,
    proxy: bool,
    detach_keys: Option<String>,
    sequence: Vec<u8>,
}

impl Session {
    async fn run(self) -> anyhow::Result<u8> {
        let options = AttachOptions {
            stdin: self.with_stdin,
            stdout: true,
            stderr: true,
            logs: false,
            stream: true,
            detach_keys: self.detach_keys.clone(),
        };
        let io = self.engine.attach_container(&self.id, &options).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let raw = if self.raw { Some(terminal::RawMode::enable()?) } else { None };
        if self.tty && terminal::stdout_is_terminal() {
            self.resize().await;
        }
        let detached = Arc::new(AtomicBool::new(false));
        let typed_detach = Arc::new(tokio::sync::Notify::new());
        // With a TTY the detach keys are caught here, as the docker CLI catches them, instead
        // of by the engine: Podman 4.3 sees them only when each key arrives in a read of its
        // own, so keys typed (or pasted) together never detached there. Without a TTY the
        // engine watches for them, as with `docker attach`.
        let catch_keys = self.tty;
        let input = self.with_stdin.then(|| {
            let mut writer = io.input;
            let mut watch = terminal::DetachFilter::new(self.sequence.clone());
            let detached = Arc::clone(&detached);
            let typed_detach = Arc::clone(&typed_detach);
            tokio::spawn(async move {
                let mut stdin = tokio::io::stdin();
                let mut buf = vec![0u8; 4096];
                loop {
                    let n = match stdin.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let data = buf.get(..n).unwrap_or_default();
                    if catch_keys {
                        let (forward, done) = watch.filter(data);
                        if writer.write_all(&forward).await.is_err() || writer.flush().await.is_err() {
                            break;
                        }
                        if done {
                            detached.store(true, Ordering::SeqCst);
                            typed_detach.notify_one();
                            return;
                        }
                        continue;
                    }
                    if watch.filter(data).1 {
                        detached.store(true, Ordering::SeqCst);
                    }
                    if writer.write_all(data).await.is_err() || writer.flush().await.is_err() {
                        break;
                    }
                }
                // The container's stdin stays open unless it was started with `stdin_once`.
                let _ = writer.shutdown().await;
            })
        });
        let output = async {
            let mut frames = io.output;
            let mut out = std::io::stdout();
            let mut err = std::io::stderr();
            while let Some(Ok(frame)) = frames.next().await {
                let written = match frame.stream {
                    OutputStream::Stderr => err.write_all(&frame.data).and_then(|()| err.flush()),
                    _ => out.write_all(&frame.data).and_then(|()| out.flush()),
                };
                if written.is_err() {
                    break;
                }
            }
        };
        let output = async {
            tokio::select! {
                () = output => {}
                () = typed_detach.notified() => {}
            }
        };
        let ended = self.pump(output).await;
        if let Some(task) = input {
            task.abort();
        }
        drop(raw);
        if !ended {
            eprintln!("canceled");
            return Ok(engine::INTERRUPTED);
        }
        if detached.load(Ordering::SeqCst) {
            anyhow::bail!("read escape sequence");
        }
        let result = self.engine.wait_container(&self.id, WaitCondition::NotRunning).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        if let Some(error) = result.error {
            anyhow::bail!("{error}");
        }
        Ok(u8::try_from(result.status_code.rem_euclid(256)).unwrap_or(1))
    }

    /// Runs `output` to its end while resizing and proxying signals; `false` when interrupted.
    async fn pump(&self, output: impl std::future::Future<Output = ()>) -> bool {
        tokio::pin!(output);
        let mut winch = signal(SignalKind::window_change()).ok();
        let mut signals: Vec<(tokio::signal::unix::Signal, &str)> =
            PROXIED.iter().filter_map(|(kind, name)| signal(*kind).ok().map(|s| (s, *name))).collect();
        loop {
            let next_signal = async {
                if signals.is_empty() {
                    return std::future::pending().await;
                }
                let waits = signals.iter_mut().map(|(s, name)| {
                    let name = *name;
                    Box::pin(async move {
                        s.recv().await;
                        name
                    })
                });
                futures::future::select_all(waits).await.0
            };
            tokio::select! {
                () = &mut output => return true,
                name = next_signal => {
                    if !self.proxy {
                        return false;
                    }
                    let _ = self.engine.kill_container(&self.id, Some(name)).await;
                }
                Some(()) = async { match winch.as_mut() { Some(w) => w.recv().await, None => std::future::pending().await } } => {
                    if self.tty && terminal::stdout_is_terminal() {
                        self.resize().await;
                    }
                }
            }
        }
    }

    async fn resize(&self) {
        if let Some((h, w)) = terminal::size() {
            let _ = self.engine.resize_container_tty(&self.id, h, w).await;
        }
    }
}
