//! The Go `text/template` subset that `--format` templates use, with the docker CLI's
//! functions (`json`, `join`, `split`, `title`, `lower`, `upper`, `pad`, `truncate`) and Go's
//! common builtins (`len`, `index`, `printf`, `print`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `and`,
//! `or`, `not`).
//!
//! Supported: text, `{{.Field}}` chains, `.`, `$`, string/number/bool literals, pipelines
//! (`{{.Name | upper}}`), parenthesised pipelines, `if`/`else if`/`else`, `range`, `with`,
//! comments and `{{-`/`-}}` trimming. The data is JSON (`serde_json::Value`): objects are
//! Go structs, `null` a nil slice. Header mode renders a table header the docker CLI's way:
//! fields name their column titles, a missing one prints `<no value>`, and the header
//! functions pass their argument through.

use serde_json::Value;

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Action(Pipe),
    If { branches: Vec<(Pipe, Vec<Node>)>, otherwise: Vec<Node> },
    Range { pipe: Pipe, body: Vec<Node>, otherwise: Vec<Node> },
    With { pipe: Pipe, body: Vec<Node>, otherwise: Vec<Node> },
}

#[derive(Debug, Clone)]
struct Pipe {
    cmds: Vec<Vec<Arg>>,
    pos: usize,
}

#[derive(Debug, Clone)]
enum Arg {
    /// `.A.B` (empty: `.`).
    Field(Vec<String>),
    /// `$.A.B` (empty: `$`).
    Root(Vec<String>),
    Ident(String),
    Lit(Value),
    Sub(Pipe),
}

/// A value during execution: `Missing` is Go's invalid value (a map key that is absent);
/// `Root` is the top-level data, which `json` encodes as the docker CLI's `MarshalJSON` does.
#[derive(Debug, Clone)]
enum Val {
    Missing,
    Root,
    Json(Value),
}

/// Parse or execution failure, worded like Go's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

fn parse_err(source: &str, pos: usize, msg: &str) -> TemplateError {
    let line = source.get(..pos).map_or(1, |s| s.matches('\n').count() + 1);
    TemplateError(format!("template: :{line}: {msg}"))
}

// ---------------------------------------------------------------------------------- parse

enum Item {
    Text(String),
    Action { body: String, pos: usize },
}

fn split_items(src: &str) -> Result<Vec<Item>, TemplateError> {
    let mut items = Vec::new();
    let mut rest = src;
    let mut offset = 0;
    let mut trim_next = false;
    while let Some(start) = rest.find("{{") {
        let mut text = rest.get(..start).unwrap_or("");
        let after = rest.get(start + 2..).unwrap_or("");
        let trim_left = after.starts_with("- ") || after.starts_with("-\t") || after.starts_with("-\n");
        if trim_next {
            text = text.trim_start();
        }
        if trim_left {
            text = text.trim_end();
        }
        if !text.is_empty() {
            items.push(Item::Text(text.to_owned()));
        }
        let inner_start = usize::from(trim_left);
        let inner = after.get(inner_start..).unwrap_or("");
        let Some(end) = find_action_end(inner) else {
            return Err(parse_err(src, offset + start, "unclosed action"));
        };
        let mut body = inner.get(..end).unwrap_or("");
        trim_next = false;
        if body.ends_with(" -") || body.ends_with("\t-") || body.ends_with("\n-") {
            body = body.get(..body.len() - 1).unwrap_or("");
            trim_next = true;
        }
        items.push(Item::Action { body: body.trim().to_owned(), pos: offset + start });
        let consumed = start + 2 + inner_start + end + 2;
        rest = rest.get(consumed..).unwrap_or("");
        offset += consumed;
    }
    let text = if trim_next { rest.trim_start() } else { rest };
    if !text.is_empty() {
        items.push(Item::Text(text.to_owned()));
    }
    Ok(items)
}

// The end of an action, skipping `}}` inside string literals.
fn find_action_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(0);
        match quote {
            Some(q) => {
                if b == b'\\' && q == b'"' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => {
                if b == b'"' || b == b'`' {
                    quote = Some(b);
                } else if b == b'}' && bytes.get(i + 1) == Some(&b'}') {
                    return Some(i);
                }
            }
        }
        i += 1;
    }
    None
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Field(Vec<String>),
    Root(Vec<String>),
    Ident(String),
    Lit(Value),
    Pipe,
    Open,
    Close,
}

