//! The fake engine's daemon state and every synchronous rule it follows: lookups by id, name
//! or prefix, name uniqueness, state transitions, events, the process model and health.
//!
//! Everything here runs under one mutex and never awaits; timers (sleeps, restarts, health
//! checks) are scheduled by `super` from the outcomes returned here.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::program::{self, Join, Script, Step};
use crate::error::{EngineError, EngineResult, ObjectKind};
use crate::filters::{name_matches, Filters};
use crate::types::container::{
    ContainerCreate, ContainerPort, ContainerStatus, EndpointConfig, EndpointIpam, EndpointState,
    ExecConfig, Health, HealthConfig, HealthLogEntry, HealthStatus, LogFrame, OutputStream,
    PortBinding, RestartPolicyName,
};
use crate::types::artifact::ArtifactBlob;
use crate::types::image::ImageConfig;
use crate::types::network::{NetworkDetails, VolumeDetails};
use crate::types::swarm::{ServiceSpec, SwarmObject};
use crate::types::system::{EngineEvent, EventKind};
use crate::version::ApiVersion;

/// A wall or logical clock that never goes backwards.
#[derive(Debug)]
pub(crate) struct Clock {
    logical: Option<i64>,
    last: i64,
}

impl Clock {
    pub fn wall() -> Self {
        Self { logical: None, last: 0 }
    }

    pub fn logical(start_unix_secs: i64) -> Self {
        Self { logical: Some(start_unix_secs.saturating_mul(1_000_000_000)), last: 0 }
    }

    /// The latest reading.
    pub fn last(&self) -> i64 {
        self.last
    }

    /// Now in nanoseconds; a logical clock advances one millisecond per reading.
    pub fn now(&mut self) -> i64 {
        let t = match &mut self.logical {
            Some(l) => {
                *l = l.saturating_add(1_000_000);
                *l
            }
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
        };
        let t = t.max(self.last.saturating_add(1));
        self.last = t;
        t
    }
}

/// RFC 3339 with nanoseconds, as the engine prints times.
pub(crate) fn rfc3339(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:09}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// A file in a fake container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FsNode {
    pub dir: bool,
    pub mode: u32,
    pub data: Vec<u8>,
    pub mtime: i64,
    pub link: Option<String>,
}

/// Where a running program's output goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    Container(String),
    Exec(String),
}

/// What a program is blocked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blocked {
    Sleep,
    Cat,
    Forever,
}

/// A program in progress.
#[derive(Debug, Clone)]
pub(crate) struct Proc {
    pub remaining: VecDeque<(Join, Step)>,
    pub status: i64,
    pub blocked: Option<Blocked>,
}

/// What the caller must schedule after a state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Followup {
    /// Resume `target` after the delay if its generation is unchanged.
    Resume { target: Target, generation: u64, after: Duration },
    /// Restart a container (restart policy) after the delay.
    Restart { id: String, generation: u64, after: Duration },
    /// Run health checks for a container.
    Health { id: String, generation: u64 },
}

#[derive(Debug, Clone)]
pub(crate) struct FakeContainer {
    pub id: String,
    pub name: String,
    pub created: i64,
    pub spec: ContainerCreate,
    pub image_id: String,
    pub status: ContainerStatus,
    pub exit_code: i64,
    pub pid: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub error: String,
    pub health: Option<Health>,
    pub restart_count: i64,
    /// Endpoints by network name, with the configuration asked for.
    pub endpoints: BTreeMap<String, (EndpointConfig, EndpointState)>,
    /// Host ports bound while running.
    pub ports: BTreeMap<ContainerPort, Vec<PortBinding>>,
    pub logs: Vec<(i64, LogFrame)>,
    pub files: BTreeMap<String, FsNode>,
    pub stdin: Vec<u8>,
    pub stdin_closed: bool,
    pub generation: u64,
    pub exits: u64,
    pub stopped_by_user: bool,
    pub anon_volumes: Vec<String>,
    pub proc: Option<Proc>,
    pub started_instant: Option<tokio::time::Instant>,
}

impl FakeContainer {
    pub fn is_running(&self) -> bool {
        matches!(self.status, ContainerStatus::Running | ContainerStatus::Paused | ContainerStatus::Restarting)
    }

    /// Attributes of the container's events: labels, `image`, `name`.
    pub fn event_attributes(&self) -> BTreeMap<String, String> {
        let mut a = self.spec.config.labels.clone();
        a.insert("image".to_owned(), self.spec.config.image.clone());
        a.insert("name".to_owned(), self.name.clone());
        a
    }

