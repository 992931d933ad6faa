//! e-guma, simulated: `/v1/vouchers/{code}/{balance,redeem,cancel_redemption}.json` and
//! `/v1/depot_vouchers/{code}/{activate_status,activate,deactivate_status,deactivate}.json`,
//! `apikey` in the query, JSON bodies in integer cents, plain-text errors.
//!
//! Strict where e-guma is documented (so a client bug fails here first): the API key, the method,
//! the path, `Content-Type: application/json` on POST, integer cents, known body fields only.
//! Where e-guma is not documented, it behaves as docs/providers.md's assumptions say: business refusals
//! on POST are HTTP 400 with a German text; balance answers an unknown code with
//! `is_redeemable: false`; a short code works on balance only.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Simulated;
use crate::server::{Request, Response, percent_decode};

const NOT_FOUND: &str = "Der Gutschein ist nicht vorhanden.";
const ALREADY_REDEEMED: &str = "Der Gutschein wurde bereits eingelöst.";
const NOT_REDEEMABLE: &str = "Der Gutschein kann nicht eingelöst werden.";
const TOO_MUCH: &str = "Der Betrag übersteigt das Guthaben des Gutscheins.";
const ALREADY_ACTIVATED: &str = "Der Gutschein wurde bereits aktiviert.";
const NOT_ACTIVATED: &str = "Der Gutschein wurde noch nicht aktiviert.";
const ALREADY_USED: &str = "Der Gutschein wurde bereits (teilweise) eingelöst.";

/// A voucher (fixture and state); `total` defaults to the balance.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(from = "VoucherFixture")]
struct Voucher {
    code: String,
    #[serde(with = "crate::money::cents")]
    balance: i64,
    #[serde(with = "crate::money::cents")]
    total: i64,
    redeemable: bool,
    message: Option<String>,
    short_codes: Vec<String>,
}

/// A voucher as a fixture may give it.
#[derive(Deserialize)]
struct VoucherFixture {
    code: String,
    #[serde(with = "crate::money::cents")]
    balance: i64,
    #[serde(default, with = "crate::money::cents_opt")]
    total: Option<i64>,
    #[serde(default = "yes")]
    redeemable: bool,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    short_codes: Vec<String>,
}

impl From<VoucherFixture> for Voucher {
    fn from(v: VoucherFixture) -> Voucher {
        let VoucherFixture { code, balance, total, redeemable, message, short_codes } = v;
        Voucher { code, balance, total: total.unwrap_or(balance), redeemable, message, short_codes }
    }
}

fn yes() -> bool {
    true
}

/// A depot voucher, sold at the till (fixture and state); without `amount` it takes any.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Depot {
    code: String,
    #[serde(default, with = "crate::money::cents_opt")]
    amount: Option<i64>,
    #[serde(default)]
    free_amount: bool,
    #[serde(default)]
    activated: bool,
}

/// A redemption made (state; a fixture may hold earlier ones).
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Redemption {
    #[serde(rename = "redeem_token")]
    token: String,
    code: String,
    #[serde(with = "crate::money::cents")]
    amount: i64,
    #[serde(default, with = "crate::money::cents")]
    cancelled: i64,
    #[serde(default)]
    reference_number: Option<String>,
}

/// Which shapes the simulated e-guma answers in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
enum Shapes {
    /// As e-guma documents its API now (`currency`, `product_id`, `extra`, `redeem_token`,
    /// `free_amount`).
    #[default]
    #[serde(rename = "documented")]
    Documented,
    /// As e-guma answered its vendor's clients in 2014 (recorded in ideacreation's EgumaClient-Win
    /// and EgumaWinCE logs): no `currency`, `book_as_discount` on balances, no `redeem_token` but
    /// `voucher_document_url` on redeems, no `free_amount` on activate status, `""` for no message.
    #[serde(rename = "recorded-2014")]
    Recorded2014,
}

/// The simulated e-guma account (its fixture format and its state).
#[derive(Debug, Deserialize, Serialize)]
pub struct Eguma {
    #[serde(default, rename = "answers")]
    shapes: Shapes,
    #[serde(default)]
    api_keys: Vec<String>,
    #[serde(default = "chf")]
    currency: String,
    #[serde(default)]
    vouchers: Vec<Voucher>,
    #[serde(default, rename = "depot_vouchers")]
    depot: Vec<Depot>,
    #[serde(default)]
    redemptions: Vec<Redemption>,
    /// Redeem tokens handed out so far (the next one's number).
    #[serde(skip)]
    tokens_issued: u64,
}

