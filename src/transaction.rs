//! The money-moving path every provider shares (API.md §7).
//!
//! A provider describes a money-moving request as a [`Plan`] and a `send` closure that makes
//! exactly one attempt. [`execute`] journals the plan (fsync) before sending, settles the entry
//! with the outcome, and when the answer is lost asks the provider ([`Provider::resolve`]) whether
//! it went through: then it is settled as done (or reversed, with `in_doubt_policy: "reverse"`),
//! as not done, or left in doubt (`VL_IN_DOUBT` with the journal id). Nothing is ever re-sent
//! blindly: only undos (cancels, deactivations, reversals) proven not to have been applied are
//! queued and sent again, by [`recover`], until the provider gives a definite answer.

use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::call::Call;
use crate::client::new_transaction_id;
use crate::config::InDoubtPolicy;
use crate::error::{Error, Result};
use crate::journal::{CodeClaim, Entry, State, iso8601, now_ms};
use crate::log::Level;
use crate::operation::Operation;
use crate::providers::Provider;
use crate::status::VlStatus;

/// After a timeout, a provider may still be working on the request: if the first check finds
/// nothing changed, it is checked once more after this pause before concluding "not done".
const GRACE: Duration = Duration::from_millis(500);
/// Queued undos are retried after 5 s, 10 s, 20 s, ... at most an hour apart.
const RETRY_BASE: Duration = Duration::from_secs(5);
const RETRY_MAX: Duration = Duration::from_secs(3600);

/// A money-moving request about to be sent.
pub struct Plan {
    /// The voucher's canonical code (operations on one voucher are serialized).
    pub code: String,
    /// The amount moved.
    pub amount: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// What the provider showed before (e.g. the balance), to resolve a lost answer.
    pub evidence: Value,
    /// What is needed to send it again or undo it (never a secret).
    pub data: Value,
}

/// What one attempt at a money-moving request came to.
pub enum Outcome<T> {
    /// The provider answered that it went through; `result` holds its ids for the journal.
    Applied {
        /// The operation's document.
        doc: T,
        /// The provider's ids (e.g. `{"redeem_token": ..}`).
        result: Value,
    },
    /// It definitely did not go through (a refusal, or it never reached the provider).
    Refused(Error),
    /// It may have gone through (answer lost, unusable, or a 5xx). `error` is what to report if
    /// it turns out it did not; `maybe_later` when the provider may still be working on it.
    Uncertain {
        /// The error to report if nothing happened.
        error: Error,
        /// True after a timeout.
        maybe_later: bool,
    },
}

impl<T> Outcome<T> {
    /// Turns the answer of an applied attempt into the operation's document and journal ids.
    pub fn map<U>(self, f: impl FnOnce(T) -> (U, Value)) -> Outcome<U> {
        match self {
            Outcome::Applied { doc, .. } => {
                let (doc, result) = f(doc);
                Outcome::Applied { doc, result }
            }
            Outcome::Refused(e) => Outcome::Refused(e),
            Outcome::Uncertain { error, maybe_later } => Outcome::Uncertain { error, maybe_later },
        }
    }
}

/// What a provider can tell about an entry whose answer was lost.
#[derive(Debug)]
pub enum Resolution {
    /// It went through; what the provider shows now (e.g. the new balance).
    Applied(Value),
    /// It did not go through.
    NotApplied,
    /// The provider's state does not tell (why, for people).
    Unknown(String),
}

impl std::fmt::Display for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resolution::Applied(seen) if seen.is_null() => f.write_str("it went through"),
            Resolution::Applied(seen) => write!(f, "it went through ({seen})"),
            Resolution::NotApplied => f.write_str("it did not go through"),
            Resolution::Unknown(why) => write!(f, "unknown: {why}"),
        }
    }
}

/// How to undo an applied operation: an operation and its data, sent as a queued entry.
pub struct Undo {
    /// The undoing operation (e.g. `Deactivate` for an activation).
    pub operation: Operation,
    /// Its data, as [`Provider::send_queued`] reads it.
    pub data: Value,
}

/// A voucher reserved for one money-moving operation of this process (see [`claim`]).
pub struct VoucherClaim {
    _claim: CodeClaim,
}

/// Reserves a voucher for a money-moving operation: waits while another operation of this process
/// works on it, then settles its earlier open journal entries. Take it before reading the evidence
/// (e.g. the balance), so that nothing changes the voucher between that read and the send.
pub fn claim(call: &Call, provider: &dyn Provider, code: &str) -> Result<VoucherClaim> {
    let claim = call.journal().claim_code(call.account(), code, call.deadline()).ok_or_else(|| {
        Error::rejected("Another operation on this voucher is still in progress at this till; try again.")
            .with_provider(call.provider())
    })?;
    settle_earlier(call, provider, code)?;
    Ok(VoucherClaim { _claim: claim })
}

