"""Simulated booth hardware as aiortc tracks: a stamped face camera, a document camera, a tone.

The face camera draws a moving pattern and, in its top quarter, a 4 x 26 grid of large black
and white cells carrying the frame number (32 bits), the capture time in wall-clock
microseconds (``time.time()``, 64 bits) and a CRC-8-sized check (8 bits). The cells are large
enough to survive VP8 at low bitrate and a downscale to 320x180, so the far side can measure
glass-to-glass latency and count lost frames with :func:`read_stamp`.

The document camera shows an ID card or a claim form in perspective on a tray (rendered by
:mod:`hardware.docrender`) and gives lossless full-resolution PNG stills. The still is
encoded when the document is captured (:meth:`SyntheticDocumentCamera.prepare`, in a
low-priority background thread), not when the console asks: a request then only sends the
bytes. Since encoding is off the request path it uses the strongest PNG compression (level 9:
about 1.56 MB for a 1920x1080 card instead of 2.03 MB at level 1; 1.3 s of booth CPU once per
document instead of 76 ms per request).
"""
from __future__ import annotations

import asyncio
import fractions
import functools
import logging
import math
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Callable

import av
import cv2
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from hardware.still import StillImage

logger = logging.getLogger(__name__)

VIDEO_CLOCK_RATE = 90000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK_RATE)
AUDIO_RATE = 48000
AUDIO_PTIME = 0.020

STAMP_ROWS = 4
STAMP_COLS = 26
STAMP_BITS = STAMP_ROWS * STAMP_COLS  # 32 frame number + 64 capture time + 8 check
STAMP_BAND = 0.25
"""Fraction of the frame height (from the top) that holds the stamp cells."""


@dataclass(frozen=True)
class Stamp:
    """What a stamped frame carries.

    Args:
        frame_number: 0-based frame count of the source.
        capture_us: wall-clock capture time in microseconds (``time.time() * 1e6``).
    """

    frame_number: int
    capture_us: int


def _stamp_bits(stamp: Stamp) -> np.ndarray:
    payload = (stamp.frame_number & 0xFFFFFFFF).to_bytes(4, "big") + (
        stamp.capture_us & 0xFFFFFFFFFFFFFFFF
    ).to_bytes(8, "big")
    check = zlib.crc32(payload) & 0xFF
    data = payload + bytes([check])
    return np.unpackbits(np.frombuffer(data, np.uint8))


@functools.lru_cache(maxsize=64)
def _cell_edges(length: int, n: int) -> np.ndarray:
    return np.linspace(0, length, n + 1).round().astype(int)


