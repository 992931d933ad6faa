//! Voucher codes as typed or scanned: normalization before sending, masking for logs.

use crate::error::{Error, Result};

/// The longest code any provider uses, with room to spare. Longer input is refused.
pub(crate) const MAX_CODE_LEN: usize = 128;

/// How a provider's codes are normalized. Each provider module declares one.
#[derive(Clone, Copy, Debug)]
pub struct CodeRules {
    /// Fold ASCII letters to upper case (only for providers whose codes are case-insensitive).
    pub upper_case: bool,
    /// Remove dashes and inner white space (`L4FU-5LQT-KJR3`, `L4FU 5LQT KJR3`).
    pub strip_separators: bool,
}

/// Normalizes a code from a request field: surrounding white space trimmed, then the provider's
/// rules applied. Refused with `VL_INVALID_ARGUMENT` (naming `field`): empty, longer than
/// 128 characters, or containing anything but printable ASCII.
pub fn normalize(raw: &str, rules: CodeRules, field: &str) -> Result<String> {
    if is_normal(raw, rules) {
        return Ok(raw.to_string());
    }
    let trimmed = raw.trim();
    let mut code = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if rules.strip_separators && (c == '-' || c.is_whitespace()) {
            continue;
        }
        if !c.is_ascii_graphic() {
            let what = if c.is_whitespace() {
                "white space".to_string()
            } else if c.is_control() {
                format!("a control character (U+{:04X})", c as u32)
            } else {
                format!("the character {c:?}")
            };
            return Err(Error::invalid(format!("`{field}` contains {what}, which no voucher code has")));
        }
        code.push(if rules.upper_case { c.to_ascii_uppercase() } else { c });
    }
    if code.is_empty() {
        return Err(Error::invalid(format!("`{field}` is empty")));
    }
    if code.len() > MAX_CODE_LEN {
        return Err(Error::invalid(format!(
            "`{field}` is too long ({} characters, at most {MAX_CODE_LEN})",
            code.len()
        )));
    }
    Ok(code)
}

/// Whether a code is already as [`normalize`] makes it (a scanned code usually is).
pub fn is_normal(code: &str, rules: CodeRules) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code.bytes().all(|b| {
            b.is_ascii_graphic()
                && !(rules.strip_separators && b == b'-')
                && !(rules.upper_case && b.is_ascii_lowercase())
        })
}

/// Masks a code for log lines: only the last characters stay readable (`********KJR3`).
///
/// At most a third of the code, and never more than four characters, is shown, so short codes
/// stay unguessable from a log.
pub fn mask(code: &str) -> String {
    let mut masked = String::with_capacity(12);
    push_masked(&mut masked, code);
    masked
}

/// Appends `code` to `out`, masked as [`mask`] does.
pub fn push_masked(out: &mut String, code: &str) {
    let count = code.chars().count();
    let shown = (count / 3).min(4);
    let hidden = count - shown;
    out.extend(std::iter::repeat_n('*', hidden.clamp(1, 8)));
    out.extend(code.chars().skip(hidden));
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOSE: CodeRules = CodeRules { upper_case: true, strip_separators: true };
    const EXACT: CodeRules = CodeRules { upper_case: false, strip_separators: false };

    #[test]
    fn typed_and_scanned_forms_normalize_to_the_same_code() {
        for typed in ["L4FU-5LQT-KJR3", "l4fu5lqtkjr3", "  L4FU 5LQT KJR3\t", "L4FU5LQTKJR3"] {
            assert_eq!(normalize(typed, LOOSE, "code").unwrap(), "L4FU5LQTKJR3", "{typed:?}");
        }
    }

    #[test]
    fn case_sensitive_codes_are_only_trimmed() {
        assert_eq!(normalize(" kkfiznr8Yp8630h82es8d ", EXACT, "code").unwrap(), "kkfiznr8Yp8630h82es8d");
        assert!(normalize("ab cd", EXACT, "code").is_err());
    }

    #[test]
    fn refuses_empty_long_and_non_ascii_codes() {
        for bad in ["", "   ", "--", "ABC\u{0}DEF", "ABCÄ", "A\u{7f}", &"A".repeat(MAX_CODE_LEN + 1)] {
            let err = normalize(bad, LOOSE, "code").expect_err(bad);
            assert!(err.message.contains("`code`"), "{}", err.message);
        }
    }

    #[test]
    fn masks_keep_only_a_short_tail() {
        assert_eq!(mask("L4FU5LQTKJR3"), "********KJR3");
        assert_eq!(mask("SHORT1"), "****T1");
        assert_eq!(mask("AB"), "**");
        assert!(!mask("6280001234567890").contains("62800012"));
    }
}
