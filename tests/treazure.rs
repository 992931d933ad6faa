//! Treazure end to end: the library's client against the simulator over real sockets.

mod common;

use std::time::Duration;

use serde_json::{Value, json};
use voucherlink::{Client, Operation as Op, VlStatus};
use voucherlink_sim::Simulator;

fn fixtures(token_lifetime_s: u64) -> Value {
    json!({"treazure": {
    "clients": [{"client_id": "pos", "client_secret": "s3cr3t-pos-key", "scopes": ["api_switch"]},
                {"client_id": "crm", "client_secret": "crm-secret", "scopes": ["api_crm"]}],
    "currency": "EUR", "token_lifetime_s": token_lifetime_s,
    "cards": [
        {"card_id": "6280001234567890", "serial_number": "100200", "scratch_code": "8391", "status": "active", "balance": "25.00", "expires_at": null, "article_set": null},
        {"card_id": "6280001111111111", "status": "created", "balance": "0.00"},
        {"card_id": "6280002222222222", "status": "active", "balance": "40.00", "article_set": "WINE-ONLY"},
        {"card_id": "6280003333333333", "status": "active", "balance": "10.00", "expires_at": "2020-01-01T00:00:00Z"},
        {"card_id": "6280004444444444", "status": "void", "balance": "0.00"},
        {"card_id": "6280005555555555", "status": "refunded", "balance": "0.00"},
        {"card_id": "6280006666666666", "status": "redeemed", "balance": "0.00"}
    ]}})
}

fn sim(token_lifetime_s: u64) -> Simulator {
    Simulator::start("127.0.0.1:0", &fixtures(token_lifetime_s)).unwrap()
}

fn config(sim: &Simulator) -> Value {
    json!({"provider": "treazure", "base_url": sim.url("treazure"), "client_id": "pos", "client_secret": "s3cr3t-pos-key",
           "site_id": "SHOP-7", "pos_id": "KASSE-2", "utc_offset": "+01:00", "timeout_ms": 5000})
}

fn client(sim: &Simulator) -> Client {
    Client::new(&config(sim).to_string()).unwrap()
}

fn run(client: &Client, op: Op, request: Value) -> Result<Value, (VlStatus, String)> {
    common::run(client, op, request)
}

fn card(sim: &Simulator, id: &str) -> Value {
    sim.item("treazure", id).unwrap()
}

