//! A small evaluator for the Go templates users pass to `--format` (`ps`), over rows given as
//! JSON objects. It covers what people write for container listings, with Go's semantics:
//!
//! - text and actions: `{{.Name}}`, nested fields `{{.Health.Status}}`, the row itself `{{.}}`,
//!   `$` for the row inside `range`/`with`, comments `{{/* ... */}}`, trim markers `{{- -}}`;
//! - literals: `"strings"` (with escapes), `` `raw strings` ``, integers, `true`/`false`/`nil`;
//! - pipelines and calls: `{{.Name | upper}}`, `{{json .}}`, `{{join .Networks ", "}}`,
//!   `{{(index .Labels "key")}}`, parenthesised sub-pipelines;
//! - control: `{{if ...}}{{else if ...}}{{else}}{{end}}`, `{{range .X}}...{{else}}...{{end}}`,
//!   `{{with .X}}...{{end}}`;
//! - functions: the docker CLI's `json`, `split`, `join`, `title`, `lower`, `upper`, `pad`,
//!   `truncate`, and Go's `index`, `len`, `printf` (`%s %v %d %q %t %%`, width and `-`), `print`,
//!   `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `not`, `and`, `or`.
//!
//! Values print as Go prints them: strings bare, arrays `[a b]`, objects `{v1 v2}` (struct
//! style, in field order), missing values `<no value>`.
//!
//! Table headers are rendered by [`Template::render_header`] from a map of field → column
//! title, with the docker CLI's header functions: `json`, `upper`, ... return their argument
//! unchanged, a field missing from the map prints `<no value>`, and an error ends the header
//! where it happened (as the docker CLI ignores header errors after writing what it had).
//!
//! Methods a row provides (`{{.Label "key"}}`, see [`Template::render_with`]) are called with
//! one string argument. Not supported: variable declarations (`$x :=`),
//! `template`/`define`/`block`, `break`/`continue`.

use std::fmt::{self, Write as _};

use serde_json::{Map, Number, Value};

/// A parse or execution error, worded like Go's `text/template`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    source: String,
    nodes: Vec<Node>,
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Action(Pipe),
    If(Pipe, Vec<Node>, Vec<Node>),
    Range(Pipe, Vec<Node>, Vec<Node>),
    With(Pipe, Vec<Node>, Vec<Node>),
}

#[derive(Debug, Clone)]
struct Pipe {
    cmds: Vec<Cmd>,
}

#[derive(Debug, Clone)]
struct Cmd {
    args: Vec<Operand>,
}

#[derive(Debug, Clone)]
struct Operand {
    pos: usize,
    text: String,
    kind: OpKind,
}

#[derive(Debug, Clone)]
enum OpKind {
    Dot,
    Field(Vec<String>),
    Var(Vec<String>),
    Func(String),
    Str(String),
    Num(Number),
    Bool(bool),
    Nil,
    Sub(Pipe),
}

// ---------------------------------------------------------------------------------------------
// Lexing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Dot,
    Field(Vec<String>),
    Var(Vec<String>),
    Ident(String),
    Str(String),
    Num(Number),
    LParen,
    RParen,
    Pipe,
    Other(char),
}

#[derive(Debug)]
enum Seg {
    Text(String),
    Action(Vec<(usize, usize, Tok)>, usize),
}

fn line_of(src: &str, pos: usize) -> usize {
    1 + src.get(..pos).map_or(0, |s| s.matches('\n').count())
}

