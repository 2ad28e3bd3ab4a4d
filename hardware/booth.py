"""One factory from a booth's ``[devices]`` table to its devices, real or simulated.

:func:`open_booth_devices` gives a :class:`BoothDevices`: face camera, document camera,
microphone, loudspeaker, call button, status light and receipt printer, with the same API
whether they are real (OpenCV cameras, sound cards, serial ports) or simulated (synthetic
cameras, a tone microphone, a loudspeaker that records what it would play, serial devices on
pseudo-terminals that :mod:`hardware.simulators` plays). Nothing above it knows which it drives.

Every camera here is an aiortc video track with ``state``/``reason`` and ``latest_frame()``
(BGR, full resolution: the scanner's and the QR reader's input). The microphone is an aiortc
audio track, the loudspeaker plays what its ``play_from`` source gives (:mod:`hardware.audio`);
both report ``state``/``reason`` like the cameras and re-open by themselves. Serial devices reconnect by
themselves; their blocking calls (``light.set``, ``printer.print_slip``) must run off the event
loop (``asyncio.to_thread``).
"""
from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from typing import Callable

from aiortc.mediastreams import MediaStreamTrack

from hardware.audio import RecordingSpeaker, SoundCardMicrophone, SoundCardSpeaker
from hardware.button import CallButton
from hardware.camera import OpenCVCamera
from hardware.light import StatusLight
from hardware.printer import ReceiptPrinter
from hardware.serialdevice import DeviceState, SerialDevice
from hardware.settings import (AudioSettings, ButtonSettings, CameraSettings, DevicesSettings, LightSettings,
                               PrinterSettings)
from hardware.simulators import PtyDevice, SimulatedButton, SimulatedLight, SimulatedPrinter
from hardware.synthetic import SyntheticDocumentCamera, SyntheticFaceCamera, ToneMicrophone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceStatus:
    """One device's health.

    Args:
        role: "camera", "document_camera", "microphone", "speaker", "button", "light", "printer".
        ok: working.
        message: what is wrong, naming the device and its port or camera.
    """

    role: str
    ok: bool
    message: str = ""


