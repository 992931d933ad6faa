//! The status codes every function returns (docs/api.md §3).

/// The outcome of a call. Equals `error.code` in the result document (0 on success).
///
/// Values are part of the ABI: they never change and are never reused.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VlStatus {
    /// Done.
    VL_OK = 0,
    /// The caller's input is wrong; nothing was sent.
    VL_INVALID_ARGUMENT = 1,
    /// The client configuration is wrong (bad provider, missing credential, bad URL).
    VL_CONFIG = 2,
    /// This provider has no such operation; nothing was sent.
    VL_UNSUPPORTED = 3,
    /// The provider does not know this voucher / member / session.
    VL_NOT_FOUND = 4,
    /// The provider refused: not redeemable, already used, expired, locked, insufficient balance, wrong status.
    VL_REJECTED = 5,
    /// Credentials refused.
    VL_AUTH = 6,
    /// The request did not reach the provider, or was a read that timed out: nothing changed.
    VL_NETWORK = 7,
    /// A money-moving request was sent and its outcome is still unknown after the library tried
    /// to resolve it; it is in the journal (see `journal_id`).
    VL_IN_DOUBT = 8,
    /// The provider failed (5xx, malformed or unexpected response).
    VL_PROVIDER = 9,
    /// A bug in the library.
    VL_INTERNAL = 10,
}

impl VlStatus {
    /// Every status, in numeric order.
    ///
    /// cbindgen:ignore
    pub const ALL: [VlStatus; 11] = [
        VlStatus::VL_OK,
        VlStatus::VL_INVALID_ARGUMENT,
        VlStatus::VL_CONFIG,
        VlStatus::VL_UNSUPPORTED,
        VlStatus::VL_NOT_FOUND,
        VlStatus::VL_REJECTED,
        VlStatus::VL_AUTH,
        VlStatus::VL_NETWORK,
        VlStatus::VL_IN_DOUBT,
        VlStatus::VL_PROVIDER,
        VlStatus::VL_INTERNAL,
    ];

    /// The numeric code, as in the result document.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The status with this numeric code, if any.
    pub fn from_code(code: u32) -> Option<VlStatus> {
        VlStatus::ALL.get(code as usize).copied()
    }

    /// [`VlStatus::name`] as a C string (for `vl_status_name`).
    pub fn c_name(self) -> &'static std::ffi::CStr {
        match self {
            VlStatus::VL_OK => c"ok",
            VlStatus::VL_INVALID_ARGUMENT => c"invalid_argument",
            VlStatus::VL_CONFIG => c"config",
            VlStatus::VL_UNSUPPORTED => c"unsupported",
            VlStatus::VL_NOT_FOUND => c"not_found",
            VlStatus::VL_REJECTED => c"rejected",
            VlStatus::VL_AUTH => c"auth",
            VlStatus::VL_NETWORK => c"network",
            VlStatus::VL_IN_DOUBT => c"in_doubt",
            VlStatus::VL_PROVIDER => c"provider",
            VlStatus::VL_INTERNAL => c"internal",
        }
    }

    /// The lower-case name without the `VL_` prefix, as in the result document's `status`.
    pub fn name(self) -> &'static str {
        match self {
            VlStatus::VL_OK => "ok",
            VlStatus::VL_INVALID_ARGUMENT => "invalid_argument",
            VlStatus::VL_CONFIG => "config",
            VlStatus::VL_UNSUPPORTED => "unsupported",
            VlStatus::VL_NOT_FOUND => "not_found",
            VlStatus::VL_REJECTED => "rejected",
            VlStatus::VL_AUTH => "auth",
            VlStatus::VL_NETWORK => "network",
            VlStatus::VL_IN_DOUBT => "in_doubt",
            VlStatus::VL_PROVIDER => "provider",
            VlStatus::VL_INTERNAL => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_dense_and_names_are_the_c_names_in_lower_case() {
        for (i, s) in VlStatus::ALL.iter().enumerate() {
            assert_eq!(s.code() as usize, i);
            let c_name = format!("{s:?}");
            assert_eq!(format!("VL_{}", s.name().to_uppercase()), c_name);
            assert_eq!(s.c_name().to_str().unwrap(), s.name());
            assert_eq!(VlStatus::from_code(s.code()), Some(*s));
        }
        assert_eq!(VlStatus::from_code(11), None);
    }
}
