//! Treazure's gift-card wire format (Switch frontend API), in one place.
//!
//! Sources: Treazure's **documentation** (docs.treazure.cloud: Giftcard/FrontOffice,
//! Authentication, ReturnCode) and its sibling Switch APIs (Coupon, EmployeeBalanceVault), which it
//! is modelled on. **No real recording or client of the gift-card API is public**: every JSON
//! field name below is an **assumption**, to be checked at the first contact with a real tenant
//! (`voucherlink doctor`). What is documented:
//! - OAuth2 bearer tokens from `{tenant host}/identity/connect/token`, valid one hour, not
//!   refreshable ("replace the token after 55 minutes"); scope `api_switch`.
//! - A card identified by `CardId` (the scanned barcode) or `SerialNumber` + `ScratchCode`, never
//!   both; statuses Refunded, Expired, Void, Created, Active, Redeemed.
//! - The endpoints `/api/v1.0/Switch/giftcard/{GetBalance, Activate, Activate/Cancel, Redeem,
//!   Redeem/Cancel, Issue}`; the default headers `SiteId`, `PosId`, `ReceiptReference`,
//!   `UtcOffset` (`HH:mm`).
//! - Return codes: `NotFound`, `WrongStatus`, `WrongCancelId` with HTTP **200**; 400 for a
//!   malformed request, 401, 500, 503 `UnderlayingSystemOffline`.
//!
//! Assumed, modelled on the sibling APIs: POST with a JSON body (`cardId`, or `serialNumber` +
//! `scratchCode`; `amount` a decimal number; `switchId`); answers `success`, `returnCode`,
//! `errorMessage`, the card in `giftcard` (`cardId`, `status`, `balance`, `currency`,
//! `expiryDate`, `articleSetCode`), `redeemId` / `activationId`; cancels take `{"redeemId"}` /
//! `{"activationId"}`; the history at `.../History` with `condensed`, entries `timestamp`,
//! `shopId`, `posId`, `receiptNr`, `operatorId`, `comment`, `oldStatus`, `newStatus`, `mutation`,
//! `balance`, `transactionId`. Answers are read **with case-insensitive field names**: ASP.NET
//! services answer camelCase or PascalCase depending on their serializer's settings, and the
//! documentation writes PascalCase. The names the library *sends* are the constants below.

use serde::Deserialize;
use serde_json::Value;

use crate::http::HttpResponse;
use crate::providers::wire::{Meaning, ProviderError, json_of, lowercase_keys};

/// How the library names Treazure in messages.
pub(crate) const NAME: &str = "Treazure";

/// Endpoint paths under the base URL.
pub(crate) const GET_BALANCE: &str = "/api/v1.0/Switch/giftcard/GetBalance";
/// Activate or load.
pub(crate) const ACTIVATE: &str = "/api/v1.0/Switch/giftcard/Activate";
/// Cancel an activation right after it.
pub(crate) const ACTIVATE_CANCEL: &str = "/api/v1.0/Switch/giftcard/Activate/Cancel";
/// Redeem.
pub(crate) const REDEEM: &str = "/api/v1.0/Switch/giftcard/Redeem";
/// Cancel a redemption right after it.
pub(crate) const REDEEM_CANCEL: &str = "/api/v1.0/Switch/giftcard/Redeem/Cancel";
/// Issue a virtual card.
pub(crate) const ISSUE: &str = "/api/v1.0/Switch/giftcard/Issue";
/// ASSUMED path: the documentation names the history but not its endpoint.
pub(crate) const HISTORY: &str = "/api/v1.0/Switch/giftcard/History";
/// The token endpoint under the identity host (documented).
pub(crate) const TOKEN_PATH: &str = "/identity/connect/token";

/// The only host Treazure documents (its test environment), from the tenant prefix.
pub(crate) fn tenant_host(tenant: &str) -> String {
    format!("https://{tenant}.posengine.treazure-test.cloud")
}

