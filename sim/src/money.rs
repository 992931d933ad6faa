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

/// Serde for an amount held as cents: `"50.00"` or a JSON number in (see [`cents_from_json`]),
/// `"50.00"` out. `#[serde(with = "crate::money::cents")]`.
pub mod cents {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    /// Writes `"50.00"`.
    pub fn serialize<S: Serializer>(cents: &i64, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&super::cents_to_string(*cents))
    }

    /// Reads `"50.00"` or `50`.
    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<i64, D::Error> {
        super::cents_from_json(&Value::deserialize(de)?).map_err(D::Error::custom)
    }
}

/// [`cents`] for an optional amount: absent, `null` and `""` are none.
pub mod cents_opt {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    /// Writes `"50.00"` or `null`.
    pub fn serialize<S: Serializer>(cents: &Option<i64>, ser: S) -> Result<S::Ok, S::Error> {
        match cents {
            Some(c) => ser.serialize_str(&super::cents_to_string(*c)),
            None => ser.serialize_none(),
        }
    }

    /// Reads an amount, or none.
    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Option<i64>, D::Error> {
        match Value::deserialize(de)? {
            Value::Null => Ok(None),
            Value::String(s) if s.is_empty() => Ok(None),
            v => super::cents_from_json(&v).map(Some).map_err(D::Error::custom),
        }
    }
}
