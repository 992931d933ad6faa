//! voucherlink: vouchers, gift cards and coupons from e-guma, Treazure, GonnaOrder and
//! Coupontools for point-of-sale systems, through one small, blocking C ABI.
//!
//! The C surface (API.md) lives in [`ffi`]; it is a thin layer over [`Client`]. Each provider is
//! one module behind the [`providers::Provider`] trait; all share the transport in [`http`].

// `Error` carries every field of the result document's error object; at most one is made per
// call, so its size costs nothing worth boxing it for.
#![allow(clippy::result_large_err)]

pub mod call;
pub mod client;
pub mod code;
pub mod config;
pub mod error;
pub mod ffi;
pub mod http;
pub mod i18n;
pub mod journal;
pub mod log;
pub mod model;
pub mod money;
pub mod operation;
pub mod providers;
pub mod receipt;
pub mod request;
pub mod status;
pub mod transaction;

mod tls;

pub use client::Client;
pub use error::{Error, Result};
pub use operation::Operation;
pub use status::VlStatus;

/// The library version, as `vl_version()` returns it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
