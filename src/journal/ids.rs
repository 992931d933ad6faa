//! Clocks and ids: the time entries are stamped with, and the transaction ids the library makes.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use once_cell::sync::Lazy;

/// Milliseconds since 1970 (UTC).
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// `2026-11-21T23:50:01.123Z` for milliseconds since 1970.
pub fn iso8601(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

/// A new transaction id: `vl-` + milliseconds since 1970 + 64 random bits, in hex. Unique across
/// tills and restarts; the journal id of a money-moving call, sent to the provider as our
/// reference where it has a field for one.
pub fn new_transaction_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    // RandomState is seeded from the OS per process; hashing a counter and the clock through it
    // gives distinct, unpredictable values without another dependency.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(now.as_nanos());
    static PROCESS: Lazy<u32> = Lazy::new(std::process::id);
    hasher.write_u32(*PROCESS);
    // Written by hand: format!'s machinery costs more than everything else here.
    let mut id = String::with_capacity(31);
    id.push_str("vl-");
    push_hex(&mut id, now.as_millis() as u64, 11);
    id.push('-');
    push_hex(&mut id, hasher.finish(), 16);
    id
}

/// Appends `value` in lower-case hex, zero-padded to at least `width` digits.
fn push_hex(out: &mut String, value: u64, width: usize) {
    let digits = (16 - value.leading_zeros() as usize / 4).max(1).max(width);
    for i in (0..digits).rev() {
        let nibble = if i < 16 { (value >> (i * 4)) & 0xf } else { 0 };
        out.push(char::from(b"0123456789abcdef"[nibble as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_ids_are_hex_of_fixed_shape() {
        let mut out = String::new();
        push_hex(&mut out, 0x1a2b, 11);
        assert_eq!(out, "00000001a2b");
        let mut out = String::new();
        push_hex(&mut out, u64::MAX, 16);
        assert_eq!(out, "ffffffffffffffff");
        let id = new_transaction_id();
        assert!(id.len() == 31 && id.starts_with("vl-") && id.as_bytes()[14] == b'-', "{id}");
        assert_ne!(new_transaction_id(), new_transaction_id());
    }
}
