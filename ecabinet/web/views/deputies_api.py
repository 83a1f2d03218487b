"""``/api/meetings/{id}/deputies``: the people who could stand in for the caller (the delegation
form's search)."""

from __future__ import annotations

from ...services import deputies
from ...services.deputies import DeputyCandidate
from ..api import ApiRegistry, ApiRequest

api = ApiRegistry()


@api.route(
    "GET",
    r"/api/meetings/{id:\d+}/deputies",
    summary="People of your organization who could stand in for you (ủy quyền)",
    response=list[DeputyCandidate],
    tags=("meetings",),
    query={"q": "Words of a name, username or title (tone marks and case do not matter)"},
)
async def search_deputies(req: ApiRequest) -> list[DeputyCandidate]:
    return await deputies.search(req.services, req.actor, req.id(), req.query("q")[:100])
