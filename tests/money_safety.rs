#![allow(clippy::result_large_err)]
//! Money safety (API.md §7): the fault matrix, a repeated button press, the journal lock, kill -9
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
    c["journal_path"] = json!(journal);
    c["in_doubt_policy"] = json!(policy);
    c
}

const TIMEOUT_MS: u64 = 700;

fn faults() -> Vec<(&'static str, Value)> {
    vec![
        ("drop_before_commit", json!("drop_before_commit")),
        ("drop_after_commit", json!("drop_after_commit")),
        ("delay past the timeout", json!({"delay_ms": TIMEOUT_MS * 3})),
        ("HTTP 500", json!({"status": 500})),
        ("garbage", json!("garbage")),
    ]
}

/// What the till is told, whether the change stands in the simulator afterwards, and the
/// journal's state (README, "The fault matrix").
fn expected(provider: &str, op: Op, fault: &str, policy: &str) -> (VlStatus, bool, &'static str) {
    let lost_but_done = matches!(fault, "drop_after_commit" | "delay past the timeout");
    if op == Op::SubmitOrder && fault == "HTTP 500" {
        // GonnaOrder documents 500 as "failure": definite.
        return (VlStatus::VL_PROVIDER, false, "failed");
    }
    if op == Op::Issue || op == Op::SubmitOrder {
        // Nothing can tell (Treazure: the new card's id was in the lost answer; GonnaOrder: no
        // lookup of external orders): the entry stays in doubt until settled by hand.
        return (VlStatus::VL_IN_DOUBT, lost_but_done, "in_doubt");
    }
    if op.is_undo() {
        // Undos that did not go through are queued (VL_IN_DOUBT) and sent by vl_recover.
        return if lost_but_done { (VlStatus::VL_OK, true, "done") } else { (VlStatus::VL_IN_DOUBT, false, "queued") };
    }
    // e-guma's redeem cannot be reversed without the lost redeem_token, nor a Coupontools
    // validation at all: they are kept.
    let reversible = provider == "treazure" || (provider == "eguma" && op == Op::Activate);
    match fault {
        "drop_before_commit" => (VlStatus::VL_NETWORK, false, "failed"),
        "HTTP 500" | "garbage" => (VlStatus::VL_PROVIDER, false, "failed"),
        _ if policy == "reverse" && reversible => (VlStatus::VL_NETWORK, false, "reversed"),
        _ => (VlStatus::VL_OK, true, "done"),
    }
}