fn lex(body: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = body.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let ident_char = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = at(i);
        if c.is_whitespace() {
            i += 1;
        } else if c == '|' {
            toks.push(Tok::Pipe);
            i += 1;
        } else if c == '(' {
            toks.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            toks.push(Tok::Close);
            i += 1;
        } else if c == '.' || c == '$' {
            let root = c == '$';
            if root {
                i += 1;
            }
            let mut path = Vec::new();
            while at(i) == '.' {
                i += 1;
                let start = i;
                while ident_char(at(i)) {
                    i += 1;
                }
                if i == start {
                    if root || !path.is_empty() {
                        return Err(format!("bad character {:?}", at(i)));
                    }
                    break;
                }
                path.push(chars.get(start..i).map(|s| s.iter().collect()).unwrap_or_default());
            }
            toks.push(if root { Tok::Root(path) } else { Tok::Field(path) });
        } else if c == '"' {
            i += 1;
            let mut s = String::new();
            loop {
                match at(i) {
                    '\0' if i >= chars.len() => return Err("unterminated quoted string".into()),
                    '"' => break,
                    '\\' => {
                        i += 1;
                        s.push(match at(i) {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            other => other,
                        });
                    }
                    other => s.push(other),
                }
                i += 1;
            }
            i += 1;
            toks.push(Tok::Lit(Value::String(s)));
        } else if c == '`' {
            i += 1;
            let start = i;
            while i < chars.len() && at(i) != '`' {
                i += 1;
            }
            if i >= chars.len() {
                return Err("unterminated raw quoted string".into());
            }
            toks.push(Tok::Lit(Value::String(chars.get(start..i).map(|s| s.iter().collect()).unwrap_or_default())));
            i += 1;
        } else if c.is_ascii_digit() || (c == '-' && at(i + 1).is_ascii_digit()) {
            let start = i;
            i += 1;
            while at(i).is_ascii_digit() || at(i) == '.' {
                i += 1;
            }
            let text: String = chars.get(start..i).map(|s| s.iter().collect()).unwrap_or_default();
            let v = if let Ok(n) = text.parse::<i64>() {
                Value::from(n)
            } else {
                text.parse::<f64>().map(Value::from).map_err(|_| format!("bad number syntax: {text:?}"))?
            };
            toks.push(Tok::Lit(v));
        } else if ident_char(c) {
            let start = i;
            while ident_char(at(i)) {
                i += 1;
            }
            let word: String = chars.get(start..i).map(|s| s.iter().collect()).unwrap_or_default();
            toks.push(match word.as_str() {
                "true" => Tok::Lit(Value::Bool(true)),
                "false" => Tok::Lit(Value::Bool(false)),
                "nil" => Tok::Lit(Value::Null),
                _ => Tok::Ident(word),
            });
        } else {
            return Err(format!("unexpected {c:?} in command"));
        }
    }
    Ok(toks)
}

fn parse_pipe(toks: &[Tok], pos: usize) -> Result<Pipe, String> {
    let mut idx = 0;
    let pipe = parse_pipe_at(toks, &mut idx, pos)?;
    if idx < toks.len() {
        return Err("unexpected \")\" in operand".into());
    }
    Ok(pipe)
}