fn parse_err(src: &str, pos: usize, msg: &str) -> TemplateError {
    TemplateError(format!("template: :{}: {msg}", line_of(src, pos)))
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn lex(src: &str) -> Result<Vec<Seg>, TemplateError> {
    let mut segs = Vec::new();
    let mut i = 0usize;
    let mut trim_next = false;
    while i <= src.len() {
        let rest = src.get(i..).unwrap_or("");
        let Some(open) = rest.find("{{") else {
            let text = if trim_next { rest.trim_start() } else { rest };
            if !text.is_empty() {
                segs.push(Seg::Text(text.to_string()));
            }
            break;
        };
        let start = i + open;
        let mut text = src.get(i..start).unwrap_or("");
        if trim_next {
            text = text.trim_start();
        }
        let mut j = start + 2;
        let after = src.get(j..).unwrap_or("");
        if after.starts_with('-') && after[1..].starts_with(|c: char| c.is_ascii_whitespace()) {
            text = text.trim_end();
            j += 1;
        }
        if !text.is_empty() {
            segs.push(Seg::Text(text.to_string()));
        }
        // Comments.
        let inner = src.get(j..).unwrap_or("");
        let lead = inner.len() - inner.trim_start().len();
        if inner.trim_start().starts_with("/*") {
            let from = j + lead;
            let Some(close) = src.get(from..).and_then(|s| s.find("*/")) else {
                return Err(parse_err(src, start, "unclosed comment"));
            };
            let mut k = from + close + 2;
            let tail = src.get(k..).unwrap_or("");
            let (trim, skip) = if tail.starts_with(" -}}") {
                (true, 4)
            } else if tail.starts_with("}}") {
                (false, 2)
            } else {
                return Err(parse_err(src, start, "comment ends before closing delimiter"));
            };
            k += skip;
            trim_next = trim;
            i = k;
            continue;
        }
        let (toks, end, trim) = lex_action(src, j)?;
        segs.push(Seg::Action(toks, start));
        trim_next = trim;
        i = end;
    }
    Ok(segs)
}

/// Lexes one action starting at `pos` (after `{{` and any trim marker); returns the tokens,
/// the position after `}}`, and whether a right trim marker was present.
#[allow(clippy::type_complexity)]
fn lex_action(src: &str, mut pos: usize) -> Result<(Vec<(usize, usize, Tok)>, usize, bool), TemplateError> {
    let mut toks = Vec::new();
    loop {
        let rest = src.get(pos..).unwrap_or("");
        let Some(c) = rest.chars().next() else {
            return Err(parse_err(src, pos, "unclosed action"));
        };
        if c.is_whitespace() {
            let trimmed = rest.trim_start();
            if trimmed.starts_with("-}}") {
                let end = pos + (rest.len() - trimmed.len()) + 3;
                return Ok((toks, end, true));
            }
            pos += c.len_utf8();
            continue;
        }
        if rest.starts_with("}}") {
            return Ok((toks, pos + 2, false));
        }
        let start = pos;
        let tok = match c {
            '(' => {
                pos += 1;
                Tok::LParen
            }
            ')' => {
                pos += 1;
                Tok::RParen
            }
            '|' => {
                pos += 1;
                Tok::Pipe
            }
            '"' => {
                let (s, len) = lex_quoted(src, pos)?;
                pos += len;
                Tok::Str(s)
            }
            '`' => {
                let Some(close) = rest.get(1..).and_then(|r| r.find('`')) else {
                    return Err(parse_err(src, pos, "unterminated raw quoted string"));
                };
                pos += close + 2;
                Tok::Str(rest.get(1..=close).unwrap_or("").to_string())
            }
            '.' => {
                let (path, len) = lex_path(rest);
                pos += len;
                if path.is_empty() {
                    Tok::Dot
                } else {
                    Tok::Field(path)
                }
            }
            '$' => {
                let name_len = rest[1..].find(|ch: char| !is_ident_char(ch)).unwrap_or(rest.len() - 1);
                if name_len > 0 {
                    return Err(parse_err(src, pos, "variables other than $ are not supported"));
                }
                let (path, len) = lex_path(rest.get(1..).unwrap_or(""));
                pos += 1 + len;
                Tok::Var(path)
            }
            c if c.is_ascii_digit() || ((c == '-' || c == '+') && rest[1..].starts_with(|d: char| d.is_ascii_digit())) => {
                let len = rest[1..].find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '.')).map_or(rest.len(), |l| l + 1);
                let lit = rest.get(..len).unwrap_or("");
                let num = lit
                    .parse::<i64>()
                    .ok()
                    .map(Number::from)
                    .or_else(|| lit.parse::<f64>().ok().and_then(Number::from_f64))
                    .ok_or_else(|| parse_err(src, pos, &format!("bad number syntax: {lit:?}")))?;
                pos += len;
                Tok::Num(num)
            }
            c if is_ident_start(c) => {
                let len = rest.find(|ch: char| !is_ident_char(ch)).unwrap_or(rest.len());
                pos += len;
                Tok::Ident(rest.get(..len).unwrap_or("").to_string())
            }
            other => {
                pos += other.len_utf8();
                Tok::Other(other)
            }
        };
        toks.push((start, pos, tok));
    }
}

/// `.A.B` gives the names `A`, `B` and the length read; a lone `.` gives no names and length 1.
fn lex_path(s: &str) -> (Vec<String>, usize) {
    let mut path = Vec::new();
    let mut len = 0usize;
    loop {
        let rest = s.get(len..).unwrap_or("");
        if !rest.starts_with('.') {
            break;
        }
        let name_len = rest[1..].find(|c: char| !is_ident_char(c)).unwrap_or(rest.len() - 1);
        if name_len == 0 || !rest[1..].starts_with(is_ident_start) {
            if path.is_empty() {
                len += 1;
            }
            break;
        }
        path.push(rest[1..=name_len].to_string());
        len += 1 + name_len;
    }
    (path, len)
}

/// A Go interpreted string literal at `pos`; returns its value and length in the source.
fn lex_quoted(src: &str, pos: usize) -> Result<(String, usize), TemplateError> {
    let body = src.get(pos + 1..).unwrap_or("");
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 2)),
            '\n' => break,
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = chars.by_ref().take(n).map(|(_, h)| h).collect();
                        let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                        match ch {
                            Some(ch) if hex.len() == n => out.push(ch),
                            _ => return Err(parse_err(src, pos, "invalid syntax in quoted string")),
                        }
                    }
                    _ => return Err(parse_err(src, pos, "invalid syntax in quoted string")),
                }
            }
            c => out.push(c),
        }
    }
    Err(parse_err(src, pos, "unterminated quoted string"))
}

// ---------------------------------------------------------------------------------------------
// Parsing

enum Closer {
    Eof,
    End,
    Else(Option<Pipe>),
}

struct Parser<'a> {
    src: &'a str,
    segs: Vec<Seg>,
    at: usize,
}