/// Request field names (assumed camelCase, as the sibling APIs' examples).
pub(crate) const CARD_ID: &str = "cardId";
/// See [`CARD_ID`].
pub(crate) const SERIAL_NUMBER: &str = "serialNumber";
/// See [`CARD_ID`].
pub(crate) const SCRATCH_CODE: &str = "scratchCode";
/// Provider selection.
pub(crate) const SWITCH_ID: &str = "switchId";
/// The amount moved.
pub(crate) const AMOUNT: &str = "amount";
/// The id a redemption returns and its cancel takes.
pub(crate) const REDEEM_ID: &str = "redeemId";
/// The id an activation (or issue) returns and its cancel takes.
pub(crate) const ACTIVATION_ID: &str = "activationId";
/// The history level.
pub(crate) const CONDENSED: &str = "condensed";

/// Request headers (documented names; the format of `UtcOffset` is `HH:mm`).
pub(crate) const HEADERS: [&str; 4] = ["SiteId", "PosId", "ReceiptReference", "UtcOffset"];

/// Every answer: `success` + `returnCode` (+ `errorMessage` on failure); the card in `giftcard`;
/// the operation's id; the history entries. Field names as read after lower-casing.
#[derive(Deserialize)]
pub(crate) struct Answer {
    #[serde(default)]
    pub success: Option<bool>,
    #[serde(default, rename = "returncode")]
    pub return_code: Option<String>,
    #[serde(default, rename = "errormessage")]
    pub error_message: Option<String>,
    #[serde(default)]
    pub giftcard: Option<Card>,
    #[serde(default, rename = "redeemid")]
    pub redeem_id: Option<String>,
    #[serde(default, rename = "activationid")]
    pub activation_id: Option<String>,
    #[serde(default)]
    pub history: Option<Vec<HistoryEntry>>,
    /// The answer as Treazure wrote it (for `raw`).
    #[serde(skip)]
    pub raw: Value,
}

/// A gift card. Its id, status and balance are what money depends on: required.
#[derive(Deserialize)]
pub(crate) struct Card {
    #[serde(rename = "cardid")]
    pub card_id: String,
    pub status: String,
    pub balance: Value,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, rename = "expirydate")]
    pub expiry_date: Option<String>,
    #[serde(default, rename = "articlesetcode")]
    pub article_set_code: Option<String>,
}

/// One balance mutation (the regular history also carries `transactionId`).
#[derive(Deserialize)]
pub(crate) struct HistoryEntry {
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default, rename = "shopid")]
    pub shop_id: Option<String>,
    #[serde(default, rename = "posid")]
    pub pos_id: Option<String>,
    #[serde(default, rename = "receiptnr")]
    pub receipt_nr: Option<String>,
    #[serde(default, rename = "operatorid")]
    pub operator_id: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default, rename = "oldstatus")]
    pub old_status: Option<String>,
    #[serde(default, rename = "newstatus")]
    pub new_status: Option<String>,
    #[serde(default)]
    pub mutation: Value,
    #[serde(default)]
    pub balance: Value,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, rename = "transactionid")]
    pub transaction_id: Option<String>,
}

/// The OAuth2 token answer (RFC 6749 names).
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// Reads an answer: the envelope, or what Treazure's status and return code mean. A failure
/// envelope (`success: false`) comes with HTTP 200 and is Treazure saying no, definitely.
pub(crate) fn read(response: &HttpResponse) -> Result<Answer, ProviderError> {
    let status = response.status;
    let raw = json_of(NAME, response);
    let lowered = raw.as_ref().ok().map(|v| lowercase_keys(v.clone()));
    let envelope = lowered.as_ref().and_then(|v| Answer::deserialize(v).ok());
    let code = envelope.as_ref().and_then(|a| a.return_code.clone());
    let text = envelope.as_ref().and_then(|a| a.error_message.clone());
    let error = |meaning: Meaning, fallback: String| {
        ProviderError::new(meaning, status, fallback).code(code.clone()).text(text.as_deref())
    };
    match status {
        200..=299 => {
            let answer = match (raw, lowered) {
                (Err(e), _) => return Err(e),
                (Ok(raw), Some(lowered)) => match Answer::deserialize(&lowered) {
                    Ok(mut a) => {
                        a.raw = raw;
                        a
                    }
                    Err(e) => return Err(ProviderError::unusable(NAME, status, e)),
                },
                (Ok(_), None) => return Err(ProviderError::unusable(NAME, status, "no answer")),
            };
            let refused = |meaning, fallback: &str| Err(error(meaning, fallback.to_string()).definite(true));
            match (answer.success, answer.return_code.as_deref()) {
                (Some(false), Some(c)) if c.eq_ignore_ascii_case("NotFound") => {
                    refused(Meaning::NotFound, "Treazure does not know this gift card.")
                }
                (Some(false), Some(c)) if c.eq_ignore_ascii_case("WrongStatus") => {
                    refused(Meaning::Rejected, "The gift card's status does not allow this.")
                }
                (Some(false), Some(c)) if c.eq_ignore_ascii_case("WrongCancelId") => refused(
                    Meaning::Rejected,
                    "Treazure no longer accepts this cancellation (only right after the operation).",
                ),
                (Some(false), other) => {
                    refused(Meaning::Rejected, &format!("Treazure refused ({}).", other.unwrap_or("no code")))
                }
                _ => Ok(answer),
            }
        }
        401 | 403 => Err(error(Meaning::Auth, "Treazure refused the token".into())),
        // Our request was malformed: nothing was applied, and it is a bug to surface, not the
        // cashier's fault.
        400 => Err(error(Meaning::Failed, "Treazure rejected the request as malformed".into()).definite(true)),
        503 => Err(error(Meaning::Failed, "Treazure is offline".into())),
        s => Err(error(Meaning::Failed, format!("Treazure failed (HTTP {s})"))),
    }
}

