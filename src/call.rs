//! One operation in progress: its settings, identifiers, deadline, transport, journal and log.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::config::Settings;
use crate::http::{Failure, Http, HttpRequest, HttpResponse};
use crate::i18n::{Lang, Voice};
use crate::journal::{Entry, Journal, Trigger};
use crate::json::Raw;
use crate::log::{self, Level, Redactor};
use crate::operation::Operation;

/// Reads are tried at most this many times (on connection failures and 5xx answers).
pub(crate) const READ_ATTEMPTS: u32 = 3;
/// Pauses between read attempts.
const READ_BACKOFF: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(300)];
/// After the answer to a money-moving request is lost, this much more time (at most
/// `timeout_ms`) is spent finding out whether it went through.
pub(crate) const RESOLUTION_SLACK: Duration = Duration::from_secs(3);

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
    /// Our id for a money-moving call, generated before anything is sent (its journal id);
    /// empty for reads, which need none.
    pub transaction_id: String,
    /// The language of what this call writes for people (the request's, else the client's).
    pub language: Lang,
    /// This call's number in the process: a read's correlation id in log lines (`c1f`).
    pub number: u64,
}

impl CallIds {
    /// A number for each call of the process, for log lines.
    pub fn next_number() -> u64 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

/// Everything one operation needs besides its request. A call without a transport is a
/// capability probe and cannot send.
pub struct Call<'a> {
    /// The operation being performed.
    pub op: Operation,
    /// The client's settings.
    pub settings: &'a Settings,
    /// Identifiers of this call.
    pub ids: CallIds,
    http: Option<&'a Http>,
    redactor: &'a Redactor,
    journal: Arc<Journal>,
    deadline: Cell<Instant>,
    /// Codes seen in this call, masked in its log lines.
    codes: RefCell<Vec<String>>,
    /// Secrets of this call only (a scratch code), removed from its log lines.
    secrets: RefCell<Vec<String>>,
}

impl<'a> Call<'a> {
    /// A call on `http`, due to finish by now + `timeout_ms`.
    pub fn new(
        op: Operation,
        settings: &'a Settings,
        http: &'a Http,
        redactor: &'a Redactor,
        journal: Arc<Journal>,
        ids: CallIds,
    ) -> Self {
        let deadline = Instant::now() + settings.timeout();
        Call {
            op,
            settings,
            ids,
            http: Some(http),
            redactor,
            journal,
            deadline: Cell::new(deadline),
            codes: RefCell::default(),
            secrets: RefCell::default(),
        }
    }

    /// A capability probe: cannot send, journals nowhere that lasts.
    pub fn probe(op: Operation, settings: &'a Settings, redactor: &'a Redactor) -> Self {
        Call {
            op,
            settings,
            ids: CallIds::default(),
            http: None,
            redactor,
            journal: Journal::memory(),
            deadline: Cell::new(Instant::now()),
            codes: RefCell::default(),
            secrets: RefCell::default(),
        }
    }

