//! The `com.docker.compose.*` label contract. Docker Compose finds everything it made through
//! these labels; berth writes and reads exactly the same ones, so each tool sees the other's
//! containers, networks and volumes as its own.

/// The project a resource belongs to.
pub const PROJECT: &str = "com.docker.compose.project";
/// The service a container belongs to.
pub const SERVICE: &str = "com.docker.compose.service";
/// The hash of the service configuration the container was created from.
pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
/// The replica number of a container (`1`, `2`, ...).
pub const CONTAINER_NUMBER: &str = "com.docker.compose.container-number";
/// The compose name of a volume.
pub const VOLUME: &str = "com.docker.compose.volume";
/// The compose name of a network.
pub const NETWORK: &str = "com.docker.compose.network";
/// The absolute project directory.
pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
/// The compose files, comma-separated absolute paths.
pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
/// The `--env-file` files, comma-separated absolute paths.
pub const ENVIRONMENT_FILE: &str = "com.docker.compose.project.environment_file";
/// `True` for containers made by `run`, `False` otherwise.
pub const ONEOFF: &str = "com.docker.compose.oneoff";
/// Unique id of a one-off container.
pub const SLUG: &str = "com.docker.compose.slug";
/// The digest of the image a container runs.
pub const IMAGE: &str = "com.docker.compose.image";
/// The dependencies of a service: `service:condition:restart` entries, comma-separated.
pub const DEPENDS_ON: &str = "com.docker.compose.depends_on";
/// The version of the tool that created the resource.
pub const VERSION: &str = "com.docker.compose.version";
/// The builder that produced an image (`classic` or `buildkit`).
pub const IMAGE_BUILDER: &str = "com.docker.compose.image.builder";
/// Set on a container created to replace another one: the replaced container's name.
pub const REPLACE: &str = "com.docker.compose.replace";

/// The Compose version berth writes in [`VERSION`]. Containers carrying a different version
/// are not recreated for that alone; the reference behaves the same way.
pub const COMPOSE_VERSION: &str = "2.26.1";

/// A label filter (`key=value`) for engine listings.
pub fn filter(key: &str, value: &str) -> String {
    format!("{key}={value}")
}

/// The filter selecting every resource of a project.
pub fn project_filter(project: &str) -> String {
    filter(PROJECT, project)
}
