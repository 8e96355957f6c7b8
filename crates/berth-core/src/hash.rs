//! The service config hash (`com.docker.compose.config-hash`), byte for byte as Docker Compose
//! computes it, so that containers made by `docker compose` are not recreated by berth and the
//! other way round.
//!
//! Docker Compose hashes `json.Marshal` of compose-go's `ServiceConfig` with `build`,
//! `pull_policy`, `scale` and `deploy.replicas` cleared. The model's serde `Serialize` already
//! follows compose-go's field order and `omitempty` rules (in its JSON rendering); what differs
//! from `serde_json`'s writer is Go's encoder, which [`go_json`] reproduces: `<`, `>`, `&`,
//! U+2028 and U+2029 escaped as `\u003c`-style sequences, other control characters as `\n`,
//! `\r`, `\t`, `\b`, `\f` or `\u00XX`, and floats printed in their shortest form without a
//! fraction when whole (`2`, not `2.0`) and with Go's exponent form outside `[1e-6, 1e21)`.
//!
//! The reference binary is built with Go 1.24, whose encoder writes `\b` and `\f` (Go 1.21
//! wrote `\u0008` and `\u000c`); berth follows the reference.

use std::fmt::Write as _;

use berth_spec::model::ServiceConfig;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Serialising a service for hashing failed.
#[derive(Debug, thiserror::Error)]
#[error("computing the config hash of service {service}: {source}")]
pub struct HashError {
    /// The service.
    pub service: String,
    /// What serde reported.
    #[source]
    pub source: serde_json::Error,
}

/// The hash input of a service: its JSON form with `build`, `pull_policy`, `scale` and
/// `deploy.replicas` removed (none of them changes the container).
pub fn service_json(service: &ServiceConfig) -> Result<Value, HashError> {
    let mut service = service.clone();
    service.build = None;
    service.pull_policy.clear();
    service.scale = None;
    if let Some(deploy) = service.deploy.as_mut() {
        deploy.replicas = None;
    }
    serde_json::to_value(&service).map_err(|source| HashError { service: service.name.clone(), source })
}

/// The config hash of a service: the hex SHA-256 of [`service_json`] as Go's `json.Marshal`
/// writes it.
pub fn service_hash(service: &ServiceConfig) -> Result<String, HashError> {
    service_json(service).map(|json| hash_json(&json))
}

/// The hex SHA-256 of a JSON value written by [`go_json`].
pub fn hash_json(value: &Value) -> String {
    hex::encode(Sha256::digest(go_json(value).as_bytes()))
}

/// The config hash Docker Compose puts on a container of a service that refers to other
/// services' containers, or `None` when [`service_json`] has no such reference (the plain
/// hash applies).
///
/// Compose resolves the references before it hashes (`resolveServiceReferences`):
/// `network_mode`, `ipc` and `pid` written `service:NAME` become `container:ID`, and every
/// `volumes_from` entry becomes the container's id (`container:NAME[:mode]` becomes `NAME`, an
/// access mode is dropped). So the hash on a container changes when the container it shares
/// with is replaced, and that is what makes Compose recreate it. `container_of` names the
/// container a service reference resolves to (the service's first container by name); an
/// unresolvable reference stays as written.
pub fn hash_with_references(service_json: &Value, container_of: impl Fn(&str) -> Option<String>) -> Option<String> {
    // Most services refer to no other container: don't copy them (reconcile asks for every
    // service on every `up`).
    let shares = ["network_mode", "ipc", "pid"]
        .iter()
        .any(|key| service_json.get(key).and_then(Value::as_str).is_some_and(|m| m.starts_with("service:")));
    if !shares && service_json.get("volumes_from").is_none() {
        return None;
    }
    let mut json = service_json.clone();
    let mut changed = false;
    for key in ["network_mode", "ipc", "pid"] {
        let Some(Value::String(mode)) = json.get_mut(key) else { continue };
        if let Some(id) = mode.strip_prefix("service:").and_then(&container_of) {
            *mode = format!("container:{id}");
            changed = true;
        }
    }
    if let Some(Value::Array(entries)) = json.get_mut("volumes_from") {
        for entry in entries {
            let Value::String(text) = entry else { continue };
            let mut parts = text.split(':');
            let resolved = match (parts.next(), parts.next()) {
                (Some("container"), Some(name)) => Some(name.to_owned()),
                (Some(service), _) => container_of(service),
                _ => None,
            };
            if let Some(resolved) = resolved {
                *text = resolved;
                changed = true;
            }
        }
    }
    changed.then(|| hash_json(&json))
}

/// A JSON value written compactly as Go's `encoding/json` writes it. Object members keep their
/// order (the model serialises struct fields in compose-go's order and maps sorted).
pub fn go_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        write_float(out, f);
    }
}

