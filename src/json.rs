//! JSON kept as text: a provider's answer in a result document, a provider's evidence, data or
//! ids in a journal entry. Written out as it is, cloned as one string, read into a serde type
//! when needed — never held as a tree of maps just to be copied and written again.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// One JSON value as text, or `null`.
#[derive(Clone, Debug, Default)]
pub struct Raw(Option<Box<RawValue>>);

impl Raw {
    /// `null`.
    pub(crate) const NULL: Raw = Raw(None);

    /// A JSON value, written out.
    pub(crate) fn from_value(value: &Value) -> Raw {
        match value {
            Value::Null => Raw::NULL,
            v => Raw(serde_json::value::to_raw_value(v).ok()),
        }
    }

    /// A serde type, written out (`null` should it not serialize).
    pub(crate) fn of<T: Serialize + ?Sized>(value: &T) -> Raw {
        match serde_json::value::to_raw_value(value) {
            Ok(raw) if raw.get() == "null" => Raw::NULL,
            Ok(raw) => Raw(Some(raw)),
            Err(_) => Raw::NULL,
        }
    }

    /// JSON text serde_json has just read in full (into a typed answer) without an error: known
    /// to be one well-formed value, so it is not parsed again.
    pub(crate) fn from_text_read(text: &str) -> Raw {
        let text = text.trim_matches([' ', '\t', '\n', '\r']);
        // SAFETY: serde_json accepted the whole of `text` (it parses even the fields it ignores
        // and refuses anything after the value), and JSON's own white space was trimmed: one
        // well-formed value without surrounding white space, as RawValue requires.
        Raw(Some(unsafe { RawValue::from_string_unchecked(text.to_string()) }))
    }

    /// The value read into a serde type.
    pub(crate) fn read<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(self.get()).ok()
    }

    /// Whether it is `null`.
    pub fn is_null(&self) -> bool {
        self.0.is_none()
    }

    /// The JSON text (`null` when there is none).
    pub fn get(&self) -> &str {
        self.0.as_deref().map_or("null", RawValue::get)
    }

    /// The value as a JSON tree.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.get()).unwrap_or(Value::Null)
    }
}

impl PartialEq for Raw {
    fn eq(&self, other: &Raw) -> bool {
        self.get() == other.get()
    }
}

impl Serialize for Raw {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(raw) => raw.serialize(ser),
            None => ser.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Raw, D::Error> {
        let raw = Box::<RawValue>::deserialize(de)?;
        Ok(if raw.get() == "null" { Raw::NULL } else { Raw(Some(raw)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_as_text_and_read_back() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Seen {
            balance_cents: i64,
        }
        let raw = Raw::of(&Seen { balance_cents: 5000 });
        assert_eq!(raw.get(), r#"{"balance_cents":5000}"#);
        assert_eq!(raw.read::<Seen>(), Some(Seen { balance_cents: 5000 }));
        assert!(Raw::of(&()).is_null() && Raw::from_value(&Value::Null).is_null());
        let line = r#"{"a":{"x":[1,2]},"b":null}"#;
        #[derive(Deserialize)]
        struct Line {
            a: Raw,
            b: Raw,
        }
        let l: Line = serde_json::from_str(line).unwrap();
        assert_eq!((l.a.get(), l.b.is_null()), (r#"{"x":[1,2]}"#, true));
        assert_eq!(serde_json::to_string(&l.a).unwrap(), r#"{"x":[1,2]}"#);
    }
}