@functools.lru_cache(maxsize=64)
def _cell_windows(h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Inner half of every stamp cell: row starts/ends per stamp row, column reduceat indices."""
    xs = _cell_edges(w, STAMP_COLS)
    ys = _cell_edges(int(h * STAMP_BAND), STAMP_ROWS)
    qy = np.maximum(1, (ys[1:] - ys[:-1]) // 4)
    qx = np.maximum(1, (xs[1:] - xs[:-1]) // 4)
    x0, x1 = xs[:-1] + qx, xs[1:] - qx
    x1 = np.maximum(x1, x0 + 1)
    cols = np.empty(2 * STAMP_COLS, np.intp)
    cols[0::2], cols[1::2] = x0, x1
    return ys[:-1] + qy, np.maximum(ys[1:] - qy, ys[:-1] + qy + 1), cols, x1 - x0


def draw_stamp(y: np.ndarray, stamp: Stamp) -> None:
    """Paint a stamp into a luma plane in place.

    Args:
        y: the Y plane (height x width, uint8) of the frame.
        stamp: what to encode.
    """
    h, w = y.shape
    xs = _cell_edges(w, STAMP_COLS)
    ys = _cell_edges(int(h * STAMP_BAND), STAMP_ROWS)
    bits = _stamp_bits(stamp).reshape(STAMP_ROWS, STAMP_COLS)
    for r in range(STAMP_ROWS):
        for c in range(STAMP_COLS):
            y[ys[r] : ys[r + 1], xs[c] : xs[c + 1]] = 235 if bits[r, c] else 16


def read_stamp_luma(y: np.ndarray) -> Stamp | None:
    """Decode a stamp from a luma plane; None when absent or damaged.

    Vectorised (about 30 us for 640x480): the console reads a stamp on every face frame.

    Args:
        y: the Y plane (height x width, uint8), at any scale of the original.
    """
    h, w = y.shape
    y0s, y1s, cols, widths = _cell_windows(h, w)
    if cols[-1] > w:
        return None
    bits = np.empty((STAMP_ROWS, STAMP_COLS), np.uint8)
    for r in range(STAMP_ROWS):
        band = y[y0s[r] : y1s[r]]
        colsum = band.sum(axis=0, dtype=np.uint32)
        sums = np.add.reduceat(colsum, cols[:-1] if cols[-1] == w else cols)[0::2]
        bits[r] = sums > 125 * widths * (y1s[r] - y0s[r])
    data = np.packbits(bits.reshape(-1)).tobytes()
    payload, check = data[:12], data[12]
    if zlib.crc32(payload) & 0xFF != check:
        return None
    return Stamp(int.from_bytes(payload[:4], "big"), int.from_bytes(payload[4:12], "big"))


def luma_plane(frame: av.VideoFrame) -> np.ndarray:
    """The Y plane of a yuv420p frame as a (height, width) view, without conversion.

    Args:
        frame: a decoded frame (aiortc's VP8 decoder gives yuv420p).
    """
    if frame.format.name not in ("yuv420p", "yuvj420p", "nv12"):
        return frame.to_ndarray(format="gray")
    plane = frame.planes[0]
    buf = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
    return buf[:, : frame.width]


def read_stamp(frame: av.VideoFrame) -> Stamp | None:
    """Decode the stamp of a received frame; None when absent or damaged.

    Args:
        frame: a decoded video frame.
    """
    return read_stamp_luma(luma_plane(frame))


class PacedVideoTrack(MediaStreamTrack):
    """Base for sources that produce frames at a fixed rate on the event loop's clock.

    Args:
        fps: frames per second.

    ``frame_filter``: optional ``f(t_seconds) -> bool`` set by the consumer (the booth's
    adaptive track hands it its rate gate): slots it refuses are skipped before any frame is
    built, so a booth sending 10 fps of a 30 fps camera does not render, convert and then
    drop two frames out of three.
    """

    kind = "video"

    def __init__(self, fps: float) -> None:
        super().__init__()
        self.fps = fps
        self._start: float | None = None
        self._count = 0
        self.frame_filter: Callable[[float], bool] | None = None

    async def _next_slot(self) -> tuple[int, int]:
        """Wait for the next frame slot; returns (frame_number, pts in 1/90000 s)."""
        loop = time.monotonic
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            if self._start is None:
                self._start = loop()
            due = self._start + self._count / self.fps
            delay = due - loop()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.5:  # far behind (suspended): skip ahead instead of bursting
                self._count = int((loop() - self._start) * self.fps)
            n = self._count
            self._count += 1
            flt = self.frame_filter
            if flt is None or flt(n / self.fps):
                return n, int(n * VIDEO_CLOCK_RATE / self.fps)


class SyntheticFaceCamera(PacedVideoTrack):
    """A face-camera test pattern with a machine-readable frame number and capture time.

    Args:
        width: frame width (even).
        height: frame height (even).
        fps: frames per second.
        seed: chooses the colours, so booths look different.
    """

    def __init__(self, width: int = 640, height: int = 480, fps: float = 30, seed: int = 0) -> None:
        super().__init__(fps)
        self.width, self.height = width, height
        rng = np.random.default_rng(seed)
        yy, xx = np.mgrid[0:height, 0:width]
        self._y = (60 + 100 * xx / width + 40 * yy / height).astype(np.uint8)
        u0, v0 = rng.integers(80, 176, size=2)
        cw, ch = width // 2, height // 2
        self._u = np.full((ch, cw), u0, np.uint8)
        self._v = np.full((ch, cw), v0, np.uint8)
        band = int(height * STAMP_BAND) // 2 + 1
        self._u[:band] = 128
        self._v[:band] = 128
        self.state = "running"
        self.reason = ""
        self._last: np.ndarray | None = None
        self._last_at = 0.0
        self.overlay: np.ndarray | None = None
        """A BGR picture held up to the camera (e.g. a booking's QR code on a phone), drawn into
        the lower middle of every frame; None for none."""

    def latest_frame(self) -> np.ndarray:
        """What the camera sees now, as BGR (converted on request). Like a real camera's capture
        thread, it does not wait for a call to pull frames: without a recent frame sent, one is
        rendered here."""
        last, at = self._last, self._last_at
        now = time.monotonic()
        if last is None or now - at > 2.0 / self.fps:
            last = self.render(int(now * self.fps), int(time.time() * 1e6))
            if self.overlay is not None:
                self._draw_overlay(last)
        return cv2.cvtColor(last, cv2.COLOR_YUV2BGR_I420)

    def _draw_overlay(self, yuv: np.ndarray) -> None:
        """Paint ``overlay`` into the luma and chroma planes of a yuv420p frame, in place."""
        pic = self.overlay
        w, h = self.width, self.height
        side = int(min(w, h) * 0.55) // 2 * 2
        if pic is None or side < 16:
            return
        small = cv2.resize(pic, (side, side), interpolation=cv2.INTER_AREA)
        sub = cv2.cvtColor(small, cv2.COLOR_BGR2YUV_I420)
        x0, y0 = (w - side) // 2 // 2 * 2, (h - side) // 2 // 2 * 2 + h // 8 // 2 * 2
        y0 = min(y0, h - side)
        yuv[y0:y0 + side, x0:x0 + side] = sub[:side]
        q = side // 2
        u, v = sub[side:side + side // 4].reshape(-1), sub[side + side // 4:].reshape(-1)
        cw = w // 2
        planes = yuv[h:].reshape(-1)
        uo, vo = 0, (w // 2) * (h // 2)
        for r in range(q):
            row = (y0 // 2 + r) * cw + x0 // 2
            planes[uo + row:uo + row + q] = u[r * q:(r + 1) * q]
            planes[vo + row:vo + row + q] = v[r * q:(r + 1) * q]

    def render(self, n: int, capture_us: int) -> np.ndarray:
        """Render frame ``n`` as a yuv420p array (height * 3/2 x width).

        Args:
            n: frame number.
            capture_us: capture time to stamp, in wall-clock microseconds.
        """
        w, h = self.width, self.height
        out = np.empty((h * 3 // 2, w), np.uint8)
        y = out[:h]
        y[:] = self._y
        cx = int(w / 2 + w / 3 * math.sin(n / 15))
        cy = int(h * 0.62 + h / 8 * math.cos(n / 11))
        cv2.circle(y, (cx, cy), max(4, h // 6), 200, -1)
        cv2.rectangle(y, (0, int(h * 0.9)), (int(w * ((n % 60) / 60)), h - 1), 30, -1)
        draw_stamp(y, Stamp(n, capture_us))
        q = (w // 2) * (h // 2)
        flat = out[h:].reshape(-1)
        flat[:q] = self._u.reshape(-1)
        flat[q:] = self._v.reshape(-1)
        return out

    async def recv(self) -> av.VideoFrame:
        """The next frame, paced at ``fps``."""
        n, pts = await self._next_slot()
        arr = self.render(n, int(time.time() * 1e6))
        if self.overlay is not None:
            self._draw_overlay(arr)
        self._last, self._last_at = arr, time.monotonic()
        frame = av.VideoFrame.from_ndarray(arr, format="yuv420p")
        frame.pts, frame.time_base = pts, VIDEO_TIME_BASE
        return frame


def _render_page(kind: str, seed: int) -> np.ndarray:
    try:
        from hardware import docrender
    except ImportError:  # the renderer is optional; a plain page keeps the pipeline busy
        page = np.full((540, 856, 3), 235, np.uint8)
        cv2.putText(page, kind.upper(), (40, 120), cv2.FONT_HERSHEY_SIMPLEX, 2, (40, 35, 30), 4)
        return page
    if kind == "claim_form":
        return docrender.render_claim_form(seed=seed)
    return docrender.render_id_card(seed=seed)


def _place(page: np.ndarray, size: tuple[int, int], seed: int, tray_seed: int, *, card: bool = False) -> np.ndarray:
    """The page on the tray, as the document camera sees it (a card with an ID-1 card's rounded corners)."""
    rng = np.random.default_rng(seed)
    try:
        from hardware import docrender
    except ImportError:
        frame = np.full((size[1], size[0], 3), 50, np.uint8)
        ph, pw = page.shape[:2]
        k = 0.5 * min(size) / max(ph, pw)
        small = cv2.resize(page, (int(pw * k), int(ph * k)))
        y0, x0 = (size[1] - small.shape[0]) // 2, (size[0] - small.shape[1]) // 2
        frame[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
        return frame
    frame, _corners = docrender.place_on_tray(
        page,
        size,
        angle=float(rng.uniform(-12, 12)),
        scale=float(rng.uniform(0.55, 0.75)),
        tilt=float(rng.uniform(0.0, 0.12)),
        seed=seed,
        tray_seed=tray_seed,
        corner_radius=docrender.CARD_CORNER_RADIUS if card else 0.0,
    )
    return frame


class SyntheticDocumentCamera(PacedVideoTrack):
    """A top-down document camera seeing an ID card or a claim form on the tray.

    The scene is rendered once at still resolution; video frames are a downscaled copy with
    a small moving marker, stills are the full-resolution image as PNG.

    Args:
        document: "id_card" or "claim_form".
        still_size: (width, height) of stills, e.g. (1920, 1080).
        video_size: (width, height) of video frames.
        fps: video frames per second.
        seed: chooses the page content and its placement, and the tray (which stays the same
            when :meth:`show` puts another document on it).
        still_compression: PNG compression level (0-9) of the pre-encoded still (lossless
            at every level).
        sensor_noise: amplitude of the noise a real sensor adds to every frame
            :meth:`latest_frame` gives (0: none, every capture of a scene byte-identical; 3: about
            a cheap document camera's, and a 1080p PNG of about 4 MB instead of 2 MB).
    """

    def __init__(
        self,
        document: str = "id_card",
        still_size: tuple[int, int] = (1920, 1080),
        video_size: tuple[int, int] = (1280, 720),
        fps: float = 15,
        seed: int = 0,
        still_compression: int = 9,
        sensor_noise: int = 0,
    ) -> None:
        super().__init__(fps)
        self.sensor_noise = sensor_noise
        self._noise: np.ndarray | None = None
        self._noise_rng = np.random.default_rng(seed + 7919)
        self.document = document
        self.still_size = still_size
        self.width, self.height = video_size
        self._seed = seed
        self._tray_seed = seed  # the booth's tray stays the same whatever lies on it
        self._scene: np.ndarray | None = None
        self._video: np.ndarray | None = None
        self._still: StillImage | None = None
        self._still_ready: threading.Event | None = None
        self.still_compression = still_compression
        self._threads: list[threading.Thread] = []
        self.state = "running"
        self.reason = ""

    def scene(self) -> np.ndarray:
        """The full-resolution BGR scene (rendered on first use)."""
        if self._scene is None:
            if self.document is None:
                from hardware import docrender

                self._scene = docrender.tray_background(self.still_size, self._tray_seed)
            else:
                page = _render_page(self.document, self._seed)
                self._scene = _place(page, self.still_size, self._seed, self._tray_seed,
                                     card=self.document != "claim_form")
        return self._scene

    def latest_frame(self) -> np.ndarray:
        """What the camera sees now at full resolution, as BGR (the scanner's input): the scene,
        plus fresh sensor noise when ``sensor_noise`` is set (two randomly shifted copies of one
        noise plane, added and subtracted: about 10 ms at 1080p, never the same twice)."""
        scene = self.scene()
        if not self.sensor_noise:
            return scene
        noise = self._noise
        if noise is None or noise.shape != scene.shape:
            noise = self._noise = self._noise_rng.integers(0, self.sensor_noise + 1, scene.shape, dtype=np.uint8)
        a, b = (int(x) for x in self._noise_rng.integers(1, scene.shape[0], 2))
        return cv2.subtract(cv2.add(scene, np.roll(noise, a, axis=0)), np.roll(noise, b, axis=0))

    def show(self, document: str | None, seed: int | None = None) -> None:
        """Put another document on the tray ("id_card"-like or "claim_form"-like), or clear it
        (None). The new scene is rendered in a background thread; the camera shows the old one
        until it is ready (rendering a 1080p scene takes about 0.1 s, too long for the loop).

        Args:
            document: "id_card", "claim_form", or None for the empty tray.
            seed: a new seed (a different placement and page on the same tray), or keep the
                current one.
        """
        seed = self._seed if seed is None else seed

        def render() -> None:
            if document is None:
                from hardware import docrender

                scene = docrender.tray_background(self.still_size, self._tray_seed)
            else:
                scene = _place(_render_page(document, seed), self.still_size, seed, self._tray_seed,
                               card=document != "claim_form")
            small = cv2.resize(scene, (self.width, self.height), interpolation=cv2.INTER_AREA)
            video = cv2.cvtColor(small, cv2.COLOR_BGR2YUV_I420)
            # one assignment each: readers see the old scene or the new one, never a mix
            self.document, self._seed = document, seed
            self._still, self._still_ready = None, None
            self._video, self._scene = video, scene

        self._start_thread(render, "synthetic-document")

    def _video_yuv(self) -> np.ndarray:
        if self._video is None:
            small = cv2.resize(self.scene(), (self.width, self.height), interpolation=cv2.INTER_AREA)
            self._video = cv2.cvtColor(small, cv2.COLOR_BGR2YUV_I420)
        return self._video

    async def prepare(self) -> None:
        """Render the scene in a worker thread so the first frame does not stall the loop, and
        start encoding its still (the document was "captured") in the background."""
        await asyncio.to_thread(self._video_yuv)
        self.start_still_encoding()

    def start_still_encoding(self) -> None:
        """Encode the current scene's PNG in a low-priority thread (once per scene)."""
        if self._still_ready is not None:
            return
        ready = self._still_ready = threading.Event()

        def work() -> None:
            try:  # Linux: lower this thread only, so live video encoding keeps priority
                import os
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
            except (AttributeError, OSError):
                pass
            try:
                self._still = self._encode_still()
            except Exception:
                logger.exception("still pre-encoding failed")
            finally:
                ready.set()

        self._start_thread(work, "still-encoder")

    def _start_thread(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def stop(self) -> None:
        """Stop the track and wait (a few seconds at most) for a scene being rendered or a still
        being encoded: a process that exits while OpenCV works in one of them can abort in the
        C++ runtime ("terminate called without an active exception", seen under load)."""
        super().stop()
        for thread in self._threads:
            thread.join(5.0)

    async def recv(self) -> av.VideoFrame:
        """The next video frame, paced at ``fps``."""
        n, pts = await self._next_slot()
        if self._video is None:
            await self.prepare()
        arr = self._video_yuv().copy()
        x = (n * 8) % max(1, self.width - 16)
        arr[self.height - 16 : self.height - 4, x : x + 12] = 235
        frame = av.VideoFrame.from_ndarray(arr, format="yuv420p")
        frame.pts, frame.time_base = pts, VIDEO_TIME_BASE
        return frame

    def _encode_still(self) -> StillImage:
        ok, buf = cv2.imencode(".png", self.scene(), [cv2.IMWRITE_PNG_COMPRESSION, self.still_compression])
        if not ok:
            raise RuntimeError("PNG encoding failed")
        h, w = self.scene().shape[:2]
        return StillImage(buf.tobytes(), w, h)

    async def capture_still(self) -> StillImage:
        """A lossless full-resolution PNG of the current scene: the pre-encoded one (waits for
        the background encoding if it is still running)."""
        self.start_still_encoding()
        ready = self._still_ready
        if not ready.is_set():
            await asyncio.to_thread(ready.wait)
        if self._still is None:  # the background encoding failed: try once more, here
            self._still = await asyncio.to_thread(self._encode_still)
        return self._still


class ToneMicrophone(MediaStreamTrack):
    """A microphone stand-in: a quiet sine tone (or silence), 20 ms frames at 48 kHz.

    Args:
        frequency: tone in Hz; 0 gives silence.
        level: amplitude as a fraction of full scale.
    """

    kind = "audio"

    def __init__(self, frequency: float = 440.0, level: float = 0.05) -> None:
        super().__init__()
        self._samples = int(AUDIO_RATE * AUDIO_PTIME)
        self._start: float | None = None
        self._timestamp = 0
        t = np.arange(AUDIO_RATE, dtype=np.float64) / AUDIO_RATE
        one_second = (level * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)
        wave = one_second if frequency else np.zeros(AUDIO_RATE, np.int16)
        # one second plus one frame, so every 20 ms chunk is a plain slice (no wrap-around
        # gather per frame: this track runs 50 times a second in the console too)
        self._wave = np.concatenate([wave, wave[: self._samples]]).reshape(1, -1)

    async def recv(self) -> av.AudioFrame:
        """The next 20 ms of audio, paced in real time."""
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._timestamp += self._samples
            delay = self._start + self._timestamp / AUDIO_RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.2:  # not read for a while: skip ahead instead of bursting old audio
                behind = int(-delay * AUDIO_RATE) // self._samples * self._samples
                self._timestamp += behind
        i = self._timestamp % AUDIO_RATE
        frame = av.AudioFrame.from_ndarray(self._wave[:, i : i + self._samples], format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._timestamp
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        return frame
