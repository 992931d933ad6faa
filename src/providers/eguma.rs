//! e-guma (Switzerland): vouchers and depot vouchers, REST API v1.
//!
//! Wire format (research/providers.md §1): `apikey` query parameter on every request (one key per
//! outlet); paths `/v1/vouchers/{code}/{action}.json` and `/v1/depot_vouchers/{code}/{action}.json`;
//! JSON bodies with amounts in integer cents; errors as an HTTP status with a plain-text body.
//!
//! Assumptions, because e-guma does not document them (listed in the README too):
//! - A business refusal on a POST (unknown code, not redeemable, amount too high) comes as HTTP 400
//!   with the cashier's text, as e-guma's own client logs show for depot vouchers; it is mapped to
//!   `VL_REJECTED` with that text. HTTP 404, if e-guma ever sends it, is `VL_NOT_FOUND`.
//! - Balance answers `is_redeemable: false` for unknown codes too (e-guma lists "not found" among
//!   its reasons), so an unknown code is a voucher with `redeemable: false`, status `unknown`, and
//!   e-guma's message — not an error.
//! - Activate and deactivate answers come in two documented shapes (`amount_in_cents` or
//!   `balance_in_cents`); both are read.
//! - The account has one currency; answers without a `currency` use the last one seen.
//!
//! Money safety (API.md §7): e-guma has no transaction lookup, so a lost answer is resolved from
//! the voucher's state. A redeem or cancel: the balance read before (under the voucher's claim)
//! against the balance now. An activation or deactivation: the depot voucher's status. A
//! redemption whose answer was lost cannot be reversed (e-guma's cancel needs the lost
//! `redeem_token`); an activation can (deactivation).

use std::sync::Mutex;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::code::{self, CodeRules};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse, push_encoded};
use crate::journal::Entry;
use crate::log::{Level, Redactor};
use crate::model::{self, ActivationStatus, DeactivationStatus, Redemption, Voucher, VoucherStatus};
use crate::money::{self, AmountWanted};
use crate::operation::Operation;
use crate::providers::{self, Call, Provider, ProviderInfo};
use crate::request::{Fields, MAX_TEXT_LEN};
use crate::status::VlStatus;
use crate::transaction::{self, Outcome, Plan, Resolution, Undo};

const ID: &str = "eguma";

/// The registry entry.
pub(crate) const INFO: ProviderInfo =
    ProviderInfo { id: ID, default_base_url: |_| Ok(Some("https://api.e-guma.ch".into())), create };

/// e-guma codes: any case, with or without the dashes of the printed form (`L4FU-5LQT-KJR3`) or
/// spaces; sent upper case without separators, as the barcode reads.
const CODE_RULES: CodeRules = CodeRules { upper_case: true, strip_separators: true };

/// e-guma accounts are in CHF or EUR: cents.
const DECIMALS: u32 = 2;

/// e-guma's limit for `reference_number` and `deactivate_reason`.
const MAX_REFERENCE_LEN: usize = 1024;

/// Label on receipts.
const RECEIPT_LABEL: &str = "e-guma voucher";

fn create(fields: &mut Fields, settings: &Settings, redactor: &Redactor) -> Result<Box<dyn Provider>> {
    let api_key = fields.text("api_key", 256).map_err(|e| Error::config(e.message))?;
    redactor.add(&api_key);
    Ok(Box::new(Eguma { base_url: settings.base_url.clone(), api_key, currency: Mutex::new(None) }))
}

/// The e-guma provider of one client (one outlet: one API key).
pub struct Eguma {
    base_url: String,
    api_key: String,
    currency: Mutex<Option<String>>,
}

/// Which collection a code lives in.
#[derive(Clone, Copy)]
enum Kind {
    Voucher,
    Depot,
}

// ---- Answers, as e-guma sends them (unknown fields ignored) ----

