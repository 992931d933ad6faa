#!/usr/bin/env bash
# The cashier's wait at a real round-trip time (BENCHMARKS.md, "At a real round-trip time"): each
# provider's checkout through a delaying proxy on loopback, voucherlink (cold, warm, after
# vl_prepare) against a raw client that sends only what each protocol needs.
#   scripts/bench-latency.sh [--smoke] [--rtt MS ...]     (default: 20 and 100 ms, 5 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
# The release build measures; --smoke measures nothing and takes the debug build.
release=--release
case " $* " in *" --smoke "*) release= ;; esac
cargo build $release --locked --quiet --lib --bin voucherlink
python3 bench/latency.py "$@"
