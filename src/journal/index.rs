//! How the journal finds open entries fast: by account, by voucher and by due time, in maps
//! hashed with FNV-1a.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasher, Hasher};

use super::entry::{Entry, State};

/// The journal's maps: keyed by our own ids and by voucher codes, hashed with FNV-1a (SipHash's
/// flooding resistance buys nothing against a till's own entries, and costs per lookup).
pub(super) type Map<K, V> = HashMap<K, V, Fnv>;

/// FNV-1a, 64 bits.
#[derive(Clone, Copy, Default)]
pub(super) struct Fnv;

/// The state of an [`Fnv`] hash.
pub(super) struct FnvHasher(u64);

impl BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The open entries of one account, indexed the ways the engine asks for them. Lookups borrow:
/// a call's bookkeeping allocates only for what it adds.
#[derive(Default)]
pub(super) struct AccountIndex {
    /// Open entries by voucher code.
    pub(super) by_voucher: Map<String, Vec<String>>,
    /// How many entries are open.
    pub(super) open: usize,
    /// Queued undos by due time.
    pub(super) due: BTreeSet<(u64, String)>,
    /// Settled entries whose outcome the POS has not been told.
    pub(super) unreported: std::collections::HashSet<String, Fnv>,
}

/// The index of every account of a journal (a till's journal usually holds one: a short list
/// is cheaper to search than a base URL is to hash).
#[derive(Default)]
pub(super) struct Index {
    pub(super) accounts: Vec<(String, AccountIndex)>,
}

impl Index {
    pub(super) fn account(&self, account: &str) -> Option<&AccountIndex> {
        self.accounts.iter().find(|(a, _)| a == account).map(|(_, index)| index)
    }

    pub(super) fn account_mut(&mut self, account: &str) -> &mut AccountIndex {
        let i = match self.accounts.iter().position(|(a, _)| a == account) {
            Some(i) => i,
            None => {
                self.accounts.push((account.to_string(), AccountIndex::default()));
                self.accounts.len() - 1
            }
        };
        &mut self.accounts[i].1
    }

    pub(super) fn update(&mut self, old: Option<&Entry>, new: Option<&Entry>) {
        if let Some(e) = old.filter(|e| e.state.is_open() || e.outcome_unreported) {
            let account = self.account_mut(&e.account);
            if let Some(ids) = account.by_voucher.get_mut(&e.code)
                && let Some(i) = ids.iter().position(|id| *id == e.id)
            {
                ids.swap_remove(i);
                account.open -= 1;
                if ids.is_empty() {
                    account.by_voucher.remove(&e.code);
                }
            }
            if e.state == State::Queued {
                account.due.remove(&(e.next_attempt_ms.unwrap_or(0), e.id.clone()));
            }
            if e.outcome_unreported {
                account.unreported.remove(&e.id);
            }
        }
        let Some(e) = new.filter(|e| e.state.is_open() || e.outcome_unreported) else { return };
        let account = self.account_mut(&e.account);
        if !e.state.is_open() {
            account.unreported.insert(e.id.clone());
            return;
        }
        account.open += 1;
        match account.by_voucher.get_mut(&e.code) {
            Some(ids) => ids.push(e.id.clone()),
            None => {
                account.by_voucher.insert(e.code.clone(), vec![e.id.clone()]);
            }
        }
        if e.state == State::Queued {
            account.due.insert((e.next_attempt_ms.unwrap_or(0), e.id.clone()));
        }
    }
}
