"""``/meetings/{id}/room``: the browser meeting room (the page; the room is room*.js)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from ...services import meetings
from ..appkeys import services_key
from ..i18n import request_language, translate
from ..i18n_room import ROOM_VI
from ..i18n_room_session import ROOM_SESSION_STRINGS
from ..i18n_room_ui import ROOM_UI_VI, VOTE_DIALOG_TEXTS, session_error_texts
from ..session import require_actor

routes = web.RouteTableDef()


@routes.get(r"/meetings/{id:\d+}/room", name="meeting_room")
async def meeting_room(request: web.Request) -> web.StreamResponse:
    actor = await require_actor(request)
    svc = request.app[services_key]
    raw = request.match_info["id"]
    detail = await meetings.get_meeting(svc, actor, int(raw) if len(raw) < 11 else 0)
    language = request_language(request, svc.settings.default_language)
    strings = {
        text: translate(language, text)
        for text in (*ROOM_VI, *ROOM_SESSION_STRINGS, *ROOM_UI_VI, *VOTE_DIALOG_TEXTS)
    }
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
