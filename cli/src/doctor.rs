//! `voucherlink doctor --config till.json`: the first-contact check a person on site runs. Each
//! step says ✓ or ✗ with its time and, on ✗, the likely cause and the fix. Never moves money;
//! never shows a secret.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{Value, json};
use voucherlink::internals::support;
use voucherlink::{Client, Error, Operation, VlStatus};

use crate::output;

/// `voucherlink doctor` arguments.
#[derive(Args)]
pub struct DoctorArgs {
    /// The till's configuration: a file holding the JSON of vl_client_new.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// A real voucher code to look up at the end (read only).
    #[arg(long)]
    code: Option<String>,
}

/// The report so far: the first failure's exit code.
struct Steps {
    failed: Option<u8>,
}

impl Steps {
    fn ok(&self, step: &str, took: Duration, detail: &str) {
        println!("✓ {step:<15} {:>5} ms  {detail}", took.as_millis());
    }

    fn warn(&self, step: &str, detail: &str) {
        println!("! {step:<15}           {detail}");
    }

    fn fail(&mut self, step: &str, took: Duration, what: &str, cause: &str, fix: &str, code: u8) {
        println!("✗ {step:<15} {:>5} ms  {what}", took.as_millis());
        if !cause.is_empty() {
            println!("    likely cause: {cause}");
        }
        if !fix.is_empty() {
            println!("    fix: {fix}");
        }
        self.failed.get_or_insert(code);
    }

    fn skip(&self, step: &str) {
        println!("- {step:<15}           skipped (an earlier step failed)");
    }
}

/// Where the till connects: the provider, or its proxy first.
struct Target {
    scheme: String,
    host: String,
    port: u16,
}

fn target_of(url: &str) -> Option<Target> {
    let uri: ureq::http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']').to_string();
    let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
    Some(Target { scheme, host, port })
}

/// Runs the checks; the exit code is 0 when every step passed, else the first failure's status.
pub fn run(args: &DoctorArgs) -> u8 {
    let mut steps = Steps { failed: None };
    println!("voucherlink {} doctor — {}", voucherlink::VERSION, args.config.display());

    // 1. The configuration, as vl_client_new reads it (without its journal: the POS may hold it).
    let started = Instant::now();
    let config = match output::read_config(&args.config) {
        Ok(c) => c,
        Err(e) => {
            steps.fail(
                "configuration",
                started.elapsed(),
                &e,
                "",
                "the file must hold the JSON object of vl_client_new",
                2,
            );
            return 2;
        }
    };
    let journal_path = config["journal_path"].as_str().map(PathBuf::from);
    let mut probe_config = config.clone();
    if let Some(map) = probe_config.as_object_mut() {
        map.remove("journal_path");
    }
    let client = match Client::new(&probe_config.to_string()) {
        Ok(c) => c,
        Err(e) => {
            steps.fail("configuration", started.elapsed(), &e.message, "", "fix the key the message names", 2);
            journal(&mut steps, journal_path.as_ref());
            return 2;
        }
    };
    let description = client.describe();
    let several = description["providers"].is_array();
    let accounts: Vec<Value> = match description["providers"].as_array() {
        Some(list) => list.clone(),
        None => vec![description.clone()],
    };
    for (index, account) in accounts.iter().enumerate() {
        let id = account["provider"].as_str().unwrap_or_default();
        // The entry's own proxy and CA file (with the proxy's credentials), else the top level's.
        let entry = if several { &config["providers"][index] } else { &config };
        let key = |name: &str| entry.get(name).or_else(|| config.get(name)).and_then(Value::as_str).map(str::to_string);
        if several {
            println!("— {id} (providers[{index}])");
        }
        let started = if index == 0 { started } else { Instant::now() };
        check_account(&mut steps, &client, account, key("proxy"), key("ca_file"), several, started);
    }

    // 7. A real code, looked up as the till would (read only).
    if let Some(code) = args.code.as_deref() {
        match steps.failed {
            None => look_up(&mut steps, &client, &accounts, code, several),
            Some(_) => steps.skip("read"),
        }
    } else {
        println!("  (give --code <a real voucher> to look one up)");
    }

    // 8. The journal.
    journal(&mut steps, journal_path.as_ref());
    match steps.failed {
        None => {
            println!("all checks passed");
            0
        }
        Some(code) => code,
    }
}

