//! Money: exact decimal amounts in major units ("12.50"), never floats, never rounded silently.
//!
//! Requests give amounts as decimal strings or JSON numbers. JSON numbers arrive as their exact
//! text (serde_json's `arbitrary_precision`), so `12.50` is never turned into a binary float.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::digits::Digits;
use crate::error::{Error, Result};
use crate::i18n::{Arg, Said, Text};
use crate::status::VlStatus;

/// The largest amount a request may carry, in major units. Anything above is refused as absurd
/// for a till (a typo or a unit mix-up: cents sent as francs).
pub(crate) const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// Parses a positive amount from a request field (`"12.50"`, `"12.5"`, `12.5`, `12`).
///
/// Refused with `VL_INVALID_ARGUMENT`, naming `field`: another JSON type, text that is not a
/// plain decimal number, zero, a negative amount, more than `decimals` decimals (trailing zeros
/// do not count: `"12.500"` is exactly 12.50), or more than 1,000,000.
pub fn parse_amount(value: &Value, field: &str, decimals: u32) -> Result<Decimal> {
    let amount = parse_decimal(value, field)?;
    check_amount(amount, field, decimals)?;
    Ok(with_scale(amount, decimals))
}

/// Parses a decimal (string or number) without the range checks of [`parse_amount`].
pub fn parse_decimal(value: &Value, field: &str) -> Result<Decimal> {
    let parsed = match value {
        Value::String(text) => parse_plain_decimal(text.trim()),
        // With arbitrary_precision, `to_string` is the number exactly as written in the JSON.
        Value::Number(n) => {
            let text = n.to_string();
            if text.contains(['e', 'E']) {
                Decimal::from_scientific(&text).ok()
            } else {
                Decimal::from_str_exact(&text).ok()
            }
        }
        _ => {
            return Err(Error::invalid(format!(
                "`{field}` must be an amount: a decimal string like \"12.50\" or a number, not {}",
                json_type_name(value)
            )));
        }
    };
    parsed.ok_or_else(|| {
        Error::invalid(format!(
            "`{field}` is not a valid amount: {} (expected a decimal number with a dot, like \"12.50\")",
            preview(value)
        ))
    })
}

/// Checks the range and precision of an amount; see [`parse_amount`].
pub fn check_amount(amount: Decimal, field: &str, decimals: u32) -> Result<()> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(Error::invalid(format!("`{field}` must be greater than zero, got {amount}")));
    }
    if amount.is_zero() {
        return Err(Error::invalid(format!("`{field}` must be greater than zero")));
    }
    if amount > MAX_AMOUNT {
        return Err(Error::invalid(format!("`{field}` is too large: {amount} (at most {MAX_AMOUNT})")));
    }
    if amount.normalize().scale() > decimals {
        return Err(Error::invalid(format!(
            "`{field}` has more than {decimals} decimals: {amount} (the library never rounds amounts)"
        )));
    }
    Ok(())
}

/// Accepts only `digits[.digits]` with an optional leading minus (so a negative amount gets the
/// "greater than zero" message, not "not a number"). No exponent, no thousands separators.
fn parse_plain_decimal(text: &str) -> Option<Decimal> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    // Too many digits for a Decimal: refused rather than rounded.
    Decimal::from_str_exact(text).ok()
}

/// Returns `amount` with at least `decimals` decimal places (exact: only adds zeros).
pub fn with_scale(amount: Decimal, decimals: u32) -> Decimal {
    let mut scaled = amount.normalize();
    if scaled.scale() < decimals {
        scaled.rescale(decimals);
    }
    scaled
}

/// Serializes an amount as its exact decimal text (`"12.50"`), as the result documents carry it.
pub(crate) fn serialize_text<S: serde::Serializer>(amount: &Decimal, ser: S) -> std::result::Result<S::Ok, S::Error> {
    let digits = Digits::of(*amount);
    let mut text = [0u8; 44];
    let mut len = 0;
    let mut push = |c: char| {
        text[len] = c as u8;
        len += 1;
    };
    if digits.negative() {
        push('-');
    }
    digits.integer().for_each(&mut push);
    if digits.fraction().len() > 0 {
        push('.');
        digits.fraction().for_each(&mut push);
    }
    // Only ASCII digits, '-' and '.' were written.
    ser.serialize_str(std::str::from_utf8(&text[..len]).unwrap_or_default())
}

/// [`serialize_text`] for an optional amount (`null` when absent).
pub(crate) fn serialize_text_option<S: serde::Serializer>(
    amount: &Option<Decimal>,
    ser: S,
) -> std::result::Result<S::Ok, S::Error> {
    match amount {
        Some(a) => serialize_text(a, ser),
        None => ser.serialize_none(),
    }
}

/// Converts an amount to integer minor units (cents). Fails rather than rounds.
pub fn to_minor_units(amount: Decimal, decimals: u32) -> Result<i64> {
    let factor = Decimal::from(10i64.pow(decimals));
    let minor = amount * factor;
    if minor.fract() != Decimal::ZERO {
        return Err(Error::invalid(format!("amount {amount} has more than {decimals} decimals")));
    }
    i64::try_from(minor).map_err(|_| Error::invalid(format!("amount {amount} is out of range")))
}

/// Converts integer minor units (cents) to an amount with `decimals` decimals.
pub fn from_minor_units(minor: i64, decimals: u32) -> Decimal {
    Decimal::new(minor, decimals)
}