#[derive(Deserialize)]
struct BalanceAnswer {
    code: Option<String>,
    is_redeemable: bool,
    balance_in_cents: i64,
    total_amount_in_cents: Option<i64>,
    currency: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
struct RedeemAnswer {
    code: Option<String>,
    balance_in_cents: i64,
    redeem_token: String,
}

#[derive(Deserialize)]
struct CancelAnswer {
    code: Option<String>,
    balance_in_cents: i64,
}

#[derive(Deserialize)]
struct ActivateStatusAnswer {
    code: Option<String>,
    can_be_activated: bool,
    free_amount: bool,
    amount_in_cents: Option<i64>,
    currency: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
struct DeactivateStatusAnswer {
    code: Option<String>,
    can_be_deactivated: bool,
    amount_in_cents: Option<i64>,
    message: Option<String>,
}

/// Activate and deactivate answers: `amount_in_cents` in one documented revision,
/// `balance_in_cents` in another.
#[derive(Deserialize)]
struct AmountAnswer {
    code: Option<String>,
    amount_in_cents: Option<i64>,
    balance_in_cents: Option<i64>,
}

impl AmountAnswer {
    fn cents(&self) -> Option<i64> {
        self.amount_in_cents.or(self.balance_in_cents)
    }
}

/// A parsed answer together with e-guma's JSON, for `raw`.
struct Answer<T> {
    parsed: T,
    raw: Value,
}

impl Eguma {
    fn url(&self, kind: Kind, code: &str, action: &str) -> (String, String) {
        let collection = match kind {
            Kind::Voucher => "vouchers",
            Kind::Depot => "depot_vouchers",
        };
        // Built by hand, not with format!: this runs on every call.
        let mut url = String::with_capacity(self.base_url.len() + code.len() + self.api_key.len() + 64);
        url.push_str(&self.base_url);
        let path_start = url.len();
        url.extend(["/v1/", collection, "/"]);
        let code_start = url.len();
        push_encoded(&mut url, code);
        let code_end = url.len();
        url.extend(["/", action, ".json"]);
        let mut log_target = String::with_capacity(url.len() - path_start);
        log_target.push_str(&url[path_start..code_start]);
        code::push_masked(&mut log_target, code);
        log_target.push_str(&url[code_end..]);
        url.push_str("?apikey=");
        push_encoded(&mut url, &self.api_key);
        (url, log_target)
    }

    fn get(&self, kind: Kind, code: &str, action: &str) -> HttpRequest {
        let (url, target) = self.url(kind, code, action);
        HttpRequest::get(url, target)
    }

    fn post(&self, kind: Kind, code: &str, action: &str, body: Value) -> HttpRequest {
        let (url, target) = self.url(kind, code, action);
        HttpRequest::post_json(url, target, &body)
    }

    fn remember_currency(&self, currency: Option<&str>) {
        if let Some(c) = currency.filter(|c| !c.is_empty()) {
            *self.currency.lock().unwrap_or_else(|p| p.into_inner()) = Some(c.to_string());
        }
    }

