//! `Error`: what stack operations report. Conversion errors name the service (and attribute);
//! engine errors name the operation and the object; teardown and convergence collect every
//! failure before giving up.

use berth_engine::EngineError;

/// A stack operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The compose files could not be loaded.
    #[error(transparent)]
    Load(#[from] berth_spec::Error),
    /// A service cannot be expressed as a swarm service.
    #[error("service {service}: {message}")]
    Service {
        /// The compose service.
        service: String,
        /// What is wrong.
        message: String,
    },
    /// A wrong argument or a file the swarm cannot take.
    #[error("{0}")]
    Invalid(String),
    /// Reading a secret, config or profile file failed.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The engine refused or failed an operation.
    #[error("{operation}: {source}")]
    Engine {
        /// What was being done (`creating service shop_web`).
        operation: String,
        /// The engine's error.
        #[source]
        source: EngineError,
    },
    /// The engine is not a swarm manager.
    #[error("this node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again")]
    NotManager,
    /// Several things failed (teardown keeps going; convergence waits for every service).
    #[error("{}", .0.join("\n"))]
    Many(Vec<String>),
}

impl Error {
    /// Wraps an engine error with the operation that failed.
    pub fn engine(operation: impl Into<String>) -> impl FnOnce(EngineError) -> Error {
        let operation = operation.into();
        move |source| Error::Engine { operation, source }
    }

    /// A conversion error for `service`.
    pub fn service(service: &str, message: impl Into<String>) -> Error {
        Error::Service { service: service.to_owned(), message: message.into() }
    }
}

/// Results of stack operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
