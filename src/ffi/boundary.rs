//! The mechanics every exported function shares: checking pointers and UTF-8, catching panics,
//! and always handing out the result document.

use std::cell::Cell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use serde::Serialize;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::log::{self, Level};
use crate::status::VlStatus;

use super::VlClient;

thread_local! {
    /// Whether this thread is inside an exported function (then a panic is logged, not printed).
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// Routes panics raised inside the library to the logger instead of stderr (the library never
/// writes to stderr); panics elsewhere in the host process keep the host's own hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if INSIDE.with(Cell::get) {
                log::emit(Level::Error, &format!("voucherlink internal error (please report): {info}"));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `body` with panics caught, writes the result document to `out_json` (when not NULL)
/// and returns the status. This is the one exit of every function that has an `out_json`.
pub(super) fn respond<T: Serialize>(out_json: *mut *mut c_char, body: impl FnOnce() -> Result<T>) -> VlStatus {
    install_panic_hook();
    let was_inside = INSIDE.with(|i| i.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(Error::internal(format!("internal error in voucherlink (please report): {what}")))
    });
    let status = match &result {
        Ok(_) => VlStatus::VL_OK,
        Err(e) => e.status(),
    };
    let document = panic::catch_unwind(AssertUnwindSafe(|| render(&result)))
        .unwrap_or_else(|_| unrenderable("the renderer panicked"));
    INSIDE.with(|i| i.set(was_inside));
    write_string(out_json, document);
    status
}

/// Room for a typical result document, reserved up front rather than grown from serde_json's 128
/// bytes. Kept under 1,000 bytes: a larger block is a "large" request to glibc's malloc, which
/// first consolidates its fast bins (thousands of instructions, measured with callgrind).
const DOCUMENT_CAPACITY: usize = 960;

/// Renders the result document of docs/api.md §4, the one time a call's result becomes JSON:
/// `{"ok":true,"data":..}` or `{"ok":false,"error":..}`.
fn render<T: Serialize>(result: &Result<T>) -> Vec<u8> {
    #[derive(Serialize)]
    struct Document<'a, T> {
        ok: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<&'a T>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a Error>,
    }
    let doc = match result {
        Ok(data) => Document { ok: true, data: Some(data), error: None },
        Err(e) => Document { ok: false, data: None, error: Some(e) },
    };
    let mut text = Vec::with_capacity(DOCUMENT_CAPACITY);
    match serde_json::to_writer(&mut text, &doc) {
        Ok(()) => text,
        Err(e) => unrenderable(&e.to_string()),
    }
}

/// The document when a result cannot be rendered: `VL_INTERNAL`, written without serde.
fn unrenderable(why: &str) -> Vec<u8> {
    let why: String = why.chars().filter(|c| !matches!(c, '"' | '\\') && !c.is_control()).collect();
    format!(
        r#"{{"ok":false,"error":{{"code":10,"status":"internal","message":"cannot render the result: {why}","provider":null,"http_status":null,"provider_code":null,"provider_message":null,"journal_id":null}}}}"#
    )
    .into_bytes()
}

/// Hands a JSON document to the caller through `out` (freed with `vl_string_free`). JSON text
/// holds no NUL byte: serde_json escapes control characters, and the provider answers copied
/// into documents are JSON serde_json has read (which refuses raw control characters).
pub(super) fn write_string(out: *mut *mut c_char, json: Vec<u8>) {
    if out.is_null() {
        return;
    }
    let mut bytes = json;
    debug_assert!(!bytes.contains(&0), "JSON text with a NUL byte");
    bytes.push(0);
    // SAFETY: JSON text has no NUL byte (see above); the one pushed ends it.
    let c_string = unsafe { CString::from_vec_with_nul_unchecked(bytes) };
    // SAFETY: `out` is not NULL and the caller promises it points to writable storage for a pointer.
    unsafe { *out = c_string.into_raw() };
}

/// Reads a caller's UTF-8 string argument. NULL and invalid UTF-8 are `VL_INVALID_ARGUMENT`,
/// naming the parameter.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that stays valid during the call.
pub(super) unsafe fn read_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(Error::invalid(format!("`{name}` is NULL")));
    }
    // SAFETY: not NULL; the caller guarantees NUL termination and validity.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|e| {
        Error::invalid(format!(
            "`{name}` is not valid UTF-8 (bad byte at offset {}); strings must be UTF-8, not the system code page",
            e.valid_up_to()
        ))
    })
}

/// Borrows the client behind a handle. NULL is `VL_INVALID_ARGUMENT`.
///
/// # Safety
/// `client` must be NULL or a handle from `vl_client_new` not yet freed.
pub(super) unsafe fn client_ref<'a>(client: *const VlClient) -> Result<&'a Client> {
    if client.is_null() {
        return Err(Error::invalid("`client` is NULL"));
    }
    // SAFETY: the caller guarantees a live handle; the client is only read (it is Sync).
    Ok(unsafe { &(*client).client })
}

/// The status code of an error as the C function returns it.
pub(super) fn status_of(result: &Result<()>) -> VlStatus {
    match result {
        Ok(()) => VlStatus::VL_OK,
        Err(e) => e.status(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(out: *mut c_char) -> String {
        assert!(!out.is_null(), "out_json is always set");
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
        drop(unsafe { CString::from_raw(out) });
        text
    }

    #[test]
    fn result_documents_have_ok_first() {
        assert_eq!(render(&Ok(serde_json::json!({"a": 1}))), br#"{"ok":true,"data":{"a":1}}"#);
        let doc = String::from_utf8(render::<()>(&Err(Error::invalid("`code` is missing")))).unwrap();
        assert!(doc.starts_with(r#"{"ok":false,"error":{"code":1,"status":"invalid_argument""#), "{doc}");
    }

    #[test]
    fn an_unrenderable_result_is_still_a_valid_document() {
        let doc: serde_json::Value = serde_json::from_slice(&unrenderable("key \"x\" \\ bad\n")).unwrap();
        assert_eq!(doc["error"]["code"], 10);
        assert_eq!(doc["error"]["message"], "cannot render the result: key x  bad");
    }

    #[test]
    fn a_panic_becomes_vl_internal_with_a_document() {
        let mut out = std::ptr::null_mut();
        let status = respond::<()>(&mut out, || panic!("boom"));
        assert_eq!(status, VlStatus::VL_INTERNAL);
        let doc = document(out);
        assert!(doc.starts_with(r#"{"ok":false,"error":{"code":10,"status":"internal""#), "{doc}");
        assert!(doc.contains("boom"), "{doc}");
    }

    #[test]
    fn the_status_always_equals_the_documents_code() {
        for status in VlStatus::ALL.into_iter().skip(1) {
            let mut out = std::ptr::null_mut();
            let returned = respond::<()>(&mut out, || Err(Error::new(status, "x")));
            assert_eq!(returned, status);
            assert!(document(out).contains(&format!(r#""code":{},"#, status.code())));
        }
        let mut out = std::ptr::null_mut();
        assert_eq!(respond(&mut out, || Ok(serde_json::json!({}))), VlStatus::VL_OK);
        assert_eq!(document(out), r#"{"ok":true,"data":{}}"#);
    }
}
