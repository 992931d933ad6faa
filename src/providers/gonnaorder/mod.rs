//! GonnaOrder vouchers and loyalty for POS. The wire format, with the source of every fact, is in
//! [`wire`]; the login in [`auth`].
//!
//! Money safety: `submit_order` consumes the voucher's value and goes through the journal.
//! GonnaOrder documents no way to look an external order up, so a lost answer is reported in doubt
//! (settled by hand after a look at GonnaOrder's back office).

mod auth;
pub(crate) mod wire;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::code::{self, CodeRules};
use crate::config::{ReceiptCode, Settings};
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::i18n::{Said, Text};
use crate::journal::{Entry, typed};
use crate::log::Level;
use crate::model::{DiscountKind, Member, MemberVouchers, Offer, OrderAccepted, Raw, Validation};
use crate::money;
use crate::operation::Operation;
use crate::percent::encode_component;
use crate::providers::token::TokenCache;
use crate::providers::wire::{Meaning, Parsed, ProviderError, decimal_number, read_json};
use crate::providers::{self, Call, Codes, Probe, Provider, ProviderInfo};
use crate::request::Fields;
use crate::transaction::{self, Answer, Check, Plan, Settlement};
use auth::{Auth, Credentials};

pub(crate) const ID: &str = "gonnaorder";

/// The registry entry.
pub(crate) const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: wire::NAME,
    receipt_code: ReceiptCode::Masked,
    default_base_url: |_| Ok(Some(wire::BASE_URL.into())),
    create,
    config_keys: &["store_id", "username", "password", "api_token"],
    secret_keys: &["password", "api_token"],
    codes: Codes {
        read: |raw| code::normalize(raw, CODE_RULES, "code"),
        // Store vouchers are named by each store ("DISCOUNT"), loyalty vouchers by GonnaOrder
        // ("xyz"): the POS guide gives no form.
        shape: providers::any_code,
        names_itself: providers::never,
        own_fields: &[],
    },
    probe: Probe {
        operation: Operation::MemberVouchers,
        request: r#"{"member_code":"voucherlink-doctor-probe"}"#,
        proves: "logged in; GonnaOrder answered",
        lookup: (Operation::Validate, r#"{"order_total":"100.00"}"#),
    },
};

/// GonnaOrder codes are case-sensitive ("xyz", "DISCOUNT"): only trimmed.
const CODE_RULES: CodeRules = CodeRules { upper_case: false, strip_separators: false };

/// Store currencies (EUR, GBP, ...): two decimals.
const DECIMALS: u32 = 2;

fn create(fields: &mut Fields, settings: &Settings) -> Result<Box<dyn Provider>> {
    let store_id = match fields.take("store_id") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        None => return Err(Error::config("`store_id` is missing")),
        Some(_) => None,
    }
    .filter(|id| *id > 0)
    .ok_or_else(|| Error::config("`store_id` must be the store's number (e.g. 1234)"))?;
    let text = |f: &mut Fields, key: &str| f.opt_text(key, 1024).map_err(|e| Error::config(e.message));
    let credentials = match (text(fields, "username")?, text(fields, "password")?, text(fields, "api_token")?) {
        (Some(username), Some(password), None) => Credentials::Login { username, password },
        (None, None, Some(token)) => Credentials::Fixed(token),
        (Some(_), None, None) => return Err(Error::config("`password` is missing (it goes with `username`)")),
        (None, Some(_), None) => return Err(Error::config("`username` is missing (it goes with `password`)")),
        (None, None, None) => return Err(Error::config("`username` + `password`, or `api_token`, is required")),
        _ => return Err(Error::config("give either `username` + `password` or `api_token`, not both")),
    };
    let api = format!("{}{}", settings.base_url, wire::API);
    Ok(Box::new(GonnaOrder {
        auth: Auth { api: api.clone(), credentials, tokens: TokenCache::default() },
        api,
        store_id,
    }))
}

/// The GonnaOrder provider of one client (one store).
pub struct GonnaOrder {
    api: String,
    store_id: i64,
    auth: Auth,
}

impl GonnaOrder {
    fn store_path(&self, rest: &str) -> String {
        format!("/stores/{}/{rest}", self.store_id)
    }

