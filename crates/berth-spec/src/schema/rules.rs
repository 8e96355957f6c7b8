//! The rule language the Compose schema is written in, and the walker that checks a `Node`
//! tree against it.
//!
//! The language is the subset of JSON Schema draft 7 that the Compose Specification uses
//! (types, `oneOf`, string enums, integer bounds, arrays with `uniqueItems`, objects with
//! known keys, key patterns, `required` and `additionalProperties`), with the same acceptance
//! semantics as gojsonschema, the validator Docker Compose uses:
//! - "integer" accepts any number without a fractional part (`2.0` is an integer);
//! - uniqueness and enum membership compare values as JSON, numbers as 64-bit floats and
//!   mappings without regard to key order;
//! - every key of a mapping is checked against its known-key rule and against every pattern it
//!   matches; a key matching neither is an error only for closed mappings.
//!
//! Values tagged `!reset` are skipped: compose-go drops them while reading the YAML, so its
//! validator never sees them.
//!
//! Unlike the reference, the walker reports every problem with its position and a message
//! written for people, and resolves `oneOf` failures to the alternative the value was most
//! likely meant to be.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::error::{did_you_mean, Error};
use crate::node::{format_float, Node, Path, Span, Tag, Value};

/// A JSON Schema value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Boolean,
    /// A number without a fractional part.
    Integer,
    /// Any finite number, integers included.
    Number,
    String,
    List,
    Mapping,
}

impl Kind {
    fn accepts(self, node: &Node) -> bool {
        match (self, &node.value) {
            (Kind::Null, Value::Null)
            | (Kind::Boolean, Value::Bool(_))
            | (Kind::Integer | Kind::Number, Value::Int(_))
            | (Kind::String, Value::String(_))
            | (Kind::List, Value::Seq(_))
            | (Kind::Mapping, Value::Map(_)) => true,
            (Kind::Integer, Value::Float(f)) => f.is_finite() && f.fract() == 0.0,
            (Kind::Number, Value::Float(f)) => f.is_finite(),
            _ => false,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Boolean => "a boolean",
            Kind::Integer => "an integer",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::List => "a list",
            Kind::Mapping => "a mapping",
        }
    }
}

/// Which mapping keys a pattern rule applies to. Each variant is one of the regular
/// expressions the Compose schema uses for `patternProperties`, decided without a regex engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyPattern {
    /// `^x-`: extension keys.
    Extension,
    /// `^[a-zA-Z0-9._-]+$`: names of services, networks, volumes, configs and secrets.
    Name,
    /// `^[a-z]+$`: ulimit names.
    LowercaseWord,
    /// `.+`: any key with at least one character other than a line feed.
    NonEmpty,
    /// `^.+$`: a non-empty key on a single line.
    SingleLine,
}

impl KeyPattern {
    pub(super) fn matches(self, key: &str) -> bool {
        match self {
            KeyPattern::Extension => key.starts_with("x-"),
            KeyPattern::Name => {
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            }
            KeyPattern::LowercaseWord => {
                !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase())
            }
            KeyPattern::NonEmpty => key.chars().any(|c| c != '\n'),
            KeyPattern::SingleLine => !key.is_empty() && !key.contains('\n'),
        }
    }

    /// What a key must look like, for the message when it does not.
    fn describe(self) -> &'static str {
        match self {
            KeyPattern::Extension => "extension keys start with `x-`",
            KeyPattern::Name => "names may only contain letters, digits, `.`, `_` and `-`",
            KeyPattern::LowercaseWord => "names are lowercase letters only",
            KeyPattern::NonEmpty => "keys must not be empty",
            KeyPattern::SingleLine => "keys must be non-empty and on a single line",
        }
    }
}

/// A rule a value must satisfy.
#[derive(Debug)]
pub(crate) enum Rule {
    /// Anything (`{}`).
    Any,
    /// A value of one of these kinds; nothing else is checked.
    Kinds(&'static [Kind]),
    /// A string from a fixed set.
    Enum(&'static [&'static str]),
    /// A string from the reference's fixed set, or one of the values berth accepts beyond
    /// it (see [`Widening`]). Only the reference's set is compared with its schema.
    WidenedEnum(&'static [&'static str], Widening),
    /// An integer within inclusive bounds.
    Integer { min: Option<i64>, max: Option<i64> },
    /// A list whose items all satisfy `items`.
    List { items: Box<Rule>, unique: bool },
    /// A mapping (or a value of one of `Mapping::also`).
    Mapping(Box<Mapping>),
    /// Exactly one of the alternatives.
    OneOf(Vec<Rule>),
}

