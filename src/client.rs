//! A client: one provider account with its configuration, transport and log. The C functions are
//! thin wrappers around [`Client::new`] and [`Client::execute`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::config::{self, Settings};
use crate::error::{Error, Result};
use crate::http::Http;
use crate::i18n::Lang;
use crate::journal::{Journal, new_transaction_id};
use crate::log::{Level, Redactor};
use crate::model::{Capabilities, Document};
use crate::operation::Operation;
use crate::providers::{self, Call, CallIds, Provider};
use crate::request::Fields;
use crate::status::VlStatus;
use crate::transaction;

/// Longest accepted `reference` (a POS receipt or transaction number).
pub(crate) const MAX_REFERENCE_LEN: usize = 128;

/// A configured connection to one provider account. Safe to share between threads.
pub struct Client {
    settings: Settings,
    provider: Box<dyn Provider>,
    http: Http,
    redactor: Redactor,
    journal: Arc<Journal>,
    operations: Vec<Operation>,
}

impl Client {
    /// Builds a client from its JSON configuration (docs/api.md §5). Errors are `VL_CONFIG`.
    pub fn new(config_json: &str) -> Result<Client> {
        let mut fields = config::parse(config_json)?;
        let provider_id = config::read_provider_id(&mut fields)?;
        let info = providers::lookup(&provider_id).ok_or_else(|| {
            let known: Vec<&str> = providers::PROVIDERS.iter().map(|p| p.id).collect();
            Error::config(format!("unknown provider {provider_id:?} (this build has: {})", known.join(", ")))
        })?;
        let defaults = config::ProviderDefaults {
            id: info.id,
            name: info.name,
            receipt_code: info.receipt_code,
            base_url: (info.default_base_url)(&fields)?,
        };
        let mut settings = Settings::read(&mut fields, defaults)?;
        let redactor = Redactor::default();
        let provider = (info.create)(&mut fields, &settings, &redactor)?;
        if settings.time_zone.is_none() {
            settings.time_zone = provider.time_zone();
        }
        fields.finish().map_err(|e| Error::config(format!("{} (provider {})", e.message, info.id)))?;
        let http = Http::new(&settings)?;
        let journal = match &settings.journal_path {
            Some(path) => Journal::open_keeping(path, Duration::from_secs(settings.journal_retention_days * 86_400))?,
            None => Journal::memory(),
        };
        let operations = providers::supported_operations(provider.as_ref(), &settings);
        let client = Client { settings, provider, http, redactor, journal, operations };
        crate::log::emit(Level::Info, &format!("{}: client ready, base URL {}", info.id, client.settings.base_url));
        for (account, open) in client.journal.open_counts() {
            let line = if account == client.settings.account {
                format!("{}: the journal holds {open} unsettled operation(s): call vl_recover", info.id)
            } else {
                format!(
                    "{}: the journal also holds {open} unsettled operation(s) of another account, {account}: a client \
                     configured with that base_url settles them (was base_url changed?)",
                    info.id
                )
            };
            crate::log::emit(Level::Warn, &line);
        }
        Ok(client)
    }

