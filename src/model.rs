//! The documents operations return in `data` (docs/api.md §6). Amounts are decimal strings in major
//! units with the currency beside them.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

pub use crate::journal::Trigger;
pub use crate::json::Raw;

pub use crate::journal::State as JournalState;
use crate::journal::State;
use crate::operation::Operation;
pub use crate::receipt::ReceiptLines;

/// Where a voucher stands, the same words for every provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VoucherStatus {
    /// Exists but not sold/activated yet: no balance.
    Created,
    /// Usable.
    Active,
    /// Used up.
    Redeemed,
    /// Past its validity.
    Expired,
    /// Cancelled by the issuer.
    Void,
    /// Paid back to the customer.
    Refunded,
    /// Reserved by a checkout in progress.
    Locked,
    /// The provider does not say.
    Unknown,
}

impl VoucherStatus {
    /// Every status, in declaration order (the bindings' copies are checked against it). A
    /// function, not a constant: cbindgen would put a constant in the C header.
    pub fn all() -> [VoucherStatus; 8] {
        use VoucherStatus::*;
        [Created, Active, Redeemed, Expired, Void, Refunded, Locked, Unknown]
    }
}

/// A limit on what a voucher may pay for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Restriction {
    /// What kind of limit (`"article_set"`).
    pub kind: String,
    /// The provider's code for it.
    pub code: String,
    /// What the cashier must do about it.
    pub message: String,
}

/// A voucher, gift card or coupon as the provider sees it now.
#[derive(Clone, Debug, Serialize)]
pub struct Voucher {
    /// Provider id.
    pub provider: &'static str,
    /// The provider's canonical code: use it for every follow-up call.
    pub code: String,
    /// Where the voucher stands.
    pub status: VoucherStatus,
    /// Whether it can pay now.
    pub redeemable: bool,
    /// What is left on it.
    #[serde(serialize_with = "crate::money::serialize_text_option")]
    pub balance: Option<Decimal>,
    /// Its value when sold.
    #[serde(serialize_with = "crate::money::serialize_text_option")]
    pub initial_amount: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The provider's message for the cashier, if any.
    pub message: Option<String>,
    /// Expiry date (ISO 8601), when the provider gives one.
    pub expires_at: Option<String>,
    /// Limits on what it may pay for (empty when none).
    pub restrictions: Vec<Restriction>,
    /// Ready-to-print lines: the check-balance slip (code, balance, total where known), or what an
    /// operation did (sold, taken back, locked).
    pub receipt_lines: ReceiptLines,
    /// The provider's id of the operation that produced this document (an activation: keep it
    /// for `vl_cancel_activation`); absent for lookups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Provider-specific facts for the POS (a coupon's campaign, claim and validation dates);
    /// absent when the provider has none.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub details: Value,
    /// The provider's own response, secrets removed.
    pub raw: Raw,
}

impl Voucher {
    /// A voucher as every provider knows it: its code, where it stands (redeemable when active),
    /// its receipt lines and the provider's answer; nothing else known yet (no balance, currency,
    /// message, expiry, restriction, transaction id or details). A provider sets what its answer
    /// gave with struct update syntax: `Voucher { balance: Some(b), ..Voucher::new(..) }`.
    pub fn new(
        provider: &'static str,
        code: impl Into<String>,
        status: VoucherStatus,
        receipt_lines: ReceiptLines,
        raw: Raw,
    ) -> Voucher {
        Voucher {
            provider,
            code: code.into(),
            status,
            redeemable: status == VoucherStatus::Active,
            balance: None,
            initial_amount: None,
            currency: None,
            message: None,
            expires_at: None,
            restrictions: Vec::new(),
            receipt_lines,
            transaction_id: None,
            details: Value::Null,
            raw,
        }
    }
}

/// Money taken from (or given back to) a voucher.
#[derive(Clone, Debug, Serialize)]
pub struct Redemption {
    /// Provider id.
    pub provider: &'static str,
    /// The provider's canonical code.
    pub code: String,
    /// What was actually taken (or given back); null for a coupon without a money value.
    #[serde(serialize_with = "crate::money::serialize_text_option")]
    pub amount: Option<Decimal>,
    /// What is left on the voucher afterwards.
    #[serde(serialize_with = "crate::money::serialize_text_option")]
    pub balance: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The provider's id of this redemption: keep it, `vl_cancel_redemption` needs it.
    pub transaction_id: Option<String>,
    /// Ready-to-print receipt lines (code, amount, balance left).
    pub receipt_lines: ReceiptLines,
}

/// Whether a voucher can be sold (activated), and for how much.
#[derive(Clone, Debug, Serialize)]
pub struct ActivationStatus {
    /// Provider id: in the documents of a client with several providers (docs/api.md §10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
    /// The provider's canonical code.
    pub code: String,
    /// Whether it can be sold now.
    pub can_activate: bool,
    /// Whether the cashier chooses the amount (then `amount` is null and `vl_activate` needs one).
    pub free_amount: bool,
    /// The fixed amount, when not a free amount.
    #[serde(serialize_with = "crate::money::serialize_text_option")]
    pub amount: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The provider's message (why it cannot be sold).
    pub message: Option<String>,
}

