//! What the journal stores: an entry (one money-moving operation, its state and identity) and
//! the call that made it when the library acted by itself.

use serde::{Deserialize, Serialize};

use super::ids::now_ms;
use crate::json::Raw;
use crate::operation::Operation;

/// Where an entry stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Recorded, about to be sent or being sent. Found after a restart, it is in doubt.
    Sending,
    /// Sent, and the outcome is unknown: the answer was lost, or no effect is visible yet while
    /// the request could still land.
    InDoubt,
    /// An undo (cancel, reversal) whose earlier attempts are known not to have landed: to be sent
    /// again, with backoff.
    Queued,
    /// Settled: it went through.
    Done,
    /// Settled: it did not go through; nothing changed.
    Failed,
    /// Settled: it went through and was then reversed.
    Reversed,
}

impl State {
    /// Every state (the bindings' copies are checked against it).
    pub fn all() -> [State; 6] {
        [State::Sending, State::InDoubt, State::Queued, State::Done, State::Failed, State::Reversed]
    }

    /// The name used in the journal and in `vl_pending` (`"in_doubt"`).
    pub fn name(self) -> &'static str {
        match self {
            State::Sending => "sending",
            State::InDoubt => "in_doubt",
            State::Queued => "queued",
            State::Done => "done",
            State::Failed => "failed",
            State::Reversed => "reversed",
        }
    }

    /// Whether the entry still needs the library's attention.
    pub fn is_open(self) -> bool {
        matches!(self, State::Sending | State::InDoubt | State::Queued)
    }
}

/// One money-moving operation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Our transaction id (`vl-...`), also sent to the provider where it has a reference field.
    pub id: String,
    /// Provider id.
    pub provider: String,
    /// The provider account: its normalized base URL.
    pub account: String,
    /// What it does.
    pub operation: Operation,
    /// Where it stands.
    pub state: State,
    /// The voucher's canonical code (the key operations on one voucher are serialized on).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub code: String,
    /// Amount moved (decimal string).
    pub amount: Option<String>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The POS reference of the request.
    pub reference: Option<String>,
    /// Till id.
    pub pos_id: Option<String>,
    /// Cashier id.
    pub operator_id: Option<String>,
    /// Shop id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
    /// For an entry the library made by itself (a reversal): the call during which it was made,
    /// which is not the sale it belongs to (that one's identity is the entry's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggered_by: Option<Trigger>,
    /// Created, milliseconds since 1970 (UTC).
    pub created_ms: u64,
    /// Last changed, milliseconds since 1970 (UTC).
    pub updated_ms: u64,
    /// What the provider showed before the first attempt (e.g. the balance): what a lost answer
    /// is checked against. The provider's own serde type.
    pub evidence: Raw,
    /// What the provider needs to send it again or undo it (never a secret).
    pub data: Raw,
    /// The provider's ids once known (e.g. e-guma's `redeem_token`).
    pub result: Raw,
    /// For a reversal: the entry it reverses.
    pub reverses: Option<String>,
    /// For a reversed (or being reversed) entry: its reversal.
    #[serde(default)]
    pub reversed_by: Option<String>,
    /// Send attempts so far.
    pub attempts: u32,
    /// When it is next looked at again by itself (ms since 1970).
    pub next_attempt_ms: Option<u64>,
    /// Until when its last attempt may still land at the provider (ms since 1970): "not applied"
    /// is not concluded before. Absent when the last attempt got an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lands_until_ms: Option<u64>,
    /// The call that made it answered without its outcome (`VL_IN_DOUBT`): `vl_recover` reports
    /// it once it is settled, however it was settled.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outcome_unreported: bool,
    /// The last failure, for people.
    pub last_error: Option<String>,
    /// How it was settled, for people.
    pub note: Option<String>,
}

/// The call during which the library made an entry by itself (a reversal of an earlier sale's
/// operation): for support and the day's report, beside the entry's own identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// The operation of that call.
    pub operation: Operation,
    /// Its journal id, when it was itself a money-moving call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_id: Option<String>,
    /// Its POS reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Its till.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pos_id: Option<String>,
    /// Its cashier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(de: D) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(de)?.unwrap_or_default())
}

impl Entry {
    /// A new entry in state `sending`, created now, with nothing else known yet.
    pub fn new(id: String, provider: &str, account: &str, operation: Operation, code: &str) -> Entry {
        let now = now_ms();
        Entry {
            id,
            provider: provider.to_string(),
            account: account.to_string(),
            operation,
            state: State::Sending,
            code: code.to_string(),
            amount: None,
            currency: None,
            reference: None,
            pos_id: None,
            operator_id: None,
            site_id: None,
            triggered_by: None,
            created_ms: now,
            updated_ms: now,
            evidence: Raw::NULL,
            data: Raw::NULL,
            result: Raw::NULL,
            reverses: None,
            reversed_by: None,
            attempts: 0,
            next_attempt_ms: None,
            lands_until_ms: None,
            outcome_unreported: false,
            last_error: None,
            note: None,
        }
    }

    /// Reads a provider's typed evidence, data or result back from the entry.
    pub fn read<T: serde::de::DeserializeOwned>(value: &Raw) -> Option<T> {
        value.read()
    }
}

/// The journal form of a provider's typed evidence, data or result (its own serde type).
pub fn typed<T: Serialize>(value: &T) -> Raw {
    Raw::of(value)
}
