"""Video to the screen: newest frame only, converted and scaled once, off the GUI thread.

A :class:`VideoView` subscribes to a call's :class:`media.tracks.FrameSink` (or is handed a local
camera's BGR frames). For every frame (on the engine's loop) it only keeps a reference; a
converter thread turns the newest frame into a 32-bit RGB image at exactly the size the widget
shows it (libswscale colours and scales a decoded frame in one pass; OpenCV a camera's, without
holding the GIL), and the GUI thread paints it without scaling again. A
frame that arrives while the previous one is still being converted replaces it (nothing piles
up), and a hidden view converts nothing. The last picture stays when the video stops (frozen),
and can be dimmed (a booth on hold).
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import av
import cv2
import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget

logger = logging.getLogger(__name__)

_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="video-convert")
"""Converter threads shared by every view of the process (two: the machines have few cores)."""

_PIXELS = "bgra" if sys.byteorder == "little" else "argb"
"""What libswscale writes: QImage's Format_RGB32 as it lies in memory (0xffRRGGBB words), the
format the painter draws without converting; libswscale also makes it about twice as fast as
packed 24-bit RGB."""


def fit(src_w: int, src_h: int, box: QSize) -> tuple[int, int]:
    """The largest size of aspect ``src_w:src_h`` inside ``box``, with even dimensions.

    Args:
        src_w: source width.
        src_h: source height.
        box: the widget's size in device pixels.
    """
    if src_w <= 0 or src_h <= 0 or box.width() <= 0 or box.height() <= 0:
        return 0, 0
    scale = min(box.width() / src_w, box.height() / src_h)
    return max(2, int(src_w * scale) // 2 * 2), max(2, int(src_h * scale) // 2 * 2)


class VideoView(QWidget):
    """Shows one video track (a booth's face, a document view, the officer's camera).

    Args:
        parent: the Qt parent.
        placeholder: text shown before the first frame.

    Signals:
        frame_shown(): a new picture was painted (for benchmarks).
    """

    frame_shown = Signal()
    _ready = Signal()

    def __init__(self, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.placeholder = placeholder
        self._lock = threading.Lock()
        self._pending: av.VideoFrame | None = None
        self._converting = False
        self._image: QImage | None = None
        self._image_at = 0.0
        self._target = QSize(0, 0)
        self._visible = False
        self._dimmed = False
        self._mirror = False
        self._unsubscribe: Callable[[], None] | None = None
        self.converted = 0
        """Frames converted (a hidden view converts none)."""
        self.painted = 0
        """Pictures painted."""
        self.painted_source: tuple[int, int] | None = None
        """The size of the decoded frame behind the last picture painted (a benchmark tells a
        focused booth's full-quality frame from a grid tile's)."""
        self._ready.connect(self._on_ready)

    # -- feeding (engine loop) -------------------------------------------------------------

    def reader(self, _name: str, frame) -> None:
        """A :class:`FrameSink` reader: keep the newest frame and convert it when free.

        Args:
            _name: the track's name.
            frame: an :class:`av.VideoFrame`, or a BGR ``numpy`` image (a local camera's newest
                frame, e.g. a self-view), at any size.
        """
        if not isinstance(frame, (av.VideoFrame, np.ndarray)) or not self._visible:
            return
        with self._lock:
            self._pending = frame
            if self._converting:
                return
            self._converting = True
        _POOL.submit(self._convert)

    def attach(self, subscribe: Callable[[Callable], Callable[[], None]]) -> None:
        """Subscribe to a sink (``sink.subscribe``); a previous sink is let go.

        Args:
            subscribe: the sink's ``subscribe`` (called on whichever thread calls attach; the
                bridge calls it on the engine loop).
        """
        self.detach()
        self._unsubscribe = subscribe(self.reader)

    def detach(self) -> None:
        """Stop receiving frames (the last picture stays)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _convert(self) -> None:
        while True:
            with self._lock:
                frame, self._pending = self._pending, None
                if frame is None:
                    self._converting = False
                    return
                target = self._target
            local = isinstance(frame, np.ndarray)
            src_w, src_h = (frame.shape[1], frame.shape[0]) if local else (frame.width, frame.height)
            w, h = fit(src_w, src_h, target)
            if w == 0:
                continue
            try:
                if local:
                    # a camera's BGR frame: OpenCV colours and scales it and lets other Python
                    # threads (the GUI's) run meanwhile (PyAV's from_ndarray holds the GIL for the
                    # whole conversion, about 50 ms for 1080p here, a GUI stall)
                    bgr = frame if (w, h) == (src_w, src_h) else cv2.resize(frame, (w, h),
                                                                           interpolation=cv2.INTER_LINEAR)
                    px = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA))
                    image = QImage(px.data, w, h, px.strides[0], QImage.Format.Format_RGB32)
                    image.pixels = px  # keeps the pixels alive as long as the image
                else:
                    # a decoded frame: libswscale colours and scales in one pass to the size shown
                    # (a tile's picture is small, so the GIL is held briefly)
                    rgb = frame.reformat(width=w, height=h, format=_PIXELS, interpolation="BILINEAR")
                    plane = rgb.planes[0]
                    # the plane itself, rows padded to libswscale's alignment (a numpy view of it is
                    # not contiguous for most widths, and its memoryview is refused)
                    image = QImage(plane, w, h, plane.line_size, QImage.Format.Format_RGB32)
                    image.pixels = rgb  # keeps the pixels alive as long as the image
            except Exception:  # a damaged frame must not stop the view
                logger.debug("frame conversion failed", exc_info=True)
                continue
            image.source_size = (src_w, src_h)
            with self._lock:
                self._image, self._image_at = image, time.monotonic()
            self.converted += 1
            self._ready.emit()

    # -- GUI thread -------------------------------------------------------------------------

    @Slot()
    def _on_ready(self) -> None:
        self.update()

    def set_dimmed(self, dimmed: bool) -> None:
        """Dim the picture (it stays frozen when the video stops)."""
        if dimmed != self._dimmed:
            self._dimmed = dimmed
            self.update()

    def set_mirrored(self, mirrored: bool) -> None:
        """Show the picture mirrored (a self-view, as in a mirror)."""
        self._mirror = mirrored
        self.update()

    def clear(self) -> None:
        """Forget the last picture (e.g. after a participant left)."""
        with self._lock:
            self._image, self._pending = None, None
        self.update()

    @property
    def last_frame_age(self) -> float | None:
        """Seconds since the last picture was converted, or None before the first."""
        return None if self._image is None else time.monotonic() - self._image_at

    def resizeEvent(self, event) -> None:
        ratio = self.devicePixelRatioF()
        with self._lock:
            self._target = QSize(int(self.width() * ratio), int(self.height() * ratio))
        super().resizeEvent(event)

    def showEvent(self, event) -> None:
        self._visible = True
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        self._visible = False
        super().hideEvent(event)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(20, 22, 26))
        with self._lock:
            image = self._image
        if image is not None:
            ratio = self.devicePixelRatioF()
            w, h = image.width() / ratio, image.height() / ratio
            x, y = (self.width() - w) / 2, (self.height() - h) / 2
            target = QRect(int(x), int(y), int(w), int(h))
            if self._mirror:
                p.translate(self.width(), 0)
                p.scale(-1, 1)
            p.drawImage(target, image)
            if self._mirror:
                p.resetTransform()
            if self._dimmed:
                p.fillRect(self.rect(), QColor(0, 0, 0, 140))
            self.painted += 1
            self.painted_source = getattr(image, "source_size", None)
            self.frame_shown.emit()
        elif self.placeholder:
            p.setPen(QColor(200, 200, 200))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
        p.end()
