//! The journal: every money-moving operation, recorded and flushed to disk before it is sent, and
//! settled after (API.md §7).
//!
//! On disk it is a JSON-lines file: a header line, then one line per change of an entry, each a
//! complete snapshot (the last line of an id wins). Every line is written and `fsync`ed before the
//! library goes on, so a `kill -9` at any instant leaves at most a torn last line, which is
//! ignored when the file is read again. Compaction rewrites the file to a temporary one and renames
//! it over the original (atomic), keeping unsettled entries and recently settled ones.
//!
//! One process holds a journal at a time: a second process opening it gets `VL_CONFIG` (a lock on
//! `<journal>.lock`). Within a process, every client configured with the same path shares one
//! instance, so several clients and threads write it safely.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use once_cell::sync::Lazy;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// Settled entries are kept this long (for `vl_pending`-style support questions and the log of
/// what happened), then dropped at the next compaction.
pub(crate) const SETTLED_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// At most this many settled entries are kept, newest first.
pub(crate) const SETTLED_KEEP_MAX: usize = 1000;
/// The file is compacted after this many appended lines.
const COMPACT_EVERY: usize = 1000;
/// First line of a journal file.
const HEADER: &str = r#"{"voucherlink_journal":1}"#;

/// Where an entry stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Recorded, about to be sent or being sent. Found after a restart, it is in doubt.
    Sending,
    /// Sent, and the answer was lost: the outcome is unknown until resolved.
    InDoubt,
    /// An undo (cancel, deactivation, reversal) that must still be sent; retried with backoff.
    Queued,
    /// Settled: it went through.
    Done,
    /// Settled: it did not go through; nothing changed.
    Failed,
    /// Settled: it went through and was then reversed.
    Reversed,
}

impl State {
    /// The name used in the journal and in `vl_pending` (`"in_doubt"`).
    pub fn name(self) -> &'static str {
        match self {
            State::Sending => "sending",
            State::InDoubt => "in_doubt",
            State::Queued => "queued",
            State::Done => "done",
            State::Failed => "failed",
            State::Reversed => "reversed",
        }
    }

    /// Whether the entry still needs the library's attention.
    pub fn is_open(self) -> bool {
        matches!(self, State::Sending | State::InDoubt | State::Queued)
    }
}

/// One money-moving operation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Our transaction id (`vl-...`), also sent to the provider where it has a reference field.
    pub id: String,
    /// Provider id.
    pub provider: String,
    /// The provider account: its base URL (entries are resolved by clients of the same account).
    pub account: String,
    /// Operation name (`redeem`, `cancel_redemption`, ...).
    pub operation: String,
    /// Where it stands.
    pub state: State,
    /// The voucher's canonical code.
    pub code: Option<String>,
    /// Amount moved (decimal string).
    pub amount: Option<String>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The POS reference of the request.
    pub reference: Option<String>,
    /// Till id.
    pub pos_id: Option<String>,
    /// Cashier id.
    pub operator_id: Option<String>,
    /// Created, milliseconds since 1970 (UTC).
    pub created_ms: u64,
    /// Last changed, milliseconds since 1970 (UTC).
    pub updated_ms: u64,
    /// What the provider showed before sending (e.g. the balance), to resolve a lost answer.
    pub evidence: Value,
    /// What the provider needs to send it again or undo it (never a secret).
    pub data: Value,
    /// The provider's ids once known (e.g. e-guma's `redeem_token`).
    pub result: Value,
    /// For a reversal: the entry it reverses.
    pub reverses: Option<String>,
    /// For a reversed (or being reversed) entry: its reversal.
    #[serde(default)]
    pub reversed_by: Option<String>,
    /// Send attempts so far (for queued undos).
    pub attempts: u32,
    /// When a queued undo may next be retried (ms since 1970).
    pub next_attempt_ms: Option<u64>,
    /// The last failure, for people.
    pub last_error: Option<String>,
    /// How it was settled, for people.
    pub note: Option<String>,
}

impl Entry {
    /// A new entry in state `sending`, created now, with nothing else known yet.
    pub fn new(id: String, provider: &str, account: &str, operation: &str) -> Entry {
        let now = now_ms();
        Entry {
            id,
            provider: provider.to_string(),
            account: account.to_string(),
            operation: operation.to_string(),
            state: State::Sending,
            code: None,
            amount: None,
            currency: None,
            reference: None,
            pos_id: None,
            operator_id: None,
            created_ms: now,
            updated_ms: now,
            evidence: Value::Null,
            data: Value::Null,
            result: Value::Null,
            reverses: None,
            reversed_by: None,
            attempts: 0,
            next_attempt_ms: None,
            last_error: None,
            note: None,
        }
    }
}

