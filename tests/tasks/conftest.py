"""Fixtures for conclusions and tasks: settings with a CA passphrase (a conclusions notice is
signed by its publisher, with a certificate of the platform CA)."""

from __future__ import annotations

from tests.signing.conftest import settings

__all__ = ["settings"]
