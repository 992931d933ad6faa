//! Treazure gift cards (Switch frontend API). The wire format — documented facts and every
//! assumption (Treazure publishes no gift-card JSON) — is in [`wire`]; the OAuth2 token in [`auth`].
//!
//! Money safety: a lost answer is resolved from the card's regular history, where each mutation
//! carries the `ReceiptReference` we sent (which contains our transaction id). Redemptions and
//! activations can be reversed (`Redeem/Cancel`, `Activate/Cancel`); a lost answer to `Issue`
//! cannot be resolved (the new card's id was in it) and is reported in doubt.

mod auth;
pub(crate) mod wire;

use std::sync::Mutex;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::code::{self, CodeRules};
use crate::config::{self, ReceiptCode, Settings};
use crate::error::{Error, Result};
use crate::http::HttpRequest;
use crate::i18n::{Text, Zone};
use crate::journal::{Entry, typed};
use crate::log::Level;
use crate::model::{ActivationStatus, History, HistoryLine, Raw, Redemption, Restriction, Voucher, VoucherStatus};
use crate::money::{self, AmountWanted};
use crate::operation::Operation;
use crate::providers::token::TokenCache;
use crate::providers::wire::{ProviderError, decimal_number};
use crate::providers::{self, Call, Codes, Probe, Provider, ProviderInfo};
use crate::receipt::{Receipt, ReceiptLines};
use crate::request::Fields;
use crate::transaction::{self, Answer, Attempt, Check, Plan, Settlement, Undo};
use auth::Auth;

pub(crate) const ID: &str = "treazure";

/// The registry entry.
pub(crate) const INFO: ProviderInfo = ProviderInfo {
    id: ID,
    name: wire::NAME,
    receipt_code: ReceiptCode::Masked,
    default_base_url,
    create,
    config_keys: &["client_id", "client_secret", "token_url", "scope", "switch_id", "utc_offset", "tenant"],
    secret_keys: &["client_secret"],
    codes: Codes {
        read: |raw| code::normalize(raw, CODE_RULES, "code"),
        // A card id is "the barcode that is usually scanned" (docs): no form is documented.
        shape: providers::any_code,
        names_itself: providers::never,
        // Only Treazure identifies a card by serial number and scratch code, and takes the till's
        // UTC offset per request.
        own_fields: &["serial_number", "scratch_code", "utc_offset"],
    },
    probe: Probe {
        operation: Operation::Balance,
        request: r#"{"code":"0000000000000000"}"#,
        proves: "token obtained; Treazure answered",
        lookup: (Operation::Balance, "{}"),
    },
};

/// Card ids as printed may be grouped with spaces or dashes; the barcode has neither. Case is kept.
const CODE_RULES: CodeRules = CodeRules { upper_case: false, strip_separators: true };

/// Gift cards in EUR/CHF: two decimals.
const DECIMALS: u32 = 2;

fn default_base_url(fields: &Fields) -> Result<Option<String>> {
    Ok(read_tenant(fields)?.map(|t| wire::tenant_host(&t)))
}

fn read_tenant(fields: &Fields) -> Result<Option<String>> {
    match fields.peek_text("tenant") {
        None => Ok(None),
        Some(t) if !t.is_empty() && t.len() <= 63 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            Ok(Some(t.to_ascii_lowercase()))
        }
        Some(t) => Err(Error::config(format!("`tenant` {t:?} is not a host name label (letters, digits, dashes)"))),
    }
}

fn create(fields: &mut Fields, settings: &Settings) -> Result<Box<dyn Provider>> {
    let config_text =
        |f: &mut Fields, key: &str, max: usize| f.opt_text(key, max).map_err(|e| Error::config(e.message));
    let tenant = read_tenant(fields)?;
    fields.take("tenant");
    let client_id = config_text(fields, "client_id", 256)?.ok_or_else(|| Error::config("`client_id` is missing"))?;
    let client_secret =
        config_text(fields, "client_secret", 1024)?.ok_or_else(|| Error::config("`client_secret` is missing"))?;
    let token_url = match config_text(fields, "token_url", 2048)? {
        Some(url) => config::check_url(&url, "token_url", settings.allow_insecure_http)?,
        None => match &tenant {
            Some(t) => format!("{}{}", wire::tenant_host(t), wire::TOKEN_PATH),
            None => format!("{}{}", settings.base_url, wire::TOKEN_PATH),
        },
    };
    let scope = config_text(fields, "scope", 256)?.unwrap_or_else(|| "api_switch".into());
    let switch_id = config_text(fields, "switch_id", 128)?;
    let utc_offset = config_text(fields, "utc_offset", 8)?
        .map(|o| check_offset(&o))
        .transpose()
        .map_err(|e| Error::config(e.message))?;
    Ok(Box::new(Treazure {
        base_url: settings.base_url.clone(),
        auth: Auth { token_url, client_id, client_secret, scope, tokens: TokenCache::default() },
        switch_id,
        utc_offset,
        currency: Mutex::new(None),
    }))
}

