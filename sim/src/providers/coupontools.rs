//! Coupontools coupon sessions, simulated: `POST /v3/couponsession/data` and
//! `POST /v3/couponsession/update`.
//!
//! Documented (Coupontools' POS guide; sources in `src/providers/coupontools/wire.rs`): `X-Client-Id` / `X-Client-Secret` headers (or
//! `client_id` / `client_secret` POST values); JSON or form bodies; success `{"status":{"status":
//! "OK"}, ...}` with the session data of the guide (flags as "0"/"1" strings, dates
//! "YYYY-MM-DD HH:MM:SS" UTC or ""); failure `{"status":{"status":"failed","errors":{
//! "error_code", "error_message", "error_message_description"}}}` — code 1000 (a number) for
//! credentials, lists elsewhere; 200 missing parameter, 300 invalid character, 513 session not
//! found; `money_spent` in the format 0.000.
//!
//! Assumed (not public; the client keeps the same model, listed in docs/providers.md): the update takes
//! exactly one action flag — `validate`, `lock`, `unlock` or `void` — set to "1", plus
//! `money_spent` with `validate`; it answers like the data endpoint (`action: "update_session"`);
//! refusing to validate a validated or voided session (330, 332) or to lock a locked one (331);
//! the HTTP status is the one `error_message` names (401, 422, 404).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Simulated;
use crate::server::{Request, Response, percent_decode};

/// A coupon session (fixture and state).
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Session {
    session: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    coupon: String,
    #[serde(default, with = "crate::money::cents_opt")]
    value: Option<i64>,
    #[serde(default = "claimed_by_default")]
    claimed: bool,
    #[serde(default)]
    claim_date: String,
    #[serde(default)]
    validated: bool,
    #[serde(default)]
    validation_date: String,
    #[serde(default)]
    locked: bool,
    #[serde(default)]
    voided: bool,
    #[serde(default)]
    voided_date: String,
    #[serde(default)]
    expires_at: String,
    #[serde(default)]
    money_spent: Option<String>,
}

fn claimed_by_default() -> bool {
    true
}

/// An API client's credentials.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct ApiClient {
    client_id: String,
    client_secret: String,
}

/// How validated and voided sessions are answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum Answers {
    /// With the sample's flags (`validated: "1"`).
    #[default]
    Flags,
    /// By their dates only (`validation_date_utc`, `voided_date_utc`), as a real client reads them.
    Dates,
}

/// The simulated Coupontools account (its fixture format and its state).
#[derive(Debug, Deserialize, Serialize)]
pub struct Coupontools {
    #[serde(default)]
    answers: Answers,
    #[serde(default)]
    clients: Vec<ApiClient>,
    #[serde(default)]
    sessions: Vec<Session>,
}

/// A recognized Coupontools request.
pub struct Route {
    /// Operation name (docs/api.md §6), for faults and statistics.
    pub operation: &'static str,
    params: Map<String, Value>,
}

fn failed(http: u16, code: Value, message: &str, description: &str) -> Response {
    let reason = match http {
        401 => "401 Unauthorized",
        404 => "404 Not Found",
        _ => "422 Unprocessable entity",
    };
    Response::json(
        http,
        &json!({ "status": { "status": "failed", "errors": {
            "error_code": code, "error_message": format!("HTTP/1.0 {reason}. {message}"),
            "error_message_description": [description],
        }}}),
    )
}

fn parameter_error(code: u32, description: String) -> Response {
    failed(422, json!([code]), "", &format!("{code}: {description}"))
}

