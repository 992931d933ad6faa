//! `voucherlink sim` (the provider simulator) and `voucherlink demo` (a checkout against it).

use std::io::Write;
use std::process::ExitCode;

mod demo;

const USAGE: &str = "\
voucherlink — vouchers, gift cards and coupons for point-of-sale systems

USAGE:
    voucherlink sim [--listen 127.0.0.1:PORT] [--fixtures FILE.json] [--tls]
        Serves the provider simulator until killed. Port 0 (the default) picks a free port.
        Prints one line of JSON with the base URL of each provider when ready.
        Without --fixtures it loads the built-in demo data (see README).
        --tls serves HTTPS with a certificate for 127.0.0.1 and localhost, signed by a
        throwaway CA written to a file: the ready line's ca_file, for a client's ca_file setting.
    voucherlink demo
        Starts the simulator in-process and runs a complete checkout through the C ABI.
    voucherlink version
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("sim") => sim(&args[1..]),
        Some("demo") if args.len() == 1 => demo::run(),
        Some("version" | "--version" | "-V") => {
            println!("voucherlink {}", voucherlink::VERSION);
            ExitCode::SUCCESS
        }
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn sim(args: &[String]) -> ExitCode {
    let mut listen = "127.0.0.1:0".to_string();
    let mut fixtures = voucherlink_sim::demo_fixtures();
    let mut tls = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--tls" {
            tls = true;
            continue;
        }
        let value = rest.next();
        match (arg.as_str(), value) {
            ("--listen", Some(v)) => listen = v.clone(),
            ("--fixtures", Some(path)) => {
                let loaded = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {path}: {e}"))
                    .and_then(|text| serde_json::from_str(&text).map_err(|e| format!("{path} is not valid JSON: {e}")));
                match loaded {
                    Ok(v) => fixtures = v,
                    Err(e) => return fail(&e),
                }
            }
            _ => {
                eprint!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let started = if tls {
        voucherlink_sim::Simulator::start_tls(&listen, &fixtures, &["127.0.0.1", "localhost"])
    } else {
        voucherlink_sim::Simulator::start(&listen, &fixtures)
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
        return ExitCode::FAILURE;
    }
    drop(out);
    loop {
        std::thread::park();
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("voucherlink: {message}");
    ExitCode::FAILURE
}
