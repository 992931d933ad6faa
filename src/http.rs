//! The HTTP transport every provider shares: one keep-alive `ureq` agent per client, connect and
//! overall deadlines, an optional proxy, verified TLS, a cap on the response size, no redirects
//! followed, and failures classified by whether the request can have reached the provider.

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::config::Config;
use ureq::http::{self, Method, Uri};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, TcpConnector, Transport,
};

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::i18n::{Arg, Said, Text};
use crate::status::VlStatus;
use crate::tls::{TlsConnector, read_ca_file};

/// Largest response body accepted from a provider. Real answers are a few kilobytes.
pub(crate) const MAX_RESPONSE_BYTES: u64 = 1024 * 1024;

/// A money-moving request is never sent on a connection that has been idle longer than this.
/// A server closes idle keep-alive connections after its own timeout (Apache httpd and Node.js:
/// 5 s, the shortest common default; nginx 75 s; IIS 120 s), and a request sent just as it closes
/// is lost with the connection — for a money-moving request, an outcome in doubt. Two seconds
/// stays well clear of the shortest common timeout, and costs nothing at a till where a balance
/// read comes just before the redeem. Reads keep ureq's 15 s (a lost read is simply retried).
pub(crate) const MONEY_MAX_IDLE: Duration = Duration::from_secs(2);

/// One request to a provider.
#[derive(Debug)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: Method,
    /// Full URL, which may carry secrets (e-guma's `apikey`): never logged.
    pub url: String,
    /// What may be logged instead of the URL: method-less path, codes masked, no secrets.
    pub log_target: String,
    /// Extra headers (authorization, provider headers).
    pub headers: Vec<(&'static str, String)>,
    /// JSON body, sent as `application/json`.
    pub json_body: Option<Vec<u8>>,
    /// Text body (its content type is among the headers).
    pub text_body: Option<String>,
}

impl HttpRequest {
    /// A GET request.
    pub fn get(url: String, log_target: String) -> Self {
        HttpRequest { method: Method::GET, url, log_target, headers: Vec::new(), json_body: None, text_body: None }
    }

    /// A POST request with a JSON body.
    pub fn post_json<B: serde::Serialize + ?Sized>(url: String, log_target: String, body: &B) -> Self {
        HttpRequest {
            method: Method::POST,
            url,
            log_target,
            headers: Vec::new(),
            // Straight to bytes (Display would go through the formatting machinery). The bodies
            // are Values and plain structs: they always serialize.
            json_body: Some(serde_json::to_vec(body).unwrap_or_default()),
            text_body: None,
        }
    }

    /// A POST request without a body (as e-guma's own clients activate a depot voucher).
    pub fn post_empty(url: String, log_target: String) -> Self {
        HttpRequest { method: Method::POST, url, log_target, headers: Vec::new(), json_body: None, text_body: None }
    }

    /// A POST request with a text body of the given content type (an OAuth2 form, a raw token).
    pub fn post_text(url: String, log_target: String, content_type: &str, body: String) -> Self {
        HttpRequest {
            method: Method::POST,
            url,
            log_target,
            headers: vec![("content-type", content_type.to_string())],
            json_body: None,
            text_body: Some(body),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// A provider's complete answer.
#[derive(Debug)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// The body (at most [`MAX_RESPONSE_BYTES`]).
    pub body: Vec<u8>,
    /// Time from sending to the last byte.
    pub elapsed: Duration,
    /// The answer's headers, kept only while TRACE logging is on (for `--trace`).
    pub headers: Vec<(String, String)>,
}

impl HttpResponse {
    /// The body as UTF-8 text, if it is.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }
}

/// Why no usable answer came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Nothing reached the provider (no connection, name not resolved, TLS refused): nothing can
    /// have changed.
    NotSent(String),
    /// The request may have reached the provider, but the connection was reset or closed
    /// without a complete answer. For a money-moving request the outcome is unknown.
    AnswerLost(String),
    /// The request may have reached the provider, but no complete answer came back before the
    /// deadline; the provider may still be working on it.
    TimedOut(String),
    /// An answer came back but could not be read (over the size cap, not HTTP).
    BadAnswer(String),
}

impl Failure {
    /// The error for a request of `provider` that got no usable answer, when nothing can have
    /// changed (a read, or a money-moving request that provably did not reach the provider).
    pub fn error(&self, provider: &'static str) -> Error {
        // The cashier's words in the till's language; the technical detail stays English, for support.
        let unreachable = |detail: String| {
            Error::said(VlStatus::VL_NETWORK, Said::new(Text::Unreachable).with("detail", Arg::Plain(detail)))
        };
        let error = match self {
            Failure::NotSent(d) => unreachable(d.clone()),
            Failure::AnswerLost(d) | Failure::TimedOut(d) => unreachable(format!("no answer: {d}")),
            Failure::BadAnswer(d) => Error::provider_failure(format!("unusable answer from {provider}: {d}")),
        };
        error.with_provider(provider)
    }

