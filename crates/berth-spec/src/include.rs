//! `include`: loading other compose projects into this one.
//!
//! As compose-go v2.4.8 (`loader/include.go`): each entry (`- path` or
//! `{path, project_directory, env_file}`) is loaded as a project of its own: its files are
//! merged with each other, it is interpolated with the including project's environment
//! completed by its own `.env` (the including environment wins), given defaults, validated and
//! path-resolved against its own directory. Its services, volumes, networks, secrets and
//! configs are then copied into the including document; a name the including document
//! already defines is an error unless both definitions are identical. A file that includes
//! itself, directly or through others, is an error showing the chain.

use std::rc::Rc;

use crate::environment::Environment;
use crate::error::Error;
use crate::loader::{self, go_join, is_abs, ConfigFile, ModelDetails, Opts};
use crate::merge::go_format_v;
use crate::node::{Map, Node, Value};
use crate::Result;

/// What `include` needs from the load in progress.
#[derive(Clone)]
pub struct IncludeContext<'a> {
    /// The working directory of the project being loaded (relative for included projects,
    /// as in compose-go).
    pub(crate) working_dir: String,
    /// The environment of the project being loaded.
    pub(crate) environment: Rc<Environment>,
    pub(crate) opts: Opts<'a>,
    /// The chain of files being loaded, outermost first, for cycle detection.
    pub(crate) included: Vec<String>,
}

/// One `include` entry (compose-go `types.IncludeConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct IncludeConfig {
    path: Vec<String>,
    project_directory: String,
    env_file: Vec<String>,
}

/// The resources an included project contributes.
const IMPORTED: [&str; 5] = ["services", "volumes", "networks", "secrets", "configs"];

/// Loads every `include` entry of `model` and copies its resources in, then removes `include`.
pub fn apply_include(model: &mut Node, ctx: &IncludeContext<'_>) -> Result<()> {
    let configs = load_include_config(model.get("include"))?;
    let span = model.get("include").map(|n| n.span);
    for mut config in configs {
        include_one(&mut config, model, ctx).map_err(|e| match span {
            Some(span) => e.at(span),
            None => e,
        })?;
    }
    if let Some(map) = model.as_map_mut() {
        map.shift_remove("include");
    }
    Ok(())
}

fn include_one(r: &mut IncludeConfig, model: &mut Node, ctx: &IncludeContext<'_>) -> Result<()> {
    let opts = &ctx.opts;
    let mut rel_working_dir = String::new();
    for (i, p) in r.path.iter_mut().enumerate() {
        let path = opts.resolve(p);
        if i == 0 {
            // The first file defines the project directory; the others are its overrides.
            if r.project_directory.is_empty() {
                rel_working_dir = opts.dir(&path);
                r.project_directory = loader::go_dir(&path);
            } else if is_abs(&r.project_directory) {
                rel_working_dir.clone_from(&r.project_directory);
            } else {
                rel_working_dir = opts.dir(&r.project_directory);
                r.project_directory = go_join(&[&ctx.working_dir, &r.project_directory]);
            }
            if ctx.included.contains(&path) {
                let mut chain = ctx.included.clone();
                chain.push(path.clone());
                let rest: Vec<&str> = chain.iter().skip(1).map(String::as_str).collect();
                return Err(Error::invalid(format!(
                    "include cycle detected:\n{}\n include {}",
                    chain.first().map_or("", String::as_str),
                    rest.join("\n include ")
                )));
            }
        }
        *p = path;
    }

    let env_files = env_files(r, &ctx.working_dir)?;
    let from_files = read_env_files(&env_files, &ctx.environment, opts.sink)?;
    let mut environment = (*ctx.environment).clone();
    for (k, v) in from_files {
        environment.insert_if_absent(k, v);
    }
    let environment = Rc::new(environment);

    let mut load_opts = opts.clone();
    load_opts.resolve_paths = true;
    // compose-go's option cloning drops SkipDefaultValues.
    load_opts.skip_default_values = false;
    load_opts.loader_dir = r.project_directory.clone().into();
    load_opts.interpolation_env = Rc::clone(&environment);
    let details = ModelDetails {
        working_dir: rel_working_dir,
        files: r
            .path
            .iter()
            .map(|p| ConfigFile {
                name: p.clone(),
                content: None,
            })
            .collect(),
        environment,
    };
    let imported = loader::load_yaml_model(&details, &load_opts, &[], &ctx.included)?;
    import_resources(&imported, model)
}

