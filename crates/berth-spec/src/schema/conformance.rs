//! Test-only proof that berth's description of the Compose format has the same rules as the
//! reference's JSON schema (compose-go v2.4.8, kept in the conformance corpus): both are walked
//! side by side and every type, enum, bound, required key, key pattern, uniqueness flag and
//! open/closed mapping must agree. The schema is read from the corpus only here; berth never
//! loads it at run time.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::compose::compose_file;
use super::rules::{KeyPattern, Kind, Others, Rule};

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("BERTH_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "conformance corpus not found at {} (set BERTH_CORPUS)",
        dir.display()
    );
    dir
}

fn reference_schema() -> Json {
    let path = corpus_dir().join("compose-go@v2.4.8/schema/compose-spec.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Keywords that only document the schema.
const ANNOTATIONS: &[&str] = &[
    "description",
    "default",
    "deprecated",
    "title",
    "$schema",
    "$id",
    "definitions",
];

fn kind_of(name: &str) -> Option<Kind> {
    Some(match name {
        "null" => Kind::Null,
        "boolean" => Kind::Boolean,
        "integer" => Kind::Integer,
        "number" => Kind::Number,
        "string" => Kind::String,
        "array" => Kind::List,
        "object" => Kind::Mapping,
        _ => return None,
    })
}

fn pattern_of(regex: &str) -> Option<KeyPattern> {
    Some(match regex {
        "^x-" => KeyPattern::Extension,
        "^[a-zA-Z0-9._-]+$" => KeyPattern::Name,
        "^[a-z]+$" => KeyPattern::LowercaseWord,
        ".+" => KeyPattern::NonEmpty,
        "^.+$" => KeyPattern::SingleLine,
        _ => return None,
    })
}

fn kind_set(kinds: &[Kind]) -> BTreeSet<String> {
    kinds.iter().map(|k| format!("{k:?}")).collect()
}

struct Comparison<'a> {
    definitions: &'a serde_json::Map<String, Json>,
    mismatches: Vec<String>,
}

/// The entries of a keyword whose value is a mapping of schemas.
fn entries<'a>(
    object: &'a serde_json::Map<String, Json>,
    keyword: &str,
) -> Vec<(&'a String, &'a Json)> {
    object
        .get(keyword)
        .and_then(Json::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default()
}

/// Follows a `$ref` to its definition.
fn resolve<'a>(
    definitions: &'a serde_json::Map<String, Json>,
    schema: &'a Json,
) -> Option<&'a Json> {
    match schema.get("$ref").and_then(Json::as_str) {
        None => Some(schema),
        Some(reference) => definitions.get(reference.strip_prefix("#/definitions/")?),
    }
}

impl<'a> Comparison<'a> {
    fn fail(&mut self, at: &str, what: impl std::fmt::Display) {
        self.mismatches.push(format!("{at}: {what}"));
    }