    fn currency(&self) -> Option<String> {
        self.currency.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sends a read (retried on connection failures and 5xx) and parses its answer.
    fn read<T: for<'de> Deserialize<'de>>(&self, call: &Call, request: HttpRequest) -> Result<Answer<T>> {
        let response = call.read(&request).map_err(|f| providers::failure_error(ID, &f))?;
        self.parse(call, &response)
    }

    /// Sends a money-moving request once. A lost, unreadable or 5xx answer is uncertain: e-guma
    /// may have applied it.
    fn write<T: for<'de> Deserialize<'de>>(&self, call: &Call, request: HttpRequest) -> Outcome<Answer<T>> {
        let response = match call.send(&request) {
            Ok(r) => r,
            Err(f) => return providers::failed_outcome(ID, f),
        };
        match self.parse(call, &response) {
            Ok(answer) => Outcome::Applied { doc: answer, result: Value::Null },
            Err(error) if response.status < 300 || response.status >= 500 => {
                Outcome::Uncertain { error, maybe_later: false }
            }
            Err(error) => Outcome::Refused(error),
        }
    }

    /// Turns an answer into `T`, or into the error e-guma's status and text mean.
    fn parse<T: for<'de> Deserialize<'de>>(&self, call: &Call, response: &HttpResponse) -> Result<Answer<T>> {
        if !(200..300).contains(&response.status) {
            return Err(status_error(call, response));
        }
        let raw = providers::json_body(ID, response)?;
        let parsed = T::deserialize(&raw).map_err(|e| {
            Error::provider_failure(format!("unexpected answer from e-guma: {e}"))
                .with_provider(ID)
                .with_http_status(response.status)
        })?;
        Ok(Answer { parsed, raw: call.redact_json(raw) })
    }

    /// Reads a voucher's balance (the canonical code comes back in it).
    fn fetch_balance(&self, call: &Call, code: &str) -> Result<Answer<BalanceAnswer>> {
        let answer: Answer<BalanceAnswer> = self.read(call, self.get(Kind::Voucher, code, "balance"))?;
        check_cents(answer.parsed.balance_in_cents, "balance_in_cents")?;
        self.remember_currency(answer.parsed.currency.as_deref());
        if let Some(canonical) = &answer.parsed.code {
            call.hide_code(canonical);
        }
        Ok(answer)
    }

    fn voucher_from_balance(&self, sent_code: &str, answer: Answer<BalanceAnswer>) -> Voucher {
        let b = &answer.parsed;
        let total = b.total_amount_in_cents.filter(|t| *t >= 0);
        let status = if b.is_redeemable {
            VoucherStatus::Active
        } else if b.balance_in_cents == 0 && total.is_some_and(|t| t > 0) {
            VoucherStatus::Redeemed
        } else {
            VoucherStatus::Unknown
        };
        Voucher {
            provider: ID,
            code: canonical(b.code.as_deref(), sent_code),
            status,
            redeemable: b.is_redeemable,
            balance: Some(money::from_minor_units(b.balance_in_cents, DECIMALS)),
            initial_amount: total.map(|t| money::from_minor_units(t, DECIMALS)),
            currency: b.currency.clone().or_else(|| self.currency()),
            message: non_empty(b.message.as_deref()),
            expires_at: None,
            restrictions: Vec::new(),
            transaction_id: None,
            details: Value::Null,
            raw: answer.raw,
        }
    }

    fn fetch_activation_status(&self, call: &Call, code: &str) -> Result<ActivationStatus> {
        let answer: Answer<ActivateStatusAnswer> = self.read(call, self.get(Kind::Depot, code, "activate_status"))?;
        let a = answer.parsed;
        self.remember_currency(a.currency.as_deref());
        let amount = match (a.free_amount, a.amount_in_cents) {
            (false, Some(cents)) => Some(money::from_minor_units(check_cents(cents, "amount_in_cents")?, DECIMALS)),
            _ => None,
        };
        Ok(ActivationStatus {
            code: canonical(a.code.as_deref(), code),
            can_activate: a.can_be_activated,
            free_amount: a.free_amount,
            amount,
            currency: a.currency.or_else(|| self.currency()),
            message: non_empty(a.message.as_deref()),
        })
    }

    fn fetch_deactivation_status(&self, call: &Call, code: &str) -> Result<DeactivationStatus> {
        let answer: Answer<DeactivateStatusAnswer> =
            self.read(call, self.get(Kind::Depot, code, "deactivate_status"))?;
        let a = answer.parsed;
        Ok(DeactivationStatus {
            code: canonical(a.code.as_deref(), code),
            can_deactivate: a.can_be_deactivated,
            amount: a.amount_in_cents.map(|c| money::from_minor_units(c, DECIMALS)),
            currency: self.currency(),
            message: non_empty(a.message.as_deref()),
        })
    }
}

impl Provider for Eguma {
    fn id(&self) -> &'static str {
        ID
    }

    fn balance(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let code = read_code(call, req)?;
        req.finish()?;
        let answer = self.fetch_balance(call, &code)?;
        Ok(self.voucher_from_balance(&code, answer))
    }

