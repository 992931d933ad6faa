#!/usr/bin/env bash
# Regenerates include/voucherlink.h from the Rust sources with the pinned cbindgen.
set -euo pipefail
cd "$(dirname "$0")/.."
VOUCHERLINK_BLESS=1 cargo test --quiet --test header the_checked_in_header_is_up_to_date
echo "include/voucherlink.h regenerated"
