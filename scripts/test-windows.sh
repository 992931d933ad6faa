#!/usr/bin/env bash
# Smoke test of the Windows DLLs under wine, on Debian:
#   1. builds both DLLs and checks their exports and imports (scripts/build-windows.sh);
#   2. installs wine (64-bit: wine64; 32-bit: wine32:i386 after `dpkg --add-architecture i386`);
#   3. cross-compiles the C ABI test (tests/c/abi_test.c) with MinGW for each architecture,
#      statically (no MinGW runtime DLL beside it), and runs every phase of it under wine
#      against the provider simulator (a Linux process on loopback): e-guma flow and bad
#      inputs, Treazure, GonnaOrder, Coupontools, the journal file with a Windows path, the
#      journal's lock held by another Windows process, and TLS verified by CryptoAPI with the
#      simulator's throwaway CA from `ca_file`;
#   4. on x86, runs tests/c/vb6_host.c: the DLL called as VB6 / VBA / PowerBuilder / FoxPro call it
#      (LoadLibrary, GetProcAddress by plain names, __stdcall with the stack pointer checked);
#   5. runs the Windows voucherlink command (an operation, the doctor) under wine.
#
#   scripts/test-windows.sh [x86|x64 ...]      (default: both)
#
# Called by `scripts/test.sh --windows` (and so by CI); the everyday test run skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
target_root="${CARGO_TARGET_DIR:-$repo/target}"
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x64 x86)
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
apt_get() { DEBIAN_FRONTEND=noninteractive $sudo apt-get "$@"; }

started=$SECONDS
scripts/build-windows.sh "${arches[@]}"
build_seconds=$((SECONDS - started))

work="$(mktemp -d /tmp/voucherlink-wine.XXXXXX)"
sim_pid=""
cleanup() {
    [ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null || true
    for prefix in "$work"/prefix-*; do
        [ -d "$prefix" ] && WINEPREFIX="$prefix" wineserver -k 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# --- wine -----------------------------------------------------------------------------------

wine_loader() { # the wine loader for an architecture: 64-bit wine64, 32-bit wine (Debian's paths)
    case "$1" in
        x64) echo /usr/lib/wine/wine64 ;;
        x86) echo /usr/lib/wine/wine ;;
    esac
}

install_wine64() {
    [ -x /usr/lib/wine/wine64 ] && return
    echo "== installing wine64"
    apt_get update -qq || true   # a stale foreign index must not stop this install
    apt_get install -y -qq --no-install-recommends wine64 >/dev/null
}

# Installs wine32:i386. Debian's mirror sometimes serves a bookworm-security i386 index that
# is out of sync with its Release file ("File has unexpected size ... Mirror sync in progress?").
# apt then drops that index, and every amd64 library already upgraded from bookworm-security
# has no i386 twin of the same version, which Multi-Arch: same requires — wine32 becomes
# uninstallable. Then this fetches exactly those i386 twins from the security pool (the
# packages themselves are there; only the index is stale) and hands them to apt as files.
install_wine32() {
    [ -x /usr/lib/wine/wine ] && return
    echo "== installing wine32:i386"
    [ -n "$(dpkg --print-foreign-architectures | grep -x i386)" ] || $sudo dpkg --add-architecture i386
    apt_get update -qq || true
    local attempt
    for attempt in 1 2; do
        apt_get install -y -qq --no-install-recommends wine32:i386 >/dev/null 2>&1 && return
        echo "   wine32:i386 is not installable from the index (attempt $attempt); working around a stale i386 security index"
        if install_wine32_from_security_pool; then return; fi
        sleep 10
        apt_get update -qq || true
    done
    echo "!! wine32:i386 could not be installed: the 32-bit DLL is built and its exports checked, but not run"
    return 1
}