/// The checks of one provider account: its configuration, the way to it (DNS, TCP, proxy, TLS),
/// and the credentials, through the library itself.
fn check_account(
    steps: &mut Steps,
    client: &Client,
    account: &Value,
    proxy_url: Option<String>,
    ca_file: Option<String>,
    several: bool,
    started: Instant,
) {
    let settings = &account["settings"];
    let id = account["provider"].as_str().unwrap_or_default();
    let base_url = settings["base_url"].as_str().unwrap_or_default().to_string();
    steps.ok(
        "configuration",
        started.elapsed(),
        &format!(
            "{id} at {base_url}, timeout {} ms, language {}",
            settings["timeout_ms"],
            settings["language"].as_str().unwrap_or("en")
        ),
    );
    let connect_timeout = Duration::from_millis(settings["connect_timeout_ms"].as_u64().unwrap_or(5000));
    let Some(provider) = target_of(&base_url) else {
        steps.fail(
            "configuration",
            Duration::ZERO,
            "base_url has no host",
            "",
            "set base_url to the provider's URL",
            2,
        );
        return;
    };
    let proxy = proxy_url.as_deref().and_then(target_of);
    let first_hop = proxy.as_ref().unwrap_or(&provider);

    // 2. DNS, 3. TCP, 4. proxy, 5. TLS.
    let connected = network(steps, first_hop, proxy.is_some(), connect_timeout)
        .and_then(|stream| match (&proxy, proxy_url.as_deref()) {
            (Some(_), Some(url)) => tunnel(steps, stream, url, &provider, connect_timeout),
            _ => Some(stream),
        })
        .and_then(|stream| {
            if provider.scheme == "https" {
                tls(steps, stream, &provider, ca_file.as_deref().map(std::path::Path::new), connect_timeout)
            } else {
                steps.warn("TLS", "plain http:// (a simulator or a test account); production providers use https");
                Some(())
            }
        });

    // 6. Authentication and a read-only call, through the library itself.
    if connected.is_some() {
        authenticate(steps, client, account, several);
    } else {
        steps.skip("authentication");
    }
}

fn network(steps: &mut Steps, hop: &Target, via_proxy: bool, timeout: Duration) -> Option<TcpStream> {
    let what = if via_proxy { "the proxy" } else { "the provider" };
    let started = Instant::now();
    let addresses: Vec<SocketAddr> = match (hop.host.as_str(), hop.port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => {
            steps.fail(
                "DNS",
                started.elapsed(),
                &format!("{} does not resolve: {e}", hop.host),
                &format!("a typo in the host name of {what}, or this till's DNS server cannot reach the internet"),
                "check the host name; try `nslookup` on the till; set the DNS server the network uses",
                7,
            );
            return None;
        }
    };
    let shown: Vec<String> = addresses.iter().take(3).map(|a| a.ip().to_string()).collect();
    steps.ok("DNS", started.elapsed(), &format!("{} → {}", hop.host, shown.join(", ")));
    let started = Instant::now();
    let mut last = None;
    for address in &addresses {
        match TcpStream::connect_timeout(address, timeout) {
            Ok(stream) => {
                steps.ok("TCP connect", started.elapsed(), &format!("{address} accepts connections ({what})"));
                return Some(stream);
            }
            Err(e) => last = Some((address, e)),
        }
    }
    let (address, e) = last.expect("at least one address was resolved");
    let (cause, fix) = match e.kind() {
        std::io::ErrorKind::ConnectionRefused => (
            format!("nothing listens on port {} of {}", address.port(), address.ip()),
            "check the port in the URL; is the service (or proxy) running?",
        ),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => (
            "a firewall drops the traffic, or there is no route to the host".into(),
            "allow outgoing connections to this host and port in the till's firewall",
        ),
        _ => ("the network refused the connection".into(), "check the till's network connection"),
    };
    steps.fail("TCP connect", started.elapsed(), &format!("{address}: {e}"), &cause, fix, 7);
    None
}

