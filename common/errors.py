"""The root of lapak's error trees.

Each package has its own tree under :class:`LapakError` (``ConfigError`` here,
``SignalingError`` in :mod:`signaling.errors`, ``MediaError`` in :mod:`media.errors`,
``DeviceError`` in :mod:`hardware.errors`), so a program can catch "anything lapak refused"
in one place and still tell the kinds apart. Every message names what was wrong.
"""
from __future__ import annotations


class LapakError(Exception):
    """Base of every error lapak raises on purpose; the message names what was wrong."""
