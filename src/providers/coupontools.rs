//! Coupontools coupon sessions (API v3).
//!
//! Documented (research/providers.md §4, seeds/003): every call a POST to
//! `https://api.coupontools.com/v3/...` with `X-Client-Id` / `X-Client-Secret`; `couponsession/data`
//! with `couponsession` → the session (flags as "0"/"1", dates "YYYY-MM-DD HH:MM:SS" UTC or "");
//! `couponsession/update` to lock and validate it; `money_spent` in the format `0.000`; a QR code
//! carries the session URL `https://digicpn.com/p/{campaign}/{session}`; failures as
//! `{"status":{"status":"failed","errors":{"error_code", ...}}}` with `error_code` a number (1000,
//! credentials) or a list (200 missing parameter, 300–349 incorrect value, 513 session not found,
//! other 5xx codes "not found").
//!
//! Assumed (the update parameters beyond `couponsession` and its answer are not public; all in
//! [`wire`], and in the README): one action flag per update — `validate`, `lock` or `unlock` — set
//! to "1", `money_spent` beside `validate`; the update answers like the data endpoint; the HTTP
//! status of a failure is ignored (the body decides).
//!
//! Money safety: validating consumes the coupon, so it goes through the journal; a lost answer is
//! resolved from the session's `validated` flag. Coupontools documents no way to undo a
//! validation, so none is offered (`vl_cancel_redemption` is unsupported, and a lost validation that
//! went through is kept whatever the policy).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::journal::{Entry, typed};
use crate::log::{Level, Redactor};
use crate::model::{Redemption, Voucher, VoucherStatus};
use crate::money;
use crate::providers::{self, Call, Provider, ProviderInfo};
use crate::request::Fields;
use crate::status::VlStatus;
use crate::transaction::{self, Answer, Check, Plan, Settlement};

const ID: &str = "coupontools";

/// The registry entry.
pub(crate) const INFO: ProviderInfo =
    ProviderInfo { id: ID, default_base_url: |_| Ok(Some("https://api.coupontools.com".into())), create };

/// Everything assumed about Coupontools' update-session call, in one place.
pub mod wire {
    /// Session data.
    pub const DATA: &str = "/v3/couponsession/data";
    /// Session update.
    pub const UPDATE: &str = "/v3/couponsession/update";
    /// The session parameter of both calls.
    pub const SESSION: &str = "couponsession";
    /// ASSUMED: the action flags of an update, each set to "1", one per call.
    pub const VALIDATE: &str = "validate";
    /// See [`VALIDATE`].
    pub const LOCK: &str = "lock";
    /// See [`VALIDATE`].
    pub const UNLOCK: &str = "unlock";
    /// The sale total beside `validate`, in the format `0.000`.
    pub const MONEY_SPENT: &str = "money_spent";
}

fn create(fields: &mut Fields, settings: &Settings, redactor: &Redactor) -> Result<Box<dyn Provider>> {
    let text = |f: &mut Fields, key: &str| f.opt_text(key, 256).map_err(|e| Error::config(e.message));
    let client_id = text(fields, "client_id")?.ok_or_else(|| Error::config("`client_id` is missing"))?;
    let client_secret = text(fields, "client_secret")?.ok_or_else(|| Error::config("`client_secret` is missing"))?;
    redactor.add(&client_secret);
    Ok(Box::new(Coupontools { base_url: settings.base_url.clone(), client_id, client_secret }))
}

/// The Coupontools provider of one client.
pub struct Coupontools {
    base_url: String,
    client_id: String,
    client_secret: String,
}

/// A session as the library reads it.
struct Session {
    id: String,
    campaign: Option<String>,
    claimed: bool,
    claimed_at: Option<String>,
    validated: bool,
    validated_at: Option<String>,
    locked: bool,
    voided: bool,
    value: Option<Decimal>,
    expires_at: Option<String>,
    raw: Value,
}

impl Session {
    fn status(&self) -> VoucherStatus {
        if self.validated {
            VoucherStatus::Redeemed
        } else if self.voided {
            VoucherStatus::Void
        } else if self.locked {
            VoucherStatus::Locked
        } else if self.expires_at.as_deref().is_some_and(|e| e < now_utc().as_str()) {
            VoucherStatus::Expired
        } else if !self.claimed {
            VoucherStatus::Created
        } else {
            VoucherStatus::Active
        }
    }