impl Parser<'_> {
    fn list(&mut self) -> Result<(Vec<Node>, Closer), TemplateError> {
        let mut nodes = Vec::new();
        while let Some(seg) = self.segs.get_mut(self.at) {
            self.at += 1;
            let (toks, start) = match seg {
                Seg::Text(t) => {
                    nodes.push(Node::Text(std::mem::take(t)));
                    continue;
                }
                Seg::Action(toks, start) => (std::mem::take(toks), *start),
            };
            let keyword = match toks.first() {
                Some((_, _, Tok::Ident(k))) => k.as_str(),
                _ => "",
            };
            match keyword {
                "end" => {
                    if toks.len() > 1 {
                        return Err(parse_err(self.src, start, "unexpected tokens after end"));
                    }
                    return Ok((nodes, Closer::End));
                }
                "else" => {
                    let rest = toks.get(1..).unwrap_or(&[]);
                    if rest.is_empty() {
                        return Ok((nodes, Closer::Else(None)));
                    }
                    if !matches!(rest.first(), Some((_, _, Tok::Ident(k))) if k == "if") {
                        return Err(parse_err(self.src, start, "unexpected tokens after else"));
                    }
                    let pipe = self.pipe_of(rest.get(1..).unwrap_or(&[]), start)?;
                    return Ok((nodes, Closer::Else(Some(pipe))));
                }
                "if" | "range" | "with" => {
                    let pipe = self.pipe_of(toks.get(1..).unwrap_or(&[]), start)?;
                    let node = self.control(keyword, pipe, start)?;
                    nodes.push(node);
                }
                "define" | "template" | "block" | "break" | "continue" => {
                    return Err(parse_err(self.src, start, &format!("{keyword:?} is not supported")));
                }
                _ => {
                    let pipe = self.pipe_of(&toks, start)?;
                    nodes.push(Node::Action(pipe));
                }
            }
        }
        Ok((nodes, Closer::Eof))
    }

    fn control(&mut self, keyword: &str, pipe: Pipe, start: usize) -> Result<Node, TemplateError> {
        let (body, end) = self.list()?;
        let els = match end {
            Closer::Eof => return Err(parse_err(self.src, start, &format!("unexpected EOF in {keyword}"))),
            Closer::End => Vec::new(),
            Closer::Else(None) => match self.list()? {
                (els, Closer::End) => els,
                _ => return Err(parse_err(self.src, start, &format!("expected end of {keyword}"))),
            },
            Closer::Else(Some(cond)) => {
                if keyword != "if" {
                    return Err(parse_err(self.src, start, "else if is only allowed in if"));
                }
                // `{{else if x}}` is an `if` nested in the else branch sharing our `end`.
                vec![self.control("if", cond, start)?]
            }
        };
        Ok(match keyword {
            "if" => Node::If(pipe, body, els),
            "range" => Node::Range(pipe, body, els),
            _ => Node::With(pipe, body, els),
        })
    }

    fn pipe_of(&self, toks: &[(usize, usize, Tok)], start: usize) -> Result<Pipe, TemplateError> {
        let mut i = 0usize;
        let pipe = self.pipe(toks, &mut i, start)?;
        if let Some((p, _, t)) = toks.get(i) {
            return Err(parse_err(self.src, *p, &format!("unexpected {t:?} in command")));
        }
        Ok(pipe)
    }

    fn pipe(&self, toks: &[(usize, usize, Tok)], i: &mut usize, start: usize) -> Result<Pipe, TemplateError> {
        let mut cmds = Vec::new();
        loop {
            let mut args = Vec::new();
            while let Some((p, e, t)) = toks.get(*i) {
                let text = self.src.get(*p..*e).unwrap_or("").to_string();
                let kind = match t {
                    Tok::Pipe | Tok::RParen => break,
                    Tok::Dot => OpKind::Dot,
                    Tok::Field(f) => OpKind::Field(f.clone()),
                    Tok::Var(f) => OpKind::Var(f.clone()),
                    Tok::Str(s) => OpKind::Str(s.clone()),
                    Tok::Num(n) => OpKind::Num(n.clone()),
                    Tok::Ident(id) => match id.as_str() {
                        "true" => OpKind::Bool(true),
                        "false" => OpKind::Bool(false),
                        "nil" => OpKind::Nil,
                        _ if FUNCS.contains(&id.as_str()) => OpKind::Func(id.clone()),
                        _ => return Err(parse_err(self.src, *p, &format!("function {id:?} not defined"))),
                    },
                    Tok::LParen => {
                        *i += 1;
                        let sub = self.pipe(toks, i, *p)?;
                        match toks.get(*i) {
                            Some((_, close, Tok::RParen)) => {
                                let text = self.src.get(*p..*close).unwrap_or("").to_string();
                                args.push(Operand { pos: *p, text, kind: OpKind::Sub(sub) });
                                *i += 1;
                                continue;
                            }
                            _ => return Err(parse_err(self.src, *p, "unclosed left paren")),
                        }
                    }
                    Tok::Other(c) => {
                        return Err(parse_err(self.src, *p, &format!("unexpected {c:?} in operand")));
                    }
                };
                args.push(Operand { pos: *p, text, kind });
                *i += 1;
            }
            if args.is_empty() {
                return Err(parse_err(self.src, start, "missing value for command"));
            }
            // Arguments after a field or a literal are an execution error, as in Go.
            cmds.push(Cmd { args });
            match toks.get(*i) {
                Some((_, _, Tok::Pipe)) => *i += 1,
                _ => return Ok(Pipe { cmds }),
            }
        }
    }
}

const FUNCS: &[&str] = &[
    "json", "split", "join", "title", "lower", "upper", "pad", "truncate", "index", "len", "printf", "print",
    "eq", "ne", "lt", "le", "gt", "ge", "not", "and", "or",
];

