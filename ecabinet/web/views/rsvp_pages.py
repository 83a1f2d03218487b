"""Public pages reached from mails and calendar apps: RSVP links and the webcal feed.

An RSVP link only shows a confirmation page on GET (mail scanners open links); the answer is
recorded by the POST of that page. The feed is authorized by its secret alone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from ...services import feeds, rsvp
from ..appkeys import services_key
from ..session import client_address

routes = web.RouteTableDef()
LINK_PATTERN = r"{token:[A-Za-z0-9_\-\.]{20,2000}}"


def _context(meeting, answer) -> dict[str, object]:
    zone = ZoneInfo(meeting.time_zone)
    return {
        "meeting": meeting,
        "answer": answer.value,
        "starts": meeting.starts_at.astimezone(zone),
        "ends": meeting.ends_at.astimezone(zone),
    }


@routes.get(f"/rsvp/{LINK_PATTERN}", name="rsvp_link")
async def rsvp_page(request: web.Request) -> web.StreamResponse:
    svc = request.app[services_key]
    meeting, _row, answer = await rsvp.describe_link(svc, request.match_info["token"])
    return aiohttp_jinja2.render_template(
        "meetings/rsvp.html", request, {**_context(meeting, answer), "done": False}
    )


@routes.post(f"/rsvp/{LINK_PATTERN}", name="rsvp_link_submit")
async def rsvp_submit(request: web.Request) -> web.StreamResponse:
    svc = request.app[services_key]
    meeting, answer = await rsvp.answer_by_link(
        svc, request.match_info["token"], client_address(request)
    )
    return aiohttp_jinja2.render_template(
        "meetings/rsvp.html", request, {**_context(meeting, answer), "done": True}
    )


@routes.get(r"/calendar/{secret:[0-9]{1,10}-[0-9]{1,10}-[0-9a-f]{40}}.ics", name="calendar_feed")
async def calendar_feed(request: web.Request) -> web.StreamResponse:
    body = await feeds.render(request.app[services_key], request.match_info["secret"])
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Cache-Control": "private, max-age=900"},
    )
