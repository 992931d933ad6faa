//! The C ABI (docs/api.md §2): every exported `vl_*` function. Each is a thin wrapper: check the
//! pointers, run the client, hand out the result document (see `boundary`).

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use crate::client::Client;
use crate::error::Error;
use crate::log::{self, Level};
use crate::operation::Operation;
use crate::status::VlStatus;

mod boundary;

use boundary::{client_ref, read_str, respond, status_of};

/// Version of the C ABI: changes only when a signature, a type, a status value or a documented
/// JSON field changes incompatibly (the rules: `docs/abi.md`). Bindings compare it with
/// `vl_abi_version()` at load time.
pub const VL_ABI_VERSION: u32 = 1;
/// Major version of the library (`vl_version()`).
pub const VL_VERSION_MAJOR: u32 = 0;
/// Minor version of the library.
pub const VL_VERSION_MINOR: u32 = 1;
/// Patch version of the library.
pub const VL_VERSION_PATCH: u32 = 0;

/// Severity of a log line (`VL_LOG_TRACE` .. `VL_LOG_ERROR`); higher is more severe.
pub type VlLogLevel = u32;
/// Every HTTP exchange (method, path with codes masked, status, duration).
pub const VL_LOG_TRACE: VlLogLevel = 0;
/// Detail for debugging an integration.
pub const VL_LOG_DEBUG: VlLogLevel = 1;
/// One line per operation and outcome.
pub const VL_LOG_INFO: VlLogLevel = 2;
/// Handled trouble: a refusal, a retry, a lost answer.
pub const VL_LOG_WARN: VlLogLevel = 3;
/// A failed operation or an operation left in doubt.
pub const VL_LOG_ERROR: VlLogLevel = 4;

/// Receives one log line: UTF-8, NUL-terminated, valid only during the call, never containing a
/// secret; voucher codes appear masked. May be called from any thread, also concurrently.
pub type VlLogFn =
    Option<unsafe extern "system" fn(level: VlLogLevel, message_utf8: *const c_char, user_data: *mut c_void)>;

/// A client for one provider account. Opaque; create with `vl_client_new`, free with
/// `vl_client_free`. May be used from several threads at once.
pub struct VlClient {
    client: Client,
}

/// The library version, `"MAJOR.MINOR.PATCH"`. Static: never free it.
#[unsafe(no_mangle)]
pub extern "system" fn vl_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The ABI version the library was built with; equals `VL_ABI_VERSION` of a matching header.
#[unsafe(no_mangle)]
pub extern "system" fn vl_abi_version() -> u32 {
    VL_ABI_VERSION
}

/// The name of a status, as the result document's `status` says it: `"ok"`, `"rejected"`,
/// `"in_doubt"`, ...; `"unknown"` for a value that is not a `VlStatus`. Static: never free it.
#[unsafe(no_mangle)]
pub extern "system" fn vl_status_name(status: u32) -> *const c_char {
    VlStatus::from_code(status).map_or(c"unknown", VlStatus::c_name).as_ptr()
}

/// Creates a client from a JSON configuration, e.g.
/// `{"provider":"eguma","api_key":"...","pos_id":"KASSE-1"}`.
///
/// On success `*out_client` is the new client and `out_json` describes it (`data.provider`,
/// `data.settings` without secrets, `data.operations`). On failure `*out_client` is NULL and
/// `out_json` carries the error: `VL_CONFIG` for a wrong configuration (malformed JSON, unknown
/// key, missing credential, bad URL), `VL_INVALID_ARGUMENT` for NULL or non-UTF-8 arguments.
///
/// # Safety
/// `config_json` must be NULL or a NUL-terminated string; `out_client` and `out_json` must be
/// NULL or point to writable pointers.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_client_new(
    config_json: *const c_char,
    out_client: *mut *mut VlClient,
    out_json: *mut *mut c_char,
) -> VlStatus {
    if !out_client.is_null() {
        // SAFETY: checked not NULL; the caller provides writable storage.
        unsafe { *out_client = std::ptr::null_mut() };
    }
    respond(out_json, || {
        if out_client.is_null() {
            return Err(Error::invalid("`out_client` is NULL"));
        }
        // SAFETY: the caller's contract for `config_json`.
        let config = unsafe { read_str(config_json, "config_json") }?;
        let client = Client::new(config)?;
        let description = client.describe();
        // SAFETY: checked not NULL above.
        unsafe { *out_client = Box::into_raw(Box::new(VlClient { client })) };
        Ok(description)
    })
}

