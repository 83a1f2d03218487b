"""The live room of a meeting: which SFU process carries its media, with which codec."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class LiveRoom(Base):
    """A meeting's media is pinned to one SFU process (``media_node``) while anyone has media.

    The pinned process refreshes ``seen_at``; a pin not refreshed for a while is taken over by the
    next process that receives an offer for the meeting.
    """

    __tablename__ = "live_room"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True
    )
    media_node: Mapped[str] = mapped_column(String(64))
    media_codec: Mapped[str] = mapped_column(String(8))
    pinned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LiveState(Base):
    """What a meeting's live room knows beyond its sockets, kept so that it survives a restart
    or a crash of the process serving it: the guests the chair let in from the lobby, and who
    presents which document. Everything else a room shows is either rebuilt as clients
    reconnect (the roster) or lives in its own tables (the floor, votes, attendance)."""

    __tablename__ = "live_state"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True
    )
    admitted: Mapped[list[str]] = mapped_column(JSON, default=list)
    presentation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
