//! What the library writes for the cashier and the customer, in the till's language: one message
//! catalogue (a plain table: every text in every language, checked complete by a test), amounts
//! as each language and currency writes them, and dates in the till's time zone.
//!
//! Which texts: receipt lines, notes on a voucher's state, and the messages of the answers a
//! cashier acts on — `VL_REJECTED`, `VL_NOT_FOUND`, `VL_IN_DOUBT`, `VL_NETWORK` — where the library
//! writes them. A provider's own text is never translated (it is passed through as `message` and,
//! verbatim, `provider_message`). Messages meant for the integrator (`VL_INVALID_ARGUMENT`,
//! `VL_CONFIG`, `VL_AUTH`, `VL_PROVIDER`, `VL_INTERNAL`) and log lines stay English.
//!
//! Amounts are never rounded here: they come with their currency's decimals and only get their
//! separators. CHF as the Swiss write it in every language (`CHF 1'234.50`); EUR as each language
//! writes euros (`1.234,50 €`, `€ 1.234,50`, `€1,234.50`); other currencies with their code in
//! front and the language's separators.

mod catalogue;
mod format;

use rust_decimal::Decimal;
use serde::Serialize;

pub use catalogue::Text;
pub use format::{Zone, date, push_amount};

use crate::operation::Operation;

/// A language the library writes in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Italian.
    It,
    /// Dutch.
    Nl,
    /// Greek.
    El,
}

impl Lang {
    /// Every language, in the catalogue's column order.
    pub(crate) const ALL: [Lang; 6] = [Lang::En, Lang::De, Lang::Fr, Lang::It, Lang::Nl, Lang::El];

    /// The language of an ISO 639-1 code (`"de"`, also `"de-CH"`, any case).
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::It => "it",
            Lang::Nl => "nl",
            Lang::El => "el",
        }
    }

    fn column(self) -> usize {
        self as usize
    }
}

/// Writes a template to `out` with its values put in, in one pass: `put(name, out)` writes the
/// value of `{name}` and says whether it knew it; an unknown `{name}` stays as it is.
fn fill_into(out: &mut String, template: &str, mut put: impl FnMut(&str, &mut String) -> bool) {
    let mut rest = template;
    // Byte searches: the templates are short, memchr's set-up would cost more than it saves.
    while let Some(open) = rest.bytes().position(|b| b == b'{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.bytes().position(|b| b == b'}') {
            Some(close) if put(&after[..close], out) => rest = &after[close + 1..],
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// A value put into a text, written for people when the language is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is (a journal id, a provider's status name).
    Plain(String),
    /// An amount with its currency.
    Amount(Decimal, Option<String>),
    /// A UTC date as the provider gave it.
    Date(String),
    /// An operation, by its name in the language.
    Op(Operation),
}

/// A text with its values, not yet in a language: errors are made deep in the library and
/// worded once the call's language is applied to them ([`Voice::say`]). `{provider}` is
/// always the provider's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Said {
    /// The text.
    pub text: Text,
    /// Its values, by name.
    pub args: Vec<(&'static str, Arg)>,
}

impl Said {
    /// A text without values (besides `{provider}`).
    pub fn new(text: Text) -> Said {
        Said { text, args: Vec::new() }
    }

    /// Adds a value.
    pub fn with(mut self, name: &'static str, arg: Arg) -> Said {
        self.args.push((name, arg));
        self
    }
}

/// How the library writes for people at one till: its language, its time zone, the provider's
/// name.
#[derive(Clone, Copy, Debug)]
pub struct Voice<'a> {
    /// The language.
    pub lang: Lang,
    /// The till's time zone (None: dates are marked UTC).
    pub zone: Option<&'a Zone>,
    /// The provider's name for people (`"e-guma"`).
    pub provider: &'a str,
}

impl Voice<'static> {
    /// English, dates in UTC, the provider unnamed: what an error says before the call's
    /// language is applied to it.
    pub const ENGLISH: Voice<'static> = Voice { lang: Lang::En, zone: None, provider: "the provider" };
}

