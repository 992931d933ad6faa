"""The typed API is checked by `mypy --strict`: a misspelled parameter, a misspelled result key and a
float amount are reported; the checkout example and correct code pass."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(source))
    env = {**os.environ, "MYPYPATH": str(PACKAGE)}
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(snippet)],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )


def test_mistakes_are_reported(tmp_path):
    result = mypy(tmp_path, """
        from decimal import Decimal
        import voucherlink

        client = voucherlink.Client({"provider": "eguma", "api_key": "k"})
        voucher = client.balance(cod="L4FU5LQTKJR3")
        left = voucher["balanse"]
        client.redeem(code="L4FU5LQTKJR3", amount=12.5)
        client.recover(journal_id="vl-1", outcome="maybe")
    """)
    out = result.stdout
    assert result.returncode == 1, out
    assert 'Unexpected keyword argument "cod"' in out, out
    assert '"balanse"' in out and "TypedDict" in out, out
    assert 'Argument "amount"' in out and '"float"' in out, out
    assert 'Argument "outcome"' in out, out


def test_correct_code_and_the_example_pass(tmp_path):
    result = mypy(tmp_path, """
        from decimal import Decimal
        from typing import Optional
        import voucherlink
        from voucherlink.types import Voucher

        def pay(client: voucherlink.Client, code: str, due: Decimal) -> Optional[Decimal]:
            voucher: Voucher = client.balance(code=code, language="de")
            taken = client.redeem(code=voucher["code"], remaining_to_pay=due, reference="R-1")
            for line in taken["receipt_lines"]:
                print(line)
            pending = client.pending()["entries"]
            return taken["amount"] if not pending else None
    """)
    assert result.returncode == 0, result.stdout
    example = PACKAGE / "examples" / "checkout.py"
    checked = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache2"), str(example)],
                             capture_output=True, text=True, env={**os.environ, "MYPYPATH": str(PACKAGE)}, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
