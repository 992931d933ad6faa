//! The money engine (docs/api.md §7): the one place that decides what became of a money-moving request,
//! and the one sequence every such request goes through:
//!
//! claim the voucher → settle its earlier open entries → read the evidence → journal (fsync) →
//! send once → settle; or, when the outcome is uncertain → resolve from the evidence → report,
//! reverse or queue.
//!
//! Providers fill slots, as curl's protocol handlers do for its transfer engine: `prepare` reads the
//! evidence and builds the plan (under the voucher's claim), `send` makes exactly one attempt and
//! reads the answer through [`attempt`] (the rule that decides applied / refused / uncertain), and
//! `without_answer` builds the result when the answer was lost but the request went through. The
//! recovery hooks are the [`Settlement`] trait, defined here and implemented by each provider.
//!
//! Absence of evidence is not evidence of absence: an attempt whose answer was lost may still land
//! at the provider later (a slow provider, a proxy's queue). So "not applied" is concluded only
//! from a definite answer, from an answer that came back after the provider processed the request,
//! or once `in_doubt_window_ms` has passed since the attempt could last have been in flight. Until
//! then the entry stays in doubt, and any later sign of the effect settles it as done. Nothing is
//! ever re-sent blindly: only undos (cancels, reversals), and only once their earlier attempts are
//! known not to have landed.

mod claims;

use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::call::Call;
use crate::config::InDoubtPolicy;
use crate::error::{Error, Result};
use crate::http::{Failure, HttpResponse};
use crate::i18n::{Arg, Said, Text};
use crate::journal::{Entry, Raw, State, iso8601, new_transaction_id, now_ms};
use crate::log::Level;
use crate::model::{JournalEntry, Pending, Recovered};
use crate::operation::Operation;
use crate::status::VlStatus;

pub(crate) use claims::{EntryClaim, VoucherClaim};

/// After a lost answer, a provider may still be working on the request: when the first check finds
/// no effect, it is checked once more after this pause (still within the call's deadline), so a
/// slightly late effect gives the cashier a plain answer.
const GRACE: Duration = Duration::from_millis(500);
/// Queued undos are retried after 5 s, 10 s, 20 s, ... at most an hour apart.
const RETRY_BASE: Duration = Duration::from_secs(5);
const RETRY_MAX: Duration = Duration::from_secs(3600);

/// What a provider can do for entries whose outcome is not known: the recovery hooks the engine
/// calls. Providers implement it; the engine owns when each is called.
pub trait Settlement: Send + Sync {
    /// What the provider shows now about the effect of `entry` (checked against its evidence).
    fn check(&self, call: &Call, entry: &Entry) -> Check;

    /// Sends one attempt of an undo entry (a cancel whose first attempt did not land, or a
    /// reversal), from its `data`.
    fn send_undo(&self, _call: &Call, entry: &Entry) -> Attempt<()> {
        Attempt::Refused(Error::unsupported(format!("{} cannot be sent again by the library", entry.operation)))
    }

    /// How to undo an applied entry, for `in_doubt_policy: "reverse"`; None when the provider
    /// cannot (then it is kept).
    fn reversal(&self, _entry: &Entry) -> Option<Undo> {
        None
    }

    /// The evidence an undo made by the library (a reversal) is checked against, read just before
    /// its first attempt. Default: none needed.
    fn undo_evidence(&self, _call: &Call, entry: &Entry) -> Result<Raw> {
        Ok(entry.evidence.clone())
    }
}

/// What a provider's state shows about an entry's effect.
#[derive(Debug)]
pub enum Check {
    /// The effect is there; what the provider shows now (merged into the entry's `result`).
    Applied(Raw),
    /// The effect is not there (yet).
    Absent,
    /// The provider's state does not tell (why, for people).
    Unknown(String),
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Check::Applied(seen) if seen.is_null() => f.write_str("it went through"),
            Check::Applied(seen) => write!(f, "it went through ({})", seen.get()),
            Check::Absent => f.write_str("no effect seen"),
            Check::Unknown(why) => write!(f, "unknown: {why}"),
        }
    }
}

/// How to undo an applied entry: an operation and its data, sent as a queued entry.
pub struct Undo {
    /// The undoing operation (e.g. `Deactivate` for an activation).
    pub operation: Operation,
    /// Its data, as [`Settlement::send_undo`] reads it.
    pub data: Raw,
}

