//! `berth stats`: resource usage of the project's containers, as the docker CLI's
//! `docker stats` shows it (Docker Compose delegates to it): one table with `--no-stream`,
//! otherwise a table redrawn every half second, following containers as they start and stop.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use berth_core::query;
use berth_engine::{ContainerStats, Engine};
use clap::Args;
use futures::StreamExt;
use serde_json::{json, Value};

use super::{engine, listing};
use crate::cli::GlobalArgs;
use crate::display::format::Format;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The service (default: all)
    #[arg(value_name = "SERVICE")]
    pub service: Option<String>,
    /// Show all containers (default shows just running)
    #[arg(short, long)]
    pub all: bool,
    #[arg(
        long,
        help = "Format output using a custom template:\n\
                'table':            Print output in table format with column headers (default)\n\
                'table TEMPLATE':   Print output in table format using the given Go template\n\
                'json':             Print in JSON format\n\
                'TEMPLATE':         Print output using the given Go template.\n\
                Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
        default_value = "",
        hide_default_value = true
    )]
    pub format: String,
    /// Disable streaming stats and only pull the first result
    #[arg(long)]
    pub no_stream: bool,
    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,
}

const DEFAULT_TABLE: &str =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

/// One container's row: its short id, its latest sample, and whether sampling failed.
#[derive(Debug, Clone, Default)]
struct Slot {
    container: String,
    sample: Option<ContainerStats>,
    invalid: bool,
    settled: bool,
}

type Slots = Arc<Mutex<Vec<Slot>>>;

fn lock(slots: &Slots) -> std::sync::MutexGuard<'_, Vec<Slot>> {
    slots.lock().unwrap_or_else(PoisonError::into_inner)
}

