//! Which files, which directory, which project name and which environment: everything
//! Docker Compose decides before it reads a line of YAML.
//!
//! The order of decisions follows Docker Compose 2.26:
//! 1. The `.env` files (`--env-file`, else `COMPOSE_ENV_FILES`, else `<dir>/.env` unless
//!    `COMPOSE_DISABLE_ENV_FILE`) are read once with the shell environment only and their
//!    variables are added under it (the shell wins). That is how `COMPOSE_FILE`,
//!    `COMPOSE_PROJECT_NAME` or `COMPOSE_PROFILES` written in `.env` take effect.
//! 2. The compose files are then found again with that environment: `-f` (repeatable,
//!    `-` for stdin), else `COMPOSE_FILE` split by `COMPOSE_PATH_SEPARATOR`, else the first of
//!    `compose.yaml`, `compose.yml`, `docker-compose.yml`, `docker-compose.yaml` in the
//!    working directory or its parents, with the matching `.override` file.
//! 3. The project name comes from `-p`, then `COMPOSE_PROJECT_NAME`, then the last `name:`
//!    of the files (interpolated), then the project directory's base name, normalised.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::loader::normalize_project_name;

/// File names Docker Compose looks for, in order of preference.
pub const DEFAULT_FILE_NAMES: [&str; 4] =
    ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

/// Override file names, in order of preference.
pub const DEFAULT_OVERRIDE_FILE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// What the user said on the command line (and the process context), before any decision.
#[derive(Debug, Clone, Default)]
pub struct ProjectOptions {
    /// `-p/--project-name`.
    pub name: Option<String>,
    /// `-f/--file`, in order; `-` is stdin.
    pub files: Vec<String>,
    /// `--project-directory`.
    pub project_directory: Option<PathBuf>,
    /// `--env-file`, in order.
    pub env_files: Vec<String>,
    /// `--profile`, in order.
    pub profiles: Vec<String>,
    /// `--compatibility`: Docker Compose v1 names (see [`crate::model::Project::compatibility`]).
    pub compatibility: bool,
    /// The process environment (injected so tests need not touch the real one).
    pub env: Environment,
    /// The current directory.
    pub cwd: PathBuf,
    /// Content to use for `-f -` instead of reading the process's stdin (tests, fuzzing).
    pub stdin: Option<String>,
}

impl ProjectOptions {
    /// Options from the real process: its environment and current directory.
    pub fn from_process() -> Result<Self> {
        let cwd = std::env::current_dir()
            .map_err(|e| Error::io(format!("cannot read the current directory: {e}")))?;
        Ok(ProjectOptions { env: Environment::from_process(), cwd, ..Default::default() })
    }
}

/// One compose file to load: its absolute path (or `-`) and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredFile {
    pub name: String,
    pub content: std::sync::Arc<str>,
}

/// Everything decided before loading.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The compose files, in merge order.
    pub files: Vec<DiscoveredFile>,
    /// The project directory: relative paths in the files resolve against it.
    pub working_dir: PathBuf,
    /// The environment interpolation sees: the shell, then the `.env` files.
    pub environment: Environment,
    /// The `.env` files that were read, absolute.
    pub env_files: Vec<PathBuf>,
    /// The project name when it is set imperatively (`-p` or `COMPOSE_PROJECT_NAME`), already
    /// validated; otherwise the name is decided from the files (see [`project_name_from_files`]).
    pub imperative_name: Option<String>,
    /// The directory-based fallback name (normalised), used when no file sets `name:`.
    pub directory_name: String,
    /// Enabled profiles (`--profile`, else `COMPOSE_PROFILES`).
    pub profiles: Vec<String>,
    /// Warnings to show the user (several candidate files, ...).
    pub warnings: Vec<String>,
}

/// The error for a project name given imperatively that is not already normalised.
pub fn invalid_project_name(name: &str) -> Error {
    Error::invalid(format!(
        "invalid project name {name:?}: must consist only of lowercase alphanumeric characters, \
         hyphens, and underscores as well as start with a letter or number"
    ))
}

/// What Docker Compose checks before any command runs, whatever the command (even `ls`): an
/// imperative project name must already be normalised, and the `.env` files must exist and
/// parse. Compose reports these as plain failures (exit code 1), not as loading errors.
pub fn check_global_options(opts: &ProjectOptions) -> Result<()> {
    check_imperative_name(opts)?;
    let environment = command_environment(opts)?;
    if opts.files.is_empty() && environment.get("COMPOSE_FILE").is_some_and(|f| !f.is_empty()) {
        locate_files(opts, &environment, &mut Vec::new())?;
    }
    Ok(())
}

