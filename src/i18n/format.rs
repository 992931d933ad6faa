//! Amounts and dates for people: separators and currency as each language writes them, dates in
//! the till's time zone. Never a digit changed.

use rust_decimal::Decimal;
use serde::Serialize;

use super::Lang;
use crate::digits::Digits;

/// Writes an amount for people, in a language: the currency as that language writes it, the
/// separators of the language, never a digit changed. Without allocating: the digits come
/// straight from the decimal's mantissa and scale.
pub fn push_amount(out: &mut String, lang: Lang, amount: Decimal, currency: Option<&str>) {
    let (group, point) = match (currency, lang) {
        (Some("CHF"), _) => ('\'', '.'),
        (_, Lang::En) => (',', '.'),
        (_, Lang::Fr) => ('\u{202f}', ','),
        _ => ('.', ','),
    };
    let suffix = match (currency, lang) {
        (None, _) => None,
        (Some("CHF"), _) => {
            out.push_str("CHF ");
            None
        }
        (Some("EUR"), Lang::En) => {
            out.push('€');
            None
        }
        (Some("EUR"), Lang::Nl) => {
            out.push_str("€ ");
            None
        }
        (Some("EUR"), _) => Some(" €"),
        (Some(code), _) => {
            out.push_str(code);
            out.push(' ');
            None
        }
    };
    let digits = Digits::of(amount);
    if digits.negative() {
        out.push('-');
    }
    let int_digits = digits.integer().len();
    for (i, d) in digits.integer().enumerate() {
        if i > 0 && (int_digits - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(d);
    }
    if digits.fraction().len() > 0 {
        out.push(point);
        out.extend(digits.fraction());
    }
    if let Some(s) = suffix {
        out.push_str(s);
    }
}

/// The till's time zone for dates shown to people; serialized as it was given.
#[derive(Clone, Debug)]
pub struct Zone {
    tz: jiff::tz::TimeZone,
    name: String,
}

impl Zone {
    /// An IANA name (`Europe/Zurich`), `UTC`, or an offset (`+01:00`, `-05:30`).
    pub fn parse(text: &str) -> Option<Zone> {
        let name = text.trim().to_string();
        let tz = match offset_minutes(&name) {
            Some(minutes) => jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_seconds(minutes * 60).ok()?),
            None => jiff::tz::TimeZone::get(&name).ok()?,
        };
        Some(Zone { tz, name })
    }
}

impl Zone {
    /// The time zone itself.
    pub fn time_zone(&self) -> &jiff::tz::TimeZone {
        &self.tz
    }
}

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&self.name)
    }
}

/// `+HH:MM` / `-HH:MM` / `HH:MM` as minutes east of UTC.
fn offset_minutes(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => (1, text),
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

/// A UTC date a provider gave (`2026-11-01 09:30:00`, or RFC 3339), for people: in the till's
/// time zone when there is one, else marked `UTC`; written as the language writes dates. A date
/// that cannot be read is shown as given, never silently shifted.
pub fn date(lang: Lang, utc: &str, zone: Option<&Zone>) -> String {
    let parsed = utc
        .trim()
        .replace(' ', "T")
        .trim_end_matches('Z')
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok());
    let Some(at) = parsed else { return utc.to_string() };
    let (shown, suffix) = match zone {
        Some(z) => (at.with_time_zone(z.tz.clone()), ""),
        None => (at, " UTC"),
    };
    let pattern = match lang {
        Lang::En => "%Y-%m-%d %H:%M",
        Lang::De => "%d.%m.%Y %H:%M",
        Lang::Nl => "%d-%m-%Y %H:%M",
        Lang::Fr | Lang::It | Lang::El => "%d/%m/%Y %H:%M",
    };
    format!("{}{suffix}", shown.strftime(pattern))
}
