//! Loading a stack's compose files with berth-spec's loader: the same `.env`, interpolation,
//! `include`, `extends`, merge rules (`!reset`, `!override`) and profiles as `berth up`.

use berth_spec::discovery::ProjectOptions;
use berth_spec::model::Project;
use berth_spec::project::{self, LoadFlags};

use crate::error::Result;
use crate::names::project_name_for;

/// A loaded stack project and the loader's warnings.
#[derive(Debug)]
pub struct LoadedStack {
    /// The project; its name is the stack name made a valid compose project name.
    pub project: Project,
    /// Warnings from the loader, to show the user.
    pub warnings: Vec<String>,
}

/// Loads the files of `options` for stack `stack`. The stack name stands in for the project
/// name (`COMPOSE_PROJECT_NAME` in interpolation); the files' own `name:` does not matter.
pub fn load_project(options: &ProjectOptions, stack: &str) -> Result<LoadedStack> {
    let mut options = options.clone();
    options.name = Some(project_name_for(stack));
    let loaded = project::load_project(&options, &LoadFlags::default(), &[])?;
    Ok(LoadedStack { project: loaded.project, warnings: loaded.warnings })
}
