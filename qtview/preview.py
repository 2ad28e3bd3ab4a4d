"""A local camera's picture in a window: the booth's self-view and tray, the officer's self-view.

A :class:`LocalPreview` thread takes the camera's newest frame at a modest rate while on and
hands it to :class:`qtview.video.VideoView` widgets (which convert and scale it off the GUI
thread, newest frame only). Nothing is taken while it is off.
"""
from __future__ import annotations

import logging
from typing import Any

from hardware.paced import PacedWorker
from qtview.video import VideoView

logger = logging.getLogger(__name__)


def _grab(camera) -> Any:
    """The camera's newest BGR frame (synthetic cameras: ``latest_frame``; OpenCV cameras:
    ``latest``), or None."""
    for name in ("latest_frame", "latest"):
        fn = getattr(camera, name, None)
        if fn is not None:
            return fn()
    return None


class LocalPreview(PacedWorker):
    """Feeds a camera's newest frames to video views, in a thread of its own, while on.

    Args:
        camera: a local camera (``latest_frame()`` or ``latest()`` gives BGR).
        name: the preview's name (for logs and counters).
        fps: frames taken per second at most.
    """

    def __init__(self, camera, name: str, fps: float = 15.0) -> None:
        self.camera = camera
        self.name = name
        self.views: list[VideoView] = []
        self.taken = 0
        """Frames handed to the views."""
        super().__init__(1.0 / fps, f"preview-{name}")

    def _step(self) -> None:
        try:
            img = _grab(self.camera)
        except Exception:  # a failing camera must not end the preview thread
            logger.debug("preview %s: no frame", self.name, exc_info=True)
            return
        if img is not None and self.on:
            h, w = img.shape[:2]
            for view in self.views:  # (the views convert it off this thread, newest only)
                if hasattr(view, "source_size"):
                    view.source_size = (w, h)
                view.reader(self.name, img)
            self.taken += 1
