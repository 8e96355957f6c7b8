//! berth-core: plan and execute, without printing.

pub mod convert;
pub mod labels;
