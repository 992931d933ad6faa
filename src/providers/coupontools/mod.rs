//! Coupontools coupon sessions (API v3). The wire format, with the source of every fact, is in
//! [`wire`].
//!
//! Never refused locally: whether a session can be locked or validated is Coupontools' to say (its
//! POS guide decides on `validated` and `locked`, which Coupontools itself checks); expiration
//! dates are reported, never acted on (Coupontools' own sample has one earlier than its creation).
//!
//! Money safety: validating consumes the coupon, so it goes through the journal; a lost answer is
//! resolved from the session's `validated` flag (or date). Coupontools documents no way to undo a
//! validation, so none is offered (`vl_cancel_redemption` is unsupported, and a lost validation
//! that went through is kept whatever the policy).

pub(crate) mod wire;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::{ReceiptCode, Settings};
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::i18n::{Arg, Said, Text, Voice};
use crate::journal::{Entry, typed};
use crate::log::Level;
use crate::model::{Raw, Redemption, Voucher, VoucherStatus};
use crate::money;
use crate::operation::Operation;
use crate::providers::wire::ProviderError;
use crate::providers::{self, Call, Codes, Probe, Provider, ProviderInfo};
use crate::receipt::{Receipt, ReceiptLines};
use crate::request::Fields;
use crate::transaction::{self, Answer, Check, Plan, Settlement};

const ID: &str = "coupontools";

/// The registry entry.
pub(crate) const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: wire::NAME,
    receipt_code: ReceiptCode::Masked,
    default_base_url: |_| Ok(Some(wire::BASE_URL.into())),
    create,
    config_keys: &["client_id", "client_secret"],
    secret_keys: &["client_secret"],
    codes: Codes {
        read: session_id,
        // What `session_id` accepts is the shape: letters and digits (the documented session ids
        // `ac6s7u3g8a25ja7x9qg87`, the short form `ac6s7u`, every recorded one).
        shape: providers::any_code,
        // The QR code's session URL `https://digicpn.com/p/{campaign}/{session}`.
        names_itself: |raw| raw.contains('/') && session_id(raw).is_ok(),
        // Only Coupontools records the money spent with a validation.
        own_fields: &["money_spent"],
    },
    probe: Probe {
        operation: Operation::Balance,
        request: r#"{"code":"voucherlinkdoctorprobe"}"#,
        proves: "Coupontools accepted the client id and secret",
        lookup: (Operation::Balance, "{}"),
    },
};

fn create(fields: &mut Fields, settings: &Settings) -> Result<Box<dyn Provider>> {
    let text = |f: &mut Fields, key: &str| f.opt_text(key, 256).map_err(|e| Error::config(e.message));
    let client_id = text(fields, "client_id")?.ok_or_else(|| Error::config("`client_id` is missing"))?;
    let client_secret = text(fields, "client_secret")?.ok_or_else(|| Error::config("`client_secret` is missing"))?;
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
    /// Where the session stands, from Coupontools' flags (its expiration date is only reported).
    fn status(&self) -> VoucherStatus {
        if self.validated {
            VoucherStatus::Redeemed
        } else if self.voided {
            VoucherStatus::Void
        } else if self.locked {
            VoucherStatus::Locked
        } else if !self.claimed {
            VoucherStatus::Created
        } else {
            VoucherStatus::Active
        }
    }

    /// What the cashier should know about its state; None when it can be used.
    fn note(&self, voice: &Voice) -> Option<String> {
        match self.status() {
            VoucherStatus::Redeemed => Some(voice.say(&already_used(self.validated_at.as_deref()))),
            VoucherStatus::Void => Some(voice.text(Text::CouponVoided)),
            VoucherStatus::Locked => Some(voice.text(Text::CouponLocked)),
            VoucherStatus::Created => Some(voice.text(Text::CouponNotClaimed)),
            _ => None,
        }
    }

    fn voucher(&self, call: &Call) -> Voucher {
        let status = self.status();
        let receipt_lines = coupon_receipt(call, &self.id, self.value, self.validated, self.validated_at.as_deref());
        Voucher {
            balance: self.value,
            initial_amount: self.value,
            message: self.note(&call.voice()),
            expires_at: self.expires_at.clone(),
            details: json!({
                "campaign": self.campaign, "claimed_at": self.claimed_at,
                "validated_at": self.validated_at, "locked": self.locked,
            }),
            ..Voucher::new(ID, self.id.clone(), status, receipt_lines, Raw::from_value(&self.raw))
        }
    }
}

/// Coupontools' guide: "The coupon or voucher $sessionid was already used at $validation_date_utc"
/// (the date in the till's time zone when there is one).
fn already_used(at: Option<&str>) -> Said {
    match at {
        Some(date) => Said::new(Text::CouponAlreadyUsedAt).with("date", Arg::Date(date.to_string())),
        None => Said::new(Text::CouponAlreadyUsed),
    }
}

