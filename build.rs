//! Names the exports plainly on 32-bit Windows, and gives the Linux library its SONAME, so that
//! programs record the name, not the path they were linked against. Release archives (scripts/dist.sh sets VOUCHERLINK_SONAME=1) get the versioned
//! `libvoucherlink.so.<VL_ABI_VERSION>`: the number changes exactly when programs must be
//! rebuilt (docs/abi.md). Development builds get the plain `libvoucherlink.so`, which is what
//! cargo writes into target/.

use std::env;
use std::fs;

fn main() {
    println!("cargo:rerun-if-env-changed=VOUCHERLINK_SONAME");
    println!("cargo:rerun-if-changed=src/ffi/mod.rs");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "windows" && arch == "x86" && env == "gnu" {
        // The exports are __stdcall on 32-bit Windows (`extern "system"`), which the GNU linker
        // would export decorated (`vl_balance@12`): VB6, VBA, PowerBuilder and FoxPro look them up
        // by their plain names. (The import libraries that map the decorated names C compilers
        // use to the plain ones are made by scripts/build-windows.sh, with dlltool -k.)
        println!("cargo:rustc-cdylib-link-arg=-Wl,--kill-at");
    }
    if os != "linux" {
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
