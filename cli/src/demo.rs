//! A complete checkout against the built-in simulator, through the exported C functions, printing
//! what the cashier would see. Exits non-zero if any step does not go as a till expects.

use std::ffi::{CStr, CString, c_char};

use serde_json::{Value, json};
use voucherlink::VlStatus;
use voucherlink::ffi::{self, VlClient};

type OperationFn = unsafe extern "system" fn(*const VlClient, *const c_char, *mut *mut c_char) -> VlStatus;

/// A client handle, freed on drop.
struct Till(*mut VlClient);

impl Till {
    fn open(config: &Value) -> Result<Till, String> {
        let config = CString::new(config.to_string()).expect("JSON has no NUL");
        let (mut client, mut out) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: valid C string and out-pointers; the document is freed by take_document.
        let status = unsafe { ffi::vl_client_new(config.as_ptr(), &mut client, &mut out) };
        let doc = take_document(out);
        if status != VlStatus::VL_OK {
            return Err(format!("vl_client_new failed: {doc}"));
        }
        Ok(Till(client))
    }

    /// Calls one `vl_<operation>` and returns its status and document.
    fn call(&self, f: OperationFn, request: Value) -> (VlStatus, Value) {
        let request = CString::new(request.to_string()).expect("JSON has no NUL");
        let mut out = std::ptr::null_mut();
        // SAFETY: live client, valid C string, valid out-pointer.
        let status = unsafe { f(self.0, request.as_ptr(), &mut out) };
        (status, take_document(out))
    }
}

impl Drop for Till {
    fn drop(&mut self) {
        // SAFETY: the handle came from vl_client_new and is freed once.
        unsafe { ffi::vl_client_free(self.0) };
    }
}

fn take_document(out: *mut c_char) -> Value {
    if out.is_null() {
        return Value::Null;
    }
    // SAFETY: the library handed out a NUL-terminated string; freed right after copying.
    let text = unsafe { CStr::from_ptr(out) }.to_string_lossy().into_owned();
    unsafe { ffi::vl_string_free(out) };
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("-")
}

fn expect(ok: bool, what: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(format!("unexpected: {what}")) }
}

pub fn run() -> u8 {
    match checkout() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("demo failed: {e}");
            1
        }
    }
}

