//! The per-file pipeline and the assembly of a project model from several files.
//!
//! This is compose-go v2.4.8's `loader.load` / `loadYamlModel` / `loadYamlFile`, step for step:
//! for every file and every YAML document in it, the document is parsed, its `!reset` and
//! `!override` paths are recorded, it is interpolated, its services' `extends` are resolved,
//! the recorded paths are deleted from the model accumulated so far, its `include`s are
//! imported, and it is merged into that model; the model is then made unique, validated
//! against the schema (dropping `version` with a warning), turned into canonical syntax,
//! stripped of empty values and made unique again. Once every file is in: default values,
//! the checks of compose-go's `validation` package (in this file), relative paths, the
//! services' environment, then the project name and normalisation.
//!
//! `extends` and `include` re-enter this pipeline for the files they load, with the option
//! changes compose-go makes (an extended file is neither validated nor path-resolved on its
//! own; an included file is a project of its own with its own `.env`).

use std::cell::RefCell;
use std::path::{Path as FsPath, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::environment::Environment;
use crate::error::Error;
use crate::extends::{self, ExtendsContext, ServiceRef};
use crate::include::{self, IncludeContext};
use crate::merge::{self, ResetPaths};
use crate::node::{Key, Map, Node, Span, Value};
use crate::sources;
use crate::Result;

/// One compose file to load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    /// The absolute path of the file, or `-` for standard input.
    pub name: String,
    /// The text of the file; read from `name` when `None`. Shared with the source registry,
    /// so a project's text is held once.
    pub content: Option<Arc<str>>,
}

/// What to load: the files in merge order, the project directory and the environment
/// interpolation sees (compose-go `types.ConfigDetails`).
#[derive(Debug, Clone, Default)]
pub struct ConfigDetails {
    /// The project directory: relative paths resolve against it. Absolute.
    pub working_dir: PathBuf,
    pub config_files: Vec<ConfigFile>,
    pub environment: Environment,
}

/// Loader options (compose-go `loader.Options`, in the negative form berth uses throughout).
#[derive(Debug, Default)]
pub struct LoadOptions {
    /// The project name decided before loading: `-p`, `COMPOSE_PROJECT_NAME` or the
    /// normalised directory name.
    pub project_name: String,
    /// True when `project_name` came from `-p` or `COMPOSE_PROJECT_NAME`: it must already be
    /// valid and wins over `name:` in the files.
    pub project_name_imperatively_set: bool,
    pub skip_interpolation: bool,
    pub skip_normalization: bool,
    /// `--no-path-resolution` (compose-go `!ResolvePaths`).
    pub skip_resolve_paths: bool,
    pub skip_validation: bool,
    /// Consistency checks run on the typed project, after this loader; kept here so callers
    /// carry one set of options.
    pub skip_consistency: bool,
    pub skip_extends: bool,
    pub skip_include: bool,
    pub skip_default_values: bool,
    /// Warnings for the user (obsolete `version`, ...), in the order they happened.
    pub warnings: RefCell<Vec<String>>,
}

impl LoadOptions {
    /// Records a warning. Compose logs one per occurrence (an unset variable used three times
    /// warns three times), so there is no de-duplication here.
    pub(crate) fn warn(&self, message: String) {
        self.warnings.borrow_mut().push(message);
    }

    /// compose-go warns about `version` once per file for the whole process.
    fn warn_obsolete_version(&self, file: &str) {
        let message = format!(
            "{file}: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion"
        );
        if !self.warnings.borrow().contains(&message) {
            self.warn(message);
        }
    }
}

/// The options of one (possibly nested) load, as compose-go clones and adjusts them for
/// `extends` and `include`.
#[derive(Clone)]
pub(crate) struct Opts<'a> {
    pub(crate) skip_interpolation: bool,
    pub(crate) skip_validation: bool,
    pub(crate) resolve_paths: bool,
    pub(crate) skip_extends: bool,
    pub(crate) skip_include: bool,
    pub(crate) skip_default_values: bool,
    /// The variables interpolation looks up.
    pub(crate) interpolation_env: Rc<Environment>,
    /// The directory relative `extends.file` and `include` paths resolve against
    /// (compose-go's local resource loader). Absolute.
    pub(crate) loader_dir: PathBuf,
    pub(crate) sink: &'a LoadOptions,
}

