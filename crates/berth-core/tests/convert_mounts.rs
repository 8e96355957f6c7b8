//! The mounts family: `Binds` versus `Mounts` as Docker Compose 2.26.1 chooses, volume, bind
//! and tmpfs options, inherited anonymous volumes, secrets and configs (binds and archives).

mod convert_support;

use berth_core::convert::{
    config_archives, file_injections, secret_archives, secret_mounts, ContainerOptions, Inherit,
};
use berth_engine::archive::read_tar;
use berth_engine::{BindOptions, Mount, MountKind, MountPoint, TmpfsOptions, VolumeMountOptions};
use convert_support::{error, options, plan, project, project_in, try_plan, Dir, OLD_API};

fn bind(source: &str, target: &str) -> Mount {
    Mount { kind: MountKind::Bind, source: Some(source.into()), target: target.into(), ..Mount::default() }
}

const VOLUMES: &str = r"
services:
  a:
    image: busybox
    volumes:
      - ./data:/srv/data:ro
      - ./data:/srv/z:z
      - /abs:/srv/abs:rw,rshared
      - type: bind
        source: ./data
        target: /srv/long
        read_only: true
        consistency: cached
        bind:
          propagation: rslave
          create_host_path: false
      - type: bind
        source: ./data
        target: /srv/create/
        bind:
          create_host_path: true
          selinux: Z
      - type: bind
        source: /plain
        target: /srv/plain
      - named:/srv/named
      - named:/srv/nocopy:nocopy
      - type: volume
        source: named
        target: /srv/sub
        volume:
          subpath: inner
      - /anon
      - type: volume
        target: /anon-long
      - bound:/srv/bound
      - type: tmpfs
        target: /srv/tmp
        tmpfs:
          size: 2m
          mode: 0o750
      - type: tmpfs
        target: /srv/tmp2
volumes:
  named:
    name: custom-named
  bound:
    driver_opts:
      type: none
      o: bind
      device: /somewhere
";

#[test]
fn binds_versus_mounts() {
    let p = project(VOLUMES);
    let h = plan(&p, "a", OLD_API).create.host_config;
    // Short-syntax binds and binds with create_host_path use Binds; so does a volume with the
    // driver option `o: bind`, by its name. Sorted by target.
    assert_eq!(
        h.binds,
        [
            "/abs:/srv/abs:rw,rshared",
            "p_bound:/srv/bound:rw",
            "/work/proj/data:/srv/create:rw,Z",
            "/work/proj/data:/srv/data:ro",
            "/work/proj/data:/srv/z:rw,z",
        ]
    );
    let vol = |source: Option<&str>, target: &str, opts: Option<VolumeMountOptions>| Mount {
        kind: MountKind::Volume,
        source: source.map(Into::into),
        target: target.into(),
        volume: opts,
        ..Mount::default()
    };
    let want = vec![
        vol(None, "/anon", Some(VolumeMountOptions::default())),
        vol(None, "/anon-long", None),
        Mount {
            read_only: true,
            consistency: Some("cached".into()),
            bind: Some(BindOptions { propagation: Some("rslave".into()), ..BindOptions::default() }),
            ..bind("/work/proj/data", "/srv/long")
        },
        vol(Some("custom-named"), "/srv/named", Some(VolumeMountOptions::default())),
        vol(Some("custom-named"), "/srv/nocopy", Some(VolumeMountOptions { no_copy: true, ..VolumeMountOptions::default() })),
        bind("/plain", "/srv/plain"),
        vol(
            Some("custom-named"),
            "/srv/sub",
            Some(VolumeMountOptions { subpath: Some("inner".into()), ..VolumeMountOptions::default() }),
        ),
        Mount {
            kind: MountKind::Tmpfs,
            target: "/srv/tmp".into(),
            tmpfs: Some(TmpfsOptions { size_bytes: Some(2 << 20), mode: Some(0o750), options: vec![] }),
            ..Mount::default()
        },
        Mount { kind: MountKind::Tmpfs, target: "/srv/tmp2".into(), ..Mount::default() },
    ];
    assert_eq!(h.mounts, want);
}

#[test]
fn recreated_containers_inherit_anonymous_volumes() {
    let p = project(
        r"
services:
  a:
    image: busybox
    volumes:
      - /anon
      - /data-named-now
      - named:/image-vol
volumes:
  named: {}
",
    );
    let old = |kind, name: &str, dest: &str, rw| MountPoint {
        kind,
        name: Some(name.into()),
        source: format!("/var/lib/docker/volumes/{name}/_data"),
        destination: dest.into(),
        rw,
        ..MountPoint::default()
    };
    let inherit = Inherit {
        mounts: vec![
            old(MountKind::Volume, "aaa", "/anon/", true),
            old(MountKind::Volume, "bbb", "/from-image", false),
            old(MountKind::Volume, "ccc", "/image-vol", true),
            old(MountKind::Tmpfs, "", "/tmp", true),
        ],
        image_volumes: vec!["/from-image".into(), "/image-vol".into()],
    };
    let opts = ContainerOptions { inherit: Some(inherit), ..options() };
    let mounts = try_plan(&p, "a", OLD_API, &opts).unwrap().create.host_config.mounts;
    let m = |source: &str, target: &str, read_only| Mount {
        kind: MountKind::Volume,
        source: Some(source.into()),
        target: target.into(),
        read_only,
        ..Mount::default()
    };
    assert_eq!(
        mounts,
        [
            m("aaa", "/anon", false),
            Mount {
                kind: MountKind::Volume,
                source: None,
                target: "/data-named-now".into(),
                volume: Some(VolumeMountOptions::default()),
                ..Mount::default()
            },
            m("bbb", "/from-image", true),
            // A named volume on an image volume's target replaces the inherited one.
            Mount { volume: Some(VolumeMountOptions::default()), ..m("p_named", "/image-vol", false) },
        ]
    );
}

