//! An OCI artifact to push to a registry: blobs (the layers) described by an image manifest,
//! as the OCI image specification 1.0 and 1.1 lay it out. What the artifact holds and means is
//! the caller's business (berth-core publishes compose files); the manifest's wire form is
//! [`crate::oci`]'s.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::image::RegistryAuth;

/// Which OCI image specification the manifest follows. 1.1 names the artifact's type in
/// `artifactType` with the empty config; 1.0 has no such field, so the type goes in the
/// config's media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OciVersion {
    /// OCI image specification 1.0.
    #[serde(rename = "1.0")]
    V1_0,
    /// OCI image specification 1.1.
    #[serde(rename = "1.1")]
    V1_1,
}

impl fmt::Display for OciVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OciVersion::V1_0 => "1.0",
            OciVersion::V1_1 => "1.1",
        })
    }
}

impl FromStr for OciVersion {
    type Err = String;

    /// `1.0` or `1.1`; anything else is refused with Docker Compose's words.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "1.0" => Ok(OciVersion::V1_0),
            "1.1" => Ok(OciVersion::V1_1),
            other => Err(format!("unsupported OCI version: {other}")),
        }
    }
}

/// One blob of an artifact, with the descriptor fields the manifest gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactBlob {
    /// The blob's media type (`application/vnd.docker.compose.file+yaml`).
    pub media_type: String,
    /// The content.
    pub data: Vec<u8>,
    /// The descriptor's annotations (written in key order).
    pub annotations: BTreeMap<String, String>,
}

impl ArtifactBlob {
    /// The content's digest, `sha256:<hex>`.
    pub fn digest(&self) -> String {
        crate::oci::digest(&self.data)
    }
}

/// An artifact to push: its layers and the names that say what kind of artifact it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactPush {
    /// Where to push it: `[host/]repository[:tag]` (no tag means `latest`).
    pub reference: String,
    /// The layers, in order.
    pub layers: Vec<ArtifactBlob>,
    /// The artifact's type, the manifest's `artifactType` in OCI 1.1.
    pub artifact_type: String,
    /// The media type of the `{}` config blob in OCI 1.0, where `artifactType` does not exist.
    pub config_media_type: String,
    /// The manifest's annotations (`org.opencontainers.image.created`).
    pub annotations: BTreeMap<String, String>,
    /// The specification to follow; `None`: 1.1, then 1.0 when the registry refuses the 1.1
    /// manifest with a client error other than an authentication one.
    pub oci_version: Option<OciVersion>,
    /// Credentials for the registry.
    pub auth: Option<RegistryAuth>,
}

/// What a push of an artifact made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactPushed {
    /// The manifest's digest, as the registry names it.
    pub digest: String,
    /// The specification the manifest the registry took follows.
    pub oci_version: OciVersion,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_as_compose_names_them() {
        assert_eq!("1.0".parse::<OciVersion>(), Ok(OciVersion::V1_0));
        assert_eq!("1.1".parse::<OciVersion>().map(|v| v.to_string()).as_deref(), Ok("1.1"));
        assert_eq!("2".parse::<OciVersion>(), Err("unsupported OCI version: 2".to_owned()));
    }
}