impl Opts<'_> {
    /// compose-go `localResourceLoader.Load`: a path made absolute against the loader's directory.
    pub(crate) fn resolve(&self, p: &str) -> String {
        if is_abs(p) {
            p.to_owned()
        } else {
            go_join(&[&path_str(&self.loader_dir), p])
        }
    }

    /// compose-go `localResourceLoader.Dir`: the directory of a file (or the directory itself),
    /// relative to the loader's directory when possible.
    pub(crate) fn dir(&self, original: &str) -> String {
        let mut path = self.resolve(original);
        if !FsPath::new(&path).is_dir() {
            path = self.resolve(&go_dir(original));
        }
        go_rel(&path_str(&self.loader_dir), &path).unwrap_or(path)
    }
}

/// A set of files to load into one model (compose-go `ConfigDetails` as `loadYamlModel` sees
/// it); `working_dir` may be relative for included projects.
pub(crate) struct ModelDetails {
    pub(crate) working_dir: String,
    pub(crate) files: Vec<ConfigFile>,
    pub(crate) environment: Rc<Environment>,
}

/// Loads the files of `details` into one model, as compose-go's `LoadModelWithContext` does:
/// the untyped, canonical, normalised tree `config` prints once typed.
pub fn load_model(details: &ConfigDetails, opts: &LoadOptions) -> Result<Node> {
    load_model_and_name(details, opts).map(|(model, _)| model)
}

/// [`load_model`], also returning the project name it decided (see [`project_name`]), so that
/// callers need not decide it a second time (which would repeat its interpolation warnings).
pub fn load_model_and_name(details: &ConfigDetails, opts: &LoadOptions) -> Result<(Node, String)> {
    if details.config_files.is_empty() {
        return Err(Error::invalid("No files specified"));
    }
    let mut environment = details.environment.clone();
    let (name, parsed) = project_name_and_documents(details, opts, &mut environment);
    let name = name?;
    let environment = Rc::new(environment);
    let o = Opts {
        skip_interpolation: opts.skip_interpolation,
        skip_validation: opts.skip_validation,
        resolve_paths: !opts.skip_resolve_paths,
        skip_extends: opts.skip_extends,
        skip_include: opts.skip_include,
        skip_default_values: opts.skip_default_values,
        interpolation_env: Rc::clone(&environment),
        loader_dir: details.working_dir.clone(),
        sink: opts,
    };
    let model = ModelDetails {
        working_dir: path_str(&details.working_dir),
        files: details.config_files.clone(),
        environment: Rc::clone(&environment),
    };
    let mut dict = load_yaml_model_parsed(&model, &o, &[], &[], parsed)?;
    if dict.as_map().is_none_or(Map::is_empty) {
        return Err(Error::invalid("empty compose file"));
    }
    if name.is_empty() {
        return Err(Error::invalid("project name must not be empty"));
    }
    if !opts.skip_normalization {
        if let Some(map) = dict.as_map_mut() {
            map.insert(
                Key::synthetic("name"),
                Node::string(name.clone(), Span::SYNTHETIC),
            );
        }
        crate::normalize::normalize(&mut dict, &environment)?;
    }
    Ok((dict, name))
}

/// Loads one in-memory file named `name` (project name `test`, given imperatively), for tests
/// and fuzzing.
pub fn load_from_str(
    name: &str,
    yaml: &str,
    env: Environment,
    working_dir: &FsPath,
) -> Result<Node> {
    let details = ConfigDetails {
        working_dir: working_dir.to_path_buf(),
        config_files: vec![ConfigFile {
            name: name.to_owned(),
            content: Some(yaml.into()),
        }],
        environment: env,
    };
    let opts = LoadOptions {
        project_name: "test".to_owned(),
        project_name_imperatively_set: true,
        ..LoadOptions::default()
    };
    load_model(&details, &opts)
}

/// Lower-cases and keeps only `[a-z0-9_-]`, without leading `_` or `-` (compose-go
/// `NormalizeProjectName`).
pub fn normalize_project_name(s: &str) -> String {
    let kept: String = s
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_owned()
}

