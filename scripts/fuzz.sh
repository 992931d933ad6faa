#!/usr/bin/env bash
# Runs every fuzz target (cargo fuzz, nightly; under AddressSanitizer) for SECONDS each, starting
# from the checked-in seeds (fuzz/seeds/<target>: real provider answers, requests, configurations).
#   scripts/fuzz.sh [SECONDS]      default 120
# Findings land in fuzz/artifacts/<target>/; reproduce one with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-120}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in ffi_requests config provider_answers raw_http money_codes; do
    mkdir -p "corpus/$target"
    echo "== $target (${seconds} s)"
    cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 2>&1 \
        | grep -E "^Done|stat::number_of_executed_units|SUMMARY|panicked" || true
done