/// `HH:mm`, optionally signed (`+01:00`, `-05:30`, `02:00`).
fn check_offset(offset: &str) -> Result<String> {
    let digits = offset.strip_prefix(['+', '-']).unwrap_or(offset);
    let ok = digits.len() == 5
        && digits.as_bytes()[2] == b':'
        && digits[..2].parse::<u8>().is_ok_and(|h| h <= 14)
        && digits[3..].parse::<u8>().is_ok_and(|m| m < 60);
    if ok {
        Ok(offset.to_string())
    } else {
        Err(Error::invalid(format!("`utc_offset` {offset:?} is not HH:mm (e.g. \"+01:00\")")))
    }
}

/// The Treazure provider of one client.
pub struct Treazure {
    base_url: String,
    auth: Auth,
    switch_id: Option<String>,
    utc_offset: Option<String>,
    /// The tenant's currency, once an answer named it: the receipt of a redeem sent without a
    /// read before it, should its answer be lost.
    currency: Mutex<Option<String>>,
}

/// How the POS identified the card.
enum CardRef {
    Id(String),
    Serial { serial: String, scratch: String },
}

/// A card as a library document needs it.
struct Card {
    id: String,
    status: String,
    balance: Decimal,
    currency: Option<String>,
    expires_at: Option<String>,
    article_set: Option<String>,
    raw: Value,
}

impl Treazure {
    /// A gift-card request with the bearer token and the default headers. `reference` goes into
    /// `ReceiptReference` (money-moving requests: the journal id, after the POS reference).
    fn request(
        &self,
        call: &Call,
        token: &str,
        path: &str,
        mut body: Value,
        reference: Option<&str>,
        offset: Option<&str>,
    ) -> HttpRequest {
        if let (Some(switch), Some(map)) = (&self.switch_id, body.as_object_mut()) {
            map.insert(wire::SWITCH_ID.into(), json!(switch));
        }
        let mut request = HttpRequest::post_json(format!("{}{path}", self.base_url), path.to_string(), &body)
            .header("authorization", format!("Bearer {token}"));
        let values =
            [call.ids.site_id.as_deref(), call.ids.pos_id.as_deref(), reference, offset.or(self.utc_offset.as_deref())];
        for (name, value) in wire::HEADERS.into_iter().zip(values) {
            if let Some(v) = value {
                request = request.header(name, v);
            }
        }
        request
    }

    /// Sends a read and parses its answer.
    fn read(&self, call: &Call, path: &str, body: Value, offset: Option<&str>) -> Result<wire::Answer> {
        let response = self
            .auth
            .authorized(call, |t| self.request(call, t, path, body.clone(), None, offset), true)
            .into_read(ID)?;
        let mut answer = wire::read(&response)?;
        answer.raw = call.redact_json(std::mem::take(&mut answer.raw));
        Ok(answer)
    }

    /// Sends a money-moving request once (plus once more with a new token after a 401, which
    /// means it was not processed); what it came to, by the engine's rule. A failure envelope
    /// (`success: false` with a return code) is Treazure saying no.
    fn write(
        &self,
        call: &Call,
        path: &str,
        body: Value,
        entry: &Entry,
        offset: Option<&str>,
    ) -> Attempt<wire::Answer> {
        let reference = receipt_reference(call, &entry.id);
        let build = |t: &str| self.request(call, t, path, body.clone(), Some(&reference), offset);
        self.auth.authorized(call, build, false).attempt(ID, |response| match wire::read(response) {
            Ok(mut answer) => {
                answer.raw = call.redact_json(std::mem::take(&mut answer.raw));
                Answer::Done((answer, Raw::NULL))
            }
            Err(error) => error.answer(),
        })
    }

