//! Hostile providers: answers beyond the size cap, deeply nested JSON, wrong types, invalid UTF-8,
//! a slow drip, a reset in the middle of the body, a redirect to another host. Each must end in a
//! clear VL_PROVIDER / VL_NETWORK within the deadline, the document naming what was wrong, for
//! every provider's parser.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use voucherlink::internals::support;
use voucherlink::{Client, Operation as Op, VlStatus};

#[derive(Clone, Copy, Debug)]
enum Hostile {
    TooLarge,
    DeeplyNested,
    WrongTypes,
    InvalidUtf8,
    SlowDrip,
    ResetMidBody,
    RedirectElsewhere,
    NotHttp,
}

const ALL: [Hostile; 8] = [
    Hostile::TooLarge,
    Hostile::DeeplyNested,
    Hostile::WrongTypes,
    Hostile::InvalidUtf8,
    Hostile::SlowDrip,
    Hostile::ResetMidBody,
    Hostile::RedirectElsewhere,
    Hostile::NotHttp,
];

/// Reads one request head and body from `stream`; returns the request line.
fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    while buf.len() < end + 4 + length {
        let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    }
    head.lines().next().map(str::to_string)
}

fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

/// A server that grants tokens and logins, and answers every other request the hostile way.
fn hostile_server(kind: Hostile) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let Some(line) = read_request(&mut stream) else { return };
                if line.contains("/identity/connect/token") {
                    return respond(
                        &mut stream,
                        "200 OK",
                        "application/json",
                        br#"{"access_token":"tok-hostile-1","expires_in":3600}"#,
                    );
                }
                if line.contains("/auth/login") {
                    return respond(
                        &mut stream,
                        "200 OK",
                        "application/json",
                        br#"{"tokens":{"jwt":"jwt-hostile","refreshToken":"r"}}"#,
                    );
                }
                match kind {
                    Hostile::TooLarge => {
                        let body = vec![b' '; 2 * 1024 * 1024];
                        respond(&mut stream, "200 OK", "application/json", &body);
                    }
                    Hostile::DeeplyNested => {
                        let body = "[".repeat(100_000);
                        respond(&mut stream, "200 OK", "application/json", body.as_bytes());
                    }
                    Hostile::WrongTypes => respond(
                        &mut stream,
                        "200 OK",
                        "application/json",
                        br#"{"code":5,"is_redeemable":"yes","balance_in_cents":"5000","status":{"status":["OK"]},"success":"true","giftcard":[],"active":"true","voucher":7,"session":{}}"#,
                    ),
                    Hostile::InvalidUtf8 => respond(&mut stream, "200 OK", "application/json", b"{\"code\":\"\xff\xfe\"}"),
                    Hostile::SlowDrip => {
                        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n");
                        for _ in 0..10_000 {
                            if stream.write_all(b" ").is_err() {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                    Hostile::ResetMidBody => {
                        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"code\":\"AB");
                        let _ = stream.flush();
                        std::thread::sleep(Duration::from_millis(20));
                        // SO_LINGER 0: close with a TCP reset.
                        let _ = socket_linger_zero(&stream);
                        drop(stream);
                    }
                    Hostile::RedirectElsewhere => {
                        let _ = stream.write_all(
                            b"HTTP/1.1 302 Found\r\nLocation: http://collector.evil.example/steal\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        );
                    }
                    Hostile::NotHttp => {
                        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.2\r\n\x00\x01\x02garbage");
                    }
                }
            });
        }
    });
    url
}

/// Sets SO_LINGER to zero so that closing the socket sends a reset.
fn socket_linger_zero(stream: &TcpStream) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
        // SAFETY: a live socket, and a `struct linger` of the size given.
        let rc = unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&linger as *const libc::linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// One read per registered provider, which goes through that provider's answer parser: its
/// doctor probe (a made-up code), by its demo entry, against `url`.
fn cases(url: &str) -> Vec<(&'static str, Value, Op, Value)> {
    voucherlink_sim::providers::SIMULATED
        .iter()
        .map(|slot| {
            let mut config = slot.demo_entry();
            config["base_url"] = json!(url);
            config["timeout_ms"] = json!(800);
            let probe = support::probe(slot.id).expect("a probe per provider");
            (slot.id, config, probe.operation, serde_json::from_str(probe.request).unwrap())
        })
        .collect()
}

#[test]
fn every_hostile_answer_is_a_clear_error_within_the_deadline_for_every_provider() {
    for kind in ALL {
        let url = hostile_server(kind);
        for (provider, config, op, request) in cases(&url) {
            let client = Client::new(&config.to_string()).unwrap();
            let started = Instant::now();
            let err = client.execute(op, &request.to_string()).expect_err(&format!("{provider} accepted {kind:?}"));
            let took = started.elapsed();
            let case = format!("{provider} / {kind:?}: {} ({})", err.message, err.status().name());
            assert!(matches!(err.status(), VlStatus::VL_PROVIDER | VlStatus::VL_NETWORK), "{case}");
            // Reads are retried (3 attempts within one deadline): the deadline still holds.
            assert!(took < Duration::from_millis(800 + 500), "{case}: took {took:?}");
            let named = match kind {
                Hostile::TooLarge => err.message.contains("larger than"),
                Hostile::DeeplyNested => err.message.contains("recursion limit") || err.message.contains("not JSON"),
                Hostile::WrongTypes => err.message.contains("unexpected") || err.message.contains("invalid type"),
                Hostile::InvalidUtf8 => err.message.contains("UTF-8"),
                Hostile::SlowDrip => err.message.contains("no answer in time"),
                Hostile::ResetMidBody => err.message.contains("connection lost") || err.message.contains("no answer"),
                Hostile::RedirectElsewhere => {
                    err.message.contains("redirect") && err.message.contains("collector.evil.example")
                }
                Hostile::NotHttp => err.message.contains("not valid HTTP") || err.message.contains("connection lost"),
            };
            assert!(named, "the document must name what was wrong: {case}");
            assert_eq!(err.provider, Some(provider));
        }
    }
}

#[test]
fn a_hostile_answer_to_a_money_moving_request_is_never_taken_for_success() {
    for kind in ALL {
        let url = hostile_server(kind);
        // The balance read before the redeem is hostile too: nothing is sent, nothing is assumed.
        let client =
            Client::new(&json!({"provider": "eguma", "api_key": "k", "base_url": url, "timeout_ms": 800}).to_string())
                .unwrap();
        let err = client.execute(Op::Redeem, r#"{"code":"L4FU5LQTKJR3","amount":"5.00"}"#).unwrap_err();
        assert!(matches!(err.status(), VlStatus::VL_PROVIDER | VlStatus::VL_NETWORK), "{kind:?}: {}", err.message);
        assert_eq!(
            client.execute(Op::Pending, "{}").unwrap()["entries"],
            json!([]),
            "{kind:?}: nothing journaled as sent"
        );
    }
}
