#![allow(clippy::result_large_err)]
//! Money safety (docs/api.md §7): the fault matrix, a repeated button press, the journal lock, kill -9
//! in the middle of a redeem, and hard deadlines against stalling servers.
//!
//! After every case, the simulator's state and the journal must agree: no money lost or doubled,
//! and every operation settled or listed by `vl_pending`.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use voucherlink::{Client, Operation as Op, VlStatus};
use voucherlink_sim::Simulator;

// ---- helpers ----

fn journal_dir(name: &str) -> PathBuf {
    let dir = common::scratch(&format!("journal-{name}"));
    for f in ["journal.jsonl", "journal.jsonl.lock", "journal.jsonl.tmp"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    dir
}

fn config(sim: &Simulator, journal: &Path, policy: &str, timeout_ms: u64) -> Value {
    json!({
        "provider": "eguma", "api_key": "demo-outlet-1", "base_url": sim.url("eguma"),
        "timeout_ms": timeout_ms, "journal_path": journal, "in_doubt_policy": policy, "pos_id": "KASSE-1",
    })
}

/// The journal file as written: the last snapshot of each entry.
fn journal_entries(path: &Path) -> HashMap<String, Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut entries = HashMap::new();
    for line in text.lines().skip(1) {
        if let Ok(v) = serde_json::from_str::<Value>(line) {
            entries.insert(v["id"].as_str().unwrap().to_string(), v);
        }
    }
    entries
}

fn exec(client: &Client, op: Op, request: &Value) -> Result<Value, voucherlink::Error> {
    client.execute(op, &request.to_string())
}

fn voucher(state: &Value, code: &str) -> Value {
    state["eguma"]["vouchers"].as_array().unwrap().iter().find(|v| v["code"] == code).cloned().unwrap_or(Value::Null)
}

fn depot_activated(state: &Value, code: &str) -> bool {
    state["eguma"]["depot_vouchers"].as_array().unwrap().iter().any(|d| d["code"] == code && d["activated"] == true)
}

// ---- the fault matrix ----

/// One money-moving operation under test: how to get to it, and how the simulator shows it.
struct Scenario {
    provider: &'static str,
    op: Op,
    prepare: fn(&Client) -> Value,
    applied: fn(&Value) -> bool,
}

fn treazure_card(state: &Value, id: &str) -> Value {
    state["treazure"]["cards"].as_array().unwrap().iter().find(|c| c["card_id"] == id).cloned().unwrap_or(Value::Null)
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            provider: "eguma",
            op: Op::Redeem,
            prepare: |_| json!({"code": "2QH3QTDM28N6", "amount": "10.00", "reference": "R-1"}),
            applied: |s| voucher(s, "2QH3QTDM28N6")["balance"] == "90.00",
        },
        Scenario {
            provider: "eguma",
            op: Op::CancelRedemption,
            prepare: |c| {
                let r = exec(c, Op::Redeem, &json!({"code": "2QH3QTDM28N6", "amount": "10.00"})).unwrap();
                json!({"code": "2QH3QTDM28N6", "transaction_id": r["transaction_id"], "amount": "10.00"})
            },
            applied: |s| voucher(s, "2QH3QTDM28N6")["balance"] == "100.00",
        },
        Scenario {
            provider: "eguma",
            op: Op::Activate,
            prepare: |_| json!({"code": "DEP0T0000002", "amount": "25.00", "reference": "R-2"}),
            applied: |s| depot_activated(s, "DEP0T0000002"),
        },
        Scenario {
            provider: "eguma",
            op: Op::Deactivate,
            prepare: |c| {
                exec(c, Op::Activate, &json!({"code": "DEP0T0000001"})).unwrap();
                json!({"code": "DEP0T0000001", "reason": "sale voided"})
            },
            applied: |s| !depot_activated(s, "DEP0T0000001"),
        },
        Scenario {
            provider: "treazure",
            op: Op::Redeem,
            prepare: |_| json!({"code": "6280001234567890", "amount": "10.00", "reference": "R-3"}),
            applied: |s| treazure_card(s, "6280001234567890")["balance"] == "15.00",
        },
        Scenario {
            provider: "treazure",
            op: Op::CancelRedemption,
            prepare: |c| {
                let r = exec(c, Op::Redeem, &json!({"code": "6280001234567890", "amount": "10.00"})).unwrap();
                json!({"code": "6280001234567890", "transaction_id": r["transaction_id"]})
            },
            applied: |s| treazure_card(s, "6280001234567890")["balance"] == "25.00",
        },
        Scenario {
            provider: "treazure",
            op: Op::Activate,
            prepare: |_| json!({"code": "6280001111111111", "amount": "30.00"}),
            applied: |s| treazure_card(s, "6280001111111111")["status"] == "active",
        },
        Scenario {
            provider: "treazure",
            op: Op::CancelActivation,
            prepare: |c| {
                let v = exec(c, Op::Activate, &json!({"code": "6280001111111111", "amount": "30.00"})).unwrap();
                json!({"code": "6280001111111111", "transaction_id": v["transaction_id"]})
            },
            applied: |s| treazure_card(s, "6280001111111111")["status"] == "created",
        },
        Scenario {
            provider: "gonnaorder",
            op: Op::SubmitOrder,
            prepare: |_| json!({"order_id": 77, "code": "XYZ", "order_total": "20.00", "discount": "5.50", "total_after_discount": "14.50"}),
            applied: |s| !s["gonnaorder"]["orders"].as_array().unwrap().is_empty(),
        },
        Scenario {
            provider: "coupontools",
            op: Op::Redeem,
            prepare: |_| json!({"code": "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d", "money_spent": "12.00"}),
            applied: |s| s["coupontools"]["sessions"][0]["validated"] == true,
        },
        Scenario {
            provider: "treazure",
            op: Op::Issue,
            prepare: |_| json!({"amount": "50.00", "reference": "R-4"}),
            applied: |s| s["treazure"]["cards"].as_array().unwrap().len() > 2,
        },
    ]
}