    /// Why it cannot be used, for the cashier; None when it can.
    fn refusal(&self) -> Option<String> {
        match self.status() {
            VoucherStatus::Redeemed => Some(format!(
                "The coupon was already used at {} UTC.",
                self.validated_at.as_deref().unwrap_or("an unknown time")
            )),
            VoucherStatus::Void => Some("The coupon has been voided.".into()),
            VoucherStatus::Locked => Some("The coupon is locked by a checkout in progress.".into()),
            VoucherStatus::Expired => {
                Some(format!("The coupon expired on {} UTC.", self.expires_at.as_deref().unwrap_or("?")))
            }
            VoucherStatus::Created => Some("The coupon has not been claimed yet.".into()),
            _ => None,
        }
    }

    fn voucher(&self) -> Voucher {
        let status = self.status();
        Voucher {
            provider: ID,
            code: self.id.clone(),
            status,
            redeemable: status == VoucherStatus::Active,
            balance: self.value,
            initial_amount: self.value,
            currency: None,
            message: self.refusal(),
            expires_at: self.expires_at.clone(),
            restrictions: Vec::new(),
            transaction_id: None,
            details: json!({
                "campaign": self.campaign, "claimed_at": self.claimed_at,
                "validated_at": self.validated_at, "locked": self.locked,
            }),
            raw: self.raw.clone(),
        }
    }
}

/// Now as Coupontools writes dates: `YYYY-MM-DD HH:MM:SS` (UTC).
fn now_utc() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_string()
}

/// The session id in what was scanned or typed: the id itself, or the session URL of the QR
/// code (`https://digicpn.com/p/{campaign}/{session}`, any host, trailing slash or query allowed).
/// Case-sensitive. Anything but letters and digits is refused before anything is sent.
pub fn session_id(raw: &str) -> Result<String> {
    let input = raw.trim();
    let id = if input.contains('/') {
        let without_scheme = input.split_once("://").map_or(input, |(_, rest)| rest);
        let path = without_scheme.split(['?', '#']).next().unwrap_or_default();
        let segments: Vec<&str> = path.split('/').skip(1).filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [.., "p", _campaign, session] => *session,
            _ => {
                return Err(Error::invalid(format!(
                    "`code` {input:?} is not a coupon URL of the form https://digicpn.com/p/<campaign>/<session>"
                )));
            }
        }
    } else {
        input
    };
    if id.is_empty() {
        return Err(Error::invalid("`code` is empty"));
    }
    if id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid(format!(
            "`code` {id:?} is not a coupon session id (letters and digits only, at most 64)"
        )));
    }
    Ok(id.to_string())
}

impl Coupontools {
    fn request(&self, path: &str, params: Value) -> HttpRequest {
        HttpRequest::post_json(format!("{}{path}", self.base_url), format!("POST {path}"), &params)
            .header("x-client-id", self.client_id.clone())
            .header("x-client-secret", self.client_secret.clone())
    }

    fn fetch(&self, call: &Call, id: &str) -> Result<Session> {
        let response = call.read(&self.request(wire::DATA, json!({ wire::SESSION: id }))).map_err(|f| f.error(ID))?;
        self.session_of(call, &response)
    }

    /// The session in an answer, or the error its `status` means.
    fn session_of(&self, call: &Call, response: &HttpResponse) -> Result<Session> {
        let body = match providers::json_body(ID, response) {
            Ok(b) => b,
            Err(e) if response.status == 401 || response.status == 403 => {
                return Err(Error::new(VlStatus::VL_AUTH, "Coupontools refused the client id or secret")
                    .with_provider(ID)
                    .with_http_status(response.status)
                    .with_provider_message(e.message));
            }
            Err(e) => return Err(e),
        };
        match body["status"]["status"].as_str() {
            Some("OK") => {}
            Some("failed") => return Err(failure(call, response.status, &body["status"]["errors"])),
            _ => {
                return Err(Error::provider_failure(format!(
                    "unexpected answer from Coupontools (HTTP {})",
                    response.status
                ))
                .with_provider(ID)
                .with_http_status(response.status));
            }
        }
        let status = &body["data"]["status"];
        let flag = |k: &str| status[k].as_str() == Some("1");
        let date = |k: &str| status[k].as_str().filter(|d| !d.is_empty()).map(str::to_string);
        let value = match status["value"].as_str().filter(|v| !v.trim().is_empty()) {
            Some(v) => Some(money::with_scale(
                money::parse_decimal(&json!(v), "value").map_err(|e| {
                    Error::provider_failure(format!("unexpected answer from Coupontools: {}", e.message))
                        .with_provider(ID)
                })?,
                2,
            )),
            None => None,
        };
        let id = body["session"].as_str().map(|s| s.trim_end_matches(',').to_string()).ok_or_else(|| {
            Error::provider_failure("unexpected answer from Coupontools: no `session`").with_provider(ID)
        })?;
        Ok(Session {
            id,
            campaign: body["campaign"].as_str().map(str::to_string),
            claimed: flag("claimed"),
            claimed_at: date("claim_date_utc"),
            validated: flag("validated"),
            validated_at: date("validation_date_utc"),
            locked: flag("locked"),
            voided: flag("voided"),
            value,
            expires_at: date("expiration_date"),
            raw: call.redact_json(body),
        })
    }

