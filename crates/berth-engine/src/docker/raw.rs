//! A minimal HTTP/1.1 client for what bollard 0.19 does not offer: swarm configs,
//! `HEAD /containers/{id}/archive`, and image builds with repeated query parameters (several
//! tags and `extrahosts`, which bollard's single-valued options cannot express). Its exchange
//! and response parsing also serve the plain-HTTP registry client (`registry`).
//!
//! One request per connection (`Connection: close`); a request that fails on its way is sent
//! once more when [`retry::should_retry`] says it is safe. `request` keeps whole bodies in memory
//! (small JSON documents); `stream` sends a body stream chunked and returns the response body
//! as a stream. Requests are reported to [`crate::trace`].

use std::fmt::Write as _;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use crate::engine::ByteStream;

use super::retry::{self, Failure};
use super::tls::{self, Tls};
use crate::connect::EngineHost;
use crate::trace;
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
    tls: Option<Tls>,
    version: ApiVersion,
}

impl RawClient {
    /// A client for `host`, over `tls` when given (TCP only).
    pub fn new(host: EngineHost, tls: Option<Tls>, version: ApiVersion) -> Self {
        Self { host, tls, version }
    }

    /// `GET /_ping` without an API version: its headers name the engine's API version
    /// (`Api-Version`) and, on Podman, Podman's (`Libpod-Api-Version`).
    pub async fn ping(&self) -> EngineResult<RawResponse> {
        self.send("GET", "/_ping", None).await
    }

    /// Sends `method path` (path starts with `/`, query included) with an optional JSON body.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> EngineResult<RawResponse> {
        self.send(method, &format!("/v{}{path}", self.version), body).await
    }

    /// Sends `method target` as it is (no API version added), once more when the first try
    /// failed in a way [`retry::should_retry`] deems safe.
    async fn send(&self, method: &str, path: &str, body: Option<&[u8]>) -> EngineResult<RawResponse> {
        retry::at_most_twice(method, || async move {
            let started = trace::start();
            let result = self.send_once(method, path, body).await;
            if started.is_some() {
                let reason = result.as_ref().err().map(|(_, e)| e.to_string());
                let outcome = match &result {
                    Ok(r) => Ok(r.status),
                    Err(_) => Err(reason.as_deref().unwrap_or_default()),
                };
                trace::report(started, trace::Peer::Engine, method, path, outcome);
            }
            result
        })
        .await
    }

    /// One try of [`Self::send`]; a failure says how far the request got.
    async fn send_once(&self, method: &str, path: &str, body: Option<&[u8]>) -> Result<RawResponse, (Failure, EngineError)> {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth\r\nConnection: close\r\n");
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
        let io = |e: std::io::Error| match tls::failure(&e) {
            Some(reason) => (Failure::Other, tls::unreachable(&self.host.to_string(), reason)),
            None => (retry::classify_io(&e, false), EngineError::Io { context: format!("{method} {path}"), source: e }),
        };
        let raw = round_trip(self.connect_once().await?, &bytes).await.map_err(io)?;
        if raw.is_empty() {
            // Closed before a response: as hyper's "connection closed before message completed".
            return Err((Failure::ConnectionLost, protocol("the engine closed the connection without answering")));
        }
        parse_response(&raw, method == "HEAD").map_err(|e| (Failure::Other, e))
    }

    /// A connection to the engine, tried twice when the first is refused.
    async fn connect(&self) -> EngineResult<Box<dyn Conn>> {
        retry::at_most_twice("POST", || self.connect_once()).await
    }

    async fn connect_once(&self) -> Result<Box<dyn Conn>, (Failure, EngineError)> {
        let unreachable = |e: std::io::Error| {
            if let Some(reason) = tls::failure(&e) {
                return (Failure::Other, tls::unreachable(&self.host.to_string(), reason));
            }
            let failure = retry::classify_io(&e, true);
            let error = EngineError::Unreachable {
                host: self.host.to_string(),
                reason: e.to_string(),
                hint: Some("Is the docker daemon running?".to_owned()),
            };
            (failure, error)
        };
        Ok(match (&self.host, &self.tls) {
            (EngineHost::Unix(p), _) => Box::new(tokio::net::UnixStream::connect(p).await.map_err(unreachable)?),
            (EngineHost::Tcp(a), Some(tls)) => Box::new(tls.connect(a).await.map_err(unreachable)?),
            (EngineHost::Tcp(a), None) => Box::new(tokio::net::TcpStream::connect(a.as_str()).await.map_err(unreachable)?),
        })
    }

    /// Sends `POST path` with `headers` and `body` (chunked), and returns the status with the
    /// response body as a stream. A non-success status is returned as an error carrying the
    /// engine's message.
    pub async fn stream(
        &self,
        path: &str,
        headers: &[(String, String)],
        mut body: ByteStream,
    ) -> EngineResult<BoxStream<'static, EngineResult<Bytes>>> {
        let io = |e: std::io::Error| EngineError::Io { context: format!("POST {path}"), source: e };
        let started = trace::start();
        let mut conn = self.connect().await?;
        let mut head = format!(
            "POST /v{}{path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n",
            self.version
        );
        for (k, v) in headers {
            let _ = write!(head, "{k}: {v}\r\n");
        }
        head.push_str("\r\n");
        conn.write_all(head.as_bytes()).await.map_err(io)?;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(io)?;
            if chunk.is_empty() {
                continue;
            }
            conn.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.map_err(io)?;
            conn.write_all(&chunk).await.map_err(io)?;
            conn.write_all(b"\r\n").await.map_err(io)?;
        }
        conn.write_all(b"0\r\n\r\n").await.map_err(io)?;
        conn.flush().await.map_err(io)?;

        let mut reader = BufReader::new(conn);
        let mut status_line = String::new();
        reader.read_line(&mut status_line).await.map_err(io)?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| protocol("invalid HTTP status line"))?;
        trace::report(started, trace::Peer::Engine, "POST", &format!("/v{}{path}", self.version), Ok(status));
        let mut chunked = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await.map_err(io)? == 0 {
                return Err(protocol("incomplete HTTP response"));
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.trim().eq_ignore_ascii_case("transfer-encoding") && v.trim().eq_ignore_ascii_case("chunked") {
                    chunked = true;
                }
            }
        }
        let body = BodyReader { reader, chunked, done: false };
        let stream = futures::stream::unfold(body, BodyReader::next_piece).boxed();
        if (200..300).contains(&status) {
            return Ok(stream);
        }
        let all: Vec<Bytes> = futures::TryStreamExt::try_collect(stream).await?;
        let r = RawResponse { status, headers: Vec::new(), body: all.concat() };
        Err(match status {
            404 => EngineError::NotFound { kind: crate::ObjectKind::Image, id: String::new(), message: r.message() },
            _ => super::refusal(status, r.message()),
        })
    }
}