/// The process-wide registry of open journal files: one instance per path.
static OPEN: Lazy<Mutex<HashMap<PathBuf, Weak<Journal>>>> = Lazy::new(|| Mutex::new(HashMap::new()));

struct Inner {
    /// The append handle; None for an in-memory journal.
    file: Option<File>,
    entries: HashMap<String, Entry>,
    appended: usize,
    /// Codes (account, code) with a money-moving operation in flight in this process.
    busy_codes: HashSet<(String, String)>,
    /// Threads waiting in `claim_code` (a release wakes them only if there are any: a futex wake
    /// is a syscall).
    waiting: usize,
    /// Entries being worked on in this process (not to be recovered concurrently).
    busy_entries: HashSet<String>,
}

/// A journal: on disk at a path, or in memory (without `journal_path`: same rules, no survival
/// across restarts, open entries only).
pub struct Journal {
    path: Option<PathBuf>,
    /// Held for the journal's life: the inter-process lock.
    _lock: Option<File>,
    inner: Mutex<Inner>,
    released: Condvar,
}

impl Journal {
    /// A journal that lives only as long as the process. It holds open entries only: a settled one
    /// is dropped as it settles (nobody could read it: `vl_pending` lists open entries, and there
    /// is no file for support to read).
    pub fn memory() -> Arc<Journal> {
        Arc::new(Journal {
            path: None,
            _lock: None,
            inner: Mutex::new(Inner::new(None, HashMap::new())),
            released: Condvar::new(),
        })
    }

    /// Opens (or creates) the journal at `path`, shared by every client of this process that names
    /// the same file. Errors are `VL_CONFIG`.
    pub fn open(path: &Path) -> Result<Arc<Journal>> {
        let key = canonical(path)?;
        let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(journal) = open.get(&key).and_then(Weak::upgrade) {
            return Ok(journal);
        }
        let journal = Arc::new(Journal::open_file(&key)?);
        open.retain(|_, w| w.strong_count() > 0);
        open.insert(key, Arc::downgrade(&journal));
        Ok(journal)
    }

    fn open_file(path: &Path) -> Result<Journal> {
        let shown = path.display();
        let lock_path = sibling(path, ".lock");
        let lock =
            OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).map_err(|e| {
                Error::config(format!("the journal lock {} cannot be opened: {e}", lock_path.display()))
            })?;
        if let Err(e) = lock.try_lock() {
            return Err(Error::config(format!(
                "the journal {shown} is in use by another process ({e}); each till process needs its own journal_path"
            )));
        }
        let entries = match File::open(path) {
            Ok(f) => read_entries(f, path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
            Err(e) => return Err(Error::config(format!("the journal {shown} cannot be read: {e}"))),
        };
        let journal = Journal {
            path: Some(path.to_path_buf()),
            _lock: Some(lock),
            inner: Mutex::new(Inner::new(None, entries)),
            released: Condvar::new(),
        };
        // Rewrite it at once: drops a torn tail and old settled entries, and proves it is writable.
        journal.compact(&mut journal.lock())?;
        Ok(journal)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The file, if on disk.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Records an entry (new or changed) durably before returning. If this fails the caller must
    /// not send (or must report that the outcome could not be recorded).
    pub fn record(&self, entry: &Entry) -> Result<()> {
        let mut inner = self.lock();
        if self.path.is_some() {
            if inner.file.is_none() {
                // An earlier compaction could not write the file: write it whole now, or refuse.
                self.compact(&mut inner)?;
            }
            let Some(file) = inner.file.as_mut() else { return Err(Error::internal("the journal file is not open")) };
            let mut line = serde_json::to_string(entry).map_err(|e| Error::internal(format!("journal entry: {e}")))?;
            line.push('\n');
            file.write_all(line.as_bytes()).and_then(|_| file.sync_data()).map_err(|e| self.write_error(e))?;
        }
        if self.path.is_none() && !entry.state.is_open() {
            inner.entries.remove(&entry.id);
            return Ok(());
        }
        inner.entries.insert(entry.id.clone(), entry.clone());
        inner.appended += 1;
        if self.path.is_some() && inner.appended >= COMPACT_EVERY {
            // The entry itself is recorded; a compaction that fails leaves no file open, so the
            // next record writes the file whole again or refuses.
            if let Err(e) = self.compact(&mut inner) {
                crate::log::emit(crate::log::Level::Error, &e.message);
            }
        }
        Ok(())
    }

    fn write_error(&self, e: std::io::Error) -> Error {
        let path = self.path.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
        Error::config(format!("the journal {path} cannot be written ({e}); nothing was sent"))
    }

    /// One entry by id.
    pub fn get(&self, id: &str) -> Option<Entry> {
        self.lock().entries.get(id).cloned()
    }

    /// The unsettled entries of an account, oldest first.
    pub fn open_entries(&self, account: &str) -> Vec<Entry> {
        let inner = self.lock();
        let mut open: Vec<Entry> =
            inner.entries.values().filter(|e| e.account == account && e.state.is_open()).cloned().collect();
        open.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
        open
    }

    /// Claims a voucher for one money-moving operation in this process, waiting (until
    /// `deadline`) while another operation holds it. Operations on one voucher are serialized so
    /// that a lost answer can be resolved from the voucher's state.
    pub fn claim_code(self: &Arc<Self>, account: &str, code: &str, deadline: Instant) -> Option<CodeClaim> {
        let key = (account.to_string(), code.to_string());
        let mut inner = self.lock();
        while inner.busy_codes.contains(&key) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            inner.waiting += 1;
            inner = self.released.wait_timeout(inner, left).unwrap_or_else(|p| p.into_inner()).0;
            inner.waiting -= 1;
        }
        inner.busy_codes.insert(key.clone());
        Some(CodeClaim { journal: self.clone(), key })
    }

