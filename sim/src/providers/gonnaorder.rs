//! GonnaOrder vouchers and loyalty, simulated: `/api/v1/auth/login`, `/api/v1/auth/token/refresh`,
//! and under `/api/v1/stores/{storeId}`: `loyalty/customer-vouchers` (GET),
//! `customer-voucher/validate/order` (POST), `external-order` (POST).
//!
//! From the POS guide and GonnaOrder's own frontend (sources in `src/providers/gonnaorder/wire.rs`): login
//! answers `tokens.jwt` + `tokens.refreshToken`; the refresh endpoint takes the raw refresh token
//! as its body; errors use `{"errors":[{"code","message"}]}`; "member not found"; `{"active":false}`
//! for an invalid or empty voucher; external orders answer 201 without a body, or 500 without a
//! body on failure; the "API Business Logic" of external orders (below).
//!
//! Assumed where the guide is silent: token lifetimes (`jwt_lifetime_s`, default 3600;
//! `refresh_lifetime_s`, default 86400); "member not found" as HTTP 404 with that JSON string; an
//! unknown voucher code on validation as 404 `VOUCHER_NOT_FOUND`; loyalty credit of
//! `loyalty_rate` (default 0.05) of the order's discounted total, into the member's loyalty wallet
//! voucher when there is one, else the member's `points`; percentage discounts rounded to the cent,
//! half away from zero.

use std::time::{Duration, Instant};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Simulated;
use crate::money::{cents_from_json, cents_to_string};
use crate::server::{Request, Response};

/// A user of the API (fixture and state): `stores` limits the stores it may act for.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct User {
    username: String,
    password: String,
    #[serde(default)]
    stores: Option<Vec<i64>>,
}

/// A store (fixture and state).
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Store {
    id: i64,
    #[serde(default = "greek_prefix")]
    phone_prefix: String,
    #[serde(default = "euro")]
    currency: String,
    /// The share of a discounted total a member collects.
    #[serde(default = "five_percent")]
    loyalty_rate: Decimal,
}

fn greek_prefix() -> String {
    "+30".into()
}

fn euro() -> String {
    "EUR".into()
}

fn five_percent() -> Decimal {
    Decimal::new(5, 2)
}

/// A loyalty member (fixture and state).
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Member {
    store_id: i64,
    member_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone_number: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default, with = "crate::money::cents")]
    points: i64,
}

/// How often a voucher can be used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
enum Uses {
    /// Used up by one order.
    #[serde(rename = "ONE_TIME_USE")]
    OneTime,
    /// Any number of orders.
    #[default]
    #[serde(rename = "MULTI_USE")]
    Multi,
}

/// A voucher (fixture and state).
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Voucher {
    store_id: i64,
    code: String,
    /// Cents for MONETARY, hundredths of a percent for PERCENTILE.
    #[serde(with = "crate::money::cents")]
    discount: i64,
    #[serde(default = "monetary")]
    discount_type: String,
    #[serde(default = "store_source")]
    source: String,
    #[serde(default)]
    member_code: Option<String>,
    #[serde(default = "yes")]
    active: bool,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, rename = "type")]
    uses: Uses,
    #[serde(default, rename = "order_min_amount", with = "crate::money::cents_opt")]
    order_min: Option<i64>,
}

fn monetary() -> String {
    "MONETARY".into()
}

fn store_source() -> String {
    "STORE".into()
}

fn yes() -> bool {
    true
}

fn an_hour() -> u64 {
    3600
}

fn a_day() -> u64 {
    86_400
}

#[derive(Clone, Debug)]
struct Session {
    jwt: String,
    refresh: String,
    jwt_expires: Instant,
    refresh_expires: Instant,
    username: String,
}

/// The simulated GonnaOrder account (its fixture format and its state).
#[derive(Debug, Deserialize, Serialize)]
pub struct GonnaOrder {
    #[serde(default)]
    users: Vec<User>,
    #[serde(default)]
    api_tokens: Vec<String>,
    #[serde(default)]
    stores: Vec<Store>,
    #[serde(default)]
    members: Vec<Member>,
    #[serde(default)]
    vouchers: Vec<Voucher>,
    #[serde(default)]
    orders: Vec<Value>,
    #[serde(skip)]
    sessions: Vec<Session>,
    /// Every JWT and refresh token handed out (for secrets audits).
    #[serde(default)]
    issued_tokens: Vec<String>,
    #[serde(default = "an_hour", rename = "jwt_lifetime_s")]
    jwt_lifetime: u64,
    #[serde(default = "a_day", rename = "refresh_lifetime_s")]
    refresh_lifetime: u64,
    #[serde(default)]
    logins: u64,
    #[serde(default)]
    refreshes: u64,
}

