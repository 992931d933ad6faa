"""Finding libvoucherlink and declaring its C functions for ctypes."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path
from typing import Iterator, List

#: The C ABI this binding was written for (``VL_ABI_VERSION`` in voucherlink.h).
ABI_VERSION = 1

#: Every ``vl_<operation>`` function, in docs/api.md order.
OPERATIONS = (
    "capabilities",
    "balance",
    "redeem",
    "cancel_redemption",
    "activation_status",
    "activate",
    "cancel_activation",
    "deactivation_status",
    "deactivate",
    "issue",
    "history",
    "member_vouchers",
    "validate",
    "submit_order",
    "lock",
    "unlock",
    "pending",
    "recover",
)

#: Every function of the operations' shape (``vl_<name>(client, request_json, &out_json)``):
#: the operations, and ``vl_prepare``.
CALLS = OPERATIONS + ("prepare",)

#: The library's calling convention (``VL_CALL``): ``__stdcall`` on Windows (on 64-bit Windows the
#: same as cdecl), the C convention elsewhere. ctypes' WinDLL and WINFUNCTYPE are stdcall.
STDCALL = sys.platform == "win32"
FUNCTYPE = ctypes.WINFUNCTYPE if STDCALL else ctypes.CFUNCTYPE  # type: ignore[attr-defined,unused-ignore]
LIBRARY = ctypes.WinDLL if STDCALL else ctypes.CDLL  # type: ignore[attr-defined,unused-ignore]

#: ``typedef void (VL_CALL *VlLogFn)(VlLogLevel level, const char *message_utf8, void *user_data)``
LOG_FN = FUNCTYPE(None, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_void_p)


def library_file_name() -> str:
    if sys.platform == "win32":
        return "voucherlink.dll"
    if sys.platform == "darwin":
        return "libvoucherlink.dylib"
    return "libvoucherlink.so"


def candidates() -> Iterator[str]:
    """Where the library is looked for, in order: ``VOUCHERLINK_LIB`` (the file or its folder),
    the package's own folder (a wheel carries the library there), the system's loader (its
    search path: ``LD_LIBRARY_PATH``, ``PATH`` on Windows, the system folders), and last, for
    developers, a cargo ``target`` folder of the checkout."""
    name = library_file_name()
    configured = os.environ.get("VOUCHERLINK_LIB")
    if configured:
        path = Path(configured)
        yield str(path / name if path.is_dir() else path)
    here = Path(__file__).resolve().parent
    yield str(here / name)
    found = ctypes.util.find_library("voucherlink")
    if found:
        yield found
    yield name  # by name: the dynamic loader's own search
    target_dir = os.environ.get("CARGO_TARGET_DIR")
    if target_dir:
        for profile in ("release", "debug"):
            yield str(Path(target_dir) / profile / name)
    for parent in here.parents:
        for profile in ("release", "debug"):
            yield str(parent / "target" / profile / name)


def load() -> ctypes.CDLL:
    """Loads the library (with its calling convention, :data:`STDCALL`) and declares every function's argument and result types. When no
    candidate loads, the error lists each one tried and why it failed."""
    looked: List[str] = []
    for candidate in candidates():
        is_path = os.sep in candidate or (os.altsep is not None and os.altsep in candidate)
        if is_path and not Path(candidate).is_file():
            looked.append("%s (no such file)" % candidate)
            continue
        try:
            lib = LIBRARY(candidate)
        except OSError as error:
            looked.append("%s (%s)" % (candidate, error))
            continue
        declare(lib)
        return lib
    raise OSError(
        "voucherlink: the shared library could not be loaded. Install the wheel for this platform "
        "(it carries the library), put the library on the system's library path, or set "
        "VOUCHERLINK_LIB to its file. Tried:\n  " + "\n  ".join(looked)
    )


def declare(lib: ctypes.CDLL) -> None:
    """Every function gets argtypes and restype (the default int result would cut 64-bit pointers)."""
    status = ctypes.c_uint32
    out_ptr = ctypes.POINTER(ctypes.c_void_p)
    lib.vl_version.argtypes = []
    lib.vl_version.restype = ctypes.c_char_p  # static: never freed
    lib.vl_abi_version.argtypes = []
    lib.vl_abi_version.restype = ctypes.c_uint32
    lib.vl_status_name.argtypes = [ctypes.c_uint32]
    lib.vl_status_name.restype = ctypes.c_char_p  # static: never freed
    lib.vl_client_new.argtypes = [ctypes.c_char_p, out_ptr, out_ptr]
    lib.vl_client_new.restype = status
    lib.vl_client_free.argtypes = [ctypes.c_void_p]
    lib.vl_client_free.restype = None
    lib.vl_string_free.argtypes = [ctypes.c_void_p]
    lib.vl_string_free.restype = None
    lib.vl_set_logger.argtypes = [LOG_FN, ctypes.c_void_p, ctypes.c_uint32]
    lib.vl_set_logger.restype = status
    for name in CALLS:
        function = getattr(lib, "vl_" + name)
        function.argtypes = [ctypes.c_void_p, ctypes.c_char_p, out_ptr]
        function.restype = status
