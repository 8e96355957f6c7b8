//! berth-engine: container engines behind one trait.