/// A recognized GonnaOrder request.
pub struct Route {
    /// Operation name (docs/api.md §6, plus `login` and `refresh`), for faults and statistics.
    pub operation: &'static str,
    store: i64,
}

fn errors(status: u16, code: &str, message: &str) -> Response {
    Response::json(status, &json!({ "errors": [{ "code": code, "message": message }], "path": "", "method": "" }))
}

fn unauthorized() -> Response {
    errors(401, "UNAUTHORIZED_ERROR", "Full authentication is required")
}

impl Simulated for GonnaOrder {
    const ID: &'static str = "gonnaorder";
    const OPERATIONS: &'static [&'static str] = &["login", "refresh", "member_vouchers", "validate", "submit_order"];
    const DEMO_ENTRY: &'static str =
        r#"{"provider": "gonnaorder", "store_id": 155, "username": "pos@store.example", "password": "pw"}"#;
    const ITEMS: &'static [(&'static str, &'static str)] = &[("vouchers", "code")];
    type Route = Route;

    fn from_fixture(fixture: &Value) -> Result<GonnaOrder, String> {
        let account: GonnaOrder = serde_json::from_value(fixture.clone()).map_err(|e| format!("`gonnaorder`: {e}"))?;
        if let Some(v) =
            account.vouchers.iter().find(|v| !["MONETARY", "PERCENTILE"].contains(&v.discount_type.as_str()))
        {
            return Err(format!("voucher {}: `discount_type` must be MONETARY or PERCENTILE", v.code));
        }
        Ok(account)
    }

    fn state(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    fn operation(route: &Route) -> &'static str {
        route.operation
    }

    fn route(request: &Request, path: &str) -> Result<Route, Response> {
        let method = request.method.as_str();
        let expect = |m: &str| {
            if method == m { Ok(()) } else { Err(Response::text(405, &format!("Method not allowed, use {m}"))) }
        };
        match path {
            "/api/v1/auth/login" => return expect("POST").map(|_| Route { operation: "login", store: 0 }),
            "/api/v1/auth/token/refresh" => return expect("POST").map(|_| Route { operation: "refresh", store: 0 }),
            _ => {}
        }
        let rest = path.strip_prefix("/api/v1/stores/").ok_or_else(|| errors(404, "NOT_FOUND", "Not Found"))?;
        let (store, action) = rest.split_once('/').ok_or_else(|| errors(404, "NOT_FOUND", "Not Found"))?;
        let store: i64 = store.parse().map_err(|_| errors(400, "INVALID_PARAMS", "storeId must be a number"))?;
        let (operation, method_wanted) = match action {
            "loyalty/customer-vouchers" => ("member_vouchers", "GET"),
            "customer-voucher/validate/order" => ("validate", "POST"),
            "external-order" => ("submit_order", "POST"),
            _ => return Err(errors(404, "NOT_FOUND", "Not Found")),
        };
        expect(method_wanted)?;
        Ok(Route { operation, store })
    }

    fn handle(&mut self, route: &Route, request: &Request) -> Response {
        match route.operation {
            "login" => return self.login(request),
            "refresh" => return self.refresh(request),
            _ => {}
        }
        let user = match self.authorize(request) {
            Ok(u) => u,
            Err(r) => return r,
        };
        let Some(store) = self.stores.iter().find(|s| s.id == route.store).cloned() else {
            return errors(404, "STORE_NOT_FOUND", "Store not found");
        };
        if let Some(user) = self.users.iter().find(|u| Some(&u.username) == user.as_ref())
            && user.stores.as_ref().is_some_and(|s| !s.contains(&store.id))
        {
            return errors(403, "ACCESS_DENIED", "Access denied");
        }
        let body = || -> Result<Map<String, Value>, Response> {
            if !request.header("content-type").unwrap_or("").to_ascii_lowercase().starts_with("application/json") {
                return Err(errors(415, "INVALID_INPUT", "Content type must be application/json"));
            }
            match serde_json::from_slice::<Value>(&request.body) {
                Ok(Value::Object(m)) => Ok(m),
                _ => Err(errors(400, "INVALID_INPUT", "Failed to read request")),
            }
        };
        let result = match route.operation {
            "member_vouchers" => self.member_vouchers(&store, request),
            "validate" => body().and_then(|b| self.validate(&store, &b)),
            "submit_order" => body().and_then(|b| self.submit_order(&store, &b)),
            _ => Err(errors(404, "NOT_FOUND", "Not Found")),
        };
        result.unwrap_or_else(|r| r)
    }
}

