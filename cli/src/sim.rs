//! `voucherlink sim`: the provider simulator as a process.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

/// `voucherlink sim` arguments.
#[derive(Args)]
pub struct SimArgs {
    /// Where to listen; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDRESS:PORT")]
    listen: String,
    /// The fixtures (providers' accounts, vouchers, cards, sessions) as JSON; default: the
    /// built-in demo data (docs/simulator.md).
    #[arg(long, value_name = "FILE")]
    fixtures: Option<PathBuf>,
    /// Serve HTTPS with a certificate for 127.0.0.1 and localhost, signed by a throwaway CA
    /// written to a file: the ready line's `ca_file`, for a client's `ca_file` setting.
    #[arg(long)]
    tls: bool,
}

/// Serves until killed; prints the ready line (the base URL of each provider) first.
pub fn run(args: &SimArgs) -> u8 {
    let fixtures = match &args.fixtures {
        None => voucherlink_sim::demo_fixtures(),
        Some(path) => {
            let loaded = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|text| {
                    serde_json::from_str(&text).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))
                });
            match loaded {
                Ok(v) => v,
                Err(e) => return fail(&e),
            }
        }
    };
    let started = if args.tls {
        voucherlink_sim::Simulator::start_tls(&args.listen, &fixtures, &["127.0.0.1", "localhost"])
    } else {
        voucherlink_sim::Simulator::start(&args.listen, &fixtures)
    };
    let simulator = match started {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let mut ready = simulator.ready_line();
    if let Some(ca_pem) = simulator.ca_pem() {
        let port = simulator.root_url().rsplit(':').next().unwrap_or_default().to_string();
        let path = std::env::temp_dir().join(format!("voucherlink-sim-{port}-ca.pem"));
        if let Err(e) = std::fs::write(&path, ca_pem) {
            return fail(&format!("cannot write {}: {e}", path.display()));
        }
        ready["ca_file"] = serde_json::Value::String(path.display().to_string());
    }
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{ready}").and_then(|_| out.flush()).is_err() {
        return 1;
    }
    drop(out);
    loop {
        std::thread::park();
    }
}

fn fail(message: &str) -> u8 {
    eprintln!("voucherlink sim: {message}");
    1
}
