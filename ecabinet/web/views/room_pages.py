"""``/meetings/{id}/room``: the browser meeting room (the page; the room is room*.js)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from ...services import meetings
from ..appkeys import services_key
from ..i18n import request_language, translate
from ..i18n_room import ROOM_VI
from ..i18n_room_session import ROOM_SESSION_STRINGS, ROOM_SESSION_VI
from ..i18n_room_ui import ROOM_UI_VI, VOTE_DIALOG_TEXTS, session_error_texts
from ..session import require_actor

routes = web.RouteTableDef()
# The room's own words first: a shared catalogue may give the same English another sense
# ("Remove" is "Xóa", delete, on the agenda; in the room it is "Mời ra", asking someone out).
ROOM_OWN_VI = {**ROOM_VI, **ROOM_SESSION_VI, **ROOM_UI_VI}


def room_text(language: str, text: str) -> str:
    if language == "vi" and text in ROOM_OWN_VI:
        return ROOM_OWN_VI[text]
    return translate(language, text)


def room_strings(language: str) -> dict[str, str]:
    """What the room's scripts say (#room-strings), in ``language``."""
    return {
        text: room_text(language, text)
        for text in (*ROOM_VI, *ROOM_SESSION_STRINGS, *ROOM_UI_VI, *VOTE_DIALOG_TEXTS)
    }


@routes.get(r"/meetings/{id:\d+}/room", name="meeting_room")
async def meeting_room(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]
    raw = request.match_info["id"]
    detail = await meetings.get_meeting(svc, actor, int(raw) if len(raw) < 11 else 0)
    language = request_language(request, svc.settings.default_language)
    strings = room_strings(language)
    return aiohttp_jinja2.render_template(
        "meetings/room.html",
        request,
        {
            "m": detail.meeting,
            "strings": strings,
            "join_url": f"/api/meetings/{detail.meeting.id}/join",
            "error_texts": session_error_texts(language),
        },
    )
