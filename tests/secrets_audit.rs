//! The secrets audit: every provider's flows through the C functions, with every log line at the
//! most verbose level and every result document captured. No configured secret (API key, client
//! secret, password, API token), no token the providers issued and no scratch code may appear in
//! any of them, and voucher codes appear in log lines only masked.
//! One test function: the logger is process-wide.

mod common;

use std::ffi::{CStr, CString, c_char, c_void};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use voucherlink::VlStatus;
use voucherlink::ffi::{self, VL_LOG_TRACE, VlClient, VlLogLevel};
use voucherlink::internals::support;
use voucherlink_sim::Simulator;

const EGUMA_KEY: &str = "eguma-key-7f3a9c51";
const TREAZURE_SECRET: &str = "tz-client-secret-91b2e0";
const GONNA_PASSWORD: &str = "go-pass-44d1c9";
const GONNA_API_TOKEN: &str = "go-api-token-ab12cd";
const COUPON_SECRET: &str = "ct-client-secret-0c5e77";
const SCRATCH_CODE: &str = "739184";
const WRONG_SECRETS: [&str; 4] =
    ["wrong-eguma-key-1a2b", "wrong-tz-secret-3c4d", "wrong-go-pass-5e6f", "wrong-ct-secret-7a8b"];

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

unsafe extern "system" fn capture(_level: VlLogLevel, message: *const c_char, _user_data: *mut c_void) {
    let line = unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned();
    LINES.lock().unwrap().push(line);
}

type OperationFn = unsafe extern "system" fn(*const VlClient, *const c_char, *mut *mut c_char) -> VlStatus;

/// The C function of an operation (the reads a provider's doctor probe uses).
fn operation(op: voucherlink::Operation) -> OperationFn {
    use voucherlink::Operation as Op;
    match op {
        Op::Balance => ffi::vl_balance,
        Op::ActivationStatus => ffi::vl_activation_status,
        Op::History => ffi::vl_history,
        Op::MemberVouchers => ffi::vl_member_vouchers,
        Op::Validate => ffi::vl_validate,
        other => panic!("{} is not a read a probe uses", other.name()),
    }
}

/// Every document the library handed out.
#[derive(Default)]
struct Documents(Vec<String>);

impl Documents {
    fn take(&mut self, out: *mut c_char) -> Value {
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
        unsafe { ffi::vl_string_free(out) };
        let doc = serde_json::from_str(&text).unwrap();
        self.0.push(text);
        doc
    }

    fn client(&mut self, config: Value) -> Option<*mut VlClient> {
        let config = CString::new(config.to_string()).unwrap();
        let (mut client, mut out) = (std::ptr::null_mut(), std::ptr::null_mut());
        let status = unsafe { ffi::vl_client_new(config.as_ptr(), &mut client, &mut out) };
        self.take(out);
        (status == VlStatus::VL_OK).then_some(client)
    }

    fn call(&mut self, client: *mut VlClient, f: OperationFn, request: Value) -> Value {
        let request = CString::new(request.to_string()).unwrap();
        let mut out = std::ptr::null_mut();
        unsafe { f(client, request.as_ptr(), &mut out) };
        self.take(out)
    }
}

fn fixtures() -> Value {
    let mut f = voucherlink_sim::demo_fixtures();
    f["eguma"]["api_keys"] = json!([EGUMA_KEY]);
    f["treazure"]["clients"][0]["client_secret"] = json!(TREAZURE_SECRET);
    f["treazure"]["cards"][0]["scratch_code"] = json!(SCRATCH_CODE);
    f["treazure"]["token_lifetime_s"] = json!(1);
    f["gonnaorder"]["users"][0]["password"] = json!(GONNA_PASSWORD);
    f["gonnaorder"]["api_tokens"] = json!([GONNA_API_TOKEN]);
    f["gonnaorder"]["jwt_lifetime_s"] = json!(1);
    f["gonnaorder"]["refresh_lifetime_s"] = json!(2);
    f["coupontools"]["clients"][0]["client_secret"] = json!(COUPON_SECRET);
    f
}

