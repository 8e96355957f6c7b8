//! The wire form of an OCI image manifest describing an artifact ([`ArtifactPush`]): the
//! config descriptor each OCI version asks for, and the manifest's JSON written as Go's
//! `encoding/json` writes the image-spec's `v1.Manifest` (field order, omitted empty fields,
//! `<`, `>` and `&` escaped), so a manifest berth pushes reads as the docker tools' would.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::Digest as _;

use crate::types::artifact::{ArtifactBlob, ArtifactPush, OciVersion};

/// The media type of an OCI image manifest.
pub const IMAGE_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// The media type of OCI 1.1's empty descriptor (`{}`), the config of an artifact.
pub const EMPTY_JSON_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";

/// The empty JSON document configs of artifacts hold.
pub const EMPTY_JSON: &[u8] = b"{}";

/// `sha256:<hex>` of `data`.
pub fn digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)))
}

/// A manifest ready to push: its bytes, and the config blob the registry must hold first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The manifest's JSON.
    pub bytes: Vec<u8>,
    /// The config blob.
    pub config: ArtifactBlob,
}

impl Manifest {
    /// The manifest's digest.
    pub fn digest(&self) -> String {
        digest(&self.bytes)
    }
}

/// The manifest of `artifact` following `version`. In 1.1 the config is the empty descriptor
/// with its content inline and the type is `artifactType`; in 1.0 the config is `{}` with the
/// artifact's config media type.
pub fn manifest(artifact: &ArtifactPush, version: OciVersion) -> Manifest {
    let config_media_type = match version {
        OciVersion::V1_0 => artifact.config_media_type.as_str(),
        OciVersion::V1_1 => EMPTY_JSON_MEDIA_TYPE,
    };
    let config = ArtifactBlob { media_type: config_media_type.to_owned(), data: EMPTY_JSON.to_vec(), annotations: BTreeMap::default() };
    let mut config_descriptor = descriptor(&config);
    let mut document = Map::new();
    document.insert("schemaVersion".into(), json!(2));
    document.insert("mediaType".into(), json!(IMAGE_MANIFEST_MEDIA_TYPE));
    if version == OciVersion::V1_1 {
        document.insert("artifactType".into(), json!(artifact.artifact_type));
        if let Value::Object(fields) = &mut config_descriptor {
            fields.insert("data".into(), json!(base64::engine::general_purpose::STANDARD.encode(&config.data)));
        }
    }
    document.insert("config".into(), config_descriptor);
    document.insert("layers".into(), Value::Array(artifact.layers.iter().map(descriptor).collect()));
    if !artifact.annotations.is_empty() {
        document.insert("annotations".into(), json!(artifact.annotations));
    }
    Manifest { bytes: go_json(&Value::Object(document)).into_bytes(), config }
}

/// A blob's descriptor: media type, digest, size, then annotations when there are any.
fn descriptor(blob: &ArtifactBlob) -> Value {
    let mut fields = Map::new();
    fields.insert("mediaType".into(), json!(blob.media_type));
    fields.insert("digest".into(), json!(blob.digest()));
    fields.insert("size".into(), json!(blob.data.len()));
    if !blob.annotations.is_empty() {
        fields.insert("annotations".into(), json!(blob.annotations));
    }
    Value::Object(fields)
}

/// `value` as Go's `json.Marshal` writes it: compact, with the HTML-sensitive characters and
/// the `JavaScript` line separators escaped. They can only occur inside strings, so replacing
/// them in `serde_json`'s text is exact.
fn go_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact() -> ArtifactPush {
        let annotations = BTreeMap::from([
            ("com.docker.compose.version".to_owned(), "2.26.1".to_owned()),
            ("com.docker.compose.file".to_owned(), "compose.yaml".to_owned()),
        ]);
        ArtifactPush {
            reference: "127.0.0.1:5000/app:1".into(),
            layers: vec![ArtifactBlob { media_type: "application/x+yaml".into(), data: b"services: {}\n".to_vec(), annotations }],
            artifact_type: "application/x.project".into(),
            config_media_type: "application/x.config.empty.v1+json".into(),
            annotations: BTreeMap::from([("org.opencontainers.image.created".to_owned(), "2024-01-02T03:04:05Z".to_owned())]),
            oci_version: None,
            auth: None,
        }
    }

    #[test]
    fn oci_1_1_names_the_type_and_inlines_the_empty_config() {
        let m = manifest(&artifact(), OciVersion::V1_1);
        let layer = digest(b"services: {}\n");
        assert_eq!(
            String::from_utf8(m.bytes.clone()).unwrap(),
            format!(
                "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\
                 \"artifactType\":\"application/x.project\",\
                 \"config\":{{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\
                 \"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2,\"data\":\"e30=\"}},\
                 \"layers\":[{{\"mediaType\":\"application/x+yaml\",\"digest\":\"{layer}\",\"size\":13,\
                 \"annotations\":{{\"com.docker.compose.file\":\"compose.yaml\",\"com.docker.compose.version\":\"2.26.1\"}}}}],\
                 \"annotations\":{{\"org.opencontainers.image.created\":\"2024-01-02T03:04:05Z\"}}}}"
            )
        );
        assert_eq!(m.config.data, b"{}");
        assert_eq!(m.digest(), digest(&m.bytes));
    }

    #[test]
    fn oci_1_0_types_the_config_instead() {
        let m = manifest(&artifact(), OciVersion::V1_0);
        let v: Value = serde_json::from_slice(&m.bytes).unwrap();
        assert!(v.get("artifactType").is_none());
        assert_eq!(v["config"], json!({"mediaType": "application/x.config.empty.v1+json",
            "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2}));
        assert_eq!(m.config.media_type, "application/x.config.empty.v1+json");
    }

    #[test]
    fn strings_are_escaped_as_go_escapes_them() {
        assert_eq!(go_json(&json!({"a": "<b>&\u{2028}"})), r#"{"a":"\u003cb\u003e\u0026\u2028"}"#);
    }
}
