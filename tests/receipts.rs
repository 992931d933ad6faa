//! What the cashier and the customer read: every operation's receipt lines and the library's own
//! messages in every language, the code shown as each provider's guide asks, dates in the till's
//! time zone. Real clients against the simulator over real sockets.

mod common;

use serde_json::{Value, json};
use voucherlink::{Client, Operation as Op, VlStatus};
use voucherlink_sim::Simulator;

const LANGUAGES: [&str; 6] = ["en", "de", "fr", "it", "nl", "el"];

/// English words of the library's receipt texts: none may be left in another language's receipt.
const ENGLISH_RECEIPT_WORDS: [&str; 13] = [
    "voucher",
    "Gift card",
    "Coupon",
    "Redeemed",
    "Cancelled",
    "Balance",
    "Total value",
    "Sold",
    "VAT",
    "Sale cancelled",
    "Taken back",
    "Issued",
    "Used",
];

/// English phrases of the library's own messages.
const ENGLISH_MESSAGE_WORDS: [&str; 9] = [
    "Insufficient",
    "balance",
    "cannot be reached",
    "nothing changed",
    "outcome",
    "earlier",
    "unresolved",
    "gift card",
    "coupon",
];

/// Whether `text` has `phrase` as whole words ("Solde" does not have "Sold").
fn has_words(text: &str, phrase: &str) -> bool {
    let words = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let (text, phrase) = (words(text), words(phrase));
    text.windows(phrase.len()).any(|w| w == phrase.as_slice())
}

fn client(config: Value) -> Client {
    Client::new(&config.to_string()).unwrap_or_else(|e| panic!("{config}: {e}"))
}

fn with(mut config: Value, extra: Value) -> Value {
    config.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    config
}

fn eguma(sim: &Simulator, extra: Value) -> Client {
    client(with(common::eguma_config(sim), extra))
}

fn treazure(sim: &Simulator, extra: Value) -> Client {
    let config = json!({"provider": "treazure", "base_url": sim.url("treazure"), "client_id": "pos",
                        "client_secret": "secret", "timeout_ms": 5000});
    client(with(config, extra))
}

fn coupontools(sim: &Simulator, extra: Value) -> Client {
    let config = json!({"provider": "coupontools", "base_url": sim.url("coupontools"), "client_id": "ct",
                        "client_secret": "secret", "timeout_ms": 5000});
    client(with(config, extra))
}

fn ok(client: &Client, op: Op, request: Value) -> Value {
    client.execute(op, &request.to_string()).unwrap_or_else(|e| panic!("{} {request}: {e}", op.name()))
}

fn lines(doc: &Value) -> Vec<String> {
    let lines = doc["receipt_lines"].as_array().unwrap_or_else(|| panic!("no receipt_lines in {doc}"));
    lines.iter().map(|l| l.as_str().unwrap().to_string()).collect()
}

/// Every operation that prints, of every provider that has receipts, in `lang`: (what, lines).
fn every_receipt(lang: &str) -> Vec<(String, Vec<String>)> {
    let sim = common::simulator();
    let language = json!({ "language": lang });
    let mut all = Vec::new();
    let mut keep = |what: &str, doc: Value| all.push((format!("{what} ({lang})"), lines(&doc)));

    let e = eguma(&sim, language.clone());
    keep("e-guma balance", ok(&e, Op::Balance, json!({"code": "L4FU5LQTKJR3"})));
    let r = ok(&e, Op::Redeem, json!({"code": "L4FU5LQTKJR3", "amount": "20.00"}));
    let id = r["transaction_id"].clone();
    keep("e-guma redeem", r);
    keep(
        "e-guma cancel",
        ok(&e, Op::CancelRedemption, json!({"code": "L4FU5LQTKJR3", "transaction_id": id, "amount": "5.00"})),
    );
    keep("e-guma activate", ok(&e, Op::Activate, json!({"code": "DEP0T0000001"})));
    keep("e-guma deactivate", ok(&e, Op::Deactivate, json!({"code": "DEP0T0000001", "reason": "x"})));

    let t = treazure(&sim, language.clone());
    keep("Treazure balance", ok(&t, Op::Balance, json!({"code": "6280001234567890"})));
    let r = ok(&t, Op::Redeem, json!({"code": "6280001234567890", "amount": "5.00"}));
    let id = r["transaction_id"].clone();
    keep("Treazure redeem", r);
    keep("Treazure cancel", ok(&t, Op::CancelRedemption, json!({"code": "6280001234567890", "transaction_id": id})));
    let sold = ok(&t, Op::Activate, json!({"code": "6280001111111111", "amount": "30.00"}));
    let id = sold["transaction_id"].clone();
    keep("Treazure activate", sold);
    keep(
        "Treazure cancel activation",
        ok(&t, Op::CancelActivation, json!({"code": "6280001111111111", "transaction_id": id})),
    );
    keep("Treazure issue", ok(&t, Op::Issue, json!({"amount": "15.00"})));

    let c = coupontools(&sim, language);
    keep("Coupontools balance", ok(&c, Op::Balance, json!({"code": "kkfiznr8Yp8630h82es8d"})));
    keep("Coupontools validate", ok(&c, Op::Redeem, json!({"code": "kkfiznr8Yp8630h82es8d"})));
    all
}

