//! What the command prints: log lines on stderr, summaries and documents on stdout, and the
//! configuration files it reads.

use std::ffi::{CStr, c_char, c_void};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use serde_json::{Value, json};
use voucherlink::ffi::{self, VlLogLevel};
use voucherlink::{Client, Error, VlStatus};

unsafe extern "system" fn to_stderr(level: VlLogLevel, message: *const c_char, _user_data: *mut c_void) {
    if message.is_null() {
        return;
    }
    // SAFETY: the library passes a NUL-terminated UTF-8 line, valid during the call.
    let line = unsafe { CStr::from_ptr(message) }.to_string_lossy();
    let name = match level {
        ffi::VL_LOG_TRACE => "TRACE",
        ffi::VL_LOG_DEBUG => "DEBUG",
        ffi::VL_LOG_INFO => "INFO ",
        ffi::VL_LOG_WARN => "WARN ",
        _ => "ERROR",
    };
    let _ = writeln!(std::io::stderr().lock(), "{name} {line}");
}

/// The library's log lines on stderr: warnings and errors, everything with `--trace`.
pub fn start_logging(trace: bool) {
    let level = if trace { ffi::VL_LOG_TRACE } else { ffi::VL_LOG_WARN };
    // SAFETY: a static callback that stays valid for the process; no user data.
    unsafe { ffi::vl_set_logger(Some(to_stderr), std::ptr::null_mut(), level) };
}

/// A configuration file: the JSON object of `vl_client_new`.
pub fn read_config(path: &Path) -> Result<Value, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read the configuration {}: {e}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| format!("the configuration {} is not JSON: {e}", path.display()))?;
    if !value.is_object() {
        return Err(format!("the configuration {} is not a JSON object", path.display()));
    }
    Ok(value)
}

/// A client of a configuration file. Errors are printed; the exit code is returned.
pub fn client(path: &Path) -> Result<(Client, Value), u8> {
    let config = read_config(path).map_err(|e| usage_error(&e))?;
    match Client::new(&config.to_string()) {
        Ok(client) => Ok((client, config)),
        Err(e) => {
            print_error(&e);
            Err(exit_code(&e))
        }
    }
}

/// Prints a command-line problem; exit code 2.
pub fn usage_error(message: &str) -> u8 {
    eprintln!("voucherlink: {message}");
    2
}

/// The exit code of an error: its status.
pub fn exit_code(e: &Error) -> u8 {
    e.status().code() as u8
}

/// Prints what an operation answered: a summary, or with `json` the result document.
pub fn print_result(result: &Result<Value, Error>, json: bool) -> u8 {
    match (result, json) {
        // The result document of the C API, `ok` first.
        (Ok(data), true) => println!("{{\"ok\":true,\"data\":{data}}}"),
        (Err(e), true) => println!("{{\"ok\":false,\"error\":{}}}", json!(e)),
        (Ok(data), false) => print_summary(data),
        (Err(e), false) => print_error(e),
    }
    match result {
        Ok(_) => 0,
        Err(e) => exit_code(e),
    }
}

/// An error for people: status, message, the provider's own words, what to do.
pub fn print_error(e: &Error) {
    println!("✗ {} ({}): {}", e.status().name(), e.status().code(), e.message);
    if let Some(m) = e.provider_message.as_deref().filter(|m| *m != e.message) {
        println!("  the provider said: {m}");
    }
    if let (Some(code), Some(http)) = (&e.provider_code, e.http_status) {
        println!("  provider code {code}, HTTP {http}");
    } else if let Some(http) = e.http_status {
        println!("  HTTP {http}");
    }
    if let Some(id) = &e.journal_id {
        println!("  journal entry: {id} (voucherlink journal show {id})");
    }
    let hint = match e.status() {
        VlStatus::VL_IN_DOUBT => "do not repeat it: `voucherlink journal recover` settles it and reports the outcome",
        VlStatus::VL_NETWORK => "`voucherlink doctor --config …` checks the way to the provider step by step",
        VlStatus::VL_AUTH => "check the credentials in the configuration (`voucherlink doctor` tries them)",
        VlStatus::VL_CONFIG => "the message names the key to fix",
        _ => "",
    };
    if !hint.is_empty() {
        println!("  {hint}");
    }
}

/// A result document's data for people: its scalar fields, its receipt, its lists one line each.
pub fn print_summary(data: &Value) {
    println!("✓ done");
    let Some(fields) = data.as_object() else {
        println!("  {data}");
        return;
    };
    for (key, value) in fields {
        match value {
            Value::Null => {}
            Value::Array(items) if key == "receipt_lines" => {
                println!("  receipt:");
                for line in items {
                    println!("    | {}", line.as_str().unwrap_or_default());
                }
            }
            Value::Array(items) => {
                println!("  {key}: {}", items.len());
                for item in items {
                    println!("    - {}", one_line(item));
                }
            }
            _ if key == "raw" || key == "details" => {}
            Value::Object(_) => println!("  {key:<16} {}", one_line(value)),
            Value::String(s) => println!("  {key:<16} {s}"),
            other => println!("  {key:<16} {other}"),
        }
    }
}

/// A JSON value on one line, without its null fields.
pub fn one_line(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .filter(|(k, v)| !v.is_null() && *k != "raw")
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect();
            parts.join(" ")
        }
        other => other.to_string(),
    }
}

/// Asks on the terminal; without one, refuses unless `yes`. True: go on.
pub fn confirm(question: &str, yes: bool) -> Result<(), u8> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(usage_error(&format!("{question}: not confirmed (no terminal to ask on): add --yes")));
    }
    eprint!("{question}? Type yes to go on: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        eprintln!("not done");
        Err(2)
    }
}
