//! Strict reading of JSON objects (requests and the configuration).
//!
//! A [`Fields`] holds the members of one JSON object. Code takes the members it understands, with
//! the type it expects; [`Fields::finish`] then refuses whatever is left, so a misspelt field is
//! an error naming it, never silently ignored. Every error names the field.

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::code::{self, CodeRules};
use crate::error::{Error, Result};
use crate::money::{self, AmountWanted, json_type_name};
use crate::status::VlStatus;

/// Requests and configurations longer than this are refused before parsing.
pub(crate) const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Longest free-text value accepted in a request (`reference`, `reason`, ...).
pub(crate) const MAX_TEXT_LEN: usize = 512;

/// The members of one JSON object, taken one by one.
#[derive(Clone)]
pub struct Fields {
    entries: Vec<(String, Option<Value>)>,
    /// What a wrong member is: `VL_INVALID_ARGUMENT` in a request, `VL_CONFIG` in a configuration.
    status: VlStatus,
    /// "request" or "configuration", for messages.
    what: &'static str,
}

impl Fields {
    /// Parses `text`, which must be one JSON object without duplicate members.
    pub fn parse(text: &str, status: VlStatus, what: &'static str) -> Result<Fields> {
        if text.len() > MAX_INPUT_BYTES {
            return Err(Error::new(
                status,
                format!("the {what} is too large ({} bytes, at most {MAX_INPUT_BYTES})", text.len()),
            ));
        }
        let object: StrictObject = serde_json::from_str(text)
            .map_err(|e| Error::new(status, format!("the {what} is not a valid JSON object: {e}")))?;
        Ok(Fields { entries: object.0.into_iter().map(|(k, v)| (k, Some(v))).collect(), status, what })
    }

    /// The members of an object already parsed (an entry of a configuration's `providers`).
    pub fn from_object(object: serde_json::Map<String, Value>, status: VlStatus, what: &'static str) -> Fields {
        Fields { entries: object.into_iter().map(|(k, v)| (k, Some(v))).collect(), status, what }
    }

