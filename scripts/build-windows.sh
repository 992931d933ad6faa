#!/usr/bin/env bash
# Cross-builds voucherlink.dll and the voucherlink command for 32-bit and 64-bit Windows (7 and
# later) on Debian/Ubuntu:
#   target/windows/x86/   voucherlink.dll, voucherlink.dll.a (MinGW import library),
#   target/windows/x64/   voucherlink.lib (import library for MSVC), voucherlink.def, voucherlink.h,
#                         voucherlink.exe (the command: tools, doctor, simulator)
# and checks each DLL: exactly the vl_ functions of the header exported, by their plain names (on
# x86 they are __stdcall, which the linker would decorate as vl_balance@12: build.rs passes
# --kill-at); no MinGW runtime DLL and no DLL that Windows 7 lacks among its imports. On x86 the
# import libraries map the decorated names C compilers reference (_vl_balance@12) to the plain
# exports (dlltool -k).
#
#   scripts/build-windows.sh [x86|x64 ...]      (default: both)
#
# How: the *-win7-windows-gnu targets (the plain *-pc-windows-gnu std of current Rust needs
# bcryptprimitives.dll, which Windows 7 lacks) have no prebuilt standard library, so it is built
# from source (-Zbuild-std, RUSTC_BOOTSTRAP=1) with the rust-src component of the active
# toolchain; MinGW-w64's gcc links, and compiles ring's C code. Installs what is missing
# (gcc-mingw-w64 from Debian, rust-src with rustup).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
target_root="${CARGO_TARGET_DIR:-$repo/target}"
out_root="$target_root/windows"
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86 x64)

have() { command -v "$1" >/dev/null 2>&1; }
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
if ! have i686-w64-mingw32-gcc || ! have x86_64-w64-mingw32-gcc; then
    echo "== installing MinGW-w64 (gcc-mingw-w64-i686, gcc-mingw-w64-x86-64)"
    $sudo apt-get update -qq || true   # a stale index elsewhere must not stop this install
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gcc-mingw-w64-i686 gcc-mingw-w64-x86-64 >/dev/null
fi
sysroot="$(rustc --print sysroot)"
if [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
    echo "== installing the rust-src component (the standard library is built from source)"
    for attempt in 1 2 3; do
        rustup component add rust-src && break
        [ "$attempt" = 3 ] && { echo "rust-src could not be installed (rustup needs static.rust-lang.org)"; exit 1; }
        sleep 10
    done
fi

# The vl_ functions the header declares: each must be exported by name, and nothing else.
mapfile -t declared < <(grep -oE '\bvl_[a-z_]+\(' include/voucherlink.h | tr -d '(' | sort -u)
# Their __stdcall decoration on x86: name@<bytes of arguments> (every parameter is 4 bytes there:
# pointers and 32-bit integers).
stdcall_name() {
    local params
    params="$(grep -oE "VL_CALL $1\([^)]*\)" include/voucherlink.h | head -1 | sed -E 's/.*\((.*)\)/\1/')"
    if [ "$params" = void ] || [ -z "$params" ]; then echo "$1@0"; else echo "$1@$(( ($(tr -cd , <<<"$params" | wc -c) + 1) * 4 ))"; fi
}

build() {
    local arch="$1" triple mingw
    case "$arch" in
        x86) triple=i686-win7-windows-gnu; mingw=i686-w64-mingw32 ;;
        x64) triple=x86_64-win7-windows-gnu; mingw=x86_64-w64-mingw32 ;;
        *) echo "unknown architecture $arch (x86 or x64)"; exit 2 ;;
    esac
    local env_triple="${triple//-/_}"
    local started=$SECONDS
    echo "== building $triple"
    # The C parts (ring) must be compiled by MinGW's gcc, not by the host's cc.
    env "CC_$env_triple=$mingw-gcc" "AR_$env_triple=$mingw-ar" \
        "CARGO_TARGET_${env_triple^^}_LINKER=$mingw-gcc" RUSTC_BOOTSTRAP=1 \
        cargo build --locked --release --lib --bin voucherlink \
        -Zbuild-std=std,panic_unwind --target "$triple"

    local built="$target_root/$triple/release" out="$out_root/$arch"
    mkdir -p "$out"
    cp "$built/voucherlink.dll" "$built/voucherlink.exe" "$out/"
    cp "$built/libvoucherlink.dll.a" "$out/voucherlink.dll.a"
    cp include/voucherlink.h "$out/"

    # Exports: exactly the declared functions, by their plain names (no vl_balance@12).
    local exports
    exports="$("$mingw-objdump" -p "$out/voucherlink.dll" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' \
        | grep -E '^\s*\[ *[0-9]+\] ' | awk '{print $NF}' | sort -u)"
    if [ "$exports" != "$(printf '%s\n' "${declared[@]}")" ]; then
        echo "FAIL: $arch DLL exports differ from the header's functions (< exported, > declared):"
        diff <(echo "$exports") <(printf '%s\n' "${declared[@]}") || true
        exit 1
    fi

    # Imports: system DLLs only (no libgcc_s / libwinpthread / libstdc++), none newer than Windows 7.
    local imports
    imports="$("$mingw-objdump" -p "$out/voucherlink.dll" | sed -n 's/^\s*DLL Name: //p' | sort -u)"
    if grep -qiE 'libgcc|libwinpthread|libstdc|bcryptprimitives|api-ms-win' <<<"$imports"; then
        echo "FAIL: $arch DLL imports a DLL a Windows 7 till may lack:"; echo "$imports"; exit 1
    fi
    if "$mingw-objdump" -p "$out/voucherlink.exe" | sed -n 's/^\s*DLL Name: //p' | grep -qiE 'libgcc|libwinpthread|libstdc|bcryptprimitives|api-ms-win'; then
        echo "FAIL: $arch voucherlink.exe imports a DLL a Windows 7 till may lack"; exit 1
    fi

    # voucherlink.def and an import library for MSVC's linker (lib.exe /def: makes the same). On
    # x86 the .def names the __stdcall decorations, and dlltool -k links them to the plain exports:
    # the .lib (MSVC) and the .dll.a (MinGW) resolve _vl_balance@12 to voucherlink.dll!vl_balance.
    if [ "$arch" = x86 ]; then
        { echo "LIBRARY voucherlink.dll"; echo "EXPORTS"; for name in "${declared[@]}"; do echo "    $(stdcall_name "$name")"; done; } \
            > "$out/voucherlink.def"
        "$mingw-dlltool" -k -d "$out/voucherlink.def" -l "$out/voucherlink.lib" -D voucherlink.dll -m i386
        "$mingw-dlltool" -k -d "$out/voucherlink.def" -l "$out/voucherlink.dll.a" -D voucherlink.dll -m i386
    else
        { echo "LIBRARY voucherlink.dll"; echo "EXPORTS"; sed 's/^/    /' <<<"$exports"; } > "$out/voucherlink.def"
        "$mingw-dlltool" -d "$out/voucherlink.def" -l "$out/voucherlink.lib" -D voucherlink.dll -m i386:x86-64
    fi

    printf '== %s: voucherlink.dll %s bytes, %d exports, imports %s; voucherlink.exe %s bytes; built in %d s\n' "$arch" \
        "$(stat -c %s "$out/voucherlink.dll")" "$(wc -l <<<"$exports")" "$(tr '\n' ' ' <<<"$imports")" \
        "$(stat -c %s "$out/voucherlink.exe")" $((SECONDS - started))
}

for arch in "${arches[@]}"; do
    build "$arch"
done
echo "== Windows DLLs in $out_root"
