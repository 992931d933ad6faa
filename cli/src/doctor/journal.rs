//! The journal: its folder writable, its lock free, what it holds.

use std::path::PathBuf;
use std::time::Instant;

use voucherlink::internals::support;

use super::Steps;

/// The journal: its folder writable, its lock, what it holds.
pub(super) fn journal(steps: &mut Steps, path: Option<&PathBuf>) {
    let Some(path) = path else {
        steps.warn(
            "journal",
            "no journal_path: an operation in doubt is forgotten when the POS restarts; set journal_path",
        );
        return;
    };
    let started = Instant::now();
    let folder = path.parent().map(PathBuf::from).unwrap_or_default();
    let probe = folder.join(format!(".voucherlink-doctor-{}", std::process::id()));
    if let Err(e) = std::fs::write(&probe, b"").and_then(|()| std::fs::remove_file(&probe)) {
        steps.fail(
            "journal",
            started.elapsed(),
            &format!("cannot write in {}: {e}", folder.display()),
            "the folder is missing or read-only for this user",
            "create the folder, writable by the user the POS runs as",
            2,
        );
        return;
    }
    let held = match support::journal_lock_free(path) {
        Ok(true) => "free (no process has it open)",
        Ok(false) => "held by a running process (the POS)",
        Err(e) => {
            steps.fail("journal", started.elapsed(), &e.message, "", "", 2);
            return;
        }
    };
    if !path.exists() {
        steps.ok(
            "journal",
            started.elapsed(),
            &format!("{} (not created yet; the folder is writable), lock {held}", path.display()),
        );
        return;
    }
    match support::journal_entries(path) {
        Ok(entries) => {
            let open: Vec<&voucherlink::model::JournalEntry> = entries
                .iter()
                .filter(|e| {
                    matches!(
                        serde_json::to_value(e.state).ok().and_then(|v| v.as_str().map(str::to_string)).as_deref(),
                        Some("sending" | "in_doubt" | "queued")
                    )
                })
                .collect();
            steps.ok(
                "journal",
                started.elapsed(),
                &format!("{}: {} entries, {} open; lock {held}", path.display(), entries.len(), open.len()),
            );
            if !open.is_empty() {
                steps.warn(
                    "journal",
                    &format!(
                        "{} operation(s) not settled: `voucherlink journal list --journal {}`",
                        open.len(),
                        path.display()
                    ),
                );
            }
        }
        Err(e) => steps.fail("journal", started.elapsed(), &e.message, "", "", 2),
    }
}