/// A coupon's receipt lines: the coupon, its value (if it has one), when it was used.
fn coupon_receipt(
    call: &Call,
    id: &str,
    value: Option<Decimal>,
    validated: bool,
    validated_at: Option<&str>,
) -> ReceiptLines {
    let receipt = Receipt::new(call, Text::Coupon, id).amount_if(Text::CouponValue, value, None);
    match (validated, validated_at) {
        (true, Some(at)) => receipt.date(Text::UsedAt, at),
        (true, None) => receipt.line(Text::Used),
        (false, _) => receipt,
    }
    .lines()
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
        HttpRequest::post_json(format!("{}{path}", self.base_url), path.to_string(), &params)
            .header(wire::CLIENT_ID_HEADER, self.client_id.clone())
            .header(wire::CLIENT_SECRET_HEADER, self.client_secret.clone())
    }

    fn fetch(&self, call: &Call, id: &str) -> Result<Session> {
        let response = call.read(&self.request(wire::DATA, json!({ wire::SESSION: id }))).map_err(|f| f.error(ID))?;
        Ok(self.session_of(call, &response)?)
    }

    /// The session in an answer, or what Coupontools' envelope means.
    fn session_of(&self, call: &Call, response: &HttpResponse) -> std::result::Result<Session, ProviderError> {
        let (answer, body) = wire::read(response)?;
        let unusable = |what: &str| ProviderError::unusable(wire::NAME, response.status, what);
        let status = &answer.data.status;
        let value = match status.value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => {
                Some(money::with_scale(money::parse_decimal(&json!(v), "value").map_err(|e| unusable(&e.message))?, 2))
            }
            None => None,
        };
        let id = answer.session.map(|s| s.trim_end_matches(',').to_string()).ok_or_else(|| unusable("no `session`"))?;
        Ok(Session {
            id,
            campaign: answer.campaign,
            claimed: status.claimed(),
            claimed_at: status.claimed_at(),
            validated: status.validated(),
            validated_at: status.validated_at(),
            locked: status.locked(),
            voided: status.voided(),
            value,
            expires_at: status.expires_at(),
            raw: call.redact_json(body),
        })
    }

    /// Sets one action flag on a session (lock, unlock). Not money-moving: a lost answer is
    /// checked by reading the session again.
    fn flag(&self, call: &Call, id: &str, action: &str, is_set: impl Fn(&Session) -> bool) -> Result<Voucher> {
        let request = self.request(wire::UPDATE, json!({ wire::SESSION: id, action: "1" }));
        match call.send(&request) {
            Ok(response) => Ok(self.session_of(call, &response)?.voucher(call)),
            Err(f) => {
                let now = self.fetch(call, id).map_err(|_| f.error(ID))?;
                if is_set(&now) { Ok(now.voucher(call)) } else { Err(f.error(ID)) }
            }
        }
    }
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
    fn balance(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let id = read_session(call, req)?;
        req.finish()?;
        Ok(self.fetch(call, &id)?.voucher(call))
    }

    fn lock(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let id = read_session(call, req)?;
        req.finish()?;
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
        let redemption = |id: &str, value: Option<Decimal>, validated_at: Option<&str>| Redemption {
            provider: ID,
            code: id.to_string(),
            amount: value,
            balance: value.map(|_| Decimal::new(0, 2)),
            currency: None,
            transaction_id: None,
            receipt_lines: coupon_receipt(call, id, value, true, validated_at),
        };
        transaction::execute(
            call,
            self,
            &id,
            |id| {
                // Read for the evidence and the value; whether it can be validated is Coupontools'
                // to say.
                let before = self.fetch(call, id)?;
                Ok(Plan {
                    code: before.id.clone(),
                    amount: before.value,
                    currency: None,
                    evidence: Raw::NULL,
                    data: typed(&Validation { money_spent: money_spent.map(|m| m.to_string()) }),
                    context: before,
                })
            },
            |entry, before| {
                let mut params = json!({ wire::SESSION: entry.code, wire::VALIDATE: "1" });
                if let Some(m) = money_spent {
                    params[wire::MONEY_SPENT] = json!(money_spent_text(m));
                }
                let sent = call.send(&self.request(wire::UPDATE, params));
                transaction::attempt(ID, sent, |response| match self.session_of(call, response) {
                    Ok(s) if s.validated => {
                        call.log(Level::Info, || format!("validated coupon {}", entry.code));
                        let at = s.validated_at.clone();
                        let done = redemption(&entry.code, before.value, at.as_deref());
                        Answer::Done((done, typed(&Validated { validated_at: at })))
                    }
                    Ok(_) => ProviderError::unusable(
                        wire::NAME,
                        response.status,
                        "the validation was answered without the coupon being validated",
                    )
                    .answer(),
                    // Already used: the cashier reads it as Coupontools' guide words it.
                    Err(e) if e.code.as_deref() == Some(wire::ALREADY_VALIDATED) => {
                        e.message(already_used(before.validated_at.as_deref())).answer()
                    }
                    Err(e) => e.answer(),
                })
            },
            |entry, before| {
                let seen = Entry::read::<Validated>(&entry.result).and_then(|v| v.validated_at);
                redemption(&entry.code, before.value, seen.as_deref())
            },
        )
    }
}

impl Settlement for Coupontools {
    /// A validation shows in the session's `validated` flag (or date).
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
    use crate::VlStatus;

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