fn matrix_fixtures() -> Value {
    let mut f = voucherlink_sim::demo_fixtures();
    f["treazure"]["cards"] = json!([
        {"card_id": "6280001234567890", "status": "active", "balance": "25.00"},
        {"card_id": "6280001111111111", "status": "created", "balance": "0.00"}
    ]);
    f
}

fn matrix_config(sim: &Simulator, provider: &str, journal: &Path, policy: &str) -> Value {
    let mut c = match provider {
        "eguma" => json!({"provider": "eguma", "api_key": "demo-outlet-1"}),
        "gonnaorder" => {
            json!({"provider": "gonnaorder", "store_id": 155, "username": "pos@store.example", "password": "pw"})
        }
        "coupontools" => json!({"provider": "coupontools", "client_id": "ct", "client_secret": "secret"}),
        _ => json!({"provider": "treazure", "client_id": "pos", "client_secret": "secret"}),
    };
    c["base_url"] = json!(sim.url(provider));
    c["timeout_ms"] = json!(TIMEOUT_MS);
    c["in_doubt_window_ms"] = json!(WINDOW_MS);
    c["journal_path"] = json!(journal);
    c["in_doubt_policy"] = json!(policy);
    c
}

const TIMEOUT_MS: u64 = 500;
/// The in-doubt window of the matrix: short, so the cases after it run quickly.
const WINDOW_MS: u64 = 1000;
/// A late request lands after the call has returned (at most 2 × TIMEOUT_MS) and within the window.
const LATE_MS: u64 = 1200;

fn faults() -> Vec<(&'static str, Value)> {
    vec![
        ("drop_before_commit", json!("drop_before_commit")),
        ("drop_after_commit", json!("drop_after_commit")),
        ("answer cut short", json!({"cut_body_at": 5})),
        ("delay past the timeout", json!({"delay_ms": TIMEOUT_MS * 3})),
        ("HTTP 500", json!({"status": 500})),
        ("garbage", json!("garbage")),
        ("late", json!({"late_ms": LATE_MS})),
    ]
}

/// What the till is told and what stands, right after the call and once the in-doubt window has
/// passed (and a late request has landed) and `vl_recover` has run (docs/money-safety.md, "The fault matrix").
struct Expected {
    status: VlStatus,
    applied: bool,
    state: &'static str,
    then_applied: bool,
    then_state: &'static str,
    /// No lookup can tell (Treazure's issue, GonnaOrder's order): settled by hand.
    by_hand: bool,
    /// Sent again by the library (an undo whose first attempt did not land).
    resent: bool,
}

fn expected(provider: &str, op: Op, fault: &str, policy: &str) -> Expected {
    let undo = op.is_undo();
    let no_lookup = op == Op::Issue || op == Op::SubmitOrder;
    // e-guma's redeem cannot be reversed without the lost redeem_token, nor a Coupontools
    // validation at all: they are kept.
    let reversible = (provider == "treazure" && op != Op::Issue) || (provider == "eguma" && op == Op::Activate);
    let reversed = policy == "reverse" && reversible && !undo;
    let e = |status, applied, state, then_applied, then_state| Expected {
        status,
        applied,
        state,
        then_applied,
        then_state,
        by_hand: false,
        resent: false,
    };
    let by_hand =
        |status, applied, then_applied| Expected { by_hand: true, ..e(status, applied, "in_doubt", then_applied, "") };
    match fault {
        // Nothing changed, but the request might still land: in doubt until the window has passed.
        "drop_before_commit" if no_lookup => by_hand(VlStatus::VL_IN_DOUBT, false, false),
        "drop_before_commit" if undo => {
            Expected { resent: true, ..e(VlStatus::VL_IN_DOUBT, false, "in_doubt", true, "done") }
        }
        "drop_before_commit" => e(VlStatus::VL_IN_DOUBT, false, "in_doubt", false, "failed"),
        // GonnaOrder's order is answered 201 without a body: there is nothing to cut.
        "answer cut short" if op == Op::SubmitOrder => e(VlStatus::VL_OK, true, "done", true, "done"),
        // Applied, answer lost (or cut after its status line): the evidence shows it at once.
        "drop_after_commit" | "delay past the timeout" | "answer cut short" if no_lookup => {
            by_hand(VlStatus::VL_IN_DOUBT, true, true)
        }
        "drop_after_commit" | "delay past the timeout" | "answer cut short" if reversed => {
            e(VlStatus::VL_NETWORK, false, "reversed", false, "reversed")
        }
        "drop_after_commit" | "delay past the timeout" | "answer cut short" => {
            e(VlStatus::VL_OK, true, "done", true, "done")
        }
        // GonnaOrder documents 500 as "failure": definite.
        "HTTP 500" if op == Op::SubmitOrder => e(VlStatus::VL_PROVIDER, false, "failed", false, "failed"),
        // An answer came back after the provider processed the request: the evidence is conclusive.
        "HTTP 500" | "garbage" if no_lookup => by_hand(VlStatus::VL_IN_DOUBT, false, false),
        "HTTP 500" | "garbage" if undo => {
            Expected { resent: true, ..e(VlStatus::VL_IN_DOUBT, false, "queued", true, "done") }
        }
        "HTTP 500" | "garbage" => e(VlStatus::VL_PROVIDER, false, "failed", false, "failed"),
        // Lands after the call has returned: in doubt, then done (or reversed) once it shows.
        "late" if no_lookup => by_hand(VlStatus::VL_IN_DOUBT, false, true),
        "late" if reversed => e(VlStatus::VL_IN_DOUBT, false, "in_doubt", false, "reversed"),
        "late" => e(VlStatus::VL_IN_DOUBT, false, "in_doubt", true, "done"),
        other => panic!("no expectation for {other}"),
    }
}

