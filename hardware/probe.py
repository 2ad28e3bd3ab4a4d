"""Technician checks: what devices are present, what is configured, does a device work.

Functions return dataclasses (the CLI in `kiosk.hwcli` prints them). Probing cameras opens
them with OpenCV; sound devices are listed by PortAudio (:mod:`hardware.audio`); testing a
serial device drives it through its real driver.
"""
from __future__ import annotations

import glob
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime

import cv2
import numpy as np
from serial.tools import list_ports

from hardware import audio
from hardware.errors import AudioUnavailable
from hardware.settings import AudioSettings, CameraSettings, DevicesSettings, SerialSettings

logger = logging.getLogger(__name__)

COMMON_RESOLUTIONS = ((640, 480), (1280, 720), (1920, 1080))
"""Resolutions tried on each camera found."""



@dataclass(frozen=True)
class CameraInfo:
    """A camera OpenCV could open.

    Args:
        index: OpenCV index.
        path: Device node (Linux), or None.
        backend: OpenCV capture backend name.
        resolutions: (width, height) pairs that delivered a frame of that size.
    """

    index: int
    path: str | None
    backend: str
    resolutions: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class PortInfo:
    """A serial port.

    Args:
        device: Port path.
        description: What the system says it is ("n/a" when unknown).
        listed: False for a configured path that exists but the OS does not list (a pty, a link).
    """

    device: str
    description: str
    listed: bool = True


@dataclass(frozen=True)
class Problem:
    """Something wrong with one configured device.

    Args:
        role: The booth role.
        where: The port or camera it is configured at.
        message: What is wrong.
    """

    role: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.role} ({self.where}): {self.message}"


@dataclass(frozen=True)
class TestResult:
    """Outcome of exercising one device.

    Args:
        role: The booth role tested.
        passed: True when the device did what it should.
        message: What happened, or why it failed (names the port or camera).
        details: Extra lines for the technician.
    """

    role: str
    passed: bool
    message: str
    details: tuple[str, ...] = field(default_factory=tuple)


# --- probing -----------------------------------------------------------------------------------


