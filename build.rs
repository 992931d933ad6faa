//! Gives the Linux library its SONAME, so that programs record the name, not the path they were
//! linked against. Release archives (scripts/dist.sh sets VOUCHERLINK_SONAME=1) get the versioned
//! `libvoucherlink.so.<VL_ABI_VERSION>`: the number changes exactly when programs must be
//! rebuilt (docs/abi.md). Development builds get the plain `libvoucherlink.so`, which is what
//! cargo writes into target/.

use std::env;
use std::fs;

fn main() {
    println!("cargo:rerun-if-env-changed=VOUCHERLINK_SONAME");
    println!("cargo:rerun-if-changed=src/ffi/mod.rs");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let soname = if env::var_os("VOUCHERLINK_SONAME").is_some() {
        format!("libvoucherlink.so.{}", abi_version())
    } else {
        "libvoucherlink.so".to_string()
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
}

/// `VL_ABI_VERSION` as src/ffi/mod.rs defines it (one source of truth).
fn abi_version() -> u32 {
    let source = fs::read_to_string("src/ffi/mod.rs").expect("src/ffi/mod.rs is readable");
    source
        .lines()
        .find_map(|line| line.strip_prefix("pub const VL_ABI_VERSION: u32 = ")?.strip_suffix(';')?.parse().ok())
        .expect("src/ffi/mod.rs defines `pub const VL_ABI_VERSION: u32 = N;`")
}