/// What one attempt at a money-moving request came to.
pub enum Attempt<T> {
    /// The provider answered that it went through.
    Applied {
        /// The operation's document.
        doc: T,
        /// The provider's ids, journaled as the entry's `result`.
        ids: Raw,
    },
    /// It definitely did not go through.
    Refused(Error),
    /// It may have gone through. `may_land_later`: no answer came back, so it may still be
    /// applied later.
    Uncertain {
        /// What to report if it turns out it did not go through.
        error: Error,
        /// Whether the request may still be in flight.
        may_land_later: bool,
    },
}

impl<T> Attempt<T> {
    /// Turns what an applied attempt answered into the operation's document and journal ids.
    pub fn map<U>(self, f: impl FnOnce(T) -> (U, Raw)) -> Attempt<U> {
        match self {
            Attempt::Applied { doc, .. } => {
                let (doc, ids) = f(doc);
                Attempt::Applied { doc, ids }
            }
            Attempt::Refused(e) => Attempt::Refused(e),
            Attempt::Uncertain { error, may_land_later } => Attempt::Uncertain { error, may_land_later },
        }
    }
}

/// What a provider reads in an answer to a money-moving request.
pub enum Answer<T> {
    /// The provider says it went through.
    Done(T),
    /// The provider says no, definitely (a business refusal, a documented failure).
    Refused(Error),
    /// An answer that does not say (unreadable, an undocumented server error).
    Unclear(Error),
}

impl<T> Answer<T> {
    /// The answer for a provider error that came with HTTP status `status`: 4xx is the provider
    /// saying no, anything else does not tell.
    pub fn from_error(status: u16, error: Error) -> Answer<T> {
        if (400..500).contains(&status) { Answer::Refused(error) } else { Answer::Unclear(error) }
    }

    /// The answer of a provider's reading of a response: done, or its error as
    /// [`Answer::from_error`] judges it.
    pub fn from_result(status: u16, result: Result<T>) -> Answer<T> {
        match result {
            Ok(t) => Answer::Done(t),
            Err(e) => Answer::from_error(status, e),
        }
    }

    /// Turns what the provider said it did into something else.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Answer<U> {
        match self {
            Answer::Done(t) => Answer::Done(f(t)),
            Answer::Refused(e) => Answer::Refused(e),
            Answer::Unclear(e) => Answer::Unclear(e),
        }
    }
}

/// The rule that decides what an attempt came to, for every provider: nothing sent is refused;
/// no answer is uncertain and may still land; an answer is what the provider reads in it (done,
/// a definite refusal, or unclear: uncertain, and may still land only behind a gateway that
/// answered for the provider: 502, 504).
pub fn attempt<T>(
    provider: &'static str,
    sent: std::result::Result<HttpResponse, Failure>,
    read: impl FnOnce(&HttpResponse) -> Answer<(T, Raw)>,
) -> Attempt<T> {
    let response = match sent {
        Ok(r) => r,
        Err(failure) => {
            let error = failure.error(provider);
            return match failure {
                Failure::NotSent(_) => Attempt::Refused(error),
                Failure::TimedOut(_) | Failure::AnswerLost(_) => Attempt::Uncertain { error, may_land_later: true },
                Failure::BadAnswer(_) => Attempt::Uncertain { error, may_land_later: false },
            };
        }
    };
    match read(&response) {
        Answer::Done((doc, ids)) => Attempt::Applied { doc, ids },
        Answer::Refused(error) => Attempt::Refused(error),
        Answer::Unclear(error) => Attempt::Uncertain { error, may_land_later: matches!(response.status, 502 | 504) },
    }
}

/// A money-moving request about to be journaled and sent, as the provider's `prepare` plans it.
pub struct Plan<C> {
    /// The voucher's canonical code, as the provider answered it.
    pub code: String,
    /// The amount moved.
    pub amount: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// What the provider shows before (the provider's serde type): what a lost answer is checked
    /// against.
    pub evidence: Raw,
    /// What is needed to send it again or undo it (never a secret).
    pub data: Raw,
    /// What the provider needs to send it and to build its result (not journaled).
    pub context: C,
}