/// Journals, sends and settles one money-moving request; see the module documentation.
/// `without_answer` builds the document from the entry and what the provider showed when the
/// answer was lost but the request went through.
pub fn execute<T>(
    call: &Call,
    provider: &dyn Provider,
    _voucher: &VoucherClaim,
    plan: Plan,
    send: impl FnOnce(&Entry) -> Outcome<T>,
    without_answer: impl FnOnce(&Entry, &Value) -> T,
) -> Result<T> {
    let journal = call.journal().clone();
    let mut entry = new_entry(call, call.op, plan);
    let _entry_claim = journal.claim_entry(&entry.id);
    journal.record(&entry)?;
    call.log(Level::Debug, || format!("journaled {} before sending", entry.id));

    let error_if_not_done = match send(&entry) {
        Outcome::Applied { doc, result } => {
            entry.result = result;
            settle(call, &mut entry, State::Done, None);
            return Ok(doc);
        }
        Outcome::Refused(error) => {
            if call.op.is_undo() && worth_retrying(&error) {
                queue(call, &mut entry, &error.message);
                return Err(queued_error(call, &entry, &error));
            }
            settle(call, &mut entry, State::Failed, Some(error.message.clone()));
            return Err(error.with_journal_id(entry.id.clone()));
        }
        Outcome::Uncertain { error, maybe_later } => {
            entry.state = State::InDoubt;
            entry.last_error = Some(error.message.clone());
            record(call, &mut entry);
            call.allow_resolution_time();
            resolve_in_doubt(call, provider, &mut entry, maybe_later);
            error
        }
    };
    report(call, provider, entry, error_if_not_done, without_answer)
}

/// What the POS is told about an entry that was in doubt, once resolution has run.
fn report<T>(
    call: &Call,
    provider: &dyn Provider,
    entry: Entry,
    error_if_not_done: Error,
    without_answer: impl FnOnce(&Entry, &Value) -> T,
) -> Result<T> {
    match entry.state {
        State::Done if entry.reversed_by.is_none() => Ok(without_answer(&entry, &entry.result)),
        State::Done => {
            let reversal = entry.reversed_by.as_deref().and_then(|id| call.journal().get(id));
            Err(in_doubt_error(
                call,
                &entry,
                &format!(
                    "it went through, and the library is reversing it (policy \"reverse\"); the reversal is pending as {}",
                    reversal.map(|r| r.id).unwrap_or_default()
                ),
            ))
        }
        State::Reversed => Err(Error::new(
            error_if_not_done.status(),
            format!(
                "The {} went through at {} but its answer was lost, so it was reversed: nothing changed.",
                op_words(&entry.operation),
                provider.id()
            ),
        )
        .with_provider(provider.id())
        .with_journal_id(entry.id.clone())),
        State::Failed => Err(error_if_not_done.with_journal_id(entry.id.clone())),
        State::Queued => Err(queued_error(call, &entry, &error_if_not_done)),
        State::Sending | State::InDoubt => Err(in_doubt_error(
            call,
            &entry,
            entry.last_error.as_deref().unwrap_or("the provider's state does not tell"),
        )),
    }
}

/// Asks the provider what became of an in-doubt entry and settles it accordingly (applying the
/// in-doubt policy when it went through).
fn resolve_in_doubt(call: &Call, provider: &dyn Provider, entry: &mut Entry, maybe_later: bool) {
    let mut resolution = provider.resolve(call, entry);
    if maybe_later && matches!(resolution, Resolution::NotApplied) && call.remaining() > GRACE {
        call.log(Level::Info, || format!("{} shows no change yet; checking again shortly", entry.id));
        std::thread::sleep(GRACE);
        resolution = provider.resolve(call, entry);
    }
    call.log(Level::Info, || format!("resolution of {}: {resolution}", entry.id));
    match resolution {
        Resolution::Applied(observed) => {
            entry.result = merge(std::mem::take(&mut entry.result), observed);
            let reverse = call.settings.in_doubt_policy == InDoubtPolicy::Reverse && !call.op_of(entry).is_undo();
            match provider.reversal(entry).filter(|_| reverse) {
                Some(undo) => {
                    entry.note = Some("its answer was lost; the provider shows it went through; reversing it".into());
                    settle(call, entry, State::Done, None);
                    reverse_entry(call, provider, entry, undo);
                }
                None => {
                    entry.note = Some("its answer was lost; the provider shows it went through".into());
                    settle(call, entry, State::Done, None);
                }
            }
        }
        Resolution::NotApplied if call.op_of(entry).is_undo() => {
            queue(call, entry, "the provider shows it did not go through");
        }
        Resolution::NotApplied => {
            entry.note = Some("its answer was lost; the provider shows it did not go through".into());
            settle(call, entry, State::Failed, None);
        }
        Resolution::Unknown(why) => {
            entry.state = State::InDoubt;
            entry.attempts += 1;
            entry.next_attempt_ms = Some(now_ms() + backoff(entry.attempts).as_millis() as u64);
            entry.last_error = Some(why);
            record(call, entry);
        }
    }
}