    /// Claims an entry for recovery; None if another thread is working on it.
    pub fn claim_entry(self: &Arc<Self>, id: &str) -> Option<EntryClaim> {
        let mut inner = self.lock();
        if !inner.busy_entries.insert(id.to_string()) {
            return None;
        }
        Some(EntryClaim { journal: self.clone(), id: id.to_string() })
    }

    /// Rewrites the file with the entries worth keeping.
    fn compact(&self, inner: &mut Inner) -> Result<()> {
        let now = now_ms();
        let (retention, keep_max) = match self.path {
            Some(_) => (SETTLED_RETENTION.as_millis() as u64, SETTLED_KEEP_MAX),
            None => (0, 0),
        };
        let mut settled: Vec<&Entry> = inner
            .entries
            .values()
            .filter(|e| !e.state.is_open() && now.saturating_sub(e.updated_ms) < retention)
            .collect();
        settled.sort_by_key(|e| std::cmp::Reverse(e.updated_ms));
        let keep_settled: HashSet<String> = settled.iter().take(keep_max).map(|e| e.id.clone()).collect();
        inner.entries.retain(|id, e| e.state.is_open() || keep_settled.contains(id));
        inner.appended = 0;

        let Some(path) = self.path.as_deref() else { return Ok(()) };
        inner.file = None;
        let temp = sibling(path, ".tmp");
        let mut kept: Vec<&Entry> = inner.entries.values().collect();
        kept.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
        let mut text = String::from(HEADER);
        text.push('\n');
        for e in kept {
            text.push_str(&serde_json::to_string(e).map_err(|e| Error::internal(format!("journal entry: {e}")))?);
            text.push('\n');
        }
        let write = || -> std::io::Result<File> {
            let mut f = File::create(&temp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&temp, path)?;
            sync_dir(path);
            OpenOptions::new().append(true).open(path)
        };
        inner.file = Some(write().map_err(|e| self.write_error(e))?);
        Ok(())
    }
}

impl Inner {
    fn new(file: Option<File>, entries: HashMap<String, Entry>) -> Inner {
        Inner { file, entries, appended: 0, busy_codes: HashSet::new(), waiting: 0, busy_entries: HashSet::new() }
    }
}

/// A voucher claimed by one operation; released on drop.
pub struct CodeClaim {
    journal: Arc<Journal>,
    key: (String, String),
}

impl Drop for CodeClaim {
    fn drop(&mut self) {
        let mut inner = self.journal.lock();
        inner.busy_codes.remove(&self.key);
        if inner.waiting > 0 {
            self.journal.released.notify_all();
        }
    }
}

/// An entry claimed for recovery; released on drop.
pub struct EntryClaim {
    journal: Arc<Journal>,
    id: String,
}

impl Drop for EntryClaim {
    fn drop(&mut self) {
        self.journal.lock().busy_entries.remove(&self.id);
    }
}

/// Reads a journal file: the last snapshot of each id wins; a torn or unreadable line is skipped.
fn read_entries(file: File, path: &Path) -> Result<HashMap<String, Entry>> {
    let mut entries = HashMap::new();
    for (n, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = line.map_err(|e| Error::config(format!("the journal {} cannot be read: {e}", path.display())))?;
        if n == 0 {
            if line.is_empty() {
                continue;
            }
            let header: Option<Value> = serde_json::from_slice(&line).ok();
            match header.as_ref().and_then(|h| h.get("voucherlink_journal")) {
                Some(v) if v == 1 => continue,
                _ => {
                    return Err(Error::config(format!(
                        "{} is not a voucherlink journal (or a newer version's): refusing to overwrite it",
                        path.display()
                    )));
                }
            }
        }
        // A torn last line (a kill mid-write) does not parse and is skipped.
        if let Ok(entry) = serde_json::from_slice::<Entry>(&line) {
            entries.insert(entry.id.clone(), entry);
        }
    }
    Ok(entries)
}

