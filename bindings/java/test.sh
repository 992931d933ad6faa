#!/usr/bin/env bash
# Builds the Java binding as its jar (Java 8 bytecode, javadoc complete: -Xdoclint) with this
# machine's native library inside it (JNA's linux-x86-64/ resource folder), then runs its tests and
# the sample against the real library and the simulator with nothing on the class path but the jar
# and JNA (Debian's libjna-java) and no library path: the jar's native is the one loaded.
# Expects a built library and `voucherlink` binary in $TARGET (default: the cargo debug folder).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${TARGET:-${CARGO_TARGET_DIR:-$repo/target}/debug}"
jna="${JNA_JAR:-/usr/share/java/jna.jar}"
build="$target/java"
rm -rf "$build"
mkdir -p "$build/classes" "$build/natives/linux-x86-64" "$build/tests" "$build/sample"
export VOUCHERLINK_BIN="$target/voucherlink"

javac --release 8 -Xlint:all -Xdoclint:all/protected -Werror -encoding UTF-8 -cp "$jna" -d "$build/classes" \
    $(find "$here/src/main/java" -name '*.java')
cp "$target/libvoucherlink.so" "$build/natives/linux-x86-64/"
jar cf "$build/voucherlink.jar" -C "$build/classes" . -C "$build/natives" .
javac --release 8 -encoding UTF-8 -cp "$build/voucherlink.jar:$jna" -d "$build/tests" "$here/src/test/java/io/voucherlink/Tests.java"
javac --release 8 -encoding UTF-8 -cp "$build/voucherlink.jar:$jna" -d "$build/sample" "$here/sample/Checkout.java"

run() { env -u VOUCHERLINK_LIB -u LD_LIBRARY_PATH java -Xmx64m "$@"; }
run -cp "$build/voucherlink.jar:$jna:$build/tests" io.voucherlink.Tests

exec 3< <("$VOUCHERLINK_BIN" sim --listen 127.0.0.1:0)
sim_pid=$!
read -r ready <&3
root=$(printf '%s' "$ready" | sed -E 's/.*"root":"([^"]+)".*/\1/')
run -cp "$build/voucherlink.jar:$jna:$build/sample" Checkout "$root"
kill "$sim_pid"
