//! Properties of money and codes, over many generated inputs (proptest).

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use voucherlink::internals::code::{self, CodeRules};
use voucherlink::internals::money::{self, AmountWanted};
use voucherlink::internals::session_id;

const LOOSE: CodeRules = CodeRules { upper_case: true, strip_separators: true };
const EXACT: CodeRules = CodeRules { upper_case: false, strip_separators: false };
const TREAZURE: CodeRules = CodeRules { upper_case: false, strip_separators: true };

fn amount(v: Value) -> Result<String, String> {
    money::parse_amount(&v, "amount", 2).map(|d| d.to_string()).map_err(|e| e.message)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any amount in cents survives text → Decimal → text, as a string and as a JSON number.
    #[test]
    fn amounts_round_trip_exactly(cents in 1i64..=100_000_000) {
        let text = format!("{}.{:02}", cents / 100, cents % 100);
        prop_assert_eq!(amount(json!(text.clone())), Ok(text.clone()));
        let number: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(amount(number), Ok(text.clone()));
        let d = money::parse_amount(&json!(text), "amount", 2).unwrap();
        prop_assert_eq!(money::to_minor_units(d, 2).unwrap(), cents);
        prop_assert_eq!(money::from_minor_units(cents, 2), d);
    }

    /// A third decimal that is not zero is always refused: never rounded away.
    #[test]
    fn more_decimals_are_refused_never_rounded(cents in 0i64..100_000_000, extra in 1u32..=9, more in "[0-9]{0,6}") {
        let text = format!("{}.{:02}{extra}{more}", cents / 100, cents % 100);
        let refused = amount(json!(text.clone()));
        prop_assert!(refused.is_err(), "{} accepted", text);
        prop_assert!(refused.unwrap_err().contains("more than 2 decimals"));
        let number: Value = serde_json::from_str(&text).unwrap();
        prop_assert!(amount(number).is_err());
    }

    /// Whatever the text, parsing either refuses or yields a positive amount within range with two
    /// decimals, and never panics.
    #[test]
    fn parsing_arbitrary_text_never_panics(text in "\\PC{0,40}") {
        if let Ok(s) = amount(json!(text)) {
            let d: Decimal = s.parse().unwrap();
            prop_assert!(d > Decimal::ZERO && d <= Decimal::from(1_000_000) && d.scale() == 2);
        }
    }

    /// remaining_to_pay takes min(remaining, balance); an exact amount is taken only if covered.
    #[test]
    fn the_amount_taken_is_never_more_than_asked_or_held(remaining in 1i64..1_000_000, balance in 0i64..1_000_000) {
        let (r, b) = (Decimal::new(remaining, 2), Decimal::new(balance, 2));
        match AmountWanted::UpTo(r).resolve(b, None) {
            Ok(taken) => prop_assert_eq!(taken, r.min(b)),
            Err(e) => prop_assert!(balance == 0 && e.status() == voucherlink::VlStatus::VL_REJECTED),
        }
        match AmountWanted::Exactly(r).resolve(b, None) {
            Ok(taken) => prop_assert!(taken == r && r <= b),
            Err(_) => prop_assert!(r > b),
        }
    }

    /// Normalizing twice changes nothing; case-sensitive rules never change a letter's case.
    #[test]
    fn code_normalization_is_idempotent_and_keeps_case_when_it_must(raw in "[ -~\\t]{0,40}") {
        for rules in [LOOSE, EXACT, TREAZURE] {
            if let Ok(once) = code::normalize(&raw, rules, "code") {
                prop_assert_eq!(code::normalize(&once, rules, "code").unwrap(), once.clone());
                if !rules.upper_case {
                    let kept: String = raw.trim().chars().filter(|c| !(rules.strip_separators && (*c == '-' || c.is_whitespace()))).collect();
                    prop_assert_eq!(once, kept);
                }
            }
        }
        if let Ok(id) = session_id(&raw) {
            prop_assert_eq!(session_id(&id).unwrap(), id.clone());
            prop_assert!(raw.contains(id.as_str()), "the session id is taken as written");
        }
    }

    /// Masking shows at most four characters and never more than a third of the code.
    #[test]
    fn masks_hide_most_of_the_code(code in "[A-Z0-9]{1,40}") {
        let masked = code::mask(&code);
        let shown = masked.trim_start_matches('*');
        prop_assert!(shown.len() <= 4 && shown.len() * 3 <= code.len());
        prop_assert!(code.ends_with(shown));
    }
}