/// Runs one case of the matrix; panics with the case's name when it does not hold.
fn matrix_case(scenario: &Scenario, fault_name: &str, fault: &Value, policy: &str) {
    let (provider, op) = (scenario.provider, scenario.op);
    let case = format!("{provider} {} / {fault_name} / {policy}", op.name());
    let sim = Simulator::start("127.0.0.1:0", &matrix_fixtures()).unwrap();
    let dir = journal_dir(&format!("matrix-{provider}-{}-{}-{policy}", op.name(), fault_name.replace(' ', "-")));
    let path = dir.join("journal.jsonl");
    let client = Client::new(&matrix_config(&sim, provider, &path, policy).to_string()).unwrap();
    let request = (scenario.prepare)(&client);
    let sent_before = sim.requests(provider, op.name());
    sim.arm_fault(&json!({"provider": provider, "operation": op.name(), "fault": fault})).unwrap();

    let started = Instant::now();
    let result = exec(&client, op, &request);
    let took = started.elapsed();
    let status = result.as_ref().err().map_or(VlStatus::VL_OK, |e| e.status());
    let want = expected(provider, op, fault_name, policy);
    assert_eq!(status, want.status, "{case}: {result:?}");
    if fault_name != "late" {
        assert_eq!((scenario.applied)(&sim.state()), want.applied, "{case}: simulator state {}", sim.state());
    }
    assert_eq!(sim.requests(provider, op.name()) - sent_before, 1, "{case}: sent exactly once");
    // Documented bound: timeout_ms, plus at most min(timeout_ms, 3 s) to resolve a lost answer.
    assert!(took < Duration::from_millis(TIMEOUT_MS * 2 + 300), "{case}: took {took:?}");

    // The journal agrees with the simulator, and the error names the entry.
    let entry = latest_entry(&path, op).unwrap_or_else(|| panic!("{case}: not journaled"));
    assert_eq!(entry["state"], want.state, "{case}: journal {entry}");
    if let Err(e) = &result {
        assert_eq!(e.journal_id.as_deref(), entry["id"].as_str(), "{case}: the error names the entry");
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("demo-outlet-1") && !text.contains("\"secret\""), "{case}: no secret in the journal");
    let pending = exec(&client, Op::Pending, &json!({})).unwrap();
    let listed = pending["entries"].as_array().unwrap();
    if status != VlStatus::VL_IN_DOUBT {
        assert!(listed.is_empty(), "{case}: {pending}");
        if want.state == "reversed" {
            let reversal = &journal_entries(&path)[entry["reversed_by"].as_str().unwrap()];
            assert_eq!(reversal["state"], "done", "{case}: {reversal}");
        }
        return;
    }
    // In doubt: listed, and settled by vl_recover once it can be — never guessed before.
    assert_eq!(listed.len(), 1, "{case}: {pending}");
    assert_eq!(listed[0]["journal_id"], entry["id"], "{case}");
    if fault_name == "late" {
        common::wait_until(&format!("{case}: the late request landed"), || (scenario.applied)(&sim.state()));
    } else if entry["may_land_until"].is_string() || want.state == "in_doubt" {
        std::thread::sleep(Duration::from_millis(WINDOW_MS + 100));
    }
    let recovered = exec(&client, Op::Recover, &json!({})).unwrap();
    if want.by_hand {
        assert_eq!(recovered["still_pending"].as_array().unwrap().len(), 1, "{case}: {recovered}");
        let outcome = if want.then_applied { "done" } else { "failed" };
        let by_hand = json!({"journal_id": entry["id"], "outcome": outcome});
        let settled = exec(&client, Op::Recover, &by_hand).unwrap();
        assert_eq!(settled["resolved"][0]["state"], outcome, "{case}");
    } else {
        let resolved = recovered["resolved"].as_array().unwrap();
        let mine = resolved.iter().find(|r| r["journal_id"] == entry["id"]);
        assert_eq!(mine.map(|r| &r["state"]), Some(&json!(want.then_state)), "{case}: {recovered}");
        assert_eq!(recovered["still_pending"], json!([]), "{case}: {recovered}");
        // Reported once: a second vl_recover has nothing more to say about it.
        let again = exec(&client, Op::Recover, &json!({})).unwrap();
        assert_eq!(again["resolved"], json!([]), "{case}: {again}");
    }
    assert_eq!((scenario.applied)(&sim.state()), want.then_applied, "{case}: simulator state {}", sim.state());
    let sends = if want.resent { 2 } else { 1 };
    assert_eq!(sim.requests(provider, op.name()) - sent_before, sends, "{case}: sends");
    assert_eq!(exec(&client, Op::Pending, &json!({})).unwrap()["entries"], json!([]), "{case}");
}

/// The newest journal entry of an operation, as written in the file.
fn latest_entry(path: &Path, op: Op) -> Option<Value> {
    journal_entries(path)
        .values()
        .filter(|e| e["operation"] == op.name() && e["reverses"].is_null())
        .max_by_key(|e| e["created_ms"].as_u64())
        .cloned()
}

