#!/usr/bin/env bash
# Runs every test of voucherlink: Rust unit and integration tests, the header checks, the C test
# (system C compiler against the built library), and the demo as a smoke test.
# Installs what a fresh Debian/Ubuntu machine lacks (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "== installing: $*"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

have cargo || { echo "cargo is required (https://rustup.rs)"; exit 1; }
have cc || apt_install gcc libc6-dev
have c++ || apt_install g++

echo "== Rust, header and C tests"
cargo test --workspace --locked

echo "== demo (smoke test)"
cargo run --quiet --locked -- demo >/dev/null

echo "== all tests passed"
