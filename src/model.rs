//! The documents operations return in `data` (API.md §6). Amounts are decimal strings in major
//! units with the currency beside them.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

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
    #[serde(with = "rust_decimal::serde::str_option")]
    pub balance: Option<Decimal>,
    /// Its value when sold.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub initial_amount: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The provider's message for the cashier, if any.
    pub message: Option<String>,
    /// Expiry date (ISO 8601), when the provider gives one.
    pub expires_at: Option<String>,
    /// Limits on what it may pay for (empty when none).
    pub restrictions: Vec<Restriction>,
    /// The provider's id of the operation that produced this document (an activation: keep it
    /// for `vl_cancel_activation`); absent for lookups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Provider-specific facts for the POS (a coupon's campaign, claim and validation dates);
    /// absent when the provider has none.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub details: Value,
    /// The provider's own response, secrets removed.
    pub raw: Value,
}

/// Money taken from (or given back to) a voucher.
#[derive(Clone, Debug, Serialize)]
pub struct Redemption {
    /// Provider id.
    pub provider: &'static str,
    /// The provider's canonical code.
    pub code: String,
    /// What was actually taken (or given back); null for a coupon without a money value.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    /// What is left on the voucher afterwards.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub balance: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The provider's id of this redemption: keep it, `vl_cancel_redemption` needs it.
    pub transaction_id: Option<String>,
    /// Ready-to-print receipt lines (code, amount, balance left).
    pub receipt_lines: Vec<String>,
}

/// Whether a voucher can be sold (activated), and for how much.
#[derive(Clone, Debug, Serialize)]
pub struct ActivationStatus {
    /// The provider's canonical code.
    pub code: String,
    /// Whether it can be sold now.
    pub can_activate: bool,
    /// Whether the cashier chooses the amount (then `amount` is null and `vl_activate` needs one).
    pub free_amount: bool,
    /// The fixed amount, when not a free amount.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The provider's message (why it cannot be sold).
    pub message: Option<String>,
}

/// Whether a sold voucher can be taken back.
#[derive(Clone, Debug, Serialize)]
pub struct DeactivationStatus {
    /// The provider's canonical code.
    pub code: String,
    /// Whether it can be deactivated now.
    pub can_deactivate: bool,
    /// The value that would be taken back.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The provider's message (why it cannot be deactivated).
    pub message: Option<String>,
}

/// Receipt lines for a redemption: `Voucher ********KJR3`, `Redeemed <amount>`, `Balance <left>`.
/// The code is masked as in log lines: a receipt found in the bin must not spend the balance.
pub fn receipt_lines(
    label: &str,
    code: &str,
    taken_label: &str,
    amount: Decimal,
    balance: Option<Decimal>,
    currency: Option<&str>,
) -> Vec<String> {
    let line = |words: &str, amount: Decimal| {
        let mut line = String::with_capacity(words.len() + 16);
        line.push_str(words);
        line.push(' ');
        crate::money::push_display(&mut line, amount, currency);
        line
    };
    let mut first = String::with_capacity(label.len() + 13);
    first.push_str(label);
    first.push(' ');
    crate::code::push_masked(&mut first, code);
    let mut lines = Vec::with_capacity(3);
    lines.push(first);
    lines.push(line(taken_label, amount));
    if let Some(b) = balance {
        lines.push(line("Balance", b));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_lines_carry_code_amount_and_balance() {
        let lines = receipt_lines(
            "e-guma voucher",
            "L4FU5LQTKJR3",
            "Redeemed",
            Decimal::new(2000, 2),
            Some(Decimal::new(3000, 2)),
            Some("CHF"),
        );
        assert_eq!(lines, ["e-guma voucher ********KJR3", "Redeemed CHF 20.00", "Balance CHF 30.00"]);
        let no_currency = receipt_lines("Gift card", "6280001234567890", "Redeemed", Decimal::new(5, 0), None, None);
        assert_eq!(no_currency, ["Gift card ********7890", "Redeemed 5"]);
    }
}