/// What a refused token request means: the client credentials (400/401 with OAuth2's `error`), or
/// the token endpoint failing.
pub(crate) fn token_error(response: &HttpResponse) -> ProviderError {
    let reason = json_of(NAME, response).ok().and_then(|v| v["error"].as_str().map(str::to_string));
    match response.status {
        400 | 401 => ProviderError::new(
            Meaning::Auth,
            response.status,
            format!(
                "Treazure refused the client credentials ({}): check `client_id`, `client_secret` and `scope`",
                reason.as_deref().unwrap_or("no reason given")
            ),
        )
        .code(reason),
        s => ProviderError::new(Meaning::Failed, s, format!("Treazure's token endpoint failed (HTTP {s})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, body: body.as_bytes().to_vec(), elapsed: std::time::Duration::ZERO, headers: Vec::new() }
    }

    #[test]
    fn camel_case_and_pascal_case_answers_read_alike() {
        let camel = r#"{"success":true,"returnCode":"Success","redeemId":"r1","giftcard":{"cardId":"6280","status":"Active","balance":12.50}}"#;
        let pascal = r#"{"Success":true,"ReturnCode":"Success","RedeemId":"r1","GiftCard":{"CardId":"6280","Status":"Active","Balance":12.50}}"#;
        for body in [camel, pascal] {
            let a = read(&answer(200, body)).unwrap_or_else(|e| panic!("{body}: {}", e.fallback));
            assert_eq!(a.redeem_id.as_deref(), Some("r1"));
            let card = a.giftcard.unwrap();
            assert_eq!(
                (card.card_id.as_str(), card.status.as_str(), card.balance.to_string()),
                ("6280", "Active", "12.50".into())
            );
            assert!(a.raw.is_object(), "raw kept as written");
        }
    }

    #[test]
    fn failures_with_http_200_are_definite_refusals() {
        let e =
            read(&answer(200, r#"{"Success":false,"ReturnCode":"WrongStatus","ErrorMessage":"Kaart is geblokkeerd"}"#))
                .err()
                .unwrap();
        assert_eq!((e.meaning, e.definite, e.text.as_deref()), (Meaning::Rejected, true, Some("Kaart is geblokkeerd")));
        let e = read(&answer(200, r#"{"success":false,"returnCode":"NotFound"}"#)).err().unwrap();
        assert_eq!(e.meaning, Meaning::NotFound);
        let e = read(&answer(200, "<html>")).err().unwrap();
        assert!(!e.definite, "an unreadable 200 does not tell");
        let e = read(&answer(503, r#"{"returnCode":"UnderlayingSystemOffline"}"#)).err().unwrap();
        assert!(!e.definite && e.code.as_deref() == Some("UnderlayingSystemOffline"));
    }

    #[test]
    fn a_card_without_its_balance_is_unusable_not_zero() {
        let e = read(&answer(200, r#"{"success":true,"giftcard":{"cardId":"1","status":"Active"}}"#)).err().unwrap();
        assert!(!e.definite && e.fallback.contains("balance"), "{}", e.fallback);
    }
}
