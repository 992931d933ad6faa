//! e-guma (Switzerland): vouchers and depot vouchers, REST API v1. The wire format, with the source
//! of every fact, is in [`wire`].
//!
//! Money safety: e-guma has no transaction lookup, so a lost answer is resolved from the voucher's
//! state. A redeem or cancel: the balance read before (under the voucher's claim) against the
//! balance now. An activation or deactivation: the depot voucher's status. A redemption whose
//! answer was lost is kept whatever the policy (without its `redeem_token` it cannot be cancelled
//! through the API as e-guma documents it); an activation can be reversed (deactivation).

pub mod wire;

use std::sync::Mutex;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::code::{self, CodeRules};
use crate::config::{ReceiptCode, Settings};
use crate::error::{Error, Result};
use crate::http::HttpRequest;
use crate::i18n::{Said, Text};
use crate::journal::{Entry, typed};
use crate::log::Level;
use crate::model::{ActivationStatus, DeactivationStatus, Raw, Redemption, Voucher, VoucherStatus};
use crate::money;
use crate::operation::Operation;
use crate::percent::push_encoded;
use crate::providers::wire::{Parsed, ProviderError};
use crate::providers::{self, Call, Codes, Probe, Provider, ProviderInfo};
use crate::receipt::Receipt;
use crate::request::{Fields, MAX_TEXT_LEN};
use crate::status::VlStatus;
use crate::transaction::{self, Attempt, Check, Plan, Settlement, Undo};
use wire::Collection;

const ID: &str = "eguma";

/// The registry entry.
pub(crate) const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: wire::NAME,
    // The guide: "print the voucher code and the new balance on the receipt".
    receipt_code: ReceiptCode::Full,
    default_base_url: |_| Ok(Some(wire::BASE_URL.into())),
    create,
    config_keys: &["api_key"],
    secret_keys: &["api_key"],
    codes: Codes {
        read: |raw| code::normalize(raw, CODE_RULES, "code"),
        shape: wire::code_shape,
        names_itself: providers::never,
        own_fields: &[],
    },
    probe: Probe {
        operation: Operation::Balance,
        request: r#"{"code":"VLDOCTORPROBE"}"#,
        proves: "e-guma accepted the API key",
        lookup: (Operation::Balance, "{}"),
    },
};

/// e-guma codes: any case, with or without the dashes of the printed form (`L4FU-5LQT-KJR3`) or
/// spaces; sent upper case without separators, as the barcode reads.
const CODE_RULES: CodeRules = CodeRules { upper_case: true, strip_separators: true };

/// e-guma accounts are in CHF or EUR: cents.
const DECIMALS: u32 = 2;

fn create(fields: &mut Fields, settings: &Settings) -> Result<Box<dyn Provider>> {
    let api_key = fields.text("api_key", 256).map_err(|e| Error::config(e.message))?;
    let mut key_query = String::from("?apikey=");
    push_encoded(&mut key_query, &api_key);
    Ok(Box::new(Eguma { base_url: settings.base_url.clone(), key_query, currency: Mutex::new(None) }))
}

/// The e-guma provider of one client (one outlet: one API key).
pub struct Eguma {
    base_url: String,
    /// `?apikey=…`, encoded once.
    key_query: String,
    /// The account's currency, once an answer named it (the 2014 answers name none).
    currency: Mutex<Option<String>>,
}

impl Eguma {
    fn url(&self, collection: Collection, code: &str, action: &str) -> (String, String) {
        // Built by hand, not with format!: this runs on every call.
        let mut url = String::with_capacity(self.base_url.len() + code.len() + self.key_query.len() + 48);
        url.push_str(&self.base_url);
        let path_start = url.len();
        url.extend(["/v1/", collection.path(), "/"]);
        let code_start = url.len();
        push_encoded(&mut url, code);
        let code_end = url.len();
        url.extend(["/", action, ".json"]);
        let mut log_target = String::with_capacity(url.len() - path_start);
        log_target.push_str(&url[path_start..code_start]);
        code::push_masked(&mut log_target, code);
        log_target.push_str(&url[code_end..]);
        url.push_str(&self.key_query);
        (url, log_target)
    }

