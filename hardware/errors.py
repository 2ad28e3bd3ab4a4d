"""The hardware layer's errors: one tree under :class:`DeviceError`; every message names the
device's role and its port or camera."""
from __future__ import annotations

from common.errors import LapakError


class DeviceError(LapakError):
    """A booth device failed; the message names the role and the port or camera."""


class PortMissing(DeviceError):
    """The port path does not exist (device unplugged or wrong path in the config)."""


class PortBusy(DeviceError):
    """Another program has the port open."""


class PortUnusable(DeviceError):
    """The port exists but cannot be opened or broke while in use."""


class NoAnswer(DeviceError):
    """The device did not answer in time."""


class WrongAnswer(DeviceError):
    """The device answered something unexpected (another device on this port?)."""


class NotConnected(DeviceError):
    """A command was given while the device is not connected."""




class CameraUnavailable(DeviceError):
    """A camera cannot deliver a frame or a still (not found, unplugged, not delivering)."""


class AudioUnavailable(DeviceError):
    """A microphone or loudspeaker cannot be used (no sound system, not found, unplugged, busy)."""