fn checkout() -> Result<(), String> {
    let sim = voucherlink_sim::Simulator::start("127.0.0.1:0", &voucherlink_sim::demo_fixtures())?;
    println!("voucherlink {} — checkout demo against the built-in provider simulator", voucherlink::VERSION);
    println!(
        "(no account, no network: e-guma, Treazure, GonnaOrder and Coupontools are simulated at {})\n",
        sim.root_url()
    );

    one_till(&sim)?;

    let till = Till::open(&json!({
        "provider": "eguma", "api_key": "demo-outlet-1", "base_url": sim.url("eguma"),
        "pos_id": "KASSE-1", "operator_id": "42", "timeout_ms": 5000,
    }))?;

    println!("Sale 1001 — total CHF 80.00");
    let scanned = "L4FU-5LQT-KJR3";
    println!("  Cashier scans voucher   {scanned}");
    let (status, doc) = till.call(ffi::vl_balance, json!({ "code": scanned }));
    expect(status == VlStatus::VL_OK, "balance failed")?;
    let v = &doc["data"];
    println!(
        "  Balance                 {} {} — {}",
        text(&v["currency"]),
        text(&v["balance"]),
        if v["redeemable"] == json!(true) { "can pay" } else { "cannot pay" }
    );
    let code = text(&v["code"]).to_string();

    let (status, doc) =
        till.call(ffi::vl_redeem, json!({ "code": code, "remaining_to_pay": "80.00", "reference": "1001" }));
    expect(status == VlStatus::VL_OK, "redeem failed")?;
    let r = &doc["data"];
    let (taken, token) = (text(&r["amount"]).to_string(), text(&r["transaction_id"]).to_string());
    println!("  Voucher pays            {} {}   (min(still to pay 80.00, balance))", text(&r["currency"]), taken);
    println!("  Left on the voucher     {} {}", text(&r["currency"]), text(&r["balance"]));
    println!("  Receipt:");
    for line in r["receipt_lines"].as_array().into_iter().flatten() {
        println!("    | {}", text(line));
    }
    println!("  Still to pay            CHF 30.00 → cash\n");

    println!("Sale 1002 — the customer tries the same voucher again");
    let (_, doc) = till.call(ffi::vl_balance, json!({ "code": scanned }));
    println!(
        "  Balance                 {} {} — {}",
        text(&doc["data"]["currency"]),
        text(&doc["data"]["balance"]),
        text(&doc["data"]["message"])
    );
    let (status, doc) =
        till.call(ffi::vl_redeem, json!({ "code": code, "remaining_to_pay": "12.00", "reference": "1002" }));
    expect(status == VlStatus::VL_REJECTED, "a used voucher must be refused")?;
    println!("  Refused ({:?})    \"{}\"\n", status, text(&doc["error"]["message"]));

    println!("Sale 1001 is voided — the voucher payment is given back");
    let (status, doc) =
        till.call(ffi::vl_cancel_redemption, json!({ "code": code, "transaction_id": token, "amount": taken }));
    expect(status == VlStatus::VL_OK, "cancel failed")?;
    println!(
        "  Given back              {} {}, balance {} {}\n",
        text(&doc["data"]["currency"]),
        text(&doc["data"]["amount"]),
        text(&doc["data"]["currency"]),
        text(&doc["data"]["balance"])
    );

    println!("Sale 1003 — a gift voucher is sold (e-guma depot voucher with a free amount)");
    let depot = "DEP0T0000002";
    let (status, doc) = till.call(ffi::vl_activation_status, json!({ "code": depot }));
    expect(status == VlStatus::VL_OK && doc["data"]["can_activate"] == json!(true), "depot voucher not sellable")?;
    println!("  Activation status       can be sold, free amount: {}", doc["data"]["free_amount"]);
    println!("  Cashier enters          CHF 25.00");
    let (status, doc) = till.call(ffi::vl_activate, json!({ "code": depot, "amount": "25.00", "reference": "1003" }));
    expect(status == VlStatus::VL_OK, "activation failed")?;
    println!(
        "  Activated               {} with {} {}",
        text(&doc["data"]["code"]),
        text(&doc["data"]["currency"]),
        text(&doc["data"]["balance"])
    );
    let (status, doc) = till.call(ffi::vl_balance, json!({ "code": depot }));
    expect(status == VlStatus::VL_OK && doc["data"]["balance"] == json!("25.00"), "activated balance")?;
    println!("  Balance now             {} {}\n", text(&doc["data"]["currency"]), text(&doc["data"]["balance"]));

    other_providers(&sim)?;
    two_languages(&sim)?;

    println!("Every step above went through the C ABI (vl_client_new, vl_balance, vl_redeem, vl_cancel_redemption,");
    println!("vl_activation_status, vl_activate, vl_deactivate, vl_member_vouchers, vl_validate, vl_submit_order,");
    println!("vl_lock) — the calls a POS makes, with each of the four providers.");
    Ok(())
}

