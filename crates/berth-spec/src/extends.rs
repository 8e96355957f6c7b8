//! `extends`: inheriting a service from the same file or another one, chained, with relative paths rebased.
//!
//! As compose-go v2.4.8 (`loader/extends.go`, `override/extends.go`, `paths/extends.go`):
//! the base service is resolved first (recursively), copied, stripped of whatever the
//! extending document marked `!reset`/`!override`, and the extending service is merged over it
//! with the file-merge rules at `services.x`. A base from another file is loaded through the
//! per-file pipeline (interpolated and made canonical, but neither validated nor given
//! defaults) and its relative paths are rebased onto the directory of the project the
//! extending file belongs to. A service met twice on one chain is a cycle, reported with the
//! whole chain.

use std::rc::Rc;

use crate::environment::Environment;
use crate::error::Error;
use crate::loader::{self, go_quote, ConfigFile, Opts};
use crate::merge::{self, ResetPaths};
use crate::node::{Map, Node, Span, Value};
use crate::Result;

/// How deep a chain of `extends` may go before berth gives up, so that a chain that never
/// repeats exactly (it cannot, with finitely many files) still cannot exhaust the stack.
const MAX_DEPTH: usize = 256;

/// One link of an `extends` chain: a service and the file it was found in, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    pub filename: String,
    pub service: String,
}

/// What `extends` needs from the load in progress.
#[derive(Clone)]
pub struct ExtendsContext<'a> {
    /// The compose file being loaded (absolute), named in errors.
    pub(crate) filename: String,
    pub(crate) opts: Opts<'a>,
    /// The chain so far, for cycle detection.
    pub(crate) tracker: Vec<ServiceRef>,
    /// The reset paths of the document being loaded (and, along a chain, of the files the
    /// chain went through), applied to every copied base.
    pub(crate) post: Vec<ResetPaths>,
}

/// Resolves `extends` in every service of `root`, in place, removing the `extends` keys.
pub fn apply_extends(root: &mut Node, ctx: &ExtendsContext<'_>) -> Result<()> {
    let Some(map) = root.as_map_mut() else {
        return Ok(());
    };
    let Some(services) = map.get_mut("services") else {
        return Ok(());
    };
    let Some(services) = services.as_map_mut() else {
        return Err(Error::invalid("services must be a mapping").at(services.span));
    };
    let names: Vec<String> = services.keys().map(|k| k.name.clone()).collect();
    for name in names {
        let merged = apply_service_extends(&name, services, ctx, &ctx.tracker, &ctx.post)?;
        if let (Some(merged), Some(slot)) = (merged, services.get_mut(name.as_str())) {
            *slot = merged;
        }
    }
    Ok(())
}

/// Adds a link to a chain, or reports the cycle it closes.
fn track(tracker: &[ServiceRef], filename: &str, service: &str) -> Result<Vec<ServiceRef>> {
    let link = ServiceRef {
        filename: filename.to_owned(),
        service: service.to_owned(),
    };
    if tracker.contains(&link) {
        let mut lines = vec!["Circular reference:".to_owned()];
        if let Some(first) = tracker.first() {
            lines.push(format!("  {} in {}", first.service, first.filename));
        }
        for r in tracker.iter().skip(1).chain(std::iter::once(&link)) {
            lines.push(format!("  extends {} in {}", r.service, r.filename));
        }
        return Err(Error::invalid(lines.join("\n")));
    }
    if tracker.len() >= MAX_DEPTH {
        return Err(Error::invalid(format!(
            "cannot extend service {} in {filename}: the extends chain is deeper than {MAX_DEPTH} services",
            go_quote(service)
        )));
    }
    let mut next = tracker.to_vec();
    next.push(link);
    Ok(next)
}

