//! Short syntax → long syntax (ports, volumes, `depends_on`, secrets, ...), as Docker Compose's
//! canonical transform does, plus the `omitEmpty` clean-up that follows it.
//!
//! The rules are a table keyed by tree path (`services.*.ports`), matched exactly as compose-go
//! matches its `tree.Path` patterns: `*` matches one key or one sequence item, and the first
//! rule whose pattern matches a node owns that node and everything under it (a rule that wants
//! its children transformed too recurses itself). Nodes not owned by any rule are walked.
//!
//! One submodule per attribute family: `ports` and `volumes` hold the short-syntax parsers,
//! `service` the per-service attributes and `resources` the top-level resources and `include`.
//! Every node a rule creates carries the span of the short-syntax value it came from.

mod ports;
mod resources;
mod service;
mod volumes;

pub use ports::{parse_port_spec, PortSpec};
pub use volumes::{parse_volume, VolumeBind, VolumeSpec};
pub(crate) use volumes::clean_path;

use crate::error::{Error, Result};
use crate::node::{Key, Map, Node, Path, Span, Value};

/// Where a transform is in the tree: a chain of steps up to the root, borrowed from the
/// callers' stack frames, so that stepping down costs nothing. The path for error messages
/// is spelled out only when asked for; rule patterns match the parts (keys, and `[]` for
/// sequence items, which a `*` in a pattern matches).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor<'a> {
    parent: Option<&'a Cursor<'a>>,
    step: CursorStep<'a>,
    /// Number of steps from the root.
    depth: usize,
}

#[derive(Debug, Clone, Copy)]
enum CursorStep<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl<'a> Cursor<'a> {
    pub(crate) fn root() -> Cursor<'static> {
        Cursor { parent: None, step: CursorStep::Root, depth: 0 }
    }

    pub(crate) fn key<'b>(&'b self, k: &'b str) -> Cursor<'b> {
        Cursor { parent: Some(self), step: CursorStep::Key(k), depth: self.depth + 1 }
    }

    pub(crate) fn index(&self, i: usize) -> Cursor<'_> {
        Cursor { parent: Some(self), step: CursorStep::Index(i), depth: self.depth + 1 }
    }

    /// The path from the root, for error messages (`services.web.ports[1]`).
    pub(crate) fn path(&self) -> Path {
        let mut steps = Vec::with_capacity(self.depth);
        let mut cur = Some(self);
        while let Some(c) = cur {
            steps.push(c.step);
            cur = c.parent;
        }
        steps.iter().rev().fold(Path::root(), |p, step| match step {
            CursorStep::Root => p,
            CursorStep::Key(k) => p.key(k),
            CursorStep::Index(i) => p.index(*i),
        })
    }

    /// The path as compose-go's `tree.Path` prints it: every part joined by dots, sequence
    /// items as `[i]` (`services.web.ports.[1]`).
    pub(crate) fn dotted(&self) -> String {
        let mut parts = Vec::with_capacity(self.depth);
        let mut cur = Some(self);
        while let Some(c) = cur {
            match c.step {
                CursorStep::Root => {}
                CursorStep::Key(k) => parts.push(k.to_owned()),
                CursorStep::Index(i) => parts.push(format!("[{i}]")),
            }
            cur = c.parent;
        }
        parts.reverse();
        parts.join(".")
    }

    /// This position's part as patterns see it; `None` at the root.
    fn part(&self) -> Option<&'a str> {
        match self.step {
            CursorStep::Root => None,
            CursorStep::Key(k) => Some(k),
            CursorStep::Index(_) => Some("[]"),
        }
    }

    /// Whether this position matches a dotted pattern such as `services.*.volumes.*`. The
    /// pattern is read from its end as the cursor is walked up from here, so most positions
    /// are told apart at their own part, without splitting the pattern.
    pub(crate) fn matches(&self, pattern: &str) -> bool {
        let mut rest = Some(pattern);
        let mut cur = Some(self);
        while let Some(c) = cur {
            if let Some(part) = c.part() {
                let Some(r) = rest else { return false };
                let (head, pat) = match r.rfind('.') {
                    Some(i) => (r.get(..i), r.get(i + 1..).unwrap_or_default()),
                    None => (None, r),
                };
                if pat != "*" && pat != part {
                    return false;
                }
                rest = head;
            }
            cur = c.parent;
        }
        rest.is_none()
    }

    /// Whether `pattern` could match the child `part` of this position (a key, or `[]` for a
    /// sequence item) or anything below it. The walkers skip the subtrees no rule reaches:
    /// visiting them changes nothing.
    pub(crate) fn leads_to(&self, part: &str, pattern: &str) -> bool {
        // The pattern's first `depth + 1` parts must match the child's position.
        let mut dots = 0;
        let mut end = pattern.len();
        for (i, b) in pattern.bytes().enumerate() {
            if b == b'.' {
                dots += 1;
                if dots > self.depth {
                    end = i;
                    break;
                }
            }
        }
        if dots < self.depth {
            return false;
        }
        let child = Cursor { parent: Some(self), step: CursorStep::Key(part), depth: self.depth + 1 };
        pattern.get(..end).is_some_and(|prefix| child.matches(prefix))
    }

    /// Whether any of `patterns` could match the child `part` or below (see [`Cursor::leads_to`]).
    pub(crate) fn child_reaches<'p>(
        &self,
        part: &str,
        mut patterns: impl Iterator<Item = &'p str>,
    ) -> bool {
        patterns.any(|p| self.leads_to(part, p))
    }
}

