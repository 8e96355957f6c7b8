//! YAML text → `Node` trees with spans, resolving scalars, anchors, merge keys and the
//! `!reset`/`!override` tags exactly as Docker Compose does (gopkg.in/yaml.v3 decoding into
//! `interface{}`, driven by compose-go's reset processor and its string-key conversion).
//!
//! The work happens in three steps per document:
//! 1. `Stream` turns yaml-rust2 events into a raw arena (no recursion, nesting capped).
//! 2. `Decoder::reset_pass` mirrors compose-go's reset processor: it walks the document,
//!    following aliases, records the paths tagged `!reset`/`!override`, and drops `!reset`
//!    entries from the raw tree (permanently, so later aliases of the same anchor no longer
//!    see them, as in compose-go).
//! 3. `Decoder::decode` mirrors go-yaml's decoder: scalar resolution, merge keys, duplicate
//!    keys, then compose-go's rule that every mapping key must be a string. Nodes at recorded
//!    paths get `Tag::Override`; dropped `!reset` entries come back as `Tag::Reset` entries so
//!    the multi-file merge knows what to reset.
//!
//! Deliberate limits: nesting deeper than [`MAX_DEPTH`] (including through aliases) and alias
//! expansion beyond [`MAX_ALIAS_NODES`] nodes are errors, where go-yaml would accept 10 000
//! levels and compose-go would expand aliases without bound.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::str::Chars;

use indexmap::IndexMap;
use yaml_rust2::parser::{Event, Parser, Tag as YamlTag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use crate::error::{Error, Result};
use crate::node::{format_float, Key, Map, Node, Span, Tag, Value};
use crate::sources::{self, FileId};
use crate::template::go_quote;

/// Deepest nesting accepted (mappings and sequences, counting alias expansions).
pub const MAX_DEPTH: usize = 256;

/// Most nodes that alias expansion may produce in one document (go-yaml's own "excessive
/// aliasing" threshold for small documents); beyond that the document is rejected.
pub const MAX_ALIAS_NODES: usize = 400_000;

/// Parses every YAML document of a registered source, in order. A source with no document
/// (empty, or only comments) gives an empty list.
pub fn parse(file: FileId) -> Result<Vec<Node>> {
    let source = sources::get(file);
    let text: &str = &source.text;
    // go-yaml skips a byte order mark at the start; yaml-rust2 would read it as text.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut patched: Option<String> = None;
    let mut fixes = 0;
    loop {
        let current = patched.as_deref().unwrap_or(text);
        let mut stream = Stream::new(file, current);
        match parse_stream(&mut stream, current) {
            Err(err) => {
                // Where yaml-rust2 is stricter than go-yaml, the text is rewritten into what
                // go-yaml reads it as, and parsed again.
                let fixed = match stream.leniency {
                    Some(Leniency::TabAfterColon(at)) => tab_to_space(current, at),
                    Some(Leniency::QuotedIndent(at)) => indent_quoted(current, at),
                    Some(Leniency::FlowIndent(at)) => indent_flow_line(current, at),
                    None => None,
                };
                match fixed {
                    Some(next) if fixes < MAX_FIXES => {
                        fixes += 1;
                        patched = Some(next);
                    }
                    _ => return Err(err),
                }
            }
            ok => return ok,
        }
    }
}

/// How many such rewrites one source may need (each costs a new parse).
const MAX_FIXES: usize = 1000;

/// A place where yaml-rust2 refuses what go-yaml accepts.
#[derive(Debug, Clone, Copy)]
enum Leniency {
    /// A tab as the only blank after a `:` (`image:\tredis`): plain separation for go-yaml.
    /// Holds the char index of what follows. Read as a space, which has the same width, so
    /// positions do not move.
    TabAfterColon(usize),
    /// A quoted scalar continued on a line indented less than its mapping: go-yaml does not
    /// check. Holds the char index of the opening quote. The short lines are indented (the
    /// leading blanks of a continuation line are not part of the value), which moves what
    /// follows the closing quote on its line to the right.
    QuotedIndent(usize),
    /// A line inside a flow collection (`[`, `{`) indented less than the block around it:
    /// go-yaml does not check either. Holds the char index of the line's first token. The
    /// line is indented (blanks between flow tokens mean nothing), moving it to the right.
    FlowIndent(usize),
}

/// Indents the line holding char `at` past every earlier line's length, which is past any
/// block indentation in force there; `None` if it already is.
fn indent_flow_line(text: &str, at: usize) -> Option<String> {
    let (pos, _) = text.char_indices().nth(at)?;
    let line_start = text.get(..pos)?.rfind('\n').map_or(0, |i| i + 1);
    let widest = text
        .get(..line_start)?
        .lines()
        .map(|l| l.chars().count())
        .max()?;
    let blanks = text
        .get(line_start..)?
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .count();
    let pad = widest.checked_sub(blanks).filter(|p| *p > 0)?;
    let mut out = String::with_capacity(text.len() + pad);
    out.push_str(text.get(..line_start)?);
    out.push_str(&" ".repeat(pad));
    out.push_str(text.get(line_start..)?);
    Some(out)
}

/// Indents every continuation line of the quoted scalar opening at char `at` to at least
/// the column of its opening quote; `None` if nothing needed it.
fn indent_quoted(text: &str, at: usize) -> Option<String> {
    let (start, quote) = text.char_indices().nth(at)?;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let col = text.get(line_start..start)?.chars().count();
    let body = text.get(start + quote.len_utf8()..)?;
    let mut chars = body.char_indices();
    let mut close = None;
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            ('"', '\\') => {
                chars.next();
            }
            ('"', '"') => {
                close = Some(i);
                break;
            }
            ('\'', '\'') => {
                if body.get(i + 1..).is_some_and(|rest| rest.starts_with('\'')) {
                    chars.next();
                } else {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let end = start + quote.len_utf8() + close?;
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    let mut pos = 0;
    for (i, _) in text
        .get(..end)?
        .match_indices('\n')
        .filter(|(i, _)| *i > start)
    {
        out.push_str(text.get(pos..=i)?);
        pos = i + 1;
        let line = text.get(pos..)?;
        let blanks = line.chars().take_while(|c| *c == ' ' || *c == '\t').count();
        if blanks < col {
            out.push_str(&" ".repeat(col - blanks));
            changed = true;
        }
    }
    out.push_str(text.get(pos..)?);
    changed.then_some(out)
}

fn parse_stream(stream: &mut Stream<'_>, text: &str) -> Result<Vec<Node>> {
    let mut docs = Vec::new();
    while let Some(root) = stream.next_document()? {
        let mut decoder = Decoder::new(&mut stream.arena, text);
        docs.push(decoder.document(root)?);
    }
    Ok(docs)
}

/// Turns the tabs just before the character at `at` (a char index) into spaces; `None` if
/// there are none.
fn tab_to_space(text: &str, at: usize) -> Option<String> {
    let end = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
    let head = text.get(..end)?;
    let blanks = head.len() - head.trim_end_matches([' ', '\t']).len();
    let run = head.get(end - blanks..)?;
    if !run.contains('\t') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(head.get(..end - blanks)?);
    out.push_str(&run.replace('\t', " "));
    out.push_str(text.get(end..)?);
    Some(out)
}

/// Registers `text` under `name` (see [`sources::register`]) and parses it.
pub fn parse_str(name: &str, text: &str) -> Result<Vec<Node>> {
    parse(sources::register(name, text))
}

// ---------------------------------------------------------------------------------------
// Raw tree

#[derive(Debug)]
enum RawKind {
    /// `quoted` covers every non-plain style (quoted, literal, folded).
    Scalar {
        value: String,
        quoted: bool,
    },
    Seq(Vec<usize>),
    /// `removed` holds entries the reset pass dropped (their value was `!reset`).
    Map {
        pairs: Vec<(usize, usize)>,
        removed: Vec<(usize, usize)>,
    },
    Alias(usize),
}

#[derive(Debug)]
struct Raw {
    kind: RawKind,
    /// go-yaml's short form (`!!int`, `!reset`); `None` when absent or the bare `!`.
    tag: Option<String>,
    span: Span,
    /// Whether the reset pass walked this collection. compose-go's reset processor replaces
    /// the aliases among the children of what it walks by their targets, which go-yaml
    /// then treats differently in a merge.
    visited: bool,
}

fn span_at(file: FileId, mark: &Marker) -> Span {
    Span {
        file,
        line: u32::try_from(mark.line()).unwrap_or(u32::MAX),
        col: u32::try_from(mark.col().saturating_add(1)).unwrap_or(u32::MAX),
    }
}

fn short_tag(tag: Option<YamlTag>) -> Option<String> {
    let tag = tag?;
    let full = format!("{}{}", tag.handle, tag.suffix);
    if full.is_empty() || full == "!" {
        return None;
    }
    Some(match full.strip_prefix("tag:yaml.org,2002:") {
        Some(rest) => format!("!!{rest}"),
        None => full,
    })
}

enum Frame {
    Seq(usize),
    Map { id: usize, key: Option<usize> },
}

/// Pulls documents out of the event stream. The arena and the anchors outlive each document:
/// go-yaml lets an alias refer to an anchor of an earlier document of the same stream.
struct Stream<'a> {
    parser: Parser<Chars<'a>>,
    text: &'a str,
    file: FileId,
    /// Why yaml-rust2 failed, when go-yaml would not have.
    leniency: Option<Leniency>,
    /// First line after the previous document, where directives for the next one may be.
    between_from: u32,
    arena: Vec<Raw>,
    anchors: HashMap<usize, usize>,
    done: bool,
}

impl<'a> Stream<'a> {
    fn new(file: FileId, text: &'a str) -> Self {
        Stream {
            parser: Parser::new_from_str(text),
            text,
            file,
            leniency: None,
            between_from: 1,
            arena: Vec::new(),
            anchors: HashMap::new(),
            done: false,
        }
    }

    fn scan_error(&mut self, err: &ScanError) -> Error {
        let mut span = span_at(self.file, err.marker());
        let mut info = err.info().to_owned();
        if info == "':' must be followed by a valid YAML whitespace" {
            self.leniency = Some(Leniency::TabAfterColon(err.marker().index()));
        }
        if info == "invalid indentation" {
            // Raised only inside flow collections (block indentation unrolls first).
            self.leniency = Some(Leniency::FlowIndent(err.marker().index()));
        }
        if info == "invalid indentation in quoted scalar" {
            self.leniency = Some(Leniency::QuotedIndent(err.marker().index()));
        }
        if info.contains("simple key expect ':'") {
            // yaml-rust2 notices the missing `:` only at the next token, possibly at the end
            // of the file; the key without one is on the last line with content before it.
            "could not find expected ':'".clone_into(&mut info);
            if let Some(line) = self.last_content_line_before(span.line) {
                span = line;
            }
        }
        Error::invalid(format!("invalid YAML: {info}")).at(span)
    }

    /// Where the last line with content (not blank, not only a comment) before `line` starts.
    fn last_content_line_before(&self, line: u32) -> Option<Span> {
        let before = (line as usize).saturating_sub(1);
        let (idx, text) = self
            .text
            .lines()
            .take(before)
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .last()?;
        let indent = text.chars().take_while(|c| c.is_whitespace()).count();
        Some(Span {
            file: self.file,
            line: u32::try_from(idx + 1).ok()?,
            col: u32::try_from(indent + 1).ok()?,
        })
    }

    fn next_event(&mut self) -> Result<(Event, Span)> {
        match self.parser.next_token() {
            Ok((ev, mark)) => Ok((ev, span_at(self.file, &mark))),
            Err(e) => {
                self.done = true;
                Err(self.scan_error(&e))
            }
        }
    }

    fn push(&mut self, kind: RawKind, tag: Option<YamlTag>, span: Span) -> usize {
        self.arena.push(Raw {
            kind,
            tag: short_tag(tag),
            span,
            visited: false,
        });
        self.arena.len() - 1
    }

    fn unexpected(span: Span, what: &str) -> Error {
        Error::invalid(format!("invalid YAML: unexpected {what}")).at(span)
    }

    /// The root of the next document, or `None` at the end of the stream.
    fn next_document(&mut self) -> Result<Option<usize>> {
        if self.done {
            return Ok(None);
        }
        loop {
            let (ev, span) = self.next_event()?;
            match ev {
                Event::StreamStart | Event::Nothing => {}
                Event::StreamEnd => {
                    self.done = true;
                    return Ok(None);
                }
                Event::DocumentStart => {
                    self.check_directives(span.line)?;
                    break;
                }
                _ => return Err(Self::unexpected(span, "content outside a document")),
            }
        }
        let root = self.read_node()?;
        let (ev, span) = self.next_event()?;
        if ev != Event::DocumentEnd {
            return Err(Self::unexpected(span, "content after the document"));
        }
        self.between_from = span.line;
        Ok(Some(root))
    }

    /// go-yaml accepts only `%YAML 1.1` and `%TAG` directives (yaml-rust2 accepts any).
    /// Directives sit on their own lines between the previous document and `---`.
    fn check_directives(&self, start_line: u32) -> Result<()> {
        let from = self.between_from.max(1);
        let lines = self.text.lines().enumerate().skip(from as usize - 1);
        for (idx, line) in lines.take(start_line.saturating_sub(from) as usize) {
            let Some(directive) = line.strip_prefix('%') else {
                continue;
            };
            let mut words = directive.split_whitespace();
            let problem = match (words.next(), words.next()) {
                (Some("YAML"), Some("1.1")) | (Some("TAG"), _) => continue,
                (Some("YAML"), _) => "found incompatible YAML document",
                _ => "found unknown directive name",
            };
            let line = u32::try_from(idx + 1).unwrap_or(u32::MAX);
            return Err(Error::invalid(format!("invalid YAML: {problem}")).at(Span {
                file: self.file,
                line,
                col: 1,
            }));
        }
        Ok(())
    }

    fn read_node(&mut self) -> Result<usize> {
        let mut stack: Vec<Frame> = Vec::new();
        // Anchors of collections still being read: an alias to one of them would make the
        // value contain itself.
        let mut open: Vec<usize> = Vec::new();
        loop {
            let (ev, span) = self.next_event()?;
            let is_seq = matches!(ev, Event::SequenceStart(..));
            let done = match ev {
                Event::Scalar(value, style, anchor, tag) => {
                    let quoted = style != TScalarStyle::Plain;
                    let id = self.push(RawKind::Scalar { value, quoted }, tag, span);
                    if anchor > 0 {
                        self.anchors.insert(anchor, id);
                    }
                    id
                }
                Event::Alias(anchor) => {
                    if open.contains(&anchor) {
                        return Err(Error::invalid(
                            "invalid YAML: an alias refers to the value that contains it",
                        )
                        .at(span));
                    }
                    let Some(&target) = self.anchors.get(&anchor) else {
                        return Err(Error::invalid("invalid YAML: unknown anchor").at(span));
                    };
                    self.push(RawKind::Alias(target), None, span)
                }
                Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(too_deep(span));
                    }
                    let kind = if is_seq {
                        RawKind::Seq(Vec::new())
                    } else {
                        RawKind::Map {
                            pairs: Vec::new(),
                            removed: Vec::new(),
                        }
                    };
                    let id = self.push(kind, tag, span);
                    if anchor > 0 {
                        self.anchors.insert(anchor, id);
                        open.push(anchor);
                    }
                    stack.push(if is_seq {
                        Frame::Seq(id)
                    } else {
                        Frame::Map { id, key: None }
                    });
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let id = match stack.pop() {
                        Some(Frame::Seq(id)) if ev == Event::SequenceEnd => id,
                        Some(Frame::Map { id, key: None }) if ev == Event::MappingEnd => id,
                        _ => return Err(Self::unexpected(span, "end of a collection")),
                    };
                    if let Some(pos) = open.iter().position(|a| self.anchors.get(a) == Some(&id)) {
                        open.swap_remove(pos);
                    }
                    id
                }
                Event::StreamStart
                | Event::StreamEnd
                | Event::DocumentStart
                | Event::DocumentEnd
                | Event::Nothing => {
                    return Err(Self::unexpected(span, "end of document"));
                }
            };
            match stack.last_mut() {
                None => return Ok(done),
                Some(Frame::Seq(parent)) => {
                    if let Some(Raw {
                        kind: RawKind::Seq(items),
                        ..
                    }) = self.arena.get_mut(*parent)
                    {
                        items.push(done);
                    }
                }
                Some(Frame::Map { id, key }) => match key.take() {
                    None => {
                        *key = Some(done);
                        // A block mapping's start event sits at its first `:`; the mapping
                        // really starts at its first key.
                        let key_span = self.arena.get(done).map(|r| r.span);
                        if let (Some(key_span), Some(map)) = (key_span, self.arena.get_mut(*id)) {
                            let empty =
                                matches!(&map.kind, RawKind::Map { pairs, .. } if pairs.is_empty());
                            if empty
                                && (key_span.line, key_span.col) < (map.span.line, map.span.col)
                            {
                                map.span = key_span;
                            }
                        }
                    }
                    Some(k) => {
                        // An empty value is reported by the parser where the next token
                        // starts, often lines later: its key is the better position.
                        let key_span = self.arena.get(k).map(|r| r.span);
                        if let (Some(key_span), Some(value)) = (key_span, self.arena.get_mut(done))
                        {
                            let empty = matches!(&value.kind, RawKind::Scalar { value, quoted: false } if value.is_empty());
                            if empty && value.span.line > key_span.line {
                                value.span = key_span;
                            }
                        }
                        if let Some(Raw {
                            kind: RawKind::Map { pairs, .. },
                            ..
                        }) = self.arena.get_mut(*id)
                        {
                            pairs.push((k, done));
                        }
                    }
                },
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Scalar resolution (go-yaml v3 resolve.go, as seen by a decoder targeting interface{})

/// A resolved scalar, with go-yaml's distinct integer types kept apart until the end.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    /// go-yaml decodes an unquoted timestamp into a Go `time.Time`.
    Time(GoTime),
}

impl Scalar {
    fn into_value(self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Int(i),
            // go-yaml yields uint64 above i64::MAX; the closest berth value is a float.
            #[allow(clippy::cast_precision_loss)]
            Scalar::Uint(u) => Value::Float(u as f64),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Str(s) => Value::String(s),
            // berth has no time type; Compose's own conversion to a string is the useful form.
            Scalar::Time(t) => Value::String(t.shown()),
        }
    }
}

/// The kind of value a plain scalar resolved to, named by its YAML tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Timestamp,
    Merge,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Null => "!!null",
            Kind::Bool => "!!bool",
            Kind::Int => "!!int",
            Kind::Float => "!!float",
            Kind::Str => "!!str",
            Kind::Timestamp => "!!timestamp",
            Kind::Merge => "!!merge",
        }
    }
}