#[test]
fn every_receipt_in_every_language_has_no_english_left() {
    let english = every_receipt("en");
    assert_eq!(english[0].1, ["e-guma voucher L4FU5LQTKJR3", "Balance CHF 50.00", "Total value CHF 50.00"]);
    for lang in LANGUAGES.into_iter().skip(1) {
        let receipts = every_receipt(lang);
        assert_eq!(receipts.len(), english.len());
        for ((what, lines), (_, english_lines)) in receipts.iter().zip(&english) {
            assert_eq!(lines.len(), english_lines.len(), "{what}: {lines:?} against {english_lines:?}");
            for line in lines {
                for word in ENGLISH_RECEIPT_WORDS {
                    assert!(!has_words(line, word), "{what}: {line:?} still has the English {word:?}");
                }
            }
            assert_ne!(lines, english_lines, "{what}");
        }
    }
}

#[test]
fn a_german_and_a_french_eguma_checkout() {
    let german = every_receipt("de");
    let french = every_receipt("fr");
    let find = |all: &[(String, Vec<String>)], what: &str| {
        all.iter().find(|(w, _)| w.starts_with(what)).map(|(_, l)| l.clone()).unwrap()
    };
    assert_eq!(
        find(&german, "e-guma balance"),
        ["e-guma Gutschein L4FU5LQTKJR3", "Restguthaben CHF 50.00", "Gesamtwert CHF 50.00"]
    );
    assert_eq!(
        find(&german, "e-guma redeem"),
        ["e-guma Gutschein L4FU5LQTKJR3", "Eingelöst CHF 20.00", "Restguthaben CHF 30.00"]
    );
    assert_eq!(
        find(&german, "e-guma cancel"),
        ["e-guma Gutschein L4FU5LQTKJR3", "Storniert CHF 5.00", "Restguthaben CHF 35.00"]
    );
    assert_eq!(
        find(&german, "e-guma activate"),
        ["e-guma Gutschein DEP0T0000001", "Verkauft CHF 100.00", "MwSt. 0% (Gutscheinverkauf)"],
        "a sold depot voucher carries VAT 0, as e-guma's guide asks"
    );
    assert_eq!(find(&french, "e-guma redeem"), ["Bon e-guma L4FU5LQTKJR3", "Utilisé CHF 20.00", "Solde CHF 30.00"]);
    assert_eq!(find(&french, "e-guma activate")[2], "TVA 0% (vente de bon)");
    // Euros as each language writes them.
    assert_eq!(
        find(&german, "Treazure redeem"),
        ["Geschenkkarte ********7890", "Eingelöst 5,00 €", "Restguthaben 20,00 €"]
    );
    assert_eq!(find(&french, "Treazure issue")[1], "Émis 15,00 €");
}

#[test]
fn the_eguma_receipt_shows_the_code_in_full_unless_masked_is_asked_for() {
    let sim = common::simulator();
    let full = ok(&eguma(&sim, json!({})), Op::Redeem, json!({"code": "L4FU-5LQT-KJR3", "amount": "1.00"}));
    assert_eq!(lines(&full)[0], "e-guma voucher L4FU5LQTKJR3", "e-guma's guide: print the voucher code");
    let masked = eguma(&sim, json!({"receipt_code": "masked"}));
    let r = ok(&masked, Op::Redeem, json!({"code": "L4FU5LQTKJR3", "amount": "1.00"}));
    assert_eq!(lines(&r), ["e-guma voucher ********KJR3", "Redeemed CHF 1.00", "Balance CHF 48.00"]);
    // Other providers mask by default, and print in full when asked.
    let t = ok(&treazure(&sim, json!({"receipt_code": "full"})), Op::Balance, json!({"code": "6280001234567890"}));
    assert_eq!(lines(&t)[0], "Gift card 6280001234567890");
    let t = ok(&treazure(&sim, json!({})), Op::Balance, json!({"code": "6280001234567890"}));
    assert_eq!(lines(&t)[0], "Gift card ********7890");
}

