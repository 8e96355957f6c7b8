//! Mounts: which service volumes become `Binds` strings and which structured `Mounts`
//! (`buildContainerVolumes`, `buildMount`), file-based secrets and configs as read-only binds,
//! and the anonymous volumes a recreated container inherits.
//!
//! Docker Compose prefers `Mounts`, but the Mount API cannot create a missing host path, so a
//! bind whose `create_host_path` is set (every short-syntax bind) goes through `Binds`; so does
//! a volume whose driver option `o` is `bind`, written as `name:target:mode`.

use std::collections::BTreeMap;
use std::path::Path;

use berth_engine::{BindOptions, Mount, MountKind, TmpfsOptions, VolumeMountOptions};
use berth_spec::model::{Project, ServiceConfig, ServiceVolumeBind, ServiceVolumeConfig};

use super::{ConvertError, Inherit};

/// `(Binds, Mounts)` of a container, each sorted by target.
pub(super) fn container_volumes(
    project: &Project,
    service: &ServiceConfig,
    inherit: Option<&Inherit>,
) -> Result<(Vec<String>, Vec<Mount>), ConvertError> {
    let mount_options = mount_options(project, service, inherit)?;
    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    'mounts: for m in mount_options.into_values() {
        if m.kind == MountKind::Bind {
            for v in &service.volumes {
                if v.target != m.target {
                    continue;
                }
                if m.kind.as_str() != v.kind {
                    // A volume turned into a bind (driver option `o: bind`): its name is the source.
                    let mut v = v.clone();
                    v.source = m.source.clone().unwrap_or_default();
                    binds.push(volume_string(&v));
                    continue 'mounts;
                }
                if v.bind.as_ref().is_some_and(|b| b.create_host_path) {
                    binds.push(volume_string(v));
                    continue 'mounts;
                }
            }
        }
        mounts.push(m);
    }
    Ok((binds, mounts))
}

/// compose-go's `ServiceVolumeConfig.String()`: `source:target:access[,selinux][,propagation][,nocopy]`.
pub fn volume_string(v: &ServiceVolumeConfig) -> String {
    let mut options = vec![if v.read_only { "ro" } else { "rw" }];
    if let Some(b) = &v.bind {
        if !b.selinux.is_empty() {
            options.push(&b.selinux);
        }
        if !b.propagation.is_empty() {
            options.push(&b.propagation);
        }
    }
    if v.volume.as_ref().is_some_and(|x| x.nocopy) {
        options.push("nocopy");
    }
    format!("{}:{}:{}", v.source, v.target, options.join(","))
}

/// Every mount by target (`buildContainerMountOptions` + `fillBindMounts`): inherited anonymous
/// volumes, the service's volumes, then secrets and configs on targets still free.
fn mount_options(
    project: &Project,
    service: &ServiceConfig,
    inherit: Option<&Inherit>,
) -> Result<BTreeMap<String, Mount>, ConvertError> {
    let mut mounts: BTreeMap<String, Mount> = BTreeMap::new();
    let mut volumes: Vec<&ServiceVolumeConfig> = service.volumes.iter().collect();
    if let Some(inherit) = inherit {
        for m in &inherit.mounts {
            if m.kind == MountKind::Tmpfs {
                continue;
            }
            let source = if m.kind == MountKind::Volume { m.name.clone().unwrap_or_default() } else { m.source.clone() };
            let destination = clean_path(&m.destination);
            let inherited = Mount {
                kind: m.kind,
                source: super::container::non_empty(&source),
                target: destination.clone(),
                read_only: !m.rw,
                ..Mount::default()
            };
            if inherit.image_volumes.iter().any(|v| clean_path(v) == destination) {
                mounts.insert(destination.clone(), inherited.clone());
            }
            // An anonymous service volume on the same target keeps the old container's volume.
            let before = volumes.len();
            volumes.retain(|v| v.target != destination || !v.source.is_empty());
            if volumes.len() != before {
                mounts.insert(destination, inherited);
            }
        }
    }
    for v in volumes {
        let m = build_mount(project, service, v)?;
        mounts.insert(m.target.clone(), m);
    }
    for m in secret_mounts(project, service)?.into_iter().chain(config_mounts(project, service)?) {
        mounts.entry(m.target.clone()).or_insert(m);
    }
    Ok(mounts)
}

