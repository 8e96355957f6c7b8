//! `Filters`: the engine's list/event filter arguments (`label=a=b`, `type=container`, ...),
//! plus the matching rules the fake engine applies, so both engines read them the same way.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Filter arguments by key; a value matches when any of the values for each key matches,
/// except `label`, where every value must match (the engine's rule).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filters(BTreeMap<String, BTreeSet<String>>);

impl Filters {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key=value` and returns self, for chaining.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.add(key, value);
        self
    }

    /// Adds a label filter: `key` (label present) or `key=value`.
    #[must_use]
    pub fn label(self, label: impl Into<String>) -> Self {
        self.with("label", label)
    }

    /// Adds `key=value`.
    pub fn add(&mut self, key: &str, value: impl Into<String>) {
        self.0.entry(key.to_owned()).or_default().insert(value.into());
    }

    /// The values of `key`.
    pub fn get(&self, key: &str) -> impl Iterator<Item = &str> {
        self.0.get(key).into_iter().flat_map(|s| s.iter().map(String::as_str))
    }

    /// Whether there are no filters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keys in use.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// As the engine's query map.
    pub fn to_map(&self) -> std::collections::HashMap<String, Vec<String>> {
        self.0
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().cloned().collect()))
            .collect()
    }

    /// Whether `labels` satisfy every `label` filter.
    pub fn match_labels(&self, labels: &BTreeMap<String, String>) -> bool {
        self.get("label").all(|f| label_matches(f, labels))
    }

    /// Whether `value` matches one of the values of `key` (or there are none); `eq` decides.
    pub fn match_any(&self, key: &str, eq: impl Fn(&str) -> bool) -> bool {
        let mut values = self.get(key).peekable();
        values.peek().is_none() || values.any(eq)
    }
}

/// Whether one label filter (`key` or `key=value`, also `key!=value`) holds for `labels`.
pub fn label_matches(filter: &str, labels: &BTreeMap<String, String>) -> bool {
    if let Some((k, v)) = filter.split_once("!=") {
        return !matches!(labels.get(k), Some(have) if have == v);
    }
    match filter.split_once('=') {
        Some((k, v)) => labels.get(k).is_some_and(|have| have == v),
        None => labels.contains_key(filter),
    }
}

/// The engine's name filter: a regular expression searched in the name. Only the anchors
/// `^` and `$` are given meaning here, which covers what Compose sends.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let name = name.trim_start_matches('/');
    let (anchored_start, rest) = match pattern.strip_prefix('^') {
        Some(r) => (true, r.trim_start_matches('/')),
        None => (false, pattern.trim_start_matches('/')),
    };
    let (anchored_end, needle) = match rest.strip_suffix('$') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    match (anchored_start, anchored_end) {
        (true, true) => name == needle,
        (true, false) => name.starts_with(needle),
        (false, true) => name.ends_with(needle),
        (false, false) => name.contains(needle),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn labels_all_must_match() {
        let l = labels(&[("a", "1"), ("b", "2")]);
        assert!(Filters::new().label("a").label("b=2").match_labels(&l));
        assert!(!Filters::new().label("a").label("b=3").match_labels(&l));
        assert!(!Filters::new().label("c").match_labels(&l));
        assert!(Filters::new().label("b!=3").match_labels(&l));
        assert!(!Filters::new().label("b!=2").match_labels(&l));
        assert!(Filters::new().match_labels(&l));
    }

    #[test]
    fn any_value_matches() {
        let f = Filters::new().with("status", "running").with("status", "paused");
        assert!(f.match_any("status", |v| v == "paused"));
        assert!(!f.match_any("status", |v| v == "exited"));
        assert!(f.match_any("name", |_| false));
    }

    #[test]
    fn names() {
        assert!(name_matches("web", "/lab-web-1"));
        assert!(name_matches("^lab-web-1$", "/lab-web-1"));
        assert!(name_matches("^/lab", "/lab-web-1"));
        assert!(!name_matches("^web", "lab-web-1"));
        assert!(name_matches("-1$", "lab-web-1"));
    }
}