#[test]
fn a_request_may_speak_another_language_than_the_till() {
    let sim = common::simulator();
    let e = eguma(&sim, json!({"language": "de"}));
    let de = ok(&e, Op::Balance, json!({"code": "L4FU5LQTKJR3"}));
    let it = ok(&e, Op::Balance, json!({"code": "L4FU5LQTKJR3", "language": "it"}));
    assert_eq!(lines(&de)[1], "Restguthaben CHF 50.00");
    assert_eq!(lines(&it), ["Buono e-guma L4FU5LQTKJR3", "Saldo CHF 50.00", "Valore totale CHF 50.00"]);
    let err = e.execute(Op::Balance, r#"{"code":"L4FU5LQTKJR3","language":"tlh"}"#).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_INVALID_ARGUMENT);
    assert!(err.message.contains("`language`"), "{}", err.message);
}

/// The library's own messages (not the provider's) for one language: (what, status, message).
fn own_messages(lang: &str) -> Vec<(&'static str, VlStatus, String)> {
    let sim = common::simulator();
    let language = json!({ "language": lang });
    let refused = |what: &'static str, client: &Client, op: Op, request: Value| {
        let e = client.execute(op, &request.to_string()).expect_err(what);
        (what, e.status(), e.message)
    };
    let mut all = Vec::new();
    let e = eguma(&sim, language.clone());
    all.push(refused("insufficient", &e, Op::Redeem, json!({"code": "L4FU5LQTKJR3", "amount": "999.00"})));
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": "drop_before_commit"})).unwrap();
    all.push(refused("in doubt", &e, Op::Redeem, json!({"code": "2QH3QTDM28N6", "amount": "10.00"})));
    all.push(refused("earlier unresolved", &e, Op::Redeem, json!({"code": "2QH3QTDM28N6", "amount": "10.00"})));
    let nowhere = client(json!({"provider": "eguma", "api_key": "k", "base_url": "http://127.0.0.1:1",
                                "timeout_ms": 2000, "language": lang}));
    all.push(refused("unreachable", &nowhere, Op::Balance, json!({"code": "L4FU5LQTKJR3"})));
    let t = treazure(&sim, language.clone());
    ok(&t, Op::Redeem, json!({"code": "6280001234567890", "remaining_to_pay": "100.00"}));
    all.push(refused(
        "no balance left",
        &t,
        Op::Redeem,
        json!({"code": "6280001234567890", "remaining_to_pay": "1.00"}),
    ));
    let created = ok(&t, Op::Balance, json!({"code": "6280001111111111"}));
    all.push(("card not sold", VlStatus::VL_OK, created["message"].as_str().unwrap().to_string()));
    let wine = ok(&t, Op::Balance, json!({"code": "6280002222222222"}));
    all.push(("article set", VlStatus::VL_OK, wine["restrictions"][0]["message"].as_str().unwrap().to_string()));
    let c = coupontools(&sim, language);
    ok(&c, Op::Redeem, json!({"code": "kkfiznr8Yp8630h82es8d"}));
    all.push(refused("already used", &c, Op::Redeem, json!({"code": "kkfiznr8Yp8630h82es8d"})));
    all
}

#[test]
fn the_librarys_own_messages_in_every_language() {
    let english = own_messages("en");
    let expected = [
        ("insufficient", VlStatus::VL_REJECTED),
        ("in doubt", VlStatus::VL_IN_DOUBT),
        ("earlier unresolved", VlStatus::VL_REJECTED),
        ("unreachable", VlStatus::VL_NETWORK),
        ("no balance left", VlStatus::VL_REJECTED),
        ("card not sold", VlStatus::VL_OK),
        ("article set", VlStatus::VL_OK),
        ("already used", VlStatus::VL_REJECTED),
    ];
    let statuses: Vec<_> = english.iter().map(|(w, s, _)| (*w, *s)).collect();
    assert_eq!(statuses, expected);
    assert_eq!(english[0].2, "Insufficient balance: the voucher has CHF 50.00, CHF 999.00 was asked for.");
    assert!(
        english[1].2.starts_with("The redemption was sent to e-guma, but its outcome is not known yet."),
        "{}",
        english[1].2
    );
    assert!(english[3].2.starts_with("e-guma cannot be reached right now; nothing changed. ("), "{}", english[3].2);
    for lang in LANGUAGES.into_iter().skip(1) {
        let messages = own_messages(lang);
        for ((what, status, message), (_, english_status, english_message)) in messages.iter().zip(&english) {
            assert_eq!(status, english_status, "{what} ({lang})");
            assert_ne!(message, english_message, "{what} ({lang})");
            // The technical detail of an unreachable provider stays English, in brackets, for support.
            let worded = message.split(" (").next().unwrap();
            for word in ENGLISH_MESSAGE_WORDS {
                assert!(!has_words(worded, word), "{what} ({lang}): {message:?} still has the English {word:?}");
            }
        }
        let journal_id = |m: &str| m.split_whitespace().find(|w| w.starts_with("vl-")).map(str::to_string);
        assert!(journal_id(&messages[1].2).is_some(), "the in-doubt message names its journal entry ({lang})");
    }
    let german = own_messages("de");
    assert_eq!(german[0].2, "Guthaben nicht ausreichend: Der Gutschein hat CHF 50.00, verlangt wurden CHF 999.00.");
}

