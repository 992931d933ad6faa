//! voucherlink: vouchers, gift cards and coupons from several providers (docs/providers.md) for
//! point-of-sale systems, through one small, blocking C ABI.
//!
//! The C surface (`docs/api.md`) lives in [`ffi`]; it is a thin layer over [`Client`], whose
//! results are the typed documents of [`model`]. Inside: one module per provider behind one
//! trait, one money engine for every money-moving call, one journal, one HTTP transport.

// `Error` carries every field of the result document's error object; at most one is made per
// call, so its size costs nothing worth boxing it for.
#![allow(clippy::result_large_err)]

mod call;
mod client;
mod code;
mod config;
mod digits;
mod error;
pub mod ffi;
mod http;
mod i18n;
mod journal;
mod json;
mod log;
pub mod model;
mod money;
mod operation;
mod percent;
mod providers;
mod receipt;
mod request;
mod status;
mod tls;
mod transaction;

pub use client::Client;
pub use error::{Error, Result};
pub use operation::Operation;
pub use status::VlStatus;

/// Pieces the property tests and fuzz targets exercise directly. Not a stable API.
#[doc(hidden)]
pub mod internals {
    /// Voucher code normalization and masking.
    pub mod code {
        pub use crate::code::{CodeRules, mask, normalize};
    }
    /// Amount parsing and minor units.
    pub mod money {
        pub use crate::money::{AmountWanted, from_minor_units, parse_amount, to_minor_units};
    }
    pub use crate::providers::coupontools::session_id;
    pub use crate::request::Fields;

    /// What the `voucherlink` command's support tools need beyond the C API.
    pub mod support {
        use std::path::Path;

        use crate::error::Result;
        use crate::model::JournalEntry;

        /// The entries of a journal file as `vl_pending` shows them, read without its lock (while
        /// the POS holds it), oldest first.
        pub fn journal_entries(path: &Path) -> Result<Vec<JournalEntry>> {
            Ok(crate::journal::snapshot(path)?.iter().map(crate::transaction::view).collect())
        }

        pub use crate::providers::Probe;

        /// Every provider this build knows, in the registry's order.
        pub fn providers() -> Vec<&'static str> {
            crate::providers::PROVIDERS.iter().map(|p| p.id).collect()
        }

        /// The configuration keys of a provider whose values are secrets (from its registry slot).
        pub fn secret_keys(provider: &str) -> Option<&'static [&'static str]> {
            crate::providers::lookup(provider).map(|p| p.secret_keys)
        }

        /// A provider's name for people (`"e-guma"`), from its registry slot.
        pub fn provider_name(provider: &str) -> Option<&'static str> {
            crate::providers::lookup(provider).map(|p| p.name)
        }

        /// What `voucherlink doctor` asks of a provider (from its registry slot).
        pub fn probe(provider: &str) -> Option<&'static crate::providers::Probe> {
            crate::providers::lookup(provider).map(|p| &p.probe)
        }

        /// Whether no process holds the journal at `path`.
        pub fn journal_lock_free(path: &Path) -> Result<bool> {
            crate::journal::lock_is_free(path)
        }

        /// A `time_zone` setting (IANA name or `+HH:MM`), as the library reads it.
        pub fn time_zone(name: &str) -> Option<jiff::tz::TimeZone> {
            crate::i18n::Zone::parse(name).map(|z| z.time_zone().clone())
        }

        /// The TLS configuration the library's connections use: the operating system's verifier
        /// plus `ca_file`'s roots.
        pub fn tls_client_config(ca_file: Option<&Path>) -> Result<std::sync::Arc<rustls::ClientConfig>> {
            crate::tls::client_config(ca_file)
        }
    }
}

/// The library version, as `vl_version()` returns it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