impl GonnaOrder {
    fn login(&mut self, request: &Request) -> Response {
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&request.body) else {
            return errors(400, "INVALID_INPUT", "Failed to read request");
        };
        let field = |k: &str| body.get(k).and_then(Value::as_str);
        let Some(user) = self
            .users
            .iter()
            .find(|u| Some(u.username.as_str()) == field("username") && Some(u.password.as_str()) == field("password"))
            .cloned()
        else {
            return errors(401, "UNAUTHORIZED_ERROR", "Bad credentials");
        };
        self.logins += 1;
        let session = self.new_session(&user.username);
        Response::json(
            200,
            &json!({ "userId": 1, "username": user.username, "tokens": { "jwt": session.jwt, "refreshToken": session.refresh } }),
        )
    }

    fn refresh(&mut self, request: &Request) -> Response {
        let presented = String::from_utf8_lossy(&request.body).trim().trim_matches('"').to_string();
        let now = Instant::now();
        let Some(i) = self.sessions.iter().position(|s| s.refresh == presented && s.refresh_expires > now) else {
            return unauthorized();
        };
        self.refreshes += 1;
        let old = self.sessions.remove(i);
        let session = self.new_session(&old.username);
        Response::json(200, &json!({ "jwt": session.jwt, "refreshToken": session.refresh }))
    }

    fn new_session(&mut self, username: &str) -> Session {
        let now = Instant::now();
        self.sessions.retain(|s| s.refresh_expires > now);
        let n = self.logins + self.refreshes;
        let session = Session {
            jwt: format!("eyJhbGciOiJIUzI1NiJ9.go-{n}-{:x}", crate::random_u64()),
            refresh: format!("go-refresh-{n}-{:x}", crate::random_u64()),
            jwt_expires: now + Duration::from_secs(self.jwt_lifetime),
            refresh_expires: now + Duration::from_secs(self.refresh_lifetime),
            username: username.to_string(),
        };
        self.sessions.push(session.clone());
        self.issued_tokens.extend([session.jwt.clone(), session.refresh.clone()]);
        session
    }

    /// The user behind the bearer token (None for a fixed API token).
    fn authorize(&self, request: &Request) -> Result<Option<String>, Response> {
        let bearer =
            request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).ok_or_else(unauthorized)?;
        if self.api_tokens.iter().any(|t| t == bearer) {
            return Ok(None);
        }
        let now = Instant::now();
        match self.sessions.iter().find(|s| s.jwt == bearer) {
            Some(s) if s.jwt_expires > now => Ok(Some(s.username.clone())),
            _ => Err(unauthorized()),
        }
    }

    fn member_vouchers(&self, store: &Store, request: &Request) -> Result<Response, Response> {
        let param = |k: &str| request.query_param(k).filter(|v| !v.is_empty());
        let in_store = |m: &&Member| m.store_id == store.id;
        let member = match (param("memberCode"), param("phoneNumber"), param("searchString")) {
            (Some(code), Some(phone), _) => {
                self.members.iter().filter(in_store).find(|m| m.member_code == code && m.phone_number == phone)
            }
            (Some(code), None, _) => self.members.iter().filter(in_store).find(|m| m.member_code == code),
            (None, Some(phone), _) => self.members.iter().filter(in_store).find(|m| m.phone_number == phone),
            (None, None, Some(search)) => {
                // The guide: member code first; then a phone number, spaces removed, the store's
                // international prefix added when it does not start with "+".
                self.members.iter().filter(in_store).find(|m| m.member_code == search).or_else(|| {
                    let digits: String = search.chars().filter(|c| !c.is_whitespace()).collect();
                    let phone =
                        if digits.starts_with('+') { digits } else { format!("{}{digits}", store.phone_prefix) };
                    self.members.iter().filter(in_store).find(|m| m.phone_number == phone)
                })
            }
            (None, None, None) => {
                return Err(errors(400, "INVALID_PARAMS", "memberCode, phoneNumber or searchString is required"));
            }
        };
        let Some(member) = member else {
            return Ok(Response::json(404, &json!("member not found")));
        };
        let vouchers: Vec<Value> = self
            .vouchers
            .iter()
            .filter(|v| {
                v.store_id == store.id
                    && v.member_code.as_deref() == Some(member.member_code.as_str())
                    && v.active
                    && v.discount > 0
            })
            .map(voucher_json)
            .collect();
        let mut answer = json!({ "name": member.name, "phoneNumber": member.phone_number, "email": member.email, "memberCode": member.member_code });
        // As in the guide: a member without vouchers comes back without the key.
        if !vouchers.is_empty() {
            answer["vouchers"] = json!(vouchers);
        }
        Ok(Response::json(200, &answer))
    }

    fn validate(&self, store: &Store, body: &Map<String, Value>) -> Result<Response, Response> {
        only_fields(body, &["voucherCode", "totalNonDiscountedPrice"])?;
        let code = body
            .get("voucherCode")
            .and_then(Value::as_str)
            .ok_or_else(|| errors(400, "INVALID_INPUT", "voucherCode is required"))?;
        let total = money_field(body, "totalNonDiscountedPrice")?
            .ok_or_else(|| errors(400, "INVALID_INPUT", "totalNonDiscountedPrice is required"))?;
        let Some(voucher) = self.vouchers.iter().find(|v| v.store_id == store.id && v.code == code) else {
            return Err(errors(404, "VOUCHER_NOT_FOUND", "Voucher not found"));
        };
        if !voucher.active || voucher.discount <= 0 {
            return Ok(Response::json(200, &json!({ "active": false })));
        }
        if let Some(min) = voucher.order_min.filter(|m| total < *m) {
            return Err(errors(
                400,
                "ORDER_MINIMUM_AMOUNT_NOT_MET",
                &format!("The order minimum of {} is not met", cents_to_string(min)),
            ));
        }
        let discount = discount_of(voucher, total);
        Ok(Response::json(
            200,
            &json!({
                "active": true,
                "voucher": voucher_json(voucher),
                "order": { "totalNonDiscountedPrice": number(total), "voucherDiscount": number(discount), "totalDiscountedPrice": number(total - discount) },
            }),
        ))
    }

    fn submit_order(&mut self, store: &Store, body: &Map<String, Value>) -> Result<Response, Response> {
        // Failure is HTTP 500 without a body, as the guide documents.
        let fail = || Response::raw(500, "application/json", Vec::new());
        only_fields(
            body,
            &[
                "externalOrderId",
                "voucherCode",
                "memberCode",
                "totalNonDiscountedPrice",
                "totalDiscountedPrice",
                "totalDiscount",
            ],
        )
        .map_err(|_| fail())?;
        let order_id = match body.get("externalOrderId") {
            Some(v @ (Value::Number(_) | Value::String(_))) => v.clone(),
            _ => return Err(fail()),
        };
        let total = money_field(body, "totalNonDiscountedPrice").map_err(|_| fail())?.ok_or_else(fail)?;
        let mut discounted = money_field(body, "totalDiscountedPrice").map_err(|_| fail())?;
        let mut discount = money_field(body, "totalDiscount").map_err(|_| fail())?;
        let voucher_code = body.get("voucherCode").and_then(Value::as_str).map(str::to_string);
        let member_code = body.get("memberCode").and_then(Value::as_str).map(str::to_string);
        if self.orders.iter().any(|o| o["store_id"] == store.id && o["external_order_id"] == order_id) {
            return Err(fail());
        }
        let voucher_index = match &voucher_code {
            Some(code) => {
                Some(self.vouchers.iter().position(|v| v.store_id == store.id && &v.code == code).ok_or_else(fail)?)
            }
            None => None,
        };
        if member_code
            .as_ref()
            .is_some_and(|c| !self.members.iter().any(|m| m.store_id == store.id && &m.member_code == c))
        {
            return Err(fail());
        }
        // "If the POS does not submit the total discounted price and total discount, then
        // GonnaOrder will calculate it based on the voucher properties."
        if let Some(i) = voucher_index {
            let d = discount.unwrap_or_else(|| discount_of(&self.vouchers[i], total));
            discount = Some(d);
            discounted = Some(discounted.unwrap_or(total - d));
        }
        let discounted = discounted.unwrap_or(total - discount.unwrap_or(0));
        let mut voucher_value_after = None;
        if let Some(i) = voucher_index {
            let v = &mut self.vouchers[i];
            if !v.active {
                return Err(fail());
            }
            // The POS's discount is master; a monetary voucher never goes below zero.
            if v.discount_type == "MONETARY" {
                v.discount = (v.discount - discount.unwrap_or(0)).max(0);
                voucher_value_after = Some(v.discount);
            }
            if v.uses == Uses::OneTime {
                v.active = false;
            }
        }
        // Loyalty: points for the member, or for the loyalty monetary voucher.
        let credit = (Decimal::new(discounted, 2) * store.loyalty_rate)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        let credit = i64::try_from(credit * Decimal::from(100)).unwrap_or(0);
        let loyalty_voucher = voucher_index
            .filter(|&i| self.vouchers[i].source == "LOYALTY" && self.vouchers[i].discount_type == "MONETARY");
        let wallet_member =
            member_code.clone().or_else(|| loyalty_voucher.and_then(|i| self.vouchers[i].member_code.clone()));
        if credit > 0 {
            let wallet = loyalty_voucher.or_else(|| {
                let m = member_code.as_ref()?;
                self.vouchers.iter().position(|v| {
                    v.store_id == store.id
                        && v.member_code.as_ref() == Some(m)
                        && v.source == "LOYALTY"
                        && v.discount_type == "MONETARY"
                })
            });
            match (wallet, &wallet_member) {
                (Some(i), _) => self.vouchers[i].discount += credit,
                (None, Some(m)) => {
                    if let Some(member) =
                        self.members.iter_mut().find(|x| x.store_id == store.id && &x.member_code == m)
                    {
                        member.points += credit;
                    }
                }
                (None, None) => {}
            }
        }
        self.orders.push(json!({
            "store_id": store.id, "external_order_id": order_id, "voucher_code": voucher_code, "member_code": member_code,
            "total_non_discounted": cents_to_string(total), "total_discount": discount.map(cents_to_string),
            "total_discounted": cents_to_string(discounted), "voucher_value_after": voucher_value_after.map(cents_to_string),
            "loyalty_credit": cents_to_string(if wallet_member.is_some() { credit } else { 0 }),
        }));
        Ok(Response::raw(201, "application/json", Vec::new()))
    }
}

