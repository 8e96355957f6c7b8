//! Merging compose files: one rule per attribute path (`services.*.ports` merge by key, `command` replaces, ...), `!reset`/`!override`, unicity.
//!
//! This mirrors compose-go v2.4.8 (`override/merge.go`, `override/uncity.go` and the
//! `ResetProcessor` of `loader/reset.go`) rule for rule, including its quirks, because the
//! merged model is what `config` prints and what the engine gets:
//!
//! * generic rules: mappings merge key by key (`x-*` keys are replaced, never merged),
//!   sequences append, anything else is replaced by the later value, and a later `null` keeps
//!   the earlier value;
//! * per-path rules ([`MERGE_RULES`]) take precedence: `command` replaces, `environment` and
//!   `labels` become `K=V` sequences that are appended (unicity then keeps the last value per
//!   key), `depends_on` and `networks` lists become mappings, and so on;
//! * unicity ([`enforce_unicity`]) then removes earlier entries of sequences that a later entry
//!   redefines (ports, volumes by target, secrets by target, ...);
//! * `!reset` and `!override` are recorded as paths when a document is read
//!   ([`ResetPaths::take`]); before the document is merged, whatever the accumulated model holds
//!   at those paths is deleted ([`ResetPaths::apply`]). A `!reset` value itself is dropped, an
//!   `!override` value is kept and therefore replaces instead of merging.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use crate::error::Error;
use crate::canonical::Cursor;
use crate::node::{Key, Map, Node, Span, Tag, Value};
use crate::Result;

/// Merges `overlay` (a later file) into `base` (what the earlier files produced), honouring
/// `!reset` and `!override` tags anywhere in `overlay`.
///
/// This is compose-go's `ResetProcessor.Apply` followed by `override.Merge`; callers that need
/// the two steps apart (the loader applies the reset paths of a document to the accumulated
/// model before `include` runs) use [`ResetPaths`] and [`merge_untagged`].
pub fn merge(mut base: Node, mut overlay: Node) -> Result<Node> {
    let resets = ResetPaths::take(&mut overlay);
    resets.apply(&mut base);
    merge_untagged(base, overlay)
}

/// Merges two trees that carry no `!reset`/`!override` tags (compose-go `override.Merge`).
pub fn merge_untagged(base: Node, overlay: Node) -> Result<Node> {
    let mut path = Vec::new();
    merge_yaml(base, overlay, &mut path)
}

/// Merges an extending service definition over a copy of its base service, with the same
/// per-path rules as a file merge (compose-go `override.ExtendService`, which merges at
/// `services.x`).
pub fn extend_service(base: Node, service: Node) -> Result<Node> {
    let mut path = vec!["services".to_owned(), "x".to_owned()];
    merge_yaml(base, service, &mut path)
}

/// Removes `!reset` values and clears `!override` tags without applying them to anything:
/// what happens to the first file, which has nothing before it to reset.
pub fn strip_reset_tags(root: &mut Node) {
    ResetPaths::take(root);
}

/// The paths a document marked with `!reset` or `!override`, as compose-go records them.
///
/// Sequence items are recorded with their index, while [`apply`](Self::apply) walks sequences
/// with `[index]` parts, so a tag on a sequence item never deletes anything from the
/// accumulated model: like compose-go, it only drops (`!reset`) or keeps (`!override`) the
/// item in the document itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResetPaths {
    paths: Vec<Vec<String>>,
}

impl ResetPaths {
    /// Records the tagged paths of `doc`, removes the `!reset` values from it and clears every
    /// tag, leaving a plain tree.
    pub fn take(doc: &mut Node) -> ResetPaths {
        let mut out = ResetPaths::default();
        let mut path = Vec::new();
        if doc.tag == Tag::None {
            record_tags(doc, &mut path, &mut out.paths);
        } else {
            // A tag on the document itself has no path to reset; it is meaningless.
            clear_tags(doc);
        }
        out
    }

    /// True when the document had no tags.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The recorded paths, dotted, for diagnostics.
    pub fn paths(&self) -> Vec<String> {
        self.paths.iter().map(|p| p.join(".")).collect()
    }

    /// Deletes from `target` every mapping entry found at a recorded path.
    pub fn apply(&self, target: &mut Node) {
        if self.paths.is_empty() {
            return;
        }
        let mut path = Vec::new();
        self.apply_at(target, &mut path);
    }

    /// Applies the paths to `target` as if it sat at `prefix` in the document: how compose-go
    /// applies a document's resets to a base service copied by `extends`
    /// (`{"services": {name: copy}}`). A path naming `prefix` itself deletes nothing.
    pub fn apply_below(&self, target: &mut Node, prefix: &[&str]) {
        if self.paths.is_empty() {
            return;
        }
        let mut path: Vec<String> = prefix.iter().map(|s| (*s).to_owned()).collect();
        self.apply_at(target, &mut path);
    }

    fn apply_at(&self, node: &mut Node, path: &mut Vec<String>) {
        match &mut node.value {
            Value::Map(map) => {
                map.retain(|key, child| {
                    path.push(key.name.clone());
                    let hit = self.paths.iter().any(|p| matches_owned(path, p));
                    if !hit {
                        self.apply_at(child, path);
                    }
                    path.pop();
                    !hit
                });
            }
            Value::Seq(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    path.push(format!("[{i}]"));
                    // compose-go cannot remove sequence items here; a hit only stops the walk.
                    if !self.paths.iter().any(|p| matches_owned(path, p)) {
                        self.apply_at(child, path);
                    }
                    path.pop();
                }
            }
            _ => {}
        }
    }
}

/// Returns whether `node` is kept in its parent.
fn record_tags(node: &mut Node, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) -> bool {
    match node.tag {
        Tag::Reset => {
            out.push(path.clone());
            return false;
        }
        Tag::Override => {
            out.push(path.clone());
            // compose-go does not look for tags below an `!override` value.
            clear_tags(node);
            return true;
        }
        Tag::None => {}
    }
    match &mut node.value {
        Value::Map(map) => {
            map.retain(|key, child| {
                path.push(key.name.clone());
                let keep = record_tags(child, path, out);
                path.pop();
                keep
            });
        }
        Value::Seq(items) => {
            let old = std::mem::take(items);
            for (i, mut child) in old.into_iter().enumerate() {
                path.push(i.to_string());
                if record_tags(&mut child, path, out) {
                    items.push(child);
                }
                path.pop();
            }
        }
        _ => {}
    }
    true
}

fn clear_tags(node: &mut Node) {
    node.tag = Tag::None;
    match &mut node.value {
        Value::Map(map) => map.values_mut().for_each(clear_tags),
        Value::Seq(items) => items.iter_mut().for_each(clear_tags),
        _ => {}
    }
}

/// Path matching as compose-go's `tree.Path.Matches`: same length, `*` matches any part.
fn matches(path: &[String], pattern: &[&str]) -> bool {
    path.len() == pattern.len()
        && path
            .iter()
            .zip(pattern)
            .all(|(part, pat)| *pat == "*" || pat == part)
}

