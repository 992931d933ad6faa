//! Shared by the fuzz targets: calling the C functions and checking every document they return.
#![allow(dead_code)]

use std::ffi::{CStr, CString, c_char};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};

use serde_json::Value;
use voucherlink::VlStatus;
use voucherlink::ffi::{self, VlClient};

pub type OperationFn = unsafe extern "system" fn(*const VlClient, *const c_char, *mut *mut c_char) -> VlStatus;

/// Every `vl_<operation>` function.
pub const OPERATIONS: [OperationFn; 18] = [
    ffi::vl_capabilities,
    ffi::vl_balance,
    ffi::vl_redeem,
    ffi::vl_cancel_redemption,
    ffi::vl_activation_status,
    ffi::vl_activate,
    ffi::vl_cancel_activation,
    ffi::vl_deactivation_status,
    ffi::vl_deactivate,
    ffi::vl_issue,
    ffi::vl_history,
    ffi::vl_member_vouchers,
    ffi::vl_validate,
    ffi::vl_submit_order,
    ffi::vl_lock,
    ffi::vl_unlock,
    ffi::vl_pending,
    ffi::vl_recover,
];

/// A C string of `bytes` up to their first NUL (as a C caller would pass them).
pub fn c_string(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap()
}

/// Takes a document: it must be set, valid UTF-8 JSON, and agree with the status.
pub fn check(status: VlStatus, out: *mut c_char) -> Value {
    assert!(!out.is_null(), "out_json was not set");
    let text = unsafe { CStr::from_ptr(out) }.to_str().expect("documents are UTF-8").to_string();
    unsafe { ffi::vl_string_free(out) };
    let doc: Value = serde_json::from_str(&text).expect("documents are JSON");
    assert!((status as u32) <= 10, "unknown status {status:?}");
    assert_eq!(doc["ok"] == Value::Bool(true), status == VlStatus::VL_OK, "{text}");
    if status != VlStatus::VL_OK {
        assert_eq!(doc["error"]["code"], status as u32, "{text}");
        assert!(doc["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{text}");
        assert_ne!(status, VlStatus::VL_INTERNAL, "a bug: {text}");
    }
    doc
}

/// Creates a client (panics if the configuration is refused).
pub fn client(config: &str) -> usize {
    let config = CString::new(config).unwrap();
    let (mut client, mut out) = (std::ptr::null_mut(), std::ptr::null_mut());
    let status = unsafe { ffi::vl_client_new(config.as_ptr(), &mut client, &mut out) };
    check(status, out);
    assert_eq!(status, VlStatus::VL_OK);
    client as usize
}

/// Runs one operation with a request and checks the document.
pub fn call(client: usize, op: OperationFn, request: &[u8]) -> (VlStatus, Value) {
    let request = c_string(request);
    let mut out = std::ptr::null_mut();
    let status = unsafe { op(client as *mut VlClient, request.as_ptr(), &mut out) };
    (status, check(status, out))
}

/// The answer the canned server gives to the next request (raw HTTP bytes).
pub static NEXT_ANSWER: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// A loopback server: tokens and logins get valid answers; every other request gets
/// `NEXT_ANSWER`, then the connection is closed. Returns its root URL.
pub fn canned_server() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream);
            }
        });
        url
    })
}

fn serve(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    while buf.len() < end + 4 + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let answer = if head.contains("/identity/connect/token") {
        ok_json(br#"{"access_token":"fuzz-token","expires_in":3600}"#)
    } else if head.contains("/auth/login") || head.contains("/auth/token/refresh") {
        ok_json(br#"{"tokens":{"jwt":"fuzz-jwt","refreshToken":"fuzz-refresh"},"jwt":"fuzz-jwt","refreshToken":"fuzz-refresh"}"#)
    } else {
        NEXT_ANSWER.lock().unwrap().clone()
    };
    let _ = stream.write_all(&answer);
}

fn ok_json(body: &[u8]) -> Vec<u8> {
    let mut answer = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
    answer.extend_from_slice(body);
    answer
}

/// An HTTP answer with `status` and `body`.
pub fn http_answer(status: u16, body: &[u8]) -> Vec<u8> {
    let mut answer = format!("HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
    answer.extend_from_slice(body);
    answer
}

/// Settles, by hand, whatever the last input left open, so that journals stay empty and every
/// input starts from the same state (no network).
pub fn settle_all(client: usize) {
    let (_, pending) = call(client, OPERATIONS[16], b"{}");
    for entry in pending["data"]["entries"].as_array().into_iter().flatten() {
        let request = serde_json::json!({"journal_id": entry["journal_id"], "outcome": "failed"}).to_string();
        let (status, doc) = call(client, OPERATIONS[17], request.as_bytes());
        assert_eq!(status, VlStatus::VL_OK, "{doc}");
    }
}

/// One client per provider against `base` (the provider's path appended), with a short deadline.
pub fn clients(base: &str, timeout_ms: u64) -> [usize; 4] {
    let configs = [
        format!(r#"{{"provider":"eguma","api_key":"k","base_url":"{base}","timeout_ms":{timeout_ms}}}"#),
        format!(r#"{{"provider":"treazure","client_id":"c","client_secret":"s","base_url":"{base}","timeout_ms":{timeout_ms}}}"#),
        format!(r#"{{"provider":"gonnaorder","store_id":1,"username":"u","password":"p","base_url":"{base}","timeout_ms":{timeout_ms}}}"#),
        format!(r#"{{"provider":"coupontools","client_id":"c","client_secret":"s","base_url":"{base}","timeout_ms":{timeout_ms}}}"#),
    ];
    configs.map(|c| client(&c))
}
