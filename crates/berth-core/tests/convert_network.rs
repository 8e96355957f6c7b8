//! The networking family: network mode, endpoints in priority order, aliases, static
//! addresses, the API 1.44 split (create on the primary network, connect the rest), MAC
//! address rules, links, and the creation specs of networks and volumes.

mod convert_support;

use std::collections::BTreeMap;

use berth_core::convert::{
    container_create, network_create, volume_create, ContainerOptions, CreateContext, OneOff, ResolvedReferences,
};
use berth_engine::{EndpointConfig, Ipam, IpamPool, NetworkCreate, VolumeCreate};
use convert_support::{error, options, plan, project, try_plan, NEW_API, OLD_API};

const NETS: &str = r"
services:
  web:
    image: busybox
    networks:
      back:
        ipv4_address: 10.1.0.5
        ipv6_address: fd00::5
        link_local_ips: [169.254.1.1]
      front:
        priority: 100
        aliases: [www, site]
      mid: {}
  db:
    image: busybox
  none:
    image: busybox
    network_mode: none
networks:
  front: {}
  back: {}
  mid:
    external: true
    name: shared-mid
";

fn ep(aliases: &[&str]) -> EndpointConfig {
    EndpointConfig { aliases: aliases.iter().map(|s| (*s).to_owned()).collect(), ..EndpointConfig::default() }
}

fn static_back() -> EndpointConfig {
    EndpointConfig {
        ipv4_address: Some("10.1.0.5".into()),
        ipv6_address: Some("fd00::5".into()),
        link_local_ips: vec!["169.254.1.1".into()],
        ..ep(&["p-web-1", "web"])
    }
}

#[test]
fn new_engines_get_every_network_in_priority_order() {
    let p = project(NETS);
    let created = plan(&p, "web", NEW_API);
    assert_eq!(created.create.host_config.network_mode.as_deref(), Some("p_front"));
    let got: Vec<(&String, &EndpointConfig)> = created.create.networking.endpoints.iter().collect();
    let front = ep(&["p-web-1", "web", "www", "site"]);
    let mid = ep(&["p-web-1", "web"]);
    let want_names = ["p_front".to_owned(), "p_back".to_owned(), "shared-mid".to_owned()];
    assert_eq!(got, vec![(&want_names[0], &front), (&want_names[1], &static_back()), (&want_names[2], &mid)]);
    assert!(created.connect.is_empty());
}

#[test]
fn old_engines_create_on_the_primary_network_and_connect_the_rest() {
    let p = project(NETS);
    let created = plan(&p, "web", OLD_API);
    let names: Vec<&String> = created.create.networking.endpoints.keys().collect();
    assert_eq!(names, ["p_front"]);
    assert_eq!(
        created.connect,
        [("p_back".to_owned(), static_back()), ("shared-mid".to_owned(), ep(&["p-web-1", "web"]))]
    );
}

#[test]
fn default_network_and_modes() {
    let p = project(NETS);
    let db = plan(&p, "db", OLD_API).create;
    assert_eq!(db.host_config.network_mode.as_deref(), Some("p_default"));
    assert_eq!(db.networking.endpoints["p_default"], ep(&["p-db-1", "db"]));
    let none = plan(&p, "none", OLD_API).create;
    assert_eq!(none.host_config.network_mode.as_deref(), Some("none"));
    assert!(none.networking.endpoints.is_empty());
}

#[test]
fn external_network_ids_replace_names() {
    let p = project(NETS);
    let mut ctx = CreateContext::new(&p, NEW_API);
    ctx.network_names.insert("mid".into(), "0123abcd".into());
    let created = container_create(&ctx, &p.services["web"], 1, &options()).unwrap();
    assert!(created.create.networking.endpoints.contains_key("0123abcd"));
}

