//! `.dockerignore`: reading the file and matching context paths against its patterns, with the
//! semantics of moby/patternmatcher v0.6 (what the docker CLI and Docker Compose use).
//!
//! - Reading (`ignorefile.ReadAll`): a UTF-8 BOM is dropped, lines starting with `#` are
//!   comments, whitespace is trimmed, each pattern is cleaned like Go's `filepath.Clean` and a
//!   leading `/` is dropped (`/a` is `a`); `!` marks an exception.
//! - Matching: patterns apply in order and the last one that matches decides. `*` matches
//!   anything but `/`, `?` one character but `/`, `**` any number of directories (`**/` eats
//!   its slash), `[...]` a class, `\` escapes. A pattern that matches a directory matches
//!   everything under it.
//! - Walking (as moby's `TarWithOptions`): a directory whose path matches is skipped whole,
//!   unless an exception pattern starts with that directory; then the walk goes on inside it
//!   without adding the directory entry itself. Each entry reuses its parent directory's
//!   per-pattern results ([`Matcher::matches_with_parent`]), which is what makes exceptions
//!   under an excluded directory work the way they do in Docker.

use regex::Regex;

use crate::convert::clean_path as clean;

/// A `.dockerignore` pattern that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IgnoreError {
    /// `!` alone.
    #[error("illegal exclusion pattern: \"!\"")]
    LoneExclusion,
    /// A malformed pattern (unclosed `[`).
    #[error("syntax error in pattern {0:?}")]
    BadPattern(String),
}

/// Reads the patterns of an ignore file, as `ignorefile.ReadAll` does.
pub fn read_patterns(content: &str) -> Vec<String> {
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    let mut out = Vec::new();
    for line in content.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern.get(1..).unwrap_or_default().trim();
        }
        let mut cleaned = if pattern.is_empty() { String::new() } else { clean(pattern) };
        if cleaned.len() > 1 && cleaned.starts_with('/') {
            cleaned.remove(0);
        }
        out.push(if invert { format!("!{cleaned}") } else { cleaned });
    }
    out
}

/// How a compiled pattern compares paths (patternmatcher's shortcuts for simple patterns).
#[derive(Debug, Clone)]
enum Kind {
    /// No wildcard: the path must be equal.
    Exact,
    /// `prefix**`: the path must start with the prefix.
    Prefix(String),
    /// `**suffix`: the path must end with the suffix (or be it, without its leading `/`).
    Suffix(String),
    /// Anything else.
    Regex(Regex),
}

/// One pattern of an ignore file.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    exclusion: bool,
    kind: Kind,
}

impl Pattern {
    fn new(text: String, exclusion: bool) -> Result<Pattern, IgnoreError> {
        let kind = compile(&text)?;
        Ok(Pattern { text, exclusion, kind })
    }

    /// The pattern as cleaned, without its `!`.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the pattern is an exception (`!`).
    pub fn is_exclusion(&self) -> bool {
        self.exclusion
    }

    fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact => path == self.text,
            Kind::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Kind::Suffix(suffix) => {
                path.ends_with(suffix.as_str()) || suffix.strip_prefix('/').is_some_and(|s| path == s)
            }
            Kind::Regex(re) => re.is_match(path),
        }
    }
}