#[test]
fn no_secret_ever_reaches_a_log_line_or_a_result_document() {
    assert_eq!(unsafe { ffi::vl_set_logger(Some(capture), std::ptr::null_mut(), VL_LOG_TRACE) }, VlStatus::VL_OK);
    let sim = Simulator::start("127.0.0.1:0", &fixtures()).unwrap();
    let mut docs = Documents::default();
    let base = |p: &str| sim.url(p);

    // e-guma: lookups, a redeem and its cancel, a refusal, depot vouchers, a lost answer resolved.
    let eguma = docs.client(json!({"provider": "eguma", "api_key": EGUMA_KEY, "base_url": base("eguma")})).unwrap();
    docs.call(eguma, ffi::vl_balance, json!({"code": "SHORT1"}));
    let r = docs.call(eguma, ffi::vl_redeem, json!({"code": "L4FU-5LQT-KJR3", "amount": "5.00", "reference": "R-1"}));
    docs.call(
        eguma,
        ffi::vl_cancel_redemption,
        json!({"code": "L4FU5LQTKJR3", "transaction_id": r["data"]["transaction_id"], "amount": "5.00"}),
    );
    docs.call(eguma, ffi::vl_redeem, json!({"code": "USED00000001", "amount": "1.00"}));
    docs.call(eguma, ffi::vl_activate, json!({"code": "DEP0T0000002", "amount": "10.00"}));
    docs.call(eguma, ffi::vl_deactivate, json!({"code": "DEP0T0000002"}));
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": "drop_after_commit"})).unwrap();
    docs.call(eguma, ffi::vl_redeem, json!({"code": "2QH3QTDM28N6", "amount": "1.00"}));
    docs.call(eguma, ffi::vl_pending, json!({}));
    let wrong =
        docs.client(json!({"provider": "eguma", "api_key": WRONG_SECRETS[0], "base_url": base("eguma")})).unwrap();
    docs.call(wrong, ffi::vl_balance, json!({"code": "L4FU5LQTKJR3"}));

    // Treazure: scratch codes, redeem + cancel, a sale, issue, history, token renewals, a 401.
    let treazure = docs
        .client(json!({"provider": "treazure", "client_id": "pos", "client_secret": TREAZURE_SECRET, "base_url": base("treazure")}))
        .unwrap();
    docs.call(treazure, ffi::vl_balance, json!({"serial_number": "100200", "scratch_code": SCRATCH_CODE}));
    let r = docs.call(
        treazure,
        ffi::vl_redeem,
        json!({"serial_number": "100200", "scratch_code": SCRATCH_CODE, "amount": "2.00"}),
    );
    docs.call(
        treazure,
        ffi::vl_cancel_redemption,
        json!({"code": "6280001234567890", "transaction_id": r["data"]["transaction_id"]}),
    );
    std::thread::sleep(Duration::from_millis(1100));
    docs.call(treazure, ffi::vl_activate, json!({"code": "6280001111111111", "amount": "20.00"}));
    let issued = docs.call(treazure, ffi::vl_issue, json!({"amount": "15.00"}));
    docs.call(treazure, ffi::vl_history, json!({"code": issued["data"]["code"]}));
    sim.arm_fault(&json!({"provider": "treazure", "operation": "balance", "fault": {"status": 401}})).unwrap();
    docs.call(treazure, ffi::vl_balance, json!({"serial_number": "100200", "scratch_code": SCRATCH_CODE}));
    docs.call(treazure, ffi::vl_balance, json!({"serial_number": "100200", "scratch_code": "000000"}));
    let wrong = docs.client(json!({"provider": "treazure", "client_id": "pos", "client_secret": WRONG_SECRETS[1], "base_url": base("treazure")})).unwrap();
    docs.call(wrong, ffi::vl_balance, json!({"code": "6280001234567890"}));

    // GonnaOrder: login, refresh, re-login; member lookup, validation, an order; a fixed API token.
    let gonna = docs
        .client(json!({"provider": "gonnaorder", "store_id": 155, "username": "pos@store.example", "password": GONNA_PASSWORD, "base_url": base("gonnaorder")}))
        .unwrap();
    docs.call(gonna, ffi::vl_member_vouchers, json!({"phone_number": "+30 2310 589248"}));
    std::thread::sleep(Duration::from_millis(1100));
    docs.call(gonna, ffi::vl_validate, json!({"code": "XYZ", "order_total": "20.00"}));
    std::thread::sleep(Duration::from_millis(2100));
    docs.call(gonna, ffi::vl_submit_order, json!({"order_id": "A-1", "code": "XYZ", "order_total": "20.00", "discount": "5.50", "total_after_discount": "14.50"}));
    let fixed = docs.client(json!({"provider": "gonnaorder", "store_id": 155, "api_token": GONNA_API_TOKEN, "base_url": base("gonnaorder")})).unwrap();
    docs.call(fixed, ffi::vl_validate, json!({"code": "PCT10", "order_total": "10.00"}));
    let wrong = docs.client(json!({"provider": "gonnaorder", "store_id": 155, "username": "pos@store.example", "password": WRONG_SECRETS[2], "base_url": base("gonnaorder")})).unwrap();
    docs.call(wrong, ffi::vl_validate, json!({"code": "XYZ", "order_total": "20.00"}));

    // Coupontools: a scanned URL, lock, validation, a refusal.
    let coupons = docs.client(json!({"provider": "coupontools", "client_id": "ct", "client_secret": COUPON_SECRET, "base_url": base("coupontools")})).unwrap();
    docs.call(coupons, ffi::vl_lock, json!({"code": "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d"}));
    docs.call(coupons, ffi::vl_redeem, json!({"code": "kkfiznr8Yp8630h82es8d", "money_spent": "20.00"}));
    docs.call(coupons, ffi::vl_redeem, json!({"code": "kkfiznr8Yp8630h82es8d"}));
    let wrong = docs.client(json!({"provider": "coupontools", "client_id": "ct", "client_secret": WRONG_SECRETS[3], "base_url": base("coupontools")})).unwrap();
    docs.call(wrong, ffi::vl_balance, json!({"code": "kkfiznr8Yp8630h82es8d"}));

    // Every registered provider, by its slots alone (a new provider is audited by being
    // registered): its doctor probe and the lookup of a demo code with the demo credentials, and
    // the probe with each secret of its configuration made wrong (the refusal's path).
    let demo = common::simulator();
    let mut registry_secrets = Vec::new();
    for slot in voucherlink_sim::providers::SIMULATED {
        let entry = demo.demo_entry(slot.id);
        let probe = support::probe(slot.id).unwrap();
        let secret_keys = support::secret_keys(slot.id).unwrap();
        let given: Vec<&str> = secret_keys.iter().filter(|k| entry.get(**k).is_some()).copied().collect();
        assert!(!given.is_empty(), "{}: its demo entry has none of its secret keys {secret_keys:?}", slot.id);
        let client = docs.client(entry.clone()).unwrap();
        docs.call(client, operation(probe.operation), serde_json::from_str(probe.request).unwrap());
        let (list, key) = slot.items[0];
        let mut lookup: Value = serde_json::from_str(probe.lookup.1).unwrap();
        lookup["code"] = demo.state()[slot.id][list][0][key].clone();
        docs.call(client, operation(probe.lookup.0), lookup);
        for key in &given {
            let value = entry[*key].as_str().unwrap().to_string();
            // Short demo values ("pw", "secret") cannot be searched for without matching ordinary
            // words ("client_secret=[redacted]"); the wrong values below are distinctive.
            if value.len() >= 8 {
                registry_secrets.push(value.clone());
            }
            let mut wrong = entry.clone();
            wrong[*key] = json!(format!("{value}-wrong-{}-7c1e", slot.id));
            registry_secrets.push(wrong[*key].as_str().unwrap().to_string());
            let client = docs.client(wrong).unwrap();
            docs.call(client, operation(probe.operation), serde_json::from_str(probe.request).unwrap());
        }
    }

    unsafe { ffi::vl_set_logger(None, std::ptr::null_mut(), VL_LOG_TRACE) };
    let lines = std::mem::take(&mut *LINES.lock().unwrap());
    let state = sim.state();

    let mut secrets: Vec<String> =
        [EGUMA_KEY, TREAZURE_SECRET, GONNA_PASSWORD, GONNA_API_TOKEN, COUPON_SECRET, SCRATCH_CODE]
            .into_iter()
            .chain(WRONG_SECRETS)
            .map(str::to_string)
            .chain(registry_secrets)
            .collect();
    for provider in ["treazure", "gonnaorder"] {
        let issued = state[provider]["issued_tokens"].as_array().unwrap();
        secrets.extend(issued.iter().map(|t| t.as_str().unwrap().to_string()));
    }
    assert!(state["treazure"]["issued_tokens"].as_array().unwrap().len() >= 3, "token renewals happened");
    assert!(state["gonnaorder"]["issued_tokens"].as_array().unwrap().len() >= 6, "login, refresh, re-login happened");
    assert!(lines.len() > 100, "the flows were logged: {} lines", lines.len());
    assert!(docs.0.len() > 30);

    for secret in &secrets {
        for line in &lines {
            assert!(!line.contains(secret.as_str()), "secret {secret:?} in the log line: {line}");
        }
        for doc in &docs.0 {
            assert!(!doc.contains(secret.as_str()), "secret {secret:?} in a result document: {doc}");
        }
    }
    // Voucher codes, serial numbers and coupon sessions appear in log lines only masked.
    for code in [
        "L4FU5LQTKJR3",
        "SHORT1",
        "2QH3QTDM28N6",
        "USED00000001",
        "DEP0T0000002",
        "6280001234567890",
        "6280001111111111",
        "100200",
        "kkfiznr8Yp8630h82es8d",
        "PCT10",
    ] {
        for line in &lines {
            assert!(!line.contains(code), "the code {code} unmasked in the log line: {line}");
        }
    }
    assert!(lines.iter().any(|l| l.contains("********KJR3")), "masked codes are still recognisable");
}
