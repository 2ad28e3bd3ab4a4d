"""Lower a booth's face bitrate when its packets are lost heavily, and raise it back when the
loss is gone (pure: no I/O, no clock of its own).

Random loss of a few per cent (Wi-Fi, a busy switch) is repaired by retransmission
(:mod:`media.jitter`); sending less would only make the picture worse. Heavy loss means the path
cannot carry the bitrate: then send less. The rule is the loss-based half of Google's congestion
control (as in libwebrtc): over ``high`` loss the cap drops by half the loss fraction; under
``low`` loss it grows by ``grow`` per period back to the tile's own cap; in between it holds.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LossAdapter:
    """The bitrate cap of one booth's face video from the loss the console sees on it.

    Args:
        nominal_kbps: the cap when nothing is lost (the tile's own, or the encoder's top).
        floor_kbps: never below this (a face stays recognisable).
        high: loss fraction over which the cap is lowered.
        low: loss fraction under which the cap grows again.
        grow: factor per period while under ``low``.
        min_packets: periods with fewer packets expected are not judged (too few to tell).
    """

    nominal_kbps: int = 1500
    floor_kbps: int = 150
    high: float = 0.10
    low: float = 0.02
    grow: float = 1.08
    min_packets: int = 40

    def __post_init__(self) -> None:
        self.cap_kbps = self.nominal_kbps
        self.loss: float | None = None
        self._expected: int | None = None
        self._received: int | None = None

    def set_nominal(self, kbps: int) -> None:
        """The tile's own cap changed (focus, hold): start from it again."""
        if kbps != self.nominal_kbps:
            self.nominal_kbps = kbps
            self.cap_kbps = kbps

    def update(self, expected: int, received: int) -> int | None:
        """Feed the stream's counters (cumulative) once per period; returns the new cap in kbit/s
        when it changed, else None.

        Args:
            expected: packets the stream's sequence numbers say were sent so far.
            received: packets that arrived so far (not counting retransmissions).
        """
        if self._expected is None or expected < self._expected:
            self._expected, self._received = expected, received
            return None
        d_expected, d_received = expected - self._expected, received - (self._received or 0)
        if d_expected < self.min_packets:
            return None
        self._expected, self._received = expected, received
        self.loss = loss = max(0.0, min(1.0, 1 - d_received / d_expected))
        old = self.cap_kbps
        if loss > self.high:
            self.cap_kbps = max(self.floor_kbps, int(old * (1 - 0.5 * loss)))
        elif loss < self.low:
            self.cap_kbps = min(self.nominal_kbps, max(old + 1, int(old * self.grow)))
        return self.cap_kbps if self.cap_kbps != old else None