    fn get(&self, collection: Collection, code: &str, action: &str) -> HttpRequest {
        let (url, target) = self.url(collection, code, action);
        HttpRequest::get(url, target)
    }

    fn post(&self, collection: Collection, code: &str, action: &str, body: Option<wire::Body>) -> HttpRequest {
        let (url, target) = self.url(collection, code, action);
        match body {
            Some(body) => HttpRequest::post_json(url, target, &body),
            None => HttpRequest::post_empty(url, target),
        }
    }

    fn remember_currency(&self, currency: Option<&str>) {
        if let Some(c) = currency.filter(|c| !c.is_empty()) {
            let mut known = self.currency.lock().unwrap_or_else(|p| p.into_inner());
            if known.as_deref() != Some(c) {
                *known = Some(c.to_string());
            }
        }
    }

    fn currency(&self) -> Option<String> {
        self.currency.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sends a read (retried on connection failures and 5xx) and reads its answer.
    fn read<T: for<'de> Deserialize<'de>>(&self, call: &Call, request: HttpRequest) -> Result<Parsed<T>> {
        let response = call.read(&request).map_err(|f| f.error(ID))?;
        let mut answer = wire::read::<T>(&response)?;
        answer.raw = call.redact_raw(answer.raw);
        Ok(answer)
    }

    /// Sends a money-moving request once; what it came to, by the engine's rule.
    fn write<T: for<'de> Deserialize<'de>>(&self, call: &Call, request: HttpRequest) -> Attempt<Parsed<T>> {
        transaction::attempt(ID, call.send(&request), |response| match wire::read::<T>(response) {
            Ok(mut answer) => {
                answer.raw = call.redact_raw(answer.raw);
                transaction::Answer::Done((answer, Raw::NULL))
            }
            Err(e) => e.answer(),
        })
    }

    /// Reads a voucher's balance (the canonical code comes back in it).
    fn fetch_balance(&self, call: &Call, code: &str) -> Result<Parsed<wire::Balance>> {
        let answer: Parsed<wire::Balance> = self.read(call, self.get(Collection::Vouchers, code, "balance"))?;
        if let Some(unknown) = wire::unknown_voucher(&answer.parsed) {
            return Err(unknown.into());
        }
        check_cents(answer.parsed.balance_in_cents, "balance_in_cents")?;
        self.remember_currency(answer.parsed.currency.as_deref());
        Ok(answer)
    }

    fn voucher_from_balance(&self, call: &Call, sent_code: &str, answer: Parsed<wire::Balance>) -> Voucher {
        let b = &answer.parsed;
        let total = b.total_amount_in_cents.filter(|t| *t >= 0);
        let status = if b.is_redeemable {
            VoucherStatus::Active
        } else if b.balance_in_cents == 0 && total.is_some_and(|t| t > 0) {
            VoucherStatus::Redeemed
        } else {
            VoucherStatus::Unknown
        };
        let code = canonical(call, b.code.as_deref(), sent_code);
        let balance = money::from_minor_units(b.balance_in_cents, DECIMALS);
        let initial_amount = total.map(|t| money::from_minor_units(t, DECIMALS));
        let currency = b.currency.clone().or_else(|| self.currency());
        // The guide: "display the balance and the total amount", printable.
        let receipt_lines = Receipt::new(call, Text::EgumaVoucher, &code)
            .amount(Text::Balance, balance, currency.as_deref())
            .amount_if(Text::Total, initial_amount, currency.as_deref())
            .lines();
        Voucher {
            redeemable: b.is_redeemable,
            balance: Some(balance),
            initial_amount,
            currency,
            message: non_empty(b.message.as_deref()),
            ..Voucher::new(ID, code, status, receipt_lines, answer.raw)
        }
    }

    fn fetch_activation_status(&self, call: &Call, code: &str) -> Result<ActivationStatus> {
        let answer: Parsed<wire::ActivateStatus> =
            self.read(call, self.get(Collection::DepotVouchers, code, "activate_status"))?;
        let a = answer.parsed;
        self.remember_currency(a.currency.as_deref());
        let free_amount = a.free_amount.unwrap_or(false);
        let amount = match (free_amount, a.amount_in_cents) {
            (false, Some(cents)) => Some(money::from_minor_units(check_cents(cents, "amount_in_cents")?, DECIMALS)),
            _ => None,
        };
        Ok(ActivationStatus {
            provider: None,
            code: canonical(call, a.code.as_deref(), code),
            can_activate: a.can_be_activated,
            free_amount,
            amount,
            currency: a.currency.or_else(|| self.currency()),
            message: non_empty(a.message.as_deref()),
        })
    }

    fn fetch_deactivation_status(&self, call: &Call, code: &str) -> Result<DeactivationStatus> {
        let answer: Parsed<wire::DeactivateStatus> =
            self.read(call, self.get(Collection::DepotVouchers, code, "deactivate_status"))?;
        let a = answer.parsed;
        Ok(DeactivationStatus {
            provider: None,
            code: canonical(call, a.code.as_deref(), code),
            can_deactivate: a.can_be_deactivated,
            amount: a.amount_in_cents.map(|c| money::from_minor_units(c, DECIMALS)),
            currency: self.currency(),
            message: non_empty(a.message.as_deref()),
        })
    }
}

impl Provider for Eguma {
    /// `GET /v1/hello.json`: the vendor's own clients' health check (`Hello()`, answered `OK`).
    fn prepare(&self, call: &Call) -> Result<()> {
        providers::open_way(call, &format!("{}/v1/hello.json", self.base_url))
    }