const SECRETS: &str = r#"
services:
  a:
    image: busybox
    secrets:
      - s_file
      - source: s_file
        target: custom
      - source: s_file
        target: /etc/abs
        uid: "1"
        mode: 0o400
      - source: s_env
        target: /etc/s_env
        uid: "1000"
        gid: "1001"
        mode: 0o400
      - s_env
    configs:
      - c_file
      - source: c_file
        target: etc/rel.conf
      - source: c_content
        target: /etc/app.conf
        mode: 0o440
      - source: c_env
        target: c_env.conf
    volumes:
      - ./other:/run/secrets/custom
secrets:
  s_file:
    file: ./secret.txt
  s_env:
    environment: SECRET_VAR
configs:
  c_file:
    file: ./config.txt
  c_content:
    content: inline content
  c_env:
    environment: CONFIG_VAR
"#;

#[test]
fn file_secrets_and_configs_are_read_only_binds() {
    let p = project_in(std::path::Path::new("/proj"), SECRETS, &[("SECRET_VAR", "s3"), ("CONFIG_VAR", "c0")]);
    let h = plan(&p, "a", OLD_API).create.host_config;
    let ro = |source: &str, target: &str| Mount { read_only: true, ..bind(source, target) };
    // A service volume on a secret's target wins.
    assert_eq!(h.binds, ["/proj/other:/run/secrets/custom:rw"]);
    assert_eq!(
        h.mounts,
        [
            ro("/proj/config.txt", "/c_file"),
            ro("/proj/secret.txt", "/etc/abs"),
            ro("/proj/config.txt", "/etc/rel.conf"),
            ro("/proj/secret.txt", "/run/secrets/s_file"),
        ]
    );
    let secrets = secret_mounts(&p, &p.services["a"]).unwrap();
    assert_eq!(secrets.len(), 3, "{secrets:?}");
}

#[test]
fn environment_secrets_and_content_configs_are_archives() {
    let p = project_in(std::path::Path::new("/proj"), SECRETS, &[("SECRET_VAR", "s3"), ("CONFIG_VAR", "c0")]);
    let svc = &p.services["a"];
    let secrets = secret_archives(&p, svc, 1_700_000_000).unwrap();
    let targets: Vec<&str> = secrets.iter().map(|s| s.target.as_str()).collect();
    assert_eq!(targets, ["/etc/s_env", "/run/secrets/s_env"]);
    assert!(secrets.iter().all(|s| s.path == "/"));
    assert!(secrets[0].options.copy_uid_gid && !secrets[1].options.copy_uid_gid);
    let entries = read_tar(&secrets[0].archive).unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!((e.path.as_str(), e.data.as_slice()), ("etc/s_env", b"s3".as_slice()));
    assert_eq!((e.mode, e.uid, e.gid, e.mtime), (0o400, 1000, 1001, 1_700_000_000));
    let default_mode = &read_tar(&secrets[1].archive).unwrap()[0];
    assert_eq!((default_mode.mode, default_mode.uid, default_mode.gid), (0o444, 0, 0));

    let configs = config_archives(&p, svc, 0).unwrap();
    let got: Vec<(String, Vec<u8>, u32)> = configs
        .iter()
        .map(|c| {
            let e = &read_tar(&c.archive).unwrap()[0];
            (c.target.clone(), e.data.clone(), e.mode)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("/etc/app.conf".to_owned(), b"inline content".to_vec(), 0o440),
            ("c_env.conf".to_owned(), b"c0".to_vec(), 0o444),
        ]
    );
    assert_eq!(file_injections(&p, svc, 0).unwrap().len(), 4);
}

#[test]
fn missing_secret_variable_is_an_error() {
    let p = project_in(std::path::Path::new("/proj"), SECRETS, &[("CONFIG_VAR", "c0")]);
    let e = secret_archives(&p, &p.services["a"], 0).unwrap_err().to_string();
    assert!(e.contains(r#"environment variable "SECRET_VAR" required by file "p_s_env" is not set"#), "{e}");
}

#[test]
fn unsupported_secret_kinds() {
    let p = project(
        r"
services:
  a:
    image: busybox
    secrets: [ext]
secrets:
  ext:
    external: true
",
    );
    assert!(error(&p, "a", OLD_API).contains("unsupported external secret ext"));
}

#[test]
fn archives_are_extractable_by_the_engine_reader() {
    let dir = Dir::new("archives");
    let p = project_in(dir.path(), SECRETS, &[("SECRET_VAR", "x".repeat(3000).as_str()), ("CONFIG_VAR", "")]);
    let svc = &p.services["a"];
    let secrets = secret_archives(&p, svc, 0).unwrap();
    assert_eq!(read_tar(&secrets[0].archive).unwrap()[0].data.len(), 3000);
    // An empty config value is skipped, as Docker Compose skips empty content.
    let configs = config_archives(&p, svc, 0).unwrap();
    assert_eq!(configs.len(), 1);
}