#[test]
fn fault_matrix_every_fault_every_money_moving_operation_both_policies() {
    // Each scenario and policy in its own thread (its own simulator and journal): the cases wait
    // for windows and late requests, not for the machine.
    let runs: Vec<_> = ["keep", "reverse"]
        .into_iter()
        .flat_map(|policy| (0..scenarios().len()).map(move |i| (policy, i)))
        .map(|(policy, i)| {
            std::thread::spawn(move || {
                let scenario = &scenarios()[i];
                for (fault_name, fault) in faults() {
                    matrix_case(scenario, fault_name, &fault, policy);
                }
                faults().len()
            })
        })
        .collect();
    let mut cases = 0;
    let mut failures = Vec::new();
    for run in runs {
        match run.join() {
            Ok(n) => cases += n,
            Err(panic) => failures.push(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("{:?}", panic.downcast_ref::<&str>())),
            ),
        }
    }
    assert!(failures.is_empty(), "{} failing scenario(s):\n{}", failures.len(), failures.join("\n\n"));
    assert_eq!(cases, 154);
}

// ---- the cashier presses the button again ----

#[test]
fn a_repeated_redeem_after_an_unresolved_one_is_refused_naming_it_and_not_sent() {
    let sim = common::simulator();
    let path = journal_dir("repeat").join("journal.jsonl");
    let client = Client::new(&config(&sim, &path, "keep", 2000).to_string()).unwrap();
    let redeem = json!({"code": "2QH3QTDM28N6", "amount": "10.00", "reference": "R-9"});

    // The answer is lost, and e-guma cannot be asked afterwards (every balance read fails).
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": "drop_after_commit"})).unwrap();
    sim.arm_fault(
        &json!({"provider": "eguma", "operation": "balance", "fault": {"status": 503}, "times": 6, "skip": 1}),
    )
    .unwrap();
    let err = exec(&client, Op::Redeem, &redeem).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_IN_DOUBT, "{}", err.message);
    let journal_id = err.journal_id.clone().unwrap();
    assert!(err.message.contains("Do not repeat it"), "{}", err.message);
    let pending = exec(&client, Op::Pending, &json!({})).unwrap();
    assert_eq!(pending["entries"][0]["journal_id"], journal_id.as_str());
    assert_eq!(pending["entries"][0]["state"], "in_doubt");
    assert_eq!(pending["entries"][0]["reference"], "R-9");

    // The cashier presses again while e-guma still cannot be asked: nothing is sent, so it is not
    // in doubt itself: VL_REJECTED, naming the earlier entry.
    let again = exec(&client, Op::Redeem, &redeem).unwrap_err();
    assert_eq!((again.status(), again.journal_id.as_deref()), (VlStatus::VL_REJECTED, Some(journal_id.as_str())));
    assert!(
        again.message.contains("still unresolved") && again.message.contains("Nothing was sent"),
        "{}",
        again.message
    );
    assert_eq!(sim.requests("eguma", "redeem"), 1);

    // And once e-guma answers again: the first one went through, so the second is still not sent.
    sim.clear_faults();
    let again = exec(&client, Op::Redeem, &redeem).unwrap_err();
    assert_eq!(again.status(), VlStatus::VL_REJECTED, "{}", again.message);
    assert!(again.message.contains("went through after all"), "{}", again.message);
    assert_eq!(sim.requests("eguma", "redeem"), 1);
    assert_eq!(voucher(&sim.state(), "2QH3QTDM28N6")["balance"], "90.00", "debited once");
    assert_eq!(exec(&client, Op::Pending, &json!({})).unwrap()["entries"], json!([]));
    // The POS learns the outcome from vl_recover, once.
    let recovered = exec(&client, Op::Recover, &json!({})).unwrap();
    assert_eq!(recovered["resolved"][0]["journal_id"], journal_id.as_str(), "{recovered}");
    assert_eq!(recovered["resolved"][0]["state"], "done");
    assert_eq!(exec(&client, Op::Recover, &json!({})).unwrap()["resolved"], json!([]));

    // A deliberate next redeem is fine.
    exec(&client, Op::Redeem, &redeem).unwrap();
    assert_eq!(voucher(&sim.state(), "2QH3QTDM28N6")["balance"], "80.00");
}

/// A client of the demo e-guma outlet with a short in-doubt window.
fn windowed(sim: &Simulator, path: &Path, window_ms: u64) -> Client {
    let mut c = config(sim, path, "keep", 1000);
    c["in_doubt_window_ms"] = json!(window_ms);
    Client::new(&c.to_string()).unwrap()
}

#[test]
fn an_in_doubt_cancel_blocks_the_voucher_until_the_window_and_is_then_completed_once() {
    let sim = common::simulator();
    let path = journal_dir("cancel-window").join("journal.jsonl");
    let client = windowed(&sim, &path, 1500);
    let r = exec(&client, Op::Redeem, &json!({"code": "2QH3QTDM28N6", "amount": "10.00"})).unwrap();
    sim.arm_fault(&json!({"provider": "eguma", "operation": "cancel_redemption", "fault": "drop_before_commit"}))
        .unwrap();
    let cancel = json!({"code": "2QH3QTDM28N6", "transaction_id": r["transaction_id"], "amount": "10.00"});
    let err = exec(&client, Op::CancelRedemption, &cancel).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_IN_DOUBT, "{}", err.message);
    let cancel_id = err.journal_id.unwrap();

    // Within the window the cancel could still land: the voucher is not touched meanwhile.
    let refused = exec(&client, Op::Redeem, &json!({"code": "2QH3QTDM28N6", "amount": "1.00"})).unwrap_err();
    assert_eq!((refused.status(), refused.journal_id.as_deref()), (VlStatus::VL_REJECTED, Some(cancel_id.as_str())));
    assert_eq!(sim.requests("eguma", "redeem"), 1, "nothing sent");

    // After it, the cancel is checked (it did not land), sent again, then the redeem goes.
    std::thread::sleep(Duration::from_millis(1600));
    exec(&client, Op::Redeem, &json!({"code": "2QH3QTDM28N6", "amount": "1.00"})).unwrap();
    assert_eq!(voucher(&sim.state(), "2QH3QTDM28N6")["balance"], "99.00");
    assert_eq!(sim.requests("eguma", "cancel_redemption"), 2);
    assert_eq!(exec(&client, Op::Pending, &json!({})).unwrap()["entries"], json!([]));
    let recovered = exec(&client, Op::Recover, &json!({})).unwrap();
    assert_eq!(recovered["resolved"][0]["journal_id"], cancel_id.as_str(), "reported once settled: {recovered}");
}

