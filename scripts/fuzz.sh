#!/usr/bin/env bash
# Runs every fuzz target (cargo fuzz; nightly, under AddressSanitizer) for SECONDS each, starting
# from the checked-in seeds (fuzz/seeds/<target>: real provider answers, requests, configurations)
# and the corpus it keeps in fuzz/corpus/<target>.
#   scripts/fuzz.sh [SECONDS]      default 120; the README's test command runs it for 3
# Prints each target's executions, and fails (non-zero, naming the target) when a target does not
# build, finds a crash, a panic, a leak or an input slower than 10 s, or runs fewer executions than
# FUZZ_MIN_EXECS (default: 50 a second). The targets are the fuzz crate's, none listed here.
# Without a nightly toolchain the targets run on stable (RUSTC_BOOTSTRAP, no sanitizer).
# Findings land in fuzz/artifacts/<target>/; reproduce one with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-120}"
min_execs="${FUZZ_MIN_EXECS:-$((seconds * 50))}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if cargo +nightly --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
    sanitizer=address
else
    echo "(no nightly toolchain: stable with RUSTC_BOOTSTRAP=1, no sanitizer)"
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
    sanitizer=none
fi
mapfile -t targets < <("${fuzz[@]}" list)
[ "${#targets[@]}" -gt 0 ] || { echo "FAIL: cargo fuzz list names no target"; exit 1; }
"${fuzz[@]}" build --sanitizer "$sanitizer" >build.log 2>&1 || { cat build.log; echo "FAIL: the fuzz targets do not build"; exit 1; }
rm -f build.log
failed=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    log="$(mktemp)"
    status=0
    "${fuzz[@]}" run --sanitizer "$sanitizer" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 -rss_limit_mb=4096 >"$log" 2>&1 || status=$?
    execs="$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)"
    execs="${execs:-0}"
    printf '%-18s %12s executions in %s s\n' "$target" "$execs" "$seconds"
    problem=""
    if [ "$status" != 0 ] || grep -qE "^SUMMARY|panicked at|deadly signal|ERROR: libFuzzer" "$log"; then
        problem="it crashed or failed (exit $status)"
    elif [ "$execs" -lt "$min_execs" ]; then
        problem="only $execs executions (at least $min_execs expected)"
    fi
    if [ -n "$problem" ]; then
        grep -E "^SUMMARY|panicked at|ERROR|Test unit written|No such file" "$log" | head -20 || tail -20 "$log"
        echo "FAIL: $target: $problem"
        failed+=("$target")
    fi
    rm -f "$log"
done
[ "${#failed[@]}" = 0 ] || { echo "FAIL: fuzz targets: ${failed[*]}"; exit 1; }