/// Translates a cleaned pattern as patternmatcher's `compile` does.
fn compile(pattern: &str) -> Result<Kind, IgnoreError> {
    #[derive(PartialEq)]
    enum Shape {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let mut re = String::from("^");
    let mut shape = Shape::Exact;
    let mut chars = pattern.chars().peekable();
    let mut first = true;
    let mut class_depth = 0usize;
    while let Some(ch) = chars.next() {
        match ch {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    if shape == Shape::Exact {
                        shape = Shape::Prefix;
                    } else {
                        re.push_str(".*");
                        shape = Shape::Regex;
                    }
                } else {
                    re.push_str("(.*/)?");
                    shape = Shape::Regex;
                }
                if first {
                    shape = Shape::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                shape = Shape::Regex;
            }
            '?' => {
                re.push_str("[^/]");
                shape = Shape::Regex;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                re.push('\\');
                re.push(ch);
            }
            '\\' => match chars.next() {
                Some(next) => {
                    re.push('\\');
                    re.push(next);
                }
                None => re.push('\\'),
            },
            '[' | ']' => {
                if ch == '[' {
                    class_depth += 1;
                } else {
                    class_depth = class_depth.saturating_sub(1);
                }
                re.push(ch);
                shape = Shape::Regex;
            }
            // Doubled inside a class, these are set operations to the regex crate but plain
            // characters to Go's regexp.
            '&' | '-' | '~' if class_depth > 0 && chars.peek() == Some(&ch) => {
                re.push('\\');
                re.push(ch);
            }
            _ => re.push(ch),
        }
        first = false;
    }
    let bad = || IgnoreError::BadPattern(pattern.to_owned());
    match shape {
        Shape::Exact => Ok(Kind::Exact),
        Shape::Prefix => Ok(Kind::Prefix(pattern.get(..pattern.len().saturating_sub(2)).ok_or_else(bad)?.to_owned())),
        Shape::Suffix => Ok(Kind::Suffix(pattern.get(2..).ok_or_else(bad)?.to_owned())),
        Shape::Regex => {
            re.push('$');
            Regex::new(&re).map(Kind::Regex).map_err(|_| bad())
        }
    }
}

/// What a path's parent directory matched, pattern by pattern (moby's `MatchInfo`).
#[derive(Debug, Clone, Default)]
pub struct MatchInfo {
    parent_matched: Vec<bool>,
}

/// The compiled patterns of an ignore file.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    patterns: Vec<Pattern>,
    exclusions: bool,
}

impl Matcher {
    /// Compiles `patterns` (as read by [`read_patterns`], or given on their own).
    pub fn new(patterns: &[String]) -> Result<Matcher, IgnoreError> {
        let mut m = Matcher::default();
        for p in patterns {
            let p = p.trim();
            if p.is_empty() {
                continue;
            }
            let p = clean(p);
            let (text, exclusion) = match p.strip_prefix('!') {
                Some("") => return Err(IgnoreError::LoneExclusion),
                Some(rest) => (rest.to_owned(), true),
                None => (p, false),
            };
            m.exclusions |= exclusion;
            m.patterns.push(Pattern::new(text, exclusion)?);
        }
        Ok(m)
    }

    /// The patterns, in order.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Whether any pattern is an exception.
    pub fn has_exclusions(&self) -> bool {
        self.exclusions
    }

    /// Whether `path` (relative, `/`-separated) is excluded, looking at its own path and those
    /// of its parent directories (moby's `MatchesOrParentMatches`).
    pub fn matches(&self, path: &str) -> bool {
        self.matches_with_parent(path, &MatchInfo::default()).0
    }