/// Frees a client. NULL is a no-op. No other call may be using the client, and it must not be
/// freed twice.
///
/// # Safety
/// `client` must be NULL or a handle from `vl_client_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_client_free(client: *mut VlClient) {
    if client.is_null() {
        return;
    }
    // SAFETY: the caller hands back ownership of a live handle.
    let owned = unsafe { Box::from_raw(client) };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(owned)));
}

/// Frees a string the library handed out (every `out_json`). NULL is a no-op. Never use `free()`
/// on these strings.
///
/// # Safety
/// `s` must be NULL or a string from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // SAFETY: the string came from CString::into_raw in this library.
    drop(unsafe { std::ffi::CString::from_raw(s) });
}

/// Sends the library's log lines at `min_level` and above to `callback` (process-wide; replaces
/// any earlier logger). A NULL callback turns logging off. `user_data` is passed back unchanged.
/// Lines never contain secrets, and voucher codes are masked.
///
/// Returns `VL_INVALID_ARGUMENT` for an unknown `min_level`, else `VL_OK`.
///
/// # Safety
/// `callback` must stay callable, and `user_data` valid, until logging is turned off or replaced;
/// the callback must be safe to call from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_set_logger(
    callback: VlLogFn,
    user_data: *mut c_void,
    min_level: VlLogLevel,
) -> VlStatus {
    let result = std::panic::catch_unwind(|| {
        let Some(level) = Level::from_u32(min_level) else {
            return Err(Error::invalid(format!("`min_level` {min_level} is not a VL_LOG_* level")));
        };
        let sink: Option<log::Sink> = callback.map(|f| {
            let user_data = UserData(user_data);
            Arc::new(move |level: Level, line: &str| {
                let text = std::ffi::CString::new(line.replace('\0', " ")).unwrap_or_default();
                let data = &user_data;
                // SAFETY: the caller guarantees the callback and user_data stay valid while set.
                unsafe { f(level as VlLogLevel, text.as_ptr(), data.0) };
            }) as log::Sink
        });
        log::set_sink(sink, level);
        Ok(())
    });
    result.map(|r| status_of(&r)).unwrap_or(VlStatus::VL_INTERNAL)
}

/// The host's `user_data`: the host promises the callback is safe to call from any thread.
struct UserData(*mut c_void);
// SAFETY: vl_set_logger's contract makes the callback and its user_data thread-safe.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

/// Runs one operation: the shared body of every `vl_<operation>` function.
unsafe fn operation(
    op: Operation,
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    respond(out_json, || {
        // SAFETY: the caller's contract for `client` and `request_json`.
        let client = unsafe { client_ref(client) }?;
        let request = unsafe { read_str(request_json, "request_json") }?;
        client.perform(op, request)
    })
}

/// Opens the way to the provider(s) now — DNS, TCP, TLS, the proxy, a token — so that the cashier's
/// next call costs one round trip. Call it when the voucher payment screen opens. Never moves money.
/// `{}` (every provider of the client) or `{"provider":"eguma"}` →
/// `{"providers":[{"provider":"eguma","ready":true,"ms":38}]}`. A provider that is not ready makes
/// the call fail with its error (`VL_NETWORK`, `VL_AUTH`, ...; `error.providers` names every one
/// not ready): also a quick health check.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_prepare(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    respond(out_json, || {
        // SAFETY: the caller's contract for `client` and `request_json`.
        let client = unsafe { client_ref(client) }?;
        let request = unsafe { read_str(request_json, "request_json") }?;
        client.prepare(request)
    })
}

