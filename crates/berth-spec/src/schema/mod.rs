//! Validation of a compose tree against the Compose Specification's rules: exactly what
//! Docker Compose 2.26.1 accepts through its JSON schema (compose-go v2.4.8), reported with
//! positions, readable messages and did-you-mean hints for unknown keys.
//!
//! The loader runs this on each file's tree after interpolation (with type casting), `extends`,
//! `include` and merging with the files before it, and before short-to-long syntax conversion,
//! as compose-go does; so every short form (ports as numbers or strings, volumes as strings,
//! environment as a list or a mapping...) is accepted here.
//!
//! `rules` holds the rule language and the walker; `compose` describes the file format in it.

mod compose;
#[cfg(test)]
mod conformance;
mod rules;

use std::sync::LazyLock;

use crate::error::{Error, Result};
use crate::node::Node;

static COMPOSE_FILE: LazyLock<rules::Rule> = LazyLock::new(compose::compose_file);

/// Checks a compose tree and returns the first problem found, in document order.
pub fn validate(root: &Node) -> Result<()> {
    match validate_all(root).into_iter().next() {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// Checks a compose tree and returns every problem found, in document order.
pub fn validate_all(root: &Node) -> Vec<Error> {
    if root.as_map().is_none() {
        let found = rules::found(root);
        return vec![
            Error::invalid(format!("a compose file must be a mapping, found {found}"))
                .at(root.span),
        ];
    }
    let mut errors = Vec::new();
    rules::check(&COMPOSE_FILE, root, &mut errors);
    errors
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn errors(doc: &serde_json::Value) -> Vec<Error> {
        validate_all(&Node::from_json(doc))
    }

    fn ok(doc: &serde_json::Value) {
        let errs = errors(doc);
        assert!(
            errs.is_empty(),
            "{doc}: unexpected {:?}",
            errs.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }

    /// The first error, as "path: message".
    fn fails(doc: &serde_json::Value) -> String {
        let errs = errors(doc);
        assert!(!errs.is_empty(), "{doc}: expected an error");
        errs[0].to_string()
    }

    fn service(body: &serde_json::Value) -> serde_json::Value {
        json!({"services": {"web": body}})
    }

    #[test]
    fn minimal_files() {
        ok(&json!({}));
        ok(&json!({"services": {"web": {"image": "nginx"}}}));
        ok(&json!({"name": "demo", "version": "3.8", "x-common": {"anything": [1, null]}}));
        assert_eq!(
            fails(&json!({"version": 3.8})),
            "version: expected a string, found the number `3.8`"
        );
        assert_eq!(
            fails(&json!([])),
            "a compose file must be a mapping, found a list"
        );
    }

    #[test]
    fn unknown_keys_everywhere() {
        let err = &errors(&service(&json!({"imgae": "nginx"})))[0];
        assert_eq!(
            err.to_string(),
            "services.web.imgae: unknown key `imgae` in service `web`"
        );
        assert_eq!(err.hint.as_deref(), Some("did you mean `image`?"));
        assert_eq!(
            fails(&service(&json!({"deploy": {"resources": {"limit": {}}}}))),
            "services.web.deploy.resources.limit: unknown key `limit` in `deploy.resources` of service `web`"
        );
        assert_eq!(
            fails(&json!({"volumes": {"data": {"drivr": "local"}}})),
            "volumes.data.drivr: unknown key `drivr` in volume `data`"
        );
        assert_eq!(
            fails(&json!({"service": {}})),
            "service: unknown top-level key `service`"
        );
        ok(&service(
            &json!({"image": "a", "x-note": {"free": "form"}, "build": {"x-b": 1}}),
        ));
    }

    #[test]
    fn names_of_objects() {
        assert_eq!(
            fails(&json!({"services": {"my web": {}}})),
            "services.my web: invalid service name `my web`: names may only contain letters, digits, `.`, `_` and `-`"
        );
        assert!(!errors(&json!({"secrets": {"a/b": {"file": "x"}}})).is_empty());
        // Docker Compose never checks network names against the pattern.
        ok(&json!({"networks": {"a/b": {"bogus": true}}}));
        ok(
            &json!({"networks": {"front": null, "back": {"driver": "bridge"}}, "volumes": {"v": null}}),
        );
        assert_eq!(
            fails(&json!({"services": {"web": null}})),
            "services.web: expected a mapping, found null"
        );
        assert!(
            !errors(&json!({"secrets": {"s": null}})).is_empty(),
            "secrets must be mappings"
        );
    }

    #[test]
    fn short_syntax_is_accepted() {
        ok(&service(&json!({
            "ports": [80, "8080:80", "127.0.0.1:53:53/udp", {"target": 80, "published": "8080", "x-p": 1}],
            "volumes": ["./data:/data:ro", {"type": "bind", "source": ".", "target": "/src", "bind": {"selinux": "z"}}],
            "environment": ["A=1", "B"],
            "labels": {"a": "1", "b": 2, "c": true, "d": null},
            "command": "echo hi",
            "entrypoint": ["sh", "-c"],
            "depends_on": ["db"],
            "networks": ["front"],
            "env_file": ".env",
            "dns": "8.8.8.8",
            "tmpfs": ["/tmp"],
            "extra_hosts": {"host": ["1.2.3.4", "::1"]},
            "expose": [80, "81"],
            "build": ".",
            "extends": "base",
            "healthcheck": {"test": "true", "retries": 3},
            "ulimits": {"nofile": {"soft": 1, "hard": 2}, "nproc": 65535},
            "gpus": "all",
        })));
        ok(&service(&json!({
            "environment": {"A": 1.5},
            "depends_on": {"db": {"condition": "service_healthy", "restart": "true", "required": false}},
            "networks": {"front": null, "back": {"aliases": ["b"], "priority": 1.5}},
            "env_file": ["a.env", {"path": "b.env", "required": false}],
            "command": null,
            "extends": {"service": "base", "file": "base.yaml"},
            "build": {"context": ".", "args": ["A=1"], "ulimits": {"nofile": 1}},
        })));
    }

    #[test]
    fn list_or_dict_and_string_or_list() {
        assert_eq!(
            fails(&service(&json!({"environment": "A=1"}))),
            "services.web.environment: expected a mapping or a list, found the string \"A=1\""
        );
        assert_eq!(
            fails(&service(&json!({"environment": {"A": [1]}}))),
            "services.web.environment.A: expected a string, a number, a boolean or null, found a list"
        );
        assert_eq!(
            fails(&service(&json!({"environment": ["A=1", 2]}))),
            "services.web.environment[1]: expected a string, found the integer `2`"
        );
        assert!(fails(&service(&json!({"environment": ["A=1", "A=1"]})))
            .contains("duplicate item `A=1`"));
        assert_eq!(
            fails(&service(&json!({"dns": {"a": 1}}))),
            "services.web.dns: expected a string or a list, found a mapping"
        );
    }

    #[test]
    fn enums() {
        let err = &errors(&service(&json!({"pull_policy": "refresh"})))[0];
        assert_eq!(
            err.to_string(),
            "services.web.pull_policy: invalid value `refresh`: expected one of `always`, `never`, \
             `if_not_present`, `build`, `missing`, `daily`, `weekly` or `every_<duration>`"
        );
        ok(&service(&json!({"pull_policy": "daily"})));
        ok(&service(&json!({"pull_policy": "every_1w12h"})));
        assert_eq!(
            fails(&service(&json!({"pull_policy": "every_12x"}))),
            "services.web.pull_policy: invalid duration in `every_12x`: unknown unit `x` after \
             `12` (units are `w`, `d`, `h`, `m`, `s`)"
        );
        ok(&service(
            &json!({"pull_policy": "if_not_present", "cgroup": "host"}),
        ));
        assert!(fails(&service(&json!({"cgroup": "shared"}))).contains("`host` or `private`"));
        assert!(fails(&service(&json!({"gpus": "some"}))).contains("expected `all`"));
        assert!(!errors(&service(
            &json!({"volumes": [{"type": "bind", "bind": {"recursive": "yes"}}]})
        ))
        .is_empty());
        assert!(!errors(&service(
            &json!({"deploy": {"update_config": {"order": "random"}}})
        ))
        .is_empty());
        assert!(!errors(&service(
            &json!({"develop": {"watch": [{"path": ".", "action": "copy"}]}})
        ))
        .is_empty());
    }

    #[test]
    fn required_keys() {
        assert_eq!(
            fails(&service(&json!({"depends_on": {"db": {}}}))),
            "services.web.depends_on.db: missing required key `condition` in `depends_on.db` of service `web`"
        );
        assert!(fails(&service(
            &json!({"volumes": [{"source": "a", "target": "/a"}]})
        ))
        .contains("`type`"));
        assert!(fails(&service(&json!({"ulimits": {"nofile": {"soft": 1}}}))).contains("`hard`"));
        assert!(fails(&service(&json!({"extends": {"file": "a.yaml"}}))).contains("`service`"));
        assert!(fails(&service(&json!({"devices": [{"target": "/dev/x"}]}))).contains("`source`"));
        assert!(fails(&service(&json!({"env_file": [{"required": true}]}))).contains("`path`"));
        assert!(
            fails(&service(&json!({"develop": {"watch": [{"path": "."}]}}))).contains("`action`")
        );
        assert!(fails(&service(
            &json!({"deploy": {"resources": {"reservations": {"devices": [{"count": 1}]}}}})
        ))
        .contains("`capabilities`"));
    }

    #[test]
    fn numeric_ranges() {
        ok(&service(
            &json!({"cpu_percent": 100, "cpu_count": 0, "oom_score_adj": -1000}),
        ));
        ok(&service(
            &json!({"cpu_percent": "50", "oom_score_adj": "-2000"}),
        ));
        assert_eq!(
            fails(&service(&json!({"cpu_percent": 101}))),
            "services.web.cpu_percent: value 101 is out of range: must be between 0 and 100"
        );
        assert!(!errors(&service(&json!({"cpu_count": -1}))).is_empty());
        assert!(!errors(&service(&json!({"oom_score_adj": 1001}))).is_empty());
        assert_eq!(
            fails(&service(&json!({"cpu_percent": 1.5}))),
            "services.web.cpu_percent: expected a string or an integer, found the number `1.5`"
        );
        ok(&service(&json!({"cpu_percent": 50.0})));
        assert!(!errors(&service(
            &json!({"volumes": [{"type": "tmpfs", "tmpfs": {"size": -1}}]})
        ))
        .is_empty());
    }

    #[test]
    fn integer_versus_number_attributes() {
        ok(&service(
            &json!({"cpus": 0.5, "mem_limit": 1.5, "cpu_shares": 2.5}),
        ));
        assert!(!errors(&service(&json!({"mem_reservation": 1.5}))).is_empty());
        assert!(!errors(&service(&json!({"scale": 1.5}))).is_empty());
        ok(&service(
            &json!({"scale": 2.0, "ports": [{"target": 80.0}]}),
        ));
        assert!(!errors(&service(&json!({"ports": [{"target": 80.5}]}))).is_empty());
        ok(&service(&json!({"ports": [80.5]})));
    }

    #[test]
    fn booleans_and_strings() {
        ok(&service(
            &json!({"init": "true", "tty": true, "read_only": "false", "attach": false}),
        ));
        assert_eq!(
            fails(&service(&json!({"tty": 1}))),
            "services.web.tty: expected a boolean or a string, found the integer `1`"
        );
        // `required` of a dependency must be a real boolean.
        assert!(!errors(&service(
            &json!({"depends_on": {"db": {"condition": "service_started", "required": "true"}}})
        ))
        .is_empty());
    }

    #[test]
    fn unique_items() {
        assert!(fails(&service(&json!({"ports": ["80:80", "80:80"]})))
            .starts_with("services.web.ports[1]: duplicate item"));
        assert!(!errors(&service(&json!({"ports": [80, 80.0]}))).is_empty());
        ok(&service(&json!({"ports": [80, "80"]})));
        assert!(!errors(&service(&json!({"cap_add": ["NET_ADMIN", "NET_ADMIN"]}))).is_empty());
        // Not every list is unique.
        ok(&service(
            &json!({"command": ["a", "a"], "build": {"tags": ["a", "a"]}, "post_start": [{}, {}]}),
        ));
        ok(&service(
            &json!({"extra_hosts": {"h": ["1.1.1.1", "1.1.1.1"]}}),
        ));
    }

    #[test]
    fn quirks_of_the_reference_schema() {
        // gpus entries accept unknown keys, deploy device requests do not.
        ok(&service(
            &json!({"gpus": [{"driver": "nvidia", "whatever": 1}]}),
        ));
        assert!(!errors(&service(&json!({"deploy": {"resources": {"reservations": {"devices": [{"capabilities": ["gpu"], "whatever": 1}]}}}}))).is_empty());
        // Ulimits are only checked when their name is lowercase.
        ok(&service(&json!({"ulimits": {"NOFILE": [1, 2]}})));
        // Secrets' external mappings are open, volumes' are not.
        ok(&json!({"secrets": {"s": {"external": {"name": "n", "other": 1}}}}));
        assert!(
            !errors(&json!({"volumes": {"v": {"external": {"name": "n", "other": 1}}}})).is_empty()
        );
        ok(&json!({"volumes": {"v": {"external": "true"}}, "configs": {"c": {"external": true}}}));
        // storage_opt is any mapping.
        ok(&service(&json!({"storage_opt": {"size": ["anything"]}})));
        // logging options may be null, driver options may not.
        ok(&service(
            &json!({"logging": {"options": {"max-size": null, "max-file": 3}}}),
        ));
        assert!(!errors(&json!({"networks": {"n": {"driver_opts": {"a": null}}}})).is_empty());
        assert!(!errors(&json!({"networks": {"n": {"ipam": {"options": {"a": 1}}}}})).is_empty());
    }

    #[test]
    fn every_error_is_reported_in_document_order() {
        let errs = errors(&json!({
            "services": {"a": {"imgae": "x", "ports": [{"bogus": 1}]}, "b": {"tty": []}},
            "bogus": 1,
        }));
        let paths: Vec<_> = errs
            .iter()
            .map(|e| e.path.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            paths,
            [
                "services.a.imgae",
                "services.a.ports[0].bogus",
                "services.b.tty",
                "bogus"
            ]
        );
        assert_eq!(
            validate(&Node::from_json(&json!({"bogus": 1})))
                .unwrap_err()
                .path
                .as_deref(),
            Some("bogus")
        );
        assert!(validate(&Node::from_json(&json!({"services": {}}))).is_ok());
    }

    #[test]
    fn positions_point_at_the_key() {
        use crate::node::{Key, Map, Span, Value};
        use crate::sources::FileId;
        let at = |line| Span {
            file: FileId(0),
            line,
            col: 3,
        };
        let mut body = Map::new();
        body.insert(Key::new("imgae", at(3)), Node::string("x", at(3)));
        let mut services = Map::new();
        services.insert(Key::new("web", at(2)), Node::map(body, at(3)));
        let mut root = Map::new();
        root.insert(Key::new("services", at(1)), Node::map(services, at(2)));
        let err = validate(&Node::new(Value::Map(root), at(1))).unwrap_err();
        assert_eq!(err.span, Some(at(3)));
    }
}
