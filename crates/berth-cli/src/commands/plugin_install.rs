//! `berth plugin install`: makes berth the docker CLI's `compose` plugin by linking (or
//! copying) the running binary to `~/.docker/cli-plugins/docker-compose`, so that
//! `docker compose ...` runs berth. `berth plugin uninstall` removes that link again.
//!
//! The docker CLI looks in the user's plugin directory before the system ones, so the user's
//! link takes precedence over a system-wide Docker Compose, which stays installed.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};

use super::listing;

#[derive(Debug, Args)]
pub struct PluginArgs {
    #[command(subcommand)]
    pub action: PluginAction,
}

#[derive(Debug, Subcommand)]
pub enum PluginAction {
    /// Install berth as the docker CLI's compose plugin (`docker compose` runs berth)
    Install(InstallArgs),
    /// Remove berth from the docker CLI's plugins
    Uninstall(UninstallArgs),
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Where to install (default: $DOCKER_CONFIG/cli-plugins/docker-compose, else
    /// ~/.docker/cli-plugins/docker-compose)
    #[arg(long, value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Replace an existing plugin
    #[arg(long)]
    pub force: bool,
    /// Copy the binary instead of linking to it
    #[arg(long)]
    pub copy: bool,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// The installed plugin (default: as for install)
    #[arg(long, value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Remove it even when it is not berth
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &PluginArgs) -> anyhow::Result<u8> {
    match &args.action {
        PluginAction::Install(a) => install(a),
        PluginAction::Uninstall(a) => uninstall(a),
    }
}

/// `$DOCKER_CONFIG/cli-plugins/docker-compose`, else `~/.docker/cli-plugins/docker-compose`.
pub fn default_path() -> anyhow::Result<PathBuf> {
    let config = if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        PathBuf::from(dir)
    } else {
        let home = std::env::var_os("HOME").filter(|v| !v.is_empty()).context("HOME is not set; use --path")?;
        PathBuf::from(home).join(".docker")
    };
    Ok(config.join("cli-plugins").join("docker-compose"))
}

fn current_exe() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("finding the berth binary")?;
    Ok(std::fs::canonicalize(&exe).unwrap_or(exe))
}

/// Whether `path` is berth: a link to this binary, or a copy of it.
fn is_berth(path: &Path, exe: &Path) -> bool {
    if std::fs::canonicalize(path).is_ok_and(|p| p == exe) {
        return true;
    }
    match (std::fs::read(path), std::fs::read(exe)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn install(args: &InstallArgs) -> anyhow::Result<u8> {
    let target = match &args.path {
        Some(p) => p.clone(),
        None => default_path()?,
    };
    let exe = current_exe()?;
    let exists = std::fs::symlink_metadata(&target).is_ok();
    if exists {
        if !args.copy && std::fs::canonicalize(&target).is_ok_and(|p| p == exe) {
            listing::print(&format!("berth is already installed at {}\n", target.display()))?;
            return Ok(0);
        }
        if !args.force && !is_berth(&target, &exe) {
            anyhow::bail!("{} already exists (use --force to replace it)", target.display());
        }
        std::fs::remove_file(&target).with_context(|| format!("removing {}", target.display()))?;
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    if args.copy {
        std::fs::copy(&exe, &target).with_context(|| format!("copying {} to {}", exe.display(), target.display()))?;
    } else {
        std::os::unix::fs::symlink(&exe, &target)
            .with_context(|| format!("linking {} to {}", target.display(), exe.display()))?;
    }
    listing::print(&format!(
        "installed berth as the docker compose plugin: {} -> {}\n`docker compose version` now reports: {}\n",
        target.display(),
        exe.display(),
        super::version::pretty()
    ))?;
    Ok(0)
}

fn uninstall(args: &UninstallArgs) -> anyhow::Result<u8> {
    let target = match &args.path {
        Some(p) => p.clone(),
        None => default_path()?,
    };
    if std::fs::symlink_metadata(&target).is_err() {
        anyhow::bail!("no plugin at {}", target.display());
    }
    if !args.force && !is_berth(&target, &current_exe()?) {
        anyhow::bail!("{} is not berth (use --force to remove it anyway)", target.display());
    }
    std::fs::remove_file(&target).with_context(|| format!("removing {}", target.display()))?;
    listing::print(&format!("removed {}\n", target.display()))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_links_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("cli-plugins").join("docker-compose");
        let args = InstallArgs { path: Some(target.clone()), force: false, copy: false };
        install(&args).unwrap();
        let exe = current_exe().unwrap();
        assert_eq!(std::fs::canonicalize(&target).unwrap(), exe);
        // Installing again is a no-op.
        install(&args).unwrap();

        std::fs::remove_file(&target).unwrap();
        std::fs::write(&target, "#!/bin/sh\n").unwrap();
        assert!(install(&args).unwrap_err().to_string().contains("use --force"));
        install(&InstallArgs { force: true, ..args }).unwrap();
        assert!(is_berth(&target, &exe));

        let un = UninstallArgs { path: Some(target.clone()), force: false };
        uninstall(&un).unwrap();
        assert!(std::fs::symlink_metadata(&target).is_err());
    }
}
