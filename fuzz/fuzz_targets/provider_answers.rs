//! Each provider's answer parsers fed arbitrary bodies with chosen HTTP statuses, through a
//! loopback server: every answer ends in a checked document, and a money-moving call never takes
//! garbage for success.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use voucherlink::VlStatus;

const STATUSES: [u16; 9] = [200, 201, 302, 400, 401, 404, 422, 500, 503];

/// Valid requests that reach each provider's answer parsing.
const REQUESTS: [&[(usize, &str)]; 4] = [
    &[(1, r#"{"code":"L4FU5LQTKJR3"}"#), (2, r#"{"code":"L4FU5LQTKJR3","remaining_to_pay":"10.00"}"#), (4, r#"{"code":"DEP0T0000001"}"#), (7, r#"{"code":"DEP0T0000001"}"#)],
    &[(1, r#"{"code":"6280001234567890"}"#), (9, r#"{"amount":"10.00"}"#), (10, r#"{"code":"6280001234567890"}"#)],
    &[(11, r#"{"member_code":"M-1"}"#), (12, r#"{"code":"XYZ","order_total":"20.00"}"#), (13, r#"{"order_id":1,"order_total":"20.00"}"#)],
    &[(1, r#"{"code":"kkfiznr8Yp8630h82es8d"}"#), (14, r#"{"code":"kkfiznr8Yp8630h82es8d"}"#), (2, r#"{"code":"kkfiznr8Yp8630h82es8d"}"#)],
];

fn clients() -> &'static [usize; 4] {
    static CLIENTS: OnceLock<[usize; 4]> = OnceLock::new();
    CLIENTS.get_or_init(|| common::clients(common::canned_server(), 150))
}

fuzz_target!(|data: &[u8]| {
    let [provider, which, status, body @ ..] = data else { return };
    let provider = *provider as usize % 4;
    let requests = REQUESTS[provider];
    let (op, request) = requests[*which as usize % requests.len()];
    *common::NEXT_ANSWER.lock().unwrap() = common::http_answer(STATUSES[*status as usize % STATUSES.len()], body);
    let (code, doc) = common::call(clients()[provider], common::OPERATIONS[op], request.as_bytes());
    if code == VlStatus::VL_OK {
        assert!(doc["data"].is_object(), "{doc}");
    }
    common::settle_all(clients()[provider]);
});
