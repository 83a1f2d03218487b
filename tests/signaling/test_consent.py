"""ICE consent (RFC 7675) on the SFU: late answers do not drop a peer that is still sending
authenticated media; a peer that went silent still loses consent."""

from __future__ import annotations

import logging

import aioice.ice
import pytest

from signaling.sfu import consent
from signaling.sfu.consent import check_consent_hooks
from tests.signaling.helpers import until


def ice_connection(client) -> aioice.ice.Connection:
    return client.pc.getTransceivers()[0].sender.transport.transport._connection


def test_the_consent_hook_matches_the_installed_aioice_and_aiortc() -> None:
    assert check_consent_hooks() == ()


@pytest.fixture
def fast_consent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks every ~0.2 s, each failing after 0.5 s: six strikes take ~4 s instead of ~30 s."""
    monkeypatch.setattr(aioice.ice, "CONSENT_INTERVAL", 0.2)
    monkeypatch.setattr(consent, "CONSENT_RETRANSMISSIONS", 0)


async def test_peers_whose_consent_answers_never_arrive_in_time_stay_while_they_send_media(
    meeting, fast_consent, monkeypatch, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="signaling.sfu.consent")
    a = await meeting.join("a", "red")
    b = await meeting.join("b", "green")
    await until(lambda: b.receptions["main"].frames >= 10, "b sees a")
    for client in (a, b):  # what a lagging SFU loop sees: no answer to any consent check in time
        monkeypatch.setattr(ice_connection(client), "request_received", lambda *args: None)
    before = b.receptions["main"].frames

    def kept() -> int:
        return sum("media heard: kept" in r.getMessage() for r in caplog.records)

    # Stock aioice closes after 6 unanswered checks in a row (~4 s here); media keeps both.
    await until(lambda: kept() >= 2 * (aioice.ice.CONSENT_FAILURES + 1), "checks keep failing")
    assert b.receptions["main"].frames >= before + 60
    assert meeting.room.participant_ids == ("a", "b")
    assert not any("consent to send expired" in r.getMessage() for r in caplog.records)
    assert meeting.room._participants["a"].pc.connectionState == "connected"


async def test_a_peer_that_goes_silent_still_loses_consent(meeting, fast_consent) -> None:
    a = await meeting.join("a", "red")
    b = await meeting.join("b", "green")
    await until(lambda: b.receptions["main"].frames >= 10, "b sees a")
    pair = ice_connection(a)._nominated[1]
    pair.protocol.transport.close()  # a vanishes: no answers, no media, no goodbye
    await until(lambda: meeting.room.participant_ids == ("b",), "the SFU drops a", limit=30)