// ---------------------------------------------------------------------------------------------
// Execution

/// What `.` is in a header: titles by field name.
struct Ctx<'a> {
    src: &'a str,
    root: &'a Value,
    header: bool,
    /// The row's one-argument methods (`.Label "key"`), each a lookup table.
    methods: Option<&'a Map<String, Value>>,
}

/// A value during execution; `None` is Go's "invalid" value (a missing map key).
type Val = Option<Value>;

impl Template {
    /// Parses a template.
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let segs = lex(source)?;
        let mut p = Parser { src: source, segs, at: 0 };
        let (nodes, end) = p.list()?;
        match end {
            Closer::Eof => Ok(Template { source: source.to_string(), nodes }),
            Closer::End => Err(parse_err(source, source.len(), "unexpected {{end}}")),
            Closer::Else(_) => Err(parse_err(source, source.len(), "unexpected {{else}}")),
        }
    }

    /// Runs the template on one row.
    #[cfg(test)]
    pub fn render(&self, row: &Value) -> Result<String, TemplateError> {
        self.render_with(row, None)
    }

    /// Runs the template on one row that also has methods: `methods` maps a method name to
    /// the table its single string argument is looked up in, as the docker CLI's
    /// `{{.Label "key"}}` reads a container's labels (a missing key gives "").
    pub fn render_with(&self, row: &Value, methods: Option<&Map<String, Value>>) -> Result<String, TemplateError> {
        let ctx = Ctx { src: &self.source, root: row, header: false, methods };
        let mut out = String::new();
        ctx.nodes(&self.nodes, row, &mut out)?;
        Ok(out)
    }

    /// Renders the header row from field → title pairs; stops quietly at the first error.
    pub fn render_header<'a, I>(&self, titles: I) -> String
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let map: Map<String, Value> =
            titles.into_iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
        let root = Value::Object(map);
        let ctx = Ctx { src: &self.source, root: &root, header: true, methods: None };
        let mut out = String::new();
        let _ = ctx.nodes(&self.nodes, &root, &mut out);
        out
    }
}

