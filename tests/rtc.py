"""What every real-WebRTC test shares: aiortc peers on loopback only, and the test clips."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import aioice.ice
import pytest

from signaling.clientmedia import EncodedClip, write_test_clip
from signaling.sfu import MeetingCodec

RED = (220, 30, 30)
GREEN = (30, 200, 30)
BLUE = (30, 30, 220)
COLOURS = {"red": RED, "green": GREEN, "blue": BLUE}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """aioice leaves 127.0.0.1 out of host candidates; these tests stay on loopback."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
    yield


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EncodedClip]:
    """Three 3-second H.264 clips with one keyframe each (GOP longer than the clip: a fast
    keyframe needs a forwarded PLI), and a red VP8 one."""
    folder: Path = tmp_path_factory.mktemp("clips")
    result = {
        name: EncodedClip.load(write_test_clip(folder / f"{name}.h264", rgb=rgb, gop=600))
        for name, rgb in COLOURS.items()
    }
    result["vp8"] = EncodedClip.load(
        write_test_clip(folder / "red.ivf", codec=MeetingCodec.VP8, rgb=RED, gop=600)
    )
    return result