/// The project name, as compose-go's `projectName` decides it: an imperative name must be
/// valid already; otherwise the last non-empty `name:` of the files, interpolated and
/// normalised, wins over the name decided before loading. As in Docker Compose's CLI, that
/// directory-based name is not used at all when the first document of some file has a
/// `name:` (so `name: ${UNSET}` gives "project name must not be empty"). The result is always
/// added to `environment` as `COMPOSE_PROJECT_NAME`, so files can interpolate it.
pub fn project_name(
    details: &ConfigDetails,
    opts: &LoadOptions,
    environment: &mut Environment,
) -> Result<String> {
    project_name_and_documents(details, opts, environment).0
}

/// The documents of each compose file, parsed while deciding the project name, for loading to
/// use instead of parsing the files again; `None` for a file that was not parsed.
type Parsed = Vec<Option<Result<Vec<Node>>>>;

/// [`project_name`], also handing back the documents it parsed.
fn project_name_and_documents(
    details: &ConfigDetails,
    opts: &LoadOptions,
    environment: &mut Environment,
) -> (Result<String>, Parsed) {
    let mut name = opts.project_name.clone();
    let mut parsed = Vec::new();
    let result = project_name_inner(details, opts, environment, &mut name, &mut parsed);
    environment.insert("COMPOSE_PROJECT_NAME", name.clone());
    (result.map(|()| name), parsed)
}

fn project_name_inner(
    details: &ConfigDetails,
    opts: &LoadOptions,
    environment: &Environment,
    name: &mut String,
    parsed: &mut Parsed,
) -> Result<()> {
    if opts.project_name_imperatively_set {
        if normalize_project_name(name) != *name {
            return Err(Error::invalid(format!(
                "invalid project name {}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number",
                go_quote(name)
            )));
        }
        return Ok(());
    }
    let mut from_files = String::new();
    let mut named_in_yaml = false;
    for file in &details.config_files {
        let id = match &file.content {
            Some(c) => sources::register(file.name.clone(), Arc::clone(c)),
            None => {
                let content = std::fs::read_to_string(&file.name).map_err(|e| {
                    Error::io(format!(
                        "failed to read file {}: {}",
                        go_quote(&file.name),
                        io_message(&file.name, &e)
                    ))
                })?;
                sources::register(file.name.clone(), content)
            }
        };
        // A parse error is ignored here: loading reports it.
        let docs = crate::yaml::parse(id);
        if let Ok(docs) = &docs {
            let named = |doc: &Node| {
                doc.get("name")
                    .and_then(Node::scalar_to_string)
                    .is_some_and(|n| !n.is_empty())
            };
            named_in_yaml |= docs.first().is_some_and(named);
            for doc in docs {
                if let Some(n) = doc.get("name").and_then(Node::scalar_to_string) {
                    if !n.is_empty() {
                        from_files = n;
                    }
                }
            }
        }
        parsed.push(Some(docs));
    }
    if !opts.skip_interpolation {
        let mut map = Map::new();
        map.insert(
            Key::synthetic("name"),
            Node::string(from_files, Span::SYNTHETIC),
        );
        let mut tree = Node::map(map, Span::SYNTHETIC);
        let mut warnings = Vec::new();
        let result = crate::interpolate::interpolate_with_warnings(
            &mut tree,
            &|k: &str| environment.lookup(k),
            &mut warnings,
        );
        for w in warnings {
            opts.warn(w);
        }
        result?;
        from_files = tree
            .get("name")
            .and_then(Node::scalar_to_string)
            .unwrap_or_default();
    }
    let from_files = normalize_project_name(&from_files);
    if named_in_yaml {
        name.clear();
    }
    if !from_files.is_empty() {
        *name = from_files;
    }
    Ok(())
}

/// compose-go `loadYamlModel`: every file merged into one model, then defaults, validation,
/// relative paths and the services' environment.
pub(crate) fn load_yaml_model(
    details: &ModelDetails,
    opts: &Opts<'_>,
    tracker: &[ServiceRef],
    included: &[String],
) -> Result<Node> {
    load_yaml_model_parsed(details, opts, tracker, included, Vec::new())
}