/// The environment a command sees without loading the project (Docker Compose's
/// `ProjectOptions.Environment`): the shell's, then what the `.env` files (`--env-file`,
/// `COMPOSE_ENV_FILES`, else the project directory's `.env`) add. No compose file is needed;
/// without one the `.env` is looked for in the current directory. `exec -e KEY` takes its
/// values from here.
pub fn command_environment(opts: &ProjectOptions) -> Result<Environment> {
    let env_files_arg = env_files_argument(opts);
    // A missing compose file is the command's business (exit 14 when it loads the project).
    let files = locate_files(opts, &opts.env, &mut Vec::new()).unwrap_or_default();
    let dir = working_dir(opts, &files);
    let env_files = env_file_paths(opts, &env_files_arg, &dir, &opts.env)?;
    let mut environment = opts.env.clone();
    for (k, v) in read_env_files(&env_files, &opts.env)?.iter() {
        environment.insert_if_absent(k.clone(), v.clone());
    }
    Ok(environment)
}

/// `-p` must already be a normalised name.
fn check_imperative_name(opts: &ProjectOptions) -> Result<()> {
    match &opts.name {
        Some(name) if normalize_project_name(name) != *name => Err(invalid_project_name(name)),
        _ => Ok(()),
    }
}

/// The `.env` files asked for: `--env-file`, else `COMPOSE_ENV_FILES` (comma-separated).
fn env_files_argument(opts: &ProjectOptions) -> Vec<String> {
    if !opts.env_files.is_empty() {
        return opts.env_files.clone();
    }
    match opts.env.get("COMPOSE_ENV_FILES").filter(|v| !v.is_empty()) {
        Some(list) => list.split(',').map(str::to_owned).collect(),
        None => Vec::new(),
    }
}

/// Runs discovery: files, directory, environment, name and profiles.
pub fn discover(opts: &ProjectOptions) -> Result<Discovery> {
    check_imperative_name(opts)?;
    // Pass 1: the .env files, located with the shell environment only.
    let env_files_arg = env_files_argument(opts);
    let mut warnings = Vec::new();
    let first_pass = locate_files(opts, &opts.env, &mut Vec::new())?;
    let first_dir = working_dir(opts, &first_pass);
    let env_files = env_file_paths(opts, &env_files_arg, &first_dir, &opts.env)?;
    let mut environment = opts.env.clone();
    let dotenv = read_env_files(&env_files, &opts.env)?;
    for (k, v) in dotenv.iter() {
        environment.insert_if_absent(k.clone(), v.clone());
    }

    // Pass 2: the files again, now that `.env` may have set COMPOSE_FILE.
    let paths = locate_files(opts, &environment, &mut warnings)?;
    if paths.is_empty() {
        return Err(Error::not_found(
            "no configuration file provided: not found",
        )
        .with_hint(format!(
            "berth looks for {} in the current directory and its parents; use -f to name a file",
            DEFAULT_FILE_NAMES.join(", ")
        )));
    }
    let working_dir = working_dir(opts, &paths);
    let mut files = Vec::with_capacity(paths.len());
    for p in &paths {
        files.push(read_compose_file(p, opts)?);
    }

    let imperative_name = match &opts.name {
        Some(n) => Some(n.clone()),
        None => match environment.get("COMPOSE_PROJECT_NAME").filter(|v| !v.is_empty()) {
            Some(n) if normalize_project_name(n) != n => return Err(invalid_project_name(n)),
            Some(n) => Some(n.to_owned()),
            None => None,
        },
    };
    let base = working_dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let directory_name = normalize_project_name(&base);

    let profiles = if opts.profiles.is_empty() {
        environment
            .get("COMPOSE_PROFILES")
            .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    } else {
        opts.profiles.clone()
    };

    Ok(Discovery {
        files,
        working_dir,
        environment,
        env_files,
        imperative_name,
        directory_name,
        profiles,
        warnings,
    })
}

