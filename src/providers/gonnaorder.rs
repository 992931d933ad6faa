//! GonnaOrder vouchers and loyalty for POS.
//!
//! From the POS guide (seeds/002) and GonnaOrder's own frontend (research/providers.md §3):
//! `POST /api/v1/auth/login` → `tokens.jwt` + `tokens.refreshToken`, used as `Authorization:
//! Bearer`; `POST /api/v1/auth/token/refresh` with the raw refresh token as the body; or a fixed
//! API token. Under `/api/v1/stores/{storeId}`: `loyalty/customer-vouchers` (GET, `memberCode`,
//! `phoneNumber`, `searchString`), `customer-voucher/validate/order` (POST `voucherCode`,
//! `totalNonDiscountedPrice`), `external-order` (POST; 201 without a body, or 500 without a body).
//! Errors: `{"errors":[{"code","message"}]}`; "member not found"; `{"active":false}`.
//!
//! The base URL: the guide names `api.gonnaorder.com` as the API base but logs in at
//! `admin.gonnaorder.com`, and every working client found uses `admin.gonnaorder.com` for all
//! calls, so that is the default (configurable).
//!
//! Assumed (README): the refresh body is sent as `text/plain`; "member not found" may come as a
//! 404 or as a 200 whose body is that string; token lifetimes are unknown, so tokens are replaced
//! only when refused (401: refresh once, then log in again, then `VL_AUTH`); a phone number without
//! a leading `+` (or `00`) is sent as `searchString`, for the server to add the store's prefix.
//!
//! Money safety: `submit_order` consumes the voucher's value and goes through the journal.
//! GonnaOrder documents no way to look an external order up, so a lost answer is reported in doubt
//! (settled by hand after a look at GonnaOrder's back office).

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::code::CodeRules;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse, encode_component};
use crate::journal::{Entry, typed};
use crate::log::{Level, Redactor};
use crate::money;
use crate::providers::token::{Authorized, Token, TokenCache, send_authorized};
use crate::providers::{self, Call, Provider, ProviderInfo};
use crate::request::Fields;
use crate::status::VlStatus;
use crate::transaction::{self, Answer, Check, Plan, Settlement};

const ID: &str = "gonnaorder";

/// The registry entry.
pub(crate) const INFO: ProviderInfo =
    ProviderInfo { id: ID, default_base_url: |_| Ok(Some("https://admin.gonnaorder.com".into())), create };

/// GonnaOrder codes are case-sensitive ("xyz", "DISCOUNT"): only trimmed.
const CODE_RULES: CodeRules = CodeRules { upper_case: false, strip_separators: false };

/// Store currencies (EUR, GBP, ...): two decimals.
const DECIMALS: u32 = 2;

fn create(fields: &mut Fields, settings: &Settings, redactor: &Redactor) -> Result<Box<dyn Provider>> {
    let store_id = match fields.take("store_id") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        None => return Err(Error::config("`store_id` is missing")),
        Some(_) => None,
    }
    .filter(|id| *id > 0)
    .ok_or_else(|| Error::config("`store_id` must be the store's number (e.g. 1234)"))?;
    let text = |f: &mut Fields, key: &str| f.opt_text(key, 1024).map_err(|e| Error::config(e.message));
    let auth = match (text(fields, "username")?, text(fields, "password")?, text(fields, "api_token")?) {
        (Some(username), Some(password), None) => {
            redactor.add(&password);
            Auth::Login { username, password }
        }
        (None, None, Some(token)) => {
            redactor.add(&token);
            Auth::Fixed(token)
        }
        (Some(_), None, None) => return Err(Error::config("`password` is missing (it goes with `username`)")),
        (None, Some(_), None) => return Err(Error::config("`username` is missing (it goes with `password`)")),
        (None, None, None) => return Err(Error::config("`username` + `password`, or `api_token`, is required")),
        _ => return Err(Error::config("give either `username` + `password` or `api_token`, not both")),
    };
    Ok(Box::new(GonnaOrder {
        api: format!("{}/api/v1", settings.base_url),
        store_id,
        auth,
        tokens: TokenCache::default(),
    }))
}

enum Auth {
    Login { username: String, password: String },
    Fixed(String),
}

/// How hard to try for a new token after a refusal: the refresh token first, then a new login.
#[derive(Clone, Copy, PartialEq)]
enum Renewal {
    Refresh,
    Login,
}

/// The GonnaOrder provider of one client (one store).
pub struct GonnaOrder {
    api: String,
    store_id: i64,
    auth: Auth,
    tokens: TokenCache,
}

impl GonnaOrder {
    fn store_path(&self, rest: &str) -> String {
        format!("/stores/{}/{rest}", self.store_id)
    }