/// The `.env` files of an entry: `env_file` (relative to the including project), or the
/// included project's `.env` when it exists.
fn env_files(r: &IncludeConfig, working_dir: &str) -> Result<Vec<String>> {
    if r.env_file.is_empty() {
        let f = go_join(&[&r.project_directory, ".env"]);
        return Ok(if std::path::Path::new(&f).is_file() {
            vec![f]
        } else {
            Vec::new()
        });
    }
    let mut out = Vec::new();
    for f in &r.env_file {
        let mut f = f.clone();
        if !is_abs(&f) {
            f = go_join(&[working_dir, &f]);
            let meta = std::fs::metadata(&f)
                .map_err(|e| Error::not_found(format!("stat {f}: {}", loader::io_reason(&e))))?;
            if meta.is_dir() {
                return Err(Error::invalid(format!("{f} is not a file")));
            }
        }
        out.push(f);
    }
    Ok(out)
}

/// compose-go `dotenv.GetEnvFromFile`: later files see earlier ones' variables, and the
/// environment given wins when a file interpolates.
fn read_env_files(
    files: &[String],
    environment: &Environment,
    sink: &crate::loader::LoadOptions,
) -> Result<Vec<(String, String)>> {
    let mut acc = Environment::new();
    for f in files {
        let abs = loader::go_abs(f);
        let meta = std::fs::metadata(&abs)
            .map_err(|_| Error::not_found(format!("Couldn't find env file: {abs}")))?;
        if meta.is_dir() {
            return Err(Error::invalid(format!("{abs} is a directory")));
        }
        let vars = {
            let lookup = |k: &str| environment.lookup(k).or_else(|| acc.lookup(k));
            let mut warnings = Vec::new();
            let vars = crate::dotenv::read_file_with_warnings(
                std::path::Path::new(&abs),
                &lookup,
                &mut warnings,
            );
            for w in warnings {
                sink.warn(w);
            }
            vars.map_err(|e| Error::invalid(format!("failed to read {abs}: {}", e.message)))?
        };
        for (k, v) in vars {
            acc.insert(k, v);
        }
    }
    Ok(acc.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// compose-go `loadIncludeConfig`: the entries, short ones turned into `{path}`.
fn load_include_config(source: Option<&Node>) -> Result<Vec<IncludeConfig>> {
    let Some(source) = source.filter(|s| !s.is_null()) else {
        return Ok(Vec::new());
    };
    let Some(items) = source.as_seq() else {
        return Err(Error::invalid(format!(
            "`include` must be a list, got {}",
            go_format_v(source)
        ))
        .at(source.span));
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let config = match &item.value {
            Value::String(s) => IncludeConfig {
                path: vec![s.clone()],
                ..IncludeConfig::default()
            },
            Value::Map(m) => IncludeConfig {
                path: string_list(m.get("path"), i, "path")?,
                project_directory: match m.get("project_directory") {
                    None
                    | Some(Node {
                        value: Value::Null, ..
                    }) => String::new(),
                    Some(n) => n.as_str().map(str::to_owned).ok_or_else(|| {
                        Error::invalid(format!("include[{i}].project_directory must be a string"))
                            .at(n.span)
                    })?,
                },
                env_file: string_list(m.get("env_file"), i, "env_file")?,
            },
            _ => {
                return Err(Error::invalid(format!(
                    "include[{i}] must be a string or a mapping, found {}",
                    item.kind_name()
                ))
                .at(item.span))
            }
        };
        out.push(config);
    }
    Ok(out)
}

/// compose-go `types.StringList`: a string or a list of strings.
fn string_list(node: Option<&Node>, i: usize, key: &str) -> Result<Vec<String>> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    match &node.value {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Seq(items) => items
            .iter()
            .map(|n| {
                n.scalar_to_string().ok_or_else(|| {
                    Error::invalid(format!(
                        "include[{i}].{key}: invalid type {} for string list",
                        n.kind_name()
                    ))
                    .at(n.span)
                })
            })
            .collect(),
        _ => Err(Error::invalid(format!(
            "include[{i}].{key}: invalid type {} for string list",
            node.kind_name()
        ))
        .at(node.span)),
    }
}

/// compose-go `importResources`: copies the included project's resources into `target`; a
/// name defined on both sides must be defined identically.
fn import_resources(source: &Node, target: &mut Node) -> Result<()> {
    let Some(target_map) = target.as_map_mut() else {
        return Ok(());
    };
    for key in IMPORTED {
        let Some(from) = source.get(key).filter(|n| !n.is_null()) else {
            continue;
        };
        let Some(from) = from.as_map() else {
            return Err(Error::invalid(format!("{key} must be a mapping")).at(from.span));
        };
        let (mut to, span) = match target_map.get(key) {
            None => (
                Map::new(),
                from.values().next().map(|n| n.span).unwrap_or_default(),
            ),
            Some(Node {
                value: Value::Null,
                span,
                ..
            }) => (Map::new(), *span),
            Some(Node {
                value: Value::Map(m),
                span,
                ..
            }) => (m.clone(), *span),
            Some(other) => {
                return Err(Error::invalid(format!("{key} must be a mapping")).at(other.span))
            }
        };
        for (name, value) in from {
            match to.get(name.name.as_str()) {
                Some(existing) if existing == value => {}
                Some(existing) => {
                    return Err(Error::invalid(format!(
                        "{key}.{name} conflicts with imported resource"
                    ))
                    .at(existing.span))
                }
                None => {
                    to.insert(name.clone(), value.clone());
                }
            }
        }
        match target_map.get_mut(key) {
            Some(slot) => *slot = Node::map(to, span),
            None => {
                target_map.insert(crate::node::Key::synthetic(key), Node::map(to, span));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::loader::{load_model, ConfigDetails, LoadOptions};

    fn write(dir: &Path, name: &str, text: &str) {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }

    fn load_dir(dir: &Path, main: &str, env: Environment) -> crate::Result<Node> {
        let details = ConfigDetails {
            working_dir: dir.to_path_buf(),
            config_files: vec![ConfigFile {
                name: dir.join(main).to_string_lossy().into_owned(),
                content: None,
            }],
            environment: env,
        };
        let opts = LoadOptions {
            project_name: "p".into(),
            project_name_imperatively_set: true,
            ..Default::default()
        };
        load_model(&details, &opts)
    }

    #[test]
    fn short_and_long_forms() {
        assert_eq!(
            load_include_config(Some(&Node::from_json(&json!([
                "a.yaml",
                {"path": ["b.yaml", "c.yaml"], "project_directory": "..", "env_file": "x.env"},
                {"path": "d.yaml", "env_file": ["1.env", "2.env"]}
            ]))))
            .unwrap(),
            vec![
                IncludeConfig {
                    path: vec!["a.yaml".into()],
                    ..Default::default()
                },
                IncludeConfig {
                    path: vec!["b.yaml".into(), "c.yaml".into()],
                    project_directory: "..".into(),
                    env_file: vec!["x.env".into()]
                },
                IncludeConfig {
                    path: vec!["d.yaml".into()],
                    env_file: vec!["1.env".into(), "2.env".into()],
                    ..Default::default()
                },
            ]
        );
        assert_eq!(
            load_include_config(Some(&Node::from_json(&json!("a.yaml"))))
                .unwrap_err()
                .message,
            "`include` must be a list, got a.yaml"
        );
    }

    #[test]
    fn imports_resources() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "compose.yaml", "include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: web\n    depends_on: [db]\n");
        write(
            tmp.path(),
            "sub/compose.yaml",
            "services:\n  db:\n    image: db\nvolumes:\n  data: {}\n",
        );
        let out = load_dir(tmp.path(), "compose.yaml", Environment::new()).unwrap();
        assert_eq!(
            out.get("services")
                .unwrap()
                .get("db")
                .unwrap()
                .get("image")
                .unwrap()
                .as_str(),
            Some("db")
        );
        assert!(out.get("services").unwrap().get("web").is_some());
        assert!(out.get("volumes").unwrap().get("data").is_some());
        assert!(out.get("include").is_none());
    }

    #[test]
    fn included_project_has_its_own_env_and_directory() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "compose.yaml",
            "include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: ${TAG:-none}\n",
        );
        write(
            tmp.path(),
            "sub/compose.yaml",
            "services:\n  db:\n    image: db:${TAG}\n    build: .\n    labels: ['from=${FROM}']\n",
        );
        // The included project's .env completes the environment; the including one wins.
        write(tmp.path(), "sub/.env", "TAG=sub\nFROM=dotenv\n");
        let env: Environment = [("FROM".to_owned(), "shell".to_owned())]
            .into_iter()
            .collect();
        let out = load_dir(tmp.path(), "compose.yaml", env).unwrap();
        let services = out.get("services").unwrap().to_json();
        assert_eq!(services["web"]["image"], json!("none"));
        assert_eq!(services["db"]["image"], json!("db:sub"));
        assert_eq!(services["db"]["labels"], json!(["from=shell"]));
        assert_eq!(
            services["db"]["build"]["context"],
            json!(tmp.path().join("sub").to_string_lossy())
        );
    }

    #[test]
    fn env_file_and_project_directory_options() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "compose.yaml",
            "include:\n  - path: [sub/compose.yaml, sub/override.yaml]\n    project_directory: other\n    env_file: custom.env\n",
        );
        write(
            tmp.path(),
            "sub/compose.yaml",
            "services:\n  db:\n    image: db:${TAG}\n    build: ctx\n",
        );
        write(
            tmp.path(),
            "sub/override.yaml",
            "services:\n  db:\n    cap_add: [X]\n",
        );
        write(tmp.path(), "sub/.env", "TAG=ignored\n");
        write(tmp.path(), "custom.env", "TAG=custom\n");
        std::fs::create_dir_all(tmp.path().join("other")).unwrap();
        let out = load_dir(tmp.path(), "compose.yaml", Environment::new()).unwrap();
        let db = out.get("services").unwrap().get("db").unwrap().to_json();
        assert_eq!(db["image"], json!("db:custom"));
        assert_eq!(db["cap_add"], json!(["X"]));
        assert_eq!(
            db["build"]["context"],
            json!(tmp.path().join("other/ctx").to_string_lossy())
        );
    }

    #[test]
    fn conflicts_are_errors_unless_identical() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "compose.yaml",
            "include:\n  - sub/compose.yaml\nservices:\n  db:\n    image: other\n",
        );
        write(
            tmp.path(),
            "sub/compose.yaml",
            "services:\n  db:\n    image: db\n",
        );
        let err = load_dir(tmp.path(), "compose.yaml", Environment::new()).unwrap_err();
        assert_eq!(err.message, "services.db conflicts with imported resource");

        write(
            tmp.path(),
            "compose.yaml",
            "include:\n  - sub/compose.yaml\nvolumes:\n  v: {}\nservices:\n  a:\n    image: a\n",
        );
        write(
            tmp.path(),
            "sub/compose.yaml",
            "services:\n  db:\n    image: db\nvolumes:\n  v: {}\n",
        );
        let out = load_dir(tmp.path(), "compose.yaml", Environment::new()).unwrap();
        assert!(out.get("volumes").unwrap().get("v").is_some());
    }

    #[test]
    fn cycles_show_the_chain() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "compose.yaml",
            "include:\n  - a/compose.yaml\nservices:\n  x:\n    image: x\n",
        );
        write(
            tmp.path(),
            "a/compose.yaml",
            "include:\n  - ../compose.yaml\nservices:\n  y:\n    image: y\n",
        );
        let err = load_dir(tmp.path(), "compose.yaml", Environment::new()).unwrap_err();
        let main = tmp
            .path()
            .join("compose.yaml")
            .to_string_lossy()
            .into_owned();
        let a = tmp
            .path()
            .join("a/compose.yaml")
            .to_string_lossy()
            .into_owned();
        assert_eq!(
            err.message,
            format!("include cycle detected:\n{main}\n include {a}\n include {main}")
        );

        write(
            tmp.path(),
            "self.yaml",
            "include:\n  - self.yaml\nservices:\n  x:\n    image: x\n",
        );
        let err = load_dir(tmp.path(), "self.yaml", Environment::new()).unwrap_err();
        let main = tmp.path().join("self.yaml").to_string_lossy().into_owned();
        assert_eq!(
            err.message,
            format!("include cycle detected:\n{main}\n include {main}")
        );
    }

    #[test]
    fn env_file_errors() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "compose.yaml",
            "include:\n  - path: sub/compose.yaml\n    env_file: missing.env\n",
        );
        write(
            tmp.path(),
            "sub/compose.yaml",
            "services:\n  db:\n    image: db\n",
        );
        let err = load_dir(tmp.path(), "compose.yaml", Environment::new()).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "stat {}: no such file or directory",
                tmp.path().join("missing.env").display()
            )
        );
        write(
            tmp.path(),
            "compose.yaml",
            "include:\n  - path: sub/compose.yaml\n    env_file: sub\n",
        );
        let err = load_dir(tmp.path(), "compose.yaml", Environment::new()).unwrap_err();
        assert_eq!(
            err.message,
            format!("{} is not a file", tmp.path().join("sub").display())
        );
    }
}
