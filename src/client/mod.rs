//! A client: the provider accounts of one till, with their transport, one journal and one log.
//! The C functions are thin wrappers around [`Client::new`] and [`Client::perform`].
//!
//! A client for one provider is one account, and every call goes to it. A client with several
//! (docs/api.md §10) finds each call's account by the request and the code ([`route`]): reads may
//! ask several candidates in configured order; a money-moving call goes only to the account that
//! answered for the code in this client's lookups, to the only candidate, or to the one named.

mod account;
mod route;

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use crate::config;
use crate::error::{Error, Result};
use crate::i18n::{Arg, Lang, Said, Text, Voice};
use crate::journal::Journal;
use crate::log::{Level, Redactor};
use crate::model::{ClientCapabilities, Document, Pending, Prepared, Readiness, Recovered};
use crate::operation::Operation;
use crate::providers;
use crate::request::Fields;
use crate::status::VlStatus;

use account::Account;
use route::{Known, Route};

/// A configured client: one provider account, or several (docs/api.md §10). Safe to share
/// between threads.
pub struct Client {
    /// In configured order; never empty.
    accounts: Vec<Account>,
    journal: Arc<Journal>,
    /// Whether the configuration listed `providers` (its documents then name every provider).
    several: bool,
    /// Which account answered for which code.
    known: Known,
}

impl Client {
    /// Builds a client from its JSON configuration (docs/api.md §5, §10). Errors are `VL_CONFIG`,
    /// naming the key, and in a configuration with several providers the entry.
    pub fn new(config_json: &str) -> Result<Client> {
        let is_provider_key = |key: &str| providers::PROVIDERS.iter().any(|p| p.config_keys.contains(&key));
        let config::Entries { entries, several } = config::entries(config_json, is_provider_key)?;
        let redactor = Arc::new(Redactor::default());
        let mut journal = None;
        let mut accounts: Vec<Account> = Vec::with_capacity(entries.len());
        for (index, mut fields) in entries.into_iter().enumerate() {
            let named = fields.peek_text("provider").unwrap_or("?").to_string();
            let entry = |mut e: Error| {
                if several {
                    e.message = format!("providers[{index}] ({named}): {}", e.message);
                }
                e
            };
            let account = Account::new(&mut fields, several, &redactor, &mut journal).map_err(entry)?;
            if let Some(first) = accounts.iter().position(|a| a.id() == account.id()) {
                return Err(Error::config(format!(
                    "providers[{first}] and providers[{index}] are both {:?}: one entry per provider",
                    account.id()
                )));
            }
            accounts.push(account);
        }
        let journal = journal.ok_or_else(|| Error::internal("a configuration without a provider"))?;
        let client = Client { accounts, journal, several, known: Known::default() };
        client.warn_of_open_entries();
        Ok(client)
    }

    fn warn_of_open_entries(&self) {
        for (key, open) in self.journal.open_counts() {
            let line = match self.accounts.iter().find(|a| a.settings.account == key) {
                Some(a) => format!("{}: the journal holds {open} unsettled operation(s): call vl_recover", a.id()),
                None => format!(
                    "{}: the journal also holds {open} unsettled operation(s) of another account, {key}: a client \
                     configured with that base_url settles them (was base_url changed?)",
                    self.provider_ids().join(", ")
                ),
            };
            crate::log::emit(Level::Warn, &line);
        }
    }