#[test]
fn a_cancel_that_lands_late_is_never_sent_again() {
    // e-guma: a partial cancel of 5.00 whose first attempt lands after the call gave up.
    let sim = common::simulator();
    let path = journal_dir("late-cancel").join("journal.jsonl");
    let client = windowed(&sim, &path, 3000);
    let r = exec(&client, Op::Redeem, &json!({"code": "2QH3QTDM28N6", "amount": "10.00"})).unwrap();
    sim.arm_fault(&json!({"provider": "eguma", "operation": "cancel_redemption", "fault": {"late_ms": 2200}})).unwrap();
    let cancel = json!({"code": "2QH3QTDM28N6", "transaction_id": r["transaction_id"], "amount": "5.00"});
    let err = exec(&client, Op::CancelRedemption, &cancel).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_IN_DOUBT, "{}", err.message);
    // vl_recover before it lands: nothing is concluded, nothing re-sent.
    let early = exec(&client, Op::Recover, &json!({})).unwrap();
    assert_eq!(early["still_pending"].as_array().unwrap().len(), 1, "{early}");
    common::wait_until("the cancel landed", || voucher(&sim.state(), "2QH3QTDM28N6")["balance"] == "95.00");
    let recovered = exec(&client, Op::Recover, &json!({})).unwrap();
    assert_eq!(recovered["resolved"][0]["state"], "done", "{recovered}");
    assert_eq!(sim.requests("eguma", "cancel_redemption"), 1, "never sent twice");
    assert_eq!(voucher(&sim.state(), "2QH3QTDM28N6")["balance"], "95.00", "5.00 given back, not 10.00");

    // Treazure: the same, with its history as the evidence (a re-send would be WrongCancelId).
    let f = matrix_fixtures();
    let sim = Simulator::start("127.0.0.1:0", &f).unwrap();
    let path = journal_dir("late-cancel-treazure").join("journal.jsonl");
    let mut c = matrix_config(&sim, "treazure", &path, "keep");
    (c["timeout_ms"], c["in_doubt_window_ms"]) = (json!(1000), json!(3000));
    let client = Client::new(&c.to_string()).unwrap();
    let r = exec(&client, Op::Redeem, &json!({"code": "6280001234567890", "amount": "10.00"})).unwrap();
    sim.arm_fault(&json!({"provider": "treazure", "operation": "cancel_redemption", "fault": {"late_ms": 2200}}))
        .unwrap();
    let cancel = json!({"code": "6280001234567890", "transaction_id": r["transaction_id"]});
    assert_eq!(exec(&client, Op::CancelRedemption, &cancel).unwrap_err().status(), VlStatus::VL_IN_DOUBT);
    common::wait_until("the cancel landed", || treazure_card(&sim.state(), "6280001234567890")["balance"] == "25.00");
    let recovered = exec(&client, Op::Recover, &json!({})).unwrap();
    assert_eq!(recovered["resolved"][0]["state"], "done", "{recovered}");
    assert_eq!(sim.requests("treazure", "cancel_redemption"), 1, "never sent twice");
}

#[test]
fn a_late_redeem_is_in_doubt_until_it_shows_never_reported_as_nothing_changed() {
    let sim = common::simulator();
    let path = journal_dir("late-redeem").join("journal.jsonl");
    let client = windowed(&sim, &path, 4000);
    // The request reaches e-guma 2.2 s after it was sent; the client gives up after 1 s.
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": {"late_ms": 2200}})).unwrap();
    let err = exec(&client, Op::Redeem, &json!({"code": "2QH3QTDM28N6", "amount": "7.00"})).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_IN_DOUBT, "{}", err.message);
    let id = err.journal_id.unwrap();
    let one = exec(&client, Op::Recover, &json!({"journal_id": id})).unwrap();
    assert_eq!(
        (one["resolved"].as_array().unwrap().len(), one["still_pending"][0]["state"].as_str()),
        (0, Some("in_doubt"))
    );
    common::wait_until("the redeem landed", || voucher(&sim.state(), "2QH3QTDM28N6")["balance"] == "93.00");
    let one = exec(&client, Op::Recover, &json!({"journal_id": id})).unwrap();
    assert_eq!(one["resolved"][0]["state"], "done", "{one}");
    assert_eq!(one["resolved"][0]["result"]["balance_cents"], 9300);
    assert_eq!(one["still_pending"], json!([]));
    // Looked up again later, it is still there, settled.
    let again = exec(&client, Op::Recover, &json!({"journal_id": id})).unwrap();
    assert_eq!(again["resolved"][0]["state"], "done");
    let unknown = exec(&client, Op::Recover, &json!({"journal_id": "vl-nope"})).unwrap_err();
    assert_eq!(unknown.status(), VlStatus::VL_INVALID_ARGUMENT);
}

