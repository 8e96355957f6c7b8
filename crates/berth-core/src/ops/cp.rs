//! `cp`: copies files and directories between a service's containers and the local
//! filesystem, with Docker Compose 2.26.1's rules (`pkg/compose/cp.go`) and the docker CLI's
//! path semantics (moby `pkg/archive/copy.go`):
//!
//! - `SERVICE:PATH` names a container path; an absolute path or one starting with `.` is
//!   always local. Copying between two services is refused.
//! - From a service, the first container listed is used (`--index N`: container number N);
//!   to a service, every container of it gets the copy.
//! - A source ending in `/.` copies the directory's content; a destination ending in `/` (or
//!   `/.`) must be a directory; a missing destination takes the source's name.
//! - `-` is a tar archive on stdin (to a container directory) or stdout (from a container).
//! - `-L` follows a symbolic link given as source; `-a` keeps uid/gid in the container.
//!
//! Archives are exchanged with the engine through `archive_stat`/`archive_get`/`archive_put`;
//! local files are archived and extracted here. Regular files, directories and symbolic links
//! are copied; other local file types (sockets, fifos, devices) are left out of archives.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime};

use berth_engine::archive::{read_tar, EntryKind, TarBuilder, TarEntry};
use berth_engine::{
    bytes_stream, ArchivePutOptions, ContainerListOptions, ContainerSummary, Engine, EngineError, PathStat,
};
use futures::StreamExt;

use crate::events::{Event, EventSink, Progress, ResourceKind, Status};
use crate::labels;
use crate::query::{canonical_name, project_containers, project_filters, OneOff};

/// Go `FileMode` bits the engine reports in a path stat.
const MODE_DIR: u32 = 1 << 31;
const MODE_SYMLINK: u32 = 1 << 27;
const MODE_DEVICE: u32 = 1 << 26;
const MODE_IRREGULAR: u32 = 1 << 19;

/// Options of `cp`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyOptions {
    /// `SERVICE:SRC_PATH`, a local path, or `-`.
    pub source: String,
    /// `SERVICE:DEST_PATH`, a local path, or `-`.
    pub destination: String,
    /// `--index`: the container number (0: the default choice).
    pub index: u32,
    /// `--all` (deprecated in Docker Compose: copying to a service reaches every container).
    pub all: bool,
    /// `-L/--follow-link`.
    pub follow_link: bool,
    /// `-a/--archive`: keep uid/gid in the container.
    pub copy_uid_gid: bool,
    /// `--dry-run`: resolve and check, copy nothing.
    pub dry_run: bool,
}

/// Why `cp` failed. The messages are Docker Compose's and the docker CLI's.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The request cannot be carried out (direction, container choice, path rules).
    #[error("{0}")]
    Invalid(String),
    /// The engine refused (a path that does not exist in the container, ...).
    #[error("Error response from daemon: {0}")]
    Daemon(String),
    /// Any other engine failure.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A local filesystem operation failed; the message names the operation and the path.
    #[error("{0}")]
    Local(String),
}

/// Where a copy goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    FromService,
    ToService,
}

/// Splits a `cp` argument into its service (if any) and path, as Docker Compose does.
pub fn split_cp_arg(arg: &str) -> (Option<&str>, &str) {
    if arg.starts_with('/') {
        return (None, arg);
    }
    match arg.split_once(':') {
        Some((service, path)) if !service.starts_with('.') => (Some(service), path),
        _ => (None, arg),
    }
}

/// `cp`: copies `opts.source` to `opts.destination`. `stdin` supplies the archive for a `-`
/// source and `stdout` receives it for a `-` destination.
pub async fn copy(
    engine: &dyn Engine,
    project: &str,
    opts: &CopyOptions,
    stdin: &mut (dyn Read + Send),
    stdout: &mut (dyn Write + Send),
    sink: &dyn EventSink,
) -> Result<(), CopyError> {
    let (src_service, src_path) = split_cp_arg(&opts.source);
    let (dst_service, dst_path) = split_cp_arg(&opts.destination);
    let (direction, service) = match (src_service, dst_service) {
        (Some(_), Some(_)) => return Err(invalid("copying between services is not supported")),
        (Some(_), None) if opts.all => return Err(invalid("cannot use the --all flag when copying from a service")),
        (Some(s), None) => (Direction::FromService, s),
        (None, Some(s)) => (Direction::ToService, s),
        (None, None) => return Err(invalid("unknown copy direction")),
    };
    let containers = targets(engine, project, opts.index, direction, service).await?;
    // The local side is read once, whatever the number of containers.
    let mut stdin_archive = None;
    for container in &containers {
        let name = canonical_name(container);
        let what = match direction {
            Direction::FromService => format!("copy {name}:{src_path} to {dst_path}"),
            Direction::ToService => format!("copy {src_path} to {name}:{dst_path}"),
        };
        let progress = |status, text| {
            Event::Progress(Progress::new(ResourceKind::Container, name.clone(), status, text).with_detail(what.clone()))
        };
        sink.emit(progress(Status::Working, "Copying"));
        let done = match direction {
            Direction::FromService => copy_from_container(engine, &container.id, src_path, dst_path, opts, stdout).await,
            Direction::ToService => {
                if src_path == "-" && stdin_archive.is_none() {
                    let mut data = Vec::new();
                    stdin.read_to_end(&mut data).map_err(|e| CopyError::Local(format!("reading stdin: {e}")))?;
                    stdin_archive = Some(data);
                }
                copy_to_container(engine, &container.id, src_path, dst_path, opts, stdin_archive.as_deref()).await
            }
        };
        if let Err(e) = done {
            sink.emit(Event::Progress(
                Progress::new(ResourceKind::Container, name.clone(), Status::Error, "Error").with_detail(e.to_string()),
            ));
            return Err(e);
        }
        sink.emit(progress(Status::Done, "Copied"));
    }
    Ok(())
}

