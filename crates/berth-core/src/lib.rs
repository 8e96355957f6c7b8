//! berth-core: plans and executes what compose commands do, without printing.
//!
//! observe (engine listings → `ObservedState`) → reconcile (pure) → `Plan` → execute (engine
//! calls, event-driven waits), reporting through [`events::EventSink`].

pub mod desired;
pub mod events;
pub mod hash;
pub mod labels;
pub mod observed;
pub mod plan;
pub mod query;
pub mod reconcile;
