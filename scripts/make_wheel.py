"""Builds a platform wheel of the Python binding with the native library inside the package.

    python3 scripts/make_wheel.py <platform tag> <native library file> <output folder> [<voucherlink command>]

e.g. ``manylinux2014_x86_64 target/x86_64-unknown-linux-gnu/release/libvoucherlink.so dist``.
The wheel is ``voucherlink-<version>-py3-none-<platform>.whl`` (the binding is pure Python over
ctypes: any Python 3 of that platform), written as the wheel format (PEP 427) says: the package,
the library beside its modules, the ``voucherlink`` command (simulator, doctor, journal tools) as
a script of ``.data/scripts`` (pip puts it on the environment's PATH), and a ``.dist-info`` with
METADATA, WHEEL and RECORD. The version comes from Cargo.toml.
"""

from __future__ import annotations

import base64
import hashlib
import re
import stat
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "bindings" / "python" / "voucherlink"


def version() -> str:
    text = (REPO / "Cargo.toml").read_text()
    match = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    if not match:
        sys.exit("Cargo.toml has no version")
    return match.group(1)


def digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def library_name(platform: str) -> str:
    if platform.startswith("win"):
        return "voucherlink.dll"
    if platform.startswith("macosx"):
        return "libvoucherlink.dylib"
    return "libvoucherlink.so"


def build(platform: str, library: Path, out: Path, command: Path | None = None) -> Path:
    ver = version()
    dist_info = "voucherlink-%s.dist-info" % ver
    readme = (REPO / "bindings" / "python" / "README.md").read_text()
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            "Name: voucherlink",
            "Version: " + ver,
            "Summary: Vouchers, gift cards and coupons (e-guma, Treazure, GonnaOrder, Coupontools) for point-of-sale systems",
            "License: MIT OR Apache-2.0",
            "Requires-Python: >=3.8",
            "Classifier: Programming Language :: Python :: 3",
            "Classifier: Topic :: Office/Business :: Financial :: Point-Of-Sale",
            "Description-Content-Type: text/markdown",
            "",
            readme,
        ]
    )
    wheel = "Wheel-Version: 1.0\nGenerator: voucherlink scripts/make_wheel.py\nRoot-Is-Purelib: false\nTag: py3-none-%s\n" % platform
    files: list[tuple[str, bytes]] = []
    for path in sorted(PACKAGE.iterdir()):
        if path.is_file() and path.suffix in (".py", ".typed"):
            files.append(("voucherlink/" + path.name, path.read_bytes()))
    files.append(("voucherlink/" + library_name(platform), library.read_bytes()))
    if command is not None:
        script = "voucherlink.exe" if platform.startswith("win") else "voucherlink"
        files.append(("voucherlink-%s.data/scripts/%s" % (ver, script), command.read_bytes()))
    for name in ("LICENSE-MIT", "LICENSE-APACHE"):
        files.append((dist_info + "/" + name, (REPO / name).read_bytes()))
    files.append((dist_info + "/METADATA", metadata.encode()))
    files.append((dist_info + "/WHEEL", wheel.encode()))
    record = "".join("%s,%s,%d\n" % (name, digest(data), len(data)) for name, data in files)
    record += dist_info + "/RECORD,,\n"
    files.append((dist_info + "/RECORD", record.encode()))
    out.mkdir(parents=True, exist_ok=True)
    target = out / ("voucherlink-%s-py3-none-%s.whl" % (ver, platform))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            executable = name.endswith((".so", ".dll", ".dylib", ".exe")) or "/scripts/" in name
            # A regular file's full mode: pip makes a file executable only when S_ISREG says regular.
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return target


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    print(build(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]) if len(sys.argv) == 5 else None))
