//! The fake engine's image builder: reads the Dockerfile from the tar context and applies the
//! instructions that change image metadata (`FROM`, `CMD`, `ENTRYPOINT`, `ENV`, `LABEL`,
//! `EXPOSE`, `WORKDIR`, `USER`, `VOLUME`, `STOPSIGNAL`, `ARG`), with multi-stage targets.
//! Filesystem instructions (`RUN`, `COPY`, `ADD`) are reported as steps but change nothing.

use std::collections::BTreeMap;

use crate::archive::{read_tar, EntryKind};
use crate::error::{EngineError, EngineResult};
use crate::types::image::ImageConfig;

/// One stage of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stage {
    /// Base image (or earlier stage name, or `scratch`).
    pub from: String,
    /// `AS` name.
    pub name: Option<String>,
    /// Instructions after `FROM`, as `(KEYWORD, rest)`.
    pub instructions: Vec<(String, String)>,
}

/// Reads the Dockerfile named `dockerfile` from a tar build context.
pub(crate) fn dockerfile_from_context(tar: &[u8], dockerfile: &str) -> EngineResult<String> {
    let want = dockerfile.trim_start_matches("./");
    let entries = read_tar(tar)?;
    entries
        .into_iter()
        .find(|e| e.kind == EntryKind::File && e.path.trim_start_matches("./") == want)
        .map(|e| String::from_utf8_lossy(&e.data).into_owned())
        .ok_or_else(|| EngineError::Api {
            status: 500,
            message: format!(
                "Cannot locate specified Dockerfile: {dockerfile}"
            ),
        })
}

/// Splits a Dockerfile into stages, joining continuation lines and dropping comments.
pub(crate) fn parse_dockerfile(text: &str) -> EngineResult<Vec<Stage>> {
    let mut logical = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
        } else {
            current.push_str(trimmed);
            logical.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        logical.push(current);
    }
    let mut stages: Vec<Stage> = Vec::new();
    for line in logical {
        let (kw, rest) = line.split_once(char::is_whitespace).unwrap_or((line.as_str(), ""));
        let kw = kw.to_ascii_uppercase();
        let rest = rest.trim().to_owned();
        if kw == "FROM" {
            let words: Vec<&str> = rest.split_whitespace().filter(|w| !w.starts_with("--")).collect();
            let from = (*words.first().ok_or_else(|| build_error("FROM requires an image"))?).to_owned();
            let name = match words.as_slice() {
                [_, as_kw, name] if as_kw.eq_ignore_ascii_case("as") => Some((*name).to_owned()),
                _ => None,
            };
            stages.push(Stage { from, name, instructions: Vec::new() });
        } else if kw == "ARG" && stages.is_empty() {
            // Global ARGs before the first FROM only parameterise FROM; ignore them.
        } else {
            let stage = stages
                .last_mut()
                .ok_or_else(|| build_error("Dockerfile must begin with FROM"))?;
            stage.instructions.push((kw, rest));
        }
    }
    if stages.is_empty() {
        return Err(build_error("the Dockerfile cannot be empty"));
    }
    Ok(stages)
}

fn build_error(msg: &str) -> EngineError {
    EngineError::Api { status: 400, message: format!("dockerfile parse error: {msg}") }
}

/// `["a","b"]` (exec form) or `a b` (shell form, run with `/bin/sh -c`).
pub(crate) fn command_form(rest: &str) -> Vec<String> {
    if rest.trim_start().starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(rest) {
            return v;
        }
    }
    vec!["/bin/sh".to_owned(), "-c".to_owned(), rest.to_owned()]
}

/// `K=V K2="V 2"` or the legacy `K V`.
fn key_values(rest: &str) -> Vec<(String, String)> {
    if !rest.contains('=') {
        return match rest.split_once(char::is_whitespace) {
            Some((k, v)) => vec![(k.to_owned(), v.trim().to_owned())],
            None => vec![(rest.to_owned(), String::new())],
        };
    }
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(c) = chars.peek().copied() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            let mut quote = None;
            while let Some(c) = chars.peek().copied() {
                match quote {
                    Some(q) if c == q => {
                        quote = None;
                    }
                    None if c == '"' || c == '\'' => quote = Some(c),
                    None if c.is_whitespace() => break,
                    Some(_) | None => value.push(c),
                }
                chars.next();
            }
        }
        out.push((key, value));
    }
    out
}

