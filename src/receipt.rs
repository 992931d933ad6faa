//! Receipt lines: what the till prints for an operation, in the call's language, with the
//! voucher's code in full or masked as configured (`receipt_code`; each provider's default
//! follows its guide).

use rust_decimal::Decimal;
use serde::ser::{Serialize, SerializeSeq, Serializer};

use crate::call::Call;
use crate::config::ReceiptCode;
use crate::i18n::{Text, Voice};

/// Ready-to-print lines, kept in one buffer (one line per `\n`: no line has one, as every line is
/// made of the catalogue's texts, a checked code, amounts and dates). Serialized as a list of
/// strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptLines(String);

impl ReceiptLines {
    /// The lines, in print order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split('\n').filter(|_| !self.0.is_empty())
    }

    /// How many lines.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for ReceiptLines {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut seq = ser.serialize_seq(None)?;
        for line in self.iter() {
            seq.serialize_element(line)?;
        }
        seq.end()
    }
}

/// The receipt lines of one operation, built line by line into one buffer.
pub struct Receipt<'a> {
    voice: Voice<'a>,
    text: String,
}

impl<'a> Receipt<'a> {
    /// Starts with the voucher's line: `label` (a text with `{code}`) and its code.
    pub fn new(call: &'a Call, label: Text, code: &str) -> Self {
        let mut receipt = Receipt { voice: call.voice(), text: String::with_capacity(112) };
        let masked = call.settings.receipt_code == ReceiptCode::Masked;
        receipt.voice.write(&mut receipt.text, label, |name, out| {
            match (name, masked) {
                ("code", true) => crate::code::push_masked(out, code),
                ("code", false) => out.push_str(code),
                _ => return false,
            }
            true
        });
        receipt
    }

    /// Adds a line with an amount (`text` has `{amount}`).
    pub fn amount(mut self, text: Text, amount: Decimal, currency: Option<&str>) -> Self {
        let voice = self.voice;
        self.text.push('\n');
        voice.write(&mut self.text, text, |name, out| {
            name == "amount" && {
                voice.push_amount(out, amount, currency);
                true
            }
        });
        self
    }

    /// Adds a line with an amount, when there is one.
    pub fn amount_if(self, text: Text, amount: Option<Decimal>, currency: Option<&str>) -> Self {
        match amount {
            Some(a) => self.amount(text, a, currency),
            None => self,
        }
    }

    /// Adds a line with a date the provider gave in UTC (`text` has `{date}`), in the till's
    /// time zone.
    pub fn date(mut self, text: Text, utc: &str) -> Self {
        let shown = self.voice.date(utc);
        self.text.push('\n');
        self.voice.write(&mut self.text, text, |name, out| {
            name == "date" && {
                out.push_str(&shown);
                true
            }
        });
        self
    }

    /// Adds a line of text alone.
    pub fn line(mut self, text: Text) -> Self {
        self.text.push('\n');
        self.voice.write(&mut self.text, text, |_, _| false);
        self
    }

    /// The lines.
    pub fn lines(self) -> ReceiptLines {
        ReceiptLines(self.text)
    }
}