    /// The provider id (`"eguma"`).
    pub fn provider(&self) -> &'static str {
        self.provider.id()
    }

    /// The operations this client supports, in docs/api.md order.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// What `vl_client_new` returns in `data`: the effective settings (never a secret) and the
    /// supported operations.
    pub fn describe(&self) -> Value {
        json!({
            "provider": self.provider(),
            "version": crate::VERSION,
            "settings": &self.settings,
            "operations": self.operation_names(),
        })
    }

    fn operation_names(&self) -> Vec<&'static str> {
        self.operations.iter().map(|op| op.name()).collect()
    }

    /// Performs one operation on a JSON request and returns its `data` document, typed: what the
    /// C functions render.
    pub fn perform(&self, op: Operation, request_json: &str) -> Result<Document> {
        let result = self.run(op, request_json);
        result.map_err(|e| self.finish_error(op, e))
    }

    /// [`Client::perform`], with the `data` document as a JSON value.
    pub fn execute(&self, op: Operation, request_json: &str) -> Result<Value> {
        self.perform(op, request_json).and_then(|data| {
            serde_json::to_value(data).map_err(|e| Error::internal(format!("cannot render the result: {e}")))
        })
    }

    fn run(&self, op: Operation, request_json: &str) -> Result<Document> {
        let mut req = Fields::parse(request_json, VlStatus::VL_INVALID_ARGUMENT, "request")?;
        if !self.operations.contains(&op) {
            return Err(Error::unsupported(format!(
                "{} has no operation `{}` (it supports: {})",
                self.provider(),
                op.name(),
                self.operation_names().join(", ")
            )));
        }
        let ids = self.read_ids(op, &mut req)?;
        let call = Call::new(op, &self.settings, &self.http, &self.redactor, self.journal.clone(), ids);
        let provider = self.provider.as_ref();
        // The library's own words for the cashier, in the call's language (logged in English before).
        let result = match op {
            Operation::Capabilities => {
                req.finish()?;
                Ok(Capabilities { provider: self.provider(), operations: self.operation_names() }.into())
            }
            Operation::Pending => {
                req.finish()?;
                Ok(transaction::pending(&call).into())
            }
            Operation::Recover => {
                // All open entries; one entry (`journal_id`); or one settled by hand (`journal_id`
                // + `outcome`), after a look at the provider's back office.
                let journal_id = req.opt_text("journal_id", 64)?;
                let outcome = req.opt_text("outcome", 16)?;
                req.finish()?;
                match (journal_id, outcome) {
                    (None, None) => Ok(transaction::recover(&call, provider).into()),
                    (Some(id), None) => transaction::recover_one(&call, provider, &id).map(Into::into),
                    (Some(id), Some(outcome)) => transaction::settle_by_hand(&call, &id, &outcome).map(Into::into),
                    (None, Some(_)) => Err(Error::invalid("`outcome` needs the `journal_id` of the entry it settles")),
                }
            }
            _ => {
                let started = Instant::now();
                if op.moves_money() {
                    transaction::retry_one_due(&call, provider);
                }
                let result = providers::dispatch(provider, op, &call, &mut req);
                let ms = || started.elapsed().as_millis();
                match &result {
                    Ok(_) => call.log(Level::Info, || format!("done in {} ms", ms())),
                    Err(e) => call
                        .log(if e.status() == VlStatus::VL_IN_DOUBT { Level::Error } else { Level::Warn }, || {
                            format!("{} after {} ms: {}", e.status().name(), ms(), e.message)
                        }),
                }
                result
            }
        };
        result.map_err(|e| e.worded(&call.voice()))
    }

    /// The identifiers every request may carry, falling back to the configuration.
    fn read_ids(&self, op: Operation, req: &mut Fields) -> Result<CallIds> {
        let s = &self.settings;
        Ok(CallIds {
            reference: req.opt_text("reference", MAX_REFERENCE_LEN)?,
            pos_id: req.opt_text("pos_id", config::MAX_ID_LEN)?.or_else(|| s.pos_id.clone()),
            site_id: req.opt_text("site_id", config::MAX_ID_LEN)?.or_else(|| s.site_id.clone()),
            operator_id: req.opt_text("operator_id", config::MAX_ID_LEN)?.or_else(|| s.operator_id.clone()),
            transaction_id: if op.moves_money() { new_transaction_id() } else { String::new() },
            number: CallIds::next_number(),
            language: match req.opt_text("language", 16)? {
                None => s.language,
                Some(code) => Lang::parse(&code)
                    .ok_or_else(|| config::unknown_language("language", &code, VlStatus::VL_INVALID_ARGUMENT))?,
            },
        })
    }

    /// Every error leaves with the provider named and no secret in its texts.
    fn finish_error(&self, op: Operation, mut e: Error) -> Error {
        if e.provider.is_none() {
            e.provider = Some(self.provider());
        }
        e.message = self.redactor.redact(&e.message);
        e.provider_message = e.provider_message.map(|m| self.redactor.redact(&m));
        if e.status() == VlStatus::VL_INVALID_ARGUMENT || e.status() == VlStatus::VL_UNSUPPORTED {
            crate::log::emit(Level::Debug, &format!("{} {}: {}", self.provider(), op.name(), e.message));
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_configuration_keys_are_refused_by_name() {
        let err = Client::new(r#"{"provider":"eguma","api_key":"k","pos_idd":"1"}"#).err().unwrap();
        assert_eq!(err.status(), VlStatus::VL_CONFIG);
        assert!(err.message.contains("`pos_idd`"), "{}", err.message);
        let err = Client::new(r#"{"provider":"egumaa","api_key":"k"}"#).err().unwrap();
        assert!(err.message.contains("unknown provider \"egumaa\""), "{}", err.message);
        let err = Client::new(r#"{"provider":"eguma"}"#).err().unwrap();
        assert_eq!((err.status(), err.message.as_str()), (VlStatus::VL_CONFIG, "`api_key` is missing"));
    }

    #[test]
    fn capabilities_come_from_the_provider_code() {
        let client = Client::new(r#"{"provider":"eguma","api_key":"k"}"#).unwrap();
        let names: Vec<&str> = client.operations().iter().map(|o| o.name()).collect();
        assert_eq!(
            names,
            [
                "capabilities",
                "balance",
                "redeem",
                "cancel_redemption",
                "activation_status",
                "activate",
                "deactivation_status",
                "deactivate",
                "pending",
                "recover"
            ]
        );
    }

    #[test]
    fn secrets_never_appear_in_describe() {
        let client =
            Client::new(r#"{"provider":"eguma","api_key":"super-secret-key","proxy":"http://u:pw@proxy:3128"}"#)
                .unwrap();
        let text = client.describe().to_string();
        assert!(!text.contains("super-secret-key") && !text.contains("u:pw"), "{text}");
        assert!(text.contains("\"proxy\":\"http://proxy\""), "{text}");
    }
}
