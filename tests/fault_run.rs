#![allow(clippy::result_large_err)]
//! A randomized fault run over every money-moving operation of the four providers (docs/api.md §7).
//!
//! With a fixed seed, operations are drawn on a set of vouchers, cards, orders and coupons, and a
//! fault of the simulator is armed before many of them (a connection closed before or after the
//! change, a late answer, an answer cut short, a 500, garbage, and a request that lands after the
//! client gave up).
//! The library's answers are tracked as the POS would: what it reported done, and what `vl_recover`
//! reports later. At the end the in-doubt window is waited out, everything is recovered (entries no
//! lookup can resolve are settled by hand after a look at the simulator, the provider's back
//! office), and the invariant must hold: the providers' state is the start plus exactly what the
//! library reported done — nothing lost, nothing doubled — and every in-doubt call's outcome was
//! reported.
//!
//! `VL_FAULT_RUN_OPS` (default 60) and `VL_FAULT_RUN_SEED` change the run
//! (`scripts/fault-run.sh` runs a long one).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use voucherlink::{Client, Operation as Op, VlStatus};
use voucherlink_sim::Simulator;

const TIMEOUT_MS: u64 = 300;
const WINDOW_MS: u64 = 1200;

/// xorshift64*: a fixed seed gives the same draws on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn fixtures() -> Value {
    let mut f = voucherlink_sim::demo_fixtures();
    f["eguma"]["vouchers"] =
        json!((1..=3)
        .map(|i| json!({"code": format!("FRUN{i:08}"), "balance": "200.00", "total": "200.00", "redeemable": true}))
        .collect::<Vec<_>>());
    f["eguma"]["depot_vouchers"] =
        json!((1..=4)
        .map(|i| json!({"code": format!("FDEP{i:08}"), "amount": "20.00", "free_amount": false, "activated": false}))
        .collect::<Vec<_>>());
    f["treazure"]["cards"] = json!(
        (1..=3)
            .map(|i| json!({"card_id": format!("62800099000000{i:02}"), "status": "active", "balance": "100.00"}))
            .collect::<Vec<_>>()
    );
    f["gonnaorder"]["vouchers"] = json!([{"store_id": 155, "code": "BIG", "discount": "1000.00",
        "discount_type": "MONETARY", "source": "STORE", "member_code": null, "active": true, "description": "Fault run"}]);
    f["coupontools"]["sessions"] = json!(
            (1..=30)
                .map(
                    |i| json!({"session": format!("frun{i:04}session"), "campaign": "c", "coupon": "v", "value": "5.00",
            "claimed": true, "validated": false, "locked": false, "voided": false, "expires_at": "2030-01-01 00:00:00"})
                )
                .collect::<Vec<_>>()
        );
    f
}

fn client(sim: &Simulator, provider: &str, journal: &Path) -> Client {
    let mut c = sim.demo_entry(provider);
    c["timeout_ms"] = json!(TIMEOUT_MS);
    c["in_doubt_window_ms"] = json!(WINDOW_MS);
    c["journal_path"] = json!(journal);
    Client::new(&c.to_string()).unwrap()
}

/// A call that answered `VL_IN_DOUBT`: what it does once it turns out done.
struct Pending {
    provider: &'static str,
    op: Op,
    code: String,
    moves: Option<Decimal>,
    order: Option<String>,
}

/// What the POS knows: everything the library reported done, applied to the start.
#[derive(Default)]
struct Model {
    eguma: BTreeMap<String, Decimal>,
    depot: BTreeMap<String, bool>,
    /// e-guma redemptions reported done, with their token and what is left to cancel.
    redemptions: Vec<(String, String, Decimal)>,
    cards: BTreeMap<String, Decimal>,
    /// Per card: the last operation, if it was reported done and nothing was tried since.
    last_on_card: HashMap<String, (Op, String, Decimal)>,
    issued: Decimal,
    orders: HashSet<String>,
    big_voucher: Decimal,
    validated: HashSet<String>,
}