impl Voice<'_> {
    /// A text with its values, in this voice.
    pub fn say(&self, said: &Said) -> String {
        self.line(said.text, |name, out| {
            let Some((_, arg)) = said.args.iter().find(|(n, _)| *n == name) else { return false };
            match arg {
                Arg::Plain(text) => out.push_str(text),
                Arg::Amount(a, currency) => push_amount(out, self.lang, *a, currency.as_deref()),
                Arg::Date(utc) => out.push_str(&self.date(utc)),
                Arg::Op(op) => match op_text(*op) {
                    Some(text) => out.push_str(text.all()[self.lang.column()]),
                    None => out.push_str(op.name()),
                },
            }
            true
        })
    }

    /// A text in this voice, its values written by `put(name, out)` (see [`fill_into`]);
    /// `{provider}` is the provider's name.
    pub fn line(&self, text: Text, put: impl FnMut(&str, &mut String) -> bool) -> String {
        let mut out = String::with_capacity(text.all()[self.lang.column()].len() + 24);
        self.write(&mut out, text, put);
        out
    }

    /// [`Voice::line`], written at the end of `out`.
    pub fn write(&self, out: &mut String, text: Text, mut put: impl FnMut(&str, &mut String) -> bool) {
        fill_into(out, text.all()[self.lang.column()], |name, out| {
            if name == "provider" {
                out.push_str(self.provider);
                return true;
            }
            put(name, out)
        });
    }

    /// A text with values already written for people (`("amount", "CHF 12.50")`).
    pub fn fill(&self, text: Text, values: &[(&str, &str)]) -> String {
        self.line(text, |name, out| match values.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                out.push_str(v);
                true
            }
            None => false,
        })
    }

    /// A text without values besides `{provider}`.
    pub fn text(&self, text: Text) -> String {
        self.line(text, |_, _| false)
    }

    /// Writes an amount as this voice writes it ([`push_amount`]).
    pub fn push_amount(&self, out: &mut String, value: Decimal, currency: Option<&str>) {
        push_amount(out, self.lang, value, currency)
    }

    /// A UTC date as this voice writes it ([`date`]).
    pub fn date(&self, utc: &str) -> String {
        date(self.lang, utc, self.zone)
    }
}