#[test]
fn one_off_containers_get_aliases_only_when_asked() {
    let p = project(NETS);
    let slug = "a".repeat(64);
    let run = |use_aliases| ContainerOptions {
        one_off: Some(OneOff { slug: slug.clone(), use_aliases, ..OneOff::default() }),
        ..options()
    };
    let plain = try_plan(&p, "web", NEW_API, &run(false)).unwrap().create;
    assert_eq!(plain.networking.endpoints["p_front"].aliases, ["p-web-run-aaaaaaaaaaaa"]);
    let aliased = try_plan(&p, "web", NEW_API, &run(true)).unwrap().create;
    assert_eq!(aliased.networking.endpoints["p_front"].aliases, ["p-web-run-aaaaaaaaaaaa", "web", "www", "site"]);
}

const MACS: &str = r"
services:
  top:
    image: busybox
    mac_address: 02:00:00:00:00:01
  top_and_block:
    image: busybox
    mac_address: 02:00:00:00:00:01
    networks:
      front:
        ipv4_address: 10.1.0.5
  endpoint:
    image: busybox
    networks:
      front:
        priority: 10
        mac_address: 02:00:00:00:00:02
      back: {}
  secondary:
    image: busybox
    networks:
      front:
        mac_address: 02:00:00:00:00:02
      back: {}
  conflict:
    image: busybox
    mac_address: 02:00:00:00:00:01
    networks:
      front:
        mac_address: 02:00:00:00:00:02
  two:
    image: busybox
    networks:
      front:
        mac_address: 02:00:00:00:00:02
      back:
        mac_address: 02:00:00:00:00:03
networks:
  front: {}
  back: {}
";

#[test]
fn mac_address_rules() {
    let p = project(MACS);
    // API >= 1.44: the endpoint carries it, Config never does. A service-level address is
    // dropped when the main network has no settings block (Docker Compose's behaviour).
    let top = plan(&p, "top", NEW_API).create;
    assert_eq!(top.config.mac_address, None);
    assert_eq!(top.networking.endpoints["p_default"].mac_address, None);
    let both = plan(&p, "top_and_block", NEW_API).create;
    assert_eq!(both.networking.endpoints["p_front"].mac_address.as_deref(), Some("02:00:00:00:00:01"));
    assert_eq!(both.config.mac_address, None);
    let two = plan(&p, "two", NEW_API).create;
    assert_eq!(two.networking.endpoints["p_back"].mac_address.as_deref(), Some("02:00:00:00:00:03"));

    // API < 1.44: Config carries the main network's address, or the service's when the main
    // network has no settings block.
    assert_eq!(plan(&p, "top", OLD_API).create.config.mac_address.as_deref(), Some("02:00:00:00:00:01"));
    assert_eq!(plan(&p, "top_and_block", OLD_API).create.config.mac_address, None);
    assert_eq!(plan(&p, "endpoint", OLD_API).create.config.mac_address.as_deref(), Some("02:00:00:00:00:02"));
    // `back` sorts first, so it is the main network; the address stays on `front`'s endpoint.
    let secondary = plan(&p, "secondary", OLD_API);
    assert_eq!(secondary.create.config.mac_address, None);
    assert_eq!(secondary.connect[0].1.mac_address.as_deref(), Some("02:00:00:00:00:02"));
    let e = error(&p, "two", OLD_API);
    assert!(e.contains("a MAC address is specified for multiple networks (back, front), but this feature requires Docker Engine 1.44 or later (currently: 1.41)"), "{e}");
    let e = error(&p, "conflict", NEW_API);
    assert!(e.contains("the service-level mac_address should have the same value as network front"), "{e}");
}

