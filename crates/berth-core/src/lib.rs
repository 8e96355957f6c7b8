//! berth-core: plans and executes what compose commands do, without printing.
//!
//! observe (engine listings → `ObservedState`) → reconcile (pure) → `Plan` → execute (engine
//! calls, event-driven waits), reporting through [`events::EventSink`].

pub mod build;
pub mod convert;
pub mod desired;
pub mod events;
pub mod execute;
pub mod hash;
pub mod labels;
pub mod observe;
pub mod observed;
pub mod ops;
pub mod plan;
pub mod port_conflict;
pub mod query;
pub mod reconcile;
pub mod wait;
