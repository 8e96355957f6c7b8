//! The config hash must be byte-identical to Docker Compose's: for each case under
//! `tests/data/hash`, the reference's `config --format json` output is decoded into the model
//! and every service's hash compared with the reference's `config --hash '*'`
//! (`data/hash/generate.sh` regenerates the data).

use std::path::{Path, PathBuf};

use berth_core::hash::{go_json, service_hash, service_json};
use berth_spec::de::from_node;
use berth_spec::model::Project;
use berth_spec::Node;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hash");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.join("hashes.txt").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn project(dir: &Path) -> Project {
    let text = std::fs::read_to_string(dir.join("config.json")).expect("config.json");
    // `config` doubles every `$` in its output so that it can be loaded again; the project
    // (and the hash) hold the single one.
    let text = text.replace("$$", "$");
    let json: serde_json::Value = serde_json::from_str(&text).expect("config.json is JSON");
    from_node(&Node::from_json(&json)).unwrap_or_else(|e| panic!("{}: {}", dir.display(), e.render()))
}

#[test]
fn hashes_match_the_reference() {
    let dirs = cases();
    assert!(dirs.len() >= 6, "expected at least 6 hash cases, found {}", dirs.len());
    let mut checked = 0;
    let mut failures = Vec::new();
    for dir in &dirs {
        let project = project(dir);
        let hashes = std::fs::read_to_string(dir.join("hashes.txt")).expect("hashes.txt");
        for line in hashes.lines() {
            let (name, expected) = line.split_once(' ').expect("`service hash` line");
            let service = project.services.get(name).unwrap_or_else(|| panic!("{}: no service {name}", dir.display()));
            let actual = service_hash(service).expect("hashable");
            if actual != expected {
                let json = go_json(&service_json(service).expect("serialisable"));
                failures.push(format!("{}: service {name}: {actual} != {expected}\n  hashed: {json}", dir.display()));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 12, "only {checked} services checked");
}

#[test]
fn build_pull_policy_scale_and_replicas_do_not_count() {
    let dir = cases().into_iter().find(|d| d.ends_with("deploy")).expect("deploy case");
    let project = project(&dir);
    let mut app = project.services.get("app").expect("app").clone();
    let before = service_hash(&app).expect("hashable");
    app.build = None;
    app.pull_policy = "never".into();
    app.scale = Some(7);
    if let Some(deploy) = app.deploy.as_mut() {
        deploy.replicas = Some(9);
    }
    assert_eq!(service_hash(&app).expect("hashable"), before);
    app.image = "example/app:other".into();
    assert_ne!(service_hash(&app).expect("hashable"), before);
}
