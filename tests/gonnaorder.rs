//! GonnaOrder end to end: the library's client against the simulator over real sockets.

mod common;

use std::time::Duration;

use serde_json::{Value, json};
use voucherlink::{Client, Operation as Op, VlStatus};
use voucherlink_sim::Simulator;

fn fixtures(jwt_lifetime_s: u64, refresh_lifetime_s: u64) -> Value {
    json!({"gonnaorder": {
    "users": [{"username": "pos@store.example", "password": "pw-Str0ng!"}],
    "api_tokens": ["fixed-api-token-123"],
    "jwt_lifetime_s": jwt_lifetime_s, "refresh_lifetime_s": refresh_lifetime_s,
    "stores": [{"id": 155, "phone_prefix": "+30", "currency": "EUR", "loyalty_rate": "0.05"}],
    "members": [
        {"store_id": 155, "member_code": "M-1", "name": "John Doe", "phone_number": "+302310589248", "email": "john@example.com"},
        {"store_id": 155, "member_code": "M-2", "name": "Jane Roe", "phone_number": "+302310000000", "email": null}
    ],
    "vouchers": [
        {"store_id": 155, "code": "XYZ", "discount": "5.50", "discount_type": "MONETARY", "source": "LOYALTY", "member_code": "M-1", "active": true, "description": "Loyalty wallet"},
        {"store_id": 155, "code": "PCT10", "discount": "10", "discount_type": "PERCENTILE", "source": "STORE", "member_code": "M-1", "active": true, "description": "10% off"},
        {"store_id": 155, "code": "BIG50", "discount": "50.00", "discount_type": "MONETARY", "source": "STORE", "active": true},
        {"store_id": 155, "code": "OFF", "discount": "5.00", "discount_type": "MONETARY", "source": "STORE", "active": false},
        {"store_id": 155, "code": "MIN100", "discount": "5.00", "discount_type": "MONETARY", "source": "STORE", "active": true, "order_min_amount": "100.00"}
    ]}})
}

fn sim(jwt: u64, refresh: u64) -> Simulator {
    Simulator::start("127.0.0.1:0", &fixtures(jwt, refresh)).unwrap()
}

fn config(sim: &Simulator) -> Value {
    json!({"provider": "gonnaorder", "base_url": sim.url("gonnaorder"), "store_id": 155,
           "username": "pos@store.example", "password": "pw-Str0ng!", "timeout_ms": 5000})
}

fn client(sim: &Simulator) -> Client {
    Client::new(&config(sim).to_string()).unwrap()
}

fn run(client: &Client, op: Op, request: Value) -> Result<Value, (VlStatus, String)> {
    common::run(client, op, request)
}

fn go_state(sim: &Simulator) -> Value {
    sim.state()["gonnaorder"].clone()
}

