//! `alpha publish`: Docker Compose 2.26.1's publication of a project as an OCI artifact. The
//! images of services that build them are pushed first (as `push` does), then the compose
//! files go to the repository as the layers of one artifact, each with the file's base name
//! and the Compose version in its annotations; `--resolve-image-digests` adds a last layer,
//! `image-digests.yaml`, pinning every service's image (every profile's) to the digest its
//! registry serves. Nothing is refused for its content: 2.26.1 publishes bind mounts,
//! `env_file` and `build` sections as they are written.
//!
//! A dry run pushes nothing but still resolves digests (reads), as Compose's does.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use berth_engine::{ArtifactBlob, ArtifactPush, Credentials, Engine, EngineError, OciVersion};
use berth_spec::model::Project;
use regex::Regex;

use super::pull::{pinned_reference, registry_digest, ImageFailure};
use super::push::{push, PushOptions};
use super::OpsError;
use crate::events::{Event, EventSink, Progress, ResourceKind, Status};
use crate::labels::COMPOSE_VERSION;

/// The artifact type of a published project (OCI 1.1's `artifactType`).
pub const ARTIFACT_TYPE: &str = "application/vnd.docker.compose.project";
/// The media type of each compose file layer.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.docker.compose.file+yaml";
/// The media type of the `{}` config in OCI 1.0 manifests, which have no `artifactType`.
pub const EMPTY_CONFIG_MEDIA_TYPE: &str = "application/vnd.docker.compose.config.empty.v1+json";
/// The layer annotation naming the compose file.
pub const FILE_ANNOTATION: &str = "com.docker.compose.file";
/// The layer annotation naming the Compose version that published it.
pub const VERSION_ANNOTATION: &str = "com.docker.compose.version";
/// The manifest annotation holding the publication time.
pub const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";
/// The name of the layer `--resolve-image-digests` adds.
pub const DIGESTS_FILE: &str = "image-digests.yaml";

/// Options of `alpha publish`.
#[derive(Debug, Clone, Default)]
pub struct PublishOptions {
    /// `REPOSITORY[:TAG]`, where the artifact goes.
    pub repository: String,
    /// `--oci-version`; `None`: 1.1, falling back to 1.0 when the registry refuses it.
    pub oci_version: Option<OciVersion>,
    /// Registry credentials (for the images and the artifact).
    pub credentials: Credentials,
    /// `--parallel`: the most image pushes at once (`None`: unlimited).
    pub parallel: Option<usize>,
    /// `--dry-run`: push nothing.
    pub dry_run: bool,
    /// The publication time (RFC 3339), the manifest's `org.opencontainers.image.created`.
    pub created: String,
}

/// A compose file of the project, as read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeFile {
    /// Its path; the base name names the layer.
    pub path: String,
    /// Its content, unchanged.
    pub content: Vec<u8>,
}

/// What `alpha publish` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The image references pushed first.
    pub images: Vec<String>,
    /// The layers, in order (the manifest's, when pushed).
    pub layers: Vec<ArtifactBlob>,
    /// The manifest's digest and OCI version; `None` in a dry run.
    pub manifest: Option<(String, OciVersion)>,
}

/// Why `alpha publish` failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The repository is not a valid reference.
    #[error("invalid reference format{}", .0.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Reference(Option<String>),
    /// Some service images could not be pushed.
    #[error("{}", .0.iter().map(|f| format!("{}: {}", f.image, f.message)).collect::<Vec<_>>().join("\n"))]
    Images(Vec<ImageFailure>),
    /// An image digest could not be resolved.
    #[error(transparent)]
    Digest(#[from] OpsError),
    /// The registry refused the artifact.
    #[error("{0}")]
    Artifact(EngineError),
}

