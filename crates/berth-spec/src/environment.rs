//! The variables interpolation and `.env` see: the shell environment, then the `.env` files.

use indexmap::IndexMap;

/// Variables visible to interpolation, in precedence order already applied (the shell wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    vars: IndexMap<String, String>,
}

impl Environment {
    pub fn new() -> Self {
        Self::default()
    }
    /// Takes the process environment.
    pub fn from_process() -> Self {
        Environment { vars: std::env::vars().collect() }
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
    /// Looks a variable up, for interpolation callbacks.
    pub fn lookup(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }
    /// Adds a variable only if it is not set yet (lower-precedence sources).
    pub fn insert_if_absent(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.entry(name.into()).or_insert_with(|| value.into());
    }
    pub fn contains(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.vars.iter()
    }
}

impl FromIterator<(String, String)> for Environment {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Environment { vars: iter.into_iter().collect() }
    }
}