/// The name of a money-moving operation for people.
fn op_text(op: Operation) -> Option<Text> {
    Some(match op {
        Operation::Redeem => Text::OpRedeem,
        Operation::CancelRedemption => Text::OpCancelRedemption,
        Operation::Activate => Text::OpActivate,
        Operation::CancelActivation => Text::OpCancelActivation,
        Operation::Deactivate => Text::OpDeactivate,
        Operation::Issue => Text::OpIssue,
        Operation::SubmitOrder => Text::OpSubmitOrder,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(lang: Lang, value: Decimal, currency: Option<&str>) -> String {
        let mut out = String::new();
        push_amount(&mut out, lang, value, currency);
        out
    }

    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> =
            text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn the_catalogue_is_complete_in_every_language() {
        for text in Text::ALL {
            let all = text.all();
            let english = all[0];
            for lang in Lang::ALL {
                let t = all[lang.column()];
                assert!(!t.trim().is_empty(), "{text:?} has no {lang:?} text");
                assert_eq!(placeholders(t), placeholders(english), "{text:?} in {lang:?}: the same values are put in");
                if lang != Lang::En && !t.starts_with('{') {
                    assert_ne!(t, english, "{text:?} is still English in {lang:?}");
                }
            }
        }
    }

    #[test]
    fn every_money_moving_operation_has_a_name_for_people() {
        for op in Operation::ALL.into_iter().filter(|op| op.moves_money()) {
            assert!(op_text(op).is_some(), "{op:?}");
        }
    }

    #[test]
    fn a_said_text_is_worded_in_the_voice_it_is_given() {
        let zurich = Zone::parse("Europe/Zurich").unwrap();
        let said =
            Said::new(Text::InDoubt).with("op", Arg::Op(Operation::Redeem)).with("id", Arg::Plain("vl-1".into()));
        let de = Voice { lang: Lang::De, zone: Some(&zurich), provider: "e-guma" };
        assert!(de.say(&said).starts_with("Der Vorgang (Einlösung) wurde an e-guma gesendet"), "{}", de.say(&said));
        assert!(de.say(&said).contains("Journal als vl-1"));
        let used = Said::new(Text::CouponAlreadyUsedAt).with("date", Arg::Date("2026-11-01 09:30:00".into()));
        assert_eq!(de.say(&used), "Der Rabattcoupon wurde bereits am 01.11.2026 10:30 eingelöst.");
        assert_eq!(Voice::ENGLISH.say(&used), "The coupon was already used at 2026-11-01 09:30 UTC.");
        let short = Said::new(Text::InsufficientBalance)
            .with("balance", Arg::Amount(Decimal::new(1000, 2), Some("EUR".into())))
            .with("asked", Arg::Amount(Decimal::new(2050, 2), Some("EUR".into())));
        let fr = Voice { lang: Lang::Fr, zone: None, provider: "Treazure" };
        assert_eq!(fr.say(&short), "Solde insuffisant : le bon a 10,00 €, 20,50 € ont été demandés.");
        assert_eq!(Voice::ENGLISH.text(Text::Redeemed), "Redeemed {amount}", "a value not given stays visible");
    }

    #[test]
    fn languages_parse_from_their_codes() {
        assert_eq!(Lang::parse("de"), Some(Lang::De));
        assert_eq!(Lang::parse("fr-CH"), Some(Lang::Fr));
        assert_eq!(Lang::parse("IT"), Some(Lang::It));
        assert_eq!(Lang::parse("xx"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn amounts_as_each_language_writes_them_never_rounded() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(amount(Lang::De, d("50.00"), Some("CHF")), "CHF 50.00");
        assert_eq!(amount(Lang::Fr, d("1234.50"), Some("CHF")), "CHF 1'234.50");
        assert_eq!(amount(Lang::De, d("1234.50"), Some("EUR")), "1.234,50 €");
        assert_eq!(amount(Lang::Fr, d("1234.50"), Some("EUR")), "1\u{202f}234,50 €");
        assert_eq!(amount(Lang::Nl, d("12.50"), Some("EUR")), "€ 12,50");
        assert_eq!(amount(Lang::En, d("1234567.05"), Some("EUR")), "€1,234,567.05");
        assert_eq!(amount(Lang::It, d("0.10"), Some("GBP")), "GBP 0,10");
        assert_eq!(amount(Lang::En, d("7.125"), None), "7.125", "never rounded");
        assert_eq!(amount(Lang::De, d("-0.05"), Some("CHF")), "CHF -0.05");
        assert_eq!(amount(Lang::En, d("0"), None), "0");
        assert_eq!(amount(Lang::En, d("1000000.00"), Some("USD")), "USD 1,000,000.00");
        assert_eq!(
            amount(Lang::En, d("79228162514264337593543950335"), None),
            "79,228,162,514,264,337,593,543,950,335"
        );
    }

    #[test]
    fn dates_in_the_tills_time_zone_or_marked_utc() {
        let zurich = Zone::parse("Europe/Zurich").unwrap();
        assert_eq!(date(Lang::De, "2026-11-01 09:30:00", Some(&zurich)), "01.11.2026 10:30");
        assert_eq!(date(Lang::De, "2026-07-01 09:30:00", Some(&zurich)), "01.07.2026 11:30", "summer time");
        assert_eq!(date(Lang::En, "2026-11-01 09:30:00", None), "2026-11-01 09:30 UTC");
        assert_eq!(date(Lang::Fr, "2026-11-01T23:30:00Z", Some(&Zone::parse("+01:00").unwrap())), "02/11/2026 00:30");
        assert_eq!(date(Lang::En, "soon", None), "soon", "shown as given, not guessed");
        assert!(Zone::parse("Mars/Olympus").is_none() && Zone::parse("+25:00").is_none());
    }
}
