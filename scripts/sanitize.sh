#!/usr/bin/env bash
# The C test (tests/c/abi_test.c: bad inputs, the e-guma flow with threads, Treazure, GonnaOrder,
# Coupontools) under
#   - valgrind memcheck, against the debug library: zero errors, zero definite leaks;
#   - AddressSanitizer + LeakSanitizer: the library built with nightly -Zsanitizer=address, the
#     test with -fsanitize=address (skipped with a note when no nightly toolchain is installed).
#   scripts/sanitize.sh [--quick]     --quick: valgrind on two phases, ASan on all (the CI form)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
target_root="${CARGO_TARGET_DIR:-$repo/target}"
work="$target_root/sanitize"
mkdir -p "$work"
quick="${1:-}"

have() { command -v "$1" >/dev/null 2>&1; }
if ! have valgrind; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind >/dev/null
fi

cargo build --locked --quiet
sim_bin="$target_root/debug/voucherlink"

# Runs the C test phase $2 (with the provider's URL) under the runner "$1 ...".
phase() {
    local runner="$1" phase="$2" provider url ready
    case "$phase" in
        treazure|gonnaorder|coupontools) provider="$phase" ;;
        *) provider=eguma ;;
    esac
    exec 3< <("$sim_bin" sim --listen 127.0.0.1:0)
    local sim_pid=$!
    read -r ready <&3
    url=$(printf '%s' "$ready" | sed -E "s/.*\"$provider\":\"([^\"]+)\".*/\1/")
    local status=0
    $runner "$phase" "$url" > "$work/$phase.log" 2>&1 || status=$?
    kill "$sim_pid" 2>/dev/null || true
    if [ "$status" != 0 ]; then
        cat "$work/$phase.log"
        echo "FAILED: $phase under ${runner%% *}"
        exit 1
    fi
    grep -E "failure\(s\)|ERROR SUMMARY|definitely lost" "$work/$phase.log" | sed "s/^/  $phase: /" || true
}

phases=(bad-inputs flow treazure gonnaorder coupontools)

echo "== valgrind memcheck (debug library)"
cc -std=c99 -Wall -Wextra -Werror -g -D_POSIX_C_SOURCE=200809L -I include tests/c/abi_test.c \
    -L "$target_root/debug" -Wl,-rpath,"$target_root/debug" -lvoucherlink -lpthread -o "$work/abi_test"
memcheck() {
    valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite "$work/abi_test" "$2" "$1"
}
valgrind_phases=("${phases[@]}")
[ "$quick" = "--quick" ] && valgrind_phases=(bad-inputs flow)
for p in "${valgrind_phases[@]}"; do phase memcheck "$p"; done

echo "== AddressSanitizer + LeakSanitizer"
if ! rustup toolchain list 2>/dev/null | grep -q nightly; then
    echo "  no nightly toolchain: ASan skipped (install with: rustup toolchain install nightly)"
    exit 0
fi
host="$(rustc -vV | sed -n 's/^host: //p')"
RUSTFLAGS="-Zsanitizer=address" CARGO_TARGET_DIR="$target_root/asan" \
    cargo +nightly build --quiet --lib --target "$host"
asan_lib="$target_root/asan/$host/debug"
cc -std=c99 -Wall -Wextra -Werror -g -fsanitize=address -fno-omit-frame-pointer -D_POSIX_C_SOURCE=200809L \
    -I include tests/c/abi_test.c -L "$asan_lib" -Wl,-rpath,"$asan_lib" -lvoucherlink -lpthread -o "$work/abi_test_asan"
asan() {
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 "$work/abi_test_asan" "$2" "$1"
}
for p in "${phases[@]}"; do phase asan "$p"; done
echo "== sanitizers: clean"
