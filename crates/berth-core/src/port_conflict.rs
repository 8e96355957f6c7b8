//! Who holds the host port a container could not publish. The engines only say that the port
//! is taken (`Bind for 127.0.0.1:8080 failed: port is already allocated`, or `listen tcp4
//! 0.0.0.0:8080: bind: address already in use` when another program listens there); Compose
//! passes that on as it is, and users are left to find the culprit (docker/compose#4950,
//! #9117). berth names the container that publishes the port, with its project, or says
//! that no container does.

use berth_engine::{ContainerListOptions, Engine, EngineError, Filters, PortSummary};

use crate::labels;

/// The host address (`None`: every address) and port a start failed to bind, read from the
/// engine's message.
fn taken_port(message: &str) -> Option<(Option<String>, u16)> {
    let address = if let Some(rest) = message.split("Bind for ").nth(1) {
        rest.split(" failed: port is already allocated").next().filter(|_| message.contains("port is already allocated"))?
    } else {
        let before = message.split(": bind: address already in use").next().filter(|_| message.contains("address already in use"))?;
        before.rsplit(' ').next()?
    };
    let (host, port) = address.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = port.parse().ok()?;
    let any = host.is_empty() || host == "0.0.0.0" || host == "::";
    Some(((!any).then(|| host.to_owned()), port))
}

/// Whether a published port takes `port` on `host` (`None`: every address).
fn takes(p: &PortSummary, host: Option<&str>, port: u16) -> bool {
    if p.public_port != Some(port) {
        return false;
    }
    let published_on = p.ip.as_deref().filter(|ip| !ip.is_empty() && *ip != "0.0.0.0" && *ip != "::");
    match (host, published_on) {
        (Some(wanted), Some(ip)) => wanted == ip,
        _ => true,
    }
}

/// The engine's error for a start of `container` (id) that failed on a taken port, with who
/// holds the port; `None` when the error is not about a taken port.
pub async fn explain(engine: &dyn Engine, container: &str, error: &EngineError) -> Option<String> {
    let message = error.to_string();
    let (host, port) = taken_port(&message)?;
    let shown = match &host {
        Some(h) if h.contains(':') => format!("[{h}]:{port}"),
        Some(h) => format!("{h}:{port}"),
        None => format!("port {port}"),
    };
    let running = running_containers(engine).await?;
    let holder = running
        .iter()
        .filter(|c| c.id != container)
        .find(|c| c.ports.iter().any(|p| takes(p, host.as_deref(), port)));
    let hint = match holder {
        Some(c) => {
            let name = c.names.first().map_or(c.id.as_str(), String::as_str);
            match c.labels.get(labels::PROJECT) {
                Some(project) => format!("{shown} is published by container {name} (project {project})"),
                None => format!("{shown} is published by container {name}"),
            }
        }
        None => format!("no container publishes {shown}: another program on this machine holds it"),
    };
    Some(format!("{message} ({hint})"))
}

/// The running containers. Podman 4.3 can fail a listing while another container is being
/// removed (the `--rm` container of a failed `run`, say): it is asked again, a few times.
async fn running_containers(engine: &dyn Engine) -> Option<Vec<berth_engine::ContainerSummary>> {
    let options = ContainerListOptions { all: false, filters: Filters::new() };
    for attempt in 0..4 {
        match engine.list_containers(&options).await {
            Ok(list) => return Some(list),
            Err(_) if attempt < 3 => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
            Err(_) => {}
        }
    }
    None
}

/// `error` (from starting `container`) with [`explain`]'s hint when it is about a taken port.
pub async fn explained(engine: &dyn Engine, container: &str, error: EngineError) -> EngineError {
    match explain(engine, container, &error).await {
        Some(message) => EngineError::Api { status: error.status().unwrap_or(500), message },
        None => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_engine::PortProtocol;

    #[test]
    fn the_port_is_read_from_each_engine_message() {
        let docker = "driver failed programming external connectivity on endpoint p-web-1 (abc): Bind for 127.0.0.1:18080 failed: port is already allocated";
        assert_eq!(taken_port(docker), Some((Some("127.0.0.1".to_owned()), 18080)));
        let any = "driver failed programming external connectivity on endpoint p-web-1 (abc): Bind for 0.0.0.0:80 failed: port is already allocated";
        assert_eq!(taken_port(any), Some((None, 80)));
        let proxy = "driver failed programming external connectivity on endpoint p-web-1 (abc): Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use";
        assert_eq!(taken_port(proxy), Some((None, 8080)));
        let podman = "cannot listen on the TCP port: listen tcp4 :8080: bind: address already in use";
        assert_eq!(taken_port(podman), Some((None, 8080)));
        let v6 = "Bind for [::1]:9000 failed: port is already allocated";
        assert_eq!(taken_port(v6), Some((Some("::1".to_owned()), 9000)));
        assert_eq!(taken_port("no such image"), None);
    }

    #[test]
    fn a_port_on_every_address_conflicts_with_each_one() {
        let port = |ip: &str| PortSummary { ip: Some(ip.into()), private_port: 80, public_port: Some(8080), protocol: PortProtocol::Tcp };
        assert!(takes(&port("0.0.0.0"), Some("127.0.0.1"), 8080));
        assert!(takes(&port("127.0.0.1"), None, 8080));
        assert!(takes(&port("127.0.0.1"), Some("127.0.0.1"), 8080));
        assert!(!takes(&port("127.0.0.2"), Some("127.0.0.1"), 8080));
        assert!(!takes(&port("0.0.0.0"), None, 8081));
    }
}
