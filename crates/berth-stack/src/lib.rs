//! berth-stack: `berth stack`, compose files deployed to a Docker Swarm.
//!
//! - [`convert`] turns a loaded compose [`Project`](berth_spec::model::Project) into swarm
//!   objects (pure, unit-tested attribute by attribute).
//! - [`deploy`], [`remove`], [`query`] and [`progress`] drive an [`Engine`](berth_engine::Engine):
//!   create or update networks, secrets, configs and services; wait for convergence; list and
//!   remove stacks.
//! - [`names`] holds the naming and labelling contract shared with `docker stack`.
//!
//! The loader is berth-spec's (same `.env`, interpolation, `include`, `extends`, merge and
//! profiles as `berth up`); this crate never parses compose files itself, and never prints:
//! operations report through a callback of [`StackEvent`]s.

pub mod convert;
pub mod deploy;
pub mod error;
pub mod events;
pub mod load;
pub mod names;
pub mod progress;
pub mod query;
pub mod remove;
pub mod time;

pub use error::{Error, Result};
pub use events::{ObjectKind, Reporter, StackEvent};
pub use load::{load_project, LoadedStack};