@dataclass
class BoothDevices:
    """A booth's devices (a role that is None is one the booth does not have).

    Args:
        face: the participant's face camera.
        document: the document camera over the tray.
        microphone: the booth's microphone.
        speaker: the booth's loudspeaker (:class:`hardware.audio.SoundCardSpeaker` or
            :class:`hardware.audio.RecordingSpeaker`).
        button: the call button.
        light: the status light.
        printer: the receipt printer.
        simulators: the pty simulators behind simulated serial devices, by role (press the
            simulated button, read what the simulated printer printed).
        simulated: the devices are simulated.
    """

    face: MediaStreamTrack | None = None
    document: MediaStreamTrack | None = None
    microphone: MediaStreamTrack | None = None
    speaker: SoundCardSpeaker | RecordingSpeaker | None = None
    button: CallButton | None = None
    light: StatusLight | None = None
    printer: ReceiptPrinter | None = None
    simulators: dict[str, PtyDevice] = field(default_factory=dict)
    simulated: bool = False
    _tmp: tempfile.TemporaryDirectory | None = None

    def serial(self) -> dict[str, SerialDevice]:
        """The serial devices by role."""
        return {r: d for r, d in (("button", self.button), ("light", self.light), ("printer", self.printer))
                if d is not None}

    def health(self) -> list[DeviceStatus]:
        """Every configured device's state now."""
        out = []
        for role, cam in (("camera", self.face), ("document_camera", self.document)):
            if cam is not None:
                state = getattr(cam, "state", "running")
                state = getattr(state, "value", state)
                ok = state in ("running", "starting")
                out.append(DeviceStatus(role, ok, "" if ok else f"{role}: {getattr(cam, 'reason', '') or state}"))
        for role, dev in (("microphone", self.microphone), ("speaker", self.speaker)):
            if dev is None:
                continue
            state = getattr(dev, "state", None)  # the tone microphone has none: live or stopped
            if state is None:
                state = "running" if getattr(dev, "readyState", "live") == "live" else "stopped"
            state = getattr(state, "value", state)
            ok = state in ("running", "starting")
            out.append(DeviceStatus(role, ok, "" if ok else (getattr(dev, "reason", "") or f"{role}: {state}")))
        for role, dev in self.serial().items():
            ok = dev.state is DeviceState.CONNECTED
            out.append(DeviceStatus(role, ok, "" if ok else (dev.message or f"{dev.describe()} is {dev.state.value}")))
        return out

    def start(self) -> "BoothDevices":
        """Start the serial devices' threads (they connect, and reconnect, by themselves)."""
        for dev in self.serial().values():
            dev.start()
        return self

    def stop(self) -> None:
        """Stop every device and simulator."""
        for dev in self.serial().values():
            dev.stop(timeout=2.0)
        for track in (self.face, self.document, self.microphone, self.speaker):
            if track is not None:
                track.stop()
        for sim in self.simulators.values():
            sim.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def _camera(role: str, settings: CameraSettings, simulate: bool, seed: int) -> MediaStreamTrack:
    if simulate or settings.source == "synthetic":
        if role == "camera":
            return SyntheticFaceCamera(settings.width // 2 * 2, settings.height // 2 * 2, settings.fps, seed)
        video = (min(settings.width, 1280), min(settings.height, 720))
        return SyntheticDocumentCamera(None, (settings.width, settings.height), video, settings.fps, seed,
                                       sensor_noise=3)  # a real sensor's: no two stills alike
    return OpenCVCamera(settings.device, settings.width, settings.height, settings.fps, fourcc=settings.fourcc)


def _microphone(settings: AudioSettings, simulate: bool, seed: int) -> MediaStreamTrack:
    if simulate or settings.source == "synthetic":
        return ToneMicrophone(300 + 40 * seed)
    return SoundCardMicrophone(settings.device_spec)


def _speaker(settings: AudioSettings, simulate: bool) -> SoundCardSpeaker | RecordingSpeaker:
    if simulate or settings.source == "synthetic":
        return RecordingSpeaker()
    return SoundCardSpeaker(settings.device_spec)


def open_booth_devices(settings: DevicesSettings, *, simulate: bool = False, seed: int = 0,
                       on_press: Callable[[], None] | None = None,
                       on_status: Callable[[DeviceStatus], None] | None = None) -> BoothDevices:
    """Open the devices of a booth's ``[devices]`` table (not started yet: see
    :meth:`BoothDevices.start`).

    Args:
        settings: the booth config's ``[devices]``.
        simulate: use synthetic cameras, a tone microphone, a recording loudspeaker and
            pty-simulated serial devices for every role, whatever the table says about sources
            and ports (a booth on a laptop with no hardware); a simulated booth has all seven
            devices.
        seed: varies the synthetic pictures, so simulated booths look different.
        on_press: called (from the button's thread) on every press of the call button.
        on_status: called (from a device thread) when a serial device's state changes.
    """
    devices = BoothDevices(simulated=simulate)
    configured = settings.configured()

    def status(event) -> None:
        if on_status is not None:
            on_status(DeviceStatus(event.role, event.state is DeviceState.CONNECTED, event.message))

    face = configured.get("camera") or (CameraSettings(source="synthetic", width=640, height=480) if simulate else None)
    doc = configured.get("document_camera") or (
        CameraSettings(source="synthetic", width=1920, height=1080, fps=15) if simulate else None)
    if face is not None:
        devices.face = _camera("camera", face, simulate, seed)
    if doc is not None:
        devices.document = _camera("document_camera", doc, simulate, seed)
    mic = configured.get("microphone") or (AudioSettings(source="synthetic") if simulate else None)
    speaker = configured.get("speaker") or (AudioSettings(source="synthetic") if simulate else None)
    if mic is not None:
        devices.microphone = _microphone(mic, simulate, seed)
    if speaker is not None:
        devices.speaker = _speaker(speaker, simulate)
    if simulate:
        devices._tmp = tempfile.TemporaryDirectory(prefix="lapak-booth-")
        folder = devices._tmp.name
        devices.simulators = {
            "button": SimulatedButton(link=os.path.join(folder, "button")),
            "light": SimulatedLight(link=os.path.join(folder, "light")),
            "printer": SimulatedPrinter(link=os.path.join(folder, "printer")),
        }
        serial = {
            "button": ButtonSettings(port=devices.simulators["button"].port),
            "light": LightSettings(port=devices.simulators["light"].port),
            "printer": PrinterSettings(port=devices.simulators["printer"].port),
        }
    else:
        serial = {role: configured[role] for role in ("button", "light", "printer") if role in configured}
    fast = {"retry_initial": 0.1, "retry_max": 2.0}
    if "button" in serial:
        devices.button = CallButton.from_settings(serial["button"], on_press=on_press, on_status=status, **fast)
    if "light" in serial:
        devices.light = StatusLight.from_settings(serial["light"], on_status=status, **fast)
    if "printer" in serial:
        devices.printer = ReceiptPrinter.from_settings(serial["printer"], on_status=status, **fast)
    return devices
