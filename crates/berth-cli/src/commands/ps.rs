//! `berth ps`: the project's containers, with Docker Compose 2.26's flags, columns, JSON
//! objects and template fields. Works from engine labels: with `-p NAME` it needs no compose
//! file.

use berth_core::query::{self, ContainerEntry, PsOptions};
use clap::{ArgAction, Args};
use serde_json::{json, Map, Value};

use super::{engine, listing};
use crate::cli::GlobalArgs;
use crate::display::format::Format;
use crate::exit::UsageError;

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Services to list (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    #[arg(
        long,
        help = "Format output using a custom template:\n\
                'table':            Print output in table format with column headers (default)\n\
                'table TEMPLATE':   Print output in table format using the given Go template\n\
                'json':             Print in JSON format\n\
                'TEMPLATE':         Print output using the given Go template.\n\
                Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
        default_value = "table"
    )]
    pub format: String,
    /// Filter services by a property (supported filters: status)
    #[arg(long)]
    pub filter: Option<String>,
    /// Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]
    #[arg(long = "status", value_name = "STATUS")]
    pub status: Vec<String>,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Display services
    #[arg(long = "services")]
    pub list_services: bool,
    /// Include orphaned services (not declared by project)
    #[arg(long, default_value_t = true, action = ArgAction::Set, num_args = 0..=1,
          default_missing_value = "true", require_equals = true, value_name = "BOOL")]
    pub orphans: bool,
    /// Show all stopped containers (including those created by the run command)
    #[arg(short, long)]
    pub all: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
}

/// `--filter KEY=VAL`: only `status` is supported, as in Docker Compose.
fn parse_filter(filter: Option<&str>, status: &mut Vec<String>) -> anyhow::Result<()> {
    let Some(f) = filter.filter(|f| !f.is_empty()) else { return Ok(()) };
    let Some((key, value)) = f.split_once('=') else {
        return Err(UsageError("arguments to --filter should be in form KEY=VAL".to_owned()).into());
    };
    match key {
        "status" => {
            status.push(value.to_owned());
            Ok(())
        }
        "source" => Err(anyhow::anyhow!("not implemented")),
        other => Err(anyhow::anyhow!("unknown filter {other}")),
    }
}

pub fn run(global: &GlobalArgs, args: &PsArgs) -> anyhow::Result<u8> {
    let mut status = args.status.clone();
    parse_filter(args.filter.as_deref(), &mut status)?;
    let engine::Target { name, project } = listing::project_or_name(global, &args.services)?;
    let mut services = args.services.clone();
    if let Some(p) = &project {
        if services.is_empty() {
            if !args.orphans {
                services = p.services.keys().cloned().collect();
            }
        } else if let Some(missing) = services.iter().find(|s| !p.services.contains_key(s.as_str())) {
            return Err(anyhow::anyhow!("no such service: {missing}"));
        }
    }
    let options = PsOptions { all: args.all || !status.is_empty(), services };
    let mut containers = engine::block_on(async {
        let engine = engine::connect().await?;
        Ok::<_, anyhow::Error>(query::ps(engine.as_ref(), &name, &options).await?)
    })??;
    if !status.is_empty() {
        containers.retain(|c| status.contains(&c.state));
    }
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    listing::print(&render(&containers, args)?)?;
    Ok(0)
}

/// The text `ps` prints for `containers` (already filtered and sorted).
fn render(containers: &[ContainerEntry], args: &PsArgs) -> anyhow::Result<String> {
    if args.quiet {
        return Ok(containers.iter().flat_map(|c| [c.id.as_str(), "\n"]).collect());
    }
    if args.list_services {
        let mut seen: Vec<&str> = Vec::new();
        for c in containers {
            if !seen.contains(&c.service.as_str()) {
                seen.push(&c.service);
            }
        }
        return Ok(format!("{}\n", seen.join("\n")));
    }
    let format = if args.format.is_empty() { config_ps_format().unwrap_or_default() } else { args.format.clone() };
    let format = if format == "raw" { RAW_FORMAT.to_owned() } else { format };
    let format = Format::parse(&format, DEFAULT_TABLE)?;
    let now = listing::now_unix_seconds();
    let trunc = !args.no_trunc;
    let items: Vec<Value> = containers.iter().map(|c| fields(c, trunc, now)).collect();
    if let Format::Json = format {
        // The docker CLI encodes the whole row with `encoding/json`, which escapes `<`, `>` and
        // `&` (`->` in the ports becomes `-\u003e`).
        return Ok(items.iter().flat_map(|i| [listing::go_json(i, true), "\n".to_owned()]).collect());
    }
    // `{{.Label "key"}}` reads the labels themselves: the `Labels` string cannot be split back
    // (values may hold commas).
    let methods: Vec<Map<String, Value>> = containers
        .iter()
        .map(|c| {
            let labels: Map<String, Value> =
                c.labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            Map::from_iter([("Label".to_owned(), Value::Object(labels))])
        })
        .collect();
    Ok(format.render_with(&items, &methods, TITLES)?)
}

