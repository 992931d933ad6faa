//! e-guma end to end: the library's client against the simulator over real sockets.

mod common;

use std::time::{Duration, Instant};

use common::{eguma_client, run, simulator};
use serde_json::{Value, json};
use voucherlink::{Client, Operation as Op, VlStatus};

fn voucher_state(sim: &voucherlink_sim::Simulator, code: &str) -> Value {
    sim.item("eguma", code).unwrap_or(Value::Null)
}

#[test]
fn balance_returns_the_canonical_code_and_amounts() {
    let sim = simulator();
    let client = eguma_client(&sim);
    let v = run(&client, Op::Balance, json!({"code": "l4fu-5lqt-kjr3"})).unwrap();
    assert_eq!(v["provider"], "eguma");
    assert_eq!(v["code"], "L4FU5LQTKJR3");
    assert_eq!(v["status"], "active");
    assert_eq!(v["redeemable"], true);
    assert_eq!(v["balance"], "50.00");
    assert_eq!(v["initial_amount"], "50.00");
    assert_eq!(v["currency"], "CHF");
    assert_eq!(v["message"], Value::Null);
    assert_eq!(v["restrictions"], json!([]));
    assert_eq!(v["raw"]["balance_in_cents"], 5000, "raw is e-guma's own answer");
    assert!(!v["raw"].to_string().contains("demo-outlet-1"));

    let short = run(&client, Op::Balance, json!({"code": "SHORT1"})).unwrap();
    assert_eq!(short["code"], "L4FU5LQTKJR3", "a short code maps to the real code");
}

#[test]
fn an_unknown_code_is_not_found_for_every_operation_with_e_gumas_text() {
    // e-guma answers a balance of an unknown code with HTTP 200, `is_redeemable: false` and its
    // "does not exist" text; its other endpoints with HTTP 400 and the same text. Either way the
    // POS hears VL_NOT_FOUND with e-guma's words, gets no balance slip, and nothing moves.
    let sim = simulator();
    let client = eguma_client(&sim);
    let code = "NOPE12345678";
    for (op, request) in [
        (Op::Balance, json!({"code": code})),
        (Op::Redeem, json!({"code": code, "amount": "5.00"})),
        (Op::Redeem, json!({"code": code, "remaining_to_pay": "80.00"})),
        (Op::CancelRedemption, json!({"code": code, "transaction_id": "vl-1", "amount": "5.00"})),
        (Op::ActivationStatus, json!({"code": code})),
        (Op::Activate, json!({"code": code, "amount": "5.00"})),
        (Op::DeactivationStatus, json!({"code": code})),
        (Op::Deactivate, json!({"code": code})),
    ] {
        let error = client.execute(op, &request.to_string()).unwrap_err();
        assert_eq!(error.status(), VlStatus::VL_NOT_FOUND, "{op}: {error}");
        assert_eq!(error.message, "Der Gutschein ist nicht vorhanden.", "{op}");
        assert_eq!(error.provider_message.as_deref(), Some("Der Gutschein ist nicht vorhanden."), "{op}");
        assert_eq!(error.provider, Some("eguma"), "{op}");
    }
    for op in ["redeem", "cancel_redemption", "activate", "deactivate"] {
        assert_eq!(sim.requests("eguma", op), 0, "{op} was sent for an unknown code");
    }
    // A voucher that exists but cannot pay is still a voucher, with e-guma's reason.
    let used = run(&client, Op::Balance, json!({"code": "USED00000001"})).unwrap();
    assert_eq!(used["status"], "redeemed");
}

#[test]
fn not_redeemable_vouchers_carry_the_providers_message() {
    let sim = simulator();
    let client = eguma_client(&sim);
    let used = run(&client, Op::Balance, json!({"code": "USED00000001"})).unwrap();
    assert_eq!((used["redeemable"].clone(), used["status"].clone()), (json!(false), json!("redeemed")));
    assert_eq!(used["message"], "Der Gutschein wurde bereits eingelöst.");

    // A refusal found in the balance read is final: the redeem is never sent.
    let (status, message) = run(&client, Op::Redeem, json!({"code": "PROF00000001", "amount": "5.00"})).unwrap_err();
    assert_eq!((status, message.as_str()), (VlStatus::VL_REJECTED, "Proforma-Gutschein: nicht einlösbar."));
    assert_eq!(sim.requests("eguma", "redeem"), 0);
    assert_eq!(voucher_state(&sim, "PROF00000001")["balance"], "20.00");
}

