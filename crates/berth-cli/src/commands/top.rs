//! `berth top`: the processes of each running container of the project, one table per
//! container, aligned as Docker Compose aligns them.

use berth_core::query::{self, ProcSummary};
use clap::Args;

use super::{engine, listing};
use crate::cli::GlobalArgs;
use crate::display::table::tabulate;

#[derive(Debug, Args)]
pub struct TopArgs {
    /// Services to show (default: all)
    #[arg(value_name = "SERVICES")]
    pub services: Vec<String>,
}

pub fn run(global: &GlobalArgs, args: &TopArgs) -> anyhow::Result<u8> {
    let name = listing::project_name(global)?;
    let summaries = engine::block_on(async {
        let engine = engine::connect().await?;
        Ok::<_, anyhow::Error>(query::top(engine.as_ref(), &name, &args.services).await?)
    })??;
    listing::print(&render(&summaries))?;
    Ok(0)
}

/// Each container's name, then its processes under the engine's column titles.
fn render(summaries: &[ProcSummary]) -> String {
    let mut out = String::new();
    for s in summaries {
        out.push_str(&s.name);
        out.push('\n');
        let mut table = s.titles.join("\t");
        table.push('\n');
        for process in &s.processes {
            for cell in process {
                table.push_str(cell);
                table.push('\t');
            }
            table.push('\n');
        }
        table.push('\n');
        out.push_str(&tabulate(&table, 5, 3));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_table_per_container() {
        let s = ProcSummary {
            id: "x".into(),
            name: "p-web-1".into(),
            titles: vec!["UID".into(), "PID".into(), "CMD".into()],
            processes: vec![
                vec!["root".into(), "1516".into(), "sh -c sleep".into()],
                vec!["root".into(), "5700".into(), "sleep 1".into()],
            ],
        };
        assert_eq!(
            render(&[s]),
            "p-web-1\nUID    PID    CMD\nroot   1516   sh -c sleep   \nroot   5700   sleep 1       \n\n"
        );
        assert_eq!(render(&[]), "");
    }
}
