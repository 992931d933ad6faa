//! Receipt lines: what the till prints for an operation, in the call's language, with the
//! voucher's code in full or masked as configured (`receipt_code`; each provider's default
//! follows its guide).

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::call::Call;
use crate::config::ReceiptCode;
use crate::i18n::{Text, Voice};

/// The receipt lines of one operation, built line by line.
pub struct Receipt<'a> {
    voice: Voice<'a>,
    lines: Vec<String>,
}

impl<'a> Receipt<'a> {
    /// Starts with the voucher's line: `label` (a text with `{code}`) and its code.
    pub fn new(call: &'a Call, label: Text, code: &str) -> Self {
        let voice = call.voice();
        let code = match call.settings.receipt_code {
            ReceiptCode::Full => Cow::Borrowed(code),
            ReceiptCode::Masked => Cow::Owned(crate::code::mask(code)),
        };
        let mut lines = Vec::with_capacity(4);
        lines.push(voice.fill(label, &[("code", &code)]));
        Receipt { voice, lines }
    }

    /// Adds a line with an amount (`text` has `{amount}`).
    pub fn amount(mut self, text: Text, amount: Decimal, currency: Option<&str>) -> Self {
        let shown = self.voice.amount(amount, currency);
        self.lines.push(self.voice.fill(text, &[("amount", &shown)]));
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
        self.lines.push(self.voice.fill(text, &[("date", &shown)]));
        self
    }

    /// Adds a line of text alone.
    pub fn line(mut self, text: Text) -> Self {
        self.lines.push(self.voice.text(text));
        self
    }

    /// The lines.
    pub fn lines(self) -> Vec<String> {
        self.lines
    }
}
