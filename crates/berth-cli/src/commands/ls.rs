//! `berth ls`: the compose projects on the engine, found by their containers' labels —
//! `NAME STATUS CONFIG FILES` with `running(2), exited(1)` status strings, or JSON.

use berth_core::query::{self, Stack};
use clap::Args;
use serde_json::{json, Value};

use super::{engine, listing};
use crate::cli::GlobalArgs;
use crate::display::format::ListFormat;
use crate::exit::UsageError;

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Format the output. Values: [table | json]
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Filter output based on conditions provided
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Show all stopped Compose projects
    #[arg(short, long)]
    pub all: bool,
}

/// The `--filter` values by key, as the docker CLI's filter option parses them.
fn parse_filters(values: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for v in values {
        let Some((k, val)) = v.split_once('=') else {
            return Err(UsageError(format!(
                "invalid argument {v:?} for \"--filter\" flag: bad format of filter (expected name=value)"
            ))
            .into());
        };
        let key = k.trim().to_lowercase();
        if key != "name" {
            return Err(anyhow::anyhow!("invalid filter '{key}'"));
        }
        out.push((key, val.trim().to_owned()));
    }
    Ok(out)
}

/// Whether `name` matches one of the `name` filters: exactly, or as an unanchored regular
/// expression (the engine's filter rule).
fn name_matches(filters: &[(String, String)], name: &str) -> bool {
    filters.iter().all(|(k, _)| k != "name")
        || filters.iter().filter(|(k, _)| k == "name").any(|(_, pattern)| {
            pattern == name || regex::Regex::new(pattern).is_ok_and(|re| re.is_match(name))
        })
}

pub fn run(global: &GlobalArgs, args: &LsArgs) -> anyhow::Result<u8> {
    listing::check_project_name(global)?;
    let filters = parse_filters(&args.filter)?;
    let (stacks, warnings) = engine::block_on(async {
        let engine = engine::connect().await?;
        Ok::<_, anyhow::Error>(query::list_projects(engine.as_ref(), args.all).await?)
    })??;
    super::config::print_warnings(&warnings);
    let stacks: Vec<Stack> = stacks.into_iter().filter(|s| name_matches(&filters, &s.name)).collect();
    listing::print(&render(&stacks, args)?)?;
    Ok(0)
}

fn render(stacks: &[Stack], args: &LsArgs) -> anyhow::Result<String> {
    if args.quiet {
        return Ok(stacks.iter().flat_map(|s| [s.name.as_str(), "\n"]).collect());
    }
    let format = ListFormat::parse(&args.format)?;
    let rows: Vec<Value> =
        stacks.iter().map(|s| json!({"Name": s.name, "Status": s.status, "ConfigFiles": s.config_files})).collect();
    Ok(format.render(&rows, &["NAME", "STATUS", "CONFIG FILES"], |r| {
        ["Name", "Status", "ConfigFiles"].iter().map(|k| r[*k].as_str().unwrap_or("").to_owned()).collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(format: &str) -> LsArgs {
        LsArgs { format: format.into(), quiet: false, filter: vec![], all: false }
    }

    fn stack(name: &str) -> Stack {
        Stack { name: name.into(), status: "exited(1), running(2)".into(), config_files: "/x/compose.yaml".into() }
    }

    #[test]
    fn table_json_and_quiet() {
        assert_eq!(
            render(&[stack("lab")], &args("table")).unwrap(),
            "NAME                STATUS                  CONFIG FILES\nlab                 exited(1), running(2)   /x/compose.yaml\n"
        );
        assert_eq!(
            render(&[stack("lab")], &args("json")).unwrap(),
            "[{\"Name\":\"lab\",\"Status\":\"exited(1), running(2)\",\"ConfigFiles\":\"/x/compose.yaml\"}]\n"
        );
        assert_eq!(render(&[], &args("json")).unwrap(), "[]\n");
        let mut q = args("table");
        q.quiet = true;
        assert_eq!(render(&[stack("a"), stack("b")], &q).unwrap(), "a\nb\n");
        assert!(render(&[], &args("yaml")).is_err());
    }

    #[test]
    fn filters() {
        assert_eq!(parse_filters(&["foo=bar".into()]).unwrap_err().to_string(), "invalid filter 'foo'");
        assert!(parse_filters(&["name".into()]).is_err());
        let f = parse_filters(&["name=lab".into()]).unwrap();
        assert!(name_matches(&f, "lab"));
        assert!(name_matches(&f, "mylab2"));
        assert!(!name_matches(&f, "other"));
        assert!(name_matches(&[], "anything"));
    }
}
