"""The meeting form's dates as Vietnamese users write them: a text date ``dd/mm/yyyy`` beside a
time ``HH:MM`` (``starts_at_date`` + ``starts_at_time``), read into the same local
``YYYY-MM-DDTHH:MM`` the former ``datetime-local`` field (still accepted) posted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

DATE = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")
TIME = re.compile(r"\s*(\d{1,2})[:hg](\d{2})\s*")


def local_value(form: Mapping[str, Any], name: str) -> str:
    """``name`` itself if posted, else its date and time parts joined; text that is no date is
    returned as typed (the API then refuses it as it refuses any malformed time)."""
    whole = str(form.get(name, ""))[:40]
    if whole:
        return whole
    day = str(form.get(f"{name}_date", ""))[:20]
    hour = str(form.get(f"{name}_time", ""))[:10]
    d, t = DATE.fullmatch(day), TIME.fullmatch(hour)
    if d and t:
        try:
            at = datetime(int(d[3]), int(d[2]), int(d[1]), int(t[1]), int(t[2]))
        except ValueError:
            pass
        else:
            return at.strftime("%Y-%m-%dT%H:%M")
    return f"{day.strip()} {hour.strip()}".strip()