    /// This call acting for a journal entry an earlier call made (an undo sent again, a reversal):
    /// what is sent and logged carries the entry's identity — its id, reference, till, cashier and
    /// shop — so that the provider files it under the sale it belongs to; the transport, deadline
    /// and language are this call's.
    pub fn acting_for(&self, entry: &Entry) -> Call<'a> {
        Call {
            op: entry.operation,
            settings: self.settings,
            ids: CallIds {
                reference: entry.reference.clone(),
                pos_id: entry.pos_id.clone(),
                site_id: entry.site_id.clone().or_else(|| self.settings.site_id.clone()),
                operator_id: entry.operator_id.clone(),
                transaction_id: entry.id.clone(),
                language: self.ids.language,
                number: self.ids.number,
            },
            http: self.http,
            redactor: self.redactor,
            journal: self.journal.clone(),
            deadline: Cell::new(self.deadline.get()),
            codes: RefCell::new(self.codes.borrow().clone()),
            secrets: RefCell::new(self.secrets.borrow().clone()),
        }
    }

    /// What this call is, for an entry the library makes during it on behalf of an earlier sale.
    pub fn trigger(&self) -> Trigger {
        Trigger {
            operation: self.op,
            journal_id: Some(self.ids.transaction_id.clone()).filter(|id| !id.is_empty()),
            reference: self.ids.reference.clone(),
            pos_id: self.ids.pos_id.clone(),
            operator_id: self.ids.operator_id.clone(),
        }
    }

    /// The provider id of this call.
    pub fn provider(&self) -> &'static str {
        self.settings.provider
    }

    /// How this call writes for people: its language, the till's time zone, the provider's name.
    pub fn voice(&self) -> Voice<'_> {
        Voice { lang: self.ids.language, zone: self.settings.time_zone.as_ref(), provider: self.settings.provider_name }
    }

    /// The provider account journal entries belong to (the normalized base URL).
    pub fn account(&self) -> &str {
        &self.settings.account
    }

    /// The journal of this client.
    pub fn journal(&self) -> &Arc<Journal> {
        &self.journal
    }

    /// When this call must be done.
    pub fn deadline(&self) -> Instant {
        self.deadline.get()
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.get().saturating_duration_since(Instant::now())
    }

    /// Makes the call end by `deadline` at the latest (a candidate asked before others).
    pub fn shorten_deadline(&self, deadline: Instant) {
        self.deadline.set(self.deadline.get().min(deadline));
    }

    /// Gives the call the resolution slack from now: after a lost answer, to find out whether a
    /// money-moving request went through.
    pub fn allow_resolution_time(&self) {
        let slack = RESOLUTION_SLACK.min(self.settings.timeout());
        self.deadline.set(self.deadline.get().max(Instant::now() + slack));
    }

    /// Registers a code so that this call's log lines show it masked.
    pub fn hide_code(&self, code: &str) {
        let mut codes = self.codes.borrow_mut();
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_string());
        }
    }

    /// Registers a secret of this call (a scratch code): never in its log lines.
    pub fn hide_secret(&self, secret: &str) {
        self.secrets.borrow_mut().push(secret.to_string());
    }

    /// Registers a secret of the whole client (a token as it is obtained): never in any log line
    /// or provider text the client hands out.
    pub fn remember_secret(&self, secret: &str) {
        self.redactor.add(secret);
    }

    /// Logs a line about this call, if logging is on at `level`. The line is built only then;
    /// secrets are removed and codes masked before it leaves.
    pub fn log(&self, level: Level, line: impl FnOnce() -> String) {
        if !log::enabled(level) {
            return;
        }
        // Who and what, for support: `eguma redeem [pos=KASSE-1 ref=R-1001 vl-…]: …`; a read is
        // named by its call number (`c1f`).
        let mut text = format!("{} {} [", self.provider(), self.op.name());
        for (name, value) in [("pos=", &self.ids.pos_id), ("ref=", &self.ids.reference)] {
            if let Some(v) = value {
                text.extend([name, v.as_str(), " "]);
            }
        }
        if self.ids.transaction_id.is_empty() {
            use std::fmt::Write;
            let _ = write!(text, "c{:x}", self.ids.number);
        } else {
            text.push_str(&self.ids.transaction_id);
        }
        text.push_str("]: ");
        text.push_str(&line());
        for secret in self.secrets.borrow().iter().filter(|s| !s.is_empty()) {
            text = text.replace(secret.as_str(), crate::log::REDACTED);
        }
        for code in self.codes.borrow().iter() {
            if code.len() >= 3 && text.contains(code.as_str()) {
                text = text.replace(code.as_str(), &crate::code::mask(code));
            }
        }
        log::emit(level, &self.redactor.redact(&text));
    }

    /// Sends a money-moving request once, within what is left of the deadline, never on a
    /// connection idle long enough for the server to be closing it (see [`crate::http`]).
    pub fn send(&self, request: &HttpRequest) -> Result<HttpResponse, Failure> {
        self.send_within(request, self.remaining(), true)
    }

    fn send_within(&self, request: &HttpRequest, budget: Duration, moves_money: bool) -> Result<HttpResponse, Failure> {
        let Some(http) = self.http else {
            return Err(Failure::NotSent("a capability probe sends nothing".into()));
        };
        if budget.is_zero() {
            return Err(Failure::NotSent("the call's deadline passed before sending".into()));
        }
        self.log(Level::Trace, || trace_request(request));
        let result = http.send(request, budget, moves_money);
        if let Ok(r) = &result {
            self.log(Level::Trace, || trace_response(r));
        }
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
            Err(f) => {
                self.log(Level::Warn, || format!("{} {} failed: {}", request.method, request.log_target, f.detail()))
            }
        }
        result
    }

    /// Sends a request once, as a read (a connection idle for long may be reused): for opening the
    /// way to a provider, where any answer will do.
    pub fn read_once(&self, request: &HttpRequest) -> Result<HttpResponse, Failure> {
        self.send_within(request, self.remaining(), false)
    }

    /// Sends a read, retrying connection failures and 5xx answers (at most [`READ_ATTEMPTS`]
    /// times, with a short pause, within the deadline). An attempt that is not the last gets at
    /// most two thirds of the time left, so a connection that died silently cannot eat the
    /// retry's share. Never for money-moving requests.
    pub fn read(&self, request: &HttpRequest) -> Result<HttpResponse, Failure> {
        let mut attempt = 0;
        loop {
            let left = self.remaining();
            let budget = if attempt + 1 < READ_ATTEMPTS { left * 2 / 3 } else { left };
            let result = self.send_within(request, budget, false);
            let retryable = match &result {
                Ok(r) => r.status >= 500,
                Err(Failure::NotSent(_) | Failure::AnswerLost(_) | Failure::TimedOut(_)) => true,
                Err(Failure::BadAnswer(_)) => false,
            };
            let Some(pause) = READ_BACKOFF.get(attempt as usize).copied() else { return result };
            attempt += 1;
            if !retryable || attempt >= READ_ATTEMPTS || self.remaining() <= pause + Duration::from_millis(50) {
                return result;
            }
            self.log(Level::Info, || {
                format!("read failed, retrying in {} ms (attempt {})", pause.as_millis(), attempt + 1)
            });
            std::thread::sleep(pause);
        }
    }

    /// Removes this client's secrets from a provider JSON before it goes into a document.
    pub fn redact_json(&self, mut value: Value) -> Value {
        self.redactor.redact_json(&mut value);
        value
    }

    /// Removes this client's secrets from a provider answer kept as text. The text is used as it
    /// is when no secret occurs in it and it has no escapes (through which a secret could hide);
    /// otherwise its strings are redacted one by one.
    pub fn redact_raw(&self, raw: Raw) -> Raw {
        let text = raw.get();
        if !text.contains('\\') && !self.redactor.occurs_in(text) {
            return raw;
        }
        match serde_json::from_str::<Value>(text) {
            Ok(value) => Raw::from_value(&self.redact_json(value)),
            Err(_) => Raw::NULL,
        }
    }
}

