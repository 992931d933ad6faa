//! Treazure gift cards, simulated: the OAuth2 token endpoint (`/identity/connect/token`) and
//! `/api/v1.0/Switch/giftcard/{GetBalance, Activate, Activate/Cancel, Redeem, Redeem/Cancel,
//! Issue, History}`.
//!
//! Documented (Treazure's API; sources in `src/providers/treazure/wire.rs`): client-credentials tokens valid one hour (here:
//! `token_lifetime_s`, default 3600) that cannot be refreshed; the `api_switch` scope; a card
//! identified by `CardId` or `SerialNumber` + `ScratchCode` (both: HTTP 400); the six statuses;
//! business failures `NotFound`, `WrongStatus`, `WrongCancelId` with HTTP 200; 400
//! `MandatoryParameterMissing` / `InvalidParameterValue` / `SyntaxError`; 401; the default headers
//! `SiteId`, `PosId`, `ReceiptReference`, `UtcOffset`; cancels only right after the operation.
//!
//! Assumed, because Treazure does not publish its gift-card JSON (docs/providers.md lists these, and the
//! client keeps the same assumptions in one place): POST with camelCase JSON bodies
//! (`cardId` | `serialNumber` + `scratchCode`, `amount` as a decimal number, `switchId`);
//! answers `{"success", "returnCode", "errorMessage", "giftcard": {...}, "redeemId" |
//! "activationId"}` like the sibling Switch APIs; cancels take `{"redeemId"}` / `{"activationId"}`;
//! the history path `/History` with `condensed`; history entries carry the `transactionId`.

use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::Simulated;
use crate::money::{cents_from_json, cents_to_string};
use crate::server::{Request, Response, percent_decode};

const STATUSES: [&str; 6] = ["Refunded", "Expired", "Void", "Created", "Active", "Redeemed"];

#[derive(Clone, Debug)]
struct Client {
    id: String,
    secret: String,
    scopes: Vec<String>,
}

#[derive(Clone, Debug)]
struct Token {
    value: String,
    scope: String,
    expires: Instant,
}

#[derive(Clone, Debug)]
struct HistoryEntry {
    at: String,
    shop_id: Option<String>,
    pos_id: Option<String>,
    receipt_nr: Option<String>,
    comment: String,
    old_status: String,
    new_status: String,
    mutation: i64,
    balance: i64,
    transaction_id: String,
    cancels: Option<String>,
}

#[derive(Clone, Debug)]
struct Card {
    card_id: String,
    serial_number: Option<String>,
    scratch_code: Option<String>,
    status: String,
    balance: i64,
    expires_at: Option<String>,
    article_set: Option<String>,
    history: Vec<HistoryEntry>,
}

/// The simulated Treazure tenant.
#[derive(Debug)]
pub struct Treazure {
    /// Answer field names in PascalCase (as an ASP.NET service configured so answers), instead of
    /// camelCase.
    pascal_case: bool,
    clients: Vec<Client>,
    currency: String,
    cards: Vec<Card>,
    token_lifetime: Duration,
    tokens: Vec<Token>,
    /// Every token handed out (for secrets audits: none may show up in a client's log).
    issued_tokens: Vec<String>,
    issued: u64,
}

/// A recognized Treazure request.
pub struct Route {
    /// Operation name (docs/api.md §6, plus `token`), for faults and statistics.
    pub operation: &'static str,
    endpoint: &'static str,
}

/// Headers the POS sends with every request.
struct Context {
    site_id: Option<String>,
    pos_id: Option<String>,
    receipt: Option<String>,
}

/// A JSON value with every object key in PascalCase (`cardId` → `CardId`).
fn pascal(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let mut chars = k.chars();
                    let key =
                        chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default();
                    (key, pascal(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(pascal).collect()),
        other => other,
    }
}

fn failure(code: &str, message: &str) -> Value {
    json!({ "success": false, "returnCode": code, "errorMessage": message })
}

fn bad_request(code: &str, message: &str) -> Response {
    Response::json(400, &json!({ "success": false, "returnCode": code, "errorMessage": message }))
}

