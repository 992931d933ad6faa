//! The simulator as a POS developer meets it: `voucherlink sim`, the fixture format of docs/api.md §9,
//! the control endpoints, and the strictness that makes client bugs fail there first.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// docs/api.md §9's fixture example, verbatim.
const API_EXAMPLE: &str = r#"{"eguma": {"api_keys": ["demo-outlet-1"], "currency": "CHF",
   "vouchers": [{"code": "L4FU5LQTKJR3", "balance": "50.00", "total": "50.00", "redeemable": true,
                 "message": null, "short_codes": ["SHORT1"]}],
   "depot_vouchers": [{"code": "DEP0T0000001", "amount": "100.00", "free_amount": false, "activated": false}]},
 "treazure": {"clients": [{"client_id": "pos", "client_secret": "secret", "scopes": ["api_switch"]}], "currency": "EUR",
   "cards": [{"card_id": "6280001234567890", "serial_number": "100200", "scratch_code": "8391",
              "status": "active", "balance": "25.00", "expires_at": null, "article_set": null}]},
 "gonnaorder": {"users": [{"username": "pos@store.example", "password": "pw"}],
   "stores": [{"id": 155, "phone_prefix": "+30", "currency": "EUR"}],
   "members": [{"store_id": 155, "member_code": "M-1", "name": "John Doe", "phone_number": "+302310589248", "email": "john@example.com"}],
   "vouchers": [{"store_id": 155, "code": "XYZ", "discount": "5.50", "discount_type": "MONETARY", "source": "LOYALTY",
                 "member_code": "M-1", "active": true, "description": "Loyalty wallet"}]},
 "coupontools": {"clients": [{"client_id": "ct", "client_secret": "secret"}],
   "sessions": [{"session": "kkfiznr8Yp8630h82es8d", "campaign": "cam_12345", "coupon": "v6n7gn", "value": "5.00",
                 "claimed": true, "validated": false, "locked": false, "voided": false, "expires_at": "2030-01-01 00:00:00"}]}}"#;

