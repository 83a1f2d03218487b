"""SRTP protect/unprotect for the SFU's per-packet paths, through pylibsrtp's cffi ``lib``.

``pylibsrtp.Session.protect``/``unprotect`` allocate an ``int *`` with ``ffi.new`` and go
through two Python layers on every call. :class:`FastSrtp` wraps one existing ``Session`` (same
libsrtp context, same keys and replay state, same 1500-byte buffer) and calls
``srtp_protect``/``srtp_unprotect`` directly with a length pointer allocated once. Everything
runs on the event-loop thread, as aiortc's own use of the session does, so sharing the
session's buffer is safe (each call copies its result out before returning).
"""

from __future__ import annotations

from typing import Any

import pylibsrtp
from pylibsrtp import Session
from pylibsrtp._binding import ffi, lib

_OK = lib.srtp_err_status_ok
_srtp_protect = lib.srtp_protect  # looked up once, not per call
_srtp_unprotect = lib.srtp_unprotect
_PROTECT_LIMIT = 1500 - pylibsrtp.SRTP_MAX_TRAILER_LEN  # the session's buffer is 1500 bytes


class FastSrtp:
    """``protect``/``unprotect`` of RTP (not RTCP) on one pylibsrtp ``Session``."""

    __slots__ = ("_buffer", "_cdata", "_context", "_length", "_session")

    def __init__(self, session: Session) -> None:
        self._session = session  # keeps the libsrtp context alive
        self._context: Any = session._srtp[0]
        self._cdata: Any = session._cdata
        self._buffer: Any = session._buffer
        self._length: Any = ffi.new("int *")

    def protect(self, packet: bytes) -> bytes:
        size = len(packet)
        if size > _PROTECT_LIMIT:
            raise ValueError("packet is too long")
        self._buffer[0:size] = packet
        length = self._length
        length[0] = size
        status = _srtp_protect(self._context, self._cdata, length)
        if status != _OK:
            raise pylibsrtp.Error(pylibsrtp.ERRORS[status])
        return self._buffer[0 : length[0]]

    def unprotect(self, packet: bytes) -> bytes:
        size = len(packet)
        if size > 1500:
            raise ValueError("packet is too long")
        self._buffer[0:size] = packet
        length = self._length
        length[0] = size
        status = _srtp_unprotect(self._context, self._cdata, length)
        if status != _OK:
            raise pylibsrtp.Error(pylibsrtp.ERRORS[status])
        return self._buffer[0 : length[0]]


def check_srtp_hooks() -> tuple[str, ...]:
    """Problems that would break :class:`FastSrtp` (empty if none)."""
    probe = Session()
    problems = []
    for name in ("_srtp", "_cdata", "_buffer"):
        if not hasattr(probe, name):
            problems.append(f"pylibsrtp.Session no longer has {name}")
    if hasattr(probe, "_cdata") and len(probe._cdata) != 1500:
        problems.append("pylibsrtp.Session's buffer is no longer 1500 bytes")
    for name in ("SRTP_MAX_TRAILER_LEN", "ERRORS"):
        if not hasattr(pylibsrtp, name):
            problems.append(f"pylibsrtp.{name} is gone")
    for name in ("srtp_protect", "srtp_unprotect", "srtp_err_status_ok"):
        if not hasattr(lib, name):
            problems.append(f"pylibsrtp's binding no longer exposes {name}")
    return tuple(problems)
