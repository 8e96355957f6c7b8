//! `trait Engine`: every operation berth performs on a container engine, in berth's types.
//!
//! The trait is object safe (`Arc<dyn Engine>` is what the layers above hold) through the
//! `async-trait` crate: each async method returns a boxed `Send` future. The boxing costs one
//! allocation per call, which is nothing next to an HTTP round trip, and keeps one trait for
//! both static and dynamic dispatch.
//!
//! Calls that produce a sequence (logs, events, pull, build, stats, archive download) are plain
//! methods returning an [`EngineStream`]: the request is made when the stream is first polled,
//! errors arrive in the stream, and dropping the stream cancels the request.

use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use tokio::io::AsyncWrite;

use crate::error::EngineResult;
use crate::types::artifact::{ArtifactPush, ArtifactPushed};
use crate::types::container::{
    ArchivePutOptions, AttachOptions, ContainerCreate, ContainerDetails, ContainerListOptions,
    ContainerStats, ContainerSummary, ExecConfig, ExecDetails, ExecStartOptions, LogFrame,
    LogsOptions, PathStat, PortMapping, RemoveOptions, StopOptions, TopResult, WaitCondition,
    WaitResult,
};
use crate::types::image::{
    BuildEvent, BuildOptions, ImageDeleteItem, ImageDetails, ImageListOptions, ImageRemoveOptions,
    ImageSummary, ProgressEvent, PullOptions, PushOptions, RegistryAuth,
};
use crate::types::network::{
    ListOptions, NetworkConnect, NetworkCreate, NetworkDetails, VolumeCreate, VolumeDetails,
};
use crate::types::swarm::{
    NodeDetails, ServiceDetails, ServiceSpec, SwarmObject, SwarmObjectCreate, TaskDetails,
};
use crate::types::system::{EngineEvent, EngineInfo, EngineVersion, EventOptions};
use crate::version::Capabilities;

/// A stream of results from the engine; `'static` so it can outlive the call that made it.
pub type EngineStream<T> = BoxStream<'static, EngineResult<T>>;

/// Bytes sent to the engine (a tar archive or build context), produced lazily.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Where to write a container's or exec's stdin.
pub type StdinWriter = Pin<Box<dyn AsyncWrite + Send>>;

/// Wraps bytes already in memory as a [`ByteStream`].
pub fn bytes_stream(data: impl Into<Bytes>) -> ByteStream {
    Box::pin(futures::stream::once(std::future::ready(Ok(data.into()))))
}

/// The two directions of an attached container or exec.
pub struct AttachedIo {
    /// Output frames.
    pub output: EngineStream<LogFrame>,
    /// Input; shutting it down closes the process's stdin.
    pub input: StdinWriter,
}

impl std::fmt::Debug for AttachedIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AttachedIo")
    }
}

/// Result of starting an exec instance.
#[derive(Debug)]
pub enum ExecStarted {
    /// The exec runs with its streams attached.
    Attached(AttachedIo),
    /// The exec runs in the background.
    Detached,
}

/// Result of creating a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerCreated {
    /// Id of the new container.
    pub id: String,
    /// Warnings from the engine (e.g. an ignored option).
    pub warnings: Vec<String>,
}

/// A container engine: the Docker Engine API, as Docker and Podman serve it, or the fake.
#[async_trait]
pub trait Engine: Send + Sync {
    // ---- system ----

    /// Feature gates of the connected engine, known since connecting.
    fn capabilities(&self) -> Capabilities;

    /// Checks that the engine answers.
    async fn ping(&self) -> EngineResult<()>;

    /// Engine identity and state.
    async fn info(&self) -> EngineResult<EngineInfo>;

    /// Versions of the engine and its components.
    async fn version(&self) -> EngineResult<EngineVersion>;

    /// Events as they happen (and from `since`, when given), filtered.
    fn events(&self, options: &EventOptions) -> EngineStream<EngineEvent>;

    // ---- containers ----

    /// Lists containers.
    async fn list_containers(
        &self,
        options: &ContainerListOptions,
    ) -> EngineResult<Vec<ContainerSummary>>;

    /// Inspects a container by id or name.
    async fn inspect_container(&self, id: &str) -> EngineResult<ContainerDetails>;

    /// Creates a container. Networks beyond the first are connected before this returns on
    /// engines that cannot take them at creation (API < 1.44).
    async fn create_container(&self, spec: &ContainerCreate) -> EngineResult<ContainerCreated>;

    /// Starts a container (no error when already running).
    async fn start_container(&self, id: &str) -> EngineResult<()>;

