#![allow(clippy::result_large_err)]
//! One scan, any provider (docs/api.md §10): one client with all four providers of the simulator
//! finds each scan's provider, with the number of provider requests the contract promises
//! (counted by the simulator), and never guesses with money.

mod common;

use common::{entry, simulator, till_config};
use serde_json::{Value, json};
use voucherlink::{Client, Error, Operation as Op, VlStatus};
use voucherlink_sim::Simulator;

const PROVIDERS: [&str; 4] = ["eguma", "treazure", "gonnaorder", "coupontools"];

fn client(config: &Value) -> Client {
    Client::new(&config.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn call(client: &Client, op: Op, request: Value) -> Result<Value, Error> {
    client.execute(op, &request.to_string())
}

/// Requests each provider received since `before` (token and login requests included).
fn counts(sim: &Simulator) -> [u64; 4] {
    PROVIDERS.map(|p| sim.provider_requests(p))
}

fn sent_since(sim: &Simulator, before: [u64; 4]) -> Vec<(&'static str, u64)> {
    let now = counts(sim);
    PROVIDERS.iter().zip(now.iter().zip(before)).filter(|(_, (n, b))| **n > *b).map(|(p, (n, b))| (*p, n - b)).collect()
}

#[test]
fn each_kind_of_scan_finds_its_provider_with_the_requests_promised() {
    let sim = simulator();
    let till = client(&till_config(&sim));
    // Warm the token and the login, so that what follows counts the lookups alone.
    call(&till, Op::Balance, json!({"code": "6280003333333333"})).unwrap();
    call(&till, Op::MemberVouchers, json!({"member_code": "M-1"})).unwrap();

    // 1. A Coupontools QR code names its provider: one read, there.
    let before = counts(&sim);
    let coupon =
        call(&till, Op::Balance, json!({"code": "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d"})).unwrap();
    assert_eq!(
        (coupon["provider"].as_str(), coupon["code"].as_str()),
        (Some("coupontools"), Some("kkfiznr8Yp8630h82es8d"))
    );
    assert_eq!(sent_since(&sim, before), [("coupontools", 1)]);

    // 2. Treazure's `codes` rule (prefix 628, 16 to 19 digits): one read, there.
    let before = counts(&sim);
    let card = call(&till, Op::Balance, json!({"code": "6280 0012 3456 7890"})).unwrap();
    assert_eq!((card["provider"].as_str(), card["balance"].as_str()), (Some("treazure"), Some("25.00")));
    assert_eq!(sent_since(&sim, before), [("treazure", 1)]);

    // 3. e-guma's printed form: dashes rule Coupontools out (its session ids are letters and
    //    digits), GonnaOrder has no balance; e-guma is asked first of the candidates and knows it.
    let before = counts(&sim);
    let voucher = call(&till, Op::Balance, json!({"code": "L4FU-5LQT-KJR3"})).unwrap();
    assert_eq!((voucher["provider"].as_str(), voucher["code"].as_str()), (Some("eguma"), Some("L4FU5LQTKJR3")));
    assert_eq!(sent_since(&sim, before), [("eguma", 1)]);

    // 4. The same voucher's barcode fits Coupontools too: Coupontools, asked first, does not know
    //    it (one read passed over), e-guma does.
    let before = counts(&sim);
    let voucher = call(&till, Op::Balance, json!({"code": "2QH3QTDM28N6"})).unwrap();
    assert_eq!(voucher["provider"], "eguma");
    assert_eq!(sent_since(&sim, before), [("eguma", 1), ("coupontools", 1)]);

    // 5. An operation only GonnaOrder has goes to GonnaOrder.
    let before = counts(&sim);
    let order = call(&till, Op::Validate, json!({"code": "XYZ", "order_total": "20.00"})).unwrap();
    assert_eq!((order["provider"].as_str(), order["discount"].as_str()), (Some("gonnaorder"), Some("5.50")));
    assert_eq!(sent_since(&sim, before), [("gonnaorder", 1)]);

    // 6. A request only Treazure takes: a card's serial number and scratch code.
    let before = counts(&sim);
    let card = call(&till, Op::Balance, json!({"serial_number": "100200", "scratch_code": "8391"})).unwrap();
    assert_eq!(card["provider"], "treazure");
    assert_eq!(sent_since(&sim, before), [("treazure", 1)]);

    // 7. A named provider: there only.
    let before = counts(&sim);
    let voucher = call(&till, Op::Balance, json!({"code": "L4FU5LQTKJR3", "provider": "eguma"})).unwrap();
    assert_eq!(voucher["provider"], "eguma");
    assert_eq!(sent_since(&sim, before), [("eguma", 1)]);
}

#[test]
fn money_moves_only_where_the_code_is_known() {
    let sim = simulator();
    let till = client(&till_config(&sim));
    let before = counts(&sim);

    // A barcode several providers could own, never looked up: refused before anything is sent,
    // naming the candidates.
    let refused = call(&till, Op::Redeem, json!({"code": "2QH3QTDM28N6", "amount": "10.00"})).unwrap_err();
    assert_eq!(refused.status(), VlStatus::VL_INVALID_ARGUMENT, "{refused}");
    assert_eq!(refused.providers, ["coupontools", "eguma", "treazure"]);
    assert!(refused.message.contains("look it up first"), "{}", refused.message);
    assert_eq!(refused.provider, None);
    assert_eq!(sent_since(&sim, before), []);

    // Looked up (Coupontools passed over, e-guma answers), then taken: the redeem goes to e-guma
    // alone, with e-guma's evidence read (its own rule) and nothing to anyone else.
    call(&till, Op::Balance, json!({"code": "2QH3-QTDM-28N6"})).unwrap();
    let before = counts(&sim);
    let taken = call(&till, Op::Redeem, json!({"code": "2QH3QTDM28N6", "amount": "10.00"})).unwrap();
    assert_eq!((taken["provider"].as_str(), taken["balance"].as_str()), (Some("eguma"), Some("90.00")));
    assert_eq!(sent_since(&sim, before), [("eguma", 2)]);
    // Remembered by the code as scanned too, and the cancel follows it.
    let before = counts(&sim);
    let id = taken["transaction_id"].as_str().unwrap();
    let back =
        call(&till, Op::CancelRedemption, json!({"code": "2QH3-QTDM-28N6", "transaction_id": id, "amount": "10.00"}))
            .unwrap();
    assert_eq!(back["provider"], "eguma");
    assert!(sent_since(&sim, before).iter().all(|(p, _)| *p == "eguma"));

    // Decided by a rule, by the scan itself, or by the request's `provider`: no lookup needed.
    let card = call(&till, Op::Redeem, json!({"code": "6280002222222222", "amount": "5.00"})).unwrap();
    assert_eq!(card["provider"], "treazure");
    let coupon =
        call(&till, Op::Redeem, json!({"code": "https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d"})).unwrap();
    assert_eq!(coupon["provider"], "coupontools");
    let named =
        call(&till, Op::Redeem, json!({"code": "L4FU5LQTKJR3", "amount": "1.00", "provider": "eguma"})).unwrap();
    assert_eq!(named["provider"], "eguma");
    assert_eq!(sim.requests("coupontools", "redeem"), 1, "only the coupon's validation reached Coupontools");
}

#[test]
fn a_code_two_providers_know_is_answered_by_the_first_and_taken_there_only() {
    let mut fixtures = voucherlink_sim::demo_fixtures();
    fixtures["eguma"]["vouchers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"code": "TWINCODE0001", "balance": "30.00", "total": "30.00", "redeemable": true, "message": null, "short_codes": []}));
    fixtures["treazure"]["cards"].as_array_mut().unwrap().push(json!({
        "card_id": "TWINCODE0001", "serial_number": "900", "scratch_code": "1", "status": "active", "balance": "70.00",
        "expires_at": null, "article_set": null}));
    let sim = Simulator::start("127.0.0.1:0", &fixtures).unwrap();
    let till = client(&till_config(&sim));
    let found = call(&till, Op::Balance, json!({"code": "TWINCODE0001"})).unwrap();
    assert_eq!((found["provider"].as_str(), found["balance"].as_str()), (Some("eguma"), Some("30.00")));
    assert_eq!(sim.requests("treazure", "balance"), 0, "Treazure is never asked once e-guma answered");
    call(&till, Op::Redeem, json!({"code": "TWINCODE0001", "amount": "30.00"})).unwrap();
    assert_eq!((sim.requests("eguma", "redeem"), sim.requests("treazure", "redeem")), (1, 0));
    let state = sim.state();
    let card = state["treazure"]["cards"].as_array().unwrap().iter().find(|c| c["card_id"] == "TWINCODE0001").unwrap();
    assert_eq!(card["balance"], "70.00");

    // Once the POS has asked both by name, the library will not choose between them.
    call(&till, Op::Balance, json!({"code": "TWINCODE0001", "provider": "treazure"})).unwrap();
    let refused = call(&till, Op::Redeem, json!({"code": "TWINCODE0001", "amount": "1.00"})).unwrap_err();
    assert_eq!(refused.status(), VlStatus::VL_INVALID_ARGUMENT);
    assert_eq!(refused.providers, ["eguma", "treazure"]);
    assert!(refused.message.contains("name the provider"), "{}", refused.message);
}

#[test]
fn an_unknown_code_names_every_provider_asked_and_an_unreachable_one_wins() {
    let sim = simulator();
    let mut config = till_config(&sim);
    config["language"] = json!("de");
    let till = client(&config);
    let unknown = call(&till, Op::Balance, json!({"code": "NOPE00000000"})).unwrap_err();
    assert_eq!(unknown.status(), VlStatus::VL_NOT_FOUND, "{unknown}");
    assert_eq!(unknown.providers, ["coupontools", "eguma", "treazure"]);
    assert_eq!(
        unknown.message,
        "Keiner der Anbieter dieser Kasse kennt diesen Gutschein (gefragt: Coupontools, e-guma, Treazure)."
    );

    // e-guma cannot be reached (nothing listens): passed over; Coupontools knows the session.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut down = entry(&sim, "eguma");
    down["base_url"] = json!(dead);
    let config = json!({"providers": [down, entry(&sim, "coupontools"), entry(&sim, "treazure")], "timeout_ms": 3000});
    let till = client(&config);
    let coupon = call(&till, Op::Balance, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap();
    assert_eq!(coupon["provider"], "coupontools");
    // Nobody knows this one, and e-guma could not be asked: not "unknown", but e-guma's network error.
    let error = call(&till, Op::Balance, json!({"code": "NOPE00000000"})).unwrap_err();
    assert_eq!((error.status(), error.provider), (VlStatus::VL_NETWORK, Some("eguma")), "{error}");
    assert_eq!(error.providers, ["eguma", "coupontools", "treazure"]);
}

#[test]
fn capabilities_pending_and_recover_cover_every_provider() {
    let sim = simulator();
    let dir = common::scratch("routing-journal");
    let journal = dir.join("till.journal");
    let _ = std::fs::remove_file(&journal);
    let mut config = till_config(&sim);
    config["journal_path"] = json!(journal);
    config["timeout_ms"] = json!(700);
    let till = client(&config);
    let caps = call(&till, Op::Capabilities, json!({})).unwrap();
    let providers: Vec<&str> =
        caps["providers"].as_array().unwrap().iter().map(|p| p["provider"].as_str().unwrap()).collect();
    assert_eq!(providers, ["coupontools", "eguma", "treazure", "gonnaorder"]);
    let union: Vec<&str> = caps["operations"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
    for op in ["balance", "redeem", "issue", "validate", "lock", "deactivate", "pending", "recover"] {
        assert!(union.contains(&op), "{op} in {union:?}");
    }
    let one = call(&till, Op::Capabilities, json!({"provider": "gonnaorder"})).unwrap();
    assert_eq!(one["provider"], "gonnaorder");

    // One in-doubt redeem at e-guma and one at Treazure, in the one journal.
    for (provider, code) in [("eguma", "L4FU5LQTKJR3"), ("treazure", "6280001234567890")] {
        sim.arm_fault(&json!({"provider": provider, "operation": "redeem", "fault": {"late_ms": 60_000}, "times": 1}))
            .unwrap();
        let request = json!({"code": code, "amount": "5.00", "provider": provider});
        let error = call(&till, Op::Redeem, request).unwrap_err();
        assert_eq!(error.status(), VlStatus::VL_IN_DOUBT, "{provider}: {error}");
    }
    let pending = call(&till, Op::Pending, json!({})).unwrap();
    let open: Vec<&str> =
        pending["entries"].as_array().unwrap().iter().map(|e| e["provider"].as_str().unwrap()).collect();
    assert_eq!(open, ["eguma", "treazure"]);
    let recovered = call(&till, Op::Recover, json!({})).unwrap();
    assert_eq!(recovered["still_pending"].as_array().unwrap().len(), 2, "{recovered}");
    let id = pending["entries"][1]["journal_id"].as_str().unwrap();
    let settled = call(&till, Op::Recover, json!({"journal_id": id, "outcome": "failed"})).unwrap();
    assert_eq!(settled["resolved"][0]["provider"], "treazure");
    let error = call(&till, Op::Recover, json!({"journal_id": "vl-nope"})).unwrap_err();
    assert_eq!(error.status(), VlStatus::VL_INVALID_ARGUMENT);
}

#[test]
fn bad_configurations_name_the_entry_and_bad_requests_send_nothing() {
    let sim = simulator();
    let with = |change: &dyn Fn(&mut Value)| {
        let mut config = till_config(&sim);
        change(&mut config);
        Client::new(&config.to_string()).err().map(|e| (e.status(), e.message)).expect("refused")
    };
    for (change, expected) in [
        (
            Box::new(|c: &mut Value| c["providers"][3] = entry(&sim, "eguma")) as Box<dyn Fn(&mut Value)>,
            "providers[1] and providers[3] are both \"eguma\": one entry per provider",
        ),
        (
            Box::new(|c: &mut Value| c["providers"][2]["codes"] = json!({"pattern": "62[8"})),
            "providers[2] (treazure): `codes.pattern` is not a valid regular expression",
        ),
        (
            Box::new(|c: &mut Value| c["providers"][2]["codes"] = json!({"lengths": [19, 16]})),
            "providers[2] (treazure): `codes.lengths` must be [min, max]",
        ),
        (
            Box::new(|c: &mut Value| c["providers"][2]["codes"] = json!({"prefixes": []})),
            "providers[2] (treazure): `codes.prefixes` is empty",
        ),
        (Box::new(|c: &mut Value| c["providers"] = json!([])), "`providers` is empty"),
        (Box::new(|c: &mut Value| c["providers"] = json!("eguma")), "`providers` must be a list"),
        (Box::new(|c: &mut Value| c["providers"][0] = json!("eguma")), "providers[0] must be an object"),
        (
            Box::new(|c: &mut Value| c["api_key"] = json!("demo-outlet-1")),
            "`api_key` is a provider key: put it in the entry of its provider",
        ),
        (Box::new(|c: &mut Value| c["provider"] = json!("eguma")), "give either `provider`"),
        (
            Box::new(|c: &mut Value| c["base_url"] = json!("https://x.example")),
            "`base_url` names one provider's server",
        ),
        (
            Box::new(|c: &mut Value| c["pos_idd"] = json!("1")),
            "unknown field `pos_idd` in the configuration (did you mean `pos_id`?)",
        ),
        (
            Box::new(|c: &mut Value| c["providers"][1]["journal_path"] = json!("/tmp/x")),
            "providers[1]: `journal_path` holds for the whole client",
        ),
        (
            Box::new(|c: &mut Value| {
                c["providers"][1].as_object_mut().unwrap().remove("api_key").map(drop).unwrap_or(())
            }),
            "providers[1] (eguma): `api_key` is missing",
        ),
        (
            Box::new(|c: &mut Value| c["providers"][0]["provider"] = json!("gutscheinkasse")),
            "providers[0] (gutscheinkasse): unknown provider",
        ),
    ] {
        let (status, message) = with(&*change);
        assert_eq!(status, VlStatus::VL_CONFIG, "{message}");
        assert!(message.starts_with(expected), "expected {expected:?}, got {message:?}");
    }
    // A member twice inside an entry is refused as at the top level.
    let text = till_config(&sim).to_string().replacen("\"api_key\"", "\"api_key\":\"x\",\"api_key\"", 1);
    let error = Client::new(&text).err().unwrap();
    assert!(error.message.contains("duplicate field `api_key`"), "{}", error.message);
    // A single-provider configuration does not take `codes`.
    let mut single = entry(&sim, "eguma");
    single["codes"] = json!({"prefixes": ["L"]});
    assert!(Client::new(&single.to_string()).err().unwrap().message.contains("belongs in an entry of `providers`"));

    let till = client(&till_config(&sim));
    let before = sim.total_requests();
    for (op, request, expected) in [
        (Op::Balance, json!({"code": "L4FU5LQTKJR3", "provider": "givex"}), VlStatus::VL_INVALID_ARGUMENT),
        (Op::Balance, json!({"code": "L4FU5LQTKJR3", "provider": 7}), VlStatus::VL_INVALID_ARGUMENT),
        (Op::Balance, json!({"code": "ABCÄ"}), VlStatus::VL_INVALID_ARGUMENT),
        (Op::Redeem, json!({"code": "L4FU5LQTKJR3", "amount": "5.00"}), VlStatus::VL_INVALID_ARGUMENT),
        (Op::Lock, json!({"code": "L4FU5LQTKJR3", "provider": "eguma"}), VlStatus::VL_UNSUPPORTED),
    ] {
        let error = call(&till, op, request.clone()).unwrap_err();
        assert_eq!(error.status(), expected, "{request}: {error}");
    }
    assert_eq!(sim.total_requests(), before, "nothing was sent");

    // A code no configured provider's documented form fits: unknown, and nobody asked.
    let two = client(&json!({"providers": [entry(&sim, "eguma"), entry(&sim, "coupontools")]}));
    let error = call(&two, Op::Balance, json!({"code": "A_B"})).unwrap_err();
    assert_eq!((error.status(), error.providers.clone()), (VlStatus::VL_NOT_FOUND, vec!["eguma", "coupontools"]));
    assert_eq!(sim.total_requests(), before, "nothing was sent");
}

#[test]
fn a_single_provider_client_may_name_its_provider() {
    let sim = simulator();
    let one = client(&entry(&sim, "eguma"));
    let voucher = call(&one, Op::Balance, json!({"code": "L4FU5LQTKJR3", "provider": "eguma"})).unwrap();
    assert_eq!(voucher["provider"], "eguma");
    let error = call(&one, Op::Balance, json!({"code": "L4FU5LQTKJR3", "provider": "treazure"})).unwrap_err();
    assert_eq!((error.status(), error.provider), (VlStatus::VL_INVALID_ARGUMENT, Some("eguma")));
}

#[test]
fn a_till_killed_mid_redeem_recovers_in_a_new_process_through_its_one_journal() {
    let sim = simulator();
    let dir = common::scratch("routing-kill-9");
    let exe = dir.join("redeem_child");
    let source = common::repo().join("tests/c/redeem_child.c");
    common::compile("CC", "cc", &["-std=c99", "-Wall", "-Wextra", "-Werror"], &[&source], &exe);
    let journal = dir.join("till.journal");
    let _ = std::fs::remove_file(&journal);
    let mut config = till_config(&sim);
    config["journal_path"] = json!(journal);
    // Treazure applies the redeem (the card routed by the `codes` rule), then answers late.
    sim.arm_fault(&json!({"provider": "treazure", "operation": "redeem", "fault": {"delay_ms": 30_000}})).unwrap();
    let request = json!({"code": "6280001234567890", "amount": "5.00", "reference": "R-9"});
    let mut till = std::process::Command::new(&exe)
        .arg(config.to_string())
        .arg(request.to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let card = |sim: &Simulator| {
        let state = sim.state();
        let card =
            state["treazure"]["cards"].as_array().unwrap().iter().find(|c| c["card_id"] == "6280001234567890").cloned();
        card.unwrap()["balance"].as_str().unwrap().to_string()
    };
    common::wait_until("Treazure applied the redeem", || card(&sim) == "20.00");
    till.kill().unwrap(); // SIGKILL
    till.wait().unwrap();
    sim.clear_faults();

    let till = client(&config);
    let pending = call(&till, Op::Pending, json!({})).unwrap();
    let entries = pending["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{pending}");
    assert_eq!((entries[0]["provider"].as_str(), entries[0]["state"].as_str()), (Some("treazure"), Some("sending")));
    let recovered = call(&till, Op::Recover, json!({})).unwrap();
    assert_eq!(recovered["resolved"][0]["state"], "done", "{recovered}");
    assert_eq!(recovered["still_pending"], json!([]));
    assert_eq!((card(&sim), sim.requests("treazure", "redeem")), ("20.00".to_string(), 1), "never re-sent");
    assert_eq!(sim.provider_requests("eguma") + sim.provider_requests("coupontools"), 0, "the card went nowhere else");
}

#[test]
fn prepare_opens_the_way_so_that_the_next_call_costs_one_round_trip() {
    let sim = simulator();
    // One provider: the connection (and Treazure's token) is made by vl_prepare, and the scan's
    // read goes on it.
    let card = client(&entry(&sim, "treazure"));
    let prepared = call_prepare(&card, json!({})).unwrap();
    assert_eq!(prepared["providers"][0]["provider"], "treazure");
    assert_eq!(prepared["providers"][0]["ready"], true);
    assert!(prepared["providers"][0]["ms"].is_u64());
    assert_eq!(sim.requests("treazure", "token"), 1, "the token is fetched now");
    let connections = sim.connections();
    call(&card, Op::Balance, json!({"code": "6280001234567890"})).unwrap();
    assert_eq!((sim.connections(), sim.requests("treazure", "token")), (connections, 1), "no new connection, no token");
    assert_eq!(sim.provider_requests("treazure"), 2, "the token and the balance: nothing else was sent");

    // A till with four: each way opened at once; a named one alone.
    let till = client(&till_config(&sim));
    let before = sim.connections();
    let prepared = call_prepare(&till, json!({})).unwrap();
    let ready: Vec<(&str, bool)> = prepared["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["provider"].as_str().unwrap(), p["ready"].as_bool().unwrap()))
        .collect();
    assert_eq!(ready, [("coupontools", true), ("eguma", true), ("treazure", true), ("gonnaorder", true)]);
    assert_eq!(sim.connections() - before, 4, "one connection per provider");
    for code in ["kkfiznr8Yp8630h82es8d", "6280001234567890", "L4FU-5LQT-KJR3"] {
        call(&till, Op::Balance, json!({"code": code})).unwrap();
    }
    call(&till, Op::Validate, json!({"code": "XYZ", "order_total": "10.00"})).unwrap();
    assert_eq!(sim.connections() - before, 4, "every call went on a prepared connection");
    let one = call_prepare(&till, json!({"provider": "eguma"})).unwrap();
    assert_eq!(one["providers"].as_array().unwrap().len(), 1);
    assert_eq!(sim.provider_requests("eguma") + sim.provider_requests("coupontools"), 2, "vl_prepare moves nothing");

    // What is in the way is the answer, per provider; bad requests send nothing.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut down = entry(&sim, "eguma");
    down["base_url"] = json!(format!("http://{}", closed.local_addr().unwrap()));
    drop(closed);
    let half = client(&json!({"providers": [down, entry(&sim, "treazure")], "timeout_ms": 2000}));
    let error = call_prepare(&half, json!({})).unwrap_err();
    assert_eq!(
        (error.status(), error.provider, error.providers.clone()),
        (VlStatus::VL_NETWORK, Some("eguma"), vec!["eguma"])
    );
    let mut wrong = entry(&sim, "treazure");
    wrong["client_secret"] = json!("wrong");
    let error = call_prepare(&client(&wrong), json!({})).unwrap_err();
    assert_eq!((error.status(), error.provider), (VlStatus::VL_AUTH, Some("treazure")), "{error}");
    for bad in [json!({"provider": "givex"}), json!({"code": "X"}), json!({"provider": 1})] {
        assert_eq!(call_prepare(&till, bad.clone()).unwrap_err().status(), VlStatus::VL_INVALID_ARGUMENT, "{bad}");
    }
}

fn call_prepare(client: &Client, request: Value) -> Result<Value, Error> {
    client.prepare(&request.to_string()).map(|d| serde_json::to_value(d).unwrap())
}