impl Model {
    /// Applies an operation reported done (by its call, or by vl_recover / by hand later).
    fn apply(&mut self, provider: &str, op: Op, code: &str, amount: Option<Decimal>, order: Option<&str>) {
        let amount = amount.unwrap_or_default();
        match (provider, op) {
            ("eguma", Op::Redeem) => *self.eguma.get_mut(code).unwrap() -= amount,
            ("eguma", Op::CancelRedemption) => *self.eguma.get_mut(code).unwrap() += amount,
            ("eguma", Op::Activate) => *self.depot.get_mut(code).unwrap() = true,
            ("eguma", Op::Deactivate) => *self.depot.get_mut(code).unwrap() = false,
            ("treazure", Op::Redeem) => *self.cards.get_mut(code).unwrap() -= amount,
            ("treazure", Op::CancelRedemption) => *self.cards.get_mut(code).unwrap() += amount,
            ("treazure", Op::Activate) => *self.cards.get_mut(code).unwrap() += amount,
            ("treazure", Op::CancelActivation) => *self.cards.get_mut(code).unwrap() -= amount,
            ("treazure", Op::Issue) => self.issued += amount,
            ("gonnaorder", Op::SubmitOrder) => {
                self.orders.insert(order.unwrap().to_string());
                if code == "BIG" {
                    self.big_voucher -= amount;
                }
            }
            ("coupontools", Op::Redeem) => {
                self.validated.insert(code.to_string());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[derive(Default, Debug)]
struct Tally {
    operations: usize,
    faults: usize,
    ok: usize,
    in_doubt: usize,
    refused: usize,
    by_hand: usize,
}

/// One till with all four providers (docs/api.md §10): the money moves are routed by the code,
/// after the lookup a till makes where the code alone does not decide, into one journal.
fn till(sim: &Simulator, journal: &Path) -> Client {
    let mut treazure = common::entry(sim, "treazure");
    treazure["codes"] = json!({"prefixes": ["628"]});
    let config = json!({
        "providers": [common::entry(sim, "coupontools"), common::entry(sim, "eguma"), treazure, common::entry(sim, "gonnaorder")],
        "timeout_ms": TIMEOUT_MS, "in_doubt_window_ms": WINDOW_MS, "journal_path": journal,
    });
    Client::new(&config.to_string()).unwrap()
}

/// The lookup a till makes before a money move whose code several providers could own: the
/// balance, or for a depot voucher its activation status (only e-guma has it).
fn look_up(client: &Client, op: Op, code: &str) {
    let lookup = if matches!(op, Op::Activate | Op::Deactivate) { Op::ActivationStatus } else { Op::Balance };
    if let Err(e) = client.execute(lookup, &json!({ "code": code }).to_string()) {
        assert_ne!(e.status(), VlStatus::VL_INTERNAL, "{e:?}");
    }
}

#[test]
fn random_faults_over_every_money_moving_operation_lose_and_double_nothing() {
    fault_run(false);
}

#[test]
fn random_faults_through_one_till_with_every_provider_lose_and_double_nothing() {
    fault_run(true);
}

fn fault_run(one_till: bool) {
    let ops = setting("VL_FAULT_RUN_OPS").unwrap_or(60) as usize;
    let seed = setting("VL_FAULT_RUN_SEED").unwrap_or(0x5EED_2026);
    let mut rng = Rng(seed | 1);
    let sim = Simulator::start("127.0.0.1:0", &fixtures()).unwrap();
    let dir = common::scratch(if one_till { "fault-run-till" } else { "fault-run" });
    let providers = ["eguma", "treazure", "gonnaorder", "coupontools"];
    let shared = one_till.then(|| {
        let path = dir.join("till.journal");
        let _ = std::fs::remove_file(&path);
        till(&sim, &path)
    });
    let own: HashMap<&str, Client> = match shared {
        Some(_) => HashMap::new(),
        None => providers
            .iter()
            .map(|p| {
                let path = dir.join(format!("{p}.journal"));
                let _ = std::fs::remove_file(&path);
                (*p, client(&sim, p, &path))
            })
            .collect(),
    };
    let clients = |provider: &str| -> &Client { shared.as_ref().unwrap_or_else(|| &own[provider]) };

    let mut model = Model::default();
    for i in 1..=3 {
        model.eguma.insert(format!("FRUN{i:08}"), d("200.00"));
        model.cards.insert(format!("62800099000000{i:02}"), d("100.00"));
    }
    for i in 1..=4 {
        model.depot.insert(format!("FDEP{i:08}"), false);
    }
    model.big_voucher = d("1000.00");
    let mut tally = Tally::default();
    let mut in_doubt: HashMap<String, Pending> = HashMap::new();
    let mut next_session = 1;

    for n in 0..ops {
        let provider = *rng.pick(&providers);
        let amount = Decimal::new(100 + rng.below(800) as i64, 2);
        // The operation, its voucher, the request, the order id, and the amount it moves when done.
        let (op, code, request, order, moves): (Op, String, Value, Option<String>, Option<Decimal>) = match provider {
            "eguma" => match rng.below(4) {
                0 if !model.redemptions.is_empty() => {
                    let i = rng.below(model.redemptions.len() as u64) as usize;
                    let (code, token, left) = model.redemptions[i].clone();
                    let back = left.min(amount);
                    let req = json!({"code": code, "transaction_id": token, "amount": back.to_string()});
                    (Op::CancelRedemption, code, req, None, Some(back))
                }
                1 => {
                    let code = rng.pick(&model.depot.keys().cloned().collect::<Vec<_>>()).clone();
                    let op = if model.depot[&code] { Op::Deactivate } else { Op::Activate };
                    (op, code.clone(), json!({"code": code}), None, None)
                }
                _ => {
                    let code = format!("FRUN{:08}", 1 + rng.below(3));
                    (Op::Redeem, code.clone(), json!({"code": code, "amount": amount.to_string()}), None, Some(amount))
                }
            },
            "treazure" => {
                let card = format!("62800099000000{:02}", 1 + rng.below(3));
                let last = model.last_on_card.remove(&card);
                match (rng.below(5), last) {
                    (0, _) => (Op::Issue, String::new(), json!({"amount": amount.to_string()}), None, Some(amount)),
                    (1, Some((Op::Redeem, id, taken))) => {
                        let req = json!({"code": card, "transaction_id": id});
                        (Op::CancelRedemption, card, req, None, Some(taken))
                    }
                    (1, Some((Op::Activate, id, loaded))) => {
                        let req = json!({"code": card, "transaction_id": id});
                        (Op::CancelActivation, card, req, None, Some(loaded))
                    }
                    (2, _) => {
                        let req = json!({"code": card, "amount": amount.to_string()});
                        (Op::Activate, card, req, None, Some(amount))
                    }
                    _ => {
                        let req = json!({"code": card, "amount": amount.to_string()});
                        (Op::Redeem, card, req, None, Some(amount))
                    }
                }
            }
            "gonnaorder" => {
                let order_id = format!("FR-{n}");
                let total = amount + d("10.00");
                let mut req = json!({"order_id": order_id, "order_total": total.to_string()});
                let (code, moves) = if rng.below(2) == 0 {
                    req["code"] = json!("BIG");
                    req["discount"] = json!("1.00");
                    req["total_after_discount"] = json!((total - d("1.00")).to_string());
                    ("BIG".to_string(), Some(d("1.00")))
                } else {
                    (String::new(), None)
                };
                (Op::SubmitOrder, code, req, Some(order_id), moves)
            }
            _ => {
                let session = format!("frun{next_session:04}session");
                next_session = next_session % 30 + 1;
                (Op::Redeem, session.clone(), json!({"code": session, "money_spent": "12.00"}), None, None)
            }
        };
        if one_till && !code.is_empty() && !(provider == "treazure" || op == Op::SubmitOrder) {
            look_up(clients(provider), op, &code);
        }
        if rng.below(100) < 45 {
            let fault = match rng.below(7) {
                0 => json!("drop_before_commit"),
                1 => json!("drop_after_commit"),
                2 => json!({"delay_ms": TIMEOUT_MS * 3}),
                3 => json!({"status": 500}),
                4 => json!("garbage"),
                5 => json!({"cut_body_at": rng.below(40)}),
                _ => json!({"late_ms": TIMEOUT_MS + 100 + rng.below(WINDOW_MS - 400)}),
            };
            sim.arm_fault(&json!({"provider": provider, "operation": op.name(), "fault": fault})).unwrap();
            tally.faults += 1;
        }
        tally.operations += 1;
        let result = clients(provider).execute(op, &request.to_string());
        sim.clear_faults();
        match result {
            Ok(data) => {
                tally.ok += 1;
                // A Treazure cancel gives back the whole operation; an e-guma redeem's amount is exact.
                let moved = data["amount"].as_str().map(d).filter(|_| provider != "gonnaorder").or(moves);
                model.apply(provider, op, &code, moved, order.as_deref());
                match (provider, op) {
                    // Without a token (its answer was lost), e-guma cannot cancel it through the API.
                    ("eguma", Op::Redeem) => {
                        if let Some(token) = data["transaction_id"].as_str() {
                            model.redemptions.push((code.clone(), token.to_string(), moved.unwrap()));
                        }
                    }
                    ("eguma", Op::CancelRedemption) => {
                        let token = request["transaction_id"].as_str().unwrap();
                        let r = model.redemptions.iter_mut().find(|r| r.1 == token).unwrap();
                        r.2 -= moved.unwrap();
                        model.redemptions.retain(|r| r.2 > Decimal::ZERO);
                    }
                    ("treazure", Op::Redeem | Op::Activate) => {
                        if let Some(id) = data["transaction_id"].as_str() {
                            model.last_on_card.insert(code.clone(), (op, id.to_string(), moved.unwrap()));
                        }
                    }
                    _ => {}
                }
            }
            Err(e) if e.status() == VlStatus::VL_IN_DOUBT => {
                tally.in_doubt += 1;
                let id = e.journal_id.clone().expect("an in-doubt answer names its journal entry");
                in_doubt.insert(id, Pending { provider, op, code: code.clone(), moves, order: order.clone() });
            }
            Err(e) => {
                assert_ne!(e.status(), VlStatus::VL_INTERNAL, "{e:?}");
                tally.refused += 1;
            }
        }
    }

    // Wait out the window (late requests land meanwhile), then recover everything.
    std::thread::sleep(Duration::from_millis(WINDOW_MS + 300));
    let mut reported: HashSet<String> = HashSet::new();
    for provider in providers {
        let client = clients(provider);
        let mut round = 0;
        loop {
            let recovered = client.execute(Op::Recover, "{}").unwrap();
            for r in recovered["resolved"].as_array().unwrap() {
                settle(&mut model, &in_doubt, r, &mut reported);
            }
            let pending = recovered["still_pending"].as_array().unwrap();
            if pending.is_empty() {
                break;
            }
            round += 1;
            if round < 3 {
                std::thread::sleep(Duration::from_millis(300));
                continue;
            }
            // What no lookup can tell, settled by hand after a look at the back office.
            for p in pending {
                let id = p["journal_id"].as_str().unwrap();
                let done = back_office_shows(&sim.state(), id, &in_doubt[id]);
                let outcome = if done { "done" } else { "failed" };
                let settled = client
                    .execute(Op::Recover, &json!({"journal_id": id, "outcome": outcome}).to_string())
                    .unwrap_or_else(|e| panic!("settling {id} by hand: {e:?}"));
                tally.by_hand += 1;
                settle(&mut model, &in_doubt, &settled["resolved"][0], &mut reported);
            }
        }
    }
    let unreported: Vec<&String> = in_doubt.keys().filter(|id| !reported.contains(*id)).collect();
    assert!(unreported.is_empty(), "in-doubt calls whose outcome vl_recover never reported: {unreported:?}");

    // The invariant: the providers hold the start plus exactly what was reported done.
    let state = sim.state();
    let mut mismatches = Vec::new();
    for v in state["eguma"]["vouchers"].as_array().unwrap() {
        let code = v["code"].as_str().unwrap();
        if let Some(want) = model.eguma.get(code) {
            let have = d(v["balance"].as_str().unwrap());
            if have != *want {
                mismatches.push(format!("e-guma {code}: provider {have}, reported {want}"));
            }
        }
    }
    for dep in state["eguma"]["depot_vouchers"].as_array().unwrap() {
        let code = dep["code"].as_str().unwrap();
        if model.depot.get(code).is_some_and(|want| dep["activated"] != *want) {
            mismatches
                .push(format!("e-guma depot {code}: provider {}, reported {}", dep["activated"], model.depot[code]));
        }
    }
    let mut issued = Decimal::ZERO;
    for card in state["treazure"]["cards"].as_array().unwrap() {
        let id = card["card_id"].as_str().unwrap();
        let balance = d(card["balance"].as_str().unwrap());
        match model.cards.get(id) {
            Some(want) if *want != balance => {
                mismatches.push(format!("Treazure {id}: provider {balance}, reported {want}"))
            }
            Some(_) => {}
            None if id.starts_with("628000900") => issued += balance,
            None => {}
        }
    }
    if issued != model.issued {
        mismatches.push(format!("Treazure issued cards: provider {issued}, reported {}", model.issued));
    }
    let orders: HashSet<String> = state["gonnaorder"]["orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["external_order_id"].as_str().map(str::to_string))
        .collect();
    if orders != model.orders {
        mismatches.push(format!("GonnaOrder orders: provider {orders:?}, reported {:?}", model.orders));
    }
    let big = state["gonnaorder"]["vouchers"].as_array().unwrap().iter().find(|v| v["code"] == "BIG").unwrap();
    if d(big["discount"].as_str().unwrap()) != model.big_voucher {
        mismatches.push(format!("GonnaOrder BIG: provider {}, reported {}", big["discount"], model.big_voucher));
    }
    for s in state["coupontools"]["sessions"].as_array().unwrap() {
        let id = s["session"].as_str().unwrap();
        if s["validated"] == true && !model.validated.contains(id)
            || s["validated"] != true && model.validated.contains(id)
        {
            mismatches.push(format!("Coupontools {id}: provider validated={}", s["validated"]));
        }
    }
    eprintln!(
        "fault run (seed {seed:#x}{}): {} operations, {} faults armed, {} ok, {} in doubt, {} refused or failed, {} settled \
         by hand; {} mismatch(es)",
        if one_till { ", one till" } else { "" },
        tally.operations,
        tally.faults,
        tally.ok,
        tally.in_doubt,
        tally.refused,
        tally.by_hand,
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "lost or doubled:\n{}", mismatches.join("\n"));
    for provider in providers {
        assert_eq!(clients(provider).execute(Op::Pending, "{}").unwrap()["entries"], json!([]), "{provider}");
    }
}

/// Applies an entry `vl_recover` reported settled to the model (once).
/// A number from the environment, decimal or `0x` hex; anything else stops the run (a typo must
/// not silently run the default).
fn setting(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={text:?} is not a number")))
}

fn settle(model: &mut Model, in_doubt: &HashMap<String, Pending>, entry: &Value, reported: &mut HashSet<String>) {
    let id = entry["journal_id"].as_str().unwrap().to_string();
    assert!(reported.insert(id.clone()), "{id} reported twice");
    if entry["state"] != "done" {
        return;
    }
    let Some(p) = in_doubt.get(&id) else {
        // Settled here without the POS having been told in doubt: a library-made undo.
        assert!(!entry["reverses"].is_null(), "a settled entry the POS never heard of: {entry}");
        return;
    };
    model.apply(p.provider, p.op, &p.code, p.moves, p.order.as_deref());
}

/// The provider's back office: did the entry's request go through?
fn back_office_shows(state: &Value, journal_id: &str, pending: &Pending) -> bool {
    match pending.provider {
        // Treazure's history records the ReceiptReference (our journal id) of every mutation.
        "treazure" => state["treazure"]["cards"].as_array().unwrap().iter().any(|c| {
            c["history"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["receiptNr"].as_str().is_some_and(|r| r.contains(journal_id)))
        }),
        "gonnaorder" => state["gonnaorder"]["orders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["external_order_id"].as_str() == pending.order.as_deref()),
        other => panic!("{other} entries are resolved by the library itself: {journal_id}"),
    }
}