struct SimProcess {
    child: Child,
    urls: Value,
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_sim(args: &[&str]) -> SimProcess {
    let mut child = Command::new(env!("CARGO_BIN_EXE_voucherlink"))
        .arg("sim")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("voucherlink sim starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let urls: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("ready line {line:?} is not JSON: {e}"));
    SimProcess { child, urls }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).proxy(None).build().new_agent()
}

fn get(url: &str) -> (u16, String) {
    let mut r = agent().get(url).call().unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

fn post(url: &str, content_type: &str, body: &str) -> (u16, String) {
    let mut r = agent().post(url).header("content-type", content_type).send(body).unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

#[test]
fn the_sim_command_loads_the_api_example_and_serves_its_state() {
    let file = common::scratch("sim-command").join("fixtures.json");
    std::fs::write(&file, API_EXAMPLE).unwrap();
    let sim = spawn_sim(&["--listen", "127.0.0.1:0", "--fixtures", file.to_str().unwrap()]);
    let root = sim.urls["root"].as_str().unwrap().to_string();
    assert!(root.starts_with("http://127.0.0.1:"), "{root}");
    for p in ["eguma", "treazure", "gonnaorder", "coupontools"] {
        assert_eq!(sim.urls[p], format!("{root}/{p}"));
    }

    let (status, body) = get(&format!("{root}/__sim/state"));
    assert_eq!(status, 200);
    let state: Value = serde_json::from_str(&body).unwrap();
    let example: Value = serde_json::from_str(API_EXAMPLE).unwrap();
    assert_eq!(state["eguma"]["vouchers"], example["eguma"]["vouchers"]);
    assert_eq!(state["eguma"]["depot_vouchers"], example["eguma"]["depot_vouchers"]);
    // Everything the fixture said is in the state (which may add fields, e.g. validation dates).
    for provider in ["treazure", "gonnaorder", "coupontools"] {
        assert_subset(&example[provider], &state[provider], provider);
    }

    // A client uses the printed URL as its base_url.
    let client = voucherlink::Client::new(
        &json!({"provider": "eguma", "api_key": "demo-outlet-1", "base_url": sim.urls["eguma"]}).to_string(),
    )
    .unwrap();
    let v = client.execute(voucherlink::Operation::Balance, r#"{"code":"SHORT1"}"#).unwrap();
    assert_eq!(v["code"], "L4FU5LQTKJR3");

    // Faults through HTTP.
    // Reads are retried up to three times, so the fault is armed three times.
    let fault = json!({"provider": "eguma", "operation": "balance", "fault": {"status": 500}, "times": 3});
    assert_eq!(post(&format!("{root}/__sim/fault"), "application/json", &fault.to_string()).0, 200);
    let err = client.execute(voucherlink::Operation::Balance, r#"{"code":"SHORT1"}"#).unwrap_err();
    assert_eq!(err.http_status, Some(500));
    let (status, body) = post(
        &format!("{root}/__sim/fault"),
        "application/json",
        r#"{"provider":"eguma","operation":"x","fault":"garbage"}"#,
    );
    assert_eq!(status, 400, "{body}");
    let (status, stats) = get(&format!("{root}/__sim/stats"));
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&stats).unwrap()["requests"]["eguma.balance"], 4);
}

/// Every member of `expected` is in `actual` with the same value (arrays element by element).
fn assert_subset(expected: &Value, actual: &Value, path: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                let value = a.get(k).unwrap_or_else(|| panic!("{path}.{k} is missing from the state"));
                assert_subset(v, value, &format!("{path}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            assert_eq!(e.len(), a.len(), "{path}");
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                assert_subset(x, y, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(expected, actual, "{path}"),
    }
}

#[test]
fn the_sim_command_refuses_bad_fixtures_clearly() {
    let file = common::scratch("sim-bad").join("fixtures.json");
    std::fs::write(&file, r#"{"egumaa": {}}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_voucherlink"))
        .args(["sim", "--fixtures", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown provider \"egumaa\""));
    assert!(out.stdout.is_empty(), "no ready line on failure");
}

#[test]
fn the_simulated_eguma_is_as_strict_as_eguma_documents() {
    let sim = common::simulator();
    let base = sim.url("eguma");
    let redeem = format!("{base}/v1/vouchers/L4FU5LQTKJR3/redeem.json?apikey=demo-outlet-1");
    let json_type = "application/json";
    assert_eq!(get(&format!("{base}/v1/vouchers/L4FU5LQTKJR3/balance.json")).0, 401, "no apikey");
    assert_eq!(get(&format!("{base}/v1/vouchers/L4FU5LQTKJR3/balance.json?apikey=wrong")).0, 401);
    assert_eq!(get(&redeem).0, 405, "GET on a POST endpoint");
    assert_eq!(get(&format!("{base}/v1/vouchers/L4FU5LQTKJR3/refund.json?apikey=demo-outlet-1")).0, 404);
    for (content_type, body) in [
        ("application/x-www-form-urlencoded", "amount_in_cents=100"),
        (json_type, r#"{"amount_in_cents":"100"}"#),
        (json_type, r#"{"amount_in_cents":1.5}"#),
        (json_type, r#"{"amount_in_cents":-100}"#),
        (json_type, r#"{"amount":100}"#),
        (json_type, r#"{"amount_in_cents":100,"extra":1}"#),
        (json_type, r#"[100]"#),
    ] {
        let (status, text) = post(&redeem, content_type, body);
        assert_eq!(status, 400, "{content_type} {body}: {text}");
    }
    // A short code works on balance only: follow-ups need the real code.
    let short_redeem = format!("{base}/v1/vouchers/SHORT1/redeem.json?apikey=demo-outlet-1");
    assert_eq!(
        post(&short_redeem, json_type, r#"{"amount_in_cents":100}"#),
        (400, "Der Gutschein ist nicht vorhanden.".into())
    );
    assert_eq!(sim.state()["eguma"]["vouchers"][0]["balance"], "50.00", "nothing changed");
    let (status, body) = post(&redeem, json_type, r#"{"amount_in_cents":100,"reference_number":"R-1"}"#);
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["balance_in_cents"], 4900);
}