    fn get(&self, call: &Call, path: &str, query: &[(&str, &str)]) -> Result<HttpResponse> {
        let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
        let url = format!("{}{path}?{}", self.api, query.join("&"));
        let build = |t: &str| {
            HttpRequest::get(url.clone(), format!("{}{path}", wire::API)).header("authorization", format!("Bearer {t}"))
        };
        self.auth.authorized(call, build, true).into_read(ID)
    }

    fn post(&self, path: &str, body: &Value, token: &str) -> HttpRequest {
        HttpRequest::post_json(format!("{}{path}", self.api), format!("{}{path}", wire::API), body)
            .header("authorization", format!("Bearer {token}"))
    }

    /// Reads a successful answer into `T`, or the error GonnaOrder's status and envelope mean.
    fn read<T: for<'de> serde::Deserialize<'de>>(&self, call: &Call, response: &HttpResponse) -> Result<Parsed<T>> {
        if !(200..300).contains(&response.status) {
            return Err(wire::error(response).into());
        }
        let mut answer = read_json::<T>(wire::NAME, response)?;
        answer.raw = call.redact_raw(answer.raw);
        Ok(answer)
    }
}

/// A voucher as the POS sees it: an amount off (in the store's currency) or a percentage off.
fn offer(v: wire::Voucher) -> Result<Offer> {
    let unusable = |what: &str| -> Error { ProviderError::unusable(wire::NAME, 200, what).into() };
    let kind = match v.discount_type.as_str() {
        "MONETARY" => DiscountKind::Monetary,
        "PERCENTILE" => DiscountKind::Percentage,
        other => return Err(unusable(&format!("unknown voucher type {other:?}"))),
    };
    let discount = money::parse_decimal(&v.discount, "discount").map_err(|e| unusable(&e.message))?;
    let discount =
        if kind == DiscountKind::Monetary { money::with_scale(discount, DECIMALS) } else { discount.normalize() };
    Ok(Offer {
        code: v.code,
        kind,
        discount,
        source: v.source.map(|s| s.to_ascii_lowercase()),
        description: v.description.unwrap_or(Value::Null),
    })
}

/// A phone number as typed: separators removed, `00` turned into `+`. With a `+` it is a
/// `phoneNumber`; without, a `searchString`, for GonnaOrder to add the store's prefix.
fn phone_query(raw: &str) -> Result<(&'static str, String)> {
    let mut cleaned: String = raw.chars().filter(|c| !c.is_whitespace() && !"-()./".contains(*c)).collect();
    if let Some(rest) = cleaned.strip_prefix("00") {
        cleaned = format!("+{rest}");
    }
    let digits = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    if digits.len() < 4 || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(format!("`phone_number` {raw:?} is not a phone number")));
    }
    Ok(if cleaned.starts_with('+') { ("phoneNumber", cleaned) } else { ("searchString", cleaned) })
}

/// The discount a voucher gives an order: a monetary voucher at most the order total; a
/// percentage rounded to the cent, half away from zero (10% of 19.95 = 2.00).
pub(crate) fn discount_for(kind: DiscountKind, discount: Decimal, order_total: Decimal) -> Decimal {
    let raw = match kind {
        DiscountKind::Percentage => (order_total * discount / Decimal::from(100))
            .round_dp_with_strategy(DECIMALS, RoundingStrategy::MidpointAwayFromZero),
        DiscountKind::Monetary => discount,
    };
    money::with_scale(raw.min(order_total), DECIMALS)
}

/// `order_id`: the POS's order number, a string or a whole number (sent as given).
fn read_order_id(req: &mut Fields) -> Result<Value> {
    match req.take("order_id") {
        None => Err(Error::invalid("`order_id` is missing")),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(Value::Number(n)),
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 64 && !s.chars().any(char::is_control) => {
            Ok(json!(s.trim()))
        }
        Some(_) => {
            Err(Error::invalid("`order_id` must be the POS's order number: a non-empty string or a whole number"))
        }
    }
}

impl Provider for GonnaOrder {
    /// The login (its request opens the way), or with a fixed API token one GET of the API.
    fn prepare(&self, call: &Call) -> Result<()> {
        match self.auth.credentials {
            Credentials::Login { .. } => self.auth.warm(call),
            Credentials::Fixed(_) => providers::open_way(call, &format!("{}/", self.api)),
        }
    }