fn parse_pipe_at(toks: &[Tok], idx: &mut usize, pos: usize) -> Result<Pipe, String> {
    let mut cmds = Vec::new();
    let mut cmd = Vec::new();
    while let Some(t) = toks.get(*idx) {
        match t {
            Tok::Close => break,
            Tok::Pipe => {
                if cmd.is_empty() {
                    return Err("missing command".into());
                }
                cmds.push(std::mem::take(&mut cmd));
                *idx += 1;
            }
            Tok::Open => {
                *idx += 1;
                let sub = parse_pipe_at(toks, idx, pos)?;
                if toks.get(*idx) != Some(&Tok::Close) {
                    return Err("unclosed left paren".into());
                }
                *idx += 1;
                cmd.push(Arg::Sub(sub));
            }
            Tok::Field(p) => {
                cmd.push(Arg::Field(p.clone()));
                *idx += 1;
            }
            Tok::Root(p) => {
                cmd.push(Arg::Root(p.clone()));
                *idx += 1;
            }
            Tok::Ident(name) => {
                if !is_function(name) {
                    return Err(format!("function {name:?} not defined"));
                }
                cmd.push(Arg::Ident(name.clone()));
                *idx += 1;
            }
            Tok::Lit(v) => {
                cmd.push(Arg::Lit(v.clone()));
                *idx += 1;
            }
        }
    }
    if cmd.is_empty() {
        return Err("missing value for command".into());
    }
    cmds.push(cmd);
    Ok(Pipe { cmds, pos })
}

const FUNCTIONS: &[&str] = &[
    "json", "split", "join", "title", "lower", "upper", "pad", "truncate", "len", "index", "printf", "print", "println",
    "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not",
];

fn is_function(name: &str) -> bool {
    FUNCTIONS.contains(&name)
}

enum Block {
    Root,
    If { branches: Vec<(Pipe, Vec<Node>)>, cond: Pipe, otherwise: Option<Vec<Node>> },
    Range { pipe: Pipe, body: Vec<Node>, otherwise: Option<Vec<Node>> },
    With { pipe: Pipe, body: Vec<Node>, otherwise: Option<Vec<Node>> },
}

impl Template {
    /// Parses `source`.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let items = split_items(source)?;
        // A stack of open blocks, each with the nodes collected so far.
        let mut stack: Vec<(Block, Vec<Node>)> = vec![(Block::Root, Vec::new())];
        for item in items {
            let (text, pos) = match item {
                Item::Text(t) => {
                    if let Some((_, nodes)) = stack.last_mut() {
                        nodes.push(Node::Text(t));
                    }
                    continue;
                }
                Item::Action { body, pos } => (body, pos),
            };
            if text.starts_with("/*") {
                if !text.ends_with("*/") {
                    return Err(parse_err(source, pos, "unclosed comment"));
                }
                continue;
            }
            let (keyword, rest) = match text.split_once(char::is_whitespace) {
                Some((k, r)) => (k, r.trim()),
                None => (text.as_str(), ""),
            };
            let pipe_of = |s: &str| -> Result<Pipe, TemplateError> {
                let toks = lex(s).map_err(|m| parse_err(source, pos, &m))?;
                parse_pipe(&toks, pos).map_err(|m| parse_err(source, pos, &m))
            };
            match keyword {
                "if" => stack.push((Block::If { branches: Vec::new(), cond: pipe_of(rest)?, otherwise: None }, Vec::new())),
                "range" => stack.push((Block::Range { pipe: pipe_of(rest)?, body: Vec::new(), otherwise: None }, Vec::new())),
                "with" => stack.push((Block::With { pipe: pipe_of(rest)?, body: Vec::new(), otherwise: None }, Vec::new())),
                "else" => {
                    let Some((block, nodes)) = stack.last_mut() else {
                        return Err(parse_err(source, pos, "unexpected {{else}}"));
                    };
                    let collected = std::mem::take(nodes);
                    match block {
                        Block::If { branches, cond, otherwise } if otherwise.is_none() => {
                            let finished = std::mem::replace(cond, Pipe { cmds: Vec::new(), pos });
                            branches.push((finished, collected));
                            if let Some(cond_text) = rest.strip_prefix("if ") {
                                *cond = pipe_of(cond_text.trim())?;
                            } else {
                                *otherwise = Some(Vec::new());
                            }
                        }
                        Block::Range { body, otherwise, .. } | Block::With { body, otherwise, .. } if otherwise.is_none() => {
                            *body = collected;
                            *otherwise = Some(Vec::new());
                        }
                        _ => return Err(parse_err(source, pos, "unexpected {{else}}")),
                    }
                }
                "end" => {
                    if stack.len() < 2 {
                        return Err(parse_err(source, pos, "unexpected {{end}}"));
                    }
                    let Some((block, nodes)) = stack.pop() else {
                        return Err(parse_err(source, pos, "unexpected {{end}}"));
                    };
                    let node = match block {
                        Block::Root => return Err(parse_err(source, pos, "unexpected {{end}}")),
                        Block::If { mut branches, cond, otherwise } => {
                            if otherwise.is_some() {
                                Node::If { branches, otherwise: nodes }
                            } else {
                                branches.push((cond, nodes));
                                Node::If { branches, otherwise: Vec::new() }
                            }
                        }
                        Block::Range { pipe, body, otherwise } => match otherwise {
                            Some(_) => Node::Range { pipe, body, otherwise: nodes },
                            None => Node::Range { pipe, body: nodes, otherwise: Vec::new() },
                        },
                        Block::With { pipe, body, otherwise } => match otherwise {
                            Some(_) => Node::With { pipe, body, otherwise: nodes },
                            None => Node::With { pipe, body: nodes, otherwise: Vec::new() },
                        },
                    };
                    if let Some((_, parent)) = stack.last_mut() {
                        parent.push(node);
                    }
                }
                _ => {
                    let pipe = pipe_of(&text)?;
                    if let Some((_, nodes)) = stack.last_mut() {
                        nodes.push(Node::Action(pipe));
                    }
                }
            }
        }
        if stack.len() != 1 {
            return Err(parse_err(source, source.len(), "unexpected EOF"));
        }
        let nodes = stack.pop().map(|(_, n)| n).unwrap_or_default();
        Ok(Template { nodes })
    }

    /// Renders `data`. `methods` answers calls with arguments on the data (`.Label "x"`);
    /// `type_name` names the data's type in errors, as Go's do.
    pub fn execute(
        &self,
        data: &Value,
        methods: &dyn Fn(&str, &[Value]) -> Option<Value>,
        type_name: &str,
    ) -> Result<String, TemplateError> {
        let mut exec = Exec { root: data, header: false, methods, type_name, out: String::new() };
        exec.nodes(&self.nodes, &Val::Root)?;
        Ok(exec.out)
    }

    /// Renders a table header: `headers` maps field names to column titles. Like the docker
    /// CLI, output stops at the first error instead of failing.
    pub fn execute_header(&self, headers: &Value) -> String {
        let none = |_: &str, _: &[Value]| None;
        let mut exec = Exec { root: headers, header: true, methods: &none, type_name: "", out: String::new() };
        let _ = exec.nodes(&self.nodes, &Val::Root);
        exec.out
    }
}