/// A connection to the engine.
trait Conn: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Conn for T {}

/// Reads a response body piece by piece, undoing chunked encoding.
struct BodyReader {
    reader: BufReader<Box<dyn Conn>>,
    chunked: bool,
    done: bool,
}

impl BodyReader {
    async fn next_piece(mut self) -> Option<(EngineResult<Bytes>, Self)> {
        if self.done {
            return None;
        }
        let io = |e: std::io::Error| EngineError::Io { context: "reading the engine's response".to_owned(), source: e };
        if !self.chunked {
            let mut buf = vec![0u8; 16 * 1024];
            return match self.reader.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(Bytes::from(buf)), self))
                }
                Err(e) => {
                    self.done = true;
                    Some((Err(io(e)), self))
                }
            };
        }
        let mut line = String::new();
        let size = match self.reader.read_line(&mut line).await {
            Ok(0) => return None,
            Ok(_) => usize::from_str_radix(line.trim().split(';').next().unwrap_or_default(), 16),
            Err(e) => {
                self.done = true;
                return Some((Err(io(e)), self));
            }
        };
        let Ok(size) = size else {
            self.done = true;
            return Some((Err(protocol("invalid chunk size")), self));
        };
        if size == 0 {
            return None;
        }
        let mut buf = vec![0u8; size];
        let mut crlf = [0u8; 2];
        let read = async {
            self.reader.read_exact(&mut buf).await?;
            self.reader.read_exact(&mut crlf).await
        };
        match read.await {
            Ok(_) => Some((Ok(Bytes::from(buf)), self)),
            Err(e) => {
                self.done = true;
                Some((Err(io(e)), self))
            }
        }
    }
}

/// Splits a byte stream of newline-delimited JSON documents into the documents.
pub(crate) fn json_lines(
    body: BoxStream<'static, EngineResult<Bytes>>,
) -> BoxStream<'static, EngineResult<serde_json::Value>> {
    futures::stream::unfold((body, Vec::<u8>::new(), false), |(mut body, mut buf, mut ended)| async move {
        loop {
            if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=pos).collect();
                let text = String::from_utf8_lossy(&line);
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                let v = serde_json::from_str(text)
                    .map_err(|e| EngineError::Protocol { message: format!("{e}: {text}") });
                return Some((v, (body, buf, ended)));
            }
            if ended {
                let text = String::from_utf8_lossy(&buf).trim().to_owned();
                buf.clear();
                if text.is_empty() {
                    return None;
                }
                let v = serde_json::from_str(&text)
                    .map_err(|e| EngineError::Protocol { message: format!("{e}: {text}") });
                return Some((v, (body, buf, ended)));
            }
            match body.next().await {
                Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
                Some(Err(e)) => return Some((Err(e), (body, buf, true))),
                None => ended = true,
            }
        }
    })
    .boxed()
}

/// Writes a whole `Connection: close` request to `stream` and reads the response until the
/// server closes the connection.
pub(crate) async fn round_trip<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, request: &[u8]) -> std::io::Result<Vec<u8>> {
    stream.write_all(request).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    Ok(response)
}

fn protocol(msg: &str) -> EngineError {
    EngineError::Protocol { message: msg.to_owned() }
}

/// Parses a whole HTTP/1.1 response (`head`: the answer to a HEAD request, without a body).
pub(crate) fn parse_response(raw: &[u8], head: bool) -> EngineResult<RawResponse> {
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

    #[tokio::test]
    async fn json_lines_split_across_chunks() {
        let pieces: Vec<EngineResult<Bytes>> = vec![
            Ok(Bytes::from_static(b"{\"stream\":\"a\"}\r\n{\"str")),
            Ok(Bytes::from_static(b"eam\":\"b\"}\n\n")),
            Ok(Bytes::from_static(b"{\"aux\":{\"ID\":\"x\"}}")),
        ];
        let docs: Vec<serde_json::Value> =
            futures::TryStreamExt::try_collect(json_lines(futures::stream::iter(pieces).boxed())).await.unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1]["stream"], "b");
        assert_eq!(docs[2]["aux"]["ID"], "x");
        let bad: Vec<EngineResult<Bytes>> = vec![Ok(Bytes::from_static(b"nope\n"))];
        let r: EngineResult<Vec<serde_json::Value>> =
            futures::TryStreamExt::try_collect(json_lines(futures::stream::iter(bad).boxed())).await;
        assert!(r.is_err());
    }

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
