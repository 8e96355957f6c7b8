//! The build context sent to the engine: a local directory as a tar archive, filtered by its
//! ignore file, with the Dockerfile always in it.
//!
//! As the docker CLI prepares a classic build (`GetContextFromLocalDir`, `ReadDockerignore`,
//! `TrimBuildFilesFromExcludes`, `TarWithOptions`, `AddDockerfileToBuildContext`):
//! - the Dockerfile is `dockerfile` relative to the context (or absolute); `Dockerfile`, or
//!   `dockerfile` when only that exists, by default;
//! - the ignore file is `<Dockerfile>.dockerignore` next to the Dockerfile when it exists (the
//!   `BuildKit` rule Docker Compose users get by default), else the context's `.dockerignore`;
//! - `.dockerignore` and the Dockerfile are sent even when the patterns exclude them (the
//!   engine then drops them from what `COPY` sees);
//! - entries are walked in lexical order, owned by root, with their permission bits and
//!   modification time in whole seconds; symbolic links are sent as links;
//! - a Dockerfile outside the context, or `dockerfile_inline`, is added under a generated name
//!   `.dockerfile.<digest>` that `.dockerignore` then lists, so builds never `COPY` it.
//!   The docker CLI picks a random name; berth derives it from the content so the same
//!   Dockerfile gives the same archive.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use berth_engine::archive::{EntryKind, TarBuilder, TarEntry};
use sha2::{Digest, Sha256};

use super::ignore::{self, MatchInfo, Matcher};

/// Why a build context could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The context directory does not exist.
    #[error("unable to prepare context: path {0:?} not found")]
    NotFound(String),
    /// The Dockerfile does not exist.
    #[error("Cannot locate specified Dockerfile: {0}")]
    NoDockerfile(String),
    /// The ignore file has a bad pattern.
    #[error("{file}: {source}")]
    Ignore {
        /// The ignore file.
        file: String,
        /// The pattern error.
        source: ignore::IgnoreError,
    },
    /// A file could not be read.
    #[error("error checking context: {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// An entry could not be archived.
    #[error("archiving {path}: {message}")]
    Archive {
        /// The entry.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// Where the Dockerfile comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerfileSource {
    /// A path relative to the context (or absolute); empty for the default.
    Path(String),
    /// `dockerfile_inline`: the content itself.
    Inline(String),
}

/// A prepared context.
#[derive(Debug)]
pub struct Context {
    /// The tar archive.
    pub tar: Vec<u8>,
    /// The Dockerfile's path inside the archive.
    pub dockerfile: String,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ContextError + '_ {
    move |source| ContextError::Io { path: path.display().to_string(), source }
}

/// The generated name for a Dockerfile that is not in the context.
fn generated_name(content: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(content));
    format!(".dockerfile.{}", digest.get(..20).unwrap_or(&digest))
}