/// Runs one money-moving operation through the whole sequence (see the module documentation).
/// `code` is the voucher as the POS gave it (normalized); `prepare` reads the evidence for a code
/// and plans the request; it runs again under the canonical code's claim when the provider
/// answered with another code (e-guma's short codes).
pub fn execute<C, T>(
    call: &Call,
    settlement: &dyn Settlement,
    code: &str,
    mut prepare: impl FnMut(&str) -> Result<Plan<C>>,
    send: impl FnOnce(&Entry, &C) -> Attempt<T>,
    without_answer: impl FnOnce(&Entry, &C) -> T,
) -> Result<T> {
    let account = call.account();
    let mut claim = VoucherClaim::take(account, code, call.deadline()).ok_or_else(busy)?;
    settle_earlier(call, settlement, code)?;
    let mut plan = prepare(code)?;
    if plan.code != code {
        // Every spelling of a voucher shares one serialization and one history: its canonical code.
        call.hide_code(&plan.code);
        let canonical = plan.code.clone();
        if !claim.add(account, &canonical, call.deadline()) {
            return Err(busy());
        }
        settle_earlier(call, settlement, &canonical)?;
        plan = prepare(&canonical)?;
        plan.code = canonical;
    }
    let Plan { code, amount, currency, evidence, data, context } = plan;
    let mut entry = new_entry(call, call.ids.transaction_id.clone(), call.op, &code, amount, currency);
    entry.evidence = evidence;
    entry.data = data;
    entry.attempts = 1;
    let _working = EntryClaim::take(&entry.id);
    call.journal().record_durably(&entry)?;
    call.log(Level::Debug, || format!("journaled {} before sending", entry.id));

    let error = match send(&entry, &context) {
        Attempt::Applied { doc, ids } => {
            entry.result = ids;
            settle(call, &mut entry, State::Done, None);
            return Ok(doc);
        }
        Attempt::Refused(error) => {
            settle(call, &mut entry, State::Failed, Some(error.message.clone()));
            return Err(error.with_journal_id(entry.id.clone()));
        }
        Attempt::Uncertain { error, may_land_later } => {
            uncertain(call, &mut entry, &error.message, may_land_later);
            call.allow_resolution_time();
            resolve(call, settlement, &mut entry, true);
            error
        }
    };
    report(call, entry, error, |entry| without_answer(entry, &context))
}

fn busy() -> Error {
    Error::said(VlStatus::VL_REJECTED, Said::new(Text::VoucherBusy))
}

/// What the POS is told about an entry whose answer was lost, once resolution has run.
fn report<T>(call: &Call, mut entry: Entry, error_if_not_done: Error, doc: impl FnOnce(&Entry) -> T) -> Result<T> {
    match entry.state {
        State::Done if entry.reversed_by.is_none() => Ok(doc(&entry)),
        State::Reversed => {
            let said = Said::new(Text::Reversed).with("op", Arg::Op(entry.operation));
            Err(Error::said(error_if_not_done.status(), said).with_journal_id(entry.id))
        }
        State::Failed => Err(error_if_not_done.with_journal_id(entry.id)),
        State::Done => {
            // Applied, and the reversal is still under way: the POS learns the end from vl_recover.
            entry.outcome_unreported = true;
            record(call, &mut entry);
            let why = format!(
                "it went through, and the library is reversing it (policy \"reverse\"); the reversal is pending as {}",
                entry.reversed_by.as_deref().unwrap_or_default()
            );
            Err(in_doubt_error(call, &entry, &why))
        }
        State::Sending | State::InDoubt | State::Queued => {
            entry.outcome_unreported = true;
            record(call, &mut entry);
            let why = entry.last_error.clone().unwrap_or_else(|| "the provider's state does not tell".into());
            Err(in_doubt_error(call, &entry, &why))
        }
    }
}

/// Marks an entry whose attempt got no usable answer as in doubt; with `may_land_later`, "not
/// applied" cannot be concluded before the in-doubt window has passed.
fn uncertain(call: &Call, entry: &mut Entry, why: &str, may_land_later: bool) {
    entry.state = State::InDoubt;
    entry.last_error = Some(why.to_string());
    entry.lands_until_ms = may_land_later.then(|| now_ms() + call.settings.in_doubt_window_ms);
    record(call, entry);
}

