//! `berth port SERVICE PRIVATE_PORT`: the host address and port a container port is
//! published on, from the engine's listing.

use berth_core::query;
use clap::Args;

use super::{engine, listing};
use crate::cli::GlobalArgs;

#[derive(Debug, Args)]
pub struct PortArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: String,
    /// The container port
    #[arg(value_name = "PRIVATE_PORT")]
    pub private_port: String,
    /// tcp or udp
    #[arg(long, default_value = "tcp")]
    pub protocol: String,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 0)]
    pub index: i64,
}

pub fn run(global: &GlobalArgs, args: &PortArgs) -> anyhow::Result<u8> {
    let text = &args.private_port;
    let port: u16 = text.parse().map_err(|_| {
        let why = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            "value out of range"
        } else {
            "invalid syntax"
        };
        anyhow::anyhow!("strconv.ParseUint: parsing {text:?}: {why}")
    })?;
    let protocol = args.protocol.to_lowercase();
    // A negative index selects no particular replica, as 0 does.
    let index = u32::try_from(args.index).unwrap_or(0);
    let name = listing::project_name(global)?;
    let (ip, public) = engine::block_on(async {
        let engine = engine::connect().await?;
        Ok::<_, anyhow::Error>(query::port(engine.as_ref(), &name, &args.service, port, &protocol, index).await?)
    })??;
    listing::print(&format!("{ip}:{public}\n"))?;
    Ok(0)
}
