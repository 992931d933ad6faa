//! The journal's file: reading it back (a torn last line dropped, damage refused), where it
//! really is (symbolic links followed), its private mode and durable renames.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::entry::Entry;
use super::index::Map;
use crate::error::{Error, Result};

/// The error of a write the journal could not make: nothing was sent.
pub(super) fn write_error(path: &Path, e: &std::io::Error) -> Error {
    Error::config(format!("the journal {} cannot be written ({e}); nothing was sent", path.display()))
}

/// Reads a journal file: the last snapshot of each id wins. A torn last line (no newline: a kill
/// mid-write) is dropped; any other line that does not read back refuses the open.
pub(super) fn read_entries(file: File, path: &Path) -> Result<Map<String, Entry>> {
    let mut entries = Map::default();
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::config(format!("the journal {} cannot be read: {e}", path.display())))?;
        if read == 0 {
            break;
        }
        number += 1;
        let complete = line.last() == Some(&b'\n');
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if number == 1 {
            let header: Option<Value> = serde_json::from_slice(text).ok();
            match header.as_ref().and_then(|h| h.get("voucherlink_journal")) {
                Some(v) if v == 1 => continue,
                _ if text.is_empty() => continue,
                _ => {
                    return Err(Error::config(format!(
                        "{} is not a voucherlink journal (or a newer version's): refusing to overwrite it",
                        path.display()
                    )));
                }
            }
        }
        match serde_json::from_slice::<Entry>(text) {
            Ok(entry) => {
                entries.insert(entry.id.clone(), entry);
            }
            // A kill in the middle of writing the last line.
            Err(_) if !complete => break,
            Err(e) => {
                return Err(Error::config(format!(
                    "the journal {} is damaged at line {number} ({e}); it was left as it is. The line may hold an \
                     open operation: restore the file from a backup, or move it aside and settle its open \
                     operations by hand in the provider's back office (`voucherlink journal list --journal <file>` \
                     shows what it holds)",
                    path.display()
                )));
            }
        }
    }
    Ok(entries)
}

/// The file a journal path names: symbolic links followed (the file itself and its folders), so
/// that the lock and the compaction's temporary file sit beside the real file.
pub(super) fn resolve(path: &Path) -> Result<PathBuf> {
    let unusable = |e: std::io::Error| Error::config(format!("`journal_path` {} is not usable: {e}", path.display()));
    let mut current = path.to_path_buf();
    for _ in 0..32 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current).map_err(unusable)?;
                current = match current.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            Ok(meta) if meta.is_dir() => {
                return Err(Error::config(format!("`journal_path` {} is a folder, not a file", path.display())));
            }
            Ok(_) => return current.canonicalize().map_err(unusable),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let name = current
                    .file_name()
                    .ok_or_else(|| Error::config(format!("`journal_path` {} names no file", path.display())))?;
                let parent = match current.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let dir = parent.canonicalize().map_err(|e| {
                    Error::config(format!("the folder of `journal_path` {} is not usable: {e}", path.display()))
                })?;
                return Ok(dir.join(name));
            }
            Err(e) => return Err(unusable(e)),
        }
    }
    Err(Error::config(format!("`journal_path` {} has too many levels of symbolic links", path.display())))
}

/// Files of the journal hold voucher codes: readable by the till's user only (Unix).
pub(super) fn private_file(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600)
    }
    #[cfg(not(unix))]
    options
}

pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Makes a rename durable (Unix: fsync the folder). Windows has no such call; NTFS journals renames.
pub(super) fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}
