//! Which provider a call of a client with several providers goes to (docs/api.md §10,
//! docs/routing.md): the request's `provider`; a scan or request that names its provider; the
//! entries' `codes` rules; the providers' documented code shapes; and the operation, when only one
//! provider has it. Reads may ask several candidates; money moves only where the code is known.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use regex_lite::{Regex, RegexBuilder};
use serde_json::Value;

use crate::code::MAX_CODE_LEN;
use crate::error::{Error, Result};
use crate::operation::Operation;
use crate::request::Fields;
use crate::status::VlStatus;

use super::account::Account;

/// Longest accepted `codes.pattern`.
const MAX_PATTERN_LEN: usize = 512;
/// Most `codes.prefixes` an entry may have.
const MAX_PREFIXES: usize = 64;
/// The most memory a compiled `codes.pattern` may take: a pattern written to blow up (`(a{999}){999}`)
/// is refused when the client is made, not met by a till in the middle of a sale. Matching is
/// linear in the code's length whatever the pattern (regex-lite: no backtracking).
const PATTERN_SIZE_LIMIT: usize = 256 * 1024;
/// How many codes a client remembers the provider of (the oldest are forgotten first).
pub(crate) const KNOWN_CODES: usize = 4096;

/// The `codes` rule of a provider entry: which codes belong to that account. Every part given
/// must hold; each is checked on the code as the provider itself reads it (normalized).
#[derive(Debug)]
pub struct CodeRule {
    prefixes: Vec<String>,
    lengths: Option<(usize, usize)>,
    pattern: Option<Regex>,
}

impl CodeRule {
    /// Reads a `codes` value: `{"prefixes": [..], "lengths": [min, max], "pattern": ".."}`.
    /// `read_code` is the provider's own reading of a code (prefixes are read the same way).
    /// Errors are `VL_CONFIG` naming the part.
    pub fn read(value: Value, read_code: fn(&str) -> Result<String>) -> Result<CodeRule> {
        let Value::Object(object) = value else {
            return Err(Error::config(
                "`codes` must be an object like {\"prefixes\": [\"628\"], \"lengths\": [16, 19], \"pattern\": \"...\"}",
            ));
        };
        let mut fields = Fields::from_object(object, VlStatus::VL_CONFIG, "configuration");
        let prefixes = match fields.take("prefixes") {
            None => Vec::new(),
            Some(Value::Array(list)) if list.is_empty() => {
                return Err(Error::config("`codes.prefixes` is empty: leave it out, or list at least one prefix"));
            }
            Some(Value::Array(list)) if list.len() > MAX_PREFIXES => {
                return Err(Error::config(format!(
                    "`codes.prefixes` has {} prefixes, at most {MAX_PREFIXES}",
                    list.len()
                )));
            }
            Some(Value::Array(list)) => list
                .into_iter()
                .enumerate()
                .map(|(i, p)| match p {
                    Value::String(text) => read_code(&text).map_err(|e| {
                        Error::config(format!("`codes.prefixes[{i}]` {text:?} cannot begin a code: {}", e.message))
                    }),
                    other => Err(Error::config(format!(
                        "`codes.prefixes[{i}]` must be a string, not {}",
                        crate::money::json_type_name(&other)
                    ))),
                })
                .collect::<Result<_>>()?,
            Some(_) => return Err(Error::config("`codes.prefixes` must be a list of strings: [\"628\", \"629\"]")),
        };
        let lengths = match fields.take("lengths") {
            None => None,
            Some(value) => Some(read_lengths(&value)?),
        };
        let pattern = match fields.opt_text("pattern", MAX_PATTERN_LEN)? {
            None => None,
            Some(p) if p.is_empty() => return Err(Error::config("`codes.pattern` is empty: leave it out")),
            Some(p) => Some(
                RegexBuilder::new(&format!("^(?:{p})$"))
                    .size_limit(PATTERN_SIZE_LIMIT)
                    .build()
                    .map_err(|e| Error::config(format!("`codes.pattern` is not a valid regular expression: {e}")))?,
            ),
        };
        fields.finish().map_err(|e| Error::config(format!("`codes`: {}", e.message)))?;
        if prefixes.is_empty() && lengths.is_none() && pattern.is_none() {
            return Err(Error::config("`codes` is empty: give `prefixes`, `lengths` or `pattern`"));
        }
        Ok(CodeRule { prefixes, lengths, pattern })
    }