    /// The names of the members not yet taken (`null` ones included), in document order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter(|(_, v)| v.is_some()).map(|(k, _)| k.as_str())
    }

    /// Adds a member unless the object already has one of that name.
    pub fn add_default(&mut self, name: &str, value: Value) {
        if !self.entries.iter().any(|(k, _)| k == name) {
            self.entries.push((name.to_string(), Some(value)));
        }
    }

    /// An object with no members (the request of a capability probe).
    pub fn empty(status: VlStatus, what: &'static str) -> Fields {
        Fields { entries: Vec::new(), status, what }
    }

    /// An error of this object's kind (`VL_INVALID_ARGUMENT` or `VL_CONFIG`).
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::new(self.status, message)
    }

    /// Whether a member is present (and not yet taken). `null` counts as absent.
    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|(k, v)| k == name && v.as_ref().is_some_and(|v| !v.is_null()))
    }

    /// A string member's value without taking it (to derive a default from it).
    pub fn peek_text(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.as_ref()?.as_str())
    }

    /// Takes a member; `null` is the same as absent (C# and Java serializers write nulls).
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.entries
            .iter_mut()
            .find(|(k, v)| k == name && v.is_some())
            .and_then(|(_, v)| v.take())
            .filter(|v| !v.is_null())
    }

    /// A required member.
    pub fn require(&mut self, name: &str) -> Result<Value> {
        self.take(name).ok_or_else(|| self.error(format!("`{name}` is missing")))
    }

    /// An optional string of at most `max_len` characters, without control characters.
    pub fn opt_text(&mut self, name: &str, max_len: usize) -> Result<Option<String>> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        let Value::String(text) = value else {
            return Err(self.error(format!("`{name}` must be a string, not {}", json_type_name(&value))));
        };
        if text.chars().count() > max_len {
            return Err(self.error(format!("`{name}` is too long (at most {max_len} characters)")));
        }
        if text.chars().any(char::is_control) {
            return Err(self.error(format!("`{name}` contains a control character")));
        }
        Ok(Some(text))
    }

    /// A required string; see [`Fields::opt_text`]. Empty (or blank) strings are refused.
    pub fn text(&mut self, name: &str, max_len: usize) -> Result<String> {
        match self.opt_text(name, max_len)? {
            Some(t) if !t.trim().is_empty() => Ok(t),
            Some(_) => Err(self.error(format!("`{name}` is empty"))),
            None => Err(self.error(format!("`{name}` is missing"))),
        }
    }

    /// An optional boolean.
    pub fn opt_bool(&mut self, name: &str) -> Result<Option<bool>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.error(format!("`{name}` must be true or false, not {}", json_type_name(&other)))),
        }
    }

    /// An optional whole number in `range`.
    pub fn opt_u64(&mut self, name: &str, range: std::ops::RangeInclusive<u64>) -> Result<Option<u64>> {
        let Some(value) = self.take(name) else {
            return Ok(None);
        };
        let n = value.as_u64().ok_or_else(|| self.error(format!("`{name}` must be a whole number, not {value}")))?;
        if !range.contains(&n) {
            return Err(self.error(format!("`{name}` must be between {} and {}, got {n}", range.start(), range.end())));
        }
        Ok(Some(n))
    }

    /// An optional positive amount with at most `decimals` decimals; see [`money::parse_amount`].
    pub fn opt_amount(&mut self, name: &str, decimals: u32) -> Result<Option<Decimal>> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => money::parse_amount(&v, name, decimals).map(Some).map_err(|e| self.error(e.message)),
        }
    }

    /// An optional amount that may also be zero (a discount of nothing, a fully discounted total).
    pub fn opt_amount_or_zero(&mut self, name: &str, decimals: u32) -> Result<Option<Decimal>> {
        let Some(value) = self.take(name) else { return Ok(None) };
        let amount = money::parse_decimal(&value, name).map_err(|e| self.error(e.message))?;
        if amount.is_zero() {
            return Ok(Some(money::with_scale(Decimal::ZERO, decimals)));
        }
        money::check_amount(amount, name, decimals).map_err(|e| self.error(e.message))?;
        Ok(Some(money::with_scale(amount, decimals)))
    }

    /// How much to take from a stored-value voucher: `amount` or `remaining_to_pay`, exactly one.
    pub fn amount_wanted(&mut self, decimals: u32) -> Result<AmountWanted> {
        match (self.opt_amount("amount", decimals)?, self.opt_amount("remaining_to_pay", decimals)?) {
            (Some(a), None) => Ok(AmountWanted::Exactly(a)),
            (None, Some(r)) => Ok(AmountWanted::UpTo(r)),
            (Some(_), Some(_)) => Err(self.error("give either `amount` or `remaining_to_pay`, not both")),
            (None, None) => Err(self.error("`amount` or `remaining_to_pay` is missing")),
        }
    }

    /// A required amount; see [`Fields::opt_amount`].
    pub fn amount(&mut self, name: &str, decimals: u32) -> Result<Decimal> {
        self.opt_amount(name, decimals)?.ok_or_else(|| self.error(format!("`{name}` is missing")))
    }

    /// A required voucher code, normalized by the provider's rules; see [`code::normalize`].
    pub fn code(&mut self, name: &str, rules: CodeRules) -> Result<String> {
        let raw = self.text(name, code::MAX_CODE_LEN * 4).map_err(|e| self.error(e.message))?;
        if code::is_normal(&raw, rules) {
            return Ok(raw);
        }
        code::normalize(&raw, rules, name).map_err(|e| self.error(e.message))
    }

    /// Refuses every member nobody took: unknown or not meaningful here.
    pub fn finish(&mut self) -> Result<()> {
        let left: Vec<&str> = self
            .entries
            .iter()
            .filter(|(_, v)| v.as_ref().is_some_and(|v| !v.is_null()))
            .map(|(k, _)| k.as_str())
            .collect();
        match left.as_slice() {
            [] => Ok(()),
            [one] => Err(self.error(format!("unknown field `{one}` in the {}", self.what))),
            many => Err(self.error(format!(
                "unknown fields in the {}: {}",
                self.what,
                many.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

/// A JSON object read member by member, refusing duplicate members (`{"amount":1,"amount":2}`
/// would otherwise silently keep the last one).
struct StrictObject(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for StrictObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = StrictObject;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<StrictObject, A::Error> {
                let mut entries: Vec<(String, Value)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format!("duplicate field `{key}`")));
                    }
                    let value = map.next_value::<Value>()?;
                    entries.push((key, value));
                }
                Ok(StrictObject(entries))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Result<Fields> {
        Fields::parse(text, VlStatus::VL_INVALID_ARGUMENT, "request")
    }

    #[test]
    fn refuses_what_is_not_one_json_object() {
        for bad in ["", "null", "[]", "\"x\"", "{", "{\"a\":1} {}", "{'a':1}", "{\"a\":1,}"] {
            let err = fields(bad).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(err.status(), VlStatus::VL_INVALID_ARGUMENT);
            assert!(err.message.contains("not a valid JSON object"), "{}", err.message);
        }
    }

    #[test]
    fn refuses_duplicate_members() {
        let err = fields(r#"{"amount":"1.00","amount":"100.00"}"#).err().unwrap();
        assert!(err.message.contains("duplicate field `amount`"), "{}", err.message);
    }

    #[test]
    fn names_unknown_and_wrongly_typed_fields() {
        let mut f = fields(r#"{"code":"A","amout":"1.00"}"#).unwrap();
        f.text("code", 10).unwrap();
        assert_eq!(f.finish().unwrap_err().message, "unknown field `amout` in the request");

        let mut f = fields(r#"{"condensed":"yes"}"#).unwrap();
        assert!(f.opt_bool("condensed").unwrap_err().message.contains("`condensed`"));

        let mut f = fields(r#"{"code":42}"#).unwrap();
        assert_eq!(f.text("code", 10).unwrap_err().message, "`code` must be a string, not a number");
    }

    #[test]
    fn null_members_are_absent() {
        let mut f = fields(r#"{"amount":null,"remaining_to_pay":"5"}"#).unwrap();
        assert_eq!(f.opt_amount("amount", 2).unwrap(), None);
        assert_eq!(f.amount("remaining_to_pay", 2).unwrap().to_string(), "5.00");
        f.finish().unwrap();
    }

    #[test]
    fn configuration_errors_carry_vl_config() {
        let mut f = Fields::parse(r#"{"provder":"eguma"}"#, VlStatus::VL_CONFIG, "configuration").unwrap();
        let err = f.finish().unwrap_err();
        assert_eq!(err.status(), VlStatus::VL_CONFIG);
        assert_eq!(err.message, "unknown field `provder` in the configuration");
    }

    #[test]
    fn refuses_huge_input_before_parsing() {
        let big = format!("{{\"reference\":\"{}\"}}", "x".repeat(MAX_INPUT_BYTES));
        assert!(fields(&big).err().unwrap().message.contains("too large"));
    }
}
