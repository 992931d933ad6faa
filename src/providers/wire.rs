//! What every provider's wire module shares: the one value a provider's "no" is read into, the one
//! builder that turns it into the library's [`Error`], and the tolerant reader.
//!
//! **The tolerant reader, as a rule.** Providers' answers are read as they really are, not as our
//! guesses would have them:
//! - unknown fields are ignored (every answer struct is a plain serde struct, which does that);
//! - a field money does not depend on (a message, a currency, a date, a token the flow can do
//!   without) is `Option` with `#[serde(default)]`: absent or `null` is fine;
//! - a field money depends on (a balance, an amount, whether a voucher can be redeemed) is
//!   required: when it is missing the answer is *unusable*, never read as zero — for a money-moving
//!   request that makes the outcome uncertain (resolved from the provider's state), for a read a
//!   `VL_PROVIDER` naming the field.
//!
//! Each provider's `wire.rs` reads its own envelope into a [`ProviderError`]: what it means for the
//! POS ([`Meaning`]), the provider's code and text verbatim, and whether it is a definite "no"
//! (nothing was applied) or an answer that does not tell.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Error;
use crate::http::HttpResponse;
use crate::i18n::{Said, Text};
use crate::model::Raw;
use crate::status::VlStatus;
use crate::transaction::Answer;

/// What a provider's refusal or failure means for the POS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// The provider does not know the voucher, member or session (`VL_NOT_FOUND`).
    NotFound,
    /// The provider refused for a business reason the cashier reads (`VL_REJECTED`).
    Rejected,
    /// The provider refused the credentials (`VL_AUTH`).
    Auth,
    /// The configuration names something the provider does not know, a store (`VL_CONFIG`).
    Config,
    /// What the cashier scanned or typed is wrong for the provider (`VL_INVALID_ARGUMENT`).
    Input,
    /// The provider failed, refused our request as malformed, or answered something unusable
    /// (`VL_PROVIDER`).
    Failed,
}

/// A provider's "no", or an answer that could not be used, as its wire module read it.
#[derive(Clone, Debug)]
pub struct ProviderError {
    /// What it means for the POS.
    pub meaning: Meaning,
    /// The answer's HTTP status.
    pub http_status: Option<u16>,
    /// The provider's own error code.
    pub code: Option<String>,
    /// The provider's own text, verbatim.
    pub text: Option<String>,
    /// What the library says about a failure (in front of the provider's text), for the
    /// integrator: English.
    pub fallback: String,
    /// What the cashier is told of a refusal when the provider gave no text (default: "the
    /// provider does not know this voucher" / "the provider refused").
    pub said: Option<Said>,
    /// What the cashier is told instead of the provider's text, where the provider's guide words
    /// it (Coupontools' "already used at <date>"); the text stays in `provider_message`.
    pub message: Option<Said>,
    /// Whether the provider said no definitely (nothing was applied), as opposed to an answer
    /// that does not tell (a server error, an unreadable body).
    pub definite: bool,
}

impl ProviderError {
    /// A provider error; definite when the HTTP status is a 4xx (see [`ProviderError::definite`]).
    pub fn new(meaning: Meaning, http_status: u16, fallback: impl Into<String>) -> ProviderError {
        ProviderError {
            meaning,
            http_status: Some(http_status),
            code: None,
            text: None,
            fallback: fallback.into(),
            said: None,
            message: None,
            definite: (400..500).contains(&http_status),
        }
    }

    /// An answer that could not be used: `VL_PROVIDER`, not a definite "no".
    pub fn unusable(provider: &str, http_status: u16, what: impl std::fmt::Display) -> ProviderError {
        ProviderError {
            definite: false,
            ..ProviderError::new(Meaning::Failed, http_status, format!("unexpected answer from {provider}: {what}"))
        }
    }

    /// Adds the provider's own error code.
    pub fn code(mut self, code: Option<impl Into<String>>) -> ProviderError {
        self.code = code.map(Into::into);
        self
    }

    /// Adds the provider's own text (trimmed, at most 300 characters; blank is none).
    pub fn text(mut self, text: Option<&str>) -> ProviderError {
        self.text = text.map(excerpt).filter(|t| !t.is_empty());
        self
    }

    /// Sets what the cashier is told of a refusal when the provider gives no text.
    pub fn said(mut self, said: Said) -> ProviderError {
        self.said = Some(said);
        self
    }