const DEFAULT_TABLE: &str =
    "table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}";

const RAW_FORMAT: &str = "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n";

/// `psFormat` from the docker CLI configuration, used when `--format` is empty.
fn config_ps_format() -> Option<String> {
    super::engine::docker_cli_config()?.get("psFormat").and_then(Value::as_str).map(str::to_owned)
}

/// Column titles by field, as the docker CLI's container context names them.
const TITLES: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("Name", "NAME"),
    ("Project", "PROJECT"),
    ("Service", "SERVICE"),
    ("Image", "IMAGE"),
    ("Command", "COMMAND"),
    ("CreatedAt", "CREATED AT"),
    ("RunningFor", "CREATED"),
    ("Ports", "PORTS"),
    ("State", "STATE"),
    ("Status", "STATUS"),
    ("Size", "SIZE"),
    ("Labels", "LABELS"),
];

/// The fields of one container, as the docker CLI's container context exposes them to
/// templates and `json` (keys sorted, like Go's map encoding).
fn fields(c: &ContainerEntry, trunc: bool, now: f64) -> Value {
    let mut m = Map::new();
    let command = if trunc { listing::ellipsis(&c.command, 20) } else { c.command.clone() };
    m.insert("Command".into(), Value::String(listing::go_quote(&command)));
    m.insert("CreatedAt".into(), Value::String(listing::go_time_string(c.created)));
    m.insert("ExitCode".into(), Value::from(c.exit_code));
    m.insert("Health".into(), Value::String(c.health.clone()));
    let id = if trunc { query::short_id(&c.id).to_owned() } else { c.id.clone() };
    m.insert("ID".into(), Value::String(id));
    m.insert("Image".into(), Value::String(c.image.clone()));
    let labels: Vec<String> = c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    m.insert("Labels".into(), Value::String(labels.join(",")));
    m.insert("LocalVolumes".into(), Value::String(c.local_volumes.to_string()));
    let mounts: Vec<String> =
        c.mounts.iter().map(|n| if trunc { listing::ellipsis(n, 15) } else { n.clone() }).collect();
    m.insert("Mounts".into(), Value::String(mounts.join(",")));
    m.insert("Name".into(), Value::String(c.name.clone()));
    m.insert("Names".into(), Value::String(names(&c.names, trunc)));
    m.insert("Networks".into(), Value::String(c.networks.join(",")));
    m.insert("Ports".into(), Value::String(displayable_ports(&c.publishers)));
    m.insert("Project".into(), Value::String(c.project.clone()));
    let publishers = if c.publishers.is_empty() {
        Value::Null
    } else {
        Value::Array(
            c.publishers
                .iter()
                .map(|p| {
                    json!({"URL": p.url, "TargetPort": p.target_port, "PublishedPort": p.published_port, "Protocol": p.protocol})
                })
                .collect(),
        )
    };
    m.insert("Publishers".into(), publishers);
    #[allow(clippy::cast_precision_loss)]
    let age = now - c.created as f64;
    m.insert("RunningFor".into(), Value::String(format!("{} ago", listing::human_duration(age))));
    m.insert("Service".into(), Value::String(c.service.clone()));
    m.insert("Size".into(), Value::String("0B".into()));
    m.insert("State".into(), Value::String(c.state.clone()));
    m.insert("Status".into(), Value::String(c.status.clone()));
    Value::Object(m)
}

/// The docker CLI's `Names`: every name, or with truncation only the container's own.
fn names(all: &[String], trunc: bool) -> String {
    if trunc {
        if let Some(own) = all.iter().find(|n| !n.contains('/')) {
            return own.clone();
        }
    }
    all.join(",")
}

/// The docker CLI's `DisplayablePorts`: published ports as `ip:host->container/proto`,
/// unpublished ones grouped into ranges (`9000-9002/tcp`).
pub fn displayable_ports(publishers: &[query::PortPublisher]) -> String {
    let mut ports: Vec<&query::PortPublisher> = publishers.iter().collect();
    ports.sort_by(|a, b| {
        (a.target_port, &a.url, a.published_port, &a.protocol).cmp(&(b.target_port, &b.url, b.published_port, &b.protocol))
    });
    let mut groups: Vec<(String, u16, u16)> = Vec::new();
    let mut result = Vec::new();
    let mut mappings = Vec::new();
    for p in ports {
        let current = p.target_port;
        let key = if p.url.is_empty() {
            p.protocol.clone()
        } else {
            if p.published_port != current {
                mappings.push(format!("{}:{}->{}/{}", p.url, p.published_port, p.target_port, p.protocol));
                continue;
            }
            format!("{}/{}", p.url, p.protocol)
        };
        match groups.iter_mut().find(|(k, _, _)| *k == key) {
            None => groups.push((key, current, current)),
            Some(group) => {
                if u32::from(current) == u32::from(group.2) + 1 {
                    group.2 = current;
                } else {
                    result.push(form_group(&group.0, group.1, group.2));
                    group.1 = current;
                    group.2 = current;
                }
            }
        }
    }
    for (key, first, last) in &groups {
        result.push(form_group(key, *first, *last));
    }
    result.extend(mappings);
    result.join(", ")
}

