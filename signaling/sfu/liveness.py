"""Is a participant's media path alive? A peer that sent no authenticated packet (SRTP media or
SRTCP reports: every participant sends receiver reports while it receives, and its camera and
microphone while it publishes) for ``SILENT_AFTER`` seconds is **silent**: the room marks it
"connection lost" in everyone's roster (docs/media.md §2a) long before ICE consent gives up
(~30 s) or the signaling socket's ping notices. Packets arriving again clear the mark.

Pure bookkeeping over counters (``consent.heard_packets``) and the loop clock, so it is tested
without a network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SILENT_AFTER = 2.5  # seconds without an authenticated packet
CHECK_EVERY = 0.5  # seconds between checks (the mark shows within SILENT_AFTER + CHECK_EVERY)


@dataclass
class _Heard:
    count: int
    at: float
    silent: bool = False


@dataclass
class SilenceWatch:
    silent_after: float = SILENT_AFTER
    _heard: dict[str, _Heard] = field(default_factory=dict)

    def check(self, now: float, counts: dict[str, int]) -> list[tuple[str, bool]]:
        """Given each connected participant's packet count now, the participants whose state
        changed: ``(participant, silent)``. Participants not in ``counts`` are forgotten."""
        changes: list[tuple[str, bool]] = []
        for gone in self._heard.keys() - counts.keys():
            del self._heard[gone]
        for participant, count in counts.items():
            heard = self._heard.get(participant)
            if heard is None:
                self._heard[participant] = _Heard(count, now)
                continue
            if count != heard.count:
                heard.count, heard.at = count, now
                if heard.silent:
                    heard.silent = False
                    changes.append((participant, False))
            elif not heard.silent and now - heard.at >= self.silent_after:
                heard.silent = True
                changes.append((participant, True))
        return changes

    def silent(self, participant: str) -> bool:
        heard = self._heard.get(participant)
        return heard is not None and heard.silent