    fn compare(&mut self, schema: &'a Json, rule: &Rule, at: &str) {
        let Some(schema) = resolve(self.definitions, schema) else {
            self.fail(at, "unresolvable $ref");
            return;
        };
        let Some(object) = schema.as_object() else {
            self.fail(at, "schema is not an object");
            return;
        };
        let keywords: BTreeSet<&str> = object
            .keys()
            .map(String::as_str)
            .filter(|k| !ANNOTATIONS.contains(k))
            .collect();
        if keywords.is_empty() {
            if !matches!(rule, Rule::Any) {
                self.fail(at, format!("schema accepts anything, berth has {rule:?}"));
            }
            return;
        }
        if let Some(alternatives) = object.get("oneOf").and_then(Json::as_array) {
            self.allow(at, &keywords, &["oneOf"]);
            match rule {
                Rule::OneOf(mine) if mine.len() == alternatives.len() => {
                    for (i, (schema, rule)) in alternatives.iter().zip(mine).enumerate() {
                        self.compare(schema, rule, &format!("{at}/oneOf/{i}"));
                    }
                }
                _ => self.fail(
                    at,
                    format!(
                        "schema has oneOf of {}, berth has {rule:?}",
                        alternatives.len()
                    ),
                ),
            }
            return;
        }
        let types: Vec<Kind> = match object.get("type") {
            Some(Json::String(t)) => kind_of(t).into_iter().collect(),
            Some(Json::Array(ts)) => ts
                .iter()
                .filter_map(Json::as_str)
                .filter_map(kind_of)
                .collect(),
            _ => {
                self.fail(at, "schema has no type");
                return;
            }
        };
        if types.contains(&Kind::List) {
            // Object keywords next to `"type": "array"` (see `gpus`) have no effect on arrays.
            self.allow(
                at,
                &keywords,
                &[
                    "type",
                    "items",
                    "uniqueItems",
                    "additionalProperties",
                    "patternProperties",
                ],
            );
            let unique = object
                .get("uniqueItems")
                .and_then(Json::as_bool)
                .unwrap_or(false);
            match rule {
                Rule::List {
                    items,
                    unique: mine,
                } if types.len() == 1 => {
                    if *mine != unique {
                        self.fail(at, format!("uniqueItems is {unique}, berth has {mine}"));
                    }
                    match object.get("items") {
                        Some(schema) => self.compare(schema, items, &format!("{at}/items")),
                        None => self.fail(at, "array without items"),
                    }
                }
                _ => self.fail(at, format!("schema has an array, berth has {rule:?}")),
            }
        } else if types.contains(&Kind::Mapping) {
            self.allow(
                at,
                &keywords,
                &[
                    "type",
                    "properties",
                    "patternProperties",
                    "additionalProperties",
                    "required",
                ],
            );
            self.compare_mapping(object, &types, rule, at);
        } else if let Some(values) = object.get("enum").and_then(Json::as_array) {
            self.allow(at, &keywords, &["type", "enum"]);
            let values: Vec<&str> = values.iter().filter_map(Json::as_str).collect();
            match rule {
                Rule::Enum(mine) | Rule::WidenedEnum(mine, _)
                    if types == [Kind::String] && *mine == values.as_slice() => {}
                _ => self.fail(
                    at,
                    format!("schema has enum {values:?}, berth has {rule:?}"),
                ),
            }
        } else if keywords.contains("minimum") || keywords.contains("maximum") {
            self.allow(at, &keywords, &["type", "minimum", "maximum"]);
            let min = object.get("minimum").and_then(Json::as_i64);
            let max = object.get("maximum").and_then(Json::as_i64);
            match rule {
                Rule::Integer { min: lo, max: hi }
                    if types == [Kind::Integer] && *lo == min && *hi == max => {}
                _ => self.fail(
                    at,
                    format!("schema has integer {min:?}..{max:?}, berth has {rule:?}"),
                ),
            }
        } else {
            self.allow(at, &keywords, &["type"]);
            match rule {
                Rule::Kinds(mine) if kind_set(mine) == kind_set(&types) => {}
                _ => self.fail(at, format!("schema has type {types:?}, berth has {rule:?}")),
            }
        }
    }