#[test]
fn links_resolve_to_container_names() {
    let p = project(
        r"
services:
  db:
    image: busybox
  web:
    image: busybox
    links: [db, db:database]
    external_links: [legacy, other:alias]
",
    );
    let resolved = ResolvedReferences {
        link_containers: BTreeMap::from([("db".to_owned(), vec!["p-db-1".to_owned(), "p-db-2".to_owned()])]),
        ..ResolvedReferences::default()
    };
    let opts = ContainerOptions { resolved, ..options() };
    let ctx = CreateContext::new(&p, OLD_API);
    let created = container_create(&ctx, &p.services["web"], 2, &opts).unwrap().create;
    let want = [
        "p-db-1:db",
        "p-db-1:db-2",
        "p-db-1:p-db-2",
        "p-db-2:db",
        "p-db-2:db-2",
        "p-db-2:p-db-2",
        "p-db-1:database",
        "p-db-1:db-2",
        "p-db-1:p-db-2",
        "p-db-2:database",
        "p-db-2:db-2",
        "p-db-2:p-db-2",
        "legacy:legacy",
        "other:alias",
    ];
    assert_eq!(created.host_config.links, want);
    // Docker Compose passes the links on every endpoint too.
    assert_eq!(created.networking.endpoints["p_default"].links, want);
}

#[test]
fn network_creation_spec() {
    let p = project(
        r#"
services:
  a:
    image: busybox
    networks: [back, plain]
networks:
  back:
    driver: bridge
    driver_opts: {com.docker.network.bridge.enable_icc: "true"}
    internal: true
    attachable: true
    enable_ipv6: true
    labels: {com.example: x, com.docker.compose.project: evil}
    ipam:
      driver: default
      config:
        - subnet: 10.2.0.0/24
          ip_range: 10.2.0.128/25
          gateway: 10.2.0.254
          aux_addresses: {host1: 10.2.0.5}
  plain: {}
"#,
    );
    let back = network_create("p", "back", &p.networks["back"]);
    let labels = |extra: &[(&str, &str)], key: &str| {
        let mut l: BTreeMap<String, String> = extra.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        l.insert("com.docker.compose.network".into(), key.into());
        l.insert("com.docker.compose.project".into(), "p".into());
        l.insert("com.docker.compose.version".into(), "2.26.1".into());
        l
    };
    assert_eq!(
        back,
        NetworkCreate {
            name: "p_back".into(),
            driver: Some("bridge".into()),
            driver_opts: BTreeMap::from([("com.docker.network.bridge.enable_icc".into(), "true".into())]),
            ipam: Some(Ipam {
                driver: Some("default".into()),
                config: vec![IpamPool {
                    subnet: Some("10.2.0.0/24".into()),
                    ip_range: Some("10.2.0.128/25".into()),
                    gateway: Some("10.2.0.254".into()),
                    aux_addresses: BTreeMap::from([("host1".into(), "10.2.0.5".into())]),
                }],
                options: BTreeMap::new(),
            }),
            internal: true,
            attachable: true,
            enable_ipv6: Some(true),
            labels: labels(&[("com.example", "x")], "back"),
            ..NetworkCreate::default()
        }
    );
    let plain = network_create("p", "plain", &p.networks["plain"]);
    assert_eq!(plain, NetworkCreate { name: "p_plain".into(), labels: labels(&[], "plain"), ..NetworkCreate::default() });
}

#[test]
fn volume_creation_spec() {
    let p = project(
        r"
services:
  a:
    image: busybox
    volumes: [data:/data, named:/named]
volumes:
  data:
    driver: local
    driver_opts: {type: tmpfs, device: tmpfs, o: size=10m}
    labels: [com.example=y]
  named:
    name: custom
",
    );
    let mut labels = BTreeMap::from([
        ("com.docker.compose.volume".to_owned(), "data".to_owned()),
        ("com.docker.compose.project".to_owned(), "p".to_owned()),
        ("com.docker.compose.version".to_owned(), "2.26.1".to_owned()),
    ]);
    labels.insert("com.example".into(), "y".into());
    assert_eq!(
        volume_create("p", "data", &p.volumes["data"]),
        VolumeCreate {
            name: "p_data".into(),
            driver: Some("local".into()),
            driver_opts: BTreeMap::from([
                ("device".into(), "tmpfs".into()),
                ("o".into(), "size=10m".into()),
                ("type".into(), "tmpfs".into()),
            ]),
            labels,
        }
    );
    assert_eq!(volume_create("p", "named", &p.volumes["named"]).name, "custom");
}
