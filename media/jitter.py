"""A video jitter buffer that hands a frame to the decoder as soon as it is complete.

aiortc 1.16's video ``JitterBuffer`` only knows a frame is complete when the first packet of
the *next* frame arrives (a new RTP timestamp). Every decoded frame therefore waits one frame
interval in the receiver: 33 ms at 30 fps, 100 ms for a 10 fps grid tile. That is most of
aiortc's glass-to-glass latency on a LAN.

RTP senders (aiortc's included) set the marker bit on the last packet of each video frame
(RFC 7741 for VP8). :class:`MarkerJitterBuffer` emits a frame when its marker packet arrives
and every packet from the first one up to it is present; otherwise it falls back to aiortc's
rule (a new timestamp ends the previous frame). Losses, NACK retransmissions and buffer
overruns are handled by aiortc's code, unchanged.

:func:`use_marker_jitter_buffer` swaps it into one ``RTCRtpReceiver`` (lapak's own peer
connections only; a plain aiortc call is left as it is).
"""
from __future__ import annotations

import logging
from typing import Optional

from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtp import RtpPacket

logger = logging.getLogger(__name__)


class MarkerJitterBuffer(JitterBuffer):
    """aiortc's video jitter buffer, plus: a frame is complete at its marker packet."""

    def _remove_frame(self, sequence_number: int) -> Optional[JitterFrame]:
        packets: list[RtpPacket] = []
        timestamp = None
        for count in range(self.capacity):
            packet = self._packets[(self._origin + count) % self._capacity]
            if packet is None:
                return None
            if timestamp is None:
                timestamp = packet.timestamp
            elif packet.timestamp != timestamp:  # aiortc's rule: the previous frame is complete
                frame = JitterFrame(data=b"".join(x._data for x in packets), timestamp=timestamp)
                self.remove(count)
                return frame
            packets.append(packet)
            if packet.marker:  # last packet of the frame, all before it present
                frame = JitterFrame(data=b"".join(x._data for x in packets), timestamp=timestamp)
                self.remove(count + 1)
                return frame
        return None


def use_marker_jitter_buffer(receiver) -> bool:
    """Give a video ``RTCRtpReceiver`` a :class:`MarkerJitterBuffer` (before media flows).

    Returns False (and changes nothing) when the receiver is not a video receiver of the
    expected aiortc shape.

    Args:
        receiver: an ``aiortc.RTCRtpReceiver``.
    """
    attr = "_RTCRtpReceiver__jitter_buffer"
    old = getattr(receiver, attr, None)
    if not isinstance(old, JitterBuffer) or not getattr(old, "_is_video", False):
        return False
    if isinstance(old, MarkerJitterBuffer):
        return True
    setattr(receiver, attr, MarkerJitterBuffer(capacity=old.capacity, is_video=True))
    return True
