//! Claims: one money-moving operation per voucher at a time in this process, and one thread per
//! journal entry. Operations on one voucher are serialized so that a lost answer can be resolved
//! from the voucher's state (nothing else of this process changes it meanwhile). Claims are
//! process-wide, keyed by account and canonical code, so every client of an account shares them.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use once_cell::sync::Lazy;

/// What is claimed now. A process has a handful of operations under way at once: short lists are
/// cheaper to search than keys are to hash.
#[derive(Default)]
struct Held {
    /// (account, canonical code) with a money-moving operation in progress.
    vouchers: Vec<(String, String)>,
    /// Journal entries being worked on.
    entries: Vec<String>,
    /// Threads waiting for a voucher (a release wakes them only if there are any: a futex wake
    /// is a syscall).
    waiting: usize,
}

#[derive(Default)]
struct Claims {
    held: Mutex<Held>,
    released: Condvar,
}

static CLAIMS: Lazy<Claims> = Lazy::new(Claims::default);

fn held() -> MutexGuard<'static, Held> {
    CLAIMS.held.lock().unwrap_or_else(|p| p.into_inner())
}

/// The vouchers one operation holds (the code as typed and, when the provider maps it to
/// another, the canonical code); released on drop.
pub struct VoucherClaim {
    keys: Vec<(String, String)>,
}

impl VoucherClaim {
    /// Claims `code` of `account`, waiting (until `deadline`) while another operation holds it.
    /// None when the deadline passes first.
    pub fn take(account: &str, code: &str, deadline: Instant) -> Option<VoucherClaim> {
        let mut claim = VoucherClaim { keys: Vec::with_capacity(1) };
        claim.add(account, code, deadline).then_some(claim)
    }

    /// Also claims `code` (the canonical code of a voucher claimed under another spelling).
    pub fn add(&mut self, account: &str, code: &str, deadline: Instant) -> bool {
        let key = (account.to_string(), code.to_string());
        if self.keys.contains(&key) {
            return true;
        }
        let mut held = held();
        while held.vouchers.contains(&key) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            held.waiting += 1;
            held = CLAIMS.released.wait_timeout(held, left).unwrap_or_else(|p| p.into_inner()).0;
            held.waiting -= 1;
        }
        held.vouchers.push(key.clone());
        self.keys.push(key);
        true
    }
}

impl Drop for VoucherClaim {
    fn drop(&mut self) {
        let mut held = held();
        held.vouchers.retain(|key| !self.keys.contains(key));
        if held.waiting > 0 {
            CLAIMS.released.notify_all();
        }
    }
}

/// A journal entry one thread works on; released on drop.
pub struct EntryClaim {
    id: String,
}

impl EntryClaim {
    /// Claims an entry; None when another thread is working on it.
    pub fn take(id: &str) -> Option<EntryClaim> {
        let mut held = held();
        if held.entries.iter().any(|e| e == id) {
            return None;
        }
        held.entries.push(id.to_string());
        Some(EntryClaim { id: id.to_string() })
    }
}

impl Drop for EntryClaim {
    fn drop(&mut self) {
        held().entries.retain(|e| *e != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_voucher_is_held_by_one_operation_under_every_spelling() {
        let soon = || Instant::now() + Duration::from_millis(30);
        let mut first = VoucherClaim::take("acct-claims", "SHORT1", soon()).unwrap();
        assert!(first.add("acct-claims", "REALCODE", soon()));
        assert!(VoucherClaim::take("acct-claims", "REALCODE", soon()).is_none(), "the real code is held too");
        assert!(VoucherClaim::take("other-account", "REALCODE", soon()).is_some());
        drop(first);
        assert!(VoucherClaim::take("acct-claims", "REALCODE", soon()).is_some());
    }

    #[test]
    fn a_waiting_operation_gets_the_voucher_when_it_is_released() {
        let claim = VoucherClaim::take("acct-wait", "V", Instant::now()).unwrap();
        let waiter = std::thread::spawn(|| {
            VoucherClaim::take("acct-wait", "V", Instant::now() + Duration::from_secs(5)).is_some()
        });
        std::thread::sleep(Duration::from_millis(50));
        drop(claim);
        assert!(waiter.join().unwrap());
    }

    #[test]
    fn an_entry_is_worked_on_by_one_thread() {
        let a = EntryClaim::take("vl-claims-test").unwrap();
        assert!(EntryClaim::take("vl-claims-test").is_none());
        drop(a);
        assert!(EntryClaim::take("vl-claims-test").is_some());
    }
}