/// What berth accepts beyond a reference enum.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Widening {
    /// How berth's values are named in messages (`daily`, `every_<duration>`).
    pub(crate) names: &'static [&'static str],
    /// Whether a string is of berth's family (`None`: no) and, if it is, whether it is well
    /// formed (`Err` says what is wrong).
    pub(crate) check: fn(&str) -> Option<Result<(), String>>,
}

/// Whether keys that are neither known nor matched by a pattern are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Others {
    Accepted,
    Rejected,
}

/// The rule for a mapping.
#[derive(Debug)]
pub(crate) struct Mapping {
    /// Other kinds accepted as they are (`"type": ["object", "null"]`).
    pub(super) also: &'static [Kind],
    pub(super) known: Vec<(&'static str, Rule)>,
    /// Position of each known key in `known` (a service has about a hundred).
    index: HashMap<&'static str, usize>,
    pub(super) patterns: Vec<(KeyPattern, Rule)>,
    pub(super) required: &'static [&'static str],
    pub(super) others: Others,
}

// ---------------------------------------------------------------------------------------------
// The combinators the Compose description is written with.

/// A value of one of `kinds` (`"type": [...]`).
pub(crate) fn kinds(kinds: &'static [Kind]) -> Rule {
    Rule::Kinds(kinds)
}

pub(crate) fn string() -> Rule {
    kinds(&[Kind::String])
}

pub(crate) fn boolean() -> Rule {
    kinds(&[Kind::Boolean])
}

pub(crate) fn number() -> Rule {
    kinds(&[Kind::Number])
}

/// A string from `values`.
pub(crate) fn string_enum(values: &'static [&'static str]) -> Rule {
    Rule::Enum(values)
}

/// A string from the reference's `values`, or one `widening` accepts.
pub(crate) fn widened_enum(values: &'static [&'static str], widening: Widening) -> Rule {
    Rule::WidenedEnum(values, widening)
}

/// An integer with optional inclusive bounds.
pub(crate) fn integer_between(min: Option<i64>, max: Option<i64>) -> Rule {
    Rule::Integer { min, max }
}

/// A list of `items`, duplicates allowed.
pub(crate) fn list(items: Rule) -> Rule {
    Rule::List {
        items: Box::new(items),
        unique: false,
    }
}

/// A list of `items` without duplicates (`uniqueItems`).
pub(crate) fn unique_list(items: Rule) -> Rule {
    Rule::List {
        items: Box::new(items),
        unique: true,
    }
}

/// Exactly one of `alternatives`.
pub(crate) fn one_of(alternatives: Vec<Rule>) -> Rule {
    Rule::OneOf(alternatives)
}

/// Starts a mapping rule; finish it with [`Mapping::closed`] or [`Mapping::open`].
pub(crate) fn mapping() -> Mapping {
    Mapping {
        also: &[],
        known: Vec::new(),
        index: HashMap::new(),
        patterns: Vec::new(),
        required: &[],
        others: Others::Accepted,
    }
}

impl Mapping {
    /// A known key and the rule for its value.
    pub(crate) fn key(mut self, name: &'static str, rule: Rule) -> Self {
        // The first rule for a name wins, as a search of `known` would find it.
        self.index.entry(name).or_insert(self.known.len());
        self.known.push((name, rule));
        self
    }
    /// A rule for every key matching `pattern`.
    pub(crate) fn keys_matching(mut self, pattern: KeyPattern, rule: Rule) -> Self {
        self.patterns.push((pattern, rule));
        self
    }
    /// Accepts `x-` keys with any value.
    pub(crate) fn extensions(self) -> Self {
        self.keys_matching(KeyPattern::Extension, Rule::Any)
    }
    /// Keys that must be present.
    pub(crate) fn required(mut self, keys: &'static [&'static str]) -> Self {
        self.required = keys;
        self
    }
    /// Other kinds of value accepted instead of a mapping.
    pub(crate) fn or(mut self, kinds: &'static [Kind]) -> Self {
        self.also = kinds;
        self
    }
    /// Finishes the rule, rejecting keys that are neither known nor matched by a pattern.
    pub(crate) fn closed(mut self) -> Rule {
        self.others = Others::Rejected;
        Rule::Mapping(Box::new(self))
    }
    /// Finishes the rule, accepting any other key with any value.
    pub(crate) fn open(mut self) -> Rule {
        self.others = Others::Accepted;
        Rule::Mapping(Box::new(self))
    }
}

