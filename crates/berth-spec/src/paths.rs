//! Resolution of relative paths (build contexts, bind mounts, `env_file`, secrets, ...) against
//! the project directory, as compose-go's `paths.ResolveRelativePaths` does on the canonical
//! tree: `~` expands to `$HOME`, remote build contexts and remote `extends` files are left
//! alone, Windows absolute paths in bind mounts are kept as written.

use std::path::Path as FsPath;

use crate::canonical::{invalid, Cursor};
use crate::error::{Error, Result};
use crate::node::{Node, Value};

/// Makes the relative paths of a canonical project tree absolute, relative to `working_dir`.
/// `~` is expanded with the `HOME` environment variable of the process.
pub fn resolve_relative_paths(root: &mut Node, working_dir: &FsPath) -> Result<()> {
    let home = std::env::var("HOME").ok().filter(|h| !h.is_empty());
    resolve_relative_paths_with_home(root, working_dir, home.as_deref())
}

/// Like [`resolve_relative_paths`] with an explicit home directory (`None`: leave `~` alone,
/// as Compose does when `HOME` is unset).
pub fn resolve_relative_paths_with_home(root: &mut Node, working_dir: &FsPath, home: Option<&str>) -> Result<()> {
    let resolver = Resolver { working_dir: working_dir.to_string_lossy().into_owned(), home: home.map(str::to_owned) };
    resolver.walk(root, &Cursor::root())
}

#[derive(Clone, Copy)]
enum Kind {
    /// A local path (or a list of them).
    Abs,
    /// A build context: remote URLs and `service:` references are kept.
    Context,
    /// A path that may already be absolute on another platform (Windows drive, UNC).
    MaybeUnix,
    /// An `extends` file, unless it names a remote resource.
    Extends,
    /// A watched path: made absolute, then its first symbolic link resolved.
    SymLink,
    /// A service volume: only bind sources are paths.
    VolumeMount,
    /// A top-level volume: `local` driver bind mounts name a device path.
    DriverOpts,
}

const RULES: &[(&str, Kind)] = &[
    ("services.*.build.context", Kind::Context),
    ("services.*.build.additional_contexts.*", Kind::Context),
    ("services.*.build.ssh.*", Kind::MaybeUnix),
    ("services.*.env_file.*.path", Kind::Abs),
    ("services.*.label_file.*", Kind::Abs),
    ("services.*.extends.file", Kind::Extends),
    ("services.*.develop.watch.*.path", Kind::SymLink),
    ("services.*.volumes.*", Kind::VolumeMount),
    ("configs.*.file", Kind::MaybeUnix),
    ("secrets.*.file", Kind::MaybeUnix),
    // As in the reference, these name `include` as a mapping; includes are normally resolved
    // (and removed) before this step, by the include loader.
    ("include.path", Kind::Abs),
    ("include.project_directory", Kind::Abs),
    ("include.env_file", Kind::Abs),
    ("volumes.*", Kind::DriverOpts),
];

/// Go's `filepath.Join` on Unix: non-empty elements joined by `/`, then cleaned.
pub(crate) fn join(base: &str, rel: &str) -> String {
    let joined = match (base.is_empty(), rel.is_empty()) {
        (true, true) => return String::new(),
        (true, false) => rel.to_owned(),
        (false, true) => base.to_owned(),
        (false, false) => format!("{base}/{rel}"),
    };
    crate::canonical::clean_path(&joined)
}

/// Build contexts that are not local directories.
pub fn is_remote_context(s: &str) -> bool {
    ["https://", "http://", "git://", "ssh://", "github.com/", "git@"].iter().any(|p| s.starts_with(p))
}

/// Files Compose fetches through its remote resource loaders (git repositories, OCI artifacts).
pub fn is_remote_resource(s: &str) -> bool {
    if s.starts_with("oci://") || s.starts_with("github.com/") || s.starts_with("git@") {
        return true;
    }
    if s.starts_with("git://") || s.starts_with("ssh://") {
        return true;
    }
    if s.starts_with("http://") || s.starts_with("https://") {
        // An HTTP(S) URL is a git reference only when its path ends in `.git` (a `#ref` may follow).
        let url = s.split_once('#').map_or(s, |(u, _)| u);
        // Case-sensitive, as buildkit's check is.
        #[allow(clippy::case_sensitive_file_extension_comparisons)]
        return url.ends_with(".git");
    }
    false
}

fn is_slash(c: u8) -> bool {
    c == b'\\' || c == b'/'
}