#[test]
fn a_used_coupon_says_when_in_the_tills_time_zone() {
    let sim = Simulator::start(
        "127.0.0.1:0",
        &json!({"coupontools": {"clients": [{"client_id": "ct", "client_secret": "secret"}], "sessions": [
            {"session": "used0000000000000001", "campaign": "c", "coupon": "v", "value": "5.00", "claimed": true,
             "validated": true, "validation_date": "2026-11-01 09:30:00", "locked": false, "voided": false}]}}),
    )
    .unwrap();
    // No time zone: the provider's UTC, marked so, never silently shifted.
    let utc = coupontools(&sim, json!({}));
    let v = ok(&utc, Op::Balance, json!({"code": "used0000000000000001"}));
    assert_eq!(v["message"], "The coupon was already used at 2026-11-01 09:30 UTC.");
    // A Zurich till in German: 09:30 UTC is 10:30 there in November.
    let zurich = coupontools(&sim, json!({"language": "de", "time_zone": "Europe/Zurich"}));
    let v = ok(&zurich, Op::Balance, json!({"code": "used0000000000000001"}));
    assert_eq!(v["message"], "Der Rabattcoupon wurde bereits am 01.11.2026 10:30 eingelöst.");
    assert_eq!(lines(&v), ["Rabattcoupon ********0001", "Wert 5,00", "Eingelöst am 01.11.2026 10:30"]);
    // Coupontools refuses the second validation (330); its text stays verbatim beside the guide's words.
    let err = zurich.execute(Op::Redeem, r#"{"code":"used0000000000000001"}"#).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_REJECTED);
    assert_eq!(err.message, "Der Rabattcoupon wurde bereits am 01.11.2026 10:30 eingelöst.");
    assert_eq!(err.provider_code.as_deref(), Some("330"));
    assert!(err.provider_message.is_some_and(|m| !m.contains("Rabattcoupon")));
}

#[test]
fn bad_language_receipt_code_or_time_zone_is_a_config_error_naming_the_key() {
    let sim = common::simulator();
    for (extra, key) in [
        (json!({"language": "klingon"}), "`language`"),
        (json!({"language": 7}), "`language`"),
        (json!({"receipt_code": "partial"}), "`receipt_code`"),
        (json!({"time_zone": "Mars/Olympus_Mons"}), "`time_zone`"),
    ] {
        let config = with(common::eguma_config(&sim), extra.clone());
        let err = Client::new(&config.to_string()).err().unwrap_or_else(|| panic!("{extra} was accepted"));
        assert_eq!(err.status(), VlStatus::VL_CONFIG, "{extra}");
        assert!(err.message.contains(key), "{extra}: {}", err.message);
    }
}

#[test]
fn the_effective_settings_show_language_receipt_code_and_time_zone() {
    let sim = common::simulator();
    let e = eguma(&sim, json!({"language": "fr-CH", "time_zone": "Europe/Zurich"}));
    let s = &e.describe()["settings"];
    assert_eq!(
        (&s["language"], &s["receipt_code"], &s["time_zone"]),
        (&json!("fr"), &json!("full"), &json!("Europe/Zurich"))
    );
    // Treazure's till offset is the till's time zone unless one is set.
    let t = treazure(&sim, json!({"utc_offset": "+01:00"}));
    let s = &t.describe()["settings"];
    assert_eq!(
        (&s["language"], &s["receipt_code"], &s["time_zone"]),
        (&json!("en"), &json!("masked"), &json!("+01:00"))
    );
    let t = treazure(&sim, json!({}));
    assert_eq!(t.describe()["settings"]["time_zone"], Value::Null, "no zone: dates are marked UTC");
}
