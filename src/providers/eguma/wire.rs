//! e-guma's wire format: paths, request bodies, answers, and its errors — everything the library
//! knows or assumes about e-guma's REST API v1, in one place, each fact with its source tier.
//!
//! Sources, strongest first: **recorded** answers of e-guma's own vendor (ideacreation's
//! EgumaClient-Win `Tester/bin/Debug/Eguma*.txt`, Sept 2014, and EgumaWinCE, July/Aug 2014 —
//! replayed byte for byte by `tests/recordings.rs`); the vendor's **clients** (E-GUMA.NET
//! `E-GUMA/Eguma.cs`, 2016; EgumaClient-Win `Code/Eguma.cpp`); e-guma's **documentation**
//! (developers.e-guma.ch); and **assumptions** where none of them says.
//!
//! - Transport (docs, clients): `apikey` in the query of every request, one key per outlet; paths
//!   `/v1/vouchers/{code}/{action}.json` and `/v1/depot_vouchers/{code}/{action}.json`; the code
//!   percent-encoded, sent without dashes; JSON request bodies with amounts in integer cents.
//! - Balance (recorded): `code` (the real code for a short code: use it for follow-ups),
//!   `is_redeemable`, `balance_in_cents`, `total_amount_in_cents`, `message` (`""` when none);
//!   the 2014 answers have no `currency` and an extra `book_as_discount`; the docs add `currency`,
//!   `product_id`, `extra`. An unknown code is `is_redeemable: false` with a message (docs).
//! - Redeem (recorded, clients): the answer is `code` + `balance_in_cents` (+
//!   `voucher_document_url` in 2014); **no `redeem_token` in any recording nor in the 2016 client**
//!   — the docs add it. A 200 with `balance_in_cents` is a success; the token is kept when present.
//! - Cancel (recorded, clients): the vendor's clients send `amount_in_cents` alone, no
//!   `redeem_token` (the docs require it): the library sends the token when it has one, else what
//!   the clients sent. The answer echoes the code *as sent* (dashes and all: recorded), so answered
//!   codes are normalized before use.
//! - Activate status (recorded): `code`, `can_be_activated`, `amount_in_cents`, `message`; **no
//!   `free_amount`, no `currency`** in either recording: absent means a fixed amount (docs: the
//!   field says whether the cashier chooses the amount).
//! - Activate (recorded, clients): a fixed-amount voucher is activated with **no body** (both
//!   clients); `amount_in_cents` only for a free amount (docs). Answer `code` + `amount_in_cents`
//!   (recorded; one docs revision says `balance_in_cents`: both read).
//! - Deactivate status (recorded): `code`, `can_be_deactivated`, `amount_in_cents`, `message`.
//!   Deactivate (recorded, clients): no body unless a `deactivate_reason` (docs); answer as activate.
//! - Errors (docs, recorded): an HTTP status with a **plain-text** body in the account's language,
//!   e.g. 400 `Der Gutschein ist nicht vorhanden.` for an unknown code (recorded, German). 401: the
//!   API key (docs). Assumed: any other 4xx is a refusal; a JSON body's `message` or `error` is the
//!   text; 404, should it come, is "not found".

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::HttpResponse;
use crate::providers::wire::{Meaning, Parsed, ProviderError, read_json};

/// How the library names e-guma in messages.
pub(crate) const NAME: &str = "e-guma";

/// The production base URL (docs, E-GUMA.NET).
pub(crate) const BASE_URL: &str = "https://api.e-guma.ch";

/// e-guma's limit for `reference_number` and `deactivate_reason` (docs).
pub(crate) const MAX_TEXT_LEN: usize = 1024;

/// Whether a code (upper case, dashes and spaces removed) can be an e-guma code. Vouchers carry 12
/// letters and digits (guide: "L4FU-5LQT-KJR3 … by using a scanner you would get L4FU5LQTKJR3";
/// every recorded code); voucher2mobile short codes are also accepted by the balance endpoint
/// (guide), in a form nobody documents. The guide's keyboard has "numbers, letters, dot and dash":
/// so letters, digits and dots, of any length.
pub fn code_shape(code: &str) -> bool {
    code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
}

/// Which collection a code lives in.
#[derive(Clone, Copy)]
pub enum Collection {
    /// `/v1/vouchers/...`
    Vouchers,
    /// `/v1/depot_vouchers/...`
    DepotVouchers,
}

impl Collection {
    /// The path segment.
    pub fn path(self) -> &'static str {
        match self {
            Collection::Vouchers => "vouchers",
            Collection::DepotVouchers => "depot_vouchers",
        }
    }
}

/// A balance answer.
#[derive(Deserialize)]
pub struct Balance {
    /// The real code (for a short code).
    #[serde(default)]
    pub code: Option<String>,
    /// Whether it can be redeemed now.
    pub is_redeemable: bool,
    /// What is left.
    pub balance_in_cents: i64,
    /// Its value when sold.
    #[serde(default)]
    pub total_amount_in_cents: Option<i64>,
    /// The account's currency (not in the 2014 recordings).
    #[serde(default)]
    pub currency: Option<String>,
    /// For the cashier (`""` when none).
    #[serde(default)]
    pub message: Option<String>,
}

