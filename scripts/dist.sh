#!/usr/bin/env bash
# Builds the release packages into dist/, from a clean checkout, installing what it needs:
#   voucherlink-<ver>-linux-x86_64.tar.gz    header, libvoucherlink.so.<ver> (SONAME .so.<ABI>,
#                                            glibc 2.17+), pkg-config and CMake files, the command,
#                                            bindings/: the C sample (Makefile, CMake), the Pascal unit
#   voucherlink-<ver>-windows-x86.zip / -x64.zip   header, DLL, import libraries (MSVC .lib, MinGW
#                                            .dll.a), .def, pkg-config and CMake files, the command,
#                                            bindings/: C sample, Pascal unit, VB6/VBA module, samples
#   VoucherLink.<ver>.nupkg                  lib/net462 assembly (its version: Cargo.toml's) + XML
#                                            docs, runtimes/<rid>/native, tools/<rid>/voucherlink
#                                            (the command: simulator, doctor, journal tools)
#   voucherlink-<ver>-py3-none-<platform>.whl     manylinux2014_x86_64, win_amd64, win32; the
#                                            library inside, and the voucherlink command
#   voucherlink-<ver>.jar                    the Java binding (Java 8+, JNA) with the natives of every
#                                            platform inside (linux-x86-64/, win32-x86/, win32-x86-64/)
#   maven/io/voucherlink/voucherlink/<ver>/  the jar and its pom (JNA from Maven Central): a folder
#                                            repository for Maven and Gradle tills
#   SHA256SUMS
# The version comes from Cargo.toml, the ABI from src/ffi/mod.rs.
#
#   scripts/dist.sh [--linux-only]     --linux-only: no Windows archives and wheels (the NuGet
#                                      package then carries the Linux library only)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
linux_only=0; [ "${1:-}" = "--linux-only" ] && linux_only=1
target_root="${CARGO_TARGET_DIR:-$repo/target}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
abi="$(sed -n 's/^pub const VL_ABI_VERSION: u32 = \([0-9]*\);$/\1/p' src/ffi/mod.rs)"
major="${version%%.*}"; rest="${version#*.}"; minor="${rest%%.*}"
dist="$repo/dist"; stage="$target_root/dist-stage"
rm -rf "$dist" "$stage"; mkdir -p "$dist" "$stage"
have() { command -v "$1" >/dev/null 2>&1; }
pip_install() { python3 -m pip install -q "$@" 2>/dev/null || python3 -m pip install -q --break-system-packages "$@"; }
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
apt_install() { $sudo apt-get update -qq || true; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null; }

have cargo-zigbuild && python3 -c "import ziglang" 2>/dev/null || pip_install ziglang cargo-zigbuild
have mcs || apt_install mono-mcs mono-runtime
have objdump || apt_install binutils
{ have javac && have jar; } || apt_install openjdk-17-jdk-headless
jna="/usr/share/java/jna.jar"; [ -f "$jna" ] || apt_install libjna-java