impl Ctx<'_> {
    fn exec_err(&self, op: &Operand, msg: &str) -> TemplateError {
        let line = line_of(self.src, op.pos);
        let line_start = self.src.get(..op.pos).and_then(|s| s.rfind('\n')).map_or(0, |i| i + 1);
        let col = op.pos.saturating_sub(line_start);
        TemplateError(format!("template: :{line}:{col}: executing \"\" at <{}>: {msg}", op.text))
    }

    fn nodes(&self, nodes: &[Node], dot: &Value, out: &mut String) -> Result<(), TemplateError> {
        for n in nodes {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Action(p) => {
                    let v = self.pipe(p, dot)?;
                    print_value(v.as_ref(), out);
                }
                Node::If(p, then, els) => {
                    let v = self.pipe(p, dot)?;
                    self.nodes(if truthy(v.as_ref()) { then } else { els }, dot, out)?;
                }
                Node::With(p, body, els) => {
                    let v = self.pipe(p, dot)?;
                    match v {
                        Some(v) if truthy(Some(&v)) => self.nodes(body, &v, out)?,
                        _ => self.nodes(els, dot, out)?,
                    }
                }
                Node::Range(p, body, els) => {
                    let v = self.pipe(p, dot)?;
                    let items: Vec<Value> = match v {
                        Some(Value::Array(a)) => a,
                        Some(Value::Object(o)) => {
                            // Go ranges over maps in key order.
                            let mut entries: Vec<(String, Value)> = o.into_iter().collect();
                            entries.sort_by(|a, b| a.0.cmp(&b.0));
                            entries.into_iter().map(|(_, v)| v).collect()
                        }
                        Some(Value::Number(n)) if n.as_u64().is_some() => {
                            (0..n.as_u64().unwrap_or(0)).map(Value::from).collect()
                        }
                        None | Some(Value::Null) => Vec::new(),
                        Some(other) => {
                            let op = first_operand(p);
                            return Err(self.exec_err(&op, &format!("range can't iterate over {}", go_string(&other))));
                        }
                    };
                    if items.is_empty() {
                        self.nodes(els, dot, out)?;
                    }
                    for item in &items {
                        self.nodes(body, item, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn pipe(&self, p: &Pipe, dot: &Value) -> Result<Val, TemplateError> {
        let mut last: Option<Val> = None;
        for c in &p.cmds {
            last = Some(self.cmd(c, dot, last)?);
        }
        Ok(last.unwrap_or(None))
    }

    fn cmd(&self, c: &Cmd, dot: &Value, piped: Option<Val>) -> Result<Val, TemplateError> {
        let Some(first) = c.args.first() else { return Ok(None) };
        if let Some((name, table)) = self.method(first) {
            let mut args = Vec::with_capacity(c.args.len());
            for a in c.args.get(1..).unwrap_or(&[]) {
                args.push(self.operand(a, dot)?);
            }
            if let Some(v) = piped {
                args.push(v);
            }
            return self.call_method(first, name, table, &args);
        }
        if let OpKind::Func(name) = &first.kind {
            let mut args = Vec::with_capacity(c.args.len());
            for a in c.args.get(1..).unwrap_or(&[]) {
                args.push(self.operand(a, dot)?);
            }
            if let Some(v) = piped {
                args.push(v);
            }
            return self.call(first, name, &args);
        }
        let given = c.args.len().saturating_sub(1) + usize::from(piped.is_some());
        if given > 0 {
            // Every field of a docker CLI row is a method without arguments.
            return Err(match &first.kind {
                OpKind::Field(path) | OpKind::Var(path) if !path.is_empty() => {
                    let name = path.last().map_or("", String::as_str);
                    self.exec_err(first, &format!("wrong number of args for {name}: want 0 got {given}"))
                }
                _ => self.exec_err(first, &format!("can't give argument to non-function {}", first.text)),
            });
        }
        self.operand(first, dot)
    }

    /// The method `op` names (`.Label`), when the row has one by that name.
    fn method<'o>(&'o self, op: &'o Operand) -> Option<(&'o str, &'o Value)> {
        let OpKind::Field(path) = &op.kind else { return None };
        let [name] = path.as_slice() else { return None };
        self.methods?.get(name).map(|table| (name.as_str(), table))
    }

    fn call_method(&self, op: &Operand, name: &str, table: &Value, args: &[Val]) -> Result<Val, TemplateError> {
        let [arg] = args else {
            return Err(self.exec_err(op, &format!("wrong number of args for {name}: want 1 got {}", args.len())));
        };
        match arg {
            Some(Value::String(key)) => {
                Ok(Some(table.get(key).cloned().unwrap_or_else(|| Value::String(String::new()))))
            }
            Some(other) => Err(self.exec_err(
                op,
                &format!("wrong type for value; expected string; got {}", go_type(other)),
            )),
            None => Err(self.exec_err(op, "invalid value; expected string")),
        }
    }

    fn operand(&self, op: &Operand, dot: &Value) -> Result<Val, TemplateError> {
        if let Some((name, table)) = self.method(op) {
            return self.call_method(op, name, table, &[]);
        }
        match &op.kind {
            OpKind::Dot => Ok(Some(dot.clone())),
            OpKind::Field(path) => self.field(op, dot, path),
            OpKind::Var(path) => self.field(op, self.root, path),
            OpKind::Str(s) => Ok(Some(Value::String(s.clone()))),
            OpKind::Num(n) => Ok(Some(Value::Number(n.clone()))),
            OpKind::Bool(b) => Ok(Some(Value::Bool(*b))),
            OpKind::Nil => Ok(Some(Value::Null)),
            OpKind::Sub(p) => self.pipe(p, dot),
            OpKind::Func(name) => self.call(op, name, &[]),
        }
    }

    fn field(&self, op: &Operand, from: &Value, path: &[String]) -> Result<Val, TemplateError> {
        let mut cur = from;
        for name in path {
            match cur {
                Value::Object(m) => match m.get(name) {
                    Some(v) => cur = v,
                    None if self.header => return Ok(None),
                    None => return Err(self.exec_err(op, &format!("can't evaluate field {name}"))),
                },
                Value::Null => {
                    return Err(self.exec_err(op, &format!("nil pointer evaluating interface {{}}.{name}")));
                }
                other => {
                    return Err(self.exec_err(
                        op,
                        &format!("can't evaluate field {name} in type {}", go_type(other)),
                    ));
                }
            }
        }
        Ok(Some(cur.clone()))
    }

    fn call(&self, op: &Operand, name: &str, args: &[Val]) -> Result<Val, TemplateError> {
        let arity = |n: usize| -> Result<(), TemplateError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(self.exec_err(op, &format!("wrong number of args for {name}: want {n} got {}", args.len())))
            }
        };
        let string_arg = |v: &Val| -> Result<String, TemplateError> {
            match v {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(other) => Err(self.exec_err(
                    op,
                    &format!("wrong type for value; expected string; got {}", go_type(other)),
                )),
                None => Err(self.exec_err(op, "invalid value; expected string")),
            }
        };
        let int_arg = |v: &Val| -> Result<i64, TemplateError> {
            match v {
                Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64().unwrap_or(0)),
                Some(other) => {
                    Err(self.exec_err(op, &format!("wrong type for value; expected int; got {}", go_type(other))))
                }
                None => Err(self.exec_err(op, "invalid value; expected int")),
            }
        };
        // The docker CLI swaps these for identity functions when it renders table headers.
        if self.header && matches!(name, "json" | "split" | "join" | "title" | "lower" | "upper" | "truncate") {
            let want = if matches!(name, "split" | "join" | "truncate") { 2 } else { 1 };
            arity(want)?;
            let s = string_arg(args.first().unwrap_or(&None))?;
            return Ok(Some(Value::String(s)));
        }
        let arg = |i: usize| args.get(i).cloned().unwrap_or(None);
        match name {
            "json" => {
                arity(1)?;
                let value = arg(0).unwrap_or(Value::Null);
                // The row itself is the docker CLI's formatting context, whose `MarshalJSON`
                // uses `json.Marshal` and so escapes `<`, `>` and `&` (`{{json .}}` prints
                // `-\u003e` in the ports); its fields go through the unescaped encoder.
                let text = go_json_escaping(&value, value == *self.root);
                Ok(Some(Value::String(text)))
            }
            "upper" | "lower" | "title" => {
                arity(1)?;
                let s = string_arg(&arg(0))?;
                Ok(Some(Value::String(match name {
                    "upper" => s.to_uppercase(),
                    "lower" => s.to_lowercase(),
                    _ => go_title(&s),
                })))
            }
            "split" => {
                arity(2)?;
                let (s, sep) = (string_arg(&arg(0))?, string_arg(&arg(1))?);
                let parts: Vec<Value> = if sep.is_empty() {
                    s.chars().map(|c| Value::String(c.to_string())).collect()
                } else {
                    s.split(sep.as_str()).map(|p| Value::String(p.to_string())).collect()
                };
                Ok(Some(Value::Array(parts)))
            }
            "join" => {
                arity(2)?;
                let sep = string_arg(&arg(1))?;
                let items = match arg(0) {
                    Some(Value::Array(a)) => a,
                    Some(Value::Null) => Vec::new(),
                    Some(other) => {
                        return Err(self.exec_err(
                            op,
                            &format!("wrong type for value; expected []string; got {}", go_type(&other)),
                        ))
                    }
                    None => return Err(self.exec_err(op, "invalid value; expected []string")),
                };
                let parts: Vec<String> = items.iter().map(go_string).collect();
                Ok(Some(Value::String(parts.join(&sep))))
            }
            "pad" => {
                arity(3)?;
                let s = string_arg(&arg(0))?;
                let (pre, post) = (int_arg(&arg(1))?, int_arg(&arg(2))?);
                if s.is_empty() {
                    return Ok(Some(Value::String(s)));
                }
                let pre = " ".repeat(usize::try_from(pre).unwrap_or(0));
                let post = " ".repeat(usize::try_from(post).unwrap_or(0));
                Ok(Some(Value::String(format!("{pre}{s}{post}"))))
            }
            "truncate" => {
                arity(2)?;
                let s = string_arg(&arg(0))?;
                let n = usize::try_from(int_arg(&arg(1))?).unwrap_or(0);
                Ok(Some(Value::String(if s.len() < n { s } else { s.chars().take(n).collect() })))
            }
            "index" => {
                let Some(first) = args.first() else {
                    return Err(self.exec_err(op, "wrong number of args for index: want at least 1 got 0"));
                };
                let mut cur = first.clone();
                for key in args.get(1..).unwrap_or(&[]) {
                    cur = match (cur, key) {
                        (Some(Value::Object(m)), Some(Value::String(k))) => {
                            Some(m.get(k).cloned().unwrap_or(Value::String(String::new())))
                        }
                        (Some(Value::Array(a)), Some(Value::Number(n))) => {
                            let i = n.as_u64().and_then(|i| usize::try_from(i).ok());
                            match i.and_then(|i| a.get(i)) {
                                Some(v) => Some(v.clone()),
                                None => return Err(self.exec_err(op, &format!("error calling index: index out of range: {n}"))),
                            }
                        }
                        (Some(Value::Null) | None, _) => return Err(self.exec_err(op, "error calling index: index of untyped nil")),
                        (Some(other), _) => {
                            return Err(self.exec_err(op, &format!("error calling index: can't index item of type {}", go_type(&other))));
                        }
                    };
                }
                Ok(cur)
            }
            "len" => {
                arity(1)?;
                let n = match arg(0) {
                    Some(Value::String(s)) => s.len(),
                    Some(Value::Array(a)) => a.len(),
                    Some(Value::Object(o)) => o.len(),
                    Some(other) => return Err(self.exec_err(op, &format!("error calling len: len of type {}", go_type(&other)))),
                    None => return Err(self.exec_err(op, "error calling len: len of nil pointer")),
                };
                Ok(Some(Value::from(n)))
            }
            "printf" => {
                let Some(fmt) = args.first() else {
                    return Err(self.exec_err(op, "wrong number of args for printf: want at least 1 got 0"));
                };
                let fmt = string_arg(fmt)?;
                Ok(Some(Value::String(go_sprintf(&fmt, args.get(1..).unwrap_or(&[])))))
            }
            "print" => {
                let mut out = String::new();
                let mut prev_string = true;
                for (i, a) in args.iter().enumerate() {
                    let is_string = matches!(a, Some(Value::String(_)));
                    if i > 0 && !is_string && !prev_string {
                        out.push(' ');
                    }
                    print_value(a.as_ref(), &mut out);
                    prev_string = is_string;
                }
                Ok(Some(Value::String(out)))
            }
            "not" => {
                arity(1)?;
                Ok(Some(Value::Bool(!truthy(arg(0).as_ref()))))
            }
            "and" | "or" => {
                if args.is_empty() {
                    return Err(self.exec_err(op, &format!("wrong number of args for {name}: want at least 1 got 0")));
                }
                let want = name == "or";
                for a in args {
                    if truthy(a.as_ref()) == want {
                        return Ok(a.clone());
                    }
                }
                Ok(args.last().cloned().unwrap_or(None))
            }
            "eq" | "ne" => {
                if args.len() < 2 {
                    return Err(self.exec_err(op, &format!("wrong number of args for {name}: want 2 got {}", args.len())));
                }
                let a = arg(0);
                let any = args.get(1..).unwrap_or(&[]).iter().any(|b| values_equal(a.as_ref(), b.as_ref()));
                Ok(Some(Value::Bool(if name == "eq" { any } else { !any })))
            }
            "lt" | "le" | "gt" | "ge" => {
                arity(2)?;
                let ord = compare(arg(0).as_ref(), arg(1).as_ref())
                    .ok_or_else(|| self.exec_err(op, &format!("error calling {name}: incompatible types for comparison")))?;
                let r = match name {
                    "lt" => ord.is_lt(),
                    "le" => ord.is_le(),
                    "gt" => ord.is_gt(),
                    _ => ord.is_ge(),
                };
                Ok(Some(Value::Bool(r)))
            }
            other => Err(self.exec_err(op, &format!("function {other:?} not defined"))),
        }
    }
}

