//! berth-core: plan and execute, without printing.