    fn redeem(&self, call: &Call, req: &mut Fields) -> Result<Redemption> {
        let code = read_code(call, req)?;
        let wanted = AmountWanted::read(req, DECIMALS)?;
        req.finish()?;

        let claim = transaction::claim(call, self, &code)?;
        let before = self.fetch_balance(call, &code)?;
        let code = canonical(before.parsed.code.as_deref(), &code);
        if !before.parsed.is_redeemable {
            return Err(refusal(non_empty(before.parsed.message.as_deref()), "This voucher cannot be redeemed."));
        }
        let balance = money::from_minor_units(before.parsed.balance_in_cents, DECIMALS);
        let currency = before.parsed.currency.clone().or_else(|| self.currency());
        let amount = wanted.resolve(balance, currency.as_deref()).map_err(|e| e.with_provider(ID))?;
        let cents = money::to_minor_units(amount, DECIMALS)?;
        let receipt = |left: Decimal, code: &str| {
            model::receipt_lines(RECEIPT_LABEL, code, "Redeemed", amount, Some(left), currency.as_deref())
        };
        let redemption = |code: String, left: Decimal, token: Option<String>| Redemption {
            provider: ID,
            receipt_lines: receipt(left, &code),
            code,
            amount: Some(amount),
            balance: Some(left),
            currency: currency.clone(),
            transaction_id: token,
        };
        let plan = Plan {
            code: code.clone(),
            amount: Some(amount),
            currency: currency.clone(),
            evidence: json!({ "balance_cents": before.parsed.balance_in_cents }),
            data: json!({ "amount_cents": cents }),
        };
        transaction::execute(
            call,
            self,
            &claim,
            plan,
            |_| {
                let body = json!({ "amount_in_cents": cents, "reference_number": reference_number(call) });
                self.write::<RedeemAnswer>(call, self.post(Kind::Voucher, &code, "redeem", body)).map(|answer| {
                    let r = answer.parsed;
                    let left = money::from_minor_units(r.balance_in_cents, DECIMALS);
                    if left != balance - amount {
                        call.log(Level::Warn, || {
                            format!("balance went from {balance} to {left} for a redemption of {amount}: the voucher was used elsewhere meanwhile")
                        });
                    }
                    call.log(Level::Info, || format!("redeemed {amount} from {code}, {left} left"));
                    let result = json!({ "redeem_token": r.redeem_token, "balance_cents": r.balance_in_cents });
                    (redemption(canonical(r.code.as_deref(), &code), left, Some(r.redeem_token)), result)
                })
            },
            // The redeem_token came in the lost answer: without it, e-guma cannot cancel this
            // redemption through the API (only in its back office).
            |_, seen| redemption(code.clone(), cents_seen(seen, balance - amount), None),
        )
    }

    fn cancel_redemption(&self, call: &Call, req: &mut Fields) -> Result<Redemption> {
        let code = read_code(call, req)?;
        let token = req.text("transaction_id", 256)?;
        let amount = req.amount("amount", DECIMALS)?;
        req.finish()?;

        let claim = transaction::claim(call, self, &code)?;
        // Gives the canonical code and currency, and the balance before (the evidence).
        let before = self.fetch_balance(call, &code)?;
        let code = canonical(before.parsed.code.as_deref(), &code);
        let currency = before.parsed.currency.clone().or_else(|| self.currency());
        let cents = money::to_minor_units(amount, DECIMALS)?;
        let cancelled = |code: String, left: Decimal| Redemption {
            provider: ID,
            receipt_lines: model::receipt_lines(
                RECEIPT_LABEL,
                &code,
                "Cancelled",
                amount,
                Some(left),
                currency.as_deref(),
            ),
            code,
            amount: Some(amount),
            balance: Some(left),
            currency: currency.clone(),
            transaction_id: Some(token.clone()),
        };
        let plan = Plan {
            code: code.clone(),
            amount: Some(amount),
            currency: currency.clone(),
            evidence: json!({ "balance_cents": before.parsed.balance_in_cents }),
            data: json!({ "redeem_token": token, "amount_cents": cents }),
        };
        let before_cents = before.parsed.balance_in_cents;
        transaction::execute(
            call,
            self,
            &claim,
            plan,
            |entry| {
                self.send_cancel(call, entry).map(|answer| {
                    let left = money::from_minor_units(answer.parsed.balance_in_cents, DECIMALS);
                    call.log(Level::Info, || format!("gave {amount} back to {code}, balance now {left}"));
                    let result = json!({ "balance_cents": answer.parsed.balance_in_cents });
                    (cancelled(canonical(answer.parsed.code.as_deref(), &code), left), result)
                })
            },
            |_, seen| {
                cancelled(code.clone(), cents_seen(seen, money::from_minor_units(before_cents + cents, DECIMALS)))
            },
        )
    }