fn chf() -> String {
    "CHF".into()
}

/// A recognized e-guma request.
pub struct Route {
    /// Operation name (docs/api.md §6), for faults and statistics.
    pub operation: &'static str,
    code: String,
    post: bool,
}

impl Simulated for Eguma {
    const ID: &'static str = "eguma";
    const OPERATIONS: &'static [&'static str] = &[
        "balance",
        "redeem",
        "cancel_redemption",
        "activation_status",
        "activate",
        "deactivation_status",
        "deactivate",
    ];
    const DEMO_ENTRY: &'static str = r#"{"provider": "eguma", "api_key": "demo-outlet-1"}"#;
    const ITEMS: &'static [(&'static str, &'static str)] = &[("vouchers", "code"), ("depot_vouchers", "code")];
    type Route = Route;

    fn from_fixture(fixture: &Value) -> Result<Eguma, String> {
        let mut account: Eguma = serde_json::from_value(fixture.clone()).map_err(|e| format!("`eguma`: {e}"))?;
        if let Some(d) = account.depot.iter().find(|d| d.amount.is_none() && !d.free_amount) {
            return Err(format!("depot voucher {} needs an `amount` (or `free_amount`)", d.code));
        }
        account.tokens_issued = account.redemptions.len() as u64;
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
        if path == "/v1/hello.json" {
            return Err(Response::text(200, "OK"));
        }
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let [version, collection, code, file] = parts.as_slice() else {
            return Err(Response::text(404, "Not Found"));
        };
        let Some(action) = file.strip_suffix(".json") else {
            return Err(Response::text(404, "Not Found"));
        };
        let (operation, post) = match (*version, *collection, action) {
            ("v1", "vouchers", "balance") => ("balance", false),
            ("v1", "vouchers", "redeem") => ("redeem", true),
            ("v1", "vouchers", "cancel_redemption") => ("cancel_redemption", true),
            ("v1", "depot_vouchers", "activate_status") => ("activation_status", false),
            ("v1", "depot_vouchers", "activate") => ("activate", true),
            ("v1", "depot_vouchers", "deactivate_status") => ("deactivation_status", false),
            ("v1", "depot_vouchers", "deactivate") => ("deactivate", true),
            _ => return Err(Response::text(404, "Not Found")),
        };
        let expected = if post { "POST" } else { "GET" };
        if method != expected {
            return Err(Response::text(405, &format!("Method {method} not allowed, use {expected}")));
        }
        // e-guma accepts codes with or without the dashes of the printed form.
        let code = percent_decode(code).replace('-', "");
        Ok(Route { operation, code, post })
    }

    fn handle(&mut self, route: &Route, request: &Request) -> Response {
        match request.query_param("apikey") {
            Some(key) if self.api_keys.iter().any(|k| k == key) => {}
            _ => return Response::text(401, "Unauthorized: no valid API key"),
        }
        let body = if route.post {
            match json_body(request) {
                Ok(b) => b,
                Err(r) => return r,
            }
        } else {
            Map::new()
        };
        let result = match route.operation {
            "balance" => Ok(self.balance(&route.code)),
            "redeem" => self.redeem(&route.code, &body),
            "cancel_redemption" => self.cancel(&route.code, &body),
            "activation_status" => self.activate_status(&route.code),
            "activate" => self.activate(&route.code, &body),
            "deactivation_status" => self.deactivate_status(&route.code),
            "deactivate" => self.deactivate(&route.code, &body),
            _ => Err(Response::text(404, "Not Found")),
        };
        result.map(|v| Response::json(200, &v)).unwrap_or_else(|r| r)
    }
}

impl Eguma {
    fn balance(&self, code: &str) -> Value {
        let found = self.vouchers.iter().find(|v| v.code == code || v.short_codes.iter().any(|s| s == code));
        let answer = self.balance_documented(code, found);
        match self.shapes {
            Shapes::Documented => answer,
            // As recorded: {"code","is_redeemable","balance_in_cents","total_amount_in_cents","message":"","book_as_discount":false}
            Shapes::Recorded2014 => json!({
                "code": answer["code"], "is_redeemable": answer["is_redeemable"],
                "balance_in_cents": answer["balance_in_cents"], "total_amount_in_cents": answer["total_amount_in_cents"],
                "message": answer["message"].as_str().unwrap_or(""), "book_as_discount": false,
            }),
        }
    }