/// Asks the provider what became of an in-doubt entry and settles it as far as the evidence and
/// the in-doubt window allow. `within_call`: the POS is waiting (a short second look is worth it).
fn resolve(call: &Call, settlement: &dyn Settlement, entry: &mut Entry, within_call: bool) {
    let mut check = settlement.check(call, entry);
    if within_call
        && matches!(check, Check::Absent)
        && entry.lands_until_ms.is_some()
        && call.remaining() > GRACE + Duration::from_millis(200)
    {
        call.log(Level::Info, || format!("{} shows no effect yet; looking again shortly", entry.id));
        std::thread::sleep(GRACE);
        check = settlement.check(call, entry);
    }
    call.log(Level::Info, || format!("check of {}: {check}", entry.id));
    match check {
        Check::Applied(seen) => applied(call, settlement, entry, seen),
        Check::Absent => match entry.lands_until_ms.filter(|until| now_ms() < *until) {
            Some(until) => {
                entry.state = State::InDoubt;
                entry.next_attempt_ms = Some(until);
                entry.last_error = Some(format!(
                    "no sign of it at {} yet, but its answer was lost and it could still arrive there until {} \
                     (in_doubt_window_ms)",
                    call.provider(),
                    iso8601(until)
                ));
                record(call, entry);
            }
            None if entry.operation.is_undo() => {
                // An undo the POS was promised: the library sends it again (after a check).
                entry.state = State::Queued;
                entry.next_attempt_ms = Some(now_ms());
                entry.last_error = Some(format!("{} shows it did not go through; it is sent again", call.provider()));
                record(call, entry);
            }
            None => {
                entry.note = Some(format!("{} shows it did not go through", call.provider()));
                settle(call, entry, State::Failed, None);
            }
        },
        Check::Unknown(why) => {
            entry.state = State::InDoubt;
            entry.next_attempt_ms = Some(now_ms() + backoff(entry.attempts).as_millis() as u64);
            entry.last_error = Some(why);
            record(call, entry);
        }
    }
}

/// Settles an entry that went through, reversing it when the policy says so.
fn applied(call: &Call, settlement: &dyn Settlement, entry: &mut Entry, seen: Raw) {
    entry.result = merge(std::mem::take(&mut entry.result), seen);
    entry.lands_until_ms = None;
    let reverse = call.settings.in_doubt_policy == InDoubtPolicy::Reverse
        && !entry.operation.is_undo()
        && entry.reverses.is_none();
    match settlement.reversal(entry).filter(|_| reverse) {
        Some(undo) => {
            entry.note = Some("its answer was lost; the provider shows it went through; reversing it".into());
            settle(call, entry, State::Done, None);
            reverse_entry(call, settlement, entry, undo);
        }
        None => {
            entry.note = Some("its answer was lost; the provider shows it went through".into());
            settle(call, entry, State::Done, None);
            if entry.reverses.is_some() {
                mark_reversed(call, entry);
            }
        }
    }
}

/// Creates and sends the reversal of an applied entry (policy "reverse"). It belongs to the sale it
/// reverses: its reference, till, cashier and shop are the original's (journaled, and sent where
/// the provider takes them); the call during which it was made, when another, is `triggered_by`.
fn reverse_entry(call: &Call, settlement: &dyn Settlement, original: &mut Entry, undo: Undo) {
    let amount = original.amount.as_deref().and_then(|a| a.parse().ok());
    let mut reversal =
        new_entry(call, new_transaction_id(), undo.operation, &original.code, amount, original.currency.clone());
    reversal.reference = original.reference.clone();
    reversal.pos_id = original.pos_id.clone();
    reversal.operator_id = original.operator_id.clone();
    reversal.site_id = original.site_id.clone();
    reversal.triggered_by = (call.ids.transaction_id != original.id).then(|| call.trigger());
    reversal.state = State::Queued;
    reversal.data = undo.data;
    reversal.reverses = Some(original.id.clone());
    if let Err(e) = call.journal().record_durably(&reversal) {
        call.log(Level::Error, || format!("cannot journal the reversal of {}: {}", original.id, e.message));
        original.note =
            Some(format!("it went through; its reversal could not be journaled ({}): reverse it by hand", e.message));
        record(call, original);
        return;
    }
    original.reversed_by = Some(reversal.id.clone());
    record(call, original);
    let _working = EntryClaim::take(&reversal.id);
    send_queued(call, settlement, &mut reversal);
    if reversal.state == State::Done {
        // send_queued journaled the original as reversed; the caller's copy follows.
        original.state = State::Reversed;
        original.note = Some(format!("reversed by {}", reversal.id));
    }
}

