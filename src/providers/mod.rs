//! Providers: one module each, all behind the [`Provider`] trait.
//!
//! A provider implements the operations it has; every other operation keeps the trait's default,
//! which answers `VL_UNSUPPORTED` without reading the request or sending anything. The client
//! derives `vl_capabilities` from exactly that (see [`supported_operations`]), so the list can
//! never drift from the code.

pub use crate::call::{Call, CallIds};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::log::Redactor;
use crate::model::{
    ActivationStatus, DeactivationStatus, Document, History, MemberVouchers, OrderAccepted, Redemption, Validation,
    Voucher,
};
use crate::operation::Operation;
use crate::request::Fields;
use crate::status::VlStatus;
use crate::transaction::Settlement;

pub mod coupontools;
pub mod eguma;
pub mod gonnaorder;
pub mod token;
pub mod treazure;
pub mod wire;

/// A provider's entry in the registry: how to build it from a configuration.
pub struct ProviderInfo {
    /// Provider id used in the configuration (`"eguma"`).
    pub id: &'static str,
    /// Its name for people (`"e-guma"`).
    pub name: &'static str,
    /// How its receipts show codes unless configured otherwise, as its guide asks.
    pub receipt_code: crate::config::ReceiptCode,
    /// The base URL when the configuration has none: the provider's production URL, possibly
    /// derived from other keys (Treazure's `tenant`); None when `base_url` is required.
    pub default_base_url: fn(&Fields) -> Result<Option<String>>,
    /// Takes the provider's own configuration keys and builds it (its `secret_keys` are already
    /// with the redactor).
    pub create: fn(&mut Fields, &Settings) -> Result<Box<dyn Provider>>,
    /// The provider's own configuration keys (every key `create` may take), for the check that
    /// names an unknown key, with the nearest known one, before anything else is read.
    pub config_keys: &'static [&'static str],
    /// Those of its keys whose values are secrets: registered with the redactor before `create`
    /// reads anything, so no log line, error or trace can show them (tests/secrets_audit.rs holds
    /// every registered provider to it).
    pub secret_keys: &'static [&'static str],
    /// How its codes look: what a client with several providers routes by (docs/routing.md).
    pub codes: Codes,
    /// How `voucherlink doctor` proves the credentials and looks a real code up.
    pub probe: Probe,
}

/// What `voucherlink doctor` asks of a provider. Never moves money.
pub struct Probe {
    /// A read with a made-up code or member, which the provider answers "unknown" once it has
    /// accepted the credentials: its operation and request (JSON).
    pub operation: Operation,
    /// The request of `operation`.
    pub request: &'static str,
    /// What an answer to it proves, for people.
    pub proves: &'static str,
    /// How a real code is looked up: the operation, and the request's fields besides `code`.
    pub lookup: (Operation, &'static str),
}

/// How a provider's codes look, from its documentation and real answers, for routing a scanned
/// code to its provider (docs/routing.md). Never narrower than the real codes: a shape that
/// excluded a real code would send the cashier to "unknown voucher".
pub struct Codes {
    /// A code as typed or scanned, as this provider sends it (its own normalization); an error
    /// when it cannot be one of its codes.
    pub read: fn(&str) -> Result<String>,
    /// Whether a code, as `read` gives it, has a shape this provider's codes have.
    pub shape: fn(&str) -> bool,
    /// Whether a scan names this provider by itself (a Coupontools session URL).
    pub names_itself: fn(&str) -> bool,
    /// Request fields only this provider takes: a request carrying one is for this provider.
    pub own_fields: &'static [&'static str],
}

/// Opens a connection to the host of `url` with one GET (any HTTP answer will do), for
/// [`Provider::prepare`]: the connection stays in the client's pool for the next call.
pub(crate) fn open_way(call: &Call, url: &str) -> Result<()> {
    let path = url.parse::<ureq::http::Uri>().map(|u| u.path().to_string()).unwrap_or_else(|_| "/".into());
    call.read_once(&crate::http::HttpRequest::get(url.to_string(), path))
        .map(drop)
        .map_err(|f| f.error(call.provider()))
}

/// A shape that takes every code the provider's own reading accepts: its documentation gives
/// no narrower form.
pub(crate) fn any_code(_: &str) -> bool {
    true
}

/// For providers whose scans never name them.
pub(crate) fn never(_: &str) -> bool {
    false
}

/// Every provider this build knows.
pub(crate) const PROVIDERS: &[ProviderInfo] = &[eguma::INFO, treazure::INFO, gonnaorder::INFO, coupontools::INFO];

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
/// Money-moving operations go through the engine (`transaction::execute`), which calls the
/// provider back through [`Settlement`].
pub trait Provider: Settlement {
    /// The time zone the provider's configuration implies for dates shown to people, when
    /// `time_zone` is not set (Treazure: its `utc_offset`).
    fn time_zone(&self) -> Option<crate::i18n::Zone> {
        None
    }

    /// `vl_prepare`: opens the way to the provider now — DNS, TCP, TLS, the proxy, a token — so
    /// that the cashier's next call costs one round trip. Never moves money. Default: one GET of the
    /// base URL, whose answer, whatever it is, proves the way open.
    fn prepare(&self, call: &Call) -> Result<()> {
        open_way(call, &format!("{}/", call.settings.base_url))
    }

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
    fn history(&self, _call: &Call, _req: &mut Fields) -> Result<History> {
        Err(not_implemented())
    }
    /// `vl_member_vouchers`.
    fn member_vouchers(&self, _call: &Call, _req: &mut Fields) -> Result<MemberVouchers> {
        Err(not_implemented())
    }
    /// `vl_validate`.
    fn validate(&self, _call: &Call, _req: &mut Fields) -> Result<Validation> {
        Err(not_implemented())
    }
    /// `vl_submit_order`.
    fn submit_order(&self, _call: &Call, _req: &mut Fields) -> Result<OrderAccepted> {
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

/// Runs one provider operation and returns its typed document.
pub fn dispatch(provider: &dyn Provider, op: Operation, call: &Call, req: &mut Fields) -> Result<Document> {
    fn doc<T: Into<Document>>(result: Result<T>) -> Result<Document> {
        result.map(Into::into)
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
        Operation::History => doc(provider.history(call, req)),
        Operation::MemberVouchers => doc(provider.member_vouchers(call, req)),
        Operation::Validate => doc(provider.validate(call, req)),
        Operation::SubmitOrder => doc(provider.submit_order(call, req)),
        Operation::Lock => doc(provider.lock(call, req)),
        Operation::Unlock => doc(provider.unlock(call, req)),
        Operation::Capabilities | Operation::Pending | Operation::Recover | Operation::Prepare => {
            Err(Error::internal(format!("{} is not a provider operation", op.name())))
        }
    }
}

/// The operations `provider` implements, in docs/api.md order: every provider operation whose method
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
            let call = Call::probe(op, settings, &redactor);
            let mut empty = Fields::empty(VlStatus::VL_INVALID_ARGUMENT, "request");
            !matches!(dispatch(provider, op, &call, &mut empty), Err(e) if e.status() == VlStatus::VL_UNSUPPORTED)
        })
        .collect()
}
