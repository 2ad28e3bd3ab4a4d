"""The media engine's errors: one tree under :class:`MediaError`."""
from __future__ import annotations

from common.errors import LapakError


class MediaError(LapakError):
    """Something went wrong in a call, a track or a still transfer."""


class UnknownCall(MediaError):
    """No call is open for that session id."""


class ControlRefused(MediaError):
    """A data-channel message was malformed, too long, or not one its sender may send."""


class StillRefused(MediaError):
    """A still cannot be sent for that request (unknown request, or already sent)."""