/// Whether to send `copyUIDGID` (`wanted`: the caller asks for the files to become the
/// container user's) when extracting an archive into `container`. For a container without a
/// user, Docker then keeps the archive's owners, while Podman 4.3 makes them root's: there the
/// flag is not sent, which keeps them on both engines.
pub(crate) async fn copy_uid_gid_for(engine: &dyn Engine, container: &str, wanted: bool) -> Result<bool, EngineError> {
    if !wanted || !engine.capabilities().is_podman {
        return Ok(wanted);
    }
    let user = engine.inspect_container(container).await?.config.user.unwrap_or_default();
    Ok(!matches!(user.as_str(), "" | "root" | "0" | "0:0" | "root:root"))
}

fn invalid(message: impl Into<String>) -> CopyError {
    CopyError::Invalid(message.into())
}

/// The containers a copy involves: the one numbered `index`, else every container of the
/// service (to it) or the first one the engine lists (from it). Stopped containers count.
async fn targets(
    engine: &dyn Engine,
    project: &str,
    index: u32,
    direction: Direction,
    service: &str,
) -> Result<Vec<ContainerSummary>, CopyError> {
    let engine_error = |e: crate::query::QueryError| match e {
        crate::query::QueryError::Engine(e) => CopyError::Engine(e),
        crate::query::QueryError::Failed(m) => CopyError::Invalid(m),
    };
    if index > 0 {
        let filters = project_filters(&project.to_lowercase(), OneOff::Exclude, &[service.to_owned()])
            .label(labels::filter(labels::CONTAINER_NUMBER, &index.to_string()));
        let list = engine.list_containers(&ContainerListOptions { all: true, filters }).await?;
        let number = |c: &ContainerSummary| {
            c.labels.get(labels::CONTAINER_NUMBER).and_then(|n| n.parse::<i64>().ok()).unwrap_or(0)
        };
        return list
            .into_iter()
            .min_by_key(number)
            .map(|c| vec![c])
            .ok_or_else(|| invalid(format!("service {service:?} is not running container #{index}")));
    }
    let mut list =
        project_containers(engine, project, OneOff::Exclude, true, &[service.to_owned()]).await.map_err(engine_error)?;
    if list.is_empty() {
        return Err(invalid(format!("no container found for service {service:?}")));
    }
    if direction == Direction::FromService {
        list.truncate(1);
    }
    Ok(list)
}

/// An engine error about a container path, worded as the docker daemon words it.
fn path_error(err: EngineError, container: &str, path: &str) -> CopyError {
    match err {
        EngineError::NotFound { kind: berth_engine::ObjectKind::Path, .. } => {
            CopyError::Daemon(format!("Could not find the file {path} in container {container}"))
        }
        EngineError::NotFound { message, .. } | EngineError::Api { message, .. } => CopyError::Daemon(message),
        other => CopyError::Engine(other),
    }
}

async fn stat(engine: &dyn Engine, container: &str, path: &str) -> Result<PathStat, CopyError> {
    engine.archive_stat(container, path).await.map_err(|e| path_error(e, container, path))
}

