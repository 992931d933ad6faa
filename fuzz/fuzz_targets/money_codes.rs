//! Money parsing, code normalization, coupon URLs and the strict request reader, on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use voucherlink::internals::code::{self, CodeRules};
use voucherlink::internals::money;
use voucherlink::internals::session_id;
use voucherlink::internals::Fields;
use voucherlink::VlStatus;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for value in [json!(text), serde_json::from_str::<Value>(text).unwrap_or(Value::Null)] {
        if let Ok(d) = money::parse_amount(&value, "amount", 2) {
            assert!(d.scale() == 2 && !d.is_sign_negative());
            assert_eq!(money::from_minor_units(money::to_minor_units(d, 2).unwrap(), 2), d);
        }
    }
    for rules in [
        CodeRules { upper_case: true, strip_separators: true },
        CodeRules { upper_case: false, strip_separators: false },
        CodeRules { upper_case: false, strip_separators: true },
    ] {
        if let Ok(c) = code::normalize(text, rules, "code") {
            assert_eq!(code::normalize(&c, rules, "code").unwrap(), c);
            let _ = code::mask(&c);
        }
    }
    if let Ok(id) = session_id(text) {
        assert_eq!(session_id(&id).unwrap(), id);
    }
    if let Ok(mut fields) = Fields::parse(text, VlStatus::VL_INVALID_ARGUMENT, "request") {
        let _ = fields.opt_amount("amount", 2);
        let _ = fields.code("code", CodeRules { upper_case: true, strip_separators: true });
        let _ = fields.opt_bool("condensed");
        let _ = fields.finish();
    }
});
