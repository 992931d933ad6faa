//! The journal: every money-moving operation, recorded and flushed to disk before it is sent, and
//! settled after (docs/api.md §7). It stores entries; what they mean is the engine's business
//! (`transaction`).
//!
//! On disk it is a JSON-lines file: a header line, then one line per change of an entry, each a
//! complete snapshot (the last line of an id wins). Every line is written and `fsync`ed before the
//! library goes on. A write that fails (disk full, file size limit) is cut back to the last complete
//! line at once, so the next line never lands glued to half a line; a kill in the middle of a write
//! leaves at most a torn last line without its newline, which is dropped when the file is read
//! again. Any other line that does not read back is damage: the journal refuses to open
//! (`VL_CONFIG`, naming the file and the line) rather than drop what it may hold. Compaction
//! rewrites the file to a temporary one and renames it over the original (atomic), keeping open
//! entries, recently settled ones and those whose outcome the POS has not been told yet.
//!
//! One process holds a journal at a time: a second process opening it gets `VL_CONFIG` (a lock on
//! `<journal>.lock`, beside the file the path resolves to, symbolic links followed). Within a
//! process, every client configured with the same file shares one instance.
//!
//! Open entries are indexed by account, by voucher and by due time, so a call costs the same with
//! thousands of open entries as with none.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use once_cell::sync::Lazy;

mod entry;
mod file;
mod ids;
mod index;

pub use entry::{Entry, State, Trigger, typed};
use file::{private_file, read_entries, resolve, sibling, sync_dir, write_error};
pub use ids::{iso8601, new_transaction_id, now_ms};
use index::{Index, Map};

use crate::error::{Error, Result};
pub use crate::json::Raw;

/// At most this many settled entries are kept, newest first: about 10 MB of file, a week of a
/// till doing 3,000 voucher operations a day.
pub(crate) const SETTLED_KEEP_MAX: usize = 20_000;
/// The file is compacted after this many appended lines.
const COMPACT_EVERY: usize = 1000;
/// First line of a journal file.
const HEADER: &str = r#"{"voucherlink_journal":1}"#;

/// The process-wide registry of open journal files: one instance per file.
static OPEN: Lazy<Mutex<HashMap<PathBuf, Weak<Journal>>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// Where entries are kept.
enum Store {
    /// Only in memory (no `journal_path`): open entries, and settled ones until reported.
    Memory,
    /// A file, appended to; `len` is the length of its complete lines. `file` is None when it must
    /// be written whole before the next line: it lags behind memory (a change it could not take)
    /// or could not be repaired after a failed write.
    File { path: PathBuf, file: Option<File>, len: u64, retention: Duration },
}

struct Inner {
    store: Store,
    entries: Map<String, Entry>,
    index: Index,
    appended: usize,
}

/// A journal: on disk at a path, or in memory (without `journal_path`: the same rules, no
/// survival across restarts).
pub struct Journal {
    /// Held for the journal's life: the inter-process lock.
    _lock: Option<File>,
    inner: Mutex<Inner>,
}

impl Journal {
    /// A journal that lives only as long as the process. It holds open entries, and settled ones
    /// until their outcome is reported (nobody could read others: there is no file for support).
    pub fn memory() -> Arc<Journal> {
        Arc::new(Journal { _lock: None, inner: Mutex::new(Inner::new(Store::Memory, Map::default())) })
    }

    /// [`Journal::open_keeping`] with a week's retention (the configuration's default).
    #[cfg(test)]
    pub fn open(path: &Path) -> Result<Arc<Journal>> {
        Journal::open_keeping(path, tests::A_WEEK)
    }

    /// Opens (or creates) the journal at `path`, shared by every client of this process that names
    /// the same file (after following symbolic links), keeping settled entries for `retention`
    /// (the first client of the process to open a file decides). Errors are `VL_CONFIG`.
    pub fn open_keeping(path: &Path, retention: Duration) -> Result<Arc<Journal>> {
        let resolved = resolve(path)?;
        let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(journal) = open.get(&resolved).and_then(Weak::upgrade) {
            return Ok(journal);
        }
        let journal = Arc::new(Journal::open_file(&resolved, retention)?);
        open.retain(|_, w| w.strong_count() > 0);
        open.insert(resolved, Arc::downgrade(&journal));
        Ok(journal)
    }