#[test]
fn redeem_and_cancel_move_exactly_the_amounts_reported() {
    let sim = simulator();
    let client = eguma_client(&sim);
    let r = run(&client, Op::Redeem, json!({"code": "2QH3-QTDM-28N6", "amount": 12.5, "reference": "R-7"})).unwrap();
    assert_eq!(
        (r["amount"].as_str(), r["balance"].as_str(), r["currency"].as_str()),
        (Some("12.50"), Some("87.50"), Some("CHF"))
    );
    assert_eq!(voucher_state(&sim, "2QH3QTDM28N6")["balance"], "87.50");
    let token = r["transaction_id"].as_str().unwrap().to_string();

    // Partial cancels, until the redemption is fully given back; then one cent more is refused.
    let c =
        run(&client, Op::CancelRedemption, json!({"code": "2QH3QTDM28N6", "transaction_id": token, "amount": "2.50"}))
            .unwrap();
    assert_eq!((c["amount"].as_str(), c["balance"].as_str()), (Some("2.50"), Some("90.00")));
    assert_eq!(c["receipt_lines"], json!(["e-guma voucher 2QH3QTDM28N6", "Cancelled CHF 2.50", "Balance CHF 90.00"]));
    run(&client, Op::CancelRedemption, json!({"code": "2QH3QTDM28N6", "transaction_id": token, "amount": "10.00"}))
        .unwrap();
    let (status, message) =
        run(&client, Op::CancelRedemption, json!({"code": "2QH3QTDM28N6", "transaction_id": token, "amount": "0.01"}))
            .unwrap_err();
    assert_eq!(status, VlStatus::VL_REJECTED, "{message}");
    assert_eq!(voucher_state(&sim, "2QH3QTDM28N6")["balance"], "100.00");

    // remaining_to_pay smaller than the balance takes just that.
    let r = run(&client, Op::Redeem, json!({"code": "2QH3QTDM28N6", "remaining_to_pay": "30.05"})).unwrap();
    assert_eq!((r["amount"].as_str(), r["balance"].as_str()), (Some("30.05"), Some("69.95")));
}

#[test]
fn the_error_document_carries_the_providers_details() {
    let sim = simulator();
    let client = eguma_client(&sim);
    let err = client
        .execute(
            Op::CancelRedemption,
            &json!({"code": "2QH3QTDM28N6", "transaction_id": "nope", "amount": "1.00"}).to_string(),
        )
        .unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_REJECTED);
    assert_eq!(err.provider, Some("eguma"));
    assert_eq!(err.http_status, Some(400));
    assert_eq!(err.provider_message.as_deref(), Some("Die Einlösung ist nicht vorhanden."));
    assert_eq!(err.message, "Die Einlösung ist nicht vorhanden.");
}