impl Simulated for Treazure {
    const ID: &'static str = "treazure";
    const OPERATIONS: &'static [&'static str] =
        &["token", "balance", "activate", "cancel_activation", "redeem", "cancel_redemption", "issue", "history"];
    const DEMO_ENTRY: &'static str = r#"{"provider": "treazure", "client_id": "pos", "client_secret": "secret"}"#;
    const ITEMS: &'static [(&'static str, &'static str)] = &[("cards", "card_id")];
    type Route = Route;

    fn from_fixture(fixture: &Value) -> Result<Treazure, String> {
        let obj = fixture.as_object().ok_or("`treazure` must be an object")?;
        let list = |key: &str| obj.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let clients = list("clients")
            .iter()
            .map(|c| {
                Ok(Client {
                    id: text(c, "client_id").ok_or("a Treazure client needs `client_id`")?,
                    secret: text(c, "client_secret").ok_or("a Treazure client needs `client_secret`")?,
                    scopes: c
                        .get("scopes")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                        .unwrap_or_else(|| vec!["api_switch".to_string()]),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut cards = Vec::new();
        for c in list("cards") {
            let card_id = text(&c, "card_id").ok_or("every Treazure card needs a `card_id`")?;
            let status = text(&c, "status").unwrap_or_else(|| "active".into());
            let status = STATUSES
                .iter()
                .find(|s| s.eq_ignore_ascii_case(&status))
                .ok_or(format!("card {card_id}: unknown status {status:?}"))?
                .to_string();
            let balance = match c.get("balance") {
                None | Some(Value::Null) => 0,
                Some(b) => cents_from_json(b).map_err(|e| format!("card {card_id}: `balance` {e}"))?,
            };
            let history =
                c.get("history").and_then(Value::as_array).map(|h| h.iter().filter_map(history_from_json).collect());
            cards.push(Card {
                serial_number: text(&c, "serial_number"),
                scratch_code: text(&c, "scratch_code"),
                expires_at: text(&c, "expires_at"),
                article_set: text(&c, "article_set"),
                history: history.unwrap_or_default(),
                card_id,
                status,
                balance,
            });
        }
        let token_lifetime = Duration::from_secs(obj.get("token_lifetime_s").and_then(Value::as_u64).unwrap_or(3600));
        let pascal_case = match obj.get("casing").and_then(Value::as_str) {
            None | Some("camel") => false,
            Some("pascal") => true,
            Some(other) => return Err(format!("`treazure.casing` must be \"camel\" or \"pascal\", not {other:?}")),
        };
        Ok(Treazure {
            pascal_case,
            clients,
            currency: obj.get("currency").and_then(Value::as_str).unwrap_or("EUR").to_string(),
            issued: cards.len() as u64,
            cards,
            token_lifetime,
            tokens: Vec::new(),
            issued_tokens: Vec::new(),
        })
    }

    fn state(&self) -> Value {
        json!({
            "casing": if self.pascal_case { "pascal" } else { "camel" },
            "clients": self.clients.iter().map(|c| json!({"client_id": c.id, "client_secret": c.secret, "scopes": c.scopes})).collect::<Vec<_>>(),
            "currency": self.currency,
            "token_lifetime_s": self.token_lifetime.as_secs(),
            "tokens_issued": self.issued_tokens.len(),
            "issued_tokens": self.issued_tokens,
            "cards": self.cards.iter().map(|c| json!({
                "card_id": c.card_id, "serial_number": c.serial_number, "scratch_code": c.scratch_code,
                "status": c.status.to_ascii_lowercase(), "balance": cents_to_string(c.balance),
                "expires_at": c.expires_at, "article_set": c.article_set,
                "history": c.history.iter().map(|h| history_json(h, &self.currency, false)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }

    fn operation(route: &Route) -> &'static str {
        route.operation
    }

    fn route(request: &Request, path: &str) -> Result<Route, Response> {
        let method = request.method.as_str();
        let (operation, endpoint) = match path {
            "/identity/connect/token" => ("token", "token"),
            "/api/v1.0/Switch/giftcard/GetBalance" => ("balance", "GetBalance"),
            "/api/v1.0/Switch/giftcard/Activate" => ("activate", "Activate"),
            "/api/v1.0/Switch/giftcard/Activate/Cancel" => ("cancel_activation", "Activate/Cancel"),
            "/api/v1.0/Switch/giftcard/Redeem" => ("redeem", "Redeem"),
            "/api/v1.0/Switch/giftcard/Redeem/Cancel" => ("cancel_redemption", "Redeem/Cancel"),
            "/api/v1.0/Switch/giftcard/Issue" => ("issue", "Issue"),
            "/api/v1.0/Switch/giftcard/History" => ("history", "History"),
            _ => return Err(Response::text(404, "Not Found")),
        };
        if method != "POST" {
            return Err(Response::text(405, "Method not allowed, use POST"));
        }
        Ok(Route { operation, endpoint })
    }

    fn handle(&mut self, route: &Route, request: &Request) -> Response {
        if route.endpoint == "token" {
            return self.token(request);
        }
        if let Err(r) = self.authorize(request) {
            return r;
        }
        if !request.header("content-type").unwrap_or("").to_ascii_lowercase().starts_with("application/json") {
            return bad_request("SyntaxError", "Content-Type must be application/json");
        }
        let body = match serde_json::from_slice::<Value>(&request.body) {
            Ok(Value::Object(map)) => map,
            _ => return bad_request("SyntaxError", "The body must be a JSON object"),
        };
        if let Some(offset) = request.header("utcoffset")
            && !valid_offset(offset)
        {
            return bad_request("InvalidParameterValue", "UtcOffset must be in the format HH:mm");
        }
        let context = Context {
            site_id: request.header("siteid").map(str::to_string),
            pos_id: request.header("posid").map(str::to_string),
            receipt: request.header("receiptreference").map(str::to_string),
        };
        let answer = match route.endpoint {
            "GetBalance" => self.get_balance(&body),
            "Activate" => self.activate(&body, &context),
            "Activate/Cancel" => self.cancel(&body, &context, "activationId"),
            "Redeem" => self.redeem(&body, &context),
            "Redeem/Cancel" => self.cancel(&body, &context, "redeemId"),
            "Issue" => self.issue(&body, &context),
            "History" => self.history(&body),
            _ => return Response::text(404, "Not Found"),
        };
        match answer {
            Ok(v) if self.pascal_case => Response::json(200, &pascal(v)),
            Ok(v) => Response::json(200, &v),
            Err(r) => r,
        }
    }
}

impl Treazure {
    fn token(&mut self, request: &Request) -> Response {
        let oauth_error = |code: &str| Response::json(400, &json!({ "error": code }));
        if !request.header("content-type").unwrap_or("").starts_with("application/x-www-form-urlencoded") {
            return oauth_error("invalid_request");
        }
        let form: Vec<(String, String)> = String::from_utf8_lossy(&request.body)
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " "))))
            .collect();
        let field = |k: &str| form.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        if field("grant_type") != Some("client_credentials") {
            return oauth_error("unsupported_grant_type");
        }
        let Some(client) = self
            .clients
            .iter()
            .find(|c| Some(c.id.as_str()) == field("client_id") && Some(c.secret.as_str()) == field("client_secret"))
        else {
            return oauth_error("invalid_client");
        };
        let scope = field("scope").unwrap_or("api_switch").to_string();
        if !scope.split(' ').all(|s| client.scopes.iter().any(|c| c == s)) {
            return oauth_error("invalid_scope");
        }
        let now = Instant::now();
        self.tokens.retain(|t| t.expires > now);
        let value = format!("tz-{:016x}-{}", crate::random_u64(), self.issued_tokens.len() + 1);
        self.tokens.push(Token { value: value.clone(), scope: scope.clone(), expires: now + self.token_lifetime });
        self.issued_tokens.push(value.clone());
        Response::json(
            200,
            &json!({ "access_token": value, "expires_in": self.token_lifetime.as_secs(), "token_type": "Bearer", "scope": scope }),
        )
    }

    fn authorize(&self, request: &Request) -> Result<(), Response> {
        let unauthorized = || Response::json(401, &failure("AuthenticationFailed", "Unable to authenticate"));
        let bearer =
            request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).ok_or_else(unauthorized)?;
        let token = self.tokens.iter().find(|t| t.value == bearer).ok_or_else(unauthorized)?;
        if token.expires <= Instant::now() || !token.scope.split(' ').any(|s| s == "api_switch") {
            return Err(unauthorized());
        }
        Ok(())
    }

    /// The card a request identifies: exactly one of `cardId` or `serialNumber` + `scratchCode`.
    fn find_card(&mut self, body: &Map<String, Value>) -> Result<Result<usize, Value>, Response> {
        let text = |k: &str| -> Result<Option<&str>, Response> {
            match body.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(bad_request("SyntaxError", &format!("{k} must be a string"))),
            }
        };
        let (card_id, serial, scratch) = (text("cardId")?, text("serialNumber")?, text("scratchCode")?);
        text("switchId")?;
        let index = match (card_id, serial, scratch) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(bad_request("InvalidParameterValue", "Provide either CardId or SerialNumber, not both"));
            }
            (Some(id), None, None) => self.cards.iter().position(|c| c.card_id == id),
            (None, Some(serial), Some(scratch)) => self
                .cards
                .iter()
                .position(|c| c.serial_number.as_deref() == Some(serial) && c.scratch_code.as_deref() == Some(scratch)),
            (None, Some(_), None) => return Err(bad_request("MandatoryParameterMissing", "ScratchCode is missing")),
            (None, None, _) => {
                return Err(bad_request("MandatoryParameterMissing", "CardId or SerialNumber is missing"));
            }
        };
        Ok(match index {
            Some(i) => {
                self.expire(i);
                Ok(i)
            }
            None => Err(failure("NotFound", "Gift card not found")),
        })
    }

    /// A card past its expiry date is expired: its balance is fully redeemed.
    fn expire(&mut self, i: usize) {
        let card = &mut self.cards[i];
        // Dates as "YYYY-MM-DD HH:MM:SS" or ISO 8601 ("...T...Z"): compared as UTC text.
        let past = card.expires_at.as_deref().is_some_and(|e| {
            let e = e.replace('T', " ");
            e.get(..19).unwrap_or(&e) < crate::now_iso().as_str()
        });
        if past && card.status != "Expired" {
            let old = std::mem::replace(&mut card.status, "Expired".to_string());
            let mutation = -card.balance;
            card.balance = 0;
            let balance = card.balance;
            card.history.push(HistoryEntry {
                at: crate::now_iso(),
                shop_id: None,
                pos_id: None,
                receipt_nr: None,
                comment: "Expired".into(),
                old_status: old,
                new_status: "Expired".into(),
                mutation,
                balance,
                transaction_id: format!("exp-{}", crate::random_u64()),
                cancels: None,
            });
        }
    }

    fn card_json(&self, i: usize) -> Value {
        let c = &self.cards[i];
        json!({
            "cardId": c.card_id, "serialNumber": c.serial_number, "status": c.status,
            "balance": decimal(c.balance), "currency": self.currency,
            "expiryDate": c.expires_at, "articleSetCode": c.article_set,
        })
    }

    fn get_balance(&mut self, body: &Map<String, Value>) -> Result<Value, Response> {
        only_fields(body, &["cardId", "serialNumber", "scratchCode", "switchId"])?;
        Ok(match self.find_card(body)? {
            Ok(i) => json!({ "success": true, "returnCode": "Success", "giftcard": self.card_json(i) }),
            Err(f) => f,
        })
    }

    fn mutate(
        &mut self,
        i: usize,
        context: &Context,
        comment: &str,
        new_status: &str,
        mutation: i64,
        cancels: Option<String>,
    ) -> String {
        self.issued += 1;
        let id = format!("{}-{:08x}-{}", comment.to_ascii_lowercase(), crate::random_u64() as u32, self.issued);
        let card = &mut self.cards[i];
        let old = std::mem::replace(&mut card.status, new_status.to_string());
        card.balance += mutation;
        let balance = card.balance;
        card.history.push(HistoryEntry {
            at: crate::now_iso(),
            shop_id: context.site_id.clone(),
            pos_id: context.pos_id.clone(),
            receipt_nr: context.receipt.clone(),
            comment: comment.to_string(),
            old_status: old,
            new_status: new_status.to_string(),
            mutation,
            balance,
            transaction_id: id.clone(),
            cancels,
        });
        id
    }

    fn activate(&mut self, body: &Map<String, Value>, context: &Context) -> Result<Value, Response> {
        only_fields(body, &["cardId", "serialNumber", "scratchCode", "switchId", "amount"])?;
        let amount = amount(body)?;
        let i = match self.find_card(body)? {
            Ok(i) => i,
            Err(f) => return Ok(f),
        };
        let comment = match self.cards[i].status.as_str() {
            "Created" => "Activate",
            "Active" => "Load",
            other => {
                return Ok(failure(
                    "WrongStatus",
                    &format!("A card with status {other} cannot be activated or loaded"),
                ));
            }
        };
        let id = self.mutate(i, context, comment, "Active", amount, None);
        Ok(json!({ "success": true, "returnCode": "Success", "activationId": id, "giftcard": self.card_json(i) }))
    }

    fn redeem(&mut self, body: &Map<String, Value>, context: &Context) -> Result<Value, Response> {
        only_fields(body, &["cardId", "serialNumber", "scratchCode", "switchId", "amount"])?;
        let amount = amount(body)?;
        let i = match self.find_card(body)? {
            Ok(i) => i,
            Err(f) => return Ok(f),
        };
        let card = &self.cards[i];
        if card.status != "Active" {
            return Ok(failure("WrongStatus", &format!("A card with status {} cannot be redeemed", card.status)));
        }
        if amount > card.balance {
            return Ok(failure("WrongStatus", "Insufficient balance"));
        }
        let new_status = if card.balance == amount { "Redeemed" } else { "Active" };
        let id = self.mutate(i, context, "Redeem", new_status, -amount, None);
        Ok(json!({ "success": true, "returnCode": "Success", "redeemId": id, "giftcard": self.card_json(i) }))
    }

    /// Cancels an activation/load or a redemption, only while it is the card's last mutation.
    fn cancel(&mut self, body: &Map<String, Value>, context: &Context, id_field: &str) -> Result<Value, Response> {
        only_fields(body, &[id_field, "switchId"])?;
        let id = match body.get(id_field) {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => {
                return Err(bad_request("MandatoryParameterMissing", &format!("{id_field} is missing")));
            }
            Some(_) => return Err(bad_request("SyntaxError", &format!("{id_field} must be a string"))),
        };
        let wanted = if id_field == "redeemId" { "Redeem" } else { "Activate/Load" };
        let found = self.cards.iter().position(|c| {
            c.history.last().is_some_and(|h| h.transaction_id == id && wanted.split('/').any(|w| w == h.comment))
        });
        let Some(i) = found else {
            return Ok(failure(
                "WrongCancelId",
                "The cancel id is not valid (or no longer the last operation of the card)",
            ));
        };
        let last = self.cards[i].history.last().cloned().expect("found by its last entry");
        self.mutate(i, context, "Cancel", &last.old_status, -last.mutation, Some(id));
        Ok(json!({ "success": true, "returnCode": "Success", "giftcard": self.card_json(i) }))
    }

    fn issue(&mut self, body: &Map<String, Value>, context: &Context) -> Result<Value, Response> {
        only_fields(body, &["amount", "switchId"])?;
        let amount = amount(body)?;
        self.issued += 1;
        let card_id = format!("628000900{:07}", self.issued);
        self.cards.push(Card {
            card_id,
            serial_number: None,
            scratch_code: None,
            status: "Created".into(),
            balance: 0,
            expires_at: None,
            article_set: None,
            history: Vec::new(),
        });
        let i = self.cards.len() - 1;
        let id = self.mutate(i, context, "Issue", "Active", amount, None);
        Ok(json!({ "success": true, "returnCode": "Success", "activationId": id, "giftcard": self.card_json(i) }))
    }

    fn history(&mut self, body: &Map<String, Value>) -> Result<Value, Response> {
        only_fields(body, &["cardId", "serialNumber", "scratchCode", "switchId", "condensed"])?;
        let condensed = match body.get("condensed") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad_request("SyntaxError", "condensed must be a boolean")),
        };
        let i = match self.find_card(body)? {
            Ok(i) => i,
            Err(f) => return Ok(f),
        };
        let card = &self.cards[i];
        // Condensed: for people; cancelled operations and their cancels are left out.
        let cancelled: Vec<&str> = card.history.iter().filter_map(|h| h.cancels.as_deref()).collect();
        let entries: Vec<Value> = card
            .history
            .iter()
            .filter(|h| !condensed || (h.cancels.is_none() && !cancelled.contains(&h.transaction_id.as_str())))
            .map(|h| history_json(h, &self.currency, condensed))
            .collect();
        Ok(json!({ "success": true, "returnCode": "Success", "cardId": card.card_id, "history": entries }))
    }
}

