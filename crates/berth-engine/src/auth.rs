//! Registry credentials as the docker CLI finds them: `config.json` in `$DOCKER_CONFIG` (else
//! `~/.docker`), with its `auths` entries (base64 `user:password`), `credsStore` (one helper
//! for every registry) and `credHelpers` (a helper per registry), helpers being
//! `docker-credential-<name>` programs spoken to with the credential-helper protocol (`get`,
//! the server URL on stdin, `{"ServerURL","Username","Secret"}` on stdout).
//!
//! The lookup follows the docker CLI: a registry's key is its host (`127.0.0.1:5000`), or
//! `https://index.docker.io/v1/` for Docker Hub; a helper configured for the key wins, the
//! file's entry gives the rest; a helper that fails or knows nothing means anonymous access,
//! as the docker CLI ignores helper errors on lookups.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use crate::types::image::RegistryAuth;

/// The key Docker Hub's credentials are stored under.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// A `config.json` that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("loading config file {}: {message}", path.display())]
pub struct AuthConfigError {
    /// The file.
    pub path: PathBuf,
    /// What was wrong.
    pub message: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct FileEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    email: Option<String>,
    identitytoken: Option<String>,
    registrytoken: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ConfigFile {
    auths: BTreeMap<String, FileEntry>,
    #[serde(rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
}

/// The credentials the docker CLI would use; empty (anonymous everywhere) by default.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    file: ConfigFile,
}

impl Credentials {
    /// The docker CLI's configuration directory: `$DOCKER_CONFIG`, else `$HOME/.docker`.
    pub fn default_dir() -> Option<PathBuf> {
        std::env::var_os("DOCKER_CONFIG")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".docker")))
    }

    /// Reads the docker CLI's configuration (no file: no credentials).
    ///
    /// # Errors
    /// When `config.json` exists but cannot be read or parsed; the docker CLI warns and goes
    /// on without credentials, and so should the caller.
    pub fn load() -> Result<Self, AuthConfigError> {
        match Self::default_dir() {
            Some(dir) => Self::load_from(&dir),
            None => Ok(Self::default()),
        }
    }

    /// Reads `config.json` in `dir` (no file: no credentials).
    ///
    /// # Errors
    /// When the file exists but cannot be read or is not the expected JSON.
    pub fn load_from(dir: &Path) -> Result<Self, AuthConfigError> {
        let path = dir.join("config.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(AuthConfigError { path, message: e.to_string() }),
        };
        Self::parse(&text).map_err(|message| AuthConfigError { path, message })
    }

    /// Parses the text of a `config.json`.
    ///
    /// # Errors
    /// When it is not the expected JSON.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let file: ConfigFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(Self { file })
    }

    /// The name of the credential helper consulted for `key`, if any.
    pub fn helper_for(&self, key: &str) -> Option<&str> {
        self.file
            .cred_helpers
            .get(key)
            .or(self.file.creds_store.as_ref())
            .map(String::as_str)
            .filter(|h| !h.is_empty())
    }

    /// Credentials for the registry of `image` (`None`: anonymous).
    pub fn for_image(&self, image: &str) -> Option<RegistryAuth> {
        self.for_key(&registry_key(image))
    }

    /// Credentials stored under `key` (a registry host, or [`DOCKER_HUB_KEY`]).
    pub fn for_key(&self, key: &str) -> Option<RegistryAuth> {
        let mut auth = self.file_entry(key).unwrap_or_default();
        if let Some(helper) = self.helper_for(key) {
            let from_helper = helper_get(helper, key)?;
            auth.username = from_helper.username;
            auth.password = from_helper.password;
            auth.identity_token = from_helper.identity_token;
        }
        let empty = auth.username.is_none()
            && auth.password.is_none()
            && auth.identity_token.is_none()
            && auth.registry_token.is_none();
        if empty {
            return None;
        }
        auth.server_address = Some(key.to_owned());
        Some(auth)
    }

    /// Every credential the configuration holds, by the key it is stored under, as the docker
    /// CLI's `GetAllCredentials` gathers them for the classic builder (which pulls `FROM`
    /// images with them): the file's `auths` entries, the registries `credsStore` lists, then
    /// the `credHelpers` registries, whose helper wins. Keys without credentials are left out.
    pub fn all(&self) -> BTreeMap<String, RegistryAuth> {
        let mut keys: Vec<String> = self.file.auths.keys().cloned().collect();
        if let Some(store) = self.file.creds_store.as_deref().filter(|s| !s.is_empty()) {
            keys.extend(helper_list(store));
        }
        keys.extend(self.file.cred_helpers.keys().cloned());
        keys.sort();
        keys.dedup();
        keys.into_iter().filter_map(|key| self.for_key(&key).map(|auth| (key, auth))).collect()
    }

    /// The file's entry for `key`, with `auth` decoded into user and password as the docker
    /// CLI does when it loads the file. Keys written as URLs (`https://host/v1/`) match their
    /// host, as the CLI's legacy lookup does.
    fn file_entry(&self, key: &str) -> Option<RegistryAuth> {
        let entry = self
            .file
            .auths
            .get(key)
            .or_else(|| self.file.auths.iter().find(|(k, _)| convert_to_hostname(k) == key).map(|(_, v)| v))?;
        let mut out = RegistryAuth {
            username: entry.username.clone(),
            password: entry.password.clone(),
            email: entry.email.clone(),
            identity_token: entry.identitytoken.clone(),
            registry_token: entry.registrytoken.clone(),
            ..RegistryAuth::default()
        };
        if let Some((user, password)) = entry.auth.as_deref().and_then(decode_auth) {
            out.username = Some(user);
            out.password = Some(password);
        }
        Some(out)
    }
}