    /// Whether a code (as the provider reads it) belongs to this entry.
    pub fn matches(&self, code: &str) -> bool {
        (self.prefixes.is_empty() || self.prefixes.iter().any(|p| code.starts_with(p.as_str())))
            && self.lengths.is_none_or(|(min, max)| (min..=max).contains(&code.chars().count()))
            && self.pattern.as_ref().is_none_or(|p| p.is_match(code))
    }
}

fn read_lengths(value: &Value) -> Result<(usize, usize)> {
    let bad = || {
        Error::config(format!("`codes.lengths` must be [min, max] with 1 ≤ min ≤ max ≤ {MAX_CODE_LEN}, not {value}"))
    };
    let Value::Array(pair) = value else { return Err(bad()) };
    let [min, max] = pair.as_slice() else { return Err(bad()) };
    let (Some(min), Some(max)) = (min.as_u64(), max.as_u64()) else { return Err(bad()) };
    let (min, max) = (min as usize, max as usize);
    if min == 0 || min > max || max > MAX_CODE_LEN {
        return Err(bad());
    }
    Ok((min, max))
}

/// Where a call goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// To this account: named, or the code or request says so.
    One(usize),
    /// To one of these accounts (in configured order): the code's shape fits each.
    Candidates(Vec<usize>),
}

/// Decides where a call goes (docs/api.md §10), taking the request's `provider`. Nothing is sent.
pub fn route(accounts: &[Account], op: Operation, req: &mut Fields) -> Result<Route> {
    if let Some(id) = req.opt_text("provider", 32)? {
        return named(accounts, &id).map(Route::One);
    }
    let code = req.peek_text("code").map(str::to_string);
    // A request or scan only one provider could mean.
    if let Some(i) = accounts.iter().position(|a| a.info.codes.own_fields.iter().any(|f| req.has(f))) {
        return Ok(Route::One(i));
    }
    if let Some(code) = &code {
        if let Some(i) = accounts.iter().position(|a| (a.info.codes.names_itself)(code)) {
            return Ok(Route::One(i));
        }
        // The entries' rules, in configured order: the first that matches decides.
        let ruled = accounts.iter().position(|a| {
            a.rule.as_ref().is_some_and(|rule| (a.info.codes.read)(code).is_ok_and(|c| rule.matches(&c)))
        });
        if let Some(i) = ruled {
            return Ok(Route::One(i));
        }
    }
    let supporters: Vec<usize> = (0..accounts.len()).filter(|&i| accounts[i].supports(op)).collect();
    if supporters.is_empty() {
        return Err(Error::unsupported(format!(
            "none of this client's providers ({}) has the operation `{}`",
            names(accounts, 0..accounts.len()),
            op.name()
        )));
    }
    let Some(code) = code else {
        // No code to route by (an issue, a member lookup): the providers that have the operation.
        return Ok(one_or_candidates(supporters));
    };
    // Each provider's documented shapes, among those with the operation.
    let mut refusals = Vec::new();
    let mut candidates = Vec::new();
    for &i in &supporters {
        let codes = &accounts[i].info.codes;
        match (codes.read)(&code) {
            Ok(read) if (codes.shape)(&read) => candidates.push(i),
            Ok(_) => {}
            Err(e) => refusals.push(e),
        }
    }
    if !candidates.is_empty() {
        return Ok(one_or_candidates(candidates));
    }
    if refusals.len() == supporters.len() {
        // No provider reads it as a code: the error a client of one provider gives.
        return Err(refusals.swap_remove(0));
    }
    Err(Error::not_found(format!(
        "no provider of this client has codes like this one ({}: none of their documented code forms fits); nothing \
         was sent",
        names(accounts, supporters.iter().copied())
    ))
    .with_providers(supporters.iter().map(|&i| accounts[i].id()).collect()))
}

/// The account a request's `provider` names.
pub fn named(accounts: &[Account], id: &str) -> Result<usize> {
    accounts.iter().position(|a| a.id() == id).ok_or_else(|| {
        let ids: Vec<&str> = accounts.iter().map(Account::id).collect();
        Error::invalid(format!("`provider` {id:?} is not a provider of this client (it has: {})", ids.join(", ")))
    })
}

fn one_or_candidates(list: Vec<usize>) -> Route {
    match list.as_slice() {
        [one] => Route::One(*one),
        _ => Route::Candidates(list),
    }
}

/// The provider names of some accounts, for messages: `e-guma, Treazure`.
pub fn names(accounts: &[Account], which: impl IntoIterator<Item = usize>) -> String {
    which.into_iter().map(|i| accounts[i].info.name).collect::<Vec<_>>().join(", ")
}

