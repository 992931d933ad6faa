//! The library's error: a status plus everything the result document reports about a failure.

use std::fmt;

use serde::Serialize;

use crate::i18n::{Said, Voice};
use crate::status::VlStatus;

/// A failed operation, rendered as the `error` object of the result document (docs/api.md §4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Error {
    /// Numeric status; equals the value the C function returns.
    #[serde(serialize_with = "serialize_code")]
    pub code: VlStatus,
    /// `code` as a lower-case name (`"rejected"`).
    #[serde(rename = "status", serialize_with = "serialize_name")]
    status_name: VlStatus,
    /// For the cashier: the provider's own message where it has one.
    pub message: String,
    /// Provider id (`"eguma"`), when a provider was involved.
    pub provider: Option<&'static str>,
    /// HTTP status of the provider's answer, when there was one.
    pub http_status: Option<u16>,
    /// The provider's own error code (`"WrongStatus"`, `513`), when it gives one.
    pub provider_code: Option<String>,
    /// The provider's error text, verbatim.
    pub provider_message: Option<String>,
    /// The journal entry of an in-doubt or pending operation.
    pub journal_id: Option<String>,
    /// In a client with several providers, the providers this answer concerns when it is not one:
    /// the candidates of a code the library will not guess for, or every provider asked for a code
    /// none of them knows. Absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<&'static str>,
    /// `message` as the library's own text, to be worded in the call's language.
    #[serde(skip)]
    pub said: Option<Box<Said>>,
}

fn serialize_code<S: serde::Serializer>(s: &VlStatus, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_u32(s.code())
}

fn serialize_name<S: serde::Serializer>(s: &VlStatus, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.name())
}

/// Shorthand for results carrying [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error with a status and a message; no provider details.
    pub fn new(status: VlStatus, message: impl Into<String>) -> Self {
        debug_assert!(status != VlStatus::VL_OK, "an error cannot have status VL_OK");
        Error {
            code: status,
            status_name: status,
            message: message.into(),
            provider: None,
            http_status: None,
            provider_code: None,
            provider_message: None,
            journal_id: None,
            providers: Vec::new(),
            said: None,
        }
    }

    /// An error whose message is the library's own text for the cashier: worded in English
    /// now, in the call's language by [`Error::worded`].
    pub fn said(status: VlStatus, said: Said) -> Self {
        let mut error = Self::new(status, Voice::ENGLISH.say(&said));
        error.said = Some(Box::new(said));
        error
    }

    /// The error with its own text (if it has one) worded in `voice`.
    pub fn worded(mut self, voice: &Voice) -> Self {
        if let Some(said) = &self.said {
            self.message = voice.say(said);
        }
        self
    }

    /// `VL_INVALID_ARGUMENT`: the caller's input is wrong.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(VlStatus::VL_INVALID_ARGUMENT, message)
    }

    /// `VL_CONFIG`: the configuration is wrong.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(VlStatus::VL_CONFIG, message)
    }

    /// `VL_UNSUPPORTED`: the provider has no such operation.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(VlStatus::VL_UNSUPPORTED, message)
    }

    /// `VL_REJECTED`: the provider (or the library on its behalf) refused.
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(VlStatus::VL_REJECTED, message)
    }

    /// `VL_NOT_FOUND`: the provider does not know the voucher.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(VlStatus::VL_NOT_FOUND, message)
    }

    /// `VL_NETWORK`: nothing reached the provider, or a read failed.
    pub fn network(message: impl Into<String>) -> Self {
        Self::new(VlStatus::VL_NETWORK, message)
    }

    /// `VL_PROVIDER`: the provider failed or answered something unusable.
    pub fn provider_failure(message: impl Into<String>) -> Self {
        Self::new(VlStatus::VL_PROVIDER, message)
    }

    /// `VL_INTERNAL`: a bug in the library.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(VlStatus::VL_INTERNAL, message)
    }

    /// The status of this error.
    pub fn status(&self) -> VlStatus {
        self.code
    }

    /// Sets the provider id.
    pub fn with_provider(mut self, provider: &'static str) -> Self {
        self.provider = Some(provider);
        self
    }

    /// Sets the HTTP status of the provider's answer.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Sets the provider's own error code.
    pub fn with_provider_code(mut self, code: impl Into<String>) -> Self {
        self.provider_code = Some(code.into());
        self
    }

    /// Sets the provider's error text (verbatim).
    pub fn with_provider_message(mut self, message: impl Into<String>) -> Self {
        self.provider_message = Some(message.into());
        self
    }

    /// Sets the providers this answer concerns (see [`Error::providers`]).
    pub fn with_providers(mut self, providers: Vec<&'static str>) -> Self {
        self.providers = providers;
        self
    }

    /// Sets the journal entry id.
    pub fn with_journal_id(mut self, id: impl Into<String>) -> Self {
        self.journal_id = Some(id.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_every_field_of_the_api_error_object_in_order() {
        let e = Error::rejected("voucher already redeemed")
            .with_provider("eguma")
            .with_http_status(400)
            .with_provider_message("Der Gutschein wurde bereits eingelöst.");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"code":5,"status":"rejected","message":"voucher already redeemed","provider":"eguma","http_status":400,"provider_code":null,"provider_message":"Der Gutschein wurde bereits eingelöst.","journal_id":null}"#
        );
    }
}
