//! berth-core: plan and execute, without printing.

pub mod desired;
pub mod hash;
pub mod labels;
pub mod observed;
pub mod plan;
pub mod reconcile;