install_wine32_from_security_pool() {
    local lists=/var/lib/apt/lists cat=/usr/lib/apt/apt-helper debs="$work/i386-debs"
    local security_amd64
    security_amd64="$(ls "$lists"/*debian-security*bookworm-security_main_binary-amd64_Packages* 2>/dev/null | head -1)"
    [ -n "$security_amd64" ] || return 1
    mkdir -p "$debs"
    # The i386 packages wine32 needs, the amd64 packages installed, the i386 versions known.
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances wine32:i386 2>/dev/null | grep -v '^ ' | sed 's/:i386$//' | sort -u >"$debs/closure"
    dpkg-query -W -f='${Package} ${Architecture}\n' | awk '$2=="amd64"{print $1}' | sort -u >"$debs/installed"
    for list in "$lists"/*binary-i386_Packages*; do "$cat" cat-file "$list"; done \
        | awk '/^Package:/{p=$2} /^Version:/{print p, $2}' | sort -u >"$debs/i386-known"
    "$cat" cat-file "$security_amd64" \
        | awk '/^Package:/{p=$2} /^Version:/{v=$2} /^Multi-Arch:/{m=$2} /^Filename:/{f=$2}
               /^$/{if (m=="same") print p, v, f; p=v=m=f=""}' >"$debs/security-same"
    # Needed: in wine32's closure, installed for amd64, whose security version is the amd64
    # candidate and unknown for i386.
    awk 'FILENAME==ARGV[1]{c[$1]=1; next} FILENAME==ARGV[2]{i[$1]=1; next}
         FILENAME==ARGV[3]{k[$1" "$2]=1; next} ($1 in c) && ($1 in i) && !(($1" "$2) in k)' \
        "$debs/closure" "$debs/installed" "$debs/i386-known" "$debs/security-same" >"$debs/missing"
    [ -s "$debs/missing" ] || return 1
    apt-cache policy $(awk '{print $1}' "$debs/missing") \
        | awk '/^[^ ]/{sub(/:$/, "", $1); p=$1} /Candidate:/{print p, $2}' >"$debs/candidates"
    local files=() pins=() package version file installed
    while read -r package version file; do
        if curl -fs -o "$debs/${package}_i386.deb" "http://deb.debian.org/debian-security/${file%_amd64.deb}_i386.deb"; then
            files+=("$debs/${package}_i386.deb")
        else
            # Not built for i386 yet: keep the amd64 package where it is and take its i386 twin.
            installed="$(dpkg-query -W -f='${Version}' "$package:amd64")"
            grep -qx "$package $installed" "$debs/i386-known" && pins+=("$package:i386=$installed")
        fi
    done < <(awk 'FILENAME==ARGV[1]{cand[$1]=$2; next} cand[$1]==$2' "$debs/candidates" "$debs/missing")
    [ ${#files[@]} -gt 0 ] || return 1
    echo "   installing wine32:i386 with ${#files[@]} i386 packages from the security pool"
    apt_get install -y -qq --no-install-recommends wine32:i386 "${files[@]}" "${pins[@]}" >/dev/null
}

install_wine64
wine32_ok=1
if [[ " ${arches[*]} " == *" x86 "* ]]; then install_wine32 || wine32_ok=0; fi

# --- the simulator and the test program ------------------------------------------------------

cargo build --quiet --locked --release --bin voucherlink
simulator="$target_root/release/voucherlink"

start_simulator() { # [--tls]; sets $sim_url_<provider> (and $sim_url_ca_file) from the ready line
    exec 3< <("$simulator" sim --listen 127.0.0.1:0 "$@")
    sim_pid=$!
    local ready
    read -r ready <&3
    for provider in eguma treazure gonnaorder coupontools ca_file; do
        printf -v "sim_url_$provider" '%s' "$(printf '%s' "$ready" | sed -E "s/.*\"$provider\":\"([^\"]+)\".*/\1/")"
    done
}
stop_simulator() { kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; sim_pid=""; }

failed=0
run_phase() { # arch exe url phase [journal path]; passes when the program reports 0 failures
    local arch="$1" exe="$2" url="$3" phase="$4" output
    shift 4
    if output="$(run_wine "$arch" "$exe" "$url" "$phase" "$@" 2>&1)" && grep -q '^0 failure(s)' <<<"$output"; then
        echo "   ok   $arch $phase"
    else
        echo "   FAIL $arch $phase"
        sed 's/^/        /' <<<"$output"
        failed=1
    fi
}
run_wine() { # arch program args...
    local arch="$1"
    shift
    local winearch=win64
    [ "$arch" = x64 ] || winearch=win32
    env WINEPREFIX="$work/prefix-$arch" WINEARCH="$winearch" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
        "$(wine_loader "$arch")" "$@"
}
# A Windows path for a Linux path (wine maps the root directory to drive Z:).
windows_path() { printf 'Z:%s' "${1//\//\\}"; }