/// Publishes `project` (loaded with the selected profiles; its images are pushed) as the
/// artifact of `files` to `opts.repository`. With `all_profiles` (the project loaded with
/// every profile), `image-digests.yaml` is added.
pub async fn publish(
    engine: &dyn Engine,
    project: &Project,
    files: &[ComposeFile],
    all_profiles: Option<&Project>,
    opts: &PublishOptions,
    sink: &dyn EventSink,
) -> Result<Published, PublishError> {
    check_reference(&opts.repository)?;
    let push_opts = PushOptions {
        ignore_failures: false,
        quiet: false,
        credentials: opts.credentials.clone(),
        parallel: opts.parallel,
        dry_run: opts.dry_run,
    };
    let pushed = push(engine, project, &push_opts, sink).await;
    if !pushed.failures.is_empty() {
        return Err(PublishError::Images(pushed.failures));
    }
    let mut layers: Vec<ArtifactBlob> = files.iter().map(|f| layer(base_name(&f.path), f.content.clone())).collect();
    if let Some(all) = all_profiles {
        let yaml = image_digests(engine, all, &opts.credentials).await?;
        layers.push(layer(DIGESTS_FILE, yaml.into_bytes()));
    }
    let id = opts.repository.clone();
    sink.emit(Event::Progress(Progress::new(ResourceKind::Service, id.clone(), Status::Working, "publishing")));
    let mut manifest = None;
    if !opts.dry_run {
        let artifact = ArtifactPush {
            reference: opts.repository.clone(),
            layers: layers.clone(),
            artifact_type: ARTIFACT_TYPE.to_owned(),
            config_media_type: EMPTY_CONFIG_MEDIA_TYPE.to_owned(),
            annotations: BTreeMap::from([(CREATED_ANNOTATION.to_owned(), opts.created.clone())]),
            oci_version: opts.oci_version,
            auth: opts.credentials.for_image(&opts.repository),
        };
        // A failure ends the command with the error alone: Compose shows no error line for it.
        let done = engine.push_artifact(&artifact).await.map_err(PublishError::Artifact)?;
        manifest = Some((done.digest, done.oci_version));
    }
    sink.emit(Event::Progress(Progress::new(ResourceKind::Service, id, Status::Done, "published")));
    Ok(Published { images: pushed.pushed, layers, manifest })
}

/// A compose file layer.
fn layer(name: &str, data: Vec<u8>) -> ArtifactBlob {
    let annotations = BTreeMap::from([
        (FILE_ANNOTATION.to_owned(), name.to_owned()),
        (VERSION_ANNOTATION.to_owned(), COMPOSE_VERSION.to_owned()),
    ]);
    ArtifactBlob { media_type: LAYER_MEDIA_TYPE.to_owned(), data, annotations }
}

/// The last path element, as Go's `filepath.Base` takes it.
fn base_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// `image-digests.yaml`: each service's image pinned to its digest (services without an image
/// stay empty), written as Compose writes the override project.
async fn image_digests(engine: &dyn Engine, project: &Project, credentials: &Credentials) -> Result<String, OpsError> {
    let mut services = serde_json::Map::new();
    for (name, service) in &project.services {
        let mut entry = serde_json::Map::new();
        if !service.image.is_empty() {
            let pinned = if service.image.contains('@') {
                pinned_reference(&service.image, "")
            } else {
                pinned_reference(&service.image, &registry_digest(engine, &service.image, credentials).await?)
            };
            entry.insert("image".to_owned(), serde_json::Value::String(pinned));
        }
        services.insert(name.clone(), serde_json::Value::Object(entry));
    }
    let mut document = serde_json::Map::new();
    document.insert("services".to_owned(), serde_json::Value::Object(services));
    Ok(berth_spec::config::to_yaml(&serde_json::Value::Object(document)))
}