/// Prepares the context of `dir` with the Dockerfile `dockerfile`.
pub fn prepare(dir: &Path, dockerfile: &DockerfileSource) -> Result<Context, ContextError> {
    if !dir.is_dir() {
        return Err(ContextError::NotFound(dir.display().to_string()));
    }
    // The Dockerfile: its name inside the archive, and the content to add when it is not
    // part of the walked tree.
    let (in_context, extra, ignore_file) = match dockerfile {
        DockerfileSource::Inline(text) => (None, Some((generated_name(text.as_bytes()), text.as_bytes().to_vec())), None),
        DockerfileSource::Path(path) => {
            let given = if path.is_empty() { "Dockerfile" } else { path.as_str() };
            let mut abs = if Path::new(given).is_absolute() { PathBuf::from(given) } else { dir.join(given) };
            if path.is_empty() && !abs.exists() && dir.join("dockerfile").exists() {
                abs = dir.join("dockerfile");
            }
            if !abs.is_file() {
                return Err(ContextError::NoDockerfile(abs.display().to_string()));
            }
            let own_ignore = PathBuf::from(format!("{}.dockerignore", abs.display()));
            let ignore_file = own_ignore.is_file().then_some(own_ignore);
            if let Some(rel) = relative_inside(dir, &abs) {
                (Some(rel), None, ignore_file)
            } else {
                let content = fs::read(&abs).map_err(io_err(&abs))?;
                (None, Some((generated_name(&content), content)), ignore_file)
            }
        }
    };
    let ignore_file = ignore_file.unwrap_or_else(|| dir.join(".dockerignore"));
    let mut patterns = match fs::read(&ignore_file) {
        Ok(bytes) => ignore::read_patterns(&String::from_utf8_lossy(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io_err(&ignore_file)(e)),
    };
    let bad = |source| ContextError::Ignore { file: ignore_file.display().to_string(), source };
    let matcher = Matcher::new(&patterns).map_err(bad)?;
    if matcher.matches(".dockerignore") {
        patterns.push("!.dockerignore".to_owned());
    }
    if let Some(rel) = &in_context {
        if matcher.matches(rel) {
            patterns.push(format!("!{rel}"));
        }
    }
    let matcher = Matcher::new(&patterns).map_err(bad)?;

    let mut walk = Walk { matcher: &matcher, tar: TarBuilder::new(), extra_ignore: None, saw_ignore: false };
    if let Some((name, _)) = &extra {
        walk.extra_ignore = Some(name.clone());
    }
    walk.dir(dir, "", &MatchInfo::default())?;
    let Walk { mut tar, saw_ignore, .. } = walk;
    let dockerfile = match (in_context, extra) {
        (Some(rel), _) => rel,
        (None, Some((name, content))) => {
            if !saw_ignore {
                let listing = format!(".dockerignore\n{name}\n");
                append(&mut tar, &TarEntry::file(".dockerignore", listing.into_bytes()).with_mode(0o600))?;
            }
            append(&mut tar, &TarEntry::file(name.clone(), content).with_mode(0o600))?;
            name
        }
        (None, None) => "Dockerfile".to_owned(),
    };
    Ok(Context { tar: tar.finish(), dockerfile })
}

/// `path` relative to `dir`, when it is inside it (symbolic links resolved).
fn relative_inside(dir: &Path, path: &Path) -> Option<String> {
    let dir = fs::canonicalize(dir).ok()?;
    let path = fs::canonicalize(path).ok()?;
    let rel = path.strip_prefix(&dir).ok()?;
    let text = rel.to_str()?.to_owned();
    (!text.is_empty()).then_some(text)
}

fn append(tar: &mut TarBuilder, entry: &TarEntry) -> Result<(), ContextError> {
    let path = entry.path.clone();
    tar.append(entry).map_err(|e| ContextError::Archive { path, message: e.to_string() })
}

struct Walk<'a> {
    matcher: &'a Matcher,
    tar: TarBuilder,
    /// A generated Dockerfile name that `.dockerignore` must list.
    extra_ignore: Option<String>,
    saw_ignore: bool,
}

