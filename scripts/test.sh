#!/usr/bin/env bash
# Runs every test of voucherlink:
#   - Rust unit and integration tests (the providers against the simulator, the fault matrix,
#     kill -9 recovery, the header checks, the C tests compiled with the system C compiler);
#   - the Python binding (pytest, mypy --strict over the typed API, the example, a pip install);
#   - the C# binding (Mono's mcs + mono: XML docs complete, tests and the sample);
#   - the Java binding (OpenJDK, Debian's JNA: javadoc complete, every operation, the sample, from
#     its jar with the native inside);
#   - the C sample (make, cJSON); the Pascal unit and its sample (Free Pascal);
#   - the C test under valgrind memcheck and AddressSanitizer (scripts/sanitize.sh --quick);
#   - every fuzz target for 3 seconds (scripts/fuzz.sh 3: it builds, runs, finds no crash);
#   - the benchmark in smoke mode, and the demo, as smoke tests;
#   - with --windows: the Windows DLLs, cross-built and run under wine (scripts/test-windows.sh);
#   - the release packages (scripts/dist.sh; without --windows the Linux ones), each installed
#     fresh and used as its user would (scripts/test-dist.sh).
#
#   scripts/test.sh [--windows]
#
# Installs what a fresh Debian/Ubuntu machine lacks (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
windows=""
for arg in "$@"; do
    case "$arg" in
        --windows) windows=1 ;;
        *) echo "usage: scripts/test.sh [--windows]"; exit 2 ;;
    esac
done
target="${CARGO_TARGET_DIR:-$repo/target}/debug"

have() { command -v "$1" >/dev/null 2>&1; }
apt_updated=""
apt_install() {
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "== installing: $*"
    if [ -z "$apt_updated" ]; then
        $sudo apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Starts a section of the log; the time so far says where a slow CI run spent it.
section() { printf '== %s  [%dm%02ds]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

# Runs a command quietly; shows its output only if it fails.
quiet() {
    local log
    log="$(mktemp)"
    if ! "$@" >"$log" 2>&1; then
        cat "$log"
        rm -f "$log"
        echo "FAILED: $*"
        return 1
    fi
    rm -f "$log"
}

have cargo || { echo "cargo is required (https://rustup.rs)"; exit 1; }
have cc || apt_install gcc libc6-dev
have c++ || apt_install g++
have make || apt_install make
{ have pkg-config && pkg-config --exists libcjson; } || apt_install pkg-config libcjson-dev   # the C sample's JSON
have python3 || apt_install python3 python3-pip
python3 -c "import pytest, mypy" 2>/dev/null || python3 -m pip install -q pytest mypy 2>/dev/null \
    || python3 -m pip install -q --break-system-packages pytest mypy
{ have mcs && have mono; } || apt_install mono-mcs mono-runtime
have fpc || apt_install fp-compiler
have javac || apt_install openjdk-17-jdk-headless
[ -f /usr/share/java/jna.jar ] || apt_install libjna-java

section "Rust, header and C tests"
cargo test --workspace --locked

section "building the library and the voucherlink command"
cargo build --locked
export VOUCHERLINK_LIB="$target/libvoucherlink.so"
export VOUCHERLINK_BIN="$target/voucherlink"

section "Python binding"
python3 -m pytest -q bindings/python/tests
quiet python3 bindings/python/examples/checkout.py
# `pip install bindings/python` from the checkout builds the native library (cargo, release) into
# the package, and it works from where it was installed with no environment variable.
pip_target="$(mktemp -d)"
quiet python3 -m pip install --no-deps --target "$pip_target" bindings/python
(cd "$pip_target" && env -u VOUCHERLINK_LIB -u LD_LIBRARY_PATH -u CARGO_TARGET_DIR python3 -c "
import voucherlink
assert voucherlink.library_version() == voucherlink.__version__
assert voucherlink._lib._name.startswith('$pip_target/voucherlink/'), voucherlink._lib._name")
rm -rf "$pip_target"

section "C# binding (Mono)"
TARGET="$target" quiet bindings/csharp/test.sh

section "Java binding (JNA)"
TARGET="$target" quiet bindings/java/test.sh

section "C sample"
quiet make -s -C bindings/c LIBDIR="$target"
exec 3< <("$VOUCHERLINK_BIN" sim --listen 127.0.0.1:0)
sim_pid=$!
read -r ready <&3
root=$(printf '%s' "$ready" | sed -E 's/.*"root":"([^"]+)".*/\1/')
quiet bindings/c/checkout "$root"
rm -f bindings/c/checkout

section "Pascal unit and sample (Free Pascal, Delphi mode)"
pascal_out="$(mktemp -d)"
quiet fpc -Mdelphi -vew -Fubindings/pascal -Fl"$target" -FE"$pascal_out" -FU"$pascal_out" bindings/pascal/Checkout.dpr
quiet env LD_LIBRARY_PATH="$target" "$pascal_out/Checkout" "$root"
rm -rf "$pascal_out"
kill "$sim_pid"

section "sanitizers (valgrind memcheck; AddressSanitizer when a nightly toolchain is installed)"
quiet scripts/sanitize.sh --quick

section "fuzz targets, 3 s each (a target that cannot build or run, or crashes, fails)"
scripts/fuzz.sh 3

section "benchmark (smoke mode: it keeps working; nothing is timed)"
quiet scripts/bench.sh --smoke
quiet scripts/bench-latency.sh --smoke

section "demo (smoke test)"
quiet cargo run --quiet --locked -- demo

if [ -n "$windows" ]; then
    section "Windows DLLs under wine"
    scripts/test-windows.sh
fi

# The release packages, built as a release is (scripts/dist.sh), then each installed fresh and used
# as its user would. Without --windows: the Linux packages only.
section "release packages: built, installed fresh, used"
if [ -n "$windows" ]; then
    quiet scripts/dist.sh
else
    quiet scripts/dist.sh --linux-only
fi
quiet scripts/test-dist.sh

section "all tests passed"
