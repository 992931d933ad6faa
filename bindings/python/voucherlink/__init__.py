"""voucherlink: vouchers, gift cards and coupons (e-guma, Treazure, GonnaOrder, Coupontools) for
point-of-sale systems. A thin binding of the libvoucherlink C ABI.

>>> with Client({"provider": "eguma", "api_key": "...", "pos_id": "KASSE-1"}) as client:
...     voucher = client.balance(code="L4FU-5LQT-KJR3")
...     taken = client.redeem(code=voucher["code"], remaining_to_pay=Decimal("80.00"))

Requests are typed keyword arguments (or one dict); results are the ``data`` dicts of the C
functions' JSON documents, typed as :mod:`voucherlink.types` TypedDicts (checked by mypy), with
amounts as :class:`decimal.Decimal` (a float amount is refused). Failures raise a
:class:`VoucherLinkError` subclass per status. A client may be shared by several threads; calls
release the GIL while they wait for the provider.
"""

from __future__ import annotations

import ctypes
import json
import logging
import weakref
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Literal, Mapping, Optional, Union, cast

from . import _native
from .types import (
    ActivationStatus,
    Capabilities,
    Card,
    Common,
    DeactivationStatus,
    History,
    MemberVouchers,
    Money,
    OrderAccepted,
    Pending,
    Prepared,
    Recovered,
    Redemption,
    Validation,
    Voucher,
)

if TYPE_CHECKING:  # annotations only: nothing to install at run time
    from typing_extensions import Unpack

__version__ = "0.1.0"

__all__ = [
    "Client",
    "status_name",
    "VoucherLinkError",
    "InvalidArgument",
    "ConfigError",
    "Unsupported",
    "NotFound",
    "Rejected",
    "AuthError",
    "NetworkError",
    "InDoubt",
    "ProviderError",
    "InternalError",
    "library_version",
    "enable_logging",
    "disable_logging",
]

_lib = _native.load()
if _lib.vl_abi_version() != _native.ABI_VERSION:
    raise ImportError(
        "voucherlink: the library's ABI version %d does not match this binding's %d: "
        "use the binding shipped with the library" % (_lib.vl_abi_version(), _native.ABI_VERSION)
    )


def library_version() -> str:
    """The library's version (``vl_version()``), e.g. ``"0.1.0"``."""
    version: bytes = _lib.vl_version()
    return version.decode("utf-8")


def status_name(status: int) -> str:
    """The name of a status code (``vl_status_name()``): ``"ok"``, ``"rejected"``, ...; ``"unknown"``."""
    name: bytes = _lib.vl_status_name(status)
    return name.decode("utf-8")


# ---- errors ----


class VoucherLinkError(Exception):
    """A failed call. ``status`` is the numeric VlStatus, ``document`` the whole result dict."""

    status = -1

    def __init__(self, status: int, document: Dict[str, Any]):
        self.status = status
        self.document = document
        error = document.get("error") or {}
        self.message: str = error.get("message") or "voucherlink error %d" % status
        self.provider: Optional[str] = error.get("provider")
        #: With several providers configured, when the answer concerns more than one: the
        #: candidates of a code the library will not guess for, or every provider asked for a
        #: code none of them knows. Empty otherwise.
        self.providers: List[str] = list(error.get("providers") or [])
        self.http_status: Optional[int] = error.get("http_status")
        self.provider_code: Optional[str] = error.get("provider_code")
        self.provider_message: Optional[str] = error.get("provider_message")
        self.journal_id: Optional[str] = error.get("journal_id")
        super().__init__(self.message)


class InvalidArgument(VoucherLinkError):
    """VL_INVALID_ARGUMENT: the input is wrong (the message names the field); nothing was sent."""

    status = 1


class ConfigError(VoucherLinkError):
    """VL_CONFIG: the client configuration is wrong."""

    status = 2


class Unsupported(VoucherLinkError):
    """VL_UNSUPPORTED: this provider has no such operation; nothing was sent."""

    status = 3


class NotFound(VoucherLinkError):
    """VL_NOT_FOUND: the provider does not know this voucher, member or session."""

    status = 4


class Rejected(VoucherLinkError):
    """VL_REJECTED: the provider refused (used, expired, insufficient balance, ...)."""

    status = 5


class AuthError(VoucherLinkError):
    """VL_AUTH: credentials refused."""

    status = 6


class NetworkError(VoucherLinkError):
    """VL_NETWORK: the provider was not reached, or a read timed out: nothing changed."""

    status = 7


class InDoubt(VoucherLinkError):
    """VL_IN_DOUBT: a money-moving call's outcome is unknown; see ``journal_id``. Do not repeat it."""

    status = 8


class ProviderError(VoucherLinkError):
    """VL_PROVIDER: the provider failed or answered something unusable."""

    status = 9