#[test]
fn depot_vouchers_are_sold_and_taken_back() {
    let sim = simulator();
    let client = eguma_client(&sim);
    let s = run(&client, Op::ActivationStatus, json!({"code": "DEP0T0000001"})).unwrap();
    assert_eq!(
        s,
        json!({"code": "DEP0T0000001", "can_activate": true, "free_amount": false, "amount": "100.00", "currency": "CHF", "message": null})
    );

    let (status, msg) = run(&client, Op::Activate, json!({"code": "DEP0T0000001", "amount": "90.00"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_INVALID_ARGUMENT, "{msg}");
    assert!(msg.contains("fixed amount 100.00"), "{msg}");
    assert_eq!(sim.requests("eguma", "activate"), 0);

    let v = run(&client, Op::Activate, json!({"code": "DEP0T0000001", "amount": "100"})).unwrap();
    assert_eq!((v["status"].as_str(), v["balance"].as_str()), (Some("active"), Some("100.00")));
    let again = run(&client, Op::ActivationStatus, json!({"code": "DEP0T0000001"})).unwrap();
    assert_eq!(
        (again["can_activate"].clone(), again["message"].clone()),
        (json!(false), json!("Der Gutschein wurde bereits aktiviert."))
    );

    // Once partly used, it can no longer be taken back.
    run(&client, Op::Redeem, json!({"code": "DEP0T0000001", "amount": "1.00"})).unwrap();
    let d = run(&client, Op::DeactivationStatus, json!({"code": "DEP0T0000001"})).unwrap();
    assert_eq!(d["can_deactivate"], false);
    let (status, msg) = run(&client, Op::Deactivate, json!({"code": "DEP0T0000001"})).unwrap_err();
    assert_eq!((status, msg.as_str()), (VlStatus::VL_REJECTED, "Der Gutschein wurde bereits (teilweise) eingelöst."));
    assert_eq!(sim.requests("eguma", "deactivate"), 0, "the status said no: nothing sent");

    // Free amount: sold and taken back untouched.
    run(&client, Op::Activate, json!({"code": "DEP0T0000002", "amount": "25.00"})).unwrap();
    let d = run(&client, Op::DeactivationStatus, json!({"code": "DEP0T0000002"})).unwrap();
    assert_eq!((d["can_deactivate"].clone(), d["amount"].clone()), (json!(true), json!("25.00")));
    let v = run(&client, Op::Deactivate, json!({"code": "DEP0T0000002", "reason": "Bestellung storniert"})).unwrap();
    assert_eq!((v["status"].as_str(), v["initial_amount"].as_str()), (Some("created"), Some("25.00")));
    // e-guma's "voucher does not exist" (HTTP 400, plain German text) is VL_NOT_FOUND.
    let unknown = run(&client, Op::ActivationStatus, json!({"code": "NOPE"})).unwrap_err();
    assert_eq!(unknown, (VlStatus::VL_NOT_FOUND, "Der Gutschein ist nicht vorhanden.".to_string()));
}

#[test]
fn a_wrong_api_key_is_vl_auth() {
    let sim = simulator();
    let mut config = common::eguma_config(&sim);
    config["api_key"] = json!("not-a-key");
    let client = Client::new(&config.to_string()).unwrap();
    let err = client.execute(Op::Balance, r#"{"code":"L4FU5LQTKJR3"}"#).unwrap_err();
    assert_eq!((err.status(), err.http_status), (VlStatus::VL_AUTH, Some(401)));
    assert!(!err.message.contains("not-a-key"));
}

#[test]
fn unsupported_operations_send_nothing() {
    let sim = simulator();
    let client = eguma_client(&sim);
    for op in [
        Op::CancelActivation,
        Op::Issue,
        Op::History,
        Op::MemberVouchers,
        Op::Validate,
        Op::SubmitOrder,
        Op::Lock,
        Op::Unlock,
    ] {
        let (status, message) = run(&client, op, json!({"code": "L4FU5LQTKJR3"})).unwrap_err();
        assert_eq!(status, VlStatus::VL_UNSUPPORTED, "{op:?}");
        assert!(message.contains(op.name()), "{message}");
    }
    assert_eq!(sim.total_requests(), 0);
}

#[test]
fn provider_failures_on_reads_are_definite() {
    let sim = simulator();
    let client = eguma_client(&sim);
    // Reads are tried three times: a fault armed three times is what the caller sees.
    let arm = |fault: Value| {
        sim.arm_fault(&json!({"provider": "eguma", "operation": "balance", "fault": fault, "times": 3})).unwrap()
    };
    let balance = || client.execute(Op::Balance, r#"{"code":"L4FU5LQTKJR3"}"#).unwrap_err();

    arm(json!({"status": 503}));
    let e = balance();
    assert_eq!((e.status(), e.http_status), (VlStatus::VL_PROVIDER, Some(503)));
    assert!(e.message.contains("HTTP 503") && e.message.contains("Simulated failure"), "{}", e.message);

    arm(json!("garbage"));
    let e = balance();
    assert_eq!(sim.requests("eguma", "balance"), 4, "an unparseable answer is not retried");
    sim.clear_faults();
    assert_eq!(e.status(), VlStatus::VL_PROVIDER);
    assert!(e.message.contains("not JSON") || e.message.contains("not UTF-8"), "{}", e.message);

    arm(json!("drop_before_commit"));
    assert_eq!(balance().status(), VlStatus::VL_NETWORK);

    // One failure is absorbed by a retry.
    sim.arm_fault(&json!({"provider": "eguma", "operation": "balance", "fault": {"status": 502}})).unwrap();
    assert!(client.execute(Op::Balance, r#"{"code":"L4FU5LQTKJR3"}"#).is_ok());

    // The client is still healthy afterwards.
    assert!(client.execute(Op::Balance, r#"{"code":"L4FU5LQTKJR3"}"#).is_ok());
}

#[test]
fn a_slow_provider_cannot_block_past_the_deadline() {
    let sim = simulator();
    let mut config = common::eguma_config(&sim);
    config["timeout_ms"] = json!(400);
    let client = Client::new(&config.to_string()).unwrap();
    sim.arm_fault(&json!({"provider": "eguma", "operation": "balance", "fault": {"delay_ms": 3000}})).unwrap();
    let started = Instant::now();
    let err = client.execute(Op::Balance, r#"{"code":"L4FU5LQTKJR3"}"#).unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.status(), VlStatus::VL_NETWORK, "{}", err.message);
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

#[test]
fn a_lost_redeem_answer_is_resolved_from_the_balance_never_re_sent() {
    let sim = simulator();
    let client = eguma_client(&sim);
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": "drop_after_commit"})).unwrap();
    let r = client.execute(Op::Redeem, r#"{"code":"L4FU5LQTKJR3","amount":"10.00"}"#).unwrap();
    assert_eq!((r["amount"].as_str(), r["balance"].as_str()), (Some("10.00"), Some("40.00")));
    // e-guma's redeem_token was in the lost answer: the id for a cancel is our journal id.
    assert!(r["transaction_id"].as_str().is_some_and(|id| id.starts_with("vl-")), "{r}");
    assert_eq!(voucher_state(&sim, "L4FU5LQTKJR3")["balance"], "40.00");
    assert_eq!(sim.requests("eguma", "redeem"), 1, "never re-sent");
    assert_eq!(run(&client, Op::Pending, json!({})).unwrap(), json!({"entries": []}));
}

#[test]
fn nothing_listening_is_vl_network_quickly() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::new(
        &json!({"provider": "eguma", "api_key": "k", "base_url": format!("http://127.0.0.1:{port}"), "timeout_ms": 2000}).to_string(),
    )
    .unwrap();
    let err = client.execute(Op::Redeem, r#"{"code":"L4FU5LQTKJR3","amount":"1.00"}"#).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_NETWORK, "{}", err.message);
}

#[test]
fn sequential_calls_reuse_one_connection() {
    let sim = simulator();
    let client = eguma_client(&sim);
    for _ in 0..50 {
        run(&client, Op::Balance, json!({"code": "L4FU5LQTKJR3"})).unwrap();
    }
    assert_eq!(sim.connections(), 1);
}

#[test]
fn one_client_serves_many_threads_and_loses_no_cent() {
    let sim = simulator();
    let client = eguma_client(&sim);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..5 {
                    run(&client, Op::Redeem, json!({"code": "2QH3QTDM28N6", "amount": "1.25"})).unwrap();
                    run(&client, Op::Balance, json!({"code": "L4FU5LQTKJR3"})).unwrap();
                }
            });
        }
    });
    assert_eq!(voucher_state(&sim, "2QH3QTDM28N6")["balance"], "50.00", "100.00 - 40 x 1.25");
    assert!(sim.connections() <= 8, "connections are pooled: {}", sim.connections());
}

#[test]
fn client_level_operations_answer_without_sending() {
    let sim = simulator();
    let client = eguma_client(&sim);
    let caps = run(&client, Op::Capabilities, json!({})).unwrap();
    assert_eq!(caps["provider"], "eguma");
    assert_eq!(caps["operations"][0], "capabilities");
    assert_eq!(run(&client, Op::Pending, json!({})).unwrap(), json!({"entries": []}));
    let (status, message) = run(&client, Op::Capabilities, json!({"verbose": true})).unwrap_err();
    assert_eq!((status, message.as_str()), (VlStatus::VL_INVALID_ARGUMENT, "unknown field `verbose` in the request"));
    assert_eq!(sim.total_requests(), 0);
}