    fn card_body(card: &CardRef) -> Value {
        match card {
            CardRef::Id(id) => json!({ wire::CARD_ID: id }),
            CardRef::Serial { serial, scratch } => json!({ wire::SERIAL_NUMBER: serial, wire::SCRATCH_CODE: scratch }),
        }
    }

    /// GetBalance: the card as it is now.
    fn fetch_card(&self, call: &Call, card: &CardRef, offset: Option<&str>) -> Result<Card> {
        let answer = self.read(call, wire::GET_BALANCE, Self::card_body(card), offset)?;
        let card = card_of(call, answer)?;
        call.hide_code(&card.id);
        self.remember_currency(card.currency.as_deref());
        Ok(card)
    }

    fn remember_currency(&self, currency: Option<&str>) {
        if let Some(c) = currency.filter(|c| !c.is_empty()) {
            *self.currency.lock().unwrap_or_else(|p| p.into_inner()) = Some(c.to_string());
        }
    }

    fn currency(&self) -> Option<String> {
        self.currency.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The card's id (GetBalance first when the POS gave the serial number and scratch code).
    fn card_id(&self, call: &Call, card: &CardRef, offset: Option<&str>) -> Result<String> {
        match card {
            CardRef::Id(id) => Ok(id.clone()),
            CardRef::Serial { .. } => Ok(self.fetch_card(call, card, offset)?.id),
        }
    }

    /// The regular history of a card.
    fn fetch_history(&self, call: &Call, card_id: &str, condensed: bool) -> Result<Vec<wire::HistoryEntry>> {
        let answer =
            self.read(call, wire::HISTORY, json!({ wire::CARD_ID: card_id, wire::CONDENSED: condensed }), None)?;
        Ok(answer.history.unwrap_or_default())
    }

    /// The document of a card as Treazure showed it, with the check-balance slip.
    fn voucher(&self, call: &Call, card: Card) -> Voucher {
        let status = status_of(&card.status);
        let redeemable = status == VoucherStatus::Active && card.balance > Decimal::ZERO;
        let voice = call.voice();
        let message = match status {
            VoucherStatus::Active if redeemable => None,
            VoucherStatus::Created => Some(voice.text(Text::CardNotSold)),
            VoucherStatus::Expired => Some(voice.text(Text::CardExpired)),
            VoucherStatus::Void => Some(voice.text(Text::CardVoid)),
            VoucherStatus::Refunded => Some(voice.text(Text::CardRefunded)),
            _ => Some(voice.text(Text::CardEmpty)),
        };
        // Which articles are in the set, Treazure Promo (GetArticleSetSummary) tells.
        let restrictions = card
            .article_set
            .clone()
            .map(|set| Restriction {
                kind: "article_set".into(),
                message: voice.fill(Text::ArticleSet, &[("set", &set)]),
                code: set,
            })
            .into_iter()
            .collect();
        let receipt_lines = slip(call, &card.id, None, Some(card.balance), card.currency.as_deref());
        Voucher {
            redeemable,
            balance: Some(card.balance),
            currency: card.currency,
            message,
            expires_at: card.expires_at,
            restrictions,
            ..Voucher::new(ID, card.id, status, receipt_lines, Raw::from_value(&card.raw))
        }
    }
}

/// The card of an answer, or an unusable-answer error; its `raw` is the answer's card as
/// Treazure wrote it.
fn card_of(call: &Call, answer: wire::Answer) -> Result<Card> {
    let unusable = |what: &str| -> Error { ProviderError::unusable(wire::NAME, 200, what).into() };
    let card = answer.giftcard.ok_or_else(|| unusable("no `giftcard`"))?;
    let balance = money::parse_decimal(&card.balance, "balance").map_err(|e| unusable(&e.message))?;
    let raw = match answer.raw {
        Value::Object(map) => map.into_iter().find(|(k, _)| k.eq_ignore_ascii_case("giftcard")).map(|(_, v)| v),
        _ => None,
    };
    let raw = call.redact_json(raw.unwrap_or(Value::Null));
    Ok(Card {
        id: card.card_id,
        status: card.status,
        balance: money::with_scale(balance, DECIMALS),
        currency: card.currency,
        expires_at: card.expiry_date,
        article_set: card.article_set_code,
        raw,
    })
}

fn status_of(status: &str) -> VoucherStatus {
    match status.to_ascii_lowercase().as_str() {
        "refunded" => VoucherStatus::Refunded,
        "expired" => VoucherStatus::Expired,
        "void" => VoucherStatus::Void,
        "created" => VoucherStatus::Created,
        "active" => VoucherStatus::Active,
        "redeemed" => VoucherStatus::Redeemed,
        _ => VoucherStatus::Unknown,
    }
}

/// `ReceiptReference`: the POS reference, then our transaction id (history entries carry it,
/// which is how a lost answer is found again).
fn receipt_reference(call: &Call, transaction_id: &str) -> String {
    match &call.ids.reference {
        Some(r) => format!("{r} [{transaction_id}]"),
        None => transaction_id.to_string(),
    }
}

fn read_card(call: &Call, req: &mut Fields) -> Result<CardRef> {
    let has_code = req.has("code");
    let (has_serial, has_scratch) = (req.has("serial_number"), req.has("scratch_code"));
    match (has_code, has_serial, has_scratch) {
        (true, false, false) => {
            let id = req.code("code", CODE_RULES)?;
            call.hide_code(&id);
            Ok(CardRef::Id(id))
        }
        (false, true, true) => {
            let serial = req.code("serial_number", CODE_RULES)?;
            let scratch = req.text("scratch_code", 64)?.trim().to_string();
            call.hide_secret(&scratch);
            call.hide_code(&serial);
            Ok(CardRef::Serial { serial, scratch })
        }
        (true, _, _) => Err(Error::invalid("give either `code` or `serial_number` + `scratch_code`, not both")),
        (false, true, false) => Err(Error::invalid("`scratch_code` is missing (it goes with `serial_number`)")),
        (false, false, true) => Err(Error::invalid("`serial_number` is missing (it goes with `scratch_code`)")),
        (false, false, false) => Err(Error::invalid("`code` (or `serial_number` + `scratch_code`) is missing")),
    }
}

fn read_offset(req: &mut Fields) -> Result<Option<String>> {
    req.opt_text("utc_offset", 8)?.map(|o| check_offset(&o)).transpose()
}

impl Provider for Treazure {
    /// The token (its request opens the way to the token host), and the way to the API host when
    /// it is another.
    fn prepare(&self, call: &Call) -> Result<()> {
        self.auth.warm(call)?;
        let authority = |url: &str| url.parse::<ureq::http::Uri>().ok().and_then(|u| u.authority().cloned());
        if authority(&self.auth.token_url) != authority(&self.base_url) {
            providers::open_way(call, &format!("{}/", self.base_url))?;
        }
        Ok(())
    }

