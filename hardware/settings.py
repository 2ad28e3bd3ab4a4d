"""Device settings of one booth: the `[devices]` table of the booth's TOML config.

Example (every table is optional; a missing table means the booth has no such device):

    [devices.camera]
    source = "device"          # or "synthetic"
    device = 0                 # index, or a path such as "/dev/v4l/by-id/usb-...-video-index0"
    width = 1280
    height = 720
    fps = 30

    [devices.document_camera]
    source = "device"
    device = "/dev/video2"
    width = 1920
    height = 1080
    fps = 15

    [devices.microphone]
    source = "device"          # or "synthetic" (a test tone)
    device = "default"         # the system default (also when left out); an index or a name
                               # from `lapak hw probe`, e.g. "USB Audio"
    [devices.speaker]
    device = "default"

    [devices.button]
    port = "/dev/ttyUSB0"
    baudrate = 9600

    [devices.light]
    port = "/dev/ttyUSB1"

    [devices.printer]
    port = "/dev/ttyUSB2"
    baudrate = 19200
    status_check = true        # ask the printer "online?" (DLE EOT 1) on connect
"""
from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

logger = logging.getLogger(__name__)

SERIAL_ROLES = ("button", "light", "printer")
"""Booth devices on a serial port."""
CAMERA_ROLES = ("camera", "document_camera")
"""Booth devices that are cameras."""
AUDIO_ROLES = ("microphone", "speaker")
"""Booth devices on the sound card."""
ROLES = CAMERA_ROLES + AUDIO_ROLES + SERIAL_ROLES
"""Every device role a booth may have, in the order they are reported."""


class CameraSettings(BaseModel):
    """One camera: the participant's face camera or the document camera over the tray.

    Args:
        enabled: False keeps the table but leaves the camera unused.
        source: "device" for a real camera (OpenCV), "synthetic" for the built-in test pattern.
        device: Camera index (0, 1, ...) or a device path such as "/dev/video2".
        width: Requested frame width in pixels.
        height: Requested frame height in pixels.
        fps: Requested frames per second.
        fourcc: Pixel format to ask for, e.g. "MJPG": a USB 2 document camera gives its full
            resolution at a usable frame rate only compressed. Unset keeps the driver's choice.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    source: Literal["device", "synthetic"] = "device"
    device: int | str = 0
    width: int = Field(1280, gt=0, le=7680)
    height: int = Field(720, gt=0, le=4320)
    fps: float = Field(30, gt=0, le=240)
    fourcc: str | None = Field(None, pattern=r"^[A-Z0-9 ]{4}$")


class AudioSettings(BaseModel):
    """A microphone or a loudspeaker (48 kHz, 20 ms blocks, through PortAudio).

    Args:
        enabled: False keeps the table but leaves the device unused.
        source: "device" for a sound card; "synthetic" for a test tone (microphone) or a
            loudspeaker that only records what it would play.
        device: "default" (the system's default device: on a PulseAudio or PipeWire desktop,
            the one chosen in its sound settings, e.g. an echo-cancelled source), a PortAudio
            index, or a name (exact, or a unique part of one) as `lapak hw probe` lists it.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    source: Literal["device", "synthetic"] = "device"
    device: int | str = Field("default", description="\"default\", an index or a name from `lapak hw probe`")

    @property
    def device_spec(self) -> int | str | None:
        """The device for :mod:`hardware.audio` (None: the system default)."""
        return None if self.device == "default" else self.device


class SerialSettings(BaseModel):
    """A device on a serial port.

    Args:
        enabled: False keeps the table but leaves the device unused.
        port: Serial port path, e.g. "/dev/ttyUSB0" or a stable "/dev/serial/by-id/..." link.
        baudrate: Line speed in bits per second.
        timeout: Seconds to wait for an answer (handshake, command acknowledgement).
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    port: str = Field(min_length=1)
    baudrate: int = Field(9600, gt=0)
    timeout: float = Field(1.0, gt=0, le=30)


class ButtonSettings(SerialSettings):
    """The call button (line protocol in `hardware.button`)."""


class LightSettings(SerialSettings):
    """The status light (line protocol in `hardware.light`)."""


class PrinterSettings(SerialSettings):
    """The ESC/POS receipt printer.

    Args:
        status_check: Ask the printer whether it is online (DLE EOT 1) when connecting; turn
            off for printers that do not answer real-time status requests.
        columns: Characters per line of the paper roll (42 for 80 mm at font A, 32 for 58 mm).
        profile: python-escpos printer profile name, e.g. "TM-T88V" (None: the default).
    """

    baudrate: int = Field(19200, gt=0)
    status_check: bool = True
    columns: int = Field(42, ge=20, le=80)
    profile: str | None = None


class DevicesSettings(BaseModel):
    """All devices of one booth; a role left out is a device the booth does not have.

    Args:
        camera: The participant's face camera.
        document_camera: The top-down camera over the document tray.
        microphone: The booth's microphone.
        speaker: The booth's loudspeaker (the officer's voice).
        button: The call button.
        light: The status light.
        printer: The receipt printer.
    """

    model_config = ConfigDict(extra="forbid")

    camera: CameraSettings | None = None
    document_camera: CameraSettings | None = None
    microphone: AudioSettings | None = None
    speaker: AudioSettings | None = None
    button: ButtonSettings | None = None
    light: LightSettings | None = None
    printer: PrinterSettings | None = None

    def configured(self) -> dict[str, CameraSettings | AudioSettings | SerialSettings]:
        """Return the enabled devices by role, in report order."""
        out: dict[str, CameraSettings | AudioSettings | SerialSettings] = {}
        for role in ROLES:
            value = getattr(self, role)
            if value is not None and value.enabled:
                out[role] = value
        return out
