"""Which m-line of a participant's offer is what: its slots and its publications.

A participant negotiates once, at join. Per kind, in order: the first audio m-line may send its
microphone, the first video m-line its camera and the second video m-line its screen share;
every receiving m-line is bound to the next free slot of its layout (:class:`SlotPlan`).
"""

from __future__ import annotations

from signaling.sfu.codecs import MediaSection, OfferRejected
from signaling.sfu.events import SlotBinding
from signaling.sfu.layout import SlotPlan


def screen_mid(sections: tuple[MediaSection, ...]) -> str | None:
    """The second video m-line, if it sends: the participant's screen publication."""
    video = [s for s in sections if s.kind == "video"]
    return video[1].mid if len(video) > 1 and video[1].sends else None


def answer_direction(section: MediaSection) -> str:
    if section.sends and section.receives:
        return "sendrecv"
    if section.sends:
        return "recvonly"
    if section.receives:
        return "sendonly"
    return "inactive"


def bind_slots(sections: tuple[MediaSection, ...], plan: SlotPlan) -> list[SlotBinding]:
    """Map the offer's receiving m-lines to the plan's slots, in order per kind.

    Sending is allowed on the first audio m-line (microphone), the first video m-line (camera)
    and the second video m-line (screen share)."""
    bindings: list[SlotBinding] = []
    free = {"audio": list(plan.audio), "video": list(plan.video)}
    may_send = {"audio": 1, "video": 2}
    for index, section in enumerate(sections):
        position = sum(1 for s in sections[:index] if s.kind == section.kind)
        if section.sends and position >= may_send[section.kind]:
            raise OfferRejected(
                "too_many_publications",
                "only the first audio section (microphone) and the first two video sections "
                "(camera, screen) may send",
            )
        if section.receives:
            if not free[section.kind]:
                raise OfferRejected(
                    "too_many_slots", f"the offer asks for more {section.kind} slots than allowed"
                )
            bindings.append(SlotBinding(section.mid, section.kind, free[section.kind].pop(0)))
    return bindings
