"""Bandwidth estimation only where it can change anything: not for capped grid tiles.

aiortc's video receiver runs a remote bitrate estimator (REMB, ``aiortc.rate``) on every
packet and sends the estimate to the sender, whose VP8 encoder then runs at that rate,
clamped to 250 kbit/s - 1.5 Mbit/s. lapak's booths encode a grid tile at ``min(estimate,
cap)`` with a cap of 120 kbit/s (:class:`media.tracks.CappedVp8Encoder`), below the
estimator's floor: the estimate can never lower that stream's rate, so estimating it is
Python work on every packet of every grid tile for nothing.

:func:`estimate_bandwidth` turns a receiver's estimator off while the console asks for a
capped (or paused) stream and back on, with a fresh estimator, when it asks for a stream
the estimate should steer (the focused booth). The booth's encoder keeps its last estimate
in the meantime, so a re-focused booth starts at the rate it had.
"""
from __future__ import annotations

from aiortc.codecs.vpx import MIN_BITRATE
from aiortc.rate import RemoteBitrateEstimator

from media.control import TrackQuality

_ATTR = "_RTCRtpReceiver__remote_bitrate_estimator"


def needs_estimate(quality: TrackQuality | None) -> bool:
    """Whether a stream sent at ``quality`` is steered by the bandwidth estimate.

    Args:
        quality: the requested quality; None means paused.
    """
    if quality is None:
        return False
    return not quality.max_kbps or quality.max_kbps * 1000 > MIN_BITRATE


def estimate_bandwidth(receiver, on: bool) -> bool:
    """Turn the REMB estimator of one video ``RTCRtpReceiver`` on or off.

    Returns False (and changes nothing) for an audio receiver or one that is not of the
    expected aiortc shape.

    Args:
        receiver: an ``aiortc.RTCRtpReceiver`` (video).
        on: estimate (a fresh estimator if it was off) or not.
    """
    if not hasattr(receiver, _ATTR) or getattr(receiver, "_RTCRtpReceiver__kind", None) != "video":
        return False
    current = getattr(receiver, _ATTR)
    if on and current is None:
        setattr(receiver, _ATTR, RemoteBitrateEstimator())
    elif not on and current is not None:
        setattr(receiver, _ATTR, None)
    return True
