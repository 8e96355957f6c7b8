//! `ports`: the short syntax `[[ip:]host:]container[/proto]` with ranges, parsed as the
//! Docker CLI's port-spec parser (go-connections `nat.ParsePortSpec`) does, and expanded into
//! one long-syntax entry per container port.

use std::net::IpAddr;

use super::{invalid, map_node, str_node, Ctx, Cursor};
use crate::error::Result;
use crate::node::{Node, Span, Value};

/// One published port from a short-syntax spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    /// Host address, brackets of IPv6 addresses removed; empty for all addresses.
    pub host_ip: String,
    /// Container port.
    pub target: u16,
    /// Host port or host port range (`8000-8010`); empty when the engine picks one.
    pub published: String,
    /// `tcp`, `udp` or `sctp`, lower case.
    pub protocol: String,
}

/// Go's `strconv.ParseUint(s, 10, 16)`: digits only, no sign, fits in 16 bits.
fn parse_u16(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A port or a `start-end` range. As in the reference, only the first two `-` separated parts
/// are read.
fn parse_range(s: &str) -> Option<(u16, u16)> {
    if s.is_empty() {
        return None;
    }
    if !s.contains('-') {
        let p = parse_u16(s)?;
        return Some((p, p));
    }
    let mut parts = s.split('-');
    let start = parse_u16(parts.next().unwrap_or(""))?;
    let end = parse_u16(parts.next().unwrap_or(""))?;
    (end >= start).then_some((start, end))
}

/// `ip`, `host` and `container` parts: the last part is the container port, the one before
/// the host port, and everything before that (colons included, for IPv6) the address.
fn split_parts(raw: &str) -> (String, &str, &str) {
    let parts: Vec<&str> = raw.split(':').collect();
    match parts.as_slice() {
        [] => (String::new(), "", ""),
        [c] => (String::new(), "", c),
        [h, c] => (String::new(), h, c),
        [ip @ .., h, c] => (ip.join(":"), h, c),
    }
}

/// `(protocol, port)` of `port[/proto]`, as go-connections `SplitProtoPort`.
fn split_proto_port(raw: &str) -> (&str, &str) {
    let mut parts = raw.split('/');
    let port = parts.next().unwrap_or("");
    if raw.is_empty() || port.is_empty() {
        return ("", "");
    }
    match parts.next() {
        None | Some("") => ("tcp", port),
        Some(proto) => (proto, port),
    }
}

/// Strips the brackets of `[v6addr]` the way Go's `net.SplitHostPort(ip + ":")` does.
fn strip_brackets(ip: &str) -> std::result::Result<String, String> {
    let hostport = format!("{ip}:");
    let colon = hostport.rfind(':').unwrap_or(0);
    let err = |why: &str| format!("invalid IP address {ip}: address {hostport}: {why}");
    let Some(end) = hostport.find(']') else {
        return Err(err("missing ']' in address"));
    };
    if end + 1 != colon {
        return Err(if hostport.as_bytes().get(end + 1) == Some(&b':') {
            err("too many colons in address")
        } else {
            err("missing port in address")
        });
    }
    let host = hostport.get(1..end).unwrap_or("");
    if host.contains('[') {
        return Err(err("unexpected '[' in address"));
    }
    if hostport.get(end + 1..).unwrap_or("").contains(']') {
        return Err(err("unexpected ']' in address"));
    }
    Ok(host.to_owned())
}

/// Parses one short-syntax port spec (`"127.0.0.1:8080-8081:80-81/udp"`) into its ports,
/// ordered as Compose orders them (by `port/proto` text).
pub fn parse_port_spec(raw: &str) -> std::result::Result<Vec<PortSpec>, String> {
    let (mut ip, host_port, container) = split_parts(raw);
    let (proto, container_port) = split_proto_port(container);
    if ip.starts_with('[') {
        ip = strip_brackets(&ip)?;
    }
    if !ip.is_empty() && ip.parse::<IpAddr>().is_err() {
        return Err(format!("invalid IP address: {ip}"));
    }
    if container_port.is_empty() {
        return Err(format!("no port specified: {raw}<empty>"));
    }
    let (start, end) =
        parse_range(container_port).ok_or_else(|| format!("invalid containerPort: {container_port}"))?;
    let (host_start, host_end) = if host_port.is_empty() {
        (0, 0)
    } else {
        parse_range(host_port).ok_or_else(|| format!("invalid hostPort: {host_port}"))?
    };
    if !host_port.is_empty() && end - start != host_end - host_start && end != start {
        return Err(format!(
            "invalid ranges specified for container and host Ports: {container_port} and {host_port}"
        ));
    }
    let protocol = proto.to_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    let mut out = Vec::new();
    for i in 0..=(end - start) {
        let target = start + i;
        let mut published = if host_port.is_empty() {
            String::new()
        } else {
            // Ranges of equal length pair up; a single container port keeps the whole range.
            host_start.saturating_add(i).to_string()
        };
        if start == end && host_start != host_end {
            published = format!("{published}-{host_end}");
        }
        out.push(PortSpec { host_ip: ip.clone(), target, published, protocol: protocol.clone() });
    }
    // The reference collects the ports in a map keyed by "port/proto" and sorts the keys as text.
    out.sort_by_key(|p| format!("{}/{}", p.target, p.protocol));
    Ok(out)
}

/// The long-syntax mapping for one parsed port, keys in Compose's order.
fn port_node(p: &PortSpec, span: Span) -> Node {
    let mut entries = vec![("mode", str_node("ingress", span))];
    if !p.host_ip.is_empty() {
        entries.push(("host_ip", str_node(p.host_ip.clone(), span)));
    }
    if p.target != 0 {
        entries.push(("target", Node::new(Value::Int(i64::from(p.target)), span)));
    }
    if !p.published.is_empty() {
        entries.push(("published", str_node(p.published.clone(), span)));
    }
    entries.push(("protocol", str_node(p.protocol.clone(), span)));
    map_node(entries, span)
}

/// `services.*.ports`: every string or number entry becomes one mapping per port it covers.
pub(super) fn ports(node: &mut Node, cur: &Cursor, ctx: &mut Ctx) -> Result<()> {
    let Value::Seq(items) = &node.value else {
        return Err(invalid(format!("ports must be a sequence, found {}", node.kind_name()), node, cur));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, entry) in items.iter().enumerate() {
        let item_cur = cur.index(i);
        match &entry.value {
            Value::Int(n) => {
                let parsed = parse_port_spec(&n.to_string())
                    .map_err(|e| invalid(format!("invalid port {n}: {e}"), entry, &item_cur))?;
                out.extend(parsed.iter().map(|p| port_node(p, entry.span)));
            }
            Value::String(s) => match parse_port_spec(s) {
                Ok(parsed) => out.extend(parsed.iter().map(|p| port_node(p, entry.span))),
                Err(_) if ctx.ignore_parse_errors => return Ok(()),
                Err(e) => {
                    return Err(invalid(format!("invalid port \"{s}\": {e}"), entry, &item_cur)
                        .with_hint("use [[ip:]host_port:]container_port[/protocol], e.g. \"127.0.0.1:8080:80/tcp\""));
                }
            },
            Value::Map(_) => out.push(entry.clone()),
            _ => {
                return Err(invalid(
                    format!("a port must be a string, a number or a mapping, found {}", entry.kind_name()),
                    entry,
                    &item_cur,
                ));
            }
        }
    }
    node.value = if out.is_empty() { Value::Null } else { Value::Seq(out) };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{canon, canon_err};
    use super::*;
    use serde_json::json;

    #[allow(clippy::needless_pass_by_value)]
    fn ports_of(v: serde_json::Value) -> serde_json::Value {
        canon(&json!({"services": {"s": {"ports": v}}}))["services"]["s"]["ports"].clone()
    }

    #[test]
    fn container_port_only() {
        assert_eq!(ports_of(json!(["80"])), json!([{"mode": "ingress", "target": 80, "protocol": "tcp"}]));
        assert_eq!(ports_of(json!([80])), json!([{"mode": "ingress", "target": 80, "protocol": "tcp"}]));
    }

    #[test]
    fn host_and_container() {
        assert_eq!(
            ports_of(json!(["8080:80/udp"])),
            json!([{"mode": "ingress", "target": 80, "published": "8080", "protocol": "udp"}])
        );
    }

    #[test]
    fn with_ip() {
        assert_eq!(
            ports_of(json!(["127.0.0.1:8080:80"])),
            json!([{"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "tcp"}])
        );
        assert_eq!(
            ports_of(json!(["[::1]:8080:80"])),
            json!([{"mode": "ingress", "host_ip": "::1", "target": 80, "published": "8080", "protocol": "tcp"}])
        );
        assert_eq!(
            ports_of(json!(["::1:8080:80"])),
            json!([{"mode": "ingress", "host_ip": "::1", "target": 80, "published": "8080", "protocol": "tcp"}])
        );
        assert_eq!(
            ports_of(json!(["127.0.0.1::80"])),
            json!([{"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "protocol": "tcp"}])
        );
    }

    #[test]
    fn ranges() {
        assert_eq!(
            ports_of(json!(["8000-8001:80-81"])),
            json!([
                {"mode": "ingress", "target": 80, "published": "8000", "protocol": "tcp"},
                {"mode": "ingress", "target": 81, "published": "8001", "protocol": "tcp"}
            ])
        );
        assert_eq!(
            ports_of(json!(["6005-6015:80"])),
            json!([{"mode": "ingress", "target": 80, "published": "6005-6015", "protocol": "tcp"}])
        );
        // Ports sort as text, as the reference's map keys do.
        let out = ports_of(json!(["98-100"]));
        let targets: Vec<_> = out.as_array().unwrap().iter().map(|p| p["target"].clone()).collect();
        assert_eq!(targets, vec![json!(100), json!(98), json!(99)]);
    }

    #[test]
    fn long_syntax_is_kept() {
        let long = json!({"target": 80, "published": 8080});
        assert_eq!(ports_of(json!([long.clone(), "90"]))[0], long);
    }

    #[test]
    fn protocol_is_lowercased() {
        assert_eq!(ports_of(json!(["80/UDP"]))[0]["protocol"], json!("udp"));
    }

    #[test]
    fn errors() {
        let e = canon_err(&json!({"services": {"s": {"ports": ["80:80:80:80"]}}}));
        assert_eq!(e.path.as_deref(), Some("services.s.ports[0]"));
        assert!(e.message.contains("invalid IP address: 80:80"), "{}", e.message);
        assert_eq!(parse_port_spec("80/xyz").unwrap_err(), "invalid proto: xyz");
        assert_eq!(parse_port_spec("70000").unwrap_err(), "invalid containerPort: 70000");
        assert_eq!(parse_port_spec("a:80").unwrap_err(), "invalid hostPort: a");
        assert_eq!(parse_port_spec("+80").unwrap_err(), "invalid containerPort: +80");
        assert_eq!(parse_port_spec("81-80").unwrap_err(), "invalid containerPort: 81-80");
        assert_eq!(
            parse_port_spec("8000-8002:80-81").unwrap_err(),
            "invalid ranges specified for container and host Ports: 80-81 and 8000-8002"
        );
        assert_eq!(parse_port_spec("8080:").unwrap_err(), "no port specified: 8080:<empty>");
        assert!(parse_port_spec("[::1:80:80").unwrap_err().contains("missing ']'"));
        let e = canon_err(&json!({"services": {"s": {"ports": [1.5]}}}));
        assert!(e.message.contains("found a number"), "{}", e.message);
        let e = canon_err(&json!({"services": {"s": {"ports": "80"}}}));
        assert_eq!(e.path.as_deref(), Some("services.s.ports"));
    }

    #[test]
    fn unparsable_left_alone_without_interpolation() {
        let mut node = Node::from_json(&json!({"services": {"s": {"ports": ["${P}:80", "90"]}}}));
        crate::canonical::canonical(&mut node, true).unwrap();
        assert_eq!(node.to_json()["services"]["s"]["ports"], json!(["${P}:80", "90"]));
    }
}
