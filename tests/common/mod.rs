//! Helpers shared by the integration tests: the simulator, clients, and the C toolchain.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use voucherlink::{Client, Operation, VlStatus};
use voucherlink_sim::Simulator;

/// A simulator with the built-in demo data on a free loopback port.
pub fn simulator() -> Simulator {
    Simulator::start("127.0.0.1:0", &voucherlink_sim::demo_fixtures()).expect("simulator starts")
}

/// The configuration of an e-guma client of the demo outlet against `sim`.
pub fn eguma_config(sim: &Simulator) -> Value {
    json!({ "provider": "eguma", "api_key": "demo-outlet-1", "base_url": sim.url("eguma"), "timeout_ms": 5000 })
}

/// An e-guma client against `sim`.
pub fn eguma_client(sim: &Simulator) -> Client {
    Client::new(&eguma_config(sim).to_string()).expect("client")
}

/// The entry of `provider` for a client against `sim`, with the demo credentials (from the
/// provider's simulator slot).
pub fn entry(sim: &Simulator, provider: &str) -> Value {
    sim.demo_entry(provider)
}

/// The configuration of one till accepting all four providers of `sim` (docs/api.md §10), as the
/// contract's example orders them: Coupontools, e-guma, Treazure (with its card range as a
/// `codes` rule), GonnaOrder.
pub fn till_config(sim: &Simulator) -> Value {
    let mut treazure = entry(sim, "treazure");
    treazure["codes"] = json!({ "prefixes": ["628"], "lengths": [16, 19] });
    json!({
        "providers": [entry(sim, "coupontools"), entry(sim, "eguma"), treazure, entry(sim, "gonnaorder")],
        "timeout_ms": 5000,
        "pos_id": "KASSE-1",
    })
}

/// Runs an operation; returns the data, or the error status and message.
pub fn run(client: &Client, op: Operation, request: Value) -> Result<Value, (VlStatus, String)> {
    client.execute(op, &request.to_string()).map_err(|e| (e.status(), e.message))
}

/// The repository root (the tests of cli/ share these helpers).
pub fn repo() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().find(|dir| dir.join("Cargo.lock").exists()).unwrap_or(manifest).to_path_buf()
}

/// The folder holding the freshly built `libvoucherlink.so` (cargo builds the cdylib beside the
/// test executables).
pub fn library_dir() -> PathBuf {
    let dir = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let lib = dir.join(format!("{}voucherlink{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX));
    assert!(lib.exists(), "the shared library was not built at {}", lib.display());
    dir
}

/// Compiles C or C++ `sources` into `output` against the header and the shared library.
/// Panics with the compiler's output when it fails.
pub fn compile(compiler_env: &str, default: &str, flags: &[&str], sources: &[&Path], output: &Path) {
    let compiler = std::env::var(compiler_env).unwrap_or_else(|_| default.to_string());
    let lib_dir = library_dir();
    let out = Command::new(&compiler)
        .args(flags)
        .arg("-I")
        .arg(repo().join("include"))
        .args(sources)
        .arg("-o")
        .arg(output)
        .arg("-L")
        .arg(&lib_dir)
        // DT_RPATH, not RUNPATH: it wins over LD_LIBRARY_PATH, which cargo points at target/debug,
        // where an older `cargo build` may have left an older libvoucherlink.so.
        .arg("-Wl,--disable-new-dtags")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-lvoucherlink")
        .arg("-lpthread")
        .output()
        .unwrap_or_else(|e| panic!("cannot run the compiler {compiler}: {e}"));
    assert!(
        out.status.success(),
        "{compiler} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scratch folder for build products of one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Polls `done` until it holds; panics naming `what` after 20 seconds.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() {
        assert!(std::time::Instant::now() < until, "timed out waiting until {what}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