    pub fn argv(&self) -> Vec<String> {
        let mut v = self.spec.config.entrypoint.clone().unwrap_or_default();
        v.extend(self.spec.config.cmd.clone().unwrap_or_default());
        v
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FakeExec {
    pub id: String,
    pub container_id: String,
    pub config: ExecConfig,
    pub started: bool,
    pub running: bool,
    pub exit_code: Option<i64>,
    pub output: Vec<LogFrame>,
    pub stdin_closed: bool,
    pub generation: u64,
    pub proc: Option<Proc>,
}

#[derive(Debug, Clone)]
pub(crate) struct FakeImage {
    pub id: String,
    /// Normalised references (`busybox:latest`, `reg:5000/a/b:v1`).
    pub tags: Vec<String>,
    pub created: i64,
    pub config: ImageConfig,
    pub size: i64,
    /// When `tag_image` last tagged it (Docker's `LastTagTime`; pulls leave it alone).
    pub last_tag: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct FakeService {
    pub id: String,
    pub version: u64,
    pub created: i64,
    pub updated: i64,
    pub spec: ServiceSpec,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FakeSwarm {
    pub node_id: String,
    pub services: Vec<FakeService>,
    pub secrets: Vec<SwarmObject>,
    pub configs: Vec<SwarmObject>,
}

/// A failure to return from the next matching call.
#[derive(Debug)]
pub(crate) struct Injected {
    pub op: String,
    pub target: Option<String>,
    pub error: EngineError,
}

/// The whole daemon.
#[derive(Debug)]
pub(crate) struct State {
    pub api_version: ApiVersion,
    pub is_podman: bool,
    pub clock: Clock,
    counter: u64,
    seq: u64,
    pub containers: Vec<FakeContainer>,
    pub images: Vec<FakeImage>,
    pub registry: BTreeMap<String, ImageConfig>,
    /// Artifacts pushed, by normalised reference: the manifest and every blob it names.
    pub artifacts: BTreeMap<String, (Vec<u8>, Vec<ArtifactBlob>)>,
    pub networks: Vec<NetworkDetails>,
    pub network_next_ip: HashMap<String, u32>,
    pub volumes: BTreeMap<String, VolumeDetails>,
    pub execs: HashMap<String, FakeExec>,
    pub events: Vec<(u64, EngineEvent)>,
    pub calls: Vec<String>,
    pub failures: Vec<Injected>,
    pub swarm: Option<FakeSwarm>,
    next_host_port: u16,
    /// Events produced since the last drain, to broadcast after unlocking.
    pub pending_events: Vec<(u64, EngineEvent)>,
}

/// Docker's container name rule.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && name.len() > 1
}

/// `busybox` → `busybox:latest`, `docker.io/library/x:1` → `x:1`; digests kept.
pub(crate) fn normalize_ref(r: &str) -> String {
    let r = r.strip_prefix("docker.io/").unwrap_or(r);
    let r = r.strip_prefix("library/").unwrap_or(r);
    if r.contains('@') {
        return r.to_owned();
    }
    let last_slash = r.rfind('/').map_or(0, |i| i + 1);
    if r[last_slash..].contains(':') {
        r.to_owned()
    } else {
        format!("{r}:latest")
    }
}

pub(crate) fn parse_signal(s: &str) -> i64 {
    let t = s.trim().to_ascii_uppercase();
    let t = t.strip_prefix("SIG").unwrap_or(&t);
    if let Ok(n) = t.parse::<i64>() {
        return n;
    }
    match t {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ABRT" => 6,
        "USR1" => 10,
        "USR2" => 12,
        "ALRM" => 14,
        "TERM" => 15,
        "STOP" => 19,
        _ => 9,
    }
}

fn ipv4_parse(s: &str) -> Option<u32> {
    let mut parts = s.split('.');
    let mut v: u32 = 0;
    for _ in 0..4 {
        let p: u8 = parts.next()?.parse().ok()?;
        v = (v << 8) | u32::from(p);
    }
    parts.next().is_none().then_some(v)
}

fn ipv4_fmt(v: u32) -> String {
    std::net::Ipv4Addr::from(v).to_string()
}

impl State {
    pub fn new(api_version: ApiVersion, clock: Clock) -> Self {
        let mut s = Self {
            api_version,
            is_podman: false,
            clock,
            counter: 0,
            seq: 0,
            containers: Vec::new(),
            images: Vec::new(),
            registry: BTreeMap::new(),
            artifacts: BTreeMap::new(),
            networks: Vec::new(),
            network_next_ip: HashMap::new(),
            volumes: BTreeMap::new(),
            execs: HashMap::new(),
            events: Vec::new(),
            calls: Vec::new(),
            failures: Vec::new(),
            swarm: None,
            next_host_port: 49153,
            pending_events: Vec::new(),
        };
        for (name, driver, subnet) in [("bridge", "bridge", "172.17.0.0/16"), ("host", "host", ""), ("none", "null", "")] {
            let id = s.new_id("network");
            let created = s.clock.now();
            let ipam = crate::types::network::Ipam {
                driver: Some("default".to_owned()),
                config: if subnet.is_empty() {
                    Vec::new()
                } else {
                    vec![crate::types::network::IpamPool {
                        subnet: Some(subnet.to_owned()),
                        gateway: Some("172.17.0.1".to_owned()),
                        ..Default::default()
                    }]
                },
                options: BTreeMap::new(),
            };
            s.networks.push(NetworkDetails {
                id,
                name: name.to_owned(),
                created: rfc3339(created),
                driver: driver.to_owned(),
                scope: "local".to_owned(),
                ipam,
                ..Default::default()
            });
        }
        s
    }

    /// A deterministic 64-hex id.
    pub fn new_id(&mut self, kind: &str) -> String {
        self.counter = self.counter.saturating_add(1);
        hex::encode(Sha256::digest(format!("berth-fake/{kind}/{}", self.counter).as_bytes()))
    }

    pub fn next_number(&mut self) -> u64 {
        self.counter = self.counter.saturating_add(1);
        self.counter
    }

    pub fn record(&mut self, call: String) {
        self.calls.push(call);
    }

    /// Takes an injected failure for `op` on `target`, if one is armed.
    pub fn take_failure(&mut self, op: &str, target: &str) -> EngineResult<()> {
        let pos = self
            .failures
            .iter()
            .position(|f| f.op == op && f.target.as_deref().is_none_or(|t| t == target));
        match pos {
            Some(i) => Err(self.failures.remove(i).error),
            None => Ok(()),
        }
    }

    pub fn emit(&mut self, kind: EventKind, action: impl Into<String>, actor: &str, attributes: BTreeMap<String, String>) {
        self.seq = self.seq.saturating_add(1);
        let ev = EngineEvent {
            kind,
            action: action.into(),
            actor_id: actor.to_owned(),
            attributes,
            time_nano: self.clock.now(),
        };
        self.events.push((self.seq, ev.clone()));
        self.pending_events.push((self.seq, ev));
    }

    pub fn last_seq(&self) -> u64 {
        self.seq
    }

    // ------------------------------------------------------------ lookups

    /// Index of a container by full id, name (with or without `/`), or unique id prefix.
    pub fn container_index(&self, key: &str) -> EngineResult<usize> {
        let name = key.strip_prefix('/').unwrap_or(key);
        if let Some(i) = self.containers.iter().position(|c| c.id == key || c.name == name) {
            return Ok(i);
        }
        let matches: Vec<usize> = self
            .containers
            .iter()
            .enumerate()
            .filter(|(_, c)| !key.is_empty() && c.id.starts_with(key))
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [i] => Ok(*i),
            [] => Err(EngineError::not_found(ObjectKind::Container, key)),
            _ => Err(EngineError::Api {
                status: 400,
                message: format!("multiple IDs found with provided prefix: {key}"),
            }),
        }
    }

    pub fn image_index(&self, key: &str) -> Option<usize> {
        let norm = normalize_ref(key);
        let bare = key.strip_prefix("sha256:").unwrap_or(key);
        self.images.iter().position(|i| i.tags.contains(&norm)).or_else(|| {
            (!bare.is_empty())
                .then(|| self.images.iter().position(|i| i.id.trim_start_matches("sha256:").starts_with(bare)))
                .flatten()
        })
    }

    pub fn network_index(&self, key: &str) -> EngineResult<usize> {
        if let Some(i) = self.networks.iter().position(|n| n.id == key || n.name == key) {
            return Ok(i);
        }
        let matches: Vec<usize> = self
            .networks
            .iter()
            .enumerate()
            .filter(|(_, n)| !key.is_empty() && n.id.starts_with(key))
            .map(|(i, _)| i)
            .collect();
        // An id prefix of several networks is worded and coded as the engine being faked does.
        match matches[..] {
            [i] => Ok(i),
            [] => Err(EngineError::not_found(ObjectKind::Network, key)),
            _ if self.is_podman => {
                Err(EngineError::Api { status: 500, message: format!("more than one result for network ID {key}") })
            }
            _ => Err(EngineError::Api {
                status: 400,
                message: format!("{} matches found based on ID prefix: network {key} is ambiguous", matches.len()),
            }),
        }
    }

    pub fn exec_mut(&mut self, id: &str) -> EngineResult<&mut FakeExec> {
        self.execs.get_mut(id).ok_or_else(|| EngineError::not_found(ObjectKind::Exec, id))
    }

    // ------------------------------------------------------------ names and images

    pub fn check_name_free(&self, name: &str) -> EngineResult<()> {
        if !valid_name(name) {
            return Err(EngineError::Api {
                status: 400,
                message: format!("Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
            });
        }
        if let Some(c) = self.containers.iter().find(|c| c.name == name) {
            return Err(EngineError::conflict(format!(
                "Conflict. The container name \"/{name}\" is already in use by container \"{}\". You have to remove (or rename) that container to be able to reuse that name.",
                c.id
            )));
        }
        Ok(())
    }

    /// Adds or retags an image; returns its id.
    pub fn put_image(&mut self, reference: &str, config: ImageConfig) -> String {
        let norm = normalize_ref(reference);
        for img in &mut self.images {
            img.tags.retain(|t| *t != norm);
        }
        let id = format!("sha256:{}", self.new_id("image"));
        let created = self.clock.now();
        self.images.push(FakeImage { id: id.clone(), tags: vec![norm.clone()], created, config, size: 1_024, last_tag: None });
        let mut attrs = BTreeMap::new();
        attrs.insert("name".to_owned(), norm);
        self.emit(EventKind::Image, "tag", &id, attrs);
        id
    }

    // ------------------------------------------------------------ volumes

    pub fn ensure_volume(&mut self, name: &str, driver: Option<&str>, labels: &BTreeMap<String, String>, opts: &BTreeMap<String, String>) -> VolumeDetails {
        if let Some(v) = self.volumes.get(name) {
            return v.clone();
        }
        let now = self.clock.now();
        let v = VolumeDetails {
            name: name.to_owned(),
            driver: driver.unwrap_or("local").to_owned(),
            mountpoint: format!("/var/lib/docker/volumes/{name}/_data"),
            created: Some(rfc3339(now)),
            labels: labels.clone(),
            options: opts.clone(),
            scope: "local".to_owned(),
        };
        self.volumes.insert(name.to_owned(), v.clone());
        let mut attrs = BTreeMap::new();
        attrs.insert("driver".to_owned(), v.driver.clone());
        self.emit(EventKind::Volume, "create", name, attrs);
        v
    }

    pub fn anonymous_volume(&mut self) -> String {
        let name = self.new_id("volume");
        self.ensure_volume(&name, None, &BTreeMap::new(), &BTreeMap::new());
        name
    }

    /// Containers using a volume.
    pub fn volume_users(&self, name: &str) -> Vec<String> {
        self.containers
            .iter()
            .filter(|c| {
                c.anon_volumes.iter().any(|v| v == name)
                    || c.spec.host_config.mounts.iter().any(|m| m.source.as_deref() == Some(name))
                    || c.spec.host_config.binds.iter().any(|b| b.split(':').next() == Some(name))
            })
            .map(|c| c.id.clone())
            .collect()
    }

    // ------------------------------------------------------------ container lifecycle

    /// Starts a container (already checked to exist and not be running).
    pub fn start(&mut self, idx: usize) -> EngineResult<Vec<Followup>> {
        // Joined network namespaces need a running owner.
        if let Some(other) = self.containers[idx].spec.host_config.network_mode.clone().and_then(|m| m.strip_prefix("container:").map(str::to_owned)) {
            let running = self.container_index(&other).ok().is_some_and(|j| self.containers[j].is_running());
            if !running {
                return Err(EngineError::conflict(format!("cannot join network of a non running container: {other}")));
            }
        }
        self.bind_ports(idx)?;
        self.assign_addresses(idx);
        let now = self.clock.now();
        let pid = i64::try_from(self.next_number()).unwrap_or(0).saturating_add(1000);
        let c = &mut self.containers[idx];
        c.status = ContainerStatus::Running;
        c.pid = pid;
        c.exit_code = 0;
        c.error.clear();
        c.started_at = Some(now);
        c.generation = c.generation.saturating_add(1);
        c.stopped_by_user = false;
        c.stdin_closed = !c.spec.config.open_stdin;
        c.started_instant = Some(tokio::time::Instant::now());
        let check = c.spec.config.healthcheck.clone().filter(|h| !h.test.is_empty() && h.test.first().map(String::as_str) != Some("NONE"));
        c.health = check.as_ref().map(|_| Health { status: HealthStatus::Starting, failing_streak: 0, log: Vec::new() });
        let id = c.id.clone();
        let generation = c.generation;
        let attrs = c.event_attributes();
        let networks: Vec<String> = c.endpoints.keys().cloned().collect();
        for name in networks {
            let Some(net) = self.networks.iter().find(|n| n.name == name) else { continue };
            let (net_id, driver) = (net.id.clone(), net.driver.clone());
            let mut a = BTreeMap::new();
            a.insert("container".to_owned(), id.clone());
            a.insert("name".to_owned(), name);
            a.insert("type".to_owned(), driver);
            self.emit(EventKind::Network, "connect", &net_id, a);
        }
        self.emit(EventKind::Container, "start", &id, attrs);
        let script = program::parse_argv(&self.containers[idx].argv(), false);
        self.containers[idx].proc = Some(Proc { remaining: script.steps.into(), status: 0, blocked: None });
        let mut follow = self.advance(&Target::Container(id.clone()));
        if check.is_some() {
            follow.push(Followup::Health { id, generation });
        }
        Ok(follow)
    }

    fn bind_ports(&mut self, idx: usize) -> EngineResult<()> {
        let wanted = self.containers[idx].spec.host_config.port_bindings.clone();
        let exposed = self.containers[idx].spec.config.exposed_ports.clone();
        let mut bound: BTreeMap<ContainerPort, Vec<PortBinding>> = BTreeMap::new();
        for p in exposed {
            bound.entry(p).or_default();
        }
        for (port, bindings) in wanted {
            let mut out = Vec::new();
            for b in bindings {
                let ip = b.host_ip.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "0.0.0.0".to_owned());
                let host_port = if let Some(p) = b.host_port.as_deref().filter(|s| !s.is_empty()) {
                    // A range binds its first port.
                    p.split('-').next().unwrap_or(p).to_owned()
                } else {
                    let p = self.next_host_port;
                    self.next_host_port = self.next_host_port.checked_add(1).unwrap_or(49153);
                    p.to_string()
                };
                let taken = self.containers.iter().enumerate().any(|(j, c)| {
                    j != idx
                        && c.is_running()
                        && c.ports.get(&port).is_some_and(|bs| {
                            bs.iter().any(|x| x.host_port.as_deref() == Some(host_port.as_str()) && x.host_ip.as_deref() == Some(ip.as_str()))
                        })
                });
                if taken {
                    return Err(EngineError::Api {
                        status: 500,
                        message: format!(
                            "driver failed programming external connectivity on endpoint {}: Bind for {ip}:{host_port} failed: port is already allocated",
                            self.containers[idx].name
                        ),
                    });
                }
                out.push(PortBinding { host_ip: Some(ip), host_port: Some(host_port) });
            }
            bound.insert(port, out);
        }
        self.containers[idx].ports = bound;
        Ok(())
    }

    fn assign_addresses(&mut self, idx: usize) {
        let names: Vec<String> = self.containers[idx].endpoints.keys().cloned().collect();
        let cid = self.containers[idx].id.clone();
        for name in names {
            let Some(net) = self.networks.iter().find(|n| n.name == name).cloned() else { continue };
            let Some((cfg, _)) = self.containers[idx].endpoints.get(&name).cloned() else { continue };
            // The endpoint exists from start on: network id, endpoint id, the engine's aliases.
            let Ok(mut st) = self.endpoint_state(&name, &cfg, &cid, true) else { continue };
            st.endpoint_id = self.new_id("endpoint");
            self.containers[idx].endpoints.insert(name.clone(), (cfg.clone(), st.clone()));
            let pool = net.ipam.config.first().cloned().unwrap_or_default();
            let Some((base, prefix)) = pool.subnet.as_deref().and_then(|s| s.split_once('/')).and_then(|(a, p)| Some((ipv4_parse(a)?, p.parse::<u32>().ok()?))) else {
                continue;
            };
            let ip = if let Some(ip) = cfg.ipv4_address.clone() {
                ip
            } else {
                let next = self.network_next_ip.entry(net.id.clone()).or_insert(2);
                let ip = ipv4_fmt(base.saturating_add(*next));
                *next = next.saturating_add(1);
                ip
            };
            let gateway = pool.gateway.clone().unwrap_or_else(|| ipv4_fmt(base.saturating_add(1)));
            let mac_tail = u32::try_from(idx).unwrap_or(0).saturating_add(2);
            let [_, b, c, d] = mac_tail.to_be_bytes();
            let st = EndpointState {
                ip_address: Some(ip),
                ip_prefix_len: Some(i64::from(prefix)),
                gateway: Some(gateway),
                mac_address: cfg.mac_address.clone().or_else(|| Some(format!("02:42:ac:{b:02x}:{c:02x}:{d:02x}"))),
                ..st
            };
            self.containers[idx].endpoints.insert(name, (cfg, st));
        }
    }

    /// Runs a program until it blocks or ends.
    pub fn advance(&mut self, target: &Target) -> Vec<Followup> {
        loop {
            let (step, generation, env, hostname) = {
                let Some((proc, generation, env, hostname)) = self.proc_of(target) else { return Vec::new() };
                let Some((join, step)) = proc.remaining.pop_front() else {
                    let status = proc.status;
                    return self.finish(target, status);
                };
                let skip = match join {
                    Join::Always => false,
                    Join::And => proc.status != 0,
                    Join::Or => proc.status == 0,
                };
                if skip {
                    continue;
                }
                (step, generation, env, hostname)
            };
            match step {
                Step::Echo { text, stderr } => {
                    self.output(target, if stderr { OutputStream::Stderr } else { OutputStream::Stdout }, text.into_bytes());
                    self.set_status(target, 0);
                }
                Step::Exit(code) => return self.finish(target, code),
                Step::Status(code) => self.set_status(target, code),
                Step::Env => {
                    let mut text = env.join("\n");
                    text.push('\n');
                    self.output(target, OutputStream::Stdout, text.into_bytes());
                    self.set_status(target, 0);
                }
                Step::Hostname => {
                    self.output(target, OutputStream::Stdout, format!("{hostname}\n").into_bytes());
                    self.set_status(target, 0);
                }
                Step::Sleep(Some(d)) => {
                    self.block(target, Blocked::Sleep);
                    return vec![Followup::Resume { target: target.clone(), generation, after: d }];
                }
                Step::Sleep(None) | Step::Daemon => {
                    self.block(target, Blocked::Forever);
                    return Vec::new();
                }
                Step::Cat => {
                    if self.stdin_closed(target) {
                        self.set_status(target, 0);
                    } else {
                        self.block(target, Blocked::Cat);
                        return Vec::new();
                    }
                }
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn proc_of(&mut self, target: &Target) -> Option<(&mut Proc, u64, Vec<String>, String)> {
        match target {
            Target::Container(id) => {
                let c = self.containers.iter_mut().find(|c| &c.id == id)?;
                let env = c.spec.config.env.clone();
                let host = c.spec.config.hostname.clone().unwrap_or_else(|| c.id.chars().take(12).collect());
                let g = c.generation;
                c.proc.as_mut().map(|p| (p, g, env, host))
            }
            Target::Exec(id) => {
                let cid = self.execs.get(id)?.container_id.clone();
                let (mut env, host) = self
                    .containers
                    .iter()
                    .find(|c| c.id == cid)
                    .map(|c| (c.spec.config.env.clone(), c.spec.config.hostname.clone().unwrap_or_else(|| c.id.chars().take(12).collect())))
                    .unwrap_or_default();
                let e = self.execs.get_mut(id)?;
                env.extend(e.config.env.iter().cloned());
                let g = e.generation;
                e.proc.as_mut().map(|p| (p, g, env, host))
            }
        }
    }

    fn set_status(&mut self, target: &Target, code: i64) {
        if let Some((p, ..)) = self.proc_of(target) {
            p.status = code;
            p.blocked = None;
        }
    }

    fn block(&mut self, target: &Target, how: Blocked) {
        if let Some((p, ..)) = self.proc_of(target) {
            p.blocked = Some(how);
        }
    }

    fn stdin_closed(&self, target: &Target) -> bool {
        match target {
            Target::Container(id) => self.containers.iter().find(|c| &c.id == id).is_none_or(|c| c.stdin_closed),
            Target::Exec(id) => self.execs.get(id).is_none_or(|e| e.stdin_closed || !e.config.attach_stdin),
        }
    }

    /// Appends output to a container's log or an exec's output.
    pub fn output(&mut self, target: &Target, stream: OutputStream, data: Vec<u8>) {
        let now = self.clock.now();
        match target {
            Target::Container(id) => {
                if let Some(c) = self.containers.iter_mut().find(|c| &c.id == id) {
                    let stream = if c.spec.config.tty { OutputStream::Console } else { stream };
                    c.logs.push((now, LogFrame::new(stream, data)));
                }
            }
            Target::Exec(id) => {
                if let Some(e) = self.execs.get_mut(id) {
                    let stream = if e.config.tty { OutputStream::Console } else { stream };
                    e.output.push(LogFrame::new(stream, data));
                }
            }
        }
    }

    /// Ends a program with `code`.
    pub fn finish(&mut self, target: &Target, code: i64) -> Vec<Followup> {
        match target {
            Target::Container(id) => match self.containers.iter().position(|c| &c.id == id) {
                Some(idx) => self.container_exited(idx, code, None),
                None => Vec::new(),
            },
            Target::Exec(id) => {
                let Some(e) = self.execs.get_mut(id) else { return Vec::new() };
                if !e.running {
                    return Vec::new();
                }
                e.running = false;
                e.exit_code = Some(code);
                e.proc = None;
                e.generation = e.generation.saturating_add(1);
                let cid = e.container_id.clone();
                let exec_id = e.id.clone();
                if let Ok(i) = self.container_index(&cid) {
                    let mut attrs = self.containers[i].event_attributes();
                    attrs.insert("execID".to_owned(), exec_id);
                    attrs.insert("exitCode".to_owned(), code.to_string());
                    self.emit(EventKind::Container, "exec_die", &cid, attrs);
                }
                Vec::new()
            }
        }
    }

    /// Marks a container exited, emitting `kill` (when signalled), `die`, network disconnects.
    pub fn container_exited(&mut self, idx: usize, code: i64, signal: Option<i64>) -> Vec<Followup> {
        if !self.containers[idx].is_running() {
            return Vec::new();
        }
        let now = self.clock.now();
        let c = &mut self.containers[idx];
        let id = c.id.clone();
        if let Some(sig) = signal {
            let mut a = c.event_attributes();
            a.insert("signal".to_owned(), sig.to_string());
            self.emit(EventKind::Container, "kill", &id, a);
        }
        let c = &mut self.containers[idx];
        c.status = ContainerStatus::Exited;
        c.exit_code = code;
        c.pid = 0;
        c.finished_at = Some(now);
        c.generation = c.generation.saturating_add(1);
        c.exits = c.exits.saturating_add(1);
        c.proc = None;
        c.ports.clear();
        if let Some(h) = &mut c.health {
            // The engine keeps the last result but a stopped container is no longer healthy.
            h.status = HealthStatus::Unhealthy;
        }
        let mut attrs = c.event_attributes();
        attrs.insert("exitCode".to_owned(), code.to_string());
        let endpoints: Vec<(String, String)> = c.endpoints.iter().map(|(n, (_, st))| (n.clone(), st.network_id.clone())).collect();
        for (_, st) in c.endpoints.values_mut() {
            st.endpoint_id.clear();
            st.ip_address = None;
            st.ip_prefix_len = None;
            st.gateway = None;
            st.mac_address = None;
        }
        let policy = c.spec.host_config.restart_policy.clone();
        let stopped_by_user = c.stopped_by_user;
        let restarts = c.restart_count;
        let generation = c.generation;
        let auto_remove = c.spec.host_config.auto_remove;
        let exec_ids: Vec<String> = self.execs.values().filter(|e| e.container_id == id && e.running).map(|e| e.id.clone()).collect();
        for e in exec_ids {
            self.finish(&Target::Exec(e), 137);
        }
        self.emit(EventKind::Container, "die", &id, attrs);
        for (name, net_id) in endpoints {
            let driver = self.networks.iter().find(|n| n.id == net_id).map(|n| n.driver.clone()).unwrap_or_default();
            let mut a = BTreeMap::new();
            a.insert("container".to_owned(), id.clone());
            a.insert("name".to_owned(), name);
            a.insert("type".to_owned(), driver);
            self.emit(EventKind::Network, "disconnect", &net_id, a);
        }
        if auto_remove {
            self.destroy(idx, false);
            return Vec::new();
        }
        let restart = match policy {
            Some(p) if !stopped_by_user => match p.name {
                RestartPolicyName::Always | RestartPolicyName::UnlessStopped => true,
                // A maximum of 0 means no limit.
                RestartPolicyName::OnFailure => {
                    code != 0 && p.maximum_retry_count.filter(|m| *m > 0).is_none_or(|m| m > restarts)
                }
                RestartPolicyName::No => false,
            },
            _ => false,
        };
        if restart {
            // The engine backs off exponentially from 100ms.
            let shift = u32::try_from(restarts.clamp(0, 10)).unwrap_or(0);
            let after = Duration::from_millis(100u64.saturating_mul(1u64 << shift));
            self.containers[idx].status = ContainerStatus::Restarting;
            return vec![Followup::Restart { id, generation, after }];
        }
        Vec::new()
    }

    /// Removes a container and, when asked, its anonymous volumes.
    pub fn destroy(&mut self, idx: usize, volumes: bool) {
        let c = self.containers.remove(idx);
        self.execs.retain(|_, e| e.container_id != c.id);
        if volumes {
            for v in &c.anon_volumes {
                if self.volume_users(v).is_empty() && self.volumes.remove(v).is_some() {
                    let mut a = BTreeMap::new();
                    a.insert("driver".to_owned(), "local".to_owned());
                    self.emit(EventKind::Volume, "destroy", v, a);
                }
            }
        }
        let attrs = c.event_attributes();
        self.emit(EventKind::Container, "destroy", &c.id, attrs);
    }

    /// Health after one check.
    pub fn record_health(&mut self, idx: usize, exit_code: i64, output: String, in_start_period: bool, retries: i64) {
        let now = rfc3339(self.clock.now());
        let c = &mut self.containers[idx];
        let Some(h) = c.health.as_mut() else { return };
        let before = h.status;
        h.log.push(HealthLogEntry { start: now.clone(), end: now, exit_code, output });
        if h.log.len() > 5 {
            h.log.remove(0);
        }
        if exit_code == 0 {
            h.failing_streak = 0;
            h.status = HealthStatus::Healthy;
        } else if !in_start_period {
            h.failing_streak = h.failing_streak.saturating_add(1);
            if h.failing_streak >= retries {
                h.status = HealthStatus::Unhealthy;
            }
        }
        let after = h.status;
        if before != after {
            let id = c.id.clone();
            let attrs = c.event_attributes();
            self.emit(EventKind::Container, format!("health_status: {}", after.as_str()), &id, attrs);
        }
    }

    /// Sets the health status directly (tests), emitting the event when it changes.
    pub fn set_health(&mut self, idx: usize, status: HealthStatus) {
        let c = &mut self.containers[idx];
        let h = c.health.get_or_insert_with(Health::default);
        if h.status == status {
            return;
        }
        h.status = status;
        h.failing_streak = if status == HealthStatus::Unhealthy { h.failing_streak.max(1) } else { 0 };
        let id = c.id.clone();
        let attrs = c.event_attributes();
        self.emit(EventKind::Container, format!("health_status: {}", status.as_str()), &id, attrs);
    }

    /// Runs a health check command to completion without side effects.
    pub fn evaluate_check(check: &HealthConfig, env: &[String]) -> (i64, String) {
        let script: Script = match check.test.first().map(String::as_str) {
            Some("CMD") => program::parse_argv(check.test.get(1..).unwrap_or_default(), true),
            Some("CMD-SHELL") => program::parse_script(check.test.get(1).map_or("", String::as_str), true),
            _ => return (0, String::new()),
        };
        let timeout = check.timeout.unwrap_or(Duration::from_secs(30));
        let mut out = String::new();
        let mut status = 0;
        for (join, step) in script.steps {
            let skip = match join {
                Join::Always => false,
                Join::And => status != 0,
                Join::Or => status == 0,
            };
            if skip {
                continue;
            }
            match step {
                Step::Echo { text, .. } => {
                    out.push_str(&text);
                    status = 0;
                }
                Step::Exit(c) => return (c, out),
                Step::Status(c) => status = c,
                Step::Env => {
                    out.push_str(&env.join("\n"));
                    status = 0;
                }
                Step::Hostname | Step::Cat => status = 0,
                Step::Sleep(Some(d)) if d < timeout => status = 0,
                Step::Sleep(_) | Step::Daemon => {
                    return (-1, format!("Health check exceeded timeout ({}s)", timeout.as_secs()));
                }
            }
        }
        (status, out)
    }

    // ------------------------------------------------------------ networks

    /// The endpoint a container has on a network: before its first start only what was asked
    /// for (the engine fills in the network id and its own aliases when the endpoint is made).
    pub fn endpoint_state(&self, network: &str, cfg: &EndpointConfig, container_id: &str, attached: bool) -> EngineResult<EndpointState> {
        let i = self.network_index(network)?;
        let n = &self.networks[i];
        let mut aliases = cfg.aliases.clone();
        let mut dns_names = Vec::new();
        if attached && !matches!(n.name.as_str(), "bridge" | "host" | "none") {
            dns_names.extend(aliases.iter().cloned());
            if let Ok(ci) = self.container_index(container_id) {
                dns_names.insert(0, self.containers[ci].name.clone());
            }
            if self.api_version < ApiVersion::new(1, 45) {
                // Older engines list the short id among the aliases.
                aliases.push(container_id.chars().take(12).collect());
            }
        }
        Ok(EndpointState {
            network_id: if attached { n.id.clone() } else { String::new() },
            endpoint_id: String::new(),
            aliases,
            dns_names,
            links: cfg.links.clone(),
            ipam: (cfg.ipv4_address.is_some() || cfg.ipv6_address.is_some() || !cfg.link_local_ips.is_empty()).then(|| EndpointIpam {
                ipv4_address: cfg.ipv4_address.clone(),
                ipv6_address: cfg.ipv6_address.clone(),
                link_local_ips: cfg.link_local_ips.clone(),
            }),
            driver_opts: cfg.driver_opts.clone(),
            gw_priority: cfg.gw_priority,
            ..Default::default()
        })
    }

    // ------------------------------------------------------------ filters

    pub fn container_matches(c: &FakeContainer, f: &Filters) -> EngineResult<bool> {
        for key in f.keys() {
            if !matches!(key, "label" | "name" | "id" | "status" | "network" | "ancestor" | "health" | "exited") {
                return Err(EngineError::Api { status: 400, message: format!("invalid filter '{key}'") });
            }
        }
        let networks_ok = f.match_any("network", |n| {
            c.endpoints.iter().any(|(name, (_, st))| name == n || st.network_id == n)
        });
        Ok(f.match_labels(&c.spec.config.labels)
            && f.match_any("name", |p| name_matches(p, &c.name))
            && f.match_any("id", |p| c.id.starts_with(p))
            && f.match_any("status", |s| s == c.status.as_str())
            && f.match_any("ancestor", |a| normalize_ref(a) == normalize_ref(&c.spec.config.image) || c.image_id.contains(a))
            && f.match_any("health", |h| c.health.as_ref().map_or(HealthStatus::None, |x| x.status).as_str() == h)
            && f.match_any("exited", |e| c.status == ContainerStatus::Exited && e.parse::<i64>().ok() == Some(c.exit_code))
            && networks_ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(rfc3339(1_700_000_000_123_456_789), "2023-11-14T22:13:20.123456789Z");
        assert_eq!(rfc3339(951_782_400 * 1_000_000_000), "2000-02-29T00:00:00.000000000Z");
        let mut c = Clock::logical(10);
        let a = c.now();
        let b = c.now();
        assert!(b > a);
        assert_eq!(a, 10_001_000_000);
    }

    #[test]
    fn references_and_names() {
        assert_eq!(normalize_ref("busybox"), "busybox:latest");
        assert_eq!(normalize_ref("docker.io/library/busybox:1"), "busybox:1");
        assert_eq!(normalize_ref("reg:5000/a/b"), "reg:5000/a/b:latest");
        assert_eq!(normalize_ref("a@sha256:x"), "a@sha256:x");
        assert!(valid_name("lab-web-1"));
        assert!(!valid_name("-x"));
        assert!(!valid_name("a b"));
        assert!(!valid_name("a"));
        assert_eq!(parse_signal("SIGTERM"), 15);
        assert_eq!(parse_signal("hup"), 1);
        assert_eq!(parse_signal("9"), 9);
        assert_eq!(ipv4_parse("10.1.2.3").map(ipv4_fmt).as_deref(), Some("10.1.2.3"));
        assert_eq!(ipv4_parse("10.1.2"), None);
    }

    #[test]
    fn health_checks_evaluate() {
        let check = |test: &[&str]| HealthConfig { test: test.iter().map(|s| (*s).to_owned()).collect(), ..Default::default() };
        assert_eq!(State::evaluate_check(&check(&["CMD", "true"]), &[]).0, 0);
        assert_eq!(State::evaluate_check(&check(&["CMD-SHELL", "exit 2"]), &[]).0, 2);
        assert_eq!(State::evaluate_check(&check(&["CMD-SHELL", "false || echo ok"]), &[]), (0, "ok\n".to_owned()));
        assert_eq!(State::evaluate_check(&check(&["CMD", "sleep", "infinity"]), &[]).0, -1);
    }
}