    fn member_vouchers(&self, call: &Call, req: &mut Fields) -> Result<MemberVouchers> {
        let member_code = req.opt_text("member_code", 128)?.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
        let phone = req.opt_text("phone_number", 64)?;
        let search = req.opt_text("search", 128)?.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        req.finish()?;
        let mut query: Vec<(&str, String)> = Vec::new();
        match (&member_code, &phone, &search) {
            (_, _, Some(_)) if member_code.is_some() || phone.is_some() => {
                return Err(Error::invalid("give `search` alone, or `member_code` and/or `phone_number`"));
            }
            (None, None, None) => return Err(Error::invalid("`member_code`, `phone_number` or `search` is missing")),
            (_, _, Some(s)) => query.push(("searchString", s.clone())),
            _ => {
                if let Some(code) = &member_code {
                    call.hide_code(code);
                    query.push(("memberCode", code.clone()));
                }
                if let Some(p) = &phone {
                    let (param, value) = phone_query(p)?;
                    if param == "searchString" && member_code.is_some() {
                        return Err(Error::invalid(
                            "with `member_code`, give `phone_number` in international form (+30...)",
                        ));
                    }
                    query.push((param, value));
                }
            }
        }
        let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = self.get(call, &self.store_path(wire::CUSTOMER_VOUCHERS), &pairs)?;
        if wire::member_not_found(&response) {
            let text = response.text().map(|t| t.trim().trim_matches('"').to_string());
            return Err(ProviderError::new(Meaning::NotFound, response.status, "GonnaOrder knows no such member")
                .said(Said::new(Text::UnknownMember))
                .text(text.as_deref())
                .into());
        }
        let answer = self.read::<wire::Member>(call, &response)?;
        let m = answer.parsed;
        // Every field is optional on its own, but an answer that names no member at all is not the
        // member asked for (a proxy's or another service's JSON): not "a member without vouchers".
        if m.member_code.is_none() && m.name.is_none() && m.phone_number.is_none() && m.email.is_none() {
            return Err(ProviderError::unusable(wire::NAME, response.status, "the answer names no member").into());
        }
        Ok(MemberVouchers {
            provider: ID,
            member: Member { member_code: m.member_code, name: m.name, phone_number: m.phone_number, email: m.email },
            vouchers: m.vouchers.into_iter().map(offer).collect::<Result<_>>()?,
            raw: answer.raw,
        })
    }

    fn validate(&self, call: &Call, req: &mut Fields) -> Result<Validation> {
        let code = req.code("code", CODE_RULES)?;
        call.hide_code(&code);
        let order_total = req.amount("order_total", DECIMALS)?;
        req.finish()?;
        let path = self.store_path(wire::VALIDATE_ORDER);
        let body = json!({ "voucherCode": code, "totalNonDiscountedPrice": decimal_number(order_total) });
        let response = self.auth.authorized(call, |t| self.post(&path, &body, t), true).into_read(ID)?;
        let answer = self.read::<wire::Validation>(call, &response)?;
        let status = response.status;
        let v = answer.parsed;
        if !v.active {
            let refused = ProviderError::new(Meaning::Rejected, status, "GonnaOrder says the voucher is not active")
                .said(Said::new(Text::NoValue));
            return Err(refused.into());
        }
        let unusable =
            || -> Error { ProviderError::unusable(wire::NAME, status, "an active voucher without `voucher`").into() };
        let voucher = offer(v.voucher.ok_or_else(unusable)?)?;
        let discount = discount_for(voucher.kind, voucher.discount, order_total);
        let theirs =
            v.order.and_then(|o| o.voucher_discount).and_then(|d| money::parse_decimal(&d, "voucherDiscount").ok());
        if let Some(theirs) = theirs.filter(|t| *t != discount) {
            call.log(Level::Warn, || {
                format!("GonnaOrder computed a discount of {theirs}, the library {discount}: using {discount}")
            });
        }
        Ok(Validation {
            provider: ID,
            valid: true,
            code,
            voucher,
            discount,
            order_total,
            total_after_discount: order_total - discount,
            raw: answer.raw,
        })
    }