fn first_operand(p: &Pipe) -> Operand {
    p.cmds
        .first()
        .and_then(|c| c.args.first())
        .cloned()
        .unwrap_or(Operand { pos: 0, text: String::new(), kind: OpKind::Nil })
}

/// Go's notion of truth: false, 0, nil, and empty strings, arrays and maps are false.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

fn values_equal(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        (x, y) => x == y,
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Option<std::cmp::Ordering> {
    match (a?, b?) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The Go type name used in error messages.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// Prints a value as a template action does.
fn print_value(v: Option<&Value>, out: &mut String) {
    match v {
        None | Some(Value::Null) => out.push_str("<no value>"),
        Some(v) => go_fmt(v, out),
    }
}

/// `%v` of a value.
fn go_string(v: &Value) -> String {
    let mut s = String::new();
    go_fmt(v, &mut s);
    s
}

fn go_fmt(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => out.push_str(s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                go_fmt(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, x) in o.values().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                go_fmt(x, out);
            }
            out.push('}');
        }
    }
}

/// JSON as the docker CLI's `json` function writes it: compact, no HTML escaping, and the two
/// line separators escaped as Go always does.
pub fn go_json(v: &Value) -> String {
    go_json_escaping(v, false)
}

/// JSON text as Go's `encoding/json` writes it: compact, and with `escape_html` the
/// characters `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`. U+2028 and U+2029 are
/// always escaped.
pub fn go_json_escaping(value: &Value, escape_html: bool) -> String {
    let s = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' if escape_html => out.push_str("\\u003c"),
            '>' if escape_html => out.push_str("\\u003e"),
            '&' if escape_html => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `strings.Title`: upper-cases the first letter of every word.
fn go_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_letter = false;
    for c in s.chars() {
        if !prev_letter && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_letter = c.is_alphanumeric() || c == '_' || c == '\'';
    }
    out
}

