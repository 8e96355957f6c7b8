//! An engine events stream that outlives the engine ending it.
//!
//! Podman ends an events stream now and then while it is being followed (Docker does when it
//! restarts). Following output (`up` attached, `logs -f`) must still see the containers that
//! start later, so the feed subscribes again from the time of the last event it passed on,
//! and drops the events the new subscription repeats. It gives up only when subscribing
//! again fails several times in a row without a single event: the engine is gone.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use berth_engine::{Engine, EngineEvent, EngineStream, EventOptions};
use futures::StreamExt;

/// How long to wait before subscribing again.
const RESUBSCRIBE_DELAY: Duration = Duration::from_millis(250);

/// Subscriptions in a row that may end without an event before the feed ends.
const MAX_BARREN_SUBSCRIPTIONS: u32 = 5;

/// A resuming events subscription; see the module documentation.
pub(crate) struct EventFeed {
    engine: Arc<dyn Engine>,
    options: EventOptions,
    stream: EngineStream<EngineEvent>,
    /// The time (ns) of the latest event passed on, and the events passed on at that very
    /// time: a new subscription starts at that second, so it repeats them and older ones.
    latest: i64,
    at_latest: BTreeSet<(String, String)>,
    /// Subscriptions in a row that ended without an event.
    barren: u32,
    /// An event came through the current subscription.
    fruitful: bool,
}

impl EventFeed {
    /// Subscribes with `options` (their `since` is the feed's start).
    pub(crate) fn new(engine: Arc<dyn Engine>, options: EventOptions) -> Self {
        let stream = engine.events(&options);
        let latest = options.since.map_or(i64::MIN, |s| s.saturating_mul(1_000_000_000));
        EventFeed { engine, options, stream, latest, at_latest: BTreeSet::new(), barren: 0, fruitful: false }
    }

    /// The next event not passed on before; `None` once the engine is gone.
    pub(crate) async fn next(&mut self) -> Option<EngineEvent> {
        loop {
            if let Some(Ok(event)) = self.stream.next().await {
                self.fruitful = true;
                if self.is_new(&event) {
                    return Some(event);
                }
                continue;
            }
            // A failure or the end: subscribe again, unless that keeps failing.
            if self.fruitful {
                self.barren = 0;
            } else {
                self.barren += 1;
                if self.barren >= MAX_BARREN_SUBSCRIPTIONS {
                    return None;
                }
            }
            tokio::time::sleep(RESUBSCRIBE_DELAY).await;
            self.resubscribe();
        }
    }

    fn resubscribe(&mut self) {
        if self.latest > i64::MIN {
            self.options.since = Some(self.latest.div_euclid(1_000_000_000));
        }
        self.fruitful = false;
        self.stream = self.engine.events(&self.options);
    }

    /// Records `event` as passed on; `false` when it was already, or precedes one that was.
    fn is_new(&mut self, event: &EngineEvent) -> bool {
        if event.time_nano == 0 {
            // An engine that gives no times: nothing to tell repeats by.
            return true;
        }
        let key = (event.actor_id.clone(), event.action.clone());
        match event.time_nano.cmp(&self.latest) {
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => self.at_latest.insert(key),
            std::cmp::Ordering::Greater => {
                self.latest = event.time_nano;
                self.at_latest.clear();
                self.at_latest.insert(key);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_engine::{EventKind, FakeEngine};

    fn event(id: &str, action: &str, time_nano: i64) -> EngineEvent {
        EngineEvent {
            kind: EventKind::Container,
            action: action.into(),
            actor_id: id.into(),
            attributes: std::collections::BTreeMap::new(),
            time_nano,
        }
    }

    #[tokio::test]
    async fn a_new_subscription_passes_on_only_what_came_after() {
        let engine: Arc<dyn Engine> = Arc::new(FakeEngine::new());
        let mut feed = EventFeed::new(engine, EventOptions { since: Some(10), ..EventOptions::default() });
        assert!(feed.is_new(&event("a", "create", 10_000_000_100)));
        assert!(feed.is_new(&event("a", "start", 10_000_000_200)));
        assert!(feed.is_new(&event("b", "start", 10_000_000_200)), "another container at the same time");
        // The engine ended the stream; the new one repeats from second 10 on.
        assert!(!feed.is_new(&event("a", "create", 10_000_000_100)));
        assert!(!feed.is_new(&event("a", "start", 10_000_000_200)));
        assert!(!feed.is_new(&event("b", "start", 10_000_000_200)));
        assert!(feed.is_new(&event("a", "die", 11_000_000_000)));
        assert!(feed.is_new(&event("x", "start", 0)), "no time: cannot be told a repeat");
        assert!(feed.is_new(&event("x", "start", 0)));
    }
}