    /// The till's `utc_offset`.
    fn time_zone(&self) -> Option<Zone> {
        self.utc_offset.as_deref().and_then(Zone::parse)
    }

    fn balance(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let card = read_card(call, req)?;
        let offset = read_offset(req)?;
        req.finish()?;
        Ok(self.voucher(call, self.fetch_card(call, &card, offset.as_deref())?))
    }

    fn activation_status(&self, call: &Call, req: &mut Fields) -> Result<ActivationStatus> {
        let card = read_card(call, req)?;
        let offset = read_offset(req)?;
        req.finish()?;
        let card = self.fetch_card(call, &card, offset.as_deref())?;
        let voice = call.voice();
        let (can_activate, message) = match status_of(&card.status) {
            VoucherStatus::Created => (true, None),
            VoucherStatus::Active => (true, Some(voice.text(Text::CardLoadsMore))),
            _ => (false, Some(voice.fill(Text::CardCannotBeSold, &[("status", &card.status)]))),
        };
        Ok(ActivationStatus {
            provider: None,
            code: card.id,
            can_activate,
            free_amount: true,
            amount: None,
            currency: card.currency,
            message,
        })
    }

    fn activate(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let card = read_card(call, req)?;
        let amount = req.amount("amount", DECIMALS)?;
        let offset = read_offset(req)?;
        req.finish()?;
        let card_id = self.card_id(call, &card, offset.as_deref())?;
        transaction::execute(
            call,
            self,
            &card_id,
            // Nothing to read first: whether the card's status allows it is Treazure's to say
            // (WrongStatus), and a lost answer is found in the card's history.
            |code| Ok(unread(code, Some(amount), Raw::NULL, self.currency(), ())),
            |entry, ()| {
                let body = json!({ wire::CARD_ID: entry.code, wire::AMOUNT: decimal_number(amount) });
                self.write(call, wire::ACTIVATE, body, entry, offset.as_deref()).map(|answer| {
                    let activation_id = answer.activation_id.clone();
                    let voucher = card_of(call, answer).map(|c| self.voucher(call, c));
                    let mut voucher =
                        voucher.unwrap_or_else(|_| self.voucher_known(call, &entry.code, None, VoucherStatus::Active));
                    voucher.transaction_id = activation_id.clone();
                    voucher.receipt_lines = sold(call, &voucher, Text::Sold, amount);
                    call.log(Level::Info, || format!("activated {} with {amount}", entry.code));
                    (voucher, typed(&Seen { activation_id, ..Seen::default() }))
                })
            },
            |entry, ()| {
                let seen = Entry::read::<Seen>(&entry.result).unwrap_or_default();
                let mut v = self.voucher_known(call, &entry.code, seen.balance(), VoucherStatus::Active);
                v.transaction_id = seen.activation_id;
                v.receipt_lines = sold(call, &v, Text::Sold, amount);
                v
            },
        )
    }

