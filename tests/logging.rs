//! The log through `vl_set_logger`: lines arrive, codes are masked, secrets never appear.
//! One test function, because the logger is process-wide.

mod common;

use std::ffi::{CStr, c_char, c_void};
use std::sync::Mutex;

use serde_json::json;
use voucherlink::ffi::{VL_LOG_ERROR, VL_LOG_TRACE, VL_LOG_WARN, VlLogLevel, vl_set_logger};
use voucherlink::{Operation as Op, VlStatus};

static LINES: Mutex<Vec<(VlLogLevel, String)>> = Mutex::new(Vec::new());

unsafe extern "system" fn capture(level: VlLogLevel, message: *const c_char, user_data: *mut c_void) {
    assert_eq!(user_data as usize, 0xC0FFEE, "user_data comes back unchanged");
    let text = unsafe { CStr::from_ptr(message) }.to_str().expect("log lines are UTF-8").to_string();
    LINES.lock().unwrap().push((level, text));
}

fn lines() -> Vec<(VlLogLevel, String)> {
    std::mem::take(&mut *LINES.lock().unwrap())
}

#[test]
fn the_log_tells_what_happened_without_secrets_or_full_codes() {
    assert_eq!(unsafe { vl_set_logger(Some(capture), 0xC0FFEE as *mut c_void, 99) }, VlStatus::VL_INVALID_ARGUMENT);
    assert_eq!(unsafe { vl_set_logger(Some(capture), 0xC0FFEE as *mut c_void, VL_LOG_TRACE) }, VlStatus::VL_OK);

    let sim = common::simulator();
    let mut config = common::eguma_config(&sim);
    config["pos_id"] = json!("KASSE-1");
    let client = voucherlink::Client::new(&config.to_string()).unwrap();
    let r = common::run(&client, Op::Redeem, json!({"code": "l4fu-5lqt-kjr3", "amount": "5.00"})).unwrap();
    let token = r["transaction_id"].as_str().unwrap();
    common::run(
        &client,
        Op::CancelRedemption,
        json!({"code": "L4FU5LQTKJR3", "transaction_id": token, "amount": "5.00"}),
    )
    .unwrap();
    common::run(&client, Op::Balance, json!({"code": "SHORT1"})).unwrap();
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": "drop_after_commit"})).unwrap();
    let _ = common::run(&client, Op::Redeem, json!({"code": "2QH3QTDM28N6", "amount": "1.00"}));

    let captured = lines();
    let all = captured.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n");
    assert!(captured.len() >= 10, "{all}");
    // Each line names the provider, the operation, the till and the journal id (a read: its call number).
    let redeem = captured
        .iter()
        .find(|(_, l)| l.contains("POST /v1/vouchers/********KJR3/redeem.json -> HTTP 200"))
        .map(|(_, l)| l.clone());
    let redeem = redeem.unwrap_or_else(|| panic!("no redeem line:\n{all}"));
    assert!(redeem.starts_with("eguma redeem [pos=KASSE-1 vl-"), "{redeem}");
    assert!(captured.iter().any(|(_, l)| l.starts_with("eguma balance [pos=KASSE-1 c")), "{all}");
    // --trace: the exchange itself, secrets removed, codes masked.
    assert!(
        all.contains("> POST ")
            && all.contains(
                "redeem.json?apikey=[redacted] | content-type: application/json | body: {\"amount_in_cents\":500"
            ),
        "{all}"
    );
    assert!(all.contains("< HTTP 200 in ") && all.contains("\"code\":\"********KJR3\""), "{all}");
    assert!(all.contains("redeemed 5.00 from ********KJR3, 45.00 left"), "{all}");
    for secret in ["demo-outlet-1", "apikey=demo", "L4FU5LQTKJR3", "2QH3QTDM28N6", "SHORT1"] {
        assert!(!all.contains(secret), "{secret} appears in the log:\n{all}");
    }
    // The lost answer is a warning; the balance shows the redeem went through, so it is settled.
    assert!(
        captured.iter().any(|(level, l)| *level == VL_LOG_WARN && l.contains("redeem.json failed: connection lost")),
        "{all}"
    );
    assert!(all.contains("it went through ({\"balance_cents\":9900})"), "{all}");
    assert!(all.contains("settled: done"), "{all}");

    // Only the chosen levels arrive; NULL turns logging off.
    assert_eq!(unsafe { vl_set_logger(Some(capture), 0xC0FFEE as *mut c_void, VL_LOG_ERROR) }, VlStatus::VL_OK);
    common::run(&client, Op::Balance, json!({"code": "L4FU5LQTKJR3"})).unwrap();
    assert!(lines().is_empty());
    assert_eq!(unsafe { vl_set_logger(None, std::ptr::null_mut(), VL_LOG_TRACE) }, VlStatus::VL_OK);
    let _ = common::run(&client, Op::Balance, json!({"code": ""}));
    assert!(lines().is_empty());
}
