#![allow(clippy::result_large_err)]
//! The providers' real answers, as recorded or as their real clients read and send them.
//!
//! e-guma: a replay server answers with the bodies e-guma's own vendor recorded in 2014, byte for
//! byte (each cites its repository, path and commit), and records what the library sent. Then the
//! simulator in its recorded-2014 shapes runs a whole checkout. GonnaOrder: the login, refresh and
//! error shapes of its own web frontend. Coupontools: the real client's form request, and answers
//! that carry dates instead of flags. Treazure (nothing public): PascalCase answers.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use voucherlink::{Client, Operation as Op, VlStatus};
use voucherlink_sim::Simulator;

/// One recorded exchange: what e-guma answered a request whose path ends with `path_end`.
struct Recording {
    /// Where it was recorded.
    source: &'static str,
    method: &'static str,
    path_end: &'static str,
    status: u16,
    body: &'static str,
}

/// ideacreation/EgumaClient-Win and ideacreation/EgumaWinCE, `Tester/bin/Debug/Eguma*.txt`: the
/// `Status Code` and `Response Data` lines, verbatim.
const EGUMA: &[Recording] = &[
    Recording {
        source: "ideacreation/EgumaClient-Win Tester/bin/Debug/EgumaBalance.txt @ d2e2bc5efb2dca04157c2eeeaebdb4e9c4a7428b",
        method: "GET",
        path_end: "/vouchers/2QH3QTDM28N6/balance.json",
        status: 200,
        body: r#"{"code":"2QH3QTDM28N6","is_redeemable":true,"balance_in_cents":4400,"total_amount_in_cents":5000,"message":"","book_as_discount":false}"#,
    },
    Recording {
        source: "ideacreation/EgumaClient-Win Tester/bin/Debug/EgumaRedeem.txt @ d2e2bc5efb2dca04157c2eeeaebdb4e9c4a7428b",
        method: "POST",
        path_end: "/vouchers/2QH3QTDM28N6/redeem.json",
        status: 200,
        body: r#"{"code":"2QH3QTDM28N6","balance_in_cents":4200,"voucher_document_url":"http://staging.e-guma.ch//download?vId=6d823b8b-8464-4d8e-8d67-1427fc83b445"}"#,
    },
    Recording {
        source: "ideacreation/EgumaWinCE EgumaWinCETester/bin/Debug/EgumaCancelRedemption.txt @ 63192b12d1a433c681517a8b2bae4345d425d410",
        method: "POST",
        path_end: "/vouchers/2QH3QTDM28N6/cancel_redemption.json",
        status: 200,
        body: r#"{"code":"2QH3-QTDM-28N6","balance_in_cents":3200}"#,
    },
    Recording {
        source: "ideacreation/EgumaClient-Win Tester/bin/Debug/EgumaDepotActivateStatus.txt @ 79e6663f71f1ad0207b5ffc88d9b2d5dcbc48e60",
        method: "GET",
        path_end: "/depot_vouchers/EADSHD24AKS5/activate_status.json",
        status: 200,
        body: r#"{"code":"EADS-HD24-AKS5","can_be_activated":true,"amount_in_cents":5000,"message":""}"#,
    },
    Recording {
        source: "ideacreation/EgumaWinCE EgumaWinCETester/bin/Debug/EgumaActivate.txt @ 89678e5935f6abbffb179fee2168e34505827b36",
        method: "POST",
        path_end: "/depot_vouchers/EADSHD24AKS5/activate.json",
        status: 200,
        body: r#"{"code":"EADS-HD24-AKS5","amount_in_cents":5000}"#,
    },
    Recording {
        source: "ideacreation/EgumaClient-Win Tester/bin/Debug/EgumaDepotDeactivateStatus.txt @ d2e2bc5efb2dca04157c2eeeaebdb4e9c4a7428b",
        method: "GET",
        path_end: "/depot_vouchers/EADSHD24AKS5/deactivate_status.json",
        status: 200,
        body: r#"{"code":"EADS-HD24-AKS5","can_be_deactivated":false,"amount_in_cents":0,"message":"Der Gutschein wurde noch nicht aktiviert."}"#,
    },
    Recording {
        source: "ideacreation/EgumaWinCE EgumaWinCETester/bin/Debug/EgumaDeactivate.txt @ 89678e5935f6abbffb179fee2168e34505827b36",
        method: "POST",
        path_end: "/depot_vouchers/EADSHD24AKS5/deactivate.json",
        status: 200,
        body: r#"{"code":"EADS-HD24-AKS5","amount_in_cents":5000}"#,
    },
    Recording {
        source: "ideacreation/EgumaClient-Win Tester/bin/Debug/EgumaDepotStatus.txt @ d2e2bc5efb2dca04157c2eeeaebdb4e9c4a7428b (code xEADS-HD24-AKS5)",
        method: "GET",
        path_end: "/depot_vouchers/XEADSHD24AKS5/activate_status.json",
        status: 400,
        body: "Der Gutschein ist nicht vorhanden.",
    },
];

