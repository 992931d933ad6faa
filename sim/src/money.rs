//! Amounts in fixtures and state: decimal strings in major units, held as integer cents.

use rust_decimal::Decimal;
use serde_json::Value;

/// Cents from a fixture amount (`"50.00"` or a JSON number); at most two decimals, not negative.
pub fn cents_from_json(value: &Value) -> Result<i64, String> {
    let text = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return Err("must be an amount like \"50.00\"".into()),
    };
    let amount: Decimal = text.parse().map_err(|_| format!("is not an amount: {text:?}"))?;
    let cents = amount * Decimal::from(100);
    if amount.is_sign_negative() || cents.fract() != Decimal::ZERO {
        return Err(format!("must be a non-negative amount with at most 2 decimals: {text:?}"));
    }
    i64::try_from(cents).map_err(|_| format!("is out of range: {text:?}"))
}

/// `"50.00"` for 5000 cents.
pub fn cents_to_string(cents: i64) -> String {
    Decimal::new(cents, 2).to_string()
}
