"""A whole checkout through the Python binding: balance, redeem, cancel, at a till that takes
e-guma vouchers and Treazure gift cards through one client (the library finds each scan's
provider).

    python3 examples/checkout.py [SIMULATOR_URL]

SIMULATOR_URL is the "root" that `voucherlink sim` prints. Without it the example starts the
simulator (`voucherlink sim`, found through VOUCHERLINK_BIN, on the PATH, or in the cargo target
folder) and uses its demo accounts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import voucherlink  # noqa: E402


def main() -> int:
    simulator = None
    if len(sys.argv) > 1:
        root = sys.argv[1]
    else:
        here = Path(__file__).resolve()
        binary = (
            os.environ.get("VOUCHERLINK_BIN")
            or shutil.which("voucherlink")  # pip install voucherlink puts it on the PATH
            or str(here.parents[min(3, len(here.parents) - 1)] / "target" / "debug" / "voucherlink")
        )
        simulator = subprocess.Popen([binary, "sim"], stdout=subprocess.PIPE, text=True)
        assert simulator.stdout is not None
        root = json.loads(simulator.stdout.readline())["root"]
    try:
        config = {
            "providers": [
                {"provider": "eguma", "api_key": "demo-outlet-1", "base_url": root + "/eguma"},
                # This till's gift cards start with 628: a `codes` rule sends them to Treazure directly.
                {
                    "provider": "treazure",
                    "client_id": "pos",
                    "client_secret": "secret",
                    "base_url": root + "/treazure",
                    "codes": {"prefixes": ["628"]},
                },
            ],
            "pos_id": "KASSE-PY",
        }
        with voucherlink.Client(config) as till:
            card = till.balance(code="6280001234567890")
            print(f"Gift card: {card['currency']} {card['balance']} ({card['provider']})")
            sale_total = Decimal("80.00")
            voucher = till.balance(code="L4FU-5LQT-KJR3")
            print(f"Voucher {voucher['code']}: {voucher['currency']} {voucher['balance']} ({voucher['provider']}, {voucher['status']})")
            # Typed keywords and results (mypy --strict checks them); money as Decimal, never float.
            taken = till.redeem(code=voucher["code"], remaining_to_pay=sale_total, reference="PY-1001")
            paid = taken["amount"] or Decimal("0.00")
            print(f"Voucher pays {taken['currency']} {paid}, still to pay {sale_total - paid}")
            for line in taken["receipt_lines"]:
                print("  | " + line)
            back = till.cancel_redemption(code=taken["code"], transaction_id=taken["transaction_id"], amount=paid)
            print(f"Sale voided: {back['currency']} {back['amount']} back on the voucher, balance {back['balance']}")
            try:
                # Scan, look up, take: the lookup tells the library whose voucher it is.
                used = till.balance(code="USED00000001")
                till.redeem(code=used["code"], amount=Decimal("5.00"))
            except voucherlink.Rejected as refused:
                print(f"Refused as expected: {refused.message}")
            except voucherlink.InDoubt as doubt:
                # Never repeat it: the library settles it; keep the journal id with the sale.
                print(f"In doubt, journal {doubt.journal_id}: {doubt.message}")
        return 0
    finally:
        if simulator:
            simulator.kill()


if __name__ == "__main__":
    sys.exit(main())