    fn cancel_activation(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let card = read_card(call, req)?;
        let activation_id = req.text("transaction_id", 256)?;
        let offset = read_offset(req)?;
        req.finish()?;
        let card_id = self.card_id(call, &card, offset.as_deref())?;
        transaction::execute(
            call,
            self,
            &card_id,
            // Nothing to read first: the cancel names the activation; a lost answer is found in
            // the card's history.
            |code| Ok(unread(code, None, typed(&CancelOf { id: activation_id.clone() }), self.currency(), ())),
            |entry, ()| {
                self.send_cancel(call, entry, offset.as_deref()).map(|answer| {
                    let mut voucher = card_of(call, answer)
                        .map(|c| self.voucher(call, c))
                        .unwrap_or_else(|_| self.voucher_known(call, &entry.code, None, VoucherStatus::Unknown));
                    voucher.receipt_lines = sale_cancelled(call, &voucher);
                    (voucher, Raw::NULL)
                })
            },
            |entry, ()| {
                let seen = Entry::read::<Seen>(&entry.result).unwrap_or_default();
                let mut voucher = self.voucher_known(call, &entry.code, seen.balance(), VoucherStatus::Unknown);
                voucher.receipt_lines = sale_cancelled(call, &voucher);
                voucher
            },
        )
    }

    fn redeem(&self, call: &Call, req: &mut Fields) -> Result<Redemption> {
        let card = read_card(call, req)?;
        let wanted = req.amount_wanted(DECIMALS)?;
        let offset = read_offset(req)?;
        req.finish()?;
        let card_id = self.card_id(call, &card, offset.as_deref())?;
        let redemption =
            |code: &str, amount: Decimal, currency: Option<String>, left: Option<Decimal>, id: Option<String>| {
                Redemption {
                    provider: ID,
                    receipt_lines: slip(call, code, Some((Text::Redeemed, amount)), left, currency.as_deref()),
                    code: code.to_string(),
                    amount: Some(amount),
                    balance: left,
                    currency,
                    transaction_id: id,
                }
            };
        transaction::execute(
            call,
            self,
            &card_id,
            |code| {
                // An amount given for a card id: nothing to read first. Whether the card allows it
                // (its status, its balance) is Treazure's to say (WrongStatus), and a lost answer is
                // found in the card's history by the journal id in ReceiptReference: a read before
                // would protect nothing. "Up to" needs the balance: min(remaining_to_pay, balance).
                if let (AmountWanted::Exactly(amount), CardRef::Id(_)) = (wanted, &card) {
                    let currency = self.currency();
                    return Ok(unread(code, Some(amount), Raw::NULL, currency.clone(), (amount, currency)));
                }
                let before = self.fetch_card(call, &CardRef::Id(code.to_string()), offset.as_deref())?;
                let amount = wanted.resolve(before.balance, before.currency.as_deref())?;
                Ok(plan(&before, Some(amount), Raw::NULL, (amount, before.currency.clone())))
            },
            |entry, (amount, currency)| {
                let body = json!({ wire::CARD_ID: entry.code, wire::AMOUNT: decimal_number(*amount) });
                self.write(call, wire::REDEEM, body, entry, offset.as_deref()).map(|answer| {
                    let redeem_id = answer.redeem_id.clone();
                    let after = card_of(call, answer).ok();
                    self.remember_currency(after.as_ref().and_then(|c| c.currency.as_deref()));
                    let currency = after.as_ref().and_then(|c| c.currency.clone()).or_else(|| currency.clone());
                    call.log(Level::Info, || format!("redeemed {amount} from {}", entry.code));
                    let ids = typed(&Seen { redeem_id: redeem_id.clone(), ..Seen::default() });
                    (redemption(&entry.code, *amount, currency, after.map(|c| c.balance), redeem_id), ids)
                })
            },
            |entry, (amount, currency)| {
                let seen = Entry::read::<Seen>(&entry.result).unwrap_or_default();
                redemption(&entry.code, *amount, currency.clone(), seen.balance(), seen.redeem_id)
            },
        )
    }

