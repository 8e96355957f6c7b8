//! `exec`: runs a command in a running container of a service, as Docker Compose 2.26.1 does
//! (`pkg/compose/exec.go` handing over to the docker CLI's `RunExec`).
//!
//! The container is the running one of the service numbered `--index` (the lowest number when
//! 0), one-off containers included. [`start_exec`] creates the exec instance and starts it,
//! returning its streams; moving bytes between them and the terminal is the caller's job (the
//! CLI), and [`exit_code`] reads the command's exit status once its output has ended. The
//! engine reports 126 for a command that cannot be executed and 127 for one not found, with
//! the runtime's message on the output stream, exactly as `docker exec` shows them.

use std::time::Duration;

use berth_engine::{AttachedIo, ContainerSummary, Engine, EngineError, ExecConfig, ExecStartOptions, ExecStarted};

use crate::query::{specified_container, QueryError};

/// What to run, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecRequest {
    /// The service whose container runs the command.
    pub service: String,
    /// `--index`: the container number (0: the lowest-numbered running one).
    pub index: u32,
    /// The command and its arguments.
    pub command: Vec<String>,
    /// `-e`: `KEY=value` entries, already resolved (see [`resolve_env`]).
    pub env: Vec<String>,
    /// `-u/--user`.
    pub user: Option<String>,
    /// `-w/--workdir`.
    pub workdir: Option<String>,
    /// `--privileged`.
    pub privileged: bool,
    /// Allocate a TTY (unless `-T`).
    pub tty: bool,
    /// Attach stdin (Docker Compose always does, unless detached).
    pub interactive: bool,
    /// `-d/--detach`: start the command and return.
    pub detach: bool,
    /// The terminal's size `(height, width)`, applied as the exec starts (TTY only).
    pub console_size: Option<(u16, u16)>,
    /// The detach keys to tell the engine (the docker CLI sends its configured ones).
    pub detach_keys: Option<String>,
}

/// A started exec.
#[derive(Debug)]
pub enum ExecSession {
    /// `-d`: the command runs in the background.
    Detached,
    /// The command runs with its streams attached.
    Attached {
        /// The exec instance (for resizing and its exit code).
        exec_id: String,
        /// Its output and its stdin.
        io: AttachedIo,
    },
}

/// `-e` entries as Docker Compose resolves them: `KEY=value` as given, a bare `KEY` takes its
/// value from `lookup` (the project's environment) and stays bare when it has none.
pub fn resolve_env(entries: &[String], lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
    entries
        .iter()
        .map(|entry| {
            if entry.contains('=') {
                entry.clone()
            } else {
                lookup(entry).map_or_else(|| entry.clone(), |value| format!("{entry}={value}"))
            }
        })
        .collect()
}

/// The exec's configuration: output always attached unless detached, stdin when interactive.
pub fn exec_config(request: &ExecRequest) -> ExecConfig {
    let attached = !request.detach;
    ExecConfig {
        cmd: request.command.clone(),
        env: request.env.clone(),
        user: request.user.clone().filter(|u| !u.is_empty()),
        working_dir: request.workdir.clone().filter(|w| !w.is_empty()),
        privileged: request.privileged,
        tty: request.tty,
        attach_stdin: attached && request.interactive,
        attach_stdout: attached,
        attach_stderr: attached,
        detach_keys: request.detach_keys.clone(),
    }
}

/// The container `exec` runs in: the service's running container numbered `index` (the
/// lowest-numbered one when 0). Fails with Docker Compose's `service "web" is not running`
/// (or `... is not running container #2`) when there is none.
pub async fn exec_target(engine: &dyn Engine, project_name: &str, service: &str, index: u32) -> Result<ContainerSummary, QueryError> {
    specified_container(engine, project_name, service, index).await
}

/// Creates the exec in `container` and starts it.
pub async fn start_exec(engine: &dyn Engine, container: &str, request: &ExecRequest) -> Result<ExecSession, QueryError> {
    let exec_id = engine.create_exec(container, &exec_config(request)).await.map_err(daemon_error)?;
    let options = ExecStartOptions {
        detach: request.detach,
        tty: request.tty,
        console_size: request.console_size.filter(|_| request.tty),
    };
    match engine.start_exec(&exec_id, &options).await.map_err(daemon_error)? {
        ExecStarted::Detached => Ok(ExecSession::Detached),
        ExecStarted::Attached(io) => Ok(ExecSession::Attached { exec_id, io }),
    }
}

/// An engine's refusal worded as the docker CLI words it ("Error response from daemon: ...",
/// e.g. Podman's refusal of a bare `-e KEY`); other failures as they are.
fn daemon_error(error: EngineError) -> QueryError {
    match error {
        EngineError::NotFound { message, .. } | EngineError::Conflict { message } | EngineError::Api { message, .. } => {
            QueryError::Failed(format!("Error response from daemon: {message}"))
        }
        other => QueryError::Engine(other),
    }
}

/// The exit code of a finished exec. Its output ends when the process does, but the engine
/// may record the exit a moment later: a still-running exec is inspected again a few times
/// before the code is taken as unknown (-1, as the docker CLI reports a lost daemon).
pub async fn exit_code(engine: &dyn Engine, exec_id: &str) -> Result<i64, QueryError> {
    for _ in 0..100 {
        let details = engine.inspect_exec(exec_id).await?;
        if !details.running {
            return Ok(details.exit_code.unwrap_or(-1));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(-1)
}

/// A process exit status as a shell sees it: the low 8 bits (-1 is 255).
pub fn status_byte(code: i64) -> u8 {
    u8::try_from(code.rem_euclid(256)).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_env_keys_take_the_project_value_or_stay_bare() {
        let entries = ["A=1".to_owned(), "HOME".to_owned(), "MISSING".to_owned(), "B=".to_owned()];
        let lookup = |k: &str| (k == "HOME").then(|| "/root".to_owned());
        assert_eq!(resolve_env(&entries, lookup), ["A=1", "HOME=/root", "MISSING", "B="]);
    }

    #[test]
    fn detached_exec_attaches_nothing() {
        let request = ExecRequest { detach: true, interactive: true, tty: true, ..ExecRequest::default() };
        let config = exec_config(&request);
        assert!(!config.attach_stdin && !config.attach_stdout && !config.attach_stderr);
        assert!(config.tty);
    }

    #[test]
    fn attached_exec_takes_stdin_only_when_interactive() {
        let request = ExecRequest { user: Some(String::new()), workdir: Some("/tmp".into()), ..ExecRequest::default() };
        let config = exec_config(&request);
        assert!(!config.attach_stdin && config.attach_stdout && config.attach_stderr);
        assert_eq!(config.user, None);
        assert_eq!(config.working_dir.as_deref(), Some("/tmp"));
        let config = exec_config(&ExecRequest { interactive: true, ..request });
        assert!(config.attach_stdin);
    }

    #[test]
    fn exit_statuses_wrap_like_a_shell() {
        assert_eq!(status_byte(0), 0);
        assert_eq!(status_byte(127), 127);
        assert_eq!(status_byte(-1), 255);
        assert_eq!(status_byte(256 + 3), 3);
    }
}
