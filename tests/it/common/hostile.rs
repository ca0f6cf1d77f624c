//! A hostile or broken API server on 127.0.0.1: raw HTTP/1.1 over tokio, so a
//! test can answer anything — totals that lie, pages without end, bodies of
//! hundreds of megabytes streamed chunk by chunk and never held — on its own
//! thread and runtime, stopped when dropped. Every connection is closed after
//! one answer.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server saw of a request: all a hostile answer needs.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`...
    pub method: String,
    /// The query parameters, as sent (still percent-encoded).
    pub query: BTreeMap<String, String>,
    /// The `Authorization` header as sent.
    pub authorization: String,
}

impl Request {
    /// A numeric query parameter (`offset`, `limit`), 0 when absent.
    pub fn number(&self, name: &str) -> u64 {
        self.query
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

/// An answer.
pub enum Reply {
    /// A JSON body with this status.
    Json { status: u16, body: String },
    /// 429 with `Retry-After: SECONDS`.
    TooMany { retry_after: u32 },
    /// A 200 whose chunked body is `prefix`, then `filler` bytes up to
    /// `total` bytes in all, written 64 KiB at a time as the client reads.
    Stream {
        prefix: String,
        filler: u8,
        total: u64,
    },
}

/// The server; stops on drop.
pub struct Hostile {
    url: String,
    requests: Arc<AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

type Answer = dyn Fn(&Request) -> Reply + Send + Sync;

impl Hostile {
    /// Serves `answer` on an ephemeral loopback port.
    pub fn start(answer: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Hostile {
        let answer: Arc<Answer> = Arc::new(answer);
        let requests = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&requests);
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                addr_tx.send(listener.local_addr().expect("addr")).unwrap();
                let serve = async {
                    loop {
                        let Ok((socket, _)) = listener.accept().await else {
                            continue;
                        };
                        let answer = Arc::clone(&answer);
                        let counter = Arc::clone(&counter);
                        tokio::spawn(async move {
                            // The client may hang up mid-answer: that is its right.
                            let _ = serve_one(socket, &*answer, &counter).await;
                        });
                    }
                };
                tokio::select! {
                    () = serve => {}
                    _ = stopped => {}
                }
            });
        });
        let addr = addr_rx.recv().expect("server address");
        Hostile {
            url: format!("http://{addr}"),
            requests,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The base URL.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Requests answered (or being answered) so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve_one(
    mut socket: TcpStream,
    answer: &Answer,
    counter: &AtomicU64,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await?;
        if n == 0 || head.len() > 64 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    counter.fetch_add(1, Ordering::Relaxed);
    let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 4;
    let (request, length) = parse(&String::from_utf8_lossy(&head[..end]));
    // Read the body, so closing the socket after the answer cannot reset
    // the connection before the client has read it.
    let mut left = length.saturating_sub(head.len() - end);
    while left > 0 {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        left = left.saturating_sub(n);
    }
    match answer(&request) {
        Reply::TooMany { retry_after } => {
            let body = r#"{"statusCode":429,"message":"Too Many Requests"}"#;
            let head = format!(
                "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\
                 retry-after: {retry_after}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(body.as_bytes()).await?;
        }
        Reply::Json { status, body } => {
            let head = format!(
                "HTTP/1.1 {status} Hostile\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(body.as_bytes()).await?;
        }
        Reply::Stream {
            prefix,
            filler,
            total,
        } => {
            socket
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                      transfer-encoding: chunked\r\nconnection: close\r\n\r\n",
                )
                .await?;
            write_chunk(&mut socket, prefix.as_bytes()).await?;
            let block = vec![filler; 64 * 1024];
            let mut left = total.saturating_sub(prefix.len() as u64);
            while left > 0 {
                let n = left.min(block.len() as u64) as usize;
                write_chunk(&mut socket, &block[..n]).await?;
                left -= n as u64;
            }
            socket.write_all(b"0\r\n\r\n").await?;
        }
    }
    socket.shutdown().await
}

async fn write_chunk(socket: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    socket
        .write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await?;
    socket.write_all(data).await?;
    socket.write_all(b"\r\n").await
}

/// The request and its body's length.
fn parse(head: &str) -> (Request, usize) {
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next();
    let query = target
        .and_then(|t| t.split_once('?'))
        .map_or("", |(_, query)| query);
    let query = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let headers: Vec<(&str, &str)> = lines.filter_map(|l| l.split_once(':')).collect();
    let header = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| value.trim())
    };
    let authorization = header("authorization").unwrap_or_default().to_owned();
    let length = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let request = Request {
        method,
        query,
        authorization,
    };
    (request, length)
}

/// A list page of `count` fresh trainings starting at `first`, as JSON.
pub fn page(first: u64, count: u64, total: u64, has_more: bool) -> String {
    let items: Vec<serde_json::Value> = (first..first + count)
        .map(|i| {
            serde_json::json!({
                "id": format!("trn_{i:08}"),
                "title": format!("Training {i}"),
                "content": "Some content",
                "metadata": {"cxtrain_workspace": "hostile", "cxtrain_key": format!("k/{i}")},
            })
        })
        .collect();
    serde_json::json!({
        "items": items,
        "total": total,
        "limit": 100,
        "offset": first,
        "has_more": has_more,
    })
    .to_string()
}

/// How a bounded child process ended.
#[derive(Debug)]
pub struct Finished {
    /// The exit code (`None` if a signal ended it).
    pub code: Option<i32>,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
    /// From spawn to exit.
    pub elapsed: std::time::Duration,
    /// Its peak resident set size in bytes, where the OS reports it.
    pub peak_rss: Option<u64>,
}

/// Address space a bounded child may reserve: a guard so that a regression
/// (today's code allocates ~24 GB for a claimed total of 10⁹) fails the test
/// instead of taking the machine down. Far above what the binary reserves.
#[cfg(target_os = "linux")]
const ADDRESS_SPACE: u64 = 4 << 30;

/// Runs `cmd` to the end with null stdin, killing it and failing the test
/// if it takes longer than `within`.
pub fn run_bounded(mut cmd: std::process::Command, within: std::time::Duration) -> Finished {
    use std::io::Read;
    use std::process::Stdio;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: `setrlimit` is async-signal-safe and touches only the child.
        unsafe {
            cmd.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: ADDRESS_SPACE,
                    rlim_max: ADDRESS_SPACE,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    let started = std::time::Instant::now();
    let mut child = cmd.spawn().expect("the binary starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let (code, peak_rss) = wait_bounded(&mut child, started + within);
    Finished {
        code,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        elapsed: started.elapsed(),
        peak_rss,
    }
}

/// Reaps `child` with `wait4`, which also reports its peak RSS.
#[cfg(unix)]
fn wait_bounded(
    child: &mut std::process::Child,
    deadline: std::time::Instant,
) -> (Option<i32>, Option<u64>) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    loop {
        let mut status = 0;
        // SAFETY: plain out-parameters; `rusage` is valid when zeroed.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
            // Linux reports kilobytes, macOS bytes.
            let unit = if cfg!(target_os = "macos") { 1 } else { 1024 };
            let rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * unit;
            return (code, Some(rss));
        }
        assert!(
            reaped == 0,
            "wait4 failed: {}",
            std::io::Error::last_os_error()
        );
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the binary did not finish in time and was killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[cfg(not(unix))]
fn wait_bounded(
    child: &mut std::process::Child,
    deadline: std::time::Instant,
) -> (Option<i32>, Option<u64>) {
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return (status.code(), None);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the binary did not finish in time and was killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
