//! `services.*.volumes`: the short syntax `[source:]target[:options]`, parsed as compose-go's
//! `format.ParseVolume` does (Windows drive letters, bind vs named volume, `ro`/`rw`,
//! `nocopy`, propagation and `selinux` options).

use super::{bool_node, invalid, map_node, str_node, Ctx, Cursor};
use crate::error::Result;
use crate::node::{Node, Span, Value};

/// Bind options of a short-syntax volume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeBind {
    pub selinux: String,
    pub propagation: String,
    pub create_host_path: bool,
}

/// A parsed short-syntax volume, before it is written out as long syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeSpec {
    /// `bind` or `volume`.
    pub kind: String,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    pub bind: Option<VolumeBind>,
    /// `Some(nocopy)` when the long form carries a `volume:` mapping.
    pub volume_nocopy: Option<bool>,
}

const PROPAGATIONS: &[&str] = &["rprivate", "private", "rshared", "shared", "rslave", "slave"];
const SELINUX: &[&str] = &["z", "Z"];

fn is_windows_drive(buffer: &[char], c: char) -> bool {
    c == ':' && buffer.len() == 1 && buffer.first().is_some_and(|b| b.is_alphabetic())
}

/// Sources that name a host path rather than a volume: relative, absolute, home-relative,
/// Windows named pipes and drive paths.
fn is_file_path(source: &str) -> bool {
    let mut chars = source.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if matches!(first, '.' | '/' | '~') || source.starts_with("\\\\") {
        return true;
    }
    // The reference looks at the byte after the first character.
    let next = source.as_bytes().get(first.len_utf8()).copied().map(char::from);
    next.is_some_and(|n| is_windows_drive(&[first], n))
}

fn populate_type(v: &mut VolumeSpec) {
    if is_file_path(&v.source) {
        "bind".clone_into(&mut v.kind);
        v.bind.get_or_insert_with(VolumeBind::default).create_host_path = true;
    } else {
        "volume".clone_into(&mut v.kind);
        if v.volume_nocopy.is_none() {
            v.volume_nocopy = Some(false);
        }
    }
}

/// Fills the next field from one `:`-separated section; `at_end` is true for the last one.
fn populate_field(at_end: bool, buffer: &[char], v: &mut VolumeSpec) -> std::result::Result<(), &'static str> {
    if buffer.is_empty() {
        return Err("empty section between colons");
    }
    let text: String = buffer.iter().collect();
    if v.source.is_empty() && at_end {
        v.target = text;
        return Ok(());
    }
    if v.source.is_empty() {
        v.source = text;
        return Ok(());
    }
    if v.target.is_empty() {
        v.target = text;
        return Ok(());
    }
    if !at_end {
        return Err("too many colons");
    }
    for option in text.split(',') {
        match option {
            "ro" => v.read_only = true,
            "rw" => v.read_only = false,
            "nocopy" => v.volume_nocopy = Some(true),
            o if PROPAGATIONS.contains(&o) => {
                o.clone_into(&mut v.bind.get_or_insert_with(VolumeBind::default).propagation);
            }
            o if SELINUX.contains(&o) => {
                o.clone_into(&mut v.bind.get_or_insert_with(VolumeBind::default).selinux);
            }
            // Unknown options are ignored, as the reference does.
            _ => {}
        }
    }
    Ok(())
}

/// Parses a short-syntax volume (`./data:/data:ro`, `cache:/cache`, `/anonymous`).
/// The target is returned as written; [`volume_mount`] cleans it.
pub fn parse_volume(spec: &str) -> std::result::Result<VolumeSpec, String> {
    let mut v = VolumeSpec::default();
    match spec.len() {
        0 => return Err("invalid empty volume spec".to_owned()),
        1 | 2 => {
            return Ok(VolumeSpec { kind: "volume".to_owned(), target: spec.to_owned(), ..VolumeSpec::default() });
        }
        _ => {}
    }
    let mut buffer: Vec<char> = Vec::new();
    // A NUL ends the spec early, as the reference's end-of-spec sentinel does.
    for c in spec.chars().chain(std::iter::once('\0')) {
        if is_windows_drive(&buffer, c) {
            buffer.push(c);
        } else if c == ':' || c == '\0' {
            if let Err(e) = populate_field(c == '\0', &buffer, &mut v) {
                return Err(format!("invalid spec: {spec}: {e}"));
            }
            buffer.clear();
        } else {
            buffer.push(c);
        }
    }
    populate_type(&mut v);
    Ok(v)
}

/// Go's `path.Clean`: lexical clean-up of a slash-separated path.
pub(crate) fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            _ => out.push(part),
        }
    }
    let joined = out.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// The long-syntax mapping of a parsed volume, keys in Compose's order.