/// compose-go `applyServiceExtends`: the resolved definition of `name` (`None` for a null
/// service), also stored back into `services`.
fn apply_service_extends(
    name: &str,
    services: &mut Map,
    ctx: &ExtendsContext<'_>,
    tracker: &[ServiceRef],
    post: &[ResetPaths],
) -> Result<Option<Node>> {
    let Some(service) = services.get(name) else {
        return Ok(None);
    };
    if service.is_null() {
        return Ok(None);
    }
    let Some(def) = service.as_map() else {
        return Err(Error::invalid(format!("services.{name} must be a mapping")).at(service.span));
    };
    let Some(extends) = def.get("extends") else {
        return Ok(Some(service.clone()));
    };
    let (reference, file) = match &extends.value {
        Value::Map(m) => {
            let reference = match m.get("service") {
                Some(Node {
                    value: Value::String(s),
                    ..
                }) => s.clone(),
                other => {
                    return Err(Error::invalid(format!(
                        "services.{name}.extends.service must be a string"
                    ))
                    .at(other.map_or(extends.span, |n| n.span)))
                }
            };
            let file = match m.get("file") {
                None
                | Some(Node {
                    value: Value::Null, ..
                }) => None,
                Some(Node {
                    value: Value::String(s),
                    ..
                }) => Some(s.clone()),
                Some(other) => {
                    return Err(Error::invalid(format!(
                        "services.{name}.extends.file must be a string"
                    ))
                    .at(other.span))
                }
            };
            (reference, file)
        }
        Value::String(s) => (s.clone(), None),
        _ => (String::new(), None),
    };
    let extends_span = extends.span;
    let service = service.clone();

    let mut post = post.to_vec();
    let mut filename = ctx.filename.clone();
    let mut other_services = None;
    if let Some(ref_path) = file {
        let (found, resets) =
            extends_base_from_file(name, &reference, &ctx.filename, &ref_path, ctx, tracker)
                .map_err(|e| e.at(extends_span))?;
        post.extend(resets);
        other_services = Some(found);
        filename = ref_path;
    } else if !services.contains_key(reference.as_str()) {
        return Err(Error::not_found(format!(
            "cannot extend service {} in {}: service {} not found",
            go_quote(name),
            ctx.filename,
            go_quote(&reference)
        ))
        .at(extends_span));
    }

    let tracker = track(tracker, &filename, name).map_err(|e| e.at(extends_span))?;
    let base = match &mut other_services {
        Some(other) => apply_service_extends(&reference, other, ctx, &tracker, &post)?,
        None => apply_service_extends(&reference, services, ctx, &tracker, &post)?,
    };
    let Some(mut source) = base else {
        return Ok(Some(service));
    };
    for resets in &post {
        resets.apply_below(&mut source, &["services", name]);
    }
    let mut merged = merge::extend_service(source, service)?;
    if let Some(m) = merged.as_map_mut() {
        m.shift_remove("extends");
    }
    match &mut other_services {
        // compose-go writes the result into the other file's services, which are dropped.
        Some(_) => {}
        None => {
            if let Some(slot) = services.get_mut(name) {
                *slot = merged.clone();
            }
        }
    }
    Ok(Some(merged))
}

