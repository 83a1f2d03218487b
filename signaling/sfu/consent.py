"""ICE consent freshness (RFC 7675) that survives a lagging event loop.

Stock aioice 0.13 checks consent every ~5 s with **one** STUN request, no retransmission and a
0.5 s timeout, and closes the connection after 6 failed checks in a row. When the SFU's event
loop lags behind the traffic, the response to a check sits in the socket behind a second of RTP
and misses its 0.5 s every time: the busiest peers — the chair and the floor holder — were
disconnected first (bench/RESULTS.md, "Why ours collapses under contention").

:func:`tolerate_event_loop_lag` gives one peer connection's ICE connections a consent loop
that differs in two ways, and nowhere else:

1. each check is retransmitted (``CONSENT_RETRANSMISSIONS``; aioice's usual RTO doubling from
   0.5 s), so a late response to the same transaction still counts;
2. a check that still fails is not held against the peer if **authenticated** media came from
   it since the previous check: an SRTP or SRTCP packet that passed libsrtp's authentication
   can only come from the peer holding this DTLS session's keys, which is alive and talking to
   us.

A peer that has gone silent (no answers, no authenticated packets) still loses consent after
``aioice.ice.CONSENT_FAILURES`` checks, as RFC 7675 requires. This uses aioice and aiortc
internals (listed in :func:`check_consent_hooks`); ``tests/signaling/test_consent.py`` fails if an
upgrade moves them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

import aioice.ice
from aioice import stun
from aiortc import RTCPeerConnection
from aiortc.rtcdtlstransport import RTCDtlsTransport

logger = logging.getLogger(__name__)

CONSENT_RETRANSMISSIONS = 2  # a check waits 0.5 + 1 + 2 = 3.5 s for its response
_HEARD = "_ecabinet_authenticated_rx"
_TOLERANT = "_ecabinet_tolerant_consent"


def tolerate_event_loop_lag(pc: RTCPeerConnection) -> None:
    """Install the tolerant consent loop on every ICE connection of ``pc``.

    Call after ``setLocalDescription`` (the transports exist) and before ICE completes (the
    consent loop starts then). Idempotent."""
    seen: set[int] = set()
    for transceiver in pc.getTransceivers():
        dtls = transceiver.sender.transport
        if dtls is None or id(dtls) in seen:
            continue
        seen.add(id(dtls))
        _count_authenticated_packets(dtls)
        connection = dtls.transport._connection
        if getattr(connection, _TOLERANT, False):
            continue
        connection.query_consent = _tolerant_consent_loop(connection, lambda d=dtls: _heard(d))
        setattr(connection, _TOLERANT, True)


def _heard(dtls: RTCDtlsTransport) -> int:
    return getattr(dtls, _HEARD, 0)


def heard_packets(pc: RTCPeerConnection) -> int:
    """Authenticated packets received on ``pc`` so far (liveness.py watches it move)."""
    transports = {id(t.sender.transport): t.sender.transport for t in pc.getTransceivers()}
    return sum(_heard(d) for d in transports.values() if d is not None)


def note_authenticated(dtls: RTCDtlsTransport) -> None:
    """Count one packet that passed SRTP authentication outside aiortc's receive path
    (ingest.py's synchronous RTP path)."""
    setattr(dtls, _HEARD, getattr(dtls, _HEARD, 0) + 1)


def _count_authenticated_packets(dtls: RTCDtlsTransport) -> None:
    """Count packets that reached ``_handle_rtp_data``/``_handle_rtcp_data``: aiortc calls them
    only after SRTP/SRTCP unprotect succeeded. The shims return the original coroutine, so no
    coroutine layer is added on the receive path."""
    if hasattr(dtls, _HEARD):
        return
    setattr(dtls, _HEARD, 0)

    def counting(
        handler: Callable[..., Coroutine[Any, Any, None]],
    ) -> Callable[..., Coroutine[Any, Any, None]]:
        def shim(*args: Any, **kwargs: Any) -> Coroutine[Any, Any, None]:
            setattr(dtls, _HEARD, getattr(dtls, _HEARD) + 1)
            return handler(*args, **kwargs)

        return shim

    dtls._handle_rtp_data = counting(dtls._handle_rtp_data)  # type: ignore[method-assign]
    dtls._handle_rtcp_data = counting(dtls._handle_rtcp_data)  # type: ignore[method-assign]


def _tolerant_consent_loop(
    connection: aioice.ice.Connection, heard: Callable[[], int]
) -> Callable[[], Coroutine[Any, Any, None]]:
    async def query_consent() -> None:
        assert connection.remote_password is not None
        key = connection.remote_password.encode("utf8")
        failures = 0
        last_heard = heard()
        while True:
            interval = aioice.ice.CONSENT_INTERVAL
            await asyncio.sleep(interval * (0.8 + 0.4 * random.random()))  # noqa: S311
            for pair in list(connection._nominated.values()):
                request = connection.build_request(pair, nominate=False)
                try:
                    await pair.protocol.request(
                        request,
                        pair.remote_addr,
                        integrity_key=key,
                        retransmissions=CONSENT_RETRANSMISSIONS,
                    )
                    failures = 0
                except stun.TransactionError:
                    if heard() != last_heard:
                        failures = 0
                        logger.info("consent check unanswered for %s; media heard: kept", pair)
                    else:
                        failures += 1
                        logger.info("consent check %d unanswered for %s", failures, pair)
                last_heard = heard()
                if failures >= aioice.ice.CONSENT_FAILURES:
                    logger.warning("consent to send expired for %s", pair)
                    connection._query_consent_task = None
                    await connection.close()
                    return

    return query_consent


def check_consent_hooks() -> tuple[str, ...]:
    """Problems that would make :func:`tolerate_event_loop_lag` ineffective (empty if none)."""
    problems = []
    names = aioice.ice.Connection.query_consent.__code__.co_names
    for name in ("_nominated", "build_request", "request", "close", "_query_consent_task"):
        if name not in names:
            problems.append(f"aioice Connection.query_consent no longer uses {name}")
    if "query_consent" not in aioice.ice.Connection.connect.__code__.co_names:
        problems.append("aioice Connection.connect no longer starts self.query_consent()")
    for name in ("CONSENT_INTERVAL", "CONSENT_FAILURES"):
        if not hasattr(aioice.ice, name):
            problems.append(f"aioice.ice.{name} is gone")
    recv_names = RTCDtlsTransport._recv_next.__code__.co_names
    for name in ("_handle_rtp_data", "_handle_rtcp_data", "unprotect", "unprotect_rtcp"):
        if name not in recv_names:
            problems.append(f"RTCDtlsTransport._recv_next no longer calls {name}")
    return tuple(problems)
