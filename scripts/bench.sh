#!/usr/bin/env bash
# The benchmarks of BENCHMARKS.md, in one run against one simulator on loopback:
#   A voucherlink through the C ABI, B a raw keep-alive ureq agent (the floor), C Python requests,
#   D 8 threads sharing one client; keep-alive proof, vl_client_new, RSS, the stripped cdylib.
#   scripts/bench.sh [--smoke]        --smoke: a few hundred calls (CI keeps it working)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
# The release build measures; --smoke measures nothing and takes the debug build (no LTO build).
profile=release; release=--release
case " $* " in *" --smoke "*) profile=debug; release= ;; esac
cargo build $release --locked --quiet --lib --bin voucherlink --example raw_ureq
mkdir -p "$target/bench"
cc -O2 -std=c99 -Wall -Wextra -Werror -I include bench/abi_bench.c -L "$target/$profile" -lvoucherlink -lpthread \
    -o "$target/bench/abi_bench"
python3 -c "import requests" 2>/dev/null || python3 -m pip install -q requests 2>/dev/null \
    || python3 -m pip install -q --break-system-packages requests
python3 bench/run.py "$@"