/// Sends a queued undo once, after checking that its earlier attempts did not land. What is sent
/// carries the entry's identity, whichever call sends it ([`Call::acting_for`]).
fn send_queued(call: &Call, settlement: &dyn Settlement, entry: &mut Entry) {
    let own = call.acting_for(entry);
    if entry.attempts > 0 {
        match settlement.check(&own, entry) {
            Check::Applied(seen) => return applied(call, settlement, entry, seen),
            Check::Unknown(why) => {
                entry.state = State::InDoubt;
                entry.last_error = Some(format!("not sent again: {why}"));
                return record(call, entry);
            }
            Check::Absent => {
                if let Some(until) = entry.lands_until_ms.filter(|until| now_ms() < *until) {
                    entry.state = State::InDoubt;
                    entry.next_attempt_ms = Some(until);
                    return record(call, entry);
                }
            }
        }
    }
    if entry.evidence.is_null() {
        match settlement.undo_evidence(&own, entry) {
            Ok(evidence) => entry.evidence = evidence,
            Err(error) if worth_retrying(&error) => return queue(call, entry, &error.message),
            Err(error) => return refused_for_good(call, entry, error),
        }
    }
    let mut sending = entry.clone();
    sending.state = State::Sending;
    sending.attempts += 1;
    sending.lands_until_ms = None;
    sending.updated_ms = now_ms();
    if let Err(error) = call.journal().record_durably(&sending) {
        return queue(call, entry, &error.message);
    }
    *entry = sending;
    match settlement.send_undo(&own, entry) {
        Attempt::Applied { ids, .. } => {
            entry.result = merge(std::mem::take(&mut entry.result), ids);
            settle(call, entry, State::Done, None);
            if entry.reverses.is_some() {
                mark_reversed(call, entry);
            }
        }
        Attempt::Refused(error) if worth_retrying(&error) => queue(call, entry, &error.message),
        Attempt::Refused(error) => refused_for_good(call, entry, error),
        Attempt::Uncertain { error, may_land_later } => {
            uncertain(call, entry, &error.message, may_land_later);
            resolve(call, settlement, entry, false);
        }
    }
}

fn refused_for_good(call: &Call, entry: &mut Entry, error: Error) {
    entry.note = Some("the provider refused it; settle it by hand in the provider's back office".into());
    settle(call, entry, State::Failed, Some(error.message));
}

/// Marks the entry a settled reversal reverses as reversed.
fn mark_reversed(call: &Call, reversal: &Entry) {
    if let Some(mut original) = reversal.reverses.as_deref().and_then(|id| call.journal().get(id)) {
        original.state = State::Reversed;
        original.note = Some(format!("reversed by {}", reversal.id));
        record(call, &mut original);
    }
}

/// Before a new money-moving operation on a voucher, its earlier open entries are settled. If one
/// stays open, the new operation is refused (`VL_REJECTED` naming it: nothing was sent, and its
/// evidence would be spoilt). If an earlier operation of the same kind whose outcome the POS never
/// got turns out to have gone through, the new one is refused too, once, saying so: it is most
/// likely the cashier repeating it.
fn settle_earlier(call: &Call, settlement: &dyn Settlement, code: &str) -> Result<()> {
    for entry in call.journal().open_for_voucher(call.account(), code) {
        let settled = recover_entry(call, settlement, entry);
        let said =
            |text| Said::new(text).with("op", Arg::Op(settled.operation)).with("id", Arg::Plain(settled.id.clone()));
        if settled.state.is_open() {
            call.log(Level::Warn, || {
                format!(
                    "not sent: the earlier {} {} is still unresolved ({}); vl_recover settles it, or settle it by hand \
                     after a look at the provider's back office",
                    settled.operation,
                    settled.id,
                    settled.last_error.as_deref().unwrap_or("its outcome is unknown")
                )
            });
            return Err(Error::said(VlStatus::VL_REJECTED, said(Text::EarlierUnresolved)).with_journal_id(settled.id));
        }
        let repeated = settled.operation == call.op && settled.reverses.is_none() && settled.outcome_unreported;
        if settled.state == State::Done && repeated {
            call.log(Level::Warn, || {
                format!(
                    "not sent: the earlier {} {}{}{} went through after all (its answer had been lost)",
                    settled.operation,
                    settled.id,
                    settled.amount.as_deref().map(|a| format!(" of {a}")).unwrap_or_default(),
                    settled.reference.as_deref().map(|r| format!(" (reference {r})")).unwrap_or_default(),
                )
            });
            return Err(Error::said(VlStatus::VL_REJECTED, said(Text::EarlierWentThrough)).with_journal_id(settled.id));
        }
    }
    Ok(())
}

