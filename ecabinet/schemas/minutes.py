"""Request bodies for the minutes (biên bản): saving a version, review, comments, approval."""

from __future__ import annotations

from pydantic import Field

from .common import Id, Input

MAX_CONTENT = 200_000


class VersionIn(Input):
    """A new version. ``base_version`` is the number the editor started from: if someone saved
    in between, the save is refused (``409 stale_version``) instead of silently overwriting."""

    content: str = Field(min_length=1, max_length=MAX_CONTENT)
    title: str | None = Field(default=None, min_length=1, max_length=300)
    base_version: Id | None = None
    note: str = Field(default="", max_length=500)


class ReviewIn(Input):
    reviewer_ids: list[Id] = Field(min_length=1, max_length=200)


class CommentIn(Input):
    """A comment on the version under review; ``reply_to`` answers a comment of the same minutes
    (the reply joins that comment's thread and takes its section)."""

    body: str = Field(min_length=1, max_length=5000)
    section: str = Field(default="", max_length=300)
    changes_requested: bool = False
    reply_to: Id | None = None


class ApproveIn(Input):
    """Approve ``version`` (the latest) for signature. ``signer_ids`` is the signing order; the
    chair must be last. Default: the approving secretary, then the chair."""

    version: Id
    signer_ids: list[Id] | None = Field(default=None, min_length=1, max_length=200)