async fn copy_to_container(
    engine: &dyn Engine,
    container: &str,
    src_path: &str,
    dst_path: &str,
    opts: &CopyOptions,
    stdin_archive: Option<&[u8]>,
) -> Result<(), CopyError> {
    let src_path = if src_path == "-" { src_path.to_owned() } else { resolve_local_path(src_path)? };
    let mut dst = CopyInfo { path: dst_path.to_owned(), ..CopyInfo::default() };
    let mut dst_stat = stat(engine, container, dst_path).await;
    if let Ok(s) = &dst_stat {
        if s.mode & MODE_SYMLINK != 0 {
            let target = if s.link_target.starts_with('/') {
                s.link_target.clone()
            } else {
                join(&split_path_dir_entry(dst_path).0, &s.link_target)
            };
            dst.path.clone_from(&target);
            dst_stat = stat(engine, container, &target).await;
        }
    }
    if let Ok(s) = &dst_stat {
        if let Some(why) = irregular(s.mode) {
            return Err(invalid(format!(
                "destination \"{container}:{dst_path}\" must be a directory or a regular file: {why}"
            )));
        }
        dst.exists = true;
        dst.is_dir = s.mode & MODE_DIR != 0;
    }
    let copy_uid_gid = copy_uid_gid_for(engine, container, opts.copy_uid_gid).await?;
    let (dst_dir, archive) = if src_path == "-" {
        if !dst.is_dir {
            return Err(invalid(format!("destination \"{container}:{dst_path}\" must be a directory")));
        }
        (dst.path.clone(), stdin_archive.unwrap_or_default().to_vec())
    } else {
        let src = source_info(&src_path, opts.follow_link)?;
        let entries = tar_local(&src.path, &src.rebase_name)?;
        let (dst_dir, entries) = prepare_archive_copy(entries, &src, &dst)?;
        (dst_dir, archive_bytes(&entries)?)
    };
    // Podman 4.3 creates a missing extraction directory; Docker refuses, and so does berth.
    if engine.capabilities().is_podman && dst_dir != dst.path {
        stat(engine, container, &dst_dir).await?;
    }
    if opts.dry_run {
        return Ok(());
    }
    let options = ArchivePutOptions { no_overwrite_dir_non_dir: true, copy_uid_gid };
    engine
        .archive_put(container, &dst_dir, bytes_stream(archive), &options)
        .await
        .map_err(|e| path_error(e, container, &dst_dir))
}

async fn copy_from_container(
    engine: &dyn Engine,
    container: &str,
    src_path: &str,
    dst_path: &str,
    opts: &CopyOptions,
    stdout: &mut (dyn Write + Send),
) -> Result<(), CopyError> {
    let dst_path = if dst_path == "-" { dst_path.to_owned() } else { resolve_local_path(dst_path)? };
    validate_output_path(&dst_path)?;
    let mut src_path = src_path.to_owned();
    let mut rebase_name = String::new();
    if opts.follow_link {
        if let Ok(s) = stat(engine, container, &src_path).await {
            if s.mode & MODE_SYMLINK != 0 {
                let target = if s.link_target.starts_with('/') {
                    s.link_target.clone()
                } else {
                    join(&split_path_dir_entry(&src_path).0, &s.link_target)
                };
                let (target, rebase) = get_rebase_name(&src_path, &target);
                src_path = target;
                rebase_name = rebase;
            }
        }
    }
    let src_stat = stat(engine, container, &src_path).await?;
    if opts.dry_run {
        return Ok(());
    }
    let mut archive = Vec::new();
    let mut chunks = engine.archive_get(container, &src_path);
    while let Some(chunk) = chunks.next().await {
        archive.extend_from_slice(&chunk.map_err(|e| path_error(e, container, &src_path))?);
    }
    if dst_path == "-" {
        return stdout.write_all(&archive).and_then(|()| stdout.flush()).map_err(|e| CopyError::Local(format!("write: {e}")));
    }
    let src = CopyInfo { path: src_path, exists: true, is_dir: src_stat.mode & MODE_DIR != 0, rebase_name };
    let mut entries = engine_archive_shape(read_tar(&archive)?, &src.path, &src_stat);
    if !src.rebase_name.is_empty() {
        let (_, base) = split_path_dir_entry(&src.path);
        entries = rebase_entries(entries, &base, &src.rebase_name);
    }
    let dst = destination_info(&dst_path)?;
    let (dst_dir, entries) = prepare_archive_copy(entries, &src, &dst)?;
    untar_local(&entries, &dst_dir)
}

/// The text of a symbolic link in `parent`, from the absolute target the engine reports and
/// the link's size (the length of its text): the target relative to `parent` when that has
/// the right length (`a.txt`, `../lib/x`), else the absolute target.
fn link_text(parent: &str, target: &str, size: i64) -> String {
    let from: Vec<&str> = parent.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = target.split('/').filter(|p| !p.is_empty()).collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len().saturating_sub(common)];
    parts.extend(to.iter().skip(common));
    let relative = parts.join("/");
    if usize::try_from(size).is_ok_and(|n| n == relative.len()) {
        relative
    } else {
        target.to_owned()
    }
}

