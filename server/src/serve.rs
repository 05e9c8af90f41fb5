//! Accepting connections: at most `Limits::max_connections` open at once,
//! and a deadline for each request's headers. (The body's deadline is the
//! API's own: `api::read_body`.)

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum_server::accept::Accept;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use axum_server::Handle;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::limits::Limits;

/// What a connection over the cap reads before it is closed.
const FULL: &[u8] = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
retry-after: 5\r\nconnection: close\r\ncontent-length: 96\r\n\r\n\
{\"error\":\"busy\",\"message\":\"máy chủ đang có quá nhiều kết nối; hãy thử lại sau\"}"
    .as_bytes();

/// Connections the kernel may hold for the server to accept: a burst of
/// clients connecting at once is queued, not dropped (std's default is 128).
const BACKLOG: u32 = 1024;

/// A non-blocking listener on `addr` with a deep accept queue.
pub fn listen(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)?.into_std()
}

/// Serve `router` on `listener` (HTTPS with `tls`) until `handle` shuts it
/// down.
pub async fn run(
    listener: std::net::TcpListener,
    router: Router,
    limits: &Limits,
    tls: Option<RustlsConfig>,
    handle: Handle<SocketAddr>,
) -> io::Result<()> {
    let cap = ConnectionCap(Arc::new(Semaphore::new(limits.max_connections.max(1))));
    // The peer's address reaches handlers (/metrics answers only some).
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut server = axum_server::from_tcp(listener)?.handle(handle);
    let http = server.http_builder();
    http.http1().header_read_timeout(limits.header_timeout);
    let server = server.first_request_timeout(limits.header_timeout);
    match tls {
        Some(tls) => {
            server
                .acceptor(RustlsAcceptor::new(tls).acceptor(cap))
                .serve(service)
                .await
        }
        None => server.acceptor(cap).serve(service).await,
    }
}

/// Admits a connection while a slot is free; else answers 503 and closes.
#[derive(Clone)]
struct ConnectionCap(Arc<Semaphore>);

impl<S> Accept<TcpStream, S> for ConnectionCap {
    type Stream = Counted;
    type Service = S;
    type Future = std::future::Ready<io::Result<(Counted, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        std::future::ready(match self.0.clone().try_acquire_owned() {
            Ok(permit) => Ok((
                Counted {
                    stream,
                    _slot: permit,
                },
                service,
            )),
            Err(_) => {
                // A fresh socket's send buffer is empty: this never blocks.
                let _ = stream.try_write(FULL);
                tracing::debug!("connection refused: too many open");
                Err(io::Error::other("too many connections"))
            }
        })
    }
}

/// A connection that frees its slot when it closes.
pub struct Counted {
    stream: TcpStream,
    _slot: OwnedSemaphorePermit,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_reply_announces_its_length() {
        let text = std::str::from_utf8(FULL).unwrap();
        let (_, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(text.contains(&format!("content-length: {}\r\n", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"], "busy");
    }
}