    fn activation_status(&self, call: &Call, req: &mut Fields) -> Result<ActivationStatus> {
        let code = read_code(call, req)?;
        req.finish()?;
        self.fetch_activation_status(call, &code)
    }

    fn activate(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let code = read_code(call, req)?;
        let amount = req.opt_amount("amount", DECIMALS)?;
        req.finish()?;

        let claim = transaction::claim(call, self, &code)?;
        let status = self.fetch_activation_status(call, &code)?;
        if !status.can_activate {
            return Err(refusal(status.message, "This voucher cannot be activated."));
        }
        let value = match (status.free_amount, amount, status.amount) {
            (true, Some(a), _) => a,
            (true, None, _) => {
                return Err(Error::invalid(
                    "`amount` is missing: this depot voucher has a free amount, the cashier must enter it",
                ));
            }
            (false, Some(a), Some(fixed)) if a != fixed => {
                return Err(Error::invalid(format!(
                    "`amount` {a} differs from this depot voucher's fixed amount {fixed}: leave `amount` out"
                )));
            }
            (false, _, Some(fixed)) => fixed,
            (false, _, None) => {
                return Err(
                    Error::provider_failure("e-guma gave no amount for a fixed-amount depot voucher").with_provider(ID)
                );
            }
        };
        let cents = money::to_minor_units(value, DECIMALS)?;
        let code = status.code.clone();
        let activated = |code: String, value: Decimal, raw: Value| Voucher {
            provider: ID,
            code,
            status: VoucherStatus::Active,
            redeemable: true,
            balance: Some(value),
            initial_amount: Some(value),
            currency: status.currency.clone(),
            message: None,
            expires_at: None,
            restrictions: Vec::new(),
            transaction_id: None,
            details: Value::Null,
            raw,
        };
        let plan = Plan {
            code: code.clone(),
            amount: Some(value),
            currency: status.currency.clone(),
            evidence: Value::Null,
            data: json!({ "amount_cents": cents, "free_amount": status.free_amount }),
        };
        transaction::execute(
            call,
            self,
            &claim,
            plan,
            |_| {
                // e-guma takes an amount only for free-amount vouchers.
                let body = if status.free_amount { json!({ "amount_in_cents": cents }) } else { json!({}) };
                self.write::<AmountAnswer>(call, self.post(Kind::Depot, &code, "activate", body)).map(|answer| {
                    let value = answer
                        .parsed
                        .cents()
                        .filter(|c| *c >= 0)
                        .map(|c| money::from_minor_units(c, DECIMALS))
                        .unwrap_or(value);
                    let code = canonical(answer.parsed.code.as_deref(), &code);
                    call.log(Level::Info, || format!("activated {code} with {value}"));
                    (activated(code, value, answer.raw), Value::Null)
                })
            },
            |_, seen| activated(code.clone(), value, seen.clone()),
        )
    }

    fn deactivation_status(&self, call: &Call, req: &mut Fields) -> Result<DeactivationStatus> {
        let code = read_code(call, req)?;
        req.finish()?;
        self.fetch_deactivation_status(call, &code)
    }

