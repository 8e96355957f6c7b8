//! Whether a request that failed on its way to the engine is sent once more.
//!
//! Every request opens a connection of its own, and an engine under load (Podman's service
//! especially) now and then refuses one or resets it before answering. A second try is safe
//! only when it cannot do anything twice: a read (`GET`, `HEAD`) may be sent again whatever
//! happened to the first; a request that changes state only when the first one is known
//! never to have reached the engine (no connection was made). Failures after a response
//! began, timeouts and local errors are never retried, and nothing is retried twice.

use std::error::Error as StdError;
use std::io::ErrorKind;
use std::time::Duration;

/// How long to wait before the second try: long enough for a busy engine to accept again,
/// short enough not to be noticed.
pub(crate) const PAUSE: Duration = Duration::from_millis(100);

/// Runs `attempt` once more, after [`PAUSE`], when its first failure is one
/// [`should_retry`] deems safe for `method`; the error that stands is the last one.
pub(crate) async fn at_most_twice<T, F, Fut>(method: &str, mut attempt: F) -> Result<T, crate::error::EngineError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, (Failure, crate::error::EngineError)>>,
{
    match attempt().await {
        Err((failure, _)) if should_retry(method, failure) => {
            tokio::time::sleep(PAUSE).await;
            attempt().await.map_err(|(_, e)| e)
        }
        other => other.map_err(|(_, e)| e),
    }
}

/// How far a failed request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No connection was made (refused, the socket's backlog full): the engine never saw the
    /// request.
    NotConnected,
    /// The connection was reset or closed before a response arrived: the engine may or may
    /// not have acted on the request.
    ConnectionLost,
    /// Anything else: an answer, a timeout, a local error, a missing socket.
    Other,
}

/// Whether a `method` request that failed with `failure` is sent once more.
pub(crate) fn should_retry(method: &str, failure: Failure) -> bool {
    match failure {
        Failure::NotConnected => true,
        Failure::ConnectionLost => is_read(method),
        Failure::Other => false,
    }
}

/// Reads change nothing on the engine, so sending one twice is harmless.
fn is_read(method: &str) -> bool {
    method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD")
}

/// The failure of an I/O error, `connecting` when it came from opening the connection.
pub(crate) fn classify_io(error: &std::io::Error, connecting: bool) -> Failure {
    match error.kind() {
        // A unix socket whose backlog is full answers EAGAIN; a TCP one, refused.
        ErrorKind::ConnectionRefused | ErrorKind::WouldBlock if connecting => Failure::NotConnected,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof
            if !connecting =>
        {
            Failure::ConnectionLost
        }
        _ => Failure::Other,
    }
}

/// The failure of an HTTP client error, from its chain of causes: the first I/O error, or
/// hyper's "connection closed before message completed". `connecting` says whether the
/// client reported it while opening the connection.
pub(crate) fn classify_chain(error: &(dyn StdError + 'static), connecting: bool) -> Failure {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return classify_io(io, connecting);
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            // Closed before the answer began, or before the request could be written.
            if (h.is_incomplete_message() || h.is_canceled()) && !connecting {
                return Failure::ConnectionLost;
            }
        }
        cause = e.source();
    }
    Failure::Other
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn reads_are_retried_after_a_reset_or_a_refusal() {
        for method in ["GET", "HEAD", "get"] {
            assert!(should_retry(method, Failure::ConnectionLost), "{method}");
            assert!(should_retry(method, Failure::NotConnected), "{method}");
            assert!(!should_retry(method, Failure::Other), "{method}");
        }
    }

    #[test]
    fn changes_are_retried_only_when_they_never_reached_the_engine() {
        for method in ["POST", "PUT", "DELETE"] {
            assert!(should_retry(method, Failure::NotConnected), "{method}");
            assert!(!should_retry(method, Failure::ConnectionLost), "{method}: the engine may have acted on it");
            assert!(!should_retry(method, Failure::Other), "{method}");
        }
    }

    #[test]
    fn io_errors_by_stage() {
        let e = |kind| io::Error::new(kind, "x");
        assert_eq!(classify_io(&e(ErrorKind::ConnectionRefused), true), Failure::NotConnected);
        assert_eq!(classify_io(&e(ErrorKind::WouldBlock), true), Failure::NotConnected);
        // A missing socket or a permission problem does not go away on its own.
        assert_eq!(classify_io(&e(ErrorKind::NotFound), true), Failure::Other);
        assert_eq!(classify_io(&e(ErrorKind::PermissionDenied), true), Failure::Other);
        let reset = io::Error::from_raw_os_error(104);
        assert_eq!(reset.kind(), ErrorKind::ConnectionReset);
        assert_eq!(classify_io(&reset, false), Failure::ConnectionLost);
        assert_eq!(classify_io(&e(ErrorKind::BrokenPipe), false), Failure::ConnectionLost);
        assert_eq!(classify_io(&e(ErrorKind::UnexpectedEof), false), Failure::ConnectionLost);
        // Once connected, a refusal cannot happen; an unknown error is not retried.
        assert_eq!(classify_io(&e(ErrorKind::ConnectionRefused), false), Failure::Other);
        assert_eq!(classify_io(&e(ErrorKind::TimedOut), false), Failure::Other);
    }

    /// An error wrapping another, as the HTTP client's errors wrap the I/O error.
    #[derive(Debug)]
    struct Wrapped(io::Error);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (SendRequest)")
        }
    }

    impl StdError for Wrapped {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn causes_are_followed_to_the_io_error() {
        let reset = Wrapped(io::Error::from_raw_os_error(104));
        assert_eq!(classify_chain(&reset, false), Failure::ConnectionLost);
        let refused = Wrapped(io::Error::from_raw_os_error(111));
        assert_eq!(classify_chain(&refused, true), Failure::NotConnected);
        let plain = io::Error::other("no");
        assert_eq!(classify_chain(&plain, false), Failure::Other);
    }
}