/// Refuses what Docker's reference grammar refuses (`reference.ParseDockerRef`).
fn check_reference(reference: &str) -> Result<(), PublishError> {
    static GRAMMAR: OnceLock<Option<Regex>> = OnceLock::new();
    let grammar = GRAMMAR.get_or_init(|| {
        let domain_component = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let domain = format!(r"(?:{domain_component}(?:\.{domain_component})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?");
        let component = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
        let tag = r"[\w][\w.-]{0,127}";
        let digest = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
        Regex::new(&format!(r"^(?:{domain}/)?{component}(?:/{component})*(?::{tag})?(?:@{digest})?$")).ok()
    });
    let Some(grammar) = grammar else { return Ok(()) };
    if reference.is_empty() {
        return Err(PublishError::Reference(None));
    }
    if grammar.is_match(reference) {
        let name = reference.split('@').next().unwrap_or(reference);
        let name = match name.rsplit_once(':') {
            Some((n, tag)) if !tag.contains('/') => n,
            _ => name,
        };
        if name.len() > 255 {
            return Err(PublishError::Reference(Some("repository name must not be more than 255 characters".to_owned())));
        }
        return Ok(());
    }
    if grammar.is_match(&reference.to_lowercase()) {
        let name = reference.split('@').next().unwrap_or(reference);
        let path = match name.split_once('/') {
            Some((domain, rest)) if domain.contains(['.', ':']) || domain == "localhost" => rest,
            _ => name,
        };
        let path = match path.rsplit_once(':') {
            Some((p, _)) => p,
            None => path,
        };
        return Err(PublishError::Reference(Some(format!("repository name ({path}) must be lowercase"))));
    }
    Err(PublishError::Reference(None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Recorder;
    use berth_engine::{FakeEngine, ImageConfig};

    fn project(json: &str) -> Project {
        let mut p: Project = serde_json::from_str(json).unwrap();
        p.name = "pubtest".into();
        for (name, s) in &mut p.services {
            s.name.clone_from(name);
        }
        p
    }

    fn files() -> Vec<ComposeFile> {
        vec![
            ComposeFile { path: "/src/app/compose.yaml".into(), content: b"services:\n  web:\n    image: busybox\n".to_vec() },
            ComposeFile { path: "/src/app/compose.override.yaml".into(), content: b"services: {}\n".to_vec() },
        ]
    }

    fn options(repository: &str) -> PublishOptions {
        PublishOptions { repository: repository.into(), created: "2024-01-02T03:04:05Z".into(), ..PublishOptions::default() }
    }

    #[tokio::test]
    async fn the_compose_files_become_the_artifact_layers() {
        let engine = FakeEngine::new();
        engine.add_image("reg:5000/app:1", ImageConfig::default());
        let p = project(r#"{"services":{"app":{"image":"reg:5000/app:1","build":{"context":"."}},"web":{"image":"busybox"}}}"#);
        let rec = Recorder::new();
        let done = publish(&engine, &p, &files(), None, &options("reg:5000/stack:v1"), &rec).await.unwrap();
        assert_eq!(done.images, ["reg:5000/app:1"]);
        assert_eq!(engine.calls(), ["push_image reg:5000/app:1", "push_artifact reg:5000/stack:v1"]);
        let (manifest, blobs) = engine.artifact("reg:5000/stack:v1").unwrap();
        let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
        assert_eq!(manifest["artifactType"], ARTIFACT_TYPE);
        assert_eq!(manifest["annotations"][CREATED_ANNOTATION], "2024-01-02T03:04:05Z");
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 2);
        assert_eq!(layers[0]["mediaType"], LAYER_MEDIA_TYPE);
        assert_eq!(layers[0]["annotations"][FILE_ANNOTATION], "compose.yaml");
        assert_eq!(layers[1]["annotations"][FILE_ANNOTATION], "compose.override.yaml");
        assert_eq!(layers[1]["annotations"][VERSION_ANNOTATION], COMPOSE_VERSION);
        assert_eq!(blobs[0].data, files()[0].content);
        assert_eq!(done.manifest.map(|(_, v)| v), Some(OciVersion::V1_1));
        let lines = rec.progress_lines();
        assert!(lines.contains(&"Service web Skipped".to_owned()), "{lines:?}");
        assert_eq!(lines.last().map(String::as_str), Some("Service reg:5000/stack:v1 published"), "{lines:?}");
    }

    #[tokio::test]
    async fn digests_are_pinned_for_every_profile() {
        let engine = FakeEngine::new();
        engine.add_image("reg:5000/a:1", ImageConfig::default());
        let pushed = engine.push_image(&berth_engine::PushOptions { reference: "reg:5000/a:1".into(), auth: None });
        futures::StreamExt::collect::<Vec<_>>(pushed).await;
        let digest = engine.registry_digest("reg:5000/a:1", None).await.unwrap();
        let all = project(r#"{"services":{"a":{"image":"reg:5000/a:1"},"b":{"build":{"context":"."}},"c":{"image":"x@sha256:00"}}}"#);
        let mut opts = options("reg:5000/stack");
        opts.oci_version = Some(OciVersion::V1_0);
        let done = publish(&engine, &project(r#"{"services":{}}"#), &files()[..1], Some(&all), &opts, &Recorder::new()).await.unwrap();
        let last = done.layers.last().unwrap();
        assert_eq!(last.annotations[FILE_ANNOTATION], DIGESTS_FILE);
        assert_eq!(
            String::from_utf8(last.data.clone()).unwrap(),
            format!("services:\n  a:\n    image: reg:5000/a:1@{digest}\n  b: {{}}\n  c:\n    image: docker.io/library/x@sha256:00\n")
        );
        let (manifest, _) = engine.artifact("reg:5000/stack:latest").unwrap();
        let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
        assert_eq!(manifest["config"]["mediaType"], EMPTY_CONFIG_MEDIA_TYPE);
        assert!(manifest.get("artifactType").is_none());
    }

    #[tokio::test]
    async fn dry_run_and_bad_references_push_nothing() {
        let engine = FakeEngine::new();
        let p = project(r#"{"services":{"web":{"image":"busybox"}}}"#);
        let mut opts = options("reg:5000/stack:v1");
        opts.dry_run = true;
        let rec = Recorder::new();
        let done = publish(&engine, &p, &files(), None, &opts, &rec).await.unwrap();
        assert_eq!((done.layers.len(), done.manifest), (2, None));
        assert!(engine.calls().is_empty(), "{:?}", engine.calls());
        assert_eq!(rec.progress_lines().last().map(String::as_str), Some("Service reg:5000/stack:v1 published"));
        for (bad, message) in [
            ("reg:5000/Stack:v1", "invalid reference format: repository name (Stack) must be lowercase"),
            ("reg:5000/stack:bad tag", "invalid reference format"),
            ("", "invalid reference format"),
        ] {
            let err = publish(&engine, &p, &files(), None, &options(bad), &rec).await.unwrap_err();
            assert_eq!(err.to_string(), message, "{bad}");
        }
        assert!(engine.calls().is_empty());
    }

    #[tokio::test]
    async fn image_push_failures_stop_the_publication() {
        let engine = FakeEngine::new();
        let p = project(r#"{"services":{"app":{"image":"reg:5000/missing:1","build":{"context":"."}}}}"#);
        let err = publish(&engine, &p, &files(), None, &options("reg:5000/stack"), &Recorder::new()).await.unwrap_err();
        assert!(matches!(&err, PublishError::Images(f) if f.len() == 1), "{err:?}");
        assert!(engine.artifact("reg:5000/stack").is_none());
    }

    #[test]
    fn base_names_as_go_takes_them() {
        assert_eq!(base_name("/a/b/compose.yaml"), "compose.yaml");
        assert_eq!(base_name("compose.yaml"), "compose.yaml");
        assert_eq!(base_name("/a/b/"), "b");
        assert_eq!(base_name("/"), "/");
    }
}