/// compose-go `getExtendsBaseFromFile`: the services of `ref_path`, loaded through the per-file
/// pipeline and with their relative paths rebased, plus that file's reset paths.
fn extends_base_from_file(
    name: &str,
    reference: &str,
    path: &str,
    ref_path: &str,
    ctx: &ExtendsContext<'_>,
    tracker: &[ServiceRef],
) -> Result<(Map, Option<ResetPaths>)> {
    let opts = &ctx.opts;
    let local = opts.resolve(ref_path);
    let local_dir = loader::go_dir(&local);
    let rel_working_dir = opts.dir(ref_path);

    let mut ext = opts.clone();
    ext.loader_dir = local_dir.into();
    ext.resolve_paths = false;
    ext.skip_include = true;
    ext.skip_extends = true;
    ext.skip_validation = true;
    ext.skip_default_values = true;
    let file = ConfigFile {
        name: local.clone(),
        content: None,
    };
    let empty = Node::map(Map::new(), Span::SYNTHETIC);
    let (mut source, resets) = loader::load_yaml_file(
        &file,
        &ext,
        &rel_working_dir,
        &Rc::new(Environment::new()),
        tracker,
        empty,
        &[],
        None,
    )?;
    match source.get("services") {
        None => {
            return Err(Error::invalid(format!(
                "cannot extend service {} in {local}: no services section",
                go_quote(name)
            )))
        }
        Some(s) if s.as_map().is_none() => {
            return Err(Error::invalid(format!(
                "cannot extend service {} in {local}: services must be a mapping",
                go_quote(name)
            )))
        }
        Some(s) => {
            if !s.as_map().is_some_and(|m| m.contains_key(reference)) {
                return Err(Error::not_found(format!(
                    "cannot extend service {} in {path}: service {} not found in {ref_path}",
                    go_quote(name),
                    go_quote(reference)
                )));
            }
        }
    }
    crate::paths::resolve_relative_paths(&mut source, std::path::Path::new(&rel_working_dir))?;
    let services = match source.as_map_mut().and_then(|m| m.shift_remove("services")) {
        Some(Node {
            value: Value::Map(m),
            ..
        }) => m,
        _ => Map::new(),
    };
    Ok((services, resets))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use crate::environment::Environment;
    use crate::loader::{load_from_str, load_model, ConfigDetails, ConfigFile, LoadOptions};

    fn load(yaml: &str) -> crate::Result<serde_json::Value> {
        load_from_str(
            "/proj/compose.yaml",
            yaml,
            Environment::new(),
            Path::new("/proj"),
        )
        .map(|n| {
            n.get("services")
                .map(crate::Node::to_json)
                .unwrap_or_default()
        })
    }

    #[test]
    fn same_file_chain() {
        let out = load(
            "services:
  base:
    image: busybox
    environment: [A=1]
    command: [sleep, '1']
  mid:
    extends: base
    environment: {B: '2'}
  top:
    extends: {service: mid}
    command: [echo]
    ports: ['80']
",
        )
        .unwrap();
        assert_eq!(
            out["top"],
            json!({
                "image": "busybox",
                "environment": ["A=1", "B=2"],
                "command": ["echo"],
                "ports": [{"mode": "ingress", "target": 80, "protocol": "tcp"}],
                "networks": {"default": null}
            })
        );
        assert_eq!(
            out["mid"],
            json!({"image": "busybox", "environment": ["A=1", "B=2"], "command": ["sleep", "1"], "networks": {"default": null}})
        );
        assert_eq!(out["base"]["image"], json!("busybox"));
    }

    #[test]
    fn missing_service_is_an_error() {
        let err = load("services:\n  web:\n    extends: nope\n").unwrap_err();
        assert_eq!(
            err.message,
            "cannot extend service \"web\" in /proj/compose.yaml: service \"nope\" not found"
        );
    }

    #[test]
    fn errors_point_at_the_extends_key() {
        let err = load_from_str(
            "/proj/compose.yaml",
            "services:\n  web:\n    image: x\n    extends: nope\n",
            Environment::new(),
            Path::new("/proj"),
        )
        .unwrap_err();
        let text = err.render();
        assert!(text.starts_with("/proj/compose.yaml:4:14: "), "{text}");
        assert!(text.contains("4 |     extends: nope"), "{text}");
    }

    #[test]
    fn cycles_name_the_chain() {
        let err =
            load("services:\n  a:\n    extends: b\n  b:\n    extends: c\n  c:\n    extends: a\n")
                .unwrap_err();
        assert_eq!(
            err.message,
            "Circular reference:\n  a in /proj/compose.yaml\n  extends b in /proj/compose.yaml\n  extends c in /proj/compose.yaml\n  extends a in /proj/compose.yaml"
        );
        let err = load("services:\n  a:\n    extends: a\n").unwrap_err();
        assert_eq!(
            err.message,
            "Circular reference:\n  a in /proj/compose.yaml\n  extends a in /proj/compose.yaml"
        );
    }

    #[test]
    fn null_base_keeps_the_service() {
        let out = load("services:\n  base:\n  web:\n    image: x\n    extends: base\n");
        // The base is null: compose-go keeps the extending service as written, and the schema
        // then rejects the null service.
        assert!(out.is_err());
    }

    fn write(dir: &Path, name: &str, text: &str) {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }

    fn load_dir(dir: &Path, main: &str) -> crate::Result<serde_json::Value> {
        let details = ConfigDetails {
            working_dir: dir.to_path_buf(),
            config_files: vec![ConfigFile {
                name: dir.join(main).to_string_lossy().into_owned(),
                content: None,
            }],
            environment: Environment::new(),
        };
        let opts = LoadOptions {
            project_name: "p".into(),
            project_name_imperatively_set: true,
            ..Default::default()
        };
        load_model(&details, &opts).map(|n| {
            n.get("services")
                .map(crate::Node::to_json)
                .unwrap_or_default()
        })
    }

    #[test]
    fn other_file_chain() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "compose.yaml", "services:\n  web:\n    extends: {file: dir/base.yaml, service: base}\n    image: mine\n");
        write(tmp.path(), "dir/base.yaml", "services:\n  base:\n    extends: {file: root.yaml, service: root}\n    environment: [B=2]\n");
        write(
            tmp.path(),
            "dir/root.yaml",
            "services:\n  root:\n    image: root\n    environment: [A=1]\n    cap_add: [X]\n",
        );
        let out = load_dir(tmp.path(), "compose.yaml").unwrap();
        assert_eq!(
            out["web"],
            json!({"image": "mine", "environment": ["A=1", "B=2"], "cap_add": ["X"], "networks": {"default": null}})
        );
    }

    #[test]
    fn file_is_interpolated_and_paths_rebased() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "compose.yaml",
            "services:\n  web:\n    extends: {file: '${DIR}/base.yaml', service: base}\n",
        );
        write(tmp.path(), "sub/base.yaml", "services:\n  base:\n    build: ./ctx\n    volumes: ['./data:/data']\n    env_file: [e.env]\n");
        write(tmp.path(), "sub/e.env", "X=1\n");
        let details = ConfigDetails {
            working_dir: tmp.path().to_path_buf(),
            config_files: vec![ConfigFile {
                name: tmp
                    .path()
                    .join("compose.yaml")
                    .to_string_lossy()
                    .into_owned(),
                content: None,
            }],
            environment: [("DIR".to_owned(), "sub".to_owned())].into_iter().collect(),
        };
        let opts = LoadOptions {
            project_name: "p".into(),
            project_name_imperatively_set: true,
            ..Default::default()
        };
        let out = load_model(&details, &opts).unwrap();
        let web = out.get("services").unwrap().get("web").unwrap().to_json();
        let sub = tmp.path().join("sub");
        assert_eq!(
            web["build"]["context"],
            json!(sub.join("ctx").to_string_lossy())
        );
        assert_eq!(
            web["volumes"][0]["source"],
            json!(sub.join("data").to_string_lossy())
        );
        assert_eq!(
            web["env_file"][0]["path"],
            json!(sub.join("e.env").to_string_lossy())
        );
    }

    #[test]
    fn other_file_errors() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "compose.yaml",
            "services:\n  web:\n    extends: {file: base.yaml, service: nope}\n",
        );
        write(
            tmp.path(),
            "base.yaml",
            "services:\n  base:\n    image: x\n",
        );
        let main = tmp.path().join("compose.yaml");
        let err = load_dir(tmp.path(), "compose.yaml").unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "cannot extend service \"web\" in {}: service \"nope\" not found in base.yaml",
                main.display()
            )
        );
        write(
            tmp.path(),
            "compose.yaml",
            "services:\n  web:\n    extends: {file: empty.yaml, service: x}\n",
        );
        write(tmp.path(), "empty.yaml", "x-a: 1\n");
        let err = load_dir(tmp.path(), "compose.yaml").unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "cannot extend service \"web\" in {}: no services section",
                tmp.path().join("empty.yaml").display()
            )
        );
        write(
            tmp.path(),
            "compose.yaml",
            "services:\n  web:\n    extends: {file: missing.yaml, service: x}\n",
        );
        let err = load_dir(tmp.path(), "compose.yaml").unwrap_err();
        assert!(
            err.message.contains("no such file or directory"),
            "{}",
            err.message
        );
    }

    #[test]
    fn cycle_across_files() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "compose.yaml",
            "services:\n  web:\n    extends: {file: b.yaml, service: x}\n",
        );
        write(
            tmp.path(),
            "b.yaml",
            "services:\n  x:\n    extends: {file: b.yaml, service: x}\n",
        );
        let err = load_dir(tmp.path(), "compose.yaml").unwrap_err();
        assert_eq!(
            err.message,
            "Circular reference:\n  web in b.yaml\n  extends x in b.yaml\n  extends x in b.yaml"
        );
    }
}