/// Tries to settle one open entry now; returns it as it stands afterwards. An entry another
/// thread is working on is returned unchanged.
fn recover_entry(call: &Call, settlement: &dyn Settlement, entry: Entry) -> Entry {
    let Some(_working) = EntryClaim::take(&entry.id) else { return entry };
    let mut entry = call.journal().get(&entry.id).unwrap_or(entry);
    call.hide_code(&entry.code);
    if entry.state == State::Sending {
        // Left by a process that stopped while sending: the request may have left at its last
        // change and could be under way until that call's deadline, plus the window.
        let sent_until = entry.updated_ms + call.settings.timeout_ms + call.settings.in_doubt_window_ms;
        entry.lands_until_ms = Some(entry.lands_until_ms.unwrap_or(0).max(sent_until));
        entry.state = State::InDoubt;
        entry.outcome_unreported |= entry.reverses.is_none();
        entry.last_error = Some("the process stopped while sending it".into());
    }
    match entry.state {
        State::InDoubt => {
            resolve(call, settlement, &mut entry, false);
            if entry.state == State::Queued {
                send_queued(call, settlement, &mut entry);
            }
        }
        State::Queued => send_queued(call, settlement, &mut entry),
        _ => {}
    }
    entry
}

/// `vl_recover`: tries every open entry of this account now (an explicit request: the backoff
/// only paces the automatic retries, the in-doubt window still holds), and reports what was
/// settled — including every entry settled since whose call had answered without its outcome.
pub fn recover(call: &Call, settlement: &dyn Settlement) -> Recovered {
    let journal = call.journal();
    let mut resolved: Vec<Entry> = Vec::new();
    for entry in journal.open_entries(call.account()) {
        let after = recover_entry(call, settlement, entry);
        if !after.state.is_open() {
            resolved.push(after);
        }
    }
    for entry in journal.unreported(call.account()) {
        if !resolved.iter().any(|r| r.id == entry.id) {
            resolved.push(entry);
        }
    }
    resolved.retain(|e| !reversal_open(call, e));
    let resolved = resolved.into_iter().map(|e| reported(call, e)).collect();
    let still_pending = journal.open_entries(call.account()).iter().map(view).collect();
    Recovered { resolved, still_pending }
}

/// `vl_recover` with `journal_id` alone: tries that entry now and reports where it stands.
pub fn recover_one(call: &Call, settlement: &dyn Settlement, id: &str) -> Result<Recovered> {
    let entry = own_entry(call, id)?;
    let after = if entry.state.is_open() { recover_entry(call, settlement, entry) } else { entry };
    Ok(if after.state.is_open() || reversal_open(call, &after) {
        Recovered { resolved: Vec::new(), still_pending: vec![view(&after)] }
    } else {
        Recovered { resolved: vec![reported(call, after)], still_pending: Vec::new() }
    })
}

