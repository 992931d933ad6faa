//! Providers: one module each, all behind the [`Provider`] trait.
//!
//! A provider implements the operations it has; every other operation keeps the trait's default,
//! which answers `VL_UNSUPPORTED` without reading the request or sending anything. The client
//! derives `vl_capabilities` from exactly that (see [`supported_operations`]), so the list can
//! never drift from the code.

use std::sync::Mutex;

use serde_json::Value;

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::http::{Failure, Http, HttpRequest, HttpResponse};
use crate::log::{self, Level, Redactor};
use crate::model::{ActivationStatus, DeactivationStatus, Redemption, Voucher};
use crate::operation::Operation;
use crate::request::Fields;
use crate::status::VlStatus;

pub mod eguma;

/// A provider's entry in the registry: how to build it from a configuration.
pub struct ProviderInfo {
    /// Provider id used in the configuration (`"eguma"`).
    pub id: &'static str,
    /// Production base URL, used when the configuration has no `base_url`.
    pub default_base_url: &'static str,
    /// Takes the provider's own configuration keys and builds it. Secrets go to the redactor.
    pub create: fn(&mut Fields, &Settings, &Redactor) -> Result<Box<dyn Provider>>,
}

/// Every provider this build knows.
pub const PROVIDERS: &[ProviderInfo] = &[eguma::INFO];

/// Looks a provider up by id.
pub fn lookup(id: &str) -> Option<&'static ProviderInfo> {
    PROVIDERS.iter().find(|p| p.id == id)
}

fn not_implemented() -> Error {
    Error::unsupported("this provider has no such operation")
}

/// One voucher provider. Each method reads its request from `req` (taking the fields it
/// understands and calling [`Fields::finish`]), talks to the provider through `call`, and returns
/// the operation's document. Defaults: `VL_UNSUPPORTED`, decided before anything is read or sent.
pub trait Provider: Send + Sync {
    /// Provider id (`"eguma"`).
    fn id(&self) -> &'static str;

    /// `vl_balance`.
    fn balance(&self, _call: &Call, _req: &mut Fields) -> Result<Voucher> {
        Err(not_implemented())
    }
    /// `vl_redeem`.
    fn redeem(&self, _call: &Call, _req: &mut Fields) -> Result<Redemption> {
        Err(not_implemented())
    }
    /// `vl_cancel_redemption`.
    fn cancel_redemption(&self, _call: &Call, _req: &mut Fields) -> Result<Redemption> {
        Err(not_implemented())
    }
    /// `vl_activation_status`.
    fn activation_status(&self, _call: &Call, _req: &mut Fields) -> Result<ActivationStatus> {
        Err(not_implemented())
    }
    /// `vl_activate`.
    fn activate(&self, _call: &Call, _req: &mut Fields) -> Result<Voucher> {
        Err(not_implemented())
    }
    /// `vl_cancel_activation`.
    fn cancel_activation(&self, _call: &Call, _req: &mut Fields) -> Result<Voucher> {
        Err(not_implemented())
    }
    /// `vl_deactivation_status`.
    fn deactivation_status(&self, _call: &Call, _req: &mut Fields) -> Result<DeactivationStatus> {
        Err(not_implemented())
    }
    /// `vl_deactivate`.
    fn deactivate(&self, _call: &Call, _req: &mut Fields) -> Result<Voucher> {
        Err(not_implemented())
    }
    /// `vl_issue`.
    fn issue(&self, _call: &Call, _req: &mut Fields) -> Result<Voucher> {
        Err(not_implemented())
    }
    /// `vl_history`.
    fn history(&self, _call: &Call, _req: &mut Fields) -> Result<Value> {
        Err(not_implemented())
    }
    /// `vl_member_vouchers`.
    fn member_vouchers(&self, _call: &Call, _req: &mut Fields) -> Result<Value> {
        Err(not_implemented())
    }
    /// `vl_validate`.
    fn validate(&self, _call: &Call, _req: &mut Fields) -> Result<Value> {
        Err(not_implemented())
    }
    /// `vl_submit_order`.
    fn submit_order(&self, _call: &Call, _req: &mut Fields) -> Result<Value> {
        Err(not_implemented())
    }
    /// `vl_lock`.
    fn lock(&self, _call: &Call, _req: &mut Fields) -> Result<Voucher> {
        Err(not_implemented())
    }
    /// `vl_unlock`.
    fn unlock(&self, _call: &Call, _req: &mut Fields) -> Result<Voucher> {
        Err(not_implemented())
    }
}

