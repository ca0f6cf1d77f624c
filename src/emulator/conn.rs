//! Connections the emulator can sever on purpose: the "commit then drop the
//! response" fault stores a write and then makes its connection fail, so the
//! client sees the connection close with no response at all.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A request's handle on its own connection (a request extension through
/// axum's `ConnectInfo`).
#[derive(Debug, Clone, Default)]
pub struct ConnHandle(Arc<AtomicBool>);

impl ConnHandle {
    /// Makes every further read and write on the connection fail, so the
    /// server drops it before writing the pending response.
    pub fn sever(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn is_severed(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A TCP listener whose connections carry a [`ConnHandle`].
#[derive(Debug)]
pub struct SeverableListener(pub TcpListener);

/// A TCP stream that fails once its handle is severed.
#[derive(Debug)]
pub struct SeverableStream {
    inner: TcpStream,
    handle: ConnHandle,
}

impl Listener for SeverableListener {
    type Io = SeverableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (inner, addr) = Listener::accept(&mut self.0).await;
        let handle = ConnHandle::default();
        (SeverableStream { inner, handle }, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, SeverableListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, SeverableListener>) -> Self {
        stream.io().handle.clone()
    }
}

fn severed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "response dropped by fault injection",
    )
}

impl AsyncRead for SeverableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.handle.is_severed() {
            return Poll::Ready(Err(severed()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for SeverableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.handle.is_severed() {
            return Poll::Ready(Err(severed()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.handle.is_severed() {
            return Poll::Ready(Err(severed()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