/// One service volume as a structured mount (`buildMount`).
fn build_mount(project: &Project, service: &ServiceConfig, v: &ServiceVolumeConfig) -> Result<Mount, ConvertError> {
    let mut source = v.source.clone();
    if v.kind == "bind" && !source.starts_with('/') && !Path::new(&source).is_absolute() {
        // The loader made it absolute already; this is Docker Compose's fallback.
        source = Path::new(&project.working_dir).join(&source).to_string_lossy().into_owned();
    }
    if v.kind == "volume" && !v.source.is_empty() {
        if let Some(pv) = project.volumes.get(&v.source) {
            if !pv.name.is_empty() {
                source.clone_from(&pv.name);
            }
        }
    }
    let mut kind: MountKind = v
        .kind
        .parse()
        .map_err(|e: String| ConvertError::invalid(service, format!("volume {}: {e}", v.target)))?;
    let (mut bind, mut volume, mut tmpfs) = (None, None, None);
    match v.kind.as_str() {
        "bind" => bind = v.bind.as_ref().map(bind_options),
        "volume" => {
            let bind_driver = project.volumes.get(&v.source).is_some_and(|pv| pv.driver_opts.get("o").map(String::as_str) == Some("bind"));
            if bind_driver {
                bind = Some(bind_options(&ServiceVolumeBind { create_host_path: true, ..ServiceVolumeBind::default() }));
            } else {
                volume = v.volume.as_ref().map(|o| VolumeMountOptions {
                    no_copy: o.nocopy,
                    subpath: super::container::non_empty(&o.subpath),
                    ..VolumeMountOptions::default()
                });
            }
        }
        "tmpfs" => {
            tmpfs = v.tmpfs.as_ref().map(|t| TmpfsOptions {
                size_bytes: (t.size.0 != 0).then_some(t.size.0),
                mode: (t.mode != 0).then_some(t.mode),
                options: Vec::new(),
            });
        }
        _ => {}
    }
    if bind.is_some() {
        kind = MountKind::Bind;
    }
    Ok(Mount {
        kind,
        source: super::container::non_empty(&source),
        target: clean_path(&v.target),
        read_only: v.read_only,
        consistency: super::container::non_empty(&v.consistency),
        bind,
        volume,
        tmpfs,
    })
}

/// Docker Compose passes only the propagation (`recursive` and `create_host_path` are not
/// mount options in 2.26.1).
fn bind_options(b: &ServiceVolumeBind) -> BindOptions {
    BindOptions { propagation: super::container::non_empty(&b.propagation), ..BindOptions::default() }
}

/// Where a secret is mounted: `/run/secrets/<source>`, a relative target under `/run/secrets/`.
pub(super) fn secret_target(source: &str, target: &str) -> String {
    if target.is_empty() {
        format!("/run/secrets/{source}")
    } else if is_abs_target(target) {
        target.to_owned()
    } else {
        format!("/run/secrets/{target}")
    }
}

/// Where a config is mounted: `/<source>`, a relative target under `/`.
pub(super) fn config_target(source: &str, target: &str) -> String {
    if target.is_empty() {
        format!("/{source}")
    } else if is_abs_target(target) {
        target.to_owned()
    } else {
        format!("/{target}")
    }
}

fn is_abs_target(p: &str) -> bool {
    if p.starts_with('/') || p.starts_with("\\\\") {
        return true;
    }
    let b = p.as_bytes();
    b.len() > 2 && b.get(1) == Some(&b':') && b.get(2) == Some(&b'\\')
}