fn history_json(h: &HistoryEntry, currency: &str, condensed: bool) -> Value {
    let mut v = json!({
        "timestamp": h.at, "shopId": h.shop_id, "posId": h.pos_id, "receiptNr": h.receipt_nr, "operatorId": null,
        "comment": h.comment, "oldStatus": h.old_status, "newStatus": h.new_status,
        "mutation": decimal(h.mutation), "balance": decimal(h.balance), "currency": currency,
    });
    if !condensed {
        v["transactionId"] = json!(h.transaction_id);
        v["cancels"] = json!(h.cancels);
    }
    v
}

fn history_from_json(v: &Value) -> Option<HistoryEntry> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let cents = |k: &str| v.get(k).and_then(|x| cents_from_json(x).ok().or_else(|| negative_cents(x)));
    Some(HistoryEntry {
        at: text("timestamp")?,
        shop_id: text("shopId"),
        pos_id: text("posId"),
        receipt_nr: text("receiptNr"),
        comment: text("comment").unwrap_or_default(),
        old_status: text("oldStatus").unwrap_or_default(),
        new_status: text("newStatus").unwrap_or_default(),
        mutation: cents("mutation")?,
        balance: cents("balance")?,
        transaction_id: text("transactionId").unwrap_or_default(),
        cancels: text("cancels"),
    })
}