/// `vl_recover` with `journal_id` and `outcome`: settles one open entry by hand (`"done"` or
/// `"failed"`), once someone has checked the provider's back office. Nothing is sent.
pub fn settle_by_hand(call: &Call, id: &str, outcome: &str) -> Result<Recovered> {
    let state = match outcome {
        "done" => State::Done,
        "failed" => State::Failed,
        other => return Err(Error::invalid(format!("`outcome` must be \"done\" or \"failed\", not {other:?}"))),
    };
    let Some(_working) = EntryClaim::take(id) else {
        return Err(Error::rejected(format!("journal entry {id} is being worked on right now; try again")));
    };
    let mut entry = own_entry(call, id)?;
    if !entry.state.is_open() {
        return Err(Error::invalid(format!("journal entry {id} is already settled ({})", entry.state.name())));
    }
    entry.note = Some(format!("settled by hand as {outcome}"));
    entry.outcome_unreported = false;
    settle(call, &mut entry, state, None);
    if state == State::Done && entry.reverses.is_some() {
        mark_reversed(call, &entry);
    }
    let still_pending = call.journal().open_entries(call.account()).iter().map(view).collect();
    Ok(Recovered { resolved: vec![view(&entry)], still_pending })
}

fn own_entry(call: &Call, id: &str) -> Result<Entry> {
    call.journal()
        .get(id)
        .filter(|e| e.account == call.account())
        .ok_or_else(|| Error::invalid(format!("`journal_id` {id} is not an entry of this client's journal")))
}

/// Whether a settled entry's reversal is still under way (it is reported once that ends).
fn reversal_open(call: &Call, entry: &Entry) -> bool {
    entry.reversed_by.as_deref().and_then(|id| call.journal().get(id)).is_some_and(|r| r.state.is_open())
}

/// An entry's view for `resolved`; the POS has now been told its outcome.
fn reported(call: &Call, mut entry: Entry) -> JournalEntry {
    if entry.outcome_unreported {
        entry.outcome_unreported = false;
        record(call, &mut entry);
    }
    view(&entry)
}

/// Opportunistic recovery before a money-moving operation: at most one due queued undo of this
/// account is sent (bounded by the call's deadline).
pub fn retry_one_due(call: &Call, settlement: &dyn Settlement) {
    if let Some(entry) = call.journal().next_due(call.account(), now_ms()) {
        call.log(Level::Info, || format!("retrying queued {} {} first", entry.operation, entry.id));
        recover_entry(call, settlement, entry);
    }
}

/// `vl_pending`: the open entries of this account.
pub fn pending(call: &Call) -> Pending {
    Pending { entries: call.journal().open_entries(call.account()).iter().map(view).collect() }
}

/// An entry as the POS sees it in `vl_pending` / `vl_recover`.
pub fn view(entry: &Entry) -> JournalEntry {
    JournalEntry {
        journal_id: entry.id.clone(),
        provider: entry.provider.clone(),
        operation: entry.operation,
        state: entry.state,
        code: entry.code.clone(),
        amount: entry.amount.clone(),
        currency: entry.currency.clone(),
        reference: entry.reference.clone(),
        pos_id: entry.pos_id.clone(),
        operator_id: entry.operator_id.clone(),
        created_at: iso8601(entry.created_ms),
        updated_at: iso8601(entry.updated_ms),
        attempts: entry.attempts,
        next_attempt_at: entry.next_attempt_ms.map(iso8601),
        may_land_until: entry.lands_until_ms.map(iso8601),
        last_error: entry.last_error.clone(),
        note: entry.note.clone(),
        reverses: entry.reverses.clone(),
        reversed_by: entry.reversed_by.clone(),
        triggered_by: entry.triggered_by.clone(),
        result: entry.result.clone(),
    }
}

fn new_entry(
    call: &Call,
    id: String,
    op: Operation,
    code: &str,
    amount: Option<Decimal>,
    currency: Option<String>,
) -> Entry {
    Entry {
        amount: amount.map(|a| a.to_string()),
        currency,
        reference: call.ids.reference.clone(),
        pos_id: call.ids.pos_id.clone(),
        operator_id: call.ids.operator_id.clone(),
        site_id: call.ids.site_id.clone(),
        ..Entry::new(id, call.provider(), call.account(), op, code)
    }
}

