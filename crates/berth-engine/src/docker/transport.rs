//! The HTTP transport under bollard: the same client bollard builds for a unix socket or a
//! TCP address (one connection per request, no pool), or TLS over TCP (see [`tls`]), with one
//! difference: a request that fails on its way to the engine is sent once more when
//! [`retry::should_retry`] says it is safe (reads after a reset, anything that never reached
//! the engine). Each try is reported to [`crate::trace`].
//!
//! Every request path is given the negotiated API version (`/v1.41/containers/json`), as the
//! docker CLI sends it: bollard 0.19 builds that prefix and then drops it (it joins the
//! absolute path onto the URL), so without this the engine would answer with its newest API.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bollard::errors::Error as BollardError;
use bollard::{BollardRequest, ClientVersion, Docker};
use bytes::Bytes;
use http_body_util::{Either, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, Uri};
use hyper_util::client::legacy::connect::{Connect, Connected, Connection, HttpConnector};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use super::{retry, tls};
use crate::trace;
use crate::connect::EngineHost;

/// bollard's request body: a whole body, or a stream (uploads, attach input).
type Body = Either<Full<Bytes>, StreamBody<Pin<Box<dyn futures::Stream<Item = Result<Frame<Bytes>, std::io::Error>> + Send>>>>;

/// A bollard client for `host` (over `tls` when given) whose requests go through [`send`].
pub(super) fn docker(host: &EngineHost, tls: Option<&tls::Tls>, timeout: u64, version: &ClientVersion) -> Result<Docker, BollardError> {
    let api: Arc<str> = Arc::from(format!("/v{}.{}", version.major_version, version.minor_version));
    if let (EngineHost::Tcp(addr), Some(tls)) = (host, tls) {
        let client = pool(TlsConnector { addr: Arc::from(addr.as_str()), tls: tls.clone() });
        return Docker::connect_with_custom_transport(
            move |req| send(client.clone(), versioned(req, &api)),
            Some(format!("https://{addr}")),
            timeout,
            version,
        );
    }
    match host {
        EngineHost::Unix(path) => {
            if !Path::new(path).exists() {
                return Err(BollardError::SocketNotFoundError(path.to_string_lossy().into_owned()));
            }
            let client = pool(hyperlocal::UnixConnector);
            let address = format!("unix://{}", hex::encode(path.to_string_lossy().as_bytes()));
            Docker::connect_with_custom_transport(move |req| send(client.clone(), versioned(req, &api)), Some(address), timeout, version)
        }
        EngineHost::Tcp(addr) => {
            let client = pool(HttpConnector::new());
            Docker::connect_with_custom_transport(
                move |req| send(client.clone(), versioned(req, &api)),
                Some(format!("http://{addr}")),
                timeout,
                version,
            )
        }
    }
}

/// `request` with `api` (`/v1.41`) before its path, unless the path already names a version.
fn versioned(mut request: BollardRequest, api: &str) -> BollardRequest {
    let uri = request.uri();
    let path = uri.path();
    let named = path.strip_prefix("/v").and_then(|rest| rest.chars().next()).is_some_and(|c| c.is_ascii_digit());
    if named {
        return request;
    }
    let path_and_query = uri.path_and_query().map_or(path, hyper::http::uri::PathAndQuery::as_str);
    let mut parts = uri.clone().into_parts();
    if let Ok(with_version) = format!("{api}{path_and_query}").parse() {
        parts.path_and_query = Some(with_version);
        if let Ok(new) = Uri::from_parts(parts) {
            *request.uri_mut() = new;
        }
    }
    request
}

/// A client keeping no idle connection, as bollard's own: an engine may close an idle one
/// at any time.
fn pool<C: Connect + Clone>(connector: C) -> Client<C, Body> {
    Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build(connector)
}

/// Opens TLS connections to one engine address, whatever the request's URI says.
#[derive(Clone)]
struct TlsConnector {
    addr: Arc<str>,
    tls: tls::Tls,
}

impl tower_service::Service<Uri> for TlsConnector {
    type Response = TlsConnection;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<TlsConnection>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let (addr, tls) = (Arc::clone(&self.addr), self.tls.clone());
        Box::pin(async move { Ok(TlsConnection(TokioIo::new(tls.connect(&addr).await?))) })
    }
}

/// A TLS connection as hyper reads and writes it.
struct TlsConnection(TokioIo<tokio_rustls::client::TlsStream<TcpStream>>);

impl Connection for TlsConnection {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for TlsConnection {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: hyper::rt::ReadBufCursor<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for TlsConnection {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
}

/// Sends `request`, and once more when the first try failed in a way that makes it safe.
async fn send<C>(client: Client<C, Body>, request: BollardRequest) -> Result<Response<Incoming>, BollardError>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let again = replay(&request);
    let method = request.method().clone();
    let error = match traced(&client, request).await {
        Ok(response) => return Ok(response),
        Err(e) => e,
    };
    let failure = retry::classify_chain(&error, error.is_connect());
    match again {
        Some(again) if retry::should_retry(method.as_str(), failure) => {
            tokio::time::sleep(retry::PAUSE).await;
            traced(&client, again).await.map_err(BollardError::from)
        }
        _ => Err(BollardError::from(error)),
    }
}

/// One try of `request`, reported to [`trace`] when someone watches.
async fn traced<C>(client: &Client<C, Body>, request: BollardRequest) -> Result<Response<Incoming>, hyper_util::client::legacy::Error>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let Some(started) = trace::start() else { return client.request(request).await };
    let method = request.method().clone();
    let target = request.uri().path_and_query().map_or_else(String::new, ToString::to_string);
    let result = client.request(request).await;
    let reason = result.as_ref().err().map(ToString::to_string);
    let outcome = match &result {
        Ok(response) => Ok(response.status().as_u16()),
        Err(_) => Err(reason.as_deref().unwrap_or_default()),
    };
    trace::report(Some(started), trace::Peer::Engine, method.as_str(), &target, outcome);
    result
}

