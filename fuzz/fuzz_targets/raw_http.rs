//! Whole raw HTTP answers (status line, headers, body) for e-guma's balance and redeem: the
//! transport's HTTP parsing and the provider's, together.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn client() -> usize {
    static CLIENT: OnceLock<usize> = OnceLock::new();
    *CLIENT.get_or_init(|| {
        let base = common::canned_server();
        common::client(&format!(r#"{{"provider":"eguma","api_key":"k","base_url":"{base}","timeout_ms":150}}"#))
    })
}

fuzz_target!(|data: &[u8]| {
    let [which, answer @ ..] = data else { return };
    *common::NEXT_ANSWER.lock().unwrap() = answer.to_vec();
    let request: &[u8] = if which % 2 == 0 { br#"{"code":"L4FU5LQTKJR3"}"# } else { br#"{"code":"L4FU5LQTKJR3","amount":"1.00"}"# };
    common::call(client(), common::OPERATIONS[1 + (*which as usize % 2)], request);
    common::settle_all(client());
});