/// Makes `p` absolute against `base` and removes `.` and `..` lexically, as Go's
/// `filepath.Abs` does (no symlink resolution).
pub fn absolute(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() { p.to_path_buf() } else { base.join(p) };
    let mut out = PathBuf::new();
    for comp in joined.components() {
        match comp {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The compose file paths (absolute, or `-`), from `-f`, `COMPOSE_FILE` or the search.
fn locate_files(
    opts: &ProjectOptions,
    env: &Environment,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>> {
    let explicit: Vec<String> = if opts.files.is_empty() {
        match env.get("COMPOSE_FILE") {
            Some(list) => {
                let sep = env.get("COMPOSE_PATH_SEPARATOR").filter(|s| !s.is_empty()).unwrap_or(":");
                list.split(sep).map(str::to_owned).collect()
            }
            None => Vec::new(),
        }
    } else {
        opts.files.clone()
    };
    if !explicit.is_empty() {
        let mut out = Vec::with_capacity(explicit.len());
        for f in explicit {
            if f == "-" {
                out.push(f);
                continue;
            }
            let abs = absolute(&opts.cwd, Path::new(&f));
            if let Err(e) = std::fs::metadata(&abs) {
                // Compose stats COMPOSE_FILE's entries while it reads its options, but only
                // opens `-f` files when it loads them: the messages differ accordingly.
                let verb = if opts.files.is_empty() { "stat" } else { "open" };
                return Err(Error::not_found(format!("{verb} {}: {}", abs.display(), io_reason(&e))));
            }
            out.push(abs.to_string_lossy().into_owned());
        }
        return Ok(out);
    }
    // Search the project directory (or the current one) and its parents.
    let mut dir = match &opts.project_directory {
        Some(d) => absolute(&opts.cwd, d),
        None => opts.cwd.clone(),
    };
    loop {
        let found = existing(&dir, &DEFAULT_FILE_NAMES);
        if let Some(winner) = found.first() {
            let mut out = vec![winner.clone()];
            if found.len() > 1 {
                warnings.push(format!(
                    "Found multiple config files with supported names: {}",
                    found.join(", ")
                ));
                warnings.push(format!("Using {winner}"));
            }
            let overrides = existing(&dir, &DEFAULT_OVERRIDE_FILE_NAMES);
            if let Some(o) = overrides.first() {
                if overrides.len() > 1 {
                    warnings.push(format!(
                        "Found multiple override files with supported names: {}",
                        overrides.join(", ")
                    ));
                    warnings.push(format!("Using {o}"));
                }
                out.push(o.clone());
            }
            return Ok(out);
        }
        if !dir.pop() {
            return Ok(Vec::new());
        }
    }
}

fn existing(dir: &Path, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.exists())
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

/// `--project-directory`, else the directory of the first file that is not stdin, else cwd.
fn working_dir(opts: &ProjectOptions, files: &[String]) -> PathBuf {
    if let Some(d) = &opts.project_directory {
        return absolute(&opts.cwd, d);
    }
    files
        .iter()
        .find(|f| f.as_str() != "-")
        .and_then(|f| Path::new(f).parent().map(Path::to_path_buf))
        .unwrap_or_else(|| opts.cwd.clone())
}

/// The `.env` files to read: the explicit ones (which must exist), else the default one.
fn env_file_paths(
    opts: &ProjectOptions,
    explicit: &[String],
    working_dir: &Path,
    env: &Environment,
) -> Result<Vec<PathBuf>> {
    if !explicit.is_empty() {
        return Ok(explicit.iter().map(|f| absolute(&opts.cwd, Path::new(f))).collect());
    }
    if let Some(v) = env.get("COMPOSE_DISABLE_ENV_FILE") {
        match parse_go_bool(v) {
            Some(true) => return Ok(Vec::new()),
            Some(false) => {}
            None => {
                return Err(Error::invalid(format!(
                    "COMPOSE_DISABLE_ENV_FILE: invalid boolean value {v:?}"
                )))
            }
        }
    }
    let default = working_dir.join(".env");
    Ok(if default.is_file() { vec![default] } else { Vec::new() })
}

/// Reads the `.env` files in order; later files see the variables of earlier ones, and the
/// shell environment wins over all of them when a file interpolates a variable.
pub fn read_env_files(files: &[PathBuf], shell: &Environment) -> Result<Environment> {
    let mut acc = Environment::new();
    for f in files {
        let meta = std::fs::metadata(f)
            .map_err(|_| Error::not_found(format!("Couldn't find env file: {}", f.display())))?;
        if meta.is_dir() {
            return Err(Error::invalid(format!("{} is a directory", f.display())));
        }
        let vars = {
            let lookup = |k: &str| shell.lookup(k).or_else(|| acc.lookup(k));
            crate::dotenv::read_file(f, &lookup)?
        };
        for (k, v) in vars {
            acc.insert(k, v);
        }
    }
    Ok(acc)
}

fn read_compose_file(path: &str, opts: &ProjectOptions) -> Result<DiscoveredFile> {
    let content = if path == "-" {
        if let Some(s) = &opts.stdin {
            s.clone()
        } else {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Error::io(format!("reading the compose file from stdin: {e}")))?;
            s
        }
    } else {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("reading {path}: {}", io_reason(&e))))?;
        String::from_utf8(bytes)
            .map_err(|_| Error::invalid(format!("{path}: the file is not valid UTF-8")))?
    };
    Ok(DiscoveredFile { name: path.to_owned(), content: content.into() })
}

/// The reason part of an I/O error, worded like Go's (`no such file or directory`).
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Docker Compose's `utils.StringToBool`: trimmed and lower-cased, `y` or what Go's
/// `strconv.ParseBool` takes as true; anything else is false.
pub fn string_to_bool(value: &str) -> bool {
    let value = value.trim().to_lowercase();
    value == "y" || parse_go_bool(&value) == Some(true)
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(dir: &Path) -> ProjectOptions {
        ProjectOptions { cwd: dir.to_path_buf(), ..Default::default() }
    }

    #[test]
    fn invalid_p_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(dir.path());
        o.name = Some("Bad Name".into());
        let err = discover(&o).unwrap_err();
        assert!(err.message.contains("invalid project name \"Bad Name\""), "{err}");
    }

    #[test]
    fn finds_files_in_parents_with_override() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), "services: {}\n").unwrap();
        std::fs::write(dir.path().join("compose.override.yaml"), "services: {}\n").unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let d = discover(&opts(&sub)).unwrap();
        let names: Vec<_> = d.files.iter().map(|f| f.name.clone()).collect();
        assert_eq!(
            names,
            vec![
                dir.path().join("compose.yaml").to_string_lossy().into_owned(),
                dir.path().join("compose.override.yaml").to_string_lossy().into_owned()
            ]
        );
        assert_eq!(d.working_dir, dir.path());
    }

    #[test]
    fn prefers_compose_yaml_and_warns() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), "").unwrap();
        std::fs::write(dir.path().join("docker-compose.yml"), "").unwrap();
        let d = discover(&opts(dir.path())).unwrap();
        assert_eq!(d.files.len(), 1);
        assert!(d.files[0].name.ends_with("/compose.yaml"));
        assert!(d.warnings[0].starts_with("Found multiple config files"));
    }

    #[test]
    fn no_file_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let err = discover(&opts(dir.path())).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::NotFound);
        assert!(err.message.contains("no configuration file provided"));
    }

    #[test]
    fn missing_explicit_file_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(dir.path());
        o.files = vec!["nope.yaml".into()];
        let err = discover(&o).unwrap_err();
        assert!(err.message.contains("nope.yaml: no such file or directory"), "{err}");
    }

    #[test]
    fn compose_file_from_env_with_separator() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "").unwrap();
        std::fs::write(dir.path().join("b.yaml"), "").unwrap();
        let mut o = opts(dir.path());
        o.env.insert("COMPOSE_FILE", "a.yaml;b.yaml");
        o.env.insert("COMPOSE_PATH_SEPARATOR", ";");
        let d = discover(&o).unwrap();
        assert_eq!(d.files.len(), 2);
        assert!(d.files[1].name.ends_with("/b.yaml"));
    }

    #[test]
    fn stdin_uses_cwd_and_given_content() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(dir.path());
        o.files = vec!["-".into()];
        o.stdin = Some("services: {}\n".into());
        let d = discover(&o).unwrap();
        assert_eq!(d.working_dir, dir.path());
        assert_eq!(&*d.files[0].content, "services: {}\n");
    }

    #[test]
    fn dotenv_sets_compose_variables_but_shell_wins() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("other.yaml"), "").unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "COMPOSE_FILE=other.yaml\nCOMPOSE_PROJECT_NAME=fromdotenv\nCOMPOSE_PROFILES=a, b\nX=dotenv\n",
        )
        .unwrap();
        let mut o = opts(dir.path());
        o.env.insert("X", "shell");
        let d = discover(&o).unwrap();
        assert!(d.files[0].name.ends_with("/other.yaml"));
        assert_eq!(d.imperative_name.as_deref(), Some("fromdotenv"));
        assert_eq!(d.profiles, vec!["a", "b"]);
        assert_eq!(d.environment.get("X"), Some("shell"));
    }

    #[test]
    fn command_environment_reads_dotenv_without_a_compose_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "X=dotenv\nY=dotenv\n").unwrap();
        std::fs::write(dir.path().join("other.env"), "Z=other\n").unwrap();
        let mut o = opts(dir.path());
        o.env.insert("X", "shell");
        let env = command_environment(&o).unwrap();
        assert_eq!((env.get("X"), env.get("Y"), env.get("Z")), (Some("shell"), Some("dotenv"), None));
        o.env_files = vec!["other.env".into()];
        let env = command_environment(&o).unwrap();
        assert_eq!((env.get("Y"), env.get("Z")), (None, Some("other")));
    }

    #[test]
    fn disable_env_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), "").unwrap();
        std::fs::write(dir.path().join(".env"), "X=1\n").unwrap();
        let mut o = opts(dir.path());
        o.env.insert("COMPOSE_DISABLE_ENV_FILE", "true");
        let d = discover(&o).unwrap();
        assert_eq!(d.environment.get("X"), None);
        assert!(d.env_files.is_empty());
    }

    #[test]
    fn directory_name_is_normalised() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("My App");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("compose.yaml"), "").unwrap();
        let d = discover(&opts(&sub)).unwrap();
        assert_eq!(d.directory_name, "myapp");
        assert_eq!(d.imperative_name, None);
    }
}
