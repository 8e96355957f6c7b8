//! berth's own types for everything that crosses the `Engine` trait.
//!
//! Nothing here refers to bollard: the Docker engine converts at its edge (`docker::convert`),
//! the fake engine stores these types directly.

pub mod artifact;
pub mod container;
pub mod image;
pub mod network;
pub mod swarm;
pub mod system;