impl Rule {
    /// The kinds of value this rule can accept at all, in the order to name them.
    fn kinds(&self, out: &mut Vec<Kind>) {
        let mut add = |k: Kind| {
            if !out.contains(&k) {
                out.push(k);
            }
        };
        match self {
            Rule::Any => {
                for k in [
                    Kind::Mapping,
                    Kind::List,
                    Kind::String,
                    Kind::Number,
                    Kind::Boolean,
                    Kind::Null,
                ] {
                    add(k);
                }
            }
            Rule::Kinds(ks) => ks.iter().copied().for_each(add),
            Rule::Enum(_) | Rule::WidenedEnum(..) => add(Kind::String),
            Rule::Integer { .. } => add(Kind::Integer),
            Rule::List { .. } => add(Kind::List),
            Rule::Mapping(m) => {
                add(Kind::Mapping);
                m.also.iter().copied().for_each(add);
            }
            Rule::OneOf(alternatives) => alternatives.iter().for_each(|a| a.kinds(out)),
        }
    }

    fn accepts_kind_of(&self, node: &Node) -> bool {
        let mut ks = Vec::new();
        self.kinds(&mut ks);
        ks.iter().any(|k| k.accepts(node))
    }
}

// ---------------------------------------------------------------------------------------------
// The walker.

/// One step of the path from the root to the value being checked.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Checks `node` against `rule`, appending every problem found to `errors`.
pub(crate) fn check(rule: &Rule, node: &Node, errors: &mut Vec<Error>) {
    let mut walker = Walker {
        steps: Vec::new(),
        errors: Vec::new(),
        quiet: false,
        failed: false,
    };
    walker.check_finite(node);
    if walker.errors.is_empty() {
        walker.check(rule, node);
    }
    errors.append(&mut walker.errors);
}

struct Walker<'a> {
    steps: Vec<Step<'a>>,
    errors: Vec<Error>,
    /// Only tells whether the value passes (`failed`), without building any message: how
    /// the alternatives of a `oneOf` are tried first. `steps` are not kept then either.
    quiet: bool,
    failed: bool,
}

impl<'a> Walker<'a> {
    fn path(&self) -> Path {
        self.steps.iter().fold(Path::root(), |p, s| match s {
            Step::Key(k) => p.key(k),
            Step::Index(i) => p.index(*i),
        })
    }

    /// In quiet mode, records a failure and returns true: the caller stops before it spends
    /// anything on a message.
    fn quiet_failure(&mut self) -> bool {
        if self.quiet {
            self.failed = true;
        }
        self.quiet
    }

    fn report(&mut self, message: String, span: Span, hint: Option<String>) {
        if self.quiet_failure() {
            return;
        }
        let mut err = Error::invalid(message).at(span).with_path(&self.path());
        if let Some(hint) = hint {
            err = err.with_hint(hint);
        }
        self.errors.push(err);
    }

