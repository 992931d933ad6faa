//! Coupontools' coupon-session API (v3): paths, parameters, answers and errors, in one place.
//!
//! Sources: Coupontools' **documentation** (docs.coupontools.com/api/coupon, the authentication
//! and error pages, and its POS guide: decide on `validated` and `locked`; "the coupon or voucher
//! $sessionid was already used at $validation_date_utc"), its **published session sample**
//! (`session_campaign_data`: flags as `"0"`/`"1"`, dates `YYYY-MM-DD HH:MM:SS` UTC or `""` — whose
//! `expiration_date` is *earlier* than its creation date: dates are reported, never acted on), and
//! a **real client** (`ias-digital-group/rebens-api`, `ias.Rebens/Integration/CouponToolsHelper.cs`:
//! a form body `couponsession=…`, headers `X-Client-id` / `X-Client-secret`, and it reads
//! `validation_date_utc`, `voided_date_utc`, `locked`, `value`, `validation_value` from
//! `data.status`). **Assumed**: the update call's parameters beyond `couponsession` (one action
//! flag per call set to `"1"` — `validate`, `lock` or `unlock` — and `money_spent` as `0.000`
//! beside `validate`) and that it answers like the data call.
//!
//! - Every call is a POST with `X-Client-Id` / `X-Client-Secret`; the library sends JSON (the
//!   docs' samples), the simulator also takes the real client's form bodies.
//! - Validated and voided: the sample's flags (`validated`, `voided`) or the real client's dates
//!   (`validation_date_utc`, `voided_date_utc`), whichever comes: both are read.
//! - Failures: `{"status":{"status":"failed","errors":{"error_code", "error_message",
//!   "error_message_description"}}}`, `error_code` a number (1000: credentials) or a list; the
//!   body decides, whatever the HTTP status. 200 and 300–349 a wrong parameter (the cashier's when
//!   it names `couponsession`); 330 already validated, 331 locked, 332 voided (assumed, seen in no
//!   public text); 5xx codes "not found" (513 the session: assumed).

use serde::Deserialize;
use serde_json::Value;

use crate::http::HttpResponse;
use crate::providers::wire::{Meaning, ProviderError, json_of};

/// How the library names Coupontools in messages.
pub(crate) const NAME: &str = "Coupontools";

/// The production base URL (docs; the real client uses the older `https://api4coupons.com`).
pub(crate) const BASE_URL: &str = "https://api.coupontools.com";
/// Session data.
pub(crate) const DATA: &str = "/v3/couponsession/data";
/// Session update.
pub(crate) const UPDATE: &str = "/v3/couponsession/update";
/// The session parameter of both calls.
pub(crate) const SESSION: &str = "couponsession";
/// ASSUMED: the action flags of an update, each set to "1", one per call.
pub(crate) const VALIDATE: &str = "validate";
/// See [`VALIDATE`].
pub(crate) const LOCK: &str = "lock";
/// See [`VALIDATE`].
pub(crate) const UNLOCK: &str = "unlock";
/// The sale total beside `validate`, in the format `0.000`.
pub(crate) const MONEY_SPENT: &str = "money_spent";
/// The credential headers (docs; the real client writes `X-Client-id`).
pub(crate) const CLIENT_ID_HEADER: &str = "X-Client-Id";
/// See [`CLIENT_ID_HEADER`].
pub(crate) const CLIENT_SECRET_HEADER: &str = "X-Client-Secret";

/// The error code of an already validated session.
pub(crate) const ALREADY_VALIDATED: &str = "330";

/// A session answer.
#[derive(Deserialize)]
pub(crate) struct Answer {
    #[serde(default)]
    pub session: Option<String>,
    #[serde(default)]
    pub campaign: Option<String>,
    /// The session's state: what money depends on (required).
    pub data: Data,
}

/// The `data` of a session answer.
#[derive(Deserialize)]
pub(crate) struct Data {
    pub status: SessionStatus,
}

/// `data.status`: flags as `"0"`/`"1"` (or numbers), dates as text (`""` for none).
#[derive(Deserialize)]
pub(crate) struct SessionStatus {
    #[serde(default)]
    claimed: Value,
    #[serde(default)]
    claim_date_utc: Option<String>,
    #[serde(default)]
    validated: Value,
    #[serde(default)]
    validation_date_utc: Option<String>,
    #[serde(default)]
    voided: Value,
    #[serde(default)]
    voided_date_utc: Option<String>,
    #[serde(default)]
    locked: Value,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    expiration_date: Option<String>,
}

impl SessionStatus {
    /// Claimed by the customer: the flag where there is one, else its date.
    pub fn claimed(&self) -> bool {
        if self.claimed.is_null() { self.claimed_at().is_some() } else { flag(&self.claimed) }
    }
    /// When it was claimed.
    pub fn claimed_at(&self) -> Option<String> {
        date(&self.claim_date_utc)
    }
    /// Validated: the flag (sample) or its date (real client); either is enough (a coupon taken
    /// for unused when it was used would be given twice).
    pub fn validated(&self) -> bool {
        flag(&self.validated) || self.validated_at().is_some()
    }
    /// When it was validated.
    pub fn validated_at(&self) -> Option<String> {
        date(&self.validation_date_utc)
    }
    /// Voided: the flag (sample) or its date (real client).
    pub fn voided(&self) -> bool {
        flag(&self.voided) || date(&self.voided_date_utc).is_some()
    }
    /// Locked by a checkout.
    pub fn locked(&self) -> bool {
        flag(&self.locked)
    }
    /// The expiration date as Coupontools gives it (reported, never acted on).
    pub fn expires_at(&self) -> Option<String> {
        date(&self.expiration_date)
    }
}