#[test]
fn configuration_keys_and_the_tenant() {
    let err = Client::new(r#"{"provider":"treazure","client_id":"pos","client_secret":"x"}"#).err().unwrap();
    assert_eq!((err.status(), err.message.as_str()), (VlStatus::VL_CONFIG, "`base_url` is required for treazure"));
    let err = Client::new(r#"{"provider":"treazure","tenant":"acme","client_secret":"x"}"#).err().unwrap();
    assert_eq!(err.message, "`client_id` is missing");
    let err =
        Client::new(r#"{"provider":"treazure","tenant":"acme","client_id":"pos","client_secret":"x","api_key":"k"}"#)
            .err()
            .unwrap();
    assert!(err.message.contains("unknown field `api_key`"), "{}", err.message);
    let err =
        Client::new(r#"{"provider":"treazure","tenant":"ac/me","client_id":"pos","client_secret":"x"}"#).err().unwrap();
    assert_eq!(err.status(), VlStatus::VL_CONFIG);
    let err =
        Client::new(r#"{"provider":"treazure","tenant":"acme","client_id":"p","client_secret":"x","utc_offset":"1h"}"#)
            .err()
            .unwrap();
    assert!(err.message.contains("`utc_offset`"), "{}", err.message);
    let c = Client::new(r#"{"provider":"treazure","tenant":"acme","client_id":"pos","client_secret":"x"}"#).unwrap();
    assert_eq!(c.describe()["settings"]["base_url"], "https://acme.posengine.treazure-test.cloud");
    let ops: Vec<&str> = c.operations().iter().map(|o| o.name()).collect();
    assert_eq!(
        ops,
        [
            "capabilities",
            "balance",
            "redeem",
            "cancel_redemption",
            "activation_status",
            "activate",
            "cancel_activation",
            "issue",
            "history",
            "pending",
            "recover"
        ]
    );
}

#[test]
fn a_card_is_found_by_barcode_or_by_serial_number_and_scratch_code() {
    let sim = sim(3600);
    let client = client(&sim);
    let by_code = run(&client, Op::Balance, json!({"code": " 6280 0012 3456 7890 "})).unwrap();
    assert_eq!(by_code["code"], "6280001234567890");
    assert_eq!(
        (by_code["status"].as_str(), by_code["balance"].as_str(), by_code["currency"].as_str()),
        (Some("active"), Some("25.00"), Some("EUR"))
    );
    assert_eq!(by_code["redeemable"], true);
    let by_serial = run(&client, Op::Balance, json!({"serial_number": "100200", "scratch_code": "8391"})).unwrap();
    assert_eq!(by_serial["code"], "6280001234567890", "the canonical code for follow-ups");
    assert!(!by_serial.to_string().contains("8391"), "the scratch code never comes back: {by_serial}");

    let before = sim.total_requests();
    for (request, needle) in [
        (json!({"code": "6280001234567890", "serial_number": "100200", "scratch_code": "8391"}), "not both"),
        (json!({}), "`code` (or `serial_number` + `scratch_code`) is missing"),
        (json!({"serial_number": "100200"}), "`scratch_code` is missing"),
        (json!({"scratch_code": "8391"}), "`serial_number` is missing"),
        (json!({"code": "6280001234567890", "utc_offset": "one"}), "`utc_offset`"),
    ] {
        let (status, message) = run(&client, Op::Balance, request.clone()).unwrap_err();
        assert_eq!(status, VlStatus::VL_INVALID_ARGUMENT, "{request}");
        assert!(message.contains(needle), "{request}: {message}");
    }
    assert_eq!(sim.total_requests(), before, "nothing sent");
    let (status, _) =
        run(&client, Op::Balance, json!({"serial_number": "100200", "scratch_code": "0000"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_NOT_FOUND);
}

#[test]
fn every_status_expiry_and_the_article_set_restriction() {
    let sim = sim(3600);
    let client = client(&sim);
    let status = |code: &str| run(&client, Op::Balance, json!({"code": code})).unwrap();
    for (code, want, redeemable) in [
        ("6280001111111111", "created", false),
        ("6280004444444444", "void", false),
        ("6280005555555555", "refunded", false),
        ("6280006666666666", "redeemed", false),
        ("6280003333333333", "expired", false),
    ] {
        let v = status(code);
        assert_eq!((v["status"].as_str(), v["redeemable"].as_bool()), (Some(want), Some(redeemable)), "{code}: {v}");
        assert!(v["message"].is_string(), "{code}: the cashier is told why");
    }
    assert_eq!(status("6280003333333333")["balance"], "0.00", "expiry redeems the whole balance");
    let wine = status("6280002222222222");
    assert_eq!(wine["restrictions"][0]["kind"], "article_set");
    assert_eq!(wine["restrictions"][0]["code"], "WINE-ONLY");
    assert!(wine["restrictions"][0]["message"].as_str().unwrap().contains("check the basket"));
    // A redeem of an amount from a card id goes without a read before it (issue 26: one request);
    // Treazure refuses a void card itself, definitely, and nothing moves.
    let reads = sim.requests("treazure", "balance");
    let (status, message) =
        run(&client, Op::Redeem, json!({"code": "6280004444444444", "amount": "1.00"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_REJECTED, "{message}");
    assert_eq!((sim.requests("treazure", "balance"), sim.requests("treazure", "redeem")), (reads, 1), "one request");
    assert_eq!(card(&sim, "6280004444444444")["balance"], "0.00");
}

#[test]
fn selling_loading_and_cancelling_an_activation() {
    let sim = sim(3600);
    let client = client(&sim);
    let s = run(&client, Op::ActivationStatus, json!({"code": "6280001111111111"})).unwrap();
    assert_eq!((s["can_activate"].clone(), s["free_amount"].clone()), (json!(true), json!(true)));
    let (status, _) = run(&client, Op::Activate, json!({"code": "6280001111111111"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_INVALID_ARGUMENT, "Treazure needs the amount");

    let v =
        run(&client, Op::Activate, json!({"code": "6280001111111111", "amount": "30.00", "reference": "R-5"})).unwrap();
    assert_eq!((v["status"].as_str(), v["balance"].as_str()), (Some("active"), Some("30.00")));
    let activation = v["transaction_id"].as_str().unwrap().to_string();
    // A load on the active card, cancelled right after.
    let load = run(&client, Op::Activate, json!({"code": "6280001111111111", "amount": "5.50"})).unwrap();
    assert_eq!(load["balance"], "35.50");
    let back = run(
        &client,
        Op::CancelActivation,
        json!({"code": "6280001111111111", "transaction_id": load["transaction_id"]}),
    )
    .unwrap();
    assert_eq!(back["balance"], "30.00");
    // The first activation is no longer the card's last operation.
    let (status, message) =
        run(&client, Op::CancelActivation, json!({"code": "6280001111111111", "transaction_id": activation}))
            .unwrap_err();
    assert_eq!(status, VlStatus::VL_REJECTED, "{message}");
    assert_eq!(card(&sim, "6280001111111111")["balance"], "30.00");
    let (status, _) = run(&client, Op::Activate, json!({"code": "6280004444444444", "amount": "5.00"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_REJECTED, "a void card cannot be sold");
}

#[test]
fn redeeming_and_cancelling_a_redemption() {
    let sim = sim(3600);
    let client = client(&sim);
    let r = run(
        &client,
        Op::Redeem,
        json!({"serial_number": "100200", "scratch_code": "8391", "remaining_to_pay": "30.00"}),
    )
    .unwrap();
    assert_eq!(
        (r["amount"].as_str(), r["balance"].as_str(), r["code"].as_str()),
        (Some("25.00"), Some("0.00"), Some("6280001234567890"))
    );
    assert_eq!(r["receipt_lines"], json!(["Gift card ********7890", "Redeemed €25.00", "Balance €0.00"]));
    assert_eq!(card(&sim, "6280001234567890")["status"], "redeemed");
    let token = r["transaction_id"].as_str().unwrap();
    let (status, message) = run(
        &client,
        Op::CancelRedemption,
        json!({"code": "6280001234567890", "transaction_id": token, "amount": "5.00"}),
    )
    .unwrap_err();
    assert_eq!(status, VlStatus::VL_INVALID_ARGUMENT, "Treazure cancels in full: {message}");
    let c = run(&client, Op::CancelRedemption, json!({"code": "6280001234567890", "transaction_id": token})).unwrap();
    assert_eq!((c["amount"].as_str(), c["balance"].as_str()), (Some("25.00"), Some("25.00")));
    assert_eq!(card(&sim, "6280001234567890")["status"], "active");
    let (status, _) = run(&client, Op::Redeem, json!({"code": "6280001234567890", "amount": "25.01"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_REJECTED);
}

#[test]
fn issuing_a_virtual_card_and_reading_its_history() {
    let sim = sim(3600);
    let client = client(&sim);
    let v = run(&client, Op::Issue, json!({"amount": 50, "reference": "R-42"})).unwrap();
    let code = v["code"].as_str().unwrap().to_string();
    assert!(!code.is_empty());
    assert_eq!((v["status"].as_str(), v["balance"].as_str()), (Some("active"), Some("50.00")));
    run(&client, Op::Redeem, json!({"code": code, "amount": "20.00", "reference": "R-43"})).unwrap();
    let h = run(&client, Op::History, json!({"code": code})).unwrap();
    let entries = h["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{h}");
    let redeem = &entries[1];
    assert_eq!((redeem["mutation"].as_str(), redeem["balance"].as_str()), (Some("-20.00"), Some("30.00")));
    assert_eq!(
        (redeem["shop_id"].as_str(), redeem["pos_id"].as_str()),
        (Some("SHOP-7"), Some("KASSE-2")),
        "default headers reach Treazure"
    );
    assert!(redeem["receipt"].as_str().unwrap().starts_with("R-43 [vl-"), "{redeem}");
    assert_eq!((redeem["old_status"].as_str(), redeem["new_status"].as_str()), (Some("active"), Some("active")));
    let condensed = run(&client, Op::History, json!({"code": code, "condensed": true})).unwrap();
    assert_eq!(condensed["entries"].as_array().unwrap().len(), 2);
    assert_eq!(condensed["entries"][0]["transaction_id"], Value::Null, "condensed: no reconciliation ids");
    let (status, _) = run(&client, Op::History, json!({"code": code, "condensed": "yes"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_INVALID_ARGUMENT);
}

#[test]
fn provider_errors_map_to_statuses() {
    let sim = sim(3600);
    let client = client(&sim);
    let (status, message) = run(&client, Op::Balance, json!({"code": "0000000000000000"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_NOT_FOUND, "{message}");
    sim.arm_fault(&json!({"provider": "treazure", "operation": "balance", "fault": {"status": 503}, "times": 3}))
        .unwrap();
    let err = client.execute(Op::Balance, r#"{"code":"6280001234567890"}"#).unwrap_err();
    assert_eq!((err.status(), err.http_status), (VlStatus::VL_PROVIDER, Some(503)));

    let mut bad = config(&sim);
    bad["client_secret"] = json!("wrong-secret");
    let err =
        Client::new(&bad.to_string()).unwrap().execute(Op::Balance, r#"{"code":"6280001234567890"}"#).unwrap_err();
    assert_eq!((err.status(), err.provider_code.as_deref()), (VlStatus::VL_AUTH, Some("invalid_client")));
    assert!(!err.message.contains("wrong-secret"));
    let mut crm = config(&sim);
    crm["client_id"] = json!("crm");
    crm["client_secret"] = json!("crm-secret");
    let err =
        Client::new(&crm.to_string()).unwrap().execute(Op::Balance, r#"{"code":"6280001234567890"}"#).unwrap_err();
    assert_eq!((err.status(), err.provider_code.as_deref()), (VlStatus::VL_AUTH, Some("invalid_scope")));
}

#[test]
fn one_token_for_many_calls_and_threads_renewed_when_it_expires() {
    let sim = sim(2);
    let client = client(&sim);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| run(&client, Op::Balance, json!({"code": "6280001234567890"})).unwrap());
        }
    });
    assert_eq!(sim.requests("treazure", "token"), 1, "threads share one token");
    for _ in 0..5 {
        run(&client, Op::Balance, json!({"code": "6280001234567890"})).unwrap();
    }
    assert_eq!(sim.requests("treazure", "token"), 1);
    std::thread::sleep(Duration::from_millis(2100));
    run(&client, Op::Balance, json!({"code": "6280001234567890"})).unwrap();
    assert_eq!(sim.requests("treazure", "token"), 2, "renewed before the expired token was used");
}

#[test]
fn a_refused_token_is_replaced_once_and_the_redeem_goes_through_once() {
    let sim = sim(3600);
    let client = client(&sim);
    run(&client, Op::Balance, json!({"code": "6280001234567890"})).unwrap();
    sim.arm_fault(&json!({"provider": "treazure", "operation": "redeem", "fault": {"status": 401}})).unwrap();
    let r = run(&client, Op::Redeem, json!({"code": "6280001234567890", "amount": "5.00"})).unwrap();
    assert_eq!(r["balance"], "20.00");
    assert_eq!(sim.requests("treazure", "token"), 2);
    assert_eq!(sim.requests("treazure", "redeem"), 2, "the refused one was not processed");
    assert_eq!(card(&sim, "6280001234567890")["balance"], "20.00");
    // Refused twice: VL_AUTH, nothing moved.
    sim.arm_fault(&json!({"provider": "treazure", "operation": "redeem", "fault": {"status": 401}, "times": 2}))
        .unwrap();
    let (status, _) = run(&client, Op::Redeem, json!({"code": "6280001234567890", "amount": "5.00"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_AUTH);
    assert_eq!(card(&sim, "6280001234567890")["balance"], "20.00");
}
