//! Secrets and configs that are not files on the host (`secrets.*.environment`,
//! `configs.*.content`, `configs.*.environment`): Docker Compose writes each into a one-file tar
//! archive and copies it into the container at `/` after creating it (`injectSecrets`,
//! `injectConfigs`), with the reference's `uid`, `gid` and `mode` (default `0444`).

use berth_engine::archive::{TarBuilder, TarEntry};
use berth_engine::ArchivePutOptions;
use berth_spec::model::{FileReferenceConfig, Project, ServiceConfig};

use super::mounts::{check_file_object, config_target, secret_target};
use super::ConvertError;

/// A file to copy into a container before it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInjection {
    /// Where in the container the file lands (absolute for secrets; configs as written).
    pub target: String,
    /// The directory to extract the archive into (always `/`).
    pub path: String,
    /// The tar archive holding the one file.
    pub archive: Vec<u8>,
    /// Options of the copy: owners are kept when `uid` or `gid` is set.
    pub options: ArchivePutOptions,
}

/// Every secret then every config to copy into the service's containers.
pub fn file_injections(project: &Project, service: &ServiceConfig, mtime: i64) -> Result<Vec<FileInjection>, ConvertError> {
    let mut out = secret_archives(project, service, mtime)?;
    out.extend(config_archives(project, service, mtime)?);
    Ok(out)
}

/// The service's secrets whose value comes from the environment, as archives. The value is
/// the project environment's variable (the loader's resolved `content` as a fallback); a
/// missing variable is an error, as in Docker Compose.
pub fn secret_archives(project: &Project, service: &ServiceConfig, mtime: i64) -> Result<Vec<FileInjection>, ConvertError> {
    let mut out = Vec::new();
    for r in &service.secrets {
        let Some(defined) = project.secrets.get(&r.source) else {
            return Err(ConvertError::not_found(service, format!("secret {} is not defined", r.source)));
        };
        check_file_object(service, "secret", defined)?;
        if defined.environment.is_empty() {
            continue;
        }
        let value = lookup(project, service, &defined.environment, &defined.name, Some(&defined.content))?;
        let target = secret_target(&r.source, &r.target);
        out.push(injection(service, r, target, &value, mtime)?);
    }
    Ok(out)
}

/// The service's configs with inline `content` or a value from the environment, as archives.
/// A relative target is kept relative: extracted at `/`, it lands where the mount would.
pub fn config_archives(project: &Project, service: &ServiceConfig, mtime: i64) -> Result<Vec<FileInjection>, ConvertError> {
    let mut out = Vec::new();
    for r in &service.configs {
        let Some(defined) = project.configs.get(&r.source) else {
            return Err(ConvertError::not_found(service, format!("config {} is not defined", r.source)));
        };
        check_file_object(service, "config", defined)?;
        let content = if defined.environment.is_empty() {
            defined.content.clone()
        } else {
            lookup(project, service, &defined.environment, &defined.name, None)?
        };
        if content.is_empty() {
            continue;
        }
        let target = if r.target.is_empty() { config_target(&r.source, "") } else { r.target.clone() };
        out.push(injection(service, r, target, &content, mtime)?);
    }
    Ok(out)
}

fn lookup(
    project: &Project,
    service: &ServiceConfig,
    variable: &str,
    object: &str,
    fallback: Option<&String>,
) -> Result<String, ConvertError> {
    project
        .environment
        .get(variable)
        .or(fallback.filter(|c| !c.is_empty()))
        .cloned()
        .ok_or_else(|| {
            ConvertError::not_found(
                service,
                format!("environment variable {variable:?} required by file {object:?} is not set"),
            )
        })
}

fn injection(
    service: &ServiceConfig,
    r: &FileReferenceConfig,
    target: String,
    content: &str,
    mtime: i64,
) -> Result<FileInjection, ConvertError> {
    let id = |what: &str, v: &str| -> Result<u32, ConvertError> {
        if v.is_empty() {
            return Ok(0);
        }
        v.parse::<u32>()
            .map_err(|_| ConvertError::invalid(service, format!("strconv.Atoi: parsing {v:?}: invalid syntax ({what} of {})", r.source)))
    };
    let entry = TarEntry {
        mtime,
        ..TarEntry::file(target.clone(), content.as_bytes().to_vec())
            .with_mode(r.mode.unwrap_or(0o444))
            .with_owner(id("uid", &r.uid)?, id("gid", &r.gid)?)
    };
    let mut tar = TarBuilder::new();
    tar.append(&entry).map_err(|e| ConvertError::invalid(service, e.to_string()))?;
    Ok(FileInjection {
        target,
        path: "/".to_owned(),
        archive: tar.finish(),
        options: ArchivePutOptions {
            copy_uid_gid: !r.uid.is_empty() || !r.gid.is_empty(),
            ..ArchivePutOptions::default()
        },
    })
}