impl Walk<'_> {
    /// Adds the entries of the directory `abs` (relative path `rel`, empty for the root, whose
    /// children have no parent results, as in moby's walk).
    fn dir(&mut self, abs: &Path, rel: &str, parent: &MatchInfo) -> Result<(), ContextError> {
        let mut names: Vec<(String, PathBuf)> = fs::read_dir(abs)
            .map_err(io_err(abs))?
            .map(|e| e.map(|e| (e.file_name().to_string_lossy().into_owned(), e.path())))
            .collect::<Result<_, _>>()
            .map_err(io_err(abs))?;
        names.sort();
        for (name, path) in names {
            let child = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            let meta = fs::symlink_metadata(&path).map_err(io_err(&path))?;
            let (skip, info) = self.matcher.matches_with_parent(&child, parent);
            if skip {
                if meta.is_dir() && self.matcher.must_enter(&child) {
                    self.dir(&path, &child, &info)?;
                }
                continue;
            }
            self.entry(&path, &child, &meta)?;
            if meta.is_dir() {
                self.dir(&path, &child, &info)?;
            }
        }
        Ok(())
    }

    fn entry(&mut self, abs: &Path, rel: &str, meta: &fs::Metadata) -> Result<(), ContextError> {
        let file_type = meta.file_type();
        let kind = if file_type.is_dir() {
            EntryKind::Dir
        } else if file_type.is_symlink() {
            let target = fs::read_link(abs).map_err(io_err(abs))?;
            EntryKind::Symlink(target.to_string_lossy().into_owned())
        } else if file_type.is_file() {
            EntryKind::File
        } else {
            // Sockets, pipes and devices are not sent, as the docker CLI skips sockets.
            return Ok(());
        };
        let mut data = if kind == EntryKind::File { fs::read(abs).map_err(io_err(abs))? } else { Vec::new() };
        if rel == ".dockerignore" {
            self.saw_ignore = true;
            if let Some(name) = &self.extra_ignore {
                data.extend_from_slice(format!("\n{name}\n").as_bytes());
            }
        }
        let entry = TarEntry {
            path: rel.to_owned(),
            kind,
            mode: meta.permissions().mode() & 0o7777,
            uid: 0,
            gid: 0,
            mtime: meta.mtime(),
            data,
        };
        append(&mut self.tar, &entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_engine::archive::read_tar;

    fn write(dir: &Path, rel: &str, content: &str) {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn names(ctx: &Context) -> Vec<String> {
        read_tar(&ctx.tar).unwrap().into_iter().map(|e| e.path.trim_end_matches('/').to_owned()).collect()
    }

    fn content(ctx: &Context, path: &str) -> String {
        let e = read_tar(&ctx.tar).unwrap().into_iter().find(|e| e.path == path).unwrap();
        String::from_utf8(e.data).unwrap()
    }

    fn default() -> DockerfileSource {
        DockerfileSource::Path(String::new())
    }

    #[test]
    fn ignore_file_filters_the_context_but_never_the_build_files() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "Dockerfile", "FROM scratch\n");
        write(d.path(), ".dockerignore", "*\n!app\napp/*.log\n");
        write(d.path(), "app/main.py", "x");
        write(d.path(), "app/debug.log", "x");
        write(d.path(), "secret.txt", "x");
        let ctx = prepare(d.path(), &default()).unwrap();
        assert_eq!(names(&ctx), [".dockerignore", "Dockerfile", "app", "app/main.py"]);
        assert_eq!(ctx.dockerfile, "Dockerfile");
    }

    #[test]
    fn exceptions_reach_into_excluded_directories() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "Dockerfile", "FROM scratch\n");
        write(d.path(), ".dockerignore", "docs\n!docs/keep.md\n/build/**\n**/*.tmp\n");
        write(d.path(), "docs/keep.md", "x");
        write(d.path(), "docs/drop.md", "x");
        write(d.path(), "build/out.o", "x");
        write(d.path(), "src/a.tmp", "x");
        write(d.path(), "src/a.rs", "x");
        let ctx = prepare(d.path(), &default()).unwrap();
        assert_eq!(names(&ctx), [".dockerignore", "Dockerfile", "build", "docs/keep.md", "src", "src/a.rs"]);
    }

    #[test]
    fn a_dockerfile_specific_ignore_file_wins() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "docker/app.Dockerfile", "FROM scratch\n");
        write(d.path(), "docker/app.Dockerfile.dockerignore", "a.txt\n");
        write(d.path(), ".dockerignore", "b.txt\n");
        write(d.path(), "a.txt", "x");
        write(d.path(), "b.txt", "x");
        let ctx = prepare(d.path(), &DockerfileSource::Path("docker/app.Dockerfile".into())).unwrap();
        assert!(!names(&ctx).contains(&"a.txt".to_owned()));
        assert!(names(&ctx).contains(&"b.txt".to_owned()));
        assert_eq!(ctx.dockerfile, "docker/app.Dockerfile");
    }

    #[test]
    fn a_dockerfile_outside_the_context_is_added_and_ignored() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "ctx/a.txt", "x");
        write(d.path(), "Dockerfile.outside", "FROM scratch\n");
        let abs = d.path().join("Dockerfile.outside").display().to_string();
        let ctx = prepare(&d.path().join("ctx"), &DockerfileSource::Path(abs)).unwrap();
        assert!(ctx.dockerfile.starts_with(".dockerfile."), "{}", ctx.dockerfile);
        assert_eq!(content(&ctx, &ctx.dockerfile), "FROM scratch\n");
        assert_eq!(content(&ctx, ".dockerignore"), format!(".dockerignore\n{}\n", ctx.dockerfile));
    }

    #[test]
    fn inline_dockerfiles_extend_an_existing_ignore_file() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), ".dockerignore", "*.log");
        let ctx = prepare(d.path(), &DockerfileSource::Inline("FROM scratch\n".into())).unwrap();
        assert_eq!(content(&ctx, ".dockerignore"), format!("*.log\n{}\n", ctx.dockerfile));
        let again = prepare(d.path(), &DockerfileSource::Inline("FROM scratch\n".into())).unwrap();
        assert_eq!(again.dockerfile, ctx.dockerfile, "the name is stable");
    }

    #[test]
    fn missing_things_are_named() {
        let d = tempfile::tempdir().unwrap();
        let err = prepare(&d.path().join("nope"), &default()).unwrap_err();
        assert!(err.to_string().starts_with("unable to prepare context: path"), "{err}");
        let err = prepare(d.path(), &default()).unwrap_err();
        assert!(err.to_string().starts_with("Cannot locate specified Dockerfile:"), "{err}");
        write(d.path(), "dockerfile", "FROM scratch\n");
        assert_eq!(prepare(d.path(), &default()).unwrap().dockerfile, "dockerfile");
    }

    #[test]
    fn entries_keep_mode_and_time_and_belong_to_root() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "Dockerfile", "FROM scratch\n");
        write(d.path(), "run.sh", "#!/bin/sh\n");
        fs::set_permissions(d.path().join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("run.sh", d.path().join("link")).unwrap();
        let ctx = prepare(d.path(), &default()).unwrap();
        let entries = read_tar(&ctx.tar).unwrap();
        let run = entries.iter().find(|e| e.path == "run.sh").unwrap();
        assert_eq!((run.mode, run.uid, run.gid), (0o755, 0, 0));
        assert!(run.mtime > 0);
        let link = entries.iter().find(|e| e.path == "link").unwrap();
        assert_eq!(link.kind, EntryKind::Symlink("run.sh".into()));
    }
}