    /// Whether `path` is excluded, given what its parent directory matched (moby's
    /// `MatchesUsingParentResults`); also returns what `path` matched, for its children.
    pub fn matches_with_parent(&self, path: &str, parent: &MatchInfo) -> (bool, MatchInfo) {
        let known = parent.parent_matched.len() == self.patterns.len();
        let mut matched = false;
        let mut info = MatchInfo { parent_matched: vec![false; self.patterns.len()] };
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = known && parent.parent_matched.get(i).copied().unwrap_or(false);
            if !hit {
                if pattern.exclusion != matched {
                    continue;
                }
                hit = pattern.matches(path);
                if !hit && !known {
                    if let Some((dir, _)) = path.rsplit_once('/') {
                        let mut prefix = String::new();
                        for part in dir.split('/') {
                            if !prefix.is_empty() {
                                prefix.push('/');
                            }
                            prefix.push_str(part);
                            if pattern.matches(&prefix) {
                                hit = true;
                                break;
                            }
                        }
                    }
                }
            }
            if let Some(slot) = info.parent_matched.get_mut(i) {
                *slot = hit;
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        (matched, info)
    }

    /// Whether the walk must enter the excluded directory `dir`: an exception pattern names
    /// something inside it.
    pub fn must_enter(&self, dir: &str) -> bool {
        if !self.exclusions {
            return false;
        }
        let dir_slash = format!("{dir}/");
        self.patterns.iter().any(|p| p.exclusion && format!("{}/", p.text).starts_with(&dir_slash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(patterns: &[&str]) -> Matcher {
        Matcher::new(&patterns.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn reading_cleans_and_drops_comments() {
        let text = "\u{feff}# comment\n  *.log  \n\n/abs/path\n! keep.log\n./a/../b/\n #not a comment\n/\n";
        assert_eq!(read_patterns(text), ["*.log", "abs/path", "!keep.log", "b", "#not a comment", "/"]);
    }

    #[test]
    fn wildcards() {
        let p = m(&["*.log"]);
        assert!(p.matches("a.log"));
        assert!(!p.matches("dir/a.log"), "* does not cross directories");
        let p = m(&["**/*.log"]);
        assert!(p.matches("a.log") && p.matches("x/y/a.log"));
        let p = m(&["a?c"]);
        assert!(p.matches("abc") && !p.matches("a/c"));
        let p = m(&["[ab].txt"]);
        assert!(p.matches("a.txt") && !p.matches("c.txt"));
        let p = m(&["[^a].txt"]);
        assert!(p.matches("b.txt") && !p.matches("a.txt"));
        let p = m(&["dir/**"]);
        assert!(p.matches("dir/x") && !p.matches("dir"));
        let p = m(&["**"]);
        assert!(p.matches("anything/at/all"));
        let p = m(&["a/**/b"]);
        assert!(p.matches("a/b") && p.matches("a/x/y/b") && !p.matches("a/xb"));
        let p = m(&["a.b"]);
        assert!(p.matches("a.b") && !p.matches("axb"), "dots are literal");
        let p = m(&["\\*x*"]);
        assert!(p.matches("*xy") && !p.matches("axy"));
        // Without a wildcard the pattern is compared as written, escapes included (as moby does).
        let p = m(&["\\*x"]);
        assert!(p.matches("\\*x") && !p.matches("*x"));
        let p = m(&["(x)|{y}$"]);
        assert!(p.matches("(x)|{y}$"));
    }

    #[test]
    fn leading_double_star_is_a_suffix_match() {
        let p = m(&["**foo"]);
        assert!(p.matches("afoo") && p.matches("x/foo"));
        let p = m(&["**/foo"]);
        assert!(p.matches("foo") && p.matches("x/foo") && !p.matches("afoo"));
    }

    #[test]
    fn directories_match_their_contents() {
        let p = m(&["node_modules"]);
        assert!(p.matches("node_modules/x/y.js"));
        assert!(!p.matches("src/node_modules"), "not anchored anywhere");
    }

    #[test]
    fn last_matching_pattern_wins() {
        let p = m(&["*.md", "!README.md"]);
        assert!(p.matches("CHANGES.md") && !p.matches("README.md"));
        let p = m(&["*.md", "!README.md", "README*"]);
        assert!(p.matches("README.md"));
    }

    #[test]
    fn parent_results_carry_exceptions_into_excluded_directories() {
        let p = m(&["docs", "!docs/keep.txt"]);
        let (dir, info) = p.matches_with_parent("docs", &MatchInfo::default());
        assert!(dir);
        assert!(p.must_enter("docs"));
        assert!(!p.must_enter("other"));
        assert!(!p.matches_with_parent("docs/keep.txt", &info).0);
        assert!(p.matches_with_parent("docs/other.txt", &info).0);
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert_eq!(Matcher::new(&["!".to_owned()]).unwrap_err(), IgnoreError::LoneExclusion);
        assert!(matches!(Matcher::new(&["[abc".to_owned()]), Err(IgnoreError::BadPattern(_))));
    }
}