    /// Docker Compose hands the tree to its validator as JSON, which cannot hold infinities
    /// or NaN, so such a value anywhere (even under an `x-` key) makes the file invalid.
    fn check_finite(&mut self, node: &'a Node) {
        match &node.value {
            Value::Float(f) if !f.is_finite() => {
                self.report(
                    format!(
                        "`{}` is not a valid number: infinities and NaN are not supported",
                        format_float(*f)
                    ),
                    node.span,
                    Some("quote the value if a string was meant".into()),
                );
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.steps.push(Step::Index(i));
                    self.check_finite(item);
                    self.steps.pop();
                }
            }
            Value::Map(map) => {
                for (key, value) in map {
                    self.steps.push(Step::Key(&key.name));
                    self.check_finite(value);
                    self.steps.pop();
                }
            }
            _ => {}
        }
    }

    fn check(&mut self, rule: &Rule, node: &'a Node) {
        match rule {
            Rule::Any => {}
            Rule::Kinds(ks) => {
                if !ks.iter().any(|k| k.accepts(node)) {
                    self.type_mismatch(rule, node);
                }
            }
            Rule::Enum(values) => self.check_enum(rule, values, &[], node),
            Rule::WidenedEnum(values, widening) => match node.as_str().and_then(widening.check) {
                Some(Ok(())) => {}
                Some(Err(problem)) => self.report(problem, node.span, None),
                None => self.check_enum(rule, values, widening.names, node),
            },
            Rule::Integer { min, max } => self.check_integer(rule, *min, *max, node),
            Rule::List { items, unique } => match &node.value {
                Value::Seq(seq) => self.check_list(items, *unique, seq),
                _ => self.type_mismatch(rule, node),
            },
            Rule::Mapping(m) => match &node.value {
                Value::Map(_) => self.check_mapping(m, node),
                _ if m.also.iter().any(|k| k.accepts(node)) => {}
                _ => self.type_mismatch(rule, node),
            },
            Rule::OneOf(alternatives) => self.check_one_of(rule, alternatives, node),
        }
    }

    fn type_mismatch(&mut self, rule: &Rule, node: &Node) {
        if self.quiet_failure() {
            return;
        }
        let mut expected = Vec::new();
        rule.kinds(&mut expected);
        // "an integer or a number" says nothing more than "a number".
        if expected.contains(&Kind::Number) {
            expected.retain(|k| *k != Kind::Integer);
        }
        let names: Vec<&str> = expected.iter().map(|k| k.name()).collect();
        let hint = match node.value {
            Value::Bool(_) | Value::Int(_) | Value::Float(_)
                if expected.contains(&Kind::String) =>
            {
                Some("put the value in quotes to make it a string".to_owned())
            }
            Value::Float(_) if expected.contains(&Kind::Integer) => {
                Some("only whole numbers are allowed here".to_owned())
            }
            Value::Null if expected.first() == Some(&Kind::Mapping) => {
                Some("write `{}` for an empty mapping".to_owned())
            }
            Value::Null if expected.first() == Some(&Kind::List) => {
                Some("write `[]` for an empty list".to_owned())
            }
            _ => None,
        };
        let message = format!(
            "expected {}, found {}",
            join_alternatives(&names),
            found(node)
        );
        self.report(message, node.span, hint);
    }

    /// `also`: more values to name, which `values` does not hold (berth's widenings).
    fn check_enum(&mut self, rule: &Rule, values: &'static [&'static str], also: &'static [&'static str], node: &Node) {
        let Some(s) = node.as_str() else {
            self.type_mismatch(rule, node);
            return;
        };
        if values.contains(&s) || self.quiet_failure() {
            return;
        }
        let named = || values.iter().chain(also).copied();
        let allowed: Vec<String> = named().map(|v| format!("`{v}`")).collect();
        let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
        let hint = did_you_mean(s, named()).map(|m| format!("did you mean `{m}`?"));
        self.report(
            format!("invalid value `{s}`: expected {}", one_of_phrase(&allowed)),
            node.span,
            hint,
        );
    }

    fn check_integer(&mut self, rule: &Rule, min: Option<i64>, max: Option<i64>, node: &Node) {
        if !Kind::Integer.accepts(node) {
            self.type_mismatch(rule, node);
            return;
        }
        // gojsonschema compares bounds on exact decimal values; an integral f64 compares
        // exactly with an i64 bound converted to f64 for every bound the schema uses.
        #[allow(clippy::cast_precision_loss)]
        let value = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            _ => return,
        };
        #[allow(clippy::cast_precision_loss)]
        let below = min.is_some_and(|m| value < m as f64);
        #[allow(clippy::cast_precision_loss)]
        let above = max.is_some_and(|m| value > m as f64);
        if (below || above) && !self.quiet_failure() {
            let shown = node.scalar_to_string().unwrap_or_default();
            let range = match (min, max) {
                (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
                (Some(lo), None) => format!("at least {lo}"),
                (None, Some(hi)) => format!("at most {hi}"),
                (None, None) => String::new(),
            };
            self.report(
                format!("value {shown} is out of range: must be {range}"),
                node.span,
                None,
            );
        }
    }

    fn check_list(&mut self, items: &Rule, unique: bool, seq: &'a [Node]) {
        for (i, item) in seq
            .iter()
            .enumerate()
            .filter(|(_, item)| item.tag != Tag::Reset)
        {
            self.steps.push(Step::Index(i));
            self.check(items, item);
            self.steps.pop();
        }
        if !unique {
            return;
        }
        for (j, later) in seq
            .iter()
            .enumerate()
            .filter(|(_, item)| item.tag != Tag::Reset)
        {
            if let Some(i) = seq
                .iter()
                .take(j)
                .position(|earlier| earlier.tag != Tag::Reset && same_json(earlier, later))
            {
                if self.quiet_failure() {
                    return;
                }
                self.steps.push(Step::Index(j));
                let shown = later
                    .scalar_to_string()
                    .map_or_else(String::new, |s| format!(" `{s}`"));
                let subject = self.describe_parent();
                self.report(
                    format!("duplicate item{shown} in {subject}"),
                    later.span,
                    Some(format!("item {i} has the same value; remove one of them")),
                );
                self.steps.pop();
            }
        }
    }

    fn check_mapping(&mut self, m: &Mapping, node: &'a Node) {
        let Value::Map(map) = &node.value else { return };
        for (key, value) in map {
            if value.tag == Tag::Reset {
                continue;
            }
            let name = key.name.as_str();
            self.steps.push(Step::Key(name));
            let mut matched = false;
            if let Some((_, rule)) = m.index.get(name).and_then(|&i| m.known.get(i)) {
                matched = true;
                self.check(rule, value);
            }
            for (pattern, rule) in &m.patterns {
                if pattern.matches(name) {
                    matched = true;
                    self.check(rule, value);
                }
            }
            if !matched && m.others == Others::Rejected {
                self.unknown_key(
                    m,
                    name,
                    if key.span.is_synthetic() {
                        value.span
                    } else {
                        key.span
                    },
                );
            }
            self.steps.pop();
        }
        for required in m.required {
            if !map.get(*required).is_some_and(|v| v.tag != Tag::Reset) {
                if self.quiet_failure() {
                    return;
                }
                let subject = self.describe_here();
                self.report(
                    format!("missing required key `{required}` in {subject}"),
                    node.span,
                    None,
                );
            }
        }
    }

    /// Reports a key of a closed mapping that no rule accepts. The current step is the key.
    fn unknown_key(&mut self, m: &Mapping, name: &str, span: Span) {
        if self.quiet_failure() {
            return;
        }
        let subject = self.describe_parent();
        let name_patterns: Vec<KeyPattern> = m
            .patterns
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| *p != KeyPattern::Extension)
            .collect();
        if let (true, Some(pattern)) = (m.known.is_empty(), name_patterns.first()) {
            // A mapping of names (services, volumes...): the key is a badly formed name.
            // Only the top-level sections hold named objects directly.
            let what = match self.steps.as_slice() {
                [Step::Key(section), _] => singular(section),
                _ => None,
            };
            let message = match what {
                Some(what) => format!(
                    "invalid {what} name `{}`: {}",
                    name.escape_debug(),
                    pattern.describe()
                ),
                None => format!(
                    "invalid key `{}` in {subject}: {}",
                    name.escape_debug(),
                    pattern.describe()
                ),
            };
            self.report(message, span, None);
            return;
        }
        let hint = did_you_mean(name, m.known.iter().map(|(k, _)| *k))
            .map(|k| format!("did you mean `{k}`?"))
            .or_else(|| {
                m.patterns
                    .iter()
                    .any(|(p, _)| *p == KeyPattern::Extension)
                    .then(|| "custom keys must start with `x-`".to_owned())
            });
        let message = if self.steps.len() == 1 {
            format!("unknown top-level key `{name}`")
        } else {
            format!("unknown key `{name}` in {subject}")
        };
        self.report(message, span, hint);
    }

    fn check_one_of(&mut self, rule: &Rule, alternatives: &[Rule], node: &'a Node) {
        // Most values pass exactly one alternative: find that out without building the
        // messages of the others, and build them only when they are reported.
        let passed = alternatives
            .iter()
            .filter(|alternative| {
                let mut sub = Walker {
                    steps: Vec::new(),
                    errors: Vec::new(),
                    quiet: true,
                    failed: false,
                };
                sub.check(alternative, node);
                !sub.failed
            })
            .count();
        if passed == 1 {
            return;
        }
        if self.quiet_failure() {
            return;
        }
        let mut failures = Vec::new();
        let mut passed = 0usize;
        for alternative in alternatives {
            let mut sub = Walker {
                steps: self.steps.clone(),
                errors: Vec::new(),
                quiet: false,
                failed: false,
            };
            sub.check(alternative, node);
            if sub.errors.is_empty() {
                passed += 1;
            }
            failures.push((alternative, sub.errors));
        }
        match passed {
            1 => {}
            0 => {
                // Report the failures of the first alternative that accepts this kind of
                // value: a list was meant to be the list form, a mapping the long form.
                match failures.into_iter().find(|(a, _)| a.accepts_kind_of(node)) {
                    Some((_, mut errors)) => self.errors.append(&mut errors),
                    None => self.type_mismatch(rule, node),
                }
            }
            _ => {
                let subject = self.describe_here();
                self.report(
                    format!("{subject} matches more than one of its allowed forms"),
                    node.span,
                    None,
                );
            }
        }
    }

    /// Names the value at the current path for messages: "service `web`", "`ports` of service
    /// `web`", "the top level".
    fn describe_here(&self) -> String {
        describe(&self.steps)
    }

    /// Names the container of the current step.
    fn describe_parent(&self) -> String {
        describe(self.steps.split_last().map_or(&[][..], |(_, rest)| rest))
    }
}