docs() { # the files every archive carries
    cp README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$1/"
    mkdir -p "$1/docs" && cp docs/*.md "$1/docs/"
}
configure() { # template → file: @VERSION@ @VERSION_MAJOR@ @VERSION_MINOR@ @SONAME@ @POINTER_SIZE@
    sed -e "s/@VERSION@/$version/g" -e "s/@VERSION_MAJOR@/$major/g" -e "s/@VERSION_MINOR@/$minor/g" \
        -e "s/@SONAME@/libvoucherlink.so.$abi/g" -e "s/@POINTER_SIZE@/$3/g" "$1" > "$2"
}
package_files() { # prefix pointer-size: include/, pkg-config and CMake files
    mkdir -p "$1/include" "$1/lib/pkgconfig" "$1/lib/cmake/voucherlink"
    cp include/voucherlink.h "$1/include/"
    configure packaging/voucherlink.pc.in "$1/lib/pkgconfig/voucherlink.pc" "$2"
    configure packaging/cmake/voucherlinkConfig.cmake.in "$1/lib/cmake/voucherlink/voucherlinkConfig.cmake" "$2"
    configure packaging/cmake/voucherlinkConfigVersion.cmake.in "$1/lib/cmake/voucherlink/voucherlinkConfigVersion.cmake" "$2"
}
host_bindings() { # prefix host...: the bindings that are source files, with their samples
    local prefix="$1" host
    shift
    for host in "$@"; do
        mkdir -p "$prefix/bindings/$host"
        case "$host" in
            c) cp bindings/c/checkout.c bindings/c/Makefile bindings/c/CMakeLists.txt "$prefix/bindings/c/" ;;
            pascal) cp bindings/pascal/VoucherLink.pas bindings/pascal/Checkout.dpr "$prefix/bindings/pascal/" ;;
            vb6) cp bindings/vb6/VoucherLink.bas bindings/vb6/Checkout.bas "$prefix/bindings/vb6/" ;;
        esac
    done
}
max_glibc() { objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1; }

# --- Linux x86_64, glibc 2.17 (manylinux2014): zig as the linker, no container needed ----------
echo "== Linux x86_64 (glibc 2.17)"
linux_triple=x86_64-unknown-linux-gnu
VOUCHERLINK_SONAME=1 cargo zigbuild --locked --release --target "$linux_triple.2.17" --lib --bin voucherlink
built="$target_root/$linux_triple/release"
for file in "$built/libvoucherlink.so" "$built/voucherlink"; do
    newest="$(max_glibc "$file")"
    printf '%s\n2.17\n' "$newest" | sort -CV || { echo "FAIL: $file needs glibc $newest (> 2.17)"; exit 1; }
done
name="voucherlink-$version-linux-x86_64"; root="$stage/$name"
package_files "$root" 8
cp "$built/libvoucherlink.so" "$root/lib/libvoucherlink.so.$version"
ln -s "libvoucherlink.so.$version" "$root/lib/libvoucherlink.so.$abi"
ln -s "libvoucherlink.so.$abi" "$root/lib/libvoucherlink.so"
mkdir -p "$root/bin" && cp "$built/voucherlink" "$root/bin/"
host_bindings "$root" c pascal
docs "$root"
tar -C "$stage" -czf "$dist/$name.tar.gz" "$name"

# --- Windows x86 / x64 -----------------------------------------------------------------------
if [ "$linux_only" = 0 ]; then
    scripts/build-windows.sh x86 x64
    for arch in x86 x64; do
        echo "== Windows $arch"
        name="voucherlink-$version-windows-$arch"; root="$stage/$name"; win="$target_root/windows/$arch"
        pointer=8; [ "$arch" = x86 ] && pointer=4
        package_files "$root" "$pointer"
        mkdir -p "$root/bin"
        cp "$win/voucherlink.dll" "$win/voucherlink.exe" "$root/bin/"
        cp "$win/voucherlink.lib" "$win/voucherlink.dll.a" "$win/voucherlink.def" "$root/lib/"
        host_bindings "$root" c pascal vb6
        docs "$root"
        (cd "$stage" && python3 -c 'import shutil, sys; shutil.make_archive(sys.argv[1], "zip", ".", sys.argv[2])' \
            "$dist/$name" "$name")
    done
fi

# --- NuGet ------------------------------------------------------------------------------------
echo "== NuGet"
nuget="$stage/nuget"
mkdir -p "$nuget/lib/net462" "$nuget/build/net462" "$nuget/runtimes/linux-x64/native"
# The assembly's versions come from Cargo.toml (binding redirects key on AssemblyVersion).
cat >"$stage/AssemblyVersion.cs" <<CS
[assembly: System.Reflection.AssemblyVersion("$version.0")]
[assembly: System.Reflection.AssemblyFileVersion("$version.0")]
[assembly: System.Reflection.AssemblyInformationalVersion("$version")]
[assembly: System.Reflection.AssemblyProduct("voucherlink")]
CS
mcs -nologo -warnaserror -target:library -optimize+ -doc:"$nuget/lib/net462/VoucherLink.xml" \
    -out:"$nuget/lib/net462/VoucherLink.dll" bindings/csharp/VoucherLink.cs "$stage/AssemblyVersion.cs"
cp packaging/nuget/VoucherLink.targets "$nuget/build/net462/"
cp "$built/libvoucherlink.so" "$nuget/runtimes/linux-x64/native/"
mkdir -p "$nuget/tools/linux-x64" && cp "$built/voucherlink" "$nuget/tools/linux-x64/"
if [ "$linux_only" = 0 ]; then
    for arch in x86 x64; do
        mkdir -p "$nuget/runtimes/win-$arch/native" "$nuget/tools/win-$arch"
        cp "$target_root/windows/$arch/voucherlink.dll" "$nuget/runtimes/win-$arch/native/"
        cp "$target_root/windows/$arch/voucherlink.exe" "$nuget/tools/win-$arch/"
    done
fi
cp bindings/csharp/README.md "$nuget/README.md"
configure packaging/nuget/VoucherLink.nuspec.in "$nuget/VoucherLink.nuspec" 8
python3 - "$nuget" "$dist/VoucherLink.$version.nupkg" <<'PY'
import os, sys, zipfile
root, target = sys.argv[1], sys.argv[2]
types = ('<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         + "".join('<Default Extension="%s" ContentType="application/octet"/>' % e for e in ("nuspec", "dll", "xml", "so", "targets", "md", "exe"))
         + "".join('<Override PartName="/%s" ContentType="application/octet"/>' % os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")
                   for d, _, fs in os.walk(root) for f in fs if "." not in f)
         + '</Types>')
rels = ('<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/VoucherLink.nuspec" Id="R1"/></Relationships>')
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", types)
    z.writestr("_rels/.rels", rels)
    for folder, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            path = os.path.join(folder, f)
            z.write(path, os.path.relpath(path, root).replace(os.sep, "/"))
PY

# --- Python wheels ----------------------------------------------------------------------------
echo "== Python wheels"
python3 scripts/make_wheel.py manylinux2014_x86_64 "$built/libvoucherlink.so" "$dist" "$built/voucherlink" >/dev/null
if [ "$linux_only" = 0 ]; then
    python3 scripts/make_wheel.py win_amd64 "$target_root/windows/x64/voucherlink.dll" "$dist" "$target_root/windows/x64/voucherlink.exe" >/dev/null
    python3 scripts/make_wheel.py win32 "$target_root/windows/x86/voucherlink.dll" "$dist" "$target_root/windows/x86/voucherlink.exe" >/dev/null
fi

# --- Java -------------------------------------------------------------------------------------
echo "== Java"
java_stage="$stage/java"
mkdir -p "$java_stage/classes" "$java_stage/natives/linux-x86-64"
javac --release 8 -encoding UTF-8 -cp "$jna" -d "$java_stage/classes" $(find bindings/java/src/main/java -name '*.java')
cp "$built/libvoucherlink.so" "$java_stage/natives/linux-x86-64/"
if [ "$linux_only" = 0 ]; then
    mkdir -p "$java_stage/natives/win32-x86" "$java_stage/natives/win32-x86-64"
    cp "$target_root/windows/x86/voucherlink.dll" "$java_stage/natives/win32-x86/"
    cp "$target_root/windows/x64/voucherlink.dll" "$java_stage/natives/win32-x86-64/"
fi
cp LICENSE-MIT LICENSE-APACHE "$java_stage/classes/"
jar cf "$dist/voucherlink-$version.jar" -C "$java_stage/classes" . -C "$java_stage/natives" .
repo_dir="$dist/maven/io/voucherlink/voucherlink/$version"
mkdir -p "$repo_dir"
cp "$dist/voucherlink-$version.jar" "$repo_dir/"
sed "0,/<version>[^<]*<\/version>/s//<version>$version<\/version>/" bindings/java/pom.xml > "$repo_dir/voucherlink-$version.pom"

(cd "$dist" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | sort | xargs sha256sum -- > SHA256SUMS)
echo "== dist/ ($version, ABI $abi)"
(cd "$dist" && ls -ld --block-size=K -- * | awk '{printf "  %8s  %s\n", $5, $9}')