fn voucher_value(sim: &Simulator, code: &str) -> String {
    go_state(sim)["vouchers"].as_array().unwrap().iter().find(|v| v["code"] == code).unwrap()["discount"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn configuration() {
    let cfg = |extra: Value| {
        let mut c = json!({"provider": "gonnaorder", "store_id": 155});
        c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        Client::new(&c.to_string()).err().map(|e| (e.status(), e.message))
    };
    assert_eq!(
        cfg(json!({"username": "u"})),
        Some((VlStatus::VL_CONFIG, "`password` is missing (it goes with `username`)".into()))
    );
    assert_eq!(cfg(json!({})).unwrap().1, "`username` + `password`, or `api_token`, is required");
    assert!(cfg(json!({"username": "u", "password": "p", "api_token": "t"})).unwrap().1.contains("not both"));
    assert!(cfg(json!({"api_token": "t", "store_id": "abc"})).unwrap().1.contains("`store_id`"));
    let c = Client::new(r#"{"provider":"gonnaorder","store_id":"155","api_token":"t"}"#).unwrap();
    assert_eq!(c.describe()["settings"]["base_url"], "https://admin.gonnaorder.com");
    let ops: Vec<&str> = c.operations().iter().map(|o| o.name()).collect();
    assert_eq!(ops, ["capabilities", "member_vouchers", "validate", "submit_order", "pending", "recover"]);
}

#[test]
fn member_vouchers_by_code_phone_or_search() {
    let sim = sim(3600, 86400);
    let client = client(&sim);
    let m = run(&client, Op::MemberVouchers, json!({"member_code": "M-1"})).unwrap();
    assert_eq!(
        m["member"],
        json!({"member_code": "M-1", "name": "John Doe", "phone_number": "+302310589248", "email": "john@example.com"})
    );
    let vouchers = m["vouchers"].as_array().unwrap();
    assert_eq!(vouchers.len(), 2);
    assert_eq!(
        vouchers[0],
        json!({"code": "XYZ", "type": "monetary", "discount": "5.50", "source": "loyalty", "description": "Loyalty wallet"})
    );
    assert_eq!((vouchers[1]["type"].as_str(), vouchers[1]["discount"].as_str()), (Some("percentage"), Some("10")));

    for request in [
        json!({"phone_number": "+30 231 058 9248"}),
        json!({"phone_number": "0030 2310 589248"}),
        json!({"phone_number": "231 058 9248"}),
        json!({"search": "M-1"}),
        json!({"search": "2310589248"}),
        json!({"member_code": "M-1", "phone_number": "+302310589248"}),
    ] {
        let m = run(&client, Op::MemberVouchers, request.clone()).unwrap_or_else(|e| panic!("{request}: {e:?}"));
        assert_eq!(m["member"]["member_code"], "M-1", "{request}");
    }
    let jane = run(&client, Op::MemberVouchers, json!({"member_code": "M-2"})).unwrap();
    assert_eq!(jane["vouchers"], json!([]), "a member without vouchers is not an error");
    let (status, message) = run(&client, Op::MemberVouchers, json!({"member_code": "M-404"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_NOT_FOUND, "{message}");
    for bad in [json!({}), json!({"search": "M-1", "member_code": "M-1"}), json!({"phone_number": "ring ring"})] {
        assert_eq!(
            run(&client, Op::MemberVouchers, bad.clone()).unwrap_err().0,
            VlStatus::VL_INVALID_ARGUMENT,
            "{bad}"
        );
    }
}

#[test]
fn validate_computes_discounts_in_decimal() {
    let sim = sim(3600, 86400);
    let client = client(&sim);
    let v = run(&client, Op::Validate, json!({"code": "XYZ", "order_total": 200})).unwrap();
    assert_eq!(
        (v["valid"].clone(), v["discount"].clone(), v["order_total"].clone(), v["total_after_discount"].clone()),
        (json!(true), json!("5.50"), json!("200.00"), json!("194.50"))
    );
    assert_eq!(v["voucher"]["source"], "loyalty");
    let p = run(&client, Op::Validate, json!({"code": "PCT10", "order_total": "19.95"})).unwrap();
    assert_eq!(
        (p["discount"].as_str(), p["total_after_discount"].as_str()),
        (Some("2.00"), Some("17.95")),
        "1.995 rounds half away from zero"
    );
    let big = run(&client, Op::Validate, json!({"code": "BIG50", "order_total": "30.00"})).unwrap();
    assert_eq!(
        (big["discount"].as_str(), big["total_after_discount"].as_str()),
        (Some("30.00"), Some("0.00")),
        "capped at the order"
    );

    let (status, message) = run(&client, Op::Validate, json!({"code": "OFF", "order_total": "30.00"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_REJECTED);
    assert!(message.contains("not valid"), "{message}");
    let err = client.execute(Op::Validate, r#"{"code":"MIN100","order_total":"30.00"}"#).unwrap_err();
    assert_eq!(
        (err.status(), err.provider_code.as_deref()),
        (VlStatus::VL_REJECTED, Some("ORDER_MINIMUM_AMOUNT_NOT_MET"))
    );
    assert!(err.message.contains("100.00"), "{}", err.message);
    let (status, _) = run(&client, Op::Validate, json!({"code": "xyz", "order_total": "30.00"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_NOT_FOUND, "codes are case-sensitive");
    assert_eq!(
        run(&client, Op::Validate, json!({"code": "XYZ", "order_total": "0"})).unwrap_err().0,
        VlStatus::VL_INVALID_ARGUMENT
    );
}

#[test]
fn submitted_orders_consume_vouchers_and_collect_loyalty() {
    let sim = sim(3600, 86400);
    let client = client(&sim);
    // The POS gives more discount than the loyalty wallet holds: the wallet ends at zero, never below.
    let r = run(&client, Op::SubmitOrder, json!({"order_id": 5968, "code": "XYZ", "order_total": "20.00", "discount": "8.00", "total_after_discount": "12.00"})).unwrap();
    assert_eq!(r["accepted"], true);
    let orders = go_state(&sim)["orders"].clone();
    assert_eq!(orders[0]["voucher_value_after"], "0.00");
    // ... then the 5% loyalty credit of the 12.00 paid goes back into the wallet.
    assert_eq!(voucher_value(&sim, "XYZ"), "0.60");

    run(&client, Op::SubmitOrder, json!({"order_id": "A-77", "code": "BIG50", "member_code": "M-2", "order_total": 30, "discount": 30, "total_after_discount": 0})).unwrap();
    assert_eq!(voucher_value(&sim, "BIG50"), "20.00");
    run(&client, Op::SubmitOrder, json!({"order_id": "A-78", "member_code": "M-2", "order_total": "40.00"})).unwrap();
    run(&client, Op::SubmitOrder, json!({"order_id": "A-79", "order_total": "9.99"})).unwrap();
    let state = go_state(&sim);
    assert_eq!(state["orders"].as_array().unwrap().len(), 4, "orders without voucher or member are simply saved");
    assert_eq!(state["members"][1]["points"], "2.00", "5% of 40.00 for member M-2");

    for bad in [
        json!({"order_id": 1, "order_total": "10.00", "discount": "2.00", "total_after_discount": "9.00"}),
        json!({"order_id": 1, "order_total": "10.00", "discount": "2.00"}),
        json!({"order_id": 1, "order_total": "10.00", "discount": "12.00", "total_after_discount": "-2.00"}),
        json!({"order_id": "", "order_total": "10.00"}),
        json!({"order_id": 1.5, "order_total": "10.00"}),
        json!({"order_total": "10.00"}),
    ] {
        assert_eq!(run(&client, Op::SubmitOrder, bad.clone()).unwrap_err().0, VlStatus::VL_INVALID_ARGUMENT, "{bad}");
    }
    // A failure is HTTP 500 without a body (here: the order number was used already).
    let err = client.execute(Op::SubmitOrder, r#"{"order_id":"A-79","order_total":"9.99"}"#).unwrap_err();
    assert_eq!((err.status(), err.http_status), (VlStatus::VL_PROVIDER, Some(500)));
    assert_eq!(run(&client, Op::Pending, json!({})).unwrap()["entries"], json!([]), "a documented failure is settled");
}

#[test]
fn expired_tokens_are_refreshed_then_a_new_login_follows() {
    let sim = sim(1, 3);
    let client = client(&sim);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| run(&client, Op::Validate, json!({"code": "XYZ", "order_total": 10})).unwrap());
        }
    });
    assert_eq!(
        (go_state(&sim)["logins"].as_u64(), go_state(&sim)["refreshes"].as_u64()),
        (Some(1), Some(0)),
        "one login for all threads"
    );
    std::thread::sleep(Duration::from_millis(1200));
    run(&client, Op::Validate, json!({"code": "XYZ", "order_total": 10})).unwrap();
    assert_eq!(
        (go_state(&sim)["logins"].as_u64(), go_state(&sim)["refreshes"].as_u64()),
        (Some(1), Some(1)),
        "the expired JWT was refreshed"
    );
    std::thread::sleep(Duration::from_millis(3200));
    run(&client, Op::SubmitOrder, json!({"order_id": 9, "order_total": 10})).unwrap();
    assert_eq!(
        (go_state(&sim)["logins"].as_u64(), go_state(&sim)["refreshes"].as_u64()),
        (Some(2), Some(1)),
        "refresh refused: logged in again"
    );
    assert_eq!(go_state(&sim)["orders"].as_array().unwrap().len(), 1, "the order went through once");
}

#[test]
fn wrong_credentials_and_fixed_api_tokens() {
    let sim = sim(3600, 86400);
    let mut bad = config(&sim);
    bad["password"] = json!("wrong-password");
    let err =
        Client::new(&bad.to_string()).unwrap().execute(Op::Validate, r#"{"code":"XYZ","order_total":10}"#).unwrap_err();
    assert_eq!((err.status(), err.provider_code.as_deref()), (VlStatus::VL_AUTH, Some("UNAUTHORIZED_ERROR")));
    assert!(!err.message.contains("wrong-password"));

    let fixed = json!({"provider": "gonnaorder", "base_url": sim.url("gonnaorder"), "store_id": 155, "api_token": "fixed-api-token-123"});
    let client = Client::new(&fixed.to_string()).unwrap();
    run(&client, Op::Validate, json!({"code": "XYZ", "order_total": 10})).unwrap();
    assert_eq!(go_state(&sim)["logins"], 0);
    let mut wrong = fixed.clone();
    wrong["api_token"] = json!("nope-nope");
    let (status, _) =
        run(&Client::new(&wrong.to_string()).unwrap(), Op::Validate, json!({"code": "XYZ", "order_total": 10}))
            .unwrap_err();
    assert_eq!(status, VlStatus::VL_AUTH);
    let mut other_store = fixed;
    other_store["store_id"] = json!(999);
    let (status, message) =
        run(&Client::new(&other_store.to_string()).unwrap(), Op::Validate, json!({"code": "XYZ", "order_total": 10}))
            .unwrap_err();
    assert_eq!(status, VlStatus::VL_CONFIG, "{message}");
}