/// Resolves a scalar's text with its style and tag, as go-yaml does when decoding into an
/// untyped value. `Err` carries go-yaml's message for a tag that does not fit the text.
fn resolve_scalar(value: &str, quoted: bool, tag: Option<&str>) -> Result<Scalar, String> {
    if tag == Some("!!str") || (quoted && tag.is_none()) {
        return Ok(Scalar::Str(value.to_owned()));
    }
    let wanted = tag.unwrap_or("");
    if wanted == "!!binary" {
        return decode_base64(value)
            .map(|bytes| Scalar::Str(String::from_utf8_lossy(&bytes).into_owned()))
            .ok_or_else(|| "!!binary value contains invalid base64 data".to_owned());
    }
    let wanted_kind = match wanted {
        "" => None,
        "!!bool" => Some(Kind::Bool),
        "!!int" => Some(Kind::Int),
        "!!float" => Some(Kind::Float),
        "!!null" => Some(Kind::Null),
        "!!timestamp" => Some(Kind::Timestamp),
        // Tags go-yaml cannot resolve (local tags such as `!override`, `!!map` on a scalar)
        // leave the text as it is.
        _ => return Ok(Scalar::Str(value.to_owned())),
    };
    let (kind, out) = resolve_plain(value, wanted_kind);
    match wanted_kind {
        None => Ok(out),
        Some(w) if w == kind => Ok(out),
        Some(Kind::Float) if kind == Kind::Int => match out {
            #[allow(clippy::cast_precision_loss)]
            Scalar::Int(i) => Ok(Scalar::Float(i as f64)),
            _ => Err(cannot_decode(kind, value, Kind::Float)),
        },
        Some(w) => Err(cannot_decode(kind, value, w)),
    }
}

fn cannot_decode(got: Kind, value: &str, wanted: Kind) -> String {
    format!(
        "cannot decode {} `{value}` as a {}",
        got.tag(),
        wanted.tag()
    )
}

/// Whether go-yaml reads `text`, written as a plain scalar, as a string (its encoder quotes
/// strings for which this is false).
pub(crate) fn plain_reads_as_string(text: &str) -> bool {
    match text.bytes().next() {
        // Only these first characters can start anything but a string (see `resolve_plain`).
        None
        | Some(
            b'+' | b'-' | b'0'..=b'9' | b'.' | b'~' | b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F'
            | b'o' | b'O',
        ) => resolve_plain(text, None).0 == Kind::Str,
        Some(_) => true,
    }
}

