//! A service's `volumes` and `tmpfs` → swarm mounts. Named volumes are scoped to the stack
//! and created by each node on first use, with the stack label and the top-level driver
//! settings, as `docker stack deploy` does.

use berth_engine::{BindOptions, Mount, MountKind, TmpfsOptions, VolumeMountOptions};
use berth_spec::model::{ram_in_bytes, Project, ServiceConfig, ServiceVolumeConfig};

use super::is_default_name;
use crate::error::{Error, Result};
use crate::names::Namespace;

/// All mounts of `service`: its volumes, then its `tmpfs` entries.
pub(crate) fn mounts(project: &Project, namespace: &Namespace, service: &ServiceConfig) -> Result<Vec<Mount>> {
    let mut out = Vec::with_capacity(service.volumes.len() + service.tmpfs.len());
    for v in &service.volumes {
        out.push(volume_mount(project, namespace, service, v)?);
    }
    for t in &service.tmpfs {
        out.push(tmpfs_entry(&service.name, t)?);
    }
    Ok(out)
}

fn base(v: &ServiceVolumeConfig, kind: MountKind) -> Mount {
    Mount {
        kind,
        source: (!v.source.is_empty()).then(|| v.source.clone()),
        target: v.target.clone(),
        read_only: v.read_only,
        consistency: (!v.consistency.is_empty()).then(|| v.consistency.clone()),
        ..Mount::default()
    }
}

fn volume_mount(
    project: &Project,
    namespace: &Namespace,
    service: &ServiceConfig,
    v: &ServiceVolumeConfig,
) -> Result<Mount> {
    let err = |msg: String| Error::service(&service.name, msg);
    match v.kind.as_str() {
        "volume" | "" => {
            if v.tmpfs.is_some() {
                return Err(err(format!("volumes {}: tmpfs options are incompatible with type volume", v.target)));
            }
            if v.bind.is_some() {
                return Err(err(format!("volumes {}: bind options are incompatible with type volume", v.target)));
            }
            let mut m = base(v, MountKind::Volume);
            let mut options = VolumeMountOptions::default();
            if let Some(o) = &v.volume {
                options.no_copy = o.nocopy;
                options.subpath = (!o.subpath.is_empty()).then(|| o.subpath.clone());
            }
            if v.source.is_empty() {
                // Anonymous: each task gets a fresh volume.
                m.volume = (options != VolumeMountOptions::default()).then_some(options);
                return Ok(m);
            }
            let top = project
                .volumes
                .get(&v.source)
                .ok_or_else(|| err(format!("undefined volume {:?}", v.source)))?;
            if top.external {
                m.source = Some(if top.name.is_empty() { v.source.clone() } else { top.name.clone() });
                m.volume = Some(options);
                return Ok(m);
            }
            m.source = Some(if is_default_name(project, &v.source, &top.name) {
                namespace.scope(&v.source)
            } else {
                top.name.clone()
            });
            options.labels = namespace.labelled(&top.labels);
            if !top.driver.is_empty() || !top.driver_opts.is_empty() {
                options.driver = (!top.driver.is_empty()).then(|| top.driver.clone());
                options.driver_opts.clone_from(&top.driver_opts);
            }
            m.volume = Some(options);
            Ok(m)
        }
        "bind" | "npipe" => {
            if v.source.is_empty() {
                return Err(err(format!("volumes {}: invalid {} source, source cannot be empty", v.target, v.kind)));
            }
            if v.volume.is_some() {
                return Err(err(format!("volumes {}: volume options are incompatible with type {}", v.target, v.kind)));
            }
            if v.tmpfs.is_some() {
                return Err(err(format!("volumes {}: tmpfs options are incompatible with type {}", v.target, v.kind)));
            }
            let kind = if v.kind == "npipe" { MountKind::Npipe } else { MountKind::Bind };
            let mut m = base(v, kind);
            if let Some(b) = &v.bind {
                let options = BindOptions {
                    propagation: (!b.propagation.is_empty()).then(|| b.propagation.clone()),
                    non_recursive: b.recursive == "disabled",
                    create_mountpoint: b.create_host_path,
                };
                m.bind = (options != BindOptions::default()).then_some(options);
            }
            Ok(m)
        }
        "tmpfs" => {
            if !v.source.is_empty() {
                return Err(err(format!("volumes {}: invalid tmpfs source, source must be empty", v.target)));
            }
            if v.bind.is_some() || v.volume.is_some() {
                return Err(err(format!("volumes {}: bind and volume options are incompatible with type tmpfs", v.target)));
            }
            let mut m = base(v, MountKind::Tmpfs);
            if let Some(t) = &v.tmpfs {
                let options = TmpfsOptions {
                    size_bytes: (!t.size.is_zero()).then_some(t.size.0),
                    mode: (t.mode != 0).then_some(t.mode),
                    options: Vec::new(),
                };
                m.tmpfs = (options != TmpfsOptions::default()).then_some(options);
            }
            Ok(m)
        }
        "cluster" => {
            if v.source.is_empty() {
                return Err(err(format!("volumes {}: invalid cluster source, source cannot be empty", v.target)));
            }
            let mut m = base(v, MountKind::Cluster);
            if !v.source.starts_with("group:") {
                let top = project
                    .volumes
                    .get(&v.source)
                    .ok_or_else(|| err(format!("undefined volume {:?}", v.source)))?;
                m.source = Some(if is_default_name(project, &v.source, &top.name) {
                    namespace.scope(&v.source)
                } else {
                    top.name.clone()
                });
            }
            Ok(m)
        }
        other => Err(err(format!(
            "volumes {}: volume type {other:?} must be volume, bind, tmpfs, npipe, or cluster",
            v.target
        ))),
    }
}

/// A `tmpfs:` entry: `/path[:opt,opt...]` with `size=` and `mode=` understood by Swarm; other
/// options are passed as mount flags.
fn tmpfs_entry(service: &str, entry: &str) -> Result<Mount> {
    let (target, opts) = entry.split_once(':').unwrap_or((entry, ""));
    if target.is_empty() {
        return Err(Error::service(service, format!("tmpfs {entry:?}: no target path")));
    }
    let mut options = TmpfsOptions::default();
    for opt in opts.split(',').filter(|o| !o.is_empty()) {
        let (name, value) = opt.split_once('=').map_or((opt, None), |(n, v)| (n, Some(v)));
        match (name, value) {
            ("size", Some(v)) => {
                let size = ram_in_bytes(v).map_err(|e| Error::service(service, format!("tmpfs {entry:?}: {e}")))?;
                options.size_bytes = Some(size);
            }
            ("mode", Some(v)) => {
                let mode = u32::from_str_radix(v, 8)
                    .map_err(|_| Error::service(service, format!("tmpfs {entry:?}: invalid mode {v:?}")))?;
                options.mode = Some(mode);
            }
            (n, Some(v)) => options.options.push(vec![n.to_owned(), v.to_owned()]),
            (n, None) => options.options.push(vec![n.to_owned()]),
        }
    }
    Ok(Mount {
        kind: MountKind::Tmpfs,
        target: target.to_owned(),
        tmpfs: (options != TmpfsOptions::default()).then_some(options),
        ..Mount::default()
    })
}