/// Creates and sends the reversal of an applied entry (policy "reverse").
fn reverse_entry(call: &Call, provider: &dyn Provider, original: &mut Entry, undo: Undo) {
    let plan = Plan {
        code: original.code.clone().unwrap_or_default(),
        amount: original.amount.as_deref().and_then(|a| a.parse().ok()),
        currency: original.currency.clone(),
        evidence: Value::Null,
        data: undo.data,
    };
    let mut reversal = new_entry(call, undo.operation, plan);
    reversal.state = State::Queued;
    reversal.reverses = Some(original.id.clone());
    record(call, &mut reversal);
    original.reversed_by = Some(reversal.id.clone());
    record(call, original);
    send_queued(call, provider, &mut reversal);
    // send_queued has journaled the original as reversed; the caller's copy follows.
    if reversal.state == State::Done {
        original.state = State::Reversed;
        original.note = Some(format!("reversed by {}", reversal.id));
    }
}

/// Sends a queued undo once and settles it. Its evidence is read afresh and journaled first.
fn send_queued(call: &Call, provider: &dyn Provider, entry: &mut Entry) {
    entry.attempts += 1;
    match provider.refresh_evidence(call, entry) {
        Ok(evidence) => entry.evidence = evidence,
        Err(error) if worth_retrying(&error) => return queue(call, entry, &error.message),
        Err(error) => {
            entry.note = Some("the provider refused it; settle it by hand in the provider's back office".into());
            return settle(call, entry, State::Failed, Some(error.message));
        }
    }
    entry.state = State::Sending;
    record(call, entry);
    match provider.send_queued(call, entry) {
        Outcome::Applied { result, .. } => {
            entry.result = merge(std::mem::take(&mut entry.result), result);
            settle(call, entry, State::Done, None);
            if let Some(original) = entry.reverses.as_deref().and_then(|id| call.journal().get(id)) {
                let mut original = original;
                original.state = State::Reversed;
                original.note = Some(format!("reversed by {}", entry.id));
                record(call, &mut original);
            }
        }
        Outcome::Refused(error) if worth_retrying(&error) => queue(call, entry, &error.message),
        Outcome::Refused(error) => {
            entry.note = Some("the provider refused it; settle it by hand in the provider's back office".into());
            settle(call, entry, State::Failed, Some(error.message));
        }
        Outcome::Uncertain { error, maybe_later } => {
            entry.state = State::InDoubt;
            entry.last_error = Some(error.message);
            record(call, entry);
            resolve_in_doubt(call, provider, entry, maybe_later);
        }
    }
}

/// Before a new money-moving operation on a voucher, earlier open entries of that voucher are
/// settled. If one stays open, the new operation is refused (its evidence would be spoilt). If an
/// earlier operation whose answer the POS never got turns out to have gone through, the new one
/// is refused too, once, saying so: it is most likely the cashier repeating it.
fn settle_earlier(call: &Call, provider: &dyn Provider, code: &str) -> Result<()> {
    for entry in call.journal().open_entries(call.account()) {
        if entry.code.as_deref() != Some(code) {
            continue;
        }
        let settled = recover_entry(call, provider, entry);
        let words = op_words(&settled.operation);
        if settled.state.is_open() {
            return Err(Error::new(
                VlStatus::VL_IN_DOUBT,
                format!(
                    "An earlier {words} of this voucher ({}) is still unresolved: {}. Nothing was sent; settle it first \
                     (vl_recover, or the provider's back office).",
                    settled.id,
                    settled.last_error.as_deref().unwrap_or("its outcome is unknown")
                ),
            )
            .with_provider(provider.id())
            .with_journal_id(settled.id));
        }
        if settled.state == State::Done && !call.op_of(&settled).is_undo() {
            return Err(Error::rejected(format!(
                "An earlier {words} of this voucher{}{} went through after all: its answer had been lost (journal id {}). \
                 This {} was not sent; check the sale before trying again.",
                settled.amount.as_deref().map(|a| format!(" of {a}")).unwrap_or_default(),
                settled.reference.as_deref().map(|r| format!(" (reference {r})")).unwrap_or_default(),
                settled.id,
                op_words(call.op.name()),
            ))
            .with_provider(provider.id())
            .with_journal_id(settled.id));
        }
    }
    Ok(())
}