    /// The explanation, for messages.
    pub fn detail(&self) -> &str {
        match self {
            Failure::NotSent(d) | Failure::AnswerLost(d) | Failure::TimedOut(d) | Failure::BadAnswer(d) => d,
        }
    }
}

/// The transport of one client.
pub struct Http {
    agent: Agent,
    /// How long each server keeps an idle connection, as it said (`Keep-Alive: timeout=N`), by
    /// the URL's scheme and authority: a connection idle longer is not reused.
    keep_alive: Mutex<Vec<(String, Duration)>>,
}

/// A connection is not reused within this margin of the server's own idle timeout (at most a
/// quarter of it): the server may be closing it just as the request goes out.
const KEEP_ALIVE_MARGIN: Duration = Duration::from_secs(1);

/// The scheme and authority of a URL (`https://api.e-guma.ch:443`), the key of [`Http::keep_alive`].
fn origin(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..].find(['/', '?']).map_or(url.len(), |i| start + i);
    &url[..end]
}

/// The idle timeout a server announces: `Keep-Alive: timeout=5, max=100` (RFC 9112 names the
/// header; Apache httpd and Node.js send it, with their 5 s default).
fn announced_idle(value: &str) -> Option<Duration> {
    value.split(',').find_map(|part| {
        let (name, seconds) = part.split_once('=')?;
        (name.trim().eq_ignore_ascii_case("timeout")).then(|| seconds.trim().parse().ok().map(Duration::from_secs))?
    })
}

