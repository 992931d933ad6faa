//! The C test (tests/c/abi_test.c): compiled with the system C compiler against the header and
//! the built library, run against the simulator.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Builds the C test once per test run.
fn c_test() -> &'static PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let exe = common::scratch("c-test").join("abi_test");
        let source = common::repo().join("tests/c/abi_test.c");
        common::compile(
            "CC",
            "cc",
            &["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-D_POSIX_C_SOURCE=200809L"],
            &[&source],
            &exe,
        );
        exe
    })
}

fn run_c(base_url: &str, phase: &str) -> String {
    run_c_with(base_url, phase, &[])
}

fn run_c_with(base_url: &str, phase: &str, args: &[&str]) -> String {
    let out = Command::new(c_test()).arg(base_url).arg(phase).args(args).output().expect("the C test runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "the C test ({phase}) failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn every_bad_input_is_refused_from_c_and_nothing_is_sent() {
    let sim = common::simulator();
    let before = sim.state();
    let output = run_c(&sim.url("eguma"), "bad-inputs");
    assert!(output.contains("0 failure(s)"), "{output}");
    assert!(output.lines().filter(|l| l.starts_with("ok ")).count() >= 30, "{output}");
    assert_eq!(sim.total_requests(), 0, "a refused request reached the provider");
    assert_eq!(sim.state(), before);
}

#[test]
fn the_whole_eguma_checkout_works_from_c() {
    let sim = common::simulator();
    let output = run_c(&sim.url("eguma"), "flow");
    assert!(output.contains("0 failure(s)"), "{output}");
    // What the simulator holds afterwards agrees with what C was told.
    let state = sim.state();
    let voucher =
        |code: &str| state["eguma"]["vouchers"].as_array().unwrap().iter().find(|v| v["code"] == code).cloned();
    assert_eq!(voucher("L4FU5LQTKJR3").unwrap()["balance"], "50.00");
    assert_eq!(voucher("DEP0T0000002").unwrap()["balance"], "25.00");
    assert!(voucher("DEP0T0000001").is_none(), "deactivated depot voucher is back on the stack");
    let redemption = &state["eguma"]["redemptions"][0];
    assert_eq!((redemption["amount"].as_str(), redemption["cancelled"].as_str()), (Some("50.00"), Some("50.00")));
    let reference = redemption["reference_number"].as_str().unwrap();
    assert!(reference.starts_with("R-1001 [vl-"), "our transaction reference reaches e-guma: {reference}");
}

#[test]
fn treazure_gift_cards_work_from_c() {
    let sim = common::simulator();
    let output = run_c(&sim.url("treazure"), "treazure");
    assert!(output.contains("0 failure(s)"), "{output}");
    let state = sim.state();
    let card =
        |id: &str| state["treazure"]["cards"].as_array().unwrap().iter().find(|c| c["card_id"] == id).cloned().unwrap();
    assert_eq!(card("6280001234567890")["balance"], "25.00", "redeemed and cancelled");
    assert_eq!(card("6280001111111111")["status"], "created", "sold and cancelled");
    assert_eq!(state["treazure"]["tokens_issued"], 1, "one token for the whole run");
}

#[test]
fn gonnaorder_vouchers_work_from_c() {
    let sim = common::simulator();
    let output = run_c(&sim.url("gonnaorder"), "gonnaorder");
    assert!(output.contains("0 failure(s)"), "{output}");
    let state = &sim.state()["gonnaorder"];
    assert_eq!(state["orders"][0]["external_order_id"], "C-1");
    assert_eq!(state["logins"], 1);
}

#[test]
fn coupontools_coupons_work_from_c() {
    let sim = common::simulator();
    let output = run_c(&sim.url("coupontools"), "coupontools");
    assert!(output.contains("0 failure(s)"), "{output}");
    let session = &sim.state()["coupontools"]["sessions"][0];
    assert_eq!((session["validated"].as_bool(), session["money_spent"].as_str()), (Some(true), Some("42.500")));
}

#[test]
fn a_journal_file_works_from_c_and_belongs_to_one_process() {
    let sim = common::simulator();
    let url = sim.url("eguma");
    let path = common::scratch("c-journal").join("journal.jsonl");
    let _ = std::fs::remove_file(&path);
    let path = path.to_str().unwrap();
    let output = run_c_with(&url, "journal", &[path]);
    assert!(output.contains("0 failure(s)"), "{output}");

    // While one process holds the journal, another is refused.
    let mut holder = Command::new(c_test())
        .args([url.as_str(), "journal-hold", path])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the C test runs");
    let mut lines = BufReader::new(holder.stdout.take().unwrap()).lines();
    let held = lines.by_ref().map_while(Result::ok).find(|l| l == "holding");
    assert!(held.is_some(), "the holder did not open the journal");
    let output = run_c_with(&url, "journal-busy", &[path]);
    assert!(output.contains("0 failure(s)"), "{output}");
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    // Released: it opens again.
    let output = run_c_with(&url, "journal", &[path]);
    assert!(output.contains("0 failure(s)"), "{output}");
}

#[test]
fn tls_with_ca_file_works_from_c_and_an_unknown_ca_is_refused() {
    let sim = voucherlink_sim::Simulator::start_tls("127.0.0.1:0", &voucherlink_sim::demo_fixtures(), &["127.0.0.1"])
        .expect("simulator starts");
    let ca = common::scratch("c-tls").join("ca.pem");
    std::fs::write(&ca, sim.ca_pem().unwrap()).unwrap();
    let url = sim.url("eguma");
    let output = run_c(&url, "tls-refused");
    assert!(output.contains("0 failure(s)"), "{output}");
    let output = run_c_with(&url, "tls", &[ca.to_str().unwrap()]);
    assert!(output.contains("0 failure(s)"), "{output}");
    // Trusting a CA through one client's ca_file trusts it nowhere else.
    let output = run_c(&url, "tls-refused");
    assert!(output.contains("0 failure(s)"), "{output}");
    assert_eq!(sim.requests("eguma", "balance"), 1, "only the trusted client's request arrived");
}