    /// The bearer token: the fixed one, or a JWT (logging in, or refreshing after a refusal).
    fn token(&self, call: &Call, renewal: Renewal) -> Result<String> {
        let (username, password) = match &self.auth {
            Auth::Fixed(token) => return Ok(token.clone()),
            Auth::Login { username, password } => (username, password),
        };
        self.tokens.get(|old| {
            if let (Renewal::Refresh, Some(refresh)) = (renewal, old.and_then(|t| t.refresh.as_deref())) {
                match self.refresh(call, refresh) {
                    Ok(token) => return Ok(token),
                    Err(e) => call
                        .log(Level::Info, || format!("refreshing the token failed ({}): logging in again", e.message)),
                }
            }
            self.login(call, username, password)
        })
    }

    fn login(&self, call: &Call, username: &str, password: &str) -> Result<Token> {
        let request = HttpRequest::post_json(
            format!("{}/auth/login", self.api),
            "POST /api/v1/auth/login".into(),
            &json!({ "username": username, "password": password }),
        );
        let response = call.read(&request).map_err(|f| f.error(ID))?;
        if response.status == 401 || response.status == 403 {
            return Err(envelope_error(
                call,
                &response,
                VlStatus::VL_AUTH,
                "GonnaOrder refused the username or password",
            ));
        }
        let body = self.json(call, &response)?;
        let tokens = &body["tokens"];
        self.token_from(call, &tokens["jwt"], &tokens["refreshToken"], "login")
    }

    fn refresh(&self, call: &Call, refresh: &str) -> Result<Token> {
        let request = HttpRequest::post_text(
            format!("{}/auth/token/refresh", self.api),
            "POST /api/v1/auth/token/refresh".into(),
            "text/plain",
            refresh.into(),
        );
        let response = call.read(&request).map_err(|f| f.error(ID))?;
        if response.status == 401 || response.status == 403 {
            return Err(Error::new(VlStatus::VL_AUTH, "the refresh token was refused").with_provider(ID));
        }
        let body = self.json(call, &response)?;
        let tokens = if body.get("tokens").is_some() { &body["tokens"] } else { &body };
        self.token_from(call, &tokens["jwt"], &tokens["refreshToken"], "refresh")
    }

    fn token_from(&self, call: &Call, jwt: &Value, refresh: &Value, how: &str) -> Result<Token> {
        let jwt = jwt.as_str().ok_or_else(|| {
            Error::provider_failure(format!("unexpected {how} answer from GonnaOrder: no `jwt`")).with_provider(ID)
        })?;
        call.remember_secret(jwt);
        let refresh = refresh.as_str().map(str::to_string);
        if let Some(r) = &refresh {
            call.remember_secret(r);
        }
        call.log(Level::Debug, || format!("new token ({how})"));
        // The lifetime is not documented: a token is replaced when GonnaOrder refuses it.
        let far = std::time::Instant::now() + std::time::Duration::from_secs(365 * 24 * 3600);
        Ok(Token { value: jwt.to_string(), refresh, renew_at: far })
    }

    /// Sends a request with the token. After a 401: a refreshed token, then a new login (a
    /// fixed API token is not renewed).
    fn authorized(&self, call: &Call, build: impl Fn(&str) -> HttpRequest, is_read: bool) -> Authorized {
        let renewals = if matches!(self.auth, Auth::Fixed(_)) { 0 } else { 2 };
        let token = |n: usize| self.token(call, if n <= 1 { Renewal::Refresh } else { Renewal::Login });
        send_authorized(call, &self.tokens, token, renewals, build, is_read)
    }

    fn get(&self, call: &Call, path: &str, query: &[(&str, &str)]) -> Result<HttpResponse> {
        let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
        let url = format!("{}{path}?{}", self.api, query.join("&"));
        let build = |t: &str| {
            HttpRequest::get(url.clone(), format!("GET /api/v1{path}")).header("authorization", format!("Bearer {t}"))
        };
        self.authorized(call, build, true).into_read(ID)
    }

    fn post(&self, path: &str, body: &Value, token: &str) -> HttpRequest {
        HttpRequest::post_json(format!("{}{path}", self.api), format!("POST /api/v1{path}"), body)
            .header("authorization", format!("Bearer {token}"))
    }

    /// The JSON of a successful answer, or the error GonnaOrder's status and envelope mean.
    fn json(&self, call: &Call, response: &HttpResponse) -> Result<Value> {
        if !(200..300).contains(&response.status) {
            return Err(status_error(call, response));
        }
        providers::json_body(ID, response)
    }