    fn deactivate(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let code = read_code(call, req)?;
        let reason = req.opt_text("reason", MAX_TEXT_LEN)?;
        req.finish()?;

        let claim = transaction::claim(call, self, &code)?;
        // e-guma: "Use Deactivate Status before calling this method."
        let status = self.fetch_deactivation_status(call, &code)?;
        if !status.can_deactivate {
            return Err(refusal(status.message, "This voucher cannot be deactivated."));
        }
        let code = status.code.clone();
        let deactivated = |code: String, value: Option<Decimal>, raw: Value| Voucher {
            provider: ID,
            code,
            // Back on the stack: the depot voucher can be sold again.
            status: VoucherStatus::Created,
            redeemable: false,
            balance: Some(money::from_minor_units(0, DECIMALS)),
            initial_amount: value,
            currency: status.currency.clone(),
            message: None,
            expires_at: None,
            restrictions: Vec::new(),
            transaction_id: None,
            details: Value::Null,
            raw,
        };
        let plan = Plan {
            code: code.clone(),
            amount: status.amount,
            currency: status.currency.clone(),
            evidence: Value::Null,
            data: json!({ "reason": reason }),
        };
        transaction::execute(
            call,
            self,
            &claim,
            plan,
            |entry| {
                self.send_deactivate(call, entry).map(|answer| {
                    let value = answer.parsed.cents().map(|c| money::from_minor_units(c, DECIMALS)).or(status.amount);
                    let code = canonical(answer.parsed.code.as_deref(), &code);
                    call.log(Level::Info, || format!("deactivated {code}"));
                    (deactivated(code, value, answer.raw), Value::Null)
                })
            },
            |_, _| deactivated(code.clone(), status.amount, Value::Null),
        )
    }

    fn resolve(&self, call: &Call, entry: &Entry) -> Resolution {
        let code = entry.code.clone().unwrap_or_default();
        let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_i64);
        let checked = match Operation::from_name(&entry.operation) {
            Some(op @ (Operation::Redeem | Operation::CancelRedemption)) => {
                let (Some(before), Some(amount)) =
                    (number(&entry.evidence, "balance_cents"), number(&entry.data, "amount_cents"))
                else {
                    return Resolution::Unknown("the journal entry lacks the balance before".into());
                };
                let expected = if op == Operation::Redeem { before - amount } else { before + amount };
                self.fetch_balance(call, &code).map(|now| match now.parsed.balance_in_cents {
                    n if n == expected => Resolution::Applied(json!({ "balance_cents": n })),
                    n if n == before => Resolution::NotApplied,
                    n => Resolution::Unknown(format!(
                        "the balance went from {} to {}, which neither outcome explains: the voucher was used meanwhile",
                        money::from_minor_units(before, DECIMALS),
                        money::from_minor_units(n, DECIMALS)
                    )),
                })
            }
            Some(Operation::Activate) => self.fetch_activation_status(call, &code).and_then(|status| {
                if status.can_activate {
                    return Ok(Resolution::NotApplied);
                }
                let expected = number(&entry.data, "amount_cents");
                self.fetch_balance(call, &code).map(|b| match b.parsed {
                    ref p
                        if p.is_redeemable
                            && Some(p.total_amount_in_cents.unwrap_or(p.balance_in_cents)) == expected =>
                    {
                        Resolution::Applied(json!({ "balance_cents": p.balance_in_cents }))
                    }
                    _ => Resolution::Unknown(
                        "the voucher is not sellable, but not active with this amount either".into(),
                    ),
                })
            }),
            Some(Operation::Deactivate) => self.fetch_activation_status(call, &code).and_then(|status| {
                if status.can_activate {
                    return Ok(Resolution::Applied(Value::Null));
                }
                self.fetch_deactivation_status(call, &code).map(|d| {
                    if d.can_deactivate {
                        Resolution::NotApplied
                    } else {
                        Resolution::Unknown(
                            d.message.unwrap_or_else(|| "e-guma says it can neither be sold nor taken back".into()),
                        )
                    }
                })
            }),
            _ => return Resolution::Unknown(format!("e-guma has no way to check a {}", entry.operation)),
        };
        checked.unwrap_or_else(|e| Resolution::Unknown(format!("could not check: {}", e.message)))
    }