    /// The provider ids of this client, in configured order.
    pub fn provider_ids(&self) -> Vec<&'static str> {
        self.accounts.iter().map(Account::id).collect()
    }

    /// The operations this client supports (of any of its providers), in docs/api.md order.
    pub fn operations(&self) -> Vec<Operation> {
        Operation::ALL.into_iter().filter(|&op| self.accounts.iter().any(|a| a.supports(op))).collect()
    }

    fn operation_names(&self) -> Vec<&'static str> {
        self.operations().into_iter().map(Operation::name).collect()
    }

    /// What `vl_client_new` returns in `data`: the effective settings (never a secret) and the
    /// supported operations; with several providers, per provider.
    pub fn describe(&self) -> Value {
        let account =
            |a: &Account| json!({ "provider": a.id(), "settings": &a.settings, "operations": a.operation_names() });
        if !self.several {
            let mut one = account(&self.accounts[0]);
            one["version"] = json!(crate::VERSION);
            return one;
        }
        json!({
            "providers": self.accounts.iter().map(account).collect::<Vec<_>>(),
            "version": crate::VERSION,
            "operations": self.operation_names(),
        })
    }

    /// Performs one operation on a JSON request and returns its `data` document, typed: what the
    /// C functions render.
    pub fn perform(&self, op: Operation, request_json: &str) -> Result<Document> {
        if op == Operation::Prepare {
            return self.prepare(request_json);
        }
        let mut req =
            Fields::parse(request_json, VlStatus::VL_INVALID_ARGUMENT, "request").map_err(|e| self.unrouted(op, e))?;
        if self.several && op.is_client_level() && !req.has("provider") {
            return self.across_accounts(op, req);
        }
        let route = self.route(op, &mut req).map_err(|e| self.unrouted(op, e))?;
        match route {
            Route::One(i) => self.run_on(i, op, req, None),
            Route::Candidates(list) if op.moves_money() => self.move_money(op, req, &list),
            Route::Candidates(list) => self.ask(op, req, &list),
        }
    }

    /// `vl_prepare`: opens the way to every provider of the client (or the one the request names)
    /// at once, each in its own thread. `VL_OK` when every one is ready; else the first failure, with
    /// `providers` naming all that are not ready (a client of several providers).
    pub fn prepare(&self, request_json: &str) -> Result<Document> {
        let op = Operation::Prepare;
        let mut req =
            Fields::parse(request_json, VlStatus::VL_INVALID_ARGUMENT, "request").map_err(|e| self.unrouted(op, e))?;
        let named =
            req.opt_text("provider", 32).and_then(|id| id.map(|id| route::named(&self.accounts, &id)).transpose());
        let which: Vec<usize> = match named.map_err(|e| self.unrouted(op, e))? {
            Some(i) => vec![i],
            None => (0..self.accounts.len()).collect(),
        };
        req.finish().map_err(|e| self.unrouted(op, e))?;
        let results: Vec<Result<std::time::Duration>> = match which.as_slice() {
            [one] => vec![self.accounts[*one].prepare()],
            many => std::thread::scope(|scope| {
                let running: Vec<_> = many.iter().map(|&i| scope.spawn(move || self.accounts[i].prepare())).collect();
                running
                    .into_iter()
                    .map(|t| t.join().unwrap_or_else(|_| Err(Error::internal("vl_prepare's thread panicked"))))
                    .collect()
            }),
        };
        let mut providers = Vec::with_capacity(which.len());
        let mut failures: Vec<Error> = Vec::new();
        for (&i, result) in which.iter().zip(results) {
            let provider = self.accounts[i].id();
            match result {
                Ok(took) => providers.push(Readiness { provider, ready: true, ms: took.as_millis() as u64 }),
                Err(e) => failures.push(e),
            }
        }
        match failures.len() {
            0 => Ok(Prepared { providers }.into()),
            1 if !self.several => Err(failures.remove(0)),
            _ => {
                let not_ready: Vec<&'static str> = failures.iter().filter_map(|e| e.provider).collect();
                Err(failures.remove(0).with_providers(not_ready))
            }
        }
    }

    /// [`Client::perform`], with the `data` document as a JSON value.
    pub fn execute(&self, op: Operation, request_json: &str) -> Result<Value> {
        self.perform(op, request_json).and_then(|data| {
            serde_json::to_value(data).map_err(|e| Error::internal(format!("cannot render the result: {e}")))
        })
    }

    fn route(&self, op: Operation, req: &mut Fields) -> Result<Route> {
        if self.several {
            return route::route(&self.accounts, op, req);
        }
        // A request may name the provider of a client of one provider too.
        match req.opt_text("provider", 32)? {
            Some(id) => route::named(&self.accounts, &id).map(Route::One),
            None => Ok(Route::One(0)),
        }
    }

    /// Runs a call on one account, remembering which account answered for its code.
    fn run_on(&self, i: usize, op: Operation, req: Fields, deadline: Option<Instant>) -> Result<Document> {
        let scanned = if self.several { req.peek_text("code").map(str::to_string) } else { None };
        let mut result = self.accounts[i].perform(op, req, deadline);
        if let Ok(doc) = &mut result
            && self.several
        {
            doc.name_provider(self.accounts[i].id());
            if let Some(scanned) = scanned {
                self.known.remember(i, &scanned, doc.code());
            }
        }
        result
    }

    /// A money-moving call whose code fits several providers: it goes only to the one that
    /// answered for this code in this client's lookups. Otherwise nothing is sent.
    fn move_money(&self, op: Operation, req: Fields, candidates: &[usize]) -> Result<Document> {
        let code = req.peek_text("code").unwrap_or_default();
        let known = self.known.which(&self.accounts, candidates, code);
        if let [i] = known.as_slice() {
            return self.run_on(*i, op, req, None);
        }
        let ids = |list: &[usize]| list.iter().map(|&i| self.accounts[i].id()).collect::<Vec<_>>();
        let message = if known.is_empty() {
            format!(
                "this code could be a voucher of {}: look it up first (vl_balance), or name its provider in the \
                 request (\"provider\": \"{}\"); nothing was sent",
                route::names(&self.accounts, candidates.iter().copied()),
                self.accounts[candidates[0]].id()
            )
        } else {
            format!(
                "this code was looked up at {}: name the provider in the request (\"provider\": \"{}\"); nothing was \
                 sent",
                route::names(&self.accounts, known.iter().copied()),
                self.accounts[known[0]].id()
            )
        };
        let list = if known.is_empty() { candidates } else { &known };
        Err(self.unrouted(op, Error::invalid(message).with_providers(ids(list))))
    }

    /// A read whose code fits several providers: asked in configured order; the first that knows
    /// the code answers. One that does not know it is passed over; one that cannot tell
    /// (unreachable, failing, refusing the credentials) too, but its error is the answer when no
    /// other knows the code. The whole call keeps to the longest `timeout_ms` of the candidates:
    /// a candidate asked before others gets at most half of the time left.
    fn ask(&self, op: Operation, req: Fields, candidates: &[usize]) -> Result<Document> {
        let longest = candidates.iter().map(|&i| self.accounts[i].settings.timeout()).max().unwrap_or_default();
        let until = Instant::now() + longest;
        let mut asked = Vec::with_capacity(candidates.len());
        let mut cannot_tell: Option<Error> = None;
        for (k, &i) in candidates.iter().enumerate() {
            let deadline = match k + 1 == candidates.len() {
                true => until,
                false => Instant::now() + until.saturating_duration_since(Instant::now()) / 2,
            };
            match self.run_on(i, op, req.clone(), Some(deadline)) {
                Ok(doc) => return Ok(doc),
                Err(e) if e.status() == VlStatus::VL_NOT_FOUND => {}
                Err(e) if matches!(e.status(), VlStatus::VL_NETWORK | VlStatus::VL_PROVIDER | VlStatus::VL_AUTH) => {
                    cannot_tell.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
            asked.push(self.accounts[i].id());
            crate::log::emit(Level::Debug, &format!("{} {}: not known there, asking the next candidate", asked[k], op));
        }
        if let Some(e) = cannot_tell {
            return Err(e.with_providers(asked));
        }
        let names = route::names(&self.accounts, candidates.iter().copied());
        let said = Said::new(Text::NoProviderKnows).with("providers", Arg::Plain(names));
        Err(self.unrouted(op, Error::said(VlStatus::VL_NOT_FOUND, said).with_providers(asked)).worded(&Voice {
            lang: self.language(&req),
            zone: None,
            provider: "",
        }))
    }

    /// `vl_capabilities`, `vl_pending` and `vl_recover` of a client with several providers,
    /// without a `provider`: over every account.
    fn across_accounts(&self, op: Operation, req: Fields) -> Result<Document> {
        if op == Operation::Recover
            && let Some(id) = req.peek_text("journal_id")
        {
            // One entry: the account it belongs to settles it.
            let owner =
                self.journal.get(id).and_then(|e| self.accounts.iter().position(|a| a.settings.account == e.account));
            return match owner {
                Some(i) => self.run_on(i, op, req, None),
                None => Err(Error::invalid(format!("`journal_id` {id} is not an entry of this client's journal"))),
            };
        }
        let mut documents = Vec::with_capacity(self.accounts.len());
        for account in &self.accounts {
            documents.push(account.perform(op, req.clone(), None)?);
        }
        Ok(match op {
            Operation::Capabilities => ClientCapabilities {
                providers: self.accounts.iter().map(Account::capabilities).collect(),
                operations: self.operation_names(),
            }
            .into(),
            Operation::Pending => {
                let mut entries: Vec<_> = documents
                    .into_iter()
                    .flat_map(|d| match d {
                        Document::Pending(p) => p.entries,
                        _ => Vec::new(),
                    })
                    .collect();
                entries.sort_by(|a, b| a.created_at.cmp(&b.created_at));
                Pending { entries }.into()
            }
            _ => {
                let mut all = Recovered { resolved: Vec::new(), still_pending: Vec::new() };
                for d in documents {
                    if let Document::Recovered(r) = d {
                        all.resolved.extend(r.resolved);
                        all.still_pending.extend(r.still_pending);
                    }
                }
                all.into()
            }
        })
    }

    /// The language of a request's own texts: its `language`, else the first provider's.
    fn language(&self, req: &Fields) -> Lang {
        req.peek_text("language").and_then(Lang::parse).unwrap_or(self.accounts[0].settings.language)
    }

    /// An error decided before any account took the call: a client of one provider names it.
    fn unrouted(&self, op: Operation, e: Error) -> Error {
        if self.several { e } else { self.accounts[0].finish_error(op, e) }
    }
}