/// `user:password` from the base64 `auth` field.
fn decode_auth(encoded: &str) -> Option<(String, String)> {
    if encoded.is_empty() {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.trim_end_matches('\0').to_owned()))
}

/// `https://host/path` → `host`, as the docker CLI's `ConvertToHostname`.
fn convert_to_hostname(url: &str) -> &str {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")).unwrap_or(url);
    rest.split('/').next().unwrap_or(rest)
}

/// The registry host of an image reference: the first path component when it looks like a
/// host (has `.` or `:`, is `localhost`, or has upper-case letters), else Docker Hub.
pub fn registry_host(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _))
            if first.contains(['.', ':']) || first == "localhost" || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            if first == "index.docker.io" {
                "docker.io"
            } else {
                first
            }
        }
        _ => "docker.io",
    }
}

/// The key credentials for `image` are stored under in `config.json`.
pub fn registry_key(image: &str) -> String {
    match registry_host(image) {
        "docker.io" => DOCKER_HUB_KEY.to_owned(),
        host => host.to_owned(),
    }
}

/// Asks `docker-credential-<helper> list` for the servers it holds credentials for (a JSON
/// object from server URL to user name). Nothing when it fails, as lookups never fail.
fn helper_list(helper: &str) -> Vec<String> {
    let output = Command::new(format!("docker-credential-{helper}"))
        .arg("list")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .output();
    match output {
        Ok(out) if out.status.success() => serde_json::from_slice::<BTreeMap<String, String>>(&out.stdout)
            .map(|servers| servers.into_keys().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[derive(Debug, Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Asks `docker-credential-<helper>` for the credentials of `server`. `None` when it has
/// none, is missing or fails: lookups never fail, as in the docker CLI.
fn helper_get(helper: &str, server: &str) -> Option<RegistryAuth> {
    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input is judged by its answer below.
        let _ = stdin.write_all(server.as_bytes());
    }
    let output = child.wait_with_output().ok()?;
    if !output.status.success() {
        return None;
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout).ok()?;
    // `<token>` as the user name marks an identity token, by the helpers' convention.
    if answer.username == "<token>" {
        return Some(RegistryAuth { identity_token: Some(answer.secret), ..RegistryAuth::default() });
    }
    Some(RegistryAuth {
        username: Some(answer.username),
        password: Some(answer.secret),
        ..RegistryAuth::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_keys_follow_the_docker_cli() {
        assert_eq!(registry_key("busybox"), DOCKER_HUB_KEY);
        assert_eq!(registry_key("library/busybox:1"), DOCKER_HUB_KEY);
        assert_eq!(registry_key("docker.io/library/busybox"), DOCKER_HUB_KEY);
        assert_eq!(registry_key("index.docker.io/x/y"), DOCKER_HUB_KEY);
        assert_eq!(registry_key("127.0.0.1:5000/a/b:1"), "127.0.0.1:5000");
        assert_eq!(registry_key("localhost/a"), "localhost");
        assert_eq!(registry_key("ghcr.io/o/r@sha256:00"), "ghcr.io");
        assert_eq!(registry_key("user/app"), DOCKER_HUB_KEY);
    }

    #[test]
    fn auths_entries_are_decoded() {
        let creds = Credentials::parse(r#"{"auths":{"127.0.0.1:5001":{"auth":"dXNlcjpwYXNz"}}}"#).unwrap();
        let auth = creds.for_image("127.0.0.1:5001/x/y:1").unwrap();
        assert_eq!(auth.username.as_deref(), Some("user"));
        assert_eq!(auth.password.as_deref(), Some("pass"));
        assert_eq!(auth.server_address.as_deref(), Some("127.0.0.1:5001"));
        assert!(creds.for_image("127.0.0.1:5000/x/y:1").is_none());
        assert!(creds.for_image("busybox").is_none());
    }

    #[test]
    fn url_keys_match_their_host() {
        let creds = Credentials::parse(r#"{"auths":{"https://reg.example:443/v2/":{"auth":"YTpi"}}}"#).unwrap();
        let auth = creds.for_image("reg.example:443/app").unwrap();
        assert_eq!((auth.username.as_deref(), auth.password.as_deref()), (Some("a"), Some("b")));
    }

    #[test]
    fn malformed_files_are_errors_and_bad_entries_anonymous() {
        assert!(Credentials::parse("{").is_err());
        assert!(Credentials::parse("").unwrap().for_image("x").is_none());
        let creds = Credentials::parse(r#"{"auths":{"h:1":{"auth":"!!notbase64"}}}"#).unwrap();
        assert!(creds.for_image("h:1/a").is_none());
    }

    #[test]
    fn helpers_are_chosen_per_registry_then_store() {
        let creds = Credentials::parse(r#"{"credsStore":"desktop","credHelpers":{"ghcr.io":"gh"}}"#).unwrap();
        assert_eq!(creds.helper_for("ghcr.io"), Some("gh"));
        assert_eq!(creds.helper_for("127.0.0.1:5000"), Some("desktop"));
        // No such helper on this machine: anonymous, as the docker CLI.
        assert!(creds.for_key("127.0.0.1:5000").is_none());
    }

    #[test]
    fn all_gathers_every_registry_with_credentials() {
        let creds = Credentials::parse(
            r#"{"auths":{"127.0.0.1:5001":{"auth":"dXNlcjpwYXNz"},"https://index.docker.io/v1/":{"auth":"YTpi"},"bare:1":{}},
                "credHelpers":{"ghcr.io":"berth-no-such-helper"}}"#,
        )
        .unwrap();
        let all = creds.all();
        // `bare:1` has no credentials and the helper does not exist: both left out.
        assert_eq!(all.keys().map(String::as_str).collect::<Vec<_>>(), ["127.0.0.1:5001", DOCKER_HUB_KEY]);
        assert_eq!(all["127.0.0.1:5001"].username.as_deref(), Some("user"));
        assert_eq!(all[DOCKER_HUB_KEY].server_address.as_deref(), Some(DOCKER_HUB_KEY));
        assert!(Credentials::default().all().is_empty());
    }

    #[test]
    fn missing_directory_means_no_credentials() {
        let creds = Credentials::load_from(Path::new("/nonexistent/berth/auth")).unwrap();
        assert!(creds.for_image("127.0.0.1:5001/a").is_none());
    }
}