/// A request the replay server received.
#[derive(Clone, Debug)]
struct Received {
    head: String,
    body: Vec<u8>,
}

/// A server that answers every request with the recording whose method and path end match it
/// (404 otherwise), the body byte for byte, as e-guma did: `text/plain` for errors.
fn replay(recordings: &'static [Recording]) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let log = log.clone();
            std::thread::spawn(move || {
                while let Some(Received { head, body }) = read_request(&mut stream) {
                    log.lock().unwrap().push(Received { head: head.clone(), body });
                    let mut first = head.lines().next().unwrap_or_default().split(' ');
                    let (method, target) = (first.next().unwrap_or_default(), first.next().unwrap_or_default());
                    let path = target.split('?').next().unwrap_or_default();
                    let (status, content_type, answer) =
                        match recordings.iter().find(|r| r.method == method && path.ends_with(r.path_end)) {
                            Some(r) if r.status == 200 => (200, "application/json; charset=utf-8", r.body),
                            Some(r) => (r.status, "text/plain; charset=utf-8", r.body),
                            None => (404, "text/plain", "Not Found"),
                        };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                }
            });
        }
    });
    (url, seen)
}

/// Reads one whole request (head, and the body its Content-Length says); None when the peer closed.
fn read_request(stream: &mut std::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    while buf.len() < end + 4 + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(Received { head, body: buf[end + 4..end + 4 + length].to_vec() })
}

fn exec(client: &Client, op: Op, request: Value) -> Result<Value, voucherlink::Error> {
    client.execute(op, &request.to_string())
}

fn sent(seen: &Arc<Mutex<Vec<Received>>>, path_end: &str) -> Received {
    seen.lock()
        .unwrap()
        .iter()
        .rev()
        .find(|r| r.head.lines().next().is_some_and(|l| l.contains(path_end)))
        .cloned()
        .unwrap()
}