/// The discount a voucher gives an order: a monetary voucher at most the order total; a
/// percentage rounded to the cent, half away from zero.
fn discount_of(voucher: &Voucher, total: i64) -> i64 {
    match voucher.discount_type.as_str() {
        "PERCENTILE" => {
            let exact = Decimal::new(total, 2) * Decimal::new(voucher.discount, 2) / Decimal::from(100);
            let cents = exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero) * Decimal::from(100);
            i64::try_from(cents).unwrap_or(0).min(total)
        }
        _ => voucher.discount.min(total),
    }
}

fn voucher_json(v: &Voucher) -> Value {
    json!({ "code": v.code, "discount": number(v.discount), "discountType": v.discount_type, "source": v.source, "description": v.description })
}

/// A decimal JSON number from cents, with trailing zeros trimmed as GonnaOrder writes them (5.5, 200).
fn number(cents: i64) -> Value {
    serde_json::from_str(&Decimal::new(cents, 2).normalize().to_string()).expect("a decimal is a JSON number")
}

/// An optional amount field: a JSON number with at most two decimals.
fn money_field(body: &Map<String, Value>, key: &str) -> Result<Option<i64>, Response> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Number(_)) => cents_from_json(v)
            .map(Some)
            .map_err(|_| errors(400, "INVALID_INPUT", &format!("{key} is not a valid amount"))),
        Some(_) => Err(errors(400, "INVALID_INPUT", "Failed to read request")),
    }
}

fn only_fields(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), Response> {
    match crate::unknown_field(body, allowed) {
        // An unknown property: GonnaOrder's opaque "Failed to read request".
        Some(_) => Err(errors(400, "INVALID_INPUT", "Failed to read request")),
        None => Ok(()),
    }
}
