//! One provider account of a client: its settings, provider, transport and operations. A client
//! for one provider is one account; a client with several (docs/api.md §10) routes each call to
//! one of its accounts, which performs it exactly as a client of its own would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{self, COMMON_KEYS, Settings};
use crate::error::{Error, Result};
use crate::http::Http;
use crate::i18n::Lang;
use crate::journal::{Journal, new_transaction_id};
use crate::log::{Level, Redactor};
use crate::model::{Capabilities, Document};
use crate::operation::Operation;
use crate::providers::{self, Call, CallIds, Provider, ProviderInfo};
use crate::request::Fields;
use crate::status::VlStatus;
use crate::transaction;

use super::route::CodeRule;

/// Longest accepted `reference` (a POS receipt or transaction number).
pub(crate) const MAX_REFERENCE_LEN: usize = 128;

/// One configured provider account. Safe to share between threads.
pub(crate) struct Account {
    /// Its settings.
    pub settings: Settings,
    /// Its provider's registry entry.
    pub info: &'static ProviderInfo,
    /// The `codes` rule of its entry, in a client with several providers.
    pub rule: Option<CodeRule>,
    provider: Box<dyn Provider>,
    http: Http,
    redactor: Arc<Redactor>,
    journal: Arc<Journal>,
    operations: Vec<Operation>,
}

impl Account {
    /// Builds an account from its configuration entry. `journal` is the client's journal once the
    /// first account opened it (every account of a client shares it). `several`: the entry is one
    /// of a configuration's `providers` (then it may carry `codes`). Errors are `VL_CONFIG`.
    pub fn new(
        fields: &mut Fields,
        several: bool,
        redactor: &Arc<Redactor>,
        journal: &mut Option<Arc<Journal>>,
    ) -> Result<Account> {
        let provider_id = config::read_provider_id(fields)?;
        let info = providers::lookup(&provider_id).ok_or_else(|| {
            let known: Vec<&str> = providers::PROVIDERS.iter().map(|p| p.id).collect();
            Error::config(format!("unknown provider {provider_id:?} (this build has: {})", known.join(", ")))
        })?;
        check_keys(fields, info, several)?;
        let rule = match fields.take("codes") {
            Some(value) => Some(CodeRule::read(value, info.codes.read)?),
            None => None,
        };
        let defaults = config::ProviderDefaults {
            id: info.id,
            name: info.name,
            receipt_code: info.receipt_code,
            base_url: (info.default_base_url)(fields)?,
        };
        let mut settings = Settings::read(fields, defaults)?;
        for key in info.secret_keys {
            if let Some(secret) = fields.peek_text(key) {
                redactor.add(secret);
            }
        }
        let provider = (info.create)(fields, &settings)?;
        if settings.time_zone.is_none() {
            settings.time_zone = provider.time_zone();
        }
        fields.finish().map_err(|e| Error::config(format!("{} (provider {})", e.message, info.id)))?;
        let http = Http::new(&settings)?;
        let journal = match journal {
            Some(journal) => journal.clone(),
            None => {
                let opened = match &settings.journal_path {
                    Some(path) => {
                        Journal::open_keeping(path, Duration::from_secs(settings.journal_retention_days * 86_400))?
                    }
                    None => Journal::memory(),
                };
                journal.insert(opened).clone()
            }
        };
        let operations = providers::supported_operations(provider.as_ref(), &settings);
        crate::log::emit(Level::Info, &format!("{}: client ready, base URL {}", info.id, settings.base_url));
        Ok(Account { settings, info, rule, provider, http, redactor: redactor.clone(), journal, operations })
    }