    fn cancel_redemption(&self, call: &Call, req: &mut Fields) -> Result<Redemption> {
        let card = read_card(call, req)?;
        let redeem_id = req.text("transaction_id", 256)?;
        let amount = req.opt_amount("amount", DECIMALS)?;
        let offset = read_offset(req)?;
        req.finish()?;
        let card_id = self.card_id(call, &card, offset.as_deref())?;
        let cancelled = |code: &str, given_back: Decimal, currency: Option<String>, left: Option<Decimal>| Redemption {
            provider: ID,
            receipt_lines: slip(call, code, Some((Text::Cancelled, given_back)), left, currency.as_deref()),
            code: code.to_string(),
            amount: Some(given_back),
            balance: left,
            currency,
            transaction_id: Some(redeem_id.clone()),
        };
        transaction::execute(
            call,
            self,
            &card_id,
            |code| {
                // The history says how much the redemption took (Treazure always cancels all of it:
                // what the receipt and the journal say is given back), the balance now and the
                // currency. The one read before the cancel; a lost answer is found in the history.
                let history = self.fetch_history(call, code, false)?;
                let redeemed = history
                    .iter()
                    .find(|h| h.transaction_id.as_deref() == Some(redeem_id.as_str()))
                    .and_then(|h| money::parse_decimal(&h.mutation, "mutation").ok())
                    .map(|m| money::with_scale(-m, DECIMALS));
                if let (Some(asked), Some(taken)) = (amount, redeemed)
                    && asked != taken
                {
                    return Err(Error::invalid(format!(
                        "`amount` {asked} differs from the redemption's {taken}: Treazure cancels a redemption in full"
                    )));
                }
                let last = history.last();
                let balance_now = last
                    .and_then(|h| money::parse_decimal(&h.balance, "balance").ok())
                    .map(|b| money::with_scale(b, DECIMALS));
                let currency = last.and_then(|h| h.currency.clone()).or_else(|| self.currency());
                let given_back = amount.or(redeemed).unwrap_or(Decimal::ZERO);
                Ok(Plan {
                    code: code.to_string(),
                    amount: Some(given_back),
                    currency: currency.clone(),
                    evidence: Raw::NULL,
                    data: typed(&CancelOf { id: redeem_id.clone() }),
                    context: (given_back, currency, balance_now),
                })
            },
            |entry, (given_back, currency, _)| {
                self.send_cancel(call, entry, offset.as_deref()).map(|answer| {
                    let left = card_of(call, answer).ok().map(|c| c.balance);
                    (cancelled(&entry.code, *given_back, currency.clone(), left), Raw::NULL)
                })
            },
            |entry, (given_back, currency, balance_now)| {
                cancelled(&entry.code, *given_back, currency.clone(), balance_now.map(|b| b + *given_back))
            },
        )
    }

    fn issue(&self, call: &Call, req: &mut Fields) -> Result<Voucher> {
        let amount = req.amount("amount", DECIMALS)?;
        let offset = read_offset(req)?;
        req.finish()?;
        // A new card: nothing to serialize on but this call.
        let key = format!("issue:{}", call.ids.transaction_id);
        transaction::execute(
            call,
            self,
            &key,
            |code| {
                Ok(Plan {
                    code: code.to_string(),
                    amount: Some(amount),
                    currency: None,
                    evidence: Raw::NULL,
                    data: Raw::NULL,
                    context: (),
                })
            },
            |entry, ()| {
                self.write(call, wire::ISSUE, json!({ wire::AMOUNT: decimal_number(amount) }), entry, offset.as_deref())
                    .map(|answer| {
                        let activation_id = answer.activation_id.clone();
                        match card_of(call, answer) {
                            Ok(card) => {
                                call.hide_code(&card.id);
                                call.log(Level::Info, || format!("issued {} with {amount}", card.id));
                                let card_id = Some(card.id.clone());
                                let mut v = self.voucher(call, card);
                                v.transaction_id = activation_id.clone();
                                v.receipt_lines = sold(call, &v, Text::Issued, amount);
                                (v, typed(&Seen { activation_id, card_id, ..Seen::default() }))
                            }
                            // The card went through without a readable id: report what is known.
                            Err(_) => {
                                let mut v = self.voucher_known(call, "", Some(amount), VoucherStatus::Active);
                                v.transaction_id = activation_id.clone();
                                v.receipt_lines = sold(call, &v, Text::Issued, amount);
                                (v, typed(&Seen { activation_id, ..Seen::default() }))
                            }
                        }
                    })
            },
            |_, ()| {
                let mut v = self.voucher_known(call, "", Some(amount), VoucherStatus::Active);
                v.receipt_lines = sold(call, &v, Text::Issued, amount);
                v
            },
        )
    }

