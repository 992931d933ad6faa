//! Coupontools end to end: the library's client against the simulator over real sockets.

mod common;

use serde_json::{Value, json};
use voucherlink::{Client, Operation as Op, VlStatus};
use voucherlink_sim::Simulator;

fn sim() -> Simulator {
    let session = |id: &str, extra: Value| {
        let mut s = json!({"session": id, "campaign": "cam_12345", "coupon": "v6n7gn", "value": "5.00", "claimed": true,
                           "claim_date": "2026-11-01 08:00:00", "validated": false, "locked": false, "voided": false,
                           "expires_at": "2030-01-01 00:00:00"});
        s.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        s
    };
    Simulator::start(
        "127.0.0.1:0",
        &json!({"coupontools": {
        "clients": [{"client_id": "ct", "client_secret": "ct-s3cret-key"}],
        "sessions": [
            session("kkfiznr8Yp8630h82es8d", json!({})),
            session("used0000000000000001", json!({"validated": true, "validation_date": "2026-11-01 09:30:00"})),
            session("locked00000000000001", json!({"locked": true})),
            session("voided00000000000001", json!({"voided": true})),
            session("expired0000000000001", json!({"expires_at": "2020-01-01 00:00:00"})),
            session("unclaimed00000000001", json!({"claimed": false})),
            session("novalue0000000000001", json!({"value": ""}))
        ]}}),
    )
    .unwrap()
}

fn client(sim: &Simulator) -> Client {
    Client::new(
        &json!({"provider": "coupontools", "base_url": sim.url("coupontools"), "client_id": "ct", "client_secret": "ct-s3cret-key", "timeout_ms": 5000})
            .to_string(),
    )
    .unwrap()
}

fn run(client: &Client, op: Op, request: Value) -> Result<Value, (VlStatus, String)> {
    common::run(client, op, request)
}

fn session_state(sim: &Simulator, id: &str) -> Value {
    sim.item("coupontools", id).unwrap()
}