#[test]
fn an_outcome_settled_by_a_later_call_is_still_reported_by_vl_recover() {
    let sim = common::simulator();
    let path = journal_dir("reported").join("journal.jsonl");
    let client = windowed(&sim, &path, 1200);
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": "drop_before_commit"})).unwrap();
    let err = exec(&client, Op::Redeem, &json!({"code": "2QH3QTDM28N6", "amount": "3.00"})).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_IN_DOUBT);
    let id = err.journal_id.unwrap();
    std::thread::sleep(Duration::from_millis(1300));
    // A cancel of something else on the voucher settles the earlier entry on the side (failed:
    // it never landed), then goes ahead.
    exec(&client, Op::Redeem, &json!({"code": "2QH3QTDM28N6", "amount": "4.00"})).unwrap();
    assert_eq!(voucher(&sim.state(), "2QH3QTDM28N6")["balance"], "96.00");
    let recovered = exec(&client, Op::Recover, &json!({})).unwrap();
    let resolved = recovered["resolved"].as_array().unwrap();
    assert_eq!(resolved.len(), 1, "{recovered}");
    assert_eq!(
        (resolved[0]["journal_id"].as_str(), resolved[0]["state"].as_str()),
        (Some(id.as_str()), Some("failed"))
    );
    // Reported once, also across a restart.
    drop(client);
    let client = windowed(&sim, &path, 1200);
    assert_eq!(exec(&client, Op::Recover, &json!({})).unwrap()["resolved"], json!([]));
}

#[test]
fn every_spelling_of_a_voucher_shares_its_history_and_serialization() {
    let sim = common::simulator();
    let path = journal_dir("short-codes").join("journal.jsonl");
    let client = windowed(&sim, &path, 3000);
    // In doubt under the real code...
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": {"late_ms": 2500}})).unwrap();
    let err = exec(&client, Op::Redeem, &json!({"code": "L4FU-5LQT-KJR3", "amount": "10.00"})).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_IN_DOUBT);
    // ...the cashier repeats it with the short code: refused, naming the entry, nothing sent.
    let again = exec(&client, Op::Redeem, &json!({"code": "short1", "amount": "10.00"})).unwrap_err();
    assert_eq!(again.status(), VlStatus::VL_REJECTED, "{}", again.message);
    assert_eq!(again.journal_id, err.journal_id);
    assert_eq!(sim.requests("eguma", "redeem"), 1);
    common::wait_until("the first landed", || voucher(&sim.state(), "L4FU5LQTKJR3")["balance"] == "40.00");
    let again = exec(&client, Op::Redeem, &json!({"code": "SHORT1", "amount": "10.00"})).unwrap_err();
    assert!(again.message.contains("went through after all"), "{}", again.message);
    assert_eq!(voucher(&sim.state(), "L4FU5LQTKJR3")["balance"], "40.00", "charged once");

    // Two lanes at once, one by short code, one by the real code: one after the other, both debited.
    let sim = common::simulator();
    let client = std::sync::Arc::new(common::eguma_client(&sim));
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": {"delay_ms": 300}, "times": 2}))
        .unwrap();
    let lanes: Vec<_> = ["SHORT1", "L4FU5LQTKJR3"]
        .into_iter()
        .map(|code| {
            let client = client.clone();
            std::thread::spawn(move || exec(&client, Op::Redeem, &json!({"code": code, "amount": "10.00"})))
        })
        .collect();
    for lane in lanes {
        let done = lane.join().unwrap().unwrap();
        assert_eq!(done["code"], "L4FU5LQTKJR3");
    }
    assert_eq!(voucher(&sim.state(), "L4FU5LQTKJR3")["balance"], "30.00");
}

#[test]
fn a_money_moving_request_never_rides_a_connection_the_server_may_be_closing() {
    // GonnaOrder's external order is sent first thing (no read before it on the connection). The
    // server drops a request arriving on a connection idle for 1.5 s (its keep-alive timeout racing
    // the request); the library sends money on no connection idle for 2 s or more.
    let sim = common::simulator();
    let path = journal_dir("close-race").join("journal.jsonl");
    let client = Client::new(&matrix_config(&sim, "gonnaorder", &path, "keep").to_string()).unwrap();
    exec(&client, Op::Validate, &json!({"code": "XYZ", "order_total": "20.00"})).unwrap();
    sim.arm_fault(&json!({"provider": "gonnaorder", "operation": "submit_order", "fault": {"close_idle_ms": 1500}}))
        .unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    let connections = sim.connections();
    let order = json!({"order_id": 7, "code": "XYZ", "order_total": "20.00", "discount": "5.50", "total_after_discount": "14.50"});
    let accepted = exec(&client, Op::SubmitOrder, &order).unwrap();
    assert_eq!(accepted["accepted"], true);
    assert_eq!(sim.connections(), connections + 1, "sent on a new connection");

    // A read may reuse the idle connection: the race costs it a retry, never the answer.
    sim.arm_fault(&json!({"provider": "gonnaorder", "operation": "validate", "fault": {"close_idle_ms": 1500}}))
        .unwrap();
    std::thread::sleep(Duration::from_millis(1600));
    exec(&client, Op::Validate, &json!({"code": "XYZ", "order_total": "20.00"})).unwrap();
}

