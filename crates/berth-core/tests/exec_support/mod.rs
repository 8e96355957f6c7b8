//! Shared helpers of the `ops_*` and `e2e_*` tests: loading a project from inline YAML the
//! way the CLI does, and reading recorded events.

#![allow(dead_code)]

use std::path::Path;

use berth_core::events::{Event, Recorder};
use berth_spec::discovery::ProjectOptions;
use berth_spec::model::Project;
use berth_spec::project::{load_project, LoadFlags};
use berth_spec::Environment;

/// Loads `yaml` as project `name`, with `dir` as the project directory.
pub fn load(dir: &Path, name: &str, yaml: &str) -> Project {
    let path = dir.join("compose.yaml");
    std::fs::write(&path, yaml).expect("write compose.yaml");
    let opts = ProjectOptions {
        name: Some(name.to_owned()),
        files: vec![path.to_string_lossy().into_owned()],
        cwd: dir.to_path_buf(),
        env: Environment::new(),
        ..ProjectOptions::default()
    };
    load_project(&opts, &LoadFlags::default(), &[]).expect("valid project").project
}

/// The progress lines as "Container lab-web-1 Created".
pub fn lines(recorder: &Recorder) -> Vec<String> {
    recorder.progress_lines()
}

/// The position of `line` among the progress lines; panics with all lines when absent.
pub fn position(lines: &[String], line: &str) -> usize {
    lines.iter().position(|l| l == line).unwrap_or_else(|| panic!("{line:?} not in {lines:#?}"))
}

/// The warnings recorded.
pub fn warnings(recorder: &Recorder) -> Vec<String> {
    recorder
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Warning { message } => Some(message),
            _ => None,
        })
        .collect()
}
