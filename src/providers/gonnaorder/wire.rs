//! GonnaOrder's POS voucher and loyalty API: paths, answers and errors, in one place.
//!
//! Sources: GonnaOrder's POS **guide** (gonnaorder.com/help, integrate vouchers and loyalty with a
//! POS: the endpoints, the external order's "201, or 500 without a body", "member not found");
//! GonnaOrder's own **web frontend** (a copy in `0fromaamir/GonnaOrder`, 2024: `auth.service.ts`
//! logs in with `{username, password}` and gets `{userId, username, tokens: {jwt, refreshToken}}`,
//! refreshes by posting the raw refresh token and reads `{jwt, refreshToken}` back, retries once
//! after a 401; `error.interceptor.ts` and `BackendErrorCodes.ts`: the `{"errors":[{code,
//! message}], "path", "method"}` envelope and its codes); a working **third-party client**
//! (`ioustinos/gonnaorder-scripts`: the API host `https://admin.gonnaorder.com/api/v1`, the enums
//! `MONETARY`/`PERCENTILE` and `MULTI_USE`/`ONE_TIME_USE` from a real payload, and error bodies
//! read as `detail`, `message` or `error` when there is no envelope). **Assumed**: the bodies of
//! the three POS endpoints beyond the guide's examples, and which HTTP status each error code
//! comes with.
//!
//! - Base URL: the guide names `api.gonnaorder.com` but logs in at `admin.gonnaorder.com`, and
//!   every working client uses `admin.` for everything: that is the default.
//! - `GET /stores/{id}/loyalty/customer-vouchers?memberCode=&phoneNumber=&searchString=` (guide)
//!   → the member (`name`, `phoneNumber`, `email`, `memberCode`) and its `vouchers`, absent when
//!   it has none (guide's example); "member not found" as a 404 or a 200 whose body is that string.
//! - `POST /stores/{id}/customer-voucher/validate/order` with `voucherCode` and
//!   `totalNonDiscountedPrice` (guide) → `active`, the `voucher`, and GonnaOrder's own figures in
//!   `order`; `{"active": false}` for a voucher without value.
//! - `POST /stores/{id}/external-order` (guide) → 201 without a body, or 500 without a body
//!   (documented failure).

use serde::Deserialize;
use serde_json::Value;

use crate::http::HttpResponse;
use crate::providers::wire::{Meaning, ProviderError, json_of};

/// How the library names GonnaOrder in messages.
pub(crate) const NAME: &str = "GonnaOrder";

/// The default base URL (see the module documentation).
pub(crate) const BASE_URL: &str = "https://admin.gonnaorder.com";
/// Every path is under this prefix.
pub(crate) const API: &str = "/api/v1";
/// Log in.
pub(crate) const LOGIN: &str = "/auth/login";
/// Renew the token with the refresh token (sent raw, as the frontend does; as `text/plain`:
/// assumed).
pub(crate) const REFRESH: &str = "/auth/token/refresh";
/// A member's vouchers, under the store.
pub(crate) const CUSTOMER_VOUCHERS: &str = "loyalty/customer-vouchers";
/// What a voucher does to an order, under the store.
pub(crate) const VALIDATE_ORDER: &str = "customer-voucher/validate/order";
/// Report a finished order, under the store.
pub(crate) const EXTERNAL_ORDER: &str = "external-order";

/// A login answer (frontend `LoginResponse`).
#[derive(Deserialize)]
pub(crate) struct Login {
    pub tokens: Tokens,
}

/// A JWT and its refresh token.
#[derive(Deserialize)]
pub(crate) struct Tokens {
    pub jwt: String,
    #[serde(default, rename = "refreshToken")]
    pub refresh_token: Option<String>,
}

/// A refresh answer: the tokens at the top (as the frontend reads it) or under `tokens`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Refreshed {
    /// `{"tokens": {...}}`
    Wrapped { tokens: Tokens },
    /// `{"jwt": .., "refreshToken": ..}`
    Flat(Tokens),
}

impl Refreshed {
    /// The tokens, however they came.
    pub fn tokens(self) -> Tokens {
        match self {
            Refreshed::Wrapped { tokens } | Refreshed::Flat(tokens) => tokens,
        }
    }
}

/// A member with its vouchers.
#[derive(Deserialize)]
pub(crate) struct Member {
    #[serde(default, rename = "memberCode")]
    pub member_code: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "phoneNumber")]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Absent for a member without vouchers (guide).
    #[serde(default)]
    pub vouchers: Vec<Voucher>,
}

/// A voucher. What money depends on (its code, value and kind) is required.
#[derive(Deserialize)]
pub(crate) struct Voucher {
    pub code: String,
    pub discount: Value,
    #[serde(rename = "discountType")]
    pub discount_type: String,
    #[serde(default)]
    pub source: Option<String>,
    /// The guide's own example spells this key `" description "`.
    #[serde(default, alias = " description ")]
    pub description: Option<Value>,
}

