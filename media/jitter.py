"""A video receiver that decodes a frame as soon as it is complete and gets over a lost packet in
a fraction of a second, instead of freezing.

aiortc 1.16's video receiver:

* only knows a frame is complete when the first packet of the *next* frame arrives (a new RTP
  timestamp): every frame waits one frame interval (33 ms at 30 fps, 100 ms for a 10 fps tile);
* asks for a lost packet once (one NACK); if the retransmission is lost too, nothing asks again;
* waits for a missing packet until 512 later packets have arrived (seconds of frozen video at
  2 % loss), then asks for a keyframe.

:class:`RecoveringJitterBuffer` emits a frame when its last (marker) packet arrives and every
packet from the frame's first one (VP8 payload descriptor: S=1, PID=0) is there; when the head
of the buffer has waited ``skip_ms`` of video for a lost packet while later frames are complete,
it gives the lost frame up, asks for a keyframe (PLI) and decodes nothing until the keyframe
arrives (a VP8 frame after a lost one would decode into garbage), asking again every
``pli_every_ms`` until it comes. :class:`RepeatingNackGenerator` asks for a still missing packet
again every ``interval`` seconds, up to ``tries`` times.

:func:`use_recovering_receiver` swaps both into one ``RTCRtpReceiver``. It uses aiortc's
internals and **fails loudly** (:class:`media.internals.AiortcInternalsChanged`) when a release
changes them; :func:`media.internals.check_aiortc_internals` runs that check at start-up and in
the test suite.
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Optional

from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpreceiver import NackGenerator
from aiortc.rtp import RtpPacket

from media.internals import JITTER, NACK, AiortcInternalsChanged

logger = logging.getLogger(__name__)

VIDEO_CLOCK = 90_000


def _ts_after(a: int, b: int) -> int:
    """How far RTP timestamp ``a`` is after ``b`` (32-bit wrap-around), in ticks (negative: before)."""
    d = (a - b) & 0xFFFFFFFF
    return d - (1 << 32) if d >= 1 << 31 else d


def _frame_start(packet: RtpPacket) -> bool:
    """Whether a VP8 packet begins a frame (payload descriptor: S=1 and partition 0)."""
    payload = packet.payload
    return bool(payload) and bool(payload[0] & 0x10) and (payload[0] & 0x07) == 0


def _keyframe(data: bytes) -> bool:
    """Whether a whole VP8 frame is a keyframe (frame tag: P bit 0)."""
    return bool(data) and not data[0] & 0x01


class RecoveringJitterBuffer(JitterBuffer):
    """aiortc's video jitter buffer, plus: a frame is complete at its marker packet; a lost
    packet that does not come back in ``skip_ms`` of video is given up with a keyframe request.

    Args:
        capacity: packets held (a power of two).
        skip_ms: video time held behind a lost packet before it is given up.
        pli_every_ms: video time between keyframe requests while waiting for one.
        nack: the receiver's NACK generator, told which packets no longer matter.
    """

    def __init__(self, capacity: int = 512, *, skip_ms: float = 250.0, pli_every_ms: float = 500.0,
                 nack: "RepeatingNackGenerator | None" = None) -> None:
        super().__init__(capacity=capacity, is_video=True)
        self._skip = int(skip_ms * VIDEO_CLOCK / 1000)
        self._pli_every = int(pli_every_ms * VIDEO_CLOCK / 1000)
        self._nack = nack
        self._need_keyframe = False
        self._pli = False
        self._newest_ts: int | None = None
        self._newest_seq: int | None = None
        self._last_pli_ts: int | None = None
        self._emitted_ts: int | None = None
        self.frames_skipped = 0
        """Frames given up because a packet of them never came back."""
        self.frames_dropped = 0
        """Complete frames not decoded while waiting for a keyframe."""

    def add(self, packet: RtpPacket) -> tuple[bool, Optional[JitterFrame]]:
        if self._newest_ts is None or _ts_after(packet.timestamp, self._newest_ts) > 0:
            self._newest_ts = packet.timestamp
        if self._newest_seq is None or 0 < ((packet.sequence_number - self._newest_seq) & 0xFFFF) < 0x8000:
            self._newest_seq = packet.sequence_number
        self._pli = False
        pli, frame = super().add(packet)
        if self._need_keyframe and not self._pli and self._newest_ts is not None and (
                self._last_pli_ts is None or _ts_after(self._newest_ts, self._last_pli_ts) >= self._pli_every):
            self._pli = True  # the keyframe asked for has not come: ask again
        if self._pli:
            self._last_pli_ts = self._newest_ts
        return pli or self._pli, frame

    def _packet(self, count: int) -> RtpPacket | None:
        return self._packets[(self._origin + count) % self._capacity]

    def _span(self) -> int:
        """Offsets from the origin up to the newest packet (what is worth looking at); -1 when
        nothing at or after the origin has arrived."""
        if self._origin is None or self._newest_seq is None:
            return -1
        d = (self._newest_seq - self._origin) & 0xFFFF
        if d >= 0x8000:
            return -1
        return min(self._capacity - 1, d)

    def _complete_from(self, start: int, span: int) -> tuple[int, int] | None:
        """If a whole frame begins at offset ``start``: (packets in it, its timestamp)."""
        first = self._packet(start)
        if first is None or not _frame_start(first):
            return None
        ts = first.timestamp
        for count in range(start, span + 1):
            packet = self._packet(count)
            if packet is None:
                return None
            if packet.timestamp != ts:  # aiortc's rule: a new timestamp ends the frame before it
                return count - start, ts
            if packet.marker:
                return count - start + 1, ts
        return None

    def _remove_frame(self, sequence_number: int) -> Optional[JitterFrame]:
        while True:
            span = self._span()
            if span < 0:
                return None
            head = self._complete_from(0, span)
            if head is not None:
                n, ts = head
                packets = [self._packet(i) for i in range(n)]
                data = b"".join(x._data for x in packets)  # type: ignore[attr-defined]
                self.remove(n)
                if self._need_keyframe and not _keyframe(data):
                    self.frames_dropped += 1
                    continue
                self._need_keyframe = False
                self._emitted_ts = ts
                return JitterFrame(data=data, timestamp=ts)
            skip = self._stale_head(span)
            if skip is None:
                return None
            self._give_up(skip)

    def _stale_head(self, span: int) -> int | None:
        """Offset of the first whole frame behind a gap at the head, when the head has waited
        long enough for its lost packets (``skip_ms`` of video newer than the head's frame: after
        an outage, at once); else None."""
        head = self._packet(0)
        head_ts = head.timestamp if head is not None else self._emitted_ts
        for start in range(1, span + 1):
            packet = self._packet(start)
            if packet is None or not _frame_start(packet):
                continue
            whole = self._complete_from(start, span)
            if whole is None:
                continue
            waited_from = whole[1] if head_ts is None else head_ts
            if self._newest_ts is not None and _ts_after(self._newest_ts, waited_from) >= self._skip:
                return start
            return None
        return None

    def _give_up(self, count: int) -> None:
        if self._nack is not None:
            self._nack.forget(self._origin, count)
        self.remove(count)
        self._need_keyframe = True
        self._pli = True
        self.frames_skipped += 1


class RepeatingNackGenerator(NackGenerator):
    """aiortc's NACK generator, plus: a packet still missing is asked for again every
    ``interval`` seconds, up to ``tries`` times in all; the packets of an outage (a gap spanning
    more than ``stale_ms`` of video) are not asked for at all: the jitter buffer gives them up
    anyway, and their retransmission (up to aiortc's whole 128-packet send history, four times)
    would only delay the video that follows.

    Args:
        interval: seconds between requests for the same missing packets (about a round trip).
        tries: requests per missing packet.
        stale_ms: a gap whose packets on both sides are this much video time apart (and at least
            three frame intervals) is an outage.
        clock: monotonic clock.
    """

    def __init__(self, interval: float = 0.08, tries: int = 4, stale_ms: float = 250.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self.tries = tries
        self._stale = int(stale_ms * VIDEO_CLOCK / 1000)
        self._clock = clock
        self._asked: dict[int, int] = {}
        self._last = 0.0
        self._max_ts: int | None = None
        self._frame_ticks = 0
        self.repeats = 0
        """NACKs sent again for packets still missing."""
        self.outages = 0
        """Gaps not asked for because they span more than ``stale_ms`` of video."""

    def add(self, packet: RtpPacket) -> bool:
        before, before_ts = self.max_seq, self._max_ts
        missed = super().add(packet)
        if self.max_seq == packet.sequence_number:
            self._max_ts = packet.timestamp
        if before is not None and before_ts is not None and packet.sequence_number == (before + 1) & 0xFFFF \
                and packet.timestamp != before_ts:
            self._frame_ticks = _ts_after(packet.timestamp, before_ts)  # one frame interval
        if missed and before is not None and before_ts is not None and \
                _ts_after(packet.timestamp, before_ts) >= max(self._stale, 3 * self._frame_ticks):
            seq = (before + 1) & 0xFFFF
            while seq != packet.sequence_number:  # an outage: do not ask for what it swallowed
                self.missing.discard(seq)
                seq = (seq + 1) & 0xFFFF
            self.outages += 1
            missed = bool(self.missing)
        self._asked.pop(packet.sequence_number, None)
        now = self._clock()
        if missed:
            for seq in self.missing:
                self._asked.setdefault(seq, 1)
            self._last = now
            return True
        if not self.missing or now - self._last < self.interval:
            return False
        for seq in list(self.missing):
            tries = self._asked.get(seq, 1)
            if tries >= self.tries:
                self.missing.discard(seq)
                self._asked.pop(seq, None)
            else:
                self._asked[seq] = tries + 1
        if not self.missing:
            return False
        self._last = now
        self.repeats += 1
        return True

    def forget(self, origin: int, count: int) -> None:
        """The jitter buffer gave up ``count`` packets from ``origin``: stop asking for them."""
        for i in range(count):
            seq = (origin + i) & 0xFFFF
            self.missing.discard(seq)
            self._asked.pop(seq, None)


def use_recovering_receiver(receiver, *, skip_ms: float = 250.0) -> bool:
    """Give a video ``RTCRtpReceiver`` the recovering jitter buffer and NACK generator (before
    media flows). Returns False for an audio receiver.

    Raises:
        AiortcInternalsChanged: the receiver is a video receiver without the internals these
            replace (an aiortc release changed them).
    """
    old = getattr(receiver, JITTER, None)
    if not isinstance(old, JitterBuffer):
        raise AiortcInternalsChanged(f"RTCRtpReceiver has no {JITTER} (aiortc changed its receiver)")
    if not getattr(old, "_is_video", False):
        return False
    if isinstance(old, RecoveringJitterBuffer):
        return True
    if not isinstance(getattr(receiver, NACK, None), NackGenerator):
        raise AiortcInternalsChanged(f"RTCRtpReceiver has no {NACK} (aiortc changed its receiver)")
    nack = RepeatingNackGenerator(stale_ms=skip_ms)
    setattr(receiver, NACK, nack)
    setattr(receiver, JITTER, RecoveringJitterBuffer(old.capacity, skip_ms=skip_ms, nack=nack))
    return True