/// [`load_yaml_model`] with the documents of some files already parsed (by position).
fn load_yaml_model_parsed(
    details: &ModelDetails,
    opts: &Opts<'_>,
    tracker: &[ServiceRef],
    included: &[String],
    mut parsed: Parsed,
) -> Result<Node> {
    let mut dict = Node::map(Map::new(), Span::SYNTHETIC);
    for (i, file) in details.files.iter().enumerate() {
        let docs = parsed.get_mut(i).and_then(Option::take);
        dict = load_yaml_file(
            file,
            opts,
            &details.working_dir,
            &details.environment,
            tracker,
            dict,
            included,
            docs,
        )?
        .0;
    }
    if !opts.skip_default_values {
        crate::defaults::set_default_values(&mut dict)?;
    }
    if !opts.skip_validation {
        validate(&dict)?;
    }
    if opts.resolve_paths {
        crate::paths::resolve_relative_paths(&mut dict, FsPath::new(&details.working_dir))?;
    }
    crate::normalize::resolve_environment(&mut dict, &details.environment);
    Ok(dict)
}

/// compose-go `loadYamlFile`: the documents of one file, each through the per-document
/// pipeline and merged into `dict`. Also returns the last document's reset paths, which
/// `extends` applies to the services it copies out of this file. `parsed` is the file's
/// documents when they have been parsed already.
#[allow(clippy::too_many_arguments)]
pub(crate) fn load_yaml_file(
    file: &ConfigFile,
    opts: &Opts<'_>,
    working_dir: &str,
    environment: &Rc<Environment>,
    tracker: &[ServiceRef],
    mut dict: Node,
    included: &[String],
    parsed: Option<Result<Vec<Node>>>,
) -> Result<(Node, Option<ResetPaths>)> {
    let docs = match parsed {
        Some(docs) => docs?,
        None => {
            let id = match &file.content {
                Some(c) => sources::register(file.name.clone(), Arc::clone(c)),
                None => sources::register(
                    file.name.clone(),
                    std::fs::read_to_string(&file.name).map_err(|e| read_error(&file.name, &e))?,
                ),
            };
            crate::yaml::parse(id)?
        }
    };
    let mut included = included.to_vec();
    let mut last_resets = None;
    for mut doc in docs {
        let resets = ResetPaths::take(&mut doc);
        if doc.as_map().is_none() {
            return Err(Error::invalid("Top-level object must be a mapping").at(doc.span));
        }
        if !opts.skip_interpolation {
            let env = Rc::clone(&opts.interpolation_env);
            let mut warnings = Vec::new();
            let result = crate::interpolate::interpolate_with_warnings(
                &mut doc,
                &|k: &str| env.lookup(k),
                &mut warnings,
            );
            for w in warnings {
                opts.sink.warn(w);
            }
            result?;
        }
        if !opts.skip_extends {
            let ctx = ExtendsContext {
                filename: file.name.clone(),
                opts: opts.clone(),
                tracker: tracker.to_vec(),
                post: vec![resets.clone()],
            };
            extends::apply_extends(&mut doc, &ctx)?;
        }
        resets.apply(&mut dict);
        if !opts.skip_include {
            included.push(file.name.clone());
            let ctx = IncludeContext {
                working_dir: working_dir.to_owned(),
                environment: Rc::clone(environment),
                opts: opts.clone(),
                included: included.clone(),
            };
            include::apply_include(&mut doc, &ctx)?;
        }
        dict = merge::merge_untagged(dict, doc)?;
        merge::enforce_unicity(&mut dict)?;
        if !opts.skip_validation {
            // The reference prefixes "validating <file>: "; berth's errors already carry the
            // file, line and column, so the prefix is only added when the error has no position.
            crate::schema::validate(&dict).map_err(|mut e| {
                if e.span.is_none_or(|s| s.is_synthetic()) {
                    e.message = format!("validating {}: {}", file.name, e.message);
                }
                e
            })?;
            if let Some(map) = dict.as_map_mut() {
                if map.shift_remove("version").is_some() {
                    opts.sink.warn_obsolete_version(&file.name);
                }
            }
        }
        for w in crate::canonical::canonical_with_warnings(&mut dict, opts.skip_interpolation)? {
            opts.sink.warn(w);
        }
        crate::canonical::omit_empty(&mut dict);
        // Canonical syntax can reveal duplicates (a port range overlapping a later port).
        merge::enforce_unicity(&mut dict)?;
        last_resets = Some(resets);
    }
    Ok((dict, last_resets))
}