/// Most of a body a trace line shows.
const TRACE_BODY_MAX: usize = 4096;

/// A request as `--trace` shows it: method, URL, headers, body. Secrets and codes are removed by
/// [`Call::log`] as from every line; token-bearing fields by [`trace_body`].
fn trace_request(request: &HttpRequest) -> String {
    let mut line = format!("> {} {}", request.method, request.url);
    let content_type = match (&request.json_body, &request.text_body) {
        (Some(_), _) => Some("application/json"),
        _ => None,
    };
    for (name, value) in content_type
        .map(|c| ("content-type", c))
        .into_iter()
        .chain(request.headers.iter().map(|(n, v)| (*n, v.as_str())))
    {
        line.push_str(&format!(" | {name}: {value}"));
    }
    let body = request.json_body.as_deref().or(request.text_body.as_deref().map(str::as_bytes));
    if let Some(body) = body {
        line.push_str(" | body: ");
        line.push_str(&trace_body(body));
    }
    line
}

/// An answer as `--trace` shows it: status, timing, headers, body.
fn trace_response(response: &HttpResponse) -> String {
    let mut line = format!("< HTTP {} in {} ms", response.status, response.elapsed.as_millis());
    for (name, value) in &response.headers {
        line.push_str(&format!(" | {name}: {value}"));
    }
    line.push_str(" | body: ");
    line.push_str(&trace_body(&response.body));
    line
}

/// A body for a trace line: JSON with the values of token, password and secret fields replaced
/// (a token answer is traced before the token is known as a secret) and code fields masked (an
/// answer is traced before its codes are known to the call), at most [`TRACE_BODY_MAX`] bytes.
fn trace_body(body: &[u8]) -> String {
    fn hide(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    let k = key.to_ascii_lowercase().replace(['_', '-'], "");
                    let secret = ["accesstoken", "refreshtoken", "idtoken", "token", "jwt", "apikey", "scratchcode"]
                        .contains(&k.as_str())
                        || k.ends_with("password")
                        || k.ends_with("secret");
                    // A code the provider answers with (a short code's real one) is masked though
                    // the call does not know it yet.
                    let code =
                        ["code", "cardid", "vouchercode", "serialnumber", "session", "sessionid"].contains(&k.as_str());
                    match v {
                        Value::Null => {}
                        _ if secret => *v = Value::String(crate::log::REDACTED.into()),
                        Value::String(text) if code => *text = crate::code::mask(text),
                        _ => hide(v),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(hide),
            _ => {}
        }
    }
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            hide(&mut value);
            value.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    if text.len() > TRACE_BODY_MAX {
        let mut cut = TRACE_BODY_MAX;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}… ({} bytes)", &text[..cut], body.len())
    } else {
        text
    }
}