    /// Sets what the cashier is told instead of the provider's text.
    pub fn message(mut self, message: Said) -> ProviderError {
        self.message = Some(message);
        self
    }

    /// Says whether this is the provider's definite "no".
    pub fn definite(mut self, definite: bool) -> ProviderError {
        self.definite = definite;
        self
    }

    /// What a money-moving request's answer came to: a definite "no" is refused, anything else
    /// does not tell.
    pub fn answer<T>(self) -> Answer<T> {
        if self.definite { Answer::Refused(self.into()) } else { Answer::Unclear(self.into()) }
    }
}

/// The one builder: a provider's refusal becomes the result document's error. The cashier reads
/// the provider's own text where it has one (`message`), verbatim in `provider_message` too, else
/// the library's words in the till's language; a failure says what failed (in English, for the
/// integrator), then the provider's text. The client fills in the provider id.
impl From<ProviderError> for Error {
    fn from(p: ProviderError) -> Error {
        let status = match p.meaning {
            Meaning::NotFound => VlStatus::VL_NOT_FOUND,
            Meaning::Rejected => VlStatus::VL_REJECTED,
            Meaning::Auth => VlStatus::VL_AUTH,
            Meaning::Config => VlStatus::VL_CONFIG,
            Meaning::Input => VlStatus::VL_INVALID_ARGUMENT,
            Meaning::Failed => VlStatus::VL_PROVIDER,
        };
        let mut error = match (p.message, &p.text, p.meaning) {
            (Some(said), _, _) => Error::said(status, said),
            (None, Some(t), Meaning::NotFound | Meaning::Rejected | Meaning::Input) => Error::new(status, t.clone()),
            (None, None, Meaning::NotFound) => Error::said(status, p.said.unwrap_or(Said::new(Text::UnknownVoucher))),
            (None, None, Meaning::Rejected) => Error::said(status, p.said.unwrap_or(Said::new(Text::Refused))),
            (None, Some(t), _) => Error::new(status, format!("{}: {t}", p.fallback)),
            (None, None, _) => Error::new(status, p.fallback),
        };
        error.http_status = p.http_status;
        error.provider_code = p.code;
        error.provider_message = p.text;
        error
    }
}

/// A provider's answer read into its serde type `T`, with the answer's JSON text for `raw`.
pub struct Parsed<T> {
    /// The fields the library reads.
    pub parsed: T,
    /// The whole answer (secrets are removed before it goes into a document).
    pub raw: Raw,
}

/// Reads a successful answer's JSON body into `T`, by the tolerant reader's rule: a body that is
/// not JSON, or lacks a field money depends on, is unusable. One pass into `T`; the text is kept
/// as it is for `raw`.
pub fn read_json<T: DeserializeOwned>(provider: &str, response: &HttpResponse) -> Result<Parsed<T>, ProviderError> {
    let text = response
        .text()
        .ok_or_else(|| ProviderError::unusable(provider, response.status, "the body is not UTF-8 text"))?;
    let parsed = serde_json::from_str::<T>(text).map_err(|e| {
        // Not the shape expected: say whether it is JSON at all (a type error can come first).
        let syntax = match e.classify() {
            serde_json::error::Category::Data => serde_json::from_str::<serde::de::IgnoredAny>(text).err(),
            _ => None,
        };
        match (e.classify(), syntax) {
            (serde_json::error::Category::Data, None) => ProviderError::unusable(provider, response.status, e),
            (_, syntax) => {
                let why = syntax.unwrap_or(e);
                ProviderError::unusable(provider, response.status, format_args!("the body is not JSON ({why})"))
            }
        }
    })?;
    Ok(Parsed { parsed, raw: Raw::from_text_read(text) })
}

/// An answer's body as JSON, or why it is unusable.
pub fn json_of(provider: &str, response: &HttpResponse) -> Result<Value, ProviderError> {
    let text = response
        .text()
        .ok_or_else(|| ProviderError::unusable(provider, response.status, "the body is not UTF-8 text"))?;
    serde_json::from_str(text)
        .map_err(|e| ProviderError::unusable(provider, response.status, format_args!("the body is not JSON ({e})")))
}

