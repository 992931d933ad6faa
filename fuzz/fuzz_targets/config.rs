//! The configuration JSON through vl_client_new: a checked document, a client only on VL_OK.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use voucherlink::VlStatus;
use voucherlink::ffi;

/// Journals that configurations name are created in a scratch folder, never elsewhere.
fn in_scratch_folder() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = std::env::temp_dir().join(format!("voucherlink-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::env::set_current_dir(&dir).unwrap();
    });
}

fuzz_target!(|data: &[u8]| {
    in_scratch_folder();
    let config = common::c_string(data);
    // An absolute journal path would be created wherever it points (the fuzzer runs as anyone);
    // the library refuses relative ones, so no journal is ever created by this target.
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(config.as_bytes()) {
        if map.get("journal_path").and_then(|p| p.as_str()).is_some_and(|p| std::path::Path::new(p).is_absolute()) {
            return;
        }
    }
    let (mut client, mut out) = (std::ptr::null_mut(), std::ptr::null_mut());
    let status = unsafe { ffi::vl_client_new(config.as_ptr(), &mut client, &mut out) };
    let doc = common::check(status, out);
    assert_eq!(client.is_null(), status != VlStatus::VL_OK);
    if status == VlStatus::VL_OK {
        assert!(doc["data"]["operations"].is_array());
        unsafe { ffi::vl_client_free(client) };
    } else {
        assert!(matches!(status, VlStatus::VL_CONFIG | VlStatus::VL_INVALID_ARGUMENT), "{doc}");
    }
});