for arch in "${arches[@]}"; do
    if [ "$arch" = x86 ] && [ "$wine32_ok" = 0 ]; then continue; fi
    case "$arch" in x86) mingw=i686-w64-mingw32 ;; x64) mingw=x86_64-w64-mingw32 ;; esac
    dir="$work/$arch"
    mkdir -p "$dir"
    cp "$target_root/windows/$arch/voucherlink.dll" "$dir/"
    "$mingw-gcc" -std=c99 -Wall -Wextra -Werror -pedantic -D_POSIX_C_SOURCE=200809L -I include \
        tests/c/abi_test.c -L "$target_root/windows/$arch" -l:voucherlink.dll.a -static -lpthread \
        -o "$dir/abi_test.exe"
    exe="$dir/abi_test.exe"
    echo "== $arch: tests/c/abi_test.c under $(basename "$(wine_loader "$arch")") ($(run_wine "$arch" --version 2>/dev/null || echo wine))"
    run_wine "$arch" wineboot --init >/dev/null 2>&1 || true   # create the prefix once, quietly

    for phase in flow bad-inputs treazure gonnaorder coupontools; do
        start_simulator
        case "$phase" in
            treazure | gonnaorder | coupontools) url_var="sim_url_$phase" ;;
            *) url_var=sim_url_eguma ;;
        esac
        run_phase "$arch" "$exe" "${!url_var}" "$phase"
        stop_simulator
    done

    # The journal: a file with a Windows path, shared by two clients of one process...
    start_simulator
    journal="$dir/journal dir/journal.jsonl"
    mkdir -p "$(dirname "$journal")"
    run_phase "$arch" "$exe" "$sim_url_eguma" journal "$(windows_path "$journal")"
    # ...and locked against a second process while the first holds it open.
    fifo="$dir/hold-stdin"
    mkfifo "$fifo"
    run_wine "$arch" "$exe" "$sim_url_eguma" journal-hold "$(windows_path "$journal")" <"$fifo" >"$dir/hold.out" 2>&1 &
    holder=$!
    exec 4>"$fifo"
    for _ in $(seq 1 300); do grep -q holding "$dir/hold.out" 2>/dev/null && break; sleep 0.1; done
    if grep -q holding "$dir/hold.out"; then
        run_phase "$arch" "$exe" "$sim_url_eguma" journal-busy "$(windows_path "$journal")"
    else
        echo "   FAIL $arch journal-hold did not start"; cat "$dir/hold.out"; failed=1
    fi
    echo >&4
    exec 4>&-
    wait "$holder" || { echo "   FAIL $arch journal-hold"; cat "$dir/hold.out"; failed=1; }
    run_phase "$arch" "$exe" "$sim_url_eguma" journal "$(windows_path "$journal")"
    stop_simulator

    # TLS verified by CryptoAPI (a chain engine with the roots of ca_file, the revocation list
    # fetched): the simulator's throwaway CA trusted through ca_file. By "localhost": wine's SSL
    # policy matches DNS names only, not IP addresses. The refusal without ca_file (tls-refused)
    # runs on Linux only: wine 8's SSL policy does not reject a chain that ends at an unknown
    # root — Windows does (CERT_E_UNTRUSTEDROOT) — so under wine it proves nothing.
    start_simulator --tls
    run_phase "$arch" "$exe" "${sim_url_eguma/127.0.0.1/localhost}" tls "$(windows_path "$sim_url_ca_file")"
    rm -f "$sim_url_ca_file"
    stop_simulator

    # What VB6, VBA, PowerBuilder and Visual FoxPro do on 32-bit Windows: LoadLibrary, GetProcAddress
    # by the plain names, __stdcall calls with the stack pointer compared around each one, a
    # __stdcall callback, a checkout (tests/c/vb6_host.c).
    if [ "$arch" = x86 ]; then
        "$mingw-gcc" -std=c99 -O2 -Wall -Wextra -Werror tests/c/vb6_host.c -static -o "$dir/vb6_host.exe"
        start_simulator
        if output="$(cd "$dir" && run_wine "$arch" "$dir/vb6_host.exe" "$sim_url_eguma" 2>&1)" && grep -q '^0 failure(s)' <<<"$output"; then
            echo "   ok   $arch vb6_host ($(grep -o '^[0-9]* calls through __stdcall function pointers' <<<"$output"))"
        else
            echo "   FAIL $arch vb6_host"
            sed 's/^/        /' <<<"$output"
            failed=1
        fi
        stop_simulator
    fi
done

# The voucherlink command for Windows (in the release archives): an operation and the doctor
# against the simulator, from a till configuration file.
for arch in "${arches[@]}"; do
    if [ "$arch" = x86 ] && [ "$wine32_ok" = 0 ]; then continue; fi
    start_simulator
    config="$work/till-$arch.json"
    printf '{"provider":"eguma","api_key":"demo-outlet-1","base_url":"%s"}' "$sim_url_eguma" > "$config"
    exe="$target_root/windows/$arch/voucherlink.exe"
    if output="$(run_wine "$arch" "$exe" balance --config "$(windows_path "$config")" --code L4FU5LQTKJR3 2>&1)" \
        && grep -q "balance          50.00" <<<"$output" \
        && doctor="$(run_wine "$arch" "$exe" doctor --config "$(windows_path "$config")" 2>&1)" \
        && grep -q "all checks passed" <<<"$doctor"; then
        echo "   ok   $arch voucherlink.exe balance, doctor"
    else
        echo "   FAIL $arch voucherlink.exe"
        sed 's/^/        /' <<<"$output${doctor:+
$doctor}"
        failed=1
    fi
    stop_simulator
done

echo "== Windows DLLs (built in ${build_seconds}s):"
for arch in "${arches[@]}"; do
    printf '   %s  %s bytes\n' "$arch" "$(stat -c %s "$target_root/windows/$arch/voucherlink.dll")"
done
if [ "$wine32_ok" = 0 ]; then
    # Not a failure of voucherlink: Debian's i386 packages could not be installed here. The
    # 32-bit DLL was still built and its exports and imports checked.
    echo "!! NOT RUN: the 32-bit DLL under wine (wine32:i386 could not be installed, see above)"
fi
[ "$failed" = 0 ] && echo "== Windows smoke test passed" || { echo "== Windows smoke test FAILED"; exit 1; }
