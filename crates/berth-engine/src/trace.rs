//! A process-wide hook seeing every HTTP request berth-engine sends (to the engine, through
//! bollard or the raw client, and to registries): method, target, status or failure, and how
//! long the answer took. The library never prints; a front end that wants a debug log
//! (`berth --verbose`) installs an observer once, early, and renders what it is given.
//!
//! Without an observer the cost is one atomic load per request.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Who a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// The container engine (Docker or Podman API).
    Engine,
    /// A registry (Distribution API), asked directly.
    Registry,
}

/// One request, once its answer's head arrived (or it failed).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Who it went to.
    pub peer: Peer,
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The path and query (`/v1.41/containers/json?all=1`), or a registry's URL.
    pub target: &'a str,
    /// The HTTP status, or why no answer came.
    pub outcome: Result<u16, &'a str>,
    /// From sending to the answer's head.
    pub elapsed: Duration,
}

type Observer = Box<dyn Fn(&Request<'_>) + Send + Sync>;

static OBSERVER: OnceLock<Observer> = OnceLock::new();

/// Installs `observer` for the rest of the process; `false` (and `observer` dropped) when one
/// was installed before.
pub fn set_observer(observer: impl Fn(&Request<'_>) + Send + Sync + 'static) -> bool {
    OBSERVER.set(Box::new(observer)).is_ok()
}

/// When a request started, if anyone is watching.
pub(crate) fn start() -> Option<Instant> {
    OBSERVER.get().map(|_| Instant::now())
}

/// Reports a request that started at `started` (from [`start`]).
pub(crate) fn report(started: Option<Instant>, peer: Peer, method: &str, target: &str, outcome: Result<u16, &str>) {
    if let (Some(started), Some(observer)) = (started, OBSERVER.get()) {
        observer(&Request { peer, method, target, outcome, elapsed: started.elapsed() });
    }
}
