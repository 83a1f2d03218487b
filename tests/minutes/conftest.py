"""Fixtures for the minutes: settings with a CA passphrase (signatures need the platform CA)."""

from __future__ import annotations

from tests.signing.conftest import settings

__all__ = ["settings"]