    fn balance_documented(&self, code: &str, found: Option<&Voucher>) -> Value {
        match found {
            None => json!({
                "code": code, "is_redeemable": false, "balance_in_cents": 0, "total_amount_in_cents": 0,
                "currency": self.currency, "product_id": null, "message": NOT_FOUND, "extra": null,
            }),
            Some(v) => {
                let message = v.message.clone().or_else(|| (v.balance == 0).then(|| ALREADY_REDEEMED.to_string()));
                json!({
                    "code": v.code, "is_redeemable": v.redeemable && v.balance > 0, "balance_in_cents": v.balance,
                    "total_amount_in_cents": v.total, "currency": self.currency, "product_id": 1,
                    "message": message, "extra": null,
                })
            }
        }
    }

    fn voucher_mut(&mut self, code: &str) -> Result<&mut Voucher, Response> {
        self.vouchers.iter_mut().find(|v| v.code == code).ok_or_else(|| Response::text(400, NOT_FOUND))
    }

    fn redeem(&mut self, code: &str, body: &Map<String, Value>) -> Result<Value, Response> {
        only_fields(body, &["amount_in_cents", "reference_number"])?;
        let amount = positive_cents(body, "amount_in_cents")?;
        let reference_number = optional_text(body, "reference_number")?;
        let voucher = self.voucher_mut(code)?;
        if !voucher.redeemable {
            return Err(Response::text(400, voucher.message.as_deref().unwrap_or(NOT_REDEEMABLE)));
        }
        if voucher.balance == 0 {
            return Err(Response::text(400, ALREADY_REDEEMED));
        }
        if amount > voucher.balance {
            return Err(Response::text(400, TOO_MUCH));
        }
        voucher.balance -= amount;
        let (code, balance) = (voucher.code.clone(), voucher.balance);
        self.tokens_issued += 1;
        let token = uuid_like(self.tokens_issued);
        self.redemptions.push(Redemption {
            token: token.clone(),
            code: code.clone(),
            amount,
            cancelled: 0,
            reference_number,
        });
        Ok(match self.shapes {
            Shapes::Documented => json!({ "code": code, "balance_in_cents": balance, "redeem_token": token }),
            Shapes::Recorded2014 => json!({
                "code": code, "balance_in_cents": balance,
                "voucher_document_url": format!("https://www.e-guma.ch//download?vId={token}"),
            }),
        })
    }

    fn cancel(&mut self, code: &str, body: &Map<String, Value>) -> Result<Value, Response> {
        only_fields(body, &["redeem_token", "amount_in_cents"])?;
        // Documented: by redeem_token. Without one (as e-guma's vendor's clients send it): the
        // most recent redemption of the voucher that still has that much to give back.
        let token = optional_text(body, "redeem_token")?;
        let amount = positive_cents(body, "amount_in_cents")?;
        self.voucher_mut(code)?;
        let redemption = self
            .redemptions
            .iter_mut()
            // Most recent first: a cancel follows its redemption.
            .rev()
            .find(|r| r.code == code && token.as_ref().map_or(r.amount - r.cancelled >= amount, |t| r.token == *t))
            .ok_or_else(|| Response::text(400, "Die Einlösung ist nicht vorhanden."))?;
        if amount > redemption.amount - redemption.cancelled {
            return Err(Response::text(400, "Der Betrag ist höher als der eingelöste Betrag."));
        }
        redemption.cancelled += amount;
        let voucher = self.voucher_mut(code)?;
        voucher.balance += amount;
        // e-guma echoes the code as it was sent.
        Ok(json!({ "code": code, "balance_in_cents": voucher.balance }))
    }

    fn depot(&self, code: &str) -> Result<&Depot, Response> {
        self.depot.iter().find(|d| d.code == code).ok_or_else(|| Response::text(400, NOT_FOUND))
    }

    fn activate_status(&self, code: &str) -> Result<Value, Response> {
        let d = self.depot(code)?;
        Ok(match self.shapes {
            Shapes::Documented => json!({
                "code": code, "can_be_activated": !d.activated, "free_amount": d.free_amount,
                "amount_in_cents": if d.free_amount { Value::Null } else { json!(d.amount) },
                "currency": self.currency, "product_id": 2,
                "message": if d.activated { json!(ALREADY_ACTIVATED) } else { Value::Null },
            }),
            // As recorded: {"code","can_be_activated","amount_in_cents","message":""}
            Shapes::Recorded2014 => json!({
                "code": code, "can_be_activated": !d.activated, "amount_in_cents": d.amount.unwrap_or(0),
                "message": if d.activated { ALREADY_ACTIVATED } else { "" },
            }),
        })
    }