fn describe(steps: &[Step<'_>]) -> String {
    let Some((first, rest)) = steps.split_first() else {
        return "the top level".to_owned();
    };
    if let (Step::Key(section), Some((Step::Key(name), inner))) = (first, rest.split_first()) {
        if let Some(what) = singular(section) {
            if inner.is_empty() {
                return format!("{what} `{name}`");
            }
            return format!("`{}` of {what} `{name}`", render(inner));
        }
    }
    format!("`{}`", render(steps))
}

fn render(steps: &[Step<'_>]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// The kind of object a top-level section holds.
fn singular(section: &str) -> Option<&'static str> {
    match section {
        "services" => Some("service"),
        "networks" => Some("network"),
        "volumes" => Some("volume"),
        "secrets" => Some("secret"),
        "configs" => Some("config"),
        _ => None,
    }
}

/// "a", "a or b", "a, b or c".
fn join_alternatives(items: &[&str]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn one_of_phrase(items: &[&str]) -> String {
    if items.len() == 1 {
        join_alternatives(items)
    } else {
        format!("one of {}", join_alternatives(items))
    }
}

/// The value as a message shows it: scalars with their value, collections by kind.
pub(crate) fn found(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Int(i) => format!("the integer `{i}`"),
        Value::Float(f) => format!("the number `{}`", format_float(*f)),
        Value::String(s) if s.chars().count() <= 40 => format!("the string {s:?}"),
        Value::String(_) => "a string".to_owned(),
        Value::Seq(_) => "a list".to_owned(),
        Value::Map(_) => "a mapping".to_owned(),
    }
}

/// Equality as gojsonschema decides it for `uniqueItems`: both values rendered as JSON with
/// numbers as 64-bit floats and mapping keys sorted.
fn same_json(left: &Node, right: &Node) -> bool {
    #[allow(clippy::cast_precision_loss)]
    fn as_f64(v: &Value) -> Option<f64> {
        match v {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
    match (&left.value, &right.value) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(l), Value::Bool(r)) => l == r,
        (Value::String(l), Value::String(r)) => l == r,
        (Value::Seq(l), Value::Seq(r)) => {
            l.len() == r.len() && l.iter().zip(r).all(|(p, q)| same_json(p, q))
        }
        (Value::Map(l), Value::Map(r)) => {
            l.len() == r.len()
                && l.iter()
                    .all(|(k, v)| r.get(k.name.as_str()).is_some_and(|w| same_json(v, w)))
        }
        (l, r) => match (as_f64(l), as_f64(r)) {
            // JSON equality is exact: `1` and `1.0` are the same value, `0.1` and `0.1000001` are not.
            #[allow(clippy::float_cmp)]
            (Some(lf), Some(rf)) => lf == rf,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{Key, Map};

    fn s(v: &str) -> Node {
        Node::synthetic(Value::String(v.to_owned()))
    }
    fn int(i: i64) -> Node {
        Node::synthetic(Value::Int(i))
    }
    fn float(f: f64) -> Node {
        Node::synthetic(Value::Float(f))
    }
    fn seq(items: Vec<Node>) -> Node {
        Node::synthetic(Value::Seq(items))
    }
    fn map(entries: Vec<(&str, Node)>) -> Node {
        let m: Map = entries
            .into_iter()
            .map(|(k, v)| (Key::synthetic(k), v))
            .collect();
        Node::synthetic(Value::Map(m))
    }
    fn errors(rule: &Rule, node: &Node) -> Vec<Error> {
        let mut out = Vec::new();
        check(rule, node, &mut out);
        out
    }
    fn first(rule: &Rule, node: &Node) -> String {
        errors(rule, node)
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    #[test]
    fn kinds_follow_json_schema_types() {
        let integer = kinds(&[Kind::Integer]);
        assert!(errors(&integer, &int(3)).is_empty());
        assert!(
            errors(&integer, &float(3.0)).is_empty(),
            "2.0-style floats are integers"
        );
        assert_eq!(
            first(&integer, &float(3.5)),
            "expected an integer, found the number `3.5`"
        );
        assert!(errors(&number(), &float(3.5)).is_empty());
        assert!(errors(&number(), &int(3)).is_empty());
        assert_eq!(
            first(&number(), &s("3")),
            "expected a number, found the string \"3\""
        );
        assert!(errors(&boolean(), &Node::synthetic(Value::Bool(true))).is_empty());
        let nullable = kinds(&[Kind::String, Kind::Null]);
        assert!(errors(&nullable, &Node::synthetic(Value::Null)).is_empty());
        assert_eq!(
            first(&nullable, &seq(vec![])),
            "expected a string or null, found a list"
        );
    }

    #[test]
    fn type_mismatch_hints_at_quoting() {
        let errs = errors(&string(), &float(3.8));
        assert_eq!(errs[0].message, "expected a string, found the number `3.8`");
        assert_eq!(
            errs[0].hint.as_deref(),
            Some("put the value in quotes to make it a string")
        );
    }

    #[test]
    fn non_finite_numbers_are_rejected_anywhere() {
        let rule = mapping().extensions().closed();
        let node = map(vec![("x-a", seq(vec![float(f64::NAN)]))]);
        let errs = errors(&rule, &node);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path.as_deref(), Some("x-a[0]"));
        assert!(errs[0].message.contains("NaN"), "{}", errs[0].message);
        assert!(!errors(&number(), &float(f64::INFINITY)).is_empty());
    }

    #[test]
    fn enums_list_allowed_values() {
        let rule = string_enum(&["always", "never", "missing"]);
        assert!(errors(&rule, &s("never")).is_empty());
        let errs = errors(&rule, &s("nevr"));
        assert_eq!(
            errs[0].message,
            "invalid value `nevr`: expected one of `always`, `never` or `missing`"
        );
        assert_eq!(errs[0].hint.as_deref(), Some("did you mean `never`?"));
        assert_eq!(
            first(&rule, &int(1)),
            "expected a string, found the integer `1`"
        );
    }

    #[test]
    fn integer_bounds() {
        let rule = integer_between(Some(0), Some(100));
        assert!(errors(&rule, &int(0)).is_empty());
        assert!(errors(&rule, &int(100)).is_empty());
        assert!(errors(&rule, &float(50.0)).is_empty());
        assert_eq!(
            first(&rule, &int(101)),
            "value 101 is out of range: must be between 0 and 100"
        );
        assert_eq!(
            first(&integer_between(Some(0), None), &int(-1)),
            "value -1 is out of range: must be at least 0"
        );
        assert_eq!(
            first(&rule, &float(1.5)),
            "expected an integer, found the number `1.5`"
        );
    }

    #[test]
    fn unique_lists_compare_as_json() {
        let rule = unique_list(Rule::Any);
        assert!(errors(&rule, &seq(vec![int(1), s("1")])).is_empty());
        let errs = errors(&rule, &seq(vec![int(1), s("a"), float(1.0)]));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path.as_deref(), Some("[2]"));
        assert_eq!(errs[0].message, "duplicate item `1` in the top level");
        let a = map(vec![("x", int(1)), ("y", int(2))]);
        let b = map(vec![("y", int(2)), ("x", int(1))]);
        assert_eq!(
            errors(&rule, &seq(vec![a, b])).len(),
            1,
            "key order does not matter"
        );
        assert!(errors(&list(Rule::Any), &seq(vec![int(1), int(1)])).is_empty());
    }

    #[test]
    fn closed_mappings_reject_unknown_keys_with_suggestion() {
        let rule = mapping()
            .key(
                "services",
                mapping()
                    .keys_matching(
                        KeyPattern::Name,
                        mapping().key("image", string()).extensions().closed(),
                    )
                    .closed(),
            )
            .extensions()
            .closed();
        let node = map(vec![(
            "services",
            map(vec![("web", map(vec![("imgae", s("x"))]))]),
        )]);
        let errs = errors(&rule, &node);
        assert_eq!(errs[0].message, "unknown key `imgae` in service `web`");
        assert_eq!(errs[0].hint.as_deref(), Some("did you mean `image`?"));
        assert_eq!(errs[0].path.as_deref(), Some("services.web.imgae"));

        let errs = errors(&rule, &map(vec![("servics", map(vec![]))]));
        assert_eq!(errs[0].message, "unknown top-level key `servics`");
        assert_eq!(errs[0].hint.as_deref(), Some("did you mean `services`?"));
        let errs = errors(&rule, &map(vec![("zzz", map(vec![]))]));
        assert_eq!(
            errs[0].hint.as_deref(),
            Some("custom keys must start with `x-`")
        );
        assert!(errors(&rule, &map(vec![("x-anything", seq(vec![]))])).is_empty());

        let errs = errors(
            &rule,
            &map(vec![("services", map(vec![("my web", map(vec![]))]))]),
        );
        assert_eq!(
            errs[0].message,
            "invalid service name `my web`: names may only contain letters, digits, `.`, `_` and `-`"
        );
    }

    #[test]
    fn open_mappings_accept_other_keys_and_patterns_apply() {
        let rule = mapping()
            .keys_matching(KeyPattern::LowercaseWord, integer_between(None, None))
            .open();
        assert!(errors(&rule, &map(vec![("NOFILE", s("anything"))])).is_empty());
        assert_eq!(
            first(&rule, &map(vec![("nofile", s("x"))])),
            "nofile: expected an integer, found the string \"x\""
        );
        let dict = mapping()
            .keys_matching(KeyPattern::NonEmpty, string())
            .closed();
        assert_eq!(
            errors(&dict, &map(vec![("", s("x"))]))[0].message,
            "invalid key `` in the top level: keys must not be empty"
        );
    }

    #[test]
    fn required_keys_and_alternative_kinds() {
        let rule = mapping()
            .key("condition", string())
            .required(&["condition"])
            .or(&[Kind::Null])
            .closed();
        assert!(errors(&rule, &Node::synthetic(Value::Null)).is_empty());
        assert_eq!(
            first(&rule, &map(vec![])),
            "missing required key `condition` in the top level"
        );
        assert_eq!(
            first(&rule, &s("x")),
            "expected a mapping or null, found the string \"x\""
        );
    }

    #[test]
    fn one_of_reports_the_intended_alternative() {
        let rule = one_of(vec![
            string(),
            unique_list(string()),
            mapping().key("path", string()).closed(),
        ]);
        assert!(errors(&rule, &s("a")).is_empty());
        assert!(errors(&rule, &seq(vec![s("a")])).is_empty());
        assert_eq!(
            first(&rule, &int(3)),
            "expected a string, a list or a mapping, found the integer `3`"
        );
        assert_eq!(
            first(&rule, &seq(vec![int(3)])),
            "[0]: expected a string, found the integer `3`"
        );
        assert_eq!(
            first(&rule, &map(vec![("pth", s("a"))])),
            "pth: unknown top-level key `pth`"
        );
        let overlapping = one_of(vec![string(), kinds(&[Kind::String, Kind::Null])]);
        assert_eq!(
            first(&overlapping, &s("a")),
            "the top level matches more than one of its allowed forms"
        );
        assert!(errors(&overlapping, &Node::synthetic(Value::Null)).is_empty());
    }

    #[test]
    fn reset_values_are_absent() {
        let mut reset = s("80:80");
        reset.tag = crate::node::Tag::Reset;
        let rule = mapping()
            .key("ports", unique_list(string()))
            .required(&["ports"])
            .closed();
        let node = map(vec![("ports", seq(vec![s("80:80"), reset.clone()]))]);
        assert!(
            errors(&rule, &node).is_empty(),
            "a reset item is not a duplicate"
        );
        let mut bogus = Node::synthetic(Value::Null);
        bogus.tag = crate::node::Tag::Reset;
        let node = map(vec![("ports", reset), ("bogus", bogus)]);
        assert_eq!(
            first(&rule, &node),
            "missing required key `ports` in the top level"
        );
    }

    #[test]
    fn describes_locations() {
        assert_eq!(describe(&[]), "the top level");
        assert_eq!(
            describe(&[Step::Key("services"), Step::Key("web")]),
            "service `web`"
        );
        assert_eq!(
            describe(&[
                Step::Key("services"),
                Step::Key("web"),
                Step::Key("ports"),
                Step::Index(1)
            ]),
            "`ports[1]` of service `web`"
        );
        assert_eq!(
            describe(&[Step::Key("include"), Step::Index(0)]),
            "`include[0]`"
        );
    }
}