fn matches_owned(path: &[String], pattern: &[String]) -> bool {
    path.len() == pattern.len()
        && path
            .iter()
            .zip(pattern)
            .all(|(part, pat)| pat == "*" || pat == part)
}

fn dotted(path: &[String]) -> String {
    path.join(".")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merger {
    IpamConfig,
    ToSequence,
    Build,
    ExtraHosts,
    Override,
    DependsOn,
    Logging,
    Networks,
    Ulimit,
}

/// compose-go's `mergeSpecials`: the paths that do not follow the generic rules.
const MERGE_RULES: &[(&[&str], Merger)] = &[
    (&["networks", "*", "ipam", "config"], Merger::IpamConfig),
    (&["networks", "*", "labels"], Merger::ToSequence),
    (&["volumes", "*", "labels"], Merger::ToSequence),
    (&["services", "*", "annotations"], Merger::ToSequence),
    (&["services", "*", "build"], Merger::Build),
    (&["services", "*", "build", "args"], Merger::ToSequence),
    (
        &["services", "*", "build", "additional_contexts"],
        Merger::ToSequence,
    ),
    (
        &["services", "*", "build", "extra_hosts"],
        Merger::ExtraHosts,
    ),
    (&["services", "*", "build", "labels"], Merger::ToSequence),
    (&["services", "*", "command"], Merger::Override),
    (&["services", "*", "depends_on"], Merger::DependsOn),
    (&["services", "*", "deploy", "labels"], Merger::ToSequence),
    (&["services", "*", "dns"], Merger::ToSequence),
    (&["services", "*", "dns_opt"], Merger::ToSequence),
    (&["services", "*", "dns_search"], Merger::ToSequence),
    (&["services", "*", "entrypoint"], Merger::Override),
    (&["services", "*", "env_file"], Merger::ToSequence),
    (&["services", "*", "label_file"], Merger::ToSequence),
    (&["services", "*", "environment"], Merger::ToSequence),
    (&["services", "*", "extra_hosts"], Merger::ExtraHosts),
    (&["services", "*", "healthcheck", "test"], Merger::Override),
    (&["services", "*", "labels"], Merger::ToSequence),
    (&["services", "*", "logging"], Merger::Logging),
    (&["services", "*", "networks"], Merger::Networks),
    (&["services", "*", "sysctls"], Merger::ToSequence),
    (&["services", "*", "tmpfs"], Merger::ToSequence),
    (&["services", "*", "ulimits", "*"], Merger::Ulimit),
];

fn cannot_override(path: &[String], at: &Node) -> Error {
    Error::invalid(format!("cannot override {}", dotted(path))).at(at.span)
}

fn merge_yaml(base: Node, overlay: Node, path: &mut Vec<String>) -> Result<Node> {
    if let Some((_, rule)) = MERGE_RULES
        .iter()
        .find(|(pattern, _)| matches(path, pattern))
    {
        return merge_special(*rule, base, overlay, path);
    }
    if overlay.is_null() {
        return Ok(base);
    }
    let Node { value, span, tag } = base;
    match value {
        Value::Map(map) => {
            let Value::Map(other) = overlay.value else {
                return Err(cannot_override(path, &overlay));
            };
            Ok(Node {
                value: Value::Map(merge_mappings(map, other, path)?),
                span,
                tag,
            })
        }
        Value::Seq(mut items) => {
            let Value::Seq(other) = overlay.value else {
                return Err(cannot_override(path, &overlay));
            };
            items.extend(other);
            Ok(Node {
                value: Value::Seq(items),
                span,
                tag,
            })
        }
        _ => Ok(overlay),
    }
}

fn merge_mappings(mut map: Map, other: Map, path: &mut Vec<String>) -> Result<Map> {
    for (key, value) in other {
        if key.name.starts_with("x-") {
            map.insert(key, value);
            continue;
        }
        match map.get_index_of(key.name.as_str()) {
            None => {
                map.insert(key, value);
            }
            Some(index) => {
                let Some((_, slot)) = map.get_index_mut(index) else {
                    continue;
                };
                let existing = std::mem::replace(slot, Node::null(Span::SYNTHETIC));
                path.push(key.name.clone());
                let merged = merge_yaml(existing, value, path);
                path.pop();
                *slot = merged?;
            }
        }
    }
    Ok(map)
}

fn merge_special(rule: Merger, base: Node, overlay: Node, path: &mut Vec<String>) -> Result<Node> {
    let span = base.span;
    match rule {
        // compose-go's ulimit rule ends up returning the override whatever it is, like the
        // override rule, even when it is null.
        Merger::Override | Merger::Ulimit => Ok(overlay),
        Merger::ToSequence => {
            let mut items = convert_into_sequence(base);
            items.extend(convert_into_sequence(overlay));
            Ok(Node::seq(items, span))
        }
        Merger::ExtraHosts => {
            let mut items = convert_into_sequence(base);
            let added: Vec<Node> = convert_into_sequence(overlay)
                .into_iter()
                .filter(|h| !items.contains(h))
                .collect();
            items.extend(added);
            Ok(Node::seq(items, span))
        }
        Merger::Build => {
            let to_build = |n: Node| -> Map {
                match n.value {
                    Value::String(s) => {
                        let mut m = Map::new();
                        m.insert(Key::new("context", n.span), Node::string(s, n.span));
                        m
                    }
                    Value::Map(m) => m,
                    _ => Map::new(),
                }
            };
            let overlay_span = overlay.span;
            let merged = merge_mappings(to_build(base), to_build(overlay), path)?;
            Ok(Node::map(
                merged,
                if span.is_synthetic() {
                    overlay_span
                } else {
                    span
                },
            ))
        }
        Merger::DependsOn => {
            let default = |span: Span| {
                let mut m = Map::new();
                m.insert(
                    Key::synthetic("condition"),
                    Node::string("service_started", span),
                );
                m.insert(
                    Key::synthetic("required"),
                    Node::new(Value::Bool(true), span),
                );
                Node::map(m, span)
            };
            let right = convert_into_mapping(base, Some(&default), path)?;
            let left = convert_into_mapping(overlay, Some(&default), path)?;
            Ok(Node::map(merge_mappings(right, left, path)?, span))
        }
        Merger::Networks => {
            let right = convert_into_mapping(base, None, path)?;
            let left = convert_into_mapping(overlay, None, path)?;
            Ok(Node::map(merge_mappings(right, left, path)?, span))
        }
        Merger::Logging => {
            if overlay.is_null() {
                return Ok(base);
            }
            let (Value::Map(config), Value::Map(other)) = (&base.value, &overlay.value) else {
                return Err(cannot_override(path, &overlay));
            };
            let same_driver = match (other.get("driver"), config.get("driver")) {
                (Some(d), Some(o)) => d == o,
                _ => true,
            };
            if !same_driver {
                return Ok(overlay);
            }
            let (Value::Map(config), Value::Map(other)) = (base.value, overlay.value) else {
                return Ok(Node::null(span));
            };
            Ok(Node::map(merge_mappings(config, other, path)?, span))
        }
        Merger::IpamConfig => merge_ipam_config(base, overlay, path),
    }
}

/// compose-go's `mergeIPAMConfig`: entries merge by `subnet`. It walks every base entry
/// against every overlay entry, so an empty side empties the result; the base entry is
/// mutated in place by each merge, which [`merge_ipam_config`] reproduces by updating every
/// slot that holds it.
fn merge_ipam_config(base: Node, overlay: Node, path: &mut Vec<String>) -> Result<Node> {
    let span = base.span;
    let Value::Seq(originals) = base.value else {
        if base.value == Value::Null {
            // No base entries: compose-go iterates over nothing.
            return Ok(Node::seq(Vec::new(), span));
        }
        return Err(cannot_override(path, &overlay));
    };
    let overrides = match overlay.value {
        Value::Seq(items) => items,
        Value::Null => Vec::new(),
        _ => return Err(cannot_override(path, &overlay)),
    };
    let subnet = |m: &Map| m.get("subnet").map_or(Value::Null, |n| n.value.clone());
    let mut configs: Vec<Map> = Vec::new();
    for original in originals {
        let mut right = convert_into_mapping(original, None, path)?;
        let mut right_slots: Vec<usize> = Vec::new();
        for item in &overrides {
            let left = convert_into_mapping(item.clone(), None, path)?;
            let left_subnet = subnet(&left);
            if left_subnet != subnet(&right) && !configs.iter().any(|c| subnet(c) == left_subnet) {
                configs.push(left);
                continue;
            }
            right = merge_mappings(right, left, path)?;
            for &slot in &right_slots {
                if let Some(c) = configs.get_mut(slot) {
                    c.clone_from(&right);
                }
            }
            let merged_subnet = subnet(&right);
            if let Some(index) = configs.iter().position(|c| subnet(c) == merged_subnet) {
                if let Some(c) = configs.get_mut(index) {
                    c.clone_from(&right);
                }
                right_slots.push(index);
            } else {
                configs.push(right.clone());
                right_slots.push(configs.len() - 1);
            }
        }
    }
    Ok(Node::seq(
        configs.into_iter().map(|m| Node::map(m, span)).collect(),
        span,
    ))
}

/// compose-go's `convertIntoSequence`: a mapping becomes sorted `K=V` strings (a null value
/// gives a bare `K`, a sequence value one `K=item` per item), a string a one-item list.
fn convert_into_sequence(node: Node) -> Vec<Node> {
    match node.value {
        Value::Map(map) => {
            let mut items: Vec<Node> = Vec::new();
            for (key, value) in map {
                match &value.value {
                    Value::Null => items.push(Node::string(key.name, key.span)),
                    Value::Seq(values) => {
                        for v in values {
                            items.push(Node::string(
                                format!("{}={}", key.name, go_format_v(v)),
                                v.span,
                            ));
                        }
                    }
                    _ => items.push(Node::string(
                        format!("{}={}", key.name, go_format_v(&value)),
                        value.span,
                    )),
                }
            }
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            items
        }
        Value::Seq(items) => items,
        Value::String(_) => vec![node],
        _ => Vec::new(),
    }
}

/// compose-go's `convertIntoMapping`: a list of names becomes a mapping of those names to
/// `default` (or null).
fn convert_into_mapping(
    node: Node,
    default: Option<&dyn Fn(Span) -> Node>,
    path: &[String],
) -> Result<Map> {
    match node.value {
        Value::Map(map) => Ok(map),
        Value::Seq(items) => {
            let mut map = Map::new();
            for item in items {
                let Some(name) = item.as_str() else {
                    return Err(Error::invalid(format!(
                        "cannot override {}: expected a list of names, found {}",
                        dotted(path),
                        item.kind_name()
                    ))
                    .at(item.span));
                };
                let value = default.map_or_else(|| Node::null(item.span), |d| d(item.span));
                map.insert(Key::new(name, item.span), value);
            }
            Ok(map)
        }
        _ => Ok(Map::new()),
    }
}

/// Go's `%v` rendering of a YAML value, used when compose-go turns `K: V` into `K=V`.
pub(crate) fn go_format_v(node: &Node) -> String {
    match &node.value {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => go_format_float(*f),
        Value::String(s) => s.clone(),
        Value::Seq(items) => {
            let parts: Vec<String> = items.iter().map(go_format_v).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Map(map) => {
            let mut entries: Vec<(&str, String)> = map
                .iter()
                .map(|(k, v)| (k.name.as_str(), go_format_v(v)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = String::from("map[");
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{k}:{v}");
            }
            out.push(']');
            out
        }
    }
}

/// Go's `%v` for a float64: shortest digits, in exponent form when the decimal exponent is
/// below -4 or at least 6 (`strconv.FormatFloat(f, 'g', -1, 64)`).
fn go_format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".to_owned()
        } else {
            "-Inf".to_owned()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".to_owned()
        } else {
            "0".to_owned()
        };
    }
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
}