fn form_group(key: &str, first: u16, last: u16) -> String {
    let (ip, proto) = match key.split_once('/') {
        Some((ip, proto)) => (ip, proto),
        None => ("", key),
    };
    let mut group = first.to_string();
    if first != last {
        group = format!("{group}-{last}");
    }
    if !ip.is_empty() {
        group = format!("{ip}:{group}->{group}");
    }
    format!("{group}/{proto}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use query::PortPublisher;

    fn publisher(url: &str, target: u16, published: u16, protocol: &str) -> PortPublisher {
        PortPublisher { url: url.into(), target_port: target, published_port: published, protocol: protocol.into() }
    }

    #[test]
    fn ports_like_the_docker_cli() {
        let ps = vec![
            publisher("127.0.0.1", 80, 32773, "tcp"),
            publisher("127.0.0.1", 53, 32768, "udp"),
        ];
        assert_eq!(displayable_ports(&ps), "127.0.0.1:32768->53/udp, 127.0.0.1:32773->80/tcp");
        let ps = vec![publisher("", 9000, 0, "tcp"), publisher("", 9001, 0, "tcp"), publisher("", 9003, 0, "tcp")];
        assert_eq!(displayable_ports(&ps), "9000-9001/tcp, 9003/tcp");
        let ps = vec![publisher("0.0.0.0", 8080, 8080, "tcp"), publisher("0.0.0.0", 8081, 8081, "tcp")];
        assert_eq!(displayable_ports(&ps), "0.0.0.0:8080-8081->8080-8081/tcp");
        assert_eq!(displayable_ports(&[]), "");
    }

    #[test]
    fn filters() {
        let mut status = Vec::new();
        parse_filter(Some("status=running"), &mut status).unwrap();
        assert_eq!(status, vec!["running".to_owned()]);
        assert!(parse_filter(Some("status"), &mut status).is_err());
        assert_eq!(parse_filter(Some("name=x"), &mut status).unwrap_err().to_string(), "unknown filter name");
    }

    fn entry() -> ContainerEntry {
        ContainerEntry {
            id: "c98b5d4e96e00a72534cdff14ed52a6b961c20645db27150c1b1b654f4788d2d".into(),
            name: "p-web-1".into(),
            names: vec!["p-web-1".into()],
            image: "busybox".into(),
            command: "sh -c 'trap 'exit 0' TERM; while true; do sleep 1; done'".into(),
            project: "p".into(),
            service: "web".into(),
            created: 1000,
            state: "running".into(),
            status: "Up 4 seconds (healthy)".into(),
            health: "healthy".into(),
            publishers: vec![publisher("127.0.0.1", 80, 8080, "tcp")],
            ..ContainerEntry::default()
        }
    }

    fn args(format: &str) -> PsArgs {
        PsArgs {
            services: vec![],
            format: format.into(),
            filter: None,
            status: vec![],
            quiet: false,
            list_services: false,
            orphans: true,
            all: false,
            no_trunc: false,
        }
    }

    #[test]
    fn table_and_json() {
        let table = render(&[entry()], &args("table {{.Name}}\\t{{.Command}}\\t{{.Ports}}")).unwrap();
        assert_eq!(
            table,
            "NAME      COMMAND                  PORTS\np-web-1   \"sh -c 'trap 'exit 0…\"   127.0.0.1:8080->80/tcp\n"
        );
        let json = render(&[entry()], &args("json")).unwrap();
        let v: Value = serde_json::from_str(json.trim()).unwrap();
        assert_eq!(v["ID"], "c98b5d4e96e0");
        assert_eq!(v["Ports"], "127.0.0.1:8080->80/tcp");
        assert!(json.contains("-\\u003e80"));
        assert_eq!(v["Publishers"][0]["PublishedPort"], 8080);
        let empty = render(&[], &args("table")).unwrap();
        assert_eq!(empty, "NAME      IMAGE     COMMAND   SERVICE   CREATED   STATUS    PORTS\n");
        let mut quiet = args("table");
        quiet.quiet = true;
        assert_eq!(render(&[entry()], &quiet).unwrap(), format!("{}\n", entry().id));
    }
}
