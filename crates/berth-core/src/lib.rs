//! berth-core: plans and executes what compose commands do, without printing.
//!
//! observe (engine listings → `ObservedState`) → reconcile (pure) → `Plan` → execute (engine
//! calls, event-driven waits), reporting through [`events::EventSink`].

pub mod events;
pub mod labels;