/// Runs one provider operation and returns its document as JSON.
pub fn dispatch(
    provider: &dyn Provider,
    op: Operation,
    call: &Call,
    req: &mut Fields,
) -> Result<Value> {
    fn doc<T: serde::Serialize>(result: Result<T>) -> Result<Value> {
        result.and_then(|d| {
            serde_json::to_value(d)
                .map_err(|e| Error::internal(format!("cannot render the result: {e}")))
        })
    }
    match op {
        Operation::Balance => doc(provider.balance(call, req)),
        Operation::Redeem => doc(provider.redeem(call, req)),
        Operation::CancelRedemption => doc(provider.cancel_redemption(call, req)),
        Operation::ActivationStatus => doc(provider.activation_status(call, req)),
        Operation::Activate => doc(provider.activate(call, req)),
        Operation::CancelActivation => doc(provider.cancel_activation(call, req)),
        Operation::DeactivationStatus => doc(provider.deactivation_status(call, req)),
        Operation::Deactivate => doc(provider.deactivate(call, req)),
        Operation::Issue => doc(provider.issue(call, req)),
        Operation::History => provider.history(call, req),
        Operation::MemberVouchers => provider.member_vouchers(call, req),
        Operation::Validate => provider.validate(call, req),
        Operation::SubmitOrder => provider.submit_order(call, req),
        Operation::Lock => doc(provider.lock(call, req)),
        Operation::Unlock => doc(provider.unlock(call, req)),
        Operation::Capabilities | Operation::Pending | Operation::Recover => Err(Error::internal(
            format!("{} is not a provider operation", op.name()),
        )),
    }
}

/// The operations `provider` implements, in API.md order: every provider operation whose method
/// answers anything but `VL_UNSUPPORTED` to an empty request on a call that cannot send, plus the
/// client-level operations every provider has.
pub fn supported_operations(provider: &dyn Provider, settings: &Settings) -> Vec<Operation> {
    let redactor = Redactor::default();
    Operation::ALL
        .into_iter()
        .filter(|&op| {
            if op.is_client_level() {
                return true;
            }
            let call = Call::new(op, settings, None, &redactor, CallIds::default());
            let mut empty = Fields::empty(VlStatus::VL_INVALID_ARGUMENT, "request");
            !matches!(dispatch(provider, op, &call, &mut empty), Err(e) if e.status() == VlStatus::VL_UNSUPPORTED)
        })
        .collect()
}

/// The POS identifiers of one call: the request's values, else the configuration's.
#[derive(Clone, Debug, Default)]
pub struct CallIds {
    /// POS receipt / transaction number.
    pub reference: Option<String>,
    /// Till id.
    pub pos_id: Option<String>,
    /// Shop id.
    pub site_id: Option<String>,
    /// Cashier id.
    pub operator_id: Option<String>,
    /// Our id for this call, generated before anything is sent.
    pub transaction_id: String,
}

/// Everything one operation needs besides its request: settings, identifiers, the transport and
/// the log. A call without a transport is a capability probe and cannot send.
pub struct Call<'a> {
    /// The operation being performed.
    pub op: Operation,
    /// The client's settings.
    pub settings: &'a Settings,
    /// Identifiers of this call.
    pub ids: CallIds,
    http: Option<&'a Http>,
    redactor: &'a Redactor,
    /// Codes seen in this call, masked in its log lines.
    codes: Mutex<Vec<String>>,
}