    /// Stops a container (no error when already stopped).
    async fn stop_container(&self, id: &str, options: &StopOptions) -> EngineResult<()>;

    /// Restarts a container.
    async fn restart_container(&self, id: &str, options: &StopOptions) -> EngineResult<()>;

    /// Sends a signal (`SIGKILL` when `None`).
    async fn kill_container(&self, id: &str, signal: Option<&str>) -> EngineResult<()>;

    /// Pauses a container.
    async fn pause_container(&self, id: &str) -> EngineResult<()>;

    /// Unpauses a container.
    async fn unpause_container(&self, id: &str) -> EngineResult<()>;

    /// Removes a container.
    async fn remove_container(&self, id: &str, options: &RemoveOptions) -> EngineResult<()>;

    /// Renames a container.
    async fn rename_container(&self, id: &str, new_name: &str) -> EngineResult<()>;

    /// Waits for a container to reach `condition` and returns its exit code.
    async fn wait_container(&self, id: &str, condition: WaitCondition)
        -> EngineResult<WaitResult>;

    /// Output of a container.
    fn logs(&self, id: &str, options: &LogsOptions) -> EngineStream<LogFrame>;

    /// Attaches to a running container's streams.
    async fn attach_container(&self, id: &str, options: &AttachOptions)
        -> EngineResult<AttachedIo>;

    /// Resizes a container's TTY.
    async fn resize_container_tty(&self, id: &str, height: u16, width: u16) -> EngineResult<()>;

    /// Connects a container to a network.
    async fn connect_network(&self, network: &str, options: &NetworkConnect) -> EngineResult<()>;

    /// Disconnects a container from a network.
    async fn disconnect_network(
        &self,
        network: &str,
        container: &str,
        force: bool,
    ) -> EngineResult<()>;

    /// Creates an exec instance in a running container; returns its id.
    async fn create_exec(&self, container: &str, config: &ExecConfig) -> EngineResult<String>;

    /// Starts an exec instance.
    async fn start_exec(&self, exec_id: &str, options: &ExecStartOptions)
        -> EngineResult<ExecStarted>;

    /// Inspects an exec instance (exit code once finished).
    async fn inspect_exec(&self, exec_id: &str) -> EngineResult<ExecDetails>;

    /// Resizes an exec's TTY.
    async fn resize_exec(&self, exec_id: &str, height: u16, width: u16) -> EngineResult<()>;

    /// Processes running in a container.
    async fn top(&self, id: &str, ps_args: Option<&str>) -> EngineResult<TopResult>;

    /// Resource usage; one sample unless `stream`.
    fn stats(&self, id: &str, stream: bool) -> EngineStream<ContainerStats>;

    /// Metadata of a path inside a container.
    async fn archive_stat(&self, id: &str, path: &str) -> EngineResult<PathStat>;

    /// A tar archive of a path inside a container.
    fn archive_get(&self, id: &str, path: &str) -> EngineStream<Bytes>;

    /// Extracts a tar archive into a directory inside a container.
    async fn archive_put(
        &self,
        id: &str,
        path: &str,
        tar: ByteStream,
        options: &ArchivePutOptions,
    ) -> EngineResult<()>;

    /// Published ports of a container.
    async fn port(&self, id: &str) -> EngineResult<Vec<PortMapping>> {
        let details = self.inspect_container(id).await?;
        let mut out = Vec::new();
        for (container, bindings) in &details.network_settings.ports {
            for b in bindings {
                out.push(PortMapping {
                    container: *container,
                    host_ip: b.host_ip.clone().unwrap_or_default(),
                    host_port: b.host_port.clone().unwrap_or_default(),
                });
            }
        }
        out.sort();
        Ok(out)
    }

    // ---- images ----

    /// Lists images.
    async fn list_images(&self, options: &ImageListOptions) -> EngineResult<Vec<ImageSummary>>;

    /// Inspects an image by reference or id.
    async fn inspect_image(&self, reference: &str) -> EngineResult<ImageDetails>;

    /// When the image was last tagged on this engine (RFC 3339), if the engine knows: Docker
    /// records tags (`docker tag`, builds) but not pulls; Podman records neither.
    async fn image_last_tag_time(&self, reference: &str) -> EngineResult<Option<String>>;

    /// Removes an image.
    async fn remove_image(
        &self,
        reference: &str,
        options: &ImageRemoveOptions,
    ) -> EngineResult<Vec<ImageDeleteItem>>;

    /// Tags `source` as `target` (`repo[:tag]`, tag defaults to `latest`).
    async fn tag_image(&self, source: &str, target: &str) -> EngineResult<()>;

