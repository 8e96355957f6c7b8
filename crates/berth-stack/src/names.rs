//! The naming and labelling contract `docker stack deploy` established: every object of stack
//! `NAME` is called `NAME_<key>` and carries `com.docker.stack.namespace=NAME`; services also
//! remember the image the file asked for in `com.docker.stack.image`. Keeping these identical
//! lets `docker stack` and `berth stack` manage each other's stacks.

use std::collections::BTreeMap;

/// Label every stack object carries, with the stack name as value.
pub const LABEL_NAMESPACE: &str = "com.docker.stack.namespace";
/// Service label holding the image as written in the compose file (before digest pinning).
pub const LABEL_IMAGE: &str = "com.docker.stack.image";

/// A stack name, and the scoping of object names within it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    name: String,
}

impl Namespace {
    /// A namespace for stack `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Namespace { name: name.into() }
    }

    /// The stack name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `NAME_key`.
    pub fn scope(&self, key: &str) -> String {
        format!("{}_{key}", self.name)
    }

    /// The key of a scoped name (the name itself when it is not scoped in this stack).
    pub fn descope<'a>(&self, scoped: &'a str) -> &'a str {
        scoped
            .strip_prefix(self.name.as_str())
            .and_then(|rest| rest.strip_prefix('_'))
            .unwrap_or(scoped)
    }

    /// `labels` plus the namespace label.
    pub fn labelled(&self, labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut out = labels.clone();
        out.insert(LABEL_NAMESPACE.to_owned(), self.name.clone());
        out
    }

    /// The label filter value selecting this stack's objects.
    pub fn filter(&self) -> String {
        format!("{LABEL_NAMESPACE}={}", self.name)
    }
}

/// Checks a stack name the way the docker CLI does: not empty once quotes and white space are
/// trimmed.
pub fn validate_stack_name(name: &str) -> Result<(), crate::Error> {
    let trimmed = name.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
    if trimmed.is_empty() {
        return Err(crate::Error::Invalid(format!("invalid stack name: {name:?}")));
    }
    Ok(())
}

/// The compose project name used to load a stack's files: Compose only accepts lower-case
/// letters, digits, `-` and `_`, starting with a letter or digit, while a stack name may be
/// anything. Object names never come from it (see `convert`), only interpolation's
/// `COMPOSE_PROJECT_NAME` does.
pub fn project_name_for(stack: &str) -> String {
    let mut out: String = stack
        .chars()
        .filter_map(|c| {
            let c = c.to_ascii_lowercase();
            (c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_').then_some(c)
        })
        .collect();
    while out.starts_with(['-', '_']) {
        out.remove(0);
    }
    if out.is_empty() {
        out.push_str("stack");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_and_descope() {
        let ns = Namespace::new("shop");
        assert_eq!(ns.scope("web"), "shop_web");
        assert_eq!(ns.descope("shop_web"), "web");
        assert_eq!(ns.descope("shopx_web"), "shopx_web");
        assert_eq!(ns.descope("other_web"), "other_web");
        assert_eq!(ns.filter(), "com.docker.stack.namespace=shop");
    }

    #[test]
    fn labelled_adds_the_namespace() {
        let ns = Namespace::new("shop");
        let mut l = BTreeMap::new();
        l.insert("a".to_owned(), "b".to_owned());
        let out = ns.labelled(&l);
        assert_eq!(out.get("a").map(String::as_str), Some("b"));
        assert_eq!(out.get(LABEL_NAMESPACE).map(String::as_str), Some("shop"));
    }

    #[test]
    fn stack_names() {
        assert!(validate_stack_name("shop").is_ok());
        assert!(validate_stack_name(" '\" ").is_err());
        assert!(validate_stack_name("").is_err());
        assert_eq!(project_name_for("MyStack"), "mystack");
        assert_eq!(project_name_for("_x.y"), "xy");
        assert_eq!(project_name_for("..."), "stack");
    }
}