/// Whether a sold voucher can be taken back.
#[derive(Clone, Debug, Serialize)]
pub struct DeactivationStatus {
    /// Provider id: in the documents of a client with several providers (docs/api.md §10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
    /// The provider's canonical code.
    pub code: String,
    /// Whether it can be deactivated now.
    pub can_deactivate: bool,
    /// The value that would be taken back.
    #[serde(serialize_with = "crate::money::serialize_text_option")]
    pub amount: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The provider's message (why it cannot be deactivated).
    pub message: Option<String>,
}

/// A loyalty member and its vouchers (`vl_member_vouchers`).
#[derive(Clone, Debug, Serialize)]
pub struct MemberVouchers {
    /// Provider id.
    pub provider: &'static str,
    /// Who the member is.
    pub member: Member,
    /// The vouchers it can use now.
    pub vouchers: Vec<Offer>,
    /// The provider's own response, secrets removed.
    pub raw: Raw,
}

/// A loyalty member.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    /// The member's code.
    pub member_code: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Phone number, international form.
    pub phone_number: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// A discount voucher as a loyalty system offers it.
#[derive(Clone, Debug, Serialize)]
pub struct Offer {
    /// The code to validate and submit with the order.
    pub code: String,
    /// An amount off, or a percentage off.
    #[serde(rename = "type")]
    pub kind: DiscountKind,
    /// The amount (major units) or the percentage.
    #[serde(serialize_with = "crate::money::serialize_text")]
    pub discount: Decimal,
    /// Where it comes from (`"loyalty"`, `"store"`), as the provider says it, in lower case.
    pub source: Option<String>,
    /// The provider's description.
    pub description: Value,
}

/// What a discount voucher takes off an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiscountKind {
    /// An amount off.
    Monetary,
    /// A percentage off.
    Percentage,
}

impl DiscountKind {
    /// Every kind (the bindings' copies are checked against it).
    pub fn all() -> [DiscountKind; 2] {
        [DiscountKind::Monetary, DiscountKind::Percentage]
    }
}

/// What a voucher does to an order (`vl_validate`).
#[derive(Clone, Debug, Serialize)]
pub struct Validation {
    /// Provider id.
    pub provider: &'static str,
    /// Whether it can be used on this order (refusals are errors: always true).
    pub valid: bool,
    /// The voucher's code.
    pub code: String,
    /// The voucher.
    pub voucher: Offer,
    /// What it takes off this order.
    #[serde(serialize_with = "crate::money::serialize_text")]
    pub discount: Decimal,
    /// The order's total before.
    #[serde(serialize_with = "crate::money::serialize_text")]
    pub order_total: Decimal,
    /// The order's total after.
    #[serde(serialize_with = "crate::money::serialize_text")]
    pub total_after_discount: Decimal,
    /// The provider's own response, secrets removed.
    pub raw: Raw,
}

/// An order the provider accepted (`vl_submit_order`).
#[derive(Clone, Debug, Serialize)]
pub struct OrderAccepted {
    /// Provider id.
    pub provider: &'static str,
    /// Always true (a refusal is an error).
    pub accepted: bool,
    /// The POS's order number, as sent.
    pub order_id: Value,
}

/// A card's balance mutations (`vl_history`).
#[derive(Clone, Debug, Serialize)]
pub struct History {
    /// Provider id.
    pub provider: &'static str,
    /// The card's code.
    pub code: String,
    /// Whether this is the condensed history (for people) or the regular one (for bookkeeping).
    pub condensed: bool,
    /// The mutations, oldest first.
    pub entries: Vec<HistoryLine>,
}

/// One balance mutation.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryLine {
    /// When (as the provider writes it).
    pub at: Option<String>,
    /// The shop.
    pub shop_id: Option<String>,
    /// The till.
    pub pos_id: Option<String>,
    /// The receipt reference it was made with.
    pub receipt: Option<String>,
    /// The cashier.
    pub operator_id: Option<String>,
    /// What it was (the provider's word: "Redeem", "Load", ...).
    pub comment: Option<String>,
    /// The status before.
    pub old_status: Option<VoucherStatus>,
    /// The status after.
    pub new_status: Option<VoucherStatus>,
    /// The change of the balance.
    #[serde(serialize_with = "crate::money::serialize_text_option")]
    pub mutation: Option<Decimal>,
    /// The balance after.
    #[serde(serialize_with = "crate::money::serialize_text_option")]
    pub balance: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The provider's id of the operation (regular history only).
    pub transaction_id: Option<String>,
}

/// What `vl_capabilities` answers: the provider and the operations this client supports.
#[derive(Clone, Debug, Serialize)]
pub struct Capabilities {
    /// Provider id.
    pub provider: &'static str,
    /// Operation names, in API order.
    pub operations: Vec<&'static str>,
}

/// What `vl_capabilities` answers for a client with several providers (docs/api.md §10).
#[derive(Clone, Debug, Serialize)]
pub struct ClientCapabilities {
    /// Each provider of the client, in configured order, with its operations.
    pub providers: Vec<Capabilities>,
    /// Every operation at least one of them supports, in API order.
    pub operations: Vec<&'static str>,
}

