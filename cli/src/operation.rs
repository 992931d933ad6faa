//! `voucherlink <operation> --config till.json …`: one operation of the C API against the
//! configured provider.

use clap::Args;
use serde_json::{Map, Value};
use voucherlink::Operation;

use crate::OpArgs;
use crate::output;

/// The request fields as flags: named after the fields, `-` for `_`. Each is sent only when
/// given; the library refuses a field the operation does not take, naming it.
#[derive(Args, Default)]
pub struct RequestFields {
    /// The voucher, card or coupon code as scanned or typed.
    #[arg(long)]
    pub code: Option<String>,
    /// With several providers configured: the provider to use (else the code decides).
    #[arg(long)]
    pub provider: Option<String>,
    /// An amount ("12.50").
    #[arg(long)]
    pub amount: Option<String>,
    /// What the sale still needs: the voucher pays min(this, balance).
    #[arg(long)]
    pub remaining_to_pay: Option<String>,
    /// Coupontools: the sale total.
    #[arg(long)]
    pub money_spent: Option<String>,
    /// The id of the redemption or activation to cancel.
    #[arg(long)]
    pub transaction_id: Option<String>,
    /// Why a voucher is taken back.
    #[arg(long)]
    pub reason: Option<String>,
    /// Treazure: the card's serial number (with --scratch-code).
    #[arg(long)]
    pub serial_number: Option<String>,
    /// Treazure: the scratch code (never printed).
    #[arg(long)]
    pub scratch_code: Option<String>,
    /// Treazure: the till's offset from UTC ("+01:00").
    #[arg(long)]
    pub utc_offset: Option<String>,
    /// History: one line per day and kind.
    #[arg(long)]
    pub condensed: bool,
    /// GonnaOrder: the member's code.
    #[arg(long)]
    pub member_code: Option<String>,
    /// GonnaOrder: the member's phone number (+30...).
    #[arg(long)]
    pub phone_number: Option<String>,
    /// GonnaOrder: a member code or phone number.
    #[arg(long)]
    pub search: Option<String>,
    /// GonnaOrder: the POS's order id.
    #[arg(long)]
    pub order_id: Option<String>,
    /// GonnaOrder: the order total before the discount.
    #[arg(long)]
    pub order_total: Option<String>,
    /// GonnaOrder: the discount given.
    #[arg(long)]
    pub discount: Option<String>,
    /// GonnaOrder: the total paid.
    #[arg(long)]
    pub total_after_discount: Option<String>,
    /// recover: one journal entry.
    #[arg(long)]
    pub journal_id: Option<String>,
    /// recover: settle --journal-id by hand as "done" or "failed".
    #[arg(long, value_parser = ["done", "failed"])]
    pub outcome: Option<String>,
    /// The POS receipt or transaction number.
    #[arg(long)]
    pub reference: Option<String>,
    /// The till, instead of the configuration's pos_id.
    #[arg(long)]
    pub pos_id: Option<String>,
    /// The shop, instead of the configuration's site_id.
    #[arg(long)]
    pub site_id: Option<String>,
    /// The cashier, instead of the configuration's operator_id.
    #[arg(long)]
    pub operator_id: Option<String>,
    /// The language of receipt lines and messages (de, fr, it, en, nl, el).
    #[arg(long)]
    pub language: Option<String>,
}

impl RequestFields {
    /// The flags given, as request members.
    fn members(&self) -> Vec<(&'static str, Value)> {
        let text = [
            ("code", &self.code),
            ("provider", &self.provider),
            ("amount", &self.amount),
            ("remaining_to_pay", &self.remaining_to_pay),
            ("money_spent", &self.money_spent),
            ("transaction_id", &self.transaction_id),
            ("reason", &self.reason),
            ("serial_number", &self.serial_number),
            ("scratch_code", &self.scratch_code),
            ("utc_offset", &self.utc_offset),
            ("member_code", &self.member_code),
            ("phone_number", &self.phone_number),
            ("search", &self.search),
            ("order_id", &self.order_id),
            ("order_total", &self.order_total),
            ("discount", &self.discount),
            ("total_after_discount", &self.total_after_discount),
            ("journal_id", &self.journal_id),
            ("outcome", &self.outcome),
            ("reference", &self.reference),
            ("pos_id", &self.pos_id),
            ("site_id", &self.site_id),
            ("operator_id", &self.operator_id),
            ("language", &self.language),
        ];
        let mut members: Vec<(&'static str, Value)> =
            text.into_iter().filter_map(|(k, v)| v.clone().map(|v| (k, Value::String(v)))).collect();
        if self.condensed {
            members.push(("condensed", Value::Bool(true)));
        }
        members
    }
}

/// The request: `--request` with the flags added.
pub fn request(args: &OpArgs) -> Result<Value, String> {
    let mut request = match &args.request {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err("--request must be a JSON object".into()),
            Err(e) => return Err(format!("--request is not JSON: {e}")),
        },
    };
    for (key, value) in args.fields.members() {
        request.insert(key.to_string(), value);
    }
    Ok(Value::Object(request))
}

/// Runs one operation; the exit code is its status.
pub fn run(op: Operation, args: &OpArgs) -> u8 {
    let request = match request(args) {
        Ok(r) => r,
        Err(e) => return output::usage_error(&e),
    };
    let (client, _) = match output::client(&args.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let settles_by_hand = op == Operation::Recover && request.get("outcome").is_some();
    // Asked only for what the provider can do: an unsupported operation is refused before.
    if (op.moves_money() || settles_by_hand) && client.operations().contains(&op) {
        let what =
            if settles_by_hand { "settle a journal entry by hand".to_string() } else { op.name().replace('_', " ") };
        let question = format!("{what} at {} with {}", destination(&client, &request), request_for_people(&request));
        if let Err(code) = output::confirm(&question, args.yes) {
            return code;
        }
    }
    let result = client.execute(op, &request.to_string());
    output::print_result(&result, args.json)
}

/// Where a call goes, for the confirmation question: the provider and its URL; with several
/// providers and none named, the providers the code may belong to.
fn destination(client: &voucherlink::Client, request: &Value) -> String {
    let description = client.describe();
    let accounts = match description["providers"].as_array() {
        Some(list) => list.clone(),
        None => vec![description.clone()],
    };
    let named = request.get("provider").and_then(Value::as_str);
    let chosen: Vec<&Value> =
        accounts.iter().filter(|a| named.is_none_or(|n| a["provider"].as_str() == Some(n))).collect();
    match chosen.as_slice() {
        [one] => format!(
            "{} ({})",
            one["provider"].as_str().unwrap_or("?"),
            one["settings"]["base_url"].as_str().unwrap_or("?")
        ),
        many => {
            let ids: Vec<&str> = many.iter().filter_map(|a| a["provider"].as_str()).collect();
            format!("the provider that knows the code (of {})", ids.join(", "))
        }
    }
}

/// A request as the confirmation question shows it (a scratch code is not repeated).
fn request_for_people(request: &Value) -> String {
    let mut shown = request.clone();
    if let Some(map) = shown.as_object_mut()
        && map.contains_key("scratch_code")
    {
        map.insert("scratch_code".into(), Value::String("…".into()));
    }
    output::one_line(&shown)
}