// ---------------------------------------------------------------------------------- execute

struct Exec<'a> {
    root: &'a Value,
    header: bool,
    methods: &'a dyn Fn(&str, &[Value]) -> Option<Value>,
    type_name: &'a str,
    out: String,
}

impl Exec<'_> {
    fn resolve(&self, v: &Val) -> Option<Value> {
        match v {
            Val::Missing => None,
            Val::Root => Some(self.root.clone()),
            Val::Json(j) => Some(j.clone()),
        }
    }

    fn err(pipe: &Pipe, what: &str, msg: &str) -> TemplateError {
        TemplateError(format!("template: :1:{}: executing \"\" at <{what}>: {msg}", pipe.pos + 1))
    }

    fn nodes(&mut self, nodes: &[Node], dot: &Val) -> Result<(), TemplateError> {
        for node in nodes {
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(pipe) => {
                    let v = self.pipe(pipe, dot)?;
                    let text = self.print(&v);
                    self.out.push_str(&text);
                }
                Node::If { branches, otherwise } => {
                    let mut taken = false;
                    for (cond, body) in branches {
                        let v = self.pipe(cond, dot)?;
                        if truthy(self.resolve(&v).as_ref()) {
                            self.nodes(body, dot)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.nodes(otherwise, dot)?;
                    }
                }
                Node::Range { pipe, body, otherwise } => {
                    let v = self.pipe(pipe, dot)?;
                    let items: Vec<Value> = match self.resolve(&v) {
                        Some(Value::Array(a)) => a,
                        Some(Value::Object(o)) => o.into_iter().map(|(_, v)| v).collect(),
                        Some(Value::Null) => Vec::new(),
                        Some(Value::Number(n)) => {
                            let count = n.as_i64().unwrap_or(0);
                            (0..count).map(Value::from).collect()
                        }
                        other => {
                            return Err(Self::err(pipe, "range", &format!("range can't iterate over {}", go_print(other.as_ref()))))
                        }
                    };
                    if items.is_empty() {
                        self.nodes(otherwise, dot)?;
                    }
                    for item in items {
                        self.nodes(body, &Val::Json(item))?;
                    }
                }
                Node::With { pipe, body, otherwise } => {
                    let v = self.pipe(pipe, dot)?;
                    if truthy(self.resolve(&v).as_ref()) {
                        self.nodes(body, &v)?;
                    } else {
                        self.nodes(otherwise, dot)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn print(&self, v: &Val) -> String {
        match v {
            Val::Missing => "<no value>".to_owned(),
            other => go_print(self.resolve(other).as_ref()),
        }
    }

    fn pipe(&self, pipe: &Pipe, dot: &Val) -> Result<Val, TemplateError> {
        let mut piped: Option<Val> = None;
        for cmd in &pipe.cmds {
            piped = Some(self.command(pipe, cmd, dot, piped)?);
        }
        Ok(piped.unwrap_or(Val::Missing))
    }

    fn command(&self, pipe: &Pipe, cmd: &[Arg], dot: &Val, piped: Option<Val>) -> Result<Val, TemplateError> {
        let Some(first) = cmd.first() else { return Ok(Val::Missing) };
        let rest = cmd.get(1..).unwrap_or(&[]);
        match first {
            Arg::Ident(name) => {
                let mut args = Vec::with_capacity(rest.len() + 1);
                for a in rest {
                    args.push(self.arg(pipe, a, dot)?);
                }
                if let Some(p) = piped {
                    args.push(p);
                }
                self.call(pipe, name, &args)
            }
            Arg::Field(path) if !rest.is_empty() || piped.is_some() => {
                // A method call with arguments (`.Label "x"`), only on the top-level data.
                let mut args = Vec::new();
                for a in rest {
                    args.push(self.resolve(&self.arg(pipe, a, dot)?).unwrap_or(Value::Null));
                }
                if let Some(p) = piped {
                    args.push(self.resolve(&p).unwrap_or(Value::Null));
                }
                let name = path.last().map_or("", String::as_str);
                if path.len() == 1 && matches!(dot, Val::Root) {
                    if let Some(v) = (self.methods)(name, &args) {
                        return Ok(Val::Json(v));
                    }
                }
                Err(Self::err(pipe, &format!(".{}", path.join(".")), &format!("can't give argument to non-function .{name}")))
            }
            other => {
                if !rest.is_empty() {
                    return Err(Self::err(pipe, "", "can't give argument to non-function"));
                }
                if piped.is_some() {
                    return Err(Self::err(pipe, "", "can't give argument to non-function"));
                }
                self.arg(pipe, other, dot)
            }
        }
    }

    fn arg(&self, pipe: &Pipe, arg: &Arg, dot: &Val) -> Result<Val, TemplateError> {
        match arg {
            Arg::Lit(v) => Ok(Val::Json(v.clone())),
            Arg::Sub(p) => self.pipe(p, dot),
            Arg::Ident(name) => self.call(pipe, name, &[]),
            Arg::Field(path) => self.walk(pipe, dot.clone(), path),
            Arg::Root(path) => self.walk(pipe, Val::Root, path),
        }
    }

    fn walk(&self, pipe: &Pipe, start: Val, path: &[String]) -> Result<Val, TemplateError> {
        let mut cur = start;
        for name in path {
            let is_root = matches!(cur, Val::Root);
            let Some(value) = self.resolve(&cur) else {
                return Err(Self::err(pipe, &format!(".{name}"), "nil pointer evaluating interface {}"));
            };
            cur = match value {
                Value::Object(map) => match map.get(name) {
                    Some(v) => Val::Json(v.clone()),
                    None if self.header => Val::Missing,
                    None => {
                        let type_name = if is_root { self.type_name.to_owned() } else { "struct".to_owned() };
                        return Err(Self::err(
                            pipe,
                            &format!(".{name}"),
                            &format!("can't evaluate field {name} in type {type_name}"),
                        ));
                    }
                },
                other => {
                    return Err(Self::err(
                        pipe,
                        &format!(".{name}"),
                        &format!("can't evaluate field {name} in type {}", go_type(&other)),
                    ))
                }
            };
        }
        Ok(cur)
    }

    fn call(&self, pipe: &Pipe, name: &str, args: &[Val]) -> Result<Val, TemplateError> {
        let fail = |msg: String| Self::err(pipe, name, &format!("error calling {name}: {msg}"));
        let want = |n: usize| -> Result<(), TemplateError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(Self::err(pipe, name, &format!("wrong number of args for {name}: want {n} got {}", args.len())))
            }
        };
        let string_arg = |i: usize| -> Result<String, TemplateError> {
            match args.get(i).map(|a| self.resolve(a)) {
                Some(Some(Value::String(s))) => Ok(s),
                Some(Some(other)) => Err(Self::err(
                    pipe,
                    name,
                    &format!("wrong type for value; expected string; got {}", go_type(&other)),
                )),
                _ => Err(Self::err(pipe, name, "invalid value; expected string")),
            }
        };
        let int_arg = |i: usize| -> Result<i64, TemplateError> {
            match args.get(i).and_then(|a| self.resolve(a)) {
                Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64().unwrap_or(0)),
                _ => Err(Self::err(pipe, name, "wrong type for value; expected int")),
            }
        };
        if self.header && matches!(name, "json" | "split" | "join" | "title" | "lower" | "upper" | "truncate") {
            let keep = string_arg(0)?;
            return Ok(Val::Json(Value::String(keep)));
        }
        let v = match name {
            "json" => {
                want(1)?;
                let escape_html = matches!(args.first(), Some(Val::Root));
                let value = args.first().and_then(|a| self.resolve(a)).unwrap_or(Value::Null);
                Value::String(super::listing::go_json(&value, escape_html))
            }
            "lower" => {
                want(1)?;
                Value::String(string_arg(0)?.to_lowercase())
            }
            "upper" => {
                want(1)?;
                Value::String(string_arg(0)?.to_uppercase())
            }
            "title" => {
                want(1)?;
                Value::String(title(&string_arg(0)?))
            }
            "split" => {
                want(2)?;
                let s = string_arg(0)?;
                let sep = string_arg(1)?;
                let parts: Vec<Value> = if sep.is_empty() {
                    s.chars().map(|c| Value::String(c.to_string())).collect()
                } else {
                    s.split(sep.as_str()).map(|p| Value::String(p.to_owned())).collect()
                };
                Value::Array(parts)
            }
            "join" => {
                want(2)?;
                let sep = string_arg(1)?;
                match args.first().and_then(|a| self.resolve(a)) {
                    Some(Value::Array(items)) => {
                        let mut parts = Vec::with_capacity(items.len());
                        for i in items {
                            match i {
                                Value::String(s) => parts.push(s),
                                other => return Err(fail(format!("expected string, got {}", go_type(&other)))),
                            }
                        }
                        Value::String(parts.join(&sep))
                    }
                    Some(Value::Null) => Value::String(String::new()),
                    _ => return Err(Self::err(pipe, name, "wrong type for value; expected []string")),
                }
            }
            "pad" => {
                want(3)?;
                let s = string_arg(0)?;
                let (pre, post) = (int_arg(1)?, int_arg(2)?);
                if s.is_empty() {
                    Value::String(s)
                } else {
                    let spaces = |n: i64| " ".repeat(usize::try_from(n).unwrap_or(0));
                    Value::String(format!("{}{s}{}", spaces(pre), spaces(post)))
                }
            }
            "truncate" => {
                want(2)?;
                let s = string_arg(0)?;
                let n = usize::try_from(int_arg(1)?).unwrap_or(0);
                if s.len() < n {
                    Value::String(s)
                } else {
                    let mut cut = n;
                    while cut > 0 && !s.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    Value::String(s.get(..cut).unwrap_or("").to_owned())
                }
            }
            "len" => {
                want(1)?;
                let n = match args.first().and_then(|a| self.resolve(a)) {
                    Some(Value::String(s)) => s.len(),
                    Some(Value::Array(a)) => a.len(),
                    Some(Value::Object(o)) => o.len(),
                    Some(Value::Null) => 0,
                    other => return Err(fail(format!("len of type {}", go_type(&other.unwrap_or(Value::Null))))),
                };
                Value::from(n)
            }
            "index" => {
                let mut cur = args.first().and_then(|a| self.resolve(a)).unwrap_or(Value::Null);
                for key in args.iter().skip(1).filter_map(|a| self.resolve(a)) {
                    cur = match (&cur, &key) {
                        (Value::Array(a), Value::Number(n)) => {
                            let i = n.as_u64().and_then(|i| usize::try_from(i).ok());
                            match i.and_then(|i| a.get(i)) {
                                Some(v) => v.clone(),
                                None => return Err(fail(format!("index out of range: {n}"))),
                            }
                        }
                        (Value::Object(o), Value::String(k)) => o.get(k).cloned().unwrap_or(Value::Null),
                        _ => return Err(fail(format!("can't index item of type {}", go_type(&cur)))),
                    };
                }
                cur
            }
            "print" | "println" => {
                let parts: Vec<String> = args.iter().map(|a| self.print(a)).collect();
                let mut s = parts.join(if name == "println" { " " } else { "" });
                if name == "println" {
                    s.push('\n');
                }
                Value::String(s)
            }
            "printf" => {
                let format = string_arg(0)?;
                let rest: Vec<Option<Value>> = args.iter().skip(1).map(|a| self.resolve(a)).collect();
                Value::String(sprintf(&format, &rest))
            }
            "not" => {
                want(1)?;
                Value::Bool(!truthy(args.first().and_then(|a| self.resolve(a)).as_ref()))
            }
            "and" | "or" => {
                if args.is_empty() {
                    return Err(Self::err(pipe, name, &format!("wrong number of args for {name}: want at least 1 got 0")));
                }
                let mut last = Value::Null;
                for a in args {
                    last = self.resolve(a).unwrap_or(Value::Null);
                    let t = truthy(Some(&last));
                    if (name == "and" && !t) || (name == "or" && t) {
                        break;
                    }
                }
                last
            }
            "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
                if args.len() < 2 {
                    return Err(Self::err(pipe, name, &format!("wrong number of args for {name}: want 2 got {}", args.len())));
                }
                let a = args.first().and_then(|a| self.resolve(a)).unwrap_or(Value::Null);
                let b = args.get(1).and_then(|a| self.resolve(a)).unwrap_or(Value::Null);
                let result = match name {
                    "eq" => args.iter().skip(1).any(|x| self.resolve(x).unwrap_or(Value::Null) == a),
                    "ne" => a != b,
                    _ => {
                        let ord = compare(&a, &b).ok_or_else(|| fail("incompatible types for comparison".into()))?;
                        match name {
                            "lt" => ord.is_lt(),
                            "le" => ord.is_le(),
                            "gt" => ord.is_gt(),
                            _ => ord.is_ge(),
                        }
                    }
                };
                Value::Bool(result)
            }
            other => return Err(Self::err(pipe, other, &format!("function {other:?} not defined"))),
        };
        Ok(Val::Json(v))
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_start = true;
    for c in s.chars() {
        if at_start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_start = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    out
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(_)) => true,
    }
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "interface {}",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "struct",
    }
}

