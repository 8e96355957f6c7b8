//! `berth images`: the images the project's containers run —
//! `CONTAINER REPOSITORY TAG IMAGE ID SIZE`, JSON, or image ids.

use berth_core::query::{self, ImageEntry};
use clap::Args;
use serde_json::{json, Value};

use super::{engine, listing};
use crate::cli::GlobalArgs;
use crate::display::format::ListFormat;

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Services to list (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Format the output. Values: [table | json]
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(global: &GlobalArgs, args: &ImagesArgs) -> anyhow::Result<u8> {
    let name = listing::project_name(global)?;
    let images = engine::block_on(async {
        let engine = engine::connect().await?;
        Ok::<_, anyhow::Error>(query::images(engine.as_ref(), &name, &args.services).await?)
    })??;
    listing::print(&render(images, args)?)?;
    Ok(0)
}

/// With `-q`, the distinct image ids in container order; otherwise one row per container,
/// sorted by container name.
fn render(mut images: Vec<ImageEntry>, args: &ImagesArgs) -> anyhow::Result<String> {
    if args.quiet {
        let mut ids: Vec<&str> = Vec::new();
        for img in &images {
            let id = img.id.split_once(':').map_or(img.id.as_str(), |(_, rest)| rest);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        return Ok(ids.iter().flat_map(|id| [*id, "\n"]).collect());
    }
    images.sort_by(|a, b| a.container_name.cmp(&b.container_name));
    let or_none = |s: &str| if s.is_empty() { "<none>".to_owned() } else { s.to_owned() };
    let format = ListFormat::parse(&args.format)?;
    let rows: Vec<Value> = images
        .iter()
        .map(|i| json!({"ID": i.id, "ContainerName": i.container_name, "Repository": i.repository, "Tag": i.tag, "Size": i.size}))
        .collect();
    let text = |r: &Value, k: &str| r[k].as_str().unwrap_or("").to_owned();
    #[allow(clippy::cast_precision_loss)]
    let cells = |r: &Value| {
        vec![
            text(r, "ContainerName"),
            or_none(&text(r, "Repository")),
            or_none(&text(r, "Tag")),
            query::short_id(&text(r, "ID")).to_owned(),
            listing::human_size(r["Size"].as_i64().unwrap_or(0) as f64, 3),
        ]
    };
    Ok(format.render(&rows, &["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"], cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(container: &str, id: &str) -> ImageEntry {
        ImageEntry {
            id: format!("sha256:{id}"),
            container_name: container.into(),
            repository: "berth-test/busybox".into(),
            tag: "latest".into(),
            size: 1_985_627,
        }
    }

    #[test]
    fn table_quiet_json() {
        let args = |format: &str, quiet| ImagesArgs { services: vec![], format: format.into(), quiet };
        let imgs = vec![image("p-web-1", "56fcfa9c90397591996c"), image("p-db-1", "56fcfa9c90397591996c")];
        assert_eq!(
            render(imgs.clone(), &args("table", false)).unwrap(),
            "CONTAINER           REPOSITORY           TAG                 IMAGE ID            SIZE\n\
             p-db-1              berth-test/busybox   latest              56fcfa9c9039        1.99MB\n\
             p-web-1             berth-test/busybox   latest              56fcfa9c9039        1.99MB\n"
        );
        assert_eq!(render(imgs.clone(), &args("table", true)).unwrap(), "56fcfa9c90397591996c\n");
        let json = render(imgs, &args("json", false)).unwrap();
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["ContainerName"], "p-db-1");
        assert_eq!(v[0]["Size"], 1_985_627);
    }
}