class InternalError(VoucherLinkError):
    """VL_INTERNAL: a bug in the library."""

    status = 10


_ERRORS = {cls.status: cls for cls in VoucherLinkError.__subclasses__()}

# ---- JSON in and out ----

#: Result fields holding money (decimal strings), returned as Decimal.
AMOUNT_KEYS = frozenset(
    ["amount", "balance", "initial_amount", "discount", "order_total", "total_after_discount", "mutation"]
)


def _to_json(value: Any) -> bytes:
    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return format(o, "f")  # "12.50", never an exponent
        raise TypeError("%r is not JSON serializable" % (o,))

    return json.dumps(value, default=default, separators=(",", ":")).encode("utf-8")


def _no_floats(request: Mapping[str, Any]) -> None:
    """Money is never a float: 0.1 + 0.2 is not 0.3. Amounts go as Decimal, str or int; a float is
    refused here, before anything is sent, as the library refuses a wrong type (InvalidArgument)."""
    for key, value in request.items():
        if isinstance(value, float):
            message = "`%s` is a float (%r): pass money as decimal.Decimal or str (\"12.50\"), never float" % (key, value)
            raise InvalidArgument(1, {"ok": False, "error": {"code": 1, "status": "invalid_argument", "message": message}})


def _amounts_to_decimal(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: Decimal(v) if k in AMOUNT_KEYS and isinstance(v, str) else (v if k == "raw" else _amounts_to_decimal(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_amounts_to_decimal(v) for v in value]
    return value


def _take_document(pointer: ctypes.c_void_p) -> Dict[str, Any]:
    """Copies the library's document and frees it (always, even if decoding fails)."""
    if not pointer.value:
        return {"ok": False, "error": {"code": 10, "message": "the library returned no document"}}
    try:
        text = ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        _lib.vl_string_free(pointer)
    document: Dict[str, Any] = json.loads(text, parse_float=Decimal)
    return document


def _raise_for(status: int, document: Dict[str, Any]) -> None:
    raise _ERRORS.get(status, VoucherLinkError)(status, document)


# ---- the client ----


class Client:
    """A client of one provider account, ``Client({"provider": "eguma", "api_key": "..."})``, or of a
    till's several (``{"providers": [{"provider": "eguma", ...}, {"provider": "treazure", ...}]}``:
    each call finds its provider by the code; a request may name it with ``provider``).

    Use it as a context manager, or call :meth:`close`. Every operation method takes the request
    as keyword arguments (or one dict) and returns the result's ``data`` dict.
    """

    def __init__(self, config: Mapping[str, Any]):
        handle = ctypes.c_void_p()
        out = ctypes.c_void_p()
        status = _lib.vl_client_new(_to_json(dict(config)), ctypes.byref(handle), ctypes.byref(out))
        document = _take_document(out)
        if status != 0:
            _raise_for(status, document)
        self._handle = handle
        #: What ``vl_client_new`` said: provider, effective settings (no secrets), operations.
        self.description: Dict[str, Any] = document["data"]
        self._finalizer = weakref.finalize(self, _lib.vl_client_free, handle)

    def close(self) -> None:
        """Frees the client. Further calls raise ValueError."""
        self._finalizer()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()

    def call(self, operation: str, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Runs ``vl_<operation>`` with ``request`` and ``fields`` merged; returns ``data``. The
        untyped door to every operation; the methods below are the same, typed."""
        if operation not in _native.CALLS:
            raise ValueError("unknown operation %r" % operation)
        if not self._finalizer.alive:
            raise ValueError("the voucherlink client is closed")
        merged = dict(request or {})
        merged.update(fields)
        _no_floats(merged)
        out = ctypes.c_void_p()
        status = getattr(_lib, "vl_" + operation)(self._handle, _to_json(merged), ctypes.byref(out))
        document = _take_document(out)
        if status != 0:
            _raise_for(status, document)
        data: Dict[str, Any] = _amounts_to_decimal(document["data"])
        return data

    def _run(self, operation: str, request: Optional[Mapping[str, Any]], fields: Dict[str, Any]) -> Dict[str, Any]:
        """A typed method's call: the keywords given (not None) over ``request``."""
        return self.call(operation, request, **{k: v for k, v in fields.items() if v is not None})

    def capabilities(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        **common: Unpack[Common],
    ) -> Capabilities:
        """Which operations this client supports (with several providers: each one's).

        Also the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Capabilities, self._run("capabilities", request, dict(**common)))

    def balance(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        **common: Unpack[Card],
    ) -> Voucher:
        """Looks a voucher up: balance, status and the check-balance slip (``receipt_lines``).

        ``code``: the code as scanned or typed.
        Also ``Card`` fields (Treazure: ``serial_number`` + ``scratch_code`` instead of ``code``, ``utc_offset``) and the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Voucher, self._run("balance", request, dict(code=code, **common)))

    def redeem(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        amount: Optional[Money] = None,
        remaining_to_pay: Optional[Money] = None,
        money_spent: Optional[Money] = None,
        **common: Unpack[Card],
    ) -> Redemption:
        """Takes ``amount``, or ``min(remaining_to_pay, balance)``, from a voucher (Coupontools: validates the coupon).

        ``code``: the code as scanned or typed.
        ``amount``: exactly this much.
        ``remaining_to_pay``: what the sale still needs.
        ``money_spent``: Coupontools: the sale total.
        Also ``Card`` fields (Treazure: ``serial_number`` + ``scratch_code`` instead of ``code``, ``utc_offset``) and the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Redemption, self._run("redeem", request, dict(code=code, amount=amount, remaining_to_pay=remaining_to_pay, money_spent=money_spent, **common)))

    def cancel_redemption(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        transaction_id: Optional[str] = None,
        amount: Optional[Money] = None,
        **common: Unpack[Card],
    ) -> Redemption:
        """Gives a redemption back.

        ``code``: the code as scanned or typed.
        ``transaction_id``: the redemption's ``transaction_id``.
        ``amount``: how much (e-guma: required).
        Also ``Card`` fields (Treazure: ``serial_number`` + ``scratch_code`` instead of ``code``, ``utc_offset``) and the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Redemption, self._run("cancel_redemption", request, dict(code=code, transaction_id=transaction_id, amount=amount, **common)))

    def activation_status(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        **common: Unpack[Card],
    ) -> ActivationStatus:
        """Whether a voucher or card can be sold, and for how much.

        ``code``: the code as scanned or typed.
        Also ``Card`` fields (Treazure: ``serial_number`` + ``scratch_code`` instead of ``code``, ``utc_offset``) and the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(ActivationStatus, self._run("activation_status", request, dict(code=code, **common)))

    def activate(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        amount: Optional[Money] = None,
        **common: Unpack[Card],
    ) -> Voucher:
        """Sells (activates or loads) a voucher or card.

        ``code``: the code as scanned or typed.
        ``amount``: the amount sold (free-amount vouchers).
        Also ``Card`` fields (Treazure: ``serial_number`` + ``scratch_code`` instead of ``code``, ``utc_offset``) and the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Voucher, self._run("activate", request, dict(code=code, amount=amount, **common)))

    def cancel_activation(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        transaction_id: Optional[str] = None,
        **common: Unpack[Card],
    ) -> Voucher:
        """Undoes a sale right after it.

        ``code``: the code as scanned or typed.
        ``transaction_id``: the activation's ``transaction_id``.
        Also ``Card`` fields (Treazure: ``serial_number`` + ``scratch_code`` instead of ``code``, ``utc_offset``) and the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Voucher, self._run("cancel_activation", request, dict(code=code, transaction_id=transaction_id, **common)))

    def deactivation_status(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        **common: Unpack[Common],
    ) -> DeactivationStatus:
        """Whether a sold voucher can be taken back.

        ``code``: the code as scanned or typed.
        Also the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(DeactivationStatus, self._run("deactivation_status", request, dict(code=code, **common)))

    def deactivate(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        reason: Optional[str] = None,
        **common: Unpack[Common],
    ) -> Voucher:
        """Takes a sold voucher back.

        ``code``: the code as scanned or typed.
        ``reason``: why.
        Also the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Voucher, self._run("deactivate", request, dict(code=code, reason=reason, **common)))

    def issue(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        amount: Optional[Money] = None,
        **common: Unpack[Card],
    ) -> Voucher:
        """Issues a new virtual card.

        ``amount``: its value.
        Also ``Card`` fields (Treazure: ``serial_number`` + ``scratch_code`` instead of ``code``, ``utc_offset``) and the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Voucher, self._run("issue", request, dict(amount=amount, **common)))

    def history(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        condensed: Optional[bool] = None,
        **common: Unpack[Card],
    ) -> History:
        """A card's balance mutations.

        ``code``: the code as scanned or typed.
        ``condensed``: one line per day and kind.
        Also ``Card`` fields (Treazure: ``serial_number`` + ``scratch_code`` instead of ``code``, ``utc_offset``) and the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(History, self._run("history", request, dict(code=code, condensed=condensed, **common)))

    def member_vouchers(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        member_code: Optional[str] = None,
        phone_number: Optional[str] = None,
        search: Optional[str] = None,
        **common: Unpack[Common],
    ) -> MemberVouchers:
        """A loyalty member's vouchers.

        ``member_code``: the member's code.
        ``phone_number``: the member's phone number (+30...).
        ``search``: either.
        Also the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(MemberVouchers, self._run("member_vouchers", request, dict(member_code=member_code, phone_number=phone_number, search=search, **common)))

    def validate(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        order_total: Optional[Money] = None,
        **common: Unpack[Common],
    ) -> Validation:
        """What a voucher does to an order.

        ``code``: the code as scanned or typed.
        ``order_total``: the total before the discount.
        Also the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Validation, self._run("validate", request, dict(code=code, order_total=order_total, **common)))

    def submit_order(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        order_id: Optional[Union[str, int]] = None,
        order_total: Optional[Money] = None,
        discount: Optional[Money] = None,
        total_after_discount: Optional[Money] = None,
        code: Optional[str] = None,
        member_code: Optional[str] = None,
        **common: Unpack[Common],
    ) -> OrderAccepted:
        """Reports the finished order (consumes the voucher).

        ``order_id``: the POS's order id.
        ``order_total``: the total before the discount.
        ``discount``: the discount given.
        ``total_after_discount``: the total paid.
        ``code``: the code as scanned or typed.
        ``member_code``: the loyalty member.
        Also the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(OrderAccepted, self._run("submit_order", request, dict(order_id=order_id, order_total=order_total, discount=discount, total_after_discount=total_after_discount, code=code, member_code=member_code, **common)))

    def lock(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        **common: Unpack[Common],
    ) -> Voucher:
        """Reserves a coupon during checkout.

        ``code``: the code as scanned or typed.
        Also the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Voucher, self._run("lock", request, dict(code=code, **common)))

    def unlock(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        code: Optional[str] = None,
        **common: Unpack[Common],
    ) -> Voucher:
        """Releases a reserved coupon.

        ``code``: the code as scanned or typed.
        Also the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Voucher, self._run("unlock", request, dict(code=code, **common)))

    def prepare(self, *, provider: Optional[str] = None) -> Prepared:
        """Opens the way to the provider(s) now (DNS, TCP, TLS, proxy, token), so that the cashier's
        next call costs one round trip: call it when the voucher payment screen opens. Never moves
        money. Every provider of the client, or ``provider``. A provider that is not ready raises its
        error (``NetworkError``, ``AuthError``, ...; ``providers`` names every one not ready)."""
        return cast(Prepared, self.call("prepare", {"provider": provider} if provider else {}))

    def pending(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        **common: Unpack[Common],
    ) -> Pending:
        """The journal entries not settled yet.

        Also the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Pending, self._run("pending", request, dict(**common)))

    def recover(
        self,
        request: Optional[Mapping[str, Any]] = None,
        /,
        *,
        journal_id: Optional[str] = None,
        outcome: Optional[Literal["done", "failed"]] = None,
        **common: Unpack[Common],
    ) -> Recovered:
        """Settles what it can and reports it; one entry with ``journal_id``; by hand with ``outcome``.

        ``journal_id``: one entry.
        ``outcome``: settles ``journal_id`` by hand.
        Also the ``Common`` fields (``reference``, ``pos_id``, ``site_id``, ``operator_id``,
        ``language``, ``provider``); ``request`` is the same as one dict (keywords win).
        """
        return cast(Recovered, self._run("recover", request, dict(journal_id=journal_id, outcome=outcome, **common)))


# ---- logging ----

#: Python has no TRACE level: the library's (every HTTP exchange, secrets removed) is 5, named so.
TRACE = 5
logging.addLevelName(TRACE, "TRACE")

_LEVELS = ((0, TRACE), (1, logging.DEBUG), (2, logging.INFO), (3, logging.WARNING), (4, logging.ERROR))
_log_callback: Optional[Callable[..., None]] = None  # kept alive while the library holds it


def enable_logging(level: int = logging.INFO, logger: Optional[logging.Logger] = None) -> None:
    """Sends the library's log lines (process-wide) to ``logger`` (default ``voucherlink``).
    Lines never contain secrets; voucher codes are masked."""
    global _log_callback
    target = logger or logging.getLogger("voucherlink")
    vl_min = next((vl for vl, py in _LEVELS if py >= level), 4)

    def forward(vl_level: int, message: bytes, _user_data: Any) -> None:
        try:
            py_level = dict(_LEVELS).get(vl_level, logging.ERROR)
            target.log(py_level, message.decode("utf-8", "replace"))
        except Exception:  # a callback must never raise into C
            pass

    callback = _native.LOG_FN(forward)
    if _lib.vl_set_logger(callback, None, vl_min) != 0:
        raise ValueError("invalid log level")
    _log_callback = callback


def disable_logging() -> None:
    """Turns the library's logging off."""
    global _log_callback
    _lib.vl_set_logger(_native.LOG_FN(), None, 0)
    _log_callback = None
