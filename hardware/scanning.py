"""The document camera's scanner and the face camera's QR reader, each in a thread of its own.

:class:`DocumentScanner` runs the document pipeline (:mod:`hardware.scanner`: find, assess,
auto-capture) on the document camera's newest frames while a document is wanted, and encodes
the lossless still (:func:`hardware.still.encode_still`) when it decides; between visits it
learns what the empty tray looks like (:class:`hardware.scanner.TrayWatch`) and scans with
that; :class:`QrReader` looks
for a booking's QR code in the face camera's frames during check-in. Neither ever runs on the
event loop: results go to a callback, called from the worker thread (hand them to your loop
with ``loop.call_soon_threadsafe``).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from hardware import scanner
from hardware.errors import CameraUnavailable
from hardware.paced import PacedWorker
from hardware.still import StillImage, encode_still

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanResult:
    """What the scanner made of one frame.

    Args:
        request_id: the document request it scans for.
        reason: the pipeline's most important reason (``Reason.OK`` when good).
        progress: 0..1 of the hold before the auto-capture.
        outline: the document's corners as fractions of the frame (TL, TR, BR, BL), if found.
        still: the captured still, once, when the auto-capture decided.
        error: why no still could be made (the camera failed), if so.
        previous: the document on the tray is the one captured last (for an earlier request):
            it must be taken away, or put down again, before anything is captured.
    """

    request_id: str
    reason: scanner.Reason
    progress: float = 0.0
    outline: tuple[tuple[float, float], ...] | None = None
    still: StillImage | None = None
    error: str | None = None
    previous: bool = False


class DocumentScanner:
    """Scans the document camera for one request at a time, in a worker thread.

    One auto-capture lasts across requests: after a capture, the next request captures only once
    the tray was emptied or the document moved (a document left on the tray from the last
    request is never sent as the next one). :meth:`reset` starts afresh (a new participant).

    While :meth:`watch_tray` is on and no document is wanted (the booth is idle), the worker looks
    at the tray every ``tray_interval`` seconds and lets ``tray`` learn the empty tray from what
    it sees; every frame judged for a request is searched with that model once it is ready
    (without one, the pipeline works as well, with more false documents on busy trays).

    Args:
        camera: the document camera (``latest_frame()`` gives BGR at full resolution).
        on_result: called from the worker with every :class:`ScanResult`.
        rate: frames judged per second at most.
        clock: monotonic clock.
        tray: decides which idle frames the empty-tray model learns (None: no model).
        tray_interval: seconds between looks at the idle tray.
    """

    def __init__(self, camera, on_result: Callable[[ScanResult], None], *, rate: float = 8.0,
                 clock: Callable[[], float] = time.monotonic,
                 tray: scanner.TrayWatch | None = None, tray_interval: float = 1.0) -> None:
        self.camera = camera
        self.on_result = on_result
        self.interval = 1.0 / rate
        self._clock = clock
        self._lock = threading.Condition()
        self._request: str | None = None
        self._generation = 0
        self._closed = False
        self._auto = scanner.AutoCapture()
        self.tray = tray
        self.tray_interval = tray_interval
        self._watch_tray = False
        self._forget_view = False
        self.tray_steps: dict[scanner.TrayStep, int] = {}
        self.frames_judged = 0
        self.seconds_judging = 0.0
        self._thread = threading.Thread(target=self._run, name="document-scanner", daemon=True)
        self._thread.start()

    def start(self, request_id: str) -> None:
        """Scan for a request (replacing any other), with a fresh auto-capture."""
        with self._lock:
            self._request = request_id
            self._generation += 1
            self._lock.notify_all()

    def stop(self) -> None:
        """Stop scanning (nothing is captured after this returns)."""
        with self._lock:
            self._request = None
            self._generation += 1

    def reset(self) -> None:
        """Forget the last capture (the next participant's first document is captured at once)
        and the last view of the tray (the learned empty tray is kept)."""
        with self._lock:
            self._request = None
            self._generation += 1
            self._auto = scanner.AutoCapture()
            self._forget_view = True
            self._lock.notify_all()

    def watch_tray(self, on: bool) -> None:
        """Learn the empty tray while no document is wanted (on: the booth is idle), or stop."""
        with self._lock:
            self._watch_tray = on
            self._lock.notify_all()

    @property
    def watching_tray(self) -> bool:
        """True while it learns the empty tray (see :meth:`watch_tray`)."""
        return self._watch_tray

    @property
    def tray_ready(self) -> bool:
        """True once the empty tray is learned (scans use it)."""
        return self.tray is not None and self.tray.model.ready

    def close(self) -> None:
        """Stop the worker thread."""
        with self._lock:
            self._closed = True
            self._request = None
            self._lock.notify_all()
        self._thread.join(2.0)

    def _current(self, generation: int) -> bool:
        with self._lock:
            return generation == self._generation and self._request is not None

    def _run(self) -> None:
        next_look = 0.0
        while True:
            with self._lock:
                while self._request is None and not self._closed:
                    if self._forget_view and self.tray is not None:
                        self._forget_view = False
                        self.tray.forget_view()
                    if self._watch_tray and self.tray is not None:
                        wait = next_look - self._clock()
                        if wait <= 0:
                            break
                        self._lock.wait(wait)
                    else:
                        self._lock.wait()
                if self._closed:
                    return
                request, generation, auto = self._request, self._generation, self._auto
            if request is None:
                next_look = self._clock() + self.tray_interval
                self._look_at_tray()
                continue
            last: tuple | None = None
            while self._current(generation):
                started = self._clock()
                frame = self.camera.latest_frame()
                if frame is None:
                    time.sleep(self.interval / 2)
                    continue
                result, last = self._judge(request, frame, auto, started, last)
                if not self._current(generation):
                    break
                self.on_result(result)
                if result.still is not None or result.error is not None:
                    with self._lock:
                        if self._generation == generation:
                            self._request = None
                    break
                pause = self.interval - (self._clock() - started)
                if pause > 0:
                    time.sleep(pause)

    def _look_at_tray(self) -> None:
        """Let the tray model learn from the idle tray's newest frame."""
        assert self.tray is not None
        frame = self.camera.latest_frame()
        if frame is None:
            return
        try:
            step = self.tray.feed(self._clock(), frame)
        except Exception:  # a malformed frame must not stop the scanner
            logger.exception("learning the empty tray failed")
            return
        self.tray_steps[step] = self.tray_steps.get(step, 0) + 1

    def _judge(self, request: str, frame: np.ndarray, auto: scanner.AutoCapture, t: float,
               last: tuple | None) -> tuple[ScanResult, tuple]:
        """Judge a frame (a frame seen before is not judged again, but its time still counts
        towards the hold: a camera that repeats its last frame shows a document held still)."""
        if last is not None and last[0] is frame:
            detection, quality = last[1], last[2]
        else:
            detection = scanner.find_document(frame, tray=self.tray.model if self.tray is not None else None)
            quality = scanner.assess(frame, detection)
            self.frames_judged += 1
            self.seconds_judging += self._clock() - t
        last = (frame, detection, quality)
        capture = auto.feed(t, detection, quality)
        outline = None
        if detection is not None:
            h, w = frame.shape[:2]
            outline = tuple((float(x) / w, float(y) / h) for x, y in detection.corners)
        if capture is None:
            previous = auto.state is scanner.CaptureState.CAPTURED
            return ScanResult(request, quality.reason, 0.0 if previous else auto.progress, outline,
                              previous=previous), last
        try:
            still = encode_still(frame, corners=capture.detection.corners)
        except CameraUnavailable as exc:
            return ScanResult(request, quality.reason, 1.0, outline, error=str(exc)), last
        return ScanResult(request, quality.reason, 1.0, outline, still=still), last


def capture_now(camera) -> StillImage:
    """A still of whatever the document camera sees now (blocking: run it in a thread).

    Raises:
        CameraUnavailable: the camera has no frame.
    """
    frame = camera.latest_frame()
    if frame is None:
        reason = getattr(camera, "reason", "") or "no frame"
        raise CameraUnavailable(f"document camera: {reason}")
    return encode_still(frame)


def qr_decoder() -> tuple[str, Callable[[np.ndarray], str]]:
    """The QR decoder: zxing-cpp when installed, else OpenCV's ``QRCodeDetector``; returns its
    name and ``read(bgr_frame) -> text`` ("" when no code is read).

    On booking codes rendered into face-camera frames as participants show them (printed and
    on phone screens; ``python -m bench.qr``, figures in BENCHMARKS.md), zxing-cpp read more than
    twice as many codes as OpenCV's detector (44 % against 19 %), in about a tenth of the time.
    """
    try:
        import zxingcpp
    except ImportError:
        detector = cv2.QRCodeDetector()

        def read_cv(frame: np.ndarray) -> str:
            text, _points, _ = detector.detectAndDecode(frame)
            return text or ""

        return "opencv", read_cv
    fmt = zxingcpp.BarcodeFormat.QRCode

    def read_zx(frame: np.ndarray) -> str:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        found = zxingcpp.read_barcodes(gray, formats=fmt)
        return found[0].text if found else ""

    return "zxing-cpp", read_zx


class QrReader(PacedWorker):
    """Reads QR codes from the face camera in a worker thread while switched on.

    Args:
        camera: the face camera (``latest_frame()`` gives BGR).
        on_code: called from the worker with each newly seen code's text.
        rate: frames looked at per second at most.
        repeat_after: seconds before the same code is reported again.
    """

    def __init__(self, camera, on_code: Callable[[str], None], *, rate: float = 5.0,
                 repeat_after: float = 5.0) -> None:
        self.camera = camera
        self.on_code = on_code
        self.repeat_after = repeat_after
        self.decoder, self._read = qr_decoder()
        self.frames_read = 0
        self.seconds_reading = 0.0
        self._last: tuple[str, float] | None = None
        super().__init__(1.0 / rate, "qr-reader")

    def start(self) -> None:
        """Start looking for codes."""
        self.set_on(True)

    def stop(self) -> None:
        """Stop looking, and forget the last code seen."""
        self.set_on(False)
        self._last = None

    def _step(self) -> None:
        frame = self.camera.latest_frame()
        if frame is None:
            return
        t = time.monotonic()
        try:
            text = self._read(frame)
        except Exception as exc:  # a malformed frame must not stop the reader
            logger.debug("QR detection failed: %s", exc)
            text = ""
        self.frames_read += 1
        self.seconds_reading += time.monotonic() - t
        now = time.monotonic()
        if text and self.on and not (
                self._last and self._last[0] == text and now - self._last[1] < self.repeat_after):
            self._last = (text, now)
            self.on_code(text)