    fn balance(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let code = read_code(call, req)?;
        req.finish()?;
        let answer = self.fetch_balance(call, &code)?;
        Ok(self.voucher_from_balance(call, &code, answer))
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
        // The redemption's id for a cancel: e-guma's redeem_token, else our journal id (the cancel
        // then goes as the vendor's clients send it, by amount).
        let redemption = |code: &str, ctx: &Context, left: Decimal, id: String| Redemption {
            provider: ID,
            receipt_lines: Receipt::new(call, Text::EgumaVoucher, code)
                .amount(Text::Redeemed, ctx.amount, ctx.currency.as_deref())
                .amount(Text::Balance, left, ctx.currency.as_deref())
                .lines(),
            code: code.to_string(),
            amount: Some(ctx.amount),
            balance: Some(left),
            currency: ctx.currency.clone(),
            transaction_id: Some(id),
        };
        transaction::execute(
            call,
            self,
            &code,
            |code| {
                let before = self.fetch_balance(call, code)?;
                let code = canonical(call, before.parsed.code.as_deref(), code);
                // e-guma's own answer: the guide asks the POS to show its message.
                if !before.parsed.is_redeemable {
                    return Err(refusal(non_empty(before.parsed.message.as_deref()), Text::CannotBeRedeemed));
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
                let reference = reference_number(call, &entry.id);
                let body = wire::redeem_body(ctx.cents, &reference);
                let sent = call.send(&self.post(Collection::Vouchers, &entry.code, "redeem", Some(body)));
                transaction::attempt(ID, sent, |response| match wire::read::<wire::Redeemed>(response) {
                    Ok(answer) => {
                        let r = answer.parsed;
                        let (amount, balance) = (ctx.amount, ctx.balance);
                        let left = money::from_minor_units(r.balance_in_cents, DECIMALS);
                        if left != balance - amount {
                            call.log(Level::Warn, || {
                                format!("balance went from {balance} to {left} for a redemption of {amount}: the voucher was used elsewhere meanwhile")
                            });
                        }
                        let code = canonical(call, r.code.as_deref(), &entry.code);
                        call.log(Level::Info, || format!("redeemed {amount} from {code}, {left} left"));
                        let id = r.redeem_token.clone().unwrap_or_else(|| entry.id.clone());
                        let seen = Seen { redeem_token: r.redeem_token, balance_cents: Some(r.balance_in_cents) };
                        transaction::Answer::Done((redemption(&code, ctx, left, id), typed(&seen)))
                    }
                    Err(e) => e.answer(),
                })
            },
            |entry, ctx| redemption(&entry.code, ctx, balance_seen(entry, ctx.balance - ctx.amount), entry.id.clone()),
        )
    }

    fn cancel_redemption(&self, call: &Call, req: &mut Fields) -> Result<Redemption> {
        let code = read_code(call, req)?;
        let transaction_id = req.text("transaction_id", 256)?;
        let amount = req.amount("amount", DECIMALS)?;
        req.finish()?;
        let cents = money::to_minor_units(amount, DECIMALS)?;
        // Our journal id stands for a redemption e-guma gave no token for.
        let token = (!transaction_id.starts_with("vl-")).then(|| transaction_id.clone());
        struct Context {
            before_cents: i64,
            currency: Option<String>,
        }
        let cancelled = |code: &str, ctx: &Context, left: Decimal| Redemption {
            provider: ID,
            receipt_lines: Receipt::new(call, Text::EgumaVoucher, code)
                .amount(Text::Cancelled, amount, ctx.currency.as_deref())
                .amount(Text::Balance, left, ctx.currency.as_deref())
                .lines(),
            code: code.to_string(),
            amount: Some(amount),
            balance: Some(left),
            currency: ctx.currency.clone(),
            transaction_id: Some(transaction_id.clone()),
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
                    code: canonical(call, before.parsed.code.as_deref(), code),
                    amount: Some(amount),
                    currency: currency.clone(),
                    evidence: typed(&BalanceBefore { balance_cents: before.parsed.balance_in_cents }),
                    data: typed(&Moved { amount_cents: cents, redeem_token: token.clone() }),
                    context: Context { before_cents: before.parsed.balance_in_cents, currency },
                })
            },
            |entry, ctx| {
                self.send_cancel(call, entry).map(|answer| {
                    let left = money::from_minor_units(answer.parsed.balance_in_cents, DECIMALS);
                    call.log(Level::Info, || format!("gave {amount} back to {}, balance now {left}", entry.code));
                    let seen = Seen { redeem_token: None, balance_cents: Some(answer.parsed.balance_in_cents) };
                    (cancelled(&entry.code, ctx, left), typed(&seen))
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
        // The guide: a sold depot voucher is an order line with VAT 0.
        let activated = |code: &str, value: Decimal, currency: Option<String>, raw: Raw| {
            let receipt_lines = Receipt::new(call, Text::EgumaVoucher, code)
                .amount(Text::Sold, value, currency.as_deref())
                .line(Text::VatZero)
                .lines();
            Voucher {
                balance: Some(value),
                initial_amount: Some(value),
                currency,
                ..Voucher::new(ID, code, VoucherStatus::Active, receipt_lines, raw)
            }
        };
        transaction::execute(
            call,
            self,
            &code,
            |code| {
                let status = self.fetch_activation_status(call, code)?;
                // e-guma's own answer: "add it as an order line if it can be activated, else show
                // the message" (its guide).
                if !status.can_activate {
                    return Err(refusal(status.message, Text::CannotBeActivated));
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
                    evidence: Raw::NULL,
                    data: typed(&Activation { amount_cents: cents, free_amount: status.free_amount }),
                    context: (value, cents, status.free_amount, status.currency),
                })
            },
            |entry, (value, cents, free_amount, currency)| {
                let request = self.post(
                    Collection::DepotVouchers,
                    &entry.code,
                    "activate",
                    wire::activate_body(*cents, *free_amount),
                );
                self.write::<wire::Amount>(call, request).map(|answer| {
                    let value = answer
                        .parsed
                        .cents()
                        .filter(|c| *c >= 0)
                        .map(|c| money::from_minor_units(c, DECIMALS))
                        .unwrap_or(*value);
                    let code = canonical(call, answer.parsed.code.as_deref(), &entry.code);
                    call.log(Level::Info, || format!("activated {code} with {value}"));
                    (activated(&code, value, currency.clone(), answer.raw), Raw::NULL)
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
        let deactivated = |code: &str, status: &DeactivationStatus, value: Option<Decimal>, raw: Raw| {
            let receipt_lines = Receipt::new(call, Text::EgumaVoucher, code)
                .amount_if(Text::TakenBack, value, status.currency.as_deref())
                .lines();
            // Back on the stack: the depot voucher can be sold again.
            Voucher {
                balance: Some(money::from_minor_units(0, DECIMALS)),
                initial_amount: value,
                currency: status.currency.clone(),
                ..Voucher::new(ID, code, VoucherStatus::Created, receipt_lines, raw)
            }
        };
        transaction::execute(
            call,
            self,
            &code,
            |code| {
                // e-guma: "Use Deactivate Status before calling this method."
                let status = self.fetch_deactivation_status(call, code)?;
                if !status.can_deactivate {
                    return Err(refusal(status.message, Text::CannotBeDeactivated));
                }
                Ok(Plan {
                    code: status.code.clone(),
                    amount: status.amount,
                    currency: status.currency.clone(),
                    evidence: Raw::NULL,
                    data: typed(&Deactivation { reason: reason.clone() }),
                    context: status,
                })
            },
            |entry, status| {
                self.send_deactivate(call, entry).map(|answer| {
                    let value = answer.parsed.cents().map(|c| money::from_minor_units(c, DECIMALS)).or(status.amount);
                    let code = canonical(call, answer.parsed.code.as_deref(), &entry.code);
                    call.log(Level::Info, || format!("deactivated {code}"));
                    (deactivated(&code, status, value, answer.raw), Raw::NULL)
                })
            },
            |entry, status| deactivated(&entry.code, status, status.amount, Raw::NULL),
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
                    return Ok(Check::Applied(Raw::NULL));
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
            Operation::Deactivate => self.send_deactivate(call, entry).map(|_| ((), Raw::NULL)),
            op => Attempt::Refused(Error::unsupported(format!("e-guma cannot send a queued {op}"))),
        }
    }

    fn reversal(&self, entry: &Entry) -> Option<Undo> {
        match entry.operation {
            Operation::Activate => Some(Undo {
                operation: Operation::Deactivate,
                data: typed(&Deactivation { reason: Some(format!("reversal of {}: its answer was lost", entry.id)) }),
            }),
            // Only with e-guma's token: a cancel by amount alone is what older clients sent, not
            // what e-guma documents.
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

    fn undo_evidence(&self, call: &Call, entry: &Entry) -> Result<Raw> {
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
    fn send_cancel(&self, call: &Call, entry: &Entry) -> Attempt<Parsed<wire::Cancelled>> {
        let moved = Entry::read::<Moved>(&entry.data).unwrap_or(Moved { amount_cents: 0, redeem_token: None });
        let body = wire::cancel_body(moved.amount_cents, moved.redeem_token.as_deref());
        self.write(call, self.post(Collection::Vouchers, &entry.code, "cancel_redemption", Some(body)))
    }

    /// Sends the deactivation of a journal entry (its data: [`Deactivation`]).
    fn send_deactivate(&self, call: &Call, entry: &Entry) -> Attempt<Parsed<wire::Amount>> {
        let reason = Entry::read::<Deactivation>(&entry.data).and_then(|d| d.reason);
        let body = wire::deactivate_body(reason.as_deref());
        self.write(call, self.post(Collection::DepotVouchers, &entry.code, "deactivate", body))
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
fn reference_number(call: &Call, transaction_id: &str) -> String {
    match &call.ids.reference {
        Some(r) => format!("{r} [{transaction_id}]").chars().take(wire::MAX_TEXT_LEN).collect(),
        None => transaction_id.to_string(),
    }
}

/// The code e-guma answered with (normalized: e-guma echoes some codes as they were sent, dashes
/// and all), else the one sent. e-guma maps a short code to the real one.
fn canonical(call: &Call, answered: Option<&str>, sent: &str) -> String {
    if answered == Some(sent) {
        return sent.to_string();
    }
    match answered.and_then(|c| code::normalize(c, CODE_RULES, "code").ok()) {
        Some(c) => {
            call.hide_code(&c);
            c
        }
        None => sent.to_string(),
    }
}

fn non_empty(text: Option<&str>) -> Option<String> {
    text.map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
}

/// A negative amount from e-guma is an unusable answer, not money.
fn check_cents(cents: i64, field: &str) -> Result<i64> {
    if cents < 0 {
        return Err(ProviderError::unusable("e-guma", 200, format_args!("negative `{field}` ({cents})")).into());
    }
    Ok(cents)
}

/// A refusal e-guma expressed in a status answer (`can_be_activated: false` + its message; the
/// library's words when it gave none).
fn refusal(message: Option<String>, fallback: Text) -> Error {
    match message {
        Some(m) => Error::rejected(m.clone()).with_provider_message(m),
        None => Error::said(VlStatus::VL_REJECTED, Said::new(fallback)),
    }
}