/// Tries to settle one open entry now; returns it as it stands afterwards. An entry another
/// thread is working on is returned unchanged.
pub fn recover_entry(call: &Call, provider: &dyn Provider, entry: Entry) -> Entry {
    let journal = call.journal().clone();
    let Some(_claim) = journal.claim_entry(&entry.id) else { return entry };
    let mut entry = journal.get(&entry.id).unwrap_or(entry);
    call.hide_code(entry.code.as_deref().unwrap_or_default());
    // An entry left `sending` moments ago (a crash) may still be on its way to the provider.
    let recent = now_ms().saturating_sub(entry.updated_ms) < call.settings.timeout_ms;
    match entry.state {
        State::Sending => resolve_in_doubt(call, provider, &mut entry, recent),
        State::InDoubt => resolve_in_doubt(call, provider, &mut entry, false),
        State::Queued => send_queued(call, provider, &mut entry),
        _ => {}
    }
    entry
}

/// `vl_recover`: tries every open entry of this account now (an explicit request: the backoff
/// only paces the automatic retries), and reports what was settled and what is still open.
pub fn recover(call: &Call, provider: &dyn Provider) -> Value {
    let mut resolved = Vec::new();
    for entry in call.journal().open_entries(call.account()) {
        let after = recover_entry(call, provider, entry);
        if !after.state.is_open() {
            resolved.push(view(&after));
        }
    }
    let still_pending: Vec<Value> = call.journal().open_entries(call.account()).iter().map(view).collect();
    json!({ "resolved": resolved, "still_pending": still_pending })
}

/// `vl_recover` with `journal_id` and `outcome`: settles one open entry by hand (`"done"` or
/// `"failed"`), once someone has checked the provider's back office. Nothing is sent.
pub fn settle_by_hand(call: &Call, id: &str, outcome: &str) -> Result<Value> {
    let state = match outcome {
        "done" => State::Done,
        "failed" => State::Failed,
        other => return Err(Error::invalid(format!("`outcome` must be \"done\" or \"failed\", not {other:?}"))),
    };
    let journal = call.journal().clone();
    let Some(_claim) = journal.claim_entry(id) else {
        return Err(Error::rejected(format!("journal entry {id} is being worked on right now; try again")));
    };
    let mut entry = journal
        .get(id)
        .filter(|e| e.account == call.account())
        .ok_or_else(|| Error::invalid(format!("`journal_id` {id} is not an entry of this client's journal")))?;
    if !entry.state.is_open() {
        return Err(Error::invalid(format!("journal entry {id} is already settled ({})", entry.state.name())));
    }
    entry.note = Some(format!("settled by hand as {outcome}"));
    settle(call, &mut entry, state, None);
    let still_pending: Vec<Value> = journal.open_entries(call.account()).iter().map(view).collect();
    Ok(json!({ "resolved": [view(&entry)], "still_pending": still_pending }))
}

/// Opportunistic recovery before a money-moving operation: at most one due queued undo of this
/// account is sent (bounded by the call's deadline).
pub fn retry_one_due(call: &Call, provider: &dyn Provider) {
    let now = now_ms();
    let due = call
        .journal()
        .open_entries(call.account())
        .into_iter()
        .find(|e| e.state == State::Queued && e.next_attempt_ms.is_none_or(|t| t <= now));
    if let Some(entry) = due {
        call.log(Level::Info, || format!("retrying queued {} {} first", entry.operation, entry.id));
        recover_entry(call, provider, entry);
    }
}

/// `vl_pending`: the open entries of this account.
pub fn pending(call: &Call) -> Value {
    let entries: Vec<Value> = call.journal().open_entries(call.account()).iter().map(view).collect();
    json!({ "entries": entries })
}

/// An entry as the POS sees it in `vl_pending` / `vl_recover`.
pub fn view(entry: &Entry) -> Value {
    json!({
        "journal_id": entry.id,
        "provider": entry.provider,
        "operation": entry.operation,
        "state": entry.state,
        "code": entry.code,
        "amount": entry.amount,
        "currency": entry.currency,
        "reference": entry.reference,
        "pos_id": entry.pos_id,
        "operator_id": entry.operator_id,
        "created_at": iso8601(entry.created_ms),
        "updated_at": iso8601(entry.updated_ms),
        "attempts": entry.attempts,
        "next_attempt_at": entry.next_attempt_ms.map(iso8601),
        "last_error": entry.last_error,
        "note": entry.note,
        "reverses": entry.reverses,
        "reversed_by": entry.reversed_by,
        "result": entry.result,
    })
}