    /// Pulls an image.
    fn pull_image(&self, options: &PullOptions) -> EngineStream<ProgressEvent>;

    /// The digest (`sha256:…`) the registry serves for `reference`, asked through the engine
    /// (`GET /distribution/{name}/json`, as `docker compose config --resolve-image-digests`);
    /// on Podman, which lacks that endpoint, asked of the registry directly (plain HTTP where
    /// the engine reaches it so, else HTTPS).
    async fn registry_digest(&self, reference: &str, auth: Option<&RegistryAuth>) -> EngineResult<String>;

    /// Pushes an image.
    fn push_image(&self, options: &PushOptions) -> EngineStream<ProgressEvent>;

    /// Pushes an OCI artifact (blobs and their manifest) to a registry. The engine has no
    /// endpoint for it: berth speaks to the registry itself, over plain HTTP to the
    /// registries the docker tools reach that way (loopback addresses, and those the engine's
    /// configuration marks insecure), over HTTPS to the others.
    async fn push_artifact(&self, artifact: &ArtifactPush) -> EngineResult<ArtifactPushed>;

    /// Builds an image from a tar build context.
    fn build_image(&self, options: &BuildOptions, context: ByteStream) -> EngineStream<BuildEvent>;

    // ---- networks ----

    /// Lists networks.
    async fn list_networks(&self, options: &ListOptions) -> EngineResult<Vec<NetworkDetails>>;

    /// Inspects a network by id or name.
    async fn inspect_network(&self, id: &str) -> EngineResult<NetworkDetails>;

    /// Creates a network; returns its id.
    async fn create_network(&self, spec: &NetworkCreate) -> EngineResult<String>;

    /// Removes a network.
    async fn remove_network(&self, id: &str) -> EngineResult<()>;

    // ---- volumes ----

    /// Lists volumes.
    async fn list_volumes(&self, options: &ListOptions) -> EngineResult<Vec<VolumeDetails>>;

    /// Inspects a volume.
    async fn inspect_volume(&self, name: &str) -> EngineResult<VolumeDetails>;

    /// Creates a volume (returns the existing one when the name is taken with the same driver).
    async fn create_volume(&self, spec: &VolumeCreate) -> EngineResult<VolumeDetails>;

    /// Removes a volume.
    async fn remove_volume(&self, name: &str, force: bool) -> EngineResult<()>;

    // ---- swarm ----

    /// Makes this engine a single-node swarm manager; returns the node id.
    async fn swarm_init(&self, advertise_addr: Option<&str>) -> EngineResult<String>;

    /// Leaves the swarm.
    async fn swarm_leave(&self, force: bool) -> EngineResult<()>;

    /// Lists services (`label`, `name`, `id`, `mode` filters) with task counts.
    async fn list_services(&self, options: &ListOptions) -> EngineResult<Vec<ServiceDetails>>;

    /// Inspects a service.
    async fn inspect_service(&self, id: &str) -> EngineResult<ServiceDetails>;

    /// Creates a service; returns its id.
    async fn create_service(
        &self,
        spec: &ServiceSpec,
        auth: Option<&RegistryAuth>,
    ) -> EngineResult<String>;

    /// Updates a service at `version` (from inspect); returns warnings.
    async fn update_service(
        &self,
        id: &str,
        version: u64,
        spec: &ServiceSpec,
        auth: Option<&RegistryAuth>,
    ) -> EngineResult<Vec<String>>;

    /// Removes a service.
    async fn remove_service(&self, id: &str) -> EngineResult<()>;

    /// Lists tasks (`service`, `label`, `desired-state`, `node` filters).
    async fn list_tasks(&self, options: &ListOptions) -> EngineResult<Vec<TaskDetails>>;

    /// Lists nodes.
    async fn list_nodes(&self, options: &ListOptions) -> EngineResult<Vec<NodeDetails>>;

    /// Creates a secret; returns its id.
    async fn create_secret(&self, spec: &SwarmObjectCreate) -> EngineResult<String>;

    /// Lists secrets.
    async fn list_secrets(&self, options: &ListOptions) -> EngineResult<Vec<SwarmObject>>;

    /// Removes a secret.
    async fn remove_secret(&self, id: &str) -> EngineResult<()>;

    /// Creates a config; returns its id.
    async fn create_config(&self, spec: &SwarmObjectCreate) -> EngineResult<String>;

    /// Lists configs.
    async fn list_configs(&self, options: &ListOptions) -> EngineResult<Vec<SwarmObject>>;

    /// Removes a config.
    async fn remove_config(&self, id: &str) -> EngineResult<()>;
}