#[test]
fn configuration_and_capabilities() {
    let err = Client::new(r#"{"provider":"coupontools","client_id":"ct"}"#).err().unwrap();
    assert_eq!((err.status(), err.message.as_str()), (VlStatus::VL_CONFIG, "`client_secret` is missing"));
    let c = Client::new(r#"{"provider":"coupontools","client_id":"ct","client_secret":"x"}"#).unwrap();
    assert_eq!(c.describe()["settings"]["base_url"], "https://api.coupontools.com");
    let ops: Vec<&str> = c.operations().iter().map(|o| o.name()).collect();
    assert_eq!(ops, ["capabilities", "balance", "redeem", "lock", "unlock", "pending", "recover"]);
}

#[test]
fn a_scanned_url_or_a_typed_id_finds_the_session() {
    let sim = sim();
    let client = client(&sim);
    for scanned in [
        "kkfiznr8Yp8630h82es8d",
        "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d",
        "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d/",
        "https://my.brand.example/p/v6n7gn/kkfiznr8Yp8630h82es8d?src=qr",
    ] {
        let v = run(&client, Op::Balance, json!({"code": scanned})).unwrap();
        assert_eq!(v["code"], "kkfiznr8Yp8630h82es8d", "{scanned}");
    }
    let v = run(&client, Op::Balance, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["redeemable"].as_bool(), v["balance"].as_str()),
        (Some("active"), Some(true), Some("5.00"))
    );
    assert_eq!(
        v["details"],
        json!({"campaign": "cam_12345", "claimed_at": "2026-11-01 08:00:00", "validated_at": null, "locked": false})
    );
    let before = sim.total_requests();
    for bad in ["kkfi znr8", "kkfi-znr8", "https://digicpn.com/x/v6n7gn/abc", "drop table;"] {
        assert_eq!(
            run(&client, Op::Balance, json!({"code": bad})).unwrap_err().0,
            VlStatus::VL_INVALID_ARGUMENT,
            "{bad}"
        );
    }
    assert_eq!(
        run(&client, Op::Balance, json!({"code": "KKFIZNR8YP8630H82ES8D"})).unwrap_err().0,
        VlStatus::VL_NOT_FOUND,
        "case-sensitive"
    );
    assert_eq!(sim.total_requests(), before + 1, "only the well-formed id was sent");
}

#[test]
fn every_session_state_maps_to_a_status_and_a_message() {
    let sim = sim();
    let client = client(&sim);
    for (id, status, message) in [
        ("used0000000000000001", "redeemed", "The coupon was already used at 2026-11-01 09:30 UTC."),
        ("locked00000000000001", "locked", "The coupon is locked by a checkout in progress."),
        ("voided00000000000001", "void", "The coupon has been voided."),
        ("unclaimed00000000001", "created", "The coupon has not been claimed yet."),
    ] {
        let v = run(&client, Op::Balance, json!({"code": id})).unwrap();
        assert_eq!(
            (v["status"].as_str(), v["redeemable"].as_bool(), v["message"].as_str()),
            (Some(status), Some(false), Some(message)),
            "{id}"
        );
    }
    let v = run(&client, Op::Balance, json!({"code": "novalue0000000000001"})).unwrap();
    assert_eq!(v["balance"], Value::Null, "no value on the session");
    // An expiration date is reported, never acted on: Coupontools' own sample has one earlier
    // than its creation date, and its guide decides on `validated` and `locked` only.
    let v = run(&client, Op::Balance, json!({"code": "expired0000000000001"})).unwrap();
    assert_eq!((v["status"].as_str(), v["redeemable"].as_bool()), (Some("active"), Some(true)), "{v}");
    assert_eq!((v["expires_at"].as_str(), v["message"].clone()), (Some("2020-01-01 00:00:00"), Value::Null));
    let r = run(&client, Op::Redeem, json!({"code": "expired0000000000001"})).unwrap();
    assert_eq!(session_state(&sim, "expired0000000000001")["validated"], true, "{r}");
}

#[test]
fn lock_validate_and_a_second_validation_is_refused_with_the_first_date() {
    let sim = sim();
    let client = client(&sim);
    let locked = run(&client, Op::Lock, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap();
    assert_eq!(locked["status"], "locked");
    assert_eq!(session_state(&sim, "kkfiznr8Yp8630h82es8d")["locked"], true);
    let r = run(&client, Op::Redeem, json!({"code": "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d", "money_spent": "45.5", "reference": "R-9"})).unwrap();
    assert_eq!(
        (r["code"].as_str(), r["amount"].as_str(), r["transaction_id"].clone()),
        (Some("kkfiznr8Yp8630h82es8d"), Some("5.00"), Value::Null)
    );
    let s = session_state(&sim, "kkfiznr8Yp8630h82es8d");
    assert_eq!(
        (s["validated"].clone(), s["locked"].clone(), s["money_spent"].clone()),
        (json!(true), json!(false), json!("45.500"))
    );
    let validated_at = s["validation_date"].as_str().unwrap().to_string();
    // English dates: to the minute, marked UTC when no time zone is configured.
    let shown = format!("{} UTC", &validated_at[..16]);
    assert_eq!(r["receipt_lines"], json!(["Coupon ********es8d", "Coupon value 5.00", format!("Used {shown}")]));

    // Sent, and refused by Coupontools (330): the cashier reads the guide's message with its date,
    // Coupontools' own text is kept verbatim beside it.
    let err = client.execute(Op::Redeem, r#"{"code":"kkfiznr8Yp8630h82es8d"}"#).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_REJECTED);
    assert_eq!(err.message, format!("The coupon was already used at {shown}."));
    assert_eq!(err.provider_code.as_deref(), Some("330"));
    assert!(err.provider_message.as_deref().is_some_and(|m| m.contains("already validated")), "{err:?}");
    assert_eq!(sim.requests("coupontools", "redeem"), 2, "Coupontools decides");
    assert!(session_state(&sim, "kkfiznr8Yp8630h82es8d")["validated"] == true);
    let (status, _) = run(&client, Op::Redeem, json!({"code": "voided00000000000001"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_REJECTED);
}

#[test]
fn lock_then_unlock_releases_an_abandoned_sale() {
    let sim = sim();
    let client = client(&sim);
    run(&client, Op::Lock, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap();
    let (status, message) = run(&client, Op::Lock, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_REJECTED, "{message}");
    let v = run(&client, Op::Unlock, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap();
    assert_eq!((v["status"].as_str(), v["redeemable"].as_bool()), (Some("active"), Some(true)));
    assert_eq!(session_state(&sim, "kkfiznr8Yp8630h82es8d")["locked"], false);
    // A lost answer to a lock is checked by reading the session.
    sim.arm_fault(&json!({"provider": "coupontools", "operation": "lock", "fault": "drop_after_commit"})).unwrap();
    assert_eq!(run(&client, Op::Lock, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap()["status"], "locked");
}

#[test]
fn errors_map_to_statuses() {
    let sim = sim();
    let client = client(&sim);
    let err = client.execute(Op::Balance, r#"{"code":"nosuchsession0000001"}"#).unwrap_err();
    assert_eq!((err.status(), err.provider_code.as_deref()), (VlStatus::VL_NOT_FOUND, Some("513")));
    let wrong = Client::new(
        &json!({"provider": "coupontools", "base_url": sim.url("coupontools"), "client_id": "ct", "client_secret": "wrong-secret"}).to_string(),
    )
    .unwrap();
    let err = wrong.execute(Op::Balance, r#"{"code":"kkfiznr8Yp8630h82es8d"}"#).unwrap_err();
    assert_eq!((err.status(), err.provider_code.as_deref()), (VlStatus::VL_AUTH, Some("1000")));
    assert!(!err.message.contains("wrong-secret"));
    let (status, message) =
        run(&client, Op::Redeem, json!({"code": "kkfiznr8Yp8630h82es8d", "amount": "5.00"})).unwrap_err();
    assert_eq!((status, message.as_str()), (VlStatus::VL_INVALID_ARGUMENT, "unknown field `amount` in the request"));
    assert_eq!(
        run(&client, Op::CancelRedemption, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap_err().0,
        VlStatus::VL_UNSUPPORTED
    );
}