    fn open_file(path: &Path, retention: Duration) -> Result<Journal> {
        let shown = path.display();
        let lock_path = sibling(path, ".lock");
        let lock = private_file(OpenOptions::new().create(true).truncate(false).write(true))
            .open(&lock_path)
            .map_err(|e| Error::config(format!("the journal lock {} cannot be opened: {e}", lock_path.display())))?;
        if let Err(e) = lock.try_lock() {
            return Err(Error::config(format!(
                "the journal {shown} is in use by another process ({e}); each till process needs its own journal_path"
            )));
        }
        let entries = match File::open(path) {
            Ok(f) => read_entries(f, path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::default(),
            Err(e) => return Err(Error::config(format!("the journal {shown} cannot be read: {e}"))),
        };
        let store = Store::File { path: path.to_path_buf(), file: None, len: 0, retention };
        let journal = Journal { _lock: Some(lock), inner: Mutex::new(Inner::new(store, entries)) };
        // Rewrite it at once: drops a torn tail and old settled entries, and proves it is writable.
        journal.lock().compact()?;
        Ok(journal)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an entry durably, or not at all: when the write fails, the journal (file and
    /// memory) is as before and the error says so. For a request about to be sent.
    pub fn record_durably(&self, entry: &Entry) -> Result<()> {
        let mut inner = self.lock();
        inner.write(entry)?;
        inner.remember(entry);
        Ok(())
    }

    /// Records a change of an entry. The change always holds for this process; should the file
    /// not take it, the file is written whole at the next chance, and the error is returned (for
    /// the log: after money moved, a failing disk must not turn success into failure).
    pub fn record(&self, entry: &Entry) -> Result<()> {
        let mut inner = self.lock();
        inner.remember(entry);
        let written = if inner.is_dirty() { inner.compact() } else { inner.write(entry) };
        if written.is_err() {
            // The file lacks this change: it is written whole from memory at the next chance.
            inner.store_file_lost();
        }
        if written.is_ok() && inner.appended >= COMPACT_EVERY {
            // The entry itself is on disk; a compaction that fails leaves the file to be written
            // whole at the next record.
            if let Err(e) = inner.compact() {
                crate::log::emit(crate::log::Level::Error, &e.message);
            }
        }
        written
    }

    /// One entry by id.
    pub fn get(&self, id: &str) -> Option<Entry> {
        self.lock().entries.get(id).cloned()
    }

    /// The open entries of one voucher of an account, oldest first.
    pub fn open_for_voucher(&self, account: &str, code: &str) -> Vec<Entry> {
        let inner = self.lock();
        let ids = inner.index.account(account).and_then(|a| a.by_voucher.get(code));
        inner.entries_of(ids.into_iter().flatten())
    }

    /// The open entries of an account, oldest first.
    pub fn open_entries(&self, account: &str) -> Vec<Entry> {
        let inner = self.lock();
        inner.entries_of(inner.index.account(account).into_iter().flat_map(|a| a.by_voucher.values().flatten()))
    }

    /// The queued entry of an account that is due first, if one is due at `now_ms`.
    pub fn next_due(&self, account: &str, now_ms: u64) -> Option<Entry> {
        let inner = self.lock();
        let (due, id) = inner.index.account(account)?.due.first()?;
        (*due <= now_ms).then(|| inner.entries.get(id).cloned()).flatten()
    }

    /// Settled entries of an account whose outcome the POS has not been told yet, oldest first.
    pub fn unreported(&self, account: &str) -> Vec<Entry> {
        let inner = self.lock();
        inner.entries_of(inner.index.account(account).into_iter().flat_map(|a| a.unreported.iter()))
    }

    /// How many open entries each account has (for the warning about other accounts' entries).
    pub fn open_counts(&self) -> Vec<(String, usize)> {
        let inner = self.lock();
        let mut counts: Vec<(String, usize)> = inner
            .index
            .accounts
            .iter()
            .filter(|(_, a)| a.open > 0)
            .map(|(account, a)| (account.clone(), a.open))
            .collect();
        counts.sort();
        counts
    }
}

impl Inner {
    fn new(store: Store, entries: Map<String, Entry>) -> Inner {
        let mut index = Index::default();
        for e in entries.values() {
            index.update(None, Some(e));
        }
        Inner { store, entries, index, appended: 0 }
    }

    /// The entries with these ids, oldest first.
    fn entries_of<'a>(&self, ids: impl Iterator<Item = &'a String>) -> Vec<Entry> {
        let mut found: Vec<Entry> = ids.filter_map(|id| self.entries.get(id).cloned()).collect();
        found.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
        found
    }

    /// Whether the file lags behind memory (a failed write) and must be written whole.
    fn is_dirty(&self) -> bool {
        matches!(self.store, Store::File { file: None, .. })
    }

    /// Takes an entry's new state into memory (a memory journal forgets what nobody can ask for).
    fn remember(&mut self, entry: &Entry) {
        let old = self.entries.get(&entry.id);
        self.index.update(old, Some(entry));
        if matches!(self.store, Store::Memory) && !entry.state.is_open() && !entry.outcome_unreported {
            self.entries.remove(&entry.id);
        } else if let Some(kept) = self.entries.get_mut(&entry.id) {
            kept.clone_from(entry);
        } else {
            self.entries.insert(entry.id.clone(), entry.clone());
        }
    }

    /// Appends one entry's line to the file (writing the file whole first if it lags behind).
    /// A failed append is cut back to the last complete line.
    fn write(&mut self, entry: &Entry) -> Result<()> {
        if self.is_dirty() {
            self.compact()?;
        }
        let Store::File { path, file: Some(file), len, .. } = &mut self.store else { return Ok(()) };
        let mut line = serde_json::to_vec(entry).map_err(|e| Error::internal(format!("journal entry: {e}")))?;
        line.push(b'\n');
        match file.write_all(&line).and_then(|()| file.sync_data()) {
            Ok(()) => {
                *len += line.len() as u64;
                self.appended += 1;
                Ok(())
            }
            Err(e) => {
                let error = write_error(path, &e);
                if file.set_len(*len).and_then(|()| file.sync_data()).is_err() {
                    // Not even that: the file is written whole before its next line.
                    self.store_file_lost();
                }
                Err(error)
            }
        }
    }

    fn store_file_lost(&mut self) {
        if let Store::File { file, .. } = &mut self.store {
            *file = None;
        }
    }

    /// Drops old settled entries and, on disk, rewrites the file with what is kept.
    fn compact(&mut self) -> Result<()> {
        let now = now_ms();
        let (retention, keep_max) = match self.store {
            Store::File { retention, .. } => (retention.as_millis() as u64, SETTLED_KEEP_MAX),
            Store::Memory => (0, 0),
        };
        let mut settled: Vec<(u64, String)> = self
            .entries
            .values()
            .filter(|e| !e.state.is_open() && !e.outcome_unreported && now.saturating_sub(e.updated_ms) < retention)
            .map(|e| (e.updated_ms, e.id.clone()))
            .collect();
        settled.sort_by(|a, b| b.cmp(a));
        settled.truncate(keep_max);
        let keep: HashSet<String> = settled.into_iter().map(|(_, id)| id).collect();
        self.entries.retain(|id, e| e.state.is_open() || e.outcome_unreported || keep.contains(id));
        self.appended = 0;

        let Store::File { path, file, len, .. } = &mut self.store else { return Ok(()) };
        *file = None;
        let mut kept: Vec<&Entry> = self.entries.values().collect();
        kept.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
        let mut text = String::from(HEADER);
        text.push('\n');
        for e in kept {
            text.push_str(&serde_json::to_string(e).map_err(|e| Error::internal(format!("journal entry: {e}")))?);
            text.push('\n');
        }
        let temp = sibling(path, ".tmp");
        let write = || -> std::io::Result<File> {
            let mut f = private_file(OpenOptions::new().create(true).truncate(true).write(true)).open(&temp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&temp, &*path)?;
            sync_dir(path);
            OpenOptions::new().append(true).open(&*path)
        };
        match write() {
            Ok(f) => {
                *file = Some(f);
                *len = text.len() as u64;
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                Err(write_error(path, &e))
            }
        }
    }
}

/// The entries of a journal file as they stand, read without its lock and changing nothing: for
/// support tools while the POS holds the journal (a line being appended is not read yet).
pub fn snapshot(path: &Path) -> Result<Vec<Entry>> {
    let resolved = resolve(path)?;
    let file = File::open(&resolved)
        .map_err(|e| Error::config(format!("the journal {} cannot be read: {e}", resolved.display())))?;
    let mut entries: Vec<Entry> = read_entries(file, &resolved)?.into_values().collect();
    entries.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
    Ok(entries)
}

/// Whether a journal file's lock is free (no process has the journal open). Takes and releases it.
pub fn lock_is_free(path: &Path) -> Result<bool> {
    let resolved = resolve(path)?;
    let lock_path = sibling(&resolved, ".lock");
    let lock = match OpenOptions::new().write(true).open(&lock_path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(Error::config(format!("the journal lock {} cannot be opened: {e}", lock_path.display()))),
    };
    Ok(lock.try_lock().is_ok())
}

#[cfg(test)]
mod tests {
    /// The retention the tests' journals keep settled entries for.
    pub(super) const A_WEEK: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 60 * 60);

    use serde_json::Value;

    use super::*;
    use crate::operation::Operation;

    fn entry(id: &str, state: State) -> Entry {
        Entry { state, ..Entry::new(id.into(), "eguma", "http://x", Operation::Redeem, "C") }
    }

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vl-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("journal.jsonl")
    }

