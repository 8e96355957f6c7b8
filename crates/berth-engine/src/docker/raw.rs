//! A minimal HTTP/1.1 client for the few Engine API endpoints bollard 0.19 does not offer
//! (swarm configs, `HEAD /containers/{id}/archive`).
//!
//! One request per connection (`Connection: close`), whole bodies in memory: these endpoints
//! exchange small JSON documents.

use std::fmt::Write as _;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::connect::EngineHost;
use crate::error::{EngineError, EngineResult};
use crate::version::ApiVersion;

/// A parsed response.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The engine's error message (`{"message": ...}`) or the body as text.
    pub fn message(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&self.body).trim().to_owned())
    }
}

/// Sends requests to one engine.
#[derive(Debug, Clone)]
pub(crate) struct RawClient {
    host: EngineHost,
    version: ApiVersion,
}

impl RawClient {
    pub fn new(host: EngineHost, version: ApiVersion) -> Self {
        Self { host, version }
    }

    /// Sends `method path` (path starts with `/`, query included) with an optional JSON body.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> EngineResult<RawResponse> {
        let mut req = format!(
            "{method} /v{}{path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth\r\nConnection: close\r\n",
            self.version
        );
        if let Some(b) = body {
            let _ = write!(req, "Content-Type: application/json\r\nContent-Length: {}\r\n", b.len());
        } else if method == "POST" {
            req.push_str("Content-Length: 0\r\n");
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        if let Some(b) = body {
            bytes.extend_from_slice(b);
        }
        let unreachable = |e: std::io::Error| EngineError::Unreachable {
            host: self.host.to_string(),
            reason: e.to_string(),
            hint: Some("Is the docker daemon running?".to_owned()),
        };
        let io = |e: std::io::Error| EngineError::Io { context: format!("{method} {path}"), source: e };
        let mut raw = Vec::new();
        match &self.host {
            EngineHost::Unix(p) => {
                let mut s = tokio::net::UnixStream::connect(p).await.map_err(unreachable)?;
                s.write_all(&bytes).await.map_err(io)?;
                s.read_to_end(&mut raw).await.map_err(io)?;
            }
            EngineHost::Tcp(a) => {
                let mut s = tokio::net::TcpStream::connect(a.as_str()).await.map_err(unreachable)?;
                s.write_all(&bytes).await.map_err(io)?;
                s.read_to_end(&mut raw).await.map_err(io)?;
            }
        }
        parse_response(&raw, method == "HEAD")
    }
}

fn protocol(msg: &str) -> EngineError {
    EngineError::Protocol { message: msg.to_owned() }
}

fn parse_response(raw: &[u8], head: bool) -> EngineResult<RawResponse> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| protocol("incomplete HTTP response"))?;
    let head_text = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| protocol("invalid HTTP status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let rest = raw.get(end + 4..).unwrap_or_default();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked"));
    let body = if head {
        Vec::new()
    } else if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(RawResponse { status, headers, body })
}

fn dechunk(mut data: &[u8]) -> EngineResult<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| protocol("truncated chunked body"))?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| protocol("invalid chunk size"))?;
        let start = line_end + 2;
        if size == 0 {
            return Ok(out);
        }
        let stop = start.checked_add(size).ok_or_else(|| protocol("invalid chunk size"))?;
        out.extend_from_slice(data.get(start..stop).ok_or_else(|| protocol("truncated chunk"))?);
        data = data.get(stop + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked() {
        let r = parse_response(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n\r\n{\"ID\":\"x\"}", false)
            .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(r.body, b"{\"ID\":\"x\"}");
        assert_eq!(r.header("content-type"), Some("application/json"));
        let r = parse_response(
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mes\r\n10\r\nsage\":\"gone\"}   \r\n0\r\n\r\n",
            false,
        )
        .unwrap();
        assert_eq!(r.status, 404);
        assert_eq!(r.message(), "gone");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_response(b"nonsense", false).is_err());
        assert!(parse_response(b"HTTP/1.1 abc\r\n\r\n", false).is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false).is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nab", false).is_err());
    }
}
