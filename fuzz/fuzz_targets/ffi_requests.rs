//! Every `vl_*` operation's request JSON through the C ABI, for every provider, on clients that
//! cannot reach any server (nothing listens on port 1): arbitrary bytes must end in a checked
//! document with a sensible status, never a crash, a panic or a hang.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn clients() -> &'static [usize; 4] {
    static CLIENTS: OnceLock<[usize; 4]> = OnceLock::new();
    CLIENTS.get_or_init(|| common::clients("http://127.0.0.1:1", 100))
}

fuzz_target!(|data: &[u8]| {
    let [provider, op, request @ ..] = data else { return };
    let client = clients()[*provider as usize % 4];
    let operation = common::OPERATIONS[*op as usize % common::OPERATIONS.len()];
    common::call(client, operation, request);
});
