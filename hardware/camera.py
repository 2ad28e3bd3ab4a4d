"""OpenCV camera as an aiortc video track: capture in a thread, never block the event loop.

A missing or unplugged camera is reported (``state`` + ``reason``), not raised: while it is
down the track sends a "camera unavailable" slate so the far side sees it, and the capture
thread retries opening the device with exponential backoff until it comes back.
"""
from __future__ import annotations

import enum
import logging
import threading

import av
import cv2
import numpy as np

from common.backoff import Backoff
from hardware.synthetic import VIDEO_TIME_BASE, PacedVideoTrack

logger = logging.getLogger(__name__)


class CameraState(str, enum.Enum):
    """What the camera is doing."""

    STARTING = "starting"
    RUNNING = "running"
    UNAVAILABLE = "unavailable"  # not found, unplugged or not delivering frames
    STOPPED = "stopped"


def slate_frame(width: int, height: int, text: str = "camera unavailable") -> np.ndarray:
    """A BGR slate telling the far side the camera is down.

    Args:
        width: pixels.
        height: pixels.
        text: the message.
    """
    img = np.full((height, width, 3), 40, np.uint8)
    scale = max(0.4, width / 900)
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    cv2.putText(img, text, ((width - tw) // 2, (height + th) // 2), cv2.FONT_HERSHEY_SIMPLEX,
                scale, (200, 200, 200), 2, cv2.LINE_AA)
    return img


class OpenCVCamera(PacedVideoTrack):
    """A USB/V4L camera (device index or path/URL) as a paced aiortc track.

    Args:
        device: OpenCV device index (0) or a path (``/dev/video2``, a video file, a URL).
        width: requested capture width (also the slate size).
        height: requested capture height.
        fps: frame rate of the track.
        retry_initial: first delay before re-opening a failed device, seconds.
        retry_max: largest delay between re-open attempts, seconds.
        read_failures: consecutive failed reads after which the device counts as unplugged.
        fourcc: pixel format to ask the device for, e.g. "MJPG" (a USB 2 camera delivers
            1080p and more at full frame rate only compressed); None keeps the driver's.
    """

    def __init__(self, device: int | str = 0, width: int = 1280, height: int = 720, fps: float = 30,
                 retry_initial: float = 0.5, retry_max: float = 5.0, read_failures: int = 10,
                 fourcc: str | None = None) -> None:
        super().__init__(fps)
        self.device, self.width, self.height, self.fourcc = device, width, height, fourcc
        self.actual_size: tuple[int, int] | None = None
        """What the device really delivers (it may ignore the size asked for)."""
        self.retry_initial, self.retry_max, self.read_failures = retry_initial, retry_max, read_failures
        self.state = CameraState.STARTING
        self.reason = ""
        self.opens = 0
        self._latest: np.ndarray | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._slate = slate_frame(width, height)
        self._thread = threading.Thread(target=self._run, name=f"camera-{device}", daemon=True)
        self._thread.start()

    def _set(self, state: CameraState, reason: str = "") -> None:
        if state is not self.state or reason != self.reason:
            logger.info("camera %s: %s %s", self.device, state.value, reason)
        self.state, self.reason = state, reason

    def _open(self) -> cv2.VideoCapture | None:
        cap = cv2.VideoCapture(self.device)
        if not cap.isOpened():
            cap.release()
            return None
        if self.fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*self.fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        return cap

    def _run(self) -> None:
        backoff = Backoff(self.retry_initial, self.retry_max, jitter=0.0)
        while not self._stop.is_set():
            cap = self._open()
            if cap is None:
                self._set(CameraState.UNAVAILABLE, f"cannot open {self.device!r}")
                self._stop.wait(backoff.next())
                continue
            self.opens += 1
            failures = 0
            try:
                while not self._stop.is_set():
                    ok, img = cap.read()
                    if not ok or img is None:
                        failures += 1
                        if failures >= self.read_failures:
                            self._set(CameraState.UNAVAILABLE, f"{self.device!r} stopped delivering frames")
                            break
                        self._stop.wait(0.02)
                        continue
                    failures = 0
                    backoff.reset()
                    size = (img.shape[1], img.shape[0])
                    if size != self.actual_size:
                        self.actual_size = size
                        if size != (self.width, self.height):
                            logger.warning("camera %s: asked for %dx%d, it delivers %dx%d", self.device,
                                           self.width, self.height, *size)
                    with self._lock:
                        self._latest = img
                    self._set(CameraState.RUNNING)
            finally:
                cap.release()
            with self._lock:
                self._latest = None
            self._stop.wait(backoff.next())
        self._set(CameraState.STOPPED, "stopped")

    def latest(self) -> np.ndarray | None:
        """The most recent captured BGR image, or None while the camera is down."""
        with self._lock:
            return self._latest

    def latest_frame(self) -> np.ndarray | None:
        """The most recent capture at the device's full resolution (the scanner's input and the
        source of lossless stills: the video track scales down, a still never does), or None
        while the camera is down."""
        return self.latest()

    async def recv(self) -> av.VideoFrame:
        """The next frame at ``fps``: the latest capture, or the slate while down."""
        _n, pts = await self._next_slot()
        img = self.latest()
        if img is None:
            img = self._slate
        frame = av.VideoFrame.from_ndarray(img, format="bgr24")
        frame.pts, frame.time_base = pts, VIDEO_TIME_BASE
        return frame

    def stop(self) -> None:
        """Stop the track and the capture thread."""
        super().stop()
        self._stop.set()

    def join(self, timeout: float = 2.0) -> None:
        """Wait for the capture thread to end (after :meth:`stop`).

        Args:
            timeout: seconds.
        """
        self._thread.join(timeout)