/// Which operations this client's provider supports: `{}` →
/// `{"provider":"eguma","operations":["capabilities","balance",...]}`.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or a NUL-terminated string;
/// `out_json` NULL or writable. The same holds for every `vl_<operation>` function.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_capabilities(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Capabilities, client, request_json, out_json) }
}

/// Looks a voucher up: `{"code":"L4FU-5LQT-KJR3"}` (Treazure also `serial_number` +
/// `scratch_code`) → voucher `{provider, code, status, redeemable, balance, initial_amount,
/// currency, message, expires_at, restrictions, raw}`. Use the returned `code` for follow-ups.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_balance(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Balance, client, request_json, out_json) }
}

/// Takes money from a voucher: `{"code":..,"amount":"20.00"}` or
/// `{"code":..,"remaining_to_pay":"80.00"}` (takes min(remaining_to_pay, balance)) →
/// redemption `{provider, code, amount, balance, currency, transaction_id, receipt_lines}`.
/// Keep `transaction_id` for `vl_cancel_redemption`. Moves money: journaled, never re-sent.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_redeem(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Redeem, client, request_json, out_json) }
}

/// Gives a redemption back: `{"code":..,"transaction_id":..,"amount":"20.00"}` → redemption.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_cancel_redemption(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::CancelRedemption, client, request_json, out_json) }
}

/// Whether a voucher can be sold: `{"code":..}` →
/// `{code, can_activate, free_amount, amount, currency, message}`.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_activation_status(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::ActivationStatus, client, request_json, out_json) }
}

/// Sells (activates / loads) a voucher: `{"code":..,"amount":"25.00"}` (`amount` required exactly
/// when the voucher has a free amount) → voucher.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_activate(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Activate, client, request_json, out_json) }
}

/// Undoes an activation right after it: `{"code":..,"transaction_id":..}` → voucher.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_cancel_activation(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::CancelActivation, client, request_json, out_json) }
}

/// Whether a sold voucher can be taken back: `{"code":..}` →
/// `{code, can_deactivate, amount, currency, message}`.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_deactivation_status(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::DeactivationStatus, client, request_json, out_json) }
}

/// Takes a sold voucher back: `{"code":..,"reason":"order cancelled"}` → voucher.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_deactivate(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Deactivate, client, request_json, out_json) }
}

/// Issues a new virtual card: `{"amount":"50.00"}` → voucher with the new `code`.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_issue(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Issue, client, request_json, out_json) }
}

/// A card's balance mutations: `{"code":..,"condensed":true}` → `{entries:[..]}`.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_history(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::History, client, request_json, out_json) }
}

/// A loyalty member's vouchers: `{"member_code":..}`, `{"phone_number":..}` or `{"search":..}` →
/// `{member:{..}, vouchers:[..]}`.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_member_vouchers(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::MemberVouchers, client, request_json, out_json) }
}

/// What a voucher does to an order: `{"code":..,"order_total":"200.00"}` →
/// `{valid, voucher, discount, order_total, total_after_discount}`.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_validate(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Validate, client, request_json, out_json) }
}

/// Reports the finished order, which consumes the voucher: `{"order_id":..,"order_total":..,
/// "discount":..,"total_after_discount":..,"code":..,"member_code":..}` → `{accepted:true}`.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_submit_order(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::SubmitOrder, client, request_json, out_json) }
}

/// Reserves a coupon during checkout: `{"code":..}` → voucher (status `locked`).
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_lock(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Lock, client, request_json, out_json) }
}

/// Releases a reserved coupon when the sale is abandoned: `{"code":..}` → voucher.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_unlock(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Unlock, client, request_json, out_json) }
}

/// Journal entries not yet settled (also after a crash and restart): `{}` → `{entries:[..]}`.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_pending(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Pending, client, request_json, out_json) }
}

/// Retries resolution of pending journal entries: `{}` → `{resolved:[..], still_pending:[..]}`.
///
/// # Safety
/// See `vl_capabilities`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vl_recover(
    client: *const VlClient,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VlStatus {
    unsafe { operation(Operation::Recover, client, request_json, out_json) }
}
