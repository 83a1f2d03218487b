"""The live room of a meeting: which SFU process carries its media, with which codec."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
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