    #[test]
    fn survives_reopening_and_drops_a_torn_last_line() {
        let path = temp_path("torn");
        {
            let j = Journal::open(&path).unwrap();
            j.record_durably(&entry("a", State::Sending)).unwrap();
            j.record_durably(&entry("b", State::Sending)).unwrap();
            j.record(&entry("b", State::Done)).unwrap();
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
    fn a_damaged_line_refuses_the_open_and_the_file_is_left_as_it_is() {
        let path = temp_path("damaged");
        {
            let j = Journal::open(&path).unwrap();
            j.record_durably(&entry("in-doubt", State::InDoubt)).unwrap();
            j.record_durably(&entry("later", State::Done)).unwrap();
        }
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.windows(10).position(|w| w == b"\"in_doubt\"").unwrap();
        bytes[at + 4] ^= 0x20; // one flipped bit in the in-doubt entry's line: "in_Doubt"
        std::fs::write(&path, &bytes).unwrap();
        let err = Journal::open(&path).err().expect("a damaged journal is refused");
        assert_eq!(err.status(), crate::VlStatus::VL_CONFIG);
        assert!(err.message.contains("damaged at line 2"), "{}", err.message);
        assert!(err.message.contains(&path.display().to_string()), "{}", err.message);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing rewritten");
    }

    #[test]
    fn one_instance_per_file_in_a_process_also_through_a_symbolic_link() {
        let path = temp_path("shared");
        let a = Journal::open(&path).unwrap();
        let b = Journal::open(&path.parent().unwrap().join(".").join("journal.jsonl")).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        #[cfg(unix)]
        {
            let link = path.parent().unwrap().join("link.jsonl");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            let c = Journal::open(&link).unwrap();
            assert!(Arc::ptr_eq(&a, &c), "the link names the same journal");
            c.lock().compact().unwrap();
            assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
            assert!(!path.parent().unwrap().join("link.jsonl.lock").exists(), "the lock sits beside the real file");
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_files_are_private_to_the_till_user() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp_path("mode");
        let j = Journal::open(&path).unwrap();
        j.record_durably(&entry("a", State::Sending)).unwrap();
        for p in [path.clone(), sibling(&path, ".lock")] {
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600, "{}", p.display());
        }
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
    fn compaction_keeps_open_and_unreported_entries_and_drops_old_settled_ones() {
        let path = temp_path("compact");
        let j = Journal::open(&path).unwrap();
        let mut old = entry("old", State::Done);
        old.updated_ms = now_ms() - A_WEEK.as_millis() as u64 - 1;
        j.record(&old).unwrap();
        let mut old_unreported = Entry { outcome_unreported: true, ..old.clone() };
        old_unreported.id = "old-unreported".into();
        j.record(&old_unreported).unwrap();
        j.record(&entry("open", State::InDoubt)).unwrap();
        j.record(&entry("recent", State::Failed)).unwrap();
        j.lock().compact().unwrap();
        assert!(j.get("old").is_none());
        assert!(j.get("open").is_some() && j.get("recent").is_some() && j.get("old-unreported").is_some());
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 4, "header + 3 entries");
        assert_eq!(j.unreported("http://x").len(), 1);
    }

    #[test]
    fn after_a_failed_compaction_the_change_holds_in_memory_and_the_file_follows_when_it_can() {
        let path = temp_path("compact-fails");
        let j = Journal::open(&path).unwrap();
        j.record(&entry("first", State::InDoubt)).unwrap();
        // The file is replaced by a non-empty directory: the compaction's rename must fail.
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("in-the-way"), "x").unwrap();
        j.lock().store_file_lost();
        assert!(j.record_durably(&entry("new", State::Sending)).is_err(), "nothing durable: refused");
        assert!(j.get("new").is_none(), "and not in memory either");
        assert!(j.record(&entry("first", State::Done)).is_err(), "the settle cannot be written…");
        assert_eq!(j.get("first").unwrap().state, State::Done, "…but holds in memory");
        std::fs::remove_dir_all(&path).unwrap();
        j.record_durably(&entry("after", State::Sending)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(
                r#""id":"first","provider":"eguma","account":"http://x","operation":"redeem","state":"done""#
            ),
            "{text}"
        );
        assert!(text.contains(r#""id":"after""#), "{text}");
    }

    #[test]
    fn an_in_memory_journal_keeps_only_what_can_still_be_asked_for() {
        let j = Journal::memory();
        for i in 0..(COMPACT_EVERY + 10) {
            j.record(&entry(&format!("e{i}"), State::Failed)).unwrap();
        }
        j.record(&entry("open", State::InDoubt)).unwrap();
        assert_eq!(j.lock().entries.len(), 1, "only the open entry is kept");
        j.record(&Entry { outcome_unreported: true, ..entry("open", State::Done) }).unwrap();
        assert_eq!(j.unreported("http://x").len(), 1, "kept until the POS is told");
        j.record(&entry("open", State::Done)).unwrap();
        assert!(j.lock().entries.is_empty(), "then dropped");
    }

    #[test]
    fn the_indexes_answer_by_voucher_and_due_time() {
        let j = Journal::memory();
        for i in 0..2000 {
            j.record(&Entry { code: format!("V{i}"), ..entry(&format!("e{i}"), State::InDoubt) }).unwrap();
        }
        j.record(&Entry { next_attempt_ms: Some(50), ..entry("q", State::Queued) }).unwrap();
        assert_eq!(j.open_for_voucher("http://x", "V7").len(), 1);
        assert_eq!(j.open_for_voucher("http://x", "C").len(), 1);
        assert!(j.open_for_voucher("http://y", "V7").is_empty());
        assert_eq!(j.next_due("http://x", 49), None);
        assert_eq!(j.next_due("http://x", 50).unwrap().id, "q");
        assert_eq!(j.open_counts(), vec![("http://x".to_string(), 2001)]);
        j.record(&entry("q", State::Done)).unwrap();
        assert_eq!(j.next_due("http://x", u64::MAX), None);
    }

    #[test]
    fn transaction_ids_are_distinct() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| new_transaction_id()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| id.starts_with("vl-") && id.len() < 40));
    }

    #[test]
    fn iso8601_formats_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_795_219_201_123), "2026-11-21T00:00:01.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