fn volume_node(v: &VolumeSpec, span: Span) -> Node {
    let mut entries = vec![("type", str_node(v.kind.clone(), span))];
    if !v.source.is_empty() {
        entries.push(("source", str_node(v.source.clone(), span)));
    }
    if !v.target.is_empty() {
        entries.push(("target", str_node(v.target.clone(), span)));
    }
    if v.read_only {
        entries.push(("read_only", bool_node(true, span)));
    }
    if let Some(b) = &v.bind {
        let mut bind = Vec::new();
        if !b.selinux.is_empty() {
            bind.push(("selinux", str_node(b.selinux.clone(), span)));
        }
        if !b.propagation.is_empty() {
            bind.push(("propagation", str_node(b.propagation.clone(), span)));
        }
        if b.create_host_path {
            bind.push(("create_host_path", bool_node(true, span)));
        }
        entries.push(("bind", map_node(bind, span)));
    }
    if let Some(nocopy) = v.volume_nocopy {
        let vol = if nocopy { vec![("nocopy", bool_node(true, span))] } else { Vec::new() };
        entries.push(("volume", map_node(vol, span)));
    }
    map_node(entries, span)
}

/// `services.*.volumes.*`: a string becomes the long-syntax mapping; mappings are kept.
pub(super) fn volume_mount(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::String(s) => match parse_volume(s) {
            Ok(mut v) => {
                if !v.target.is_empty() {
                    v.target = clean_path(&v.target);
                }
                *node = volume_node(&v, node.span);
                Ok(())
            }
            Err(_) if ctx.ignore_parse_errors => Ok(()),
            Err(e) => Err(invalid(e, node, cur)
                .with_hint("use [source:]target[:ro|rw], e.g. \"./data:/data:ro\", or the long syntax")),
        },
        _ => Err(invalid(format!("a volume must be a string or a mapping, found {}", node.kind_name()), node, cur)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{canon, canon_err};
    use super::*;
    use serde_json::json;

    fn vol(spec: &str) -> serde_json::Value {
        canon(&json!({"services": {"s": {"volumes": [spec]}}}))["services"]["s"]["volumes"][0].clone()
    }

    #[test]
    fn named_volume() {
        assert_eq!(vol("data:/data"), json!({"type": "volume", "source": "data", "target": "/data", "volume": {}}));
        assert_eq!(
            vol("data:/data:ro,nocopy"),
            json!({"type": "volume", "source": "data", "target": "/data", "read_only": true, "volume": {"nocopy": true}})
        );
    }

    #[test]
    fn anonymous_volume() {
        assert_eq!(vol("/data/"), json!({"type": "volume", "target": "/data", "volume": {}}));
        assert_eq!(vol("/d"), json!({"type": "volume", "target": "/d"}));
    }

    #[test]
    fn bind_mounts() {
        assert_eq!(
            vol("./src:/app/./x:rw"),
            json!({"type": "bind", "source": "./src", "target": "/app/x", "bind": {"create_host_path": true}})
        );
        assert_eq!(
            vol("~/x:/x:ro,z,rshared"),
            json!({"type": "bind", "source": "~/x", "target": "/x", "read_only": true,
                   "bind": {"selinux": "z", "propagation": "rshared", "create_host_path": true}})
        );
        assert_eq!(
            vol("C:\\data:/data"),
            json!({"type": "bind", "source": "C:\\data", "target": "/data", "bind": {"create_host_path": true}})
        );
        assert_eq!(vol("\\\\pipe\\x:/x")["type"], json!("bind"));
        // A one-letter first section is a drive letter, so its colon does not separate.
        assert_eq!(vol("a:b:/t")["source"], json!("a:b"));
    }

    #[test]
    fn bind_option_on_named_volume() {
        assert_eq!(
            vol("data:/data:z"),
            json!({"type": "volume", "source": "data", "target": "/data", "bind": {"selinux": "z"}, "volume": {}})
        );
    }

    #[test]
    fn unknown_options_ignored() {
        assert_eq!(vol("data:/data:delegated"), vol("data:/data"));
    }

    #[test]
    fn long_syntax_kept() {
        let long = json!({"type": "tmpfs", "target": "/t"});
        assert_eq!(canon(&json!({"services": {"s": {"volumes": [long.clone()]}}}))["services"]["s"]["volumes"][0], long);
    }

    #[test]
    fn errors() {
        assert_eq!(parse_volume("").unwrap_err(), "invalid empty volume spec");
        assert_eq!(parse_volume("ab:cd:ro:x").unwrap_err(), "invalid spec: ab:cd:ro:x: too many colons");
        assert_eq!(parse_volume("ab::cd").unwrap_err(), "invalid spec: ab::cd: empty section between colons");
        let e = canon_err(&json!({"services": {"s": {"volumes": ["/a", "xy:/y:ro:z"]}}}));
        assert_eq!(e.path.as_deref(), Some("services.s.volumes[1]"));
        assert!(e.message.contains("too many colons"));
        let e = canon_err(&json!({"services": {"s": {"volumes": [3]}}}));
        assert!(e.message.contains("found an integer"));
    }

    #[test]
    fn clean() {
        assert_eq!(clean_path("/a/../b/./c/"), "/b/c");
        assert_eq!(clean_path("/.."), "/");
        assert_eq!(clean_path("a/../.."), "..");
        assert_eq!(clean_path(""), ".");
        assert_eq!(clean_path("./"), ".");
    }
}