    /// Sets one action flag on a session (lock, unlock). Not money-moving: a lost answer is
    /// checked by reading the session again.
    fn flag(&self, call: &Call, id: &str, action: &str, is_set: impl Fn(&Session) -> bool) -> Result<Voucher> {
        let request = self.request(wire::UPDATE, json!({ wire::SESSION: id, action: "1" }));
        match call.send(&request) {
            Ok(response) => Ok(self.session_of(call, &response)?.voucher()),
            Err(f) => {
                let now = self.fetch(call, id).map_err(|_| f.error(ID))?;
                if is_set(&now) { Ok(now.voucher()) } else { Err(f.error(ID)) }
            }
        }
    }
}

/// The error a `failed` status means: 1000 credentials; 200 and 300–349 a wrong parameter (the
/// cashier's when it is the scanned session); 5xx codes "not found".
fn failure(call: &Call, http: u16, errors: &Value) -> Error {
    let codes: Vec<u64> = match &errors["error_code"] {
        Value::Array(list) => list.iter().filter_map(Value::as_u64).collect(),
        v => v.as_u64().into_iter().collect(),
    };
    let text = errors["error_message_description"]
        .get(0)
        .and_then(Value::as_str)
        .or_else(|| errors["error_message"].as_str())
        .map(|t| call.redact(&providers::text_excerpt(t)))
        .unwrap_or_default();
    let code = codes.first().copied().unwrap_or(0);
    let about_the_session = text.contains("couponsession");
    let (status, message) = match code {
        1000 | 101 | 102 => (VlStatus::VL_AUTH, format!("Coupontools refused the client id or secret: {text}")),
        200 | 300..=349 if about_the_session => (VlStatus::VL_INVALID_ARGUMENT, text.clone()),
        330..=332 => (VlStatus::VL_REJECTED, text.clone()),
        200 | 300..=349 => (VlStatus::VL_PROVIDER, format!("Coupontools rejected the request as malformed: {text}")),
        500..=599 => (
            VlStatus::VL_NOT_FOUND,
            if code == 513 { "Coupontools does not know this coupon.".into() } else { text.clone() },
        ),
        _ => (VlStatus::VL_PROVIDER, format!("Coupontools failed: {text}")),
    };
    let mut error =
        Error::new(status, message).with_provider(ID).with_http_status(http).with_provider_code(code.to_string());
    if !text.is_empty() {
        error = error.with_provider_message(text);
    }
    error
}

/// `money_spent` as Coupontools wants it: `0.000`.
fn money_spent_text(amount: Decimal) -> String {
    let mut a = amount;
    a.rescale(3);
    a.to_string()
}

fn read_session(call: &Call, req: &mut Fields) -> Result<String> {
    let raw = req.text("code", 2048)?;
    let id = session_id(&raw)?;
    call.hide_code(&id);
    Ok(id)
}