#[test]
fn a_read_on_a_silently_dead_connection_leaves_its_retry_time() {
    // A server that answers the first request of a connection and never the next one on it (a
    // connection a NAT or firewall dropped without telling anyone).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let body = r#"{"code":"L4FU5LQTKJR3","is_redeemable":true,"balance_in_cents":5000,"total_amount_in_cents":5000,"currency":"CHF"}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.read(&mut buf);
                std::thread::sleep(Duration::from_secs(30));
            });
        }
    });
    let client =
        Client::new(&json!({"provider": "eguma", "api_key": "k", "base_url": url, "timeout_ms": 1500}).to_string())
            .unwrap();
    exec(&client, Op::Balance, &json!({"code": "L4FU5LQTKJR3"})).unwrap();
    let started = Instant::now();
    let voucher = exec(&client, Op::Balance, &json!({"code": "L4FU5LQTKJR3"})).unwrap();
    assert_eq!(voucher["balance"], "50.00");
    assert!(started.elapsed() < Duration::from_millis(1500 + 100), "{:?}", started.elapsed());
}

// ---- processes: the journal lock, kill -9 ----

fn redeem_child() -> &'static PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let exe = common::scratch("redeem-child").join("redeem_child");
        let source = common::repo().join("tests/c/redeem_child.c");
        common::compile("CC", "cc", &["-std=c99", "-Wall", "-Wextra", "-Werror"], &[&source], &exe);
        exe
    })
}

fn spawn_till(config: &Value, request: &Value) -> std::process::Child {
    Command::new(redeem_child())
        .arg(config.to_string())
        .arg(request.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the till process starts")
}

#[test]
fn kill_9_in_the_middle_of_a_redeem_then_recover_in_a_new_process() {
    let sim = common::simulator();
    let path = journal_dir("crash").join("journal.jsonl");
    // e-guma applies the redeem, then takes a long time to answer: the till dies meanwhile.
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": {"delay_ms": 30_000}})).unwrap();
    let config = config(&sim, &path, "keep", 60_000);
    let mut till = spawn_till(&config, &json!({"code": "2QH3QTDM28N6", "amount": "12.50", "reference": "R-77"}));
    common::wait_until("e-guma applied the redeem", || voucher(&sim.state(), "2QH3QTDM28N6")["balance"] == "87.50");

    // While the till process lives, nobody else can open its journal.
    let err = Client::new(&config.to_string()).err().expect("the journal is locked");
    assert_eq!(err.status(), VlStatus::VL_CONFIG);
    assert!(err.message.contains("in use by another process"), "{}", err.message);

    till.kill().unwrap(); // SIGKILL
    till.wait().unwrap();

    // A new process (here: this one) opens the same journal.
    let client = Client::new(&config.to_string()).unwrap();
    let pending = exec(&client, Op::Pending, &json!({})).unwrap();
    let entries = pending["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{pending}");
    assert_eq!((entries[0]["operation"].as_str(), entries[0]["state"].as_str()), (Some("redeem"), Some("sending")));
    assert_eq!((entries[0]["amount"].as_str(), entries[0]["reference"].as_str()), (Some("12.50"), Some("R-77")));
    let recovered = exec(&client, Op::Recover, &json!({})).unwrap();
    assert_eq!(recovered["resolved"][0]["state"], "done", "{recovered}");
    assert_eq!(recovered["resolved"][0]["result"]["balance_cents"], 8750);
    assert_eq!(recovered["still_pending"], json!([]));
    assert_eq!(voucher(&sim.state(), "2QH3QTDM28N6")["balance"], "87.50");
    assert_eq!(sim.requests("eguma", "redeem"), 1, "recovery never re-sends a redeem");
}

#[test]
fn kill_9_at_random_instants_never_loses_or_doubles_money() {
    let sim = common::simulator();
    let path = journal_dir("random-kills").join("journal.jsonl");
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": {"delay_ms": 30}, "times": 1000}))
        .unwrap();
    let mut config = config(&sim, &path, "keep", 1000);
    config["in_doubt_window_ms"] = json!(300);
    for round in 0..12u32 {
        let mut till =
            spawn_till(&config, &json!({"code": "2QH3QTDM28N6", "amount": "1.00", "reference": format!("R-{round}")}));
        let wait = {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u32(round);
            h.finish() % 120
        };
        std::thread::sleep(Duration::from_millis(wait));
        let _ = till.kill();
        till.wait().unwrap();
        let client = Client::new(&config.to_string()).unwrap();
        let mut recovered = exec(&client, Op::Recover, &json!({})).unwrap();
        if recovered["still_pending"] != json!([]) {
            // Killed after journaling, before e-guma showed anything: the request could still be
            // under way until the dead till's deadline plus the window; then it is settled.
            assert_eq!(recovered["still_pending"][0]["state"], "in_doubt", "round {round}: {recovered}");
            std::thread::sleep(Duration::from_millis(1000 + 300 + 100));
            recovered = exec(&client, Op::Recover, &json!({})).unwrap();
        }
        assert_eq!(recovered["still_pending"], json!([]), "round {round}: {recovered}");
    }
    // Whatever the instants, the journal and e-guma agree to the cent: every redeem that reached
    // e-guma was applied (the delay comes after), and is journaled as done; none was sent twice.
    let done = journal_entries(&path).values().filter(|e| e["operation"] == "redeem" && e["state"] == "done").count();
    assert_eq!(sim.requests("eguma", "redeem") as usize, done);
    let balance = voucher(&sim.state(), "2QH3QTDM28N6")["balance"].as_str().unwrap().to_string();
    assert_eq!(balance, format!("{}.00", 100 - done), "done redeems: {done}");
}

// ---- hard deadlines ----

/// A server that answers e-guma's balance reads and stalls (or trickles) every POST.
fn stalling_server(trickle: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    while buf.len() < end + 4 + length {
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..end + 4 + length);
                    if head.starts_with("GET") {
                        let body = r#"{"code":"L4FU5LQTKJR3","is_redeemable":true,"balance_in_cents":5000,"total_amount_in_cents":5000,"currency":"CHF"}"#;
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                    } else if trickle {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                        );
                        for _ in 0..1000 {
                            if stream.write_all(b" ").is_err() {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(50));
                        }
                    } else {
                        std::thread::sleep(Duration::from_secs(60));
                        return;
                    }
                }
            });
        }
    });
    url
}

