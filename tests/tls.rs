//! TLS against the simulator served over HTTPS with a throwaway CA: the certificate is verified
//! by the platform verifier (on Linux: the system bundle, or `SSL_CERT_FILE`), `ca_file` adds
//! roots, and every refusal happens before a byte of the request is sent.

mod common;

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use common::run;
use serde_json::{Value, json};
use voucherlink::{Client, Operation as Op, VlStatus};
use voucherlink_sim::Simulator;

/// The tests of this file run one at a time: one of them points `SSL_CERT_FILE` (the "system"
/// store on Linux) at the simulator's CA, which the others must not see.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn tls_simulator(names: &[&str]) -> Simulator {
    Simulator::start_tls("127.0.0.1:0", &voucherlink_sim::demo_fixtures(), names).expect("simulator starts")
}

/// Writes `text` to a fresh file and returns its path.
fn file_with(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("voucherlink-tls-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn ca_file(sim: &Simulator) -> PathBuf {
    file_with("ca.pem", sim.ca_pem().expect("a TLS simulator has a CA"))
}

fn client(sim: &Simulator, extra: Value) -> Result<Client, (VlStatus, String)> {
    let mut config = json!({ "provider": "eguma", "api_key": "demo-outlet-1", "base_url": sim.url("eguma"),
                             "timeout_ms": 5000 });
    for (key, value) in extra.as_object().unwrap() {
        config[key] = value.clone();
    }
    Client::new(&config.to_string()).map_err(|e| (e.status(), e.message))
}

#[test]
fn ca_file_makes_the_providers_certificate_trusted_and_money_moves() {
    let _serial = serial();
    let sim = tls_simulator(&["127.0.0.1"]);
    assert!(sim.url("eguma").starts_with("https://127.0.0.1:"));
    let client = client(&sim, json!({ "ca_file": ca_file(&sim) })).unwrap();

    let voucher = run(&client, Op::Balance, json!({"code": "L4FU5LQTKJR3"})).unwrap();
    assert_eq!(voucher["balance"], "50.00");
    let redeemed =
        run(&client, Op::Redeem, json!({"code": "L4FU5LQTKJR3", "amount": "12.50", "reference": "TLS-1"})).unwrap();
    assert_eq!((redeemed["amount"].as_str(), redeemed["balance"].as_str()), (Some("12.50"), Some("37.50")));
    let state = sim.state();
    let stored = state["eguma"]["vouchers"].as_array().unwrap().iter().find(|v| v["code"] == "L4FU5LQTKJR3").unwrap();
    assert_eq!(stored["balance"], "37.50", "the redemption reached the provider over TLS");
    assert_eq!(sim.connections(), 1, "one TLS connection, kept alive for both requests");
}

#[test]
fn an_unknown_ca_is_refused_before_anything_is_sent() {
    let _serial = serial();
    let sim = tls_simulator(&["127.0.0.1"]);
    let client = client(&sim, json!({})).unwrap();

    let (status, message) = run(&client, Op::Balance, json!({"code": "L4FU5LQTKJR3"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_NETWORK, "{message}");
    assert!(message.contains("TLS failed") && message.contains("UnknownIssuer"), "{message}");
    assert!(message.contains("ca_file"), "the message says how to trust a network's own CA: {message}");

    // A refused certificate is "not sent": a redemption fails plainly, nothing is in doubt.
    let (status, message) =
        run(&client, Op::Redeem, json!({"code": "L4FU5LQTKJR3", "amount": "5.00", "reference": "TLS-2"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_NETWORK, "{message}");
    assert_eq!(run(&client, Op::Pending, json!({})).unwrap()["entries"], json!([]));
    assert_eq!(sim.total_requests(), 0, "no request reached the provider");
}

#[test]
fn a_certificate_for_another_host_is_refused_even_with_its_ca() {
    let _serial = serial();
    let sim = tls_simulator(&["provider.example"]);
    let client = client(&sim, json!({ "ca_file": ca_file(&sim) })).unwrap();
    let (status, message) = run(&client, Op::Balance, json!({"code": "L4FU5LQTKJR3"})).unwrap_err();
    assert_eq!(status, VlStatus::VL_NETWORK, "{message}");
    assert!(message.contains("TLS failed") && message.contains("not valid for name"), "{message}");
    assert!(message.contains("base_url"), "the message points at the setting to check: {message}");
    assert_eq!(sim.total_requests(), 0);
}

#[test]
fn the_systems_store_is_trusted_without_ca_file() {
    let _serial = serial();
    let sim = tls_simulator(&["127.0.0.1"]);
    let bundle = ca_file(&sim);
    // On Linux the platform verifier reads the system's bundle, which `SSL_CERT_FILE` replaces:
    // the stand-in for a POS network whose admins installed their own root CA. The roots are read
    // at a client's first TLS connection.
    // SAFETY: the tests of this file run one at a time (SERIAL) and no other thread reads the
    // environment meanwhile.
    unsafe { std::env::set_var("SSL_CERT_FILE", &bundle) };
    let trusted = client(&sim, json!({})).unwrap();
    let result = run(&trusted, Op::Balance, json!({"code": "L4FU5LQTKJR3"}));
    unsafe { std::env::remove_var("SSL_CERT_FILE") };
    assert_eq!(result.unwrap()["balance"], "50.00");
}

#[test]
fn an_unusable_ca_file_is_a_configuration_error() {
    let _serial = serial();
    let sim = tls_simulator(&["127.0.0.1"]);
    let cases = [
        (PathBuf::from("/nonexistent/voucherlink/ca.pem"), "cannot be read"),
        (file_with("empty.pem", "no certificate here\n"), "contains no certificate"),
        (file_with("broken.pem", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"), "PEM"),
        (file_with("garbage.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), "not usable"),
    ];
    for (path, expected) in cases {
        let (status, message) = client(&sim, json!({ "ca_file": path })).map(|_| ()).unwrap_err();
        assert_eq!(status, VlStatus::VL_CONFIG, "{}: {message}", path.display());
        assert!(message.contains("`ca_file`") && message.contains(expected), "{}: {message}", path.display());
    }
}
