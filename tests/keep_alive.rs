#![allow(clippy::result_large_err)]
//! A warmed connection is not a dead one (issue 26): a server that announces how long it keeps an
//! idle connection (`Keep-Alive: timeout=N`, as Apache httpd and Node.js do) never gets a request
//! on a connection idle longer than that, so a call after a pause (`vl_prepare`, then the
//! customer searches for the voucher) does not go on a connection the server has dropped.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use voucherlink::{Client, Operation as Op};

/// e-guma's balance answer for every request; `Keep-Alive: timeout=1`. A connection idle for a
/// second is dead: the server neither answers on it nor closes it (as a server or a middlebox
/// that dropped it without a word). Counts connections, and requests that came on a dead one.
struct Server {
    url: String,
    connections: Arc<AtomicUsize>,
    on_dead: Arc<AtomicUsize>,
}

fn server() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let on_dead = Arc::new(AtomicUsize::new(0));
    let (c, d) = (connections.clone(), on_dead.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            c.fetch_add(1, Ordering::SeqCst);
            let d = d.clone();
            std::thread::spawn(move || serve(stream, &d));
        }
    });
    Server { url, connections, on_dead }
}

fn serve(stream: TcpStream, on_dead: &AtomicUsize) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut last_answer: Option<Instant> = None;
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let length = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
            .unwrap_or(0usize);
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        if last_answer.is_some_and(|at| at.elapsed() >= Duration::from_secs(1)) {
            on_dead.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_secs(30));
            return;
        }
        let answer = r#"{"code":"L4FU5LQTKJR3","is_redeemable":true,"balance_in_cents":5000,"total_amount_in_cents":5000,"message":""}"#;
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nKeep-Alive: timeout=1, max=100\r\nContent-Length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
        last_answer = Some(Instant::now());
    }
}

#[test]
fn a_connection_idle_past_what_the_server_announced_is_not_reused() {
    let server = server();
    let config = json!({"provider": "eguma", "api_key": "k", "base_url": server.url, "timeout_ms": 4000});
    let client = Client::new(&config.to_string()).unwrap();
    let balance = || client.execute(Op::Balance, r#"{"code":"L4FU5LQTKJR3"}"#).map(|v| v["balance"].clone());
    client.prepare("{}").unwrap();
    assert_eq!(balance().unwrap(), "50.00");
    assert_eq!(server.connections.load(Ordering::SeqCst), 1, "vl_prepare's connection was reused");
    // Within the server's timeout (minus a margin) the connection is reused; past it, a new one.
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(balance().unwrap(), "50.00");
    assert_eq!(server.on_dead.load(Ordering::SeqCst), 0, "no request went on a connection the server had dropped");
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);
}
