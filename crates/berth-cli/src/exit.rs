//! Exit codes, as Docker Compose uses them, and how errors are shown.

use berth_spec::ErrorKind;

/// A compose file or an env file was not found.
pub const FILE_NOT_FOUND: u8 = 14;
/// A compose file could not be parsed or is invalid.
pub const PARSE_FAILURE: u8 = 15;
/// The command line is wrong (unknown flag or command).
pub const USAGE: u8 = 16;
/// Any other failure.
pub const FAILURE: u8 = 1;

/// The exit code for an error, and the text to print on stderr.
pub fn describe(err: &anyhow::Error) -> (u8, String) {
    if let Some(spec) = err.downcast_ref::<berth_spec::Error>() {
        let code = match spec.kind {
            // Compose files every error that carries a path (Go's *fs.PathError: not found,
            // permission denied, is a directory) as "file not found".
            ErrorKind::NotFound | ErrorKind::Io => FILE_NOT_FOUND,
            ErrorKind::Invalid | ErrorKind::Unsupported => PARSE_FAILURE,
            ErrorKind::Selection => FAILURE,
        };
        return (code, spec.render());
    }
    if let Some(coded) = err.downcast_ref::<CodedError>() {
        return (coded.code, coded.message.clone());
    }
    if let Some(PreRunError(spec)) = err.downcast_ref::<PreRunError>() {
        return (FAILURE, spec.render());
    }
    if let Some(usage) = err.downcast_ref::<UsageError>() {
        return (USAGE, usage.0.clone());
    }
    (FAILURE, format!("{err:#}"))
}

/// A command-line mistake found after parsing (conflicting flags, bad values).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A failure with an exit code of its own (18 for a failed pull, as in Docker Compose).
#[derive(Debug)]
pub struct CodedError {
    /// The exit code.
    pub code: u8,
    /// What to print.
    pub message: String,
}

impl std::fmt::Display for CodedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CodedError {}

/// A problem with the global options found before the command runs (an invalid `-p`, a
/// missing `--env-file`). Docker Compose checks these for every command and, because the
/// check runs outside the command, exits with 1 rather than a loading error's 14 or 15.
#[derive(Debug)]
pub struct PreRunError(pub berth_spec::Error);

impl std::fmt::Display for PreRunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for PreRunError {}
