//! How the model prints: the JSON and YAML renderings of `config`, and comparing JSON documents.
//!
//! Docker Compose renders a project twice over, and the two differ: JSON goes through Go's
//! `encoding/json` (extensions hidden below the top level, `command: null` printed, empty
//! `deploy.resources` printed as `{}`), YAML through `yaml.v3` (extensions inlined everywhere,
//! zero structs omitted, `ulimits` as `{soft, hard}`, `env_file` entries as plain paths...).
//! One serde model serves both: the few places that differ ask [`yaml_mode`], which is set for
//! the duration of [`render`] only. Plain `serde_json::to_value(&project)` gives the JSON form.

use std::cell::Cell;
use std::fmt::Write as _;

use serde::{Serialize, Serializer};

use super::values::Extensions;
use crate::de::EXTENSIONS;
use crate::error::{Error, Result};

/// The two renderings of `docker compose config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// `--format json`: Go's `json.Marshal` of the project.
    #[default]
    Json,
    /// `--format yaml` (the default of the command): `yaml.v3`'s encoding of the project.
    Yaml,
}

thread_local! {
    static FORMAT: Cell<OutputFormat> = const { Cell::new(OutputFormat::Json) };
}

/// True while a value is being rendered for YAML output.
pub(crate) fn yaml_mode() -> bool {
    FORMAT.with(Cell::get) == OutputFormat::Yaml
}

/// Restores the previous format when dropped, so a panic or an early return cannot leak it.
struct FormatGuard(OutputFormat);

impl Drop for FormatGuard {
    fn drop(&mut self) {
        FORMAT.with(|f| f.set(self.0));
    }
}

/// Runs `f` with the given rendering in force (for serialisers other than a JSON tree).
pub fn with_format<R>(format: OutputFormat, f: impl FnOnce() -> R) -> R {
    let _guard = FormatGuard(FORMAT.with(|c| c.replace(format)));
    f()
}

/// Serialises `value` to a JSON tree in the given rendering. For YAML, the tree has the
/// structure `config` prints (a YAML printer only has to lay it out).
pub fn render<T: Serialize>(value: &T, format: OutputFormat) -> Result<serde_json::Value> {
    let _guard = FormatGuard(FORMAT.with(|f| f.replace(format)));
    let mut tree = serde_json::to_value(value).map_err(|e| Error::invalid(e.to_string()))?;
    if format == OutputFormat::Yaml {
        inline_extensions(&mut tree);
    }
    Ok(tree)
}

/// Moves every struct's `#extensions` entries into the struct itself, after its attributes,
/// as `yaml.v3` does with an `,inline` map.
fn inline_extensions(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(extensions)) = map.shift_remove(EXTENSIONS) {
                map.extend(extensions);
            }
            map.values_mut().for_each(inline_extensions);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(inline_extensions),
        _ => {}
    }
}

/// `skip_serializing_if` for a struct's extensions: JSON hides them (`json:"-"`), YAML shows them.
pub(crate) fn skip_extensions(extensions: &Extensions) -> bool {
    extensions.is_empty() || !yaml_mode()
}

/// `skip_serializing_if` for a struct JSON always prints but YAML omits when it is zero.
pub(crate) fn skip_zero_in_yaml<T: Default + PartialEq>(value: &T) -> bool {
    yaml_mode() && *value == T::default()
}

/// `skip_serializing_if` for a command: JSON prints an unset one as `null`, YAML omits it.
#[allow(clippy::ref_option)] // serde passes fields by reference
pub(crate) fn skip_unset_command_in_yaml(command: &Option<Vec<String>>) -> bool {
    yaml_mode() && command.is_none()
}

/// Prints a Go `float32` as Go does: the shortest decimal that reads back as the same `float32`
/// (0.3, not 0.30000001192092896), and an integral value without a fraction (`2`, not `2.0`).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes fields by reference
pub(crate) fn serialize_f32<S: Serializer>(value: &f32, s: S) -> std::result::Result<S::Ok, S::Error> {
    let value = f32_as_f64(*value);
    match integral(value) {
        Some(i) => s.serialize_i64(i),
        None => s.serialize_f64(value),
    }
}

/// The integer a float equals, when it has no fraction and is small enough to be exact; Go
/// prints such floats without a decimal point, in JSON and YAML alike.
pub(crate) fn integral(value: f64) -> Option<i64> {
    #[allow(clippy::cast_possible_truncation)] // bounded and integral just above
    (value.fract() == 0.0 && value.abs() < 9.0e15).then_some(value as i64)
}