pub fn run(global: &GlobalArgs, args: &StatsArgs) -> anyhow::Result<u8> {
    let name = listing::project_name(global)?;
    // The template is checked before anything is sampled.
    let format = Format::parse(&args.format, DEFAULT_TABLE)?;
    engine::block_on(listing::until_interrupted(async {
        let engine = engine::connect().await?;
        let slots: Slots = Arc::new(Mutex::new(Vec::new()));
        let stream = !args.no_stream;
        if stream {
            follow_events(&engine, &slots, &name, args.service.as_deref(), args.all);
        }
        let containers = query::stats_containers(engine.as_ref(), &name, args.service.as_deref(), args.all).await?;
        for c in containers {
            add(&engine, &slots, &c.id, stream);
        }
        // Every container gets its first sample (or fails) before the first table.
        while lock(&slots).iter().any(|s| !s.settled) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        loop {
            let table = render(&lock(&slots), &format, !args.no_trunc)?;
            if stream {
                listing::print(&format!("\x1b[2J\x1b[H{table}"))?;
            } else {
                listing::print(&table)?;
                return Ok(0);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }))?
}

/// Starts sampling container `id` unless it already has a row.
fn add(engine: &Arc<dyn Engine>, slots: &Slots, id: &str, stream: bool) {
    let short = query::short_id(id).to_owned();
    {
        let mut rows = lock(slots);
        if rows.iter().any(|s| s.container == short) {
            return;
        }
        rows.push(Slot { container: short.clone(), ..Slot::default() });
    }
    let mut samples = engine.stats(id, stream);
    let slots = Arc::clone(slots);
    tokio::spawn(async move {
        while let Some(item) = samples.next().await {
            let mut rows = lock(&slots);
            let Some(slot) = rows.iter_mut().find(|s| s.container == short) else { return };
            slot.settled = true;
            if let Ok(sample) = item {
                slot.sample = Some(sample);
                slot.invalid = false;
            } else {
                slot.sample = None;
                slot.invalid = true;
                return;
            }
        }
        if let Some(slot) = lock(&slots).iter_mut().find(|s| s.container == short) {
            slot.settled = true;
            // A stream that ended without a sample (Podman's answer for a stopped container)
            // is an invalid row, as the docker CLI shows it: `--` in every column.
            if slot.sample.is_none() {
                slot.invalid = true;
            }
        }
    });
}

/// Adds containers that start (or, with `all`, are created) and drops those that die
/// (unless `all`), as `docker stats` does while streaming.
fn follow_events(engine: &Arc<dyn Engine>, slots: &Slots, project: &str, service: Option<&str>, all: bool) {
    let mut events = query::stats_events(engine.as_ref(), project, service);
    let engine = Arc::clone(engine);
    let slots = Arc::clone(slots);
    tokio::spawn(async move {
        while let Some(Ok(e)) = events.next().await {
            let action = e.action_name();
            if action == "start" || (all && action == "create") {
                add(&engine, &slots, &e.actor_id, true);
            } else if !all && action == "die" {
                let short = query::short_id(&e.actor_id).to_owned();
                lock(&slots).retain(|s| s.container != short);
            }
        }
    });
}

/// Column titles by field, as the docker CLI's stats context names them.
const TITLES: &[(&str, &str)] = &[
    ("Container", "CONTAINER"),
    ("Name", "NAME"),
    ("ID", "CONTAINER ID"),
    ("CPUPerc", "CPU %"),
    ("MemUsage", "MEM USAGE / LIMIT"),
    ("MemPerc", "MEM %"),
    ("NetIO", "NET I/O"),
    ("BlockIO", "BLOCK I/O"),
    ("PIDs", "PIDS"),
];

fn render(slots: &[Slot], format: &Format, trunc: bool) -> anyhow::Result<String> {
    let items: Vec<Value> = slots.iter().map(|s| fields(s, trunc)).collect();
    if let Format::Json = format {
        // Encoded with `encoding/json` by the docker CLI, which escapes `<`, `>` and `&`.
        return Ok(items.iter().flat_map(|i| [listing::go_json(i, true), "\n".to_owned()]).collect());
    }
    Ok(format.render(&items, TITLES)?)
}

/// The fields of the docker CLI's stats context (keys sorted, like Go's map encoding).
#[allow(clippy::cast_precision_loss)]
fn fields(slot: &Slot, trunc: bool) -> Value {
    let sample = slot.sample.clone().unwrap_or_default();
    let invalid = slot.invalid;
    let percent = |v: f64| format!("{v:.2}%");
    let pair = |a: u64, b: u64| format!("{} / {}", listing::human_size(a as f64, 3), listing::human_size(b as f64, 3));
    let mem_percent = if sample.memory_limit == 0 {
        0.0
    } else {
        sample.memory_usage as f64 / sample.memory_limit as f64 * 100.0
    };
    let dashes = |s: String| if invalid { "--".to_owned() } else { s };
    let id = if trunc { query::short_id(&sample.id).to_owned() } else { sample.id.clone() };
    json!({
        "BlockIO": dashes(pair(sample.block_read_bytes, sample.block_write_bytes)),
        "CPUPerc": dashes(percent(sample.cpu_percent)),
        "Container": slot.container,
        "ID": id,
        "MemPerc": dashes(percent(mem_percent)),
        "MemUsage": if invalid {
            "-- / --".to_owned()
        } else {
            format!("{} / {}", listing::bytes_size(sample.memory_usage as f64), listing::bytes_size(sample.memory_limit as f64))
        },
        "Name": if sample.name.is_empty() { "--".to_owned() } else { sample.name.clone() },
        "NetIO": dashes(pair(sample.net_rx_bytes, sample.net_tx_bytes)),
        "PIDs": dashes(sample.pids.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot() -> Slot {
        Slot {
            container: "b25586a55a12".into(),
            sample: Some(ContainerStats {
                id: "b25586a55a12afdabd10e146ea2629f019e0c5e3fc0911e016e9a64a509ac19e".into(),
                name: "p-worker-1".into(),
                cpu_percent: 0.104,
                memory_usage: 618_496,
                memory_limit: 25_275_809_792,
                net_rx_bytes: 1250,
                pids: 2,
                ..ContainerStats::default()
            }),
            invalid: false,
            settled: true,
        }
    }

    #[test]
    fn default_table() {
        let text = render(&[slot()], &Format::parse("table", DEFAULT_TABLE).unwrap(), true).unwrap();
        assert_eq!(
            text,
            "CONTAINER ID   NAME         CPU %     MEM USAGE / LIMIT   MEM %     NET I/O       BLOCK I/O   PIDS\n\
             b25586a55a12   p-worker-1   0.10%     604KiB / 23.54GiB   0.00%     1.25kB / 0B   0B / 0B     2\n"
        );
    }

    #[test]
    fn json_and_invalid_rows() {
        let v: Value = serde_json::from_str(render(&[slot()], &Format::Json, false).unwrap().trim()).unwrap();
        assert_eq!(v["Container"], "b25586a55a12");
        assert_eq!(v["ID"].as_str().map(str::len), Some(64));
        let mut bad = slot();
        bad.invalid = true;
        let v: Value = serde_json::from_str(render(&[bad], &Format::Json, true).unwrap().trim()).unwrap();
        assert_eq!(v["CPUPerc"], "--");
        assert_eq!(v["MemUsage"], "-- / --");
    }
}
