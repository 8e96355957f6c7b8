//! Engine API versions and the feature gates that depend on them.
//!
//! Compose changes what it sends by API version (one network per create below 1.44, no
//! `StartInterval` below 1.44, ...). The gates live here so every layer asks the same question
//! the same way instead of comparing version strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A Docker Engine API version such as `1.41`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ApiVersion {
    /// Major number (always 1 so far).
    pub major: u32,
    /// Minor number.
    pub minor: u32,
}

impl ApiVersion {
    /// `major.minor`.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// The newest API bollard 0.19 speaks; the starting point of negotiation.
    pub const CLIENT_MAX: Self = Self::new(1, 49);

    /// Endpoint configs for several networks in one create call; endpoint-level MAC address.
    pub const MULTIPLE_NETWORKS_ON_CREATE: Self = Self::new(1, 44);
    /// `Healthcheck.StartInterval`.
    pub const HEALTHCHECK_START_INTERVAL: Self = Self::new(1, 44);
    /// `EndpointSettings.GwPriority`.
    pub const GW_PRIORITY: Self = Self::new(1, 48);
    /// `HostConfig.Annotations`.
    pub const ANNOTATIONS: Self = Self::new(1, 43);
    /// Volume `Subpath` in mounts.
    pub const VOLUME_SUBPATH: Self = Self::new(1, 45);
    /// `signal` on container stop/restart.
    pub const STOP_SIGNAL_PARAM: Self = Self::new(1, 42);

    /// Whether this version is at least `other`.
    pub fn at_least(self, other: Self) -> bool {
        self >= other
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for ApiVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_start_matches('v');
        let (maj, min) = t.split_once('.').ok_or_else(|| format!("invalid API version {s:?}"))?;
        let major = maj.parse().map_err(|_| format!("invalid API version {s:?}"))?;
        let minor = min.parse().map_err(|_| format!("invalid API version {s:?}"))?;
        Ok(Self { major, minor })
    }
}

/// What the connected engine can do, derived from its API version and identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// The negotiated API version.
    pub api_version: ApiVersion,
    /// Whether the engine is Podman's Docker-compatible service.
    pub is_podman: bool,
}

impl Capabilities {
    /// Capabilities of an engine speaking `api_version`.
    pub fn new(api_version: ApiVersion, is_podman: bool) -> Self {
        Self { api_version, is_podman }
    }

    /// Whether a container can be created attached to several networks at once (API >= 1.44).
    /// Below that it is created on its primary network and connected to the others before start.
    pub fn supports_multiple_networks_on_create(self) -> bool {
        self.api_version.at_least(ApiVersion::MULTIPLE_NETWORKS_ON_CREATE)
    }

    /// Whether a MAC address can be set per endpoint (API >= 1.44); below that only the
    /// container-wide `MacAddress` of the primary network exists.
    pub fn supports_endpoint_mac_address(self) -> bool {
        self.api_version.at_least(ApiVersion::MULTIPLE_NETWORKS_ON_CREATE)
    }

    /// Whether `healthcheck.start_interval` is honoured (API >= 1.44).
    pub fn supports_healthcheck_start_interval(self) -> bool {
        self.api_version.at_least(ApiVersion::HEALTHCHECK_START_INTERVAL)
    }

    /// Whether endpoint `GwPriority` is honoured (API >= 1.48).
    pub fn supports_gw_priority(self) -> bool {
        self.api_version.at_least(ApiVersion::GW_PRIORITY)
    }

    /// Whether `HostConfig.Annotations` is honoured (API >= 1.43).
    pub fn supports_annotations(self) -> bool {
        self.api_version.at_least(ApiVersion::ANNOTATIONS)
    }

    /// Whether volume mounts accept a `subpath` (API >= 1.45).
    pub fn supports_volume_subpath(self) -> bool {
        self.api_version.at_least(ApiVersion::VOLUME_SUBPATH)
    }

    /// Whether stop/restart accept a signal parameter (API >= 1.42).
    pub fn supports_stop_signal_param(self) -> bool {
        self.api_version.at_least(ApiVersion::STOP_SIGNAL_PARAM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        let v: ApiVersion = "1.41".parse().unwrap();
        assert_eq!(v, ApiVersion::new(1, 41));
        assert!(ApiVersion::new(1, 44) > v);
        assert!(ApiVersion::new(1, 100) > ApiVersion::new(1, 44));
        assert_eq!("v1.9".parse::<ApiVersion>().unwrap(), ApiVersion::new(1, 9));
        assert!("1".parse::<ApiVersion>().is_err());
        assert!("a.b".parse::<ApiVersion>().is_err());
    }

    #[test]
    fn gates_follow_versions() {
        let old = Capabilities::new(ApiVersion::new(1, 41), false);
        let new = Capabilities::new(ApiVersion::new(1, 44), false);
        assert!(!old.supports_multiple_networks_on_create());
        assert!(new.supports_multiple_networks_on_create());
        assert!(!old.supports_healthcheck_start_interval());
        assert!(new.supports_healthcheck_start_interval());
        assert!(!new.supports_gw_priority());
    }
}
