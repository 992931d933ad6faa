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
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::code::{self, CodeRules};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse, push_encoded};
use crate::journal::{Entry, typed};
use crate::log::{Level, Redactor};
use crate::model::{self, ActivationStatus, DeactivationStatus, Redemption, Voucher, VoucherStatus};
use crate::money;
use crate::operation::Operation;
use crate::providers::{self, Call, Provider, ProviderInfo};
use crate::request::{Fields, MAX_TEXT_LEN};
use crate::status::VlStatus;
use crate::transaction::{self, Answer, Attempt, Check, Plan, Settlement, Undo};

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
struct Parsed<T> {
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
    fn read<T: for<'de> Deserialize<'de>>(&self, call: &Call, request: HttpRequest) -> Result<Parsed<T>> {
        let response = call.read(&request).map_err(|f| f.error(ID))?;
        self.parse(call, &response)
    }

    /// Sends a money-moving request once; what it came to, by the engine's rule.
    fn write<T: for<'de> Deserialize<'de>>(&self, call: &Call, request: HttpRequest) -> Attempt<Parsed<T>> {
        transaction::attempt(ID, call.send(&request), |response| self.answer(call, response).map(|a| (a, Value::Null)))
    }

    /// What e-guma says in an answer to a money-moving request: done, or its error (a 4xx is
    /// e-guma saying no; a 5xx or an unreadable 200 does not tell).
    fn answer<T: for<'de> Deserialize<'de>>(&self, call: &Call, response: &HttpResponse) -> Answer<Parsed<T>> {
        Answer::from_result(response.status, self.parse(call, response))
    }

    /// Turns an answer into `T`, or into the error e-guma's status and text mean.
    fn parse<T: for<'de> Deserialize<'de>>(&self, call: &Call, response: &HttpResponse) -> Result<Parsed<T>> {
        if !(200..300).contains(&response.status) {
            return Err(status_error(call, response));
        }
        let raw = providers::json_body(ID, response)?;
        let parsed = T::deserialize(&raw).map_err(|e| {
            Error::provider_failure(format!("unexpected answer from e-guma: {e}"))
                .with_provider(ID)
                .with_http_status(response.status)
        })?;
        Ok(Parsed { parsed, raw: call.redact_json(raw) })
    }

    /// Reads a voucher's balance (the canonical code comes back in it).
    fn fetch_balance(&self, call: &Call, code: &str) -> Result<Parsed<BalanceAnswer>> {
        let answer: Parsed<BalanceAnswer> = self.read(call, self.get(Kind::Voucher, code, "balance"))?;
        check_cents(answer.parsed.balance_in_cents, "balance_in_cents")?;
        self.remember_currency(answer.parsed.currency.as_deref());
        if let Some(canonical) = &answer.parsed.code {
            call.hide_code(canonical);
        }
        Ok(answer)
    }

    fn voucher_from_balance(&self, sent_code: &str, answer: Parsed<BalanceAnswer>) -> Voucher {
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
        let answer: Parsed<ActivateStatusAnswer> = self.read(call, self.get(Kind::Depot, code, "activate_status"))?;
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
        let answer: Parsed<DeactivateStatusAnswer> =
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
        let wanted = req.amount_wanted(DECIMALS)?;
        req.finish()?;
        struct Context {
            balance: Decimal,
            amount: Decimal,
            cents: i64,
            currency: Option<String>,
        }
        let redemption = |code: &str, ctx: &Context, left: Decimal, token: Option<String>| Redemption {
            provider: ID,
            receipt_lines: model::receipt_lines(
                RECEIPT_LABEL,
                code,
                "Redeemed",
                ctx.amount,
                Some(left),
                ctx.currency.as_deref(),
            ),
            code: code.to_string(),
            amount: Some(ctx.amount),
            balance: Some(left),
            currency: ctx.currency.clone(),
            transaction_id: token,
        };
        transaction::execute(
            call,
            self,
            &code,
            |code| {
                let before = self.fetch_balance(call, code)?;
                let code = canonical(before.parsed.code.as_deref(), code);
                if !before.parsed.is_redeemable {
                    return Err(refusal(
                        non_empty(before.parsed.message.as_deref()),
                        "This voucher cannot be redeemed.",
                    ));
                }
                let balance = money::from_minor_units(before.parsed.balance_in_cents, DECIMALS);
                let currency = before.parsed.currency.clone().or_else(|| self.currency());
                let amount = wanted.resolve(balance, currency.as_deref())?;
                let cents = money::to_minor_units(amount, DECIMALS)?;
                Ok(Plan {
                    code,
                    amount: Some(amount),
                    currency: currency.clone(),
                    evidence: typed(&BalanceBefore { balance_cents: before.parsed.balance_in_cents }),
                    data: typed(&Moved { amount_cents: cents, redeem_token: None }),
                    context: Context { balance, amount, cents, currency },
                })
            },
            |entry, ctx| {
                let body = json!({ "amount_in_cents": ctx.cents, "reference_number": reference_number(call) });
                let sent = call.send(&self.post(Kind::Voucher, &entry.code, "redeem", body));
                transaction::attempt(ID, sent, |response| {
                    self.answer::<RedeemAnswer>(call, response).map(|answer| {
                        let r = answer.parsed;
                        let (amount, balance) = (ctx.amount, ctx.balance);
                        let left = money::from_minor_units(r.balance_in_cents, DECIMALS);
                        if left != balance - amount {
                            call.log(Level::Warn, || {
                                format!("balance went from {balance} to {left} for a redemption of {amount}: the voucher was used elsewhere meanwhile")
                            });
                        }
                        let code = canonical(r.code.as_deref(), &entry.code);
                        call.log(Level::Info, || format!("redeemed {amount} from {code}, {left} left"));
                        let ids = typed(&Seen { redeem_token: Some(r.redeem_token.clone()), balance_cents: Some(r.balance_in_cents) });
                        (redemption(&code, ctx, left, Some(r.redeem_token)), ids)
                    })
                })
            },
            // The redeem_token came in the lost answer: without it, e-guma cannot cancel this
            // redemption through the API (only in its back office).
            |entry, ctx| redemption(&entry.code, ctx, balance_seen(entry, ctx.balance - ctx.amount), None),
        )
    }