impl Http {
    /// Builds the agent from the client's settings (deadlines, proxy, extra roots).
    pub fn new(settings: &Settings) -> Result<Http> {
        let proxy = match &settings.proxy {
            Some(p) => Some(ureq::Proxy::new(p).map_err(|e| Error::config(format!("`proxy` is not usable: {e}")))?),
            // Never picked up from the environment: a till's traffic goes where its configuration says.
            None => None,
        };
        let extra_roots = match &settings.ca_file {
            Some(path) => read_ca_file(path)?,
            None => Vec::new(),
        };
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(proxy)
            .timeout_global(Some(settings.timeout()))
            .timeout_connect(Some(settings.connect_timeout()))
            .user_agent(concat!("voucherlink/", env!("CARGO_PKG_VERSION")))
            .accept("application/json, text/plain;q=0.9, */*;q=0.1")
            // Several lanes may share one client: keep their connections.
            .max_idle_connections(32)
            .max_idle_connections_per_host(16)
            .max_idle_age(READ_MAX_IDLE)
            .build();
        // ureq's default chain for an HTTP(S) proxy and plain TCP, steady socket timeouts, and
        // TLS verified by the operating system (src/tls.rs).
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector::default())
                .chain(SteadyTimeouts)
                .chain(TlsConnector::new(extra_roots));
        let agent = Agent::with_parts(config, connector, CachingResolver::default());
        Ok(Http { agent, keep_alive: Mutex::new(Vec::new()) })
    }

    /// Sends one request and reads the whole answer within `budget` (connecting, sending and
    /// reading the body, however slowly the bytes come). HTTP error statuses are answers, not
    /// failures; redirects are unusable answers, never followed. A money-moving request goes on a
    /// connection idle at most [`MONEY_MAX_IDLE`] (else a new one).
    pub fn send(
        &self,
        request: &HttpRequest,
        budget: Duration,
        moves_money: bool,
    ) -> std::result::Result<HttpResponse, Failure> {
        let mut max_idle = if moves_money { MONEY_MAX_IDLE } else { READ_MAX_IDLE };
        if let Some(server) = self.server_idle(&request.url) {
            // Never a connection the server has closed or is closing: a read would have to be
            // retried, a money-moving request would be in doubt.
            max_idle = max_idle.min(server.saturating_sub(KEEP_ALIVE_MARGIN.min(server / 4)));
        }
        let started = Instant::now();
        let mut builder = http::Request::builder().method(request.method.clone()).uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        let invalid = |e: http::Error| Failure::NotSent(format!("invalid request: {e}"));
        let result = match (&request.json_body, &request.text_body) {
            (Some(body), _) => builder
                .header("content-type", "application/json")
                .body(body.as_slice())
                .map_err(invalid)
                .and_then(|r| self.run(r, budget, max_idle)),
            (None, Some(form)) => {
                builder.body(form.as_bytes()).map_err(invalid).and_then(|r| self.run(r, budget, max_idle))
            }
            // An empty POST says so (Content-Length: 0) rather than being sent chunked.
            (None, None) if request.method == Method::POST => {
                builder.body(&[][..]).map_err(invalid).and_then(|r| self.run(r, budget, max_idle))
            }
            (None, None) => builder.body(()).map_err(invalid).and_then(|r| self.run(r, budget, max_idle)),
        };
        let mut response = result?;
        let status = response.status().as_u16();
        if let Some(idle) = response.headers().get("keep-alive").and_then(|v| v.to_str().ok()).and_then(announced_idle)
        {
            self.remember_server_idle(&request.url, idle);
        }
        if (300..400).contains(&status) {
            let location = response.headers().get("location").and_then(|v| v.to_str().ok());
            // Redirects are never followed (a provider's answers, credentials and vouchers go to
            // the configured host only): an unusable answer, naming where it pointed.
            return Err(Failure::BadAnswer(format!(
                "a redirect (HTTP {status}) to {}, which is not followed: check `base_url`",
                location.unwrap_or("nowhere")
            )));
        }
        // Sized from Content-Length when there is one: the body is then read in one go, not
        // probed and grown (a few thousand instructions per answer, measured with callgrind).
        let expected = response.body().content_length().unwrap_or(0).min(MAX_RESPONSE_BYTES);
        let mut body = Vec::with_capacity(expected as usize + 1);
        let mut reader = response.body_mut().with_config().limit(MAX_RESPONSE_BYTES).reader();
        std::io::Read::read_to_end(&mut reader, &mut body).map_err(|e| classify(ureq::Error::from(e)))?;
        let headers = if crate::log::enabled(crate::log::Level::Trace) {
            response
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect()
        } else {
            Vec::new()
        };
        Ok(HttpResponse { status, body, elapsed: started.elapsed(), headers })
    }
}

impl Http {
    fn server_idle(&self, url: &str) -> Option<Duration> {
        let known = self.keep_alive.lock().unwrap_or_else(|p| p.into_inner());
        if known.is_empty() {
            return None;
        }
        let origin = origin(url);
        known.iter().find(|(o, _)| o == origin).map(|(_, d)| *d)
    }

    fn remember_server_idle(&self, url: &str, idle: Duration) {
        let origin = origin(url);
        let mut known = self.keep_alive.lock().unwrap_or_else(|p| p.into_inner());
        match known.iter_mut().find(|(o, _)| o == origin) {
            Some((_, d)) => *d = idle,
            None => known.push((origin.to_string(), idle)),
        }
    }

    fn run<B: ureq::AsSendBody>(
        &self,
        request: http::Request<B>,
        budget: Duration,
        max_idle: Duration,
    ) -> Result<http::Response<ureq::Body>, Failure> {
        let request = self.agent.configure_request(request).timeout_global(Some(budget)).max_idle_age(max_idle).build();
        self.agent.run(request).map_err(classify)
    }
}

/// Reads may reuse a connection idle this long (ureq's default).
const READ_MAX_IDLE: Duration = Duration::from_secs(15);

