"""Test fixtures: the real simulator process (`voucherlink sim`), one per test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "bindings" / "python"))


def simulator_binary() -> Path:
    configured = os.environ.get("VOUCHERLINK_BIN")
    if configured:
        return Path(configured)
    for profile in ("debug", "release"):
        candidate = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / profile / "voucherlink"
        if candidate.exists():
            return candidate
    raise RuntimeError("the voucherlink binary was not found: build it (cargo build) or set VOUCHERLINK_BIN")


@pytest.fixture
def sim():
    """A fresh simulator with the demo data; yields its URLs (the ready line)."""
    process = subprocess.Popen([str(simulator_binary()), "sim", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(process.stdout.readline())
        yield urls
    finally:
        process.kill()
        process.wait()


def state(urls) -> dict:
    import urllib.request

    with urllib.request.urlopen(urls["root"] + "/__sim/state") as response:
        return json.loads(response.read())
