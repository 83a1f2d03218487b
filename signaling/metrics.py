"""The live meeting's instruments on the app's Prometheus registry (``/metrics``).

Read at scrape time from the hub, the media router and the SFU's packet meter (no bookkeeping on
the media path beyond two integer increments). The list is in docs/deploy.md, section 7:

- ``ecabinet_meeting_participants{meeting}`` / ``ecabinet_meeting_lobby{meeting}`` (gauges):
  members in the room / in the lobby whose socket this process holds;
- ``ecabinet_sfu_packets_received_total`` / ``ecabinet_sfu_packets_forwarded_total`` (counters):
  RTP media packets into and out of this process's SFU;
- ``ecabinet_sfu_cpu_seconds_per_packet`` (gauge): process CPU time per forwarded packet, sampled;
- ``ecabinet_signaling_outbox_backlog`` (gauge): bus messages waiting to be published.

Open signaling sockets: ``ecabinet_websockets_open{kind="meeting"}`` (ecabinet/web/metrics.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .hub import Hub
from .sfu.forwarder import METER, PacketMeter

SAMPLE_SECONDS = 5.0  # the CPU-per-packet ratio is taken over at least this window


class CpuPerPacket:
    """Process CPU seconds spent per forwarded packet over the last window (an upper bound: the
    process also serves HTTP). NaN until packets have been forwarded in a window."""

    def __init__(
        self,
        meter: PacketMeter,
        cpu: Callable[[], float] = time.process_time,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._meter, self._cpu, self._clock = meter, cpu, clock
        self._at, self._cpu_then, self._packets_then = clock(), cpu(), meter.forwarded
        self.value = math.nan

    def sample(self) -> float:
        now = self._clock()
        if now - self._at >= SAMPLE_SECONDS:
            packets = self._meter.forwarded - self._packets_then
            cpu_now = self._cpu()
            if packets > 0:
                self.value = (cpu_now - self._cpu_then) / packets
            self._at, self._cpu_then, self._packets_then = now, cpu_now, self._meter.forwarded
        return self.value


class LiveCollector(Collector):
    def __init__(self, hub: Hub, backlog: Callable[[], int], meter: PacketMeter = METER) -> None:
        self._hub = hub
        self._backlog = backlog
        self._meter = meter
        self._cpu = CpuPerPacket(meter)

    def collect(self) -> Iterator[Metric]:
        room = GaugeMetricFamily(
            "ecabinet_meeting_participants",
            "Admitted participants of each meeting connected to this process.",
            labels=["meeting"],
        )
        lobby = GaugeMetricFamily(
            "ecabinet_meeting_lobby",
            "Participants waiting in each meeting's lobby, connected to this process.",
            labels=["meeting"],
        )
        for meeting_id, (in_room, waiting) in sorted(self._hub.participants().items()):
            room.add_metric([str(meeting_id)], in_room)
            lobby.add_metric([str(meeting_id)], waiting)
        yield room
        yield lobby
        yield CounterMetricFamily(
            "ecabinet_sfu_packets_received",
            "RTP media packets received by this process's SFU from publishers.",
            value=self._meter.received,
        )
        yield CounterMetricFamily(
            "ecabinet_sfu_packets_forwarded",
            "RTP media packets forwarded by this process's SFU to subscribers.",
            value=self._meter.forwarded,
        )
        yield GaugeMetricFamily(
            "ecabinet_sfu_cpu_seconds_per_packet",
            "Process CPU seconds per forwarded packet over the last sampling window (>= 5 s).",
            value=self._cpu.sample(),
        )
        yield GaugeMetricFamily(
            "ecabinet_signaling_outbox_backlog",
            "Room and media messages waiting to be published on the bus.",
            value=self._backlog(),
        )

    def describe(self) -> Iterator[Metric]:
        return iter(())
