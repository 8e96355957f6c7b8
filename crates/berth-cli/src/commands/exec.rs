//! `berth exec SERVICE COMMAND [ARGS...]`: runs a command in a running container of a
//! service, as `docker compose exec` (2.26.1) does.
//!
//! A TTY is allocated unless `-T`, which defaults to on when stdout is not a terminal (Docker
//! Compose's rule); with a TTY and stdin attached, stdin must be a terminal ("the input
//! device is not a TTY" otherwise). The command's exit code is berth's; `-d` returns at once.
//! Typing the detach keys (see [`crate::terminal`]) leaves the command running and ends berth
//! with `read escape sequence` (exit 1), as the reference does.

use std::sync::Arc;

use berth_core::ops::exec::{exec_target, exit_code, resolve_env, start_exec, status_byte, ExecRequest, ExecSession};
use clap::Args;

use super::{engine, listing};
use crate::cli::GlobalArgs;
use crate::display::progress::DRY_RUN_PREFIX;
use crate::terminal::{self, DetachFilter, Ended, RawMode, Wiring};

/// `exec [OPTIONS] SERVICE COMMAND [ARGS...]`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Detached mode: Run command in the background
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Set environment variables
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub index: i64,
    /// Give extended privileges to the process
    #[arg(long)]
    pub privileged: bool,
    /// Run the command as this user
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    /// Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY.
    #[arg(short = 'T', long = "no-TTY", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub no_tty: Option<bool>,
    /// Path to workdir directory for this command
    #[arg(short = 'w', long)]
    pub workdir: Option<String>,
    /// Keep STDIN open even if not attached
    #[arg(short = 'i', long, hide = true, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub interactive: Option<bool>,
    /// Allocate a pseudo-TTY
    #[arg(short = 't', long, hide = true, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub tty: Option<bool>,
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: String,
    /// The command and its arguments
    #[arg(value_name = "COMMAND", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// Runs `exec`.
pub fn run(global: &GlobalArgs, args: &ExecArgs) -> anyhow::Result<u8> {
    let name = listing::project_name(global)?.to_lowercase();
    let tty = !args.no_tty.unwrap_or_else(|| !terminal::stdout_is_terminal());
    let interactive = args.interactive.unwrap_or(true);
    // A bare `-e KEY` takes the value the shell or the project's `.env` gives it, as Compose's.
    let environment = berth_spec::discovery::command_environment(&super::project_options(global)?)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let env = resolve_env(&args.env, |key| environment.lookup(key));
    let request = ExecRequest {
        service: args.service.clone(),
        // A negative index picks no particular replica, as 0 does.
        index: u32::try_from(args.index).unwrap_or(0),
        command: args.command.clone(),
        env,
        user: args.user.clone(),
        workdir: args.workdir.clone(),
        privileged: args.privileged,
        tty,
        interactive,
        detach: args.detach,
        console_size: if tty { terminal::size() } else { None },
        detach_keys: terminal::configured_detach_keys(),
    };
    engine::block_on(run_exec(name, request, global.dry_run))?
}

async fn run_exec(project: String, request: ExecRequest, dry_run: bool) -> anyhow::Result<u8> {
    let engine = engine::connect().await?;
    let container = exec_target(engine.as_ref(), &project, &request.service, request.index).await?;
    if dry_run {
        // Docker Compose's dry-run client: a detached exec is only announced, an attached one
        // refused; nothing runs in the container.
        if !request.detach {
            anyhow::bail!("interactive exec is not supported in dry-run mode");
        }
        let command = request.command.iter().map(|w| berth_spec::template::go_quote(w)).collect::<Vec<_>>().join(" ");
        listing::print(&format!("{DRY_RUN_PREFIX}Executing command [{command}] in {} (detached mode)\n", container.id))?;
        return Ok(0);
    }
    let stdin_attached = request.interactive && !request.detach;
    if request.tty && stdin_attached && !terminal::stdin_is_terminal() {
        anyhow::bail!("the input device is not a TTY");
    }
    let mut raw = if request.tty && stdin_attached { Some(RawMode::enable()?) } else { None };
    let session = start_exec(engine.as_ref(), &container.id, &request).await?;
    let ExecSession::Attached { exec_id, io } = session else {
        return Ok(0);
    };
    let resize = (request.tty && terminal::stdin_is_terminal()).then(|| {
        let (engine, exec_id) = (Arc::clone(&engine), exec_id.clone());
        terminal::resizer(move |h, w| {
            let (engine, exec_id) = (Arc::clone(&engine), exec_id.clone());
            // The process may be gone already; a failed resize changes nothing.
            async move { drop(engine.resize_exec(&exec_id, h, w).await) }
        })
    });
    let detach = (request.tty && stdin_attached).then(|| DetachFilter::from_config(request.detach_keys.as_deref()));
    let wiring = Wiring { stdin: stdin_attached, tty: request.tty, resize, catch_signals: true, detach };
    let ended = terminal::pump(io, wiring).await;
    if let Some(raw) = raw.as_mut() {
        raw.restore();
    }
    match ended? {
        Ended::Interrupted => return Ok(engine::INTERRUPTED),
        // The command goes on running; the docker CLI's exec ends with this error.
        Ended::Detached => anyhow::bail!("read escape sequence"),
        Ended::Output => {}
    }
    Ok(status_byte(exit_code(engine.as_ref(), &exec_id).await?))
}