/// Applies a stage's instructions to its base configuration; returns the steps as the classic
/// builder prints them.
pub(crate) fn apply_stage(
    base: &ImageConfig,
    stage: &Stage,
    build_args: &BTreeMap<String, String>,
) -> (ImageConfig, Vec<String>) {
    let mut cfg = base.clone();
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    let mut steps = Vec::new();
    for (kw, rest) in &stage.instructions {
        steps.push(format!("{kw} {rest}"));
        let rest = substitute(rest, &args, &cfg.env);
        match kw.as_str() {
            "CMD" => cfg.cmd = command_form(&rest),
            "ENTRYPOINT" => {
                cfg.entrypoint = command_form(&rest);
                cfg.cmd.clear();
            }
            "ENV" => {
                for (k, v) in key_values(&rest) {
                    cfg.env.retain(|e| e.split_once('=').map_or(e.as_str(), |(ek, _)| ek) != k);
                    cfg.env.push(format!("{k}={v}"));
                }
            }
            "LABEL" => {
                for (k, v) in key_values(&rest) {
                    cfg.labels.insert(k, v);
                }
            }
            "EXPOSE" => {
                for p in rest.split_whitespace() {
                    if let Ok(port) = p.parse() {
                        if !cfg.exposed_ports.contains(&port) {
                            cfg.exposed_ports.push(port);
                        }
                    }
                }
                cfg.exposed_ports.sort();
            }
            "WORKDIR" => {
                cfg.working_dir = if rest.starts_with('/') {
                    rest.clone()
                } else {
                    format!("{}/{rest}", cfg.working_dir.trim_end_matches('/'))
                };
            }
            "USER" => cfg.user.clone_from(&rest),
            "VOLUME" => {
                let vols = if rest.trim_start().starts_with('[') {
                    serde_json::from_str::<Vec<String>>(&rest).unwrap_or_default()
                } else {
                    rest.split_whitespace().map(str::to_owned).collect()
                };
                for v in vols {
                    if !cfg.volumes.contains(&v) {
                        cfg.volumes.push(v);
                    }
                }
                cfg.volumes.sort();
            }
            "STOPSIGNAL" => cfg.stop_signal = Some(rest.clone()),
            "ARG" => {
                for (k, v) in key_values(&rest) {
                    let value = build_args.get(&k).cloned().unwrap_or(v);
                    args.insert(k, value);
                }
            }
            _ => {}
        }
    }
    (cfg, steps)
}

/// Replaces `$VAR` and `${VAR}` with build args and environment values.
fn substitute(s: &str, args: &BTreeMap<String, String>, env: &[String]) -> String {
    let lookup = |name: &str| -> String {
        env.iter()
            .rev()
            .find_map(|e| e.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v.to_owned()))
            .or_else(|| args.get(name).cloned())
            .unwrap_or_default()
    };
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
            out.push_str(&lookup(&name));
        } else {
            let mut name = String::new();
            while let Some(n) = chars.peek().copied() {
                if n.is_ascii_alphanumeric() || n == '_' {
                    name.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            if name.is_empty() {
                out.push('$');
            } else {
                out.push_str(&lookup(&name));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_and_metadata() {
        let df = "# comment\nFROM busybox AS base\nENV A=1 B=\"two words\"\nLABEL x=y\nARG V=1\nLABEL v=$V\n\
                  FROM base\nEXPOSE 80 53/udp\nWORKDIR /app\nWORKDIR sub\nCMD [\"sh\", \"-c\", \"echo hi\"]\n\
                  ENTRYPOINT run \\\n  --flag\n";
        let stages = parse_dockerfile(df).unwrap();
        assert_eq!(stages.len(), 2);
        assert_eq!(stages[0].name.as_deref(), Some("base"));
        let args = BTreeMap::from([("V".to_owned(), "9".to_owned())]);
        let (cfg, steps) = apply_stage(&ImageConfig::default(), &stages[0], &args);
        assert_eq!(cfg.env, vec!["A=1", "B=two words"]);
        assert_eq!(cfg.labels.get("v").map(String::as_str), Some("9"));
        assert_eq!(steps.len(), 4);
        let (cfg2, _) = apply_stage(&cfg, &stages[1], &BTreeMap::new());
        assert_eq!(cfg2.working_dir, "/app/sub");
        assert_eq!(cfg2.exposed_ports.len(), 2);
        assert_eq!(cfg2.entrypoint, vec!["/bin/sh", "-c", "run  --flag"]);
        assert!(cfg2.cmd.is_empty());
    }

    #[test]
    fn errors() {
        assert!(parse_dockerfile("").is_err());
        assert!(parse_dockerfile("RUN x").is_err());
        assert!(parse_dockerfile("FROM").is_err());
        assert_eq!(substitute("a $ b ${", &BTreeMap::new(), &[]), "a $ b ");
    }
}
