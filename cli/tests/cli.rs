//! The `voucherlink` command as a support engineer uses it: operations, `doctor`, `--trace` and
//! the journal tools, against the simulator, as separate processes.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};
use voucherlink_sim::Simulator;

fn voucherlink() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_voucherlink"));
    command.stdin(Stdio::null());
    command
}

fn run(args: &[&str]) -> Output {
    voucherlink().args(args).output().expect("the voucherlink command runs")
}

/// A confirmed redeem.
fn redeem(config: &str, code: &str, amount: &str, reference: &str) -> Output {
    run(&["redeem", "--config", config, "--code", code, "--amount", amount, "--yes", "--reference", reference])
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

fn write_config(dir: &Path, name: &str, config: &Value) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

fn scratch(name: &str) -> PathBuf {
    let dir = common::scratch(&format!("cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn eguma(sim: &Simulator, journal: Option<&Path>) -> Value {
    let mut config = json!({"provider": "eguma", "api_key": "demo-outlet-1", "base_url": sim.url("eguma"), "pos_id": "KASSE-7", "timeout_ms": 4000});
    if let Some(path) = journal {
        config["journal_path"] = json!(path);
    }
    config
}

#[test]
fn operations_print_a_summary_or_the_document_and_exit_with_the_status() {
    let sim = common::simulator();
    let dir = scratch("operations");
    let config = write_config(&dir, "till.json", &eguma(&sim, None));
    let config = config.to_str().unwrap();

    let out = run(&["balance", "--config", config, "--code", "L4FU-5LQT-KJR3"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("balance          50.00") && text(&out).contains("| e-guma voucher L4FU5LQTKJR3"),
        "{}",
        text(&out)
    );

    let out = run(&["balance", "--config", config, "--code", "L4FU5LQTKJR3", "--language", "de", "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("{\"ok\":true,\"data\":"),
        "the document of the C API, ok first"
    );
    assert_eq!(doc["data"]["receipt_lines"][1], "Restguthaben CHF 50.00");

    // Money moves only when confirmed: without a terminal, --yes is needed; nothing is sent.
    let out = run(&["redeem", "--config", config, "--code", "L4FU5LQTKJR3", "--amount", "5.00"]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains("add --yes"), "{}", text(&out));
    assert_eq!(sim.requests("eguma", "redeem"), 0, "nothing was sent");
    let out = redeem(config, "L4FU5LQTKJR3", "5.00", "R-5");
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("| Redeemed CHF 5.00"), "{}", text(&out));

    // The exit code is the status; the message and the provider's text are shown.
    let out = run(&["redeem", "--config", config, "--code", "USED00000001", "--amount", "1.00", "--yes"]);
    assert_eq!(code(&out), 5, "{}", text(&out));
    assert!(text(&out).contains("✗ rejected (5): Der Gutschein wurde bereits eingelöst."), "{}", text(&out));
    let out = run(&["issue", "--config", config, "--amount", "5.00", "--yes"]);
    assert_eq!(code(&out), 3, "{}", text(&out));
    let out = run(&["redeem", "--config", config, "--request", r#"{"code":"L4FU5LQTKJR3","amount":"1.005"}"#, "--yes"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("`amount`"), "{}", text(&out));
}

#[test]
fn bad_arguments_are_named_and_exit_2() {
    for (args, named) in [
        (vec!["balance", "--config", "x.json", "--cod", "X"], "--cod"),
        (vec!["sim", "--bogus"], "--bogus"),
        (vec!["journal", "recover", "--outcome", "done", "--config", "x.json"], "<ID>"),
        (vec!["balance", "--code", "X"], "--config"),
        (vec!["frobnicate"], "frobnicate"),
    ] {
        let out = run(&args);
        assert_eq!(code(&out), 2, "{args:?}: {}", text(&out));
        assert!(text(&out).contains(named), "{args:?} must name {named}: {}", text(&out));
    }
    let out = run(&["balance", "--config", "/nonexistent/till.json", "--code", "X"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out).contains("/nonexistent/till.json"), "{}", text(&out));
    for sub in ["doctor", "journal", "balance", "redeem", "sim", "demo"] {
        let out = run(&[sub, "--help"]);
        assert_eq!(code(&out), 0, "{sub} --help");
        assert!(text(&out).contains("Usage: voucherlink"), "{sub}: {}", text(&out));
    }
}

#[test]
fn trace_shows_every_exchange_without_secrets_or_codes() {
    let sim = common::simulator();
    let dir = scratch("trace");
    let secrets = ["demo-outlet-1", "s3cr3t-treazure", "pw-gonna-0rder", "ct-s3cret-key", "8391"];
    let fixtures_sim = Simulator::start("127.0.0.1:0", &{
        let mut f = voucherlink_sim::demo_fixtures();
        f["treazure"]["clients"] =
            json!([{"client_id": "pos", "client_secret": "s3cr3t-treazure", "scopes": ["api_switch"]}]);
        f["gonnaorder"]["users"] = json!([{"username": "pos@store.example", "password": "pw-gonna-0rder"}]);
        f["coupontools"]["clients"] = json!([{"client_id": "ct", "client_secret": "ct-s3cret-key"}]);
        f
    })
    .unwrap();
    let runs: Vec<(Value, Vec<&str>)> = vec![
        (eguma(&sim, None), vec!["balance", "--code", "SHORT1"]),
        (
            json!({"provider": "treazure", "client_id": "pos", "client_secret": "s3cr3t-treazure", "base_url": fixtures_sim.url("treazure")}),
            vec!["balance", "--serial-number", "100200", "--scratch-code", "8391"],
        ),
        (
            json!({"provider": "gonnaorder", "store_id": 155, "username": "pos@store.example", "password": "pw-gonna-0rder", "base_url": fixtures_sim.url("gonnaorder")}),
            vec!["validate", "--code", "PCT10", "--order-total", "19.95"],
        ),
        (
            json!({"provider": "coupontools", "client_id": "ct", "client_secret": "ct-s3cret-key", "base_url": fixtures_sim.url("coupontools")}),
            vec!["lock", "--code", "kkfiznr8Yp8630h82es8d"],
        ),
    ];
    for (i, (config, args)) in runs.into_iter().enumerate() {
        let path = write_config(&dir, &format!("till-{i}.json"), &config);
        let mut all = vec!["--trace"];
        all.extend(&args);
        all.extend(["--config", path.to_str().unwrap()]);
        let out = run(&all);
        assert_eq!(code(&out), 0, "{args:?}: {}", text(&out));
        let trace = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(trace.contains("> ") && trace.contains("< HTTP 200 in "), "{args:?}: the exchange is shown:\n{trace}");
        for secret in secrets {
            assert!(!trace.contains(secret), "{args:?}: {secret} in the trace:\n{trace}");
        }
        for code in ["L4FU5LQTKJR3", "SHORT1", "6280001234567890", "100200", "PCT10", "kkfiznr8Yp8630h82es8d"] {
            assert!(!trace.contains(code), "{args:?}: the code {code} unmasked in the trace:\n{trace}");
        }
        if i == 1 {
            assert!(
                trace.contains(r#""access_token":"[redacted]""#) && trace.contains("authorization: Bearer [redacted]"),
                "{trace}"
            );
        }
    }
}

#[test]
fn doctor_walks_the_way_to_the_provider_and_names_what_fails() {
    let sim = common::simulator();
    let dir = scratch("doctor");
    let journal = dir.join("journal.jsonl");
    let ok = write_config(&dir, "ok.json", &eguma(&sim, Some(&journal)));
    let out = run(&["doctor", "--config", ok.to_str().unwrap(), "--code", "L4FU5LQTKJR3"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    for step in
        ["✓ configuration", "✓ DNS", "✓ TCP connect", "✓ authentication", "✓ read", "✓ journal", "all checks passed"]
    {
        assert!(text(&out).contains(step), "{step}:\n{}", text(&out));
    }
    assert!(!text(&out).contains("demo-outlet-1"), "no secret shown");

    let tls = Simulator::start_tls("127.0.0.1:0", &voucherlink_sim::demo_fixtures(), &["127.0.0.1"]).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, tls.ca_pem().unwrap()).unwrap();
    let trusted = write_config(
        &dir,
        "tls.json",
        &json!({"provider": "eguma", "api_key": "demo-outlet-1", "base_url": tls.url("eguma"), "ca_file": ca_file}),
    );
    let out = run(&["doctor", "--config", trusted.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("✓ TLS") && text(&out).contains("issued by voucherlink simulator CA"),
        "{}",
        text(&out)
    );
    let untrusted = write_config(
        &dir,
        "tls-untrusted.json",
        &json!({"provider": "eguma", "api_key": "demo-outlet-1", "base_url": tls.url("eguma")}),
    );
    let out = run(&["doctor", "--config", untrusted.to_str().unwrap()]);
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert!(
        text(&out).contains("✗ TLS") && text(&out).contains("UnknownIssuer") && text(&out).contains("ca_file"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("- authentication"), "later steps are skipped: {}", text(&out));

    let wrong_password = write_config(
        &dir,
        "password.json",
        &json!({"provider": "gonnaorder", "store_id": 155, "username": "pos@store.example", "password": "not-the-password", "base_url": sim.url("gonnaorder")}),
    );
    let out = run(&["doctor", "--config", wrong_password.to_str().unwrap()]);
    assert_eq!(code(&out), 6, "{}", text(&out));
    assert!(text(&out).contains("✗ authentication") && !text(&out).contains("not-the-password"), "{}", text(&out));

    let closed = write_config(
        &dir,
        "closed.json",
        &json!({"provider": "eguma", "api_key": "k", "base_url": "http://127.0.0.1:1/eguma"}),
    );
    let out = run(&["doctor", "--config", closed.to_str().unwrap()]);
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert!(text(&out).contains("✗ TCP connect") && text(&out).contains("nothing listens on port 1"), "{}", text(&out));

    let unknown_host = write_config(
        &dir,
        "dns.json",
        &json!({"provider": "eguma", "api_key": "k", "base_url": "https://voucherlink-no-such-host.invalid"}),
    );
    let out = run(&["doctor", "--config", unknown_host.to_str().unwrap()]);
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert!(text(&out).contains("✗ DNS") && text(&out).contains("does not resolve"), "{}", text(&out));

    let bad = write_config(&dir, "bad.json", &json!({"provider": "eguma", "api_key": "k", "langauge": "de"}));
    let out = run(&["doctor", "--config", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains("✗ configuration") && text(&out).contains("`langauge`"), "{}", text(&out));
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_journal_tools_work_while_the_pos_holds_the_journal() {
    let sim = common::simulator();
    let dir = scratch("journal");
    let journal = dir.join("journal.jsonl");
    let config = write_config(&dir, "till.json", &eguma(&sim, Some(&journal)));
    let config = config.to_str().unwrap();
    let journal_arg = journal.to_str().unwrap();

    // A till process redeems; e-guma applies it and answers only after 20 s: the till holds the journal.
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": {"delay_ms": 20_000}})).unwrap();
    let till = Killed(
        voucherlink()
            .args([
                "redeem",
                "--config",
                config,
                "--code",
                "2QH3QTDM28N6",
                "--amount",
                "12.50",
                "--reference",
                "R-77",
                "--yes",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    common::wait_until("the till journaled the redeem", || {
        text(&run(&["journal", "list", "--journal", journal_arg])).contains("sending")
    });

    let out = run(&["journal", "list", "--config", config, "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = &listed["entries"][0];
    assert_eq!(
        (entry["state"].as_str(), entry["amount"].as_str(), entry["reference"].as_str()),
        (Some("sending"), Some("12.50"), Some("R-77"))
    );
    let id = entry["journal_id"].as_str().unwrap().to_string();
    let out = run(&["journal", "show", &id, "--journal", journal_arg]);
    assert!(code(&out) == 0 && text(&out).contains("2QH3QTDM28N6") && text(&out).contains("R-77"), "{}", text(&out));
    let out = run(&["journal", "report", "--journal", journal_arg]);
    assert!(code(&out) == 0 && text(&out).contains("Still open (in doubt or queued): 1"), "{}", text(&out));

    // Recovering needs the journal itself: the running till holds it, and the command says so.
    let out = run(&["journal", "recover", "--config", config]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("in use by another process") && text(&out).contains("the POS probably holds the journal"),
        "{}",
        text(&out)
    );

    // The till dies; the journal is free; recovery finds the redeem went through.
    drop(till);
    let out = run(&["journal", "recover", "--config", config, "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let recovered: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(recovered["data"]["resolved"][0]["state"], "done", "{recovered}");

    // An answer lost without effect: in doubt; settled by hand after a look at the back office.
    sim.clear_faults();
    sim.arm_fault(&json!({"provider": "eguma", "operation": "redeem", "fault": "drop_before_commit"})).unwrap();
    let out = redeem(config, "L4FU5LQTKJR3", "3.00", "R-78");
    assert_eq!(code(&out), 8, "{}", text(&out));
    assert!(text(&out).contains("journal entry: vl-"), "{}", text(&out));
    let open: Value =
        serde_json::from_slice(&run(&["journal", "list", "--journal", journal_arg, "--json"]).stdout).unwrap();
    let doubt = open["entries"][0]["journal_id"].as_str().unwrap().to_string();
    let out = run(&["journal", "recover", &doubt, "--outcome", "failed", "--config", config]);
    assert_eq!(code(&out), 2, "settling by hand needs --yes without a terminal: {}", text(&out));
    let out = run(&["journal", "recover", &doubt, "--outcome", "failed", "--config", config, "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));

    let out = run(&["journal", "report", "--journal", journal_arg, "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let group = &report["groups"][0];
    assert_eq!(
        (group["provider"].as_str(), group["operation"].as_str(), group["currency"].as_str()),
        (Some("eguma"), Some("redeem"), Some("CHF"))
    );
    assert_eq!(group["done"], json!({"count": 1, "total": "12.50"}), "{report}");
    assert_eq!(group["failed"], json!({"count": 1, "total": "3.00"}), "{report}");
    assert_eq!(report["settled_by_hand"][0]["journal_id"], doubt.as_str(), "{report}");
    assert_eq!(report["open"], json!([]));
    let out = run(&["journal", "report", "--journal", journal_arg, "--day", "2001-01-01"]);
    assert!(text(&out).contains("none"), "another day has nothing: {}", text(&out));
}

#[test]
fn one_till_configuration_with_every_provider_from_the_command_line() {
    let sim = common::simulator();
    let dir = scratch("till");
    let config = write_config(&dir, "till.json", &common::till_config(&sim));
    let config = config.to_str().unwrap();

    // The code finds its provider; the summary says which.
    for (code, provider) in [("L4FU-5LQT-KJR3", "eguma"), ("6280001234567890", "treazure")] {
        let out = run(&["balance", "--config", config, "--code", code]);
        assert_eq!(self::code(&out), 0, "{}", text(&out));
        assert!(text(&out).contains(&format!("provider         {provider}")), "{code}: {}", text(&out));
    }
    // A money move on a code several providers could own, not looked up: refused, candidates named.
    let out = run(&["redeem", "--config", config, "--code", "2QH3QTDM28N6", "--amount", "1.00", "--yes"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("look it up first"), "{}", text(&out));
    // Named, it goes; the confirmation names where.
    let out = run(&["redeem", "--config", config, "--code", "2QH3QTDM28N6", "--amount", "1.00", "--provider", "eguma"]);
    assert!(text(&out).contains("redeem at eguma (http://"), "{}", text(&out));
    let out = run(&[
        "redeem",
        "--config",
        config,
        "--code",
        "2QH3QTDM28N6",
        "--amount",
        "1.00",
        "--provider",
        "eguma",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(sim.requests("eguma", "redeem"), 1);

    // The doctor checks every entry, then looks the code up as the till would.
    let out = run(&["doctor", "--config", config, "--code", "6280001234567890"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    for provider in ["coupontools", "eguma", "treazure", "gonnaorder"] {
        assert!(text(&out).contains(&format!("— {provider} (providers[")), "{provider}: {}", text(&out));
    }
    assert_eq!(text(&out).matches("✓ authentication").count(), 4, "{}", text(&out));
    assert!(text(&out).contains("✓ read") && text(&out).contains("provider=treazure"), "{}", text(&out));
}