/// What `vl_prepare` answers: each provider asked, ready for the cashier's next call.
#[derive(Clone, Debug, Serialize)]
pub struct Prepared {
    /// Each provider asked, in configured order.
    pub providers: Vec<Readiness>,
}

/// One provider's way opened by `vl_prepare`.
#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    /// Provider id.
    pub provider: &'static str,
    /// Whether its way is open: connected (TLS done, through the proxy) and signed in.
    pub ready: bool,
    /// How long it took, in milliseconds.
    pub ms: u64,
}

/// A journal entry as the POS sees it (`vl_pending`, `vl_recover`).
#[derive(Clone, Debug, Serialize)]
pub struct JournalEntry {
    /// The entry's id (`vl-…`), also the call's `journal_id`.
    pub journal_id: String,
    /// Provider id.
    pub provider: String,
    /// The money-moving operation.
    pub operation: Operation,
    /// Where it stands.
    pub state: State,
    /// The provider's canonical code.
    pub code: String,
    /// The amount it moves, as a decimal string.
    pub amount: Option<String>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The POS reference it was made with.
    pub reference: Option<String>,
    /// Till id.
    pub pos_id: Option<String>,
    /// Cashier id.
    pub operator_id: Option<String>,
    /// When it was journaled (ISO 8601, UTC).
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// How often it was sent.
    pub attempts: u32,
    /// When a queued undo is sent again.
    pub next_attempt_at: Option<String>,
    /// Until when the request may still land at the provider (the in-doubt window).
    pub may_land_until: Option<String>,
    /// Why it is not settled yet, for support.
    pub last_error: Option<String>,
    /// How it was settled, for support.
    pub note: Option<String>,
    /// The entry this one reverses.
    pub reverses: Option<String>,
    /// The entry that reverses this one.
    pub reversed_by: Option<String>,
    /// For a reversal the library made: the call during which it was made (its reference, till,
    /// cashier are the reversed sale's, above). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triggered_by: Option<Trigger>,
    /// What the provider answered, as far as it is known.
    pub result: Raw,
}

/// What `vl_pending` answers.
#[derive(Clone, Debug, Serialize)]
pub struct Pending {
    /// The open entries of this client's account.
    pub entries: Vec<JournalEntry>,
}

/// What `vl_recover` answers.
#[derive(Clone, Debug, Serialize)]
pub struct Recovered {
    /// Entries settled (each reported once to the POS).
    pub resolved: Vec<JournalEntry>,
    /// Entries still open.
    pub still_pending: Vec<JournalEntry>,
}

/// The `data` of a result document: what one operation answers. Rendered to JSON once, at the C
/// boundary.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Document {
    /// `vl_capabilities`.
    Capabilities(Capabilities),
    /// `vl_capabilities` of a client with several providers.
    ClientCapabilities(ClientCapabilities),
    /// `vl_prepare`.
    Prepared(Prepared),
    /// `vl_balance`, `vl_activate`, `vl_cancel_activation`, `vl_deactivate`, `vl_issue`,
    /// `vl_lock`, `vl_unlock`.
    Voucher(Voucher),
    /// `vl_redeem`, `vl_cancel_redemption`.
    Redemption(Redemption),
    /// `vl_activation_status`.
    ActivationStatus(ActivationStatus),
    /// `vl_deactivation_status`.
    DeactivationStatus(DeactivationStatus),
    /// `vl_history`.
    History(History),
    /// `vl_member_vouchers`.
    MemberVouchers(MemberVouchers),
    /// `vl_validate`.
    Validation(Validation),
    /// `vl_submit_order`.
    OrderAccepted(OrderAccepted),
    /// `vl_pending`.
    Pending(Pending),
    /// `vl_recover`.
    Recovered(Recovered),
}

macro_rules! document_from {
    ($($kind:ident),*) => {$(
        impl From<$kind> for Document {
            fn from(d: $kind) -> Document {
                Document::$kind(d)
            }
        }
    )*};
}
document_from!(
    Capabilities,
    ClientCapabilities,
    Prepared,
    Voucher,
    Redemption,
    ActivationStatus,
    DeactivationStatus,
    History,
    MemberVouchers,
    Validation,
    OrderAccepted,
    Pending,
    Recovered
);

impl Document {
    /// Names the provider in a document that carries it only for a client with several providers.
    pub fn name_provider(&mut self, id: &'static str) {
        match self {
            Document::ActivationStatus(a) => a.provider = Some(id),
            Document::DeactivationStatus(d) => d.provider = Some(id),
            _ => {}
        }
    }

    /// The voucher code this document is about, as the provider answered it (its canonical code).
    pub fn code(&self) -> Option<&str> {
        match self {
            Document::Voucher(v) => Some(&v.code),
            Document::Redemption(r) => Some(&r.code),
            Document::ActivationStatus(a) => Some(&a.code),
            Document::DeactivationStatus(d) => Some(&d.code),
            Document::History(h) => Some(&h.code),
            Document::Validation(v) => Some(&v.code),
            _ => None,
        }
    }
}