/// How Go's `fmt` prints a value with `%v`: structs as `{a b}`, slices as `[a b]`, a nil
/// slice as `[]`.
fn go_print(v: Option<&Value>) -> String {
    match v {
        None => "<no value>".to_owned(),
        Some(Value::Null) => "[]".to_owned(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => format!("[{}]", a.iter().map(|x| go_print(Some(x))).collect::<Vec<_>>().join(" ")),
        Some(Value::Object(o)) => format!("{{{}}}", o.values().map(|x| go_print(Some(x))).collect::<Vec<_>>().join(" ")),
    }
}

// `%s`, `%v`, `%d`, `%q`, `%t`, `%%`; other verbs print their operand with `%v`.
fn sprintf(format: &str, args: &[Option<Value>]) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut next = args.iter();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match next.next() {
            None => {
                out.push_str("%!");
                out.push(verb);
                out.push_str("(MISSING)");
            }
            Some(v) => match verb {
                'q' => out.push_str(&super::listing::go_quote(&go_print(v.as_ref()))),
                _ => out.push_str(&go_print(v.as_ref())),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(t: &str, data: &Value) -> Result<String, TemplateError> {
        let label = |name: &str, args: &[Value]| -> Option<Value> {
            (name == "Label").then(|| json!(format!("label:{}", args.first().and_then(Value::as_str).unwrap_or(""))))
        };
        Template::parse(t)?.execute(data, &label, "*formatter.ContainerContext")
    }

    fn data() -> Value {
        json!({
            "Name": "p-web-1", "State": "running", "Health": "", "ExitCode": 0,
            "Ports": "1->2",
            "Publishers": [{"URL": "127.0.0.1", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"}],
            "Empty": null
        })
    }

    #[test]
    fn fields_functions_and_pipelines() {
        let d = data();
        assert_eq!(render("{{.Name}} {{.State | upper}}", &d).unwrap(), "p-web-1 RUNNING");
        assert_eq!(render("{{lower .State | upper}}", &d).unwrap(), "RUNNING");
        assert_eq!(render("{{json .Ports}}", &d).unwrap(), "\"1->2\"");
        assert_eq!(render("{{json .}}", &d).unwrap().contains("1-\\u003e2"), true);
        assert_eq!(render("{{.Publishers}}", &d).unwrap(), "[{127.0.0.1 80 8080 tcp}]");
        assert_eq!(render("{{.Empty}}", &d).unwrap(), "[]");
        assert_eq!(render("{{.Label \"x\"}}", &d).unwrap(), "label:x");
        assert_eq!(render("{{printf \"%s-%d\" .Name .ExitCode}} {{len .Publishers}}", &d).unwrap(), "p-web-1-0 1");
        assert_eq!(render("{{join (split \"a,b\" \",\") \"+\"}}", &d).unwrap(), "a+b");
        assert_eq!(render("[{{pad .Health 1 0}}][{{pad .Name 1 1}}]", &d).unwrap(), "[][ p-web-1 ]");
        assert_eq!(render("{{truncate .Name 3}}{{title \"ab cd\"}}", &d).unwrap(), "p-wAb Cd");
    }

    #[test]
    fn control_flow() {
        let d = data();
        let t = "{{range .Publishers}}{{.URL}}:{{.PublishedPort}} {{end}}|{{if .Health}}H{{else if eq .State \"running\"}}R{{else}}N{{end}}";
        assert_eq!(render(t, &d).unwrap(), "127.0.0.1:8080 |R");
        assert_eq!(render("{{with .Publishers}}{{len .}}{{end}}{{range .Empty}}x{{else}}none{{end}}", &d).unwrap(), "1none");
        assert_eq!(render("a {{- /* c */ -}} b\n{{- .Name}}", &d).unwrap(), "ab" .to_owned() + "p-web-1");
        assert_eq!(render("{{if and .Name (not .Health)}}y{{end}}", &d).unwrap(), "y");
    }

    #[test]
    fn errors_like_go() {
        let d = data();
        let e = render("{{.Nope}}", &d).unwrap_err();
        assert!(e.0.contains("can't evaluate field Nope in type *formatter.ContainerContext"), "{e}");
        assert!(Template::parse("{{.Foo").unwrap_err().0.ends_with("unclosed action"));
        assert!(Template::parse("{{if .A}}x").unwrap_err().0.contains("unexpected EOF"));
        assert!(Template::parse("{{nosuch .A}}").unwrap_err().0.contains("function \"nosuch\" not defined"));
        assert!(render("{{lower .ExitCode}}", &d).is_err());
    }

    #[test]
    fn headers_stop_at_the_first_error() {
        let headers = json!({"Name": "NAME", "State": "STATE"});
        let t = Template::parse("{{.Name}}\t{{.Health}}\t{{upper .State}}\t{{json .Publishers}}\t{{.Name}}").unwrap();
        assert_eq!(t.execute_header(&headers), "NAME\t<no value>\tSTATE\t");
    }
}