fn archive_bytes(entries: &[TarEntry]) -> Result<Vec<u8>, CopyError> {
    let mut builder = TarBuilder::new();
    for entry in entries {
        builder.append(entry)?;
    }
    Ok(builder.finish())
}

/// The archive of `path` as Docker's engine makes it, whichever engine made it. Podman 4.3
/// differs twice: the archive of a symbolic link holds the link's target (Docker's holds the
/// link), and the archive of `dir/.` names the content `a`, `sub/b` (Docker's: `.`, `./a`,
/// `./sub/b`), which the copy rules would then rename wrongly.
fn engine_archive_shape(mut entries: Vec<TarEntry>, path: &str, stat: &PathStat) -> Vec<TarEntry> {
    if stat.mode & MODE_SYMLINK != 0 {
        let is_link = matches!(entries.as_slice(), [TarEntry { kind: EntryKind::Symlink(_), .. }]);
        if !is_link {
            let (parent, name) = split_path_dir_entry(path);
            return vec![TarEntry {
                path: name,
                kind: EntryKind::Symlink(link_text(&parent, &stat.link_target, stat.size)),
                mode: 0o777,
                uid: 0,
                gid: 0,
                mtime: 0,
                data: Vec::new(),
            }];
        }
    }
    if specifies_current_dir(path) && !entries.iter().any(|e| e.path == "." || e.path.starts_with("./")) {
        for e in &mut entries {
            e.path = format!("./{}", e.path.trim_start_matches('/'));
        }
        entries.insert(0, TarEntry::dir(".").with_mode(stat.mode & 0o7777));
    }
    entries
}

/// What a copy knows about one end (moby's `CopyInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CopyInfo {
    path: String,
    exists: bool,
    is_dir: bool,
    rebase_name: String,
}

fn irregular(mode: u32) -> Option<&'static str> {
    if mode & MODE_DEVICE != 0 {
        Some("got a device")
    } else if mode & MODE_IRREGULAR != 0 {
        Some("got an irregular file")
    } else {
        None
    }
}

/// Decides where an archive of `src` is extracted so that `dst` ends up as asked, renaming
/// the archive's top entry when the destination names the result (moby's
/// `PrepareArchiveCopy`).
fn prepare_archive_copy(
    entries: Vec<TarEntry>,
    src: &CopyInfo,
    dst: &CopyInfo,
) -> Result<(String, Vec<TarEntry>), CopyError> {
    let (dst_dir, dst_base) = split_path_dir_entry(&dst.path);
    let (_, mut src_base) = split_path_dir_entry(&src.path);
    if !src.rebase_name.is_empty() {
        src_base.clone_from(&src.rebase_name);
    }
    if dst.exists && dst.is_dir {
        return Ok((dst.path.clone(), entries));
    }
    if dst.exists && src.is_dir {
        return Err(invalid("cannot copy directory"));
    }
    if !dst.exists && !src.is_dir && asserts_directory(&dst.path) {
        return Err(invalid("no such directory"));
    }
    Ok((dst_dir, rebase_entries(entries, &src_base, &dst_base)))
}

/// Renames entries: the first occurrence of `old` in each name (and hard link target)
/// becomes `new`, as moby's `RebaseArchiveEntries` does.
fn rebase_entries(entries: Vec<TarEntry>, old: &str, new: &str) -> Vec<TarEntry> {
    let old = if old == "/" { "" } else { old };
    entries
        .into_iter()
        .map(|mut e| {
            e.path = e.path.replacen(old, new, 1);
            if let EntryKind::Hardlink(target) = &e.kind {
                e.kind = EntryKind::Hardlink(target.replacen(old, new, 1));
            }
            e
        })
        .collect()
}

// ------------------------------------------------------------------------- path rules

/// Go's `filepath.Clean` for `/`-separated paths.
fn clean(path: &str) -> String {
    crate::convert::mounts::clean_path(path)
}

/// Go's `filepath.Join` of two elements.
fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean(b),
        (false, true) => clean(a),
        (false, false) => clean(&format!("{a}/{b}")),
    }
}

/// Go's `filepath.Base`.
fn base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_owned();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_owned()
}

/// Go's `filepath.Dir`.
fn dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(path.get(..=i).unwrap_or("/")),
        None => ".".to_owned(),
    }
}

fn has_trailing_separator(path: &str) -> bool {
    path.ends_with('/')
}

fn specifies_current_dir(path: &str) -> bool {
    base(path) == "."
}

/// A path that can only name a directory: `dir/` or `dir/.`.
fn asserts_directory(path: &str) -> bool {
    has_trailing_separator(path) || specifies_current_dir(path)
}