/// The codes a client has looked up, with the account that answered for each: where a
/// money-moving call with several candidates may go. Keyed by the code as scanned and as the
/// provider answered it (its canonical code); bounded, the oldest forgotten first.
#[derive(Default)]
pub struct Known {
    inner: Mutex<KnownInner>,
}

#[derive(Default)]
struct KnownInner {
    set: HashSet<(usize, String)>,
    order: VecDeque<(usize, String)>,
}

impl Known {
    /// Remembers that `account` answered for `code` (as scanned, and as it answered it).
    pub fn remember(&self, account: usize, scanned: &str, canonical: Option<&str>) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        for code in std::iter::once(scanned.trim()).chain(canonical) {
            let key = (account, code.to_string());
            if inner.set.insert(key.clone()) {
                inner.order.push_back(key);
                if inner.order.len() > KNOWN_CODES
                    && let Some(oldest) = inner.order.pop_front()
                {
                    inner.set.remove(&oldest);
                }
            }
        }
    }

    /// The candidates that answered for `code` in this client's lookups.
    pub fn which(&self, accounts: &[Account], candidates: &[usize], code: &str) -> Vec<usize> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let knows = |i: usize, c: &str| inner.set.contains(&(i, c.to_string()));
        candidates
            .iter()
            .copied()
            .filter(|&i| knows(i, code.trim()) || (accounts[i].info.codes.read)(code).is_ok_and(|read| knows(i, &read)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: Value) -> Result<CodeRule> {
        CodeRule::read(json, |raw| {
            crate::code::normalize(raw, crate::code::CodeRules { upper_case: true, strip_separators: true }, "code")
        })
    }

    #[test]
    fn a_rule_holds_when_every_part_given_holds() {
        let r = rule(serde_json::json!({"prefixes": ["628", "62-9"], "lengths": [16, 19]})).unwrap();
        assert!(r.matches("6280001234567890"));
        assert!(r.matches("6290001234567890"), "prefixes are read as the provider reads codes");
        assert!(!r.matches("628000123456789"), "15 characters");
        assert!(!r.matches("7280001234567890"));
        let r = rule(serde_json::json!({"pattern": "[A-Z0-9]{12}"})).unwrap();
        assert!(r.matches("L4FU5LQTKJR3"));
        assert!(!r.matches("L4FU5LQTKJR3X"), "the whole code matches, not a part");
    }

    #[test]
    fn bad_rules_are_refused_naming_the_part() {
        for (json, part) in [
            (serde_json::json!({"prefixes": []}), "`codes.prefixes` is empty"),
            (serde_json::json!({"prefixes": "628"}), "`codes.prefixes` must be a list"),
            (serde_json::json!({"prefixes": [628]}), "`codes.prefixes[0]` must be a string"),
            (serde_json::json!({"prefixes": ["Ä"]}), "`codes.prefixes[0]`"),
            (serde_json::json!({"lengths": [19, 16]}), "`codes.lengths`"),
            (serde_json::json!({"lengths": [0, 16]}), "`codes.lengths`"),
            (serde_json::json!({"lengths": [16]}), "`codes.lengths`"),
            (serde_json::json!({"lengths": [1, 1000]}), "`codes.lengths`"),
            (serde_json::json!({"pattern": "[A-Z"}), "`codes.pattern` is not a valid regular expression"),
            (serde_json::json!({"pattern": "(a{999}){999}"}), "`codes.pattern` is not a valid regular expression"),
            (serde_json::json!({"pattern": ""}), "`codes.pattern` is empty"),
            (serde_json::json!({}), "`codes` is empty"),
            (serde_json::json!({"prefix": ["6"]}), "unknown field `prefix`"),
            (serde_json::json!(["628"]), "`codes` must be an object"),
        ] {
            let err = rule(json.clone()).unwrap_err();
            assert_eq!(err.status(), VlStatus::VL_CONFIG, "{json}");
            assert!(err.message.contains(part), "{json}: {}", err.message);
        }
    }

    #[test]
    fn a_hostile_pattern_matches_in_linear_time() {
        // Catastrophic for a backtracking engine; regex-lite simulates the automaton instead.
        let r = rule(serde_json::json!({"pattern": "(A+)+B"})).unwrap();
        let started = std::time::Instant::now();
        assert!(!r.matches(&"A".repeat(MAX_CODE_LEN)));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