/// A file that could not be read, worded as Go's `os.ReadFile` fails.
pub(crate) fn read_error(name: &str, e: &std::io::Error) -> Error {
    let message = io_message(name, e);
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::not_found(message)
    } else {
        Error::io(message)
    }
}

/// Go opens a directory without complaint and fails on the first read.
fn io_message(name: &str, e: &std::io::Error) -> String {
    let verb = if e.kind() == std::io::ErrorKind::IsADirectory { "read" } else { "open" };
    format!("{verb} {name}: {}", io_reason(e))
}

/// The reason part of an I/O error, worded like Go's.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_owned(),
        _ => e.to_string(),
    }
}

/// Go's `%q` for the strings compose-go quotes in messages.
pub(crate) use crate::template::go_quote;

// --- compose-go's `validation` package -------------------------------------------------

/// The checks compose-go's `validation.Validate` makes on the merged model, after defaults:
/// external volumes take no other attribute, secrets and configs need exactly one source,
/// watch paths are not blank, device requests do not set both `count` and `device_ids`.
pub fn validate(root: &Node) -> Result<()> {
    let mut path = Vec::new();
    validate_at(root, &mut path)
}

#[derive(Clone, Copy)]
enum Check {
    Volume,
    FileObject(&'static [&'static str]),
    Path,
    DeviceRequest,
}

const CHECKS: &[(&[&str], Check)] = &[
    (&["volumes", "*"], Check::Volume),
    (
        &["configs", "*"],
        Check::FileObject(&["file", "environment", "content"]),
    ),
    (
        &["secrets", "*"],
        Check::FileObject(&["file", "environment"]),
    ),
    (
        &["services", "*", "develop", "watch", "*", "path"],
        Check::Path,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "resources",
            "reservations",
            "devices",
            "*",
        ],
        Check::DeviceRequest,
    ),
    (&["services", "*", "gpus", "*"], Check::DeviceRequest),
];

fn matches(path: &[String], pattern: &[&str]) -> bool {
    path.len() == pattern.len()
        && path
            .iter()
            .zip(pattern)
            .all(|(part, pat)| *pat == "*" || pat == part)
}