    fn history(&self, call: &Call, req: &mut Fields) -> Result<History> {
        let card = read_card(call, req)?;
        let condensed = req.opt_bool("condensed")?.unwrap_or(false);
        let offset = read_offset(req)?;
        req.finish()?;
        let card_id = self.card_id(call, &card, offset.as_deref())?;
        let amount = |v: &Value| money::parse_decimal(v, "amount").ok().map(|d| money::with_scale(d, DECIMALS));
        let entries = self
            .fetch_history(call, &card_id, condensed)?
            .into_iter()
            .map(|h| HistoryLine {
                mutation: amount(&h.mutation),
                balance: amount(&h.balance),
                old_status: h.old_status.as_deref().map(status_of),
                new_status: h.new_status.as_deref().map(status_of),
                at: h.timestamp,
                shop_id: h.shop_id,
                pos_id: h.pos_id,
                receipt: h.receipt_nr,
                operator_id: h.operator_id,
                comment: h.comment,
                currency: h.currency,
                transaction_id: h.transaction_id,
            })
            .collect();
        Ok(History { provider: ID, code: card_id, condensed, entries })
    }
}

impl Settlement for Treazure {
    /// Every mutation in a card's regular history carries the `ReceiptReference` it was made with,
    /// which holds our journal id: found, it went through (with Treazure's id and the balance after).
    fn check(&self, call: &Call, entry: &Entry) -> Check {
        if entry.operation == Operation::Issue {
            return Check::Unknown(
                "Treazure's answer held the new card's id; no lookup finds the card without it".into(),
            );
        }
        let history = match self.fetch_history(call, &entry.code, false) {
            Ok(h) => h,
            Err(e) => return Check::Unknown(format!("could not read the card's history: {}", e.message)),
        };
        match history.iter().rev().find(|h| h.receipt_nr.as_deref().is_some_and(|r| r.contains(entry.id.as_str()))) {
            Some(h) => {
                let id = h.transaction_id.clone();
                let mut seen = Seen { balance: Some(h.balance.clone()), ..Seen::default() };
                match entry.operation {
                    Operation::Redeem => seen.redeem_id = id,
                    Operation::Activate => seen.activation_id = id,
                    _ => {}
                }
                Check::Applied(typed(&seen))
            }
            None => Check::Absent,
        }
    }

    fn send_undo(&self, call: &Call, entry: &Entry) -> Attempt<()> {
        self.send_cancel(call, entry, None).map(|_| ((), Raw::NULL))
    }

    fn reversal(&self, entry: &Entry) -> Option<Undo> {
        let seen = Entry::read::<Seen>(&entry.result)?;
        let (operation, id) = match entry.operation {
            Operation::Redeem => (Operation::CancelRedemption, seen.redeem_id?),
            Operation::Activate => (Operation::CancelActivation, seen.activation_id?),
            _ => return None,
        };
        Some(Undo { operation, data: typed(&CancelOf { id }) })
    }
}

impl Treazure {
    /// Sends the cancel a journal entry describes: its operation says which, its data
    /// ([`CancelOf`]) the id to cancel.
    fn send_cancel(&self, call: &Call, entry: &Entry, offset: Option<&str>) -> Attempt<wire::Answer> {
        let Some(CancelOf { id }) = Entry::read(&entry.data) else {
            return Attempt::Refused(Error::internal(format!("journal entry {} names nothing to cancel", entry.id)));
        };
        let (path, body) = match entry.operation {
            Operation::CancelRedemption => (wire::REDEEM_CANCEL, json!({ wire::REDEEM_ID: id })),
            Operation::CancelActivation => (wire::ACTIVATE_CANCEL, json!({ wire::ACTIVATION_ID: id })),
            op => return Attempt::Refused(Error::internal(format!("{op} is not a Treazure cancel"))),
        };
        self.write(call, path, body, entry, offset)
    }

