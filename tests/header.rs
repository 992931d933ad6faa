//! include/voucherlink.h: generated from the Rust sources, checked in, and valid C99 and C++17.

mod common;

use std::process::Command;

/// The header: cbindgen's output, with `VL_CALL` in each declaration. cbindgen reads only
/// `extern "C"` functions and writes no calling convention (mozilla/cbindgen#55); the exports are
/// `extern "system"` (stdcall on 32-bit Windows, C elsewhere). So cbindgen reads a copy of the
/// sources in which they say "C", and `VL_CALL` goes where C and C++ compilers take a calling
/// convention: before the function's name (after a `*` of the return type, as in
/// `char *WSAAPI inet_ntoa(...)`), and inside the callback's pointer declarator.
fn generate() -> String {
    let root = common::repo();
    let copy = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("header-src");
    let _ = std::fs::remove_dir_all(&copy);
    copy_as_c(&root.join("src"), &copy);
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(copy.join("lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    with_calling_convention(&String::from_utf8(out).expect("UTF-8 header"))
}

/// Copies a source tree, `extern "system"` written `extern "C"`.
fn copy_as_c(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_as_c(&path, &target);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&target, text.replace("extern \"system\"", "extern \"C\"")).unwrap();
        }
    }
}

/// Puts `VL_CALL` into every function declaration and into the `VlLogFn` pointer type.
fn with_calling_convention(header: &str) -> String {
    let mut out = String::with_capacity(header.len() + 1024);
    for line in header.split_inclusive('\n') {
        let declares = !line.starts_with([' ', '*', '/', '#']) && !line.starts_with("typedef");
        match line
            .find("vl_")
            .filter(|&at| declares && line[at..].find('(').is_some_and(|p| !line[at..at + p].contains(' ')))
        {
            Some(at) => {
                out.push_str(&line[..at]);
                out.push_str("VL_CALL ");
                out.push_str(&line[at..]);
            }
            None => out.push_str(&line.replace("typedef void (*VlLogFn)(", "typedef void (VL_CALL *VlLogFn)(")),
        }
    }
    out
}

/// Fails when the checked-in header differs from what cbindgen generates now.
/// `VOUCHERLINK_BLESS=1` (scripts/gen-header.sh) rewrites it instead.
#[test]
fn the_checked_in_header_is_up_to_date() {
    let path = common::repo().join("include/voucherlink.h");
    let generated = generate();
    if std::env::var_os("VOUCHERLINK_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(checked_in == generated, "include/voucherlink.h is stale: run scripts/gen-header.sh and commit the result");
}

#[test]
fn the_header_declares_every_export_with_its_documentation() {
    let header = std::fs::read_to_string(common::repo().join("include/voucherlink.h")).unwrap();
    for op in voucherlink::Operation::ALL {
        let decl = format!(
            "VlStatus VL_CALL vl_{}(const VlClient *client, const char *request_json, char **out_json);",
            op.name()
        );
        assert!(header.contains(&decl), "missing: {decl}");
    }
    for decl in [
        "const char *VL_CALL vl_version(void);",
        "uint32_t VL_CALL vl_abi_version(void);",
        "const char *VL_CALL vl_status_name(uint32_t status);",
        "VlStatus VL_CALL vl_client_new(const char *config_json, VlClient **out_client, char **out_json);",
        "void VL_CALL vl_client_free(VlClient *client);",
        "void VL_CALL vl_string_free(char *s);",
        "VlStatus VL_CALL vl_set_logger(VlLogFn callback, void *user_data, VlLogLevel min_level);",
        "VlStatus VL_CALL vl_prepare(const VlClient *client, const char *request_json, char **out_json);",
        "typedef void (VL_CALL *VlLogFn)(VlLogLevel level, const char *message_utf8, void *user_data);",
        "#define VL_CALL __stdcall",
        "typedef struct VlClient VlClient;",
    ] {
        assert!(header.contains(decl), "missing: {decl}");
    }
    for status in voucherlink::VlStatus::ALL {
        let line = format!("{status:?} = {},", status.code());
        assert!(header.contains(&line), "missing status {line}");
    }
    assert!(header.contains("#define VL_ABI_VERSION 1"));
    assert!(header.contains("extern \"C\""), "C++ guard");
    assert!(header.matches("/**").count() > 30, "doc comments reach the header");
}

#[test]
fn only_the_c_surface_reaches_the_header() {
    let header = std::fs::read_to_string(common::repo().join("include/voucherlink.h")).unwrap();
    for line in header.lines() {
        let name = line
            .strip_prefix("#define ")
            .or_else(|| line.strip_prefix("typedef struct "))
            .or_else(|| line.strip_prefix("enum "))
            .map(|rest| rest.split_whitespace().next().unwrap_or(""));
        if let Some(name) = name {
            assert!(
                name.starts_with("VL_") || name.starts_with("Vl") || name == "VOUCHERLINK_H",
                "`{name}` leaked into the C header: make the Rust item pub(crate) (only ffi items are public)"
            );
        }
    }
}

#[test]
fn the_version_macros_match_the_package() {
    use voucherlink::ffi::*;
    assert_eq!(format!("{VL_VERSION_MAJOR}.{VL_VERSION_MINOR}.{VL_VERSION_PATCH}"), env!("CARGO_PKG_VERSION"));
    let runtime = unsafe { std::ffi::CStr::from_ptr(vl_version()) }.to_str().unwrap();
    assert_eq!(runtime, env!("CARGO_PKG_VERSION"));
}

#[test]
fn the_header_compiles_as_strict_c99() {
    let dir = common::scratch("header-c99");
    let source = dir.join("include_only.c");
    std::fs::write(
        &source,
        "#include \"voucherlink.h\"\nint main(void) { return vl_abi_version() == VL_ABI_VERSION ? 0 : 1; }\n",
    )
    .unwrap();
    let exe = dir.join("include_only");
    common::compile("CC", "cc", &["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"], &[&source], &exe);
    assert!(Command::new(&exe).status().unwrap().success());
}

#[test]
fn a_cpp17_program_including_the_header_builds_links_and_runs() {
    let dir = common::scratch("header-cpp17");
    let exe = dir.join("header_test");
    let source = common::repo().join("tests/c/header_test.cpp");
    common::compile("CXX", "c++", &["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic"], &[&source], &exe);
    let out = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains(": ok"), "{stdout}");
}