    fn refresh_evidence(&self, call: &Call, entry: &Entry) -> Result<Value> {
        match Operation::from_name(&entry.operation) {
            Some(Operation::CancelRedemption) => {
                let now = self.fetch_balance(call, entry.code.as_deref().unwrap_or_default())?;
                Ok(json!({ "balance_cents": now.parsed.balance_in_cents }))
            }
            _ => Ok(entry.evidence.clone()),
        }
    }

    fn send_queued(&self, call: &Call, entry: &Entry) -> Outcome<Value> {
        match Operation::from_name(&entry.operation) {
            Some(Operation::CancelRedemption) => self
                .send_cancel(call, entry)
                .map(|a| (Value::Null, json!({ "balance_cents": a.parsed.balance_in_cents }))),
            Some(Operation::Deactivate) => self.send_deactivate(call, entry).map(|_| (Value::Null, Value::Null)),
            _ => Outcome::Refused(Error::unsupported(format!("e-guma cannot send a queued {}", entry.operation))),
        }
    }

    fn reversal(&self, entry: &Entry) -> Option<Undo> {
        match Operation::from_name(&entry.operation)? {
            Operation::Activate => Some(Undo {
                operation: Operation::Deactivate,
                data: json!({ "reason": format!("reversal of {}: its answer was lost", entry.id) }),
            }),
            Operation::Redeem => {
                let token = entry.result.get("redeem_token")?.as_str()?;
                Some(Undo {
                    operation: Operation::CancelRedemption,
                    data: json!({ "redeem_token": token, "amount_cents": entry.data.get("amount_cents")? }),
                })
            }
            _ => None,
        }
    }
}

impl Eguma {
    /// Sends the cancel of a journal entry (its data: `redeem_token`, `amount_cents`).
    fn send_cancel(&self, call: &Call, entry: &Entry) -> Outcome<Answer<CancelAnswer>> {
        let body = json!({ "redeem_token": entry.data["redeem_token"], "amount_in_cents": entry.data["amount_cents"] });
        self.write(call, self.post(Kind::Voucher, entry.code.as_deref().unwrap_or_default(), "cancel_redemption", body))
    }