impl Simulated for Coupontools {
    const ID: &'static str = "coupontools";
    const OPERATIONS: &'static [&'static str] = &["balance", "redeem", "lock", "unlock", "void"];
    const DEMO_ENTRY: &'static str = r#"{"provider": "coupontools", "client_id": "ct", "client_secret": "secret"}"#;
    const ITEMS: &'static [(&'static str, &'static str)] = &[("sessions", "session")];
    type Route = Route;

    fn from_fixture(fixture: &Value) -> Result<Coupontools, String> {
        let account: Coupontools =
            serde_json::from_value(fixture.clone()).map_err(|e| format!("`coupontools`: {e}"))?;
        if account.sessions.iter().any(|s| s.session.is_empty()) {
            return Err("every Coupontools session needs `session`".into());
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
        let data = match path {
            "/v3/couponsession/data" => true,
            "/v3/couponsession/update" => false,
            _ => return Err(Response::text(404, "Not Found")),
        };
        if request.method != "POST" {
            return Err(Response::text(405, "Method not allowed, use POST"));
        }
        let params = params(request)?;
        let operation = if data {
            "balance"
        } else {
            let set = |k: &str| params.get(k).and_then(Value::as_str).is_some_and(|v| v == "1");
            match (set("validate"), set("lock"), set("unlock"), set("void")) {
                (true, false, false, false) => "redeem",
                (false, true, false, false) => "lock",
                (false, false, true, false) => "unlock",
                (false, false, false, true) => "void",
                _ => return Err(parameter_error(302, "Exactly one of validate, lock, unlock, void must be 1".into())),
            }
        };
        Ok(Route { operation, params })
    }

    fn handle(&mut self, route: &Route, request: &Request) -> Response {
        let credential = |header: &str, field: &str| {
            request
                .header(header)
                .map(str::to_string)
                .or_else(|| route.params.get(field).and_then(Value::as_str).map(str::to_string))
        };
        let (id, secret) = (credential("x-client-id", "client_id"), credential("x-client-secret", "client_secret"));
        if !self.clients.iter().any(|c| Some(&c.client_id) == id.as_ref() && Some(&c.client_secret) == secret.as_ref())
        {
            return failed(401, json!(1000), "Client ID or Secret not correct.", "Client ID or Secret not correct.");
        }
        let allowed: &[&str] = match route.operation {
            "balance" => &["couponsession", "client_id", "client_secret"],
            "redeem" => &["couponsession", "validate", "money_spent", "client_id", "client_secret"],
            op => &["couponsession", op, "client_id", "client_secret"],
        };
        if let Some(k) = crate::unknown_field(&route.params, allowed) {
            return parameter_error(302, format!("Unknown parameter: {k}"));
        }
        let session = match route.params.get("couponsession") {
            None | Some(Value::Null) => return parameter_error(200, "Missing parameter: couponsession".into()),
            Some(Value::String(s)) if s.is_empty() => {
                return parameter_error(200, "Missing parameter: couponsession".into());
            }
            Some(Value::String(s)) => s.clone(),
            Some(_) => return parameter_error(300, "Invalid character in parameter: couponsession".into()),
        };
        if !session.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return parameter_error(300, "Invalid character in parameter: couponsession".into());
        }
        // The short form (the coupon code) of the old docs is accepted too.
        let Some(i) = self.sessions.iter().position(|s| s.session == session) else {
            return failed(404, json!([513]), "", "513: Coupon session not found");
        };
        let now = crate::now_iso();
        let s = &mut self.sessions[i];
        match route.operation {
            "redeem" => {
                let money = match route.params.get("money_spent") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(m)) if is_money_spent(m) => Some(m.clone()),
                    Some(_) => {
                        return parameter_error(
                            301,
                            "Invalid numeric value in parameter: money_spent (format 0.000)".into(),
                        );
                    }
                };
                if s.voided {
                    return parameter_error(332, "Coupon session is voided".into());
                }
                if s.validated {
                    return parameter_error(330, format!("Coupon session already validated at {}", s.validation_date));
                }
                s.validated = true;
                s.validation_date = now;
                s.locked = false;
                s.money_spent = money;
            }
            "lock" => {
                if s.locked {
                    return parameter_error(331, "Coupon session is locked".into());
                }
                s.locked = true;
            }
            "unlock" => s.locked = false,
            "void" => {
                s.voided = true;
                s.voided_date = now;
            }
            _ => {}
        }
        let action = if route.operation == "balance" { "retrieve_all_session_data" } else { "update_session" };
        let mut answer = session_json(&self.sessions[i], action);
        if self.answers == Answers::Dates {
            let status = &mut answer["data"]["status"];
            if let Some(m) = status.as_object_mut() {
                m.retain(|k, _| k != "validated" && k != "voided");
            }
            status["voided_date_utc"] = json!(self.sessions[i].voided_date);
        }
        Response::json(200, &answer)
    }
}

impl Coupontools {}

fn session_json(s: &Session, action: &str) -> Value {
    let bit = |b: bool| if b { "1" } else { "0" };
    json!({
        "status": { "status": "OK" },
        "campaign": s.campaign,
        "action": action,
        "session": s.session,
        "session_url": format!("https://digicpn.com/p/{}/{}", s.coupon, s.session),
        "sequenceid": "19878460",
        "customid": "",
        "data": {
            "status": {
                "created_date_utc": "2019-03-25 10:43:50", "opened": "1", "claimed": bit(s.claimed), "claim_date_utc": s.claim_date,
                "validated": bit(s.validated), "validation_date_utc": s.validation_date, "validation_value": s.money_spent.clone().unwrap_or_default(),
                "voided": bit(s.voided), "locked": bit(s.locked), "value": s.value.map(crate::money::cents_to_string).unwrap_or_default(),
                "expiration_date": s.expires_at, "redeem_location_ID": "",
            },
            "campaign": { "ID": s.campaign, "code": s.coupon, "url": format!("https://digicpn.com/p/{}", s.coupon), "status": "live" },
        },
    })
}

/// `0.000`: digits, a dot, three decimals.
fn is_money_spent(m: &str) -> bool {
    m.split_once('.').is_some_and(|(i, f)| {
        !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) && f.len() == 3 && f.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The parameters of a POST: a JSON object or a form.
fn params(request: &Request) -> Result<Map<String, Value>, Response> {
    let content_type = request.header("content-type").unwrap_or("").to_ascii_lowercase();
    if content_type.starts_with("application/json") {
        return match serde_json::from_slice::<Value>(&request.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(parameter_error(300, "The body must be a JSON object".into())),
        };
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(String::from_utf8_lossy(&request.body)
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (percent_decode(&k.replace('+', " ")), Value::String(percent_decode(&v.replace('+', " ")))))
            .collect());
    }
    Err(parameter_error(300, "Send the parameters as JSON (or a form)".into()))
}