fn negative_cents(v: &Value) -> Option<i64> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    let d: Decimal = text.parse().ok()?;
    i64::try_from(d * Decimal::from(100)).ok()
}

/// A decimal JSON number with two decimals (exact: written from cents).
fn decimal(cents: i64) -> Value {
    serde_json::from_str(&cents_to_string(cents)).expect("a decimal is a JSON number")
}

/// The `amount` of a request: a positive JSON number with at most two decimals.
fn amount(body: &Map<String, Value>) -> Result<i64, Response> {
    match body.get("amount") {
        None | Some(Value::Null) => Err(bad_request("MandatoryParameterMissing", "Amount is missing")),
        Some(v @ Value::Number(_)) => match cents_from_json(v) {
            Ok(c) if c > 0 => Ok(c),
            _ => Err(bad_request("InvalidParameterValue", "Amount must be positive with at most 2 decimals")),
        },
        Some(_) => Err(bad_request("SyntaxError", "Amount must be a number")),
    }
}

fn only_fields(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), Response> {
    match crate::unknown_field(body, allowed) {
        Some(k) => Err(bad_request("SyntaxError", &format!("Unknown property {k}"))),
        None => Ok(()),
    }
}

fn valid_offset(offset: &str) -> bool {
    let o = offset.strip_prefix(['+', '-']).unwrap_or(offset);
    let b = o.as_bytes();
    b.len() == 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
}
