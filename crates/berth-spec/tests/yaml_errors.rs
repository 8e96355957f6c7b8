//! Malformed YAML: every error names the file, line and column of the problem.

use berth_spec::{yaml, ErrorKind};

/// Parses `text` as `name` and returns the error's `(line, col)` and its one-line rendering.
fn error_at(name: &str, text: &str) -> ((u32, u32), String) {
    let err = match yaml::parse_str(name, text) {
        Ok(docs) => panic!("{text:?} parsed: {docs:?}"),
        Err(e) => e,
    };
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    let span = err
        .span
        .unwrap_or_else(|| panic!("{text:?}: no position in {err}"));
    assert_eq!(err.file().as_deref(), Some(name), "{err}");
    ((span.line, span.col), err.to_string())
}

#[test]
fn syntax_errors() {
    let cases: &[(&str, (u32, u32), &str)] = &[
        (
            "services:\n  web:\n    image: a: b\n",
            (3, 13),
            "mapping values are not allowed",
        ),
        ("services:\n  web:\n\timage: x\n", (3, 2), "tab"),
        (
            "services:\n  web:\n    ports:\n      - 80\n    image x\n",
            (5, 5),
            "could not find expected ':'",
        ),
        (
            "a: 1\nb\n# comment\n\n",
            (2, 1),
            "could not find expected ':'",
        ),
        ("services:\n  web: {image: x\n", (3, 1), "flow mapping"),
        ("services: [a, b\n", (2, 1), "flow sequence"),
        ("a: \"open\n", (1, 4), "quoted scalar"),
        ("a: 'open\n", (1, 4), "quoted scalar"),
        ("a: *missing\n", (1, 4), "unknown anchor"),
        ("a: !x! b\n", (1, 4), "tag"),
        ("a: |\n  ok\n bad: 1\n", (3, 5), "did not find expected key"),
        ("---\na: 1\n---\nb: [\n", (5, 1), "node content"),
    ];
    for (text, at, fragment) in cases {
        let (pos, shown) = error_at("compose.yaml", text);
        assert_eq!(pos, *at, "{text:?}: {shown}");
        assert!(shown.contains(fragment), "{text:?}: {shown}");
        assert!(
            shown.starts_with(&format!("compose.yaml:{}:{}: ", at.0, at.1)),
            "{shown}"
        );
    }
}

#[test]
fn structural_errors() {
    let cases: &[(&str, (u32, u32), &str)] = &[
        (
            "services:\n  web:\n    image: a\n    image: b\n",
            (4, 5),
            "mapping key \"image\" already defined at line 3",
        ),
        (
            "services:\n  1: {}\n",
            (2, 3),
            "Non-string key in services: 1",
        ),
        (
            "x:\n  <<: [1]\n",
            (2, 8),
            "map merge requires map or sequence of maps as the value",
        ),
        (
            "x: !!int nope\n",
            (1, 10),
            "cannot decode !!str `nope` as a !!int",
        ),
        ("? [a]\n: b\n", (1, 3), "invalid map key"),
        ("a: &a [*a]\n", (1, 8), "contains it"),
    ];
    for (text, at, fragment) in cases {
        let (pos, shown) = error_at("other.yml", text);
        assert_eq!(pos, *at, "{text:?}: {shown}");
        assert!(shown.contains(fragment), "{text:?}: {shown}");
    }
}

#[test]
fn error_rendering_points_at_the_line() {
    let err = yaml::parse_str(
        "snippet.yaml",
        "services:\n  web:\n    image: a\n    image: b\n",
    )
    .err()
    .unwrap_or_else(|| panic!("duplicate key accepted"));
    let text = err.render();
    assert!(text.contains("4 |     image: b"), "{text}");
    assert!(text.contains("|     ^"), "{text}");
}
