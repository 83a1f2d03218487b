"""``/api/meetings/{id}/agenda``: items, order, publish."""

from __future__ import annotations

from ...models import AgendaItem
from ...schemas.agenda import (
    AgendaItemIn,
    AgendaItemOut,
    AgendaItemPatch,
    AgendaOrder,
    AgendaOut,
    AgendaPublished,
)
from ...services import agenda
from ..api import ApiRegistry, ApiRequest

api = ApiRegistry()
TAGS = ("agenda",)
BASE = r"/api/meetings/{id:\d+}/agenda"
ITEM = BASE + r"/items/{item_id:\d+}"


def agenda_out(view: agenda.AgendaView) -> AgendaOut:
    return AgendaOut.model_validate(view)


@api.route(
    "GET",
    BASE,
    summary="The agenda (secretaries: working copy; others: published)",
    response=AgendaOut,
    tags=TAGS,
)
async def get_agenda(req: ApiRequest) -> AgendaOut:
    return agenda_out(await agenda.get_agenda(req.services, req.actor, req.id()))


@api.route(
    "POST",
    BASE,
    summary="Add an item at the end",
    body=AgendaItemIn,
    response=AgendaItemOut,
    status=201,
    tags=TAGS,
)
async def add_item(req: ApiRequest) -> AgendaItemOut:
    item = await agenda.add_item(req.services, req.actor, req.id(), req.body)
    return await _item_out(req, item)


async def _item_out(req: ApiRequest, item: AgendaItem) -> AgendaItemOut:
    view = await agenda.get_agenda(req.services, req.actor, item.meeting_id)
    return next(AgendaItemOut.model_validate(i) for i in view.items if i.id == item.id)


@api.route(
    "PATCH",
    ITEM,
    summary="Change an item (incl. its status)",
    body=AgendaItemPatch,
    response=AgendaItemOut,
    tags=TAGS,
)
async def update_item(req: ApiRequest) -> AgendaItemOut:
    item = await agenda.update_item(req.services, req.actor, req.id(), req.id("item_id"), req.body)
    return await _item_out(req, item)


@api.route("DELETE", ITEM, summary="Remove an item", status=204, tags=TAGS)
async def remove_item(req: ApiRequest) -> None:
    await agenda.remove_item(req.services, req.actor, req.id(), req.id("item_id"))


@api.route(
    "PUT",
    BASE + "/order",
    summary="Reorder: every item id, in the new order",
    body=AgendaOrder,
    response=AgendaOut,
    tags=TAGS,
)
async def reorder(req: ApiRequest) -> AgendaOut:
    return agenda_out(await agenda.reorder(req.services, req.actor, req.id(), req.body))


@api.route(
    "POST",
    BASE + "/publish",
    summary="Publish this version; participants are notified with what changed since the last one",
    response=AgendaPublished,
    status=201,
    tags=TAGS,
)
async def publish(req: ApiRequest) -> AgendaPublished:
    return AgendaPublished.model_validate(await agenda.publish(req.services, req.actor, req.id()))