/// A validation answer.
#[derive(Deserialize)]
pub(crate) struct Validation {
    /// Whether the voucher gives anything (money depends on it: required).
    pub active: bool,
    #[serde(default)]
    pub voucher: Option<Voucher>,
    /// GonnaOrder's own figures.
    #[serde(default)]
    pub order: Option<OrderFigures>,
}

/// GonnaOrder's figures for an order.
#[derive(Deserialize)]
pub(crate) struct OrderFigures {
    #[serde(default, rename = "voucherDiscount")]
    pub voucher_discount: Option<Value>,
}

/// Whether a member lookup's answer is "member not found" (a 404, or a 200 whose body is that
/// string: guide).
pub(crate) fn member_not_found(response: &HttpResponse) -> bool {
    response.status == 404
        || response.text().is_some_and(|t| t.trim().trim_matches('"').eq_ignore_ascii_case("member not found"))
}

/// What an error answer means, from the `errors` envelope where there is one, else the body's
/// `detail`, `message` or `error`, or the body as a string; the code decides, else the status.
pub(crate) fn error(response: &HttpResponse) -> ProviderError {
    let status = response.status;
    let body = json_of(NAME, response).ok();
    let first = body.as_ref().and_then(|b| b["errors"].get(0)).cloned();
    let code = first.as_ref().and_then(|e| e["code"].as_str()).map(str::to_string);
    let text = first
        .as_ref()
        .and_then(|e| e["message"].as_str())
        .or_else(|| ["detail", "message", "error"].iter().find_map(|k| body.as_ref()?.get(k)?.as_str()))
        .or_else(|| body.as_ref().and_then(Value::as_str))
        .map(str::to_string);
    let by_status = match status {
        401 | 403 => Meaning::Auth,
        404 => Meaning::NotFound,
        400 | 409 | 422 => Meaning::Rejected,
        _ => Meaning::Failed,
    };
    let meaning = match code.as_deref() {
        Some("VOUCHER_NOT_FOUND" | "ORDER_NOT_FOUND") => Meaning::NotFound,
        Some(
            "INVALID_CUSTOMER_VOUCHER"
            | "CUSTOMER_VOUCHER_ALREADY_CONSUMED"
            | "CUSTOMER_VOUCHER_NOT_SUPPORTED"
            | "CUSTOMER_VOUCHER_ALREADY_PRESENT"
            | "ORDER_MINIMUM_AMOUNT_NOT_MET"
            | "PROMOTION_NOT_ELIGIBLE"
            | "ORDER_WITH_VOUCHER_NOT_SUPPORTED",
        ) => Meaning::Rejected,
        Some("UNAUTHORIZED_ERROR" | "ACCESS_DENIED") => Meaning::Auth,
        // The configured store_id is wrong.
        Some("STORE_NOT_FOUND") => Meaning::Config,
        // Our request was malformed: a bug to surface, not the cashier's fault.
        Some("INVALID_INPUT" | "INVALID_PARAMS" | "INTERNAL_ERROR") => Meaning::Failed,
        _ => by_status,
    };
    ProviderError::new(meaning, status, format!("GonnaOrder answered HTTP {status}")).code(code).text(text.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, body: body.as_bytes().to_vec(), elapsed: std::time::Duration::ZERO, headers: Vec::new() }
    }

    #[test]
    fn the_frontends_envelope_and_other_error_bodies() {
        let e = error(&answer(
            400,
            r#"{"errors":[{"code":"CUSTOMER_VOUCHER_ALREADY_CONSUMED","message":"Already used"}],"path":"/api/v1/x","method":"POST"}"#,
        ));
        assert_eq!(
            (e.meaning, e.code.as_deref(), e.text.as_deref()),
            (Meaning::Rejected, Some("CUSTOMER_VOUCHER_ALREADY_CONSUMED"), Some("Already used"))
        );
        let e = error(&answer(404, r#"{"errors":[{"code":"STORE_NOT_FOUND","message":"No store"}]}"#));
        assert_eq!(e.meaning, Meaning::Config);
        let e = error(&answer(
            400,
            r#"{"timestamp":"2026-01-01","status":400,"error":"Bad Request","message":"Failed to read request"}"#,
        ));
        assert_eq!((e.meaning, e.text.as_deref()), (Meaning::Rejected, Some("Failed to read request")));
        let e = error(&answer(500, ""));
        assert_eq!((e.meaning, e.text, e.definite), (Meaning::Failed, None, false));
        assert!(member_not_found(&answer(200, "\"member not found\"")));
    }

    #[test]
    fn login_and_refresh_answers_as_the_frontend_reads_them() {
        let login: Login =
            serde_json::from_str(r#"{"userId":7,"username":"pos","tokens":{"jwt":"j","refreshToken":"r"}}"#).unwrap();
        assert_eq!((login.tokens.jwt.as_str(), login.tokens.refresh_token.as_deref()), ("j", Some("r")));
        for body in [r#"{"jwt":"j2","refreshToken":"r2"}"#, r#"{"tokens":{"jwt":"j2","refreshToken":"r2"}}"#] {
            let t = serde_json::from_str::<Refreshed>(body).unwrap().tokens();
            assert_eq!(t.jwt, "j2", "{body}");
        }
    }
}