/// A subset of Go's `fmt.Sprintf`: verbs `s v d q t %`, flag `-`, width.
fn go_sprintf(fmt: &str, args: &[Val]) -> String {
    let mut out = String::new();
    let mut next = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut left = false;
        while chars.peek() == Some(&'-') {
            left = true;
            chars.next();
        }
        let mut width = 0usize;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            width = width.saturating_mul(10).saturating_add(d as usize);
            chars.next();
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        next += 1;
        let text = match (verb, arg) {
            ('q', Some(Value::String(s))) => super::warning::go_quote(s),
            ('d', Some(Value::Number(n))) if n.is_i64() || n.is_u64() => n.to_string(),
            ('t', Some(Value::Bool(b))) => b.to_string(),
            ('s' | 'v', v) => {
                let mut s = String::new();
                print_value(v.as_ref(), &mut s);
                s
            }
            (verb, v) => {
                let mut s = String::new();
                print_value(v.as_ref(), &mut s);
                format!("%!{verb}({s})")
            }
        };
        let pad = width.saturating_sub(text.chars().count());
        if left {
            out.push_str(&text);
            super::style::push_spaces(&mut out, pad);
        } else {
            super::style::push_spaces(&mut out, pad);
            out.push_str(&text);
        }
    }
    if next < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args.get(next..).unwrap_or(&[]).iter().map(|a| {
            let mut s = String::new();
            print_value(a.as_ref(), &mut s);
            s
        }).collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row() -> Value {
        json!({
            "Name": "lab-web-1",
            "Service": "web",
            "State": "running",
            "ExitCode": 0,
            "Health": "",
            "Publishers": [
                {"URL": "0.0.0.0", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"}
            ],
            "Networks": ["lab_default", "other"],
            "Labels": {"com.docker.compose.project": "lab", "b": "x"},
            "Size": null
        })
    }

    fn r(t: &str) -> String {
        Template::parse(t).unwrap().render(&row()).unwrap()
    }

    fn err(t: &str) -> String {
        match Template::parse(t) {
            Ok(tpl) => tpl.render(&row()).unwrap_err().0,
            Err(e) => e.0,
        }
    }

    #[test]
    fn fields_and_text() {
        assert_eq!(r("{{.Name}}"), "lab-web-1");
        assert_eq!(r("{{.Service}}\t{{.State}}"), "web\trunning");
        assert_eq!(r("name={{ .Name }} code={{.ExitCode}}"), "name=lab-web-1 code=0");
        assert_eq!(r("{{.Labels.b}}"), "x");
        assert_eq!(r("{{.Size}}"), "<no value>");
    }

    #[test]
    fn go_printing() {
        assert_eq!(r("{{.Publishers}}"), "[{0.0.0.0 80 8080 tcp}]");
        assert_eq!(r("{{.Networks}}"), "[lab_default other]");
    }

    #[test]
    fn json_forms() {
        assert_eq!(r("{{json .Networks}}"), r#"["lab_default","other"]"#);
        assert_eq!(r("{{.State | json}}"), r#""running""#);
        assert_eq!(r("{{json .Size}}"), "null");
        assert_eq!(
            Template::parse("{{json .}}").unwrap().render(&json!({"A": "<&>", "B": 1})).unwrap(),
            r#"{"A":"\u003c\u0026\u003e","B":1}"#
        );
        assert_eq!(Template::parse("{{json .A}}").unwrap().render(&json!({"A": "<&>"})).unwrap(), r#""<&>""#);
    }

    #[test]
    fn functions() {
        assert_eq!(r("{{upper .Service}}"), "WEB");
        assert_eq!(r("{{.Service | upper | lower}}"), "web");
        assert_eq!(r("{{title \"hello wide world\"}}"), "Hello Wide World");
        assert_eq!(r("{{join .Networks \", \"}}"), "lab_default, other");
        assert_eq!(r("{{split .Name \"-\"}}"), "[lab web 1]");
        assert_eq!(r("{{index (split .Name \"-\") 1}}"), "web");
        assert_eq!(r("{{truncate .Name 3}}"), "lab");
        assert_eq!(r("[{{pad .Service 1 2}}][{{pad .Health 1 2}}]"), "[ web  ][]");
        assert_eq!(r("{{index .Labels \"com.docker.compose.project\"}}"), "lab");
        assert_eq!(r("{{len .Networks}}"), "2");
        assert_eq!(r("{{printf \"%-6s|%3d|%q\" .Service .ExitCode .State}}"), "web   |  0|\"running\"");
        assert_eq!(r("{{print .Service .ExitCode 1}}"), "web0 1");
    }

    #[test]
    fn control_flow() {
        assert_eq!(r("{{if eq .State \"running\"}}up{{else}}down{{end}}"), "up");
        assert_eq!(r("{{if .Health}}h{{else if .ExitCode}}c{{else}}none{{end}}"), "none");
        assert_eq!(r("{{if and .Name (not .Health)}}y{{end}}"), "y");
        assert_eq!(
            r("{{range .Publishers}}{{.URL}}:{{.PublishedPort}}->{{.TargetPort}}/{{.Protocol}} {{end}}"),
            "0.0.0.0:8080->80/tcp "
        );
        assert_eq!(r("{{range .Networks}}{{.}}={{$.Service}};{{end}}"), "lab_default=web;other=web;");
        assert_eq!(r("{{range .Size}}x{{else}}empty{{end}}"), "empty");
        assert_eq!(r("{{with .Labels}}{{.b}}{{end}}"), "x");
        assert_eq!(r("{{if gt .ExitCode 0}}failed{{else}}ok{{end}}"), "ok");
    }

    #[test]
    fn trim_markers_and_comments() {
        assert_eq!(r("a  {{- .Service -}}  b"), "awebb");
        assert_eq!(r("a {{/* note */}}b"), "a b");
        assert_eq!(r("{{- /* x */ -}} c"), "c");
        assert_eq!(r("{{-3}}"), "-3");
    }

    #[test]
    fn errors_read_like_go() {
        assert_eq!(
            err("{{.Name}}\t{{.Foo}}"),
            "template: :1:12: executing \"\" at <.Foo>: can't evaluate field Foo"
        );
        assert_eq!(err("{{.Name.X}}"), "template: :1:2: executing \"\" at <.Name.X>: can't evaluate field X in type string");
        assert_eq!(err("{{nope .Name}}"), "template: :1: function \"nope\" not defined");
        assert_eq!(err("{{if .Name}}x"), "template: :1: unexpected EOF in if");
        assert_eq!(err("{{.Name"), "template: :1: unclosed action");
        assert_eq!(err("{{upper .ExitCode}}"), "template: :1:2: executing \"\" at <upper>: wrong type for value; expected string; got int");
        assert!(err("{{end}}").contains("unexpected {{end}}"));
    }

    #[test]
    fn headers_use_titles_and_identity_functions() {
        let titles = [("Name", "NAME"), ("Image", "IMAGE"), ("State", "STATE")];
        let h = |t: &str| Template::parse(t).unwrap().render_header(titles.iter().map(|(a, b)| (*a, *b)));
        assert_eq!(h("{{.Name}}\t{{.Image}}"), "NAME\tIMAGE");
        assert_eq!(h("{{.Name}}\t{{json .State}}\t{{upper .Name}}"), "NAME\tSTATE\tNAME");
        assert_eq!(h("{{.Name}}\t{{.Publishers}}"), "NAME\t<no value>");
        // An error stops the header where it happened.
        assert_eq!(h("{{.Name}}\t{{json .Publishers}}\t{{.Image}}"), "NAME\t");
    }

    #[test]
    fn label_method_reads_its_table() {
        let row = serde_json::json!({"Name": "web-1", "Labels": "a=1"});
        let mut methods = Map::new();
        methods.insert("Label".into(), serde_json::json!({"a": "1,2", "b": "x"}));
        let r = |src: &str| Template::parse(src).unwrap().render_with(&row, Some(&methods));
        assert_eq!(r("{{.Label \"a\"}}|{{.Label \"nope\"}}|{{\"b\" | .Label}}").unwrap(), "1,2||x");
        assert_eq!(
            r("{{.Label}}").unwrap_err().to_string(),
            "template: :1:2: executing \"\" at <.Label>: wrong number of args for Label: want 1 got 0"
        );
        assert_eq!(
            r("{{.Label \"a\" \"b\"}}").unwrap_err().to_string(),
            "template: :1:2: executing \"\" at <.Label>: wrong number of args for Label: want 1 got 2"
        );
        assert_eq!(r("{{.Name}}").unwrap(), "web-1");
    }
}