/// How much to take from a stored-value voucher: exactly `amount`, or up to `remaining_to_pay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountWanted {
    /// Exactly this much (refused if the voucher holds less).
    Exactly(Decimal),
    /// What the sale still needs: `min(remaining_to_pay, balance)` is taken.
    UpTo(Decimal),
}

impl AmountWanted {
    /// The amount to take from a voucher holding `balance`: the exact amount if it is covered,
    /// else `min(remaining_to_pay, balance)` (as e-guma's guide prescribes). A refusal is
    /// `VL_REJECTED`, worded for the cashier.
    pub fn resolve(self, balance: Decimal, currency: Option<&str>) -> Result<Decimal> {
        match self {
            AmountWanted::Exactly(a) if a > balance => {
                let money = |amount| Arg::Amount(amount, currency.map(str::to_string));
                let said = Said::new(Text::InsufficientBalance).with("balance", money(balance)).with("asked", money(a));
                Err(Error::said(VlStatus::VL_REJECTED, said))
            }
            AmountWanted::Exactly(a) => Ok(a),
            AmountWanted::UpTo(_) if balance <= Decimal::ZERO => {
                Err(Error::said(VlStatus::VL_REJECTED, Said::new(Text::NoBalanceLeft)))
            }
            AmountWanted::UpTo(r) => Ok(r.min(balance)),
        }
    }
}

/// The JSON type of a value, for error messages.
pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short, safe rendering of a value for error messages (long input cut).
fn preview(value: &Value) -> String {
    let text = match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if text.chars().count() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<String> {
        parse_amount(&v, "amount", 2).map(|d| d.to_string())
    }

    fn number(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn amounts_are_written_as_their_exact_text() {
        for text in [
            "12.50",
            "0.00",
            "0",
            "-3.10",
            "1000000",
            "0.001",
            "79228162514264337593543950335",
            "-7.9228162514264337593543950335",
        ] {
            let d: Decimal = text.parse().unwrap();
            let json = serde_json::to_string(&Wrapper(d)).unwrap();
            assert_eq!(json, format!("\"{text}\""), "the same text as Decimal's Display: {}", d);
        }
        struct Wrapper(Decimal);
        impl serde::Serialize for Wrapper {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                serialize_text(&self.0, s)
            }
        }
    }

    #[test]
    fn accepts_strings_and_numbers_exactly() {
        assert_eq!(parse(json!("12.50")).unwrap(), "12.50");
        assert_eq!(parse(json!("12.5")).unwrap(), "12.50");
        assert_eq!(parse(json!(" 7 ")).unwrap(), "7.00");
        assert_eq!(parse(number("12.5")).unwrap(), "12.50");
        assert_eq!(parse(number("0.1")).unwrap(), "0.10");
        assert_eq!(parse(number("20")).unwrap(), "20.00");
        assert_eq!(parse(number("1.5e1")).unwrap(), "15.00");
        // Trailing zeros are exact, not rounding.
        assert_eq!(parse(json!("12.500")).unwrap(), "12.50");
    }

    #[test]
    fn refuses_what_would_need_rounding_or_is_not_an_amount() {
        for bad in [
            json!("12.345"),
            number("0.001"),
            number("12.3456789012345678901234567890"),
            json!("0"),
            json!("0.00"),
            json!("-5"),
            number("-5.00"),
            json!(""),
            json!("12,50"),
            json!("1e3"),
            json!("12.50 CHF"),
            json!("."),
            json!("5."),
            json!("NaN"),
            json!("1000000.01"),
            number("1e30"),
            json!("99999999999999999999999999999999999"),
            json!(true),
            json!(null),
            json!([1]),
            json!({"value": 1}),
        ] {
            let err = parse(bad.clone()).expect_err(&format!("{bad} must be refused"));
            assert_eq!(err.status(), crate::VlStatus::VL_INVALID_ARGUMENT, "{bad}");
            assert!(err.message.contains("`amount`"), "message names the field: {}", err.message);
        }
    }

    #[test]
    fn remaining_to_pay_takes_the_smaller_of_rest_and_balance() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(AmountWanted::UpTo(d("80.00")).resolve(d("50.00"), None).unwrap(), d("50.00"));
        assert_eq!(AmountWanted::UpTo(d("20.00")).resolve(d("50.00"), None).unwrap(), d("20.00"));
        assert_eq!(AmountWanted::Exactly(d("50.00")).resolve(d("50.00"), None).unwrap(), d("50.00"));
        let err = AmountWanted::Exactly(d("50.01")).resolve(d("50.00"), Some("CHF")).unwrap_err();
        assert_eq!(err.status(), crate::VlStatus::VL_REJECTED);
        assert!(err.message.contains("CHF 50.00"), "{}", err.message);
        assert_eq!(
            AmountWanted::UpTo(d("5")).resolve(Decimal::ZERO, None).unwrap_err().status(),
            crate::VlStatus::VL_REJECTED
        );
    }

    #[test]
    fn minor_units_round_trip_and_never_round() {
        let d = parse_amount(&json!("12.34"), "amount", 2).unwrap();
        assert_eq!(to_minor_units(d, 2).unwrap(), 1234);
        assert_eq!(from_minor_units(1234, 2).to_string(), "12.34");
        assert!(to_minor_units("1.234".parse::<Decimal>().unwrap(), 2).is_err());
        assert_eq!(from_minor_units(0, 2).to_string(), "0.00");
    }
}
