//! The provider, through the library: its credentials proved by the read its slot names (a
//! made-up code it answers "unknown"), and a real code looked up. Nothing moves.

use std::time::Instant;

use serde_json::{Value, json};
use voucherlink::internals::support;
use voucherlink::{Client, Error, Operation, VlStatus};

use super::Steps;

/// Authentication, through the library: the provider's probe, a read with a made-up code that
/// the provider answers "unknown" once it has accepted the credentials (nothing moves).
pub(super) fn authenticate(steps: &mut Steps, client: &Client, account: &Value, several: bool) {
    let id = account["provider"].as_str().unwrap_or_default();
    let started = Instant::now();
    let operations =
        account["operations"].as_array().map(|ops| ops.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "));
    steps.ok("capabilities", started.elapsed(), &operations.unwrap_or_default());
    let Some(probe) = support::probe(id) else { return };
    let mut request: Value = serde_json::from_str(probe.request).unwrap_or_else(|_| json!({}));
    if several {
        request["provider"] = json!(id);
    }
    let started = Instant::now();
    let result = client.execute(probe.operation, &request.to_string());
    let accepted = match &result {
        Ok(_) => true,
        Err(e) => matches!(e.status(), VlStatus::VL_NOT_FOUND | VlStatus::VL_REJECTED | VlStatus::VL_INVALID_ARGUMENT),
    };
    match result {
        _ if accepted => steps.ok("authentication", started.elapsed(), probe.proves),
        Ok(_) => {}
        Err(e) => {
            let (cause, fix) = call_advice(&e);
            let what = format!("{}: {}", e.status().name(), e.message);
            steps.fail("authentication", started.elapsed(), &what, cause, fix, e.status().code() as u8);
        }
    }
}

/// Looks a real code up as the till would: a client of several providers finds its provider
/// (a balance, routed; then each provider whose codes are read otherwise, by name).
pub(super) fn look_up(steps: &mut Steps, client: &Client, accounts: &[Value], code: &str, several: bool) {
    let started = Instant::now();
    let mut tries: Vec<(Operation, Value)> = Vec::new();
    for account in accounts {
        let id = account["provider"].as_str().unwrap_or_default();
        let Some(probe) = support::probe(id) else { continue };
        let (op, extra) = probe.lookup;
        let mut request: Value = serde_json::from_str(extra).unwrap_or_else(|_| json!({}));
        request["code"] = json!(code);
        if several && op != Operation::Balance {
            request["provider"] = json!(id);
        }
        if !tries.iter().any(|(o, r)| *o == op && *r == request) {
            tries.push((op, request));
        }
    }
    let mut last = None;
    for (op, request) in tries {
        match client.execute(op, &request.to_string()) {
            Ok(data) => return steps.ok("read", started.elapsed(), &summary(&data)),
            Err(e) if e.status() == VlStatus::VL_NOT_FOUND && several => last = Some(e),
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    if let Some(e) = last {
        let (cause, fix) = call_advice(&e);
        let what = format!("{}: {}", e.status().name(), e.message);
        steps.fail("read", started.elapsed(), &what, cause, fix, e.status().code() as u8);
    }
}

fn summary(data: &Value) -> String {
    let mut parts = Vec::new();
    for key in ["provider", "code", "status", "balance", "currency", "discount", "message"] {
        if let Some(v) = data.get(key).filter(|v| !v.is_null()) {
            parts.push(format!("{key}={}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())));
        }
    }
    parts.join(" ")
}

fn call_advice(e: &Error) -> (&'static str, &'static str) {
    match e.status() {
        VlStatus::VL_AUTH => (
            "the provider refused the credentials",
            "check api_key / client_id + client_secret / username + password with the provider",
        ),
        VlStatus::VL_CONFIG => {
            ("the provider says the configuration is wrong (a store id, a tenant)", "fix the key the message names")
        }
        VlStatus::VL_NETWORK => {
            ("the provider did not answer in time", "raise timeout_ms, or check the network (the steps above)")
        }
        VlStatus::VL_PROVIDER => (
            "the provider answered something the library cannot read",
            "run again with --trace and send the output (secrets removed) to the provider and to voucherlink's maintainers",
        ),
        _ => ("", ""),
    }
}