/// A redeem answer.
#[derive(Deserialize)]
pub struct Redeemed {
    /// The code.
    #[serde(default)]
    pub code: Option<String>,
    /// The balance after.
    pub balance_in_cents: i64,
    /// The token a cancel takes (docs; absent in every recording).
    #[serde(default)]
    pub redeem_token: Option<String>,
}

/// A cancel answer.
#[derive(Deserialize)]
pub struct Cancelled {
    /// The balance after.
    pub balance_in_cents: i64,
}

/// An activate-status answer.
#[derive(Deserialize)]
pub struct ActivateStatus {
    /// The code.
    #[serde(default)]
    pub code: Option<String>,
    /// Whether it can be sold now.
    pub can_be_activated: bool,
    /// Whether the cashier chooses the amount (absent in the recordings: a fixed amount).
    #[serde(default)]
    pub free_amount: Option<bool>,
    /// The fixed amount.
    #[serde(default)]
    pub amount_in_cents: Option<i64>,
    /// The account's currency (not in the recordings).
    #[serde(default)]
    pub currency: Option<String>,
    /// Why not (`""` when none).
    #[serde(default)]
    pub message: Option<String>,
}

/// A deactivate-status answer.
#[derive(Deserialize)]
pub struct DeactivateStatus {
    /// The code.
    #[serde(default)]
    pub code: Option<String>,
    /// Whether it can be taken back now.
    pub can_be_deactivated: bool,
    /// Its value.
    #[serde(default)]
    pub amount_in_cents: Option<i64>,
    /// Why not.
    #[serde(default)]
    pub message: Option<String>,
}

/// An activate or deactivate answer: `amount_in_cents` (recorded) or `balance_in_cents` (one docs
/// revision).
#[derive(Deserialize)]
pub struct Amount {
    /// The code.
    #[serde(default)]
    pub code: Option<String>,
    /// The amount.
    #[serde(default)]
    pub amount_in_cents: Option<i64>,
    /// The amount, in the other documented shape.
    #[serde(default)]
    pub balance_in_cents: Option<i64>,
}

impl Amount {
    /// The amount, whichever shape it came in.
    pub fn cents(&self) -> Option<i64> {
        self.amount_in_cents.or(self.balance_in_cents)
    }
}

/// A request body: the fields e-guma reads, in a fixed (alphabetical) order.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Body<'a> {
    /// The amount (redeem, cancel, free-amount activation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_in_cents: Option<i64>,
    /// Why a depot voucher is taken back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivate_reason: Option<String>,
    /// The redemption a cancel gives back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redeem_token: Option<&'a str>,
    /// The POS reference of a redemption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_number: Option<&'a str>,
}

/// The body of a redeem.
pub fn redeem_body(cents: i64, reference_number: &str) -> Body<'_> {
    Body { amount_in_cents: Some(cents), reference_number: Some(reference_number), ..Body::default() }
}

/// The body of a cancel: with e-guma's `redeem_token` when there is one, else the amount alone, as
/// the vendor's clients send it.
pub fn cancel_body(cents: i64, redeem_token: Option<&str>) -> Body<'_> {
    Body { amount_in_cents: Some(cents), redeem_token, ..Body::default() }
}

/// The body of an activation: the amount for a free-amount voucher, else none (as the vendor's
/// clients send it).
pub fn activate_body(cents: i64, free_amount: bool) -> Option<Body<'static>> {
    free_amount.then(|| Body { amount_in_cents: Some(cents), ..Body::default() })
}

/// The body of a deactivation: the reason when given, else none.
pub fn deactivate_body(reason: Option<&str>) -> Option<Body<'static>> {
    reason.map(|r| Body { deactivate_reason: Some(r.chars().take(MAX_TEXT_LEN).collect()), ..Body::default() })
}

/// Reads an answer into `T`, or into what e-guma's status and text mean.
pub fn read<T: for<'de> Deserialize<'de>>(response: &HttpResponse) -> Result<Parsed<T>, ProviderError> {
    if !(200..300).contains(&response.status) {
        return Err(error(response));
    }
    read_json(NAME, response)
}

/// What an error answer means: the status decides, the plain-text body is the cashier's text. An
/// "unknown voucher" text (in the account's language) is `NotFound`; any other 4xx is a refusal;
/// a 5xx or anything else does not tell.
pub fn error(response: &HttpResponse) -> ProviderError {
    let status = response.status;
    let text = response.text().map(error_text);
    let (meaning, fallback) = match status {
        401 | 403 => (Meaning::Auth, "e-guma refused the API key (check `api_key` for this outlet)".to_string()),
        404 => (Meaning::NotFound, "e-guma does not know this voucher".to_string()),
        400..=499 if text.as_deref().is_some_and(says_not_found) => {
            (Meaning::NotFound, "e-guma does not know this voucher".to_string())
        }
        400..=499 => (Meaning::Rejected, "e-guma refused the request".to_string()),
        500..=599 => (Meaning::Failed, format!("e-guma failed (HTTP {status})")),
        _ => (Meaning::Failed, format!("unexpected answer from e-guma (HTTP {status})")),
    };
    ProviderError::new(meaning, status, fallback).text(text.as_deref())
}

