"""Per-session connection quality: frame counters plus figures from ``pc.getStats()``.

:class:`FrameCounter` is fed by the console's frame sinks; :class:`StatsSampler` turns two
consecutive stats reports into rates. Both are pure (time is passed in).
"""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable

logger = logging.getLogger(__name__)


class FrameCounter:
    """Counts frames and gives the rate over a sliding window.

    Args:
        window: seconds of history used for the rate.
    """

    def __init__(self, window: float = 2.0) -> None:
        self._window = window
        self._times: deque[float] = deque()
        self.total = 0
        self.last_size: tuple[int, int] | None = None

    def tick(self, now: float, size: tuple[int, int] | None = None) -> None:
        """Record one frame.

        Args:
            now: monotonic time in seconds.
            size: (width, height) of the frame.
        """
        self.total += 1
        self.last_size = size
        self._times.append(now)
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self._times and now - self._times[0] > self._window:
            self._times.popleft()

    def rate(self, now: float) -> float:
        """Frames per second over the window ending at ``now``.

        Args:
            now: monotonic time in seconds.
        """
        self._trim(now)
        if len(self._times) < 2:
            return 0.0
        span = max(now - self._times[0], self._times[-1] - self._times[0])
        return (len(self._times) - 1) / span if span > 0 else 0.0


@dataclass(frozen=True)
class SessionStats:
    """What a tile shows about a call.

    Args:
        session_id: the session.
        state: media session state name.
        fps: received frames/s per track name ("face", "document").
        frame_size: last received (width, height) per track name.
        bitrate_kbps: received bits/s over the last sample (all media + data), in kbit/s.
        packet_loss: fraction of RTP packets lost since the previous sample (0..1).
        rtt_ms: application round-trip time from the data-channel heartbeat, or None.
        frames: total frames received per track name.
    """

    session_id: str
    state: str
    fps: dict[str, float] = field(default_factory=dict)
    frame_size: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    bitrate_kbps: float = 0.0
    packet_loss: float = 0.0
    rtt_ms: float | None = None
    frames: dict[str, int] = field(default_factory=dict)


@dataclass
class _Totals:
    t: float
    bytes_received: int
    packets_received: int
    packets_lost: int


class StatsSampler:
    """Turns cumulative ``getStats()`` figures into per-interval rates for one session."""

    def __init__(self) -> None:
        self._prev: _Totals | None = None
        self.bitrate_kbps = 0.0
        self.packet_loss = 0.0

    def update(self, now: float, report: Iterable[Any]) -> None:
        """Fold in one report.

        Args:
            now: monotonic time in seconds.
            report: the values of an ``RTCStatsReport`` (objects with a ``type`` attribute).
        """
        totals = _Totals(now, 0, 0, 0)
        for s in report:
            kind = getattr(s, "type", "")
            if kind == "transport":
                totals.bytes_received += s.bytesReceived
            elif kind == "inbound-rtp":
                totals.packets_received += s.packetsReceived
                totals.packets_lost += max(0, s.packetsLost)
        prev, self._prev = self._prev, totals
        if prev is None or now <= prev.t:
            return
        self.bitrate_kbps = max(0, totals.bytes_received - prev.bytes_received) * 8 / (now - prev.t) / 1000
        got = totals.packets_received - prev.packets_received
        lost = totals.packets_lost - prev.packets_lost
        self.packet_loss = lost / (got + lost) if got + lost > 0 and lost > 0 else 0.0