fn flag(v: &Value) -> bool {
    match v {
        Value::String(s) => s.trim() == "1" || s.trim().eq_ignore_ascii_case("true"),
        Value::Number(n) => n.as_u64() == Some(1),
        Value::Bool(b) => *b,
        _ => false,
    }
}

fn date(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|d| !d.is_empty() && !d.starts_with("0000")).map(str::to_string)
}

/// Reads an answer: the session, or what Coupontools' failure envelope means (the body decides,
/// whatever the HTTP status).
pub(crate) fn read(response: &HttpResponse) -> Result<(Answer, Value), ProviderError> {
    let status = response.status;
    let body = match json_of(NAME, response) {
        Ok(b) => b,
        Err(_) if status == 401 || status == 403 => {
            return Err(ProviderError::new(Meaning::Auth, status, "Coupontools refused the client id or secret"));
        }
        Err(e) => return Err(e),
    };
    match body["status"]["status"].as_str() {
        Some(s) if s.eq_ignore_ascii_case("OK") => {}
        Some(s) if s.eq_ignore_ascii_case("failed") => return Err(failure(status, &body["status"]["errors"])),
        _ => return Err(ProviderError::unusable(NAME, status, "no `status`")),
    }
    let answer = Answer::deserialize(&body).map_err(|e| ProviderError::unusable(NAME, status, e))?;
    Ok((answer, body))
}

/// What a `failed` envelope means: 1000 credentials; 200 and 300–349 a wrong parameter (the
/// cashier's when it is the scanned session); 330–332 the session's state; 5xx codes "not found".
/// Coupontools saying "failed" is a definite no.
fn failure(http: u16, errors: &Value) -> ProviderError {
    let codes: Vec<u64> = match &errors["error_code"] {
        Value::Array(list) => list.iter().filter_map(Value::as_u64).collect(),
        v => v.as_u64().into_iter().collect(),
    };
    let description = match &errors["error_message_description"] {
        Value::Array(list) => list.first().and_then(Value::as_str),
        v => v.as_str(),
    };
    let text = description.or_else(|| errors["error_message"].as_str()).unwrap_or_default();
    let code = codes.first().copied().unwrap_or(0);
    let about_the_session = text.contains(SESSION);
    let (meaning, fallback) = match code {
        1000 | 101 | 102 => (Meaning::Auth, "Coupontools refused the client id or secret"),
        200 | 300..=349 if about_the_session => (Meaning::Input, "Coupontools cannot read this coupon"),
        330..=332 => (Meaning::Rejected, "Coupontools refused: the coupon's state does not allow this"),
        200 | 300..=349 => (Meaning::Failed, "Coupontools rejected the request as malformed"),
        500..=599 => (Meaning::NotFound, "Coupontools does not know this coupon."),
        _ => (Meaning::Failed, "Coupontools failed"),
    };
    ProviderError::new(meaning, http, fallback).code(Some(code.to_string())).text(Some(text)).definite(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, body: body.as_bytes().to_vec(), elapsed: std::time::Duration::ZERO, headers: Vec::new() }
    }

    #[test]
    fn validated_and_voided_by_flag_or_by_date() {
        let by_flags = r#"{"status":{"status":"OK"},"session":"s1","data":{"status":{"validated":"1","validation_date_utc":"","voided":"0"}}}"#;
        let by_dates = r#"{"status":{"status":"OK"},"session":"s1","data":{"status":{"validation_date_utc":"2026-11-01 09:30:00","voided_date_utc":"2026-11-02 10:00:00","locked":"1"}}}"#;
        let (a, _) = read(&answer(200, by_flags)).unwrap();
        assert!(a.data.status.validated() && !a.data.status.voided() && a.data.status.validated_at().is_none());
        let (b, _) = read(&answer(200, by_dates)).unwrap();
        assert!(b.data.status.validated() && b.data.status.voided() && b.data.status.locked());
        assert_eq!(b.data.status.validated_at().as_deref(), Some("2026-11-01 09:30:00"));
    }

    #[test]
    fn failures_are_definite_and_mapped_by_code() {
        let auth = r#"{"status":{"status":"failed","errors":{"error_code":1000,"error_message":"HTTP/1.0 401 Unauthorized. Client ID or Secret not correct."}}}"#;
        let e = read(&answer(401, auth)).err().unwrap();
        assert_eq!((e.meaning, e.definite), (Meaning::Auth, true));
        let used = r#"{"status":{"status":"failed","errors":{"error_code":[330],"error_message_description":["Coupon session already validated"]}}}"#;
        let e = read(&answer(422, used)).err().unwrap();
        assert_eq!((e.meaning, e.code.as_deref()), (Meaning::Rejected, Some(ALREADY_VALIDATED)));
        let e = read(&answer(200, r#"{"oops":1}"#)).err().unwrap();
        assert!(!e.definite);
    }

    #[test]
    fn a_session_without_its_state_is_unusable() {
        let e = read(&answer(200, r#"{"status":{"status":"OK"},"session":"s1"}"#)).err().unwrap();
        assert!(!e.definite && e.fallback.contains("data"), "{}", e.fallback);
    }
}