impl<'a> Call<'a> {
    /// A call on `http` (or a probe without it).
    pub fn new(
        op: Operation,
        settings: &'a Settings,
        http: Option<&'a Http>,
        redactor: &'a Redactor,
        ids: CallIds,
    ) -> Self {
        Call {
            op,
            settings,
            ids,
            http,
            redactor,
            codes: Mutex::new(Vec::new()),
        }
    }

    /// The provider id of this call.
    pub fn provider(&self) -> &'static str {
        self.settings.provider
    }

    /// Registers a code so that this call's log lines show it masked.
    pub fn hide_code(&self, code: &str) {
        let mut codes = self.codes.lock().unwrap_or_else(|p| p.into_inner());
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_string());
        }
    }

    /// Logs a line about this call, if logging is on at `level`. The line is built only then;
    /// secrets are removed and codes masked before it leaves.
    pub fn log(&self, level: Level, line: impl FnOnce() -> String) {
        if !log::enabled(level) {
            return;
        }
        let mut text = format!("{} {}: {}", self.provider(), self.op.name(), line());
        for code in self.codes.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            if code.len() >= 3 && text.contains(code.as_str()) {
                text = text.replace(code.as_str(), &crate::code::mask(code));
            }
        }
        log::emit(level, &self.redactor.redact(&text));
    }

    /// Sends one request, logging it (target only: never the URL, headers or bodies).
    pub fn send(&self, request: &HttpRequest) -> std::result::Result<HttpResponse, Failure> {
        let Some(http) = self.http else {
            return Err(Failure::NotSent("a capability probe sends nothing".into()));
        };
        self.log(Level::Trace, || {
            format!("{} {}", request.method, request.log_target)
        });
        let result = http.send(request);
        match &result {
            Ok(r) => self.log(Level::Debug, || {
                format!(
                    "{} {} -> HTTP {} in {} ms ({} bytes)",
                    request.method,
                    request.log_target,
                    r.status,
                    r.elapsed.as_millis(),
                    r.body.len()
                )
            }),
            Err(f) => self.log(Level::Warn, || {
                format!(
                    "{} {} failed: {}",
                    request.method,
                    request.log_target,
                    f.detail()
                )
            }),
        }
        result
    }

    /// Removes this client's secrets from a provider text before it goes into a document.
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    /// Removes this client's secrets from a provider JSON before it goes into a document.
    pub fn redact_json(&self, mut value: Value) -> Value {
        self.redactor.redact_json(&mut value);
        value
    }
}

/// The error for a request that got no usable answer, when nothing can have changed (a read, or
/// a money-moving request that provably did not reach the provider).
pub fn failure_error(provider: &'static str, failure: &Failure) -> Error {
    let error = match failure {
        Failure::NotSent(d) => Error::network(format!("{provider} could not be reached: {d}")),
        Failure::AnswerLost(d) => Error::network(format!("no answer from {provider}: {d}")),
        Failure::BadAnswer(d) => {
            Error::provider_failure(format!("unusable answer from {provider}: {d}"))
        }
    };
    error.with_provider(provider)
}

/// Parses a JSON answer body, or fails with `VL_PROVIDER` naming what is wrong.
pub fn json_body(provider: &'static str, response: &HttpResponse) -> Result<Value> {
    let bad = |what: String| {
        Error::provider_failure(format!("unusable answer from {provider}: {what}"))
            .with_provider(provider)
            .with_http_status(response.status)
    };
    let text = response
        .text()
        .ok_or_else(|| bad("the body is not UTF-8 text".into()))?;
    serde_json::from_str(text).map_err(|e| bad(format!("the body is not JSON ({e})")))
}

/// The beginning of a provider's text, for messages (at most 300 characters, trimmed).
pub fn text_excerpt(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() > 300 {
        format!("{}…", trimmed.chars().take(300).collect::<String>())
    } else {
        trimmed.to_string()
    }
}