    /// The document of a card after an operation whose answer was lost (or unreadable) but went
    /// through: what is known without a read — the balance the card's history showed, when a check
    /// saw it; the tenant's currency.
    fn voucher_known(&self, call: &Call, code: &str, balance: Option<Decimal>, status: VoucherStatus) -> Voucher {
        let currency = self.currency();
        let receipt_lines = slip(call, code, None, balance, currency.as_deref());
        Voucher { balance, currency, ..Voucher::new(ID, code, status, receipt_lines, Raw::NULL) }
    }
}

/// A card's receipt lines: the card, what was done (if anything), the balance after.
fn slip(
    call: &Call,
    code: &str,
    done: Option<(Text, Decimal)>,
    balance: Option<Decimal>,
    currency: Option<&str>,
) -> ReceiptLines {
    let mut receipt = Receipt::new(call, Text::GiftCard, code);
    if let Some((text, amount)) = done {
        receipt = receipt.amount(text, amount, currency);
    }
    receipt.amount_if(Text::Balance, balance, currency).lines()
}

/// The receipt of a card sold, loaded or issued for `amount`.
fn sold(call: &Call, card: &Voucher, text: Text, amount: Decimal) -> ReceiptLines {
    slip(call, &card.code, Some((text, amount)), card.balance, card.currency.as_deref())
}

/// The receipt of a sale cancelled.
fn sale_cancelled(call: &Call, card: &Voucher) -> ReceiptLines {
    let currency = card.currency.as_deref();
    Receipt::new(call, Text::GiftCard, &card.code)
        .line(Text::SaleCancelled)
        .amount_if(Text::Balance, card.balance, currency)
        .lines()
}

/// The plan of an operation on a card read just before: Treazure's history is the evidence (every
/// mutation carries our journal id), so none is recorded.
fn plan<C>(before: &Card, amount: Option<Decimal>, data: Raw, context: C) -> Plan<C> {
    Plan { code: before.id.clone(), amount, currency: before.currency.clone(), evidence: Raw::NULL, data, context }
}

/// The plan of an operation sent without a read before it: Treazure says whether the card allows
/// it, and its history is the evidence.
fn unread<C>(code: &str, amount: Option<Decimal>, data: Raw, currency: Option<String>, context: C) -> Plan<C> {
    Plan { code: code.to_string(), amount, currency, evidence: Raw::NULL, data, context }
}

/// The id a cancel cancels (its journal data): Treazure's redeem id or activation id.
#[derive(Serialize, Deserialize)]
struct CancelOf {
    #[serde(alias = "redeem_id", alias = "activation_id")]
    id: String,
}

/// What Treazure showed after an operation (the journal result).
#[derive(Serialize, Deserialize, Default)]
struct Seen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redeem_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    activation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    card_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    balance: Option<Value>,
}

impl Seen {
    /// The balance the card's history showed after the operation, when a check saw it.
    fn balance(&self) -> Option<Decimal> {
        let balance = self.balance.as_ref()?;
        money::parse_decimal(balance, "balance").ok().map(|d| money::with_scale(d, DECIMALS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_hh_mm() {
        for ok in ["+01:00", "-05:30", "02:00", "+14:00"] {
            assert!(check_offset(ok).is_ok(), "{ok}");
        }
        for bad in ["1:00", "+1:00", "+15:00", "+01:60", "0100", "UTC+1", ""] {
            assert!(check_offset(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_status_maps() {
        for (t, v) in [
            ("Refunded", VoucherStatus::Refunded),
            ("Expired", VoucherStatus::Expired),
            ("Void", VoucherStatus::Void),
            ("Created", VoucherStatus::Created),
            ("Active", VoucherStatus::Active),
            ("Redeemed", VoucherStatus::Redeemed),
            ("Blocked", VoucherStatus::Unknown),
        ] {
            assert_eq!(status_of(t), v);
        }
    }

    #[test]
    fn amounts_go_out_as_exact_json_numbers() {
        assert_eq!(decimal_number("12.50".parse().unwrap()).to_string(), "12.50");
    }
}
