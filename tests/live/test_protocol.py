"""The protocol refuses every malformed message with one error type and a clear message; the
server answers it on the wire and carries on; floods and slow readers are cut off alone."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from signaling.connection import Connection
from signaling.protocol import MESSAGE_TYPES, CloseCode, ProtocolError, parse

from .conftest import Meeting, enter

VALID: dict[str, dict[str, Any]] = {
    "auth": {"token": "abc.def.ghi"},
    "offer": {"sdp": "v=0\r\n", "restart": True},
    "media_state": {"audio": True, "video": False},
    "hand": {"raised": True},
    "admit": {"participant": "u12"},
    "deny": {"participant": "u12"},
    "mute": {"participant": "p3"},
    "mute_all": {},
    "stop_video": {"participant": "p3"},
    "stop_screen": {"participant": "p3"},
    "screen_share": {"active": True},
    "remove": {"participant": "p3"},
    "lower_hand": {"participant": "p3"},
    "end_meeting": {},
    "thumbnail_page": {"page": 2},
    "present": {"document": 5, "page": 3, "zoom": 150},
    "stop_presenting": {},
    "leave": {},
}
WRONG = {str: 17, bool: "yes", int: "2"}


def message(type_: str, **fields: Any) -> str:
    return json.dumps({"v": 1, "type": type_, **fields})


def test_every_message_type_has_a_valid_example() -> None:
    assert set(VALID) == set(MESSAGE_TYPES)
    for type_, fields in VALID.items():
        parsed = parse(message(type_, **fields))
        assert parsed.type == type_
        for name, value in fields.items():
            assert getattr(parsed, name) == value


@pytest.mark.parametrize("type_", sorted(VALID))
def test_every_truncation_is_refused(type_: str) -> None:
    text = message(type_, **VALID[type_])
    for end in range(len(text)):
        with pytest.raises(ProtocolError) as refused:
            parse(text[:end])
        assert refused.value.code == "malformed_json"


@pytest.mark.parametrize("type_", sorted(VALID))
def test_every_missing_field_is_refused_by_name(type_: str) -> None:
    required = [name for name, f in MESSAGE_TYPES[type_].model_fields.items() if f.is_required()]
    for name in required:
        if name in ("v", "type"):
            continue
        fields = {k: v for k, v in VALID[type_].items() if k != name}
        with pytest.raises(ProtocolError) as refused:
            parse(message(type_, **fields))
        assert refused.value.code == "invalid_message"
        assert refused.value.message == f"'{type_}' needs the field '{name}'."


@pytest.mark.parametrize("type_", sorted(VALID))
def test_every_wrong_type_is_refused_by_name(type_: str) -> None:
    for name, value in VALID[type_].items():
        wrong = WRONG[type(value)]
        with pytest.raises(ProtocolError) as refused:
            parse(message(type_, **{**VALID[type_], name: wrong}))
        assert refused.value.code == "invalid_message"
        assert refused.value.message.startswith(f"'{name}' must be")
        with pytest.raises(ProtocolError):
            parse(message(type_, **{**VALID[type_], name: None}))


@pytest.mark.parametrize("type_", sorted(VALID))
def test_every_unknown_field_is_refused_by_name(type_: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse(message(type_, **VALID[type_], colour="red"))
    assert refused.value.message == f"'colour' is not a field of '{type_}'."


@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        ("[]", "not_an_object", "The message must be a JSON object."),
        ('{"type":"hand","raised":true}', "unsupported_version", "The message has no version 'v'."),
        ('{"v":2,"type":"hand","raised":true}', "unsupported_version", "Only version 1 is spoken here."),  # noqa: E501
        ('{"v":true,"type":"leave"}', "unsupported_version", "Only version 1 is spoken here."),
        ('{"v":1}', "unknown_type", "The message has no 'type'."),
        ('{"v":1,"type":"sing"}', "unknown_type", "Unknown message type 'sing'."),
        (b"\xff\xfe", "malformed_json", "The message is not UTF-8 text."),
        ('{"v":1,"type":"mute","participant":"p0"}', "invalid_message", "'participant' is not a participant id."),  # noqa: E501
        ('{"v":1,"type":"thumbnail_page","page":-1}', "invalid_message", "'page' is too small."),
        ('{"v":1,"type":"auth","token":""}', "invalid_message", "'token' must not be empty."),
        ("[" * 100_000, "malformed_json", "The message is not valid JSON."),
    ],
)  # fmt: skip
def test_malformed_messages_have_stable_errors(raw: str | bytes, code: str, text: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse(raw)
    assert (refused.value.code, refused.value.message) == (code, text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_arbitrary_input_raises_only_protocol_error(raw: str | bytes) -> None:
    try:
        parse(raw)
    except ProtocolError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(VALID)), st.dictionaries(st.text(max_size=12), json_values))
def test_arbitrary_fields_raise_only_protocol_error(type_: str, fields: dict[str, Any]) -> None:
    try:
        parse(json.dumps({"v": 1, "type": type_, **fields}))
    except ProtocolError:
        pass


# -- on the wire ----------------------------------------------------------------------------


async def test_malformed_messages_get_an_error_and_the_room_carries_on(
    client: TestClient, meeting: Meeting
) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    for raw in ("{", "[]", '{"v":1,"type":"hand"}', '{"v":1,"type":"dance"}'):
        await member.ws.send_str(raw)
        await member.expect("error")
    await member.ws.send_bytes(b"\x00\x01")
    assert (await member.expect("error"))["code"] == "text_only"
    await member.send("hand", raised=True)
    while True:
        entry = (await chair.expect("participant"))["participant"]
        if entry["name"] == "Daibieu" and entry["hand"]:
            break


async def test_oversized_frame_closes_only_that_socket(
    client: TestClient, meeting: Meeting
) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    await member.ws.send_str(json.dumps({"v": 1, "type": "offer", "sdp": "x" * 70_000}))
    assert await member.closed() == CloseCode.TOO_BIG
    await chair.expect("participant_left")
    await chair.send("hand", raised=True)
    await chair.expect("participant")


async def test_flood_is_cut_off_while_another_clients_messages_go_through(
    client: TestClient, meeting: Meeting
) -> None:
    chair = await enter(client, "botruong", meeting.id)
    member = await enter(client, "daibieu", meeting.id)
    flooder = await enter(client, "vanhanh", meeting.id)
    frame = message("media_state", audio=False, video=False)

    async def flood() -> None:
        for _ in range(2000):
            if flooder.ws.closed:
                return
            await flooder.ws.send_str(frame)

    flooding = asyncio.ensure_future(flood())
    await member.send("hand", raised=True)
    while True:
        entry = (await chair.expect("participant"))["participant"]
        if entry["name"] == "Daibieu" and entry["hand"]:
            break
    assert await flooder.closed() == CloseCode.FLOOD
    await flooding
    assert flooder.errors()[:1] == ["rate_limited"]
    assert flooder.errors()[-1] == "flood"
    await member.send("hand", raised=False)
    while True:
        entry = (await chair.expect("participant"))["participant"]
        if entry["name"] == "Daibieu" and not entry["hand"]:
            break


class StalledSocket:
    """A socket whose peer never reads: every send blocks forever."""

    def __init__(self) -> None:
        self.closed_with: int | None = None
        self._never = asyncio.Event()

    @property
    def closed(self) -> bool:
        return self.closed_with is not None

    async def send_str(self, data: str, compress: int | None = None) -> None:
        await self._never.wait()

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        self.closed_with = code
        return True


class ReadingSocket(StalledSocket):
    def __init__(self) -> None:
        super().__init__()
        self.received: list[str] = []

    async def send_str(self, data: str, compress: int | None = None) -> None:
        self.received.append(data)


async def test_a_stalled_reader_is_disconnected_and_does_not_hold_up_others() -> None:
    stalled, reading = StalledSocket(), ReadingSocket()
    slow, fast = Connection(stalled, queue_size=8), Connection(reading, queue_size=8)
    for i in range(20):
        for conn in (slow, fast):
            conn.send({"v": 1, "type": "participant", "n": i})
        await asyncio.sleep(0)
    assert len(reading.received) == 20
    assert slow.closing and slow.close_code == CloseCode.SLOW
    await asyncio.sleep(0.01)
    assert stalled.closed_with == CloseCode.SLOW
    assert not fast.closing
    await slow.wait_closed()
    await fast.wait_closed()