/// The beginning of a provider's text, for messages (trimmed, at most 300 characters).
pub fn excerpt(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() > 300 {
        format!("{}…", trimmed.chars().take(300).collect::<String>())
    } else {
        trimmed.to_string()
    }
}

/// A JSON value with every object key in lower case (for services whose field names come in
/// camelCase or PascalCase depending on their serializer's settings).
pub fn lowercase_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k.to_lowercase(), lowercase_keys(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

/// An exact decimal as a JSON number (never through a float): `12.50`.
pub fn decimal_number(amount: rust_decimal::Decimal) -> Value {
    serde_json::from_str(&amount.to_string()).expect("a decimal is a JSON number")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn the_builder_gives_the_cashier_the_providers_text() {
        let e: Error = ProviderError::new(Meaning::Rejected, 400, "refused").text(Some(" Kein Guthaben. ")).into();
        assert_eq!((e.status(), e.message.as_str()), (VlStatus::VL_REJECTED, "Kein Guthaben."));
        assert_eq!(e.provider_message.as_deref(), Some("Kein Guthaben."));
        assert_eq!(e.http_status, Some(400));
        let e: Error = ProviderError::new(Meaning::Failed, 503, "offline").text(Some("busy")).into();
        assert_eq!(e.message, "offline: busy");
        // No text: the library's words, in the call's language once worded.
        let e: Error = ProviderError::new(Meaning::NotFound, 404, "unknown voucher").text(Some("  ")).into();
        assert_eq!(
            (e.message.as_str(), e.provider_message.as_deref()),
            ("the provider does not know this voucher.", None)
        );
        let voice = crate::i18n::Voice { lang: crate::i18n::Lang::Fr, zone: None, provider: "e-guma" };
        assert_eq!(e.worded(&voice).message, "e-guma ne connaît pas ce bon.");
        let e: Error = ProviderError::new(Meaning::Rejected, 200, "x").said(Said::new(Text::CardVoid)).into();
        assert_eq!(e.message, "The gift card is void.");
        // The guide's words replace the provider's text; the text stays verbatim beside them.
        let e: Error = ProviderError::new(Meaning::Rejected, 200, "x")
            .text(Some("Coupon already validated"))
            .message(Said::new(Text::CouponAlreadyUsed))
            .into();
        assert_eq!(e.message, "The coupon was already used.");
        assert_eq!(e.provider_message.as_deref(), Some("Coupon already validated"));
    }

    #[test]
    fn definite_is_a_4xx_unless_said_otherwise() {
        assert!(ProviderError::new(Meaning::Rejected, 400, "x").definite);
        assert!(!ProviderError::new(Meaning::Failed, 500, "x").definite);
        assert!(ProviderError::new(Meaning::Failed, 500, "x").definite(true).definite);
        assert!(!ProviderError::unusable("p", 200, "x").definite);
        assert!(matches!(ProviderError::new(Meaning::Rejected, 400, "x").answer::<()>(), Answer::Refused(_)));
        assert!(matches!(ProviderError::unusable("p", 400, "x").answer::<()>(), Answer::Unclear(_)));
    }

    #[test]
    fn the_tolerant_reader_ignores_the_unknown_and_never_defaults_money() {
        #[derive(Deserialize)]
        struct Balance {
            balance_in_cents: i64,
            #[serde(default)]
            message: Option<String>,
        }
        let answer = |body: &str| HttpResponse {
            status: 200,
            body: body.as_bytes().to_vec(),
            elapsed: std::time::Duration::ZERO,
            headers: Vec::new(),
        };
        let ok = read_json::<Balance>("p", &answer(r#"{"balance_in_cents":400,"book_as_discount":false}"#)).unwrap();
        assert_eq!((ok.parsed.balance_in_cents, ok.parsed.message), (400, None));
        let missing = read_json::<Balance>("p", &answer(r#"{"message":"x"}"#)).err().unwrap();
        assert!(!missing.definite && missing.fallback.contains("balance_in_cents"), "{}", missing.fallback);
    }

    #[test]
    fn keys_are_lower_cased_everywhere() {
        let v = lowercase_keys(serde_json::json!({"GiftCard": {"CardId": "1", "History": [{"ReceiptNr": "r"}]}}));
        assert_eq!(v, serde_json::json!({"giftcard": {"cardid": "1", "history": [{"receiptnr": "r"}]}}));
    }
}