/// go-yaml's `resolve` for an untagged (or `!!bool`/`!!int`/... tagged) plain scalar.
fn resolve_plain(text: &str, wanted: Option<Kind>) -> (Kind, Scalar) {
    let first = text.bytes().next();
    let hint = match first {
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        None | Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => {
            b'M'
        }
        Some(b'.') => b'.',
        Some(_) => return (Kind::Str, Scalar::Str(text.to_owned())),
    };
    match text {
        "true" | "True" | "TRUE" => return (Kind::Bool, Scalar::Bool(true)),
        "false" | "False" | "FALSE" => return (Kind::Bool, Scalar::Bool(false)),
        "" | "~" | "null" | "Null" | "NULL" => return (Kind::Null, Scalar::Null),
        ".nan" | ".NaN" | ".NAN" => return (Kind::Float, Scalar::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return (Kind::Float, Scalar::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return (Kind::Float, Scalar::Float(f64::NEG_INFINITY)),
        "<<" => return (Kind::Merge, Scalar::Str(text.to_owned())),
        _ => {}
    }
    match hint {
        b'.' => {
            if let Some(f) = go_parse_float(text) {
                return (Kind::Float, Scalar::Float(f));
            }
        }
        b'D' | b'S' => {
            if matches!(wanted, None | Some(Kind::Timestamp)) {
                if let Some(t) = GoTime::parse(text) {
                    return (Kind::Timestamp, Scalar::Time(t));
                }
            }
            let plain: String = text.chars().filter(|&c| c != '_').collect();
            if let Some(i) = go_parse_int(&plain) {
                return (Kind::Int, Scalar::Int(i));
            }
            if let Some(u) = go_parse_uint(&plain) {
                return (Kind::Int, Scalar::Uint(u));
            }
            if is_yaml_style_float(&plain) {
                if let Some(f) = go_parse_float(&plain) {
                    return (Kind::Float, Scalar::Float(f));
                }
            }
            for (prefix, radix) in [("0b", 2), ("0o", 8)] {
                if let Some(rest) = plain.strip_prefix(prefix) {
                    if let Some(i) = parse_signed_radix(rest, radix) {
                        return (Kind::Int, Scalar::Int(i));
                    }
                    if let Some(u) = parse_unsigned_radix(rest, radix) {
                        return (Kind::Int, Scalar::Uint(u));
                    }
                } else if let Some(rest) =
                    plain.strip_prefix('-').and_then(|p| p.strip_prefix(prefix))
                {
                    if let Some(i) = parse_signed_radix(&format!("-{rest}"), radix) {
                        return (Kind::Int, Scalar::Int(i));
                    }
                }
            }
        }
        _ => {}
    }
    (Kind::Str, Scalar::Str(text.to_owned()))
}

/// Go's `strconv.ParseUint(s, radix, 64)` for an explicit radix (no prefix, no sign).
fn parse_unsigned_radix(s: &str, radix: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for c in s.chars() {
        let d = c.to_digit(36).filter(|&d| d < radix)?;
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, radix, 64)` for an explicit radix (optional sign, no prefix).
fn parse_signed_radix(s: &str, radix: u32) -> Option<i64> {
    let (neg, digits) = split_sign(s);
    let u = parse_unsigned_radix(digits, radix)?;
    to_signed(neg, u)
}

fn split_sign(s: &str) -> (bool, &str) {
    if let Some(rest) = s.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = s.strip_prefix('+') {
        (false, rest)
    } else {
        (false, s)
    }
}

fn to_signed(neg: bool, u: u64) -> Option<i64> {
    if neg {
        if u == 1u64 << 63 {
            Some(i64::MIN)
        } else {
            i64::try_from(u).ok().map(|i| -i)
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`: `0x`/`0o`/`0b` prefixes (any case), a leading `0`
/// for octal. `s` has no underscores (go-yaml strips them first).
fn go_parse_uint(s: &str) -> Option<u64> {
    let bytes = s.as_bytes();
    match bytes {
        [] => None,
        [b'0', p, _, ..] if matches!(p.to_ascii_lowercase(), b'b' | b'o' | b'x') => {
            let radix = match p.to_ascii_lowercase() {
                b'b' => 2,
                b'o' => 8,
                _ => 16,
            };
            parse_unsigned_radix(s.get(2..)?, radix)
        }
        [b'0', ..] => {
            let rest = s.get(1..)?;
            if rest.is_empty() {
                Some(0)
            } else {
                parse_unsigned_radix(rest, 8)
            }
        }
        _ => parse_unsigned_radix(s, 10),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = split_sign(s);
    to_signed(neg, go_parse_uint(rest)?)
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    } else {
        if !digits(&mut i) {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Go's rule for `_` in numbers: only between digits.
fn underscores_ok(s: &str) -> bool {
    let mut prev = b'^';
    let (_, body) = split_sign(s);
    for &c in body.as_bytes() {
        if c.is_ascii_digit() {
            prev = b'0';
        } else if c == b'_' {
            if prev != b'0' {
                return false;
            }
            prev = b'_';
        } else {
            if prev == b'_' {
                return false;
            }
            prev = b'!';
        }
    }
    prev != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal text (the only form go-yaml passes it):
/// digits with an optional fraction and exponent, `_` between digits, out of range → `None`.
fn go_parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscores_ok(s) {
        return None;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    let b = plain.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let mut mantissa_digits = 0;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
        mantissa_digits += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
            mantissa_digits += 1;
        }
    }
    if mantissa_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    plain.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// A timestamp as go-yaml's `parseTimestamp` reads it into a Go `time.Time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GoTime {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nanos: u32,
    zone: Zone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    /// `Z`, or no zone at all.
    Utc,
    /// `+00:00`: Go picks the local zone, UTC where the reference runs.
    Local,
    /// Any other offset, in seconds east of UTC.
    Fixed(i32),
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl GoTime {
    /// go-yaml accepts `YYYY-M-D`, optionally followed by `h:m:s[.frac]` after `T`/`t` (then
    /// with `Z` or `±hh:mm`) or after a space (then without a zone).
    #[allow(clippy::many_single_char_names, clippy::manual_is_multiple_of)]
    fn parse(s: &str) -> Option<GoTime> {
        let b = s.as_bytes();
        if b.len() < 5 || !b.iter().take(4).all(u8::is_ascii_digit) || b.get(4) != Some(&b'-') {
            return None;
        }
        let mut i = 5;
        let num = |i: &mut usize, max_digits: usize| -> Option<u32> {
            let start = *i;
            let mut n = 0u32;
            while *i - start < max_digits {
                match b.get(*i) {
                    Some(c) if c.is_ascii_digit() => {
                        n = n * 10 + u32::from(c - b'0');
                        *i += 1;
                    }
                    _ => break,
                }
            }
            (*i > start).then_some(n)
        };
        let year: u32 = s.get(..4)?.parse().ok()?;
        let month = num(&mut i, 2)?;
        if b.get(i) != Some(&b'-') {
            return None;
        }
        i += 1;
        let day = num(&mut i, 2)?;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if day == 0 || day > days {
            return None;
        }
        let mut t = GoTime {
            year,
            month,
            day,
            hour: 0,
            min: 0,
            sec: 0,
            nanos: 0,
            zone: Zone::Utc,
        };
        let sep = match b.get(i) {
            None => return Some(t),
            Some(c) => *c,
        };
        if !matches!(sep, b'T' | b't' | b' ') {
            return None;
        }
        i += 1;
        t.hour = num(&mut i, 2)?;
        for slot in [&mut t.min, &mut t.sec] {
            if b.get(i) != Some(&b':') {
                return None;
            }
            i += 1;
            *slot = num(&mut i, 2)?;
        }
        if t.hour > 23 || t.min > 59 || t.sec > 59 {
            return None;
        }
        if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            // Go reads at most nine digits; a tenth makes the rest of the text not match.
            let mut digits = 0;
            while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit() && digits < 9) {
                t.nanos = t.nanos * 10 + u32::from(c - b'0');
                digits += 1;
                i += 1;
            }
            for _ in digits..9 {
                t.nanos *= 10;
            }
        }
        if sep == b' ' {
            return (i == b.len()).then_some(t);
        }
        match b.get(i) {
            Some(b'Z') if i + 1 == b.len() => Some(t),
            Some(&sign @ (b'+' | b'-')) => {
                let zone = b.get(i + 1..)?;
                let digit = |n: usize| {
                    zone.get(n)
                        .filter(|c| c.is_ascii_digit())
                        .map(|c| i32::from(c - b'0'))
                };
                if zone.len() != 5 || zone.get(2) != Some(&b':') {
                    return None;
                }
                let hours = digit(0)? * 10 + digit(1)?;
                let mins = digit(3)? * 10 + digit(4)?;
                if hours > 24 || mins > 60 {
                    return None;
                }
                let offset = (hours * 60 + mins) * 60 * if sign == b'-' { -1 } else { 1 };
                t.zone = if offset == 0 {
                    Zone::Local
                } else {
                    Zone::Fixed(offset)
                };
                Some(t)
            }
            _ => None,
        }
    }

    fn offset_text(offset: i32) -> String {
        let sign = if offset < 0 { '-' } else { '+' };
        let abs = offset.unsigned_abs();
        format!("{sign}{:02}{:02}", abs / 3600, abs / 60 % 60)
    }

    /// Go's `time.Time.String()`, which is how Compose turns such a value into a label or
    /// environment string.
    fn shown(&self) -> String {
        let mut out = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.min, self.sec
        );
        if self.nanos > 0 {
            let frac = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        match self.zone {
            Zone::Utc | Zone::Local => out.push_str(" +0000 UTC"),
            Zone::Fixed(offset) => {
                let text = Self::offset_text(offset);
                let _ = write!(out, " {text} {text}");
            }
        }
        out
    }

    /// Go's `%#v` of the `time.Time` (what compose-go prints for such a mapping key).
    fn go_syntax(&self) -> String {
        let month = MONTHS
            .get((self.month as usize).wrapping_sub(1))
            .copied()
            .unwrap_or("Month");
        let zone = match self.zone {
            Zone::Utc => "time.UTC".to_owned(),
            Zone::Local => "time.Local".to_owned(),
            Zone::Fixed(_) => "time.Location(\"\")".to_owned(),
        };
        format!(
            "time.Date({}, time.{month}, {}, {}, {}, {}, {}, {zone})",
            self.year, self.day, self.hour, self.min, self.sec, self.nanos
        )
    }
}

/// Standard padded base64, ignoring line breaks (Go's `base64.StdEncoding.DecodeString`).
#[allow(clippy::manual_is_multiple_of)]
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = text.bytes().filter(|&c| c != b'\n' && c != b'\r').collect();
    if clean.len() % 4 != 0 {
        return None;
    }
    let value = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let groups = clean.chunks(4).count();
    for (n, chunk) in clean.chunks(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && n + 1 != groups) {
            return None;
        }
        let mut acc = 0u32;
        for &c in chunk.iter().take(4 - pad) {
            acc = (acc << 6) | value(c)?;
        }
        acc <<= 6 * pad;
        let bytes = acc.to_be_bytes();
        out.extend(bytes.iter().skip(1).take(3 - pad));
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Paths (compose-go's tree.Path, as its reset processor builds them)

const DOT_IN_KEY: &str = "\u{1f47b}";

fn path_next(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.to_owned()
    } else {
        format!("{path}.{}", part.replace('.', DOT_IN_KEY))
    }
}

/// On entering a node, compose-go folds the first `.<<` out of the path, so that what a
/// merge brings in is recorded at the path of the mapping it is merged into.
fn path_enter(path: String) -> String {
    let shown = if path.contains(DOT_IN_KEY) {
        path.replace(DOT_IN_KEY, ".")
    } else {
        path.clone()
    };
    if shown.contains(".<<") {
        shown.replacen(".<<", "", 1)
    } else {
        path
    }
}

fn path_shown(path: &str) -> String {
    path.replace(DOT_IN_KEY, ".")
}

/// compose-go's key prefix for "Non-string key" errors: `services.web.ports[1]`.
#[derive(Clone, Copy)]
enum Trail<'p> {
    Root,
    Key(&'p Trail<'p>, &'p str),
    Index(&'p Trail<'p>, usize),
}

impl Trail<'_> {
    fn render(&self) -> String {
        match self {
            Trail::Root => String::new(),
            Trail::Key(parent, key) => {
                let p = parent.render();
                if p.is_empty() {
                    (*key).to_owned()
                } else {
                    format!("{p}.{key}")
                }
            }
            Trail::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Decoding

/// A mapping key as go-yaml holds it in an untyped map: strings and other scalars differ.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum GoKey {
    Str(String),
    /// A non-string scalar key, by type and Go `%#v` rendering.
    Other(&'static str, String),
}

impl GoKey {
    fn from_scalar(s: Scalar) -> GoKey {
        match s {
            Scalar::Str(s) => GoKey::Str(s),
            Scalar::Null => GoKey::Other("nil", "<nil>".to_owned()),
            Scalar::Bool(b) => GoKey::Other("bool", b.to_string()),
            Scalar::Int(i) => GoKey::Other("int", i.to_string()),
            Scalar::Uint(u) => GoKey::Other("uint64", format!("0x{u:x}")),
            Scalar::Float(f) => GoKey::Other("float64", format_float(f)),
            Scalar::Time(t) => GoKey::Other("time.Time", t.go_syntax()),
        }
    }
}

struct Entry {
    key_span: Span,
    node: Node,
    /// Sort position: explicit keys at their own place, merged keys at the `<<` entry.
    pos: (usize, usize),
}

#[derive(Default)]
struct Out {
    entries: IndexMap<GoKey, Entry>,
    /// Entries whose value was `!reset`: added at the end if nothing else set the key.
    resets: Vec<(GoKey, Entry)>,
    counter: usize,
}

/// Where the entries being decoded go in the output mapping's order.
#[derive(Clone, Copy)]
enum Place {
    Own,
    Merged(usize),
}

/// Paths an anchored node was reached at, and every proper prefix of them (with one path
/// below it).
#[derive(Default)]
struct Seen {
    paths: HashSet<String>,
    below: HashMap<String, String>,
}

/// The proper prefixes of a dotted path that end before a dot (`a`, `a.b` of `a.b.c`).
fn dotted_prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('.')
        .map(move |(i, _)| path.get(..i).unwrap_or_default())
}

/// One step down from the root during the reset pass.
#[derive(Clone, Copy)]
enum Step {
    /// Into the value of the entry whose key is this raw node.
    Key(usize),
    /// Into a sequence item.
    Index(usize),
    /// From an alias to its anchored node (compose-go enters the path a second time).
    Alias,
}

struct Decoder<'a> {
    arena: &'a mut Vec<Raw>,
    /// Where the reset pass is (see [`Decoder::reset_path`]).
    trail: Vec<Step>,
    text: &'a str,
    line_starts: Option<Vec<usize>>,
    /// Paths tagged `!reset` or `!override` (compose-go's `ResetProcessor.paths`).
    paths: HashSet<String>,
    /// Per anchored node, the paths it was reached at through aliases (cycle check).
    visited: HashMap<usize, Seen>,
    alias_nodes: usize,
    alias_depth: usize,
    /// Set when a depth or alias limit stopped decoding (such errors are never forgotten).
    limit_hit: bool,
    /// go-yaml reports duplicate keys after decoding, unless a harder error came first.
    duplicate: Option<Error>,
    /// compose-go rejects non-string keys after decoding.
    non_string: Option<Error>,
}

fn want_map(span: Span) -> Error {
    Error::invalid("map merge requires map or sequence of maps as the value").at(span)
}

fn too_deep(span: Span) -> Error {
    Error::invalid(format!("YAML nesting is deeper than {MAX_DEPTH} levels")).at(span)
}

fn too_many_aliases(span: Span) -> Error {
    Error::invalid(format!(
        "document contains excessive aliasing (aliases expand to more than {MAX_ALIAS_NODES} nodes)"
    ))
    .at(span)
}

impl<'a> Decoder<'a> {
    fn new(arena: &'a mut Vec<Raw>, text: &'a str) -> Self {
        Decoder {
            arena,
            trail: Vec::new(),
            text,
            line_starts: None,
            paths: HashSet::new(),
            visited: HashMap::new(),
            alias_nodes: 0,
            alias_depth: 0,
            limit_hit: false,
            duplicate: None,
            non_string: None,
        }
    }

    fn raw(&self, id: usize) -> Result<&Raw> {
        self.arena
            .get(id)
            .ok_or_else(|| Error::invalid("internal error: YAML node out of range"))
    }

    fn document(&mut self, root: usize) -> Result<Node> {
        let keep = self.reset_pass(root, 0, false)?;
        self.alias_nodes = 0;
        let tracking = if self.paths.is_empty() {
            None
        } else {
            Some("")
        };
        let mut node = self.decode(root, tracking, &Trail::Root, 0)?;
        if let Some(err) = self.duplicate.take() {
            return Err(err);
        }
        if let Some(err) = self.non_string.take() {
            return Err(err);
        }
        if !keep {
            node.tag = Tag::Reset;
        }
        Ok(node)
    }

    /// The text of a key as compose-go's reset processor names it: the scalar's text, or the
    /// anchor name of an alias.
    fn raw_key_text(&mut self, id: usize) -> String {
        match self.arena.get(id) {
            Some(Raw {
                kind: RawKind::Scalar { value, .. },
                ..
            }) => value.clone(),
            Some(Raw {
                kind: RawKind::Alias(_),
                span,
                ..
            }) => {
                let span = *span;
                self.alias_name(span)
            }
            _ => String::new(),
        }
    }

    /// Reads an alias's anchor name back from the source (the parser only gives its id).
    fn alias_name(&mut self, span: Span) -> String {
        let text = self.text;
        let starts = self.line_starts.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let line = (span.line as usize)
            .checked_sub(1)
            .and_then(|l| starts.get(l))
            .copied();
        let Some(start) = line else {
            return String::new();
        };
        let rest = text.get(start..).unwrap_or_default();
        rest.chars()
            .skip((span.col as usize).saturating_sub(1))
            .skip_while(|&c| c == '*')
            .take_while(|&c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
            .collect()
    }

    // ---- reset pass -------------------------------------------------------------------

    /// compose-go's `resolveReset`: returns whether the node stays in its parent.
    /// The path the reset pass is at, spelled out as compose-go builds it step by step
    /// (only aliases and tagged nodes need it, so it is not built for every node).
    fn reset_path(&mut self) -> String {
        let mut path = path_enter(String::new());
        for i in 0..self.trail.len() {
            path = match self.trail.get(i).copied() {
                Some(Step::Key(k)) => {
                    let key = self.raw_key_text(k);
                    path_enter(path_next(&path, &key))
                }
                Some(Step::Index(idx)) => path_enter(path_next(&path, &idx.to_string())),
                Some(Step::Alias) | None => path_enter(path),
            };
        }
        path
    }

    /// Runs the reset pass on a child reached by `step`.
    fn reset_child(&mut self, id: usize, step: Step, depth: usize, via_alias: bool) -> Result<bool> {
        self.trail.push(step);
        let result = self.reset_pass(id, depth, via_alias);
        self.trail.pop();
        result
    }

    /// compose-go's `resolveReset` on the node at the current trail: returns whether the node
    /// stays in its parent.
    fn reset_pass(&mut self, id: usize, depth: usize, via_alias: bool) -> Result<bool> {
        let span = self.raw(id)?.span;
        if depth > MAX_DEPTH {
            return Err(too_deep(span));
        }
        if via_alias {
            self.alias_nodes += 1;
            if self.alias_nodes > MAX_ALIAS_NODES {
                return Err(too_many_aliases(span));
            }
        }
        if let RawKind::Alias(target) = self.raw(id)?.kind {
            let path = self.reset_path();
            self.check_cycle(target, &path, span)?;
            return self.reset_child(target, Step::Alias, depth + 1, true);
        }
        match self.raw(id)?.tag.as_deref() {
            Some("!reset") => {
                let path = self.reset_path();
                self.paths.insert(path);
                return Ok(false);
            }
            Some("!override") => {
                let path = self.reset_path();
                self.paths.insert(path);
                return Ok(true);
            }
            _ => {}
        }
        if let Some(raw) = self.arena.get_mut(id) {
            raw.visited = true;
        }
        let kind = self.arena.get_mut(id).map(|r| &mut r.kind);
        match kind {
            Some(RawKind::Seq(items)) => {
                let items = std::mem::take(items);
                let mut kept = Vec::with_capacity(items.len());
                for (idx, &item) in items.iter().enumerate() {
                    if self.reset_child(item, Step::Index(idx), depth + 1, via_alias)? {
                        kept.push(item);
                    }
                }
                if let Some(RawKind::Seq(items)) = self.arena.get_mut(id).map(|r| &mut r.kind) {
                    *items = kept;
                }
            }
            Some(RawKind::Map { pairs, .. }) => {
                let pairs = std::mem::take(pairs);
                let mut kept = Vec::with_capacity(pairs.len());
                let mut dropped = Vec::new();
                for &(k, v) in &pairs {
                    if self.reset_child(v, Step::Key(k), depth + 1, via_alias)? {
                        kept.push((k, v));
                    } else {
                        dropped.push((k, v));
                    }
                }
                if let Some(RawKind::Map { pairs, removed }) =
                    self.arena.get_mut(id).map(|r| &mut r.kind)
                {
                    *pairs = kept;
                    removed.extend(dropped);
                }
            }
            _ => {}
        }
        Ok(true)
    }

    /// compose-go's `checkForCycle`: an anchor reached again at a path below (or above) a
    /// path it was already reached at, neither going through a merge key. (compose-go also
    /// exempts paths in different services, which two nested paths never are.) Kept in sets
    /// so that heavy alias reuse stays linear.
    fn check_cycle(&mut self, target: usize, path: &str, span: Span) -> Result<()> {
        let shown = path_shown(path);
        if shown.contains("<<") {
            return Ok(());
        }
        let seen = self.visited.entry(target).or_default();
        let mut cycle = seen.below.get(&shown).cloned();
        if cycle.is_none() {
            cycle = dotted_prefixes(&shown)
                .find(|p| seen.paths.contains(*p))
                .map(str::to_owned);
        }
        if let Some(prev) = cycle {
            return Err(Error::invalid(format!(
                "cycle detected: node at path {shown} references node at path {prev}"
            ))
            .at(span));
        }
        for prefix in dotted_prefixes(&shown) {
            seen.below
                .entry(prefix.to_owned())
                .or_insert_with(|| shown.clone());
        }
        seen.paths.insert(shown);
        Ok(())
    }

    // ---- decoding ---------------------------------------------------------------------

    fn count(&mut self, span: Span, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            self.limit_hit = true;
            return Err(too_deep(span));
        }
        if self.alias_depth > 0 {
            self.alias_nodes += 1;
            if self.alias_nodes > MAX_ALIAS_NODES {
                self.limit_hit = true;
                return Err(too_many_aliases(span));
            }
        }
        Ok(())
    }

    /// Follows an alias to its anchored node (anchors are never aliases themselves).
    fn target(&self, id: usize) -> Result<usize> {
        match self.raw(id)?.kind {
            RawKind::Alias(t) => Ok(t),
            _ => Ok(id),
        }
    }

    fn decode(
        &mut self,
        id: usize,
        path: Option<&str>,
        trail: &Trail<'_>,
        depth: usize,
    ) -> Result<Node> {
        let span = self.raw(id)?.span;
        self.count(span, depth)?;
        let path = path.map(|p| path_enter(p.to_owned()));
        let raw = self.raw(id)?;
        let mut node = match &raw.kind {
            RawKind::Alias(target) => {
                let target = *target;
                self.alias_depth += 1;
                let node = self.decode(target, path.as_deref(), trail, depth + 1);
                self.alias_depth -= 1;
                let mut node = node?;
                node.span = span;
                return Ok(node);
            }
            RawKind::Scalar { value, quoted } => {
                let scalar = resolve_scalar(value, *quoted, raw.tag.as_deref())
                    .map_err(|m| Error::invalid(m).at(span))?;
                Node::new(scalar.into_value(), span)
            }
            RawKind::Seq(items) => {
                let items = items.clone();
                let mut out = Vec::with_capacity(items.len());
                // compose-go records paths below a sequence as `list.1` but matches them
                // as `list.[1]`: tags inside sequences only ever drop the tagged entry.
                for (i, item) in items.into_iter().enumerate() {
                    out.push(self.decode(item, None, &Trail::Index(trail, i), depth + 1)?);
                }
                Node::seq(out, span)
            }
            RawKind::Map { .. } => self.mapping(id, path.as_deref(), trail, depth)?,
        };
        if path.as_ref().is_some_and(|p| self.paths.contains(p)) {
            node.tag = Tag::Override;
        }
        Ok(node)
    }

    fn mapping(
        &mut self,
        id: usize,
        path: Option<&str>,
        trail: &Trail<'_>,
        depth: usize,
    ) -> Result<Node> {
        let span = self.raw(id)?.span;
        if self.check_duplicates(id)? {
            return Ok(Node::map(Map::new(), span));
        }
        let mut out = Out::default();
        self.mapping_into(id, path, trail, depth, &mut out, None, Place::Own)?;
        let Out {
            mut entries,
            resets,
            ..
        } = out;
        for (key, entry) in resets {
            entries.entry(key).or_insert(entry);
        }
        let mut list: Vec<(GoKey, Entry)> = entries.into_iter().collect();
        list.sort_by_key(|(_, e)| e.pos);
        let mut map = Map::with_capacity(list.len());
        for (key, entry) in list {
            match key {
                GoKey::Str(name) => {
                    map.insert(Key::new(name, entry.key_span), entry.node);
                }
                GoKey::Other(_, shown) => {
                    if self.non_string.is_none() {
                        // Every entry, merged ones included, shares the mapping's trail.
                        let prefix = trail.render();
                        let location = if prefix.is_empty() {
                            "at top level".to_owned()
                        } else {
                            format!("in {prefix}")
                        };
                        self.non_string = Some(
                            Error::invalid(format!("Non-string key {location}: {shown}"))
                                .at(entry.key_span)
                                .with_hint("quote the key to make it a string"),
                        );
                    }
                }
            }
        }
        Ok(Node::map(map, span))
    }

    /// go-yaml's duplicate check: two keys of one mapping with the same kind and text.
    /// Records the first (by go-yaml's order) and reports whether there was one.
    fn check_duplicates(&mut self, id: usize) -> Result<bool> {
        let pairs = match &self.raw(id)?.kind {
            RawKind::Map { pairs, .. } => {
                if self.distinct_scalar_keys(pairs) {
                    return Ok(false);
                }
                pairs.clone()
            }
            _ => return Ok(false),
        };
        let mut seen: HashMap<(u8, String), (usize, Option<usize>)> = HashMap::new();
        for (idx, &(k, _)) in pairs.iter().enumerate() {
            let ident = match &self.raw(k)?.kind {
                RawKind::Scalar { value, .. } => (0, value.clone()),
                RawKind::Alias(_) => (1, self.raw_key_text(k)),
                RawKind::Seq(_) => (2, String::new()),
                RawKind::Map { .. } => (3, String::new()),
            };
            let slot = seen.entry(ident).or_insert((idx, None));
            if slot.1.is_none() && slot.0 != idx {
                slot.1 = Some(idx);
            }
        }
        let first = seen
            .into_iter()
            .filter_map(|((_, text), (a, b))| b.map(|b| (a, b, text)))
            .min_by_key(|&(a, _, _)| a);
        let Some((a, b, text)) = first else {
            return Ok(false);
        };
        let (Some(&(ka, _)), Some(&(kb, _))) = (pairs.get(a), pairs.get(b)) else {
            return Ok(false);
        };
        if self.duplicate.is_none() {
            let first_line = self.raw(ka)?.span.line;
            let err = Error::invalid(format!(
                "mapping key {} already defined at line {first_line}",
                go_quote(&text)
            ))
            .at(self.raw(kb)?.span);
            self.duplicate = Some(err);
        }
        Ok(true)
    }

    /// Whether every key is a scalar and no two have the same text: the usual case, told
    /// without allocating.
    fn distinct_scalar_keys(&self, pairs: &[(usize, usize)]) -> bool {
        let text = |k: usize| match self.arena.get(k) {
            Some(Raw {
                kind: RawKind::Scalar { value, .. },
                ..
            }) => Some(value.as_str()),
            _ => None,
        };
        if pairs.len() <= 16 {
            for (i, &(k, _)) in pairs.iter().enumerate() {
                let Some(key) = text(k) else { return false };
                let earlier = pairs.get(..i).unwrap_or_default();
                if earlier.iter().any(|&(e, _)| text(e) == Some(key)) {
                    return false;
                }
            }
            return true;
        }
        let mut seen = HashSet::with_capacity(pairs.len());
        pairs
            .iter()
            .all(|&(k, _)| text(k).is_some_and(|key| seen.insert(key)))
    }

    fn is_merge_key(&self, id: usize) -> Result<bool> {
        let raw = self.raw(id)?;
        Ok(
            matches!(&raw.kind, RawKind::Scalar { value, quoted: false } if value == "<<")
                && matches!(raw.tag.as_deref(), None | Some("!!merge")),
        )
    }

    fn decode_key(&mut self, id: usize, depth: usize) -> Result<(GoKey, Span)> {
        let span = self.raw(id)?.span;
        self.count(span, depth)?;
        let target = self.target(id)?;
        if target != id {
            self.alias_depth += 1;
            let counted = self.count(span, depth + 1);
            self.alias_depth -= 1;
            counted?;
        }
        let raw = self.raw(target)?;
        match &raw.kind {
            RawKind::Scalar { value, quoted } => {
                let scalar = resolve_scalar(value, *quoted, raw.tag.as_deref())
                    .map_err(|m| Error::invalid(m).at(span))?;
                Ok((GoKey::from_scalar(scalar), span))
            }
            RawKind::Seq(_) => {
                Err(Error::invalid("invalid map key: a sequence cannot be a mapping key").at(span))
            }
            _ => Err(Error::invalid("invalid map key: a mapping cannot be a mapping key").at(span)),
        }
    }

    /// go-yaml's `mapping` into an existing output (`merged` is its `mergedFields`).
    #[allow(clippy::too_many_arguments)]
    fn mapping_into(
        &mut self,
        id: usize,
        path: Option<&str>,
        trail: &Trail<'_>,
        depth: usize,
        out: &mut Out,
        merged: Option<&mut HashSet<GoKey>>,
        place: Place,
    ) -> Result<()> {
        // The entries are lent out rather than copied and put back afterwards, whatever the
        // outcome. Nothing below can reach this mapping again: an alias never refers to a
        // value that contains it, and a merged mapping is defined before the one it is
        // merged into.
        let (pairs, removed) = match self.arena.get_mut(id).map(|r| &mut r.kind) {
            Some(RawKind::Map { pairs, removed }) => (std::mem::take(pairs), std::mem::take(removed)),
            _ => return Ok(()),
        };
        let result = self.mapping_entries_into(id, &pairs, &removed, path, trail, depth, out, merged, place);
        if let Some(RawKind::Map { pairs: p, removed: r }) = self.arena.get_mut(id).map(|r| &mut r.kind) {
            *p = pairs;
            *r = removed;
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn mapping_entries_into(
        &mut self,
        id: usize,
        pairs: &[(usize, usize)],
        removed: &[(usize, usize)],
        path: Option<&str>,
        trail: &Trail<'_>,
        depth: usize,
        out: &mut Out,
        mut merged: Option<&mut HashSet<GoKey>>,
        place: Place,
    ) -> Result<()> {
        let mut merge_value = None;
        for (idx, &(k, v)) in pairs.iter().enumerate() {
            if self.is_merge_key(k)? {
                merge_value = Some((idx, k, v));
                continue;
            }
            let (key, key_span) = self.decode_key(k, depth + 1)?;
            if let Some(set) = merged.as_deref_mut() {
                if !set.insert(key.clone()) {
                    continue;
                }
            }
            // compose-go records what lies below a key named `<<` (quoted, so not a merge)
            // at a path it never matches (unless at the top): tags there have no effect.
            let key_text = self.raw_key_text(k);
            let child = path
                .filter(|p| key_text != "<<" || p.is_empty())
                .map(|p| path_next(p, &key_text));
            let name = match &key {
                GoKey::Str(s) | GoKey::Other(_, s) => s.clone(),
            };
            let node = self.decode(v, child.as_deref(), &Trail::Key(trail, &name), depth + 1)?;
            let pos = match place {
                Place::Own => (2 * idx + 1, 0),
                Place::Merged(at) => {
                    out.counter += 1;
                    (2 * at + 1, out.counter)
                }
            };
            let entry = Entry {
                key_span,
                node,
                pos,
            };
            out.entries.insert(key, entry);
        }
        if let Some(p) = path {
            for &(k, v) in removed {
                let child = path_next(p, &self.raw_key_text(k));
                if !self.paths.contains(&child) {
                    continue;
                }
                // The key of a dropped entry is never decoded by compose-go either: only a
                // string key can name what to reset.
                let key = match self.decode_key(k, depth + 1) {
                    Ok((key @ GoKey::Str(_), key_span)) => (key, key_span),
                    Err(e) if self.limit_hit => return Err(e),
                    _ => continue,
                };
                let (key, key_span) = key;
                let mut node = self.decode_reset_value(v, trail, depth + 1)?;
                node.tag = Tag::Reset;
                let pos = match place {
                    Place::Own => (2 * removed_pos(pairs, k), 0),
                    Place::Merged(at) => {
                        out.counter += 1;
                        (2 * at + 1, out.counter)
                    }
                };
                out.resets.push((
                    key,
                    Entry {
                        key_span,
                        node,
                        pos,
                    },
                ));
            }
        }
        if let Some((idx, key, value)) = merge_value {
            let key_span = self.raw(key)?.span;
            let at = match place {
                Place::Own => idx,
                Place::Merged(at) => at,
            };
            // compose-go folds `.<<` out of paths, which a merge at the top level does not
            // have: tags in what it merges there are recorded at paths nothing matches.
            let merge_path = path.filter(|p| !p.is_empty()).map(|p| path_next(p, "<<"));
            let replaced = self.raw(id)?.visited;
            if let Some(set) = merged {
                self.merge(
                    key_span,
                    value,
                    replaced,
                    merge_path.as_deref(),
                    trail,
                    depth,
                    out,
                    set,
                    at,
                )?;
            } else {
                // Every key of the mapping itself wins over merged ones (go-yaml's
                // `mergedFields`), the `<<` key included.
                let mut set = HashSet::new();
                for &(k, _) in pairs {
                    set.insert(self.decode_key(k, depth + 1)?.0);
                }
                self.merge(
                    key_span,
                    value,
                    replaced,
                    merge_path.as_deref(),
                    trail,
                    depth,
                    out,
                    &mut set,
                    at,
                )?;
            }
        }
        Ok(())
    }

    /// go-yaml's `merge`: a mapping, or a sequence of mappings, each possibly an alias.
    /// `path` is the merge value's path before entering it. An alias to a sequence of
    /// mappings is accepted where compose-go's reset processor has already replaced the
    /// alias by its target (`replaced`), as go-yaml then sees a plain sequence.
    #[allow(clippy::too_many_arguments)]
    fn merge(
        &mut self,
        key_span: Span,
        value: usize,
        replaced: bool,
        path: Option<&str>,
        trail: &Trail<'_>,
        depth: usize,
        out: &mut Out,
        set: &mut HashSet<GoKey>,
        at: usize,
    ) -> Result<()> {
        let span = match &self.raw(value)?.kind {
            // An empty value has no position of its own; point at its `<<` key instead.
            RawKind::Scalar {
                value: text,
                quoted: false,
            } if text.is_empty() => key_span,
            _ => self.raw(value)?.span,
        };
        self.count(span, depth + 1)?;
        let target = self.target(value)?;
        let via_alias = usize::from(target != value);
        if via_alias == 1 && !replaced && !matches!(self.raw(target)?.kind, RawKind::Map { .. }) {
            return Err(want_map(span));
        }
        let mut path = path.map(|p| path_enter(p.to_owned()));
        if via_alias == 1 {
            path = path.map(path_enter);
        }
        self.alias_depth += via_alias;
        let result = self.merge_target(target, span, path.as_deref(), trail, depth, out, set, at);
        self.alias_depth -= via_alias;
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn merge_target(
        &mut self,
        target: usize,
        span: Span,
        path: Option<&str>,
        trail: &Trail<'_>,
        depth: usize,
        out: &mut Out,
        set: &mut HashSet<GoKey>,
        at: usize,
    ) -> Result<()> {
        match &self.raw(target)?.kind {
            RawKind::Map { .. } => self.merge_one(target, path, trail, depth, out, set, at),
            RawKind::Seq(items) => {
                let items = items.clone();
                for item in items {
                    let item_span = self.raw(item)?.span;
                    self.count(item_span, depth + 2)?;
                    let item_target = self.target(item)?;
                    if !matches!(self.raw(item_target)?.kind, RawKind::Map { .. }) {
                        return Err(want_map(item_span));
                    }
                    let item_alias = usize::from(item_target != item);
                    // As for any sequence, tags below the items have no effect on what
                    // earlier files defined.
                    self.alias_depth += item_alias;
                    let result = self.merge_one(item_target, None, trail, depth, out, set, at);
                    self.alias_depth -= item_alias;
                    result?;
                }
                Ok(())
            }
            _ => Err(want_map(span)),
        }
    }

    /// Merges one mapping (already entered at `path`) into `out`.
    #[allow(clippy::too_many_arguments)]
    fn merge_one(
        &mut self,
        id: usize,
        path: Option<&str>,
        trail: &Trail<'_>,
        depth: usize,
        out: &mut Out,
        set: &mut HashSet<GoKey>,
        at: usize,
    ) -> Result<()> {
        if self.check_duplicates(id)? {
            return Ok(());
        }
        self.mapping_into(
            id,
            path,
            trail,
            depth + 1,
            out,
            Some(set),
            Place::Merged(at),
        )
    }

    /// The value of an entry compose-go dropped for its `!reset` tag, decoded as if untagged.
    fn decode_reset_value(&mut self, id: usize, trail: &Trail<'_>, depth: usize) -> Result<Node> {
        let span = self.raw(id)?.span;
        let target = self.target(id)?;
        let raw = self.raw(target)?;
        if let RawKind::Scalar { value, quoted } = &raw.kind {
            let tag = raw
                .tag
                .as_deref()
                .filter(|t| *t != "!reset" && *t != "!override");
            let scalar =
                resolve_scalar(value, *quoted, tag).unwrap_or_else(|_| Scalar::Str(value.clone()));
            return Ok(Node::new(scalar.into_value(), span));
        }
        // compose-go never decodes what it drops, so nothing inside may fail the file:
        // problems found there are forgotten and the value becomes null. Only the limits
        // that protect berth itself still apply.
        let duplicate = self.duplicate.take();
        let non_string = self.non_string.take();
        let alias = usize::from(target != id);
        self.alias_depth += alias;
        let node = self.decode(target, None, trail, depth);
        self.alias_depth -= alias;
        self.duplicate = duplicate;
        self.non_string = non_string;
        let mut node = match node {
            Ok(node) => node,
            Err(e) if self.limit_hit => return Err(e),
            Err(_) => Node::null(span),
        };
        node.span = span;
        Ok(node)
    }
}

fn removed_pos(pairs: &[(usize, usize)], key: usize) -> usize {
    // A dropped entry sorts where it stood among the kept ones (keys are arena ids, which
    // grow in source order).
    pairs.iter().take_while(|(k, _)| *k < key).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse_str("test.yaml", text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(docs.len(), 1, "{text:?}");
        docs.remove(0)
    }

    fn err(text: &str) -> Error {
        match parse_str("test.yaml", text) {
            Ok(docs) => panic!("{text:?} parsed: {docs:?}"),
            Err(e) => e,
        }
    }

    /// The value of `v: <text>`.
    fn val(text: &str) -> Value {
        one(&format!("v: {text}\n"))
            .get("v")
            .map_or(Value::Null, |n| n.value.clone())
    }

    fn s(text: &str) -> Value {
        Value::String(text.to_owned())
    }

    fn pos(node: &Node) -> (u32, u32) {
        (node.span.line, node.span.col)
    }

    #[test]
    fn empty_sources_have_no_documents() {
        assert!(parse_str("t.yaml", "").unwrap().is_empty());
        assert!(parse_str("t.yaml", "# just a comment\n\n   # another\n")
            .unwrap()
            .is_empty());
        assert!(parse_str("t.yaml", "\n\n").unwrap().is_empty());
    }

    #[test]
    fn documents_come_in_order() {
        let docs = parse_str("t.yaml", "a: 1\n---\nb: 2\n...\n---\nc: 3\n").unwrap();
        let keys: Vec<&str> = docs
            .iter()
            .map(|d| {
                d.as_map()
                    .and_then(|m| m.keys().next())
                    .map_or("", |k| k.name.as_str())
            })
            .collect();
        assert_eq!(keys, ["a", "b", "c"]);
        // An explicit empty document is a null document, not an absent one.
        let docs = parse_str("t.yaml", "---\n").unwrap();
        assert_eq!(docs.len(), 1);
        assert!(docs[0].is_null());
    }

    #[test]
    fn anchors_carry_across_documents() {
        let docs = parse_str("t.yaml", "a: &x 1\n---\nb: *x\n").unwrap();
        assert_eq!(
            docs[1].get("b").map(|n| n.value.clone()),
            Some(Value::Int(1))
        );
    }

    #[test]
    fn nulls() {
        for text in ["~", "null", "Null", "NULL", ""] {
            assert_eq!(val(text), Value::Null, "{text:?}");
        }
        assert_eq!(val("nULL"), s("nULL"));
        assert_eq!(val("\"\""), s(""));
        assert_eq!(val("''"), s(""));
    }

    #[test]
    fn booleans_are_only_true_and_false() {
        for text in ["true", "True", "TRUE"] {
            assert_eq!(val(text), Value::Bool(true), "{text}");
        }
        for text in ["false", "False", "FALSE"] {
            assert_eq!(val(text), Value::Bool(false), "{text}");
        }
        for text in ["yes", "no", "on", "off", "y", "n", "Yes", "OFF", "tRue"] {
            assert_eq!(val(text), s(text), "{text}");
        }
    }

    #[test]
    fn integers() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("-0", 0),
            ("42", 42),
            ("+42", 42),
            ("-42", -42),
            ("0x1F", 31),
            ("0X1f", 31),
            ("-0x10", -16),
            ("0o17", 15),
            ("0O17", 15),
            ("017", 15),
            ("00", 0),
            ("0b101", 5),
            ("+0b11", 3),
            ("1_000", 1000),
            ("1__0", 10),
            ("1_", 1),
            ("0x_1F", 31),
            ("0b-101", -5),
            ("0o-7", -7),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ];
        for (text, want) in cases {
            assert_eq!(val(text), Value::Int(*want), "{text}");
        }
        for text in [
            "_1",
            "0x",
            "0b",
            "0o",
            "1a",
            "12:30",
            "1.2.3",
            "0x1FFFFFFFFFFFFFFFF",
            "1-2",
        ] {
            assert_eq!(val(text), s(text), "{text}");
        }
    }

    #[test]
    fn leading_zero_non_octal_is_a_float() {
        assert_eq!(val("08"), Value::Float(8.0));
        assert_eq!(val("09.5"), Value::Float(9.5));
        assert_eq!(val("08080"), Value::Float(8080.0));
    }

    #[test]
    #[allow(clippy::cast_precision_loss)]
    fn integers_beyond_i64_become_floats() {
        assert_eq!(
            val("9223372036854775808"),
            Value::Float(9_223_372_036_854_775_808.0)
        );
        assert_eq!(val("18446744073709551615"), Value::Float(u64::MAX as f64));
        assert_eq!(val("0xFFFFFFFFFFFFFFFF"), Value::Float(u64::MAX as f64));
        assert_eq!(
            val("18446744073709551616"),
            Value::Float(18_446_744_073_709_551_616.0)
        );
        assert_eq!(
            val("-9223372036854775809"),
            Value::Float(-9_223_372_036_854_775_809.0)
        );
    }

    #[test]
    fn floats() {
        let cases: &[(&str, f64)] = &[
            ("1.5", 1.5),
            (".5", 0.5),
            ("-.5", -0.5),
            ("+.5", 0.5),
            ("1.", 1.0),
            ("1e3", 1000.0),
            ("1E+3", 1000.0),
            ("1e-3", 0.001),
            (".5e3", 500.0),
            (".5_5", 0.55),
            ("1_0.5", 10.5),
            ("1e-500", 0.0),
            ("-0.0", -0.0),
            (".inf", f64::INFINITY),
            (".Inf", f64::INFINITY),
            ("+.INF", f64::INFINITY),
            ("-.inf", f64::NEG_INFINITY),
        ];
        for (text, want) in cases {
            assert_eq!(val(text), Value::Float(*want), "{text}");
        }
        for text in [".nan", ".NaN", ".NAN"] {
            assert!(matches!(val(text), Value::Float(f) if f.is_nan()), "{text}");
        }
        // Out of range, or not the YAML spelling: strings.
        for text in [
            "1e500", ".5e500", ".iNf", "inf", "nan", "NaN", "+.nan", "Infinity", "1.5e", "._5",
            "0x1p3",
        ] {
            assert_eq!(val(text), s(text), "{text}");
        }
    }

    #[test]
    fn timestamps_read_as_go_prints_them() {
        assert_eq!(val("2001-12-14"), s("2001-12-14 00:00:00 +0000 UTC"));
        assert_eq!(
            val("2001-12-14T21:59:43.10Z"),
            s("2001-12-14 21:59:43.1 +0000 UTC")
        );
        assert_eq!(
            val("2001-12-14t21:59:43.10-05:00"),
            s("2001-12-14 21:59:43.1 -0500 -0500")
        );
        assert_eq!(val("2001-12-14 1:2:3"), s("2001-12-14 01:02:03 +0000 UTC"));
        assert_eq!(val("2000-2-29"), s("2000-02-29 00:00:00 +0000 UTC"));
        // Not dates go-yaml recognises: kept as written.
        for text in [
            "2001-2-29",
            "2001-12-14T25:00:00Z",
            "2001-12-14 21:59:43 Z",
            "1234-",
        ] {
            assert_eq!(val(text), s(text), "{text}");
        }
        assert_eq!(val("'2001-12-14'"), s("2001-12-14"));
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        assert_eq!(val("\"123\""), s("123"));
        assert_eq!(val("'true'"), s("true"));
        assert_eq!(val("\"null\""), s("null"));
        assert_eq!(val("'it''s'"), s("it's"));
        assert_eq!(val("\"\\u00e9\\t\""), s("\u{e9}\t"));
        let doc = one("a: |\n  12\nb: >-\n  true\n  false\n");
        assert_eq!(doc.get("a").map(|n| n.value.clone()), Some(s("12\n")));
        assert_eq!(doc.get("b").map(|n| n.value.clone()), Some(s("true false")));
    }

    #[test]
    fn explicit_standard_tags() {
        assert_eq!(val("!!str 123"), s("123"));
        assert_eq!(val("!!str"), s(""));
        assert_eq!(val("!!int \"123\""), Value::Int(123));
        assert_eq!(val("!!int 0x10"), Value::Int(16));
        assert_eq!(val("!!float 1"), Value::Float(1.0));
        assert_eq!(val("!!float \"1.5\""), Value::Float(1.5));
        assert_eq!(val("!!bool \"true\""), Value::Bool(true));
        assert_eq!(val("!!null \"\""), Value::Null);
        assert_eq!(val("!!binary aGVsbG8="), s("hello"));
        assert_eq!(val("!<tag:yaml.org,2002:str> 1"), s("1"));
        // The bare `!` tag is no tag at all for go-yaml.
        assert_eq!(val("! 123"), Value::Int(123));
        assert_eq!(val("! \"123\""), s("123"));
    }

    #[test]
    fn explicit_tags_that_do_not_fit_are_errors() {
        let cases = [
            ("!!int abc", "cannot decode !!str `abc` as a !!int"),
            ("!!bool yes", "cannot decode !!str `yes` as a !!bool"),
            ("!!null foo", "cannot decode !!str `foo` as a !!null"),
            (
                "!!float 18446744073709551615",
                "cannot decode !!int `18446744073709551615` as a !!float",
            ),
            (
                "!!timestamp 123",
                "cannot decode !!int `123` as a !!timestamp",
            ),
            (
                "!!binary aGVsbG8",
                "!!binary value contains invalid base64 data",
            ),
        ];
        for (text, want) in cases {
            let e = err(&format!("v: {text}\n"));
            assert_eq!(e.message, want, "{text}");
            // The position of the text (the parser gives no position for the tag).
            let col = u32::try_from(text.find(' ').map_or(text.len(), |i| i + 1) + 4).unwrap_or(0);
            assert_eq!(e.span.map(|s| (s.line, s.col)), Some((1, col)), "{text}");
        }
        // An empty value has no position of its own: its key's is used.
        let e = err("a: 1\nv: !!int\nb: 2\n");
        assert_eq!(e.message, "cannot decode !!null `` as a !!int");
        assert_eq!(e.span.map(|s| (s.line, s.col)), Some((2, 1)));
    }

    #[test]
    fn unknown_tags_keep_the_text() {
        // go-yaml cannot resolve a scalar under a tag it does not know: it stays a string.
        assert_eq!(val("!foo 123"), s("123"));
        assert_eq!(val("!foo null"), s("null"));
        assert_eq!(val("!!map 123"), s("123"));
        let doc = one("v: !foo {x: 1}\nw: !bar [1]\n");
        assert_eq!(
            doc.get("v")
                .and_then(|n| n.get("x"))
                .map(|n| n.value.clone()),
            Some(Value::Int(1))
        );
        assert_eq!(doc.get("w").and_then(Node::as_seq).map(Vec::len), Some(1));
        assert_eq!(doc.get("v").map(|n| n.tag), Some(Tag::None));
    }

    #[test]
    fn non_string_keys_are_errors_as_in_compose() {
        let cases = [
            ("1: a\n", "Non-string key at top level: 1", (1, 1)),
            ("true: a\n", "Non-string key at top level: true", (1, 1)),
            ("~: a\n", "Non-string key at top level: <nil>", (1, 1)),
            ("1.5: a\n", "Non-string key at top level: 1.5", (1, 1)),
            ("18446744073709551615: a\n", "Non-string key at top level: 0xffffffffffffffff", (1, 1)),
            ("services:\n  x:\n    1: a\n", "Non-string key in services.x: 1", (3, 5)),
            ("a:\n  - b: 1\n    2: x\n", "Non-string key in a[0]: 2", (3, 5)),
            (
                "2001-12-14: a\n",
                "Non-string key at top level: time.Date(2001, time.December, 14, 0, 0, 0, 0, time.UTC)",
                (1, 1),
            ),
        ];
        for (text, want, at) in cases {
            let e = err(text);
            assert_eq!(e.message, want, "{text:?}");
            assert_eq!(e.span.map(|s| (s.line, s.col)), Some(at), "{text:?}");
        }
        // Quoted, or words that are not booleans: strings.
        let doc = one("\"1\": a\n'true': b\nyes: c\nno: d\non: e\n");
        let keys: Vec<&str> = doc
            .as_map()
            .map(|m| m.keys().map(|k| k.name.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["1", "true", "yes", "no", "on"]);
    }

    #[test]
    fn collection_keys_are_errors() {
        assert!(err("? [a]\n: b\n").message.contains("invalid map key"));
        assert!(err("? {a: 1}\n: b\n").message.contains("invalid map key"));
        assert!(err("a: &a {x: 1}\n*a : b\n")
            .message
            .contains("invalid map key"));
    }

    #[test]
    fn spans_of_keys_and_values() {
        let doc = one(
            "services:\n  web:\n    image: \"redis\"\n    ports:\n      - 80\n      - {a: 1}\n",
        );
        let services = doc
            .get("services")
            .map(|n| n.as_map().cloned().unwrap_or_default())
            .unwrap_or_default();
        let (key, web) = services
            .get_index(0)
            .map_or_else(|| panic!(), |(k, v)| (k.clone(), v.clone()));
        assert_eq!((key.span.line, key.span.col), (2, 3));
        assert_eq!(pos(&web), (3, 5));
        let image = web.get("image").unwrap_or_else(|| panic!());
        assert_eq!(pos(image), (3, 12));
        let ports = web
            .get("ports")
            .and_then(Node::as_seq)
            .cloned()
            .unwrap_or_default();
        assert_eq!(pos(&ports[0]), (5, 9));
        assert_eq!(pos(&ports[1]), (6, 9));
        let (akey, _) = ports[1]
            .as_map()
            .and_then(|m| m.get_index(0))
            .unwrap_or_else(|| panic!());
        assert_eq!((akey.span.line, akey.span.col), (6, 10));
        assert_eq!(image.span.file, key.span.file);
        assert!(!image.span.is_synthetic());
    }

    #[test]
    fn aliases_of_scalars_maps_and_sequences() {
        let doc = one("a: &a [1, 2]\nb: *a\nc: &c hello\nd: *c\ne: &e {k: v}\nf: [*e, *c]\n");
        assert_eq!(doc.get("b"), doc.get("a"));
        assert_eq!(doc.get("d").map(|n| n.value.clone()), Some(s("hello")));
        let f = doc
            .get("f")
            .and_then(Node::as_seq)
            .cloned()
            .unwrap_or_default();
        assert_eq!(Some(&f[0]), doc.get("e"));
        // The alias itself sits where it is used; what it brings keeps its own positions.
        let b = doc.get("b").unwrap_or_else(|| panic!());
        assert_eq!(pos(b), (2, 4));
        assert_eq!(b.as_seq().map(|items| pos(&items[0])), Some((1, 8)));
        // An alias may be a key when it stands for a string.
        let doc = one("x: &k name\n*k : value\n");
        assert_eq!(doc.get("name").map(|n| n.value.clone()), Some(s("value")));
    }

    #[test]
    fn unknown_and_self_referencing_aliases_are_errors() {
        let e = err("a: *nope\n");
        assert_eq!(e.span.map(|s| (s.line, s.col)), Some((1, 4)));
        assert!(e.message.contains("unknown anchor"), "{}", e.message);
        let e = err("a: &a [1, *a]\n");
        assert!(e.message.contains("contains it"), "{}", e.message);
    }

    #[test]
    fn alias_bombs_are_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            let _ = writeln!(text, "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]");
        }
        let e = err(&text);
        assert!(e.message.contains("excessive aliasing"), "{}", e.message);
        // Moderate reuse is fine.
        let doc = one("a: &a [1, 2, 3]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n");
        assert_eq!(doc.get("c").and_then(Node::as_seq).map(Vec::len), Some(3));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        // yaml-rust2 stops flow collections at 255 levels itself.
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = err(&text);
        assert!(e.message.contains("recursion limit"), "{}", e.message);
        let mut block = String::new();
        for depth in 0..300 {
            let _ = writeln!(block, "{}k{depth}:", " ".repeat(depth));
        }
        assert!(err(&block).message.contains("deeper than"));
        // Depth reached through aliases counts too.
        let mut text = String::from("a0: &a0 [1]\n");
        for i in 1..=MAX_DEPTH {
            let _ = writeln!(text, "a{i}: &a{i} [[[[*a{}]]]]", i - 1);
        }
        assert!(err(&text).message.contains("deeper than"));
        let fine = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(parse_str("t.yaml", &fine).is_ok());
    }

    fn keys(node: Option<&Node>) -> Vec<String> {
        node.and_then(Node::as_map)
            .map(|m| m.keys().map(|k| k.name.clone()).collect())
            .unwrap_or_default()
    }

    fn int_at(node: &Node, path: &[&str]) -> Option<i64> {
        let mut cur = node;
        for p in path {
            cur = cur.get(p)?;
        }
        cur.as_i64()
    }

    #[test]
    fn merge_single_mapping_explicit_keys_win() {
        let doc = one("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n");
        assert_eq!(int_at(&doc, &["x", "a"]), Some(1));
        assert_eq!(int_at(&doc, &["x", "b"]), Some(3));
        assert_eq!(keys(doc.get("x")), ["a", "b"]);
        // Explicit keys win wherever they stand, before or after the merge.
        let doc = one("base: &b {a: 1, b: 2}\nx:\n  b: 3\n  <<: *b\n");
        assert_eq!(int_at(&doc, &["x", "b"]), Some(3));
        assert_eq!(keys(doc.get("x")), ["b", "a"]);
    }

    #[test]
    fn merge_list_earlier_mappings_win() {
        let doc = one("p: &p {a: 1, c: 1}\nq: &q {a: 2, b: 2, c: 2}\nx:\n  <<: [*p, *q, {d: 4, a: 9}]\n  c: 3\n");
        assert_eq!(int_at(&doc, &["x", "a"]), Some(1));
        assert_eq!(int_at(&doc, &["x", "b"]), Some(2));
        assert_eq!(int_at(&doc, &["x", "c"]), Some(3));
        assert_eq!(int_at(&doc, &["x", "d"]), Some(4));
    }

    #[test]
    fn merges_nest_and_inline_mappings_work() {
        let doc =
            one("a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc:\n  <<: *b\n  z: 3\nd: {<<: {k: v}}\n");
        assert_eq!(keys(doc.get("c")), ["y", "x", "z"]);
        assert_eq!(
            doc.get("d").and_then(|d| d.get("k")).and_then(Node::as_str),
            Some("v")
        );
    }

    #[test]
    fn merged_entries_keep_their_spans() {
        let doc = one("base: &b\n  image: redis\nweb:\n  <<: *b\n");
        let web = doc
            .get("web")
            .and_then(Node::as_map)
            .cloned()
            .unwrap_or_default();
        let (key, value) = web.get_index(0).unwrap_or_else(|| panic!());
        assert_eq!((key.span.line, key.span.col), (2, 3));
        assert_eq!(pos(value), (2, 10));
    }

    #[test]
    fn merged_keys_are_not_duplicates() {
        let doc = one("b: &b {a: 1}\nx: {<<: *b, a: 2}\n");
        assert_eq!(int_at(&doc, &["x", "a"]), Some(2));
    }

    #[test]
    fn quoted_merge_key_is_an_ordinary_key() {
        let doc = one("x:\n  \"<<\": {a: 1}\n");
        assert_eq!(keys(doc.get("x")), ["<<"]);
        let doc = one("x:\n  !!merge <<: {a: 1}\n");
        assert_eq!(keys(doc.get("x")), ["a"]);
        assert_eq!(val("<<"), s("<<"));
    }

    #[test]
    fn merge_needs_mappings() {
        let cases = [
            ("x:\n  <<: 1\n", (2, 7)),
            ("x:\n  <<: [1]\n", (2, 8)),
            ("x:\n  <<:\n", (2, 3)),
            ("s: &s [1, 2]\nx:\n  <<: [*s]\n", (3, 8)),
        ];
        for (text, at) in cases {
            let e = err(text);
            assert_eq!(
                e.message, "map merge requires map or sequence of maps as the value",
                "{text:?}"
            );
            assert_eq!(e.span.map(|s| (s.line, s.col)), Some(at), "{text:?}");
        }
        // compose-go has already swapped the alias for its target: a list of maps merges.
        let doc = one("s: &s [{a: 1}, {b: 2}]\nx:\n  <<: *s\n");
        assert_eq!(keys(doc.get("x")), ["a", "b"]);
    }

    #[test]
    fn duplicate_keys_name_the_key_and_both_lines() {
        let e = err("a: 1\nb: 2\na: 3\n");
        assert_eq!(e.message, "mapping key \"a\" already defined at line 1");
        assert_eq!(e.span.map(|s| (s.line, s.col)), Some((3, 1)));
        // Same text, different quoting: still the same key.
        let e = err("services:\n  web: {}\n  \"web\": {}\n");
        assert_eq!(e.message, "mapping key \"web\" already defined at line 2");
        // go-yaml reports the duplicate of the earliest key first.
        let e = err("a: 1\nb: 1\nb: 2\na: 2\n");
        assert_eq!(e.message, "mapping key \"a\" already defined at line 1");
        let e = err("x: {k: 1, k: 2}\n");
        assert_eq!(e.span.map(|s| (s.line, s.col)), Some((1, 11)));
        // Two merge keys are duplicates too.
        let e = err("x:\n  <<: {a: 1}\n  <<: {b: 2}\n");
        assert_eq!(e.message, "mapping key \"<<\" already defined at line 2");
    }

    #[test]
    fn a_harder_error_wins_over_a_duplicate() {
        // go-yaml collects duplicates and reports them at the end, unless decoding fails.
        let e = err("a: {x: 1, x: 2}\nb: !!int z\n");
        assert_eq!(e.message, "cannot decode !!str `z` as a !!int");
    }

    fn tag_at(node: &Node, path: &[&str]) -> Option<Tag> {
        let mut cur = node;
        for p in path {
            cur = cur.get(p)?;
        }
        Some(cur.tag)
    }

    #[test]
    fn reset_and_override_tags() {
        let doc = one("services:\n  web:\n    image: !override redis\n    ports: !reset []\n    env: !reset null\n    x: !override {a: 1}\n");
        let web = doc
            .get("services")
            .and_then(|s| s.get("web"))
            .unwrap_or_else(|| panic!());
        assert_eq!(tag_at(web, &["image"]), Some(Tag::Override));
        assert_eq!(web.get("image").and_then(Node::as_str), Some("redis"));
        assert_eq!(tag_at(web, &["ports"]), Some(Tag::Reset));
        assert_eq!(
            web.get("ports").and_then(Node::as_seq).map(Vec::len),
            Some(0)
        );
        assert_eq!(tag_at(web, &["env"]), Some(Tag::Reset));
        assert!(web.get("env").is_some_and(Node::is_null));
        assert_eq!(tag_at(web, &["x"]), Some(Tag::Override));
        assert_eq!(int_at(web, &["x", "a"]), Some(1));
        assert_eq!(keys(Some(web)), ["image", "ports", "env", "x"]);
    }

    #[test]
    fn override_scalars_are_strings() {
        // go-yaml cannot resolve a scalar under `!override`: it keeps the text.
        assert_eq!(val("!override 8080"), s("8080"));
        assert_eq!(val("!override null"), s("null"));
    }

    #[test]
    fn tags_on_anchors_reach_their_aliases() {
        let doc = one("x-a: &a !override {k: 1}\nsvc: *a\n");
        assert_eq!(tag_at(&doc, &["svc"]), Some(Tag::Override));
        let doc = one("x-r: &r !reset {k: 1}\nsvc: *r\nother: 1\n");
        assert_eq!(tag_at(&doc, &["svc"]), Some(Tag::Reset));
        assert_eq!(tag_at(&doc, &["x-r"]), Some(Tag::Reset));
        // A `!reset` inside an anchor is dropped where it is defined; the aliases no longer
        // see it (compose-go removes it from the shared node).
        let doc = one("x: &x {a: !reset null, b: 1}\ny: *x\n");
        assert_eq!(tag_at(&doc, &["x", "a"]), Some(Tag::Reset));
        assert_eq!(keys(doc.get("y")), ["b"]);
    }

    #[test]
    fn reset_in_sequences_drops_the_item() {
        let doc = one("c: [1, !reset 2, 3]\n");
        let items: Vec<Value> = doc
            .get("c")
            .and_then(Node::as_seq)
            .map(|v| v.iter().map(|n| n.value.clone()).collect())
            .unwrap_or_default();
        assert_eq!(items, [Value::Int(1), Value::Int(3)]);
        assert!(doc
            .get("c")
            .and_then(Node::as_seq)
            .is_some_and(|v| v.iter().all(|n| n.tag == Tag::None)));
    }

    #[test]
    fn reset_next_to_a_value_of_the_same_key_is_an_override() {
        for text in ["a: 1\na: !reset null\n", "a: !reset null\na: 1\n"] {
            let doc = one(text);
            assert_eq!(int_at(&doc, &["a"]), Some(1), "{text:?}");
            assert_eq!(tag_at(&doc, &["a"]), Some(Tag::Override), "{text:?}");
        }
    }

    #[test]
    fn tags_inside_an_override_are_plain_tags() {
        let doc = one("a: !override {b: !reset null, c: !override 1}\n");
        assert_eq!(tag_at(&doc, &["a"]), Some(Tag::Override));
        assert_eq!(
            doc.get("a").and_then(|a| a.get("b")).and_then(Node::as_str),
            Some("null")
        );
        assert_eq!(tag_at(&doc, &["a", "b"]), Some(Tag::None));
        assert_eq!(tag_at(&doc, &["a", "c"]), Some(Tag::None));
    }

    #[test]
    fn reset_in_a_merge() {
        // Resetting the merge itself resets the whole mapping in earlier files.
        let doc = one("x: {<<: !reset {a: 1}, b: 2}\n");
        assert_eq!(keys(doc.get("x")), ["b"]);
        assert_eq!(tag_at(&doc, &["x"]), Some(Tag::Override));
        // A reset entry inside a merged mapping resets that key.
        let doc = one("x: {<<: {a: !reset 1, c: 3}, b: 2}\n");
        assert_eq!(tag_at(&doc, &["x", "a"]), Some(Tag::Reset));
        assert_eq!(int_at(&doc, &["x", "c"]), Some(3));
        // A merged value for a key reset next to it wins, as an override.
        let doc = one("b: &b {k: 1}\ny: {<<: *b, k: !reset null}\n");
        assert_eq!(int_at(&doc, &["y", "k"]), Some(1));
        assert_eq!(tag_at(&doc, &["y", "k"]), Some(Tag::Override));
    }

    #[test]
    fn compose_cycle_check() {
        // compose-go's reset processor rejects an anchor reached again below itself.
        let e = err("x: &a\n  b: 1\ny:\n  <<: *a\n  c: *a\n");
        assert!(e.message.starts_with("cycle detected"), "{}", e.message);
        // Different services may share an anchor.
        let doc = one("services:\n  a: &a\n    image: x\n  b:\n    x: *a\n");
        assert_eq!(
            doc.get("services")
                .and_then(|s| s.get("b"))
                .and_then(|b| b.get("x"))
                .and_then(|x| x.get("image"))
                .and_then(Node::as_str),
            Some("x")
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let cases = [
            ("a: b: c\n", (1, 5)),
            ("a:\n\t- b\n", (2, 2)),
            ("a:\n  - b\n  c: d\n", (3, 3)),
            ("key: \"unterminated\n", (1, 6)),
        ];
        for (text, at) in cases {
            let e = err(text);
            assert!(
                e.message.starts_with("invalid YAML: "),
                "{text:?}: {}",
                e.message
            );
            assert_eq!(
                e.span.map(|s| (s.line, s.col)),
                Some(at),
                "{text:?}: {}",
                e.message
            );
            assert_eq!(e.kind, crate::ErrorKind::Invalid);
        }
        // A syntax error in a later document still fails the whole file.
        let e = err("a: 1\n---\nb: [\n");
        assert_eq!(e.span.map(|s| s.line), Some(4));
    }

    #[test]
    fn a_tab_after_a_colon_separates_like_a_space() {
        let doc = one("services:\n  web:\n    image:\tredis\n    ports:\t[\"80\"]\n    x:\t\t1\n");
        let web = doc
            .get("services")
            .and_then(|s| s.get("web"))
            .unwrap_or_else(|| panic!());
        assert_eq!(web.get("image").and_then(Node::as_str), Some("redis"));
        assert_eq!(web.get("x").and_then(Node::as_i64), Some(1));
        // Positions are those of the original text.
        assert_eq!(web.get("image").map(pos), Some((3, 12)));
        // Inside quotes a tab is content.
        assert_eq!(val("\"a:\tb\""), s("a:\tb"));
        // After a `:` that cannot start a value, it is still an error.
        assert!(err("a:\t- b\n").message.contains("block sequence entries"));
    }

    #[test]
    fn quoted_scalars_may_continue_less_indented() {
        let doc =
            one("services:\n  web:\n    command: \"sh -c 'sleep\n  1'\"\n    image: 'a\nb'  # c\n");
        let web = doc
            .get("services")
            .and_then(|s| s.get("web"))
            .unwrap_or_else(|| panic!());
        assert_eq!(
            web.get("command").and_then(Node::as_str),
            Some("sh -c 'sleep 1'")
        );
        assert_eq!(web.get("image").and_then(Node::as_str), Some("a b"));
        assert_eq!(web.get("image").map(pos), Some((5, 12)));
        // Escaped quotes do not end the scalar early.
        let doc = one("a:\n  b: \"x\\\"y\nz\"\n  c: 'it''s\nok'\n");
        assert_eq!(
            doc.get("a").and_then(|a| a.get("b")).and_then(Node::as_str),
            Some("x\"y z")
        );
        assert_eq!(
            doc.get("a").and_then(|a| a.get("c")).and_then(Node::as_str),
            Some("it's ok")
        );
    }

    #[test]
    fn flow_collections_may_continue_less_indented() {
        let doc = one("services:\n  web:\n    command: ['/bin/sh', '-c',\n  'sleep 1']\n    ports: {a: 1,\nb: 2}\n");
        let web = doc
            .get("services")
            .and_then(|s| s.get("web"))
            .unwrap_or_else(|| panic!());
        assert_eq!(
            web.get("command").and_then(Node::as_seq).map(Vec::len),
            Some(3)
        );
        assert_eq!(int_at(web, &["ports", "b"]), Some(2));
    }

    #[test]
    fn only_yaml_1_1_and_tag_directives() {
        assert_eq!(
            one("%YAML 1.1\n---\na: 1\n")
                .get("a")
                .and_then(Node::as_i64),
            Some(1)
        );
        assert_eq!(
            one("%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n")
                .get("a")
                .and_then(Node::as_str),
            Some("1")
        );
        let e = err("%YAML 1.2\n---\na: 1\n");
        assert_eq!(e.message, "invalid YAML: found incompatible YAML document");
        assert_eq!(e.span.map(|s| (s.line, s.col)), Some((1, 1)));
        let e = err("a: 1\n...\n# c\n%FOO bar\n---\nb: 2\n");
        assert_eq!(e.message, "invalid YAML: found unknown directive name");
        assert_eq!(e.span.map(|s| s.line), Some(4));
    }

    #[test]
    fn what_reset_drops_cannot_fail() {
        // compose-go never decodes a `!reset` value: its keys need not be strings, nor unique.
        let doc = one("a: !reset {1: x, b: 1, b: 2}\nc: 1\n");
        assert_eq!(tag_at(&doc, &["a"]), Some(Tag::Reset));
        assert_eq!(int_at(&doc, &["c"]), Some(1));
        // Nor its key.
        let doc = one("1: !reset null\nc: 1\n");
        assert_eq!(keys(Some(&doc)), ["c"]);
        // Limits still hold.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            let _ = writeln!(text, "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]");
        }
        text.push_str("z: !reset [*a9]\n");
        assert!(err(&text).message.contains("excessive aliasing"));
    }

    #[test]
    fn tags_where_compose_records_them_at_unmatched_paths() {
        // Below a quoted `<<` key (not a merge) and in a merge at the top level,
        // compose-go's paths never match anything: the tags have no effect.
        let doc = one("x:\n  '<<':\n    image: !override a\n    ports: !reset []\n");
        let inner = doc
            .get("x")
            .and_then(|x| x.get("<<"))
            .unwrap_or_else(|| panic!());
        assert_eq!(tag_at(inner, &["image"]), Some(Tag::None));
        assert_eq!(keys(Some(inner)), ["image"]);
        let doc = one("b: &b {image: !override a, ports: !reset []}\n<<: *b\n");
        assert_eq!(tag_at(&doc, &["image"]), Some(Tag::None));
        assert_eq!(keys(Some(&doc)), ["b", "image"]);
        // Merged one level down, the same tags count.
        let doc = one("b: &b {image: !override a, ports: !reset []}\nweb:\n  <<: *b\n");
        assert_eq!(tag_at(&doc, &["web", "image"]), Some(Tag::Override));
    }

    #[test]
    fn merging_an_alias_of_a_list_inside_an_override() {
        // compose-go leaves aliases inside an `!override` value alone, and go-yaml refuses
        // an alias to a list as a merge source.
        let e = err("s: &s [{a: 1}]\nx: !override\n  <<: *s\n");
        assert_eq!(
            e.message,
            "map merge requires map or sequence of maps as the value"
        );
        let doc = one("m: &m {a: 1}\nx: !override\n  <<: *m\n");
        assert_eq!(int_at(&doc, &["x", "a"]), Some(1));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let inputs = [
            "\u{feff}a: 1\n",
            "\0",
            "&a",
            "*",
            "!",
            "? ",
            "- - - -",
            "{",
            "]",
            "%YAML 1.2\n---\na: 1\n",
            "%TAG ! tag:x,2000:\n--- !a b\n",
            "a: !<!> b",
            "a: !!binary \"====\"",
            "a:\r\n  b: 1\r\n",
            "\u{85}\u{2028}\u{2029}",
            "- &a\n- *a\n",
            "...\n...\n",
            "a: 1\n... # end\n--- |\n  text\n",
        ];
        for text in inputs {
            let _ = parse_str("odd.yaml", text);
        }
        assert_eq!(
            one("\u{feff}a: 1\n").get("a").and_then(Node::as_i64),
            Some(1)
        );
        assert_eq!(
            one("a:\r\n  b: 1\r\n")
                .get("a")
                .and_then(|a| a.get("b"))
                .and_then(Node::as_i64),
            Some(1)
        );
    }

    #[test]
    fn non_mapping_documents_are_kept() {
        assert_eq!(one("- 1\n- 2\n").as_seq().map(Vec::len), Some(2));
        assert_eq!(one("hello\n").as_str(), Some("hello"));
    }

    #[test]
    fn plain_resolution_helpers() {
        assert!(is_yaml_style_float("1.5e3"));
        assert!(is_yaml_style_float("-.5"));
        assert!(!is_yaml_style_float("1.5e"));
        assert!(!is_yaml_style_float("."));
        assert!(underscores_ok("1_0.5_5e1_0"));
        assert!(!underscores_ok("1__0"));
        assert!(!underscores_ok("_1"));
        assert!(!underscores_ok("1_.5"));
        assert_eq!(go_parse_uint("0"), Some(0));
        assert_eq!(go_parse_uint("0x"), None);
        assert_eq!(go_parse_int("-0b11"), Some(-3));
        assert_eq!(decode_base64("aGVs\nbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("aGVsbG8"), None);
        assert_eq!(decode_base64("=aGV"), None);
        assert_eq!(path_enter("x.<<".to_owned()), "x");
        assert_eq!(path_enter("<<".to_owned()), "<<");
        assert_eq!(path_next("a", "b.c"), format!("a.b{DOT_IN_KEY}c"));
        assert_eq!(dotted_prefixes("a.b.c").collect::<Vec<_>>(), ["a", "a.b"]);
    }
}
