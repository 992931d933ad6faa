//! `voucherlink doctor --config till.json`: the first-contact check a person on site runs. Each
//! step says ✓ or ✗ with its time and, on ✗, the likely cause and the fix. Never moves money;
//! never shows a secret.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::Value;
use voucherlink::Client;

use crate::output;

mod journal;
mod network;
mod provider;

use journal::journal;
use network::{network, tls, tunnel};
use provider::{authenticate, look_up};

/// `voucherlink doctor` arguments.
#[derive(Args)]
pub struct DoctorArgs {
    /// The till's configuration: a file holding the JSON of vl_client_new.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// A real voucher code to look up at the end (read only).
    #[arg(long)]
    code: Option<String>,
}

/// The report so far: the first failure's exit code.
struct Steps {
    failed: Option<u8>,
}

impl Steps {
    fn ok(&self, step: &str, took: Duration, detail: &str) {
        println!("✓ {step:<15} {:>5} ms  {detail}", took.as_millis());
    }

    fn warn(&self, step: &str, detail: &str) {
        println!("! {step:<15}           {detail}");
    }

    fn fail(&mut self, step: &str, took: Duration, what: &str, cause: &str, fix: &str, code: u8) {
        println!("✗ {step:<15} {:>5} ms  {what}", took.as_millis());
        if !cause.is_empty() {
            println!("    likely cause: {cause}");
        }
        if !fix.is_empty() {
            println!("    fix: {fix}");
        }
        self.failed.get_or_insert(code);
    }

    fn skip(&self, step: &str) {
        println!("- {step:<15}           skipped (an earlier step failed)");
    }
}

/// Where the till connects: the provider, or its proxy first.
struct Target {
    scheme: String,
    host: String,
    port: u16,
}

fn target_of(url: &str) -> Option<Target> {
    let uri: ureq::http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']').to_string();
    let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
    Some(Target { scheme, host, port })
}

/// Runs the checks; the exit code is 0 when every step passed, else the first failure's status.
pub fn run(args: &DoctorArgs) -> u8 {
    let mut steps = Steps { failed: None };
    println!("voucherlink {} doctor — {}", voucherlink::VERSION, args.config.display());

    // 1. The configuration, as vl_client_new reads it (without its journal: the POS may hold it).
    let started = Instant::now();
    let config = match output::read_config(&args.config) {
        Ok(c) => c,
        Err(e) => {
            steps.fail(
                "configuration",
                started.elapsed(),
                &e,
                "",
                "the file must hold the JSON object of vl_client_new",
                2,
            );
            return 2;
        }
    };
    let journal_path = config["journal_path"].as_str().map(PathBuf::from);
    let mut probe_config = config.clone();
    if let Some(map) = probe_config.as_object_mut() {
        map.remove("journal_path");
    }
    let client = match Client::new(&probe_config.to_string()) {
        Ok(c) => c,
        Err(e) => {
            steps.fail("configuration", started.elapsed(), &e.message, "", "fix the key the message names", 2);
            journal(&mut steps, journal_path.as_ref());
            return 2;
        }
    };
    let description = client.describe();
    let several = description["providers"].is_array();
    let accounts: Vec<Value> = match description["providers"].as_array() {
        Some(list) => list.clone(),
        None => vec![description.clone()],
    };
    for (index, account) in accounts.iter().enumerate() {
        let id = account["provider"].as_str().unwrap_or_default();
        // The entry's own proxy and CA file (with the proxy's credentials), else the top level's.
        let entry = if several { &config["providers"][index] } else { &config };
        let key = |name: &str| entry.get(name).or_else(|| config.get(name)).and_then(Value::as_str).map(str::to_string);
        if several {
            println!("— {id} (providers[{index}])");
        }
        let started = if index == 0 { started } else { Instant::now() };
        check_account(&mut steps, &client, account, key("proxy"), key("ca_file"), several, started);
    }

    // 7. A real code, looked up as the till would (read only).
    if let Some(code) = args.code.as_deref() {
        match steps.failed {
            None => look_up(&mut steps, &client, &accounts, code, several),
            Some(_) => steps.skip("read"),
        }
    } else {
        println!("  (give --code <a real voucher> to look one up)");
    }

    // 8. The journal.
    journal(&mut steps, journal_path.as_ref());
    match steps.failed {
        None => {
            println!("all checks passed");
            0
        }
        Some(code) => code,
    }
}

/// The checks of one provider account: its configuration, the way to it (DNS, TCP, proxy, TLS),
/// and the credentials, through the library itself.
fn check_account(
    steps: &mut Steps,
    client: &Client,
    account: &Value,
    proxy_url: Option<String>,
    ca_file: Option<String>,
    several: bool,
    started: Instant,
) {
    let settings = &account["settings"];
    let id = account["provider"].as_str().unwrap_or_default();
    let base_url = settings["base_url"].as_str().unwrap_or_default().to_string();
    steps.ok(
        "configuration",
        started.elapsed(),
        &format!(
            "{id} at {base_url}, timeout {} ms, language {}",
            settings["timeout_ms"],
            settings["language"].as_str().unwrap_or("en")
        ),
    );
    let connect_timeout = Duration::from_millis(settings["connect_timeout_ms"].as_u64().unwrap_or(5000));
    let Some(provider) = target_of(&base_url) else {
        steps.fail(
            "configuration",
            Duration::ZERO,
            "base_url has no host",
            "",
            "set base_url to the provider's URL",
            2,
        );
        return;
    };
    let proxy = proxy_url.as_deref().and_then(target_of);
    let first_hop = proxy.as_ref().unwrap_or(&provider);

    // 2. DNS, 3. TCP, 4. proxy, 5. TLS.
    let connected = network(steps, first_hop, proxy.is_some(), connect_timeout)
        .and_then(|stream| match (&proxy, proxy_url.as_deref()) {
            (Some(_), Some(url)) => tunnel(steps, stream, url, &provider, connect_timeout),
            _ => Some(stream),
        })
        .and_then(|stream| {
            if provider.scheme == "https" {
                tls(steps, stream, &provider, ca_file.as_deref().map(std::path::Path::new), connect_timeout)
            } else {
                steps.warn("TLS", "plain http:// (a simulator or a test account); production providers use https");
                Some(())
            }
        });

    // 6. Authentication and a read-only call, through the library itself.
    if connected.is_some() {
        authenticate(steps, client, account, several);
    } else {
        steps.skip("authentication");
    }
}