/// The parent and the last element of `path`, keeping a trailing `/.` as the element `.`.
fn split_path_dir_entry(path: &str) -> (String, String) {
    let mut cleaned = clean(path);
    if specifies_current_dir(path) {
        cleaned.push_str("/.");
    }
    (dir(&cleaned), base(&cleaned))
}

/// Puts back the trailing `/.` or `/` of `original` that cleaning removed.
fn preserve_trailing_dot_or_separator(cleaned: &str, original: &str) -> String {
    let mut out = cleaned.to_owned();
    if !specifies_current_dir(&out) && specifies_current_dir(original) {
        if !has_trailing_separator(&out) {
            out.push('/');
        }
        out.push('.');
    }
    if !has_trailing_separator(&out) && has_trailing_separator(original) {
        out.push('/');
    }
    out
}

/// The name a copy must give its result when a symbolic link was resolved: the link's own
/// name, when it differs from the target's.
fn get_rebase_name(path: &str, resolved: &str) -> (String, String) {
    let mut resolved = resolved.to_owned();
    if specifies_current_dir(path) && !specifies_current_dir(&resolved) {
        resolved.push_str("/.");
    }
    if has_trailing_separator(path) && !has_trailing_separator(&resolved) {
        resolved.push('/');
    }
    let rebase = if base(path) == base(&resolved) { String::new() } else { base(path) };
    (resolved, rebase)
}

// ------------------------------------------------------------------------ local side

/// A Go-style message for a failed filesystem call: `lstat /x: no such file or directory`.
fn os_error(op: &str, path: &str, err: &std::io::Error) -> CopyError {
    let text = match err.raw_os_error() {
        Some(code) => {
            let full = std::io::Error::from_raw_os_error(code).to_string();
            let msg = full.split(" (os error").next().unwrap_or(&full).to_owned();
            let mut chars = msg.chars();
            chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or(msg)
        }
        None => err.to_string(),
    };
    CopyError::Local(format!("{op} {path}: {text}"))
}

/// An absolute local path, with the trailing `/.` or `/` the user wrote.
fn resolve_local_path(path: &str) -> Result<String, CopyError> {
    let absolute = if path.starts_with('/') {
        clean(path)
    } else {
        let cwd = std::env::current_dir().map_err(|e| os_error("getwd", ".", &e))?;
        join(&cwd.to_string_lossy(), path)
    };
    Ok(preserve_trailing_dot_or_separator(&absolute, path))
}

/// `filepath.EvalSymlinks`.
fn eval_symlinks(path: &str) -> Result<String, CopyError> {
    std::fs::canonicalize(path)
        .map(|p| p.to_string_lossy().into_owned())
        .map_err(|e| os_error("lstat", &clean(path), &e))
}

/// The local source: symbolic links resolved in its parent (and in itself with `-L`).
fn source_info(path: &str, follow_link: bool) -> Result<CopyInfo, CopyError> {
    let (resolved, rebase_name) = if follow_link {
        get_rebase_name(path, &eval_symlinks(path)?)
    } else {
        let split = path.rfind('/').map_or(0, |i| i + 1);
        let (dir_part, base_part) = path.split_at(split);
        let dir_part = if dir_part.is_empty() { "." } else { dir_part };
        let resolved = format!("{}/{base_part}", eval_symlinks(dir_part)?);
        let rebase = if has_trailing_separator(path) && base(path) != base(&resolved) { base(path) } else { String::new() };
        (resolved, rebase)
    };
    let meta = std::fs::symlink_metadata(&resolved).map_err(|e| os_error("lstat", &resolved, &e))?;
    Ok(CopyInfo { path: resolved, exists: true, is_dir: meta.is_dir(), rebase_name })
}