/// Checks what Docker Compose refuses for a secret or config: external, `driver`,
/// `template_driver`.
pub(super) fn check_file_object(
    service: &ServiceConfig,
    what: &str,
    object: &berth_spec::model::FileObjectConfig,
) -> Result<(), ConvertError> {
    if object.external {
        return Err(ConvertError::unsupported(service, format!("unsupported external {what} {}", object.name)));
    }
    if !object.driver.is_empty() {
        return Err(ConvertError::unsupported(service, format!("Docker Compose does not support {what}s.*.driver")));
    }
    if !object.template_driver.is_empty() {
        return Err(ConvertError::unsupported(
            service,
            format!("Docker Compose does not support {what}s.*.template_driver"),
        ));
    }
    Ok(())
}

/// Read-only binds of the service's file-based secrets (`buildContainerSecretMounts`), sorted by
/// target. Secrets from the environment are copied in instead ([`super::secret_archives`]);
/// `uid`, `gid` and `mode` cannot apply to a bind and are ignored, as Docker Compose does
/// (with a warning).
pub fn secret_mounts(project: &Project, service: &ServiceConfig) -> Result<Vec<Mount>, ConvertError> {
    let mut out: BTreeMap<String, Mount> = BTreeMap::new();
    for s in &service.secrets {
        let target = secret_target(&s.source, &s.target);
        let defined = project
            .secrets
            .get(&s.source)
            .ok_or_else(|| ConvertError::not_found(service, format!("secret {} is not defined", s.source)))?;
        check_file_object(service, "secret", defined)?;
        if !defined.environment.is_empty() {
            continue;
        }
        out.insert(target.clone(), file_bind(project, &defined.file, &target));
    }
    Ok(out.into_values().collect())
}

/// Read-only binds of the service's file-based configs (`buildContainerConfigMounts`), sorted
/// by target. Configs with `content` or `environment` are copied in instead
/// ([`super::config_archives`]).
pub fn config_mounts(project: &Project, service: &ServiceConfig) -> Result<Vec<Mount>, ConvertError> {
    let mut out: BTreeMap<String, Mount> = BTreeMap::new();
    for c in &service.configs {
        let target = config_target(&c.source, &c.target);
        let defined = project
            .configs
            .get(&c.source)
            .ok_or_else(|| ConvertError::not_found(service, format!("config {} is not defined", c.source)))?;
        check_file_object(service, "config", defined)?;
        if !defined.environment.is_empty() || !defined.content.is_empty() {
            continue;
        }
        out.insert(target.clone(), file_bind(project, &defined.file, &target));
    }
    Ok(out.into_values().collect())
}

fn file_bind(project: &Project, file: &str, target: &str) -> Mount {
    let source = if file.starts_with('/') || Path::new(file).is_absolute() {
        file.to_owned()
    } else {
        Path::new(&project.working_dir).join(file).to_string_lossy().into_owned()
    };
    Mount {
        kind: MountKind::Bind,
        source: super::container::non_empty(&source),
        target: clean_path(target),
        read_only: true,
        ..Mount::default()
    }
}

/// Go's `path.Clean` for slash-separated paths.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        for (input, want) in [
            ("/a/b/../c/", "/a/c"),
            ("/", "/"),
            ("", "."),
            ("a//b/./c", "a/b/c"),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("a/..", "."),
        ] {
            assert_eq!(clean_path(input), want, "{input}");
        }
    }

    #[test]
    fn targets() {
        assert_eq!(secret_target("s", ""), "/run/secrets/s");
        assert_eq!(secret_target("s", "x"), "/run/secrets/x");
        assert_eq!(secret_target("s", "/etc/x"), "/etc/x");
        assert_eq!(secret_target("s", "C:\\x"), "C:\\x");
        assert_eq!(config_target("c", ""), "/c");
        assert_eq!(config_target("c", "etc/c"), "/etc/c");
    }
}