fn new_entry(call: &Call, op: Operation, plan: Plan) -> Entry {
    let id = if op == call.op { call.ids.transaction_id.clone() } else { new_transaction_id() };
    Entry {
        code: Some(plan.code),
        amount: plan.amount.map(|a| a.to_string()),
        currency: plan.currency,
        reference: call.ids.reference.clone(),
        pos_id: call.ids.pos_id.clone(),
        operator_id: call.ids.operator_id.clone(),
        evidence: plan.evidence,
        data: plan.data,
        ..Entry::new(id, call.provider(), call.account(), op.name())
    }
}

/// Records a settled state. After money moved, a failing journal write must not turn success
/// into failure: it is logged as an error instead.
fn settle(call: &Call, entry: &mut Entry, state: State, error: Option<String>) {
    entry.state = state;
    entry.next_attempt_ms = None;
    if error.is_some() {
        entry.last_error = error;
    }
    record(call, entry);
    call.log(Level::Info, || format!("{} {} settled: {}", entry.operation, entry.id, state.name()));
}

fn queue(call: &Call, entry: &mut Entry, why: &str) {
    entry.state = State::Queued;
    entry.last_error = Some(why.to_string());
    entry.next_attempt_ms = Some(now_ms() + backoff(entry.attempts).as_millis() as u64);
    record(call, entry);
    call.log(Level::Warn, || format!("{} {} queued for a retry: {why}", entry.operation, entry.id));
}

fn record(call: &Call, entry: &mut Entry) {
    entry.updated_ms = now_ms();
    if let Err(e) = call.journal().record(entry) {
        call.log(Level::Error, || format!("could not journal {} ({:?}): {}", entry.id, entry.state, e.message));
    }
}

/// Failures after which an undo is worth sending again later: it did not reach the provider,
/// the provider failed, or refused the credentials (fixable in the configuration).
fn worth_retrying(error: &Error) -> bool {
    matches!(error.status(), VlStatus::VL_NETWORK | VlStatus::VL_PROVIDER | VlStatus::VL_AUTH)
}

fn backoff(attempts: u32) -> Duration {
    RETRY_BASE.saturating_mul(1 << attempts.min(12)).min(RETRY_MAX)
}

fn merge(base: Value, more: Value) -> Value {
    match (base, more) {
        (Value::Object(mut a), Value::Object(b)) => {
            a.extend(b);
            Value::Object(a)
        }
        (Value::Null, more) => more,
        (base, Value::Null) => base,
        (_, more) => more,
    }
}

fn op_words(operation: &str) -> String {
    operation.replace('_', " ")
}

fn in_doubt_error(call: &Call, entry: &Entry, why: &str) -> Error {
    Error::new(
        VlStatus::VL_IN_DOUBT,
        format!(
            "The {} was sent to {} but its answer was lost, and it is not known whether it went through ({why}). \
             Do not repeat it: it is in the journal as {}; vl_recover settles it, or check the provider's back office.",
            op_words(&entry.operation),
            call.provider(),
            entry.id
        ),
    )
    .with_provider(call.provider())
    .with_journal_id(entry.id.clone())
}

fn queued_error(call: &Call, entry: &Entry, cause: &Error) -> Error {
    let mut error = Error::new(
        VlStatus::VL_IN_DOUBT,
        format!(
            "The {} could not be completed now ({}). It is queued in the journal as {} and will be sent again \
             (vl_recover) until {} confirms it. Do not repeat it.",
            op_words(&entry.operation),
            cause.message,
            entry.id,
            call.provider()
        ),
    )
    .with_provider(call.provider())
    .with_journal_id(entry.id.clone());
    error.http_status = cause.http_status;
    error
}

impl Call<'_> {
    /// The operation of a journal entry (entries are only written with known names).
    fn op_of(&self, entry: &Entry) -> Operation {
        Operation::from_name(&entry.operation).unwrap_or(self.op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), Duration::from_secs(5));
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(3), Duration::from_secs(40));
        assert_eq!(backoff(40), RETRY_MAX);
    }

    #[test]
    fn merge_keeps_both_sides() {
        assert_eq!(merge(json!({"a": 1}), json!({"b": 2})), json!({"a": 1, "b": 2}));
        assert_eq!(merge(Value::Null, json!({"b": 2})), json!({"b": 2}));
    }
}