    fn activate(&mut self, code: &str, body: &Map<String, Value>) -> Result<Value, Response> {
        only_fields(body, &["amount_in_cents"])?;
        let d = self.depot(code)?.clone();
        if d.activated {
            return Err(Response::text(400, ALREADY_ACTIVATED));
        }
        let amount = if d.free_amount {
            positive_cents(body, "amount_in_cents")?
        } else if body.contains_key("amount_in_cents") {
            return Err(Response::text(400, "Parameter amount_in_cents ist nur bei freiem Betrag erlaubt."));
        } else {
            d.amount.unwrap_or(0)
        };
        if let Some(dep) = self.depot.iter_mut().find(|x| x.code == code) {
            dep.activated = true;
        }
        self.vouchers.retain(|v| v.code != code);
        self.vouchers.push(Voucher {
            code: code.to_string(),
            balance: amount,
            total: amount,
            redeemable: true,
            message: None,
            short_codes: Vec::new(),
        });
        Ok(json!({ "code": code, "amount_in_cents": amount }))
    }

    /// Whether a sold depot voucher can be taken back, and its value; else the refusal text.
    fn deactivation_check(&self, code: &str) -> Result<Result<i64, &'static str>, Response> {
        let d = self.depot(code)?;
        if !d.activated {
            return Ok(Err(NOT_ACTIVATED));
        }
        match self.vouchers.iter().find(|v| v.code == code) {
            Some(v) if v.balance == v.total => Ok(Ok(v.total)),
            _ => Ok(Err(ALREADY_USED)),
        }
    }

    fn deactivate_status(&self, code: &str) -> Result<Value, Response> {
        Ok(match self.deactivation_check(code)? {
            Ok(amount) => {
                let none = if self.shapes == Shapes::Recorded2014 { json!("") } else { Value::Null };
                json!({ "code": code, "can_be_deactivated": true, "amount_in_cents": amount, "message": none })
            }
            Err(why) => {
                json!({ "code": code, "can_be_deactivated": false, "amount_in_cents": 0, "message": why })
            }
        })
    }

    fn deactivate(&mut self, code: &str, body: &Map<String, Value>) -> Result<Value, Response> {
        only_fields(body, &["deactivate_reason"])?;
        optional_text(body, "deactivate_reason")?;
        let amount = self.deactivation_check(code)?.map_err(|why| Response::text(400, why))?;
        if let Some(d) = self.depot.iter_mut().find(|x| x.code == code) {
            d.activated = false;
        }
        self.vouchers.retain(|v| v.code != code);
        Ok(json!({ "code": code, "amount_in_cents": amount }))
    }
}

/// The JSON object body of a POST, which e-guma wants as `application/json`. An empty body is no
/// parameters (e-guma's own clients activate and deactivate depot vouchers with none).
fn json_body(request: &Request) -> Result<Map<String, Value>, Response> {
    if request.body.is_empty() {
        return Ok(Map::new());
    }
    let content_type = request.header("content-type").unwrap_or("");
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err(Response::text(400, "Content-Type must be application/json"));
    }
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Response::text(400, "The request body must be a JSON object")),
    }
}

fn only_fields(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), Response> {
    match crate::unknown_field(body, allowed) {
        Some(k) => Err(Response::text(400, &format!("Unbekannter Parameter: {k}"))),
        None => Ok(()),
    }
}

/// A required integer number of cents > 0 (a string or a decimal is refused, as e-guma would).
fn positive_cents(body: &Map<String, Value>, key: &str) -> Result<i64, Response> {
    match body.get(key) {
        None | Some(Value::Null) => Err(Response::text(400, &format!("Parameter {key} fehlt."))),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(c) if c > 0 => Ok(c),
            _ => Err(Response::text(400, &format!("Parameter {key} muss eine positive ganze Zahl sein."))),
        },
        Some(_) => Err(Response::text(400, &format!("Parameter {key} muss eine ganze Zahl sein."))),
    }
}

fn optional_text(body: &Map<String, Value>, key: &str) -> Result<Option<String>, Response> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= 1024 => Ok(Some(s.clone())),
        Some(_) => Err(Response::text(400, &format!("Parameter {key} muss ein Text mit höchstens 1024 Zeichen sein."))),
    }
}

/// A redeem token in e-guma's UUID form, unique per simulator run.
fn uuid_like(n: u64) -> String {
    let seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0) as u64;
    let mix = seed.rotate_left(17) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        (mix >> 32) as u32,
        (mix >> 16) as u16,
        (mix & 0xfff) as u16,
        (n & 0xfff) as u16,
        n
    )
}