    /// The provider id (`"eguma"`).
    pub fn id(&self) -> &'static str {
        self.info.id
    }

    /// Whether this account supports `op`.
    pub fn supports(&self, op: Operation) -> bool {
        self.operations.contains(&op)
    }

    /// The names of the supported operations.
    pub fn operation_names(&self) -> Vec<&'static str> {
        self.operations.iter().map(|op| op.name()).collect()
    }

    /// What this account answers to `vl_capabilities`.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities { provider: self.id(), operations: self.operation_names() }
    }

    /// Performs one operation on a request; returns its `data` document, or the error with this
    /// provider named and no secret in its texts. `deadline`: the latest the call may end, when
    /// the client gives it less than `timeout_ms` (a candidate asked before others).
    pub fn perform(&self, op: Operation, req: Fields, deadline: Option<Instant>) -> Result<Document> {
        self.run(op, req, deadline).map_err(|e| self.finish_error(op, e))
    }

    fn run(&self, op: Operation, mut req: Fields, deadline: Option<Instant>) -> Result<Document> {
        if !self.supports(op) {
            return Err(Error::unsupported(format!(
                "{} has no operation `{}` (it supports: {})",
                self.id(),
                op.name(),
                self.operation_names().join(", ")
            )));
        }
        let ids = self.read_ids(op, &mut req)?;
        let call = Call::new(op, &self.settings, &self.http, &self.redactor, self.journal.clone(), ids);
        if let Some(deadline) = deadline {
            call.shorten_deadline(deadline);
        }
        let provider = self.provider.as_ref();
        // The library's own words for the cashier, in the call's language (logged in English before).
        let result = match op {
            Operation::Capabilities => {
                req.finish()?;
                Ok(self.capabilities().into())
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

    /// `vl_prepare` for this account: opens the way to its provider (connection, token) by the
    /// deadline. Never moves money. Returns how long it took; the error says what is in the way.
    pub fn prepare(&self) -> Result<std::time::Duration> {
        let started = Instant::now();
        let ids = CallIds { number: CallIds::next_number(), language: self.settings.language, ..CallIds::default() };
        let call = Call::new(Operation::Prepare, &self.settings, &self.http, &self.redactor, self.journal.clone(), ids);
        let result = self.provider.prepare(&call);
        let took = started.elapsed();
        match &result {
            Ok(()) => call.log(Level::Info, || format!("ready in {} ms", took.as_millis())),
            Err(e) => call.log(Level::Warn, || format!("not ready after {} ms: {}", took.as_millis(), e.message)),
        }
        result.map(|()| took).map_err(|e| self.finish_error(Operation::Prepare, e.worded(&call.voice())))
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
    pub fn finish_error(&self, op: Operation, mut e: Error) -> Error {
        if e.provider.is_none() {
            e.provider = Some(self.id());
        }
        e.message = self.redactor.redact(&e.message);
        e.provider_message = e.provider_message.map(|m| self.redactor.redact(&m));
        if e.status() == VlStatus::VL_INVALID_ARGUMENT || e.status() == VlStatus::VL_UNSUPPORTED {
            crate::log::emit(Level::Debug, &format!("{} {}: {}", self.id(), op.name(), e.message));
        }
        e
    }
}

/// Refuses a configuration key that neither the library nor the provider reads, before any other
/// key is read: a typo is named as such (with the nearest known key), never reported as the
/// missing key it was meant to be.
fn check_keys(fields: &Fields, info: &ProviderInfo, several: bool) -> Result<()> {
    let known = || COMMON_KEYS.iter().chain(info.config_keys).copied().chain(["provider"]);
    for name in fields.names() {
        if known().any(|k| k == name) || (several && name == "codes") {
            continue;
        }
        if name == "codes" {
            return Err(Error::config(
                "`codes` routes scanned codes between several providers: it belongs in an entry of `providers`",
            ));
        }
        return Err(config::unknown_key(name, known()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Client;
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
    fn a_typo_is_named_with_the_key_it_was_meant_to_be() {
        for (config, message) in [
            (
                r#"{"provider":"eguma","apikey":"k"}"#,
                "unknown field `apikey` in the configuration (did you mean `api_key`?)",
            ),
            (
                r#"{"provider":"treazure","client_id":"c","clientsecret":"s","base_url":"https://t.example"}"#,
                "unknown field `clientsecret` in the configuration (did you mean `client_secret`?)",
            ),
            (
                r#"{"provider":"eguma","api_key":"k","timeout":5000}"#,
                "unknown field `timeout` in the configuration (did you mean `timeout_ms`?)",
            ),
            (r#"{"provider":"eguma","api_key":"k","colour":"red"}"#, "unknown field `colour` in the configuration"),
        ] {
            let err = Client::new(config).err().unwrap();
            assert_eq!((err.status(), err.message.as_str()), (VlStatus::VL_CONFIG, message), "{config}");
        }
    }

    #[test]
    fn every_listed_key_is_one_the_library_or_the_provider_reads() {
        // A key in a provider's `config_keys` or in COMMON_KEYS that nobody took would be refused
        // by `finish` as unknown: set each one alone and check it is not.
        for info in providers::PROVIDERS {
            for key in COMMON_KEYS.iter().chain(info.config_keys) {
                let config = serde_json::json!({"provider": info.id, *key: "x"}).to_string();
                let err = Client::new(&config).err().map(|e| e.message).unwrap_or_default();
                assert!(!err.contains("unknown"), "{} {key}: {err}", info.id);
            }
        }
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