/// An `Invalid` error pointing at `node` and at the cursor's path.
pub(crate) fn invalid(message: impl Into<String>, node: &Node, cur: &Cursor) -> Error {
    Error::invalid(message).at(node.span).with_path(&cur.path())
}

/// A mapping node built from `(key, value)` pairs, every key carrying `span`.
pub(crate) fn map_node(entries: Vec<(&str, Node)>, span: Span) -> Node {
    let map: Map = entries.into_iter().map(|(k, v)| (Key::new(k, span), v)).collect();
    Node::map(map, span)
}

/// A string node.
pub(crate) fn str_node(s: impl Into<String>, span: Span) -> Node {
    Node::string(s, span)
}

/// A boolean node.
pub(crate) fn bool_node(b: bool, span: Span) -> Node {
    Node::new(Value::Bool(b), span)
}

/// Inserts `key: value` into a mapping when the key is absent (a default).
pub(crate) fn insert_default(map: &mut Map, key: &str, value: Node) {
    if !map.contains_key(key) {
        map.insert(Key::new(key, value.span), value);
    }
}

/// State shared by the rules during one canonical pass.
pub(crate) struct Ctx {
    /// Leave unparsable short syntax as it is (interpolation was skipped, so the value may
    /// still hold `${VAR}` references that only make sense later).
    pub(crate) ignore_parse_errors: bool,
    pub(crate) warnings: Vec<String>,
}

type Rule = fn(&mut Node, &Cursor, &mut Ctx) -> Result<()>;

/// The rule table. Patterns never overlap (they differ in length or in a literal part), so
/// order does not matter, as in compose-go where the table is an unordered map.
const RULES: &[(&str, Rule)] = &[
    ("services.*", service::service),
    ("services.*.build", service::build),
    ("services.*.build.secrets.*", service::file_mount),
    ("services.*.build.additional_contexts", service::key_value),
    ("services.*.build.ssh", service::ssh),
    ("services.*.build.ulimits.*", service::ulimit),
    ("services.*.depends_on", service::depends_on),
    ("services.*.env_file", service::env_file),
    ("services.*.label_file", service::string_or_list),
    ("services.*.dns", service::string_or_list),
    ("services.*.extends", service::extends),
    ("services.*.gpus", service::gpus),
    ("services.*.networks", service::networks),
    ("services.*.volumes.*", volumes::volume_mount),
    ("services.*.devices.*", service::device),
    ("services.*.secrets.*", service::file_mount),
    ("services.*.configs.*", service::file_mount),
    ("services.*.ports", ports::ports),
    ("services.*.ulimits.*", service::ulimit),
    ("volumes.*", resources::maybe_external),
    ("networks.*", resources::maybe_external),
    ("secrets.*", resources::maybe_external),
    ("configs.*", resources::maybe_external),
    ("include.*", resources::include),
];

/// Rewrites every short-syntax value of a project tree into its long form (compose-go's
/// `transform.Canonical`). With `skip_interpolation`, values that do not parse are left as
/// they are instead of failing, since they may still contain unexpanded variables.
pub fn canonical(root: &mut Node, skip_interpolation: bool) -> Result<()> {
    canonical_with_warnings(root, skip_interpolation).map(|_| ())
}

/// Like [`canonical`], and returns the deprecation warnings Compose would log
/// (e.g. `external.name`), for the caller to report.
pub fn canonical_with_warnings(root: &mut Node, skip_interpolation: bool) -> Result<Vec<String>> {
    let mut ctx = Ctx { ignore_parse_errors: skip_interpolation, warnings: Vec::new() };
    transform(root, &Cursor::root(), &mut ctx)?;
    Ok(ctx.warnings)
}

pub(crate) fn transform(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    for (pattern, rule) in RULES {
        if cur.matches(pattern) {
            return rule(node, cur, ctx);
        }
    }
    transform_children(node, cur, ctx)
}