def _open_camera(device: int | str) -> cv2.VideoCapture:
    """Open a camera by index or path, quietly (OpenCV warns on stderr for missing ones)."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    try:
        return _open_camera_loud(device)
    finally:
        cv2.utils.logging.setLogLevel(level)


def _open_camera_loud(device: int | str) -> cv2.VideoCapture:
    """Open a camera by index (V4L2 on Linux) or path."""
    if isinstance(device, int) and sys.platform.startswith("linux"):
        return cv2.VideoCapture(device, cv2.CAP_V4L2)
    return cv2.VideoCapture(device)


def find_cameras(max_index: int = 8, resolutions=COMMON_RESOLUTIONS) -> list[CameraInfo]:
    """Return the cameras OpenCV can open and the resolutions that deliver frames.

    On Linux only indices with a /dev/videoN node are tried (fast, and quiet without cameras).

    Args:
        max_index: Highest camera index to try.
        resolutions: (width, height) pairs to try on each camera.
    """
    if sys.platform.startswith("linux"):
        indices = sorted(int(p[len("/dev/video"):]) for p in glob.glob("/dev/video*")
                         if p[len("/dev/video"):].isdigit() and int(p[len("/dev/video"):]) <= max_index)
    else:
        indices = list(range(max_index + 1))
    found = []
    for index in indices:
        cap = _open_camera(index)
        try:
            if not cap.isOpened():
                continue
            works = []
            for w, h in resolutions:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, w)
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, h)
                ok, frame = cap.read()
                if ok and frame is not None and frame.shape[1] == w and frame.shape[0] == h:
                    works.append((w, h))
            path = f"/dev/video{index}" if sys.platform.startswith("linux") else None
            found.append(CameraInfo(index, path, cap.getBackendName(), tuple(works)))
        finally:
            cap.release()
    return found


def find_ports(extra: list[str] | tuple[str, ...] = ()) -> list[PortInfo]:
    """Return the serial ports the OS lists, plus any `extra` paths that exist.

    Args:
        extra: Configured port paths; ptys and links are not listed by the OS.
    """
    ports = [PortInfo(p.device, p.description or "n/a") for p in list_ports.comports()]
    known = {p.device for p in ports}
    for path in extra:
        if path not in known and os.path.exists(path):
            real = os.path.realpath(path)
            ports.append(PortInfo(path, f"-> {real}" if real != path else "n/a", listed=False))
            known.add(path)
    return ports


def find_sound_devices() -> tuple[list[audio.AudioDeviceInfo], str]:
    """The sound devices PortAudio lists, and "" or why none can be listed (no PortAudio)."""
    try:
        return audio.list_audio_devices(), ""
    except AudioUnavailable as exc:
        return [], str(exc)


def audio_where(settings: AudioSettings) -> str:
    """How a microphone or loudspeaker is configured, for messages ("synthetic", "the system
    default", "index 3", "'USB Audio'")."""
    if settings.source == "synthetic":
        return "synthetic"
    return audio.describe(settings.device_spec)


def camera_where(settings: CameraSettings) -> str:
    """Return how a camera is configured, for messages ("synthetic", "/dev/video0 (index 0)").

    Args:
        settings: The camera's settings.
    """
    if settings.source == "synthetic":
        return "synthetic"
    if isinstance(settings.device, int):
        return f"index {settings.device}"
    return settings.device


def check_devices(devices: DevicesSettings, source: str = "config") -> list[Problem]:
    """Compare the configured devices with what is present; returns the problems found.

    Args:
        devices: The booth's validated device settings.
        source: Name of the config file, for messages.
    """
    problems = []
    configured = devices.configured()
    for role in ("camera", "document_camera", "microphone", "speaker", "button", "light", "printer"):
        if role not in configured:
            problems.append(Problem(role, "-", f"not configured in {source} ([devices.{role}])"))
    for role, settings in configured.items():
        if isinstance(settings, SerialSettings):
            if not os.path.exists(settings.port):
                problems.append(Problem(role, settings.port, "port does not exist"))
            elif not os.access(settings.port, os.R_OK | os.W_OK):
                problems.append(Problem(role, settings.port, "no permission to open the port (dialout group?)"))
        elif isinstance(settings, AudioSettings):
            if settings.source == "device":
                try:
                    audio.find_device(settings.device_spec, "input" if role == "microphone" else "output")
                except AudioUnavailable as exc:
                    problems.append(Problem(role, audio_where(settings), str(exc)))
        elif isinstance(settings, CameraSettings) and settings.source == "device":
            where = camera_where(settings)
            node = settings.device if isinstance(settings.device, str) else (
                f"/dev/video{settings.device}" if sys.platform.startswith("linux") else None)
            if node is not None and not os.path.exists(node):
                problems.append(Problem(role, where, f"camera device {node} does not exist"))
                continue
            cap = _open_camera(settings.device)
            try:
                if not cap.isOpened():
                    problems.append(Problem(role, where, "camera cannot be opened (absent or in use)"))
            finally:
                cap.release()
    return problems


# --- exercising one device ---------------------------------------------------------------------


def exercise_camera(role: str, settings: CameraSettings, seconds: float = 2.0) -> TestResult:
    """Grab frames for `seconds` and report the real frame rate.

    Args:
        role: "camera" or "document_camera".
        settings: The camera's settings.
        seconds: How long to grab.
    """
    where = camera_where(settings)
    if settings.source == "synthetic":
        return _test_synthetic_camera(role, settings, seconds)
    if isinstance(settings.device, int) and sys.platform.startswith("linux") \
            and not os.path.exists(f"/dev/video{settings.device}"):
        return TestResult(role, False, f"{role} ({where}): no camera at /dev/video{settings.device}")
    if isinstance(settings.device, str) and not os.path.exists(settings.device):
        return TestResult(role, False, f"{role} ({where}): camera device does not exist")
    cap = _open_camera(settings.device)
    try:
        if not cap.isOpened():
            return TestResult(role, False, f"{role} ({where}): cannot open the camera (absent or in use)")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, settings.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, settings.height)
        cap.set(cv2.CAP_PROP_FPS, settings.fps)
        frames, shape, start = 0, None, time.monotonic()
        while time.monotonic() - start < seconds:
            ok, frame = cap.read()
            if not ok:
                break
            frames += 1
            shape = frame.shape
        elapsed = time.monotonic() - start
    finally:
        cap.release()
    if frames == 0 or shape is None:
        return TestResult(role, False, f"{role} ({where}): opened but delivered no frame")
    fps = frames / elapsed
    size = f"{shape[1]}x{shape[0]}"
    details = (f"asked for {settings.width}x{settings.height} at {settings.fps:g} fps",)
    if (shape[1], shape[0]) != (settings.width, settings.height):
        return TestResult(role, False, f"{role} ({where}): delivers {size}, not the configured "
                          f"{settings.width}x{settings.height}", details)
    return TestResult(role, True, f"{role} ({where}): {frames} frames of {size} at {fps:.1f} fps", details)


