#!/usr/bin/env bash
# A long randomized fault run over every money-moving operation of the four providers
# (tests/fault_run.rs; the test command runs a short one).
#
#   scripts/fault-run.sh [OPERATIONS=1000] [SEED]
#
# Prints the run's figures: operations, faults armed, ok, in doubt, refused or failed, settled by
# hand, and mismatches between the providers' state and what the library reported (must be 0).
set -euo pipefail
cd "$(dirname "$0")/.."
export VL_FAULT_RUN_OPS="${1:-1000}"
[ -n "${2:-}" ] && export VL_FAULT_RUN_SEED="$2"
exec cargo test --locked --test fault_run -- --nocapture
