//! The configuration JSON through vl_client_new: a checked document, a client only on VL_OK; a
//! client made describes exactly the providers its configuration lists. Covers one-provider and
//! several-provider configurations (`providers` lists with `codes` rules, hostile patterns
//! included: fuzz/seeds/config).
//!
//! The process never changes its working directory (libFuzzer's corpus paths are relative) and no
//! file is created: the library refuses a relative `journal_path`, and an absolute one is skipped
//! here (it would be created wherever it points). No network either: making a client sends nothing.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use voucherlink::VlStatus;
use voucherlink::ffi;

fuzz_target!(|data: &[u8]| {
    let config = common::c_string(data);
    let parsed = serde_json::from_slice::<Value>(config.as_bytes()).ok();
    if let Some(Value::Object(map)) = &parsed {
        if map.get("journal_path").and_then(|p| p.as_str()).is_some_and(|p| std::path::Path::new(p).is_absolute()) {
            return;
        }
    }
    let (mut client, mut out) = (std::ptr::null_mut(), std::ptr::null_mut());
    let status = unsafe { ffi::vl_client_new(config.as_ptr(), &mut client, &mut out) };
    let doc = common::check(status, out);
    assert_eq!(client.is_null(), status != VlStatus::VL_OK);
    if status != VlStatus::VL_OK {
        assert!(matches!(status, VlStatus::VL_CONFIG | VlStatus::VL_INVALID_ARGUMENT), "{doc}");
        return;
    }
    assert!(doc["data"]["operations"].is_array(), "{doc}");
    // The client's capabilities name one provider per entry, in the configuration's order.
    let (status, capabilities) = common::call(client as usize, ffi::vl_capabilities, b"{}");
    assert_eq!(status, VlStatus::VL_OK, "{capabilities}");
    let listed: Vec<&str> = match parsed.as_ref().and_then(|c| c.get("providers")) {
        Some(Value::Array(entries)) => entries.iter().filter_map(|e| e["provider"].as_str()).map(str::trim).collect(),
        _ => parsed.as_ref().and_then(|c| c["provider"].as_str()).map(str::trim).into_iter().collect(),
    };
    let data = &capabilities["data"];
    let described: Vec<&str> = match data["providers"].as_array() {
        Some(providers) => providers.iter().filter_map(|p| p["provider"].as_str()).collect(),
        None => data["provider"].as_str().into_iter().collect(),
    };
    assert_eq!(described, listed, "{capabilities}");
    unsafe { ffi::vl_client_free(client) };
});
