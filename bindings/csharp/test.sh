#!/usr/bin/env bash
# Compiles VoucherLink.cs with Mono's mcs (the .NET Framework 4.x compiler) and runs its tests and
# the sample against the real library and the simulator. Expects a built library and
# `voucherlink` binary in $TARGET (default: the cargo debug folder).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${TARGET:-${CARGO_TARGET_DIR:-$repo/target}/debug}"
build="$target/csharp"
mkdir -p "$build"
export LD_LIBRARY_PATH="$target${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export VOUCHERLINK_BIN="$target/voucherlink"
# The one version (Cargo.toml's [workspace.package]): the tests compare vl_version() with it.
export VOUCHERLINK_VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -1)"

# The drop-in file alone, with its XML documentation: a missing comment (CS1591) fails the build.
mcs -nologo -warnaserror -target:library -doc:"$build/VoucherLink.xml" -out:"$build/VoucherLink.dll" "$here/VoucherLink.cs"
mcs -nologo -warnaserror -target:exe -r:System.Core.dll -out:"$build/tests.exe" "$here/VoucherLink.cs" "$here/tests/Tests.cs"
mcs -nologo -warnaserror -target:exe -out:"$build/checkout.exe" "$here/VoucherLink.cs" "$here/sample/Checkout.cs"
mono "$build/tests.exe"

# The sample, against a simulator of its own.
exec 3< <("$VOUCHERLINK_BIN" sim --listen 127.0.0.1:0)
sim_pid=$!
read -r ready <&3
root=$(printf '%s' "$ready" | sed -E 's/.*"root":"([^"]+)".*/\1/')
mono "$build/checkout.exe" "$root"
kill "$sim_pid"
