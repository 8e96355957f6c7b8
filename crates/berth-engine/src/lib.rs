//! berth-engine: container engines behind one trait.
//!
//! - [`Engine`] is every operation berth performs, in berth's own types ([`types`]); no bollard
//!   type crosses it. It is object safe: the layers above hold an `Arc<dyn Engine>`.
//! - [`DockerEngine`] speaks the Docker Engine API through bollard, to Docker or to Podman's
//!   compatible service, and applies API-version gates ([`Capabilities`]).
//! - [`FakeEngine`] is an in-memory daemon with the same observable behaviour, for tests of the
//!   layers above.
//! - [`auth`] finds registry credentials as the docker CLI does (`config.json`, helpers).
//! - [`oci`] writes the OCI manifest of an artifact pushed with [`Engine::push_artifact`];
//!   [`trace`] lets a front end see every HTTP request sent (a debug log).
//! - [`archive`] reads and writes the tar archives the engine exchanges (copy, build contexts).
//!
//! No Compose semantics live here: labels are opaque strings and there is no planning.

pub mod archive;
pub mod auth;
pub mod connect;
pub mod docker;
pub mod engine;
pub mod error;
pub mod fake;
pub mod filters;
pub mod oci;
pub mod trace;
pub mod types;
pub mod version;

pub use auth::Credentials;
pub use connect::{ConnectOptions, EngineHost, HostOrigin, ResolvedHost, TlsSettings};
pub use docker::DockerEngine;
pub use engine::{
    bytes_stream, AttachedIo, ByteStream, ContainerCreated, Engine, EngineStream, ExecStarted,
    StdinWriter,
};
pub use error::{EngineError, EngineResult, ObjectKind};
pub use fake::FakeEngine;
pub use filters::Filters;
pub use types::artifact::*;
pub use types::container::*;
pub use types::image::*;
pub use types::network::*;
pub use types::swarm::*;
pub use types::system::*;
pub use version::{ApiVersion, Capabilities};