/// One till, one client for all four providers (docs/api.md §10): four scans, four providers
/// found, with the provider requests each cost; a money move the code alone cannot place is
/// refused before anything is sent.
fn one_till(sim: &voucherlink_sim::Simulator) -> Result<(), String> {
    println!("One till, four providers — the cashier scans, the library finds the provider");
    let entry = |provider: &str, keys: Value| {
        let mut entry = keys;
        entry["provider"] = json!(provider);
        entry["base_url"] = json!(sim.url(provider));
        entry
    };
    let till = Till::open(&json!({
        "providers": [
            entry("coupontools", json!({ "client_id": "ct", "client_secret": "secret" })),
            entry("eguma", json!({ "api_key": "demo-outlet-1" })),
            entry("treazure", json!({ "client_id": "pos", "client_secret": "secret",
                                      "codes": { "prefixes": ["628"], "lengths": [16, 19] } })),
            entry("gonnaorder", json!({ "store_id": 155, "username": "pos@store.example", "password": "pw" })),
        ],
        "pos_id": "KASSE-1", "timeout_ms": 5000,
    }))?;
    // The payment screen opens: connections, TLS and tokens now, not while the customer waits.
    let (status, doc) = till.call(ffi::vl_prepare, json!({}));
    expect(status == VlStatus::VL_OK, &format!("vl_prepare: {doc}"))?;
    let ready: Vec<String> = doc["data"]["providers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| format!("{} {} ms", text(&p["provider"]), p["ms"]))
        .collect();
    println!("  Payment screen opens    vl_prepare: ready — {}", ready.join(", "));
    let scans: [(&str, OperationFn, Value, &str); 4] = [
        (
            "a QR coupon",
            ffi::vl_balance,
            json!({ "code": "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d" }),
            "coupontools",
        ),
        ("a gift card", ffi::vl_balance, json!({ "code": "6280 0012 3456 7890" }), "treazure"),
        ("a voucher", ffi::vl_balance, json!({ "code": "L4FU-5LQT-KJR3" }), "eguma"),
        ("a loyalty code", ffi::vl_validate, json!({ "code": "XYZ", "order_total": "20.00" }), "gonnaorder"),
    ];
    for (what, operation, request, expected) in scans {
        let before = sim.total_requests();
        let (status, doc) = till.call(operation, request.clone());
        let data = &doc["data"];
        expect(status == VlStatus::VL_OK && data["provider"] == json!(expected), &format!("{what}: {doc}"))?;
        let value = match (data["balance"].as_str(), data["currency"].as_str()) {
            (Some(balance), Some(currency)) => format!("{currency} {balance}"),
            (Some(value), None) => format!("worth {value}"),
            (None, _) => format!("{} off", text(&data["discount"])),
        };
        let requests = sim.total_requests() - before;
        let scanned = text(&request["code"]);
        let shown = match scanned.char_indices().nth(30) {
            Some((cut, _)) => format!("{}…", &scanned[..cut]),
            None => scanned.to_string(),
        };
        println!(
            "  Scans {what:<15} {shown:<31} → {:<12} {value:<12} ({requests} request{})",
            expected,
            if requests == 1 { "" } else { "s" }
        );
    }
    let (status, doc) = till.call(ffi::vl_redeem, json!({ "code": "2QH3QTDM28N6", "amount": "10.00" }));
    expect(status == VlStatus::VL_INVALID_ARGUMENT, "an unplaced money move must be refused")?;
    println!(
        "  Redeem of 2QH3QTDM28N6, never looked up: refused, nothing sent (candidates {})",
        doc["error"]["providers"]
    );
    println!();
    Ok(())
}

/// The same calls with the other three providers: a Treazure gift card, a GonnaOrder loyalty
/// voucher, a Coupontools coupon.
fn other_providers(sim: &voucherlink_sim::Simulator) -> Result<(), String> {
    let print_receipt = |doc: &Value| {
        for line in doc["data"]["receipt_lines"].as_array().into_iter().flatten() {
            println!("    | {}", text(line));
        }
    };

    println!("Treazure (Netherlands) — a gift card pays EUR 10.00 of a sale");
    let till = Till::open(&json!({
        "provider": "treazure", "client_id": "pos", "client_secret": "secret", "base_url": sim.url("treazure"),
        "pos_id": "KASSA-3", "language": "nl", "timeout_ms": 5000,
    }))?;
    let (status, doc) = till.call(ffi::vl_balance, json!({ "serial_number": "100200", "scratch_code": "8391" }));
    expect(status == VlStatus::VL_OK, "Treazure balance failed")?;
    let card = text(&doc["data"]["code"]).to_string();
    println!(
        "  Card (serial 100200)    {} {} — {}",
        text(&doc["data"]["currency"]),
        text(&doc["data"]["balance"]),
        text(&doc["data"]["status"])
    );
    let (status, doc) = till.call(ffi::vl_redeem, json!({ "code": card, "amount": "10.00", "reference": "2001" }));
    expect(status == VlStatus::VL_OK, "Treazure redeem failed")?;
    println!("  Receipt (in Dutch):");
    print_receipt(&doc);
    println!();

    println!("GonnaOrder (Greece) — a loyalty member's voucher on an order of EUR 19.95");
    let till = Till::open(&json!({
        "provider": "gonnaorder", "store_id": 155, "username": "pos@store.example", "password": "pw",
        "base_url": sim.url("gonnaorder"), "timeout_ms": 5000,
    }))?;
    let (status, doc) = till.call(ffi::vl_member_vouchers, json!({ "member_code": "M-1" }));
    expect(status == VlStatus::VL_OK, "GonnaOrder member vouchers failed")?;
    let offers: Vec<String> = doc["data"]["vouchers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| format!("{} ({} {})", text(&v["code"]), text(&v["type"]), text(&v["discount"])))
        .collect();
    println!("  {:<24}{}", format!("Member M-1 ({})", text(&doc["data"]["member"]["name"])), offers.join(", "));
    let (status, doc) = till.call(ffi::vl_validate, json!({ "code": "PCT10", "order_total": "19.95" }));
    expect(status == VlStatus::VL_OK, "GonnaOrder validate failed")?;
    let (discount, total) =
        (text(&doc["data"]["discount"]).to_string(), text(&doc["data"]["total_after_discount"]).to_string());
    println!("  PCT10 takes off         EUR {discount}, to pay EUR {total}");
    let (status, _) = till.call(
        ffi::vl_submit_order,
        json!({ "order_id": "3001", "order_total": "19.95", "discount": discount, "total_after_discount": total, "code": "PCT10", "member_code": "M-1" }),
    );
    expect(status == VlStatus::VL_OK, "GonnaOrder submit order failed")?;
    println!("  Order 3001 reported     the voucher is used\n");

    println!("Coupontools (Belgium) — a scanned coupon, locked during checkout, then validated");
    let till = Till::open(&json!({
        "provider": "coupontools", "client_id": "ct", "client_secret": "secret", "base_url": sim.url("coupontools"),
        "language": "fr", "timeout_ms": 5000,
    }))?;
    let scanned = "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d";
    let (status, doc) = till.call(ffi::vl_lock, json!({ "code": scanned }));
    expect(status == VlStatus::VL_OK, "Coupontools lock failed")?;
    println!("  Scanned QR code         {} — {}", text(&doc["data"]["code"]), text(&doc["data"]["status"]));
    let (status, doc) = till.call(ffi::vl_redeem, json!({ "code": scanned, "money_spent": "42.00" }));
    expect(status == VlStatus::VL_OK, "Coupontools validate failed")?;
    println!("  Receipt (in French):");
    print_receipt(&doc);
    let (status, doc) = till.call(ffi::vl_redeem, json!({ "code": scanned }));
    expect(status == VlStatus::VL_REJECTED, "a used coupon must be refused")?;
    println!("  Scanned again           \"{}\"\n", text(&doc["error"]["message"]));
    Ok(())
}

/// A German till in Zurich and a French one in Geneva serve customers with the same e-guma
/// voucher; each prints in its own language. Shown side by side.
fn two_languages(sim: &voucherlink_sim::Simulator) -> Result<(), String> {
    println!("A German till and a French one (`language`: \"de\" / \"fr\"), side by side");
    let till = |language: &str| {
        Till::open(&json!({
            "provider": "eguma", "api_key": "demo-outlet-1", "base_url": sim.url("eguma"),
            "language": language, "time_zone": "Europe/Zurich", "timeout_ms": 5000,
        }))
    };
    let (german, french) = (till("de")?, till("fr")?);
    let voucher = "2QH3QTDM28N6";
    let steps: [(&Till, OperationFn, Value, VlStatus); 8] = [
        (&german, ffi::vl_balance, json!({ "code": voucher }), VlStatus::VL_OK),
        (&german, ffi::vl_redeem, json!({ "code": voucher, "amount": "30.00" }), VlStatus::VL_OK),
        (&german, ffi::vl_activate, json!({ "code": "DEP0T0000001" }), VlStatus::VL_OK),
        (&german, ffi::vl_redeem, json!({ "code": voucher, "amount": "500.00" }), VlStatus::VL_REJECTED),
        (&french, ffi::vl_balance, json!({ "code": voucher }), VlStatus::VL_OK),
        (&french, ffi::vl_redeem, json!({ "code": voucher, "amount": "20.00" }), VlStatus::VL_OK),
        (&french, ffi::vl_deactivate, json!({ "code": "DEP0T0000002", "reason": "retour" }), VlStatus::VL_OK),
        (&french, ffi::vl_redeem, json!({ "code": voucher, "amount": "500.00" }), VlStatus::VL_REJECTED),
    ];
    let width = 46;
    // Each step's lines, per till; a step of one till beside the same step of the other.
    let mut blocks: [Vec<Vec<String>>; 2] = [Vec::new(), Vec::new()];
    for (i, (till, operation, request, expected)) in steps.into_iter().enumerate() {
        let (status, doc) = till.call(operation, request);
        expect(status == expected, &format!("step {i} answered {status:?}: {doc}"))?;
        blocks[i / 4].push(match doc["data"]["receipt_lines"].as_array() {
            Some(lines) => lines.iter().map(|l| text(l).to_string()).collect(),
            None => wrap(&format!("! {}", text(&doc["error"]["message"])), width),
        });
    }
    println!("  {:<width$}  Caisse 2 (fr)", "Kasse 1 (de)");
    let [left, right] = &blocks;
    for (l, r) in left.iter().zip(right) {
        for i in 0..l.len().max(r.len()) {
            let (l, r) = (l.get(i).map_or("", String::as_str), r.get(i).map_or("", String::as_str));
            let line = format!("  {l}{}  {r}", " ".repeat(width.saturating_sub(l.chars().count())));
            println!("{}", line.trim_end());
        }
        println!();
    }
    Ok(())
}

/// Word-wraps a message to `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(format!("  {word}"));
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}