/// The `f64` whose shortest decimal form equals the `f32`'s.
pub(crate) fn f32_as_f64(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

/// `skip_serializing_if` for Go's `omitempty` on a number.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes fields by reference
pub(crate) fn is_zero_f32(value: &f32) -> bool {
    *value == 0.0
}

/// `skip_serializing_if` for Go's `omitempty` on an integer.
pub(crate) fn is_zero<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// `skip_serializing_if` for Go's `omitempty` on a boolean.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes fields by reference
pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}

/// Compares two JSON documents as `config` outputs: an explicit `null` and an absent key are the
/// same, and numbers compare by value (`1` equals `1.0`).
pub fn json_equivalent(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    json_difference(a, b).is_none()
}

/// Where two JSON documents first differ under [`json_equivalent`]'s rules, as a path with both
/// values (`services.web.ports[0].target: 80 != 8080`); `None` when they are equivalent.
pub fn json_difference(a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
    difference(a, b, &mut String::new())
}

fn difference(left: &serde_json::Value, right: &serde_json::Value, path: &mut String) -> Option<String> {
    use serde_json::Value;
    let here = |path: &str| if path.is_empty() { "<root>".to_owned() } else { path.to_owned() };
    match (left, right) {
        (Value::Object(lmap), Value::Object(rmap)) => {
            let mut keys: Vec<&String> = lmap.keys().chain(rmap.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let (l, r) = (lmap.get(key).unwrap_or(&Value::Null), rmap.get(key).unwrap_or(&Value::Null));
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                let found = difference(l, r, path);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        (Value::Array(litems), Value::Array(ritems)) => {
            if litems.len() != ritems.len() {
                return Some(format!("{}: {} items != {} items", here(path), litems.len(), ritems.len()));
            }
            for (i, (l, r)) in litems.iter().zip(ritems).enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                let found = difference(l, r, path);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        (Value::Number(lnum), Value::Number(rnum)) => {
            let same = match (lnum.as_i64(), rnum.as_i64(), lnum.as_u64(), rnum.as_u64()) {
                (Some(l), Some(r), _, _) => l == r,
                (_, _, Some(l), Some(r)) => l == r,
                #[allow(clippy::float_cmp)] // the same decimal parses to the same f64
                _ => lnum.as_f64() == rnum.as_f64(),
            };
            (!same).then(|| format!("{}: {lnum} != {rnum}", here(path)))
        }
        _ if left == right => None,
        _ => Some(format!("{}: {left} != {right}", here(path))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_equals_absent() {
        assert!(json_equivalent(&json!({"a": 1, "b": null}), &json!({"a": 1})));
        assert!(json_equivalent(&json!({"a": [{"c": null}]}), &json!({"a": [{}]})));
        assert!(!json_equivalent(&json!({"a": []}), &json!({"a": null})));
        assert!(!json_equivalent(&json!({"a": 1}), &json!({"a": 2})));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(json_equivalent(&json!(1), &json!(1.0)));
        assert!(!json_equivalent(&json!(1), &json!(1.5)));
        assert!(!json_equivalent(&json!("1"), &json!(1)));
    }

    #[test]
    fn difference_names_the_path() {
        let a = json!({"services": {"web": {"ports": [{"target": 80}]}}});
        let b = json!({"services": {"web": {"ports": [{"target": 8080}]}}});
        assert_eq!(json_difference(&a, &b).as_deref(), Some("services.web.ports[0].target: 80 != 8080"));
        assert_eq!(json_difference(&json!([1]), &json!([1, 2])).as_deref(), Some("<root>: 1 items != 2 items"));
    }

    #[test]
    fn floats_print_as_float32() {
        #[derive(Serialize)]
        struct Cpus(#[serde(serialize_with = "serialize_f32")] f32);
        assert_eq!(serde_json::to_string(&json!(f32_as_f64(0.3))).unwrap(), "0.3");
        assert_eq!(f32_as_f64(0.001).to_string(), "0.001");
        assert_eq!(serde_json::to_string(&Cpus(2.0)).unwrap(), "2");
        assert_eq!(serde_json::to_string(&Cpus(1.5)).unwrap(), "1.5");
    }

    #[test]
    fn render_restores_format() {
        let _ = render(&json!({"x": 1}), OutputFormat::Yaml);
        assert!(!yaml_mode());
    }
}
