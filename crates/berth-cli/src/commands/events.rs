//! `berth events`: the project's container events as they happen, in Docker Compose's text
//! form or as JSON lines, until interrupted.

use berth_core::query::{self, ProjectEvent};
use clap::Args;
use futures::StreamExt;
use serde_json::{json, Value};

use super::{engine, listing};
use crate::cli::GlobalArgs;

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Services to follow (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Output events as a stream of json objects
    #[arg(long)]
    pub json: bool,
}

pub fn run(global: &GlobalArgs, args: &EventsArgs) -> anyhow::Result<u8> {
    let name = listing::project_name(global)?;
    engine::block_on(listing::until_interrupted(async {
        let engine = engine::connect().await?;
        let mut stream = Box::pin(query::events(engine.as_ref(), &name, args.services.clone()));
        while let Some(event) = stream.next().await {
            let line = if args.json { json_line(&event?) } else { text_line(&event?) };
            listing::print(&line)?;
        }
        Ok(0)
    }))?
}

/// `2024-05-01 10:00:00.123456 container start <id> (image=busybox, name=p-web-1)` and the
/// empty line Docker Compose prints after each event.
fn text_line(e: &ProjectEvent) -> String {
    let attributes: Vec<String> = e.attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "{} container {} {} ({})\n\n",
        listing::event_time(e.time_nano),
        e.action,
        e.container,
        attributes.join(", ")
    )
}

/// One JSON object per line, keys sorted as Go encodes a map.
fn json_line(e: &ProjectEvent) -> String {
    let value = json!({
        "action": e.action,
        "attributes": Value::Object(e.attributes.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()),
        "id": e.container,
        "service": e.service,
        "time": listing::go_json_time(e.time_nano),
        "type": "container",
    });
    format!("{}\n", listing::go_json(&value, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn json_lines() {
        let mut attributes = BTreeMap::new();
        attributes.insert("name".to_owned(), "p-web-1".to_owned());
        attributes.insert("image".to_owned(), "busybox".to_owned());
        let e = ProjectEvent {
            time_nano: 1_700_000_000_123_456_789,
            service: "web".into(),
            container: "abc".into(),
            action: "start".into(),
            attributes,
        };
        let v: Value = serde_json::from_str(json_line(&e).trim()).unwrap();
        assert_eq!(v["action"], "start");
        assert_eq!(v["attributes"]["name"], "p-web-1");
        assert_eq!(v["type"], "container");
        let text = text_line(&e);
        assert!(text.ends_with(" container start abc (image=busybox, name=p-web-1)\n\n"), "{text}");
    }
}