/// Go's `encoding/json` float format: `strconv.FormatFloat(f, 'f', -1, 64)` inside
/// `[1e-6, 1e21)`, else the `'e'` form with a two-digit negative exponent shortened
/// (`1e-07` → `1e-7`) and a `+` on positive exponents (`1e+21`).
fn write_float(out: &mut String, f: f64) {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust's `{:e}` is the shortest round-trip mantissa with a bare exponent (`1e21`,
        // `1.5e-7`); Go writes `1e+21` and, after its cleanup, `1.5e-7`.
        let formatted = format!("{f:e}");
        match formatted.split_once('e') {
            Some((mantissa, exponent)) if !exponent.starts_with('-') => {
                let _ = write!(out, "{mantissa}e+{exponent}");
            }
            _ => out.push_str(&formatted),
        }
    } else {
        // Rust's `Display` for f64 is the shortest round-trip decimal without an exponent and
        // without a trailing `.0`, which is Go's `'f', -1` form.
        let _ = write!(out, "{f}");
    }
}

fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\u{0}'..='\u{1f}' => {
                let code = u32::from(c);
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    let nibble = (code >> shift) & 0xf;
                    out.push(char::from(HEX.get(nibble as usize).copied().unwrap_or(b'0')));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The attributes that differ between two service JSON documents (old first), as dotted paths
/// (`environment.A`, `ports`, `deploy.resources.limits.cpus`): objects are compared member by
/// member, anything else as a whole. Sorted; empty when the documents are equal.
pub fn changed_fields(old: &Value, new: &Value) -> Vec<String> {
    let mut fields = Vec::new();
    diff(old, new, &mut String::new(), &mut fields);
    fields.sort();
    fields
}

fn diff(old: &Value, new: &Value, path: &mut String, fields: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                diff(a.get(key.as_str()).unwrap_or(&Value::Null), b.get(key.as_str()).unwrap_or(&Value::Null), path, fields);
                path.truncate(len);
            }
        }
        (a, b) if a == b => {}
        _ => fields.push(if path.is_empty() { "<root>".to_owned() } else { path.clone() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_resolved_before_hashing() {
        let ids = |service: &str| (service == "app" || service == "db").then(|| format!("{service}-id"));
        let service = json!({
            "name": "worker",
            "network_mode": "service:app",
            "ipc": "shareable",
            "pid": "service:gone",
            "volumes_from": ["db:ro", "container:legacy:rw", "gone"]
        });
        let resolved = json!({
            "name": "worker",
            "network_mode": "container:app-id",
            "ipc": "shareable",
            "pid": "service:gone",
            "volumes_from": ["db-id", "legacy", "gone"]
        });
        assert_eq!(hash_with_references(&service, ids), Some(hash_json(&resolved)));
        assert_eq!(hash_with_references(&json!({"name": "plain", "network_mode": "host"}), ids), None);
        assert_eq!(hash_with_references(&json!({"network_mode": "service:gone"}), ids), None);
    }

    #[test]
    fn go_escapes_html_and_controls() {
        // DEL (U+007F) is not escaped by Go.
        assert_eq!(
            go_json(&json!("x<y>&z\u{8}\u{c}\n\r\t\u{1}\u{7f}\"\\")),
            "\"x\\u003cy\\u003e\\u0026z\\b\\f\\n\\r\\t\\u0001\u{7f}\\\"\\\\\""
        );
        assert_eq!(go_json(&json!("\u{2028}\u{2029}é")), "\"\\u2028\\u2029é\"");
    }

    #[test]
    fn go_float_format() {
        let cases = [
            (0.5, "0.5"),
            (2.0, "2"),
            (100.0, "100"),
            (-1.25, "-1.25"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e22, "1.5e+22"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-10, "1.5e-10"),
            (0.0, "0"),
        ];
        for (f, text) in cases {
            assert_eq!(go_json(&json!(f)), text, "{f}");
        }
        assert_eq!(go_json(&json!(-3)), "-3");
        assert_eq!(go_json(&json!(u64::MAX)), "18446744073709551615");
    }

    #[test]
    fn compact_and_ordered() {
        let v = json!({"b": [1, null, true], "a": {"z": "1", "y": {}}});
        assert_eq!(go_json(&v), r#"{"b":[1,null,true],"a":{"z":"1","y":{}}}"#);
    }

    #[test]
    fn known_hash_from_the_reference() {
        // `docker compose config --hash '*'` for an nginx service with one odd variable.
        let v = json!({
            "command": null,
            "entrypoint": null,
            "environment": {"A": "x<y>&z\u{8}\u{c}"},
            "image": "nginx",
            "networks": {"default": null}
        });
        assert_eq!(hash_json(&v), "e021a4e839e5ff3d0c2e0957fe2bc67b1de7ec8886e1b360d0d3605bd5871c96");
    }

    #[test]
    fn changed_fields_name_leaves_of_objects() {
        let old = json!({"image": "a", "environment": {"A": "1", "B": "2"}, "ports": [{"target": 80}]});
        let new = json!({"image": "a", "environment": {"A": "9", "C": "3", "B": "2"}, "ports": [{"target": 81}]});
        assert_eq!(changed_fields(&old, &new), vec!["environment.A", "environment.C", "ports"]);
        assert!(changed_fields(&old, &old).is_empty());
        assert_eq!(changed_fields(&json!(1), &json!(2)), vec!["<root>"]);
    }
}