/// Go's `%T` name for a YAML value, for compose-go's error messages.
fn go_type_name(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::Seq(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
    }
}

/// Go's `%s` of a value: strings as they are, anything else in Go's "bad verb" form. Only
/// used to build unicity keys, where it must tell the same values apart as compose-go does.
fn go_format_s(node: Option<&Node>) -> String {
    match node {
        None => "%!s(<nil>)".to_owned(),
        Some(n) => match &n.value {
            Value::String(s) => s.clone(),
            Value::Null => "%!s(<nil>)".to_owned(),
            _ => format!("%!s({}={})", go_type_name(n), go_format_v(n)),
        },
    }
}

/// Go's `%d` of a value, the counterpart of [`go_format_s`] for integers.
fn go_format_d(node: &Node) -> String {
    match &node.value {
        Value::Int(i) => i.to_string(),
        Value::Null => "%!d(<nil>)".to_owned(),
        _ => format!("%!d({}={})", go_type_name(node), go_format_v(node)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Indexer {
    KeyValue,
    Volume,
    Device,
    Expose,
    Mount(&'static str),
    Port,
    EnvFile,
}

/// compose-go's `unique` table. It lists `services.*.devices` twice; the device-mapping
/// indexer is the one that wins there.
const UNIQUE: &[(&str, Indexer)] = &[
    ("networks.*.labels", Indexer::KeyValue),
    ("networks.*.ipam.options", Indexer::KeyValue),
    ("services.*.annotations", Indexer::KeyValue),
    ("services.*.build.args", Indexer::KeyValue),
    ("services.*.build.additional_contexts", Indexer::KeyValue),
    ("services.*.build.platform", Indexer::KeyValue),
    ("services.*.build.tags", Indexer::KeyValue),
    ("services.*.build.labels", Indexer::KeyValue),
    ("services.*.cap_add", Indexer::KeyValue),
    ("services.*.cap_drop", Indexer::KeyValue),
    ("services.*.devices", Indexer::Device),
    ("services.*.configs", Indexer::Mount("")),
    ("services.*.deploy.labels", Indexer::KeyValue),
    ("services.*.dns", Indexer::KeyValue),
    ("services.*.dns_opt", Indexer::KeyValue),
    ("services.*.dns_search", Indexer::KeyValue),
    ("services.*.environment", Indexer::KeyValue),
    ("services.*.env_file", Indexer::EnvFile),
    ("services.*.expose", Indexer::Expose),
    ("services.*.labels", Indexer::KeyValue),
    ("services.*.links", Indexer::KeyValue),
    ("services.*.networks.*.aliases", Indexer::KeyValue),
    ("services.*.networks.*.link_local_ips", Indexer::KeyValue),
    ("services.*.ports", Indexer::Port),
    ("services.*.profiles", Indexer::KeyValue),
    ("services.*.secrets", Indexer::Mount("/run/secrets")),
    ("services.*.sysctls", Indexer::KeyValue),
    ("services.*.tmpfs", Indexer::KeyValue),
    ("services.*.volumes", Indexer::Volume),
];

/// Removes the entries of keyed sequences that a later entry redefines, keeping the first
/// entry's position and the last entry's value (compose-go `override.EnforceUnicity`).
pub fn enforce_unicity(root: &mut Node) -> Result<()> {
    unicity_at(root, &Cursor::root())
}

fn unicity_at(node: &mut Node, cur: &Cursor<'_>) -> Result<()> {
    match &mut node.value {
        Value::Map(map) => {
            for (key, child) in map.iter_mut() {
                // Only the sequences of the table change: subtrees leading to none are skipped.
                if cur.child_reaches(&key.name, UNIQUE.iter().map(|(p, _)| *p)) {
                    unicity_at(child, &cur.key(&key.name))?;
                }
            }
            Ok(())
        }
        Value::Seq(items) => match UNIQUE.iter().find(|(pattern, _)| cur.matches(pattern)) {
            Some((_, indexer)) => unique_entries(items, *indexer, cur),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Keeps one entry per key: at the first entry's position, with the last entry's value.
fn unique_entries(items: &mut Vec<Node>, indexer: Indexer, cur: &Cursor<'_>) -> Result<()> {
    // For each kept entry, the entry whose value it takes; found before anything moves, with
    // keys borrowed from the entries.
    let mut sources: Vec<usize> = Vec::with_capacity(items.len());
    {
        let mut kept: Vec<std::borrow::Cow<'_, str>> = Vec::with_capacity(items.len());
        let mut index: HashMap<std::borrow::Cow<'_, str>, usize> = HashMap::new();
        for (i, entry) in items.iter().enumerate() {
            let key = index_of(indexer, entry, || format!("{}.[{i}]", cur.dotted()))?;
            // Small sequences are searched in place; long ones through a map.
            let slot = if items.len() <= 16 {
                kept.iter().position(|k| *k == key)
            } else {
                index.get(&key).copied()
            };
            match slot.and_then(|j| sources.get_mut(j)) {
                Some(source) => *source = i,
                None => {
                    if items.len() <= 16 {
                        kept.push(key);
                    } else {
                        index.insert(key, sources.len());
                    }
                    sources.push(i);
                }
            }
        }
    }
    if sources.len() == items.len() {
        return Ok(());
    }
    let mut old: Vec<Option<Node>> = std::mem::take(items).into_iter().map(Some).collect();
    *items = sources.iter().filter_map(|&i| old.get_mut(i).and_then(Option::take)).collect();
    Ok(())
}

fn index_of<'n>(indexer: Indexer, entry: &'n Node, path: impl Fn() -> String) -> Result<Cow<'n, str>> {
    // Spelled out only for an error message.
    let p = Lazy(path);
    let err = |msg: String| Error::invalid(msg).at(entry.span);
    match indexer {
        Indexer::KeyValue => match &entry.value {
            Value::String(s) => Ok(Cow::Borrowed(s.split_once('=').map_or(s.as_str(), |(k, _)| k))),
            _ => Err(err(format!("{p}: unexpected type {}", go_type_name(entry)))),
        },
        Indexer::Volume => match &entry.value {
            Value::Map(m) => match m.get("target").and_then(Node::as_str) {
                Some(t) => Ok(Cow::Borrowed(t)),
                None => Err(err(format!("service volume {p} is missing a mount target"))),
            },
            Value::String(s) => volume_target(s).map(Cow::Owned).map_err(err),
            _ => Ok(Cow::Borrowed("")),
        },
        Indexer::Device => match &entry.value {
            Value::Map(m) => match m.get("target").and_then(Node::as_str) {
                Some(t) => Ok(Cow::Borrowed(t)),
                None => Err(err(format!("service device {p} is missing a mount target"))),
            },
            Value::String(s) => {
                let mut parts = s.split(':');
                let first = parts.next().unwrap_or_default();
                Ok(Cow::Borrowed(parts.next().unwrap_or(first)))
            }
            _ => Ok(Cow::Borrowed("")),
        },
        Indexer::Expose => match &entry.value {
            Value::String(s) => Ok(Cow::Borrowed(s)),
            Value::Int(i) => Ok(Cow::Owned(i.to_string())),
            _ => Err(err(format!(
                "{p}: unsupported expose value {}",
                go_format_s(Some(entry))
            ))),
        },
        Indexer::Mount(default) => match &entry.value {
            Value::String(s) => Ok(Cow::Owned(format!("{default}/{s}"))),
            Value::Map(m) => match m.get("target") {
                Some(t) => match t.as_str() {
                    Some(t) => Ok(Cow::Borrowed(t)),
                    None => Err(err(format!("{p}: target must be a string"))),
                },
                None => Ok(Cow::Owned(format!("{default}/{}", go_format_s(m.get("source"))))),
            },
            _ => Err(err(format!(
                "{p}: unsupported expose value {}",
                go_format_s(Some(entry))
            ))),
        },
        Indexer::Port => match &entry.value {
            Value::Int(i) => Ok(Cow::Owned(i.to_string())),
            Value::Map(m) => {
                let Some(target) = m.get("target") else {
                    return Err(err(format!("service ports {p} is missing a target port")));
                };
                let host = m
                    .get("host_ip")
                    .map_or_else(|| "0.0.0.0".to_owned(), |h| go_format_s(Some(h)));
                let protocol = m
                    .get("protocol")
                    .map_or_else(|| "tcp".to_owned(), |h| go_format_s(Some(h)));
                Ok(Cow::Owned(format!(
                    "{host}:{}:{}/{protocol}",
                    go_format_s(m.get("published")),
                    go_format_d(target)
                )))
            }
            Value::String(s) => Ok(Cow::Borrowed(s)),
            _ => Ok(Cow::Borrowed("")),
        },
        Indexer::EnvFile => match &entry.value {
            Value::String(s) => Ok(Cow::Borrowed(s)),
            Value::Map(m) => match m.get("path") {
                Some(path) => match path.as_str() {
                    Some(s) => Ok(Cow::Borrowed(s)),
                    None => Err(err(format!("{p}: path must be a string"))),
                },
                None => Err(err(format!("environment path attribute {p} is missing"))),
            },
            _ => Ok(Cow::Borrowed("")),
        },
    }
}

/// A text computed only when it is formatted.
struct Lazy<F>(F);

impl<F: Fn() -> String> std::fmt::Display for Lazy<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&(self.0)())
    }
}

/// The target of a short-syntax volume (`src:dst:opts`), as compose-go's `format.ParseVolume`
/// finds it, with its errors.
fn volume_target(spec: &str) -> std::result::Result<String, String> {
    match spec.len() {
        0 => return Err("invalid empty volume spec".to_owned()),
        1 | 2 => return Ok(spec.to_owned()),
        _ => {}
    }
    let mut source: Option<String> = None;
    let mut target: Option<String> = None;
    let mut buffer: Vec<char> = Vec::new();
    let chars: Vec<char> = spec.chars().collect();
    for (i, &c) in chars.iter().chain(std::iter::once(&'\0')).enumerate() {
        let end = i == chars.len();
        let windows_drive =
            c == ':' && buffer.len() == 1 && buffer.first().is_some_and(|b| b.is_alphabetic());
        if windows_drive {
            buffer.push(c);
        } else if c == ':' || end {
            if buffer.is_empty() {
                return Err(format!(
                    "invalid spec: {spec}: empty section between colons"
                ));
            }
            let text: String = buffer.drain(..).collect();
            if source.is_none() && end {
                target = Some(text);
            } else if source.is_none() {
                source = Some(text);
            } else if target.is_none() {
                target = Some(text);
            } else if c == ':' {
                return Err(format!("invalid spec: {spec}: too many colons"));
            }
        } else {
            buffer.push(c);
        }
    }
    Ok(target.unwrap_or_default())
}

#[cfg(test)]
#[allow(clippy::needless_pass_by_value)]
mod tests {
    use super::*;
    use serde_json::json;

    fn n(v: serde_json::Value) -> Node {
        Node::from_json(&v)
    }

    /// Merge then unicity, as `assertMergeYaml` in compose-go's tests.
    fn merged(base: serde_json::Value, overlay: serde_json::Value) -> serde_json::Value {
        let mut out = merge(n(base), n(overlay)).expect("merge");
        enforce_unicity(&mut out).expect("unicity");
        out.to_json()
    }

    fn svc(body: serde_json::Value) -> serde_json::Value {
        json!({"services": {"test": body}})
    }

    fn tagged(mut node: Node, tag: Tag) -> Node {
        node.tag = tag;
        node
    }

    #[test]
    fn scalars_replace_and_maps_merge() {
        assert_eq!(
            merged(
                svc(json!({"image": "foo", "scale": 1})),
                svc(json!({"image": "bar", "scale": 2}))
            ),
            svc(json!({"image": "bar", "scale": 2}))
        );
        assert_eq!(
            merged(
                svc(json!({"image": "foo"})),
                json!({"services": {"other": {"image": "x"}}})
            ),
            json!({"services": {"test": {"image": "foo"}, "other": {"image": "x"}}})
        );
    }

    #[test]
    fn null_overlay_keeps_base() {
        assert_eq!(
            merged(svc(json!({"image": "foo"})), svc(json!({"image": null}))),
            svc(json!({"image": "foo"}))
        );
    }

    #[test]
    fn type_mismatch_is_an_error() {
        let err = merge(
            n(svc(json!({"cap_add": ["A"]}))),
            n(svc(json!({"cap_add": "B"}))),
        )
        .unwrap_err();
        assert_eq!(err.message, "cannot override services.test.cap_add");
        let err = merge(
            n(svc(json!({"deploy": {"x": 1}}))),
            n(svc(json!({"deploy": [1]}))),
        )
        .unwrap_err();
        assert_eq!(err.message, "cannot override services.test.deploy");
    }

    #[test]
    fn generic_sequences_append() {
        assert_eq!(
            merged(
                svc(json!({"volumes_from": ["a"]})),
                svc(json!({"volumes_from": ["b"]}))
            ),
            svc(json!({"volumes_from": ["a", "b"]}))
        );
    }

    #[test]
    fn extension_keys_replace() {
        assert_eq!(
            merged(json!({"x-a": {"k": 1, "l": 2}}), json!({"x-a": {"k": 3}})),
            json!({"x-a": {"k": 3}})
        );
        assert_eq!(
            merged(svc(json!({"x-b": [1]})), svc(json!({"x-b": [2]}))),
            svc(json!({"x-b": [2]}))
        );
    }

    #[test]
    fn command_entrypoint_healthcheck_test_replace() {
        assert_eq!(
            merged(
                svc(
                    json!({"command": ["a", "b"], "entrypoint": ["sh"], "healthcheck": {"test": ["CMD", "x"], "interval": "1s"}})
                ),
                svc(json!({"command": ["c"], "entrypoint": "bash", "healthcheck": {"test": "y"}}))
            ),
            svc(
                json!({"command": ["c"], "entrypoint": "bash", "healthcheck": {"test": "y", "interval": "1s"}})
            )
        );
        // The override rule runs even for a null value, which clears the command.
        assert_eq!(
            merged(
                svc(json!({"command": ["a"]})),
                svc(json!({"command": null}))
            ),
            svc(json!({"command": null}))
        );
    }

    #[test]
    fn environment_and_labels_merge_by_key() {
        assert_eq!(
            merged(
                svc(
                    json!({"environment": ["FOO=foo", "BAR=bar"], "labels": {"a": "1", "b": null}})
                ),
                svc(
                    json!({"environment": {"FOO": "foo2", "QIX": null, "N": 1, "B": true}, "labels": ["a=2", "c"]})
                )
            ),
            svc(json!({
                "environment": ["FOO=foo2", "BAR=bar", "B=true", "N=1", "QIX"],
                "labels": ["a=2", "b", "c"]
            }))
        );
        for key in ["annotations", "sysctls"] {
            assert_eq!(
                merged(
                    svc(json!({key: {"x": "1"}})),
                    svc(json!({key: {"x": "2", "y": "3"}}))
                ),
                svc(json!({key: ["x=2", "y=3"]}))
            );
        }
        assert_eq!(
            merged(
                json!({"networks": {"n": {"labels": ["a=1"]}}, "volumes": {"v": {"labels": {"a": "1"}}}}),
                json!({"networks": {"n": {"labels": {"a": "2"}}}, "volumes": {"v": {"labels": ["b=1"]}}})
            ),
            json!({"networks": {"n": {"labels": ["a=2"]}}, "volumes": {"v": {"labels": ["a=1", "b=1"]}}})
        );
    }

    #[test]
    fn map_values_with_lists_expand() {
        assert_eq!(
            merged(
                svc(json!({"labels": {"a": ["x", 1]}})),
                svc(json!({"labels": {}}))
            ),
            // Sorted first ("a=1" < "a=x"), then unique by key: the last one wins.
            svc(json!({"labels": ["a=x"]}))
        );
    }

    #[test]
    fn build_string_becomes_context() {
        assert_eq!(
            merged(
                svc(json!({"build": "."})),
                svc(json!({"build": {"dockerfile": "foo.Dockerfile", "args": {"A": "1"}}}))
            ),
            svc(
                json!({"build": {"context": ".", "dockerfile": "foo.Dockerfile", "args": {"A": "1"}}})
            )
        );
        assert_eq!(
            merged(
                svc(
                    json!({"build": {"context": "a", "args": ["A=1", "B=2"], "labels": {"l": "1"}, "tags": ["t1"]}})
                ),
                svc(
                    json!({"build": {"context": "b", "args": {"A": "3"}, "labels": ["m=2"], "tags": ["t1", "t2"]}})
                )
            ),
            svc(
                json!({"build": {"context": "b", "args": ["A=3", "B=2"], "labels": ["l=1", "m=2"], "tags": ["t1", "t2"]}})
            )
        );
        assert_eq!(
            merged(
                svc(json!({"build": {"context": "a"}})),
                svc(json!({"build": "b"}))
            ),
            svc(json!({"build": {"context": "b"}}))
        );
    }

    #[test]
    fn extra_hosts_drop_exact_duplicates() {
        assert_eq!(
            merged(
                svc(
                    json!({"extra_hosts": ["a:1", "b:2"], "build": {"extra_hosts": {"h": "1.2.3.4"}}})
                ),
                svc(
                    json!({"extra_hosts": ["b:2", "a:3"], "build": {"extra_hosts": ["h=1.2.3.4", "i=5"]}})
                )
            ),
            svc(
                json!({"extra_hosts": ["a:1", "b:2", "a:3"], "build": {"extra_hosts": ["h=1.2.3.4", "i=5"]}})
            )
        );
    }

    #[test]
    fn dns_family_converts_to_sequences_and_dedupes() {
        assert_eq!(
            merged(
                svc(json!({"dns": "8.8.8.8", "dns_opt": ["a"], "dns_search": "x", "tmpfs": "/t"})),
                svc(
                    json!({"dns": ["8.8.8.8", "1.1.1.1"], "dns_opt": "b", "dns_search": ["y"], "tmpfs": ["/t", "/u"]})
                )
            ),
            svc(
                json!({"dns": ["8.8.8.8", "1.1.1.1"], "dns_opt": ["a", "b"], "dns_search": ["x", "y"], "tmpfs": ["/t", "/u"]})
            )
        );
    }

    #[test]
    fn env_file_appends_and_dedupes_by_path() {
        assert_eq!(
            merged(
                svc(
                    json!({"env_file": ["a.env", {"path": "b.env", "required": true}], "label_file": "l1"})
                ),
                svc(
                    json!({"env_file": [{"path": "b.env", "required": false}, "c.env"], "label_file": ["l2"]})
                )
            ),
            svc(
                json!({"env_file": ["a.env", {"path": "b.env", "required": false}, "c.env"], "label_file": ["l1", "l2"]})
            )
        );
        let err = merged_err(
            svc(json!({"env_file": [{"required": true}]})),
            svc(json!({})),
        );
        assert_eq!(
            err,
            "environment path attribute services.test.env_file.[0] is missing"
        );
    }

    fn merged_err(base: serde_json::Value, overlay: serde_json::Value) -> String {
        match merge(n(base), n(overlay)).and_then(|mut m| enforce_unicity(&mut m)) {
            Ok(()) => panic!("expected an error"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn depends_on_lists_become_mappings() {
        assert_eq!(
            merged(
                svc(json!({"depends_on": ["db", "cache"]})),
                svc(
                    json!({"depends_on": {"db": {"condition": "service_healthy"}, "queue": {"condition": "service_started"}}})
                )
            ),
            svc(json!({"depends_on": {
                "db": {"condition": "service_healthy", "required": true},
                "cache": {"condition": "service_started", "required": true},
                "queue": {"condition": "service_started"}
            }}))
        );
        assert_eq!(
            merged(
                svc(
                    json!({"depends_on": {"db": {"condition": "service_healthy", "restart": true}}})
                ),
                svc(json!({"depends_on": ["db"]}))
            ),
            svc(
                json!({"depends_on": {"db": {"condition": "service_started", "restart": true, "required": true}}})
            )
        );
    }

    #[test]
    fn service_networks_lists_become_mappings() {
        assert_eq!(
            merged(
                svc(json!({"networks": ["front", "back"]})),
                svc(json!({"networks": {"back": {"aliases": ["b"]}, "admin": null}}))
            ),
            svc(json!({"networks": {"front": null, "back": {"aliases": ["b"]}, "admin": null}}))
        );
        assert_eq!(
            merged(
                svc(json!({"networks": {"n": {"aliases": ["a", "b"], "ipv4_address": "1"}}})),
                svc(json!({"networks": {"n": {"aliases": ["b", "c"], "ipv4_address": "2"}}}))
            ),
            svc(json!({"networks": {"n": {"aliases": ["a", "b", "c"], "ipv4_address": "2"}}}))
        );
    }

    #[test]
    fn logging_merges_only_with_the_same_driver() {
        assert_eq!(
            merged(
                svc(json!({"logging": {"driver": "syslog", "options": {"syslog-address": "a"}}})),
                svc(json!({"logging": {"driver": "syslog", "options": {"syslog-address": "b"}}}))
            ),
            svc(json!({"logging": {"driver": "syslog", "options": {"syslog-address": "b"}}}))
        );
        assert_eq!(
            merged(
                svc(json!({"logging": {"driver": "local", "options": {"max-size": "10m"}}})),
                svc(json!({"logging": {"driver": "syslog", "options": {"syslog-address": "b"}}}))
            ),
            svc(json!({"logging": {"driver": "syslog", "options": {"syslog-address": "b"}}}))
        );
        assert_eq!(
            merged(
                svc(json!({"logging": {"options": {"max-size": "10m"}}})),
                svc(json!({"logging": {"options": {"max-file": 3}}}))
            ),
            svc(json!({"logging": {"options": {"max-size": "10m", "max-file": 3}}}))
        );
        assert_eq!(
            merged(
                svc(json!({"logging": {"driver": "json-file", "options": {"max-size": "10m"}}})),
                svc(json!({"logging": {"options": {"max-file": 3}}}))
            ),
            svc(
                json!({"logging": {"driver": "json-file", "options": {"max-size": "10m", "max-file": 3}}})
            )
        );
    }

    #[test]
    fn ulimits_replace_per_name() {
        assert_eq!(
            merged(
                svc(
                    json!({"ulimits": {"nofile": {"soft": 20000, "hard": 40000}, "nproc": 65535, "locks": {"soft": 1, "hard": 2}}})
                ),
                svc(json!({"ulimits": {"nofile": {"soft": 10000}, "nproc": {"soft": 5}}}))
            ),
            svc(
                json!({"ulimits": {"nofile": {"soft": 10000}, "nproc": {"soft": 5}, "locks": {"soft": 1, "hard": 2}}})
            )
        );
    }

    #[test]
    fn ipam_config_merges_by_subnet() {
        let base = json!({"networks": {"n": {"ipam": {"config": [
            {"subnet": "172.28.0.0/16", "gateway": "172.28.5.254", "aux_addresses": {"host1": "a", "host3": "c"}}
        ]}}}});
        let overlay = json!({"networks": {"n": {"ipam": {"config": [
            {"subnet": "172.28.0.0/16", "aux_addresses": {"host1": "b", "host4": "d"}},
            {"subnet": "172.28.10.0/16"}
        ]}}}});
        assert_eq!(
            merged(base, overlay),
            json!({"networks": {"n": {"ipam": {"config": [
                {"subnet": "172.28.0.0/16", "gateway": "172.28.5.254", "aux_addresses": {"host1": "b", "host3": "c", "host4": "d"}},
                {"subnet": "172.28.10.0/16"}
            ]}}}})
        );
        // With several base entries compose-go keeps mutating the first merged entry; the
        // result below is what its algorithm produces.
        assert_eq!(
            merged(
                json!({"networks": {"n": {"ipam": {"config": [{"subnet": "A", "gateway": "1"}, {"subnet": "B"}]}}}}),
                json!({"networks": {"n": {"ipam": {"config": [{"subnet": "A", "gateway": "2"}, {"subnet": "C"}]}}}})
            ),
            json!({"networks": {"n": {"ipam": {"config": [{"subnet": "C", "gateway": "2"}, {"subnet": "C"}]}}}})
        );
        // An empty override walks nothing: the result is empty, as in compose-go.
        assert_eq!(
            merged(
                json!({"networks": {"n": {"ipam": {"config": [{"subnet": "a"}]}}}}),
                json!({"networks": {"n": {"ipam": {"config": []}}}})
            ),
            json!({"networks": {"n": {"ipam": {"config": []}}}})
        );
    }

    #[test]
    fn ports_are_unique_by_key() {
        assert_eq!(
            merged(
                svc(
                    json!({"ports": ["8080:80", {"target": 80, "published": "9090", "protocol": "tcp"}, 22]})
                ),
                svc(
                    json!({"ports": ["8080:80", {"target": 80, "published": "9090"}, {"target": 80, "published": "9090", "protocol": "udp"}, 22]})
                )
            ),
            svc(json!({"ports": [
                "8080:80",
                {"target": 80, "published": "9090"},
                22,
                {"target": 80, "published": "9090", "protocol": "udp"}
            ]}))
        );
        assert_eq!(
            merged_err(svc(json!({"ports": [{"published": "1"}]})), svc(json!({}))),
            "service ports services.test.ports.[0] is missing a target port"
        );
    }

    #[test]
    fn volumes_are_unique_by_target() {
        assert_eq!(
            merged(
                svc(
                    json!({"volumes": ["v1:/data", {"type": "bind", "source": "/a", "target": "/b"}, "/anon"]})
                ),
                svc(json!({"volumes": ["v2:/data:ro", "./x:/b", "C:\\x:/win"]}))
            ),
            svc(json!({"volumes": ["v2:/data:ro", "./x:/b", "/anon", "C:\\x:/win"]}))
        );
        assert_eq!(
            merged_err(svc(json!({"volumes": ["ab::c"]})), svc(json!({}))),
            "invalid spec: ab::c: empty section between colons"
        );
        assert_eq!(
            merged_err(svc(json!({"volumes": [{"source": "x"}]})), svc(json!({}))),
            "service volume services.test.volumes.[0] is missing a mount target"
        );
    }

    #[test]
    fn devices_secrets_configs_are_unique_by_target() {
        assert_eq!(
            merged(
                svc(
                    json!({"devices": ["/dev/a:/dev/x", "/dev/b"], "secrets": ["s1", {"source": "s2", "target": "/t"}], "configs": ["c1"]})
                ),
                svc(
                    json!({"devices": [{"source": "/dev/c", "target": "/dev/x"}, "/dev/b:/dev/b:rwm"], "secrets": [{"source": "s1"}, {"source": "s3", "target": "/t"}], "configs": [{"source": "c1", "target": "/c1"}]})
                )
            ),
            svc(json!({
                "devices": [{"source": "/dev/c", "target": "/dev/x"}, "/dev/b:/dev/b:rwm"],
                "secrets": [{"source": "s1"}, {"source": "s3", "target": "/t"}],
                "configs": [{"source": "c1", "target": "/c1"}]
            }))
        );
    }

    #[test]
    fn value_lists_are_deduplicated() {
        assert_eq!(
            merged(
                svc(
                    json!({"cap_add": ["A", "B"], "cap_drop": ["C"], "profiles": ["p"], "links": ["db:d", "x"], "expose": [80, "81"]})
                ),
                svc(
                    json!({"cap_add": ["B", "C"], "cap_drop": ["C"], "profiles": ["p", "q"], "links": ["db:e"], "expose": ["80", 81]})
                )
            ),
            svc(
                json!({"cap_add": ["A", "B", "C"], "cap_drop": ["C"], "profiles": ["p", "q"], "links": ["db:d", "x", "db:e"], "expose": ["80", 81]})
            )
        );
    }

    #[test]
    fn unicity_rejects_non_strings_in_key_value_lists() {
        assert_eq!(
            merged_err(svc(json!({"cap_add": [1]})), svc(json!({}))),
            "services.test.cap_add.[0]: unexpected type int"
        );
    }

    #[test]
    fn reset_removes_base_value() {
        let base = n(svc(
            json!({"image": "foo", "ports": ["80:80"], "environment": {"A": "1", "B": "2"}}),
        ));
        let mut overlay = n(svc(json!({"ports": [], "environment": {"A": null}})));
        let test = overlay
            .get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .unwrap();
        let ports = test.get_mut("ports").unwrap();
        ports.tag = Tag::Reset;
        let a = test
            .get_mut("environment")
            .and_then(|e| e.get_mut("A"))
            .unwrap();
        a.tag = Tag::Reset;
        let out = merge(base, overlay).unwrap();
        assert_eq!(
            out.to_json(),
            svc(json!({"image": "foo", "environment": ["B=2"]}))
        );
    }

    #[test]
    fn reset_whole_service_and_top_level() {
        let base = n(
            json!({"services": {"a": {"image": "x"}, "b": {"image": "y"}}, "volumes": {"v": {}}}),
        );
        let mut overlay = n(json!({"services": {"a": null}, "volumes": null}));
        overlay
            .get_mut("services")
            .and_then(|s| s.get_mut("a"))
            .unwrap()
            .tag = Tag::Reset;
        overlay.get_mut("volumes").unwrap().tag = Tag::Reset;
        let out = merge(base, overlay).unwrap();
        assert_eq!(out.to_json(), json!({"services": {"b": {"image": "y"}}}));
    }

    #[test]
    fn reset_in_list_syntax_only_drops_the_item() {
        // compose-go records sequence items by index and cannot remove them from the base.
        let base = n(svc(json!({"environment": ["A=1", "B=2"]})));
        let mut overlay = n(svc(json!({"environment": ["A=1", "C=3"]})));
        let env = overlay
            .get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .and_then(|t| t.get_mut("environment"))
            .unwrap();
        env.as_seq_mut().unwrap()[0].tag = Tag::Reset;
        let mut out = merge(base, overlay).unwrap();
        enforce_unicity(&mut out).unwrap();
        assert_eq!(
            out.to_json(),
            svc(json!({"environment": ["A=1", "B=2", "C=3"]}))
        );
    }

    #[test]
    fn reset_in_extends_path() {
        // A reset path inside a deeper mapping (deploy.resources.limits).
        let base = n(svc(
            json!({"deploy": {"resources": {"limits": {"cpus": "1", "memory": "1g"}}}}),
        ));
        let mut overlay = n(svc(
            json!({"deploy": {"resources": {"limits": {"memory": null}}}}),
        ));
        overlay
            .get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .and_then(|t| t.get_mut("deploy"))
            .and_then(|d| d.get_mut("resources"))
            .and_then(|r| r.get_mut("limits"))
            .and_then(|l| l.get_mut("memory"))
            .unwrap()
            .tag = Tag::Reset;
        let out = merge(base, overlay).unwrap();
        assert_eq!(
            out.to_json(),
            svc(json!({"deploy": {"resources": {"limits": {"cpus": "1"}}}}))
        );
    }

    #[test]
    fn override_replaces_instead_of_merging() {
        let base = n(svc(
            json!({"ports": ["80:80"], "environment": {"A": "1"}, "labels": {"l": "1"}}),
        ));
        let mut overlay = n(svc(
            json!({"ports": ["8443:443"], "environment": {"B": "2"}, "labels": {"m": "2"}}),
        ));
        let test = overlay
            .get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .unwrap();
        test.get_mut("ports").unwrap().tag = Tag::Override;
        test.get_mut("environment").unwrap().tag = Tag::Override;
        let mut out = merge(base, overlay).unwrap();
        enforce_unicity(&mut out).unwrap();
        assert_eq!(
            out.to_json(),
            svc(
                json!({"ports": ["8443:443"], "environment": {"B": "2"}, "labels": ["l=1", "m=2"]})
            )
        );
    }

    #[test]
    fn override_of_a_whole_service() {
        let base = n(svc(
            json!({"image": "a", "command": ["x"], "environment": {"A": "1"}}),
        ));
        let mut overlay = n(svc(json!({"image": "b"})));
        overlay
            .get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .unwrap()
            .tag = Tag::Override;
        assert_eq!(
            merge(base, overlay).unwrap().to_json(),
            svc(json!({"image": "b"}))
        );
    }

    #[test]
    fn tags_below_an_override_are_ignored() {
        let inner = tagged(n(json!("v")), Tag::Reset);
        let mut map = Map::new();
        map.insert(Key::synthetic("A"), inner);
        let env = tagged(Node::map(map, Span::SYNTHETIC), Tag::Override);
        let mut overlay = n(svc(json!({})));
        overlay
            .get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .and_then(Node::as_map_mut)
            .unwrap()
            .insert(Key::synthetic("environment"), env);
        let out = merge(n(svc(json!({"environment": {"B": "1"}}))), overlay).unwrap();
        assert_eq!(out.to_json(), svc(json!({"environment": {"A": "v"}})));
        assert!(matches!(
            out.get("services")
                .unwrap()
                .get("test")
                .unwrap()
                .get("environment")
                .unwrap()
                .tag,
            Tag::None
        ));
    }

    #[test]
    fn strip_reset_tags_drops_reset_values() {
        let mut doc = n(svc(
            json!({"image": "a", "command": "x", "ports": ["1", "2"]}),
        ));
        let test = doc
            .get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .unwrap();
        test.get_mut("command").unwrap().tag = Tag::Reset;
        test.get_mut("ports").and_then(Node::as_seq_mut).unwrap()[0].tag = Tag::Reset;
        test.get_mut("image").unwrap().tag = Tag::Override;
        strip_reset_tags(&mut doc);
        assert_eq!(doc.to_json(), svc(json!({"image": "a", "ports": ["2"]})));
        let image = doc
            .get("services")
            .unwrap()
            .get("test")
            .unwrap()
            .get("image")
            .unwrap();
        assert_eq!(image.tag, Tag::None);
    }

    #[test]
    fn reset_paths_are_recorded_like_compose_go() {
        let mut doc = n(svc(json!({"command": "x", "ports": ["1", "2"]})));
        let test = doc
            .get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .unwrap();
        test.get_mut("command").unwrap().tag = Tag::Reset;
        test.get_mut("ports").and_then(Node::as_seq_mut).unwrap()[1].tag = Tag::Override;
        let paths = ResetPaths::take(&mut doc);
        assert_eq!(
            paths.paths(),
            vec!["services.test.command", "services.test.ports.1"]
        );
        assert!(!paths.is_empty());
    }

    #[test]
    fn extend_service_uses_service_rules() {
        let out = extend_service(
            n(json!({"image": "a", "command": ["x", "y"], "environment": ["A=1"], "ports": ["80"]})),
            n(json!({"extends": "base", "command": ["z"], "environment": {"B": "2"}, "ports": ["81"]})),
        )
        .unwrap();
        assert_eq!(
            out.to_json(),
            json!({"image": "a", "command": ["z"], "environment": ["A=1", "B=2"], "ports": ["80", "81"], "extends": "base"})
        );
    }

    #[test]
    fn go_value_formatting() {
        assert_eq!(go_format_float(1.5), "1.5");
        assert_eq!(go_format_float(100.0), "100");
        assert_eq!(go_format_float(1e6), "1e+06");
        assert_eq!(go_format_float(1_234_567.0), "1.234567e+06");
        assert_eq!(go_format_float(0.0001), "0.0001");
        assert_eq!(go_format_float(0.000_01), "1e-05");
        assert_eq!(
            go_format_v(&n(json!({"b": 1, "a": [true, null]}))),
            "map[a:[true <nil>] b:1]"
        );
    }

    #[test]
    fn volume_targets_like_parse_volume() {
        assert_eq!(volume_target("/data").unwrap(), "/data");
        assert_eq!(volume_target("vol:/data:ro").unwrap(), "/data");
        // A one-letter source reads as a Windows drive, as in compose-go.
        assert_eq!(volume_target("v:/data:ro").unwrap(), "ro");
        assert_eq!(volume_target("C:\\a:/b").unwrap(), "/b");
        assert_eq!(volume_target("ab").unwrap(), "ab");
        assert_eq!(
            volume_target("ab:cd:ef:gh").unwrap_err(),
            "invalid spec: ab:cd:ef:gh: too many colons"
        );
        assert!(volume_target("").is_err());
    }
}
