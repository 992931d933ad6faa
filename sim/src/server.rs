//! A small HTTP/1.1 server on std threads: keep-alive, `Content-Length` bodies, and replies that
//! can close the connection without answering or answer late (fault injection); plain or TLS.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// Largest request head accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// An idle keep-alive connection is closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// One HTTP request as received.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path, percent-decoded per segment is up to the handler; this is the raw path.
    pub path: String,
    /// Query parameters, percent-decoded.
    pub query: Vec<(String, String)>,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How long the connection was idle before this request (None: its first request).
    pub idle_before: Option<Duration>,
}

impl Request {
    /// A header's value (name is case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// A query parameter's value.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// An answer to send.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Content type of the body.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
    /// Send only this many bytes of the body, then close the connection.
    pub cut_body_at: Option<usize>,
}

impl Response {
    /// A JSON answer.
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::raw(status, "application/json; charset=utf-8", value.to_string().into_bytes())
    }

    /// A plain-text answer.
    pub fn text(status: u16, text: &str) -> Response {
        Response::raw(status, "text/plain; charset=utf-8", text.as_bytes().to_vec())
    }

    /// Any answer.
    pub fn raw(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type: content_type.to_string(),
            body,
            headers: Vec::new(),
            delay: None,
            cut_body_at: None,
        }
    }
}

/// What to do with a request.
pub enum Reply {
    /// Send this answer.
    Respond(Response),
    /// Close the connection without answering.
    Close,
    /// Answer nothing; run `apply` after this long, then close the connection.
    Late(Duration, Box<dyn FnOnce() + Send>),
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Respond(r) => f.debug_tuple("Respond").field(r).finish(),
            Reply::Close => f.write_str("Close"),
            Reply::Late(d, _) => f.debug_tuple("Late").field(d).finish(),
        }
    }
}

/// Handles requests; called from connection threads.
pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A running server.
pub struct Server {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    connections: Arc<AtomicU64>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    accept_thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `listen` (port 0 picks a free port) and serves `handler` until stopped, over TLS
    /// when `tls` is given.
    pub fn start(listen: &str, handler: Handler, tls: Option<Arc<ServerConfig>>) -> io::Result<Server> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicU64::new(0));
        let open = Arc::new(Mutex::new(Vec::new()));
        let accept_thread = {
            let (stopping, connections, open) = (stopping.clone(), connections.clone(), open.clone());
            thread::Builder::new().name("sim-accept".into()).spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    if let Ok(clone) = stream.try_clone() {
                        let mut open = open.lock().unwrap();
                        open.retain(|s: &TcpStream| s.peer_addr().is_ok());
                        open.push(clone);
                    }
                    let (handler, tls) = (handler.clone(), tls.clone());
                    let _ = thread::Builder::new()
                        .name("sim-conn".into())
                        .spawn(move || serve_connection(stream, tls, handler));
                }
            })?
        };
        Ok(Server { addr, stopping, connections, open, accept_thread: Some(accept_thread) })
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    /// The live counter of accepted connections.
    pub fn connection_counter(&self) -> Arc<AtomicU64> {
        self.connections.clone()
    }

    /// Stops accepting and closes every open connection.
    pub fn stop(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve_connection(stream: TcpStream, tls: Option<Arc<ServerConfig>>, handler: Handler) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let Ok(socket) = stream.try_clone() else { return };
    let Ok(closer) = stream.try_clone() else { return };
    match tls {
        None => serve(stream, socket, handler),
        // The handshake happens at the first read; a client that refuses the certificate ends it.
        Some(config) => {
            if let Ok(connection) = ServerConnection::new(config) {
                serve(StreamOwned::new(connection, stream), socket, handler);
            }
        }
    }
    // The connection is over: close it, whatever other handle (the server's list of open
    // connections, kept to close them all on stop) still refers to it.
    let _ = closer.shutdown(Shutdown::Both);
}

/// Serves the requests of one connection; `socket` is its TCP socket, for closing it abruptly.
fn serve<S: Read + Write>(mut stream: S, socket: TcpStream, handler: Handler) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut answered_at: Option<Instant> = None;
    loop {
        let mut request = match read_request(&mut stream, &mut buf) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(answer) => {
                let _ = write_response(&mut stream, &answer, true);
                return;
            }
        };
        request.idle_before = answered_at.map(|at| at.elapsed());
        let close_after = request.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        match handler(&request) {
            Reply::Close => {
                let _ = socket.shutdown(Shutdown::Both);
                return;
            }
            Reply::Late(after, apply) => {
                thread::sleep(after);
                apply();
                let _ = socket.shutdown(Shutdown::Both);
                return;
            }
            Reply::Respond(response) => {
                if let Some(d) = response.delay {
                    thread::sleep(d);
                }
                let cut = response.cut_body_at.is_some();
                if write_response(&mut stream, &response, close_after).is_err() || close_after || cut {
                    return;
                }
                answered_at = Some(Instant::now());
            }
        }
    }
}

/// Reads one request. `Ok(None)`: the peer closed. `Err(response)`: a malformed request, to be
/// answered before closing.
fn read_request(stream: &mut impl Read, buf: &mut Vec<u8>) -> Result<Option<Request>, Response> {
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(Response::text(431, "Request header too large"));
        }
        if !fill(stream, buf) {
            return Ok(None);
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(&buf[..head_end]) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(Response::text(400, "Malformed HTTP request")),
    }
    let method = parsed.method.unwrap_or("").to_string();
    let target = parsed.path.unwrap_or("/").to_string();
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned()))
        .collect();
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string());
    if header("transfer-encoding").is_some() {
        return Err(Response::text(411, "Send a Content-Length; chunked bodies are not accepted"));
    }
    let length = match header("content-length") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| Response::text(400, "Invalid Content-Length"))?,
    };
    if length > MAX_BODY_BYTES {
        return Err(Response::text(413, "Request body too large"));
    }
    while buf.len() < head_end + length {
        if !fill(stream, buf) {
            return Ok(None);
        }
    }
    let body = buf[head_end..head_end + length].to_vec();
    buf.drain(..head_end + length);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), parse_query(q)),
        None => (target, Vec::new()),
    };
    Ok(Some(Request { method, path, query, headers, body, idle_before: None }))
}

fn fill(stream: &mut impl Read, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk) {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

fn write_response(stream: &mut impl Write, response: &Response, close: bool) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(if close { "Connection: close\r\n\r\n" } else { "\r\n" });
    let mut bytes = head.into_bytes();
    let body = match response.cut_body_at {
        Some(at) => &response.body[..at.min(response.body.len())],
        None => &response.body[..],
    };
    bytes.extend_from_slice(body);
    stream.write_all(&bytes)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
        })
        .collect()
}

/// Decodes `%XX` escapes (invalid escapes are kept as written).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%2Fb%20c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%C3%A4"), "ä");
    }
}
