"""voucherlink: vouchers, gift cards and coupons (e-guma, Treazure, GonnaOrder, Coupontools) for
point-of-sale systems. A thin binding of the libvoucherlink C ABI.

>>> with Client({"provider": "eguma", "api_key": "...", "pos_id": "KASSE-1"}) as client:
...     voucher = client.balance(code="L4FU-5LQT-KJR3")
...     taken = client.redeem(code=voucher["code"], remaining_to_pay=Decimal("80.00"))

Requests are keyword arguments (or one dict); results are the ``data`` dicts of the C functions'
JSON documents, with amounts as :class:`decimal.Decimal`. Failures raise a
:class:`VoucherLinkError` subclass per status. A client may be shared by several threads; calls
release the GIL while they wait for the provider.
"""

from __future__ import annotations

import ctypes
import json
import logging
import weakref
from decimal import Decimal
from typing import Any, Callable, Dict, Mapping, Optional

from . import _native

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
    return _lib.vl_version().decode("utf-8")


def status_name(status: int) -> str:
    """The name of a status code (``vl_status_name()``): ``"ok"``, ``"rejected"``, ...; ``"unknown"``."""
    return _lib.vl_status_name(status).decode("utf-8")


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
    return json.loads(text, parse_float=Decimal)


def _raise_for(status: int, document: Dict[str, Any]) -> None:
    raise _ERRORS.get(status, VoucherLinkError)(status, document)


# ---- the client ----


class Client:
    """A client of one provider account: ``Client({"provider": "eguma", "api_key": "..."})``.

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
        """Runs ``vl_<operation>`` with ``request`` and ``fields`` merged; returns ``data``."""
        if operation not in _native.OPERATIONS:
            raise ValueError("unknown operation %r" % operation)
        if not self._finalizer.alive:
            raise ValueError("the voucherlink client is closed")
        merged = dict(request or {})
        merged.update(fields)
        out = ctypes.c_void_p()
        status = getattr(_lib, "vl_" + operation)(self._handle, _to_json(merged), ctypes.byref(out))
        document = _take_document(out)
        if status != 0:
            _raise_for(status, document)
        return _amounts_to_decimal(document["data"])

    def capabilities(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """``{provider, operations}``."""
        return self.call("capabilities", request, **fields)

    def balance(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Looks a voucher up: ``code`` (Treazure also ``serial_number`` + ``scratch_code``)."""
        return self.call("balance", request, **fields)

    def redeem(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Takes money: ``code`` and ``amount`` or ``remaining_to_pay`` (Coupontools: ``money_spent``)."""
        return self.call("redeem", request, **fields)

    def cancel_redemption(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Gives a redemption back: ``code``, ``transaction_id``, ``amount``."""
        return self.call("cancel_redemption", request, **fields)

    def activation_status(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Whether a voucher can be sold: ``code``."""
        return self.call("activation_status", request, **fields)

    def activate(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Sells (activates / loads) a voucher: ``code``, ``amount``."""
        return self.call("activate", request, **fields)

    def cancel_activation(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Undoes an activation: ``code``, ``transaction_id``."""
        return self.call("cancel_activation", request, **fields)

    def deactivation_status(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Whether a sold voucher can be taken back: ``code``."""
        return self.call("deactivation_status", request, **fields)

    def deactivate(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Takes a sold voucher back: ``code``, ``reason``."""
        return self.call("deactivate", request, **fields)

    def issue(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Issues a virtual card: ``amount``."""
        return self.call("issue", request, **fields)

    def history(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """A card's balance mutations: ``code``, ``condensed``."""
        return self.call("history", request, **fields)

    def member_vouchers(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """A loyalty member's vouchers: ``member_code`` / ``phone_number`` / ``search``."""
        return self.call("member_vouchers", request, **fields)

    def validate(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """What a voucher does to an order: ``code``, ``order_total``."""
        return self.call("validate", request, **fields)

    def submit_order(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Reports the finished order: ``order_id``, ``order_total``, ``discount``, ..."""
        return self.call("submit_order", request, **fields)

    def lock(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Reserves a coupon during checkout: ``code``."""
        return self.call("lock", request, **fields)

    def unlock(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Releases a reserved coupon: ``code``."""
        return self.call("unlock", request, **fields)

    def pending(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Journal entries not settled yet: ``{entries}``."""
        return self.call("pending", request, **fields)

    def recover(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """Settles what it can: ``{resolved, still_pending}`` (or one entry by hand: ``journal_id``, ``outcome``)."""
        return self.call("recover", request, **fields)


# ---- logging ----

_LEVELS = ((0, 5), (1, logging.DEBUG), (2, logging.INFO), (3, logging.WARNING), (4, logging.ERROR))
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
