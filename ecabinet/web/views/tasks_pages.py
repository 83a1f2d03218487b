"""Pages: conclusions notices of a meeting, the task list and dashboard, a task, the meeting's
audit log."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