impl Provider for Coupontools {
    fn id(&self) -> &'static str {
        ID
    }

    fn balance(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let id = read_session(call, req)?;
        req.finish()?;
        Ok(self.fetch(call, &id)?.voucher())
    }

    fn lock(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let id = read_session(call, req)?;
        req.finish()?;
        let now = self.fetch(call, &id)?;
        if let Some(why) = now.refusal() {
            return Err(Error::rejected(why).with_provider(ID));
        }
        self.flag(call, &id, wire::LOCK, |s| s.locked)
    }

    fn unlock(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let id = read_session(call, req)?;
        req.finish()?;
        self.flag(call, &id, wire::UNLOCK, |s| !s.locked)
    }

    fn redeem(&self, call: &Call, req: &mut Fields) -> Result<Redemption> {
        let id = read_session(call, req)?;
        let money_spent = req.opt_amount_or_zero("money_spent", 2)?;
        req.finish()?;
        let redemption = |id: &str, value: Option<Decimal>, validated_at: Option<&str>| {
            let mut lines = vec![format!("Coupon {}", crate::code::mask(id))];
            if let Some(v) = value {
                lines.push(format!("Coupon value {v}"));
            }
            lines.push(format!("Used {} UTC", validated_at.unwrap_or("now")));
            Redemption {
                provider: ID,
                code: id.to_string(),
                amount: value,
                balance: value.map(|_| Decimal::new(0, 2)),
                currency: None,
                transaction_id: None,
                receipt_lines: lines,
            }
        };
        transaction::execute(
            call,
            self,
            &id,
            |id| {
                let before = self.fetch(call, id)?;
                // A coupon locked for this checkout may be validated; used, voided or expired ones not.
                if before.status() != VoucherStatus::Locked
                    && let Some(why) = before.refusal()
                {
                    return Err(Error::rejected(why));
                }
                Ok(Plan {
                    code: before.id.clone(),
                    amount: before.value,
                    currency: None,
                    evidence: Value::Null,
                    data: typed(&Validation { money_spent: money_spent.map(|m| m.to_string()) }),
                    context: before.value,
                })
            },
            |entry, value| {
                let mut params = json!({ wire::SESSION: entry.code, wire::VALIDATE: "1" });
                if let Some(m) = money_spent {
                    params[wire::MONEY_SPENT] = json!(money_spent_text(m));
                }
                let sent = call.send(&self.request(wire::UPDATE, params));
                transaction::attempt(ID, sent, |response| match self.session_of(call, response) {
                    Ok(s) if s.validated => {
                        call.log(Level::Info, || format!("validated coupon {}", entry.code));
                        let at = s.validated_at.clone();
                        Answer::Done((
                            redemption(&entry.code, *value, at.as_deref()),
                            typed(&Validated { validated_at: at }),
                        ))
                    }
                    Ok(_) => Answer::Unclear(Error::provider_failure(
                        "Coupontools answered the validation without marking the coupon validated",
                    )),
                    // Coupontools' failure envelope with an error code is its answer, whatever the
                    // HTTP status; anything else does not tell.
                    Err(e) if e.provider_code.is_some() => Answer::Refused(e),
                    Err(e) => Answer::from_error(response.status, e),
                })
            },
            |entry, value| {
                let seen = Entry::read::<Validated>(&entry.result).and_then(|v| v.validated_at);
                redemption(&entry.code, *value, seen.as_deref())
            },
        )
    }
}

impl Settlement for Coupontools {
    /// A validation shows in the session's `validated` flag.
    fn check(&self, call: &Call, entry: &Entry) -> Check {
        match self.fetch(call, &entry.code) {
            Ok(s) if s.validated => Check::Applied(typed(&Validated { validated_at: s.validated_at })),
            Ok(_) => Check::Absent,
            Err(e) => Check::Unknown(format!("could not read the session: {}", e.message)),
        }
    }
}

/// What a validation sends besides the session (its journal data).
#[derive(Serialize, Deserialize)]
struct Validation {
    money_spent: Option<String>,
}

/// When Coupontools says the session was validated (the journal result).
#[derive(Serialize, Deserialize)]
struct Validated {
    validated_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_come_from_ids_and_qr_urls() {
        for scanned in [
            "kkfiznr8Yp8630h82es8d",
            " kkfiznr8Yp8630h82es8d ",
            "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d",
            "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d/",
            "http://coupons.example.org/p/v6n7gn/kkfiznr8Yp8630h82es8d?utm_source=qr",
            "digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d#top",
        ] {
            assert_eq!(session_id(scanned).unwrap(), "kkfiznr8Yp8630h82es8d", "{scanned}");
        }
        for bad in [
            "",
            "kkfi znr8",
            "kkfi-znr8",
            "https://digicpn.com/x/v6n7gn/abc",
            "https://digicpn.com/p/v6n7gn/",
            "abc'; drop",
            "ä",
        ] {
            assert_eq!(session_id(bad).unwrap_err().status(), VlStatus::VL_INVALID_ARGUMENT, "{bad:?}");
        }
    }

    #[test]
    fn money_spent_has_three_decimals() {
        assert_eq!(money_spent_text("12.5".parse().unwrap()), "12.500");
        assert_eq!(money_spent_text("0".parse().unwrap()), "0.000");
    }
}
