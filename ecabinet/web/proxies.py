"""The client's address behind a reverse proxy: ``X-Forwarded-For`` is believed only when the TCP
peer is one of ``ECABINET_TRUSTED_PROXIES`` (CIDRs, e.g. ``127.0.0.1/32,::1/128`` for the local
nginx). Anyone else could write the header, so for them it is ignored and the peer is the client.

From a trusted peer, the header's addresses are read right to left (each proxy appends the address
it received the request from) skipping trusted proxies; the first one that is not a trusted proxy
is the client. A malformed entry stops the walk: what lies left of it cannot be checked, so the
address right of it (a trusted proxy) is used. Used for the login throttle, the signaling
socket's failure counter, sessions and the access log.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_HOPS = 16  # a longer chain is not read further (nobody has 16 proxies)


@lru_cache(maxsize=8)
def networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in trusted)


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: Address | None, nets: tuple[Network, ...]) -> bool:
    return address is not None and any(address in n for n in nets)


def client_ip(peer: str | None, forwarded_for: list[str], trusted: tuple[str, ...]) -> str:
    """The client's address given the TCP ``peer``, the ``X-Forwarded-For`` header values and the
    trusted proxies."""
    nets = networks(trusted)
    current = peer or ""
    if not nets or not _trusted(_parse(current), nets):
        return current
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops[-MAX_HOPS:]):
        address = _parse(hop)
        if address is None:
            return current
        current = str(address)
        if not _trusted(address, nets):
            return current
    return current


def client_address(request: web.Request, trusted: tuple[str, ...]) -> str:
    return client_ip(request.remote, request.headers.getall("X-Forwarded-For", []), trusted)[:64]
