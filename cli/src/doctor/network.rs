//! The way to the provider, step by step: name resolution, TCP, the proxy's tunnel, TLS (who
//! issued the certificate, for whom, until when), each with its likely cause and fix on failure.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use voucherlink::internals::support;

use super::{Steps, Target};

pub(super) fn network(steps: &mut Steps, hop: &Target, via_proxy: bool, timeout: Duration) -> Option<TcpStream> {
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
pub(super) fn tunnel(
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
pub(super) fn tls(
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