/// Socket timeouts are rounded up to this step.
const TIMEOUT_STEP_MS: u64 = 10;

/// Rounds the time a socket read or write may take up to the next [`TIMEOUT_STEP_MS`]. ureq sets
/// the socket's timeout (a `setsockopt` syscall) whenever the value it passes changes, and the
/// time left before a deadline changes by microseconds from one request to the next: unrounded,
/// that is ten syscalls per redeem + cancel pair. Rounded, the value stays the same from request
/// to request, and a deadline may be overshot by at most 10 ms.
#[derive(Debug)]
struct SteadyTimeouts;

impl<In: Transport> Connector<In> for SteadyTimeouts {
    type Out = SteadyTransport<In>;

    fn connect(&self, _details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(SteadyTransport))
    }
}

/// A transport whose timeouts are rounded as [`SteadyTimeouts`] says.
#[derive(Debug)]
struct SteadyTransport<T>(T);

fn steady(mut timeout: NextTimeout) -> NextTimeout {
    if !timeout.after.is_not_happening() && !timeout.after.is_zero() {
        let micros = u64::try_from(timeout.after.as_micros()).unwrap_or(u64::MAX);
        let step = TIMEOUT_STEP_MS * 1000;
        timeout.after = UreqDuration::from(Duration::from_micros(micros.div_ceil(step).saturating_mul(step)));
    }
    timeout
}

impl<T: Transport> Transport for SteadyTransport<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> std::result::Result<(), ureq::Error> {
        self.0.transmit_output(amount, steady(timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> std::result::Result<bool, ureq::Error> {
        self.0.await_input(steady(timeout))
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}

/// How long a host name's addresses are reused before they are looked up again.
const RESOLVED_TTL: Duration = Duration::from_secs(60);

/// Name resolution without a thread per request. ureq resolves before it looks in its connection
/// pool, and its default resolver starts a thread for every lookup that has a deadline; here an IP
/// literal needs no lookup, and a host name is looked up (by ureq's resolver, within the deadline)
/// once a minute. (ureq's resolver interface is "unversioned": pinned by Cargo.lock.)
#[derive(Debug, Default)]
struct CachingResolver {
    inner: DefaultResolver,
    /// Authority (`host:port` as in the URL) → addresses and when they were looked up (None: an
    /// IP literal, which never expires). A client talks to one or two hosts: a list beats hashing.
    cache: Mutex<Vec<(String, ResolvedSocketAddrs, Option<Instant>)>>,
}

impl Resolver for CachingResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(authority) = uri.authority() else { return self.inner.resolve(uri, config, timeout) };
        let key = authority.as_str();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, addrs, at)) = cache.iter().find(|(k, ..)| k == key)
            && at.is_none_or(|at| at.elapsed() < RESOLVED_TTL)
        {
            return Ok(addrs.clone());
        }
        drop(cache);
        let default_port = if uri.scheme_str() == Some("https") { 443 } else { 80 };
        let port = authority.port_u16().unwrap_or(default_port);
        let host = authority.host().trim_start_matches('[').trim_end_matches(']');
        let (addrs, looked_up) = match host.parse::<IpAddr>() {
            Ok(ip) => {
                let mut addrs = self.empty();
                addrs.push(SocketAddr::new(ip, port));
                (addrs, None)
            }
            Err(_) => (self.inner.resolve(uri, config, timeout)?, Some(Instant::now())),
        };
        cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(k, ..)| k != key);
        cache.push((key.to_string(), addrs.clone(), looked_up));
        Ok(addrs)
    }
}

