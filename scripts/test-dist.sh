#!/usr/bin/env bash
# Installs each package of dist/ fresh, as its user would, and runs a checkout with it against the
# simulator (the one the Linux archive carries):
#   C       the Linux archive unpacked to a prefix; its C sample (cJSON) built with its Makefile
#           (pkg-config) and with CMake's find_package; both run by their rpath; the prefix moved:
#           refused without LD_LIBRARY_PATH, run with it; SONAME and NEEDED checked
#   Pascal  the archive's Pascal unit and sample compiled with Free Pascal against the prefix, run
#   Windows the zips carry the DLL, import libraries and the host bindings (C, Pascal, VB6/VBA)
#   Java    the jar from dist/ alone with JNA on the class path and no library path: the sample
#           compiled and run (the jar's own Linux native loaded); a missing native explained; the
#           natives of every platform inside; the folder repository's pom (JNA from Maven Central)
#   Python  a fresh venv, pip install of the manylinux2014 wheel, a checkout with no environment
#           variable, then one on the simulator of the wheel's own voucherlink command; auditwheel
#           show; the Windows wheels' tags, libraries and commands
#   .NET    nuget install from a local folder (nuget under Mono); a .NET Framework project that
#           references the package as NuGet writes it (packages.config: HintPath + the package's
#           .targets imported), built with xbuild and run under Mono with nothing copied by hand;
#           a program compiled with plain mcs; the package's layout, its assembly version and its
#           voucherlink command; its Windows DLLs are the ones the wine test ran
# Run scripts/dist.sh first.   scripts/test-dist.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
target_root="${CARGO_TARGET_DIR:-$repo/target}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
abi="$(sed -n 's/^pub const VL_ABI_VERSION: u32 = \([0-9]*\);$/\1/p' src/ffi/mod.rs)"
dist="$repo/dist"
have() { command -v "$1" >/dev/null 2>&1; }
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
apt_install() { $sudo apt-get update -qq || true; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null; }
{ have cmake && have pkg-config && have nuget && have mono && have xbuild && have readelf \
    && [ -d /usr/lib/mono/4.6.2-api ] && pkg-config --exists libcjson; } \
    || apt_install cmake pkg-config libcjson-dev nuget mono-runtime mono-xbuild mono-devel binutils
fail() { echo "FAIL: $*"; exit 1; }