fn validate_at(node: &Node, path: &mut Vec<String>) -> Result<()> {
    if let Some((_, check)) = CHECKS.iter().find(|(pattern, _)| matches(path, pattern)) {
        return run_check(*check, node, &path.join("."));
    }
    match &node.value {
        Value::Map(map) => {
            for (key, child) in map {
                path.push(key.name.clone());
                let result = validate_at(child, path);
                path.pop();
                result?;
            }
        }
        Value::Seq(items) => {
            for child in items {
                path.push("[]".to_owned());
                let result = validate_at(child, path);
                path.pop();
                result?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn run_check(check: Check, node: &Node, p: &str) -> Result<()> {
    let empty = Map::new();
    match check {
        Check::Volume => {
            let map = match &node.value {
                Value::Null => return Ok(()),
                Value::Map(m) => m,
                _ => {
                    return Err(Error::invalid(format!(
                        "expected volume, got {}",
                        node.scalar_to_string()
                            .unwrap_or_else(|| merge::go_format_v(node))
                    ))
                    .at(node.span))
                }
            };
            check_external(map, p).map_err(|e| e.at(node.span))
        }
        Check::FileObject(keys) => {
            let map = node.as_map().unwrap_or(&empty);
            let count = keys.iter().filter(|k| map.contains_key(**k)).count();
            if count > 1 {
                return Err(Error::invalid(format!(
                    "{p}: {} attributes are mutually exclusive",
                    keys.join("|")
                ))
                .at(node.span));
            }
            if count == 0 && !map.contains_key("driver") && !map.contains_key("external") {
                return Err(
                    Error::invalid(format!("{p}: one of {} must be set", keys.join("|")))
                        .at(node.span),
                );
            }
            Ok(())
        }
        Check::Path => {
            if node.as_str() == Some("") {
                return Err(Error::invalid(format!("{p}: value can't be blank")).at(node.span));
            }
            Ok(())
        }
        Check::DeviceRequest => {
            let map = node.as_map().unwrap_or(&empty);
            if map.contains_key("count") && map.contains_key("device_ids") {
                return Err(Error::invalid(format!(
                    "{p}: \"count\" and \"device_ids\" attributes are exclusive"
                ))
                .at(node.span));
            }
            Ok(())
        }
    }
}

fn check_external(map: &Map, p: &str) -> Result<()> {
    if map.get("external").and_then(Node::as_bool) != Some(true) {
        return Ok(());
    }
    for key in map.keys() {
        match key.name.as_str() {
            "name" | "external" => {}
            k if k.starts_with("x-") => {}
            k => {
                return Err(Error::invalid(format!(
                    "{p}: conflicting parameters \"external\" and {} specified",
                    go_quote(k)
                ))
                .at(key.span))
            }
        }
    }
    Ok(())
}

// --- Go's path/filepath, lexically, on `/`-separated strings ------------------------------

/// A path as a string, the form compose-go works on.
pub(crate) fn path_str(p: &FsPath) -> String {
    p.to_string_lossy().into_owned()
}

pub(crate) fn is_abs(p: &str) -> bool {
    p.starts_with('/')
}

/// Go's `filepath.Clean`.
pub(crate) fn go_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Join`: non-empty elements joined by `/`, then cleaned.
pub(crate) fn go_join(parts: &[&str]) -> String {
    let kept: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if kept.is_empty() {
        return String::new();
    }
    go_clean(&kept.join("/"))
}

/// Go's `filepath.Dir`.
pub(crate) fn go_dir(p: &str) -> String {
    match p.rfind('/') {
        Some(i) => go_clean(p.get(..=i).unwrap_or("/")),
        None => ".".to_owned(),
    }
}

/// Go's `filepath.Rel`, `None` where Go returns an error.
pub(crate) fn go_rel(base: &str, target: &str) -> Option<String> {
    let base = go_clean(base);
    let target = go_clean(target);
    if base == target {
        return Some(".".to_owned());
    }
    if is_abs(&base) != is_abs(&target) {
        return None;
    }
    let comps = |s: &str| -> Vec<String> {
        if s == "." {
            Vec::new()
        } else {
            s.split('/')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        }
    };
    let b = comps(&base);
    let t = comps(&target);
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let b_rest = b.get(common..).unwrap_or_default();
    let t_rest = t.get(common..).unwrap_or_default();
    if b_rest.first().is_some_and(|c| c == "..") {
        return None;
    }
    let mut out: Vec<&str> = b_rest.iter().map(|_| "..").collect();
    out.extend(t_rest.iter().map(String::as_str));
    Some(out.join("/"))
}

/// Go's `filepath.Abs`: against the process's current directory.
pub(crate) fn go_abs(p: &str) -> String {
    if is_abs(p) {
        return go_clean(p);
    }
    let cwd = std::env::current_dir().map_or_else(|_| "/".to_owned(), |d| path_str(&d));
    go_join(&[&cwd, p])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_paths() {
        assert_eq!(go_clean("a/./b/../c/"), "a/c");
        assert_eq!(go_clean("/../a"), "/a");
        assert_eq!(go_clean("../../a"), "../../a");
        assert_eq!(go_clean(""), ".");
        assert_eq!(go_join(&["/proj", "./dir/../x"]), "/proj/x");
        assert_eq!(go_join(&["dir", "."]), "dir");
        assert_eq!(go_join(&["", ""]), "");
        assert_eq!(go_dir("/a/b/c.yaml"), "/a/b");
        assert_eq!(go_dir("c.yaml"), ".");
        assert_eq!(go_dir("/c.yaml"), "/");
        assert_eq!(go_rel("/a/b", "/a/b/c/d").as_deref(), Some("c/d"));
        assert_eq!(go_rel("/a/b", "/a/x").as_deref(), Some("../x"));
        assert_eq!(go_rel("/a/b", "/a/b").as_deref(), Some("."));
        assert_eq!(go_rel("/a", "b"), None);
        assert_eq!(go_rel(".", "dir").as_deref(), Some("dir"));
    }

    #[test]
    fn project_names_normalise() {
        assert_eq!(normalize_project_name("My_Proj.Name"), "my_projname");
        assert_eq!(normalize_project_name("_-x"), "x");
    }

    fn details(files: Vec<ConfigFile>) -> ConfigDetails {
        ConfigDetails {
            working_dir: PathBuf::from("/proj"),
            config_files: files,
            environment: Environment::new(),
        }
    }

    fn file(name: &str, content: &str) -> ConfigFile {
        ConfigFile {
            name: name.to_owned(),
            content: Some(content.into()),
        }
    }

    #[test]
    fn imperative_name_must_be_valid() {
        let opts = LoadOptions {
            project_name: "Bad".into(),
            project_name_imperatively_set: true,
            ..Default::default()
        };
        let mut env = Environment::new();
        let err = project_name(
            &details(vec![file("/proj/c.yaml", "name: x\n")]),
            &opts,
            &mut env,
        )
        .unwrap_err();
        assert!(
            err.message
                .starts_with("invalid project name \"Bad\": must consist"),
            "{}",
            err.message
        );
        assert_eq!(env.get("COMPOSE_PROJECT_NAME"), Some("Bad"));
    }

    #[test]
    fn last_file_name_wins_and_is_normalised() {
        let opts = LoadOptions {
            project_name: "dir".into(),
            ..Default::default()
        };
        let mut env = Environment::new();
        let name = project_name(
            &details(vec![
                file("/proj/a.yaml", "name: first\n"),
                file("/proj/b.yaml", "name: Second.One\n"),
            ]),
            &opts,
            &mut env,
        )
        .unwrap();
        assert_eq!(name, "secondone");
        assert_eq!(env.get("COMPOSE_PROJECT_NAME"), Some("secondone"));
        let name = project_name(
            &details(vec![file("/proj/a.yaml", "services: {}\n")]),
            &opts,
            &mut env,
        )
        .unwrap();
        assert_eq!(name, "dir");
        let name = project_name(
            &details(vec![file("/proj/a.yaml", "name: ${UNSET}\n")]),
            &opts,
            &mut env,
        )
        .unwrap();
        assert_eq!(name, "");
    }

    #[test]
    fn load_decides_the_name_once() {
        let opts = LoadOptions {
            project_name: "dir".into(),
            ..Default::default()
        };
        let (model, name) = load_model_and_name(
            &details(vec![file(
                "/proj/a.yaml",
                "name: ${UNSET:-My.App}\nservices:\n  web:\n    image: ${COMPOSE_PROJECT_NAME}\n",
            )]),
            &opts,
        )
        .unwrap();
        assert_eq!(name, "myapp");
        assert_eq!(model.get("name").and_then(Node::as_str), Some("myapp"));
        let image = model
            .get("services")
            .and_then(|s| s.get("web"))
            .and_then(|w| w.get("image"));
        assert_eq!(image.and_then(Node::as_str), Some("myapp"));
    }

    #[test]
    fn no_files_and_empty_files_are_errors() {
        let opts = LoadOptions {
            project_name: "p".into(),
            ..Default::default()
        };
        assert_eq!(
            load_model(&details(vec![]), &opts).unwrap_err().message,
            "No files specified"
        );
        assert_eq!(
            load_model(
                &details(vec![file("/proj/c.yaml", "# Empty file\n")]),
                &opts
            )
            .unwrap_err()
            .message,
            "empty compose file"
        );
        let opts = LoadOptions::default();
        assert_eq!(
            load_model(
                &details(vec![file("/proj/c.yaml", "services: {a: {image: x}}\n")]),
                &opts
            )
            .unwrap_err()
            .message,
            "project name must not be empty"
        );
    }

    #[test]
    fn top_level_must_be_a_mapping() {
        let err = load_from_str(
            "/proj/c.yaml",
            "- a\n",
            Environment::new(),
            FsPath::new("/proj"),
        )
        .unwrap_err();
        assert_eq!(err.message, "Top-level object must be a mapping");
    }

    #[test]
    fn files_merge_in_order_and_version_warns() {
        let opts = LoadOptions {
            project_name: "p".into(),
            project_name_imperatively_set: true,
            ..Default::default()
        };
        let out = load_model(
            &details(vec![
                file("/proj/a.yaml", "version: '3'\nservices:\n  web:\n    image: a\n    environment: [A=1]\n"),
                file("/proj/b.yaml", "services:\n  web:\n    image: b\n    environment: {B: '2'}\n---\nservices:\n  web:\n    cap_add: [X]\n"),
            ]),
            &opts,
        )
        .unwrap();
        assert_eq!(
            out.get("services").unwrap().to_json(),
            json!({"web": {"image": "b", "environment": ["A=1", "B=2"], "cap_add": ["X"], "networks": {"default": null}}})
        );
        assert!(out.get("version").is_none());
        assert_eq!(
            opts.warnings.borrow().as_slice(),
            ["/proj/a.yaml: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion"]
        );
    }

    #[test]
    fn warnings_are_kept_per_occurrence() {
        let opts = LoadOptions {
            project_name: "p".into(),
            project_name_imperatively_set: true,
            ..Default::default()
        };
        load_model(
            &details(vec![
                file("/proj/a.yaml", "version: '3'\nservices:\n  web:\n    image: ${TAG}\n    labels: ['a=${TAG}']\n"),
                file("/proj/b.yaml", "version: '3'\nservices:\n  web:\n    image: x\n"),
            ]),
            &opts,
        )
        .unwrap();
        let warnings = opts.warnings.borrow();
        assert_eq!(
            warnings
                .iter()
                .filter(|w| w.contains("\"TAG\" variable is not set"))
                .count(),
            2,
            "{warnings:?}"
        );
        assert_eq!(
            warnings
                .iter()
                .filter(|w| w.contains("`version` is obsolete"))
                .count(),
            2,
            "{warnings:?}"
        );
    }

    #[test]
    fn merge_errors_point_at_the_later_file() {
        let opts = LoadOptions {
            project_name: "p".into(),
            project_name_imperatively_set: true,
            ..Default::default()
        };
        let err = load_model(
            &details(vec![
                file(
                    "/proj/a.yaml",
                    "services:\n  web:\n    image: a\n    cap_add: [X]\n",
                ),
                file("/proj/b.yaml", "services:\n  web:\n    cap_add: Y\n"),
            ]),
            &opts,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "/proj/b.yaml:3:14: cannot override services.web.cap_add"
        );
    }

    #[test]
    fn schema_errors_name_the_file() {
        let err = load_from_str(
            "/proj/c.yaml",
            "services:\n  web:\n    imgae: x\n",
            Environment::new(),
            FsPath::new("/proj"),
        )
        .unwrap_err();
        assert_eq!(err.file().as_deref(), Some("/proj/c.yaml"), "{err}");
        assert!(err.to_string().starts_with("/proj/c.yaml:3:5: "), "{err}");
    }

    #[allow(clippy::needless_pass_by_value)]
    fn check(v: serde_json::Value) -> std::result::Result<(), String> {
        validate(&Node::from_json(&v)).map_err(|e| e.message)
    }

    #[test]
    fn validation_package_checks() {
        assert_eq!(
            check(json!({"volumes": {"v": {"external": true, "driver": "local"}}})),
            Err("volumes.v: conflicting parameters \"external\" and \"driver\" specified".into())
        );
        assert_eq!(
            check(json!({"volumes": {"v": {"external": true, "name": "x", "x-a": 1}, "w": null}})),
            Ok(())
        );
        assert_eq!(
            check(json!({"secrets": {"s": {"file": "a", "environment": "B"}}})),
            Err("secrets.s: file|environment attributes are mutually exclusive".into())
        );
        assert_eq!(
            check(json!({"secrets": {"s": {}}})),
            Err("secrets.s: one of file|environment must be set".into())
        );
        assert_eq!(
            check(json!({"secrets": {"s": {"external": true}}, "configs": {"c": {"driver": "x"}}})),
            Ok(())
        );
        assert_eq!(
            check(json!({"configs": {"c": {"file": "a", "content": "b"}}})),
            Err("configs.c: file|environment|content attributes are mutually exclusive".into())
        );
        assert_eq!(
            check(
                json!({"services": {"w": {"develop": {"watch": [{"path": "", "action": "sync"}]}}}})
            ),
            Err("services.w.develop.watch.[].path: value can't be blank".into())
        );
        assert_eq!(
            check(json!({"services": {"w": {"gpus": [{"count": 1, "device_ids": ["0"]}]}}})),
            Err("services.w.gpus.[]: \"count\" and \"device_ids\" attributes are exclusive".into())
        );
        assert_eq!(
            check(json!({"services": {"w": {"deploy": {"resources": {"reservations": {"devices": [{"count": 1, "device_ids": ["0"]}]}}}}}})),
            Err("services.w.deploy.resources.reservations.devices.[]: \"count\" and \"device_ids\" attributes are exclusive".into())
        );
    }
}