/// A copy of `request` to send again; `None` for a streamed body, which cannot be replayed.
fn replay(request: &BollardRequest) -> Option<BollardRequest> {
    let Either::Left(body) = request.body() else { return None };
    let mut copy = Request::new(Either::Left(body.clone()));
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    Some(copy)
}

#[cfg(test)]
mod version_tests {
    use super::*;

    fn request(uri: &str) -> BollardRequest {
        let mut r = Request::new(Either::Left(Full::new(Bytes::new())));
        *r.uri_mut() = uri.parse().expect("uri");
        r
    }

    #[test]
    fn paths_get_the_api_version_once() {
        let cases = [
            ("http://h/containers/json?all=1", "http://h/v1.41/containers/json?all=1"),
            ("unix://6162/_ping", "unix://6162/v1.41/_ping"),
            ("http://h/v1.43/info", "http://h/v1.43/info"),
            ("http://h/volumes", "http://h/v1.41/volumes"),
        ];
        for (uri, want) in cases {
            assert_eq!(versioned(request(uri), "/v1.41").uri().to_string(), want);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use crate::connect::EngineHost;
    use crate::docker::DockerEngine;
    use crate::engine::Engine;
    use crate::types::network::ListOptions;

    /// An engine on a unix socket that drops (without reading it) the connection of as many
    /// requests as `drops` says, and answers the others: the ping with its API version,
    /// reads with `[]`, changes with 204.
    struct Flaky {
        drops: Arc<AtomicUsize>,
        connections: Arc<AtomicUsize>,
        path: std::path::PathBuf,
    }

    impl Flaky {
        fn start(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!("berth-{name}-{}.sock", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let listener = tokio::net::UnixListener::bind(&path).expect("bind a unix socket");
            let drops = Arc::new(AtomicUsize::new(0));
            let connections = Arc::new(AtomicUsize::new(0));
            let (d, c) = (Arc::clone(&drops), Arc::clone(&connections));
            tokio::spawn(async move {
                while let Ok((mut conn, _)) = listener.accept().await {
                    c.fetch_add(1, Ordering::SeqCst);
                    if d.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                        // Closing with the request unread resets the client's connection.
                        drop(conn);
                        continue;
                    }
                    tokio::spawn(async move {
                        let mut head = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match conn.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                        }
                        let head = String::from_utf8_lossy(&head);
                        let answer = if head.starts_with("GET /_ping") {
                            "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK".to_owned()
                        } else if head.starts_with("GET ") {
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]".to_owned()
                        } else {
                            "HTTP/1.1 204 No Content\r\n\r\n".to_owned()
                        };
                        let _ = conn.write_all(answer.as_bytes()).await;
                        let _ = conn.shutdown().await;
                    });
                }
            });
            Self { drops, connections, path }
        }

        /// Connections made while `f` ran, with the next `drops` of them dropped.
        async fn count<T>(&self, drops: usize, f: impl std::future::Future<Output = T>) -> (T, usize) {
            self.drops.store(drops, Ordering::SeqCst);
            let before = self.connections.load(Ordering::SeqCst);
            let out = f.await;
            self.drops.store(0, Ordering::SeqCst);
            (out, self.connections.load(Ordering::SeqCst) - before)
        }
    }

    impl Drop for Flaky {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    #[tokio::test]
    async fn a_read_is_sent_again_once_after_a_reset() {
        let flaky = Flaky::start("retry-read");
        let engine = DockerEngine::connect_host(EngineHost::Unix(flaky.path.clone())).await.expect("connect");
        let (listed, connections) = flaky.count(1, engine.list_networks(&ListOptions::default())).await;
        assert!(listed.expect("the second try answers").is_empty());
        assert_eq!(connections, 2);
        // Once only: a second reset is reported.
        let (listed, connections) = flaky.count(2, engine.list_networks(&ListOptions::default())).await;
        assert!(listed.is_err());
        assert_eq!(connections, 2);
        // The raw client (used for archive stats, configs, builds) does the same.
        let (listed, connections) = flaky.count(1, engine.list_configs(&ListOptions::default())).await;
        assert!(listed.expect("the second try answers").is_empty());
        assert_eq!(connections, 2);
    }

    #[tokio::test]
    async fn a_change_the_engine_may_have_seen_is_not_sent_again() {
        let flaky = Flaky::start("retry-change");
        let engine = DockerEngine::connect_host(EngineHost::Unix(flaky.path.clone())).await.expect("connect");
        let (started, connections) = flaky.count(1, engine.start_container("web")).await;
        assert!(started.is_err());
        assert_eq!(connections, 1);
        let (started, connections) = flaky.count(0, engine.start_container("web")).await;
        started.expect("answered");
        assert_eq!(connections, 1);
    }
}