/// Records a settled state.
fn settle(call: &Call, entry: &mut Entry, state: State, error: Option<String>) {
    entry.state = state;
    entry.next_attempt_ms = None;
    entry.lands_until_ms = None;
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

/// Records a change. After money moved, a failing disk must not turn success into failure: the
/// change holds in memory (the journal writes the file whole when it can) and is logged.
fn record(call: &Call, entry: &mut Entry) {
    entry.updated_ms = now_ms();
    if let Err(e) = call.journal().record(entry) {
        call.log(Level::Error, || format!("could not journal {} ({}): {}", entry.id, entry.state.name(), e.message));
    }
}

/// Failures after which an undo made by the library is worth sending again later: it did not
/// reach the provider, or the credentials were refused (fixable in the configuration).
fn worth_retrying(error: &Error) -> bool {
    matches!(error.status(), VlStatus::VL_NETWORK | VlStatus::VL_AUTH)
}

fn backoff(attempts: u32) -> Duration {
    RETRY_BASE.saturating_mul(1 << attempts.min(12)).min(RETRY_MAX)
}

fn merge(base: Raw, more: Raw) -> Raw {
    match (base.is_null(), more.is_null()) {
        (_, true) => base,
        (true, false) => more,
        (false, false) => match (base.to_value(), more.to_value()) {
            (Value::Object(mut a), Value::Object(b)) => {
                a.extend(b);
                Raw::from_value(&Value::Object(a))
            }
            _ => more,
        },
    }
}

/// `VL_IN_DOUBT` for an entry: the cashier is told not to repeat it; why it is in doubt goes to
/// the log, for support.
fn in_doubt_error(call: &Call, entry: &Entry, why: &str) -> Error {
    call.log(Level::Warn, || {
        format!(
            "{} {} in doubt ({why}): vl_recover settles it and reports the outcome, or check the provider's back office",
            entry.operation, entry.id
        )
    });
    let said = Said::new(Text::InDoubt).with("op", Arg::Op(entry.operation)).with("id", Arg::Plain(entry.id.clone()));
    Error::said(VlStatus::VL_IN_DOUBT, said).with_journal_id(entry.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), Duration::from_secs(5));
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(3), Duration::from_secs(40));
        assert_eq!(backoff(40), RETRY_MAX);
    }

    #[test]
    fn merge_keeps_both_sides() {
        let raw = |v: Value| Raw::from_value(&v);
        assert_eq!(merge(raw(json!({"a": 1})), raw(json!({"b": 2}))), raw(json!({"a": 1, "b": 2})));
        assert_eq!(merge(Raw::NULL, raw(json!({"b": 2}))), raw(json!({"b": 2})));
        assert_eq!(merge(raw(json!({"a": 1})), Raw::NULL), raw(json!({"a": 1})));
    }

    fn response(status: u16) -> HttpResponse {
        HttpResponse { status, body: Vec::new(), elapsed: Duration::ZERO, headers: Vec::new() }
    }

    fn kind(a: Attempt<()>) -> &'static str {
        match a {
            Attempt::Applied { .. } => "applied",
            Attempt::Refused(_) => "refused",
            Attempt::Uncertain { may_land_later: true, .. } => "uncertain, may land later",
            Attempt::Uncertain { may_land_later: false, .. } => "uncertain",
        }
    }

    #[test]
    fn the_rule_decides_applied_refused_or_uncertain_once() {
        let lost = |f: Failure| kind(attempt("p", Err(f), |_| Answer::Done(((), Raw::NULL))));
        assert_eq!(lost(Failure::NotSent("x".into())), "refused");
        assert_eq!(lost(Failure::TimedOut("x".into())), "uncertain, may land later");
        assert_eq!(lost(Failure::AnswerLost("x".into())), "uncertain, may land later");
        assert_eq!(lost(Failure::BadAnswer("x".into())), "uncertain");
        let answered = |status: u16, answer: fn(u16) -> Answer<((), Raw)>| {
            kind(attempt("p", Ok(response(status)), |r| answer(r.status)))
        };
        assert_eq!(answered(200, |_| Answer::Done(((), Raw::NULL))), "applied");
        assert_eq!(answered(400, |s| Answer::from_error(s, Error::rejected("no"))), "refused");
        assert_eq!(answered(500, |s| Answer::from_error(s, Error::provider_failure("x"))), "uncertain");
        assert_eq!(answered(200, |s| Answer::from_error(s, Error::provider_failure("x"))), "uncertain");
        assert_eq!(answered(504, |s| Answer::from_error(s, Error::provider_failure("x"))), "uncertain, may land later");
        assert_eq!(answered(502, |s| Answer::from_error(s, Error::provider_failure("x"))), "uncertain, may land later");
    }
}