    fn cancel_redemption(&self, call: &Call, req: &mut Fields) -> Result<Redemption> {
        let code = read_code(call, req)?;
        let token = req.text("transaction_id", 256)?;
        let amount = req.amount("amount", DECIMALS)?;
        req.finish()?;
        let cents = money::to_minor_units(amount, DECIMALS)?;
        struct Context {
            before_cents: i64,
            currency: Option<String>,
        }
        let cancelled = |code: &str, ctx: &Context, left: Decimal| Redemption {
            provider: ID,
            receipt_lines: model::receipt_lines(
                RECEIPT_LABEL,
                code,
                "Cancelled",
                amount,
                Some(left),
                ctx.currency.as_deref(),
            ),
            code: code.to_string(),
            amount: Some(amount),
            balance: Some(left),
            currency: ctx.currency.clone(),
            transaction_id: Some(token.clone()),
        };
        transaction::execute(
            call,
            self,
            &code,
            |code| {
                // Gives the canonical code and currency, and the balance before (the evidence).
                let before = self.fetch_balance(call, code)?;
                let currency = before.parsed.currency.clone().or_else(|| self.currency());
                Ok(Plan {
                    code: canonical(before.parsed.code.as_deref(), code),
                    amount: Some(amount),
                    currency: currency.clone(),
                    evidence: typed(&BalanceBefore { balance_cents: before.parsed.balance_in_cents }),
                    data: typed(&Moved { amount_cents: cents, redeem_token: Some(token.clone()) }),
                    context: Context { before_cents: before.parsed.balance_in_cents, currency },
                })
            },
            |entry, ctx| {
                self.send_cancel(call, entry).map(|answer| {
                    let left = money::from_minor_units(answer.parsed.balance_in_cents, DECIMALS);
                    call.log(Level::Info, || format!("gave {amount} back to {}, balance now {left}", entry.code));
                    let ids = typed(&Seen { redeem_token: None, balance_cents: Some(answer.parsed.balance_in_cents) });
                    (cancelled(&canonical(answer.parsed.code.as_deref(), &entry.code), ctx, left), ids)
                })
            },
            |entry, ctx| {
                let expected = money::from_minor_units(ctx.before_cents + cents, DECIMALS);
                cancelled(&entry.code, ctx, balance_seen(entry, expected))
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
        let activated = |code: &str, value: Decimal, currency: Option<String>, raw: Value| Voucher {
            provider: ID,
            code: code.to_string(),
            status: VoucherStatus::Active,
            redeemable: true,
            balance: Some(value),
            initial_amount: Some(value),
            currency,
            message: None,
            expires_at: None,
            restrictions: Vec::new(),
            transaction_id: None,
            details: Value::Null,
            raw,
        };
        transaction::execute(
            call,
            self,
            &code,
            |code| {
                let status = self.fetch_activation_status(call, code)?;
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
                        return Err(Error::provider_failure("e-guma gave no amount for a fixed-amount depot voucher"));
                    }
                };
                let cents = money::to_minor_units(value, DECIMALS)?;
                Ok(Plan {
                    code: status.code,
                    amount: Some(value),
                    currency: status.currency.clone(),
                    evidence: Value::Null,
                    data: typed(&Activation { amount_cents: cents, free_amount: status.free_amount }),
                    context: (value, cents, status.free_amount, status.currency),
                })
            },
            |entry, (value, cents, free_amount, currency)| {
                // e-guma takes an amount only for free-amount vouchers.
                let body = if *free_amount { json!({ "amount_in_cents": cents }) } else { json!({}) };
                let sent = call.send(&self.post(Kind::Depot, &entry.code, "activate", body));
                transaction::attempt(ID, sent, |response| {
                    self.answer::<AmountAnswer>(call, response).map(|answer| {
                        let value = answer
                            .parsed
                            .cents()
                            .filter(|c| *c >= 0)
                            .map(|c| money::from_minor_units(c, DECIMALS))
                            .unwrap_or(*value);
                        let code = canonical(answer.parsed.code.as_deref(), &entry.code);
                        call.log(Level::Info, || format!("activated {code} with {value}"));
                        (activated(&code, value, currency.clone(), answer.raw), Value::Null)
                    })
                })
            },
            |entry, (value, _, _, currency)| activated(&entry.code, *value, currency.clone(), entry.result.clone()),
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
        let deactivated = |code: &str, status: &DeactivationStatus, value: Option<Decimal>, raw: Value| Voucher {
            provider: ID,
            code: code.to_string(),
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
        transaction::execute(
            call,
            self,
            &code,
            |code| {
                // e-guma: "Use Deactivate Status before calling this method."
                let status = self.fetch_deactivation_status(call, code)?;
                if !status.can_deactivate {
                    return Err(refusal(status.message, "This voucher cannot be deactivated."));
                }
                Ok(Plan {
                    code: status.code.clone(),
                    amount: status.amount,
                    currency: status.currency.clone(),
                    evidence: Value::Null,
                    data: typed(&Deactivation { reason: reason.clone() }),
                    context: status,
                })
            },
            |entry, status| {
                self.send_deactivate(call, entry).map(|answer| {
                    let value = answer.parsed.cents().map(|c| money::from_minor_units(c, DECIMALS)).or(status.amount);
                    let code = canonical(answer.parsed.code.as_deref(), &entry.code);
                    call.log(Level::Info, || format!("deactivated {code}"));
                    (deactivated(&code, status, value, answer.raw), Value::Null)
                })
            },
            |entry, status| deactivated(&entry.code, status, status.amount, Value::Null),
        )
    }
}

impl Settlement for Eguma {
    /// e-guma has no transaction lookup: a redeem or cancel shows in the balance against the
    /// balance before; an activation or deactivation in the depot voucher's status.
    fn check(&self, call: &Call, entry: &Entry) -> Check {
        let code = entry.code.as_str();
        let checked = match entry.operation {
            op @ (Operation::Redeem | Operation::CancelRedemption) => {
                let (Some(before), Some(moved)) =
                    (Entry::read::<BalanceBefore>(&entry.evidence), Entry::read::<Moved>(&entry.data))
                else {
                    return Check::Unknown("the journal entry lacks the balance before".into());
                };
                let before = before.balance_cents;
                let expected =
                    if op == Operation::Redeem { before - moved.amount_cents } else { before + moved.amount_cents };
                self.fetch_balance(call, code).map(|now| match now.parsed.balance_in_cents {
                    n if n == expected => Check::Applied(typed(&Seen { redeem_token: None, balance_cents: Some(n) })),
                    n if n == before => Check::Absent,
                    n => Check::Unknown(format!(
                        "the balance went from {} to {}, which neither outcome explains: the voucher was used meanwhile",
                        money::from_minor_units(before, DECIMALS),
                        money::from_minor_units(n, DECIMALS)
                    )),
                })
            }
            Operation::Activate => self.fetch_activation_status(call, code).and_then(|status| {
                if status.can_activate {
                    return Ok(Check::Absent);
                }
                let expected = Entry::read::<Activation>(&entry.data).map(|a| a.amount_cents);
                self.fetch_balance(call, code).map(|b| match b.parsed {
                    ref p
                        if p.is_redeemable
                            && Some(p.total_amount_in_cents.unwrap_or(p.balance_in_cents)) == expected =>
                    {
                        Check::Applied(typed(&Seen { redeem_token: None, balance_cents: Some(p.balance_in_cents) }))
                    }
                    _ => Check::Unknown("the voucher is not sellable, but not active with this amount either".into()),
                })
            }),
            Operation::Deactivate => self.fetch_activation_status(call, code).and_then(|status| {
                if status.can_activate {
                    return Ok(Check::Applied(Value::Null));
                }
                self.fetch_deactivation_status(call, code).map(|d| {
                    if d.can_deactivate {
                        Check::Absent
                    } else {
                        Check::Unknown(
                            d.message.unwrap_or_else(|| "e-guma says it can neither be sold nor taken back".into()),
                        )
                    }
                })
            }),
            op => return Check::Unknown(format!("e-guma has no way to check a {op}")),
        };
        checked.unwrap_or_else(|e| Check::Unknown(format!("could not check: {}", e.message)))
    }

    fn send_undo(&self, call: &Call, entry: &Entry) -> Attempt<()> {
        match entry.operation {
            Operation::CancelRedemption => self
                .send_cancel(call, entry)
                .map(|a| ((), typed(&Seen { redeem_token: None, balance_cents: Some(a.parsed.balance_in_cents) }))),
            Operation::Deactivate => self.send_deactivate(call, entry).map(|_| ((), Value::Null)),
            op => Attempt::Refused(Error::unsupported(format!("e-guma cannot send a queued {op}"))),
        }
    }

    fn reversal(&self, entry: &Entry) -> Option<Undo> {
        match entry.operation {
            Operation::Activate => Some(Undo {
                operation: Operation::Deactivate,
                data: typed(&Deactivation { reason: Some(format!("reversal of {}: its answer was lost", entry.id)) }),
            }),
            Operation::Redeem => {
                let token = Entry::read::<Seen>(&entry.result)?.redeem_token?;
                let moved = Entry::read::<Moved>(&entry.data)?;
                Some(Undo {
                    operation: Operation::CancelRedemption,
                    data: typed(&Moved { amount_cents: moved.amount_cents, redeem_token: Some(token) }),
                })
            }
            _ => None,
        }
    }

    fn undo_evidence(&self, call: &Call, entry: &Entry) -> Result<Value> {
        match entry.operation {
            Operation::CancelRedemption => {
                let now = self.fetch_balance(call, &entry.code)?;
                Ok(typed(&BalanceBefore { balance_cents: now.parsed.balance_in_cents }))
            }
            _ => Ok(entry.evidence.clone()),
        }
    }
}

impl Eguma {
    /// Sends the cancel of a journal entry (its data: [`Moved`]).
    fn send_cancel(&self, call: &Call, entry: &Entry) -> Attempt<Parsed<CancelAnswer>> {
        let moved = Entry::read::<Moved>(&entry.data).unwrap_or(Moved { amount_cents: 0, redeem_token: None });
        let body = json!({ "redeem_token": moved.redeem_token, "amount_in_cents": moved.amount_cents });
        self.write(call, self.post(Kind::Voucher, &entry.code, "cancel_redemption", body))
    }

    /// Sends the deactivation of a journal entry (its data: [`Deactivation`]).
    fn send_deactivate(&self, call: &Call, entry: &Entry) -> Attempt<Parsed<AmountAnswer>> {
        let body = match Entry::read::<Deactivation>(&entry.data).and_then(|d| d.reason) {
            Some(r) => json!({ "deactivate_reason": truncate(&r, MAX_REFERENCE_LEN) }),
            None => json!({}),
        };
        self.write(call, self.post(Kind::Depot, &entry.code, "deactivate", body))
    }
}

/// What a redeem or cancel is checked against: the balance before.
#[derive(Serialize, Deserialize)]
struct BalanceBefore {
    balance_cents: i64,
}

/// What a redeem or cancel moves (its journal data).
#[derive(Serialize, Deserialize)]
struct Moved {
    amount_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redeem_token: Option<String>,
}

/// What e-guma showed after a redeem or cancel (the journal result).
#[derive(Serialize, Deserialize)]
struct Seen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redeem_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    balance_cents: Option<i64>,
}

/// What an activation sells (its journal data).
#[derive(Serialize, Deserialize)]
struct Activation {
    amount_cents: i64,
    free_amount: bool,
}

/// Why a depot voucher is taken back (its journal data).
#[derive(Serialize, Deserialize)]
struct Deactivation {
    reason: Option<String>,
}

/// The balance e-guma showed when the entry was checked, else the expected one.
fn balance_seen(entry: &Entry, expected: Decimal) -> Decimal {
    Entry::read::<Seen>(&entry.result)
        .and_then(|s| s.balance_cents)
        .map(|c| money::from_minor_units(c, DECIMALS))
        .unwrap_or(expected)
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