/// A balance answer for a code e-guma does not know: HTTP 200, `is_redeemable: false` and e-guma's
/// "this voucher does not exist" text (docs: "not found" is one reason for `is_redeemable: false`;
/// the text is the one its 400 answers carry, recorded). `VL_NOT_FOUND` with e-guma's text: no
/// voucher, no balance slip. Any other non-redeemable answer is a voucher that exists.
pub fn unknown_voucher(balance: &Balance) -> Option<ProviderError> {
    let text = balance.message.as_deref().filter(|m| !balance.is_redeemable && says_not_found(m))?;
    Some(ProviderError::new(Meaning::NotFound, 200, "e-guma does not know this voucher").text(Some(text)))
}

/// e-guma's error bodies are plain text; should one be JSON, its `message` or `error` is the text.
fn error_text(body: &str) -> String {
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) {
        for key in ["message", "error"] {
            if let Some(Value::String(s)) = map.get(key) {
                return s.clone();
            }
        }
    }
    body.to_string()
}

/// e-guma's "this voucher does not exist", in the languages its accounts answer in. The German
/// text is recorded (EgumaClient-Win `EgumaDepotStatus.txt`, d2e2bc5, 2014); the others are
/// assumed translations of it. Each names the voucher, so that "the redemption does not exist"
/// stays a refusal.
const NOT_FOUND_TEXTS: &[(&str, &str)] = &[
    ("de", "gutschein ist nicht vorhanden"),
    ("de", "gutschein existiert nicht"),
    ("de", "gutschein wurde nicht gefunden"),
    ("fr", "bon n'existe pas"),
    ("fr", "bon n'est pas disponible"),
    ("fr", "bon est introuvable"),
    ("fr", "bon introuvable"),
    ("it", "buono non esiste"),
    ("it", "buono non è disponibile"),
    ("it", "buono non è stato trovato"),
    ("en", "voucher does not exist"),
    ("en", "voucher is not available"),
    ("en", "voucher not found"),
    ("en", "voucher was not found"),
];

/// Whether an e-guma text says the voucher does not exist (case, typographic apostrophes and runs of
/// white space do not matter).
pub fn says_not_found(text: &str) -> bool {
    let normal: String =
        text.to_lowercase().replace(['’', '`', '´'], "'").split_whitespace().collect::<Vec<_>>().join(" ");
    NOT_FOUND_TEXTS.iter().any(|(_, phrase)| normal.contains(phrase))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_not_found_texts_are_recognized_in_every_language_and_nothing_else() {
        for text in [
            "Der Gutschein ist nicht vorhanden.",
            "der  gutschein IST nicht vorhanden",
            "Le bon n’existe pas.",
            "Il buono non esiste.",
            "The voucher does not exist.",
        ] {
            assert!(says_not_found(text), "{text}");
        }
        for text in
            ["Die Einlösung ist nicht vorhanden.", "Der Gutschein wurde bereits eingelöst.", "nicht vorhanden", ""]
        {
            assert!(!says_not_found(text), "{text}");
        }
    }

    #[test]
    fn bodies_are_what_the_vendors_clients_send_where_they_agree() {
        let text = |b: &Body| serde_json::to_string(b).unwrap();
        assert_eq!(text(&cancel_body(200, None)), r#"{"amount_in_cents":200}"#);
        assert_eq!(text(&cancel_body(200, Some("t"))), r#"{"amount_in_cents":200,"redeem_token":"t"}"#);
        assert_eq!(text(&redeem_body(200, "R-1 [vl-1]")), r#"{"amount_in_cents":200,"reference_number":"R-1 [vl-1]"}"#);
        assert_eq!(activate_body(5000, false), None);
        assert_eq!(text(&activate_body(5000, true).unwrap()), r#"{"amount_in_cents":5000}"#);
        assert_eq!(deactivate_body(None), None);
        assert_eq!(text(&deactivate_body(Some("defekt")).unwrap()), r#"{"deactivate_reason":"defekt"}"#);
    }

    #[test]
    fn both_documented_activate_answer_shapes_are_read() {
        let a: Amount = serde_json::from_str(r#"{"code":"CDHE2JNT5LS9","amount_in_cents":5000}"#).unwrap();
        assert_eq!(a.cents(), Some(5000));
        let b: Amount =
            serde_json::from_str(r#"{"code":"CDHE2JNT5LS9","balance_in_cents":40000,"extra":null}"#).unwrap();
        assert_eq!(b.cents(), Some(40000));
    }
}