/// Length of a Windows volume name (`C:` or `\\server\share`) at the start of `p`, else 0.
fn windows_volume_len(p: &str) -> usize {
    let b = p.as_bytes();
    if b.len() < 2 {
        return 0;
    }
    if b.get(1) == Some(&b':') && b.first().is_some_and(u8::is_ascii_alphabetic) {
        return 2;
    }
    let l = b.len();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    if l >= 5 && is_slash(at(0)) && is_slash(at(1)) && !is_slash(at(2)) && at(2) != b'.' {
        let mut n = 3;
        while n + 1 < l {
            if is_slash(at(n)) {
                n += 1;
                if !is_slash(at(n)) {
                    if at(n) == b'.' {
                        break;
                    }
                    while n < l && !is_slash(at(n)) {
                        n += 1;
                    }
                    return n;
                }
                break;
            }
            n += 1;
        }
    }
    0
}

/// Whether `p` is an absolute Windows path (`C:\x`, `\\server\share\x`).
pub fn is_windows_abs(p: &str) -> bool {
    let l = windows_volume_len(p);
    l != 0 && p.as_bytes().get(l).copied().is_some_and(is_slash)
}

struct Resolver {
    working_dir: String,
    home: Option<String>,
}

impl Resolver {
    fn walk(&self, node: &mut Node, cur: &Cursor) -> Result<()> {
        for (pattern, kind) in RULES {
            if cur.matches(pattern) {
                return self.apply(*kind, node, cur);
            }
        }
        match &mut node.value {
            Value::Map(map) => {
                for (k, v) in map.iter_mut() {
                    if cur.child_reaches(&k.name, RULES.iter().map(|(p, _)| *p)) {
                        self.walk(v, &cur.key(&k.name))?;
                    }
                }
            }
            Value::Seq(items) if cur.child_reaches("[]", RULES.iter().map(|(p, _)| *p)) => {
                for (i, v) in items.iter_mut().enumerate() {
                    self.walk(v, &cur.index(i))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// `~` → home directory (`~user` is not special: it becomes `$HOME/user`, as in Compose).
    fn expand_user(&self, p: &str) -> String {
        match (p.strip_prefix('~'), &self.home) {
            (Some(rest), Some(home)) => join(home, rest),
            _ => p.to_owned(),
        }
    }

    fn abs_str(&self, p: &str) -> String {
        let p = self.expand_user(p);
        if p.starts_with('/') || p.is_empty() {
            p
        } else {
            join(&self.working_dir, &p)
        }
    }

    fn maybe_unix_str(&self, p: &str) -> String {
        let p = self.expand_user(p);
        if p.starts_with('/') || is_windows_abs(&p) {
            p
        } else {
            join(&self.working_dir, &p)
        }
    }

    fn abs(&self, node: &mut Node, cur: &Cursor) -> Result<()> {
        match &mut node.value {
            Value::Seq(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.abs(item, &cur.index(i))?;
                }
                Ok(())
            }
            Value::String(s) => {
                *s = self.abs_str(s);
                Ok(())
            }
            _ => Err(invalid(format!("expected a path, found {}", node.kind_name()), node, cur)),
        }
    }

    fn maybe_unix(&self, node: &mut Node) {
        if let Value::String(s) = &mut node.value {
            *s = self.maybe_unix_str(s);
        }
    }

    fn apply(&self, kind: Kind, node: &mut Node, cur: &Cursor) -> Result<()> {
        match kind {
            Kind::Abs => self.abs(node, cur),
            Kind::MaybeUnix => {
                self.maybe_unix(node);
                Ok(())
            }
            Kind::Context => {
                let Some(s) = node.as_str() else {
                    return Err(invalid(format!("expected a build context, found {}", node.kind_name()), node, cur));
                };
                if s.contains("://") || s.starts_with("service:") || is_remote_context(s) {
                    return Ok(());
                }
                self.abs(node, cur)
            }
            Kind::Extends => {
                let Some(s) = node.as_str() else {
                    return Err(invalid(format!("expected a file path, found {}", node.kind_name()), node, cur));
                };
                if is_remote_resource(s) {
                    return Ok(());
                }
                self.abs(node, cur)
            }
            Kind::SymLink => {
                self.abs(node, cur)?;
                if let Value::String(s) = &mut node.value {
                    let resolved = resolve_first_symlink(s)
                        .map_err(|e| Error::io(format!("{s}: {e}")).at(node.span).with_path(&cur.path()))?;
                    *s = resolved;
                }
                Ok(())
            }
            Kind::VolumeMount => self.volume_mount(node, cur),
            Kind::DriverOpts => {
                self.driver_opts(node);
                Ok(())
            }
        }
    }

    fn volume_mount(&self, node: &mut Node, cur: &Cursor) -> Result<()> {
        let span = node.span;
        let Some(vol) = node.as_map_mut() else {
            // Not in canonical form (interpolation was skipped): nothing to do.
            return Ok(());
        };
        if vol.get("type").and_then(Node::as_str) != Some("bind") {
            return Ok(());
        }
        match vol.get_mut("source") {
            None => Err(Error::invalid("invalid mount config for type \"bind\": field Source must not be empty")
                .at(span)
                .with_path(&cur.path())),
            Some(src) => {
                if src.as_str().is_none() {
                    return Err(invalid(
                        format!("a bind mount source must be a path, found {}", src.kind_name()),
                        src,
                        &cur.key("source"),
                    ));
                }
                self.maybe_unix(src);
                Ok(())
            }
        }
    }

    /// `driver: local` with `driver_opts: {o: bind, device: path}` is a bind mount in disguise.
    fn driver_opts(&self, node: &mut Node) {
        let Some(vol) = node.as_map_mut() else {
            return;
        };
        if vol.get("driver").and_then(Node::as_str) != Some("local") {
            return;
        }
        let Some(opts) = vol.get_mut("driver_opts").and_then(Node::as_map_mut) else {
            return;
        };
        if opts.get("o").and_then(Node::as_str) != Some("bind") {
            return;
        }
        if let Some(dev) = opts.get_mut("device") {
            self.maybe_unix(dev);
        }
    }
}

/// Replaces the first symbolic link along an absolute path by its fully resolved target,
/// as compose-go does for watched paths.
fn resolve_first_symlink(path: &str) -> std::io::Result<String> {
    let mut current = if path.starts_with('/') { String::from("/") } else { String::new() };
    for part in path.split('/').filter(|p| !p.is_empty()) {
        current = join(&current, part);
        let is_link = std::fs::symlink_metadata(&current).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            let target = std::fs::canonicalize(&current)?;
            return Ok(path.replacen(&current, &target.to_string_lossy(), 1));
        }
    }
    Ok(path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve(v: &serde_json::Value) -> serde_json::Value {
        let mut n = Node::from_json(v);
        resolve_relative_paths_with_home(&mut n, FsPath::new("/proj"), Some("/home/u")).unwrap();
        n.to_json()
    }

    #[test]
    fn build_contexts() {
        let out = resolve(&json!({"services": {
            "a": {"build": {"context": "."}},
            "b": {"build": {"context": "./sub/../x", "additional_contexts": {"c": "../c", "img": "docker-image://alpine", "s": "service:base"}}},
            "c": {"build": {"context": "https://github.com/a/b.git#main"}},
            "d": {"build": {"context": "git@github.com:a/b.git"}},
            "e": {"build": {"context": "github.com/a/b"}},
            "f": {"build": {"context": "/abs/./x"}},
            "g": {"build": {"context": "~/src"}}
        }}));
        let s = &out["services"];
        assert_eq!(s["a"]["build"]["context"], json!("/proj"));
        assert_eq!(s["b"]["build"]["context"], json!("/proj/x"));
        assert_eq!(s["b"]["build"]["additional_contexts"], json!({"c": "/c", "img": "docker-image://alpine", "s": "service:base"}));
        assert_eq!(s["c"]["build"]["context"], json!("https://github.com/a/b.git#main"));
        assert_eq!(s["d"]["build"]["context"], json!("git@github.com:a/b.git"));
        assert_eq!(s["e"]["build"]["context"], json!("github.com/a/b"));
        // Absolute paths are kept as written.
        assert_eq!(s["f"]["build"]["context"], json!("/abs/./x"));
        assert_eq!(s["g"]["build"]["context"], json!("/home/u/src"));
    }

    #[test]
    fn build_ssh() {
        let out = resolve(&json!({"services": {"a": {"build": {"ssh": {"default": null, "k": "id_rsa", "h": "~/.ssh/id"}}}}}));
        assert_eq!(out["services"]["a"]["build"]["ssh"], json!({"default": null, "k": "/proj/id_rsa", "h": "/home/u/.ssh/id"}));
    }

    #[test]
    fn env_and_label_files() {
        let out = resolve(&json!({"services": {"a": {
            "env_file": [{"path": ".env", "required": true}, {"path": "/etc/x.env"}, {"path": ""}],
            "label_file": ["l.labels"]
        }}}));
        assert_eq!(
            out["services"]["a"]["env_file"],
            json!([{"path": "/proj/.env", "required": true}, {"path": "/etc/x.env"}, {"path": ""}])
        );
        assert_eq!(out["services"]["a"]["label_file"], json!(["/proj/l.labels"]));
    }

    #[test]
    fn extends_file() {
        let out = resolve(&json!({"services": {
            "a": {"extends": {"service": "b", "file": "base.yaml"}},
            "c": {"extends": {"service": "b", "file": "oci://registry/x"}},
            "d": {"extends": {"service": "b", "file": "https://github.com/a/b.git"}},
            "e": {"extends": {"service": "b", "file": "https://example.com/compose.yaml"}}
        }}));
        let s = &out["services"];
        assert_eq!(s["a"]["extends"]["file"], json!("/proj/base.yaml"));
        assert_eq!(s["c"]["extends"]["file"], json!("oci://registry/x"));
        assert_eq!(s["d"]["extends"]["file"], json!("https://github.com/a/b.git"));
        assert_eq!(s["e"]["extends"]["file"], json!("/proj/https:/example.com/compose.yaml"));
    }

    #[test]
    fn volumes() {
        let out = resolve(&json!({"services": {"a": {"volumes": [
            {"type": "bind", "source": "./data", "target": "/d"},
            {"type": "bind", "source": "C:\\x", "target": "/c"},
            {"type": "bind", "source": "\\\\srv\\share\\x", "target": "/u"},
            {"type": "bind", "source": "~", "target": "/h"},
            {"type": "volume", "source": "data", "target": "/v"},
            "./unparsed:/x"
        ]}}}));
        assert_eq!(
            out["services"]["a"]["volumes"],
            json!([
                {"type": "bind", "source": "/proj/data", "target": "/d"},
                {"type": "bind", "source": "C:\\x", "target": "/c"},
                {"type": "bind", "source": "\\\\srv\\share\\x", "target": "/u"},
                {"type": "bind", "source": "/home/u", "target": "/h"},
                {"type": "volume", "source": "data", "target": "/v"},
                "./unparsed:/x"
            ])
        );
        let mut n = Node::from_json(&json!({"services": {"a": {"volumes": [{"type": "bind", "target": "/d"}]}}}));
        let e = resolve_relative_paths_with_home(&mut n, FsPath::new("/p"), None).unwrap_err();
        assert_eq!(e.message, "invalid mount config for type \"bind\": field Source must not be empty");
        assert_eq!(e.path.as_deref(), Some("services.a.volumes[0]"));
    }

    #[test]
    fn top_level_resources() {
        let out = resolve(&json!({
            "configs": {"c": {"file": "./c.txt"}, "e": {"external": true}},
            "secrets": {"s": {"file": "s.txt"}, "t": {"environment": "X"}},
            "volumes": {
                "b": {"driver": "local", "driver_opts": {"o": "bind", "type": "none", "device": "./dev"}},
                "n": {"driver": "local", "driver_opts": {"o": "nfs", "device": "./dev"}},
                "x": null
            }
        }));
        assert_eq!(out["configs"], json!({"c": {"file": "/proj/c.txt"}, "e": {"external": true}}));
        assert_eq!(out["secrets"], json!({"s": {"file": "/proj/s.txt"}, "t": {"environment": "X"}}));
        assert_eq!(out["volumes"]["b"]["driver_opts"]["device"], json!("/proj/dev"));
        assert_eq!(out["volumes"]["n"]["driver_opts"]["device"], json!("./dev"));
        assert_eq!(out["volumes"]["x"], json!(null));
    }

    #[test]
    fn no_home_leaves_tilde() {
        let mut n = Node::from_json(&json!({"secrets": {"s": {"file": "~/s"}}}));
        resolve_relative_paths_with_home(&mut n, FsPath::new("/p"), None).unwrap();
        assert_eq!(n.to_json()["secrets"]["s"]["file"], json!("/p/~/s"));
    }

    #[test]
    fn watch_paths_follow_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
        let mut n = Node::from_json(&json!({"services": {"a": {"develop": {"watch": [
            {"path": "link/src", "action": "sync"},
            {"path": "plain", "action": "rebuild"}
        ]}}}}));
        // The temporary directory itself may sit behind a link; start from its real path.
        let wd = std::fs::canonicalize(dir.path()).unwrap();
        resolve_relative_paths_with_home(&mut n, &wd, None).unwrap();
        let watch = n.to_json()["services"]["a"]["develop"]["watch"].clone();
        assert_eq!(watch[0]["path"], json!(format!("{}/real/src", wd.display())));
        assert_eq!(watch[1]["path"], json!(format!("{}/plain", wd.display())));
    }

    #[test]
    fn windows_abs() {
        assert!(is_windows_abs("C:\\x"));
        assert!(is_windows_abs("c:/x"));
        assert!(!is_windows_abs("C:"));
        assert!(!is_windows_abs("C:x"));
        assert!(is_windows_abs("\\\\server\\share\\x"));
        assert!(!is_windows_abs("\\\\server"));
        assert!(!is_windows_abs("/x"));
    }
}