/// Applies the rules below a mapping or sequence node.
pub(crate) fn transform_children(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    match &mut node.value {
        Value::Map(map) => {
            for (k, v) in map.iter_mut() {
                if cur.child_reaches(&k.name, RULES.iter().map(|(p, _)| *p)) {
                    transform(v, &cur.key(&k.name), ctx)?;
                }
            }
        }
        Value::Seq(items) if cur.child_reaches("[]", RULES.iter().map(|(p, _)| *p)) => {
            for (i, v) in items.iter_mut().enumerate() {
                transform(v, &cur.index(i), ctx)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Paths whose empty entries (null or `""`) are dropped.
const OMIT_EMPTY: &[&str] = &["services.*.dns"];

/// Drops empty entries that mean "unset" (compose-go's `loader.OmitEmpty`): null and empty
/// strings in `services.*.dns`. Like compose-go, every sequence left empty becomes null, so an
/// empty list means the same as an absent one from here on.
pub fn omit_empty(root: &mut Node) {
    omit_empty_at(root, &Cursor::root());
}

fn is_empty_value(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn omit_empty_at(node: &mut Node, cur: &Cursor) {
    let must_omit = OMIT_EMPTY.iter().any(|p| cur.matches(p));
    match &mut node.value {
        Value::Map(map) => {
            if must_omit {
                map.retain(|_, v| !is_empty_value(v));
            }
            // Only where a pattern can still match: nothing changes anywhere else.
            for (k, v) in map.iter_mut() {
                if cur.child_reaches(&k.name, OMIT_EMPTY.iter().copied()) {
                    omit_empty_at(v, &cur.key(&k.name));
                }
            }
        }
        Value::Seq(items) => {
            if must_omit {
                items.retain(|v| !is_empty_value(v));
            }
            // An empty list stays a list: Docker Compose 2.26.1 prints `command: []` (which
            // clears the image's CMD), not null.
            if cur.child_reaches("[]", OMIT_EMPTY.iter().copied()) {
                for (i, v) in items.iter_mut().enumerate() {
                    omit_empty_at(v, &cur.index(i));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Runs `canonical` on a tree and returns it as JSON.
    pub(crate) fn canon(input: &serde_json::Value) -> serde_json::Value {
        let mut node = Node::from_json(input);
        canonical(&mut node, false).unwrap();
        node.to_json()
    }

    pub(crate) fn canon_err(input: &serde_json::Value) -> Error {
        let mut node = Node::from_json(input);
        canonical(&mut node, false).unwrap_err()
    }

    #[test]
    fn cursor_matching() {
        let root = Cursor::root();
        let services = root.key("services");
        let web = services.key("web");
        let volumes = web.key("volumes");
        let c = volumes.index(0);
        assert!(c.matches("services.*.volumes.*"));
        assert!(!c.matches("services.*.volumes"));
        assert!(!c.matches("services.*.volumes.*.x"));
        assert!(!c.matches("services.*.ports.*"));
        assert_eq!(c.path().to_string(), "services.web.volumes[0]");
        // A key with a dot is one part, as compose-go's ghost replacement makes it.
        assert!(services.key("a.b").matches("services.*"));
    }

    #[test]
    fn cursor_leads_to_patterns_below() {
        let root = Cursor::root();
        let services = root.key("services");
        let s = services.key("web");
        let volumes = s.key("volumes");
        assert!(s.leads_to("volumes", "services.*.volumes.*"));
        assert!(volumes.leads_to("[]", "services.*.volumes.*"));
        assert!(!s.leads_to("environment", "services.*.volumes.*"));
        assert!(!volumes.index(0).leads_to("source", "services.*.volumes.*"));
        assert!(root.leads_to("services", "services.*.volumes.*"));
        assert!(!root.leads_to("x-web", "services.*"));
        assert!(s.child_reaches("ports", RULES.iter().map(|(p, _)| *p)));
        assert!(!s.child_reaches("labels", RULES.iter().map(|(p, _)| *p)));
    }

    #[test]
    fn walks_only_matching_paths() {
        // `ports` outside services is not touched.
        let out = canon(&json!({"x-ports": {"ports": ["80"]}, "services": {"a": {"ports": ["80"]}}}));
        assert_eq!(out["x-ports"], json!({"ports": ["80"]}));
        assert_eq!(out["services"]["a"]["ports"][0]["target"], json!(80));
    }

    #[test]
    fn null_service_is_left_alone() {
        assert_eq!(canon(&json!({"services": {"a": null}})), json!({"services": {"a": null}}));
    }

    #[test]
    fn omit_empty_dns() {
        let mut node = Node::from_json(&json!({"services": {"a": {"dns": ["", null, "8.8.8.8"], "dns_search": [""]}}}));
        omit_empty(&mut node);
        assert_eq!(
            node.to_json(),
            json!({"services": {"a": {"dns": ["8.8.8.8"], "dns_search": [""]}}})
        );
    }

    #[test]
    fn omit_empty_keeps_empty_lists() {
        // `command: []` clears the image's CMD and Docker Compose prints it as `[]`.
        let mut node = Node::from_json(&json!({"services": {"a": {"dns": [""], "command": [], "x": {}}}}));
        omit_empty(&mut node);
        assert_eq!(node.to_json(), json!({"services": {"a": {"dns": [], "command": [], "x": {}}}}));
    }

    #[test]
    fn spans_follow_the_short_value() {
        let span = Span { file: crate::sources::FileId(0), line: 7, col: 9 };
        let mut root = Node::from_json(&json!({"services": {"a": {}}}));
        let svc = root.get_mut("services").unwrap().get_mut("a").unwrap().as_map_mut().unwrap();
        svc.insert(Key::synthetic("build"), Node::string("./dir", span));
        canonical(&mut root, false).unwrap();
        let build = root.get("services").unwrap().get("a").unwrap().get("build").unwrap();
        assert_eq!(build.span, span);
        assert_eq!(build.get("context").unwrap().span, span);
    }
}