/// The local destination: a symbolic link in its last element is followed; a missing one
/// needs an existing parent directory (moby's `CopyInfoDestinationPath`).
fn destination_info(path: &str) -> Result<CopyInfo, CopyError> {
    let mut path = path.to_owned();
    let mut meta = std::fs::symlink_metadata(&path);
    let mut hops = 0;
    while let Ok(m) = &meta {
        if !m.file_type().is_symlink() {
            break;
        }
        hops += 1;
        if hops > 10 {
            return Err(CopyError::Local(format!("too many symlinks in {path}")));
        }
        let target = std::fs::read_link(&path).map_err(|e| os_error("readlink", &path, &e))?;
        let target = target.to_string_lossy();
        path = if target.starts_with('/') { target.into_owned() } else { join(&split_path_dir_entry(&path).0, &target) };
        meta = std::fs::symlink_metadata(&path);
    }
    match meta {
        Ok(m) => Ok(CopyInfo { path, exists: true, is_dir: m.is_dir(), rebase_name: String::new() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (parent, _) = split_path_dir_entry(&path);
            let parent_meta = std::fs::metadata(&parent).map_err(|e| os_error("stat", &parent, &e))?;
            if !parent_meta.is_dir() {
                return Err(invalid("not a directory"));
            }
            Ok(CopyInfo { path, ..CopyInfo::default() })
        }
        Err(e) => Err(os_error("lstat", &path, &e)),
    }
}

/// The docker CLI's check of a local destination: its parent exists, and it is a directory
/// or a regular file if it exists.
fn validate_output_path(path: &str) -> Result<(), CopyError> {
    if path == "-" {
        return Ok(());
    }
    let parent = dir(&clean(path));
    if parent != "." && !Path::new(&parent).exists() {
        return Err(invalid(format!("invalid output path: directory {parent:?} does not exist")));
    }
    if let Ok(meta) = std::fs::metadata(path) {
        let ft = meta.file_type();
        if !ft.is_dir() && !ft.is_file() {
            let why = if is_device(ft) { "got a device" } else { "got an irregular file" };
            return Err(invalid(format!("invalid output path: {path:?} must be a directory or a regular file: {why}")));
        }
    }
    Ok(())
}

fn is_device(ft: std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    ft.is_block_device() || ft.is_char_device()
}

fn unix_seconds(t: std::io::Result<SystemTime>) -> i64 {
    t.ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

/// Archives the local `path` as moby's `TarResourceRebase` does: entries are named from the
/// path's last element (`.` for `dir/.`, whose content is then named `./...`), and that
/// element is renamed to `rebase_name` when one is given.
fn tar_local(path: &str, rebase_name: &str) -> Result<Vec<TarEntry>, CopyError> {
    std::fs::symlink_metadata(path).map_err(|e| os_error("lstat", path, &e))?;
    let (parent, top) = split_path_dir_entry(path);
    let root = if top == "." { parent.clone() } else { join(&parent, &top) };
    let mut out = Vec::new();
    let mut pending = vec![(root, top.clone())];
    while let Some((full, name)) = pending.pop() {
        let meta = std::fs::symlink_metadata(&full).map_err(|e| os_error("lstat", &full, &e))?;
        let ft = meta.file_type();
        let mut entry_name = name.clone();
        if !rebase_name.is_empty() {
            let replacement = if rebase_name == "/" { "" } else { rebase_name };
            entry_name = entry_name.replacen(&top, replacement, 1);
        }
        let kind = if ft.is_dir() {
            EntryKind::Dir
        } else if ft.is_symlink() {
            let target = std::fs::read_link(&full).map_err(|e| os_error("readlink", &full, &e))?;
            EntryKind::Symlink(target.to_string_lossy().into_owned())
        } else if ft.is_file() {
            EntryKind::File
        } else {
            continue;
        };
        let data = if kind == EntryKind::File {
            std::fs::read(&full).map_err(|e| os_error("open", &full, &e))?
        } else {
            Vec::new()
        };
        out.push(TarEntry {
            path: entry_name,
            kind: kind.clone(),
            mode: meta.mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
            mtime: unix_seconds(meta.modified()),
            data,
        });
        if kind == EntryKind::Dir {
            let mut children: Vec<String> = std::fs::read_dir(&full)
                .map_err(|e| os_error("open", &full, &e))?
                .filter_map(Result::ok)
                .map(|d| d.file_name().to_string_lossy().into_owned())
                .collect();
            // Popped from the end: reverse order gives the lexical order Go's Walk uses.
            children.sort_unstable_by(|a, b| b.cmp(a));
            for child in children {
                let child_name = if name == "." { format!("./{child}") } else { format!("{name}/{child}") };
                pending.push((join(&full, &child), child_name));
            }
        }
    }
    Ok(out)
}

/// Extracts `entries` under the local directory `dest` as moby's `Untar` does with
/// `NoLchown` and `NoOverwriteDirNonDir`: ownership is not copied, a directory never
/// replaces a file nor a file a directory, and nothing may land outside `dest`.
fn untar_local(entries: &[TarEntry], dest: &str) -> Result<(), CopyError> {
    let mut dir_times: BTreeMap<String, i64> = BTreeMap::new();
    for entry in entries {
        let name = clean(entry.path.trim_start_matches('/'));
        if name == ".." || name.starts_with("../") {
            return Err(CopyError::Local(format!("{:?} is outside of {dest:?}", entry.path)));
        }
        let path = join(dest, &name);
        if name != "." {
            let parent = dir(&path);
            if std::fs::symlink_metadata(&parent).is_err() {
                std::fs::create_dir_all(&parent).map_err(|e| os_error("mkdir", &parent, &e))?;
            }
        }
        let is_dir_entry = entry.kind == EntryKind::Dir;
        if let Ok(existing) = std::fs::symlink_metadata(&path) {
            if existing.is_dir() && !is_dir_entry {
                return Err(CopyError::Local(format!("cannot overwrite directory {path:?} with non-directory {dest:?}")));
            }
            if !existing.is_dir() && is_dir_entry {
                return Err(CopyError::Local(format!("cannot overwrite non-directory {path:?} with directory {dest:?}")));
            }
            if existing.is_dir() && name == "." {
                continue;
            }
            if !existing.is_dir() {
                std::fs::remove_file(&path).map_err(|e| os_error("remove", &path, &e))?;
            }
        }
        let perms = std::fs::Permissions::from_mode(entry.mode & 0o7777);
        match &entry.kind {
            EntryKind::Dir => {
                if std::fs::symlink_metadata(&path).is_err() {
                    std::fs::create_dir(&path).map_err(|e| os_error("mkdir", &path, &e))?;
                }
                std::fs::set_permissions(&path, perms).map_err(|e| os_error("chmod", &path, &e))?;
                dir_times.insert(path, entry.mtime);
            }
            EntryKind::File => {
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(entry.mode & 0o7777)
                    .open(&path)
                    .map_err(|e| os_error("open", &path, &e))?;
                file.write_all(&entry.data).map_err(|e| os_error("write", &path, &e))?;
                file.set_permissions(perms).map_err(|e| os_error("chmod", &path, &e))?;
                let _ = file.set_modified(system_time(entry.mtime));
            }
            EntryKind::Symlink(target) => {
                // A relative link may not point above the destination.
                let resolved = join(&dir(&path), target);
                if !target.starts_with('/') && !resolved.starts_with(dest) {
                    return Err(CopyError::Local(format!("invalid symlink {path:?} -> {target:?}")));
                }
                std::os::unix::fs::symlink(target, &path).map_err(|e| os_error("symlink", &path, &e))?;
            }
            EntryKind::Hardlink(target) => {
                let target_path = join(dest, target.trim_start_matches('/'));
                if !target_path.starts_with(dest) {
                    return Err(CopyError::Local(format!("invalid hardlink {path:?} -> {target:?}")));
                }
                std::fs::hard_link(&target_path, &path).map_err(|e| os_error("link", &path, &e))?;
            }
        }
    }
    // Directory times last: extracting their content changed them.
    for (path, mtime) in dir_times {
        if let Ok(d) = std::fs::File::open(&path) {
            let _ = d.set_modified(system_time(mtime));
        }
    }
    Ok(())
}

fn system_time(unix: i64) -> SystemTime {
    u64::try_from(unix)
        .ok()
        .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s)))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Discard;
    use berth_engine::FakeEngine;

    #[test]
    fn link_text_is_recovered_from_its_length() {
        assert_eq!(link_text("/data", "/data/a.txt", 5), "a.txt");
        assert_eq!(link_text("/data/sub", "/data/a.txt", 8), "../a.txt");
        assert_eq!(link_text("/data", "/etc/hosts", 10), "/etc/hosts");
    }

    #[test]
    fn arguments_split_like_compose() {
        assert_eq!(split_cp_arg("web:/etc/hosts"), (Some("web"), "/etc/hosts"));
        assert_eq!(split_cp_arg("/abs:path"), (None, "/abs:path"));
        assert_eq!(split_cp_arg("./file:name.txt"), (None, "./file:name.txt"));
        assert_eq!(split_cp_arg("plain"), (None, "plain"));
        assert_eq!(split_cp_arg("-"), (None, "-"));
    }

    #[test]
    fn paths_follow_go_rules() {
        assert_eq!(clean("/a/b/../c/./"), "/a/c");
        assert_eq!(clean("a/../.."), "..");
        assert_eq!(split_path_dir_entry("/data/."), ("/data".to_owned(), ".".to_owned()));
        assert_eq!(split_path_dir_entry("/data/sub/"), ("/data".to_owned(), "sub".to_owned()));
        assert_eq!(split_path_dir_entry("/x"), ("/".to_owned(), "x".to_owned()));
        assert_eq!(preserve_trailing_dot_or_separator("/w/d", "d/."), "/w/d/.");
        assert_eq!(preserve_trailing_dot_or_separator("/w/d", "d/"), "/w/d/");
        assert_eq!(get_rebase_name("/l", "/target"), ("/target".to_owned(), "l".to_owned()));
        assert_eq!(get_rebase_name("/l/.", "/t"), ("/t/.".to_owned(), String::new()));
        assert!(asserts_directory("/x/") && asserts_directory("/x/.") && !asserts_directory("/x"));
    }

    fn names(entries: &[TarEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.path.as_str()).collect()
    }

    #[test]
    fn archive_copy_renames_as_moby_does() {
        let entries = vec![TarEntry::dir("data"), TarEntry::file("data/a", "x")];
        let src = CopyInfo { path: "/data".into(), exists: true, is_dir: true, ..CopyInfo::default() };
        let existing_dir = CopyInfo { path: "/out".into(), exists: true, is_dir: true, ..CopyInfo::default() };
        let (dir, e) = prepare_archive_copy(entries.clone(), &src, &existing_dir).unwrap();
        assert_eq!((dir.as_str(), names(&e)), ("/out", vec!["data", "data/a"]));
        let missing = CopyInfo { path: "/out/new".into(), ..CopyInfo::default() };
        let (dir, e) = prepare_archive_copy(entries.clone(), &src, &missing).unwrap();
        assert_eq!((dir.as_str(), names(&e)), ("/out", vec!["new", "new/a"]));
        let file = CopyInfo { path: "/out/f".into(), exists: true, ..CopyInfo::default() };
        assert_eq!(prepare_archive_copy(entries, &src, &file).unwrap_err().to_string(), "cannot copy directory");
        let one = CopyInfo { path: "/a.txt".into(), exists: true, ..CopyInfo::default() };
        let dir_missing = CopyInfo { path: "/nope/".into(), ..CopyInfo::default() };
        let err = prepare_archive_copy(vec![TarEntry::file("a.txt", "x")], &one, &dir_missing).unwrap_err();
        assert_eq!(err.to_string(), "no such directory");
        let content = CopyInfo { path: "/data/.".into(), exists: true, is_dir: true, ..CopyInfo::default() };
        let (dir, e) =
            prepare_archive_copy(vec![TarEntry::dir("."), TarEntry::file("./a.txt", "x")], &content, &missing).unwrap();
        assert_eq!((dir.as_str(), names(&e)), ("/out", vec!["new", "new/a.txt"]));
    }

    #[test]
    fn local_round_trip_keeps_content_modes_and_links() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_string_lossy().into_owned();
        std::fs::create_dir_all(format!("{root}/src/sub")).unwrap();
        std::fs::write(format!("{root}/src/sub/f.sh"), "echo hi").unwrap();
        std::fs::set_permissions(format!("{root}/src/sub/f.sh"), std::fs::Permissions::from_mode(0o750)).unwrap();
        std::os::unix::fs::symlink("sub/f.sh", format!("{root}/src/link")).unwrap();
        let entries = tar_local(&format!("{root}/src/."), "").unwrap();
        assert_eq!(names(&entries), [".", "./link", "./sub", "./sub/f.sh"]);
        std::fs::create_dir(format!("{root}/dst")).unwrap();
        untar_local(&entries, &format!("{root}/dst")).unwrap();
        assert_eq!(std::fs::read_to_string(format!("{root}/dst/sub/f.sh")).unwrap(), "echo hi");
        let mode = std::fs::metadata(format!("{root}/dst/sub/f.sh")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o750);
        assert_eq!(std::fs::read_link(format!("{root}/dst/link")).unwrap().to_string_lossy(), "sub/f.sh");
        let escape = vec![TarEntry::file("../evil", "x")];
        assert!(untar_local(&escape, &format!("{root}/dst")).is_err());
        let dir_over_file = vec![TarEntry::dir("sub/f.sh")];
        let err = untar_local(&dir_over_file, &format!("{root}/dst")).unwrap_err().to_string();
        assert!(err.starts_with("cannot overwrite non-directory"), "{err}");
    }

    #[test]
    fn local_errors_read_like_go() {
        let err = source_info("/nonexistent-berth-cp/x", false).unwrap_err().to_string();
        assert_eq!(err, "lstat /nonexistent-berth-cp: no such file or directory");
        let err = validate_output_path("/nonexistent-berth-cp/dir/x").unwrap_err().to_string();
        assert_eq!(err, "invalid output path: directory \"/nonexistent-berth-cp/dir\" does not exist");
    }

    async fn message(engine: &FakeEngine, source: &str, destination: &str, all: bool) -> String {
        let opts = CopyOptions { source: source.into(), destination: destination.into(), all, ..CopyOptions::default() };
        let mut stdin = std::io::empty();
        let mut stdout = Vec::new();
        match copy(engine, "lab", &opts, &mut stdin, &mut stdout, &Discard).await {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.to_string(),
        }
    }

    #[tokio::test]
    async fn direction_and_service_errors_are_compose_s() {
        let engine = FakeEngine::new();
        assert_eq!(message(&engine, "a:/x", "b:/y", false).await, "copying between services is not supported");
        assert_eq!(message(&engine, "x", "y", false).await, "unknown copy direction");
        assert_eq!(message(&engine, "a:/x", "y", true).await, "cannot use the --all flag when copying from a service");
        assert_eq!(message(&engine, "a:/x", "/tmp/y", false).await, "no container found for service \"a\"");
    }
}