    /// Sends the deactivation of a journal entry (its data: `reason`).
    fn send_deactivate(&self, call: &Call, entry: &Entry) -> Outcome<Answer<AmountAnswer>> {
        let body = match entry.data.get("reason").and_then(Value::as_str) {
            Some(r) => json!({ "deactivate_reason": truncate(r, MAX_REFERENCE_LEN) }),
            None => json!({}),
        };
        self.write(call, self.post(Kind::Depot, entry.code.as_deref().unwrap_or_default(), "deactivate", body))
    }
}

/// The balance e-guma showed during a resolution (`balance_cents`), else the expected one.
fn cents_seen(seen: &Value, expected: Decimal) -> Decimal {
    seen.get("balance_cents").and_then(Value::as_i64).map(|c| money::from_minor_units(c, DECIMALS)).unwrap_or(expected)
}

fn read_code(call: &Call, req: &mut Fields) -> Result<String> {
    let code = req.code("code", CODE_RULES)?;
    call.hide_code(&code);
    Ok(code)
}

/// e-guma's `reference_number`: the POS reference, then our transaction id, so that either finds
/// the redemption in e-guma's back office.
fn reference_number(call: &Call) -> String {
    let ours = &call.ids.transaction_id;
    match &call.ids.reference {
        Some(r) => truncate(&format!("{r} [{ours}]"), MAX_REFERENCE_LEN),
        None => ours.clone(),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// The code e-guma answered with, else the one sent. e-guma may map a short code to the real one.
fn canonical(answered: Option<&str>, sent: &str) -> String {
    match answered.map(str::trim) {
        Some(c) if !c.is_empty() => c.to_string(),
        _ => sent.to_string(),
    }
}

fn non_empty(text: Option<&str>) -> Option<String> {
    text.map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
}

/// A negative amount from e-guma is an unusable answer, not money.
fn check_cents(cents: i64, field: &str) -> Result<i64> {
    if cents < 0 {
        return Err(Error::provider_failure(format!("unexpected answer from e-guma: negative `{field}` ({cents})"))
            .with_provider(ID));
    }
    Ok(cents)
}

/// A refusal e-guma expressed in a status answer (`can_be_activated: false` + message).
fn refusal(message: Option<String>, fallback: &str) -> Error {
    match message {
        Some(m) => Error::rejected(m.clone()).with_provider(ID).with_provider_message(m),
        None => Error::rejected(fallback).with_provider(ID),
    }
}

/// The error an HTTP error status means; e-guma's plain-text body becomes the cashier's message.
fn status_error(call: &Call, response: &HttpResponse) -> Error {
    let status = response.status;
    let text = response.text().map(|t| call.redact(&providers::text_excerpt(&error_text(t)))).filter(|t| !t.is_empty());
    let (code, fallback) = match status {
        401 | 403 => (VlStatus::VL_AUTH, "e-guma refused the API key (check `api_key` for this outlet)".to_string()),
        404 => (VlStatus::VL_NOT_FOUND, "e-guma does not know this voucher".to_string()),
        400 | 409 | 422 => (VlStatus::VL_REJECTED, "e-guma refused the request".to_string()),
        500..=599 => (VlStatus::VL_PROVIDER, format!("e-guma failed (HTTP {status})")),
        _ => (VlStatus::VL_PROVIDER, format!("unexpected answer from e-guma (HTTP {status})")),
    };
    let message = match (&text, code) {
        (Some(t), VlStatus::VL_REJECTED | VlStatus::VL_NOT_FOUND) => t.clone(),
        (Some(t), _) => format!("{fallback}: {t}"),
        (None, _) => fallback,
    };
    let mut error = Error::new(code, message).with_provider(ID).with_http_status(status);
    if let Some(t) = text {
        error = error.with_provider_message(t);
    }
    error
}

/// e-guma's error bodies are plain text; should one be JSON, its `message` or `error` is the text.
fn error_text(body: &str) -> String {
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) {
        for key in ["message", "error"] {
            if let Some(Value::String(s)) = map.get(key) {
                return s.clone();
            }
        }
    }
    body.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_documented_activate_answer_shapes_are_read() {
        let a: AmountAnswer = serde_json::from_str(r#"{"code":"CDHE2JNT5LS9","amount_in_cents":5000}"#).unwrap();
        assert_eq!(a.cents(), Some(5000));
        let b: AmountAnswer =
            serde_json::from_str(r#"{"code":"CDHE2JNT5LS9","balance_in_cents":40000,"extra":null}"#).unwrap();
        assert_eq!(b.cents(), Some(40000));
    }

    #[test]
    fn balance_answers_with_unknown_and_null_fields_parse() {
        let raw = r#"{"code":"2QH3QTDM28N6","is_redeemable":true,"balance_in_cents":5000,"total_amount_in_cents":5000,
                     "currency":"CHF","product_id":7,"message":null,"extra":null,"book_as_discount":false}"#;
        let b: BalanceAnswer = serde_json::from_str(raw).unwrap();
        assert!(b.is_redeemable);
        assert_eq!(non_empty(b.message.as_deref()), None);
        assert_eq!(non_empty(Some("  ")), None);
    }

    #[test]
    fn json_error_bodies_yield_their_message() {
        assert_eq!(error_text(r#"{"message":"Kein Guthaben"}"#), "Kein Guthaben");
        assert_eq!(error_text("Der Gutschein ist nicht vorhanden."), "Der Gutschein ist nicht vorhanden.");
    }
}