#[test]
fn no_call_outlives_its_deadline_when_the_server_stalls_or_trickles() {
    for trickle in [false, true] {
        let url = stalling_server(trickle);
        let timeout_ms = 600;
        let client = Client::new(
            &json!({"provider": "eguma", "api_key": "k", "base_url": url, "timeout_ms": timeout_ms}).to_string(),
        )
        .unwrap();
        let started = Instant::now();
        let err = exec(&client, Op::Redeem, &json!({"code": "L4FU5LQTKJR3", "amount": "1.00"})).unwrap_err();
        let took = started.elapsed();
        // The redeem times out; the balance shows nothing changed yet, but it could still land.
        assert_eq!(err.status(), VlStatus::VL_IN_DOUBT, "trickle={trickle}: {}", err.message);
        // Documented bound: timeout_ms, plus at most min(timeout_ms, 3 s) to resolve a lost answer.
        let bound = Duration::from_millis(2 * timeout_ms + 250);
        assert!(took <= bound, "trickle={trickle}: took {took:?}, bound {bound:?}");
        assert!(took >= Duration::from_millis(timeout_ms), "trickle={trickle}: took {took:?}");
    }
}

// ---- a reversal's identity ----

#[test]
fn a_reversal_made_during_a_later_sale_is_filed_under_the_sale_it_reverses() {
    let sim = common::simulator();
    let path = journal_dir("reversal-identity").join("journal.jsonl");
    let config = json!({
        "provider": "treazure", "client_id": "pos", "client_secret": "secret", "base_url": sim.url("treazure"),
        "timeout_ms": 500, "journal_path": path, "in_doubt_policy": "reverse", "pos_id": "KASSE-1", "operator_id": "7",
        "site_id": "SHOP-A",
    });
    let client = Client::new(&config.to_string()).unwrap();
    let card = "6280001234567890";
    // Sale R4: the redeem reaches Treazure after the till gave up on it: in doubt.
    sim.arm_fault(&json!({"provider": "treazure", "operation": "redeem", "fault": {"late_ms": 1200}})).unwrap();
    let doubt = exec(&client, Op::Redeem, &json!({"code": card, "amount": "5.00", "reference": "R4"})).unwrap_err();
    assert_eq!(doubt.status(), VlStatus::VL_IN_DOUBT, "{doubt}");
    let r4 = doubt.journal_id.clone().unwrap();
    common::wait_until("R4 landed at Treazure", || treazure_card(&sim.state(), card)["balance"] == "20.00");

    // Sale R53, at another till by another cashier, on the same card: the library finds that R4 went
    // through after all and reverses it (policy "reverse") before R53's redeem goes.
    let r53 = exec(
        &client,
        Op::Redeem,
        &json!({"code": card, "amount": "2.00", "reference": "R53", "pos_id": "KASSE-2", "operator_id": "9", "site_id": "SHOP-B"}),
    )
    .unwrap();
    assert_eq!(r53["balance"], "23.00", "R4 given back, R53 taken");

    // Treazure's history files the cancel under R4, from R4's till and shop; R53 under R53.
    let state = sim.state();
    let history = treazure_card(&state, card)["history"].as_array().unwrap().clone();
    let cancel = history.iter().find(|h| h["comment"] == "Cancel").expect("a cancel in the history");
    assert!(cancel["receiptNr"].as_str().unwrap().starts_with("R4 ["), "{cancel}");
    assert_eq!((cancel["posId"].as_str(), cancel["shopId"].as_str()), (Some("KASSE-1"), Some("SHOP-A")), "{cancel}");
    let redeems: Vec<&Value> = history.iter().filter(|h| h["comment"] == "Redeem").collect();
    assert!(redeems.iter().any(|h| h["receiptNr"].as_str().unwrap().starts_with("R53 [") && h["posId"] == "KASSE-2"));

    // The journal: the reversal belongs to R4; the call that triggered it is beside it.
    let entries = journal_entries(&path);
    let reversal = entries.values().find(|e| e["reverses"] == json!(r4)).expect("R4's reversal is journaled");
    assert_eq!(
        (
            reversal["reference"].as_str(),
            reversal["pos_id"].as_str(),
            reversal["operator_id"].as_str(),
            reversal["site_id"].as_str()
        ),
        (Some("R4"), Some("KASSE-1"), Some("7"), Some("SHOP-A"))
    );
    let trigger = &reversal["triggered_by"];
    assert_eq!(
        (
            trigger["operation"].as_str(),
            trigger["reference"].as_str(),
            trigger["pos_id"].as_str(),
            trigger["operator_id"].as_str()
        ),
        (Some("redeem"), Some("R53"), Some("KASSE-2"), Some("9")),
        "{reversal}"
    );
    assert!(trigger["journal_id"].as_str().is_some_and(|id| id.starts_with("vl-") && id != r4), "{trigger}");
    // vl_recover reports R4 reversed, and its reversal with the same identity and the trigger.
    let recovered = exec(&client, Op::Recover, &json!({})).unwrap();
    let reported = recovered["resolved"].as_array().unwrap();
    let original = reported.iter().find(|e| e["journal_id"] == json!(r4)).expect("R4's outcome reported");
    assert_eq!((original["state"].as_str(), original["reference"].as_str()), (Some("reversed"), Some("R4")));
}