    fn submit_order(&self, call: &Call, req: &mut Fields) -> Result<OrderAccepted> {
        let order_id = read_order_id(req)?;
        let order_total = req.amount("order_total", DECIMALS)?;
        let discount = req.opt_amount_or_zero("discount", DECIMALS)?;
        let after = req.opt_amount_or_zero("total_after_discount", DECIMALS)?;
        let code = match req.has("code") {
            true => Some(req.code("code", CODE_RULES)?),
            false => None,
        };
        let member_code = req.opt_text("member_code", 128)?.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
        req.finish()?;
        match (discount, after) {
            (Some(d), Some(a)) if d > order_total || order_total - d != a => {
                return Err(Error::invalid(format!(
                    "the totals do not add up: `order_total` {order_total} - `discount` {d} must equal `total_after_discount` {a}"
                )));
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(Error::invalid("give `discount` and `total_after_discount` together (or neither)"));
            }
            _ => {}
        }
        if let Some(c) = &code {
            call.hide_code(c);
        }
        let key = code.clone().unwrap_or_else(|| format!("order:{order_id}"));
        let mut body = json!({ "externalOrderId": order_id, "totalNonDiscountedPrice": decimal_number(order_total) });
        if let (Some(d), Some(a)) = (discount, after) {
            body["totalDiscount"] = decimal_number(d);
            body["totalDiscountedPrice"] = decimal_number(a);
        }
        if let Some(c) = &code {
            body["voucherCode"] = json!(c);
        }
        if let Some(m) = &member_code {
            body["memberCode"] = json!(m);
        }
        let path = self.store_path(wire::EXTERNAL_ORDER);
        let accepted = OrderAccepted { provider: ID, accepted: true, order_id: order_id.clone() };
        transaction::execute(
            call,
            self,
            &key,
            |key| {
                Ok(Plan {
                    code: key.to_string(),
                    amount: discount,
                    currency: None,
                    evidence: Raw::NULL,
                    data: typed(&Order { order_id: order_id.clone() }),
                    context: (),
                })
            },
            |_, ()| {
                self.auth.authorized(call, |t| self.post(&path, &body, t), false).attempt(ID, |response| {
                    match response.status {
                        201 => {
                            call.log(Level::Info, || format!("order {order_id} accepted"));
                            Answer::Done((accepted.clone(), Raw::NULL))
                        }
                        // Documented: "If failure, the status 500 is returned without a response body".
                        500 => ProviderError::new(Meaning::Failed, 500, "GonnaOrder could not process the order")
                            .definite(true)
                            .answer(),
                        _ => wire::error(response).answer(),
                    }
                })
            },
            |_, ()| accepted.clone(),
        )
    }
}

/// The order an external-order entry reports (its journal data).
#[derive(serde::Serialize)]
struct Order {
    order_id: Value,
}

/// GonnaOrder documents no lookup of external orders: a lost answer stays in doubt until someone
/// looks in GonnaOrder's back office.
impl Settlement for GonnaOrder {
    fn check(&self, _call: &Call, _entry: &Entry) -> Check {
        Check::Unknown("GonnaOrder offers no way to look an external order up".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn discounts_in_decimal_capped_at_the_order_and_rounded_half_away_from_zero() {
        use DiscountKind::{Monetary, Percentage};
        assert_eq!(discount_for(Monetary, d("5.50"), d("200")).to_string(), "5.50");
        assert_eq!(discount_for(Monetary, d("50.00"), d("30.00")).to_string(), "30.00", "capped at the order total");
        assert_eq!(discount_for(Percentage, d("10"), d("200.00")).to_string(), "20.00");
        assert_eq!(discount_for(Percentage, d("10"), d("19.95")).to_string(), "2.00", "1.995 rounds up");
        assert_eq!(discount_for(Percentage, d("12.5"), d("9.99")).to_string(), "1.25", "1.24875");
        assert_eq!(discount_for(Percentage, d("150"), d("10.00")).to_string(), "10.00");
    }

    #[test]
    fn phone_numbers_are_cleaned_and_local_ones_searched() {
        assert_eq!(phone_query("+30 231 058 9248").unwrap(), ("phoneNumber", "+302310589248".into()));
        assert_eq!(phone_query("0030-2310-589248").unwrap(), ("phoneNumber", "+302310589248".into()));
        assert_eq!(phone_query("6987 482018").unwrap(), ("searchString", "6987482018".into()));
        assert!(phone_query("call me").is_err());
        assert!(phone_query("12").is_err());
    }
}