#[test]
fn fault_matrix_every_fault_every_money_moving_operation_both_policies() {
    let mut cases = 0;
    for policy in ["keep", "reverse"] {
        for scenario in scenarios() {
            for (fault_name, fault) in faults() {
                let (provider, op) = (scenario.provider, scenario.op);
                let case = format!("{provider} {} / {fault_name} / {policy}", op.name());
                let sim = Simulator::start("127.0.0.1:0", &matrix_fixtures()).unwrap();
                let dir =
                    journal_dir(&format!("matrix-{provider}-{}-{}-{policy}", op.name(), fault_name.replace(' ', "-")));
                let path = dir.join("journal.jsonl");
                let client = Client::new(&matrix_config(&sim, provider, &path, policy).to_string()).unwrap();
                let request = (scenario.prepare)(&client);
                let sent_before = sim.requests(provider, op.name());
                sim.arm_fault(&json!({"provider": provider, "operation": op.name(), "fault": fault})).unwrap();

                let started = Instant::now();
                let result = exec(&client, op, &request);
                let took = started.elapsed();
                let status = result.as_ref().err().map_or(VlStatus::VL_OK, |e| e.status());
                let (want_status, want_applied, want_state) = expected(provider, op, fault_name, policy);
                assert_eq!(status, want_status, "{case}: {result:?}");
                let state = sim.state();
                assert_eq!((scenario.applied)(&state), want_applied, "{case}: simulator state {state}");
                assert_eq!(sim.requests(provider, op.name()) - sent_before, 1, "{case}: sent exactly once");
                assert!(took < Duration::from_millis(TIMEOUT_MS * 2 + 1200), "{case}: took {took:?}");

                // The journal agrees with the simulator.
                let entries = journal_entries(&path);
                let entry = entries
                    .values()
                    .filter(|e| e["operation"] == op.name())
                    .max_by_key(|e| e["created_ms"].as_u64())
                    .unwrap_or_else(|| panic!("{case}: not journaled"))
                    .clone();
                assert_eq!(entry["state"], want_state, "{case}: journal {entry}");
                if let Err(e) = &result {
                    assert_eq!(e.journal_id.as_deref(), entry["id"].as_str(), "{case}: the error names the entry");
                }
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(
                    !text.contains("demo-outlet-1") && !text.contains("\"secret\""),
                    "{case}: no secret in the journal"
                );
                if want_state == "reversed" {
                    let reversal = &entries[entry["reversed_by"].as_str().unwrap()];
                    assert_eq!(reversal["state"], "done", "{case}: {reversal}");
                }

                // Every case is settled, or listed by vl_pending and then settled by vl_recover (or by hand).
                let pending = exec(&client, Op::Pending, &json!({})).unwrap();
                let listed = pending["entries"].as_array().unwrap();
                if status == VlStatus::VL_IN_DOUBT {
                    assert_eq!(listed.len(), 1, "{case}: {pending}");
                    assert_eq!(listed[0]["journal_id"], entry["id"], "{case}");
                    let recovered = exec(&client, Op::Recover, &json!({})).unwrap();
                    if want_state == "queued" {
                        assert_eq!(recovered["resolved"][0]["state"], "done", "{case}: {recovered}");
                        assert!((scenario.applied)(&sim.state()), "{case}: applied after vl_recover");
                    } else {
                        assert_eq!(recovered["still_pending"].as_array().unwrap().len(), 1, "{case}: {recovered}");
                        let outcome = if want_applied { "done" } else { "failed" };
                        let by_hand = json!({"journal_id": entry["id"], "outcome": outcome});
                        let settled = exec(&client, Op::Recover, &by_hand).unwrap();
                        assert_eq!(settled["resolved"][0]["state"], outcome, "{case}");
                    }
                    assert_eq!(exec(&client, Op::Pending, &json!({})).unwrap()["entries"], json!([]), "{case}");
                } else {
                    assert!(listed.is_empty(), "{case}: {pending}");
                }
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 110);
}

// ---- the cashier presses the button again ----

#[test]
fn a_repeated_redeem_after_an_unresolved_one_is_not_sent() {
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

    // The cashier presses again while e-guma still cannot be asked: refused, nothing sent.
    let again = exec(&client, Op::Redeem, &redeem).unwrap_err();
    assert_eq!((again.status(), again.journal_id.as_deref()), (VlStatus::VL_IN_DOUBT, Some(journal_id.as_str())));
    assert_eq!(sim.requests("eguma", "redeem"), 1);

    // And once e-guma answers again: the first one went through, so the second is still not sent.
    sim.clear_faults();
    let again = exec(&client, Op::Redeem, &redeem).unwrap_err();
    assert_eq!(again.status(), VlStatus::VL_REJECTED, "{}", again.message);
    assert!(again.message.contains("went through after all"), "{}", again.message);
    assert_eq!(sim.requests("eguma", "redeem"), 1);
    assert_eq!(voucher(&sim.state(), "2QH3QTDM28N6")["balance"], "90.00", "debited once");
    assert_eq!(exec(&client, Op::Pending, &json!({})).unwrap()["entries"], json!([]));

    // A deliberate next redeem is fine.
    exec(&client, Op::Redeem, &redeem).unwrap();
    assert_eq!(voucher(&sim.state(), "2QH3QTDM28N6")["balance"], "80.00");
}

#[test]
fn a_queued_cancel_is_sent_before_the_next_money_moving_call() {
    let sim = common::simulator();
    let path = journal_dir("opportunistic").join("journal.jsonl");
    let client = Client::new(&config(&sim, &path, "keep", 2000).to_string()).unwrap();
    let r = exec(&client, Op::Redeem, &json!({"code": "2QH3QTDM28N6", "amount": "10.00"})).unwrap();
    sim.arm_fault(&json!({"provider": "eguma", "operation": "cancel_redemption", "fault": "drop_before_commit"}))
        .unwrap();
    let cancel = json!({"code": "2QH3QTDM28N6", "transaction_id": r["transaction_id"], "amount": "10.00"});
    assert_eq!(exec(&client, Op::CancelRedemption, &cancel).unwrap_err().status(), VlStatus::VL_IN_DOUBT);
    // Its first retry is due in 5 s; a redeem of the same voucher sends it first anyway.
    exec(&client, Op::Redeem, &json!({"code": "2QH3QTDM28N6", "amount": "1.00"})).unwrap();
    assert_eq!(voucher(&sim.state(), "2QH3QTDM28N6")["balance"], "99.00");
    assert_eq!(exec(&client, Op::Pending, &json!({})).unwrap()["entries"], json!([]));
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

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < until, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn kill_9_in_the_middle_of_a_redeem_then_recover_in_a_new_process() {
    let sim = common::simulator();
    let path = journal_dir("crash").join("journal.jsonl");
    // e-guma applies the redeem, then takes a long time to answer: the till dies meanwhile.
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": {"delay_ms": 30_000}})).unwrap();
    let config = config(&sim, &path, "keep", 60_000);
    let mut till = spawn_till(&config, &json!({"code": "2QH3QTDM28N6", "amount": "12.50", "reference": "R-77"}));
    wait_until("e-guma applied the redeem", || voucher(&sim.state(), "2QH3QTDM28N6")["balance"] == "87.50");

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
    let config = config(&sim, &path, "keep", 10_000);
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
        let recovered = exec(&client, Op::Recover, &json!({})).unwrap();
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
        // The redeem times out; the balance shows nothing changed (checked twice, 0.5 s apart).
        assert_eq!(err.status(), VlStatus::VL_NETWORK, "trickle={trickle}: {}", err.message);
        // Documented bound: timeout_ms, plus at most min(timeout_ms, 3 s) to resolve a lost answer.
        let bound = Duration::from_millis(2 * timeout_ms + 250);
        assert!(took <= bound, "trickle={trickle}: took {took:?}, bound {bound:?}");
        assert!(took >= Duration::from_millis(timeout_ms), "trickle={trickle}: took {took:?}");
    }
}