#[test]
fn every_recorded_eguma_answer_is_read_as_e_guma_meant_it() {
    for r in EGUMA {
        assert!(!r.source.is_empty() && r.source.contains(" @ "), "every recording cites its commit");
    }
    let (url, seen) = replay(EGUMA);
    let client =
        Client::new(&json!({"provider": "eguma", "api_key": "510e32c594d84816a4af9df0", "base_url": url}).to_string())
            .unwrap();

    // Balance: dashed code with a trailing space as the recording's tester typed it; no currency.
    let v = exec(&client, Op::Balance, json!({"code": "2QH3-QTDM-28N6 "})).unwrap();
    assert_eq!(
        (v["code"].as_str(), v["balance"].as_str(), v["initial_amount"].as_str(), v["redeemable"].as_bool()),
        (Some("2QH3QTDM28N6"), Some("44.00"), Some("50.00"), Some(true))
    );
    assert_eq!((v["currency"].clone(), v["message"].clone()), (Value::Null, Value::Null), "\"\" is no message");
    assert_eq!(v["raw"]["book_as_discount"], false, "the old extra field passes through in raw");

    // Redeem: the recorded answer has no redeem_token: a success, with our journal id to cancel by.
    let r = exec(&client, Op::Redeem, json!({"code": "2QH3-QTDM-28N6", "amount": "2.00"})).unwrap();
    assert_eq!((r["amount"].as_str(), r["balance"].as_str()), (Some("2.00"), Some("42.00")), "{r}");
    let id = r["transaction_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("vl-"), "{r}");
    let body: Value = serde_json::from_slice(&sent(&seen, "/redeem.json").body).unwrap();
    assert_eq!(body["amount_in_cents"], 200);
    assert_eq!(exec(&client, Op::Pending, json!({})).unwrap()["entries"], json!([]), "settled as done");

    // Cancel by that id: the amount alone, as the vendor's clients sent it; the answer echoes the
    // dashed code, read as the canonical one.
    let c =
        exec(&client, Op::CancelRedemption, json!({"code": "2QH3QTDM28N6", "transaction_id": id, "amount": "2.00"}))
            .unwrap();
    assert_eq!((c["code"].as_str(), c["balance"].as_str()), (Some("2QH3QTDM28N6"), Some("32.00")), "{c}");
    let body: Value = serde_json::from_slice(&sent(&seen, "/cancel_redemption.json").body).unwrap();
    assert_eq!(body, json!({"amount_in_cents": 200}));

    // Depot: activate_status without free_amount (fixed), an activation without a body.
    let s = exec(&client, Op::ActivationStatus, json!({"code": "EADS-HD24-AKS5"})).unwrap();
    assert_eq!(
        (s["can_activate"].as_bool(), s["free_amount"].as_bool(), s["amount"].as_str(), s["message"].clone()),
        (Some(true), Some(false), Some("50.00"), Value::Null)
    );
    let a = exec(&client, Op::Activate, json!({"code": "EADS-HD24-AKS5"})).unwrap();
    assert_eq!((a["code"].as_str(), a["balance"].as_str()), (Some("EADSHD24AKS5"), Some("50.00")));
    let activation = sent(&seen, "/activate.json");
    assert!(activation.body.is_empty(), "no body, as the vendor's clients send it");
    assert!(activation.head.to_ascii_lowercase().contains("content-length: 0"), "{}", activation.head);

    // Deactivation status: e-guma's own "no" with its German message.
    let d = exec(&client, Op::DeactivationStatus, json!({"code": "EADS-HD24-AKS5"})).unwrap();
    assert_eq!(
        (d["can_deactivate"].as_bool(), d["message"].as_str()),
        (Some(false), Some("Der Gutschein wurde noch nicht aktiviert."))
    );

    // An unknown code: HTTP 400 with plain German text is VL_NOT_FOUND, the text verbatim.
    let err = exec(&client, Op::ActivationStatus, json!({"code": "xEADS-HD24-AKS5"})).unwrap_err();
    assert_eq!((err.status(), err.http_status), (VlStatus::VL_NOT_FOUND, Some(400)));
    assert_eq!(err.message, "Der Gutschein ist nicht vorhanden.");
    assert_eq!(err.provider_message.as_deref(), Some("Der Gutschein ist nicht vorhanden."));
}

#[test]
fn a_whole_checkout_against_e_guma_answering_as_in_2014() {
    let mut fixtures = voucherlink_sim::demo_fixtures();
    fixtures["eguma"]["answers"] = json!("recorded-2014");
    let sim = Simulator::start("127.0.0.1:0", &fixtures).unwrap();
    let client = common::eguma_client(&sim);
    let v = exec(&client, Op::Balance, json!({"code": "l4fu-5lqt-kjr3"})).unwrap();
    assert_eq!((v["balance"].as_str(), v["currency"].clone()), (Some("50.00"), Value::Null));
    let r = exec(&client, Op::Redeem, json!({"code": "L4FU5LQTKJR3", "remaining_to_pay": "80.00"})).unwrap();
    assert_eq!((r["amount"].as_str(), r["balance"].as_str()), (Some("50.00"), Some("0.00")));
    let c = exec(
        &client,
        Op::CancelRedemption,
        json!({"code": "L4FU5LQTKJR3", "transaction_id": r["transaction_id"], "amount": "50.00"}),
    )
    .unwrap();
    assert_eq!(c["balance"], "50.00");
    let s = exec(&client, Op::ActivationStatus, json!({"code": "DEP0T0000001"})).unwrap();
    assert_eq!((s["free_amount"].as_bool(), s["amount"].as_str()), (Some(false), Some("100.00")));
    exec(&client, Op::Activate, json!({"code": "DEP0T0000001"})).unwrap();
    // A lost answer is resolved from the balance as before, the token never having existed.
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": "drop_after_commit"})).unwrap();
    let r = exec(&client, Op::Redeem, json!({"code": "2QH3QTDM28N6", "amount": "5.00"})).unwrap();
    assert_eq!(r["balance"], "95.00");
}

/// GonnaOrder's own frontend (0fromaamir/GonnaOrder @ 351e5ca9a18ec16a7a123a29bb83ba6e6e92ce44):
/// `auth.ts` LoginResponse `{userId, username, tokens: {jwt, refreshToken}}`, `token.interceptor.ts`
/// refreshes after a 401 by posting the raw refresh token and reads `{jwt, refreshToken}`;
/// `error.interceptor.ts` reads `{"errors":[{code, message}], "path", "method"}`.
const GONNAORDER: &[Recording] = &[
    Recording {
        source: "0fromaamir/GonnaOrder src/app/auth/auth.ts LoginResponse @ 351e5ca9a18ec16a7a123a29bb83ba6e6e92ce44",
        method: "POST",
        path_end: "/api/v1/auth/login",
        status: 200,
        body: r#"{"userId":5,"username":"pos@store.example","tokens":{"jwt":"jwt-from-login-0001","refreshToken":"refresh-0001"}}"#,
    },
    Recording {
        source: "0fromaamir/GonnaOrder src/app/auth/token.interceptor.ts (token.jwt) @ 351e5ca9a18ec16a7a123a29bb83ba6e6e92ce44",
        method: "POST",
        path_end: "/api/v1/auth/token/refresh",
        status: 200,
        body: r#"{"jwt":"jwt-from-refresh-0002","refreshToken":"refresh-0002"}"#,
    },
];

#[test]
fn gonnaorder_login_refresh_and_error_shapes_of_its_own_frontend() {
    for r in GONNAORDER {
        assert!(r.source.contains(" @ "));
    }
    // The first store call is refused (401) so the library refreshes; the second is refused with
    // the frontend's error envelope.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        let mut store_calls = 0;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some(request) = read_request(&mut stream) else { continue };
            let text = format!("{}\r\n\r\n{}", request.head, String::from_utf8_lossy(&request.body));
            let head = text.lines().next().unwrap_or_default().to_string();
            log.lock().unwrap().push(text.clone());
            let (status, body) = if let Some(r) = GONNAORDER.iter().find(|r| head.contains(r.path_end)) {
                (200, r.body.to_string())
            } else {
                store_calls += 1;
                match store_calls {
                    1 => (401, String::new()),
                    _ => (400, r#"{"errors":[{"code":"CUSTOMER_VOUCHER_ALREADY_CONSUMED","message":"The voucher has already been consumed"}],"path":"/api/v1/stores/155/customer-voucher/validate/order","method":"POST"}"#.to_string()),
                }
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let client = Client::new(
        &json!({"provider": "gonnaorder", "store_id": 155, "username": "pos@store.example", "password": "pw", "base_url": url})
            .to_string(),
    )
    .unwrap();
    let err = exec(&client, Op::Validate, json!({"code": "XYZ", "order_total": "20.00"})).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_REJECTED, "{err:?}");
    assert_eq!(err.provider_code.as_deref(), Some("CUSTOMER_VOUCHER_ALREADY_CONSUMED"));
    assert_eq!(err.message, "The voucher has already been consumed");
    let requests = seen.lock().unwrap().clone();
    let heads: Vec<&str> = requests.iter().map(|r| r.lines().next().unwrap_or_default()).collect();
    assert!(heads[0].contains("/auth/login") && heads[2].contains("/auth/token/refresh"), "{heads:?}");
    assert!(requests[1].contains("Bearer jwt-from-login-0001"), "the login's jwt is used");
    assert!(requests[2].ends_with("refresh-0001"), "the raw refresh token is the body: {}", requests[2]);
    assert!(requests[3].contains("Bearer jwt-from-refresh-0002"), "the refreshed jwt is used");
}

#[test]
fn coupontools_real_clients_form_request_and_dates_instead_of_flags() {
    let mut fixtures = voucherlink_sim::demo_fixtures();
    fixtures["coupontools"]["answers"] = json!("dates");
    let sim = Simulator::start("127.0.0.1:0", &fixtures).unwrap();
    // ias-digital-group/rebens-api ias.Rebens/Integration/CouponToolsHelper.cs (GetCouponData):
    // POST couponsession/data, `application/x-www-form-urlencoded`, body `couponsession=<code>`,
    // headers `X-Client-id` / `X-Client-secret`.
    let mut stream = std::net::TcpStream::connect(sim.root_url().trim_start_matches("http://")).unwrap();
    let body = "couponsession=kkfiznr8Yp8630h82es8d";
    write!(
        stream,
        "POST /coupontools/v3/couponsession/data HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nX-Client-id: ct\r\nX-Client-secret: secret\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let json: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(json["status"]["status"], "OK");
    assert!(
        json["data"]["status"].get("validated").is_none() && json["data"]["status"].get("voided_date_utc").is_some()
    );

    // The library reads validation from the date when there is no flag.
    let client = Client::new(
        &json!({"provider": "coupontools", "client_id": "ct", "client_secret": "secret", "base_url": sim.url("coupontools")})
            .to_string(),
    )
    .unwrap();
    let r = exec(&client, Op::Redeem, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap();
    assert!(r["receipt_lines"].to_string().contains("Used 20"), "{r}");
    let v = exec(&client, Op::Balance, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap();
    assert_eq!((v["status"].as_str(), v["redeemable"].as_bool()), (Some("redeemed"), Some(false)), "{v}");
    // A lost answer is resolved from the date as well.
    let mut fixtures = fixtures.clone();
    fixtures["coupontools"]["sessions"][0]["validated"] = json!(false);
    let sim = Simulator::start("127.0.0.1:0", &fixtures).unwrap();
    let client = Client::new(
        &json!({"provider": "coupontools", "client_id": "ct", "client_secret": "secret", "base_url": sim.url("coupontools")})
            .to_string(),
    )
    .unwrap();
    sim.arm_fault(&json!({"provider": "coupontools", "operation": "redeem", "fault": "drop_after_commit"})).unwrap();
    exec(&client, Op::Redeem, json!({"code": "kkfiznr8Yp8630h82es8d"})).unwrap();
}

#[test]
fn treazure_answering_in_pascal_case_works_end_to_end() {
    let mut fixtures = voucherlink_sim::demo_fixtures();
    fixtures["treazure"]["casing"] = json!("pascal");
    let sim = Simulator::start("127.0.0.1:0", &fixtures).unwrap();
    let client = Client::new(
        &json!({"provider": "treazure", "client_id": "pos", "client_secret": "secret", "base_url": sim.url("treazure")})
            .to_string(),
    )
    .unwrap();
    let v = exec(&client, Op::Balance, json!({"code": "6280001234567890"})).unwrap();
    assert_eq!((v["balance"].as_str(), v["status"].as_str()), (Some("25.00"), Some("active")));
    assert!(v["raw"].get("CardId").is_some(), "raw as Treazure wrote it: {v}");
    let r = exec(&client, Op::Redeem, json!({"code": "6280001234567890", "amount": "5.00"})).unwrap();
    assert_eq!(r["balance"], "20.00");
    exec(&client, Op::CancelRedemption, json!({"code": "6280001234567890", "transaction_id": r["transaction_id"]}))
        .unwrap();
    let h = exec(&client, Op::History, json!({"code": "6280001234567890"})).unwrap();
    assert_eq!(h["entries"].as_array().unwrap().len(), 2, "{h}");
    let err = exec(&client, Op::Balance, json!({"code": "6289999999999999"})).unwrap_err();
    assert_eq!(err.status(), VlStatus::VL_NOT_FOUND);
}