/// A CONNECT tunnel through an HTTP proxy.
fn tunnel(
    steps: &mut Steps,
    mut stream: TcpStream,
    proxy_url: &str,
    provider: &Target,
    timeout: Duration,
) -> Option<TcpStream> {
    let started = Instant::now();
    let credentials =
        proxy_url.split_once("://").map(|(_, rest)| rest).and_then(|rest| rest.split_once('@')).map(|(c, _)| c);
    let mut request = format!("CONNECT {h}:{p} HTTP/1.1\r\nHost: {h}:{p}\r\n", h = provider.host, p = provider.port);
    if let Some(c) = credentials {
        request.push_str(&format!("Proxy-Authorization: Basic {}\r\n", base64(c.as_bytes())));
    }
    request.push_str("\r\n");
    let _ = stream.set_read_timeout(Some(timeout));
    let answer = stream.write_all(request.as_bytes()).and_then(|()| {
        let mut line = String::new();
        BufReader::new((&stream).take(4096)).read_line(&mut line).map(|_| line)
    });
    match answer {
        Ok(line) if line.split_whitespace().nth(1) == Some("200") => {
            steps.ok(
                "proxy",
                started.elapsed(),
                &format!("the proxy opened a tunnel to {}:{}", provider.host, provider.port),
            );
            Some(stream)
        }
        Ok(line) if line.contains(" 407") => {
            steps.fail(
                "proxy",
                started.elapsed(),
                line.trim(),
                "the proxy wants credentials",
                "put user:password in the proxy URL (`http://user:password@proxy:3128`)",
                7,
            );
            None
        }
        Ok(line) => {
            steps.fail(
                "proxy",
                started.elapsed(),
                &format!("the proxy answered {}", line.trim()),
                "the proxy does not allow this host or port",
                "ask the network's admins to allow CONNECT to the provider's host on port 443",
                7,
            );
            None
        }
        Err(e) => {
            steps.fail(
                "proxy",
                started.elapsed(),
                &e.to_string(),
                "the proxy did not answer the CONNECT",
                "check the proxy URL (an HTTP proxy, not SOCKS)",
                7,
            );
            None
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The TLS handshake with the library's own verifier (the system's roots plus `ca_file`).
fn tls(
    steps: &mut Steps,
    mut stream: TcpStream,
    provider: &Target,
    ca_file: Option<&std::path::Path>,
    timeout: Duration,
) -> Option<()> {
    let started = Instant::now();
    let config = match support::tls_client_config(ca_file) {
        Ok(c) => c,
        Err(e) => {
            steps.fail("TLS", started.elapsed(), &e.message, "", "check ca_file (a PEM file of root certificates)", 2);
            return None;
        }
    };
    let name = match rustls::pki_types::ServerName::try_from(provider.host.clone()) {
        Ok(n) => n,
        Err(e) => {
            steps.fail(
                "TLS",
                started.elapsed(),
                &format!("{}: {e}", provider.host),
                "",
                "check the host name in base_url",
                2,
            );
            return None;
        }
    };
    let mut connection = match rustls::ClientConnection::new(config, name) {
        Ok(c) => c,
        Err(e) => {
            steps.fail("TLS", started.elapsed(), &e.to_string(), "", "", 10);
            return None;
        }
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    while connection.is_handshaking() {
        if let Err(e) = connection.complete_io(&mut stream) {
            let reason = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .map(|r| r.to_string())
                .unwrap_or_else(|| e.to_string());
            let (cause, fix) = tls_advice(&reason);
            steps.fail("TLS", started.elapsed(), &reason, cause, fix, 7);
            return None;
        }
    }
    let version = connection.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default();
    let chain = connection.peer_certificates().unwrap_or_default();
    let detail = match chain.first().map(|c| x509_parser::parse_x509_certificate(c.as_ref())) {
        Some(Ok((_, cert))) => {
            let common_name = |name: &x509_parser::x509::X509Name| {
                name.iter_common_name().next().and_then(|cn| cn.as_str().ok()).unwrap_or("?").to_string()
            };
            let top = chain
                .last()
                .and_then(|c| x509_parser::parse_x509_certificate(c.as_ref()).ok())
                .map(|(_, c)| common_name(c.issuer()));
            format!(
                "{version}; certificate for {} issued by {} (chain up to {}), valid until {}",
                common_name(cert.subject()),
                common_name(cert.issuer()),
                top.unwrap_or_else(|| "?".into()),
                cert.validity().not_after
            )
        }
        _ => format!("{version}; the certificate chain is trusted"),
    };
    steps.ok("TLS", started.elapsed(), &detail);
    Some(())
}

fn tls_advice(reason: &str) -> (&'static str, &'static str) {
    if reason.contains("UnknownIssuer") || reason.contains("unknown issuer") {
        (
            "the certificate is signed by a CA this till does not trust: often a network proxy or firewall that re-signs TLS",
            "trust the network's root CA in the system's certificate store, or name its PEM file in ca_file",
        )
    } else if reason.contains("NotValidForName") || reason.contains("not valid for name") {
        ("the certificate is for another host name", "check the host name in base_url")
    } else if reason.contains("Expired") || reason.contains("expired") || reason.contains("NotValidYet") {
        (
            "the certificate is outside its validity, or this till's clock is wrong",
            "check the till's date and time; if they are right, tell the provider its certificate expired",
        )
    } else {
        ("the TLS handshake failed", "check that base_url is an https:// service and the till's clock is right")
    }
}

/// Authentication, through the library: the provider's probe, a read with a made-up code that
/// the provider answers "unknown" once it has accepted the credentials (nothing moves).
fn authenticate(steps: &mut Steps, client: &Client, account: &Value, several: bool) {
    let id = account["provider"].as_str().unwrap_or_default();
    let started = Instant::now();
    let operations =
        account["operations"].as_array().map(|ops| ops.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "));
    steps.ok("capabilities", started.elapsed(), &operations.unwrap_or_default());
    let Some(probe) = support::probe(id) else { return };
    let mut request: Value = serde_json::from_str(probe.request).unwrap_or_else(|_| json!({}));
    if several {
        request["provider"] = json!(id);
    }
    let started = Instant::now();
    let result = client.execute(probe.operation, &request.to_string());
    let accepted = match &result {
        Ok(_) => true,
        Err(e) => matches!(e.status(), VlStatus::VL_NOT_FOUND | VlStatus::VL_REJECTED | VlStatus::VL_INVALID_ARGUMENT),
    };
    match result {
        _ if accepted => steps.ok("authentication", started.elapsed(), probe.proves),
        Ok(_) => {}
        Err(e) => {
            let (cause, fix) = call_advice(&e);
            let what = format!("{}: {}", e.status().name(), e.message);
            steps.fail("authentication", started.elapsed(), &what, cause, fix, e.status().code() as u8);
        }
    }
}

/// Looks a real code up as the till would: a client of several providers finds its provider
/// (a balance, routed; then each provider whose codes are read otherwise, by name).
fn look_up(steps: &mut Steps, client: &Client, accounts: &[Value], code: &str, several: bool) {
    let started = Instant::now();
    let mut tries: Vec<(Operation, Value)> = Vec::new();
    for account in accounts {
        let id = account["provider"].as_str().unwrap_or_default();
        let Some(probe) = support::probe(id) else { continue };
        let (op, extra) = probe.lookup;
        let mut request: Value = serde_json::from_str(extra).unwrap_or_else(|_| json!({}));
        request["code"] = json!(code);
        if several && op != Operation::Balance {
            request["provider"] = json!(id);
        }
        if !tries.iter().any(|(o, r)| *o == op && *r == request) {
            tries.push((op, request));
        }
    }
    let mut last = None;
    for (op, request) in tries {
        match client.execute(op, &request.to_string()) {
            Ok(data) => return steps.ok("read", started.elapsed(), &summary(&data)),
            Err(e) if e.status() == VlStatus::VL_NOT_FOUND && several => last = Some(e),
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    if let Some(e) = last {
        let (cause, fix) = call_advice(&e);
        let what = format!("{}: {}", e.status().name(), e.message);
        steps.fail("read", started.elapsed(), &what, cause, fix, e.status().code() as u8);
    }
}

fn summary(data: &Value) -> String {
    let mut parts = Vec::new();
    for key in ["provider", "code", "status", "balance", "currency", "discount", "message"] {
        if let Some(v) = data.get(key).filter(|v| !v.is_null()) {
            parts.push(format!("{key}={}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())));
        }
    }
    parts.join(" ")
}

fn call_advice(e: &Error) -> (&'static str, &'static str) {
    match e.status() {
        VlStatus::VL_AUTH => (
            "the provider refused the credentials",
            "check api_key / client_id + client_secret / username + password with the provider",
        ),
        VlStatus::VL_CONFIG => {
            ("the provider says the configuration is wrong (a store id, a tenant)", "fix the key the message names")
        }
        VlStatus::VL_NETWORK => {
            ("the provider did not answer in time", "raise timeout_ms, or check the network (the steps above)")
        }
        VlStatus::VL_PROVIDER => (
            "the provider answered something the library cannot read",
            "run again with --trace and send the output (secrets removed) to the provider and to voucherlink's maintainers",
        ),
        _ => ("", ""),
    }
}

/// The journal: its folder writable, its lock, what it holds.
fn journal(steps: &mut Steps, path: Option<&PathBuf>) {
    let Some(path) = path else {
        steps.warn(
            "journal",
            "no journal_path: an operation in doubt is forgotten when the POS restarts; set journal_path",
        );
        return;
    };
    let started = Instant::now();
    let folder = path.parent().map(PathBuf::from).unwrap_or_default();
    let probe = folder.join(format!(".voucherlink-doctor-{}", std::process::id()));
    if let Err(e) = std::fs::write(&probe, b"").and_then(|()| std::fs::remove_file(&probe)) {
        steps.fail(
            "journal",
            started.elapsed(),
            &format!("cannot write in {}: {e}", folder.display()),
            "the folder is missing or read-only for this user",
            "create the folder, writable by the user the POS runs as",
            2,
        );
        return;
    }
    let held = match support::journal_lock_free(path) {
        Ok(true) => "free (no process has it open)",
        Ok(false) => "held by a running process (the POS)",
        Err(e) => {
            steps.fail("journal", started.elapsed(), &e.message, "", "", 2);
            return;
        }
    };
    if !path.exists() {
        steps.ok(
            "journal",
            started.elapsed(),
            &format!("{} (not created yet; the folder is writable), lock {held}", path.display()),
        );
        return;
    }
    match support::journal_entries(path) {
        Ok(entries) => {
            let open: Vec<&voucherlink::model::JournalEntry> = entries
                .iter()
                .filter(|e| {
                    matches!(
                        serde_json::to_value(e.state).ok().and_then(|v| v.as_str().map(str::to_string)).as_deref(),
                        Some("sending" | "in_doubt" | "queued")
                    )
                })
                .collect();
            steps.ok(
                "journal",
                started.elapsed(),
                &format!("{}: {} entries, {} open; lock {held}", path.display(), entries.len(), open.len()),
            );
            if !open.is_empty() {
                steps.warn(
                    "journal",
                    &format!(
                        "{} operation(s) not settled: `voucherlink journal list --journal {}`",
                        open.len(),
                        path.display()
                    ),
                );
            }
        }
        Err(e) => steps.fail("journal", started.elapsed(), &e.message, "", "", 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_rfc4648() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