    fn compare_mapping(
        &mut self,
        object: &'a serde_json::Map<String, Json>,
        types: &[Kind],
        rule: &Rule,
        at: &str,
    ) {
        let others: Vec<Kind> = types
            .iter()
            .copied()
            .filter(|k| *k != Kind::Mapping)
            .collect();
        let properties = entries(object, "properties");
        let patterns = entries(object, "patternProperties");
        let required: BTreeSet<&str> = object
            .get("required")
            .and_then(Json::as_array)
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let closed = match object.get("additionalProperties") {
            None => false,
            Some(Json::Bool(allowed)) => !allowed,
            Some(other) => {
                self.fail(at, format!("additionalProperties {other} is not supported"));
                return;
            }
        };
        let m = match rule {
            // A bare `"type": "object"` is any mapping.
            Rule::Kinds(mine)
                if properties.is_empty()
                    && patterns.is_empty()
                    && required.is_empty()
                    && !closed =>
            {
                if kind_set(mine) != kind_set(types) {
                    self.fail(at, format!("schema has type {types:?}, berth has {mine:?}"));
                }
                return;
            }
            Rule::Mapping(m) => m,
            _ => {
                self.fail(at, format!("schema has a mapping, berth has {rule:?}"));
                return;
            }
        };
        if kind_set(m.also) != kind_set(&others) {
            self.fail(
                at,
                format!("schema also accepts {others:?}, berth accepts {:?}", m.also),
            );
        }
        if closed != (m.others == Others::Rejected) {
            self.fail(at, format!("schema closed={closed}, berth {:?}", m.others));
        }
        let mine_required: BTreeSet<&str> = m.required.iter().copied().collect();
        if required != mine_required {
            self.fail(
                at,
                format!("schema requires {required:?}, berth requires {mine_required:?}"),
            );
        }
        let schema_keys: BTreeSet<&str> = properties.iter().map(|(k, _)| k.as_str()).collect();
        let mine_keys: BTreeSet<&str> = m.known.iter().map(|(k, _)| *k).collect();
        if schema_keys != mine_keys || mine_keys.len() != m.known.len() {
            let missing: Vec<_> = schema_keys.difference(&mine_keys).collect();
            let extra: Vec<_> = mine_keys.difference(&schema_keys).collect();
            self.fail(
                at,
                format!(
                    "keys differ: berth lacks {missing:?}, has extra {extra:?} (or duplicates)"
                ),
            );
        }
        for (name, rule) in &m.known {
            if let Some((_, schema)) = properties.iter().find(|(k, _)| k == name) {
                self.compare(schema, rule, &format!("{at}/properties/{name}"));
            }
        }
        if patterns.len() != m.patterns.len() {
            self.fail(
                at,
                format!(
                    "schema has {} key patterns, berth has {}",
                    patterns.len(),
                    m.patterns.len()
                ),
            );
        }
        for (regex, schema) in &patterns {
            let Some(pattern) = pattern_of(regex) else {
                self.fail(at, format!("key pattern {regex} has no KeyPattern"));
                continue;
            };
            match m.patterns.iter().find(|(p, _)| *p == pattern) {
                Some((_, rule)) => {
                    self.compare(schema, rule, &format!("{at}/patternProperties/{regex}"));
                }
                None => self.fail(at, format!("berth lacks key pattern {regex}")),
            }
        }
    }

    fn allow(&mut self, at: &str, keywords: &BTreeSet<&str>, allowed: &[&str]) {
        for k in keywords {
            if !allowed.contains(k) {
                self.fail(at, format!("keyword `{k}` is not handled"));
            }
        }
    }
}

#[test]
fn berth_rules_match_the_reference_schema() {
    let schema = reference_schema();
    let empty = serde_json::Map::new();
    let definitions = schema
        .get("definitions")
        .and_then(Json::as_object)
        .unwrap_or(&empty);
    assert!(
        definitions.len() > 20,
        "the reference schema has no definitions"
    );
    let mut comparison = Comparison {
        definitions,
        mismatches: Vec::new(),
    };
    comparison.compare(&schema, &compose_file(), "#");
    assert!(
        comparison.mismatches.is_empty(),
        "{} differences:\n{}",
        comparison.mismatches.len(),
        comparison.mismatches.join("\n")
    );
}

#[test]
fn every_definition_is_used() {
    let schema = reference_schema();
    let text = schema.to_string();
    let definitions = schema
        .get("definitions")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    for name in definitions.keys() {
        let reference = format!("\"#/definitions/{name}\"");
        assert!(
            text.contains(&reference),
            "definition {name} is never referenced, so never compared"
        );
    }
}

#[test]
fn key_patterns_agree_with_the_regexes() {
    let keys = [
        "",
        "x-",
        "x-foo",
        "X-foo",
        "ax-",
        "web",
        "my_web.1-a",
        "my web",
        "Web",
        "nofile",
        "NOFILE",
        "no-file",
        "\n",
        "a\nb",
        "\na",
        "é",
        "a/b",
        "-",
        ".",
        "_",
        "a$",
        " ",
    ];
    for (regex, pattern) in [
        ("^x-", KeyPattern::Extension),
        ("^[a-zA-Z0-9._-]+$", KeyPattern::Name),
        ("^[a-z]+$", KeyPattern::LowercaseWord),
        (".+", KeyPattern::NonEmpty),
        ("^.+$", KeyPattern::SingleLine),
    ] {
        let re = regex::Regex::new(regex).unwrap();
        for key in keys {
            assert_eq!(pattern.matches(key), re.is_match(key), "{regex} on {key:?}");
        }
    }
}