    fn voucher_doc(v: &Value) -> Result<Value> {
        let kind = match v["discountType"].as_str() {
            Some("MONETARY") => "monetary",
            Some("PERCENTILE") => "percentage",
            other => {
                return Err(Error::provider_failure(format!("unexpected voucher type from GonnaOrder: {other:?}"))
                    .with_provider(ID));
            }
        };
        let discount = money::parse_decimal(&v["discount"], "discount").map_err(|e| {
            Error::provider_failure(format!("unexpected answer from GonnaOrder: {}", e.message)).with_provider(ID)
        })?;
        let discount = if kind == "monetary" { money::with_scale(discount, DECIMALS) } else { discount.normalize() };
        // The guide's own example spells one key " description ": accept it.
        let description = v.get("description").or_else(|| v.get(" description ")).cloned().unwrap_or(Value::Null);
        Ok(json!({
            "code": v["code"], "type": kind, "discount": discount.to_string(),
            "source": v["source"].as_str().map(str::to_ascii_lowercase), "description": description,
        }))
    }
}

/// The error an HTTP error status means, from the `errors` envelope where there is one.
fn status_error(call: &Call, response: &HttpResponse) -> Error {
    let fallback = match response.status {
        401 | 403 => VlStatus::VL_AUTH,
        404 => VlStatus::VL_NOT_FOUND,
        400 | 409 | 422 => VlStatus::VL_REJECTED,
        _ => VlStatus::VL_PROVIDER,
    };
    envelope_error(call, response, fallback, &format!("GonnaOrder answered HTTP {}", response.status))
}

fn envelope_error(call: &Call, response: &HttpResponse, fallback: VlStatus, fallback_message: &str) -> Error {
    let body: Option<Value> = response.text().and_then(|t| serde_json::from_str(t).ok());
    let first = body.as_ref().and_then(|b| b["errors"].get(0)).cloned();
    let code = first.as_ref().and_then(|e| e["code"].as_str()).map(str::to_string);
    let text = first
        .as_ref()
        .and_then(|e| e["message"].as_str())
        .or_else(|| body.as_ref().and_then(Value::as_str))
        .map(|m| call.redact(&providers::text_excerpt(m)));
    let status = match code.as_deref() {
        Some("VOUCHER_NOT_FOUND" | "ORDER_NOT_FOUND") => VlStatus::VL_NOT_FOUND,
        Some(
            "INVALID_CUSTOMER_VOUCHER"
            | "CUSTOMER_VOUCHER_ALREADY_CONSUMED"
            | "CUSTOMER_VOUCHER_NOT_SUPPORTED"
            | "CUSTOMER_VOUCHER_ALREADY_PRESENT"
            | "ORDER_MINIMUM_AMOUNT_NOT_MET"
            | "PROMOTION_NOT_ELIGIBLE"
            | "ORDER_WITH_VOUCHER_NOT_SUPPORTED",
        ) => VlStatus::VL_REJECTED,
        Some("UNAUTHORIZED_ERROR" | "ACCESS_DENIED") => VlStatus::VL_AUTH,
        // The configured store_id is wrong.
        Some("STORE_NOT_FOUND") => VlStatus::VL_CONFIG,
        // Our request was malformed: a bug to surface, not the cashier's fault.
        Some("INVALID_INPUT" | "INVALID_PARAMS" | "INTERNAL_ERROR") => VlStatus::VL_PROVIDER,
        _ => fallback,
    };
    let message = match (&text, status) {
        (Some(t), VlStatus::VL_REJECTED | VlStatus::VL_NOT_FOUND) => t.clone(),
        (Some(t), _) => format!("{fallback_message}: {t}"),
        (None, _) => fallback_message.to_string(),
    };
    let mut error = Error::new(status, message).with_provider(ID).with_http_status(response.status);
    if let Some(c) = code {
        error = error.with_provider_code(c);
    }
    if let Some(t) = text {
        error = error.with_provider_message(t);
    }
    error
}

