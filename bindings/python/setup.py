"""Builds the Python package with the native library inside, as the release wheels have it.

``pip install bindings/python`` from a checkout builds ``libvoucherlink`` with cargo (release
profile, the checkout's ``Cargo.lock``) and puts it beside the package's modules, in a wheel tagged
for this platform (``py3-none-<platform>``: the binding is pure Python over ctypes). A library
already beside the modules is taken as it is. Outside a checkout, with no library at hand, the
wheel is pure Python and finds the library at run time (``VOUCHERLINK_LIB``, the system's loader).
The metadata is in ``pyproject.toml``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:  # setuptools >= 70.1 has its own
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # older setuptools: the wheel package's
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "voucherlink"
LIBRARY = {"win32": "voucherlink.dll", "darwin": "libvoucherlink.dylib"}.get(sys.platform, "libvoucherlink.so")


def checkout() -> Optional[Path]:
    """The repository this binding sits in, when it is built from one."""
    root = HERE.parent.parent
    return root if (root / "Cargo.toml").is_file() and (root / "include" / "voucherlink.h").is_file() else None


HAS_NATIVE = (PACKAGE / LIBRARY).is_file() or checkout() is not None


def native_library() -> Optional[Path]:
    """The library to ship: the one beside the modules, else one cargo builds from the checkout."""
    if (PACKAGE / LIBRARY).is_file():
        return PACKAGE / LIBRARY
    root = checkout()
    if root is None:
        return None
    cargo = os.environ.get("CARGO", "cargo")
    if shutil.which(cargo) is None:
        sys.exit(
            "voucherlink: installing from a checkout builds the native library, which needs Rust's "
            "cargo (https://rustup.rs). Or install the release wheel for this platform: it carries "
            "the library."
        )
    subprocess.run([cargo, "build", "--release", "--locked", "--lib"], cwd=root, check=True)
    metadata = subprocess.run(
        [cargo, "metadata", "--format-version", "1", "--no-deps", "--locked"],
        cwd=root,
        check=True,
        stdout=subprocess.PIPE,
    )
    return Path(json.loads(metadata.stdout)["target_directory"]) / "release" / LIBRARY


class BuildPy(build_py):
    """Copies the native library into the package as it is built (not for editable installs,
    which find the checkout's ``target/`` at run time)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        library = native_library()
        if library is not None:
            destination = Path(self.build_lib) / "voucherlink" / LIBRARY
            if library.resolve() != destination.resolve():
                shutil.copyfile(library, destination)


class PlatformWheel(bdist_wheel):
    """``py3-none-<platform>`` when the library is inside, pure otherwise."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = not HAS_NATIVE

    def get_tag(self):  # type: ignore[no-untyped-def]
        python, abi, platform = super().get_tag()
        return ("py3", "none", platform) if HAS_NATIVE else (python, abi, platform)


class NativeDistribution(Distribution):
    """Not a pure distribution when the library goes in (platform-specific install paths)."""

    def has_ext_modules(self) -> bool:
        return HAS_NATIVE


setup(cmdclass={"build_py": BuildPy, "bdist_wheel": PlatformWheel}, distclass=NativeDistribution)
