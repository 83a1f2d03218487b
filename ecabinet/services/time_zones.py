"""The time zones a meeting may be scheduled in, for the form's select: Vietnam's first, then the
zones of its neighbours and partners that Government meetings meet, then every other IANA zone."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

FIRST = (
    "Asia/Ho_Chi_Minh",
    "Asia/Bangkok",
    "Asia/Vientiane",
    "Asia/Phnom_Penh",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Europe/Paris",
    "America/New_York",
    "UTC",
)


@cache
def _all() -> tuple[str, ...]:
    rest = sorted(z for z in available_timezones() if z not in FIRST and "/" in z)
    return (*[z for z in FIRST if z == "UTC" or z in available_timezones()], *rest)


def time_zone_choices(current: str = "") -> list[str]:
    """Every zone the select offers, with ``current`` kept even if it is not among them."""
    zones = list(_all())
    if current and current not in zones:
        zones.insert(0, current)
    return zones