work="$(mktemp -d /tmp/voucherlink-dist.XXXXXX)"
sim_pid=""
cleanup() { [ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# --- C: the Linux archive -----------------------------------------------------------------------
echo "== C archive: pkg-config and CMake, then the prefix moved"
name="voucherlink-$version-linux-x86_64"
mkdir -p "$work/unpacked"
tar -xzf "$dist/$name.tar.gz" -C "$work/unpacked"
prefix="$work/unpacked/$name"
for f in include/voucherlink.h "lib/libvoucherlink.so.$version" lib/pkgconfig/voucherlink.pc \
    lib/cmake/voucherlink/voucherlinkConfig.cmake lib/cmake/voucherlink/voucherlinkConfigVersion.cmake \
    bin/voucherlink README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE; do
    [ -e "$prefix/$f" ] || fail "$name lacks $f"
done
[ "$(readlink "$prefix/lib/libvoucherlink.so.$abi")" = "libvoucherlink.so.$version" ] || fail "libvoucherlink.so.$abi is not a link to the library"
[ "$(readlink "$prefix/lib/libvoucherlink.so")" = "libvoucherlink.so.$abi" ] || fail "libvoucherlink.so is not a link to the SONAME"
readelf -d "$prefix/lib/libvoucherlink.so.$version" | grep -q "Library soname: \[libvoucherlink.so.$abi\]" \
    || fail "the library's SONAME is not libvoucherlink.so.$abi"
# The sample as its README says: the Makefile (pkg-config, an rpath to the prefix) and CMake.
cp -r "$prefix/bindings/c" "$work/sample"
make -s -C "$work/sample" PREFIX="$prefix" >/dev/null || fail "make PREFIX=... of the archive's C sample"
cmake -S "$prefix/bindings/c" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake" >/dev/null
for program in "$work/sample/checkout" "$work/cmake/checkout"; do
    needed="$(readelf -d "$program" | sed -n 's/.*Shared library: \[\(libvoucherlink[^]]*\)\].*/\1/p')"
    [ "$needed" = "libvoucherlink.so.$abi" ] || fail "$program needs '$needed', not the SONAME libvoucherlink.so.$abi"
done
exec 3< <("$prefix/bin/voucherlink" sim --listen 127.0.0.1:0)
sim_pid=$!
read -r ready <&3
root="$(printf '%s' "$ready" | sed -E 's/.*"root":"([^"]+)".*/\1/')"
checks_out() {   # <what> <output>
    grep -q "Voucher pays CHF 50.00" <<<"$2" && grep -q "Sale voided: balance CHF 50.00 again" <<<"$2" \
        && grep -q "A used voucher: status 5" <<<"$2" || fail "$1 did not check out: $2"
}
# Where they were built: no LD_LIBRARY_PATH, the rpath finds the library.
for program in "$work/sample/checkout" "$work/cmake/checkout"; do
    out="$(env -u LD_LIBRARY_PATH "$program" "$root")" || fail "$program without LD_LIBRARY_PATH: $out"
    checks_out "$program" "$out"
done
kill "$sim_pid"; sim_pid=""
# The prefix moved: the rpath is stale, LD_LIBRARY_PATH (as the docs say) finds the library.
mv "$work/unpacked" "$work/moved"
prefix="$work/moved/$name"
out="$(env -u LD_LIBRARY_PATH "$work/sample/checkout" "$root" 2>&1)" && fail "found a moved library without being told"
grep -q "libvoucherlink.so.$abi" <<<"$out" || fail "the moved library's error: $out"
exec 3< <("$prefix/bin/voucherlink" sim --listen 127.0.0.1:0)
sim_pid=$!
read -r ready <&3
root="$(printf '%s' "$ready" | sed -E 's/.*"root":"([^"]+)".*/\1/')"
for program in "$work/sample/checkout" "$work/cmake/checkout"; do
    out="$(LD_LIBRARY_PATH="$prefix/lib" "$program" "$root")" || fail "$program: $out"
    checks_out "$program" "$out"
done
"$prefix/bin/voucherlink" version | grep -qx "voucherlink $version" || fail "the archive's command"

echo "== Pascal: the archive's unit and sample, Free Pascal"
have fpc || apt_install fp-compiler
mkdir -p "$work/pascal"
fpc -Mdelphi -Fu"$prefix/bindings/pascal" -Fl"$prefix/lib" -FE"$work/pascal" -FU"$work/pascal" \
    "$prefix/bindings/pascal/Checkout.dpr" >"$work/pascal/build.log" 2>&1 || { cat "$work/pascal/build.log"; fail "fpc"; }
out="$(LD_LIBRARY_PATH="$prefix/lib" "$work/pascal/Checkout" "$root")" || fail "the Pascal checkout: $out"
grep -q "Voucher pays CHF 50.00" <<<"$out" && grep -q "Refused as expected" <<<"$out" || fail "the Pascal checkout: $out"

for zip in "$dist"/voucherlink-"$version"-windows-*.zip; do
    [ -e "$zip" ] || continue
    echo "== $(basename "$zip"): DLL, import libraries, host bindings"
    python3 - "$zip" <<'PY' || fail "$zip"
import sys, zipfile
names = {n.split("/", 1)[1] for n in zipfile.ZipFile(sys.argv[1]).namelist() if "/" in n}
need = ["bin/voucherlink.dll", "bin/voucherlink.exe", "lib/voucherlink.lib", "lib/voucherlink.dll.a", "lib/voucherlink.def",
        "include/voucherlink.h", "bindings/c/checkout.c", "bindings/pascal/VoucherLink.pas", "bindings/pascal/Checkout.dpr",
        "bindings/vb6/VoucherLink.bas", "bindings/vb6/Checkout.bas"]
missing = [n for n in need if n not in names]
if missing:
    sys.exit("missing: %s" % missing)
PY
done

# --- Python: the wheels -------------------------------------------------------------------------
echo "== Python wheel: a fresh venv, no environment variable"
wheel="$dist/voucherlink-$version-py3-none-manylinux2014_x86_64.whl"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-index "$wheel"
cp bindings/python/examples/checkout.py "$work/checkout.py"   # outside the checkout: the installed package
out="$(cd "$work" && env -u VOUCHERLINK_LIB -u LD_LIBRARY_PATH -u CARGO_TARGET_DIR "$work/venv/bin/python" checkout.py "$root")" \
    || fail "the wheel's checkout: $out"
grep -q "Redeemed CHF" <<<"$out" || fail "the wheel's checkout: $out"
# The wheel's own command on the venv's PATH: the example starts that simulator itself.
"$work/venv/bin/voucherlink" version | grep -qx "voucherlink $version" || fail "the wheel's voucherlink command"
out="$(cd "$work" && env -u VOUCHERLINK_LIB -u VOUCHERLINK_BIN -u LD_LIBRARY_PATH -u CARGO_TARGET_DIR \
    PATH="$work/venv/bin:/usr/bin:/bin" "$work/venv/bin/python" checkout.py)" || fail "the wheel's checkout on its own simulator: $out"
grep -q "Redeemed CHF" <<<"$out" || fail "the wheel's checkout on its own simulator: $out"
"$work/venv/bin/pip" install -q auditwheel
audit="$("$work/venv/bin/auditwheel" show "$wheel")"
grep -qE 'manylinux_2_17_x86_64|manylinux2014_x86_64' <<<"$audit" || fail "auditwheel: $audit"
python3 - "$dist" "$version" <<'PY'
import struct, sys, zipfile, pathlib
dist, version = pathlib.Path(sys.argv[1]), sys.argv[2]
for platform, machine in (("win_amd64", 0x8664), ("win32", 0x14C)):
    wheel = dist / ("voucherlink-%s-py3-none-%s.whl" % (version, platform))
    if not wheel.exists():
        continue
    with zipfile.ZipFile(wheel) as z:
        tags = z.read("voucherlink-%s.dist-info/WHEEL" % version).decode()
        assert "Tag: py3-none-%s" % platform in tags, tags
        dll = z.read("voucherlink/voucherlink.dll")
        pe = struct.unpack_from("<I", dll, 0x3C)[0]
        assert dll[pe:pe + 4] == b"PE\0\0" and struct.unpack_from("<H", dll, pe + 4)[0] == machine, platform
        assert "voucherlink/__init__.py" in z.namelist() and "voucherlink/py.typed" in z.namelist()
        exe = z.read("voucherlink-%s.data/scripts/voucherlink.exe" % version)
        pe = struct.unpack_from("<I", exe, 0x3C)[0]
        assert exe[pe:pe + 4] == b"PE\0\0" and struct.unpack_from("<H", exe, pe + 4)[0] == machine, platform + " command"
    print("   ", wheel.name, "ok")
PY

# --- .NET: the NuGet package --------------------------------------------------------------------
echo "== NuGet: installed from a local folder, built with xbuild and with mcs, run under Mono"
mkdir -p "$work/feed" "$work/app"
cp "$dist/VoucherLink.$version.nupkg" "$work/feed/"
nuget install VoucherLink -Version "$version" -Source "$work/feed" -OutputDirectory "$work/packages" -NonInteractive >/dev/null
pkg="$work/packages/VoucherLink.$version"
for f in lib/net462/VoucherLink.dll lib/net462/VoucherLink.xml build/net462/VoucherLink.targets \
    runtimes/linux-x64/native/libvoucherlink.so tools/linux-x64/voucherlink README.md; do
    [ -e "$pkg/$f" ] || fail "the package lacks $f"
done
# The package's command runs; NuGet does not keep file modes, so on Linux it needs chmod +x first
# (bindings/csharp/README.md says so).
chmod +x "$pkg/tools/linux-x64/voucherlink"
"$pkg/tools/linux-x64/voucherlink" version | grep -qx "voucherlink $version" || fail "the package's voucherlink command"
# The assembly carries the package's version (binding redirects key on it).
cat >"$work/AssemblyVersionCheck.cs" <<'CS'
class AssemblyVersionCheck {
    static void Main(string[] args) {
        var a = System.Reflection.Assembly.LoadFrom(args[0]);
        var info = (System.Reflection.AssemblyInformationalVersionAttribute)System.Attribute.GetCustomAttribute(
            a, typeof(System.Reflection.AssemblyInformationalVersionAttribute));
        System.Console.WriteLine(a.GetName().Version + " " + (info == null ? "-" : info.InformationalVersion));
    }
}
CS
mcs -nologo -out:"$work/AssemblyVersionCheck.exe" "$work/AssemblyVersionCheck.cs"
[ "$(mono "$work/AssemblyVersionCheck.exe" "$pkg/lib/net462/VoucherLink.dll")" = "$version.0 $version" ] \
    || fail "the assembly's version: $(mono "$work/AssemblyVersionCheck.exe" "$pkg/lib/net462/VoucherLink.dll")"
for arch in x86 x64; do
    packed="$pkg/runtimes/win-$arch/native/voucherlink.dll"
    if [ -e "$packed" ]; then   # a --linux-only build has none
        cmp -s "$packed" "$target_root/windows/$arch/voucherlink.dll" || fail "win-$arch: not the DLL the wine test ran"
        [ -e "$pkg/tools/win-$arch/voucherlink.exe" ] || fail "the package lacks tools/win-$arch/voucherlink.exe"
    fi
done
# A .NET Framework project as NuGet leaves it (packages.config style): the assembly by HintPath and
# the package's .targets imported. MSBuild's job is xbuild's here; the .targets must put the native
# libraries beside the program, so that it runs with nothing copied by hand.
mkdir -p "$work/project"
cp bindings/csharp/sample/Checkout.cs "$work/project/"
cat >"$work/project/Checkout.csproj" <<CSPROJ
<?xml version="1.0" encoding="utf-8"?>
<Project ToolsVersion="14.0" DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <PropertyGroup>
    <Configuration>Release</Configuration>
    <Platform>AnyCPU</Platform>
    <OutputType>Exe</OutputType>
    <AssemblyName>Checkout</AssemblyName>
    <TargetFrameworkVersion>v4.6.2</TargetFrameworkVersion>
    <OutputPath>bin\Release\</OutputPath>
  </PropertyGroup>
  <ItemGroup>
    <Reference Include="System" />
    <Reference Include="VoucherLink">
      <HintPath>..\packages\VoucherLink.$version\lib\net462\VoucherLink.dll</HintPath>
    </Reference>
    <Compile Include="Checkout.cs" />
  </ItemGroup>
  <Import Project="\$(MSBuildToolsPath)\Microsoft.CSharp.targets" />
  <Import Project="..\packages\VoucherLink.$version\build\net462\VoucherLink.targets" />
</Project>
CSPROJ
xbuild /nologo /verbosity:quiet "$work/project/Checkout.csproj" >"$work/xbuild.log" 2>&1 \
    || fail "xbuild: $(cat "$work/xbuild.log")"
built="$work/project/bin/Release"
for f in Checkout.exe VoucherLink.dll runtimes/linux-x64/native/libvoucherlink.so; do
    [ -e "$built/$f" ] || fail "the .targets did not place $f: $(cd "$built" && find . -type f)"
done
for arch in x86 x64; do
    [ ! -e "$pkg/runtimes/win-$arch/native/voucherlink.dll" ] || [ -e "$built/runtimes/win-$arch/native/voucherlink.dll" ] \
        || fail "the .targets did not place runtimes/win-$arch/native/voucherlink.dll"
done
out="$(env -u LD_LIBRARY_PATH -u VOUCHERLINK_LIB mono "$built/Checkout.exe" "$root")" || fail "the xbuild checkout: $out"
grep -q "Redeemed CHF" <<<"$out" || fail "the xbuild checkout: $out"

# Plain mcs, no MSBuild at all.
mcs -nologo -out:"$work/app/checkout.exe" -r:"$pkg/lib/net462/VoucherLink.dll" bindings/csharp/sample/Checkout.cs
# Without the library beside the app: a ConfigException naming every path tried.
cp "$pkg/lib/net462/VoucherLink.dll" "$work/app/"
out="$(env -u LD_LIBRARY_PATH -u VOUCHERLINK_LIB mono "$work/app/checkout.exe" "$root" 2>&1)" && fail "ran without its native library"
grep -q "could not be loaded. Tried:" <<<"$out" && grep -q "runtimes/linux-x64/native/libvoucherlink.so (no such file)" <<<"$out" \
    || fail "the missing library is not explained: $out"
# The one step of a build without MSBuild: the package's runtimes/ beside the app.
cp -r "$pkg/runtimes" "$work/app/"
out="$(env -u LD_LIBRARY_PATH -u VOUCHERLINK_LIB mono "$work/app/checkout.exe" "$root")" || fail "the NuGet checkout: $out"
grep -q "Redeemed CHF" <<<"$out" || fail "the NuGet checkout: $out"
# --- Java: the jar ------------------------------------------------------------------------------
echo "== Java: the jar from dist/, JNA beside it, nothing else"
have javac || apt_install openjdk-17-jdk-headless
jna="/usr/share/java/jna.jar"; [ -f "$jna" ] || apt_install libjna-java
jar_file="$dist/voucherlink-$version.jar"
mkdir -p "$work/java"
cp "$jar_file" "$jna" "$work/java/"
cp bindings/java/sample/Checkout.java "$work/java/"
(cd "$work/java" && javac --release 8 -cp "voucherlink-$version.jar:jna.jar" Checkout.java) || fail "javac of the sample"
out="$(cd "$work/java" && env -u LD_LIBRARY_PATH -u VOUCHERLINK_LIB java -cp "voucherlink-$version.jar:jna.jar:." Checkout "$root")" \
    || fail "the Java checkout: $out"
grep -q "Voucher pays CHF 50.00" <<<"$out" && grep -q "Refused as expected" <<<"$out" || fail "the Java checkout: $out"
# A jar without the natives: the error names every place looked at.
mkdir -p "$work/java/bare" && (cd "$work/java/bare" && jar xf "$jar_file" && rm -rf linux-x86-64 win32-x86 win32-x86-64 \
    && jar cf ../bare.jar .)
out="$(cd "$work/java" && env -u LD_LIBRARY_PATH -u VOUCHERLINK_LIB java -cp "bare.jar:jna.jar:." Checkout "$root" 2>&1)" \
    && fail "ran without its native library"
grep -q "could not be loaded" <<<"$out" && grep -q "linux-x86-64/libvoucherlink.so" <<<"$out" && grep -q "voucherlink.library" <<<"$out" \
    || fail "the missing native is not explained: $out"
python3 - "$jar_file" "$dist/maven/io/voucherlink/voucherlink/$version/voucherlink-$version.pom" "$version" "$(ls "$dist"/*windows-x86.zip 2>/dev/null | head -1)" <<'PY' \
    || fail "the jar or its pom"
import sys, zipfile, xml.etree.ElementTree as ET
jar, pom, version, windows = sys.argv[1:5]
names = set(zipfile.ZipFile(jar).namelist())
need = ["io/voucherlink/VoucherLinkClient.class", "io/voucherlink/InDoubtException.class", "linux-x86-64/libvoucherlink.so"]
if windows:
    need += ["win32-x86/voucherlink.dll", "win32-x86-64/voucherlink.dll"]
missing = [n for n in need if n not in names]
if missing:
    sys.exit("the jar lacks %s" % missing)
major = zipfile.ZipFile(jar).read("io/voucherlink/VoucherLinkClient.class")[7]
if major != 52:
    sys.exit("class file version %d, not Java 8's 52" % major)
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
root = ET.parse(pom).getroot()
coordinates = [root.find("m:" + k, ns).text for k in ("groupId", "artifactId", "version")]
if coordinates != ["io.voucherlink", "voucherlink", version]:
    sys.exit("pom coordinates %s" % coordinates)
deps = [(d.find("m:groupId", ns).text, d.find("m:artifactId", ns).text) for d in root.iter("{%s}dependency" % ns["m"])]
if deps != [("net.java.dev.jna", "jna")]:
    sys.exit("pom dependencies %s" % deps)
PY
echo "== every package installs and checks out"
