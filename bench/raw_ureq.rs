//! Benchmark B: the floor. The same HTTP requests the library makes for `vl_balance` and for a
//! `vl_redeem` + `vl_cancel_redemption` pair (a balance read before each), from a raw keep-alive
//! ureq agent, with the answers parsed as JSON, and no voucherlink code.
//!   cargo run --release --example raw_ureq -- seq <eguma_url> <n>
//!   cargo run --release --example raw_ureq -- threads <eguma_url> <n> <threads>
//!   cargo run --release --example raw_ureq -- balance|pairs <eguma_url> <n>   (untimed, for callgrind)
//! Prints one JSON object like bench/abi_bench.c.
//!
//! By default the agent has no overall timeout: that is the fastest ureq goes, the true floor.
//! With `RAW_UREQ_DEADLINE=1` it sets `timeout_global` the way a careful integrator would; stock
//! ureq then resolves every host name on a new thread (so the call can be abandoned), which is the
//! cost voucherlink's own resolver avoids.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn agent() -> ureq::Agent {
    let deadline = std::env::var_os("RAW_UREQ_DEADLINE").is_some_and(|v| v == "1");
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_global(deadline.then(|| Duration::from_secs(15)))
        .max_idle_connections_per_host(16)
        .build()
        .new_agent()
}

fn get(agent: &ureq::Agent, url: &str) -> Value {
    let mut r = agent.get(url).call().expect("GET");
    serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap()
}

fn post(agent: &ureq::Agent, url: &str, body: Value) -> Value {
    let mut r = agent.post(url).header("content-type", "application/json").send(body.to_string()).expect("POST");
    serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap()
}

fn stats(name: &str, lat: &mut [f64], seconds: f64) -> String {
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = lat.len();
    format!(
        r#""{name}":{{"n":{n},"seconds":{seconds:.4},"per_s":{:.1},"p50_us":{:.1},"p99_us":{:.1}}}"#,
        n as f64 / seconds,
        lat[n / 2],
        lat[n * 99 / 100]
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, base, n) = (&args[1], &args[2], args[3].parse::<usize>().unwrap());
    let key = "?apikey=demo-outlet-1";
    let balance_url = format!("{base}/v1/vouchers/L4FU5LQTKJR3/balance.json{key}");
    let voucher = format!("{base}/v1/vouchers/2QH3QTDM28N6");
    let agent = agent();
    let balance = |agent: &ureq::Agent| {
        let v = get(agent, &balance_url);
        assert!(v["is_redeemable"].is_boolean());
    };
    let pair = |agent: &ureq::Agent, i: usize| {
        get(agent, &format!("{voucher}/balance.json{key}"));
        let body = json!({"amount_in_cents": 100, "reference_number": format!("raw-{i}")});
        let r = post(agent, &format!("{voucher}/redeem.json{key}"), body);
        get(agent, &format!("{voucher}/balance.json{key}"));
        let body = json!({"redeem_token": r["redeem_token"], "amount_in_cents": 100});
        post(agent, &format!("{voucher}/cancel_redemption.json{key}"), body);
    };
    let micros = |t: Instant| t.elapsed().as_secs_f64() * 1e6;
    match mode.as_str() {
        "seq" => {
            for _ in 0..20 {
                balance(&agent);
            }
            let mut lat = Vec::with_capacity(n);
            let t0 = Instant::now();
            for _ in 0..n {
                let t = Instant::now();
                balance(&agent);
                lat.push(micros(t));
            }
            let a = stats("balance", &mut lat, t0.elapsed().as_secs_f64());
            lat.clear();
            let t0 = Instant::now();
            for i in 0..n {
                let t = Instant::now();
                pair(&agent, i);
                lat.push(micros(t));
            }
            let b = stats("redeem_cancel", &mut lat, t0.elapsed().as_secs_f64());
            println!("{{{a},{b}}}");
        }
        "threads" => {
            let threads: usize = args[4].parse().unwrap();
            let t0 = Instant::now();
            let mut all: Vec<f64> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        s.spawn(|| {
                            (0..n / threads)
                                .map(|_| {
                                    let t = Instant::now();
                                    balance(&agent);
                                    micros(t)
                                })
                                .collect::<Vec<f64>>()
                        })
                    })
                    .collect();
                handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
            });
            println!("{{{}}}", stats("balance_threads", &mut all, t0.elapsed().as_secs_f64()));
        }
        "balance" | "pairs" => {
            for i in 0..n {
                if mode == "pairs" { pair(&agent, i) } else { balance(&agent) }
            }
            println!(r#"{{"calls":{n}}}"#);
        }
        _ => panic!("mode: seq | threads | balance | pairs"),
    }
}