/// An amount as a JSON number, exactly as written (never through a float).
fn number(amount: Decimal) -> Value {
    serde_json::from_str(&amount.to_string()).expect("a decimal is a JSON number")
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
pub fn discount_for(kind: &str, discount: Decimal, order_total: Decimal) -> Decimal {
    let raw = match kind {
        "percentage" => (order_total * discount / Decimal::from(100))
            .round_dp_with_strategy(DECIMALS, RoundingStrategy::MidpointAwayFromZero),
        _ => discount,
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
    fn id(&self) -> &'static str {
        ID
    }

    fn member_vouchers(&self, call: &Call, req: &mut Fields) -> Result<Value> {
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
        let response = self.get(call, &self.store_path("loyalty/customer-vouchers"), &pairs)?;
        let not_found = response.status == 404
            || response.text().is_some_and(|t| t.trim().trim_matches('"').eq_ignore_ascii_case("member not found"));
        if not_found {
            return Err(Error::not_found("GonnaOrder knows no member with this member code or phone number.")
                .with_provider(ID)
                .with_http_status(response.status)
                .with_provider_message(response.text().unwrap_or_default().trim().trim_matches('"').to_string()));
        }
        let body = self.json(call, &response)?;
        let vouchers = body.get("vouchers").and_then(Value::as_array).cloned().unwrap_or_default();
        let vouchers = vouchers.iter().map(Self::voucher_doc).collect::<Result<Vec<_>>>()?;
        Ok(json!({
            "provider": ID,
            "member": {
                "member_code": body["memberCode"], "name": body["name"],
                "phone_number": body["phoneNumber"], "email": body["email"],
            },
            "vouchers": vouchers,
            "raw": call.redact_json(body),
        }))
    }

    fn validate(&self, call: &Call, req: &mut Fields) -> Result<Value> {
        let code = req.code("code", CODE_RULES)?;
        call.hide_code(&code);
        let order_total = req.amount("order_total", DECIMALS)?;
        req.finish()?;
        let path = self.store_path("customer-voucher/validate/order");
        let body = json!({ "voucherCode": code, "totalNonDiscountedPrice": number(order_total) });
        let response = self.authorized(call, |t| self.post(&path, &body, t), true).into_read(ID)?;
        let answer = self.json(call, &response)?;
        match answer.get("active") {
            Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) => {
                return Err(Error::rejected("This voucher is not valid or has no value left.")
                    .with_provider(ID)
                    .with_http_status(response.status));
            }
            other => {
                return Err(Error::provider_failure(format!(
                    "unexpected answer from GonnaOrder: `active` is {}",
                    other.map_or("missing".to_string(), |v| v.to_string())
                ))
                .with_provider(ID)
                .with_http_status(response.status));
            }
        }
        let voucher = Self::voucher_doc(&answer["voucher"])?;
        let value: Decimal = voucher["discount"].as_str().and_then(|d| d.parse().ok()).unwrap_or_default();
        let discount = discount_for(voucher["type"].as_str().unwrap_or_default(), value, order_total);
        if let Some(theirs) =
            answer["order"].get("voucherDiscount").and_then(|d| money::parse_decimal(d, "voucherDiscount").ok())
            && theirs != discount
        {
            call.log(Level::Warn, || {
                format!("GonnaOrder computed a discount of {theirs}, the library {discount}: using {discount}")
            });
        }
        Ok(json!({
            "provider": ID,
            "valid": true,
            "code": code,
            "voucher": voucher,
            "discount": discount.to_string(),
            "order_total": order_total.to_string(),
            "total_after_discount": (order_total - discount).to_string(),
            "raw": call.redact_json(answer),
        }))
    }

    fn submit_order(&self, call: &Call, req: &mut Fields) -> Result<Value> {
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
        let mut body = json!({ "externalOrderId": order_id, "totalNonDiscountedPrice": number(order_total) });
        if let (Some(d), Some(a)) = (discount, after) {
            body["totalDiscount"] = number(d);
            body["totalDiscountedPrice"] = number(a);
        }
        if let Some(c) = &code {
            body["voucherCode"] = json!(c);
        }
        if let Some(m) = &member_code {
            body["memberCode"] = json!(m);
        }
        let path = self.store_path("external-order");
        let accepted = json!({ "provider": ID, "accepted": true, "order_id": order_id });
        transaction::execute(
            call,
            self,
            &key,
            |key| {
                Ok(Plan {
                    code: key.to_string(),
                    amount: discount,
                    currency: None,
                    evidence: Value::Null,
                    data: typed(&Order { order_id: order_id.clone() }),
                    context: (),
                })
            },
            |_, ()| {
                self.authorized(call, |t| self.post(&path, &body, t), false).attempt(ID, |response| {
                    match response.status {
                        201 => {
                            call.log(Level::Info, || format!("order {order_id} accepted"));
                            Answer::Done((accepted.clone(), Value::Null))
                        }
                        // Documented: "If failure, the status 500 is returned without a response body".
                        500 => Answer::Refused(
                            Error::provider_failure("GonnaOrder could not process the order (HTTP 500)")
                                .with_http_status(500),
                        ),
                        s => Answer::from_error(s, status_error(call, response)),
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
        assert_eq!(discount_for("monetary", d("5.50"), d("200")).to_string(), "5.50");
        assert_eq!(discount_for("monetary", d("50.00"), d("30.00")).to_string(), "30.00", "capped at the order total");
        assert_eq!(discount_for("percentage", d("10"), d("200.00")).to_string(), "20.00");
        assert_eq!(discount_for("percentage", d("10"), d("19.95")).to_string(), "2.00", "1.995 rounds up");
        assert_eq!(discount_for("percentage", d("12.5"), d("9.99")).to_string(), "1.25", "1.24875");
        assert_eq!(discount_for("percentage", d("150"), d("10.00")).to_string(), "10.00");
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
