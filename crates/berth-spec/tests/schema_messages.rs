//! What schema errors look like to a user: compose YAML in, the rendered error (position,
//! path, message, source line, hint) out.

use berth_spec::{schema, yaml, Error};

fn first_error(name: &str, text: &str) -> Error {
    let docs = yaml::parse_str(name, text).expect("test YAML parses");
    let doc = docs.first().expect("one document");
    schema::validate(doc).expect_err("the file is invalid")
}

#[test]
fn unknown_key_points_at_the_key_with_a_suggestion() {
    let err = first_error("msg-typo.yaml", "services:\n  web:\n    imgae: nginx\n");
    assert_eq!(
        err.render(),
        "msg-typo.yaml:3:5: services.web.imgae: unknown key `imgae` in service `web`\n   |\n 3 |     imgae: nginx\n   |     ^\n  = hint: did you mean `image`?"
    );
}

#[test]
fn unknown_top_level_key() {
    let err = first_error("msg-top.yaml", "servics:\n  web: {}\n");
    assert_eq!(
        err.to_string(),
        "msg-top.yaml:1:1: servics: unknown top-level key `servics`"
    );
    assert_eq!(err.hint.as_deref(), Some("did you mean `services`?"));
}

#[test]
fn wrong_type_in_a_list_points_at_the_item() {
    let err = first_error(
        "msg-list.yaml",
        "services:\n  web:\n    image: nginx\n    dns_opt:\n      - a\n      - [b]\n",
    );
    assert_eq!(
        err.to_string(),
        "msg-list.yaml:6:9: services.web.dns_opt[1]: expected a string, found a list"
    );
}

#[test]
fn unquoted_number_where_a_string_is_needed() {
    let err = first_error("msg-quote.yaml", "version: 3.8\nservices: {}\n");
    assert_eq!(
        err.to_string(),
        "msg-quote.yaml:1:10: version: expected a string, found the number `3.8`"
    );
    assert_eq!(
        err.hint.as_deref(),
        Some("put the value in quotes to make it a string")
    );
}

#[test]
fn duplicate_items_point_at_the_repeat() {
    let err = first_error(
        "msg-dup.yaml",
        "services:\n  web:\n    ports:\n      - 80:80\n      - 8080:80\n      - 80:80\n",
    );
    assert_eq!(err.to_string(), "msg-dup.yaml:6:9: services.web.ports[2]: duplicate item `80:80` in `ports` of service `web`");
    assert_eq!(
        err.hint.as_deref(),
        Some("item 0 has the same value; remove one of them")
    );
}

#[test]
fn long_syntax_mistakes_are_reported_inside_the_long_form() {
    let err = first_error(
        "msg-long.yaml",
        "services:\n  web:\n    depends_on:\n      db:\n        restart: true\n  db: {}\n",
    );
    assert_eq!(
        err.to_string(),
        "msg-long.yaml:5:9: services.web.depends_on.db: missing required key `condition` in `depends_on.db` of service `web`"
    );
    let err = first_error(
        "msg-port.yaml",
        "services:\n  web:\n    ports:\n      - target: 80\n        publised: 8080\n",
    );
    assert_eq!(
        err.message,
        "unknown key `publised` in `ports[0]` of service `web`"
    );
    assert_eq!(err.hint.as_deref(), Some("did you mean `published`?"));
}

#[test]
fn enum_values_are_listed() {
    let err = first_error(
        "msg-enum.yaml",
        "services:\n  web:\n    image: a\n    pull_policy: alway\n",
    );
    assert_eq!(
        err.message,
        "invalid value `alway`: expected one of `always`, `never`, `if_not_present`, `build`, `missing`, \
         `daily`, `weekly` or `every_<duration>`"
    );
    assert_eq!(err.hint.as_deref(), Some("did you mean `always`?"));
}

#[test]
fn bad_refresh_durations_name_file_line_service_and_attribute() {
    let err = first_error(
        "msg-every.yaml",
        "services:\n  web:\n    image: a\n    pull_policy: every_1.5h\n",
    );
    assert_eq!(
        err.to_string(),
        "msg-every.yaml:4:18: services.web.pull_policy: invalid duration in `every_1.5h`: unknown unit `.` after `1` (units are `w`, `d`, `h`, `m`, `s`)"
    );
}

#[test]
fn bad_names() {
    let err = first_error("msg-name.yaml", "services:\n  my web:\n    image: a\n");
    assert_eq!(
        err.to_string(),
        "msg-name.yaml:2:3: services.my web: invalid service name `my web`: names may only contain letters, digits, `.`, `_` and `-`"
    );
}

#[test]
fn a_file_that_is_not_a_mapping() {
    let err = first_error("msg-root.yaml", "- a\n- b\n");
    assert_eq!(
        err.to_string(),
        "msg-root.yaml:1:1: a compose file must be a mapping, found a list"
    );
}