def exercise_audio(role: str, settings: AudioSettings, seconds: float = 2.0) -> TestResult:
    """Record from the microphone (and report how loud it heard the room) or play a tone on the
    loudspeaker for ``seconds``.

    Args:
        role: "microphone" or "speaker".
        settings: The device's settings.
        seconds: How long.
    """
    where = audio_where(settings)
    if settings.source == "synthetic":
        return TestResult(role, True, f"{role} (synthetic): a {'test tone' if role == 'microphone' else 'recorder'}"
                          ", no device to test")
    try:
        if role == "microphone":
            samples, dbfs = audio.record_level(settings.device_spec, seconds)
            hint = "silent: muted, or the wrong input?" if dbfs < -70 else "speak and test again: it should rise"
            return TestResult(role, True, f"microphone ({where}): recorded {samples / audio.RATE:.1f} s, "
                              f"level {dbfs:.0f} dBFS", (hint,))
        name = audio.play_tone(settings.device_spec, seconds)
        return TestResult(role, True, f"speaker ({where}): played a 440 Hz tone for {seconds:g} s on {name!r}; "
                          "check it was heard")
    except AudioUnavailable as exc:
        return TestResult(role, False, f"{role} ({where}): {exc}")


def _test_synthetic_camera(role: str, settings: CameraSettings, seconds: float) -> TestResult:
    """Exercise the synthetic source: render paced frames (and find the page for documents)."""
    from hardware import docrender, scanner

    if role == "document_camera":
        card = docrender.render_id_card(seed=1)
        frame, _ = docrender.place_on_tray(card, (settings.width, settings.height), angle=8, scale=0.6, seed=1)
        det = scanner.find_document(frame)
        if det is None:
            return TestResult(role, False, f"{role} (synthetic): the document pipeline found no page")
        return TestResult(role, True, f"{role} (synthetic): {settings.width}x{settings.height}, "
                          f"document found covering {det.area_fraction:.0%} of the frame")
    try:
        from hardware.synthetic import SyntheticFaceCamera
    except ImportError as exc:
        return TestResult(role, False, f"{role} (synthetic): synthetic source unavailable: {exc}")
    cam = SyntheticFaceCamera(settings.width, settings.height, settings.fps)
    frames, start, period = 0, time.monotonic(), 1.0 / settings.fps
    while time.monotonic() - start < seconds:
        image = cam.render(frames, int(time.time() * 1e6))
        if not isinstance(image, np.ndarray) or image.size == 0:
            return TestResult(role, False, f"{role} (synthetic): rendered no frame")
        frames += 1
        time.sleep(max(0.0, start + frames * period - time.monotonic()))
    fps = frames / (time.monotonic() - start)
    return TestResult(role, True, f"{role} (synthetic): {frames} frames of "
                      f"{settings.width}x{settings.height} at {fps:.1f} fps")


def _connect(device, role: str, port: str, timeout: float) -> TestResult | None:
    """Start a serial device and wait for its first attempt; a failed TestResult, or None."""
    from hardware.serialdevice import DeviceState

    device.start()
    device.wait_for((DeviceState.CONNECTED, DeviceState.FAULT), timeout)
    if device.state is DeviceState.CONNECTED:
        return None
    message = device.message or f"{role} on {port}: did not connect within {timeout:g} s"
    device.stop()
    return TestResult(role, False, message)


def exercise_serial(role: str, settings: SerialSettings, *, press_timeout: float = 15.0,
                connect_timeout: float | None = None) -> TestResult:
    """Exercise a serial device: cycle the light, print a test slip, or wait for a press.

    Args:
        role: "button", "light" or "printer".
        settings: The device's settings.
        press_timeout: Seconds to wait for a button press.
        connect_timeout: Seconds to wait for the handshake (default: 2 x the device timeout + 1).
    """
    from hardware.button import CallButton
    from hardware.light import LightColour, StatusLight
    from hardware.printer import ReceiptPrinter
    from hardware.serialdevice import DeviceError

    classes = {"button": CallButton, "light": StatusLight, "printer": ReceiptPrinter}
    device = classes[role].from_settings(settings, retry_initial=0.2, retry_max=1.0)
    wait = connect_timeout if connect_timeout is not None else 2 * settings.timeout + 1.0
    failed = _connect(device, role, settings.port, wait)
    if failed:
        return failed
    try:
        if role == "light":
            for colour in LightColour:
                device.set(colour)
                time.sleep(0.3)  # let the technician see each colour
            device.set(LightColour.IDLE)
            return TestResult(role, True, f"light on {settings.port}: showed "
                              + ", ".join(c.value for c in LightColour) + ", back to IDLE")
        if role == "printer":
            device.print_test_slip(datetime.now())
            return TestResult(role, True, f"printer on {settings.port}: test slip sent; check it printed "
                              "and the ruler fits the paper")
        if device.wait_for_press(press_timeout, after=0):
            return TestResult(role, True, f"button on {settings.port}: press received")
        return TestResult(role, False, f"button on {settings.port}: no press within {press_timeout:g} s")
    except DeviceError as exc:
        return TestResult(role, False, str(exc))
    finally:
        device.stop()