/// Sorts a ureq error by whether the request can have reached the provider. When in doubt, it
/// is treated as reached: a lost answer is never mistaken for "nothing happened".
fn classify(error: ureq::Error) -> Failure {
    use rustls::CertificateError;
    use ureq::Error as E;
    use ureq::Timeout as T;
    match error {
        E::HostNotFound => Failure::NotSent("the provider's host name could not be resolved".into()),
        E::ConnectionFailed => Failure::NotSent("could not connect to the provider".into()),
        E::Timeout(T::Connect | T::Resolve) => Failure::NotSent("timed out while connecting to the provider".into()),
        E::Tls(m) => Failure::NotSent(format!("TLS failed: {m}")),
        E::Rustls(e @ rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => Failure::NotSent(format!(
            "TLS failed: {e} (if this network's proxy or firewall re-signs TLS, trust its root CA in \
             the system's certificate store or name it in `ca_file`)"
        )),
        E::Rustls(
            e @ rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ),
        ) => Failure::NotSent(format!("TLS failed: {e} (check the host name in `base_url`)")),
        E::Rustls(e) => Failure::NotSent(format!("TLS failed: {e}")),
        E::ConnectProxyFailed(m) => Failure::NotSent(format!("the proxy refused the connection: {m}")),
        E::InvalidProxyUrl => Failure::NotSent("the proxy URL is invalid".into()),
        E::BadUri(m) => Failure::NotSent(format!("invalid URL: {m}")),
        E::Http(e) => Failure::NotSent(format!("invalid request: {e}")),
        E::Timeout(kind) => Failure::TimedOut(format!("no answer in time ({kind})")),
        E::Io(e) => Failure::AnswerLost(format!("connection lost: {e}")),
        E::BodyExceedsLimit(limit) => Failure::BadAnswer(format!("the answer is larger than {limit} bytes")),
        E::LargeResponseHeader(..) => Failure::BadAnswer("the answer's headers are too large".into()),
        E::Protocol(e) => Failure::BadAnswer(format!("the answer is not valid HTTP: {e}")),
        other => Failure::AnswerLost(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_servers_announced_idle_timeout_is_read() {
        assert_eq!(announced_idle("timeout=5, max=100"), Some(Duration::from_secs(5)));
        assert_eq!(announced_idle("max=100, Timeout = 15"), Some(Duration::from_secs(15)));
        assert_eq!(announced_idle("max=100"), None);
        assert_eq!(announced_idle("timeout=soon"), None);
        assert_eq!(origin("https://api.e-guma.ch/v1/vouchers/X/balance.json?apikey=k"), "https://api.e-guma.ch");
        assert_eq!(origin("http://127.0.0.1:8080?x"), "http://127.0.0.1:8080");
    }
    use super::*;

    #[test]
    fn socket_timeouts_are_rounded_up_to_a_steady_step() {
        let left = |d: Duration| NextTimeout { after: d.into(), ..NextTimeout::default() };
        let rounded = |d: Duration| *steady(left(d)).after;
        assert_eq!(rounded(Duration::from_micros(14_999_950)), Duration::from_secs(15));
        assert_eq!(rounded(Duration::from_micros(14_990_001)), Duration::from_secs(15));
        assert_eq!(rounded(Duration::from_micros(1)), Duration::from_millis(10), "never rounded down to nothing");
        assert_eq!(rounded(Duration::from_millis(20)), Duration::from_millis(20));
        assert!(steady(left(Duration::ZERO)).after.is_zero(), "an expired deadline stays expired");
        assert!(steady(NextTimeout::default()).after.is_not_happening());
    }

    #[test]
    fn ip_literals_need_no_lookup_and_names_are_kept() {
        let resolver = CachingResolver::default();
        let config = Config::default();
        let timeout = NextTimeout {
            after: Duration::from_secs(2).into(),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        let ip: Uri = "http://127.0.0.1:8080/x".parse().unwrap();
        let addrs = resolver.resolve(&ip, &config, timeout).unwrap();
        assert_eq!(addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["127.0.0.1:8080"]);
        let v6: Uri = "https://[::1]/x".parse().unwrap();
        assert_eq!(resolver.resolve(&v6, &config, timeout).unwrap()[0].to_string(), "[::1]:443");
        let name: Uri = "http://localhost:9/x".parse().unwrap();
        let first = resolver.resolve(&name, &config, timeout).unwrap();
        assert!(!first.is_empty());
        let cache = resolver.cache.lock().unwrap();
        assert!(
            cache.iter().any(|(key, _, at)| key == "localhost:9" && at.is_some()),
            "a name is cached with its lookup time"
        );
        assert!(
            cache.iter().any(|(key, _, at)| key == "127.0.0.1:8080" && at.is_none()),
            "an IP literal never expires"
        );
    }
}