fn canonical(path: &Path) -> Result<PathBuf> {
    let name =
        path.file_name().ok_or_else(|| Error::config(format!("`journal_path` {} names no file", path.display())))?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = parent
        .canonicalize()
        .map_err(|e| Error::config(format!("the folder of `journal_path` {} is not usable: {e}", path.display())))?;
    Ok(dir.join(name))
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Makes a rename durable (Unix: fsync the folder). Windows has no such call; NTFS journals renames.
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Milliseconds since 1970 (UTC).
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// `2026-11-21T23:50:01.123Z` for milliseconds since 1970.
pub fn iso8601(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, state: State) -> Entry {
        Entry { state, code: Some("C".into()), ..Entry::new(id.into(), "eguma", "http://x", "redeem") }
    }

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vl-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("journal.jsonl")
    }

    #[test]
    fn survives_reopening_and_ignores_a_torn_last_line() {
        let path = temp_path("torn");
        {
            let j = Journal::open(&path).unwrap();
            j.record(&entry("a", State::Sending)).unwrap();
            j.record(&entry("b", State::Sending)).unwrap();
            j.record(&Entry { state: State::Done, ..entry("b", State::Done) }).unwrap();
        }
        // A kill in the middle of writing the next line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"id":"c","provider":"eguma","acc"#).unwrap();
        drop(f);
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.get("a").unwrap().state, State::Sending);
        assert_eq!(j.get("b").unwrap().state, State::Done);
        assert!(j.get("c").is_none());
        assert_eq!(j.open_entries("http://x").len(), 1);
        // The rewrite dropped the torn line.
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()), "{text}");
    }

    #[test]
    fn one_instance_per_path_in_a_process() {
        let path = temp_path("shared");
        let a = Journal::open(&path).unwrap();
        let b = Journal::open(&path.parent().unwrap().join(".").join("journal.jsonl")).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn refuses_a_file_that_is_not_a_journal() {
        let path = temp_path("foreign");
        std::fs::write(&path, "important data\n").unwrap();
        let err = Journal::open(&path).err().unwrap();
        assert_eq!(err.status(), crate::VlStatus::VL_CONFIG);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "important data\n");
    }

    #[test]
    fn compaction_keeps_open_entries_and_drops_old_settled_ones() {
        let path = temp_path("compact");
        let j = Journal::open(&path).unwrap();
        let mut old = entry("old", State::Done);
        old.updated_ms = now_ms() - SETTLED_RETENTION.as_millis() as u64 - 1;
        j.record(&old).unwrap();
        j.record(&entry("open", State::InDoubt)).unwrap();
        j.record(&entry("recent", State::Failed)).unwrap();
        j.compact(&mut j.lock()).unwrap();
        assert!(j.get("old").is_none());
        assert!(j.get("open").is_some() && j.get("recent").is_some());
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3, "header + 2 entries");
    }

    #[test]
    fn after_a_failed_compaction_nothing_is_recorded_until_the_file_can_be_written() {
        let path = temp_path("compact-fails");
        let j = Journal::open(&path).unwrap();
        j.record(&entry("first", State::InDoubt)).unwrap();
        // The file is replaced by a non-empty directory: the compaction's rename must fail.
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("in-the-way"), "x").unwrap();
        for i in 0..COMPACT_EVERY - 1 {
            // Recorded: the entry's line is written before the compaction (on the last) fails.
            j.record(&entry(&format!("e{i}"), State::Failed)).unwrap();
        }
        let again = j.record(&entry("later", State::Sending));
        assert_eq!(
            again.unwrap_err().status(),
            crate::status::VlStatus::VL_CONFIG,
            "a record without a file must fail"
        );
        std::fs::remove_dir_all(&path).unwrap();
        j.record(&entry("after", State::Sending)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""id":"first""#) && text.contains(r#""id":"after""#), "{text}");
    }

    #[test]
    fn an_in_memory_journal_stays_small_too() {
        let j = Journal::memory();
        for i in 0..(COMPACT_EVERY + SETTLED_KEEP_MAX + 10) {
            j.record(&entry(&format!("e{i}"), State::Failed)).unwrap();
        }
        j.record(&entry("open", State::InDoubt)).unwrap();
        assert_eq!(j.lock().entries.len(), 1, "only the open entry is kept");
        assert!(j.get("open").is_some());
        j.record(&entry("open", State::Done)).unwrap();
        assert!(j.lock().entries.is_empty(), "settled entries are dropped as they settle");
    }

    #[test]
    fn iso8601_formats_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_795_219_201_123), "2026-11-21T00:00:01.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
